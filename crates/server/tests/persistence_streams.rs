//! Streams through RDB files and DUMP payloads, both ways between ember and
//! redis-server: ember's SAVE passes `redis-check-rdb` and Redis loads it
//! with the same XRANGE and XINFO STREAM FULL (nodes, tombstones, metadata,
//! groups, PELs, consumers, delivery times); Redis's dump loads into ember
//! the same way; DUMP payloads RESTORE on the other side.
//!
//! The shared fixtures (`../shared/fixtures/redis-rdb`) hold no stream
//! dump, so the Redis side is written here by a live redis-server.

mod common;

use std::process::Command;

use common::{ok, reference, scratch_dir, show, Conn, Frame, Server};

/// Streams of every shape: many nodes, tombstones, differing fields,
/// trimmed heads, groups with pending entries and consumers, an empty
/// stream with a group, XSETID metadata, a TTL.
fn fill_streams(c: &mut Conn) {
    for i in 0..250 {
        let line = if i % 7 == 0 {
            format!("XADD big {}-{} other {i} extra x", 1000 + i / 3, i % 3)
        } else {
            format!("XADD big {}-{} name n{i} n {i}", 1000 + i / 3, i % 3)
        };
        assert!(matches!(c.run(&line), Frame::Bulk(_)), "{line}");
    }
    c.run("XDEL big 1000-1 1010-0 1010-1 1010-2 1050-2");
    c.run("XTRIM big MINID 1002-1");
    c.run("XADD small 1-1 f v");
    c.run("XADD small 2-5 f \"\" g -12");
    c.run("XADD small 3-0 f 18446744073709551615");
    c.run("XGROUP CREATE big g1 0");
    c.run("XGROUP CREATE big g2 $ ENTRIESREAD 250");
    c.run("XREADGROUP GROUP g1 alice COUNT 5 STREAMS big >");
    c.run("XREADGROUP GROUP g1 bob COUNT 3 STREAMS big >");
    c.run("XREADGROUP GROUP g1 carol NOACK COUNT 2 STREAMS big >");
    c.run("XGROUP CREATECONSUMER big g1 dave");
    c.run("XACK big g1 1002-1");
    c.run("XCLAIM big g1 bob 0 1003-0");
    c.run("XGROUP CREATE empty g $ MKSTREAM");
    c.run("XADD meta 5-5 a b");
    c.run("XSETID meta 9-9 ENTRIESADDED 10 MAXDELETEDID 7-7");
    c.run("XADD ttl 1-1 a b");
    c.run("PEXPIRE ttl 500000");
}

fn snapshot(c: &mut Conn) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["big", "small", "empty", "meta", "ttl"] {
        out.push(format!("{key} type {}", show(&c.run(&format!("TYPE {key}")))));
        out.push(format!("{key} range {}", show(&c.run(&format!("XRANGE {key} - +")))));
        out.push(format!("{key} info {}", show(&c.run(&format!("XINFO STREAM {key} FULL COUNT 0")))));
        out.push(format!("{key} groups {}", show(&c.run(&format!("XINFO GROUPS {key}")))));
    }
    let ttl = match c.run("PTTL ttl") {
        Frame::Integer(ms) => ms > 400_000,
        other => panic!("PTTL {other:?}"),
    };
    out.push(format!("ttl kept {ttl}"));
    out
}

fn check_rdb(path: &std::path::Path) {
    if let Some(check) = reference("redis-check-rdb") {
        let out = Command::new(check).arg(path).output().expect("run redis-check-rdb");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb: {text}");
    }
}

fn diff(a: &[String], b: &[String]) -> String {
    a.iter().zip(b).filter(|(x, y)| x != y).map(|(x, y)| format!("\n  ours:   {x}\n  theirs: {y}")).collect()
}

#[test]
fn streams_round_trip_between_ember_and_redis_dumps() {
    if reference("redis-server").is_none() {
        return;
    }
    // Redis writes the reference dump; both servers load it.
    let dir = scratch_dir("persist-streams");
    let r = Server::redis_in(&dir, &[]).expect("redis-server");
    let mut rc = r.conn();
    fill_streams(&mut rc);
    let reference = snapshot(&mut rc);
    assert_eq!(rc.run("SAVE"), ok());
    drop(r);
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    let loaded = snapshot(&mut c);
    assert!(loaded == reference, "ember loaded redis's dump differently:{}", diff(&loaded, &reference));
    // ember writes it back; Redis checks and loads it.
    assert_eq!(c.run("SAVE"), ok());
    drop(s);
    check_rdb(&dir.join("dump.rdb"));
    let r = Server::redis_in(&dir, &[]).expect("redis-server");
    let mut rc = r.conn();
    let back = snapshot(&mut rc);
    assert!(back == reference, "redis loaded ember's dump differently:{}", diff(&back, &reference));
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);

    // Streams built by ember's own commands, saved by ember.
    let dir = scratch_dir("persist-streams-ember");
    let s = Server::ember_in(&dir, &[]);
    let mut c = s.conn();
    fill_streams(&mut c);
    let ours = snapshot(&mut c);
    assert_eq!(c.run("SAVE"), ok());
    drop(s);
    check_rdb(&dir.join("dump.rdb"));
    let r = Server::redis_in(&dir, &[]).expect("redis-server");
    let mut rc = r.conn();
    let theirs = snapshot(&mut rc);
    assert!(theirs == ours, "redis loaded ember's stream dump differently:{}", diff(&theirs, &ours));
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stream_dump_payloads_restore_both_ways() {
    let Some(r) = Server::redis(&[]) else {
        eprintln!("redis-server not found: skipping the DUMP/RESTORE interop test");
        return;
    };
    let s = Server::ember(&[]);
    let mut rc = r.conn();
    let mut c = s.conn();
    fill_streams(&mut rc);
    fill_streams(&mut c);
    for key in ["big", "small", "empty", "meta"] {
        restore_copy(&mut rc, &mut c, key);
        restore_copy(&mut c, &mut rc, key);
    }
}

/// DUMP `key` on one server, RESTORE it as `key:copy` on the other, and
/// compare XINFO STREAM FULL.
fn restore_copy(from: &mut Conn, to: &mut Conn, key: &str) {
    let Frame::Bulk(payload) = from.cmd(&["DUMP", key]) else { panic!("DUMP {key}") };
    let want = show(&from.run(&format!("XINFO STREAM {key} FULL COUNT 0")));
    let copy = format!("{key}:copy");
    let reply = to.cmd(&[b"RESTORE".to_vec(), copy.clone().into_bytes(), b"0".to_vec(), payload.to_vec()]);
    assert_eq!(reply, ok(), "RESTORE {key}: {}", show(&reply));
    let got = show(&to.run(&format!("XINFO STREAM {copy} FULL COUNT 0")));
    assert_eq!(got, want, "{key} after DUMP/RESTORE");
    to.run(&format!("DEL {copy}"));
}
