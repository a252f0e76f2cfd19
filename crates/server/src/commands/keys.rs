//! Generic key-space commands: DEL, EXISTS, TYPE, RENAME, COPY, MOVE,
//! SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB/FLUSHALL, the EXPIRE and
//! TTL families, PERSIST, OBJECT.

use ember_store::glob_match;

use crate::command::prelude::*;
use crate::command::{int_arg, is, lossy};
use crate::commands::common::{container, help, parse_cursor};
use crate::config::notify as ev;

/// The arguments of FLUSHDB, FLUSHALL.
const FLUSHDB_ARGS: &[arg::Arg] =
    &[arg::oneof("async", &[arg::token("async", "ASYNC").since("4.0.0"), arg::token("sync", "SYNC").since("6.2.0")])
        .optional()];

/// Key-space commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, del)
        .flags(WRITE)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RM | ks::DELETE)])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .doc(
            "generic",
            "Delete a key",
            "1.0.0",
            "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("unlink", -2, del)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RM | ks::DELETE)])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .doc(
            "generic",
            "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
            "4.0.0",
            "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("exists", -2, exists)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO)])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .doc("generic", "Determine if a key exists", "1.0.0", "O(N) where N is the number of keys to check.")
        .history(&[("3.0.3", "Accepts multiple `key` arguments.")])
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("touch", -2, touch)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::RO)])
        .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
        .doc(
            "generic",
            "Alters the last access time of a key(s). Returns the number of existing keys specified.",
            "3.2.1",
            "O(N) where N is the number of keys that will be touched.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("type", 2, type_)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("generic", "Determine the type stored at key", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("rename", 3, rename)
        .flags(WRITE)
        .acl(acl::KEYSPACE)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE),
            KeySpec::index(2).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
        ])
        .doc("generic", "Rename a key", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::key("newkey", 1)]),
    CommandSpec::new("renamenx", 3, renamenx)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE),
            KeySpec::index(2).range(0, 1, 0).flags(ks::OW | ks::INSERT),
        ])
        .doc("generic", "Rename a key, only if the new key does not exist", "1.0.0", "O(1)")
        .history(&[("3.2.0", "The command no longer returns an error when source and destination names are the same.")])
        .args(&[arg::key("key", 0), arg::key("newkey", 1)]),
    CommandSpec::new("copy", -3, copy)
        .flags(WRITE | DENYOOM)
        .acl(acl::KEYSPACE)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
            KeySpec::index(2).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
        ])
        .doc(
            "generic",
            "Copy a key",
            "6.2.0",
            "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        )
        .args(&[
            arg::key("source", 0),
            arg::key("destination", 1),
            arg::integer("destination-db").token("DB").optional(),
            arg::token("replace", "REPLACE").optional(),
        ]),
    CommandSpec::new("move", 3, move_)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("generic", "Move a key to another database", "1.0.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("db")]),
    CommandSpec::new("swapdb", 3, swapdb)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .doc(
            "server",
            "Swaps two Redis databases",
            "4.0.0",
            "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        )
        .args(&[arg::integer("index1"), arg::integer("index2")]),
    CommandSpec::new("keys", 2, keys)
        .flags(READONLY)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "nondeterministic_output_order"])
        .doc(
            "generic",
            "Find all keys matching the given pattern",
            "1.0.0",
            "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        )
        .args(&[arg::pattern("pattern")]),
    CommandSpec::new("scan", -2, scan)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["nondeterministic_output", "request_policy:special"])
        .doc(
            "generic",
            "Incrementally iterate the keys space",
            "2.8.0",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        )
        .history(&[("6.0.0", "Added the `TYPE` subcommand.")])
        .args(&[
            arg::integer("cursor"),
            arg::pattern("pattern").token("MATCH").optional(),
            arg::integer("count").token("COUNT").optional(),
            arg::string("type").token("TYPE").since("6.0.0").optional(),
        ]),
    CommandSpec::new("randomkey", 1, randomkey)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:all_shards", "nondeterministic_output"])
        .doc("generic", "Return a random key from the keyspace", "1.0.0", "O(1)"),
    CommandSpec::new("dbsize", 1, dbsize)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .tips(&["request_policy:all_shards", "response_policy:agg_sum"])
        .doc("server", "Return the number of keys in the selected database", "1.0.0", "O(1)"),
    CommandSpec::new("flushdb", -1, flushdb)
        .flags(WRITE)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(
            "server",
            "Remove all keys from the current database",
            "1.0.0",
            "O(N) where N is the number of keys in the selected database",
        )
        .history(&[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ])
        .args(FLUSHDB_ARGS),
    CommandSpec::new("flushall", -1, flushall)
        .flags(WRITE)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(
            "server",
            "Remove all keys from all databases",
            "1.0.0",
            "O(N) where N is the total number of keys in all databases",
        )
        .history(&[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ])
        .args(FLUSHDB_ARGS),
    CommandSpec::new("expire", -3, expire)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("generic", "Set a key's time to live in seconds", "1.0.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            arg::key("key", 0),
            arg::integer("seconds"),
            arg::oneof(
                "condition",
                &[
                    arg::token("nx", "NX"),
                    arg::token("xx", "XX"),
                    arg::token("gt", "GT"),
                    arg::token("lt", "LT"),
                ],
            ).since("7.0.0").optional(),
        ]),
    CommandSpec::new("pexpire", -3, pexpire)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("generic", "Set a key's time to live in milliseconds", "2.6.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            arg::key("key", 0),
            arg::integer("milliseconds"),
            arg::oneof(
                "condition",
                &[
                    arg::token("nx", "NX"),
                    arg::token("xx", "XX"),
                    arg::token("gt", "GT"),
                    arg::token("lt", "LT"),
                ],
            ).since("7.0.0").optional(),
        ]),
    CommandSpec::new("expireat", -3, expireat)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("generic", "Set the expiration for a key as a UNIX timestamp", "1.2.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            arg::key("key", 0),
            arg::unix_time("unix-time-seconds"),
            arg::oneof(
                "condition",
                &[
                    arg::token("nx", "NX"),
                    arg::token("xx", "XX"),
                    arg::token("gt", "GT"),
                    arg::token("lt", "LT"),
                ],
            ).since("7.0.0").optional(),
        ]),
    CommandSpec::new("pexpireat", -3, pexpireat)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("generic", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            arg::key("key", 0),
            arg::unix_time("unix-time-milliseconds"),
            arg::oneof(
                "condition",
                &[
                    arg::token("nx", "NX"),
                    arg::token("xx", "XX"),
                    arg::token("gt", "GT"),
                    arg::token("lt", "LT"),
                ],
            ).since("7.0.0").optional(),
        ]),
    CommandSpec::new("ttl", 2, ttl)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc("generic", "Get the time to live for a key in seconds", "1.0.0", "O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("pttl", 2, pttl)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc("generic", "Get the time to live for a key in milliseconds", "2.6.0", "O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("expiretime", 2, expiretime)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("generic", "Get the expiration Unix timestamp for a key", "7.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("pexpiretime", 2, pexpiretime)
        .flags(READONLY | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("generic", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("dump", 2, dump)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "generic",
            "Return a serialized version of the value stored at the specified key.",
            "2.6.0",
            "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
        )
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("restore", -4, restore)
        .flags(WRITE | DENYOOM)
        .acl(acl::KEYSPACE | acl::DANGEROUS)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE)])
        .doc(
            "generic",
            "Create a key using the provided serialized value, previously obtained using DUMP.",
            "2.6.0",
            "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        )
        .history(&[
            ("3.0.0", "Added the `REPLACE` modifier."),
            ("5.0.0", "Added the `ABSTTL` modifier."),
            ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
        ])
        .args(&[
            arg::key("key", 0),
            arg::integer("ttl"),
            arg::string("serialized-value"),
            arg::token("replace", "REPLACE").since("3.0.0").optional(),
            arg::token("absttl", "ABSTTL").since("5.0.0").optional(),
            arg::integer("seconds").token("IDLETIME").since("5.0.0").optional(),
            arg::integer("frequency").token("FREQ").since("5.0.0").optional(),
        ]),
    CommandSpec::new("persist", 2, persist)
        .flags(WRITE | FAST)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc("generic", "Remove the expiration from a key", "2.2.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("object", -2, container)
        .doc("generic", "A container for object introspection commands", "2.2.3", "Depends on subcommand.")
        .subcommands(OBJECT_SUBCOMMANDS),
];

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("object|encoding", 3, object_encoding)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO)])
        .tips(&["nondeterministic_output"])
        .doc("generic", "Inspect the internal encoding of a Redis object", "2.2.3", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("object|idletime", 3, object_idletime)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO)])
        .tips(&["nondeterministic_output"])
        .doc("generic", "Get the time since a Redis object was last accessed", "2.2.3", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("object|freq", 3, object_freq)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO)])
        .tips(&["nondeterministic_output"])
        .doc("generic", "Get the logarithmic access frequency counter of a Redis object", "4.0.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("object|refcount", 3, object_refcount)
        .flags(READONLY)
        .acl(acl::KEYSPACE)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO)])
        .tips(&["nondeterministic_output"])
        .doc("generic", "Get the number of references to the value of the key", "2.2.3", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("object|help", 2, object_help).flags(LOADING | STALE).acl(acl::KEYSPACE).doc(
        "generic",
        "Show helpful text about the different subcommands",
        "6.2.0",
        "O(1)",
    ),
];

fn del(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let mut n = 0;
    for key in args.rest() {
        if let Some(v) = ctx.srv.store.db(ctx.client.db).remove(key, now) {
            ctx.srv.drop_value(v);
            n += 1;
            ctx.notify(ev::GENERIC, "del", key);
        }
    }
    ctx.dirty(n);
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn exists(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let n = args.rest().filter(|k| db.peek(k, now).is_some()).count();
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn touch(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let n = args.rest().filter(|k| db.get(k, now).is_some()).count();
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn type_(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let name = ctx.srv.store.db(ctx.client.db).peek(key, now).map_or("none", |e| e.value().type_name());
    ctx.out().simple(name);
    Ok(Replied)
}

fn rename_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, nx: bool) -> CmdResult {
    let now = ctx.now_ms;
    let from = args.next_bytes()?;
    let to = args.next_bytes()?;
    args.finish()?;
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
        return Ok(Replied);
    }
    if nx && db.peek(to, now).is_some() {
        ctx.out().int(0);
        return Ok(Replied);
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
    Ok(Replied)
}

fn rename(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// Takes a database index argument (MOVE, COPY DB) below `databases`.
fn next_db_index(args: &mut Args<'_>, databases: usize) -> Result<usize, CmdError> {
    let idx = args.next_i64()?;
    if idx < 0 || idx as usize >= databases {
        return Err(CmdError::DbIndexOutOfRange);
    }
    Ok(idx as usize)
}

/// COPY's options: the target database (`db` unless `DB` says otherwise)
/// and REPLACE. A bad `DB` value is refused as soon as it is read.
fn copy_options(args: &mut Args<'_>, db: usize, databases: usize) -> Result<(usize, bool), CmdError> {
    let (mut target, mut replace) = (db, false);
    while let Some(opt) = args.next() {
        if is(opt, "REPLACE") {
            replace = true;
        } else if is(opt, "DB") && args.has_more() {
            target = next_db_index(args, databases)?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((target, replace))
}

fn copy(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    let (target, replace) = copy_options(args, ctx.client.db, ctx.srv.store.databases())?;
    if target == ctx.client.db && src == dst {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let Some(entry) = ctx.srv.store.db(ctx.client.db).peek(src, now).cloned() else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let tdb = ctx.srv.store.db(target);
    if tdb.peek(dst, now).is_some() {
        if !replace {
            ctx.out().int(0);
            return Ok(Replied);
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
    Ok(Replied)
}

fn move_(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let target = next_db_index(args, ctx.srv.store.databases())?;
    args.finish()?;
    if target == ctx.client.db {
        return Err(CmdError::err("source and destination objects are the same"));
    }
    let (src, dst) = ctx.srv.store.db_pair(ctx.client.db, target);
    if src.peek(key, now).is_none() || dst.peek(key, now).is_some() {
        ctx.out().int(0);
        return Ok(Replied);
    }
    if let Some(entry) = src.take_entry(key, now) {
        dst.put_entry(key, entry, now);
    }
    ctx.srv.events.touched(target, key);
    ctx.dirty(1);
    ctx.notify(ev::GENERIC, "move_from", key);
    ctx.notify_db(ev::GENERIC, "move_to", key, target);
    ctx.out().int(1);
    Ok(Replied)
}

fn swapdb(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let a = args.next_i64().map_err(|_| CmdError::err("invalid first DB index"))?;
    let b = args.next_i64().map_err(|_| CmdError::err("invalid second DB index"))?;
    args.finish()?;
    let n = ctx.srv.store.databases() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.srv.store.swap_db(a as usize, b as usize);
    ctx.srv.events.touched_db(a as usize);
    ctx.srv.events.touched_db(b as usize);
    ctx.dirty(1);
    ctx.out().ok();
    Ok(Replied)
}

fn keys(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let pattern = args.next_bytes()?;
    args.finish()?;
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
    Ok(Replied)
}

/// SCAN's options after the cursor: `MATCH pattern`, `COUNT n` (at least
/// 1), `TYPE name`; each takes a value, the last one given wins.
struct ScanOptions<'a> {
    pattern: Option<&'a [u8]>,
    count: usize,
    type_filter: Option<&'a [u8]>,
}

impl<'a> ScanOptions<'a> {
    fn parse(args: &mut Args<'a>) -> Result<ScanOptions<'a>, CmdError> {
        let mut o = ScanOptions { pattern: None, count: 10, type_filter: None };
        while let Some(opt) = args.next() {
            let val = args.next_bytes()?;
            if is(opt, "COUNT") {
                let n = int_arg(val)?;
                if n < 1 {
                    return Err(CmdError::Syntax);
                }
                o.count = n as usize;
            } else if is(opt, "MATCH") {
                o.pattern = Some(val);
            } else if is(opt, "TYPE") {
                o.type_filter = Some(val);
            } else {
                return Err(CmdError::Syntax);
            }
        }
        Ok(o)
    }
}

fn scan(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let ScanOptions { pattern, count, type_filter } = ScanOptions::parse(args)?;
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
    Ok(Replied)
}

fn randomkey(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    match ctx.srv.store.db(ctx.client.db).random_key(now) {
        Some(k) => ctx.out().bulk(&k),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn dbsize(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let n = ctx.srv.store.db(ctx.client.db).len();
    ctx.out().int(n as i64);
    Ok(Replied)
}

/// Parses FLUSHDB/FLUSHALL's optional mode: true for ASYNC, `default`
/// without one.
fn flush_mode(args: &mut Args<'_>, default: bool) -> Result<bool, CmdError> {
    let lazy = match args.peek() {
        None => default,
        Some(_) => args.next_keyword(&["ASYNC", "SYNC"])? == 0,
    };
    args.finish()?;
    Ok(lazy)
}

fn flushdb(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let lazy = flush_mode(args, ctx.srv.config.lazyfree_lazy_user_flush)?;
    let old = ctx.srv.store.db(ctx.client.db).clear();
    ctx.srv.events.touched_db(ctx.client.db);
    ctx.dirty(old.len() as u64);
    if lazy {
        ctx.srv.lazyfree.free(old);
    } else {
        drop(old);
    }
    ctx.out().ok();
    Ok(Replied)
}

fn flushall(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let lazy = flush_mode(args, ctx.srv.config.lazyfree_lazy_user_flush)?;
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
    Ok(Replied)
}

/// The EXPIRE family's conditions: NX, XX, GT, LT.
#[derive(Debug, Default, PartialEq, Eq)]
struct ExpireCond {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl ExpireCond {
    /// Parses every argument left, then refuses the combinations Redis
    /// refuses.
    fn parse(args: &mut Args<'_>) -> Result<ExpireCond, CmdError> {
        let mut c = ExpireCond::default();
        for opt in args.rest() {
            if is(opt, "NX") {
                c.nx = true;
            } else if is(opt, "XX") {
                c.xx = true;
            } else if is(opt, "GT") {
                c.gt = true;
            } else if is(opt, "LT") {
                c.lt = true;
            } else {
                return Err(CmdError::err(format!("Unsupported option {}", lossy(opt))));
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(CmdError::err("NX and XX, GT or LT options at the same time are not compatible"));
        }
        if c.gt && c.lt {
            return Err(CmdError::err("GT and LT options at the same time are not compatible"));
        }
        Ok(c)
    }
}

/// EXPIRE-family core: `unit_ms` scales the argument, `absolute` means a
/// Unix time rather than a delay.
fn expire_generic(
    ctx: &mut Ctx<'_>,
    args: &mut Args<'_>,
    unit_ms: i64,
    absolute: bool,
    name: &'static str,
) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let time = args.next_bytes()?;
    let ExpireCond { nx, xx, gt, lt } = ExpireCond::parse(args)?;
    // Redis validates the options before the number (`EXPIRE k x FOO` is
    // "Unsupported option FOO").
    let v = int_arg(time)?;
    let when = v
        .checked_mul(unit_ms)
        .and_then(|ms| if absolute { Some(ms) } else { ms.checked_add(now as i64) })
        .ok_or(CmdError::InvalidExpire(name))?;
    let db = ctx.srv.store.db(ctx.client.db);
    let Some(current) = db.expire_at(key, now) else {
        ctx.out().int(0);
        return Ok(Replied);
    };
    let allowed = match current {
        None => !(xx || gt),
        Some(cur) => !nx && (!gt || when > cur as i64) && (!lt || when < cur as i64),
    };
    if !allowed {
        ctx.out().int(0);
        return Ok(Replied);
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
    Ok(Replied)
}

fn expire(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    expire_generic(ctx, args, 1000, false, "expire")
}

fn pexpire(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    expire_generic(ctx, args, 1, false, "pexpire")
}

fn expireat(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    expire_generic(ctx, args, 1000, true, "expireat")
}

fn pexpireat(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    expire_generic(ctx, args, 1, true, "pexpireat")
}

/// TTL-family core: -2 missing, -1 persistent, else `f(deadline, now)`.
fn ttl_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, f: fn(u64, u64) -> i64) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let reply = match ctx.srv.store.db(ctx.client.db).expire_at(key, now) {
        None => -2,
        Some(None) => -1,
        Some(Some(at)) => f(at, now),
    };
    ctx.out().int(reply);
    Ok(Replied)
}

fn ttl(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, |at, now| (at.saturating_sub(now) as i64 + 500) / 1000)
}

fn pttl(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, |at, now| at.saturating_sub(now) as i64)
}

fn expiretime(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, |at, _| (at / 1000) as i64)
}

fn pexpiretime(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    ttl_generic(ctx, args, |at, _| at as i64)
}

fn persist(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let db = ctx.srv.store.db(ctx.client.db);
    let had = matches!(db.expire_at(key, now), Some(Some(_)));
    if had {
        db.set_expire(key, None, now);
        ctx.dirty(1);
        ctx.notify(ev::GENERIC, "persist", key);
    }
    ctx.out().int(i64::from(had));
    Ok(Replied)
}

fn dump(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let Some(entry) = ctx.srv.store.db(ctx.client.db).peek(key, now) else {
        ctx.out().null();
        return Ok(Replied);
    };
    let payload = ember_rdb::dump_payload(&crate::glue::to_rdb(entry.value()))
        .map_err(|e| CmdError::err(format!("DUMP failed: {e}")))?;
    ctx.out().bulk(&payload);
    Ok(Replied)
}

/// RESTORE's options: REPLACE, ABSTTL, and IDLETIME or FREQ (not both).
#[derive(Debug, Default, PartialEq, Eq)]
struct RestoreOptions {
    replace: bool,
    absttl: bool,
    /// IDLETIME, in seconds.
    idle: Option<i64>,
    /// FREQ.
    freq: Option<i64>,
}

impl RestoreOptions {
    /// Parses every argument left; a value is checked as soon as it is read.
    fn parse(args: &mut Args<'_>) -> Result<RestoreOptions, CmdError> {
        let mut o = RestoreOptions::default();
        while let Some(opt) = args.next() {
            if is(opt, "REPLACE") {
                o.replace = true;
            } else if is(opt, "ABSTTL") {
                o.absttl = true;
            } else if is(opt, "IDLETIME") && args.has_more() && o.freq.is_none() {
                let v = args.next_i64()?;
                if v < 0 {
                    return Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
                }
                o.idle = Some(v);
            } else if is(opt, "FREQ") && args.has_more() && o.idle.is_none() {
                let v = args.next_i64()?;
                if !(0..=255).contains(&v) {
                    return Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
                }
                o.freq = Some(v);
            } else {
                return Err(CmdError::Syntax);
            }
        }
        Ok(o)
    }
}

fn restore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let ttl = args.next_bytes()?;
    let payload = args.next_bytes()?;
    // The options are parsed before the TTL is.
    let RestoreOptions { replace, absttl, idle, freq } = RestoreOptions::parse(args)?;
    let ttl = int_arg(ttl)?;
    if ttl < 0 {
        return Err(CmdError::err("Invalid TTL value, must be >= 0"));
    }
    if !replace && ctx.srv.store.db(ctx.client.db).peek(key, now).is_some() {
        return Err(CmdError::coded("BUSYKEY", "Target key name already exists."));
    }
    let value = ember_rdb::parse_dump_payload(payload)
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
    Ok(Replied)
}

fn object_encoding(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    match ctx.srv.store.db(ctx.client.db).peek(key, now) {
        Some(e) => {
            let name = e.value().encoding_name();
            ctx.out().bulk(name.as_bytes());
        }
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    ctx.srv.config.maxmemory_policy.contains("lfu")
}

fn object_idletime(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    if lfu_policy(ctx) {
        return Err(CmdError::err(
            "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    match ctx.srv.store.db(ctx.client.db).idle_ms(key, now) {
        Some(ms) => ctx.out().int((ms / 1000) as i64),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn object_freq(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    if !lfu_policy(ctx) {
        return Err(CmdError::err(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    match ctx.srv.store.db(ctx.client.db).lfu_freq(key, now) {
        Some(f) => ctx.out().int(i64::from(f)),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn object_refcount(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    args.finish()?;
    let found = ctx.srv.store.db(ctx.client.db).peek(key, now).map(|e| {
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
    Ok(Replied)
}

fn object_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
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
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::common::with_args;

    #[test]
    fn copy_options_parse_in_order() {
        for (line, want) in [
            ("copy a b", Ok((3, false))),
            ("copy a b replace db 5", Ok((5, true))),
            ("copy a b DB 0 DB 15", Ok((15, false))),
            ("copy a b db 16", Err(CmdError::DbIndexOutOfRange)),
            ("copy a b db -1", Err(CmdError::DbIndexOutOfRange)),
            ("copy a b db x foo", Err(CmdError::NotInteger)),
            ("copy a b db", Err(CmdError::Syntax)),
            ("copy a b foo db x", Err(CmdError::Syntax)),
        ] {
            assert_eq!(with_args(line, 3, |a| copy_options(a, 3, 16)), want, "{line}");
        }
    }

    #[test]
    fn flush_modes() {
        for (line, want) in [
            ("flushdb", Ok(true)),
            ("flushdb async", Ok(true)),
            ("flushdb SYNC", Ok(false)),
            ("flushdb lazy", Err(CmdError::Syntax)),
            ("flushdb sync sync", Err(CmdError::Syntax)),
        ] {
            assert_eq!(with_args(line, 1, |a| flush_mode(a, true)), want, "{line}");
        }
    }

    #[test]
    fn scan_options() {
        let o = |pattern: Option<&str>, count, type_filter: Option<&str>| {
            Ok((pattern.map(|p| p.as_bytes().to_vec()), count, type_filter.map(|t| t.as_bytes().to_vec())))
        };
        for (line, want) in [
            ("scan 0", o(None, 10, None)),
            ("scan 0 match a* count 5 type hash", o(Some("a*"), 5, Some("hash"))),
            ("scan 0 COUNT 1 COUNT 7 MATCH x MATCH *", o(Some("*"), 7, None)),
            ("scan 0 count 0", Err(CmdError::Syntax)),
            ("scan 0 count x", Err(CmdError::NotInteger)),
            ("scan 0 count x match", Err(CmdError::NotInteger)),
            ("scan 0 match", Err(CmdError::Syntax)),
            ("scan 0 foo bar", Err(CmdError::Syntax)),
        ] {
            let got = with_args(line, 2, |a| {
                ScanOptions::parse(a)
                    .map(|o| (o.pattern.map(<[u8]>::to_vec), o.count, o.type_filter.map(<[u8]>::to_vec)))
            });
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn expire_conditions() {
        let c = |nx, xx, gt, lt| Ok(ExpireCond { nx, xx, gt, lt });
        let nx_and = || Err(CmdError::err("NX and XX, GT or LT options at the same time are not compatible"));
        for (line, want) in [
            ("expire k 1", c(false, false, false, false)),
            ("expire k 1 nx", c(true, false, false, false)),
            ("expire k 1 XX gt", c(false, true, true, false)),
            ("expire k 1 lt lt", c(false, false, false, true)),
            ("expire k 1 nx xx", nx_and()),
            ("expire k 1 lt nx", nx_and()),
            ("expire k 1 gt lt", Err(CmdError::err("GT and LT options at the same time are not compatible"))),
            ("expire k 1 nx foo", Err(CmdError::err("Unsupported option foo"))),
        ] {
            assert_eq!(with_args(line, 3, ExpireCond::parse), want, "{line}");
        }
    }

    #[test]
    fn restore_options() {
        let o = |replace, absttl, idle, freq| Ok(RestoreOptions { replace, absttl, idle, freq });
        let idle_err = Err(CmdError::err("Invalid IDLETIME value, must be >= 0"));
        let freq_err = Err(CmdError::err("Invalid FREQ value, must be >= 0 and <= 255"));
        for (line, want) in [
            ("restore k 0 p", o(false, false, None, None)),
            ("restore k 0 p replace absttl idletime 10", o(true, true, Some(10), None)),
            ("restore k 0 p FREQ 255 FREQ 3", o(false, false, None, Some(3))),
            ("restore k 0 p idletime -1", idle_err),
            ("restore k 0 p freq 256", freq_err),
            ("restore k 0 p freq x", Err(CmdError::NotInteger)),
            ("restore k 0 p idletime 1 freq 1", Err(CmdError::Syntax)),
            ("restore k 0 p freq 1 idletime 1", Err(CmdError::Syntax)),
            ("restore k 0 p idletime", Err(CmdError::Syntax)),
            ("restore k 0 p foo", Err(CmdError::Syntax)),
        ] {
            assert_eq!(with_args(line, 4, RestoreOptions::parse), want, "{line}");
        }
    }
}
