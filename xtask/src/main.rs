//! `cargo xtask`: ember's developer tasks.
//!
//! - `cargo xtask ci`: what CI runs (tests, fmt, clippy, fuzz smoke runs).
//! - `cargo xtask fuzz TARGET --seconds N`: run a cargo-fuzz target on the
//!   stable toolchain.
//! - `cargo xtask bench [--quick] [--write]`: ember vs redis-server.
//! - `cargo xtask mem [--keys N]`: memory per key, ember vs redis-server.
//! - `cargo xtask persist [--keys N] [--mixed] [--rounds R]`: SAVE/load/dump
//!   size and PING latency during BGSAVE, medians of R alternating rounds.
//! - `cargo xtask expiry [--redis]`: the active-expiry scenario.
//! - `cargo xtask evict [--maxmemory-mb M] [--requests N]`: ember as a cache
//!   (maxmemory + allkeys-lru) vs redis-server.
//! - `cargo xtask docs [--check]`: regenerate docs/COMMANDS.md and
//!   docs/CONFIG.md from the command and parameter tables.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

mod bench;
mod client;
mod evict;
mod expiry;
mod mem;
mod persist;

#[derive(Parser)]
#[command(name = "xtask", about = "ember developer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run everything CI runs.
    Ci {
        /// Seconds to run each fuzz target (0 only builds them).
        #[arg(long, default_value_t = 10)]
        fuzz_seconds: u64,
    },
    /// Run a fuzz target with cargo-fuzz (libFuzzer).
    Fuzz {
        /// Target name (see fuzz/fuzz_targets).
        target: String,
        /// How long to run.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Only build the target.
        #[arg(long)]
        build_only: bool,
        /// A reproducible run: this libFuzzer seed, starting from an empty
        /// corpus, for `--runs` inputs instead of `--seconds` (what CI does,
        /// so a CI run explores exactly what the same command explores
        /// locally).
        #[arg(long)]
        seed: Option<u64>,
        /// Inputs to try in a seeded run.
        #[arg(long, default_value_t = 100_000)]
        runs: u64,
    },
    /// ember vs redis-server with redis-benchmark: requests/s, p50 and
    /// server CPU per request, alternating servers.
    Bench {
        /// Smaller runs (about a minute in all).
        #[arg(long)]
        quick: bool,
        /// Alternating rounds per server.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Only workloads whose name starts with one of these
        /// (comma-separated, e.g. `set -p,get -p,lrange_600`).
        #[arg(long)]
        filter: Option<String>,
        /// Rewrite the generated table in docs/BENCHMARKS.md.
        #[arg(long)]
        write: bool,
    },
    /// Memory per key after loading N keys, ember vs redis-server.
    Mem {
        /// Keys to load.
        #[arg(long, default_value_t = 1_000_000)]
        keys: usize,
        /// Only datasets whose name starts with one of these
        /// (comma-separated: strings, hashes, lists, sets).
        #[arg(long)]
        filter: Option<String>,
    },
    /// SAVE time, dump size, load time and PING latency during BGSAVE, ember
    /// vs redis-server.
    Persist {
        /// Keys to load.
        #[arg(long, default_value_t = 1_000_000)]
        keys: usize,
        /// Mixed types (strings, lists, hashes, sets, sorted sets) instead of
        /// small strings only.
        #[arg(long)]
        mixed: bool,
        /// Times each measurement is repeated (servers alternating); the
        /// table shows medians.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Active-expiry scenario: N keys expiring at once, time to reclaim and
    /// PING latency meanwhile, for ember (release build) and redis-server.
    Expiry {
        /// Keys to load.
        #[arg(long, default_value_t = 1_000_000)]
        keys: usize,
        /// Also run it against redis-server from PATH.
        #[arg(long)]
        redis: bool,
    },
    /// Cache scenario: maxmemory + allkeys-lru, far more SETs than fit, then
    /// GETs; ember (release build) and redis-server side by side.
    Evict {
        /// maxmemory in MB.
        #[arg(long, default_value_t = 100)]
        maxmemory_mb: u64,
        /// Requests of each redis-benchmark run (SET, then GET).
        #[arg(long, default_value_t = 2_000_000)]
        requests: u64,
    },
    /// Regenerate docs/COMMANDS.md and docs/CONFIG.md from the command and parameter tables.
    Docs {
        /// Fail if the file is stale instead of writing it.
        #[arg(long)]
        check: bool,
    },
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The fuzz targets, from fuzz/fuzz_targets/*.rs.
fn fuzz_targets() -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root().join("fuzz/fuzz_targets"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            if let Some(stem) = path.file_stem() {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Runs cargo-fuzz on the stable toolchain: libFuzzer's instrumentation needs
/// `-Z` flags, which stable rustc accepts with RUSTC_BOOTSTRAP=1.
/// How to run a fuzz target.
enum FuzzRun {
    BuildOnly,
    /// Explore for this long, growing the target's corpus in fuzz/corpus.
    Seconds(u64),
    /// A reproducible run from an empty corpus.
    Seeded {
        seed: u64,
        runs: u64,
    },
}

fn fuzz(target: &str, how: FuzzRun) -> Result<()> {
    let has_cargo_fuzz = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let dir = root().join("fuzz");
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&dir).env("RUSTC_BOOTSTRAP", "1");
    match how {
        FuzzRun::BuildOnly => {
            cmd.args(["fuzz", "build", target]);
        }
        FuzzRun::Seconds(seconds) => {
            std::fs::create_dir_all(dir.join("corpus").join(target))?;
            cmd.args(["fuzz", "run", target, "--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=2048"]);
        }
        FuzzRun::Seeded { seed, runs } => {
            let corpus = dir.join("target").join("seeded-corpus").join(target);
            let _ = std::fs::remove_dir_all(&corpus);
            std::fs::create_dir_all(&corpus)?;
            let corpus = corpus.to_string_lossy().into_owned();
            cmd.args(["fuzz", "run", target, &corpus, "--", &format!("-seed={seed}"), &format!("-runs={runs}")]);
            cmd.arg("-rss_limit_mb=2048");
        }
    }
    run(&mut cmd)
}

/// Builds ember in release mode and returns the binary's path.
fn release_binary() -> Result<PathBuf> {
    run(cargo().current_dir(root()).args(["build", "--release", "-p", "ember-server"]))?;
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
    Ok(target.join("release/ember-server"))
}

fn docs(check: bool) -> Result<()> {
    for (file, text) in [
        ("docs/COMMANDS.md", ember_server::docs::commands_markdown()),
        ("docs/CONFIG.md", ember_server::docs::config_markdown()),
    ] {
        let path = root().join(file);
        if check {
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            if have != text {
                bail!("{file} is stale: run `cargo xtask docs`");
            }
            continue;
        }
        std::fs::write(&path, text)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().task {
        Task::Ci { fuzz_seconds } => {
            let root = root();
            run(cargo().current_dir(&root).args(["test", "--workspace"]))?;
            run(cargo().current_dir(&root).args(["fmt", "--all", "--check"]))?;
            run(cargo().current_dir(&root).args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
            docs(true)?;
            for t in fuzz_targets()? {
                let how = if fuzz_seconds == 0 { FuzzRun::BuildOnly } else { FuzzRun::Seconds(fuzz_seconds) };
                fuzz(&t, how)?;
            }
            Ok(())
        }
        Task::Fuzz { target, seconds, build_only, seed, runs } => {
            let how = match (build_only, seed) {
                (true, _) => FuzzRun::BuildOnly,
                (false, Some(seed)) => FuzzRun::Seeded { seed, runs },
                (false, None) => FuzzRun::Seconds(seconds),
            };
            fuzz(&target, how)
        }
        Task::Docs { check } => docs(check),
        Task::Bench { quick, rounds, filter, write } => {
            let ember = release_binary()?;
            let loads = bench::workloads(quick, filter.as_deref());
            let results = bench::run(&ember, rounds, &loads)?;
            let table = bench::table(&results, rounds);
            println!("{table}");
            if write {
                let path = root().join("docs/BENCHMARKS.md");
                let doc = std::fs::read_to_string(&path).unwrap_or_default();
                let table = format!("![CPU per request, ember / Redis](bench-cpu-ratio.svg)\n\n{table}");
                std::fs::write(&path, bench::splice(&doc, &table))?;
                std::fs::write(root().join("docs/bench-cpu-ratio.svg"), bench::svg(&results))?;
                eprintln!("updated {} and docs/bench-cpu-ratio.svg", path.display());
            }
            Ok(())
        }
        Task::Mem { keys, filter } => {
            let wanted: Vec<String> =
                filter.as_deref().unwrap_or("").split(',').map(|p| p.trim().to_ascii_lowercase()).collect();
            let ember = release_binary()?;
            let redis = PathBuf::from("redis-server");
            println!("| dataset | ember RSS B/key | redis RSS B/key | RSS ratio | ember used_memory B/key | redis used_memory B/key |");
            println!("|---|---:|---:|---:|---:|---:|");
            for (name, shape) in [
                ("strings (key:NNNNNNNN -> 16 B)", mem::Shape::Strings),
                ("strings with TTL", mem::Shape::StringsWithTtl),
                ("hashes of 10 small fields", mem::Shape::SmallHashes),
                ("lists of 10 small elements", mem::Shape::SmallLists),
                ("sets of 10 small members", mem::Shape::SmallSets),
                ("stream entries (XADD * with 2 small fields, per entry)", mem::Shape::StreamEntries),
            ] {
                if !wanted.iter().any(|p| name.starts_with(p.as_str())) {
                    continue;
                }
                let (er, eu) = mem::measure(&ember, 7393, keys, shape)?;
                let (rr, ru) = mem::measure(&redis, 7394, keys, shape)?;
                println!("| {name} | {er:.1} | {rr:.1} | {:.2} | {eu:.1} | {ru:.1} |", er / rr);
            }
            Ok(())
        }
        Task::Persist { keys, mixed, rounds } => {
            let ember = release_binary()?;
            let dataset = if mixed { persist::Dataset::Mixed } else { persist::Dataset::SmallStrings };
            println!("| dataset | figure | ember | redis | ratio |\n|---|---|---:|---:|---:|");
            print!("{}", persist::report(&ember, keys, dataset, rounds)?);
            Ok(())
        }
        Task::Evict { maxmemory_mb, requests } => {
            let ember = release_binary()?;
            evict::run(&ember, maxmemory_mb, requests)
        }
        Task::Expiry { keys, redis } => {
            let ember = release_binary()?;
            expiry::run(&ember.to_string_lossy(), 7391, keys)?;
            if redis {
                expiry::run("redis-server", 7392, keys)?;
            }
            Ok(())
        }
    }
}
