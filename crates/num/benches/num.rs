//! Criterion benchmarks of the hot number paths: integer parsing (request
//! lengths, INCR arguments) and formatting (integer replies), score parsing
//! and `%.17g`. Run with `cargo bench -p ember-num --bench num`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};

const INTS: [&[u8]; 6] = [b"3", b"42", b"1000", b"-17", b"1700000000123", b"-9223372036854775808"];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("num");
    g.bench_function("parse_i64_x6", |b| {
        b.iter(|| INTS.iter().map(|s| ember_num::parse_i64(black_box(s)).unwrap_or(0)).fold(0i64, i64::wrapping_add))
    });
    g.bench_function("format_i64_x6", |b| {
        let values = [3i64, 42, 1000, -17, 1_700_000_000_123, i64::MIN];
        b.iter(|| {
            let mut buf = [0u8; ember_num::INT_BUF_LEN];
            values.iter().map(|&v| ember_num::format_i64(black_box(v), &mut buf).len()).sum::<usize>()
        })
    });
    g.bench_function("parse_f64_x4", |b| {
        let scores: [&[u8]; 4] = [b"1", b"1.5", b"-3.25e10", b"0.1"];
        b.iter(|| scores.iter().map(|s| ember_num::parse_f64(black_box(s)).unwrap_or(0.0)).sum::<f64>())
    });
    g.bench_function("format_g17_x4", |b| {
        let values = [1.0, 1.5, -3.25e10, 0.1];
        b.iter(|| {
            let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
            values.iter().map(|&v| ember_num::format_g17(black_box(v), &mut buf).len()).sum::<usize>()
        })
    });
    g.bench_function("incrbyfloat", |b| {
        b.iter(|| {
            let cur = ember_num::LongDouble::parse(black_box(b"10.5")).unwrap();
            let by = ember_num::LongDouble::parse(black_box(b"0.1")).unwrap();
            cur.add(&by).to_human()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
