//! The whole keyspace ([`Store`]): numbered databases sharing one keyed hash
//! function, with SWAPDB, FLUSHALL and store-wide active expiry.

use crate::db::Db;
use crate::hash::{random_seed, splitmix, KeyHasher};

/// The default number of databases, as Redis's `databases` setting.
pub const DEFAULT_DATABASES: usize = 16;

/// All databases of a server.
///
/// ```
/// use ember_store::{Store, Value};
///
/// let mut store = Store::new(16);
/// let now = 0;
/// store.db(0).insert(b"k", Value::string(b"v"), None, now);
/// store.swap_db(0, 3);
/// assert!(store.db(3).contains(b"k", now));
/// assert!(store.db(0).is_empty());
/// ```
#[derive(Debug)]
pub struct Store {
    pub(crate) dbs: Vec<Db>,
    /// Database where the next active-expiry pass starts (round robin).
    expire_next: usize,
}

impl Default for Store {
    fn default() -> Self {
        Store::new(DEFAULT_DATABASES)
    }
}

impl Store {
    /// `databases` empty databases with a random hash seed.
    ///
    /// # Panics
    /// If `databases` is 0.
    pub fn new(databases: usize) -> Self {
        Store::with_seed(databases, random_seed())
    }

    /// Like [`new`](Self::new) with a fixed hash seed (deterministic, for
    /// tests).
    ///
    /// # Panics
    /// If `databases` is 0.
    pub fn with_seed(databases: usize, seed: u64) -> Self {
        assert!(databases > 0, "a store needs at least one database");
        let hasher = KeyHasher::with_seed(seed);
        let dbs = (0..databases)
            .map(|i| Db::with_hasher(hasher, splitmix(seed ^ (i as u64).wrapping_mul(0x9e37_79b9))))
            .collect();
        Store { dbs, expire_next: 0 }
    }

    /// Number of databases.
    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// Database `index`.
    ///
    /// # Panics
    /// If `index >= self.databases()` (the server validates SELECT first).
    pub fn db(&mut self, index: usize) -> &mut Db {
        &mut self.dbs[index]
    }

    /// Database `index`, shared.
    ///
    /// # Panics
    /// If `index >= self.databases()`.
    pub fn db_ref(&self, index: usize) -> &Db {
        &self.dbs[index]
    }

    /// Two different databases at once (MOVE, COPY ... DB).
    ///
    /// # Panics
    /// If `a == b` or either is out of range.
    pub fn db_pair(&mut self, a: usize, b: usize) -> (&mut Db, &mut Db) {
        assert_ne!(a, b, "db_pair needs two different databases");
        if a < b {
            let (lo, hi) = self.dbs.split_at_mut(b);
            (&mut lo[a], &mut hi[0])
        } else {
            let (lo, hi) = self.dbs.split_at_mut(a);
            (&mut hi[0], &mut lo[b])
        }
    }

    /// All databases, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Db> {
        self.dbs.iter()
    }

    /// SWAPDB: exchanges the contents of two databases.
    ///
    /// # Panics
    /// If either index is out of range.
    pub fn swap_db(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
    }

    /// FLUSHALL: empties every database and returns the old contents, so the
    /// caller can drop them on another thread (lazy free).
    pub fn flush_all(&mut self) -> Vec<Db> {
        self.dbs.iter_mut().map(Db::clear).collect()
    }

    /// Total number of keys over all databases (including expired keys not
    /// yet reclaimed).
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }

    /// Active expiry: removes up to `max_keys` keys whose deadline is
    /// `<= now_ms`, over all databases (round robin between calls), using
    /// the expiry indexes only. Returns how many were removed; a result
    /// equal to `max_keys` means more may be due.
    pub fn active_expire(&mut self, now_ms: u64, max_keys: usize) -> usize {
        let n = self.dbs.len();
        let mut removed = 0;
        for step in 0..n {
            let i = (self.expire_next + step) % n;
            removed += self.dbs[i].active_expire(now_ms, max_keys - removed);
            if removed >= max_keys {
                // Start with this database next time: it may have more due.
                self.expire_next = i;
                return removed;
            }
        }
        self.expire_next = (self.expire_next + 1) % n;
        removed
    }

    /// Starts or stops recording expired and created keys in every
    /// database (see [`Db::record_key_events`]).
    pub fn record_key_events(&mut self, expired: bool, new: bool) {
        self.dbs.iter_mut().for_each(|db| db.record_key_events(expired, new));
    }

    /// Incremental rehashing for the event loop's idle time: gives up to
    /// `max_slots` slots' worth of resize work to the first database whose
    /// keyspace table is being resized (as Redis's `activerehashing`).
    /// Returns true while any database has resize work left, so a caller with
    /// a time budget can loop:
    /// `while store.rehash_step(1000) && start.elapsed() < budget {}`.
    pub fn rehash_step(&mut self, max_slots: usize) -> bool {
        let mut pending = false;
        let mut spent = false;
        for db in self.dbs.iter_mut().filter(|db| db.is_rehashing()) {
            if spent {
                pending = true;
                break;
            }
            pending |= db.rehash_step(max_slots);
            spent = true;
        }
        pending
    }

    /// The earliest deadline over all databases' expiry indexes, if any
    /// (possibly stale; fine as an event-loop timeout).
    pub fn next_deadline(&self) -> Option<u64> {
        self.dbs.iter().filter_map(Db::next_deadline).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn databases_are_independent() {
        let mut st = Store::with_seed(4, 1);
        assert_eq!(st.databases(), 4);
        st.db(0).insert(b"k", Value::string(b"0"), None, 0);
        st.db(1).insert(b"k", Value::string(b"1"), Some(50), 0);
        assert_eq!(st.total_keys(), 2);
        assert_eq!(st.next_deadline(), Some(50));
        st.swap_db(1, 2);
        assert!(st.db(1).is_empty());
        assert_eq!(st.db_ref(2).expire_at(b"k", 0), Some(Some(50)));
        assert_eq!(st.active_expire(50, 10), 1);
        assert_eq!(st.total_keys(), 1);
        let old = st.flush_all();
        assert_eq!(old.iter().map(Db::len).sum::<usize>(), 1);
        assert_eq!(st.total_keys(), 0);
        // Flushed databases keep working with the same hashing.
        st.db(0).insert(b"k", Value::string(b"x"), None, 0);
        assert!(st.db(0).contains(b"k", 0));
    }

    #[test]
    fn move_between_databases() {
        let mut st = Store::with_seed(2, 1);
        st.db(0).insert(b"k", Value::string(b"v"), Some(99), 0);
        let (a, b) = st.db_pair(0, 1);
        let e = a.take_entry(b"k", 0).expect("present");
        b.put_entry(b"k", e, 0);
        let (b2, a2) = st.db_pair(1, 0);
        assert!(b2.contains(b"k", 0));
        assert!(!a2.contains(b"k", 0));
    }

    #[test]
    fn active_expire_budget_across_databases() {
        let mut st = Store::with_seed(3, 1);
        for db in 0..3 {
            for i in 0..100u32 {
                st.db(db).insert(&i.to_be_bytes(), Value::string(b"v"), Some(10), 0);
            }
        }
        let mut total = 0;
        loop {
            let n = st.active_expire(10, 70);
            assert!(n <= 70);
            total += n;
            if n < 70 {
                break;
            }
        }
        assert_eq!(total, 300);
        assert_eq!(st.total_keys(), 0);
        assert_eq!(st.next_deadline(), None);
    }

    #[test]
    #[should_panic(expected = "index out of bounds")]
    fn db_out_of_range_panics() {
        let mut st = Store::with_seed(2, 1);
        st.db(2);
    }

    #[test]
    fn rehash_step_finishes_resizes() {
        let mut st = Store::with_seed(3, 1);
        assert!(!st.rehash_step(100));
        // Load database 1 until its table is growing.
        let mut n = 0u32;
        while n < 1000 || !st.db_ref(1).is_rehashing() {
            st.db(1).insert(&n.to_be_bytes(), Value::string(b"v"), None, 0);
            n += 1;
        }
        let mut calls = 0;
        while st.rehash_step(16) {
            calls += 1;
            assert!(calls < 100_000, "rehash_step does not finish");
        }
        assert!(calls > 1, "{calls}");
        assert!(st.iter().all(|db| !db.is_rehashing()));
        for i in 0..n {
            assert!(st.db(1).contains(&i.to_be_bytes(), 0));
        }
        assert_eq!(st.total_keys(), n as usize);
    }

    #[test]
    fn store_is_send() {
        fn send<T: Send + Sync>() {}
        send::<Store>();
        send::<Db>();
    }
}
