//! Hash commands: HSET and friends, counters, HRANDFIELD, HSCAN.
//!
//! Small hashes use the `listpack` encoding (insertion order), larger ones
//! a `hashtable`; the thresholds come from the live configuration
//! (`hash-max-listpack-entries` / `-value`). A hash emptied by HDEL is
//! deleted.

use ember_num::{format_i64, parse_i64, LongDouble, INT_BUF_LEN};
use ember_resp::Command;
use ember_store::types::hash::Hash;
use ember_store::{glob_match, Db, Value};

use crate::client::Out;
use crate::command::{acl, flags::*, int_arg, is, CommandSpec, Ctx};
use crate::commands::keys::parse_cursor;
use crate::commands::sets::command_rng;
use crate::config::notify as ev;
use crate::error::{CmdError, CmdResult};
use crate::server::Shared;

const H: u32 = acl::HASH;
const K1: (i32, i32, i32) = (1, 1, 1);

/// Hash-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, WRITE | DENYOOM | FAST, H, K1, "hash", "2.0.0", "Creates or modifies the value of a field in a hash.", hset)
        .syntax("key field value [field value ...]")
        .complexity("O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."),
    CommandSpec::new("hsetnx", 4, WRITE | DENYOOM | FAST, H, K1, "hash", "2.0.0", "Sets the value of a field in a hash only when the field doesn't exist.", hsetnx)
        .syntax("key field value")
        .complexity("O(1)"),
    CommandSpec::new("hmset", -4, WRITE | DENYOOM | FAST, H, K1, "hash", "2.0.0", "Sets the values of multiple fields.", hmset)
        .syntax("key field value [field value ...]")
        .complexity("O(N) where N is the number of fields being set."),
    CommandSpec::new("hget", 3, READONLY | FAST, H, K1, "hash", "2.0.0", "Returns the value of a field in a hash.", hget)
        .syntax("key field")
        .complexity("O(1)"),
    CommandSpec::new("hmget", -3, READONLY | FAST, H, K1, "hash", "2.0.0", "Returns the values of all fields in a hash.", hmget)
        .syntax("key field [field ...]")
        .complexity("O(N) where N is the number of fields being requested."),
    CommandSpec::new("hgetall", 2, READONLY, H, K1, "hash", "2.0.0", "Returns all fields and values in a hash.", hgetall)
        .syntax("key")
        .complexity("O(N) where N is the size of the hash."),
    CommandSpec::new("hdel", -3, WRITE | FAST, H, K1, "hash", "2.0.0", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", hdel)
        .syntax("key field [field ...]")
        .complexity("O(N) where N is the number of fields to be removed."),
    CommandSpec::new("hexists", 3, READONLY | FAST, H, K1, "hash", "2.0.0", "Determines whether a field exists in a hash.", hexists)
        .syntax("key field")
        .complexity("O(1)"),
    CommandSpec::new("hlen", 2, READONLY | FAST, H, K1, "hash", "2.0.0", "Returns the number of fields in a hash.", hlen)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("hkeys", 2, READONLY, H, K1, "hash", "2.0.0", "Returns all fields in a hash.", hkeys)
        .syntax("key")
        .complexity("O(N) where N is the size of the hash."),
    CommandSpec::new("hvals", 2, READONLY, H, K1, "hash", "2.0.0", "Returns all values in a hash.", hvals)
        .syntax("key")
        .complexity("O(N) where N is the size of the hash."),
    CommandSpec::new("hstrlen", 3, READONLY | FAST, H, K1, "hash", "3.2.0", "Returns the length of the value of a field.", hstrlen)
        .syntax("key field")
        .complexity("O(1)"),
    CommandSpec::new("hincrby", 4, WRITE | DENYOOM | FAST, H, K1, "hash", "2.0.0", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", hincrby)
        .syntax("key field increment")
        .complexity("O(1)"),
    CommandSpec::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, H, K1, "hash", "2.6.0", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", hincrbyfloat)
        .syntax("key field increment")
        .complexity("O(1)"),
    CommandSpec::new("hrandfield", -2, READONLY, H, K1, "hash", "6.2.0", "Returns one or more random fields from a hash.", hrandfield)
        .syntax("key [count [WITHVALUES]]")
        .complexity("O(N) where N is the number of fields returned"),
    CommandSpec::new("hscan", -3, READONLY, H, K1, "hash", "2.8.0", "Iterates over fields and values of a hash.", hscan)
        .syntax("key cursor [MATCH pattern] [COUNT count]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
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

fn hset_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, name: &'static str) -> Result<usize, CmdError> {
    if cmd.len() % 2 != 0 {
        return Err(CmdError::Arity(name.into()));
    }
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let h = hash_or_create(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    // Like Redis, convert up front if any field or value is too long.
    for i in 2..cmd.len() {
        h.prepare_write(cmd.arg(i).len(), 0, &cfg);
    }
    let mut added = 0;
    for i in (2..cmd.len()).step_by(2) {
        added += usize::from(h.insert(cmd.arg(i), cmd.arg(i + 1), &cfg));
    }
    ctx.dirty(((cmd.len() - 2) / 2) as u64);
    ctx.notify(ev::HASH, "hset", cmd.arg(1));
    Ok(added)
}

fn hset(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let added = hset_generic(ctx, cmd, "hset")?;
    ctx.out().int(added as i64);
    Ok(())
}

fn hmset(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    hset_generic(ctx, cmd, "hmset")?;
    ctx.out().ok();
    Ok(())
}

fn hsetnx(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let h = hash_or_create(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    let set = h.insert_if_absent(cmd.arg(2), cmd.arg(3), &cfg);
    if set {
        ctx.dirty(1);
        ctx.notify(ev::HASH, "hset", cmd.arg(1));
    }
    ctx.out().int(i64::from(set));
    Ok(())
}

fn hget(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let v = read_hash(ctx.srv, ctx.client.db, cmd.arg(1), ctx.now_ms)?.and_then(|h| h.get(cmd.arg(2)));
    match v {
        Some(v) => ctx.client.out.bulk(v),
        None => ctx.client.out.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    let out = &mut ctx.client.out;
    out.array(cmd.len() - 2);
    for f in cmd.iter().skip(2) {
        match h.as_ref().and_then(|h| h.get(f)) {
            Some(v) => out.bulk(v),
            None => out.null(),
        }
    }
    Ok(())
}

fn hgetall(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
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
    Ok(())
}

fn hkeys_or_vals(ctx: &mut Ctx<'_>, cmd: &Command<'_>, keys: bool) -> CmdResult {
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
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
    Ok(())
}

fn hkeys(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    hkeys_or_vals(ctx, cmd, true)
}

fn hvals(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    hkeys_or_vals(ctx, cmd, false)
}

fn hdel(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(h) = lookup_hash(db, key, now)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut deleted = 0;
    for f in cmd.iter().skip(2) {
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
    Ok(())
}

fn hexists(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let found = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.is_some_and(|h| h.contains(cmd.arg(2)));
    ctx.out().int(i64::from(found));
    Ok(())
}

fn hlen(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let n = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.map_or(0, |h| h.len());
    ctx.out().int(n as i64);
    Ok(())
}

fn hstrlen(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let h = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    let n = h.and_then(|h| h.get(cmd.arg(2))).map_or(0, <[u8]>::len);
    ctx.out().int(n as i64);
    Ok(())
}

fn hincrby(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let by = int_arg(cmd.arg(3))?;
    let cfg = ctx.srv.config.encodings();
    let (key, field) = (cmd.arg(1), cmd.arg(2));
    let db = ctx.srv.store.db(ctx.client.db);
    let cur = match lookup_hash(db, key, now)?.and_then(|h| h.get(field)) {
        Some(v) => parse_i64(v).ok_or_else(|| CmdError::err("hash value is not an integer"))?,
        None => 0,
    };
    let new = cur.checked_add(by).ok_or(CmdError::Overflow)?;
    let mut buf = [0u8; INT_BUF_LEN];
    let text = format_i64(new, &mut buf);
    hash_or_create(db, key, now)?.insert(field, text, &cfg);
    ctx.dirty(1);
    ctx.notify(ev::HASH, "hincrby", key);
    ctx.out().int(new);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let by = LongDouble::parse(cmd.arg(3)).ok_or(CmdError::NotFloat)?;
    if !by.is_finite() {
        return Err(CmdError::err("value is NaN or Infinity"));
    }
    let cfg = ctx.srv.config.encodings();
    let (key, field) = (cmd.arg(1), cmd.arg(2));
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
    Ok(())
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

fn hrandfield(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    if cmd.len() == 2 {
        let mut rng = command_rng();
        let f = read_hash(ctx.srv, ctx.client.db, cmd.arg(1), ctx.now_ms)?
            .and_then(|h| h.random_entry(&mut rng))
            .map(|(f, _)| f);
        match f {
            Some(f) => ctx.client.out.bulk(f),
            None => ctx.client.out.null(),
        }
        return Ok(());
    }
    let count = parse_count(cmd.arg(2))?;
    let with_values = match cmd.len() {
        3 => false,
        4 if is(cmd.arg(3), "WITHVALUES") => true,
        _ => return Err(CmdError::Syntax),
    };
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    let mut rng = command_rng();
    let h = read_hash(ctx.srv, ctx.client.db, cmd.arg(1), ctx.now_ms)?;
    let out = &mut ctx.client.out;
    let Some(h) = h else {
        out.array(0);
        return Ok(());
    };
    let pairs = if count >= 0 {
        h.sample_distinct(count as usize, &mut rng)
    } else {
        h.sample_with_repeats(count.unsigned_abs() as usize, &mut rng)
    };
    reply_pairs(out, &pairs, with_values);
    Ok(())
}

/// Parses the count of HRANDFIELD / SRANDMEMBER: an integer in
/// `-i64::MAX..=i64::MAX`, with Redis's errors.
pub fn parse_count(arg: &[u8]) -> Result<i64, CmdError> {
    let n = int_arg(arg)?;
    if n == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(n)
}

/// SSCAN / HSCAN options after the cursor: `MATCH pattern`, `COUNT n`.
pub struct ScanOpts<'a> {
    /// The MATCH pattern (`None` for everything).
    pub pattern: Option<&'a [u8]>,
    /// The COUNT hint.
    pub count: usize,
}

impl<'a> ScanOpts<'a> {
    /// Parses the options from argument `start` on, as Redis does.
    pub fn parse(cmd: &Command<'a>, start: usize) -> Result<ScanOpts<'a>, CmdError> {
        let mut o = ScanOpts { pattern: None, count: 10 };
        let mut i = start;
        while i < cmd.len() {
            let Some(val) = cmd.get(i + 1) else { return Err(CmdError::Syntax) };
            if is(cmd.arg(i), "COUNT") {
                let n = int_arg(val)?;
                if n < 1 {
                    return Err(CmdError::Syntax);
                }
                o.count = n as usize;
            } else if is(cmd.arg(i), "MATCH") {
                o.pattern = (val != b"*").then_some(val);
            } else {
                return Err(CmdError::Syntax);
            }
            i += 2;
        }
        Ok(o)
    }

    /// True if `s` passes the MATCH filter.
    pub fn matches(&self, s: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob_match(p, s, false))
    }
}

/// Writes a SCAN-family reply: the cursor and the items.
pub fn reply_scan(out: &mut Out, cursor: u64, items: &[Vec<u8>]) {
    out.array(2);
    let mut buf = [0u8; INT_BUF_LEN];
    out.bulk(ember_num::format_u64(cursor, &mut buf));
    out.array(items.len());
    for i in items {
        out.bulk(i);
    }
}

fn hscan(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let cursor = parse_cursor(cmd.arg(2))?;
    let Some(h) = lookup_hash(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? else {
        reply_scan(&mut ctx.client.out, 0, &[]);
        return Ok(());
    };
    let opts = ScanOpts::parse(cmd, 3)?;
    let mut items = Vec::new();
    let next = h.scan(cursor, opts.count, |f, v| {
        if opts.matches(f) {
            items.push(f.to_vec());
            items.push(v.to_vec());
        }
    });
    reply_scan(&mut ctx.client.out, next, &items);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_like_redis() {
        assert_eq!(parse_count(b"-9223372036854775807"), Ok(-i64::MAX));
        assert!(parse_count(b"-9223372036854775808").unwrap_err().to_string().contains("must between"));
        assert_eq!(parse_count(b"x"), Err(CmdError::NotInteger));
    }
}
