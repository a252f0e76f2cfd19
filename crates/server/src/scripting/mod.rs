//! Lua scripting (the EVAL family): the embedded Lua 5.1 engine, the
//! script cache, the `redis` API scripts see, global protection, and the
//! conversions between RESP replies and Lua values in both directions.
//!
//! A script runs inside one command on the loop thread, so it is atomic.
//! `redis.call` runs a command through the server's normal
//! [`execute`](crate::server::execute) path as a detached [`Client`](crate::client::Client) that
//! carries the caller's database and the script's protocol, then turns the
//! RESP reply that command wrote into Lua values.
//!
//! # How `redis.call` reaches `&mut Shared`
//!
//! The engine ([`Scripting`]) lives in `Shared::scripting`. To run a script
//! the EVAL handler takes the engine *out* of `Shared` (so the Lua state is
//! not reachable through `Shared` while it runs), stores a raw pointer to
//! `Shared` in the engine's `Run` state, calls into Lua, clears the pointer
//! and puts the engine back. `redis.call` (a Rust callback) turns the pointer
//! back into `&mut Shared` for the length of one command. See
//! [`Scripting::run`] for the safety argument.
//!
//! The pieces: `engine` (the Lua state, the script cache, running scripts
//! and functions), `functions` (function libraries), `api` (the `redis`
//! table and the `redis.call` bridge), `convert` (replies to Lua values and
//! back), `errors` (script errors as Redis words them), and the Lua
//! libraries written in Rust (`cjson`, `bit`, `cmsgpack`) with `sha1`.

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
