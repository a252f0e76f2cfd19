//! The set type ([`Set`]) and its three encodings:
//!
//! * `intset` ([`IntSet`]): sorted distinct `i64`s packed at the smallest
//!   width (2, 4 or 8 bytes) that holds them all, for sets of canonical
//!   integers up to `set-max-intset-entries`; binary search.
//! * `listpack` ([`Pack`]): members in insertion order, linear search, up to
//!   `set-max-listpack-entries` members of at most `set-max-listpack-value`
//!   bytes (Redis 7.2 behaviour; Redis 7.0 goes straight to `hashtable`).
//! * `hashtable`: a [`Dict`] with unit values.
//!
//! Conversions only go `intset -> listpack -> hashtable` (or `intset ->
//! hashtable`), never back, except that a set rebuilt from scratch (SPOP of
//! most of a set) is encoded for its new size, as in Redis.

use super::dict::{Dict, Rng};
use super::hash::{partial_shuffle, Pack};
use super::EncodingConfig;
use ember_num::{format_i64, parse_i64};

/// Sorted distinct integers stored little-endian at a uniform width.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IntSet {
    /// Bytes per element: 2, 4 or 8 (0 while empty).
    width: u8,
    data: Vec<u8>,
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

fn width_for(v: i64) -> u8 {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    /// Number of elements.
    pub fn len(&self) -> usize {
        if self.width == 0 {
            0
        } else {
            self.data.len() / usize::from(self.width)
        }
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes per element (2, 4 or 8; 0 when empty).
    pub fn width(&self) -> usize {
        usize::from(self.width)
    }

    /// The element at index `i` (ascending order).
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        let w = usize::from(self.width);
        let b = &self.data[i * w..(i + 1) * w];
        match w {
            2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
            4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    fn encode(v: i64, w: u8, out: &mut [u8]) {
        match w {
            2 => out.copy_from_slice(&(v as i16).to_le_bytes()),
            4 => out.copy_from_slice(&(v as i32).to_le_bytes()),
            _ => out.copy_from_slice(&v.to_le_bytes()),
        }
    }

    /// `Ok(index)` of `v`, or `Err(insertion point)`.
    fn search(&self, v: i64) -> Result<usize, usize> {
        if width_for(v) > self.width {
            // Outside the range of the current width: before or after all.
            return Err(if v < 0 { 0 } else { self.len() });
        }
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// True if `v` is an element.
    pub fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    /// Adds `v`; returns true if it was new. Widens every element if `v`
    /// needs more bytes.
    pub fn insert(&mut self, v: i64) -> bool {
        let at = match self.search(v) {
            Ok(_) => return false,
            Err(at) => at,
        };
        let need = width_for(v);
        if need > self.width {
            let n = self.len();
            let mut data = vec![0u8; (n + 1) * usize::from(need)];
            let w = usize::from(need);
            for i in 0..n {
                let dst = if i < at { i } else { i + 1 };
                Self::encode(self.get(i), need, &mut data[dst * w..(dst + 1) * w]);
            }
            Self::encode(v, need, &mut data[at * w..(at + 1) * w]);
            self.width = need;
            self.data = data;
            return true;
        }
        let w = usize::from(self.width);
        let mut enc = [0u8; 8];
        Self::encode(v, self.width, &mut enc[..w]);
        self.data.reserve_exact(w);
        self.data.splice(at * w..at * w, enc[..w].iter().copied());
        true
    }

    /// Removes `v`; returns true if it was present. (The width stays, as in
    /// Redis.)
    pub fn remove(&mut self, v: i64) -> bool {
        match self.search(v) {
            Ok(i) => {
                let w = usize::from(self.width);
                self.data.drain(i * w..(i + 1) * w);
                if self.data.is_empty() {
                    *self = IntSet::default();
                }
                true
            }
            Err(_) => false,
        }
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A set member as stored: bytes, or an integer of an `intset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    /// A byte string.
    Str(&'a [u8]),
    /// An `intset` element (its canonical decimal form is the member).
    Int(i64),
}

impl<'a> Member<'a> {
    /// The member's bytes, formatting an integer into `scratch`.
    pub fn bytes<'b>(&'b self, scratch: &'b mut [u8; 20]) -> &'b [u8] {
        match self {
            Member::Str(s) => s,
            Member::Int(v) => format_i64(*v, scratch),
        }
    }

    /// The member's bytes, owned.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut scratch = [0u8; 20];
        self.bytes(&mut scratch).to_vec()
    }
}

#[derive(Clone, Debug)]
enum Repr {
    Ints(IntSet),
    Pack(Pack),
    Table(Dict<()>),
}

/// A set value: distinct byte-string members.
#[derive(Clone, Debug)]
pub struct Set {
    repr: Repr,
}

impl Default for Set {
    fn default() -> Self {
        Set { repr: Repr::Ints(IntSet::default()) }
    }
}

/// Equal as sets (whatever the encodings).
impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|m| other.contains_member(m))
    }
}

impl Eq for Set {}

/// Iterator over a set's members: ascending for `intset`, insertion order
/// for `listpack`, hash order for `hashtable`.
pub struct SetIter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Ints(&'a IntSet, usize),
    Pack(super::hash::PackIter<'a>),
    Table(super::dict::Iter<'a, ()>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;
    fn next(&mut self) -> Option<Member<'a>> {
        match &mut self.0 {
            IterRepr::Ints(s, i) => {
                if *i < s.len() {
                    *i += 1;
                    Some(Member::Int(s.get(*i - 1)))
                } else {
                    None
                }
            }
            IterRepr::Pack(it) => it.next().map(Member::Str),
            IterRepr::Table(it) => it.next().map(|(k, _)| Member::Str(k)),
        }
    }
}

impl Set {
    /// An empty set (`intset`).
    pub fn new() -> Self {
        Set::default()
    }

    /// An empty set encoded for a first member `first` and about
    /// `size_hint` members (Redis's setTypeCreate): `intset` if `first` is
    /// an integer and the hint fits `set-max-intset-entries`, else
    /// `listpack` if the hint fits `set-max-listpack-entries`, else
    /// `hashtable` sized for the hint.
    pub fn for_members(first: &[u8], size_hint: usize, cfg: &EncodingConfig) -> Set {
        let repr = if parse_i64(first).is_some() && size_hint <= cfg.set_max_intset_entries {
            Repr::Ints(IntSet::default())
        } else if size_hint <= cfg.set_max_listpack_entries {
            Repr::Pack(Pack::default())
        } else {
            Repr::Table(Dict::with_capacity(size_hint))
        };
        Set { repr }
    }

    /// A set of `members`, encoded for their number.
    pub fn from_members<'a>(members: impl ExactSizeIterator<Item = &'a [u8]>, cfg: &EncodingConfig) -> Set {
        let n = members.len();
        let mut members = members.peekable();
        let mut s = match members.peek() {
            Some(first) => Set::for_members(first, n, cfg),
            None => Set::new(),
        };
        for m in members {
            s.insert(m, cfg);
        }
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(s) => s.len(),
            Repr::Pack(p) => p.len(),
            Repr::Table(d) => d.len(),
        }
    }

    /// No members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name: `intset`, `listpack` or `hashtable`.
    pub fn encoding_name(&self) -> &'static str {
        match &self.repr {
            Repr::Ints(_) => "intset",
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Approximate heap bytes owned (MEMORY USAGE).
    pub fn heap_bytes(&self) -> usize {
        self.heap_bytes_sampled(0)
    }

    /// [`heap_bytes`](Self::heap_bytes) with a `hashtable`'s members
    /// measured over `samples` entries (0: all) and scaled.
    pub fn heap_bytes_sampled(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Ints(s) => s.data.capacity(),
            Repr::Pack(p) => p.heap_bytes(),
            Repr::Table(d) => d.heap_bytes_sampled(samples, |_| 0),
        }
    }

    /// True if `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.repr {
            Repr::Ints(s) => parse_i64(m).is_some_and(|v| s.contains(v)),
            Repr::Pack(p) => p.iter().any(|x| x == m),
            Repr::Table(d) => d.contains_key(m),
        }
    }

    /// True if `m` (as another set yields it) is a member; integers are
    /// looked up in an `intset` without formatting.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (m, &self.repr) {
            (Member::Int(v), Repr::Ints(s)) => s.contains(v),
            (Member::Str(b), _) => self.contains(b),
            (Member::Int(v), _) => {
                let mut scratch = [0u8; 20];
                self.contains(format_i64(v, &mut scratch))
            }
        }
    }

    /// Adds `m`; returns true if it was new. Converts past the thresholds
    /// of `cfg`.
    pub fn insert(&mut self, m: &[u8], cfg: &EncodingConfig) -> bool {
        match &mut self.repr {
            Repr::Ints(s) => {
                if let Some(v) = parse_i64(m) {
                    if !s.insert(v) {
                        return false;
                    }
                    if s.len() > cfg.set_max_intset_entries {
                        self.convert_to_table();
                    }
                    return true;
                }
                // A non-integer: listpack if everything fits, else hashtable.
                let max_int_len = s.iter().map(|v| format_i64(v, &mut [0u8; 20]).len()).max().unwrap_or(0);
                if s.len() < cfg.set_max_listpack_entries
                    && m.len() <= cfg.set_max_listpack_value
                    && max_int_len <= cfg.set_max_listpack_value
                {
                    self.convert_to_pack();
                } else {
                    self.convert_to_table();
                }
                self.insert(m, cfg)
            }
            Repr::Pack(p) => {
                if p.iter().any(|x| x == m) {
                    return false;
                }
                if p.len() < cfg.set_max_listpack_entries && m.len() <= cfg.set_max_listpack_value {
                    p.push(m);
                } else {
                    self.convert_to_table();
                    self.insert(m, cfg);
                }
                true
            }
            Repr::Table(d) => d.insert(m, ()).is_none(),
        }
    }

    /// Removes `m`; returns true if it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(s) => parse_i64(m).is_some_and(|v| s.remove(v)),
            Repr::Pack(p) => {
                let mut it = p.iter();
                while let Some((x, start, end)) = it.next_with_range() {
                    if x == m {
                        p.remove_range(start, end, 1);
                        return true;
                    }
                }
                false
            }
            Repr::Table(d) => d.remove(m).is_some(),
        }
    }

    fn convert_to_pack(&mut self) {
        if let Repr::Ints(s) = &self.repr {
            let mut p = Pack::default();
            for v in s.iter() {
                p.push(format_i64(v, &mut [0u8; 20]));
            }
            self.repr = Repr::Pack(p);
        }
    }

    fn convert_to_table(&mut self) {
        let mut d = Dict::with_capacity(self.len() + 1);
        for m in self.iter() {
            let mut scratch = [0u8; 20];
            d.insert(m.bytes(&mut scratch), ());
        }
        self.repr = Repr::Table(d);
    }

    /// All members: ascending for `intset`, insertion order for
    /// `listpack`, hash order for `hashtable`.
    pub fn iter(&self) -> SetIter<'_> {
        match &self.repr {
            Repr::Ints(s) => SetIter(IterRepr::Ints(s, 0)),
            Repr::Pack(p) => SetIter(IterRepr::Pack(p.iter())),
            Repr::Table(d) => SetIter(IterRepr::Table(d.iter())),
        }
    }

    /// One SSCAN step (see [`Dict::scan`]); the small encodings report every
    /// member in one call and return cursor 0, as Redis does.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member<'_>)) -> u64 {
        match &self.repr {
            Repr::Table(d) => d.scan(cursor, count, |k, _| f(Member::Str(k))),
            _ => {
                self.iter().for_each(f);
                0
            }
        }
    }

    /// The member at position `i` of a small encoding.
    fn nth_small(&self, i: usize) -> Option<Member<'_>> {
        match &self.repr {
            Repr::Ints(s) => (i < s.len()).then(|| Member::Int(s.get(i))),
            Repr::Pack(p) => p.iter().nth(i).map(Member::Str),
            Repr::Table(_) => None,
        }
    }

    /// A uniformly random member.
    pub fn random_member(&self, rng: &mut Rng) -> Option<Member<'_>> {
        match &self.repr {
            Repr::Table(d) => d.random_entry_with(rng).map(|(k, _)| Member::Str(k)),
            _ if self.is_empty() => None,
            _ => self.nth_small(rng.below(self.len() as u64) as usize),
        }
    }

    /// `count` uniformly random members, repeats allowed (SRANDMEMBER with
    /// a negative count).
    pub fn sample_with_repeats(&self, count: usize, rng: &mut Rng) -> Vec<Member<'_>> {
        if self.is_empty() {
            return Vec::new();
        }
        match &self.repr {
            Repr::Pack(_) => {
                let all: Vec<_> = self.iter().collect();
                (0..count).map(|_| all[rng.below(all.len() as u64) as usize]).collect()
            }
            _ => (0..count).filter_map(|_| self.random_member(rng)).collect(),
        }
    }

    /// `min(count, len)` distinct members, a uniformly random subset in
    /// random order; the whole set, in iteration order, when `count >= len`.
    pub fn sample_distinct(&self, count: usize, rng: &mut Rng) -> Vec<Member<'_>> {
        if count >= self.len() {
            return self.iter().collect();
        }
        match &self.repr {
            Repr::Table(d) if count.saturating_mul(3) <= d.len() => {
                let mut seen = std::collections::HashSet::with_capacity(count);
                let mut out = Vec::with_capacity(count);
                while out.len() < count {
                    if let Some((k, _)) = d.random_entry_with(rng) {
                        if seen.insert(k) {
                            out.push(Member::Str(k));
                        }
                    }
                }
                out
            }
            _ => partial_shuffle(self.iter().collect(), count, rng),
        }
    }

    /// Removes and returns a uniformly random member (SPOP).
    pub fn pop_random(&mut self, rng: &mut Rng) -> Option<Vec<u8>> {
        match &mut self.repr {
            Repr::Table(d) => d.pop_random(rng).map(|(k, _)| k.into_vec()),
            _ => {
                let m = self.random_member(rng)?.to_vec();
                self.remove(&m);
                Some(m)
            }
        }
    }

    /// Removes `count` uniformly random members (`count < len`) and returns
    /// them (SPOP with a count). When most of the set goes, the survivors
    /// are drawn instead and the set is rebuilt from them, encoded for its
    /// new size (as Redis does).
    pub fn pop_many(&mut self, count: usize, rng: &mut Rng, cfg: &EncodingConfig) -> Vec<Vec<u8>> {
        let n = self.len();
        if count >= n {
            let all = self.iter().map(|m| m.to_vec()).collect();
            *self = Set::new();
            return all;
        }
        if count.saturating_mul(5) <= n {
            return (0..count).filter_map(|_| self.pop_random(rng)).collect();
        }
        let keep: Vec<Vec<u8>> = self.sample_distinct(n - count, rng).into_iter().map(|m| m.to_vec()).collect();
        for m in &keep {
            self.remove(m);
        }
        let popped = self.iter().map(|m| m.to_vec()).collect();
        *self = Set::from_members(keep.iter().map(|m| &m[..]), cfg);
        popped
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    fn small() -> EncodingConfig {
        EncodingConfig {
            set_max_intset_entries: 6,
            set_max_listpack_entries: 4,
            set_max_listpack_value: 5,
            ..EncodingConfig::default()
        }
    }

    fn set_of(members: &[&str], cfg: &EncodingConfig) -> Set {
        let mut s = Set::new();
        for m in members {
            s.insert(m.as_bytes(), cfg);
        }
        s
    }

    fn members(s: &Set) -> Vec<String> {
        s.iter().map(|m| String::from_utf8(m.to_vec()).unwrap()).collect()
    }

    #[test]
    fn intset_widths_and_order() {
        let mut s = IntSet::default();
        assert!(s.insert(5));
        assert!(s.insert(-3));
        assert!(!s.insert(5));
        assert_eq!(s.width(), 2);
        assert!(s.insert(70_000));
        assert_eq!(s.width(), 4);
        assert!(s.insert(i64::MIN));
        assert_eq!(s.width(), 8);
        assert!(s.insert(i64::MAX));
        assert!(s.insert(0));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, -3, 0, 5, 70_000, i64::MAX]);
        assert!(s.contains(70_000) && !s.contains(70_001) && !s.contains(1 << 40));
        assert!(s.remove(i64::MIN));
        assert!(!s.remove(i64::MIN));
        assert_eq!(s.len(), 5);
        assert_eq!(s.data.len(), 5 * 8);
        let mut t = IntSet::default();
        for v in [1i64 << 40, -(1 << 40), 7] {
            t.insert(v);
        }
        assert_eq!(t.iter().collect::<Vec<_>>(), vec![-(1 << 40), 7, 1 << 40]);
    }

    #[test]
    fn encodings_follow_redis_7_2() {
        let cfg = small();
        // (members added in order, expected encoding, expected iteration order)
        let cases: &[(&[&str], &str)] = &[
            (&["3", "1", "2"], "intset"),
            (&["1", "2", "3", "4", "5", "6"], "intset"),
            (&["1", "2", "3", "4", "5", "6", "7"], "hashtable"),
            (&["1", "a"], "listpack"),
            (&["a", "1"], "listpack"),
            (&["1", "2", "3", "4", "a"], "hashtable"),
            (&["1", "2", "3", "a"], "listpack"),
            (&["1", "abcdef"], "hashtable"),
            (&["123456", "a"], "hashtable"),
            (&["007", "-0", "+1"], "listpack"),
            (&["a", "b", "c", "d"], "listpack"),
            (&["a", "b", "c", "d", "e"], "hashtable"),
        ];
        for (ms, want) in cases {
            let s = set_of(ms, &cfg);
            assert_eq!(s.encoding_name(), *want, "{ms:?}");
            assert_eq!(s.len(), ms.len());
        }
        assert_eq!(members(&set_of(&["3", "-1", "2"], &cfg)), ["-1", "2", "3"]);
        assert_eq!(members(&set_of(&["b", "1", "a"], &cfg)), ["b", "1", "a"]);
        assert_eq!(members(&set_of(&["1", "b", "a"], &cfg)), ["1", "b", "a"]);
        // setTypeCreate with a size hint.
        assert_eq!(Set::for_members(b"1", 7, &cfg).encoding_name(), "hashtable");
        assert_eq!(Set::for_members(b"1", 6, &cfg).encoding_name(), "intset");
        assert_eq!(Set::for_members(b"x", 4, &cfg).encoding_name(), "listpack");
    }

    #[test]
    fn members_and_lookup_across_encodings() {
        let cfg = small();
        for ms in [&["1", "2"][..], &["1", "x"], &["a", "b", "c", "d", "e", "f"]] {
            let s = set_of(ms, &cfg);
            for m in ms {
                assert!(s.contains(m.as_bytes()));
                assert!(s.contains_member(Member::Str(m.as_bytes())));
            }
            assert!(!s.contains(b"01"));
            assert_eq!(s.contains_member(Member::Int(1)), ms.contains(&"1"));
        }
    }

    #[test]
    fn pop_many_rebuilds_small_sets() {
        let cfg = EncodingConfig::default();
        let ms: Vec<String> = (0..600).map(|i| i.to_string()).chain(["a".to_string()]).collect();
        let mut s = Set::from_members(ms.iter().map(|m| m.as_bytes()), &cfg);
        assert_eq!(s.encoding_name(), "hashtable");
        let mut rng = Rng::new(3);
        let popped = s.pop_many(590, &mut rng, &cfg);
        assert_eq!(popped.len(), 590);
        assert_eq!(s.len(), 11);
        assert_ne!(s.encoding_name(), "hashtable");
        let all: HashSet<Vec<u8>> = popped.into_iter().chain(s.iter().map(|m| m.to_vec())).collect();
        assert_eq!(all.len(), 601);
        let few = s.pop_many(2, &mut rng, &cfg);
        assert_eq!((few.len(), s.len()), (2, 9));
        let rest = s.pop_many(100, &mut rng, &cfg);
        assert_eq!((rest.len(), s.len()), (9, 0));
    }

    /// Chi-square of `draw`'s picks over a set of `n` members encoded by
    /// `cfg`; the 0.999 quantile for n-1 = 29 degrees of freedom is ~58.3.
    fn chi_square(cfg: &EncodingConfig, ms: &[String], mut draw: impl FnMut(&Set, &mut Rng) -> Vec<Vec<u8>>) -> f64 {
        let s = Set::from_members(ms.iter().map(|m| m.as_bytes()), cfg);
        let mut rng = Rng::new(0x5eed);
        let mut counts: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut total = 0u32;
        while total < 60_000 {
            for m in draw(&s, &mut rng) {
                *counts.entry(m).or_default() += 1;
                total += 1;
            }
        }
        assert_eq!(counts.len(), ms.len());
        let e = f64::from(total) / ms.len() as f64;
        counts.values().map(|&c| (f64::from(c) - e).powi(2) / e).sum()
    }

    #[test]
    fn random_draws_are_uniform() {
        let ints: Vec<String> = (0..30).map(|i| (i * 7).to_string()).collect();
        let strs: Vec<String> = (0..30).map(|i| format!("m{i}")).collect();
        let big =
            EncodingConfig { set_max_intset_entries: 1, set_max_listpack_entries: 1, ..EncodingConfig::default() };
        for (cfg, ms, enc) in [
            (EncodingConfig::default(), &ints, "intset"),
            (EncodingConfig::default(), &strs, "listpack"),
            (big, &strs, "hashtable"),
        ] {
            assert_eq!(Set::from_members(ms.iter().map(|m| m.as_bytes()), &cfg).encoding_name(), enc);
            let one = chi_square(&cfg, ms, |s, r| vec![s.random_member(r).unwrap().to_vec()]);
            assert!(one < 58.3, "{enc} SRANDMEMBER: chi-square {one}");
            let rep = chi_square(&cfg, ms, |s, r| s.sample_with_repeats(7, r).iter().map(|m| m.to_vec()).collect());
            assert!(rep < 58.3, "{enc} SRANDMEMBER -7: chi-square {rep}");
            let distinct = chi_square(&cfg, ms, |s, r| s.sample_distinct(4, r).iter().map(|m| m.to_vec()).collect());
            assert!(distinct < 58.3, "{enc} SRANDMEMBER 4: chi-square {distinct}");
            let pop = chi_square(&cfg, ms, |s, r| {
                let mut s = s.clone();
                vec![s.pop_random(r).unwrap()]
            });
            assert!(pop < 58.3, "{enc} SPOP: chi-square {pop}");
            let popn = chi_square(&cfg, ms, |s, r| s.clone().pop_many(20, r, &cfg));
            assert!(popn < 58.3, "{enc} SPOP 20: chi-square {popn}");
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8),
        Rem(u8),
        Pop,
    }

    fn member(i: u8) -> Vec<u8> {
        // A mix of integers (some wide), short strings and long strings.
        match i % 4 {
            0 | 1 => (i64::from(i) * 1_000_003 - 50_000_000).to_string().into_bytes(),
            2 => format!("s{i}").into_bytes(),
            _ => format!("long-member-{i}").into_bytes(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn model(ops in proptest::collection::vec(
            prop_oneof![
                4 => (0u8..40).prop_map(Op::Add),
                2 => (0u8..40).prop_map(Op::Rem),
                1 => Just(Op::Pop),
            ], 1..150), seed in any::<u64>())
        {
            let cfg = small();
            let mut s = Set::new();
            let mut model: HashSet<Vec<u8>> = HashSet::new();
            let mut rng = Rng::new(seed);
            let rank = |e: &str| ["intset", "listpack", "hashtable"].iter().position(|x| *x == e).unwrap();
            let mut prev = 0;
            for op in ops {
                match op {
                    Op::Add(i) => prop_assert_eq!(s.insert(&member(i), &cfg), model.insert(member(i))),
                    Op::Rem(i) => prop_assert_eq!(s.remove(&member(i)), model.remove(&member(i))),
                    Op::Pop => match s.pop_random(&mut rng) {
                        Some(m) => prop_assert!(model.remove(&m)),
                        None => prop_assert!(model.is_empty()),
                    },
                }
                prop_assert_eq!(s.len(), model.len());
                let r = rank(s.encoding_name());
                prop_assert!(r >= prev || s.is_empty(), "no conversion back");
                prev = r;
                match s.encoding_name() {
                    "intset" => {
                        prop_assert!(s.len() <= cfg.set_max_intset_entries);
                        let v: Vec<i64> = s.iter().map(|m| match m { Member::Int(v) => v, _ => panic!() }).collect();
                        prop_assert!(v.windows(2).all(|w| w[0] < w[1]));
                    }
                    "listpack" => prop_assert!(s.len() <= cfg.set_max_listpack_entries),
                    _ => {}
                }
                for m in &model {
                    prop_assert!(s.contains(m));
                }
            }
            let got: HashSet<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
            prop_assert_eq!(got, model);
        }
    }
}
