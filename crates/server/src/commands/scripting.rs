//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT
//! (LOAD, EXISTS, FLUSH, KILL, DEBUG, HELP). The engine is
//! `crate::scripting`.

use ember_resp::Command;

use crate::command::{acl, flags::*, int_arg, is, CommandSpec, Ctx};
use crate::commands::connection::{container, help};
use crate::error::{CmdError, CmdResult};
use crate::scripting::Scripting;

const SC: u32 = acl::SCRIPTING;
const NOKEYS: (i32, i32, i32) = (0, 0, 0);
const EVAL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS;

/// Scripting commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "eval",
        -3,
        EVAL_FLAGS,
        SC,
        NOKEYS,
        "scripting",
        "2.6.0",
        "Executes a server-side Lua script.",
        eval,
    )
    .numkeys_at(2)
    .syntax("script numkeys [key [key ...]] [arg [arg ...]]")
    .complexity("Depends on the script that is executed."),
    CommandSpec::new(
        "evalsha",
        -3,
        EVAL_FLAGS,
        SC,
        NOKEYS,
        "scripting",
        "2.6.0",
        "Executes a server-side Lua script by SHA1 digest.",
        evalsha,
    )
    .numkeys_at(2)
    .syntax("sha1 numkeys [key [key ...]] [arg [arg ...]]")
    .complexity("Depends on the script that is executed."),
    CommandSpec::new(
        "eval_ro",
        -3,
        READONLY | EVAL_FLAGS,
        SC,
        NOKEYS,
        "scripting",
        "7.0.0",
        "Executes a read-only server-side Lua script.",
        eval_ro,
    )
    .numkeys_at(2)
    .syntax("script numkeys [key [key ...]] [arg [arg ...]]")
    .complexity("Depends on the script that is executed."),
    CommandSpec::new(
        "evalsha_ro",
        -3,
        READONLY | EVAL_FLAGS,
        SC,
        NOKEYS,
        "scripting",
        "7.0.0",
        "Executes a read-only server-side Lua script by SHA1 digest.",
        evalsha_ro,
    )
    .numkeys_at(2)
    .syntax("sha1 numkeys [key [key ...]] [arg [arg ...]]")
    .complexity("Depends on the script that is executed."),
    CommandSpec::new(
        "script",
        -2,
        0,
        0,
        NOKEYS,
        "scripting",
        "2.6.0",
        "A container for Lua scripts management commands.",
        container,
    )
    .complexity("Depends on subcommand.")
    .subcommands(SCRIPT_SUBCOMMANDS),
];

static SCRIPT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "debug",
        3,
        NOSCRIPT,
        SC,
        NOKEYS,
        "scripting",
        "3.2.0",
        "Sets the debug mode of server-side Lua scripts.",
        script_debug,
    )
    .sub("script|debug")
    .syntax("<YES | SYNC | NO>")
    .complexity("O(1)"),
    CommandSpec::new(
        "exists",
        -3,
        NOSCRIPT,
        SC,
        NOKEYS,
        "scripting",
        "2.6.0",
        "Determines whether server-side Lua scripts exist in the script cache.",
        script_exists,
    )
    .sub("script|exists")
    .syntax("sha1 [sha1 ...]")
    .complexity("O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation)."),
    CommandSpec::new(
        "flush",
        -2,
        NOSCRIPT,
        SC,
        NOKEYS,
        "scripting",
        "2.6.0",
        "Removes all server-side Lua scripts from the script cache.",
        script_flush,
    )
    .sub("script|flush")
    .syntax("[ASYNC | SYNC]")
    .complexity("O(N) with N being the number of scripts in cache"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        SC,
        NOKEYS,
        "scripting",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        script_help,
    )
    .sub("script|help")
    .complexity("O(1)"),
    CommandSpec::new(
        "kill",
        2,
        NOSCRIPT | ALLOW_BUSY,
        SC,
        NOKEYS,
        "scripting",
        "2.6.0",
        "Terminates a server-side Lua script during execution.",
        script_kill,
    )
    .sub("script|kill")
    .complexity("O(1)"),
    CommandSpec::new(
        "load",
        3,
        NOSCRIPT | STALE,
        SC,
        NOKEYS,
        "scripting",
        "2.6.0",
        "Loads a server-side Lua script to the script cache.",
        script_load,
    )
    .sub("script|load")
    .syntax("script")
    .complexity("O(N) with N being the length in bytes of the script body."),
];

fn eval(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    eval_generic(ctx, cmd, false, false)
}

fn evalsha(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    eval_generic(ctx, cmd, true, false)
}

fn eval_ro(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    eval_generic(ctx, cmd, false, true)
}

fn evalsha_ro(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    eval_generic(ctx, cmd, true, true)
}

/// The engine, created on first use.
fn engine(ctx: &mut Ctx<'_>) -> Result<Box<Scripting>, CmdError> {
    match ctx.srv.scripting.take() {
        Some(e) => Ok(e),
        None => Ok(Box::new(Scripting::new()?)),
    }
}

fn eval_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, by_sha: bool, read_only: bool) -> CmdResult {
    let numkeys = int_arg(cmd.arg(2))?;
    let rest = cmd.len() - 3;
    if numkeys > rest as i64 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    }
    if numkeys < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    if by_sha && cmd.arg(1).len() != 40 {
        return Err(CmdError::Other(NOSCRIPT_ERR.into()));
    }
    let mut eng = engine(ctx)?;
    let result = run(ctx, &mut eng, cmd, by_sha, read_only, numkeys as usize);
    ctx.srv.scripting = Some(eng);
    result
}

const NOSCRIPT_ERR: &str = "NOSCRIPT No matching script. Please use EVAL.";

fn run(
    ctx: &mut Ctx<'_>,
    eng: &mut Scripting,
    cmd: &Command<'_>,
    by_sha: bool,
    read_only: bool,
    numkeys: usize,
) -> CmdResult {
    let sha = if by_sha {
        let mut sha: [u8; 40] = cmd.arg(1).try_into().map_err(|_| CmdError::Other(NOSCRIPT_ERR.into()))?;
        sha.make_ascii_lowercase();
        if !eng.exists(&sha) {
            return Err(CmdError::Other(NOSCRIPT_ERR.into()));
        }
        sha
    } else {
        eng.load(cmd.arg(1))?
    };
    let mut keys: [&[u8]; 8] = [&[]; 8];
    let mut args: [&[u8]; 8] = [&[]; 8];
    let (mut keys_vec, mut args_vec) = (Vec::new(), Vec::new());
    let key_list: &[&[u8]] = if numkeys <= keys.len() {
        for (i, k) in keys.iter_mut().enumerate().take(numkeys) {
            *k = cmd.arg(3 + i);
        }
        &keys[..numkeys]
    } else {
        keys_vec.extend((0..numkeys).map(|i| cmd.arg(3 + i)));
        &keys_vec
    };
    let nargs = cmd.len() - 3 - numkeys;
    let arg_list: &[&[u8]] = if nargs <= args.len() {
        for (i, a) in args.iter_mut().enumerate().take(nargs) {
            *a = cmd.arg(3 + numkeys + i);
        }
        &args[..nargs]
    } else {
        args_vec.extend((0..nargs).map(|i| cmd.arg(3 + numkeys + i)));
        &args_vec
    };
    let start_us = ctx.srv.cmd_start_us;
    let db = ctx.client.db;
    let now = ctx.now_ms;
    let result = eng.run(ctx.srv, &sha, db, read_only, key_list, arg_list, now, &mut ctx.client.out);
    // The inner commands chained their own timings; EVAL's covers the whole script.
    ctx.srv.cmd_start_us = start_us;
    result
}

fn script_load(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mut eng = engine(ctx)?;
    let result = eng.load(cmd.arg(2));
    ctx.srv.scripting = Some(eng);
    let sha = result?;
    ctx.out().bulk(&sha);
    Ok(())
}

fn script_exists(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let n = cmd.len() - 2;
    let found: Vec<bool> =
        (0..n).map(|i| ctx.srv.scripting.as_ref().is_some_and(|e| e.exists(cmd.arg(2 + i)))).collect();
    let out = ctx.out();
    out.array(n);
    for f in found {
        out.int(i64::from(f));
    }
    Ok(())
}

fn script_flush(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    if cmd.len() > 3 || (cmd.len() == 3 && !is(cmd.arg(2), "sync") && !is(cmd.arg(2), "async")) {
        return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    // A new Lua state, as Redis resets its engine; the old one is dropped here.
    ctx.srv.scripting = None;
    ctx.out().ok();
    Ok(())
}

fn script_kill(_ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    // Scripts run to completion inside one command; none is ever running
    // while another client's command is served.
    Err(CmdError::Other("NOTBUSY No scripts in execution right now.".into()))
}

fn script_debug(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mode = cmd.arg(2);
    if is(mode, "no") {
        ctx.out().ok();
        Ok(())
    } else if is(mode, "yes") || is(mode, "sync") {
        Err(CmdError::err("SCRIPT DEBUG is not supported by this server (no Lua debugger)"))
    } else {
        Err(CmdError::err("Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

fn script_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
    Ok(())
}
