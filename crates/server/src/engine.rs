//! ember as an in-process engine: the whole server — command table,
//! dispatch, keyspace, transactions, scripts, pub/sub, blocking commands,
//! expiry — without sockets. [`Engine`] is its public face; the event loop
//! ([`crate::server::Server`]) is another user of the same socket-free core
//! below: running a client's buffered commands, serving clients blocked on
//! keys, timing out blocked clients, feeding MONITOR.
//!
//! ```
//! use ember_server::{Config, Engine, Frame};
//!
//! let mut redis = Engine::new(Config::default());
//! redis.call(&["SET", "greeting", "hello"]);
//! assert_eq!(redis.call(&["GET", "greeting"]), Frame::Bulk("hello".into()));
//! assert_eq!(redis.call(&["INCRBY", "n", "41"]), Frame::Integer(41));
//! ```

use std::collections::{HashMap, VecDeque};

use bytes::{Buf, BytesMut};
use ember_resp::{encode, CommandDecoder, Frame, FrameDecoder, Limits, Protocol};

use crate::client::{Client, Input, Slot, READ_CHUNK};
use crate::clock::Clock;
use crate::config::Config;
use crate::log;
use crate::state::Shared;

/// Stop running a client's commands while this much output waits for it.
pub(crate) const OUTPUT_BACKPRESSURE: usize = 64 << 20;

/// Runs every complete command in a client's read buffer (pipelining),
/// until the buffer holds only part of one, the client blocks, or its
/// output is backed up. A protocol error is answered and the client is
/// marked to close.
pub(crate) fn process_input(srv: &mut Shared, idx: usize, slot: &mut Slot) {
    let Slot { client, input } = slot;
    let start = srv.clock.mono_us();
    srv.cmd_start_us = start;
    let now = srv.clock.unix_ms_at(start);
    let mut consumed = 0;
    loop {
        if client.close_after_reply
            || client.close_asap
            || client.blocked.is_some()
            || client.out.buf.len() > OUTPUT_BACKPRESSURE
        {
            break;
        }
        match input.decoder.decode(&input.rbuf[consumed..]) {
            Ok(None) => break,
            Ok(Some(cmd)) => {
                let n = cmd.consumed();
                if !cmd.is_empty() {
                    client.last_interaction_ms = now;
                    let raw = &input.rbuf[consumed..consumed + n];
                    crate::dispatch::execute(srv, client, &cmd, raw, now);
                    if client.out.buf.len() >= srv.obuf_check_at {
                        check_output_limit(srv, client, now);
                    }
                }
                consumed += n;
            }
            Err(e) => {
                log!(Verbose, "Protocol error ({e}) from client: id={} addr={}", client.id, client.addr);
                let mut text = b"ERR ".to_vec();
                text.extend_from_slice(&e.message());
                encode::error(&mut client.out.buf, &text);
                srv.stats.total_error_replies += 1;
                client.close_after_reply = true;
                consumed = input.rbuf.len();
                break;
            }
        }
    }
    if consumed == input.rbuf.len() {
        // Keeps the whole allocation in front of the next read (advance
        // would move the start forward and the next reserve copy back).
        input.rbuf.clear();
        if input.rbuf.capacity() > 4 * READ_CHUNK {
            input.rbuf = BytesMut::new();
        }
    } else {
        input.rbuf.advance(consumed);
    }
    if (!client.out.buf.is_empty() || client.close_after_reply) && !client.pending_write {
        client.pending_write = true;
        srv.pending_writes.push(idx);
    }
}

/// `client-output-buffer-limit` for a client whose replies grew past the
/// smallest limit.
#[cold]
fn check_output_limit(srv: &mut Shared, client: &mut Client, now: u64) {
    if crate::pubsub::check_output_limit(client, &srv.config.client_output_buffer_limit, now) {
        srv.stats.client_output_buffer_limit_disconnections += 1;
    }
}

/// Runs again the command of every client blocked on a key that became
/// ready, in FIFO order per key, then the pending input of the clients
/// that were served. Repeats while serving made more keys ready (a BLMOVE
/// into a key another client waits on).
#[inline]
pub(crate) fn serve_blocked(srv: &mut Shared) {
    if srv.events.has_ready() || !srv.unblocked.is_empty() {
        serve_blocked_now(srv);
    }
}

#[inline(never)]
fn serve_blocked_now(srv: &mut Shared) {
    while srv.events.has_ready() || !srv.unblocked.is_empty() {
        for (db, key) in srv.events.take_ready() {
            for id in srv.events.waiters(db, &key) {
                let Some(idx) = srv.clients.index_of_id(id) else { continue };
                let Some(mut slot) = srv.clients.take(idx) else { continue };
                rerun_blocked(srv, idx, &mut slot);
                srv.clients.put(idx, slot);
            }
        }
        for id in std::mem::take(&mut srv.unblocked) {
            let Some(idx) = srv.clients.index_of_id(id) else { continue };
            let Some(mut slot) = srv.clients.take(idx) else { continue };
            process_input(srv, idx, &mut slot);
            srv.clients.put(idx, slot);
        }
    }
}

/// Runs a woken client's command again, as it was received.
fn rerun_blocked(srv: &mut Shared, idx: usize, slot: &mut Slot) {
    let Some(raw): Option<Vec<u8>> = slot.client.blocked.as_ref().map(|b| b.raw.clone()) else { return };
    let mut decoder = CommandDecoder::new(Limits { max_bulk_len: u64::MAX, ..Limits::default() });
    let Ok(Some(cmd)) = decoder.decode(&raw) else { return };
    let start = srv.clock.mono_us();
    srv.cmd_start_us = start;
    let now = srv.clock.unix_ms_at(start);
    crate::dispatch::execute(srv, &mut slot.client, &cmd, &raw, now);
    if slot.client.blocked.is_none() {
        finish_unblock(srv, idx, &mut slot.client);
    }
}

/// A client stopped waiting: its reply is to be written and the commands it
/// pipelined behind the blocking one run next.
fn finish_unblock(srv: &mut Shared, idx: usize, client: &mut Client) {
    srv.unblocked.push(client.id);
    if !client.pending_write {
        client.pending_write = true;
        srv.pending_writes.push(idx);
    }
}

/// Replies to blocked clients whose timeout passed.
pub(crate) fn expire_blocked(srv: &mut Shared, now: u64) {
    for id in srv.events.timed_out(now) {
        let Some(idx) = srv.clients.index_of_id(id) else { continue };
        let Some(mut slot) = srv.clients.take(idx) else { continue };
        if let Some(state) = slot.client.blocked.take() {
            srv.events.unblock(id, &state);
            state.req.on_timeout.write(&mut slot.client.out);
            finish_unblock(srv, idx, &mut slot.client);
        }
        srv.clients.put(idx, slot);
    }
    serve_blocked(srv);
}

/// Reclaims up to `batch` keys past their deadline; tells whether more are
/// due.
pub(crate) fn expire_keys(srv: &mut Shared, now: u64, batch: usize) -> bool {
    let n = srv.store.active_expire(now, batch);
    srv.stats.expired_keys += n as u64;
    if srv.notify_mask & crate::config::notify::EXPIRED != 0 {
        crate::pubsub::notify_key_events(srv, None);
    }
    n == batch
}

/// Appends the pending MONITOR lines to every monitoring client.
pub(crate) fn flush_monitors(srv: &mut Shared) {
    if srv.monitor.feed.is_empty() {
        return;
    }
    let feed = std::mem::take(&mut srv.monitor.feed);
    let now = srv.clock.now_ms();
    let Shared { clients, monitor, config, stats, pending_writes, .. } = srv;
    for (idx, slot) in clients.slots.iter_mut().enumerate() {
        let Some(s) = slot.as_deref_mut() else { continue };
        if !monitor.clients.contains(&s.client.id) || s.client.close_asap {
            continue;
        }
        s.client.out.buf.extend_from_slice(&feed);
        if crate::pubsub::check_output_limit(&mut s.client, &config.client_output_buffer_limit, now) {
            stats.client_output_buffer_limit_disconnections += 1;
        }
        if !s.client.pending_write {
            s.client.pending_write = true;
            pending_writes.push(idx);
        }
    }
}

/// A client of an [`Engine`]: a connection without a socket. It has its own
/// selected database, protocol, transaction, subscriptions and blocked
/// command, like any Redis connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Session(u64);

/// What a session received that is not the reply to a command it just
/// sent: replies of blocked commands that were woken (or timed out), and
/// pushes (pub/sub messages) in RESP3.
#[derive(Default)]
struct Inbox {
    replies: VecDeque<Frame>,
    pushes: VecDeque<Frame>,
}

/// The whole of ember in-process: Redis commands on a keyspace, with
/// exactly the server's semantics (transactions, scripts, functions,
/// pub/sub between sessions, blocking commands, expiry), and no sockets,
/// threads or event loop of its own.
///
/// Time is the engine's own: it starts at the wall clock (or at a chosen
/// time with [`Engine::with_clock`]) and moves only when [`Engine::advance`]
/// moves it, so expiry is deterministic.
///
/// [`Engine::call`] runs a command on the engine's default session, where
/// a blocking command never waits (it answers as it would inside MULTI:
/// BLPOP on an empty list is a null reply). Other sessions
/// ([`Engine::open`]) may block, and receive pub/sub messages as RESP3
/// pushes ([`Engine::pushes`]).
pub struct Engine {
    srv: Shared,
    default: Session,
    inboxes: HashMap<u64, Inbox>,
    frames: FrameDecoder,
}

impl Engine {
    /// An engine with `config` and an empty keyspace, its clock starting at
    /// the wall clock.
    pub fn new(config: Config) -> Engine {
        Engine::with_clock(config, crate::state::unix_ms())
    }

    /// An engine whose clock starts at `unix_ms` (milliseconds since the
    /// epoch) and moves only with [`Engine::advance`].
    pub fn with_clock(config: Config, unix_ms: u64) -> Engine {
        let srv = Shared::new(config, crate::listen::Listeners::none(), Clock::manual(unix_ms));
        let mut engine =
            Engine { srv, default: Session(0), inboxes: HashMap::new(), frames: FrameDecoder::new(Limits::default()) };
        engine.default = engine.open();
        if let Some(slot) = engine.slot_mut(engine.default) {
            slot.client.never_blocks = true;
        }
        engine
    }

    /// Opens a session (a new client, speaking RESP3).
    pub fn open(&mut self) -> Session {
        let id = self.srv.next_client_id;
        self.srv.next_client_id += 1;
        let now = self.srv.clock.now_ms();
        let authenticated = self.srv.config.requirepass.is_none();
        let mut client = Client::detached(id, now);
        client.in_exec = false;
        client.authenticated = authenticated;
        client.out.proto = Protocol::Resp3;
        let input = Input { rbuf: BytesMut::new(), decoder: CommandDecoder::new(Limits::default()) };
        let (idx, token) = self.srv.clients.insert(Box::new(Slot { client, input }));
        if let Some(slot) = self.srv.clients.slot_mut(idx) {
            // Subscriptions and the client list know a client by its token.
            slot.client.token = token;
        }
        self.inboxes.insert(id, Inbox::default());
        Session(id)
    }

    /// Closes a session: its transaction, subscriptions and blocked command
    /// go with it.
    pub fn close(&mut self, session: Session) {
        let Some(idx) = self.srv.clients.index_of_id(session.0) else { return };
        let Some(mut slot) = self.srv.clients.take(idx) else { return };
        crate::state::forget_client(&mut self.srv, &mut slot.client);
        self.srv.clients.remove(idx, session.0);
        self.inboxes.remove(&session.0);
    }

    /// The default session, which [`Engine::call`] uses.
    pub fn default_session(&self) -> Session {
        self.default
    }

    /// Runs one command (`["SET", "k", "v"]`) on the default session and
    /// returns its reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Frame {
        let default = self.default;
        self.call_in(default, argv).unwrap_or(Frame::Null)
    }

    /// Runs one command on `session`. `None` when the command blocked (or
    /// the session is closed, or replies are off): a blocked command's
    /// reply arrives later, through [`Engine::reply`].
    pub fn call_in<A: AsRef<[u8]>>(&mut self, session: Session, argv: &[A]) -> Option<Frame> {
        let idx = self.srv.clients.index_of_id(session.0)?;
        let mut slot = self.srv.clients.take(idx)?;
        slot.input.rbuf.extend_from_slice(&crate::engine::request(argv));
        process_input(&mut self.srv, idx, &mut slot);
        self.srv.clients.put(idx, slot);
        self.settle();
        self.collect(session);
        self.inboxes.get_mut(&session.0)?.replies.pop_front()
    }

    /// The next reply `session` received after a command it sent blocked.
    pub fn reply(&mut self, session: Session) -> Option<Frame> {
        self.collect(session);
        self.inboxes.get_mut(&session.0)?.replies.pop_front()
    }

    /// Drains the pushes (pub/sub messages, keyspace notifications) that
    /// `session` received.
    pub fn pushes(&mut self, session: Session) -> Vec<Frame> {
        self.collect(session);
        self.inboxes.get_mut(&session.0).map(|i| i.pushes.drain(..).collect()).unwrap_or_default()
    }

    /// The engine's time, in milliseconds since the epoch.
    pub fn now_ms(&self) -> u64 {
        self.srv.clock.now_ms()
    }

    /// Moves the engine's clock forward by `ms` and does what became due:
    /// expired keys are reclaimed, blocked commands whose timeout passed are
    /// answered.
    pub fn advance(&mut self, ms: u64) {
        self.srv.clock.advance_manual(ms * 1000);
        let now = self.srv.clock.now_ms();
        if self.srv.active_expire_enabled {
            while expire_keys(&mut self.srv, now, 1024) {}
        }
        expire_blocked(&mut self.srv, now);
        self.settle();
    }

    /// The server state, for Rust code that wants the keyspace directly.
    pub fn state(&mut self) -> &mut Shared {
        &mut self.srv
    }

    /// Work a command leaves for "before the loop sleeps": clients woken by
    /// it run, MONITOR lines are delivered, closed clients go.
    fn settle(&mut self) {
        serve_blocked(&mut self.srv);
        flush_monitors(&mut self.srv);
        for idx in std::mem::take(&mut self.srv.pending_writes) {
            if let Some(slot) = self.srv.clients.slot_mut(idx) {
                slot.client.pending_write = false;
            }
        }
        if let Some(how) = self.srv.shutdown.take() {
            // A SHUTDOWN in-process only saves, as asked: the engine goes on.
            if how.save != crate::state::SaveOnExit::Never && !self.srv.config.save.is_empty() {
                let _ = crate::persistence::save(&mut self.srv);
            }
        }
    }

    /// Moves what `session` received into its inbox, as frames.
    fn collect(&mut self, session: Session) {
        let Some(idx) = self.srv.clients.index_of_id(session.0) else { return };
        let Some(slot) = self.srv.clients.slot_mut(idx) else { return };
        let Some(inbox) = self.inboxes.get_mut(&session.0) else { return };
        let mut buf = std::mem::take(&mut slot.client.out.buf);
        while let Ok(Some(frame)) = self.frames.decode(&mut buf) {
            match frame {
                Frame::Push(_) => inbox.pushes.push_back(frame),
                other => inbox.replies.push_back(other),
            }
        }
        buf.clear();
        slot.client.out.buf = buf;
    }

    fn slot_mut(&mut self, session: Session) -> Option<&mut Slot> {
        let idx = self.srv.clients.index_of_id(session.0)?;
        self.srv.clients.slot_mut(idx)
    }
}

/// `argv` as a RESP request.
fn request<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    encode::array_len(&mut buf, argv.len());
    for a in argv {
        encode::bulk(&mut buf, a.as_ref());
    }
    buf.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(bytes::Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn commands_run_with_the_servers_semantics() {
        let mut e = Engine::new(Config::default());
        assert_eq!(e.call(&["SET", "k", "v"]), Frame::Simple("OK".into()));
        assert_eq!(e.call(&["GET", "k"]), bulk("v"));
        assert_eq!(
            e.call(&["LPUSH", "k", "x"]),
            Frame::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())
        );
        assert_eq!(
            e.call(&["nosuch"]),
            Frame::Error("ERR unknown command 'nosuch', with args beginning with: ".into())
        );
        assert_eq!(e.call(&["MULTI"]), Frame::Simple("OK".into()));
        assert_eq!(e.call(&["INCR", "n"]), Frame::Simple("QUEUED".into()));
        assert_eq!(e.call(&["INCR", "n"]), Frame::Simple("QUEUED".into()));
        assert_eq!(e.call(&["EXEC"]), Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)]));
        assert_eq!(e.call(&["EVAL", "return redis.call('GET', KEYS[1])", "1", "k"]), bulk("v"));
        assert_eq!(e.call(&["BLPOP", "empty", "0"]), Frame::Null);
    }

    #[test]
    fn expiry_follows_the_engines_clock() {
        let mut e = Engine::with_clock(Config::default(), 1_000_000);
        e.call(&["SET", "k", "v", "PX", "100"]);
        e.advance(99);
        assert_eq!(e.call(&["GET", "k"]), bulk("v"));
        assert_eq!(e.call(&["PTTL", "k"]), Frame::Integer(1));
        e.advance(1);
        assert_eq!(e.call(&["GET", "k"]), Frame::Null);
        assert_eq!(e.call(&["DBSIZE"]), Frame::Integer(0));
    }

    #[test]
    fn sessions_publish_subscribe_and_block() {
        let mut e = Engine::new(Config::default());
        let sub = e.open();
        let subscribed = e.call_in(sub, &["SUBSCRIBE", "news"]);
        assert!(subscribed.is_none(), "a subscription is confirmed by a push: {subscribed:?}");
        assert_eq!(e.call(&["PUBLISH", "news", "hello"]), Frame::Integer(1));
        let pushes = e.pushes(sub);
        assert_eq!(pushes.len(), 2, "{pushes:?}");
        assert_eq!(pushes[1], Frame::Push(vec![bulk("message"), bulk("news"), bulk("hello")]));

        let waiter = e.open();
        assert_eq!(e.call_in(waiter, &["BLPOP", "jobs", "0"]), None);
        assert_eq!(e.call(&["RPUSH", "jobs", "j1"]), Frame::Integer(1));
        assert_eq!(e.reply(waiter), Some(Frame::Array(vec![bulk("jobs"), bulk("j1")])));
        assert_eq!(e.call(&["LLEN", "jobs"]), Frame::Integer(0));

        let timed = e.open();
        assert_eq!(e.call_in(timed, &["BLPOP", "jobs", "1"]), None);
        e.advance(1000);
        assert_eq!(e.reply(timed), Some(Frame::Null));
        e.close(timed);
        assert_eq!(e.call_in(timed, &["PING"]), None);
    }
}
