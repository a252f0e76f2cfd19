//! The engine: one Lua state prepared as Redis 7.0 prepares it (the
//! libraries, the read-only global protection of [`INIT`], the error
//! handler, the shutdown-signal hook), the script cache, and running a
//! script or function with the server reachable from `redis.call`.
//!
//! # The environment
//!
//! Scripts get the base, table, string and math libraries, plus `cjson`,
//! `bit` and `cmsgpack` written in Rust. `print`, `dofile`, `loadfile`,
//! `require`, `module`, `setfenv`, `getfenv`, `newproxy`, `debug`,
//! `package`, `os` and `io` are absent, as in Debian's redis-server 7.0.
//! Scripts run with a read-only proxy of the globals as their environment
//! (`setfenv(0, proxy)` also covers chunks made by `loadstring` / `load`,
//! which refuse binary chunks): reading an undefined global raises `Script
//! attempted to access nonexistent global variable`; assigning a global, or
//! a field of `_G`, `redis`, `string`, `math`, `table`, `coroutine`,
//! `cjson`, `bit` or `cmsgpack`, raises `Attempt to modify a readonly
//! table`, and `rawset` / `setmetatable` refuse the protected tables.
//! (Redis's own Lua has a read-only table flag; the proxies behave the same
//! for scripts except that `pairs()` over a library table sees nothing.)
//! `pcall` is wrapped so that a Redis error table, or an error a Rust
//! function raised, comes back as its message, as 7.0's does.
//!
//! Scripts and functions share this one Lua state (Redis uses two): SCRIPT
//! FLUSH replaces it with a fresh one, as Redis does for scripts, and loads
//! the function libraries into it again from their code; FUNCTION FLUSH
//! drops the libraries and leaves the script cache. A collection step every
//! 50 calls (Redis's `LUA_GC_CYCLE_PERIOD`) keeps the garbage of a long run
//! of scripts bounded without a full collection's pause.
//!
//! # The script cache
//!
//! Scripts are cached by the lower-case hex SHA1 of their body, compiled,
//! so EVALSHA never compiles; EVAL caches what it compiles (EVALSHA works
//! after it). A `#!lua flags=...` shebang gives the script's flags
//! ([`script_flags`]). Nothing of the cache is persisted.
//!
//! # Signals
//!
//! A script runs to completion inside its command, so a runaway script
//! would keep the loop from ever reading its signalfd. A global hook looks
//! for a pending SIGTERM / SIGINT (sigpending(2), every 100,000 Lua
//! instructions) and ends the script with an error, so the loop reads the
//! signal and shuts down as configured: a runaway script cannot make the
//! server ignore `docker stop` or systemd.

use std::collections::HashMap;

use ember_resp::{CommandDecoder, Limits, Protocol};
use mlua::{Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};

use super::api::{redis_api, redis_call};
use super::convert::write_result;
use super::errors::{compile_message, err, error_handler, one_line, raised_message, script_error};
use super::functions::{register_function, FunctionDef, Library};
use super::{cjson, cmsgpack, lbit, sha1};
use crate::client::{Client, Out};
use crate::error::CmdError;
use crate::state::Shared;

/// The chunk name scripts are compiled under (error positions read
/// `user_script:N:`).
const CHUNK_NAME: &str = "@user_script";

/// The chunk name of the prelude ([`INIT`]); its frames are skipped when an
/// error's position is looked for.
pub(super) const PRELUDE_NAME: &str = "=ember";

/// Script flags from a `#!lua flags=...` shebang (Redis 7.0).
pub mod script_flags {
    /// The script has a shebang (flags apply; without one, everything is allowed).
    pub const SHEBANG: u32 = 1 << 0;
    /// `no-writes`: the script may not call write commands.
    pub const NO_WRITES: u32 = 1 << 1;
    /// `allow-oom`.
    pub const ALLOW_OOM: u32 = 1 << 2;
    /// `allow-stale`.
    pub const ALLOW_STALE: u32 = 1 << 3;
    /// `no-cluster`.
    pub const NO_CLUSTER: u32 = 1 << 4;
    /// `allow-cross-slot-keys`.
    pub const ALLOW_CROSS_SLOT: u32 = 1 << 5;
}

/// A cached script.
pub struct Script {
    /// The script's text as sent.
    pub body: Vec<u8>,
    /// The compiled chunk.
    func: Function,
    /// [`script_flags`] bits.
    pub flags: u32,
}

/// Per-invocation state that the Rust callbacks reach through the Lua
/// state's app data.
pub(super) struct Run {
    /// The server, set only while a script runs (see [`Scripting::run`]).
    pub(super) srv: *mut Shared,
    /// The client `redis.call` runs commands as.
    pub(super) client: Client,
    /// The command's time, as the calling command sees it.
    pub(super) now_ms: u64,
    /// EVAL_RO / EVALSHA_RO or a `no-writes` script.
    pub(super) read_only: bool,
    /// `redis.setresp(3)` was called.
    pub(super) resp3: bool,
    /// Functions registered so far by the library being loaded (FUNCTION
    /// LOAD); `None` outside a load.
    pub(super) registering: Option<Vec<FunctionDef>>,
    /// The multibulk `redis.call` builds its command in (reused).
    pub(super) args: Vec<u8>,
    /// Decodes `args` into a [`Command`] (reused).
    pub(super) decoder: CommandDecoder,
}

/// The scripting engine: a Lua state prepared as Redis 7.0 prepares it, and
/// the script cache.
pub struct Scripting {
    pub(super) lua: Lua,
    /// Cached scripts by lower-case hex SHA1.
    pub(super) scripts: HashMap<[u8; 40], Script>,
    /// Sum of the cached scripts' body lengths.
    pub(super) body_bytes: usize,
    /// `function(f) return xpcall(f, __redis__err__handler) end`.
    pub(super) runner: Function,
    /// The real global table (scripts see a read-only proxy of it); KEYS and
    /// ARGV are set here before each call.
    pub(super) globals: Table,
    /// The proxy scripts run with as their environment.
    pub(super) env: Table,
    /// The environment library code runs in while it loads.
    pub(super) load_env: Table,
    /// `function(f, keys, args) return xpcall(...) end`, for functions.
    pub(super) runner_args: Function,
    /// Function libraries by name.
    pub(super) libraries: std::collections::BTreeMap<String, Library>,
    /// Function name → (library, index in its `functions`).
    pub(super) function_index: HashMap<Vec<u8>, (String, usize)>,
    /// Scripts and functions run since the last collection step.
    pub(super) calls_since_gc: u32,
}

/// Calls between two garbage-collection steps (Redis's
/// `LUA_GC_CYCLE_PERIOD`), and the size of a step.
const GC_CYCLE_PERIOD: u32 = 50;

/// What went wrong compiling or running a script, as the client sees it.
pub type ScriptError = CmdError;

/// The Lua side of the environment: runs once per Lua state, with the real
/// globals, and returns the runner and the read-only proxy. Everything a
/// script could otherwise reach to escape the protection is captured in
/// locals here.
const INIT: &str = r#"
local G, errmsg, handler, register = ...
local error_, type_, tostring_, rawget_, setmetatable_ = error, type, tostring, rawget, setmetatable
local pcall_, xpcall_, setfenv_, loadstring_, load_ = pcall, xpcall, setfenv, loadstring, load
local sbyte = string.byte

-- What Redis's Lua does not have.
for _, name in ipairs({'print', 'dofile', 'loadfile', 'require', 'module', 'setfenv', 'getfenv',
                       'newproxy', 'debug', 'package', 'os', 'io'}) do
  G[name] = nil
end

local rawset_ = rawset
local function readonly() error_('Attempt to modify a readonly table', 2) end
-- Tables scripts may not change (weak keys: only ours are ever added).
local protected = setmetatable_({}, {__mode = 'k'})
local function protect(t)
  local p = setmetatable_({}, {__index = t, __newindex = readonly, __metatable = false})
  protected[p] = true
  return p
end
G.rawset = function(t, k, v)
  if protected[t] then error_('Attempt to modify a readonly table', 0) end
  return rawset_(t, k, v)
end
G.setmetatable = function(t, m)
  if protected[t] then error_('Attempt to modify a readonly table', 0) end
  return setmetatable_(t, m)
end

-- pcall returns the message of a Redis error table, and of an error a
-- Rust function raised, as Redis 7.0 does.
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type_(e) == 'table' then
    local m = rawget_(e, 'err')
    if type_(m) == 'string' or type_(m) == 'number' then return false, m end
  elseif type_(e) == 'userdata' then
    return false, errmsg(e)
  end
  return false, e
end
G.pcall = function(...) return pcall_result(pcall_(...)) end

local env
local function no_binary(s) return type_(s) == 'string' and sbyte(s, 1) == 27 end
G.loadstring = function(s, name)
  if no_binary(s) then return nil, 'attempt to load a binary chunk' end
  local f, e = loadstring_(s, name)
  if f then setfenv_(f, env) end
  return f, e
end
G.load = function(reader, name)
  local first = true
  local f, e = load_(function()
    local piece = reader()
    if first then
      first = false
      if no_binary(piece) then error_('attempt to load a binary chunk', 0) end
    end
    return piece
  end, name)
  if f then setfenv_(f, env) end
  return f, e
end

G.__redis__err__handler = handler

-- What library code sees while it loads: only this `redis`.
local api = G.redis
local load_redis = {register_function = register, log = api.log, REDIS_VERSION = api.REDIS_VERSION,
                    REDIS_VERSION_NUM = api.REDIS_VERSION_NUM}
for _, level in ipairs({'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING'}) do
  load_redis[level] = api[level]
end
local function missing(_, k)
  error_("Script attempted to access nonexistent global variable '" .. tostring_(k) .. "'", 2)
end
-- Unlike the run-time `redis`, a missing field here is an error too.
local load_redis_proxy = setmetatable_({}, {
  __index = function(_, k)
    local v = rawget_(load_redis, k)
    if v == nil then
      error_("Script attempted to access nonexistent global variable '" .. tostring_(k) .. "'", 2)
    end
    return v
  end,
  __newindex = readonly,
  __metatable = false,
})
protected[load_redis_proxy] = true
local load_G = setmetatable_({redis = load_redis_proxy}, {__index = missing, __newindex = readonly, __metatable = false})
local load_env = setmetatable_({}, {__index = load_G, __newindex = readonly, __metatable = false})
protected[load_G] = true
protected[load_env] = true

for _, name in ipairs({'redis', 'string', 'table', 'math', 'coroutine', 'cjson', 'bit', 'cmsgpack'}) do
  G[name] = protect(G[name])
end

local decoy = setmetatable_({}, {__newindex = readonly})
protected[decoy] = true
env = setmetatable_({}, {__index = G, __newindex = readonly, __metatable = decoy})
protected[env] = true
protected[G] = true
G._G = env
setmetatable_(G, {
  __index = function(_, k)
    error_("Script attempted to access nonexistent global variable '" .. tostring_(k) .. "'", 2)
  end,
  __newindex = readonly,
  __metatable = decoy,
})
setfenv_(0, env)

local function run(f) return xpcall_(f, handler) end
local function run_args(f, keys, args) return xpcall_(function() return f(keys, args) end, handler) end
return run, run_args, env, load_env
"#;

/// Lua instructions between two looks for a pending shutdown signal (about
/// a millisecond of script time; one sigpending(2) each).
const SIGNAL_CHECK_EVERY: u32 = 100_000;

/// The error a script ends with when SIGTERM / SIGINT arrives while it runs.
const SHUTDOWN_KILLED: &str = "ERR Script killed by a shutdown signal (SIGTERM or SIGINT) while running";

/// Whether SIGTERM or SIGINT is waiting for the loop's signalfd (they are
/// blocked, so they stay pending until it reads them).
fn shutdown_signal_pending() -> bool {
    use nix::libc;
    // SAFETY: sigpending fills the set it is given; the set is initialised
    // by sigemptyset first.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        if libc::sigpending(&mut set) != 0 {
            return false;
        }
        libc::sigismember(&set, libc::SIGTERM) == 1 || libc::sigismember(&set, libc::SIGINT) == 1
    }
}

impl Scripting {
    /// A fresh Lua state with Redis's libraries and API.
    pub fn new() -> Result<Scripting, CmdError> {
        Scripting::build().map_err(|e| err(format!("ERR Failed to create the Lua engine: {e}")))
    }

    fn build() -> mlua::Result<Scripting> {
        let lua = Lua::new_with(StdLib::TABLE | StdLib::STRING | StdLib::MATH, LuaOptions::new())?;
        lua.set_app_data(Run {
            srv: std::ptr::null_mut(),
            client: Client::detached(u64::MAX, 0),
            now_ms: 0,
            read_only: false,
            resp3: false,
            registering: None,
            args: Vec::new(),
            decoder: CommandDecoder::new(Limits { max_bulk_len: u64::MAX, ..Limits::default() }),
        });
        let globals = lua.globals();
        globals.raw_set("cjson", cjson::module(&lua)?)?;
        globals.raw_set("bit", lbit::module(&lua)?)?;
        globals.raw_set("cmsgpack", cmsgpack::module(&lua)?)?;
        let redis_api = redis_api(&lua)?;
        redis_api.raw_set(
            "call",
            lua.create_function(|lua, argv: MultiValue| match redis_call(lua, argv)? {
                (Value::Table(t), true) => {
                    Err(mlua::Error::RuntimeError(t.raw_get::<mlua::String>("err")?.to_string_lossy()))
                }
                (v, _) => Ok(v),
            })?,
        )?;
        redis_api.raw_set("pcall", lua.create_function(|lua, argv: MultiValue| Ok(redis_call(lua, argv)?.0))?)?;
        globals.raw_set("redis", redis_api)?;
        let errmsg = lua.create_function(|_, e: Value| {
            Ok(match e {
                Value::Error(e) => raised_message(&e),
                other => other.to_string().unwrap_or_default(),
            })
        })?;
        let handler = lua.create_function(error_handler)?;
        let register = lua.create_function(register_function)?;
        let (runner, runner_args, env, load_env): (Function, Function, Table, Table) =
            lua.load(INIT).set_name(PRELUDE_NAME).call((globals.clone(), errmsg, handler, register))?;
        // A script that runs away blocks the loop, which then never reads the
        // signalfd: every so often a running script looks for a pending
        // SIGTERM / SIGINT and, if there is one, ends with an error so the
        // loop can shut down as the signal asks.
        lua.set_global_hook(mlua::HookTriggers::new().every_nth_instruction(SIGNAL_CHECK_EVERY), |_, _| {
            if shutdown_signal_pending() {
                Err(mlua::Error::RuntimeError(SHUTDOWN_KILLED.into()))
            } else {
                Ok(mlua::VmState::Continue)
            }
        })?;
        Ok(Scripting {
            lua,
            scripts: HashMap::new(),
            body_bytes: 0,
            runner,
            globals,
            env,
            load_env,
            runner_args,
            libraries: Default::default(),
            function_index: HashMap::new(),
            calls_since_gc: 0,
        })
    }

    /// Number of cached scripts.
    pub fn len(&self) -> usize {
        self.scripts.len()
    }

    /// No cached scripts.
    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }

    /// Bytes the Lua state uses.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Bytes of cached script bodies.
    pub fn scripts_memory(&self) -> usize {
        self.body_bytes + self.scripts.len() * 64
    }

    /// Whether a script with this SHA1 (any case) is cached.
    pub fn exists(&self, sha: &[u8]) -> bool {
        sha_key(sha).is_some_and(|k| self.scripts.contains_key(&k))
    }

    /// The cached script with this SHA1 (any case).
    pub fn get(&self, sha: &[u8]) -> Option<&Script> {
        self.scripts.get(&sha_key(sha)?)
    }

    /// Compiles `body` (unless cached) and returns its SHA1.
    pub fn load(&mut self, body: &[u8]) -> Result<[u8; 40], CmdError> {
        let sha = sha1::hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let (flags, code_at) = parse_shebang(body)?;
        let func = self
            .lua
            .load(&body[code_at..])
            .set_name(CHUNK_NAME)
            .set_mode(mlua::ChunkMode::Text)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|e| err(format!("ERR Error compiling script (new function): {}", compile_message(&e))))?;
        self.body_bytes += body.len();
        self.scripts.insert(sha, Script { body: body.to_vec(), func, flags });
        Ok(sha)
    }

    /// Runs the cached script `sha` with `keys` and `args`, writing its reply
    /// to `out`.
    ///
    /// # Safety argument for the `Shared` pointer
    ///
    /// `srv` is the only live reference to the server: the caller's handler
    /// got it as `&mut Shared` and does not touch it until this returns; the
    /// engine itself has been taken out of `Shared::scripting`, so nothing
    /// reachable through `srv` aliases the Lua state or this `Scripting`.
    /// The pointer is stored in the `Run` state for the length of the call
    /// and cleared before returning (also when the script fails). Inside,
    /// `redis.call` turns it into `&mut Shared` for exactly one `execute` and
    /// drops that reference before returning to Lua; commands that could
    /// re-enter scripting (EVAL, SCRIPT, ...) are `noscript` and refused
    /// before `execute`, so no second `&mut Shared` is ever made from it.
    /// Everything runs on the loop thread.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        srv: &mut Shared,
        sha: &[u8; 40],
        db: usize,
        read_only_cmd: bool,
        keys: &[&[u8]],
        args: &[&[u8]],
        now_ms: u64,
        out: &mut Out,
    ) -> Result<(), CmdError> {
        let Some(script) = self.scripts.get(sha) else {
            return Err(err("NOSCRIPT No matching script. Please use EVAL."));
        };
        let func = script.func.clone();
        let read_only = read_only_cmd || script.flags & script_flags::NO_WRITES != 0;
        let lua = &self.lua;
        let setup = || -> mlua::Result<()> {
            self.globals.raw_set("KEYS", string_table(lua, keys)?)?;
            self.globals.raw_set("ARGV", string_table(lua, args)?)?;
            Ok(())
        };
        setup().map_err(|e| err(format!("ERR {e}")))?;
        let call = Invocation { func, keys: None, label: sha, db, read_only, now_ms };
        self.invoke(srv, call, out)
    }

    /// Runs a registered function (FCALL / FCALL_RO) with `keys` and `args`
    /// as its two arguments, writing its reply to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn fcall(
        &mut self,
        srv: &mut Shared,
        name: &[u8],
        db: usize,
        read_only_cmd: bool,
        keys: &[&[u8]],
        args: &[&[u8]],
        now_ms: u64,
        out: &mut Out,
    ) -> Result<(), CmdError> {
        let Some((lib, at)) = self.function_index.get(name) else {
            return Err(err("ERR Function not found"));
        };
        let f = &self.libraries[lib].functions[*at];
        if read_only_cmd && f.flags & script_flags::NO_WRITES == 0 {
            return Err(err("ERR Can not execute a script with write flag using *_ro command."));
        }
        let read_only = f.flags & script_flags::NO_WRITES != 0;
        let func = f.func.clone();
        let lua = &self.lua;
        let tables = || -> mlua::Result<(Table, Table)> {
            // Functions get keys and args as arguments; KEYS and ARGV left
            // by the last EVAL are not theirs to see.
            self.globals.raw_set("KEYS", Value::Nil)?;
            self.globals.raw_set("ARGV", Value::Nil)?;
            Ok((string_table(lua, keys)?, string_table(lua, args)?))
        };
        let tables = tables().map_err(|e| err(format!("ERR {e}")))?;
        let call = Invocation { func, keys: Some(tables), label: name, db, read_only, now_ms };
        self.invoke(srv, call, out)
    }

    /// Calls a script or function under the error handler with the server
    /// reachable from `redis.call` (see [`Scripting::run`] for why the
    /// pointer is sound), and writes the result or the error.
    fn invoke(&mut self, srv: &mut Shared, call: Invocation<'_>, out: &mut Out) -> Result<(), CmdError> {
        let Invocation { func, keys, label, db, read_only, now_ms } = call;
        let lua = &self.lua;
        {
            let mut run = lua.app_data_mut::<Run>().expect("run state");
            run.srv = srv;
            run.client.db = db;
            run.client.out.proto = Protocol::Resp2;
            run.client.out.buf.clear();
            run.now_ms = now_ms;
            run.read_only = read_only;
            run.resp3 = false;
        }
        let result = match keys {
            None => self.runner.call::<MultiValue>(func),
            Some((k, a)) => self.runner_args.call::<MultiValue>((func, k, a)),
        };
        let resp3 = {
            let mut run = lua.app_data_mut::<Run>().expect("run state");
            run.srv = std::ptr::null_mut();
            run.resp3
        };
        // As Redis does, a garbage-collection step every 50 calls keeps
        // the garbage of a long run of scripts bounded without a full
        // collection's pause.
        self.calls_since_gc += 1;
        if self.calls_since_gc == GC_CYCLE_PERIOD {
            self.calls_since_gc = 0;
            let _ = lua.gc_step_kbytes(GC_CYCLE_PERIOD as i32);
        }
        let mut values = match result {
            Ok(v) => v.into_iter(),
            Err(e) => return Err(err(format!("ERR {}", one_line(&e.to_string())))),
        };
        let ok = matches!(values.next(), Some(Value::Boolean(true)));
        let value = values.next().unwrap_or(Value::Nil);
        if !ok {
            return Err(script_error(&value, label));
        }
        write_result(out, &value, resp3);
        Ok(())
    }

    /// Empties the script cache (SCRIPT FLUSH); libraries stay. As Redis
    /// does, scripts then run in a fresh Lua state, so nothing a long run
    /// of scripts left behind (interned strings, the grown tables of the
    /// state) is kept; the function libraries, which share the state here,
    /// are loaded into it again from their code.
    pub fn flush_scripts(&mut self) {
        if let Ok(mut fresh) = Scripting::build() {
            let codes: Vec<Vec<u8>> = self.libraries.values().map(|l| l.code.clone()).collect();
            if codes.iter().all(|code| fresh.load_library(code, true).is_ok()) {
                *self = fresh;
                return;
            }
        }
        self.scripts.clear();
        self.body_bytes = 0;
        let _ = self.lua.gc_collect();
    }
}

/// One call into Lua: the chunk or function, its `(keys, args)` arguments
/// for a function (a script reads KEYS and ARGV globals instead), the label
/// errors name (a script's SHA1, a function's name) and the run settings.
struct Invocation<'a> {
    func: Function,
    keys: Option<(Table, Table)>,
    label: &'a [u8],
    db: usize,
    read_only: bool,
    now_ms: u64,
}

/// The 40-byte cache key of a SHA1 given in any case, if it is 40 bytes.
fn sha_key(sha: &[u8]) -> Option<[u8; 40]> {
    let mut k: [u8; 40] = sha.try_into().ok()?;
    k.make_ascii_lowercase();
    Some(k)
}

/// A Lua array of strings.
fn string_table(lua: &Lua, items: &[&[u8]]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(item)?)?;
    }
    Ok(t)
}

/// Parses a `#!lua [flags=a,b]` first line: the flags and where the code
/// starts (the shebang line's newline stays, so line numbers hold).
fn parse_shebang(body: &[u8]) -> Result<(u32, usize), CmdError> {
    if !body.starts_with(b"#!") {
        return Ok((0, 0));
    }
    let Some(nl) = body.iter().position(|&b| b == b'\n') else {
        return Err(err("ERR Invalid script shebang"));
    };
    let line = &body[..nl];
    let mut parts = line.split(|&b| b == b' ');
    let engine = parts.next().unwrap_or_default();
    if engine != b"#!lua" {
        return Err(err(format!("ERR Unexpected engine in script shebang: {}", String::from_utf8_lossy(engine))));
    }
    let mut flags = script_flags::SHEBANG;
    for part in parts.filter(|p| !p.is_empty()) {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(err(format!("ERR Unknown lua shebang option: {}", String::from_utf8_lossy(part))));
        };
        for flag in list.split(|&b| b == b',').filter(|f| !f.is_empty()) {
            flags |= match flag {
                b"no-writes" => script_flags::NO_WRITES,
                b"allow-oom" => script_flags::ALLOW_OOM,
                b"allow-stale" => script_flags::ALLOW_STALE,
                b"no-cluster" => script_flags::NO_CLUSTER,
                b"allow-cross-slot-keys" => script_flags::ALLOW_CROSS_SLOT,
                other => {
                    return Err(err(format!(
                        "ERR Unexpected flag in script shebang: {}",
                        String::from_utf8_lossy(other)
                    )))
                }
            };
        }
    }
    Ok((flags, nl))
}

#[cfg(test)]
mod tests {
    fn lua_memory(e: &mut crate::Engine) -> u64 {
        let info = e.call(&["INFO", "memory"]);
        let text = match &info {
            ember_resp::Frame::Verbatim { data, .. } | ember_resp::Frame::Bulk(data) => {
                String::from_utf8_lossy(data).into_owned()
            }
            other => panic!("{other:?}"),
        };
        let line = text.lines().find_map(|l| l.strip_prefix("used_memory_lua:")).expect("used_memory_lua");
        line.trim().parse().expect("a number")
    }

    /// SCRIPT FLUSH gives scripts a fresh Lua state, as Redis does (what a
    /// long run of distinct scripts left behind goes), and the function
    /// libraries still work after it; a long run of calls keeps its garbage
    /// bounded by collection steps.
    #[test]
    fn script_flush_starts_a_fresh_state() {
        let mut e = crate::Engine::new(crate::Config::default());
        e.call(&["FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('seven', function() return 7 end)"]);
        e.call(&["EVAL", "return 1", "0"]);
        let fresh = lua_memory(&mut e);
        for i in 0..2000 {
            e.call(&["EVAL", &format!("return {i}"), "0"]);
        }
        assert!(lua_memory(&mut e) > fresh + 200_000, "2000 cached scripts take room");
        e.call(&["SCRIPT", "FLUSH"]);
        let flushed = lua_memory(&mut e);
        assert!(flushed < fresh + 4096, "after SCRIPT FLUSH {flushed}, fresh {fresh}");
        assert_eq!(e.call(&["FCALL", "seven", "0"]), ember_resp::Frame::Integer(7));
        for _ in 0..10_000 {
            e.call(&["EVAL", "return redis.call('incr', KEYS[1])", "1", "x"]);
        }
        assert!(lua_memory(&mut e) < 100 * 1024, "garbage of 10000 calls is collected as it goes");
    }

    use super::*;

    #[test]
    fn shebangs_parse_like_redis() {
        assert_eq!(parse_shebang(b"return 1").unwrap(), (0, 0));
        let (f, at) = parse_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap();
        assert_eq!(f, script_flags::SHEBANG | script_flags::NO_WRITES | script_flags::ALLOW_OOM);
        assert_eq!(at, 31);
        assert_eq!(parse_shebang(b"#!lua flags=\nreturn 1").unwrap().0, script_flags::SHEBANG);
        for (body, want) in [
            (&b"#!lua"[..], "ERR Invalid script shebang"),
            (b"#!lua flags=bogus\n", "ERR Unexpected flag in script shebang: bogus"),
            (b"#!lua name=x\n", "ERR Unknown lua shebang option: name=x"),
            (b"#!foo\n", "ERR Unexpected engine in script shebang: #!foo"),
        ] {
            assert_eq!(parse_shebang(body).unwrap_err().to_string(), want);
        }
    }
}
