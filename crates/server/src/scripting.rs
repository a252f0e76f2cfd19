//! Lua scripting (the EVAL family): the embedded Lua 5.1 engine, the
//! script cache, the `redis` API scripts see, global protection, and the
//! conversions between RESP replies and Lua values in both directions.
//!
//! A script runs inside one command on the loop thread, so it is atomic.
//! `redis.call` runs a command through the server's normal
//! [`execute`](crate::server::execute) path as a detached [`Client`] that
//! carries the caller's database and the script's protocol, then turns the
//! RESP reply that command wrote into Lua values.
//!
//! # How `redis.call` reaches `&mut Shared`
//!
//! The engine ([`Scripting`]) lives in `Shared::scripting`. To run a script
//! the EVAL handler takes the engine *out* of `Shared` (so the Lua state is
//! not reachable through `Shared` while it runs), stores a raw pointer to
//! `Shared` in the engine's [`Run`] state, calls into Lua, clears the pointer
//! and puts the engine back. `redis.call` (a Rust callback) turns the pointer
//! back into `&mut Shared` for the length of one command. See
//! [`Scripting::run`] for the safety argument.

use std::collections::HashMap;
use std::fmt::Write as _;

use ember_resp::{encode, Command, CommandDecoder, Limits, Protocol};
use mlua::{Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};

use crate::client::{Client, Out};
use crate::command::{flags, registry};
use crate::error::CmdError;
use crate::server::Shared;

mod cjson;
mod cmsgpack;
mod lbit;
pub mod sha1;

/// The chunk name scripts are compiled under (error positions read
/// `user_script:N:`).
const CHUNK_NAME: &str = "@user_script";

/// The chunk name of the prelude ([`INIT`]); its frames are skipped when an
/// error's position is looked for.
const PRELUDE_NAME: &str = "=ember";

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
struct Run {
    /// The server, set only while a script runs (see [`Scripting::run`]).
    srv: *mut Shared,
    /// The client `redis.call` runs commands as.
    client: Client,
    /// The command's time, as the calling command sees it.
    now_ms: u64,
    /// EVAL_RO / EVALSHA_RO or a `no-writes` script.
    read_only: bool,
    /// `redis.setresp(3)` was called.
    resp3: bool,
    /// Functions registered so far by the library being loaded (FUNCTION
    /// LOAD); `None` outside a load.
    registering: Option<Vec<FunctionDef>>,
    /// The multibulk `redis.call` builds its command in (reused).
    args: Vec<u8>,
    /// Decodes `args` into a [`Command`] (reused).
    decoder: CommandDecoder,
}

/// The scripting engine: a Lua state prepared as Redis 7.0 prepares it, and
/// the script cache.
pub struct Scripting {
    lua: Lua,
    /// Cached scripts by lower-case hex SHA1.
    scripts: HashMap<[u8; 40], Script>,
    /// Sum of the cached scripts' body lengths.
    body_bytes: usize,
    /// `function(f) return xpcall(f, __redis__err__handler) end`.
    runner: Function,
    /// The real global table (scripts see a read-only proxy of it); KEYS and
    /// ARGV are set here before each call.
    globals: Table,
    /// The proxy scripts run with as their environment.
    env: Table,
    /// The environment library code runs in while it loads.
    load_env: Table,
    /// `function(f, keys, args) return xpcall(...) end`, for functions.
    runner_args: Function,
    /// Function libraries by name.
    libraries: std::collections::BTreeMap<String, Library>,
    /// Function name → (library, index in its `functions`).
    function_index: HashMap<Vec<u8>, (String, usize)>,
}

/// What went wrong compiling or running a script, as the client sees it.
pub type ScriptError = CmdError;

/// `ERR` + message.
fn err(msg: impl Into<String>) -> CmdError {
    CmdError::Other(msg.into().into())
}

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
    /// The pointer is stored in the [`Run`] state for the length of the call
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
        let mut values = match result {
            Ok(v) => v.into_iter(),
            Err(e) => return Err(err(format!("ERR {}", one_line(&e.to_string())))),
        };
        let ok = matches!(values.next(), Some(Value::Boolean(true)));
        let value = values.next().unwrap_or(Value::Nil);
        if !ok {
            return Err(script_error(&value, label));
        }
        let start = out.buf.len();
        let mut conv = Conversion::default();
        if too_large(&value) || lua_to_reply(out, &value, resp3, 0, &mut conv).is_err() {
            out.buf.truncate(start);
            out.error(REPLY_TOO_LARGE);
        }
        Ok(())
    }

    /// FUNCTION LOAD: runs the library's code in the loading environment
    /// (only `redis.register_function`, `redis.log` and the constants), and
    /// installs the functions it registered. Returns the library name.
    pub fn load_library(&mut self, code: &[u8], replace: bool) -> Result<String, CmdError> {
        let (name, code_at) = parse_library_meta(code)?;
        if self.libraries.contains_key(&name) && !replace {
            return Err(err(format!("ERR Library '{name}' already exists")));
        }
        let chunk = self
            .lua
            .load(&code[code_at..])
            .set_name(FUNCTION_CHUNK_NAME)
            .set_mode(mlua::ChunkMode::Text)
            .set_environment(self.load_env.clone())
            .into_function()
            .map_err(|e| err(format!("ERR Error compiling function: {}", compile_message(&e))))?;
        {
            let mut run = self.lua.app_data_mut::<Run>().expect("run state");
            run.registering = Some(Vec::new());
        }
        let result = self.runner.call::<MultiValue>(chunk);
        let registered = {
            let mut run = self.lua.app_data_mut::<Run>().expect("run state");
            run.registering.take().unwrap_or_default()
        };
        let mut values = result.map_err(|e| err(format!("ERR {}", one_line(&e.to_string()))))?.into_iter();
        if !matches!(values.next(), Some(Value::Boolean(true))) {
            let value = values.next().unwrap_or(Value::Nil);
            let msg = match &value {
                Value::Table(t) => t.raw_get::<Option<mlua::String>>("err").ok().flatten().map(|s| s.to_string_lossy()),
                _ => None,
            };
            return Err(err(format!(
                "ERR Error registering functions: {}",
                one_line(&msg.unwrap_or_else(|| "ERR unknown error".into()))
            )));
        }
        if registered.is_empty() {
            return Err(err("ERR No functions registered"));
        }
        for f in &registered {
            if let Some((lib, _)) = self.function_index.get(f.name.as_bytes()) {
                if *lib != name {
                    return Err(err(format!("ERR Function {} already exists", f.name)));
                }
            }
        }
        for f in &registered {
            f.func.set_environment(self.env.clone()).map_err(|e| err(format!("ERR {e}")))?;
        }
        self.delete_library(&name);
        for (i, f) in registered.iter().enumerate() {
            self.function_index.insert(f.name.clone().into_bytes(), (name.clone(), i));
        }
        self.libraries.insert(name.clone(), Library { name: name.clone(), code: code.to_vec(), functions: registered });
        Ok(name)
    }

    /// Whether a library of this name is loaded.
    pub fn has_library(&self, name: &str) -> bool {
        self.libraries.contains_key(name)
    }

    /// FUNCTION DELETE: whether the library existed.
    pub fn delete_library(&mut self, name: &str) -> bool {
        let Some(lib) = self.libraries.remove(name) else { return false };
        for f in &lib.functions {
            self.function_index.remove(f.name.as_bytes());
        }
        true
    }

    /// The loaded libraries, by name.
    pub fn libraries(&self) -> impl Iterator<Item = &Library> {
        self.libraries.values()
    }

    /// Number of registered functions.
    pub fn function_count(&self) -> usize {
        self.function_index.len()
    }

    /// Empties the script cache (SCRIPT FLUSH); libraries stay.
    pub fn flush_scripts(&mut self) {
        self.scripts.clear();
        self.body_bytes = 0;
        let _ = self.lua.gc_collect();
    }

    /// Drops every library (FUNCTION FLUSH); the script cache stays.
    pub fn flush_functions(&mut self) {
        self.libraries.clear();
        self.function_index.clear();
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

/// A function library (FUNCTION LOAD).
pub struct Library {
    /// The library's name (`#!lua name=...`).
    pub name: String,
    /// Its code as loaded (FUNCTION LIST WITHCODE, DUMP, RDB).
    pub code: Vec<u8>,
    /// Its functions, in registration order.
    pub functions: Vec<FunctionDef>,
}

/// A registered function.
pub struct FunctionDef {
    /// The name FCALL uses.
    pub name: String,
    func: Function,
    /// [`script_flags`] bits (without `SHEBANG`).
    pub flags: u32,
    /// `description`, if given.
    pub description: Option<Vec<u8>>,
}

/// The chunk name library code is compiled under.
const FUNCTION_CHUNK_NAME: &str = "@user_function";

/// Whether a library or function name is letters, digits and `_` only.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

const BAD_NAME: &str =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

/// The name a library's code declares (`#!lua name=...`).
pub fn library_name(code: &[u8]) -> Result<String, CmdError> {
    parse_library_meta(code).map(|(name, _)| name)
}

/// Parses a library's `#!lua name=<name>` first line: the name and where
/// the code starts (the newline stays, so line numbers hold).
fn parse_library_meta(code: &[u8]) -> Result<(String, usize), CmdError> {
    if !code.starts_with(b"#!") {
        return Err(err("ERR Missing library metadata"));
    }
    let nl = code.iter().position(|&b| b == b'\n').unwrap_or(code.len());
    let mut parts = code[..nl].split(|&b| b == b' ').filter(|p| !p.is_empty());
    let engine = &parts.next().unwrap_or_default()[2..];
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(err(format!("ERR Engine '{}' not found", String::from_utf8_lossy(engine))));
    }
    let mut name: Option<&[u8]> = None;
    for part in parts {
        match part.strip_prefix(b"name=") {
            Some(_) if name.is_some() => {
                return Err(err("ERR Invalid metadata value, name argument was given multiple times"))
            }
            Some(n) => name = Some(n),
            None => return Err(err(format!("ERR Invalid metadata value given: {}", String::from_utf8_lossy(part)))),
        }
    }
    let Some(name) = name else { return Err(err("ERR Library name was not given")) };
    if !valid_name(name) {
        return Err(err(BAD_NAME));
    }
    Ok((String::from_utf8_lossy(name).into_owned(), nl))
}

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=, callback=, flags=, description=}`
/// (only while a library loads).
fn register_function(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    let fail = |msg: &str| Err(mlua::Error::RuntimeError(format!("ERR {msg}")));
    let as_text = |v: &Value| -> Option<Vec<u8>> {
        match v {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Integer(i) => Some(format_number(*i as f64).into_bytes()),
            Value::Number(n) => Some(format_number(*n).into_bytes()),
            _ => None,
        }
    };
    let (name, callback, flags, description) = match args.len() {
        1 => {
            let Value::Table(t) = &args[0] else {
                return fail("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            };
            let (mut name, mut callback, mut flags, mut description) = (None, None, 0u32, None);
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair?;
                let key = as_text(&k).unwrap_or_default();
                match &key[..] {
                    b"function_name" => match as_text(&v) {
                        Some(n) => name = Some(n),
                        None => {
                            return fail("function_name argument given to redis.register_function must be a string")
                        }
                    },
                    b"callback" => match v {
                        Value::Function(f) => callback = Some(f),
                        _ => return fail("callback argument given to redis.register_function must be a function"),
                    },
                    b"description" => match as_text(&v) {
                        Some(d) => description = Some(d),
                        None => return fail("description argument given to redis.register_function must be a string"),
                    },
                    b"flags" => {
                        let Value::Table(list) = v else {
                            return fail(
                                "flags argument to redis.register_function must be a table representing function flags",
                            );
                        };
                        for f in list.sequence_values::<Value>() {
                            flags |= match as_text(&f?).as_deref() {
                                Some(b"no-writes") => script_flags::NO_WRITES,
                                Some(b"allow-oom") => script_flags::ALLOW_OOM,
                                Some(b"allow-stale") => script_flags::ALLOW_STALE,
                                Some(b"no-cluster") => script_flags::NO_CLUSTER,
                                Some(b"allow-cross-slot-keys") => script_flags::ALLOW_CROSS_SLOT,
                                _ => return fail("unknown flag given"),
                            };
                        }
                    }
                    _ => return fail("unknown argument given to redis.register_function"),
                }
            }
            let Some(name) = name else { return fail("redis.register_function must get a function name argument") };
            let Some(callback) = callback else { return fail("redis.register_function must get a callback argument") };
            (name, callback, flags, description)
        }
        2 => {
            let Some(name) = as_text(&args[0]) else {
                return fail("first argument to redis.register_function must be a string");
            };
            let Value::Function(callback) = &args[1] else {
                return fail("second argument to redis.register_function must be a function");
            };
            (name, callback.clone(), 0, None)
        }
        _ => return fail("wrong number of arguments to redis.register_function"),
    };
    if !valid_name(&name) {
        return Err(mlua::Error::RuntimeError(BAD_NAME.to_string()));
    }
    let mut run = lua.app_data_mut::<Run>().expect("run state");
    let Some(pending) = run.registering.as_mut() else {
        return fail("redis.register_function can only be called on FUNCTION LOAD command");
    };
    let name = String::from_utf8_lossy(&name).into_owned();
    if pending.iter().any(|f| f.name == name) {
        return fail("Function already exists in the library");
    }
    pending.push(FunctionDef { name, func: callback, flags, description });
    Ok(())
}

/// The code of every function library (for a snapshot).
pub fn library_codes(srv: &Shared) -> Vec<Vec<u8>> {
    srv.scripting.as_ref().map(|e| e.libraries().map(|l| l.code.clone()).collect()).unwrap_or_default()
}

/// Loads function libraries read from a snapshot (replacing same-named
/// ones); the first that fails stops the load with its error.
pub fn load_libraries(srv: &mut Shared, codes: &[Vec<u8>]) -> Result<(), String> {
    if codes.is_empty() {
        return Ok(());
    }
    let mut eng = match srv.scripting.take() {
        Some(e) => e,
        None => Box::new(Scripting::new().map_err(|e| e.to_string())?),
    };
    let mut result = Ok(());
    for code in codes {
        if let Err(e) = eng.load_library(code, true) {
            result = Err(format!("Failed loading library: {e}"));
            break;
        }
    }
    srv.scripting = Some(eng);
    result
}

/// The names of script flags, as FUNCTION LIST shows them.
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    [
        (script_flags::NO_WRITES, "no-writes"),
        (script_flags::ALLOW_OOM, "allow-oom"),
        (script_flags::ALLOW_STALE, "allow-stale"),
        (script_flags::NO_CLUSTER, "no-cluster"),
        (script_flags::ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
    ]
    .into_iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, name)| name)
    .collect()
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

/// Lua's message for a failed compile (`user_script:1: ...`).
fn compile_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => one_line(message),
        other => one_line(&other.to_string()),
    }
}

/// Replaces CR and LF with spaces (an error reply is one line).
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// The client-facing error for a script that raised `value` (the table the
/// error handler built: `err`, `source`, `line`); `sha` is the script's id
/// or the function's name.
fn script_error(value: &Value, sha: &[u8]) -> CmdError {
    let Value::Table(t) = value else {
        return err("ERR Error running script: unknown error");
    };
    let msg = match t.raw_get::<Value>("err") {
        Ok(Value::String(s)) => s.to_string_lossy(),
        Ok(Value::Number(n)) => format_number(n),
        Ok(Value::Integer(n)) => n.to_string(),
        _ => "ERR unknown error".to_string(),
    };
    let mut text = one_line(&msg);
    let source = t.raw_get::<Option<mlua::String>>("source").ok().flatten();
    let line = t.raw_get::<Option<i64>>("line").ok().flatten();
    if let (Some(source), Some(line)) = (source, line) {
        let _ = write!(text, " script: {}, on {}:{line}.", String::from_utf8_lossy(sha), source.to_string_lossy());
    }
    CmdError::Other(text.into())
}

/// Lua's `tostring` of a number (`%.14g`).
fn format_number(n: f64) -> String {
    let mut buf = [0u8; 64];
    c_format(&mut buf, c"%.14g", n).to_string()
}

/// Formats `v` with a C printf format taking one double.
fn c_format<'a>(buf: &'a mut [u8; 64], fmt: &std::ffi::CStr, v: f64) -> &'a str {
    // SAFETY: snprintf writes at most buf.len() bytes (NUL included) into
    // buf; the format takes exactly one double, which we pass.
    let n = unsafe { nix::libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), v) };
    let n = (n.max(0) as usize).min(buf.len() - 1);
    std::str::from_utf8(&buf[..n]).unwrap_or("")
}

/// The `msgh` of every script call: turns what was raised into Redis's
/// error table (`err`, plus `source` and `line` of the script frame that
/// raised it).
fn error_handler(lua: &Lua, raised: Value) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let msg: Value = match &raised {
        Value::Table(e) => match e.raw_get::<Value>("err")? {
            v @ Value::String(_) => v,
            _ => Value::String(lua.create_string("ERR unknown error")?),
        },
        Value::String(s) => {
            let mut m = b"ERR ".to_vec();
            m.extend_from_slice(&s.as_bytes());
            Value::String(lua.create_string(&m)?)
        }
        Value::Number(n) => Value::String(lua.create_string(format!("ERR {}", format_number(*n)))?),
        Value::Integer(n) => Value::String(lua.create_string(format!("ERR {n}"))?),
        Value::Nil => Value::String(lua.create_string("ERR nil")?),
        Value::Boolean(b) => Value::String(lua.create_string(format!("ERR {b}"))?),
        Value::Error(e) => Value::String(lua.create_string(match lua_style(e) {
            Some(msg) => format!("ERR {msg}"),
            None => raised_message(e),
        })?),
        other => Value::String(lua.create_string(format!("ERR {}", other.to_string().unwrap_or_default()))?),
    };
    t.raw_set("err", msg)?;
    // The innermost frame of script code (not C, not the prelude's own
    // functions): the script itself, or a chunk it loaded.
    for level in 1..200 {
        let found = lua.inspect_stack(level, |d| {
            let src = d.source();
            if src.what == "C" || src.what == "tail" || src.source.as_deref() == Some(PRELUDE_NAME) {
                return None;
            }
            Some((src.source.as_deref().unwrap_or("?").to_string(), d.current_line().unwrap_or(0)))
        });
        match found {
            None => break,
            Some(None) => continue,
            Some(Some((source, line))) => {
                t.raw_set("source", lua.create_string(&source)?)?;
                t.raw_set("line", line)?;
                break;
            }
        }
    }
    Ok(t)
}

/// The message of an error a Rust function raised: a Redis error's text as
/// is (it carries its code), a Lua-style error's text (`user_script:1:
/// ...`), anything else after `ERR`.
fn raised_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => raised_message(cause),
        mlua::Error::RuntimeError(m) => one_line(m),
        other => match lua_style(other) {
            Some(m) => m,
            None => format!("ERR {}", one_line(&other.to_string())),
        },
    }
}

/// An error raised the way a Lua library raises one (`luaL_error`): the
/// message is prefixed with the caller's position.
#[derive(Debug)]
pub struct LuaStyleError(pub String);

impl std::fmt::Display for LuaStyleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LuaStyleError {}

/// [`LuaStyleError`] with the position of the calling Lua code, as
/// `luaL_error` words it (`user_script:3: message`).
pub fn lua_error(lua: &Lua, msg: &str) -> mlua::Error {
    let at = lua
        .inspect_stack(1, |d| {
            let line = d.current_line()?;
            let src = d.source().short_src?.into_owned();
            Some(format!("{src}:{line}: "))
        })
        .flatten()
        .unwrap_or_default();
    mlua::Error::external(LuaStyleError(format!("{at}{msg}")))
}

/// The text of a [`LuaStyleError`] inside `e`, if it is one.
fn lua_style(e: &mlua::Error) -> Option<String> {
    match e {
        mlua::Error::CallbackError { cause, .. } => lua_style(cause),
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<LuaStyleError>().map(|l| one_line(&l.0)),
        _ => None,
    }
}

/// A Redis error table (`{err = "CODE message"}`).
fn error_table(lua: &Lua, msg: &str) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set("err", msg)?;
    Ok(Value::Table(t))
}

/// `redis.call` / `redis.pcall` (the Lua wrappers raise or return): runs one
/// command and returns its reply as a Lua value, and whether it is an error.
fn redis_call(lua: &Lua, argv: MultiValue) -> mlua::Result<(Value, bool)> {
    let mut run = lua.app_data_mut::<Run>().expect("run state");
    if run.srv.is_null() {
        return Ok((error_table(lua, "ERR redis.call/pcall can only be called inside a script invocation")?, true));
    }
    if argv.is_empty() {
        return Ok((error_table(lua, "ERR Please specify at least one argument for this redis lib call")?, true));
    }
    // The command as a multibulk, in a buffer kept across calls.
    let run = &mut *run;
    run.args.clear();
    let _ = write!(ByteWriter(&mut run.args), "*{}\r\n", argv.len());
    for v in argv.iter() {
        let mut num = [0u8; 64];
        let bytes: &[u8] = match v {
            Value::String(s) => {
                let b = s.as_bytes();
                let _ = write!(ByteWriter(&mut run.args), "${}\r\n", b.len());
                run.args.extend_from_slice(&b);
                run.args.extend_from_slice(b"\r\n");
                continue;
            }
            Value::Integer(i) => c_format(&mut num, c"%.17g", *i as f64).as_bytes(),
            Value::Number(n) => c_format(&mut num, c"%.17g", *n).as_bytes(),
            _ => {
                return Ok((error_table(lua, "ERR Lua redis lib command arguments must be strings or integers")?, true))
            }
        };
        let _ = write!(ByteWriter(&mut run.args), "${}\r\n", bytes.len());
        run.args.extend_from_slice(bytes);
        run.args.extend_from_slice(b"\r\n");
    }
    let args = std::mem::take(&mut run.args);
    let mut decoder = std::mem::take(&mut run.decoder);
    decoder.reset();
    let outcome = match decoder.decode(&args) {
        Ok(Some(cmd)) => call_checked(lua, run, &cmd, &args),
        _ => Ok((error_table(lua, "ERR Unknown Redis command called from script")?, true)),
    };
    run.decoder = decoder;
    run.args = args;
    outcome
}

/// Checks a script's command (known, arity, allowed in scripts, no writes
/// from read-only scripts) and runs it.
fn call_checked(lua: &Lua, run: &mut Run, cmd: &Command<'_>, raw: &[u8]) -> mlua::Result<(Value, bool)> {
    let reg = registry();
    let Some(idx) = reg.lookup(cmd.arg(0)) else {
        return Ok((error_table(lua, "ERR Unknown Redis command called from script")?, true));
    };
    let mut spec = reg.specs[idx];
    if !spec.arity_ok(cmd.len()) {
        return Ok((error_table(lua, "ERR Wrong number of args calling Redis command from script")?, true));
    }
    if !spec.subcommands.is_empty() && cmd.len() >= 2 {
        if let Some(sub) = reg.lookup_sub(idx, cmd.arg(1)) {
            if spec.flags & flags::NOSCRIPT == 0 {
                spec = reg.specs[sub];
            }
        }
    }
    if spec.flags & flags::NOSCRIPT != 0 {
        return Ok((error_table(lua, "ERR This Redis command is not allowed from script")?, true));
    }
    if run.read_only && spec.flags & flags::WRITE != 0 {
        return Ok((error_table(lua, "ERR Write commands are not allowed from read-only scripts.")?, true));
    }
    // SAFETY: see `Scripting::run`: the pointer is set only while a script
    // runs, and this is the only reference made from it during the call.
    let srv = unsafe { &mut *run.srv };
    run.client.out.proto = if run.resp3 { Protocol::Resp3 } else { Protocol::Resp2 };
    srv.cmd_start_us = srv.clock.mono_us();
    crate::server::execute(srv, &mut run.client, cmd, raw, run.now_ms);
    let reply = std::mem::take(&mut run.client.out.buf);
    let mut pos = 0;
    let failed = reply.first() == Some(&b'-');
    let value = reply_to_lua(lua, &reply, &mut pos);
    run.client.out.buf = reply;
    run.client.out.buf.clear();
    Ok((value?, failed))
}

/// An error text as Redis stores it in an error table: an optional leading
/// `-` dropped, `CODE message` kept, a message without a code (no space)
/// prefixed with `ERR `, CR/LF trimmed from the ends.
fn error_text(raw: &[u8]) -> Vec<u8> {
    let text = raw.strip_prefix(b"-").unwrap_or(raw);
    let (code, msg) = match text.iter().position(|&c| c == b' ') {
        Some(sp) => (&text[..sp], &text[sp + 1..]),
        None => (&b"ERR"[..], text),
    };
    let start = msg.iter().position(|&c| c != b'\r' && c != b'\n').unwrap_or(msg.len());
    let end = msg.iter().rposition(|&c| c != b'\r' && c != b'\n').map_or(start, |e| e + 1);
    let mut out = Vec::with_capacity(code.len() + 1 + end - start);
    out.extend_from_slice(code);
    out.push(b' ');
    out.extend_from_slice(&msg[start..end]);
    out
}

/// `fmt::Write` into a byte vector.
struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// One line of a reply starting at `*pos` (without CRLF); advances past it.
fn line<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let start = *pos;
    let end = memchr::memchr(b'\r', &buf[start..]).map_or(buf.len(), |i| start + i);
    *pos = (end + 2).min(buf.len());
    &buf[start..end]
}

fn line_int(buf: &[u8], pos: &mut usize) -> i64 {
    crate::command::parse_i64(line(buf, pos)).unwrap_or(0)
}

/// Converts one RESP reply (as a command wrote it) into Lua, as Redis does:
/// integer → number, bulk → string, null bulk / null array → false, array →
/// table, status → `{ok=}`, error → `{err=}`; RESP3: map → `{map={}}`, set
/// → `{set={}}`, null → nil, boolean, double → `{double=}`, big number →
/// `{big_number=}`, verbatim → `{verbatim_string={format=,string=}}`.
fn reply_to_lua(lua: &Lua, buf: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    let Some(&kind) = buf.get(*pos) else { return Ok(Value::Nil) };
    *pos += 1;
    Ok(match kind {
        b':' => Value::Number(line_int(buf, pos) as f64),
        b'$' => {
            let n = line_int(buf, pos);
            if n < 0 {
                Value::Boolean(false)
            } else {
                let start = *pos;
                let end = (start + n as usize).min(buf.len());
                *pos = (end + 2).min(buf.len());
                Value::String(lua.create_string(&buf[start..end])?)
            }
        }
        b'+' => {
            let t = lua.create_table()?;
            t.raw_set("ok", lua.create_string(line(buf, pos))?)?;
            Value::Table(t)
        }
        b'-' => {
            let t = lua.create_table()?;
            t.raw_set("err", lua.create_string(line(buf, pos))?)?;
            Value::Table(t)
        }
        b'*' | b'>' => {
            let n = line_int(buf, pos);
            if n < 0 {
                Value::Boolean(false)
            } else {
                let t = lua.create_table_with_capacity(n as usize, 0)?;
                for i in 0..n as usize {
                    t.raw_set(i + 1, reply_to_lua(lua, buf, pos)?)?;
                }
                Value::Table(t)
            }
        }
        b'%' => {
            let n = line_int(buf, pos).max(0) as usize;
            let m = lua.create_table_with_capacity(0, n)?;
            for _ in 0..n {
                let k = reply_to_lua(lua, buf, pos)?;
                let v = reply_to_lua(lua, buf, pos)?;
                m.raw_set(k, v)?;
            }
            let t = lua.create_table()?;
            t.raw_set("map", m)?;
            Value::Table(t)
        }
        b'~' => {
            let n = line_int(buf, pos).max(0) as usize;
            let s = lua.create_table_with_capacity(0, n)?;
            for _ in 0..n {
                let k = reply_to_lua(lua, buf, pos)?;
                s.raw_set(k, true)?;
            }
            let t = lua.create_table()?;
            t.raw_set("set", s)?;
            Value::Table(t)
        }
        b'_' => {
            line(buf, pos);
            Value::Nil
        }
        b'#' => Value::Boolean(line(buf, pos) == b"t"),
        b',' => {
            let text = line(buf, pos);
            let d = match text {
                b"inf" => f64::INFINITY,
                b"-inf" => f64::NEG_INFINITY,
                b"nan" => f64::NAN,
                _ => std::str::from_utf8(text).ok().and_then(|s| s.parse().ok()).unwrap_or(0.0),
            };
            let t = lua.create_table()?;
            t.raw_set("double", d)?;
            Value::Table(t)
        }
        b'(' => {
            let t = lua.create_table()?;
            t.raw_set("big_number", lua.create_string(line(buf, pos))?)?;
            Value::Table(t)
        }
        b'=' => {
            let n = line_int(buf, pos).max(0) as usize;
            let start = *pos;
            let end = (start + n).min(buf.len());
            *pos = (end + 2).min(buf.len());
            let body = &buf[start..end];
            let (format, text) = if body.len() >= 4 { (&body[..3], &body[4..]) } else { (&b"txt"[..], body) };
            let v = lua.create_table()?;
            v.raw_set("format", lua.create_string(format)?)?;
            v.raw_set("string", lua.create_string(text)?)?;
            let t = lua.create_table()?;
            t.raw_set("verbatim_string", v)?;
            Value::Table(t)
        }
        b'|' => {
            let n = line_int(buf, pos).max(0) as usize;
            for _ in 0..2 * n {
                reply_to_lua(lua, buf, pos)?;
            }
            reply_to_lua(lua, buf, pos)?
        }
        _ => {
            line(buf, pos);
            Value::Nil
        }
    })
}

/// Nesting beyond this is refused.
const MAX_REPLY_DEPTH: usize = 1000;

/// The reply error written in place of a table nested too deep, or of a
/// table that contains itself (found on the current conversion path).
const STACK_LIMIT: &str = "ERR reached lua stack limit";

/// How many elements may be written from tables met for the second time
/// or more in one reply. A table met for the first time is bounded by the
/// script's own memory; only sharing (a DAG of subtables) can make the
/// reply grow exponentially, so only repeated visits count.
const MAX_REPEATED_ELEMENTS: usize = 1 << 22;

/// The whole reply when [`MAX_REPEATED_ELEMENTS`] is exceeded.
const REPLY_TOO_LARGE: &str = "ERR script reply too large (shared tables repeated too many times)";

/// State of one Lua → reply conversion.
#[derive(Default)]
struct Conversion {
    /// Tables being converted, outermost first (for cycle detection).
    path: Vec<*const std::ffi::c_void>,
    /// Every table converted so far.
    seen: std::collections::HashSet<*const std::ffi::c_void>,
    /// Inside a table met before: elements written count against the cap.
    repeating: bool,
    /// Elements written while `repeating`.
    repeated: usize,
}

/// The conversion gave up: the reply would exceed [`MAX_REPEATED_ELEMENTS`].
struct TooLarge;

/// A quick check before converting a table: counts the elements the reply
/// would have (each table's count computed once) and says whether those
/// from repeated tables exceed [`MAX_REPEATED_ELEMENTS`], so a DAG of
/// shared tables is refused in time linear in its distinct tables. The
/// conversion keeps its own count as the exact bound (a table met through
/// a cycle may be counted short here).
fn too_large(v: &Value) -> bool {
    type Memo = std::collections::HashMap<*const std::ffi::c_void, u64>;
    fn count(v: &Value, memo: &mut Memo, distinct: &mut u64, depth: usize) -> u64 {
        let Value::Table(t) = v else { return 1 };
        if depth > MAX_REPLY_DEPTH {
            return 1;
        }
        let ptr = t.to_pointer();
        if let Some(&n) = memo.get(&ptr) {
            return n;
        }
        // On the path (a cycle) until counted: written as one error.
        memo.insert(ptr, 1);
        let mut n = 1u64;
        let leaf = matches!(t.raw_get::<Value>("err"), Ok(Value::String(_)))
            || matches!(t.raw_get::<Value>("ok"), Ok(Value::String(_)))
            || matches!(t.raw_get::<Value>("double"), Ok(Value::Number(_) | Value::Integer(_)))
            || matches!(t.raw_get::<Value>("big_number"), Ok(Value::String(_)))
            || matches!(t.raw_get::<Value>("verbatim_string"), Ok(Value::Table(_)));
        if !leaf {
            if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
                for (k, v) in m.pairs::<Value, Value>().filter_map(Result::ok) {
                    *distinct += 2;
                    n = n.saturating_add(count(&k, memo, distinct, depth + 1)).saturating_add(count(
                        &v,
                        memo,
                        distinct,
                        depth + 1,
                    ));
                }
            } else if let Ok(Value::Table(st)) = t.raw_get::<Value>("set") {
                for (k, _) in st.pairs::<Value, Value>().filter_map(Result::ok) {
                    *distinct += 1;
                    n = n.saturating_add(count(&k, memo, distinct, depth + 1));
                }
            } else {
                for i in 1.. {
                    match t.raw_get::<Value>(i) {
                        Ok(v) if !v.is_nil() => {
                            *distinct += 1;
                            n = n.saturating_add(count(&v, memo, distinct, depth + 1));
                        }
                        _ => break,
                    }
                }
            }
        }
        memo.insert(ptr, n);
        n
    }
    if !matches!(v, Value::Table(_)) {
        return false;
    }
    let mut memo = std::collections::HashMap::new();
    let mut distinct = 0u64;
    let total = count(v, &mut memo, &mut distinct, 0);
    total.saturating_sub(distinct) > MAX_REPEATED_ELEMENTS as u64
}

/// A Lua number as a Redis integer: truncated toward zero; NaN and values
/// outside the 64-bit range become i64::MIN, as the C conversion Redis
/// uses does on x86-64.
pub fn lua_number_to_int(n: f64) -> i64 {
    if n.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

/// Writes a script's return value as a reply in the client's protocol, as
/// Redis converts it: string → bulk, number → integer (truncated), true →
/// 1 (a RESP3 boolean after `redis.setresp(3)`), false/nil → null,
/// `{err=}` → error, `{ok=}` → status, `{double=}`, `{big_number=}`,
/// `{verbatim_string=}`, `{map=}`, `{set=}`, and otherwise an array up to
/// the first nil.
fn lua_to_reply(out: &mut Out, v: &Value, resp3: bool, depth: usize, cv: &mut Conversion) -> Result<(), TooLarge> {
    if cv.repeating {
        cv.repeated += 1;
        if cv.repeated > MAX_REPEATED_ELEMENTS {
            return Err(TooLarge);
        }
    }
    if depth > MAX_REPLY_DEPTH {
        out.error(STACK_LIMIT);
        return Ok(());
    }
    match v {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if resp3 {
                out.boolean(*b);
            } else if *b {
                out.int(1);
            } else {
                out.null();
            }
        }
        Value::Integer(i) => out.int(*i),
        Value::Number(n) => out.int(lua_number_to_int(*n)),
        Value::Table(t) => {
            let ptr = t.to_pointer();
            if cv.path.contains(&ptr) {
                out.error(STACK_LIMIT);
                return Ok(());
            }
            let was = cv.repeating;
            cv.repeating |= !cv.seen.insert(ptr);
            cv.path.push(ptr);
            let r = table_to_reply(out, t, resp3, depth, cv);
            cv.path.pop();
            cv.repeating = was;
            return r;
        }
        _ => out.null(),
    }
    Ok(())
}

/// A double reply as Redis 7.0 words it (`%.17g`; `inf`, `-inf`, `nan`).
fn reply_double(out: &mut Out, d: f64) {
    let mut buf = [0u8; 64];
    let text = if d.is_nan() {
        "nan"
    } else if d.is_infinite() {
        if d > 0.0 {
            "inf"
        } else {
            "-inf"
        }
    } else {
        c_format(&mut buf, c"%.17g", d)
    };
    match out.proto {
        Protocol::Resp3 => {
            out.buf.extend_from_slice(b",");
            out.buf.extend_from_slice(text.as_bytes());
            out.buf.extend_from_slice(b"\r\n");
        }
        Protocol::Resp2 => out.bulk(text.as_bytes()),
    }
}

fn table_to_reply(out: &mut Out, t: &Table, resp3: bool, depth: usize, cv: &mut Conversion) -> Result<(), TooLarge> {
    if let Ok(Value::String(e)) = t.raw_get::<Value>("err") {
        let msg = e.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>();
        let msg = msg.strip_prefix(b"-").unwrap_or(&msg);
        encode::error(&mut out.buf, msg);
        return Ok(());
    }
    if let Ok(Value::String(s)) = t.raw_get::<Value>("ok") {
        let msg = s.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>();
        encode::simple(&mut out.buf, &msg);
        return Ok(());
    }
    match t.raw_get::<Value>("double") {
        Ok(Value::Number(d)) => {
            reply_double(out, d);
            return Ok(());
        }
        Ok(Value::Integer(d)) => {
            reply_double(out, d as f64);
            return Ok(());
        }
        _ => {}
    }
    if let Ok(Value::String(s)) = t.raw_get::<Value>("big_number") {
        let digits = s.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>();
        encode::big_number(&mut out.buf, &digits, out.proto);
        return Ok(());
    }
    if let Ok(Value::Table(v)) = t.raw_get::<Value>("verbatim_string") {
        if let (Ok(Value::String(f)), Ok(Value::String(s))) =
            (v.raw_get::<Value>("format"), v.raw_get::<Value>("string"))
        {
            let fb = f.as_bytes();
            let mut format = [b' '; 3];
            for (d, s) in format.iter_mut().zip(fb.iter()) {
                *d = *s;
            }
            encode::verbatim(&mut out.buf, format, &s.as_bytes(), out.proto);
            return Ok(());
        }
    }
    if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
        // Counted first, then converted pair by pair: holding every
        // element at once would exhaust mlua's reference stack.
        out.map(m.pairs::<Value, Value>().filter(Result::is_ok).count());
        for (k, v) in m.pairs::<Value, Value>().filter_map(Result::ok) {
            lua_to_reply(out, &k, resp3, depth + 1, cv)?;
            lua_to_reply(out, &v, resp3, depth + 1, cv)?;
        }
        return Ok(());
    }
    if let Ok(Value::Table(s)) = t.raw_get::<Value>("set") {
        out.set(s.pairs::<Value, Value>().filter(Result::is_ok).count());
        for (k, _) in s.pairs::<Value, Value>().filter_map(Result::ok) {
            lua_to_reply(out, &k, resp3, depth + 1, cv)?;
        }
        return Ok(());
    }
    let mut len = 0usize;
    while matches!(t.raw_get::<Value>(len + 1), Ok(v) if !v.is_nil()) {
        len += 1;
    }
    out.array(len);
    for i in 1..=len {
        let v = t.raw_get::<Value>(i).unwrap_or(Value::Nil);
        lua_to_reply(out, &v, resp3, depth + 1, cv)?;
    }
    Ok(())
}

/// The `redis` table: everything but `call`/`pcall` (added by [`INIT`]).
fn redis_api(lua: &Lua) -> mlua::Result<Table> {
    let r = lua.create_table()?;
    r.raw_set(
        "sha1hex",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise(lua, "ERR wrong number of arguments"));
            }
            let bytes: Vec<u8> = match &args[0] {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Number(n) => format_number(*n).into_bytes(),
                Value::Integer(n) => format_number(*n as f64).into_bytes(),
                _ => Vec::new(),
            };
            lua.create_string(sha1::hex(&bytes))
        })?,
    )?;
    r.raw_set(
        "error_reply",
        lua.create_function(|lua, args: MultiValue| match (args.len(), args.front()) {
            (1, Some(Value::String(s))) => {
                let b = s.as_bytes();
                let t = lua.create_table()?;
                t.raw_set("err", lua.create_string(error_text(&b))?)?;
                Ok(Value::Table(t))
            }
            _ => error_table(lua, "ERR wrong number or type of arguments"),
        })?,
    )?;
    r.raw_set(
        "status_reply",
        lua.create_function(|lua, args: MultiValue| match (args.len(), args.front()) {
            (1, Some(Value::String(s))) => {
                let t = lua.create_table()?;
                t.raw_set("ok", s.clone())?;
                Ok(Value::Table(t))
            }
            _ => error_table(lua, "ERR wrong number or type of arguments"),
        })?,
    )?;
    r.raw_set(
        "log",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() < 2 {
                return Err(raise(lua, "ERR redis.log() requires two arguments or more."));
            }
            let level = match &args[0] {
                Value::Number(n) => *n as i64,
                Value::Integer(n) => *n,
                Value::String(s) => match s.to_str().ok().and_then(|s| s.trim().parse::<f64>().ok()) {
                    Some(n) => n as i64,
                    None => return Err(raise(lua, "ERR First argument must be a number (log level).")),
                },
                _ => return Err(raise(lua, "ERR First argument must be a number (log level).")),
            };
            let level = match level {
                0 => crate::config::LogLevel::Debug,
                1 => crate::config::LogLevel::Verbose,
                2 => crate::config::LogLevel::Notice,
                3 => crate::config::LogLevel::Warning,
                _ => return Err(raise(lua, "ERR Invalid debug level.")),
            };
            let mut text = String::new();
            for (i, v) in args.iter().skip(1).enumerate() {
                let piece = match v {
                    Value::String(s) => s.to_string_lossy(),
                    Value::Number(n) => format_number(*n),
                    Value::Integer(n) => format_number(*n as f64),
                    _ => continue,
                };
                if i > 0 {
                    text.push(' ');
                }
                text.push_str(&piece);
            }
            crate::log::log(level, format_args!("{text}"));
            Ok(())
        })?,
    )?;
    r.raw_set(
        "setresp",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise(lua, "ERR redis.setresp() requires one argument."));
            }
            let v = match &args[0] {
                Value::Number(n) => *n as i64,
                Value::Integer(n) => *n,
                _ => 0,
            };
            if v != 2 && v != 3 {
                return Err(raise(lua, "ERR RESP version must be 2 or 3."));
            }
            if let Some(mut run) = lua.app_data_mut::<Run>() {
                run.resp3 = v == 3;
            }
            Ok(())
        })?,
    )?;
    r.raw_set(
        "set_repl",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise(lua, "ERR redis.set_repl() requires two arguments."));
            }
            let v = match &args[0] {
                Value::Number(n) => *n as i64,
                Value::Integer(n) => *n,
                _ => 0,
            };
            if v & !3 != 0 {
                return Err(raise(
                    lua,
                    "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                ));
            }
            Ok(())
        })?,
    )?;
    r.raw_set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
    r.raw_set("breakpoint", lua.create_function(|_, ()| Ok(false))?)?;
    r.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    for (name, v) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        r.raw_set(name, v)?;
    }
    let version = crate::commands::common::REDIS_VERSION;
    r.raw_set("REDIS_VERSION", version)?;
    let mut num = 0i64;
    for part in version.split('.') {
        num = num * 256 + part.parse::<i64>().unwrap_or(0);
    }
    r.raw_set("REDIS_VERSION_NUM", num)?;
    Ok(r)
}

/// An error raised from a Rust callback (`redis.log` with bad arguments,
/// ...): mlua raises it as its own error object, whose message
/// [`error_handler`] takes as the Redis error text (it carries its code).
fn raise(_lua: &Lua, msg: &str) -> mlua::Error {
    mlua::Error::RuntimeError(msg.to_string())
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn numbers_convert_like_c() {
        assert_eq!(lua_number_to_int(3.99), 3);
        assert_eq!(lua_number_to_int(-2.7), -2);
        assert_eq!(lua_number_to_int(f64::NAN), i64::MIN);
        assert_eq!(lua_number_to_int(1e30), i64::MIN);
        assert_eq!(lua_number_to_int(-1e30), i64::MIN);
        assert_eq!(format_number(1.0 / 3.0), "0.33333333333333");
        let mut buf = [0u8; 64];
        assert_eq!(c_format(&mut buf, c"%.17g", 0.1), "0.10000000000000001");
    }
}
