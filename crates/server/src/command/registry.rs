//! The assembled command table and its case-insensitive name lookup.

use std::sync::OnceLock;

use super::spec::CommandSpec;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::spec::{arg, flags, ks, BeginSearch, FindKeys};

    /// Every command's full name, for the flag lists below.
    fn with_flag(f: u64) -> Vec<&'static str> {
        let mut v: Vec<&str> = registry().specs.iter().filter(|s| s.has(f)).map(|s| s.fullname).collect();
        v.sort_unstable();
        v
    }

    fn sorted(mut v: Vec<&'static str>) -> Vec<&'static str> {
        v.sort_unstable();
        v
    }

    /// Calls `f` with every argument of a tree, nested ones included.
    fn walk(args: &'static [arg::Arg], f: &mut dyn FnMut(&'static arg::Arg)) {
        for a in args {
            f(a);
            walk(a.args, f);
        }
    }

    #[test]
    fn table_is_consistent() {
        let reg = registry();
        let mut seen = std::collections::HashSet::new();
        for s in &reg.specs {
            let name = s.fullname;
            assert!(seen.insert(name), "duplicate command {name}");
            assert!(!s.doc.summary.is_empty(), "{name} has no summary");
            assert!(!s.doc.since.is_empty(), "{name} has no since");
            assert!(!s.doc.group.is_empty(), "{name} has no group");
            assert!(s.arity != 0, "{name} has arity 0");
            assert_eq!(s.name, s.name.to_ascii_lowercase());
            assert!(!(s.has(flags::WRITE) && s.has(flags::READONLY)), "{name} is both write and readonly");
            // Derived, never declared: COMMAND shows it from the key specs.
            assert!(!s.has(flags::MOVABLE_KEYS), "{name} declares movablekeys");
            if let Some((container, sub)) = name.split_once('|') {
                assert_eq!(s.name, sub);
                // A subcommand's arity counts its container's name too.
                assert!(s.arity.unsigned_abs() >= 2, "{name}: arity {} does not count the container", s.arity);
                assert!(s.subcommands.is_empty(), "{name}: subcommands of a subcommand");
                let parent = reg.lookup(container.as_bytes()).map(|i| reg.specs[i]);
                assert!(
                    parent.is_some_and(|p| p.subcommands.iter().any(|c| c.fullname == name)),
                    "{name}: no container"
                );
            } else {
                assert_eq!(s.name, name);
            }
            if !s.subcommands.is_empty() && s.name != "command" {
                // Containers (all but COMMAND, which runs on its own) take
                // a subcommand, and carry no keys.
                assert_eq!(s.arity, -2, "{name}: container arity");
                assert!(s.key_specs.is_empty() && s.keys_fn.is_none(), "{name}: container with keys");
            }
            assert_eq!(reg.lookup_full(name.as_bytes()).map(|i| reg.specs[i].fullname), Some(name));

            // Key specs: well formed, and each named by an argument.
            for (i, k) in s.key_specs.iter().enumerate() {
                let access = [ks::RO, ks::RW, ks::OW, ks::RM].iter().filter(|&&f| k.flags & f != 0).count();
                if k.flags & ks::NOT_KEY != 0 {
                    assert_eq!(access, 0, "{name} spec {i}: a channel spec with access flags");
                } else {
                    assert_eq!(access, 1, "{name} spec {i}: not exactly one of RO, RW, OW, RM");
                }
                match k.begin {
                    BeginSearch::Index(p) => assert!(p >= 1, "{name} spec {i}: index {p}"),
                    BeginSearch::Keyword { keyword, startfrom } => {
                        assert!(!keyword.is_empty() && startfrom != 0, "{name} spec {i}: keyword search")
                    }
                    BeginSearch::Unknown => {
                        assert!(k.flags & ks::INCOMPLETE == 0 && !k.notes.is_empty(), "{name} spec {i}: unknown")
                    }
                }
                match k.find {
                    FindKeys::Range { lastkey, keystep, limit } => {
                        assert!(keystep >= 1 && limit >= 0, "{name} spec {i}: range");
                        assert!(limit == 0 || lastkey == -1, "{name} spec {i}: a limit needs lastkey -1");
                        // A fixed arity holds the keys an index range names.
                        if let (BeginSearch::Index(p), true) = (k.begin, lastkey >= 0 && s.arity > 0) {
                            assert!(p + lastkey < s.arity, "{name} spec {i}: keys past the arity");
                        }
                    }
                    FindKeys::Keynum { keynumidx, firstkey, keystep } => {
                        assert!(keynumidx >= 0 && firstkey > keynumidx && keystep >= 1, "{name} spec {i}: keynum")
                    }
                    FindKeys::Unknown => {
                        assert!(matches!(k.begin, BeginSearch::Unknown), "{name} spec {i}: unknown find only")
                    }
                }
                let mut named = false;
                walk(s.doc.args, &mut |a| named |= a.key_spec_index == Some(i as u8));
                // Shard channels (not_key) are string arguments in Redis's
                // docs; any other spec no argument names says why.
                assert!(
                    named || k.flags & ks::NOT_KEY != 0 || !k.notes.is_empty(),
                    "{name}: key spec {i} is named by no argument and has no notes"
                );
            }
            // Specs that cannot give every key with its flags need the
            // command's own key finder (Redis's getkeys_proc).
            let unreliable = s.key_specs.iter().any(|k| {
                k.flags & (ks::VARIABLE_FLAGS | ks::INCOMPLETE) != 0 || matches!(k.begin, BeginSearch::Unknown)
            });
            assert!(!unreliable || s.keys_fn.is_some(), "{name}: unreliable key specs and no key finder");

            // Docs: every key_spec_index points at a spec, keys name one,
            // tokens and nested arguments where the type needs them.
            walk(s.doc.args, &mut |a| {
                assert!(!a.name.is_empty(), "{name}: an argument without a name");
                if let Some(i) = a.key_spec_index {
                    assert!(usize::from(i) < s.key_specs.len(), "{name}: {} names key spec {i}", a.name);
                    assert!(
                        matches!(a.kind, arg::Kind::Key | arg::Kind::Pattern),
                        "{name}: {} is a {:?} with a key spec",
                        a.name,
                        a.kind
                    );
                }
                match a.kind {
                    arg::Kind::Key => assert!(a.key_spec_index.is_some(), "{name}: key {} has no key spec", a.name),
                    arg::Kind::PureToken => assert!(a.token.is_some(), "{name}: pure token {} has no token", a.name),
                    arg::Kind::OneOf | arg::Kind::Block => {
                        assert!(!a.args.is_empty(), "{name}: {} has no nested arguments", a.name)
                    }
                    _ => assert!(a.args.is_empty(), "{name}: {} has nested arguments", a.name),
                }
            });
        }

        // ember's gate flags, only on the commands their docs name.
        assert_eq!(with_flag(flags::TXN_CONTROL), sorted(vec!["discard", "exec", "multi", "quit", "reset", "watch"]));
        assert_eq!(with_flag(flags::TXN_END), sorted(vec!["discard", "exec", "quit", "reset"]));
        assert_eq!(with_flag(flags::RUNS_QUEUED), vec!["exec"]);
        assert_eq!(
            with_flag(flags::RUNS_SCRIPT),
            sorted(vec!["eval", "eval_ro", "evalsha", "evalsha_ro", "fcall", "fcall_ro"])
        );
        assert_eq!(with_flag(flags::HEALTH_CHECK), vec!["ping"]);
        assert_eq!(
            with_flag(flags::SUBSCRIBED_OK),
            sorted(vec![
                "ping",
                "psubscribe",
                "punsubscribe",
                "quit",
                "reset",
                "ssubscribe",
                "subscribe",
                "sunsubscribe",
                "unsubscribe",
            ])
        );
        // The flags COMMAND hides, as Redis 7.0's command table sets them
        // (the differential test cannot see these).
        assert_eq!(
            with_flag(flags::MAY_REPLICATE),
            sorted(vec!["eval", "evalsha", "fcall", "pfcount", "publish", "spublish"])
        );
        assert_eq!(with_flag(flags::PROTECTED), vec!["debug"]);
        let mut sentinel = vec![
            "auth",
            "client",
            "command",
            "hello",
            "info",
            "ping",
            "psubscribe",
            "publish",
            "punsubscribe",
            "role",
            "shutdown",
            "subscribe",
            "unsubscribe",
        ];
        for c in ["client", "command"] {
            let i = reg.lookup(c.as_bytes()).expect(c);
            sentinel.extend(reg.specs[i].subcommands.iter().map(|s| s.fullname));
        }
        assert_eq!(with_flag(flags::SENTINEL), sorted(sentinel));
        for f in [flags::MODULE, flags::ONLY_SENTINEL, flags::TOUCHES_ARBITRARY_KEYS, flags::ASKING] {
            assert_eq!(with_flag(f), Vec::<&str>::new(), "flag {f:#x}");
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
}
