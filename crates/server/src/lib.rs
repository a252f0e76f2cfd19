//! `ember-server`: the network server of ember, a Redis-compatible in-memory
//! data server.
//!
//! This is the only crate that touches sockets, files and signals. The main
//! pieces:
//!
//! - [`server`]: the single-threaded epoll event loop, client slab, reads,
//!   pipelined command execution, direct writes, cron and active expiry.
//! - [`command`]: the command table ([`command::CommandSpec`]), dispatch and
//!   argument helpers; [`commands`] holds one module per command family.
//! - [`config`]: redis.conf parsing and the CONFIG parameter table.
//! - [`process`]: daemonizing and other process set-up before the server runs.
//! - [`listen`]: the listening sockets, re-bound live by CONFIG SET.
//! - [`client`]: per-connection state and the reply writer.
//! - [`pubsub`]: channel/pattern subscriptions, message delivery and
//!   client output buffer limits.
//! - [`scripting`]: the Lua engine behind EVAL and friends.
//! - [`alloc`]: the counting allocator behind `used_memory` and `maxmemory`.
//! - [`evict`]: maxmemory: eviction before commands, OOM refusals.
//! - [`clock`]: the loop's clock (wall clock once per turn, cheap monotonic
//!   microseconds for command durations).
//!
//! The keyspace lives in `ember-store` and the protocol in `ember-resp`.
#![deny(missing_docs)]

pub mod alloc;
pub mod blocking;
pub mod client;
pub mod clients;
pub mod clock;
pub mod command;
pub mod commands;
pub mod config;
pub mod dispatch;
pub mod docs;
pub mod engine;
pub mod error;
pub mod evict;
pub mod glue;
pub mod latency;
pub mod lazyfree;
pub mod listen;
pub mod log;
pub mod persistence;
pub mod process;
pub mod pubsub;
pub mod scripting;
pub mod server;
pub mod slowlog;
pub mod state;

pub use config::Config;
pub use ember_resp::Frame;
pub use engine::{Engine, Session};
pub use server::{run, Server};
