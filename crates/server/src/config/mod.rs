//! Server configuration: redis.conf syntax, command-line overrides and the
//! parameter table behind `CONFIG GET` / `CONFIG SET` / `CONFIG REWRITE`.
//!
//! [`PARAMS`] declares every parameter of Redis 7.0 once: its name and legacy
//! alias, its [`Kind`] (bool, integer, memory, enum, string or a special
//! format), its flags (immutable, protected, hidden, multi-argument) and what
//! ember does with it ([`Support`]). A config file, `--name value` options and
//! `CONFIG SET` all go through [`Param::set`], so they accept exactly the same
//! values, with Redis's error texts, and refuse the same unsupported ones.
//!
//! Parameters ember acts on live in typed [`Config`] fields that the server
//! reads directly; the others are validated like Redis and kept as their
//! `CONFIG GET` text. docs/CONFIG.md is generated from the table.
//!
//! The pieces: [`Config`] here; `params` (the table), `values` (value kinds
//! and parsers), `file` (redis.conf and command-line loading, CONFIG
//! REWRITE's rendering).

use std::collections::BTreeMap;
use std::path::PathBuf;

mod file;
mod params;
mod values;

pub use file::LoadError;
pub use params::{find_param, Param, Support, EVICTION_POLICIES, HIDDEN, IMMUTABLE, MULTI_ARG, PARAMS, PROTECTED};
pub use values::{notify, notify_flags, parse_bool, parse_int, parse_memory, render_notify, Kind, ValueError};

/// Log verbosity, as Redis's `loglevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Everything, including development details.
    Debug,
    /// Many rarely useful details.
    Verbose,
    /// Moderately verbose: what one wants in production.
    Notice,
    /// Only very important or critical messages.
    Warning,
    /// Nothing at all.
    Nothing,
}

/// Who may run `DEBUG` (Redis's `enable-debug-command`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Refused.
    No,
    /// Allowed from any connection.
    Yes,
    /// Allowed from loopback connections only.
    Local,
}

/// The whole configuration. The fields are the parameters ember acts on and
/// are read directly on the hot path; every other parameter is kept as its
/// `CONFIG GET` text (see [`Config::value`]).
#[derive(Clone, Debug)]
pub struct Config {
    /// Addresses to listen on (`-` prefix: optional; `*`: every IPv4
    /// address; `::*`: every IPv6 address). CONFIG SET re-binds live.
    pub bind: Vec<String>,
    /// TCP port. 0 disables TCP, as in Redis: ember (which has no Unix
    /// socket) then refuses to start, and `CONFIG SET port 0` closes the
    /// listening sockets, leaving only the connections already open.
    pub port: u16,
    /// Refuse non-loopback clients when the default user has no password.
    pub protected_mode: bool,
    /// listen(2) backlog.
    pub tcp_backlog: i64,
    /// Idle client timeout in seconds (0 = never).
    pub timeout: u64,
    /// SO_KEEPALIVE interval in seconds (0 = off).
    pub tcp_keepalive: u64,
    /// Log verbosity.
    pub loglevel: LogLevel,
    /// Log file path; empty means stdout.
    pub logfile: String,
    /// PID file path; empty means none.
    pub pidfile: String,
    /// Fork into the background at start-up.
    pub daemonize: bool,
    /// Opt out of transparent huge pages when the kernel forces them.
    pub disable_thp: bool,
    /// Number of databases.
    pub databases: usize,
    /// Password of the default user, if any.
    pub requirepass: Option<Vec<u8>>,
    /// Maximum simultaneous clients.
    pub maxclients: usize,
    /// Memory limit in bytes (0: none); see `crate::evict`.
    pub maxmemory: u64,
    /// Eviction policy name (also decides between LRU and LFU for OBJECT).
    pub maxmemory_policy: &'static str,
    /// Keys sampled per database for each approximate LRU/LFU/TTL eviction.
    pub maxmemory_samples: i64,
    /// Bounds the time one round of eviction may take (0..100).
    pub maxmemory_eviction_tenacity: i64,
    /// LFU counter growth factor.
    pub lfu_log_factor: i64,
    /// LFU counter decay period in minutes (0: no decay).
    pub lfu_decay_time: i64,
    /// Largest query buffer per client, in bytes.
    pub client_query_buffer_limit: u64,
    /// Largest bulk string a client may send, in bytes.
    pub proto_max_bulk_len: u64,
    /// Background task frequency.
    pub hz: i64,
    /// RDB save points: (seconds, changes).
    pub save: Vec<(u64, u64)>,
    /// RDB file name.
    pub dbfilename: String,
    /// The working directory to enter, relative to the current one (`.`:
    /// stay). Parsing only records it (a relative `dir` after another is
    /// joined onto it, as successive chdirs would go); [`Config::enter_dir`]
    /// enters it when the configuration is put into effect, at start-up and
    /// by CONFIG SET, and sets it back to `.`. CONFIG GET reports the actual
    /// working directory.
    pub dir: String,
    /// LZF-compress strings in RDB files.
    pub rdbcompression: bool,
    /// Write and check the RDB CRC-64.
    pub rdbchecksum: bool,
    /// Refuse writes while the last background save failed.
    pub stop_writes_on_bgsave_error: bool,
    /// Rehash incrementally in cron.
    pub activerehashing: bool,
    /// Slow log threshold in microseconds (negative disables).
    pub slowlog_log_slower_than: i64,
    /// Slow log capacity.
    pub slowlog_max_len: u64,
    /// Latency monitor threshold in milliseconds (0: off).
    pub latency_monitor_threshold: u64,
    /// Per-command latency histograms on.
    pub latency_tracking: bool,
    /// Who may run DEBUG.
    pub enable_debug_command: Access,
    /// Whether CONFIG SET may change protected parameters (dir, dbfilename).
    pub enable_protected_configs: Access,
    /// FLUSHALL / FLUSHDB without a mode flag free on a background thread.
    pub lazyfree_lazy_user_flush: bool,
    /// List node size (negative: bytes class, positive: entries).
    pub list_max_listpack_size: i64,
    /// Largest hash kept as a listpack (entries).
    pub hash_max_listpack_entries: i64,
    /// Largest hash value kept in a listpack (bytes).
    pub hash_max_listpack_value: i64,
    /// Largest all-integer set kept as an intset.
    pub set_max_intset_entries: i64,
    /// Largest set kept as a listpack (entries; Redis 7.2's parameter).
    pub set_max_listpack_entries: i64,
    /// Largest set member kept in a listpack (bytes; Redis 7.2's parameter).
    pub set_max_listpack_value: i64,
    /// Largest sorted set kept as a listpack (entries).
    pub zset_max_listpack_entries: i64,
    /// Largest sorted set member kept in a listpack (bytes).
    pub zset_max_listpack_value: i64,
    /// Sparse HyperLogLog size limit.
    pub hll_sparse_max_bytes: i64,
    /// `client-output-buffer-limit`, by class: normal, replica (slave), pubsub.
    pub client_output_buffer_limit: [ObufLimit; 3],
    /// Largest stream node in bytes (0 = no limit).
    pub stream_node_max_bytes: i64,
    /// Most entries in a stream node (0 = no limit).
    pub stream_node_max_entries: i64,
    /// `notify-keyspace-events`, as [`notify`] bits.
    pub notify_keyspace_events: u32,
    /// Path of the config file, if the server was started with one.
    pub config_file: Option<PathBuf>,
    /// Every other parameter, by canonical name, as CONFIG GET prints it.
    other: BTreeMap<&'static str, String>,
}

impl Default for Config {
    fn default() -> Self {
        let other = params::stored_defaults();
        Config {
            // Loopback, as Redis's shipped redis.conf has it (redis-server
            // without a config file listens on `* -::*` and relies on
            // protected mode alone); a deliberate difference, see
            // docs/CONFIG.md.
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            port: 6379,
            protected_mode: true,
            tcp_backlog: 511,
            timeout: 0,
            tcp_keepalive: 300,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            pidfile: String::new(),
            daemonize: false,
            disable_thp: true,
            databases: 16,
            requirepass: None,
            maxclients: 10000,
            maxmemory: 0,
            maxmemory_policy: "noeviction",
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            client_query_buffer_limit: 1 << 30,
            proto_max_bulk_len: 512 << 20,
            hz: 10,
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            dbfilename: "dump.rdb".into(),
            dir: ".".into(),
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            activerehashing: true,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            enable_debug_command: Access::No,
            enable_protected_configs: Access::No,
            lazyfree_lazy_user_flush: false,
            list_max_listpack_size: -2,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            hll_sparse_max_bytes: 3000,
            client_output_buffer_limit: [
                ObufLimit { hard: 0, soft: 0, soft_seconds: 0 },
                ObufLimit { hard: 256 << 20, soft: 64 << 20, soft_seconds: 60 },
                ObufLimit { hard: 32 << 20, soft: 8 << 20, soft_seconds: 60 },
            ],
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            notify_keyspace_events: 0,
            config_file: None,
            other,
        }
    }
}

/// One class's `client-output-buffer-limit`: a client whose pending output
/// exceeds `hard` bytes, or stays above `soft` bytes for `soft_seconds`, is
/// closed. 0 turns a limit off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ObufLimit {
    /// Close as soon as the output exceeds this many bytes.
    pub hard: u64,
    /// Close when the output stays above this many bytes ...
    pub soft: u64,
    /// ... for this many seconds.
    pub soft_seconds: u64,
}

/// Output buffer limit classes, as `ObufLimit` arrays index them.
pub mod obuf_class {
    /// Ordinary clients (and MONITOR).
    pub const NORMAL: usize = 0;
    /// Replicas (ember has none).
    pub const REPLICA: usize = 1;
    /// Clients subscribed to a channel, pattern or shard channel.
    pub const PUBSUB: usize = 2;
}

impl Config {
    /// The collection encoding thresholds, for ember-store.
    pub fn encodings(&self) -> ember_store::EncodingConfig {
        let size = |v: i64| v.clamp(0, i64::MAX) as usize;
        ember_store::EncodingConfig {
            list_max_listpack_size: self.list_max_listpack_size,
            hash_max_listpack_entries: size(self.hash_max_listpack_entries),
            hash_max_listpack_value: size(self.hash_max_listpack_value),
            set_max_intset_entries: size(self.set_max_intset_entries),
            set_max_listpack_entries: size(self.set_max_listpack_entries),
            set_max_listpack_value: size(self.set_max_listpack_value),
            zset_max_listpack_entries: size(self.zset_max_listpack_entries),
            zset_max_listpack_value: size(self.zset_max_listpack_value),
        }
    }

    /// The stream node limits, for ember-store.
    pub fn stream_limits(&self) -> ember_store::types::stream::NodeLimits {
        let size = |v: i64| v.clamp(0, i64::MAX) as usize;
        ember_store::types::stream::NodeLimits {
            max_bytes: size(self.stream_node_max_bytes),
            max_entries: size(self.stream_node_max_entries),
        }
    }

    /// Makes [`dir`](Config::dir) the process's working directory (at
    /// start-up, after a successful load, and in CONFIG SET's apply step);
    /// afterwards `dir` is `.`. The error is chdir's, as Redis prints it.
    pub fn enter_dir(&mut self) -> Result<(), ValueError> {
        if self.dir != "." {
            std::env::set_current_dir(&self.dir)
                .map_err(|e| ValueError::new(nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)).desc()))?;
            self.dir = ".".into();
        }
        Ok(())
    }

    /// A parameter's value as CONFIG GET prints it, by name or alias.
    pub fn value(&self, name: &str) -> Option<String> {
        find_param(name.as_bytes()).map(|p| p.get(self))
    }

    /// Replaces the text of a parameter ember does not act on (for the
    /// adjustments CONFIG SET makes after parsing, as Redis's do).
    pub fn set_text(&mut self, name: &'static str, value: String) {
        if let Some(v) = self.other.get_mut(name) {
            *v = value;
        }
    }
}

#[cfg(test)]
mod testing {
    use super::*;

    pub fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Sets `name` to `value` as CONFIG SET would (one argument).
    pub fn set(c: &mut Config, name: &str, value: &str) -> Result<(), String> {
        find_param(name.as_bytes()).expect(name).set(c, &[value.as_bytes()]).map_err(|e| e.0)
    }

    /// `(value, Ok(CONFIG GET text) or Err(error))` facts observed on Redis
    /// 7.0.15, each checked from the default configuration.
    pub fn check(name: &str, cases: &[(&str, Result<&str, &str>)]) {
        for (value, want) in cases {
            let mut c = Config::default();
            let got = set(&mut c, name, value).map(|()| c.value(name).unwrap());
            assert_eq!(got.as_deref().map_err(String::as_str), *want, "{name} {value:?}");
        }
    }
}
