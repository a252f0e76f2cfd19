//! ember-store: the keyspace of ember, a Redis-compatible server, usable on
//! its own as an in-process Redis.
//!
//! * [`Store`] holds the numbered databases (16 by default), implements
//!   SWAPDB / FLUSHALL and store-wide active expiry.
//! * [`Db`] is one database: a map from byte-string keys to [`Entry`]s with
//!   lazy expiry, an expiry index for active expiry, SCAN with Redis's
//!   guarantee, RANDOMKEY and LRU / LFU access metadata.
//! * [`Entry`] is a key's [`Value`] and optional deadline.
//! * [`Value`] is a typed value: strings ([`StrValue`], with the `int` /
//!   `embstr` / `raw` encodings) and the collections in [`types`] (lists,
//!   hashes, sets, sorted sets, whose compact encodings switch at the
//!   thresholds of an [`EncodingConfig`], and streams).
//! * [`Evictor`] and [`Store::evict`] choose keys to evict under a memory
//!   limit with Redis's approximate [`Policy`]s (sampled LRU, LFU with the
//!   logarithmic counter of [`LfuParams`], TTL, random).
//! * [`glob_match`] is Redis's glob matcher (KEYS, SCAN MATCH).
//! * [`bits`] holds the bit-level string operations behind the bitmap
//!   commands (popcount, first set/clear bit, BITOP, bit fields).
//!
//! The crate does no I/O, reads no clock and knows nothing of RESP: every
//! time-dependent method takes `now_ms` (Unix time in milliseconds), so
//! callers and tests control time. Keys and values are bytes.
//!
//! ```
//! use ember_store::{Store, StrValue, Value};
//!
//! let mut store = Store::new(16);
//! let now = 1_700_000_000_000;
//! let db = store.db(0);
//! db.insert(b"counter", Value::string(b"41"), None, now);
//! if let Some(entry) = db.get(b"counter", now) {
//!     if let Some(s) = entry.value_mut().as_str_mut() {
//!         let n = s.as_i64().unwrap_or(0) + 1;
//!         *s = StrValue::from_i64(n);
//!     }
//! }
//! assert_eq!(db.peek(b"counter", now).unwrap().value().encoding_name(), "int");
//! ```
//!
//! Internals: the `table` module is the open-addressing hash table whose
//! ordering makes SCAN cursors independent of table size; `hash` is the
//! keyed hash function behind it.

#![deny(missing_docs)]

pub mod bits;
mod db;
mod entry;
mod evict;
mod expire;
mod glob;
mod hash;
#[cfg(test)]
mod model_tests;
mod store;
mod table;
pub mod types;
mod value;

pub use db::{Db, KeyEvent};
pub use entry::{Entry, LfuParams};
pub use evict::{Evicted, Evictor, Policy, POOL_SIZE};
pub use glob::glob_match;
pub use store::{Store, DEFAULT_DATABASES};
pub use types::EncodingConfig;
pub use value::{StrValue, Value, EMBSTR_MAX_LEN};
