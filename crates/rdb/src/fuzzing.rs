//! The properties the `rdb_decode` fuzz target checks, kept in the crate so
//! that `cargo test` checks them too (over proptest inputs). Not a stable API.
//!
//! For any input: decoding never panics and allocates only what the input
//! justifies (the test with a counting allocator checks the bound); the
//! borrowing reader (`next_item_ref`) yields exactly the owned reader's
//! items; every
//! item that decodes re-encodes (RDB 11) to bytes that decode to an equal
//! item; a DUMP payload that parses re-serializes to one that parses to an
//! equal value; each blob parser (listpack, ziplist, intset, zipmap, LZF)
//! either rejects the input or accepts it and round-trips what it read.

use crate::listpack::Element;
use crate::read::ItemRef;
use crate::value::{Item, RdbValue, StreamId};
use crate::{
    dump_payload_with, intset, listpack, lzf, parse_dump_payload, stream, ziplist, zipmap, Reader, WriteOptions, Writer,
};

/// Checks every property on `data`; panics on a violation.
///
/// The RDB decoder sees `data` itself and, so that fuzzers need not guess
/// the magic, `REDIS00vv` + `data[1..]` with the version `vv` chosen by
/// `data[0]`.
pub fn fuzz_check(data: &[u8]) {
    check_file(data);
    if let Some((&selector, rest)) = data.split_first() {
        let version = 1 + u32::from(selector) % 11;
        let mut file = format!("REDIS{version:04}").into_bytes();
        file.extend_from_slice(rest);
        check_file(&file);
    }
    check_dump(data);
    check_blobs(data);
}

fn check_file(data: &[u8]) {
    let Ok(reader) = Reader::new(data) else { return };
    let mut items = Vec::new();
    for item in reader {
        match item {
            Ok(item) => items.push(item),
            Err(e) => {
                // Errors render without panicking.
                let _ = e.to_string();
                break;
            }
        }
    }
    // The borrowing reader yields the same items and stops at the same place.
    if let Ok(mut r) = Reader::new(data) {
        for want in &items {
            match r.next_item_ref() {
                Ok(Some(ItemRef::Entry(e))) => assert_eq!(&Item::Entry(e.to_owned()), want),
                Ok(Some(ItemRef::Item(item))) => assert_eq!(&item, want),
                other => panic!("borrowing reader diverged: {other:?}"),
            }
        }
        assert!(!matches!(r.next_item_ref(), Ok(Some(_))), "borrowing reader read past the owned one");
    }
    let options = WriteOptions { version: 11, ..WriteOptions::default() };
    let mut writer = Writer::new(Vec::new(), options).expect("version 11 is writable");
    let mut written = Vec::new();
    for item in &items {
        match item {
            Item::End { .. } => {}
            Item::Entry(e) if e.value.is_empty_collection() => {}
            other => {
                writer.write_item(other).expect("a decoded item re-encodes");
                written.push(other.clone());
            }
        }
    }
    let bytes = writer.finish().expect("writing to a Vec succeeds");
    let reread = crate::read::read_all(&bytes).expect("re-encoded items decode");
    assert_eq!(reread.len(), written.len() + 1, "same number of items");
    for (a, b) in written.iter().zip(&reread) {
        assert_eq!(normalize_item(a), normalize_item(b));
    }
}

fn check_dump(data: &[u8]) {
    let Ok(value) = parse_dump_payload(data) else { return };
    if value.is_empty_collection() {
        return;
    }
    let options = WriteOptions { version: 11, ..WriteOptions::default() };
    let payload = dump_payload_with(&value, &options).expect("a parsed value re-serializes");
    let back = parse_dump_payload(&payload).expect("a fresh payload parses");
    assert_eq!(normalize(&value), normalize(&back));
}

fn check_blobs(data: &[u8]) {
    if let Ok(elements) = listpack::parse(data) {
        let mut b = listpack::Builder::new();
        for e in &elements {
            match e {
                Element::Int(i) => b.push_int(*i),
                Element::Bytes(s) => b.push_str(s),
            }
        }
        let blob = b.finish().expect("small listpack");
        assert_eq!(listpack::parse(&blob).expect("rebuilt listpack parses"), elements);
    }
    if let Ok(elements) = ziplist::parse(data) {
        let values: Vec<Vec<u8>> = elements.iter().map(Element::to_bytes).collect();
        let blob = ziplist::encode(values.iter().map(Vec::as_slice)).expect("small ziplist");
        let back: Vec<Vec<u8>> =
            ziplist::parse(&blob).expect("rebuilt ziplist parses").iter().map(Element::to_bytes).collect();
        assert_eq!(back, values);
    }
    // A stream node (master id 0-0, so any ids are in order from it)
    // rebuilds to a node with the same entries.
    if let Ok(node) = stream::parse_node(StreamId::default(), data) {
        let fields: Vec<Vec<u8>> = node.master_fields.iter().map(Element::to_bytes).collect();
        let field_refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        let mut w = stream::NodeWriter::new(&field_refs);
        // One entry's pairs at a time: same-field entries share the master
        // fields, which expanding all at once would multiply.
        for e in &node.entries {
            let pairs = node.pairs(e);
            let refs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(f, v)| (&f[..], &v[..])).collect();
            w.push(StreamId::default(), e.id, e.deleted, &refs);
        }
        let blob = w.finish().expect("small node");
        let back = stream::parse_node(StreamId::default(), &blob).expect("rebuilt node parses");
        assert_eq!(back.entries.len(), node.entries.len());
        for (a, b) in node.entries.iter().zip(&back.entries) {
            assert_eq!((a.id, a.deleted), (b.id, b.deleted));
            assert_eq!(node.pairs(a), back.pairs(b));
        }
    }
    if let Ok(ints) = intset::parse(data) {
        assert_eq!(intset::parse(&intset::encode(&ints)).expect("rebuilt intset parses"), ints);
    }
    if let Ok(pairs) = zipmap::parse(data) {
        assert_eq!(zipmap::parse(&zipmap::encode(&pairs)).expect("rebuilt zipmap parses"), pairs);
    }
    if let Some((&len, rest)) = data.split_first() {
        if let Ok(out) = lzf::decompress(rest, usize::from(len) * 4) {
            if let Some(c) = lzf::compress(&out, usize::MAX) {
                assert_eq!(lzf::decompress(&c, out.len()).expect("fresh LZF decompresses"), out);
            }
        }
    }
}

fn normalize_item(item: &Item) -> Item {
    match item {
        Item::Entry(e) => {
            let mut e = e.clone();
            e.value = normalize(&e.value);
            // The writer picks its own encoding.
            e.encoding = crate::Encoding::Raw;
            Item::Entry(e)
        }
        other => other.clone(),
    }
}

/// The value with order-free collections sorted and version-dependent
/// stream fields cleared, for comparisons across an encode/decode cycle.
pub fn normalize(value: &RdbValue) -> RdbValue {
    match value {
        RdbValue::Set(m) => {
            let mut m = m.clone();
            m.sort();
            RdbValue::Set(m)
        }
        RdbValue::SortedSet(p) => {
            let mut p = p.clone();
            p.sort_by(|a, b| a.0.cmp(&b.0));
            RdbValue::SortedSet(p)
        }
        RdbValue::Hash(p) => {
            let mut p = p.clone();
            p.sort();
            RdbValue::Hash(p)
        }
        RdbValue::Stream(s) => {
            let mut s = s.clone();
            s.first_id = None;
            s.max_deleted_id = None;
            s.entries_added = None;
            for g in &mut s.groups {
                g.entries_read = None;
                for c in &mut g.consumers {
                    c.active_time_ms = None;
                }
            }
            RdbValue::Stream(s)
        }
        other => other.clone(),
    }
}
