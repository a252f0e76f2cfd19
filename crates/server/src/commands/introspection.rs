//! What the server tells about itself: COMMAND and its subcommands (COUNT,
//! INFO, DOCS, LIST, GETKEYS, HELP), generated from the command table;
//! TIME; MONITOR.

use ember_resp::Command;
use ember_store::glob_match;

use crate::client::Out;
use crate::command::{acl, flags, flags::*, is, registry, CommandSpec, Ctx};
use crate::commands::common::help;
use crate::error::{CmdError, CmdResult};
use crate::server::unix_us;

const NOKEYS: (i32, i32, i32) = (0, 0, 0);
const CONN: u32 = acl::CONNECTION;

/// COMMAND, TIME, MONITOR.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("time", 1, LOADING | STALE | FAST, 0, NOKEYS, "server", "2.6.0", "Returns the server time.", time)
        .complexity("O(1)"),
    CommandSpec::new(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Listens for all requests received by the server in real-time.",
        monitor,
    ),
    CommandSpec::new(
        "command",
        -1,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Returns detailed information about all commands.",
        command_all,
    )
    .complexity("O(N) where N is the total number of Redis commands")
    .subcommands(COMMAND_SUBCOMMANDS),
];

static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "count",
        2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Returns a count of commands.",
        command_count,
    )
    .sub("command|count")
    .complexity("O(1)"),
    CommandSpec::new(
        "info",
        -2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Returns information about one, multiple or all commands.",
        command_info,
    )
    .sub("command|info")
    .syntax("[command-name [command-name ...]]")
    .complexity("O(N) where N is the number of commands to look up"),
    CommandSpec::new(
        "docs",
        -2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "7.0.0",
        "Returns documentary information about one, multiple or all commands.",
        command_docs,
    )
    .sub("command|docs")
    .syntax("[command-name [command-name ...]]")
    .complexity("O(N) where N is the number of commands to look up"),
    CommandSpec::new(
        "list",
        -2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "7.0.0",
        "Returns a list of command names.",
        command_list,
    )
    .sub("command|list")
    .syntax("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]")
    .complexity("O(N) where N is the total number of Redis commands"),
    CommandSpec::new(
        "getkeys",
        -4,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "2.8.13",
        "Extracts the key names from an arbitrary command.",
        command_getkeys,
    )
    .sub("command|getkeys")
    .syntax("command [arg [arg ...]]")
    .complexity("O(N) where N is the number of arguments to the command"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        CONN,
        NOKEYS,
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        command_help,
    )
    .sub("command|help")
    .complexity("O(1)"),
];

fn time(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let us = unix_us();
    let out = ctx.out();
    out.array(2);
    out.bulk((us / 1_000_000).to_string().as_bytes());
    out.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

fn monitor(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    if !ctx.client.monitor {
        ctx.client.monitor = true;
        ctx.srv.monitors.push(ctx.client.id);
    }
    ctx.out().ok();
    Ok(())
}

fn write_flags(out: &mut Out, spec: &CommandSpec) {
    let mut f = spec.flags;
    if spec.first_key > 0 && spec.last_key < 0 && spec.key_step > 1 {
        // no movable keys for fixed patterns
        f &= !flags::MOVABLE_KEYS;
    }
    let names: Vec<&str> = flags::NAMES.iter().filter(|(b, _)| f & b != 0).map(|(_, n)| *n).collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
}

fn write_acl(out: &mut Out, spec: &CommandSpec) {
    let cats = spec.acl_categories();
    let names: Vec<String> =
        acl::NAMES.iter().enumerate().filter(|(i, _)| cats & (1 << i) != 0).map(|(_, n)| format!("@{n}")).collect();
    out.set(names.len());
    for n in &names {
        out.simple(n);
    }
}

fn write_key_specs(out: &mut Out, spec: &CommandSpec) {
    if spec.first_key <= 0 {
        out.set(0);
        return;
    }
    let write = spec.flags & flags::WRITE != 0;
    out.set(1);
    out.map(3);
    out.bulk(b"flags");
    if spec.flags & flags::PUBSUB != 0 {
        // Shard channels sit in key positions (for cluster routing) but
        // are not keys.
        out.set(1);
        out.simple("not_key");
    } else {
        out.set(2);
        out.simple(if write { "RW" } else { "RO" });
        out.simple(if write { "update" } else { "access" });
    }
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"index");
    out.bulk(b"spec");
    out.map(1);
    out.bulk(b"index");
    out.int(i64::from(spec.first_key));
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"range");
    out.bulk(b"spec");
    out.map(3);
    out.bulk(b"lastkey");
    out.int(if spec.last_key < 0 { i64::from(spec.last_key) } else { i64::from(spec.last_key - spec.first_key) });
    out.bulk(b"keystep");
    out.int(i64::from(spec.key_step));
    out.bulk(b"limit");
    out.int(0);
}

/// One COMMAND INFO entry.
fn write_info(out: &mut Out, spec: &CommandSpec) {
    out.array(10);
    out.bulk(spec.fullname.as_bytes());
    out.int(i64::from(spec.arity));
    write_flags(out, spec);
    out.int(i64::from(spec.first_key));
    out.int(i64::from(spec.last_key));
    out.int(i64::from(spec.key_step));
    write_acl(out, spec);
    out.set(0);
    write_key_specs(out, spec);
    // Redis sends an empty set, or an array of subcommands.
    if spec.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(spec.subcommands.len());
    }
    for sub in spec.subcommands {
        write_info(out, sub);
    }
}

/// One COMMAND DOCS entry (the map after the name).
fn write_docs(out: &mut Out, spec: &CommandSpec) {
    let args = crate::commands::syntax::parse(spec.syntax);
    let mut fields = 4;
    if !args.is_empty() {
        fields += 1;
    }
    if !spec.subcommands.is_empty() {
        fields += 1;
    }
    out.map(fields);
    out.bulk(b"summary");
    out.bulk(spec.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(spec.since.as_bytes());
    out.bulk(b"group");
    out.bulk(spec.group.as_bytes());
    out.bulk(b"complexity");
    out.bulk(spec.complexity.as_bytes());
    if !args.is_empty() {
        out.bulk(b"arguments");
        crate::commands::syntax::write_args(out, &args);
    }
    if !spec.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            out.bulk(sub.fullname.as_bytes());
            write_docs(out, sub);
        }
    }
}

fn command_all(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let top: Vec<_> = reg.top_level().collect();
    let out = ctx.out();
    out.array(top.len());
    for spec in top {
        write_info(out, spec);
    }
    Ok(())
}

fn command_count(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let n = registry().top_level().count();
    ctx.out().int(n as i64);
    Ok(())
}

fn command_info(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    if cmd.len() == 2 {
        return command_all(ctx, cmd);
    }
    let out = ctx.out();
    out.array(cmd.len() - 2);
    for name in cmd.iter().skip(2) {
        match reg.lookup_full(name) {
            Some(i) => write_info(out, reg.specs[i]),
            None => out.null(),
        }
    }
    Ok(())
}

fn command_docs(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let specs: Vec<&CommandSpec> = if cmd.len() == 2 {
        reg.top_level().collect()
    } else {
        cmd.iter().skip(2).filter_map(|n| reg.lookup_full(n).map(|i| reg.specs[i])).collect()
    };
    let out = ctx.out();
    out.map(specs.len());
    for spec in specs {
        out.bulk(spec.fullname.as_bytes());
        write_docs(out, spec);
    }
    Ok(())
}

fn command_list(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let filter: Box<dyn Fn(&CommandSpec) -> bool> = match cmd.len() {
        2 => Box::new(|_| true),
        5 if is(cmd.arg(2), "FILTERBY") => {
            let (kind, value) = (cmd.arg(3), cmd.arg(4).to_vec());
            if is(kind, "MODULE") {
                Box::new(|_| false)
            } else if is(kind, "ACLCAT") {
                let bit = acl::NAMES.iter().position(|n| n.as_bytes().eq_ignore_ascii_case(&value));
                Box::new(move |s| bit.is_some_and(|b| s.acl_categories() & (1 << b) != 0))
            } else if is(kind, "PATTERN") {
                Box::new(move |s| glob_match(&value, s.fullname.as_bytes(), true))
            } else {
                return Err(CmdError::Syntax);
            }
        }
        _ => return Err(CmdError::Syntax),
    };
    let names: Vec<&str> = reg.specs.iter().filter(|s| filter(s)).map(|s| s.fullname).collect();
    let out = ctx.out();
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

fn command_getkeys(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let reg = registry();
    let Some(mut idx) = reg.lookup(cmd.arg(2)) else {
        return Err(CmdError::err("Invalid command specified"));
    };
    let argc = cmd.len() - 2;
    if !reg.specs[idx].subcommands.is_empty() && argc >= 2 {
        if let Some(sub) = reg.lookup_sub(idx, cmd.arg(3)) {
            idx = sub;
        }
    }
    let spec = reg.specs[idx];
    if !spec.arity_ok(argc) {
        return Err(CmdError::err("Invalid number of arguments specified for command"));
    }
    let positions = spec.keys_in(argc, |i| cmd.get(i + 2));
    if positions.is_empty() && spec.flags & crate::command::flags::NO_MANDATORY_KEYS != 0 {
        // EVAL with numkeys 0: keys are optional, none were given.
        ctx.out().array(0);
        return Ok(());
    }
    if positions.is_empty() || spec.flags & flags::PUBSUB != 0 {
        return Err(CmdError::err("The command has no key arguments"));
    }
    let out = ctx.out();
    out.array(positions.len());
    for p in positions {
        out.bulk(cmd.arg(p + 2));
    }
    Ok(())
}

fn command_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    );
    Ok(())
}
