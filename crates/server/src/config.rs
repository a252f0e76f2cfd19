//! Server configuration: redis.conf syntax, command-line overrides and the
//! parameter table behind `CONFIG GET` / `CONFIG SET` / `CONFIG REWRITE`.
//!
//! Every parameter is declared once in [`PARAMS`] with its Redis name, legacy
//! aliases, kind (bool, integer, memory, enum, string, special) and whether it
//! can change at run time. Parsing a config file, `--name value` options and
//! `CONFIG SET` all go through the same setter, so they accept exactly the same
//! values and report the same errors.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ember_resp::split_inline;

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

/// The whole configuration. Fields are read directly on the hot path.
#[derive(Clone, Debug)]
pub struct Config {
    /// Addresses to listen on (`-` prefix: optional; `*`: every IPv4
    /// address; `::*`: every IPv6 address). CONFIG SET re-binds live.
    pub bind: Vec<String>,
    /// TCP port. 0 disables TCP, as in Redis: ember (which has no Unix
    /// socket) then refuses to start, and `CONFIG SET port 0` closes the
    /// listening sockets, leaving only the connections already open.
    pub port: u16,
    /// Refuse non-loopback clients when no password and no explicit bind.
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
    /// Number of databases.
    pub databases: usize,
    /// Password of the default user, if any.
    pub requirepass: Option<Vec<u8>>,
    /// Maximum simultaneous clients.
    pub maxclients: usize,
    /// Memory limit in bytes (0 = none).
    pub maxmemory: u64,
    /// Eviction policy name.
    pub maxmemory_policy: &'static str,
    /// Keys sampled per eviction.
    pub maxmemory_samples: i64,
    /// Largest query buffer per client, in bytes.
    pub client_query_buffer_limit: u64,
    /// Largest bulk string a client may send, in bytes.
    pub proto_max_bulk_len: u64,
    /// Background task frequency.
    pub hz: i64,
    /// Adapt hz to the number of clients.
    pub dynamic_hz: bool,
    /// RDB save points: (seconds, changes).
    pub save: Vec<(u64, u64)>,
    /// RDB file name.
    pub dbfilename: String,
    /// Working directory.
    pub dir: String,
    /// LZF-compress strings in RDB files.
    pub rdbcompression: bool,
    /// Write and check the RDB CRC-64.
    pub rdbchecksum: bool,
    /// Refuse writes while the last background save failed.
    pub stop_writes_on_bgsave_error: bool,
    /// Slow log threshold in microseconds (negative disables).
    pub slowlog_log_slower_than: i64,
    /// Slow log capacity.
    pub slowlog_max_len: u64,
    /// Latency monitor threshold in milliseconds.
    pub latency_monitor_threshold: i64,
    /// Who may run DEBUG.
    pub enable_debug_command: Access,
    /// Free large values on a background thread for DEL.
    pub lazyfree_lazy_user_del: bool,
    /// Free large values on a background thread for FLUSHALL/FLUSHDB.
    pub lazyfree_lazy_user_flush: bool,
    /// Free values on a background thread when keys expire.
    pub lazyfree_lazy_expire: bool,
    /// Free values on a background thread on server-side deletes.
    pub lazyfree_lazy_server_del: bool,
    /// Free values on a background thread on eviction.
    pub lazyfree_lazy_eviction: bool,
    /// Active expiry effort, 1..10.
    pub active_expire_effort: i64,
    /// LFU counter logarithm factor.
    pub lfu_log_factor: i64,
    /// LFU counter decay time in minutes.
    pub lfu_decay_time: i64,
    /// List node size (negative: bytes class, positive: entries).
    pub list_max_listpack_size: i64,
    /// List nodes left uncompressed at each end.
    pub list_compress_depth: i64,
    /// Largest hash kept as a listpack (entries).
    pub hash_max_listpack_entries: i64,
    /// Largest hash value kept in a listpack (bytes).
    pub hash_max_listpack_value: i64,
    /// Largest all-integer set kept as an intset.
    pub set_max_intset_entries: i64,
    /// Largest set kept as a listpack (entries).
    pub set_max_listpack_entries: i64,
    /// Largest set member kept in a listpack (bytes).
    pub set_max_listpack_value: i64,
    /// Largest sorted set kept as a listpack (entries).
    pub zset_max_listpack_entries: i64,
    /// Largest sorted set member kept in a listpack (bytes).
    pub zset_max_listpack_value: i64,
    /// Sparse HyperLogLog size limit.
    pub hll_sparse_max_bytes: i64,
    /// Keyspace notification classes.
    pub notify_keyspace_events: String,
    /// Accepted and reported, not acted on (AOF is not implemented).
    pub appendonly: bool,
    /// Accepted and reported.
    pub appendfilename: String,
    /// Accepted and reported.
    pub appendfsync: &'static str,
    /// Accepted and reported.
    pub daemonize: bool,
    /// Accepted and reported.
    pub supervised: &'static str,
    /// Accepted and reported.
    pub io_threads: i64,
    /// Accepted and reported.
    pub activerehashing: bool,
    /// Accepted and reported.
    pub always_show_logo: bool,
    /// Accepted and reported.
    pub set_proc_title: bool,
    /// Accepted and reported.
    pub client_output_buffer_limit: String,
    /// Accepted and reported.
    pub unixsocket: String,
    /// Accepted and reported.
    pub unixsocketperm: i64,
    /// Accepted and reported.
    pub maxmemory_clients: u64,
    /// Accepted and reported.
    pub replica_read_only: bool,
    /// Accepted and reported.
    pub stream_node_max_bytes: u64,
    /// Accepted and reported.
    pub stream_node_max_entries: i64,
    /// Accepted and reported.
    pub lua_time_limit: i64,
    /// Accepted and reported.
    pub crash_log_enabled: bool,
    /// Accepted and reported.
    pub jemalloc_bg_thread: bool,
    /// Accepted and reported.
    pub rdb_del_sync_files: bool,
    /// Accepted and reported.
    pub rdb_save_incremental_fsync: bool,
    /// Accepted and reported.
    pub syslog_enabled: bool,
    /// Accepted and reported.
    pub maxmemory_eviction_tenacity: i64,
    /// Whether CONFIG SET may change protected parameters (dir, dbfilename).
    pub enable_protected_configs: Access,
    /// Accepted and reported.
    pub replica_serve_stale_data: bool,
    /// Accepted and reported.
    pub repl_diskless_sync: bool,
    /// Accepted and reported.
    pub appendonly_aof_use_rdb_preamble: bool,
    /// Path of the config file, if the server was started with one.
    pub config_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            port: 6379,
            protected_mode: true,
            tcp_backlog: 511,
            timeout: 0,
            tcp_keepalive: 300,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            pidfile: String::new(),
            databases: 16,
            requirepass: None,
            maxclients: 10000,
            maxmemory: 0,
            maxmemory_policy: "noeviction",
            maxmemory_samples: 5,
            client_query_buffer_limit: 1 << 30,
            proto_max_bulk_len: 512 << 20,
            hz: 10,
            dynamic_hz: true,
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            dbfilename: "dump.rdb".into(),
            dir: ".".into(),
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            enable_debug_command: Access::No,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_eviction: false,
            active_expire_effort: 1,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            hll_sparse_max_bytes: 3000,
            notify_keyspace_events: String::new(),
            appendonly: false,
            appendfilename: "appendonly.aof".into(),
            appendfsync: "everysec",
            daemonize: false,
            supervised: "no",
            io_threads: 1,
            activerehashing: true,
            always_show_logo: false,
            set_proc_title: true,
            client_output_buffer_limit: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".into(),
            unixsocket: String::new(),
            unixsocketperm: 0,
            maxmemory_clients: 0,
            replica_read_only: true,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            lua_time_limit: 5000,
            crash_log_enabled: true,
            jemalloc_bg_thread: true,
            rdb_del_sync_files: false,
            rdb_save_incremental_fsync: true,
            syslog_enabled: false,
            maxmemory_eviction_tenacity: 10,
            enable_protected_configs: Access::No,
            replica_serve_stale_data: true,
            repl_diskless_sync: true,
            appendonly_aof_use_rdb_preamble: true,
            config_file: None,
        }
    }
}

/// Why a value was refused. The text is what Redis prints after the
/// parameter name, so one type serves config files and `CONFIG SET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError(pub String);

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &[&[u8]]) -> Result<(), ValueError>;

/// One configuration parameter.
pub struct Param {
    /// Canonical Redis name.
    pub name: &'static str,
    /// Legacy name accepted everywhere (e.g. `hash-max-ziplist-entries`).
    pub alias: Option<&'static str>,
    /// Whether `CONFIG SET` may change it.
    pub mutable: bool,
    /// Refused by CONFIG SET unless `enable-protected-configs` allows it.
    pub protected: bool,
    /// Whether a config line may carry several arguments (`save 900 1 300 10`).
    pub multi_arg: bool,
    /// Renders the current value as `CONFIG GET` shows it.
    pub get: Getter,
    /// Parses and stores a value.
    pub set: Setter,
}

fn one<'a>(args: &[&'a [u8]]) -> Result<&'a [u8], ValueError> {
    match args {
        [v] => Ok(v),
        _ => Err(ValueError("wrong number of arguments".into())),
    }
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Parses `yes`/`no` the way Redis does (case-insensitive).
pub fn parse_bool(v: &[u8]) -> Result<bool, ValueError> {
    if v.eq_ignore_ascii_case(b"yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case(b"no") {
        Ok(false)
    } else {
        Err(ValueError("argument must be 'yes' or 'no'".into()))
    }
}

fn bool_str(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// Parses a signed integer within `[min, max]`, written as Redis's
/// `string2ll` requires: an optional `-` and digits without a leading zero
/// (`0` alone is fine); no `+`, spaces or `-0`.
pub fn parse_int(v: &[u8], min: i64, max: i64) -> Result<i64, ValueError> {
    let digits = v.strip_prefix(b"-").unwrap_or(v);
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || (digits.len() == 1 && digits.len() == v.len()));
    let n: i64 = std::str::from_utf8(v)
        .ok()
        .filter(|_| canonical)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ValueError("argument couldn't be parsed into an integer".into()))?;
    if n < min || n > max {
        return Err(ValueError(format!("argument must be between {min} and {max} inclusive")));
    }
    Ok(n)
}

/// Parses a memory amount with Redis's units: `k`/`m`/`g` are powers of
/// 1000, `kb`/`mb`/`gb` powers of 1024, case-insensitive.
pub fn parse_memory(v: &[u8]) -> Option<u64> {
    let lower: Vec<u8> = v.to_ascii_lowercase();
    let (digits, mul): (&[u8], u64) = if let Some(d) = lower.strip_suffix(b"gb") {
        (d, 1 << 30)
    } else if let Some(d) = lower.strip_suffix(b"mb") {
        (d, 1 << 20)
    } else if let Some(d) = lower.strip_suffix(b"kb") {
        (d, 1 << 10)
    } else if let Some(d) = lower.strip_suffix(b"g") {
        (d, 1_000_000_000)
    } else if let Some(d) = lower.strip_suffix(b"m") {
        (d, 1_000_000)
    } else if let Some(d) = lower.strip_suffix(b"k") {
        (d, 1000)
    } else if let Some(d) = lower.strip_suffix(b"b") {
        (d, 1)
    } else {
        (&lower, 1)
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Like Redis (strtoull), a number too large saturates.
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().unwrap_or(u64::MAX);
    Some(n.saturating_mul(mul))
}

fn memory_arg(v: &[u8], max: u64) -> Result<u64, ValueError> {
    let n = parse_memory(v).ok_or_else(|| ValueError("argument must be a memory value".into()))?;
    if n > max {
        return Err(ValueError(format!("argument must be between 0 and {max} inclusive")));
    }
    Ok(n)
}

fn enum_arg(v: &[u8], choices: &[&'static str]) -> Result<&'static str, ValueError> {
    choices
        .iter()
        .copied()
        .find(|c| c.as_bytes().eq_ignore_ascii_case(v))
        .ok_or_else(|| ValueError("argument(s) must be one of the following: ".to_string() + &choices.join(", ")))
}

fn access_str(a: Access) -> &'static str {
    match a {
        Access::No => "no",
        Access::Yes => "yes",
        Access::Local => "local",
    }
}

fn access_arg(v: &[u8]) -> Result<Access, ValueError> {
    Ok(match enum_arg(v, &["no", "yes", "local"])? {
        "yes" => Access::Yes,
        "local" => Access::Local,
        _ => Access::No,
    })
}

/// Keyspace notification classes, in the order Redis prints them.
const NOTIFY_CLASSES: &str = "g$lshzxetd";

/// Validates and normalizes `notify-keyspace-events` as Redis does: `A` is
/// an alias for all the classes `g$lshzxetd`, and the value reads back in a
/// canonical order (`KEA` reads back as `AKE`).
fn parse_notify(v: &[u8]) -> Result<String, ValueError> {
    let mut classes = String::new();
    let (mut all, mut k, mut e, mut m, mut n) = (false, false, false, false, false);
    for &b in v {
        match b {
            b'A' => all = true,
            b'K' => k = true,
            b'E' => e = true,
            b'm' => m = true,
            b'n' => n = true,
            b if NOTIFY_CLASSES.as_bytes().contains(&b) => classes.push(b as char),
            _ => return Err(ValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())),
        }
    }
    let mut out = String::new();
    if all || NOTIFY_CLASSES.chars().all(|c| classes.contains(c)) {
        out.push('A');
    } else {
        out.extend(NOTIFY_CLASSES.chars().filter(|c| classes.contains(*c)));
    }
    for (on, c) in [(k, 'K'), (e, 'E'), (m, 'm'), (n, 'n')] {
        if on {
            out.push(c);
        }
    }
    Ok(out)
}

fn parse_save(args: &[&[u8]]) -> Result<Vec<(u64, u64)>, ValueError> {
    // `save ""` (one empty argument) clears every save point.
    if args.len() == 1 && args[0].is_empty() {
        return Ok(Vec::new());
    }
    // CONFIG SET passes the whole list as one space-separated argument.
    let words: Vec<&[u8]> = args.iter().flat_map(|a| a.split(|b| *b == b' ').filter(|w| !w.is_empty())).collect();
    if words.is_empty() || words.len() % 2 != 0 {
        return Err(ValueError("Invalid save parameters".into()));
    }
    let num = |w: &[u8]| -> Result<u64, ValueError> {
        std::str::from_utf8(w)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| ValueError("Invalid save parameters".into()))
    };
    words.chunks(2).map(|pair| Ok((num(pair[0])?, num(pair[1])?))).collect()
}

macro_rules! p_bool {
    ($name:literal, $field:ident) => {
        p_bool!($name, None, $field, true)
    };
    ($name:literal, $alias:expr, $field:ident, $mutable:expr) => {
        Param {
            name: $name,
            alias: $alias,
            mutable: $mutable,
            protected: false,
            multi_arg: false,
            get: |c| bool_str(c.$field),
            set: |c, a| {
                c.$field = parse_bool(one(a)?)?;
                Ok(())
            },
        }
    };
}

macro_rules! p_int {
    ($name:literal, $field:ident, $min:expr, $max:expr) => {
        p_int!($name, None, $field, $min, $max, true)
    };
    ($name:literal, $alias:expr, $field:ident, $min:expr, $max:expr, $mutable:expr) => {
        Param {
            name: $name,
            alias: $alias,
            mutable: $mutable,
            protected: false,
            multi_arg: false,
            get: |c| c.$field.to_string(),
            set: |c, a| {
                c.$field = parse_int(one(a)?, $min as i64, $max as i64)? as _;
                Ok(())
            },
        }
    };
}

macro_rules! p_mem {
    ($name:literal, $field:ident, $max:expr) => {
        Param {
            name: $name,
            alias: None,
            mutable: true,
            protected: false,
            multi_arg: false,
            get: |c| c.$field.to_string(),
            set: |c, a| {
                c.$field = memory_arg(one(a)?, $max)?;
                Ok(())
            },
        }
    };
}

macro_rules! p_str {
    ($name:literal, $field:ident, $mutable:expr) => {
        Param {
            name: $name,
            alias: None,
            mutable: $mutable,
            protected: false,
            multi_arg: false,
            get: |c| c.$field.clone(),
            set: |c, a| {
                c.$field = text(one(a)?);
                Ok(())
            },
        }
    };
}

macro_rules! p_enum {
    ($name:literal, $field:ident, [$($choice:literal),*]) => {
        Param {
            name: $name,
            alias: None,
            mutable: true,
            protected: false,
            multi_arg: false,
            get: |c| c.$field.to_string(),
            set: |c, a| {
                c.$field = enum_arg(one(a)?, &[$($choice),*])?;
                Ok(())
            },
        }
    };
}

/// Every parameter ember knows, in the order `CONFIG REWRITE` writes them.
pub static PARAMS: &[Param] = &[
    Param {
        name: "bind",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: true,
        get: |c| c.bind.join(" "),
        set: |c, a| {
            // One empty argument is the empty list (listen nowhere). CONFIG
            // SET passes the list as one argument, split like Redis on
            // single spaces, empty words kept: "127.0.0.1 " fails to bind.
            let addrs: Vec<String> = match a {
                [[]] => Vec::new(),
                _ => a.iter().flat_map(|v| v.split(|b| *b == b' ')).map(text).collect(),
            };
            if addrs.len() > crate::listen::MAX_BIND_ADDRS {
                return Err(ValueError("Too many bind addresses specified.".into()));
            }
            c.bind = addrs;
            Ok(())
        },
    },
    p_int!("port", None, port, 0, 65535, true),
    p_bool!("protected-mode", protected_mode),
    p_int!("tcp-backlog", None, tcp_backlog, 0, i32::MAX, false),
    p_int!("timeout", timeout, 0, i32::MAX),
    p_int!("tcp-keepalive", tcp_keepalive, 0, i32::MAX),
    Param {
        name: "loglevel",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: false,
        get: |c| {
            match c.loglevel {
                LogLevel::Debug => "debug",
                LogLevel::Verbose => "verbose",
                LogLevel::Notice => "notice",
                LogLevel::Warning => "warning",
                LogLevel::Nothing => "nothing",
            }
            .into()
        },
        set: |c, a| {
            c.loglevel = match enum_arg(one(a)?, &["debug", "verbose", "notice", "warning"])? {
                "debug" => LogLevel::Debug,
                "verbose" => LogLevel::Verbose,
                "notice" => LogLevel::Notice,
                "warning" => LogLevel::Warning,
                _ => LogLevel::Nothing,
            };
            Ok(())
        },
    },
    p_str!("logfile", logfile, false),
    p_str!("pidfile", pidfile, false),
    p_int!("databases", None, databases, 1, i32::MAX, false),
    Param {
        name: "requirepass",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: false,
        get: |c| c.requirepass.as_deref().map(text).unwrap_or_default(),
        set: |c, a| {
            let v = one(a)?;
            c.requirepass = if v.is_empty() { None } else { Some(v.to_vec()) };
            Ok(())
        },
    },
    p_int!("maxclients", maxclients, 1, i32::MAX),
    p_mem!("maxmemory", maxmemory, u64::MAX),
    p_enum!(
        "maxmemory-policy",
        maxmemory_policy,
        [
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction"
        ]
    ),
    p_int!("maxmemory-samples", maxmemory_samples, 1, i32::MAX),
    p_int!("maxmemory-eviction-tenacity", maxmemory_eviction_tenacity, 0, 100),
    p_mem!("client-query-buffer-limit", client_query_buffer_limit, i64::MAX as u64),
    p_mem!("proto-max-bulk-len", proto_max_bulk_len, i64::MAX as u64),
    Param {
        name: "hz",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: false,
        get: |c| c.hz.to_string(),
        set: |c, a| {
            // Redis clamps hz into 1..=500.
            c.hz = parse_int(one(a)?, 0, i32::MAX as i64)?.clamp(1, 500);
            Ok(())
        },
    },
    p_bool!("dynamic-hz", dynamic_hz),
    Param {
        name: "save",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: true,
        get: |c| {
            let mut s = String::new();
            for (i, (secs, changes)) in c.save.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                let _ = write!(s, "{secs} {changes}");
            }
            s
        },
        set: |c, a| {
            c.save = parse_save(a)?;
            Ok(())
        },
    },
    Param {
        name: "dbfilename",
        alias: None,
        mutable: true,
        protected: true,
        multi_arg: false,
        get: |c| c.dbfilename.clone(),
        set: |c, a| {
            let v = text(one(a)?);
            if v.contains('/') {
                return Err(ValueError("dbfilename can't be a path, just a filename".into()));
            }
            c.dbfilename = v;
            Ok(())
        },
    },
    Param {
        name: "dir",
        alias: None,
        mutable: true,
        protected: true,
        multi_arg: false,
        get: |_| std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default(),
        set: |c, a| {
            let d = text(one(a)?);
            std::env::set_current_dir(&d).map_err(|e| ValueError(format!("No such file or directory: {e}")))?;
            c.dir = d;
            Ok(())
        },
    },
    p_bool!("rdbcompression", rdbcompression),
    p_bool!("rdbchecksum", rdbchecksum),
    p_bool!("stop-writes-on-bgsave-error", stop_writes_on_bgsave_error),
    p_int!("slowlog-log-slower-than", slowlog_log_slower_than, -1, i64::MAX),
    p_int!("slowlog-max-len", slowlog_max_len, 0, i64::MAX),
    p_int!("latency-monitor-threshold", latency_monitor_threshold, 0, i64::MAX),
    Param {
        name: "enable-debug-command",
        alias: None,
        mutable: false,
        protected: false,
        multi_arg: false,
        get: |c| access_str(c.enable_debug_command).into(),
        set: |c, a| {
            c.enable_debug_command = access_arg(one(a)?)?;
            Ok(())
        },
    },
    Param {
        name: "enable-protected-configs",
        alias: None,
        mutable: false,
        protected: false,
        multi_arg: false,
        get: |c| access_str(c.enable_protected_configs).into(),
        set: |c, a| {
            c.enable_protected_configs = access_arg(one(a)?)?;
            Ok(())
        },
    },
    p_bool!("lazyfree-lazy-user-del", lazyfree_lazy_user_del),
    p_bool!("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush),
    p_bool!("lazyfree-lazy-expire", lazyfree_lazy_expire),
    p_bool!("lazyfree-lazy-server-del", lazyfree_lazy_server_del),
    p_bool!("lazyfree-lazy-eviction", lazyfree_lazy_eviction),
    p_int!("active-expire-effort", active_expire_effort, 1, 10),
    p_int!("lfu-log-factor", lfu_log_factor, 0, i32::MAX),
    p_int!("lfu-decay-time", lfu_decay_time, 0, i32::MAX),
    p_int!("list-max-listpack-size", Some("list-max-ziplist-size"), list_max_listpack_size, -5, i32::MAX, true),
    p_int!("list-compress-depth", list_compress_depth, 0, i32::MAX),
    p_int!("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), hash_max_listpack_entries, 0, i64::MAX, true),
    p_int!("hash-max-listpack-value", Some("hash-max-ziplist-value"), hash_max_listpack_value, 0, i64::MAX, true),
    p_int!("set-max-intset-entries", set_max_intset_entries, 0, i64::MAX),
    p_int!("set-max-listpack-entries", set_max_listpack_entries, 0, i64::MAX),
    p_int!("set-max-listpack-value", set_max_listpack_value, 0, i64::MAX),
    p_int!("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), zset_max_listpack_entries, 0, i64::MAX, true),
    p_int!("zset-max-listpack-value", Some("zset-max-ziplist-value"), zset_max_listpack_value, 0, i64::MAX, true),
    p_int!("hll-sparse-max-bytes", hll_sparse_max_bytes, 0, i64::MAX),
    Param {
        name: "notify-keyspace-events",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: false,
        get: |c| c.notify_keyspace_events.clone(),
        set: |c, a| {
            c.notify_keyspace_events = parse_notify(one(a)?)?;
            Ok(())
        },
    },
    p_bool!("appendonly", appendonly),
    p_str!("appendfilename", appendfilename, false),
    p_enum!("appendfsync", appendfsync, ["always", "everysec", "no"]),
    p_bool!("daemonize", None, daemonize, false),
    p_enum!("supervised", supervised, ["upstart", "systemd", "auto", "no"]),
    p_int!("io-threads", None, io_threads, 1, 128, false),
    p_bool!("activerehashing", activerehashing),
    p_bool!("always-show-logo", None, always_show_logo, false),
    p_bool!("set-proc-title", None, set_proc_title, false),
    Param {
        name: "client-output-buffer-limit",
        alias: None,
        mutable: true,
        protected: false,
        multi_arg: true,
        get: |c| c.client_output_buffer_limit.clone(),
        set: |c, a| {
            let words: Vec<String> =
                a.iter().flat_map(|v| v.split(|b| *b == b' ').filter(|w| !w.is_empty())).map(text).collect();
            if words.is_empty() || words.len() % 4 != 0 {
                return Err(ValueError("Wrong number of arguments in buffer limit configuration.".into()));
            }
            c.client_output_buffer_limit = words.join(" ");
            Ok(())
        },
    },
    p_str!("unixsocket", unixsocket, false),
    p_int!("unixsocketperm", None, unixsocketperm, 0, 0o777, false),
    p_mem!("maxmemory-clients", maxmemory_clients, u64::MAX),
    p_bool!("replica-read-only", Some("slave-read-only"), replica_read_only, true),
    p_bool!("replica-serve-stale-data", Some("slave-serve-stale-data"), replica_serve_stale_data, true),
    p_mem!("stream-node-max-bytes", stream_node_max_bytes, u64::MAX),
    p_int!("stream-node-max-entries", stream_node_max_entries, 0, i64::MAX),
    p_int!("lua-time-limit", Some("busy-reply-threshold"), lua_time_limit, 0, i64::MAX, true),
    p_bool!("crash-log-enabled", crash_log_enabled),
    p_bool!("jemalloc-bg-thread", jemalloc_bg_thread),
    p_bool!("rdb-del-sync-files", rdb_del_sync_files),
    p_bool!("rdb-save-incremental-fsync", rdb_save_incremental_fsync),
    p_bool!("syslog-enabled", None, syslog_enabled, false),
    p_bool!("repl-diskless-sync", repl_diskless_sync),
    p_bool!("aof-use-rdb-preamble", appendonly_aof_use_rdb_preamble),
];

/// Finds a parameter by canonical name or alias, case-insensitively.
pub fn find_param(name: &[u8]) -> Option<&'static Param> {
    PARAMS.iter().find(|p| {
        p.name.as_bytes().eq_ignore_ascii_case(name) || p.alias.is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(name))
    })
}

/// A config file or command line that cannot be used, with where and why,
/// rendered like Redis's "FATAL CONFIG FILE ERROR".
#[derive(Debug)]
pub struct LoadError {
    /// The file (or `(command line)`).
    pub source: String,
    /// 1-based line number.
    pub line: usize,
    /// The offending line.
    pub text: String,
    /// Why it was refused.
    pub reason: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "\n*** FATAL CONFIG FILE ERROR (ember {}) ***", env!("CARGO_PKG_VERSION"))?;
        writeln!(f, "Reading the configuration file {}, at line {}", self.source, self.line)?;
        writeln!(f, ">>> '{}'", self.text)?;
        write!(f, "{}", self.reason)
    }
}

impl std::error::Error for LoadError {}

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

    /// Builds a configuration as `redis-server [file] [--name value ...]`
    /// does: the file first (if any; `-` reads standard input), then the
    /// command-line options, which therefore win.
    pub fn from_args(args: &[String]) -> Result<Config, LoadError> {
        let mut config = Config::default();
        let mut rest = args;
        if let Some(first) = args.first() {
            if !first.starts_with("--") {
                let path = PathBuf::from(first);
                let body = if first == "-" {
                    std::io::read_to_string(std::io::stdin()).map_err(|e| LoadError {
                        source: "(stdin)".into(),
                        line: 0,
                        text: String::new(),
                        reason: e.to_string(),
                    })?
                } else {
                    read_file(&path)?
                };
                config.load_text(&body, &path.display().to_string(), path.parent(), 0)?;
                if first != "-" {
                    config.config_file = Some(std::fs::canonicalize(&path).unwrap_or(path));
                }
                rest = &args[1..];
            }
        }
        // Redis joins the options into config lines: `--port 7000 --save ""`
        // becomes "port 7000\nsave """.
        let mut lines = String::new();
        for arg in rest {
            if let Some(name) = arg.strip_prefix("--") {
                if !lines.is_empty() {
                    lines.push('\n');
                }
                lines.push_str(name);
            } else {
                lines.push(' ');
                lines.push_str(&quote(arg));
            }
        }
        config.load_text(&lines, "(command line)", None, 0)?;
        Ok(config)
    }

    /// Applies config-file text. `base` resolves relative `include` paths.
    pub fn load_text(&mut self, body: &str, source: &str, base: Option<&Path>, depth: usize) -> Result<(), LoadError> {
        for (i, raw) in body.lines().enumerate() {
            let fail =
                |reason: String| LoadError { source: source.to_string(), line: i + 1, text: raw.to_string(), reason };
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words =
                split_inline(line.as_bytes()).map_err(|_| fail("Unbalanced quotes in configuration line".into()))?;
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            if name.eq_ignore_ascii_case(b"include") {
                let [path] = args else {
                    return Err(fail("Bad directive or wrong number of arguments".into()));
                };
                if depth > 16 {
                    return Err(fail("include nesting too deep".into()));
                }
                let mut path = PathBuf::from(text(path));
                if path.is_relative() {
                    if let Some(b) = base {
                        path = b.join(path);
                    }
                }
                let body = read_file(&path)?;
                self.load_text(&body, &path.display().to_string(), path.parent(), depth + 1)?;
                continue;
            }
            let Some(param) = find_param(name) else {
                return Err(fail("Bad directive or wrong number of arguments".into()));
            };
            if args.is_empty() || (!param.multi_arg && args.len() != 1) {
                return Err(fail("Bad directive or wrong number of arguments".into()));
            }
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            (param.set)(self, &args).map_err(|e| fail(e.0))?;
        }
        Ok(())
    }

    /// Renders the whole configuration as redis.conf lines, for CONFIG REWRITE.
    pub fn render(&self) -> String {
        let mut out = String::from("# Written by ember (CONFIG REWRITE)\n");
        for p in PARAMS {
            let v = (p.get)(self);
            if p.multi_arg && p.name != "bind" {
                let _ = writeln!(out, "{} {}", p.name, if v.is_empty() { "\"\"".into() } else { v });
            } else {
                let _ = writeln!(out, "{} {}", p.name, quote(&v));
            }
        }
        out
    }
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError {
        source: path.display().to_string(),
        line: 0,
        text: String::new(),
        reason: format!("Fatal error, can't open config file '{}': {e}", path.display()),
    })
}

/// Quotes a value for a config line when it is empty or holds spaces or quotes.
fn quote(v: &str) -> String {
    if !v.is_empty() && !v.bytes().any(|b| b == b' ' || b == b'"' || b == b'\'' || b == b'\\' || b < 0x20) {
        return v.to_string();
    }
    let mut s = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn memory_units_match_redis() {
        for (input, want) in [
            ("0", Some(0)),
            ("100", Some(100)),
            ("1k", Some(1000)),
            ("1kb", Some(1024)),
            ("1K", Some(1000)),
            ("1KB", Some(1024)),
            ("2m", Some(2_000_000)),
            ("2mb", Some(2 << 20)),
            ("1g", Some(1_000_000_000)),
            ("1gb", Some(1 << 30)),
            ("1Gb", Some(1 << 30)),
            ("", None),
            ("kb", None),
            ("-1", None),
            ("99999999999999999999999", Some(u64::MAX)),
            ("1.5mb", None),
            ("12x", None),
        ] {
            assert_eq!(parse_memory(input.as_bytes()), want, "{input}");
        }
    }

    #[test]
    fn command_line_overrides_file() {
        let dir = std::env::temp_dir().join(format!("ember-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inc = dir.join("inc.conf");
        std::fs::write(&inc, "maxclients 77\n").unwrap();
        let main = dir.join("main.conf");
        std::fs::write(
            &main,
            "# comment\nport 7001\n  save \"\"  \ninclude inc.conf\nhash-max-ziplist-entries 5\nclient-query-buffer-limit 2mb\n",
        )
        .unwrap();
        let c = Config::from_args(&args(&[main.to_str().unwrap(), "--port", "7002", "--save", "900", "1"])).unwrap();
        assert_eq!(c.port, 7002);
        assert_eq!(c.maxclients, 77);
        assert_eq!(c.save, vec![(900, 1)]);
        assert_eq!(c.hash_max_listpack_entries, 5);
        assert_eq!(c.client_query_buffer_limit, 2 << 20);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_lines_name_the_line() {
        let mut c = Config::default();
        let e = c.load_text("port 1\nfrobnicate 3\n", "x.conf", None, 0).unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (2, "frobnicate 3"));
        assert!(e.to_string().contains("Bad directive or wrong number of arguments"));
        let e = c.load_text("maxclients lots\n", "x.conf", None, 0).unwrap_err();
        assert_eq!(e.reason, "argument couldn't be parsed into an integer");
        let e = c.load_text("appendonly maybe\n", "x.conf", None, 0).unwrap_err();
        assert_eq!(e.reason, "argument must be 'yes' or 'no'");
        let e = c.load_text("port \"7000\n", "x.conf", None, 0).unwrap_err();
        assert_eq!(e.line, 1);
        let e = c.load_text("port 1 2\n", "x.conf", None, 0).unwrap_err();
        assert!(e.reason.contains("wrong number"));
    }

    #[test]
    fn save_points() {
        let mut c = Config::default();
        c.load_text("save 900 1 300 10\n", "t", None, 0).unwrap();
        assert_eq!(c.save, vec![(900, 1), (300, 10)]);
        assert_eq!((find_param(b"save").unwrap().get)(&c), "900 1 300 10");
        c.load_text("save \"\"\n", "t", None, 0).unwrap();
        assert!(c.save.is_empty());
        assert!(c.load_text("save 900\n", "t", None, 0).is_err());
    }

    #[test]
    fn rewrite_round_trips() {
        let mut c = Config::default();
        c.load_text("port 7100\nrequirepass \"a b\"\nsave \"\"\nbind 0.0.0.0 ::\n", "t", None, 0).unwrap();
        let text = c.render();
        let mut d = Config::default();
        d.load_text(&text, "rewritten", None, 0).unwrap();
        for p in PARAMS {
            if p.name != "dir" {
                assert_eq!((p.get)(&c), (p.get)(&d), "{}", p.name);
            }
        }
    }

    #[test]
    fn aliases_resolve() {
        assert_eq!(find_param(b"HASH-MAX-ZIPLIST-ENTRIES").unwrap().name, "hash-max-listpack-entries");
        assert_eq!(find_param(b"list-max-ziplist-size").unwrap().name, "list-max-listpack-size");
        assert!(find_param(b"nope").is_none());
    }

    #[test]
    fn integers_parse_like_string2ll() {
        for (input, want) in [
            ("0", Some(0)),
            ("7000", Some(7000)),
            ("-1", Some(-1)),
            ("+7000", None),
            ("07000", None),
            ("00", None),
            ("-0", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("1e3", None),
            ("0x10", None),
            ("9223372036854775808", None),
        ] {
            assert_eq!(parse_int(input.as_bytes(), i64::MIN, i64::MAX).ok(), want, "{input:?}");
        }
        let e = parse_int(b"65536", 0, 65535).unwrap_err();
        assert_eq!(e.0, "argument must be between 0 and 65535 inclusive");
    }

    #[test]
    fn bind_lists_split_like_redis() {
        let bind = find_param(b"bind").unwrap();
        let mut c = Config::default();
        (bind.set)(&mut c, &[b"127.0.0.1 -::1"]).unwrap();
        assert_eq!(c.bind, ["127.0.0.1", "-::1"]);
        // One empty argument: listen nowhere.
        (bind.set)(&mut c, &[b""]).unwrap();
        assert!(c.bind.is_empty());
        assert_eq!((bind.get)(&c), "");
        // Single spaces separate; an extra space makes an empty address
        // (which then fails to bind, as in Redis).
        (bind.set)(&mut c, &[b"127.0.0.1 "]).unwrap();
        assert_eq!(c.bind, ["127.0.0.1", ""]);
        // A config line's separate arguments.
        c.load_text("bind 127.0.0.1 ::1\n", "t", None, 0).unwrap();
        assert_eq!(c.bind, ["127.0.0.1", "::1"]);
        let many = vec!["::1"; 17].join(" ");
        let e = (bind.set)(&mut c, &[many.as_bytes()]).unwrap_err();
        assert_eq!(e.0, "Too many bind addresses specified.");
        assert_eq!(c.bind, ["127.0.0.1", "::1"]);
        (bind.set)(&mut c, &[vec!["::1"; 16].join(" ").as_bytes()]).unwrap();
    }
}
