//! `cargo xtask persist`: SAVE time, dump size, load time and PING latency
//! during BGSAVE, ember vs redis-server, on the same dataset.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::client::{command, connect, encode, read_reply};

/// The dataset to load.
#[derive(Clone, Copy, Debug)]
pub enum Dataset {
    /// `key:NNNNNNNN` -> 16-byte value.
    SmallStrings,
    /// A mix: strings, lists, hashes, sets and sorted sets of a few elements
    /// (one fifth of the keys each).
    Mixed,
}

/// What one server measured.
#[derive(Debug, Default, Clone, Copy)]
pub struct Figures {
    /// SAVE duration, seconds.
    pub save_secs: f64,
    /// Dump size, bytes.
    pub dump_bytes: u64,
    /// Start-up load duration, seconds.
    pub load_secs: f64,
    /// PING p50 during BGSAVE, ms.
    pub ping_p50_ms: f64,
    /// PING p99 during BGSAVE, ms.
    pub ping_p99_ms: f64,
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(binary: &Path, port: u16, dir: &Path) -> Result<Proc> {
    let child = Command::new(binary)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--dir", dir.to_str().context("dir")?])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    Ok(Proc(child))
}

/// Waits until PING answers PONG (not -LOADING) and returns how long it took.
fn wait_ready(port: u16, since: Instant) -> Result<Duration> {
    loop {
        if let Ok(mut c) = connect(port) {
            if let Ok(r) = command(&mut c, &[b"PING"]) {
                if r == "+PONG" {
                    return Ok(since.elapsed());
                }
            }
        }
        if since.elapsed() > Duration::from_secs(600) {
            bail!("server on port {port} not ready after 600 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn load(port: u16, keys: usize, dataset: Dataset) -> Result<()> {
    let mut conn = connect(port)?;
    let batch = 1000;
    let value = [b'v'; 16];
    let mut sent = 0;
    while sent < keys {
        let n = batch.min(keys - sent);
        let mut req = Vec::with_capacity(n * 96);
        for i in sent..sent + n {
            let key = format!("key:{i:08}");
            let k = key.as_bytes();
            match (dataset, i % 5) {
                (Dataset::SmallStrings, _) | (Dataset::Mixed, 0) => encode(&mut req, &[b"SET", k, &value]),
                (Dataset::Mixed, 1) => encode(&mut req, &[b"RPUSH", k, b"a", b"bb", b"ccc", b"1234"]),
                (Dataset::Mixed, 2) => encode(&mut req, &[b"HSET", k, b"f1", b"v1", b"f2", b"v2", b"f3", b"33"]),
                (Dataset::Mixed, 3) => encode(&mut req, &[b"SADD", k, b"m1", b"m2", b"m3", b"m4"]),
                _ => encode(&mut req, &[b"ZADD", k, b"1", b"a", b"2.5", b"b", b"3", b"c"]),
            }
        }
        conn.get_mut().write_all(&req)?;
        for _ in 0..n {
            let r = read_reply(&mut conn)?;
            if r.starts_with('-') {
                bail!("load refused: {r}");
            }
        }
        sent += n;
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// Runs the whole scenario against one server binary.
pub fn measure(binary: &Path, port: u16, keys: usize, dataset: Dataset) -> Result<Figures> {
    let dir = std::env::temp_dir().join(format!("ember-persist-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut f = Figures::default();
    {
        let _p = start(binary, port, &dir)?;
        wait_ready(port, Instant::now())?;
        load(port, keys, dataset)?;
        let mut c = connect(port)?;
        let t = Instant::now();
        let r = command(&mut c, &[b"SAVE"])?;
        if r != "+OK" {
            bail!("SAVE replied {r}");
        }
        f.save_secs = t.elapsed().as_secs_f64();
        f.dump_bytes = std::fs::metadata(dir.join("dump.rdb"))?.len();

        // PING latency while a BGSAVE runs.
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let pinger = std::thread::spawn(move || -> Result<Vec<Duration>> {
            let mut c = connect(port)?;
            let mut samples = Vec::new();
            while !stop2.load(Ordering::Relaxed) {
                let t = Instant::now();
                command(&mut c, &[b"PING"])?;
                samples.push(t.elapsed());
                std::thread::sleep(Duration::from_micros(500));
            }
            Ok(samples)
        });
        std::thread::sleep(Duration::from_millis(50));
        let r = command(&mut c, &[b"BGSAVE"])?;
        if !r.contains("Background saving started") {
            bail!("BGSAVE replied {r}");
        }
        loop {
            std::thread::sleep(Duration::from_millis(20));
            let info = command(&mut c, &[b"INFO", b"persistence"])?;
            if info.contains("rdb_bgsave_in_progress:0") {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        let mut samples = pinger.join().map_err(|_| anyhow::anyhow!("pinger panicked"))??;
        samples.sort();
        f.ping_p50_ms = percentile(&samples, 0.5);
        f.ping_p99_ms = percentile(&samples, 0.99);
        let _ = command(&mut c, &[b"SHUTDOWN", b"NOSAVE"]);
    }
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    let _p = start(binary, port, &dir)?;
    f.load_secs = wait_ready(port, t)?.as_secs_f64();
    let mut c = connect(port)?;
    let n: usize = command(&mut c, &[b"DBSIZE"])?.trim_start_matches(':').parse()?;
    if n != keys {
        bail!("{} loaded {n} keys, expected {keys}", binary.display());
    }
    drop(_p);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(f)
}

/// Prints the comparison table for one dataset.
pub fn report(ember: &Path, keys: usize, dataset: Dataset) -> Result<String> {
    let redis = PathBuf::from("redis-server");
    let e = measure(ember, 7395, keys, dataset)?;
    let r = measure(&redis, 7396, keys, dataset)?;
    let name = match dataset {
        Dataset::SmallStrings => format!("{keys} small strings"),
        Dataset::Mixed => format!("{keys} keys, mixed types"),
    };
    Ok(format!(
        "| {name} | SAVE s | {:.2} | {:.2} | {:.2} |\n| | dump MB | {:.1} | {:.1} | {:.3} |\n| | load s | {:.2} | {:.2} | {:.2} |\n| | PING p50 / p99 ms during BGSAVE | {:.3} / {:.3} | {:.3} / {:.3} | |\n",
        e.save_secs,
        r.save_secs,
        e.save_secs / r.save_secs,
        e.dump_bytes as f64 / 1e6,
        r.dump_bytes as f64 / 1e6,
        e.dump_bytes as f64 / r.dump_bytes as f64,
        e.load_secs,
        r.load_secs,
        e.load_secs / r.load_secs,
        e.ping_p50_ms,
        e.ping_p99_ms,
        r.ping_p50_ms,
        r.ping_p99_ms,
    ))
}
