//! What a key maps to: [`Entry`] (value + deadline) and the access metadata
//! (LRU clock and LFU counter) kept beside it.
//!
//! The metadata is one 32-bit word per key: a 24-bit access clock in
//! seconds and Redis's 8-bit logarithmic LFU counter ([`LfuParams`]). An
//! access (`Db::get`) updates both, whatever the eviction policy, so
//! switching `maxmemory-policy` needs no conversion.

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

/// Parameters of the LFU access counter (Redis's `lfu-log-factor` and
/// `lfu-decay-time`).
///
/// The counter is Redis's 8-bit logarithmic counter: a new key starts at 5;
/// an access first applies the decay, then increments the counter with
/// probability `1 / ((counter - 5) * log_factor + 1)` (always when the
/// counter is at most 5), saturating at 255. The decay subtracts one per
/// `decay_minutes` whole minutes since the last access (none when
/// `decay_minutes` is 0). With the default factor of 10, about a million
/// accesses saturate the counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LfuParams {
    /// `lfu-log-factor`: larger makes the counter grow more slowly.
    pub log_factor: u32,
    /// `lfu-decay-time` in minutes: one decrement per this many idle
    /// minutes; 0 disables decay.
    pub decay_minutes: u32,
}

impl Default for LfuParams {
    /// Redis's defaults: factor 10, decay every minute.
    fn default() -> Self {
        LfuParams { log_factor: 10, decay_minutes: 1 }
    }
}

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
    /// (OBJECT IDLETIME, the LRU eviction score).
    pub(crate) fn idle_ms(self, now_ms: u64) -> u64 {
        u64::from(self.idle_secs(now_ms)) * 1000
    }

    /// The LFU counter after decay for the time since the last access
    /// (OBJECT FREQ, the LFU eviction score).
    pub(crate) fn freq(self, now_ms: u64, lfu: LfuParams) -> u8 {
        let c = u32::from(self.counter());
        if lfu.decay_minutes == 0 {
            return c as u8;
        }
        let periods = self.idle_secs(now_ms) / 60 / lfu.decay_minutes;
        c.saturating_sub(periods) as u8
    }

    /// Records an access at `now_ms`: decays, then increments the LFU
    /// counter with probability `1 / ((counter - 5) * log_factor + 1)` using
    /// the random word `rnd`, and updates the access clock.
    pub(crate) fn touch(&mut self, now_ms: u64, rnd: u32, lfu: LfuParams) {
        let mut c = self.freq(now_ms, lfu);
        if c < u8::MAX {
            let base = u64::from(c.saturating_sub(LFU_INIT));
            let denom = base * u64::from(lfu.log_factor) + 1;
            // P(rnd / 2^32 < 1 / denom)
            if u64::from(rnd) * denom < (1u64 << 32) {
                c += 1;
            }
        }
        self.0 = clock(now_ms) | (u32::from(c) << CLOCK_BITS);
    }

    /// The metadata with the last access `idle_secs` seconds before `now_ms`
    /// (RESTORE ... IDLETIME), the counter unchanged. Idle times beyond the
    /// clock's range (~194 days) are clamped to it.
    pub(crate) fn with_idle(self, now_ms: u64, idle_secs: u64) -> Self {
        let idle = idle_secs.min(u64::from(CLOCK_MASK)) as u32;
        let at = clock(now_ms).wrapping_sub(idle) & CLOCK_MASK;
        Meta(at | (u32::from(self.counter()) << CLOCK_BITS))
    }

    /// The metadata with LFU counter `freq`, accessed at `now_ms` (RESTORE
    /// ... FREQ).
    pub(crate) fn with_freq(now_ms: u64, freq: u8) -> Self {
        Meta(clock(now_ms) | (u32::from(freq) << CLOCK_BITS))
    }

    /// The metadata of a key whose value is replaced at `now_ms` (SET over
    /// an existing key): the access clock restarts and the LFU counter is
    /// kept (decayed), as Redis keeps an overwritten key's frequency.
    pub(crate) fn overwritten(self, now_ms: u64, lfu: LfuParams) -> Self {
        Meta(clock(now_ms) | (u32::from(self.freq(now_ms, lfu)) << CLOCK_BITS))
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
        let lfu = LfuParams::default();
        let mut m = Meta::new(0);
        assert_eq!(m.freq(0, lfu), LFU_INIT);
        // rnd = 0 always increments.
        m.touch(0, 0, lfu);
        assert_eq!(m.freq(0, lfu), LFU_INIT + 1);
        // At counter 6 the probability is 1/11: rnd just above 2^32/11 fails.
        m.touch(0, (u32::MAX / 11) + 1, lfu);
        assert_eq!(m.freq(0, lfu), LFU_INIT + 1);
        // Many accesses with a pseudo-random stream: grows, but slowly.
        let mut x = 12345u32;
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m.touch(0, x, lfu);
        }
        let f = m.freq(0, lfu);
        assert!((10..40).contains(&f), "freq {f}");
        // Three idle minutes decay the counter by three.
        assert_eq!(m.freq(3 * 60_000, lfu), f - 3);
        // Saturates at 255 and at 0.
        let mut m = Meta(u32::from(u8::MAX) << CLOCK_BITS);
        m.touch(0, 0, lfu);
        assert_eq!(m.freq(0, lfu), 255);
        assert_eq!(Meta::new(0).freq(1000 * 60_000, lfu), 0);
    }

    /// Drives a counter with `n` accesses from a fixed pseudo-random stream.
    fn accessed(n: u32, lfu: LfuParams) -> u8 {
        let mut m = Meta::new(0);
        let mut x = 0x9e37_79b9u32;
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            m.touch(0, x, lfu);
        }
        m.freq(0, lfu)
    }

    #[test]
    fn lfu_log_factor_sets_the_growth_rate() {
        // Redis's documented table (redis.conf, lfu-log-factor): with factor
        // 10, 100 hits give ~10, 1K ~18, 100K ~142, 1M 255; with factor 0
        // every hit counts; with factor 100, 100K hits give ~49 and 1M ~143.
        let f = |factor, n| accessed(n, LfuParams { log_factor: factor, decay_minutes: 1 });
        assert_eq!(f(0, 100), 105);
        assert_eq!(f(0, 1000), 255);
        assert!((8..=13).contains(&f(10, 100)), "{}", f(10, 100));
        assert!((15..=22).contains(&f(10, 1000)), "{}", f(10, 1000));
        assert!((125..=160).contains(&f(10, 100_000)), "{}", f(10, 100_000));
        assert_eq!(f(10, 1_000_000), 255);
        assert!((40..=60).contains(&f(100, 100_000)), "{}", f(100, 100_000));
        assert!((125..=160).contains(&f(100, 1_000_000)), "{}", f(100, 1_000_000));
        // Log factor 1 grows faster than 10.
        assert!(f(1, 1000) > f(10, 1000));
    }

    #[test]
    fn lfu_decay_time() {
        let mut m = Meta::new(0);
        let fast = LfuParams { log_factor: 0, decay_minutes: 1 };
        for _ in 0..20 {
            m.touch(0, 0, fast);
        }
        assert_eq!(m.freq(0, fast), 25);
        // Decay every 2 minutes: 10 minutes idle take 5 off.
        let slow = LfuParams { log_factor: 10, decay_minutes: 2 };
        assert_eq!(m.freq(10 * 60_000, slow), 20);
        // Whole periods only.
        assert_eq!(m.freq(10 * 60_000 + 59_000, slow), 20);
        assert_eq!(m.freq(11 * 60_000, slow), 20);
        assert_eq!(m.freq(12 * 60_000, slow), 19);
        // 0 disables decay.
        let none = LfuParams { log_factor: 10, decay_minutes: 0 };
        assert_eq!(m.freq(1_000_000 * 60_000, none), 25);
        // An access applies the decay before counting.
        let mut d = m;
        d.touch(10 * 60_000, u32::MAX, slow);
        assert_eq!(d.freq(10 * 60_000, slow), 20);
        // RESTORE's IDLETIME and FREQ.
        let r = Meta::new(100_000).with_idle(100_000, 30);
        assert_eq!(r.idle_ms(100_000), 30_000);
        assert_eq!(r.freq(100_000, fast), LFU_INIT);
        assert_eq!(Meta::new(0).with_idle(5_000, u64::MAX).idle_ms(5_000), u64::from(CLOCK_MASK) * 1000);
        assert_eq!(Meta::with_freq(7_000, 200).freq(7_000, fast), 200);
        assert_eq!(Meta::with_freq(7_000, 200).idle_ms(7_000), 0);
        // Overwriting keeps the decayed counter and restarts the clock.
        let o = m.overwritten(4 * 60_000, fast);
        assert_eq!(o.freq(4 * 60_000, fast), 21);
        assert_eq!(o.idle_ms(4 * 60_000), 0);
    }
}
