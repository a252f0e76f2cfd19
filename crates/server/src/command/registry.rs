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
    use crate::command::spec::flags;

    #[test]
    fn table_is_consistent() {
        let reg = registry();
        let mut seen = std::collections::HashSet::new();
        for s in &reg.specs {
            assert!(seen.insert(s.fullname), "duplicate command {}", s.fullname);
            assert!(!s.doc.summary.is_empty(), "{} has no summary", s.fullname);
            assert!(!s.doc.since.is_empty(), "{} has no since", s.fullname);
            assert!(!s.doc.group.is_empty(), "{} has no group", s.fullname);
            assert!(s.arity != 0, "{} has arity 0", s.fullname);
            assert_eq!(s.name, s.name.to_ascii_lowercase());
            assert!(!(s.has(flags::WRITE) && s.has(flags::READONLY)), "{} is both write and readonly", s.fullname);
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
}
