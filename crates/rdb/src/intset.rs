//! Intset: a sorted array of distinct integers, the compact encoding of small
//! all-integer sets (RDB type 11), stored as an RDB string.
//!
//! Layout (all little-endian):
//!
//! ```text
//! <encoding: u32 LE = 2, 4 or 8 (bytes per element)> <length: u32 LE> <element: i16/i32/i64 LE>*
//! ```
//!
//! Elements are strictly ascending. [`parse`] checks the encoding, that the
//! blob is exactly `8 + length * encoding` bytes, and the ordering.

use crate::error::{BlobKind, RdbError};

fn err(position: usize, reason: &'static str) -> RdbError {
    RdbError::blob(BlobKind::Intset, position, reason)
}

/// Parses and validates an intset, returning its elements in ascending order.
pub fn parse(blob: &[u8]) -> Result<Vec<i64>, RdbError> {
    let mut out = Vec::new();
    for_each(blob, |v| out.push(v))?;
    Ok(out)
}

/// Validates an intset as [`parse`] does, handing each element to `f` in
/// ascending order (without collecting them); returns how many there were.
/// On an error, `f` may have seen the elements before the fault.
pub fn for_each(blob: &[u8], mut f: impl FnMut(i64)) -> Result<usize, RdbError> {
    if blob.len() < 8 {
        return Err(err(0, "shorter than the header"));
    }
    // encoding: u32 LE at 0; length: u32 LE at 4.
    let width = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(err(0, "invalid encoding width"));
    }
    let len = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if len.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(blob.len()) {
        return Err(err(4, "length header does not match the blob size"));
    }
    let mut last = None;
    for (i, chunk) in blob[8..].chunks_exact(width).enumerate() {
        let v = match width {
            2 => i64::from(i16::from_le_bytes([chunk[0], chunk[1]])),
            4 => i64::from(i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            _ => i64::from_le_bytes(chunk.try_into().expect("8-byte chunk")),
        };
        if last.is_some_and(|last| last >= v) {
            return Err(err(8 + i * width, "elements not strictly ascending"));
        }
        last = Some(v);
        f(v);
    }
    Ok(len)
}

/// Encodes `values` (in any order, duplicates dropped) as an intset of the
/// narrowest width that holds them all.
pub fn encode(values: &[i64]) -> Vec<u8> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let fits = |lo: i64, hi: i64| sorted.first().is_none_or(|&f| f >= lo) && sorted.last().is_none_or(|&l| l <= hi);
    let width: usize = if fits(i64::from(i16::MIN), i64::from(i16::MAX)) {
        2
    } else if fits(i64::from(i32::MIN), i64::from(i32::MAX)) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes() {
        assert_eq!(encode(&[3, -1, 3]), vec![2, 0, 0, 0, 2, 0, 0, 0, 0xFF, 0xFF, 3, 0]);
        assert_eq!(encode(&[70_000])[0], 4);
        assert_eq!(encode(&[i64::MIN])[0], 8);
    }

    #[test]
    fn corrupt_intsets() {
        let cases: &[(&[u8], &str)] = &[
            (&[2, 0, 0], "shorter than the header"),
            (&[3, 0, 0, 0, 0, 0, 0, 0], "invalid encoding width"),
            (&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0], "length header does not match the blob size"),
            (&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0], "elements not strictly ascending"),
            (&[2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], "length header does not match the blob size"),
        ];
        for &(blob, reason) in cases {
            match parse(blob) {
                Err(RdbError::Blob { kind: BlobKind::Intset, reason: r, .. }) => assert_eq!(r, reason),
                other => panic!("{blob:?}: {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips(values in proptest::collection::vec(any::<i64>(), 0..50), small in proptest::collection::vec(-300i64..300, 0..50)) {
            for vs in [values, small] {
                let mut expected = vs.clone();
                expected.sort_unstable();
                expected.dedup();
                prop_assert_eq!(parse(&encode(&vs)).unwrap(), expected);
            }
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&data);
        }
    }
}
