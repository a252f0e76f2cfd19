//! One request, one path: **lookup** (the table finds the spec and checks
//! arity) → **gate** (the spec's flags decide every refusal, through one
//! reject path) → **handler** (reads its arguments with the cursor, replies
//! or asks to block) → **after** (the one place that sees a command's
//! effects: stats, slow log, latency, keyspace notifications, WATCH and
//! blocked-client wake-ups, MONITOR).
//!
//! Nothing here compares command names: what a command is allowed to do is
//! data in its [`CommandSpec`] (Redis's flags plus ember's gate flags such
//! as `TXN_CONTROL` or `SUBSCRIBED_OK`).

use ember_resp::{Command, Protocol};

use crate::blocking::{BlockRequest, Blocked};
use crate::client::{Client, ReplyMode};
use crate::command::flags::*;
use crate::command::{keys, registry, Args, CmdResult, CommandSpec, Ctx, Outcome};
use crate::error::CmdError;
use crate::state::{unix_us, Shared};

/// Runs one command for `client`. `raw` is the command as received (queued
/// by MULTI, kept by a blocked client to run again).
///
/// The command's duration is `srv.cmd_start_us` (set by the caller when a
/// batch starts, and by each command as it ends) to one clock reading here.
pub fn execute(srv: &mut Shared, client: &mut Client, cmd: &Command<'_>, raw: &[u8], now_ms: u64) {
    let Found { idx, spec, first_arg } = match lookup(cmd) {
        Ok(found) => found,
        Err(refused) => return refuse_lookup(srv, client, cmd, refused),
    };
    // The common case passes the gate on one test: nothing about the
    // command, the client or the server asks for a refusal to be checked.
    let plain = !spec.has(PROTECTED)
        & client.authenticated
        & client.multi.is_none()
        & client.subs.is_none()
        & (srv.config.maxmemory == 0)
        & !crate::persistence::writes_refused(srv);
    if !plain {
        if let Err(e) = gate(srv, client, spec, now_ms) {
            return reject(srv, client, Some(idx), Some(spec), e);
        }
        if client.multi.is_some() && !spec.has(TXN_CONTROL) {
            return queue(client, spec, raw);
        }
    }
    run(srv, client, idx, spec, cmd, first_arg, raw, now_ms);
}

/// The command a request names.
struct Found {
    /// Its index in the table (for its stats).
    idx: usize,
    spec: &'static CommandSpec,
    /// Where its own arguments start (after a subcommand's name).
    first_arg: usize,
}

/// Why the table refuses a request (the error is built on the cold path).
enum Refused {
    /// No such command.
    Unknown,
    /// No such subcommand of a container.
    UnknownSub,
    /// The wrong number of arguments for the command at this index.
    Arity(usize),
}

/// Finds the spec for a command (descending into a container's
/// subcommands) and checks its arity.
#[inline]
fn lookup(cmd: &Command<'_>) -> Result<Found, Refused> {
    let reg = registry();
    let Some(idx) = reg.lookup(cmd.arg(0)) else {
        return Err(Refused::Unknown);
    };
    let spec = reg.specs[idx];
    if spec.subcommands.is_empty() || (cmd.len() < 2 && spec.arity_ok(1)) {
        if !spec.arity_ok(cmd.len()) {
            return Err(Refused::Arity(idx));
        }
        return Ok(Found { idx, spec, first_arg: 1 });
    }
    if cmd.len() < 2 {
        return Err(Refused::Arity(idx));
    }
    let Some(sub) = reg.lookup_sub(idx, cmd.arg(1)) else {
        return Err(Refused::UnknownSub);
    };
    let spec = reg.specs[sub];
    if !spec.arity_ok(cmd.len()) {
        return Err(Refused::Arity(sub));
    }
    Ok(Found { idx: sub, spec, first_arg: 2 })
}

/// Answers a request the table refuses.
#[cold]
#[inline(never)]
fn refuse_lookup(srv: &mut Shared, client: &mut Client, cmd: &Command<'_>, refused: Refused) {
    match refused {
        Refused::Unknown => reject(srv, client, None, None, unknown_command(cmd)),
        Refused::UnknownSub => reject(srv, client, None, None, unknown_subcommand(cmd)),
        Refused::Arity(idx) => {
            let spec = registry().specs[idx];
            reject(srv, client, Some(idx), Some(spec), CmdError::Arity(spec.fullname.into()))
        }
    }
}

/// The refusals, in Redis 7.0's order (processCommand): protected commands,
/// authentication, `no_multi` inside MULTI, memory, a failed save, the
/// RESP2 subscribed context. Each is a test of the spec's flags against
/// the server's and the client's state. Kept out of line: `execute` calls
/// it only when one of them can apply.
#[inline(never)]
fn gate(srv: &mut Shared, client: &Client, spec: &'static CommandSpec, now_ms: u64) -> Result<(), CmdError> {
    if spec.has(PROTECTED) {
        check_protected(srv, client, spec)?;
    }
    if !client.authenticated && !spec.has(NO_AUTH) {
        return Err(CmdError::NoAuth);
    }
    if client.multi.is_some() && spec.has(NO_MULTI) {
        return Err(CmdError::NotInMulti);
    }
    let flags = effective_flags(spec, client);
    if srv.config.maxmemory != 0 && !client.in_exec && client.blocked.is_none() {
        check_memory(srv, client, spec, flags, now_ms)?;
    }
    if (flags & WRITE != 0 || spec.has(HEALTH_CHECK)) && crate::persistence::writes_refused(srv) {
        return Err(CmdError::Misconf);
    }
    if client.subs.is_some() && !spec.has(SUBSCRIBED_OK) && client.out.proto == Protocol::Resp2 && !client.in_exec {
        return Err(CmdError::SubscribedContext(spec.fullname));
    }
    Ok(())
}

/// The flags the gate judges a command by: its own, and for EXEC those of
/// the commands it is about to run (any of them writing or taking memory
/// makes EXEC do so; all of them must be allowed while loading or stale).
#[inline]
fn effective_flags(spec: &CommandSpec, client: &Client) -> u64 {
    let mut f = spec.flags;
    if spec.has(RUNS_QUEUED) {
        if let Some(m) = &client.multi {
            f |= m.flags_any & (WRITE | DENYOOM | MAY_REPLICATE);
            f &= !(!m.flags_all & (LOADING | STALE));
        }
    }
    f
}

/// `enable-<name>-command`: `no` refuses the command, `local` lets in
/// local connections only.
#[cold]
fn check_protected(srv: &Shared, client: &Client, spec: &CommandSpec) -> Result<(), CmdError> {
    let param = format!("enable-{}-command", spec.name);
    let allowed = match srv.config.value(&param).as_deref() {
        Some("yes") => true,
        Some("local") => client.addr.is_local(),
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    Err(CmdError::err(format!(
        "{} command not allowed. If the {param} option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        spec.name.to_ascii_uppercase()
    )))
}

/// With `maxmemory` set: evicts as needed (see [`crate::evict`]); when
/// nothing is left to evict, refuses a `denyoom` command (or an EXEC whose
/// transaction holds one) and, inside MULTI, every command but those that
/// end the transaction (queueing takes memory too), as Redis does.
#[inline(never)]
fn check_memory(
    srv: &mut Shared,
    client: &Client,
    spec: &CommandSpec,
    flags: u64,
    now_ms: u64,
) -> Result<(), CmdError> {
    if crate::evict::perform(srv, now_ms) != crate::evict::Outcome::Fail {
        return Ok(());
    }
    if flags & DENYOOM != 0 || (client.multi.is_some() && !spec.has(TXN_END)) {
        return Err(CmdError::Oom);
    }
    Ok(())
}

/// The one exit for a refused command: counts it against the command
/// (`rejected_calls`), flags an open transaction so EXEC aborts, turns a
/// refused EXEC into EXECABORT (discarding the transaction), and replies.
#[cold]
#[inline(never)]
fn reject(srv: &mut Shared, client: &mut Client, idx: Option<usize>, spec: Option<&'static CommandSpec>, e: CmdError) {
    if let Some(i) = idx {
        srv.stats.commands[i].rejected_calls += 1;
    }
    if let Some(m) = client.multi.as_mut() {
        m.aborted = true;
    }
    let e = if spec.is_some_and(|s| s.has(RUNS_QUEUED)) {
        client.multi = None;
        let keys = std::mem::take(&mut client.watched);
        srv.events.unwatch(client.id, &keys);
        CmdError::ExecAbort(Box::new(e))
    } else {
        e
    };
    reply_error(srv, client, &e);
}

/// Inside MULTI: keeps the command as received for EXEC, with its flags for
/// the gate's judgement of EXEC.
fn queue(client: &mut Client, spec: &CommandSpec, raw: &[u8]) {
    if let Some(m) = client.multi.as_mut() {
        m.queued.push(raw.to_vec());
        m.flags_any |= spec.flags;
        m.flags_all &= spec.flags;
    }
    client.out.simple("QUEUED");
}

/// Runs the handler, then [`after`].
#[inline]
#[allow(clippy::too_many_arguments)]
fn run(
    srv: &mut Shared,
    client: &mut Client,
    idx: usize,
    spec: &'static CommandSpec,
    cmd: &Command<'_>,
    first_arg: usize,
    raw: &[u8],
    now_ms: u64,
) {
    let reply_start = client.out.buf.len();
    let skip = match client.reply_mode {
        ReplyMode::On => false,
        ReplyMode::Off => true,
        ReplyMode::Skip => {
            client.reply_mode = ReplyMode::SkipThis;
            true
        }
        ReplyMode::SkipThis => {
            client.reply_mode = ReplyMode::On;
            false
        }
    };
    // A blocked client's command runs again when a key it waits on is
    // touched: it is the same request, not a new one (MONITOR saw it once).
    let rerun = client.blocked.is_some();
    client.last_cmd = spec.fullname;
    let dirty_before = srv.dirty;
    let started = srv.cmd_start_us;
    let mut args = Args::new(cmd, first_arg);
    let result = {
        let mut ctx = Ctx { srv: &mut *srv, client: &mut *client, now_ms };
        (spec.handler)(&mut ctx, &mut args)
    };
    after(srv, client, Ran { idx, spec, cmd, raw, now_ms, started, dirty_before, reply_start, skip, rerun }, result);
}

/// What `after` needs to know about the command that ran.
struct Ran<'c, 'a> {
    idx: usize,
    spec: &'static CommandSpec,
    cmd: &'c Command<'a>,
    raw: &'c [u8],
    now_ms: u64,
    /// Monotonic µs at which it started.
    started: u64,
    /// `srv.dirty` before it ran.
    dirty_before: u64,
    /// Where its reply starts in the output buffer.
    reply_start: usize,
    /// CLIENT REPLY OFF / SKIP discards its reply.
    skip: bool,
    /// A blocked command running again.
    rerun: bool,
}

/// The one place that sees a command's effects.
#[inline]
fn after(srv: &mut Shared, client: &mut Client, ran: Ran<'_, '_>, result: CmdResult) {
    let Ran { idx, spec, cmd, raw, now_ms, started, dirty_before, reply_start, skip, rerun } = ran;
    let ended = srv.clock.mono_us();
    srv.cmd_start_us = ended;
    let usec = ended.saturating_sub(started);
    let st = &mut srv.stats.commands[idx];
    st.calls += 1;
    st.usec += usec;
    if srv.config.latency_tracking {
        st.latency.record_us(usec);
    }
    srv.stats.total_commands_processed += 1;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => {
            srv.stats.commands[idx].failed_calls += 1;
            reply_error(srv, client, &e);
            Outcome::Replied
        }
    };
    if srv.notify_mask & crate::pubsub::STORE_CLASSES != 0 {
        crate::pubsub::notify_key_events(srv, Some(&mut *client));
    }
    // A script's own commands touched the keys they changed; its declared
    // keys need not have been written.
    if srv.dirty > dirty_before && !srv.events.is_idle() && !spec.has(RUNS_SCRIPT) {
        keys::for_each_key(spec, cmd, |p| srv.events.touched(client.db, cmd.arg(p)));
    }
    match outcome {
        Outcome::Block(req) => block(srv, client, *req, raw),
        Outcome::Replied if client.blocked.is_some() => unblock(srv, client),
        Outcome::Replied => {}
    }
    if skip && client.reply_mode != ReplyMode::On {
        client.out.buf.truncate(reply_start);
        if client.reply_mode == ReplyMode::SkipThis {
            client.reply_mode = ReplyMode::On;
        }
    }
    if !srv.monitor.clients.is_empty() && !rerun && !spec.has(SKIP_MONITOR | ADMIN) {
        feed_monitor(srv, client, cmd);
    }
    let threshold = srv.config.slowlog_log_slower_than;
    if threshold >= 0 && usec >= threshold as u64 && !spec.has(SKIP_SLOWLOG) {
        let max = srv.config.slowlog_max_len as usize;
        srv.slowlog.push(now_ms, usec, cmd, client, max);
    }
    let spike = srv.config.latency_monitor_threshold;
    if spike > 0 && usec / 1000 >= spike && !spec.has(SKIP_SLOWLOG) {
        let event = if spec.has(FAST) { "fast-command" } else { "command" };
        srv.latency.add(event, now_ms / 1000, usec / 1000);
    }
}

/// A blocking command found nothing to take: the client starts waiting (or,
/// woken without anything for it, keeps its place).
#[cold]
fn block(srv: &mut Shared, client: &mut Client, req: BlockRequest, raw: &[u8]) {
    if client.blocked.is_none() {
        srv.events.block(client.id, client.db, &req);
        client.blocked = Some(Blocked { db: client.db, req, raw: raw.to_vec() });
    }
}

/// A woken client got its reply: it stops waiting.
#[cold]
fn unblock(srv: &mut Shared, client: &mut Client) {
    if let Some(state) = client.blocked.take() {
        srv.events.unblock(client.id, &state);
    }
}

/// Writes an error reply and counts it (INFO errorstats).
pub fn reply_error(srv: &mut Shared, client: &mut Client, e: &CmdError) {
    srv.count_error(e);
    client.out.error(&e.to_string());
}

/// At most this many bytes of a name or of the arguments go into an
/// unknown-command error, as in Redis.
const ECHO_LIMIT: usize = 128;

/// `ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
#[cold]
fn unknown_command(cmd: &Command<'_>) -> CmdError {
    let name = cmd.arg(0);
    let name = name[..name.len().min(ECHO_LIMIT)].into();
    let mut args = Vec::new();
    for a in cmd.iter().skip(1) {
        let room = ECHO_LIMIT.saturating_sub(args.len());
        if room == 0 {
            break;
        }
        args.push(b'\'');
        args.extend_from_slice(&a[..a.len().min(room)]);
        args.extend_from_slice(b"' ");
    }
    CmdError::UnknownCommand { name, args: args.into() }
}

/// `ERR unknown subcommand 'foo'. Try CONFIG HELP.`, naming the container
/// as the client wrote it, upper-cased.
#[cold]
fn unknown_subcommand(cmd: &Command<'_>) -> CmdError {
    let sub = cmd.arg(1);
    CmdError::UnknownSubcommand {
        sub: sub[..sub.len().min(ECHO_LIMIT)].into(),
        command: String::from_utf8_lossy(cmd.arg(0)).to_ascii_uppercase().into(),
    }
}

/// Appends the MONITOR line of a command that ran.
fn feed_monitor(srv: &mut Shared, client: &Client, cmd: &Command<'_>) {
    use std::fmt::Write as _;
    let us = unix_us();
    let mut line = if client.stream.is_some() {
        format!("+{}.{:06} [{} {}]", us / 1_000_000, us % 1_000_000, client.db, client.addr.monitor_form())
    } else {
        format!("+{}.{:06} [{} lua]", us / 1_000_000, us % 1_000_000, client.db)
    };
    for a in cmd.iter() {
        line.push_str(" \"");
        for &b in a {
            match b {
                b'\\' => line.push_str("\\\\"),
                b'"' => line.push_str("\\\""),
                b'\n' => line.push_str("\\n"),
                b'\r' => line.push_str("\\r"),
                b'\t' => line.push_str("\\t"),
                0x07 => line.push_str("\\a"),
                0x08 => line.push_str("\\b"),
                b if b.is_ascii_graphic() || b == b' ' => line.push(b as char),
                b => {
                    let _ = write!(line, "\\x{b:02x}");
                }
            }
        }
        line.push('"');
    }
    line.push_str("\r\n");
    srv.monitor.feed.extend_from_slice(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use ember_resp::Frame;

    use crate::{Config, Engine};

    fn simple(s: &str) -> Frame {
        Frame::Simple(s.to_string().into())
    }
    fn error(s: &str) -> Frame {
        Frame::Error(s.to_string().into())
    }

    /// Subcommands of containers are queued inside MULTI like any command
    /// (the gate decides from flags, not from the container's name).
    #[test]
    fn container_subcommands_queue_inside_multi() {
        let mut e = Engine::new(Config::default());
        assert_eq!(e.call(&["MULTI"]), simple("OK"));
        assert_eq!(e.call(&["SLOWLOG", "RESET"]), simple("QUEUED"));
        assert_eq!(e.call(&["LATENCY", "RESET"]), simple("QUEUED"));
        assert_eq!(e.call(&["EXEC"]), Frame::Array(vec![simple("OK"), Frame::Integer(0)]));
    }

    #[test]
    fn unknown_subcommands_name_their_container() {
        let mut e = Engine::new(Config::default());
        assert_eq!(e.call(&["FUNCTION", "FOO"]), error("ERR unknown subcommand 'FOO'. Try FUNCTION HELP."));
        assert_eq!(e.call(&["CoNfIg", "foo"]), error("ERR unknown subcommand 'foo'. Try CONFIG HELP."));
        assert_eq!(e.call(&["CONFIG"]), error("ERR wrong number of arguments for 'config' command"));
    }

    /// Every refusal goes through one path: counted as rejected, and it
    /// aborts an open transaction; a refused EXEC discards it.
    #[test]
    fn refusals_abort_the_transaction() {
        let mut e = Engine::new(Config::default());
        assert_eq!(e.call(&["MULTI"]), simple("OK"));
        assert_eq!(e.call(&["GET"]), error("ERR wrong number of arguments for 'get' command"));
        assert_eq!(e.call(&["nosuch"]), error("ERR unknown command 'nosuch', with args beginning with: "));
        assert_eq!(e.call(&["EXEC"]), error("EXECABORT Transaction discarded because of previous errors."));
        assert_eq!(e.call(&["MULTI"]), simple("OK"));
        assert_eq!(
            e.call(&["EXEC", "x"]),
            error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
        );
        assert_eq!(e.call(&["EXEC"]), error("ERR EXEC without MULTI"));
        assert_eq!(e.call(&["MULTI"]), simple("OK"));
        assert_eq!(e.call(&["WATCH", "k"]), error("ERR WATCH inside MULTI is not allowed"));
        assert_eq!(e.call(&["EXEC"]), Frame::Array(vec![]), "a command's own error does not abort");
        let stats = e.call(&["INFO", "commandstats"]);
        let text = match &stats {
            Frame::Verbatim { data, .. } | Frame::Bulk(data) => String::from_utf8_lossy(data).into_owned(),
            other => panic!("{other:?}"),
        };
        assert!(
            text.contains("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"),
            "{text}"
        );
        assert!(
            text.contains("cmdstat_exec:calls=3,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=2"),
            "{text}"
        );
    }

    /// A write touches every key it wrote, also the ones only its key
    /// finder knows: SORT's STORE destination wakes a blocked client and
    /// fails a WATCHing transaction.
    #[test]
    fn keys_only_a_key_finder_knows_are_touched() {
        let mut e = Engine::new(Config::default());
        e.call(&["RPUSH", "src", "3", "1", "2"]);
        let watcher = e.open();
        assert_eq!(e.call_in(watcher, &["WATCH", "dst"]), Some(simple("OK")));
        assert_eq!(e.call_in(watcher, &["MULTI"]), Some(simple("OK")));
        assert_eq!(e.call_in(watcher, &["GET", "x"]), Some(simple("QUEUED")));
        let waiter = e.open();
        assert_eq!(e.call_in(waiter, &["BLPOP", "dst", "0"]), None);
        assert_eq!(e.call(&["SORT", "src", "STORE", "dst"]), Frame::Integer(3));
        assert_eq!(e.call_in(watcher, &["EXEC"]), Some(Frame::Null));
        let woken = e.reply(waiter);
        assert_eq!(woken, Some(Frame::Array(vec![Frame::Bulk("dst".into()), Frame::Bulk("1".into())])));
    }
}
