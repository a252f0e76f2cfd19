//! Generic key-space commands: DEL, EXISTS, TYPE, RENAME, COPY, MOVE,
//! SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, the EXPIRE and
//! TTL families, PERSIST, OBJECT.

use ember_resp::Command;
use ember_store::glob_match;

use crate::command::{acl, flags::*, int_arg, is, lossy, parse_i64, CommandSpec, Ctx};
use crate::commands::connection::{container, help};
use crate::config::notify as ev;
use crate::error::{CmdError, CmdResult};

const KS: u32 = acl::KEYSPACE;
const K1: (i32, i32, i32) = (1, 1, 1);
const K2: (i32, i32, i32) = (1, 2, 1);
const ALL: (i32, i32, i32) = (1, -1, 1);
const NOKEYS: (i32, i32, i32) = (0, 0, 0);
const EXPIRE_SYNTAX: &str = "key seconds [NX | XX | GT | LT]";

/// Key-space commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, WRITE, KS, ALL, "generic", "1.0.0", "Deletes one or more keys.", del)
        .syntax("key [key ...]")
        .complexity("O(N) where N is the number of keys that will be removed."),
    CommandSpec::new("unlink", -2, WRITE | FAST, KS, ALL, "generic", "4.0.0", "Asynchronously deletes one or more keys.", del)
        .syntax("key [key ...]")
        .complexity("O(1) for each key removed regardless of its size."),
    CommandSpec::new("exists", -2, READONLY | FAST, KS, ALL, "generic", "1.0.0", "Determines whether one or more keys exist.", exists)
        .syntax("key [key ...]")
        .complexity("O(N) where N is the number of keys to check."),
    CommandSpec::new("touch", -2, READONLY | FAST, KS, ALL, "generic", "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", touch)
        .syntax("key [key ...]")
        .complexity("O(N) where N is the number of keys that will be touched."),
    CommandSpec::new("type", 2, READONLY | FAST, KS, K1, "generic", "1.0.0", "Determines the type of value stored at a key.", type_)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("rename", 3, WRITE, KS, K2, "generic", "1.0.0", "Renames a key and overwrites the destination.", rename)
        .syntax("key newkey")
        .complexity("O(1)"),
    CommandSpec::new("renamenx", 3, WRITE | FAST, KS, K2, "generic", "1.0.0", "Renames a key only when the target key name doesn't exist.", renamenx)
        .syntax("key newkey")
        .complexity("O(1)"),
    CommandSpec::new("copy", -3, WRITE | DENYOOM, KS, K2, "generic", "6.2.0", "Copies the value of a key to a new key.", copy)
        .syntax("source destination [DB destination-db] [REPLACE]")
        .complexity("O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
    CommandSpec::new("move", 3, WRITE | FAST, KS, K1, "generic", "1.0.0", "Moves a key to another database.", move_)
        .syntax("key db")
        .complexity("O(1)"),
    CommandSpec::new("swapdb", 3, WRITE | FAST, KS | acl::DANGEROUS, NOKEYS, "server", "4.0.0", "Swaps two Redis databases.", swapdb)
        .syntax("index1 index2")
        .complexity("O(N) where N is the count of clients watching or blocking on keys from both databases."),
    CommandSpec::new("keys", 2, READONLY, KS | acl::DANGEROUS, NOKEYS, "generic", "1.0.0", "Returns all key names that match a pattern.", keys)
        .syntax("pattern")
        .complexity("O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."),
    CommandSpec::new("scan", -2, READONLY, KS, NOKEYS, "generic", "2.8.0", "Iterates over the key names in the database.", scan)
        .syntax("cursor [MATCH pattern] [COUNT count] [TYPE type]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    CommandSpec::new("randomkey", 1, READONLY, KS, NOKEYS, "generic", "1.0.0", "Returns a random key name from the database.", randomkey)
        .complexity("O(1)"),
    CommandSpec::new("dbsize", 1, READONLY | FAST, KS, NOKEYS, "server", "1.0.0", "Returns the number of keys in the database.", dbsize)
        .complexity("O(1)"),
    CommandSpec::new("flushdb", -1, WRITE, KS | acl::DANGEROUS, NOKEYS, "server", "1.0.0", "Removes all keys from the current database.", flushdb)
        .syntax("[ASYNC | SYNC]")
        .complexity("O(N) where N is the number of keys in the selected database"),
    CommandSpec::new("flushall", -1, WRITE, KS | acl::DANGEROUS, NOKEYS, "server", "1.0.0", "Removes all keys from all databases.", flushall)
        .syntax("[ASYNC | SYNC]")
        .complexity("O(N) where N is the total number of keys in all databases"),
    CommandSpec::new("expire", -3, WRITE | FAST, KS, K1, "generic", "1.0.0", "Sets the expiration time of a key in seconds.", expire)
        .syntax(EXPIRE_SYNTAX)
        .complexity("O(1)"),
    CommandSpec::new("pexpire", -3, WRITE | FAST, KS, K1, "generic", "2.6.0", "Sets the expiration time of a key in milliseconds.", pexpire)
        .syntax("key milliseconds [NX | XX | GT | LT]")
        .complexity("O(1)"),
    CommandSpec::new("expireat", -3, WRITE | FAST, KS, K1, "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", expireat)
        .syntax("key unix-time-seconds [NX | XX | GT | LT]")
        .complexity("O(1)"),
    CommandSpec::new("pexpireat", -3, WRITE | FAST, KS, K1, "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", pexpireat)
        .syntax("key unix-time-milliseconds [NX | XX | GT | LT]")
        .complexity("O(1)"),
    CommandSpec::new("ttl", 2, READONLY | FAST, KS, K1, "generic", "1.0.0", "Returns the expiration time in seconds of a key.", ttl)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("pttl", 2, READONLY | FAST, KS, K1, "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.", pttl)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("expiretime", 2, READONLY | FAST, KS, K1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", expiretime)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("pexpiretime", 2, READONLY | FAST, KS, K1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", pexpiretime)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("dump", 2, READONLY, KS, K1, "generic", "2.6.0", "Returns a serialized representation of the value stored at a key.", dump)
        .syntax("key")
        .complexity("O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size."),
    CommandSpec::new("restore", -4, WRITE | DENYOOM, KS, K1, "generic", "2.6.0", "Creates a key from the serialized representation of a value.", restore)
        .syntax("key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]")
        .complexity("O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size."),
    CommandSpec::new("persist", 2, WRITE | FAST, KS, K1, "generic", "2.2.0", "Removes the expiration time of a key.", persist)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("object", -2, 0, 0, NOKEYS, "generic", "2.2.3", "A container for object introspection commands.", container)
        .complexity("Depends on subcommand.")
        .subcommands(OBJECT_SUBCOMMANDS),
];

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "encoding",
        3,
        READONLY,
        KS,
        (2, 2, 1),
        "generic",
        "2.2.3",
        "Returns the internal encoding of a Redis object.",
        object_encoding,
    )
    .sub("object|encoding")
    .syntax("key")
    .complexity("O(1)"),
    CommandSpec::new(
        "idletime",
        3,
        READONLY,
        KS,
        (2, 2, 1),
        "generic",
        "2.2.3",
        "Returns the time since the last access to a Redis object.",
        object_idletime,
    )
    .sub("object|idletime")
    .syntax("key")
    .complexity("O(1)"),
    CommandSpec::new(
        "freq",
        3,
        READONLY,
        KS,
        (2, 2, 1),
        "generic",
        "4.0.0",
        "Returns the logarithmic access frequency counter of a Redis object.",
        object_freq,
    )
    .sub("object|freq")
    .syntax("key")
    .complexity("O(1)"),
    CommandSpec::new(
        "refcount",
        3,
        READONLY,
        KS,
        (2, 2, 1),
        "generic",
        "2.2.3",
        "Returns the reference count of a value of a key.",
        object_refcount,
    )
    .sub("object|refcount")
    .syntax("key")
    .complexity("O(1)"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        KS,
        NOKEYS,
        "generic",
        "6.2.0",
        "Returns helpful text about the different subcommands.",
        object_help,
    )
    .sub("object|help")
    .complexity("O(1)"),
];

fn del(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let mut n = 0;
    for key in cmd.iter().skip(1) {
        if let Some(v) = ctx.srv.store.db(ctx.client.db).remove(key, now) {
            ctx.srv.drop_value(v);
            n += 1;
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    ctx.dirty(n);
    ctx.out().int(n as i64);
    Ok(())
}

fn exists(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let n = cmd.iter().skip(1).filter(|k| db.peek(k, now).is_some()).count();
    ctx.out().int(n as i64);
    Ok(())
}

fn touch(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let n = cmd.iter().skip(1).filter(|k| db.get(k, now).is_some()).count();
    ctx.out().int(n as i64);
    Ok(())
}

fn type_(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let name = ctx.srv.store.db(ctx.client.db).peek(cmd.arg(1), now).map_or("none", |e| e.value().type_name());
    ctx.out().simple(name);
    Ok(())
}

fn rename_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, nx: bool) -> CmdResult {
    let now = ctx.now_ms;
    let (from, to) = (cmd.arg(1), cmd.arg(2));
    let db = ctx.srv.store.db(ctx.client.db);
    if db.peek(from, now).is_none() {
        return Err(CmdError::NoSuchKey);
    }
    if from == to {
        if nx {
            ctx.out().int(0);
        } else {
            ctx.out().ok();
        }
        return Ok(());
    }
    if nx && db.peek(to, now).is_some() {
        ctx.out().int(0);
        return Ok(());
    }
    if let Some(old) = db.remove(to, now) {
        ctx.srv.drop_value(old);
    }
    ctx.srv.store.db(ctx.client.db).rename(from, to, now);
    ctx.dirty(1);
    ctx.notify(ev::GENERIC, "rename_from", from);
    ctx.notify(ev::GENERIC, "rename_to", to);
    if nx {
        ctx.out().int(1);
    } else {
        ctx.out().ok();
    }
    Ok(())
}

fn rename(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    rename_generic(ctx, cmd, false)
}

fn renamenx(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    rename_generic(ctx, cmd, true)
}

/// Parses a database index argument (MOVE, COPY DB).
fn db_index(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CmdError> {
    let idx = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    if idx < 0 || idx as usize >= ctx.srv.store.databases() {
        return Err(CmdError::DbIndexOutOfRange);
    }
    Ok(idx as usize)
}

fn copy(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let (src, dst) = (cmd.arg(1), cmd.arg(2));
    let mut target = ctx.client.db;
    let mut replace = false;
    let mut i = 3;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        if is(opt, "REPLACE") {
            replace = true;
        } else if is(opt, "DB") && i + 1 < cmd.len() {
            target = db_index(ctx, cmd.arg(i + 1))?;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if target == ctx.client.db && src == dst {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let Some(entry) = ctx.srv.store.db(ctx.client.db).peek(src, now).cloned() else {
        ctx.out().int(0);
        return Ok(());
    };
    let tdb = ctx.srv.store.db(target);
    if tdb.peek(dst, now).is_some() {
        if !replace {
            ctx.out().int(0);
            return Ok(());
        }
        if let Some(old) = tdb.remove(dst, now) {
            ctx.srv.drop_value(old);
        }
    }
    ctx.srv.store.db(target).put_entry(dst, entry, now);
    ctx.srv.events.touched(target, dst);
    ctx.dirty(1);
    ctx.notify_db(ev::GENERIC, "copy_to", dst, target);
    ctx.out().int(1);
    Ok(())
}

fn move_(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let target = db_index(ctx, cmd.arg(2))?;
    if target == ctx.client.db {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let (src, dst) = ctx.srv.store.db_pair(ctx.client.db, target);
    if src.peek(key, now).is_none() || dst.peek(key, now).is_some() {
        ctx.out().int(0);
        return Ok(());
    }
    if let Some(entry) = src.take_entry(key, now) {
        dst.put_entry(key, entry, now);
    }
    ctx.srv.events.touched(target, key);
    ctx.dirty(1);
    ctx.notify(ev::GENERIC, "move_from", key);
    ctx.notify_db(ev::GENERIC, "move_to", key, target);
    ctx.out().int(1);
    Ok(())
}

fn swapdb(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let a = parse_i64(cmd.arg(1)).ok_or_else(|| CmdError::err("invalid first DB index"))?;
    let b = parse_i64(cmd.arg(2)).ok_or_else(|| CmdError::err("invalid second DB index"))?;
    let n = ctx.srv.store.databases() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.srv.store.swap_db(a as usize, b as usize);
    ctx.srv.events.touched_db(a as usize);
    ctx.srv.events.touched_db(b as usize);
    ctx.dirty(1);
    ctx.out().ok();
    Ok(())
}

fn keys(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let pattern = cmd.arg(1);
    let all = pattern == b"*";
    let mut found: Vec<Vec<u8>> = Vec::new();
    ctx.srv.store.db(ctx.client.db).for_each(now, |k, _| {
        if all || glob_match(pattern, k, false) {
            found.push(k.to_vec());
        }
    });
    let out = ctx.out();
    out.array(found.len());
    for k in &found {
        out.bulk(k);
    }
    Ok(())
}

/// Parses SCAN's cursor as Redis does, with C's `strtoul`
/// ([`ember_num::strtoull`]): no leading space, an optional sign (a negative
/// cursor wraps around: `-1` is 2^64-1), digits up to the end of the C
/// string (a NUL byte ends it), no overflow. An empty cursor is 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let r = ember_num::strtoull(arg);
    let ends = arg.get(r.used).is_none_or(|&b| b == 0);
    if arg.first().is_some_and(|&b| ember_num::is_c_space(b)) || !ends || r.overflow {
        return Err(CmdError::err("invalid cursor"));
    }
    Ok(r.value)
}

fn scan(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let cursor = parse_cursor(cmd.arg(1))?;
    let mut pattern: Option<&[u8]> = None;
    let mut count = 10usize;
    let mut type_filter: Option<&[u8]> = None;
    let mut i = 2;
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
            pattern = Some(val);
        } else if is(opt, "TYPE") {
            type_filter = Some(val);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let all = pattern.is_none_or(|p| p == b"*");
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = ctx.srv.store.db(ctx.client.db).scan(cursor, count, now, |k, e| {
        if type_filter.is_some_and(|t| !t.eq_ignore_ascii_case(e.value().type_name().as_bytes())) {
            return;
        }
        if all || glob_match(pattern.unwrap_or(b"*"), k, false) {
            found.push(k.to_vec());
        }
    });
    let out = ctx.out();
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len());
    for k in &found {
        out.bulk(k);
    }
    Ok(())
}

fn randomkey(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    match ctx.srv.store.db(ctx.client.db).random_key(now) {
        Some(k) => ctx.out().bulk(&k),
        None => ctx.out().null(),
    }
    Ok(())
}

fn dbsize(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let n = ctx.srv.store.db(ctx.client.db).len();
    ctx.out().int(n as i64);
    Ok(())
}

/// Parses FLUSHDB/FLUSHALL's optional mode: true for ASYNC.
fn flush_mode(ctx: &Ctx<'_>, cmd: &Command<'_>) -> Result<bool, CmdError> {
    match cmd.len() {
        1 => Ok(ctx.srv.config.lazyfree_lazy_user_flush),
        2 if is(cmd.arg(1), "ASYNC") => Ok(true),
        2 if is(cmd.arg(1), "SYNC") => Ok(false),
        _ => Err(CmdError::Syntax),
    }
}

fn flushdb(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let lazy = flush_mode(ctx, cmd)?;
    let old = ctx.srv.store.db(ctx.client.db).clear();
    ctx.srv.events.touched_db(ctx.client.db);
    ctx.dirty(old.len() as u64);
    if lazy {
        ctx.srv.lazyfree.free(old);
    } else {
        drop(old);
    }
    ctx.out().ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let lazy = flush_mode(ctx, cmd)?;
    let old = ctx.srv.store.flush_all();
    for db in 0..old.len() {
        ctx.srv.events.touched_db(db);
    }
    let n: usize = old.iter().map(|d| d.len()).sum();
    ctx.dirty(n as u64);
    if lazy {
        ctx.srv.lazyfree.free(old);
    } else {
        drop(old);
    }
    // As Redis: with save points configured, FLUSHALL also writes the (now
    // empty) dump, which resets the change counter; either way the flush
    // itself counts as one change.
    if !ctx.srv.config.save.is_empty() && ctx.srv.persistence.child.is_none() {
        let _ = crate::persistence::save(ctx.srv);
    }
    ctx.dirty(1);
    ctx.out().ok();
    Ok(())
}

/// EXPIRE-family core: `unit_ms` scales the argument, `absolute` means a
/// Unix time rather than a delay.
fn expire_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, unit_ms: i64, absolute: bool, name: &'static str) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in cmd.iter().skip(3) {
        if is(opt, "NX") {
            nx = true;
        } else if is(opt, "XX") {
            xx = true;
        } else if is(opt, "GT") {
            gt = true;
        } else if is(opt, "LT") {
            lt = true;
        } else {
            return Err(CmdError::err(format!("Unsupported option {}", lossy(opt))));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::err("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if gt && lt {
        return Err(CmdError::err("GT and LT options at the same time are not compatible"));
    }
    // Redis validates the options before the number (`EXPIRE k x FOO` is
    // "Unsupported option FOO").
    let v = int_arg(cmd.arg(2))?;
    let when = v
        .checked_mul(unit_ms)
        .and_then(|ms| if absolute { Some(ms) } else { ms.checked_add(now as i64) })
        .ok_or(CmdError::InvalidExpire(name))?;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(current) = db.expire_at(key, now) else {
        ctx.out().int(0);
        return Ok(());
    };
    let allowed = match current {
        None => !(xx || gt),
        Some(cur) => !nx && (!gt || when > cur as i64) && (!lt || when < cur as i64),
    };
    if !allowed {
        ctx.out().int(0);
        return Ok(());
    }
    let event = if when <= now as i64 {
        if let Some(v) = db.remove(key, now) {
            ctx.srv.drop_value(v);
        }
        "del"
    } else {
        db.set_expire(key, Some(when as u64), now);
        "expire"
    };
    ctx.dirty(1);
    ctx.notify(ev::GENERIC, event, key);
    ctx.out().int(1);
    Ok(())
}

fn expire(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    expire_generic(ctx, cmd, 1000, false, "expire")
}

fn pexpire(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    expire_generic(ctx, cmd, 1, false, "pexpire")
}

fn expireat(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    expire_generic(ctx, cmd, 1000, true, "expireat")
}

fn pexpireat(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    expire_generic(ctx, cmd, 1, true, "pexpireat")
}

/// TTL-family core: -2 missing, -1 persistent, else `f(deadline, now)`.
fn ttl_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, f: fn(u64, u64) -> i64) -> CmdResult {
    let now = ctx.now_ms;
    let reply = match ctx.srv.store.db(ctx.client.db).expire_at(cmd.arg(1), now) {
        None => -2,
        Some(None) => -1,
        Some(Some(at)) => f(at, now),
    };
    ctx.out().int(reply);
    Ok(())
}

fn ttl(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    ttl_generic(ctx, cmd, |at, now| (at.saturating_sub(now) as i64 + 500) / 1000)
}

fn pttl(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    ttl_generic(ctx, cmd, |at, now| at.saturating_sub(now) as i64)
}

fn expiretime(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    ttl_generic(ctx, cmd, |at, _| (at / 1000) as i64)
}

fn pexpiretime(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    ttl_generic(ctx, cmd, |at, _| at as i64)
}

fn persist(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let had = matches!(db.expire_at(cmd.arg(1), now), Some(Some(_)));
    if had {
        db.set_expire(cmd.arg(1), None, now);
        ctx.dirty(1);
        ctx.notify(ev::GENERIC, "persist", cmd.arg(1));
    }
    ctx.out().int(i64::from(had));
    Ok(())
}

fn dump(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let Some(entry) = ctx.srv.store.db(ctx.client.db).peek(cmd.arg(1), now) else {
        ctx.out().null();
        return Ok(());
    };
    let payload = ember_rdb::dump_payload(&crate::glue::to_rdb(entry.value()))
        .map_err(|e| CmdError::err(format!("DUMP failed: {e}")))?;
    ctx.out().bulk(&payload);
    Ok(())
}

fn restore(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let (mut replace, mut absttl, mut idle, mut freq) = (false, false, None, None);
    let mut i = 4;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        if is(opt, "REPLACE") {
            replace = true;
        } else if is(opt, "ABSTTL") {
            absttl = true;
        } else if is(opt, "IDLETIME") && i + 1 < cmd.len() && freq.is_none() {
            let v = int_arg(cmd.arg(i + 1))?;
            if v < 0 {
                return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            i += 1;
        } else if is(opt, "FREQ") && i + 1 < cmd.len() && idle.is_none() {
            let v = int_arg(cmd.arg(i + 1))?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let ttl = int_arg(cmd.arg(2))?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    if !replace && ctx.srv.store.db(ctx.client.db).peek(key, now).is_some() {
        return Err(CmdError::Other("BUSYKEY Target key name already exists.".into()));
    }
    let value = ember_rdb::parse_dump_payload(cmd.arg(3))
        .map_err(|_| CmdError::err("DUMP payload version or checksum are wrong"))?;
    if value.is_empty_collection() {
        return Err(CmdError::err("Bad data format"));
    }
    let encodings = ctx.srv.config.encodings();
    let value = crate::glue::from_rdb(&value, &encodings).map_err(|_| CmdError::err("Bad data format"))?;
    let deadline = match ttl {
        0 => None,
        t if absttl => Some(t as u64),
        t => Some(now.saturating_add(t as u64)),
    };
    let db = ctx.srv.store.db(ctx.client.db);
    let deleted = db.remove(key, now).map(|old| ctx.srv.drop_value(old)).is_some();
    // A deadline already past: the key is not created (as Redis).
    if deadline.is_none_or(|d| d > now) {
        let lfu = lfu_policy(ctx);
        let db = ctx.srv.store.db(ctx.client.db);
        db.insert(key, value, deadline, now);
        // IDLETIME counts under an LRU policy, FREQ under an LFU one.
        match (idle, freq) {
            (Some(secs), _) if !lfu => {
                db.set_idle_secs(key, secs as u64, now);
            }
            (_, Some(f)) if lfu => {
                db.set_lfu_freq(key, f as u8, now);
            }
            _ => {}
        }
        ctx.notify(ev::GENERIC, "restore", key);
    } else if deleted {
        ctx.notify(ev::GENERIC, "del", key);
    }
    ctx.dirty(1);
    ctx.out().ok();
    Ok(())
}

fn object_encoding(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    match ctx.srv.store.db(ctx.client.db).peek(cmd.arg(2), now) {
        Some(e) => {
            let name = e.value().encoding_name();
            ctx.out().bulk(name.as_bytes());
        }
        None => ctx.out().null(),
    }
    Ok(())
}

fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    ctx.srv.config.maxmemory_policy.contains("lfu")
}

fn object_idletime(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    if lfu_policy(ctx) {
        return Err(CmdError::err(
            "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    match ctx.srv.store.db(ctx.client.db).idle_ms(cmd.arg(2), now) {
        Some(ms) => ctx.out().int((ms / 1000) as i64),
        None => ctx.out().null(),
    }
    Ok(())
}

fn object_freq(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    if !lfu_policy(ctx) {
        return Err(CmdError::err(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    match ctx.srv.store.db(ctx.client.db).lfu_freq(cmd.arg(2), now) {
        Some(f) => ctx.out().int(i64::from(f)),
        None => ctx.out().null(),
    }
    Ok(())
}

fn object_refcount(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let found = ctx.srv.store.db(ctx.client.db).peek(cmd.arg(2), now).map(|e| {
        // Redis shares the integers 0..9999 and reports them as immortal.
        match e.value().as_str().and_then(|s| s.as_int()) {
            Some(n) if (0..10_000).contains(&n) => i64::from(i32::MAX),
            _ => 1,
        }
    });
    match found {
        Some(n) => ctx.out().int(n),
        None => ctx.out().null(),
    }
    Ok(())
}

fn object_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_like_redis() {
        // Checked with redis-server 7.0 (SCAN's strtoul reads a C string).
        for (arg, want) in [
            (&b"0"[..], Some(0)),
            (b"", Some(0)),
            (b"+5", Some(5)),
            (b"007", Some(7)),
            (b"-1", Some(u64::MAX)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"5\0x", Some(5)),
            (b"\0", Some(0)),
            (b"18446744073709551616", None),
            (b"-", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1a", None),
        ] {
            assert_eq!(parse_cursor(arg).ok(), want, "{:?}", arg.escape_ascii().to_string());
        }
    }
}
