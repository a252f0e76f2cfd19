//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! MULTI queues each command as received; EXEC runs them back to back (no
//! other client runs in between, since one thread runs every command) and
//! replies with an array of their replies. WATCHed keys that change before
//! EXEC make it reply with a null array.

use ember_resp::{CommandDecoder, Limits};

use crate::client::Multi;
use crate::command::prelude::*;
use crate::commands::common::unwatch_all;
use crate::dispatch::execute;

/// Transaction commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("multi", 1, multi)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TXN_CONTROL)
        .acl(acl::TRANSACTION)
        .doc("transactions", "Mark the start of a transaction block", "1.2.0", "O(1)"),
    CommandSpec::new("exec", 1, exec)
        .flags(NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | TXN_CONTROL | TXN_END | RUNS_QUEUED)
        .acl(acl::TRANSACTION)
        .doc(
            "transactions",
            "Execute all commands issued after MULTI",
            "1.2.0",
            "Depends on commands in the transaction",
        ),
    CommandSpec::new("discard", 1, discard)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TXN_CONTROL | TXN_END)
        .acl(acl::TRANSACTION)
        .doc(
            "transactions",
            "Discard all commands issued after MULTI",
            "2.0.0",
            "O(N), when N is the number of queued commands",
        ),
    CommandSpec::new("watch", -2, watch)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | TXN_CONTROL)
        .acl(acl::TRANSACTION)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO)])
        .doc(
            "transactions",
            "Watch the given keys to determine execution of the MULTI/EXEC block",
            "2.2.0",
            "O(1) for every key.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("unwatch", 1, unwatch)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY)
        .acl(acl::TRANSACTION)
        .doc("transactions", "Forget about all watched keys", "2.2.0", "O(1)"),
];

fn multi(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Multi::default());
    ctx.out().ok();
    Ok(Replied)
}

fn exec(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let Some(tx) = ctx.client.multi.take() else {
        return Err(CmdError::err("EXEC without MULTI"));
    };
    let dirty = ctx.srv.events.is_dirty(ctx.client.id);
    unwatch_all(ctx);
    if tx.aborted {
        return Err(CmdError::ExecAbortPrevious);
    }
    if dirty {
        ctx.out().null_array();
        return Ok(Replied);
    }
    ctx.out().array(tx.queued.len());
    ctx.client.in_exec = true;
    let mut decoder = CommandDecoder::new(Limits { max_bulk_len: u64::MAX, ..Limits::default() });
    for raw in &tx.queued {
        if let Ok(Some(cmd)) = decoder.decode(raw) {
            execute(ctx.srv, ctx.client, &cmd, raw, ctx.now_ms);
        }
        decoder.reset();
    }
    ctx.client.in_exec = false;
    Ok(Replied)
}

fn discard(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    if ctx.client.multi.take().is_none() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    unwatch_all(ctx);
    ctx.out().ok();
    Ok(Replied)
}

fn watch(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    let db = ctx.client.db;
    for key in args.rest() {
        if !ctx.client.watched.iter().any(|(d, k)| *d == db && k == key) {
            ctx.client.watched.push((db, key.to_vec()));
            ctx.srv.events.watch(ctx.client.id, db, key);
        }
    }
    ctx.out().ok();
    Ok(Replied)
}

fn unwatch(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    unwatch_all(ctx);
    ctx.out().ok();
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gate treats these commands by their flags alone: check them.
    #[test]
    fn control_flags() {
        let flags = |name: &str| COMMANDS.iter().find(|c| c.name == name).map(|c| c.flags).unwrap_or_default();
        let has = |name: &str, f: u64| flags(name) & f != 0;
        // Run at once inside MULTI instead of being queued; UNWATCH is queued.
        for name in ["multi", "exec", "discard", "watch"] {
            assert!(has(name, TXN_CONTROL), "{name}");
        }
        assert!(!has("unwatch", TXN_CONTROL));
        // End the transaction, so they are allowed when out of memory.
        for (name, ends) in [("exec", true), ("discard", true), ("multi", false), ("watch", false)] {
            assert_eq!(has(name, TXN_END), ends, "{name}");
        }
        // Only EXEC runs the queue; nothing here may run in a script.
        for c in COMMANDS {
            assert_eq!(c.has(RUNS_QUEUED), c.name == "exec", "{}", c.name);
            assert!(c.has(NOSCRIPT), "{}", c.name);
        }
    }
}
