//! MEMORY: the replies that must match redis-server (HELP, errors, missing
//! keys, DOCTOR on an empty instance, STATS field names) and ember's own
//! figures being plausible (a key costs at least its bytes, sampling a large
//! collection lands near the exact figure, PURGE does not lose data).

mod common;

use common::diff::{check, Sequences};
use common::{show, Frame, Server};

fn sequences() -> Sequences {
    vec![(
        "memory",
        vec![
            "MEMORY HELP",
            "MEMORY",
            "MEMORY foo",
            "MEMORY USAGE",
            "MEMORY USAGE nokey",
            "SET k v",
            "MEMORY USAGE k SAMPLES",
            "MEMORY USAGE k SAMPLES -1",
            "MEMORY USAGE k SAMPLES x",
            "MEMORY USAGE k FOO 1",
            "MEMORY USAGE nokey SAMPLES 0",
            "MEMORY DOCTOR x",
            "MEMORY PURGE",
            "GET k",
            "COMMAND GETKEYS MEMORY USAGE k",
        ],
    )]
}

#[test]
fn differential_memory() {
    check(sequences, &[]);
}

fn usage(c: &mut common::Conn, line: &str) -> i64 {
    match c.run(line) {
        Frame::Integer(n) => n,
        other => panic!("{line}: {}", show(&other)),
    }
}

#[test]
fn usage_is_plausible() {
    let ember = Server::ember(&[]);
    let mut c = ember.conn();
    c.run("SET small v");
    c.cmd(&["SET", "big", &"x".repeat(10_000)]);
    let small = usage(&mut c, "MEMORY USAGE small");
    let big = usage(&mut c, "MEMORY USAGE big");
    assert!((16..200).contains(&small), "small string: {small}");
    assert!((10_000..11_000).contains(&big), "10 kB string: {big}");
    // A TTL costs its index entry.
    c.run("SET ttl v EX 100");
    assert!(usage(&mut c, "MEMORY USAGE ttl") > small);
    // A large hash: the default 5 samples land near the exact figure when
    // the fields are alike.
    let mut argv = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..5000 {
        argv.push(format!("field:{i:06}"));
        argv.push(format!("value:{i:06}"));
    }
    c.cmd(&argv);
    let exact = usage(&mut c, "MEMORY USAGE h SAMPLES 0");
    let sampled = usage(&mut c, "MEMORY USAGE h");
    assert!(exact > 5000 * 24, "5000 pairs of 12-byte strings in {exact} bytes");
    assert!((sampled - exact).abs() * 10 < exact, "sampled {sampled} vs exact {exact}");
    // Every type answers.
    for line in ["RPUSH l a b c", "SADD s a b c", "SADD si 1 2 3", "ZADD z 1 a 2 b"] {
        c.run(line);
    }
    for key in ["l", "s", "si", "z"] {
        assert!(usage(&mut c, &format!("MEMORY USAGE {key}")) > 0);
    }
}

#[test]
fn stats_doctor_and_malloc_stats() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let names = |f: &Frame| -> Vec<String> {
        match f {
            Frame::Array(v) => v.iter().step_by(2).map(show).collect(),
            other => panic!("MEMORY STATS: {}", show(other)),
        }
    };
    for server in [&ember, &redis] {
        server.conn().run("SET k v");
    }
    let (e, r) = (ember.conn().run("MEMORY STATS"), redis.conn().run("MEMORY STATS"));
    assert_eq!(names(&e), names(&r), "MEMORY STATS fields");
    let Frame::Array(fields) = &e else { unreachable!() };
    let at = fields.iter().position(|f| show(f) == "\"keys.count\"").expect("keys.count");
    assert_eq!(fields[at + 1], Frame::Integer(1), "keys.count");
    // RESP3: a map, doubles as doubles.
    let mut c3 = ember.conn();
    c3.run("HELLO 3");
    assert!(matches!(c3.run("MEMORY STATS"), Frame::Map(_)));
    let doctor = show(&ember.conn().run("MEMORY DOCTOR"));
    assert!(doctor.contains("Hi Sam"), "{doctor}");
    let malloc = show(&ember.conn().run("MEMORY MALLOC-STATS"));
    assert!(malloc.contains("<malloc version="), "{malloc}");
}
