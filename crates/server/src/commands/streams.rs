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

use ember_resp::Protocol;
use ember_store::types::stream::{EntryRef, Group, Stream, StreamId, Trim, ENTRIES_READ_INVALID};
use ember_store::{Db, Value};

use crate::blocking::{BlockRequest, TimeoutReply};
use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is, parse_i64};
use crate::commands::common::{container, help};
use crate::config::notify as ev;

/// Stream-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xadd", -5, xadd)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STREAM)
        .keys(&[
            KeySpec::index(1)
                .range(0, 1, 0)
                .flags(ks::RW | ks::UPDATE)
                .notes("UPDATE instead of INSERT because of the optional trimming feature"),
        ])
        .tips(&["nondeterministic_output"])
        .doc(
            "stream",
            "Appends a new entry to a stream",
            "5.0.0",
            "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
        )
        .history(&[
            ("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."),
            ("7.0.0", "Added support for the `<ms>-*` explicit ID form."),
        ])
        .args(&[
            arg::key("key", 0),
            arg::token("nomkstream", "NOMKSTREAM").since("6.2.0").optional(),
            arg::block(
                "trim",
                &[
                    arg::oneof("strategy", &[arg::token("maxlen", "MAXLEN"), arg::token("minid", "MINID").since("6.2.0")]),
                    arg::oneof("operator", &[arg::token("equal", "="), arg::token("approximately", "~")]).optional(),
                    arg::string("threshold"),
                    arg::integer("count").token("LIMIT").since("6.2.0").optional(),
                ],
            ).optional(),
            arg::oneof("id_or_auto", &[arg::token("auto_id", "*"), arg::string("id")]),
            arg::block("field_value", &[arg::string("field"), arg::string("value")]).multiple(),
        ]),
    CommandSpec::new("xlen", 2, xlen)
        .flags(READONLY | FAST)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("stream", "Return the number of entries in a stream", "5.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("xrange", -4, xrange)
        .flags(READONLY)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "stream",
            "Return a range of elements in a stream, with IDs matching the specified IDs interval",
            "5.0.0",
            "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        )
        .history(&[("6.2.0", "Added exclusive ranges.")])
        .args(&[
            arg::key("key", 0),
            arg::string("start"),
            arg::string("end"),
            arg::integer("count").token("COUNT").optional(),
        ]),
    CommandSpec::new("xrevrange", -4, xrevrange)
        .flags(READONLY)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "stream",
            "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
            "5.0.0",
            "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        )
        .history(&[("6.2.0", "Added exclusive ranges.")])
        .args(&[
            arg::key("key", 0),
            arg::string("end"),
            arg::string("start"),
            arg::integer("count").token("COUNT").optional(),
        ]),
    CommandSpec::new("xdel", -3, xdel)
        .flags(WRITE | FAST)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "stream",
            "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
            "5.0.0",
            "O(1) for each single item to delete in the stream, regardless of the stream size.",
        )
        .args(&[arg::key("key", 0), arg::string("id").multiple()]),
    CommandSpec::new("xtrim", -4, xtrim)
        .flags(WRITE)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .tips(&["nondeterministic_output"])
        .doc(
            "stream",
            "Trims the stream to (approximately if '~' is passed) a certain size",
            "5.0.0",
            "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
        )
        .history(&[("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option.")])
        .args(&[
            arg::key("key", 0),
            arg::block(
                "trim",
                &[
                    arg::oneof("strategy", &[arg::token("maxlen", "MAXLEN"), arg::token("minid", "MINID").since("6.2.0")]),
                    arg::oneof("operator", &[arg::token("equal", "="), arg::token("approximately", "~")]).optional(),
                    arg::string("threshold"),
                    arg::integer("count").token("LIMIT").since("6.2.0").optional(),
                ],
            ),
        ]),
    CommandSpec::new("xread", -4, xread)
        .flags(READONLY | BLOCKING)
        .acl(acl::STREAM)
        .keys(&[KeySpec::keyword("STREAMS", 1).range(-1, 1, 2).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::xread)
        .doc(
            "stream",
            "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
            "5.0.0",
            "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
        )
        .args(&[
            arg::integer("count").token("COUNT").optional(),
            arg::integer("milliseconds").token("BLOCK").optional(),
            arg::block("streams", &[arg::key("key", 0).multiple(), arg::string("id").multiple()]).token("STREAMS"),
        ]),
    CommandSpec::new("xreadgroup", -7, xreadgroup)
        .flags(WRITE | BLOCKING)
        .acl(acl::STREAM)
        .keys(&[KeySpec::keyword("STREAMS", 4).range(-1, 1, 2).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::xread)
        .doc(
            "stream",
            "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
            "5.0.0",
            "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
        )
        .args(&[
            arg::block("group_consumer", &[arg::string("group"), arg::string("consumer")]).token("GROUP"),
            arg::integer("count").token("COUNT").optional(),
            arg::integer("milliseconds").token("BLOCK").optional(),
            arg::token("noack", "NOACK").optional(),
            arg::block("streams", &[arg::key("key", 0).multiple(), arg::string("id").multiple()]).token("STREAMS"),
        ]),
    CommandSpec::new("xack", -4, xack)
        .flags(WRITE | FAST)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "stream",
            "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
            "5.0.0",
            "O(1) for each message ID processed.",
        )
        .args(&[arg::key("key", 0), arg::string("group"), arg::string("id").multiple()]),
    CommandSpec::new("xpending", -3, xpending)
        .flags(READONLY)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "stream",
            "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
            "5.0.0",
            "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
        )
        .history(&[("6.2.0", "Added the `IDLE` option and exclusive range intervals.")])
        .args(&[
            arg::key("key", 0),
            arg::string("group"),
            arg::block(
                "filters",
                &[
                    arg::integer("min-idle-time").token("IDLE").since("6.2.0").optional(),
                    arg::string("start"),
                    arg::string("end"),
                    arg::integer("count"),
                    arg::string("consumer").optional(),
                ],
            ).optional(),
        ]),
    CommandSpec::new("xclaim", -6, xclaim)
        .flags(WRITE | FAST)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .tips(&["nondeterministic_output"])
        .doc(
            "stream",
            "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
            "5.0.0",
            "O(log N) with N being the number of messages in the PEL of the consumer group.",
        )
        .args(&[
            arg::key("key", 0),
            arg::string("group"),
            arg::string("consumer"),
            arg::string("min-idle-time"),
            arg::string("id").multiple(),
            arg::integer("ms").token("IDLE").optional(),
            arg::unix_time("unix-time-milliseconds").token("TIME").optional(),
            arg::integer("count").token("RETRYCOUNT").optional(),
            arg::token("force", "FORCE").optional(),
            arg::token("justid", "JUSTID").optional(),
            arg::string("id").token("LASTID").optional(),
        ]),
    CommandSpec::new("xautoclaim", -6, xautoclaim)
        .flags(WRITE | FAST)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .tips(&["nondeterministic_output"])
        .doc(
            "stream",
            "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
            "6.2.0",
            "O(1) if COUNT is small.",
        )
        .history(&[
            ("7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL"),
        ])
        .args(&[
            arg::key("key", 0),
            arg::string("group"),
            arg::string("consumer"),
            arg::string("min-idle-time"),
            arg::string("start"),
            arg::integer("count").token("COUNT").optional(),
            arg::token("justid", "JUSTID").optional(),
        ]),
    CommandSpec::new("xsetid", -3, xsetid)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("stream", "An internal command for replicating stream values", "5.0.0", "O(1)")
        .history(&[("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments.")])
        .args(&[
            arg::key("key", 0),
            arg::string("last-id"),
            arg::integer("entries_added").token("ENTRIESADDED").since("7.0.0").optional(),
            arg::string("max_deleted_entry_id").token("MAXDELETEDID").since("7.0.0").optional(),
        ]),
    CommandSpec::new("xgroup", -2, container)
        .doc("stream", "A container for consumer groups commands", "5.0.0", "Depends on subcommand.")
        .subcommands(XGROUP_SUBCOMMANDS),
    CommandSpec::new("xinfo", -2, container)
        .doc("stream", "A container for stream introspection commands", "5.0.0", "Depends on subcommand.")
        .subcommands(XINFO_SUBCOMMANDS),
];

static XGROUP_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xgroup|create", -5, xgroup_create)
        .flags(WRITE | DENYOOM)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc("stream", "Create a consumer group.", "5.0.0", "O(1)")
        .history(&[("7.0.0", "Added the `entries_read` named argument.")])
        .args(&[
            arg::key("key", 0),
            arg::string("groupname"),
            arg::oneof("id", &[arg::string("id"), arg::token("new_id", "$")]),
            arg::token("mkstream", "MKSTREAM").optional(),
            arg::integer("entries_read").token("ENTRIESREAD").optional(),
        ]),
    CommandSpec::new("xgroup|setid", -5, xgroup_setid)
        .flags(WRITE)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("stream", "Set a consumer group to an arbitrary last delivered ID value.", "5.0.0", "O(1)")
        .history(&[("7.0.0", "Added the optional `entries_read` argument.")])
        .args(&[
            arg::key("key", 0),
            arg::string("groupname"),
            arg::oneof("id", &[arg::string("id"), arg::token("new_id", "$")]),
            arg::integer("entries_read").token("ENTRIESREAD").optional(),
        ]),
    CommandSpec::new("xgroup|destroy", 4, xgroup_destroy)
        .flags(WRITE)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "stream",
            "Destroy a consumer group.",
            "5.0.0",
            "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        )
        .args(&[arg::key("key", 0), arg::string("groupname")]),
    CommandSpec::new("xgroup|createconsumer", 5, xgroup_createconsumer)
        .flags(WRITE | DENYOOM)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc("stream", "Create a consumer in a consumer group.", "6.2.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("groupname"), arg::string("consumername")]),
    CommandSpec::new("xgroup|delconsumer", 5, xgroup_delconsumer)
        .flags(WRITE)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc("stream", "Delete a consumer from a consumer group.", "5.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("groupname"), arg::string("consumername")]),
    CommandSpec::new("xgroup|help", 2, xgroup_help).flags(LOADING | STALE).acl(acl::STREAM).doc(
        "stream",
        "Show helpful text about the different subcommands",
        "5.0.0",
        "O(1)",
    ),
];

static XINFO_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xinfo|consumers", 4, xinfo_consumers)
        .flags(READONLY)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc("stream", "List the consumers in a consumer group", "5.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("groupname")]),
    CommandSpec::new("xinfo|groups", 3, xinfo_groups)
        .flags(READONLY)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("stream", "List the consumer groups of a stream", "5.0.0", "O(1)")
        .history(&[("7.0.0", "Added the `entries-read` and `lag` fields")])
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("xinfo|stream", -3, xinfo_stream)
        .flags(READONLY)
        .acl(acl::STREAM)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("stream", "Get information about a stream", "5.0.0", "O(1)")
        .history(&[
            ("6.0.0", "Added the `FULL` modifier."),
            ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"),
        ])
        .args(&[
            arg::key("key", 0),
            arg::block("full", &[arg::integer("count").token("COUNT").optional()]).token("FULL").optional(),
        ]),
    CommandSpec::new("xinfo|help", 2, xinfo_help)
        .flags(LOADING | STALE)
        .acl(acl::STREAM)
        .doc("stream", "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
];

// ---- ids and replies ----------------------------------------------------------

fn invalid_id() -> CmdError {
    CmdError::err("Invalid stream ID specified as stream command argument")
}

/// A parsed id argument: the id and whether the sequence was given (false
/// for `<ms>-*`).
#[derive(Debug, PartialEq)]
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
    CmdError::coded(
        "NOGROUP",
        format!(
            "No such key '{}' or consumer group '{}'",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(group)
        ),
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

// ---- XADD / XTRIM ---------------------------------------------------------------

/// XADD's id argument.
#[derive(Debug, PartialEq)]
enum NewId {
    /// `*`: the next id from the clock.
    Auto,
    /// `<ms>-<seq>` or `<ms>-*`.
    Given(ParsedId),
}

#[derive(Debug, PartialEq)]
struct TrimArgs {
    how: Option<Trim>,
    approx: bool,
    limit: u64,
    nomkstream: bool,
    /// XADD: the id after the options (`None` when they ran to the end).
    id: Option<NewId>,
}

/// Parses XTRIM's options after the key, or XADD's and the id after them
/// (the first argument that is no option), leaving the cursor at the
/// fields. As in Redis, a bad id is refused before the options are checked
/// against each other, and the fields are counted by the caller.
fn parse_trim_args(args: &mut Args<'_>, xadd: bool, node_entries: i64) -> Result<TrimArgs, CmdError> {
    let mut a = TrimArgs { how: None, approx: false, limit: 0, nomkstream: false, id: None };
    let mut limit_given = false;
    while let Some(opt) = args.peek() {
        let more = args.remaining() - 1;
        // Redis reads `*` as a C string: a NUL ends it.
        if xadd && opt.first() == Some(&b'*') && opt.get(1).is_none_or(|&b| b == 0) {
            args.next();
            a.id = Some(NewId::Auto);
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            args.next();
            if a.how.is_some() {
                return Err(CmdError::err(
                    "syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            a.approx = false;
            if more >= 2 && args.eat("~") {
                a.approx = true;
            } else if more >= 2 {
                args.eat("=");
            }
            if is(opt, "maxlen") {
                let n = args.next_i64()?;
                if n < 0 {
                    return Err(CmdError::err("The MAXLEN argument must be >= 0."));
                }
                a.how = Some(Trim::MaxLen(n as u64));
            } else {
                a.how = Some(Trim::MinId(strict_id(args.next_bytes()?)?));
            }
        } else if is(opt, "limit") && more > 0 {
            args.next();
            let n = args.next_i64()?;
            if n < 0 {
                return Err(CmdError::err("The LIMIT argument must be >= 0."));
            }
            a.limit = n as u64;
            limit_given = true;
        } else if xadd && is(opt, "nomkstream") {
            args.next();
            a.nomkstream = true;
        } else if xadd {
            args.next();
            a.id = Some(NewId::Given(parse_id_full(opt, 0, true, true)?));
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

fn xadd(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let mut trim = parse_trim_args(args, true, ctx.srv.config.stream_node_max_entries)?;
    let fields = args.remaining();
    let paired = fields >= 2 && fields % 2 == 0;
    let given = match trim.id.take() {
        Some(NewId::Auto) if paired => None,
        Some(NewId::Given(p)) if paired => Some(p),
        _ => return Err(CmdError::Arity("xadd".into())),
    };
    if let Some(p) = &given {
        if p.seq_given && p.id.is_zero() {
            return Err(CmdError::err("The ID specified in XADD must be greater than 0-0"));
        }
    }
    let now = ctx.now_ms;
    let limits = ctx.srv.config.stream_limits();
    let db = ctx.srv.store.db(ctx.client.db);
    let s = match lookup_stream(db, key, now)? {
        Some(s) => s,
        None if trim.nomkstream => {
            ctx.out().null();
            return Ok(Replied);
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
    let mut pairs: Vec<(&[u8], &[u8])> = Vec::with_capacity(fields / 2);
    while args.has_more() {
        pairs.push((args.next_bytes()?, args.next_bytes()?));
    }
    s.append(id, &pairs, limits);
    let trimmed = trim.how.map_or(0, |how| s.trim(how, trim.approx, trim.limit));
    bulk_id(ctx.out(), id);
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xadd", key);
    if trimmed > 0 {
        ctx.notify(ev::STREAM, "xtrim", key);
    }
    Ok(Replied)
}

fn xtrim(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let trim = parse_trim_args(args, false, ctx.srv.config.stream_node_max_entries)?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(s) = lookup_stream(db, key, now)? else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let n = s.trim(trim.how.expect("checked"), trim.approx, trim.limit);
    ctx.out().int(n as i64);
    ctx.dirty(n);
    if n > 0 {
        ctx.notify(ev::STREAM, "xtrim", key);
    }
    Ok(Replied)
}

// ---- XLEN / XRANGE / XDEL -------------------------------------------------------------

fn xlen(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let now = ctx.now_ms;
    let n = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?.map_or(0, |s| s.len());
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn range_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, rev: bool) -> CmdResult {
    let key = args.next_bytes()?;
    let (first, second) = (args.next_bytes()?, args.next_bytes()?);
    let (start_arg, end_arg) = if rev { (second, first) } else { (first, second) };
    let start = range_start(start_arg)?;
    let end = range_end(end_arg)?;
    let mut count: i64 = -1;
    while let Some(opt) = args.next() {
        if !(is(opt, "count") && args.has_more()) {
            return Err(CmdError::Syntax);
        }
        count = args.next_i64()?.max(0);
    }
    let now = ctx.now_ms;
    let Some(s) = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)? else {
        ctx.client.out.array(0);
        return Ok(Replied);
    };
    if count == 0 {
        ctx.client.out.null_array();
    } else {
        reply_range(&mut ctx.client.out, s, start, end, count.max(0) as usize, rev);
    }
    Ok(Replied)
}

fn xrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    range_generic(ctx, args, false)
}

fn xrevrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    range_generic(ctx, args, true)
}

fn xdel(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(s) = lookup_stream(db, key, now)? else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let ids = args.map(strict_id).collect::<Result<Vec<_>, _>>()?;
    let n = s.delete(&ids);
    ctx.out().int(n as i64);
    ctx.dirty(n);
    if n > 0 {
        ctx.notify(ev::STREAM, "xdel", key);
    }
    Ok(Replied)
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
    /// The cursor at the first key after STREAMS: the keys, then as many
    /// ids.
    streams: Args<'c>,
    /// How many streams.
    n: usize,
}

impl<'c> ReadArgs<'c> {
    /// The `i`th stream's key.
    fn key(&self, i: usize) -> &'c [u8] {
        self.streams.arg(self.streams.index() + i)
    }

    /// The `i`th stream's id argument.
    fn id(&self, i: usize) -> &'c [u8] {
        self.streams.arg(self.streams.index() + self.n + i)
    }
}

fn parse_read_args<'c>(now_ms: u64, args: &mut Args<'c>, group: bool) -> Result<ReadArgs<'c>, CmdError> {
    let (mut count, mut block, mut noack, mut group_given) = (0, None, false, None);
    let mut streams = None;
    while let Some(o) = args.next() {
        let more = args.remaining();
        if is(o, "block") && more > 0 {
            let t = parse_i64(args.next_bytes()?)
                .ok_or_else(|| CmdError::err("timeout is not an integer or out of range"))?;
            if t < 0 {
                return Err(CmdError::err("timeout is negative"));
            }
            // A timeout past the end of time waits forever, as in Redis.
            block = Some((t > 0).then(|| now_ms.saturating_add(t as u64)));
        } else if is(o, "count") && more > 0 {
            count = args.next_i64()?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            if more % 2 != 0 {
                // Redis 7.0 says XREAD and '$' for XREADGROUP too.
                return Err(CmdError::err(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            streams = Some(args.rest());
            break;
        } else if is(o, "group") && more >= 2 {
            if !group {
                return Err(CmdError::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group_given = Some((args.next_bytes()?, args.next_bytes()?));
        } else if is(o, "noack") {
            if !group {
                return Err(CmdError::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(streams) = streams else {
        return Err(CmdError::Syntax);
    };
    if group && group_given.is_none() {
        return Err(CmdError::err("Missing GROUP option for XREADGROUP"));
    }
    Ok(ReadArgs { count, block, noack, group: group_given, streams, n: streams.remaining() / 2 })
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

fn xread(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    read_generic(ctx, args, false)
}

fn xreadgroup(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    read_generic(ctx, args, true)
}

fn read_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, is_group: bool) -> CmdResult {
    let a = parse_read_args(ctx.now_ms, args, is_group)?;
    let rerun = ctx.client.blocked.is_some();
    if rerun {
        return serve_woken(ctx, &a);
    }
    let now = ctx.now_ms;
    let dbi = ctx.client.db;
    // Resolve ids (and check types and groups) first, as Redis does.
    let mut ids = Vec::with_capacity(a.n);
    for i in 0..a.n {
        let (key, arg) = (a.key(i), a.id(i));
        let db = ctx.srv.store.db(dbi);
        let s = lookup_stream(db, key, now)?;
        if let Some((g, _)) = a.group {
            if s.as_ref().and_then(|s| s.group(g)).is_none() {
                return Err(CmdError::coded(
                    "NOGROUP",
                    format!(
                        "No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                        String::from_utf8_lossy(key),
                        String::from_utf8_lossy(g)
                    ),
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
        let Some(s) = lookup_stream(db, a.key(i), now)? else { continue };
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
            let key = a.key(i);
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
        return Ok(Replied);
    }
    match a.block {
        Some(deadline) if ctx.may_block() => {
            ctx.client.xread_ids = ids;
            let keys = (0..a.n).map(|i| a.key(i).to_vec()).collect();
            return Ok(Outcome::block(BlockRequest { keys, deadline, on_timeout: TimeoutReply::NullArray }));
        }
        _ => ctx.client.out.null_array(),
    }
    Ok(Replied)
}

/// A blocked XREAD / XREADGROUP re-run after a write touched one of its
/// keys: serves the first stream with entries past the id it waits for,
/// as a one-key reply (Redis wakes a client for one key at a time).
fn serve_woken(ctx: &mut Ctx<'_>, a: &ReadArgs<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let dbi = ctx.client.db;
    for i in 0..a.n {
        let key = a.key(i);
        let db = ctx.srv.store.db(dbi);
        let gt = ctx.client.xread_ids.get(i).copied().unwrap_or(StreamId::MAX);
        let s = match db.get(key, now).map(|e| e.value_mut()) {
            Some(Value::Stream(s)) => s,
            _ if a.group.is_some() => return Err(CmdError::coded("UNBLOCKED", "the stream key no longer exists")),
            _ => continue,
        };
        let gt = match a.group {
            Some((g, _)) => match s.group(g) {
                Some(g) => g.last_id,
                None => {
                    return Err(CmdError::coded(
                        "NOGROUP",
                        "the consumer group this client was blocked on no longer exists",
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
        return Ok(Replied);
    }
    // Still nothing: keep waiting (the block request is already in place).
    Ok(Outcome::block(BlockRequest { keys: Vec::new(), deadline: None, on_timeout: TimeoutReply::NullArray }))
}

// ---- consumer groups ----------------------------------------------------------------

/// Redis's refusal of a subcommand's arguments, naming the subcommand as
/// sent (at most 128 bytes of it).
fn subcommand_syntax(args: &Args<'_>, container: &str) -> CmdError {
    let sub = args.arg(1);
    CmdError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {container} HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)])
    ))
}

fn entries_read_arg(arg: &[u8]) -> Result<i64, CmdError> {
    let n = int_arg(arg)?;
    if n < 0 && n != ENTRIES_READ_INVALID {
        return Err(CmdError::err("value for ENTRIESREAD must be positive or -1"));
    }
    Ok(n)
}

fn require_key() -> CmdError {
    CmdError::err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
}

fn no_group_for_key(group: &[u8], key: &[u8]) -> CmdError {
    CmdError::coded(
        "NOGROUP",
        format!(
            "No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(group),
            String::from_utf8_lossy(key)
        ),
    )
}

fn xgroup_create(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group, id_arg) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let options = args.remaining();
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_INVALID;
    while let Some(opt) = args.next() {
        if is(opt, "mkstream") {
            mkstream = true;
        } else if is(opt, "entriesread") && args.has_more() {
            entries_read = entries_read_arg(args.next_bytes()?)?;
        } else {
            return Err(subcommand_syntax(args, "XGROUP"));
        }
    }
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let exists = lookup_stream(db, key, now)?.is_some();
    if !exists && !mkstream {
        return Err(require_key());
    }
    // At most MKSTREAM and ENTRIESREAD n.
    if options > 3 {
        return Err(subcommand_syntax(args, "XGROUP"));
    }
    let id = if id_arg == b"$" {
        lookup_stream(db, key, now)?.map_or(StreamId::MIN, |s| s.last_id)
    } else {
        strict_id(id_arg)?
    };
    if !exists {
        db.insert(key, Value::Stream(Box::default()), None, now);
    }
    let s = lookup_stream(db, key, now)?.expect("exists");
    if s.group(group).is_some() {
        if !exists {
            ctx.dirty(1);
        }
        return Err(CmdError::coded("BUSYGROUP", "Consumer Group name already exists"));
    }
    s.groups_mut().insert(group.into(), Group::new(id, entries_read));
    ctx.out().ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-create", key);
    Ok(Replied)
}

/// The stream of an XGROUP subcommand that needs the group (key and group
/// checks in Redis's order).
fn group_of<'a>(db: &'a mut Db, key: &[u8], group: &[u8], now: u64) -> Result<&'a mut Stream, CmdError> {
    let s = lookup_stream(db, key, now)?.ok_or_else(require_key)?;
    if s.group(group).is_none() {
        return Err(no_group_for_key(group, key));
    }
    Ok(s)
}

fn xgroup_setid(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group, id_arg) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let options = args.remaining();
    let mut entries_read = ENTRIES_READ_INVALID;
    while let Some(opt) = args.next() {
        if !(is(opt, "entriesread") && args.has_more()) {
            return Err(subcommand_syntax(args, "XGROUP"));
        }
        entries_read = entries_read_arg(args.next_bytes()?)?;
    }
    let now = ctx.now_ms;
    let s = group_of(ctx.srv.store.db(ctx.client.db), key, group, now)?;
    // At most one ENTRIESREAD n.
    if options != 0 && options != 2 {
        return Err(subcommand_syntax(args, "XGROUP"));
    }
    let id = if id_arg == b"$" { s.last_id } else { parse_id_full(id_arg, 0, false, false)?.id };
    let g = s.group_mut(group).expect("checked");
    g.last_id = id;
    g.entries_read = entries_read;
    ctx.out().ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-setid", key);
    Ok(Replied)
}

fn xgroup_destroy(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?.ok_or_else(require_key)?;
    if s.groups_mut().remove(group).is_some() {
        ctx.out().int(1);
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-destroy", key);
    } else {
        ctx.out().int(0);
    }
    Ok(Replied)
}

fn xgroup_createconsumer(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group, consumer) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let now = ctx.now_ms;
    let s = group_of(ctx.srv.store.db(ctx.client.db), key, group, now)?;
    let g = s.group_mut(group).expect("checked");
    let created = !g.consumers.contains_key(consumer);
    if created {
        g.consumer_or_create(consumer, now);
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-createconsumer", key);
    }
    ctx.out().int(i64::from(created));
    Ok(Replied)
}

fn xgroup_delconsumer(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group, consumer) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let now = ctx.now_ms;
    let s = group_of(ctx.srv.store.db(ctx.client.db), key, group, now)?;
    let g = s.group_mut(group).expect("checked");
    let n = match g.delete_consumer(consumer) {
        Some(n) => {
            ctx.dirty(1);
            ctx.notify(ev::STREAM, "xgroup-delconsumer", key);
            n
        }
        None => 0,
    };
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn xgroup_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
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
    Ok(Replied)
}

fn xack(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?;
    // No key or no group: nothing to acknowledge, whatever the IDs say.
    let Some(g) = s.and_then(|s| s.group_mut(group)) else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let ids = args.map(strict_id).collect::<Result<Vec<_>, _>>()?;
    let n = ids.iter().filter(|&&id| g.ack(id)).count();
    ctx.out().int(n as i64);
    ctx.dirty(n as u64);
    Ok(Replied)
}

fn xpending(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let opts = pending_opts(args)?;
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?;
    let Some(g) = s.and_then(|s| s.group(group)) else {
        return Err(nogroup_key(key, group));
    };
    let PendingOpts { minidle, range, consumer } = opts;
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
        return Ok(Replied);
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
                return Ok(Replied);
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
    Ok(Replied)
}

/// XPENDING's extended form: `[IDLE min-idle-time] start end count
/// [consumer]`.
#[derive(Debug, PartialEq)]
struct PendingOpts<'a> {
    minidle: i64,
    /// Start, end and count; `None` for the summary form.
    range: Option<(StreamId, StreamId, usize)>,
    consumer: Option<&'a [u8]>,
}

/// Reads XPENDING's arguments after the group, in Redis's order: the count
/// is checked before the ids, and anything after the consumer is ignored.
fn pending_opts<'a>(args: &mut Args<'a>) -> Result<PendingOpts<'a>, CmdError> {
    let mut o = PendingOpts { minidle: 0, range: None, consumer: None };
    let extra = args.remaining();
    if extra == 0 {
        return Ok(o);
    }
    if !(3..=6).contains(&extra) {
        return Err(CmdError::Syntax);
    }
    if args.eat("idle") {
        o.minidle = args.next_i64()?;
        if extra < 5 {
            return Err(CmdError::Syntax);
        }
    }
    let (start, end) = (args.next_bytes()?, args.next_bytes()?);
    let count = args.next_i64()?.max(0);
    let start = range_start(start)?;
    let end = range_end(end)?;
    o.consumer = args.next();
    o.range = Some((start, end, count as usize));
    Ok(o)
}

/// An integer option of XCLAIM / XAUTOCLAIM, with the command's own error.
fn claim_int(arg: &[u8], what: &'static str) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or_else(|| CmdError::err(what))
}

fn xclaim(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group, name) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let minidle = args.next_bytes()?;
    let now = ctx.now_ms;
    let dbi = ctx.client.db;
    {
        let s = lookup_stream(ctx.srv.store.db(dbi), key, now)?;
        if s.and_then(|s| s.group(group)).is_none() {
            return Err(nogroup_key(key, group));
        }
    }
    let minidle = claim_int(minidle, "Invalid min-idle-time argument for XCLAIM")?.max(0);
    // The ids run up to the first argument that is not one.
    let mut ids = Vec::new();
    while let Some(Ok(id)) = args.peek().map(strict_id) {
        ids.push(id);
        args.next();
    }
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::MIN;
    while let Some(opt) = args.next() {
        let more = args.has_more();
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more {
            let v = claim_int(args.next_bytes()?, "Invalid IDLE option argument for XCLAIM")?;
            deliverytime = (now as i64).wrapping_sub(v);
        } else if is(opt, "time") && more {
            deliverytime = claim_int(args.next_bytes()?, "Invalid TIME option argument for XCLAIM")?;
        } else if is(opt, "retrycount") && more {
            retrycount = claim_int(args.next_bytes()?, "Invalid RETRYCOUNT option argument for XCLAIM")?;
        } else if is(opt, "lastid") && more {
            last_id = strict_id(args.next_bytes()?)?;
        } else {
            return Err(CmdError::err(format!("Unrecognized XCLAIM option '{}'", String::from_utf8_lossy(opt))));
        }
    }
    let s = lookup_stream(ctx.srv.store.db(dbi), key, now)?.expect("checked");
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
        ctx.notify(ev::STREAM, "xgroup-createconsumer", key);
    }
    Ok(Replied)
}

fn xautoclaim(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group, name) = (args.next_bytes()?, args.next_bytes()?, args.next_bytes()?);
    let minidle = claim_int(args.next_bytes()?, "Invalid min-idle-time argument for XAUTOCLAIM")?.max(0);
    let start = range_start(args.next_bytes()?)?;
    let mut count: i64 = 100;
    let mut justid = false;
    while let Some(opt) = args.next() {
        if is(opt, "count") && args.has_more() {
            // Redis caps COUNT at LONG_MAX / 16 (it sizes a buffer from it).
            count = args.next_i64_where(|n| (1..=i64::MAX / 16).contains(&n), CmdError::err("COUNT must be > 0"))?;
        } else if is(opt, "justid") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?;
    let Some(s) = s.filter(|s| s.group(group).is_some()) else {
        return Err(nogroup_key(key, group));
    };
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
        ctx.notify(ev::STREAM, "xgroup-createconsumer", key);
    }
    Ok(Replied)
}

// ---- XSETID ------------------------------------------------------------------------

fn xsetid(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let id = strict_id(args.next_bytes()?)?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    while let Some(opt) = args.next() {
        let more = args.has_more();
        if is(opt, "entriesadded") && more {
            entries_added = args.next_i64()?;
            if entries_added < 0 {
                return Err(CmdError::err("entries_added must be positive"));
            }
        } else if is(opt, "maxdeletedid") && more {
            max_xdel = strict_id(args.next_bytes()?)?;
            if id < max_xdel {
                return Err(CmdError::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?.ok_or(CmdError::NoSuchKey)?;
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
    ctx.notify(ev::STREAM, "xsetid", key);
    Ok(Replied)
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

fn xinfo_consumers(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (key, group) = (args.next_bytes()?, args.next_bytes()?);
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?.ok_or(CmdError::NoSuchKey)?;
    let Some(g) = s.group(group) else {
        return Err(no_group_for_key(group, key));
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
    Ok(Replied)
}

fn xinfo_groups(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?.ok_or(CmdError::NoSuchKey)?;
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
    Ok(Replied)
}

/// XINFO STREAM's options after the key: nothing, `FULL`, or `FULL COUNT
/// n`; whether FULL was given and the COUNT (10 by default, 0: all).
fn info_stream_opts(args: &mut Args<'_>) -> Result<(bool, i64), CmdError> {
    match args.remaining() {
        0 => Ok((false, 10)),
        1 | 3 if args.eat("full") => {
            if !args.has_more() {
                return Ok((true, 10));
            }
            if !args.eat("count") {
                return Err(subcommand_syntax(args, "XINFO"));
            }
            Ok((true, args.next_i64()?.max(0)))
        }
        _ => Err(subcommand_syntax(args, "XINFO")),
    }
}

fn xinfo_stream(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (full, count) = info_stream_opts(args)?;
    let now = ctx.now_ms;
    let s = lookup_stream(ctx.srv.store.db(ctx.client.db), key, now)?.ok_or(CmdError::NoSuchKey)?;
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
        return Ok(Replied);
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
    Ok(Replied)
}

fn xinfo_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
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
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::common::with_args;

    /// The error text of a parser's result, or what `ok` makes of its value.
    fn shown<T>(r: Result<T, CmdError>, ok: impl FnOnce(T) -> String) -> String {
        r.map_or_else(|e| e.to_string(), ok)
    }

    #[test]
    fn trim_options() {
        // (command line, xadd, options, id and what is left, or the error)
        let check = |line: &str, xadd: bool, want: &str| {
            let got = with_args(line, 2, |a| {
                shown(parse_trim_args(a, xadd, 100), |t| {
                    let id = match t.id {
                        None => "-".to_string(),
                        Some(NewId::Auto) => "*".to_string(),
                        Some(NewId::Given(p)) => {
                            format!("{}-{}{}", p.id.ms, p.id.seq, if p.seq_given { "" } else { "?" })
                        }
                    };
                    let left: Vec<String> = a.map(|x| String::from_utf8_lossy(x).into_owned()).collect();
                    format!(
                        "{:?} approx={} limit={} nomk={} id={id} left={left:?}",
                        t.how, t.approx, t.limit, t.nomkstream
                    )
                })
            });
            assert_eq!(got, want, "{line}");
        };
        let bad_id = "ERR Invalid stream ID specified as stream command argument";
        check("xadd k * f v", true, r#"None approx=false limit=0 nomk=false id=* left=["f", "v"]"#);
        check(
            "xadd k NOMKSTREAM maxlen ~ 5 1-1 f v",
            true,
            r#"Some(MaxLen(5)) approx=true limit=10000 nomk=true id=1-1 left=["f", "v"]"#,
        );
        check("xadd k 5-* f v", true, r#"None approx=false limit=0 nomk=false id=5-0? left=["f", "v"]"#);
        check(
            "xadd k minid = 7 limit 3 * f v",
            true,
            "ERR syntax error, LIMIT cannot be used without the special ~ option",
        );
        check(
            "xadd k minid ~ 7 limit 3 * f v",
            true,
            r#"Some(MinId(StreamId { ms: 7, seq: 0 })) approx=true limit=3 nomk=false id=* left=["f", "v"]"#,
        );
        check(
            "xadd k maxlen 5 minid 1 * f v",
            true,
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
        );
        check("xadd k maxlen -1 * f v", true, "ERR The MAXLEN argument must be >= 0.");
        check("xadd k maxlen ~ f v", true, "ERR value is not an integer or out of range");
        check(
            "xadd k limit 5 * f v",
            true,
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        );
        check("xadd k limit -5 * f v", true, "ERR The LIMIT argument must be >= 0.");
        // The id is refused where the options end, before they are checked
        // against each other; the fields are the caller's to count.
        check("xadd k limit 5 badid x", true, bad_id);
        check("xadd k maxlen 5 badid", true, bad_id);
        check("xadd k maxlen 5 1-1 f", true, r#"Some(MaxLen(5)) approx=false limit=0 nomk=false id=1-1 left=["f"]"#);
        // A last LIMIT has no value: it is the id.
        check("xadd k nomkstream nomkstream limit", true, bad_id);
        check("xadd k nomkstream nomkstream nomkstream", true, "None approx=false limit=0 nomk=true id=- left=[]");
        check("xtrim k maxlen 0", false, r#"Some(MaxLen(0)) approx=false limit=0 nomk=false id=- left=[]"#);
        check("xtrim k", false, "ERR syntax error, XTRIM must be called with a trimming strategy");
        check("xtrim k maxlen 1 nomkstream", false, "ERR syntax error");
        check("xtrim k maxlen 1 *", false, "ERR syntax error");
        check("xtrim k minid bad", false, bad_id);
    }

    #[test]
    fn read_options() {
        let check = |line: &str, group: bool, want: &str| {
            let got = with_args(line, 1, |a| {
                shown(parse_read_args(1000, a, group), |r| {
                    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                    let streams: Vec<(String, String)> = (0..r.n).map(|i| (text(r.key(i)), text(r.id(i)))).collect();
                    let group = r.group.map(|(g, c)| (text(g), text(c)));
                    format!("count={} block={:?} noack={} group={group:?} {streams:?}", r.count, r.block, r.noack)
                })
            });
            assert_eq!(got, want, "{line}");
        };
        check("xread streams a b 0 $", false, r#"count=0 block=None noack=false group=None [("a", "0"), ("b", "$")]"#);
        check(
            "xread COUNT -3 block 0 streams a 0",
            false,
            r#"count=0 block=Some(None) noack=false group=None [("a", "0")]"#,
        );
        check(
            "xread block 50 streams a 0",
            false,
            r#"count=0 block=Some(Some(1050)) noack=false group=None [("a", "0")]"#,
        );
        check(
            "xreadgroup group g c noack count 2 streams s >",
            true,
            r#"count=2 block=None noack=true group=Some(("g", "c")) [("s", ">")]"#,
        );
        // STREAMS takes everything after it, option names too.
        check("xread streams count 1", false, r#"count=0 block=None noack=false group=None [("count", "1")]"#);
        let unbalanced = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
        check("xread streams a b 0", false, unbalanced);
        check("xreadgroup noack count 1 streams a b c", true, unbalanced);
        check("xread count 1", false, "ERR syntax error");
        check("xread streams", false, "ERR syntax error");
        check("xread block -1 streams a 0", false, "ERR timeout is negative");
        check("xread block x streams a 0", false, "ERR timeout is not an integer or out of range");
        check("xread count x streams a 0", false, "ERR value is not an integer or out of range");
        check(
            "xread group g c streams a 0",
            false,
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
        );
        check(
            "xread noack streams a 0",
            false,
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
        );
        check("xreadgroup count 1 noack streams a >", true, "ERR Missing GROUP option for XREADGROUP");
        check("xreadgroup group g streams a > x", true, "ERR syntax error");
    }

    #[test]
    fn pending_forms() {
        let check = |line: &str, want: &str| {
            let got = with_args(line, 3, |a| {
                shown(pending_opts(a), |o| {
                    let c = o.consumer.map(|c| String::from_utf8_lossy(c).into_owned());
                    let r = o.range.map(|(s, e, n)| (s.ms, s.seq, e.ms, e.seq, n));
                    format!("idle={} range={r:?} consumer={c:?}", o.minidle)
                })
            });
            assert_eq!(got, want, "{line}");
        };
        let max = u64::MAX;
        check("xpending k g", "idle=0 range=None consumer=None");
        check("xpending k g - + 10", &format!("idle=0 range=Some((0, 0, {max}, {max}, 10)) consumer=None"));
        check(
            "xpending k g IDLE 5 (1 2 -1 bob",
            "idle=5 range=Some((1, 1, 2, 18446744073709551615, 0)) consumer=Some(\"bob\")",
        );
        check(
            "xpending k g - + 10 bob x y",
            &format!("idle=0 range=Some((0, 0, {max}, {max}, 10)) consumer=Some(\"bob\")"),
        );
        check("xpending k g -", "ERR syntax error");
        check("xpending k g - +", "ERR syntax error");
        check("xpending k g idle 5 - +", "ERR syntax error");
        check("xpending k g idle x - + 1", "ERR value is not an integer or out of range");
        // The count is read before the ids.
        check("xpending k g bad + x", "ERR value is not an integer or out of range");
        check("xpending k g bad + 1", "ERR Invalid stream ID specified as stream command argument");
        check("xpending k g - + 1 a b c d", "ERR syntax error");
    }

    #[test]
    fn info_stream_forms() {
        let check = |line: &str, want: &str| {
            let got = with_args(line, 2, |a| {
                a.next();
                shown(info_stream_opts(a), |(full, count)| format!("full={full} count={count}"))
            });
            assert_eq!(got, want, "{line}");
        };
        let bad = "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.";
        check("xinfo STREAM k", "full=false count=10");
        check("xinfo STREAM k full", "full=true count=10");
        check("xinfo STREAM k FULL count 0", "full=true count=0");
        check("xinfo STREAM k full count -5", "full=true count=0");
        check("xinfo STREAM k full count x", "ERR value is not an integer or out of range");
        check("xinfo STREAM k full limit 5", bad);
        check("xinfo STREAM k full count", bad);
        check("xinfo STREAM k partial", bad);
        check("xinfo STREAM k full count 1 x", bad);
    }

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
