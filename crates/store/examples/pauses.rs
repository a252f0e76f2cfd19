//! Measures the worst single-operation latency while a database is loaded
//! with 1M keys and then emptied (every grow and shrink of the keyspace table
//! happens on the way), to check that no operation pauses the server.
//!
//! `cargo run --release -p ember-store --example pauses [KEYS] [ROUNDS]`
//!
//! Every round replays the same operations on the same seed, so a real pause
//! (a resize) happens at the same operation each time, while the machine's
//! noise (preemption, page faults) does not. Besides each round's raw worst
//! case, the "reproducible worst" is the largest over operations of that
//! operation's fastest time across rounds.

use std::time::{Duration, Instant};

use ember_store::{Db, Value};

fn key(i: usize) -> Vec<u8> {
    format!("key:{i:08}").into_bytes()
}

fn summary(samples: &[Duration]) -> String {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let over = |t: Duration| sorted.iter().filter(|&&s| s > t).count();
    format!(
        "worst {:>9.1?}  p99.99 {:>8.1?}  >100us: {:>4}  >1ms: {:>3}",
        sorted[n - 1],
        sorted[(n * 9999 / 10_000).min(n - 1)],
        over(Duration::from_micros(100)),
        over(Duration::from_millis(1)),
    )
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let rounds: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let keys: Vec<Vec<u8>> = (0..n).map(key).collect();
    let mut best_ins = vec![Duration::MAX; n];
    let mut best_rem = vec![Duration::MAX; n];
    for round in 1..=rounds {
        let mut db = Db::with_seed(1);
        let mut ins = Vec::with_capacity(n);
        let start = Instant::now();
        for k in &keys {
            let t = Instant::now();
            db.insert(k, Value::string(b"0123456789abcdef"), None, 0);
            ins.push(t.elapsed());
        }
        let ins_total = start.elapsed();
        let mut rem = Vec::with_capacity(n);
        let start = Instant::now();
        for k in &keys {
            let t = Instant::now();
            let v = db.remove(k, 0);
            rem.push(t.elapsed());
            std::hint::black_box(v);
        }
        let rem_total = start.elapsed();
        assert!(db.is_empty());
        println!("round {round}: {n} inserts in {ins_total:.1?}: {}", summary(&ins));
        println!("round {round}: {n} removes in {rem_total:.1?}: {}", summary(&rem));
        for (b, d) in best_ins.iter_mut().zip(&ins) {
            *b = (*b).min(*d);
        }
        for (b, d) in best_rem.iter_mut().zip(&rem) {
            *b = (*b).min(*d);
        }
    }
    for (what, best) in [("insert", &best_ins), ("remove", &best_rem)] {
        let mut top: Vec<(Duration, usize)> = best.iter().copied().zip(0..).collect();
        top.sort_unstable_by(|a, b| b.cmp(a));
        let list: Vec<String> = top.iter().take(5).map(|(d, i)| format!("#{i} {d:.1?}")).collect();
        println!("reproducible worst {what} (min over {rounds} rounds): {}", list.join(", "));
    }
}
