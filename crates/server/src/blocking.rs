//! Keys that clients wait on: blocked clients (BLPOP and friends) and
//! WATCHed keys of transactions.
//!
//! One mechanism serves both: every change to a key goes through
//! [`KeyEvents::touched`], which marks the transactions watching it as dirty
//! and queues the key as "ready" when clients are blocked on it. The event
//! loop then re-runs each blocked client's command, in FIFO order per key,
//! until one finds nothing to take. Nothing polls.
//!
//! Who touches: dispatch's `after`, for every command that changed the
//! dataset, touches the keys its key specs name (`command::keys`); a
//! handler touches what the specs cannot name (the key LMPOP popped from, a
//! key in another database, a whole database for FLUSHDB or SWAPDB), and
//! eviction touches each key it evicts. A blocking command asks to wait by
//! returning `Outcome::Block`; dispatch parks the client and keeps its
//! command as received ([`Blocked`]) to run again.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use crate::error::CmdError;

/// Parses a blocking command's timeout in seconds as Redis 7.0 does: a
/// `long double` (`string2ld`, so hex floats and values beyond a double's
/// range parse), times 1000 and rounded up in `long double` (`ceill`: 0.0001
/// waits 1 ms, not forever; -0.0009 is -0 ms, which waits forever), then
/// cast to `long long` (out of range is `LLONG_MIN`, a negative timeout).
/// `None` waits forever, else the absolute deadline in ms. Errors are
/// Redis's `timeout is not a float or out of range` / `timeout is negative`.
pub fn timeout_arg(arg: &[u8], now: u64) -> Result<Option<u64>, CmdError> {
    use ember_num::LongDouble;
    let secs = LongDouble::parse(arg).ok_or_else(|| CmdError::err("timeout is not a float or out of range"))?;
    let ms = secs.mul(&LongDouble::from_i64(1000)).ceil();
    // x87's conversion of NaN, an infinity or an out-of-range value is LLONG_MIN.
    let tval = ms.to_i64().unwrap_or(i64::MIN);
    if tval < 0 {
        return Err(CmdError::err("timeout is negative"));
    }
    if tval == 0 {
        return Ok(None);
    }
    // Redis adds the clock without an overflow check; such a client in
    // practice waits forever.
    Ok((now as i64).checked_add(tval).map(|d| d as u64))
}

/// The reply a blocked client gets when its timeout passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutReply {
    /// `*-1` (RESP2) / `_` (RESP3): BLPOP, BRPOP, BLMPOP, BZPOPMIN, ...
    NullArray,
    /// `$-1` (RESP2) / `_` (RESP3): BLMOVE, BRPOPLPUSH.
    Null,
    /// `:0`: WAIT (no replica acknowledged).
    Zero,
}

impl TimeoutReply {
    /// Writes the reply.
    pub fn write(self, out: &mut crate::client::Out) {
        match self {
            TimeoutReply::NullArray => out.null_array(),
            TimeoutReply::Null => out.null(),
            TimeoutReply::Zero => out.int(0),
        }
    }
}

/// What a handler asks for when it has to wait.
#[derive(Clone, Debug)]
pub struct BlockRequest {
    /// Keys to wait on (in the client's database).
    pub keys: Vec<Vec<u8>>,
    /// Absolute deadline in ms, or `None` to wait forever.
    pub deadline: Option<u64>,
    /// Reply on timeout.
    pub on_timeout: TimeoutReply,
}

/// A blocked client's state, kept on the client.
#[derive(Clone, Debug)]
pub struct Blocked {
    /// Database of the keys.
    pub db: usize,
    /// The request.
    pub req: BlockRequest,
    /// The command, as received, to run again when a key is ready.
    pub raw: Vec<u8>,
}

/// Waiters and watchers, by (database, key).
#[derive(Default)]
pub struct KeyEvents {
    waiters: HashMap<(usize, Vec<u8>), VecDeque<u64>>,
    ready: Vec<(usize, Vec<u8>)>,
    ready_set: HashSet<(usize, Vec<u8>)>,
    deadlines: BTreeSet<(u64, u64)>,
    blocked: usize,
    watchers: HashMap<(usize, Vec<u8>), Vec<u64>>,
    /// Clients whose watched keys changed: their EXEC fails.
    dirty: HashSet<u64>,
}

impl KeyEvents {
    /// Whether any client waits on or watches a key (the fast path skips
    /// all bookkeeping when not).
    pub fn is_idle(&self) -> bool {
        self.waiters.is_empty() && self.watchers.is_empty()
    }

    /// Number of blocked clients (INFO blocked_clients).
    pub fn blocked_clients(&self) -> usize {
        self.blocked
    }

    /// Registers `client` as blocked on `keys` of `db`.
    pub fn block(&mut self, client: u64, db: usize, req: &BlockRequest) {
        for k in &req.keys {
            let q = self.waiters.entry((db, k.clone())).or_default();
            if !q.contains(&client) {
                q.push_back(client);
            }
        }
        if let Some(d) = req.deadline {
            self.deadlines.insert((d, client));
        }
        self.blocked += 1;
    }

    /// Removes `client` from every queue it waits in.
    pub fn unblock(&mut self, client: u64, state: &Blocked) {
        for k in &state.req.keys {
            let slot = (state.db, k.clone());
            if let Some(q) = self.waiters.get_mut(&slot) {
                q.retain(|&c| c != client);
                if q.is_empty() {
                    self.waiters.remove(&slot);
                }
            }
        }
        if let Some(d) = state.req.deadline {
            self.deadlines.remove(&(d, client));
        }
        self.blocked = self.blocked.saturating_sub(1);
    }

    /// A key changed (or was created): wake its waiters, dirty its watchers.
    pub fn touched(&mut self, db: usize, key: &[u8]) {
        if self.is_idle() {
            return;
        }
        let slot = (db, key.to_vec());
        if self.waiters.contains_key(&slot) && !self.ready_set.contains(&slot) {
            self.ready_set.insert(slot.clone());
            self.ready.push(slot.clone());
        }
        if let Some(w) = self.watchers.get(&slot) {
            self.dirty.extend(w.iter().copied());
        }
    }

    /// Every key of `db` may have changed (FLUSHDB, SWAPDB, ...).
    pub fn touched_db(&mut self, db: usize) {
        let keys: Vec<Vec<u8>> =
            self.waiters.keys().chain(self.watchers.keys()).filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect();
        for k in keys {
            self.touched(db, &k);
        }
    }

    /// Keys that became ready since the last call, in order.
    pub fn take_ready(&mut self) -> Vec<(usize, Vec<u8>)> {
        self.ready_set.clear();
        std::mem::take(&mut self.ready)
    }

    /// Whether keys are waiting to be served.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Clients blocked on a key, in arrival order.
    pub fn waiters(&self, db: usize, key: &[u8]) -> Vec<u64> {
        self.waiters.get(&(db, key.to_vec())).map(|q| q.iter().copied().collect()).unwrap_or_default()
    }

    /// The earliest blocked-client deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        self.deadlines.first().map(|&(d, _)| d)
    }

    /// Clients whose deadline is `<= now`.
    pub fn timed_out(&self, now: u64) -> Vec<u64> {
        self.deadlines.iter().take_while(|&&(d, _)| d <= now).map(|&(_, c)| c).collect()
    }

    /// WATCH: `client` watches `key` of `db`.
    pub fn watch(&mut self, client: u64, db: usize, key: &[u8]) {
        let w = self.watchers.entry((db, key.to_vec())).or_default();
        if !w.contains(&client) {
            w.push(client);
        }
    }

    /// UNWATCH / EXEC / DISCARD / disconnect: forget `client`'s watches.
    pub fn unwatch(&mut self, client: u64, keys: &[(usize, Vec<u8>)]) {
        for slot in keys {
            if let Some(w) = self.watchers.get_mut(slot) {
                w.retain(|&c| c != client);
                if w.is_empty() {
                    self.watchers.remove(slot);
                }
            }
        }
        self.dirty.remove(&client);
    }

    /// Whether a watched key of `client` changed.
    pub fn is_dirty(&self, client: u64) -> bool {
        self.dirty.contains(&client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(keys: &[&str], deadline: Option<u64>) -> BlockRequest {
        BlockRequest {
            keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            deadline,
            on_timeout: TimeoutReply::NullArray,
        }
    }

    #[test]
    fn fifo_per_key_and_ready_once() {
        let mut ev = KeyEvents::default();
        ev.block(1, 0, &req(&["a", "b"], None));
        ev.block(2, 0, &req(&["a"], Some(100)));
        assert_eq!(ev.waiters(0, b"a"), vec![1, 2]);
        ev.touched(0, b"a");
        ev.touched(0, b"a");
        ev.touched(1, b"a");
        assert_eq!(ev.take_ready(), vec![(0, b"a".to_vec())]);
        assert_eq!(ev.next_deadline(), Some(100));
        assert_eq!(ev.timed_out(99), Vec::<u64>::new());
        assert_eq!(ev.timed_out(100), vec![2]);
        let state = Blocked { db: 0, req: req(&["a", "b"], None), raw: Vec::new() };
        ev.unblock(1, &state);
        assert_eq!(ev.waiters(0, b"a"), vec![2]);
        assert!(ev.waiters(0, b"b").is_empty());
        assert_eq!(ev.blocked_clients(), 1);
    }

    #[test]
    fn watches_dirty_on_touch() {
        let mut ev = KeyEvents::default();
        ev.watch(7, 0, b"k");
        ev.touched(0, b"other");
        assert!(!ev.is_dirty(7));
        ev.touched(0, b"k");
        assert!(ev.is_dirty(7));
        ev.unwatch(7, &[(0, b"k".to_vec())]);
        assert!(!ev.is_dirty(7));
        assert!(ev.is_idle());
        ev.watch(8, 2, b"x");
        ev.touched_db(2);
        assert!(ev.is_dirty(8));
    }
}
