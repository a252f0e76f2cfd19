//! Fuzz target: arbitrary bytes fed to the RDB reader must decode or fail
//! cleanly, never panic, and stay within a memory bound; whatever decodes
//! must re-encode and decode to the same items (checked inside fuzz_check).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ember_rdb::fuzz_check(data);
});
