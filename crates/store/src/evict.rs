//! Eviction: choosing which key to remove when a server is over its memory
//! limit, with Redis's approximate policies ([`Policy`]).
//!
//! The store does not measure memory and knows nothing of configuration:
//! the caller decides *that* a key must go (Redis's `maxmemory`) and calls
//! [`Store::evict`] until it is satisfied; this module decides *which*.
//!
//! The LRU, LFU and TTL policies are approximate, as in Redis: each call
//! samples `samples` keys from every non-empty database (only keys with a
//! deadline for the `volatile` policies) and offers them to an eviction
//! pool of the [`POOL_SIZE`] best candidates seen so far; the best one in
//! the pool that still exists is evicted. The pool lives in the
//! [`Evictor`] and persists between calls, so good candidates accumulate.
//! The scores:
//!
//! * LRU: idle time (milliseconds since the last access, at one-second
//!   resolution, like Redis's LRU clock);
//! * LFU: `255 - counter`, the counter after its decay (see
//!   [`LfuParams`](crate::LfuParams));
//! * TTL: `u64::MAX - deadline`, so the soonest to expire scores highest.
//!
//! The random policies take a random key from the databases in turn.
//!
//! ```
//! use ember_store::{Evictor, Policy, Store, Value};
//!
//! let mut store = Store::with_seed(1, 7);
//! let now = 1_000_000;
//! store.db(0).insert(b"cold", Value::string(b"v"), None, now - 60_000);
//! store.db(0).insert(b"warm", Value::string(b"v"), None, now);
//! let mut ev = Evictor::new(Policy::AllKeysLru, 5);
//! let gone = store.evict(&mut ev, now).expect("a key to evict");
//! assert_eq!(gone.key, b"cold");
//! ```

use crate::store::Store;
use crate::table::NodeRef;
use crate::value::Value;

/// How many candidates the eviction pool keeps (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

/// Which keys eviction may remove and in what order (Redis's
/// `maxmemory-policy`, except `noeviction`, which is the caller not
/// evicting at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Any key, least recently used first (approximate).
    AllKeysLru,
    /// Keys with a deadline, least recently used first (approximate).
    VolatileLru,
    /// Any key, least frequently used first (approximate).
    AllKeysLfu,
    /// Keys with a deadline, least frequently used first (approximate).
    VolatileLfu,
    /// Any key, at random.
    AllKeysRandom,
    /// Keys with a deadline, at random.
    VolatileRandom,
    /// Keys with a deadline, soonest to expire first (approximate).
    VolatileTtl,
}

impl Policy {
    /// True if only keys with a deadline may be evicted.
    pub fn volatile(self) -> bool {
        matches!(self, Policy::VolatileLru | Policy::VolatileLfu | Policy::VolatileRandom | Policy::VolatileTtl)
    }

    /// True for the random policies (no sampling pool).
    pub fn random(self) -> bool {
        matches!(self, Policy::AllKeysRandom | Policy::VolatileRandom)
    }

    /// True for the LFU policies (whose OBJECT FREQ is meaningful in Redis).
    pub fn lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }
}

/// A key chosen by the pool, not yet checked to still exist.
#[derive(Debug)]
struct Candidate {
    score: u64,
    db: usize,
    key: Vec<u8>,
}

/// Eviction state kept between calls to [`Store::evict`]: the policy, the
/// sample size and the pool of best candidates.
#[derive(Debug)]
pub struct Evictor {
    policy: Policy,
    samples: usize,
    /// Ascending by score: the best candidate is last.
    pool: Vec<Candidate>,
    /// Key buffers of dropped candidates, reused.
    spare: Vec<Vec<u8>>,
    /// Database of the last random eviction (round robin).
    next_db: usize,
}

/// A key removed by [`Store::evict`].
#[derive(Debug)]
pub struct Evicted {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
    /// Its value, for the caller to drop (perhaps on another thread).
    pub value: Value,
}

impl Evictor {
    /// An evictor for `policy` sampling `samples` keys per database per
    /// call (Redis's `maxmemory-samples`; at least 1).
    pub fn new(policy: Policy, samples: usize) -> Evictor {
        Evictor { policy, samples: samples.max(1), pool: Vec::with_capacity(POOL_SIZE), spare: Vec::new(), next_db: 0 }
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Changes the policy; the pool is emptied when it changes (its scores
    /// mean something else).
    pub fn set_policy(&mut self, policy: Policy) {
        if policy != self.policy {
            self.policy = policy;
            self.clear();
        }
    }

    /// Keys sampled per database per call.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Changes the sample size (at least 1).
    pub fn set_samples(&mut self, samples: usize) {
        self.samples = samples.max(1);
    }

    /// Candidates in the pool.
    pub fn pool_len(&self) -> usize {
        self.pool.len()
    }

    /// Empties the pool (e.g. after FLUSHALL; stale candidates are harmless
    /// but cost a lookup each).
    pub fn clear(&mut self) {
        for c in self.pool.drain(..) {
            self.spare.push(c.key);
        }
    }

    /// Offers a sampled key to the pool: kept if the pool has room or it
    /// beats the worst candidate (which then leaves).
    fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        if self.pool.len() == POOL_SIZE && score <= self.pool[0].score {
            return;
        }
        if self.pool.iter().any(|c| c.db == db && c.key == key) {
            return;
        }
        let mut buf =
            if self.pool.len() == POOL_SIZE { self.pool.remove(0).key } else { self.spare.pop().unwrap_or_default() };
        buf.clear();
        buf.extend_from_slice(key);
        // After equal scores: the newest sample of a tie is tried first.
        let at = self.pool.partition_point(|c| c.score <= score);
        self.pool.insert(at, Candidate { score, db, key: buf });
    }

    fn score(&self, node: NodeRef<'_>, now_ms: u64, lfu: crate::LfuParams) -> u64 {
        match self.policy {
            Policy::AllKeysLru | Policy::VolatileLru => node.meta().idle_ms(now_ms),
            Policy::AllKeysLfu | Policy::VolatileLfu => 255 - u64::from(node.meta().freq(now_ms, lfu)),
            Policy::VolatileTtl => u64::MAX - node.entry().expire_at().unwrap_or(u64::MAX),
            Policy::AllKeysRandom | Policy::VolatileRandom => 0,
        }
    }
}

/// Rounds of sampling [`Store::evict`] tries before giving up on a keyspace
/// whose candidates keep vanishing (cannot happen with a consistent store;
/// a bound instead of a hang).
const MAX_ROUNDS: usize = 1000;

impl Store {
    /// Removes one key chosen by `ev`'s policy and returns it, or `None` if
    /// no key may be evicted (the databases hold no key, or no key with a
    /// deadline for a `volatile` policy). A key past its deadline but not
    /// yet reclaimed may be chosen (it is a key like any other until
    /// reclaimed). The caller does what removal implies beyond the store
    /// (WATCH, notifications, freeing the value).
    pub fn evict(&mut self, ev: &mut Evictor, now_ms: u64) -> Option<Evicted> {
        let volatile = ev.policy.volatile();
        let n = self.dbs.len();
        if ev.policy.random() {
            for _ in 0..n {
                ev.next_db = (ev.next_db + 1) % n;
                let db = ev.next_db;
                if let Some((key, value)) = self.dbs[db].evict_random(volatile) {
                    return Some(Evicted { db, key, value });
                }
            }
            return None;
        }
        for _ in 0..MAX_ROUNDS {
            let mut total = 0;
            for (i, db) in self.dbs.iter_mut().enumerate() {
                let size = if volatile { db.expires_len() } else { db.len() };
                if size == 0 {
                    continue;
                }
                total += size;
                let lfu = db.lfu_params();
                let samples = ev.samples;
                db.sample_nodes(volatile, samples, |node| {
                    let score = ev.score(node, now_ms, lfu);
                    ev.offer(score, i, node.key());
                });
            }
            if total == 0 {
                return None;
            }
            while let Some(c) = ev.pool.pop() {
                match self.dbs[c.db].evict_key(&c.key, volatile) {
                    Some(value) => return Some(Evicted { db: c.db, key: c.key, value }),
                    None => ev.spare.push(c.key), // gone since it was sampled
                }
            }
        }
        None
    }

    /// Sets the LFU counter's parameters of every database (Redis's
    /// `lfu-log-factor` and `lfu-decay-time`).
    pub fn set_lfu_params(&mut self, lfu: crate::LfuParams) {
        for db in &mut self.dbs {
            db.set_lfu_params(lfu);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LfuParams;

    fn s() -> Value {
        Value::string(b"v")
    }

    fn key(i: u32) -> Vec<u8> {
        format!("k{i}").into_bytes()
    }

    fn num(k: &[u8]) -> u32 {
        std::str::from_utf8(&k[1..]).expect("utf8").parse().expect("number")
    }

    #[test]
    fn empty_store_has_nothing_to_evict() {
        let mut st = Store::with_seed(4, 1);
        for p in [
            Policy::AllKeysLru,
            Policy::VolatileLru,
            Policy::AllKeysLfu,
            Policy::VolatileLfu,
            Policy::AllKeysRandom,
            Policy::VolatileRandom,
            Policy::VolatileTtl,
        ] {
            let mut ev = Evictor::new(p, 5);
            assert!(st.evict(&mut ev, 0).is_none(), "{p:?}");
        }
    }

    #[test]
    fn volatile_policies_only_take_keys_with_a_deadline() {
        for p in [Policy::VolatileLru, Policy::VolatileLfu, Policy::VolatileRandom, Policy::VolatileTtl] {
            let mut st = Store::with_seed(3, 2);
            for i in 0..300u32 {
                let ttl = (i % 3 == 0).then_some(1_000_000 + u64::from(i));
                st.db((i % 2) as usize).insert(&key(i), s(), ttl, 0);
            }
            let mut ev = Evictor::new(p, 5);
            let mut gone = 0;
            while let Some(e) = st.evict(&mut ev, 10) {
                assert_eq!(num(&e.key) % 3, 0, "{p:?} evicted a persistent key");
                assert_eq!(e.db, (num(&e.key) % 2) as usize);
                gone += 1;
            }
            assert_eq!(gone, 100, "{p:?}");
            assert_eq!(st.total_keys(), 200);
            assert!(st.iter().all(|db| db.expires_len() == 0));
        }
    }

    #[test]
    fn allkeys_policies_empty_every_database() {
        for p in [Policy::AllKeysLru, Policy::AllKeysLfu, Policy::AllKeysRandom] {
            let mut st = Store::with_seed(4, 3);
            for i in 0..400u32 {
                st.db((i % 4) as usize).insert(&key(i), s(), (i % 2 == 0).then_some(5_000), 0);
            }
            let mut ev = Evictor::new(p, 3);
            let mut seen = std::collections::HashSet::new();
            while let Some(e) = st.evict(&mut ev, 10) {
                assert!(seen.insert(e.key), "{p:?}: a key evicted twice");
            }
            assert_eq!(seen.len(), 400, "{p:?}");
            assert_eq!(st.total_keys(), 0);
        }
    }

    #[test]
    fn lru_evicts_the_idle_keys_first() {
        let mut st = Store::with_seed(1, 4);
        // 1000 keys written at t = 0, then 100 of them read at t = 100 s.
        for i in 0..1000u32 {
            st.db(0).insert(&key(i), s(), None, 0);
        }
        for i in 0..100u32 {
            assert!(st.db(0).get(&key(i * 10), 100_000).is_some());
        }
        let mut ev = Evictor::new(Policy::AllKeysLru, 5);
        let mut hot_lost = 0;
        for _ in 0..800 {
            let e = st.evict(&mut ev, 100_000).expect("keys left");
            if num(&e.key) % 10 == 0 {
                hot_lost += 1;
            }
        }
        // Sampling is approximate: with 5 samples and a pool of 16, a read
        // key goes only once few idle keys remain.
        assert!(hot_lost <= 5, "{hot_lost} recently read keys evicted");
    }

    #[test]
    fn lfu_evicts_the_rarely_used_keys_first() {
        let mut st = Store::with_seed(1, 5);
        st.set_lfu_params(LfuParams { log_factor: 0, decay_minutes: 1 });
        for i in 0..1000u32 {
            st.db(0).insert(&key(i), s(), None, 0);
        }
        // Every tenth key read 20 times.
        for _ in 0..20 {
            for i in 0..100u32 {
                assert!(st.db(0).get(&key(i * 10), 0).is_some());
            }
        }
        let mut ev = Evictor::new(Policy::AllKeysLfu, 5);
        let mut hot_lost = 0;
        for _ in 0..800 {
            let e = st.evict(&mut ev, 0).expect("keys left");
            if num(&e.key) % 10 == 0 {
                hot_lost += 1;
            }
        }
        assert!(hot_lost <= 5, "{hot_lost} frequently read keys evicted");
        // Decay: after an hour idle every counter is back to 0 and the
        // read keys are no longer protected.
        assert_eq!(st.db(0).lfu_freq(&key(0), 3_600_000), Some(0));
    }

    #[test]
    fn volatile_ttl_evicts_the_soonest_deadlines_first() {
        let mut st = Store::with_seed(2, 6);
        for i in 0..1000u32 {
            st.db((i % 2) as usize).insert(&key(i), s(), Some(10_000 + u64::from(i)), 0);
        }
        st.db(0).insert(b"persistent", s(), None, 0);
        let mut ev = Evictor::new(Policy::VolatileTtl, 5);
        let first: Vec<u32> = (0..100).map(|_| num(&st.evict(&mut ev, 0).expect("key").key)).collect();
        let late = first.iter().filter(|&&i| i >= 500).count();
        assert!(late <= 5, "{late} of the first 100 evicted expire in the later half");
        let mean = first.iter().map(|&i| u64::from(i)).sum::<u64>() / 100;
        assert!(mean < 250, "mean {mean}");
    }

    #[test]
    fn random_policies_spread_over_databases() {
        let mut st = Store::with_seed(4, 7);
        for i in 0..400u32 {
            st.db((i % 4) as usize).insert(&key(i), s(), None, 0);
        }
        let mut ev = Evictor::new(Policy::AllKeysRandom, 5);
        let mut per_db = [0; 4];
        for _ in 0..200 {
            per_db[st.evict(&mut ev, 0).expect("key").db] += 1;
        }
        assert_eq!(per_db, [50; 4]);
    }

    #[test]
    fn pool_keeps_the_best_candidates_and_survives_deleted_keys() {
        let mut ev = Evictor::new(Policy::AllKeysLru, 5);
        for i in 0..40u64 {
            ev.offer(i * 7 % 40, 0, format!("k{i}").as_bytes());
        }
        assert_eq!(ev.pool_len(), POOL_SIZE);
        let scores: Vec<u64> = ev.pool.iter().map(|c| c.score).collect();
        assert_eq!(scores, (24..40).collect::<Vec<_>>());
        // Duplicates are not offered twice.
        ev.offer(100, 0, b"k1");
        ev.offer(100, 0, b"k1");
        assert_eq!(ev.pool.iter().filter(|c| c.key == b"k1").count(), 1);
        // Candidates whose key is gone are skipped.
        let mut st = Store::with_seed(1, 8);
        st.db(0).insert(b"only", s(), None, 0);
        let gone = st.evict(&mut ev, 0).expect("the remaining key");
        assert_eq!(gone.key, b"only");
        assert_eq!(ev.pool_len(), 0);
        assert!(st.evict(&mut ev, 0).is_none());
        // Changing the policy empties the pool.
        ev.offer(1, 0, b"x");
        ev.set_policy(Policy::AllKeysLfu);
        assert_eq!(ev.pool_len(), 0);
    }

    #[test]
    fn sampling_finds_keys_in_sparse_tables() {
        let mut st = Store::with_seed(1, 9);
        for i in 0..10_000u32 {
            st.db(0).insert(&key(i), s(), (i < 5).then_some(100), 0);
        }
        for i in 5..10_000u32 {
            st.db(0).remove(&key(i), 0);
        }
        let db = st.db(0);
        let mut n = 0;
        db.sample_keys(false, 5, |_, _| n += 1);
        assert!(n >= 1);
        let mut v = 0;
        db.sample_keys(true, 5, |k, e| {
            assert!(e.expire_at().is_some(), "{k:?}");
            v += 1;
        });
        assert!(v >= 1);
        // Samples cover the whole table over many calls.
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            db.sample_keys(false, 2, |k, _| {
                seen.insert(k.to_vec());
            });
        }
        assert_eq!(seen.len(), 5);
    }
}
