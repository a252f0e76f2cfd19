//! Persistence through the server: SAVE/BGSAVE/restart round trips, dumps
//! Redis loads (and `redis-check-rdb` accepts), and the failure cases — kill
//! -9 during SAVE, a killed BGSAVE child, a file-size limit standing in for a
//! full disk, a corrupt dump at start-up.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{bulk, int, ok, reference, scratch_dir, Conn, Frame, Server};

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

fn wait_bgsave_done(c: &mut Conn) -> String {
    let start = Instant::now();
    while info_field(c, "persistence", "rdb_bgsave_in_progress") != "0" {
        assert!(start.elapsed() < Duration::from_secs(60), "BGSAVE did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    info_field(c, "persistence", "rdb_last_bgsave_status")
}

/// Loads `n` keys `big:N` with `size`-byte incompressible values.
fn load_big(c: &mut Conn, n: usize, size: usize) {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        for &i in chunk {
            let mut v = vec![0u8; size];
            for b in v.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = seed as u8;
            }
            c.send(&[b"SET".to_vec(), format!("big:{i}").into_bytes(), v]);
        }
        for _ in chunk {
            assert_eq!(c.read(), ok());
        }
    }
}

#[test]
fn save_restart_keeps_data_and_drops_expired_keys() {
    let dir = scratch_dir("persist-restart");
    {
        let s = Server::ember_in(&dir, &[]);
        let mut c = s.conn();
        assert_eq!(c.run("SET plain hello"), ok());
        assert_eq!(c.run("SET num 12345"), ok());
        assert_eq!(c.run("SET \"bin\\x00key\" \"v\\xff\\x00\""), ok());
        assert_eq!(c.run("SET ttl v PX 100000"), ok());
        assert_eq!(c.run("SET soon v PX 300"), ok());
        assert_eq!(c.run("SELECT 5"), ok());
        assert_eq!(c.run("SET other db5"), ok());
        assert_eq!(c.run("SAVE"), ok());
        assert_eq!(c.run("DBSIZE"), int(1));
    }
    std::thread::sleep(Duration::from_millis(400));
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(c.run("GET plain"), bulk("hello"));
    assert_eq!(c.run("OBJECT ENCODING num"), bulk("int"));
    assert_eq!(c.run("GET \"bin\\x00key\""), bulk(b"v\xff\x00"));
    match c.run("PTTL ttl") {
        Frame::Integer(ms) => assert!(ms > 90_000 && ms <= 100_000, "pttl {ms}"),
        other => panic!("PTTL replied {other:?}"),
    }
    assert_eq!(c.run("EXISTS soon"), int(0));
    assert_eq!(c.run("DBSIZE"), int(4));
    assert_eq!(info_field(&mut c, "persistence", "rdb_last_load_keys_loaded"), "5");
    assert_eq!(info_field(&mut c, "persistence", "rdb_last_load_keys_expired"), "1");
    assert_eq!(c.run("SELECT 5"), ok());
    assert_eq!(c.run("GET other"), bulk("db5"));
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bgsave_dump_is_valid_for_redis() {
    let dir = scratch_dir("persist-interop");
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    for i in 0..200 {
        c.run(&format!("SET key:{i} value-{i}-{}", "x".repeat(i)));
    }
    assert_eq!(c.run("SET n 42"), ok());
    assert_eq!(c.run("SET t v EX 1000"), ok());
    assert_eq!(c.run("BGSAVE"), Frame::simple("Background saving started"));
    assert_eq!(wait_bgsave_done(&mut c), "ok");
    assert_eq!(info_field(&mut c, "persistence", "rdb_changes_since_last_save"), "0");
    drop(s);
    let dump = dir.join("dump.rdb");
    assert!(dump.exists());
    if let Some(check) = reference("redis-check-rdb") {
        let out = Command::new(check).arg(&dump).output().expect("run redis-check-rdb");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb: {text}");
    }
    let Some(r) = Server::redis_in(&dir, &[]) else {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    let mut rc = r.conn();
    assert_eq!(rc.run("DBSIZE"), int(202));
    assert_eq!(rc.run("GET key:7"), bulk(format!("value-7-{}", "x".repeat(7))));
    assert_eq!(rc.run("GET n"), bulk("42"));
    match rc.run("TTL t") {
        Frame::Integer(s) => assert!(s > 990 && s <= 1000, "ttl {s}"),
        other => panic!("TTL replied {other:?}"),
    }
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_dump_loads_into_ember() {
    let dir = scratch_dir("persist-from-redis");
    let Some(r) = Server::redis_in(&dir, &[]) else { return };
    let mut rc = r.conn();
    assert_eq!(rc.run("SET s hello"), ok());
    assert_eq!(rc.run("SET i 7"), ok());
    assert_eq!(rc.run(&format!("SET long {}", "ab".repeat(100))), ok());
    assert_eq!(rc.run("SET e v EX 5000"), ok());
    assert_eq!(rc.run("SAVE"), ok());
    drop(r);
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(c.run("DBSIZE"), int(4));
    assert_eq!(c.run("GET s"), bulk("hello"));
    assert_eq!(c.run("GET long"), bulk("ab".repeat(100)));
    assert_eq!(c.run("OBJECT ENCODING i"), bulk("int"));
    match c.run("TTL e") {
        Frame::Integer(t) => assert!(t > 4990 && t <= 5000, "ttl {t}"),
        other => panic!("TTL replied {other:?}"),
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A dump is always complete: either the old one or the new one.
fn assert_dump_has_marker(dir: &Path) {
    let s = Server::ember_in(dir, &[]);
    let mut c = s.conn();
    assert_eq!(c.run("GET marker"), bulk("old"), "the previous dump must survive");
}

#[test]
fn kill_during_save_keeps_previous_dump() {
    let dir = scratch_dir("persist-kill-save");
    {
        let mut s = Server::ember_in(&dir, &[]);
        let mut c = s.conn();
        assert_eq!(c.run("SET marker old"), ok());
        assert_eq!(c.run("SAVE"), ok());
        load_big(&mut c, 60_000, 1024);
        assert_eq!(c.run("SET marker new"), ok());
        c.send(&["SAVE"]);
        std::thread::sleep(Duration::from_millis(30));
        s.kill9();
    }
    // Whatever instant the kill hit, dump.rdb is a whole file: the old one
    // (with marker=old) unless the new one was completely renamed into place.
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    let marker = c.run("GET marker");
    assert!(marker == bulk("old") || marker == bulk("new"), "marker {marker:?}");
    if marker == bulk("new") {
        assert_eq!(c.run("DBSIZE"), int(60_001));
    } else {
        assert_eq!(c.run("DBSIZE"), int(1));
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

#[test]
fn killed_bgsave_child_fails_cleanly_and_refuses_writes() {
    let dir = scratch_dir("persist-kill-child");
    {
        let s = Server::ember_in(&dir, &["--save", "3600 1000000"]);
        let mut c = s.conn();
        assert_eq!(c.run("SET marker old"), ok());
        assert_eq!(c.run("SAVE"), ok());
        load_big(&mut c, 60_000, 1024);
        assert_eq!(c.run("BGSAVE"), Frame::simple("Background saving started"));
        assert_eq!(c.run("BGSAVE"), Frame::error("ERR Background save already in progress"));
        let start = Instant::now();
        let child = loop {
            if let Some(&p) = children_of(s.pid()).first() {
                break p;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "no BGSAVE child found");
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = Command::new("kill").args(["-9", &child.to_string()]).status();
        assert_eq!(wait_bgsave_done(&mut c), "err");
        // stop-writes-on-bgsave-error: writes are refused, reads still work.
        match c.run("SET x 1") {
            Frame::Error(e) => assert!(e.starts_with(b"MISCONF"), "{}", String::from_utf8_lossy(&e)),
            other => panic!("SET after a failed BGSAVE replied {other:?}"),
        }
        assert_eq!(c.run("GET marker"), bulk("old"));
        // A successful save clears the error.
        assert_eq!(c.run("SAVE"), ok());
        assert_eq!(c.run("SET x 1"), ok());
        assert_eq!(c.run("SET marker old"), ok());
        assert_eq!(c.run("SAVE"), ok());
    }
    assert_dump_has_marker(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn save_into_a_full_disk_fails_and_keeps_old_dump() {
    let dir = scratch_dir("persist-full");
    {
        let s = Server::ember_in(&dir, &[]);
        let mut c = s.conn();
        assert_eq!(c.run("SET marker old"), ok());
        assert_eq!(c.run("SAVE"), ok());
        load_big(&mut c, 2_000, 1024);
        // A 256 KiB file-size limit stands in for a full filesystem: writes
        // past it fail with EFBIG, like ENOSPC would.
        let limited = Command::new("prlimit")
            .args(["--pid", &s.pid().to_string(), "--fsize=262144:262144"])
            .status()
            .is_ok_and(|st| st.success());
        if !limited {
            eprintln!("prlimit not available: skipping the full-disk case");
            return;
        }
        assert_eq!(c.run("SAVE"), Frame::error("ERR"));
        assert_eq!(c.run("BGSAVE"), Frame::simple("Background saving started"));
        assert_eq!(wait_bgsave_done(&mut c), "err");
        assert_eq!(c.run("PING"), Frame::simple("PONG"), "the server keeps serving");
    }
    assert_dump_has_marker(&dir);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_dump_stops_startup_with_a_reason() {
    let dir = scratch_dir("persist-corrupt");
    std::fs::write(dir.join("dump.rdb"), b"REDIS0010\xfa\x09redis-ver\x067.0.15\x00\xc3garbage").unwrap();
    let bin = env!("CARGO_BIN_EXE_ember-server");
    let out = Command::new(bin)
        .args(["--port", &common::free_port().to_string(), "--bind", "127.0.0.1", "--dir", dir.to_str().unwrap()])
        .output()
        .expect("run ember-server");
    assert!(!out.status.success(), "ember started on a corrupt dump");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("Fatal error loading the DB"), "log: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every type at both encodings, with TTLs, in several databases.
fn fill_all_types(c: &mut Conn) {
    for db in [0, 3, 15] {
        assert_eq!(c.run(&format!("SELECT {db}")), ok());
        c.run("SET str:int 12345");
        c.run("SET str:emb hello");
        c.run(&format!("SET str:raw {}", "r".repeat(100)));
        c.run(&format!("SET str:lzf {}", "abcabc".repeat(50)));
        c.run("SET str:ttl v PX 500000");
        c.run("RPUSH list:small a b c 1 2 3");
        for i in 0..300 {
            c.run(&format!("RPUSH list:big element-{i}-{}", "x".repeat(i % 50)));
        }
        c.run("HSET hash:small f1 v1 f2 2 f3 v3");
        for i in 0..200 {
            c.run(&format!("HSET hash:big field{i} value{i}"));
        }
        c.run(&format!("HSET hash:longval k {}", "y".repeat(100)));
        c.run("SADD set:int 1 2 3 -5 100000");
        c.run("SADD set:small a b c");
        for i in 0..600 {
            c.run(&format!("SADD set:big m{i}"));
        }
        c.run("ZADD zset:small 1 a 2.5 b -3 c");
        for i in 0..200 {
            c.run(&format!("ZADD zset:big {}.25 member{i}", i));
        }
        c.run("EXPIRE hash:small 400000");
        c.run("EXPIRE zset:big 300000");
    }
    assert_eq!(c.run("SELECT 0"), ok());
}

/// The contents of every key of `fill_all_types`, read through commands
/// whose replies do not depend on encoding (unordered ones sorted).
fn snapshot(c: &mut Conn) -> Vec<String> {
    let mut out = Vec::new();
    for db in [0, 3, 15] {
        c.run(&format!("SELECT {db}"));
        let mut keys = common::strings(&c.run("KEYS *"));
        keys.sort();
        for k in keys {
            let key = String::from_utf8_lossy(&k).into_owned();
            let ty = common::show(&c.cmd(&[b"TYPE".to_vec(), k.clone()]));
            let value = match ty.as_str() {
                "+string" => vec![common::show(&c.cmd(&[b"GET".to_vec(), k.clone()]))],
                "+list" => vec![common::show(&c.cmd(&[b"LRANGE".to_vec(), k.clone(), b"0".to_vec(), b"-1".to_vec()]))],
                "+hash" => {
                    let mut v: Vec<String> = common::strings(&c.cmd(&[b"HGETALL".to_vec(), k.clone()]))
                        .chunks(2)
                        .map(|p| format!("{:?}", p))
                        .collect();
                    v.sort();
                    v
                }
                "+set" => {
                    let mut v: Vec<String> = common::strings(&c.cmd(&[b"SMEMBERS".to_vec(), k.clone()]))
                        .iter()
                        .map(|m| format!("{m:?}"))
                        .collect();
                    v.sort();
                    v
                }
                "+zset" => vec![common::show(&c.cmd(&[
                    b"ZRANGE".to_vec(),
                    k.clone(),
                    b"0".to_vec(),
                    b"-1".to_vec(),
                    b"WITHSCORES".to_vec(),
                ]))],
                other => panic!("unexpected type {other} for {key}"),
            };
            let ttl = match c.cmd(&[b"PTTL".to_vec(), k.clone()]) {
                Frame::Integer(-1) => "no ttl".to_string(),
                // Minutes: the same on both sides despite the time between reads.
                Frame::Integer(ms) => format!("ttl ~{}s", (ms + 30_000) / 60_000 * 60),
                other => panic!("PTTL replied {other:?}"),
            };
            out.push(format!("db{db} {key} {ty} {ttl} {value:?}"));
        }
    }
    c.run("SELECT 0");
    out
}

#[test]
fn every_type_round_trips_between_ember_and_redis() {
    if reference("redis-server").is_none() {
        return;
    }
    // ember -> redis
    let dir = scratch_dir("persist-all-types");
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    fill_all_types(&mut c);
    let from_ember = snapshot(&mut c);
    assert_eq!(from_ember.len(), 3 * 15, "keys in the snapshot");
    assert!(from_ember.iter().any(|l| l.contains("zset:big") && l.contains("ttl ~300000s")));
    assert_eq!(c.run("SAVE"), ok());
    drop(s);
    if let Some(check) = reference("redis-check-rdb") {
        let out = Command::new(check).arg(dir.join("dump.rdb")).output().expect("run redis-check-rdb");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb: {text}");
    }
    let r = Server::redis_in(&dir, &[]).expect("redis-server");
    let mut rc = r.conn();
    assert!(snapshot(&mut rc) == from_ember, "redis loaded ember's dump differently");
    // redis -> ember, from a dump Redis wrote of the same data.
    assert_eq!(rc.run("SAVE"), ok());
    drop(r);
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    assert!(snapshot(&mut c) == from_ember, "ember loaded redis's dump differently");
    // DUMP in one, RESTORE in the other, both ways, for every key of db 0.
    let r = Server::redis(&[]).expect("redis-server");
    let mut rc = r.conn();
    let keys = common::strings(&c.run("KEYS *"));
    for k in &keys {
        let payload = match c.cmd(&[b"DUMP".to_vec(), k.clone()]) {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("DUMP replied {other:?}"),
        };
        assert_eq!(rc.cmd(&[b"RESTORE".to_vec(), k.clone(), b"0".to_vec(), payload]), ok(), "redis RESTORE {k:?}");
        let back = match rc.cmd(&[b"DUMP".to_vec(), k.clone()]) {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("DUMP replied {other:?}"),
        };
        let copy = [k.clone(), b":copy".to_vec()].concat();
        assert_eq!(c.cmd(&[b"RESTORE".to_vec(), copy.clone(), b"0".to_vec(), back]), ok(), "ember RESTORE {k:?}");
        let ty = c.cmd(&[b"TYPE".to_vec(), k.clone()]);
        assert_eq!(c.cmd(&[b"TYPE".to_vec(), copy]), ty);
    }
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
