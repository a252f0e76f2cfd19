//! `ember-server`: the network server of ember, a Redis-compatible in-memory
//! data server, and the same server in-process ([`Engine`]).
//!
//! This is the only crate that touches sockets, files and signals. A
//! request goes: the event loop ([`server`]) reads a client's bytes; the
//! socket-free core ([`engine`]) decodes each command and hands it to
//! [`dispatch`], which looks it up in the command table ([`command`]),
//! lets the gate refuse it or runs its handler (one module per family in
//! [`commands`]) on the server's state ([`state`]), and records what it did.
//!
//! - [`command`]: the table ([`command::CommandSpec`]: flags, ACL
//!   categories, key specs, docs), its lookup, the argument cursor
//!   ([`command::Args`]) and key finding ([`command::keys`]).
//! - [`dispatch`]: lookup → gate → handler → after, one reject path.
//! - [`engine`]: [`Engine`] and [`Session`], and the core the event loop
//!   shares with them.
//! - [`state`]: [`state::Shared`], the statistics, MONITOR's feed;
//!   [`clients`]: the client slab; [`client`]: one connection's state and
//!   its reply writer; [`error`]: [`error::CmdError`].
//! - [`server`]: the epoll loop; [`listen`]: the listening sockets;
//!   [`process`]: daemonizing, supervision, OOM score, CPU affinity;
//!   [`clock`]: the loop's clock; [`log`](mod@log): Redis's log lines.
//! - [`config`]: redis.conf, the command line and the CONFIG parameter
//!   table.
//! - [`blocking`]: blocked clients and WATCH; [`pubsub`]: subscriptions,
//!   delivery, keyspace notifications, output buffer limits;
//!   [`scripting`]: the Lua engine behind EVAL and FCALL.
//! - [`persistence`] and [`glue`]: RDB snapshots through `ember-rdb`;
//!   [`lazyfree`]: freeing big values off the loop thread.
//! - [`alloc`]: the counting allocator behind `used_memory`; [`evict`]:
//!   `maxmemory`; [`latency`] and [`slowlog`]: what LATENCY and SLOWLOG
//!   report; [`docs`]: docs/COMMANDS.md and docs/CONFIG.md.
//!
//! The keyspace lives in `ember-store`, the protocol in `ember-resp`, the
//! file format in `ember-rdb` and Redis's number text in `ember-num`.
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
