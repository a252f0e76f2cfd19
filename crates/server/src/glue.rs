//! Conversions between ember-store values and ember-rdb values: the only
//! place that knows both crates (they do not depend on each other).
//!
//! Saving and loading go through the borrowed forms ([`to_rdb_ref`],
//! [`from_rdb_ref`]): a value's elements pass through one reused
//! [`ElementBuf`] instead of an allocation each. DUMP and RESTORE use the
//! owned [`RdbValue`].

use ember_rdb::stream::{parse_node, NodeWriter};
use ember_rdb::{Element, ElementBuf, RdbValue, ValueRef};
use ember_store::types::stream::{Consumer, Group, PendingEntry, Stream, StreamId};
use ember_store::types::{hash::Hash, list::List, set::Set, zset::ZSet};
use ember_store::{EncodingConfig, StrValue, Value};

/// The RDB form of a stored value, borrowing it (not for streams: see
/// [`stream_to_rdb`]): a string's bytes directly
/// (an `int` is formatted into `buf`), a collection's elements copied into
/// `buf` (cleared first).
pub fn to_rdb_ref<'a>(value: &'a Value, buf: &'a mut ElementBuf) -> ValueRef<'a> {
    buf.clear();
    match value {
        Value::Str(s) => match s.as_slice() {
            Some(bytes) => return ValueRef::String(bytes),
            None => {
                buf.push_int(s.as_int().expect("a string is bytes or an int"));
                return ValueRef::String(buf.elements().get(0));
            }
        },
        Value::List(l) => l.iter().for_each(|x| buf.push(x)),
        Value::Hash(h) => h.iter().for_each(|(f, v)| {
            buf.push(f);
            buf.push(v);
        }),
        Value::Set(s) => {
            let mut scratch = [0u8; 20];
            s.iter().for_each(|m| buf.push(m.bytes(&mut scratch)));
        }
        Value::ZSet(z) => z.for_each(|m, score| buf.push_scored(m, score)),
        _ => unreachable!("every stored value type converts to RDB"),
    }
    let e = buf.elements();
    match value {
        Value::List(_) => ValueRef::List(e),
        Value::Hash(_) => ValueRef::Hash(e),
        Value::Set(_) => ValueRef::Set(e),
        _ => ValueRef::SortedSet(e, buf.scores()),
    }
}

/// The RDB form of a stored value, owned (DUMP).
pub fn to_rdb(value: &Value) -> RdbValue {
    match value {
        Value::Stream(s) => stream_to_rdb(s),
        _ => to_rdb_ref(value, &mut ElementBuf::new()).to_owned(),
    }
}

fn rid(id: StreamId) -> ember_rdb::StreamId {
    ember_rdb::StreamId { ms: id.ms, seq: id.seq }
}

fn sid(id: ember_rdb::StreamId) -> StreamId {
    StreamId::new(id.ms, id.seq)
}

/// A stream in RDB form: one listpack per node in Redis's layout (master
/// entry, same-field compression, tombstones kept), the metadata, and the
/// consumer groups with their PELs.
pub fn stream_to_rdb(s: &Stream) -> RdbValue {
    let mut nodes = Vec::with_capacity(s.node_count());
    s.for_each_node(|master, fields, entries| {
        let fields: Vec<&[u8]> = fields.collect();
        let mut w = NodeWriter::new(&fields);
        let mut pairs: Vec<(&[u8], &[u8])> = Vec::new();
        for (deleted, _, e) in entries {
            pairs.clear();
            pairs.extend(e.pairs());
            w.push(rid(master), rid(e.id), deleted, &pairs);
        }
        // A node is at most a few KiB (stream-node-max-bytes): far from
        // the 4 GiB a listpack can describe.
        let listpack = w.finish().expect("stream node under 4 GiB");
        nodes.push(ember_rdb::StreamNode { master_id: rid(master), listpack });
    });
    let groups = s
        .groups()
        .iter()
        .map(|(name, g)| ember_rdb::StreamGroup {
            name: name.to_vec(),
            last_id: rid(g.last_id),
            entries_read: Some(g.entries_read as u64),
            pending: g
                .pel
                .iter()
                .map(|(id, p)| ember_rdb::PendingEntry {
                    id: rid(*id),
                    delivery_time_ms: p.delivery_time as i64,
                    delivery_count: p.delivery_count,
                })
                .collect(),
            consumers: g
                .consumers
                .iter()
                .map(|(name, c)| ember_rdb::StreamConsumer {
                    name: name.to_vec(),
                    seen_time_ms: c.seen_time as i64,
                    active_time_ms: None,
                    pending: c.pel.iter().map(|id| rid(*id)).collect(),
                })
                .collect(),
        })
        .collect();
    RdbValue::Stream(Box::new(ember_rdb::Stream {
        nodes,
        length: s.len(),
        last_id: rid(s.last_id),
        first_id: Some(rid(s.first_id)),
        max_deleted_id: Some(rid(s.max_deleted_id)),
        entries_added: Some(s.entries_added),
        groups,
    }))
}

/// A stored stream from its RDB form, checked the way Redis checks a
/// stream it loads: node entries in increasing id order across nodes, the
/// length equal to the live entries, no id above the last id, every
/// consumer's pending entry in its group's PEL.
pub fn stream_from_rdb(r: &ember_rdb::Stream) -> Result<Stream, String> {
    let mut s = Stream::new();
    let mut prev: Option<StreamId> = None;
    let mut live = 0u64;
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut values: Vec<Vec<u8>> = Vec::new();
    for node in &r.nodes {
        let parsed = parse_node(node.master_id, &node.listpack).map_err(|e| e.to_string())?;
        fields.clear();
        fields.extend(parsed.master_fields.iter().map(Element::to_bytes));
        let master: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        let mut loader = s.load_node(&master);
        // One entry at a time: same-field entries share the master's
        // fields, so memory stays proportional to the dump.
        for e in &parsed.entries {
            let id = sid(e.id);
            if prev.is_some_and(|p| id <= p) {
                return Err("stream entries out of order".into());
            }
            prev = Some(id);
            if !e.deleted {
                live += 1;
            }
            match &e.fields {
                Some(fs) => {
                    pairs.clear();
                    pairs.extend(fs.iter().zip(&e.values).map(|(f, v)| (f.to_bytes(), v.to_bytes())));
                    let refs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(f, v)| (&f[..], &v[..])).collect();
                    loader.push(id, e.deleted, &refs);
                }
                None => {
                    values.clear();
                    values.extend(e.values.iter().map(Element::to_bytes));
                    let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
                    loader.push_same(id, e.deleted, &refs);
                }
            }
        }
        s.finish_node(loader);
    }
    if live != r.length {
        return Err("stream length does not match its entries".into());
    }
    let last_id = sid(r.last_id);
    if prev.is_some_and(|p| p > last_id) {
        return Err("stream entry id above the last id".into());
    }
    let first_id = match r.first_id {
        Some(id) => sid(id),
        None => s.first_entry_id().unwrap_or(StreamId::MIN),
    };
    let max_deleted = r.max_deleted_id.map(sid).unwrap_or(StreamId::MIN);
    s.set_meta(last_id, first_id, max_deleted, r.entries_added.unwrap_or(r.length));
    for g in &r.groups {
        let entries_read = match g.entries_read {
            Some(n) if n <= i64::MAX as u64 => n as i64,
            _ => ember_store::types::stream::ENTRIES_READ_INVALID,
        };
        let mut group = Group::new(sid(g.last_id), entries_read);
        for p in &g.pending {
            group.pel.insert(
                sid(p.id),
                PendingEntry {
                    consumer: Box::default(),
                    delivery_time: p.delivery_time_ms.max(0) as u64,
                    delivery_count: p.delivery_count,
                },
            );
        }
        let mut assigned = std::collections::HashSet::new();
        for c in &g.consumers {
            let mut consumer = Consumer { seen_time: c.seen_time_ms.max(0) as u64, ..Consumer::default() };
            for id in &c.pending {
                let id = sid(*id);
                match group.pel.get_mut(&id) {
                    Some(p) if assigned.insert(id) => p.consumer = c.name.as_slice().into(),
                    _ => return Err("consumer pending entry not in its group's PEL, or owned twice".into()),
                }
                consumer.pel.insert(id);
            }
            if group.consumers.insert(c.name.as_slice().into(), consumer).is_some() {
                return Err("duplicate consumer".into());
            }
        }
        if assigned.len() != group.pel.len() {
            return Err("pending entry without a consumer".into());
        }
        if s.groups_mut().insert(g.name.as_slice().into(), group).is_some() {
            return Err("duplicate consumer group".into());
        }
    }
    Ok(s)
}

/// A stored value from its borrowed RDB form, with the encodings `config`
/// asks for. Empty collections are refused (Redis skips them when loading).
pub fn from_rdb_ref(value: &ValueRef<'_>, config: &EncodingConfig) -> Result<Value, String> {
    if value.is_empty_collection() {
        return Err("empty collection".into());
    }
    Ok(match *value {
        ValueRef::String(s) => Value::Str(StrValue::from_bytes(s)),
        ValueRef::List(items) => Value::List(List::from_items(config.list_max_listpack_size, items.iter())),
        ValueRef::Hash(e) => Value::Hash(Hash::from_pairs(e.pairs(), config)),
        ValueRef::Set(members) => Value::Set(Box::new(Set::from_members(members.iter(), config))),
        ValueRef::SortedSet(..) => {
            let mut z = ZSet::new();
            for (member, score) in value.scored() {
                z.insert(member, score, config);
            }
            Value::ZSet(Box::new(z))
        }
    })
}

/// A stored value from its owned RDB form (RESTORE).
pub fn from_rdb(value: &RdbValue, config: &EncodingConfig) -> Result<Value, String> {
    match value.to_ref(&mut ElementBuf::new()) {
        Some(r) => from_rdb_ref(&r, config),
        None => match value {
            RdbValue::Stream(s) => Ok(Value::Stream(Box::new(stream_from_rdb(s)?))),
            _ => Err("module values are not supported by ember".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ember_store::types::stream::NodeLimits;

    /// A stream with varied entries: integer-looking and long values,
    /// differing fields, tombstones, several nodes split by bytes.
    fn sample(limits: NodeLimits) -> Stream {
        let mut s = Stream::new();
        let long = vec![b'x'; 300];
        for i in 0..400u64 {
            let v = i.to_string();
            let id = StreamId::new(1_700_000_000_000 + i / 3, i % 3);
            let pairs: Vec<(&[u8], &[u8])> = match i % 5 {
                0 => vec![(b"name", b"alice"), (b"n", v.as_bytes())],
                1 => vec![(b"name", &long), (b"n", b"-4097")],
                2 => vec![(b"other", b"")],
                _ => vec![(b"name", v.as_bytes()), (b"n", b"007")],
            };
            s.append(id, &pairs, limits);
        }
        s.delete(&[StreamId::new(1_700_000_000_000, 1), StreamId::new(1_700_000_000_050, 2)]);
        s
    }

    /// The listpack sizes the store tracks (behind Redis's node-split
    /// rule) are those of the listpacks the RDB writer produces.
    #[test]
    fn tracked_node_sizes_match_written_listpacks() {
        for limits in [NodeLimits::default(), NodeLimits { max_bytes: 1000, max_entries: 0 }] {
            let s = sample(limits);
            let RdbValue::Stream(r) = stream_to_rdb(&s) else { panic!("not a stream") };
            let written: Vec<u64> = r.nodes.iter().map(|n| n.listpack.len() as u64).collect();
            assert_eq!(s.node_listpack_sizes(), written);
            assert!(written.len() > 4, "several nodes: {}", written.len());
            assert!(written.iter().all(|&b| b < limits.max_bytes as u64 + 400), "{written:?}");
        }
    }

    /// A dump whose entries share a large master field stores each entry's
    /// value only; loading it must not copy (or compare) the field per
    /// entry, or a small RESTORE payload could cost gigabytes.
    #[test]
    fn shared_master_fields_load_in_proportion_to_the_dump() {
        let big = vec![b'f'; 200_000];
        let master = ember_rdb::StreamId { ms: 1, seq: 0 };
        let mut w = NodeWriter::new(&[&big]);
        let n = 30_000u64;
        for i in 0..n {
            w.push(master, ember_rdb::StreamId { ms: 1 + i, seq: 0 }, false, &[(&big, b"v")]);
        }
        let listpack = w.finish().unwrap();
        assert!(listpack.len() < 700_000, "{}", listpack.len());
        let r = ember_rdb::Stream {
            nodes: vec![ember_rdb::StreamNode { master_id: master, listpack }],
            length: n,
            last_id: ember_rdb::StreamId { ms: n, seq: 0 },
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let s = stream_from_rdb(&r).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(s.len(), n);
        assert!(s.heap_bytes() < 1_000_000, "{}", s.heap_bytes());
    }

    #[test]
    fn streams_round_trip_through_rdb_form() {
        let mut s = sample(NodeLimits::default());
        s.groups_mut().insert(b"g".as_slice().into(), Group::new(StreamId::new(1_700_000_000_001, 0), 4));
        let g = s.group_mut(b"g").unwrap();
        g.consumer_or_create(b"alice", 5);
        g.assign(StreamId::new(1_700_000_000_000, 0), b"alice", 9, 2);
        let back = stream_from_rdb(match &stream_to_rdb(&s) {
            RdbValue::Stream(r) => r,
            _ => unreachable!(),
        })
        .unwrap();
        assert_eq!(back, s);
    }
}
