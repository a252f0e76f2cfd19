//! Stream commands (Redis 7.0): XADD, XLEN, XRANGE / XREVRANGE, XDEL,
//! XTRIM, XREAD (with BLOCK), consumer groups (XGROUP, XREADGROUP, XACK,
//! XPENDING, XCLAIM, XAUTOCLAIM), XINFO and XSETID.
//!
//! A blocked XREAD / XREADGROUP waits through the same mechanism as BLPOP:
//! the server re-runs the command whenever a write touches one of its keys.
//! The ids XREAD resolved when it blocked (`$` is the last id *then*) are
//! kept on the client (`Client::xread_ids`), so a re-run serves exactly
//! the entries added since. A re-run of XREADGROUP whose stream was deleted
//! or whose group was destroyed fails the way Redis 7.0 unblocks it
//! (`UNBLOCKED ...` / `NOGROUP ...`).

use ember_resp::{Command, Protocol};
use ember_store::types::stream::{EntryRef, Group, Stream, StreamId, Trim, ENTRIES_READ_INVALID};
use ember_store::{Db, Value};

use crate::blocking::{BlockRequest, TimeoutReply};
use crate::client::Out;
use crate::command::{acl, flags::*, is, parse_i64, CommandSpec, Ctx};
use crate::commands::connection::{container, help};
use crate::config::notify as ev;
use crate::error::{CmdError, CmdResult};

const S: u32 = acl::STREAM;
const K1: (i32, i32, i32) = (1, 1, 1);
const K2: (i32, i32, i32) = (2, 2, 1);
const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// Stream-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xadd", -5, WRITE | DENYOOM | FAST, S, K1, "stream", "5.0.0", "Appends a new message to a stream. Creates the key if it doesn't exist.", xadd)
        .syntax("key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]")
        .complexity("O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted."),
    CommandSpec::new("xlen", 2, READONLY | FAST, S, K1, "stream", "5.0.0", "Return the number of messages in a stream.", xlen)
        .syntax("key")
        .complexity("O(1)"),
    CommandSpec::new("xrange", -4, READONLY, S, K1, "stream", "5.0.0", "Returns the messages from a stream within a range of IDs.", xrange)
        .syntax("key start end [COUNT count]")
        .complexity("O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."),
    CommandSpec::new("xrevrange", -4, READONLY, S, K1, "stream", "5.0.0", "Returns the messages from a stream within a range of IDs in reverse order.", xrevrange)
        .syntax("key end start [COUNT count]")
        .complexity("O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."),
    CommandSpec::new("xdel", -3, WRITE | FAST, S, K1, "stream", "5.0.0", "Returns the number of messages after removing them from a stream.", xdel)
        .syntax("key id [id ...]")
        .complexity("O(1) for each single item to delete in the stream, regardless of the stream size."),
    CommandSpec::new("xtrim", -4, WRITE, S, K1, "stream", "5.0.0", "Deletes messages from the beginning of a stream.", xtrim)
        .syntax("key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]")
        .complexity("O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation."),
    CommandSpec::new("xread", -4, READONLY | BLOCKING | MOVABLE_KEYS, S, NOKEYS, "stream", "5.0.0", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", xread)
        .keys_fn(read_keys)
        .syntax("[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]")
        .complexity("For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data."),
    CommandSpec::new("xreadgroup", -7, WRITE | BLOCKING | MOVABLE_KEYS, S, NOKEYS, "stream", "5.0.0", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", xreadgroup)
        .keys_fn(read_keys)
        .syntax("GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]")
        .complexity("For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data."),
    CommandSpec::new("xack", -4, WRITE | FAST, S, K1, "stream", "5.0.0", "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", xack)
        .syntax("key group id [id ...]")
        .complexity("O(1) for each message ID processed."),
    CommandSpec::new("xpending", -3, READONLY, S, K1, "stream", "5.0.0", "Returns the information and entries from a stream consumer group's pending entries list.", xpending)
        .syntax("key group [[IDLE min-idle-time] start end count [consumer]]")
        .complexity("O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer."),
    CommandSpec::new("xclaim", -6, WRITE | FAST, S, K1, "stream", "5.0.0", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", xclaim)
        .syntax("key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]")
        .complexity("O(log N) with N being the number of messages in the PEL of the consumer group."),
    CommandSpec::new("xautoclaim", -6, WRITE | FAST, S, K1, "stream", "6.2.0", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", xautoclaim)
        .syntax("key group consumer min-idle-time start [COUNT count] [JUSTID]")
        .complexity("O(1) if COUNT is small."),
    CommandSpec::new("xsetid", -3, WRITE | DENYOOM | FAST, S, K1, "stream", "5.0.0", "An internal command for replicating stream values.", xsetid)
        .syntax("key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]")
        .complexity("O(1)"),
    CommandSpec::new("xgroup", -2, 0, 0, NOKEYS, "stream", "5.0.0", "A container for consumer groups commands.", container)
        .complexity("Depends on subcommand.")
        .subcommands(XGROUP_SUBCOMMANDS),
    CommandSpec::new("xinfo", -2, 0, 0, NOKEYS, "stream", "5.0.0", "A container for stream introspection commands.", container)
        .complexity("Depends on subcommand.")
        .subcommands(XINFO_SUBCOMMANDS),
];

static XGROUP_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "create",
        -5,
        WRITE | DENYOOM,
        S,
        K2,
        "stream",
        "5.0.0",
        "Creates a consumer group.",
        xgroup_create,
    )
    .sub("xgroup|create")
    .syntax("key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]")
    .complexity("O(1)"),
    CommandSpec::new(
        "setid",
        -5,
        WRITE,
        S,
        K2,
        "stream",
        "5.0.0",
        "Sets the last-delivered ID of a consumer group.",
        xgroup_setid,
    )
    .sub("xgroup|setid")
    .syntax("key group <id | $> [ENTRIESREAD entries-read]")
    .complexity("O(1)"),
    CommandSpec::new("destroy", 4, WRITE, S, K2, "stream", "5.0.0", "Destroys a consumer group.", xgroup_destroy)
        .sub("xgroup|destroy")
        .syntax("key group")
        .complexity("O(N) where N is the number of entries in the group's pending entries list (PEL)."),
    CommandSpec::new(
        "createconsumer",
        5,
        WRITE | DENYOOM,
        S,
        K2,
        "stream",
        "6.2.0",
        "Creates a consumer in a consumer group.",
        xgroup_createconsumer,
    )
    .sub("xgroup|createconsumer")
    .syntax("key group consumer")
    .complexity("O(1)"),
    CommandSpec::new(
        "delconsumer",
        5,
        WRITE,
        S,
        K2,
        "stream",
        "5.0.0",
        "Deletes a consumer from a consumer group.",
        xgroup_delconsumer,
    )
    .sub("xgroup|delconsumer")
    .syntax("key group consumer")
    .complexity("O(1)"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        S,
        NOKEYS,
        "stream",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        xgroup_help,
    )
    .sub("xgroup|help")
    .complexity("O(1)"),
];

static XINFO_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "consumers",
        4,
        READONLY,
        S,
        K2,
        "stream",
        "5.0.0",
        "Returns a list of the consumers in a consumer group.",
        xinfo_consumers,
    )
    .sub("xinfo|consumers")
    .syntax("key group")
    .complexity("O(1)"),
    CommandSpec::new(
        "groups",
        3,
        READONLY,
        S,
        K2,
        "stream",
        "5.0.0",
        "Returns a list of the consumer groups of a stream.",
        xinfo_groups,
    )
    .sub("xinfo|groups")
    .syntax("key")
    .complexity("O(1)"),
    CommandSpec::new(
        "stream",
        -3,
        READONLY,
        S,
        K2,
        "stream",
        "5.0.0",
        "Returns information about a stream.",
        xinfo_stream,
    )
    .sub("xinfo|stream")
    .syntax("key [FULL [COUNT count]]")
    .complexity("O(1)"),
    CommandSpec::new(
        "help",
        2,
        LOADING | STALE,
        S,
        NOKEYS,
        "stream",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        xinfo_help,
    )
    .sub("xinfo|help")
    .complexity("O(1)"),
];

/// XREAD / XREADGROUP keys: the first half of the arguments after
/// `STREAMS`, found by skipping the options (nothing when there is no
/// `STREAMS`).
fn read_keys<'a>(argc: usize, arg: &dyn Fn(usize) -> Option<&'a [u8]>) -> Vec<usize> {
    let mut i = 1;
    while i < argc {
        let a = arg(i).unwrap_or_default();
        if is(a, "block") || is(a, "count") {
            i += 2;
        } else if is(a, "group") {
            i += 3;
        } else if is(a, "noack") {
            i += 1;
        } else if is(a, "streams") {
            // Redis's key spec: half of what follows (rounded down).
            let rest = argc - i - 1;
            return (i + 1..i + 1 + rest / 2).collect();
        } else {
            break;
        }
    }
    Vec::new()
}

// ---- ids and replies ----------------------------------------------------------

fn invalid_id() -> CmdError {
    CmdError::err("Invalid stream ID specified as stream command argument")
}

/// A parsed id argument: the id and whether the sequence was given (false
/// for `<ms>-*`).
struct ParsedId {
    id: StreamId,
    seq_given: bool,
}

/// Parses `<ms>[-<seq>]`, `-`, `+` (unless `strict`) and, when `allow_star`,
/// `<ms>-*`. A missing sequence is `missing_seq`.
fn parse_id_full(arg: &[u8], missing_seq: u64, strict: bool, allow_star: bool) -> Result<ParsedId, CmdError> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    // Redis works on a C string: a NUL ends it.
    let arg = ember_num::c_string(arg);
    if arg == b"-" || arg == b"+" {
        if strict {
            return Err(invalid_id());
        }
        let id = if arg == b"-" { StreamId::MIN } else { StreamId::MAX };
        return Ok(ParsedId { id, seq_given: true });
    }
    let (ms_part, seq_part) = match arg.iter().position(|&b| b == b'-') {
        Some(d) => (&arg[..d], Some(&arg[d + 1..])),
        None => (arg, None),
    };
    let ms = ember_num::string2ull(ms_part).ok_or_else(invalid_id)?;
    match seq_part {
        Some(b"*") if allow_star => Ok(ParsedId { id: StreamId::new(ms, 0), seq_given: false }),
        Some(s) => {
            Ok(ParsedId { id: StreamId::new(ms, ember_num::string2ull(s).ok_or_else(invalid_id)?), seq_given: true })
        }
        None => Ok(ParsedId { id: StreamId::new(ms, missing_seq), seq_given: true }),
    }
}

/// A strict id (no `-` / `+`), missing sequence 0.
fn strict_id(arg: &[u8]) -> Result<StreamId, CmdError> {
    Ok(parse_id_full(arg, 0, true, false)?.id)
}

/// A range bound: `-`, `+`, an id, or `(id` (exclusive, strict).
fn interval_id(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool), CmdError> {
    if arg.len() > 1 && arg[0] == b'(' {
        Ok((parse_id_full(&arg[1..], missing_seq, true, false)?.id, true))
    } else {
        Ok((parse_id_full(arg, missing_seq, false, false)?.id, false))
    }
}

fn range_start(arg: &[u8]) -> Result<StreamId, CmdError> {
    let (id, ex) = interval_id(arg, 0)?;
    if ex {
        id.next().ok_or_else(|| CmdError::err("invalid start ID for the interval"))
    } else {
        Ok(id)
    }
}

fn range_end(arg: &[u8]) -> Result<StreamId, CmdError> {
    let (id, ex) = interval_id(arg, u64::MAX)?;
    if ex {
        id.prev().ok_or_else(|| CmdError::err("invalid end ID for the interval"))
    } else {
        Ok(id)
    }
}

/// Writes `id` as a bulk string.
pub fn bulk_id(out: &mut Out, id: StreamId) {
    let mut buf = [0u8; 41];
    let start = ember_num::write_u64_backwards(id.seq, &mut buf, 41);
    buf[start - 1] = b'-';
    let start = ember_num::write_u64_backwards(id.ms, &mut buf, start - 1);
    out.bulk(&buf[start..]);
}

/// `[id, [field, value, ...]]`.
fn reply_entry(out: &mut Out, e: &EntryRef<'_>) {
    out.array(2);
    bulk_id(out, e.id);
    out.array(e.len() * 2);
    for (f, v) in e.pairs() {
        out.bulk(f);
        out.bulk(v);
    }
}

/// Entries of `s` in `start..=end` (descending if `rev`), at most `count`
/// (0 = all), as an array.
fn reply_range(out: &mut Out, s: &Stream, start: StreamId, end: StreamId, count: usize, rev: bool) -> usize {
    let mut entries: Vec<EntryRef<'_>> = Vec::new();
    s.range(start, end, rev, |e| {
        entries.push(e);
        count == 0 || entries.len() < count
    });
    out.array(entries.len());
    for e in &entries {
        reply_entry(out, e);
    }
    entries.len()
}

fn nogroup_key(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::Other(
        format!(
            "NOGROUP No such key '{}' or consumer group '{}'",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(group)
        )
        .into(),
    )
}

// ---- lookups ------------------------------------------------------------------

/// The stream at `key`: `Ok(None)` if missing, WRONGTYPE for other types.
pub fn lookup_stream<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut Stream>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::Stream(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

fn count_arg(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

// ---- XADD / XTRIM ---------------------------------------------------------------

struct TrimArgs {
    how: Option<Trim>,
    approx: bool,
    limit: u64,
    nomkstream: bool,
    /// XADD: the id argument's position.
    id_at: usize,
}

/// Parses XADD's options (from argument 2, stopping at the id) or XTRIM's.
fn parse_trim_args(cmd: &Command<'_>, xadd: bool, node_entries: i64) -> Result<TrimArgs, CmdError> {
    let mut a = TrimArgs { how: None, approx: false, limit: 0, nomkstream: false, id_at: cmd.len() };
    let mut limit_given = false;
    let mut i = 2;
    while i < cmd.len() {
        let more = cmd.len() - 1 - i;
        let opt = cmd.arg(i);
        if xadd && opt == b"*" {
            a.id_at = i;
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if a.how.is_some() {
                return Err(CmdError::err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            a.approx = false;
            let next = cmd.arg(i + 1);
            if more >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            if is(opt, "maxlen") {
                let n = count_arg(cmd.arg(i + 1))?;
                if n < 0 {
                    return Err(CmdError::err("The MAXLEN argument must be >= 0."));
                }
                a.how = Some(Trim::MaxLen(n as u64));
            } else {
                a.how = Some(Trim::MinId(strict_id(cmd.arg(i + 1))?));
            }
            i += 2;
        } else if is(opt, "limit") && more > 0 {
            let n = count_arg(cmd.arg(i + 1))?;
            if n < 0 {
                return Err(CmdError::err("The LIMIT argument must be >= 0."));
            }
            a.limit = n as u64;
            limit_given = true;
            i += 2;
        } else if xadd && is(opt, "nomkstream") {
            a.nomkstream = true;
            i += 1;
        } else if xadd {
            a.id_at = i;
            break;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if a.limit != 0 && a.how.is_none() {
        return Err(CmdError::err("syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    }
    if !xadd && a.how.is_none() {
        return Err(CmdError::err("syntax error, XTRIM must be called with a trimming strategy"));
    }
    if limit_given {
        if !a.approx {
            return Err(CmdError::err("syntax error, LIMIT cannot be used without the special ~ option"));
        }
    } else if a.approx {
        let l = 100i64.saturating_mul(node_entries);
        a.limit = if l <= 0 { 10_000 } else { l.min(1_000_000) as u64 };
    } else {
        a.limit = 0;
    }
    Ok(a)
}

fn xadd(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let args = parse_trim_args(cmd, true, ctx.srv.config.stream_node_max_entries)?;
    let field_pos = args.id_at + 1;
    if args.id_at >= cmd.len() || (cmd.len() - field_pos) < 2 || (cmd.len() - field_pos) % 2 == 1 {
        return Err(CmdError::Arity("xadd".into()));
    }
    let id_arg = cmd.arg(args.id_at);
    let given = if id_arg == b"*" { None } else { Some(parse_id_full(id_arg, 0, true, true)?) };
    if let Some(p) = &given {
        if p.seq_given && p.id.is_zero() {
            return Err(CmdError::err("The ID specified in XADD must be greater than 0-0"));
        }
    }
    let now = ctx.now_ms;
    let limits = ctx.srv.config.stream_limits();
    let key = cmd.arg(1);
    let db = ctx.srv.store.db(ctx.client.db);
    let s = match lookup_stream(db, key, now)? {
        Some(s) => s,
        None if args.nomkstream => {
            ctx.out().null();
            return Ok(());
        }
        None => {
            db.insert(key, Value::Stream(Box::default()), None, now);
            lookup_stream(db, key, now)?.expect("just created")
        }
    };
    if s.last_id == StreamId::MAX {
        return Err(CmdError::err("The stream has exhausted the last possible ID, unable to add more items"));
    }
    let too_small = || CmdError::err("The ID specified in XADD is equal or smaller than the target stream top item");
    let id = match given {
        None => {
            if now > s.last_id.ms {
                StreamId::new(now, 0)
            } else {
                s.last_id.next().ok_or_else(too_small)?
            }
        }
        Some(p) => {
            let id = if !p.seq_given && p.id.ms == s.last_id.ms {
                if s.last_id.seq == u64::MAX {
                    // Redis 7.0 reports this one oddly.
                    return Err(CmdError::err("Elements are too large to be stored"));
                }
                StreamId::new(p.id.ms, s.last_id.seq + 1)
            } else {
                p.id
            };
            if id <= s.last_id {
                return Err(too_small());
            }
            id
        }
    };
    let pairs: Vec<(&[u8], &[u8])> = (field_pos..cmd.len()).step_by(2).map(|i| (cmd.arg(i), cmd.arg(i + 1))).collect();
    s.append(id, &pairs, limits);
    let trimmed = args.how.map_or(0, |how| s.trim(how, args.approx, args.limit));
    bulk_id(ctx.out(), id);
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xadd", cmd.arg(1));
    if trimmed > 0 {
        ctx.notify(ev::STREAM, "xtrim", cmd.arg(1));
    }
    Ok(())
}

fn xtrim(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let args = parse_trim_args(cmd, false, ctx.srv.config.stream_node_max_entries)?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(s) = lookup_stream(db, cmd.arg(1), now)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let n = s.trim(args.how.expect("checked"), args.approx, args.limit);
    ctx.out().int(n as i64);
    ctx.dirty(n);
    if n > 0 {
        ctx.notify(ev::STREAM, "xtrim", cmd.arg(1));
    }
    Ok(())
}

// ---- XLEN / XRANGE / XDEL -------------------------------------------------------------

fn xlen(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let n = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.map_or(0, |s| s.len());
    ctx.out().int(n as i64);
    Ok(())
}

fn range_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, rev: bool) -> CmdResult {
    let (start_arg, end_arg) = if rev { (cmd.arg(3), cmd.arg(2)) } else { (cmd.arg(2), cmd.arg(3)) };
    let start = range_start(start_arg)?;
    let end = range_end(end_arg)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < cmd.len() {
        if is(cmd.arg(j), "count") && j + 1 < cmd.len() {
            count = count_arg(cmd.arg(j + 1))?.max(0);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let now = ctx.now_ms;
    let Some(s) = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)? else {
        ctx.client.out.array(0);
        return Ok(());
    };
    if count == 0 {
        ctx.client.out.null_array();
    } else {
        reply_range(&mut ctx.client.out, s, start, end, count.max(0) as usize, rev);
    }
    Ok(())
}

fn xrange(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    range_generic(ctx, cmd, false)
}

fn xrevrange(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    range_generic(ctx, cmd, true)
}

fn xdel(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(s) = lookup_stream(db, cmd.arg(1), now)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let ids = (2..cmd.len()).map(|i| strict_id(cmd.arg(i))).collect::<Result<Vec<_>, _>>()?;
    let n = s.delete(&ids);
    ctx.out().int(n as i64);
    ctx.dirty(n);
    if n > 0 {
        ctx.notify(ev::STREAM, "xdel", cmd.arg(1));
    }
    Ok(())
}

// ---- XREAD / XREADGROUP ------------------------------------------------------------

/// The id that stands for `>` (Redis uses the largest id the same way).
const NEW_ONLY: StreamId = StreamId::MAX;

/// Entries a blocked XREAD without COUNT gets when woken.
const BLOCKED_DEFAULT_COUNT: usize = 1000;

struct ReadArgs<'c> {
    count: usize,
    block: Option<Option<u64>>,
    noack: bool,
    group: Option<(&'c [u8], &'c [u8])>,
    streams_at: usize,
    n: usize,
}

fn parse_read_args<'c>(ctx: &Ctx<'_>, cmd: &'c Command<'_>, group: bool) -> Result<ReadArgs<'c>, CmdError> {
    let mut a = ReadArgs { count: 0, block: None, noack: false, group: None, streams_at: 0, n: 0 };
    let mut i = 1;
    while i < cmd.len() {
        let more = cmd.len() - i - 1;
        let o = cmd.arg(i);
        if is(o, "block") && more > 0 {
            i += 1;
            let t = parse_i64(cmd.arg(i)).ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
            if t < 0 {
                return Err(CmdError::err("timeout is negative"));
            }
            // A timeout past the end of time waits forever, as in Redis.
            a.block = Some((t > 0).then(|| ctx.now_ms.saturating_add(t as u64)));
        } else if is(o, "count") && more > 0 {
            i += 1;
            a.count = count_arg(cmd.arg(i))?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            a.streams_at = i + 1;
            let left = cmd.len() - a.streams_at;
            if left % 2 != 0 {
                // Redis 7.0 says XREAD and '$' for XREADGROUP too.
                return Err(CmdError::err(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            a.n = left / 2;
            break;
        } else if is(o, "group") && more >= 2 {
            if !group {
                return Err(CmdError::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            a.group = Some((cmd.arg(i + 1), cmd.arg(i + 2)));
            i += 2;
        } else if is(o, "noack") {
            if !group {
                return Err(CmdError::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            a.noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if a.streams_at == 0 {
        return Err(CmdError::Syntax);
    }
    if group && a.group.is_none() {
        return Err(CmdError::err("Missing GROUP option for XREADGROUP"));
    }
    Ok(a)
}

/// Reads with a group: entries after the group's last id (advancing it and
/// adding them to the PELs unless `noack`), or the consumer's own history
/// from `start`. Writes the entries array.
#[allow(clippy::too_many_arguments)]
fn read_group(
    out: &mut Out,
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    history: bool,
    count: usize,
    noack: bool,
    now: u64,
) -> bool {
    let created = {
        let g = s.group_mut(group).expect("group checked");
        let (c, created) = g.consumer_or_create(consumer, now);
        c.seen_time = now;
        created
    };
    if history {
        let g = s.group(group).expect("group checked");
        let ids: Vec<StreamId> = g.consumers[consumer]
            .pel
            .range(start..)
            .take(if count == 0 { usize::MAX } else { count })
            .copied()
            .collect();
        out.array(ids.len());
        let mut found = Vec::with_capacity(ids.len());
        for &id in &ids {
            match s.get(id) {
                Some(e) => {
                    reply_entry(out, &e);
                    found.push(id);
                }
                None => {
                    out.array(2);
                    bulk_id(out, id);
                    out.null_array();
                }
            }
        }
        let g = s.group_mut(group).expect("group checked");
        for id in found {
            if let Some(p) = g.pel.get_mut(&id) {
                p.delivery_time = now;
                p.delivery_count += 1;
            }
        }
        return created;
    }
    let mut ids = Vec::new();
    s.range(start, StreamId::MAX, false, |e| {
        ids.push(e.id);
        count == 0 || ids.len() < count
    });
    out.array(ids.len());
    for &id in &ids {
        s.advance_group(group, id);
        let e = s.get(id).expect("entry just listed");
        reply_entry(out, &e);
    }
    if !noack {
        let g = s.group_mut(group).expect("group checked");
        for &id in &ids {
            g.assign(id, consumer, now, 1);
        }
    }
    created
}

fn xread(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    read_generic(ctx, cmd, false)
}

fn xreadgroup(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    read_generic(ctx, cmd, true)
}

fn read_generic(ctx: &mut Ctx<'_>, cmd: &Command<'_>, is_group: bool) -> CmdResult {
    let a = parse_read_args(ctx, cmd, is_group)?;
    let rerun = ctx.client.blocked.is_some();
    if rerun {
        return serve_woken(ctx, cmd, &a);
    }
    let now = ctx.now_ms;
    let dbi = ctx.client.db;
    let keys_at = a.streams_at;
    let ids_at = a.streams_at + a.n;
    // Resolve ids (and check types and groups) first, as Redis does.
    let mut ids = Vec::with_capacity(a.n);
    for i in 0..a.n {
        let key = cmd.arg(keys_at + i);
        let arg = cmd.arg(ids_at + i);
        let db = ctx.srv.store.db(dbi);
        let s = lookup_stream(db, key, now)?;
        if let Some((g, _)) = a.group {
            if s.as_ref().and_then(|s| s.group(g)).is_none() {
                return Err(CmdError::Other(
                    format!(
                        "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                        String::from_utf8_lossy(key),
                        String::from_utf8_lossy(g)
                    )
                    .into(),
                ));
            }
        }
        if arg == b"$" {
            if is_group {
                return Err(CmdError::err("The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
            }
            ids.push(s.map_or(StreamId::MIN, |s| s.last_id));
        } else if arg == b">" {
            if !is_group {
                return Err(CmdError::err(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ));
            }
            ids.push(NEW_ONLY);
        } else {
            ids.push(strict_id(arg)?);
        }
    }
    // Serve what can be served now.
    let mut served: Vec<(usize, StreamId, bool)> = Vec::new();
    for (i, &gt) in ids.iter().enumerate() {
        let db = ctx.srv.store.db(dbi);
        let Some(s) = lookup_stream(db, cmd.arg(keys_at + i), now)? else { continue };
        if let Some((g, _)) = a.group {
            if gt != NEW_ONLY {
                served.push((i, gt, true));
            } else if !s.is_empty() {
                let last = s.group(g).expect("checked").last_id;
                if s.last_entry_id().is_some_and(|m| m > last) {
                    served.push((i, last, false));
                }
            }
        } else if s.last_entry_id().is_some_and(|m| m > gt) {
            served.push((i, gt, false));
        }
    }
    if !served.is_empty() {
        let resp3 = ctx.client.out.proto == Protocol::Resp3;
        if resp3 {
            ctx.client.out.map(served.len());
        } else {
            ctx.client.out.array(served.len());
        }
        for &(i, gt, history) in &served {
            let key = cmd.arg(keys_at + i);
            let out = &mut ctx.client.out;
            if !resp3 {
                out.array(2);
            }
            out.bulk(key);
            let s = lookup_stream(ctx.srv.store.db(dbi), key, now)?.expect("served");
            let Some(start) = gt.next() else {
                ctx.client.out.array(0);
                continue;
            };
            match a.group {
                Some((g, c)) => {
                    if read_group(&mut ctx.client.out, s, g, c, start, history, a.count, a.noack, now) {
                        ctx.notify(ev::STREAM, "xgroup-createconsumer", key);
                    }
                }
                None => {
                    reply_range(&mut ctx.client.out, s, start, StreamId::MAX, a.count, false);
                }
            }
            if a.group.is_some() {
                ctx.dirty(1);
                ctx.srv.events.touched(dbi, key);
            }
        }
        return Ok(());
    }
    match a.block {
        Some(deadline) if ctx.may_block() => {
            ctx.client.xread_ids = ids;
            let keys = (0..a.n).map(|i| cmd.arg(keys_at + i).to_vec()).collect();
            ctx.block = Some(BlockRequest { keys, deadline, on_timeout: TimeoutReply::NullArray });
        }
        _ => ctx.client.out.null_array(),
    }
    Ok(())
}

/// A blocked XREAD / XREADGROUP re-run after a write touched one of its
/// keys: serves the first stream with entries past the id it waits for,
/// as a one-key reply (Redis wakes a client for one key at a time).
fn serve_woken(ctx: &mut Ctx<'_>, cmd: &Command<'_>, a: &ReadArgs<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let dbi = ctx.client.db;
    for i in 0..a.n {
        let key = cmd.arg(a.streams_at + i);
        let db = ctx.srv.store.db(dbi);
        let gt = ctx.client.xread_ids.get(i).copied().unwrap_or(StreamId::MAX);
        let s = match db.get(key, now).map(|e| e.value_mut()) {
            Some(Value::Stream(s)) => s,
            _ if a.group.is_some() => return Err(CmdError::Other("UNBLOCKED the stream key no longer exists".into())),
            _ => continue,
        };
        let gt = match a.group {
            Some((g, _)) => match s.group(g) {
                Some(g) => g.last_id,
                None => {
                    return Err(CmdError::Other(
                        "NOGROUP the consumer group this client was blocked on no longer exists".into(),
                    ))
                }
            },
            None => gt,
        };
        // Woken without a new entry (XSETID moves the last ID, XDEL, ...):
        // keep waiting.
        if s.last_entry_id().is_none_or(|id| id <= gt) {
            continue;
        }
        let count = if a.count == 0 { BLOCKED_DEFAULT_COUNT } else { a.count };
        let out = &mut ctx.client.out;
        if out.proto == Protocol::Resp3 {
            out.map(1);
        } else {
            out.array(1);
            out.array(2);
        }
        out.bulk(key);
        let start = gt.next().expect("below the last id");
        match a.group {
            Some((g, c)) => {
                if read_group(out, s, g, c, start, false, count, a.noack, now) {
                    ctx.notify(ev::STREAM, "xgroup-createconsumer", key);
                }
                ctx.dirty(1);
                ctx.srv.events.touched(dbi, key);
            }
            None => {
                reply_range(out, s, start, StreamId::MAX, count, false);
            }
        }
        return Ok(());
    }
    // Still nothing: keep waiting (the block request is already in place).
    ctx.block = Some(BlockRequest { keys: Vec::new(), deadline: None, on_timeout: TimeoutReply::NullArray });
    Ok(())
}

// ---- consumer groups ----------------------------------------------------------------

fn subcommand_syntax(cmd: &Command<'_>, container: &str) -> CmdError {
    CmdError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {container} HELP.",
        String::from_utf8_lossy(&cmd.arg(1)[..cmd.arg(1).len().min(128)])
    ))
}

fn entries_read_arg(arg: &[u8]) -> Result<i64, CmdError> {
    let n = count_arg(arg)?;
    if n < 0 && n != ENTRIES_READ_INVALID {
        return Err(CmdError::err("value for ENTRIESREAD must be positive or -1"));
    }
    Ok(n)
}

fn require_key() -> CmdError {
    CmdError::err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
}

fn no_group_for_key(group: &[u8], key: &[u8]) -> CmdError {
    CmdError::Other(
        format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(group),
            String::from_utf8_lossy(key)
        )
        .into(),
    )
}

fn xgroup_create(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_INVALID;
    let mut i = 5;
    while i < cmd.len() {
        if is(cmd.arg(i), "mkstream") {
            mkstream = true;
            i += 1;
        } else if is(cmd.arg(i), "entriesread") && i + 1 < cmd.len() {
            entries_read = entries_read_arg(cmd.arg(i + 1))?;
            i += 2;
        } else {
            return Err(subcommand_syntax(cmd, "XGROUP"));
        }
    }
    let (key, group) = (cmd.arg(2), cmd.arg(3));
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let exists = lookup_stream(db, key, now)?.is_some();
    if !exists && !mkstream {
        return Err(require_key());
    }
    if cmd.len() > 8 {
        return Err(subcommand_syntax(cmd, "XGROUP"));
    }
    let id = if cmd.arg(4) == b"$" {
        lookup_stream(db, key, now)?.map_or(StreamId::MIN, |s| s.last_id)
    } else {
        strict_id(cmd.arg(4))?
    };
    if !exists {
        db.insert(key, Value::Stream(Box::default()), None, now);
    }
    let s = lookup_stream(db, key, now)?.expect("exists");
    if s.group(group).is_some() {
        if !exists {
            ctx.dirty(1);
        }
        return Err(CmdError::Other("BUSYGROUP Consumer Group name already exists".into()));
    }
    s.groups_mut().insert(group.into(), Group::new(id, entries_read));
    ctx.out().ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-create", key);
    Ok(())
}

/// The group of an XGROUP subcommand that needs one (key and group checks
/// in Redis's order).
fn group_of<'a>(db: &'a mut Db, cmd: &Command<'_>, now: u64) -> Result<&'a mut Stream, CmdError> {
    let (key, group) = (cmd.arg(2), cmd.arg(3));
    let s = lookup_stream(db, key, now)?.ok_or_else(require_key)?;
    if s.group(group).is_none() {
        return Err(no_group_for_key(group, key));
    }
    Ok(s)
}

fn xgroup_setid(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mut entries_read = ENTRIES_READ_INVALID;
    let mut i = 5;
    while i < cmd.len() {
        if is(cmd.arg(i), "entriesread") && i + 1 < cmd.len() {
            entries_read = entries_read_arg(cmd.arg(i + 1))?;
            i += 2;
        } else {
            return Err(subcommand_syntax(cmd, "XGROUP"));
        }
    }
    let now = ctx.now_ms;
    let s = group_of(ctx.srv.store.db(ctx.client.db), cmd, now)?;
    if cmd.len() != 5 && cmd.len() != 7 {
        return Err(subcommand_syntax(cmd, "XGROUP"));
    }
    let id = if cmd.arg(4) == b"$" { s.last_id } else { parse_id_full(cmd.arg(4), 0, false, false)?.id };
    let g = s.group_mut(cmd.arg(3)).expect("checked");
    g.last_id = id;
    g.entries_read = entries_read;
    ctx.out().ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-setid", cmd.arg(2));
    Ok(())
}

fn xgroup_destroy(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(2), now)?.ok_or_else(require_key)?;
    if s.groups_mut().remove(cmd.arg(3)).is_some() {
        ctx.out().int(1);
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-destroy", cmd.arg(2));
    } else {
        ctx.out().int(0);
    }
    Ok(())
}

fn xgroup_createconsumer(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let s = group_of(ctx.srv.store.db(ctx.client.db), cmd, now)?;
    let g = s.group_mut(cmd.arg(3)).expect("checked");
    let created = !g.consumers.contains_key(cmd.arg(4));
    if created {
        g.consumer_or_create(cmd.arg(4), now);
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-createconsumer", cmd.arg(2));
    }
    ctx.out().int(i64::from(created));
    Ok(())
}

fn xgroup_delconsumer(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let s = group_of(ctx.srv.store.db(ctx.client.db), cmd, now)?;
    let g = s.group_mut(cmd.arg(3)).expect("checked");
    let n = match g.delete_consumer(cmd.arg(4)) {
        Some(n) => {
            ctx.dirty(1);
            ctx.notify(ev::STREAM, "xgroup-delconsumer", cmd.arg(2));
            n
        }
        None => 0,
    };
    ctx.out().int(n as i64);
    Ok(())
}

fn xgroup_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "XGROUP",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    );
    Ok(())
}

fn xack(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    // No key or no group: nothing to acknowledge, whatever the IDs say.
    let Some(g) = s.and_then(|s| s.group_mut(cmd.arg(2))) else {
        ctx.out().int(0);
        return Ok(());
    };
    let ids = (3..cmd.len()).map(|i| strict_id(cmd.arg(i))).collect::<Result<Vec<_>, _>>()?;
    let n = ids.iter().filter(|&&id| g.ack(id)).count();
    ctx.out().int(n as i64);
    ctx.dirty(n as u64);
    Ok(())
}

fn xpending(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let argc = cmd.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(CmdError::Syntax);
    }
    let mut minidle = 0i64;
    let mut range = None;
    let mut consumer = None;
    if argc >= 6 {
        let mut at = 3;
        if is(cmd.arg(3), "idle") {
            minidle = count_arg(cmd.arg(4))?;
            if argc < 8 {
                return Err(CmdError::Syntax);
            }
            at += 2;
        }
        let count = count_arg(cmd.arg(at + 2))?.max(0);
        let start = range_start(cmd.arg(at))?;
        let end = range_end(cmd.arg(at + 1))?;
        if at + 3 < argc {
            consumer = Some(cmd.arg(at + 3));
        }
        range = Some((start, end, count as usize));
    }
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    let Some(g) = s.and_then(|s| s.group(cmd.arg(2))) else {
        return Err(nogroup_key(cmd.arg(1), cmd.arg(2)));
    };
    let out = &mut ctx.client.out;
    let Some((start, end, count)) = range else {
        out.array(4);
        out.int(g.pel.len() as i64);
        match (g.pel.first_key_value(), g.pel.last_key_value()) {
            (Some((first, _)), Some((last, _))) => {
                bulk_id(out, *first);
                bulk_id(out, *last);
                let owners: Vec<_> = g.consumers.iter().filter(|(_, c)| !c.pel.is_empty()).collect();
                out.array(owners.len());
                for (name, c) in owners {
                    out.array(2);
                    out.bulk(name);
                    out.bulk(c.pel.len().to_string().as_bytes());
                }
            }
            _ => {
                out.null();
                out.null();
                out.null_array();
            }
        }
        return Ok(());
    };
    let ids: Vec<StreamId> = match consumer {
        Some(name) => match g.consumers.get(name) {
            Some(c) => {
                if start > end {
                    Vec::new()
                } else {
                    c.pel.range(start..=end).copied().collect()
                }
            }
            None => {
                out.array(0);
                return Ok(());
            }
        },
        None if start > end => Vec::new(),
        None => g.pel.range(start..=end).map(|(id, _)| *id).collect(),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() >= count {
            break;
        }
        let p = &g.pel[&id];
        let idle = now as i64 - p.delivery_time as i64;
        if minidle != 0 && idle < minidle {
            continue;
        }
        rows.push((id, p));
    }
    out.array(rows.len());
    for (id, p) in rows {
        out.array(4);
        bulk_id(out, id);
        out.bulk(&p.consumer);
        out.int((now as i64 - p.delivery_time as i64).max(0));
        out.int(p.delivery_count as i64);
    }
    Ok(())
}

fn xclaim(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let dbi = ctx.client.db;
    {
        let s = lookup_stream(ctx.srv.store.db(dbi), cmd.arg(1), now)?;
        if s.and_then(|s| s.group(cmd.arg(2))).is_none() {
            return Err(nogroup_key(cmd.arg(1), cmd.arg(2)));
        }
    }
    let minidle =
        parse_i64(cmd.arg(4)).ok_or_else(|| CmdError::err("Invalid min-idle-time argument for XCLAIM"))?.max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < cmd.len() {
        match strict_id(cmd.arg(j)) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < cmd.len() {
        let more = cmd.len() - 1 - j;
        let opt = cmd.arg(j);
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            let v = parse_i64(cmd.arg(j)).ok_or_else(|| CmdError::err("Invalid IDLE option argument for XCLAIM"))?;
            deliverytime = (now as i64).wrapping_sub(v);
        } else if is(opt, "time") && more > 0 {
            j += 1;
            deliverytime =
                parse_i64(cmd.arg(j)).ok_or_else(|| CmdError::err("Invalid TIME option argument for XCLAIM"))?;
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount =
                parse_i64(cmd.arg(j)).ok_or_else(|| CmdError::err("Invalid RETRYCOUNT option argument for XCLAIM"))?;
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            last_id = strict_id(cmd.arg(j))?;
        } else {
            return Err(CmdError::err(format!("Unrecognized XCLAIM option '{}'", String::from_utf8_lossy(opt))));
        }
        j += 1;
    }
    let s = lookup_stream(ctx.srv.store.db(dbi), cmd.arg(1), now)?.expect("checked");
    let group = cmd.arg(2);
    let name = cmd.arg(3);
    let mut changed = 0u64;
    {
        let g = s.group_mut(group).expect("checked");
        if last_id > g.last_id {
            g.last_id = last_id;
            changed += 1;
        }
    }
    let deliverytime = if deliverytime < 0 || deliverytime > now as i64 { now } else { deliverytime as u64 };
    let mut claimed: Vec<StreamId> = Vec::new();
    let mut consumer_ready = false;
    let mut new_consumer = false;
    for id in ids {
        let exists = s.get(id).is_some();
        let g = s.group_mut(group).expect("checked");
        if !exists {
            if g.ack(id) {
                changed += 1;
            }
            continue;
        }
        let fresh = force && !g.pel.contains_key(&id);
        if fresh {
            g.pel.insert(
                id,
                ember_store::types::stream::PendingEntry {
                    consumer: Box::default(),
                    delivery_time: now,
                    delivery_count: 1,
                },
            );
        }
        let Some(p) = g.pel.get(&id) else { continue };
        let (p_time, old_count) = (p.delivery_time, p.delivery_count);
        let owned = !fresh;
        if owned && minidle != 0 && (now as i64 - p_time as i64) < minidle {
            continue;
        }
        if !consumer_ready {
            let (c, created) = g.consumer_or_create(name, now);
            c.seen_time = now;
            consumer_ready = true;
            new_consumer = created;
        }
        let count = if retrycount >= 0 {
            retrycount as u64
        } else if !justid {
            old_count + 1
        } else {
            old_count
        };
        if fresh {
            // Not in any consumer's PEL yet.
            g.pel.remove(&id);
        }
        g.assign(id, name, deliverytime, count);
        claimed.push(id);
        changed += 1;
    }
    let out = &mut ctx.client.out;
    out.array(claimed.len());
    for id in &claimed {
        if justid {
            bulk_id(out, *id);
        } else {
            reply_entry(out, &s.get(*id).expect("exists"));
        }
    }
    ctx.dirty(changed);
    if new_consumer {
        ctx.notify(ev::STREAM, "xgroup-createconsumer", cmd.arg(1));
    }
    Ok(())
}

fn xautoclaim(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let minidle =
        parse_i64(cmd.arg(4)).ok_or_else(|| CmdError::err("Invalid min-idle-time argument for XAUTOCLAIM"))?.max(0);
    let start = range_start(cmd.arg(5))?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < cmd.len() {
        let more = cmd.len() - 1 - j;
        if is(cmd.arg(j), "count") && more > 0 {
            // Redis caps COUNT at LONG_MAX / 16 (it sizes a buffer from it).
            count = parse_i64(cmd.arg(j + 1))
                .filter(|&n| (1..=i64::MAX / 16).contains(&n))
                .ok_or_else(|| CmdError::err("COUNT must be > 0"))?;
            j += 1;
        } else if is(cmd.arg(j), "justid") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?;
    let Some(s) = s.filter(|s| s.group(cmd.arg(2)).is_some()) else {
        return Err(nogroup_key(cmd.arg(1), cmd.arg(2)));
    };
    let group = cmd.arg(2);
    let name = cmd.arg(3);
    let mut count = count as u64;
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut consumer_ready = false;
    let mut new_consumer = false;
    let mut cursor = start;
    let mut next_cursor = StreamId::MIN;
    loop {
        let next = s.group(group).expect("checked").pel.range(cursor..).next().map(|(id, _)| *id);
        if attempts == 0 || count == 0 {
            next_cursor = next.unwrap_or(StreamId::MIN);
            break;
        }
        attempts -= 1;
        let Some(id) = next else { break };
        cursor = match id.next() {
            Some(n) => n,
            None => StreamId::MAX,
        };
        let exists = s.get(id).is_some();
        let g = s.group_mut(group).expect("checked");
        if !exists {
            g.ack(id);
            deleted.push(id);
            count -= 1;
        } else {
            let (p_time, p_count) = (g.pel[&id].delivery_time, g.pel[&id].delivery_count);
            if minidle != 0 && (now as i64 - p_time as i64) < minidle {
                if id == StreamId::MAX {
                    break;
                }
                continue;
            }
            if !consumer_ready {
                let (c, created) = g.consumer_or_create(name, now);
                c.seen_time = now;
                consumer_ready = true;
                new_consumer = created;
            }
            let dc = if justid { p_count } else { p_count + 1 };
            g.assign(id, name, now, dc);
            claimed.push(id);
            count -= 1;
        }
        if id == StreamId::MAX {
            break;
        }
    }
    let out = &mut ctx.client.out;
    out.array(3);
    bulk_id(out, next_cursor);
    out.array(claimed.len());
    for id in &claimed {
        if justid {
            bulk_id(out, *id);
        } else {
            reply_entry(out, &s.get(*id).expect("exists"));
        }
    }
    out.array(deleted.len());
    for id in &deleted {
        bulk_id(out, *id);
    }
    let changed = (claimed.len() + deleted.len()) as u64;
    ctx.dirty(changed);
    if new_consumer {
        ctx.notify(ev::STREAM, "xgroup-createconsumer", cmd.arg(1));
    }
    Ok(())
}

// ---- XSETID ------------------------------------------------------------------------

fn xsetid(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let id = strict_id(cmd.arg(2))?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < cmd.len() {
        let more = cmd.len() - 1 - i;
        if is(cmd.arg(i), "entriesadded") && more > 0 {
            entries_added = count_arg(cmd.arg(i + 1))?;
            if entries_added < 0 {
                return Err(CmdError::err("entries_added must be positive"));
            }
            i += 2;
        } else if is(cmd.arg(i), "maxdeletedid") && more > 0 {
            max_xdel = strict_id(cmd.arg(i + 1))?;
            if id < max_xdel {
                return Err(CmdError::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(1), now)?.ok_or(CmdError::NoSuchKey)?;
    if id < s.max_deleted_id {
        return Err(CmdError::err("The ID specified in XSETID is smaller than current max_deleted_entry_id"));
    }
    if !s.is_empty() {
        if s.last_entry_id().is_some_and(|m| id < m) {
            return Err(CmdError::err("The ID specified in XSETID is smaller than the target stream top item"));
        }
        if entries_added != -1 && s.len() > entries_added as u64 {
            return Err(CmdError::err(
                "The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    ctx.out().ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xsetid", cmd.arg(1));
    Ok(())
}

// ---- XINFO ---------------------------------------------------------------------------

fn lag(out: &mut Out, s: &Stream, g: &Group) {
    match s.group_lag(g) {
        Some(l) => out.int(l),
        None => out.null(),
    }
}

fn entries_read(out: &mut Out, g: &Group) {
    if g.entries_read != ENTRIES_READ_INVALID {
        out.int(g.entries_read);
    } else {
        out.null();
    }
}

fn xinfo_consumers(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(2), now)?.ok_or(CmdError::NoSuchKey)?;
    let Some(g) = s.group(cmd.arg(3)) else {
        return Err(no_group_for_key(cmd.arg(3), cmd.arg(2)));
    };
    let out = &mut ctx.client.out;
    out.array(g.consumers.len());
    for (name, c) in &g.consumers {
        out.map(3);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"pending");
        out.int(c.pel.len() as i64);
        out.bulk(b"idle");
        out.int((now as i64 - c.seen_time as i64).max(0));
    }
    Ok(())
}

fn xinfo_groups(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(2), now)?.ok_or(CmdError::NoSuchKey)?;
    let out = &mut ctx.client.out;
    out.array(s.groups().len());
    for (name, g) in s.groups() {
        out.map(6);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"consumers");
        out.int(g.consumers.len() as i64);
        out.bulk(b"pending");
        out.int(g.pel.len() as i64);
        out.bulk(b"last-delivered-id");
        bulk_id(out, g.last_id);
        out.bulk(b"entries-read");
        entries_read(out, g);
        out.bulk(b"lag");
        lag(out, s, g);
    }
    Ok(())
}

fn xinfo_stream(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let mut full = false;
    let mut count: i64 = 10;
    if cmd.len() >= 4 {
        if !is(cmd.arg(3), "full") {
            return Err(subcommand_syntax(cmd, "XINFO"));
        }
        full = true;
        if cmd.len() == 6 {
            if !is(cmd.arg(4), "count") {
                return Err(subcommand_syntax(cmd, "XINFO"));
            }
            count = count_arg(cmd.arg(5))?.max(0);
        } else if cmd.len() > 4 {
            return Err(subcommand_syntax(cmd, "XINFO"));
        }
    }
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), cmd.arg(2), now)?.ok_or(CmdError::NoSuchKey)?;
    let out = &mut ctx.client.out;
    out.map(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.len() as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.node_count() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(s.rax_nodes() as i64);
    out.bulk(b"last-generated-id");
    bulk_id(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    bulk_id(out, s.max_deleted_id);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    bulk_id(out, s.first_id);
    if !full {
        out.bulk(b"groups");
        out.int(s.groups().len() as i64);
        for (name, rev) in [(&b"first-entry"[..], false), (b"last-entry", true)] {
            out.bulk(name);
            let mut first = None;
            s.range(StreamId::MIN, StreamId::MAX, rev, |e| {
                first = Some(e);
                false
            });
            match first {
                Some(e) => reply_entry(out, &e),
                None => out.null(),
            }
        }
        return Ok(());
    }
    let count = count as usize;
    let limit = if count == 0 { usize::MAX } else { count };
    out.bulk(b"entries");
    reply_range(out, s, StreamId::MIN, StreamId::MAX, count, false);
    out.bulk(b"groups");
    out.array(s.groups().len());
    for (name, g) in s.groups() {
        out.map(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        bulk_id(out, g.last_id);
        out.bulk(b"entries-read");
        entries_read(out, g);
        out.bulk(b"lag");
        lag(out, s, g);
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let n = g.pel.len().min(limit);
        out.array(n);
        for (id, p) in g.pel.iter().take(n) {
            out.array(4);
            bulk_id(out, *id);
            out.bulk(&p.consumer);
            out.int(p.delivery_time as i64);
            out.int(p.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map(4);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time as i64);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            let n = c.pel.len().min(limit);
            out.array(n);
            for id in c.pel.iter().take(n) {
                let p = &g.pel[id];
                out.array(3);
                bulk_id(out, *id);
                out.int(p.delivery_time as i64);
                out.int(p.delivery_count as i64);
            }
        }
    }
    Ok(())
}

fn xinfo_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    help(
        ctx,
        "XINFO",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_like_redis() {
        let ok = |s: &str, want: (u64, u64)| {
            assert_eq!(
                parse_id_full(s.as_bytes(), 0, false, false).ok().map(|p| (p.id.ms, p.id.seq)),
                Some(want),
                "{s}"
            )
        };
        ok("1-2", (1, 2));
        ok("5", (5, 0));
        ok("-", (0, 0));
        ok("+", (u64::MAX, u64::MAX));
        ok("007-01", (7, 1));
        ok(" 7-+3", (7, 3));
        ok("18446744073709551615-18446744073709551615", (u64::MAX, u64::MAX));
        // Checked with redis-server 7.0: a sequence that is not canonical
        // goes through strtoull, which wraps a negative one; a NUL ends the id.
        ok("1--01", (1, u64::MAX));
        ok("1\0-5", (1, 0));
    }

    #[test]
    fn bad_ids() {
        for s in ["", "a", "1-", "1-a", "18446744073709551616", "1-2-3", "1.5", "-1-1", "-1", "1--1"] {
            assert!(parse_id_full(s.as_bytes(), 0, false, false).is_err(), "{s}");
        }
        assert!(strict_id(b"-").is_err());
        assert!(strict_id(b"+").is_err());
        assert_eq!(parse_id_full(b"5-*", 0, true, true).map(|p| p.seq_given).ok(), Some(false));
        assert!(parse_id_full(b"5-*", 0, true, false).is_err());
    }

    #[test]
    fn ids_format() {
        let mut out = Out { buf: Default::default(), proto: Protocol::Resp2 };
        bulk_id(&mut out, StreamId::new(1_700_000_000_000, 0));
        bulk_id(&mut out, StreamId::MAX);
        bulk_id(&mut out, StreamId::MIN);
        assert_eq!(
            &out.buf[..],
            &b"$15\r\n1700000000000-0\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$3\r\n0-0\r\n"[..]
        );
    }
}
