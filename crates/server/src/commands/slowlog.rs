//! SLOWLOG GET / LEN / RESET / HELP over the log kept in
//! [`crate::slowlog`].

use ember_resp::Command;

use crate::command::{flags::*, CommandSpec, Ctx};
use crate::commands::common::{container, help};
use crate::error::{CmdError, CmdResult};

const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// SLOWLOG and its subcommands.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new(
    "slowlog",
    -2,
    0,
    0,
    NOKEYS,
    "server",
    "2.2.12",
    "A container for slow log commands.",
    container,
)
.complexity("Depends on subcommand.")
.subcommands(SLOWLOG_SUBCOMMANDS)];

static SLOWLOG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "get",
        -2,
        ADMIN | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.2.12",
        "Returns the slow log's entries.",
        slowlog_get,
    )
    .sub("slowlog|get")
    .syntax("[count]")
    .complexity("O(N) where N is the number of entries returned"),
    CommandSpec::new(
        "len",
        2,
        ADMIN | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.2.12",
        "Returns the number of entries in the slow log.",
        slowlog_len,
    )
    .sub("slowlog|len")
    .complexity("O(1)"),
    CommandSpec::new(
        "reset",
        2,
        ADMIN | LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "2.2.12",
        "Clears all entries from the slow log.",
        slowlog_reset,
    )
    .sub("slowlog|reset")
    .complexity("O(N) where N is the number of entries in the slowlog"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        0,
        NOKEYS,
        "server",
        "6.2.0",
        "Show helpful text about the different subcommands",
        slowlog_help,
    )
    .sub("slowlog|help")
    .complexity("O(1)"),
];

fn slowlog_get(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let count = match cmd.get(2) {
        None => 10,
        Some(a) => {
            let n = crate::command::parse_i64(a)
                .filter(|&n| n >= -1)
                .ok_or_else(|| CmdError::err("count should be greater than or equal to -1"))?;
            if n < -1 {
                return Err(CmdError::err("count should be greater than or equal to -1"));
            }
            if n == -1 {
                usize::MAX
            } else {
                n as usize
            }
        }
    };
    let srv = &*ctx.srv;
    let out = &mut ctx.client.out;
    let n = count.min(srv.slowlog.entries.len());
    out.array(n);
    for e in srv.slowlog.entries.iter().take(n) {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time as i64);
        out.int(e.usec as i64);
        out.array(e.args.len());
        for a in &e.args {
            out.bulk(a);
        }
        out.bulk(e.addr.as_bytes());
        out.bulk(&e.name);
    }
    Ok(())
}

fn slowlog_len(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let n = ctx.srv.slowlog.entries.len();
    ctx.out().int(n as i64);
    Ok(())
}

fn slowlog_reset(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    ctx.srv.slowlog.reset();
    ctx.out().ok();
    Ok(())
}

fn slowlog_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}
