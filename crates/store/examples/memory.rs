//! Measures resident memory per key for `key:NNNNNNNN` -> 16-byte string
//! values (compare with Redis's `used_memory` for the same data set).
//!
//! `cargo run --release -p ember-store --example memory [KEYS]` (Linux only).

use ember_store::{Store, Value};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("statm rss field");
    pages * 4096
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let mut store = Store::new(16);
    let before = rss_bytes();
    let db = store.db(0);
    for i in 0..n {
        let key = format!("key:{i:08}");
        db.insert(key.as_bytes(), Value::string(b"0123456789abcdef"), None, 0);
    }
    let after = rss_bytes();
    println!(
        "{n} keys: {:.1} bytes/key (RSS delta {} MiB; slot array + expiry index {:.1} bytes/key)",
        (after - before) as f64 / n as f64,
        (after - before) >> 20,
        db.overhead_bytes() as f64 / n as f64,
    );
    let mut with_ttl = Store::new(16);
    let before = rss_bytes();
    let db = with_ttl.db(0);
    for i in 0..n {
        let key = format!("key:{i:08}");
        db.insert(key.as_bytes(), Value::string(b"0123456789abcdef"), Some(1 << 50), 0);
    }
    let after = rss_bytes();
    println!("{n} keys with TTL: {:.1} bytes/key", (after - before) as f64 / n as f64);
}
