//! The declaration of one command: what dispatch needs (arity, flags, ACL
//! categories, key specs) and what COMMAND INFO / COMMAND DOCS report
//! (tips, summary, history, argument tree), as Redis 7.0 declares them.
//!
//! Declarations are `const` builders, so each family's table is a `static`
//! slice written once:
//!
//! ```ignore
//! CommandSpec::new("get", 2, get)
//!     .flags(READONLY | FAST)
//!     .acl(acl::STRING)
//!     .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
//!     .doc("string", "Get the value of a key", "1.0.0", "O(1)")
//!     .args(&[arg::key("key", 0)])
//! ```

use super::{CmdResult, Ctx};
use crate::command::args::Args;

/// A command implementation: reads its arguments through the cursor, writes
/// its reply (or asks to block) and says which.
pub type Handler = fn(&mut Ctx<'_>, &mut Args<'_>) -> CmdResult;

/// Finds the keys of a command whose key specs cannot (Redis's
/// `getkeys_proc`): the argument count and an accessor in, each key's
/// position and [`ks`] flags out.
pub type KeysFn = for<'a> fn(usize, &dyn Fn(usize) -> Option<&'a [u8]>) -> Vec<(usize, u32)>;

/// Command flags: Redis's (shown by COMMAND unless noted) and ember's own
/// gate flags, which say how dispatch treats a command instead of comparing
/// its name.
pub mod flags {
    /// May modify the dataset.
    pub const WRITE: u64 = 1 << 0;
    /// Never modifies keys.
    pub const READONLY: u64 = 1 << 1;
    /// May grow memory use: refused when over maxmemory.
    pub const DENYOOM: u64 = 1 << 2;
    /// A module command (none in ember).
    pub const MODULE: u64 = 1 << 3;
    /// Administrative: not shown to MONITOR.
    pub const ADMIN: u64 = 1 << 4;
    /// Pub/Sub related.
    pub const PUBSUB: u64 = 1 << 5;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u64 = 1 << 6;
    /// May block the client.
    pub const BLOCKING: u64 = 1 << 7;
    /// Allowed while the dataset loads.
    pub const LOADING: u64 = 1 << 8;
    /// Allowed on a replica with stale data.
    pub const STALE: u64 = 1 << 9;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u64 = 1 << 10;
    /// Not logged in the slow log.
    pub const SKIP_SLOWLOG: u64 = 1 << 11;
    /// Allowed on a cluster importing slot (ASKING).
    pub const ASKING: u64 = 1 << 12;
    /// O(1) or O(log N).
    pub const FAST: u64 = 1 << 13;
    /// Allowed before authentication.
    pub const NO_AUTH: u64 = 1 << 14;
    /// May replicate even when not a write (hidden by COMMAND; Redis 7.0
    /// sets it on EVAL, EVALSHA, FCALL, PUBLISH, SPUBLISH and PFCOUNT).
    pub const MAY_REPLICATE: u64 = 1 << 15;
    /// Also served by a Sentinel (hidden; kept as Redis 7.0 declares it).
    pub const SENTINEL: u64 = 1 << 16;
    /// Sentinel-only command (hidden).
    pub const ONLY_SENTINEL: u64 = 1 << 17;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u64 = 1 << 18;
    /// Refused unless `enable-<name>-command` allows it (hidden).
    pub const PROTECTED: u64 = 1 << 19;
    /// Refused while a replica loads its dataset asynchronously.
    pub const NO_ASYNC_LOADING: u64 = 1 << 20;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u64 = 1 << 21;
    /// Key positions depend on the arguments (COMMAND shows it; the table
    /// derives it from the key specs, see `CommandSpec::movable_keys`).
    pub const MOVABLE_KEYS: u64 = 1 << 22;
    /// Allowed while a script or function is busy.
    pub const ALLOW_BUSY: u64 = 1 << 23;
    /// May touch keys it does not declare (hidden; no Redis 7.0 command
    /// has it).
    pub const TOUCHES_ARBITRARY_KEYS: u64 = 1 << 24;

    /// Runs at once inside MULTI instead of being queued (MULTI, EXEC,
    /// DISCARD, WATCH, QUIT, RESET).
    pub const TXN_CONTROL: u64 = 1 << 40;
    /// Still allowed inside MULTI when out of memory: ends the transaction
    /// or the connection (EXEC, DISCARD, QUIT, RESET).
    pub const TXN_END: u64 = 1 << 41;
    /// Runs the queued transaction: the gate judges it by the flags of the
    /// commands it runs (a refusal becomes EXECABORT).
    pub const RUNS_QUEUED: u64 = 1 << 42;
    /// Runs a script: the commands it runs touch their own keys, its
    /// declared keys are not touched for it.
    pub const RUNS_SCRIPT: u64 = 1 << 43;
    /// Allowed in the RESP2 subscribed context.
    pub const SUBSCRIBED_OK: u64 = 1 << 44;
    /// A health check: refused like a write while writes are refused after
    /// a failed save (PING).
    pub const HEALTH_CHECK: u64 = 1 << 45;

    /// The flags COMMAND shows, in its order.
    pub const NAMES: &[(u64, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (MODULE, "module"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories, in Redis's bit order (`ACL CAT` lists them so).
pub mod acl {
    /// Generic key-space commands.
    pub const KEYSPACE: u32 = 1 << 0;
    /// Reads keys.
    pub const READ: u32 = 1 << 1;
    /// Writes keys.
    pub const WRITE: u32 = 1 << 2;
    /// Sets.
    pub const SET: u32 = 1 << 3;
    /// Sorted sets.
    pub const SORTEDSET: u32 = 1 << 4;
    /// Lists.
    pub const LIST: u32 = 1 << 5;
    /// Hashes.
    pub const HASH: u32 = 1 << 6;
    /// Strings.
    pub const STRING: u32 = 1 << 7;
    /// Bitmaps.
    pub const BITMAP: u32 = 1 << 8;
    /// HyperLogLog.
    pub const HYPERLOGLOG: u32 = 1 << 9;
    /// Geo.
    pub const GEO: u32 = 1 << 10;
    /// Streams.
    pub const STREAM: u32 = 1 << 11;
    /// Pub/Sub.
    pub const PUBSUB: u32 = 1 << 12;
    /// Administration.
    pub const ADMIN: u32 = 1 << 13;
    /// Fast commands.
    pub const FAST: u32 = 1 << 14;
    /// Slow commands.
    pub const SLOW: u32 = 1 << 15;
    /// Blocking commands.
    pub const BLOCKING: u32 = 1 << 16;
    /// Dangerous commands.
    pub const DANGEROUS: u32 = 1 << 17;
    /// Connection commands.
    pub const CONNECTION: u32 = 1 << 18;
    /// Transactions.
    pub const TRANSACTION: u32 = 1 << 19;
    /// Scripting.
    pub const SCRIPTING: u32 = 1 << 20;

    /// Names, indexed by bit.
    pub const NAMES: &[&str] = &[
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];
}

/// Key spec flags (how a command uses a key), in COMMAND INFO's order.
pub mod ks {
    /// Read-only access.
    pub const RO: u32 = 1 << 0;
    /// Read-write access.
    pub const RW: u32 = 1 << 1;
    /// Overwrite: the value is replaced without being read.
    pub const OW: u32 = 1 << 2;
    /// The key is removed.
    pub const RM: u32 = 1 << 3;
    /// The user data is returned, copied or used.
    pub const ACCESS: u32 = 1 << 4;
    /// Data is updated in place or replaced.
    pub const UPDATE: u32 = 1 << 5;
    /// Data is only added.
    pub const INSERT: u32 = 1 << 6;
    /// Data is only removed.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key name (a channel, for instance), but ACL checks it as one.
    pub const NOT_KEY: u32 = 1 << 8;
    /// The spec may miss keys.
    pub const INCOMPLETE: u32 = 1 << 9;
    /// The flags depend on the arguments.
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// Names in COMMAND INFO's order.
    pub const NAMES: &[(u32, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Where the search for a spec's keys starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument index.
    Index(i32),
    /// After the first `keyword` found from `startfrom` (from the end when
    /// negative).
    Keyword {
        /// The keyword (case-insensitive).
        keyword: &'static str,
        /// Where the search starts.
        startfrom: i32,
    },
    /// Only the command's own key finder knows.
    Unknown,
}

/// How many keys follow the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys up to `lastkey` (relative to the start; negative counts from
    /// the end), every `keystep`; with `limit` > 1, only a 1/limit share of
    /// the remaining arguments (XREAD's keys before their ids).
    Range {
        /// Last key, relative to the first (negative: from the end).
        lastkey: i32,
        /// Step between keys.
        keystep: i32,
        /// Divides the remaining arguments (0: no limit).
        limit: i32,
    },
    /// A count at `keynumidx` (relative to the start), then that many keys
    /// from `firstkey` (relative to the start), every `keystep`.
    Keynum {
        /// Where the count is.
        keynumidx: i32,
        /// Where the first key is.
        firstkey: i32,
        /// Step between keys.
        keystep: i32,
    },
    /// Only the command's own key finder knows.
    Unknown,
}

/// One key spec (Redis 7.0's `key_specs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    /// Notes COMMAND INFO shows (empty: none).
    pub notes: &'static str,
    /// [`ks`] flags.
    pub flags: u32,
    /// Where the keys start.
    pub begin: BeginSearch,
    /// How many there are.
    pub find: FindKeys,
}

impl KeySpec {
    /// Keys starting at argument `i`.
    pub const fn index(i: i32) -> KeySpec {
        KeySpec { notes: "", flags: 0, begin: BeginSearch::Index(i), find: FindKeys::Unknown }
    }
    /// Keys starting after `keyword`, searched from `startfrom`.
    pub const fn keyword(keyword: &'static str, startfrom: i32) -> KeySpec {
        KeySpec { notes: "", flags: 0, begin: BeginSearch::Keyword { keyword, startfrom }, find: FindKeys::Unknown }
    }
    /// Keys only the command's key finder can find.
    pub const fn unknown() -> KeySpec {
        KeySpec { notes: "", flags: 0, begin: BeginSearch::Unknown, find: FindKeys::Unknown }
    }
    /// A range of keys.
    pub const fn range(mut self, lastkey: i32, keystep: i32, limit: i32) -> KeySpec {
        self.find = FindKeys::Range { lastkey, keystep, limit };
        self
    }
    /// A counted list of keys.
    pub const fn keynum(mut self, keynumidx: i32, firstkey: i32, keystep: i32) -> KeySpec {
        self.find = FindKeys::Keynum { keynumidx, firstkey, keystep };
        self
    }
    /// Sets the [`ks`] flags.
    pub const fn flags(mut self, flags: u32) -> KeySpec {
        self.flags = flags;
        self
    }
    /// Sets the notes.
    pub const fn notes(mut self, notes: &'static str) -> KeySpec {
        self.notes = notes;
        self
    }
    /// A plain `index + range` spec (what COMMAND's legacy first/last/step
    /// can describe).
    pub const fn is_range(&self) -> bool {
        matches!((self.begin, self.find), (BeginSearch::Index(_), FindKeys::Range { .. }))
    }
}

/// COMMAND DOCS argument descriptions.
pub mod arg {
    /// An argument's type.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Kind {
        /// A string.
        String,
        /// An integer.
        Integer,
        /// A double.
        Double,
        /// A key name.
        Key,
        /// A glob-style pattern.
        Pattern,
        /// A Unix time.
        UnixTime,
        /// A token on its own.
        PureToken,
        /// One of the nested arguments.
        OneOf,
        /// All the nested arguments, in order.
        Block,
    }

    impl Kind {
        /// The name COMMAND DOCS gives.
        pub const fn name(self) -> &'static str {
            match self {
                Kind::String => "string",
                Kind::Integer => "integer",
                Kind::Double => "double",
                Kind::Key => "key",
                Kind::Pattern => "pattern",
                Kind::UnixTime => "unix-time",
                Kind::PureToken => "pure-token",
                Kind::OneOf => "oneof",
                Kind::Block => "block",
            }
        }
    }

    /// May be omitted.
    pub const OPTIONAL: u8 = 1 << 0;
    /// May repeat.
    pub const MULTIPLE: u8 = 1 << 1;
    /// Repeats with its token each time.
    pub const MULTIPLE_TOKEN: u8 = 1 << 2;

    /// One documented argument.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Arg {
        /// Its name.
        pub name: &'static str,
        /// Its type.
        pub kind: Kind,
        /// The token before it (`Some("")` is MIGRATE's empty-string token).
        pub token: Option<&'static str>,
        /// [`OPTIONAL`], [`MULTIPLE`], [`MULTIPLE_TOKEN`].
        pub flags: u8,
        /// Version that added it (empty: the command's).
        pub since: &'static str,
        /// Version that deprecated it (empty: not deprecated).
        pub deprecated_since: &'static str,
        /// For keys: the index of its key spec.
        pub key_spec_index: Option<u8>,
        /// Nested arguments of a oneof or block.
        pub args: &'static [Arg],
    }

    const fn new(name: &'static str, kind: Kind) -> Arg {
        Arg { name, kind, token: None, flags: 0, since: "", deprecated_since: "", key_spec_index: None, args: &[] }
    }
    /// A key, described by key spec `spec`.
    pub const fn key(name: &'static str, spec: u8) -> Arg {
        let mut a = new(name, Kind::Key);
        a.key_spec_index = Some(spec);
        a
    }
    /// A string.
    pub const fn string(name: &'static str) -> Arg {
        new(name, Kind::String)
    }
    /// An integer.
    pub const fn integer(name: &'static str) -> Arg {
        new(name, Kind::Integer)
    }
    /// A double.
    pub const fn double(name: &'static str) -> Arg {
        new(name, Kind::Double)
    }
    /// A pattern.
    pub const fn pattern(name: &'static str) -> Arg {
        new(name, Kind::Pattern)
    }
    /// A Unix time.
    pub const fn unix_time(name: &'static str) -> Arg {
        new(name, Kind::UnixTime)
    }
    /// A token on its own.
    pub const fn token(name: &'static str, token: &'static str) -> Arg {
        let mut a = new(name, Kind::PureToken);
        a.token = Some(token);
        a
    }
    /// One of `args`.
    pub const fn oneof(name: &'static str, args: &'static [Arg]) -> Arg {
        let mut a = new(name, Kind::OneOf);
        a.args = args;
        a
    }
    /// All of `args`, in order.
    pub const fn block(name: &'static str, args: &'static [Arg]) -> Arg {
        let mut a = new(name, Kind::Block);
        a.args = args;
        a
    }

    impl Arg {
        /// Preceded by `token`.
        pub const fn token(mut self, token: &'static str) -> Arg {
            self.token = Some(token);
            self
        }
        /// May be omitted.
        pub const fn optional(mut self) -> Arg {
            self.flags |= OPTIONAL;
            self
        }
        /// May repeat.
        pub const fn multiple(mut self) -> Arg {
            self.flags |= MULTIPLE;
            self
        }
        /// Repeats with its token.
        pub const fn multiple_token(mut self) -> Arg {
            self.flags |= MULTIPLE_TOKEN;
            self
        }
        /// Names key spec `i` (a pattern that names keys, as SORT's BY).
        pub const fn key_spec(mut self, i: u8) -> Arg {
            self.key_spec_index = Some(i);
            self
        }
        /// Added in version `v`.
        pub const fn since(mut self, v: &'static str) -> Arg {
            self.since = v;
            self
        }
        /// Deprecated since version `v`.
        pub const fn deprecated_since(mut self, v: &'static str) -> Arg {
            self.deprecated_since = v;
            self
        }
    }
}

/// COMMAND DOCS doc flags.
pub mod doc_flags {
    /// Deprecated.
    pub const DEPRECATED: u8 = 1 << 0;
    /// A system command, not meant for users.
    pub const SYSCMD: u8 = 1 << 1;
}

/// What COMMAND DOCS reports about a command.
#[derive(Clone, Copy, Debug)]
pub struct Doc {
    /// Docs group (`string`, `generic`, `sorted-set`, ...).
    pub group: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// First version with the command.
    pub since: &'static str,
    /// Time complexity.
    pub complexity: &'static str,
    /// [`doc_flags`].
    pub doc_flags: u8,
    /// Version that deprecated it (empty: not deprecated).
    pub deprecated_since: &'static str,
    /// What replaces it (empty: nothing).
    pub replaced_by: &'static str,
    /// (version, change) pairs.
    pub history: &'static [(&'static str, &'static str)],
    /// The argument tree.
    pub args: &'static [arg::Arg],
}

/// One command (or subcommand) of the table.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Lower-case name (`get`; `get` for `config|get`).
    pub name: &'static str,
    /// Full name: `get`, `config|get`.
    pub fullname: &'static str,
    /// Arity in Redis's sign convention: N exact, -N at least N (the name
    /// counts; a subcommand counts its container too).
    pub arity: i32,
    /// [`flags`] bits (MOVABLE_KEYS is derived, see [`Self::flags_shown`]).
    pub flags: u64,
    /// Explicit [`acl`] categories; those implied by flags are added by
    /// [`Self::acl_categories`].
    pub acl: u32,
    /// Key specs, as COMMAND INFO lists them.
    pub key_specs: &'static [KeySpec],
    /// Key finder for what the specs cannot describe.
    pub keys_fn: Option<KeysFn>,
    /// Command tips (`nondeterministic_output`, `request_policy:...`).
    pub tips: &'static [&'static str],
    /// COMMAND DOCS.
    pub doc: Doc,
    /// Implementation (a container's is never called: dispatch descends
    /// into `subcommands`).
    pub handler: Handler,
    /// Subcommands of a container command (CONFIG, CLIENT, ...).
    pub subcommands: &'static [CommandSpec],
}

/// The part of `fullname` after its `|` (all of it when there is none).
const fn last_part(fullname: &'static str) -> &'static str {
    let bytes = fullname.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        if bytes[i - 1] == b'|' {
            let (_, tail) = bytes.split_at(i);
            return match std::str::from_utf8(tail) {
                Ok(s) => s,
                Err(_) => fullname,
            };
        }
        i -= 1;
    }
    fullname
}

const NO_DOC: Doc = Doc {
    group: "",
    summary: "",
    since: "",
    complexity: "",
    doc_flags: 0,
    deprecated_since: "",
    replaced_by: "",
    history: &[],
    args: &[],
};

impl CommandSpec {
    /// A command (`get`) or subcommand (`config|get`) with its arity and
    /// handler; refine it with the builder methods.
    pub const fn new(fullname: &'static str, arity: i32, handler: Handler) -> CommandSpec {
        CommandSpec {
            name: last_part(fullname),
            fullname,
            arity,
            flags: 0,
            acl: 0,
            key_specs: &[],
            keys_fn: None,
            tips: &[],
            doc: NO_DOC,
            handler,
            subcommands: &[],
        }
    }
    /// Sets the [`flags`].
    pub const fn flags(mut self, flags: u64) -> CommandSpec {
        self.flags = flags;
        self
    }
    /// Sets the explicit [`acl`] categories.
    pub const fn acl(mut self, acl: u32) -> CommandSpec {
        self.acl = acl;
        self
    }
    /// Sets the key specs.
    pub const fn keys(mut self, specs: &'static [KeySpec]) -> CommandSpec {
        self.key_specs = specs;
        self
    }
    /// Sets the key finder for keys the specs cannot describe.
    pub const fn keys_fn(mut self, f: KeysFn) -> CommandSpec {
        self.keys_fn = Some(f);
        self
    }
    /// Sets the tips.
    pub const fn tips(mut self, tips: &'static [&'static str]) -> CommandSpec {
        self.tips = tips;
        self
    }
    /// Sets the docs group, summary, first version and complexity.
    pub const fn doc(
        mut self,
        group: &'static str,
        summary: &'static str,
        since: &'static str,
        complexity: &'static str,
    ) -> CommandSpec {
        self.doc.group = group;
        self.doc.summary = summary;
        self.doc.since = since;
        self.doc.complexity = complexity;
        self
    }
    /// Sets the history.
    pub const fn history(mut self, history: &'static [(&'static str, &'static str)]) -> CommandSpec {
        self.doc.history = history;
        self
    }
    /// Sets the argument tree.
    pub const fn args(mut self, args: &'static [arg::Arg]) -> CommandSpec {
        self.doc.args = args;
        self
    }
    /// Marks the command deprecated since `version`, replaced by `by`.
    pub const fn deprecated(mut self, version: &'static str, by: &'static str) -> CommandSpec {
        self.doc.doc_flags |= doc_flags::DEPRECATED;
        self.doc.deprecated_since = version;
        self.doc.replaced_by = by;
        self
    }
    /// Marks the command a system command (COMMAND DOCS `syscmd`).
    pub const fn syscmd(mut self) -> CommandSpec {
        self.doc.doc_flags |= doc_flags::SYSCMD;
        self
    }
    /// Attaches subcommands.
    pub const fn subcommands(mut self, subs: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subs;
        self
    }

    /// Whether any of the flags `f` is set.
    #[inline]
    pub const fn has(&self, f: u64) -> bool {
        self.flags & f != 0
    }

    /// Whether key positions depend on the arguments (COMMAND's
    /// `movablekeys`): see [`Self::legacy_range`].
    pub fn movable_keys(&self) -> bool {
        self.legacy().1
    }

    /// The flags COMMAND shows: the declared ones plus `movablekeys`.
    pub fn flags_shown(&self) -> u64 {
        if self.movable_keys() {
            self.flags | flags::MOVABLE_KEYS
        } else {
            self.flags
        }
    }

    /// COMMAND's legacy (first key, last key, step), derived from the key
    /// specs as Redis derives it: one plain range spec is used as it is;
    /// otherwise the consecutive step-1 range specs are merged.
    pub fn legacy_range(&self) -> (i32, i32, i32) {
        self.legacy().0
    }

    /// The legacy range and whether it misses keys (a spec that is not a
    /// plain range, an incomplete one, or a range that is not step 1 or does
    /// not continue the one before it): then the keys are `movablekeys`.
    fn legacy(&self) -> ((i32, i32, i32), bool) {
        let specs = self.key_specs;
        if let [only] = specs {
            if let (BeginSearch::Index(pos), FindKeys::Range { lastkey, keystep, .. }) = (only.begin, only.find) {
                let last = if lastkey >= 0 { pos + lastkey } else { lastkey };
                return ((pos, last, keystep), only.flags & ks::INCOMPLETE != 0);
            }
        }
        let mut movable = false;
        let mut first = i32::MAX;
        let mut last: i32 = 0;
        let mut prev_last = 0;
        for s in specs {
            let (BeginSearch::Index(pos), FindKeys::Range { lastkey, keystep, .. }) = (s.begin, s.find) else {
                movable = true;
                continue;
            };
            if keystep != 1 || (prev_last != 0 && prev_last != pos - 1) {
                movable = true;
                continue;
            }
            movable |= s.flags & ks::INCOMPLETE != 0;
            first = first.min(pos);
            let abs = if lastkey >= 0 { pos + lastkey } else { lastkey };
            // Compared unsigned, so a last key counted from the end wins.
            last = (last as u32).max(abs as u32) as i32;
            prev_last = last;
        }
        if first == i32::MAX {
            ((0, 0, 0), movable)
        } else {
            ((first, last, 1), movable)
        }
    }

    /// All ACL categories: the explicit ones plus those Redis derives from
    /// the flags.
    pub fn acl_categories(&self) -> u32 {
        let mut c = self.acl;
        if self.has(flags::WRITE) {
            c |= acl::WRITE;
        }
        if self.has(flags::READONLY) && c & acl::SCRIPTING == 0 {
            c |= acl::READ;
        }
        if self.has(flags::ADMIN) {
            c |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.has(flags::PUBSUB) {
            c |= acl::PUBSUB;
        }
        if self.has(flags::FAST) {
            c |= acl::FAST;
        }
        if self.has(flags::BLOCKING) {
            c |= acl::BLOCKING;
        }
        if c & acl::FAST == 0 {
            c |= acl::SLOW;
        }
        c
    }

    /// Whether `argc` arguments (name included) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        if a >= 0 {
            argc == a as usize
        } else {
            argc >= a.unsigned_abs() as usize
        }
    }
}
