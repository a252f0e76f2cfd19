//! Blocking stream reads over TCP: XREAD BLOCK woken by XADD (`$` resolved
//! when the client blocked, several keys, COUNT), timeouts, XREADGROUP
//! BLOCK woken by XADD (entries go to the PEL), and unblocked with an error
//! when the group is destroyed or the key deleted, XREAD staying blocked
//! across a deletion, and blocking reads inside MULTI.
//!
//! Every scenario runs against ember and, when it is installed, against a
//! real redis-server too, so the expectations are Redis's own behaviour.

mod common;

use std::time::{Duration, Instant};

use common::{arr, bulk, err, int, ok, show, Conn, Frame, Server};

fn servers() -> Vec<Server> {
    let mut v = vec![Server::ember(&[])];
    v.extend(Server::redis(&[]));
    v
}

fn wait_blocked(s: &Server, n: usize) {
    let mut c = s.conn();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let Frame::Bulk(list) = c.run("CLIENT LIST") else { panic!("CLIENT LIST") };
        let blocked = String::from_utf8_lossy(&list).matches(" flags=b ").count();
        if blocked >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{:?}: {blocked} of {n} clients blocked", s.kind);
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn blocked(s: &Server, line: &str, already: usize) -> Conn {
    let mut c = s.conn();
    c.send(&common::args(line));
    wait_blocked(s, already + 1);
    c
}

fn check(s: &Server, got: Frame, want: Frame, what: &str) {
    assert_eq!(got, want, "{:?}: {what}: got {} want {}", s.kind, show(&got), show(&want));
}

fn entry(id: &str, pairs: &[&str]) -> Frame {
    arr(vec![bulk(id), arr(pairs.iter().map(|p| bulk(*p)).collect())])
}

fn one_key(key: &str, entries: Vec<Frame>) -> Frame {
    arr(vec![arr(vec![bulk(key), arr(entries)])])
}

#[test]
fn xread_block_is_woken_by_xadd() {
    for s in servers() {
        let mut p = s.conn();
        check(&s, p.run("XADD s 1-1 a 1"), bulk("1-1"), "setup");
        let mut c = blocked(&s, "XREAD BLOCK 0 STREAMS s $", 0);
        assert!(c.is_quiet(Duration::from_millis(100)), "{:?}: XREAD replied before XADD", s.kind);
        // A write that adds nothing does not wake it for good.
        check(&s, p.run("XDEL s 1-1"), int(1), "xdel");
        assert!(c.is_quiet(Duration::from_millis(50)), "{:?}: XDEL woke XREAD", s.kind);
        check(&s, p.run("XADD s 2-1 b 2"), bulk("2-1"), "xadd");
        check(&s, c.read(), one_key("s", vec![entry("2-1", &["b", "2"])]), "woken");
        // Two keys: the one that gets data is served; COUNT applies.
        let mut c = blocked(&s, "XREAD COUNT 1 BLOCK 0 STREAMS nokey s 0 $", 0);
        p.run("MULTI");
        p.run("XADD s 3-1 c 3");
        p.run("XADD s 3-2 d 4");
        p.run("EXEC");
        check(&s, c.read(), one_key("s", vec![entry("3-1", &["c", "3"])]), "count 1");
        // Deleting the key keeps XREAD waiting, past the same id.
        let mut c = blocked(&s, "XREAD BLOCK 0 STREAMS s $", 0);
        check(&s, p.run("DEL s"), int(1), "del");
        assert!(c.is_quiet(Duration::from_millis(50)), "{:?}: DEL woke XREAD", s.kind);
        check(&s, p.run("XADD s 1-0 e 5"), bulk("1-0"), "re-create below the waited id");
        assert!(c.is_quiet(Duration::from_millis(50)), "{:?}: an older id woke XREAD", s.kind);
        check(&s, p.run("XADD s 4-0 f 6"), bulk("4-0"), "above");
        check(&s, c.read(), one_key("s", vec![entry("4-0", &["f", "6"])]), "after re-create");
    }
}

#[test]
fn xread_block_times_out_and_does_not_block_in_multi() {
    for s in servers() {
        let mut c = s.conn();
        let started = Instant::now();
        check(&s, c.run("XREAD BLOCK 100 STREAMS s $"), Frame::NullArray, "timeout");
        assert!(started.elapsed() >= Duration::from_millis(90), "{:?}: returned too early", s.kind);
        check(&s, c.run("MULTI"), ok(), "multi");
        c.run("XREAD BLOCK 0 STREAMS s $");
        check(&s, c.run("EXEC"), arr(vec![Frame::NullArray]), "inside MULTI");
        check(&s, c.run("XREAD BLOCK -1 STREAMS s $"), err("ERR timeout is negative"), "negative");
    }
}

#[test]
fn xreadgroup_block_woken_by_xadd_and_unblocked_by_destroy_or_delete() {
    for s in servers() {
        let mut p = s.conn();
        check(&s, p.run("XGROUP CREATE s g $ MKSTREAM"), ok(), "create");
        let mut c = blocked(&s, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", 0);
        check(&s, p.run("XADD s 1-1 a 1"), bulk("1-1"), "xadd");
        check(&s, c.read(), one_key("s", vec![entry("1-1", &["a", "1"])]), "woken");
        let Frame::Array(summary) = p.run("XPENDING s g") else { panic!("XPENDING") };
        check(&s, summary[0].clone(), int(1), "pending after the woken read");
        // NOACK: nothing pending.
        let mut c = blocked(&s, "XREADGROUP GROUP g bob BLOCK 0 NOACK STREAMS s >", 0);
        check(&s, p.run("XADD s 2-1 b 2"), bulk("2-1"), "xadd");
        check(&s, c.read(), one_key("s", vec![entry("2-1", &["b", "2"])]), "noack");
        let Frame::Array(summary) = p.run("XPENDING s g") else { panic!("XPENDING") };
        check(&s, summary[0].clone(), int(1), "noack adds nothing");
        // Group destroyed.
        let mut c = blocked(&s, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", 0);
        check(&s, p.run("XGROUP DESTROY s g"), int(1), "destroy");
        check(&s, c.read(), err("NOGROUP the consumer group this client was blocked on no longer exists"), "destroyed");
        // Key deleted.
        check(&s, p.run("XGROUP CREATE s g $"), ok(), "create again");
        let mut c = blocked(&s, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", 0);
        check(&s, p.run("DEL s"), int(1), "del");
        check(&s, c.read(), err("UNBLOCKED the stream key no longer exists"), "deleted");
        // Timeout.
        check(&s, p.run("XGROUP CREATE s g $ MKSTREAM"), ok(), "create again");
        check(&s, p.run("XREADGROUP GROUP g alice BLOCK 50 STREAMS s >"), Frame::NullArray, "timeout");
    }
}

#[test]
fn xread_stays_blocked_when_woken_without_a_new_entry() {
    for s in servers() {
        let mut p = s.conn();
        check(&s, p.run("XADD s 1-1 a 1"), bulk("1-1"), "setup");
        let mut c = blocked(&s, "XREAD BLOCK 0 STREAMS s $", 0);
        // XSETID moves the last ID without adding an entry.
        check(&s, p.run("XSETID s 10-0"), ok(), "XSETID");
        assert!(c.is_quiet(Duration::from_millis(100)), "{:?}: woken by XSETID", s.kind);
        check(&s, p.run("XADD s 11-0 b 2"), bulk("11-0"), "XADD");
        check(&s, c.read(), one_key("s", vec![entry("11-0", &["b", "2"])]), "the new entry");
    }
}
