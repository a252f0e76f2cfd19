//! Hash commands: HSET and friends, counters, HRANDFIELD, HSCAN.
//!
//! Small hashes use the `listpack` encoding (insertion order), larger ones
//! a `hashtable`; the thresholds come from the live configuration
//! (`hash-max-listpack-entries` / `-value`). A hash emptied by HDEL is
//! deleted.

use ember_num::LongDouble;
use ember_store::types::hash::Hash;
use ember_store::{Db, Value};

use crate::client::Out;
use crate::command::prelude::*;
use crate::commands::common::{command_rng, parse_cursor, random_count_args, reply_scan, ScanOpts};
use crate::config::notify as ev;
use crate::state::Shared;

/// The arguments of HSET, HMSET.
const HSET_ARGS: &[arg::Arg] =
    &[arg::key("key", 0), arg::block("field_value", &[arg::string("field"), arg::string("value")]).multiple()];

/// Hash-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, hset)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "hash",
            "Set the string value of a hash field",
            "2.0.0",
            "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        )
        .history(&[("4.0.0", "Accepts multiple `field` and `value` arguments.")])
        .args(HSET_ARGS),
    CommandSpec::new("hsetnx", 4, hsetnx)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc("hash", "Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("field"), arg::string("value")]),
    CommandSpec::new("hmset", -4, hmset)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "hash",
            "Set multiple hash fields to multiple values",
            "2.0.0",
            "O(N) where N is the number of fields being set.",
        )
        .deprecated("4.0.0", "`HSET` with multiple field-value pairs")
        .args(HSET_ARGS),
    CommandSpec::new("hget", 3, hget)
        .flags(READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("hash", "Get the value of a hash field", "2.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("field")]),
    CommandSpec::new("hmget", -3, hmget)
        .flags(READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "hash",
            "Get the values of all the given hash fields",
            "2.0.0",
            "O(N) where N is the number of fields being requested.",
        )
        .args(&[arg::key("key", 0), arg::string("field").multiple()]),
    CommandSpec::new("hgetall", 2, hgetall)
        .flags(READONLY)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc("hash", "Get all the fields and values in a hash", "2.0.0", "O(N) where N is the size of the hash.")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("hdel", -3, hdel)
        .flags(WRITE | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc("hash", "Delete one or more hash fields", "2.0.0", "O(N) where N is the number of fields to be removed.")
        .history(&[("2.4.0", "Accepts multiple `field` arguments.")])
        .args(&[arg::key("key", 0), arg::string("field").multiple()]),
    CommandSpec::new("hexists", 3, hexists)
        .flags(READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("hash", "Determine if a hash field exists", "2.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("field")]),
    CommandSpec::new("hlen", 2, hlen)
        .flags(READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("hash", "Get the number of fields in a hash", "2.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("hkeys", 2, hkeys)
        .flags(READONLY)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc("hash", "Get all the fields in a hash", "2.0.0", "O(N) where N is the size of the hash.")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("hvals", 2, hvals)
        .flags(READONLY)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc("hash", "Get all the values in a hash", "2.0.0", "O(N) where N is the size of the hash.")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("hstrlen", 3, hstrlen)
        .flags(READONLY | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("hash", "Get the length of the value of a hash field", "3.2.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("field")]),
    CommandSpec::new("hincrby", 4, hincrby)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("hash", "Increment the integer value of a hash field by the given number", "2.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("field"), arg::integer("increment")]),
    CommandSpec::new("hincrbyfloat", 4, hincrbyfloat)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("hash", "Increment the float value of a hash field by the given amount", "2.6.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("field"), arg::double("increment")]),
    CommandSpec::new("hrandfield", -2, hrandfield)
        .flags(READONLY)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "hash",
            "Get one or multiple random fields from a hash",
            "6.2.0",
            "O(N) where N is the number of fields returned",
        )
        .args(&[
            arg::key("key", 0),
            arg::block(
                "options",
                &[
                    arg::integer("count"),
                    arg::token("withvalues", "WITHVALUES").optional(),
                ],
            ).optional(),
        ]),
    CommandSpec::new("hscan", -3, hscan)
        .flags(READONLY)
        .acl(acl::HASH)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "hash",
            "Incrementally iterate hash fields and associated values",
            "2.8.0",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        )
        .args(&[
            arg::key("key", 0),
            arg::integer("cursor"),
            arg::pattern("pattern").token("MATCH").optional(),
            arg::integer("count").token("COUNT").optional(),
        ]),
];

/// The hash at `key` for reading: `Ok(None)` if missing, WRONGTYPE for
/// other types. Counts a keyspace hit or miss.
fn read_hash<'a>(srv: &'a mut Shared, db: usize, key: &[u8], now: u64) -> Result<Option<&'a Hash>, CmdError> {
    let found = match srv.store.db(db).get(key, now) {
        None => None,
        Some(e) => match e.value() {
            Value::Hash(h) => Some(h),
            _ => return Err(CmdError::WrongType),
        },
    };
    if found.is_some() {
        srv.stats.keyspace_hits += 1;
    } else {
        srv.stats.keyspace_misses += 1;
    }
    Ok(found)
}

/// The hash at `key` for writing: `Ok(None)` if missing, WRONGTYPE for
/// other types.
pub fn lookup_hash<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Hash>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::Hash(h) => Ok(Some(h)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The hash at `key`, created empty if missing (the caller must add a field).
fn hash_or_create<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<&'a mut Hash, CmdError> {
    if lookup_hash(db, key, now)?.is_none() {
        db.insert(key, Value::Hash(Hash::default()), None, now);
    }
    match lookup_hash(db, key, now)? {
        Some(h) => Ok(h),
        None => unreachable!("the hash was just created"),
    }
}

/// HSET / HMSET `key field value [field value ...]`; an odd count of
/// fields and values is an arity error. Returns the count of new fields.
fn hset_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, name: &'static str) -> Result<usize, CmdError> {
    let key = args.next_bytes()?;
    let pairs = args.rest();
    if pairs.remaining() % 2 != 0 {
        return Err(CmdError::Arity(name.into()));
    }
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let h = hash_or_create(ctx.srv.store.db(ctx.client.db), key, now)?;
    // Like Redis, convert up front if any field or value is too long.
    for a in pairs {
        h.prepare_write(a.len(), 0, &cfg);
    }
    let mut added = 0;
    let mut it = pairs;
    while let (Some(field), Some(value)) = (it.next(), it.next()) {
        added += usize::from(h.insert(field, value, &cfg));
    }
    ctx.dirty((pairs.remaining() / 2) as u64);
    ctx.notify(ev::HASH, "hset", key);
    Ok(added)
}

fn hset(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let added = hset_generic(ctx, args, "hset")?;
    ctx.out().int(added as i64);
    Ok(Replied)
}

fn hmset(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    hset_generic(ctx, args, "hmset")?;
    ctx.out().ok();
    Ok(Replied)
}

fn hsetnx(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, field, value) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let h = hash_or_create(ctx.srv.store.db(ctx.client.db), key, now)?;
    let set = h.insert_if_absent(field, value, &cfg);
    if set {
        ctx.dirty(1);
        ctx.notify(ev::HASH, "hset", key);
    }
    ctx.out().int(i64::from(set));
    Ok(Replied)
}

fn hget(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    let v = read_hash(ctx.srv, ctx.client.db, key, ctx.now_ms)?.and_then(|h| h.get(field));
    match v {
        Some(v) => ctx.client.out.bulk(v),
        None => ctx.client.out.null(),
    }
    Ok(Replied)
}

fn hmget(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let fields = args.rest();
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    out.array(fields.remaining());
    for f in fields {
        match h.as_ref().and_then(|h| h.get(f)) {
            Some(v) => out.bulk(v),
            None => out.null(),
        }
    }
    Ok(Replied)
}

fn hgetall(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    match h {
        None => out.map(0),
        Some(h) => {
            out.map(h.len());
            for (f, v) in h.iter() {
                out.bulk(f);
                out.bulk(v);
            }
        }
    }
    Ok(Replied)
}

fn hkeys_or_vals(ctx: &mut Ctx<'_>, args: &mut Args<'_>, keys: bool) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    match h {
        None => out.array(0),
        Some(h) => {
            out.array(h.len());
            for (f, v) in h.iter() {
                out.bulk(if keys { f } else { v });
            }
        }
    }
    Ok(Replied)
}

fn hkeys(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    hkeys_or_vals(ctx, args, true)
}

fn hvals(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    hkeys_or_vals(ctx, args, false)
}

fn hdel(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let fields = args.rest();
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(h) = lookup_hash(db, key, now)? else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let mut deleted = 0;
    for f in fields {
        deleted += i64::from(h.remove(f));
        if h.is_empty() {
            break;
        }
    }
    let emptied = h.is_empty();
    if emptied {
        db.remove(key, now);
    }
    ctx.dirty(deleted as u64);
    if deleted > 0 {
        ctx.notify(ev::HASH, "hdel", key);
        if emptied {
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    ctx.out().int(deleted);
    Ok(Replied)
}

fn hexists(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    let now = ctx.now_ms;
    let found = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)?.is_some_and(|h| h.contains(field));
    ctx.out().int(i64::from(found));
    Ok(Replied)
}

fn hlen(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let n = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)?.map_or(0, |h| h.len());
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn hstrlen(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)?;
    let n = h.and_then(|h| h.get(field)).map_or(0, <[u8]>::len);
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn hincrby(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    let by = args.next_i64()?;
    args.finish()?;
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let cur = match lookup_hash(db, key, now)?.and_then(|h| h.get(field)) {
        Some(v) => ember_num::parse_i64(v).ok_or_else(|| CmdError::err("hash value is not an integer"))?,
        None => 0,
    };
    let new = cur.checked_add(by).ok_or(CmdError::Overflow)?;
    let mut buf = [0u8; ember_num::INT_BUF_LEN];
    let text = ember_num::format_i64(new, &mut buf);
    hash_or_create(db, key, now)?.insert(field, text, &cfg);
    ctx.dirty(1);
    ctx.notify(ev::HASH, "hincrby", key);
    ctx.out().int(new);
    Ok(Replied)
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, field) = (args.next_bytes()?, args.next_bytes()?);
    let by = LongDouble::parse(args.next_bytes()?).ok_or(CmdError::NotFloat)?;
    args.finish()?;
    if !by.is_finite() {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let cur = match lookup_hash(db, key, now)?.and_then(|h| h.get(field)) {
        Some(v) => LongDouble::parse(v).ok_or_else(|| CmdError::err("hash value is not a float"))?,
        None => LongDouble::from_i64(0),
    };
    let new = cur.add(&by);
    if !new.is_finite() {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    }
    let text = new.to_human();
    hash_or_create(db, key, now)?.insert(field, text.as_bytes(), &cfg);
    ctx.dirty(1);
    ctx.notify(ev::HASH, "hincrbyfloat", key);
    ctx.out().bulk(text.as_bytes());
    Ok(Replied)
}

/// Writes HRANDFIELD's pairs: flat in RESP2, `[field, value]` arrays in RESP3.
fn reply_pairs(out: &mut Out, pairs: &[(&[u8], &[u8])], with_values: bool) {
    let resp3 = out.proto == ember_resp::Protocol::Resp3;
    if with_values && !resp3 {
        out.array(pairs.len() * 2);
    } else {
        out.array(pairs.len());
    }
    for (f, v) in pairs {
        if with_values && resp3 {
            out.array(2);
        }
        out.bulk(f);
        if with_values {
            out.bulk(v);
        }
    }
}

fn hrandfield(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let Some((count, with_values)) = random_count_args(args, "WITHVALUES")? else {
        let mut rng = command_rng();
        let f =
            read_hash(ctx.srv, ctx.client.db, key, ctx.now_ms)?.and_then(|h| h.random_entry(&mut rng)).map(|(f, _)| f);
        match f {
            Some(f) => ctx.client.out.bulk(f),
            None => ctx.client.out.null(),
        }
        return Ok(Replied);
    };
    let mut rng = command_rng();
    let h = read_hash(ctx.srv, ctx.client.db, key, ctx.now_ms)?;
    let out = &mut ctx.client.out;
    let Some(h) = h else {
        out.array(0);
        return Ok(Replied);
    };
    let pairs = if count >= 0 {
        h.sample_distinct(count as usize, &mut rng)
    } else {
        h.sample_with_repeats(count.unsigned_abs() as usize, &mut rng)
    };
    reply_pairs(out, &pairs, with_values);
    Ok(Replied)
}

fn hscan(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let now = ctx.now_ms;
    let Some(h) = lookup_hash(ctx.srv.store.db(ctx.client.db), key, now)? else {
        reply_scan(&mut ctx.client.out, 0, &[]);
        return Ok(Replied);
    };
    // Like Redis, the options are parsed only once the key exists.
    let opts = ScanOpts::parse(args)?;
    let mut items = Vec::new();
    let next = h.scan(cursor, opts.count, |f, v| {
        if opts.matches(f) {
            items.push(f.to_vec());
            items.push(v.to_vec());
        }
    });
    reply_scan(&mut ctx.client.out, next, &items);
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ember_resp::Protocol;

    fn pairs_reply(proto: Protocol, with_values: bool) -> String {
        let mut out = Out { buf: Default::default(), proto };
        let pairs: [(&[u8], &[u8]); 2] = [(b"f1", b"v1"), (b"f2", b"")];
        reply_pairs(&mut out, &pairs, with_values);
        String::from_utf8(out.buf.to_vec()).unwrap()
    }

    #[test]
    fn random_pairs_are_shaped_per_protocol() {
        for (proto, with_values, want) in [
            (Protocol::Resp2, false, "*2\r\n$2\r\nf1\r\n$2\r\nf2\r\n"),
            (Protocol::Resp3, false, "*2\r\n$2\r\nf1\r\n$2\r\nf2\r\n"),
            (Protocol::Resp2, true, "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$0\r\n\r\n"),
            (Protocol::Resp3, true, "*2\r\n*2\r\n$2\r\nf1\r\n$2\r\nv1\r\n*2\r\n$2\r\nf2\r\n$0\r\n\r\n"),
        ] {
            assert_eq!(pairs_reply(proto, with_values), want, "{proto:?} {with_values}");
        }
    }
}
