//! Pub/Sub against redis-server (7.0): several connections per scenario
//! (subscribers reading pushes while another connection publishes), in
//! RESP2 and RESP3, every command and error case compared frame by frame;
//! CLIENT LIST / INFO bookkeeping; `client-output-buffer-limit` closing a
//! subscriber that never reads (and a normal client that never reads).
//!
//! A scenario line is `conn: COMMAND args` (send it, then read every frame
//! that arrives until the connection is quiet) or `conn:` alone (only read:
//! the pushes a subscriber got). Prefixes: `!sort` compares the frames as
//! a multiset (UNSUBSCRIBE with no arguments lists channels in hash order
//! on both servers), `!skip` runs the line without comparing (replies that
//! hold client ids).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{args, show, Conn, Frame, Server};

/// Reads every frame that arrives within `first` (for the first one) and
/// then until the connection stays quiet for 60 ms.
fn drain(c: &mut Conn, first: Duration) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut wait = first;
    loop {
        c.stream.set_read_timeout(Some(wait)).unwrap();
        match c.try_read() {
            Ok(Some(f)) => frames.push(f),
            Ok(None) => {
                frames.push(Frame::simple("<closed>"));
                break;
            }
            Err(_) => break,
        }
        wait = Duration::from_millis(60);
    }
    c.stream.set_read_timeout(Some(common::READ_TIMEOUT)).unwrap();
    frames
}

/// Runs a scenario on one server and returns, per line, what came back.
fn play(server: &Server, lines: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut conns: HashMap<String, Conn> = HashMap::new();
    let mut out = Vec::new();
    for line in lines {
        let (mods, rest) = split_mods(line);
        let (name, cmd) = rest.split_once(':').expect("conn: command");
        let c = conns.entry(name.trim().to_string()).or_insert_with(|| server.conn());
        let cmd = cmd.trim();
        let first = if cmd.is_empty() {
            Duration::from_millis(150)
        } else {
            c.send(&args(cmd));
            Duration::from_secs(5)
        };
        let mut frames = drain(c, first);
        if mods.contains(&"!sort") {
            // One array reply: sort its items; several frames: sort them.
            if let [Frame::Array(items)] = frames.as_mut_slice() {
                items.sort_by_key(show);
            }
            frames.sort_by_key(show);
        }
        let mut got: Vec<String> = frames.iter().map(show).collect();
        if mods.contains(&"!skip") {
            got = vec!["<not compared>".into()];
        }
        out.push((line.to_string(), got));
    }
    out
}

fn split_mods(line: &str) -> (Vec<&str>, &str) {
    let mut mods = Vec::new();
    let mut rest = line;
    while let Some(r) = rest.strip_prefix('!') {
        let (m, tail) = r.split_once(' ').unwrap_or((r, ""));
        mods.push(&rest[..m.len() + 1]);
        rest = tail;
    }
    (mods, rest)
}

/// Plays `lines` on ember and on redis-server and compares every line.
fn diff(title: &str, lines: &[&str]) {
    let ember = Server::ember(&[]);
    let got = play(&ember, lines);
    let Some(redis) = Server::redis(&[]) else {
        // Without redis-server, at least every line must have answered.
        assert!(got.iter().all(|(l, f)| !f.is_empty() || l.trim_end().ends_with(':')), "{title}: {got:?}");
        return;
    };
    let want = play(&redis, lines);
    let mut bad = Vec::new();
    for ((line, g), (_, w)) in got.iter().zip(&want) {
        if g != w {
            bad.push(format!("  {line}\n    ember: {g:?}\n    redis: {w:?}"));
        }
    }
    assert!(bad.is_empty(), "{title}: {} line(s) differ:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn subscribe_publish_and_replies_resp2() {
    diff(
        "resp2",
        &[
            "s: UNSUBSCRIBE",
            "s: PUNSUBSCRIBE",
            "s: SUNSUBSCRIBE",
            "s: UNSUBSCRIBE a b",
            "s: SUBSCRIBE c1 c2 c1",
            "s: GET x",
            "s: SET x 1",
            "s: CLIENT LIST",
            "s: MULTI",
            "s: HELLO 3",
            "s: PING",
            "s: PING hi",
            "s: PING a b",
            "s: ECHO x",
            "s: GET",
            "s: NOSUCH",
            "p: PUBLISH c1 hello",
            "s:",
            "p: PUBLISH c2 \"\"",
            "s:",
            "p: PUBLISH nobody x",
            "s: PSUBSCRIBE c* *1 c*",
            "p: PUBLISH c1 both",
            "!sort s:",
            "p: PUBLISH x1 pattern-only",
            "s:",
            "s: SSUBSCRIBE s1 s2",
            "p: SPUBLISH s1 shard",
            "s:",
            "p: SPUBLISH c1 not-a-shard-subscriber",
            "p: PUBLISH s1 not-a-channel-subscriber",
            "s:",
            "p: PUBSUB NUMSUB c1 c2 zz",
            "p: PUBSUB NUMSUB",
            "p: PUBSUB NUMPAT",
            "!sort p: PUBSUB CHANNELS",
            "p: PUBSUB CHANNELS *2",
            "p: PUBSUB CHANNELS nomatch*",
            "!sort p: PUBSUB SHARDCHANNELS",
            "p: PUBSUB SHARDCHANNELS s1",
            "p: PUBSUB SHARDNUMSUB s1 s3",
            "p: PUBSUB SHARDNUMSUB",
            "p: INFO nosuchsection",
            "s: UNSUBSCRIBE c1 nosuch",
            "!sort s: PUNSUBSCRIBE",
            "s: SUNSUBSCRIBE s1",
            "!sort s: SUNSUBSCRIBE",
            "s: PING",
            "s: UNSUBSCRIBE",
            "s: PING",
            "s: GET x",
            "p: PUBLISH c2 after",
            "s:",
            "p: PUBSUB NUMPAT",
            "p: PUBSUB CHANNELS",
            "p: PUBSUB SHARDCHANNELS",
        ],
    );
}

#[test]
fn resp3_pushes_and_any_command() {
    diff(
        "resp3",
        &[
            "!skip s: HELLO 3",
            "s: UNSUBSCRIBE",
            "s: SUBSCRIBE c1",
            "s: GET x",
            "s: PING",
            "s: PING hi",
            "s: PSUBSCRIBE c*",
            "p: PUBLISH c1 hello",
            "s:",
            "s: PUBLISH c1 to-myself",
            "s: SPUBLISH c1 nobody",
            "s: SSUBSCRIBE sh",
            "s: SPUBLISH sh mine",
            "s: PUNSUBSCRIBE nope",
            "s: SUNSUBSCRIBE",
            "!skip s: HELLO 2",
            "s: GET x",
            "p: PUBLISH c1 now-resp2",
            "s:",
            "s: PING",
            "s: RESET",
            "s: GET x",
            "p: PUBLISH c1 nobody-left",
            "s:",
            "p: PUBSUB NUMPAT",
        ],
    );
}

#[test]
fn errors_and_arity() {
    diff(
        "errors",
        &[
            "c: SUBSCRIBE",
            "c: PSUBSCRIBE",
            "c: SSUBSCRIBE",
            "c: PUBLISH ch",
            "c: PUBLISH ch a b",
            "c: SPUBLISH ch",
            "c: PUBSUB",
            "c: PUBSUB nosuch",
            "c: PUBSUB NUMPAT x",
            "c: PUBSUB CHANNELS a b",
            "c: PUBSUB SHARDCHANNELS a b",
            "c: PUBSUB HELP",
            "c: PUBSUB HELP x",
            "c: pubsub numsub A a",
            "c: publish \"\" \"\"",
            "c: COMMAND GETKEYS SPUBLISH ch msg",
            "c: COMMAND GETKEYS SSUBSCRIBE a b",
            "c: COMMAND INFO subscribe publish spublish ssubscribe sunsubscribe",
        ],
    );
}

#[test]
fn subscriptions_in_transactions() {
    diff(
        "multi",
        &[
            "a: MULTI",
            "a: SUBSCRIBE x",
            "a: GET y",
            "a: PING",
            "a: EXEC",
            "a: GET y",
            "a: MULTI",
            "a: PING",
            "b: MULTI",
            "b: SSUBSCRIBE x",
            "b: EXEC",
            "b: PUBSUB SHARDNUMSUB x",
            "c: MULTI",
            "c: PUBLISH x inside",
            "c: EXEC",
            "a:",
            "d: SUBSCRIBE q",
            "d: QUIT",
            "e: PUBSUB NUMSUB q x",
        ],
    );
}

#[test]
fn message_order_and_fan_out() {
    let mut lines =
        vec!["a: SUBSCRIBE ch", "b: PSUBSCRIBE c? *", "c: SUBSCRIBE ch", "!skip d: HELLO 3", "d: SUBSCRIBE ch"];
    lines.extend(["p: PUBLISH ch m1", "p: PUBLISH ch m2", "p: PUBLISH ch m3"]);
    lines.extend(["a:", "!sort b:", "c:", "d:", "b: PUNSUBSCRIBE *", "p: PUBLISH ch m4", "a:", "b:", "c:", "d:"]);
    lines.extend(["c: UNSUBSCRIBE ch", "p: PUBLISH ch m5", "p: PUBSUB NUMSUB ch", "a:", "b:", "c:", "d:"]);
    diff("fan-out", &lines);
}

/// The value of `field=` in a CLIENT LIST line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split(' ').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('='))).unwrap_or("?")
}

fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Verbatim { data: b, .. } => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not text: {}", show(other)),
    }
}

/// CLIENT LIST / CLIENT INFO / TYPE PUBSUB / KILL TYPE PUBSUB and INFO
/// fields, the same on both servers.
fn bookkeeping(server: &Server) -> Vec<String> {
    let mut s = server.conn();
    s.run("SUBSCRIBE a b");
    s.read();
    s.run("PSUBSCRIBE p*");
    s.run("SSUBSCRIBE x");
    let mut n = server.conn();
    let mut seen = Vec::new();
    let list = text(&n.run("CLIENT LIST"));
    for line in list.lines() {
        seen.push(["flags", "sub", "psub", "ssub", "cmd"].map(|f| format!("{f}={}", field(line, f))).join(" "));
    }
    let pubsub_only = text(&n.run("CLIENT LIST TYPE PUBSUB"));
    seen.push(format!("type pubsub: {} line(s), flags={}", pubsub_only.lines().count(), field(&pubsub_only, "flags")));
    let normal_only = text(&n.run("CLIENT LIST TYPE NORMAL"));
    seen.push(format!("type normal: {} line(s), flags={}", normal_only.lines().count(), field(&normal_only, "flags")));
    let info = text(&n.run("INFO stats"));
    for l in info.lines().filter(|l| l.starts_with("pubsub")) {
        seen.push(l.to_string());
    }
    let cmdstats = text(&n.run("INFO commandstats"));
    let mut calls: Vec<String> = cmdstats
        .lines()
        .filter(|l| l.contains("subscribe") || l.contains("publish"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    calls.sort();
    seen.extend(calls);
    seen.push(show(&n.run("CLIENT KILL TYPE PUBSUB")));
    seen.push(format!("killed subscriber closed: {}", s.closes_within(Duration::from_secs(2))));
    seen.push(show(&n.run("CLIENT KILL TYPE PUBSUB")));
    seen.push(show(&n.run("PUBSUB NUMSUB a b")));
    seen.push(show(&n.run("PUBSUB NUMPAT")));
    let info = text(&n.run("INFO stats"));
    seen.extend(info.lines().filter(|l| l.starts_with("pubsub")).map(str::to_string));
    seen
}

#[test]
fn client_list_info_and_kill() {
    let ember = Server::ember(&[]);
    let got = bookkeeping(&ember);
    assert!(got.iter().any(|l| l == "flags=P sub=2 psub=1 ssub=1 cmd=ssubscribe"), "{got:#?}");
    assert!(got.iter().any(|l| l == "pubsub_channels:2"), "{got:#?}");
    if let Some(redis) = Server::redis(&[]) {
        assert_eq!(got, bookkeeping(&redis));
    }
}

/// A connection whose receive buffer is 4 KiB (set before connecting, so
/// the window is small from the start): the kernel holds little of what
/// the server sends it, and the rest waits in the server's output buffer.
fn small_window_conn(server: &Server) -> Conn {
    use nix::sys::socket::{connect, setsockopt, socket, sockopt, AddressFamily, SockFlag, SockType, SockaddrIn};
    use std::os::fd::AsRawFd;
    let fd = socket(AddressFamily::Inet, SockType::Stream, SockFlag::SOCK_CLOEXEC, None).unwrap();
    setsockopt(&fd, sockopt::RcvBuf, &4096).unwrap();
    connect(fd.as_raw_fd(), &SockaddrIn::new(127, 0, 0, 1, server.port)).unwrap();
    Conn::from_stream(std::net::TcpStream::from(fd))
}

/// Resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Publishes 256 KiB messages to a subscriber that never reads: with the
/// default `pubsub 32mb 8mb 60` it is closed once about 32 MiB are
/// pending, and the server's memory stays bounded.
fn never_reading_subscriber(server: &Server) -> (bool, u64, String) {
    let mut sub = small_window_conn(server);
    sub.run("SUBSCRIBE ch");
    let mut publisher = server.conn();
    let before = rss_kib(server.pid());
    let payload = "x".repeat(256 << 10);
    let mut receivers = Vec::new();
    // 400 messages would be 100 MiB pending without the limit.
    for _ in 0..400 {
        let r = publisher.cmd(&["PUBLISH", "ch", payload.as_str()]);
        receivers.push(show(&r));
    }
    let grown = rss_kib(server.pid()).saturating_sub(before);
    // The subscriber's connection ends after at most what it was owed.
    sub.stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut closed = false;
    let mut chunk = vec![0u8; 1 << 20];
    let mut total = 0;
    while Instant::now() < deadline {
        match common::conn::read_retrying(&mut sub.stream, &mut chunk) {
            Ok(0) => {
                closed = true;
                break;
            }
            Err(e) => {
                eprintln!("read error after {total} bytes: {e}");
                closed = e.kind() != std::io::ErrorKind::WouldBlock && e.kind() != std::io::ErrorKind::TimedOut;
                break;
            }
            Ok(n) => total += n,
        }
    }
    eprintln!("read {total} bytes, closed {closed}");
    let stats = text(&publisher.run("INFO stats"));
    let first_zero = receivers.iter().position(|r| r == ":0").map_or("none".to_string(), |i| i.to_string());
    let disconnections = stats
        .lines()
        .find(|l| l.starts_with("client_output_buffer_limit_disconnections"))
        .unwrap_or("client_output_buffer_limit_disconnections:n/a")
        .to_string();
    (closed, grown, format!("first publish with no receiver: {first_zero}; {disconnections}"))
}

#[test]
fn output_buffer_limit_closes_a_subscriber_that_never_reads() {
    let ember = Server::ember(&[]);
    let (closed, grown_kib, what) = never_reading_subscriber(&ember);
    assert!(closed, "subscriber still connected ({what})");
    // 32 MiB hard limit plus a message and buffer slack; without the
    // limit this would be over 100 MiB.
    assert!(grown_kib < 80 << 10, "server grew by {grown_kib} KiB ({what})");
    assert!(what.ends_with("client_output_buffer_limit_disconnections:1"), "{what}");
    // The subscriber goes at the message that crosses 32 MiB (minus what
    // the kernel buffers took): well before the 400th.
    let first: usize = what.split("receiver: ").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((100..=170).contains(&first), "{what}");
    if let Some(redis) = Server::redis(&[]) {
        let (closed, _, redis_what) = never_reading_subscriber(&redis);
        assert!(closed, "redis kept its subscriber: {redis_what}");
    }
}

#[test]
fn soft_limit_closes_after_soft_seconds_and_normal_class_limits() {
    let server = Server::ember(&["--client-output-buffer-limit", "pubsub 0 1mb 1"]);
    let mut admin = server.conn();
    assert_eq!(
        show(&admin.run("CONFIG GET client-output-buffer-limit")),
        show(&common::bulks(&[
            "client-output-buffer-limit",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 0 1048576 1"
        ]))
    );
    let mut sub = small_window_conn(&server);
    sub.run("SUBSCRIBE ch");
    let payload = "y".repeat(64 << 10);
    // 6.4 MB: over the soft limit even after the kernel's buffers took
    // their part, but not for a second yet: still connected.
    for _ in 0..100 {
        admin.cmd(&["PUBLISH", "ch", payload.as_str()]);
    }
    assert_eq!(admin.cmd(&["PUBLISH", "ch", "x"]), common::int(1));
    std::thread::sleep(Duration::from_millis(1100));
    // The next message finds it over the soft limit for over a second.
    assert_eq!(admin.cmd(&["PUBLISH", "ch", "x"]), common::int(1));
    assert_eq!(admin.cmd(&["PUBLISH", "ch", "x"]), common::int(0));

    // Normal class: a client pipelining GETs of a big value without reading.
    assert_eq!(admin.run("CONFIG SET client-output-buffer-limit \"normal 1mb 0 0\""), common::ok());
    admin.cmd(&["SET", "big", &"z".repeat(100 << 10)]);
    let mut greedy = small_window_conn(&server);
    let mut pipeline = Vec::new();
    for _ in 0..200 {
        pipeline.extend(common::encode_cmd(&["GET", "big"]));
    }
    greedy.send_raw(&pipeline);
    std::thread::sleep(Duration::from_millis(300));
    let stats = text(&admin.run("INFO stats"));
    assert!(stats.contains("client_output_buffer_limit_disconnections:2"), "{stats}");
    let (_, closed) = greedy.read_until_close(Duration::from_secs(5));
    assert!(closed);
}

/// Runs each write command on `w` and returns the keyspace notifications
/// a `PSUBSCRIBE __key*` subscriber got for it (each command is followed by
/// a marker PUBLISH, so the subscriber knows where one command's events
/// end), plus the command's reply.
fn notifications(server: &Server, setup: &[&str], commands: &[&str]) -> Vec<String> {
    let mut w = server.conn();
    for line in setup {
        w.run(line);
    }
    let mut s = server.conn();
    s.run("PSUBSCRIBE __key*");
    let mut seen = Vec::new();
    for line in commands {
        let (pause, line) = match line.strip_prefix("!sleep ") {
            Some(rest) => {
                let (ms, cmd) = rest.split_once(' ').unwrap();
                (ms.parse().unwrap(), cmd)
            }
            None => (0, *line),
        };
        if pause > 0 {
            std::thread::sleep(Duration::from_millis(pause));
        }
        let (sort, line) = match line.strip_prefix("!random ") {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let reply = w.run(line);
        // Random replies (SPOP): only how many came back.
        let reply = match (sort, &reply) {
            (true, Frame::Array(items) | Frame::Set(items)) => format!("{} item(s)", items.len()),
            _ => show(&reply),
        };
        w.run("PUBLISH __keysync__ end");
        let mut events = Vec::new();
        loop {
            let f = s.read();
            let Frame::Array(parts) = &f else { panic!("not a message: {}", show(&f)) };
            if parts.get(2) == Some(&common::bulk("__keysync__")) {
                break;
            }
            events.push(format!("{} {}", show(&parts[2]), show(&parts[3])));
        }
        seen.push(format!("{line} -> {reply}: {}", events.join(", ")));
    }
    seen
}

fn diff_notifications(title: &str, setup: &[&str], commands: &[&str]) {
    let ember = Server::ember(&[]);
    let got = notifications(&ember, setup, commands);
    let Some(redis) = Server::redis(&[]) else {
        assert!(got.iter().any(|l| l.contains("__keyevent@")), "{title}: no events at all: {got:#?}");
        return;
    };
    let want = notifications(&redis, setup, commands);
    let bad: Vec<String> =
        got.iter().zip(&want).filter(|(g, w)| g != w).map(|(g, w)| format!("  ember: {g}\n  redis: {w}")).collect();
    assert!(bad.is_empty(), "{title}: {} command(s) differ:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn keyspace_notifications_match_redis() {
    diff_notifications(
        "all classes",
        &["CONFIG SET notify-keyspace-events KEA"],
        &[
            "SET s v",
            "SET s v2 EX 100",
            "SET s v3 KEEPTTL",
            "SET s v NX",
            "SETNX s2 v",
            "SETEX s3 100 v",
            "PSETEX s3 100000 v",
            "GETSET s x",
            "MSET a 1 b 2",
            "MSETNX a 1 c 2",
            "APPEND a xyz",
            "SETRANGE a 1 Q",
            "SETRANGE a 1 \"\"",
            "INCR n",
            "DECRBY n 5",
            "INCRBYFLOAT n 1.5",
            "GETEX s EX 100",
            "GETEX s PERSIST",
            "GETDEL s",
            "GET nokey",
            "EXPIRE a 100",
            "PEXPIRE a 200000 GT",
            "PEXPIRE a 1000 GT",
            "PERSIST a",
            "PERSIST a",
            "EXPIRE b -1",
            "RENAME a a2",
            "RENAMENX a2 c",
            "RENAME c c",
            "COPY a2 a3",
            "COPY a2 a3 DB 1",
            "MOVE a3 2",
            "DEL a2 nokey a3",
            "UNLINK s2",
            "SETBIT bits 7 1",
            "BITFIELD bits SET u8 0 255 GET u8 0",
            "BITOP NOT bits2 bits",
            "BITOP AND bits3 nokey",
            "BITOP AND bits2 nokey",
            "PFADD h a b",
            "PFADD h a",
            "PFMERGE h2 h",
            "LPUSH l a b c",
            "RPUSH l d",
            "LPUSHX nol a",
            "LINSERT l BEFORE a z",
            "LSET l 0 y",
            "LREM l 1 y",
            "LTRIM l 0 -1",
            "LPOP l",
            "RPOP l 2",
            "LMOVE l l2 LEFT RIGHT",
            "RPOPLPUSH l2 l2",
            "LMPOP 2 nol l2 LEFT COUNT 5",
            "RPUSH l3 a b",
            "LTRIM l3 5 10",
            "HSET hs f v g w",
            "HSETNX hs f v",
            "HINCRBY hs n 2",
            "HINCRBYFLOAT hs n 0.5",
            "HDEL hs f nof",
            "HDEL hs g n",
            "SADD st a b c",
            "SADD st a",
            "SREM st a",
            "SMOVE st st2 b",
            "SPOP st",
            "SADD su 1 2 3",
            "SPOP su 0",
            "!random SPOP su 2",
            "!random SPOP su 5",
            "SADD sa x y",
            "SINTERSTORE sd sa",
            "SUNIONSTORE sd sa nokey",
            "SDIFFSTORE sd sa sa",
            "ZADD z 1 a 2 b 3 c",
            "ZADD z XX 1 a",
            "ZADD z INCR 5 a",
            "ZINCRBY z 1 b",
            "ZREM z c",
            "ZREMRANGEBYSCORE z 100 200",
            "ZREMRANGEBYRANK z 0 0",
            "ZADD zl 0 x 0 y 0 w",
            "ZREMRANGEBYLEX zl [x [x",
            "ZREMRANGEBYLEX zl [x [x",
            "ZPOPMIN zl",
            "ZPOPMAX zl 10",
            "ZPOPMAX z 0",
            "ZPOPMAX z 10",
            "ZADD z1 1 a 2 b",
            "ZUNIONSTORE zu 1 z1",
            "ZINTERSTORE zu 2 z1 nokey",
            "ZDIFFSTORE zd 1 z1",
            "ZRANGESTORE zr z1 0 0",
            "ZMPOP 1 z1 MIN COUNT 9",
            "GEOADD g 13.361389 38.115556 Palermo",
            "GEOSEARCHSTORE gs g FROMLONLAT 13.36 38.11 BYRADIUS 100 km",
            "GEORADIUS g 13.36 38.11 100 km STORE gr",
            "GEORADIUS g 0 0 1 km STORE gr",
            "RPUSH srt 3 1 2",
            "SORT srt STORE srt2",
            "SORT nokey STORE srt2",
            "RESTORE r 0 \"\\x00\\x01x\\n\\x00\\x8f\\xd6\\xa3\\x9f\\xa9\\x1e\\xaf\\xf0\"",
            "XADD xs 1-1 f v",
            "XADD xs MAXLEN 1 2-1 f v",
            "XADD xs MAXLEN 5 3-1 f v",
            "XTRIM xs MAXLEN 1",
            "XTRIM xs MAXLEN 1",
            "XDEL xs 3-1 9-9",
            "XDEL xs 9-9",
            "XSETID xs 10-1",
            "XGROUP CREATE xs g 0",
            "XGROUP CREATE xs2 g $ MKSTREAM",
            "XGROUP SETID xs g 0",
            "XGROUP CREATECONSUMER xs g c",
            "XGROUP CREATECONSUMER xs g c",
            "XGROUP DELCONSUMER xs g c",
            "XGROUP DESTROY xs g",
            "XGROUP DESTROY xs g",
            "XADD xs 11-1 f v",
            "XGROUP CREATE xs g2 0",
            "XREADGROUP GROUP g2 newc COUNT 1 STREAMS xs >",
            "XREADGROUP GROUP g2 newc COUNT 1 STREAMS xs 0",
            "XCLAIM xs g2 other 0 11-1",
            "XAUTOCLAIM xs g2 third 0 0",
            "FLUSHDB",
        ],
    );
}

#[test]
fn keyspace_notification_classes_and_expiry() {
    diff_notifications(
        "classes",
        &["CONFIG SET notify-keyspace-events Elx", "DEBUG SET-ACTIVE-EXPIRE 0"],
        &[
            "SET k v",
            "LPUSH l a",
            "DEL l",
            "SET e v PX 20",
            "!sleep 100 GET e",
            "SET e2 v PX 20",
            "!sleep 100 SET e2 again",
            "CONFIG SET notify-keyspace-events Kg",
            "DEL e2",
            "CONFIG SET notify-keyspace-events g",
            "SET k v",
            "DEL k",
            "CONFIG SET notify-keyspace-events KEx",
            "DEBUG SET-ACTIVE-EXPIRE 1",
            "SET act v PX 10",
            "!sleep 600 PING",
            "CONFIG GET notify-keyspace-events",
            "CONFIG SET notify-keyspace-events \"\"",
            "SET k v",
        ],
    );
}

#[test]
fn new_key_notifications() {
    diff_notifications(
        "new keys",
        &["CONFIG SET notify-keyspace-events KEAn", "DEBUG SET-ACTIVE-EXPIRE 0"],
        &[
            "CONFIG GET notify-keyspace-events",
            "SET a 1",
            "SET a 2",
            "MSET a 3 b 4 c 5",
            "INCR n",
            "LPUSH l x",
            "LPUSH l y",
            "SADD s m",
            "HSET h f v",
            "ZADD z 1 m",
            "RENAME a a2",
            "RENAME a2 b",
            "COPY b b2",
            "COPY b b2 REPLACE",
            "MOVE b2 3",
            "SET e v PX 20",
            "!sleep 100 SET e w",
            "SET e2 v PX 20",
            "!sleep 100 LPUSH e2 x",
            "SET e3 v PX 20",
            "!sleep 100 RENAME b e3",
            "SINTERSTORE s2 s",
            "SETBIT bits 1 1",
            "PFADD hll a",
            "RESTORE r 0 \"\\x00\\x01x\\n\\x00\\x8f\\xd6\\xa3\\x9f\\xa9\\x1e\\xaf\\xf0\"",
            "XADD xs 1-1 f v",
            "GETDEL c",
        ],
    );
}

/// With maxmemory reached and only one volatile key, `volatile-lru` must
/// evict exactly that key: both servers publish `evicted` for it.
fn eviction_events(server: &Server) -> Vec<String> {
    let mut w = server.conn();
    w.run("CONFIG SET notify-keyspace-events Ee");
    w.run("CONFIG SET maxmemory-policy volatile-lru");
    w.run("SET v x EX 1000");
    let mut s = server.conn();
    s.run("SUBSCRIBE __keyevent@0__:evicted");
    let info = text(&w.run("INFO memory"));
    let used: u64 = info.lines().find_map(|l| l.strip_prefix("used_memory:")).unwrap().trim().parse().unwrap();
    assert_eq!(w.cmd(&["CONFIG", "SET", "maxmemory", &(used + (64 << 10)).to_string()]), common::ok());
    let big = "b".repeat(256 << 10);
    let reply = show(&w.cmd(&["SET", "big", big.as_str()]));
    w.run("CONFIG SET maxmemory 0");
    w.run("PUBLISH __keyevent@0__:evicted end");
    let mut seen = vec![format!("SET big -> {}", &reply[..reply.len().min(30)])];
    loop {
        let f = s.read();
        let msg = show(&f);
        if msg.contains("\"end\"") {
            break;
        }
        seen.push(msg);
    }
    seen.push(show(&w.run("EXISTS v")));
    seen
}

#[test]
fn eviction_publishes_evicted() {
    let ember = Server::ember(&[]);
    let got = eviction_events(&ember);
    assert!(got.iter().any(|l| l.contains(":evicted\"") && l.ends_with("\"v\"]")), "{got:#?}");
    if let Some(redis) = Server::redis(&[]) {
        assert_eq!(got, eviction_events(&redis));
    }
}
