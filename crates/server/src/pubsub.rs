//! Pub/Sub state and delivery: who listens to which channel, pattern and
//! shard channel, and how a published message reaches them.
//!
//! [`PubSub`] maps each channel (and shard channel) to its subscribers in
//! subscription order — a hash map keyed by the channel's bytes, so PUBLISH
//! finds them in O(1) on average — and keeps patterns as a list in the order
//! they were first subscribed. A client's own view (which channels it is in,
//! for UNSUBSCRIBE without arguments, counts and CLIENT LIST) is its
//! [`ClientSubs`].
//!
//! Delivery ([`publish`]) encodes a message once per protocol (a RESP2 array
//! and a RESP3 push frame, each only if some subscriber needs it), appends
//! the bytes to every subscriber's output buffer, queues the subscriber for
//! writing, and enforces `client-output-buffer-limit` on it
//! ([`check_output_limit`]): a subscriber that does not read is closed
//! instead of growing the server without bound. The publisher, out of the
//! slab while its command runs, gets its own copy directly. The same check
//! runs after a MONITOR feed and after a command whose client's output
//! passed `Shared::obuf_check_at` (the smallest configured limit: one
//! compare per command). Over the hard limit, or over the soft limit for
//! longer than the soft seconds, the client is marked `close_asap`
//! (nothing more is appended) and the loop closes it before it sleeps,
//! counting `client_output_buffer_limit_disconnections`.
//!
//! A client subscribed to nothing has `Client::subs == None`, which is all
//! the request path tests; in RESP2 a subscribed client may only run the
//! commands flagged `SUBSCRIBED_OK` (the gate in [`crate::dispatch`]).
//!
//! # Keyspace notifications
//!
//! With `notify-keyspace-events` on, a write command calls
//! `ctx.notify(class, event, key)` (or `notify_db` for another database)
//! beside its `ctx.dirty(..)`, with Redis's event names. The helper is one
//! inlined test of `Shared::notify_mask` (0 unless `K` or `E` is on), so
//! with notifications off a write pays one predictable branch; the cold
//! path ([`notify()`]) publishes `__keyspace@<db>__:<key>` /
//! `__keyevent@<db>__:<event>` through the ordinary delivery. `expired` and
//! `new` come from the store: when those classes are on, each database logs
//! the keys reclaimed past their deadline (lazily or by active expiry) and
//! the keys created, in order, and [`notify_key_events`] publishes the log
//! before any command event (so `expired` / `new` precede `set`, as in
//! Redis), after every command and after each batch of active expiry.
//! Loading an RDB file records nothing. `evicted` is published by eviction
//! for each key it evicts. Classes `m` (key misses) and `d` (modules)
//! publish nothing.

use std::collections::{HashMap, HashSet};

use ember_resp::{encode, Protocol};
use ember_store::{glob_match, KeyEvent};

use crate::client::Client;
use crate::clients::Clients;
use crate::config::{notify, obuf_class, ObufLimit};
use crate::log;
use crate::state::Shared;

/// A subscriber: its CLIENT ID and slab index (stable while it is connected;
/// a closing client drops its subscriptions before its slot is reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sub {
    /// CLIENT ID.
    pub id: u64,
    /// Index in the client slab.
    pub idx: u32,
}

/// Server-wide subscriptions.
#[derive(Default, Debug)]
pub struct PubSub {
    /// Channel -> subscribers, in subscription order.
    pub channels: HashMap<Box<[u8]>, Vec<Sub>>,
    /// Shard channel -> subscribers, in subscription order.
    pub shard: HashMap<Box<[u8]>, Vec<Sub>>,
    /// Patterns in the order they were first subscribed, each with its
    /// subscribers in subscription order.
    pub patterns: Vec<(Box<[u8]>, Vec<Sub>)>,
    /// Reused encoding buffers (RESP2, RESP3).
    scratch: [Vec<u8>; 2],
}

/// What one client is subscribed to. A client with no subscription has
/// none of these (`Client::subs` is `None`), which is the only thing the
/// request path ever tests.
#[derive(Default, Debug)]
pub struct ClientSubs {
    /// Channels (UNSUBSCRIBE without arguments leaves them in no particular
    /// order, as Redis does).
    pub channels: HashSet<Box<[u8]>>,
    /// Patterns, in subscription order.
    pub patterns: Vec<Box<[u8]>>,
    /// Shard channels.
    pub shard: HashSet<Box<[u8]>>,
}

impl ClientSubs {
    /// Channels plus patterns: the count SUBSCRIBE and friends report.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
    /// Nothing left.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty()
    }
}

/// The three kinds of subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE.
    Channel,
    /// PSUBSCRIBE.
    Pattern,
    /// SSUBSCRIBE.
    Shard,
}

impl PubSub {
    /// Subscribes `sub` to `name`; false if it already was.
    pub fn subscribe(&mut self, client: &mut Client, idx: usize, kind: Kind, name: &[u8]) -> bool {
        let subs = client.subs.get_or_insert_with(Default::default);
        let me = Sub { id: client.id, idx: idx as u32 };
        match kind {
            Kind::Channel | Kind::Shard => {
                let (mine, map) = match kind {
                    Kind::Channel => (&mut subs.channels, &mut self.channels),
                    _ => (&mut subs.shard, &mut self.shard),
                };
                if mine.contains(name) {
                    return false;
                }
                mine.insert(name.into());
                map.entry(name.into()).or_default().push(me);
            }
            Kind::Pattern => {
                if subs.patterns.iter().any(|p| &**p == name) {
                    return false;
                }
                subs.patterns.push(name.into());
                match self.patterns.iter_mut().find(|(p, _)| &**p == name) {
                    Some((_, list)) => list.push(me),
                    None => self.patterns.push((name.into(), vec![me])),
                }
            }
        }
        true
    }

    /// Unsubscribes the client from `name`; false if it was not subscribed.
    pub fn unsubscribe(&mut self, client: &mut Client, kind: Kind, name: &[u8]) -> bool {
        let Some(subs) = client.subs.as_deref_mut() else { return false };
        let id = client.id;
        let found = match kind {
            Kind::Channel => subs.channels.remove(name) && remove_sub(&mut self.channels, name, id),
            Kind::Shard => subs.shard.remove(name) && remove_sub(&mut self.shard, name, id),
            Kind::Pattern => match subs.patterns.iter().position(|p| &**p == name) {
                Some(at) => {
                    subs.patterns.remove(at);
                    if let Some(pos) = self.patterns.iter().position(|(p, _)| &**p == name) {
                        let list = &mut self.patterns[pos].1;
                        list.retain(|s| s.id != id);
                        if list.is_empty() {
                            self.patterns.remove(pos);
                        }
                    }
                    true
                }
                None => false,
            },
        };
        if subs.is_empty() {
            client.subs = None;
        }
        found
    }

    /// Drops every subscription of a client (RESET, disconnection).
    pub fn drop_client(&mut self, client: &mut Client) {
        let Some(subs) = client.subs.take() else { return };
        for ch in &subs.channels {
            remove_sub(&mut self.channels, ch, client.id);
        }
        for ch in &subs.shard {
            remove_sub(&mut self.shard, ch, client.id);
        }
        if !subs.patterns.is_empty() {
            for (_, list) in &mut self.patterns {
                list.retain(|s| s.id != client.id);
            }
            self.patterns.retain(|(_, list)| !list.is_empty());
        }
    }

    /// Subscribers of a channel (NUMSUB) or shard channel (SHARDNUMSUB).
    pub fn numsub(&self, shard: bool, name: &[u8]) -> usize {
        let map = if shard { &self.shard } else { &self.channels };
        map.get(name).map_or(0, Vec::len)
    }
}

fn remove_sub(map: &mut HashMap<Box<[u8]>, Vec<Sub>>, name: &[u8], id: u64) -> bool {
    if let Some(list) = map.get_mut(name) {
        list.retain(|s| s.id != id);
        if list.is_empty() {
            map.remove(name);
        }
    }
    true
}

/// Appends one encoded message (`message`/`smessage` with the channel, or
/// `pmessage` with the pattern first) in `proto` to `buf`.
fn encode_message(buf: &mut Vec<u8>, proto: Protocol, kind: &[u8], pattern: Option<&[u8]>, ch: &[u8], msg: &[u8]) {
    buf.clear();
    let n = 3 + usize::from(pattern.is_some());
    encode::push_len(buf, n, proto);
    encode::bulk(buf, kind);
    if let Some(p) = pattern {
        encode::bulk(buf, p);
    }
    encode::bulk(buf, ch);
    encode::bulk(buf, msg);
}

/// Publishes `msg` on `channel` (a shard channel when `shard`): every
/// subscriber of the channel, in subscription order, then (not for shard
/// channels) every subscriber of each matching pattern. `caller` is the
/// publishing client, taken out of the slab while its command runs; it gets
/// its message directly if it is a subscriber (`None`: the server itself
/// publishes, e.g. an `expired` event). Returns the receivers.
pub fn publish(srv: &mut Shared, caller: Option<&mut Client>, channel: &[u8], msg: &[u8], shard: bool) -> usize {
    let Shared { pubsub, clients, pending_writes, config, stats, clock, .. } = srv;
    let mut ctx = Delivery {
        clients,
        caller,
        pending_writes,
        limits: &config.client_output_buffer_limit,
        now_ms: clock.now_ms(),
        disconnections: &mut stats.client_output_buffer_limit_disconnections,
    };
    let mut scratch = std::mem::take(&mut pubsub.scratch);
    let mut receivers = 0;
    let map = if shard { &pubsub.shard } else { &pubsub.channels };
    if let Some(list) = map.get(channel) {
        let kind: &[u8] = if shard { b"smessage" } else { b"message" };
        let mut encoded = [false; 2];
        for &sub in list {
            ctx.deliver(sub, &mut scratch, &mut encoded, |buf, proto| {
                encode_message(buf, proto, kind, None, channel, msg)
            });
        }
        receivers += list.len();
    }
    if !shard {
        for (pattern, list) in &pubsub.patterns {
            if !glob_match(pattern, channel, false) {
                continue;
            }
            let mut encoded = [false; 2];
            for &sub in list {
                ctx.deliver(sub, &mut scratch, &mut encoded, |buf, proto| {
                    encode_message(buf, proto, b"pmessage", Some(pattern), channel, msg)
                });
            }
            receivers += list.len();
        }
    }
    pubsub.scratch = scratch;
    receivers
}

/// What delivering to one subscriber needs.
struct Delivery<'a> {
    clients: &'a mut Clients,
    caller: Option<&'a mut Client>,
    pending_writes: &'a mut Vec<usize>,
    limits: &'a [ObufLimit; 3],
    now_ms: u64,
    disconnections: &'a mut u64,
}

impl Delivery<'_> {
    /// Appends the message (encoded on first use per protocol) to one
    /// subscriber and queues it for writing.
    fn deliver(
        &mut self,
        sub: Sub,
        scratch: &mut [Vec<u8>; 2],
        encoded: &mut [bool; 2],
        encode: impl Fn(&mut Vec<u8>, Protocol),
    ) {
        let is_caller = self.caller.as_ref().is_some_and(|c| c.id == sub.id);
        let client = match self.caller.as_deref_mut() {
            Some(caller) if is_caller => caller,
            _ => match self.clients.slot_mut(sub.idx as usize) {
                Some(slot) if slot.client.id == sub.id => &mut slot.client,
                _ => return,
            },
        };
        if client.close_asap {
            return;
        }
        let p = usize::from(client.out.proto == Protocol::Resp3);
        if !encoded[p] {
            encode(&mut scratch[p], client.out.proto);
            encoded[p] = true;
        }
        client.out.buf.extend_from_slice(&scratch[p]);
        if !is_caller && !client.pending_write {
            client.pending_write = true;
            self.pending_writes.push(sub.idx as usize);
        }
        if check_output_limit(client, self.limits, self.now_ms) && !is_caller {
            *self.disconnections += 1;
            if !client.pending_write {
                client.pending_write = true;
                self.pending_writes.push(sub.idx as usize);
            }
        }
    }
}

/// Publishes a keyspace notification for `key` in database `db` (the
/// caller checked that `class` is enabled): the event on
/// `__keyspace@<db>__:<key>` (class `K`) and the key on
/// `__keyevent@<db>__:<event>` (class `E`). Keys that expired since the
/// last notification, and keys created since, are reported first, so
/// `expired` and `new` precede the event of the command, as in Redis.
#[cold]
#[inline(never)]
pub fn notify(srv: &mut Shared, mut caller: Option<&mut Client>, class: u32, event: &str, key: &[u8], db: usize) {
    if class & STORE_CLASSES == 0 && srv.notify_mask & STORE_CLASSES != 0 {
        notify_key_events(srv, caller.as_deref_mut());
    }
    if srv.pubsub.channels.is_empty() && srv.pubsub.patterns.is_empty() {
        return; // nobody could hear it
    }
    let flags = srv.config.notify_keyspace_events;
    let mut channel = Vec::with_capacity(24 + key.len().max(event.len()));
    let prefix = |kind: &str, db: usize, channel: &mut Vec<u8>| {
        channel.clear();
        channel.extend_from_slice(b"__key");
        channel.extend_from_slice(kind.as_bytes());
        channel.push(b'@');
        let mut tmp = [0u8; ember_num::INT_BUF_LEN];
        channel.extend_from_slice(ember_num::format_i64(db as i64, &mut tmp));
        channel.extend_from_slice(b"__:");
    };
    if flags & notify::KEYSPACE != 0 {
        prefix("space", db, &mut channel);
        channel.extend_from_slice(key);
        publish(srv, caller.as_deref_mut(), &channel, event.as_bytes(), false);
    }
    if flags & notify::KEYEVENT != 0 {
        prefix("event", db, &mut channel);
        channel.extend_from_slice(event.as_bytes());
        publish(srv, caller, &channel, key, false);
    }
}

/// Publishes `expired` for every key the store reclaimed since the last
/// call (lazily or actively) and `new` for every key it created, in the
/// order they happened, database by database.
#[cold]
pub fn notify_key_events(srv: &mut Shared, mut caller: Option<&mut Client>) {
    for db in 0..srv.store.databases() {
        if !srv.store.db(db).has_key_events() {
            continue;
        }
        for (what, key) in srv.store.db(db).take_key_events() {
            let (class, event) = match what {
                KeyEvent::Expired => (notify::EXPIRED, "expired"),
                _ => (notify::NEW, "new"),
            };
            notify(srv, caller.as_deref_mut(), class, event, &key, db);
        }
    }
}

/// Keyspace notification classes the store reports to the server (it
/// records them as they happen, see `Db::record_key_events`).
pub const STORE_CLASSES: u32 = notify::EXPIRED | notify::NEW;

/// Makes the store record what the `notify-keyspace-events` flags need.
pub fn record_key_events(store: &mut ember_store::Store, flags: u32) {
    let mask = notify_mask(flags);
    store.record_key_events(mask & notify::EXPIRED != 0, mask & notify::NEW != 0);
}

/// The classes that publish anything: none unless `K` or `E` is on.
pub fn notify_mask(flags: u32) -> u32 {
    if flags & (notify::KEYSPACE | notify::KEYEVENT) != 0 {
        flags & !(notify::KEYSPACE | notify::KEYEVENT)
    } else {
        0
    }
}

/// What Redis keeps in a client's fixed reply buffer, outside what its
/// output limits count: only output beyond it counts here too, so small
/// replies never trip a tiny limit.
pub const REPLY_BUF_BYTES: usize = 16 * 1024;

/// The `client-output-buffer-limit` class of a client.
pub fn output_class(client: &Client) -> usize {
    if client.subs.is_some() {
        obuf_class::PUBSUB
    } else {
        obuf_class::NORMAL
    }
}

/// Enforces `client-output-buffer-limit` on a client whose output just
/// grew, as Redis does: over the hard limit it is closed at once; over the
/// soft limit it is closed at the first reply that finds it still over it
/// more than the soft seconds after it went over (output that drops below
/// the soft limit restarts the clock). Closing is asynchronous (`close_asap`: the loop closes it before
/// it sleeps, nothing more is appended meanwhile). Returns true when this
/// call scheduled the close.
pub fn check_output_limit(client: &mut Client, limits: &[ObufLimit; 3], now_ms: u64) -> bool {
    if client.close_asap {
        return false;
    }
    let limit = limits[output_class(client)];
    let used = client.out.buf.len().saturating_sub(REPLY_BUF_BYTES) as u64;
    let hard = limit.hard != 0 && used >= limit.hard;
    let mut soft = false;
    if limit.soft != 0 && used >= limit.soft {
        match client.obuf_soft_since_ms {
            0 => client.obuf_soft_since_ms = now_ms.max(1),
            since => soft = now_ms.saturating_sub(since) > limit.soft_seconds.saturating_mul(1000),
        }
    } else {
        client.obuf_soft_since_ms = 0;
    }
    if !(hard || soft) {
        return false;
    }
    client.close_asap = true;
    log!(
        Warning,
        "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
        client.info_line(now_ms, 0, 0)
    );
    true
}

/// The smallest non-zero limit of the normal and pubsub classes plus
/// [`REPLY_BUF_BYTES`] (the request path compares a client's output with
/// it before looking further), or `usize::MAX` when those classes have no
/// limit.
pub fn output_check_threshold(limits: &[ObufLimit; 3]) -> usize {
    [obuf_class::NORMAL, obuf_class::PUBSUB]
        .iter()
        .flat_map(|&c| [limits[c].hard, limits[c].soft])
        .filter(|&n| n != 0)
        .min()
        .map_or(usize::MAX, |n| (n.min(usize::MAX as u64) as usize).saturating_add(REPLY_BUF_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_the_smallest_limit() {
        let mut l = [ObufLimit::default(); 3];
        assert_eq!(output_check_threshold(&l), usize::MAX);
        l[obuf_class::PUBSUB] = ObufLimit { hard: 32 << 20, soft: 8 << 20, soft_seconds: 60 };
        assert_eq!(output_check_threshold(&l), (8 << 20) + REPLY_BUF_BYTES);
        l[obuf_class::NORMAL] = ObufLimit { hard: 100, soft: 0, soft_seconds: 0 };
        assert_eq!(output_check_threshold(&l), 100 + REPLY_BUF_BYTES);
        // The replica class does not count (ember has no replicas).
        l[obuf_class::REPLICA] = ObufLimit { hard: 1, soft: 1, soft_seconds: 1 };
        assert_eq!(output_check_threshold(&l), 100 + REPLY_BUF_BYTES);
    }

    #[test]
    fn messages_encode_per_protocol() {
        let mut b = Vec::new();
        encode_message(&mut b, Protocol::Resp2, b"message", None, b"ch", b"hi");
        assert_eq!(b, b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
        encode_message(&mut b, Protocol::Resp3, b"pmessage", Some(b"c*"), b"ch", b"");
        assert_eq!(b, b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n");
    }
}
