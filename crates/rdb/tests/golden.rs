//! Golden tests against dump files written by real Redis (read in place from
//! `../shared/fixtures/redis-rdb` beside the repository, never copied into
//! it; see `common::refs` for `EMBER_FIXTURES` and for what happens when
//! they are missing).

mod common;

use std::path::PathBuf;

use ember_rdb::{crc64, Encoding, Entry, Item, RdbError, RdbValue, Reader};

fn fixtures() -> Option<PathBuf> {
    common::refs::fixtures("redis-rdb")
}

fn read_fixture(name: &str) -> Option<Vec<u8>> {
    let dir = fixtures()?;
    Some(std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
}

/// (db, entry) pairs of a whole file; panics on any error.
fn entries(data: &[u8]) -> Vec<(u64, Entry)> {
    let mut reader = Reader::new(data).expect("header");
    let mut out = Vec::new();
    while let Some(item) = reader.next_item().expect("item") {
        if let Item::Entry(e) = item {
            out.push((reader.current_db(), e));
        }
    }
    out
}

fn find<'a>(entries: &'a [(u64, Entry)], key: &str) -> &'a Entry {
    &entries.iter().find(|(_, e)| e.key == key.as_bytes()).unwrap_or_else(|| panic!("no key {key}")).1
}

fn strings(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

const GOOD: &[&str] = &[
    "encodings.rdb",
    "hash-ziplist.rdb",
    "hash-zipmap.rdb",
    "list-quicklist.rdb",
    "zset-ziplist.rdb",
    "scriptbackup.rdb",
    "redis-7.0.15-all-types.rdb",
];

#[test]
fn every_good_fixture_decodes_to_the_end() {
    let Some(dir) = fixtures() else { return };
    for name in GOOD {
        let data = std::fs::read(dir.join(name)).unwrap();
        let items: Vec<Item> = Reader::new(data.as_slice()).unwrap().collect::<Result<_, _>>().unwrap_or_else(|e| {
            panic!("{name}: {e}");
        });
        assert!(matches!(items.last(), Some(Item::End { .. })), "{name} ends with EOF");
    }
}

#[test]
fn checksums_of_real_dumps() {
    let Some(dir) = fixtures() else { return };
    let mut checked = 0;
    for name in GOOD {
        let data = std::fs::read(dir.join(name)).unwrap();
        let version: u32 = std::str::from_utf8(&data[5..9]).unwrap().parse().unwrap();
        if version < 5 {
            continue;
        }
        let (body, stored) = data.split_at(data.len() - 8);
        let stored = u64::from_le_bytes(stored.try_into().unwrap());
        assert_ne!(stored, 0, "{name} has a checksum");
        assert_eq!(crc64(0, body), stored, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 5);
    // A flipped bit anywhere is caught.
    let mut data = std::fs::read(dir.join("redis-7.0.15-all-types.rdb")).unwrap();
    data[1000] ^= 0x01;
    let err = Reader::new(data.as_slice()).unwrap().collect::<Result<Vec<_>, _>>().unwrap_err();
    assert!(
        matches!(err, RdbError::ChecksumMismatch { .. } | RdbError::Blob { .. } | RdbError::Corrupt { .. }),
        "{err}"
    );
}

#[test]
fn old_encodings() {
    let Some(data) = read_fixture("encodings.rdb") else { return };
    let e = entries(&data);
    assert_eq!(e.len(), 13);
    assert_eq!(find(&e, "string").value, RdbValue::String(b"Hello World".to_vec()));
    assert_eq!(find(&e, "number").value, RdbValue::String(b"10".to_vec()));
    assert_eq!(find(&e, "number").encoding, Encoding::Int);
    assert_eq!(find(&e, "compressible").encoding, Encoding::Lzf);
    assert_eq!(find(&e, "set_zipped_1").value, RdbValue::Set(strings(&["1", "2", "3", "4"])));
    assert_eq!(find(&e, "set_zipped_1").encoding, Encoding::Intset);
    assert_eq!(
        find(&e, "list_zipped").value,
        RdbValue::List(strings(&["1", "2", "3", "a", "b", "c", "100000", "6000000000"]))
    );
    assert_eq!(
        find(&e, "hash_zipped").value,
        RdbValue::Hash(vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"b".to_vec(), b"2".to_vec()),
            (b"c".to_vec(), b"3".to_vec())
        ])
    );
    assert_eq!(
        find(&e, "zset_zipped").value,
        RdbValue::SortedSet(vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.0), (b"c".to_vec(), 3.0)])
    );
    assert_eq!(find(&e, "zset").encoding, Encoding::Skiplist);
}

#[test]
fn small_fixtures() {
    let f1v1 = RdbValue::Hash(vec![(b"f1".to_vec(), b"v1".to_vec()), (b"f2".to_vec(), b"v2".to_vec())]);
    if let Some(data) = read_fixture("hash-zipmap.rdb") {
        let e = entries(&data);
        assert_eq!((find(&e, "hash").encoding, &find(&e, "hash").value), (Encoding::Zipmap, &f1v1));
    }
    if let Some(data) = read_fixture("hash-ziplist.rdb") {
        let e = entries(&data);
        assert_eq!((find(&e, "hash").encoding, &find(&e, "hash").value), (Encoding::Ziplist, &f1v1));
    }
    if let Some(data) = read_fixture("list-quicklist.rdb") {
        let e = entries(&data);
        assert_eq!(find(&e, "list").value, RdbValue::List(strings(&["7"])));
        assert_eq!(find(&e, "list").encoding, Encoding::Quicklist);
        assert_eq!(find(&e, "x").value, RdbValue::String(b"7".to_vec()));
    }
    if let Some(data) = read_fixture("zset-ziplist.rdb") {
        let e = entries(&data);
        assert_eq!(find(&e, "zset").value, RdbValue::SortedSet(vec![(b"one".to_vec(), 1.0), (b"two".to_vec(), 2.0)]));
    }
    if let Some(data) = read_fixture("scriptbackup.rdb") {
        let items = ember_rdb::read_all(&data).unwrap();
        assert!(items
            .contains(&Item::Aux { key: b"lua".to_vec(), value: b"return redis.call('set', 'foo', 'bar')".to_vec() }));
    }
}

#[test]
fn corrupt_ziplist_is_rejected() {
    // Redis refuses this file ("Hash ziplist integrity check failed"); so do we,
    // cleanly, naming the offset of the broken blob.
    let Some(data) = read_fixture("corrupt_ziplist.rdb") else { return };
    let err = Reader::new(data.as_slice()).unwrap().collect::<Result<Vec<_>, _>>().unwrap_err();
    match &err {
        RdbError::Blob { kind: ember_rdb::BlobKind::Ziplist, offset, .. } => assert!(*offset > 400, "{err}"),
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("ziplist"), "{err}");
}

#[test]
fn corrupt_empty_keys_decode_as_empty_collections() {
    // Redis 7 loads this file and skips the nine empty keys (they are
    // "corrupt" only in being empty; redis-check-rdb reports them). The reader
    // decodes them without error as empty collections and leaves skipping to
    // the caller (`RdbValue::is_empty_collection`).
    let Some(data) = read_fixture("corrupt_empty_keys.rdb") else { return };
    let e = entries(&data);
    assert_eq!(e.len(), 9);
    assert!(e.iter().all(|(_, e)| e.value.is_empty_collection()), "{e:?}");
}

// --- the 7.0.15 all-types file against Redis's own report -------------------

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(fields) => &fields.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key}")).1,
            _ => panic!("not an object"),
        }
    }
    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }
}

/// A minimal JSON parser (enough for the expected.jsonl file).
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) {
        self.ws();
        assert_eq!(self.s[self.i], c, "at {}", self.i);
        self.i += 1;
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                    return Json::Obj(fields);
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.value() else { panic!("key") };
                    self.eat(b':');
                    fields.push((k, self.value()));
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b'}' {
                        return Json::Obj(fields);
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Json::Arr(items);
                }
                loop {
                    items.push(self.value());
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b']' {
                        return Json::Arr(items);
                    }
                }
            }
            b'"' => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let c = self.s[self.i];
                    self.i += 1;
                    match c {
                        b'"' => return Json::Str(out),
                        b'\\' => {
                            let e = self.s[self.i];
                            self.i += 1;
                            out.push(match e {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                b'u' => {
                                    let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                                    self.i += 4;
                                    char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap()
                                }
                                other => char::from(other),
                            });
                        }
                        _ => {
                            // Copy a UTF-8 sequence whole.
                            let start = self.i - 1;
                            while self.i < self.s.len() && (self.s[self.i] & 0xC0) == 0x80 {
                                self.i += 1;
                            }
                            out.push_str(std::str::from_utf8(&self.s[start..self.i]).unwrap());
                        }
                    }
                }
            }
            b't' => {
                self.i += 4;
                Json::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Json::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Json::Null
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    self.i += 1;
                }
                Json::Num(std::str::from_utf8(&self.s[start..self.i]).unwrap().parse().unwrap())
            }
        }
    }
}

fn parse_json(line: &str) -> Json {
    Parser { s: line.as_bytes(), i: 0 }.value()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Redis prints scores with %.17g; "inf"/"-inf" for infinities.
fn redis_score(s: &str) -> f64 {
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => s.parse().unwrap(),
    }
}

#[test]
fn all_types_match_redis_report() {
    let Some(dir) = fixtures() else { return };
    let data = std::fs::read(dir.join("redis-7.0.15-all-types.rdb")).unwrap();
    let expected = std::fs::read_to_string(dir.join("redis-7.0.15-all-types.expected.jsonl")).unwrap();
    let decoded = entries(&data);
    let mut seen = std::collections::HashSet::new();
    let mut count = 0;
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        count += 1;
        let exp = parse_json(line);
        let Json::Num(db) = exp.get("db") else { panic!("db") };
        let db = *db as u64;
        let key = unhex(exp.get("key").str());
        let ty = exp.get("type").str();
        let encoding = exp.get("encoding").str();
        let ctx = format!("db {db} key {:?}", String::from_utf8_lossy(&key));
        let (_, entry) = decoded
            .iter()
            .find(|(d, e)| *d == db && e.key == key)
            .unwrap_or_else(|| panic!("{ctx}: missing from our decoding"));
        assert!(seen.insert((db, key.clone())), "{ctx}: listed twice");
        assert_eq!(entry.value.type_name(), ty, "{ctx}: type");
        assert_eq!(exp.get("has_ttl") == &Json::Bool(true), entry.expire_ms.is_some(), "{ctx}: has_ttl");
        // On-disk encoding against Redis's in-memory one (collections only:
        // Redis 7.0 saves each collection in the encoding it has in memory).
        let expected_disk = match (ty, encoding) {
            ("list", "quicklist") => Some(Encoding::Quicklist2),
            (_, "listpack") => Some(Encoding::Listpack),
            (_, "intset") => Some(Encoding::Intset),
            ("set" | "hash", "hashtable") => Some(Encoding::Hashtable),
            ("zset", "skiplist") => Some(Encoding::Skiplist),
            ("string", _) => None,
            other => panic!("{ctx}: unexpected encoding {other:?}"),
        };
        if let Some(enc) = expected_disk {
            assert_eq!(entry.encoding, enc, "{ctx}: encoding");
        }
        let value = exp.get("value_hex");
        match (&entry.value, value) {
            (RdbValue::String(s), Json::Str(hex)) => assert_eq!(s, &unhex(hex), "{ctx}"),
            (RdbValue::List(items), Json::Arr(exp_items)) => {
                let exp_items: Vec<Vec<u8>> = exp_items.iter().map(|j| unhex(j.str())).collect();
                assert_eq!(items, &exp_items, "{ctx}");
            }
            (RdbValue::Set(members), Json::Arr(exp_items)) => {
                let mut ours = members.clone();
                ours.sort();
                let mut theirs: Vec<Vec<u8>> = exp_items.iter().map(|j| unhex(j.str())).collect();
                theirs.sort();
                assert_eq!(ours, theirs, "{ctx}");
            }
            (RdbValue::Hash(pairs), Json::Obj(fields)) => {
                let mut ours = pairs.clone();
                ours.sort();
                let mut theirs: Vec<(Vec<u8>, Vec<u8>)> =
                    fields.iter().map(|(k, v)| (unhex(k), unhex(v.str()))).collect();
                theirs.sort();
                assert_eq!(ours, theirs, "{ctx}");
            }
            (RdbValue::SortedSet(pairs), Json::Arr(exp_items)) => {
                // Redis lists members in rank order; a listpack zset is stored
                // in that order, a skiplist one in any order, so sort ours.
                let mut ours = pairs.clone();
                ours.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
                let theirs: Vec<(Vec<u8>, f64)> = exp_items
                    .iter()
                    .map(|pair| match pair {
                        Json::Arr(p) => (unhex(p[0].str()), redis_score(p[1].str())),
                        other => panic!("{ctx}: {other:?}"),
                    })
                    .collect();
                assert_eq!(ours.len(), theirs.len(), "{ctx}");
                for (a, b) in ours.iter().zip(&theirs) {
                    assert_eq!(a.0, b.0, "{ctx}: member order");
                    assert_eq!(a.1.to_bits(), b.1.to_bits(), "{ctx}: score of {:?}", String::from_utf8_lossy(&a.0));
                }
            }
            (ours, theirs) => panic!("{ctx}: {ours:?} vs {theirs:?}"),
        }
    }
    assert_eq!(count, 78);
    assert_eq!(decoded.len(), count, "no keys beyond Redis's report");
}
