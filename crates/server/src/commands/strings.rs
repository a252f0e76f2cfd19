//! String commands: GET, SET and its variants, counters, ranges, LCS.

use ember_num::LongDouble;
use ember_resp::Command;
use ember_store::{Db, StrValue, Value};

use crate::client::Out;
use crate::command::{acl, flags::*, int_arg, is, CommandSpec, Ctx};
use crate::config::notify as ev;
use crate::error::{CmdError, CmdResult};

const S: u32 = acl::STRING;
const K1: (i32, i32, i32) = (1, 1, 1);
const ALL: (i32, i32, i32) = (1, -1, 1);
const PAIRS: (i32, i32, i32) = (1, -1, 2);

/// String-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, S, K1, "string", "1.0.0", "Returns the string value of a key.", get)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("set", -3, WRITE | DENYOOM, S, K1, "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", set)
        .syntax("key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]")
        .complexity("O(1)"),
    CommandSpec::new("setnx", 3, WRITE | DENYOOM | FAST, S, K1, "string", "1.0.0", "Set the string value of a key only when the key doesn't exist.", setnx)
        .syntax("key value")
        .complexity("O(1)"),
    CommandSpec::new("setex", 4, WRITE | DENYOOM, S, K1, "string", "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", setex)
        .syntax("key seconds value")
        .complexity("O(1)"),
    CommandSpec::new("psetex", 4, WRITE | DENYOOM, S, K1, "string", "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", psetex)
        .syntax("key milliseconds value")
        .complexity("O(1)"),
    CommandSpec::new("getset", 3, WRITE | DENYOOM | FAST, S, K1, "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value.", getset)
        .syntax("key value")
        .complexity("O(1)"),
    CommandSpec::new("getdel", 2, WRITE | FAST, S, K1, "string", "6.2.0", "Returns the string value of a key after deleting the key.", getdel)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("getex", -2, WRITE | FAST, S, K1, "string", "6.2.0", "Returns the string value of a key after setting its expiration time.", getex)
        .syntax("key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]")
        .complexity("O(1)"),
    CommandSpec::new("mget", -2, READONLY | FAST, S, ALL, "string", "1.0.0", "Atomically returns the string values of one or more keys.", mget)
        .syntax("key [key ...]")
        .complexity("O(N) where N is the number of keys to retrieve."),
    CommandSpec::new("mset", -3, WRITE | DENYOOM, S, PAIRS, "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys.", mset)
        .syntax("key value [key value ...]")
        .complexity("O(N) where N is the number of keys to set."),
    CommandSpec::new("msetnx", -3, WRITE | DENYOOM, S, PAIRS, "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", msetnx)
        .syntax("key value [key value ...]")
        .complexity("O(N) where N is the number of keys to set."),
    CommandSpec::new("append", 3, WRITE | DENYOOM | FAST, S, K1, "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", append)
        .syntax("key value")
        .complexity("O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."),
    CommandSpec::new("strlen", 2, READONLY | FAST, S, K1, "string", "2.2.0", "Returns the length of a string value.", strlen)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("incr", 2, WRITE | DENYOOM | FAST, S, K1, "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", incr)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("decr", 2, WRITE | DENYOOM | FAST, S, K1, "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", decr)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("incrby", 3, WRITE | DENYOOM | FAST, S, K1, "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", incrby)
        .syntax("key increment")
        .complexity("O(1)"),
    CommandSpec::new("decrby", 3, WRITE | DENYOOM | FAST, S, K1, "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", decrby)
        .syntax("key decrement")
        .complexity("O(1)"),
    CommandSpec::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, S, K1, "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", incrbyfloat)
        .syntax("key increment")
        .complexity("O(1)"),
    CommandSpec::new("getrange", 4, READONLY, S, K1, "string", "2.4.0", "Returns a substring of the string stored at a key.", getrange)
        .syntax("key start end")
        .complexity("O(N) where N is the length of the returned string."),
    CommandSpec::new("substr", 4, READONLY, S, K1, "string", "1.0.0", "Returns a substring from a string value.", getrange)
        .syntax("key start end")
        .complexity("O(N) where N is the length of the returned string."),
    CommandSpec::new("setrange", 4, WRITE | DENYOOM, S, K1, "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", setrange)
        .syntax("key offset value")
        .complexity("O(1), not counting the time taken to copy the new string in place."),
    CommandSpec::new("lcs", -3, READONLY, S, (1, 2, 1), "string", "7.0.0", "Finds the longest common substring.", lcs)
        .syntax("key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]")
        .complexity("O(N*M) where N and M are the lengths of s1 and s2, respectively"),
];

/// Largest string a write may produce (Redis: proto-max-bulk-len).
fn check_size(ctx: &Ctx<'_>, len: u64) -> CmdResult {
    if len > ctx.srv.config.proto_max_bulk_len {
        return Err(CmdError::err("string exceeds maximum allowed size (proto-max-bulk-len)"));
    }
    Ok(())
}

/// The string at `key`: `Ok(None)` if missing, WRONGTYPE for other types.
pub fn lookup_str<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut StrValue>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::Str(s) => Ok(Some(s)),
            #[allow(unreachable_patterns)]
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Writes a string value as a bulk reply.
pub fn reply_str(out: &mut Out, s: &StrValue) {
    let mut scratch = [0u8; 20];
    out.bulk(s.as_bytes(&mut scratch));
}

fn get(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let found = lookup_str(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    match found {
        Some(s) => {
            ctx.srv.stats.keyspace_hits += 1;
            reply_str(&mut ctx.client.out, s);
        }
        None => {
            ctx.srv.stats.keyspace_misses += 1;
            ctx.client.out.null();
        }
    }
    Ok(())
}

/// Expiry options shared by SET and GETEX.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ttl {
    /// No option: SET clears the TTL, GETEX leaves it.
    Unset,
    /// KEEPTTL.
    Keep,
    /// PERSIST (GETEX).
    Persist,
    /// An absolute deadline in ms.
    At(u64),
}

/// Parses the value of EX/PX/EXAT/PXAT into an absolute deadline, with
/// Redis's checks (positive, no overflow).
fn deadline(arg: &[u8], unit_ms: u64, absolute: bool, now: u64, cmd: &'static str) -> Result<u64, CmdError> {
    let v = int_arg(arg)?;
    if v <= 0 {
        return Err(CmdError::InvalidExpire(cmd));
    }
    let ms = (v as u64).checked_mul(unit_ms).filter(|&m| m <= i64::MAX as u64).ok_or(CmdError::InvalidExpire(cmd))?;
    if absolute {
        Ok(ms)
    } else {
        ms.checked_add(now).filter(|&m| m <= i64::MAX as u64).ok_or(CmdError::InvalidExpire(cmd))
    }
}

/// The options of SET (`is_set`) or GETEX, parsed as Redis parses them: a
/// flag may repeat (`EX 1 EX 2`: the last one wins) but conflicting ones are
/// a syntax error, and the expire value is only validated after the whole
/// option list parsed (see [`ExtOptions::deadline`]).
#[derive(Default)]
struct ExtOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// The EX/PX/EXAT/PXAT option name and its unparsed value.
    expire: Option<(&'static str, &'a [u8])>,
}

impl<'a> ExtOptions<'a> {
    fn parse(cmd: &Command<'a>, start: usize, is_set: bool) -> Result<Self, CmdError> {
        let mut o = ExtOptions::default();
        let mut i = start;
        while i < cmd.len() {
            let opt = cmd.arg(i);
            let unit = ["EX", "PX", "EXAT", "PXAT"].into_iter().find(|u| is(opt, u));
            let other_unit = |o: &ExtOptions<'_>, u: &str| o.expire.is_some_and(|(cur, _)| cur != u);
            if is_set && is(opt, "NX") && !o.xx {
                o.nx = true;
            } else if is_set && is(opt, "XX") && !o.nx {
                o.xx = true;
            } else if is_set && is(opt, "GET") {
                o.get = true;
            } else if is_set && is(opt, "KEEPTTL") && o.expire.is_none() {
                o.keepttl = true;
            } else if !is_set && is(opt, "PERSIST") && o.expire.is_none() {
                o.persist = true;
            } else if let Some(u) = unit.filter(|u| !o.keepttl && !o.persist && !other_unit(&o, u)) {
                let Some(v) = cmd.get(i + 1) else { return Err(CmdError::Syntax) };
                o.expire = Some((u, v));
                i += 1;
            } else {
                return Err(CmdError::Syntax);
            }
            i += 1;
        }
        Ok(o)
    }

    /// The absolute deadline of the EX/PX/EXAT/PXAT option, if any.
    fn deadline(&self, now: u64, name: &'static str) -> Result<Option<u64>, CmdError> {
        let Some((unit, v)) = self.expire else { return Ok(None) };
        let (ms, absolute) = match unit {
            "EX" => (1000, false),
            "PX" => (1, false),
            "EXAT" => (1000, true),
            _ => (1, true),
        };
        deadline(v, ms, absolute, now, name).map(Some)
    }
}

/// Stores a string, replacing any value and TTL; a deadline already in the
/// past deletes the key instead.
fn store_string(db: &mut Db, key: &[u8], value: &[u8], ttl: Option<u64>, now: u64) {
    match ttl {
        Some(t) if t <= now => {
            db.remove(key, now);
        }
        _ => {
            db.insert(key, Value::string(value), ttl, now);
        }
    }
}

fn set(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let opts = ExtOptions::parse(cmd, 3, true)?;
    let (nx, xx, get) = (opts.nx, opts.xx, opts.get);
    let ttl = match opts.deadline(now, "set")? {
        Some(d) => Ttl::At(d),
        None if opts.keepttl => Ttl::Keep,
        None => Ttl::Unset,
    };
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    let (exists, keep) = {
        let old = lookup_str(db, key, now);
        match old {
            Err(e) if get => return Err(e),
            Err(_) => (true, None),
            Ok(None) => (false, None),
            Ok(Some(s)) => {
                if get {
                    let mut scratch = [0u8; 20];
                    ctx.client.out.bulk(s.as_bytes(&mut scratch));
                }
                (true, Some(()))
            }
        }
    };
    if get && keep.is_none() {
        ctx.client.out.null();
    }
    if (nx && exists) || (xx && !exists) {
        if !get {
            ctx.client.out.null();
        }
        return Ok(());
    }
    let db = ctx.srv.store.db(ctx.client.db);
    let deadline = match ttl {
        Ttl::At(d) => Some(d),
        Ttl::Keep => db.get(key, now).and_then(|e| e.expire_at()),
        _ => None,
    };
    store_string(db, key, cmd.arg(2), deadline, now);
    ctx.dirty(1);
    notify_set(ctx, key, matches!(ttl, Ttl::At(_)));
    if !get {
        ctx.client.out.ok();
    }
    Ok(())
}

/// `set` and, for a new deadline, `expire` (or `del` when the deadline had
/// already passed and the key is gone).
fn notify_set(ctx: &mut Ctx<'_>, key: &[u8], expire: bool) {
    ctx.notify(ev::STRING, "set", key);
    if expire {
        ctx.notify(ev::GENERIC, "expire", key);
    }
}

fn setnx(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    if db.contains(cmd.arg(1), now) {
        ctx.client.out.int(0);
    } else {
        db.insert(cmd.arg(1), Value::string(cmd.arg(2)), None, now);
        ctx.dirty(1);
        ctx.notify(ev::STRING, "set", cmd.arg(1));
        ctx.client.out.int(1);
    }
    Ok(())
}

fn setex_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, unit: u64, name: &'static str) -> CmdResult {
    let now = ctx.now_ms;
    let d = deadline(cmd.arg(2), unit, false, now, name)?;
    store_string(ctx.srv.store.db(ctx.client.db), cmd.arg(1), cmd.arg(3), Some(d), now);
    ctx.dirty(1);
    notify_set(ctx, cmd.arg(1), true);
    ctx.client.out.ok();
    Ok(())
}

fn setex(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    setex_generic(ctx, cmd, 1000, "setex")
}

fn psetex(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    setex_generic(ctx, cmd, 1, "psetex")
}

fn getset(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    match lookup_str(db, cmd.arg(1), now)? {
        Some(s) => reply_str(&mut ctx.client.out, s),
        None => ctx.client.out.null(),
    }
    ctx.srv.store.db(ctx.client.db).insert(cmd.arg(1), Value::string(cmd.arg(2)), None, now);
    ctx.dirty(1);
    ctx.notify(ev::STRING, "set", cmd.arg(1));
    Ok(())
}

fn getdel(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    match lookup_str(db, cmd.arg(1), now)? {
        Some(s) => reply_str(&mut ctx.client.out, s),
        None => {
            ctx.client.out.null();
            return Ok(());
        }
    }
    ctx.srv.store.db(ctx.client.db).remove(cmd.arg(1), now);
    ctx.dirty(1);
    ctx.notify(ev::GENERIC, "del", cmd.arg(1));
    Ok(())
}

fn getex(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let opts = ExtOptions::parse(cmd, 2, false)?;
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    if lookup_str(db, key, now)?.is_none() {
        ctx.client.out.null();
        return Ok(());
    }
    // Like Redis, the expire value is checked only once the key is known to
    // exist (`GETEX nokey EX 0` is a null reply, not an error).
    let ttl = match opts.deadline(now, "getex")? {
        Some(d) => Ttl::At(d),
        None if opts.persist => Ttl::Persist,
        None => Ttl::Unset,
    };
    let db = ctx.srv.store.db(ctx.client.db);
    if let Ok(Some(s)) = lookup_str(db, key, now) {
        reply_str(&mut ctx.client.out, s);
    }
    let db = ctx.srv.store.db(ctx.client.db);
    match ttl {
        Ttl::At(d) if d <= now => {
            db.remove(key, now);
            ctx.dirty(1);
            ctx.notify(ev::GENERIC, "del", key);
        }
        Ttl::At(d) => {
            db.set_expire(key, Some(d), now);
            ctx.dirty(1);
            ctx.notify(ev::GENERIC, "expire", key);
        }
        Ttl::Persist if db.expire_at(key, now).flatten().is_some() => {
            db.set_expire(key, None, now);
            ctx.dirty(1);
            ctx.notify(ev::GENERIC, "persist", key);
        }
        _ => {}
    }
    Ok(())
}

fn mget(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    ctx.client.out.array(cmd.len() - 1);
    let db = ctx.srv.store.db(ctx.client.db);
    for key in cmd.iter().skip(1) {
        match db.get(key, now).map(|e| e.value()) {
            Some(Value::Str(s)) => {
                ctx.srv.stats.keyspace_hits += 1;
                reply_str(&mut ctx.client.out, s);
            }
            _ => {
                ctx.srv.stats.keyspace_misses += 1;
                ctx.client.out.null();
            }
        }
    }
    Ok(())
}

fn mset_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, nx: bool) -> CmdResult {
    if cmd.len() % 2 == 0 {
        return Err(CmdError::Arity(if nx { "msetnx" } else { "mset" }.into()));
    }
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    if nx && (1..cmd.len()).step_by(2).any(|i| db.contains(cmd.arg(i), now)) {
        ctx.client.out.int(0);
        return Ok(());
    }
    for i in (1..cmd.len()).step_by(2) {
        ctx.srv.store.db(ctx.client.db).insert(cmd.arg(i), Value::string(cmd.arg(i + 1)), None, now);
        // Key by key, so `new` and `set` events interleave as in Redis.
        ctx.notify(ev::STRING, "set", cmd.arg(i));
    }
    ctx.dirty((cmd.len() / 2) as u64);
    if nx {
        ctx.client.out.int(1);
    } else {
        ctx.client.out.ok();
    }
    Ok(())
}

fn mset(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    mset_generic(ctx, cmd, false)
}

fn msetnx(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    mset_generic(ctx, cmd, true)
}

fn append(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let (key, data) = (cmd.arg(1), cmd.arg(2));
    let max = ctx.srv.config.proto_max_bulk_len;
    let db = ctx.srv.store.db(ctx.client.db);
    let len = match lookup_str(db, key, now)? {
        Some(s) => {
            if (s.len() + data.len()) as u64 > max {
                return Err(CmdError::err("string exceeds maximum allowed size (proto-max-bulk-len)"));
            }
            s.append(data)
        }
        None => {
            check_size(ctx, data.len() as u64)?;
            // Redis stores the argument object itself, encoded like SET's
            // value: `APPEND new x` is embstr, `APPEND new 12` int.
            ctx.srv.store.db(ctx.client.db).insert(key, Value::string(data), None, now);
            data.len()
        }
    };
    ctx.dirty(1);
    ctx.notify(ev::STRING, "append", key);
    ctx.client.out.int(len as i64);
    Ok(())
}

fn strlen(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let len = lookup_str(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.map_or(0, |s| s.len());
    ctx.client.out.int(len as i64);
    Ok(())
}

fn incr_generic(ctx: &mut Ctx<'_>, key: &[u8], by: i64) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let new = match lookup_str(db, key, now)? {
        Some(s) => {
            let cur = s.as_i64().ok_or(CmdError::NotInteger)?;
            let new = cur.checked_add(by).ok_or(CmdError::Overflow)?;
            *s = StrValue::from_i64(new);
            new
        }
        None => {
            ctx.srv.store.db(ctx.client.db).insert(key, Value::Str(StrValue::from_i64(by)), None, now);
            by
        }
    };
    ctx.dirty(1);
    ctx.notify(ev::STRING, "incrby", key);
    ctx.client.out.int(new);
    Ok(())
}

fn incr(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    incr_generic(ctx, cmd.arg(1), 1)
}

fn decr(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    incr_generic(ctx, cmd.arg(1), -1)
}

fn incrby(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let by = int_arg(cmd.arg(2))?;
    incr_generic(ctx, cmd.arg(1), by)
}

fn decrby(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let by = int_arg(cmd.arg(2))?;
    let neg = by.checked_neg().ok_or_else(|| CmdError::err("decrement would overflow"))?;
    incr_generic(ctx, cmd.arg(1), neg)
}

fn incrbyfloat(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    // Redis computes in `long double` (see `ember_num::LongDouble`); the
    // current value is checked before the increment, with the same error.
    let cur = match lookup_str(db, key, now)? {
        Some(s) => match s.as_int() {
            Some(i) => LongDouble::from_i64(i),
            None => {
                let mut scratch = [0u8; 20];
                LongDouble::parse(s.as_bytes(&mut scratch)).ok_or(CmdError::NotFloat)?
            }
        },
        None => LongDouble::from_i64(0),
    };
    let by = LongDouble::parse(cmd.arg(2)).ok_or(CmdError::NotFloat)?;
    let new = cur.add(&by);
    if !new.is_finite() {
        return Err(CmdError::err("increment would produce NaN or Infinity"));
    }
    let text = new.to_human();
    let db = ctx.srv.store.db(ctx.client.db);
    let ttl = db.expire_at(key, now).flatten();
    db.insert(key, Value::Str(StrValue::from_bytes_no_int(text.as_bytes())), ttl, now);
    ctx.dirty(1);
    ctx.notify(ev::STRING, "incrbyfloat", key);
    ctx.client.out.bulk(text.as_bytes());
    Ok(())
}

fn getrange(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let start = int_arg(cmd.arg(2))?;
    let end = int_arg(cmd.arg(3))?;
    let db = ctx.srv.store.db(ctx.client.db);
    match lookup_str(db, cmd.arg(1), now)? {
        Some(s) => {
            let mut scratch = [0u8; 20];
            ctx.client.out.bulk(s.get_range(start, end, &mut scratch));
        }
        None => ctx.client.out.bulk(b""),
    }
    Ok(())
}

fn setrange(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let (key, data) = (cmd.arg(1), cmd.arg(3));
    let offset = int_arg(cmd.arg(2))?;
    if offset < 0 {
        return Err(CmdError::err("offset is out of range"));
    }
    let offset = offset as u64;
    let max = ctx.srv.config.proto_max_bulk_len;
    let db = ctx.srv.store.db(ctx.client.db);
    let len = match lookup_str(db, key, now)? {
        Some(s) => {
            if data.is_empty() {
                s.len()
            } else {
                if offset + data.len() as u64 > max {
                    return Err(CmdError::err("string exceeds maximum allowed size (proto-max-bulk-len)"));
                }
                s.set_range(offset as usize, data)
            }
        }
        None => {
            if data.is_empty() {
                ctx.client.out.int(0);
                return Ok(());
            }
            check_size(ctx, offset + data.len() as u64)?;
            let mut v = StrValue::raw(b"");
            let n = v.set_range(offset as usize, data);
            ctx.srv.store.db(ctx.client.db).insert(key, Value::Str(v), None, now);
            n
        }
    };
    if !data.is_empty() {
        ctx.dirty(1);
        ctx.notify(ev::STRING, "setrange", key);
    }
    ctx.client.out.int(len as i64);
    Ok(())
}

fn lcs(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let (mut want_len, mut want_idx, mut with_len) = (false, false, false);
    let mut min_len: i64 = 0;
    let mut i = 3;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        if is(opt, "IDX") {
            want_idx = true;
        } else if is(opt, "LEN") {
            want_len = true;
        } else if is(opt, "WITHMATCHLEN") {
            with_len = true;
        } else if is(opt, "MINMATCHLEN") && i + 1 < cmd.len() {
            min_len = int_arg(cmd.arg(i + 1))?.max(0);
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let db = ctx.srv.store.db(ctx.client.db);
    let fetch = |db: &mut Db, key: &[u8]| -> Result<Vec<u8>, CmdError> {
        match db.get(key, now).map(|e| e.value()) {
            None => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(s.to_vec()),
            #[allow(unreachable_patterns)]
            Some(_) => Err(CmdError::err("The specified keys must contain string values")),
        }
    };
    let a = fetch(db, cmd.arg(1))?;
    let b = fetch(db, cmd.arg(2))?;
    if want_len && want_idx {
        return Err(CmdError::err("If you want both the length and indexes, please just use IDX."));
    }
    let cells = (a.len() as u64 + 1).saturating_mul(b.len() as u64 + 1);
    if cells.saturating_mul(4) > ctx.srv.config.proto_max_bulk_len {
        return Err(CmdError::err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    }
    // dp[i][j] = LCS length of a[..i] and b[..j].
    let w = b.len() + 1;
    let mut dp = vec![0u32; (a.len() + 1) * w];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            dp[i * w + j] = if a[i - 1] == b[j - 1] {
                dp[(i - 1) * w + j - 1] + 1
            } else {
                dp[(i - 1) * w + j].max(dp[i * w + j - 1])
            };
        }
    }
    let total = dp[a.len() * w + b.len()] as usize;
    // Walk back to recover the sequence and the matching ranges.
    let mut seq = vec![0u8; total];
    let mut matches: Vec<((usize, usize), (usize, usize))> = Vec::new();
    let (mut i, mut j, mut k) = (a.len(), b.len(), total);
    let mut cur: Option<((usize, usize), (usize, usize))> = None;
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            k -= 1;
            seq[k] = a[i - 1];
            match &mut cur {
                Some(((as_, _), (bs, _))) if *as_ == i && *bs == j => {
                    *as_ = i - 1;
                    *bs = j - 1;
                }
                _ => {
                    if let Some(m) = cur.take() {
                        matches.push(m);
                    }
                    cur = Some(((i - 1, i - 1), (j - 1, j - 1)));
                }
            }
            i -= 1;
            j -= 1;
        } else if dp[(i - 1) * w + j] > dp[i * w + j - 1] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    if let Some(m) = cur.take() {
        matches.push(m);
    }
    let out = &mut ctx.client.out;
    if want_idx {
        let kept: Vec<_> = matches.into_iter().filter(|((s, e), _)| (e - s + 1) as i64 >= min_len).collect();
        out.map(2);
        out.bulk(b"matches");
        out.array(kept.len());
        for ((as_, ae), (bs, be)) in kept {
            out.array(if with_len { 3 } else { 2 });
            out.array(2);
            out.int(as_ as i64);
            out.int(ae as i64);
            out.array(2);
            out.int(bs as i64);
            out.int(be as i64);
            if with_len {
                out.int((ae - as_ + 1) as i64);
            }
        }
        out.bulk(b"len");
        out.int(total as i64);
    } else if want_len {
        out.int(total as i64);
    } else {
        out.bulk(&seq);
    }
    Ok(())
}
