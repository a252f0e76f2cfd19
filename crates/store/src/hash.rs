//! The keyed 64-bit hash that places keys in the keyspace table.
//!
//! A small multiply-fold hash over 8-byte words, keyed with 128 bits of
//! per-process randomness so that clients cannot choose keys that collide
//! (hash-flooding resistance). The output is never `0` and never `u64::MAX`:
//! `0` is free to mean "start"/"done" as a SCAN cursor and `u64::MAX` marks an
//! empty table slot.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
const P3: u64 = 0x5899_65cc_7537_4cc3;

/// The largest value [`KeyHasher::hash`] returns; `u64::MAX` is reserved.
pub(crate) const MAX_HASH: u64 = u64::MAX - 1;

/// Multiplies two words into 128 bits and folds the halves together.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

#[inline(always)]
fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn read_u32(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// SplitMix64 finalizer: turns any 64-bit value into a well-mixed one.
pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Returns 64 random bits from the standard library's per-process random keys.
pub(crate) fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x656d_6265_7200_0001);
    h.finish()
}

/// A keyed hash function for keys. Cheap to copy; every table of a store
/// shares one so keys can move between databases without surprises.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyHasher {
    k0: u64,
    k1: u64,
}

impl KeyHasher {
    /// A hasher keyed by `seed` (deterministic: same seed, same hashes).
    pub(crate) fn with_seed(seed: u64) -> Self {
        KeyHasher { k0: splitmix(seed), k1: splitmix(seed ^ P2) | 1 }
    }

    /// Hashes `key`. The result lies in `1..=MAX_HASH`.
    #[inline]
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        let len = key.len();
        let mut seed = self.k0 ^ (len as u64).wrapping_mul(P0);
        let (a, b);
        if len <= 16 {
            if len >= 8 {
                a = read_u64(key, 0);
                b = read_u64(key, len - 8);
            } else if len >= 4 {
                a = read_u32(key, 0);
                b = read_u32(key, len - 4);
            } else if len > 0 {
                a = (u64::from(key[0]) << 16) | (u64::from(key[len / 2]) << 8) | u64::from(key[len - 1]);
                b = 0;
            } else {
                a = 0;
                b = 0;
            }
        } else {
            let mut at = 0;
            while len - at > 16 {
                seed = fold_mul(read_u64(key, at) ^ self.k1 ^ P1, read_u64(key, at + 8) ^ seed);
                at += 16;
            }
            a = read_u64(key, len - 16);
            b = read_u64(key, len - 8);
        }
        let h = fold_mul(a ^ self.k1 ^ P1, b ^ seed);
        let h = fold_mul(h ^ P3, self.k0 ^ P2);
        h.clamp(1, MAX_HASH)
    }

    /// The 32-bit hash the keyspace table stores: the top half of
    /// [`hash`](Self::hash), in `1..u32::MAX` (`0` is a SCAN cursor's
    /// "start"/"done" and `u32::MAX` marks an empty slot).
    #[inline]
    pub(crate) fn hash32(&self, key: &[u8]) -> u32 {
        ((self.hash(key) >> 32) as u32).clamp(1, u32::MAX - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_with_seed_and_seed_dependent() {
        let a = KeyHasher::with_seed(1);
        let b = KeyHasher::with_seed(1);
        let c = KeyHasher::with_seed(2);
        for key in [&b""[..], b"a", b"key:1", b"0123456789abcdef", b"0123456789abcdefX"] {
            assert_eq!(a.hash(key), b.hash(key));
            assert_ne!(a.hash(key), c.hash(key));
        }
    }

    #[test]
    fn every_length_and_byte_matters() {
        let h = KeyHasher::with_seed(7);
        let mut seen = std::collections::HashSet::new();
        let base = [0u8; 64];
        for len in 0..64 {
            assert!(seen.insert(h.hash(&base[..len])), "len {len}");
            for pos in 0..len {
                let mut k = base;
                k[pos] = 1;
                assert!(seen.insert(h.hash(&k[..len])), "len {len} pos {pos}");
            }
        }
    }

    #[test]
    fn top_bits_spread_sequential_keys() {
        // The table uses the top bits as the home slot: sequential keys must
        // land evenly in 256 buckets.
        let h = KeyHasher::with_seed(3);
        let mut buckets = [0u32; 256];
        let n = 256 * 400;
        for i in 0..n {
            let key = format!("key:{i:08}");
            buckets[(h.hash(key.as_bytes()) >> 56) as usize] += 1;
        }
        for &b in &buckets {
            assert!((300..500).contains(&b), "bucket count {b}");
        }
    }

    #[test]
    fn random_seeds_differ() {
        assert_ne!(random_seed(), random_seed());
    }
}
