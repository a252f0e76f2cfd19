//! Typed values and their compact encodings ([`Value`], [`StrValue`]).
//!
//! A string is stored in one of three Redis encodings, which `OBJECT
//! ENCODING` reports: `int` (the canonical decimal form of an `i64`, kept
//! unboxed), `embstr` (created by a plain write, at most
//! [`EMBSTR_MAX_LEN`] bytes) and `raw` (longer, or modified in place by
//! APPEND / SETRANGE). Short strings of either byte encoding live inline in
//! the value without a heap allocation.
//!
//! A [`Value`] is 24 bytes: a string of up to 22 bytes, or an integer,
//! needs no allocation; lists and hashes are 16-byte handles held inline
//! (a small one is a single heap buffer); sets, sorted sets and streams
//! are boxed. The key itself, its [`Entry`](crate::Entry) and its access
//! metadata share one allocation in the table (see `table.rs`).

use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet};
use ember_num::{format_i64, parse_i64};
use std::fmt;

/// The longest string a plain write stores with the `embstr` encoding.
pub const EMBSTR_MAX_LEN: usize = 44;

/// Strings up to this many bytes are stored inline, without allocating.
const INLINE_CAP: usize = 22;

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// `int`: the canonical decimal form of this number.
    Int(i64),
    /// `embstr`, stored inline.
    EmbInline { len: u8, buf: [u8; INLINE_CAP] },
    /// `raw`, stored inline.
    RawInline { len: u8, buf: [u8; INLINE_CAP] },
    /// `embstr` on the heap (`INLINE_CAP < len <= EMBSTR_MAX_LEN`).
    EmbHeap(Box<[u8]>),
    /// `raw` on the heap: `buf[..len]` is the string, the rest spare capacity.
    RawHeap { len: u32, buf: Box<[u8]> },
}

/// A string value: bytes, or an integer stored unboxed.
///
/// 24 bytes; strings of up to 22 bytes need no heap allocation.
#[derive(Clone, PartialEq, Eq)]
pub struct StrValue(Repr);

impl StrValue {
    /// The value a plain write (SET, MSET, GETSET, ...) stores: `int` if the
    /// bytes are a canonical `i64`, else `embstr` up to [`EMBSTR_MAX_LEN`]
    /// bytes, else `raw`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        match parse_i64(bytes) {
            Some(v) => StrValue(Repr::Int(v)),
            None => Self::from_bytes_no_int(bytes),
        }
    }

    /// Like [`from_bytes`](Self::from_bytes) but never the `int` encoding
    /// (INCRBYFLOAT results are stored like this).
    pub fn from_bytes_no_int(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..bytes.len()].copy_from_slice(bytes);
            StrValue(Repr::EmbInline { len: bytes.len() as u8, buf })
        } else if bytes.len() <= EMBSTR_MAX_LEN {
            StrValue(Repr::EmbHeap(bytes.into()))
        } else {
            Self::raw(bytes)
        }
    }

    /// A value with the `raw` encoding whatever its content (what APPEND and
    /// SETRANGE produce).
    ///
    /// # Panics
    /// If `bytes` is 4 GiB or longer.
    pub fn raw(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..bytes.len()].copy_from_slice(bytes);
            StrValue(Repr::RawInline { len: bytes.len() as u8, buf })
        } else {
            StrValue(Repr::RawHeap { len: len_u32(bytes.len()), buf: bytes.into() })
        }
    }

    /// An `int`-encoded value (what INCR / DECR / INCRBY produce).
    pub fn from_i64(v: i64) -> Self {
        StrValue(Repr::Int(v))
    }

    /// The bytes of the string. An `int` is formatted into `scratch`.
    pub fn as_bytes<'a>(&'a self, scratch: &'a mut [u8; 20]) -> &'a [u8] {
        match &self.0 {
            Repr::Int(v) => format_i64(*v, scratch),
            Repr::EmbInline { len, buf } | Repr::RawInline { len, buf } => &buf[..usize::from(*len)],
            Repr::EmbHeap(b) => b,
            Repr::RawHeap { len, buf } => &buf[..*len as usize],
        }
    }

    /// The bytes, borrowed unless the value is an `int`.
    pub fn as_slice(&self) -> Option<&[u8]> {
        match &self.0 {
            Repr::Int(_) => None,
            Repr::EmbInline { len, buf } | Repr::RawInline { len, buf } => Some(&buf[..usize::from(*len)]),
            Repr::EmbHeap(b) => Some(b),
            Repr::RawHeap { len, buf } => Some(&buf[..*len as usize]),
        }
    }

    /// The bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut scratch = [0u8; 20];
        self.as_bytes(&mut scratch).to_vec()
    }

    /// The number if the value is `int`-encoded (no parsing).
    pub fn as_int(&self) -> Option<i64> {
        match self.0 {
            Repr::Int(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an integer the way INCR reads it: `int`-encoded values,
    /// and byte strings in canonical `i64` form (see [`ember_num::parse_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int(v) => Some(*v),
            _ => self.as_slice().and_then(parse_i64),
        }
    }

    /// Length in bytes (STRLEN).
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Int(v) => {
                let mut scratch = [0u8; 20];
                format_i64(*v, &mut scratch).len()
            }
            Repr::EmbInline { len, .. } | Repr::RawInline { len, .. } => usize::from(*len),
            Repr::EmbHeap(b) => b.len(),
            Repr::RawHeap { len, .. } => *len as usize,
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name: `"int"`, `"embstr"` or `"raw"`.
    pub fn encoding_name(&self) -> &'static str {
        match self.0 {
            Repr::Int(_) => "int",
            Repr::EmbInline { .. } | Repr::EmbHeap(_) => "embstr",
            Repr::RawInline { .. } | Repr::RawHeap { .. } => "raw",
        }
    }

    /// Heap bytes owned by this value beyond its own 24 bytes (for memory
    /// accounting such as MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            Repr::EmbHeap(b) => b.len(),
            Repr::RawHeap { buf, .. } => buf.len(),
            _ => 0,
        }
    }

    /// Makes the value a `raw` string with room for `extra` more bytes and
    /// returns its buffer and current length.
    fn make_raw(&mut self, extra: usize) -> (&mut [u8], usize) {
        let len = self.len();
        let need = len.checked_add(extra).expect("string length overflow");
        let fits = match &self.0 {
            Repr::RawInline { .. } => need <= INLINE_CAP,
            Repr::RawHeap { buf, .. } => need <= buf.len(),
            _ => false,
        };
        if !fits {
            let mut scratch = [0u8; 20];
            let cur = self.as_bytes(&mut scratch);
            if need <= INLINE_CAP {
                let mut buf = [0u8; INLINE_CAP];
                buf[..len].copy_from_slice(cur);
                self.0 = Repr::RawInline { len: len as u8, buf };
            } else {
                // Grow geometrically so that repeated APPENDs stay linear;
                // past 1 MiB grow by 1 MiB at a time.
                let cap = if need < (1 << 20) { need * 2 } else { need + (1 << 20) };
                let cap = cap.max(INLINE_CAP * 2).min(u32::MAX as usize).max(need);
                let mut v = Vec::with_capacity(cap);
                v.extend_from_slice(cur);
                v.resize(cap, 0);
                self.0 = Repr::RawHeap { len: len_u32(len), buf: v.into_boxed_slice() };
            }
        }
        match &mut self.0 {
            Repr::RawInline { buf, .. } => (&mut buf[..], len),
            Repr::RawHeap { buf, .. } => (&mut buf[..], len),
            _ => unreachable!("make_raw produced a non-raw encoding"),
        }
    }

    fn set_len(&mut self, new_len: usize) {
        match &mut self.0 {
            Repr::RawInline { len, .. } => *len = new_len as u8,
            Repr::RawHeap { len, .. } => *len = len_u32(new_len),
            _ => unreachable!("set_len on a non-raw encoding"),
        }
    }

    /// APPEND: adds `data` at the end and returns the new length. The value
    /// becomes `raw`, as in Redis.
    ///
    /// # Panics
    /// If the result would be 4 GiB or longer (the server enforces
    /// proto-max-bulk-len, 512 MiB by default, before calling).
    pub fn append(&mut self, data: &[u8]) -> usize {
        let (buf, len) = self.make_raw(data.len());
        buf[len..len + data.len()].copy_from_slice(data);
        let new_len = len + data.len();
        self.set_len(new_len);
        new_len
    }

    /// SETRANGE: overwrites the bytes at `offset` with `data`, padding with
    /// zero bytes if the string is shorter than `offset`, and returns the new
    /// length. The value becomes `raw`; with empty `data` nothing changes.
    ///
    /// # Panics
    /// If the result would be 4 GiB or longer.
    pub fn set_range(&mut self, offset: usize, data: &[u8]) -> usize {
        if data.is_empty() {
            return self.len();
        }
        let end = offset.checked_add(data.len()).expect("string length overflow");
        let extra = end.saturating_sub(self.len());
        let (buf, len) = self.make_raw(extra);
        if offset > len {
            buf[len..offset].fill(0);
        }
        buf[offset..end].copy_from_slice(data);
        let new_len = len.max(end);
        self.set_len(new_len);
        new_len
    }

    /// The bytes, mutably, as a `raw` string at least `min_len` bytes long
    /// (zero-padded): what the bitmap and HyperLogLog commands modify in
    /// place. Like Redis's write path, this makes the value `raw` even when
    /// nothing is padded.
    ///
    /// # Panics
    /// If `min_len` is 4 GiB or more.
    pub fn raw_bytes_mut(&mut self, min_len: usize) -> &mut [u8] {
        let extra = min_len.saturating_sub(self.len());
        let (buf, len) = self.make_raw(extra);
        let new_len = len.max(min_len);
        buf[len..new_len].fill(0);
        self.set_len(new_len);
        match &mut self.0 {
            Repr::RawInline { buf, .. } => &mut buf[..new_len],
            Repr::RawHeap { buf, .. } => &mut buf[..new_len],
            _ => unreachable!("make_raw produced a non-raw encoding"),
        }
    }

    /// GETRANGE: the substring from `start` to `end` inclusive, where
    /// negative indexes count from the end, clamped to the string as Redis
    /// does (an empty slice when the range is empty).
    pub fn get_range<'a>(&'a self, start: i64, end: i64, scratch: &'a mut [u8; 20]) -> &'a [u8] {
        let bytes = self.as_bytes(scratch);
        match range_bounds(bytes.len(), start, end) {
            Some((s, e)) => &bytes[s..=e],
            None => &[],
        }
    }
}

/// Converts GETRANGE-style inclusive indexes into a valid inclusive range of
/// a `len`-byte string, or `None` when the result is empty.
fn range_bounds(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = if start < 0 { len_i.saturating_add(start) } else { start };
    let mut end = if end < 0 { len_i.saturating_add(end) } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= len_i {
        end = len_i - 1;
    }
    if len == 0 || start > end {
        return None;
    }
    Some((start as usize, end as usize))
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).expect("string values are limited to 4 GiB")
}

impl fmt::Debug for StrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut scratch = [0u8; 20];
        let bytes = self.as_bytes(&mut scratch);
        write!(f, "StrValue({}, {:?})", self.encoding_name(), bytes.escape_ascii().to_string())
    }
}

impl From<&[u8]> for StrValue {
    fn from(bytes: &[u8]) -> Self {
        StrValue::from_bytes(bytes)
    }
}

impl From<i64> for StrValue {
    fn from(v: i64) -> Self {
        StrValue::from_i64(v)
    }
}

/// A stored value, 24 bytes. Lists and hashes are 16-byte handles held
/// inline (a small one is a single heap buffer, see [`List`] and [`struct@Hash`]);
/// sets, sorted sets and streams are boxed.
/// `#[non_exhaustive]`: more types may be added; match with a
/// wildcard arm that answers WRONGTYPE.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// A string (TYPE `string`).
    Str(StrValue),
    /// A list (TYPE `list`).
    List(List),
    /// A hash (TYPE `hash`).
    Hash(Hash),
    /// A set (TYPE `set`).
    Set(Box<Set>),
    /// A sorted set (TYPE `zset`).
    ZSet(Box<ZSet>),
    /// A stream (TYPE `stream`).
    Stream(Box<Stream>),
}

impl Value {
    /// A string value as a plain write stores it (see [`StrValue::from_bytes`]).
    pub fn string(bytes: &[u8]) -> Self {
        Value::Str(StrValue::from_bytes(bytes))
    }

    /// The TYPE name: `"string"`, `"list"`, `"hash"`, `"set"`, `"zset"`,
    /// `"stream"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The OBJECT ENCODING name.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding_name(),
            Value::List(l) => l.encoding_name(),
            Value::Hash(h) => h.encoding_name(),
            Value::Set(s) => s.encoding_name(),
            Value::ZSet(z) => z.encoding_name(),
            Value::Stream(_) => "stream",
        }
    }

    /// Roughly how many allocations dropping this value frees (Redis's
    /// "free effort"): large collections are freed off the event loop.
    pub fn free_effort(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::List(l) => l.len(),
            Value::Hash(h) => h.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
            // Like Redis: one per node, plus each group's PEL entries and
            // consumers.
            Value::Stream(s) => {
                s.node_count() + s.groups().values().map(|g| 1 + g.pel.len() + g.consumers.len()).sum::<usize>()
            }
        }
    }

    /// Heap bytes the value owns beyond its own 24 bytes (MEMORY USAGE):
    /// exact for strings and small encodings; a large collection's
    /// elements are measured over `samples` of them (0: all) and scaled.
    pub fn heap_bytes(&self, samples: usize) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
            Value::List(l) => l.heap_size_sampled(samples),
            Value::Hash(h) => h.heap_bytes_sampled(samples),
            Value::Set(s) => std::mem::size_of::<Set>() + s.heap_bytes_sampled(samples),
            Value::ZSet(z) => std::mem::size_of::<ZSet>() + z.heap_size_sampled(samples),
            Value::Stream(st) => std::mem::size_of::<Stream>() + st.heap_bytes(),
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&StrValue> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string, mutably, if this is one.
    pub fn as_str_mut(&mut self) -> Option<&mut StrValue> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl From<StrValue> for Value {
    fn from(s: StrValue) -> Self {
        Value::Str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<StrValue>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Option<Value>>(), 24);
        // Lists and hashes sit inline in the value, not behind a box.
        assert_eq!(std::mem::size_of::<List>(), 16);
        assert_eq!(std::mem::size_of::<Hash>(), 16);
    }

    /// The heap bytes of the small collections `cargo xtask mem` loads
    /// beside their 24-byte values: one buffer each. (glibc rounds a
    /// request of `n` bytes up to a chunk of `(n + 8)` rounded up to 16.)
    #[test]
    fn small_collection_footprint() {
        let cfg = crate::EncodingConfig::default();
        let members: Vec<String> = (0..10).map(|i| format!("member{i}")).collect();
        // RPUSH list member0 .. member9: 16 head bytes + 10 * (1 + 7 + 1)
        // = 106, grown to 120 bytes (a 128-byte chunk).
        let l = List::from_items(cfg.list_max_listpack_size, members.iter().map(|m| m.as_bytes()));
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!(l.heap_size(), 120);
        // LPUSH grows the other way; it ends in the same chunk.
        let mut l = List::new(cfg.list_max_listpack_size);
        for m in &members {
            l.push_front(m.as_bytes());
        }
        assert!(l.heap_size() <= 120, "{}", l.heap_size());
        // HSET hash field0 value0 .. field9 value9: a 4-byte count + 10 *
        // (1 + 6 + 6) = 134 bytes (a 144-byte chunk).
        let mut h = Hash::new();
        for i in 0..10 {
            h.insert(format!("field{i}").as_bytes(), format!("value{i}").as_bytes(), &cfg);
        }
        assert_eq!(h.encoding_name(), "listpack");
        assert_eq!(h.heap_bytes(), 134);
    }

    fn check_encoding(input: &[u8], encoding: &str) {
        let v = StrValue::from_bytes(input);
        assert_eq!(v.encoding_name(), encoding, "{:?}", input.escape_ascii().to_string());
        let mut scratch = [0u8; 20];
        assert_eq!(v.as_bytes(&mut scratch), input);
        assert_eq!(v.len(), input.len());
        assert_eq!(v.to_vec(), input);
    }

    #[test]
    fn encodings_of_plain_writes() {
        check_encoding(b"12345", "int");
        check_encoding(b"-9223372036854775808", "int");
        check_encoding(b"0", "int");
        check_encoding(b"007", "embstr");
        check_encoding(b"-0", "embstr");
        check_encoding(b"+5", "embstr");
        check_encoding(b"", "embstr");
        check_encoding(b"hello", "embstr");
        check_encoding(&[b'x'; 22], "embstr");
        check_encoding(&[b'x'; 23], "embstr");
        check_encoding(&[b'x'; 44], "embstr");
        check_encoding(&[b'x'; 45], "raw");
        check_encoding(&[b'x'; 1000], "raw");
        check_encoding(b"\x00\xff binary", "embstr");
    }

    #[test]
    fn no_int_and_raw_constructors() {
        assert_eq!(StrValue::from_bytes_no_int(b"3").encoding_name(), "embstr");
        assert_eq!(StrValue::from_bytes_no_int(&[b'1'; 45]).encoding_name(), "raw");
        assert_eq!(StrValue::raw(b"3").encoding_name(), "raw");
        assert_eq!(StrValue::from_i64(-42).encoding_name(), "int");
        assert_eq!(StrValue::from_i64(-42).to_vec(), b"-42");
        assert_eq!(StrValue::from_i64(i64::MIN).len(), 20);
    }

    #[test]
    fn as_i64_reads_like_incr() {
        assert_eq!(StrValue::from_bytes(b"10").as_i64(), Some(10));
        assert_eq!(StrValue::raw(b"10").as_i64(), Some(10));
        assert_eq!(StrValue::from_bytes(b"010").as_i64(), None);
        assert_eq!(StrValue::from_bytes(b"abc").as_i64(), None);
        assert_eq!(StrValue::from_bytes(b"10").as_int(), Some(10));
        assert_eq!(StrValue::raw(b"10").as_int(), None);
    }

    #[test]
    fn append_makes_raw() {
        let mut v = StrValue::from_bytes(b"12");
        assert_eq!(v.append(b"3"), 3);
        assert_eq!(v.encoding_name(), "raw");
        assert_eq!(v.to_vec(), b"123");
        assert_eq!(v.as_i64(), Some(123));

        let mut v = StrValue::from_bytes(b"");
        assert_eq!(v.append(b""), 0);
        assert_eq!(v.encoding_name(), "raw");

        // Repeated appends across the inline / heap boundary.
        let mut v = StrValue::from_bytes(b"a");
        let mut model = b"a".to_vec();
        for i in 0..300u32 {
            let piece = format!("<{i}>");
            model.extend_from_slice(piece.as_bytes());
            assert_eq!(v.append(piece.as_bytes()), model.len());
            assert_eq!(v.to_vec(), model);
            assert_eq!(v.encoding_name(), "raw");
        }
    }

    #[test]
    fn set_range_cases() {
        // (initial, offset, data, expected)
        type Case = (&'static [u8], usize, &'static [u8], &'static [u8]);
        let cases: &[Case] = &[
            (b"Hello World", 6, b"Redis", b"Hello Redis"),
            (b"", 5, b"x", b"\0\0\0\0\0x"),
            (b"abc", 1, b"XYZW", b"aXYZW"),
            (b"abc", 3, b"d", b"abcd"),
            (b"123", 0, b"9", b"923"),
            (b"short", 30, b"!", b"short\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0!"),
        ];
        for &(initial, offset, data, want) in cases {
            let mut v = StrValue::from_bytes(initial);
            assert_eq!(v.set_range(offset, data), want.len());
            assert_eq!(v.to_vec(), want);
            assert_eq!(v.encoding_name(), "raw");
        }
        // Empty data changes nothing, not even the encoding.
        let mut v = StrValue::from_bytes(b"12");
        assert_eq!(v.set_range(10, b""), 2);
        assert_eq!(v.encoding_name(), "int");
    }

    #[test]
    fn raw_bytes_mut_pads_and_makes_raw() {
        let mut v = StrValue::from_bytes(b"12");
        assert_eq!(v.raw_bytes_mut(0), b"12");
        assert_eq!(v.encoding_name(), "raw");
        v.raw_bytes_mut(5)[4] = b'x';
        assert_eq!(v.to_vec(), b"12\0\0x");
        let mut v = StrValue::from_bytes(b"abc");
        assert_eq!(v.raw_bytes_mut(100).len(), 100);
        assert_eq!(v.len(), 100);
        assert_eq!(&v.to_vec()[..4], b"abc\0");
        assert!(v.to_vec()[3..].iter().all(|&b| b == 0));
    }

    #[test]
    fn get_range_cases() {
        let s = StrValue::from_bytes(b"This is a string");
        let cases: &[(i64, i64, &[u8])] = &[
            (0, 3, b"This"),
            (-3, -1, b"ing"),
            (0, -1, b"This is a string"),
            (10, 100, b"string"),
            (5, 3, b""),
            (-1, -5, b""),
            (-100, 3, b"This"),
            (-100, -100, b"T"),
            (100, 200, b""),
            (0, 0, b"T"),
            (-1, -1, b"g"),
            (i64::MIN, i64::MAX, b"This is a string"),
            (3, -100, b""),
        ];
        for &(start, end, want) in cases {
            let mut scratch = [0u8; 20];
            assert_eq!(s.get_range(start, end, &mut scratch), want, "{start} {end}");
        }
        let mut scratch = [0u8; 20];
        assert_eq!(StrValue::from_bytes(b"").get_range(0, -1, &mut scratch), b"");
        let n = StrValue::from_bytes(b"-12345");
        let mut scratch = [0u8; 20];
        assert_eq!(n.get_range(1, 2, &mut scratch), b"12");
    }

    #[test]
    fn value_names() {
        let v = Value::string(b"abc");
        assert_eq!(v.type_name(), "string");
        assert_eq!(v.encoding_name(), "embstr");
        assert!(v.as_str().is_some());
    }
}
