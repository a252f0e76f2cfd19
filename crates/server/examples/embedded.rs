//! ember in-process: an application runs Redis commands on an embedded
//! engine, with no server, socket or thread of its own. Run it with
//! `cargo run -p ember-server --example embedded`.
//!
//! The engine's clock moves only when the application moves it, so the
//! session cache below expires exactly when the test says so.

use ember_server::{Config, Engine, Frame};

fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) => String::from_utf8_lossy(b).into_owned(),
        Frame::Integer(n) => n.to_string(),
        Frame::Null => "(nil)".into(),
        other => format!("{other:?}"),
    }
}

fn main() {
    let start_ms = 1_700_000_000_000;
    let mut redis = Engine::with_clock(Config::default(), start_ms);

    // A session cache with a TTL.
    redis.call(&["SET", "session:42", "alice", "EX", "30"]);
    println!("session:42 = {}", text(&redis.call(&["GET", "session:42"])));
    redis.advance(30_000);
    let gone = redis.call(&["GET", "session:42"]);
    println!("after 30 s: {}", text(&gone));
    assert_eq!(gone, Frame::Null);

    // A leaderboard.
    redis.call(&["ZADD", "scores", "10", "ann", "30", "bob", "20", "cy"]);
    let top = redis.call(&["ZREVRANGE", "scores", "0", "1"]);
    println!("top two: {top:?}");
    assert_eq!(top, Frame::Array(vec![Frame::Bulk("bob".into()), Frame::Bulk("cy".into())]));

    // A rate limiter as a Lua script, atomic like any Redis script.
    let limiter = "local n = redis.call('INCR', KEYS[1]) \
                   if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end \
                   if n <= tonumber(ARGV[2]) then return 1 else return 0 end";
    let allowed: Vec<Frame> = (0..4).map(|_| redis.call(&["EVAL", limiter, "1", "rl:alice", "1000", "3"])).collect();
    println!("rate limiter: {allowed:?}");
    assert_eq!(allowed, [1, 1, 1, 0].map(Frame::Integer));

    // A work queue between two sessions: a worker blocks until a job comes.
    let worker = redis.open();
    assert_eq!(redis.call_in(worker, &["BLPOP", "jobs", "0"]), None);
    redis.call(&["RPUSH", "jobs", "resize:7"]);
    let job = redis.reply(worker).expect("the worker was woken");
    println!("worker got: {job:?}");

    // Pub/sub: messages arrive as RESP3 pushes.
    let listener = redis.open();
    redis.call_in(listener, &["SUBSCRIBE", "events"]);
    redis.call(&["PUBLISH", "events", "deployed"]);
    let pushes = redis.pushes(listener);
    println!("listener got: {:?}", pushes.last());
    assert_eq!(pushes.len(), 2);
}
