//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT (LOAD,
//! EXISTS, FLUSH, KILL, DEBUG, HELP), and Redis 7.0 functions: FCALL,
//! FCALL_RO and FUNCTION (LOAD, DELETE, FLUSH, LIST, STATS, KILL, DUMP,
//! RESTORE, HELP). The engine is `crate::scripting`.

use crate::command::prelude::*;
use crate::command::{is, lossy};
use crate::commands::common::{container, help, subcommand_syntax};
use crate::scripting::Scripting;

/// The key specs of EVAL, FCALL.
const EVAL_KEYS: &[KeySpec] = &[KeySpec::index(2)
    .keynum(0, 1, 1)
    .flags(ks::RW | ks::ACCESS | ks::UPDATE)
    .notes("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")];

/// The arguments of EVAL, EVAL_RO.
const EVAL_ARGS: &[arg::Arg] = &[
    arg::string("script"),
    arg::integer("numkeys"),
    arg::key("key", 0).optional().multiple(),
    arg::string("arg").optional().multiple(),
];

/// The arguments of EVALSHA, EVALSHA_RO.
const EVALSHA_ARGS: &[arg::Arg] = &[
    arg::string("sha1"),
    arg::integer("numkeys"),
    arg::key("key", 0).optional().multiple(),
    arg::string("arg").optional().multiple(),
];

/// The key specs of EVAL_RO, FCALL_RO.
const EVAL_RO_KEYS: &[KeySpec] = &[KeySpec::index(2)
    .keynum(0, 1, 1)
    .flags(ks::RO | ks::ACCESS)
    .notes("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")];

/// The arguments of FCALL, FCALL_RO.
const FCALL_ARGS: &[arg::Arg] = &[
    arg::string("function"),
    arg::integer("numkeys"),
    arg::key("key", 0).optional().multiple(),
    arg::string("arg").optional().multiple(),
];

/// Scripting commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("eval", -3, eval)
        .flags(NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | RUNS_SCRIPT | MAY_REPLICATE)
        .acl(acl::SCRIPTING)
        .keys(EVAL_KEYS)
        .keys_fn(getkeys::count_at_2)
        .doc("scripting", "Execute a Lua script server side", "2.6.0", "Depends on the script that is executed.")
        .args(EVAL_ARGS),
    CommandSpec::new("evalsha", -3, evalsha)
        .flags(NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | RUNS_SCRIPT | MAY_REPLICATE)
        .acl(acl::SCRIPTING)
        .keys(&[KeySpec::index(2).keynum(0, 1, 1).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .keys_fn(getkeys::count_at_2)
        .doc("scripting", "Execute a Lua script server side", "2.6.0", "Depends on the script that is executed.")
        .args(EVALSHA_ARGS),
    CommandSpec::new("eval_ro", -3, eval_ro)
        .flags(READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | RUNS_SCRIPT)
        .acl(acl::SCRIPTING)
        .keys(EVAL_RO_KEYS)
        .keys_fn(getkeys::count_at_2)
        .doc(
            "scripting",
            "Execute a read-only Lua script server side",
            "7.0.0",
            "Depends on the script that is executed.",
        )
        .args(EVAL_ARGS),
    CommandSpec::new("evalsha_ro", -3, evalsha_ro)
        .flags(READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | RUNS_SCRIPT)
        .acl(acl::SCRIPTING)
        .keys(&[KeySpec::index(2).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::count_at_2)
        .doc(
            "scripting",
            "Execute a read-only Lua script server side",
            "7.0.0",
            "Depends on the script that is executed.",
        )
        .args(EVALSHA_ARGS),
    CommandSpec::new("fcall", -3, fcall)
        .flags(NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | RUNS_SCRIPT | MAY_REPLICATE)
        .acl(acl::SCRIPTING)
        .keys(EVAL_KEYS)
        .keys_fn(getkeys::count_at_2)
        .doc("scripting", "Invoke a function", "7.0.0", "Depends on the function that is executed.")
        .args(FCALL_ARGS),
    CommandSpec::new("fcall_ro", -3, fcall_ro)
        .flags(READONLY | NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | RUNS_SCRIPT)
        .acl(acl::SCRIPTING)
        .keys(EVAL_RO_KEYS)
        .keys_fn(getkeys::count_at_2)
        .doc("scripting", "Invoke a read-only function", "7.0.0", "Depends on the function that is executed.")
        .args(FCALL_ARGS),
    CommandSpec::new("function", -2, container)
        .doc("scripting", "A container for function commands", "7.0.0", "Depends on subcommand.")
        .subcommands(FUNCTION_SUBCOMMANDS),
    CommandSpec::new("script", -2, container)
        .doc("scripting", "A container for Lua scripts management commands", "2.6.0", "Depends on subcommand.")
        .subcommands(SCRIPT_SUBCOMMANDS),
];

static SCRIPT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("script|debug", 3, script_debug)
        .flags(NOSCRIPT)
        .acl(acl::SCRIPTING)
        .doc("scripting", "Set the debug mode for executed scripts.", "3.2.0", "O(1)")
        .args(&[arg::oneof("mode", &[arg::token("yes", "YES"), arg::token("sync", "SYNC"), arg::token("no", "NO")])]),
    CommandSpec::new("script|exists", -3, script_exists)
        .flags(NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:agg_logical_and"])
        .doc(
            "scripting",
            "Check existence of scripts in the script cache.",
            "2.6.0",
            "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
        )
        .args(&[arg::string("sha1").multiple()]),
    CommandSpec::new("script|flush", -2, script_flush)
        .flags(NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(
            "scripting",
            "Remove all the scripts from the script cache.",
            "2.6.0",
            "O(N) with N being the number of scripts in cache",
        )
        .history(&[("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers.")])
        .args(&[arg::oneof("async", &[arg::token("async", "ASYNC"), arg::token("sync", "SYNC")])
            .since("6.2.0")
            .optional()]),
    CommandSpec::new("script|help", 2, script_help).flags(LOADING | STALE).acl(acl::SCRIPTING).doc(
        "scripting",
        "Show helpful text about the different subcommands",
        "5.0.0",
        "O(1)",
    ),
    CommandSpec::new("script|kill", 2, script_kill)
        .flags(NOSCRIPT | ALLOW_BUSY)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:one_succeeded"])
        .doc("scripting", "Kill the script currently in execution.", "2.6.0", "O(1)"),
    CommandSpec::new("script|load", 3, script_load)
        .flags(NOSCRIPT | STALE)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(
            "scripting",
            "Load the specified Lua script into the script cache.",
            "2.6.0",
            "O(N) with N being the length in bytes of the script body.",
        )
        .args(&[arg::string("script")]),
];

static FUNCTION_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("function|delete", 3, function_delete)
        .flags(WRITE | NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc("scripting", "Delete a function by name", "7.0.0", "O(1)")
        .args(&[arg::string("library-name")]),
    CommandSpec::new("function|dump", 2, function_dump).flags(NOSCRIPT).acl(acl::SCRIPTING).doc(
        "scripting",
        "Dump all functions into a serialized binary payload",
        "7.0.0",
        "O(N) where N is the number of functions",
    ),
    CommandSpec::new("function|flush", -2, function_flush)
        .flags(WRITE | NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc("scripting", "Deleting all functions", "7.0.0", "O(N) where N is the number of functions deleted")
        .args(&[arg::oneof("async", &[arg::token("async", "ASYNC"), arg::token("sync", "SYNC")]).optional()]),
    CommandSpec::new("function|help", 2, function_help).flags(LOADING | STALE).acl(acl::SCRIPTING).doc(
        "scripting",
        "Show helpful text about the different subcommands",
        "7.0.0",
        "O(1)",
    ),
    CommandSpec::new("function|kill", 2, function_kill)
        .flags(NOSCRIPT | ALLOW_BUSY)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:one_succeeded"])
        .doc("scripting", "Kill the function currently in execution.", "7.0.0", "O(1)"),
    CommandSpec::new("function|list", -2, function_list)
        .flags(NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["nondeterministic_output_order"])
        .doc(
            "scripting",
            "List information about all the functions",
            "7.0.0",
            "O(N) where N is the number of functions",
        )
        .args(&[
            arg::string("library-name-pattern").token("LIBRARYNAME").optional(),
            arg::token("withcode", "WITHCODE").optional(),
        ]),
    CommandSpec::new("function|load", -3, function_load)
        .flags(WRITE | DENYOOM | NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(
            "scripting",
            "Create a function with the given arguments (name, code, description)",
            "7.0.0",
            "O(1) (considering compilation time is redundant)",
        )
        .args(&[arg::token("replace", "REPLACE").optional(), arg::string("function-code")]),
    CommandSpec::new("function|restore", -3, function_restore)
        .flags(WRITE | DENYOOM | NOSCRIPT)
        .acl(acl::SCRIPTING)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(
            "scripting",
            "Restore all the functions on the given payload",
            "7.0.0",
            "O(N) where N is the number of functions on the payload",
        )
        .args(&[
            arg::string("serialized-value"),
            arg::oneof(
                "policy",
                &[arg::token("flush", "FLUSH"), arg::token("append", "APPEND"), arg::token("replace", "REPLACE")],
            )
            .optional(),
        ]),
    CommandSpec::new("function|stats", 2, function_stats)
        .flags(NOSCRIPT | ALLOW_BUSY)
        .acl(acl::SCRIPTING)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(
            "scripting",
            "Return information about the function currently running (name, description, duration)",
            "7.0.0",
            "O(1)",
        ),
];

fn eval(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    eval_generic(ctx, args, false, false)
}

fn evalsha(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    eval_generic(ctx, args, true, false)
}

fn eval_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    eval_generic(ctx, args, false, true)
}

fn evalsha_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    eval_generic(ctx, args, true, true)
}

/// The engine, created on first use.
fn engine(ctx: &mut Ctx<'_>) -> Result<Box<Scripting>, CmdError> {
    match ctx.srv.scripting.take() {
        Some(e) => Ok(e),
        None => Ok(Box::new(Scripting::new()?)),
    }
}

/// Takes the `numkeys` count of EVAL and FCALL (`not_integer` when it is
/// not an integer) and checks it against the arguments that follow, with
/// Redis's errors in Redis's order.
fn next_numkeys(args: &mut Args<'_>, not_integer: CmdError) -> Result<usize, CmdError> {
    let n = args.next_i64().map_err(|_| not_integer)?;
    if n > args.remaining() as i64 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    }
    if n < 0 {
        return Err(CmdError::err("Number of keys can't be negative"));
    }
    Ok(n as usize)
}

fn eval_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, by_sha: bool, read_only: bool) -> CmdResult {
    let script = args.next_bytes()?;
    // A digest that cannot be one is refused before the key count is read.
    if by_sha && script.len() != 40 {
        return Err(noscript());
    }
    let numkeys = next_numkeys(args, CmdError::NotInteger)?;
    let mut eng = engine(ctx)?;
    let result = run(ctx, &mut eng, script, args, by_sha, read_only, numkeys);
    ctx.srv.scripting = Some(eng);
    result
}

/// EVALSHA of a script the cache does not hold.
fn noscript() -> CmdError {
    CmdError::coded("NOSCRIPT", "No matching script. Please use EVAL.")
}

/// Takes the next `n` arguments as a slice: in `buf` when they fit (most
/// scripts have few keys and arguments), else in `spill`.
fn take_slice<'a, 'b>(
    args: &mut Args<'a>,
    n: usize,
    buf: &'b mut [&'a [u8]; 8],
    spill: &'b mut Vec<&'a [u8]>,
) -> &'b [&'a [u8]] {
    if n <= buf.len() {
        for (slot, a) in buf.iter_mut().zip(args.by_ref().take(n)) {
            *slot = a;
        }
        &buf[..n]
    } else {
        spill.extend(args.by_ref().take(n));
        spill
    }
}

fn run(
    ctx: &mut Ctx<'_>,
    eng: &mut Scripting,
    script: &[u8],
    args: &mut Args<'_>,
    by_sha: bool,
    read_only: bool,
    numkeys: usize,
) -> CmdResult {
    let sha = if by_sha {
        let mut sha: [u8; 40] = script.try_into().map_err(|_| noscript())?;
        sha.make_ascii_lowercase();
        if !eng.exists(&sha) {
            return Err(noscript());
        }
        sha
    } else {
        eng.load(script)?
    };
    let (mut keys, mut argv) = ([&[][..]; 8], [&[][..]; 8]);
    let (mut keys_spill, mut argv_spill) = (Vec::new(), Vec::new());
    let key_list = take_slice(args, numkeys, &mut keys, &mut keys_spill);
    let arg_list = take_slice(args, args.remaining(), &mut argv, &mut argv_spill);
    let start_us = ctx.srv.cmd_start_us;
    let db = ctx.client.db;
    let now = ctx.now_ms;
    let result = eng.run(ctx.srv, &sha, db, read_only, key_list, arg_list, now, &mut ctx.client.out);
    // The inner commands chained their own timings; EVAL's covers the whole script.
    ctx.srv.cmd_start_us = start_us;
    result.map(|()| Replied)
}

fn fcall(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    fcall_generic(ctx, args, false)
}

fn fcall_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    fcall_generic(ctx, args, true)
}

fn fcall_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, read_only: bool) -> CmdResult {
    let function = args.next_bytes()?;
    // The function is looked up before the key count is read.
    if !ctx.srv.scripting.as_ref().is_some_and(|e| e.has_function(function)) {
        return Err(CmdError::err("Function not found"));
    }
    let numkeys = next_numkeys(args, CmdError::err("Bad number of keys provided"))?;
    let Some(mut eng) = ctx.srv.scripting.take() else {
        return Err(CmdError::err("Function not found"));
    };
    let keys: Vec<&[u8]> = args.by_ref().take(numkeys).collect();
    let argv: Vec<&[u8]> = args.rest().collect();
    let start_us = ctx.srv.cmd_start_us;
    let (db, now) = (ctx.client.db, ctx.now_ms);
    let result = eng.fcall(ctx.srv, function, db, read_only, &keys, &argv, now, &mut ctx.client.out);
    ctx.srv.cmd_start_us = start_us;
    ctx.srv.scripting = Some(eng);
    result.map(|()| Replied)
}

fn function_load(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let replace = load_options(args)?;
    let code = args.next_bytes()?;
    args.finish()?;
    let mut eng = engine(ctx)?;
    let result = eng.load_library(code, replace);
    ctx.srv.scripting = Some(eng);
    let name = result?;
    ctx.dirty(1);
    ctx.out().bulk(name.as_bytes());
    Ok(Replied)
}

/// FUNCTION LOAD's options before the code (the last argument): REPLACE.
fn load_options(args: &mut Args<'_>) -> Result<bool, CmdError> {
    let mut replace = false;
    while args.remaining() > 1 {
        let opt = args.next_bytes()?;
        if !is(opt, "replace") {
            return Err(CmdError::err(format!("Unknown option given: {}", lossy(opt))));
        }
        replace = true;
    }
    Ok(replace)
}

fn function_delete(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let name = args.next_bytes()?;
    args.finish()?;
    let name = String::from_utf8_lossy(name);
    if !ctx.srv.scripting.as_mut().is_some_and(|e| e.delete_library(&name)) {
        return Err(CmdError::err("Library not found"));
    }
    ctx.dirty(1);
    ctx.out().ok();
    Ok(Replied)
}

/// Whether the arguments left are a valid FLUSH mode: none, or SYNC or
/// ASYNC alone.
fn flush_mode_ok(args: &mut Args<'_>) -> bool {
    let mode_ok = args.next().is_none_or(|m| is(m, "sync") || is(m, "async"));
    mode_ok && args.finish().is_ok()
}

fn function_flush(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    // More than a mode is the subcommand's arity error (SCRIPT FLUSH has
    // none: any extra argument is a bad mode).
    if args.remaining() > 1 {
        return Err(subcommand_syntax(args, "FUNCTION"));
    }
    if !flush_mode_ok(args) {
        return Err(CmdError::err("FUNCTION FLUSH only supports SYNC|ASYNC option"));
    }
    if let Some(e) = ctx.srv.scripting.as_mut() {
        e.flush_functions();
    }
    ctx.dirty(1);
    ctx.out().ok();
    Ok(Replied)
}

fn function_kill(_ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    Err(CmdError::coded("NOTBUSY", "No scripts in execution right now."))
}

/// FUNCTION LIST's options: the LIBRARYNAME pattern and WITHCODE, each at
/// most once.
fn list_options<'a>(args: &mut Args<'a>) -> Result<(Option<&'a [u8]>, bool), CmdError> {
    let (mut pattern, mut with_code) = (None, false);
    while let Some(a) = args.next() {
        if is(a, "withcode") && !with_code {
            with_code = true;
        } else if is(a, "libraryname") && pattern.is_none() {
            pattern = Some(args.next().ok_or_else(|| CmdError::err("library name argument was not given"))?);
        } else {
            return Err(CmdError::err(format!("Unknown argument {}", lossy(a))));
        }
    }
    Ok((pattern, with_code))
}

fn function_list(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (pattern, with_code) = list_options(args)?;
    let Some(eng) = ctx.srv.scripting.take() else {
        ctx.out().array(0);
        return Ok(Replied);
    };
    let libs: Vec<&crate::scripting::Library> = eng
        .libraries()
        .filter(|l| pattern.is_none_or(|p| ember_store::glob_match(p, l.name.as_bytes(), false)))
        .collect();
    let out = &mut ctx.client.out;
    out.array(libs.len());
    for lib in libs {
        out.map(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(lib.name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"LUA");
        out.bulk(b"functions");
        out.array(lib.functions.len());
        for f in &lib.functions {
            out.map(3);
            out.bulk(b"name");
            out.bulk(f.name.as_bytes());
            out.bulk(b"description");
            match &f.description {
                Some(d) => out.bulk(d),
                None => out.null(),
            }
            out.bulk(b"flags");
            let names = crate::scripting::flag_names(f.flags);
            out.set(names.len());
            for n in names {
                out.simple(n);
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&lib.code);
        }
    }
    ctx.srv.scripting = Some(eng);
    Ok(Replied)
}

fn function_stats(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let (libs, funcs) = ctx.srv.scripting.as_ref().map_or((0, 0), |e| (e.libraries().count(), e.function_count()));
    let out = ctx.out();
    out.map(2);
    out.bulk(b"running_script");
    out.null();
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(libs as i64);
    out.bulk(b"functions_count");
    out.int(funcs as i64);
    Ok(Replied)
}

fn function_dump(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let codes: Vec<Vec<u8>> =
        ctx.srv.scripting.as_ref().map(|e| e.libraries().map(|l| l.code.clone()).collect()).unwrap_or_default();
    let payload = ember_rdb::dump_functions(&codes).map_err(|e| CmdError::err(e.to_string()))?;
    ctx.out().bulk(&payload);
    Ok(Replied)
}

/// FUNCTION RESTORE's policy (APPEND when absent): whether to flush first
/// and whether to replace libraries of the same name.
fn restore_policy(policy: Option<&[u8]>) -> Result<(bool, bool), CmdError> {
    match policy {
        None => Ok((false, false)),
        Some(p) if is(p, "flush") => Ok((true, false)),
        Some(p) if is(p, "append") => Ok((false, false)),
        Some(p) if is(p, "replace") => Ok((false, true)),
        Some(_) => Err(CmdError::err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")),
    }
}

fn function_restore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    if args.remaining() > 2 {
        return Err(subcommand_syntax(args, "FUNCTION"));
    }
    let payload = args.next_bytes()?;
    let (flush, replace) = restore_policy(args.next())?;
    let codes = ember_rdb::parse_dump_functions(payload)
        .map_err(|_| CmdError::err("DUMP payload version or checksum are wrong"))?;
    let mut eng = engine(ctx)?;
    let result = restore_into(&mut eng, &codes, flush, replace);
    ctx.srv.scripting = Some(eng);
    result?;
    ctx.dirty(1);
    ctx.out().ok();
    Ok(Replied)
}

/// Loads `codes` as FUNCTION RESTORE does: all or nothing (on a failure the
/// libraries there before are loaded back).
fn restore_into(eng: &mut Scripting, codes: &[Vec<u8>], flush: bool, replace: bool) -> Result<(), CmdError> {
    let saved: Vec<Vec<u8>> = eng.libraries().map(|l| l.code.clone()).collect();
    if flush {
        eng.flush_functions();
    }
    for code in codes {
        let exists = crate::scripting::library_name(code).is_ok_and(|n| eng.has_library(&n));
        let result = if exists && !replace {
            // RESTORE words this error without quotes.
            let name = crate::scripting::library_name(code).unwrap_or_default();
            Err(CmdError::err(format!("Library {name} already exists")))
        } else {
            eng.load_library(code, replace).map(|_| ())
        };
        if let Err(e) = result {
            eng.flush_functions();
            for c in &saved {
                let _ = eng.load_library(c, true);
            }
            return Err(e);
        }
    }
    Ok(())
}

fn function_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    help(
        ctx,
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
    Ok(Replied)
}

fn script_load(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let script = args.next_bytes()?;
    args.finish()?;
    let mut eng = engine(ctx)?;
    let result = eng.load(script);
    ctx.srv.scripting = Some(eng);
    let sha = result?;
    ctx.out().bulk(&sha);
    Ok(Replied)
}

fn script_exists(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let found: Vec<bool> = args.rest().map(|sha| ctx.srv.scripting.as_ref().is_some_and(|e| e.exists(sha))).collect();
    let out = ctx.out();
    out.array(found.len());
    for f in found {
        out.int(i64::from(f));
    }
    Ok(Replied)
}

fn script_flush(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    if !flush_mode_ok(args) {
        return Err(CmdError::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    // The functions' libraries share the Lua state, so the state stays;
    // only the script cache goes.
    if let Some(e) = ctx.srv.scripting.as_mut() {
        e.flush_scripts();
    }
    ctx.out().ok();
    Ok(Replied)
}

fn script_kill(_ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    // Scripts run to completion inside one command; none is ever running
    // while another client's command is served.
    Err(CmdError::coded("NOTBUSY", "No scripts in execution right now."))
}

fn script_debug(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let mode = args.next_keyword(&["NO", "YES", "SYNC"]);
    args.finish()?;
    if mode.map_err(|_| CmdError::err("Use SCRIPT DEBUG YES/SYNC/NO"))? != 0 {
        return Err(CmdError::err("SCRIPT DEBUG is not supported by this server (no Lua debugger)"));
    }
    ctx.out().ok();
    Ok(Replied)
}

fn script_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
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
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::common::with_args;

    #[test]
    fn numkeys_and_the_lists_it_splits() {
        let more = Err(CmdError::err("Number of keys can't be greater than number of args"));
        let negative = Err(CmdError::err("Number of keys can't be negative"));
        for (line, want) in [
            ("eval s 0", Ok((vec![], vec![]))),
            ("eval s 2 k1 k2 a1", Ok((vec!["k1", "k2"], vec!["a1"]))),
            (
                "eval s 0 a1 a2 a3 a4 a5 a6 a7 a8 a9",
                Ok((vec![], vec!["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"])),
            ),
            ("eval s 9 1 2 3 4 5 6 7 8 9", Ok((vec!["1", "2", "3", "4", "5", "6", "7", "8", "9"], vec![]))),
            ("eval s 3 k1 k2", more),
            ("eval s -1", negative),
            ("eval s x", Err(CmdError::NotInteger)),
            ("eval s 01 k", Err(CmdError::NotInteger)),
        ] {
            let got = with_args(line, 2, |a| {
                let n = next_numkeys(a, CmdError::NotInteger)?;
                let (mut kb, mut ab) = ([&[][..]; 8], [&[][..]; 8]);
                let (mut ks, mut as_) = (Vec::new(), Vec::new());
                let keys = take_slice(a, n, &mut kb, &mut ks).iter().map(|k| String::from_utf8_lossy(k).into_owned());
                let keys: Vec<String> = keys.collect();
                let rest = a.remaining();
                let argv =
                    take_slice(a, rest, &mut ab, &mut as_).iter().map(|k| String::from_utf8_lossy(k).into_owned());
                Ok::<_, CmdError>((keys, argv.collect::<Vec<String>>()))
            });
            let want = want.map(|(k, a): (Vec<&str>, Vec<&str>)| {
                (
                    k.into_iter().map(String::from).collect::<Vec<_>>(),
                    a.into_iter().map(String::from).collect::<Vec<_>>(),
                )
            });
            assert_eq!(got, want, "{line}");
        }
        let bad = Err(CmdError::err("Bad number of keys provided"));
        assert_eq!(with_args("fcall f x", 2, |a| next_numkeys(a, CmdError::err("Bad number of keys provided"))), bad);
        let more = Err(CmdError::err("Number of keys can't be greater than number of args"));
        assert_eq!(with_args("fcall f 2 k", 2, |a| next_numkeys(a, CmdError::NotInteger)), more);
    }

    #[test]
    fn function_load_and_flush_options() {
        for (line, want) in [
            ("function load code", Ok(false)),
            ("function load REPLACE code", Ok(true)),
            ("function load replace replace code", Ok(true)),
            ("function load replace foo code", Err(CmdError::err("Unknown option given: foo"))),
        ] {
            assert_eq!(with_args(line, 2, load_options), want, "{line}");
        }
        for (line, want) in [
            ("script flush", true),
            ("script flush SYNC", true),
            ("script flush async", true),
            ("script flush lazy", false),
            ("script flush sync sync", false),
        ] {
            assert_eq!(with_args(line, 2, flush_mode_ok), want, "{line}");
        }
    }

    #[test]
    fn function_list_options() {
        let unknown = |a: &str| Err(CmdError::err(format!("Unknown argument {a}")));
        for (line, want) in [
            ("function list", Ok((None, false))),
            ("function list withcode libraryname lib*", Ok((Some("lib*".to_string()), true))),
            ("function list LIBRARYNAME x", Ok((Some("x".to_string()), false))),
            ("function list libraryname", Err(CmdError::err("library name argument was not given"))),
            ("function list withcode withcode", unknown("withcode")),
            ("function list libraryname a libraryname b", unknown("libraryname")),
            ("function list foo", unknown("foo")),
        ] {
            let got = with_args(line, 2, |a| {
                list_options(a).map(|(p, code)| (p.map(|p| String::from_utf8_lossy(p).into_owned()), code))
            });
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn function_restore_policies() {
        let wrong = Err(CmdError::err("Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
        for (policy, want) in [
            (None, Ok((false, false))),
            (Some("FLUSH"), Ok((true, false))),
            (Some("append"), Ok((false, false))),
            (Some("Replace"), Ok((false, true))),
            (Some("merge"), wrong),
        ] {
            assert_eq!(restore_policy(policy.map(str::as_bytes)), want, "{policy:?}");
        }
    }
}
