//! `fuzz_check` over random and mutated inputs, under a counting allocator
//! that bounds the peak memory each input may cost.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ember_rdb::{fuzz_check, Writer};
use proptest::prelude::*;

/// Counts the bytes live and the peak, per thread (tests run in parallel).
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(n: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + n;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrink(n: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(n)));
}

// SAFETY: every method forwards to the system allocator with the caller's
// arguments; the bookkeeping touches only const-initialized thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            shrink(layout.size());
            grow(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `fuzz_check` and returns the peak extra memory it used.
fn peak_of(data: &[u8]) -> usize {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    fuzz_check(data);
    PEAK.with(Cell::get) - base
}

/// What an input of `len` bytes may cost: a constant (64 KiB read chunks,
/// LZF hash tables, re-encoding buffers) plus a multiple of the input for
/// decoded data (LZF expands at most 88x; each element costs a Vec).
fn budget(len: usize) -> usize {
    (4 << 20) + 4096 * len
}

fn check(data: &[u8]) {
    let peak = peak_of(data);
    assert!(peak <= budget(data.len()), "{} bytes of input cost {peak} bytes", data.len());
}

#[test]
fn the_counter_counts() {
    let mut w = Writer::new(Vec::new(), ember_rdb::WriteOptions { compress: false, ..Default::default() }).unwrap();
    w.write_key(b"k", &ember_rdb::RdbValue::String(vec![7; 200_000]), None).unwrap();
    let file = w.finish().unwrap();
    assert!(peak_of(&file) >= 200_000);
}

#[test]
fn hostile_lengths_do_not_allocate() {
    // A string claiming 2^64-1 bytes, a 4 GiB string, a list of 2^32 elements,
    // an LZF string claiming 4 GiB uncompressed, a huge intset count.
    let cases: &[&[u8]] = &[
        b"REDIS0010\x00\x01k\x81\xff\xff\xff\xff\xff\xff\xff\xff",
        b"REDIS0010\x00\x01k\x80\xff\xff\xff\xffabc",
        b"REDIS0010\x01\x01k\x80\xff\xff\xff\xff\x01a\x01b",
        b"REDIS0010\x00\x01k\xc3\x05\x80\xff\xff\xff\xff\x00abcd",
        b"REDIS0010\x0b\x01k\x0c\x02\x00\x00\x00\xff\xff\xff\x7f\x01\x00",
        b"REDIS0010\x12\x01k\x80\xff\xff\xff\xff\x02\x0b\xff\xff\x00\x00\x00\x00\xff\xff",
    ];
    for case in cases {
        assert!(ember_rdb::read_all(case).is_err());
        check(case);
    }
}

fn valid_file() -> impl Strategy<Value = Vec<u8>> {
    (common::dataset(), common::options()).prop_map(|(dataset, options)| {
        let mut w = Writer::new(Vec::new(), options).unwrap();
        for (db, entries) in &dataset {
            w.select_db(*db).unwrap();
            for e in entries {
                w.write_entry(e).unwrap();
            }
        }
        w.finish().unwrap()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutate(mut data: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = data.len().max(1);
        match m {
            Mutation::Flip(i, x) => {
                if !data.is_empty() {
                    let i = i % n;
                    data[i] ^= x | 1;
                }
            }
            Mutation::Truncate(i) => data.truncate(i % n),
            Mutation::Insert(i, bytes) => {
                let i = i % n;
                let i = i.min(data.len());
                data.splice(i..i, bytes.iter().copied());
            }
            Mutation::Delete(i, len) => {
                let i = (i % n).min(data.len());
                let end = (i + len).min(data.len());
                data.drain(i..end);
            }
        }
    }
    data
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Flip(i, x)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..6)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<usize>(), 1usize..6).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&data);
    }

    #[test]
    fn random_bodies_after_a_header(version in 1u32..=11, body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut data = format!("REDIS{version:04}").into_bytes();
        data.extend_from_slice(&body);
        check(&data);
    }

    #[test]
    fn mutated_valid_files(file in valid_file(), mutations in proptest::collection::vec(mutation(), 1..4)) {
        check(&file);
        check(&mutate(file, &mutations));
    }
}
