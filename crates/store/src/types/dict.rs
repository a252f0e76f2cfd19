//! [`Dict`]: a byte-string-keyed hash map with Redis's SCAN guarantee, the
//! large encoding of hashes, sets and sorted sets; and [`Rng`], the small
//! PRNG their random commands (SPOP, SRANDMEMBER, HRANDFIELD, ...) use.
//!
//! # Layout
//!
//! The same ordered open addressing as the keyspace table (`table.rs`), in
//! safe code: two parallel arrays, `hashes: [u64]` and `entries: [Option<(key,
//! value)>]`, with `2^bits` home slots plus a short overflow tail (no
//! wrap-around). A key's home slot is the top `bits` bits of its keyed 64-bit
//! hash (the keyspace's hash function, keyed once per process). Occupied
//! slots are kept sorted by hash along the whole array (Robin Hood linear
//! probing with ties broken by hash): insertion shifts the run after the
//! insertion point right by one, deletion shifts the displaced entries after
//! the hole left by one. Empty slots hold the hash `u64::MAX`, which no key
//! hashes to, and the last slot is always empty, so a lookup is two tight
//! loops over the `u64` array: skip smaller hashes, compare keys while the
//! hash is equal.
//!
//! Load is kept between 1/8 and 4/5 (grow past 4/5, shrink below 1/8, but
//! only as far as hash clustering allows: see [`Dict::remove`]).
//!
//! # SCAN
//!
//! Entries are in hash order whatever the capacity, so a cursor is a hash
//! value: [`Dict::scan`] returns entries with `hash >= cursor` in order and
//! hands back the hash of the first entry it did not return, never splitting
//! a group of equal hashes. Growing or shrinking between calls moves entries
//! between slots but never reorders them, so every key present for the whole
//! scan is returned exactly once. Hashes are never `0`, so `0` means both
//! "start" and "done".
//!
//! # Memory
//!
//! Per slot: 8 bytes of hash + 16 bytes of boxed key + `size_of::<V>()`
//! (`Option` costs nothing: the box is never null). Each key is one heap
//! allocation of exactly its length (none for the empty key).

use std::fmt;
use std::sync::OnceLock;

use crate::hash::{random_seed, splitmix, KeyHasher};

/// Hash stored in empty slots; [`KeyHasher`] never returns it.
const EMPTY: u64 = u64::MAX;
/// Smallest capacity exponent once the dict is allocated (4 home slots).
const MIN_BITS: u32 = 2;
/// Longest overflow tail past the last home slot.
const MAX_TAIL: usize = 64;
/// Largest distance from its home slot an entry may end up at when the dict
/// shrinks.
const MAX_SHRINK_DISPLACEMENT: usize = 32;

/// The process-wide keyed hasher of every [`Dict`] (keyed once, randomly, so
/// clients cannot choose colliding members).
fn hasher() -> &'static KeyHasher {
    static HASHER: OnceLock<KeyHasher> = OnceLock::new();
    HASHER.get_or_init(|| KeyHasher::with_seed(random_seed()))
}

fn tail_len(cap: usize) -> usize {
    cap.min(MAX_TAIL)
}

#[inline]
fn home(hash: u64, bits: u32) -> usize {
    (hash >> (64 - bits)) as usize
}

/// Smallest capacity exponent that holds `len` entries at load <= 1/2.
fn bits_for(len: usize) -> u32 {
    let want = len.saturating_mul(2).max(1 << MIN_BITS);
    want.next_power_of_two().trailing_zeros()
}

/// A total estimated from the sizes of the first few of `len` items: their
/// sum when all were measured, else their average times `len` (MEMORY USAGE
/// samples large collections).
pub fn scale(sizes: impl Iterator<Item = usize>, len: usize) -> usize {
    let (mut n, mut sum) = (0usize, 0usize);
    for s in sizes {
        n += 1;
        sum += s;
    }
    if n == 0 || n >= len {
        return sum;
    }
    usize::try_from(sum as u128 * len as u128 / n as u128).unwrap_or(usize::MAX)
}

/// One slot's entry: the boxed key and its value (`None` when free).
type Slot<V> = Option<(Box<[u8]>, V)>;

/// A map from byte-string keys to `V`, ordered by a keyed hash so that
/// [`scan`](Dict::scan) cursors survive resizing (see the module docs).
pub struct Dict<V> {
    /// `2^bits + tail` hashes (`EMPTY` when free), or none before the first
    /// insertion.
    hashes: Box<[u64]>,
    /// The entries, parallel to `hashes`.
    entries: Box<[Slot<V>]>,
    bits: u32,
    len: usize,
    /// A shrink was refused at a larger size (the remaining hashes were too
    /// clustered); do not try again until `len` falls below this.
    shrink_retry_below: usize,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict { hashes: Box::default(), entries: Box::default(), bits: 0, len: 0, shrink_retry_below: usize::MAX }
    }
}

impl<V: Clone> Clone for Dict<V> {
    fn clone(&self) -> Self {
        Dict {
            hashes: self.hashes.clone(),
            entries: self.entries.clone(),
            bits: self.bits,
            len: self.len,
            shrink_retry_below: self.shrink_retry_below,
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter().map(|(k, v)| (k.escape_ascii().to_string(), v))).finish()
    }
}

/// Equal as maps: same keys with equal values (whatever the capacity).
impl<V: PartialEq> PartialEq for Dict<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<V: Eq> Eq for Dict<V> {}

impl<V> Dict<V> {
    /// An empty dict (no allocation).
    pub fn new() -> Self {
        Dict::default()
    }

    /// An empty dict that holds `n` entries without growing.
    pub fn with_capacity(n: usize) -> Self {
        let mut d = Dict::new();
        if n > 0 {
            // Grow happens past load 4/5: size for n at that load.
            let want = (n.saturating_mul(5) / 4 + 1).max(1 << MIN_BITS);
            d.rehash(want.next_power_of_two().trailing_zeros());
        }
        d
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of home slots (0 before the first insertion).
    pub fn capacity(&self) -> usize {
        if self.hashes.is_empty() {
            0
        } else {
            1 << self.bits
        }
    }

    /// Heap bytes owned: the slot arrays plus the key bytes (not counting
    /// what the values own).
    pub fn heap_bytes(&self) -> usize {
        self.heap_bytes_sampled(0, |_| 0)
    }

    /// Heap bytes owned: the slot arrays exactly, plus the key bytes and
    /// `value_bytes` of each value, measured over the first `samples`
    /// entries (0: all) and scaled to the whole dict.
    pub fn heap_bytes_sampled(&self, samples: usize, value_bytes: impl Fn(&V) -> usize) -> usize {
        let slot = std::mem::size_of::<u64>() + std::mem::size_of::<Option<(Box<[u8]>, V)>>();
        let measured = self.iter().take(if samples == 0 { usize::MAX } else { samples });
        self.hashes.len() * slot + scale(measured.map(|(k, v)| k.len() + value_bytes(v)), self.len)
    }

    /// The keyed hash of `key` (the order [`iter`](Dict::iter) and
    /// [`scan`](Dict::scan) follow). Never `0` or `u64::MAX`.
    #[inline]
    pub fn hash_of(key: &[u8]) -> u64 {
        hasher().hash(key)
    }

    /// Index of `key` with hash `hash`.
    #[inline]
    fn find(&self, hash: u64, key: &[u8]) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let hashes = &self.hashes[..];
        let mut i = home(hash, self.bits);
        // The last slot is always empty (EMPTY > hash): both loops stop.
        while hashes[i] < hash {
            i += 1;
        }
        while hashes[i] == hash {
            if let Some((k, _)) = &self.entries[i] {
                if &k[..] == key {
                    return Some(i);
                }
            }
            i += 1;
        }
        None
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        let i = self.find(Self::hash_of(key), key)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }

    /// The stored key and value of `key`.
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&[u8], &V)> {
        let i = self.find(Self::hash_of(key), key)?;
        self.entries[i].as_ref().map(|(k, v)| (&k[..], v))
    }

    /// The value of `key`, mutably.
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        let i = self.find(Self::hash_of(key), key)?;
        self.entries[i].as_mut().map(|(_, v)| v)
    }

    /// True if `key` is present.
    #[inline]
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.find(Self::hash_of(key), key).is_some()
    }

    /// Inserts or replaces: returns the old value if `key` was present (the
    /// stored key is kept).
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        let hash = Self::hash_of(key);
        if let Some(i) = self.find(hash, key) {
            return self.entries[i].as_mut().map(|(_, v)| std::mem::replace(v, value));
        }
        self.insert_new(hash, key.into(), value);
        None
    }

    /// [`insert`](Dict::insert) with an owned key (no copy when the key is
    /// new).
    pub fn insert_boxed(&mut self, key: Box<[u8]>, value: V) -> Option<V> {
        let hash = Self::hash_of(&key);
        if let Some(i) = self.find(hash, &key) {
            return self.entries[i].as_mut().map(|(_, v)| std::mem::replace(v, value));
        }
        self.insert_new(hash, key, value);
        None
    }

    /// The value of `key`, inserting `make()` first if it is missing; the
    /// flag says whether it was inserted.
    pub fn get_or_insert_with(&mut self, key: &[u8], make: impl FnOnce() -> V) -> (&mut V, bool) {
        let hash = Self::hash_of(key);
        let (i, inserted) = match self.find(hash, key) {
            Some(i) => (i, false),
            None => (self.insert_new(hash, key.into(), make()), true),
        };
        match &mut self.entries[i] {
            Some((_, v)) => (v, inserted),
            None => unreachable!("index of an occupied slot"),
        }
    }

    /// Inserts a key known to be absent; returns its index.
    fn insert_new(&mut self, hash: u64, key: Box<[u8]>, value: V) -> usize {
        debug_assert!(hash != EMPTY && hash != 0);
        if self.hashes.is_empty() {
            self.rehash(MIN_BITS);
        } else if (self.len + 1) * 5 > (4usize << self.bits) {
            self.rehash(self.bits + 1);
        }
        loop {
            let hashes = &mut self.hashes[..];
            let mut p = home(hash, self.bits);
            while hashes[p] <= hash {
                p += 1;
            }
            let mut e = p;
            while hashes[e] != EMPTY {
                e += 1;
            }
            if e + 1 >= hashes.len() {
                // The run would reach the sentinel: make room. At low load a
                // longer tail is enough (the run is made of equal hashes).
                let grow = (self.len + 1) * 5 > (2usize << self.bits);
                self.rehash(self.bits + u32::from(grow));
                continue;
            }
            hashes[p..=e].rotate_right(1);
            hashes[p] = hash;
            self.entries[p..=e].rotate_right(1);
            self.entries[p] = Some((key, value));
            self.len += 1;
            return p;
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`, returning the stored key and value.
    ///
    /// The dict shrinks once it is less than 1/8 full, to the smallest size
    /// at which no entry lands more than 32 slots from its home. Entries are
    /// homed by the top bits of their hash, so when the survivors cluster in
    /// a narrow hash range (after an SSCAN + SREM loop, which deletes in hash
    /// order) a small array would pile them into one long run that every
    /// later removal shifts; shrinking only as far as clustering allows
    /// keeps removals O(1).
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Box<[u8]>, V)> {
        let i = self.find(Self::hash_of(key), key)?;
        Some(self.remove_at(i))
    }

    fn remove_at(&mut self, index: usize) -> (Box<[u8]>, V) {
        let entry = self.entries[index].take().expect("index of an occupied slot");
        self.hashes[index] = EMPTY;
        let mut j = index + 1;
        while self.hashes[j] != EMPTY && home(self.hashes[j], self.bits) < j {
            j += 1;
        }
        self.hashes[index..j].rotate_left(1);
        self.entries[index..j].rotate_left(1);
        self.len -= 1;
        if self.len == 0 {
            *self = Dict::new();
        } else if self.bits > MIN_BITS && self.len < (1usize << self.bits) / 8 && self.len < self.shrink_retry_below {
            self.shrink();
        }
        entry
    }

    fn shrink(&mut self) {
        let mut bits = bits_for(self.len);
        while bits < self.bits && self.max_displacement(bits) > MAX_SHRINK_DISPLACEMENT {
            bits += 1;
        }
        if bits < self.bits {
            self.rehash(bits);
            self.shrink_retry_below = usize::MAX;
        } else {
            self.shrink_retry_below = self.len / 2;
        }
    }

    /// The largest home-to-slot distance entries would have with `2^bits`
    /// home slots.
    fn max_displacement(&self, bits: u32) -> usize {
        let mut next = 0;
        let mut worst = 0;
        for &h in self.hashes.iter().filter(|&&h| h != EMPTY) {
            let home = home(h, bits);
            let p = home.max(next);
            worst = worst.max(p - home);
            next = p + 1;
        }
        worst
    }

    /// Moves all entries into fresh arrays of `2^bits` home slots plus the
    /// tail (longer if many equal hashes need it).
    fn rehash(&mut self, bits: u32) {
        let cap = 1usize << bits;
        let mut needed = 0;
        for &h in self.hashes.iter().filter(|&&h| h != EMPTY) {
            needed = home(h, bits).max(needed) + 1;
        }
        let n = (cap + tail_len(cap)).max(needed + tail_len(cap));
        let mut hashes = vec![EMPTY; n];
        let mut entries: Vec<Slot<V>> = Vec::with_capacity(n);
        entries.resize_with(n, || None);
        let old_hashes = std::mem::take(&mut self.hashes);
        let old_entries = std::mem::take(&mut self.entries);
        let mut next = 0;
        for (h, e) in old_hashes.iter().zip(old_entries.into_vec()) {
            if *h != EMPTY {
                let p = home(*h, bits).max(next);
                hashes[p] = *h;
                entries[p] = e;
                next = p + 1;
            }
        }
        self.hashes = hashes.into_boxed_slice();
        self.entries = entries.into_boxed_slice();
        self.bits = bits;
    }

    /// Removes every entry and frees the arrays.
    pub fn clear(&mut self) {
        *self = Dict::new();
    }

    /// All entries, in hash order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter { slots: self.entries.iter() }
    }

    /// All entries with mutable values, in hash order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&[u8], &mut V)> + '_ {
        self.entries.iter_mut().filter_map(|e| e.as_mut().map(|(k, v)| (&k[..], v)))
    }

    /// All keys, in hash order.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Consumes the dict, yielding owned entries in hash order.
    pub fn into_entries(self) -> impl Iterator<Item = (Box<[u8]>, V)> {
        self.entries.into_vec().into_iter().flatten()
    }

    /// One SCAN step: calls `f` for entries whose hash is `>= cursor`, in
    /// hash order, about `count` of them (at least one group of equal hashes,
    /// at most about `10 * count` slots visited), and returns the cursor to
    /// continue from, `0` when done.
    ///
    /// Guarantee: an entry present from the first call (cursor 0) to the
    /// last is reported exactly once, whatever insertions and removals
    /// (and so growing and shrinking) happen between calls. Entries added
    /// or removed meanwhile may or may not be reported.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.len == 0 {
            return 0;
        }
        let count = count.max(1);
        let max_visit = count.saturating_mul(10);
        let cap = 1usize << self.bits;
        let start = home(cursor, self.bits);
        let mut returned = 0;
        let mut visited = 0;
        let mut last = 0;
        for i in start..self.hashes.len() {
            let h = self.hashes[i];
            if h == EMPTY {
                visited += 1;
                // Stopping at an empty home slot `i` is safe: every entry
                // homed before `i` lies before `i` and has been seen, so the
                // next call may start at the first hash homed at `i`.
                if (returned >= count || visited >= max_visit) && i > start && i < cap {
                    return (i as u64) << (64 - self.bits);
                }
            } else if h >= cursor {
                if returned >= count && h != last {
                    return h;
                }
                if let Some((k, v)) = &self.entries[i] {
                    f(k, v);
                }
                returned += 1;
                visited += 1;
                last = h;
            }
        }
        0
    }

    /// Index of a uniformly random entry (see [`random_entry`](Dict::random_entry)).
    fn random_index(&self, rng: &mut Rng) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let n = self.hashes.len() as u64;
        // Load is >= 1/8 except after a refused shrink: 128 tries nearly
        // always succeed; the walk below is the (exact) fallback.
        for _ in 0..128 {
            let i = rng.below(n) as usize;
            if self.hashes[i] != EMPTY {
                return Some(i);
            }
        }
        let k = rng.below(self.len as u64) as usize;
        self.hashes.iter().enumerate().filter(|(_, &h)| h != EMPTY).nth(k).map(|(i, _)| i)
    }

    /// A uniformly random entry, drawn with the PRNG stream of `rng_seed`.
    ///
    /// Method: rejection sampling over slots. Each try picks a slot index
    /// uniformly over the whole slot array; an occupied slot is returned,
    /// an empty one rejected. Every entry occupies exactly one slot, so the
    /// accepted draw is exactly uniform over entries (no bias toward
    /// entries after long empty runs, unlike "first entry after a random
    /// slot"). Load is at least 1/8, so a draw takes at most 8 tries on
    /// average; after 128 rejections it falls back to choosing the k-th
    /// entry, k uniform in `0..len`, which is also exact.
    pub fn random_entry(&self, rng_seed: u64) -> Option<(&[u8], &V)> {
        let i = self.random_index(&mut Rng::new(rng_seed))?;
        self.entries[i].as_ref().map(|(k, v)| (&k[..], v))
    }

    /// [`random_entry`](Dict::random_entry) drawing from `rng`.
    pub fn random_entry_with(&self, rng: &mut Rng) -> Option<(&[u8], &V)> {
        let i = self.random_index(rng)?;
        self.entries[i].as_ref().map(|(k, v)| (&k[..], v))
    }

    /// Removes and returns a uniformly random entry (SPOP).
    pub fn pop_random(&mut self, rng: &mut Rng) -> Option<(Box<[u8]>, V)> {
        let i = self.random_index(rng)?;
        Some(self.remove_at(i))
    }

    /// Panics if a structural invariant is broken (tests only).
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        if self.hashes.is_empty() {
            assert_eq!(self.len, 0);
            assert!(self.entries.is_empty());
            return;
        }
        let cap = 1usize << self.bits;
        assert_eq!(self.hashes.len(), self.entries.len());
        assert!(self.hashes.len() >= cap + tail_len(cap));
        assert_eq!(self.hashes.last(), Some(&EMPTY), "sentinel");
        let mut count = 0;
        let mut prev = 0;
        for (i, &h) in self.hashes.iter().enumerate() {
            assert_eq!(h == EMPTY, self.entries[i].is_none(), "slot {i}");
            if h == EMPTY {
                continue;
            }
            if let Some((k, _)) = &self.entries[i] {
                assert_eq!(Self::hash_of(k), h, "stored hash at {i}");
            }
            count += 1;
            assert!(h >= prev, "order at {i}");
            prev = h;
            let hm = home(h, self.bits);
            assert!(hm <= i, "entry before its home at {i}");
            assert!(self.hashes[hm..i].iter().all(|&h| h != EMPTY), "gap before {i}");
        }
        assert_eq!(count, self.len);
    }
}

/// Iterator over a [`Dict`]'s entries in hash order.
pub struct Iter<'a, V> {
    slots: std::slice::Iter<'a, Slot<V>>,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.slots.by_ref().find_map(|e| e.as_ref().map(|(k, v)| (&k[..], v)))
    }
}

impl<V> FromIterator<(Box<[u8]>, V)> for Dict<V> {
    fn from_iter<I: IntoIterator<Item = (Box<[u8]>, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut d = Dict::with_capacity(iter.size_hint().0);
        for (k, v) in iter {
            d.insert_boxed(k, v);
        }
        d
    }
}

/// A small, fast PRNG (wyrand: a 64-bit Weyl sequence through a 128-bit
/// multiply-fold). Not cryptographic; good statistical quality for random
/// sampling. The server keeps one, seeded per process; tests seed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator with a fixed seed (deterministic sequence).
    pub fn new(seed: u64) -> Rng {
        Rng { state: splitmix(seed) }
    }

    /// A generator seeded from per-process randomness.
    pub fn from_entropy() -> Rng {
        Rng::new(random_seed())
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xa076_1d64_78bd_642f);
        let r = u128::from(self.state) * u128::from(self.state ^ 0xe703_7ed1_a0b4_28db);
        (r as u64) ^ ((r >> 64) as u64)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias (Lemire's
    /// multiply-and-reject method).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    fn key(i: u32) -> Vec<u8> {
        format!("member:{i}").into_bytes()
    }

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<Option<(Box<[u8]>, ())>>(), 16);
        assert_eq!(std::mem::size_of::<Option<(Box<[u8]>, Box<[u8]>)>>(), 32);
    }

    #[test]
    fn basic_map_operations() {
        let mut d: Dict<u32> = Dict::new();
        assert!(d.is_empty());
        assert_eq!(d.capacity(), 0);
        assert_eq!(d.insert(b"a", 1), None);
        assert_eq!(d.insert(b"a", 2), Some(1));
        assert_eq!(d.insert_boxed(b"b"[..].into(), 3), None);
        assert_eq!(d.insert(b"", 4), None);
        assert_eq!(d.len(), 3);
        assert_eq!(d.get(b"a"), Some(&2));
        assert_eq!(d.get(b""), Some(&4));
        assert_eq!(d.get(b"zz"), None);
        *d.get_mut(b"b").unwrap() += 10;
        assert_eq!(d.get_key_value(b"b"), Some((&b"b"[..], &13)));
        assert!(d.contains_key(b"b"));
        let (v, inserted) = d.get_or_insert_with(b"c", || 7);
        assert!(inserted);
        *v += 1;
        let (v, inserted) = d.get_or_insert_with(b"c", || 100);
        assert!(!inserted);
        assert_eq!(*v, 8);
        assert_eq!(d.remove(b"a"), Some(2));
        assert_eq!(d.remove(b"a"), None);
        assert_eq!(d.remove_entry(b"b"), Some((b"b"[..].into(), 13)));
        let mut all: Vec<_> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        all.sort();
        assert_eq!(all, vec![(b"".to_vec(), 4), (b"c".to_vec(), 8)]);
        d.check_invariants();
        let e = d.clone();
        assert_eq!(d, e);
        d.clear();
        assert!(d.is_empty());
        assert_ne!(d, e);
        assert_eq!(format!("{:?}", Dict::<u8>::new()), "{}");
    }

    #[test]
    fn equality_ignores_capacity() {
        let mut a: Dict<u8> = Dict::with_capacity(1000);
        let mut b: Dict<u8> = Dict::new();
        for i in 0..10 {
            a.insert(&key(i), i as u8);
            b.insert(&key(9 - i), (9 - i) as u8);
        }
        assert_eq!(a, b);
        b.insert(&key(3), 0);
        assert_ne!(a, b);
    }

    #[test]
    fn grows_and_shrinks() {
        let mut d: Dict<()> = Dict::new();
        for i in 0..10_000 {
            d.insert(&key(i), ());
        }
        d.check_invariants();
        assert!(d.capacity() >= 10_000 * 5 / 4);
        for i in 0..9_990 {
            assert_eq!(d.remove(&key(i)), Some(()));
        }
        d.check_invariants();
        assert!(d.capacity() <= 64, "capacity {}", d.capacity());
        for i in 9_990..10_000 {
            assert!(d.contains_key(&key(i)));
        }
        for i in 9_990..10_000 {
            d.remove(&key(i));
        }
        assert_eq!(d.capacity(), 0, "an emptied dict frees its arrays");
    }

    #[test]
    fn with_capacity_does_not_rehash() {
        let mut d: Dict<()> = Dict::with_capacity(1000);
        let cap = d.capacity();
        for i in 0..1000 {
            d.insert(&key(i), ());
        }
        assert_eq!(d.capacity(), cap);
        d.check_invariants();
    }

    #[test]
    fn deleting_in_scan_order_keeps_runs_short() {
        let mut d: Dict<()> = Dict::new();
        for i in 0..20_000 {
            d.insert(&key(i), ());
        }
        let mut n = 0;
        let mut cursor = 0;
        loop {
            let mut batch = Vec::new();
            cursor = d.scan(cursor, 10, |k, _| batch.push(k.to_vec()));
            for k in batch {
                d.remove(&k);
                n += 1;
                if n % 997 == 0 {
                    d.check_invariants();
                    assert!(d.max_displacement(d.bits) <= MAX_SHRINK_DISPLACEMENT);
                }
            }
            if cursor == 0 {
                break;
            }
        }
        assert!(d.is_empty());
    }

    /// Collects one full scan with `count`, applying `between` after each call.
    fn full_scan(d: &mut Dict<u32>, count: usize, mut between: impl FnMut(&mut Dict<u32>)) -> Vec<Vec<u8>> {
        let mut seen = Vec::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = d.scan(cursor, count, |k, _| seen.push(k.to_vec()));
            calls += 1;
            assert!(calls < 1_000_000, "scan does not terminate");
            if cursor == 0 {
                return seen;
            }
            between(d);
        }
    }

    #[test]
    fn scan_survives_growth_and_shrink() {
        let mut d: Dict<u32> = Dict::new();
        for i in 0..1000 {
            d.insert(&key(i), i);
        }
        // Grow a lot in the middle of a scan.
        let mut next = 1000;
        let seen = full_scan(&mut d, 5, |d| {
            for _ in 0..20 {
                d.insert(&key(next), next);
                next += 1;
            }
        });
        let set: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(set.len(), seen.len(), "no duplicates");
        for i in 0..1000 {
            assert!(set.contains(&key(i)), "lost {i} while growing");
        }
        // Shrink a lot in the middle of a scan: keep 0..100, delete the rest.
        let total = next;
        let mut del = 100;
        let seen = full_scan(&mut d, 3, |d| {
            for _ in 0..200 {
                if del < total {
                    d.remove(&key(del));
                    del += 1;
                }
            }
        });
        let set: HashSet<_> = seen.into_iter().collect();
        for i in 0..100 {
            assert!(set.contains(&key(i)), "lost {i} while shrinking");
        }
        d.check_invariants();
    }

    #[test]
    fn random_entry_is_uniform() {
        // Chi-square over 64 entries, 64_000 draws, fixed seeds; the 0.999
        // quantile of chi-square with 63 degrees of freedom is about 103.4.
        let mut d: Dict<u32> = Dict::new();
        for i in 0..64 {
            d.insert(&key(i), i);
        }
        // Make the layout uneven: grow, then delete most (long empty runs).
        for i in 64..4000 {
            d.insert(&key(i), i);
        }
        for i in 64..4000 {
            d.remove(&key(i));
        }
        let mut counts = [0u32; 64];
        let mut rng = Rng::new(42);
        let draws = 64_000;
        for _ in 0..draws {
            let (_, v) = d.random_entry_with(&mut rng).unwrap();
            counts[*v as usize] += 1;
        }
        let expected = f64::from(draws) / 64.0;
        let chi2: f64 = counts.iter().map(|&c| (f64::from(c) - expected).powi(2) / expected).sum();
        assert!(chi2 < 103.4, "chi-square {chi2}, counts {counts:?}");
        assert!(Dict::<u8>::new().random_entry(1).is_none());
        let (k, _) = d.random_entry(7).unwrap();
        assert!(d.contains_key(k));
    }

    #[test]
    fn pop_random_empties() {
        let mut d: Dict<u32> = (0..100).map(|i| (key(i).into_boxed_slice(), i)).collect();
        let mut rng = Rng::new(1);
        let mut got = HashSet::new();
        while let Some((k, v)) = d.pop_random(&mut rng) {
            assert_eq!(k[..], key(v)[..]);
            assert!(got.insert(v));
            d.check_invariants();
        }
        assert_eq!(got.len(), 100);
    }

    #[test]
    fn rng_below_is_in_range_and_seeded() {
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        for n in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..100 {
                let x = a.below(n);
                assert!(x < n);
                assert_eq!(x, b.below(n));
            }
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
        /// One scan step with this count; then the ops continue (the scan
        /// interleaves with growth and shrink).
        ScanStep(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u16..600, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (0u16..600).prop_map(Op::Remove),
            1 => (1u8..20).prop_map(Op::ScanStep),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn model_and_scan_guarantee(ops in proptest::collection::vec(op(), 1..1500)) {
            let mut d: Dict<u32> = Dict::new();
            let mut model: HashMap<Vec<u8>, u32> = HashMap::new();
            // The scan in progress: cursor, keys seen, and keys present since
            // it started (candidates for the guarantee).
            let mut cursor = 0u64;
            let mut seen: HashMap<Vec<u8>, u32> = HashMap::new();
            let mut stable: HashSet<Vec<u8>> = model.keys().cloned().collect();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let k = key(u32::from(k));
                        prop_assert_eq!(d.insert(&k, v), model.insert(k, v));
                    }
                    Op::Remove(k) => {
                        let k = key(u32::from(k));
                        prop_assert_eq!(d.remove(&k), model.remove(&k));
                        stable.remove(&k);
                    }
                    Op::ScanStep(count) => {
                        cursor = d.scan(cursor, usize::from(count), |k, _| {
                            *seen.entry(k.to_vec()).or_default() += 1;
                        });
                        if cursor == 0 {
                            for k in &stable {
                                prop_assert!(seen.get(k) == Some(&1), "scan missed or repeated a key");
                            }
                            seen.clear();
                            stable = model.keys().cloned().collect();
                        }
                    }
                }
                prop_assert_eq!(d.len(), model.len());
            }
            d.check_invariants();
            for (k, v) in &model {
                prop_assert_eq!(d.get(k), Some(v));
            }
            let mut it: Vec<_> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
            it.sort();
            let mut want: Vec<_> = model.into_iter().collect();
            want.sort();
            prop_assert_eq!(it, want);
        }
    }
}
