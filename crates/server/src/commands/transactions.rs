//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! MULTI queues each command as received; EXEC runs them back to back (no
//! other client runs in between, since one thread runs every command) and
//! replies with an array of their replies. WATCHed keys that change before
//! EXEC make it reply with a null array.

use ember_resp::{Command, CommandDecoder, Limits};

use crate::client::Multi;
use crate::command::{acl, flags::*, CommandSpec, Ctx};
use crate::commands::common::unwatch_all;
use crate::error::{CmdError, CmdResult};
use crate::server::execute;

const TX: u32 = acl::TRANSACTION;
const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// Transaction commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        TX,
        NOKEYS,
        "transactions",
        "1.2.0",
        "Starts a transaction.",
        multi,
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        TX,
        NOKEYS,
        "transactions",
        "1.2.0",
        "Executes all commands in a transaction.",
        exec,
    )
    .complexity("Depends on commands in the transaction"),
    CommandSpec::new(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        TX,
        NOKEYS,
        "transactions",
        "2.0.0",
        "Discards a transaction.",
        discard,
    )
    .complexity("O(N), when N is the number of queued commands"),
    CommandSpec::new(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        TX,
        (1, -1, 1),
        "transactions",
        "2.2.0",
        "Monitors changes to keys to determine the execution of a transaction.",
        watch,
    )
    .syntax("key [key ...]")
    .complexity("O(1) for every key."),
    CommandSpec::new(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        TX,
        NOKEYS,
        "transactions",
        "2.2.0",
        "Forgets about watched keys of a transaction.",
        unwatch,
    )
    .complexity("O(1)"),
];

fn multi(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Multi::default());
    ctx.out().ok();
    Ok(())
}

fn exec(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let Some(tx) = ctx.client.multi.take() else {
        return Err(CmdError::err("EXEC without MULTI"));
    };
    let dirty = ctx.srv.events.is_dirty(ctx.client.id);
    unwatch_all(ctx);
    if tx.aborted {
        return Err(CmdError::Other("EXECABORT Transaction discarded because of previous errors.".into()));
    }
    if dirty {
        ctx.out().null_array();
        return Ok(());
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
    Ok(())
}

fn discard(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    if ctx.client.multi.take().is_none() {
        return Err(CmdError::err("DISCARD without MULTI"));
    }
    unwatch_all(ctx);
    ctx.out().ok();
    Ok(())
}

fn watch(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::err("WATCH inside MULTI is not allowed"));
    }
    let db = ctx.client.db;
    for key in cmd.iter().skip(1) {
        if !ctx.client.watched.iter().any(|(d, k)| *d == db && k == key) {
            ctx.client.watched.push((db, key.to_vec()));
            ctx.srv.events.watch(ctx.client.id, db, key);
        }
    }
    ctx.out().ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    unwatch_all(ctx);
    ctx.out().ok();
    Ok(())
}
