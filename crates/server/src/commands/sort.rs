//! SORT and SORT_RO: the elements of a list, set or sorted set, sorted
//! numerically or lexicographically, by themselves or by weights read from
//! other keys (`BY weight_*`, `BY obj_*->field`), with `LIMIT`, `GET`
//! projections and `STORE` into a list.
//!
//! Ordering follows Redis 7.0: numeric weights that compare equal fall back to
//! comparing the elements' bytes (so the result is deterministic); a missing
//! weight key counts as 0 (numeric) or sorts first (`ALPHA`); `DESC` reverses
//! the whole comparison. A `BY` pattern without `*` skips sorting: lists and
//! sorted sets are then read in their own order (from the end for `DESC`),
//! with `LIMIT` taken as a range, and a set being stored is sorted `ALPHA`
//! instead so that the stored list does not depend on hash order.

use std::cmp::Ordering;

use ember_num::strtod;
use ember_store::types::list::List;
use ember_store::{Db, Value};

use crate::command::is;
use crate::command::prelude::*;
use crate::config::notify as ev;

/// SORT and SORT_RO.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sort", -2, sort)
        .flags(WRITE | DENYOOM)
        .acl(acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
            KeySpec::unknown()
                .flags(ks::RO | ks::ACCESS)
                .notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"),
            KeySpec::unknown()
                .flags(ks::OW | ks::UPDATE)
                .notes("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"),
        ])
        .doc(
            "generic",
            "Sort the elements in a list, set or sorted set",
            "1.0.0",
            "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        )
        .args(&[
            arg::key("key", 0),
            arg::pattern("pattern").key_spec(1).token("BY").optional(),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
            arg::pattern("pattern").key_spec(1).token("GET").optional().multiple().multiple_token(),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
            arg::token("sorting", "ALPHA").optional(),
            arg::key("destination", 2).token("STORE").optional(),
        ])
        .keys_fn(getkeys::sort),
    CommandSpec::new("sort_ro", -2, sort_ro)
        .flags(READONLY)
        .acl(acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
            KeySpec::unknown()
                .flags(ks::RO | ks::ACCESS)
                .notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"),
        ])
        .keys_fn(getkeys::sort_ro)
        .doc(
            "generic",
            "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
            "7.0.0",
            "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        )
        .args(&[
            arg::key("key", 0),
            arg::pattern("pattern").key_spec(1).token("BY").optional(),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
            arg::pattern("pattern").key_spec(1).token("GET").optional().multiple().multiple_token(),
            arg::oneof("order", &[arg::token("asc", "ASC"), arg::token("desc", "DESC")]).optional(),
            arg::token("sorting", "ALPHA").optional(),
        ]),
];

/// The parsed options.
struct Options<'a> {
    by: Option<&'a [u8]>,
    /// A `BY` pattern without `*`: keep the collection's own order.
    dont_sort: bool,
    limit: Option<(i64, i64)>,
    gets: Vec<&'a [u8]>,
    desc: bool,
    alpha: bool,
    store: Option<&'a [u8]>,
}

/// Reads SORT's options after the key, in Redis's order: an option whose
/// values are missing is a syntax error, as is STORE in SORT_RO.
fn parse<'a>(args: &mut Args<'a>, read_only: bool) -> Result<Options<'a>, CmdError> {
    let mut o =
        Options { by: None, dont_sort: false, limit: None, gets: Vec::new(), desc: false, alpha: false, store: None };
    while let Some(a) = args.next() {
        let left = args.remaining();
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            o.limit = Some((args.next_i64()?, args.next_i64()?));
        } else if is(a, "store") && left >= 1 && !read_only {
            o.store = Some(args.next_bytes()?);
        } else if is(a, "by") && left >= 1 {
            let pattern = args.next_bytes()?;
            o.dont_sort = !pattern.contains(&b'*');
            o.by = Some(pattern);
        } else if is(a, "get") && left >= 1 {
            o.gets.push(args.next_bytes()?);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

fn sort(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sort_generic(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sort_generic(ctx, args, true)
}

/// One element being sorted and its weight.
struct Item {
    elem: Vec<u8>,
    /// Numeric weight (0 when the `BY` key is missing).
    score: f64,
    /// `ALPHA` weight from a `BY` key (`None`: missing, sorts first).
    by_value: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, read_only: bool) -> CmdResult {
    let key = args.next_bytes()?;
    let mut o = parse(args, read_only)?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let value = match db.get(key, now) {
        Some(e) => match e.value() {
            v @ (Value::List(_) | Value::Set(_) | Value::ZSet(_)) => Some(v),
            _ => return Err(CmdError::WrongType),
        },
        None => None,
    };
    match value {
        Some(_) => ctx.srv.stats.keyspace_hits += 1,
        None => ctx.srv.stats.keyspace_misses += 1,
    }
    // A stored set must not depend on hash order: sort it instead.
    if o.dont_sort && o.store.is_some() && matches!(value, Some(Value::Set(_))) {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = value.map_or(0, value_len) as i64;
    let (start, end) = limit_range(o.limit, len);

    // Load the elements: the requested range directly when the collection's
    // own order is kept, otherwise everything.
    let mut items: Vec<Item> = Vec::new();
    let item = |elem: Vec<u8>| Item { elem, score: 0.0, by_value: None };
    let ranged = o.dont_sort && matches!(value, Some(Value::List(_) | Value::ZSet(_)));
    match value {
        Some(Value::List(l)) if ranged => {
            let (first, count) = (start.max(0) as usize, (end - start + 1).max(0) as usize);
            if o.desc {
                items.extend(l.iter().rev().skip(first).take(count).map(|e| item(e.to_vec())));
            } else {
                items.extend(l.range(first, count).map(|e| item(e.to_vec())));
            }
        }
        Some(Value::ZSet(z)) if ranged && end >= start => {
            let (first, last) = (start as usize, end as usize);
            let n = z.len();
            let (a, b) = if o.desc { (n - 1 - last, n - first) } else { (first, last + 1) };
            z.for_range(a, b, o.desc, |m, _| items.push(item(m.to_vec())));
        }
        Some(Value::ZSet(_)) if ranged => {}
        Some(Value::List(l)) => items.extend(l.iter().map(|e| item(e.to_vec()))),
        Some(Value::Set(s)) => items.extend(s.iter().map(|m| item(m.to_vec()))),
        Some(Value::ZSet(z)) => z.for_each(|m, _| items.push(item(m.to_vec()))),
        _ => {}
    }

    if !o.dont_sort {
        let stats = &mut ctx.srv.stats;
        let mut bad_score = false;
        for it in &mut items {
            let weight = match o.by {
                Some(pattern) => {
                    let (v, hit) = lookup_by_pattern(db, pattern, &it.elem, now);
                    count_lookup(stats, hit);
                    match v {
                        Some(v) => v,
                        None => continue,
                    }
                }
                None => it.elem.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    it.by_value = Some(weight);
                }
            } else {
                match parse_score(&weight) {
                    Some(s) => it.score = s,
                    None => bad_score = true,
                }
            }
        }
        if bad_score {
            return Err(CmdError::err("One or more scores can't be converted into double"));
        }
        let by_pattern = o.by.is_some();
        let cmp = |a: &Item, b: &Item| -> Ordering {
            let c = if !o.alpha {
                a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.elem.cmp(&b.elem))
            } else if by_pattern {
                // Missing weights first; equal weights keep their order.
                a.by_value.cmp(&b.by_value)
            } else {
                a.elem.cmp(&b.elem)
            };
            if o.desc {
                c.reverse()
            } else {
                c
            }
        };
        items.sort_by(cmp);
    }

    // The output window: already applied when the range was loaded directly.
    let window: &[Item] = if ranged {
        &items
    } else if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let per_item = o.gets.len().max(1);
    let stats = &mut ctx.srv.stats;
    let mut projected: Vec<Option<Vec<u8>>> = Vec::with_capacity(window.len() * per_item);
    for it in window {
        if o.gets.is_empty() {
            projected.push(Some(it.elem.clone()));
        }
        for &pattern in &o.gets {
            if pattern == b"#" {
                projected.push(Some(it.elem.clone()));
            } else {
                let (v, hit) = lookup_by_pattern(db, pattern, &it.elem, now);
                count_lookup(stats, hit);
                projected.push(v);
            }
        }
    }

    match o.store {
        None => {
            let out = &mut ctx.client.out;
            out.array(projected.len());
            for v in &projected {
                match v {
                    Some(v) => out.bulk(v),
                    None => out.null(),
                }
            }
        }
        Some(dest) => {
            let n = projected.len();
            if n > 0 {
                let fill = ctx.srv.config.list_max_listpack_size;
                let list = List::from_items(fill, projected.iter().map(|v| v.as_deref().unwrap_or_default()));
                if let Some(old) = db.insert(dest, Value::List(list), None, now) {
                    ctx.srv.drop_value(old);
                }
                ctx.dirty(n as u64);
                ctx.notify(ev::LIST, "sortstore", dest);
            } else if let Some(old) = db.remove(dest, now) {
                ctx.srv.drop_value(old);
                ctx.dirty(1);
                ctx.notify(ev::GENERIC, "del", dest);
            }
            ctx.out().int(n as i64);
        }
    }
    Ok(Replied)
}

fn value_len(v: &Value) -> usize {
    match v {
        Value::List(l) => l.len(),
        Value::Set(s) => s.len(),
        Value::ZSet(z) => z.len(),
        _ => 0,
    }
}

/// The inclusive output range `[start, end]` for `LIMIT offset count` over
/// `len` elements, as Redis computes it (empty when `end < start`).
fn limit_range(limit: Option<(i64, i64)>, len: i64) -> (i64, i64) {
    let (offset, count) = limit.unwrap_or((0, -1));
    let mut start = offset.max(0);
    let mut end = if count < 0 { len - 1 } else { start.saturating_add(count - 1) };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    (start, end)
}

/// A numeric weight as C's `strtod` reads a whole string (the empty string
/// is 0); `None` for anything else, NaN, or a value out of range.
fn parse_score(s: &[u8]) -> Option<f64> {
    let r = strtod(s);
    let whole = r.used == s.len() || s[r.used] == 0;
    (whole && !r.range_error && !r.value.is_nan()).then_some(r.value)
}

fn count_lookup(stats: &mut crate::state::Stats, hit: Option<bool>) {
    match hit {
        Some(true) => stats.keyspace_hits += 1,
        Some(false) => stats.keyspace_misses += 1,
        None => {}
    }
}

/// The value a `BY`/`GET` pattern names for `elem`: the first `*` becomes
/// the element; `key->field` reads a hash field. `None` when the pattern has
/// no `*`, the key is missing or holds another type, or the field is
/// missing. The second value says whether a key was looked up and found.
fn lookup_by_pattern(db: &mut Db, pattern: &[u8], elem: &[u8], now: u64) -> (Option<Vec<u8>>, Option<bool>) {
    let Some(star) = pattern.iter().position(|&b| b == b'*') else {
        return (None, None);
    };
    let arrow = pattern[star + 1..].windows(2).position(|w| w == b"->").map(|p| star + 1 + p);
    let (key_end, field) = match arrow {
        Some(p) if p + 2 < pattern.len() => (p, Some(&pattern[p + 2..])),
        _ => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(key_end + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let Some(entry) = db.get(&key, now) else {
        return (None, Some(false));
    };
    let v = match (entry.value(), field) {
        (Value::Hash(h), Some(f)) => h.get(f).map(<[u8]>::to_vec),
        (Value::Str(s), None) => {
            let mut scratch = [0u8; 20];
            Some(s.as_bytes(&mut scratch).to_vec())
        }
        _ => None,
    };
    (v, Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_ranges() {
        for (limit, len, want) in [
            (None, 5, (0, 4)),
            (Some((1, 2)), 5, (1, 2)),
            (Some((-3, 2)), 5, (0, 1)),
            (Some((2, -1)), 5, (2, 4)),
            (Some((10, 2)), 5, (4, 3)),
            (Some((3, 10)), 5, (3, 4)),
            (Some((0, 0)), 5, (0, -1)),
            (None, 0, (-1, -2)),
            (Some((i64::MAX, i64::MAX)), 5, (4, 3)),
            (Some((1, i64::MAX)), 5, (1, 4)),
        ] {
            assert_eq!(limit_range(limit, len), want, "{limit:?} over {len}");
        }
    }

    #[test]
    fn scores_parse_like_strtod() {
        for (s, want) in [
            (&b"1.5"[..], Some(1.5)),
            (b"", Some(0.0)),
            (b" 7", Some(7.0)),
            (b"-inf", Some(f64::NEG_INFINITY)),
            (b"0x10", Some(16.0)),
            (b"3\0junk", Some(3.0)),
            (b"7 ", None),
            (b"abc", None),
            (b"nan", None),
            (b"1e400", None),
            // glibc sets ERANGE for an inexact subnormal (checked with
            // redis-server 7.0), not for an exact one.
            (b"1e-310", None),
            (b"0x1p-1074", Some(5e-324)),
        ] {
            assert_eq!(parse_score(s), want, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn options_parse_in_redis_order() {
        // (line after the key, read-only, Debug of the options or the error)
        let check = |line: &str, read_only: bool, want: Result<&str, CmdError>| {
            let got = crate::commands::common::with_args(&format!("sort k {line}"), 2, |a| {
                parse(a, read_only).map(|o| {
                    let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
                    let gets: Vec<String> = o.gets.iter().map(|g| String::from_utf8_lossy(g).into_owned()).collect();
                    format!(
                        "by={:?} dont_sort={} limit={:?} gets={gets:?} desc={} alpha={} store={:?}",
                        text(o.by),
                        o.dont_sort,
                        o.limit,
                        o.desc,
                        o.alpha,
                        text(o.store)
                    )
                })
            });
            assert_eq!(got.as_deref(), want.as_ref().copied(), "{line}");
        };
        check("", false, Ok("by=None dont_sort=false limit=None gets=[] desc=false alpha=false store=None"));
        check(
            "BY w_* LIMIT 1 2 GET # get h_*->f DESC alpha STORE d",
            false,
            Ok(
                r##"by=Some("w_*") dont_sort=false limit=Some((1, 2)) gets=["#", "h_*->f"] desc=true alpha=true store=Some("d")"##,
            ),
        );
        check(
            "by nosort desc asc",
            false,
            Ok(r#"by=Some("nosort") dont_sort=true limit=None gets=[] desc=false alpha=false store=None"#),
        );
        check("limit 1", false, Err(CmdError::Syntax));
        check("limit x 1", false, Err(CmdError::NotInteger));
        check("limit 1 x", false, Err(CmdError::NotInteger));
        check("store d", true, Err(CmdError::Syntax));
        check("store", false, Err(CmdError::Syntax));
        check("get", false, Err(CmdError::Syntax));
        check("alpha bogus limit x 1", false, Err(CmdError::Syntax));
    }
}
