//! The list type ([`List`]): Redis's quicklist idea, a deque of packed nodes.
//!
//! # Layout
//!
//! A [`List`] is a `VecDeque` of nodes. A node is one heap buffer
//! (`Box<[u8]>`) holding a run of consecutive elements packed back to back,
//! each encoded as
//!
//! ```text
//! len (LEB128, 1+ bytes) | element bytes | len again, bytes reversed
//! ```
//!
//! so an element is a contiguous byte slice that can be handed out as
//! `&[u8]` (and, later, written with `writev` without a copy), and a node can
//! be walked from either end: forward by reading the leading length, backward
//! by reading the trailing one. The used bytes of a node sit in
//! `buf[start..end]` with free room on both sides, so pushing or popping at
//! either end of a node is amortized O(1) (no memmove of the node), and so is
//! pushing or popping at either end of the list.
//!
//! # Costs
//!
//! * Memory: an element of fewer than 128 bytes costs its bytes plus 2; the
//!   node header (32 bytes, plus 8 in the deque) is shared by up to hundreds
//!   of elements; node buffers grow by 1.5x, so on average ~15% of a growing
//!   node is spare room. A list of 10-byte elements thus costs about 13-14
//!   bytes per element, against ~48 for a `VecDeque<Box<[u8]>>` (16-byte fat
//!   pointer + the allocator's minimum chunk). Every element lives in one of
//!   a few large allocations, so freeing a list is cheap too.
//! * Index access (LINDEX, LSET, LINSERT's insertion) walks nodes from the
//!   nearer end of the list, then entries from the nearer end of the node:
//!   O(1) near either end.
//! * Range reads (LRANGE) locate the first element once and then iterate
//!   the nodes sequentially.
//!
//! # Node size
//!
//! `list-max-listpack-size` (the `fill` of [`List::new`]) bounds nodes as in
//! Redis: a positive value is the maximum number of elements per node (with
//! a safety limit of 8 KiB per node); -1 to -5 bound the node to 4, 8, 16,
//! 32 or 64 KiB. An element too large for a node gets a node of its own
//! (Redis's "plain" nodes). Middle insertions split a full node; removals in
//! the middle merge neighbours that fit together again.
//!
//! # Encoding name
//!
//! OBJECT ENCODING reports `listpack` while the list is small enough for a
//! single node and `quicklist` otherwise, with Redis 7.2's hysteresis: a
//! listpack becomes a quicklist when it grows past the node limit; a
//! quicklist becomes a listpack again only once it is down to one node
//! holding at most half the limit. Sizes are measured with ember's encoding
//! (plus the 7 header bytes a listpack has), so a list right at a threshold
//! may be named differently than in Redis.

use std::collections::VecDeque;
use std::fmt;

/// Redis's SIZE_SAFETY_LIMIT: the most bytes a node bounded by count holds.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Node byte limits for fill -1 .. -5.
const NEG_FILL_BYTES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A listpack's header and terminator, counted for the encoding thresholds.
const LISTPACK_OVERHEAD: usize = 7;
/// Node buffers smaller than this are never shrunk.
const SHRINK_MIN_CAP: usize = 128;

/// Node limits derived from `list-max-listpack-size`.
#[derive(Clone, Copy, Debug)]
struct Limits {
    max_bytes: usize,
    max_count: usize,
}

fn limits(fill: i32) -> Limits {
    if fill >= 0 {
        Limits { max_bytes: SIZE_SAFETY_LIMIT, max_count: fill.max(1) as usize }
    } else {
        let i = (fill.unsigned_abs() as usize - 1).min(NEG_FILL_BYTES.len() - 1);
        Limits { max_bytes: NEG_FILL_BYTES[i], max_count: usize::MAX }
    }
}

/// Bytes of the LEB128 form of `n`.
#[inline]
fn varint_len(n: usize) -> usize {
    if n < 0x80 {
        return 1;
    }
    let bits = usize::BITS - n.leading_zeros();
    bits.div_ceil(7) as usize
}

/// Encoded size of an element of `len` bytes.
#[inline]
fn entry_size(len: usize) -> usize {
    len + 2 * varint_len(len)
}

/// Writes the encoding of `v` into `dst` (exactly `entry_size(v.len())`).
fn encode_entry(dst: &mut [u8], v: &[u8]) {
    let h = varint_len(v.len());
    let mut n = v.len();
    for i in 0..h {
        let mut b = (n & 0x7f) as u8;
        n >>= 7;
        if i + 1 < h {
            b |= 0x80;
        }
        dst[i] = b;
        // The trailer holds the same bytes in reverse order.
        dst[h + v.len() + h - 1 - i] = b;
    }
    dst[h..h + v.len()].copy_from_slice(v);
}

/// Reads the length prefix at `pos`: (element length, prefix bytes).
#[inline]
fn read_fwd(d: &[u8], pos: usize) -> (usize, usize) {
    let b = d[pos];
    if b < 0x80 {
        return (b as usize, 1);
    }
    let mut v = 0usize;
    let mut shift = 0;
    let mut p = pos;
    loop {
        let b = d[p];
        p += 1;
        v |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return (v, p - pos);
        }
        shift += 7;
    }
}

/// Reads the length trailer that ends at `end`: (element length, trailer bytes).
#[inline]
fn read_back(d: &[u8], end: usize) -> (usize, usize) {
    let b = d[end - 1];
    if b < 0x80 {
        return (b as usize, 1);
    }
    let mut v = 0usize;
    let mut shift = 0;
    let mut p = end;
    loop {
        p -= 1;
        let b = d[p];
        v |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return (v, end - p);
        }
        shift += 7;
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("list nodes are limited to 4 GiB")
}

/// A run of elements packed into one buffer: `buf[start..end]`.
#[derive(Clone)]
struct Node {
    buf: Box<[u8]>,
    start: u32,
    end: u32,
    count: u32,
}

impl Node {
    fn with_entry(v: &[u8]) -> Node {
        let sz = entry_size(v.len());
        let mut buf = vec![0u8; sz].into_boxed_slice();
        encode_entry(&mut buf, v);
        Node { buf, start: 0, end: to_u32(sz), count: 1 }
    }

    #[inline]
    fn used(&self) -> usize {
        (self.end - self.start) as usize
    }

    #[inline]
    fn data(&self) -> &[u8] {
        &self.buf[self.start as usize..self.end as usize]
    }

    fn entries(&self) -> Entries<'_> {
        let data = self.data();
        Entries { data, front: 0, back: data.len() }
    }

    /// Entries from entry `k` on.
    fn entries_from(&self, k: usize) -> Entries<'_> {
        let data = self.data();
        Entries { data, front: self.offset_of(k), back: data.len() }
    }

    /// Whether one more entry of `sz` encoded bytes may go into this node.
    #[inline]
    fn fits(&self, sz: usize, lim: Limits) -> bool {
        self.used() + sz <= lim.max_bytes && (self.count as usize) < lim.max_count
    }

    /// Byte offset (within `data()`) of entry `k` (`k <= count`), walking
    /// from the nearer end.
    fn offset_of(&self, k: usize) -> usize {
        let d = self.data();
        let count = self.count as usize;
        if k <= count / 2 {
            let mut pos = 0;
            for _ in 0..k {
                let (len, h) = read_fwd(d, pos);
                pos += len + 2 * h;
            }
            pos
        } else {
            let mut pos = d.len();
            for _ in k..count {
                let (len, h) = read_back(d, pos);
                pos -= len + 2 * h;
            }
            pos
        }
    }

    /// The element whose encoding starts at `off`, and its encoded size.
    #[inline]
    fn entry_at(&self, off: usize) -> (&[u8], usize) {
        let d = self.data();
        let (len, h) = read_fwd(d, off);
        (&d[off + h..off + h + len], len + 2 * h)
    }

    /// Makes sure `need` bytes are free before `start` (`front`) or after
    /// `end`, growing the buffer by 1.5x (capped near `cap_hint`) or
    /// recentring the data when enough room is free on the other side.
    fn reserve(&mut self, need: usize, front: bool, cap_hint: usize) {
        let cap = self.buf.len();
        let (start, end) = (self.start as usize, self.end as usize);
        let room = if front { start } else { cap - end };
        if room >= need {
            return;
        }
        let used = end - start;
        let total = used + need;
        let free = cap - used;
        let new_cap = if free >= need + used / 4 {
            cap
        } else {
            let grown = total + total / 2 + 16;
            grown.min(cap_hint.max(total))
        };
        let other = if front { cap - end } else { start };
        let extra = new_cap - total;
        let keep_other = other.min(extra / 2);
        let new_start = if front { new_cap - keep_other - used } else { keep_other };
        if new_cap == cap {
            self.buf.copy_within(start..end, new_start);
        } else {
            let mut buf = vec![0u8; new_cap].into_boxed_slice();
            buf[new_start..new_start + used].copy_from_slice(&self.buf[start..end]);
            self.buf = buf;
        }
        self.start = to_u32(new_start);
        self.end = to_u32(new_start + used);
    }

    /// Gives back memory once at most a quarter of the buffer is used.
    fn maybe_shrink(&mut self) {
        let cap = self.buf.len();
        let used = self.used();
        if cap <= SHRINK_MIN_CAP || used * 4 > cap {
            return;
        }
        let new_cap = used + used / 2 + 16;
        let new_start = (new_cap - used) / 2;
        let mut buf = vec![0u8; new_cap].into_boxed_slice();
        buf[new_start..new_start + used].copy_from_slice(self.data());
        self.buf = buf;
        self.start = to_u32(new_start);
        self.end = to_u32(new_start + used);
    }

    fn push_back(&mut self, v: &[u8], cap_hint: usize) {
        let sz = entry_size(v.len());
        self.reserve(sz, false, cap_hint);
        let end = self.end as usize;
        encode_entry(&mut self.buf[end..end + sz], v);
        self.end = to_u32(end + sz);
        self.count += 1;
    }

    fn push_front(&mut self, v: &[u8], cap_hint: usize) {
        let sz = entry_size(v.len());
        self.reserve(sz, true, cap_hint);
        let start = self.start as usize - sz;
        encode_entry(&mut self.buf[start..start + sz], v);
        self.start = to_u32(start);
        self.count += 1;
    }

    fn front(&self) -> &[u8] {
        self.entry_at(0).0
    }

    fn back(&self) -> &[u8] {
        let d = self.data();
        let (len, h) = read_back(d, d.len());
        &d[d.len() - h - len..d.len() - h]
    }

    fn drop_front(&mut self) {
        let (len, h) = read_fwd(self.data(), 0);
        self.start += to_u32(len + 2 * h);
        self.count -= 1;
        self.maybe_shrink();
    }

    fn drop_back(&mut self) {
        let d = self.data();
        let (len, h) = read_back(d, d.len());
        self.end -= to_u32(len + 2 * h);
        self.count -= 1;
        self.maybe_shrink();
    }

    /// Removes the first `n` entries (`n < count`).
    fn drop_front_n(&mut self, n: usize) {
        let off = self.offset_of(n);
        self.start += to_u32(off);
        self.count -= to_u32(n);
        self.maybe_shrink();
    }

    /// Removes the last `n` entries (`n < count`).
    fn drop_back_n(&mut self, n: usize) {
        let off = self.offset_of(self.count as usize - n);
        self.end = self.start + to_u32(off);
        self.count -= to_u32(n);
        self.maybe_shrink();
    }

    /// Inserts `v` so that its encoding starts at data offset `off`.
    fn insert_at(&mut self, off: usize, v: &[u8], cap_hint: usize) {
        let sz = entry_size(v.len());
        let used = self.used();
        if off * 2 < used {
            // Nearer the front: shift the head left.
            self.reserve(sz, true, cap_hint);
            let s = self.start as usize;
            self.buf.copy_within(s..s + off, s - sz);
            self.start = to_u32(s - sz);
            let at = s - sz + off;
            encode_entry(&mut self.buf[at..at + sz], v);
        } else {
            self.reserve(sz, false, cap_hint);
            let (s, e) = (self.start as usize, self.end as usize);
            self.buf.copy_within(s + off..e, s + off + sz);
            self.end = to_u32(e + sz);
            encode_entry(&mut self.buf[s + off..s + off + sz], v);
        }
        self.count += 1;
    }

    /// Removes the entry of encoded size `sz` at data offset `off`.
    fn remove_at(&mut self, off: usize, sz: usize) {
        let (s, e) = (self.start as usize, self.end as usize);
        if off * 2 < e - s {
            self.buf.copy_within(s..s + off, s + sz);
            self.start = to_u32(s + sz);
        } else {
            self.buf.copy_within(s + off + sz..e, s + off);
            self.end = to_u32(e - sz);
        }
        self.count -= 1;
        self.maybe_shrink();
    }

    /// Splits off the entries from `k` on into a new node.
    fn split_off(&mut self, k: usize) -> Node {
        let off = self.offset_of(k);
        let tail = &self.data()[off..];
        let node = Node { buf: tail.into(), start: 0, end: to_u32(tail.len()), count: self.count - to_u32(k) };
        self.end = self.start + to_u32(off);
        self.count = to_u32(k);
        self.maybe_shrink();
        node
    }

    /// Appends every entry of `other`.
    fn append(&mut self, other: &Node, cap_hint: usize) {
        let n = other.used();
        self.reserve(n, false, cap_hint);
        let e = self.end as usize;
        self.buf[e..e + n].copy_from_slice(other.data());
        self.end = to_u32(e + n);
        self.count += other.count;
    }

    /// Removes matching entries in one compacting pass: the first `skip`
    /// matches are kept, then up to `*budget` are removed. Returns how many
    /// were removed.
    fn remove_matches(&mut self, v: &[u8], skip: &mut usize, budget: &mut usize) -> usize {
        let (s, e) = (self.start as usize, self.end as usize);
        let mut r = s;
        let mut w = s;
        let mut removed = 0;
        while r < e {
            let (len, h) = read_fwd(&self.buf, r);
            let sz = len + 2 * h;
            let matches = *budget > 0 && &self.buf[r + h..r + h + len] == v;
            let drop = if matches && *skip > 0 {
                *skip -= 1;
                false
            } else {
                matches
            };
            if drop {
                *budget -= 1;
                removed += 1;
            } else {
                if w != r {
                    self.buf.copy_within(r..r + sz, w);
                }
                w += sz;
            }
            r += sz;
        }
        self.end = to_u32(w);
        self.count -= to_u32(removed);
        if removed > 0 {
            self.maybe_shrink();
        }
        removed
    }
}

/// Double-ended iterator over the elements of one node.
#[derive(Clone)]
struct Entries<'a> {
    data: &'a [u8],
    front: usize,
    back: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.front >= self.back {
            return None;
        }
        let (len, h) = read_fwd(self.data, self.front);
        let at = self.front + h;
        self.front = at + len + h;
        Some(&self.data[at..at + len])
    }
}

impl<'a> DoubleEndedIterator for Entries<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<&'a [u8]> {
        if self.front >= self.back {
            return None;
        }
        let (len, h) = read_back(self.data, self.back);
        let end = self.back - h;
        self.back = end - len - h;
        Some(&self.data[end - len..end])
    }
}

/// A list value (TYPE `list`): a deque of byte strings.
///
/// ```
/// use ember_store::types::list::List;
///
/// let mut l = List::new(-2);
/// l.push_back(b"b");
/// l.push_front(b"a");
/// l.push_back(b"c");
/// assert_eq!(l.get(1), Some(&b"b"[..]));
/// assert_eq!(l.pop_back().as_deref(), Some(&b"c"[..]));
/// assert_eq!(l.iter().collect::<Vec<_>>(), [&b"a"[..], b"b"]);
/// assert_eq!(l.encoding_name(), "listpack");
/// ```
#[derive(Clone)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    fill: i32,
    /// OBJECT ENCODING `listpack` (else `quicklist`).
    compact: bool,
}

impl Default for List {
    fn default() -> Self {
        List::new(-2)
    }
}

impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for List {}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for e in self.iter().take(32) {
            l.entry(&e.escape_ascii().to_string());
        }
        if self.len > 32 {
            l.entry(&format_args!("... ({} elements)", self.len));
        }
        l.finish()
    }
}

impl List {
    /// An empty list whose nodes are bounded by `fill`, Redis's
    /// `list-max-listpack-size` (values below -5 act as -5, above `i32::MAX`
    /// as `i32::MAX`).
    pub fn new(fill: i64) -> List {
        let fill = fill.clamp(-5, i64::from(i32::MAX)) as i32;
        List { nodes: VecDeque::new(), len: 0, fill, compact: true }
    }

    /// A list holding `items` in order.
    pub fn from_items<'a>(fill: i64, items: impl IntoIterator<Item = &'a [u8]>) -> List {
        let mut l = List::new(fill);
        for it in items {
            l.push_back(it);
        }
        l
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The OBJECT ENCODING name: `listpack` or `quicklist`.
    pub fn encoding_name(&self) -> &'static str {
        if self.compact {
            "listpack"
        } else {
            "quicklist"
        }
    }

    /// The `list-max-listpack-size` this list was created with.
    pub fn fill(&self) -> i64 {
        i64::from(self.fill)
    }

    /// Number of nodes (DEBUG OBJECT `ql_nodes`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Heap bytes owned by the list (node buffers and the node deque).
    pub fn heap_size(&self) -> usize {
        self.nodes.iter().map(|n| n.buf.len()).sum::<usize>() + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// Encoded bytes of the elements (no spare room): what a dump of the list
    /// roughly needs; also an upper bound of the payload bytes of any range.
    pub fn packed_bytes(&self) -> usize {
        self.nodes.iter().map(Node::used).sum()
    }

    fn limits(&self) -> Limits {
        limits(self.fill)
    }

    /// Called after the list grew: a listpack past the limit becomes a
    /// quicklist.
    fn grew(&mut self) {
        if self.compact {
            let lim = self.limits();
            let bytes = self.packed_bytes() + LISTPACK_OVERHEAD;
            let over_bytes = bytes > lim.max_bytes;
            let over_count = self.fill >= 0 && self.len > lim.max_count;
            if over_bytes || over_count {
                self.compact = false;
            }
        }
    }

    /// Called after the list shrank: a one-node quicklist at most half full
    /// becomes a listpack again.
    fn shrank(&mut self) {
        if !self.compact && self.nodes.len() == 1 {
            let lim = self.limits();
            let ok = if self.fill >= 0 {
                self.len <= lim.max_count / 2
            } else {
                self.nodes[0].used() + LISTPACK_OVERHEAD <= lim.max_bytes / 2
            };
            if ok {
                self.compact = true;
            }
        }
    }

    /// Adds `v` at the head.
    pub fn push_front(&mut self, v: &[u8]) {
        self.push_front_raw(v);
        self.grew();
    }

    /// Adds `v` at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        self.push_back_raw(v);
        self.grew();
    }

    fn push_front_raw(&mut self, v: &[u8]) {
        let lim = self.limits();
        let sz = entry_size(v.len());
        match self.nodes.front_mut() {
            Some(n) if n.fits(sz, lim) => n.push_front(v, lim.max_bytes),
            _ => self.nodes.push_front(Node::with_entry(v)),
        }
        self.len += 1;
    }

    fn push_back_raw(&mut self, v: &[u8]) {
        let lim = self.limits();
        let sz = entry_size(v.len());
        match self.nodes.back_mut() {
            Some(n) if n.fits(sz, lim) => n.push_back(v, lim.max_bytes),
            _ => self.nodes.push_back(Node::with_entry(v)),
        }
        self.len += 1;
    }

    /// The first element.
    pub fn front(&self) -> Option<&[u8]> {
        self.nodes.front().map(Node::front)
    }

    /// The last element.
    pub fn back(&self) -> Option<&[u8]> {
        self.nodes.back().map(Node::back)
    }

    /// Removes the first element, passing it to `f` before it is dropped
    /// (so it can be written out without a copy).
    pub fn pop_front_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let node = self.nodes.front_mut()?;
        let r = f(node.front());
        if node.count == 1 {
            self.nodes.pop_front();
        } else {
            node.drop_front();
        }
        self.len -= 1;
        self.shrank();
        Some(r)
    }

    /// Removes the last element, passing it to `f` before it is dropped.
    pub fn pop_back_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let node = self.nodes.back_mut()?;
        let r = f(node.back());
        if node.count == 1 {
            self.nodes.pop_back();
        } else {
            node.drop_back();
        }
        self.len -= 1;
        self.shrank();
        Some(r)
    }

    /// Removes and returns the first element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.pop_front_with(<[u8]>::to_vec)
    }

    /// Removes and returns the last element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.pop_back_with(<[u8]>::to_vec)
    }

    /// (node, entry within node) of element `index < len`, walking from the
    /// nearer end.
    fn locate(&self, index: usize) -> (usize, usize) {
        debug_assert!(index < self.len);
        if index < self.len / 2 {
            let mut i = index;
            for (ni, n) in self.nodes.iter().enumerate() {
                let c = n.count as usize;
                if i < c {
                    return (ni, i);
                }
                i -= c;
            }
        } else {
            let mut back = self.len - 1 - index;
            for ni in (0..self.nodes.len()).rev() {
                let c = self.nodes[ni].count as usize;
                if back < c {
                    return (ni, c - 1 - back);
                }
                back -= c;
            }
        }
        unreachable!("list length out of step with its nodes")
    }

    /// Element `index` (0-based from the head).
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len {
            return None;
        }
        let (ni, k) = self.locate(index);
        let node = &self.nodes[ni];
        Some(node.entry_at(node.offset_of(k)).0)
    }

    /// Converts a Redis index (negative counts from the tail) into a
    /// position, if it is in range.
    pub fn index(&self, i: i64) -> Option<usize> {
        let len = self.len as i64;
        let i = if i < 0 { len.checked_add(i)? } else { i };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// Replaces element `index`; false if out of range.
    pub fn set(&mut self, index: usize, v: &[u8]) -> bool {
        if index >= self.len {
            return false;
        }
        let lim = self.limits();
        let (ni, k) = self.locate(index);
        let node = &mut self.nodes[ni];
        let off = node.offset_of(k);
        let (_, old_sz) = node.entry_at(off);
        let new_sz = entry_size(v.len());
        if new_sz == old_sz {
            let s = node.start as usize + off;
            encode_entry(&mut node.buf[s..s + new_sz], v);
        } else if new_sz <= lim.max_bytes && node.used() - old_sz + new_sz <= lim.max_bytes {
            node.remove_at(off, old_sz);
            node.insert_at(off, v, lim.max_bytes);
        } else {
            // Too big for this node: take the old element out, insert anew.
            if node.count == 1 {
                self.nodes[ni] = Node::with_entry(v);
                self.merge_around(ni);
            } else {
                node.remove_at(off, old_sz);
                self.len -= 1;
                self.insert_raw(index, v);
            }
        }
        self.grew();
        self.shrank();
        true
    }

    /// Inserts `v` so that it becomes element `index` (`index <= len`).
    ///
    /// # Panics
    /// If `index > len`.
    pub fn insert(&mut self, index: usize, v: &[u8]) {
        assert!(index <= self.len, "insert index {index} past the end ({})", self.len);
        self.insert_raw(index, v);
        self.grew();
    }

    fn insert_raw(&mut self, index: usize, v: &[u8]) {
        if index == 0 {
            return self.push_front_raw(v);
        }
        if index == self.len {
            return self.push_back_raw(v);
        }
        let lim = self.limits();
        let sz = entry_size(v.len());
        let (ni, k) = self.locate(index);
        self.len += 1;
        if k == 0 && self.nodes[ni - 1].fits(sz, lim) {
            self.nodes[ni - 1].push_back(v, lim.max_bytes);
            return;
        }
        if self.nodes[ni].fits(sz, lim) {
            let node = &mut self.nodes[ni];
            let off = node.offset_of(k);
            node.insert_at(off, v, lim.max_bytes);
            return;
        }
        // The node is full: split it at the insertion point and put the new
        // element at the end of the left half (or in a node of its own).
        let at = if k == 0 {
            ni
        } else {
            let right = self.nodes[ni].split_off(k);
            self.nodes.insert(ni + 1, right);
            ni + 1
        };
        if k > 0 && self.nodes[ni].fits(sz, lim) {
            self.nodes[ni].push_back(v, lim.max_bytes);
            self.merge_around(ni);
        } else if self.nodes[at].fits(sz, lim) {
            self.nodes[at].push_front(v, lim.max_bytes);
            self.merge_around(at);
        } else {
            self.nodes.insert(at, Node::with_entry(v));
            self.merge_around(at);
        }
    }

    /// Merges node `i` with its neighbours when they fit in one node.
    fn merge_around(&mut self, i: usize) {
        if i + 1 < self.nodes.len() {
            self.try_merge(i);
        }
        if i > 0 {
            self.try_merge(i - 1);
        }
    }

    /// Merges nodes `i` and `i + 1` if they fit together; true if merged.
    fn try_merge(&mut self, i: usize) -> bool {
        let lim = self.limits();
        let (a, b) = (&self.nodes[i], &self.nodes[i + 1]);
        let bytes = a.used() + b.used();
        let count = (a.count + b.count) as usize;
        if bytes > lim.max_bytes || count > lim.max_count {
            return false;
        }
        let b = self.nodes.remove(i + 1).expect("node exists");
        self.nodes[i].append(&b, lim.max_bytes);
        true
    }

    /// Merges neighbouring nodes that fit together (after removals in the
    /// middle left nodes under-filled).
    fn compact_nodes(&mut self) {
        let mut i = 0;
        while i + 1 < self.nodes.len() {
            if !self.try_merge(i) {
                i += 1;
            }
        }
    }

    /// Removes elements equal to `v` (LREM): with `from_back` false the
    /// first `limit` matches from the head, else the last `limit` ones;
    /// `limit` 0 removes every match. Returns how many were removed.
    pub fn remove_matching(&mut self, v: &[u8], limit: usize, from_back: bool) -> usize {
        let (mut skip, mut budget) = match (limit, from_back) {
            (0, _) => (0, usize::MAX),
            (n, false) => (0, n),
            (n, true) => {
                let total = self.iter().filter(|e| *e == v).count();
                (total.saturating_sub(n), n.min(total))
            }
        };
        if budget == 0 {
            return 0;
        }
        let mut removed = 0;
        for node in self.nodes.iter_mut() {
            if budget == 0 {
                break;
            }
            removed += node.remove_matches(v, &mut skip, &mut budget);
        }
        if removed > 0 {
            self.nodes.retain(|n| n.count > 0);
            self.len -= removed;
            self.compact_nodes();
            self.shrank();
        }
        removed
    }

    /// Removes the first `n` elements (all of them if `n >= len`).
    pub fn remove_front(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let node = self.nodes.front_mut().expect("nodes hold len elements");
            let c = node.count as usize;
            if c <= n {
                self.nodes.pop_front();
                n -= c;
            } else {
                node.drop_front_n(n);
                n = 0;
            }
        }
        self.shrank();
    }

    /// Removes the last `n` elements (all of them if `n >= len`).
    pub fn remove_back(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let node = self.nodes.back_mut().expect("nodes hold len elements");
            let c = node.count as usize;
            if c <= n {
                self.nodes.pop_back();
                n -= c;
            } else {
                node.drop_back_n(n);
                n = 0;
            }
        }
        self.shrank();
    }

    /// Every element, head to tail (double-ended).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        self.nodes.iter().flat_map(Node::entries)
    }

    /// `count` elements starting at position `start` (fewer if the list
    /// ends first), head to tail. Locates `start` once, then reads the nodes
    /// sequentially.
    pub fn range(&self, start: usize, count: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let (first, rest) = if start < self.len {
            let (ni, k) = self.locate(start);
            (Some(self.nodes[ni].entries_from(k)), ni + 1)
        } else {
            (None, self.nodes.len())
        };
        first.into_iter().flatten().chain(self.nodes.range(rest..).flat_map(Node::entries)).take(count)
    }

    /// An upper bound of the payload bytes of `range(start, count)`, cheap
    /// to compute (for reserving output space once).
    pub fn range_bytes_hint(&self, start: usize, count: usize) -> usize {
        if start >= self.len || count == 0 {
            return 0;
        }
        // Sum the nodes that overlap the range.
        let (ni, k) = self.locate(start);
        let mut left = count + k;
        let mut bytes = 0;
        for n in self.nodes.range(ni..) {
            bytes += n.used();
            if left <= n.count as usize {
                break;
            }
            left -= n.count as usize;
        }
        bytes
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        let lim = self.limits();
        let mut total = 0;
        for n in &self.nodes {
            assert!(n.count > 0, "empty node");
            assert!(n.start <= n.end && n.end as usize <= n.buf.len());
            let entries: Vec<_> = n.entries().collect();
            assert_eq!(entries.len(), n.count as usize);
            let mut back: Vec<_> = n.entries().rev().collect();
            back.reverse();
            assert_eq!(entries, back);
            if n.count > 1 {
                assert!(n.used() <= lim.max_bytes, "node of {} bytes over {}", n.used(), lim.max_bytes);
                assert!(n.count as usize <= lim.max_count);
            }
            total += n.count as usize;
        }
        assert_eq!(total, self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[test]
    fn varints_round_trip() {
        for len in [0usize, 1, 127, 128, 300, 16383, 16384, 1 << 21, (1 << 28) + 5] {
            let h = varint_len(len);
            assert_eq!(entry_size(len), len + 2 * h);
            let v = vec![7u8; len.min(70_000)];
            if v.len() == len {
                let mut buf = vec![0u8; entry_size(len)];
                encode_entry(&mut buf, &v);
                assert_eq!(read_fwd(&buf, 0), (len, h));
                assert_eq!(read_back(&buf, buf.len()), (len, h));
            }
        }
    }

    #[test]
    fn limits_follow_fill() {
        assert_eq!(limits(-1).max_bytes, 4096);
        assert_eq!(limits(-2).max_bytes, 8192);
        assert_eq!(limits(-5).max_bytes, 65536);
        assert_eq!(limits(5).max_count, 5);
        assert_eq!(limits(0).max_count, 1);
        assert_eq!(List::new(-100).fill(), -5);
    }

    #[test]
    fn basic_deque_ops() {
        let mut l = List::default();
        assert!(l.is_empty());
        assert_eq!(l.pop_front(), None);
        for i in 0..1000u32 {
            l.push_back(i.to_string().as_bytes());
            l.push_front(format!("-{i}").as_bytes());
        }
        l.check_invariants();
        assert_eq!(l.len(), 2000);
        assert_eq!(l.front(), Some(&b"-999"[..]));
        assert_eq!(l.back(), Some(&b"999"[..]));
        assert_eq!(l.get(1000), Some(&b"0"[..]));
        assert_eq!(l.get(999), Some(&b"-0"[..]));
        assert!(l.node_count() > 1);
        assert_eq!(l.encoding_name(), "quicklist");
        let fwd: Vec<_> = l.range(995, 10).map(|e| String::from_utf8_lossy(e).into_owned()).collect();
        assert_eq!(fwd, ["-4", "-3", "-2", "-1", "-0", "0", "1", "2", "3", "4"]);
        for _ in 0..1990 {
            l.pop_back();
        }
        l.check_invariants();
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!(l.iter().count(), 10);
    }

    #[test]
    fn encoding_thresholds() {
        let mut l = List::new(4);
        for _ in 0..4 {
            l.push_back(b"x");
        }
        assert_eq!(l.encoding_name(), "listpack");
        l.push_back(b"x");
        assert_eq!(l.encoding_name(), "quicklist");
        l.pop_back();
        l.pop_back();
        assert_eq!(l.encoding_name(), "quicklist"); // 3 > 4 / 2
        l.pop_back();
        assert_eq!(l.encoding_name(), "listpack");

        let mut l = List::new(-2);
        l.push_back(&[b'a'; 9000]);
        assert_eq!(l.encoding_name(), "quicklist");
        l.set(0, b"small");
        assert_eq!(l.encoding_name(), "listpack");
    }

    #[test]
    fn large_elements_get_their_own_node() {
        let mut l = List::new(-1);
        l.push_back(b"a");
        l.push_back(&vec![b'L'; 5000]);
        l.push_back(b"b");
        l.check_invariants();
        assert_eq!(l.node_count(), 3);
        l.insert(1, &vec![b'M'; 6000]);
        l.check_invariants();
        assert_eq!(l.get(1).map(<[u8]>::len), Some(6000));
        assert_eq!(l.get(2).map(<[u8]>::len), Some(5000));
    }

    #[test]
    fn memory_per_small_element() {
        let mut l = List::default();
        for i in 0..100_000u32 {
            l.push_back(format!("{:010}", i).as_bytes());
        }
        let per = l.heap_size() as f64 / 100_000.0;
        // 10 bytes of payload + 2 bytes of lengths + amortized node overhead.
        assert!(per < 14.0, "{per} bytes per element");
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushFront(Vec<u8>),
        PushBack(Vec<u8>),
        PopFront,
        PopBack,
        Get(usize),
        Set(usize, Vec<u8>),
        Insert(usize, Vec<u8>),
        Remove(Vec<u8>, usize, bool),
        RemoveFront(usize),
        RemoveBack(usize),
        Range(usize, usize),
    }

    fn element() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => prop::collection::vec(b'a'..b'd', 0..4),
            2 => prop::collection::vec(any::<u8>(), 100..300),
            1 => (0usize..3, 1500usize..5000).prop_map(|(c, n)| vec![b'x' + c as u8; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        let idx = 0usize..400;
        prop_oneof![
            6 => element().prop_map(Op::PushFront),
            6 => element().prop_map(Op::PushBack),
            3 => Just(Op::PopFront),
            3 => Just(Op::PopBack),
            2 => idx.clone().prop_map(Op::Get),
            2 => (idx.clone(), element()).prop_map(|(i, v)| Op::Set(i, v)),
            3 => (idx.clone(), element()).prop_map(|(i, v)| Op::Insert(i, v)),
            2 => (element(), 0usize..4, any::<bool>()).prop_map(|(v, n, b)| Op::Remove(v, n, b)),
            1 => (0usize..30).prop_map(Op::RemoveFront),
            1 => (0usize..30).prop_map(Op::RemoveBack),
            2 => (idx.clone(), 0usize..100).prop_map(|(s, n)| Op::Range(s, n)),
        ]
    }

    fn run(fill: i64, ops: &[Op]) {
        let mut l = List::new(fill);
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for op in ops {
            match op {
                Op::PushFront(v) => {
                    l.push_front(v);
                    m.push_front(v.clone());
                }
                Op::PushBack(v) => {
                    l.push_back(v);
                    m.push_back(v.clone());
                }
                Op::PopFront => assert_eq!(l.pop_front(), m.pop_front()),
                Op::PopBack => assert_eq!(l.pop_back(), m.pop_back()),
                Op::Get(i) => assert_eq!(l.get(*i), m.get(*i).map(Vec::as_slice)),
                Op::Set(i, v) => {
                    let ok = *i < m.len();
                    assert_eq!(l.set(*i, v), ok);
                    if ok {
                        m[*i] = v.clone();
                    }
                }
                Op::Insert(i, v) => {
                    let i = if m.is_empty() { 0 } else { i % (m.len() + 1) };
                    l.insert(i, v);
                    m.insert(i, v.clone());
                }
                Op::Remove(v, n, from_back) => {
                    let mut want = 0;
                    if *from_back {
                        let mut i = m.len();
                        while i > 0 && (*n == 0 || want < *n) {
                            i -= 1;
                            if m[i] == *v {
                                m.remove(i);
                                want += 1;
                            }
                        }
                    } else {
                        let mut i = 0;
                        while i < m.len() && (*n == 0 || want < *n) {
                            if m[i] == *v {
                                m.remove(i);
                                want += 1;
                            } else {
                                i += 1;
                            }
                        }
                    }
                    assert_eq!(l.remove_matching(v, *n, *from_back), want);
                }
                Op::RemoveFront(n) => {
                    l.remove_front(*n);
                    m.drain(..(*n).min(m.len()));
                }
                Op::RemoveBack(n) => {
                    l.remove_back(*n);
                    let keep = m.len().saturating_sub(*n);
                    m.truncate(keep);
                }
                Op::Range(s, n) => {
                    let got: Vec<&[u8]> = l.range(*s, *n).collect();
                    let want: Vec<&[u8]> = m.iter().skip(*s).take(*n).map(Vec::as_slice).collect();
                    assert_eq!(got, want);
                    assert!(l.range_bytes_hint(*s, *n) >= want.iter().map(|e| e.len()).sum::<usize>());
                }
            }
            assert_eq!(l.len(), m.len());
            l.check_invariants();
        }
        assert!(l.iter().eq(m.iter().map(Vec::as_slice)));
        assert!(l.iter().rev().eq(m.iter().rev().map(Vec::as_slice)));
        let clone = l.clone();
        assert_eq!(clone, l);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn model_fill_1(ops in prop::collection::vec(op(), 0..200)) { run(1, &ops); }

        #[test]
        fn model_fill_2(ops in prop::collection::vec(op(), 0..200)) { run(2, &ops); }

        #[test]
        fn model_fill_7(ops in prop::collection::vec(op(), 0..200)) { run(7, &ops); }

        #[test]
        fn model_fill_minus_1(ops in prop::collection::vec(op(), 0..300)) { run(-1, &ops); }

        #[test]
        fn model_fill_minus_2(ops in prop::collection::vec(op(), 0..300)) { run(-2, &ops); }

        #[test]
        fn model_fill_minus_5(ops in prop::collection::vec(op(), 0..300)) { run(-5, &ops); }
    }
}
