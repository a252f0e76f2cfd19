//! Lua scripting (the EVAL family and Redis 7.0 functions): the embedded
//! Lua 5.1 engine, the script cache, the `redis` API scripts see, global
//! protection, and the conversions between RESP replies and Lua values in
//! both directions. The commands are in `commands/scripting.rs`.
//!
//! A script runs inside one command on the loop thread, so it is atomic.
//! `redis.call` runs a command through the server's normal
//! [`execute`](crate::dispatch::execute) path as a detached
//! [`Client`](crate::client::Client) that carries the caller's database and
//! the script's protocol, then turns the RESP reply that command wrote into
//! Lua values.
//!
//! # How `redis.call` reaches `&mut Shared`
//!
//! The engine ([`Scripting`]) lives in `Shared::scripting`, created on first
//! use. To run a script the EVAL handler takes the engine *out* of `Shared`
//! (so the Lua state is not reachable through `Shared` while it runs),
//! stores a raw pointer to `Shared` in the engine's `Run` state, calls into
//! Lua, clears the pointer and puts the engine back. `redis.call` (a Rust
//! callback) turns the pointer back into `&mut Shared` for the length of
//! one command. This is sound because the handler's own `&mut Shared` is
//! not used while Lua runs, nothing reachable from `Shared` aliases the Lua
//! state (it was taken out), every command that could re-enter scripting
//! (EVAL*, SCRIPT, FUNCTION, MULTI, ...) is `noscript` and refused before
//! `execute`, and all of it happens on the loop thread. See
//! [`Scripting::run`] for the full argument.
//!
//! # What is not there
//!
//! A long script blocks the server: ember does not serve other clients
//! from a Lua hook while a script runs, so there are no `BUSY` replies,
//! SCRIPT KILL and FUNCTION KILL always reply `NOTBUSY`, and
//! `busy-reply-threshold` (`lua-time-limit`) is accepted and kept. Only a
//! pending SIGTERM / SIGINT reaches a running script (see `engine`). SCRIPT
//! DEBUG YES / SYNC is refused (there is no Lua debugger; NO replies OK),
//! and Redis 7.0's `struct` library is not provided.
//!
//! The pieces: `engine` (the Lua state, the script cache, running scripts
//! and functions), `functions` (function libraries), `api` (the `redis`
//! table and the `redis.call` bridge), `convert` (replies to Lua values and
//! back), `errors` (script errors as Redis words them), and the Lua
//! libraries written in Rust (`cjson`, `bit`, `cmsgpack`) with [`sha1`].

mod api;
mod cjson;
mod cmsgpack;
mod convert;
mod engine;
mod errors;
mod functions;
mod lbit;
pub mod sha1;

pub use convert::lua_number_to_int;
pub use engine::{script_flags, Script, ScriptError, Scripting};
pub use errors::{lua_error, LuaStyleError};
pub use functions::{flag_names, library_codes, library_name, load_libraries, FunctionDef, Library};
