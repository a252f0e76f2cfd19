//! The command table against redis-server 7.0.15, in RESP2 and RESP3, as raw
//! reply frames (so array / set / map types count too): COMMAND INFO and
//! COMMAND DOCS of every command and subcommand ember implements, the ACL
//! category lists, COMMAND GETKEYS / GETKEYSANDFLAGS over a corpus that
//! exercises every command with keys, COMMAND LIST FILTERBY, and the edges
//! of the COMMAND subcommands.
//!
//! Order-insensitive parts: Redis iterates a dict for subcommands, so the
//! subcommand list of COMMAND INFO and the subcommand map of COMMAND DOCS
//! are compared as sets (sorted by name); and every reply part that is a
//! set (RESP3 `~`, an array in RESP2: command flags, ACL categories, tips,
//! key spec flags, doc flags, history, argument flags, GETKEYSANDFLAGS key
//! flags) is compared sorted. Everything else, key spec order included, is
//! compared exactly.
//!
//! Without redis-server the test compares nothing but ember's own
//! consistency, and fails when `EMBER_REQUIRE_REFERENCES=1`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{args, show, Conn, Frame, Server};

/// Redis 7.0 commands ember does not implement: these top-level commands
/// (with all their subcommands) and these subcommands of containers ember
/// has. COMMAND COUNT differs by the top-level ones.
const NOT_IN_EMBER: &[&str] = &[
    // Access control lists.
    "acl",
    // Cluster.
    "asking",
    "cluster",
    "readonly",
    "readwrite",
    "migrate",
    "restore-asking",
    // Replication internals.
    "psync",
    "replconf",
    "sync",
    // AOF.
    "bgrewriteaof",
    // Modules.
    "module",
    // Debugging and fun.
    "lolwut",
    "pfdebug",
    "pfselftest",
    // Client-side caching and CLIENT PAUSE.
    "client|caching",
    "client|getredir",
    "client|pause",
    "client|tracking",
    "client|trackinginfo",
    "client|unpause",
];

/// ember's commands that Redis 7.0 lacks: CLIENT SETINFO is Redis 7.2's,
/// which redis-py and node-redis send on connect. The one documented
/// exception.
const EMBER_ONLY: &[&str] = &["client|setinfo"];

/// The reference server, or `None` when redis-server is not installed (a
/// failure when references are required: see `common::missing_reference`).
fn reference() -> Option<Server> {
    Server::redis(&[])
}

/// A connection speaking `proto` (2 or 3).
fn connect(server: &Server, proto: u8) -> Conn {
    let mut c = server.conn();
    if proto == 3 {
        let r = c.run("HELLO 3");
        assert!(matches!(r, Frame::Map(_)), "HELLO 3 on {:?}: {}", server.kind, show(&r));
    }
    c
}

fn cmd(c: &mut Conn, argv: &[&[u8]]) -> Frame {
    c.cmd(argv)
}

/// The text of a bulk or simple string.
fn text(f: &Frame) -> Option<String> {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// The items of an array or set.
fn items(f: &Frame) -> &[Frame] {
    match f {
        Frame::Array(v) | Frame::Set(v) => v,
        _ => &[],
    }
}

/// The strings of an array or set.
fn names(f: &Frame) -> BTreeSet<String> {
    items(f).iter().filter_map(text).collect()
}

/// A full rendering of a frame (no truncation), as a sort key.
fn render(f: &Frame) -> String {
    match f {
        Frame::Array(v) => format!("*[{}]", v.iter().map(render).collect::<Vec<_>>().join(",")),
        Frame::Set(v) => format!("~[{}]", v.iter().map(render).collect::<Vec<_>>().join(",")),
        Frame::Push(v) => format!(">[{}]", v.iter().map(render).collect::<Vec<_>>().join(",")),
        Frame::Map(p) => {
            format!(
                "%[{}]",
                p.iter().map(|(k, v)| format!("{}:{}", render(k), render(v))).collect::<Vec<_>>().join(",")
            )
        }
        Frame::Bulk(b) => format!("${}", String::from_utf8_lossy(b)),
        other => show(other),
    }
}

/// Sorts the items of an array or set (a set-valued reply part).
fn sorted(f: &Frame) -> Frame {
    let mut v = items(f).to_vec();
    v.sort_by_key(render);
    match f {
        Frame::Set(_) => Frame::Set(v),
        Frame::Array(_) => Frame::Array(v),
        other => other.clone(),
    }
}

/// The pairs of a map (RESP3) or of a flat key-value array (RESP2), and
/// which it was.
fn pairs(f: &Frame) -> Option<(bool, Vec<(Frame, Frame)>)> {
    match f {
        Frame::Map(p) => Some((true, p.clone())),
        Frame::Array(v) if v.len() % 2 == 0 => {
            Some((false, v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect()))
        }
        _ => None,
    }
}

fn from_pairs(is_map: bool, p: Vec<(Frame, Frame)>) -> Frame {
    if is_map {
        Frame::Map(p)
    } else {
        Frame::Array(p.into_iter().flat_map(|(k, v)| [k, v]).collect())
    }
}

/// Rewrites the values of a map-like frame with `f(key, value)`.
fn map_values(frame: &Frame, mut f: impl FnMut(&str, &Frame) -> Frame) -> Frame {
    let Some((is_map, p)) = pairs(frame) else { return frame.clone() };
    let p = p
        .into_iter()
        .map(|(k, v)| {
            let nv = f(&text(&k).unwrap_or_default(), &v);
            (k, nv)
        })
        .collect();
    from_pairs(is_map, p)
}

/// A COMMAND INFO entry with its set-valued parts sorted and its
/// subcommands restricted to `keep` and sorted by name.
fn norm_info(entry: &Frame, keep: &dyn Fn(&str) -> bool) -> Frame {
    let Frame::Array(v) = entry else { return entry.clone() };
    if v.len() != 10 {
        return entry.clone();
    }
    let mut v = v.clone();
    for i in [2, 6, 7] {
        v[i] = sorted(&v[i]);
    }
    let specs: Vec<Frame> = items(&v[8])
        .iter()
        .map(|spec| map_values(spec, |k, val| if k == "flags" { sorted(val) } else { val.clone() }))
        .collect();
    v[8] = match &v[8] {
        Frame::Set(_) => Frame::Set(specs),
        _ => Frame::Array(specs),
    };
    let mut subs: Vec<Frame> = items(&v[9])
        .iter()
        .filter(|s| items(s).first().and_then(text).is_some_and(|n| keep(&n)))
        .map(|s| norm_info(s, keep))
        .collect();
    subs.sort_by_key(|s| items(s).first().and_then(text));
    v[9] = match &v[9] {
        Frame::Set(_) => Frame::Set(subs),
        _ => Frame::Array(subs),
    };
    Frame::Array(v)
}

/// A COMMAND DOCS argument list with its flag sets sorted.
fn norm_args(list: &Frame) -> Frame {
    let v = items(list)
        .iter()
        .map(|a| {
            map_values(a, |k, val| match k {
                "flags" => sorted(val),
                "arguments" => norm_args(val),
                _ => val.clone(),
            })
        })
        .collect();
    Frame::Array(v)
}

/// A COMMAND DOCS entry (the map after the name) with its sets sorted and
/// its subcommands restricted to `keep` and sorted by name.
fn norm_doc(doc: &Frame, keep: &dyn Fn(&str) -> bool) -> Frame {
    map_values(doc, |k, val| match k {
        "doc_flags" | "history" => sorted(val),
        "arguments" => norm_args(val),
        "subcommands" => {
            let Some((is_map, p)) = pairs(val) else { return val.clone() };
            let mut p: Vec<(Frame, Frame)> = p
                .into_iter()
                .filter(|(name, _)| text(name).is_some_and(|n| keep(&n)))
                .map(|(name, d)| (name, norm_doc(&d, keep)))
                .collect();
            p.sort_by_key(|(name, _)| text(name));
            from_pairs(is_map, p)
        }
        _ => val.clone(),
    })
}

/// A COMMAND DOCS reply (name -> doc) normalised with [`norm_doc`].
fn norm_docs(reply: &Frame, keep: &dyn Fn(&str) -> bool) -> Frame {
    map_values(reply, |_, d| norm_doc(d, keep))
}

/// A GETKEYSANDFLAGS reply with each key's flags sorted.
fn norm_keys_and_flags(reply: &Frame) -> Frame {
    match reply {
        Frame::Array(v) => Frame::Array(
            v.iter()
                .map(|kf| match kf {
                    Frame::Array(p) if p.len() == 2 => Frame::Array(vec![p[0].clone(), sorted(&p[1])]),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Where two frames differ, each difference with its path.
fn diff(path: &str, e: &Frame, r: &Frame, out: &mut Vec<String>) {
    if e == r {
        return;
    }
    let label = |v: &[Frame], i: usize| -> String {
        // In a flat RESP2 map the value's key is the item before it.
        match (i % 2, i.checked_sub(1).and_then(|j| v.get(j)).and_then(text)) {
            (1, Some(k)) => format!("{i}:{k}"),
            _ => match v.get(i).and_then(|x| items(x).first()).and_then(text) {
                Some(n) if matches!(v.get(i), Some(Frame::Array(_))) => format!("{i}:{n}"),
                _ => i.to_string(),
            },
        }
    };
    match (e, r) {
        (Frame::Array(a), Frame::Array(b)) | (Frame::Set(a), Frame::Set(b)) if a.len() == b.len() => {
            for i in 0..a.len() {
                diff(&format!("{path}[{}]", label(a, i)), &a[i], &b[i], out);
            }
        }
        (Frame::Map(a), Frame::Map(b)) if a.len() == b.len() => {
            for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                let k = text(ka).unwrap_or_else(|| show(ka));
                diff(&format!("{path}{{key {k}}}"), ka, kb, out);
                diff(&format!("{path}{{{k}}}"), va, vb, out);
            }
        }
        _ => out.push(format!("{path}:\n      ember: {}\n      redis: {}", show(e), show(r))),
    }
}

/// The command a corpus line runs, as the table names it (`object|freq`
/// for `OBJECT FREQ k`), if ember has it.
fn resolve(line: &[Vec<u8>], known: &BTreeSet<String>) -> Option<String> {
    let top = String::from_utf8_lossy(line.first()?).to_ascii_lowercase();
    if let Some(sub) = line.get(1) {
        let full = format!("{top}|{}", String::from_utf8_lossy(sub).to_ascii_lowercase());
        if known.contains(&full) {
            return Some(full);
        }
    }
    known.contains(&top).then_some(top)
}

/// Concrete invocations for COMMAND GETKEYS / GETKEYSANDFLAGS: every
/// command with keys at least once (checked), every key-spec shape (index /
/// keyword / unknown begin; range / keynum find; limit; negative last key;
/// variable flags), the commands whose specs are not enough (SORT, SET with
/// GET, BITFIELD, EVAL / FCALL, GEORADIUS with STORE, the numkeys
/// commands), bad key counts, commands without keys, unknown commands and
/// wrong arities.
const GETKEYS_CORPUS: &[&str] = &[
    // Strings.
    "GET k",
    "SET k v",
    "SET k v GET",
    "SET k v NX get",
    "SET k v EX 10 KEEPTTL",
    "SET k v EX",
    "SET k GET",
    "SET k v EX GET",
    "SET k v px 10 GeT",
    "SETNX k v",
    "SETEX k 10 v",
    "PSETEX k 10 v",
    "GETSET k v",
    "GETDEL k",
    "GETEX k",
    "GETEX k PERSIST",
    "MGET a b c",
    "MSET a 1 b 2",
    "MSET a 1 b",
    "MSETNX a 1 b 2",
    "APPEND k v",
    "STRLEN k",
    "INCR k",
    "DECR k",
    "INCRBY k 1",
    "DECRBY k 1",
    "INCRBYFLOAT k 1.5",
    "GETRANGE k 0 1",
    "SUBSTR k 0 1",
    "SETRANGE k 0 v",
    "LCS a b",
    "LCS a b LEN IDX",
    // Generic.
    "DEL a b c",
    "DEL a",
    "UNLINK a b",
    "EXISTS a b a",
    "TOUCH a b",
    "TYPE k",
    "TTL k",
    "PTTL k",
    "EXPIRE k 10",
    "EXPIRE k 10 NX",
    "PEXPIRE k 10",
    "EXPIREAT k 10",
    "PEXPIREAT k 10 GT",
    "EXPIRETIME k",
    "PEXPIRETIME k",
    "PERSIST k",
    "RENAME a b",
    "RENAMENX a b",
    "MOVE k 1",
    "COPY a b",
    "COPY a b DB 1 REPLACE",
    "DUMP k",
    "RESTORE k 0 payload",
    "RESTORE k 0 payload REPLACE ABSTTL IDLETIME 10",
    "OBJECT ENCODING k",
    "OBJECT FREQ k",
    "OBJECT IDLETIME k",
    "OBJECT REFCOUNT k",
    "OBJECT HELP",
    "OBJECT",
    "MEMORY USAGE k",
    "MEMORY USAGE k SAMPLES 5",
    "MEMORY STATS",
    "WATCH a b",
    "WATCH a",
    "KEYS *",
    "SCAN 0",
    "RANDOMKEY",
    "DBSIZE",
    // SORT: keys only its own finder knows (BY / GET patterns are not keys).
    "SORT k",
    "SORT k ALPHA DESC",
    "SORT k BY w_* GET o_* GET # LIMIT 0 10 STORE dst",
    "SORT k STORE dst",
    "SORT k store dst STORE dst2",
    "SORT k LIMIT 0 1 STORE",
    "SORT k GET",
    "SORT k LIMIT 0",
    "SORT k BY",
    "SORT k STORE dst ALPHA",
    "SORT_RO k",
    "SORT k STORE by STORE d",
    "SORT k STORE limit 0 1",
    "SORT k GET STORE dst",
    "SORT k BY STORE dst",
    "SORT_RO k BY w_* GET o_* STORE dst",
    // Lists.
    "LPUSH k a b",
    "RPUSH k a",
    "LPUSHX k a",
    "RPUSHX k a",
    "LPOP k",
    "RPOP k 2",
    "LLEN k",
    "LINDEX k 0",
    "LINSERT k BEFORE p v",
    "LRANGE k 0 1",
    "LREM k 0 v",
    "LSET k 0 v",
    "LTRIM k 0 1",
    "LPOS k v RANK 1",
    "RPOPLPUSH a b",
    "LMOVE a b LEFT RIGHT",
    "BLMOVE a b LEFT RIGHT 0",
    "BRPOPLPUSH a b 0",
    "BLPOP a b 0",
    "BLPOP a 0",
    "BRPOP a b c 0",
    "LMPOP 2 a b LEFT",
    "LMPOP 1 a RIGHT COUNT 2",
    "LMPOP 0 a LEFT",
    "LMPOP 3 a b LEFT",
    "LMPOP 4 a b LEFT",
    "LMPOP x a LEFT",
    "LMPOP -1 a LEFT",
    "LMPOP 1x a LEFT",
    "LMPOP 4294967297 a LEFT",
    "LMPOP \" 1\" a LEFT",
    "LMPOP +1 a LEFT",
    "BLMPOP 0 2 a b LEFT",
    "BLMPOP 0 1 a LEFT COUNT 1",
    "BLMPOP 0 x a LEFT",
    "BLMPOP 0 3 a LEFT",
    "BLMPOP 0 0 a LEFT",
    "BLMPOP 0 1x a LEFT",
    // Hashes.
    "HSET k f v",
    "HSETNX k f v",
    "HGET k f",
    "HMGET k f g",
    "HMSET k f v",
    "HDEL k f",
    "HLEN k",
    "HSTRLEN k f",
    "HEXISTS k f",
    "HKEYS k",
    "HVALS k",
    "HGETALL k",
    "HINCRBY k f 1",
    "HINCRBYFLOAT k f 1",
    "HRANDFIELD k 2 WITHVALUES",
    "HSCAN k 0",
    // Sets.
    "SADD k a",
    "SREM k a",
    "SCARD k",
    "SISMEMBER k a",
    "SMISMEMBER k a b",
    "SMEMBERS k",
    "SPOP k",
    "SRANDMEMBER k 2",
    "SMOVE a b m",
    "SINTER a b",
    "SUNION a",
    "SDIFF a b c",
    "SINTERSTORE d a b",
    "SUNIONSTORE d a",
    "SDIFFSTORE d a b",
    "SINTERCARD 2 a b",
    "SINTERCARD 2 a b LIMIT 1",
    "SINTERCARD 1 a",
    "SINTERCARD 3 a b",
    "SINTERCARD 0 a",
    "SINTERCARD x a",
    "SINTERCARD -1 a",
    "SINTERCARD 1x a",
    "SSCAN k 0 MATCH *",
    // Sorted sets.
    "ZADD k 1 m",
    "ZADD k NX CH 1 m 2 n",
    "ZINCRBY k 1 m",
    "ZCARD k",
    "ZCOUNT k 0 1",
    "ZLEXCOUNT k - +",
    "ZSCORE k m",
    "ZMSCORE k m n",
    "ZRANK k m",
    "ZREVRANK k m",
    "ZRANGE k 0 1",
    "ZRANGE k 0 1 BYSCORE REV LIMIT 0 1 WITHSCORES",
    "ZRANGESTORE d s 0 1",
    "ZRANGEBYLEX k - +",
    "ZRANGEBYSCORE k 0 1",
    "ZREVRANGE k 0 1",
    "ZREVRANGEBYLEX k + -",
    "ZREVRANGEBYSCORE k 1 0",
    "ZREM k m",
    "ZREMRANGEBYLEX k - +",
    "ZREMRANGEBYRANK k 0 1",
    "ZREMRANGEBYSCORE k 0 1",
    "ZPOPMIN k",
    "ZPOPMAX k 2",
    "BZPOPMIN a b 0",
    "BZPOPMAX a 0",
    "ZRANDMEMBER k",
    "ZSCAN k 0",
    "ZUNION 2 a b",
    "ZUNION 1 a WITHSCORES",
    "ZINTER 2 a b WEIGHTS 1 2",
    "ZDIFF 2 a b",
    "ZDIFF 3 a b",
    "ZUNIONSTORE d 2 a b",
    "ZINTERSTORE d 2 a b AGGREGATE MAX",
    "ZDIFFSTORE d 2 a b",
    "ZUNIONSTORE d 3 a b",
    "ZUNIONSTORE d x a",
    "ZUNIONSTORE d 0 a",
    "ZUNIONSTORE d -1 a",
    "ZINTERSTORE d 1 a",
    "ZUNIONSTORE d 1x a b",
    "ZDIFFSTORE d 2x a b",
    "ZINTERSTORE d 01 a",
    "ZINTERCARD 2 a b",
    "ZINTERCARD 2 a b LIMIT 1",
    "ZINTERCARD 3 a b",
    "ZINTERCARD 0 a",
    "ZINTERCARD 1x a",
    "ZUNION 2x a b",
    "ZDIFF x a",
    "ZMPOP 2 a b MIN",
    "ZMPOP 1 a MAX COUNT 2",
    "ZMPOP 0 a MIN",
    "ZMPOP 3 a b MIN",
    "ZMPOP x a MIN",
    "ZMPOP 1x a MIN",
    "BZMPOP 0 2 a b MIN",
    "BZMPOP 0 1 a MAX COUNT 1",
    "BZMPOP 0 x a MIN",
    "BZMPOP 0 2 a MIN",
    "BZMPOP 0 1x a MIN",
    // Bitmaps.
    "SETBIT k 0 1",
    "GETBIT k 0",
    "BITCOUNT k",
    "BITCOUNT k 0 1 BIT",
    "BITPOS k 1",
    "BITOP AND d a b",
    "BITOP NOT d a",
    "BITFIELD k GET u8 0",
    "BITFIELD k get u8 0 GET i4 8",
    "BITFIELD k SET u8 0 1",
    "BITFIELD k GET u8 0 SET u8 0 1",
    "BITFIELD k INCRBY u8 0 1",
    "BITFIELD k OVERFLOW SAT GET u8 0",
    "BITFIELD k",
    "BITFIELD k FOO",
    "BITFIELD k GET u8",
    "BITFIELD k OVERFLOW",
    "BITFIELD k OVERFLOW WRAP",
    "BITFIELD k SET u8 0",
    "BITFIELD k INCRBY u8 0 1 GET u8 0",
    "BITFIELD_RO k GET u8 0",
    "BITFIELD_RO k",
    // HyperLogLog.
    "PFADD k a",
    "PFADD k",
    "PFCOUNT a b",
    "PFMERGE d a b",
    "PFMERGE d",
    // Geo.
    "GEOADD k 1 2 m",
    "GEODIST k a b",
    "GEOHASH k a",
    "GEOPOS k a",
    "GEORADIUS k 1 2 3 km",
    "GEORADIUS k 1 2 3 km STORE d",
    "GEORADIUS k 1 2 3 km STOREDIST d",
    "GEORADIUS k 1 2 3 km STORE d STOREDIST e",
    "GEORADIUS k 1 2 3 km store d WITHCOORD",
    "GEORADIUS k 1 2 3 km STORE",
    "GEORADIUS k 1 2 3 km WITHDIST COUNT 1 ASC",
    "GEORADIUS k 1 2 3 km STORE d STORE",
    "GEORADIUS k 1 2 3 km STOREDIST",
    "GEORADIUS k 1 2 3 km STORE STORE",
    "GEORADIUS k 1 2 3 km STOREDIST d STORE e",
    "GEORADIUSBYMEMBER k m 3 km",
    "GEORADIUSBYMEMBER k m 3 km STORE d",
    "GEORADIUSBYMEMBER k m 3 km STOREDIST d",
    "GEORADIUSBYMEMBER k m 3 km STORE",
    "GEORADIUSBYMEMBER k m 3 km store d storedist e",
    "GEORADIUS_RO k 1 2 3 km",
    "GEORADIUS_RO k 1 2 3 km STORE d",
    "GEORADIUSBYMEMBER_RO k m 3 km",
    "GEOSEARCH k FROMMEMBER m BYRADIUS 1 km",
    "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
    "GEOSEARCHSTORE d s FROMLONLAT 1 2 BYBOX 1 1 km STOREDIST",
    // Streams.
    "XADD k * f v",
    "XADD k NOMKSTREAM MAXLEN ~ 10 * f v",
    "XLEN k",
    "XRANGE k - +",
    "XREVRANGE k + -",
    "XDEL k 1-1",
    "XTRIM k MAXLEN 1",
    "XACK k g 1-1",
    "XPENDING k g",
    "XCLAIM k g c 0 1-1",
    "XAUTOCLAIM k g c 0 0",
    "XSETID k 1-1",
    "XREAD STREAMS a b 0 0",
    "XREAD STREAMS a 0",
    "XREAD streams a 0",
    "XREAD COUNT 1 BLOCK 0 STREAMS a 0",
    "XREAD STREAMS a b c 0 0",
    "XREAD STREAMS a b c d",
    "XREAD COUNT 1 a 0",
    "XREAD COUNT 1 STREAMS",
    "XREAD STREAMS streams 0",
    "XREAD COUNT streams STREAMS a 0",
    "XREAD BLOCK 0 STREAMS a b 0",
    "XREAD NOACK STREAMS a 0",
    "XREAD STREAMS a b 0 0 0 0",
    "XREADGROUP GROUP g c STREAMS a b 0 0",
    "XREADGROUP GROUP g c COUNT 1 NOACK STREAMS a >",
    "XREADGROUP GROUP g c STREAMS a b c",
    "XREADGROUP GROUP g c COUNT 1 a >",
    "XREADGROUP GROUP streams c STREAMS a 0",
    "XREADGROUP GROUP g streams STREAMS a b 0 0",
    "XREADGROUP GROUP g c STREAMS a",
    "XGROUP CREATE k g $",
    "XGROUP CREATE k g $ MKSTREAM",
    "XGROUP CREATECONSUMER k g c",
    "XGROUP DELCONSUMER k g c",
    "XGROUP DESTROY k g",
    "XGROUP SETID k g $",
    "XGROUP HELP",
    "XINFO STREAM k",
    "XINFO STREAM k FULL",
    "XINFO GROUPS k",
    "XINFO CONSUMERS k g",
    "XINFO HELP",
    "XINFO",
    // Scripting.
    "EVAL s 0",
    "EVAL s 0 a",
    "EVAL s 1 a",
    "EVAL s 2 a b c",
    "EVAL s 3 a b",
    "EVAL s x a",
    "EVAL s -1 a",
    "EVAL s 1x a",
    "EVAL s 01 a",
    "EVAL s +1 a",
    "EVAL s \" 1\" a",
    "EVAL s 4294967297 a",
    "EVAL s 4294967297 a b",
    "EVAL s 2147483648 a",
    "EVAL s 99999999999999999999 a",
    "EVAL s \"\" a",
    "EVALSHA sha 1 a",
    "EVALSHA sha 0",
    "EVAL_RO s 1 a",
    "EVALSHA_RO sha 2 a b",
    "FCALL f 0",
    "FCALL f 1 a b",
    "FCALL f 2 a",
    "FCALL f x a",
    "FCALL f -1 a",
    "FCALL f 1x a",
    "FCALL_RO f 2x a b",
    "FCALL_RO f 1 a",
    "FCALL_RO f 0",
    "SCRIPT EXISTS a",
    "FUNCTION LIST",
    // Pub/Sub: shard channels are key-like (not_key), plain ones are not.
    "SPUBLISH ch msg",
    "SSUBSCRIBE a b",
    "SUNSUBSCRIBE a",
    "SUNSUBSCRIBE",
    "PUBLISH ch msg",
    "SUBSCRIBE a",
    "PUBSUB SHARDNUMSUB a",
    // Commands without keys.
    "PING",
    "ECHO x",
    "INFO",
    "CONFIG GET maxmemory",
    "CONFIG",
    "CLIENT LIST",
    "TIME",
    "FLUSHALL",
    "MULTI",
    "EXEC",
    "SELECT 1",
    "SWAPDB 0 1",
    "DEBUG OBJECT k",
    // Unknown commands and subcommands, wrong arities.
    "NOSUCH a b",
    "CONFIG NOSUCH x",
    "OBJECT NOSUCH k",
    "GET",
    "GET a b",
    "SET k",
    "MSET a",
    "OBJECT FREQ",
    "XINFO STREAM",
    "BLPOP a",
    "LMPOP 1",
    "ZUNIONSTORE d 1",
    "EVAL s",
    "get k",
    "gEt k",
];

/// Other COMMAND subcommand invocations compared exactly (edges, errors,
/// case).
const EDGES: &[&str] = &[
    "COMMAND INFO nosuch",
    "COMMAND INFO get nosuch GET",
    "COMMAND INFO CONFIG|GET",
    "COMMAND INFO config|nosuch",
    "COMMAND INFO get|x",
    "COMMAND INFO |",
    "COMMAND INFO config|",
    "COMMAND DOCS nosuch",
    "COMMAND DOCS get nosuch",
    "COMMAND DOCS GET",
    "COMMAND DOCS config|get SET",
    "COMMAND DOCS config|nosuch",
    "COMMAND LIST FILTERBY",
    "COMMAND LIST FOO",
    "COMMAND LIST FILTERBY ACLCAT nosuch",
    "COMMAND LIST FILTERBY aclcat NOSUCH",
    "COMMAND LIST FILTERBY MODULE x",
    "COMMAND LIST FILTERBY FOO x",
    "COMMAND LIST FILTERBY PATTERN a b",
    "COMMAND LIST FILTERBY PATTERN",
    "COMMAND COUNT x",
    "COMMAND GETKEYS",
    "COMMAND GETKEYSANDFLAGS",
    "COMMAND GETKEYS GET",
    "COMMAND GETKEYSANDFLAGS nosuch",
    "COMMAND HELP",
    "COMMAND HELP x",
    "COMMAND FOO",
    "COMMAND INFO",
];

/// Patterns for COMMAND LIST FILTERBY PATTERN.
const PATTERNS: &[&str] = &[
    "*",
    "get*",
    "*get*",
    "GET*",
    "config|*",
    "CONFIG|*",
    "*|*",
    "?et",
    "[gs]et",
    "[^a-x]*",
    "x*",
    "*range*",
    "z*store",
    "nosuch*",
    "client|set*",
    "client*",
    "*|help",
    "[a-c]*",
    "*_ro",
    "b?*pop",
];

/// Whether both servers should show `name`: ember has it and it is not an
/// ember-only extension.
fn shared(ours: &BTreeSet<String>, name: &str) -> bool {
    ours.contains(name) && !EMBER_ONLY.contains(&name)
}

/// Everything one protocol's comparison needs.
struct Run<'a> {
    ember: Conn,
    redis: Option<Conn>,
    /// ember's full names (commands and subcommands).
    ours: &'a BTreeSet<String>,
    problems: Vec<String>,
    proto: u8,
    /// How many replies were compared with Redis's.
    compared: usize,
}

impl Run<'_> {
    /// Whether a name is one both servers should show (ember has it and it
    /// is not an ember-only extension).
    fn shared(&self, name: &str) -> bool {
        shared(self.ours, name)
    }

    fn report(&mut self, what: &str, diffs: Vec<String>) {
        for d in diffs {
            self.problems.push(format!("[RESP{}] {what} {d}", self.proto));
        }
    }

    /// Sends `argv` to both servers (`None` for Redis when it is absent).
    fn both(&mut self, argv: &[Vec<u8>]) -> (Frame, Option<Frame>) {
        let e = self.ember.cmd(argv);
        let r = self.redis.as_mut().map(|c| c.cmd(argv));
        (e, r)
    }

    fn compare(&mut self, what: &str, e: &Frame, r: &Frame) {
        self.compared += 1;
        let mut d = Vec::new();
        diff("", e, r, &mut d);
        self.report(what, d);
    }

    /// COMMAND INFO and COMMAND DOCS of every shared command.
    fn info_and_docs(&mut self) -> BTreeMap<String, Frame> {
        let mut infos = BTreeMap::new();
        let names: Vec<String> = self.ours.iter().filter(|n| self.shared(n)).cloned().collect();
        for name in names {
            let ours = self.ours;
            let keep = move |n: &str| shared(ours, n);
            let argv = [b"COMMAND".to_vec(), b"INFO".to_vec(), name.clone().into_bytes()];
            let (e, r) = self.both(&argv);
            let e = match &e {
                Frame::Array(v) if v.len() == 1 => norm_info(&v[0], &keep),
                _ => e.clone(),
            };
            if let Some(r) = r {
                let r = match &r {
                    Frame::Array(v) if v.len() == 1 => norm_info(&v[0], &keep),
                    _ => r.clone(),
                };
                self.compare(&format!("COMMAND INFO {name}"), &e, &r);
            }
            infos.insert(name.clone(), e);
            let argv = [b"COMMAND".to_vec(), b"DOCS".to_vec(), name.clone().into_bytes()];
            let (e, r) = self.both(&argv);
            if let Some(r) = r {
                let ours = self.ours;
                let keep = move |n: &str| shared(ours, n);
                let (e, r) = (norm_docs(&e, &keep), norm_docs(&r, &keep));
                self.compare(&format!("COMMAND DOCS {name}"), &e, &r);
            }
        }
        infos
    }

    /// For every ACL category: ember's commands in it (from COMMAND INFO
    /// and COMMAND LIST FILTERBY ACLCAT) equal those `ACL CAT` lists on
    /// Redis, and those Redis's COMMAND LIST FILTERBY ACLCAT lists.
    fn acl_categories(&mut self, infos: &BTreeMap<String, Frame>) {
        let Some(redis) = self.redis.as_mut() else { return };
        let cats = names(&cmd(redis, &[b"ACL", b"CAT"]));
        assert_eq!(cats.len(), 21, "Redis 7.0 has 21 ACL categories");
        for cat in cats {
            let redis = self.redis.as_mut().expect("redis");
            let acl_cat = names(&cmd(redis, &[b"ACL", b"CAT", cat.as_bytes()]));
            let redis_list = names(&cmd(redis, &[b"COMMAND", b"LIST", b"FILTERBY", b"ACLCAT", cat.as_bytes()]));
            let ember_list =
                names(&cmd(&mut self.ember, &[b"COMMAND", b"LIST", b"FILTERBY", b"ACLCAT", cat.as_bytes()]));
            let tag = format!("@{cat}");
            let from_info: BTreeSet<String> = infos
                .iter()
                .filter(|(_, e)| items(e).get(6).is_some_and(|c| names(c).contains(&tag)))
                .map(|(n, _)| n.clone())
                .collect();
            let restrict = |s: &BTreeSet<String>| -> BTreeSet<String> {
                s.iter().filter(|n| self.ours.contains(*n) && !EMBER_ONLY.contains(&n.as_str())).cloned().collect()
            };
            let want = restrict(&acl_cat);
            let mut found = Vec::new();
            for (what, got) in [
                ("ember COMMAND INFO", from_info),
                ("ember COMMAND LIST FILTERBY ACLCAT", restrict(&ember_list)),
                ("redis COMMAND LIST FILTERBY ACLCAT", restrict(&redis_list)),
            ] {
                if got != want {
                    let missing: Vec<_> = want.difference(&got).collect();
                    let extra: Vec<_> = got.difference(&want).collect();
                    found.push(format!("{what}: missing {missing:?}, extra {extra:?}"));
                }
            }
            self.report(&format!("ACL CAT {cat} vs"), found);
        }
    }

    /// COMMAND GETKEYS and GETKEYSANDFLAGS over the corpus.
    fn getkeys(&mut self) {
        for line in GETKEYS_CORPUS {
            for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
                let mut argv = vec![b"COMMAND".to_vec(), sub.as_bytes().to_vec()];
                argv.extend(args(line));
                let (e, r) = self.both(&argv);
                let Some(r) = r else { continue };
                let (e, r) = (norm_keys_and_flags(&e), norm_keys_and_flags(&r));
                self.compare(&format!("COMMAND {sub} {line}"), &e, &r);
            }
        }
    }

    /// COMMAND LIST (all and FILTERBY PATTERN): ember's names equal
    /// Redis's, restricted to what ember has.
    fn list(&mut self) {
        let mut lines = vec![vec![b"COMMAND".to_vec(), b"LIST".to_vec()]];
        for p in PATTERNS {
            let argv = [&b"COMMAND"[..], b"LIST", b"FILTERBY", b"PATTERN", p.as_bytes()];
            lines.push(argv.iter().map(|a| a.to_vec()).collect());
        }
        for argv in lines {
            let what = String::from_utf8_lossy(&argv.join(&b' ')).into_owned();
            let (e, r) = self.both(&argv);
            assert!(matches!(e, Frame::Array(_)), "{what}: {}", show(&e));
            let Some(r) = r else { continue };
            let e: BTreeSet<String> = names(&e).into_iter().filter(|n| !EMBER_ONLY.contains(&n.as_str())).collect();
            let r: BTreeSet<String> = names(&r).into_iter().filter(|n| self.ours.contains(n)).collect();
            if e != r {
                let missing: Vec<_> = r.difference(&e).collect();
                let extra: Vec<_> = e.difference(&r).collect();
                self.report(&what, vec![format!("ember misses {missing:?}, has extra {extra:?}")]);
            }
        }
    }

    /// The edge invocations, compared exactly (COMMAND INFO with no name is
    /// compared as the set of its entries' names, restricted).
    fn edges(&mut self) {
        for line in EDGES {
            let (e, r) = self.both(&args(line));
            let Some(r) = r else { continue };
            if *line == "COMMAND INFO" {
                let top = |f: &Frame| -> BTreeSet<String> {
                    items(f).iter().filter_map(|x| items(x).first().and_then(text)).collect()
                };
                let r: BTreeSet<String> = top(&r).into_iter().filter(|n| self.ours.contains(n)).collect();
                if top(&e) != r {
                    self.report(line, vec![format!("ember {:?}\n      redis {:?}", top(&e), r)]);
                }
                continue;
            }
            let ours = self.ours;
            let keep = move |n: &str| shared(ours, n);
            let (e, r) = if line.starts_with("COMMAND INFO") {
                let n = |f: &Frame| match f {
                    Frame::Array(v) => Frame::Array(v.iter().map(|x| norm_info(x, &keep)).collect()),
                    other => other.clone(),
                };
                (n(&e), n(&r))
            } else if line.starts_with("COMMAND DOCS") {
                (norm_docs(&e, &keep), norm_docs(&r, &keep))
            } else {
                (e, r)
            };
            self.compare(line, &e, &r);
        }
    }
}

/// Every COMMAND entry equals that command's COMMAND INFO entry, and
/// COMMAND DOCS with no name covers exactly the top-level commands with
/// their single-name docs (ember against itself).
fn aggregates_agree(ember: &mut Conn, ours: &BTreeSet<String>, problems: &mut Vec<String>) {
    let all = ember.run("COMMAND");
    let info_all = ember.run("COMMAND INFO");
    if all != info_all {
        problems.push("ember: COMMAND and COMMAND INFO (no name) differ".into());
    }
    let top: BTreeSet<String> = ours.iter().filter(|n| !n.contains('|')).cloned().collect();
    let count = ember.run("COMMAND COUNT");
    if count != Frame::Integer(top.len() as i64) {
        problems.push(format!("ember: COMMAND COUNT {} for {} commands", show(&count), top.len()));
    }
    let mut seen = BTreeSet::new();
    for entry in items(&all) {
        let name = items(entry).first().and_then(text).unwrap_or_default();
        let one = ember.cmd(&[&b"COMMAND"[..], b"INFO", name.as_bytes()]);
        if items(&one).first() != Some(entry) {
            problems.push(format!("ember: COMMAND's entry for {name} is not its COMMAND INFO entry"));
        }
        seen.insert(name);
    }
    if seen != top {
        problems.push(format!("ember: COMMAND lists {seen:?}, COMMAND LIST's top level is {top:?}"));
    }
    let docs = ember.run("COMMAND DOCS");
    let Some((_, p)) = pairs(&docs) else { panic!("COMMAND DOCS: {}", show(&docs)) };
    let mut seen = BTreeSet::new();
    for (name, doc) in p {
        let name = text(&name).unwrap_or_default();
        let one = ember.cmd(&[&b"COMMAND"[..], b"DOCS", name.as_bytes()]);
        if pairs(&one).and_then(|(_, p)| p.into_iter().next()).map(|(_, d)| d) != Some(doc) {
            problems.push(format!("ember: COMMAND DOCS's entry for {name} is not its own COMMAND DOCS"));
        }
        seen.insert(name);
    }
    if seen != top {
        problems.push(format!("ember: COMMAND DOCS lists {seen:?}, COMMAND LIST's top level is {top:?}"));
    }
}

/// Every command whose COMMAND INFO shows key specs is in the GETKEYS
/// corpus.
fn corpus_covers(infos: &BTreeMap<String, Frame>, ours: &BTreeSet<String>, problems: &mut Vec<String>) {
    let covered: BTreeSet<String> = GETKEYS_CORPUS.iter().filter_map(|l| resolve(&args(l), ours)).collect();
    for (name, entry) in infos {
        let has_specs = items(entry).get(8).is_some_and(|s| !items(s).is_empty());
        if has_specs && !covered.contains(name) {
            problems.push(format!("GETKEYS corpus: no invocation of {name}, which has key specs"));
        }
    }
}

#[test]
fn command_table_equals_redis() {
    let ember = Server::ember(&[]);
    let redis = reference();
    let mut problems = Vec::new();

    let mut e = connect(&ember, 2);
    let ours = names(&e.run("COMMAND LIST"));
    assert!(ours.len() > 300, "COMMAND LIST on ember: {} names", ours.len());
    for x in EMBER_ONLY {
        assert!(ours.contains(*x), "ember lacks {x}");
    }
    // CLIENT SETINFO as Redis 7.2 declares it.
    let setinfo = e.run("COMMAND INFO client|setinfo");
    let entry = &items(&setinfo)[0];
    assert_eq!(items(entry).get(1), Some(&Frame::Integer(4)), "client|setinfo arity: {}", show(entry));
    let want: BTreeSet<String> = ["noscript", "loading", "stale"].map(String::from).into();
    assert_eq!(items(entry).get(2).map(names), Some(want), "client|setinfo flags: {}", show(entry));
    let want: BTreeSet<String> = ["@slow", "@connection"].map(String::from).into();
    assert_eq!(items(entry).get(6).map(names), Some(want), "client|setinfo ACL: {}", show(entry));
    aggregates_agree(&mut e, &ours, &mut problems);

    if let Some(redis) = &redis {
        let mut r = connect(redis, 2);
        let theirs = names(&r.run("COMMAND LIST"));
        let extra: BTreeSet<String> = ours.difference(&theirs).cloned().collect();
        let ember_only: BTreeSet<String> = EMBER_ONLY.iter().map(|s| s.to_string()).collect();
        if extra != ember_only {
            problems.push(format!("ember has commands Redis 7.0 lacks: {extra:?} (only {EMBER_ONLY:?} may be)"));
        }
        let missing: BTreeSet<String> = theirs.difference(&ours).cloned().collect();
        let listed = |n: &str| {
            NOT_IN_EMBER.contains(&n) || n.split_once('|').is_some_and(|(top, _)| NOT_IN_EMBER.contains(&top))
        };
        for n in &missing {
            if !listed(n) {
                problems.push(format!("ember lacks {n}, which NOT_IN_EMBER does not list"));
            }
        }
        for n in NOT_IN_EMBER {
            if !missing.contains(*n) {
                problems.push(format!("NOT_IN_EMBER lists {n}, which ember has or Redis lacks"));
            }
        }
        let top_missing = NOT_IN_EMBER.iter().filter(|n| !n.contains('|')).count() as i64;
        let (Frame::Integer(ec), Frame::Integer(rc)) = (e.run("COMMAND COUNT"), r.run("COMMAND COUNT")) else {
            panic!("COMMAND COUNT is not an integer")
        };
        if ec != rc - top_missing {
            problems.push(format!("COMMAND COUNT: ember {ec}, Redis {rc} less {top_missing} missing commands"));
        }
    }

    for proto in [2, 3] {
        let mut run = Run {
            ember: connect(&ember, proto),
            redis: redis.as_ref().map(|s| connect(s, proto)),
            ours: &ours,
            problems: Vec::new(),
            proto,
            compared: 0,
        };
        let infos = run.info_and_docs();
        if proto == 2 {
            corpus_covers(&infos, &ours, &mut run.problems);
        }
        run.acl_categories(&infos);
        run.getkeys();
        run.list();
        run.edges();
        eprintln!("RESP{proto}: {} replies compared with redis-server", run.compared);
        problems.append(&mut run.problems);
    }

    for p in &problems {
        eprintln!("MISMATCH {p}");
    }
    assert!(problems.is_empty(), "{} differences from redis-server 7.0 (see above)", problems.len());
}
