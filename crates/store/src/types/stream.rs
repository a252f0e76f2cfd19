//! Streams ([`Stream`]): entries keyed by 128-bit ids ([`StreamId`]),
//! kept in order in packed nodes, plus consumer groups ([`Group`]).
//!
//! Like Redis, entries live in nodes of up to `stream-node-max-entries`
//! entries / `stream-node-max-bytes` bytes, indexed by their master id (the
//! id of the entry that opened the node) in an ordered map, so a range seek
//! is O(log n) plus a scan of at most one node, and an append writes at the
//! end of the last node. A node is one byte buffer: first the master field
//! list (the fields of its first entry), then the entries, each
//!
//! ```text
//! header : varint = ms-delta << 3 | flags (1 = deleted, 2 = same fields
//!          as the master; 4 = the ms delta did not fit: it follows as a varint)
//! seq    : varint = seq - previous seq - 1 when in the previous entry's ms,
//!          else seq
//! same fields:   value-len:varint value, ... (one per master field)
//! other fields:  count:varint (field-len:varint field value-len:varint value)*
//! ```
//!
//! The ms delta is from the previous entry's ms (from the master id's for
//! a node's first entry), so an entry added in the same millisecond as the
//! one before starts with two bytes. The flags are the low bits of the
//! header's first byte, so a deletion flips a bit in place.
//! Varints are LEB128 (7 bits per byte, least significant group first). A
//! deleted entry keeps its bytes (flagged) until its whole node is empty,
//! as in Redis; nodes split on the same entry count as Redis's (deleted
//! entries included), so approximate (`~`) trimming removes the same
//! entries.
//!
//! Consumer groups ([`Group`]: last delivered id, entries-read counter, the
//! pending entries list of [`PendingEntry`], and consumers each with the
//! ids of their own pending entries) are ordered maps in name / id order,
//! the order XINFO and XPENDING report. [`Stream::rax_nodes`] computes the
//! node count Redis's radix tree would have for the node keys (XINFO
//! `radix-tree-nodes`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A stream entry id: `<ms>-<seq>`, ordered by `ms` then `seq`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest id.
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    /// An id.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next id, or `None` after [`StreamId::MAX`].
    pub fn next(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                None
            } else {
                Some(StreamId { ms: self.ms + 1, seq: 0 })
            }
        } else {
            Some(StreamId { ms: self.ms, seq: self.seq + 1 })
        }
    }

    /// The previous id, or `None` before `0-0`.
    pub fn prev(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                None
            } else {
                Some(StreamId { ms: self.ms - 1, seq: u64::MAX })
            }
        } else {
            Some(StreamId { ms: self.ms, seq: self.seq - 1 })
        }
    }

    /// True for `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

const DELETED: u8 = 1;
const SAME_FIELDS: u8 = 2;
/// Header bit: the ms delta does not fit beside the flags and follows.
const BIG_DELTA: u64 = 4;

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Reads a varint at `*pos`. Node buffers are only written by this module,
/// so they are well formed.
fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

fn get_bytes<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let len = get_varint(buf, pos) as usize;
    let s = &buf[*pos..*pos + len];
    *pos += len;
    s
}

fn skip_bytes(buf: &[u8], pos: &mut usize) {
    let len = get_varint(buf, pos) as usize;
    *pos += len;
}

/// One node: the master field list, then the entries.
#[derive(Clone, PartialEq, Eq)]
struct Node {
    buf: Vec<u8>,
    /// Where the entries start (after the master fields).
    fields_end: u32,
    /// Entries written, deleted ones included.
    total: u32,
    /// Entries not deleted.
    live: u32,
    /// The size Redis's listpack for this node would have, less its two
    /// master counters (see [`Node::redis_bytes`]): node splits follow
    /// Redis's `stream-node-max-bytes` rule exactly.
    lp_rest: u32,
    /// The last entry's id (entries store their id relative to it).
    last: StreamId,
}

/// Bytes of a listpack integer element (encoding + back-length).
fn lp_int_size(v: i64) -> u32 {
    let body = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32_768..=32_767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    };
    body + 1
}

/// Bytes of a listpack element holding `b` (an integer element when `b`
/// is the canonical form of one, as listpacks store it).
fn lp_str_size(b: &[u8]) -> u32 {
    if let Some(v) = ember_num::parse_i64(b) {
        return lp_int_size(v);
    }
    let len = b.len();
    let header = if len <= 63 {
        1
    } else if len <= 4095 {
        2
    } else {
        5
    };
    let entry = header + len;
    let back = match entry {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    };
    u32::try_from(entry + back).unwrap_or(u32::MAX)
}

/// Where an entry is in its node, decoded.
#[derive(Clone, Copy)]
struct Slot {
    /// Offset of the flags byte.
    at: usize,
    /// Offset just past the id.
    body: usize,
    /// Offset of the next entry.
    end: usize,
    flags: u8,
    id: StreamId,
}

impl Node {
    fn new<'a>(fields: impl Iterator<Item = &'a [u8]> + Clone, n: usize) -> Node {
        let mut buf = Vec::new();
        put_varint(&mut buf, n as u64);
        // Header, terminator, num-fields and the master terminator.
        let mut lp_rest = 7 + lp_int_size(n as i64) + lp_int_size(0);
        for f in fields {
            put_varint(&mut buf, f.len() as u64);
            buf.extend_from_slice(f);
            lp_rest = lp_rest.saturating_add(lp_str_size(f));
        }
        let fields_end = buf.len() as u32;
        Node { buf, fields_end, total: 0, live: 0, lp_rest, last: StreamId::MIN }
    }

    /// The size of this node as a Redis listpack.
    fn redis_bytes(&self) -> u64 {
        u64::from(self.lp_rest)
            + u64::from(lp_int_size(i64::from(self.live)))
            + u64::from(lp_int_size(i64::from(self.total - self.live)))
    }

    fn master_field_count(&self) -> usize {
        let mut pos = 0;
        get_varint(&self.buf, &mut pos) as usize
    }

    fn master_fields(&self) -> MasterFields<'_> {
        let mut pos = 0;
        let n = get_varint(&self.buf, &mut pos) as usize;
        MasterFields { buf: &self.buf, pos, left: n }
    }

    fn same_fields(&self, pairs: &[(&[u8], &[u8])]) -> bool {
        let mut m = self.master_fields();
        if m.left != pairs.len() {
            return false;
        }
        pairs.iter().all(|(f, _)| m.next() == Some(*f))
    }

    fn push(&mut self, master: StreamId, id: StreamId, pairs: &[(&[u8], &[u8])]) {
        let same = self.same_fields(pairs);
        let n = pairs.len() as i64;
        // flags, ms-diff, seq-diff, lp-count (and num-fields).
        let mut lp = 2
            + lp_int_size((id.ms - master.ms) as i64)
            + lp_int_size(id.seq.wrapping_sub(master.seq) as i64)
            + lp_int_size(if same { 3 + n } else { 4 + 2 * n });
        if !same {
            lp += lp_int_size(n);
        }
        for (f, v) in pairs {
            lp = lp.saturating_add(lp_str_size(v));
            if !same {
                lp = lp.saturating_add(lp_str_size(f));
            }
        }
        self.lp_rest = self.lp_rest.saturating_add(lp);
        self.put_header(master, id, if same { SAME_FIELDS } else { 0 });
        if same {
            for (_, v) in pairs {
                put_varint(&mut self.buf, v.len() as u64);
                self.buf.extend_from_slice(v);
            }
        } else {
            put_varint(&mut self.buf, pairs.len() as u64);
            for (f, v) in pairs {
                put_varint(&mut self.buf, f.len() as u64);
                self.buf.extend_from_slice(f);
                put_varint(&mut self.buf, v.len() as u64);
                self.buf.extend_from_slice(v);
            }
        }
    }

    /// Appends an entry with the master's fields, given only its values
    /// (one per master field; loading a dump, where such entries store
    /// only values, so no field is compared or copied).
    fn push_same(&mut self, master: StreamId, id: StreamId, values: &[&[u8]]) {
        let n = values.len() as i64;
        let mut lp = 2
            + lp_int_size((id.ms - master.ms) as i64)
            + lp_int_size(id.seq.wrapping_sub(master.seq) as i64)
            + lp_int_size(3 + n);
        self.put_header(master, id, SAME_FIELDS);
        for v in values {
            lp = lp.saturating_add(lp_str_size(v));
            put_varint(&mut self.buf, v.len() as u64);
            self.buf.extend_from_slice(v);
        }
        self.lp_rest = self.lp_rest.saturating_add(lp);
    }

    /// Writes an entry's header (flags and id, relative to the previous
    /// entry, or to the master id for the first) and counts the entry.
    fn put_header(&mut self, master: StreamId, id: StreamId, flags: u8) {
        let (ms_delta, seq) = if self.total == 0 {
            (id.ms - master.ms, id.seq)
        } else if id.ms == self.last.ms {
            (0, id.seq - self.last.seq - 1)
        } else {
            (id.ms - self.last.ms, id.seq)
        };
        if ms_delta < 1 << 60 {
            put_varint(&mut self.buf, (ms_delta << 3) | u64::from(flags));
        } else {
            put_varint(&mut self.buf, BIG_DELTA | u64::from(flags));
            put_varint(&mut self.buf, ms_delta);
        }
        put_varint(&mut self.buf, seq);
        self.last = id;
        self.total += 1;
        self.live += 1;
    }

    /// Decodes the entry at `at`, which follows the entry `prev` (`None`
    /// for the node's first).
    fn slot(&self, master: StreamId, prev: Option<StreamId>, at: usize) -> Slot {
        let buf = &self.buf;
        let mut pos = at;
        let header = get_varint(buf, &mut pos);
        let flags = (header & 3) as u8;
        let ms_delta = if header & BIG_DELTA != 0 { get_varint(buf, &mut pos) } else { header >> 3 };
        let seq = get_varint(buf, &mut pos);
        let (ms, seq) = match prev {
            None => (master.ms + ms_delta, seq),
            Some(p) if ms_delta == 0 => (p.ms, p.seq + seq + 1),
            Some(p) => (p.ms + ms_delta, seq),
        };
        let body = pos;
        if flags & SAME_FIELDS != 0 {
            for _ in 0..self.master_field_count() {
                skip_bytes(buf, &mut pos);
            }
        } else {
            let n = get_varint(buf, &mut pos);
            for _ in 0..n * 2 {
                skip_bytes(buf, &mut pos);
            }
        }
        Slot { at, body, end: pos, flags, id: StreamId { ms, seq } }
    }

    /// Every slot, deleted ones included, in order.
    fn slots(&self, master: StreamId) -> impl Iterator<Item = Slot> + '_ {
        let mut at = self.fields_end as usize;
        let mut prev = None;
        std::iter::from_fn(move || {
            if at >= self.buf.len() {
                return None;
            }
            let s = self.slot(master, prev, at);
            at = s.end;
            prev = Some(s.id);
            Some(s)
        })
    }

    fn entry(&self, s: Slot) -> EntryRef<'_> {
        EntryRef { id: s.id, buf: &self.buf, body: s.body, same: s.flags & SAME_FIELDS != 0 }
    }

    fn mark_deleted(&mut self, s: Slot) {
        self.buf[s.at] |= DELETED;
        self.live -= 1;
    }

    fn first_live(&self, master: StreamId) -> Option<StreamId> {
        self.slots(master).find(|s| s.flags & DELETED == 0).map(|s| s.id)
    }

    fn last_live(&self, master: StreamId) -> Option<StreamId> {
        self.slots(master).filter(|s| s.flags & DELETED == 0).last().map(|s| s.id)
    }
}

/// The master field names of a node.
#[derive(Clone)]
struct MasterFields<'a> {
    buf: &'a [u8],
    pos: usize,
    left: usize,
}

impl<'a> Iterator for MasterFields<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(get_bytes(self.buf, &mut self.pos))
    }
}

/// One entry of a stream, borrowed: its id and its field/value pairs.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    /// The entry's id.
    pub id: StreamId,
    buf: &'a [u8],
    body: usize,
    same: bool,
}

impl<'a> EntryRef<'a> {
    /// Number of field/value pairs.
    pub fn len(&self) -> usize {
        if self.same {
            let mut pos = 0;
            get_varint(self.buf, &mut pos) as usize
        } else {
            let mut pos = self.body;
            get_varint(self.buf, &mut pos) as usize
        }
    }

    /// True for an entry without fields (never stored: XADD needs a pair).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The field/value pairs, in the order they were added.
    pub fn pairs(&self) -> Pairs<'a> {
        if self.same {
            let mut fpos = 0;
            let n = get_varint(self.buf, &mut fpos) as usize;
            Pairs { buf: self.buf, fields: Some(fpos), pos: self.body, left: n }
        } else {
            let mut pos = self.body;
            let n = get_varint(self.buf, &mut pos) as usize;
            Pairs { buf: self.buf, fields: None, pos, left: n }
        }
    }
}

impl fmt::Debug for EntryRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<_> =
            self.pairs().map(|(a, b)| (a.escape_ascii().to_string(), b.escape_ascii().to_string())).collect();
        write!(f, "{} {:?}", self.id, pairs)
    }
}

/// Iterator over an entry's field/value pairs.
pub struct Pairs<'a> {
    buf: &'a [u8],
    /// Position in the master field list (same-fields entries).
    fields: Option<usize>,
    pos: usize,
    left: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let field = match &mut self.fields {
            Some(fpos) => get_bytes(self.buf, fpos),
            None => get_bytes(self.buf, &mut self.pos),
        };
        let value = get_bytes(self.buf, &mut self.pos);
        Some((field, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// A pending entry of a consumer group: who has it, since when, how often
/// it was delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    /// The consumer that owns it.
    pub consumer: Box<[u8]>,
    /// Last delivery time, Unix ms.
    pub delivery_time: u64,
    /// Number of deliveries.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Last time the consumer was seen (Unix ms).
    pub seen_time: u64,
    /// Ids of its pending entries.
    pub pel: BTreeSet<StreamId>,
}

/// Redis's "entries read unknown" value.
pub const ENTRIES_READ_INVALID: i64 = -1;

/// A consumer group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The last id delivered to a consumer.
    pub last_id: StreamId,
    /// Logical read counter ([`ENTRIES_READ_INVALID`] when unknown).
    pub entries_read: i64,
    /// Pending entries list: delivered and not acknowledged.
    pub pel: BTreeMap<StreamId, PendingEntry>,
    /// Consumers by name.
    pub consumers: BTreeMap<Box<[u8]>, Consumer>,
}

impl Group {
    /// A group delivering entries after `last_id`.
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group { last_id, entries_read, pel: BTreeMap::new(), consumers: BTreeMap::new() }
    }

    /// The consumer named `name`, created if absent (seen now). Returns
    /// whether it was created.
    pub fn consumer_or_create(&mut self, name: &[u8], now: u64) -> (&mut Consumer, bool) {
        let created = !self.consumers.contains_key(name);
        if created {
            self.consumers.insert(name.into(), Consumer { seen_time: now, pel: BTreeSet::new() });
        }
        (self.consumers.get_mut(name).expect("present"), created)
    }

    /// Removes the consumer and its pending entries; returns how many
    /// entries it had pending, or `None` if there is no such consumer.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Acknowledges `id`: removes it from the group's and its consumer's
    /// PEL. Returns whether it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(p) => {
                if let Some(c) = self.consumers.get_mut(&p.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Makes `id` pending for `consumer` (which must exist), delivered at
    /// `now` with the given count, moving it from a previous owner.
    pub fn assign(&mut self, id: StreamId, consumer: &[u8], now: u64, delivery_count: u64) {
        if let Some(old) = self.pel.get(&id) {
            if *old.consumer != *consumer {
                if let Some(c) = self.consumers.get_mut(&old.consumer) {
                    c.pel.remove(&id);
                }
            }
        }
        self.pel.insert(id, PendingEntry { consumer: consumer.into(), delivery_time: now, delivery_count });
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}

/// A stream: entries in id order, the stream's metadata and its consumer
/// groups.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Node>,
    length: u64,
    /// The largest id ever added (or set by XSETID).
    pub last_id: StreamId,
    /// The first entry's id as Redis records it (0-0 for a stream never
    /// added to).
    pub first_id: StreamId,
    /// The largest id deleted by XDEL.
    pub max_deleted_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    groups: BTreeMap<Box<[u8]>, Group>,
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("length", &self.length)
            .field("last_id", &self.last_id)
            .field("first_id", &self.first_id)
            .field("max_deleted_id", &self.max_deleted_id)
            .field("entries_added", &self.entries_added)
            .field("groups", &self.groups)
            .finish()
    }
}

/// A node being loaded from a dump (see [`Stream::load_node`]).
pub struct NodeLoader {
    node: Node,
    /// The first entry's id: the node's key.
    key: Option<StreamId>,
    live: u64,
}

impl NodeLoader {
    /// Appends an entry (ids in increasing order), deleted or not.
    pub fn push(&mut self, id: StreamId, deleted: bool, pairs: &[(&[u8], &[u8])]) {
        let key = *self.key.get_or_insert(id);
        let at = self.node.buf.len();
        self.node.push(key, id, pairs);
        self.flag(at, deleted);
    }

    /// Appends an entry whose fields are the master's, given its values
    /// (one per master field, which the caller checks).
    pub fn push_same(&mut self, id: StreamId, deleted: bool, values: &[&[u8]]) {
        let key = *self.key.get_or_insert(id);
        let at = self.node.buf.len();
        self.node.push_same(key, id, values);
        self.flag(at, deleted);
    }

    fn flag(&mut self, at: usize, deleted: bool) {
        if deleted {
            self.node.buf[at] |= DELETED;
            self.node.live -= 1;
        } else {
            self.live += 1;
        }
    }
}

/// How a trim decides what to remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries with smaller ids.
    MinId(StreamId),
}

/// Node size limits (`stream-node-max-bytes`, `stream-node-max-entries`;
/// 0 = no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLimits {
    /// Bytes per node.
    pub max_bytes: usize,
    /// Entries per node.
    pub max_entries: usize,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits { max_bytes: 4096, max_entries: 100 }
    }
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// True without entries (a stream key may exist empty).
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Number of nodes (Redis's radix tree keys).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The number of nodes Redis's radix tree has for this stream's node
    /// keys (XINFO STREAM `radix-tree-nodes`): the size of the compressed
    /// trie of the 16-byte big-endian master ids, counting the root, one
    /// node per branching point and per compressed run, and one per key.
    pub fn rax_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self
            .nodes
            .keys()
            .map(|id| {
                let mut k = [0u8; 16];
                k[..8].copy_from_slice(&id.ms.to_be_bytes());
                k[8..].copy_from_slice(&id.seq.to_be_bytes());
                k
            })
            .collect();
        if keys.is_empty() {
            return 1;
        }
        rax_count(&keys, 0)
    }

    /// Heap bytes held by the stream (MEMORY USAGE): node buffers plus
    /// the ordered maps' per-element cost (key, value and a share of the
    /// tree node), and the groups' PELs and consumers.
    pub fn heap_bytes(&self) -> usize {
        let nodes: usize = self.nodes.values().map(|n| n.buf.capacity() + 64).sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                let pel: usize = g.pel.values().map(|p| 72 + p.consumer.len()).sum();
                let consumers: usize = g.consumers.iter().map(|(n, c)| 64 + n.len() + 24 * c.pel.len()).sum();
                96 + name.len() + pel + consumers
            })
            .sum();
        nodes + groups
    }

    /// Appends an entry; `id` must be greater than [`last_id`](Self::last_id)
    /// and `pairs` non-empty.
    pub fn append(&mut self, id: StreamId, pairs: &[(&[u8], &[u8])], limits: NodeLimits) {
        debug_assert!(id > self.last_id || (self.entries_added == 0 && self.length == 0));
        // Redis's rule: a new node when the last one's listpack plus the
        // new fields and values would reach stream-node-max-bytes (0 or
        // above 1 GiB: 1 GiB), or it holds stream-node-max-entries entries
        // (deleted ones included; 0: no limit).
        let fits = match self.nodes.last_key_value() {
            Some((_, n)) => {
                let elements: u64 = pairs.iter().map(|(f, v)| (f.len() + v.len()) as u64).sum();
                let max_bytes = match limits.max_bytes as u64 {
                    0 => 1 << 30,
                    b => b.min(1 << 30),
                };
                n.redis_bytes() + elements < max_bytes
                    && (limits.max_entries == 0 || (n.total as usize) < limits.max_entries)
                    && n.total < u32::MAX
            }
            None => false,
        };
        if fits {
            let mut last = self.nodes.last_entry().expect("a last node");
            let master = *last.key();
            last.get_mut().push(master, id, pairs);
        } else {
            if let Some(mut prev) = self.nodes.last_entry() {
                prev.get_mut().buf.shrink_to_fit();
            }
            let mut node = Node::new(pairs.iter().map(|(f, _)| *f), pairs.len());
            node.push(id, id, pairs);
            self.nodes.insert(id, node);
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
    }

    /// The entry with id `id`, if present.
    pub fn get(&self, id: StreamId) -> Option<EntryRef<'_>> {
        let (&master, node) = self.nodes.range(..=id).next_back()?;
        let s = node.slots(master).take_while(|s| s.id <= id).find(|s| s.id == id)?;
        (s.flags & DELETED == 0).then(|| node.entry(s))
    }

    /// Calls `f` on each entry with `start <= id <= end`, in order
    /// (descending if `rev`), until it returns false.
    pub fn range<'a>(&'a self, start: StreamId, end: StreamId, rev: bool, mut f: impl FnMut(EntryRef<'a>) -> bool) {
        if start > end {
            return;
        }
        if !rev {
            let from = self.nodes.range(..=start).next_back().map(|(k, _)| *k).unwrap_or(start);
            for (&master, node) in self.nodes.range(from..=end) {
                for s in node.slots(master) {
                    if s.id > end {
                        return;
                    }
                    if s.id >= start && s.flags & DELETED == 0 && !f(node.entry(s)) {
                        return;
                    }
                }
            }
        } else {
            let mut slots = Vec::new();
            for (&master, node) in self.nodes.range(..=end).rev() {
                slots.clear();
                slots.extend(node.slots(master).filter(|s| s.flags & DELETED == 0));
                for s in slots.iter().rev() {
                    if s.id < start {
                        return;
                    }
                    if s.id <= end && !f(node.entry(*s)) {
                        return;
                    }
                }
            }
        }
    }

    /// The first live entry id, if any.
    pub fn first_entry_id(&self) -> Option<StreamId> {
        let (&master, node) = self.nodes.first_key_value()?;
        node.first_live(master)
    }

    /// The last live entry id, if any.
    pub fn last_entry_id(&self) -> Option<StreamId> {
        let (&master, node) = self.nodes.last_key_value()?;
        node.last_live(master)
    }

    /// Records the first id after deletions the way Redis does.
    fn refresh_first_id(&mut self) {
        self.first_id = match self.first_entry_id() {
            Some(id) => id,
            None => StreamId::MIN,
        };
    }

    /// Deletes one entry (no first-id update); returns whether it existed.
    fn delete_one(&mut self, id: StreamId) -> bool {
        let Some((&master, node)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        let Some(s) = node.slots(master).take_while(|s| s.id <= id).find(|s| s.id == id) else {
            return false;
        };
        if s.flags & DELETED != 0 {
            return false;
        }
        node.mark_deleted(s);
        if node.live == 0 {
            self.nodes.remove(&master);
        }
        self.length -= 1;
        true
    }

    /// XDEL: deletes the entries with these ids, returning how many existed.
    pub fn delete(&mut self, ids: &[StreamId]) -> u64 {
        let mut n = 0;
        for &id in ids {
            if self.delete_one(id) {
                n += 1;
                if id > self.max_deleted_id {
                    self.max_deleted_id = id;
                }
            }
        }
        if n > 0 {
            self.refresh_first_id();
        }
        n
    }

    /// XTRIM / XADD's trimming: removes entries from the head by `how`.
    /// With `approx`, only whole nodes go, at most `limit` entries (0 = no
    /// limit). Returns how many entries were removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0u64;
        while let Some(mut first) = self.nodes.first_entry() {
            let master = *first.key();
            let node = first.get_mut();
            let live = u64::from(node.live);
            let remove_node = match how {
                Trim::MaxLen(max) => self.length - live >= max,
                Trim::MinId(min) => node.last_live(master).is_some_and(|last| last < min),
            };
            if remove_node {
                if limit != 0 && removed + live > limit {
                    break;
                }
                first.remove();
                self.length -= live;
                removed += live;
                continue;
            }
            if approx {
                break;
            }
            // Exact: delete entries of this node one at a time.
            let slots: Vec<Slot> = node.slots(master).collect();
            for s in slots {
                let done = match how {
                    Trim::MaxLen(max) => self.length <= max,
                    Trim::MinId(min) => s.id >= min,
                };
                if done {
                    break;
                }
                if s.flags & DELETED == 0 {
                    node.mark_deleted(s);
                    self.length -= 1;
                    removed += 1;
                }
            }
            if node.live == 0 {
                first.remove();
                continue;
            }
            break;
        }
        if removed > 0 {
            self.refresh_first_id();
        }
        removed
    }

    /// Consumer groups by name, in name order.
    pub fn groups(&self) -> &BTreeMap<Box<[u8]>, Group> {
        &self.groups
    }

    /// Consumer groups, mutably.
    pub fn groups_mut(&mut self) -> &mut BTreeMap<Box<[u8]>, Group> {
        &mut self.groups
    }

    /// The group named `name`.
    pub fn group(&self, name: &[u8]) -> Option<&Group> {
        self.groups.get(name)
    }

    /// The group named `name`, mutably.
    pub fn group_mut(&mut self, name: &[u8]) -> Option<&mut Group> {
        self.groups.get_mut(name)
    }

    /// Redis's estimate of the logical position of `id` in the stream
    /// (`streamEstimateDistanceFromFirstEverEntry`), or
    /// [`ENTRIES_READ_INVALID`].
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return added;
        }
        match id.cmp(&self.last_id) {
            std::cmp::Ordering::Equal => return added,
            std::cmp::Ordering::Greater => return ENTRIES_READ_INVALID,
            std::cmp::Ordering::Less => {}
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return added - self.length as i64;
            }
            if id == self.first_id {
                return added - self.length as i64 + 1;
            }
        }
        ENTRIES_READ_INVALID
    }

    /// Whether a deleted entry may lie in `start..=end` (Redis's
    /// `streamRangeHasTombstones`).
    pub fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// A group's lag, or `None` when it cannot be known.
    pub fn group_lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != ENTRIES_READ_INVALID && !self.range_has_tombstones(g.last_id, StreamId::MAX) {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        let read = self.estimate_distance(g.last_id);
        (read != ENTRIES_READ_INVALID).then(|| self.entries_added as i64 - read)
    }

    /// Records that `group` delivered `id` (XREADGROUP `>`): advances its
    /// last id and read counter as Redis does.
    pub fn advance_group(&mut self, group: &[u8], id: StreamId) {
        let has_tomb = self.range_has_tombstones(id, StreamId::MAX);
        let est = self.estimate_distance(id);
        let added = self.entries_added;
        if let Some(g) = self.groups.get_mut(group) {
            if id > g.last_id {
                if g.entries_read != ENTRIES_READ_INVALID && !has_tomb {
                    g.entries_read += 1;
                } else if added != 0 {
                    g.entries_read = est;
                }
                g.last_id = id;
            }
        }
    }

    /// Starts loading a node whose master entry lists `master_fields`
    /// (entries with the same fields then store only their values, as in
    /// the dump). Add its entries with [`NodeLoader::push`] and finish with
    /// [`finish_node`](Self::finish_node); node boundaries and tombstones
    /// survive a dump/load cycle this way.
    pub fn load_node(&self, master_fields: &[&[u8]]) -> NodeLoader {
        NodeLoader { node: Node::new(master_fields.iter().copied(), master_fields.len()), key: None, live: 0 }
    }

    /// Adds a node built with [`load_node`](Self::load_node). The caller
    /// checks that ids increase across the stream; a node whose entries
    /// are all deleted is dropped.
    pub fn finish_node(&mut self, loader: NodeLoader) {
        let NodeLoader { mut node, key, live } = loader;
        let Some(key) = key else { return };
        if live == 0 {
            return;
        }
        node.buf.shrink_to_fit();
        self.length += live;
        self.nodes.insert(key, node);
    }

    /// Sets the stream length bookkeeping after loading with
    /// [`finish_node`](Self::finish_node).
    pub fn set_meta(&mut self, last_id: StreamId, first_id: StreamId, max_deleted_id: StreamId, entries_added: u64) {
        self.last_id = last_id;
        self.first_id = first_id;
        self.max_deleted_id = max_deleted_id;
        self.entries_added = entries_added;
    }

    /// The size each node has as a Redis listpack, in order (what the RDB
    /// writer produces; tests compare the two).
    pub fn node_listpack_sizes(&self) -> Vec<u64> {
        self.nodes.values().map(Node::redis_bytes).collect()
    }

    /// Every node: its master id, master fields and entries (deleted ones
    /// flagged), for the RDB writer.
    pub fn for_each_node(
        &self,
        mut f: impl FnMut(StreamId, &mut dyn Iterator<Item = &[u8]>, &mut dyn Iterator<Item = (bool, bool, EntryRef<'_>)>),
    ) {
        for (&master, node) in &self.nodes {
            let mut fields = node.master_fields();
            let mut entries =
                node.slots(master).map(|s| (s.flags & DELETED != 0, s.flags & SAME_FIELDS != 0, node.entry(s)));
            f(master, &mut fields, &mut entries);
        }
    }
}

/// Nodes of a rax holding `keys` (sorted, distinct, same length) from
/// byte `depth` on.
fn rax_count(keys: &[[u8; 16]], depth: usize) -> usize {
    if depth == 16 {
        return 1;
    }
    if keys.len() == 1 {
        // A compressed node with the rest of the key, then the key's node.
        return 2;
    }
    // Common prefix from depth.
    let (first, last) = (&keys[0], &keys[keys.len() - 1]);
    let mut p = depth;
    while p < 16 && first[p] == last[p] {
        p += 1;
    }
    let mut n = 0;
    if p > depth {
        n += 1; // compressed node for the shared run
    }
    // A branching node at p, then each child's subtree from p + 1.
    n += 1;
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i][p];
        let mut j = i;
        while j < keys.len() && keys[j][p] == b {
            j += 1;
        }
        n += rax_count(&keys[i..j], p + 1);
        i = j;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap as Model;

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn collect(s: &Stream, start: StreamId, end: StreamId, rev: bool) -> Vec<(StreamId, Pairs)> {
        let mut out = Vec::new();
        s.range(start, end, rev, |e| {
            out.push((e.id, e.pairs().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()));
            true
        });
        out
    }

    #[test]
    fn append_and_read_back() {
        let mut s = Stream::new();
        let lim = NodeLimits { max_bytes: 4096, max_entries: 3 };
        s.append(id(1, 0), &[(b"a", b"1"), (b"b", b"2")], lim);
        s.append(id(1, 1), &[(b"a", b"3"), (b"b", b"4")], lim);
        s.append(id(2, 0), &[(b"c", b"5")], lim);
        s.append(id(5, 7), &[(b"a", b"")], lim);
        assert_eq!(s.len(), 4);
        assert_eq!(s.node_count(), 2);
        let all = collect(&s, StreamId::MIN, StreamId::MAX, false);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].1, vec![(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]);
        assert_eq!(all[2].1, vec![(b"c".to_vec(), b"5".to_vec())]);
        assert_eq!(all[3].0, id(5, 7));
        let rev = collect(&s, id(1, 1), id(2, 0), true);
        assert_eq!(rev.iter().map(|e| e.0).collect::<Vec<_>>(), vec![id(2, 0), id(1, 1)]);
        assert_eq!(s.get(id(2, 0)).unwrap().len(), 1);
        assert!(s.get(id(2, 1)).is_none());
        assert_eq!(s.delete(&[id(1, 0), id(9, 9)]), 1);
        assert_eq!(s.first_id, id(1, 1));
        assert_eq!(s.max_deleted_id, id(1, 0));
        assert_eq!(s.first_entry_id(), Some(id(1, 1)));
        assert_eq!(s.last_entry_id(), Some(id(5, 7)));
        assert!(s.get(id(1, 0)).is_none());
    }

    #[test]
    fn ids_step() {
        assert_eq!(id(1, u64::MAX).next(), Some(id(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(id(2, 0).prev(), Some(id(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
        assert_eq!(id(3, 4).to_string(), "3-4");
    }

    #[test]
    fn trims() {
        let lim = NodeLimits { max_bytes: 0, max_entries: 10 };
        let mut s = Stream::new();
        for i in 0..95 {
            s.append(id(i, 0), &[(b"f", b"v")], lim);
        }
        // Approximate: whole nodes only.
        assert_eq!(s.trim(Trim::MaxLen(50), true, 0), 40);
        assert_eq!(s.len(), 55);
        assert_eq!(s.trim(Trim::MaxLen(50), false, 0), 5);
        assert_eq!(s.first_id, id(45, 0));
        // LIMIT: a node that would pass the limit stays.
        assert_eq!(s.trim(Trim::MinId(id(60, 0)), true, 4), 0);
        assert_eq!(s.trim(Trim::MinId(id(60, 0)), true, 5), 5);
        assert_eq!(s.trim(Trim::MinId(id(65, 0)), true, 0), 10);
        assert_eq!(s.trim(Trim::MinId(id(65, 0)), false, 0), 5);
        assert_eq!(s.first_entry_id(), Some(id(65, 0)));
        assert_eq!(s.trim(Trim::MaxLen(0), false, 0), 30);
        assert!(s.is_empty());
        assert_eq!(s.node_count(), 0);
    }

    #[test]
    fn groups_track_pending() {
        let mut g = Group::new(StreamId::MIN, 0);
        g.consumer_or_create(b"alice", 10);
        g.consumer_or_create(b"bob", 10);
        g.assign(id(1, 0), b"alice", 20, 1);
        g.assign(id(1, 0), b"bob", 30, 2);
        assert!(g.consumers[&b"alice"[..]].pel.is_empty());
        assert_eq!(g.consumers[&b"bob"[..]].pel.len(), 1);
        assert!(g.ack(id(1, 0)));
        assert!(!g.ack(id(1, 0)));
        g.assign(id(2, 0), b"bob", 30, 1);
        assert_eq!(g.delete_consumer(b"bob"), Some(1));
        assert!(g.pel.is_empty());
        assert_eq!(g.delete_consumer(b"bob"), None);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add { gap: u8, fields: u8, val: u8 },
        Del { pick: u16 },
        Range { a: u16, b: u16, rev: bool },
        TrimLen { max: u8, approx: bool },
        TrimMin { pick: u16, approx: bool },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u8..3, 1u8..4, any::<u8>()).prop_map(|(gap, fields, val)| Op::Add { gap, fields, val }),
            2 => any::<u16>().prop_map(|pick| Op::Del { pick }),
            2 => (any::<u16>(), any::<u16>(), any::<bool>()).prop_map(|(a, b, rev)| Op::Range { a, b, rev }),
            1 => (0u8..40, any::<bool>()).prop_map(|(max, approx)| Op::TrimLen { max, approx }),
            1 => (any::<u16>(), any::<bool>()).prop_map(|(pick, approx)| Op::TrimMin { pick, approx }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// The stream against a BTreeMap model: same entries in every range,
        /// same length; exact trims remove the same entries; approximate
        /// trims remove a prefix no longer than the exact one.
        #[test]
        fn stream_matches_model(ops in proptest::collection::vec(op(), 1..200)) {
            let lim = NodeLimits { max_bytes: 60, max_entries: 4 };
            let mut s = Stream::new();
            let mut model: Model<StreamId, Pairs> = Model::new();
            let mut next = 1u64;
            for op in ops {
                match op {
                    Op::Add { gap, fields, val } => {
                        let nid = if gap == 0 { id(next, 1) } else { next += u64::from(gap); id(next, 0) };
                        let nid = if nid <= s.last_id { s.last_id.next().unwrap() } else { nid };
                        let pairs: Pairs = (0..fields).map(|i| (vec![b'f', i + (val % 2)], vec![val; usize::from(val % 5)])).collect();
                        let refs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(f, v)| (&f[..], &v[..])).collect();
                        s.append(nid, &refs, lim);
                        model.insert(nid, pairs);
                    }
                    Op::Del { pick } => {
                        if let Some(&victim) = model.keys().nth(usize::from(pick) % model.len().max(1)) {
                            prop_assert_eq!(s.delete(&[victim]), 1);
                            model.remove(&victim);
                            prop_assert_eq!(s.delete(&[victim]), 0);
                        }
                    }
                    Op::Range { a, b, rev } => {
                        let (a, b) = (id(u64::from(a % 200), 0), id(u64::from(b % 200), 5));
                        let got = collect(&s, a, b, rev);
                        let mut want: Vec<_> = model.range(a..=b.max(a)).filter(|_| a <= b).map(|(k, v)| (*k, v.clone())).collect();
                        if rev { want.reverse(); }
                        prop_assert_eq!(got, want);
                    }
                    Op::TrimLen { max, approx } => {
                        let before = s.len();
                        let removed = s.trim(Trim::MaxLen(u64::from(max)), approx, 0);
                        prop_assert_eq!(before - removed, s.len());
                        if approx {
                            prop_assert!(s.len() >= u64::from(max).min(before));
                        } else {
                            prop_assert_eq!(s.len(), u64::from(max).min(before));
                        }
                        while model.len() as u64 > s.len() { model.pop_first(); }
                    }
                    Op::TrimMin { pick, approx } => {
                        let min = id(u64::from(pick % 200), 0);
                        s.trim(Trim::MinId(min), approx, 0);
                        if !approx {
                            model.retain(|k, _| *k >= min);
                        } else {
                            while model.len() as u64 > s.len() { model.pop_first(); }
                        }
                    }
                }
                prop_assert_eq!(s.len(), model.len() as u64);
                prop_assert_eq!(s.first_entry_id(), model.keys().next().copied());
                prop_assert_eq!(s.last_entry_id(), model.keys().next_back().copied());
            }
            let all = collect(&s, StreamId::MIN, StreamId::MAX, false);
            let want: Vec<_> = model.into_iter().collect();
            prop_assert_eq!(all, want);
        }
    }
}
