//! ember through a real client library: the `redis` crate (sync API).

mod common;

use std::collections::BTreeSet;

use common::Server;
use redis::Commands;

fn client(s: &Server) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port)).expect("client");
    c.get_connection().expect("connection")
}

#[test]
fn basic_commands() {
    let s = Server::ember(&[]);
    let mut con = client(&s);
    let _: () = con.set("greeting", "hello").unwrap();
    let v: String = con.get("greeting").unwrap();
    assert_eq!(v, "hello");
    let missing: Option<String> = con.get("nope").unwrap();
    assert_eq!(missing, None);
    let bin: Vec<u8> = (0..=255u8).collect();
    let _: () = con.set(b"bin\x00key".as_slice(), bin.as_slice()).unwrap();
    let back: Vec<u8> = con.get(b"bin\x00key".as_slice()).unwrap();
    assert_eq!(back, bin);

    let _: () = con.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let vals: Vec<Option<String>> = con.mget(&["a", "b", "c"]).unwrap();
    assert_eq!(vals, vec![Some("1".into()), Some("2".into()), None]);

    let n: i64 = con.incr("counter", 5).unwrap();
    assert_eq!(n, 5);
    let n: i64 = con.incr("counter", -7).unwrap();
    assert_eq!(n, -2);
    let f: f64 = con.incr("float", 1.5f64).unwrap();
    assert_eq!(f, 1.5);
    let e: redis::RedisResult<i64> = con.incr("greeting", 1);
    let e = e.unwrap_err();
    assert!(e.to_string().contains("not an integer"), "{e}");

    let ok: bool = con.expire("greeting", 100).unwrap();
    assert!(ok);
    let ttl: i64 = con.ttl("greeting").unwrap();
    assert!((99..=100).contains(&ttl), "{ttl}");
    let pttl: i64 = con.pttl("greeting").unwrap();
    assert!((98_000..=100_000).contains(&pttl), "{pttl}");
    let ttl: i64 = con.ttl("a").unwrap();
    assert_eq!(ttl, -1);
    let ttl: i64 = con.ttl("nope").unwrap();
    assert_eq!(ttl, -2);
    let ok: bool = con.expire("nope", 100).unwrap();
    assert!(!ok);

    let opts = redis::SetOptions::default()
        .conditional_set(redis::ExistenceCheck::NX)
        .with_expiration(redis::SetExpiry::PX(50_000));
    let r: Option<String> = con.set_options("fresh", "v", opts).unwrap();
    assert_eq!(r.as_deref(), Some("OK"));
    let r: Option<String> = con.set_options("fresh", "v", opts).unwrap();
    assert_eq!(r, None);

    let deleted: i64 = con.del(&["a", "b", "zzz"]).unwrap();
    assert_eq!(deleted, 2);
    let exists: bool = con.exists("a").unwrap();
    assert!(!exists);
}

#[test]
fn scan_iteration_sees_every_key_once() {
    let s = Server::ember(&[]);
    let mut con = client(&s);
    let mut want = BTreeSet::new();
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        let k = format!("key:{i}");
        pipe.set(&k, i).ignore();
        want.insert(k);
        pipe.set(format!("other:{i}"), i).ignore();
    }
    let _: () = pipe.query(&mut con).unwrap();

    let mut seen = Vec::new();
    let iter = con.scan_match::<_, String>("key:*").unwrap();
    for k in iter {
        seen.push(k);
    }
    let set: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(set, want);
    assert!(seen.len() <= 1000 + 50, "too many duplicates: {}", seen.len());

    let all = con.scan::<String>().unwrap();
    assert_eq!(all.collect::<BTreeSet<_>>().len(), 2000);

    // SCAN with COUNT and TYPE via a raw command loop.
    let mut cursor = 0u64;
    let mut n = 0;
    loop {
        let (next, keys): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(100).arg("TYPE").arg("string").query(&mut con).unwrap();
        n += keys.len();
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    assert!(n >= 2000, "{n}");
}

#[test]
fn pipelines_and_transactions_of_replies() {
    let s = Server::ember(&[]);
    let mut con = client(&s);
    let (a, b, c, d): (String, i64, Option<String>, Vec<Option<String>>) = redis::pipe()
        .cmd("SET")
        .arg("p")
        .arg("1")
        .cmd("INCR")
        .arg("p")
        .cmd("GET")
        .arg("nope")
        .cmd("MGET")
        .arg("p")
        .arg("nope")
        .query(&mut con)
        .unwrap();
    assert_eq!((a.as_str(), b, c), ("OK", 2, None));
    assert_eq!(d, vec![Some("2".to_string()), None]);

    // A big pipeline round trip.
    let mut pipe = redis::pipe();
    for i in 0..5000 {
        pipe.cmd("INCRBY").arg("sum").arg(i);
    }
    let sums: Vec<i64> = pipe.query(&mut con).unwrap();
    assert_eq!(sums.len(), 5000);
    assert_eq!(*sums.last().unwrap(), (0..5000).sum::<i64>());

    // An error inside a pipeline surfaces as an error of the whole query.
    let r: redis::RedisResult<(i64, i64)> =
        redis::pipe().cmd("INCR").arg("p").cmd("INCR").arg("nope-str-x").query(&mut con);
    assert!(r.is_ok());
    let _: () = con.set("s", "abc").unwrap();
    let r: redis::RedisResult<(i64,)> = redis::pipe().cmd("INCR").arg("s").query(&mut con);
    assert!(r.is_err());

    // Database selection in the URL.
    let c3 = redis::Client::open(format!("redis://127.0.0.1:{}/3", s.port)).unwrap();
    let mut con3 = c3.get_connection().unwrap();
    let _: () = con3.set("in3", "yes").unwrap();
    let here: Option<String> = con.get("in3").unwrap();
    assert_eq!(here, None);
    let n: i64 = redis::cmd("DBSIZE").query(&mut con3).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn resp3_client() {
    let s = Server::ember(&[]);
    let c = redis::Client::open(format!("redis://127.0.0.1:{}/?protocol=resp3", s.port)).unwrap();
    let mut con = c.get_connection().unwrap();
    let _: () = con.set("k", "v").unwrap();
    let v: Option<String> = con.get("k").unwrap();
    assert_eq!(v.as_deref(), Some("v"));
    let v: Option<String> = con.get("missing").unwrap();
    assert_eq!(v, None);
    let cfg: std::collections::HashMap<String, String> =
        redis::cmd("CONFIG").arg("GET").arg("timeout").query(&mut con).unwrap();
    assert_eq!(cfg.get("timeout").map(String::as_str), Some("0"));
}

#[test]
fn pubsub_through_the_client_library() {
    let s = Server::ember(&[]);
    let mut sub_con = client(&s);
    let mut publisher = client(&s);
    let mut pubsub = sub_con.as_pubsub();
    pubsub.subscribe("news").unwrap();
    pubsub.psubscribe("n*").unwrap();
    pubsub.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let receivers: i64 = publisher.publish("news", "hello").unwrap();
    assert_eq!(receivers, 2);
    let m = pubsub.get_message().unwrap();
    assert_eq!((m.get_channel_name(), m.get_payload::<String>().unwrap()), ("news", "hello".to_string()));
    assert!(!m.from_pattern());
    let m = pubsub.get_message().unwrap();
    assert_eq!(m.get_pattern::<String>().unwrap(), "n*");
    assert_eq!(m.get_payload::<Vec<u8>>().unwrap(), b"hello");
    pubsub.unsubscribe("news").unwrap();
    pubsub.punsubscribe("n*").unwrap();
    drop(pubsub);
    // Back to normal commands on the same connection.
    let _: () = sub_con.set("k", "v").unwrap();
    let v: String = sub_con.get("k").unwrap();
    assert_eq!(v, "v");
    let receivers: i64 = publisher.publish("news", "nobody").unwrap();
    assert_eq!(receivers, 0);
}

/// A redis-py style lock through `redis::Script` (EVALSHA first, EVAL on
/// NOSCRIPT): acquire with SET NX PX, release with compare-and-delete.
#[test]
fn lock_with_scripts() {
    let s = Server::ember(&[]);
    let mut con = client(&s);
    let release = redis::Script::new(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
    );
    let extend = redis::Script::new(
        "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end \
         return redis.call('pexpire', KEYS[1], ARGV[2])",
    );
    let opts = redis::SetOptions::default()
        .conditional_set(redis::ExistenceCheck::NX)
        .with_expiration(redis::SetExpiry::PX(30_000));
    let got: Option<String> = con.set_options("lock:a", "token-1", opts).unwrap();
    assert_eq!(got.as_deref(), Some("OK"));
    let again: Option<String> = con.set_options("lock:a", "token-2", opts).unwrap();
    assert_eq!(again, None, "the lock is held");
    // Not the owner: nothing happens. The first call loads the script.
    let n: i64 = release.key("lock:a").arg("token-2").invoke(&mut con).unwrap();
    assert_eq!(n, 0);
    let n: i64 = extend.key("lock:a").arg("token-1").arg(60_000).invoke(&mut con).unwrap();
    assert_eq!(n, 1);
    let ttl: i64 = con.pttl("lock:a").unwrap();
    assert!(ttl > 30_000 && ttl <= 60_000, "pttl {ttl}");
    // The owner releases (EVALSHA hits the cache now).
    let n: i64 = release.key("lock:a").arg("token-1").invoke(&mut con).unwrap();
    assert_eq!(n, 1);
    let exists: bool = con.exists("lock:a").unwrap();
    assert!(!exists);
    // After SCRIPT FLUSH, invoke falls back to loading the script again.
    let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut con).unwrap();
    let n: i64 = release.key("lock:a").arg("token-1").invoke(&mut con).unwrap();
    assert_eq!(n, 0);
    // Script errors reach the client as errors.
    let bad = redis::Script::new("return redis.call('incr', KEYS[1])");
    let _: () = con.set("text", "x").unwrap();
    let e = bad.key("text").invoke::<i64>(&mut con).unwrap_err();
    assert!(e.to_string().contains("value is not an integer or out of range"), "{e}");
}
