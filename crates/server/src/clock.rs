//! The loop's clock: the wall clock read once per loop turn, and a cheap
//! monotonic microsecond counter for command durations.
//!
//! Reading the time is not free: `clock_gettime` costs 20-50 ns (more in a
//! virtual machine), which is a tenth of the whole server-side cost of a
//! pipelined PING. So the loop reads the wall clock once per turn
//! ([`Clock::start_turn`]) and derives later wall-clock times within the turn
//! from the monotonic counter, and command durations are chained: one
//! reading ends a command and starts the next in the same batch
//! (`Shared::cmd_start_us`, advanced by dispatch's `after`), so timing a
//! command costs one cheap read instead of two.
//!
//! The monotonic counter is the processor's time-stamp counter where that is
//! safe (x86-64, and the kernel itself uses the TSC as its clocksource, so it
//! is invariant and synchronised across cores), converted to microseconds
//! with a rate calibrated against [`Instant`] from cron once it has been
//! watched for 50 ms; until then, and everywhere else, it is [`Instant`].
//!
//! An in-process [`Engine`](crate::engine::Engine) uses a manual clock
//! instead ([`Clock::manual`]): it shows a chosen time and moves only when
//! told to ([`Clock::advance_manual`]), so expiry and timeouts are
//! deterministic.

use std::time::Instant;

/// How long the TSC is watched against [`Instant`] before it is trusted
/// (microseconds). Longer makes the rate more precise; the first cron tick
/// comes after 100 ms at the default `hz`.
const CALIBRATION_US: u64 = 50_000;

/// Where monotonic microseconds come from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// `Instant` elapsed since `base`.
    Instant,
    /// The time-stamp counter: `offset_us + (tsc - base) * mult / 2^32`.
    #[cfg(target_arch = "x86_64")]
    Tsc { base: u64, mult: u64, offset_us: u64 },
    /// Set by hand: an in-process engine's clock, which moves only when it
    /// is told to (`unix_ms` is the wall clock at `us == 0`).
    Manual { unix_ms: u64, us: u64 },
}

/// A TSC reading paired with the `Instant` taken around it, for calibration.
#[derive(Clone, Copy, Debug)]
struct Pair {
    us: u64,
    tsc: u64,
}

/// The loop's clock (one per server, owned by `Shared`).
#[derive(Debug)]
pub struct Clock {
    base: Instant,
    source: Source,
    /// First calibration point, when the TSC may be used and is not yet.
    calibrating: Option<Pair>,
    /// Wall clock (ms since the epoch) at the start of the turn.
    turn_unix_ms: u64,
    /// Monotonic µs at the start of the turn.
    turn_us: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock reading `Instant` until the TSC (if usable) is calibrated.
    pub fn new() -> Clock {
        let mut clock =
            Clock { base: Instant::now(), source: Source::Instant, calibrating: None, turn_unix_ms: 0, turn_us: 0 };
        if tsc_usable() {
            clock.calibrating = clock.pair();
        }
        clock.start_turn();
        clock
    }

    /// A clock that shows `unix_ms` and moves only with
    /// [`Clock::advance_manual`].
    pub fn manual(unix_ms: u64) -> Clock {
        let mut clock = Clock {
            base: Instant::now(),
            source: Source::Manual { unix_ms, us: 0 },
            calibrating: None,
            turn_unix_ms: 0,
            turn_us: 0,
        };
        clock.start_turn();
        clock
    }

    /// Moves a manual clock forward (a running clock ignores it).
    pub fn advance_manual(&mut self, us: u64) {
        if let Source::Manual { us: now, .. } = &mut self.source {
            *now += us;
            self.start_turn();
        }
    }

    /// Monotonic microseconds since the clock was made.
    #[inline]
    pub fn mono_us(&self) -> u64 {
        // The TSC first: it is what a running server reads, per command.
        #[cfg(target_arch = "x86_64")]
        if let Source::Tsc { base, mult, offset_us } = self.source {
            return tsc_us(rdtsc(), base, mult, offset_us);
        }
        match self.source {
            Source::Manual { us, .. } => us,
            _ => self.base.elapsed().as_micros() as u64,
        }
    }

    /// Starts a loop turn: reads the wall clock once.
    pub fn start_turn(&mut self) {
        self.turn_us = self.mono_us();
        self.turn_unix_ms = match self.source {
            Source::Manual { unix_ms, us } => unix_ms + us / 1000,
            _ => crate::state::unix_ms(),
        };
    }

    /// Wall-clock milliseconds at monotonic time `us` (a reading taken during
    /// this turn).
    #[inline]
    pub fn unix_ms_at(&self, us: u64) -> u64 {
        self.turn_unix_ms + us.saturating_sub(self.turn_us) / 1000
    }

    /// Wall-clock milliseconds now.
    #[inline]
    pub fn now_ms(&self) -> u64 {
        self.unix_ms_at(self.mono_us())
    }

    /// Called from cron: once the TSC has been watched long enough, derive
    /// its rate and switch to it, continuing from the current reading so the
    /// counter never jumps.
    pub fn calibrate(&mut self) {
        self.calibrate_after(CALIBRATION_US);
    }

    fn calibrate_after(&mut self, min_us: u64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(first) = self.calibrating {
            let Some(now) = self.pair() else { return };
            if now.us.saturating_sub(first.us) < min_us {
                return;
            }
            self.calibrating = None;
            if let Some(mult) = tsc_rate(first, now) {
                self.source = Source::Tsc { base: now.tsc, mult, offset_us: now.us };
            }
        }
    }

    /// A TSC reading and the `Instant` µs around it: the closest of a few
    /// tries (a try can be preempted between its readings). Its midpoint is
    /// within half the bracket of the TSC reading, so over the calibration
    /// period a 50 µs bracket still gives the rate to 0.05 %.
    fn pair(&self) -> Option<Pair> {
        #[cfg(target_arch = "x86_64")]
        {
            let mut best: Option<(u64, Pair)> = None;
            for _ in 0..8 {
                let a = self.base.elapsed().as_micros() as u64;
                let tsc = rdtsc();
                let b = self.base.elapsed().as_micros() as u64;
                let width = b - a;
                if best.is_none_or(|(w, _)| width < w) {
                    best = Some((width, Pair { us: a + width / 2, tsc }));
                }
                if width <= 1 {
                    break;
                }
            }
            best.filter(|&(w, _)| w <= 50).map(|(_, p)| p)
        }
        #[cfg(not(target_arch = "x86_64"))]
        None
    }
}

/// Whether the TSC can serve as the monotonic counter: on x86-64 when the
/// kernel's own clocksource is the TSC (the kernel checks that it is
/// invariant and synchronised, and watches it).
fn tsc_usable() -> bool {
    cfg!(target_arch = "x86_64")
        && std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .is_ok_and(|s| s.trim() == "tsc")
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn rdtsc() -> u64 {
    // SAFETY: RDTSC is available on every x86-64 processor and has no
    // memory effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The TSC's period in µs × 2^32, from two calibration points; `None`
/// unless the rate lies between 100 MHz and 10 GHz (otherwise the counter is
/// not what we think it is).
fn tsc_rate(first: Pair, now: Pair) -> Option<u64> {
    let us = now.us.checked_sub(first.us).filter(|&us| us > 0)?;
    let ticks = now.tsc.checked_sub(first.tsc)?;
    if ticks < us.saturating_mul(100) || ticks > us.saturating_mul(10_000) {
        return None;
    }
    // Rounded up, so a whole number of µs worth of ticks reads as that many.
    Some(((u128::from(us) << 32).div_ceil(u128::from(ticks))) as u64)
}

/// Microseconds at TSC reading `tsc` for a source based at `base`.
#[inline]
fn tsc_us(tsc: u64, base: u64, mult: u64, offset_us: u64) -> u64 {
    offset_us + ((u128::from(tsc.saturating_sub(base)) * u128::from(mult)) >> 32) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsc_rate_converts_ticks_to_microseconds() {
        // A 2.5 GHz counter watched for 50 ms.
        let first = Pair { us: 1_000, tsc: 7_000_000 };
        let now = Pair { us: 51_000, tsc: 7_000_000 + 125_000_000 };
        let mult = tsc_rate(first, now).expect("plausible rate");
        assert_eq!(tsc_us(now.tsc, now.tsc, mult, now.us), 51_000);
        assert_eq!(tsc_us(now.tsc + 2_500, now.tsc, mult, now.us), 51_000 + 1);
        assert_eq!(tsc_us(now.tsc + 2_500_000_000, now.tsc, mult, now.us), 51_000 + 1_000_000);
        // A reading from before the base never goes back.
        assert_eq!(tsc_us(now.tsc - 10, now.tsc, mult, now.us), 51_000);
        // Implausible rates (a counter at 10 kHz or 1 THz) are refused.
        assert_eq!(tsc_rate(first, Pair { us: 51_000, tsc: 7_000_500 }), None);
        assert_eq!(tsc_rate(first, Pair { us: 51_000, tsc: 7_000_000 + 50_000_000_000 }), None);
        assert_eq!(tsc_rate(first, first), None);
    }

    #[test]
    fn monotonic_across_the_switch_to_the_tsc() {
        let mut clock = Clock::new();
        let mut last = clock.mono_us();
        // Read until the clock has calibrated (at once where the TSC is not used).
        while clock.calibrating.is_some() {
            clock.calibrate_after(1_000);
            let now = clock.mono_us();
            assert!(now >= last, "went back from {last} to {now}");
            last = now;
        }
        for _ in 0..1000 {
            let now = clock.mono_us();
            assert!(now >= last, "went back from {last} to {now}");
            last = now;
        }
    }

    #[test]
    fn wall_clock_within_a_turn_follows_the_counter() {
        let mut clock = Clock::new();
        clock.turn_unix_ms = 1_700_000_000_000;
        clock.turn_us = 5_000;
        assert_eq!(clock.unix_ms_at(5_000), 1_700_000_000_000);
        assert_eq!(clock.unix_ms_at(5_999), 1_700_000_000_000);
        assert_eq!(clock.unix_ms_at(8_000), 1_700_000_000_003);
        // A reading from before the turn started counts as its start.
        assert_eq!(clock.unix_ms_at(4_000), 1_700_000_000_000);
    }
}
