//! The sorted set type, [`ZSet`]: members (byte strings) with `f64` scores,
//! ordered by (score, member bytes).
//!
//! # Encodings
//!
//! * `listpack` (small sets): one packed byte buffer of entries in order,
//!   each `[score: f64, little-endian, 8 bytes][member length: LEB128]
//!   [member bytes]`. Every operation is a linear walk, which is what Redis's
//!   listpack does too and is fast at these sizes. A zero score is stored as
//!   `+0` (Redis's listpack stores scores as text and loses the sign of
//!   zero; the `skiplist` encoding keeps it).
//! * `skiplist` (large sets): an order-statistic B+tree keyed by (score,
//!   member), whose inner nodes keep the element count of every child, so
//!   insert, delete, rank, select-by-rank and range starts are O(log n);
//!   plus a [`Dict`] from member to score for O(1) ZSCORE and for ZSCAN's
//!   guarantee. (The name is Redis's, which OBJECT ENCODING reports.)
//!
//! A set starts as `listpack` and becomes `skiplist` when adding a member
//! would exceed `zset-max-listpack-entries` or the member is longer than
//! `zset-max-listpack-value` bytes ([`EncodingConfig`]). As in Redis, it never
//! converts back.
//!
//! Scores are never NaN (callers reject it); `-0` and `+0` compare equal.

use std::cmp::Ordering;
use std::fmt;

use super::dict::Dict;
use super::EncodingConfig;

/// Compares (score, member) keys: by score, then by member bytes.
#[inline]
fn key_cmp(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    match s1.partial_cmp(&s2) {
        Some(Ordering::Equal) | None => m1.cmp(m2),
        Some(o) => o,
    }
}

/// One end of a score range (`5`, `(5`, `-inf`, ...).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreBound {
    /// The score.
    pub value: f64,
    /// Whether the bound itself is excluded (`(5`).
    pub exclusive: bool,
}

/// One end of a lexicographic range (`-`, `+`, `[a`, `(a`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[x`: `x` included.
    Incl(&'a [u8]),
    /// `(x`: `x` excluded.
    Excl(&'a [u8]),
}

impl LexBound<'_> {
    /// Whether `m` is at or above this bound used as a range minimum.
    fn admits_from_below(&self, m: &[u8]) -> bool {
        match *self {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Incl(x) => m >= x,
            LexBound::Excl(x) => m > x,
        }
    }
    /// Whether `m` is at or below this bound used as a range maximum.
    fn admits_from_above(&self, m: &[u8]) -> bool {
        match *self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Incl(x) => m <= x,
            LexBound::Excl(x) => m < x,
        }
    }
}

// ---------------------------------------------------------------------------
// listpack: packed entries in one buffer
// ---------------------------------------------------------------------------

/// The compact encoding: entries in (score, member) order in one buffer.
#[derive(Clone, Default)]
struct Pack {
    buf: Vec<u8>,
    len: usize,
}

fn put_varint(buf: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn varint_len(mut v: usize) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

impl Pack {
    /// The entry at byte offset `off`: (score, member, offset of the next).
    #[inline]
    fn entry(&self, off: usize) -> (f64, &[u8], usize) {
        let b = &self.buf;
        let score = f64::from_le_bytes(b[off..off + 8].try_into().expect("8 bytes"));
        let mut at = off + 8;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let byte = b[at];
            at += 1;
            len |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        (score, &b[at..at + len], at + len)
    }

    fn iter(&self) -> PackIter<'_> {
        PackIter { pack: self, off: 0 }
    }

    /// (offset, index, score) of `member`.
    fn find(&self, member: &[u8]) -> Option<(usize, usize, f64)> {
        let mut off = 0;
        let mut idx = 0;
        while off < self.buf.len() {
            let (s, m, next) = self.entry(off);
            if m == member {
                return Some((off, idx, s));
            }
            off = next;
            idx += 1;
        }
        None
    }

    /// Byte offset of the entry of rank `rank` (`buf.len()` past the end).
    fn offset_of(&self, rank: usize) -> usize {
        let mut off = 0;
        for _ in 0..rank.min(self.len) {
            off = self.entry(off).2;
        }
        off
    }

    /// Inserts a member known to be absent at its place in the order.
    fn insert(&mut self, score: f64, member: &[u8]) {
        // The listpack stores scores as text: the sign of zero is lost.
        let score = if score == 0.0 { 0.0 } else { score };
        let mut off = 0;
        while off < self.buf.len() {
            let (s, m, next) = self.entry(off);
            if key_cmp(s, m, score, member) == Ordering::Greater {
                break;
            }
            off = next;
        }
        let mut entry = Vec::with_capacity(8 + varint_len(member.len()) + member.len());
        entry.extend_from_slice(&score.to_le_bytes());
        put_varint(&mut entry, member.len());
        entry.extend_from_slice(member);
        // Grow exactly, as a listpack does: small sets stay small.
        self.buf.reserve_exact(entry.len());
        self.buf.splice(off..off, entry);
        self.len += 1;
    }

    /// Removes the entry at byte offset `off`.
    fn remove_at(&mut self, off: usize) {
        let next = self.entry(off).2;
        self.buf.drain(off..next);
        self.len -= 1;
        self.trim();
    }

    /// Gives back spare capacity once it is a large part of the buffer.
    fn trim(&mut self) {
        if self.buf.capacity() > self.buf.len() + self.buf.len() / 2 + 64 {
            self.buf.shrink_to_fit();
        }
    }

    /// Number of leading entries satisfying `pred`.
    fn partition_point(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        self.iter().take_while(|&(s, m)| pred(s, m)).count()
    }

    fn for_range(&self, start: usize, end: usize, rev: bool, f: &mut dyn FnMut(&[u8], f64)) {
        if start >= end {
            return;
        }
        let first = self.offset_of(start);
        let it = PackIter { pack: self, off: first }.take(end - start);
        if rev {
            let items: Vec<(f64, &[u8])> = it.collect();
            for &(s, m) in items.iter().rev() {
                f(m, s);
            }
        } else {
            for (s, m) in it {
                f(m, s);
            }
        }
    }
}

struct PackIter<'a> {
    pack: &'a Pack,
    off: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (f64, &'a [u8]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.off >= self.pack.buf.len() {
            return None;
        }
        let (s, m, next) = self.pack.entry(self.off);
        self.off = next;
        Some((s, m))
    }
}

// ---------------------------------------------------------------------------
// skiplist: order-statistic B+tree + member dict
// ---------------------------------------------------------------------------

/// Most elements in a leaf (tiny under test, to exercise every split and
/// merge path with few elements).
const LEAF_MAX: usize = if cfg!(test) { 6 } else { 64 };
/// Most children of an inner node.
const INNER_MAX: usize = if cfg!(test) { 4 } else { 64 };
/// A leaf narrower than this after a removal is merged with a neighbour.
const LEAF_MIN: usize = if LEAF_MAX / 4 > 2 { LEAF_MAX / 4 } else { 2 };
/// An inner node narrower than this after a removal is merged likewise.
const INNER_MIN: usize = if INNER_MAX / 4 > 2 { INNER_MAX / 4 } else { 2 };

/// Members up to this many bytes live inside the tree's items.
const INLINE_MEMBER: usize = 22;

/// A member's bytes in the tree: inline when short (no allocation), else
/// boxed. 24 bytes either way.
#[derive(Clone)]
enum MemberBuf {
    Inline(u8, [u8; INLINE_MEMBER]),
    Heap(Box<[u8]>),
}

impl From<&[u8]> for MemberBuf {
    fn from(m: &[u8]) -> Self {
        if m.len() <= INLINE_MEMBER {
            let mut buf = [0u8; INLINE_MEMBER];
            buf[..m.len()].copy_from_slice(m);
            MemberBuf::Inline(m.len() as u8, buf)
        } else {
            MemberBuf::Heap(m.into())
        }
    }
}

impl std::ops::Deref for MemberBuf {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            MemberBuf::Inline(n, buf) => &buf[..usize::from(*n)],
            MemberBuf::Heap(b) => b,
        }
    }
}

#[derive(Clone)]
struct Item {
    score: f64,
    member: MemberBuf,
}

/// A new leaf buffer: leaves never hold more than `LEAF_MAX + 1` items
/// (briefly, before a split), so they are allocated at that size once.
fn leaf_vec() -> Vec<Item> {
    Vec::with_capacity(LEAF_MAX + 1)
}

/// Moves the upper half of an over-full leaf into a new leaf.
fn split_leaf(items: &mut Vec<Item>) -> Vec<Item> {
    let mut right = leaf_vec();
    right.extend(items.drain(items.len() / 2..));
    items.shrink_to(LEAF_MAX + 1);
    right
}

impl Item {
    #[inline]
    fn cmp_key(&self, score: f64, member: &[u8]) -> Ordering {
        key_cmp(self.score, &self.member, score, member)
    }
}

#[derive(Clone)]
enum Node {
    Leaf(Vec<Item>),
    Inner(Box<Inner>),
}

/// An inner node: `kids[i]` holds keys in `[seps[i-1], seps[i])`; `seps` are
/// lower bounds of the next child (not necessarily present keys);
/// `counts[i]` is the number of elements under `kids[i]`.
#[derive(Clone)]
struct Inner {
    seps: Vec<Item>,
    kids: Vec<Node>,
    counts: Vec<usize>,
}

impl Inner {
    /// Index of the child whose key range holds (score, member).
    #[inline]
    fn child_for(&self, score: f64, member: &[u8]) -> usize {
        self.seps.partition_point(|s| s.cmp_key(score, member) != Ordering::Greater)
    }

    /// Index of the child holding rank `rank`, and the rank within it.
    #[inline]
    fn child_at(&self, mut rank: usize) -> (usize, usize) {
        for (i, &c) in self.counts.iter().enumerate() {
            if rank < c {
                return (i, rank);
            }
            rank -= c;
        }
        unreachable!("rank beyond the node's count")
    }

    /// Splits this over-full node in half: returns the separator to move up
    /// and the right half.
    fn split(&mut self) -> (Item, Node) {
        let mid = self.kids.len() / 2;
        let kids = self.kids.split_off(mid);
        let counts = self.counts.split_off(mid);
        let seps = self.seps.split_off(mid);
        let up = self.seps.pop().expect("an inner node has separators");
        (up, Node::Inner(Box::new(Inner { seps, kids, counts })))
    }

    /// Inserts `right` (with separator `sep`) after child `i`, fixing the counts.
    fn insert_after(&mut self, i: usize, sep: Item, right: Node) {
        let rc = right.count();
        self.counts[i] -= rc;
        self.seps.insert(i, sep);
        self.kids.insert(i + 1, right);
        self.counts.insert(i + 1, rc);
    }

    /// Child `i` became too narrow: merge it with a neighbour (and split the
    /// result again if it is too wide).
    fn fix(&mut self, i: usize) {
        if self.kids.len() < 2 {
            return;
        }
        let j = if i + 1 < self.kids.len() { i } else { i - 1 };
        let right = self.kids.remove(j + 1);
        let rc = self.counts.remove(j + 1);
        let sep = self.seps.remove(j);
        self.counts[j] += rc;
        let resplit = match (&mut self.kids[j], right) {
            (Node::Leaf(l), Node::Leaf(r)) => {
                l.extend(r);
                if l.len() > LEAF_MAX {
                    let r2 = split_leaf(l);
                    Some((r2[0].clone(), Node::Leaf(r2)))
                } else {
                    None
                }
            }
            (Node::Inner(l), Node::Inner(r)) => {
                let r = *r;
                l.seps.push(sep);
                l.seps.extend(r.seps);
                l.kids.extend(r.kids);
                l.counts.extend(r.counts);
                if l.kids.len() > INNER_MAX {
                    Some(l.split())
                } else {
                    None
                }
            }
            _ => unreachable!("siblings are at the same depth"),
        };
        if let Some((sep, r)) = resplit {
            self.insert_after(j, sep, r);
        }
    }
}

impl Node {
    fn count(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Inner(n) => n.counts.iter().sum(),
        }
    }

    fn is_narrow(&self) -> bool {
        match self {
            Node::Leaf(v) => v.len() < LEAF_MIN,
            Node::Inner(n) => n.kids.len() < INNER_MIN,
        }
    }

    /// Inserts an item known to be absent; returns a split-off right sibling.
    fn insert(&mut self, item: Item) -> Option<(Item, Node)> {
        match self {
            Node::Leaf(items) => {
                let pos = items.partition_point(|it| it.cmp_key(item.score, &item.member) == Ordering::Less);
                items.insert(pos, item);
                if items.len() > LEAF_MAX {
                    let right = split_leaf(items);
                    Some((right[0].clone(), Node::Leaf(right)))
                } else {
                    None
                }
            }
            Node::Inner(inn) => {
                let i = inn.child_for(item.score, &item.member);
                inn.counts[i] += 1;
                let (sep, right) = inn.kids[i].insert(item)?;
                inn.insert_after(i, sep, right);
                if inn.kids.len() > INNER_MAX {
                    Some(inn.split())
                } else {
                    None
                }
            }
        }
    }

    fn remove(&mut self, score: f64, member: &[u8]) -> Option<Item> {
        match self {
            Node::Leaf(items) => {
                let pos = items.binary_search_by(|it| it.cmp_key(score, member)).ok()?;
                Some(items.remove(pos))
            }
            Node::Inner(inn) => {
                let i = inn.child_for(score, member);
                let item = inn.kids[i].remove(score, member)?;
                inn.counts[i] -= 1;
                if inn.kids[i].is_narrow() {
                    inn.fix(i);
                }
                Some(item)
            }
        }
    }

    fn remove_at(&mut self, rank: usize) -> Item {
        match self {
            Node::Leaf(items) => items.remove(rank),
            Node::Inner(inn) => {
                let (i, r) = inn.child_at(rank);
                let item = inn.kids[i].remove_at(r);
                inn.counts[i] -= 1;
                if inn.kids[i].is_narrow() {
                    inn.fix(i);
                }
                item
            }
        }
    }

    fn get(&self, rank: usize) -> &Item {
        match self {
            Node::Leaf(items) => &items[rank],
            Node::Inner(inn) => {
                let (i, r) = inn.child_at(rank);
                inn.kids[i].get(r)
            }
        }
    }

    /// Number of leading elements satisfying `pred` (monotone: true, then false).
    fn partition_point(&self, pred: &mut dyn FnMut(f64, &[u8]) -> bool) -> usize {
        match self {
            Node::Leaf(items) => items.partition_point(|it| pred(it.score, &it.member)),
            Node::Inner(inn) => {
                // Every child before the first separator failing `pred` is
                // entirely below it (a separator bounds its right child from
                // below), every child after it entirely fails.
                let j = inn.seps.partition_point(|s| pred(s.score, &s.member));
                inn.counts[..j].iter().sum::<usize>() + inn.kids[j].partition_point(pred)
            }
        }
    }

    /// Calls `f` for ranks `start..end` of this subtree, in order or reversed.
    fn for_range(&self, start: usize, end: usize, rev: bool, f: &mut dyn FnMut(&[u8], f64)) {
        match self {
            Node::Leaf(items) => {
                let slice = &items[start..end];
                if rev {
                    slice.iter().rev().for_each(|it| f(&it.member, it.score));
                } else {
                    slice.iter().for_each(|it| f(&it.member, it.score));
                }
            }
            Node::Inner(inn) => {
                let mut spans = Vec::new();
                let mut off = 0;
                for (i, &c) in inn.counts.iter().enumerate() {
                    let (lo, hi) = (off, off + c);
                    off = hi;
                    if hi <= start {
                        continue;
                    }
                    if lo >= end {
                        break;
                    }
                    spans.push((i, start.max(lo) - lo, end.min(hi) - lo));
                }
                if rev {
                    spans.reverse();
                }
                for (i, s, e) in spans {
                    inn.kids[i].for_range(s, e, rev, f);
                }
            }
        }
    }

    #[cfg(test)]
    fn check(&self, lo: Option<&Item>, hi: Option<&Item>, is_root: bool) -> (usize, usize) {
        match self {
            Node::Leaf(items) => {
                assert!(items.len() <= LEAF_MAX);
                assert!(is_root || !items.is_empty());
                for w in items.windows(2) {
                    assert_eq!(w[0].cmp_key(w[1].score, &w[1].member), Ordering::Less);
                }
                for it in items {
                    if let Some(lo) = lo {
                        assert_ne!(it.cmp_key(lo.score, &lo.member), Ordering::Less);
                    }
                    if let Some(hi) = hi {
                        assert_eq!(it.cmp_key(hi.score, &hi.member), Ordering::Less);
                    }
                }
                (items.len(), 1)
            }
            Node::Inner(inn) => {
                assert!(inn.kids.len() <= INNER_MAX);
                assert!(inn.kids.len() >= 2 || !is_root);
                assert_eq!(inn.seps.len() + 1, inn.kids.len());
                assert_eq!(inn.counts.len(), inn.kids.len());
                let mut depth = None;
                let mut total = 0;
                for (i, kid) in inn.kids.iter().enumerate() {
                    let klo = if i == 0 { lo } else { Some(&inn.seps[i - 1]) };
                    let khi = if i + 1 == inn.kids.len() { hi } else { Some(&inn.seps[i]) };
                    let (n, d) = kid.check(klo, khi, false);
                    assert_eq!(n, inn.counts[i]);
                    assert!(depth.is_none_or(|x| x == d), "uneven depth");
                    depth = Some(d);
                    total += n;
                }
                (total, depth.unwrap_or(0) + 1)
            }
        }
    }
}

/// The order-statistic tree.
#[derive(Clone)]
struct Tree {
    root: Node,
    len: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree { root: Node::Leaf(leaf_vec()), len: 0 }
    }
}

impl Tree {
    fn insert(&mut self, score: f64, member: &[u8]) {
        self.len += 1;
        if let Some((sep, right)) = self.root.insert(Item { score, member: member.into() }) {
            let left = std::mem::replace(&mut self.root, Node::Leaf(Vec::new()));
            let counts = vec![left.count(), right.count()];
            self.root = Node::Inner(Box::new(Inner { seps: vec![sep], kids: vec![left, right], counts }));
        }
    }

    fn shrink_root(&mut self) {
        while let Node::Inner(inn) = &mut self.root {
            if inn.kids.len() != 1 {
                break;
            }
            let only = inn.kids.pop().expect("one child");
            self.root = only;
        }
    }

    fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let found = self.root.remove(score, member).is_some();
        if found {
            self.len -= 1;
            self.shrink_root();
        }
        found
    }

    fn remove_at(&mut self, rank: usize) -> Item {
        let item = self.root.remove_at(rank);
        self.len -= 1;
        self.shrink_root();
        item
    }
}

/// The large encoding.
#[derive(Clone, Default)]
struct Big {
    tree: Tree,
    dict: Dict<f64>,
}

// ---------------------------------------------------------------------------
// ZSet
// ---------------------------------------------------------------------------

#[derive(Clone)]
enum Repr {
    Pack(Pack),
    Big(Box<Big>),
}

/// A sorted set value (see the module docs for its two encodings).
#[derive(Clone)]
pub struct ZSet {
    repr: Repr,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl ZSet {
    /// An empty set in the `listpack` encoding.
    pub fn new() -> Self {
        ZSet { repr: Repr::Pack(Pack::default()) }
    }

    /// An empty set in the `skiplist` encoding (Redis creates a result
    /// this way when it is known to be too large for a listpack).
    pub fn new_skiplist() -> Self {
        ZSet { repr: Repr::Big(Box::default()) }
    }

    /// Number of elements (ZCARD).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len,
            Repr::Big(b) => b.tree.len,
        }
    }

    /// No elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name: `"listpack"` or `"skiplist"`.
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Big(_) => "skiplist",
        }
    }

    /// Whether the set uses the compact `listpack` encoding.
    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    /// Heap bytes used (approximate, for MEMORY USAGE-style accounting).
    pub fn heap_size(&self) -> usize {
        self.heap_size_sampled(0)
    }

    /// [`heap_size`](Self::heap_size) with a `skiplist`'s members measured
    /// over the `samples` lowest-ranked (0: all) and scaled.
    pub fn heap_size_sampled(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.buf.capacity(),
            Repr::Big(b) => {
                let len = b.tree.len;
                let take = if samples == 0 { len } else { samples.min(len) };
                let mut sizes = Vec::with_capacity(take);
                b.tree.root.for_range(0, take, false, &mut |m, _| {
                    let own = if m.len() > INLINE_MEMBER { m.len() } else { 0 };
                    sizes.push(std::mem::size_of::<Item>() + own);
                });
                b.dict.heap_bytes_sampled(samples, |_| 0) + crate::types::dict::scale(sizes.into_iter(), len)
            }
        }
    }

    /// The score of `member` (ZSCORE).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Pack(p) => p.find(member).map(|(_, _, s)| s),
            Repr::Big(b) => b.dict.get(member).copied(),
        }
    }

    /// Converts to the `skiplist` encoding (no-op if already there).
    fn convert(&mut self) {
        if let Repr::Pack(p) = &self.repr {
            let mut big = Big { tree: Tree::default(), dict: Dict::with_capacity(p.len + 1) };
            for (s, m) in p.iter() {
                big.tree.insert(s, m);
                big.dict.insert(m, s);
            }
            self.repr = Repr::Big(Box::new(big));
        }
    }

    /// Sets `member`'s score, adding it if absent; returns the previous
    /// score. Converts to `skiplist` first when adding would exceed `cfg`'s
    /// listpack limits. `score` must not be NaN.
    pub fn insert(&mut self, member: &[u8], score: f64, cfg: &EncodingConfig) -> Option<f64> {
        debug_assert!(!score.is_nan(), "NaN score");
        if let Repr::Pack(p) = &mut self.repr {
            if let Some((off, _, old)) = p.find(member) {
                if old != score {
                    p.remove_at(off);
                    p.insert(score, member);
                }
                return Some(old);
            }
            if p.len < cfg.zset_max_listpack_entries && member.len() <= cfg.zset_max_listpack_value {
                p.insert(score, member);
                return None;
            }
            self.convert();
        }
        let Repr::Big(b) = &mut self.repr else { unreachable!("converted above") };
        match b.dict.get_mut(member) {
            Some(old) => {
                let prev = *old;
                if prev != score {
                    *old = score;
                    b.tree.remove(prev, member);
                    b.tree.insert(score, member);
                }
                Some(prev)
            }
            None => {
                b.dict.insert(member, score);
                b.tree.insert(score, member);
                None
            }
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let (off, _, s) = p.find(member)?;
                p.remove_at(off);
                Some(s)
            }
            Repr::Big(b) => {
                let s = b.dict.remove(member)?;
                b.tree.remove(s, member);
                Some(s)
            }
        }
    }

    /// The 0-based rank of `member` in ascending order, with its score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match &self.repr {
            Repr::Pack(p) => p.find(member).map(|(_, i, s)| (i, s)),
            Repr::Big(b) => {
                let s = *b.dict.get(member)?;
                let r = b.tree.root.partition_point(&mut |ts, tm| key_cmp(ts, tm, s, member) == Ordering::Less);
                Some((r, s))
            }
        }
    }

    /// The element of ascending rank `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        if rank >= self.len() {
            return None;
        }
        match &self.repr {
            Repr::Pack(p) => {
                let (s, m, _) = p.entry(p.offset_of(rank));
                Some((m, s))
            }
            Repr::Big(b) => {
                let it = b.tree.root.get(rank);
                Some((&it.member, it.score))
            }
        }
    }

    /// Calls `f(member, score)` for ascending ranks `start..end` (clamped to
    /// the set), from `start` up, or from `end - 1` down when `rev`.
    pub fn for_range(&self, start: usize, end: usize, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        let end = end.min(self.len());
        if start >= end {
            return;
        }
        match &self.repr {
            Repr::Pack(p) => p.for_range(start, end, rev, &mut f),
            Repr::Big(b) => b.tree.root.for_range(start, end, rev, &mut f),
        }
    }

    /// Calls `f(member, score)` for every element in ascending order.
    pub fn for_each(&self, f: impl FnMut(&[u8], f64)) {
        self.for_range(0, self.len(), false, f);
    }

    /// The elements in ascending order, copied.
    pub fn to_vec(&self) -> Vec<(Vec<u8>, f64)> {
        let mut v = Vec::with_capacity(self.len());
        self.for_each(|m, s| v.push((m.to_vec(), s)));
        v
    }

    /// Number of leading elements (in ascending order) for which `pred`
    /// holds; `pred` should be true for a prefix of the order and false
    /// after it.
    pub fn partition_point(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.partition_point(pred),
            Repr::Big(b) => b.tree.root.partition_point(&mut pred),
        }
    }

    /// The ranks `start..end` of the elements with scores between `min` and
    /// `max` (empty, `start >= end`, when there are none).
    pub fn score_range(&self, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
        let start = self.partition_point(|s, _| if min.exclusive { s <= min.value } else { s < min.value });
        let end = self.partition_point(|s, _| if max.exclusive { s < max.value } else { s <= max.value });
        (start, end.max(start))
    }

    /// The ranks `start..end` of the elements with members between `min` and
    /// `max`. Meaningful when all scores are equal (as in Redis): the range
    /// starts at the first element not below `min` and runs while members
    /// stay within `max`.
    pub fn lex_range(&self, min: &LexBound<'_>, max: &LexBound<'_>) -> (usize, usize) {
        let start = self.partition_point(|_, m| !min.admits_from_below(m));
        let mut end = start;
        match &self.repr {
            Repr::Pack(p) => {
                let it = PackIter { pack: p, off: p.offset_of(start) };
                end += it.take_while(|&(_, m)| max.admits_from_above(m)).count();
            }
            Repr::Big(b) => {
                // Binary search on the suffix from `start` (members ascend
                // when scores are equal).
                let above = b.tree.root.partition_point(&mut |_, m| max.admits_from_above(m));
                end = above.max(start);
            }
        }
        (start, end)
    }

    /// Removes the elements of ascending ranks `start..end` (clamped);
    /// returns how many were removed.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match &mut self.repr {
            Repr::Pack(p) => {
                let a = p.offset_of(start);
                let z = p.offset_of(end);
                p.buf.drain(a..z);
                p.len -= end - start;
                p.trim();
            }
            Repr::Big(b) => {
                for _ in start..end {
                    let it = b.tree.remove_at(start);
                    b.dict.remove(&it.member);
                }
            }
        }
        end - start
    }

    /// Removes and returns the lowest (or, with `max`, the highest) element.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let rank = if max { len - 1 } else { 0 };
        match &mut self.repr {
            Repr::Pack(p) => {
                let off = p.offset_of(rank);
                let (s, m, _) = p.entry(off);
                let out = (m.to_vec(), s);
                p.remove_at(off);
                Some(out)
            }
            Repr::Big(b) => {
                let it = b.tree.remove_at(rank);
                b.dict.remove(&it.member);
                Some((it.member.to_vec(), it.score))
            }
        }
    }

    /// One ZSCAN step: calls `f(member, score)` for some elements and returns
    /// the cursor to continue from (`0`: done). A `listpack` set is returned
    /// whole in one step; a `skiplist` set is scanned through its dict, with
    /// Redis's guarantee (an element present for the whole scan is returned).
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Pack(p) => {
                for (s, m) in p.iter() {
                    f(m, s);
                }
                0
            }
            Repr::Big(b) => b.dict.scan(cursor, count, |m, s| f(m, *s)),
        }
    }

    #[cfg(test)]
    fn check(&self) {
        match &self.repr {
            Repr::Pack(p) => {
                assert_eq!(p.iter().count(), p.len);
                let v: Vec<_> = p.iter().collect();
                for w in v.windows(2) {
                    assert_eq!(key_cmp(w[0].0, w[0].1, w[1].0, w[1].1), Ordering::Less);
                }
            }
            Repr::Big(b) => {
                let (n, _) = b.tree.root.check(None, None, true);
                assert_eq!(n, b.tree.len);
                assert_eq!(b.dict.len(), n);
                self.for_each(|m, s| assert_eq!(b.dict.get(m).map(|x| x.to_bits()), Some(s.to_bits())));
            }
        }
    }
}

impl PartialEq for ZSet {
    /// Equal elements (scores compared bit for bit) whatever the encoding.
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let a = self.to_vec();
        let b = other.to_vec();
        a.iter().zip(&b).all(|((m1, s1), (m2, s2))| m1 == m2 && s1.to_bits() == s2.to_bits())
    }
}

/// Scores are never NaN, so equality is an equivalence.
impl Eq for ZSet {}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        self.for_each(|m, s| {
            l.entry(&(m.escape_ascii().to_string(), s));
        });
        l.finish()?;
        write!(f, " ({})", self.encoding_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn cfg(entries: usize, value: usize) -> EncodingConfig {
        EncodingConfig { zset_max_listpack_entries: entries, zset_max_listpack_value: value, ..Default::default() }
    }

    /// Model: member -> score, plus the order computed on demand.
    #[derive(Default)]
    struct Model(BTreeMap<Vec<u8>, f64>);

    impl Model {
        fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
            let mut v: Vec<_> = self.0.iter().map(|(m, s)| (m.clone(), *s)).collect();
            v.sort_by(|a, b| key_cmp(a.1, &a.0, b.1, &b.0));
            v
        }
    }

    fn same(z: &ZSet, m: &Model) {
        z.check();
        let want = m.sorted();
        let got = z.to_vec();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0);
            assert!(g.1 == w.1, "{} vs {}", g.1, w.1);
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(std::mem::size_of::<ZSet>(), 32);
        assert_eq!(std::mem::size_of::<MemberBuf>(), 24);
        assert_eq!(std::mem::size_of::<Item>(), 32);
        let long = [b'x'; 40];
        assert_eq!(&*MemberBuf::from(&long[..]), &long[..]);
        assert_eq!(&*MemberBuf::from(&long[..22]), &long[..22]);
    }

    #[test]
    fn basic_listpack() {
        let c = EncodingConfig::default();
        let mut z = ZSet::new();
        assert_eq!(z.insert(b"b", 2.0, &c), None);
        assert_eq!(z.insert(b"a", 2.0, &c), None);
        assert_eq!(z.insert(b"c", 1.0, &c), None);
        assert_eq!(z.insert(b"c", 3.0, &c), Some(1.0));
        assert_eq!(z.encoding_name(), "listpack");
        assert_eq!(z.to_vec(), vec![(b"a".to_vec(), 2.0), (b"b".to_vec(), 2.0), (b"c".to_vec(), 3.0)]);
        assert_eq!(z.rank(b"b"), Some((1, 2.0)));
        assert_eq!(z.get(2), Some((&b"c"[..], 3.0)));
        assert_eq!(z.pop(true), Some((b"c".to_vec(), 3.0)));
        assert_eq!(z.remove(b"a"), Some(2.0));
        assert_eq!(z.len(), 1);
    }

    #[test]
    fn converts_on_entries_and_value_length() {
        let c = cfg(3, 5);
        let mut z = ZSet::new();
        for (i, m) in [b"a", b"b", b"c"].iter().enumerate() {
            z.insert(*m, i as f64, &c);
        }
        assert_eq!(z.encoding_name(), "listpack");
        z.insert(b"a", 10.0, &c); // update: no conversion
        assert_eq!(z.encoding_name(), "listpack");
        z.insert(b"d", 0.5, &c);
        assert_eq!(z.encoding_name(), "skiplist");
        z.check();
        // Never back, even when small again.
        z.remove_range(0, 4);
        assert!(z.is_empty());
        assert_eq!(z.encoding_name(), "skiplist");

        let mut z = ZSet::new();
        z.insert(b"12345", 1.0, &c);
        assert_eq!(z.encoding_name(), "listpack");
        z.insert(b"123456", 1.0, &c);
        assert_eq!(z.encoding_name(), "skiplist");

        let mut z = ZSet::new();
        z.insert(b"x", 1.0, &cfg(0, 64));
        assert_eq!(z.encoding_name(), "skiplist");
    }

    #[test]
    fn negative_zero() {
        let mut z = ZSet::new();
        z.insert(b"a", -0.0, &EncodingConfig::default());
        assert!(z.score(b"a").unwrap().is_sign_positive());
        let mut z = ZSet::new();
        z.insert(b"a", -0.0, &cfg(0, 0));
        assert!(z.score(b"a").unwrap().is_sign_negative());
        // -0 == 0: not an update.
        assert_eq!(z.insert(b"a", 0.0, &cfg(0, 0)), Some(-0.0));
        assert!(z.score(b"a").unwrap().is_sign_negative());
    }

    #[test]
    fn big_tree_many() {
        let c = cfg(0, 0);
        let mut z = ZSet::new();
        let mut m = Model::default();
        for i in 0..5000u32 {
            let k = format!("m{}", (i * 7919) % 5003).into_bytes();
            let s = f64::from((i * 31) % 97);
            z.insert(&k, s, &c);
            m.0.insert(k, s);
        }
        same(&z, &m);
        for i in 0..4000u32 {
            let k = format!("m{}", (i * 13) % 5003).into_bytes();
            assert_eq!(z.remove(&k), m.0.remove(&k));
        }
        same(&z, &m);
        let sorted = m.sorted();
        for (r, (mem, s)) in sorted.iter().enumerate() {
            assert_eq!(z.rank(mem), Some((r, *s)));
            assert_eq!(z.get(r).map(|(a, b)| (a.to_vec(), b)), Some((mem.clone(), *s)));
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8, i8),
        Remove(u8),
        RemoveRange(u8, u8),
        Pop(bool),
        Rank(u8),
        ScoreRange(i8, bool, i8, bool),
        LexRange(u8, u8),
        Range(u8, u8, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<u8>(), -20i8..20).prop_map(|(m, s)| Op::Insert(m, s)),
            3 => any::<u8>().prop_map(Op::Remove),
            1 => (any::<u8>(), 0u8..8).prop_map(|(a, n)| Op::RemoveRange(a, n)),
            1 => any::<bool>().prop_map(Op::Pop),
            1 => any::<u8>().prop_map(Op::Rank),
            1 => (-21i8..21, any::<bool>(), -21i8..21, any::<bool>()).prop_map(|(a, b, c, d)| Op::ScoreRange(a, b, c, d)),
            1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::LexRange(a, b)),
            1 => (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(a, b, r)| Op::Range(a, b, r)),
        ]
    }

    fn member(m: u8) -> Vec<u8> {
        // Mostly short, some long enough to trip the value limit.
        if m % 17 == 0 {
            vec![b'L'; 10 + usize::from(m % 5)]
        } else {
            format!("m{:03}", m % 200).into_bytes()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn model_equivalence(ops in proptest::collection::vec(op(), 1..600), entries in 0usize..12, value in 3usize..16) {
            let c = cfg(entries, value);
            let mut z = ZSet::new();
            let mut m = Model::default();
            for op in ops {
                match op {
                    Op::Insert(k, s) => {
                        let k = member(k);
                        let s = f64::from(s) / 2.0;
                        let was_compact = z.is_compact();
                        let new = !m.0.contains_key(&k);
                        prop_assert_eq!(z.insert(&k, s, &c), m.0.insert(k.clone(), s));
                        if was_compact && new && (z.len() > entries || k.len() > value) {
                            prop_assert!(!z.is_compact());
                        }
                        if !was_compact {
                            prop_assert!(!z.is_compact());
                        }
                    }
                    Op::Remove(k) => {
                        let k = member(k);
                        prop_assert_eq!(z.remove(&k), m.0.remove(&k));
                    }
                    Op::RemoveRange(a, n) => {
                        let sorted = m.sorted();
                        let a = usize::from(a) % (sorted.len() + 1);
                        let b = (a + usize::from(n)).min(sorted.len());
                        for (k, _) in &sorted[a..b] {
                            m.0.remove(k);
                        }
                        prop_assert_eq!(z.remove_range(a, b), b - a);
                    }
                    Op::Pop(max) => {
                        let sorted = m.sorted();
                        let want = if max { sorted.last().cloned() } else { sorted.first().cloned() };
                        if let Some((k, _)) = &want {
                            m.0.remove(k);
                        }
                        prop_assert_eq!(z.pop(max), want);
                    }
                    Op::Rank(k) => {
                        let k = member(k);
                        let sorted = m.sorted();
                        let want = sorted.iter().position(|(x, _)| *x == k).map(|r| (r, sorted[r].1));
                        prop_assert_eq!(z.rank(&k), want);
                    }
                    Op::ScoreRange(a, ax, b, bx) => {
                        let (lo, hi) = (f64::from(a) / 2.0, f64::from(b) / 2.0);
                        let sorted = m.sorted();
                        let want: Vec<_> = sorted
                            .iter()
                            .filter(|(_, s)| (if ax { *s > lo } else { *s >= lo }) && (if bx { *s < hi } else { *s <= hi }))
                            .cloned()
                            .collect();
                        let (s, e) = z.score_range(ScoreBound { value: lo, exclusive: ax }, ScoreBound { value: hi, exclusive: bx });
                        let mut got = Vec::new();
                        z.for_range(s, e, false, |m, s| got.push((m.to_vec(), s)));
                        prop_assert_eq!(got, want);
                    }
                    Op::LexRange(a, b) => {
                        // Lex ranges are defined for equal scores: check on a
                        // copy with every score set to 0.
                        let mut flat = ZSet::new();
                        for (k, _) in m.sorted() {
                            flat.insert(&k, 0.0, &c);
                        }
                        let (lo, hi) = (member(a), member(b));
                        let min = if a % 2 == 0 { LexBound::Incl(&lo) } else { LexBound::Excl(&lo) };
                        let max = match b % 5 { 0 => LexBound::Max, 1 => LexBound::Excl(&hi), _ => LexBound::Incl(&hi) };
                        let keys: Vec<Vec<u8>> = m.0.keys().cloned().collect();
                        let want: Vec<Vec<u8>> =
                            keys.into_iter().filter(|k| min.admits_from_below(k) && max.admits_from_above(k)).collect();
                        let (s, e) = flat.lex_range(&min, &max);
                        let mut got = Vec::new();
                        flat.for_range(s, e, false, |m, _| got.push(m.to_vec()));
                        prop_assert_eq!(got, want);
                    }
                    Op::Range(a, b, rev) => {
                        let sorted = m.sorted();
                        let n = sorted.len();
                        let a = usize::from(a) % (n + 1);
                        let b = usize::from(b) % (n + 1);
                        let mut want: Vec<_> = if a < b { sorted[a..b].to_vec() } else { Vec::new() };
                        if rev {
                            want.reverse();
                        }
                        let mut got = Vec::new();
                        z.for_range(a, b, rev, |m, s| got.push((m.to_vec(), s)));
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert_eq!(z.len(), m.0.len());
            }
            same(&z, &m);
            for (k, s) in &m.0 {
                prop_assert_eq!(z.score(k), Some(*s));
            }
            // ZSCAN visits everything exactly once.
            let mut seen = Vec::new();
            let mut cur = 0;
            loop {
                cur = z.scan(cur, 3, |k, _| seen.push(k.to_vec()));
                if cur == 0 { break; }
            }
            seen.sort();
            let keys: Vec<Vec<u8>> = m.0.keys().cloned().collect();
            prop_assert_eq!(seen, keys);
        }
    }
}
