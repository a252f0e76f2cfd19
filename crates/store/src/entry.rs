//! What a key maps to: [`Entry`] (value + deadline) and the access metadata
//! (LRU clock and LFU counter) kept beside it.

use crate::value::Value;

/// Sentinel for "no deadline" in [`Entry::expire_at`]'s storage.
const NO_EXPIRE: u64 = u64::MAX;

/// The value of a key and its expiry deadline.
///
/// Entries live inside the keyspace; [`crate::Db::get`] lends them out
/// mutably so commands can modify values in place. The deadline can only be
/// changed through [`crate::Db`] (which keeps the expiry index in step), so
/// do not `mem::swap` entries of two different keys: the deadlines would
/// move without the index knowing (harmless for memory safety, but such keys
/// would then only expire lazily).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    value: Value,
    /// Unix time in milliseconds, or `NO_EXPIRE`.
    expire_at: u64,
}

impl Entry {
    /// An entry holding `value` that expires at `expire_at` (Unix ms), if any.
    /// A deadline of `u64::MAX` is treated as `u64::MAX - 1`.
    pub fn new(value: Value, expire_at: Option<u64>) -> Self {
        Entry { value, expire_at: encode_deadline(expire_at) }
    }

    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value, mutably.
    pub fn value_mut(&mut self) -> &mut Value {
        &mut self.value
    }

    /// Consumes the entry, returning its value.
    pub fn into_value(self) -> Value {
        self.value
    }

    /// The deadline in Unix milliseconds, or `None` for a persistent key.
    pub fn expire_at(&self) -> Option<u64> {
        (self.expire_at != NO_EXPIRE).then_some(self.expire_at)
    }

    /// True if the entry has a deadline and it is `<= now_ms`.
    #[inline]
    pub fn is_expired(&self, now_ms: u64) -> bool {
        // `min` keeps "no deadline" (u64::MAX) from expiring at now = MAX.
        self.expire_at <= now_ms.min(NO_EXPIRE - 1)
    }

    pub(crate) fn set_deadline(&mut self, expire_at: Option<u64>) {
        self.expire_at = encode_deadline(expire_at);
    }
}

fn encode_deadline(expire_at: Option<u64>) -> u64 {
    match expire_at {
        Some(t) => t.min(NO_EXPIRE - 1),
        None => NO_EXPIRE,
    }
}

/// Bits of the access clock (seconds, wrapping every ~194 days).
const CLOCK_BITS: u32 = 24;
const CLOCK_MASK: u32 = (1 << CLOCK_BITS) - 1;
/// Initial LFU counter of a new key, as in Redis.
pub(crate) const LFU_INIT: u8 = 5;
/// Redis's default lfu-log-factor.
const LFU_LOG_FACTOR: u32 = 10;
/// Redis's default lfu-decay-time, in minutes.
const LFU_DECAY_MINUTES: u32 = 1;

/// Access metadata packed into 32 bits: the last access time (24 bits of
/// seconds) and the LFU logarithmic counter (8 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Meta(u32);

fn clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) as u32) & CLOCK_MASK
}

impl Meta {
    /// Metadata of a key created at `now_ms`.
    pub(crate) fn new(now_ms: u64) -> Self {
        Meta(clock(now_ms) | (u32::from(LFU_INIT) << CLOCK_BITS))
    }

    fn access_clock(self) -> u32 {
        self.0 & CLOCK_MASK
    }

    fn counter(self) -> u8 {
        (self.0 >> CLOCK_BITS) as u8
    }

    fn idle_secs(self, now_ms: u64) -> u32 {
        clock(now_ms).wrapping_sub(self.access_clock()) & CLOCK_MASK
    }

    /// Milliseconds since the last access, at one-second resolution
    /// (OBJECT IDLETIME).
    pub(crate) fn idle_ms(self, now_ms: u64) -> u64 {
        u64::from(self.idle_secs(now_ms)) * 1000
    }

    /// The LFU counter after decay for the time since the last access
    /// (OBJECT FREQ).
    pub(crate) fn freq(self, now_ms: u64) -> u8 {
        let periods = self.idle_secs(now_ms) / 60 / LFU_DECAY_MINUTES;
        let c = u32::from(self.counter());
        c.saturating_sub(periods) as u8
    }

    /// Records an access at `now_ms`: decays, then increments the LFU
    /// counter with probability `1 / ((counter - 5) * 10 + 1)` using the
    /// random word `rnd`, and updates the access clock.
    pub(crate) fn touch(&mut self, now_ms: u64, rnd: u32) {
        let mut c = self.freq(now_ms);
        if c < u8::MAX {
            let base = u64::from(c.saturating_sub(LFU_INIT));
            let denom = base * u64::from(LFU_LOG_FACTOR) + 1;
            // P(rnd / 2^32 < 1 / denom)
            if u64::from(rnd) * denom < (1u64 << 32) {
                c += 1;
            }
        }
        self.0 = clock(now_ms) | (u32::from(c) << CLOCK_BITS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn deadlines() {
        let e = Entry::new(Value::string(b"v"), None);
        assert_eq!(e.expire_at(), None);
        assert!(!e.is_expired(u64::MAX));
        let e = Entry::new(Value::string(b"v"), Some(100));
        assert_eq!(e.expire_at(), Some(100));
        assert!(!e.is_expired(99));
        assert!(e.is_expired(100));
        let e = Entry::new(Value::string(b"v"), Some(u64::MAX));
        assert_eq!(e.expire_at(), Some(u64::MAX - 1));
    }

    #[test]
    fn idle_time_and_wraparound() {
        let m = Meta::new(5_000);
        assert_eq!(m.idle_ms(5_999), 0);
        assert_eq!(m.idle_ms(17_000), 12_000);
        // The 24-bit clock wraps; idle time stays right across the wrap.
        let wrap_ms = u64::from(CLOCK_MASK) * 1000;
        let m = Meta::new(wrap_ms);
        assert_eq!(m.idle_ms(wrap_ms + 3_000), 3_000);
    }

    #[test]
    fn lfu_counter_grows_logarithmically_and_decays() {
        let mut m = Meta::new(0);
        assert_eq!(m.freq(0), LFU_INIT);
        // rnd = 0 always increments.
        m.touch(0, 0);
        assert_eq!(m.freq(0), LFU_INIT + 1);
        // At counter 6 the probability is 1/11: rnd just above 2^32/11 fails.
        m.touch(0, (u32::MAX / 11) + 1);
        assert_eq!(m.freq(0), LFU_INIT + 1);
        // Many accesses with a pseudo-random stream: grows, but slowly.
        let mut x = 12345u32;
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m.touch(0, x);
        }
        let f = m.freq(0);
        assert!((10..40).contains(&f), "freq {f}");
        // Three idle minutes decay the counter by three.
        assert_eq!(m.freq(3 * 60_000), f - 3);
        // Saturates at 255 and at 0.
        let mut m = Meta(u32::from(u8::MAX) << CLOCK_BITS);
        m.touch(0, 0);
        assert_eq!(m.freq(0), 255);
        assert_eq!(Meta::new(0).freq(1000 * 60_000), 0);
    }
}
