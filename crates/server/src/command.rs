//! The command table: every command declared once (name, arity, flags, key
//! positions, ACL categories, docs, handler), the case-insensitive lookup
//! that dispatch uses, and the argument helpers handlers share.
//!
//! `COMMAND`, `COMMAND INFO`/`DOCS`/`LIST`/`GETKEYS` and docs/COMMANDS.md are
//! all generated from this one table.

use std::sync::OnceLock;

use ember_resp::Command;
use ember_store::Db;

use crate::client::{Client, Out};
use crate::error::{CmdError, CmdResult};
use crate::server::Shared;

/// What a handler sees: the server state, the calling client and the clock.
pub struct Ctx<'a> {
    /// Everything the server owns except the calling client.
    pub srv: &'a mut Shared,
    /// The calling client.
    pub client: &'a mut Client,
    /// Milliseconds since the epoch, fixed for the whole command.
    pub now_ms: u64,
    /// Set by a blocking command that found nothing to take: the client
    /// waits instead of getting a reply.
    pub block: Option<crate::blocking::BlockRequest>,
}

impl Ctx<'_> {
    /// The reply writer.
    pub fn out(&mut self) -> &mut Out {
        &mut self.client.out
    }
    /// The client's selected database.
    pub fn db(&mut self) -> &mut Db {
        self.srv.store.db(self.client.db)
    }
    /// Records a change to the dataset (for save points and INFO).
    pub fn dirty(&mut self, n: u64) {
        self.srv.dirty += n;
    }
    /// Keyspace notification: `event` happened to `key` in the client's
    /// database. One test when notifications of `class` are off (the
    /// default); see `pubsub::notify`.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.srv.notify_mask & class != 0 {
            let db = self.client.db;
            crate::pubsub::notify(self.srv, Some(&mut *self.client), class, event, key, db);
        }
    }
    /// [`notify`](Self::notify) for a key in another database (MOVE, COPY).
    #[inline]
    pub fn notify_db(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        if self.srv.notify_mask & class != 0 {
            crate::pubsub::notify(self.srv, Some(&mut *self.client), class, event, key, db);
        }
    }
    /// Whether this command may block (not inside MULTI/EXEC).
    pub fn may_block(&self) -> bool {
        !self.client.in_exec
    }
}

/// A command implementation.
pub type Handler = fn(&mut Ctx<'_>, &Command<'_>) -> CmdResult;

/// Command flags, as COMMAND reports them.
pub mod flags {
    /// May modify the dataset.
    pub const WRITE: u32 = 1 << 0;
    /// Never modifies keys.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory use; refused when over maxmemory.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/Sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading the dataset.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not logged in the slow log.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log N).
    pub const FAST: u32 = 1 << 11;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate even when read-only.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 15;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// Key positions depend on arguments.
    pub const MOVABLE_KEYS: u32 = 1 << 17;
    /// Refused while a replica loads its dataset asynchronously.
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;

    /// Names in COMMAND's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
        (MOVABLE_KEYS, "movablekeys"),
    ];
}

/// ACL categories, in Redis's order.
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

    /// Names in Redis's order.
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

/// One command (or subcommand) of the table.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Lower-case name (`get`, or `get` under `config` for `config|get`).
    pub name: &'static str,
    /// Full name: `get`, `config|get`.
    pub fullname: &'static str,
    /// Arity in Redis's sign convention: N exact, -N at least N (the name counts).
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// Explicit [`acl`] categories; the ones implied by flags are added.
    pub acl: u32,
    /// First key position (0: no keys).
    pub first_key: i32,
    /// Last key position (-1: the last argument).
    pub last_key: i32,
    /// Step between keys.
    pub key_step: i32,
    /// Docs group (`string`, `generic`, `connection`, `server`, ...).
    pub group: &'static str,
    /// First Redis version with this command.
    pub since: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Time complexity.
    pub complexity: &'static str,
    /// Argument syntax, e.g. `key value [NX | XX]`.
    pub syntax: &'static str,
    /// Implementation (container commands dispatch to `subcommands`).
    pub handler: Handler,
    /// Subcommands of a container command (CONFIG, CLIENT, ...).
    pub subcommands: &'static [CommandSpec],
    /// For commands whose keys follow a count (`LMPOP numkeys key ...`): the
    /// position of that count (0: keys are described by first/last/step).
    pub numkeys_at: u8,
    /// For commands whose keys only their arguments reveal (`SORT ... STORE
    /// destination`): finds every key position.
    pub keys_fn: Option<KeysFn>,
}

/// Finds the key positions of a command of `argc` arguments read through
/// the given accessor (see [`CommandSpec::keys_fn`]).
pub type KeysFn = for<'a> fn(usize, &dyn Fn(usize) -> Option<&'a [u8]>) -> Vec<usize>;

impl CommandSpec {
    /// A command with the given essentials; refine with the builder methods.
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: u32,
        acl: u32,
        keys: (i32, i32, i32),
        group: &'static str,
        since: &'static str,
        summary: &'static str,
        handler: Handler,
    ) -> CommandSpec {
        CommandSpec {
            name,
            fullname: name,
            arity,
            flags,
            acl,
            first_key: keys.0,
            last_key: keys.1,
            key_step: keys.2,
            group,
            since,
            summary,
            complexity: "",
            syntax: "",
            handler,
            subcommands: &[],
            numkeys_at: 0,
            keys_fn: None,
        }
    }
    /// Declares the keys as `numkeys key [key ...]` with the count at `at`
    /// (a destination key at `first_key`, before the count, also counts).
    pub const fn numkeys_at(mut self, at: u8) -> CommandSpec {
        self.numkeys_at = at;
        self
    }
    /// Declares a function that finds the keys in the arguments.
    pub const fn keys_fn(mut self, f: KeysFn) -> CommandSpec {
        self.keys_fn = Some(f);
        self
    }
    /// Sets the argument syntax.
    pub const fn syntax(mut self, s: &'static str) -> CommandSpec {
        self.syntax = s;
        self
    }
    /// Sets the complexity text.
    pub const fn complexity(mut self, s: &'static str) -> CommandSpec {
        self.complexity = s;
        self
    }
    /// Marks this spec as the subcommand `fullname` (`config|get`).
    pub const fn sub(mut self, fullname: &'static str) -> CommandSpec {
        self.fullname = fullname;
        self
    }
    /// Attaches subcommands.
    pub const fn subcommands(mut self, subs: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subs;
        self
    }

    /// All ACL categories: explicit plus those implied by flags, as Redis derives them.
    pub fn acl_categories(&self) -> u32 {
        let mut c = self.acl;
        if self.flags & flags::WRITE != 0 {
            c |= acl::WRITE;
        }
        if self.flags & flags::READONLY != 0 && c & acl::SCRIPTING == 0 {
            c |= acl::READ;
        }
        if self.flags & flags::ADMIN != 0 {
            c |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.flags & flags::PUBSUB != 0 {
            c |= acl::PUBSUB;
        }
        if self.flags & flags::FAST != 0 {
            c |= acl::FAST;
        }
        if self.flags & flags::BLOCKING != 0 {
            c |= acl::BLOCKING;
        }
        if c & acl::FAST == 0 {
            c |= acl::SLOW;
        }
        c
    }

    /// Whether `argc` arguments (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        if a >= 0 {
            argc == a as usize
        } else {
            argc >= a.unsigned_abs() as usize
        }
    }

    /// Key positions of a concrete command: `numkeys`-style keys are read
    /// from the arguments, others come from first/last/step.
    pub fn keys_of(&self, cmd: &ember_resp::Command<'_>) -> Vec<usize> {
        self.keys_in(cmd.len(), |i| cmd.get(i))
    }

    /// Calls `f` with each key position of a concrete command, in the order
    /// [`keys_of`](Self::keys_of) gives them, without allocating.
    #[inline]
    pub fn for_each_key(&self, cmd: &ember_resp::Command<'_>, mut f: impl FnMut(usize)) {
        let argc = cmd.len();
        if self.numkeys_at != 0 || self.keys_fn.is_some() {
            self.keys_of(cmd).into_iter().for_each(f);
            return;
        }
        if self.first_key <= 0 || argc <= self.first_key as usize {
            return;
        }
        let last = if self.last_key < 0 { argc as i64 + self.last_key as i64 } else { self.last_key as i64 };
        let step = self.key_step.max(1) as usize;
        (self.first_key as usize..=last.max(0) as usize).step_by(step).filter(|&i| i < argc).for_each(&mut f);
    }

    /// [`keys_of`](Self::keys_of) over `argc` arguments read through `arg`.
    pub fn keys_in<'a>(&self, argc: usize, arg: impl Fn(usize) -> Option<&'a [u8]>) -> Vec<usize> {
        if let Some(f) = self.keys_fn {
            return f(argc, &arg);
        }
        if self.numkeys_at == 0 {
            return self.key_positions(argc);
        }
        let at = usize::from(self.numkeys_at);
        let mut keys = Vec::new();
        if self.first_key > 0 && (self.first_key as usize) < at {
            keys.push(self.first_key as usize);
        }
        if let Some(n) = arg(at).and_then(parse_i64).filter(|&n| n > 0) {
            keys.extend((at + 1..).take(n as usize).take_while(|&i| i < argc));
        }
        keys
    }

    /// Key positions in `args` (name at 0), from first/last/step.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 || argc <= self.first_key as usize {
            return Vec::new();
        }
        let last = if self.last_key < 0 { argc as i64 + self.last_key as i64 } else { self.last_key as i64 };
        let step = self.key_step.max(1) as usize;
        (self.first_key as usize..=last.max(0) as usize).step_by(step).filter(|&i| i < argc).collect()
    }
}

/// The assembled table: every spec with an index (for per-command stats) and
/// a case-insensitive name lookup that never allocates.
///
/// The lookup packs the first 16 bytes of a name into two words with every
/// byte's 0x20 bit set (ASCII lower case for letters), hashes those and the
/// length, and compares the packed words: a dozen instructions for a command
/// name, against a byte-at-a-time hash and comparison. Setting the 0x20 bit
/// folds the case of letters exactly; for the other bytes of a name (`_`,
/// `-`, digits) it could also match a control byte, so names with such bytes,
/// and names longer than 16 bytes, are confirmed byte by byte.
pub struct Registry {
    /// Top-level commands, then subcommands.
    pub specs: Vec<&'static CommandSpec>,
    slots: Vec<NameSlot>,
    shift: u32,
    /// For each top-level command, the index of its first subcommand in `specs`.
    sub_base: Vec<u32>,
}

/// One slot of the name table.
#[derive(Clone, Copy)]
struct NameSlot {
    /// The folded first 16 bytes of the name.
    words: [u64; 2],
    /// Name length; 0 marks an empty slot.
    len: u32,
    /// Index into `specs`.
    idx: u16,
    /// A folded match must be confirmed byte by byte.
    confirm: bool,
}

/// What walking a probe sequence found.
enum Probe {
    Found(usize),
    Absent,
    /// A folded match that must be confirmed byte by byte.
    Unsure,
}

const EMPTY_SLOT: NameSlot = NameSlot { words: [0; 2], len: 0, idx: 0, confirm: false };

/// The first 16 bytes of `name` as two little-endian words, zero-padded, with
/// the 0x20 bit of every byte set.
#[inline]
fn fold16(name: &[u8]) -> [u64; 2] {
    const LOWER: u64 = 0x2020_2020_2020_2020;
    let n = name.len();
    let word = |at: usize| u64::from_le_bytes(name[at..at + 8].try_into().expect("8 bytes"));
    let (a, b) = if n >= 16 {
        (word(0), word(8))
    } else if n >= 8 {
        // The last 8 bytes, shifted down past the ones the first word holds.
        // (Nothing is left for exactly 8 bytes.)
        (word(0), word(n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0))
    } else if n >= 4 {
        let lo = u32::from_le_bytes(name[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(name[n - 4..].try_into().expect("4 bytes"));
        // Overlapping bytes are the same bytes, so OR keeps them intact.
        (u64::from(lo) | (u64::from(hi) << (8 * (n - 4))), 0)
    } else if n >= 2 {
        let lo = u16::from_le_bytes([name[0], name[1]]);
        let hi = u16::from_le_bytes([name[n - 2], name[n - 1]]);
        (u64::from(lo) | (u64::from(hi) << (8 * (n - 2))), 0)
    } else {
        (name.first().map_or(0, |&b| u64::from(b)), 0)
    };
    [a | LOWER, b | LOWER]
}

#[inline]
fn slot_of(words: [u64; 2], len: usize, shift: u32) -> usize {
    let h = (words[0] ^ words[1].rotate_left(31) ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> shift) as usize
}

impl Registry {
    fn build(families: &[&'static [CommandSpec]]) -> Registry {
        let mut specs: Vec<&'static CommandSpec> = families.iter().flat_map(|f| f.iter()).collect();
        specs.sort_by_key(|s| s.name);
        let top = specs.len();
        let mut sub_base = Vec::with_capacity(top);
        for i in 0..top {
            sub_base.push(specs.len() as u32);
            specs.extend(specs[i].subcommands.iter());
        }
        assert!(specs.len() <= usize::from(u16::MAX), "too many commands for the name table");
        let size = (top * 4).next_power_of_two();
        let mut reg = Registry { specs, slots: vec![EMPTY_SLOT; size], shift: 64 - size.trailing_zeros(), sub_base };
        for i in 0..top {
            let name = reg.specs[i].name.as_bytes();
            let words = fold16(name);
            let mut pos = slot_of(words, name.len(), reg.shift);
            while reg.slots[pos].len != 0 {
                pos = (pos + 1) & (size - 1);
            }
            let confirm = name.len() > 16 || !name.iter().all(u8::is_ascii_lowercase);
            reg.slots[pos] = NameSlot { words, len: name.len() as u32, idx: i as u16, confirm };
        }
        reg
    }

    /// Looks a top-level command up by name, ASCII case-insensitively.
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        match self.probe(name, false) {
            Probe::Found(idx) => Some(idx),
            Probe::Absent => None,
            Probe::Unsure => self.lookup_confirmed(name),
        }
    }

    /// [`lookup`](Self::lookup) for names whose folded match must be
    /// confirmed byte by byte (kept out of line: rare).
    #[cold]
    #[inline(never)]
    fn lookup_confirmed(&self, name: &[u8]) -> Option<usize> {
        match self.probe(name, true) {
            Probe::Found(idx) => Some(idx),
            Probe::Absent | Probe::Unsure => None,
        }
    }

    /// Walks the probe sequence of `name`. Without `confirm`, stops at the
    /// first folded match that needs a byte-by-byte check (`Unsure`); the
    /// common path so makes no calls.
    #[inline(always)]
    fn probe(&self, name: &[u8], confirm: bool) -> Probe {
        if name.is_empty() {
            return Probe::Absent;
        }
        let words = fold16(name);
        let mask = self.slots.len() - 1;
        let mut pos = slot_of(words, name.len(), self.shift);
        loop {
            let slot = &self.slots[pos];
            if slot.len == 0 {
                return Probe::Absent;
            }
            if slot.words == words && slot.len as usize == name.len() {
                let idx = usize::from(slot.idx);
                if !slot.confirm {
                    return Probe::Found(idx);
                }
                if !confirm {
                    return Probe::Unsure;
                }
                if self.specs[idx].name.as_bytes().eq_ignore_ascii_case(name) {
                    return Probe::Found(idx);
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Looks a subcommand of `parent` up by name.
    pub fn lookup_sub(&self, parent: usize, name: &[u8]) -> Option<usize> {
        let subs = self.specs[parent].subcommands;
        let at = subs.iter().position(|s| s.name.as_bytes().eq_ignore_ascii_case(name))?;
        Some(*self.sub_base.get(parent)? as usize + at)
    }

    /// Finds a command or `container|sub` by full name.
    pub fn lookup_full(&self, fullname: &[u8]) -> Option<usize> {
        match fullname.iter().position(|&b| b == b'|') {
            None => self.lookup(fullname),
            Some(bar) => self.lookup_sub(self.lookup(&fullname[..bar])?, &fullname[bar + 1..]),
        }
    }

    /// Number of top-level commands.
    pub fn top_level(&self) -> impl Iterator<Item = &'static CommandSpec> + '_ {
        self.specs.iter().copied().filter(|s| !s.fullname.contains('|'))
    }
}

/// The process-wide command table.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::build(crate::commands::FAMILIES))
}

/// ASCII case-insensitive comparison of an argument with an option name.
#[inline]
pub fn is(arg: &[u8], option: &str) -> bool {
    arg.eq_ignore_ascii_case(option.as_bytes())
}

/// Parses a 64-bit signed integer the way Redis's string2ll does: optional
/// `-`, decimal digits, no leading zeros, no spaces, no `+`.
pub fn parse_i64(arg: &[u8]) -> Option<i64> {
    ember_num::parse_i64(arg)
}

/// [`parse_i64`] with Redis's "not an integer" error.
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// Parses a double as Redis's `getDoubleFromObject` does (see
/// [`ember_num::parse_f64`]): the whole argument, decimal or hexadecimal,
/// `inf`/`-inf` (any case, also `infinity`), no NaN, no leading space.
pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    ember_num::parse_f64(arg)
}

/// [`parse_f64`] with Redis's "not a valid float" error.
pub fn float_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// Lossy text of an argument, for error messages.
pub fn lossy(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let reg = registry();
        let mut seen = std::collections::HashSet::new();
        for s in &reg.specs {
            assert!(seen.insert(s.fullname), "duplicate command {}", s.fullname);
            assert!(!s.summary.is_empty(), "{} has no summary", s.fullname);
            assert!(!s.since.is_empty(), "{} has no since", s.fullname);
            assert!(s.arity != 0, "{} has arity 0", s.fullname);
            assert_eq!(s.name, s.name.to_ascii_lowercase());
            assert!(
                s.flags & flags::WRITE == 0 || s.flags & flags::READONLY == 0,
                "{} is both write and readonly",
                s.fullname
            );
            if s.fullname.contains('|') {
                assert!(s.fullname.ends_with(s.name));
            }
            assert_eq!(reg.lookup_full(s.fullname.as_bytes()).map(|i| reg.specs[i].fullname), Some(s.fullname));
        }
        assert_eq!(reg.lookup(b"GeT").map(|i| reg.specs[i].name), Some("get"));
        assert_eq!(reg.lookup(b"nosuchcommand"), None);
        assert_eq!(reg.lookup(b""), None);
        for s in reg.top_level() {
            let upper = s.name.to_ascii_uppercase();
            assert_eq!(reg.lookup(upper.as_bytes()).map(|i| reg.specs[i].name), Some(s.name));
            // One byte more or less, or a byte whose 0x20 bit alone differs
            // from a non-letter of the name, is another name.
            let mut longer = s.name.as_bytes().to_vec();
            longer.push(b'x');
            assert_ne!(reg.lookup(&longer).map(|i| reg.specs[i].name), Some(s.name));
            assert_ne!(reg.lookup(&s.name.as_bytes()[1..]).map(|i| reg.specs[i].name), Some(s.name));
            for (i, b) in s.name.bytes().enumerate() {
                if !b.is_ascii_alphabetic() {
                    let mut twin = s.name.as_bytes().to_vec();
                    twin[i] ^= 0x20;
                    assert_eq!(reg.lookup(&twin), None, "{:?}", twin.escape_ascii().to_string());
                }
            }
        }
    }

    #[test]
    fn integers_parse_like_redis() {
        for (s, want) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-0", None),
            ("01", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("1.0", None),
            ("12a", None),
        ] {
            assert_eq!(parse_i64(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn floats_parse_like_redis() {
        for (s, want) in [
            ("1.5", Some(1.5)),
            ("-2", Some(-2.0)),
            ("1e3", Some(1000.0)),
            ("inf", Some(f64::INFINITY)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("+inf", Some(f64::INFINITY)),
            ("nan", None),
            ("", None),
            (" 1", None),
            ("1x", None),
        ] {
            assert_eq!(parse_f64(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn key_positions() {
        let reg = registry();
        let mset = reg.specs[reg.lookup(b"mset").unwrap()];
        assert_eq!(mset.key_positions(5), vec![1, 3]);
        let del = reg.specs[reg.lookup(b"del").unwrap()];
        assert_eq!(del.key_positions(4), vec![1, 2, 3]);
        let get = reg.specs[reg.lookup(b"get").unwrap()];
        assert_eq!(get.key_positions(2), vec![1]);
        // for_each_key visits what keys_of lists, for every command shape.
        let cmd = |args: &[&str]| {
            let mut raw = format!("*{}\r\n", args.len());
            for a in args {
                raw.push_str(&format!("${}\r\n{a}\r\n", a.len()));
            }
            raw.into_bytes()
        };
        for args in [
            &["get", "k"][..],
            &["mset", "a", "1", "b", "2"],
            &["del", "a", "b", "c"],
            &["lmpop", "2", "a", "b", "left"],
            &["zunionstore", "d", "2", "a", "b"],
            &["ping"],
            &["set", "k"],
        ] {
            let raw = cmd(args);
            let mut decoder = ember_resp::CommandDecoder::default();
            let c = decoder.decode(&raw).unwrap().unwrap();
            let spec = reg.specs[reg.lookup(args[0].as_bytes()).unwrap()];
            let mut seen = Vec::new();
            spec.for_each_key(&c, |p| seen.push(p));
            assert_eq!(seen, spec.keys_of(&c), "{args:?}");
        }
    }
}
