//! The differential runner: named sequences of test lines go to ember and
//! to `redis-server` (7.0), in RESP2 and in RESP3, each sequence on fresh
//! connections after `FLUSHALL`, and the replies are compared line by line
//! after the line's mode. Random command streams share its pieces
//! ([`fresh`], [`report`], [`recent`]).
//!
//! A line is `[!mode [args]] COMMAND args [=> reply]`. The optional
//! `=> <reply>` is ember's own expectation in the compact form of
//! [`show`], checked in RESP2 under the first setting (see [`Opts`]), with
//! or without redis-server. Modes:
//! - (none): exact equality;
//! - `!sort`: the elements of an array / set / map (map pairs by key)
//!   compared as a sorted multiset, the reply type kept;
//! - `!pairs`: a flat key-value array (or a map) compared as a set of pairs;
//! - `!len`: the reply type and element count, and for nested arrays their
//!   counts (random replies: SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, ...);
//! - `!type`: the top-level reply type only;
//! - `!ttl`: integers within 1 of each other (seconds), `!pttl`: within 1500;
//! - `!scan <args>`: a whole SCAN iteration with `<args>`: the same keys;
//! - `!hscan <key> <opts>` / `!sscan ...` / `!zscan ...`: a whole HSCAN /
//!   SSCAN / ZSCAN iteration: the same items (ZSCAN: member-score pairs);
//! - `!hello`: HELLO's reply without its `version` and `id` fields;
//! - `!clientinfo`: CLIENT INFO/LIST lines: the same field names (ignoring
//!   7.2's `lib-name`/`lib-ver`) and the same stable values;
//! - `!debugobject`: DEBUG OBJECT without the address and LRU fields;
//! - `!time`: two bulk strings of digits;
//! - `!cmdinfo`: COMMAND INFO entries compared on name, arity, flags, key
//!   positions, ACL categories and (sorted) subcommands: ember does not
//!   reproduce Redis's per-command tips and key-spec notes;
//! - `!fnlist`: FUNCTION LIST with each library's functions sorted (Redis
//!   lists them in hash order);
//! - `!ember`: sent to both, replies not compared (setup, ember-only
//!   configuration, behaviour that follows Redis 7.2 rather than 7.0);
//! - `!own`: sent to ember only, which must give the line's expectation
//!   (Redis 7.2 features that 7.0 rejects);
//! - `!lp`: exact under the first setting only (the default encodings,
//!   where e.g. a listpack ZSCAN is deterministic and a skiplist one is in
//!   hash order).
//!
//! `EMBER_DIFF_TRACE` in the environment prints each line before it is
//! sent (to find a line that blocks one of the servers).

use super::{args, ok, scan_all, show, Conn, Frame, Server};

/// Named sequences of test lines.
pub type Sequences = Vec<(&'static str, Vec<&'static str>)>;

/// How the sequences run.
#[derive(Clone, Copy, Default)]
pub struct Opts<'a> {
    /// Options both servers start with.
    pub extra: &'a [&'a str],
    /// Lines every fresh connection runs after `FLUSHALL`, each answering
    /// `+OK` (configuration the sequences start from).
    pub setup: &'a [&'a str],
    /// Settings every sequence runs under, each more setup lines (e.g.
    /// encoding thresholds); the first is the one expectations and `!lp`
    /// lines hold under. None: one setting with no extra lines.
    pub settings: &'a [&'a [&'a str]],
}

/// How a line's replies are compared.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Exact,
    Sort,
    Pairs,
    Len,
    Type,
    Ttl,
    Pttl,
    Scan,
    HScan,
    SScan,
    ZScan,
    Hello,
    ClientInfo,
    DebugObject,
    Time,
    CmdInfo,
    FnList,
    Ember,
    Own,
    Listpack,
}

fn parse_line(line: &'static str) -> (Mode, &'static str, Option<&'static str>) {
    let (line, expect) = match line.split_once(" => ") {
        Some((l, e)) => (l, Some(e)),
        None => (line, None),
    };
    let Some(rest) = line.strip_prefix('!') else { return (Mode::Exact, line, expect) };
    let (m, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let mode = match m {
        "sort" => Mode::Sort,
        "pairs" => Mode::Pairs,
        "len" => Mode::Len,
        "type" => Mode::Type,
        "ttl" => Mode::Ttl,
        "pttl" => Mode::Pttl,
        "scan" => Mode::Scan,
        "hscan" => Mode::HScan,
        "sscan" => Mode::SScan,
        "zscan" => Mode::ZScan,
        "hello" => Mode::Hello,
        "clientinfo" => Mode::ClientInfo,
        "debugobject" => Mode::DebugObject,
        "time" => Mode::Time,
        "cmdinfo" => Mode::CmdInfo,
        "fnlist" => Mode::FnList,
        "ember" => Mode::Ember,
        "own" => Mode::Own,
        "lp" => Mode::Listpack,
        _ => panic!("unknown mode {m} in test line {line:?}"),
    };
    (mode, rest, expect)
}

/// The reply type's name.
pub fn kind(f: &Frame) -> &'static str {
    match f {
        Frame::Simple(_) => "simple",
        Frame::Error(_) => "error",
        Frame::Integer(_) => "integer",
        Frame::Bulk(_) => "bulk",
        Frame::Null | Frame::NullBulk | Frame::NullArray => "null",
        Frame::Array(_) => "array",
        Frame::Map(_) => "map",
        Frame::Set(_) => "set",
        Frame::Push(_) => "push",
        Frame::Double(_) => "double",
        Frame::Boolean(_) => "boolean",
        Frame::BigNumber(_) => "bignumber",
        Frame::Verbatim { .. } => "verbatim",
        Frame::BlobError(_) => "bloberror",
        Frame::Attribute { .. } => "attribute",
    }
}

fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::Verbatim { data: b, .. } => String::from_utf8_lossy(b).into_owned(),
        other => show(other),
    }
}

/// The top-level elements of an unordered reply sorted (array, set, or
/// map pairs by key), the reply type kept.
pub fn sorted(f: &Frame) -> Frame {
    match f {
        Frame::Array(v) => {
            let mut v = v.clone();
            v.sort_by_key(show);
            Frame::Array(v)
        }
        Frame::Set(v) => {
            let mut v = v.clone();
            v.sort_by_key(show);
            Frame::Set(v)
        }
        Frame::Map(p) => {
            let mut p = p.clone();
            p.sort_by_key(|(k, _)| show(k));
            Frame::Map(p)
        }
        other => other.clone(),
    }
}

/// The reply type and element counts only (for random replies).
pub fn shape(f: &Frame) -> String {
    match f {
        Frame::Array(v) | Frame::Set(v) => {
            let kind = if matches!(f, Frame::Set(_)) { "set" } else { "array" };
            let inner: Vec<String> = v
                .iter()
                .map(|x| match x {
                    Frame::Array(i) => format!("array{}", i.len()),
                    Frame::Bulk(_) => "bulk".into(),
                    other => show(other),
                })
                .collect();
            format!("{kind}{}[{}]", v.len(), inner.join(","))
        }
        Frame::Bulk(_) => "bulk".into(),
        other => show(other),
    }
}

fn pairs(f: &Frame) -> Frame {
    let mut pairs: Vec<(Frame, Frame)> = match f {
        Frame::Map(p) => p.clone(),
        Frame::Array(v) if v.len() % 2 == 0 => v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
        other => return other.clone(),
    };
    pairs.sort_by_key(|(k, _)| show(k));
    match f {
        Frame::Map(_) => Frame::Map(pairs),
        _ => Frame::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
    }
}

fn hello(f: &Frame) -> Frame {
    let pairs: Vec<(Frame, Frame)> = match f {
        Frame::Map(p) => p.clone(),
        Frame::Array(v) => v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
        other => return other.clone(),
    };
    let kept = pairs.into_iter().filter(|(k, _)| !matches!(text(k).as_str(), "version" | "id")).collect();
    match f {
        Frame::Map(_) => Frame::Map(kept),
        _ => Frame::Array(kept.into_iter().flat_map(|(k, v)| [k, v]).collect()),
    }
}

fn client_info(f: &Frame) -> Frame {
    if matches!(f, Frame::Error(_)) {
        return f.clone();
    }
    let stable = ["name", "db", "flags", "sub", "psub", "ssub", "multi", "cmd", "user", "resp", "redir"];
    let lines = text(f)
        .lines()
        .map(|l| {
            let fields: Vec<String> = l
                .split(' ')
                .filter_map(|kv| kv.split_once('='))
                .filter(|(k, _)| !matches!(*k, "lib-name" | "lib-ver"))
                .map(|(k, v)| if stable.contains(&k) { format!("{k}={v}") } else { k.to_string() })
                .collect();
            fields.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    Frame::bulk(format!("{}:{lines}", kind(f)))
}

fn debug_object(f: &Frame) -> Frame {
    if matches!(f, Frame::Error(_)) {
        return f.clone();
    }
    let t = text(f);
    let kept: Vec<&str> = t.split(' ').filter(|w| !w.starts_with("at:") && !w.starts_with("lru")).collect();
    Frame::bulk(format!("{}:{}", kind(f), kept.join(" ")))
}

fn time(f: &Frame) -> Frame {
    match f {
        Frame::Array(v)
            if v.len() == 2
                && v.iter()
                    .all(|x| matches!(x, Frame::Bulk(b) if !b.is_empty() && b.iter().all(u8::is_ascii_digit))) =>
        {
            Frame::simple("time")
        }
        other => other.clone(),
    }
}

/// COMMAND INFO without tips and key specs (fields 8 and 9); subcommands
/// (field 10) are compared sorted, as Redis lists them in hash order.
pub fn cmdinfo(f: &Frame) -> Frame {
    match f {
        Frame::Array(entries) => Frame::Array(
            entries
                .iter()
                .map(|e| match e {
                    Frame::Array(v) if v.len() == 10 => {
                        let mut kept: Vec<Frame> = v[..7].to_vec();
                        let subs = match &v[9] {
                            Frame::Array(x) | Frame::Set(x) => x.clone(),
                            other => vec![other.clone()],
                        };
                        let mut subs = match cmdinfo(&Frame::Array(subs)) {
                            Frame::Array(x) => x,
                            other => vec![other],
                        };
                        subs.sort_by_key(show);
                        kept.push(Frame::Array(subs));
                        Frame::Array(kept)
                    }
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// FUNCTION LIST with each library's `functions` sorted.
fn function_list(f: &Frame) -> Frame {
    let sorted_list = |v: &Frame| match v {
        Frame::Array(fs) => {
            let mut fs = fs.clone();
            fs.sort_by_key(show);
            Frame::Array(fs)
        }
        other => other.clone(),
    };
    let functions = Frame::bulk("functions");
    let library = |lib: &Frame| match lib {
        Frame::Array(kv) => {
            let mut kv = kv.clone();
            for i in (1..kv.len()).step_by(2) {
                if kv[i - 1] == functions {
                    kv[i] = sorted_list(&kv[i]);
                }
            }
            Frame::Array(kv)
        }
        Frame::Map(p) => Frame::Map(
            p.iter().map(|(k, v)| (k.clone(), if *k == functions { sorted_list(v) } else { v.clone() })).collect(),
        ),
        other => other.clone(),
    };
    match f {
        Frame::Array(libs) => Frame::Array(libs.iter().map(library).collect()),
        other => other.clone(),
    }
}

/// Integers within `tol` of each other, anything else equal.
pub fn close_ints(a: &Frame, b: &Frame, tol: i64) -> bool {
    match (a, b) {
        (Frame::Integer(x), Frame::Integer(y)) => (x - y).abs() <= tol,
        _ => a == b,
    }
}

/// Whether two replies agree under `mode`.
fn same(mode: Mode, a: &Frame, b: &Frame) -> bool {
    match mode {
        Mode::Ember | Mode::Own => true,
        Mode::Exact | Mode::Listpack | Mode::Scan | Mode::HScan | Mode::SScan | Mode::ZScan => a == b,
        Mode::Sort => sorted(a) == sorted(b),
        Mode::Pairs => pairs(a) == pairs(b),
        Mode::Len => shape(a) == shape(b),
        Mode::Type => kind(a) == kind(b),
        Mode::Ttl => close_ints(a, b, 1),
        Mode::Pttl => close_ints(a, b, 1500),
        Mode::Hello => hello(a) == hello(b),
        Mode::ClientInfo => client_info(a) == client_info(b),
        Mode::DebugObject => debug_object(a) == debug_object(b),
        Mode::Time => time(a) == time(b),
        Mode::CmdInfo => cmdinfo(a) == cmdinfo(b),
        Mode::FnList => function_list(a) == function_list(b),
    }
}

/// Whether `ember` and `redis`, the replies to test line `line`, agree
/// under the line's mode (the harness's own tests use it).
pub fn agree(line: &'static str, ember: &Frame, redis: &Frame) -> bool {
    same(parse_line(line).0, ember, redis)
}

/// A whole HSCAN / SSCAN iteration of `rest` (`<key> [options]`): the
/// sorted items (HSCAN: field-value pairs), or the error.
fn collection_scan(c: &mut Conn, command: &str, rest: &str) -> Frame {
    let mut parts = args(rest);
    let key = parts.remove(0);
    let mut cursor = b"0".to_vec();
    let mut items = Vec::new();
    let mut rounds = 0;
    loop {
        let mut argv = vec![command.as_bytes().to_vec(), key.clone(), cursor.clone()];
        argv.extend(parts.iter().cloned());
        let reply = c.cmd(&argv);
        let Frame::Array(v) = &reply else { return reply };
        let Frame::Bulk(next) = &v[0] else { panic!("bad cursor {}", show(&reply)) };
        let Frame::Array(got) = &v[1] else { panic!("bad items {}", show(&reply)) };
        if command == "HSCAN" {
            assert!(got.len() % 2 == 0, "odd HSCAN reply {}", show(&reply));
            items.extend(got.chunks(2).map(|c| Frame::Array(c.to_vec())));
        } else {
            items.extend(got.iter().cloned());
        }
        cursor = next.to_vec();
        rounds += 1;
        assert!(rounds < 100_000, "{command} does not terminate");
        if cursor == b"0" {
            break;
        }
    }
    items.sort_by_key(show);
    items.dedup();
    Frame::Array(items)
}

/// A whole ZSCAN iteration: the sorted `member score` pairs, or the error.
fn zset_scan(c: &mut Conn, rest: &str) -> Frame {
    let mut parts = args(rest);
    let key = parts.remove(0);
    let mut cursor = b"0".to_vec();
    let mut pairs = Vec::new();
    for _ in 0..10_000 {
        let mut argv = vec![b"ZSCAN".to_vec(), key.clone(), cursor.clone()];
        argv.extend(parts.iter().cloned());
        let reply = c.cmd(&argv);
        let Frame::Array(v) = &reply else { return reply };
        let (Frame::Bulk(next), Frame::Array(items)) = (&v[0], &v[1]) else { return reply };
        for p in items.chunks(2) {
            pairs.push(format!("{} {}", show(&p[0]), show(&p[1])));
        }
        cursor = next.to_vec();
        if cursor == b"0" {
            pairs.sort();
            pairs.dedup();
            return Frame::Array(pairs.into_iter().map(Frame::bulk).collect());
        }
    }
    panic!("ZSCAN does not terminate");
}

/// One server's reply to a line.
fn reply(c: &mut Conn, mode: Mode, line: &str) -> Frame {
    match mode {
        Mode::Scan => match scan_all(c, line) {
            Ok(keys) => Frame::Array(keys.into_iter().map(|k| Frame::Bulk(k.into())).collect()),
            Err(e) => e,
        },
        Mode::HScan => collection_scan(c, "HSCAN", line),
        Mode::SScan => collection_scan(c, "SSCAN", line),
        Mode::ZScan => zset_scan(c, line),
        _ => c.cmd(&args(line)),
    }
}

/// A new connection to `server`, in RESP3 if asked, after `FLUSHALL` and
/// the `setup` lines (each must answer `+OK`).
pub fn fresh(server: &Server, resp3: bool, setup: &[&str]) -> Conn {
    let mut c = server.conn();
    if resp3 {
        let r = c.run("HELLO 3");
        assert!(matches!(r, Frame::Map(_)), "HELLO 3 on {:?}: {}", server.kind, show(&r));
    }
    assert_eq!(c.run("FLUSHALL"), ok(), "FLUSHALL on {:?}", server.kind);
    for line in setup {
        assert_eq!(c.run(line), ok(), "{line} on {:?}", server.kind);
    }
    c
}

/// Runs every sequence on both servers (ember alone without a reference)
/// under setting number `setting` of `opts`; returns the mismatches.
pub fn run_all(
    ember: &Server,
    redis: Option<&Server>,
    resp3: bool,
    setting: usize,
    opts: &Opts,
    sequences: Sequences,
) -> Vec<String> {
    let trace = std::env::var_os("EMBER_DIFF_TRACE").is_some();
    let mut setup: Vec<&str> = opts.setup.to_vec();
    if let Some(lines) = opts.settings.get(setting) {
        setup.extend_from_slice(lines);
    }
    let first = setting == 0;
    let context = match (resp3, opts.settings.len() > 1) {
        (false, false) => "RESP2".to_string(),
        (true, false) => "RESP3".to_string(),
        (r, true) => format!("{} {:?}", if r { "RESP3" } else { "RESP2" }, opts.settings[setting]),
    };
    let mut problems = Vec::new();
    for (name, lines) in sequences {
        let mut e = fresh(ember, resp3, &setup);
        let mut r = redis.map(|s| fresh(s, resp3, &setup));
        for line in lines {
            let (mode, cmdline, expect) = parse_line(line);
            if trace {
                eprintln!("TRACE [{context}] {name}: {cmdline}");
            }
            let got = reply(&mut e, mode, cmdline);
            if let Some(want) = expect {
                if !resp3 && first && show(&got) != want {
                    problems.push(format!("[{context}] {name}: `{cmdline}`: ember {} but expected {want}", show(&got)));
                }
            }
            if mode == Mode::Own {
                assert!(expect.is_some(), "!own line without an expectation: {line}");
                continue;
            }
            let Some(r) = r.as_mut() else { continue };
            let theirs = reply(r, mode, cmdline);
            // `!lp` lines compare under the first setting only.
            let compared = mode != Mode::Listpack || first;
            if compared && !same(mode, &got, &theirs) {
                problems.push(format!(
                    "[{context}] {name}: `{cmdline}`\n      ember: {}\n      redis: {}",
                    show(&got),
                    show(&theirs)
                ));
            }
        }
    }
    problems
}

/// Runs `sequences` under every setting, in RESP2 then RESP3, against
/// fresh servers started with `opts.extra`, and fails listing every
/// mismatch.
pub fn check_with(sequences: fn() -> Sequences, opts: &Opts) {
    let ember = Server::ember(opts.extra);
    let redis = Server::redis(opts.extra);
    let mut problems = Vec::new();
    for setting in 0..opts.settings.len().max(1) {
        for resp3 in [false, true] {
            problems.extend(run_all(&ember, redis.as_ref(), resp3, setting, opts, sequences()));
        }
    }
    report(&problems, "the sequences");
}

/// [`check_with`] with servers started with `extra` options and nothing
/// else.
pub fn check(sequences: fn() -> Sequences, extra: &[&str]) {
    check_with(sequences, &Opts { extra, ..Opts::default() });
}

/// Prints every problem and fails if there is any.
pub fn report(problems: &[String], what: &str) {
    for p in problems {
        eprintln!("MISMATCH {p}");
    }
    assert!(problems.is_empty(), "{} mismatches between ember and redis in {what} (see above)", problems.len());
}

/// The last `n` lines of a random stream's history, one per line, for a
/// mismatch report.
pub fn recent(history: &[String], n: usize) -> String {
    history[history.len().saturating_sub(n)..].join("\n        ")
}
