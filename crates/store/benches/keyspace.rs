//! Keyspace micro-benchmarks: lookups, inserts, SCAN and active expiry.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ember_store::{Db, Value};
use std::hint::black_box;

const N: u32 = 1_000_000;

fn key(i: u32) -> Vec<u8> {
    format!("key:{i:08}").into_bytes()
}

fn filled(n: u32, ttl: Option<u64>) -> Db {
    let mut db = Db::with_seed(1);
    for i in 0..n {
        db.insert(&key(i), Value::string(b"0123456789abcdef"), ttl, 0);
    }
    db
}

fn lookups(c: &mut Criterion) {
    let mut db = filled(N, None);
    let keys: Vec<Vec<u8>> = (0..4096).map(|i| key(i * 241 % N)).collect();
    let misses: Vec<Vec<u8>> = (0..4096).map(|i| format!("nope:{i}").into_bytes()).collect();
    let mut i = 0;
    c.bench_function("get hit (1M keys)", |b| {
        b.iter(|| {
            i = (i + 1) & 4095;
            black_box(db.get(&keys[i], 0).is_some())
        })
    });
    c.bench_function("peek miss (1M keys)", |b| {
        b.iter(|| {
            i = (i + 1) & 4095;
            black_box(db.peek(&misses[i], 0).is_some())
        })
    });
}

fn inserts(c: &mut Criterion) {
    c.bench_function("insert 100k fresh keys", |b| {
        b.iter_batched(
            || Db::with_seed(2),
            |mut db| {
                for i in 0..100_000 {
                    db.insert(&key(i), Value::string(b"v"), None, 0);
                }
                db
            },
            BatchSize::PerIteration,
        )
    });
}

fn scan(c: &mut Criterion) {
    let db = filled(100_000, None);
    c.bench_function("scan 100k keys, count 100", |b| {
        b.iter(|| {
            let mut cursor = 0;
            let mut n = 0;
            loop {
                cursor = db.scan(cursor, 100, 0, |_, _| n += 1);
                if cursor == 0 {
                    break;
                }
            }
            black_box(n)
        })
    });
}

fn active_expire(c: &mut Criterion) {
    let mut group = c.benchmark_group("active expire");
    group.sample_size(10);
    // One call with a budget of 1000 keys, on a database of 1M keys that are
    // all due.
    let mut db = filled(N, Some(1_000));
    group.bench_function("1000 of 1M due keys per call", |b| {
        b.iter(|| {
            if db.len() < 1000 {
                db = filled(N, Some(1_000));
            }
            black_box(db.active_expire(2_000, 1000))
        })
    });
    group.finish();
}

criterion_group!(benches, lookups, inserts, scan, active_expire);
criterion_main!(benches);
