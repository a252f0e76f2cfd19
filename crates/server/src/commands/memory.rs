//! MEMORY: USAGE (what one key costs), STATS (where the server's memory
//! goes), DOCTOR, MALLOC-STATS (glibc's own report), PURGE (hands free
//! memory back to the kernel) and HELP.
//!
//! The figures are ember's own: a key's cost is its table node and slot,
//! its expiry entry and the heap its value owns (a large collection sampled
//! over `SAMPLES` elements, 5 by default, 0 for all), which is what the key
//! really takes in ember, not what it would take in Redis.

use std::fmt::Write as _;

use crate::alloc::{rss_bytes, used_memory};
use crate::command::is;
use crate::command::prelude::*;
use crate::commands::common::{container, help};

/// MEMORY and its subcommands.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("memory", -2, container)
    .doc("server", "A container for memory diagnostics commands", "4.0.0", "Depends on subcommand.")
    .subcommands(SUBCOMMANDS)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("memory|doctor", 2, doctor)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc("server", "Outputs memory problems report", "4.0.0", "O(1)"),
    CommandSpec::new("memory|malloc-stats", 2, malloc_stats)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(
            "server",
            "Show allocator internal stats",
            "4.0.0",
            "Depends on how much memory is allocated, could be slow",
        ),
    CommandSpec::new("memory|purge", 2, purge)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(
            "server",
            "Ask the allocator to release memory",
            "4.0.0",
            "Depends on how much memory is allocated, could be slow",
        ),
    CommandSpec::new("memory|stats", 2, stats)
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc("server", "Show memory usage details", "4.0.0", "O(1)"),
    CommandSpec::new("memory|usage", -3, usage)
        .flags(READONLY)
        .keys(&[KeySpec::index(2).range(0, 1, 0).flags(ks::RO)])
        .doc("server", "Estimate the memory usage of a key", "4.0.0", "O(N) where N is the number of samples.")
        .args(&[arg::key("key", 0), arg::integer("count").token("SAMPLES").optional()]),
    CommandSpec::new("memory|help", 2, memory_help).flags(LOADING | STALE).doc(
        "server",
        "Show helpful text about the different subcommands",
        "4.0.0",
        "O(1)",
    ),
];

/// Elements of a large collection MEMORY USAGE measures by default.
const DEFAULT_SAMPLES: usize = 5;

fn usage(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let samples = usage_samples(args)?;
    let now = ctx.now_ms;
    match ctx.db().memory_usage(key, samples, now) {
        Some(bytes) => ctx.out().int(bytes as i64),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

/// MEMORY USAGE's options after the key: `SAMPLES count` (0: all), any
/// number of times, the last one counting.
fn usage_samples(args: &mut Args<'_>) -> Result<usize, CmdError> {
    let mut samples = DEFAULT_SAMPLES;
    while let Some(opt) = args.next() {
        if !(is(opt, "samples") && args.has_more()) {
            return Err(CmdError::Syntax);
        }
        let n = args.next_i64()?;
        if n < 0 {
            return Err(CmdError::Syntax);
        }
        samples = usize::try_from(n).unwrap_or(usize::MAX);
    }
    Ok(samples)
}

/// The figures behind STATS and DOCTOR.
struct Figures {
    total: u64,
    peak: u64,
    startup: u64,
    rss: u64,
    clients: u64,
    /// (db index, table overhead, expiry index overhead) of non-empty dbs.
    dbs: Vec<(usize, u64, u64)>,
    overhead: u64,
    keys: u64,
}

fn figures(ctx: &mut Ctx<'_>) -> Figures {
    let srv = &*ctx.srv;
    let client_bytes = |out: usize, input: usize| (out + input) as u64;
    let clients =
        srv.clients.iter().map(|s| client_bytes(s.client.out.buf.capacity(), s.input.rbuf.capacity())).sum::<u64>()
            + client_bytes(ctx.client.out.buf.capacity(), 0);
    let dbs: Vec<(usize, u64, u64)> = srv
        .store
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.is_empty())
        .map(|(i, d)| {
            let (main, expires) = d.overhead_parts();
            (i, main as u64, expires as u64)
        })
        .collect();
    let overhead = clients + dbs.iter().map(|&(_, m, e)| m + e).sum::<u64>();
    let keys = srv.store.iter().map(|d| d.len() as u64).sum();
    let total = used_memory();
    Figures {
        total,
        peak: srv.mem_peak.max(total),
        startup: srv.mem_startup,
        rss: rss_bytes(),
        clients,
        dbs,
        overhead,
        keys,
    }
}

fn stats(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let f = figures(ctx);
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let dataset = f.total.saturating_sub(f.overhead);
    let beyond = f.rss as i64 - f.total as i64;
    let out = ctx.out();
    out.map(27 + f.dbs.len());
    for (name, v) in [
        ("peak.allocated", f.peak),
        ("total.allocated", f.total),
        ("startup.allocated", f.startup),
        ("replication.backlog", 0),
        ("clients.slaves", 0),
        ("clients.normal", f.clients),
        ("cluster.links", 0),
        ("aof.buffer", 0),
        ("lua.caches", 0),
        ("functions.caches", 0),
    ] {
        field(out, name, Num::Int(v as i64));
    }
    for &(i, main, expires) in &f.dbs {
        out.bulk(format!("db.{i}").as_bytes());
        out.map(3);
        field(out, "overhead.hashtable.main", Num::Int(main as i64));
        field(out, "overhead.hashtable.expires", Num::Int(expires as i64));
        field(out, "overhead.hashtable.slot-to-keys", Num::Int(0));
    }
    // glibc does not split what it has handed out into active and resident
    // parts the way jemalloc does: allocated and active are what is in use,
    // everything beyond it up to the resident size counts as RSS overhead
    // of the allocator.
    for (name, v) in [
        ("overhead.total", Num::Int(f.overhead as i64)),
        ("keys.count", Num::Int(f.keys as i64)),
        ("keys.bytes-per-key", Num::Int(f.total.checked_div(f.keys).unwrap_or(0) as i64)),
        ("dataset.bytes", Num::Int(dataset as i64)),
        ("dataset.percentage", Num::Double(ratio(dataset * 100, f.total))),
        ("peak.percentage", Num::Double(ratio(f.total * 100, f.peak))),
        ("allocator.allocated", Num::Int(f.total as i64)),
        ("allocator.active", Num::Int(f.total as i64)),
        ("allocator.resident", Num::Int(f.rss as i64)),
        ("allocator-fragmentation.ratio", Num::Double(1.0)),
        ("allocator-fragmentation.bytes", Num::Int(0)),
        ("allocator-rss.ratio", Num::Double(ratio(f.rss, f.total))),
        ("allocator-rss.bytes", Num::Int(beyond)),
        ("rss-overhead.ratio", Num::Double(1.0)),
        ("rss-overhead.bytes", Num::Int(0)),
        ("fragmentation", Num::Double(ratio(f.rss, f.total))),
        ("fragmentation.bytes", Num::Int(beyond)),
    ] {
        field(out, name, v);
    }
    Ok(Replied)
}

/// A MEMORY STATS value.
enum Num {
    Int(i64),
    Double(f64),
}

fn field(out: &mut crate::client::Out, name: &str, v: Num) {
    out.bulk(name.as_bytes());
    match v {
        Num::Int(n) => out.int(n),
        Num::Double(d) => out.double(d),
    }
}

/// Below this much memory in use the report says there is too little to
/// judge, as Redis's does.
const DOCTOR_MIN_BYTES: u64 = 5 << 20;

fn doctor(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let f = figures(ctx);
    let report = doctor_report(&f, ctx.srv.clients.len() + 1);
    ctx.out().verbatim(report.as_bytes());
    Ok(Replied)
}

fn doctor_report(f: &Figures, clients: usize) -> String {
    if f.total < DOCTOR_MIN_BYTES {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".into();
    }
    let mut issues = Vec::new();
    let frag = f.rss as f64 / f.total as f64;
    if frag > 1.4 && f.rss - f.total > 10 << 20 {
        issues.push(format!(
            " * High fragmentation: the process's resident memory is {frag:.2} times what it has allocated ({} bytes more). Memory freed by deletions is kept by the allocator; MEMORY PURGE hands free pages back to the kernel.",
            f.rss - f.total
        ));
    }
    let per_client = f.clients / clients.max(1) as u64;
    if per_client > 200 << 10 {
        issues.push(format!(
            " * Big client buffers: clients use {per_client} bytes each on average for query and reply buffers. Look for clients that pipeline a lot or read replies slowly (CLIENT LIST: qbuf and omem)."
        ));
    }
    if issues.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
            .into();
    }
    let mut s = String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    for i in issues {
        let _ = writeln!(s, "{i}\n");
    }
    s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    s
}

/// glibc's own statistics (`malloc_info`, an XML report).
fn malloc_stats(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let report = malloc_info().unwrap_or_else(|| "Stats not supported for the current allocator".into());
    ctx.out().verbatim(report.as_bytes());
    Ok(Replied)
}

fn malloc_info() -> Option<String> {
    use nix::libc;
    let mut ptr: *mut libc::c_char = std::ptr::null_mut();
    let mut size: libc::size_t = 0;
    // SAFETY: open_memstream gets valid out-pointers; the stream is closed
    // before the buffer is read, and the buffer (allocated by the C library)
    // is copied and freed exactly once.
    unsafe {
        let stream = libc::open_memstream(&mut ptr, &mut size);
        if stream.is_null() {
            return None;
        }
        let rc = libc::malloc_info(0, stream);
        libc::fclose(stream);
        if ptr.is_null() {
            return None;
        }
        let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), size).to_vec();
        libc::free(ptr.cast());
        (rc == 0).then(|| String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Returns free memory at the top of the heap and in free chunks to the
/// kernel (glibc's `malloc_trim`).
fn purge(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        nix::libc::malloc_trim(0);
    }
    ctx.out().ok();
    Ok(Replied)
}

fn memory_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    help(
        ctx,
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(total: u64, rss: u64, clients: u64) -> Figures {
        Figures { total, peak: total, startup: 0, rss, clients, dbs: Vec::new(), overhead: 0, keys: 0 }
    }

    #[test]
    fn doctor_reports() {
        assert!(doctor_report(&figures(1 << 20, 2 << 20, 0), 1).starts_with("Hi Sam, this instance is empty"));
        assert!(
            doctor_report(&figures(100 << 20, 110 << 20, 0), 1).starts_with("Hi Sam, I can't find any memory issue")
        );
        let r = doctor_report(&figures(100 << 20, 300 << 20, 0), 1);
        assert!(r.starts_with("Sam, I detected a few issues") && r.contains("High fragmentation"), "{r}");
        let r = doctor_report(&figures(100 << 20, 100 << 20, 10 << 20), 4);
        assert!(r.contains("Big client buffers") && !r.contains("fragmentation"), "{r}");
    }

    #[test]
    fn usage_options() {
        let check = |line: &str, want: Result<usize, CmdError>| {
            assert_eq!(crate::commands::common::with_args(line, 3, usage_samples), want, "{line}");
        };
        check("memory usage k", Ok(DEFAULT_SAMPLES));
        check("memory usage k SAMPLES 0", Ok(0));
        check("memory usage k samples 7 samples 9", Ok(9));
        check("memory usage k samples -1", Err(CmdError::Syntax));
        check("memory usage k samples x", Err(CmdError::NotInteger));
        check("memory usage k samples", Err(CmdError::Syntax));
        check("memory usage k foo 1", Err(CmdError::Syntax));
    }

    #[test]
    fn malloc_info_is_glibc_xml() {
        let r = malloc_info().expect("glibc malloc_info");
        assert!(r.starts_with("<malloc version="), "{r}");
    }
}
