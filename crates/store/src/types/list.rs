//! The list type ([`List`]): Redis's `listpack` and `quicklist` encodings,
//! one packed node or a deque of them.
//!
//! # Nodes
//!
//! Elements are packed into nodes. A node is one heap buffer (`Box<[u8]>`)
//! holding a run of consecutive elements back to back, each encoded as
//!
//! ```text
//! len (LEB128, 1+ bytes) | element bytes | len again, bytes reversed
//! ```
//!
//! so an element is a contiguous byte slice that can be handed out as
//! `&[u8]` (LRANGE writes its reply straight from the nodes), and a node can
//! be walked from either end: forward by reading the leading length,
//! backward by reading the trailing one. The used bytes of a node sit in
//! `buf[start..end]` with free room on both sides, so pushing or popping at
//! either end of a node is amortized O(1) (no memmove of the node), and so
//! is pushing or popping at either end of the list. Every node buffer starts
//! with `HEAD` (16) bytes that are not part of that room.
//!
//! # The two shapes
//!
//! A [`List`] is a 16-byte handle, held inline in the key's value, with one
//! of two shapes; the shape is the OBJECT ENCODING:
//!
//! * `listpack`: a single node and nothing else. The node's start, end and
//!   element count and the list's fill live in the node's 16 head bytes
//!   (little-endian `u32`, `u32`, `u32`, `i32`), and the handle is the boxed
//!   buffer itself: a small list is one allocation. Ten 7-byte elements take
//!   16 + 10 * 9 = 106 bytes, in a 120-byte buffer (one 128-byte malloc
//!   chunk).
//! * `quicklist`: the handle boxes a `VecDeque` of nodes (each node's
//!   bookkeeping in the deque, 32 bytes), the length and the fill.
//!
//! # Costs
//!
//! * Memory: an element of fewer than 128 bytes costs its bytes plus 2. A
//!   node costs 16 head bytes (plus 32 in the deque of a `quicklist`),
//!   shared by up to hundreds of elements. Buffers grow by 1/8 of their size
//!   while under 256 bytes and by 1/2 beyond, always to a size that fills a
//!   glibc malloc chunk exactly (`16k - 8` bytes), so the rounding the
//!   allocator would do anyway becomes free room instead of waste. A list of
//!   10-byte elements costs about 12-13 bytes per element, against ~48 for a
//!   `VecDeque<Box<[u8]>>` (16-byte fat pointer + the allocator's minimum
//!   chunk). Every element lives in one of a few large allocations, so
//!   freeing a list is cheap too.
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
//! Redis 7.2's hysteresis decides the shape: a `listpack` becomes a
//! `quicklist` when it grows past the node limit; a `quicklist` becomes a
//! `listpack` again only once it is down to one node holding at most half
//! the limit. Sizes are measured with ember's encoding (plus the 7 header
//! bytes a listpack has), so a list right at a threshold may be named
//! differently than in Redis.

use std::collections::{vec_deque, VecDeque};
use std::fmt;

/// Redis's SIZE_SAFETY_LIMIT: the most bytes a node bounded by count holds.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Node byte limits for fill -1 .. -5.
const NEG_FILL_BYTES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A listpack's header and terminator, counted for the encoding thresholds.
const LISTPACK_OVERHEAD: usize = 7;
/// Node buffers smaller than this are never shrunk.
const SHRINK_MIN_CAP: usize = 128;
/// Bytes at the start of every node buffer, before the data and its free
/// room. A `listpack` list keeps its bookkeeping there: start, end and
/// count (`u32`) and fill (`i32`), little-endian.
const HEAD: usize = 16;
/// Buffers under this many bytes grow by 1/8 of their size (small lists
/// stay tight), larger ones by 1/2 (a growing node reallocates rarely).
const SMALL_BUF: usize = 256;

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

/// Whether a list of `bytes` encoded bytes and `count` elements is within
/// the `listpack` limits (past them it becomes a `quicklist`).
#[inline]
fn within_listpack(lim: Limits, bytes: usize, count: usize) -> bool {
    bytes + LISTPACK_OVERHEAD <= lim.max_bytes && count <= lim.max_count
}

/// The number of bytes to allocate for a buffer of at least `n` bytes.
/// glibc's malloc hands out chunks of a multiple of 16 bytes (32 at least),
/// 8 of them its own header, so a buffer of `16k - 8` bytes costs exactly
/// what `n` would cost: the difference is free room.
#[inline]
fn alloc_size(n: usize) -> usize {
    ((n + 8 + 15) & !15).max(32) - 8
}

/// Capacity for a growing buffer that must hold `total` bytes: geometric
/// (so growing to `n` bytes copies O(n) bytes in all), rounded up to the
/// allocator's chunk, and not past `limit` unless `total` itself is.
#[inline]
fn grown_cap(total: usize, limit: usize) -> usize {
    let extra = if total < SMALL_BUF { total / 8 } else { total / 2 };
    alloc_size(total + extra).min(limit.max(total))
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

/// The little-endian `u32` at `at` of a head.
#[inline]
fn head_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"))
}

/// The elements of one node, read-only: `count` entries packed in `data`.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [u8],
    count: usize,
}

impl<'a> View<'a> {
    /// The view of a `listpack` list's buffer (bookkeeping in its head).
    #[inline]
    fn of_pack(p: &'a [u8]) -> View<'a> {
        let (start, end) = (head_u32(p, 0) as usize, head_u32(p, 4) as usize);
        View { data: &p[start..end], count: head_u32(p, 8) as usize }
    }

    fn entries(self) -> Entries<'a> {
        Entries { data: self.data, front: 0, back: self.data.len() }
    }

    /// Entries from entry `k` on.
    fn entries_from(self, k: usize) -> Entries<'a> {
        Entries { data: self.data, front: self.offset_of(k), back: self.data.len() }
    }

    /// Byte offset (within `data`) of entry `k` (`k <= count`), walking
    /// from the nearer end.
    fn offset_of(self, k: usize) -> usize {
        let d = self.data;
        if k <= self.count / 2 {
            let mut pos = 0;
            for _ in 0..k {
                let (len, h) = read_fwd(d, pos);
                pos += len + 2 * h;
            }
            pos
        } else {
            let mut pos = d.len();
            for _ in k..self.count {
                let (len, h) = read_back(d, pos);
                pos -= len + 2 * h;
            }
            pos
        }
    }

    /// The element whose encoding starts at `off`, and its encoded size.
    #[inline]
    fn entry_at(self, off: usize) -> (&'a [u8], usize) {
        let d = self.data;
        let (len, h) = read_fwd(d, off);
        (&d[off + h..off + h + len], len + 2 * h)
    }

    fn front(self) -> &'a [u8] {
        self.entry_at(0).0
    }

    fn back(self) -> &'a [u8] {
        let d = self.data;
        let (len, h) = read_back(d, d.len());
        &d[d.len() - h - len..d.len() - h]
    }
}

/// A run of elements packed into one buffer: `buf[start..end]`, with
/// `HEAD <= start <= end <= buf.len()`.
#[derive(Clone)]
struct Node {
    buf: Box<[u8]>,
    start: u32,
    end: u32,
    count: u32,
}

impl Node {
    /// A node holding the `count` encoded entries of `data`.
    fn from_data(data: &[u8], count: u32) -> Node {
        let mut buf = vec![0u8; alloc_size(HEAD + data.len())].into_boxed_slice();
        buf[HEAD..HEAD + data.len()].copy_from_slice(data);
        Node { buf, start: HEAD as u32, end: to_u32(HEAD + data.len()), count }
    }

    fn with_entry(v: &[u8]) -> Node {
        let sz = entry_size(v.len());
        let mut buf = vec![0u8; alloc_size(HEAD + sz)].into_boxed_slice();
        encode_entry(&mut buf[HEAD..HEAD + sz], v);
        Node { buf, start: HEAD as u32, end: to_u32(HEAD + sz), count: 1 }
    }

    /// The node of a `listpack` list's buffer, and the list's fill.
    #[inline]
    fn from_pack(buf: Box<[u8]>) -> (Node, i32) {
        let fill = head_u32(&buf, 12) as i32;
        (Node { start: head_u32(&buf, 0), end: head_u32(&buf, 4), count: head_u32(&buf, 8), buf }, fill)
    }

    /// Writes the bookkeeping and `fill` into the head: the buffer is then
    /// a whole `listpack` list.
    #[inline]
    fn into_pack(mut self, fill: i32) -> Box<[u8]> {
        let h = &mut self.buf[..HEAD];
        h[0..4].copy_from_slice(&self.start.to_le_bytes());
        h[4..8].copy_from_slice(&self.end.to_le_bytes());
        h[8..12].copy_from_slice(&self.count.to_le_bytes());
        h[12..16].copy_from_slice(&fill.to_le_bytes());
        self.buf
    }

    #[inline]
    fn used(&self) -> usize {
        (self.end - self.start) as usize
    }

    #[inline]
    fn view(&self) -> View<'_> {
        View { data: &self.buf[self.start as usize..self.end as usize], count: self.count as usize }
    }

    /// Whether one more entry of `sz` encoded bytes may go into this node.
    #[inline]
    fn fits(&self, sz: usize, lim: Limits) -> bool {
        self.used() + sz <= lim.max_bytes && (self.count as usize) < lim.max_count
    }

    /// Makes sure `need` bytes are free before `start` (`front`) or after
    /// `end`: recentres the data when enough room is free on the other
    /// side, else grows the buffer (see [`grown_cap`]; to at most
    /// `HEAD + cap_hint` bytes unless more are needed).
    #[inline]
    fn reserve(&mut self, need: usize, front: bool, cap_hint: usize) {
        let room = if front { self.start as usize - HEAD } else { self.buf.len() - self.end as usize };
        if room < need {
            self.make_room(need, front, cap_hint);
        }
    }

    /// The slow path of [`reserve`](Self::reserve).
    #[inline(never)]
    fn make_room(&mut self, need: usize, front: bool, cap_hint: usize) {
        let cap = self.buf.len();
        let (start, end) = (self.start as usize, self.end as usize);
        let used = end - start;
        let total = HEAD + used + need;
        let free = cap - HEAD - used;
        let new_cap = if free >= need + used / 4 { cap } else { grown_cap(total, HEAD + cap_hint) };
        let other = if front { cap - end } else { start - HEAD };
        let extra = new_cap - total;
        let keep_other = other.min(extra / 2);
        let new_start = if front { new_cap - keep_other - used } else { HEAD + keep_other };
        if new_cap == cap {
            self.buf.copy_within(start..end, new_start);
        } else if new_start == start {
            // The data stays where it is: reallocate, which the allocator
            // can often do in place.
            let mut v = std::mem::take(&mut self.buf).into_vec();
            v.reserve_exact(new_cap.saturating_sub(v.len()));
            v.resize(new_cap, 0);
            self.buf = v.into_boxed_slice();
        } else {
            let mut buf = vec![0u8; new_cap].into_boxed_slice();
            buf[new_start..new_start + used].copy_from_slice(&self.buf[start..end]);
            self.buf = buf;
        }
        self.start = to_u32(new_start);
        self.end = to_u32(new_start + used);
    }

    /// Gives back memory once at most a quarter of the buffer is used.
    #[inline]
    fn maybe_shrink(&mut self) {
        if self.buf.len() > SHRINK_MIN_CAP && self.used() * 4 <= self.buf.len() {
            self.shrink();
        }
    }

    /// Moves the data into a buffer about 1.5 times its size.
    #[inline(never)]
    fn shrink(&mut self) {
        let used = self.used();
        let new_cap = alloc_size(HEAD + used + used / 2 + 16);
        let new_start = HEAD + (new_cap - HEAD - used) / 2;
        let mut buf = vec![0u8; new_cap].into_boxed_slice();
        buf[new_start..new_start + used].copy_from_slice(&self.buf[self.start as usize..self.end as usize]);
        self.buf = buf;
        self.start = to_u32(new_start);
        self.end = to_u32(new_start + used);
    }

    #[inline]
    fn push_back(&mut self, v: &[u8], cap_hint: usize) {
        let sz = entry_size(v.len());
        self.reserve(sz, false, cap_hint);
        let end = self.end as usize;
        encode_entry(&mut self.buf[end..end + sz], v);
        self.end = to_u32(end + sz);
        self.count += 1;
    }

    #[inline]
    fn push_front(&mut self, v: &[u8], cap_hint: usize) {
        let sz = entry_size(v.len());
        self.reserve(sz, true, cap_hint);
        let start = self.start as usize - sz;
        encode_entry(&mut self.buf[start..start + sz], v);
        self.start = to_u32(start);
        self.count += 1;
    }

    #[inline]
    fn drop_front(&mut self) {
        let (len, h) = read_fwd(&self.buf, self.start as usize);
        self.start += to_u32(len + 2 * h);
        self.count -= 1;
        self.maybe_shrink();
    }

    #[inline]
    fn drop_back(&mut self) {
        let (len, h) = read_back(&self.buf, self.end as usize);
        self.end -= to_u32(len + 2 * h);
        self.count -= 1;
        self.maybe_shrink();
    }

    /// Removes the first `n` entries (`n <= count`).
    fn drop_front_n(&mut self, n: usize) {
        let off = self.view().offset_of(n);
        self.start += to_u32(off);
        self.count -= to_u32(n);
        self.maybe_shrink();
    }

    /// Removes the last `n` entries (`n <= count`).
    fn drop_back_n(&mut self, n: usize) {
        let off = self.view().offset_of(self.count as usize - n);
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

    /// Replaces the entry of encoded size `old_sz` at data offset `off`
    /// with `v`.
    fn replace_at(&mut self, off: usize, old_sz: usize, v: &[u8], cap_hint: usize) {
        if entry_size(v.len()) == old_sz {
            let s = self.start as usize + off;
            encode_entry(&mut self.buf[s..s + old_sz], v);
        } else {
            self.remove_at(off, old_sz);
            self.insert_at(off, v, cap_hint);
        }
    }

    /// Splits off the entries from `k` on into a new node.
    fn split_off(&mut self, k: usize) -> Node {
        let off = self.view().offset_of(k);
        let node = Node::from_data(&self.view().data[off..], self.count - to_u32(k));
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
        self.buf[e..e + n].copy_from_slice(other.view().data);
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

    #[cfg(test)]
    fn check(&self, lim: Limits) {
        assert!(HEAD <= self.start as usize && self.start <= self.end && self.end as usize <= self.buf.len());
        let entries: Vec<_> = self.view().entries().collect();
        assert_eq!(entries.len(), self.count as usize);
        let mut back: Vec<_> = self.view().entries().rev().collect();
        back.reverse();
        assert_eq!(entries, back);
        if self.count > 1 {
            assert!(self.used() <= lim.max_bytes, "node of {} bytes over {}", self.used(), lim.max_bytes);
            assert!(self.count as usize <= lim.max_count);
        }
    }
}

/// Runs `f` on the node of the `listpack` list whose buffer is `p`.
#[inline]
fn pack_op<R>(p: &mut Box<[u8]>, f: impl FnOnce(&mut Node, Limits) -> R) -> R {
    let (mut node, fill) = Node::from_pack(std::mem::take(p));
    let r = f(&mut node, limits(fill));
    *p = node.into_pack(fill);
    r
}

/// Double-ended iterator over the elements of one node.
#[derive(Clone)]
struct Entries<'a> {
    data: &'a [u8],
    front: usize,
    back: usize,
}

impl<'a> Entries<'a> {
    fn empty() -> Entries<'a> {
        Entries { data: &[], front: 0, back: 0 }
    }
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

/// The node deque of every `listpack` (none).
static NO_NODES: VecDeque<Node> = VecDeque::new();

/// Double-ended iterator over a list's elements: the entries of `front`,
/// then of each of `nodes`, then of `back`.
struct Iter<'a> {
    front: Entries<'a>,
    nodes: vec_deque::Iter<'a, Node>,
    back: Entries<'a>,
}

impl<'a> Iter<'a> {
    /// The entries of one node only.
    fn one(entries: Entries<'a>) -> Iter<'a> {
        Iter { front: entries, nodes: NO_NODES.iter(), back: Entries::empty() }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if let Some(e) = self.front.next() {
                return Some(e);
            }
            match self.nodes.next() {
                Some(n) => self.front = n.view().entries(),
                None => return self.back.next(),
            }
        }
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    #[inline]
    fn next_back(&mut self) -> Option<&'a [u8]> {
        loop {
            if let Some(e) = self.back.next_back() {
                return Some(e);
            }
            match self.nodes.next_back() {
                Some(n) => self.back = n.view().entries(),
                None => return self.front.next_back(),
            }
        }
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
    repr: Repr,
}

/// The two shapes (see the module docs).
#[derive(Clone)]
enum Repr {
    /// `listpack`: one node buffer with the bookkeeping in its head.
    Pack(Box<[u8]>),
    /// `quicklist`.
    Quick(Box<Quick>),
}

/// The `quicklist` shape: nodes, element count and fill.
#[derive(Clone)]
struct Quick {
    nodes: VecDeque<Node>,
    len: usize,
    fill: i32,
}

impl Default for List {
    fn default() -> Self {
        List::new(-2)
    }
}

impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for List {}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for e in self.iter().take(32) {
            l.entry(&e.escape_ascii().to_string());
        }
        if self.len() > 32 {
            l.entry(&format_args!("... ({} elements)", self.len()));
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
        List { repr: Repr::Pack(Node::from_data(&[], 0).into_pack(fill)) }
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
    #[inline]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => head_u32(p, 8) as usize,
            Repr::Quick(q) => q.len,
        }
    }

    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name: `listpack` or `quicklist`.
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Quick(_) => "quicklist",
        }
    }

    /// The `list-max-listpack-size` this list was created with.
    pub fn fill(&self) -> i64 {
        i64::from(match &self.repr {
            Repr::Pack(p) => head_u32(p, 12) as i32,
            Repr::Quick(q) => q.fill,
        })
    }

    /// Number of nodes (DEBUG OBJECT `ql_nodes`).
    pub fn node_count(&self) -> usize {
        match &self.repr {
            Repr::Pack(_) => usize::from(!self.is_empty()),
            Repr::Quick(q) => q.nodes.len(),
        }
    }

    /// Heap bytes owned by the list: a `listpack`'s one buffer; a
    /// `quicklist`'s box, node deque and node buffers.
    pub fn heap_size(&self) -> usize {
        self.heap_size_sampled(0)
    }

    /// [`heap_size`](Self::heap_size) with a `quicklist`'s node buffers
    /// measured over the first `samples` nodes (0: all) and scaled.
    pub fn heap_size_sampled(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Quick(q) => {
                let take = if samples == 0 { usize::MAX } else { samples };
                std::mem::size_of::<Quick>()
                    + q.nodes.capacity() * std::mem::size_of::<Node>()
                    + crate::types::dict::scale(q.nodes.iter().take(take).map(|n| n.buf.len()), q.nodes.len())
            }
        }
    }

    /// Encoded bytes of the elements (no spare room): what a dump of the list
    /// roughly needs; also an upper bound of the payload bytes of any range.
    pub fn packed_bytes(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => View::of_pack(p).data.len(),
            Repr::Quick(q) => q.nodes.iter().map(Node::used).sum(),
        }
    }

    /// The `quicklist` shape, converting a `listpack` (about to outgrow
    /// its limits) into a `quicklist` of its node.
    fn quick(&mut self) -> &mut Quick {
        if let Repr::Pack(p) = &mut self.repr {
            let (node, fill) = Node::from_pack(std::mem::take(p));
            let len = node.count as usize;
            let mut nodes = VecDeque::new();
            if len > 0 {
                nodes.push_back(node);
            }
            self.repr = Repr::Quick(Box::new(Quick { nodes, len, fill }));
        }
        match &mut self.repr {
            Repr::Quick(q) => q,
            Repr::Pack(_) => unreachable!("converted above"),
        }
    }

    /// Called after a `quicklist` shrank: down to one node at most half
    /// full, it becomes a `listpack` again.
    fn shrank(&mut self) {
        if let Repr::Quick(q) = &mut self.repr {
            if q.nodes.len() == 1 {
                let lim = q.limits();
                let ok = if q.fill >= 0 {
                    q.len <= lim.max_count / 2
                } else {
                    q.nodes[0].used() + LISTPACK_OVERHEAD <= lim.max_bytes / 2
                };
                if ok {
                    let fill = q.fill;
                    let node = q.nodes.pop_front().expect("one node");
                    self.repr = Repr::Pack(node.into_pack(fill));
                }
            }
        }
    }

    /// Adds `v` at the head.
    pub fn push_front(&mut self, v: &[u8]) {
        self.push(v, true);
    }

    /// Adds `v` at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        self.push(v, false);
    }

    #[inline(always)]
    fn push(&mut self, v: &[u8], front: bool) {
        if let Repr::Quick(q) = &mut self.repr {
            if front {
                q.push_front(v);
            } else {
                q.push_back(v);
            }
            return;
        }
        if let Repr::Pack(p) = &mut self.repr {
            let (mut node, fill) = Node::from_pack(std::mem::take(p));
            let lim = limits(fill);
            let fits = within_listpack(lim, node.used() + entry_size(v.len()), node.count as usize + 1);
            if fits {
                if front {
                    node.push_front(v, lim.max_bytes);
                } else {
                    node.push_back(v, lim.max_bytes);
                }
            }
            *p = node.into_pack(fill);
            if fits {
                return;
            }
        }
        let q = self.quick();
        if front {
            q.push_front(v);
        } else {
            q.push_back(v);
        }
    }

    /// The first element.
    pub fn front(&self) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(p) => {
                let v = View::of_pack(p);
                (v.count > 0).then(|| v.front())
            }
            Repr::Quick(q) => q.nodes.front().map(|n| n.view().front()),
        }
    }

    /// The last element.
    pub fn back(&self) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(p) => {
                let v = View::of_pack(p);
                (v.count > 0).then(|| v.back())
            }
            Repr::Quick(q) => q.nodes.back().map(|n| n.view().back()),
        }
    }

    /// Removes the first element, passing it to `f` before it is dropped
    /// (so it can be written out without a copy).
    pub fn pop_front_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let v = View::of_pack(p);
                if v.count == 0 {
                    return None;
                }
                let r = f(v.front());
                pack_op(p, |n, _| n.drop_front());
                Some(r)
            }
            Repr::Quick(q) => {
                let r = q.pop_with(f, true);
                self.shrank();
                r
            }
        }
    }

    /// Removes the last element, passing it to `f` before it is dropped.
    pub fn pop_back_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let v = View::of_pack(p);
                if v.count == 0 {
                    return None;
                }
                let r = f(v.back());
                pack_op(p, |n, _| n.drop_back());
                Some(r)
            }
            Repr::Quick(q) => {
                let r = q.pop_with(f, false);
                self.shrank();
                r
            }
        }
    }

    /// Removes and returns the first element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.pop_front_with(<[u8]>::to_vec)
    }

    /// Removes and returns the last element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.pop_back_with(<[u8]>::to_vec)
    }

    /// Element `index` (0-based from the head).
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len() {
            return None;
        }
        match &self.repr {
            Repr::Pack(p) => {
                let v = View::of_pack(p);
                Some(v.entry_at(v.offset_of(index)).0)
            }
            Repr::Quick(q) => {
                let (ni, k) = q.locate(index);
                let v = q.nodes[ni].view();
                Some(v.entry_at(v.offset_of(k)).0)
            }
        }
    }

    /// Converts a Redis index (negative counts from the tail) into a
    /// position, if it is in range.
    pub fn index(&self, i: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if i < 0 { len.checked_add(i)? } else { i };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// Replaces element `index`; false if out of range.
    pub fn set(&mut self, index: usize, v: &[u8]) -> bool {
        if index >= self.len() {
            return false;
        }
        if let Repr::Pack(p) = &mut self.repr {
            let (mut node, fill) = Node::from_pack(std::mem::take(p));
            let lim = limits(fill);
            let off = node.view().offset_of(index);
            let old_sz = node.view().entry_at(off).1;
            let fits = within_listpack(lim, node.used() - old_sz + entry_size(v.len()), node.count as usize);
            if fits {
                node.replace_at(off, old_sz, v, lim.max_bytes);
            }
            *p = node.into_pack(fill);
            if fits {
                return true;
            }
        }
        self.quick().set(index, v);
        self.shrank();
        true
    }

    /// Inserts `v` so that it becomes element `index` (`index <= len`).
    ///
    /// # Panics
    /// If `index > len`.
    pub fn insert(&mut self, index: usize, v: &[u8]) {
        let len = self.len();
        assert!(index <= len, "insert index {index} past the end ({len})");
        if let Repr::Pack(p) = &mut self.repr {
            let (mut node, fill) = Node::from_pack(std::mem::take(p));
            let lim = limits(fill);
            let fits = within_listpack(lim, node.used() + entry_size(v.len()), len + 1);
            if fits {
                let off = node.view().offset_of(index);
                node.insert_at(off, v, lim.max_bytes);
            }
            *p = node.into_pack(fill);
            if fits {
                return;
            }
        }
        self.quick().insert(index, v);
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
        match &mut self.repr {
            Repr::Pack(p) => pack_op(p, |n, _| n.remove_matches(v, &mut skip, &mut budget)),
            Repr::Quick(q) => {
                let removed = q.remove_matches(v, skip, budget);
                if removed > 0 {
                    self.shrank();
                }
                removed
            }
        }
    }

    /// Removes the first `n` elements (all of them if `n >= len`).
    pub fn remove_front(&mut self, n: usize) {
        match &mut self.repr {
            Repr::Pack(p) => pack_op(p, |node, _| node.drop_front_n(n.min(node.count as usize))),
            Repr::Quick(q) => {
                q.remove_front(n);
                self.shrank();
            }
        }
    }

    /// Removes the last `n` elements (all of them if `n >= len`).
    pub fn remove_back(&mut self, n: usize) {
        match &mut self.repr {
            Repr::Pack(p) => pack_op(p, |node, _| node.drop_back_n(n.min(node.count as usize))),
            Repr::Quick(q) => {
                q.remove_back(n);
                self.shrank();
            }
        }
    }

    /// Every element, head to tail (double-ended).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        match &self.repr {
            Repr::Pack(p) => Iter::one(View::of_pack(p).entries()),
            Repr::Quick(q) => Iter { front: Entries::empty(), nodes: q.nodes.iter(), back: Entries::empty() },
        }
    }

    /// `count` elements starting at position `start` (fewer if the list
    /// ends first), head to tail. Locates `start` once, then reads the nodes
    /// sequentially.
    pub fn range(&self, start: usize, count: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let it = if start >= self.len() {
            Iter::one(Entries::empty())
        } else {
            match &self.repr {
                Repr::Pack(p) => Iter::one(View::of_pack(p).entries_from(start)),
                Repr::Quick(q) => {
                    let (ni, k) = q.locate(start);
                    Iter {
                        front: q.nodes[ni].view().entries_from(k),
                        nodes: q.nodes.range(ni + 1..),
                        back: Entries::empty(),
                    }
                }
            }
        };
        it.take(count)
    }

    /// An upper bound of the payload bytes of `range(start, count)`, cheap
    /// to compute (for reserving output space once).
    pub fn range_bytes_hint(&self, start: usize, count: usize) -> usize {
        if start >= self.len() || count == 0 {
            return 0;
        }
        match &self.repr {
            Repr::Pack(p) => View::of_pack(p).data.len(),
            Repr::Quick(q) => {
                // Sum the nodes that overlap the range.
                let (ni, k) = q.locate(start);
                let mut left = count + k;
                let mut bytes = 0;
                for n in q.nodes.range(ni..) {
                    bytes += n.used();
                    if left <= n.count as usize {
                        break;
                    }
                    left -= n.count as usize;
                }
                bytes
            }
        }
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        match &self.repr {
            Repr::Pack(p) => {
                let (node, fill) = Node::from_pack(p.clone());
                node.check(limits(fill));
            }
            Repr::Quick(q) => {
                let lim = q.limits();
                let mut total = 0;
                for n in &q.nodes {
                    assert!(n.count > 0, "empty node");
                    n.check(lim);
                    total += n.count as usize;
                }
                assert_eq!(total, q.len);
            }
        }
    }
}

impl Quick {
    fn limits(&self) -> Limits {
        limits(self.fill)
    }

    fn push_front(&mut self, v: &[u8]) {
        let lim = self.limits();
        let sz = entry_size(v.len());
        match self.nodes.front_mut() {
            Some(n) if n.fits(sz, lim) => n.push_front(v, lim.max_bytes),
            _ => self.nodes.push_front(Node::with_entry(v)),
        }
        self.len += 1;
    }

    fn push_back(&mut self, v: &[u8]) {
        let lim = self.limits();
        let sz = entry_size(v.len());
        match self.nodes.back_mut() {
            Some(n) if n.fits(sz, lim) => n.push_back(v, lim.max_bytes),
            _ => self.nodes.push_back(Node::with_entry(v)),
        }
        self.len += 1;
    }

    /// Removes the first (`front`) or last element, passing it to `f`
    /// before it is dropped.
    fn pop_with<R>(&mut self, f: impl FnOnce(&[u8]) -> R, front: bool) -> Option<R> {
        let node = if front { self.nodes.front_mut()? } else { self.nodes.back_mut()? };
        let v = node.view();
        let r = f(if front { v.front() } else { v.back() });
        if node.count == 1 {
            if front {
                self.nodes.pop_front();
            } else {
                self.nodes.pop_back();
            }
        } else if front {
            node.drop_front();
        } else {
            node.drop_back();
        }
        self.len -= 1;
        Some(r)
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

    /// Replaces element `index < len`.
    fn set(&mut self, index: usize, v: &[u8]) {
        let lim = self.limits();
        let (ni, k) = self.locate(index);
        let node = &mut self.nodes[ni];
        let off = node.view().offset_of(k);
        let old_sz = node.view().entry_at(off).1;
        let new_sz = entry_size(v.len());
        if new_sz == old_sz || (new_sz <= lim.max_bytes && node.used() - old_sz + new_sz <= lim.max_bytes) {
            node.replace_at(off, old_sz, v, lim.max_bytes);
        } else if node.count == 1 {
            // Too big for this node: take the old element out, insert anew.
            self.nodes[ni] = Node::with_entry(v);
            self.merge_around(ni);
        } else {
            node.remove_at(off, old_sz);
            self.len -= 1;
            self.insert(index, v);
        }
    }

    /// Inserts `v` so that it becomes element `index <= len`.
    fn insert(&mut self, index: usize, v: &[u8]) {
        if index == 0 {
            return self.push_front(v);
        }
        if index == self.len {
            return self.push_back(v);
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
            let off = node.view().offset_of(k);
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

    /// Removes matching elements, keeping the first `skip` matches and
    /// removing at most `budget`; returns how many were removed.
    fn remove_matches(&mut self, v: &[u8], mut skip: usize, mut budget: usize) -> usize {
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
        }
        removed
    }

    /// Removes the first `n` elements (all of them if `n >= len`).
    fn remove_front(&mut self, mut n: usize) {
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
    }

    /// Removes the last `n` elements (all of them if `n >= len`).
    fn remove_back(&mut self, mut n: usize) {
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
        assert_eq!(l.heap_size(), 24, "an empty list is one minimal buffer");
        for _ in 0..4 {
            l.push_back(b"x");
        }
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!((l.fill(), l.node_count()), (4, 1));
        l.push_back(b"x");
        assert_eq!(l.encoding_name(), "quicklist");
        assert_eq!((l.fill(), l.node_count()), (4, 2));
        l.pop_back();
        l.pop_back();
        assert_eq!(l.encoding_name(), "quicklist"); // 3 > 4 / 2
        l.pop_back();
        assert_eq!(l.encoding_name(), "listpack");
        assert_eq!(l.fill(), 4);
        assert!(l.iter().eq([&b"x"[..], b"x"]));

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
        // The encoding by Redis 7.2's rules: a listpack becomes a quicklist
        // when an addition takes it past the limits; a quicklist becomes a
        // listpack when a removal leaves one node at most half full.
        let mut compact = true;
        let lim = limits(l.fill() as i32);
        for op in ops {
            let before = m.len();
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
            let (grew, shrank) = match op {
                Op::PushFront(_) | Op::PushBack(_) | Op::Insert(..) => (true, false),
                Op::Set(i, _) => (*i < before, *i < before),
                Op::PopFront | Op::PopBack => (false, before > 0),
                Op::RemoveFront(_) | Op::RemoveBack(_) => (false, true),
                Op::Remove(..) => (false, m.len() < before),
                Op::Get(_) | Op::Range(..) => (false, false),
            };
            if grew && compact && !within_listpack(lim, l.packed_bytes(), l.len()) {
                compact = false;
            }
            if shrank && !compact && l.node_count() == 1 {
                compact = if fill >= 0 {
                    l.len() <= lim.max_count / 2
                } else {
                    l.packed_bytes() + LISTPACK_OVERHEAD <= lim.max_bytes / 2
                };
            }
            assert_eq!(l.encoding_name(), if compact { "listpack" } else { "quicklist" }, "after {op:?}");
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
