//! Memory accounting: [`CountingAlloc`], a `GlobalAlloc` wrapper around the
//! system allocator that keeps an always-current count of the bytes the
//! allocator has handed out (INFO `used_memory`, the `maxmemory` check).
//!
//! What is counted is what glibc's malloc really takes for each request: a
//! chunk of `max(32, round_up(size + 8, 16))` bytes (the 8-byte size header
//! plus alignment padding, on 64-bit glibc), computed from the size alone —
//! no `malloc_usable_size` call. That is the allocator-level figure Redis's
//! zmalloc `used_memory` reports. Chunks served by `mmap` (over the
//! allocator's threshold, 128 KiB and up) are page-rounded by glibc; the
//! formula undercounts them by under 4 KiB each.
//!
//! Cost: the event loop thread counts in a plain thread-local integer (no
//! atomic read-modify-write on the hot path); every other thread (the
//! lazyfree thread, threads that ran before the loop registered) adds to one
//! shared atomic. [`used_memory`] sums both, so it is exact only when called
//! on the registered thread (the loop, where INFO and eviction run). A
//! BGSAVE child is a separate process: its allocations never reach the
//! parent's counters.
//!
//! The wrapper is installed by the `ember-server` binary with
//! `#[global_allocator]`. A program using this crate as a library without it
//! gets glibc's `mallinfo2()` instead (see [`used_memory`]).
//!
//! [`rss_bytes`] is the other figure INFO and MEMORY STATS show: the
//! process's resident set size, as the kernel reports it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// The system allocator, counting the bytes it hands out.
pub struct CountingAlloc;

/// "This thread is not the registered loop thread": its allocations go to
/// [`OTHERS`].
const UNREGISTERED: i64 = i64::MIN;

thread_local! {
    /// The loop thread's running balance (bytes allocated minus freed by
    /// it), or `UNREGISTERED` on every other thread.
    static LOCAL: Cell<i64> = const { Cell::new(UNREGISTERED) };
}

/// Balance of every thread but the registered one.
static OTHERS: AtomicI64 = AtomicI64::new(0);

/// Set once [`detect`] has seen the counters move.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Bytes glibc's malloc takes for a request of `size` bytes on a 64-bit
/// system: an 8-byte header, rounded up to 16, at least 32.
#[inline(always)]
pub const fn chunk_size(size: usize) -> usize {
    let c = (size.wrapping_add(8 + 15)) & !15;
    if c < 32 {
        32
    } else {
        c
    }
}

#[inline(always)]
fn account(delta: i64) {
    LOCAL.with(|local| {
        let v = local.get();
        if v != UNREGISTERED {
            local.set(v.wrapping_add(delta));
        } else {
            OTHERS.fetch_add(delta, Ordering::Relaxed);
        }
    });
}

// SAFETY: every method forwards to `System` unchanged; the bookkeeping
// touches only integers and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is forwarded unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            account(chunk_size(layout.size()) as i64);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is forwarded unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            account(chunk_size(layout.size()) as i64);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        account(-(chunk_size(layout.size()) as i64));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(chunk_size(new_size) as i64 - chunk_size(layout.size()) as i64);
        }
        p
    }
}

/// Makes the calling thread the one whose allocations are counted in a
/// thread-local integer (the event loop calls this once, at start). Only
/// one thread should be registered; a second registration simply starts
/// its own balance, which [`used_memory`] on another thread cannot see.
pub fn register_loop_thread() {
    LOCAL.with(|l| {
        if l.get() == UNREGISTERED {
            l.set(0);
        }
    });
}

/// Checks whether [`CountingAlloc`] is the global allocator (the counters
/// move when a block is allocated) and remembers the answer for
/// [`used_memory`]. Cheap; call it once at start-up.
pub fn detect() -> bool {
    let before = counted();
    let probe = std::hint::black_box(vec![0u8; 4096]);
    let installed = counted() != before;
    drop(probe);
    if installed {
        INSTALLED.store(true, Ordering::Relaxed);
    }
    installed
}

/// True if [`detect`] found the counting allocator installed.
pub fn is_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// The counters' sum as seen from this thread.
#[inline]
fn counted() -> i64 {
    let local = LOCAL.with(Cell::get);
    let local = if local == UNREGISTERED { 0 } else { local };
    OTHERS.load(Ordering::Relaxed).wrapping_add(local)
}

/// Bytes the allocator has handed out (Redis's `used_memory`).
///
/// With [`CountingAlloc`] installed this is two loads and an add, exact on
/// the registered loop thread (other threads miss the loop's own balance).
/// Without it, glibc's `mallinfo2()` (arena bytes in use plus mmapped
/// chunks), which walks the allocator's bins: far slower, for INFO only.
#[inline]
pub fn used_memory() -> u64 {
    if is_installed() {
        counted().max(0) as u64
    } else {
        mallinfo_used()
    }
}

/// Resident set size from /proc/self/statm.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

#[cold]
fn mallinfo_used() -> u64 {
    // SAFETY: mallinfo2 only reads allocator statistics.
    let mi = unsafe { nix::libc::mallinfo2() };
    (mi.uordblks + mi.hblkhd) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_chunk_sizes() {
        // 64-bit glibc: header 8, alignment 16, minimum chunk 32.
        for (req, chunk) in [(0, 32), (1, 32), (24, 32), (25, 48), (40, 48), (41, 64), (100, 112), (4096, 4112)] {
            assert_eq!(chunk_size(req), chunk, "request {req}");
        }
    }

    #[test]
    fn glibc_agrees_on_usable_sizes() {
        // malloc_usable_size is the chunk minus its 8-byte header for a
        // chunk from the heap (small requests are never mmapped).
        for req in [1usize, 8, 24, 25, 40, 56, 57, 100, 1000, 4000] {
            // SAFETY: plain malloc/free of a fresh block.
            let usable = unsafe {
                let p = nix::libc::malloc(req);
                assert!(!p.is_null());
                let u = nix::libc::malloc_usable_size(p);
                nix::libc::free(p);
                u
            };
            assert_eq!(chunk_size(req) - 8, usable, "request {req}");
        }
    }

    #[test]
    fn counting_through_the_wrapper() {
        // The test binary does not install the wrapper globally; call it
        // directly, from a thread of our own so the balances are ours.
        std::thread::spawn(|| {
            register_loop_thread();
            let before = LOCAL.with(Cell::get);
            let a = CountingAlloc;
            let layout = Layout::from_size_align(100, 8).expect("layout");
            // SAFETY: alloc/realloc/dealloc with matching layouts.
            unsafe {
                let p = a.alloc(layout);
                assert_eq!(LOCAL.with(Cell::get) - before, 112);
                let p = a.realloc(p, layout, 1000);
                assert_eq!(LOCAL.with(Cell::get) - before, 1008);
                a.dealloc(p, Layout::from_size_align(1000, 8).expect("layout"));
                let z = a.alloc_zeroed(layout);
                assert_eq!(*z, 0);
                a.dealloc(z, layout);
            }
            assert_eq!(LOCAL.with(Cell::get), before);
        })
        .join()
        .expect("thread");
    }

    #[test]
    fn fallback_without_the_wrapper() {
        // In this test binary the wrapper is not the global allocator.
        assert!(!detect());
        assert!(used_memory() > 0);
    }
}
