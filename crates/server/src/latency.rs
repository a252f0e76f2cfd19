//! Latency bookkeeping: per-command latency histograms (INFO latencystats,
//! LATENCY HISTOGRAM) and the latency monitor (LATENCY LATEST / HISTORY /
//! RESET / GRAPH / DOCTOR), which keeps the spikes above
//! `latency-monitor-threshold` milliseconds by event class.
//!
//! [`Histogram`] buckets values the way HdrHistogram does with two
//! significant digits over 1 ns ..= 1 s, so the percentiles and the
//! cumulative distribution read like Redis's: a value is counted in a bucket
//! whose width is at most 1/128 of its magnitude, and a percentile is
//! reported as the highest value of the bucket it falls in.

use std::collections::{BTreeMap, VecDeque};

/// Sub-buckets per power of two in the first bucket (two significant
/// digits need 200; the next power of two).
const SUB_BUCKETS: u64 = 256;
/// `log2(SUB_BUCKETS / 2)`.
const HALF_MAGNITUDE: u32 = 7;
/// Smallest and largest values recorded, in nanoseconds.
const MIN_NS: u64 = 1;
const MAX_NS: u64 = 1_000_000_000;

/// A latency histogram in nanoseconds (see the module docs). Counts are
/// grown lazily, so a command called only quickly keeps a short array.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

/// The bucket (power of two above the first 256 values) holding `v`.
fn bucket_of(v: u64) -> u32 {
    (64 - (v | (SUB_BUCKETS - 1)).leading_zeros()) - (HALF_MAGNITUDE + 1)
}

fn index_of(v: u64) -> usize {
    let bucket = bucket_of(v);
    let sub = v >> bucket;
    (((bucket as u64 + 1) << HALF_MAGNITUDE) + sub - (SUB_BUCKETS / 2)) as usize
}

/// The lowest value counted at `index`.
fn value_at(index: usize) -> u64 {
    let index = index as u64;
    let bucket = (index >> HALF_MAGNITUDE) as i64 - 1;
    let mut sub = (index & ((1 << HALF_MAGNITUDE) - 1)) + SUB_BUCKETS / 2;
    let bucket = if bucket < 0 {
        sub -= SUB_BUCKETS / 2;
        0
    } else {
        bucket as u32
    };
    sub << bucket
}

/// The highest value counted together with `v`.
fn highest_equivalent(v: u64) -> u64 {
    let bucket = bucket_of(v);
    ((v >> bucket) << bucket) + (1 << bucket) - 1
}

impl Histogram {
    /// Records one duration in microseconds (0 counts as 1 ns, as Redis
    /// clamps to its histogram's range).
    #[inline]
    pub fn record_us(&mut self, usec: u64) {
        let ns = usec.saturating_mul(1000).clamp(MIN_NS, MAX_NS);
        let i = index_of(ns);
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
    }

    /// Values recorded.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The value (ns) at `percentile` (0..=100): the highest value of the
    /// bucket where the running count reaches that share of the total.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let p = percentile.min(100.0);
        let wanted = (((p / 100.0) * self.total as f64) + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= wanted {
                let v = value_at(i);
                return if percentile == 0.0 { v } else { highest_equivalent(v) };
            }
        }
        0
    }

    /// The cumulative distribution at power-of-two levels from 1024 ns:
    /// `(level in µs, values at or below it)`, a row only where the count
    /// grew, up to the level that covers every value (LATENCY HISTOGRAM).
    pub fn cdf(&self) -> Vec<(u64, u64)> {
        let mut rows = Vec::new();
        let mut level: u64 = 1024;
        let mut last = 0;
        while last < self.total {
            let upto = index_of(level);
            let cumulative: u64 = self.counts.iter().take(upto + 1).sum();
            if cumulative != last {
                rows.push((highest_equivalent(level) / 1000, cumulative));
                last = cumulative;
            }
            level = level.saturating_mul(2);
        }
        rows
    }
}

/// Samples kept per event (Redis keeps 160).
const HISTORY: usize = 160;

/// One latency event class's spikes.
#[derive(Default)]
struct Event {
    /// (unix seconds, ms), oldest first; one per second (the highest).
    samples: VecDeque<(u64, u64)>,
    /// Highest latency ever seen.
    max: u64,
}

/// The latency monitor: spikes per event class (`command`, `fast-command`,
/// `fork`, ...).
#[derive(Default)]
pub struct Monitor {
    events: BTreeMap<&'static str, Event>,
}

impl Monitor {
    /// Records a spike of `ms` for `event` at `now_s` (the caller checks the
    /// threshold). Spikes in the same second keep the highest.
    pub fn add(&mut self, event: &'static str, now_s: u64, ms: u64) {
        let e = self.events.entry(event).or_default();
        e.max = e.max.max(ms);
        match e.samples.back_mut() {
            Some(last) if last.0 == now_s => last.1 = last.1.max(ms),
            _ => {
                if e.samples.len() == HISTORY {
                    e.samples.pop_front();
                }
                e.samples.push_back((now_s, ms));
            }
        }
    }

    /// `(event, time, latest ms, max ms)` of every event with samples.
    pub fn latest(&self) -> Vec<(&'static str, u64, u64, u64)> {
        self.events.iter().filter_map(|(name, e)| e.samples.back().map(|&(t, ms)| (*name, t, ms, e.max))).collect()
    }

    /// The samples of `event`, oldest first.
    pub fn history(&self, event: &[u8]) -> Vec<(u64, u64)> {
        self.find(event).map(|e| e.samples.iter().copied().collect()).unwrap_or_default()
    }

    /// All-time highest latency of `event`.
    pub fn max(&self, event: &[u8]) -> u64 {
        self.find(event).map_or(0, |e| e.max)
    }

    fn find(&self, event: &[u8]) -> Option<&Event> {
        self.events.iter().find(|(name, _)| name.as_bytes() == event).map(|(_, e)| e)
    }

    /// Forgets the named events (all when `names` is empty); returns how
    /// many had data.
    pub fn reset(&mut self, names: &[&[u8]]) -> usize {
        if names.is_empty() {
            let n = self.events.len();
            self.events.clear();
            return n;
        }
        let before = self.events.len();
        self.events.retain(|name, _| !names.contains(&name.as_bytes()));
        before - self.events.len()
    }

    /// Whether any spike was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_have_two_significant_digits() {
        // The first 256 values are exact, then each power of two is split
        // in 128.
        for v in [1u64, 2, 255, 256, 257, 1000, 1003, 8000, 14_000, 999_999_999] {
            let lo = value_at(index_of(v));
            let hi = highest_equivalent(v);
            assert!(lo <= v && v <= hi, "{v}: [{lo}, {hi}]");
            assert!((hi - lo) * 128 <= v.max(128), "{v}: bucket [{lo}, {hi}] too wide");
            assert_eq!(index_of(lo), index_of(hi));
            assert_ne!(index_of(hi + 1), index_of(v));
        }
        assert_eq!(highest_equivalent(1000), 1003);
        assert_eq!(highest_equivalent(8000), 8031);
        assert_eq!(highest_equivalent(14_000), 14_015);
    }

    #[test]
    fn percentiles_and_cdf() {
        let mut h = Histogram::default();
        for _ in 0..90 {
            h.record_us(0);
        }
        for _ in 0..9 {
            h.record_us(8);
        }
        h.record_us(300);
        assert_eq!(h.total(), 100);
        assert_eq!(h.value_at_percentile(50.0), 1);
        assert_eq!(h.value_at_percentile(95.0), 8031);
        assert_eq!(h.value_at_percentile(99.9), highest_equivalent(300_000));
        assert_eq!(highest_equivalent(300_000), 301_055);
        assert_eq!(h.value_at_percentile(100.0), h.value_at_percentile(99.9));
        assert_eq!(h.cdf(), vec![(1, 90), (8, 99), (528, 100)]);
        assert_eq!(Histogram::default().cdf(), vec![]);
        // Out of range values are clamped.
        let mut h = Histogram::default();
        h.record_us(u64::MAX);
        assert!(h.value_at_percentile(50.0) >= MAX_NS);
        assert_eq!(h.cdf().last().map(|r| r.1), Some(1));
    }

    #[test]
    fn monitor_keeps_one_sample_per_second() {
        let mut m = Monitor::default();
        m.add("command", 10, 5);
        m.add("command", 10, 20);
        m.add("command", 10, 7);
        m.add("command", 11, 3);
        m.add("fork", 11, 1);
        assert_eq!(m.history(b"command"), vec![(10, 20), (11, 3)]);
        assert_eq!(m.latest(), vec![("command", 11, 3, 20), ("fork", 11, 1, 1)]);
        for s in 0..200 {
            m.add("command", 100 + s, 1);
        }
        assert_eq!(m.history(b"command").len(), HISTORY);
        assert_eq!(m.max(b"command"), 20);
        assert_eq!(m.reset(&[b"fork", b"nope"]), 1);
        assert_eq!(m.reset(&[]), 1);
        assert!(m.is_empty());
    }
}
