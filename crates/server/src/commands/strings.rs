//! String commands: GET, SET and its variants, counters, ranges, LCS.

use ember_num::LongDouble;
use ember_store::{Db, StrValue, Value};

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is};
use crate::config::notify as ev;

/// String-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, get)
        .flags(READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("string", "Get the value of a key", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("set", -3, set)
        .flags(WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[
            KeySpec::index(1)
                .range(0, 1, 0)
                .flags(ks::RW | ks::ACCESS | ks::UPDATE | ks::VARIABLE_FLAGS)
                .notes("RW and ACCESS due to the optional `GET` argument"),
        ])
        .keys_fn(getkeys::set)
        .doc("string", "Set the string value of a key", "1.0.0", "O(1)")
        .history(&[
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
        ])
        .args(&[
            arg::key("key", 0),
            arg::string("value"),
            arg::oneof("condition", &[arg::token("nx", "NX"), arg::token("xx", "XX")]).since("2.6.12").optional(),
            arg::token("get", "GET").since("6.2.0").optional(),
            arg::oneof(
                "expiration",
                &[
                    arg::integer("seconds").token("EX").since("2.6.12"),
                    arg::integer("milliseconds").token("PX").since("2.6.12"),
                    arg::unix_time("unix-time-seconds").token("EXAT").since("6.2.0"),
                    arg::unix_time("unix-time-milliseconds").token("PXAT").since("6.2.0"),
                    arg::token("keepttl", "KEEPTTL").since("6.0.0"),
                ],
            ).optional(),
        ]),
    CommandSpec::new("setnx", 3, setnx)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::INSERT)])
        .doc("string", "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("value")]),
    CommandSpec::new("setex", 4, setex)
        .flags(WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE)])
        .doc("string", "Set the value and expiration of a key", "2.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("seconds"), arg::string("value")]),
    CommandSpec::new("psetex", 4, psetex)
        .flags(WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE)])
        .doc("string", "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("milliseconds"), arg::string("value")]),
    CommandSpec::new("getset", 3, getset)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("string", "Set the string value of a key and return its old value", "1.0.0", "O(1)")
        .deprecated("6.2.0", "`SET` with the `!GET` argument")
        .args(&[arg::key("key", 0), arg::string("value")]),
    CommandSpec::new("getdel", 2, getdel)
        .flags(WRITE | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc("string", "Get the value of a key and delete the key", "6.2.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("getex", -2, getex)
        .flags(WRITE | FAST)
        .acl(acl::STRING)
        .keys(&[
            KeySpec::index(1)
                .range(0, 1, 0)
                .flags(ks::RW | ks::ACCESS | ks::UPDATE)
                .notes("RW and UPDATE because it changes the TTL"),
        ])
        .doc("string", "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)")
        .args(&[
            arg::key("key", 0),
            arg::oneof(
                "expiration",
                &[
                    arg::integer("seconds").token("EX"),
                    arg::integer("milliseconds").token("PX"),
                    arg::unix_time("unix-time-seconds").token("EXAT"),
                    arg::unix_time("unix-time-milliseconds").token("PXAT"),
                    arg::token("persist", "PERSIST"),
                ],
            ).optional(),
        ]),
    CommandSpec::new("mget", -2, mget)
        .flags(READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["request_policy:multi_shard"])
        .doc(
            "string",
            "Get the values of all the given keys",
            "1.0.0",
            "O(N) where N is the number of keys to retrieve.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("mset", -3, mset)
        .flags(WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(-1, 2, 0).flags(ks::OW | ks::UPDATE)])
        .tips(&["request_policy:multi_shard", "response_policy:all_succeeded"])
        .doc("string", "Set multiple keys to multiple values", "1.0.1", "O(N) where N is the number of keys to set.")
        .args(&[arg::block("key_value", &[arg::key("key", 0), arg::string("value")]).multiple()]),
    CommandSpec::new("msetnx", -3, msetnx)
        .flags(WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(-1, 2, 0).flags(ks::OW | ks::INSERT)])
        .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
        .doc(
            "string",
            "Set multiple keys to multiple values, only if none of the keys exist",
            "1.0.1",
            "O(N) where N is the number of keys to set.",
        )
        .args(&[arg::block("key_value", &[arg::key("key", 0), arg::string("value")]).multiple()]),
    CommandSpec::new("append", 3, append)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "string",
            "Append a value to a key",
            "2.0.0",
            "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        )
        .args(&[arg::key("key", 0), arg::string("value")]),
    CommandSpec::new("strlen", 2, strlen)
        .flags(READONLY | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("string", "Get the length of the value stored in a key", "2.2.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("incr", 2, incr)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("string", "Increment the integer value of a key by one", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("decr", 2, decr)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("string", "Decrement the integer value of a key by one", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("incrby", 3, incrby)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("string", "Increment the integer value of a key by the given amount", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("increment")]),
    CommandSpec::new("decrby", 3, decrby)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("string", "Decrement the integer value of a key by the given number", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("decrement")]),
    CommandSpec::new("incrbyfloat", 3, incrbyfloat)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("string", "Increment the float value of a key by the given amount", "2.6.0", "O(1)")
        .args(&[arg::key("key", 0), arg::double("increment")]),
    CommandSpec::new("getrange", 4, getrange)
        .flags(READONLY)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "string",
            "Get a substring of the string stored at a key",
            "2.4.0",
            "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        )
        .args(&[arg::key("key", 0), arg::integer("start"), arg::integer("end")]),
    CommandSpec::new("substr", 4, getrange)
        .flags(READONLY)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "string",
            "Get a substring of the string stored at a key",
            "1.0.0",
            "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        )
        .deprecated("2.0.0", "`GETRANGE`")
        .args(&[arg::key("key", 0), arg::integer("start"), arg::integer("end")]),
    CommandSpec::new("setrange", 4, setrange)
        .flags(WRITE | DENYOOM)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "string",
            "Overwrite part of a string at key starting at the specified offset",
            "2.2.0",
            "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        )
        .args(&[arg::key("key", 0), arg::integer("offset"), arg::string("value")]),
    CommandSpec::new("lcs", -3, lcs)
        .flags(READONLY)
        .acl(acl::STRING)
        .keys(&[KeySpec::index(1).range(1, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "string",
            "Find longest common substring",
            "7.0.0",
            "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        )
        .args(&[
            arg::key("key1", 0),
            arg::key("key2", 0),
            arg::token("len", "LEN").optional(),
            arg::token("idx", "IDX").optional(),
            arg::integer("len").token("MINMATCHLEN").optional(),
            arg::token("withmatchlen", "WITHMATCHLEN").optional(),
        ]),
];

/// Largest string a write may produce (Redis: proto-max-bulk-len).
fn check_size(ctx: &Ctx<'_>, len: u64) -> Result<(), CmdError> {
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

fn get(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let found = lookup_str(ctx.srv.store.db(ctx.client.db), key, now)?;
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
    Ok(Replied)
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
fn deadline(arg: &[u8], unit_ms: u64, absolute: bool, now: u64, name: &'static str) -> Result<u64, CmdError> {
    let v = int_arg(arg)?;
    if v <= 0 {
        return Err(CmdError::InvalidExpire(name));
    }
    let ms = (v as u64).checked_mul(unit_ms).filter(|&m| m <= i64::MAX as u64).ok_or(CmdError::InvalidExpire(name))?;
    if absolute {
        Ok(ms)
    } else {
        ms.checked_add(now).filter(|&m| m <= i64::MAX as u64).ok_or(CmdError::InvalidExpire(name))
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
    /// Parses every argument left.
    fn parse(args: &mut Args<'a>, is_set: bool) -> Result<Self, CmdError> {
        let mut o = ExtOptions::default();
        while let Some(opt) = args.next() {
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
                o.expire = Some((u, args.next_bytes()?));
            } else {
                return Err(CmdError::Syntax);
            }
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

fn set(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let value = args.next_bytes()?;
    let opts = ExtOptions::parse(args, true)?;
    let (nx, xx, get) = (opts.nx, opts.xx, opts.get);
    let ttl = match opts.deadline(now, "set")? {
        Some(d) => Ttl::At(d),
        None if opts.keepttl => Ttl::Keep,
        None => Ttl::Unset,
    };
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
        return Ok(Replied);
    }
    let db = ctx.srv.store.db(ctx.client.db);
    let deadline = match ttl {
        Ttl::At(d) => Some(d),
        Ttl::Keep => db.get(key, now).and_then(|e| e.expire_at()),
        _ => None,
    };
    store_string(db, key, value, deadline, now);
    ctx.dirty(1);
    notify_set(ctx, key, matches!(ttl, Ttl::At(_)));
    if !get {
        ctx.client.out.ok();
    }
    Ok(Replied)
}

/// `set` and, for a new deadline, `expire` (or `del` when the deadline had
/// already passed and the key is gone).
fn notify_set(ctx: &mut Ctx<'_>, key: &[u8], expire: bool) {
    ctx.notify(ev::STRING, "set", key);
    if expire {
        ctx.notify(ev::GENERIC, "expire", key);
    }
}

fn setnx(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let value = args.next_bytes()?;
    args.finish()?;
    let db = ctx.srv.store.db(ctx.client.db);
    if db.contains(key, now) {
        ctx.client.out.int(0);
    } else {
        db.insert(key, Value::string(value), None, now);
        ctx.dirty(1);
        ctx.notify(ev::STRING, "set", key);
        ctx.client.out.int(1);
    }
    Ok(Replied)
}

fn setex_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, unit: u64, name: &'static str) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let d = deadline(args.next_bytes()?, unit, false, now, name)?;
    let value = args.next_bytes()?;
    args.finish()?;
    store_string(ctx.srv.store.db(ctx.client.db), key, value, Some(d), now);
    ctx.dirty(1);
    notify_set(ctx, key, true);
    ctx.client.out.ok();
    Ok(Replied)
}

fn setex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    setex_generic(ctx, args, 1000, "setex")
}

fn psetex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    setex_generic(ctx, args, 1, "psetex")
}

fn getset(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let value = args.next_bytes()?;
    args.finish()?;
    let db = ctx.srv.store.db(ctx.client.db);
    match lookup_str(db, key, now)? {
        Some(s) => reply_str(&mut ctx.client.out, s),
        None => ctx.client.out.null(),
    }
    ctx.srv.store.db(ctx.client.db).insert(key, Value::string(value), None, now);
    ctx.dirty(1);
    ctx.notify(ev::STRING, "set", key);
    Ok(Replied)
}

fn getdel(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let db = ctx.srv.store.db(ctx.client.db);
    match lookup_str(db, key, now)? {
        Some(s) => reply_str(&mut ctx.client.out, s),
        None => {
            ctx.client.out.null();
            return Ok(Replied);
        }
    }
    ctx.srv.store.db(ctx.client.db).remove(key, now);
    ctx.dirty(1);
    ctx.notify(ev::GENERIC, "del", key);
    Ok(Replied)
}

fn getex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let opts = ExtOptions::parse(args, false)?;
    let db = ctx.srv.store.db(ctx.client.db);
    if lookup_str(db, key, now)?.is_none() {
        ctx.client.out.null();
        return Ok(Replied);
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
    Ok(Replied)
}

fn mget(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let keys = args.rest();
    ctx.client.out.array(keys.remaining());
    let db = ctx.srv.store.db(ctx.client.db);
    for key in keys {
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
    Ok(Replied)
}

fn mset_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, nx: bool) -> CmdResult {
    if args.remaining() % 2 != 0 {
        return Err(CmdError::Arity(if nx { "msetnx" } else { "mset" }.into()));
    }
    let now = ctx.now_ms;
    let mut pairs = args.rest();
    let db = ctx.srv.store.db(ctx.client.db);
    if nx && pairs.step_by(2).any(|key| db.contains(key, now)) {
        ctx.client.out.int(0);
        return Ok(Replied);
    }
    let n = pairs.remaining() / 2;
    while let Some(key) = pairs.next() {
        let value = pairs.next_bytes()?;
        ctx.srv.store.db(ctx.client.db).insert(key, Value::string(value), None, now);
        // Key by key, so `new` and `set` events interleave as in Redis.
        ctx.notify(ev::STRING, "set", key);
    }
    ctx.dirty(n as u64);
    if nx {
        ctx.client.out.int(1);
    } else {
        ctx.client.out.ok();
    }
    Ok(Replied)
}

fn mset(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    mset_generic(ctx, args, false)
}

fn msetnx(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    mset_generic(ctx, args, true)
}

fn append(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let data = args.next_bytes()?;
    args.finish()?;
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
    Ok(Replied)
}

fn strlen(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let len = lookup_str(ctx.srv.store.db(ctx.client.db), key, now)?.map_or(0, |s| s.len());
    ctx.client.out.int(len as i64);
    Ok(Replied)
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
    Ok(Replied)
}

fn incr(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    incr_generic(ctx, key, 1)
}

fn decr(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    incr_generic(ctx, key, -1)
}

fn incrby(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let by = args.next_i64()?;
    args.finish()?;
    incr_generic(ctx, key, by)
}

fn decrby(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let by = args.next_i64()?;
    args.finish()?;
    let neg = by.checked_neg().ok_or_else(|| CmdError::err("decrement would overflow"))?;
    incr_generic(ctx, key, neg)
}

fn incrbyfloat(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let increment = args.next_bytes()?;
    args.finish()?;
    let db = ctx.srv.store.db(ctx.client.db);
    // Redis computes in `long double` (see `ember_num::LongDouble`); the current
    // value is checked before the increment, with the same error.
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
    let by = LongDouble::parse(increment).ok_or(CmdError::NotFloat)?;
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
    Ok(Replied)
}

fn getrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let start = args.next_i64()?;
    let end = args.next_i64()?;
    args.finish()?;
    let db = ctx.srv.store.db(ctx.client.db);
    match lookup_str(db, key, now)? {
        Some(s) => {
            let mut scratch = [0u8; 20];
            ctx.client.out.bulk(s.get_range(start, end, &mut scratch));
        }
        None => ctx.client.out.bulk(b""),
    }
    Ok(Replied)
}

fn setrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let offset = args.next_i64()?;
    let data = args.next_bytes()?;
    args.finish()?;
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
                return Ok(Replied);
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
    Ok(Replied)
}

/// LCS's options.
#[derive(Debug, Default, PartialEq, Eq)]
struct LcsOptions {
    /// LEN: only the length.
    len: bool,
    /// IDX: the matching ranges.
    idx: bool,
    /// WITHMATCHLEN: each range with its length.
    with_match_len: bool,
    /// MINMATCHLEN: shorter ranges are left out (a negative one is 0).
    min_match_len: i64,
}

impl LcsOptions {
    /// Parses every argument left; LEN with IDX is refused later, once the
    /// keys are read, as Redis does.
    fn parse(args: &mut Args<'_>) -> Result<LcsOptions, CmdError> {
        let mut o = LcsOptions::default();
        while let Some(opt) = args.next() {
            if is(opt, "IDX") {
                o.idx = true;
            } else if is(opt, "LEN") {
                o.len = true;
            } else if is(opt, "WITHMATCHLEN") {
                o.with_match_len = true;
            } else if is(opt, "MINMATCHLEN") && args.has_more() {
                o.min_match_len = args.next_i64()?.max(0);
            } else {
                return Err(CmdError::Syntax);
            }
        }
        Ok(o)
    }
}

fn lcs(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key1 = args.next_bytes()?;
    let key2 = args.next_bytes()?;
    let LcsOptions { len: want_len, idx: want_idx, with_match_len: with_len, min_match_len: min_len } =
        LcsOptions::parse(args)?;
    let db = ctx.srv.store.db(ctx.client.db);
    let fetch = |db: &mut Db, key: &[u8]| -> Result<Vec<u8>, CmdError> {
        match db.get(key, now).map(|e| e.value()) {
            None => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(s.to_vec()),
            #[allow(unreachable_patterns)]
            Some(_) => Err(CmdError::err("The specified keys must contain string values")),
        }
    };
    let a = fetch(db, key1)?;
    let b = fetch(db, key2)?;
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
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::common::with_args;

    /// The options of `line` (a SET or GETEX after its key and value) as
    /// text, or the error.
    fn ext(line: &str) -> Result<String, CmdError> {
        let is_set = line.starts_with("set");
        with_args(line, if is_set { 3 } else { 2 }, |a| {
            let o = ExtOptions::parse(a, is_set)?;
            let mut parts: Vec<String> = [(o.nx, "NX"), (o.xx, "XX"), (o.get, "GET"), (o.keepttl, "KEEPTTL")]
                .into_iter()
                .chain([(o.persist, "PERSIST")])
                .filter(|(on, _)| *on)
                .map(|(_, n)| n.to_string())
                .collect();
            parts.extend(o.expire.map(|(u, v)| format!("{u}={}", String::from_utf8_lossy(v))));
            Ok(parts.join(" "))
        })
    }

    #[test]
    fn set_and_getex_options() {
        let ok = |s: &str| Ok(s.to_string());
        for (line, want) in [
            ("set k v", ok("")),
            ("set k v nx get ex 10", ok("NX GET EX=10")),
            ("set k v NX NX", ok("NX")),
            ("set k v xx px 5", ok("XX PX=5")),
            ("set k v ex 1 ex 2", ok("EX=2")),
            ("set k v keepttl", ok("KEEPTTL")),
            ("set k v exat x", ok("EXAT=x")),
            ("set k v nx xx", Err(CmdError::Syntax)),
            ("set k v ex 1 px 2", Err(CmdError::Syntax)),
            ("set k v ex 1 keepttl", Err(CmdError::Syntax)),
            ("set k v keepttl pxat 1", Err(CmdError::Syntax)),
            ("set k v ex", Err(CmdError::Syntax)),
            ("set k v persist", Err(CmdError::Syntax)),
            ("set k v foo", Err(CmdError::Syntax)),
            ("getex k", ok("")),
            ("getex k persist", ok("PERSIST")),
            ("getex k pxat 7", ok("PXAT=7")),
            ("getex k persist ex 1", Err(CmdError::Syntax)),
            ("getex k ex 1 persist", Err(CmdError::Syntax)),
            ("getex k nx", Err(CmdError::Syntax)),
            ("getex k get", Err(CmdError::Syntax)),
            ("getex k keepttl", Err(CmdError::Syntax)),
        ] {
            assert_eq!(ext(line), want, "{line}");
        }
    }

    #[test]
    fn deadlines() {
        let bad = Err(CmdError::InvalidExpire("set"));
        for (arg, unit, absolute, want) in [
            ("10", 1000, false, Ok(11_000)),
            ("10", 1, true, Ok(10)),
            ("0", 1, false, bad.clone()),
            ("-1", 1, true, bad.clone()),
            ("9223372036854775807", 1000, true, bad.clone()),
            ("9223372036854775807", 1, false, bad),
            ("x", 1, false, Err(CmdError::NotInteger)),
        ] {
            assert_eq!(deadline(arg.as_bytes(), unit, absolute, 1000, "set"), want, "{arg} {unit} {absolute}");
        }
    }

    #[test]
    fn lcs_options() {
        let o = |len, idx, with_match_len, min_match_len| Ok(LcsOptions { len, idx, with_match_len, min_match_len });
        for (line, want) in [
            ("lcs a b", o(false, false, false, 0)),
            ("lcs a b len idx", o(true, true, false, 0)),
            ("lcs a b IDX MINMATCHLEN 4 WITHMATCHLEN", o(false, true, true, 4)),
            ("lcs a b minmatchlen -3", o(false, false, false, 0)),
            ("lcs a b minmatchlen x", Err(CmdError::NotInteger)),
            ("lcs a b minmatchlen", Err(CmdError::Syntax)),
            ("lcs a b foo", Err(CmdError::Syntax)),
        ] {
            assert_eq!(with_args(line, 3, LcsOptions::parse), want, "{line}");
        }
    }

    /// The table's SET, through the key search COMMAND GETKEYSANDFLAGS
    /// uses: its key flags follow `GET` (Redis 7.0's replies).
    #[test]
    fn set_key_flags_follow_get() {
        let overwrite = vec![(1, ks::OW | ks::UPDATE)];
        let read = vec![(1, ks::RW | ks::ACCESS | ks::UPDATE)];
        let spec = COMMANDS.iter().find(|c| c.name == "set").expect("in the table");
        for (line, want) in [
            ("set k v", &overwrite),
            ("set k get", &overwrite),
            ("set k v nx", &overwrite),
            ("set k v getx", &overwrite),
            ("set k v get", &read),
            ("set k v ex 1 GeT", &read),
            ("set k v px get", &read),
        ] {
            let argv: Vec<&str> = line.split(' ').collect();
            let keys = crate::command::keys::keys(spec, argv.len(), &|i| argv.get(i).map(|a| a.as_bytes()));
            assert_eq!(&keys.iter().map(|k| (k.pos, k.flags)).collect::<Vec<_>>(), want, "{line}");
        }
    }
}
