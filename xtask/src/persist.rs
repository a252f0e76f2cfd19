//! `cargo xtask persist`: SAVE time, dump size, load time and PING latency
//! during BGSAVE, ember vs redis-server, on the same dataset.
//!
//! Both servers are loaded with the same keys once; then every measurement
//! is repeated `rounds` times, alternating which server goes first, and the
//! report gives the median of the rounds (the per-round figures go to
//! stderr). Only one server works at a time: the other sits idle. Besides
//! wall time, SAVE and load report the CPU time of the server's main thread
//! (/proc/PID/schedstat), which other work on a busy machine disturbs less.

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

/// What one server measured, one value per round.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    /// SAVE duration, seconds.
    pub save_secs: Vec<f64>,
    /// CPU time of the server's main thread during SAVE, seconds.
    pub save_cpu_secs: Vec<f64>,
    /// Dump size, bytes.
    pub dump_bytes: u64,
    /// Start-up load duration (spawn to first PONG), seconds.
    pub load_secs: Vec<f64>,
    /// CPU time of the server's main thread from spawn to the first PONG,
    /// seconds.
    pub load_cpu_secs: Vec<f64>,
    /// PING p50 during BGSAVE, ms.
    pub ping_p50_ms: Vec<f64>,
    /// PING p99 during BGSAVE, ms.
    pub ping_p99_ms: Vec<f64>,
    /// Slowest PING during BGSAVE, ms (the fork shows here).
    pub ping_max_ms: Vec<f64>,
    /// PING p99 in the second before BGSAVE, ms.
    pub idle_p99_ms: Vec<f64>,
    /// The fork itself (INFO `latest_fork_usec`), ms.
    pub fork_ms: Vec<f64>,
    /// BGSAVE duration as the client saw it (start to
    /// `rdb_bgsave_in_progress:0`), seconds.
    pub bgsave_secs: Vec<f64>,
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One server under test: its binary, port and directory.
struct Server {
    name: &'static str,
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    proc: Option<Proc>,
    figures: Figures,
}

impl Server {
    fn new(name: &'static str, binary: PathBuf, port: u16) -> Result<Server> {
        let dir = std::env::temp_dir().join(format!("ember-persist-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Server { name, binary, port, dir, proc: None, figures: Figures::default() })
    }

    /// Starts the server (loading `dir/dump.rdb` if present) and returns the
    /// time from spawn to the first PONG.
    fn start(&mut self) -> Result<Duration> {
        let t = Instant::now();
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--dir", self.dir.to_str().context("dir")?])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.proc = Some(Proc(child));
        wait_ready(self.port, t)
    }

    fn stop(&mut self) {
        if let Ok(mut c) = connect(self.port) {
            let _ = command(&mut c, &[b"SHUTDOWN", b"NOSAVE"]);
        }
        if let Some(mut p) = self.proc.take() {
            let _ = p.0.wait();
        }
    }

    /// CPU time of the server's main thread so far, seconds.
    fn cpu_secs(&self) -> Result<f64> {
        let pid = self.proc.as_ref().context("server not running")?.0.id();
        cpu_secs(pid)
    }

    fn save(&mut self) -> Result<()> {
        let mut c = connect(self.port)?;
        let cpu = self.cpu_secs()?;
        let t = Instant::now();
        let r = command(&mut c, &[b"SAVE"])?;
        if r != "+OK" {
            bail!("{}: SAVE replied {r}", self.name);
        }
        self.figures.save_secs.push(t.elapsed().as_secs_f64());
        self.figures.save_cpu_secs.push(self.cpu_secs()? - cpu);
        self.figures.dump_bytes = std::fs::metadata(self.dir.join("dump.rdb"))?.len();
        Ok(())
    }

    /// PING latency while a BGSAVE runs, and for one second before it (the
    /// machine's noise floor).
    fn bgsave(&mut self) -> Result<()> {
        let port = self.port;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let pinger = std::thread::spawn(move || -> Result<Vec<(Instant, Duration)>> {
            let mut c = connect(port)?;
            let mut samples = Vec::new();
            while !stop2.load(Ordering::Relaxed) {
                let t = Instant::now();
                command(&mut c, &[b"PING"])?;
                samples.push((t, t.elapsed()));
                std::thread::sleep(Duration::from_micros(500));
            }
            Ok(samples)
        });
        let idle_from = Instant::now();
        std::thread::sleep(Duration::from_secs(1));
        let mut c = connect(port)?;
        let t = Instant::now();
        let r = command(&mut c, &[b"BGSAVE"])?;
        if !r.contains("Background saving started") {
            bail!("{}: BGSAVE replied {r}", self.name);
        }
        loop {
            std::thread::sleep(Duration::from_millis(20));
            let info = command(&mut c, &[b"INFO", b"persistence"])?;
            if info.contains("rdb_bgsave_in_progress:0") {
                if !info.contains("rdb_last_bgsave_status:ok") {
                    bail!("{}: BGSAVE failed", self.name);
                }
                break;
            }
        }
        let done = Instant::now();
        let fork_us = info_field(&command(&mut c, &[b"INFO", b"stats"])?, "latest_fork_usec").unwrap_or(0.0);
        stop.store(true, Ordering::Relaxed);
        let samples = pinger.join().map_err(|_| anyhow::anyhow!("pinger panicked"))??;
        let window = |from: Instant, to: Instant| {
            let mut v: Vec<Duration> = samples.iter().filter(|(at, _)| *at >= from && *at < to).map(|s| s.1).collect();
            v.sort();
            v
        };
        let (idle, during) = (window(idle_from, t), window(t, done));
        let f = &mut self.figures;
        f.ping_p50_ms.push(percentile(&during, 0.5));
        f.ping_p99_ms.push(percentile(&during, 0.99));
        f.ping_max_ms.push(percentile(&during, 1.0));
        f.idle_p99_ms.push(percentile(&idle, 0.99));
        f.fork_ms.push(fork_us / 1000.0);
        f.bgsave_secs.push((done - t).as_secs_f64());
        Ok(())
    }

    /// Restarts the server on its dump and checks it holds `keys` keys.
    fn reload(&mut self, keys: usize) -> Result<()> {
        self.stop();
        let took = self.start()?;
        self.figures.load_secs.push(took.as_secs_f64());
        self.figures.load_cpu_secs.push(self.cpu_secs()?);
        let mut c = connect(self.port)?;
        let n: usize = command(&mut c, &[b"DBSIZE"])?.trim_start_matches(':').parse()?;
        if n != keys {
            bail!("{} loaded {n} keys, expected {keys}", self.name);
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.proc.take();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// CPU time of a process's main thread (the one that saves and loads in
/// both servers), from /proc/PID/schedstat (nanoseconds on the CPU).
fn cpu_secs(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/schedstat"))?;
    let ns: f64 = stat.split_whitespace().next().context("empty schedstat")?.parse()?;
    Ok(ns / 1e9)
}

fn info_field(info: &str, name: &str) -> Option<f64> {
    info.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':')?.trim().parse().ok())
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
        std::thread::sleep(Duration::from_millis(2));
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

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn list(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" ")
}

/// Runs `step` on both servers `rounds` times, alternating which goes first.
fn alternate(servers: &mut [Server; 2], rounds: usize, mut step: impl FnMut(&mut Server) -> Result<()>) -> Result<()> {
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            step(&mut servers[i])?;
        }
    }
    Ok(())
}

/// Runs the whole scenario against ember and redis-server from PATH and
/// returns the comparison table's rows for one dataset (medians of `rounds`).
pub fn report(ember: &Path, keys: usize, dataset: Dataset, rounds: usize) -> Result<String> {
    let rounds = rounds.max(1);
    let mut servers =
        [Server::new("ember", ember.to_path_buf(), 7395)?, Server::new("redis", PathBuf::from("redis-server"), 7396)?];
    for s in &mut servers {
        s.start()?;
    }
    eprintln!("loading {keys} keys into both servers");
    std::thread::scope(|scope| -> Result<()> {
        let jobs: Vec<_> =
            servers.iter().map(|s| s.port).map(|p| scope.spawn(move || load(p, keys, dataset))).collect();
        jobs.into_iter().try_for_each(|j| j.join().map_err(|_| anyhow::anyhow!("loader panicked"))?)
    })?;
    eprintln!("SAVE x{rounds}");
    alternate(&mut servers, rounds, Server::save)?;
    eprintln!("BGSAVE + PING x{rounds}");
    alternate(&mut servers, rounds, Server::bgsave)?;
    eprintln!("load x{rounds}");
    for s in &mut servers {
        s.stop();
    }
    alternate(&mut servers, rounds, |s| {
        let r = s.reload(keys);
        s.stop();
        r
    })?;
    // Interchangeability: Redis's checker accepts ember's dump.
    let check = Command::new("redis-check-rdb").arg(servers[0].dir.join("dump.rdb")).output();
    match check {
        Ok(out) if out.status.success() => eprintln!("redis-check-rdb accepts ember's dump"),
        Ok(out) => bail!("redis-check-rdb refused ember's dump:\n{}", String::from_utf8_lossy(&out.stdout)),
        Err(e) => eprintln!("redis-check-rdb not run: {e}"),
    }
    for s in &servers {
        let f = &s.figures;
        eprintln!(
            "{}: SAVE s [{}] cpu [{}] load s [{}] cpu [{}] PING p50 [{}] p99 [{}] max [{}] idle p99 [{}] ms, fork ms [{}], BGSAVE s [{}]",
            s.name,
            list(&f.save_secs),
            list(&f.save_cpu_secs),
            list(&f.load_secs),
            list(&f.load_cpu_secs),
            list(&f.ping_p50_ms),
            list(&f.ping_p99_ms),
            list(&f.ping_max_ms),
            list(&f.idle_p99_ms),
            list(&f.fork_ms),
            list(&f.bgsave_secs),
        );
    }
    let (e, r) = (&servers[0].figures, &servers[1].figures);
    let name = match dataset {
        Dataset::SmallStrings => format!("{keys} small strings"),
        Dataset::Mixed => format!("{keys} keys, mixed types"),
    };
    let row = |figure: &str, e: f64, r: f64| format!("| | {figure} | {e:.2} | {r:.2} | {:.2} |\n", e / r);
    let mut out = format!(
        "| {name} | dump MB | {:.1} | {:.1} | {:.3} |\n",
        e.dump_bytes as f64 / 1e6,
        r.dump_bytes as f64 / 1e6,
        e.dump_bytes as f64 / r.dump_bytes as f64
    );
    out += &row("SAVE s", median(&e.save_secs), median(&r.save_secs));
    out += &row("SAVE CPU s", median(&e.save_cpu_secs), median(&r.save_cpu_secs));
    out += &row("load s", median(&e.load_secs), median(&r.load_secs));
    out += &row("load CPU s", median(&e.load_cpu_secs), median(&r.load_cpu_secs));
    out += &row("BGSAVE s", median(&e.bgsave_secs), median(&r.bgsave_secs));
    out += &row("fork ms", median(&e.fork_ms), median(&r.fork_ms));
    out += &format!(
        "| | PING p50 / p99 / max ms during BGSAVE | {:.3} / {:.3} / {:.1} | {:.3} / {:.3} / {:.1} | |\n",
        median(&e.ping_p50_ms),
        median(&e.ping_p99_ms),
        median(&e.ping_max_ms),
        median(&r.ping_p50_ms),
        median(&r.ping_p99_ms),
        median(&r.ping_max_ms),
    );
    out += &format!(
        "| | PING p99 ms, the second before BGSAVE | {:.3} | {:.3} | |\n",
        median(&e.idle_p99_ms),
        median(&r.idle_p99_ms),
    );
    Ok(out)
}
