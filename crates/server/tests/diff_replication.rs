//! ROLE, WAIT, REPLICAOF/SLAVEOF and FAILOVER on a master without replicas,
//! compared with redis-server (7.0); WAIT's blocking; COMMAND INFO of these
//! commands and SORT (name, arity, flags, key positions, ACL categories).

mod common;

use std::time::Duration;

use common::diff::{check, Sequences};
use common::{int, show, Frame, Server};

fn sequences() -> Sequences {
    vec![(
        "lone master",
        vec![
            "ROLE => [\"master\", :0, []]",
            "ROLE x",
            "WAIT 0 0 => :0",
            "WAIT 0 100 => :0",
            "WAIT -1 0 => :0",
            "WAIT x 0 => -ERR value is not an integer or out of range",
            "WAIT 0 x => -ERR timeout is not an integer or out of range",
            "WAIT 0 1.5",
            "WAIT 1 -1 => -ERR timeout is negative",
            "WAIT 1",
            "REPLICAOF NO ONE => +OK",
            "SLAVEOF no one => +OK",
            "REPLICAOF no two => -ERR Invalid master port",
            "REPLICAOF a x",
            "REPLICAOF a 70000",
            "REPLICAOF a -1",
            "REPLICAOF a",
            "FAILOVER => -ERR FAILOVER requires connected replicas.",
            "FAILOVER ABORT => -ERR No failover in progress.",
            "FAILOVER ABORT FORCE => -ERR syntax error",
            "FAILOVER ABORT ABORT",
            "FAILOVER FORCE",
            "FAILOVER TO a 1 FORCE",
            "FAILOVER TO a 1 TIMEOUT 5 ABORT",
            "FAILOVER TO a x",
            "FAILOVER TO a",
            "FAILOVER TIMEOUT -1",
            "FAILOVER TIMEOUT 0",
            "FAILOVER TIMEOUT x",
            "FAILOVER TIMEOUT 5 TIMEOUT 6",
            "FAILOVER foo",
            "MULTI",
            "WAIT 1 0",
            "EXEC => [:0]",
        ],
    )]
}

#[test]
fn differential_replication_commands() {
    check(sequences, &[]);
}

#[test]
fn command_info_matches_redis() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let line = "COMMAND INFO role wait replicaof slaveof failover sort sort_ro save bgsave";
    let cut = |f: Frame| match f {
        Frame::Array(entries) => Frame::Array(
            entries
                .into_iter()
                .map(|e| match e {
                    Frame::Array(v) if v.len() >= 7 => Frame::Array(v[..7].to_vec()),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    };
    let (a, b) = (cut(ember.conn().run(line)), cut(redis.conn().run(line)));
    assert_eq!(a, b, "ember {}\nredis {}", show(&a), show(&b));
}

#[test]
fn wait_for_replicas_blocks_until_its_timeout() {
    let ember = Server::ember(&[]);
    let mut c = ember.conn();
    assert_eq!(c.run("WAIT 1 50"), int(0));
    // A WAIT without a timeout waits until unblocked, and then counts no
    // replica.
    let mut waiter = ember.conn();
    let id = match waiter.run("CLIENT ID") {
        Frame::Integer(id) => id,
        other => panic!("CLIENT ID: {}", show(&other)),
    };
    waiter.send(&["WAIT", "2", "0"]);
    assert!(waiter.is_quiet(Duration::from_millis(100)), "WAIT 2 0 answered at once");
    let info = show(&c.run("INFO clients"));
    assert!(info.contains("blocked_clients:1"), "{info}");
    assert_eq!(c.run(&format!("CLIENT UNBLOCK {id}")), int(1));
    assert_eq!(waiter.read(), int(0));
}
