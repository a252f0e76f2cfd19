//! The event loop: one thread, non-blocking sockets, level-triggered epoll.
//!
//! A loop turn: wait for events (the timeout is the next expiry deadline or
//! cron tick), read from each readable client and run every complete command
//! in its buffer, run timers and active expiry, then write every client that
//! has pending output directly. EPOLLOUT is registered only for a client whose
//! kernel send buffer filled up, and removed once its output drained.

use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, BytesMut};
use ember_resp::{CommandDecoder, Limits};
use ember_store::Store;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use crate::blocking::KeyEvents;
use crate::client::{Addr, Client, Input, Slot, Stream, READ_CHUNK};
use crate::clock::Clock;
use crate::command::registry;
use crate::config::Config;
use crate::error::CmdError;
use crate::lazyfree::LazyFree;
use crate::listen::{ListenError, Listeners, LISTENER_BASE, UNIX_LISTENER_TOKEN};
use crate::log;
use crate::slowlog::SlowLog;

const SIGNAL_TOKEN: u64 = u64::MAX;
/// The expiry pacing timer's token.
const EXPIRE_TIMER_TOKEN: u64 = u64::MAX - 1;
/// Stop running a client's commands while this much output waits for it.
const OUTPUT_BACKPRESSURE: usize = 64 << 20;
/// Read at most this much from one client per loop turn (unless a large
/// bulk string is in progress), so one busy client cannot starve the rest.
const READ_BUDGET: usize = 1 << 20;
/// Time the loop spends on active expiry per turn before serving clients again.
const EXPIRE_SLICE: Duration = Duration::from_micros(200);
/// Pause after a slice that left due keys, before the next one: expiry
/// takes at most half the CPU, and the loop sleeps in between (see
/// `Server::active_expire`).
const EXPIRE_PAUSE: Duration = Duration::from_micros(200);

/// Server-wide counters reported by INFO stats.
#[derive(Default, Debug)]
pub struct Stats {
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Commands run.
    pub total_commands_processed: u64,
    /// Connections refused (maxclients).
    pub rejected_connections: u64,
    /// Keys removed because their TTL passed.
    pub expired_keys: u64,
    /// Keys removed by eviction.
    pub evicted_keys: u64,
    /// Successful key lookups.
    pub keyspace_hits: u64,
    /// Failed key lookups.
    pub keyspace_misses: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Error replies sent.
    pub total_error_replies: u64,
    /// Commands refused before running.
    pub unexpected_error_replies: u64,
    /// Clients closed because their query buffer was too large.
    pub client_qbuf_limit_disconnections: u64,
    /// Clients closed for overcoming `client-output-buffer-limit`.
    pub client_output_buffer_limit_disconnections: u64,
    /// Ops/sec samples (commands, input bytes, output bytes) per cron tick.
    pub samples: Vec<(u64, u64, u64, u64)>,
}

/// Per-command counters for INFO commandstats and latencystats.
#[derive(Default, Clone, Debug)]
pub struct CmdStat {
    /// Calls that ran.
    pub calls: u64,
    /// Microseconds spent.
    pub usec: u64,
    /// Refused before running (arity, auth, ...).
    pub rejected_calls: u64,
    /// Ran and returned an error.
    pub failed_calls: u64,
    /// Durations (when `latency-tracking` is on).
    pub latency: crate::latency::Histogram,
}

/// A request to stop the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shutdown {
    /// Whether to save before exiting.
    pub save: SaveOnExit,
    /// Exit even if that save fails.
    pub force: bool,
}

/// The final save of a shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveOnExit {
    /// When save points are configured (`default`).
    IfSavePoints,
    /// Always (`save`).
    Always,
    /// Never (`nosave`).
    Never,
}

impl Shutdown {
    /// The shutdown a signal asks for, from `shutdown-on-sigint` /
    /// `shutdown-on-sigterm` (`default`, or `save`/`nosave`, `now`,
    /// `force`).
    pub fn from_flags(flags: &str) -> Shutdown {
        let has = |f: &str| flags.split_whitespace().any(|w| w.eq_ignore_ascii_case(f));
        let save = if has("save") {
            SaveOnExit::Always
        } else if has("nosave") {
            SaveOnExit::Never
        } else {
            SaveOnExit::IfSavePoints
        };
        Shutdown { save, force: has("force") }
    }
}

/// The client slab: stable indexes, reused through a free list; tokens carry
/// a generation so a stale event for a reused slot is ignored.
#[derive(Default)]
pub struct Clients {
    slots: Vec<Option<Box<Slot>>>,
    generations: Vec<u32>,
    free: Vec<usize>,
    count: usize,
    by_id: std::collections::HashMap<u64, usize>,
}

impl Clients {
    /// Connected clients (including one taken out while it runs a command).
    pub fn len(&self) -> usize {
        self.count
    }
    /// No clients.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    fn insert(&mut self, slot: Box<Slot>) -> (usize, u64) {
        let idx = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.generations.push(0);
            self.slots.len() - 1
        });
        self.generations[idx] = self.generations[idx].wrapping_add(1);
        let token = (u64::from(self.generations[idx]) << 32) | idx as u64;
        self.by_id.insert(slot.client.id, idx);
        self.slots[idx] = Some(slot);
        self.count += 1;
        (idx, token)
    }
    fn index_of(&self, token: u64) -> Option<usize> {
        let idx = (token & 0xffff_ffff) as usize;
        (self.generations.get(idx).copied() == Some((token >> 32) as u32)).then_some(idx)
    }
    fn take(&mut self, idx: usize) -> Option<Box<Slot>> {
        self.slots.get_mut(idx)?.take()
    }
    fn put(&mut self, idx: usize, slot: Box<Slot>) {
        self.slots[idx] = Some(slot);
    }
    fn remove(&mut self, idx: usize, id: u64) {
        self.by_id.remove(&id);
        self.free.push(idx);
        self.count -= 1;
    }
    /// Slab index of the client with this CLIENT ID.
    pub fn index_of_id(&self, id: u64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }
    /// The client with this id, if it is in the slab.
    pub fn get_by_id_mut(&mut self, id: u64) -> Option<&mut Slot> {
        let idx = self.index_of_id(id)?;
        self.slots.get_mut(idx)?.as_deref_mut()
    }
    /// Clients currently in the slab (the one running a command is not).
    pub fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }
    /// The client at a slab index, if it is in the slab.
    #[inline]
    pub fn slot_mut(&mut self, idx: usize) -> Option<&mut Slot> {
        self.slots.get_mut(idx)?.as_deref_mut()
    }
    /// Mutable access to every client in the slab.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        self.slots.iter_mut().filter_map(|s| s.as_deref_mut())
    }
}

/// Everything the server owns apart from the event loop's own handles.
/// Commands get `&mut Shared` plus the calling client.
pub struct Shared {
    /// Live configuration.
    pub config: Config,
    /// The keyspace.
    pub store: Store,
    /// Connected clients (the caller of the running command is taken out).
    pub clients: Clients,
    /// INFO stats.
    pub stats: Stats,
    /// Per-command stats, indexed like `registry().specs`.
    pub cmd_stats: Vec<CmdStat>,
    /// Error replies by code.
    pub error_stats: BTreeMap<String, u64>,
    /// SLOWLOG.
    pub slowlog: SlowLog,
    /// The latency monitor's spikes (LATENCY).
    pub latency: crate::latency::Monitor,
    /// Start time.
    pub started: Instant,
    /// Start time, ms since the epoch.
    pub started_unix_ms: u64,
    /// 40 hex characters, new per process.
    pub run_id: String,
    /// Next CLIENT ID.
    pub next_client_id: u64,
    /// Changes since the last save.
    pub dirty: u64,
    /// Set when the server should stop.
    pub shutdown: Option<Shutdown>,
    /// Clients in MONITOR mode (their ids).
    pub monitors: Vec<u64>,
    /// Pending MONITOR lines.
    pub monitor_feed: Vec<u8>,
    /// Indexes of clients with output to write before sleeping.
    pub pending_writes: Vec<usize>,
    /// Drops large values off the loop thread.
    pub lazyfree: LazyFree,
    /// The listening sockets (CONFIG SET port / bind re-binds them).
    pub listeners: Listeners,
    /// Last cron time (ms).
    pub last_cron_ms: u64,
    /// Active expiry on (DEBUG SET-ACTIVE-EXPIRE 0 turns it off for tests).
    pub active_expire_enabled: bool,
    /// Blocked clients and WATCHed keys.
    pub events: KeyEvents,
    /// Clients unblocked this turn whose pending input must run.
    pub unblocked: Vec<u64>,
    /// SAVE/BGSAVE state.
    pub persistence: crate::persistence::Persistence,
    /// The loop's clock (wall clock once per turn, cheap monotonic µs).
    pub clock: Clock,
    /// Monotonic µs at which the next command starts: the end of the previous
    /// one in the same batch, or the start of the batch. Chaining the
    /// readings makes timing a command cost one clock read, not two.
    pub cmd_start_us: u64,
    /// Channel, pattern and shard channel subscriptions.
    pub pubsub: crate::pubsub::PubSub,
    /// Output size above which a client's `client-output-buffer-limit` is
    /// checked after a command (`usize::MAX`: no normal or pubsub limit).
    pub obuf_check_at: usize,
    /// The Lua engine and script cache, created on first use (taken out
    /// while a script runs: see `scripting::Scripting::run`).
    pub scripting: Option<Box<crate::scripting::Scripting>>,
    /// maxmemory eviction state and statistics.
    pub evict: crate::evict::Eviction,
    /// Highest used memory seen (INFO used_memory_peak).
    pub mem_peak: u64,
    /// Used memory when the server was ready (INFO used_memory_startup).
    pub mem_startup: u64,
    /// The keyspace notification classes that publish (see
    /// `pubsub::notify_mask`): 0 while notifications are off, so a write
    /// command pays one test.
    pub notify_mask: u32,
}

/// Values whose free effort exceeds this are freed on the lazyfree thread
/// (Redis's LAZYFREE_THRESHOLD).
const LAZYFREE_THRESHOLD: usize = 64;

impl Shared {
    /// Records a reading of used memory for the peak.
    #[inline]
    pub fn note_memory(&mut self, used: u64) {
        if used > self.mem_peak {
            self.mem_peak = used;
        }
    }

    /// Drops a removed value: large collections on the lazyfree thread, so
    /// DEL of a huge key never stalls the loop; small values right here
    /// (handing them to a thread would cost more than freeing them).
    pub fn drop_value(&self, v: ember_store::Value) {
        if v.free_effort() > LAZYFREE_THRESHOLD {
            self.lazyfree.free(v);
        }
    }

    /// Counts an error reply sent to a client.
    pub fn count_error(&mut self, e: &CmdError) {
        self.stats.total_error_replies += 1;
        if let Some(n) = self.error_stats.get_mut(e.code()) {
            *n += 1;
        } else {
            self.error_stats.insert(e.code().to_string(), 1);
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Microseconds since the Unix epoch.
pub fn unix_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

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

fn random_hex(n: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut s = String::with_capacity(n);
    while s.len() < n {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(unix_us());
        s.push_str(&format!("{:016x}", h.finish()));
    }
    s.truncate(n);
    s
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
        let now = unix_ms();
        let mut store = Store::new(config.databases);
        crate::pubsub::record_key_events(&mut store, config.notify_keyspace_events);
        let shared = Shared {
            store,
            clients: Clients::default(),
            stats: Stats::default(),
            cmd_stats: vec![CmdStat::default(); registry().specs.len()],
            error_stats: BTreeMap::new(),
            slowlog: SlowLog::default(),
            latency: Default::default(),
            started: Instant::now(),
            started_unix_ms: now,
            run_id: random_hex(40),
            next_client_id: 1,
            dirty: 0,
            shutdown: None,
            monitors: Vec::new(),
            monitor_feed: Vec::new(),
            pending_writes: Vec::new(),
            lazyfree: LazyFree::start(config.value("bio_cpulist").unwrap_or_default()),
            listeners,
            last_cron_ms: now,
            active_expire_enabled: true,
            events: KeyEvents::default(),
            unblocked: Vec::new(),
            persistence: crate::persistence::Persistence::new(),
            clock: Clock::new(),
            cmd_start_us: 0,
            pubsub: Default::default(),
            obuf_check_at: crate::pubsub::output_check_threshold(&config.client_output_buffer_limit),
            scripting: None,
            evict: crate::evict::Eviction::default(),
            mem_peak: 0,
            mem_startup: 0,
            notify_mask: crate::pubsub::notify_mask(config.notify_keyspace_events),
            config,
        };
        let mut shared = shared;
        crate::evict::sync_config(&mut shared);
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
            self.serve_blocked();
            self.flush_monitors();
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
                    self.expire_blocked(now);
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
        self.process_input(idx, &mut slot);
        self.shared.clients.put(idx, slot);
        self.after_command(idx);
        self.serve_blocked();
    }

    /// Runs again the command of every client blocked on a key that became
    /// ready, in FIFO order per key, then the pending input of the clients
    /// that were served. Repeats while serving made more keys ready (a
    /// BLMOVE into a key another client waits on).
    #[inline]
    fn serve_blocked(&mut self) {
        if self.shared.events.has_ready() || !self.shared.unblocked.is_empty() {
            self.serve_blocked_now();
        }
    }

    #[inline(never)]
    fn serve_blocked_now(&mut self) {
        while self.shared.events.has_ready() || !self.shared.unblocked.is_empty() {
            for (db, key) in self.shared.events.take_ready() {
                for id in self.shared.events.waiters(db, &key) {
                    let Some(idx) = self.shared.clients.index_of_id(id) else { continue };
                    let Some(mut slot) = self.shared.clients.take(idx) else { continue };
                    self.rerun_blocked(idx, &mut slot);
                    self.shared.clients.put(idx, slot);
                }
            }
            for id in std::mem::take(&mut self.shared.unblocked) {
                let Some(idx) = self.shared.clients.index_of_id(id) else { continue };
                let Some(mut slot) = self.shared.clients.take(idx) else { continue };
                self.process_input(idx, &mut slot);
                self.shared.clients.put(idx, slot);
            }
        }
    }

    fn rerun_blocked(&mut self, idx: usize, slot: &mut Slot) {
        let Some(raw): Option<Vec<u8>> = slot.client.blocked.as_ref().map(|b| b.raw.clone()) else { return };
        let mut decoder = CommandDecoder::new(Limits { max_bulk_len: u64::MAX, ..Limits::default() });
        let Ok(Some(cmd)) = decoder.decode(&raw) else { return };
        let start = self.shared.clock.mono_us();
        self.shared.cmd_start_us = start;
        let now = self.shared.clock.unix_ms_at(start);
        crate::dispatch::execute(&mut self.shared, &mut slot.client, &cmd, &raw, now);
        if slot.client.blocked.is_none() {
            self.finish_unblock(idx, &mut slot.client);
        }
    }

    fn finish_unblock(&mut self, idx: usize, client: &mut Client) {
        self.shared.unblocked.push(client.id);
        if !client.pending_write {
            client.pending_write = true;
            self.shared.pending_writes.push(idx);
        }
    }

    /// Replies to blocked clients whose timeout passed.
    fn expire_blocked(&mut self, now: u64) {
        for id in self.shared.events.timed_out(now) {
            let Some(idx) = self.shared.clients.index_of_id(id) else { continue };
            let Some(mut slot) = self.shared.clients.take(idx) else { continue };
            if let Some(state) = slot.client.blocked.take() {
                self.shared.events.unblock(id, &state);
                state.req.on_timeout.write(&mut slot.client.out);
                self.finish_unblock(idx, &mut slot.client);
            }
            self.shared.clients.put(idx, slot);
        }
        if !self.shared.unblocked.is_empty() {
            self.serve_blocked();
        }
    }

    /// Runs every complete command in the client's buffer.
    fn process_input(&mut self, idx: usize, slot: &mut Slot) {
        let Slot { client, input } = slot;
        let start = self.shared.clock.mono_us();
        self.shared.cmd_start_us = start;
        let now = self.shared.clock.unix_ms_at(start);
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
                        crate::dispatch::execute(&mut self.shared, client, &cmd, raw, now);
                        if client.out.buf.len() >= self.shared.obuf_check_at {
                            self.check_output_limit(client, now);
                        }
                    }
                    consumed += n;
                }
                Err(e) => {
                    log!(Verbose, "Protocol error ({e}) from client: id={} addr={}", client.id, client.addr);
                    let mut text = b"ERR ".to_vec();
                    text.extend_from_slice(&e.message());
                    ember_resp::encode::error(&mut client.out.buf, &text);
                    self.shared.stats.total_error_replies += 1;
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
            self.shared.pending_writes.push(idx);
        }
    }

    /// `client-output-buffer-limit` for a client whose replies grew past the
    /// smallest limit.
    #[cold]
    fn check_output_limit(&mut self, client: &mut Client, now: u64) {
        if crate::pubsub::check_output_limit(client, &self.shared.config.client_output_buffer_limit, now) {
            self.shared.stats.client_output_buffer_limit_disconnections += 1;
        }
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
                self.process_input(idx, &mut slot);
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
        if slot.client.monitor {
            self.shared.monitors.retain(|&id| id != slot.client.id);
        }
        if let Some(state) = &slot.client.blocked {
            self.shared.events.unblock(slot.client.id, state);
        }
        if !slot.client.watched.is_empty() {
            self.shared.events.unwatch(slot.client.id, &slot.client.watched);
        }
        let mut slot = slot;
        self.shared.pubsub.drop_client(&mut slot.client);
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
            let n = self.shared.store.active_expire(now, 64);
            self.shared.stats.expired_keys += n as u64;
            if self.shared.notify_mask & crate::config::notify::EXPIRED != 0 {
                crate::pubsub::notify_key_events(&mut self.shared, None);
            }
            more = n == 64;
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

    fn flush_monitors(&mut self) {
        if self.shared.monitor_feed.is_empty() {
            return;
        }
        let feed = std::mem::take(&mut self.shared.monitor_feed);
        let ids = self.shared.monitors.clone();
        for (idx, slot) in self.shared.clients.slots.iter_mut().enumerate() {
            if let Some(s) = slot.as_deref_mut() {
                if ids.contains(&s.client.id) && !s.client.close_asap {
                    s.client.out.buf.extend_from_slice(&feed);
                    let now = self.shared.clock.now_ms();
                    if crate::pubsub::check_output_limit(
                        &mut s.client,
                        &self.shared.config.client_output_buffer_limit,
                        now,
                    ) {
                        self.shared.stats.client_output_buffer_limit_disconnections += 1;
                    }
                    if !s.client.pending_write {
                        s.client.pending_write = true;
                        self.shared.pending_writes.push(idx);
                    }
                }
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
