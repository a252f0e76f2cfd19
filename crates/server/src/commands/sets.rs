//! Set commands: SADD and friends, random members (SPOP, SRANDMEMBER), the
//! algebra (SINTER, SUNION, SDIFF and their STORE forms, SINTERCARD), SMOVE,
//! SSCAN.
//!
//! Sets use the `intset`, `listpack` and `hashtable` encodings (thresholds
//! from `set-max-intset-entries` and `set-max-listpack-*`). A set emptied by
//! SREM / SPOP / SMOVE is deleted, and a STORE command with an empty result
//! deletes its destination.

use ember_store::types::set::{Member, Set};
use ember_store::{Db, EncodingConfig, Value};

use crate::client::Out;
use crate::command::is;
use crate::command::prelude::*;
use crate::commands::common::{command_rng, parse_count, parse_cursor, positive_count, reply_scan, ScanOpts};
use crate::config::notify as ev;

/// The key specs of SUNIONSTORE, SDIFFSTORE.
const SUNIONSTORE_KEYS: &[KeySpec] = &[
    KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
    KeySpec::index(2).range(-1, 1, 0).flags(ks::RO | ks::ACCESS),
];

/// Set-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, sadd)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "set",
            "Add one or more members to a set",
            "1.0.0",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("srem", -3, srem)
        .flags(WRITE | FAST)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "set",
            "Remove one or more members from a set",
            "1.0.0",
            "O(N) where N is the number of members to be removed.",
        )
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("smembers", 2, smembers)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc("set", "Get all the members in a set", "1.0.0", "O(N) where N is the set cardinality.")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("sismember", 3, sismember)
        .flags(READONLY | FAST)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("set", "Determine if a given value is a member of a set", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("member")]),
    CommandSpec::new("smismember", -3, smismember)
        .flags(READONLY | FAST)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "set",
            "Returns the membership associated with the given elements for a set",
            "6.2.0",
            "O(N) where N is the number of elements being checked for membership",
        )
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("scard", 2, scard)
        .flags(READONLY | FAST)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("set", "Get the number of members in a set", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("spop", -2, spop)
        .flags(WRITE | FAST)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .tips(&["nondeterministic_output"])
        .doc(
            "set",
            "Remove and return one or multiple random members from a set",
            "1.0.0",
            "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        )
        .history(&[("3.2.0", "Added the `count` argument.")])
        .args(&[arg::key("key", 0), arg::integer("count").since("3.2.0").optional()]),
    CommandSpec::new("srandmember", -2, srandmember)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "set",
            "Get one or multiple random members from a set",
            "1.0.0",
            "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        )
        .history(&[("2.6.0", "Added the optional `count` argument.")])
        .args(&[arg::key("key", 0), arg::integer("count").since("2.6.0").optional()]),
    CommandSpec::new("smove", 4, smove)
        .flags(WRITE | FAST)
        .acl(acl::SET)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE),
            KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::INSERT),
        ])
        .doc("set", "Move a member from one set to another", "1.0.0", "O(1)")
        .args(&[arg::key("source", 0), arg::key("destination", 1), arg::string("member")]),
    CommandSpec::new("sinter", -2, sinter)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc(
            "set",
            "Intersect multiple sets",
            "1.0.0",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("sinterstore", -3, sinterstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE),
            KeySpec::index(2).range(-1, 1, 0).flags(ks::RO | ks::ACCESS),
        ])
        .doc(
            "set",
            "Intersect multiple sets and store the resulting set in a key",
            "1.0.0",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .args(&[arg::key("destination", 0), arg::key("key", 1).multiple()]),
    CommandSpec::new("sintercard", -3, sintercard)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "set",
            "Intersect multiple sets and return the cardinality of the result",
            "7.0.0",
            "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        )
        .args(&[
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::integer("limit").token("LIMIT").optional(),
        ]),
    CommandSpec::new("sunion", -2, sunion)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc("set", "Add multiple sets", "1.0.0", "O(N) where N is the total number of elements in all given sets.")
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("sunionstore", -3, sunionstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(SUNIONSTORE_KEYS)
        .doc(
            "set",
            "Add multiple sets and store the resulting set in a key",
            "1.0.0",
            "O(N) where N is the total number of elements in all given sets.",
        )
        .args(&[arg::key("destination", 0), arg::key("key", 1).multiple()]),
    CommandSpec::new("sdiff", -2, sdiff)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output_order"])
        .doc(
            "set",
            "Subtract multiple sets",
            "1.0.0",
            "O(N) where N is the total number of elements in all given sets.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("sdiffstore", -3, sdiffstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SET)
        .keys(SUNIONSTORE_KEYS)
        .doc(
            "set",
            "Subtract multiple sets and store the resulting set in a key",
            "1.0.0",
            "O(N) where N is the total number of elements in all given sets.",
        )
        .args(&[arg::key("destination", 0), arg::key("key", 1).multiple()]),
    CommandSpec::new("sscan", -3, sscan)
        .flags(READONLY)
        .acl(acl::SET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "set",
            "Incrementally iterate Set elements",
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

/// The set at `key`: `Ok(None)` if missing, WRONGTYPE for other types.
pub fn lookup_set<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Set>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::Set(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The set at `key` without side effects (for multi-key reads).
fn peek_set<'a>(db: &'a Db, key: &[u8], now: u64) -> Result<Option<&'a Set>, CmdError> {
    match db.peek(key, now).map(|e| e.value()) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(CmdError::WrongType),
    }
}

fn bulk_member(out: &mut Out, m: Member<'_>) {
    let mut scratch = [0u8; 20];
    out.bulk(m.bytes(&mut scratch));
}

fn sadd(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    if lookup_set(db, key, now)?.is_none() {
        // The encoding is chosen from the first member and the count.
        let s = Set::for_members(members.peek().unwrap_or_default(), members.remaining(), &cfg);
        db.insert(key, Value::Set(Box::new(s)), None, now);
    }
    let Some(s) = lookup_set(db, key, now)? else { unreachable!("the set was just created") };
    let mut added = 0;
    for m in members {
        added += i64::from(s.insert(m, &cfg));
    }
    ctx.dirty(added as u64);
    if added > 0 {
        ctx.notify(ev::SET, "sadd", key);
    }
    ctx.out().int(added);
    Ok(Replied)
}

fn srem(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(s) = lookup_set(db, key, now)? else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let mut removed = 0;
    for m in members {
        removed += i64::from(s.remove(m));
        if s.is_empty() {
            break;
        }
    }
    let emptied = s.is_empty();
    if emptied {
        db.remove(key, now);
    }
    ctx.dirty(removed as u64);
    if removed > 0 {
        ctx.notify(ev::SET, "srem", key);
        if emptied {
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    ctx.out().int(removed);
    Ok(Replied)
}

fn smembers(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let s = lookup_set(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    match s {
        None => out.set(0),
        Some(s) => {
            out.set(s.len());
            for m in s.iter() {
                bulk_member(out, m);
            }
        }
    }
    Ok(Replied)
}

fn sismember(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, member) = (args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    let now = ctx.now_ms;
    let found = lookup_set(ctx.srv.store.db(ctx.client.db), key, now)?.is_some_and(|s| s.contains(member));
    ctx.out().int(i64::from(found));
    Ok(Replied)
}

fn smismember(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let s = lookup_set(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    out.array(members.remaining());
    for m in members {
        out.int(i64::from(s.as_ref().is_some_and(|s| s.contains(m))));
    }
    Ok(Replied)
}

fn scard(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let n = lookup_set(ctx.srv.store.db(ctx.client.db), key, now)?.map_or(0, |s| s.len());
    ctx.out().int(n as i64);
    Ok(Replied)
}

/// Reads SPOP's / SRANDMEMBER's `key [count]` with `parse` for the count:
/// more arguments are a syntax error before the count is looked at.
fn key_and_count<'a, T>(
    args: &mut Args<'a>,
    parse: impl FnOnce(&[u8]) -> Result<T, CmdError>,
) -> Result<(&'a [u8], Option<T>), CmdError> {
    let key = args.next_bytes()?;
    if args.remaining() > 1 {
        return Err(CmdError::Syntax);
    }
    Ok((key, args.next().map(parse).transpose()?))
}

fn spop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, count) = key_and_count(args, positive_count)?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(s) = lookup_set(db, key, now)? else {
        match count {
            None => ctx.out().null(),
            Some(_) => ctx.out().set(0),
        }
        return Ok(Replied);
    };
    // Only once there is something to pop from (a miss is common).
    let cfg = ctx.srv.config.encodings();
    let mut rng = command_rng();
    let popped = match count {
        None => s.pop_random(&mut rng).into_iter().collect(),
        Some(n) => s.pop_many(n, &mut rng, &cfg),
    };
    let emptied = s.is_empty();
    if emptied {
        db.remove(key, now);
    }
    ctx.dirty(popped.len() as u64);
    if !popped.is_empty() {
        ctx.notify(ev::SET, "spop", key);
        if emptied {
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    let out = &mut ctx.client.out;
    match count {
        None => match popped.first() {
            Some(m) => out.bulk(m),
            None => out.null(),
        },
        Some(_) => {
            out.set(popped.len());
            for m in &popped {
                out.bulk(m);
            }
        }
    }
    Ok(Replied)
}

fn srandmember(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, count) = key_and_count(args, parse_count)?;
    let now = ctx.now_ms;
    let mut rng = command_rng();
    let s = lookup_set(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    let Some(s) = s else {
        match count {
            None => out.null(),
            Some(_) => out.array(0),
        }
        return Ok(Replied);
    };
    match count {
        None => match s.random_member(&mut rng) {
            Some(m) => bulk_member(out, m),
            None => out.null(),
        },
        Some(n) if n >= 0 && n as usize >= s.len() => {
            out.array(s.len());
            for m in s.iter() {
                bulk_member(out, m);
            }
        }
        Some(n) => {
            let picked = if n >= 0 {
                s.sample_distinct(n as usize, &mut rng)
            } else {
                s.sample_with_repeats(n.unsigned_abs() as usize, &mut rng)
            };
            out.array(picked.len());
            for m in picked {
                bulk_member(out, m);
            }
        }
    }
    Ok(Replied)
}

fn smove(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (src, dst, member) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(src_set) = peek_set(db, src, now)? else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let src_has = src_set.contains(member);
    let dst_exists = peek_set(db, dst, now)?.is_some();
    if src == dst {
        ctx.out().int(i64::from(src_has));
        return Ok(Replied);
    }
    if !src_has {
        ctx.out().int(0);
        return Ok(Replied);
    }
    let mut emptied = false;
    if let Some(s) = lookup_set(db, src, now)? {
        s.remove(member);
        emptied = s.is_empty();
        if emptied {
            db.remove(src, now);
        }
    }
    if !dst_exists {
        db.insert(dst, Value::Set(Box::new(Set::for_members(member, 1, &cfg))), None, now);
    }
    let added = lookup_set(db, dst, now)?.is_some_and(|d| d.insert(member, &cfg));
    ctx.dirty(2);
    ctx.notify(ev::SET, "srem", src);
    if emptied {
        ctx.notify(ev::GENERIC, "del", src);
    }
    if added {
        ctx.notify(ev::SET, "sadd", dst);
    }
    ctx.out().int(1);
    Ok(Replied)
}

/// The sets named by `keys` (every key type-checked); `Ok(None)` for an
/// intersection that is empty because a key is missing.
fn sets_for_inter<'a>(db: &'a Db, keys: &[&[u8]], now: u64) -> Result<Option<Vec<&'a Set>>, CmdError> {
    let mut sets = Vec::with_capacity(keys.len());
    let mut missing = false;
    for k in keys {
        match peek_set(db, k, now)? {
            Some(s) => sets.push(s),
            None => missing = true,
        }
    }
    Ok((!missing).then_some(sets))
}

/// Members of the intersection, iterating the smallest set; stops after
/// `limit` members (0: no limit).
fn intersect<'a>(mut sets: Vec<&'a Set>, limit: usize) -> Vec<Member<'a>> {
    sets.sort_by_key(|s| s.len());
    let Some((first, rest)) = sets.split_first() else { return Vec::new() };
    let mut out = Vec::new();
    for m in first.iter() {
        if rest.iter().all(|s| s.contains_member(m)) {
            out.push(m);
            if out.len() == limit {
                break;
            }
        }
    }
    out
}

/// Union (`diff` false) or difference (`diff` true) of the sets at `keys`,
/// missing keys being empty sets. Every key is type-checked first.
fn union_or_diff(db: &Db, keys: &[&[u8]], now: u64, diff: bool) -> Result<Vec<Vec<u8>>, CmdError> {
    let mut sets = Vec::with_capacity(keys.len());
    for k in keys {
        sets.push(peek_set(db, k, now)?);
    }
    let mut out: Vec<Vec<u8>> = Vec::new();
    if diff {
        let Some(Some(first)) = sets.first() else { return Ok(out) };
        for m in first.iter() {
            if !sets[1..].iter().flatten().any(|s| s.contains_member(m)) {
                out.push(m.to_vec());
            }
        }
    } else {
        let mut seen = std::collections::HashSet::new();
        for s in sets.iter().flatten() {
            for m in s.iter() {
                let v = m.to_vec();
                if !seen.contains(&v) {
                    seen.insert(v.clone());
                    out.push(v);
                }
            }
        }
    }
    Ok(out)
}

fn reply_members(out: &mut Out, members: &[Vec<u8>]) {
    out.set(members.len());
    for m in members {
        out.bulk(m);
    }
}

/// Stores `members` at `dst` (replacing any value), or deletes `dst` when
/// there are none; replies with the cardinality.
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], members: &[Vec<u8>], cfg: &EncodingConfig, event: &str) {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    if members.is_empty() {
        let existed = db.remove(dst, now).is_some();
        if existed {
            ctx.dirty(1);
            ctx.notify(ev::GENERIC, "del", dst);
        }
    } else {
        let mut s = Set::new();
        for m in members {
            s.insert(m, cfg);
        }
        if let Some(old) = db.insert(dst, Value::Set(Box::new(s)), None, now) {
            ctx.srv.drop_value(old);
        }
        ctx.dirty(1);
        ctx.notify(ev::SET, event, dst);
    }
    ctx.out().int(members.len() as i64);
}

fn sinter(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let keys: Vec<&[u8]> = args.rest().collect();
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let out = &mut ctx.client.out;
    match sets_for_inter(db, &keys, now)? {
        None => out.set(0),
        Some(sets) => {
            let members = intersect(sets, 0);
            out.set(members.len());
            for m in members {
                bulk_member(out, m);
            }
        }
    }
    Ok(Replied)
}

fn sinterstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let dst = args.next_bytes()?;
    let keys: Vec<&[u8]> = args.rest().collect();
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let members: Vec<Vec<u8>> = match sets_for_inter(db, &keys, now)? {
        None => Vec::new(),
        Some(sets) => intersect(sets, 0).into_iter().map(|m| m.to_vec()).collect(),
    };
    store_result(ctx, dst, &members, &cfg, "sinterstore");
    Ok(Replied)
}

/// The options of SINTERCARD after its keys: `[LIMIT limit]` (0: no limit).
fn sintercard_limit(args: &mut Args<'_>) -> Result<usize, CmdError> {
    let mut limit = 0;
    while let Some(opt) = args.next() {
        if is(opt, "LIMIT") && args.has_more() {
            limit = args.next_i64_where(|n| n >= 0, CmdError::err("LIMIT can't be negative"))? as usize;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(limit)
}

fn sintercard(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let numkeys = args.next_i64_where(|n| n >= 1, CmdError::err("numkeys should be greater than 0"))? as u64;
    if numkeys > args.remaining() as u64 {
        return Err(CmdError::err("Number of keys can't be greater than number of args"));
    }
    let keys: Vec<&[u8]> = args.next_n(numkeys as usize).collect();
    let limit = sintercard_limit(args)?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let n = match sets_for_inter(db, &keys, now)? {
        None => 0,
        Some(sets) => intersect(sets, limit).len(),
    };
    ctx.out().int(n as i64);
    Ok(Replied)
}

/// SUNION / SDIFF `[dst] key [key ...]`, the destination with `store`.
fn sunion_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, diff: bool, store: bool) -> CmdResult {
    let dst = if store { Some(args.next_bytes()?) } else { None };
    let keys: Vec<&[u8]> = args.rest().collect();
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let members = union_or_diff(ctx.srv.store.db(ctx.client.db), &keys, now, diff)?;
    if let Some(dst) = dst {
        let event = if diff { "sdiffstore" } else { "sunionstore" };
        store_result(ctx, dst, &members, &cfg, event);
    } else {
        reply_members(&mut ctx.client.out, &members);
    }
    Ok(Replied)
}

fn sunion(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sunion_generic(ctx, args, false, false)
}

fn sunionstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sunion_generic(ctx, args, false, true)
}

fn sdiff(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sunion_generic(ctx, args, true, false)
}

fn sdiffstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sunion_generic(ctx, args, true, true)
}

fn sscan(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let now = ctx.now_ms;
    let Some(s) = lookup_set(ctx.srv.store.db(ctx.client.db), key, now)? else {
        reply_scan(&mut ctx.client.out, 0, &[]);
        return Ok(Replied);
    };
    // Like Redis, the options are parsed only once the key exists.
    let opts = ScanOpts::parse(args)?;
    let mut items = Vec::new();
    let next = s.scan(cursor, opts.count, |m| {
        let mut scratch = [0u8; 20];
        let b = m.bytes(&mut scratch);
        if opts.matches(b) {
            items.push(b.to_vec());
        }
    });
    reply_scan(&mut ctx.client.out, next, &items);
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::with_args;

    #[test]
    fn key_and_count_checks_the_arity_first() {
        let check = |line: &str, want: Result<(&str, Option<usize>), CmdError>| {
            let got = with_args(line, 1, |a| {
                key_and_count(a, positive_count).map(|(k, n)| (String::from_utf8_lossy(k).into_owned(), n))
            });
            assert_eq!(got, want.map(|(k, n)| (k.to_owned(), n)), "{line}");
        };
        let positive = Err(CmdError::err("value is out of range, must be positive"));
        check("spop k", Ok(("k", None)));
        check("spop k 0", Ok(("k", Some(0))));
        check("spop k 7", Ok(("k", Some(7))));
        check("spop k -1", positive.clone());
        check("spop k x", positive);
        check("spop k x extra", Err(CmdError::Syntax));
        check("spop k 1 2", Err(CmdError::Syntax));
    }

    #[test]
    fn sintercard_limits() {
        let negative = Err(CmdError::err("LIMIT can't be negative"));
        for (line, want) in [
            ("sintercard 1 k", Ok(0)),
            ("sintercard 1 k LIMIT 5", Ok(5)),
            ("sintercard 1 k limit 5 limit 0", Ok(0)),
            ("sintercard 1 k limit -1", negative.clone()),
            ("sintercard 1 k limit x", negative),
            ("sintercard 1 k limit", Err(CmdError::Syntax)),
            ("sintercard 1 k foo 1", Err(CmdError::Syntax)),
        ] {
            let got = with_args(line, 1, |a| {
                a.seek(3);
                sintercard_limit(a)
            });
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn intersections_walk_the_smallest_set_and_stop_at_the_limit() {
        let cfg = EncodingConfig::default();
        let set = |members: &[&str]| {
            let mut s = Set::new();
            for m in members {
                s.insert(m.as_bytes(), &cfg);
            }
            s
        };
        let (a, b, c) = (set(&["1", "2", "3", "x"]), set(&["2", "3", "x", "y", "z"]), set(&["3", "x", "2"]));
        let sorted = |ms: Vec<Member<'_>>| {
            let mut v: Vec<Vec<u8>> = ms.iter().map(|m| m.to_vec()).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(intersect(vec![&a, &b, &c], 0)), vec![b"2".to_vec(), b"3".to_vec(), b"x".to_vec()]);
        assert_eq!(intersect(vec![&a, &b, &c], 2).len(), 2);
        assert_eq!(intersect(vec![&a, &set(&[])], 0).len(), 0);
        assert_eq!(intersect(Vec::new(), 0).len(), 0);
    }
}
