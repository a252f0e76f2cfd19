//! Bit-level operations on string bytes, as Redis's bitmap commands see a
//! string: bit 0 is the most significant bit of byte 0.
//!
//! * [`popcount`] counts set bits a 64-bit word at a time (with the CPU's
//!   `popcnt` instruction when it has one) — BITCOUNT.
//! * [`find_bit`] finds the first set or clear bit in a bit range, skipping
//!   whole words that cannot contain it — BITPOS.
//! * [`bitop`] combines strings with AND / OR / XOR / NOT a word at a time —
//!   BITOP.
//! * [`get_field`] / [`set_field`] read and write an unsigned field of 1 to
//!   64 bits at any bit offset — BITFIELD, SETBIT, GETBIT.
//!
//! Everything works on plain byte slices; callers get them from a
//! [`StrValue`](crate::StrValue) (`as_bytes` to read, `raw_bytes_mut` to
//! modify in place).

/// Bytes per machine word in the word-at-a-time loops.
const WORD: usize = 8;

/// Number of set bits in `bytes`.
pub fn popcount(bytes: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if bytes.len() >= 64 && std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports `popcnt`, checked just above.
            return unsafe { popcount_hw(bytes) };
        }
    }
    popcount_words(bytes)
}

/// [`popcount_words`] compiled with the `popcnt` instruction enabled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn popcount_hw(bytes: &[u8]) -> u64 {
    popcount_words(bytes)
}

#[inline(always)]
fn popcount_words(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(4 * WORD);
    // Four independent accumulators keep the popcounts in flight.
    let (mut a, mut b, mut c, mut d) = (0u64, 0u64, 0u64, 0u64);
    for chunk in &mut chunks {
        let w = |i: usize| u64::from_ne_bytes(chunk[i * WORD..(i + 1) * WORD].try_into().expect("8 bytes"));
        a += u64::from(w(0).count_ones());
        b += u64::from(w(1).count_ones());
        c += u64::from(w(2).count_ones());
        d += u64::from(w(3).count_ones());
    }
    let tail: u64 = chunks.remainder().iter().map(|&x| u64::from(x.count_ones())).sum();
    a + b + c + d + tail
}

/// Index of the first byte of `bytes` that is not `skip`, scanning a word at
/// a time.
fn first_byte_not(bytes: &[u8], skip: u8) -> Option<usize> {
    let splat = u64::from_ne_bytes([skip; WORD]);
    let mut chunks = bytes.chunks_exact(WORD);
    let mut at = 0;
    for chunk in &mut chunks {
        if u64::from_ne_bytes(chunk.try_into().expect("8 bytes")) != splat {
            return chunk.iter().position(|&b| b != skip).map(|i| at + i);
        }
        at += WORD;
    }
    chunks.remainder().iter().position(|&b| b != skip).map(|i| at + i)
}

/// The position of the first bit equal to `bit` among bits `first..=last`
/// of `bytes`, or `None`.
///
/// # Panics
/// If `first > last` or `last` is not a bit of `bytes`.
pub fn find_bit(bytes: &[u8], bit: bool, first: usize, last: usize) -> Option<usize> {
    assert!(first <= last && last / 8 < bytes.len(), "bit range out of bounds");
    // Look for set bits in the bytes, inverted when looking for a 0.
    let flip = if bit { 0 } else { 0xff };
    let (fb, lb) = (first / 8, last / 8);
    let head = 0xffu8 >> (first % 8);
    let tail = 0xffu8 << (7 - last % 8);
    let hit = |byte: usize, v: u8| byte * 8 + v.leading_zeros() as usize;
    if fb == lb {
        let v = (bytes[fb] ^ flip) & head & tail;
        return (v != 0).then(|| hit(fb, v));
    }
    let v = (bytes[fb] ^ flip) & head;
    if v != 0 {
        return Some(hit(fb, v));
    }
    if let Some(i) = first_byte_not(&bytes[fb + 1..lb], flip) {
        let at = fb + 1 + i;
        return Some(hit(at, bytes[at] ^ flip));
    }
    let v = (bytes[lb] ^ flip) & tail;
    (v != 0).then(|| hit(lb, v))
}

/// A BITOP operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    /// Bitwise AND; missing bytes of shorter inputs count as zero.
    And,
    /// Bitwise OR.
    Or,
    /// Bitwise XOR.
    Xor,
    /// Bitwise NOT of a single input.
    Not,
}

/// Applies `op` to `acc` (the result so far, over the earlier inputs) and
/// the next input `src`, a word at a time. `acc` grows to `src`'s length
/// when shorter, zero-padded (the shorter inputs' missing bytes are zeros).
/// For [`BitOp::Not`] `acc` becomes the complement of `src`.
pub fn bitop(op: BitOp, acc: &mut Vec<u8>, src: &[u8]) {
    if op == BitOp::Not {
        acc.clear();
        acc.extend(src.iter().map(|&b| !b));
        return;
    }
    if acc.len() < src.len() {
        acc.resize(src.len(), 0);
    }
    let n = src.len();
    let (head, rest) = acc.split_at_mut(n);
    let apply = |a: u64, b: u64| match op {
        BitOp::And => a & b,
        BitOp::Or => a | b,
        _ => a ^ b,
    };
    let mut dst = head.chunks_exact_mut(WORD);
    let mut s = src.chunks_exact(WORD);
    for (d, s) in (&mut dst).zip(&mut s) {
        let v = apply(
            u64::from_ne_bytes((*d).try_into().expect("8 bytes")),
            u64::from_ne_bytes(s.try_into().expect("8 bytes")),
        );
        d.copy_from_slice(&v.to_ne_bytes());
    }
    for (d, &s) in dst.into_remainder().iter_mut().zip(s.remainder()) {
        *d = apply(u64::from(*d), u64::from(s)) as u8;
    }
    if op == BitOp::And {
        // `src` is zero beyond its end.
        rest.fill(0);
    }
}

/// Reads the `bits`-bit unsigned field at bit `offset` (big-endian bit
/// order, bit 0 the top bit of byte 0); bits past the end of `bytes` read
/// as zero.
///
/// # Panics
/// If `bits` is not in `1..=64`.
pub fn get_field(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    assert!((1..=64).contains(&bits), "field width out of range");
    let byte = offset / 8;
    let shift = (offset % 8) as u32;
    // A field spans at most 9 bytes: load them as the top of a u128.
    let mut window = [0u8; 16];
    if let Ok(start) = usize::try_from(byte) {
        if start < bytes.len() {
            let n = (bytes.len() - start).min(9);
            window[..n].copy_from_slice(&bytes[start..start + n]);
        }
    }
    let w = u128::from_be_bytes(window);
    let v = (w << shift) >> (128 - bits);
    v as u64
}

/// Writes the low `bits` bits of `value` as the field at bit `offset`.
///
/// # Panics
/// If `bits` is not in `1..=64` or the field does not fit in `bytes`.
pub fn set_field(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    assert!((1..=64).contains(&bits), "field width out of range");
    let last = offset + u64::from(bits) - 1;
    assert!(last / 8 < bytes.len() as u64, "bit field out of bounds");
    let start = (offset / 8) as usize;
    let n = (last / 8) as usize - start + 1;
    let shift = (offset % 8) as u32;
    let mut window = [0u8; 16];
    window[..n].copy_from_slice(&bytes[start..start + n]);
    let w = u128::from_be_bytes(window);
    let mask = (u128::from(u64::MAX) >> (64 - bits)) << (128 - bits - shift);
    let v = (u128::from(value) << (128 - bits - shift)) & mask;
    let w = (w & !mask) | v;
    bytes[start..start + n].copy_from_slice(&w.to_be_bytes()[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bit_at(bytes: &[u8], i: usize) -> bool {
        bytes[i / 8] & (0x80 >> (i % 8)) != 0
    }

    #[test]
    fn popcount_cases() {
        assert_eq!(popcount(b""), 0);
        assert_eq!(popcount(b"foobar"), 26);
        assert_eq!(popcount(&[0xff; 1000]), 8000);
        assert_eq!(popcount(&[0x01; 65]), 65);
    }

    #[test]
    fn find_bit_cases() {
        let b = [0xff, 0xf0, 0x00];
        assert_eq!(find_bit(&b, false, 0, 23), Some(12));
        assert_eq!(find_bit(&b, true, 0, 23), Some(0));
        assert_eq!(find_bit(&b, true, 12, 23), None);
        assert_eq!(find_bit(&b, true, 11, 11), Some(11));
        assert_eq!(find_bit(&[0u8; 40], true, 0, 319), None);
        let mut long = vec![0u8; 40];
        long[33] = 0x04;
        assert_eq!(find_bit(&long, true, 3, 319), Some(33 * 8 + 5));
        assert_eq!(find_bit(&long, true, 3, 33 * 8 + 4), None);
    }

    #[test]
    fn bitop_cases() {
        let mut acc = b"\xff\x0f".to_vec();
        bitop(BitOp::And, &mut acc, b"\x0f");
        assert_eq!(acc, b"\x0f\x00");
        let mut acc = b"\xf0".to_vec();
        bitop(BitOp::Or, &mut acc, b"\x0f\x01");
        assert_eq!(acc, b"\xff\x01");
        let mut acc = Vec::new();
        bitop(BitOp::Not, &mut acc, b"\x00\xf0");
        assert_eq!(acc, b"\xff\x0f");
    }

    #[test]
    fn fields() {
        let mut b = vec![0u8; 10];
        set_field(&mut b, 3, 5, 0b10101);
        assert_eq!(b[0], 0b0001_0101);
        assert_eq!(get_field(&b, 3, 5), 0b10101);
        set_field(&mut b, 7, 64, u64::MAX);
        assert_eq!(get_field(&b, 7, 64), u64::MAX);
        assert_eq!(get_field(&b, 6, 2), 0b01);
        assert_eq!(get_field(&b, 71, 1), 0);
        assert_eq!(get_field(&b, 1000, 8), 0);
        assert_eq!(get_field(&[0xab], 4, 8), 0xb0);
    }

    proptest! {
        #[test]
        fn popcount_matches_naive(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let naive: u64 = bytes.iter().map(|b| u64::from(b.count_ones())).sum();
            prop_assert_eq!(popcount(&bytes), naive);
        }

        #[test]
        fn find_bit_matches_naive(bytes in proptest::collection::vec(any::<u8>(), 1..60), bit: bool, a: usize, b: usize) {
            let total = bytes.len() * 8;
            let (first, last) = { let (x, y) = (a % total, b % total); (x.min(y), x.max(y)) };
            let naive = (first..=last).find(|&i| bit_at(&bytes, i) == bit);
            prop_assert_eq!(find_bit(&bytes, bit, first, last), naive);
        }

        #[test]
        fn bitop_matches_naive(a in proptest::collection::vec(any::<u8>(), 0..40), b in proptest::collection::vec(any::<u8>(), 0..40), which in 0..3u8) {
            let op = [BitOp::And, BitOp::Or, BitOp::Xor][which as usize];
            let mut acc = a.clone();
            bitop(op, &mut acc, &b);
            let n = a.len().max(b.len());
            let naive: Vec<u8> = (0..n).map(|i| {
                let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
                match op { BitOp::And => x & y, BitOp::Or => x | y, _ => x ^ y }
            }).collect();
            prop_assert_eq!(acc, naive);
        }

        #[test]
        fn set_then_get_field(len in 9usize..20, offset in 0u64..80, bits in 1u32..=64, value: u64) {
            let mut bytes = vec![0x5au8; len];
            prop_assume!(offset + u64::from(bits) <= len as u64 * 8);
            let before = bytes.clone();
            set_field(&mut bytes, offset, bits, value);
            let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
            prop_assert_eq!(get_field(&bytes, offset, bits), value & mask);
            for i in 0..len * 8 {
                let inside = (i as u64) >= offset && (i as u64) < offset + u64::from(bits);
                if !inside {
                    prop_assert_eq!(bit_at(&bytes, i), bit_at(&before, i));
                }
            }
        }
    }
}
