//! The snapshot commands: SAVE, BGSAVE, LASTSAVE, and SHUTDOWN (which saves
//! before exiting unless told not to); the work is done by
//! [`crate::persistence`].

use crate::command::is;
use crate::command::prelude::*;
use crate::state::{SaveOnExit, Shutdown};

/// SAVE, BGSAVE, LASTSAVE, SHUTDOWN.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("save", 1, save).flags(ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI).doc(
        "server",
        "Synchronously save the dataset to disk",
        "1.0.0",
        "O(N) where N is the total number of keys in all databases",
    ),
    CommandSpec::new("bgsave", -1, bgsave)
        .flags(ADMIN | NOSCRIPT | NO_ASYNC_LOADING)
        .doc("server", "Asynchronously save the dataset to disk", "1.0.0", "O(1)")
        .history(&[("3.2.2", "Added the `SCHEDULE` option.")])
        .args(&[arg::token("schedule", "SCHEDULE").since("3.2.2").optional()]),
    CommandSpec::new("lastsave", 1, lastsave)
        .flags(LOADING | STALE | FAST)
        .acl(acl::ADMIN | acl::DANGEROUS)
        .tips(&["nondeterministic_output"])
        .doc("server", "Get the UNIX time stamp of the last successful save to disk", "1.0.0", "O(1)"),
    CommandSpec::new("shutdown", -1, shutdown)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY)
        .doc(
            "server",
            "Synchronously save the dataset to disk and then shut down the server",
            "1.0.0",
            "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        )
        .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")])
        .args(&[
            arg::oneof("nosave_save", &[arg::token("nosave", "NOSAVE"), arg::token("save", "SAVE")]).optional(),
            arg::token("now", "NOW").since("7.0.0").optional(),
            arg::token("force", "FORCE").since("7.0.0").optional(),
            arg::token("abort", "ABORT").since("7.0.0").optional(),
        ]),
];

fn shutdown(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let ShutdownOpts { nosave, save, force, .. } = shutdown_opts(args)?;
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
    Ok(Replied)
}

/// SHUTDOWN's modifiers.
#[derive(Debug, Default, PartialEq)]
struct ShutdownOpts {
    nosave: bool,
    save: bool,
    now: bool,
    force: bool,
}

/// Reads SHUTDOWN's modifiers as Redis 7.0 does: any of them in any order;
/// NOSAVE with SAVE, or ABORT with any other, is a syntax error; ABORT alone
/// has no shutdown to abort.
fn shutdown_opts(args: &mut Args<'_>) -> Result<ShutdownOpts, CmdError> {
    let (mut o, mut abort) = (ShutdownOpts::default(), false);
    while args.has_more() {
        match args.next_keyword(&["NOSAVE", "SAVE", "NOW", "FORCE", "ABORT"])? {
            0 => o.nosave = true,
            1 => o.save = true,
            2 => o.now = true,
            3 => o.force = true,
            _ => abort = true,
        }
    }
    if (abort && o != ShutdownOpts::default()) || (o.nosave && o.save) {
        return Err(CmdError::Syntax);
    }
    if abort {
        return Err(CmdError::err("No shutdown in progress."));
    }
    Ok(o)
}

fn save(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    crate::persistence::save(ctx.srv).map_err(CmdError::from_line)?;
    ctx.out().ok();
    Ok(Replied)
}

fn bgsave(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let schedule = match args.next() {
        None => false,
        Some(a) if is(a, "SCHEDULE") && !args.has_more() => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    if ctx.srv.persistence.child.is_some() {
        if schedule {
            ctx.srv.persistence.scheduled = true;
            ctx.out().simple("Background saving scheduled");
            return Ok(Replied);
        }
        return Err(CmdError::err("Background save already in progress"));
    }
    crate::persistence::bgsave(ctx.srv).map_err(CmdError::from_line)?;
    ctx.out().simple("Background saving started");
    Ok(Replied)
}

fn lastsave(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let t = ctx.srv.persistence.last_save as i64;
    ctx.out().int(t);
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::with_args;

    #[test]
    fn shutdown_modifiers() {
        let check = |line: &str, want: Result<ShutdownOpts, &str>| {
            let got = with_args(line, 1, shutdown_opts).map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(String::from), "{line}");
        };
        let o = |nosave, save, now, force| Ok(ShutdownOpts { nosave, save, now, force });
        check("shutdown", o(false, false, false, false));
        check("shutdown nosave NOW force", o(true, false, true, true));
        check("shutdown save save", o(false, true, false, false));
        check("shutdown nosave save", Err("ERR syntax error"));
        check("shutdown bogus", Err("ERR syntax error"));
        check("shutdown abort", Err("ERR No shutdown in progress."));
        check("shutdown abort abort", Err("ERR No shutdown in progress."));
        check("shutdown abort nosave", Err("ERR syntax error"));
        check("shutdown now abort", Err("ERR syntax error"));
        check("shutdown abort bogus", Err("ERR syntax error"));
    }
}
