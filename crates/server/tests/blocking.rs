//! Blocking list commands over TCP: FIFO service per key, several keys,
//! fractional and infinite timeouts, BLMOVE chains, pushes inside MULTI,
//! RENAME onto a waited key, keys changing type, CLIENT UNBLOCK, clients
//! that disconnect while blocked, and blocking commands inside MULTI.
//!
//! Every scenario runs against ember and, when it is installed, against a
//! real redis-server too, so the expectations are Redis's own behaviour.

mod common;

use std::time::{Duration, Instant};

use common::{arr, bulk, bulks, err, int, ok, show, simple, Conn, Frame, Server};

/// ember, then redis-server if installed.
fn servers() -> Vec<Server> {
    let mut v = vec![Server::ember(&[])];
    v.extend(Server::redis(&[]));
    v
}

/// Waits until `n` clients are blocked (CLIENT LIST `flags=b`).
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

/// A client that has sent `line` and is blocked in it.
fn blocked(s: &Server, line: &str, already: usize) -> Conn {
    let mut c = s.conn();
    c.send(&common::args(line));
    wait_blocked(s, already + 1);
    c
}

fn quiet(c: &mut Conn) -> bool {
    c.is_quiet(Duration::from_millis(100))
}

fn check(s: &Server, got: Frame, want: Frame, what: &str) {
    assert_eq!(got, want, "{:?}: {what}: got {} want {}", s.kind, show(&got), show(&want));
}

#[test]
fn clients_are_served_in_fifo_order_per_key() {
    for s in servers() {
        let mut p = s.conn();
        let mut c1 = blocked(&s, "BLPOP k 0", 0);
        let mut c2 = blocked(&s, "BLPOP k 0", 1);
        let mut c3 = blocked(&s, "BRPOP k 0", 2);
        check(&s, p.run("RPUSH k a b c d"), int(4), "push");
        check(&s, c1.read(), bulks(&["k", "a"]), "first waiter");
        check(&s, c2.read(), bulks(&["k", "b"]), "second waiter");
        check(&s, c3.read(), bulks(&["k", "d"]), "third waiter pops from the right");
        check(&s, p.run("LRANGE k 0 -1"), bulks(&["c"]), "left over");
        // A served client is an ordinary client again.
        check(&s, c1.run("PING"), simple("PONG"), "after service");
    }
}

#[test]
fn several_clients_on_several_keys() {
    for s in servers() {
        let mut p = s.conn();
        let mut c1 = blocked(&s, "BLPOP k1 k2 0", 0);
        let mut c2 = blocked(&s, "BLPOP k2 0", 1);
        let mut c3 = blocked(&s, "BLPOP k3 k1 0", 2);
        check(&s, p.run("RPUSH k2 x"), int(1), "push k2");
        check(&s, c1.read(), bulks(&["k2", "x"]), "c1 waited first on k2");
        assert!(quiet(&mut c2), "{:?}: c2 must still wait", s.kind);
        check(&s, p.run("RPUSH k1 y"), int(1), "push k1");
        check(&s, c3.read(), bulks(&["k1", "y"]), "c3 (c1 left the k1 queue)");
        check(&s, p.run("RPUSH k2 z"), int(1), "push k2 again");
        check(&s, c2.read(), bulks(&["k2", "z"]), "c2");
        check(&s, p.run("EXISTS k1 k2 k3"), int(0), "all consumed");
    }
}

#[test]
fn fractional_timeouts() {
    for s in servers() {
        let mut c = s.conn();
        let t = Instant::now();
        check(&s, c.run("BLPOP nokey 0.2"), Frame::NullArray, "BLPOP timeout");
        let waited = t.elapsed();
        assert!(waited >= Duration::from_millis(150) && waited < Duration::from_secs(3), "{:?}: {waited:?}", s.kind);
        // A tiny timeout rounds up to one millisecond: it does not mean "forever".
        check(&s, c.run("BRPOP nokey 0.00001"), Frame::NullArray, "rounded-up timeout");
        // Redis 7.0 answers a timed-out BLMOVE / BRPOPLPUSH / BLMPOP with a null array too.
        check(&s, c.run("BLMOVE nokey dst LEFT RIGHT 0.05"), Frame::NullArray, "BLMOVE timeout");
        check(&s, c.run("BRPOPLPUSH nokey dst 0.05"), Frame::NullArray, "BRPOPLPUSH timeout");
        check(&s, c.run("BLMPOP 0.05 2 a b LEFT"), Frame::NullArray, "BLMPOP timeout");
        // RESP3: the null type.
        assert!(matches!(c.run("HELLO 3"), Frame::Map(_)));
        check(&s, c.run("BLPOP nokey 0.05"), Frame::Null, "RESP3 timeout");
        check(&s, c.run("BLMOVE nokey dst LEFT RIGHT 0.05"), Frame::Null, "RESP3 BLMOVE timeout");
        // A client whose timeout passed is served normally afterwards.
        check(&s, c.run("RPUSH k v"), int(1), "push");
        check(&s, c.run("BLPOP k 0.05"), bulks(&["k", "v"]), "immediate pop");
    }
}

#[test]
fn timeout_zero_waits_until_served() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = blocked(&s, "BRPOP k 0", 0);
        std::thread::sleep(Duration::from_millis(300));
        assert!(quiet(&mut c), "{:?}: timeout 0 waits", s.kind);
        check(&s, p.run("LPUSH k v"), int(1), "push");
        check(&s, c.read(), bulks(&["k", "v"]), "served later");
        // A waiter with a deadline is served before the deadline passes.
        let mut c = blocked(&s, "BLPOP k 5", 0);
        check(&s, p.run("RPUSH k w"), int(1), "push");
        check(&s, c.read(), bulks(&["k", "w"]), "served before its timeout");
    }
}

#[test]
fn blmove_chain() {
    for s in servers() {
        let mut p = s.conn();
        let mut c1 = blocked(&s, "BLMOVE a b LEFT RIGHT 0", 0);
        let mut c2 = blocked(&s, "BRPOPLPUSH b c 0", 1);
        let mut c3 = blocked(&s, "BLPOP c 0", 2);
        check(&s, p.run("RPUSH a x"), int(1), "push");
        check(&s, c1.read(), bulk("x"), "a -> b");
        check(&s, c2.read(), bulk("x"), "b -> c");
        check(&s, c3.read(), bulks(&["c", "x"]), "popped from c");
        check(&s, p.run("EXISTS a b c"), int(0), "all consumed");
        // BLMPOP wakes too, with its own reply shape.
        let mut c4 = blocked(&s, "BLMPOP 0 2 m1 m2 RIGHT COUNT 2", 0);
        check(&s, p.run("RPUSH m2 a b c"), int(3), "push");
        check(&s, c4.read(), arr(vec![bulk("m2"), bulks(&["c", "b"])]), "BLMPOP");
    }
}

#[test]
fn push_inside_multi_wakes_after_exec() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = blocked(&s, "BLPOP k 0", 0);
        check(&s, p.run("MULTI"), ok(), "multi");
        check(&s, p.run("RPUSH k a"), simple("QUEUED"), "queued");
        check(&s, p.run("RPUSH k b"), simple("QUEUED"), "queued");
        check(&s, p.run("EXEC"), arr(vec![int(1), int(2)]), "exec");
        check(&s, c.read(), bulks(&["k", "a"]), "served after EXEC");
        check(&s, p.run("LRANGE k 0 -1"), bulks(&["b"]), "rest");
        check(&s, p.run("DEL k"), int(1), "del");
        // Pushed and popped inside one transaction: nothing left to serve.
        let mut c = blocked(&s, "BLPOP k 0", 0);
        p.run("MULTI");
        p.run("RPUSH k a");
        p.run("LPOP k");
        check(&s, p.run("EXEC"), arr(vec![int(1), bulk("a")]), "exec");
        assert!(quiet(&mut c), "{:?}: nothing to take", s.kind);
        check(&s, p.run("RPUSH k later"), int(1), "push");
        check(&s, c.read(), bulks(&["k", "later"]), "served by a later push");
    }
}

#[test]
fn rename_onto_a_waited_key_wakes_the_waiter() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = blocked(&s, "BLPOP k 0", 0);
        check(&s, p.run("RPUSH other x y"), int(2), "push");
        check(&s, p.run("RENAME other k"), ok(), "rename");
        check(&s, c.read(), bulks(&["k", "x"]), "woken by RENAME");
        check(&s, p.run("LRANGE k 0 -1"), bulks(&["y"]), "rest");
        // A key that becomes another type leaves the waiter blocked.
        p.run("DEL k");
        let mut c = blocked(&s, "BLPOP k 0", 0);
        check(&s, p.run("SET k str"), ok(), "set");
        assert!(quiet(&mut c), "{:?}: a string does not serve BLPOP", s.kind);
        p.run("DEL k");
        check(&s, p.run("RPUSH k v"), int(1), "push");
        check(&s, c.read(), bulks(&["k", "v"]), "served once it is a list");
    }
}

#[test]
fn blmove_to_a_key_of_another_type() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = blocked(&s, "BLMOVE src dst LEFT RIGHT 0", 0);
        check(&s, p.run("SET dst str"), ok(), "set");
        check(&s, p.run("RPUSH src x"), int(1), "push");
        check(&s, c.read(), err("WRONGTYPE Operation against a key holding the wrong kind of value"), "error");
        check(&s, p.run("LRANGE src 0 -1"), bulks(&["x"]), "element kept");
        check(&s, c.run("PING"), simple("PONG"), "unblocked");
    }
}

#[test]
fn client_unblock() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = s.conn();
        let Frame::Integer(id) = c.run("CLIENT ID") else { panic!("CLIENT ID") };
        let id = id.to_string();
        check(&s, p.cmd(&["CLIENT", "UNBLOCK", &id]), int(0), "not blocked yet");
        c.send(&["BLPOP", "k", "0"]);
        wait_blocked(&s, 1);
        check(&s, p.cmd(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), int(1), "unblock");
        check(&s, c.read(), Frame::NullArray, "timeout reply");
        c.send(&["BLMOVE", "k", "d", "LEFT", "LEFT", "0"]);
        wait_blocked(&s, 1);
        check(&s, p.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(1), "unblock with error");
        check(&s, c.read(), err("UNBLOCKED client unblocked via CLIENT UNBLOCK"), "error reply");
        // Unblocked clients leave the key's queue: a push is not theirs.
        check(&s, p.run("RPUSH k v"), int(1), "push");
        check(&s, p.run("LLEN k"), int(1), "nobody took it");
        check(&s, c.run("LPOP k"), bulk("v"), "client usable");
    }
}

#[test]
fn a_client_disconnecting_while_blocked() {
    for s in servers() {
        let mut p = s.conn();
        let gone = blocked(&s, "BLPOP k 0", 0);
        let mut c = blocked(&s, "BLPOP k 0", 1);
        drop(gone);
        std::thread::sleep(Duration::from_millis(50));
        check(&s, p.run("RPUSH k v"), int(1), "push");
        check(&s, c.read(), bulks(&["k", "v"]), "the remaining waiter gets it");
        check(&s, p.run("EXISTS k"), int(0), "consumed once");
        check(&s, p.run("PING"), simple("PONG"), "server fine");
    }
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    for s in servers() {
        let mut c = s.conn();
        c.run("MULTI");
        c.run("BLPOP k 0");
        c.run("BLMOVE k d LEFT LEFT 0");
        c.run("BLMPOP 0 1 k LEFT");
        let got = c.run("EXEC");
        check(&s, got, arr(vec![Frame::NullArray, Frame::NullBulk, Frame::NullArray]), "EXEC");
    }
}

#[test]
fn pipelined_commands_wait_behind_a_blocked_one() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = s.conn();
        let mut batch = common::encode_cmd(&["BLPOP", "k", "0"]);
        batch.extend(common::encode_cmd(&["PING"]));
        c.send_raw(&batch);
        wait_blocked(&s, 1);
        assert!(quiet(&mut c), "{:?}: PING waits behind BLPOP", s.kind);
        p.run("RPUSH k v");
        check(&s, c.read(), bulks(&["k", "v"]), "BLPOP");
        check(&s, c.read(), simple("PONG"), "then PING");
    }
}

#[test]
fn lmpop_invalidates_watch() {
    for s in servers() {
        let mut p = s.conn();
        let mut c = s.conn();
        p.run("RPUSH k a b");
        c.run("WATCH k");
        check(&s, p.run("LMPOP 1 k LEFT"), arr(vec![bulk("k"), bulks(&["a"])]), "lmpop");
        c.run("MULTI");
        c.run("PING");
        check(&s, c.run("EXEC"), Frame::NullArray, "aborted by LMPOP");
    }
}
