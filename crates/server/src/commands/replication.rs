//! The replication-facing commands a lone Redis master answers: ROLE, WAIT,
//! REPLICAOF / SLAVEOF and FAILOVER. ember has no replication, so it is
//! always a master without replicas: WAIT counts no acknowledgements (and
//! blocks for its timeout when asked for more, as Redis does),
//! `REPLICAOF NO ONE` is accepted, and following a master is refused.

use ember_resp::Command;

use crate::blocking::{BlockRequest, TimeoutReply};
use crate::command::{acl, flags::*, int_arg, is, parse_i64, CommandSpec, Ctx};
use crate::error::{CmdError, CmdResult};

const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// Replication-facing commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("role", 1, NOSCRIPT | LOADING | STALE | FAST, acl::ADMIN | acl::DANGEROUS, NOKEYS, "server", "2.8.12", "Returns the replication role.", role)
        .complexity("O(1)"),
    CommandSpec::new("wait", 3, NOSCRIPT, acl::CONNECTION, NOKEYS, "generic", "3.0.0", "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.", wait)
        .syntax("numreplicas timeout")
        .complexity("O(1)"),
    CommandSpec::new("replicaof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, 0, NOKEYS, "server", "5.0.0", "Configures a server as replica of another, or promotes it to a master.", replicaof)
        .syntax("<host port | NO ONE>")
        .complexity("O(1)"),
    CommandSpec::new("slaveof", 3, ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, 0, NOKEYS, "server", "1.0.0", "Sets a Redis server as a replica of another, or promotes it to being a master.", replicaof)
        .syntax("<host port | NO ONE>")
        .complexity("O(1)"),
    CommandSpec::new("failover", -1, ADMIN | NOSCRIPT | STALE, 0, NOKEYS, "server", "6.2.0", "Starts a coordinated failover from a server to one of its replicas.", failover)
        .syntax("[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]")
        .complexity("O(1)"),
];

/// `master`, the replication offset (always 0) and no replicas.
fn role(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let out = ctx.out();
    out.array(3);
    out.bulk(b"master");
    out.int(0);
    out.array(0);
    Ok(())
}

/// No replica ever acknowledges: asking for none answers 0 at once, asking
/// for some waits out the timeout (0: forever) and then answers 0.
fn wait(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let wanted = int_arg(cmd.arg(1))?;
    let timeout = parse_i64(cmd.arg(2)).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    if wanted <= 0 || !ctx.may_block() {
        ctx.out().int(0);
        return Ok(());
    }
    let deadline = (timeout > 0).then(|| ctx.now_ms.saturating_add(timeout as u64));
    ctx.block = Some(BlockRequest { keys: Vec::new(), deadline, on_timeout: TimeoutReply::Zero });
    Ok(())
}

/// `NO ONE` is what a master already is; following a master is refused.
fn replicaof(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    if is(cmd.arg(1), "no") && is(cmd.arg(2), "one") {
        ctx.out().ok();
        return Ok(());
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
fn failover(_ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
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
