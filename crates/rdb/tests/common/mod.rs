//! Shared by the rdb integration tests: proptest strategies (arbitrary
//! datasets of every value kind, here) and the references they compare
//! with ([`refs`]).
#![allow(dead_code, unused_imports)]

pub mod refs;

use ember_rdb::{
    listpack, EncodingLimits, Entry, ModuleData, ModuleValue, PendingEntry, RdbValue, Stream, StreamConsumer,
    StreamGroup, StreamId, StreamNode, WriteOptions,
};
use proptest::collection::{btree_map, btree_set, vec};
use proptest::prelude::*;

/// Binary-safe byte strings, biased towards interesting shapes: empty,
/// canonical and non-canonical integers, long compressible runs.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..24),
        2 => any::<i64>().prop_map(|i| i.to_string().into_bytes()),
        2 => (-200i64..200).prop_map(|i| i.to_string().into_bytes()),
        1 => Just(b"007".to_vec()),
        1 => (any::<u8>(), 21usize..300).prop_map(|(b, n)| vec![b; n]),
        1 => vec(any::<u8>(), 60..80),
    ]
}

pub fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
        2 => (-1000i64..1000).prop_map(|i| i as f64),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.5),
    ]
}

fn stream_id() -> impl Strategy<Value = StreamId> {
    (any::<u64>(), any::<u64>()).prop_map(|(ms, seq)| StreamId { ms, seq })
}

pub fn stream() -> impl Strategy<Value = Stream> {
    (
        vec((stream_id(), vec(bytes(), 1..6)), 0..3),
        any::<u64>(),
        stream_id(),
        vec((bytes(), stream_id(), btree_set(stream_id(), 0..4), vec(bytes(), 0..3)), 0..3),
    )
        .prop_map(|(nodes, length, last_id, groups)| Stream {
            nodes: nodes
                .into_iter()
                .map(|(master_id, items)| StreamNode {
                    master_id,
                    listpack: listpack::encode(items.iter().map(Vec::as_slice)).unwrap(),
                })
                .collect(),
            length,
            last_id,
            first_id: Some(StreamId { ms: 1, seq: 0 }),
            max_deleted_id: Some(StreamId::default()),
            entries_added: Some(length),
            groups: groups
                .into_iter()
                .enumerate()
                .map(|(i, (name, last, pel, consumers))| {
                    let pel: Vec<StreamId> = pel.into_iter().collect();
                    let mut name = name;
                    name.push(i as u8); // distinct names
                    StreamGroup {
                        name,
                        last_id: last,
                        entries_read: Some(3),
                        pending: pel
                            .iter()
                            .map(|&id| PendingEntry { id, delivery_time_ms: 1_700_000_000_000, delivery_count: 2 })
                            .collect(),
                        consumers: consumers
                            .into_iter()
                            .enumerate()
                            .map(|(j, mut cname)| {
                                cname.push(j as u8);
                                StreamConsumer {
                                    name: cname,
                                    seen_time_ms: 5,
                                    active_time_ms: Some(6),
                                    // The first consumer owns every pending entry.
                                    pending: if j == 0 { pel.clone() } else { Vec::new() },
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
}

/// Any value the writer accepts (non-empty collections, no NaN).
pub fn value() -> impl Strategy<Value = RdbValue> {
    prop_oneof![
        4 => bytes().prop_map(RdbValue::String),
        2 => vec(bytes(), 1..20).prop_map(RdbValue::List),
        1 => vec(vec(any::<u8>(), 0..40), 100..400).prop_map(RdbValue::List),
        2 => btree_set(bytes(), 1..20).prop_map(|s| RdbValue::Set(s.into_iter().collect())),
        1 => btree_set(any::<i32>(), 1..600).prop_map(|s| RdbValue::Set(s.into_iter().map(|i| i.to_string().into_bytes()).collect())),
        2 => btree_map(bytes(), score(), 1..20).prop_map(|m| RdbValue::SortedSet(m.into_iter().collect())),
        1 => btree_map(bytes(), score(), 120..200).prop_map(|m| RdbValue::SortedSet(m.into_iter().collect())),
        2 => btree_map(bytes(), bytes(), 1..20).prop_map(|m| RdbValue::Hash(m.into_iter().collect())),
        1 => btree_map(bytes(), bytes(), 120..200).prop_map(|m| RdbValue::Hash(m.into_iter().collect())),
        1 => stream().prop_map(|s| RdbValue::Stream(Box::new(s))),
        1 => (any::<u64>(), vec(prop_oneof![
                any::<i64>().prop_map(ModuleData::Signed),
                any::<u64>().prop_map(ModuleData::Unsigned),
                any::<f32>().prop_map(ModuleData::Float),
                any::<f64>().prop_map(ModuleData::Double),
                bytes().prop_map(ModuleData::String),
            ], 0..5))
            .prop_map(|(module_id, fields)| RdbValue::Module(Box::new(ModuleValue { module_id, fields }))),
    ]
}

pub fn entry() -> impl Strategy<Value = Entry> {
    (
        bytes(),
        value(),
        proptest::option::of(any::<i64>()),
        proptest::option::weighted(0.1, any::<u64>()),
        proptest::option::weighted(0.1, any::<u8>()),
    )
        .prop_map(|(key, value, expire_ms, idle, freq)| {
            let mut e = Entry::new(key, value);
            e.expire_ms = expire_ms;
            e.idle = idle;
            e.freq = freq;
            e
        })
}

/// Databases with distinct keys each.
pub fn dataset() -> impl Strategy<Value = Vec<(u64, Vec<Entry>)>> {
    btree_map(0u64..20, vec(entry(), 0..8), 1..4).prop_map(|dbs| {
        dbs.into_iter()
            .map(|(db, entries)| {
                let mut seen = std::collections::HashSet::new();
                (db, entries.into_iter().filter(|e| seen.insert(e.key.clone())).collect())
            })
            .collect()
    })
}

pub fn options() -> impl Strategy<Value = WriteOptions> {
    (9u32..=11, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(version, compress, checksum, tight)| {
        let limits = if tight {
            EncodingLimits {
                hash_max_listpack_entries: 4,
                hash_max_listpack_value: 8,
                zset_max_listpack_entries: 4,
                zset_max_listpack_value: 8,
                set_max_intset_entries: 4,
                set_max_listpack_entries: 4,
                set_max_listpack_value: 8,
                list_max_listpack_size: 3,
            }
        } else {
            EncodingLimits::default()
        };
        WriteOptions { version, compress, checksum, limits }
    })
}
