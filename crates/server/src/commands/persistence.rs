//! The snapshot commands: SAVE, BGSAVE, LASTSAVE, and SHUTDOWN (which saves
//! before exiting unless told not to); the work is done by
//! [`crate::persistence`].

use ember_resp::Command;

use crate::command::{flags::*, is, CommandSpec, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::server::{SaveOnExit, Shutdown};

const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// SAVE, BGSAVE, LASTSAVE, SHUTDOWN.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Synchronously saves the database(s) to disk.",
        save,
    )
    .complexity("O(N) where N is the total number of keys in all databases"),
    CommandSpec::new(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Asynchronously saves the database(s) to disk.",
        bgsave,
    )
    .syntax("[SCHEDULE]")
    .complexity("O(1)"),
    CommandSpec::new(
        "lastsave",
        1,
        LOADING | STALE | FAST,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Returns the Unix timestamp of the last successful save to disk.",
        lastsave,
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        0,
        NOKEYS,
        "server",
        "1.0.0",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
        shutdown,
    )
    .syntax("[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]")
    .complexity(
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
    ),
];

fn shutdown(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (mut nosave, mut save, mut force) = (false, false, false);
    for opt in cmd.iter().skip(1) {
        if is(opt, "NOSAVE") {
            nosave = true;
        } else if is(opt, "SAVE") {
            save = true;
        } else if is(opt, "NOW") {
        } else if is(opt, "FORCE") {
            force = true;
        } else if is(opt, "ABORT") {
            return Err(CmdError::err("No shutdown in progress."));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if nosave && save {
        return Err(CmdError::Syntax);
    }
    // Save here, so that a failure can be reported to this client.
    if save || (!nosave && !ctx.srv.config.save.is_empty()) {
        if let Some(child) = ctx.srv.persistence.child.take() {
            let _ = nix::sys::signal::kill(child.pid, nix::sys::signal::Signal::SIGUSR1);
            let _ = nix::sys::wait::waitpid(child.pid, None);
        }
        if crate::persistence::save(ctx.srv).is_err() && !force {
            return Err(CmdError::err("Errors trying to SHUTDOWN. Check logs."));
        }
    }
    ctx.srv.shutdown = Some(Shutdown { save: SaveOnExit::Never, force: false });
    // Redis closes the connection without a reply on success.
    ctx.client.close_after_reply = true;
    Ok(())
}

fn save(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    crate::persistence::save(ctx.srv).map_err(|e| CmdError::Other(e.into()))?;
    ctx.out().ok();
    Ok(())
}

fn bgsave(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let schedule = match cmd.get(1) {
        None => false,
        Some(a) if is(a, "SCHEDULE") && cmd.len() == 2 => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    if ctx.srv.persistence.child.is_some() {
        if schedule {
            ctx.srv.persistence.scheduled = true;
            ctx.out().simple("Background saving scheduled");
            return Ok(());
        }
        return Err(CmdError::err("Background save already in progress"));
    }
    crate::persistence::bgsave(ctx.srv).map_err(|e| CmdError::Other(e.into()))?;
    ctx.out().simple("Background saving started");
    Ok(())
}

fn lastsave(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let t = ctx.srv.persistence.last_save as i64;
    ctx.out().int(t);
    Ok(())
}
