//! List commands: pushes and pops at both ends (with counts), index and
//! range access, LINSERT / LREM / LTRIM / LPOS, moves between lists, LMPOP,
//! and the blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP).
//!
//! A blocking command that finds nothing to take returns
//! `Outcome::Block` (its keys, deadline and timeout reply) without a reply;
//! dispatch parks the client (FIFO per key) and runs the same command again
//! whenever a write touches one of its keys.
//! A re-run can tell it is one because the client is still marked blocked:
//! then a key holding another type is skipped (the client keeps waiting, as
//! in Redis 7.0) instead of answering WRONGTYPE.

use ember_store::types::list::List;
use ember_store::{Db, Value};

use crate::blocking::{timeout_arg, BlockRequest, TimeoutReply};
use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is};
use crate::commands::common::{mpop_args, positive_count};
use crate::config::notify as ev;

/// The key specs of LMOVE, RPOPLPUSH, BLMOVE, BRPOPLPUSH.
const LMOVE_KEYS: &[KeySpec] = &[
    KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE),
    KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::INSERT),
];

/// List-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("lpush", -3, lpush)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "list",
            "Prepend one or multiple elements to a list",
            "1.0.0",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[arg::key("key", 0), arg::string("element").multiple()]),
    CommandSpec::new("rpush", -3, rpush)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "list",
            "Append one or multiple elements to a list",
            "1.0.0",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[arg::key("key", 0), arg::string("element").multiple()]),
    CommandSpec::new("lpushx", -3, lpushx)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "list",
            "Prepend an element to a list, only if the list exists",
            "2.2.0",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[arg::key("key", 0), arg::string("element").multiple()]),
    CommandSpec::new("rpushx", -3, rpushx)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "list",
            "Append an element to a list, only if the list exists",
            "2.2.0",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        )
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[arg::key("key", 0), arg::string("element").multiple()]),
    CommandSpec::new("lpop", -2, lpop)
        .flags(WRITE | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "list",
            "Remove and get the first elements in a list",
            "1.0.0",
            "O(N) where N is the number of elements returned",
        )
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[arg::key("key", 0), arg::integer("count").since("6.2.0").optional()]),
    CommandSpec::new("rpop", -2, rpop)
        .flags(WRITE | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "list",
            "Remove and get the last elements in a list",
            "1.0.0",
            "O(N) where N is the number of elements returned",
        )
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[arg::key("key", 0), arg::integer("count").since("6.2.0").optional()]),
    CommandSpec::new("llen", 2, llen)
        .flags(READONLY | FAST)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("list", "Get the length of a list", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("lrange", 4, lrange)
        .flags(READONLY)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "list",
            "Get a range of elements from a list",
            "1.0.0",
            "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        )
        .args(&[arg::key("key", 0), arg::integer("start"), arg::integer("stop")]),
    CommandSpec::new("lindex", 3, lindex)
        .flags(READONLY)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "list",
            "Get an element from a list by its index",
            "1.0.0",
            "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        )
        .args(&[arg::key("key", 0), arg::integer("index")]),
    CommandSpec::new("lset", 4, lset)
        .flags(WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "list",
            "Set the value of an element in a list by its index",
            "1.0.0",
            "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        )
        .args(&[arg::key("key", 0), arg::integer("index"), arg::string("element")]),
    CommandSpec::new("linsert", 5, linsert)
        .flags(WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "list",
            "Insert an element before or after another element in a list",
            "2.2.0",
            "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        )
        .args(&[
            arg::key("key", 0),
            arg::oneof("where", &[arg::token("before", "BEFORE"), arg::token("after", "AFTER")]),
            arg::string("pivot"),
            arg::string("element"),
        ]),
    CommandSpec::new("lrem", 4, lrem)
        .flags(WRITE)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "list",
            "Remove elements from a list",
            "1.0.0",
            "O(N+M) where N is the length of the list and M is the number of elements removed.",
        )
        .args(&[arg::key("key", 0), arg::integer("count"), arg::string("element")]),
    CommandSpec::new("ltrim", 4, ltrim)
        .flags(WRITE)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "list",
            "Trim a list to the specified range",
            "1.0.0",
            "O(N) where N is the number of elements to be removed by the operation.",
        )
        .args(&[arg::key("key", 0), arg::integer("start"), arg::integer("stop")]),
    CommandSpec::new("lpos", -3, lpos)
        .flags(READONLY)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "list",
            "Return the index of matching elements on a list",
            "6.0.6",
            "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        )
        .args(&[
            arg::key("key", 0),
            arg::string("element"),
            arg::integer("rank").token("RANK").optional(),
            arg::integer("num-matches").token("COUNT").optional(),
            arg::integer("len").token("MAXLEN").optional(),
        ]),
    CommandSpec::new("lmove", 5, lmove)
        .flags(WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(LMOVE_KEYS)
        .doc("list", "Pop an element from a list, push it to another list and return it", "6.2.0", "O(1)")
        .args(&[
            arg::key("source", 0),
            arg::key("destination", 1),
            arg::oneof("wherefrom", &[arg::token("left", "LEFT"), arg::token("right", "RIGHT")]),
            arg::oneof("whereto", &[arg::token("left", "LEFT"), arg::token("right", "RIGHT")]),
        ]),
    CommandSpec::new("rpoplpush", 3, rpoplpush)
        .flags(WRITE | DENYOOM)
        .acl(acl::LIST)
        .keys(LMOVE_KEYS)
        .doc("list", "Remove the last element in a list, prepend it to another list and return it", "1.2.0", "O(1)")
        .deprecated("6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments")
        .args(&[arg::key("source", 0), arg::key("destination", 1)]),
    CommandSpec::new("lmpop", -4, lmpop)
        .flags(WRITE)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "list",
            "Pop elements from a list",
            "7.0.0",
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        )
        .args(&[
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::oneof("where", &[arg::token("left", "LEFT"), arg::token("right", "RIGHT")]),
            arg::integer("count").token("COUNT").optional(),
        ]),
    CommandSpec::new("blpop", -3, blpop)
        .flags(WRITE | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(-2, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "list",
            "Remove and get the first element in a list, or block until one is available",
            "2.0.0",
            "O(N) where N is the number of provided keys.",
        )
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[arg::key("key", 0).multiple(), arg::double("timeout")]),
    CommandSpec::new("brpop", -3, brpop)
        .flags(WRITE | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(1).range(-2, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "list",
            "Remove and get the last element in a list, or block until one is available",
            "2.0.0",
            "O(N) where N is the number of provided keys.",
        )
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[arg::key("key", 0).multiple(), arg::double("timeout")]),
    CommandSpec::new("blmove", 6, blmove)
        .flags(WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(LMOVE_KEYS)
        .doc(
            "list",
            "Pop an element from a list, push it to another list and return it; or block until one is available",
            "6.2.0",
            "O(1)",
        )
        .args(&[
            arg::key("source", 0),
            arg::key("destination", 1),
            arg::oneof("wherefrom", &[arg::token("left", "LEFT"), arg::token("right", "RIGHT")]),
            arg::oneof("whereto", &[arg::token("left", "LEFT"), arg::token("right", "RIGHT")]),
            arg::double("timeout"),
        ]),
    CommandSpec::new("brpoplpush", 4, brpoplpush)
        .flags(WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .acl(acl::LIST)
        .keys(LMOVE_KEYS)
        .doc(
            "list",
            "Pop an element from a list, push it to another list and return it; or block until one is available",
            "2.2.0",
            "O(1)",
        )
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .deprecated("6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments")
        .args(&[arg::key("source", 0), arg::key("destination", 1), arg::double("timeout")]),
    CommandSpec::new("blmpop", -5, blmpop)
        .flags(WRITE | BLOCKING)
        .acl(acl::LIST)
        .keys(&[KeySpec::index(2).keynum(0, 1, 1).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .keys_fn(getkeys::count_at_2)
        .doc(
            "list",
            "Pop elements from a list, or block until one is available",
            "7.0.0",
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        )
        .args(&[
            arg::double("timeout"),
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::oneof("where", &[arg::token("left", "LEFT"), arg::token("right", "RIGHT")]),
            arg::integer("count").token("COUNT").optional(),
        ]),
];

/// The list at `key`: `Ok(None)` if missing, WRONGTYPE for other types.
pub fn lookup_list<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut List>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Whether `key` holds a value of another type than list.
fn holds_other_type(db: &mut Db, key: &[u8], now: u64) -> bool {
    db.get(key, now).is_some_and(|e| !matches!(e.value(), Value::List(_)))
}

/// Which end of a list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum End {
    Left,
    Right,
}

/// The names of the ends, in [`End::from_index`] order.
const ENDS: &[&str] = &["LEFT", "RIGHT"];

impl End {
    fn from_index(i: usize) -> End {
        if i == 0 {
            End::Left
        } else {
            End::Right
        }
    }
}

/// Takes `LEFT` or `RIGHT`.
fn next_end(args: &mut Args<'_>) -> Result<End, CmdError> {
    args.next_keyword(ENDS).map(End::from_index)
}

fn push(l: &mut List, end: End, v: &[u8]) {
    match end {
        End::Left => l.push_front(v),
        End::Right => l.push_back(v),
    }
}

/// Pops one element from `end` and writes it as a bulk reply.
fn pop_into(l: &mut List, end: End, out: &mut Out) -> bool {
    let write = |e: &[u8]| out.bulk(e);
    match end {
        End::Left => l.pop_front_with(write),
        End::Right => l.pop_back_with(write),
    }
    .is_some()
}

fn pop_owned(l: &mut List, end: End) -> Option<Vec<u8>> {
    match end {
        End::Left => l.pop_front(),
        End::Right => l.pop_back(),
    }
}

/// Parks the client on `keys` if it may block; otherwise replies with the
/// null array (inside MULTI, blocking commands do not block).
fn block_or_null(ctx: &mut Ctx<'_>, keys: Vec<Vec<u8>>, deadline: Option<u64>, null_bulk: bool) -> CmdResult {
    if ctx.may_block() {
        return Ok(Outcome::block(BlockRequest { keys, deadline, on_timeout: TimeoutReply::NullArray }));
    }
    if null_bulk {
        ctx.client.out.null();
    } else {
        ctx.client.out.null_array();
    }
    Ok(Replied)
}

/// Whether this run is the re-run of a blocked client's command.
fn is_rerun(ctx: &Ctx<'_>) -> bool {
    ctx.client.blocked.is_some()
}

// ---- pushes -----------------------------------------------------------------

fn push_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, end: End, only_existing: bool) -> CmdResult {
    let key = args.next_bytes()?;
    let values = args.rest();
    let now = ctx.now_ms;
    let fill = ctx.srv.config.list_max_listpack_size;
    let db = ctx.srv.store.db(ctx.client.db);
    let len = match lookup_list(db, key, now)? {
        Some(l) => {
            for v in values {
                push(l, end, v);
            }
            l.len()
        }
        None if only_existing => {
            ctx.client.out.int(0);
            return Ok(Replied);
        }
        None => {
            let mut l = List::new(fill);
            for v in values {
                push(&mut l, end, v);
            }
            let len = l.len();
            db.insert(key, Value::List(l), None, now);
            len
        }
    };
    ctx.dirty(values.remaining() as u64);
    ctx.notify(ev::LIST, push_event(end), key);
    ctx.client.out.int(len as i64);
    Ok(Replied)
}

fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

fn pop_event(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

/// The pop event, then `del` if the list is gone.
fn notify_pop(ctx: &mut Ctx<'_>, end: End, key: &[u8], emptied: bool) {
    ctx.notify(ev::LIST, pop_event(end), key);
    if emptied {
        ctx.notify(ev::GENERIC, "del", key);
    }
}

fn lpush(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Left, false)
}

fn rpush(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Right, false)
}

fn lpushx(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Left, true)
}

fn rpushx(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    push_generic(ctx, args, End::Right, true)
}

// ---- pops -------------------------------------------------------------------

fn pop_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, end: End, name: &'static str) -> CmdResult {
    let key = args.next_bytes()?;
    // LPOP / RPOP take at most a count: more is an arity error.
    if args.remaining() > 1 {
        return Err(CmdError::Arity(name.into()));
    }
    let count = args.next().map(positive_count).transpose()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(l) = lookup_list(db, key, now)? else {
        match count {
            Some(_) => ctx.client.out.null_array(),
            None => ctx.client.out.null(),
        }
        return Ok(Replied);
    };
    let out = &mut ctx.client.out;
    let popped = match count {
        None => {
            pop_into(l, end, out);
            1
        }
        Some(n) => {
            let n = n.min(l.len());
            out.array(n);
            for _ in 0..n {
                pop_into(l, end, out);
            }
            n
        }
    };
    let emptied = l.is_empty();
    if emptied {
        db.remove(key, now);
    }
    if popped > 0 {
        ctx.dirty(popped as u64);
        notify_pop(ctx, end, key, emptied);
    }
    Ok(Replied)
}

fn lpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    pop_generic(ctx, args, End::Left, "lpop")
}

fn rpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    pop_generic(ctx, args, End::Right, "rpop")
}

// ---- reads ------------------------------------------------------------------

fn llen(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let len = lookup_list(ctx.srv.store.db(ctx.client.db), key, now)?.map(|l| l.len());
    match len {
        Some(_) => ctx.srv.stats.keyspace_hits += 1,
        None => ctx.srv.stats.keyspace_misses += 1,
    }
    ctx.client.out.int(len.unwrap_or(0) as i64);
    Ok(Replied)
}

/// Clamps Redis's inclusive `start..=stop` (negative from the end) to
/// `len`: `(first, count)`, count 0 when empty.
fn clamp_range(len: usize, start: i64, stop: i64) -> (usize, usize) {
    let len_i = len as i64;
    let mut start = if start < 0 { len_i.saturating_add(start) } else { start };
    let mut stop = if stop < 0 { len_i.saturating_add(stop) } else { stop };
    if start < 0 {
        start = 0;
    }
    if start > stop || start >= len_i {
        return (0, 0);
    }
    if stop >= len_i {
        stop = len_i - 1;
    }
    (start as usize, (stop - start + 1) as usize)
}

fn lrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let start = args.next_i64()?;
    let stop = args.next_i64()?;
    args.finish()?;
    let now = ctx.now_ms;
    let found = lookup_list(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    let Some(l) = found else {
        ctx.srv.stats.keyspace_misses += 1;
        out.array(0);
        return Ok(Replied);
    };
    let (first, count) = clamp_range(l.len(), start, stop);
    // One reservation for the whole reply: payload plus at most 16 bytes of
    // framing (`$<len>\r\n` and `\r\n`) per element.
    out.buf.reserve(l.range_bytes_hint(first, count) + count * 16 + 16);
    out.array(count);
    for e in l.range(first, count) {
        out.bulk(e);
    }
    ctx.srv.stats.keyspace_hits += 1;
    Ok(Replied)
}

fn lindex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let now = ctx.now_ms;
    let found = lookup_list(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    let Some(l) = found else {
        ctx.srv.stats.keyspace_misses += 1;
        out.null();
        return Ok(Replied);
    };
    // Like Redis, the index is parsed only once the key is known to hold a list.
    let index = args.next_i64()?;
    args.finish()?;
    match l.index(index).and_then(|i| l.get(i)) {
        Some(e) => out.bulk(e),
        None => out.null(),
    }
    ctx.srv.stats.keyspace_hits += 1;
    Ok(Replied)
}

/// LPOS options.
struct LposOptions {
    rank: i64,
    /// COUNT (0 = all), `None` without the option.
    count: Option<i64>,
    /// MAXLEN (0 = unlimited).
    maxlen: i64,
}

/// Parses LPOS's options, every one with a value; a later one wins.
fn lpos_options(args: &mut Args<'_>) -> Result<LposOptions, CmdError> {
    let mut o = LposOptions { rank: 1, count: None, maxlen: 0 };
    while let Some(opt) = args.next() {
        let v = args.next_bytes()?;
        if is(opt, "RANK") {
            o.rank = int_arg(v)?;
            if o.rank == 0 {
                return Err(CmdError::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(opt, "COUNT") {
            let n = int_arg(v).map_err(|_| CmdError::err("COUNT can't be negative"))?;
            if n < 0 {
                return Err(CmdError::err("COUNT can't be negative"));
            }
            o.count = Some(n);
        } else if is(opt, "MAXLEN") {
            let n = int_arg(v).map_err(|_| CmdError::err("MAXLEN can't be negative"))?;
            if n < 0 {
                return Err(CmdError::err("MAXLEN can't be negative"));
            }
            o.maxlen = n;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

fn lpos(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let needle = args.next_bytes()?;
    let o = lpos_options(args)?;
    let now = ctx.now_ms;
    let found = lookup_list(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    let Some(l) = found else {
        ctx.srv.stats.keyspace_misses += 1;
        match o.count {
            Some(_) => out.array(0),
            None => out.null(),
        }
        return Ok(Replied);
    };
    let len = l.len();
    // A negative rank searches from the tail. Like Redis, i64::MIN stays
    // negative when negated, so every match then qualifies.
    let from_tail = o.rank < 0;
    let rank = if from_tail { o.rank.wrapping_neg() } else { o.rank };
    let maxlen = if o.maxlen == 0 { usize::MAX } else { o.maxlen as usize };
    let mut found_at: Vec<usize> = Vec::new();
    let mut matches: i64 = 0;
    let want_all = o.count == Some(0);
    let mut visit = |pos: usize, e: &[u8]| -> bool {
        if e != needle {
            return true;
        }
        matches += 1;
        if matches < rank {
            return true;
        }
        let index = if from_tail { len - 1 - pos } else { pos };
        found_at.push(index);
        match o.count {
            None => false,
            Some(_) if want_all => true,
            Some(c) => matches.wrapping_sub(rank).wrapping_add(1) < c,
        }
    };
    if from_tail {
        for (pos, e) in l.iter().rev().take(maxlen).enumerate() {
            if !visit(pos, e) {
                break;
            }
        }
    } else {
        for (pos, e) in l.iter().take(maxlen).enumerate() {
            if !visit(pos, e) {
                break;
            }
        }
    }
    match o.count {
        Some(_) => {
            out.array(found_at.len());
            for i in found_at {
                out.int(i as i64);
            }
        }
        None => match found_at.first() {
            Some(&i) => out.int(i as i64),
            None => out.null(),
        },
    }
    ctx.srv.stats.keyspace_hits += 1;
    Ok(Replied)
}

// ---- in-place changes -------------------------------------------------------

fn lset(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    // Like Redis, the key is checked before the index is parsed.
    let Some(l) = lookup_list(db, key, now)? else { return Err(CmdError::NoSuchKey) };
    let index = args.next_i64()?;
    let value = args.next_bytes()?;
    args.finish()?;
    match l.index(index) {
        Some(i) => {
            l.set(i, value);
        }
        None => return Err(CmdError::err("index out of range")),
    }
    ctx.dirty(1);
    ctx.notify(ev::LIST, "lset", key);
    ctx.client.out.ok();
    Ok(Replied)
}

fn linsert(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let after = args.next_keyword(&["BEFORE", "AFTER"])? == 1;
    let pivot = args.next_bytes()?;
    let value = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(l) = lookup_list(db, key, now)? else {
        ctx.client.out.int(0);
        return Ok(Replied);
    };
    let Some(pos) = l.iter().position(|e| e == pivot) else {
        ctx.client.out.int(-1);
        return Ok(Replied);
    };
    l.insert(pos + usize::from(after), value);
    let len = l.len();
    ctx.dirty(1);
    ctx.notify(ev::LIST, "linsert", key);
    ctx.client.out.int(len as i64);
    Ok(Replied)
}

fn lrem(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let count = args.next_i64()?;
    let element = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(l) = lookup_list(db, key, now)? else {
        ctx.client.out.int(0);
        return Ok(Replied);
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = l.remove_matching(element, limit, count < 0);
    let emptied = l.is_empty();
    if emptied {
        db.remove(key, now);
    }
    if removed > 0 {
        ctx.dirty(removed as u64);
        ctx.notify(ev::LIST, "lrem", key);
        if emptied {
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    ctx.client.out.int(removed as i64);
    Ok(Replied)
}

fn ltrim(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let start = args.next_i64()?;
    let stop = args.next_i64()?;
    args.finish()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    if let Some(l) = lookup_list(db, key, now)? {
        let len = l.len();
        let (first, count) = clamp_range(len, start, stop);
        let (front, back) = if count == 0 { (len, 0) } else { (first, len - first - count) };
        l.remove_front(front);
        l.remove_back(back);
        let emptied = l.is_empty();
        if emptied {
            if let Some(v) = db.remove(key, now) {
                ctx.srv.drop_value(v);
            }
        }
        if front + back > 0 {
            ctx.dirty((front + back) as u64);
        }
        // Redis reports the trim even when it removed nothing.
        ctx.notify(ev::LIST, "ltrim", key);
        if emptied {
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    ctx.client.out.ok();
    Ok(Replied)
}

// ---- moves ------------------------------------------------------------------

/// LMOVE's core. `Ok(false)` when the source is missing (nothing replied).
fn move_element(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End) -> Result<bool, CmdError> {
    let now = ctx.now_ms;
    let fill = ctx.srv.config.list_max_listpack_size;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(l) = lookup_list(db, src, now)? else { return Ok(false) };
    let mut emptied = false;
    if src == dst {
        let v = pop_owned(l, from).expect("lists are never empty");
        push(l, to, &v);
        ctx.client.out.bulk(&v);
    } else {
        if holds_other_type(db, dst, now) {
            return Err(CmdError::WrongType);
        }
        let l = lookup_list(db, src, now)?.expect("checked above");
        let v = pop_owned(l, from).expect("lists are never empty");
        emptied = l.is_empty();
        if emptied {
            db.remove(src, now);
        }
        match lookup_list(db, dst, now)? {
            Some(d) => push(d, to, &v),
            None => {
                let mut d = List::new(fill);
                push(&mut d, to, &v);
                db.insert(dst, Value::List(d), None, now);
            }
        }
        ctx.client.out.bulk(&v);
    }
    ctx.dirty(1);
    // Redis's order: the push on the destination, then the pop.
    ctx.notify(ev::LIST, push_event(to), dst);
    notify_pop(ctx, from, src, emptied);
    Ok(true)
}

fn lmove(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let from = next_end(args)?;
    let to = next_end(args)?;
    args.finish()?;
    if !move_element(ctx, src, dst, from, to)? {
        ctx.client.out.null();
    }
    Ok(Replied)
}

fn rpoplpush(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    args.finish()?;
    if !move_element(ctx, src, dst, End::Right, End::Left)? {
        ctx.client.out.null();
    }
    Ok(Replied)
}

fn blmove_generic(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End, timeout: &[u8]) -> CmdResult {
    let deadline = timeout_arg(timeout, ctx.now_ms)?;
    let now = ctx.now_ms;
    if is_rerun(ctx) && holds_other_type(ctx.srv.store.db(ctx.client.db), src, now) {
        return Ok(Replied); // keep waiting, as Redis 7.0 does
    }
    if !move_element(ctx, src, dst, from, to)? {
        return block_or_null(ctx, vec![src.to_vec()], deadline, true);
    }
    Ok(Replied)
}

fn blmove(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let from = next_end(args)?;
    let to = next_end(args)?;
    let timeout = args.next_bytes()?;
    args.finish()?;
    blmove_generic(ctx, src, dst, from, to, timeout)
}

fn brpoplpush(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (src, dst) = (args.next_bytes()?, args.next_bytes()?);
    let timeout = args.next_bytes()?;
    args.finish()?;
    blmove_generic(ctx, src, dst, End::Right, End::Left, timeout)
}

// ---- multi-key pops ---------------------------------------------------------

/// Pops from the first non-empty list among `keys`. `count` `None` is the
/// BLPOP reply shape (`[key, element]`), `Some(n)` the LMPOP one
/// (`[key, [elements...]]`). Returns false if every list was empty. On a
/// re-run, keys holding another type are skipped.
fn pop_first_nonempty<'k>(
    ctx: &mut Ctx<'_>,
    keys: impl Iterator<Item = &'k [u8]>,
    end: End,
    count: Option<usize>,
) -> Result<bool, CmdError> {
    let now = ctx.now_ms;
    let rerun = is_rerun(ctx);
    let dbi = ctx.client.db;
    for key in keys {
        let db = ctx.srv.store.db(dbi);
        let l = match lookup_list(db, key, now) {
            Ok(Some(l)) => l,
            Ok(None) => continue,
            Err(_) if rerun => continue,
            Err(e) => return Err(e),
        };
        let out = &mut ctx.client.out;
        out.array(2);
        out.bulk(key);
        let popped = match count {
            None => {
                pop_into(l, end, out);
                1
            }
            Some(n) => {
                let n = n.min(l.len());
                out.array(n);
                for _ in 0..n {
                    pop_into(l, end, out);
                }
                n
            }
        };
        let emptied = l.is_empty();
        if emptied {
            db.remove(key, now);
        }
        ctx.dirty(popped as u64);
        notify_pop(ctx, end, key, emptied);
        // LMPOP's keys are not at fixed positions: report the change here
        // (for WATCH; BLPOP's keys are also covered by the spec).
        ctx.srv.events.touched(dbi, key);
        return Ok(true);
    }
    Ok(false)
}

/// BLPOP / BRPOP `key [key ...] timeout`.
fn bpop_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, end: End) -> CmdResult {
    let keys = args.next_n(args.remaining().saturating_sub(1));
    let deadline = timeout_arg(args.next_bytes()?, ctx.now_ms)?;
    args.finish()?;
    if !pop_first_nonempty(ctx, keys.clone(), end, None)? {
        return block_or_null(ctx, keys.map(<[u8]>::to_vec).collect(), deadline, false);
    }
    Ok(Replied)
}

fn blpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    bpop_generic(ctx, args, End::Left)
}

fn brpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    bpop_generic(ctx, args, End::Right)
}

fn lmpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (keys, end, count) = mpop_args(args, ENDS)?;
    if !pop_first_nonempty(ctx, keys, End::from_index(end), Some(count))? {
        ctx.client.out.null_array();
    }
    Ok(Replied)
}

fn blmpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    // The timeout comes first but is checked after the other arguments.
    let timeout = args.next_bytes()?;
    let (keys, end, count) = mpop_args(args, ENDS)?;
    let deadline = timeout_arg(timeout, ctx.now_ms)?;
    if !pop_first_nonempty(ctx, keys.clone(), End::from_index(end), Some(count))? {
        return block_or_null(ctx, keys.map(<[u8]>::to_vec).collect(), deadline, false);
    }
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::with_args;

    #[test]
    fn lpos_options_parse_like_redis() {
        let rank_zero = Err(CmdError::err(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        ));
        let count = Err(CmdError::err("COUNT can't be negative"));
        let maxlen = Err(CmdError::err("MAXLEN can't be negative"));
        // line -> (rank, count, maxlen)
        for (line, want) in [
            ("lpos k e", Ok((1, None, 0))),
            ("lpos k e RANK -2 COUNT 0 MAXLEN 10", Ok((-2, Some(0), 10))),
            ("lpos k e rank 3 rank 4", Ok((4, None, 0))),
            ("lpos k e rank 0", rank_zero),
            ("lpos k e rank x", Err(CmdError::NotInteger)),
            ("lpos k e count -1", count.clone()),
            ("lpos k e count x", count),
            ("lpos k e maxlen -1", maxlen.clone()),
            ("lpos k e maxlen x", maxlen),
            ("lpos k e rank", Err(CmdError::Syntax)),
            ("lpos k e foo 1", Err(CmdError::Syntax)),
        ] {
            let got = with_args(line, 1, |a| {
                a.seek(3);
                lpos_options(a).map(|o| (o.rank, o.count, o.maxlen))
            });
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn ends_are_keywords() {
        for (line, want) in [
            ("lmove a b LEFT", Ok(End::Left)),
            ("lmove a b right", Ok(End::Right)),
            ("lmove a b up", Err(CmdError::Syntax)),
            ("lmove a b", Err(CmdError::Syntax)),
        ] {
            let got = with_args(line, 1, |a| {
                a.seek(3);
                next_end(a)
            });
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn ranges_clamp_like_redis() {
        // (len, start, stop) -> (first, count)
        for (len, start, stop, want) in [
            (5, 0, -1, (0, 5)),
            (5, 1, 2, (1, 2)),
            (5, -2, -1, (3, 2)),
            (5, -100, 100, (0, 5)),
            (5, 3, 1, (0, 0)),
            (5, 5, 10, (0, 0)),
            (5, -1, -2, (0, 0)),
            (0, 0, -1, (0, 0)),
            (5, i64::MIN, i64::MAX, (0, 5)),
            (5, 0, i64::MIN, (0, 0)),
        ] {
            assert_eq!(clamp_range(len, start, stop), want, "{len} {start} {stop}");
        }
    }

    #[test]
    fn timeouts_parse_like_redis_7_0() {
        let now = 1_000;
        assert_eq!(timeout_arg(b"0", now), Ok(None));
        assert_eq!(timeout_arg(b"-0", now), Ok(None));
        assert_eq!(timeout_arg(b"-0.0001", now), Ok(None));
        assert_eq!(timeout_arg(b"0.0001", now), Ok(Some(1_001)));
        assert_eq!(timeout_arg(b"1.5", now), Ok(Some(2_500)));
        assert_eq!(timeout_arg(b"2", now), Ok(Some(3_000)));
        let negative = Err(CmdError::err("timeout is negative"));
        assert_eq!(timeout_arg(b"-1", now), negative);
        assert_eq!(timeout_arg(b"inf", now), negative);
        assert_eq!(timeout_arg(b"1e16", now), negative);
        let bad = Err(CmdError::err("timeout is not a float or out of range"));
        assert_eq!(timeout_arg(b"abc", now), bad);
        assert_eq!(timeout_arg(b"nan", now), bad);
        assert_eq!(timeout_arg(b" 1", now), bad);
        assert!(matches!(timeout_arg(b"9223372036854770", now), Ok(Some(_))));
    }
}
