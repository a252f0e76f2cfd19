//! Criterion benchmarks of the RESP codec: the server's command fast path on a
//! 16-command pipeline, reply decoding of a 600-element array, and encoding of
//! both. Run with `cargo bench -p ember-resp --bench codec`.

use bytes::BytesMut;
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ember_resp::{encode, CommandDecoder, Frame, FrameDecoder, Limits, Protocol};

const PIPELINE: usize = 16;
const ARRAY: usize = 600;

/// `SET key:NNNNNN xxx`, sixteen times, as redis-benchmark -P 16 sends it.
fn pipeline() -> Vec<u8> {
    let mut out = BytesMut::new();
    for i in 0..PIPELINE {
        encode_set(&mut out, i);
    }
    out.to_vec()
}

fn encode_set(out: &mut BytesMut, i: usize) {
    let mut key = *b"key:000000";
    let mut n = i;
    for d in key[4..].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    encode::array_len(out, 3);
    encode::bulk(out, b"SET");
    encode::bulk(out, &key);
    encode::bulk(out, b"xxx");
}

/// A 600-element array of short bulk strings, like an LRANGE reply.
fn array_reply() -> Frame {
    Frame::Array((0..ARRAY).map(|i| Frame::bulk(format!("value:{i:06}").into_bytes())).collect())
}

fn bench_command_decoder(c: &mut Criterion) {
    let input = pipeline();
    let mut group = c.benchmark_group("command_decoder");
    group.throughput(Throughput::Elements(PIPELINE as u64));
    group.bench_function("pipeline_16_set", |b| {
        let mut decoder = CommandDecoder::new(Limits::default());
        b.iter(|| {
            let mut rest: &[u8] = black_box(&input);
            let mut total = 0;
            while let Some(cmd) = decoder.decode(rest).unwrap() {
                total += cmd.arg(2).len();
                let used = cmd.consumed();
                rest = &rest[used..];
            }
            total
        })
    });
    group.finish();
}

fn bench_frame_decoder(c: &mut Criterion) {
    let input = array_reply().to_bytes(Protocol::Resp2);
    let mut group = c.benchmark_group("frame_decoder");
    group.throughput(Throughput::Elements(ARRAY as u64));
    group.bench_function("array_600_bulk", |b| {
        let mut decoder = FrameDecoder::default();
        b.iter_batched_ref(|| input.clone(), |buf| decoder.decode(buf).unwrap().unwrap(), BatchSize::SmallInput)
    });
    group.finish();
}

fn bench_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let reply = array_reply();
    let mut out = BytesMut::with_capacity(32 * 1024);
    group.throughput(Throughput::Elements(ARRAY as u64));
    group.bench_function("array_600_bulk_frame", |b| {
        b.iter(|| {
            out.clear();
            black_box(&reply).encode(&mut out, Protocol::Resp2);
            out.len()
        })
    });
    let values: Vec<Vec<u8>> = (0..ARRAY).map(|i| format!("value:{i:06}").into_bytes()).collect();
    group.bench_function("array_600_bulk_streamed", |b| {
        b.iter(|| {
            out.clear();
            encode::array_len(&mut out, values.len());
            for v in black_box(&values) {
                encode::bulk(&mut out, v);
            }
            out.len()
        })
    });
    group.throughput(Throughput::Elements(PIPELINE as u64));
    group.bench_function("pipeline_16_set", |b| {
        b.iter(|| {
            out.clear();
            for i in 0..PIPELINE {
                encode_set(&mut out, black_box(i));
            }
            out.len()
        })
    });
    group.bench_function("replies_16_ok", |b| {
        b.iter(|| {
            out.clear();
            for _ in 0..PIPELINE {
                encode::simple(&mut out, black_box(b"OK"));
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_command_decoder, bench_frame_decoder, bench_encode);
criterion_main!(benches);
