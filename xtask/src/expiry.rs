//! `cargo xtask expiry`: the active-expiry scenario. Loads N keys that all
//! expire at the same instant, then measures how long after that deadline
//! the last one is reclaimed, and PING latency while it happens.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::client::{command, connect, read_reply, unix_ms};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the scenario against a server binary (`ember-server` or `redis-server`).
pub fn run(binary: &str, port: u16, keys: usize) -> Result<()> {
    let child = Command::new(binary)
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        // An empty working directory: no dump.rdb is loaded at start-up.
        .args(["--dir", std::env::temp_dir().to_str().unwrap_or("/tmp")])
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {binary}"))?;
    let _server = Server(child);
    let started = Instant::now();
    let mut conn = loop {
        match connect(port) {
            Ok(c) => break c,
            Err(_) if started.elapsed() < Duration::from_secs(10) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => bail!("{binary} did not start: {e}"),
        }
    };
    // Load: every key gets the same absolute deadline, a little after loading ends.
    let deadline = unix_ms() + 2000 + keys as u64 / 500;
    let deadline_arg = deadline.to_string();
    let batch = 1000;
    let mut sent = 0;
    while sent < keys {
        let mut req = Vec::with_capacity(batch * 64);
        let n = batch.min(keys - sent);
        for i in sent..sent + n {
            let key = format!("key:{i:08}");
            let parts: [&[u8]; 5] = [b"SET", key.as_bytes(), b"v", b"PXAT", deadline_arg.as_bytes()];
            req.extend_from_slice(b"*5\r\n");
            for p in parts {
                req.extend_from_slice(format!("${}\r\n", p.len()).as_bytes());
                req.extend_from_slice(p);
                req.extend_from_slice(b"\r\n");
            }
        }
        conn.get_mut().write_all(&req)?;
        for _ in 0..n {
            read_reply(&mut conn)?;
        }
        sent += n;
    }
    let loaded = command(&mut conn, &[b"DBSIZE"])?;
    println!("{binary}: loaded {loaded} keys, deadline in {} ms", deadline.saturating_sub(unix_ms()));

    // PING latency from another connection while keys expire.
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let pinger = std::thread::spawn(move || -> Result<Vec<Duration>> {
        let mut c = connect(port)?;
        let mut samples = Vec::new();
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        while !stop2.load(Ordering::Relaxed) {
            let t = Instant::now();
            command(&mut c, &[b"PING"])?;
            if unix_ms() >= deadline {
                samples.push(t.elapsed());
            }
            // A jittered gap (50-450 us), so the probes sample every phase
            // of the server's expiry slices instead of locking onto one.
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            std::thread::sleep(Duration::from_micros(50 + (rng >> 33) % 400));
        }
        Ok(samples)
    });
    // Poll the key count (DBSIZE counts keys not yet reclaimed, as in Redis).
    let gone_at = loop {
        std::thread::sleep(Duration::from_millis(20));
        let now = unix_ms();
        let left: u64 = command(&mut conn, &[b"DBSIZE"])?.trim_start_matches(':').parse()?;
        if left == 0 && now >= deadline {
            break now;
        }
        if now > deadline + 30_000 {
            bail!("{left} keys still present 30 s after their deadline");
        }
    };
    stop.store(true, Ordering::Relaxed);
    let mut samples = pinger.join().map_err(|_| anyhow::anyhow!("pinger panicked"))??;
    samples.sort();
    println!(
        "{binary}: all {keys} keys reclaimed {} ms after their deadline; PING while expiring: n={} p50={:?} p99={:?} max={:?}",
        gone_at - deadline,
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.last().copied().unwrap_or_default()
    );
    Ok(())
}
