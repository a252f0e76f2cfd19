//! The hash type ([`struct@Hash`]), its packed pairs, and the packed string
//! sequence ([`Pack`]) behind small sets.
//!
//! A hash starts as a `listpack`: its field-value pairs packed one after
//! the other into one exactly-sized buffer in insertion order (which
//! HGETALL / HKEYS reflect, as in Redis), searched linearly. Once it holds
//! more than `hash-max-listpack-entries` fields, or a field or value longer
//! than `hash-max-listpack-value` bytes is written, it becomes a
//! `hashtable`: a boxed [`Dict`] from field to boxed value. It never
//! converts back.
//!
//! # Layout of a `listpack` hash
//!
//! Empty: no buffer. Otherwise a 4-byte little-endian count of pairs, then
//! each pair as a header, the field bytes and the value bytes. The header is
//! one byte `field_len << 4 | value_len` when the field is shorter than 15
//! bytes and the value shorter than 16 (so the byte is below `0xF0`); else
//! the byte `0xF0` followed by both lengths in LEB128. A pair of short
//! strings thus costs one byte more than its bytes (Redis's listpack spends
//! four: a length and a back-length per string), and ten 6-byte fields with
//! 6-byte values take 4 + 10 * 13 = 134 bytes, one 144-byte malloc chunk.
//! The [`struct@Hash`] itself is a 16-byte handle held inline in the key's value.

use super::dict::{Dict, Rng};
use super::EncodingConfig;

/// A sequence of byte strings packed into one exactly-sized buffer: a
/// 4-byte little-endian count, then each string as a length prefix (LEB128:
/// 7 bits a byte, so one byte up to 127 bytes) followed by its bytes. The
/// empty pack owns no buffer at all. Appending, replacing and removing
/// resize and splice the buffer (as Redis's listpack does); lookups walk it
/// from the start. Memory: the bytes plus 1-2 bytes a string, plus 4, in
/// one allocation; the `Pack` itself is a 16-byte box.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pack {
    buf: Box<[u8]>,
}

/// Bytes of the count at the start of a non-empty [`Pack`] or pair buffer.
const COUNT: usize = 4;

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|s| s.escape_ascii().to_string())).finish()
    }
}

/// Iterator over a [`Pack`]'s strings, with their byte offsets.
#[derive(Clone)]
pub struct PackIter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> PackIter<'a> {
    /// Next string and its `[start, end)` byte range in the buffer
    /// (prefix included).
    #[inline]
    pub(crate) fn next_with_range(&mut self) -> Option<(&'a [u8], usize, usize)> {
        if self.at >= self.buf.len() {
            return None;
        }
        let start = self.at;
        let (len, at) = read_len(self.buf, start);
        self.at = at + len;
        Some((&self.buf[at..self.at], start, self.at))
    }
}

impl<'a> Iterator for PackIter<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        self.next_with_range().map(|(s, _, _)| s)
    }
}

/// Reads the LEB128 length at `at`: (length, offset just past it).
#[inline]
fn read_len(buf: &[u8], mut at: usize) -> (usize, usize) {
    let mut len = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[at];
        at += 1;
        len |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return (len, at);
        }
        shift += 7;
    }
}

/// Writes the LEB128 form of `n` at the start of `dst`; returns its length
/// (`prefix_len(n)`).
fn write_len(mut n: usize, dst: &mut [u8]) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        dst[i] = (n as u8 & 0x7f) | 0x80;
        n >>= 7;
        i += 1;
    }
    dst[i] = n as u8;
    i + 1
}

fn prefix_len(mut n: usize) -> usize {
    let mut k = 1;
    while n >= 0x80 {
        n >>= 7;
        k += 1;
    }
    k
}

/// Makes the bytes `start..end` of `buf` `new_len` bytes long (their content
/// then unspecified; the caller writes it), moving the bytes after them. The
/// buffer stays exactly sized: growing reallocates to the new size, as
/// shrinking does.
fn splice(buf: &mut Box<[u8]>, start: usize, end: usize, new_len: usize) {
    let old = end - start;
    if new_len == old {
        return;
    }
    let mut v = std::mem::take(buf).into_vec();
    let len = v.len();
    if new_len > old {
        v.reserve_exact(new_len - old);
        v.resize(len + new_len - old, 0);
        v.copy_within(end..len, start + new_len);
    } else {
        v.copy_within(end..len, start + new_len);
        v.truncate(len - (old - new_len));
    }
    *buf = v.into_boxed_slice();
}

/// The count at the start of a pack or pair buffer (0 if there is none).
#[inline]
fn read_count(buf: &[u8]) -> usize {
    buf.first_chunk::<COUNT>().map_or(0, |c| u32::from_le_bytes(*c) as usize)
}

/// Stores `n` as the count of a non-empty pack or pair buffer.
fn write_count(buf: &mut [u8], n: usize) {
    let n = u32::try_from(n).expect("packs hold fewer than 2^32 entries");
    buf[..COUNT].copy_from_slice(&n.to_le_bytes());
}

/// Makes room for `n` bytes at the end of a pack or pair buffer (creating
/// its count if it had none); returns where they start.
fn grow_tail(buf: &mut Box<[u8]>, n: usize) -> usize {
    let len = buf.len();
    let at = len.max(COUNT);
    splice(buf, len, len, at + n - len);
    at
}

impl Pack {
    /// Number of strings.
    #[inline]
    pub fn len(&self) -> usize {
        read_count(&self.buf)
    }

    /// True if there are no strings.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Bytes of the buffer.
    pub fn heap_bytes(&self) -> usize {
        self.buf.len()
    }

    /// The strings in order.
    pub fn iter(&self) -> PackIter<'_> {
        PackIter { buf: &self.buf, at: COUNT.min(self.buf.len()) }
    }

    /// Appends a string.
    pub fn push(&mut self, s: &[u8]) {
        let n = self.len();
        let at = grow_tail(&mut self.buf, prefix_len(s.len()) + s.len());
        let at = at + write_len(s.len(), &mut self.buf[at..]);
        self.buf[at..].copy_from_slice(s);
        write_count(&mut self.buf, n + 1);
    }

    /// Removes the bytes `start..end`, which hold `n` strings.
    pub(crate) fn remove_range(&mut self, start: usize, end: usize, n: usize) {
        let left = self.len() - n;
        if left == 0 {
            self.buf = Box::default();
        } else {
            splice(&mut self.buf, start, end, 0);
            write_count(&mut self.buf, left);
        }
    }
}

/// Header byte of a pair whose lengths do not fit one byte; short headers
/// are below it.
const LONG_PAIR: u8 = 0xF0;

/// Encoded size of a pair of a `flen`-byte field and a `vlen`-byte value.
fn pair_size(flen: usize, vlen: usize) -> usize {
    let head = if flen < 15 && vlen < 16 { 1 } else { 1 + prefix_len(flen) + prefix_len(vlen) };
    head + flen + vlen
}

/// Writes the encoding of the pair at the start of `dst` (exactly
/// `pair_size` bytes).
fn write_pair(dst: &mut [u8], f: &[u8], v: &[u8]) {
    let mut at = if f.len() < 15 && v.len() < 16 {
        dst[0] = (f.len() << 4 | v.len()) as u8;
        1
    } else {
        dst[0] = LONG_PAIR;
        let at = 1 + write_len(f.len(), &mut dst[1..]);
        at + write_len(v.len(), &mut dst[at..])
    };
    dst[at..at + f.len()].copy_from_slice(f);
    at += f.len();
    dst[at..at + v.len()].copy_from_slice(v);
}

/// A `listpack` hash's pairs (see the module docs for the layout).
#[derive(Clone, Default)]
struct Pairs {
    buf: Box<[u8]>,
}

impl std::fmt::Debug for Pairs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k.escape_ascii().to_string(), v.escape_ascii().to_string())))
            .finish()
    }
}

/// Iterator over a [`Pairs`] buffer.
#[derive(Clone)]
struct PairIter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> PairIter<'a> {
    /// Next pair and its `[start, end)` byte range in the buffer.
    #[inline]
    fn next_with_range(&mut self) -> Option<(&'a [u8], &'a [u8], usize, usize)> {
        if self.at >= self.buf.len() {
            return None;
        }
        let start = self.at;
        let h = self.buf[start];
        let (flen, vlen, at) = if h < LONG_PAIR {
            (usize::from(h >> 4), usize::from(h & 15), start + 1)
        } else {
            let (flen, at) = read_len(self.buf, start + 1);
            let (vlen, at) = read_len(self.buf, at);
            (flen, vlen, at)
        };
        let f = &self.buf[at..at + flen];
        let v = &self.buf[at + flen..at + flen + vlen];
        self.at = at + flen + vlen;
        Some((f, v, start, self.at))
    }
}

impl<'a> Iterator for PairIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.next_with_range().map(|(f, v, _, _)| (f, v))
    }
}

impl Pairs {
    #[inline]
    fn len(&self) -> usize {
        read_count(&self.buf)
    }

    fn iter(&self) -> PairIter<'_> {
        PairIter { buf: &self.buf, at: COUNT.min(self.buf.len()) }
    }

    /// The value of `field` and the byte range of its pair.
    #[inline]
    fn find(&self, field: &[u8]) -> Option<(&[u8], usize, usize)> {
        let mut it = self.iter();
        while let Some((f, v, start, end)) = it.next_with_range() {
            if f == field {
                return Some((v, start, end));
            }
        }
        None
    }

    /// Appends a pair.
    fn push(&mut self, f: &[u8], v: &[u8]) {
        let n = self.len();
        let at = grow_tail(&mut self.buf, pair_size(f.len(), v.len()));
        write_pair(&mut self.buf[at..], f, v);
        write_count(&mut self.buf, n + 1);
    }

    /// Rewrites the pair at `start..end` as `(f, v)`.
    fn replace(&mut self, start: usize, end: usize, f: &[u8], v: &[u8]) {
        splice(&mut self.buf, start, end, pair_size(f.len(), v.len()));
        write_pair(&mut self.buf[start..], f, v);
    }

    /// Removes the pair at `start..end`.
    fn remove(&mut self, start: usize, end: usize) {
        let left = self.len() - 1;
        if left == 0 {
            self.buf = Box::default();
        } else {
            splice(&mut self.buf, start, end, 0);
            write_count(&mut self.buf, left);
        }
    }
}

/// The two encodings.
#[derive(Clone, Debug)]
enum Repr {
    /// `listpack`: the pairs in insertion order.
    Pack(Pairs),
    /// `hashtable` (boxed, so a `Hash` is 16 bytes).
    Table(Box<Dict<Box<[u8]>>>),
}

/// A hash value: a map from field to value, both byte strings.
#[derive(Clone, Debug)]
pub struct Hash {
    repr: Repr,
}

impl Default for Hash {
    fn default() -> Self {
        Hash { repr: Repr::Pack(Pairs::default()) }
    }
}

/// Equal as maps (whatever the encodings and the order).
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(f, v)| other.get(f) == Some(v))
    }
}

impl Eq for Hash {}

/// Iterator over a hash's `(field, value)` pairs: insertion order for a
/// `listpack`, hash order for a `hashtable`.
pub struct HashIter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Pack(PairIter<'a>),
    Table(super::dict::Iter<'a, Box<[u8]>>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Pack(it) => it.next(),
            IterRepr::Table(it) => it.next().map(|(f, v)| (f, &v[..])),
        }
    }
}

impl Hash {
    /// An empty hash (`listpack`).
    pub fn new() -> Self {
        Hash::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Table(d) => d.len(),
        }
    }

    /// No fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name: `listpack` or `hashtable`.
    pub fn encoding_name(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Approximate heap bytes owned (MEMORY USAGE).
    pub fn heap_bytes(&self) -> usize {
        self.heap_bytes_sampled(0)
    }

    /// [`heap_bytes`](Self::heap_bytes) with a `hashtable`'s fields and
    /// values measured over `samples` entries (0: all) and scaled.
    pub fn heap_bytes_sampled(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.buf.len(),
            Repr::Table(d) => std::mem::size_of::<Dict<Box<[u8]>>>() + d.heap_bytes_sampled(samples, |v| v.len()),
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(p) => p.find(field).map(|(v, _, _)| v),
            Repr::Table(d) => d.get(field).map(|v| &v[..]),
        }
    }

    /// True if `field` is present.
    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Pack(p) => p.find(field).is_some(),
            Repr::Table(d) => d.contains_key(field),
        }
    }

    /// Converts to `hashtable` if writing a field or value of these lengths
    /// would exceed `hash-max-listpack-value` (what Redis checks before
    /// HSET / HSETNX touch the hash, even for an existing field).
    pub fn prepare_write(&mut self, field_len: usize, value_len: usize, cfg: &EncodingConfig) {
        if matches!(self.repr, Repr::Pack(_))
            && (field_len > cfg.hash_max_listpack_value || value_len > cfg.hash_max_listpack_value)
        {
            self.convert();
        }
    }

    /// Sets `field` to `value`; returns true if the field is new. Converts
    /// to `hashtable` past the thresholds of `cfg`.
    pub fn insert(&mut self, field: &[u8], value: &[u8], cfg: &EncodingConfig) -> bool {
        self.prepare_write(field.len(), value.len(), cfg);
        match &mut self.repr {
            Repr::Pack(p) => {
                if let Some((_, start, end)) = p.find(field) {
                    p.replace(start, end, field, value);
                    return false;
                }
                p.push(field, value);
                if p.len() > cfg.hash_max_listpack_entries {
                    self.convert();
                }
                true
            }
            Repr::Table(d) => d.insert(field, value.into()).is_none(),
        }
    }

    /// Sets `field` only if it is absent; returns true if it was set. (An
    /// existing field leaves the encoding alone, as in Redis.)
    pub fn insert_if_absent(&mut self, field: &[u8], value: &[u8], cfg: &EncodingConfig) -> bool {
        if self.contains(field) {
            return false;
        }
        self.insert(field, value, cfg)
    }

    /// Removes `field`; returns true if it was present.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Pack(p) => {
                let Some((_, start, end)) = p.find(field) else { return false };
                p.remove(start, end);
                true
            }
            Repr::Table(d) => d.remove(field).is_some(),
        }
    }

    /// All `(field, value)` pairs: insertion order for `listpack`, hash
    /// order for `hashtable`.
    pub fn iter(&self) -> HashIter<'_> {
        match &self.repr {
            Repr::Pack(p) => HashIter(IterRepr::Pack(p.iter())),
            Repr::Table(d) => HashIter(IterRepr::Table(d.iter())),
        }
    }

    /// One HSCAN step (see [`Dict::scan`]): a `listpack` hash reports every
    /// pair in one call and returns cursor 0, as Redis does.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Pack(_) => {
                for (k, v) in self.iter() {
                    f(k, v);
                }
                0
            }
            Repr::Table(d) => d.scan(cursor, count, |k, v| f(k, v)),
        }
    }

    /// A uniformly random pair.
    pub fn random_entry(&self, rng: &mut Rng) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Pack(p) => {
                if p.len() == 0 {
                    return None;
                }
                p.iter().nth(rng.below(p.len() as u64) as usize)
            }
            Repr::Table(d) => d.random_entry_with(rng).map(|(k, v)| (k, &v[..])),
        }
    }

    /// `count` uniformly random pairs, repeats allowed (HRANDFIELD with a
    /// negative count).
    pub fn sample_with_repeats(&self, count: usize, rng: &mut Rng) -> Vec<(&[u8], &[u8])> {
        if self.is_empty() {
            return Vec::new();
        }
        match &self.repr {
            Repr::Pack(_) => {
                let all: Vec<_> = self.iter().collect();
                (0..count).map(|_| all[rng.below(all.len() as u64) as usize]).collect()
            }
            Repr::Table(_) => (0..count).filter_map(|_| self.random_entry(rng)).collect(),
        }
    }

    /// `min(count, len)` distinct pairs, a uniformly random subset (in
    /// random order); the whole hash, in iteration order, when `count >=
    /// len`.
    pub fn sample_distinct(&self, count: usize, rng: &mut Rng) -> Vec<(&[u8], &[u8])> {
        if count >= self.len() {
            return self.iter().collect();
        }
        match &self.repr {
            Repr::Table(d) if count.saturating_mul(3) <= d.len() => {
                // Few of many: draw and drop repeats.
                let mut seen = std::collections::HashSet::with_capacity(count);
                let mut out = Vec::with_capacity(count);
                while out.len() < count {
                    if let Some((k, v)) = d.random_entry_with(rng) {
                        if seen.insert(k) {
                            out.push((k, &v[..]));
                        }
                    }
                }
                out
            }
            _ => partial_shuffle(self.iter().collect(), count, rng),
        }
    }

    /// Converts to the `hashtable` encoding.
    fn convert(&mut self) {
        if let Repr::Pack(p) = &self.repr {
            let mut d = Dict::with_capacity(p.len());
            for (f, v) in p.iter() {
                d.insert(f, v.into());
            }
            self.repr = Repr::Table(Box::new(d));
        }
    }

    /// A hash holding `pairs` (later pairs win), encoded for its size.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>, cfg: &EncodingConfig) -> Hash {
        let mut h = Hash::new();
        for (f, v) in pairs {
            h.insert(f, v, cfg);
        }
        h
    }
}

/// The first `count` elements of a uniformly random permutation of `v`
/// (partial Fisher-Yates).
pub(crate) fn partial_shuffle<T>(mut v: Vec<T>, count: usize, rng: &mut Rng) -> Vec<T> {
    let n = v.len();
    let count = count.min(n);
    for i in 0..count {
        let j = i + rng.below((n - i) as u64) as usize;
        v.swap(i, j);
    }
    v.truncate(count);
    v
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn small() -> EncodingConfig {
        EncodingConfig { hash_max_listpack_entries: 4, hash_max_listpack_value: 8, ..EncodingConfig::default() }
    }

    #[test]
    fn pack_roundtrip_and_lengths() {
        let mut p = Pack::default();
        let long = vec![b'x'; 300];
        let strings: Vec<&[u8]> = vec![b"", b"a", &long, &[0u8; 127], &[1u8; 128], b"end"];
        for s in &strings {
            p.push(s);
        }
        assert_eq!(p.len(), strings.len());
        assert_eq!(p.iter().collect::<Vec<_>>(), strings);
        assert_eq!(p.iter().nth(2), Some(&long[..]));
        assert_eq!(p.buf.len(), COUNT + strings.iter().map(|s| prefix_len(s.len()) + s.len()).sum::<usize>());
        assert_eq!(prefix_len(127), 1);
        assert_eq!(prefix_len(128), 2);
        assert_eq!(prefix_len(16383), 2);
        assert_eq!(prefix_len(16384), 3);
    }

    #[test]
    fn pair_headers() {
        // (field length, value length, header bytes)
        let cases = [(0, 0, 1), (14, 15, 1), (15, 0, 3), (0, 16, 3), (14, 16, 3), (127, 128, 4), (300, 2, 4)];
        let mut p = Pairs::default();
        let mut want = Vec::new();
        for (i, &(fl, vl, head)) in cases.iter().enumerate() {
            let (f, v) = (vec![b'a' + i as u8; fl], vec![b'0' + i as u8; vl]);
            assert_eq!(pair_size(fl, vl), head + fl + vl, "{fl} {vl}");
            let before = p.buf.len().max(COUNT);
            p.push(&f, &v);
            assert_eq!(p.buf.len(), before + head + fl + vl, "exactly sized");
            want.push((f, v));
        }
        assert_eq!(p.buf[COUNT], 0x00, "the empty pair is one zero byte");
        assert_eq!(p.buf[COUNT + 1], 0xEF, "14-byte field, 15-byte value: one byte");
        assert_eq!(p.len(), cases.len());
        let got: Vec<(Vec<u8>, Vec<u8>)> = p.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn listpack_keeps_insertion_order() {
        let cfg = EncodingConfig::default();
        let mut h = Hash::new();
        for (f, v) in [("z", "1"), ("a", "2"), ("m", "3")] {
            assert!(h.insert(f.as_bytes(), v.as_bytes(), &cfg));
        }
        assert!(!h.insert(b"a", b"22222", &cfg));
        assert!(h.remove(b"z"));
        assert!(!h.remove(b"z"));
        assert!(h.insert(b"z", b"", &cfg));
        let pairs: Vec<_> = h.iter().collect();
        assert_eq!(pairs, vec![(&b"a"[..], &b"22222"[..]), (b"m", b"3"), (b"z", b"")]);
        assert_eq!(h.encoding_name(), "listpack");
        assert_eq!(h.get(b"a"), Some(&b"22222"[..]));
        assert_eq!(h.get(b"3"), None, "values are not fields");
        assert!(!h.contains(b"3"));
    }

    #[test]
    fn conversions() {
        // (operations, expected encoding)
        let cfg = small();
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")], "listpack"),
            (&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")], "hashtable"),
            (&[("a", "12345678")], "listpack"),
            (&[("a", "123456789")], "hashtable"),
            (&[("123456789", "a")], "hashtable"),
            (&[("a", "1"), ("a", "2"), ("a", "3"), ("a", "4"), ("a", "5")], "listpack"),
        ];
        for (ops, want) in cases {
            let h = Hash::from_pairs(ops.iter().map(|(f, v)| (f.as_bytes(), v.as_bytes())), &cfg);
            assert_eq!(h.encoding_name(), *want, "{ops:?}");
        }
        // HSETNX of an existing field with a long value changes nothing.
        let mut h = Hash::from_pairs([(&b"a"[..], &b"1"[..])], &cfg);
        assert!(!h.insert_if_absent(b"a", b"123456789", &cfg));
        assert_eq!(h.encoding_name(), "listpack");
        assert_eq!(h.get(b"a"), Some(&b"1"[..]));
    }

    #[test]
    fn random_and_samples() {
        let cfg = EncodingConfig::default();
        for n in [3usize, 600] {
            let fields: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
            let h = Hash::from_pairs(fields.iter().map(|f| (f.as_bytes(), f.as_bytes())), &cfg);
            let mut rng = Rng::new(9);
            for count in [0, 1, 2, n - 1, n, n + 5] {
                let s = h.sample_distinct(count, &mut rng);
                assert_eq!(s.len(), count.min(n));
                let mut keys: Vec<_> = s.iter().map(|(k, _)| *k).collect();
                keys.sort();
                keys.dedup();
                assert_eq!(keys.len(), count.min(n));
                assert!(s.iter().all(|(k, v)| k == v));
            }
            let r = h.sample_with_repeats(50, &mut rng);
            assert_eq!(r.len(), 50);
            assert!(r.iter().all(|(k, v)| h.get(k) == Some(*v)));
        }
        assert!(Hash::new().random_entry(&mut Rng::new(1)).is_none());
        assert!(Hash::new().sample_with_repeats(5, &mut Rng::new(1)).is_empty());
    }

    #[test]
    fn random_entry_is_uniform_on_both_encodings() {
        // Chi-square, 20 fields, 40_000 draws; 0.999 quantile for 19
        // degrees of freedom is about 43.8.
        for cfg in [EncodingConfig::default(), small()] {
            let fields: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
            let h = Hash::from_pairs(fields.iter().map(|f| (f.as_bytes(), &b"v"[..])), &cfg);
            let mut counts: HashMap<&[u8], u32> = HashMap::new();
            let mut rng = Rng::new(1234);
            for _ in 0..40_000 {
                *counts.entry(h.random_entry(&mut rng).unwrap().0).or_default() += 1;
            }
            let e = 2000.0;
            let chi2: f64 = counts.values().map(|&c| (f64::from(c) - e).powi(2) / e).sum();
            assert_eq!(counts.len(), 20);
            assert!(chi2 < 43.8, "{} chi-square {chi2}", h.encoding_name());
        }
    }

    #[test]
    fn scan_listpack_is_one_call() {
        let cfg = EncodingConfig::default();
        let h = Hash::from_pairs([(&b"a"[..], &b"1"[..]), (b"b", b"2")], &cfg);
        let mut seen = Vec::new();
        assert_eq!(h.scan(0, 1, |k, v| seen.push((k.to_vec(), v.to_vec()))), 0);
        assert_eq!(seen.len(), 2);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Set(u8, u16),
        SetNx(u8, u16),
        Del(u8),
    }

    fn value(v: u16) -> Vec<u8> {
        // Mostly short values, some longer than the small threshold.
        if v % 7 == 0 {
            vec![b'v'; usize::from(v % 20)]
        } else {
            v.to_string().into_bytes()
        }
    }

    fn bytes_of_any_header() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => proptest::collection::vec(any::<u8>(), 0..20),
            1 => proptest::collection::vec(any::<u8>(), 100..200),
        ]
    }

    proptest! {
        /// Pairs of every header form, appended, rewritten (the header
        /// changing size) and removed, against a vector of pairs.
        #[test]
        fn pairs_model(ops in proptest::collection::vec(
            (0u8..3, any::<prop::sample::Index>(), bytes_of_any_header(), bytes_of_any_header()), 1..60))
        {
            let mut p = Pairs::default();
            let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            for (kind, at, f, v) in ops {
                if kind == 0 || model.is_empty() {
                    p.push(&f, &v);
                    model.push((f, v));
                } else {
                    let i = at.index(model.len());
                    let mut it = p.iter();
                    for _ in 0..i {
                        it.next_with_range();
                    }
                    let (_, _, start, end) = it.next_with_range().unwrap();
                    if kind == 1 {
                        p.replace(start, end, &f, &v);
                        model[i] = (f, v);
                    } else {
                        p.remove(start, end);
                        model.remove(i);
                    }
                }
                prop_assert_eq!(p.len(), model.len());
                let size: usize = model.iter().map(|(f, v)| pair_size(f.len(), v.len())).sum();
                prop_assert_eq!(p.buf.len(), if model.is_empty() { 0 } else { COUNT + size });
                let got: Vec<(Vec<u8>, Vec<u8>)> = p.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
                prop_assert_eq!(&got, &model);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn model(ops in proptest::collection::vec(
            prop_oneof![
                (0u8..12, any::<u16>()).prop_map(|(f, v)| Op::Set(f, v)),
                (0u8..12, any::<u16>()).prop_map(|(f, v)| Op::SetNx(f, v)),
                (0u8..12).prop_map(Op::Del),
            ], 1..120))
        {
            let cfg = small();
            let mut h = Hash::new();
            let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
            let mut order: Vec<Vec<u8>> = Vec::new();
            let mut was_table = false;
            for op in ops {
                match op {
                    Op::Set(f, v) => {
                        let f = vec![b'f'; usize::from(f)];
                        let v = value(v);
                        let new = model.insert(f.clone(), v.clone()).is_none();
                        if new { order.push(f.clone()); }
                        prop_assert_eq!(h.insert(&f, &v, &cfg), new);
                    }
                    Op::SetNx(f, v) => {
                        let f = vec![b'f'; usize::from(f)];
                        let v = value(v);
                        let new = !model.contains_key(&f);
                        if new { model.insert(f.clone(), v.clone()); order.push(f.clone()); }
                        prop_assert_eq!(h.insert_if_absent(&f, &v, &cfg), new);
                    }
                    Op::Del(f) => {
                        let f = vec![b'f'; usize::from(f)];
                        order.retain(|x| x != &f);
                        prop_assert_eq!(h.remove(&f), model.remove(&f).is_some());
                    }
                }
                prop_assert_eq!(h.len(), model.len());
                // Never converts back; converts exactly when a limit is crossed.
                if was_table { prop_assert_eq!(h.encoding_name(), "hashtable"); }
                was_table = h.encoding_name() == "hashtable";
                if !was_table {
                    prop_assert!(h.len() <= cfg.hash_max_listpack_entries);
                    let fields: Vec<Vec<u8>> = h.iter().map(|(f, _)| f.to_vec()).collect();
                    prop_assert_eq!(&fields, &order, "listpack keeps insertion order");
                }
                for (f, v) in &model {
                    prop_assert_eq!(h.get(f), Some(&v[..]));
                }
            }
            let mut got: Vec<_> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            got.sort();
            let mut want: Vec<_> = model.into_iter().collect();
            want.sort();
            prop_assert_eq!(got, want);
        }
    }
}
