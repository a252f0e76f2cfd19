//! CRC-64 "Jones", the checksum at the end of RDB files and DUMP payloads.
//!
//! Parameters (Rocksoft model): width 64, polynomial `0xad93d23594c935a9`,
//! reflected input and output, initial value 0, final xor 0. Check value
//! (`"123456789"`): `0xe9c6d914c4b8d9ca`. This is *not* CRC-64/XZ (ECMA-182).
//!
//! The implementation is table driven, slice-by-16: sixteen 256-entry tables
//! (32 KiB, built at compile time) fold 16 input bytes per step. Because the
//! CRC is reflected, the register is little-endian with respect to the input:
//! the first input byte meets the low byte of the register.

/// The polynomial `0xad93d23594c935a9`, bit-reversed for the reflected
/// (LSB-first) algorithm.
const POLY_REFLECTED: u64 = 0x95ac_9329_ac4b_c9b5;

/// `TABLES[0]` is the classic byte table; `TABLES[k][b]` is the CRC of byte `b`
/// followed by `k` zero bytes.
static TABLES: [[u64; 256]; 16] = make_tables();

const fn make_tables() -> [[u64; 256]; 16] {
    let mut t = [[0u64; 256]; 16];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY_REFLECTED } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut s = 1;
    while s < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        s += 1;
    }
    t
}

/// Continues a CRC-64 Jones computation: `crc64(crc64(0, a), b) == crc64(0, a ++ b)`.
///
/// Start with `crc = 0`.
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    let t = &TABLES;
    let mut crc = crc;
    let mut chunks = data.chunks_exact(16);
    for chunk in &mut chunks {
        let (lo, hi) = chunk.split_at(8);
        // Little-endian loads: byte 0 of the chunk lands in the low byte.
        let a = crc ^ u64::from_le_bytes(lo.try_into().expect("8-byte half of a 16-byte chunk"));
        let b = u64::from_le_bytes(hi.try_into().expect("8-byte half of a 16-byte chunk"));
        crc = t[15][(a & 0xff) as usize]
            ^ t[14][((a >> 8) & 0xff) as usize]
            ^ t[13][((a >> 16) & 0xff) as usize]
            ^ t[12][((a >> 24) & 0xff) as usize]
            ^ t[11][((a >> 32) & 0xff) as usize]
            ^ t[10][((a >> 40) & 0xff) as usize]
            ^ t[9][((a >> 48) & 0xff) as usize]
            ^ t[8][(a >> 56) as usize]
            ^ t[7][(b & 0xff) as usize]
            ^ t[6][((b >> 8) & 0xff) as usize]
            ^ t[5][((b >> 16) & 0xff) as usize]
            ^ t[4][((b >> 24) & 0xff) as usize]
            ^ t[3][((b >> 32) & 0xff) as usize]
            ^ t[2][((b >> 40) & 0xff) as usize]
            ^ t[1][((b >> 48) & 0xff) as usize]
            ^ t[0][(b >> 56) as usize];
    }
    for &byte in chunks.remainder() {
        crc = t[0][((crc ^ u64::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

/// An incremental CRC-64 Jones digest.
///
/// ```
/// let mut d = ember_rdb::Crc64::new();
/// d.update(b"1234");
/// d.update(b"56789");
/// assert_eq!(d.value(), 0xe9c6d914c4b8d9ca);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Crc64 {
    state: u64,
}

impl Crc64 {
    /// A digest of no bytes (value 0).
    pub const fn new() -> Self {
        Crc64 { state: 0 }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.state = crc64(self.state, data);
    }

    /// The CRC of every byte fed so far.
    pub const fn value(&self) -> u64 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-at-a-time reference straight from the definition.
    fn reference(data: &[u8]) -> u64 {
        let mut crc = 0u64;
        for &b in data {
            crc ^= u64::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ POLY_REFLECTED } else { crc >> 1 };
            }
        }
        crc
    }

    #[test]
    fn check_value() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(reference(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        // Not CRC-64/XZ, whose check value is 0x995dc9bbdf1939fa.
        assert_ne!(crc64(0, b"123456789"), 0x995d_c9bb_df19_39fa);
    }

    #[test]
    fn empty_is_zero() {
        assert_eq!(crc64(0, b""), 0);
    }

    proptest::proptest! {
        #[test]
        fn sliced_matches_bitwise(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), split in 0usize..300) {
            let split = split.min(data.len());
            let whole = crc64(0, &data);
            proptest::prop_assert_eq!(whole, reference(&data));
            let (a, b) = data.split_at(split);
            proptest::prop_assert_eq!(crc64(crc64(0, a), b), whole);
        }
    }
}
