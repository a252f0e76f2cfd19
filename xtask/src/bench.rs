//! `cargo xtask bench`: ember and redis-server side by side.
//!
//! Both servers run on this machine with equivalent settings (no
//! persistence). For each workload the harness alternates ember, Redis,
//! ember, Redis, ... and records requests/s and p50 latency (from
//! redis-benchmark) and the server's CPU time per request (on-CPU time of all
//! its threads from /proc/PID/task/*/schedstat across the run), the steadiest
//! figure on a shared machine.
//! It prints medians and ember/Redis ratios and can rewrite the generated
//! section of docs/BENCHMARKS.md.

use std::fmt::Write as _;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// One workload: a redis-benchmark invocation.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Label in the table.
    pub name: String,
    /// redis-benchmark arguments after the connection options.
    pub args: Vec<String>,
    /// Arguments of more redis-benchmark processes run at the same time as
    /// `args` (a mixed workload); the reported p50 is that of `args`.
    pub also: Vec<Vec<String>>,
    /// Requests the run makes, over all processes (for CPU per request).
    pub requests: u64,
    /// Commands that build the dataset before each run (after FLUSHALL).
    pub setup: Vec<Vec<String>>,
}

/// Medians for one workload and one server.
#[derive(Clone, Copy, Debug, Default)]
pub struct Figures {
    /// Requests per second.
    pub rps: f64,
    /// p50 latency in ms.
    pub p50_ms: f64,
    /// Server CPU microseconds per request.
    pub cpu_us: f64,
}

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

pub(crate) fn start(binary: &Path, extra: &[&str]) -> Result<Server> {
    let port = free_port()?;
    let child = Command::new(binary)
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t.elapsed() > Duration::from_secs(10) {
            bail!("{} did not start", binary.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Server { child, port })
}

/// CPU time a process has used, in seconds, at nanosecond resolution: the
/// sum of its threads' on-CPU time from `/proc/PID/task/*/schedstat`.
/// (utime + stime from `/proc/PID/stat` count 10 ms ticks, too coarse for a
/// run that uses 50 ms of server CPU.) Falls back to `stat` when schedstat is
/// unavailable.
pub(crate) fn cpu_seconds(pid: u32) -> Result<f64> {
    match schedstat_seconds(pid) {
        Ok(s) => Ok(s),
        Err(_) => stat_seconds(pid),
    }
}

fn schedstat_seconds(pid: u32) -> Result<f64> {
    let mut ns: u64 = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = task?.path().join("schedstat");
        // A thread may exit between listing and reading: skip it.
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let first = text.split_whitespace().next().context("empty schedstat")?;
        ns += first.parse::<u64>()?;
    }
    Ok(ns as f64 / 1e9)
}

/// utime + stime of a process, in seconds (10 ms resolution).
fn stat_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may contain spaces) start after ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 overall: 12 and 13 after ')'.
    let utime: f64 = fields.get(11).context("stat utime")?.parse()?;
    let stime: f64 = fields.get(12).context("stat stime")?.parse()?;
    let tck = 100.0; // USER_HZ on Linux
    Ok((utime + stime) / tck)
}

fn flushall(port: u16) {
    let _ = Command::new("redis-cli").args(["-p", &port.to_string(), "flushall"]).output();
}

fn run_once(server: &Server, w: &Workload) -> Result<Figures> {
    flushall(server.port);
    if !w.setup.is_empty() {
        let mut conn = crate::client::connect(server.port)?;
        for cmd in &w.setup {
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            let reply = crate::client::command(&mut conn, &args)?;
            if reply.starts_with('-') {
                bail!("{}: setup command failed: {reply}", w.name);
            }
        }
    }
    let pid = server.child.id();
    let benchmark = |args: &[String]| {
        Command::new("redis-benchmark")
            .args(["-p", &server.port.to_string(), "-q"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("running redis-benchmark (apt-get install -y redis-tools)")
    };
    let c0 = cpu_seconds(pid)?;
    let children = std::iter::once(&w.args).chain(&w.also).map(|a| benchmark(a)).collect::<Result<Vec<_>>>()?;
    let outputs = children.into_iter().map(Child::wait_with_output).collect::<Result<Vec<_>, _>>()?;
    let c1 = cpu_seconds(pid)?;
    let mut rps = 0.0;
    let mut p50_ms = None;
    for out in &outputs {
        let (r, p) = parse_result(&w.name, &out.stdout)?;
        // Concurrent processes making requests in proportion to their
        // clients finish together, so their rates add up.
        rps += r;
        p50_ms.get_or_insert(p);
    }
    Ok(Figures { rps, p50_ms: p50_ms.unwrap_or(0.0), cpu_us: (c1 - c0) * 1e6 / w.requests as f64 })
}

/// Requests per second and p50 (ms) from redis-benchmark's `-q` output.
pub(crate) fn parse_result(name: &str, stdout: &[u8]) -> Result<(f64, f64)> {
    let text = String::from_utf8_lossy(stdout).replace('\r', "\n");
    if text.contains("Error") || text.contains("ERR") {
        bail!("{name} reported errors: {text}");
    }
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("requests per second"))
        .with_context(|| format!("no result line for {name}: {text}"))?;
    let rps: f64 = line
        .split(": ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .context("parsing requests per second")?;
    let p50_ms: f64 =
        line.split("p50=").nth(1).and_then(|s| s.split_whitespace().next()).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    Ok((rps, p50_ms))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[(v.len() - 1) / 2]
    }
}

/// redis-benchmark's default tests (as named by its `-t` option).
const DEFAULT_TESTS: &[&str] = &[
    "ping_inline",
    "ping_mbulk",
    "set",
    "get",
    "incr",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "sadd",
    "hset",
    "spop",
    "zadd",
    "zpopmin",
    "lrange_100",
    "lrange_300",
    "lrange_500",
    "lrange_600",
    "mset",
];

/// redis-benchmark arguments for test `test` over 100,000 random keys.
fn test_args(test: &str, requests: u64, pipeline: u32, clients: u32, data: u32) -> Vec<String> {
    let (n, p, c, d) = (requests.to_string(), pipeline.to_string(), clients.to_string(), data.to_string());
    ["-t", test, "-n", &n, "-P", &p, "-c", &c, "-r", "100000", "-d", &d].iter().map(|s| s.to_string()).collect()
}

fn workload(test: &str, pipeline: u32, requests: u64, data: u32) -> Workload {
    let name = if data == 3 {
        format!("{} -P {pipeline}", test.to_uppercase())
    } else {
        format!("{} -P {pipeline} -d {data}", test.to_uppercase())
    };
    let args = test_args(test, requests, pipeline, 50, data);
    Workload { name, args, also: Vec::new(), requests, setup: Vec::new() }
}

/// 80 % GET / 20 % SET over 100,000 random keys, like a cache in front of a
/// database. redis-benchmark runs one command per process, so two run at
/// once: GETs from 40 clients and SETs from 10 (50 in all, as elsewhere),
/// every client making the same number of requests, so both finish together
/// and the mix holds for the whole run. Every key redis-benchmark can pick
/// (`key:000000000000` to `key:000000099999`) is set first, so GETs hit.
fn mixed_workload(pipeline: u32, requests: u64) -> Workload {
    let (gets, sets) = (requests / 5 * 4, requests / 5);
    let setup = (0..10)
        .map(|chunk| {
            let mut mset = vec!["MSET".to_string()];
            for i in chunk * 10_000..(chunk + 1) * 10_000 {
                mset.push(format!("key:{i:012}"));
                mset.push("xxx".to_string());
            }
            mset
        })
        .collect();
    Workload {
        name: format!("MIXED 80/20 -P {pipeline}"),
        args: test_args("get", gets, pipeline, 40, 3),
        also: vec![test_args("set", sets, pipeline, 10, 3)],
        requests: gets + sets,
        setup,
    }
}

/// `ZRANGE myzset 0 100 WITHSCORES` over a 10,000-member sorted set: a
/// leaderboard read (101 members and scores per reply).
fn zrange_workload(requests: u64) -> Workload {
    let mut zadd = vec!["ZADD".to_string(), "myzset".to_string()];
    for i in 0..10_000 {
        zadd.push(i.to_string());
        zadd.push(format!("member:{i}"));
    }
    let args = ["-n", &requests.to_string(), "-P", "16", "-c", "50", "ZRANGE", "myzset", "0", "100", "WITHSCORES"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    Workload { name: "ZRANGE 0 100 WITHSCORES -P 16".to_string(), args, also: Vec::new(), requests, setup: vec![zadd] }
}

/// The standard workloads: every default test at `-P 1` and `-P 16`
/// (3-byte values), and the value-size-sensitive ones again with 1000-byte
/// values. `quick` makes each run small; `filter` keeps names containing it.
pub fn workloads(quick: bool, filter: Option<&str>) -> Vec<Workload> {
    let scale: u64 = if quick { 10 } else { 1 };
    let mut v = Vec::new();
    for &(pipeline, base) in &[(1u32, 200_000u64), (16, 1_000_000)] {
        for t in DEFAULT_TESTS {
            // LRANGE replies are large: fewer requests keep runs comparable in time.
            let n = if t.starts_with("lrange") { base / 10 } else { base };
            v.push(workload(t, pipeline, n / scale, 3));
        }
    }
    for t in ["set", "get", "lpush", "lrange_100", "lrange_600"] {
        let n = if t.starts_with("lrange") { 20_000 } else { 250_000 };
        v.push(workload(t, 16, n / scale, 1000));
    }
    v.push(zrange_workload(200_000 / scale));
    v.push(mixed_workload(16, 1_000_000 / scale));
    if let Some(f) = filter {
        // Comma-separated alternatives: keep a workload matching any of them.
        let wanted: Vec<String> = f.split(',').map(|p| p.trim().to_ascii_lowercase()).collect();
        v.retain(|w| wanted.iter().any(|p| w.name.to_ascii_lowercase().starts_with(p.as_str())));
    }
    v
}

/// Runs every workload `rounds` times on each server, alternating.
pub fn run(ember: &Path, rounds: usize, workloads: &[Workload]) -> Result<Vec<(Workload, Figures, Figures)>> {
    let redis = Path::new("redis-server");
    let e = start(ember, &[])?;
    let r = start(redis, &[])?;
    let mut results = Vec::new();
    for w in workloads {
        let mut fe = Vec::new();
        let mut fr = Vec::new();
        for _ in 0..rounds {
            fe.push(run_once(&e, w)?);
            fr.push(run_once(&r, w)?);
        }
        let med = |f: &[Figures]| Figures {
            rps: median(f.iter().map(|x| x.rps).collect()),
            p50_ms: median(f.iter().map(|x| x.p50_ms).collect()),
            cpu_us: median(f.iter().map(|x| x.cpu_us).collect()),
        };
        let (me, mr) = (med(&fe), med(&fr));
        eprintln!(
            "{:<14} ember {:>10.0} rps {:>6.3} us/req | redis {:>10.0} rps {:>6.3} us/req | cpu ratio {:.2}",
            w.name,
            me.rps,
            me.cpu_us,
            mr.rps,
            mr.cpu_us,
            me.cpu_us / mr.cpu_us
        );
        results.push((w.clone(), me, mr));
    }
    Ok(results)
}

/// The Markdown table of results.
pub fn table(results: &[(Workload, Figures, Figures)], rounds: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| workload | ember req/s | redis req/s | ember p50 ms | redis p50 ms | ember CPU µs/req | redis CPU µs/req | CPU ratio (ember/redis) |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (w, e, r) in results {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {:.0} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} |",
            w.name,
            e.rps,
            r.rps,
            e.p50_ms,
            r.p50_ms,
            e.cpu_us,
            r.cpu_us,
            if r.cpu_us > 0.0 { e.cpu_us / r.cpu_us } else { 0.0 }
        );
    }
    let _ = writeln!(
        s,
        "\nMedians of {rounds} alternating runs per server; `-c 50 -r 100000`, 3-byte values unless `-d` says otherwise. MIXED 80/20: GETs from 40 clients and SETs from 10 at once over 100,000 existing keys (req/s summed, p50 of the GETs)."
    );
    s
}

/// Replaces the text between the bench markers in `doc`.
pub fn splice(doc: &str, section: &str) -> String {
    const START: &str = "<!-- bench:start -->";
    const END: &str = "<!-- bench:end -->";
    match (doc.find(START), doc.find(END)) {
        (Some(a), Some(b)) if a < b => format!("{}{START}\n{section}{}", &doc[..a], &doc[b..]),
        _ => format!("{doc}\n{START}\n{section}{END}\n"),
    }
}

/// An SVG bar chart of the CPU-per-request ratios (ember / Redis): one bar
/// per workload, a line at 1.0; bars left of the line mean ember used less
/// CPU per request.
pub fn svg(results: &[(Workload, Figures, Figures)]) -> String {
    let row = 26.0;
    let (left, width) = (170.0, 420.0);
    let height = 50.0 + row * results.len() as f64;
    let max =
        results.iter().map(|(_, e, r)| if r.cpu_us > 0.0 { e.cpu_us / r.cpu_us } else { 0.0 }).fold(1.5f64, f64::max);
    let x = |ratio: f64| left + width * ratio / max;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" font-family="sans-serif" font-size="12">"#,
        left + width + 60.0
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">Server CPU per request, ember / redis-server (lower is better)</text>"#
    );
    for (i, (w, e, r)) in results.iter().enumerate() {
        let ratio = if r.cpu_us > 0.0 { e.cpu_us / r.cpu_us } else { 0.0 };
        let y = 35.0 + row * i as f64;
        let color = if ratio <= 1.0 { "#2e7d32" } else { "#c62828" };
        let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#, left - 8.0, y + 15.0, w.name);
        let _ = writeln!(
            s,
            r#"<rect x="{left}" y="{y}" width="{:.1}" height="{}" fill="{color}"/>"#,
            x(ratio) - left,
            row - 6.0
        );
        let _ = writeln!(s, r#"<text x="{:.1}" y="{}">{ratio:.2}</text>"#, x(ratio) + 4.0, y + 15.0);
    }
    let _ = writeln!(
        s,
        r#"<line x1="{0:.1}" y1="28" x2="{0:.1}" y2="{1}" stroke="black" stroke-dasharray="4 3"/>"#,
        x(1.0),
        height - 10.0
    );
    let _ = writeln!(s, r#"<text x="{:.1}" y="{}" text-anchor="middle">1.0 = Redis</text>"#, x(1.0), height - 1.0);
    s.push_str("</svg>\n");
    s
}
