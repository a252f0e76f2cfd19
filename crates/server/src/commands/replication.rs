//! The replication-facing commands a lone Redis master answers: ROLE, WAIT,
//! REPLICAOF / SLAVEOF and FAILOVER. ember has no replication, so it is
//! always a master without replicas: WAIT counts no acknowledgements (and
//! blocks for its timeout when asked for more, as Redis does),
//! `REPLICAOF NO ONE` is accepted, and following a master is refused.

use crate::blocking::{BlockRequest, TimeoutReply};
use crate::command::prelude::*;
use crate::command::{int_arg, is, parse_i64};

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
        .args(&[
            arg::oneof(
                "args",
                &[
                    arg::block("host-port", &[arg::string("host"), arg::integer("port")]),
                    arg::block("no-one", &[arg::token("no", "NO"), arg::token("one", "ONE")]),
                ],
            ),
        ]),
    CommandSpec::new("slaveof", 3, replicaof)
        .flags(ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING)
        .doc("server", "Make the server a replica of another instance, or promote it as master.", "1.0.0", "O(1)")
        .deprecated("5.0.0", "`REPLICAOF`")
        .args(&[
            arg::oneof(
                "args",
                &[
                    arg::block("host-port", &[arg::string("host"), arg::integer("port")]),
                    arg::block("no-one", &[arg::token("no", "NO"), arg::token("one", "ONE")]),
                ],
            ),
        ]),
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
fn role(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
    let out = ctx.out();
    out.array(3);
    out.bulk(b"master");
    out.int(0);
    out.array(0);
    Ok(Replied)
}

/// No replica ever acknowledges: asking for none answers 0 at once, asking
/// for some waits out the timeout (0: forever) and then answers 0.
fn wait(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let wanted = int_arg(cmd.arg(1))?;
    let timeout = parse_i64(cmd.arg(2)).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    if wanted <= 0 || !ctx.may_block() {
        ctx.out().int(0);
        return Ok(Replied);
    }
    let deadline = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout as u64));
    Ok(Outcome::Block(BlockRequest { keys: Vec::new(), deadline, on_timeout: TimeoutReply::Zero }))
}

/// `NO ONE` is what a master already is; following a master is refused.
fn replicaof(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    if is(cmd.arg(1), "no") && is(cmd.arg(2), "one") {
        ctx.out().ok();
        return Ok(Replied);
    }
    match parse_i64(cmd.arg(2)) {
        Some(port) if (0..=65535).contains(&port) => {
            Err(CmdError::err("REPLICAOF is not supported: ember has no replication"))
        }
        _ => Err(CmdError::err("Invalid master port")),
    }
}

/// Validates the arguments as Redis does, then answers as a master without
/// replicas.
fn failover(_ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let (mut to, mut timeout, mut force, mut abort) = (false, 0i64, false, false);
    let argc = cmd.len();
    let mut i = 1;
    while i < argc {
        let a = cmd.arg(i);
        if is(a, "to") && i + 2 < argc && !to {
            int_arg(cmd.arg(i + 2))?;
            to = true;
            i += 2;
        } else if is(a, "timeout") && i + 1 < argc && timeout <= 0 {
            timeout = int_arg(cmd.arg(i + 1))?;
            if timeout <= 0 {
                return Err(CmdError::err("FAILOVER timeout must be greater than 0"));
            }
            i += 1;
        } else if is(a, "force") && !force {
            force = true;
        } else if is(a, "abort") && !abort {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if abort {
        if force || to || timeout > 0 {
            return Err(CmdError::Syntax);
        }
        return Err(CmdError::err("No failover in progress."));
    }
    Err(CmdError::err("FAILOVER requires connected replicas."))
}
