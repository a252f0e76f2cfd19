//! Stream node listpacks: the entries inside a [`StreamNode`](crate::StreamNode).
//!
//! Each node of a stream is one listpack (see [`listpack`])
//! laid out as Redis 5+ writes it. All ids inside are relative to the
//! node's master id (its 16-byte big-endian radix-tree key):
//!
//! ```text
//! master entry:  count  deleted  num-fields  field_1 .. field_N  0
//! each entry:    flags  ms-diff  seq-diff  [num-fields]  (field value)* | value*  lp-count
//! ```
//!
//! - `count` / `deleted`: live and deleted entries in the node;
//! - `flags`: 1 = deleted, 2 = same fields as the master entry (then only the
//!   values follow, in the master's field order, and `num-fields` is absent);
//! - `ms-diff` / `seq-diff`: the entry id minus the master id, part by part,
//!   as 64-bit two's complement integers;
//! - `lp-count`: the number of listpack elements of the entry before it
//!   (`3 + N` with same fields, `4 + 2N` otherwise), so the node can be read
//!   backwards.
//!
//! Integers are listpack integer entries; fields and values are strings,
//! stored as integers when they are the canonical decimal form of one.

use crate::error::{BlobKind, RdbError};
use crate::listpack::{self, Builder, Element};
use crate::value::StreamId;

const FLAG_DELETED: i64 = 1;
const FLAG_SAME_FIELDS: i64 = 2;

/// One entry decoded from a node, borrowing the listpack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry<'a> {
    /// The entry id.
    pub id: StreamId,
    /// Deleted (a tombstone kept until the node is empty).
    pub deleted: bool,
    /// The fields, or `None` when they are the master entry's.
    pub fields: Option<Vec<Element<'a>>>,
    /// The values, one per field.
    pub values: Vec<Element<'a>>,
}

/// A node decoded: the master entry's fields and the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    /// The master entry's fields.
    pub master_fields: Vec<Element<'a>>,
    /// The entries in id order.
    pub entries: Vec<NodeEntry<'a>>,
}

impl<'a> Node<'a> {
    /// The field/value pairs of `entry`, as owned bytes.
    pub fn pairs(&self, entry: &NodeEntry<'a>) -> Vec<(Vec<u8>, Vec<u8>)> {
        let fields = entry.fields.as_ref().unwrap_or(&self.master_fields);
        fields.iter().zip(&entry.values).map(|(f, v)| (f.to_bytes(), v.to_bytes())).collect()
    }
}

fn bad(reason: &'static str) -> RdbError {
    RdbError::blob(BlobKind::Listpack, 0, reason)
}

fn int(e: Option<&Element<'_>>) -> Result<i64, RdbError> {
    match e {
        Some(Element::Int(i)) => Ok(*i),
        Some(Element::Bytes(_)) => Err(bad("stream node: integer expected")),
        None => Err(bad("stream node: truncated")),
    }
}

/// Decodes a node's listpack (validated as a listpack first) into its
/// entries, checking the layout as Redis's deep integrity check does:
/// master counts, the master terminator, flags, field counts, `lp-count`s,
/// ids increasing from the master id.
pub fn parse_node(master: StreamId, lp: &[u8]) -> Result<Node<'_>, RdbError> {
    let el = listpack::parse(lp)?;
    let mut it = el.iter();
    let count = int(it.next())?;
    let deleted = int(it.next())?;
    let nfields = int(it.next())?;
    if count < 0 || deleted < 0 || nfields <= 0 || nfields as usize > el.len() {
        return Err(bad("stream node: bad master entry"));
    }
    let mut master_fields = Vec::with_capacity(nfields as usize);
    for _ in 0..nfields {
        master_fields.push(*it.next().ok_or_else(|| bad("stream node: truncated master fields"))?);
    }
    if int(it.next())? != 0 {
        return Err(bad("stream node: missing master terminator"));
    }
    let mut out = Vec::new();
    let (mut live, mut dead) = (0i64, 0i64);
    let mut prev: Option<StreamId> = None;
    while let Some(flags) = it.next() {
        let flags = int(Some(flags))?;
        if flags & !(FLAG_DELETED | FLAG_SAME_FIELDS) != 0 {
            return Err(bad("stream node: unknown entry flags"));
        }
        let ms = master.ms.wrapping_add(int(it.next())? as u64);
        let seq = master.seq.wrapping_add(int(it.next())? as u64);
        let id = StreamId { ms, seq };
        if id < master || prev.is_some_and(|p| id <= p) {
            return Err(bad("stream node: entry ids out of order"));
        }
        prev = Some(id);
        let same = flags & FLAG_SAME_FIELDS != 0;
        let mut values = Vec::new();
        let mut fields = None;
        let expected_lp_count = if same {
            for _ in 0..nfields {
                values.push(*it.next().ok_or_else(|| bad("stream node: truncated entry"))?);
            }
            3 + nfields
        } else {
            let n = int(it.next())?;
            if n <= 0 || n as usize > el.len() {
                return Err(bad("stream node: bad field count"));
            }
            let mut fs = Vec::with_capacity(n as usize);
            for _ in 0..n {
                fs.push(*it.next().ok_or_else(|| bad("stream node: truncated entry"))?);
                values.push(*it.next().ok_or_else(|| bad("stream node: truncated entry"))?);
            }
            fields = Some(fs);
            4 + 2 * n
        };
        if int(it.next())? != expected_lp_count {
            return Err(bad("stream node: lp-count does not match the entry"));
        }
        let is_deleted = flags & FLAG_DELETED != 0;
        if is_deleted {
            dead += 1;
        } else {
            live += 1;
        }
        out.push(NodeEntry { id, deleted: is_deleted, fields, values });
    }
    if live != count || dead != deleted {
        return Err(bad("stream node: master counts do not match the entries"));
    }
    if out.is_empty() {
        return Err(bad("stream node without entries"));
    }
    Ok(Node { master_fields, entries: out })
}

/// Builds a node listpack in Redis's layout.
///
/// ```
/// use ember_rdb::{stream::{NodeWriter, parse_node}, StreamId};
/// let master = StreamId { ms: 5, seq: 0 };
/// let mut w = NodeWriter::new(&[b"f"]);
/// w.push(master, master, false, &[(b"f", b"1")]);
/// w.push(master, StreamId { ms: 6, seq: 0 }, false, &[(b"g", b"x")]);
/// let lp = w.finish().unwrap();
/// let node = parse_node(master, &lp).unwrap();
/// assert_eq!(node.pairs(&node.entries[1]), vec![(b"g".to_vec(), b"x".to_vec())]);
/// ```
#[derive(Debug, Clone)]
pub struct NodeWriter {
    fields: Vec<Vec<u8>>,
    body: Builder,
    live: i64,
    deleted: i64,
}

impl NodeWriter {
    /// A node whose master entry lists `fields`.
    pub fn new(fields: &[&[u8]]) -> NodeWriter {
        NodeWriter { fields: fields.iter().map(|f| f.to_vec()).collect(), body: Builder::new(), live: 0, deleted: 0 }
    }

    /// Appends an entry (ids must increase, starting at or after `master`).
    pub fn push(&mut self, master: StreamId, id: StreamId, deleted: bool, pairs: &[(&[u8], &[u8])]) {
        let same = pairs.len() == self.fields.len() && pairs.iter().zip(&self.fields).all(|((f, _), m)| *f == &m[..]);
        let mut flags = 0;
        if deleted {
            flags |= FLAG_DELETED;
            self.deleted += 1;
        } else {
            self.live += 1;
        }
        if same {
            flags |= FLAG_SAME_FIELDS;
        }
        let b = &mut self.body;
        b.push_int(flags);
        b.push_int(id.ms.wrapping_sub(master.ms) as i64);
        b.push_int(id.seq.wrapping_sub(master.seq) as i64);
        let n = pairs.len() as i64;
        if same {
            for (_, v) in pairs {
                b.push(v);
            }
            b.push_int(3 + n);
        } else {
            b.push_int(n);
            for (f, v) in pairs {
                b.push(f);
                b.push(v);
            }
            b.push_int(4 + 2 * n);
        }
    }

    /// The listpack, or `None` if it would pass 4 GiB.
    pub fn finish(self) -> Option<Vec<u8>> {
        let mut b = Builder::new();
        b.push_int(self.live);
        b.push_int(self.deleted);
        b.push_int(self.fields.len() as i64);
        for f in &self.fields {
            b.push(f);
        }
        b.push_int(0);
        // Append the entries' elements after the master entry.
        for e in listpack::parse(&self.body.finish()?).ok()? {
            match e {
                Element::Int(i) => b.push_int(i),
                Element::Bytes(s) => b.push_str(s),
            }
        }
        b.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    #[test]
    fn node_round_trip() {
        let master = id(1_700_000_000_000, 3);
        let mut w = NodeWriter::new(&[b"name", b"n"]);
        w.push(master, master, false, &[(b"name", b"x"), (b"n", b"12")]);
        w.push(master, id(1_700_000_000_000, 4), true, &[(b"name", b"y"), (b"n", b"-5")]);
        w.push(master, id(1_700_000_000_007, 0), false, &[(b"other", b"")]);
        let lp = w.finish().unwrap();
        let node = parse_node(master, &lp).unwrap();
        let got = &node.entries;
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].id, id(1_700_000_000_000, 4));
        assert!(got[1].deleted);
        assert!(got[1].fields.is_none());
        assert_eq!(node.pairs(&got[1])[1], (b"n".to_vec(), b"-5".to_vec()));
        // seq-diff is negative here: 0 - 3.
        assert_eq!(got[2].id, id(1_700_000_000_007, 0));
        assert_eq!(node.pairs(&got[2]), vec![(b"other".to_vec(), b"".to_vec())]);
        // The master entry: count 2, deleted 1, 2 fields, terminator.
        let el = listpack::parse(&lp).unwrap();
        assert_eq!(&el[..3], &[Element::Int(2), Element::Int(1), Element::Int(2)]);
        assert_eq!(el[5], Element::Int(0));
        // First entry: flags = same fields, diffs 0 0, two values, lp-count 5.
        assert_eq!(&el[6..9], &[Element::Int(2), Element::Int(0), Element::Int(0)]);
        assert_eq!(el[11], Element::Int(5));
    }

    #[test]
    fn corrupt_nodes_fail() {
        let master = id(5, 0);
        let mut w = NodeWriter::new(&[b"f"]);
        w.push(master, master, false, &[(b"f", b"v")]);
        let good = w.finish().unwrap();
        assert!(parse_node(master, &good).is_ok());
        // Ids that do not increase.
        let dup = listpack::encode([
            &b"2"[..],
            b"0",
            b"1",
            b"f",
            b"0",
            b"2",
            b"0",
            b"0",
            b"v",
            b"4",
            b"2",
            b"0",
            b"0",
            b"v",
            b"4",
        ])
        .unwrap();
        assert!(parse_node(master, &dup).is_err());
        // An id before the master id.
        let before = listpack::encode([&b"1"[..], b"0", b"1", b"f", b"0", b"2", b"-1", b"0", b"v", b"4"]).unwrap();
        assert!(parse_node(master, &before).is_err());
        // Counts that do not match.
        let bad_count = listpack::encode([&b"2"[..], b"0", b"1", b"f", b"0", b"2", b"0", b"0", b"v", b"4"]).unwrap();
        assert!(parse_node(master, &bad_count).is_err());
        let bad_lp_count = listpack::encode([&b"1"[..], b"0", b"1", b"f", b"0", b"2", b"0", b"0", b"v", b"3"]).unwrap();
        assert!(parse_node(master, &bad_lp_count).is_err());
        let ok = listpack::encode([&b"1"[..], b"0", b"1", b"f", b"0", b"2", b"0", b"0", b"v", b"4"]).unwrap();
        let node = parse_node(master, &ok).unwrap();
        assert_eq!(node.pairs(&node.entries[0]), vec![(b"f".to_vec(), b"v".to_vec())]);
        assert!(parse_node(master, &listpack::encode([&b"0"[..]]).unwrap()).is_err());
    }
}
