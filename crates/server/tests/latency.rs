//! LATENCY and INFO latencystats: replies compared with redis-server where
//! they do not depend on timing (help, errors, an idle monitor, the shape of
//! histograms), and the monitor recording real spikes (DEBUG SLEEP).

mod common;

use common::diff::{check, Sequences};
use common::{int, show, Frame, Server};

fn sequences() -> Sequences {
    vec![(
        "latency",
        vec![
            "LATENCY HELP",
            "LATENCY",
            "LATENCY foo",
            "LATENCY HISTORY",
            "LATENCY HISTORY command => []",
            "LATENCY LATEST => []",
            "LATENCY RESET => :0",
            "LATENCY RESET command fork => :0",
            "LATENCY GRAPH command => -ERR No samples available for event 'command'",
            "LATENCY GRAPH",
            "LATENCY DOCTOR",
            "CONFIG SET latency-monitor-threshold 1000",
            "LATENCY DOCTOR",
            "CONFIG GET latency-monitor-threshold",
            "CONFIG SET latency-monitor-threshold 0",
            "CONFIG GET latency-tracking",
            "LATENCY HISTOGRAM nosuch => []",
            "LATENCY HISTOGRAM GET",
        ],
    )]
}

#[test]
fn differential_latency() {
    check(sequences, &[]);
}

/// The text of a bulk or verbatim string reply.
fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Verbatim { data: b, .. } => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not text: {}", show(other)),
    }
}

/// `{name: {calls: n, histogram_usec: {...}}}` reduced to name and calls,
/// with the bucket rows checked for being cumulative.
fn calls(f: &Frame) -> Vec<(String, i64)> {
    let Frame::Map(entries) = f else { panic!("LATENCY HISTOGRAM: {}", show(f)) };
    entries
        .iter()
        .map(|(name, v)| {
            let Frame::Map(fields) = v else { panic!("{}", show(v)) };
            assert_eq!(show(&fields[0].0), "\"calls\"");
            assert_eq!(show(&fields[1].0), "\"histogram_usec\"");
            let Frame::Map(rows) = &fields[1].1 else { panic!("{}", show(v)) };
            let counts: Vec<i64> = rows.iter().map(|(_, c)| if let Frame::Integer(c) = c { *c } else { 0 }).collect();
            assert!(counts.windows(2).all(|w| w[0] < w[1]), "not cumulative: {}", show(v));
            let Frame::Integer(n) = fields[0].1 else { panic!("{}", show(v)) };
            assert_eq!(counts.last(), Some(&n), "the last row counts every call: {}", show(v));
            (show(name), n)
        })
        .collect()
}

#[test]
fn histograms_and_latencystats_match_redis_in_shape() {
    let ember = Server::ember(&[]);
    let Some(redis) = Server::redis(&[]) else { return };
    let mut seen = Vec::new();
    for server in [&ember, &redis] {
        let mut c = server.conn();
        c.run("HELLO 3");
        for i in 0..50 {
            c.run(&format!("SET k{i} v"));
        }
        c.run("GET k1");
        c.run("CONFIG GET maxmemory");
        seen.push(calls(&c.run("LATENCY HISTOGRAM set get config|get nosuch")));
        let info = text(&c.run("INFO latencystats"));
        assert!(info.contains("latency_percentiles_usec_set:p50="), "{info}");
        assert!(info.contains("latency_percentiles_usec_config|get:p50="), "{info}");
        c.run("CONFIG SET latency-tracking-info-percentiles \"90 99.99\"");
        let info = text(&c.run("INFO latencystats"));
        let line =
            info.split("\r\n").find(|l| l.contains("latency_percentiles_usec_get:")).unwrap_or_default().to_string();
        assert!(line.contains(":p90=") && line.contains(",p99.99="), "{line}");
        c.run("CONFIG RESETSTAT");
        assert_eq!(calls(&c.run("LATENCY HISTOGRAM set")), vec![]);
    }
    assert_eq!(seen[0], seen[1], "ember vs redis");
    assert_eq!(
        seen[0],
        vec![("\"set\"".to_string(), 50), ("\"get\"".to_string(), 1), ("\"config|get\"".to_string(), 1)]
    );
}

#[test]
fn monitor_records_spikes_over_the_threshold() {
    let ember = Server::ember(&["--enable-debug-command", "yes"]);
    let mut c = ember.conn();
    c.run("CONFIG SET latency-monitor-threshold 10");
    c.run("DEBUG SLEEP 0");
    assert_eq!(c.run("LATENCY LATEST"), Frame::Array(vec![]), "a fast command is no spike");
    c.run("DEBUG SLEEP 0.03");
    let latest = c.run("LATENCY LATEST");
    let Frame::Array(rows) = &latest else { panic!("{}", show(&latest)) };
    assert_eq!(rows.len(), 1, "{}", show(&latest));
    let Frame::Array(row) = &rows[0] else { panic!("{}", show(&latest)) };
    assert_eq!(show(&row[0]), "\"command\"");
    let Frame::Integer(ms) = row[2] else { panic!("{}", show(&latest)) };
    assert!(ms >= 30, "{}", show(&latest));
    let Frame::Array(history) = c.run("LATENCY HISTORY command") else { panic!() };
    assert_eq!(history.len(), 1);
    let graph = show(&c.run("LATENCY GRAPH command"));
    assert!(graph.contains("command - high"), "{graph}");
    let doctor = show(&c.run("LATENCY DOCTOR"));
    assert!(doctor.contains("1. command: 1 latency spikes"), "{doctor}");
    assert_eq!(c.run("LATENCY RESET"), int(1));
    assert_eq!(c.run("LATENCY LATEST"), Frame::Array(vec![]));
    // Off again: no more spikes.
    c.run("CONFIG SET latency-monitor-threshold 0");
    c.run("DEBUG SLEEP 0.02");
    assert_eq!(c.run("LATENCY LATEST"), Frame::Array(vec![]));
}
