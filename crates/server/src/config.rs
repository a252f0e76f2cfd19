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

use std::collections::BTreeMap;
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
    /// Working directory, as last set (CONFIG GET reports the actual one).
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
        let other = PARAMS
            .iter()
            .filter_map(|p| match p.value {
                Value::Stored(default) => Some((p.name, default.to_string())),
                Value::Field { .. } => None,
            })
            .collect();
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

/// Why a value was refused. The text is what Redis prints after the
/// parameter name, so one type serves config files and `CONFIG SET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError(pub String);

impl ValueError {
    fn new(text: &str) -> ValueError {
        ValueError(text.to_string())
    }
}

/// What a parameter's values look like (for validation of the parameters
/// kept as text, and for docs/CONFIG.md).
#[derive(Clone, Copy)]
pub enum Kind {
    /// `yes` or `no`, case-insensitive.
    Bool,
    /// A decimal integer (Redis's `string2ll`) in `[min, max]`.
    Int(i64, i64),
    /// An octal integer in `[0, max]` (`unixsocketperm`).
    Octal(i64),
    /// A byte count with an optional unit (`k`, `kb`, `m`, `mb`, `g`, `gb`,
    /// `b`) in `[min, max]`.
    Memory(u64, u64),
    /// One of these words, case-insensitive; CONFIG GET prints it lowercase.
    Enum(&'static [&'static str]),
    /// Any string.
    Str,
    /// A format of its own: the parser gets the current value and the words
    /// of the new one and returns the new CONFIG GET text. The string
    /// describes the format in docs/CONFIG.md.
    Special(Parser, &'static str),
    /// A format only a typed field's own setter knows (`bind`, `save`).
    Custom(&'static str),
}

type Parser = fn(&str, &[&[u8]]) -> Result<String, ValueError>;
type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &[&[u8]]) -> Result<(), ValueError>;

impl Kind {
    /// Validates `words` (one word unless the parameter takes several) and
    /// returns the value as CONFIG GET prints it.
    fn parse(&self, current: &str, words: &[&[u8]]) -> Result<String, ValueError> {
        match *self {
            Kind::Bool => Ok(bool_str(parse_bool(one(words)?)?)),
            Kind::Int(min, max) => Ok(parse_int(one(words)?, min, max)?.to_string()),
            Kind::Octal(max) => Ok(format!("{:o}", parse_octal(one(words)?, max)?)),
            Kind::Memory(min, max) => Ok(memory_arg(one(words)?, min, max)?.to_string()),
            Kind::Enum(choices) => Ok(enum_arg(one(words)?, choices)?.to_string()),
            Kind::Str => Ok(text(one(words)?)),
            Kind::Special(parse, _) => parse(current, words),
            // Only typed fields have custom formats; they parse for themselves.
            Kind::Custom(_) => Err(ValueError::new("no parser for this parameter")),
        }
    }

    /// The type column of docs/CONFIG.md.
    pub fn describe(&self) -> String {
        let bound = |n: i64| match n {
            i64::MAX => "2^63-1".to_string(),
            i64::MIN => "-2^63".to_string(),
            n => n.to_string(),
        };
        match *self {
            Kind::Bool => "yes / no".into(),
            Kind::Int(min, max) => format!("integer {}..{}", bound(min), bound(max)),
            Kind::Octal(max) => format!("octal 0..{max:o}"),
            Kind::Memory(min, max) => {
                let max = if max == u64::MAX { "2^64-1".to_string() } else { bound(max as i64) };
                format!("memory {min}..{max}")
            }
            Kind::Enum(choices) => choices.join(" / "),
            Kind::Str => "string".into(),
            Kind::Special(_, doc) | Kind::Custom(doc) => doc.into(),
        }
    }
}

/// What ember does with a parameter.
#[derive(Clone, Copy)]
pub enum Support {
    /// ember acts on the value; the text notes anything worth knowing.
    Acts(&'static str),
    /// Validated, stored and reported like Redis, with no effect: the text
    /// says why no value can change what a client observes (it tunes a
    /// feature ember does not have and whose switch is refused, or it only
    /// concerns performance or cosmetics).
    Inert(&'static str),
    /// Values other than `allowed` (as CONFIG GET prints it) would need a
    /// feature ember does not have: they are refused with `why`, at
    /// start-up and by CONFIG SET.
    Refuses {
        /// The accepted value.
        allowed: &'static str,
        /// The error text naming the missing feature.
        why: &'static str,
    },
}

/// CONFIG SET refuses it (`can't set immutable config`).
pub const IMMUTABLE: u8 = 1;
/// CONFIG SET refuses it unless `enable-protected-configs` allows it.
pub const PROTECTED: u8 = 2;
/// Left out of CONFIG GET patterns (an exact name still finds it).
pub const HIDDEN: u8 = 4;
/// Takes a list: several config-file arguments, or one argument split on
/// spaces (CONFIG SET, or a quoted config-file argument).
pub const MULTI_ARG: u8 = 8;

/// Where a parameter's value lives.
#[derive(Clone, Copy)]
enum Value {
    /// A typed [`Config`] field the server reads.
    Field { get: Getter, set: Setter },
    /// Kept as CONFIG GET text in `Config::other`; this is the default.
    Stored(&'static str),
}

/// One configuration parameter.
#[derive(Clone, Copy)]
pub struct Param {
    /// Canonical Redis name.
    pub name: &'static str,
    /// Legacy name accepted everywhere (e.g. `hash-max-ziplist-entries`).
    pub alias: Option<&'static str>,
    /// What its values look like.
    pub kind: Kind,
    /// [`IMMUTABLE`], [`PROTECTED`], [`HIDDEN`], [`MULTI_ARG`].
    pub flags: u8,
    /// What ember does with it.
    pub support: Support,
    value: Value,
}

/// A parameter stored in a typed field.
const fn field(name: &'static str, kind: Kind, get: Getter, set: Setter) -> Param {
    Param { name, alias: None, kind, flags: 0, support: Support::Acts(""), value: Value::Field { get, set } }
}

/// A parameter kept as text, validated by `kind`.
const fn stored(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param { name, alias: None, kind, flags: 0, support: Support::Inert(""), value: Value::Stored(default) }
}

impl Param {
    const fn alias(mut self, alias: &'static str) -> Param {
        self.alias = Some(alias);
        self
    }

    const fn flags(mut self, flags: u8) -> Param {
        self.flags |= flags;
        self
    }

    const fn acts(mut self, note: &'static str) -> Param {
        self.support = Support::Acts(note);
        self
    }

    const fn inert(mut self, why: &'static str) -> Param {
        self.support = Support::Inert(why);
        self
    }

    /// Refuses every value but `allowed`.
    const fn only(mut self, allowed: &'static str, why: &'static str) -> Param {
        self.support = Support::Refuses { allowed, why };
        self
    }

    /// Whether CONFIG SET may change it.
    pub fn mutable(&self) -> bool {
        self.flags & IMMUTABLE == 0
    }

    /// Whether CONFIG SET refuses it unless protected configs are enabled.
    pub fn protected(&self) -> bool {
        self.flags & PROTECTED != 0
    }

    /// Whether CONFIG GET patterns skip it.
    pub fn hidden(&self) -> bool {
        self.flags & HIDDEN != 0
    }

    /// Whether it takes a list of words.
    pub fn multi_arg(&self) -> bool {
        self.flags & MULTI_ARG != 0
    }

    /// The current value, as CONFIG GET prints it.
    pub fn get(&self, c: &Config) -> String {
        match self.value {
            Value::Field { get, .. } => get(c),
            Value::Stored(default) => c.other.get(self.name).cloned().unwrap_or_else(|| default.to_string()),
        }
    }

    /// The default value, as CONFIG GET prints it.
    pub fn default_value(&self) -> String {
        match self.value {
            Value::Stored(default) => default.to_string(),
            // `dir` reads the working directory; its default is ".".
            Value::Field { .. } if self.name == "dir" => ".".to_string(),
            Value::Field { get, .. } => get(&Config::default()),
        }
    }

    /// Parses and stores a value given as config-file arguments or as the
    /// one CONFIG SET argument, then refuses it if it needs a feature ember
    /// does not have. On error `c` may be half changed: callers work on a
    /// copy (CONFIG SET) or stop (start-up).
    pub fn set(&self, c: &mut Config, args: &[&[u8]]) -> Result<(), ValueError> {
        let words: Vec<&[u8]> = match args {
            [one] if self.multi_arg() => split_words(one),
            _ => args.to_vec(),
        };
        match self.value {
            Value::Field { set, .. } => set(c, &words)?,
            Value::Stored(_) => {
                let value = self.kind.parse(&self.get(c), &words)?;
                c.other.insert(self.name, value);
            }
        }
        self.check(c)
    }

    /// Refuses the current value if it needs a feature ember lacks.
    pub fn check(&self, c: &Config) -> Result<(), ValueError> {
        if let Support::Refuses { allowed, why } = self.support {
            if self.get(c) != allowed {
                return Err(ValueError::new(why));
            }
        }
        Ok(())
    }
}

/// Splits a list value on single spaces, as Redis does: an empty string is
/// the empty list, and doubled spaces make empty words.
fn split_words(v: &[u8]) -> Vec<&[u8]> {
    if v.is_empty() {
        Vec::new()
    } else {
        v.split(|b| *b == b' ').collect()
    }
}

fn one<'a>(args: &[&'a [u8]]) -> Result<&'a [u8], ValueError> {
    match args {
        [v] => Ok(v),
        _ => Err(ValueError::new("wrong number of arguments")),
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
        Err(ValueError::new("argument must be 'yes' or 'no'"))
    }
}

fn bool_str(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// Parses a signed integer within `[min, max]`, written as Redis's
/// `string2ll` requires: an optional `-` and digits without a leading zero
/// (`0` alone is fine); no `+`, spaces or `-0`.
pub fn parse_int(v: &[u8], min: i64, max: i64) -> Result<i64, ValueError> {
    let n = string2ll(v).ok_or_else(|| ValueError::new("argument couldn't be parsed into an integer"))?;
    if n < min || n > max {
        return Err(ValueError(format!("argument must be between {min} and {max} inclusive")));
    }
    Ok(n)
}

/// Redis's strict integer syntax (see [`parse_int`]).
fn string2ll(v: &[u8]) -> Option<i64> {
    let digits = v.strip_prefix(b"-").unwrap_or(v);
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || (digits.len() == 1 && digits.len() == v.len()));
    std::str::from_utf8(v).ok().filter(|_| canonical).and_then(|s| s.parse().ok())
}

/// The C library's `strtoll` over a whole word: leading white space, an
/// optional sign, at least one digit, nothing after. `Err(true)` when the
/// number does not fit (strtoll then returns the nearest bound).
fn strtoll(v: &[u8]) -> Result<i64, bool> {
    let v = trim_start_c_space(v);
    let (neg, digits) = match v.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, v),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(false);
    }
    let mut n: i64 = 0;
    for &d in digits {
        let d = i64::from(d - b'0');
        n = n.checked_mul(10).and_then(|n| if neg { n.checked_sub(d) } else { n.checked_add(d) }).ok_or(true)?;
    }
    Ok(n)
}

/// Skips the bytes C's `isspace` accepts.
fn trim_start_c_space(v: &[u8]) -> &[u8] {
    let start =
        v.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')).unwrap_or(v.len());
    &v[start..]
}

/// An octal integer in `[0, max]`, as `unixsocketperm` takes it.
fn parse_octal(v: &[u8], max: i64) -> Result<i64, ValueError> {
    let (neg, digits) = match v.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let n = (!digits.is_empty() && digits.iter().all(|d| (b'0'..=b'7').contains(d)))
        .then(|| i64::from_str_radix(std::str::from_utf8(digits).ok()?, 8).ok())
        .flatten()
        .ok_or_else(|| ValueError::new("argument couldn't be parsed as an octal number"))?;
    let n = if neg { -n } else { n };
    if !(0..=max).contains(&n) {
        return Err(ValueError(format!("argument must be between 0 and {max:o} inclusive")));
    }
    Ok(n)
}

/// Parses a memory amount as Redis does: digits (none means 0; a number too
/// large for 64 bits saturates) and an optional unit, case-insensitive:
/// `b`, `k`/`m`/`g` (powers of 1000) or `kb`/`mb`/`gb` (powers of 1024).
/// The multiplication wraps around 2^64 like Redis's.
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
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    Some(n.wrapping_mul(mul))
}

fn memory_arg(v: &[u8], min: u64, max: u64) -> Result<u64, ValueError> {
    let n = parse_memory(v).ok_or_else(|| ValueError::new("argument must be a memory value"))?;
    if n < min || n > max {
        return Err(ValueError(format!("argument must be between {min} and {max} inclusive")));
    }
    Ok(n)
}

fn enum_error(choices: &[&str]) -> ValueError {
    ValueError("argument(s) must be one of the following: ".to_string() + &choices.join(", "))
}

fn enum_arg(v: &[u8], choices: &[&'static str]) -> Result<&'static str, ValueError> {
    choices.iter().copied().find(|c| c.as_bytes().eq_ignore_ascii_case(v)).ok_or_else(|| enum_error(choices))
}

fn access_str(a: Access) -> &'static str {
    match a {
        Access::No => "no",
        Access::Yes => "yes",
        Access::Local => "local",
    }
}

fn access_arg(v: &[u8]) -> Result<Access, ValueError> {
    Ok(match enum_arg(v, ACCESS)? {
        "yes" => Access::Yes,
        "local" => Access::Local,
        _ => Access::No,
    })
}

const ACCESS: &[&str] = &["no", "yes", "local"];

// ---- special formats ------------------------------------------------------

/// Keyspace notification flags (`notify-keyspace-events`), one bit per
/// class letter.
pub mod notify {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: keys reclaimed because their deadline passed.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: keys evicted for maxmemory.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key misses.
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module key types.
    pub const MODULE: u32 = 1 << 12;
    /// `n`: new keys (not part of `A`).
    pub const NEW: u32 = 1 << 13;
    /// `A`: `g$lshzxetd`.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
    /// The class letters of `A`, in the order Redis prints them, with their bits.
    pub const CLASSES: [(u8, u32); 10] = [
        (b'g', GENERIC),
        (b'$', STRING),
        (b'l', LIST),
        (b's', SET),
        (b'h', HASH),
        (b'z', ZSET),
        (b'x', EXPIRED),
        (b'e', EVICTED),
        (b't', STREAM),
        (b'd', MODULE),
    ];
}

/// Parses `notify-keyspace-events` as Redis does (`A` is `g$lshzxetd`).
pub fn notify_flags(v: &[u8]) -> Result<u32, ValueError> {
    let mut flags = 0;
    for &b in v {
        flags |= match b {
            b'A' => notify::ALL,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b'm' => notify::KEY_MISS,
            b'n' => notify::NEW,
            b => match notify::CLASSES.iter().find(|(c, _)| *c == b) {
                Some((_, bit)) => *bit,
                None => return Err(ValueError::new("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
            },
        };
    }
    Ok(flags)
}

/// `notify-keyspace-events` as CONFIG GET prints it: Redis's canonical
/// order (`KEA` reads back as `AKE`, `Kn` as `nK`; with every class, `A`,
/// and then Redis prints no `n` even when it is on).
pub fn render_notify(flags: u32) -> String {
    let mut out = String::new();
    if flags & notify::ALL == notify::ALL {
        out.push('A');
    } else {
        out.extend(notify::CLASSES.iter().filter(|(_, bit)| flags & bit != 0).map(|(c, _)| *c as char));
        if flags & notify::NEW != 0 {
            out.push('n');
        }
    }
    for (bit, c) in [(notify::KEYSPACE, 'K'), (notify::KEYEVENT, 'E'), (notify::KEY_MISS, 'm')] {
        if flags & bit != 0 {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
fn parse_notify(v: &[u8]) -> Result<String, ValueError> {
    notify_flags(v).map(render_notify)
}

fn parse_save(words: &[&[u8]]) -> Result<Vec<(u64, u64)>, ValueError> {
    let bad = || ValueError::new("Invalid save parameters");
    if words.len() % 2 != 0 {
        return Err(bad());
    }
    // Like Redis (strtoll): `+1`, `01` and leading white space are fine, a
    // number too large saturates; seconds must be at least 1.
    let num = |w: &[u8], min: i64| match strtoll(w) {
        Ok(n) if n >= min => Ok(n as u64),
        Err(true) if w.iter().all(|b| *b != b'-') => Ok(i64::MAX as u64),
        _ => Err(bad()),
    };
    words.chunks(2).map(|pair| Ok((num(pair[0], 1)?, num(pair[1], 0)?))).collect()
}

fn render_save(points: &[(u64, u64)]) -> String {
    let mut s = String::new();
    for (i, (secs, changes)) in points.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{secs} {changes}");
    }
    s
}

const BUFFER_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// `client-output-buffer-limit`: `<class> <hard> <soft> <soft seconds>`
/// groups; each updates its class (`replica` is `slave`).
fn parse_buffer_limits(limits: &mut [ObufLimit; 3], words: &[&[u8]]) -> Result<(), ValueError> {
    if words.len() % 4 != 0 {
        return Err(ValueError::new("Wrong number of arguments in buffer limit configuration."));
    }
    // All groups are checked before any applies.
    let mut new = *limits;
    for group in words.chunks(4) {
        let class = if group[0].eq_ignore_ascii_case(b"replica") {
            obuf_class::REPLICA
        } else {
            BUFFER_CLASSES
                .iter()
                .position(|c| c.as_bytes().eq_ignore_ascii_case(group[0]))
                .ok_or_else(|| ValueError::new("Invalid client class specified in buffer limit configuration."))?
        };
        let bad = || ValueError::new("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
        let hard = parse_memory(group[1]).ok_or_else(bad)?;
        let soft = parse_memory(group[2]).ok_or_else(bad)?;
        let secs = strtoll(group[3]).ok().filter(|s| *s >= 0).ok_or_else(bad)?;
        new[class] = ObufLimit { hard, soft, soft_seconds: secs as u64 };
    }
    *limits = new;
    Ok(())
}

/// `client-output-buffer-limit` as CONFIG GET prints it.
fn render_buffer_limits(limits: &[ObufLimit; 3]) -> String {
    let mut out = String::new();
    for (class, l) in BUFFER_CLASSES.iter().zip(limits) {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "{class} {} {} {}", l.hard, l.soft, l.soft_seconds);
    }
    out
}

/// `oom-score-adj`: `relative` is another name for `yes`.
fn parse_oom_score_adj(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = enum_arg(one(words)?, &["no", "yes", "relative", "absolute"])?;
    Ok(if v == "relative" { "yes" } else { v }.to_string())
}

/// `server_cpulist` and the other CPU lists: empty, or what
/// [`crate::process::parse_cpulist`] accepts.
fn parse_cpulist(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let list = text(one(words)?);
    if list.is_empty() || crate::process::parse_cpulist(&list).is_some() {
        Ok(list)
    } else {
        Err(ValueError::new("Invalid CPU list"))
    }
}

/// `oom-score-adj-values`: three integers in -2000..2000 (for the server,
/// a replica and a background child).
fn parse_oom_values(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    if words.len() != 3 {
        return Err(ValueError::new("wrong number of arguments"));
    }
    let values = words
        .iter()
        .map(|w| {
            strtoll(w).ok().filter(|n| (-2000..=2000).contains(n)).ok_or_else(|| {
                ValueError::new("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
            })
        })
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(values.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
}

/// The C library's `strtod` over a whole word: leading white space, then a
/// decimal or hexadecimal floating-point number, `inf`/`infinity` or `nan`.
fn strtod(v: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(trim_start_c_space(v)).ok()?;
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let (mantissa, exp) = match hex.find(['p', 'P']) {
            Some(i) => (&hex[..i], hex[i + 1..].parse::<i32>().ok()?),
            None => (hex, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut x = 0f64;
        for d in int.chars() {
            x = x * 16.0 + f64::from(d.to_digit(16)?);
        }
        let mut scale = 1.0 / 16.0;
        for d in frac.chars() {
            x += f64::from(d.to_digit(16)?) * scale;
            scale /= 16.0;
        }
        x * 2f64.powi(exp)
    } else {
        // Rust's syntax is C's decimal syntax, `inf`, `infinity` and `nan`
        // included (it has no sign here: that was taken above).
        if body.starts_with(['+', '-']) {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if neg { -magnitude } else { magnitude })
}

/// `latency-tracking-info-percentiles`: numbers in 0..100, printed as C's
/// `%f` without trailing zeros.
fn parse_percentiles(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let p = strtod(w)
            .filter(|p| !p.is_nan())
            .ok_or_else(|| ValueError::new("Invalid latency-tracking-info-percentiles parameters"))?;
        if !(0.0..=100.0).contains(&p) {
            return Err(ValueError::new("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"));
        }
        let s = format!("{p:.6}");
        out.push(s.trim_end_matches('0').trim_end_matches('.').to_string());
    }
    Ok(out.join(" "))
}

/// `proc-title-template`: `{name}` variables (`{{` and `}}` are literal
/// braces) from Redis's list, and a title that is not blank once the
/// variables are expanded (`{title}`, `{server-mode}` and `{unixsocket}`
/// may expand to nothing).
fn parse_proc_title(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let template = text(one(words)?);
    let invalid = || ValueError::new("template format is invalid or contains unknown variables");
    let mut expanded = String::new();
    let mut rest = template.as_str();
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("{{").or_else(|| rest.strip_prefix("}}")) {
            expanded.push(c);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').ok_or_else(invalid)?;
            expanded.push_str(match &r[..end] {
                "title" | "server-mode" | "unixsocket" => "",
                "listen-addr" | "port" | "tls-port" | "config-file" => "x",
                _ => return Err(invalid()),
            });
            rest = &r[end + 1..];
        } else {
            expanded.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if expanded.trim_matches(' ').is_empty() {
        return Err(invalid());
    }
    Ok(template)
}

const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: `default` or any of
/// `save`/`nosave`, `now`, `force`.
fn parse_shutdown_flags(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    if words.is_empty() {
        return Err(enum_error(SHUTDOWN_FLAGS));
    }
    let mut on = [false; 5];
    for w in words {
        on[SHUTDOWN_FLAGS
            .iter()
            .position(|f| f.as_bytes().eq_ignore_ascii_case(w))
            .ok_or_else(|| enum_error(SHUTDOWN_FLAGS))?] = true;
    }
    if on[1] && on[2] {
        return Err(ValueError::new("shutdown options SAVE and NOSAVE can't be used simultaneously"));
    }
    let set: Vec<&str> = (1..5).filter(|&i| on[i]).map(|i| SHUTDOWN_FLAGS[i]).collect();
    Ok(if set.is_empty() { "default".to_string() } else { set.join(" ") })
}

/// `maxmemory-clients`: a memory value or a percentage of maxmemory.
fn parse_memory_or_percent(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    let bad = || ValueError::new("argument must be a memory or percent value");
    if let Some(pct) = v.strip_suffix(b"%") {
        let p = string2ll(pct).filter(|p| *p >= 0).ok_or_else(bad)?;
        if p > 100 {
            return Err(ValueError::new("percentage argument must be less or equal to 100"));
        }
        return Ok(if p == 0 { "0".to_string() } else { format!("{p}%") });
    }
    Ok(parse_memory(v).ok_or_else(bad)?.to_string())
}

/// `cluster-announce-hostname`: empty, or a host name.
fn parse_hostname(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    if v.len() >= 256 {
        return Err(ValueError::new("Hostnames must be less than 256 characters"));
    }
    if !v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.') {
        return Err(ValueError::new("Hostnames may only contain alphanumeric characters, hyphens or dots"));
    }
    Ok(text(v))
}

fn parse_aof_filename(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    if v.contains(&b'/') {
        return Err(ValueError::new("appendfilename can't be a path, just a filename"));
    }
    Ok(text(v))
}

fn parse_aof_dirname(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    if v.contains(&b'/') {
        return Err(ValueError::new("appenddirname can't be a path, just a dirname"));
    }
    Ok(text(v))
}

/// `replicaof <host> <port>` or `replicaof no one`.
fn parse_replicaof(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let [host, port] = words else {
        return Err(ValueError::new("wrong number of arguments"));
    };
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        return Ok(String::new());
    }
    let port =
        strtoll(port).ok().filter(|p| (0..=65535).contains(p)).ok_or_else(|| ValueError::new("Invalid master port"))?;
    Ok(format!("{} {port}", text(host)))
}

// ---- the table ------------------------------------------------------------

macro_rules! bool_field {
    ($name:literal, $field:ident) => {
        field(
            $name,
            Kind::Bool,
            |c| bool_str(c.$field),
            |c, a| {
                c.$field = parse_bool(one(a)?)?;
                Ok(())
            },
        )
    };
}

macro_rules! int_field {
    ($name:literal, $field:ident, $min:expr, $max:expr) => {
        field(
            $name,
            Kind::Int($min, $max),
            |c| c.$field.to_string(),
            |c, a| {
                c.$field = parse_int(one(a)?, $min, $max)? as _;
                Ok(())
            },
        )
    };
}

macro_rules! mem_field {
    ($name:literal, $field:ident, $min:expr, $max:expr) => {
        field(
            $name,
            Kind::Memory($min, $max),
            |c| c.$field.to_string(),
            |c, a| {
                c.$field = memory_arg(one(a)?, $min, $max)? as _;
                Ok(())
            },
        )
    };
}

macro_rules! str_field {
    ($name:literal, $field:ident) => {
        field(
            $name,
            Kind::Str,
            |c| c.$field.clone(),
            |c, a| {
                c.$field = text(one(a)?);
                Ok(())
            },
        )
    };
}

const INT: i64 = i32::MAX as i64;
const LONG: i64 = i64::MAX;
const ULONG: u64 = i64::MAX as u64;

const AOF: &str = "tunes AOF persistence, which ember does not have (`appendonly yes` is refused)";
const REPLICATION: &str = "tunes replication, which ember does not have (`replicaof` is refused)";
const CLUSTER: &str = "tunes cluster mode, which ember does not have (`cluster-enabled yes` is refused)";
const TLS: &str = "tunes TLS, which ember does not have (`tls-port` is refused)";
const DEFRAG: &str = "tunes active defragmentation (`activedefrag yes` is refused)";
const ACL: &str = "concerns ACL users; ember has only the default user (`requirepass`)";
const SCRIPTS: &str =
    "a script runs to completion without serving other clients (no BUSY replies; SCRIPT KILL replies NOTBUSY)";
const LAZYFREE: &str = "performance only: ember always frees large values on its lazyfree thread";
const COSMETIC: &str = "cosmetic: ember sets no process title and prints no logo";

const REFUSE_REPLICATION: &str = "ember does not support replication";
const REFUSE_TLS: &str = "ember does not support TLS";
const SHUTDOWN_ON_SIGNAL: &str =
    "`save` / `nosave` override the save points for the final save, `force` exits even if it fails (`now` has nothing to skip without replicas)";

/// Every Redis 7.0 parameter (and ember's two Redis 7.2 set encodings), in
/// redis.conf order. CONFIG REWRITE writes them in this order.
pub static PARAMS: &[Param] = &[
    // Includes, modules, network.
    field("bind", Kind::Custom("addresses; `-` marks an optional one, `*` / `::*` every IPv4 / IPv6 address"), |c| c.bind.join(" "), |c, words| {
        // Empty words are kept: "127.0.0.1 " fails to bind, as in Redis.
        if words.len() > crate::listen::MAX_BIND_ADDRS {
            return Err(ValueError::new("Too many bind addresses specified."));
        }
        c.bind = words.iter().map(|w| text(w)).collect();
        Ok(())
    })
    .flags(MULTI_ARG)
    .acts("CONFIG SET re-binds the listening sockets"),
    stored("bind-source-addr", Kind::Str, "").inert(REPLICATION),
    bool_field!("protected-mode", protected_mode),
    field("enable-protected-configs", Kind::Enum(ACCESS), |c| access_str(c.enable_protected_configs).into(), |c, a| {
        c.enable_protected_configs = access_arg(one(a)?)?;
        Ok(())
    })
    .flags(IMMUTABLE),
    field("enable-debug-command", Kind::Enum(ACCESS), |c| access_str(c.enable_debug_command).into(), |c, a| {
        c.enable_debug_command = access_arg(one(a)?)?;
        Ok(())
    })
    .flags(IMMUTABLE),
    stored("enable-module-command", Kind::Enum(ACCESS), "no")
        .flags(IMMUTABLE)
        .only("no", "ember does not support modules"),
    int_field!("port", port, 0, 65535).acts("CONFIG SET re-binds the listening sockets"),
    int_field!("tcp-backlog", tcp_backlog, 0, INT).flags(IMMUTABLE),
    stored("unixsocket", Kind::Str, "").flags(IMMUTABLE).acts("also listens on this Unix domain socket (removed at shutdown)"),
    stored("unixsocketperm", Kind::Octal(0o777), "0").flags(IMMUTABLE).acts("the Unix socket file's permissions (0: the umask's)"),
    int_field!("timeout", timeout, 0, INT),
    int_field!("tcp-keepalive", tcp_keepalive, 0, INT),
    stored("socket-mark-id", Kind::Int(0, u32::MAX as i64), "0")
        .flags(IMMUTABLE)
        .only("0", "ember does not support socket marks (SO_MARK)"),
    // TLS.
    stored("tls-port", Kind::Int(0, 65535), "0").only("0", REFUSE_TLS),
    stored("tls-cert-file", Kind::Str, "").inert(TLS),
    stored("tls-key-file", Kind::Str, "").inert(TLS),
    stored("tls-key-file-pass", Kind::Str, "").inert(TLS),
    stored("tls-client-cert-file", Kind::Str, "").inert(TLS),
    stored("tls-client-key-file", Kind::Str, "").inert(TLS),
    stored("tls-client-key-file-pass", Kind::Str, "").inert(TLS),
    stored("tls-dh-params-file", Kind::Str, "").inert(TLS),
    stored("tls-ca-cert-file", Kind::Str, "").inert(TLS),
    stored("tls-ca-cert-dir", Kind::Str, "").inert(TLS),
    stored("tls-auth-clients", Kind::Enum(&["no", "yes", "optional"]), "yes").inert(TLS),
    stored("tls-replication", Kind::Bool, "no").only("no", REFUSE_TLS),
    stored("tls-cluster", Kind::Bool, "no").only("no", REFUSE_TLS),
    stored("tls-protocols", Kind::Str, "").inert(TLS),
    stored("tls-ciphers", Kind::Str, "").inert(TLS),
    stored("tls-ciphersuites", Kind::Str, "").inert(TLS),
    stored("tls-prefer-server-ciphers", Kind::Bool, "no").inert(TLS),
    stored("tls-session-caching", Kind::Bool, "yes").inert(TLS),
    stored("tls-session-cache-size", Kind::Int(0, INT), "20480").inert(TLS),
    stored("tls-session-cache-timeout", Kind::Int(0, INT), "300").inert(TLS),
    // General.
    bool_field!("daemonize", daemonize)
        .flags(IMMUTABLE)
        .acts("forks into the background at start-up; the pid file then defaults to /var/run/redis.pid"),
    stored("supervised", Kind::Enum(&["upstart", "systemd", "auto", "no"]), "no")
        .flags(IMMUTABLE)
        .acts("systemd gets READY=1 / STOPPING=1 on $NOTIFY_SOCKET, upstart sees the server SIGSTOP itself when ready"),
    str_field!("pidfile", pidfile).flags(IMMUTABLE),
    field("loglevel", Kind::Enum(&["debug", "verbose", "notice", "warning"]), |c| {
        match c.loglevel {
            LogLevel::Debug => "debug",
            LogLevel::Verbose => "verbose",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Nothing => "nothing",
        }
        .into()
    }, |c, a| {
        c.loglevel = match enum_arg(one(a)?, &["debug", "verbose", "notice", "warning"])? {
            "debug" => LogLevel::Debug,
            "verbose" => LogLevel::Verbose,
            "notice" => LogLevel::Notice,
            _ => LogLevel::Warning,
        };
        Ok(())
    }),
    str_field!("logfile", logfile).flags(IMMUTABLE),
    stored("syslog-enabled", Kind::Bool, "no").flags(IMMUTABLE).acts("log lines also go to syslog(3)"),
    stored("syslog-ident", Kind::Str, "redis").flags(IMMUTABLE).acts("the syslog identity"),
    stored(
        "syslog-facility",
        Kind::Enum(&["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"]),
        "local0",
    )
    .flags(IMMUTABLE)
    .acts("the syslog facility"),
    stored("crash-log-enabled", Kind::Bool, "yes").inert("ember writes no crash report (a panic prints its message)"),
    stored("crash-memcheck-enabled", Kind::Bool, "yes").inert("ember writes no crash report"),
    int_field!("databases", databases, 1, INT).flags(IMMUTABLE),
    stored("always-show-logo", Kind::Bool, "no").flags(IMMUTABLE).inert(COSMETIC),
    stored("set-proc-title", Kind::Bool, "yes").flags(IMMUTABLE).inert(COSMETIC),
    stored(
        "proc-title-template",
        Kind::Special(parse_proc_title, "template of `{title}`, `{listen-addr}`, `{server-mode}`, `{port}`, `{tls-port}`, `{unixsocket}`, `{config-file}`"),
        "{title} {listen-addr} {server-mode}",
    )
    .inert(COSMETIC),
    // Snapshotting.
    field("save", Kind::Custom("pairs of seconds and changes, or `\"\"`"), |c| render_save(&c.save), |c, words| {
        c.save = parse_save(words)?;
        Ok(())
    })
    .flags(MULTI_ARG),
    bool_field!("stop-writes-on-bgsave-error", stop_writes_on_bgsave_error),
    bool_field!("rdbcompression", rdbcompression),
    bool_field!("rdbchecksum", rdbchecksum).flags(IMMUTABLE),
    stored("sanitize-dump-payload", Kind::Enum(&["no", "yes", "clients"]), "no")
        .inert("ember always checks RESTORE payloads in full, as with `yes`"),
    field("dbfilename", Kind::Str, |c| c.dbfilename.clone(), |c, a| {
        let v = one(a)?;
        if v.contains(&b'/') {
            return Err(ValueError::new("dbfilename can't be a path, just a filename"));
        }
        c.dbfilename = text(v);
        Ok(())
    })
    .flags(PROTECTED),
    stored("rdb-del-sync-files", Kind::Bool, "no").inert(REPLICATION),
    field("dir", Kind::Str, |_| std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default(), |c, a| {
        let d = text(one(a)?);
        std::env::set_current_dir(&d).map_err(|e| {
            ValueError::new(nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)).desc())
        })?;
        c.dir = d;
        Ok(())
    })
    .flags(PROTECTED)
    .acts("changes the working directory"),
    // Replication.
    stored("replicaof", Kind::Special(parse_replicaof, "`<host> <port>` or `no one`"), "")
        .alias("slaveof")
        .flags(IMMUTABLE | MULTI_ARG)
        .only("", REFUSE_REPLICATION),
    stored("masterauth", Kind::Str, "").inert(REPLICATION),
    stored("masteruser", Kind::Str, "").inert(REPLICATION),
    stored("replica-serve-stale-data", Kind::Bool, "yes").alias("slave-serve-stale-data").inert(REPLICATION),
    stored("replica-read-only", Kind::Bool, "yes").alias("slave-read-only").inert(REPLICATION),
    stored("repl-diskless-sync", Kind::Bool, "yes").inert(REPLICATION),
    stored("repl-diskless-sync-delay", Kind::Int(0, INT), "5").inert(REPLICATION),
    stored("repl-diskless-sync-max-replicas", Kind::Int(0, INT), "0").inert(REPLICATION),
    stored("repl-diskless-load", Kind::Enum(&["disabled", "on-empty-db", "swapdb"]), "disabled").inert(REPLICATION),
    stored("repl-ping-replica-period", Kind::Int(1, INT), "10").alias("repl-ping-slave-period").inert(REPLICATION),
    stored("repl-timeout", Kind::Int(1, INT), "60").inert(REPLICATION),
    stored("repl-disable-tcp-nodelay", Kind::Bool, "no").inert(REPLICATION),
    stored("repl-backlog-size", Kind::Memory(1, ULONG), "1048576")
        .inert("tunes replication, which ember does not have (`replicaof` is refused); CONFIG SET raises it to 16384, as Redis does"),
    stored("repl-backlog-ttl", Kind::Int(0, LONG), "3600").inert(REPLICATION),
    stored("replica-priority", Kind::Int(0, INT), "100").alias("slave-priority").inert(REPLICATION),
    stored("propagation-error-behavior", Kind::Enum(&["ignore", "panic", "panic-on-replicas"]), "ignore")
        .inert(REPLICATION),
    stored("replica-ignore-disk-write-errors", Kind::Bool, "no").inert(REPLICATION),
    stored("replica-announced", Kind::Bool, "yes").inert(REPLICATION),
    stored("min-replicas-to-write", Kind::Int(0, INT), "0").alias("min-slaves-to-write").only("0", REFUSE_REPLICATION),
    stored("min-replicas-max-lag", Kind::Int(0, INT), "10").alias("min-slaves-max-lag").inert(REPLICATION),
    stored("replica-announce-ip", Kind::Str, "").alias("slave-announce-ip").inert(REPLICATION),
    stored("replica-announce-port", Kind::Int(0, 65535), "0").alias("slave-announce-port").inert(REPLICATION),
    stored("replica-ignore-maxmemory", Kind::Bool, "yes").alias("slave-ignore-maxmemory").inert(REPLICATION),
    stored("replica-lazy-flush", Kind::Bool, "no").alias("slave-lazy-flush").inert(REPLICATION),
    // Keys tracking.
    stored("tracking-table-max-keys", Kind::Int(0, LONG), "1000000")
        .inert("ember has no client-side caching (CLIENT TRACKING)"),
    // Security.
    stored("acllog-max-len", Kind::Int(0, LONG), "128").inert(ACL),
    stored("aclfile", Kind::Str, "").flags(IMMUTABLE).only("", "ember does not support ACL files"),
    field("requirepass", Kind::Str, |c| c.requirepass.as_deref().map(text).unwrap_or_default(), |c, a| {
        let v = one(a)?;
        c.requirepass = if v.is_empty() { None } else { Some(v.to_vec()) };
        Ok(())
    })
    .acts("the default user's password"),
    stored("acl-pubsub-default", Kind::Enum(&["allchannels", "resetchannels"]), "resetchannels").inert(ACL),
    // Clients, memory management.
    int_field!("maxclients", maxclients, 1, u32::MAX as i64),
    mem_field!("maxmemory", maxmemory, 0, u64::MAX).acts(
        "used memory is the allocator's exact count of the bytes it handed out (as Redis's zmalloc); CONFIG SET below the usage evicts at once",
    ),
    field(
        "maxmemory-policy",
        Kind::Enum(EVICTION_POLICIES),
        |c| c.maxmemory_policy.to_string(),
        |c, a| {
            c.maxmemory_policy = enum_arg(one(a)?, EVICTION_POLICIES)?;
            Ok(())
        },
    )
    .acts("all eight policies, approximate LRU/LFU/TTL with a 16-candidate pool as Redis; also decides whether OBJECT FREQ or OBJECT IDLETIME works"),
    int_field!("maxmemory-samples", maxmemory_samples, 1, INT)
        .acts("keys sampled per database for each LRU/LFU/TTL eviction"),
    int_field!("maxmemory-eviction-tenacity", maxmemory_eviction_tenacity, 0, 100)
        .acts("bounds one round of eviction to 50 µs per unit up to 10, then 15 % more per unit, unbounded at 100"),
    stored("active-expire-effort", Kind::Int(1, 10), "1")
        .inert("performance only: ember's active expiry works from a deadline index, with a fixed time budget"),
    // Lazy freeing.
    stored("lazyfree-lazy-eviction", Kind::Bool, "no").inert(
        "performance only: an evicted value is freed like a deleted one, small ones at once and big ones on the lazyfree thread, which is what Redis does with `yes`",
    ),
    stored("lazyfree-lazy-expire", Kind::Bool, "no").inert(LAZYFREE),
    stored("lazyfree-lazy-server-del", Kind::Bool, "no").inert(LAZYFREE),
    stored("lazyfree-lazy-user-del", Kind::Bool, "no").inert(LAZYFREE),
    bool_field!("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush),
    // Threaded I/O, kernel, OOM.
    stored("io-threads", Kind::Int(1, 128), "1")
        .flags(IMMUTABLE)
        .inert("performance only: ember does all I/O on its one thread"),
    stored("io-threads-do-reads", Kind::Bool, "no").flags(IMMUTABLE).inert("performance only (see io-threads)"),
    stored("oom-score-adj", Kind::Special(parse_oom_score_adj, "no / yes / relative / absolute"), "no")
        .acts("writes /proc/self/oom_score_adj for the server and BGSAVE children (at start-up and on CONFIG SET)"),
    stored(
        "oom-score-adj-values",
        Kind::Special(parse_oom_values, "three integers -2000..2000"),
        "0 200 800",
    )
    .flags(MULTI_ARG)
    .acts("the server's and BGSAVE children's scores (the replica value is unused)"),
    bool_field!("disable-thp", disable_thp)
        .flags(IMMUTABLE)
        .acts("when the kernel's THP mode is `always`, opts the process out at start-up, as Redis does"),
    // Append only mode.
    stored("appendonly", Kind::Bool, "no").only("no", "ember does not support AOF persistence"),
    stored("appendfilename", Kind::Special(parse_aof_filename, "file name"), "appendonly.aof").flags(IMMUTABLE).inert(AOF),
    stored("appenddirname", Kind::Special(parse_aof_dirname, "directory name"), "appendonlydir")
        .flags(IMMUTABLE)
        .inert(AOF),
    stored("appendfsync", Kind::Enum(&["everysec", "always", "no"]), "everysec").inert(AOF),
    stored("no-appendfsync-on-rewrite", Kind::Bool, "no").inert(AOF),
    stored("auto-aof-rewrite-percentage", Kind::Int(0, INT), "100").inert(AOF),
    stored("auto-aof-rewrite-min-size", Kind::Memory(0, ULONG), "67108864").inert(AOF),
    stored("aof-load-truncated", Kind::Bool, "yes").inert(AOF),
    stored("aof-use-rdb-preamble", Kind::Bool, "yes").inert(AOF),
    stored("aof-timestamp-enabled", Kind::Bool, "no").inert(AOF),
    stored("aof-disable-auto-gc", Kind::Bool, "no").inert(AOF),
    stored("aof-rewrite-incremental-fsync", Kind::Bool, "yes").inert(AOF),
    // Shutdown.
    stored("shutdown-timeout", Kind::Int(0, INT), "10").inert("waits for replicas, which ember does not have"),
    stored("shutdown-on-sigint", Kind::Special(parse_shutdown_flags, "default, or save / nosave, now, force"), "default")
        .flags(MULTI_ARG)
        .acts(SHUTDOWN_ON_SIGNAL),
    stored("shutdown-on-sigterm", Kind::Special(parse_shutdown_flags, "default, or save / nosave, now, force"), "default")
        .flags(MULTI_ARG)
        .acts(SHUTDOWN_ON_SIGNAL),
    // Lua scripting.
    stored("busy-reply-threshold", Kind::Int(0, LONG), "5000").alias("lua-time-limit").inert(SCRIPTS),
    // Cluster.
    stored("cluster-enabled", Kind::Bool, "no").flags(IMMUTABLE).only("no", "ember does not support cluster mode"),
    stored("cluster-config-file", Kind::Str, "nodes.conf").flags(IMMUTABLE).inert(CLUSTER),
    stored("cluster-node-timeout", Kind::Int(0, LONG), "15000").inert(CLUSTER),
    stored("cluster-port", Kind::Int(0, 65535), "0").flags(IMMUTABLE).inert(CLUSTER),
    stored("cluster-replica-validity-factor", Kind::Int(0, INT), "10")
        .alias("cluster-slave-validity-factor")
        .inert(CLUSTER),
    stored("cluster-migration-barrier", Kind::Int(0, INT), "1").inert(CLUSTER),
    stored("cluster-allow-replica-migration", Kind::Bool, "yes").inert(CLUSTER),
    stored("cluster-require-full-coverage", Kind::Bool, "yes").inert(CLUSTER),
    stored("cluster-replica-no-failover", Kind::Bool, "no").alias("cluster-slave-no-failover").inert(CLUSTER),
    stored("cluster-allow-reads-when-down", Kind::Bool, "no").inert(CLUSTER),
    stored("cluster-allow-pubsubshard-when-down", Kind::Bool, "yes").inert(CLUSTER),
    stored("cluster-link-sendbuf-limit", Kind::Memory(0, u64::MAX), "0").inert(CLUSTER),
    stored("cluster-announce-hostname", Kind::Special(parse_hostname, "host name"), "").inert(CLUSTER),
    stored(
        "cluster-preferred-endpoint-type",
        Kind::Enum(&["ip", "hostname", "unknown-endpoint"]),
        "ip",
    )
    .inert(CLUSTER),
    stored("cluster-announce-ip", Kind::Str, "").inert(CLUSTER),
    stored("cluster-announce-port", Kind::Int(0, 65535), "0").inert(CLUSTER),
    stored("cluster-announce-tls-port", Kind::Int(0, 65535), "0").inert(CLUSTER),
    stored("cluster-announce-bus-port", Kind::Int(0, 65535), "0").inert(CLUSTER),
    // Slow log, latency.
    int_field!("slowlog-log-slower-than", slowlog_log_slower_than, -1, LONG),
    int_field!("slowlog-max-len", slowlog_max_len, 0, LONG),
    int_field!("latency-monitor-threshold", latency_monitor_threshold, 0, LONG),
    bool_field!("latency-tracking", latency_tracking),
    stored(
        "latency-tracking-info-percentiles",
        Kind::Special(parse_percentiles, "numbers 0..100"),
        "50 99 99.9",
    )
    .flags(MULTI_ARG),
    // Event notification.
    field(
        "notify-keyspace-events",
        Kind::Custom("event classes `Ag$lshzxeKEtmdn`"),
        |c| render_notify(c.notify_keyspace_events),
        |c, a| {
            c.notify_keyspace_events = notify_flags(one(a)?)?;
            Ok(())
        },
    )
    .acts("classes `m` (key misses) and `d` (modules) publish nothing"),
    // Advanced config.
    int_field!("hash-max-listpack-entries", hash_max_listpack_entries, 0, LONG).alias("hash-max-ziplist-entries"),
    mem_field!("hash-max-listpack-value", hash_max_listpack_value, 0, ULONG).alias("hash-max-ziplist-value"),
    int_field!("list-max-listpack-size", list_max_listpack_size, i32::MIN as i64, INT)
        .alias("list-max-ziplist-size")
        .acts("below -5 acts as -5"),
    stored("list-compress-depth", Kind::Int(0, INT), "0").inert("memory only: ember does not compress list nodes"),
    int_field!("set-max-intset-entries", set_max_intset_entries, 0, LONG),
    int_field!("set-max-listpack-entries", set_max_listpack_entries, 0, LONG)
        .flags(HIDDEN)
        .acts("Redis 7.2's parameter: ember keeps small sets as listpacks, as 7.2 does"),
    mem_field!("set-max-listpack-value", set_max_listpack_value, 0, ULONG)
        .flags(HIDDEN)
        .acts("Redis 7.2's parameter (see set-max-listpack-entries)"),
    int_field!("zset-max-listpack-entries", zset_max_listpack_entries, 0, LONG).alias("zset-max-ziplist-entries"),
    mem_field!("zset-max-listpack-value", zset_max_listpack_value, 0, ULONG).alias("zset-max-ziplist-value"),
    mem_field!("hll-sparse-max-bytes", hll_sparse_max_bytes, 0, ULONG),
    mem_field!("stream-node-max-bytes", stream_node_max_bytes, 0, ULONG),
    int_field!("stream-node-max-entries", stream_node_max_entries, 0, LONG),
    bool_field!("activerehashing", activerehashing),
    field(
        "client-output-buffer-limit",
        Kind::Custom("`<class> <hard> <soft> <seconds>` groups; classes normal, replica (slave), pubsub"),
        |c| render_buffer_limits(&c.client_output_buffer_limit),
        |c, words| parse_buffer_limits(&mut c.client_output_buffer_limit, words),
    )
    .flags(MULTI_ARG)
    .acts("normal and pubsub classes enforced (ember has no replicas)"),
    mem_field!("client-query-buffer-limit", client_query_buffer_limit, 1 << 20, ULONG),
    stored("maxmemory-clients", Kind::Special(parse_memory_or_percent, "memory, or a percentage of maxmemory"), "0")
        .only("0", "ember does not support client eviction (maxmemory-clients)"),
    mem_field!("proto-max-bulk-len", proto_max_bulk_len, 1 << 20, ULONG),
    field("hz", Kind::Int(0, INT), |c| c.hz.to_string(), |c, a| {
        // Redis clamps hz into 1..=500.
        c.hz = parse_int(one(a)?, 0, INT)?.clamp(1, 500);
        Ok(())
    })
    .acts("clamped to 1..500"),
    stored("dynamic-hz", Kind::Bool, "yes").inert("performance only: ember's cron work does not grow with the client count"),
    stored("rdb-save-incremental-fsync", Kind::Bool, "yes")
        .inert("performance only: ember fsyncs a snapshot once, when it is complete"),
    int_field!("lfu-log-factor", lfu_log_factor, 0, INT)
        .acts("growth of Redis's logarithmic access counter (OBJECT FREQ, LFU eviction)"),
    int_field!("lfu-decay-time", lfu_decay_time, 0, INT)
        .acts("minutes per decrement of the access counter; 0 disables decay"),
    // Active defragmentation.
    stored("activedefrag", Kind::Bool, "no").only(
        "no",
        "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution",
    ),
    stored("active-defrag-ignore-bytes", Kind::Memory(1, ULONG), "104857600").inert(DEFRAG),
    stored("active-defrag-threshold-lower", Kind::Int(0, 1000), "10").inert(DEFRAG),
    stored("active-defrag-threshold-upper", Kind::Int(0, 1000), "100").inert(DEFRAG),
    stored("active-defrag-cycle-min", Kind::Int(1, 99), "1").inert(DEFRAG),
    stored("active-defrag-cycle-max", Kind::Int(1, 99), "25").inert(DEFRAG),
    stored("active-defrag-max-scan-fields", Kind::Int(1, LONG), "1000").inert(DEFRAG),
    stored("jemalloc-bg-thread", Kind::Bool, "yes").inert("ember does not use jemalloc"),
    stored("server_cpulist", Kind::Special(parse_cpulist, "CPU list, e.g. 0-3,6 or 0-7:2"), "")
        .flags(IMMUTABLE)
        .acts("pins the event loop thread"),
    stored("bio_cpulist", Kind::Special(parse_cpulist, "CPU list"), "").flags(IMMUTABLE).acts("pins the lazy-free thread"),
    stored("aof_rewrite_cpulist", Kind::Special(parse_cpulist, "CPU list"), "")
        .flags(IMMUTABLE)
        .inert("pins AOF rewrites, which ember does not have (`appendonly` is refused)"),
    stored("bgsave_cpulist", Kind::Special(parse_cpulist, "CPU list"), "").flags(IMMUTABLE).acts("pins BGSAVE children"),
    stored("ignore-warnings", Kind::Str, "").inert("ember emits none of Redis's kernel-bug warnings"),
    // Hidden (test and debugging knobs).
    stored("rdb-key-save-delay", Kind::Int(i32::MIN as i64, INT), "0")
        .flags(HIDDEN)
        .only("0", "ember does not support the rdb-key-save-delay test hook"),
    stored("key-load-delay", Kind::Int(i32::MIN as i64, INT), "0")
        .flags(HIDDEN)
        .only("0", "ember does not support the key-load-delay test hook"),
    stored("loading-process-events-interval-bytes", Kind::Int(1024, INT), "2097152")
        .flags(HIDDEN)
        .inert("ember loads its dump before it accepts clients"),
];

/// `maxmemory-policy` values.
pub const EVICTION_POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

/// Directives Redis 7.0 still reads from a config file and ignores.
const IGNORED_DIRECTIVES: &[&str] = &["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

/// Finds a parameter by canonical name or alias, case-insensitively.
pub fn find_param(name: &[u8]) -> Option<&'static Param> {
    PARAMS.iter().find(|p| {
        p.name.as_bytes().eq_ignore_ascii_case(name) || p.alias.is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(name))
    })
}

// ---- loading --------------------------------------------------------------

/// A config file or command line that cannot be used, with where and why,
/// rendered like Redis's "FATAL CONFIG FILE ERROR".
#[derive(Debug)]
pub struct LoadError {
    /// The included file the line is in; empty for the main text (the
    /// config file followed by the command-line options, as in Redis).
    pub source: String,
    /// 1-based line number (0: the file could not be read).
    pub line: usize,
    /// The offending line.
    pub text: String,
    /// Why it was refused.
    pub reason: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            return write!(f, "{}", self.reason);
        }
        writeln!(f, "\n*** FATAL CONFIG FILE ERROR (ember {}) ***", env!("CARGO_PKG_VERSION"))?;
        if self.source.is_empty() {
            writeln!(f, "Reading the configuration file, at line {}", self.line)?;
        } else {
            writeln!(f, "Reading the configuration file {}, at line {}", self.source, self.line)?;
        }
        writeln!(f, ">>> '{}'", self.text)?;
        write!(f, "{}", self.reason)
    }
}

impl std::error::Error for LoadError {}

/// State that lives across the lines of one load.
#[derive(Default)]
struct Loader {
    /// A `save` line has been read: later ones add save points, as in Redis.
    seen_save: bool,
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

    /// Builds a configuration as `redis-server [file] [--name value ...]`
    /// does: the options become config lines after the file's (so they
    /// win), with the same line numbers and quoting in error messages.
    /// A file named `-` is read from standard input.
    pub fn from_args(args: &[String]) -> Result<Config, LoadError> {
        let mut config = Config::default();
        let (mut body, mut base, mut rest) = (String::new(), None, args);
        if let Some(first) = args.first().filter(|a| !a.starts_with("--")) {
            let path = PathBuf::from(first);
            body = if first == "-" {
                std::io::read_to_string(std::io::stdin()).map_err(|e| open_error("(stdin)", &e))?
            } else {
                read_file(&path)?
            };
            if first != "-" {
                base = path.parent().map(Path::to_path_buf);
                config.config_file = Some(std::fs::canonicalize(&path).unwrap_or(path));
            }
            rest = &args[1..];
        }
        body.push('\n');
        body.push_str(&options_text(rest));
        config.load(&body, "", base.as_deref(), 0, &mut Loader::default())?;
        Ok(config)
    }

    /// Applies config-file text, as if it were a file of its own.
    pub fn load_text(&mut self, body: &str) -> Result<(), LoadError> {
        self.load(body, "", None, 0, &mut Loader::default())
    }

    fn load(
        &mut self,
        body: &str,
        source: &str,
        base: Option<&Path>,
        depth: usize,
        loader: &mut Loader,
    ) -> Result<(), LoadError> {
        for (i, raw) in body.split('\n').enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            let fail = |reason: &str| LoadError {
                source: source.to_string(),
                line: i + 1,
                text: line.to_string(),
                reason: reason.into(),
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = split_inline(line.as_bytes()).map_err(|_| fail("Unbalanced quotes in configuration line"))?;
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            let is = |directive: &str| name.eq_ignore_ascii_case(directive.as_bytes());
            if is("include") {
                let [path] = args[..] else {
                    return Err(fail("Bad directive or wrong number of arguments"));
                };
                if depth > 16 {
                    return Err(fail("include nesting too deep"));
                }
                let mut path = PathBuf::from(text(path));
                if path.is_relative() {
                    if let Some(b) = base {
                        path = b.join(path);
                    }
                }
                let body = read_file(&path)?;
                self.load(&body, &path.display().to_string(), path.parent(), depth + 1, loader)?;
                continue;
            }
            if IGNORED_DIRECTIVES.iter().any(|d| is(d)) {
                continue;
            }
            if is("user") {
                if !is_default_user_as_is(&args) {
                    return Err(fail("ember does not support ACL users (only `user default on nopass ~* &* +@all`)"));
                }
                continue;
            }
            if is("rename-command") {
                return Err(fail("ember does not support rename-command"));
            }
            if is("loadmodule") {
                return Err(fail("ember does not support modules"));
            }
            if is("sentinel") {
                return Err(fail("sentinel directive while not in sentinel mode"));
            }
            let Some(param) = find_param(name) else {
                return Err(fail("Bad directive or wrong number of arguments"));
            };
            if args.is_empty() {
                return Err(fail("wrong number of arguments"));
            }
            // Each `save` line adds save points (the first replaces the
            // defaults; `save ""` clears).
            let earlier =
                if param.name == "save" && loader.seen_save { std::mem::take(&mut self.save) } else { Vec::new() };
            param.set(self, &args).map_err(|e| fail(&e.0))?;
            if param.name == "save" {
                loader.seen_save = true;
                if !self.save.is_empty() {
                    let added = std::mem::replace(&mut self.save, earlier);
                    self.save.extend(added);
                }
            }
        }
        Ok(())
    }

    /// Renders the configuration as redis.conf lines, for CONFIG REWRITE:
    /// every parameter whose value is not the default (and `dir`).
    pub fn render(&self) -> String {
        let mut out = String::from("# Written by ember (CONFIG REWRITE)\n");
        for p in PARAMS {
            let v = p.get(self);
            if v == p.default_value() && p.name != "dir" {
                continue;
            }
            // A list is written as one quoted argument when it needs
            // quoting: it is split on spaces again when read.
            let _ = writeln!(out, "{} {}", p.name, if p.multi_arg() && !needs_quotes(&v) { v } else { quote(&v) });
        }
        out
    }
}

/// A `user` line that describes the default user exactly as ember has it
/// (what Redis's CONFIG REWRITE writes): `user default on nopass ~* &* +@all`.
fn is_default_user_as_is(args: &[&[u8]]) -> bool {
    const SAME: &[&str] = &["on", "nopass", "~*", "allkeys", "&*", "allchannels", "+@all", "allcommands"];
    matches!(args.split_first(), Some((name, rules)) if *name == b"default"
        && rules.iter().all(|r| SAME.iter().any(|s| s.as_bytes().eq_ignore_ascii_case(r))))
}

/// The command-line options as config lines, the way redis-server joins
/// them: `--name` starts a line, each value follows quoted (`--port 7000`
/// becomes `port "7000"`), and a bare `--save` means `save ""`.
fn options_text(args: &[String]) -> String {
    let mut lines = String::new();
    let mut values = 0;
    for arg in args {
        if let Some(name) = arg.strip_prefix("--") {
            if !lines.is_empty() {
                if values == 0 && lines.rsplit('\n').next().is_some_and(|l| l.eq_ignore_ascii_case("save")) {
                    lines.push_str(" \"\"");
                }
                lines.push('\n');
            }
            lines.push_str(name);
            values = 0;
        } else {
            lines.push(' ');
            lines.push_str(&repr(arg.as_bytes()));
            values += 1;
        }
    }
    if values == 0 && lines.rsplit('\n').next().is_some_and(|l| l.eq_ignore_ascii_case("save")) {
        lines.push_str(" \"\"");
    }
    lines
}

fn open_error(path: &str, e: &std::io::Error) -> LoadError {
    let why = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)).desc();
    LoadError {
        source: path.to_string(),
        line: 0,
        text: String::new(),
        reason: format!("Fatal error, can't open config file '{path}': {why}"),
    }
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| open_error(&path.display().to_string(), &e))
}

fn needs_quotes(v: &str) -> bool {
    v.is_empty() || v.bytes().any(|b| b == b' ' || b == b'"' || b == b'\'' || b == b'\\' || b < 0x20 || b == 0x7f)
}

/// Quotes a value for a config line when it is empty or holds spaces,
/// quotes or control characters.
fn quote(v: &str) -> String {
    if needs_quotes(v) {
        repr(v.as_bytes())
    } else {
        v.to_string()
    }
}

/// Always quotes, escaping like Redis's `sdscatrepr` (what the inline
/// splitter reads back): `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, and
/// `\xHH` for any other byte that is not printable ASCII.
fn repr(v: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in v {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            b' '..=b'~' => s.push(b as char),
            b => {
                let _ = write!(s, "\\x{b:02x}");
            }
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

    /// Sets `name` to `value` as CONFIG SET would (one argument).
    fn set(c: &mut Config, name: &str, value: &str) -> Result<(), String> {
        find_param(name.as_bytes()).expect(name).set(c, &[value.as_bytes()]).map_err(|e| e.0)
    }

    /// `(value, Ok(CONFIG GET text) or Err(error))` facts observed on Redis
    /// 7.0.15, each checked from the default configuration.
    fn check(name: &str, cases: &[(&str, Result<&str, &str>)]) {
        for (value, want) in cases {
            let mut c = Config::default();
            let got = set(&mut c, name, value).map(|()| c.value(name).unwrap());
            assert_eq!(got.as_deref().map_err(String::as_str), *want, "{name} {value:?}");
        }
    }

    #[test]
    fn table_is_consistent() {
        let mut names: Vec<&str> = PARAMS.iter().flat_map(|p| [Some(p.name), p.alias]).flatten().collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate names");
        let shown = PARAMS.iter().filter(|p| !p.hidden()).map(|p| 1 + usize::from(p.alias.is_some())).sum::<usize>();
        assert_eq!(shown, 192, "CONFIG GET * of Redis 7.0.15 lists 192 names");
        let c = Config::default();
        for p in PARAMS {
            // Every default is a value the parameter accepts and reads back.
            let mut d = Config::default();
            let v = p.default_value();
            // `replicaof` reads "no one" for its empty default.
            let input = if p.name == "replicaof" { "no one" } else { v.as_str() };
            if p.name != "dir" {
                p.set(&mut d, &[input.as_bytes()]).unwrap_or_else(|e| panic!("{}: {}", p.name, e.0));
                assert_eq!(p.get(&d), v, "{}", p.name);
            }
            assert!(p.check(&c).is_ok(), "{}: default refused", p.name);
            if let Value::Stored(_) = p.value {
                assert!(!matches!(p.kind, Kind::Custom(_)), "{}", p.name);
            }
            if let Support::Refuses { allowed, .. } = p.support {
                assert_eq!(allowed, v, "{}: refuses its default", p.name);
            }
        }
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
            ("1kB", Some(1024)),
            ("2m", Some(2_000_000)),
            ("2mb", Some(2 << 20)),
            ("1g", Some(1_000_000_000)),
            ("1gb", Some(1 << 30)),
            ("1Gb", Some(1 << 30)),
            ("01048576", Some(1 << 20)),
            ("1048576b", Some(1 << 20)),
            ("", Some(0)),
            ("kb", Some(0)),
            ("b", Some(0)),
            ("-1", None),
            ("-0", None),
            ("+5", None),
            (" 1", None),
            ("1 ", None),
            ("1bb", None),
            ("1tb", None),
            ("99999999999999999999999", Some(u64::MAX)),
            // The unit multiplies modulo 2^64, as Redis's does.
            ("99999999999gb", Some(15140462030378500096)),
            ("17179869184gb", Some(0)),
            ("1.5mb", None),
            ("12x", None),
        ] {
            assert_eq!(parse_memory(input.as_bytes()), want, "{input}");
        }
        check(
            "proto-max-bulk-len",
            &[
                ("1m", Err("argument must be between 1048576 and 9223372036854775807 inclusive")),
                ("", Err("argument must be between 1048576 and 9223372036854775807 inclusive")),
                ("abc", Err("argument must be a memory value")),
                ("2gb", Ok("2147483648")),
            ],
        );
        check("maxmemory", &[("", Ok("0")), ("-1", Err("argument must be a memory value"))]);
        check("cluster-link-sendbuf-limit", &[("18446744073709551615", Ok("18446744073709551615"))]);
        check("hash-max-ziplist-value", &[("1kb", Ok("1024")), ("", Ok("0"))]);
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
        check("maxclients", &[("0", Err("argument must be between 1 and 4294967295 inclusive"))]);
        check(
            "list-max-listpack-size",
            &[
                ("-100", Ok("-100")),
                ("-2147483649", Err("argument must be between -2147483648 and 2147483647 inclusive")),
            ],
        );
    }

    #[test]
    fn enums_and_bools() {
        check(
            "appendfsync",
            &[("ALWAYS", Ok("always")), ("x", Err("argument(s) must be one of the following: everysec, always, no"))],
        );
        check(
            "oom-score-adj",
            &[
                ("relative", Ok("yes")),
                ("NO", Ok("no")),
                ("x", Err("argument(s) must be one of the following: no, yes, relative, absolute")),
            ],
        );
        check("activerehashing", &[("YES", Ok("yes")), ("1", Err("argument must be 'yes' or 'no'"))]);
        check(
            "unixsocketperm",
            &[
                ("0777", Ok("777")),
                ("700", Ok("700")),
                ("778", Err("argument couldn't be parsed as an octal number")),
                ("abc", Err("argument couldn't be parsed as an octal number")),
                ("1000", Err("argument must be between 0 and 777 inclusive")),
                ("-1", Err("argument must be between 0 and 777 inclusive")),
            ],
        );
    }

    #[test]
    fn special_formats_match_redis() {
        check(
            "notify-keyspace-events",
            &[("", Ok("")), ("Q", Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))],
        );
        for (input, want) in [
            ("KEA", "AKE"),
            ("Kg$lshzxetd", "AK"),
            ("g$lshzxetdKEmn", "AKEm"),
            ("nmEKd", "dnKEm"),
            ("Kn", "nK"),
            ("mn", "nm"),
            ("An", "A"),
            ("g$lshzxet", "g$lshzxet"),
            ("gg", "g"),
        ] {
            assert_eq!(parse_notify(input.as_bytes()).unwrap(), want, "{input}");
        }
        check(
            "save",
            &[
                ("", Ok("")),
                ("900 1 300 10", Ok("900 1 300 10")),
                ("01 1", Ok("1 1")),
                ("+1 1", Ok("1 1")),
                ("\t1 1", Ok("1 1")),
                ("1 0", Ok("1 0")),
                ("9223372036854775808 1", Ok("9223372036854775807 1")),
                ("0 1", Err("Invalid save parameters")),
                ("900", Err("Invalid save parameters")),
                ("900  1", Err("Invalid save parameters")),
                ("1 1\t", Err("Invalid save parameters")),
                ("-1 1", Err("Invalid save parameters")),
                ("1.5 1", Err("Invalid save parameters")),
            ],
        );
        let default_limits = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
        check(
            "client-output-buffer-limit",
            &[
                ("", Ok(default_limits)),
                ("replica 1mb 2mb 3", Ok("normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60")),
                ("PUBSUB 1 2 03 normal 0 0 0", Ok("normal 0 0 0 slave 268435456 67108864 60 pubsub 1 2 3")),
                ("normal 1 2 3", Ok("normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60")),
                ("master 1 2 3", Err("Invalid client class specified in buffer limit configuration.")),
                ("normal 1 2", Err("Wrong number of arguments in buffer limit configuration.")),
                ("normal 1  2 3", Err("Wrong number of arguments in buffer limit configuration.")),
                ("normal -1 2 3", Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
                (
                    "normal 1 2 9999999999999999999",
                    Err("Error in hard, soft or soft_seconds setting in buffer limit configuration."),
                ),
            ],
        );
        check(
            "oom-score-adj-values",
            &[
                ("-2000 0 2000", Ok("-2000 0 2000")),
                ("+1 01 -0", Ok("1 1 0")),
                ("", Err("wrong number of arguments")),
                ("0 200", Err("wrong number of arguments")),
                ("0  200 800", Err("wrong number of arguments")),
                ("0 0 2001", Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
                ("1.5 2 3", Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
            ],
        );
        let range = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        let invalid = "Invalid latency-tracking-info-percentiles parameters";
        check(
            "latency-tracking-info-percentiles",
            &[
                ("", Ok("")),
                ("50 99 99.9", Ok("50 99 99.9")),
                ("1e1 0x10 50. .5 +5 -0", Ok("10 16 50 0.5 5 -0")),
                ("0.1234567 33.333333333 1e-7 12345e-3", Ok("0.123457 33.333333 0 12.345")),
                ("100.1", Err(range)),
                ("inf", Err(range)),
                ("-0.1", Err(range)),
                ("nan", Err(invalid)),
                ("abc", Err(invalid)),
                ("50  99", Err(invalid)),
                ("5,5", Err(invalid)),
            ],
        );
        let bad = "template format is invalid or contains unknown variables";
        check(
            "proc-title-template",
            &[
                ("x", Ok("x")),
                ("{title}x", Ok("{title}x")),
                ("{{title}}", Ok("{{title}}")),
                ("title}", Ok("title}")),
                ("{port}", Ok("{port}")),
                ("{config-file}", Ok("{config-file}")),
                ("", Err(bad)),
                ("{title}", Err(bad)),
                (" {title} ", Err(bad)),
                ("{title}{server-mode}", Err(bad)),
                ("{unixsocket}", Err(bad)),
                ("{TITLE} x", Err(bad)),
                ("x {title", Err(bad)),
                ("{}", Err(bad)),
            ],
        );
        let flags = "argument(s) must be one of the following: default, save, nosave, now, force";
        let sigint = find_param(b"shutdown-on-sigint").unwrap();
        for (input, want) in [
            ("force now", Ok("now force")),
            ("now save", Ok("save now")),
            ("default now", Ok("now")),
            ("default default", Ok("default")),
            ("NOW now", Ok("now")),
            ("save nosave", Err("shutdown options SAVE and NOSAVE can't be used simultaneously")),
            ("", Err(flags)),
            ("save  now", Err(flags)),
        ] {
            let words = split_words(input.as_bytes());
            assert_eq!(parse_shutdown_flags("", &words).as_deref().map_err(|e| e.0.as_str()), want, "{input:?}");
        }
        assert!(set(&mut Config::default(), "shutdown-on-sigint", "default").is_ok());
        let mut c = Config::default();
        assert!(sigint.set(&mut c, &[b"nosave", b"force"]).is_ok());
        assert_eq!(c.value("shutdown-on-sigint").as_deref(), Some("nosave force"));
        let pct = "argument must be a memory or percent value";
        for (input, want) in [
            ("0", Ok("0")),
            ("", Ok("0")),
            ("0%", Ok("0")),
            ("5%", Ok("5%")),
            ("100%", Ok("100%")),
            ("10mb", Ok("10485760")),
            ("101%", Err("percentage argument must be less or equal to 100")),
            ("-5%", Err(pct)),
            ("050%", Err(pct)),
            ("5 %", Err(pct)),
            ("99999999999999999999999%", Err(pct)),
        ] {
            let got = parse_memory_or_percent("", &[input.as_bytes()]);
            assert_eq!(got.as_deref().map_err(|e| e.0.as_str()), want, "{input:?}");
        }
        check(
            "cluster-announce-hostname",
            &[
                ("a.b-c", Ok("a.b-c")),
                ("a_b", Err("Hostnames may only contain alphanumeric characters, hyphens or dots")),
            ],
        );
        let long = "a".repeat(300);
        check("cluster-announce-hostname", &[(long.as_str(), Err("Hostnames must be less than 256 characters"))]);
        check("dbfilename", &[("", Ok("")), ("a/b", Err("dbfilename can't be a path, just a filename"))]);
        check("appendfilename", &[(".", Ok(".")), ("a/b", Err("appendfilename can't be a path, just a filename"))]);
        check("appenddirname", &[("a/b", Err("appenddirname can't be a path, just a dirname"))]);
        check(
            "dir",
            &[("/nonexistent-ember-dir", Err("No such file or directory")), ("", Err("No such file or directory"))],
        );
    }

    #[test]
    fn unsupported_features_are_refused() {
        for (name, value, why) in [
            ("appendonly", "yes", "ember does not support AOF persistence"),
            ("tls-port", "6380", "ember does not support TLS"),
            ("min-slaves-to-write", "1", "ember does not support replication"),
        ] {
            let mut c = Config::default();
            assert_eq!(set(&mut c, name, value), Err(why.to_string()), "{name}");
        }
        // Validation comes first, so a bad value gets Redis's error.
        assert_eq!(
            set(&mut Config::default(), "tls-port", "x").unwrap_err(),
            "argument couldn't be parsed into an integer"
        );
        // Tuners of missing features are stored.
        let mut c = Config::default();
        set(&mut c, "appendfsync", "always").unwrap();
        set(&mut c, "repl-backlog-size", "10mb").unwrap();
        assert_eq!(c.value("appendfsync").as_deref(), Some("always"));
        assert_eq!(c.value("repl-backlog-size").as_deref(), Some("10485760"));
        // At start-up: Redis's fatal error, naming the line.
        for (text, line, why) in [
            ("port 7000\nreplicaof 10.0.0.1 6379\n", 2, "ember does not support replication"),
            ("cluster-enabled yes\n", 1, "ember does not support cluster mode"),
            ("aclfile /etc/redis/users.acl\n", 1, "ember does not support ACL files"),
            ("rename-command FLUSHALL \"\"\n", 1, "ember does not support rename-command"),
            ("loadmodule /x.so\n", 1, "ember does not support modules"),
            (
                "user bob on >pw ~* +@all\n",
                1,
                "ember does not support ACL users (only `user default on nopass ~* &* +@all`)",
            ),
        ] {
            let e = Config::default().load_text(text).unwrap_err();
            assert_eq!((e.line, e.reason.as_str()), (line, why), "{text}");
        }
        let mut c = Config::default();
        c.load_text("replicaof no one\nuser default on nopass ~* &* +@all\nlist-max-ziplist-entries 5\n").unwrap();
        assert_eq!(c.value("slaveof").as_deref(), Some(""));
        let e = c.load_text("replicaof 10.0.0.1 99999\n").unwrap_err();
        assert_eq!(e.reason, "Invalid master port");
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
        // As in Redis, the options are lines after the file's: the file has
        // 6 lines and a final newline, so the options start at line 8.
        let e = Config::from_args(&args(&[main.to_str().unwrap(), "--port", "1", "--daemonize", "a b"])).unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (9, "daemonize \"a b\""));
        std::fs::remove_dir_all(&dir).unwrap();
        let e = Config::from_args(&args(&[dir.join("gone.conf").to_str().unwrap()])).unwrap_err();
        assert!(e.to_string().ends_with("gone.conf': No such file or directory"), "{e}");
    }

    #[test]
    fn options_are_quoted_like_redis() {
        let e = Config::from_args(&args(&["--daemonize", "abc"])).unwrap_err();
        assert_eq!(
            (e.line, e.text.as_str(), e.reason.as_str()),
            (2, "daemonize \"abc\"", "argument must be 'yes' or 'no'")
        );
        assert!(e.to_string().contains("*** FATAL CONFIG FILE ERROR (ember "));
        assert!(e.to_string().contains("\nReading the configuration file, at line 2\n>>> 'daemonize \"abc\"'\n"));
        let e = Config::from_args(&args(&["--port", "0", "--requirepass", "a\"b\\c\n\u{e9}", "x"])).unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (3, "requirepass \"a\\\"b\\\\c\\n\\xc3\\xa9\" \"x\""));
        assert_eq!(e.reason, "wrong number of arguments");
        let c = Config::from_args(&args(&["--requirepass", "a\"b\\c\n\u{e9}", "--save"])).unwrap();
        assert_eq!(c.requirepass.as_deref(), Some("a\"b\\c\n\u{e9}".as_bytes()));
        assert!(c.save.is_empty());
        let e = Config::from_args(&args(&["--daemonize"])).unwrap_err();
        assert_eq!(e.reason, "wrong number of arguments");
    }

    #[test]
    fn bad_lines_name_the_line() {
        let mut c = Config::default();
        let e = c.load_text("port 1\nfrobnicate 3\n").unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (2, "frobnicate 3"));
        assert!(e.to_string().contains("Bad directive or wrong number of arguments"));
        let e = c.load_text("maxclients lots\n").unwrap_err();
        assert_eq!(e.reason, "argument couldn't be parsed into an integer");
        let e = c.load_text("appendonly maybe\n").unwrap_err();
        assert_eq!(e.reason, "argument must be 'yes' or 'no'");
        let e = c.load_text("port \"7000\n").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (1, "Unbalanced quotes in configuration line"));
        let e = c.load_text("port 1 2\n").unwrap_err();
        assert_eq!(e.reason, "wrong number of arguments");
        let e = c.load_text("sentinel monitor m 127.0.0.1 6379 2\n").unwrap_err();
        assert_eq!(e.reason, "sentinel directive while not in sentinel mode");
    }

    #[test]
    fn save_points() {
        let mut c = Config::default();
        c.load_text("save 900 1 300 10\n").unwrap();
        assert_eq!(c.save, vec![(900, 1), (300, 10)]);
        assert_eq!(c.value("save").as_deref(), Some("900 1 300 10"));
        c.load_text("save \"\"\n").unwrap();
        assert!(c.save.is_empty());
        assert!(c.load_text("save 900\n").is_err());
        // Lines add up (the first replaces the defaults); "" clears.
        c.load_text("save 900 1\nsave 300 10\n").unwrap();
        assert_eq!(c.value("save").as_deref(), Some("900 1 300 10"));
        c.load_text("save 900 1\nsave \"\"\nsave 5 5\n").unwrap();
        assert_eq!(c.value("save").as_deref(), Some("5 5"));
        // A quoted list is split like CONFIG SET's.
        c.load_text("save \"60 1\"\n").unwrap();
        assert_eq!(c.value("save").as_deref(), Some("60 1"));
    }

    #[test]
    fn rewrite_round_trips() {
        let mut c = Config::default();
        c.load_text(concat!(
            "port 7100\nrequirepass \"a b\"\nsave \"\"\nbind 0.0.0.0 ::\n",
            "client-output-buffer-limit replica 1mb 2mb 3\nappendfsync always\nmasterauth \"x y\"\n",
            "latency-tracking-info-percentiles \"\"\noom-score-adj-values -5 0 5\n",
            "proc-title-template \"{title} x\"\nset-max-listpack-entries 7\nslave-priority 5\n",
            "list-max-ziplist-size 4\nhz 20\nmaxmemory-policy allkeys-lfu\ntls-ciphers \"A:B C\"\n",
        ))
        .unwrap();
        let text = c.render();
        assert!(text.contains("\nreplica-priority 5\n"), "{text}");
        assert!(!text.contains("tls-port"), "defaults are not written: {text}");
        let mut d = Config::default();
        d.load_text(&text).unwrap();
        for p in PARAMS {
            assert_eq!(p.get(&c), p.get(&d), "{}", p.name);
        }
        // Lists with empty words survive too.
        find_param(b"bind").unwrap().set(&mut c, &[b"127.0.0.1  ::1"]).unwrap();
        let mut d = Config::default();
        d.load_text(&c.render()).unwrap();
        assert_eq!(d.bind, ["127.0.0.1", "", "::1"]);
    }

    #[test]
    fn aliases_resolve() {
        assert_eq!(find_param(b"HASH-MAX-ZIPLIST-ENTRIES").unwrap().name, "hash-max-listpack-entries");
        assert_eq!(find_param(b"list-max-ziplist-size").unwrap().name, "list-max-listpack-size");
        assert_eq!(find_param(b"lua-time-limit").unwrap().name, "busy-reply-threshold");
        assert_eq!(find_param(b"slaveof").unwrap().name, "replicaof");
        assert!(find_param(b"nope").is_none());
        assert!(find_param(b"list-max-ziplist-entries").is_none(), "read from files, unknown to CONFIG");
    }

    #[test]
    fn bind_lists_split_like_redis() {
        let bind = find_param(b"bind").unwrap();
        let mut c = Config::default();
        assert_eq!(bind.get(&c), "127.0.0.1 -::1");
        bind.set(&mut c, &[b"* -::*"]).unwrap();
        assert_eq!(c.bind, ["*", "-::*"]);
        // One empty argument: listen nowhere.
        bind.set(&mut c, &[b""]).unwrap();
        assert!(c.bind.is_empty());
        assert_eq!(bind.get(&c), "");
        // Single spaces separate; an extra space makes an empty address
        // (which then fails to bind, as in Redis).
        bind.set(&mut c, &[b"127.0.0.1 "]).unwrap();
        assert_eq!(c.bind, ["127.0.0.1", ""]);
        // A config line's separate arguments.
        c.load_text("bind 127.0.0.1 ::1\n").unwrap();
        assert_eq!(c.bind, ["127.0.0.1", "::1"]);
        let many = vec!["::1"; 17].join(" ");
        let e = bind.set(&mut c, &[many.as_bytes()]).unwrap_err();
        assert_eq!(e.0, "Too many bind addresses specified.");
        assert_eq!(c.bind, ["127.0.0.1", "::1"]);
        bind.set(&mut c, &[vec!["::1"; 16].join(" ").as_bytes()]).unwrap();
    }
}
