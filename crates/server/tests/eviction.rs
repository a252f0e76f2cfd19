//! maxmemory and eviction through the server: each policy fills a server
//! past a small limit and checks that used memory stays near it, which keys
//! go, the INFO counters, the OOM refusals (byte for byte against
//! redis-server), EXECABORT in MULTI, and CONFIG SET maxmemory shrinking.

mod common;

use std::time::{Duration, Instant};

use common::{err, int, ok, Conn, Frame, Server};

const LIMIT: u64 = 4 << 20;
const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

fn info_field(c: &mut Conn, section: &str, field: &str) -> String {
    let text = match c.cmd(&["INFO", section]) {
        Frame::Bulk(b) | Frame::Verbatim { data: b, .. } => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO replied {other:?}"),
    };
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
        .trim()
        .to_string()
}

fn info_u64(c: &mut Conn, section: &str, field: &str) -> u64 {
    info_field(c, section, field).parse().unwrap_or_else(|e| panic!("{field}: {e}"))
}

fn value(i: usize) -> Vec<u8> {
    let mut v = format!("{i:08}").into_bytes();
    v.resize(100, b'x');
    v
}

/// Sends the commands built by `f` for `keys`, pipelined in batches, and
/// returns the replies in order.
fn pipeline(c: &mut Conn, keys: impl Iterator<Item = usize>, f: impl Fn(usize) -> Vec<Vec<u8>>) -> Vec<Frame> {
    let keys: Vec<usize> = keys.collect();
    let mut replies = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        let mut bytes = Vec::new();
        for &i in chunk {
            bytes.extend_from_slice(&common::encode_cmd(&f(i)));
        }
        c.send_raw(&bytes);
        for _ in chunk {
            replies.push(c.read());
        }
    }
    replies
}

fn set_all(c: &mut Conn, prefix: &str, keys: impl Iterator<Item = usize>, ttl_secs: Option<usize>) -> Vec<Frame> {
    pipeline(c, keys, |i| {
        let mut cmd = vec![b"SET".to_vec(), format!("{prefix}{i}").into_bytes(), value(i)];
        if let Some(t) = ttl_secs {
            cmd.push(b"EX".to_vec());
            cmd.push(t.to_string().into_bytes());
        }
        cmd
    })
}

/// How many of `prefix{i}` for `keys` exist.
fn surviving(c: &mut Conn, prefix: &str, keys: impl Iterator<Item = usize>) -> usize {
    pipeline(c, keys, |i| vec![b"EXISTS".to_vec(), format!("{prefix}{i}").into_bytes()])
        .iter()
        .filter(|f| **f == int(1))
        .count()
}

fn ember(policy: &str) -> (Server, Conn) {
    let limit = LIMIT.to_string();
    let s = Server::ember(&["--maxmemory", &limit, "--maxmemory-policy", policy]);
    let c = s.conn();
    (s, c)
}

/// Used memory after a command ran (eviction runs before each command, so
/// this is what the next write would find), within one write of the limit.
fn assert_near_limit(c: &mut Conn) {
    let used = info_u64(c, "memory", "used_memory");
    assert!(used <= LIMIT + 64 * 1024, "used_memory {used} over maxmemory {LIMIT}");
    assert!(used >= LIMIT / 2, "used_memory {used}: evicted far more than needed");
}

#[test]
fn allkeys_lru_stays_near_the_limit_and_counts_evictions() {
    let (_s, mut c) = ember("allkeys-lru");
    let n = 60_000;
    for r in set_all(&mut c, "k:", 0..n, None) {
        assert_eq!(r, ok());
    }
    assert_near_limit(&mut c);
    let evicted = info_u64(&mut c, "stats", "evicted_keys");
    let Frame::Integer(dbsize) = c.run("DBSIZE") else { panic!("DBSIZE") };
    assert!(evicted > 0);
    assert_eq!(evicted + dbsize as u64, n as u64, "every key is either kept or counted as evicted");
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), LIMIT.to_string());
    assert_eq!(info_field(&mut c, "memory", "maxmemory_policy"), "allkeys-lru");
    assert_eq!(info_field(&mut c, "memory", "mem_not_counted_for_evict"), "0");
    assert_eq!(info_field(&mut c, "stats", "evicted_clients"), "0");
    assert_eq!(info_field(&mut c, "stats", "current_eviction_exceeded_time"), "0");
    let peak = info_u64(&mut c, "memory", "used_memory_peak");
    assert!((LIMIT..2 * LIMIT).contains(&peak), "peak {peak}");
    let frag: f64 = info_field(&mut c, "memory", "mem_fragmentation_ratio").parse().expect("ratio");
    assert!((0.5..20.0).contains(&frag), "mem_fragmentation_ratio {frag}");
    // CONFIG RESETSTAT clears the counter.
    assert_eq!(c.run("CONFIG RESETSTAT"), ok());
    assert_eq!(info_u64(&mut c, "stats", "evicted_keys"), 0);
}

#[test]
fn allkeys_lru_keeps_recently_read_keys() {
    let (_s, mut c) = ember("allkeys-lru");
    // Every key starts idle for 1000 s (RESTORE ... IDLETIME), then the hot
    // set is read: it is the recently used part.
    assert_eq!(c.cmd(&[b"SET".to_vec(), b"template".to_vec(), value(0)]), ok());
    let Frame::Bulk(payload) = c.run("DUMP template") else { panic!("DUMP") };
    assert_eq!(c.run("DEL template"), int(1));
    let restore = |prefix: &'static str| {
        let payload = payload.to_vec();
        move |i: usize| {
            vec![
                b"RESTORE".to_vec(),
                format!("{prefix}{i}").into_bytes(),
                b"0".to_vec(),
                payload.clone(),
                b"IDLETIME".to_vec(),
                b"1000".to_vec(),
            ]
        }
    };
    for r in pipeline(&mut c, 0..12_000, restore("cold:")) {
        assert_eq!(r, ok());
    }
    for r in pipeline(&mut c, 0..1000, restore("hot:")) {
        assert_eq!(r, ok());
    }
    let idle = |c: &mut Conn| match c.run("OBJECT IDLETIME hot:7") {
        Frame::Integer(i) => i,
        other => panic!("OBJECT IDLETIME replied {other:?}"),
    };
    // (A second boundary may pass between two commands.)
    assert!((1000..1010).contains(&idle(&mut c)));
    for _ in 0..3 {
        pipeline(&mut c, 0..1000, |i| vec![b"GET".to_vec(), format!("hot:{i}").into_bytes()]);
    }
    assert!(idle(&mut c) < 10);
    assert_eq!(info_u64(&mut c, "stats", "evicted_keys"), 0, "the test needs room before the new keys");
    set_all(&mut c, "new:", 0..12_000, None);
    assert_near_limit(&mut c);
    let evicted = info_u64(&mut c, "stats", "evicted_keys");
    assert!(evicted > 2000, "evicted {evicted}");
    let hot = surviving(&mut c, "hot:", 0..1000);
    let cold = surviving(&mut c, "cold:", 0..12_000);
    assert!(hot >= 950, "only {hot} of 1000 recently read keys survived");
    assert!((cold as f64 / 12_000.0) < 0.9, "{cold} idle keys survived, {hot} hot");
}

#[test]
fn allkeys_lfu_keeps_frequently_read_keys() {
    let (_s, mut c) = ember("allkeys-lfu");
    set_all(&mut c, "cold:", 0..12_000, None);
    set_all(&mut c, "hot:", 0..1000, None);
    assert_eq!(c.run("OBJECT FREQ hot:3"), int(5), "a new key's counter");
    for _ in 0..10 {
        pipeline(&mut c, 0..1000, |i| vec![b"GET".to_vec(), format!("hot:{i}").into_bytes()]);
    }
    let Frame::Integer(f) = c.run("OBJECT FREQ hot:3") else { panic!("OBJECT FREQ") };
    assert!(f > 5, "freq {f}");
    assert_eq!(info_u64(&mut c, "stats", "evicted_keys"), 0, "the test needs room before the new keys");
    set_all(&mut c, "new:", 0..12_000, None);
    assert_near_limit(&mut c);
    assert!(info_u64(&mut c, "stats", "evicted_keys") > 2000);
    let hot = surviving(&mut c, "hot:", 0..1000);
    assert!(hot >= 950, "only {hot} of 1000 frequently read keys survived");
    // RESTORE ... FREQ sets the counter under an LFU policy.
    let Frame::Bulk(payload) = c.run("DUMP hot:3") else { panic!("DUMP") };
    let cmd = [&b"RESTORE"[..], b"lfu", b"0", &payload, b"FREQ", b"77"];
    assert_eq!(c.cmd(&cmd), ok());
    assert_eq!(c.run("OBJECT FREQ lfu"), int(77));
}

/// Fills with persistent and volatile keys; only volatile keys go, and
/// once none is left writes get OOM while reads and deletes still work.
fn volatile_policy_spares_persistent_keys(policy: &str) {
    let (_s, mut c) = ember(policy);
    set_all(&mut c, "p:", 0..8000, None);
    set_all(&mut c, "v:", 0..8000, Some(3600));
    let mut oom_at = None;
    for chunk in 0..100 {
        let replies = set_all(&mut c, "w:", chunk * 1000..(chunk + 1) * 1000, None);
        if let Some(e) = replies.iter().find(|r| **r != ok()) {
            assert_eq!(*e, err(OOM), "{policy}");
            oom_at = Some(chunk);
            break;
        }
    }
    assert!(oom_at.is_some(), "{policy}: writes never ran out of memory");
    assert_eq!(surviving(&mut c, "p:", 0..8000), 8000, "{policy} evicted a key without TTL");
    // Every volatile key went before the refusals began.
    assert_eq!(surviving(&mut c, "v:", 0..8000), 0, "{policy}");
    let evicted = info_u64(&mut c, "stats", "evicted_keys");
    assert_eq!(evicted, 8000, "{policy}");
    assert!(info_u64(&mut c, "stats", "current_eviction_exceeded_time") < 3_600_000);
    // Out of memory (the limit lowered so that freed client buffers cannot
    // make room): denyoom commands are refused, others run.
    assert_eq!(c.run("CONFIG SET maxmemory 1"), ok());
    assert_eq!(c.run("SET another x"), err(OOM));
    assert_eq!(c.run("GET p:1"), Frame::Bulk(value(1).into()));
    assert_eq!(c.run("EXISTS p:2"), int(1));
    assert_eq!(c.run("DEL p:3"), int(1));
    assert_eq!(surviving(&mut c, "p:", 0..8000), 7999);
    assert_eq!(c.run("CONFIG SET maxmemory 0"), ok());
    assert_eq!(c.run("SET another x"), ok());
}

#[test]
fn volatile_lru_only_evicts_keys_with_a_ttl() {
    volatile_policy_spares_persistent_keys("volatile-lru");
}

#[test]
fn volatile_lfu_only_evicts_keys_with_a_ttl() {
    volatile_policy_spares_persistent_keys("volatile-lfu");
}

#[test]
fn volatile_random_only_evicts_keys_with_a_ttl() {
    volatile_policy_spares_persistent_keys("volatile-random");
}

#[test]
fn volatile_ttl_only_evicts_keys_with_a_ttl() {
    volatile_policy_spares_persistent_keys("volatile-ttl");
}

#[test]
fn volatile_ttl_evicts_the_soonest_expiring_first() {
    let (_s, mut c) = ember("volatile-ttl");
    let n = 24_000;
    // Key i expires after 1000 + i seconds.
    pipeline(&mut c, 0..n, |i| {
        vec![
            b"SET".to_vec(),
            format!("t:{i}").into_bytes(),
            value(i),
            b"EX".to_vec(),
            (1000 + i).to_string().into_bytes(),
        ]
    });
    assert_near_limit(&mut c);
    let evicted = info_u64(&mut c, "stats", "evicted_keys") as usize;
    assert!(evicted > 2000, "evicted {evicted}");
    let late = surviving(&mut c, "t:", n / 2..n);
    let early = surviving(&mut c, "t:", 0..n / 4);
    assert!(late >= n / 2 * 98 / 100, "only {late} of the later-expiring half survived");
    assert!(early < n / 4 * 70 / 100, "{early} of the earliest quarter survived");
}

#[test]
fn allkeys_random_evicts_and_noeviction_never_does() {
    let (_s, mut c) = ember("allkeys-random");
    set_all(&mut c, "k:", 0..40_000, None);
    assert_near_limit(&mut c);
    assert!(info_u64(&mut c, "stats", "evicted_keys") > 0);

    let (_s, mut c) = ember("noeviction");
    let mut refused = 0;
    for r in set_all(&mut c, "k:", 0..40_000, None) {
        if r != ok() {
            assert_eq!(r, err(OOM));
            refused += 1;
        }
    }
    assert!(refused > 0);
    assert_eq!(info_u64(&mut c, "stats", "evicted_keys"), 0);
    assert!(info_u64(&mut c, "stats", "current_eviction_exceeded_time") < 3_600_000);
    assert_eq!(c.run("GET k:1"), Frame::Bulk(value(1).into()));
    // Deleting makes room again.
    let deleted = pipeline(&mut c, 0..20_000, |i| vec![b"DEL".to_vec(), format!("k:{i}").into_bytes()]);
    assert!(deleted.iter().filter(|r| **r == int(1)).count() > 5000);
    assert_eq!(c.run("SET another x"), ok());
}

#[test]
fn config_set_maxmemory_below_usage_evicts() {
    let s = Server::ember(&["--maxmemory-policy", "allkeys-random"]);
    let mut c = s.conn();
    set_all(&mut c, "k:", 0..30_000, None);
    let used = info_u64(&mut c, "memory", "used_memory");
    let target = used / 2;
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", &target.to_string()]), ok());
    // The eviction starts inside CONFIG SET and, bounded per round by
    // maxmemory-eviction-tenacity, goes on in the next loop turns.
    let start = Instant::now();
    loop {
        let now = info_u64(&mut c, "memory", "used_memory");
        if now <= target + 64 * 1024 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "used_memory stays at {now} > {target}");
        std::thread::sleep(Duration::from_millis(10));
    }
    // maxmemory 0 lifts the limit (and stops an eviction still going on
    // below the margin above, so the counts below are final).
    assert_eq!(c.run("CONFIG SET maxmemory 0"), ok());
    let evicted = info_u64(&mut c, "stats", "evicted_keys");
    assert!(evicted > 5000, "evicted {evicted}");
    let Frame::Integer(dbsize) = c.run("DBSIZE") else { panic!("DBSIZE") };
    assert_eq!(dbsize as u64 + evicted, 30_000);
    set_all(&mut c, "more:", 0..10_000, None);
    assert_eq!(info_u64(&mut c, "stats", "evicted_keys"), evicted);
}

#[test]
fn evicted_keys_touch_watchers() {
    let s = Server::ember(&["--maxmemory-policy", "volatile-lru"]);
    let mut c = s.conn();
    let mut w = s.conn();
    set_all(&mut c, "p:", 0..2000, None);
    assert_eq!(c.run("SET watched v EX 1000"), ok());
    assert_eq!(w.run("WATCH watched"), ok());
    // The only key that may go is the watched one.
    assert_eq!(c.run("CONFIG SET maxmemory 1"), ok());
    assert_eq!(c.run("EXISTS watched"), int(0));
    assert_eq!(info_u64(&mut c, "stats", "evicted_keys"), 1);
    assert_eq!(c.run("CONFIG SET maxmemory 0"), ok());
    assert_eq!(w.run("MULTI"), ok());
    assert_eq!(w.run("PING"), Frame::Simple("QUEUED".into()));
    assert_eq!(w.run("EXEC"), Frame::NullArray);
}

/// The OOM refusals, in and out of MULTI, byte for byte against
/// redis-server (and against the expected bytes when it is not installed).
#[test]
fn oom_replies_match_redis() {
    let script: &[&[&str]] = &[
        &["SET k v"],
        &["CONFIG SET maxmemory 1"],
        &["SET a b", "GET k", "DEL nosuch"],
        &["MULTI", "SET a b", "GET a", "EXEC"],
        &["MULTI", "GET a", "DISCARD"],
        &["CONFIG SET maxmemory 0"],
        &["WATCH k", "MULTI", "SET a b", "GET a"],
        &["CONFIG SET maxmemory 1"],
        &["EXEC", "GET k", "INCR x", "EXISTS k", "PING"],
        &["CONFIG SET maxmemory 0"],
        &["MULTI", "SET a b", "EXEC"],
    ];
    let expected: &[&str] = &[
        "+OK\r\n",
        "+OK\r\n",
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n$1\r\nv\r\n:0\r\n",
        "+OK\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n-EXECABORT Transaction discarded because of previous errors.\r\n",
        "+OK\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n+OK\r\n",
        "+OK\r\n",
        "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n",
        "+OK\r\n",
        "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n$1\r\nv\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n:1\r\n+PONG\r\n",
        "+OK\r\n",
        "+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n",
    ];
    let run = |s: &Server| -> Vec<String> {
        // The transaction runs on its own connection; CONFIG SET on another.
        let mut tx = s.conn();
        let mut admin = s.conn();
        let mut out = Vec::new();
        for (i, cmds) in script.iter().enumerate() {
            let c = if cmds[0].starts_with("CONFIG") { &mut admin } else { &mut tx };
            let mut bytes = Vec::new();
            for cmd in *cmds {
                bytes.extend_from_slice(&common::encode_cmd(&common::args(cmd)));
            }
            c.send_raw(&bytes);
            let want = expected[i].len();
            out.push(String::from_utf8_lossy(&c.read_exact_raw(want)).into_owned());
        }
        out
    };
    let ember = Server::ember(&["--maxmemory-policy", "noeviction"]);
    let got = run(&ember);
    assert_eq!(got, expected, "ember");
    if let Some(redis) = Server::redis(&["--maxmemory-policy", "noeviction"]) {
        assert_eq!(run(&redis), expected, "redis-server");
    }
}

/// A dump written by Redis under an LRU (LFU) policy carries each key's
/// idle time (frequency); ember applies it at load under the same kind of
/// policy, as Redis does.
#[test]
fn access_metadata_of_a_redis_dump_is_loaded() {
    for (policy, cmd, check) in [
        ("allkeys-lru", "RESTORE k 0 {} IDLETIME 5000", "OBJECT IDLETIME k"),
        ("allkeys-lfu", "RESTORE k 0 {} FREQ 200", "OBJECT FREQ k"),
    ] {
        let dir = common::scratch_dir("evict-meta");
        let Some(r) = Server::redis_in(&dir, &["--maxmemory-policy", policy]) else { return };
        let mut rc = r.conn();
        assert_eq!(rc.run("SET t v"), ok());
        let Frame::Bulk(payload) = rc.run("DUMP t") else { panic!("DUMP") };
        let parts: Vec<Vec<u8>> =
            cmd.split(' ').map(|p| if p == "{}" { payload.to_vec() } else { p.as_bytes().to_vec() }).collect();
        assert_eq!(rc.cmd(&parts), ok());
        let Frame::Integer(in_redis) = rc.run(check) else { panic!("{check}") };
        assert_eq!(rc.run("SAVE"), ok());
        drop(r);
        let s = Server::ember_in(&dir, &["--maxmemory-policy", policy]);
        let mut c = s.conn();
        let Frame::Integer(in_ember) = c.run(check) else { panic!("{check}") };
        assert!((in_ember - in_redis).abs() <= 2, "{policy}: redis {in_redis}, ember {in_ember}");
        assert!(in_ember >= 199, "{policy}: {in_ember}");
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
