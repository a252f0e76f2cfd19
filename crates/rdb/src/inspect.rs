//! What the `ember-rdb` tool prints: entries as binary-safe JSON lines and
//! keyspace statistics, kept in the library so they are tested (and usable
//! by other tools).
//!
//! JSON strings are binary-safe this way: valid UTF-8 is written as is
//! (with JSON escapes for `"`, `\` and control characters), and every byte
//! that is not part of valid UTF-8 is written as `\u00XX` with `XX` its value.
//! The output is always valid JSON; a consumer that knows a string came from
//! bytes maps `\u0080`..`\u00ff` back to single bytes, which is exact except
//! that it cannot tell those bytes from the characters U+0080..U+00FF written
//! in UTF-8 (two bytes each). [`BytesFormat::Hex`] gives exact hex instead.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::fmt::Write as _;

use crate::value::{module_encver, module_name, Entry, RdbValue, StreamId};

/// How byte strings appear in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BytesFormat {
    /// UTF-8 as is, other bytes as `\u00XX` (see the module docs).
    #[default]
    Escaped,
    /// Lower-case hex digits.
    Hex,
}

/// Appends `bytes` as a JSON string.
pub fn write_json_bytes(out: &mut String, bytes: &[u8], format: BytesFormat) {
    out.push('"');
    match format {
        BytesFormat::Hex => {
            for b in bytes {
                let _ = write!(out, "{b:02x}");
            }
        }
        BytesFormat::Escaped => {
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                            let _ = write!(out, "\\u{:04x}", u32::from(c));
                        }
                        c => out.push(c),
                    }
                }
                for b in chunk.invalid() {
                    let _ = write!(out, "\\u{:04x}", b);
                }
            }
        }
    }
    out.push('"');
}

fn write_score(out: &mut String, score: f64) {
    if score.is_finite() {
        // `{:?}` is the shortest round-trip form and valid JSON (`1.5`, `1e300`).
        let _ = write!(out, "{score:?}");
    } else {
        out.push_str(if score > 0.0 { "\"inf\"" } else { "\"-inf\"" });
    }
}

fn id_string(id: StreamId) -> String {
    format!("{}-{}", id.ms, id.seq)
}

/// One entry as a JSON object (no trailing newline):
/// `{"db":0,"key":"k","type":"hash","encoding":"listpack","ttl":null,"value":{...}}`.
///
/// `ttl` is the absolute expiry in Unix milliseconds (what PEXPIRETIME
/// returns), or `null`. Values: strings as strings; lists and sets as arrays;
/// sorted sets as `[member, score]` pairs (scores as numbers, infinities as
/// `"inf"`/`"-inf"`); hashes as objects; streams as a summary (`length`,
/// `last_id`, `nodes`, `groups`); module values as `{"module", "encver",
/// "fields"}`.
pub fn entry_json(db: u64, entry: &Entry, format: BytesFormat) -> String {
    let mut out = String::with_capacity(64 + entry.key.len());
    let _ = write!(out, "{{\"db\":{db},\"key\":");
    write_json_bytes(&mut out, &entry.key, format);
    let _ =
        write!(out, ",\"type\":\"{}\",\"encoding\":\"{}\",\"ttl\":", entry.value.type_name(), entry.encoding.name());
    match entry.expire_ms {
        Some(ms) => {
            let _ = write!(out, "{ms}");
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"value\":");
    let list = |out: &mut String, items: &[Vec<u8>]| {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json_bytes(out, item, format);
        }
        out.push(']');
    };
    match &entry.value {
        RdbValue::String(s) => write_json_bytes(&mut out, s, format),
        RdbValue::List(items) | RdbValue::Set(items) => list(&mut out, items),
        RdbValue::SortedSet(pairs) => {
            out.push('[');
            for (i, (member, score)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                write_json_bytes(&mut out, member, format);
                out.push(',');
                write_score(&mut out, *score);
                out.push(']');
            }
            out.push(']');
        }
        RdbValue::Hash(pairs) => {
            out.push('{');
            for (i, (field, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_bytes(&mut out, field, format);
                out.push(':');
                write_json_bytes(&mut out, value, format);
            }
            out.push('}');
        }
        RdbValue::Stream(s) => {
            let _ = write!(
                out,
                "{{\"length\":{},\"last_id\":\"{}\",\"nodes\":{},\"groups\":[",
                s.length,
                id_string(s.last_id),
                s.nodes.len()
            );
            for (i, g) in s.groups.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"name\":");
                write_json_bytes(&mut out, &g.name, format);
                let _ = write!(
                    out,
                    ",\"last_id\":\"{}\",\"pending\":{},\"consumers\":{}}}",
                    id_string(g.last_id),
                    g.pending.len(),
                    g.consumers.len()
                );
            }
            out.push_str("]}");
        }
        RdbValue::Module(m) => {
            let _ = write!(
                out,
                "{{\"module\":\"{}\",\"encver\":{},\"fields\":{}}}",
                module_name(m.module_id),
                module_encver(m.module_id),
                m.fields.len()
            );
        }
    }
    out.push('}');
    out
}

/// (size in bytes, db, key, type name) of one of the biggest keys.
type Big = (u64, u64, Vec<u8>, &'static str);

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    keys: u64,
    bytes: u64,
    elements: u64,
}

impl Tally {
    fn add(&mut self, bytes: u64, elements: u64) {
        self.keys += 1;
        self.bytes += bytes;
        self.elements += elements;
    }
}

/// Keyspace statistics gathered entry by entry: counts and on-disk sizes per
/// type, encoding and database, the biggest keys, and size by key prefix (the
/// key up to its first `:`).
///
/// Sizes are serialized bytes in the file (key, value and expiry/LRU
/// metadata); Redis's memory use is larger and shaped differently, but ranks
/// keys much the same way.
#[derive(Debug, Clone)]
pub struct Stats {
    top: usize,
    by_type: BTreeMap<&'static str, Tally>,
    by_encoding: BTreeMap<&'static str, Tally>,
    by_db: BTreeMap<u64, (u64, u64)>,
    by_prefix: HashMap<Vec<u8>, Tally>,
    biggest: BinaryHeap<Reverse<Big>>,
}

impl Stats {
    /// Statistics that keep the `top` biggest keys and prefixes.
    pub fn new(top: usize) -> Stats {
        Stats {
            top,
            by_type: BTreeMap::new(),
            by_encoding: BTreeMap::new(),
            by_db: BTreeMap::new(),
            by_prefix: HashMap::new(),
            biggest: BinaryHeap::new(),
        }
    }

    /// Counts one entry of database `db` that took `size` bytes in the file.
    pub fn add(&mut self, db: u64, entry: &Entry, size: u64) {
        let ty = entry.value.type_name();
        let elements = entry.value.len() as u64;
        self.by_type.entry(ty).or_default().add(size, elements);
        self.by_encoding.entry(entry.encoding.name()).or_default().add(size, elements);
        let d = self.by_db.entry(db).or_default();
        d.0 += 1;
        d.1 += u64::from(entry.expire_ms.is_some());
        let prefix = match entry.key.iter().position(|&b| b == b':') {
            Some(i) => &entry.key[..i],
            None => &b""[..],
        };
        match self.by_prefix.get_mut(prefix) {
            Some(t) => t.add(size, elements),
            None => {
                let mut t = Tally::default();
                t.add(size, elements);
                self.by_prefix.insert(prefix.to_vec(), t);
            }
        }
        if self.top > 0 {
            if self.biggest.len() < self.top {
                self.biggest.push(Reverse((size, db, entry.key.clone(), ty)));
            } else if self.biggest.peek().is_some_and(|Reverse(min)| size > min.0) {
                self.biggest.pop();
                self.biggest.push(Reverse((size, db, entry.key.clone(), ty)));
            }
        }
    }

    /// Total keys counted.
    pub fn keys(&self) -> u64 {
        self.by_type.values().map(|t| t.keys).sum()
    }

    /// A plain-text report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let table = |out: &mut String, title: &str, rows: Vec<(String, Tally)>| {
            let _ = writeln!(out, "{title:<24} {:>10} {:>14} {:>12}", "keys", "bytes", "elements");
            for (name, t) in rows {
                let _ = writeln!(out, "{name:<24} {:>10} {:>14} {:>12}", t.keys, t.bytes, t.elements);
            }
            out.push('\n');
        };
        table(&mut out, "type", self.by_type.iter().map(|(k, t)| (k.to_string(), *t)).collect());
        table(&mut out, "encoding", self.by_encoding.iter().map(|(k, t)| (k.to_string(), *t)).collect());
        let _ = writeln!(out, "{:<24} {:>10} {:>14}", "db", "keys", "with expiry");
        for (db, (keys, expires)) in &self.by_db {
            let _ = writeln!(out, "{db:<24} {keys:>10} {expires:>14}");
        }
        out.push('\n');
        let mut biggest: Vec<_> = self.biggest.iter().map(|Reverse(x)| x.clone()).collect();
        biggest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2)));
        let _ = writeln!(out, "biggest keys (bytes in file)");
        for (size, db, key, ty) in biggest {
            let mut k = String::new();
            write_json_bytes(&mut k, &key, BytesFormat::Escaped);
            let _ = writeln!(out, "{size:>14}  db {db:<3} {ty:<7} {k}");
        }
        out.push('\n');
        let mut prefixes: Vec<_> = self.by_prefix.iter().collect();
        prefixes.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then_with(|| a.0.cmp(b.0)));
        let rows = prefixes
            .into_iter()
            .take(self.top.max(1))
            .map(|(p, t)| {
                let mut name = String::new();
                if p.is_empty() {
                    name.push_str("(no prefix)");
                } else {
                    write_json_bytes(&mut name, p, BytesFormat::Escaped);
                }
                (name, *t)
            })
            .collect();
        table(&mut out, "prefix (up to ':')", rows);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Encoding;

    fn json(bytes: &[u8]) -> String {
        let mut s = String::new();
        write_json_bytes(&mut s, bytes, BytesFormat::Escaped);
        s
    }

    #[test]
    fn binary_safe_strings() {
        assert_eq!(json(b"plain"), r#""plain""#);
        assert_eq!(json("é\"\\\n".as_bytes()), "\"é\\\"\\\\\\n\"");
        assert_eq!(json(b"\x00\x1f"), r#""\u0000\u001f""#);
        assert_eq!(json(b"a\xffb\xc3"), r#""a\u00ffb\u00c3""#);
        let mut hex = String::new();
        write_json_bytes(&mut hex, b"\x00\xff", BytesFormat::Hex);
        assert_eq!(hex, r#""00ff""#);
    }

    #[test]
    fn entries() {
        let mut e = Entry::new("z", RdbValue::SortedSet(vec![(b"a".to_vec(), 1.5), (b"b".to_vec(), f64::INFINITY)]));
        e.encoding = Encoding::Listpack;
        e.expire_ms = Some(42);
        assert_eq!(
            entry_json(3, &e, BytesFormat::Escaped),
            r#"{"db":3,"key":"z","type":"zset","encoding":"listpack","ttl":42,"value":[["a",1.5],["b","inf"]]}"#
        );
        let h = Entry::new("h", RdbValue::Hash(vec![(b"f".to_vec(), b"v".to_vec())]));
        assert_eq!(
            entry_json(0, &h, BytesFormat::Escaped),
            r#"{"db":0,"key":"h","type":"hash","encoding":"hashtable","ttl":null,"value":{"f":"v"}}"#
        );
    }

    #[test]
    fn stats() {
        let mut s = Stats::new(2);
        s.add(0, &Entry::new("user:1", RdbValue::String(b"x".to_vec())), 10);
        s.add(0, &Entry::new("user:2", RdbValue::String(b"y".to_vec())), 30);
        s.add(1, &Entry::new("plain", RdbValue::List(vec![b"a".to_vec()])), 20);
        assert_eq!(s.keys(), 3);
        let report = s.render();
        assert!(report.contains("\"user\""), "{report}");
        assert!(report.contains("(no prefix)"), "{report}");
        let biggest = report.split("biggest keys").nth(1).unwrap();
        assert!(biggest.find("user:2").unwrap() < biggest.find("plain").unwrap(), "{report}");
        assert!(!biggest.split("prefix").next().unwrap().contains("user:1"), "{report}");
    }
}
