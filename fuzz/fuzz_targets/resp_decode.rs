//! Fuzz target for ember-resp's decoders.
//!
//! For any input (see `ember_resp::fuzzing::check`): no panic; frames
//! re-encode (RESP3) to bytes that decode to the same frame; `FrameDecoder`
//! and `CommandDecoder` give the same results when the input arrives in two
//! chunks split at a data-derived point as when it arrives at once; payloads
//! are slices of the input; decoder structures stay within a small multiple of
//! the input size. On top of that, a counting allocator checks that the live
//! heap never exceeds a small multiple of the input plus a constant, so no
//! declared length (`*2147483647`, `$536870912`) is ever allocated on trust.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap the check may use beyond what it held before: copies of the input and
/// of decoded values, the decoders' bounded preallocation (1024 argument slots),
/// the error message buffers.
fn heap_budget(input_len: usize) -> usize {
    256 * input_len + 256 * 1024
}

fuzz_target!(|data: &[u8]| {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    ember_resp::fuzzing::check(data);
    let used = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    assert!(used <= heap_budget(data.len()), "peak heap {used} bytes for a {}-byte input", data.len());
});
