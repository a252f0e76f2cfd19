//! Function libraries (Redis 7.0's FUNCTION LOAD / FCALL): a library's
//! `#!lua name=` header, `redis.register_function` while it loads, the
//! loaded libraries and their functions, and loading them from a snapshot.
//!
//! FUNCTION LOAD compiles a library's code as `@user_function` and runs it
//! in a loading environment whose only global is a `redis` table with
//! `register_function`, `log`, the log levels and the version (anything
//! else raises the nonexistent-global error, as in 7.0). The callbacks it
//! registered then get the normal script environment, and FCALL /
//! FCALL_RO call them with `(keys, args)` through the same path as EVAL
//! (FCALL_RO refuses a function without the `no-writes` flag). A library
//! keeps its functions in registration order, which FUNCTION LIST shows
//! (Redis: hash order).
//!
//! Libraries are saved in RDB files as function items (opcode 0xF5, before
//! the databases, as Redis 7.0 writes them) and loaded back at start-up and
//! by DEBUG RELOAD; FUNCTION DUMP / RESTORE use the same items with DUMP's
//! footer (`ember_rdb::dump_functions`), byte-identical to Redis's.

use mlua::{Function, Lua, MultiValue, Value};

use super::convert::format_number;
use super::engine::{script_flags, Run, Scripting};
use super::errors::{compile_message, err, one_line};
use crate::error::CmdError;
use crate::state::Shared;

impl Scripting {
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

    /// Whether a function of this name is registered (FCALL looks it up
    /// before it reads the key count).
    pub fn has_function(&self, name: &[u8]) -> bool {
        self.function_index.contains_key(name)
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

    /// Drops every library (FUNCTION FLUSH); the script cache stays.
    pub fn flush_functions(&mut self) {
        self.libraries.clear();
        self.function_index.clear();
    }
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
    pub(super) func: Function,
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
pub(super) fn register_function(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
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
