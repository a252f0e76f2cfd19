//! SLOWLOG GET / LEN / RESET / HELP over the log kept in
//! [`crate::slowlog`].

use crate::command::lossy;
use crate::command::prelude::*;
use crate::commands::common::{container, help};

/// SLOWLOG and its subcommands.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("slowlog", -2, container)
    .doc("server", "A container for slow log commands", "2.2.12", "Depends on subcommand.")
    .subcommands(SLOWLOG_SUBCOMMANDS)];

static SLOWLOG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("slowlog|get", -2, slowlog_get)
        .flags(ADMIN | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "nondeterministic_output"])
        .doc("server", "Get the slow log's entries", "2.2.12", "O(N) where N is the number of entries returned")
        .history(&[("4.0.0", "Added client IP address, port and name to the reply.")])
        .args(&[arg::integer("count").optional()]),
    CommandSpec::new("slowlog|len", 2, slowlog_len)
        .flags(ADMIN | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"])
        .doc("server", "Get the slow log's length", "2.2.12", "O(1)"),
    CommandSpec::new("slowlog|reset", 2, slowlog_reset)
        .flags(ADMIN | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(
            "server",
            "Clear all entries from the slow log",
            "2.2.12",
            "O(N) where N is the number of entries in the slowlog",
        ),
    CommandSpec::new("slowlog|help", 2, slowlog_help).flags(LOADING | STALE).doc(
        "server",
        "Show helpful text about the different subcommands",
        "6.2.0",
        "O(1)",
    ),
];

fn slowlog_get(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    if args.remaining() > 1 {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
            lossy(args.arg(1))
        )));
    }
    let count = match args.next() {
        None => 10,
        Some(a) => get_count(a)?,
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
    Ok(Replied)
}

/// SLOWLOG GET's count: -1 for all, else at least 0.
fn get_count(arg: &[u8]) -> Result<usize, CmdError> {
    match crate::command::parse_i64(arg) {
        Some(-1) => Ok(usize::MAX),
        Some(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(CmdError::err("count should be greater than or equal to -1")),
    }
}

fn slowlog_len(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let n = ctx.srv.slowlog.entries.len();
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn slowlog_reset(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    ctx.srv.slowlog.reset();
    ctx.out().ok();
    Ok(Replied)
}

fn slowlog_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
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
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_counts() {
        let check = |s: &str, want: Option<usize>| assert_eq!(get_count(s.as_bytes()).ok(), want, "{s}");
        check("0", Some(0));
        check("5", Some(5));
        check("-1", Some(usize::MAX));
        check("9223372036854775807", Some(i64::MAX as usize));
        check("-2", None);
        check("x", None);
        check("1.5", None);
        check("", None);
        assert_eq!(get_count(b"-2").unwrap_err().to_string(), "ERR count should be greater than or equal to -1");
    }
}
