//! DEBUG: SLEEP, OBJECT, RELOAD, SET-ACTIVE-EXPIRE, PROTOCOL, HELP, allowed
//! as `enable-debug-command` says.

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{float_arg, int_arg, is, lossy};
use crate::commands::common::help;
use crate::config::Access;

/// DEBUG.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("debug", -2, debug)
    .flags(ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED)
    .doc("server", "A container for debugging commands", "1.0.0", "Depends on subcommand.")
    .syscmd()];

fn debug(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let allowed = match ctx.srv.config.enable_debug_command {
        Access::Yes => true,
        Access::Local => ctx.client.addr.is_local(),
        Access::No => false,
    };
    if !allowed {
        return Err(CmdError::err(
            "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        ));
    }
    let sub = args.next_bytes()?;
    // SLEEP, OBJECT, SET-ACTIVE-EXPIRE and PROTOCOL take exactly one
    // argument; RELOAD and HELP ignore theirs.
    let one = if args.remaining() == 1 { args.next() } else { None };
    let now = ctx.now_ms;
    match one {
        Some(secs) if is(sub, "sleep") => {
            let secs = float_arg(secs)?;
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.max(0.0)));
            ctx.out().ok();
        }
        Some(key) if is(sub, "object") => {
            let db = ctx.srv.store.db(ctx.client.db);
            let Some(e) = db.peek(key, now) else { return Err(CmdError::NoSuchKey) };
            let v = e.value();
            let enc = v.encoding_name();
            let shared_int = v.as_str().and_then(|s| s.as_int()).is_some_and(|n| (0..10_000).contains(&n));
            let refcount = if shared_int { i64::from(i32::MAX) } else { 1 };
            let idle = db.idle_ms(key, now).unwrap_or(0) / 1000;
            let line = format!(
                "Value at:0x0 refcount:{refcount} encoding:{enc} serializedlength:{} lru:{} lru_seconds_idle:{idle}",
                serialized_len(v),
                (now / 1000) & 0xff_ffff
            );
            ctx.out().simple(&line);
        }
        Some(flag) if is(sub, "set-active-expire") => {
            ctx.srv.active_expire_enabled = int_arg(flag)? != 0;
            ctx.out().ok();
        }
        Some(kind) if is(sub, "protocol") => debug_protocol(ctx.out(), kind)?,
        _ if is(sub, "reload") => {
            // Save, flush, load back: what a restart would do.
            crate::persistence::save(ctx.srv).map_err(|_| CmdError::err("Error trying to save the DB"))?;
            let old = ctx.srv.store.flush_all();
            ctx.srv.lazyfree.free(old);
            let path = crate::persistence::dump_path(&ctx.srv.config);
            let mut functions = Vec::new();
            crate::persistence::load_from(&mut ctx.srv.store, &ctx.srv.config, &path, &mut functions)
                .map_err(|e| CmdError::err(format!("Error trying to load the RDB dump: {e}")))?;
            if let Some(e) = ctx.srv.scripting.as_mut() {
                e.flush_functions();
            }
            crate::scripting::load_libraries(ctx.srv, &functions)
                .map_err(|e| CmdError::err(format!("Error trying to load the RDB dump: {e}")))?;
            ctx.out().ok();
        }
        _ if is(sub, "help") => help(
            ctx,
            "DEBUG",
            &[
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "OBJECT <key>",
                "    Show low level info about the <key> and associated value.",
                "PROTOCOL <type>",
                "    Reply with a test value of the specified type: string, integer, double, bignum, null, array, set, map, attrib, push, verbatim, true, false.",
                "RELOAD",
                "    Save the RDB on disk and reload it back to memory.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
            ],
        ),
        _ => {
            return Err(CmdError::err(format!(
                "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
                lossy(sub)
            )))
        }
    }
    Ok(Replied)
}

/// Bytes the value takes in an RDB file (DEBUG OBJECT serializedlength),
/// for uncompressed strings: the length header plus the payload, or the
/// integer encoding.
fn serialized_len(v: &ember_store::Value) -> usize {
    let Some(s) = v.as_str() else { return 1 };
    if let Some(n) = s.as_int() {
        return match n {
            -128..=127 => 2,
            -32768..=32767 => 3,
            -2147483648..=2147483647 => 5,
            _ => 1 + n.to_string().len(),
        };
    }
    let len = s.len();
    let header = match len {
        0..=63 => 1,
        64..=16383 => 2,
        16384..=0xffff_ffff => 5,
        _ => 9,
    };
    header + len
}

fn debug_protocol(out: &mut Out, kind: &[u8]) -> Result<(), CmdError> {
    if is(kind, "string") {
        out.bulk(b"Hello World");
    } else if is(kind, "integer") {
        out.int(12345);
    } else if is(kind, "double") {
        // The value Redis's DEBUG PROTOCOL double sends.
        #[allow(clippy::approx_constant)]
        out.double(3.141);
    } else if is(kind, "bignum") {
        ember_resp::encode::big_number(&mut out.buf, b"1234567999999999999999999999999999999", out.proto);
    } else if is(kind, "null") {
        out.null();
    } else if is(kind, "array") {
        out.array(3);
        (0..3).for_each(|i| out.int(i));
    } else if is(kind, "set") {
        out.set(3);
        (0..3).for_each(|i| out.int(i));
    } else if is(kind, "map") {
        out.map(3);
        for i in 0..3 {
            out.int(i);
            out.boolean(i == 1);
        }
    } else if is(kind, "true") {
        out.boolean(true);
    } else if is(kind, "false") {
        out.boolean(false);
    } else if is(kind, "verbatim") {
        out.verbatim(b"This is a verbatim\nstring");
    } else {
        return Err(CmdError::err(
            "Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ember_resp::Protocol;
    use ember_store::{StrValue, Value};

    #[test]
    fn serialized_lengths_are_rdb_lengths() {
        let check = |v: Value, want: usize| assert_eq!(serialized_len(&v), want);
        check(Value::Str(StrValue::from_i64(5)), 2);
        check(Value::Str(StrValue::from_i64(-129)), 3);
        check(Value::Str(StrValue::from_i64(100_000)), 5);
        check(Value::Str(StrValue::from_i64(i64::MAX)), 20);
        check(Value::Str(StrValue::from_bytes(b"hello")), 6);
        check(Value::Str(StrValue::from_bytes(&[b'x'; 64])), 66);
        check(Value::Str(StrValue::from_bytes(&[b'x'; 16384])), 16389);
    }

    #[test]
    fn protocol_types() {
        let check = |kind: &str, proto: Protocol, want: &[u8]| {
            let mut out = Out { buf: Default::default(), proto };
            assert_eq!(debug_protocol(&mut out, kind.as_bytes()), Ok(()), "{kind}");
            assert_eq!(&out.buf[..], want, "{kind}");
        };
        check("STRING", Protocol::Resp2, b"$11\r\nHello World\r\n");
        check("integer", Protocol::Resp2, b":12345\r\n");
        check("double", Protocol::Resp3, b",3.141\r\n");
        check("null", Protocol::Resp2, b"$-1\r\n");
        check("map", Protocol::Resp3, b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n");
        check("true", Protocol::Resp2, b":1\r\n");
        let mut out = Out { buf: Default::default(), proto: Protocol::Resp2 };
        assert!(debug_protocol(&mut out, b"nope").unwrap_err().to_string().starts_with("ERR Wrong protocol type name"));
    }
}
