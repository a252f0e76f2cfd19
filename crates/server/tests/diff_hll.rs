//! Differential tests of the HyperLogLog commands (PFADD, PFCOUNT, PFMERGE)
//! against a real `redis-server` (7.0): replies in RESP2 and RESP3, and the
//! stored bytes themselves — GET of a HyperLogLog after the same PFADDs must
//! be byte-identical (sparse, around the sparse → dense promotion, dense),
//! and values written by Redis must count and grow the same in ember.
//!
//! The accuracy test adds 200,000 distinct elements (debug-build friendly);
//! set `EMBER_HLL_ELEMENTS=1000000` to run it with a million:
//!
//! ```text
//! EMBER_HLL_ELEMENTS=1000000 cargo test --release -p ember-server --test diff_hll accuracy
//! ```

mod common;

use common::diff::{check, fresh, report, Sequences};
use common::{show, Conn, Frame, Rng, Server};

fn sequences() -> Sequences {
    vec![
        (
            "basics and cached cardinality",
            vec![
                "PFADD h => :1",
                "GET h",
                "PFADD h a b c => :1",
                "PFADD h a b c => :0",
                "GET h",
                "PFCOUNT h => :3",
                "GET h",
                "PFCOUNT h => :3",
                "PFADD h d",
                "GET h",
                "PFCOUNT h => :4",
                "OBJECT ENCODING h => \"raw\"",
                "TYPE h => +string",
                "STRLEN h",
                "PFADD h2 x",
                "PFCOUNT h h2 => :5",
                "PFCOUNT h nokey h2 => :5",
                "PFCOUNT nokey => :0",
                "PFCOUNT nokey nokey2 => :0",
                "EXISTS nokey => :0",
                "PFADD e",
                "PFADD e",
                "PFCOUNT e => :0",
                "GET e",
                "PFADD \"\\x00\" \"\" \"\\x00\\xff\" \"a b\"",
                "PFCOUNT \"\\x00\"",
                "SET t x EX 100",
                "DEL t",
                "PFADD t a",
                "EXPIRE t 100",
                "PFADD t b",
                "TTL t => :100",
                "PFCOUNT t",
                "TTL t => :100",
                "PFADD",
                "PFCOUNT",
                "PFMERGE",
                "pfadd H a",
                "pfcount H",
            ],
        ),
        (
            "pfmerge",
            vec![
                "PFADD a 1 2 3",
                "PFADD b 3 4 5 6",
                "PFMERGE m a b => +OK",
                "GET m",
                "PFCOUNT m => :6",
                "GET m",
                "PFMERGE m => +OK",
                "GET m",
                "PFMERGE m nokey",
                "PFCOUNT m",
                "PFMERGE empty",
                "GET empty",
                "PFMERGE empty2 nokey nokey2",
                "GET empty2",
                "PFMERGE a a",
                "GET a",
                "PFMERGE b a",
                "GET b",
                "PFCOUNT b",
                "SET t x",
                "DEL t",
                "PFADD t z",
                "EXPIRE t 100",
                "PFMERGE t a",
                "TTL t => :100",
                "GET t",
            ],
        ),
        (
            "wrong types and invalid values",
            vec![
                "RPUSH l a",
                "PFADD l a",
                "PFCOUNT l",
                "PFCOUNT nokey l",
                "PFMERGE l",
                "PFMERGE d l",
                "EXISTS d => :0",
                "SET s hello",
                "PFADD s a",
                "PFCOUNT s",
                "PFMERGE s",
                "PFMERGE d s",
                "PFCOUNT nokey s",
                "SET n 12345",
                "PFADD n a",
                "PFCOUNT n",
                "SET short HYL",
                "PFADD short a",
                "SET hdr \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"",
                "PFCOUNT hdr",
                "SET enc2 \"HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"",
                "PFCOUNT enc2",
                "PFADD enc2 a",
                "SET dense \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"",
                "PFCOUNT dense",
                "PFADD dense a",
                "PFMERGE dense",
                "SET magic \"HYLX\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"",
                "PFCOUNT magic",
                "SET ok \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"",
                "OBJECT ENCODING ok => \"embstr\"",
                "PFCOUNT ok => :0",
                "OBJECT ENCODING ok => \"raw\"",
                "GET ok",
                "PFADD ok a",
                "OBJECT ENCODING ok => \"raw\"",
                "PFCOUNT ok => :1",
                "SET cached \"HYLL\\x01\\x00\\x00\\x00\\x2a\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff\"",
                "PFCOUNT cached => :42",
                "PFCOUNT cached ok",
                "SET c1 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe\"",
                "PFCOUNT c1",
                "PFCOUNT c1 ok",
                "PFMERGE d c1",
                "PFMERGE c1",
                "EXISTS d => :0",
                "SET c2 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\\x80\"",
                "PFCOUNT c2",
                "PFCOUNT c2 ok",
                "SET c3 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\"",
                "PFCOUNT c3",
                "PFCOUNT ok c3",
                "SET c4 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\"",
                "PFCOUNT c4",
                "PFADD c4 a",
                "SET c5 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe\\xff\"",
                "PFCOUNT c5",
                "PFCOUNT c5 ok",
                "PFMERGE c5",
                "GET c5",
                "SET c6 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfb\\x8f\"",
                "PFCOUNT c6",
                "PFCOUNT c6 ok",
                "PFMERGE c6",
                "SET c7 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\\x00\"",
                "PFCOUNT c7 ok",
                "PFMERGE d c7",
                "SET c8 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe\\x81\"",
                "PFCOUNT c8 ok",
                "PFCOUNT c8",
                "SET c9 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\\x7f\\xff\"",
                "PFCOUNT c9 ok",
                "PFADD c9 a b c",
                "GET c9",
                "PFMERGE c9",
            ],
        ),
        (
            "command info",
            vec![
                "!cmdinfo COMMAND INFO pfadd pfcount pfmerge",
                "COMMAND GETKEYS PFMERGE d a b",
                "COMMAND GETKEYS PFCOUNT a b",
            ],
        ),
    ]
}

#[test]
fn differential_hll_sequences() {
    check(sequences, &[]);
}

/// A random element: mostly short text, sometimes binary or long.
fn element(rng: &mut Rng) -> Vec<u8> {
    let x = rng.next();
    match x % 8 {
        0 => (0..(x >> 8) % 40).map(|_| rng.next() as u8).collect(),
        1 => format!("long-element-{}-{}", x, "z".repeat((x >> 20) as usize % 100)).into_bytes(),
        _ => format!("e{}", x >> 16).into_bytes(),
    }
}

fn pfadd_cmd(key: &str, elements: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut argv = vec![b"PFADD".to_vec(), key.as_bytes().to_vec()];
    argv.extend(elements.iter().cloned());
    argv
}

fn bytes_of(f: &Frame) -> Vec<u8> {
    match f {
        Frame::Bulk(b) => b.to_vec(),
        other => panic!("not a bulk string: {}", show(other)),
    }
}

/// Sends `argv` to both servers; records a mismatch.
fn both(e: &mut Conn, r: &mut Conn, argv: &[Vec<u8>], problems: &mut Vec<String>, ctx: &str) -> Frame {
    let a = e.cmd(argv);
    let b = r.cmd(argv);
    if a != b {
        let cmd = String::from_utf8_lossy(&argv[0]).into_owned();
        problems.push(format!("{ctx}: {cmd}: ember {} / redis {}", show(&a), show(&b)));
    }
    a
}

/// Adds the same random elements to both servers in batches of growing size
/// and checks the replies, PFCOUNT and the stored bytes after every batch.
/// `sparse_too`: whether some batch is expected to leave the value sparse.
fn grow_and_compare(
    e: &mut Conn,
    r: &mut Conn,
    key: &str,
    seed: u64,
    batches: &[usize],
    sparse_too: bool,
    problems: &mut Vec<String>,
) {
    let mut rng = Rng(seed);
    let mut seen_sparse = false;
    let mut seen_dense = false;
    for (i, &n) in batches.iter().enumerate() {
        let elements: Vec<Vec<u8>> = (0..n).map(|_| element(&mut rng)).collect();
        let ctx = format!("{key} batch {i} ({n} elements)");
        both(e, r, &pfadd_cmd(key, &elements), problems, &ctx);
        let get = vec![b"GET".to_vec(), key.as_bytes().to_vec()];
        let before = both(e, r, &get, problems, &ctx);
        let bytes = bytes_of(&before);
        if bytes[4] == 1 {
            seen_sparse = true;
        } else {
            seen_dense = true;
        }
        both(e, r, &[b"PFCOUNT".to_vec(), key.as_bytes().to_vec()], problems, &ctx);
        both(e, r, &get, problems, &ctx);
    }
    assert!(seen_dense && seen_sparse == sparse_too, "{key}: the batches should cover the expected encodings");
}

#[test]
fn pfadd_bytes_match_redis_at_every_size() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let mut problems = Vec::new();
    for resp3 in [false, true] {
        let mut e = fresh(&ember, resp3, &[]);
        let mut r = fresh(&redis, resp3, &[]);
        // One element at a time through the sparse encoding up to and past
        // the promotion at 3000 bytes, then larger batches.
        let mut batches = vec![1; 400];
        batches.extend([2, 3, 5, 8, 13, 50, 100, 200, 400, 800, 1500, 3000, 6000]);
        grow_and_compare(&mut e, &mut r, "h1", 0x4111_0001 + u64::from(resp3), &batches, true, &mut problems);
        // Other thresholds, set on both servers (0: dense from the first
        // element on).
        for (max_bytes, key, seed) in [("200", "h2", 7u64), ("0", "h3", 8), ("6000", "h4", 9)] {
            for c in [&mut e, &mut r] {
                assert_eq!(c.run(&format!("CONFIG SET hll-sparse-max-bytes {max_bytes}")), common::ok());
            }
            let batches = [1, 1, 1, 5, 20, 50, 100, 300, 1000, 3000, 8000];
            grow_and_compare(&mut e, &mut r, key, seed, &batches, max_bytes != "0", &mut problems);
        }
        for c in [&mut e, &mut r] {
            assert_eq!(c.run("CONFIG SET hll-sparse-max-bytes 3000"), common::ok());
        }
    }
    report(&problems, "PFADD bytes");
}

#[test]
fn pfmerge_and_multi_key_pfcount_match_redis() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let mut problems = Vec::new();
    let mut e = fresh(&ember, false, &[]);
    let mut r = fresh(&redis, false, &[]);
    let mut rng = Rng(0xfeed_0003);
    // Sparse HLLs of a few sizes, and dense ones.
    for (key, n) in [("s1", 10), ("s2", 150), ("s3", 600), ("d1", 5000), ("d2", 20000)] {
        let elements: Vec<Vec<u8>> = (0..n).map(|_| element(&mut rng)).collect();
        for chunk in elements.chunks(1000) {
            both(&mut e, &mut r, &pfadd_cmd(key, chunk), &mut problems, key);
        }
    }
    let cases: &[&[&str]] = &[
        &["PFMERGE", "m1", "s1", "s2"],
        &["PFMERGE", "m2", "s1", "s2", "s3"],
        &["PFMERGE", "m3", "s1", "d1"],
        &["PFMERGE", "m4", "d1", "d2", "s3"],
        &["PFMERGE", "s1", "s2"],
        &["PFMERGE", "s2", "d1"],
        &["PFMERGE", "d2", "s3", "nokey"],
        &["PFMERGE", "m5", "nokey"],
    ];
    for case in cases {
        let argv: Vec<Vec<u8>> = case.iter().map(|a| a.as_bytes().to_vec()).collect();
        let ctx = case.join(" ");
        both(&mut e, &mut r, &argv, &mut problems, &ctx);
        both(&mut e, &mut r, &[b"GET".to_vec(), case[1].as_bytes().to_vec()], &mut problems, &ctx);
        both(&mut e, &mut r, &[b"PFCOUNT".to_vec(), case[1].as_bytes().to_vec()], &mut problems, &ctx);
    }
    let counts: &[&[&str]] = &[
        &["s1", "s2"],
        &["s3", "d1"],
        &["d1", "d2", "s1", "s2", "s3"],
        &["nokey", "s3"],
        &["m1", "m2", "m3", "m4", "m5"],
    ];
    for keys in counts {
        let mut argv = vec![b"PFCOUNT".to_vec()];
        argv.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
        both(&mut e, &mut r, &argv, &mut problems, &keys.join(" "));
    }
    report(&problems, "PFMERGE / PFCOUNT");
}

#[test]
fn redis_written_hlls_behave_the_same_in_ember() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let mut problems = Vec::new();
    let mut e = fresh(&ember, false, &[]);
    let mut r = fresh(&redis, false, &[]);
    let mut rng = Rng(0x05e7_0004);
    for (key, n) in [("small", 3usize), ("sparse", 300), ("dense", 10000)] {
        let elements: Vec<Vec<u8>> = (0..n).map(|_| element(&mut rng)).collect();
        for chunk in elements.chunks(1000) {
            r.cmd(&pfadd_cmd(key, chunk));
        }
        // Copy Redis's bytes (stale cache included) into ember.
        let bytes = bytes_of(&r.cmd(&[b"GET".to_vec(), key.as_bytes().to_vec()]));
        assert_eq!(e.cmd(&[b"SET".to_vec(), key.as_bytes().to_vec(), bytes.clone()]), common::ok());
        assert_eq!(r.cmd(&[b"SET".to_vec(), key.as_bytes().to_vec(), bytes]), common::ok());
        let get = vec![b"GET".to_vec(), key.as_bytes().to_vec()];
        both(&mut e, &mut r, &[b"PFCOUNT".to_vec(), key.as_bytes().to_vec()], &mut problems, key);
        both(&mut e, &mut r, &get, &mut problems, key);
        let more: Vec<Vec<u8>> = (0..n.max(50)).map(|_| element(&mut rng)).collect();
        for chunk in more.chunks(1000) {
            both(&mut e, &mut r, &pfadd_cmd(key, chunk), &mut problems, key);
        }
        both(&mut e, &mut r, &get, &mut problems, key);
        both(&mut e, &mut r, &[b"PFCOUNT".to_vec(), key.as_bytes().to_vec()], &mut problems, key);
        both(&mut e, &mut r, &[b"OBJECT".to_vec(), b"ENCODING".to_vec(), key.as_bytes().to_vec()], &mut problems, key);
    }
    both(
        &mut e,
        &mut r,
        &[b"PFCOUNT".to_vec(), b"small".to_vec(), b"sparse".to_vec(), b"dense".to_vec()],
        &mut problems,
        "all",
    );
    report(&problems, "Redis-written HLLs");
}

#[test]
fn accuracy_within_redis_error_bounds() {
    let n: u64 = std::env::var("EMBER_HLL_ELEMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let ember = Server::ember(&[]);
    let redis = Server::redis(&[]);
    let mut e = fresh(&ember, false, &[]);
    let mut r = redis.as_ref().map(|s| fresh(s, false, &[]));
    let mut checkpoints = vec![];
    let mut next_check = 1000;
    let mut i = 0u64;
    while i < n {
        let batch: Vec<Vec<u8>> = (i..(i + 1000).min(n)).map(|j| format!("element:{j}").into_bytes()).collect();
        i += batch.len() as u64;
        let argv = pfadd_cmd("acc", &batch);
        e.cmd(&argv);
        if let Some(r) = r.as_mut() {
            r.cmd(&argv);
        }
        if i >= next_check || i == n {
            next_check *= 4;
            let got = match e.run("PFCOUNT acc") {
                Frame::Integer(c) => c,
                other => panic!("PFCOUNT: {}", show(&other)),
            };
            if let Some(r) = r.as_mut() {
                assert_eq!(r.run("PFCOUNT acc"), Frame::Integer(got), "PFCOUNT after {i} elements");
            }
            checkpoints.push((i, got));
        }
    }
    for (true_n, est) in checkpoints {
        let err = (est as f64 - true_n as f64).abs() / true_n as f64;
        eprintln!("{true_n} elements: PFCOUNT {est} ({:.3}% off)", err * 100.0);
        // 0.81% standard error; allow three standard errors.
        assert!(err < 3.0 * 0.0081, "{true_n} elements estimated as {est} ({:.3}% off)", err * 100.0);
    }
}
