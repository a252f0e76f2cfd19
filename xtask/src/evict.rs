//! `cargo xtask evict`: ember as a cache, side by side with redis-server.
//!
//! Each server starts with `maxmemory` and `allkeys-lru`; redis-benchmark
//! writes far more 100-byte values than fit (`-t set -r 10000000 -d 100 -P
//! 16`), then reads random keys of the same keyspace (`-t get`). Reported:
//! server CPU per SET, keys evicted and kept, used memory and RSS after the
//! writes, and the GET hit rate (how much of the keyspace the limit holds).

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use crate::bench::{cpu_seconds, parse_result, start};
use crate::client::{command, connect};

/// The figures of one server.
struct Row {
    name: String,
    set_cpu_us: f64,
    set_rps: f64,
    evicted: u64,
    kept: u64,
    used: u64,
    rss: u64,
    hit_rate: f64,
    get_cpu_us: f64,
}

fn info(port: u16, field: &str) -> Result<u64> {
    let mut c = connect(port)?;
    let text = command(&mut c, &[b"INFO", b"all"])?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .with_context(|| format!("no {field} in INFO"))?
        .trim()
        .parse()
        .with_context(|| format!("parsing {field}"))
}

fn benchmark(port: u16, pid: u32, args: &[&str], requests: u64) -> Result<(f64, f64)> {
    let c0 = cpu_seconds(pid)?;
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-q"])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .context("running redis-benchmark (apt-get install -y redis-tools)")?;
    let c1 = cpu_seconds(pid)?;
    let (rps, _) = parse_result(args.join(" ").as_str(), &out.stdout)?;
    Ok(((c1 - c0) * 1e6 / requests as f64, rps))
}

fn run_one(name: &str, binary: &Path, maxmemory_mb: u64, requests: u64) -> Result<Row> {
    let limit = format!("{maxmemory_mb}mb");
    let server = start(binary, &["--maxmemory", &limit, "--maxmemory-policy", "allkeys-lru"])?;
    let (port, pid) = (server.port, server.child.id());
    let n = requests.to_string();
    let set = ["-t", "set", "-r", "10000000", "-n", &n, "-d", "100", "-P", "16"];
    let (set_cpu_us, set_rps) = benchmark(port, pid, &set, requests)?;
    let evicted = info(port, "evicted_keys")?;
    let used = info(port, "used_memory")?;
    let rss = info(port, "used_memory_rss")?;
    let kept = {
        let mut c = connect(port)?;
        command(&mut c, &[b"DBSIZE"])?.trim_start_matches(':').parse().context("DBSIZE")?
    };
    let (h0, m0) = (info(port, "keyspace_hits")?, info(port, "keyspace_misses")?);
    let get = ["-t", "get", "-r", "10000000", "-n", &n, "-P", "16"];
    let (get_cpu_us, _) = benchmark(port, pid, &get, requests)?;
    let (h1, m1) = (info(port, "keyspace_hits")?, info(port, "keyspace_misses")?);
    let hit_rate = (h1 - h0) as f64 / ((h1 - h0) + (m1 - m0)).max(1) as f64;
    Ok(Row { name: name.into(), set_cpu_us, set_rps, evicted, kept, used, rss, hit_rate, get_cpu_us })
}

/// Runs the scenario on ember (`ember`, a release binary) and redis-server
/// from PATH, and prints a Markdown table.
pub fn run(ember: &Path, maxmemory_mb: u64, requests: u64) -> Result<()> {
    let rows = [
        run_one("ember", ember, maxmemory_mb, requests)?,
        run_one("redis", Path::new("redis-server"), maxmemory_mb, requests)?,
    ];
    println!(
        "| server | SET CPU µs/req | SET req/s | evicted_keys | keys kept | used_memory MB | RSS MB | GET hit rate | GET CPU µs/req |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.3} | {:.0} | {} | {} | {:.1} | {:.1} | {:.2} % | {:.3} |",
            r.name,
            r.set_cpu_us,
            r.set_rps,
            r.evicted,
            r.kept,
            r.used as f64 / (1 << 20) as f64,
            r.rss as f64 / (1 << 20) as f64,
            r.hit_rate * 100.0,
            r.get_cpu_us
        );
    }
    Ok(())
}
