//! Sorted-set commands: ZADD and friends, ranges by rank / score / lex,
//! pops (and their blocking forms), ZRANDMEMBER, the set operations
//! (ZUNION / ZINTER / ZDIFF and their STORE forms, ZINTERCARD) and ZSCAN.
//!
//! Scores follow Redis 7.0's text rules (see ember_num): parsed like C's
//! `strtod` (decimal, hexadecimal, `inf`; NaN, overflow and underflow to
//! zero rejected) and replied with `%.17g` as a bulk string (RESP2) or a
//! double (RESP3).

use std::cell::RefCell;
use std::collections::HashMap;

use ember_num::{c_string, format_d2string, format_g17, parse_f64, strtod, FLOAT_BUF_LEN};
use ember_resp::{Command, Protocol};
use ember_store::types::dict::Rng;
use ember_store::types::set::Set;
use ember_store::types::zset::{LexBound, ScoreBound, ZSet};
use ember_store::{glob_match, Db, Value};

use crate::blocking::{timeout_arg, BlockRequest, TimeoutReply};
use crate::client::Out;
use crate::command::{acl, flags::*, int_arg, is, parse_i64, CommandSpec, Ctx};
use crate::commands::keys::parse_cursor;
use crate::config::notify as ev;
use crate::error::{CmdError, CmdResult};

const Z: u32 = acl::SORTEDSET;
const K1: (i32, i32, i32) = (1, 1, 1);
const MOVABLE: (i32, i32, i32) = (0, 0, 0);

/// Sorted-set commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, WRITE | DENYOOM | FAST, Z, K1, "sorted_set", "1.2.0", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", zadd)
        .syntax("key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]")
        .complexity("O(log(N)) for each item added, where N is the number of elements in the sorted set."),
    CommandSpec::new("zincrby", 4, WRITE | DENYOOM | FAST, Z, K1, "sorted_set", "1.2.0", "Increments the score of a member in a sorted set.", zincrby)
        .syntax("key increment member")
        .complexity("O(log(N)) where N is the number of elements in the sorted set."),
    CommandSpec::new("zscore", 3, READONLY | FAST, Z, K1, "sorted_set", "1.2.0", "Returns the score of a member in a sorted set.", zscore)
        .syntax("key member")
        .complexity("O(1)"),
    CommandSpec::new("zmscore", -3, READONLY | FAST, Z, K1, "sorted_set", "6.2.0", "Returns the score of one or more members in a sorted set.", zmscore)
        .syntax("key member [member ...]")
        .complexity("O(N) where N is the number of members being requested."),
    CommandSpec::new("zcard", 2, READONLY | FAST, Z, K1, "sorted_set", "1.2.0", "Returns the number of members in a sorted set.", zcard)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("zcount", 4, READONLY | FAST, Z, K1, "sorted_set", "2.0.0", "Returns the count of members in a sorted set that have scores within a range.", zcount)
        .syntax("key min max")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("zlexcount", 4, READONLY | FAST, Z, K1, "sorted_set", "2.8.9", "Returns the number of members in a sorted set within a lexicographical range.", zlexcount)
        .syntax("key min max")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("zrank", -3, READONLY | FAST, Z, K1, "sorted_set", "2.0.0", "Returns the index of a member in a sorted set ordered by ascending scores.", zrank)
        .syntax("key member [WITHSCORE]")
        .complexity("O(log(N))"),
    CommandSpec::new("zrevrank", -3, READONLY | FAST, Z, K1, "sorted_set", "2.0.0", "Returns the index of a member in a sorted set ordered by descending scores.", zrevrank)
        .syntax("key member [WITHSCORE]")
        .complexity("O(log(N))"),
    CommandSpec::new("zrange", -4, READONLY, Z, K1, "sorted_set", "1.2.0", "Returns members in a sorted set within a range of indexes.", zrange)
        .syntax("key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    CommandSpec::new("zrangestore", -5, WRITE | DENYOOM, Z, (1, 2, 1), "sorted_set", "6.2.0", "Stores a range of members from sorted set in a key.", zrangestore)
        .syntax("dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."),
    CommandSpec::new("zrevrange", -4, READONLY, Z, K1, "sorted_set", "1.2.0", "Returns members in a sorted set within a range of indexes in reverse order.", zrevrange)
        .syntax("key start stop [WITHSCORES]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    CommandSpec::new("zrangebyscore", -4, READONLY, Z, K1, "sorted_set", "1.0.5", "Returns members in a sorted set within a range of scores.", zrangebyscore)
        .syntax("key min max [WITHSCORES] [LIMIT offset count]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned."),
    CommandSpec::new("zrevrangebyscore", -4, READONLY, Z, K1, "sorted_set", "2.2.0", "Returns members in a sorted set within a range of scores in reverse order.", zrevrangebyscore)
        .syntax("key max min [WITHSCORES] [LIMIT offset count]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned."),
    CommandSpec::new("zrangebylex", -4, READONLY, Z, K1, "sorted_set", "2.8.9", "Returns members in a sorted set within a lexicographical range.", zrangebylex)
        .syntax("key min max [LIMIT offset count]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned."),
    CommandSpec::new("zrevrangebylex", -4, READONLY, Z, K1, "sorted_set", "2.8.9", "Returns members in a sorted set within a lexicographical range in reverse order.", zrevrangebylex)
        .syntax("key max min [LIMIT offset count]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned."),
    CommandSpec::new("zrem", -3, WRITE | FAST, Z, K1, "sorted_set", "1.2.0", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", zrem)
        .syntax("key member [member ...]")
        .complexity("O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."),
    CommandSpec::new("zremrangebyrank", 4, WRITE, Z, K1, "sorted_set", "2.0.0", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", zremrangebyrank)
        .syntax("key start stop")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    CommandSpec::new("zremrangebyscore", 4, WRITE, Z, K1, "sorted_set", "1.2.0", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", zremrangebyscore)
        .syntax("key min max")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    CommandSpec::new("zremrangebylex", 4, WRITE, Z, K1, "sorted_set", "2.8.9", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", zremrangebylex)
        .syntax("key min max")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."),
    CommandSpec::new("zpopmin", -2, WRITE | FAST, Z, K1, "sorted_set", "5.0.0", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", zpopmin)
        .syntax("key [count]")
        .complexity("O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
    CommandSpec::new("zpopmax", -2, WRITE | FAST, Z, K1, "sorted_set", "5.0.0", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", zpopmax)
        .syntax("key [count]")
        .complexity("O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."),
    CommandSpec::new("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, Z, (1, -2, 1), "sorted_set", "5.0.0", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", bzpopmin)
        .syntax("key [key ...] timeout")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, Z, (1, -2, 1), "sorted_set", "5.0.0", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", bzpopmax)
        .syntax("key [key ...] timeout")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("zmpop", -4, WRITE | MOVABLE_KEYS, Z, MOVABLE, "sorted_set", "7.0.0", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", zmpop)
        .numkeys_at(1)
        .syntax("numkeys key [key ...] <MIN | MAX> [COUNT count]")
        .complexity("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
    CommandSpec::new("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, Z, MOVABLE, "sorted_set", "7.0.0", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", bzmpop)
        .numkeys_at(2)
        .syntax("timeout numkeys key [key ...] <MIN | MAX> [COUNT count]")
        .complexity("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
    CommandSpec::new("zrandmember", -2, READONLY, Z, K1, "sorted_set", "6.2.0", "Returns one or more random members from a sorted set.", zrandmember)
        .syntax("key [count [WITHSCORES]]")
        .complexity("O(N) where N is the number of members returned"),
    CommandSpec::new("zunion", -3, READONLY | MOVABLE_KEYS, Z, MOVABLE, "sorted_set", "6.2.0", "Returns the union of multiple sorted sets.", zunion)
        .numkeys_at(1)
        .syntax("numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]")
        .complexity("O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zinter", -3, READONLY | MOVABLE_KEYS, Z, MOVABLE, "sorted_set", "6.2.0", "Returns the intersect of multiple sorted sets.", zinter)
        .numkeys_at(1)
        .syntax("numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]")
        .complexity("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zdiff", -3, READONLY | MOVABLE_KEYS, Z, MOVABLE, "sorted_set", "6.2.0", "Returns the difference between multiple sorted sets.", zdiff)
        .numkeys_at(1)
        .syntax("numkeys key [key ...] [WITHSCORES]")
        .complexity("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    CommandSpec::new("zunionstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, Z, K1, "sorted_set", "2.0.0", "Stores the union of multiple sorted sets in a key.", zunionstore)
        .numkeys_at(2)
        .syntax("destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]")
        .complexity("O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zinterstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, Z, K1, "sorted_set", "2.0.0", "Stores the intersect of multiple sorted sets in a key.", zinterstore)
        .numkeys_at(2)
        .syntax("destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]")
        .complexity("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zdiffstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, Z, K1, "sorted_set", "6.2.0", "Stores the difference of multiple sorted sets in a key.", zdiffstore)
        .numkeys_at(2)
        .syntax("destination numkeys key [key ...]")
        .complexity("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    CommandSpec::new("zintercard", -3, READONLY | MOVABLE_KEYS, Z, MOVABLE, "sorted_set", "7.0.0", "Returns the number of members of the intersect of multiple sorted sets.", zintercard)
        .numkeys_at(1)
        .syntax("numkeys key [key ...] [LIMIT limit]")
        .complexity("O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
    CommandSpec::new("zscan", -3, READONLY, Z, K1, "sorted_set", "2.8.0", "Iterates over members and scores of a sorted set.", zscan)
        .syntax("key cursor [MATCH pattern] [COUNT count]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
];

// ---------------------------------------------------------------------------
// Score arguments (the number text itself is ember_num's)
// ---------------------------------------------------------------------------

/// A score or increment (Redis's `getDoubleFromObject`, see
/// [`ember_num::parse_f64`]).
fn score_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// One end of a score range: `[(]float` (strtod rules, NaN rejected).
fn parse_score_bound(arg: &[u8]) -> Option<ScoreBound> {
    let (exclusive, rest) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let rest = c_string(rest);
    let r = strtod(rest);
    if r.used != rest.len() || r.value.is_nan() {
        return None;
    }
    Some(ScoreBound { value: r.value, exclusive })
}

fn score_range_args(min: &[u8], max: &[u8]) -> Result<(ScoreBound, ScoreBound), CmdError> {
    match (parse_score_bound(min), parse_score_bound(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(CmdError::err("min or max is not a float")),
    }
}

/// One end of a lex range: `-`, `+`, `[member` or `(member`.
fn parse_lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    match arg.first()? {
        b'+' if c_string(arg).len() == 1 => Some(LexBound::Max),
        b'-' if c_string(arg).len() == 1 => Some(LexBound::Min),
        b'(' => Some(LexBound::Excl(&arg[1..])),
        b'[' => Some(LexBound::Incl(&arg[1..])),
        _ => None,
    }
}

fn lex_range_args<'a>(min: &'a [u8], max: &'a [u8]) -> Result<(LexBound<'a>, LexBound<'a>), CmdError> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(CmdError::err("min or max not valid string range item")),
    }
}

/// The header of a list of `n` members, with or without scores: RESP2 flat
/// (2n items with scores), RESP3 an array of `[member, score]` pairs.
fn reply_elems_header(out: &mut Out, n: usize, withscores: bool) {
    if withscores && out.proto == Protocol::Resp2 {
        out.array(n * 2);
    } else {
        out.array(n);
    }
}

fn reply_elem(out: &mut Out, member: &[u8], score: f64, withscores: bool) {
    if withscores {
        if out.proto == Protocol::Resp3 {
            out.array(2);
        }
        out.bulk(member);
        out.double(score);
    } else {
        out.bulk(member);
    }
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/// The sorted set at `key`: `Ok(None)` if missing, WRONGTYPE for other types.
pub fn lookup_zset<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut ZSet>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The sorted set at `key`, created empty if missing.
fn zset_or_create<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<&'a mut ZSet, CmdError> {
    let exists = match db.get(key, now) {
        None => false,
        Some(e) if matches!(e.value(), Value::ZSet(_)) => true,
        Some(_) => return Err(CmdError::WrongType),
    };
    if !exists {
        db.insert(key, Value::ZSet(Box::default()), None, now);
    }
    match lookup_zset(db, key, now)? {
        Some(z) => Ok(z),
        None => unreachable!("just inserted"),
    }
}

/// Deletes `key` if it holds an empty sorted set (Redis never keeps one);
/// true if it did.
fn delete_if_empty(db: &mut Db, key: &[u8], now: u64) -> bool {
    let empty = matches!(db.peek(key, now).map(|e| e.value()), Some(Value::ZSet(z)) if z.is_empty());
    if empty {
        db.remove(key, now);
    }
    empty
}

/// A removal's event, then `del` if the sorted set is gone.
fn notify_removed(ctx: &mut Ctx<'_>, event: &str, key: &[u8], emptied: bool) {
    ctx.notify(ev::ZSET, event, key);
    if emptied {
        ctx.notify(ev::GENERIC, "del", key);
    }
}

/// How a stored result starts out (which matters only for the sign of a
/// zero score, which the `listpack` encoding does not keep).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreAs {
    /// ZUNIONSTORE & co: built as `skiplist`, made `listpack` if it fits.
    Fitted,
    /// ZRANGESTORE by rank: `skiplist` from the start when the count alone
    /// exceeds the listpack limit.
    RankHint,
    /// ZRANGESTORE by score or lex: `listpack` first, converted as members
    /// are added in order.
    Listpack,
}

/// Stores `elems` as the sorted set `dst`, replacing any value, or deletes
/// `dst` when empty; replies with the count.
pub(crate) fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], elems: Vec<(Vec<u8>, f64)>, how: StoreAs, event: &str) {
    let now = ctx.now_ms;
    let n = elems.len();
    let cfg = ctx.srv.config.encodings();
    if n > 0 {
        let too_many = n > cfg.zset_max_listpack_entries;
        let big = match how {
            StoreAs::Fitted => too_many || elems.iter().any(|(m, _)| m.len() > cfg.zset_max_listpack_value),
            StoreAs::RankHint => too_many,
            StoreAs::Listpack => false,
        };
        let mut z = if big { ZSet::new_skiplist() } else { ZSet::new() };
        for (m, s) in &elems {
            z.insert(m, *s, &cfg);
        }
        if let Some(old) = ctx.srv.store.db(ctx.client.db).insert(dst, Value::ZSet(Box::new(z)), None, now) {
            ctx.srv.drop_value(old);
        }
        ctx.dirty(1);
        ctx.notify(ev::ZSET, event, dst);
    } else if let Some(old) = ctx.srv.store.db(ctx.client.db).remove(dst, now) {
        ctx.srv.drop_value(old);
        ctx.dirty(1);
        ctx.notify(ev::GENERIC, "del", dst);
    }
    ctx.out().int(n as i64);
}

thread_local! {
    static RNG: RefCell<Rng> = RefCell::new(Rng::from_entropy());
}

fn random_below(n: usize) -> usize {
    RNG.with(|r| r.borrow_mut().below(n as u64) as usize)
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY
// ---------------------------------------------------------------------------

fn zadd(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zadd_generic(ctx, cmd, false)
}

fn zincrby(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zadd_generic(ctx, cmd, true)
}

fn zadd_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, zincrby: bool) -> CmdResult {
    let (mut nx, mut xx, mut ch, mut incr, mut gt, mut lt) = (false, false, false, zincrby, false, false);
    let mut i = 2;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        if is(opt, "NX") {
            nx = true;
        } else if is(opt, "XX") {
            xx = true;
        } else if is(opt, "CH") {
            ch = true;
        } else if is(opt, "INCR") {
            incr = true;
        } else if is(opt, "GT") {
            gt = true;
        } else if is(opt, "LT") {
            lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = cmd.len() - i;
    if elements % 2 != 0 || elements == 0 {
        return Err(CmdError::Syntax);
    }
    let pairs = elements / 2;
    if nx && xx {
        return Err(CmdError::err("XX and NX options at the same time are not compatible"));
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return Err(CmdError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if incr && pairs > 1 {
        return Err(CmdError::err("INCR option supports a single increment-element pair"));
    }
    let mut scores = Vec::with_capacity(pairs);
    for p in 0..pairs {
        scores.push(score_arg(cmd.arg(i + 2 * p))?);
    }
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let skip = xx && lookup_zset(db, key, now)?.is_none();
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut last_score = 0.0;
    if !skip {
        let z = zset_or_create(db, key, now)?;
        for (p, &score) in scores.iter().enumerate() {
            let member = cmd.arg(i + 2 * p + 1);
            match z.score(member) {
                Some(cur) => {
                    if nx {
                        continue;
                    }
                    let mut new = score;
                    if incr {
                        new += cur;
                        if new.is_nan() {
                            delete_if_empty(ctx.srv.store.db(ctx.client.db), key, now);
                            return Err(CmdError::err("resulting score is not a number (NaN)"));
                        }
                    }
                    if (lt && new >= cur) || (gt && new <= cur) {
                        continue;
                    }
                    last_score = new;
                    processed += 1;
                    if new != cur {
                        z.insert(member, new, &cfg);
                        updated += 1;
                    }
                }
                None if !xx => {
                    z.insert(member, score, &cfg);
                    last_score = score;
                    added += 1;
                    processed += 1;
                }
                None => {}
            }
        }
        delete_if_empty(ctx.srv.store.db(ctx.client.db), key, now);
    }
    ctx.dirty(added + updated);
    if added + updated > 0 {
        ctx.notify(ev::ZSET, if incr { "zincr" } else { "zadd" }, key);
    }
    let out = ctx.out();
    if incr {
        if processed > 0 {
            out.double(last_score);
        } else {
            out.null();
        }
    } else {
        out.int((if ch { added + updated } else { added }) as i64);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Reads of single members
// ---------------------------------------------------------------------------

fn zscore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let score = lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.and_then(|z| z.score(cmd.arg(2)));
    match score {
        Some(s) => ctx.out().double(s),
        None => ctx.out().null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let z = lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    let out = &mut ctx.client.out;
    out.array(cmd.len() - 2);
    for m in cmd.iter().skip(2) {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(())
}

fn zcard(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let n = lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.map_or(0, |z| z.len());
    ctx.out().int(n as i64);
    Ok(())
}

fn zcount(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (min, max) = score_range_args(cmd.arg(2), cmd.arg(3))?;
    let now = ctx.now_ms;
    let n = match lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? {
        Some(z) => {
            let (s, e) = z.score_range(min, max);
            e - s
        }
        None => 0,
    };
    ctx.out().int(n as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (min, max) = lex_range_args(cmd.arg(2), cmd.arg(3))?;
    let now = ctx.now_ms;
    let n = match lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? {
        Some(z) => {
            let (s, e) = z.lex_range(&min, &max);
            e - s
        }
        None => 0,
    };
    ctx.out().int(n as i64);
    Ok(())
}

fn zrank(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrank_generic(ctx, cmd, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrank_generic(ctx, cmd, true)
}

/// ZRANK / ZREVRANK, with Redis 7.2's WITHSCORE option.
fn zrank_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, rev: bool) -> CmdResult {
    if cmd.len() > 4 {
        return Err(CmdError::Arity(if rev { "zrevrank" } else { "zrank" }.into()));
    }
    let withscore = match cmd.get(3) {
        None => false,
        Some(a) if is(a, "WITHSCORE") => true,
        Some(_) => return Err(CmdError::Syntax),
    };
    let now = ctx.now_ms;
    let found = match lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? {
        Some(z) => z.rank(cmd.arg(2)).map(|(r, s)| (if rev { z.len() - 1 - r } else { r }, s)),
        None => None,
    };
    let out = ctx.out();
    match found {
        Some((r, s)) if withscore => {
            out.array(2);
            out.int(r as i64);
            out.double(s);
        }
        Some((r, _)) => out.int(r as i64),
        None if withscore => out.null_array(),
        None => out.null(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Ascending ranks `start..end` of a rank range given Redis-style
/// (negative = from the end, inclusive), or `None` when empty.
fn rank_span(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { llen.saturating_add(start) } else { start };
    let mut end = if end < 0 { llen.saturating_add(end) } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize + 1))
}

/// Applies LIMIT `offset count` to the ascending span `s..e` walked forward
/// or (with `rev`) from the top; returns the ascending span to emit.
fn limit_span(s: usize, e: usize, rev: bool, offset: i64, limit: i64) -> (usize, usize) {
    if s >= e || offset < 0 || limit == 0 {
        return (0, 0);
    }
    let avail = e - s;
    let off = (offset as u64).min(avail as u64) as usize;
    let n = if limit < 0 { avail - off } else { (limit as u64).min((avail - off) as u64) as usize };
    if rev {
        (e - off - n, e - off)
    } else {
        (s + off, s + off + n)
    }
}

fn zrange(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 1, false, RangeKind::Auto, None)
}

fn zrangestore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 2, true, RangeKind::Auto, None)
}

fn zrevrange(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 1, false, RangeKind::Rank, Some(true))
}

fn zrangebyscore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 1, false, RangeKind::Score, Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 1, false, RangeKind::Score, Some(true))
}

fn zrangebylex(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 1, false, RangeKind::Lex, Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zrange_generic(ctx, cmd, 1, false, RangeKind::Lex, Some(true))
}

/// Every ZRANGE form. `src` is the index of the source key (min and max
/// follow it); with `store`, argument 1 is the destination.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    cmd: &Command<'_>,
    src: usize,
    store: bool,
    mut kind: RangeKind,
    direction: Option<bool>,
) -> CmdResult {
    let mut withscores = false;
    let mut rev = direction;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = src + 3;
    while j < cmd.len() {
        let opt = cmd.arg(j);
        let left = cmd.len() - j - 1;
        if !store && is(opt, "WITHSCORES") {
            withscores = true;
        } else if is(opt, "LIMIT") && left >= 2 {
            offset = int_arg(cmd.arg(j + 1))?;
            limit = int_arg(cmd.arg(j + 2))?;
            j += 2;
        } else if direction.is_none() && rev.is_none() && is(opt, "REV") {
            rev = Some(true);
        } else if kind == RangeKind::Auto && is(opt, "BYLEX") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && is(opt, "BYSCORE") {
            kind = RangeKind::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    if limit != -1 && kind == RangeKind::Rank {
        return Err(CmdError::err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
    }
    if withscores && kind == RangeKind::Lex {
        return Err(CmdError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    let (mut min_arg, mut max_arg) = (cmd.arg(src + 1), cmd.arg(src + 2));
    if rev && kind != RangeKind::Rank {
        std::mem::swap(&mut min_arg, &mut max_arg);
    }
    enum Parsed<'a> {
        Rank(i64, i64),
        Score(ScoreBound, ScoreBound),
        Lex(LexBound<'a>, LexBound<'a>),
    }
    let parsed = match kind {
        RangeKind::Score => {
            let (a, b) = score_range_args(min_arg, max_arg)?;
            Parsed::Score(a, b)
        }
        RangeKind::Lex => {
            let (a, b) = lex_range_args(min_arg, max_arg)?;
            Parsed::Lex(a, b)
        }
        _ => Parsed::Rank(int_arg(min_arg)?, int_arg(max_arg)?),
    };
    let now = ctx.now_ms;
    let key = cmd.arg(src);
    let Some(z) = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? else {
        if store {
            store_result(ctx, cmd.arg(1), Vec::new(), StoreAs::Listpack, "zrangestore");
        } else {
            ctx.out().array(0);
        }
        return Ok(());
    };
    let (s, e) = match parsed {
        Parsed::Rank(a, b) => {
            let len = z.len();
            match rank_span(len, a, b) {
                // Reverse ranks count from the top.
                Some((s, e)) if rev => (len - e, len - s),
                Some(span) => span,
                None => (0, 0),
            }
        }
        Parsed::Score(min, max) => {
            let (s, e) = z.score_range(min, max);
            limit_span(s, e, rev, offset, limit)
        }
        Parsed::Lex(min, max) => {
            let (s, e) = z.lex_range(&min, &max);
            limit_span(s, e, rev, offset, limit)
        }
    };
    let n = e.saturating_sub(s);
    if store {
        let mut elems = Vec::with_capacity(n);
        z.for_range(s, e, rev, |m, sc| elems.push((m.to_vec(), sc)));
        let how = if kind == RangeKind::Rank { StoreAs::RankHint } else { StoreAs::Listpack };
        store_result(ctx, cmd.arg(1), elems, how, "zrangestore");
        return Ok(());
    }
    let out = &mut ctx.client.out;
    reply_elems_header(out, n, withscores);
    z.for_range(s, e, rev, |m, sc| reply_elem(out, m, sc, withscores));
    Ok(())
}

// ---------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------

fn zrem(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    let mut n = 0;
    if let Some(z) = lookup_zset(db, key, now)? {
        for m in cmd.iter().skip(2) {
            if z.remove(m).is_some() {
                n += 1;
            }
            if z.is_empty() {
                break;
            }
        }
        let emptied = delete_if_empty(db, key, now);
        if n > 0 {
            notify_removed(ctx, "zrem", key, emptied);
        }
    }
    ctx.dirty(n);
    ctx.out().int(n as i64);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (a, b) = (int_arg(cmd.arg(2))?, int_arg(cmd.arg(3))?);
    zremrange(ctx, cmd, "zremrangebyrank", |z| rank_span(z.len(), a, b).unwrap_or((0, 0)))
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (min, max) = score_range_args(cmd.arg(2), cmd.arg(3))?;
    zremrange(ctx, cmd, "zremrangebyscore", |z| z.score_range(min, max))
}

fn zremrangebylex(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (min, max) = lex_range_args(cmd.arg(2), cmd.arg(3))?;
    zremrange(ctx, cmd, "zremrangebylex", |z| z.lex_range(&min, &max))
}

fn zremrange(
    ctx: &mut Ctx<'_>,
    cmd: &Command<'_>,
    event: &str,
    span: impl FnOnce(&ZSet) -> (usize, usize),
) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    let mut n = 0;
    if let Some(z) = lookup_zset(db, key, now)? {
        let (s, e) = span(z);
        n = z.remove_range(s, e);
        let emptied = delete_if_empty(db, key, now);
        if n > 0 {
            notify_removed(ctx, event, key, emptied);
        }
    }
    ctx.dirty(n as u64);
    ctx.out().int(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------

/// How a pop reply is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PopReply {
    /// ZPOPMIN/ZPOPMAX: flat (RESP2, or RESP3 without COUNT) or pairs.
    Plain { nested: bool },
    /// BZPOPMIN/BZPOPMAX: `[key, member, score]`.
    KeyFlat,
    /// ZMPOP/BZMPOP: `[key, [[member, score], ...]]`.
    KeyNested,
}

/// Pops up to `count` elements from the first existing key of `keys`.
/// Returns `Ok(false)` when no key exists (nothing replied).
fn pop_from(ctx: &mut Ctx<'_>, keys: &[&[u8]], max: bool, count: usize, shape: PopReply) -> Result<bool, CmdError> {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let mut found = None;
    for &k in keys {
        if lookup_zset(db, k, now)?.is_some() {
            found = Some(k);
            break;
        }
    }
    let Some(key) = found else { return Ok(false) };
    let z = lookup_zset(db, key, now)?.expect("found above");
    let n = count.min(z.len());
    let mut popped = Vec::with_capacity(n);
    for _ in 0..n {
        if let Some(p) = z.pop(max) {
            popped.push(p);
        }
    }
    let emptied = delete_if_empty(db, key, now);
    ctx.dirty(n as u64);
    if n > 0 {
        notify_removed(ctx, if max { "zpopmax" } else { "zpopmin" }, key, emptied);
    }
    if !matches!(shape, PopReply::Plain { .. }) {
        ctx.srv.events.touched(ctx.client.db, key);
    }
    let out = &mut ctx.client.out;
    let nested = match shape {
        PopReply::Plain { nested } => {
            if nested {
                out.array(n);
            } else {
                out.array(n * 2);
            }
            nested
        }
        PopReply::KeyFlat => {
            out.array(n * 2 + 1);
            out.bulk(key);
            false
        }
        PopReply::KeyNested => {
            out.array(2);
            out.bulk(key);
            out.array(n);
            true
        }
    };
    for (m, s) in &popped {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        out.double(*s);
    }
    Ok(true)
}

fn zpopmin(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zpop(ctx, cmd, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zpop(ctx, cmd, true)
}

fn positive_count(arg: &[u8]) -> Result<usize, CmdError> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(CmdError::err("value is out of range, must be positive")),
    }
}

fn zpop(ctx: &mut Ctx<'_>, cmd: &Command<'_>, max: bool) -> CmdResult {
    if cmd.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = match cmd.get(2) {
        Some(a) => Some(positive_count(a)?),
        None => None,
    };
    let nested = count.is_some() && ctx.client.out.proto == Protocol::Resp3;
    if count == Some(0) {
        // The key is still type-checked.
        let now = ctx.now_ms;
        lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
        ctx.out().array(0);
        return Ok(());
    }
    if !pop_from(ctx, &[cmd.arg(1)], max, count.unwrap_or(1), PopReply::Plain { nested })? {
        ctx.out().array(0);
    }
    Ok(())
}

fn bzpopmin(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    bzpop(ctx, cmd, false)
}

fn bzpopmax(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    bzpop(ctx, cmd, true)
}

/// Blocks the client on `keys` (or answers a null array when it may not block).
fn block_on(ctx: &mut Ctx<'_>, keys: &[&[u8]], deadline: Option<u64>) {
    if !ctx.may_block() {
        ctx.out().null_array();
        return;
    }
    ctx.block = Some(BlockRequest {
        keys: keys.iter().map(|k| k.to_vec()).collect(),
        deadline,
        on_timeout: TimeoutReply::NullArray,
    });
}

fn bzpop(ctx: &mut Ctx<'_>, cmd: &Command<'_>, max: bool) -> CmdResult {
    let deadline = timeout_arg(cmd.arg(cmd.len() - 1), ctx.now_ms)?;
    let keys: Vec<&[u8]> = (1..cmd.len() - 1).map(|i| cmd.arg(i)).collect();
    if !pop_from(ctx, &keys, max, 1, PopReply::KeyFlat)? {
        block_on(ctx, &keys, deadline);
    }
    Ok(())
}

/// Parses `numkeys key... MIN|MAX [COUNT count]` starting at `at`.
fn mpop_args<'a>(cmd: &Command<'a>, at: usize) -> Result<(Vec<&'a [u8]>, bool, usize), CmdError> {
    let numkeys = match parse_i64(cmd.arg(at)) {
        Some(n) if n >= 1 => n as usize,
        _ => return Err(CmdError::err("numkeys should be greater than 0")),
    };
    let where_at = at.checked_add(numkeys).and_then(|x| x.checked_add(1)).filter(|&w| w < cmd.len());
    let Some(where_at) = where_at else { return Err(CmdError::Syntax) };
    let max = if is(cmd.arg(where_at), "MIN") {
        false
    } else if is(cmd.arg(where_at), "MAX") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < cmd.len() {
        if count.is_none() && is(cmd.arg(j), "COUNT") && j + 1 < cmd.len() {
            match parse_i64(cmd.arg(j + 1)) {
                Some(n) if n >= 1 => count = Some(n as usize),
                _ => return Err(CmdError::err("count should be greater than 0")),
            }
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let keys = (at + 1..where_at).map(|i| cmd.arg(i)).collect();
    Ok((keys, max, count.unwrap_or(1)))
}

fn zmpop(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (keys, max, count) = mpop_args(cmd, 1)?;
    if !pop_from(ctx, &keys, max, count, PopReply::KeyNested)? {
        ctx.out().null_array();
    }
    Ok(())
}

fn bzmpop(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let (keys, max, count) = mpop_args(cmd, 2)?;
    let deadline = timeout_arg(cmd.arg(1), ctx.now_ms)?;
    if !pop_from(ctx, &keys, max, count, PopReply::KeyNested)? {
        block_on(ctx, &keys, deadline);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------

fn zrandmember(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let Some(count_arg) = cmd.get(2) else {
        let z = lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
        match z.and_then(|z| z.get(random_below(z.len().max(1)))) {
            Some((m, _)) => ctx.client.out.bulk(m),
            None => ctx.client.out.null(),
        }
        return Ok(());
    };
    let l = match parse_i64(count_arg) {
        Some(i64::MIN) => {
            return Err(CmdError::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ))
        }
        Some(n) => n,
        None => return Err(CmdError::NotInteger),
    };
    let withscores = match cmd.len() {
        3 => false,
        4 if is(cmd.arg(3), "WITHSCORES") => true,
        _ => return Err(CmdError::Syntax),
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::err("value is out of range"));
    }
    let Some(z) = lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? else {
        ctx.out().array(0);
        return Ok(());
    };
    let out = &mut ctx.client.out;
    let size = z.len();
    let count = l.unsigned_abs();
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    if l < 0 || count == 1 {
        // With repetitions (or a single pick). The reply can be huge:
        // cap what a client can make us produce to what Redis would.
        let count = count as usize;
        reply_elems_header(out, count, withscores);
        for _ in 0..count {
            let (m, s) = z.get(random_below(size)).expect("rank in range");
            reply_elem(out, m, s, withscores);
        }
        return Ok(());
    }
    if count >= size as u64 {
        // The whole set, highest first (Redis walks it from the tail).
        reply_elems_header(out, size, withscores);
        z.for_range(0, size, true, |m, s| reply_elem(out, m, s, withscores));
        return Ok(());
    }
    // Distinct picks: a partial Fisher-Yates over the ranks.
    let count = count as usize;
    let mut picked: HashMap<usize, usize> = HashMap::with_capacity(count * 2);
    reply_elems_header(out, count, withscores);
    for i in 0..count {
        let j = i + random_below(size - i);
        let at_j = *picked.get(&j).unwrap_or(&j);
        let at_i = *picked.get(&i).unwrap_or(&i);
        picked.insert(j, at_i);
        let (m, s) = z.get(at_j).expect("rank in range");
        reply_elem(out, m, s, withscores);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(target: &mut f64, v: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += v;
            // inf + -inf: Redis's convention is 0.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *target {
                *target = v;
            }
        }
        Aggregate::Max => {
            if v > *target {
                *target = v;
            }
        }
    }
}

/// One input of a set operation: a missing key, a sorted set, or a plain
/// set (every member with score 1).
enum Src<'a> {
    Empty,
    Z(&'a ZSet),
    S(&'a Set),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::Empty => 0,
            Src::Z(z) => z.len(),
            Src::S(s) => s.len(),
        }
    }
    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::Empty => None,
            Src::Z(z) => z.score(m),
            Src::S(s) => s.contains(m).then_some(1.0),
        }
    }
    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Src::Empty => {}
            Src::Z(z) => z.for_each(f),
            Src::S(s) => {
                let mut scratch = [0u8; 20];
                for m in s.iter() {
                    f(m.bytes(&mut scratch), 1.0);
                }
            }
        }
    }
}

fn zunion(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Union, false, false)
}
fn zinter(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Inter, false, false)
}
fn zdiff(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Diff, false, false)
}
fn zunionstore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Union, true, false)
}
fn zinterstore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Inter, true, false)
}
fn zdiffstore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Diff, true, false)
}
fn zintercard(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    zsetop(ctx, cmd, SetOp::Inter, false, true)
}

/// The result of a set operation, in no particular order.
type Elems = Vec<(Vec<u8>, f64)>;

fn zsetop(ctx: &mut Ctx<'_>, cmd: &Command<'_>, op: SetOp, store: bool, card_only: bool) -> CmdResult {
    let numkeys_at = if store { 2 } else { 1 };
    let setnum = int_arg(cmd.arg(numkeys_at))?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(cmd.arg(0)).to_ascii_lowercase();
        return Err(CmdError::err(format!("at least 1 input key is needed for '{name}' command")));
    }
    if setnum as u64 > (cmd.len() - numkeys_at - 1) as u64 {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let first_key = numkeys_at + 1;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    // Expired keys are reclaimed first so the shared borrows below see
    // only live values.
    for k in first_key..first_key + setnum {
        let _ = db.get(cmd.arg(k), now);
    }
    let db: &Db = db;
    let mut srcs: Vec<(Src<'_>, f64)> = Vec::with_capacity(setnum);
    for k in first_key..first_key + setnum {
        let src = match db.peek(cmd.arg(k), now).map(|e| e.value()) {
            None => Src::Empty,
            Some(Value::ZSet(z)) => Src::Z(z),
            Some(Value::Set(s)) => Src::S(s),
            Some(_) => return Err(CmdError::WrongType),
        };
        srcs.push((src, 1.0));
    }
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = first_key + setnum;
    while j < cmd.len() {
        let remaining = cmd.len() - j;
        let opt = cmd.arg(j);
        if op != SetOp::Diff && !card_only && remaining > setnum && is(opt, "WEIGHTS") {
            for (i, src) in srcs.iter_mut().enumerate() {
                src.1 = parse_f64(cmd.arg(j + 1 + i)).ok_or_else(|| CmdError::err("weight value is not a float"))?;
            }
            j += setnum + 1;
        } else if op != SetOp::Diff && !card_only && remaining >= 2 && is(opt, "AGGREGATE") {
            let a = cmd.arg(j + 1);
            agg = if is(a, "SUM") {
                Aggregate::Sum
            } else if is(a, "MIN") {
                Aggregate::Min
            } else if is(a, "MAX") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if !store && !card_only && is(opt, "WITHSCORES") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(opt, "LIMIT") {
            limit = match parse_i64(cmd.arg(j + 1)) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(CmdError::err("LIMIT can't be negative")),
            };
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if op != SetOp::Diff {
        // Smallest inputs first (stable, as Redis's sort behaves), which
        // also fixes the order scores are aggregated in.
        srcs.sort_by_key(|(s, _)| s.len());
    }
    let weighted = |w: f64, s: f64| {
        let v = w * s;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Elems = Vec::new();
    let mut card = 0usize;
    match op {
        SetOp::Inter => {
            let (first, w0) = &srcs[0];
            if first.len() > 0 {
                let mut stop = false;
                first.for_each(|m, s| {
                    if stop {
                        return;
                    }
                    let mut score = weighted(*w0, s);
                    for (other, w) in &srcs[1..] {
                        match other.score(m) {
                            // Unlike the first input's, these products may be
                            // NaN (inf * 0): SUM then turns NaN into 0, MIN
                            // and MAX ignore it, as in Redis.
                            Some(v) => aggregate(&mut score, *w * v, agg),
                            None => return,
                        }
                    }
                    if card_only {
                        card += 1;
                        if limit > 0 && card >= limit {
                            stop = true;
                        }
                    } else {
                        result.push((m.to_vec(), score));
                    }
                });
            }
        }
        SetOp::Union => {
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::with_capacity(srcs.last().map_or(0, |s| s.0.len()));
            for (src, w) in &srcs {
                src.for_each(|m, s| {
                    let v = weighted(*w, s);
                    match acc.get_mut(m) {
                        Some(cur) => aggregate(cur, v, agg),
                        None => {
                            acc.insert(m.to_vec(), v);
                        }
                    }
                });
            }
            result = acc.into_iter().collect();
        }
        SetOp::Diff => {
            let (first, _) = &srcs[0];
            first.for_each(|m, s| {
                if srcs[1..].iter().all(|(o, _)| o.score(m).is_none()) {
                    result.push((m.to_vec(), s));
                }
            });
        }
    }
    drop(srcs);
    if card_only {
        ctx.out().int(card as i64);
        return Ok(());
    }
    result.sort_by(|a, b| match a.1.partial_cmp(&b.1) {
        Some(std::cmp::Ordering::Equal) | None => a.0.cmp(&b.0),
        Some(o) => o,
    });
    if store {
        let event = match op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        store_result(ctx, cmd.arg(1), result, StoreAs::Fitted, event);
        return Ok(());
    }
    let out = &mut ctx.client.out;
    reply_elems_header(out, result.len(), withscores);
    for (m, s) in &result {
        reply_elem(out, m, *s, withscores);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------

fn zscan(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let cursor = parse_cursor(cmd.arg(2))?;
    let now = ctx.now_ms;
    let Some(z) = lookup_zset(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? else {
        let out = ctx.out();
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let mut pattern: Option<&[u8]> = None;
    let mut count = 10usize;
    let mut i = 3;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        let Some(val) = cmd.get(i + 1) else { return Err(CmdError::Syntax) };
        if is(opt, "COUNT") {
            let n = int_arg(val)?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            count = n as usize;
        } else if is(opt, "MATCH") {
            pattern = Some(val).filter(|p| *p != b"*");
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let compact = z.is_compact();
    let mut found: Vec<(Vec<u8>, f64)> = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if pattern.is_none_or(|p| glob_match(p, m, false)) {
            found.push((m.to_vec(), s));
        }
    });
    let out = &mut ctx.client.out;
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len() * 2);
    let mut buf = [0u8; FLOAT_BUF_LEN];
    for (m, s) in &found {
        out.bulk(m);
        // A listpack holds scores as the text Redis wrote them.
        out.bulk(if compact { format_d2string(*s, &mut buf) } else { format_g17(*s, &mut buf) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_bounds_parse_like_zslparserange() {
        let b = |s: &str| parse_score_bound(s.as_bytes()).map(|x| (x.value, x.exclusive));
        assert_eq!(b("1"), Some((1.0, false)));
        assert_eq!(b("(1"), Some((1.0, true)));
        assert_eq!(b(""), Some((0.0, false)));
        assert_eq!(b("("), Some((0.0, true)));
        assert_eq!(b(" 1"), Some((1.0, false)));
        assert_eq!(b("1e400"), Some((f64::INFINITY, false)));
        assert_eq!(b("-inf"), Some((f64::NEG_INFINITY, false)));
        assert_eq!(b("1 "), None);
        assert_eq!(b("  "), None);
        assert_eq!(b("nan"), None);
        assert_eq!(b("[1"), None);
        assert_eq!(b("1\u{0}junk"), Some((1.0, false)));
    }

    #[test]
    fn timeouts() {
        let now = 1_700_000_000_000;
        assert_eq!(timeout_arg(b"0", now), Ok(None));
        assert_eq!(timeout_arg(b"1.5", now), Ok(Some(now + 1_500)));
        // Checked with redis-server 7.0: milliseconds round up, so tiny
        // timeouts wait 1 ms rather than forever.
        assert_eq!(timeout_arg(b"0.0001", now), Ok(Some(now + 1)));
        assert_eq!(timeout_arg(b"1e-400", now), Ok(Some(now + 1)));
        assert_eq!(timeout_arg(b"0x1p-20", now), Ok(Some(now + 1)));
        let neg = Err(CmdError::err("timeout is negative"));
        let bad = Err(CmdError::err("timeout is not a float or out of range"));
        assert_eq!(timeout_arg(b"-1", now), neg);
        assert_eq!(timeout_arg(b"inf", now), neg);
        assert_eq!(timeout_arg(b"9223372036854775807", now), neg);
        assert_eq!(timeout_arg(b"1e400", now), neg);
        assert_eq!(timeout_arg(b"1e5000", now), bad);
        assert_eq!(timeout_arg(b"abc", now), bad);
        assert_eq!(timeout_arg(b" 1", now), bad);
        assert_eq!(timeout_arg(b"", now), bad);
        assert_eq!(timeout_arg(b"nan", now), bad);
        assert_eq!(timeout_arg(b"9223372036854770", now), Ok(None));
        // Checked with redis-server 7.0: the long double nearest 0.001 is
        // below it, so -0.001 s rounds up to -0 ms and waits forever; a
        // subnormal long double is still a positive timeout.
        assert_eq!(timeout_arg(b"-0.001", now), Ok(None));
        assert_eq!(timeout_arg(b"-0.0009", now), Ok(None));
        assert_eq!(timeout_arg(b"1e-4940", now), Ok(Some(now + 1)));
        assert_eq!(timeout_arg(b"0x1p-16445", now), Ok(Some(now + 1)));
        assert_eq!(timeout_arg(b"1e-5000", now), bad);
        assert_eq!(timeout_arg(b"9223372036854775.808", now), neg);
    }

    #[test]
    fn limit_spans() {
        assert_eq!(limit_span(2, 10, false, 1, 3), (3, 6));
        assert_eq!(limit_span(2, 10, true, 1, 3), (6, 9));
        assert_eq!(limit_span(2, 10, false, 0, -1), (2, 10));
        assert_eq!(limit_span(2, 10, false, -1, 5), (0, 0));
        assert_eq!(limit_span(2, 10, false, 20, 5), (10, 10));
        assert_eq!(limit_span(2, 10, true, 7, 5), (2, 3));
        assert_eq!(rank_span(5, 0, -1), Some((0, 5)));
        assert_eq!(rank_span(5, -100, 100), Some((0, 5)));
        assert_eq!(rank_span(5, 3, 2), None);
        assert_eq!(rank_span(5, 5, 10), None);
        assert_eq!(rank_span(0, 0, -1), None);
    }
}
