//! Every function of ember-num against replies recorded from redis-server
//! 7.0.15 (`tests/data/redis-7.0.15.tsv`, written by `examples/record.rs`),
//! so the comparison needs no server at run time.
//!
//! Kinds of rows (inputs -> what Redis replied):
//!
//! - `score x`: `ZADD z x m; ZSCORE z m` on a skiplist: [`parse_f64`], [`format_g17`].
//! - `zincrby x y`: `ZADD z x m; ZINCRBY z y m`.
//! - `listpack x`: `ZADD z x m; ZSCAN z 0` on a listpack: [`format_d2string`].
//! - `range x`: `ZRANGEBYSCORE nokey x +inf`: [`strtod`] of the C string.
//! - `incrbyfloat x y`, `hincrbyfloat x y`: [`LongDouble`].
//! - `int x`: `SET k x; INCRBY k 0` and `encoding x`: `SET k x; OBJECT
//!   ENCODING k`: [`parse_i64`].
//! - `streamid x`: `XRANGE nokey x +`: [`string2ull`].
//! - `cursor x`: `SCAN x`: [`strtoull`].
//! - `lua17 x`, `lua14 x`: a Lua number given to `redis.call` and `tostring`:
//!   [`format_g`] with precision 17 and 14.
//! - `timeout x`: `BLPOP nokey x`: [`LongDouble`] times 1000, `ceil`, `to_i64`.

use ember_num::{
    c_string, format_d2string, format_g, format_g17, is_c_space, parse_f64, parse_i64, string2ull, strtod, strtoull,
    LongDouble, FLOAT_BUF_LEN,
};

const TABLE: &str = include_str!("data/redis-7.0.15.tsv");

fn unescape(field: &str) -> Vec<u8> {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            let hex = std::str::from_utf8(&b[i + 2..i + 4]).expect("ascii escape");
            out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn g17(v: f64) -> Vec<u8> {
    format_g17(v, &mut [0u8; FLOAT_BUF_LEN]).to_vec()
}

fn err(msg: &str) -> Vec<u8> {
    format!("!{msg}").into_bytes()
}

const NOT_FLOAT: &str = "ERR value is not a valid float";

fn ld_or(s: &[u8], msg: &str) -> Result<LongDouble, Vec<u8>> {
    // A string SET stores as an integer is read back as that integer.
    match parse_i64(s) {
        Some(i) if s.len() <= 20 => Ok(LongDouble::from_i64(i)),
        _ => LongDouble::parse(s).ok_or_else(|| err(msg)),
    }
}

fn sum_text(cur: &LongDouble, by: &LongDouble) -> Vec<u8> {
    let sum = cur.add(by);
    if sum.is_finite() {
        sum.to_human().into_bytes()
    } else {
        err("ERR increment would produce NaN or Infinity")
    }
}

/// What ember-num predicts for one row; `None` for rows outside what the
/// crate decides (e.g. Lua's own parsing).
fn predict(kind: &str, inputs: &[Vec<u8>]) -> Option<Vec<u8>> {
    let x = &inputs[0];
    Some(match kind {
        "score" => parse_f64(x).map_or_else(|| err(NOT_FLOAT), g17),
        "zincrby" => match (parse_f64(x), parse_f64(&inputs[1])) {
            (Some(a), Some(b)) if (a + b).is_nan() => err("ERR resulting score is not a number (NaN)"),
            (Some(a), Some(b)) => g17(a + b),
            _ => err(NOT_FLOAT),
        },
        "listpack" => parse_f64(x).map_or_else(|| err(NOT_FLOAT), |v| format_d2string(v, &mut [0; 32]).to_vec()),
        "range" => {
            let s = c_string(x.strip_prefix(b"(").unwrap_or(x));
            let r = strtod(s);
            if r.used == s.len() && !r.value.is_nan() {
                b"(array)".to_vec()
            } else {
                err("ERR min or max is not a float")
            }
        }
        "incrbyfloat" => {
            let cur = match ld_or(x, NOT_FLOAT) {
                Ok(v) => v,
                Err(e) => return Some(e),
            };
            match LongDouble::parse(&inputs[1]) {
                Some(by) => sum_text(&cur, &by),
                None => err(NOT_FLOAT),
            }
        }
        "hincrbyfloat" => match LongDouble::parse(&inputs[1]) {
            None => err(NOT_FLOAT),
            Some(by) if !by.is_finite() => err("ERR value is NaN or Infinity"),
            Some(by) => match ld_or(x, "ERR hash value is not a float") {
                Ok(cur) => sum_text(&cur, &by),
                Err(e) => e,
            },
        },
        "int" => parse_i64(x)
            .map_or_else(|| err("ERR value is not an integer or out of range"), |v| format!(":{v}").into_bytes()),
        "encoding" => if parse_i64(x).is_some() { &b"int"[..] } else { b"embstr" }.to_vec(),
        "streamid" => match string2ull(x) {
            Some(_) => b"(array)".to_vec(),
            None => err("ERR Invalid stream ID specified as stream command argument"),
        },
        "cursor" => {
            let r = strtoull(x);
            let ends = x.get(r.used).is_none_or(|&b| b == 0);
            if x.first().is_some_and(|&b| is_c_space(b)) || !ends || r.overflow {
                err("ERR invalid cursor")
            } else {
                b"(array)".to_vec()
            }
        }
        "lua17" | "lua14" => {
            // Lua's tonumber is strtod over the whole string (it also takes
            // hex integers and trailing space its own way: not ours).
            let r = strtod(x);
            if r.used != x.len() || x.is_empty() {
                return None;
            }
            let p = if kind == "lua17" { 17 } else { 14 };
            format_g(r.value, p, &mut [0; FLOAT_BUF_LEN]).to_vec()
        }
        "timeout" => {
            let Some(secs) = LongDouble::parse(x) else {
                return Some(err("ERR timeout is not a float or out of range"));
            };
            match secs.mul(&LongDouble::from_i64(1000)).ceil().to_i64().unwrap_or(i64::MIN) {
                ..0 => err("ERR timeout is negative"),
                // Forever, or longer than the recorder waited.
                0 | 300.. => b"(block)".to_vec(),
                _ => b"(nil)".to_vec(),
            }
        }
        other => panic!("unknown kind {other:?} in the table"),
    })
}

#[test]
fn replies_match_redis_7_0_15() {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut mismatches = Vec::new();
    for (n, line) in TABLE.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let (kind, reply) = (fields[0], unescape(fields[fields.len() - 1]));
        let inputs: Vec<Vec<u8>> = fields[1..fields.len() - 1].iter().map(|f| unescape(f)).collect();
        let Some(want) = predict(kind, &inputs) else { continue };
        *counts.entry(kind).or_default() += 1;
        if want != reply {
            mismatches.push(format!(
                "line {}: {line}\n    ember-num: {}",
                n + 1,
                String::from_utf8_lossy(&want).chars().take(120).collect::<String>()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{} rows differ from Redis:\n{}", mismatches.len(), mismatches.join("\n"));
    // The table really covers every kind (a truncated table must fail).
    for (kind, at_least) in [
        ("score", 200),
        ("zincrby", 200),
        ("listpack", 200),
        ("range", 200),
        ("incrbyfloat", 300),
        ("hincrbyfloat", 200),
        ("int", 70),
        ("encoding", 70),
        ("streamid", 50),
        ("cursor", 70),
        ("lua17", 150),
        ("lua14", 150),
        ("timeout", 25),
    ] {
        let got = counts.get(kind).copied().unwrap_or(0);
        assert!(got >= at_least, "only {got} {kind} rows checked");
    }
}
