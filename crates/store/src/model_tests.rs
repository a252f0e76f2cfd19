//! Property tests: [`Db`] against a `HashMap` model with a fake clock, and
//! the SCAN guarantee under concurrent growth and shrinkage.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use crate::{Db, Value};

#[derive(Debug, Clone)]
enum Op {
    Insert { key: u8, val: u8, ttl: Option<u8> },
    InsertMany { start: u16, n: u16, ttl: Option<u8> },
    Remove { key: u8 },
    RemoveMany { start: u16, n: u16 },
    Get { key: u8 },
    Peek { key: u8 },
    Contains { key: u8 },
    SetExpire { key: u8, ttl: Option<u8> },
    Rename { from: u8, to: u8 },
    MoveEntry { from: u8, to: u8 },
    Advance { ms: u8 },
    ActiveExpire { budget: u8 },
    RandomKey,
    Scan { count: u8 },
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..24;
    let ttl = proptest::option::of(0u8..50);
    prop_oneof![
        6 => (key.clone(), any::<u8>(), ttl.clone()).prop_map(|(key, val, ttl)| Op::Insert { key, val, ttl }),
        1 => (0u16..300, 0u16..300, ttl.clone()).prop_map(|(start, n, ttl)| Op::InsertMany { start, n, ttl }),
        3 => key.clone().prop_map(|key| Op::Remove { key }),
        1 => (0u16..300, 0u16..300).prop_map(|(start, n)| Op::RemoveMany { start, n }),
        3 => key.clone().prop_map(|key| Op::Get { key }),
        2 => key.clone().prop_map(|key| Op::Peek { key }),
        1 => key.clone().prop_map(|key| Op::Contains { key }),
        3 => (key.clone(), ttl).prop_map(|(key, ttl)| Op::SetExpire { key, ttl }),
        2 => (key.clone(), key.clone()).prop_map(|(from, to)| Op::Rename { from, to }),
        1 => (key.clone(), key).prop_map(|(from, to)| Op::MoveEntry { from, to }),
        3 => (0u8..30).prop_map(|ms| Op::Advance { ms }),
        2 => (0u8..20).prop_map(|budget| Op::ActiveExpire { budget }),
        1 => Just(Op::RandomKey),
        1 => (1u8..20).prop_map(|count| Op::Scan { count }),
        1 => Just(Op::Clear),
    ]
}

fn small_key(k: u8) -> Vec<u8> {
    vec![b'k', k]
}

fn bulk_key(i: u16) -> Vec<u8> {
    format!("bulk:{i}").into_bytes()
}

/// Model: key -> (value byte, deadline). Expired entries may linger, like in
/// the real store; reads must treat them as absent.
type Model = HashMap<Vec<u8>, (Vec<u8>, Option<u64>)>;

fn live(model: &Model, key: &[u8], now: u64) -> Option<(Vec<u8>, Option<u64>)> {
    model.get(key).filter(|(_, d)| d.is_none_or(|d| d > now)).cloned()
}

fn live_keys(model: &Model, now: u64) -> HashSet<Vec<u8>> {
    model.keys().filter(|k| live(model, k, now).is_some()).cloned().collect()
}

fn value_bytes(v: &Value) -> Vec<u8> {
    v.as_str().expect("string").to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn db_matches_model(ops in proptest::collection::vec(op(), 1..150)) {
        let mut db = Db::with_seed(42);
        let mut model = Model::new();
        let mut now = 1_000u64;
        for op in ops {
            match op {
                Op::Insert { key, val, ttl } => {
                    let k = small_key(key);
                    let deadline = ttl.map(|t| now + u64::from(t));
                    let old = db.insert(&k, Value::string(&[val]), deadline, now);
                    let want = live(&model, &k, now).map(|(v, _)| v);
                    prop_assert_eq!(old.as_ref().map(value_bytes), want);
                    model.insert(k, (vec![val], deadline));
                }
                Op::InsertMany { start, n, ttl } => {
                    for i in start..start.saturating_add(n) {
                        let k = bulk_key(i);
                        let deadline = ttl.map(|t| now + u64::from(t));
                        db.insert(&k, Value::string(b"b"), deadline, now);
                        model.insert(k, (b"b".to_vec(), deadline));
                    }
                }
                Op::Remove { key } => {
                    let k = small_key(key);
                    let got = db.remove(&k, now);
                    let want = live(&model, &k, now).map(|(v, _)| v);
                    model.remove(&k);
                    prop_assert_eq!(got.as_ref().map(value_bytes), want);
                }
                Op::RemoveMany { start, n } => {
                    for i in start..start.saturating_add(n) {
                        let k = bulk_key(i);
                        let got = db.remove(&k, now).is_some();
                        let want = live(&model, &k, now).is_some();
                        model.remove(&k);
                        prop_assert_eq!(got, want);
                    }
                }
                Op::Get { key } => {
                    let k = small_key(key);
                    let got = db.get(&k, now).map(|e| (value_bytes(e.value()), e.expire_at()));
                    prop_assert_eq!(got, live(&model, &k, now));
                }
                Op::Peek { key } => {
                    let k = small_key(key);
                    let got = db.peek(&k, now).map(|e| (value_bytes(e.value()), e.expire_at()));
                    prop_assert_eq!(got, live(&model, &k, now));
                    prop_assert_eq!(db.expire_at(&k, now), live(&model, &k, now).map(|(_, d)| d));
                }
                Op::Contains { key } => {
                    let k = small_key(key);
                    prop_assert_eq!(db.contains(&k, now), live(&model, &k, now).is_some());
                }
                Op::SetExpire { key, ttl } => {
                    let k = small_key(key);
                    let deadline = ttl.map(|t| now + u64::from(t));
                    let got = db.set_expire(&k, deadline, now);
                    let was_live = live(&model, &k, now).is_some();
                    prop_assert_eq!(got, was_live);
                    if was_live {
                        model.get_mut(&k).expect("live").1 = deadline;
                    }
                }
                Op::Rename { from, to } => {
                    let (f, t) = (small_key(from), small_key(to));
                    let got = db.rename(&f, &t, now);
                    let src = live(&model, &f, now);
                    prop_assert_eq!(got, src.is_some());
                    if let Some(v) = src {
                        model.remove(&f);
                        model.insert(t, v);
                    }
                }
                Op::MoveEntry { from, to } => {
                    let (f, t) = (small_key(from), small_key(to));
                    let src = live(&model, &f, now);
                    match db.take_entry(&f, now) {
                        Some(e) => {
                            prop_assert_eq!(Some((value_bytes(e.value()), e.expire_at())), src.clone());
                            db.put_entry(&t, e, now);
                            model.remove(&f);
                            model.insert(t, src.expect("live"));
                        }
                        None => prop_assert!(src.is_none()),
                    }
                }
                Op::Advance { ms } => now += u64::from(ms),
                Op::ActiveExpire { budget } => {
                    let budget = usize::from(budget);
                    let due = model.values().filter(|(_, d)| d.is_some_and(|d| d <= now)).count();
                    let removed = db.active_expire(now, budget);
                    prop_assert!(removed <= budget);
                    prop_assert!(removed <= due);
                    if budget > 0 && due > 0 {
                        // Fewer than `due` only if stale index pairs used up
                        // the call's work budget; the timer then fires again
                        // at once. Draining must reclaim every due key.
                        prop_assert!(db.next_deadline().is_some_and(|d| d <= now) || removed == due.min(budget));
                        let mut calls = 0;
                        while db.next_deadline().is_some_and(|d| d <= now) {
                            db.active_expire(now, budget);
                            calls += 1;
                            prop_assert!(calls < 1000);
                        }
                        model.retain(|k, _| db.holds(k));
                        let due = model.values().filter(|(_, d)| d.is_some_and(|d| d <= now)).count();
                        prop_assert_eq!(due, 0);
                    }
                }
                Op::RandomKey => {
                    match db.random_key(now) {
                        Some(k) => prop_assert!(live(&model, &k, now).is_some()),
                        None => prop_assert!(live_keys(&model, now).is_empty()),
                    }
                }
                Op::Scan { count } => {
                    let mut seen = Vec::new();
                    let mut cursor = 0;
                    loop {
                        cursor = db.scan(cursor, usize::from(count), now, |k, _| seen.push(k.to_vec()));
                        if cursor == 0 { break; }
                    }
                    let set: HashSet<_> = seen.iter().cloned().collect();
                    prop_assert_eq!(set.len(), seen.len(), "duplicates in a full scan");
                    prop_assert_eq!(set, live_keys(&model, now));
                }
                Op::Clear => {
                    let old = db.clear();
                    prop_assert_eq!(old.len() >= live_keys(&model, now).len(), true);
                    model.clear();
                }
            }
            db.check_invariants();
            // Expired keys may be reclaimed at any time; live ones never.
            for k in live_keys(&model, now) {
                prop_assert!(db.holds(&k));
            }
            model.retain(|k, _| db.holds(k));
            // DBSIZE counts live keys plus not-yet-reclaimed expired ones.
            prop_assert_eq!(db.len(), model.len());
            let mut n = 0;
            db.for_each(now, |k, e| {
                n += 1;
                assert_eq!(live(&model, k, now), Some((value_bytes(e.value()), e.expire_at())));
            });
            prop_assert_eq!(n, live_keys(&model, now).len());
        }
    }

    /// Keys present for a whole scan are returned (exactly once), while
    /// other keys are added and removed between calls, growing and shrinking
    /// the table.
    #[test]
    fn scan_guarantee_under_resizing(
        initial in 0usize..1500,
        count in 1usize..40,
        seed in any::<u64>(),
        steps in proptest::collection::vec((0usize..400, 0usize..400, any::<bool>()), 1..40),
    ) {
        let mut db = Db::with_seed(seed);
        let now = 0;
        let key = |i: usize| format!("key:{i}").into_bytes();
        for i in 0..initial {
            db.insert(&key(i), Value::string(b"v"), None, now);
        }
        let mut stable: Vec<Vec<u8>> = (0..initial).map(key).collect();
        let mut extras: Vec<Vec<u8>> = Vec::new();
        let mut next_extra = 0usize;
        let mut seen: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut cursor = 0;
        let mut step = steps.iter().cycle();
        let mut calls = 0;
        loop {
            cursor = db.scan(cursor, count, now, |k, _| *seen.entry(k.to_vec()).or_default() += 1);
            calls += 1;
            prop_assert!(calls < 20_000, "scan does not terminate");
            if cursor == 0 { break; }
            let &(adds, removes, remove_stable) = step.next().expect("cycle");
            // Add fresh keys (forces growth) unless the table is big already ...
            if db.len() < 5000 {
                for _ in 0..adds {
                    let k = format!("extra:{next_extra}").into_bytes();
                    next_extra += 1;
                    db.insert(&k, Value::string(b"v"), None, now);
                    extras.push(k);
                }
            }
            // ... then remove keys (forces shrinking); removed initial keys
            // lose the guarantee.
            let pool = if remove_stable { &mut stable } else { &mut extras };
            for _ in 0..removes.min(pool.len()) {
                let k = pool.swap_remove((calls * 7919) % pool.len());
                prop_assert!(db.remove(&k, now).is_some());
            }
        }
        for k in &stable {
            prop_assert_eq!(seen.get(k).copied(), Some(1), "key {:?}", String::from_utf8_lossy(k));
        }
        db.check_invariants();
    }
}
