//! Encode -> decode round trips of arbitrary datasets, at every writable
//! version, with and without compression, checksums and tight limits.

mod common;

use ember_rdb::fuzzing::normalize;
use ember_rdb::{
    dump_payload_with, parse_dump_payload, AuxFields, ElementBuf, Encoding, Item, ItemRef, RdbValue, Reader,
    WriteOptions, Writer,
};
use proptest::prelude::*;

/// A writer that has written the header every test file starts with: the
/// standard aux fields and a function library.
fn started_writer(options: &WriteOptions) -> Writer<Vec<u8>> {
    let mut w = Writer::new(Vec::new(), options.clone()).unwrap();
    w.write_standard_aux(&AuxFields {
        redis_ver: "7.0.15",
        redis_bits: 64,
        ctime: 1_700_000_000,
        used_mem: 123,
        aof_base: false,
    })
    .unwrap();
    w.write_function(b"#!lua name=mylib\nredis.register_function('f', function() return 1 end)").unwrap();
    w
}

fn write(dataset: &[(u64, Vec<ember_rdb::Entry>)], options: &WriteOptions) -> Vec<u8> {
    let mut w = started_writer(options);
    for (db, entries) in dataset {
        w.select_db(*db).unwrap();
        let expires = entries.iter().filter(|e| e.expire_ms.is_some()).count() as u64;
        w.resize_db(entries.len() as u64, expires).unwrap();
        for e in entries {
            w.write_entry(e).unwrap();
        }
    }
    w.finish().unwrap()
}

/// The value as it must come back: streams lose the RDB 10+ fields at
/// version 9 and the RDB 11 ones at 10.
fn expected(value: &RdbValue, version: u32) -> RdbValue {
    match value {
        RdbValue::Stream(s) => {
            let mut s = s.clone();
            if version < 10 {
                s.first_id = None;
                s.max_deleted_id = None;
                s.entries_added = None;
                s.groups.iter_mut().for_each(|g| g.entries_read = None);
            }
            if version < 11 {
                s.groups.iter_mut().flat_map(|g| g.consumers.iter_mut()).for_each(|c| c.active_time_ms = None);
            }
            RdbValue::Stream(s)
        }
        other => normalize(other),
    }
}

fn check_round_trip(dataset: &[(u64, Vec<ember_rdb::Entry>)], options: &WriteOptions) {
    let bytes = write(dataset, options);
    let mut reader = Reader::new(bytes.as_slice()).unwrap();
    assert_eq!(reader.version(), options.version);
    let mut items = Vec::new();
    while let Some(item) = reader.next_item().unwrap() {
        items.push(item);
    }
    let entries: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            Item::Entry(e) => Some(e),
            _ => None,
        })
        .collect();
    let originals: Vec<_> = dataset.iter().flat_map(|(_, es)| es).collect();
    assert_eq!(entries.len(), originals.len());
    for (got, want) in entries.iter().zip(originals) {
        assert_eq!(got.key, want.key);
        assert_eq!(got.expire_ms, want.expire_ms);
        assert_eq!(got.idle, want.idle);
        assert_eq!(got.freq, want.freq);
        let got_value =
            if matches!(got.value, RdbValue::Stream(_)) { got.value.clone() } else { normalize(&got.value) };
        assert_eq!(got_value, expected(&want.value, options.version), "key {:?}", want.key);
    }
    let dbs: Vec<u64> = items
        .iter()
        .filter_map(|i| match i {
            Item::SelectDb(db) => Some(*db),
            _ => None,
        })
        .collect();
    assert_eq!(dbs, dataset.iter().map(|(db, _)| *db).collect::<Vec<_>>());
    match items.last() {
        Some(Item::End { checksum: Some(sum) }) => assert_eq!(*sum != 0, options.checksum),
        other => panic!("{other:?}"),
    }
    // The borrowing reader sees the same items.
    let mut reader = Reader::new(bytes.as_slice()).unwrap();
    for want in &items {
        match reader.next_item_ref().unwrap() {
            Some(ItemRef::Entry(e)) => assert_eq!(&Item::Entry(e.to_owned()), want),
            Some(ItemRef::Item(item)) => assert_eq!(&item, want),
            None => panic!("borrowing reader ended early"),
        }
    }
    assert!(reader.next_item_ref().unwrap().is_none());
}

/// Writing keys through `write_key_ref` gives the same bytes as
/// `write_entry` (streams and module values, which have no borrowed form,
/// go through `write_entry` in both files).
fn check_borrowed_writer(dataset: &[(u64, Vec<ember_rdb::Entry>)], options: &WriteOptions) {
    let owned = write(dataset, options);
    let mut w = started_writer(options);
    let mut buf = ElementBuf::new();
    for (db, entries) in dataset {
        w.select_db(*db).unwrap();
        let expires = entries.iter().filter(|e| e.expire_ms.is_some()).count() as u64;
        w.resize_db(entries.len() as u64, expires).unwrap();
        for e in entries {
            match e.value.to_ref(&mut buf) {
                Some(r) if e.idle.is_none() && e.freq.is_none() => w.write_key_ref(&e.key, &r, e.expire_ms).unwrap(),
                _ => w.write_entry(e).unwrap(),
            }
        }
    }
    assert_eq!(w.finish().unwrap(), owned);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn datasets_round_trip(dataset in common::dataset(), options in common::options()) {
        check_round_trip(&dataset, &options);
        check_borrowed_writer(&dataset, &options);
    }

    #[test]
    fn dump_payloads_round_trip(value in common::value(), options in common::options()) {
        let payload = dump_payload_with(&value, &options).unwrap();
        let back = parse_dump_payload(&payload).unwrap();
        let back = if matches!(back, RdbValue::Stream(_)) { back } else { normalize(&back) };
        prop_assert_eq!(back, expected(&value, options.version));
    }
}

#[test]
fn writer_chooses_redis_encodings() {
    let ints: Vec<Vec<u8>> = (0..10).map(|i: i32| i.to_string().into_bytes()).collect();
    let many_ints: Vec<Vec<u8>> = (0..600).map(|i: i32| i.to_string().into_bytes()).collect();
    let words: Vec<Vec<u8>> = (0..10).map(|i| format!("w{i}").into_bytes()).collect();
    let pairs = |n: usize, len: usize| -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..n).map(|i| (format!("f{i}").into_bytes(), vec![b'v'; len])).collect()
    };
    let zset = |n: usize| -> Vec<(Vec<u8>, f64)> { (0..n).map(|i| (format!("m{i}").into_bytes(), i as f64)).collect() };
    let cases: Vec<(u32, RdbValue, Encoding)> = vec![
        (10, RdbValue::String(b"12345".to_vec()), Encoding::Int),
        (10, RdbValue::String(b"4611686018427387904".to_vec()), Encoding::Raw),
        (10, RdbValue::String(vec![b'x'; 100]), Encoding::Lzf),
        (10, RdbValue::List(words.clone()), Encoding::Quicklist2),
        (9, RdbValue::List(words.clone()), Encoding::Quicklist),
        (10, RdbValue::Set(ints), Encoding::Intset),
        (10, RdbValue::Set(many_ints), Encoding::Hashtable),
        (10, RdbValue::Set(words.clone()), Encoding::Hashtable),
        (11, RdbValue::Set(words), Encoding::Listpack),
        (10, RdbValue::Hash(pairs(10, 10)), Encoding::Listpack),
        (9, RdbValue::Hash(pairs(10, 10)), Encoding::Ziplist),
        (10, RdbValue::Hash(pairs(129, 10)), Encoding::Hashtable),
        (10, RdbValue::Hash(pairs(3, 65)), Encoding::Hashtable),
        (10, RdbValue::SortedSet(zset(128)), Encoding::Listpack),
        (9, RdbValue::SortedSet(zset(128)), Encoding::Ziplist),
        (10, RdbValue::SortedSet(zset(129)), Encoding::Skiplist),
    ];
    for (version, value, encoding) in cases {
        let mut w = Writer::new(Vec::new(), WriteOptions { version, ..WriteOptions::default() }).unwrap();
        w.write_key(b"k", &value, None).unwrap();
        let bytes = w.finish().unwrap();
        let items = ember_rdb::read_all(&bytes).unwrap();
        let Item::Entry(e) = &items[0] else { panic!() };
        assert_eq!(e.encoding, encoding, "v{version} {value:?}");
    }
}

#[test]
fn writer_refuses_unloadable_values_without_writing() {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    let before = w.offset();
    assert!(matches!(
        w.write_key(b"k", &RdbValue::List(vec![]), Some(5)),
        Err(ember_rdb::RdbError::EmptyCollection { .. })
    ));
    assert!(matches!(
        w.write_key(b"k", &RdbValue::SortedSet(vec![(b"m".to_vec(), f64::NAN)]), None),
        Err(ember_rdb::RdbError::NanScore { .. })
    ));
    assert_eq!(w.offset(), before);
    assert!(matches!(
        Writer::new(Vec::new(), WriteOptions { version: 8, ..WriteOptions::default() }),
        Err(ember_rdb::RdbError::UnsupportedVersion { version: 8 })
    ));
}

#[test]
fn checksum_off_writes_zero_and_reader_accepts_it() {
    let options = WriteOptions { checksum: false, ..WriteOptions::default() };
    let mut w = Writer::new(Vec::new(), options).unwrap();
    w.write_key(b"k", &RdbValue::String(b"v".to_vec()), None).unwrap();
    let bytes = w.finish().unwrap();
    assert_eq!(&bytes[bytes.len() - 8..], &[0; 8]);
    assert_eq!(ember_rdb::read_all(&bytes).unwrap().last(), Some(&Item::End { checksum: Some(0) }));
}

#[test]
fn reader_errors_name_offsets() {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    w.write_key(b"k", &RdbValue::String(b"v".to_vec()), None).unwrap();
    let good = w.finish().unwrap();
    // Unknown type byte at offset 9.
    let mut bad = good.clone();
    bad[9] = 8;
    let err = ember_rdb::read_all(&bad).unwrap_err();
    assert!(matches!(err, ember_rdb::RdbError::UnknownType { type_id: 8, offset: 9 }), "{err}");
    assert_eq!(err.to_string(), "unknown RDB type or opcode 8 (0x08) at offset 9");
    // Truncated.
    let err = ember_rdb::read_all(&good[..12]).unwrap_err();
    assert!(matches!(err, ember_rdb::RdbError::UnexpectedEof { .. }), "{err}");
    // Version 12 and garbage headers.
    assert!(matches!(Reader::new(&b"REDIS0012"[..]), Err(ember_rdb::RdbError::UnsupportedVersion { version: 12 })));
    assert!(matches!(Reader::new(&b"REDIX0010"[..]), Err(ember_rdb::RdbError::BadMagic { .. })));
    // Pre-GA function opcode.
    let mut pre_ga = good[..9].to_vec();
    pre_ga.push(0xF6);
    assert!(matches!(ember_rdb::read_all(&pre_ga), Err(ember_rdb::RdbError::FunctionPreGa { offset: 9 })));
    // Checksum mismatch.
    let mut bad_sum = good.clone();
    let n = bad_sum.len();
    bad_sum[n - 1] ^= 0x80;
    assert!(matches!(ember_rdb::read_all(&bad_sum), Err(ember_rdb::RdbError::ChecksumMismatch { .. })));
    let mut r = Reader::new(bad_sum.as_slice()).unwrap();
    r.set_verify_checksum(false);
    assert!(r.collect::<Result<Vec<_>, _>>().is_ok());
}

#[test]
fn reader_stops_at_the_checksum() {
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    w.write_key(b"k", &RdbValue::String(b"v".to_vec()), None).unwrap();
    let mut bytes = w.finish().unwrap();
    let len = bytes.len();
    bytes.extend_from_slice(b"+OK\r\n");
    let mut r = Reader::new(bytes.as_slice()).unwrap();
    while r.next_item().unwrap().is_some() {}
    assert_eq!(r.offset(), len as u64);
    assert_eq!(r.into_inner(), b"+OK\r\n");
}
