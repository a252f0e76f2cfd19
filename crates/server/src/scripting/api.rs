//! The `redis` table scripts see: `redis.call` / `redis.pcall`, and
//! `sha1hex`, `error_reply`, `status_reply`, `log`, `setresp`, `set_repl`
//! and the constants.
//!
//! `redis.call` and `redis.pcall` are Rust functions (a Lua wrapper would
//! lose the script's frame to a tail call in `return redis.call(...)`).
//! Both build the command as a multibulk in a reused buffer (numbers as
//! `%.17g`, as Redis writes them, through `ember_num`), check it (unknown
//! command, arity, the `noscript` flag, a write from EVAL_RO / EVALSHA_RO
//! or from a `no-writes` script or function, each with Redis's text), and
//! run it through [`dispatch::execute`](crate::dispatch::execute) as the
//! engine's detached client: no socket, authenticated, `in_exec` so
//! blocking commands do not block, starting each script on the caller's
//! database and speaking the script's protocol (`redis.setresp`); its
//! SELECT does not affect the caller. Because it is the normal path, the
//! command's writes touch WATCHed keys and wake blocked clients, and it
//! counts in commandstats and reaches the slow log and MONITOR (`[db lua]`)
//! like any command (EVAL is counted too, with the whole script's time).
//! The reply it wrote is read in place into Lua values (see `convert`);
//! `redis.call` raises an error reply as an mlua error whose message the
//! error handler and `pcall` unwrap, `redis.pcall` returns it as an error
//! table.

use std::fmt::Write as _;

use ember_resp::{Command, Protocol};
use mlua::{Lua, MultiValue, Table, Value};

use super::convert::{format_number, reply_to_lua};
use super::engine::Run;
use super::errors::error_table;
use super::sha1;
use crate::command::{flags, registry};

/// `redis.call` / `redis.pcall` (the Lua wrappers raise or return): runs one
/// command and returns its reply as a Lua value, and whether it is an error.
pub(super) fn redis_call(lua: &Lua, argv: MultiValue) -> mlua::Result<(Value, bool)> {
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
        let mut num = [0u8; ember_num::FLOAT_BUF_LEN];
        let bytes: &[u8] = match v {
            Value::String(s) => {
                let b = s.as_bytes();
                let _ = write!(ByteWriter(&mut run.args), "${}\r\n", b.len());
                run.args.extend_from_slice(&b);
                run.args.extend_from_slice(b"\r\n");
                continue;
            }
            Value::Integer(i) => ember_num::format_g17(*i as f64, &mut num),
            Value::Number(n) => ember_num::format_g17(*n, &mut num),
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
    crate::dispatch::execute(srv, &mut run.client, cmd, raw, run.now_ms);
    let reply = std::mem::take(&mut run.client.out.buf);
    let failed = reply.first() == Some(&b'-');
    let value = reply_to_lua(lua, &reply);
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

/// The `redis` table: everything but `call`/`pcall` (added by [`INIT`]).
pub(super) fn redis_api(lua: &Lua) -> mlua::Result<Table> {
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
