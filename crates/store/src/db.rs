//! One database of the keyspace ([`Db`]): the key table, lazy and active
//! expiry, SCAN, RANDOMKEY and the access metadata behind OBJECT.
//!
//! Time is never read from a clock: every method takes `now_ms`, the caller's
//! current Unix time in milliseconds. A key whose deadline is `<= now_ms` is
//! absent for every read, and is reclaimed either lazily (by a `&mut self`
//! method that meets it) or actively by [`Db::active_expire`].
//!
//! The active-expiry index is a 4-ary min-heap of `(deadline, key hash)`
//! pairs, 16 bytes per key with a TTL. Changing or removing a TTL does not
//! touch the heap: the old pair becomes stale and is skipped when popped (an
//! entry is only removed if its own deadline has passed). When stale pairs
//! outnumber live TTL keys the heap is compacted.

use crate::entry::{Entry, LfuParams, Meta};
use crate::expire::DeadlineHeap;
use crate::hash::{random_seed, splitmix, KeyHasher};
use crate::table::{Hash, Index, Node, NodeRef, Table};
use crate::value::Value;

/// How many keys ahead [`Db::for_each`] prefetches: enough to cover a
/// memory access with the work of visiting the keys in between.
const PREFETCH_AHEAD: usize = 16;

/// Hints the CPU to bring `*p` into the cache (a no-op where unsupported).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults, whatever the
    // address, and changes no memory. (The intrinsic is a safe function in
    // newer compilers, hence the allow.)
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The expiry index of one database.
#[derive(Debug, Default, Clone)]
struct ExpireIndex {
    heap: DeadlineHeap,
    /// Keys in the table that have a deadline.
    live: usize,
    /// Sum of those deadlines (for the average TTL).
    deadline_sum: u128,
}

impl ExpireIndex {
    fn added(&mut self, deadline: u64) {
        self.live += 1;
        self.deadline_sum = self.deadline_sum.wrapping_add(u128::from(deadline));
    }

    fn removed(&mut self, deadline: u64) {
        self.live = self.live.saturating_sub(1);
        self.deadline_sum = self.deadline_sum.wrapping_sub(u128::from(deadline));
    }
}

/// One Redis database: a map from byte-string keys to [`Entry`]s.
///
/// ```
/// use ember_store::{Db, Value};
///
/// let mut db = Db::with_seed(1);
/// let now = 1_000;
/// db.insert(b"greeting", Value::string(b"hello"), Some(now + 500), now);
/// assert!(db.contains(b"greeting", now));
/// assert!(!db.contains(b"greeting", now + 500)); // expired
/// ```
#[derive(Debug)]
pub struct Db {
    table: Table,
    hasher: KeyHasher,
    expires: ExpireIndex,
    rng: u64,
    lfu: LfuParams,
    /// Keys that expired or were created, while the owner asked for them
    /// (keyspace notifications); `None`: nothing is recorded.
    key_log: Option<Box<KeyLog>>,
}

/// What happened to a key, for keyspace notifications
/// ([`Db::record_key_events`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyEvent {
    /// Reclaimed because its deadline passed (lazily or actively).
    Expired,
    /// Created (it did not exist, or only as an expired key).
    New,
}

/// The record behind [`Db::record_key_events`].
#[derive(Debug, Default)]
struct KeyLog {
    expired: bool,
    new: bool,
    events: Vec<(KeyEvent, Box<[u8]>)>,
}

impl Default for Db {
    fn default() -> Self {
        Db::new()
    }
}

impl Db {
    /// An empty database with a random hash seed.
    pub fn new() -> Self {
        Db::with_seed(random_seed())
    }

    /// An empty database with a fixed hash seed (deterministic, for tests).
    pub fn with_seed(seed: u64) -> Self {
        Db::with_hasher(KeyHasher::with_seed(seed), splitmix(seed ^ 0x5eed))
    }

    pub(crate) fn with_hasher(hasher: KeyHasher, rng_seed: u64) -> Self {
        Db {
            table: Table::default(),
            hasher,
            expires: ExpireIndex::default(),
            rng: rng_seed | 1,
            lfu: LfuParams::default(),
            key_log: None,
        }
    }

    /// An empty database sharing this one's hash function and LFU
    /// parameters.
    pub(crate) fn empty_like(&self) -> Db {
        let mut db = Db::with_hasher(self.hasher, splitmix(self.rng));
        db.lfu = self.lfu;
        if let Some(log) = &self.key_log {
            db.record_key_events(log.expired, log.new);
        }
        db
    }

    /// The LFU counter's parameters (`lfu-log-factor`, `lfu-decay-time`).
    pub fn lfu_params(&self) -> LfuParams {
        self.lfu
    }

    /// Sets the LFU counter's parameters; counters already kept are not
    /// changed, only how later accesses and decay treat them.
    pub fn set_lfu_params(&mut self, lfu: LfuParams) {
        self.lfu = lfu;
    }

    /// Starts or stops recording the keys reclaimed because their deadline
    /// passed (lazily or actively) and the keys created, in the order it
    /// happens (for keyspace notifications).
    pub fn record_key_events(&mut self, expired: bool, new: bool) {
        self.key_log = (expired || new).then(|| {
            let events = self.key_log.take().map(|l| l.events).unwrap_or_default();
            Box::new(KeyLog { expired, new, events })
        });
    }

    /// True if key events were recorded since the last
    /// [`take_key_events`](Self::take_key_events).
    #[inline]
    pub fn has_key_events(&self) -> bool {
        self.key_log.as_ref().is_some_and(|l| !l.events.is_empty())
    }

    /// The key events recorded, oldest first, leaving the record empty.
    pub fn take_key_events(&mut self) -> Vec<(KeyEvent, Box<[u8]>)> {
        self.key_log.as_mut().map(|l| std::mem::take(&mut l.events)).unwrap_or_default()
    }

    /// Records a key event if asked to.
    #[inline]
    fn log_key(&mut self, what: KeyEvent, key: &[u8]) {
        if let Some(log) = &mut self.key_log {
            let on = match what {
                KeyEvent::Expired => log.expired,
                KeyEvent::New => log.new,
            };
            if on {
                log.events.push((what, key.into()));
            }
        }
    }

    /// Removes a key whose deadline passed, recording it if asked to.
    fn detach_expired(&mut self, index: Index) -> Node {
        let node = self.detach(index);
        if self.key_log.is_some() {
            self.log_key(KeyEvent::Expired, node.view().key());
        }
        node
    }

    fn next_rand(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Number of keys stored, including expired keys not yet reclaimed (as
    /// Redis's DBSIZE).
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True if no keys are stored.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// Number of keys with a deadline (INFO keyspace `expires=`).
    pub fn expires_len(&self) -> usize {
        self.expires.live
    }

    /// Average remaining time to live in ms over keys with a deadline
    /// (INFO keyspace `avg_ttl=`); 0 if there are none.
    pub fn avg_ttl(&self, now_ms: u64) -> u64 {
        if self.expires.live == 0 {
            return 0;
        }
        let avg = self.expires.deadline_sum / self.expires.live as u128;
        u64::try_from(avg).unwrap_or(u64::MAX).saturating_sub(now_ms)
    }

    /// Approximate bytes used by the table's slot array and expiry index
    /// (not counting keys and values).
    pub fn overhead_bytes(&self) -> usize {
        let (table, expires) = self.overhead_parts();
        table + expires
    }

    /// [`overhead_bytes`](Self::overhead_bytes) split into the table's slot
    /// array and the expiry index.
    pub fn overhead_parts(&self) -> (usize, usize) {
        (self.table.slot_bytes(), self.expires.heap.capacity() * 16)
    }

    #[inline]
    fn find(&self, key: &[u8]) -> (Hash, Option<Index>) {
        let hash = self.hasher.hash32(key);
        (hash, self.table.find(hash, key))
    }

    /// Removes the node at `index`, keeping the expiry accounting right.
    fn detach(&mut self, index: Index) -> Node {
        let node = self.table.remove(index);
        if let Some(d) = node.view().entry().expire_at() {
            self.untrack_deadline(d);
        }
        node
    }

    /// Records that a key with deadline `d` lost it (deleted or changed).
    fn untrack_deadline(&mut self, d: u64) {
        self.expires.removed(d);
        self.maybe_compact_expires();
    }

    /// Records that the key with `hash` now has deadline `deadline`.
    fn track_deadline(&mut self, hash: Hash, deadline: Option<u64>) {
        if let Some(d) = deadline {
            self.expires.added(d);
            self.expires.heap.push((d, hash));
            self.maybe_compact_expires();
        }
    }

    /// Compacts the expiry heap once stale pairs outnumber live TTL keys
    /// (amortized O(1) per TTL change or deletion).
    fn maybe_compact_expires(&mut self) {
        if self.expires.heap.len() > 2 * self.expires.live + 64 {
            self.compact_expires();
        }
    }

    /// Drops stale pairs from the expiry heap.
    fn compact_expires(&mut self) {
        let table = &self.table;
        self.expires.heap.retain_unique(|&(d, h)| table.find_by(h, |n| n.entry().expire_at() == Some(d)).is_some());
    }

    /// Looks up `key` for reading or writing: `None` if missing or expired
    /// (an expired key is deleted). Counts as an access for LRU / LFU.
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        // A lookup that mutates does its share of a resize in progress.
        self.table.step();
        let (_, index) = self.find(key);
        let index = index?;
        if self.table.node(index).entry().is_expired(now_ms) {
            self.detach_expired(index);
            return None;
        }
        let rnd = self.next_rand() as u32;
        let mut node = self.table.node_mut(index);
        node.meta_mut().touch(now_ms, rnd, self.lfu);
        Some(node.into_entry_mut())
    }

    /// Approximate bytes `key` costs (MEMORY USAGE): its node and slot in
    /// the table, its expiry index entry, and what its value owns (a large
    /// collection's elements measured over `samples` of them, 0: all).
    /// `None` if missing or expired. Not an access.
    pub fn memory_usage(&self, key: &[u8], samples: usize, now_ms: u64) -> Option<usize> {
        let entry = self.peek(key, now_ms)?;
        let expiry = if entry.expire_at().is_some() { 16 } else { 0 };
        Some(crate::table::key_bytes(key.len()) + expiry + entry.value().heap_bytes(samples))
    }

    /// Looks up `key` without side effects: no access is recorded and an
    /// expired key is reported missing but not deleted.
    pub fn peek(&self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        let (_, index) = self.find(key);
        let entry = self.table.node(index?).entry();
        (!entry.is_expired(now_ms)).then_some(entry)
    }

    /// True if `key` exists and has not expired (an expired key is deleted).
    /// Not an access for LRU / LFU.
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        match self.find(key) {
            (_, Some(index)) => {
                if self.table.node(index).entry().is_expired(now_ms) {
                    self.detach_expired(index);
                    false
                } else {
                    true
                }
            }
            (_, None) => false,
        }
    }

    /// Sets `key` to `value` with deadline `expire_at_ms`, replacing any old
    /// value and deadline. Returns the old value if the key was live (so the
    /// caller may drop it elsewhere). The access clock restarts; a live
    /// key's LFU counter is kept (decayed), as Redis keeps an overwritten
    /// key's access frequency.
    pub fn insert(&mut self, key: &[u8], value: Value, expire_at_ms: Option<u64>, now_ms: u64) -> Option<Value> {
        self.put_entry(key, Entry::new(value, expire_at_ms), now_ms).map(Entry::into_value)
    }

    /// Like [`insert`](Self::insert) with a whole [`Entry`] (value and
    /// deadline), e.g. one obtained from [`take_entry`](Self::take_entry) in
    /// another database (MOVE) or cloned from one (COPY). Returns the old
    /// entry if the key was live.
    pub fn put_entry(&mut self, key: &[u8], entry: Entry, now_ms: u64) -> Option<Entry> {
        let (hash, index) = self.find(key);
        let deadline = entry.expire_at();
        let old = match index {
            Some(index) => {
                if self.key_log.is_some() && self.table.node(index).entry().is_expired(now_ms) {
                    // An expired key replaced: reclaimed, then created anew.
                    self.log_key(KeyEvent::Expired, key);
                    self.log_key(KeyEvent::New, key);
                }
                let mut node = self.table.node_mut(index);
                let old = std::mem::replace(node.entry_mut(), entry);
                let meta = node.meta_mut();
                *meta = if old.is_expired(now_ms) { Meta::new(now_ms) } else { meta.overwritten(now_ms, self.lfu) };
                if let Some(d) = old.expire_at() {
                    self.untrack_deadline(d);
                }
                self.table.step();
                (!old.is_expired(now_ms)).then_some(old)
            }
            None => {
                self.table.insert(hash, Node::new(key, entry, Meta::new(now_ms)));
                if self.key_log.is_some() {
                    self.log_key(KeyEvent::New, key);
                }
                None
            }
        };
        self.track_deadline(hash, deadline);
        old
    }

    /// Removes `key`, returning its value; `None` if it was missing or
    /// expired.
    pub fn remove(&mut self, key: &[u8], now_ms: u64) -> Option<Value> {
        self.take_entry(key, now_ms).map(Entry::into_value)
    }

    /// Removes `key`, returning its value and deadline (for MOVE); `None` if
    /// it was missing or expired.
    pub fn take_entry(&mut self, key: &[u8], now_ms: u64) -> Option<Entry> {
        let (_, index) = self.find(key);
        let index = index?;
        if self.table.node(index).entry().is_expired(now_ms) {
            self.detach_expired(index);
            return None;
        }
        let (entry, _) = self.detach(index).into_parts();
        Some(entry)
    }

    /// Sets (`Some`) or clears (`None`, PERSIST) the deadline of `key`.
    /// Returns false if the key is missing or expired. A deadline `<= now_ms`
    /// makes the key expired at once (it is then reclaimed like any expired
    /// key; Redis deletes it outright, so servers usually call
    /// [`remove`](Self::remove) instead).
    pub fn set_expire(&mut self, key: &[u8], expire_at_ms: Option<u64>, now_ms: u64) -> bool {
        let (hash, index) = self.find(key);
        let Some(index) = index else { return false };
        let entry = self.table.node_mut(index).into_entry_mut();
        if entry.is_expired(now_ms) {
            self.detach_expired(index);
            return false;
        }
        let old = entry.expire_at();
        entry.set_deadline(expire_at_ms);
        let new = entry.expire_at();
        if old == new {
            return true;
        }
        if let Some(d) = old {
            self.untrack_deadline(d);
        }
        self.track_deadline(hash, new);
        self.table.step();
        true
    }

    /// The deadline of `key`: `None` if the key is missing or expired,
    /// `Some(None)` if it has no deadline, `Some(Some(ms))` otherwise.
    pub fn expire_at(&self, key: &[u8], now_ms: u64) -> Option<Option<u64>> {
        self.peek(key, now_ms).map(Entry::expire_at)
    }

    /// Milliseconds since `key` was last accessed (OBJECT IDLETIME, at
    /// one-second resolution), without counting this as an access.
    pub fn idle_ms(&self, key: &[u8], now_ms: u64) -> Option<u64> {
        let (_, index) = self.find(key);
        let node = self.table.node(index?);
        (!node.entry().is_expired(now_ms)).then(|| node.meta().idle_ms(now_ms))
    }

    /// The LFU logarithmic access counter of `key` (OBJECT FREQ), decayed by
    /// one per idle minute, without counting this as an access.
    pub fn lfu_freq(&self, key: &[u8], now_ms: u64) -> Option<u8> {
        let (_, index) = self.find(key);
        let node = self.table.node(index?);
        (!node.entry().is_expired(now_ms)).then(|| node.meta().freq(now_ms, self.lfu))
    }

    /// Makes `key` look last accessed `idle_secs` seconds before `now_ms`
    /// (RESTORE ... IDLETIME under an LRU policy). Returns false if the key
    /// is missing or expired.
    pub fn set_idle_secs(&mut self, key: &[u8], idle_secs: u64, now_ms: u64) -> bool {
        let Some(index) = self.find(key).1 else { return false };
        if self.table.node(index).entry().is_expired(now_ms) {
            return false;
        }
        let mut node = self.table.node_mut(index);
        let meta = node.meta_mut();
        *meta = meta.with_idle(now_ms, idle_secs);
        true
    }

    /// Sets the LFU counter of `key` to `freq` (RESTORE ... FREQ under an
    /// LFU policy). Returns false if the key is missing or expired.
    pub fn set_lfu_freq(&mut self, key: &[u8], freq: u8, now_ms: u64) -> bool {
        let Some(index) = self.find(key).1 else { return false };
        if self.table.node(index).entry().is_expired(now_ms) {
            return false;
        }
        *self.table.node_mut(index).meta_mut() = Meta::with_freq(now_ms, freq);
        true
    }

    /// Renames `from` to `to`, moving its value and deadline and replacing any
    /// value at `to`. Returns false if `from` is missing or expired. Renaming
    /// a key to itself succeeds without change.
    pub fn rename(&mut self, from: &[u8], to: &[u8], now_ms: u64) -> bool {
        if from == to {
            return self.contains(from, now_ms);
        }
        let (_, index) = self.find(from);
        let Some(index) = index else { return false };
        if self.table.node(index).entry().is_expired(now_ms) {
            self.detach_expired(index);
            return false;
        }
        let (entry, meta) = self.detach(index).into_parts();
        let (hash, index) = self.find(to);
        let mut created = true;
        if let Some(index) = index {
            if self.table.node(index).entry().is_expired(now_ms) {
                self.detach_expired(index);
            } else {
                self.detach(index);
                created = false;
            }
        }
        if created && self.key_log.is_some() {
            self.log_key(KeyEvent::New, to);
        }
        let deadline = entry.expire_at();
        self.table.insert(hash, Node::new(to, entry, meta));
        self.track_deadline(hash, deadline);
        true
    }

    /// One SCAN step: calls `f` for live keys with hash order position at or
    /// after `cursor`, about `count` of them, and returns the next cursor
    /// (`0` when the scan is complete). Every key present for the whole scan
    /// is reported at least once (in fact exactly once), however the table
    /// grows or shrinks between calls. Expired keys are skipped.
    ///
    /// Cursors are hash positions below 2^32; a larger cursor is past the
    /// end (nothing left to return).
    pub fn scan(&self, cursor: u64, count: usize, now_ms: u64, mut f: impl FnMut(&[u8], &Entry)) -> u64 {
        let Ok(cursor) = Hash::try_from(cursor) else { return 0 };
        let next = self.table.scan(cursor, count, |node| {
            if !node.entry().is_expired(now_ms) {
                f(node.key(), node.entry());
            }
        });
        u64::from(next)
    }

    /// A random live key (RANDOMKEY), or `None` if there is none. Expired
    /// keys met on the way are deleted. The choice is close to uniform
    /// (a key after a longer run of empty slots is a little likelier).
    pub fn random_key(&mut self, now_ms: u64) -> Option<Vec<u8>> {
        loop {
            let r = self.next_rand();
            let index = self.table.random_index(r)?;
            let node = self.table.node(index);
            if node.entry().is_expired(now_ms) {
                self.detach_expired(index);
                continue;
            }
            return Some(node.key().to_vec());
        }
    }

    /// Calls `f` with up to `count` keys chosen at random, for approximate
    /// LRU / LFU / TTL eviction: with `volatile`, only keys that have a
    /// deadline (drawn from the expiry index), otherwise any key (a run of
    /// neighbouring slots of the table from a random position, as Redis's
    /// `dictGetSomeKeys` walks neighbouring buckets). Keys past their
    /// deadline but not yet reclaimed are included. The same key may come
    /// twice, and fewer than `count` may come even when more exist; at least
    /// one comes from a non-empty sample space.
    pub fn sample_keys(&mut self, volatile: bool, count: usize, mut f: impl FnMut(&[u8], &Entry)) {
        self.sample_nodes(volatile, count, |node| f(node.key(), node.entry()));
    }

    pub(crate) fn sample_nodes(&mut self, volatile: bool, count: usize, mut f: impl FnMut(NodeRef<'_>)) {
        if !volatile {
            let r = self.next_rand();
            self.table.sample(r, count, f);
            return;
        }
        let n = self.expires.heap.len();
        if self.expires.live == 0 || n == 0 {
            return;
        }
        // At most half the heap's pairs are stale (it is compacted beyond
        // that), so a draw finds a live pair with probability >= ~1/2.
        let mut found = 0;
        let mut tries = count.saturating_mul(4).max(16);
        while found < count && tries > 0 {
            tries -= 1;
            let r = self.next_rand();
            let Some((d, h)) = self.expires.heap.get((r % n as u64) as usize) else { break };
            if let Some(index) = self.table.find_by(h, |node| node.entry().expire_at() == Some(d)) {
                f(self.table.node(index));
                found += 1;
            }
        }
    }

    /// A random key with a deadline (from the expiry index), if any.
    fn random_volatile_index(&mut self) -> Option<Index> {
        for round in 0..2 {
            if self.expires.live == 0 {
                return None;
            }
            if round == 1 {
                // Every draw met a stale pair (only possible by bad luck):
                // drop the stale pairs and draw again.
                self.compact_expires();
            }
            let n = self.expires.heap.len();
            for _ in 0..256 {
                let r = self.next_rand();
                let (d, h) = self.expires.heap.get((r % n.max(1) as u64) as usize)?;
                if let Some(index) = self.table.find_by(h, |node| node.entry().expire_at() == Some(d)) {
                    return Some(index);
                }
            }
        }
        None
    }

    /// Removes `key` for eviction, returning its value, whether or not it is
    /// past its deadline; with `volatile`, only if it has a deadline.
    pub(crate) fn evict_key(&mut self, key: &[u8], volatile: bool) -> Option<Value> {
        let index = self.find(key).1?;
        if volatile && self.table.node(index).entry().expire_at().is_none() {
            return None;
        }
        Some(self.detach(index).into_parts().0.into_value())
    }

    /// Removes a random key (with `volatile`, a random key with a
    /// deadline) for eviction, returning it and its value.
    pub(crate) fn evict_random(&mut self, volatile: bool) -> Option<(Vec<u8>, Value)> {
        let index = if volatile {
            self.random_volatile_index()?
        } else {
            let r = self.next_rand();
            self.table.random_index(r)?
        };
        let key = self.table.node(index).key().to_vec();
        Some((key, self.detach(index).into_parts().0.into_value()))
    }

    /// Calls `f` for every live key (KEYS, SAVE), in no particular order.
    ///
    /// Keys live in separate allocations scattered over the heap, so the
    /// walk would wait for memory at every key: it asks the CPU to fetch
    /// each key 16 keys before it gets there, and a set's or sorted set's
    /// boxed value 8 keys before (once the key's entry, which points to it,
    /// has arrived).
    pub fn for_each(&self, now_ms: u64, mut f: impl FnMut(&[u8], &Entry)) {
        let mut visit = |node: NodeRef<'_>| {
            if !node.entry().is_expired(now_ms) {
                f(node.key(), node.entry());
            }
        };
        let mut ahead: [Option<NodeRef<'_>>; PREFETCH_AHEAD] = [None; PREFETCH_AHEAD];
        let mut i = 0;
        for (_, node) in self.table.iter() {
            prefetch(node.entry());
            if let Some(half) = ahead[(i + PREFETCH_AHEAD / 2) % PREFETCH_AHEAD] {
                match half.entry().value() {
                    // Strings and the list and hash handles live in the entry.
                    Value::Str(_) | Value::List(_) | Value::Hash(_) => {}
                    Value::Set(b) => prefetch(&**b),
                    Value::ZSet(b) => prefetch(&**b),
                    Value::Stream(b) => prefetch(&**b),
                }
            }
            if let Some(due) = ahead[i % PREFETCH_AHEAD].replace(node) {
                visit(due);
            }
            i += 1;
        }
        for k in 0..PREFETCH_AHEAD {
            if let Some(due) = ahead[(i + k) % PREFETCH_AHEAD].take() {
                visit(due);
            }
        }
    }

    /// Removes every key (FLUSHDB), returning the old contents as a `Db` so
    /// the caller can drop it on another thread (lazy free).
    pub fn clear(&mut self) -> Db {
        let fresh = self.empty_like();
        std::mem::replace(self, fresh)
    }

    /// Removes up to `max_keys` keys whose deadline is `<= now_ms`, using the
    /// expiry index (no keyspace scan). Returns how many were removed.
    ///
    /// Work per call is bounded: besides the removals, at most
    /// `4 * max_keys` (at least 16) stale index pairs are skipped, so a call
    /// may return fewer than `max_keys` while keys are still due. In that
    /// case [`next_deadline`](Self::next_deadline) is `<= now_ms`, so a timer
    /// driven by it fires again at once. The index never holds more than
    /// `2 * expires_len() + 64` pairs.
    pub fn active_expire(&mut self, now_ms: u64, max_keys: usize) -> usize {
        let mut removed = 0;
        // Stale heap pairs cost a pop each; bound them too.
        let mut stale_budget = max_keys.saturating_mul(4).max(16);
        while removed < max_keys {
            match self.expires.heap.peek() {
                Some((deadline, _)) if deadline <= now_ms => {}
                _ => break,
            }
            let Some((deadline, hash)) = self.expires.heap.pop() else { break };
            let mut found = false;
            while let Some(index) = self.table.find_by(hash, |n| n.entry().is_expired(now_ms)) {
                if removed >= max_keys {
                    // Out of budget with more due under this hash: keep the pair.
                    self.expires.heap.push((deadline, hash));
                    break;
                }
                self.detach_expired(index);
                removed += 1;
                found = true;
            }
            if !found {
                stale_budget -= 1;
                if stale_budget == 0 {
                    break;
                }
            }
        }
        removed
    }

    /// Does about `max_slots` slots' worth of pending keyspace-table resize
    /// work and returns true while some remains.
    ///
    /// The table grows and shrinks incrementally: every insertion, removal
    /// and mutating lookup already migrates a few dozen slots, so a resize
    /// always completes. Calling this from the event loop's idle time (with a
    /// time budget, e.g. in chunks of 1000 slots for up to 1 ms, like Redis's
    /// `activerehashing`) finishes it sooner, which keeps lookups on a single
    /// array and releases the old array's memory.
    pub fn rehash_step(&mut self, max_slots: usize) -> bool {
        self.table.rehash_step(max_slots)
    }

    /// True while the keyspace table is being resized (see
    /// [`rehash_step`](Self::rehash_step)).
    pub fn is_rehashing(&self) -> bool {
        self.table.is_rehashing()
    }

    /// The earliest deadline in the expiry index, if any. It may belong to a
    /// key whose deadline has since changed (good enough as a timer).
    pub fn next_deadline(&self) -> Option<u64> {
        self.expires.heap.peek().map(|(d, _)| d)
    }

    /// True if `key` is physically stored, expired or not (tests only).
    #[cfg(test)]
    pub(crate) fn holds(&self, key: &[u8]) -> bool {
        self.find(key).1.is_some()
    }

    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        self.table.check_invariants();
        let with_ttl: Vec<_> = self.table.iter().filter_map(|(h, n)| n.entry().expire_at().map(|d| (d, h))).collect();
        assert_eq!(with_ttl.len(), self.expires.live);
        let sum: u128 = with_ttl.iter().map(|&(d, _)| u128::from(d)).sum();
        assert_eq!(sum, self.expires.deadline_sum);
        let heap: std::collections::HashSet<_> = self.expires.heap.iter().copied().collect();
        assert!(self.expires.heap.len() <= 2 * self.expires.live + 64, "heap not compacted");
        for item in with_ttl {
            assert!(heap.contains(&item), "deadline {item:?} missing from the heap");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[u8]) -> Value {
        Value::string(v)
    }

    fn bytes(e: &Entry) -> Vec<u8> {
        e.value().as_str().expect("string").to_vec()
    }

    #[test]
    fn basic_crud() {
        let mut db = Db::with_seed(9);
        assert!(db.is_empty());
        assert_eq!(db.insert(b"a", s(b"1"), None, 0), None);
        assert_eq!(db.insert(b"a", s(b"2"), None, 0), Some(s(b"1")));
        assert_eq!(db.len(), 1);
        assert_eq!(db.get(b"a", 0).map(|e| bytes(e)), Some(b"2".to_vec()));
        assert_eq!(db.peek(b"b", 0), None);
        assert_eq!(db.remove(b"a", 0), Some(s(b"2")));
        assert_eq!(db.remove(b"a", 0), None);
        assert!(db.is_empty());
        db.check_invariants();
    }

    #[test]
    fn in_place_modification() {
        let mut db = Db::with_seed(9);
        db.insert(b"k", s(b"abc"), None, 0);
        let e = db.get(b"k", 0).expect("present");
        e.value_mut().as_str_mut().expect("string").append(b"def");
        assert_eq!(db.peek(b"k", 0).map(bytes), Some(b"abcdef".to_vec()));
        assert_eq!(db.peek(b"k", 0).map(|e| e.value().encoding_name()), Some("raw"));
    }

    #[test]
    fn key_events_are_recorded_in_order_when_asked() {
        let mut db = Db::with_seed(1);
        let s = |b: &[u8]| Value::string(b);
        db.insert(b"quiet", s(b"v"), None, 0);
        assert!(!db.has_key_events());
        db.record_key_events(true, true);
        db.insert(b"a", s(b"v"), Some(10), 0);
        db.insert(b"a", s(b"w"), Some(10), 5); // overwrite: not new
        db.insert(b"b", s(b"v"), Some(10), 0);
        assert!(db.get(b"a", 20).is_none()); // lazy expiry
        db.insert(b"b", s(b"v"), None, 20); // replaces an expired key
        db.insert(b"c", s(b"v"), Some(10), 0);
        assert_eq!(db.active_expire(30, 10), 1);
        assert!(db.rename(b"b", b"d", 30));
        let events = db.take_key_events();
        let got: Vec<(KeyEvent, &[u8])> = events.iter().map(|(e, k)| (*e, &**k)).collect();
        use KeyEvent::{Expired, New};
        assert_eq!(
            got,
            vec![
                (New, &b"a"[..]),
                (New, b"b"),
                (Expired, b"a"),
                (Expired, b"b"),
                (New, b"b"),
                (New, b"c"),
                (Expired, b"c"),
                (New, b"d"),
            ]
        );
        assert!(!db.has_key_events());
        // Only expiry asked for; then nothing.
        db.record_key_events(true, false);
        db.insert(b"e", s(b"v"), Some(40), 30);
        assert!(!db.contains(b"e", 50));
        assert_eq!(db.take_key_events(), vec![(Expired, b"e".to_vec().into_boxed_slice())]);
        db.record_key_events(false, false);
        db.insert(b"f", s(b"v"), Some(40), 30);
        assert!(!db.contains(b"f", 50));
        assert!(!db.has_key_events());
    }

    #[test]
    fn lazy_expiry() {
        let mut db = Db::with_seed(1);
        db.insert(b"k", s(b"v"), Some(100), 0);
        assert_eq!(db.expires_len(), 1);
        assert_eq!(db.expire_at(b"k", 99), Some(Some(100)));
        assert!(db.peek(b"k", 99).is_some());
        assert!(db.peek(b"k", 100).is_none());
        // peek does not delete, DBSIZE still counts it.
        assert_eq!(db.len(), 1);
        assert!(db.get(b"k", 100).is_none());
        assert_eq!(db.len(), 0);
        assert_eq!(db.expires_len(), 0);
        db.check_invariants();

        // Overwriting an expired key returns no old value.
        db.insert(b"k", s(b"v"), Some(100), 0);
        assert_eq!(db.insert(b"k", s(b"w"), None, 200), None);
        assert_eq!(db.expire_at(b"k", 200), Some(None));
        assert_eq!(db.expires_len(), 0);
        db.check_invariants();
    }

    #[test]
    fn set_expire_and_persist() {
        let mut db = Db::with_seed(1);
        assert!(!db.set_expire(b"nope", Some(5), 0));
        db.insert(b"k", s(b"v"), None, 0);
        assert!(db.set_expire(b"k", Some(1000), 0));
        assert_eq!(db.expire_at(b"k", 0), Some(Some(1000)));
        assert!(db.set_expire(b"k", Some(500), 0)); // earlier
        assert!(db.set_expire(b"k", Some(2000), 0)); // later
        assert_eq!(db.expires_len(), 1);
        db.check_invariants();
        // The stale pairs for 500 and 1000 must not delete the key.
        assert_eq!(db.active_expire(1500, 100), 0);
        assert!(db.contains(b"k", 1500));
        assert_eq!(db.active_expire(2000, 100), 1);
        assert!(db.is_empty());

        db.insert(b"p", s(b"v"), Some(10), 0);
        assert!(db.set_expire(b"p", None, 0));
        assert_eq!(db.expires_len(), 0);
        assert_eq!(db.active_expire(100, 100), 0);
        assert!(db.contains(b"p", 100));
        db.check_invariants();

        // Expiring an already expired key fails and reclaims it.
        db.insert(b"x", s(b"v"), Some(10), 0);
        assert!(!db.set_expire(b"x", Some(50), 20));
        assert!(!db.contains(b"x", 0));
    }

    #[test]
    fn active_expire_respects_budget_and_order() {
        let mut db = Db::with_seed(2);
        for i in 0..1000u32 {
            db.insert(&i.to_be_bytes(), s(b"v"), Some(u64::from(i)), 0);
        }
        db.insert(b"forever", s(b"v"), None, 0);
        assert_eq!(db.next_deadline(), Some(0));
        assert_eq!(db.active_expire(499, 100), 100);
        assert_eq!(db.active_expire(499, 1000), 400);
        assert_eq!(db.active_expire(499, 1000), 0);
        assert_eq!(db.len(), 501);
        assert_eq!(db.next_deadline(), Some(500));
        assert_eq!(db.active_expire(10_000, usize::MAX), 500);
        assert_eq!(db.len(), 1);
        assert_eq!(db.next_deadline(), None);
        db.check_invariants();
    }

    #[test]
    fn heap_is_compacted() {
        let mut db = Db::with_seed(3);
        db.insert(b"k", s(b"v"), None, 0);
        for t in 0..10_000u64 {
            db.set_expire(b"k", Some(1_000_000 + t), 0);
        }
        assert!(db.expires.heap.len() <= 70, "heap {}", db.expires.heap.len());
        db.check_invariants();
        // Many keys, each re-expired many times.
        for i in 0..100u32 {
            db.insert(&i.to_be_bytes(), s(b"v"), Some(5), 0);
        }
        for round in 0..50u64 {
            for i in 0..100u32 {
                db.set_expire(&i.to_be_bytes(), Some(10 + round), 0);
            }
        }
        db.check_invariants();
        assert!(db.expires.heap.len() <= 2 * 101 + 64);
    }

    #[test]
    fn avg_ttl() {
        let mut db = Db::with_seed(3);
        assert_eq!(db.avg_ttl(0), 0);
        db.insert(b"a", s(b"v"), Some(1000), 0);
        db.insert(b"b", s(b"v"), Some(3000), 0);
        db.insert(b"c", s(b"v"), None, 0);
        assert_eq!(db.avg_ttl(0), 2000);
        assert_eq!(db.avg_ttl(500), 1500);
        db.remove(b"b", 0);
        assert_eq!(db.avg_ttl(0), 1000);
    }

    #[test]
    fn rename_moves_value_and_ttl() {
        let mut db = Db::with_seed(4);
        db.insert(b"a", s(b"1"), Some(100), 0);
        db.insert(b"b", s(b"2"), None, 0);
        assert!(db.rename(b"a", b"b", 0));
        assert!(!db.contains(b"a", 0));
        assert_eq!(db.expire_at(b"b", 0), Some(Some(100)));
        assert_eq!(db.peek(b"b", 0).map(bytes), Some(b"1".to_vec()));
        assert_eq!(db.len(), 1);
        db.check_invariants();
        assert!(!db.rename(b"a", b"c", 0));
        assert!(db.rename(b"b", b"b", 0));
        assert!(!db.rename(b"b", b"c", 100)); // expired
        assert!(db.is_empty());
        db.check_invariants();
        // The moved key is actively expired under its new name.
        db.insert(b"x", s(b"1"), Some(100), 0);
        assert!(db.rename(b"x", b"y", 0));
        assert_eq!(db.active_expire(100, 10), 1);
        assert!(db.is_empty());
    }

    #[test]
    fn take_and_put_entry_keep_ttl() {
        let mut a = Db::with_seed(5);
        let mut b = Db::with_seed(5);
        a.insert(b"k", s(b"v"), Some(100), 0);
        let e = a.take_entry(b"k", 0).expect("present");
        assert_eq!(b.put_entry(b"k", e, 0), None);
        assert_eq!(b.expire_at(b"k", 0), Some(Some(100)));
        assert!(a.is_empty());
        assert_eq!(b.active_expire(100, 10), 1);
        a.check_invariants();
        b.check_invariants();
    }

    #[test]
    fn access_metadata() {
        let mut db = Db::with_seed(6);
        db.insert(b"k", s(b"v"), None, 10_000);
        assert_eq!(db.idle_ms(b"k", 15_000), Some(5_000));
        assert!(db.get(b"k", 15_000).is_some());
        assert_eq!(db.idle_ms(b"k", 15_000), Some(0));
        assert_eq!(db.lfu_freq(b"k", 15_000), Some(6)); // first access always counts
        assert!(db.peek(b"k", 20_000).is_some());
        assert_eq!(db.idle_ms(b"k", 20_000), Some(5_000));
        assert_eq!(db.idle_ms(b"missing", 0), None);
        assert!(db.set_idle_secs(b"k", 100, 20_000));
        assert_eq!(db.idle_ms(b"k", 20_000), Some(100_000));
        assert!(db.set_lfu_freq(b"k", 42, 20_000));
        assert_eq!(db.lfu_freq(b"k", 20_000), Some(42));
        assert!(!db.set_idle_secs(b"missing", 1, 0));
        assert!(!db.set_lfu_freq(b"missing", 1, 0));
    }

    #[test]
    fn random_key_and_for_each() {
        let mut db = Db::with_seed(7);
        assert_eq!(db.random_key(0), None);
        for i in 0..100u32 {
            let ttl = if i < 50 { Some(10) } else { None };
            db.insert(&i.to_be_bytes(), s(b"v"), ttl, 0);
        }
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let k = db.random_key(20).expect("live keys");
            let i = u32::from_be_bytes(k.try_into().expect("4 bytes"));
            assert!(i >= 50);
            seen.insert(i);
        }
        assert!(seen.len() > 45, "{}", seen.len());
        let mut n = 0;
        db.for_each(20, |_, _| n += 1);
        assert_eq!(n, 50);
        db.check_invariants();

        let mut all_expired = Db::with_seed(7);
        for i in 0..100u32 {
            all_expired.insert(&i.to_be_bytes(), s(b"v"), Some(1), 0);
        }
        assert_eq!(all_expired.random_key(5), None);
        assert!(all_expired.is_empty());
    }

    #[test]
    fn for_each_visits_every_live_key_once_in_table_order() {
        let cfg = crate::EncodingConfig::default();
        for n in [0usize, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100] {
            let mut db = Db::with_seed(3);
            for i in 0..n {
                let value = if i % 2 == 0 {
                    s(b"v")
                } else {
                    Value::Set(Box::new(crate::types::set::Set::from_members([&b"m"[..]].into_iter(), &cfg)))
                };
                let ttl = (i % 3 == 0).then_some(10);
                db.insert(format!("k{i}").as_bytes(), value, ttl, 0);
            }
            let mut got = Vec::new();
            db.for_each(20, |k, _| got.push(k.to_vec()));
            let want: Vec<Vec<u8>> = db
                .table
                .iter()
                .filter(|(_, node)| !node.entry().is_expired(20))
                .map(|(_, node)| node.key().to_vec())
                .collect();
            assert_eq!(got, want, "{n} keys");
            assert_eq!(got.len(), (0..n).filter(|i| i % 3 != 0).count());
        }
    }

    #[test]
    fn clear_returns_old_contents() {
        let mut db = Db::with_seed(8);
        db.insert(b"a", s(b"1"), Some(5), 0);
        let old = db.clear();
        assert_eq!(old.len(), 1);
        assert!(db.is_empty());
        assert_eq!(db.expires_len(), 0);
        assert_eq!(db.next_deadline(), None);
        std::thread::spawn(move || drop(old)).join().expect("drop thread");
    }

    #[test]
    fn scan_skips_expired_and_finishes() {
        let mut db = Db::with_seed(10);
        for i in 0..1000u32 {
            let ttl = if i % 2 == 0 { Some(10) } else { None };
            db.insert(&i.to_be_bytes(), s(b"v"), ttl, 0);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = db.scan(cursor, 10, 10, |k, _| assert!(seen.insert(k.to_vec()), "duplicate"));
            calls += 1;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 500);
        assert!(calls > 50 && calls < 200, "{calls}");
    }
}
