//! The event loop: one thread, non-blocking sockets, level-triggered epoll
//! (`nix::sys::epoll`). This module owns the sockets and the loop's turn;
//! what a client's bytes mean is the socket-free core's business
//! ([`crate::engine`]), and the state commands reach is [`Shared`].
//!
//! # A loop turn
//!
//! 1. `epoll_wait`, with the earliest of the next cron tick (`1000 / hz`
//!    ms), the next key deadline and the next blocked-client timeout as its
//!    timeout; then the wall clock is read once for the turn
//!    ([`Clock::start_turn`](crate::clock::Clock::start_turn)).
//! 2. For each event: signals, new connections (TCP listeners and the Unix
//!    socket), and clients. A readable client is read until the socket is
//!    drained or 1 MiB has been read this turn (unless a large bulk string
//!    is still arriving), into a buffer reserved geometrically, and every
//!    complete command in it runs (`engine::process_input`); replies go to
//!    the client's output buffer and the client is queued for writing.
//! 3. Clients woken from a blocking command are served
//!    (`engine::serve_blocked`), MONITOR lines delivered, then every queued
//!    client is written directly (like Redis's
//!    handleClientsWithPendingWrites), before any background work, so no
//!    reply waits for it. Only a client whose kernel buffer filled up gets
//!    EPOLLOUT registered, and loses it once its output drained. A client
//!    marked `close_asap` (output buffer limit, CLIENT KILL) is closed here.
//! 4. Cron, when a tick is due: the memory peak, the clock's TSC
//!    calibration, persistence (reaping the BGSAVE child, save points),
//!    ops/sec samples, idle timeouts and CLIENT KILL.
//! 5. Active expiry, paced: a slice of at most 0.2 ms, and while due keys
//!    remain a 0.2 ms pause before the next (a timerfd in the epoll set
//!    wakes the loop; clients are served meanwhile). Expiry takes at most
//!    half the CPU, so the kernel keeps scheduling the server as an
//!    interactive task.
//! 6. Eviction carries on if it last stopped on its time bound
//!    ([`crate::evict`]), a step of incremental rehashing runs
//!    (`activerehashing`), blocked clients whose timeout passed are answered,
//!    and a requested shutdown is carried out.
//!
//! Why level-triggered: a client's input may hold more commands than one
//! turn runs, or the loop may stop running a client's commands while its
//! output is backed up (over 64 MiB of pending output, so a client that
//! pipelines and never reads cannot make the server buffer without bound);
//! the kernel keeps reporting such a socket, so no "resume later"
//! bookkeeping can be forgotten and a busy client cannot starve the others.
//! The cost is at most one extra report per busy socket.
//!
//! SIGTERM and SIGINT are blocked and read from a `signalfd` in the same
//! epoll set: no work happens in a signal handler. SIGXFSZ is ignored, so
//! a file-size limit fails a save instead of killing the server.

use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use ember_resp::{CommandDecoder, Limits};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use crate::client::{Addr, Client, Input, Slot, Stream, READ_CHUNK};
pub use crate::clients::Clients;
use crate::clock::Clock;
use crate::config::Config;
use crate::listen::{ListenError, Listeners, LISTENER_BASE, UNIX_LISTENER_TOKEN};
use crate::log;
pub use crate::state::{unix_ms, unix_us, CmdStat, SaveOnExit, Shared, Shutdown, Stats};

const SIGNAL_TOKEN: u64 = u64::MAX;
/// The expiry pacing timer's token.
const EXPIRE_TIMER_TOKEN: u64 = u64::MAX - 1;
/// Read at most this much from one client per loop turn (unless a large
/// bulk string is in progress), so one busy client cannot starve the rest.
const READ_BUDGET: usize = 1 << 20;
/// Time the loop spends on active expiry per turn before serving clients again.
const EXPIRE_SLICE: Duration = Duration::from_micros(200);
/// Pause after a slice that left due keys, before the next one: expiry
/// takes at most half the CPU, and the loop sleeps in between (see
/// `Server::active_expire`).
const EXPIRE_PAUSE: Duration = Duration::from_micros(200);

/// The running server.
pub struct Server {
    epoll: Epoll,
    signals: SignalFd,
    /// Wakes the loop for the next expiry slice (epoll_wait's timeout only
    /// counts whole milliseconds).
    expire_timer: TimerFd,
    /// Earliest start of the next expiry slice while due keys remain.
    expire_resume: Option<Instant>,
    /// The other half of `Shared::pending_writes` (see `handle_pending_writes`).
    pending_spare: Vec<usize>,
    /// State shared with commands.
    pub shared: Shared,
}

impl Server {
    /// Binds the listeners and prepares the loop. Blocks SIGTERM and SIGINT
    /// for the process so they arrive through the signalfd instead.
    pub fn new(config: Config) -> io::Result<Server> {
        let mut mask = SigSet::empty();
        mask.add(Signal::SIGTERM);
        mask.add(Signal::SIGINT);
        mask.thread_block().map_err(io::Error::from)?;
        let signals =
            SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(io::Error::from)?;

        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).map_err(io::Error::from)?;
        epoll.add(signals.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, SIGNAL_TOKEN)).map_err(io::Error::from)?;
        let expire_timer = TimerFd::new(ClockId::CLOCK_MONOTONIC, TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC)
            .map_err(io::Error::from)?;
        epoll
            .add(expire_timer.as_fd(), EpollEvent::new(EpollFlags::EPOLLIN, EXPIRE_TIMER_TOKEN))
            .map_err(io::Error::from)?;

        let mut listeners = Listeners::new(&epoll)?;
        if let Err(e) = listeners.rebind(&config.bind, config.port, config.tcp_backlog) {
            let kind = match &e {
                ListenError::Listen { source, .. } => source.kind(),
                _ => io::ErrorKind::InvalidInput,
            };
            return Err(io::Error::new(kind, format!("Failed listening on port {} (tcp), aborting: {e}", config.port)));
        }
        let unixsocket = config.value("unixsocket").unwrap_or_default();
        if !unixsocket.is_empty() {
            let perm = config.value("unixsocketperm").and_then(|p| u32::from_str_radix(&p, 8).ok()).unwrap_or(0);
            if let Err(e) = listeners.open_unix(&unixsocket, perm) {
                return Err(io::Error::new(e.kind(), format!("Failed opening Unix socket: {e}")));
            }
        }
        if listeners.addrs().is_empty() && unixsocket.is_empty() {
            return Err(io::Error::new(io::ErrorKind::AddrNotAvailable, "Configured to not listen anywhere, exiting."));
        }
        let shared = Shared::new(config, listeners, Clock::new());
        Ok(Server { epoll, signals, expire_timer, expire_resume: None, pending_spare: Vec::new(), shared })
    }

    /// The addresses the server listens on.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        self.shared.listeners.addrs()
    }

    /// Runs until SHUTDOWN or a signal.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = vec![EpollEvent::empty(); 1024];
        // From here on this thread's allocations are counted without atomics.
        crate::alloc::register_loop_thread();
        crate::alloc::detect();
        self.shared.mem_startup = crate::alloc::used_memory();
        self.shared.note_memory(self.shared.mem_startup);
        if !self.shared.listeners.addrs().is_empty() {
            log!(Notice, "Ready to accept connections tcp");
        }
        if let Some((_, path)) = self.shared.listeners.unix() {
            log!(Notice, "The server is now ready to accept connections at {path}");
        }
        loop {
            let timeout = self.next_timeout();
            let n = match self.epoll.wait(&mut events, timeout) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => 0,
                Err(e) => return Err(e.into()),
            };
            self.shared.clock.start_turn();
            for ev in &events[..n] {
                let token = ev.data();
                let flags = ev.events();
                if token == SIGNAL_TOKEN {
                    self.handle_signals();
                } else if token == EXPIRE_TIMER_TOKEN {
                    // Consume the expiration; the slice runs below.
                    let _ = self.expire_timer.wait();
                } else if token >= LISTENER_BASE {
                    self.accept((token - LISTENER_BASE) as usize);
                } else if token == UNIX_LISTENER_TOKEN {
                    self.accept_unix();
                } else if let Some(idx) = self.shared.clients.index_of(token) {
                    if flags.intersects(EpollFlags::EPOLLIN | EpollFlags::EPOLLHUP | EpollFlags::EPOLLERR) {
                        self.handle_readable(idx);
                    }
                    if flags.contains(EpollFlags::EPOLLOUT) {
                        self.write_client(idx);
                    }
                }
            }
            // This turn's commands are answered (blocked clients served
            // first) before any background work, so a reply never waits
            // for an expiry slice.
            crate::engine::serve_blocked(&mut self.shared);
            crate::engine::flush_monitors(&mut self.shared);
            self.handle_pending_writes();
            let now = self.shared.clock.now_ms();
            if now.wrapping_sub(self.shared.last_cron_ms) >= self.cron_period_ms() {
                self.cron(now);
            }
            self.active_expire();
            if self.shared.evict.running {
                // Eviction stopped on its time bound with memory still over
                // the limit: go on (Redis's eviction timer).
                let now = self.shared.clock.now_ms();
                crate::evict::perform(&mut self.shared, now);
            }
            // Incremental resizes also advance in idle time (activerehashing).
            if self.shared.config.activerehashing {
                self.shared.store.rehash_step(1024);
            }
            if let Some(deadline) = self.shared.events.next_deadline() {
                let now = self.shared.clock.now_ms();
                if deadline <= now {
                    crate::engine::expire_blocked(&mut self.shared, now);
                    self.handle_pending_writes();
                }
            }
            if let Some(how) = self.shared.shutdown.take() {
                if self.finish(how) {
                    return Ok(());
                }
            }
        }
    }

    fn cron_period_ms(&self) -> u64 {
        1000 / self.shared.config.hz.clamp(1, 500) as u64
    }

    fn next_timeout(&self) -> EpollTimeout {
        let now = self.shared.clock.now_ms();
        let mut wait = (self.shared.last_cron_ms + self.cron_period_ms()).saturating_sub(now);
        if self.shared.evict.running {
            wait = 0;
        }
        if let Some(deadline) = self.shared.store.next_deadline().filter(|_| self.shared.active_expire_enabled) {
            if self.expire_resume.is_some() {
                // Between slices: the pacing timer wakes the loop.
                wait = wait.min(1);
            } else {
                wait = wait.min(deadline.saturating_sub(now));
            }
        }
        if let Some(deadline) = self.shared.events.next_deadline() {
            wait = wait.min(deadline.saturating_sub(now));
        }
        EpollTimeout::try_from(wait.min(1000) as i32).unwrap_or(EpollTimeout::ZERO)
    }

    fn handle_signals(&mut self) {
        while let Ok(Some(info)) = self.signals.read_signal() {
            let (name, param) = if info.ssi_signo == Signal::SIGINT as u32 {
                ("SIGINT", "shutdown-on-sigint")
            } else {
                ("SIGTERM", "shutdown-on-sigterm")
            };
            log!(Warning, "Received {name} scheduling shutdown...");
            let flags = self.shared.config.value(param).unwrap_or_default();
            self.shared.shutdown = Some(Shutdown::from_flags(&flags));
        }
    }

    /// Prepares to exit: stops a background save, saves when save points
    /// are configured (unless NOSAVE), flushes replies. Returns false (and
    /// keeps serving) if the final save failed, as Redis does.
    fn finish(&mut self, how: Shutdown) -> bool {
        log!(Warning, "User requested shutdown...");
        if let Some(child) = self.shared.persistence.child.take() {
            log!(Warning, "There is a child saving an .rdb. Killing it!");
            let _ = nix::sys::signal::kill(child.pid, nix::sys::signal::Signal::SIGUSR1);
            let _ = nix::sys::wait::waitpid(child.pid, None);
            let _ = std::fs::remove_file(format!("temp-{}.rdb", child.pid));
        }
        let save = match how.save {
            SaveOnExit::IfSavePoints => !self.shared.config.save.is_empty(),
            SaveOnExit::Always => true,
            SaveOnExit::Never => false,
        };
        if save {
            log!(Notice, "Saving the final RDB snapshot before exiting.");
            if crate::persistence::save(&mut self.shared).is_err() {
                if !how.force {
                    log!(Warning, "Error trying to save the DB, can't exit.");
                    return false;
                }
                log!(Warning, "Error trying to save the DB. Exit anyway.");
            }
        }
        crate::process::notify_stopping(&self.shared.config);
        self.handle_pending_writes();
        self.shared.listeners.remove_unix();
        if !self.shared.config.pidfile.is_empty() {
            let _ = std::fs::remove_file(&self.shared.config.pidfile);
        }
        log!(Warning, "ember is now ready to exit, bye bye...");
        true
    }

    fn accept(&mut self, which: usize) {
        loop {
            // A stale event may name a slot a re-bind closed this turn.
            let Some(listener) = self.shared.listeners.get(which) else { return };
            let (stream, addr) = match listener.accept() {
                Ok(pair) => pair,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log!(Warning, "Accepting client connection: {e}");
                    return;
                }
            };
            self.shared.stats.total_connections_received += 1;
            if let Err(e) = self.admit(Stream::Tcp(stream), Addr::Tcp(addr)) {
                log!(Verbose, "Error accepting a client connection: {e}");
            }
        }
    }

    /// Accepts the connections waiting on the Unix socket.
    fn accept_unix(&mut self) {
        loop {
            let Some((listener, path)) = self.shared.listeners.unix() else { return };
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log!(Warning, "Accepting client connection: {e}");
                    return;
                }
            };
            let path = path.clone();
            self.shared.stats.total_connections_received += 1;
            if let Err(e) = self.admit(Stream::Unix(stream), Addr::Unix(path)) {
                log!(Verbose, "Error accepting a client connection: {e}");
            }
        }
    }

    fn admit(&mut self, stream: Stream, addr: Addr) -> io::Result<()> {
        let cfg = &self.shared.config;
        if self.shared.clients.len() >= cfg.maxclients {
            self.shared.stats.rejected_connections += 1;
            let _ = (&stream).write_all(b"-ERR max number of clients reached\r\n");
            return Ok(());
        }
        if cfg.protected_mode && cfg.requirepass.is_none() && !addr.is_local() {
            self.shared.stats.rejected_connections += 1;
            let _ = (&stream).write_all(PROTECTED_MODE_ERROR);
            return Ok(());
        }
        match &stream {
            Stream::Tcp(s) => {
                s.set_nonblocking(true)?;
                s.set_nodelay(true)?;
                if cfg.tcp_keepalive > 0 {
                    set_keepalive(s, cfg.tcp_keepalive);
                }
            }
            Stream::Unix(s) => s.set_nonblocking(true)?,
        }
        let now = unix_ms();
        let id = self.shared.next_client_id;
        self.shared.next_client_id += 1;
        let authenticated = cfg.requirepass.is_none();
        let mut limits = Limits { max_bulk_len: cfg.proto_max_bulk_len, ..Limits::default() };
        limits.unauthenticated = !authenticated;
        let client = Client::new(id, stream, addr, now, authenticated);
        let slot =
            Box::new(Slot { client, input: Input { rbuf: BytesMut::new(), decoder: CommandDecoder::new(limits) } });
        let fd = slot.client.fd();
        let (idx, token) = self.shared.clients.insert(slot);
        if let Some(s) = self.shared.clients.slots[idx].as_deref_mut() {
            s.client.token = token;
        }
        // SAFETY: the fd belongs to the client's TcpStream, alive in the slab.
        let bfd = unsafe { BorrowedFd::borrow_raw(fd) };
        if let Err(e) = self.epoll.add(bfd, EpollEvent::new(EpollFlags::EPOLLIN, token)) {
            self.close_client(idx);
            return Err(e.into());
        }
        if let Some(s) = self.shared.clients.slots[idx].as_deref() {
            log!(Verbose, "Accepted {}", s.client.addr);
        }
        Ok(())
    }

    fn handle_readable(&mut self, idx: usize) {
        let Some(mut slot) = self.shared.clients.take(idx) else { return };
        let limit = self.shared.config.client_query_buffer_limit as usize;
        let mut read_total = 0usize;
        let mut eof = false;
        loop {
            let rbuf = &mut slot.input.rbuf;
            if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
                rbuf.reserve(rbuf.len().clamp(READ_CHUNK, 64 << 20));
            }
            let spare = rbuf.spare_capacity_mut();
            let want = spare.len();
            // SAFETY: read(2) writes at most `want` bytes into the spare
            // capacity, and we only mark as initialised what it reported.
            let n = unsafe { nix::libc::read(slot.client.fd(), spare.as_mut_ptr().cast(), want) };
            if n < 0 {
                let err = io::Error::last_os_error();
                match err.kind() {
                    io::ErrorKind::WouldBlock => break,
                    io::ErrorKind::Interrupted => continue,
                    _ => {
                        log!(Verbose, "Reading from client: {err}");
                        eof = true;
                        break;
                    }
                }
            }
            if n == 0 {
                eof = true;
                break;
            }
            let n = n as usize;
            // SAFETY: the kernel initialised these n bytes.
            unsafe { rbuf.set_len(rbuf.len() + n) };
            read_total += n;
            if rbuf.len() > limit {
                log!(
                    Warning,
                    "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                    slot.client.id,
                    slot.client.addr,
                    rbuf.len()
                );
                self.shared.stats.client_qbuf_limit_disconnections += 1;
                eof = true;
                break;
            }
            let needed = slot.input.decoder.bytes_needed();
            if n < want && needed <= rbuf.len() {
                break; // drained for now; level-triggered epoll tells us about more
            }
            if read_total >= READ_BUDGET && needed <= rbuf.len() {
                break;
            }
        }
        self.shared.stats.net_input_bytes += read_total as u64;
        if eof {
            self.shared.clients.put(idx, slot);
            self.close_client(idx);
            return;
        }
        crate::engine::process_input(&mut self.shared, idx, &mut slot);
        self.shared.clients.put(idx, slot);
        self.after_command(idx);
        crate::engine::serve_blocked(&mut self.shared);
    }

    /// Housekeeping after a client ran commands: a client that changed the
    /// auth state must see its decoder limits follow.
    fn after_command(&mut self, idx: usize) {
        if let Some(slot) = self.shared.clients.slots[idx].as_deref_mut() {
            let unauth = !slot.client.authenticated;
            if slot.input.decoder.limits().unauthenticated != unauth {
                slot.input.decoder.limits_mut().unauthenticated = unauth;
            }
            let bulk = self.shared.config.proto_max_bulk_len;
            if slot.input.decoder.limits().max_bulk_len != bulk {
                slot.input.decoder.limits_mut().max_bulk_len = bulk;
            }
        }
    }

    /// Writes a client's pending output; returns false if it was closed.
    fn write_client(&mut self, idx: usize) -> bool {
        let Some(slot) = self.shared.clients.slots.get_mut(idx).and_then(|s| s.as_deref_mut()) else {
            return false;
        };
        let c = &mut slot.client;
        let mut written = 0;
        let mut failed = false;
        while written < c.out.buf.len() {
            let Some(stream) = c.stream.as_ref() else {
                failed = true;
                break;
            };
            match (&*stream).write(&c.out.buf[written..]) {
                Ok(0) => {
                    failed = true;
                    break;
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    log!(Verbose, "Error writing to client: {e}");
                    failed = true;
                    break;
                }
            }
        }
        if written == c.out.buf.len() {
            // The common case: everything went. Clearing keeps the buffer's
            // start (advance would move it, and the next reply's reserve
            // would have to move it back).
            c.out.buf.clear();
        } else {
            c.out.buf.advance(written);
        }
        self.shared.stats.net_output_bytes += written as u64;
        if failed {
            self.close_client(idx);
            return false;
        }
        let drained = c.out.buf.is_empty();
        if drained {
            if c.out.buf.capacity() > 1 << 20 {
                c.out.buf = BytesMut::new();
            }
            if c.close_after_reply {
                self.close_client(idx);
                return false;
            }
        }
        let want_out = !drained;
        if want_out != c.write_registered {
            c.write_registered = want_out;
            let mut flags = EpollFlags::EPOLLIN;
            if want_out {
                flags |= EpollFlags::EPOLLOUT;
            }
            let mut ev = EpollEvent::new(flags, c.token);
            // SAFETY: the fd belongs to the client's TcpStream, alive in the slab.
            let bfd = unsafe { BorrowedFd::borrow_raw(c.fd()) };
            let _ = self.epoll.modify(bfd, &mut ev);
        }
        // Commands held back by output backpressure can run again.
        if drained && !slot.input.rbuf.is_empty() && slot.input.rbuf.len() >= slot.input.decoder.bytes_needed() {
            if let Some(mut slot) = self.shared.clients.take(idx) {
                crate::engine::process_input(&mut self.shared, idx, &mut slot);
                self.shared.clients.put(idx, slot);
            }
        }
        true
    }

    fn handle_pending_writes(&mut self) {
        while !self.shared.pending_writes.is_empty() {
            // Swap in the spare list (writes may queue more clients), keeping
            // both allocations across turns.
            let spare = std::mem::take(&mut self.pending_spare);
            let mut pending = std::mem::replace(&mut self.shared.pending_writes, spare);
            for &idx in &pending {
                if let Some(slot) = self.shared.clients.slots.get_mut(idx).and_then(|s| s.as_deref_mut()) {
                    slot.client.pending_write = false;
                    if slot.client.close_asap {
                        self.close_client(idx);
                        continue;
                    }
                    if !slot.client.write_registered {
                        self.write_client(idx);
                    }
                }
            }
            pending.clear();
            self.pending_spare = pending;
        }
    }

    fn close_client(&mut self, idx: usize) {
        let Some(slot) = self.shared.clients.take(idx) else { return };
        // SAFETY: the fd is still open: the stream is dropped below.
        let bfd = unsafe { BorrowedFd::borrow_raw(slot.client.fd()) };
        let _ = self.epoll.delete(bfd);
        let mut slot = slot;
        crate::state::forget_client(&mut self.shared, &mut slot.client);
        log!(Verbose, "Client closed connection id={} addr={}", slot.client.id, slot.client.addr);
        self.shared.clients.remove(idx, slot.client.id);
        drop(slot);
    }

    fn cron(&mut self, now: u64) {
        self.shared.last_cron_ms = now;
        self.shared.note_memory(crate::alloc::used_memory());
        self.shared.clock.calibrate();
        crate::persistence::cron(&mut self.shared);
        let st = &mut self.shared.stats;
        st.samples.push((now, st.total_commands_processed, st.net_input_bytes, st.net_output_bytes));
        if st.samples.len() > 16 {
            st.samples.remove(0);
        }
        // Idle timeouts and CLIENT KILL.
        let timeout_ms = self.shared.config.timeout * 1000;
        let mut doomed = Vec::new();
        for (idx, slot) in self.shared.clients.slots.iter().enumerate() {
            if let Some(s) = slot {
                let idle = now.saturating_sub(s.client.last_interaction_ms);
                let idle_out = timeout_ms > 0 && idle > timeout_ms && !s.client.monitor && s.client.blocked.is_none();
                if s.client.close_asap || idle_out {
                    doomed.push(idx);
                }
            }
        }
        for idx in doomed {
            log!(Verbose, "Closing idle client");
            self.close_client(idx);
        }
    }

    /// Reclaims due keys in slices of `EXPIRE_SLICE`, each followed by an
    /// `EXPIRE_PAUSE` in which the loop serves clients or sleeps (on the
    /// pacing timer). A mass expiry thus uses at most half the CPU, so the
    /// server stays an interactive task to the kernel's scheduler and a
    /// request never waits for more than one slice: 1M keys go in about half
    /// a second with PING p99 well under 1 ms (docs/BENCHMARKS.md).
    fn active_expire(&mut self) {
        if !self.shared.active_expire_enabled {
            self.expire_resume = None;
            return;
        }
        // Only read the precise clock when a slice may run (not every turn).
        if self.expire_resume.is_some_and(|at| Instant::now() < at) {
            return;
        }
        let now = self.shared.clock.now_ms();
        match self.shared.store.next_deadline() {
            Some(d) if d <= now => {}
            _ => {
                self.expire_resume = None;
                return;
            }
        }
        let start = Instant::now();
        let mut more = true;
        while more {
            more = crate::engine::expire_keys(&mut self.shared, now, 64);
            if start.elapsed() >= EXPIRE_SLICE {
                break;
            }
        }
        self.expire_resume = None;
        if more {
            let at = Instant::now() + EXPIRE_PAUSE;
            self.expire_resume = Some(at);
            let spec = Expiration::OneShot(TimeSpec::from_duration(EXPIRE_PAUSE));
            if self.expire_timer.set(spec, TimerSetTimeFlags::empty()).is_err() {
                // Without the timer the loop polls (1 ms epoll timeout).
                log!(Warning, "expiry pacing timer failed");
            }
        }
    }
}

const PROTECTED_MODE_ERROR: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

fn set_keepalive(stream: &TcpStream, interval: u64) {
    use nix::sys::socket::{setsockopt, sockopt};
    let secs = interval.min(i32::MAX as u64) as u32;
    let _ = setsockopt(stream, sockopt::KeepAlive, &true);
    let _ = setsockopt(stream, sockopt::TcpKeepIdle, &secs);
    let _ = setsockopt(stream, sockopt::TcpKeepInterval, &(secs / 3).max(1));
    let _ = setsockopt(stream, sockopt::TcpKeepCount, &3);
}

/// Raises RLIMIT_NOFILE to fit `maxclients` (plus a margin for listeners,
/// epoll and files), or lowers `maxclients` to what the limit allows, as
/// Redis does.
fn adjust_open_files_limit(config: &mut Config) {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    const RESERVED: u64 = 32;
    let want = config.maxclients as u64 + RESERVED;
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else { return };
    if soft >= want {
        return;
    }
    let target = want.min(hard);
    if setrlimit(Resource::RLIMIT_NOFILE, target, hard).is_ok() && target >= want {
        log!(Notice, "Increased maximum number of open files to {target} (it was originally set to {soft}).");
        return;
    }
    let limit = if target > soft && setrlimit(Resource::RLIMIT_NOFILE, target, hard).is_ok() { target } else { soft };
    let max = limit.saturating_sub(RESERVED).max(1) as usize;
    log!(
        Warning,
        "You requested maxclients of {} requiring at least {want} max file descriptors. Server can't set maximum open files to {want} because of OS error; maxclients has been reduced to {max}.",
        config.maxclients
    );
    config.maxclients = max;
}

/// Starts a server with `config` and runs it to completion (used by main).
pub fn run(config: Config) -> io::Result<()> {
    log::configure(config.loglevel, &config.logfile)?;
    if config.value("syslog-enabled").as_deref() == Some("yes") {
        log::enable_syslog(
            &config.value("syslog-ident").unwrap_or_default(),
            &config.value("syslog-facility").unwrap_or_default(),
        );
    }
    log!(Notice, "oO0OoO0OoO0Oo ember is starting oO0OoO0OoO0Oo");
    log!(Notice, "ember version={}, bits=64, pid={}, just started", env!("CARGO_PKG_VERSION"), std::process::id());
    if !config.pidfile.is_empty() {
        let _ = std::fs::write(&config.pidfile, format!("{}\n", std::process::id()));
    }
    let mut config = config;
    adjust_open_files_limit(&mut config);
    // A file-size limit (RLIMIT_FSIZE) must make a save fail with EFBIG,
    // not kill the server.
    // SAFETY: setting a signal's disposition to SIG_IGN is async-signal-safe
    // and done before any other thread exists.
    unsafe {
        let _ = nix::sys::signal::signal(nix::sys::signal::Signal::SIGXFSZ, nix::sys::signal::SigHandler::SigIgn);
    }
    crate::process::pin_thread(&config, "server_cpulist");
    if let Err(e) = crate::process::apply_oom_score(&config, crate::process::OomClass::Server) {
        log!(Warning, "Unable to write oom_score_adj: {e}");
    }
    let mut server = Server::new(config)?;
    log!(Notice, "Server initialized");
    if let Err(why) = crate::persistence::load_at_startup(&mut server.shared) {
        log!(Warning, "Fatal error loading the DB: {why}. Exiting.");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    for addr in server.local_addrs() {
        log!(Verbose, "Listening on {addr}");
    }
    crate::process::notify_ready(&server.shared.config);
    server.run()
}
