//! Differential tests of the hash commands against redis-server (7.0), in
//! RESP2 and RESP3: hand-written sequences for every command and error case,
//! then a seeded random stream of hash commands compared reply by reply.
//! See `common::diff` for the line syntax.

mod common;

use common::diff::{check, report, shape, sorted, Sequences};
use common::{args, show, Frame, Rng, Server};

fn long(n: usize) -> &'static str {
    Box::leak("x".repeat(n).into_boxed_str())
}

fn hash_sequences() -> Sequences {
    let v64 = long(64);
    let v65 = long(65);
    vec![
        (
            "hset hget basics",
            vec![
                "HSET h a 1 => :1",
                "HSET h a 2 b 3 => :1",
                "HGET h a => \"2\"",
                "HGET h zz => $-1",
                "HGET nokey a => $-1",
                "HSET h a",
                "HSET h a b c",
                "HSET h",
                "hset h",
                "HMSET h a",
                "HMSET h a 1 c",
                "HMSET h c 4 d 5 => +OK",
                "HGETALL h",
                "HKEYS h",
                "HVALS h",
                "HLEN h => :4",
                "HLEN nokey => :0",
                "HGETALL nokey",
                "HKEYS nokey",
                "HVALS nokey",
                "HSET h \"\" \"\" => :1",
                "HGET h \"\" => \"\"",
                "HSET h \"k\\x00\\xff\" \"v\\r\\n\"",
                "HGET h \"k\\x00\\xff\"",
                "HGETALL h",
                "OBJECT ENCODING h => \"listpack\"",
                "HSET h 007 -0 => :1",
                "HGET h 007",
                "TYPE h",
            ],
        ),
        (
            "listpack insertion order",
            vec![
                "HSET h z 1 a 2 m 3",
                "HSET h a 20",
                "HDEL h z",
                "HSET h z 4",
                "HGETALL h",
                "HKEYS h",
                "HVALS h",
                "!hscan h",
                "HSCAN h 0",
                "HSCAN h 0 COUNT 1",
                "HSCAN h 0 MATCH a*",
                "HSCAN h 0 match * count 100",
                "HRANDFIELD h 10",
                "HRANDFIELD h 3 WITHVALUES",
                "HRANDFIELD h 100 withvalues",
            ],
        ),
        (
            "hsetnx hmget hexists hstrlen hdel",
            vec![
                "HSETNX h a 1 => :1",
                "HSETNX h a 2 => :0",
                "HGET h a",
                "HSETNX h",
                "HSETNX h a",
                "HMGET h a b",
                "HMGET nokey a b",
                "HMGET h",
                "HEXISTS h a => :1",
                "HEXISTS h b => :0",
                "HEXISTS nokey a",
                "HSTRLEN h a => :1",
                "HSTRLEN h b",
                "HSTRLEN nokey a",
                "HSET h long hello",
                "HSTRLEN h long => :5",
                "HDEL h",
                "HDEL h nope => :0",
                "HDEL nokey a",
                "HDEL h a a long => :2",
                "EXISTS h => :0",
                "HSET h a 1 b 2 c 3",
                "HDEL h a b c d => :3",
                "EXISTS h => :0",
                "HSETNX fresh f v",
                "HGETALL fresh",
            ],
        ),
        (
            "hincrby",
            vec![
                "HINCRBY h a 5 => :5",
                "HINCRBY h a -10 => :-5",
                "HINCRBY h a 0",
                "HINCRBY h a x",
                "HINCRBY h a 1.5",
                "HINCRBY h a \"\"",
                "HINCRBY h a 9223372036854775808",
                "HSET h s abc n \" 1\" p +1 z 01 m -0",
                "HINCRBY h s 1",
                "HINCRBY h n 1",
                "HINCRBY h p 1",
                "HINCRBY h z 1",
                "HINCRBY h m 1",
                "HSET h big 9223372036854775807 small -9223372036854775808",
                "HINCRBY h big 1",
                "HINCRBY h big 0",
                "HINCRBY h big -1",
                "HINCRBY h small -1",
                "HINCRBY h small 1",
                "HINCRBY nokey f -9223372036854775808",
                "HINCRBY nokey f -1",
                "HGETALL h",
                "HINCRBY h",
                "HINCRBY h a",
                "OBJECT ENCODING h",
            ],
        ),
        (
            "hincrbyfloat",
            vec![
                "HINCRBYFLOAT h a 10.5 => \"10.5\"",
                "HINCRBYFLOAT h a 0.1 => \"10.6\"",
                "HINCRBYFLOAT h a -10.6",
                "HINCRBYFLOAT h a 5.0e3",
                "HINCRBYFLOAT h a 0x10",
                "HINCRBYFLOAT h a x",
                "HINCRBYFLOAT h a nan",
                "HINCRBYFLOAT h a inf",
                "HINCRBYFLOAT h a -inf",
                "HINCRBYFLOAT h a \" 1\"",
                "HINCRBYFLOAT h a 1e5000",
                "HINCRBYFLOAT h b 3.14159265358979323846",
                "HINCRBYFLOAT h c 9223372036854775807",
                "HINCRBYFLOAT h c 1",
                "HSET h s abc",
                "HINCRBYFLOAT h s 1",
                "HSET h i 17",
                "HINCRBYFLOAT h i 0.5",
                "HINCRBY h b 1",
                "HINCRBYFLOAT h big 1e4932",
                "HINCRBYFLOAT h big 1e4932",
                "HSTRLEN h big",
                "OBJECT ENCODING h",
                "HINCRBYFLOAT h2 x 1e100",
                "OBJECT ENCODING h2",
                "HINCRBYFLOAT h",
                "HGET h a",
            ],
        ),
        (
            "hrandfield",
            vec![
                "HRANDFIELD nokey",
                "HRANDFIELD nokey 3",
                "HRANDFIELD nokey -3 WITHVALUES",
                "HRANDFIELD nokey 0",
                "HSET h a 1 b 2 c 3",
                "HRANDFIELD h 0",
                "HRANDFIELD h 0 WITHVALUES",
                "!len HRANDFIELD h",
                "!len HRANDFIELD h 2",
                "!len HRANDFIELD h 2 WITHVALUES",
                "!len HRANDFIELD h -5",
                "!len HRANDFIELD h -5 WITHVALUES",
                "!len HRANDFIELD h -1",
                "HRANDFIELD h 3",
                "HRANDFIELD h 1000 WITHVALUES",
                "HRANDFIELD h 9223372036854775807",
                "HRANDFIELD h x",
                "HRANDFIELD h 1.5",
                "HRANDFIELD h x foo",
                "HRANDFIELD h 2 foo",
                "HRANDFIELD h 2 WITHVALUES x",
                "HRANDFIELD h 2 withvalues withvalues",
                "HRANDFIELD h -9223372036854775808",
                "HRANDFIELD h -9223372036854775807 WITHVALUES",
                "HRANDFIELD h -4611686018427387904 WITHVALUES",
                "HRANDFIELD h 4611686018427387904 WITHVALUES",
            ],
        ),
        (
            "encodings and conversion thresholds",
            vec![
                "CONFIG SET hash-max-listpack-entries 4",
                "CONFIG SET hash-max-listpack-value 8",
                "HSET h a 1 b 2 c 3 d 4",
                "OBJECT ENCODING h => \"listpack\"",
                "HSET h e 5",
                "OBJECT ENCODING h => \"hashtable\"",
                "HDEL h a b c d",
                "OBJECT ENCODING h => \"hashtable\"",
                "HSET v a 12345678",
                "OBJECT ENCODING v => \"listpack\"",
                "HSET v a 123456789",
                "OBJECT ENCODING v => \"hashtable\"",
                "HSET f 123456789 a",
                "OBJECT ENCODING f",
                "HSET n a 1",
                "HSETNX n a 123456789",
                "OBJECT ENCODING n",
                "HSET m a 1",
                "HINCRBY m 123456789 1",
                "OBJECT ENCODING m",
                "HSET q a 1",
                "HINCRBYFLOAT q a 0.00000001",
                "OBJECT ENCODING q",
                "!sort HGETALL h",
                "!sort HKEYS h",
                "!sort HVALS h",
                "!len HRANDFIELD h 3 WITHVALUES",
                "!sort HRANDFIELD h 30",
                "!hscan h COUNT 1",
                "CONFIG SET hash-max-listpack-entries 128",
                "CONFIG SET hash-max-listpack-value 64",
            ],
        ),
        (
            "hashtable and hscan",
            vec![
                "HSET big f0 0 f1 1 f2 2 f3 3 f4 4 f5 5 f6 6 f7 7 f8 8 f9 9",
                "HSET big f10 10 f11 11 f12 12 f13 13 f14 14 f15 15 f16 16 f17 17 f18 18 f19 19",
                Box::leak(format!("HSET big long {v65}").into_boxed_str()),
                "OBJECT ENCODING big => \"hashtable\"",
                Box::leak(format!("HSET lp f {v64}").into_boxed_str()),
                "OBJECT ENCODING lp => \"listpack\"",
                "!hscan big",
                "!hscan big COUNT 3",
                "!hscan big MATCH f1*",
                "!hscan big MATCH f1* COUNT 2",
                "!hscan big MATCH nomatch",
                "HSCAN big x",
                "HSCAN big -1 COUNT 0",
                "HSCAN big 0 COUNT 0",
                "HSCAN big 0 COUNT -1",
                "HSCAN big 0 COUNT x",
                "HSCAN big 0 COUNT",
                "HSCAN big 0 FOO bar",
                "HSCAN big 0 NOVALUES",
                "HSCAN nokey 0",
                "HSCAN nokey 0 COUNT 0",
                "HSCAN nokey x",
                "HSCAN big",
                "!sort HGETALL big",
                "HLEN big",
                "!len HRANDFIELD big 5",
                "!len HRANDFIELD big 15 WITHVALUES",
                "!len HRANDFIELD big -30 WITHVALUES",
                "!sort HRANDFIELD big 100",
            ],
        ),
        (
            "wrongtype",
            vec![
                "SET s v",
                "HSET s a 1",
                "HSETNX s a 1",
                "HMSET s a 1",
                "HGET s a",
                "HMGET s a",
                "HGETALL s",
                "HDEL s a",
                "HEXISTS s a",
                "HLEN s",
                "HKEYS s",
                "HVALS s",
                "HSTRLEN s a",
                "HINCRBY s a 1",
                "HINCRBY s a x",
                "HINCRBYFLOAT s a 1",
                "HINCRBYFLOAT s a x",
                "HRANDFIELD s",
                "HRANDFIELD s 2",
                "HRANDFIELD s x",
                "HSCAN s 0",
                "HSCAN s x",
                "GET s => \"v\"",
                "HSET h a 1",
                "GET h",
                "SADD h x",
                "INCR h",
            ],
        ),
        (
            "expiry and command info",
            vec![
                "HSET h a 1",
                "EXPIRE h 100",
                "HSET h b 2",
                "TTL h => :100",
                "HDEL h a b",
                "TTL h => :-2",
                "!ember COMMAND INFO hset",
            ],
        ),
    ]
}

#[test]
fn differential_hashes() {
    check(hash_sequences, &[]);
}

/// Does the reply order of this command depend on the encoding's internal
/// order? (Redis's hashtable order is not ember's.)
fn unordered(cmd: &str) -> bool {
    matches!(cmd, "HGETALL" | "HKEYS" | "HVALS")
}

/// One random hash command over a small key space with small thresholds.
fn random_hash_command(rng: &mut Rng) -> Vec<String> {
    const KEYS: &[&str] = &["h1", "h2", "h3", "str"];
    const FIELDS: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "", "n", "longfieldname"];
    const VALUES: &[&str] = &["1", "-2", "x", "", "3.5", "9223372036854775807", "abcdefghij", "007", "1e3"];
    let k = |rng: &mut Rng| rng.pick(KEYS).to_string();
    let f = |rng: &mut Rng| rng.pick(FIELDS).to_string();
    let v = |rng: &mut Rng| rng.pick(VALUES).to_string();
    let mut c: Vec<String> = Vec::new();
    match rng.below(20) {
        0..=2 => {
            c.extend([rng.pick(&["HSET", "HMSET"]).to_string(), k(rng)]);
            for _ in 0..=rng.below(3) {
                c.extend([f(rng), v(rng)]);
            }
        }
        3 => c.extend(["HSETNX".into(), k(rng), f(rng), v(rng)]),
        4 => c.extend(["HGET".into(), k(rng), f(rng)]),
        5 => {
            c.extend(["HMGET".into(), k(rng)]);
            for _ in 0..=rng.below(3) {
                c.push(f(rng));
            }
        }
        6 => c.extend([rng.pick(&["HGETALL", "HKEYS", "HVALS", "HLEN"]).to_string(), k(rng)]),
        7 | 8 => {
            c.extend(["HDEL".into(), k(rng)]);
            for _ in 0..=rng.below(3) {
                c.push(f(rng));
            }
        }
        9 => c.extend(["HEXISTS".into(), k(rng), f(rng)]),
        10 => c.extend(["HSTRLEN".into(), k(rng), f(rng)]),
        11 => c.extend(["HINCRBY".into(), k(rng), f(rng), rng.pick(&["1", "-5", "x", "9223372036854775807"]).into()]),
        12 => c.extend(["HINCRBYFLOAT".into(), k(rng), f(rng), rng.pick(&["1.5", "-0.25", "x", "1e3", "0"]).into()]),
        13 => {
            c.extend(["HRANDFIELD".into(), k(rng)]);
            if rng.below(3) > 0 {
                c.push(rng.pick(&["0", "1", "3", "-3", "100", "-100"]).into());
                if rng.below(2) == 0 {
                    c.push("WITHVALUES".into());
                }
            }
        }
        14 => c.extend(["OBJECT".into(), "ENCODING".into(), k(rng)]),
        15 => c.extend(["HSCAN".into(), k(rng), "0".into(), "COUNT".into(), "100".into()]),
        16 => c.extend(["DEL".into(), k(rng)]),
        17 => c.extend(["EXISTS".into(), k(rng)]),
        18 => c.extend(["SET".into(), "str".into(), v(rng)]),
        _ => c.extend(["TYPE".into(), k(rng)]),
    }
    c
}

/// Normalizes a reply for comparison.
fn normalize(argv: &[String], reply: &Frame) -> Frame {
    let name = argv[0].as_str();
    let hscan_unordered = name == "HSCAN";
    if name == "HRANDFIELD" && argv.len() > 2 {
        // Random unless it returns the whole hash (count >= size: exact order).
        return Frame::Simple(shape(reply).into_bytes().into());
    }
    if name == "HRANDFIELD" {
        return Frame::Simple(shape(reply).into_bytes().into());
    }
    if unordered(name) || hscan_unordered {
        return match reply {
            Frame::Array(v) if hscan_unordered && v.len() == 2 => {
                let Frame::Array(items) = &v[1] else { return reply.clone() };
                let mut pairs: Vec<Frame> = items.chunks(2).map(|c| Frame::Array(c.to_vec())).collect();
                pairs.sort_by_key(show);
                Frame::Array(vec![v[0].clone(), Frame::Array(pairs)])
            }
            Frame::Array(v) if name == "HGETALL" => {
                let mut pairs: Vec<Frame> = v.chunks(2).map(|c| Frame::Array(c.to_vec())).collect();
                pairs.sort_by_key(show);
                Frame::Array(pairs)
            }
            other => sorted(other),
        };
    }
    reply.clone()
}

#[test]
fn differential_random_hash_commands() {
    let opts = ["--hash-max-listpack-entries", "5", "--hash-max-listpack-value", "8"];
    let ember = Server::ember(&opts);
    let Some(redis) = Server::redis(&opts) else { return };
    let mut problems = Vec::new();
    for resp3 in [false, true] {
        let mut rng = Rng(if resp3 { 0x9e37_79b9_7f4a_7c15 } else { 0x1234_5678_9abc_def1 });
        let mut e = ember.conn();
        let mut r = redis.conn();
        if resp3 {
            e.run("HELLO 3");
            r.run("HELLO 3");
        }
        e.run("FLUSHALL");
        r.run("FLUSHALL");
        for i in 0..5_000 {
            let argv = random_hash_command(&mut rng);
            let a = e.cmd(&argv);
            let b = r.cmd(&argv);
            if normalize(&argv, &a) != normalize(&argv, &b) {
                problems.push(format!("#{i} {:?}\n   ember: {}\n   redis: {}", argv.join(" "), show(&a), show(&b)));
                if problems.len() > 20 {
                    break;
                }
            }
        }
        // The final states agree.
        for key in ["h1", "h2", "h3"] {
            let line = format!("HGETALL {key}");
            let a = normalize(
                &args(&line).iter().map(|x| String::from_utf8_lossy(x).into_owned()).collect::<Vec<_>>(),
                &e.run(&line),
            );
            let b = normalize(
                &args(&line).iter().map(|x| String::from_utf8_lossy(x).into_owned()).collect::<Vec<_>>(),
                &r.run(&line),
            );
            assert_eq!(show(&a), show(&b), "final state of {key}");
        }
    }
    report(&problems, "the random hash stream");
}
