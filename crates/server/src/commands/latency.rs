//! LATENCY: the latency monitor's spikes (LATEST, HISTORY, RESET, GRAPH,
//! DOCTOR) and the per-command latency histograms (HISTOGRAM). The data
//! lives in [`crate::latency`]; dispatch (`after`) and BGSAVE's fork feed
//! it.

use std::fmt::Write as _;

use crate::command::prelude::*;
use crate::command::registry;
use crate::commands::common::{container, help};

/// LATENCY and its subcommands.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("latency", -2, container)
    .doc("server", "A container for latency diagnostics commands", "2.8.13", "Depends on subcommand.")
    .subcommands(SUBCOMMANDS)];

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("latency|doctor", 2, doctor)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc("server", "Return a human readable latency analysis report.", "2.8.13", "O(1)"),
    CommandSpec::new("latency|graph", 3, graph)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc("server", "Return a latency graph for the event.", "2.8.13", "O(1)")
        .args(&[arg::string("event")]),
    CommandSpec::new("latency|histogram", -2, histogram)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc(
            "server",
            "Return the cumulative distribution of latencies of a subset of commands or all.",
            "7.0.0",
            "O(N) where N is the number of commands with latency information being retrieved.",
        )
        .args(&[arg::string("command").optional().multiple()]),
    CommandSpec::new("latency|history", 3, history)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc("server", "Return timestamp-latency samples for the event.", "2.8.13", "O(1)")
        .args(&[arg::string("event")]),
    CommandSpec::new("latency|latest", 2, latest)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"])
        .doc("server", "Return the latest latency samples for all events.", "2.8.13", "O(1)"),
    CommandSpec::new("latency|reset", -2, reset)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc("server", "Reset latency data for one or more events.", "2.8.13", "O(1)")
        .args(&[arg::string("event").optional().multiple()]),
    CommandSpec::new("latency|help", 2, latency_help).flags(LOADING | STALE).doc(
        "server",
        "Show helpful text about the different subcommands.",
        "2.8.13",
        "O(1)",
    ),
];

fn latest(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let rows = ctx.srv.latency.latest();
    let out = ctx.out();
    out.array(rows.len());
    for (name, time, ms, max) in rows {
        out.array(4);
        out.bulk(name.as_bytes());
        out.int(time as i64);
        out.int(ms as i64);
        out.int(max as i64);
    }
    Ok(Replied)
}

fn history(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let event = args.next_bytes()?;
    let samples = ctx.srv.latency.history(event);
    let out = ctx.out();
    out.array(samples.len());
    for (time, ms) in samples {
        out.array(2);
        out.int(time as i64);
        out.int(ms as i64);
    }
    Ok(Replied)
}

fn reset(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let names: Vec<&[u8]> = args.collect();
    let n = ctx.srv.latency.reset(&names);
    ctx.out().int(n as i64);
    Ok(Replied)
}

/// Rows of the spike chart GRAPH draws.
const GRAPH_ROWS: u64 = 4;
/// Samples GRAPH draws (the most recent).
const GRAPH_COLUMNS: usize = 80;

fn graph(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let event = args.next_bytes()?;
    let samples = ctx.srv.latency.history(event);
    if samples.is_empty() {
        return Err(CmdError::err(format!("No samples available for event '{}'", String::from_utf8_lossy(event))));
    }
    let text = draw_graph(&String::from_utf8_lossy(event), &samples, ctx.srv.latency.max(event), ctx.now_ms / 1000);
    ctx.out().verbatim(text.as_bytes());
    Ok(Replied)
}

/// The header Redis prints, then one column per sample (the newest
/// `GRAPH_COLUMNS`): a bar from `_` up to `#` scaled between the lowest and
/// highest sample, and under it how long ago it was, written downwards
/// (`12s`, `3m`, `2h`).
fn draw_graph(event: &str, samples: &[(u64, u64)], all_time: u64, now_s: u64) -> String {
    let shown = &samples[samples.len().saturating_sub(GRAPH_COLUMNS)..];
    let high = shown.iter().map(|s| s.1).max().unwrap_or(0);
    let low = shown.iter().map(|s| s.1).min().unwrap_or(0);
    let mut s = format!("{event} - high {high} ms, low {low} ms (all time high {all_time} ms)\n");
    s.push_str(&"-".repeat(80));
    s.push('\n');
    let height = |ms: u64| if high == low { GRAPH_ROWS } else { 1 + (ms - low) * (GRAPH_ROWS - 1) / (high - low) };
    for row in (1..=GRAPH_ROWS).rev() {
        let line: String = shown
            .iter()
            .map(|&(_, ms)| match height(ms) {
                h if h > row => '|',
                h if h == row => {
                    if row == 1 {
                        '_'
                    } else {
                        '#'
                    }
                }
                _ => ' ',
            })
            .collect();
        s.push_str(line.trim_end());
        s.push('\n');
    }
    let ages: Vec<String> = shown
        .iter()
        .map(|&(t, _)| {
            let age = now_s.saturating_sub(t);
            match age {
                0..=59 => format!("{age}s"),
                60..=3599 => format!("{}m", age / 60),
                _ => format!("{}h", age / 3600),
            }
        })
        .collect();
    let depth = ages.iter().map(String::len).max().unwrap_or(0);
    for i in 0..depth {
        let line: String = ages.iter().map(|a| a.as_bytes().get(i).map_or(' ', |&b| b as char)).collect();
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

fn doctor(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let threshold = ctx.srv.config.latency_monitor_threshold;
    let report = doctor_report(&ctx.srv.latency, threshold, ctx.srv.config.slowlog_log_slower_than);
    ctx.out().verbatim(report.as_bytes());
    Ok(Replied)
}

fn doctor_report(monitor: &crate::latency::Monitor, threshold_ms: u64, slowlog_us: i64) -> String {
    if threshold_ms == 0 && monitor.is_empty() {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into();
    }
    if monitor.is_empty() {
        return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n".into();
    }
    let mut s = String::from(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n",
    );
    let mut commands = false;
    let mut fork = false;
    for (i, (name, ..)) in monitor.latest().into_iter().enumerate() {
        let samples = monitor.history(name.as_bytes());
        let n = samples.len() as f64;
        let avg = samples.iter().map(|s| s.1 as f64).sum::<f64>() / n;
        let dev = samples.iter().map(|s| (s.1 as f64 - avg).abs()).sum::<f64>() / n;
        let span = samples.last().map_or(0, |l| l.0) - samples.first().map_or(0, |f| f.0);
        let period = (span as f64 / n).max(1.0);
        let _ = writeln!(
            s,
            "{}. {name}: {} latency spikes (average {avg:.0}ms, mean deviation {dev:.0}ms, period {period:.2} sec). Worst all time event {}ms.",
            i + 1,
            samples.len(),
            monitor.max(name.as_bytes())
        );
        commands |= name.ends_with("command");
        fork |= name == "fork";
    }
    s.push_str("\nI have a few advices for you:\n\n");
    if commands {
        if slowlog_us < 0 || slowlog_us as u64 > threshold_ms.saturating_mul(1000) {
            let _ = writeln!(
                s,
                "- The slow log does not record every command slower than the latency monitor threshold. Use 'CONFIG SET slowlog-log-slower-than {}' to see which commands those spikes were.",
                threshold_ms.saturating_mul(1000)
            );
        }
        s.push_str("- Check SLOWLOG GET for the slow commands. Commands over large collections (KEYS, SMEMBERS, HGETALL, LRANGE 0 -1, SORT, ...) take time proportional to their size: use SCAN and its variants, or smaller ranges.\n");
        s.push_str("- Deleting large values is done off the main thread (UNLINK, lazy freeing), but building or reading them is not: split very large values into smaller keys.\n");
    }
    if fork {
        s.push_str("- Forking for BGSAVE copies the page tables of the process: the larger the dataset, the longer the pause. Turn transparent huge pages off (disable-thp yes) and save less often if the pauses matter.\n");
    }
    s
}

fn histogram(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let reg = registry();
    let wanted: Vec<usize> = if args.has_more() {
        let mut v: Vec<usize> = args.filter_map(|name| reg.lookup_full(name)).collect();
        v.dedup();
        v
    } else {
        (0..reg.specs.len()).collect()
    };
    let rows: Vec<usize> = wanted.into_iter().filter(|&i| ctx.srv.stats.commands[i].latency.total() > 0).collect();
    let srv = &*ctx.srv;
    let out = &mut ctx.client.out;
    out.map(rows.len());
    for i in rows {
        let h = &srv.stats.commands[i].latency;
        let cdf = h.cdf();
        out.bulk(reg.specs[i].fullname.as_bytes());
        out.map(2);
        out.bulk(b"calls");
        out.int(h.total() as i64);
        out.bulk(b"histogram_usec");
        out.map(cdf.len());
        for (usec, count) in cdf {
            out.int(usec as i64);
            out.int(count as i64);
        }
    }
    Ok(Replied)
}

fn latency_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    help(
        ctx,
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::Monitor;

    #[test]
    fn doctor_texts() {
        let mut m = Monitor::default();
        assert!(doctor_report(&m, 0, 10_000).starts_with("I'm sorry, Dave"));
        assert!(doctor_report(&m, 5, 10_000).starts_with("Dave, no latency spike"));
        m.add("command", 100, 30);
        m.add("command", 104, 10);
        let r = doctor_report(&m, 5, 10_000);
        assert!(r.contains("1. command: 2 latency spikes (average 20ms, mean deviation 10ms, period 2.00 sec). Worst all time event 30ms."), "{r}");
        assert!(r.contains("CONFIG SET slowlog-log-slower-than 5000"), "{r}");
    }

    #[test]
    fn graph_draws_one_column_per_sample() {
        let g = draw_graph("command", &[(100, 10), (130, 40), (160, 25)], 50, 161);
        let lines: Vec<&str> = g.lines().collect();
        assert_eq!(lines[0], "command - high 40 ms, low 10 ms (all time high 50 ms)");
        assert_eq!(lines[1], "-".repeat(80));
        assert_eq!(&lines[2..], &[" #", " |", " |#", "_||", "131", "m1s", " s"]);
    }
}
