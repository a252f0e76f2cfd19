//! Script errors as Redis 7.0 words them: the error handler that turns
//! what a script raised into an error table with its position, the
//! client-facing error text, errors raised the way a Lua library raises
//! them ([`LuaStyleError`]), and Redis error tables.
//!
//! Every script call runs under the error handler
//! (`__redis__err__handler`), which finds the innermost frame of script
//! code with mlua's `inspect_stack`. A raised string gets `ERR ` in front
//! of Lua's own position (`user_script:N: ...`), a Redis error table keeps
//! its text, and the client sees every script error end with
//! ` script: <sha>, on @user_script:N.` (` script: <function>, on
//! @user_function:N.` for a function).

use std::fmt::Write as _;

use mlua::{Lua, Table, Value};

use super::convert::format_number;
use super::engine::PRELUDE_NAME;
use crate::error::CmdError;

/// `ERR` + message.
pub(super) fn err(msg: impl Into<String>) -> CmdError {
    CmdError::from_line(msg.into())
}

/// Lua's message for a failed compile (`user_script:1: ...`).
pub(super) fn compile_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::SyntaxError { message, .. } => one_line(message),
        other => one_line(&other.to_string()),
    }
}

/// Replaces CR and LF with spaces (an error reply is one line).
pub(super) fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// The client-facing error for a script that raised `value` (the table the
/// error handler built: `err`, `source`, `line`); `sha` is the script's id
/// or the function's name.
pub(super) fn script_error(value: &Value, sha: &[u8]) -> CmdError {
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
    CmdError::from_line(text)
}

/// The `msgh` of every script call: turns what was raised into Redis's
/// error table (`err`, plus `source` and `line` of the script frame that
/// raised it).
pub(super) fn error_handler(lua: &Lua, raised: Value) -> mlua::Result<Table> {
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
pub(super) fn raised_message(e: &mlua::Error) -> String {
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
pub(super) fn error_table(lua: &Lua, msg: &str) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set("err", msg)?;
    Ok(Value::Table(t))
}
