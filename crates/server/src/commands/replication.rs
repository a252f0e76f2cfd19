//! The replication-facing commands a lone Redis master answers: ROLE, WAIT,
//! REPLICAOF / SLAVEOF and FAILOVER. ember has no replication, so it is
//! always a master without replicas: WAIT counts no acknowledgements (and
//! blocks for its timeout when asked for more, as Redis does),
//! `REPLICAOF NO ONE` is accepted, and following a master is refused.

use crate::blocking::{BlockRequest, TimeoutReply};
use crate::command::prelude::*;
use crate::command::{is, parse_i64};

/// The arguments of REPLICAOF, SLAVEOF.
const REPLICAOF_ARGS: &[arg::Arg] = &[arg::oneof(
    "args",
    &[
        arg::block("host-port", &[arg::string("host"), arg::integer("port")]),
        arg::block("no-one", &[arg::token("no", "NO"), arg::token("one", "ONE")]),
    ],
)];

/// Replication-facing commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("role", 1, role)
        .flags(NOSCRIPT | LOADING | STALE | FAST | SENTINEL)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .doc("server", "Return the role of the instance in the context of replication", "2.8.12", "O(1)"),
    CommandSpec::new("wait", 3, wait)
        .flags(NOSCRIPT)
        .acl(acl::CONNECTION)
        .tips(&["request_policy:all_shards", "response_policy:agg_min"])
        .doc(
            "generic",
            "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
            "3.0.0",
            "O(1)",
        )
        .args(&[arg::integer("numreplicas"), arg::integer("timeout")]),
    CommandSpec::new("replicaof", 3, replicaof)
        .flags(ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING)
        .doc("server", "Make the server a replica of another instance, or promote it as master.", "5.0.0", "O(1)")
        .args(REPLICAOF_ARGS),
    CommandSpec::new("slaveof", 3, replicaof)
        .flags(ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING)
        .doc("server", "Make the server a replica of another instance, or promote it as master.", "1.0.0", "O(1)")
        .deprecated("5.0.0", "`REPLICAOF`")
        .args(REPLICAOF_ARGS),
    CommandSpec::new("failover", -1, failover)
        .flags(ADMIN | NOSCRIPT | STALE)
        .doc("server", "Start a coordinated failover between this server and one of its replicas.", "6.2.0", "O(1)")
        .args(&[
            arg::block(
                "target",
                &[
                    arg::string("host"),
                    arg::integer("port"),
                    arg::token("force", "FORCE").optional(),
                ],
            ).token("TO").optional(),
            arg::token("abort", "ABORT").optional(),
            arg::integer("milliseconds").token("TIMEOUT").optional(),
        ]),
];

/// `master`, the replication offset (always 0) and no replicas.
fn role(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let out = ctx.out();
    out.array(3);
    out.bulk(b"master");
    out.int(0);
    out.array(0);
    Ok(Replied)
}

/// No replica ever acknowledges: asking for none answers 0 at once, asking
/// for some waits out the timeout (0: forever) and then answers 0.
fn wait(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let wanted = args.next_i64()?;
    let timeout =
        parse_i64(args.next_bytes()?).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    if wanted <= 0 || !ctx.may_block() {
        ctx.out().int(0);
        return Ok(Replied);
    }
    let deadline = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout as u64));
    Ok(Outcome::block(BlockRequest { keys: Vec::new(), deadline, on_timeout: TimeoutReply::Zero }))
}

/// `NO ONE` is what a master already is; following a master is refused.
fn replicaof(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (host, port) = (args.next_bytes()?, args.next_bytes()?);
    if is(host, "no") && is(port, "one") {
        ctx.out().ok();
        return Ok(Replied);
    }
    match parse_i64(port) {
        Some(port) if (0..=65535).contains(&port) => {
            Err(CmdError::err("REPLICAOF is not supported: ember has no replication"))
        }
        _ => Err(CmdError::err("Invalid master port")),
    }
}

/// Validates the arguments as Redis does, then answers as a master without
/// replicas.
fn failover(_ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let opts = parse_failover(args)?;
    if opts.abort {
        if opts.force || opts.to || opts.timeout > 0 {
            return Err(CmdError::Syntax);
        }
        return Err(CmdError::err("No failover in progress."));
    }
    Err(CmdError::err("FAILOVER requires connected replicas."))
}

/// FAILOVER's options.
#[derive(Debug, Default, PartialEq)]
struct Failover {
    /// `TO host port` was given.
    to: bool,
    /// `TIMEOUT ms` (0: none).
    timeout: i64,
    force: bool,
    abort: bool,
}

/// Reads FAILOVER's options in Redis's order: each at most once, `TO` and
/// `TIMEOUT` only with their values present.
fn parse_failover(args: &mut Args<'_>) -> Result<Failover, CmdError> {
    let mut o = Failover::default();
    while let Some(a) = args.next() {
        if is(a, "to") && args.remaining() >= 2 && !o.to {
            let _host = args.next_bytes()?;
            args.next_i64()?;
            o.to = true;
        } else if is(a, "timeout") && args.has_more() && o.timeout <= 0 {
            o.timeout = args.next_i64()?;
            if o.timeout <= 0 {
                return Err(CmdError::err("FAILOVER timeout must be greater than 0"));
            }
        } else if is(a, "force") && !o.force {
            o.force = true;
        } else if is(a, "abort") && !o.abort {
            o.abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::with_args;

    #[test]
    fn failover_options() {
        let check = |line: &str, want: Result<Failover, &str>| {
            let got = with_args(line, 1, parse_failover).map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(String::from), "{line}");
        };
        let f = |to, timeout, force, abort| Ok(Failover { to, timeout, force, abort });
        check("failover", f(false, 0, false, false));
        check("failover to h 6379 timeout 50 force", f(true, 50, true, false));
        check("failover ABORT", f(false, 0, false, true));
        check("failover to h x", Err("ERR value is not an integer or out of range"));
        check("failover to h", Err("ERR syntax error"));
        check("failover to h 1 to h 2", Err("ERR syntax error"));
        check("failover timeout 0", Err("ERR FAILOVER timeout must be greater than 0"));
        check("failover timeout 5 timeout 6", Err("ERR syntax error"));
        check("failover timeout", Err("ERR syntax error"));
        check("failover force force", Err("ERR syntax error"));
        check("failover bogus", Err("ERR syntax error"));
    }
}
