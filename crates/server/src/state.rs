//! The server's state: everything a command can reach besides its own
//! client ([`Shared`]), the statistics INFO reports ([`Stats`],
//! [`CmdStat`]: reset together by CONFIG RESETSTAT), MONITOR's clients and
//! feed ([`Monitors`]), and what a shutdown asks for ([`Shutdown`]).

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ember_store::Store;

use crate::blocking::KeyEvents;
use crate::clients::Clients;
use crate::clock::Clock;
use crate::command::registry;
use crate::config::Config;
use crate::error::CmdError;
use crate::lazyfree::LazyFree;
use crate::listen::Listeners;
use crate::slowlog::SlowLog;

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
    /// Per-command counters (INFO commandstats, latencystats), indexed like
    /// `registry().specs`.
    pub commands: Vec<CmdStat>,
    /// Error replies by code (INFO errorstats).
    pub errors: BTreeMap<String, u64>,
}

impl Stats {
    /// Zeroed counters, with a slot per command of the table.
    pub fn new() -> Stats {
        Stats { commands: vec![CmdStat::default(); registry().specs.len()], ..Default::default() }
    }

    /// CONFIG RESETSTAT: everything back to zero.
    pub fn reset(&mut self) {
        *self = Stats::new();
    }
}

/// MONITOR: the clients watching, and the lines written since the last
/// delivery.
#[derive(Default, Debug)]
pub struct Monitors {
    /// Clients in MONITOR mode (their ids).
    pub clients: Vec<u64>,
    /// Pending MONITOR lines.
    pub feed: Vec<u8>,
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
    /// Clients in MONITOR mode and the lines they are owed.
    pub monitor: Monitors,
    /// Indexes of clients with output to write before sleeping.
    pub pending_writes: Vec<usize>,
    /// Drops large values off the loop thread.
    pub lazyfree: LazyFree,
    /// The listening sockets (CONFIG SET port / bind re-binds them; an
    /// in-process [`crate::engine::Engine`] has none).
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
    /// The state of a server starting with `config`, listening on
    /// `listeners` (none for an in-process engine), with an empty keyspace.
    pub fn new(config: Config, listeners: Listeners, clock: Clock) -> Shared {
        let now = unix_ms();
        let mut store = Store::new(config.databases);
        crate::pubsub::record_key_events(&mut store, config.notify_keyspace_events);
        let mut shared = Shared {
            store,
            clients: Clients::default(),
            stats: Stats::new(),
            slowlog: SlowLog::default(),
            latency: Default::default(),
            started: Instant::now(),
            started_unix_ms: now,
            run_id: random_hex(40),
            next_client_id: 1,
            dirty: 0,
            shutdown: None,
            monitor: Monitors::default(),
            pending_writes: Vec::new(),
            lazyfree: LazyFree::start(config.value("bio_cpulist").unwrap_or_default()),
            listeners,
            last_cron_ms: now,
            active_expire_enabled: true,
            events: KeyEvents::default(),
            unblocked: Vec::new(),
            persistence: crate::persistence::Persistence::new(),
            clock,
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
        crate::evict::sync_config(&mut shared);
        shared
    }

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
        if let Some(n) = self.stats.errors.get_mut(e.code()) {
            *n += 1;
        } else {
            self.stats.errors.insert(e.code().to_string(), 1);
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

/// Forgets a client that is going away: its MONITOR subscription, its
/// blocked command, its WATCHed keys and its channels.
pub fn forget_client(srv: &mut Shared, client: &mut crate::client::Client) {
    if client.monitor {
        srv.monitor.clients.retain(|&id| id != client.id);
    }
    if let Some(state) = &client.blocked {
        srv.events.unblock(client.id, state);
    }
    if !client.watched.is_empty() {
        srv.events.unwatch(client.id, &client.watched);
    }
    srv.pubsub.drop_client(client);
}
