//! LZF compression, the format Redis uses for compressed RDB strings.
//!
//! An LZF stream is a sequence of operations, each starting with a control
//! byte `c`:
//!
//! - `c < 0x20` (`000LLLLL`): a literal run; the next `c + 1` bytes (1..=32)
//!   are copied to the output.
//! - otherwise (`LLLooooo`): a back reference. `len = c >> 5`; if `len == 7`
//!   one more byte is added to it (`len = 7 + next`). The next byte is the low
//!   8 bits of the distance, whose high 5 bits are `c & 0x1f`. The operation
//!   copies `len + 2` bytes (3..=264) starting `distance + 1` bytes (1..=8192)
//!   back in the output; the copy may overlap the bytes it produces.
//!
//! The stream has no header or terminator; RDB stores the compressed and the
//! uncompressed length in front of it. The decompressor checks every read and
//! every copy against both lengths. The compressor is a greedy single-pass
//! matcher over a hash table of 3-byte prefixes (our own, not liblzf's): any
//! valid LZF decoder, Redis's included, decodes its output.

use crate::error::{BlobKind, RdbError};

/// Longest literal run one control byte can announce.
const MAX_LITERAL: usize = 32;
/// Longest back reference: 7 + 255 + 2.
const MAX_REF_LEN: usize = 264;
/// Farthest back reference: 13 bits of distance, plus one.
const MAX_DISTANCE: usize = 8192;
/// The largest possible expansion: a 3-byte back reference yields 264 bytes.
pub const MAX_RATIO: usize = 88;

/// Hash table size limits (log2): small inputs get small tables so that
/// compressing many short strings stays cheap.
const MIN_HASH_LOG: u32 = 8;
const MAX_HASH_LOG: u32 = 14;

fn err(position: usize, reason: &'static str) -> RdbError {
    RdbError::blob(BlobKind::Lzf, position, reason)
}

/// Decompresses `input`, which must expand to exactly `expected_len` bytes.
///
/// Fails, naming the position in `input`, on a literal run or back-reference
/// field cut off by the end of the input, a reference reaching before the
/// start of the output, output longer than `expected_len`, or output shorter
/// than it at the end of the input. Allocation is at most `expected_len`, and
/// only after checking that `input` is long enough to expand that far.
pub fn decompress(input: &[u8], expected_len: usize) -> Result<Vec<u8>, RdbError> {
    let mut out = Vec::new();
    decompress_into(input, expected_len, &mut out)?;
    Ok(out)
}

/// [`decompress`], appending the output to `out` (back references reach
/// only into the bytes this call appends). On an error `out` may hold part
/// of the output.
pub fn decompress_into(input: &[u8], expected_len: usize, out: &mut Vec<u8>) -> Result<(), RdbError> {
    if expected_len / MAX_RATIO > input.len() {
        return Err(err(0, "declared length cannot come from this much compressed data"));
    }
    let base = out.len();
    out.reserve(expected_len);
    let mut ip = 0;
    while ip < input.len() {
        let op_at = ip;
        let produced = out.len() - base;
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 0x20 {
            let run = ctrl + 1;
            let Some(lit) = input.get(ip..ip + run) else {
                return Err(err(op_at, "literal run past the end of the input"));
            };
            if produced + run > expected_len {
                return Err(err(op_at, "output longer than the declared length"));
            }
            out.extend_from_slice(lit);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                let Some(&extra) = input.get(ip) else {
                    return Err(err(op_at, "back-reference length past the end of the input"));
                };
                len += usize::from(extra);
                ip += 1;
            }
            let Some(&low) = input.get(ip) else {
                return Err(err(op_at, "back-reference distance past the end of the input"));
            };
            ip += 1;
            let distance = (((ctrl & 0x1f) << 8) | usize::from(low)) + 1;
            let len = len + 2;
            if distance > produced {
                return Err(err(op_at, "back reference before the start of the output"));
            }
            if produced + len > expected_len {
                return Err(err(op_at, "output longer than the declared length"));
            }
            let start = out.len() - distance;
            if distance >= len {
                out.extend_from_within(start..start + len);
            } else {
                // Overlapping copy: each byte may be one this copy produced.
                for i in 0..len {
                    let b = out[start + i];
                    out.push(b);
                }
            }
        }
    }
    if out.len() - base != expected_len {
        return Err(err(input.len(), "output shorter than the declared length"));
    }
    Ok(())
}

/// Compresses `input`, or returns `None` if the result would be longer than
/// `max_len` bytes (or `input` is empty).
///
/// Redis stores the compressed form only when it saves at least 4 bytes on a
/// string longer than 20 bytes, i.e. `compress(s, s.len() - 4)`.
pub fn compress(input: &[u8], max_len: usize) -> Option<Vec<u8>> {
    let mut c = Compressor::new();
    c.compress(input, max_len)?;
    Some(c.out)
}

/// An LZF compressor that keeps its hash table and output buffer from one
/// call to the next (for a writer compressing many short strings).
#[derive(Debug, Default, Clone)]
pub struct Compressor {
    table: Vec<u32>,
    out: Vec<u8>,
}

impl Compressor {
    /// A compressor with no buffers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// [`compress`], into the compressor's own buffer.
    pub fn compress(&mut self, input: &[u8], max_len: usize) -> Option<&[u8]> {
        let n = input.len();
        if n == 0 {
            return None;
        }
        self.out.clear();
        self.out.reserve(max_len.min(n + n / MAX_LITERAL + 1));
        // Position + 1 of the last occurrence of each hashed 3-byte prefix; 0 = none.
        let hash_log = n.next_power_of_two().trailing_zeros().clamp(MIN_HASH_LOG, MAX_HASH_LOG);
        self.table.clear();
        self.table.resize(1 << hash_log, 0);
        compress_with(input, max_len, hash_log, &mut self.table, &mut self.out).then_some(&self.out[..])
    }
}

/// The compressor proper: `table` zeroed with `1 << hash_log` entries, `out`
/// empty. Returns false when the output would exceed `max_len`.
fn compress_with(input: &[u8], max_len: usize, hash_log: u32, table: &mut [u32], out: &mut Vec<u8>) -> bool {
    let n = input.len();
    let hash = |p: usize| -> usize {
        let v = (u32::from(input[p]) << 16) | (u32::from(input[p + 1]) << 8) | u32::from(input[p + 2]);
        (v.wrapping_mul(2_654_435_761) >> (32 - hash_log)) as usize
    };
    let mut lit_start = 0;
    let mut i = 0;
    while i + 2 < n {
        let h = hash(i);
        let candidate = table[h] as usize;
        // Positions beyond u32 range simply stop being indexed.
        table[h] = u32::try_from(i + 1).unwrap_or(0);
        if candidate != 0 {
            let r = candidate - 1;
            let distance = i - r;
            if distance <= MAX_DISTANCE && input[r..r + 3] == input[i..i + 3] {
                let max = MAX_REF_LEN.min(n - i);
                let mut len = 3;
                while len < max && input[r + len] == input[i + len] {
                    len += 1;
                }
                push_literals(out, &input[lit_start..i]);
                push_reference(out, len, distance);
                if out.len() > max_len {
                    return false;
                }
                // Index a couple of positions inside the match so the next
                // repeat is found; skipping the rest keeps compression linear.
                let end = i + len;
                let mut p = i + 1;
                while p < end && p + 2 < n && p < i + 3 {
                    table[hash(p)] = u32::try_from(p + 1).unwrap_or(0);
                    p += 1;
                }
                i = end;
                lit_start = i;
                continue;
            }
        }
        i += 1;
    }
    push_literals(out, &input[lit_start..]);
    out.len() <= max_len
}

fn push_literals(out: &mut Vec<u8>, mut lits: &[u8]) {
    while !lits.is_empty() {
        let run = lits.len().min(MAX_LITERAL);
        // Control byte 000LLLLL: run length minus one.
        out.push((run - 1) as u8);
        out.extend_from_slice(&lits[..run]);
        lits = &lits[run..];
    }
}

fn push_reference(out: &mut Vec<u8>, len: usize, distance: usize) {
    debug_assert!((3..=MAX_REF_LEN).contains(&len) && (1..=MAX_DISTANCE).contains(&distance));
    let l = len - 2;
    let d = distance - 1;
    let high = (d >> 8) as u8; // 5 bits
    if l < 7 {
        out.push(((l as u8) << 5) | high);
    } else {
        out.push((7 << 5) | high);
        out.push((l - 7) as u8);
    }
    out.push((d & 0xff) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(data: &[u8]) {
        if let Some(c) = compress(data, usize::MAX) {
            assert_eq!(decompress(&c, data.len()).unwrap(), data);
        } else {
            assert!(data.is_empty());
        }
    }

    #[test]
    fn known_streams() {
        // Literal "abc" then a reference of 6 bytes at distance 3: "abcabcabc".
        assert_eq!(decompress(&[0x02, b'a', b'b', b'c', (4 << 5), 0x02], 9).unwrap(), b"abcabcabc");
        // Long reference (len field 7 + extra 1 => 10 bytes) at distance 1.
        assert_eq!(decompress(&[0x00, b'x', 0xe0, 0x01, 0x00], 11).unwrap(), vec![b'x'; 11]);
    }

    #[test]
    fn corrupt_streams_fail_cleanly() {
        let cases: &[(&[u8], usize, &str)] = &[
            (&[0x05, b'a'], 6, "literal run past the end of the input"),
            (&[0x20], 3, "back-reference distance past the end of the input"),
            (&[0xe0], 3, "back-reference length past the end of the input"),
            (&[0x00, b'a', 0x20, 0x05], 4, "back reference before the start of the output"),
            (&[0x01, b'a', b'b'], 1, "output longer than the declared length"),
            (&[0x00, b'a'], 2, "output shorter than the declared length"),
            (&[0x00, b'a'], 1_000_000, "declared length cannot come from this much compressed data"),
        ];
        for &(input, len, reason) in cases {
            match decompress(input, len) {
                Err(RdbError::Blob { kind: BlobKind::Lzf, reason: r, .. }) => assert_eq!(r, reason),
                other => panic!("{input:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn compresses_repetitive_data() {
        let data = b"ababababababababababababababababababababababab".repeat(100);
        let c = compress(&data, data.len() - 4).unwrap();
        assert!(c.len() < data.len() / 10, "{}", c.len());
        round_trip(&data);
        round_trip(&vec![0u8; 100_000]);
        assert!(compress(b"abcdefghijklmnopqrstuvwxyz", 22).is_none());
    }

    proptest! {
        #[test]
        fn round_trips(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            round_trip(&data);
        }

        #[test]
        fn round_trips_repetitive(seed in proptest::collection::vec(0u8..4, 1..40), reps in 1usize..200) {
            let data: Vec<u8> = seed.iter().cycle().take(seed.len() * reps).copied().collect();
            round_trip(&data);
        }

        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), len in 0usize..5000) {
            let _ = decompress(&data, len);
        }
    }
}
