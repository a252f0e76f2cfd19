//! `maxmemory`: evicting keys before a command when used memory is over the
//! limit, the way Redis 7.0 does it (its `performEvictions`), and the
//! out-of-memory refusal of commands flagged `denyoom`.
//!
//! Before every command a client sends (not those EXEC runs, nor a blocked
//! command run again), when `maxmemory` is set and the allocator's count
//! ([`crate::alloc::used_memory`]) is over it, keys are evicted under
//! `maxmemory-policy` (chosen by `ember_store::Evictor`) until the memory
//! they released covers the excess. The work is bounded in time by
//! `maxmemory-eviction-tenacity` (50 µs per unit up to 10, then growing by
//! 15 % per unit, unbounded at 100), checked every 16 keys; when the bound
//! stops it with memory still over the limit, the loop carries on in later
//! turns without sleeping (Redis's eviction timer) and the command runs.
//! Only when nothing is left to evict (or the policy is `noeviction`) is
//! the server "out of memory": commands flagged `denyoom`, and inside MULTI
//! every command but EXEC, DISCARD, QUIT and RESET, are refused with
//! `CmdError::Oom`.
//!
//! An evicted value is freed like a deleted one: right away when small, on
//! the lazyfree thread when big (free effort over 64 allocations). Redis
//! with `lazyfree-lazy-eviction yes` does the same (it frees small values
//! synchronously even then); ember defers big values whatever the setting,
//! as it does for DEL, so that the loop never stalls on a huge free. Memory
//! then goes down later, so eviction stops as soon as the count is back
//! under the limit (checked every 16 keys), and when it runs out of keys it
//! waits, up to the same time bound, for the lazyfree thread to catch up
//! before declaring the server out of memory.
//!
//! An evicted key touches its WATCHers like any write and publishes
//! `evicted` when that notification class is on. `CONFIG SET maxmemory`
//! below the usage logs Redis's warning and evicts at once
//! ([`config_changed`]). One difference from Redis: a script's
//! `redis.call` of a `denyoom` command is never refused (the script's
//! client runs as inside EXEC, which the check skips), where Redis refuses
//! it, up to the script's first write, when the server was already out of
//! memory as the script started.

use std::time::{Duration, Instant};

use ember_store::{Evictor, LfuParams, Policy};

use crate::alloc::used_memory;
use crate::log;
use crate::state::Shared;

/// What [`perform`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Used memory is within the limit (or there is none).
    Ok,
    /// Still over the limit, stopped by the time bound; the loop goes on
    /// evicting in its next turns.
    Running,
    /// Over the limit with nothing left that may be evicted.
    Fail,
}

/// Eviction state and statistics.
#[derive(Debug)]
pub struct Eviction {
    /// The store-side selector (policy, samples, candidate pool).
    pub evictor: Evictor,
    /// The policy is `noeviction`.
    pub disabled: bool,
    /// The last [`perform`] stopped on its time bound: the loop calls it
    /// again on its next turn, without sleeping.
    pub running: bool,
    /// Since when used memory has been over the limit (the current
    /// episode), if it is.
    exceeded_since: Option<Instant>,
    /// Time over the limit in finished episodes.
    exceeded_total: Duration,
}

impl Default for Eviction {
    fn default() -> Self {
        Eviction {
            evictor: Evictor::new(Policy::AllKeysLru, 5),
            disabled: true,
            running: false,
            exceeded_since: None,
            exceeded_total: Duration::ZERO,
        }
    }
}

impl Eviction {
    /// INFO `total_eviction_exceeded_time` (ms, the current episode
    /// included).
    pub fn total_exceeded_ms(&self) -> u128 {
        (self.exceeded_total + self.exceeded_since.map_or(Duration::ZERO, |t| t.elapsed())).as_millis()
    }

    /// INFO `current_eviction_exceeded_time` (ms, 0 when within the limit).
    pub fn current_exceeded_ms(&self) -> u128 {
        self.exceeded_since.map_or(0, |t| t.elapsed().as_millis())
    }

    /// CONFIG RESETSTAT.
    pub fn reset_stats(&mut self) {
        self.exceeded_total = Duration::ZERO;
        if self.exceeded_since.is_some() {
            self.exceeded_since = Some(Instant::now());
        }
    }

    fn record(&mut self, outcome: Outcome) {
        match (outcome, self.exceeded_since) {
            (Outcome::Ok, Some(since)) => {
                self.exceeded_total += since.elapsed();
                self.exceeded_since = None;
            }
            (Outcome::Running | Outcome::Fail, None) => self.exceeded_since = Some(Instant::now()),
            _ => {}
        }
        self.running = outcome == Outcome::Running;
    }
}

/// The store policy for a `maxmemory-policy` name (`None` for
/// `noeviction`).
pub fn policy(name: &str) -> Option<Policy> {
    Some(match name {
        "allkeys-lru" => Policy::AllKeysLru,
        "volatile-lru" => Policy::VolatileLru,
        "allkeys-lfu" => Policy::AllKeysLfu,
        "volatile-lfu" => Policy::VolatileLfu,
        "allkeys-random" => Policy::AllKeysRandom,
        "volatile-random" => Policy::VolatileRandom,
        "volatile-ttl" => Policy::VolatileTtl,
        _ => return None,
    })
}

/// Brings the evictor and the store's LFU parameters in line with the
/// configuration (at start and after CONFIG SET).
pub fn sync_config(srv: &mut Shared) {
    let c = &srv.config;
    let ev = &mut srv.evict;
    match policy(c.maxmemory_policy) {
        Some(p) => {
            ev.evictor.set_policy(p);
            ev.disabled = false;
        }
        None => ev.disabled = true,
    }
    ev.evictor.set_samples(c.maxmemory_samples as usize);
    let lfu = LfuParams {
        log_factor: c.lfu_log_factor.clamp(0, i64::from(u32::MAX)) as u32,
        decay_minutes: c.lfu_decay_time.clamp(0, i64::from(u32::MAX)) as u32,
    };
    srv.store.set_lfu_params(lfu);
}

/// After CONFIG SET: applies the eviction parameters and, when `maxmemory`
/// was set below the memory in use, warns and evicts at once, as Redis
/// does.
pub fn config_changed(srv: &mut Shared, given: &[(&'static str, String)], now_ms: u64) {
    sync_config(srv);
    if given.iter().any(|(p, _)| *p == "maxmemory") && srv.config.maxmemory > 0 {
        let used = used_memory();
        if srv.config.maxmemory < used {
            log!(
                Warning,
                "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage ({used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.",
                srv.config.maxmemory
            );
        }
        perform(srv, now_ms);
    }
}

/// The time one [`perform`] may spend, from `maxmemory-eviction-tenacity`
/// (`None`: unbounded).
fn time_limit(tenacity: i64) -> Option<Duration> {
    let t = tenacity.clamp(0, 100);
    if t <= 10 {
        Some(Duration::from_micros(50 * t as u64))
    } else if t < 100 {
        Some(Duration::from_secs_f64(500e-6 * 1.15f64.powi(t as i32 - 10)))
    } else {
        None
    }
}

/// Evicts keys until used memory is within `maxmemory`, nothing more may be
/// evicted, or the time bound is reached (see the module docs).
pub fn perform(srv: &mut Shared, now_ms: u64) -> Outcome {
    let outcome = evict(srv, now_ms);
    srv.evict.record(outcome);
    outcome
}

fn evict(srv: &mut Shared, now_ms: u64) -> Outcome {
    let max = srv.config.maxmemory;
    let used = used_memory();
    srv.note_memory(used);
    if max == 0 || used <= max {
        return Outcome::Ok;
    }
    if srv.evict.disabled {
        return Outcome::Fail;
    }
    let to_free = used - max;
    let start = Instant::now();
    let limit = time_limit(srv.config.maxmemory_eviction_tenacity);
    let over_time = |start: Instant| limit.is_some_and(|l| start.elapsed() > l);
    let mut freed = 0u64;
    let mut keys = 0u64;
    let outcome = loop {
        if freed >= to_free {
            break Outcome::Ok;
        }
        let before = used_memory();
        let Some(gone) = srv.store.evict(&mut srv.evict.evictor, now_ms) else { break Outcome::Fail };
        srv.events.touched(gone.db, &gone.key);
        srv.drop_value(gone.value);
        if srv.notify_mask & crate::config::notify::EVICTED != 0 {
            // The client whose command made room (out of the slab while it
            // runs) does not hear its own evictions.
            crate::pubsub::notify(srv, None, crate::config::notify::EVICTED, "evicted", &gone.key, gone.db);
        }
        drop(gone.key);
        freed += before.saturating_sub(used_memory());
        srv.stats.evicted_keys += 1;
        keys += 1;
        if keys % 16 == 0 {
            // The lazyfree thread may have brought memory down meanwhile.
            if used_memory() <= max {
                break Outcome::Ok;
            }
            if over_time(start) {
                break Outcome::Running;
            }
        }
    };
    if outcome != Outcome::Fail {
        return outcome;
    }
    // Nothing left to evict: memory the lazyfree thread is still freeing
    // may bring it under the limit; wait a little for it.
    while srv.lazyfree.pending() > 0 && !over_time(start) {
        if used_memory() <= max {
            return Outcome::Ok;
        }
        let pause = limit.map_or(Duration::from_millis(1), |l| l.min(Duration::from_millis(1)));
        std::thread::sleep(pause);
    }
    if used_memory() <= max {
        Outcome::Ok
    } else {
        Outcome::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenacity_bounds_the_time() {
        assert_eq!(time_limit(0), Some(Duration::ZERO));
        assert_eq!(time_limit(10), Some(Duration::from_micros(500)));
        assert_eq!(time_limit(1), Some(Duration::from_micros(50)));
        let t11 = time_limit(11).expect("bounded");
        assert!((t11.as_secs_f64() - 575e-6).abs() < 1e-9, "{t11:?}");
        let t99 = time_limit(99).expect("bounded");
        assert!(t99 > Duration::from_secs(1) && t99 < Duration::from_secs(300), "{t99:?}");
        assert_eq!(time_limit(100), None);
    }

    #[test]
    fn policy_names() {
        assert_eq!(policy("noeviction"), None);
        assert_eq!(policy("allkeys-lru"), Some(Policy::AllKeysLru));
        assert_eq!(policy("volatile-ttl"), Some(Policy::VolatileTtl));
        for name in crate::config::EVICTION_POLICIES {
            assert_eq!(policy(name).is_none(), *name == "noeviction", "{name}");
        }
    }

    #[test]
    fn exceeded_time_accounting() {
        let mut e = Eviction::default();
        assert_eq!(e.current_exceeded_ms(), 0);
        e.record(Outcome::Fail);
        assert!(e.exceeded_since.is_some());
        e.record(Outcome::Running);
        assert!(e.running);
        e.record(Outcome::Ok);
        assert!(!e.running);
        assert!(e.exceeded_since.is_none());
        assert_eq!(e.current_exceeded_ms(), 0);
    }
}
