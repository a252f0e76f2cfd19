//! The parameter table: [`PARAMS`] declares every Redis 7.0 parameter once
//! (name, legacy alias, [`Kind`], flags, [`Support`], and where its value
//! lives: a typed [`Config`] field or text kept for CONFIG GET), and
//! [`Param`] gets, sets and checks a value for the three entry points
//! (config file, command line, CONFIG SET).

use std::collections::BTreeMap;

use super::values::*;
use super::{Config, LogLevel};

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &[&[u8]]) -> Result<(), ValueError>;

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

/// The CONFIG GET text of every parameter kept as text, at its default.
pub(super) fn stored_defaults() -> BTreeMap<&'static str, String> {
    PARAMS
        .iter()
        .filter_map(|p| match p.value {
            Value::Stored(default) => Some((p.name, default.to_string())),
            Value::Field { .. } => None,
        })
        .collect()
}

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
        c.dir = parse_dir(&c.dir, &text(one(a)?))?;
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

/// Finds a parameter by canonical name or alias, case-insensitively.
pub fn find_param(name: &[u8]) -> Option<&'static Param> {
    PARAMS.iter().find(|p| {
        p.name.as_bytes().eq_ignore_ascii_case(name) || p.alias.is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::set;

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
