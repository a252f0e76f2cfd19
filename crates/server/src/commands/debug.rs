//! DEBUG: SLEEP, OBJECT, RELOAD, SET-ACTIVE-EXPIRE, PROTOCOL, HELP, allowed
//! as `enable-debug-command` says.

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is, lossy};
use crate::commands::common::help;
use crate::config::Access;

/// DEBUG.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("debug", -2, debug)
    .flags(ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED)
    .doc("server", "A container for debugging commands", "1.0.0", "Depends on subcommand.")
    .syscmd()];

fn debug(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
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
    let sub = cmd.arg(1);
    let now = ctx.now_ms;
    if is(sub, "sleep") && cmd.len() == 3 {
        let secs = crate::command::parse_f64(cmd.arg(2)).ok_or(CmdError::NotFloat)?;
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.max(0.0)));
        ctx.out().ok();
    } else if is(sub, "object") && cmd.len() == 3 {
        let db = ctx.srv.store.db(ctx.client.db);
        let Some(e) = db.peek(cmd.arg(2), now) else { return Err(CmdError::NoSuchKey) };
        let v = e.value();
        let enc = v.encoding_name();
        let shared_int = v.as_str().and_then(|s| s.as_int()).is_some_and(|n| (0..10_000).contains(&n));
        let refcount = if shared_int { i64::from(i32::MAX) } else { 1 };
        let idle = db.idle_ms(cmd.arg(2), now).unwrap_or(0) / 1000;
        let line = format!(
            "Value at:0x0 refcount:{refcount} encoding:{enc} serializedlength:{} lru:{} lru_seconds_idle:{idle}",
            serialized_len(v),
            (now / 1000) & 0xff_ffff
        );
        ctx.out().simple(&line);
    } else if is(sub, "reload") {
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
    } else if is(sub, "set-active-expire") && cmd.len() == 3 {
        ctx.srv.active_expire_enabled = int_arg(cmd.arg(2))? != 0;
        ctx.out().ok();
    } else if is(sub, "protocol") && cmd.len() == 3 {
        debug_protocol(ctx.out(), cmd.arg(2))?;
    } else if is(sub, "help") {
        help(
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
        );
    } else {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            lossy(sub)
        )));
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
