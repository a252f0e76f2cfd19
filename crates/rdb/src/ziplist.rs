//! Ziplist: the compact sequence format of RDB versions 2..9 (lists, hashes,
//! sorted sets and quicklist nodes), stored as an RDB string.
//!
//! Layout:
//!
//! ```text
//! <zlbytes: u32 LE> <zltail: u32 LE, offset of the last entry> <zllen: u16 LE, 65535 = "count them">
//! <entry>* <0xFF>
//! entry = <prevlen> <encoding> <data>
//! prevlen = 1 byte (< 254) | 0xFE + u32 LE
//! ```
//!
//! Encodings (first byte):
//!
//! | first byte  | meaning                                                 |
//! |-------------|---------------------------------------------------------|
//! | `00LLLLLL`  | string of 0..=63 bytes                                  |
//! | `01LLLLLL`  | string, 14-bit length: low 6 bits + next byte (big-end.)|
//! | `10______`  | string, 32-bit length in the next 4 bytes, big-endian   |
//! | `11000000`  | i16, 2 bytes LE                                         |
//! | `11010000`  | i32, 4 bytes LE                                         |
//! | `11100000`  | i64, 8 bytes LE                                         |
//! | `11110000`  | i24, 3 bytes LE                                         |
//! | `11111110`  | i8, 1 byte                                              |
//! | `1111xxxx`  | xxxx in 0001..=1101: the integer xxxx - 1 (0..=12)      |
//!
//! [`parse`] validates like Redis's deep integrity check: zlbytes equals the
//! blob length, zltail points at the last entry, every prevlen equals the
//! previous entry's size, the count matches (unless 65535), every entry lies
//! inside the blob and the terminator is the last byte.

use crate::error::{BlobKind, RdbError};
use crate::listpack::Element;
use ember_num::parse_i64;

const HEADER: usize = 10;
const END: u8 = 0xFF;

fn err(position: usize, reason: &'static str) -> RdbError {
    RdbError::blob(BlobKind::Ziplist, position, reason)
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Parses and validates a ziplist, returning its elements in order.
pub fn parse(blob: &[u8]) -> Result<Vec<Element<'_>>, RdbError> {
    let mut out = Vec::new();
    for_each(blob, |e| out.push(e))?;
    Ok(out)
}

/// Validates a ziplist as [`parse`] does, handing each element to `f` in
/// order (without collecting them); returns how many there were. On an
/// error, `f` may have seen the elements before the fault.
pub fn for_each<'a>(blob: &'a [u8], mut f: impl FnMut(Element<'a>)) -> Result<usize, RdbError> {
    if blob.len() < HEADER + 1 {
        return Err(err(0, "shorter than the header and terminator"));
    }
    if le(&blob[0..4]) != blob.len() as u64 {
        return Err(err(0, "zlbytes header does not match the blob length"));
    }
    let tail = le(&blob[4..8]);
    let count = le(&blob[8..10]) as usize;
    let mut seen = 0usize;
    let mut pos = HEADER;
    let mut prev_size = 0usize;
    let mut last_start = HEADER;
    loop {
        let Some(&first) = blob.get(pos) else {
            return Err(err(pos, "missing terminator"));
        };
        if first == END {
            if pos != blob.len() - 1 {
                return Err(err(pos, "terminator before the end of the blob"));
            }
            break;
        }
        let start = pos;
        // prevlen: 1 byte, or 0xFE followed by u32 LE.
        let prevlen = if first < 0xFE {
            pos += 1;
            usize::from(first)
        } else {
            let b = blob.get(pos + 1..pos + 5).ok_or_else(|| err(pos, "prevlen past the end of the blob"))?;
            pos += 5;
            le(b) as usize
        };
        if prevlen != prev_size {
            return Err(err(start, "prevlen does not match the previous entry's size"));
        }
        let (element, size) = decode(blob, pos)?;
        pos += size;
        prev_size = pos - start;
        last_start = start;
        f(element);
        seen += 1;
    }
    if tail != last_start as u64 {
        return Err(err(4, "zltail header does not point at the last entry"));
    }
    if count != 0xFFFF && count != seen {
        return Err(err(8, "zllen header does not match the entries"));
    }
    Ok(seen)
}

/// Decodes the encoding and data at `pos`; returns the element and their size.
fn decode(blob: &[u8], pos: usize) -> Result<(Element<'_>, usize), RdbError> {
    let Some(&enc) = blob.get(pos) else {
        return Err(err(pos, "entry past the end of the blob"));
    };
    let need = |n: usize| -> Result<&[u8], RdbError> {
        blob.get(pos + 1..pos + 1 + n).ok_or_else(|| err(pos, "entry past the end of the blob"))
    };
    let string = |hdr: usize, len: usize| -> Result<(Element<'_>, usize), RdbError> {
        let data = blob
            .get(pos + hdr..pos.saturating_add(hdr).saturating_add(len))
            .ok_or_else(|| err(pos, "string entry past the end of the blob"))?;
        Ok((Element::Bytes(data), hdr + len))
    };
    match enc >> 6 {
        0 => return string(1, usize::from(enc & 0x3F)),
        // 14-bit length, big-endian: low 6 bits of this byte are the high bits.
        1 => return string(2, (usize::from(enc & 0x3F) << 8) | usize::from(need(1)?[0])),
        2 => {
            // 32-bit length, big-endian.
            let b = need(4)?;
            let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
            return string(5, len);
        }
        _ => {}
    }
    let int = |n: usize| -> Result<i64, RdbError> {
        let b = need(n)?;
        // Little-endian two's complement of n bytes, sign-extended.
        let raw = le(b);
        let shift = 64 - 8 * n as u32;
        Ok(((raw << shift) as i64) >> shift)
    };
    match enc {
        0xC0 => Ok((Element::Int(int(2)?), 3)),
        0xD0 => Ok((Element::Int(int(4)?), 5)),
        0xE0 => Ok((Element::Int(int(8)?), 9)),
        0xF0 => Ok((Element::Int(int(3)?), 4)),
        0xFE => Ok((Element::Int(int(1)?), 2)),
        0xF1..=0xFD => Ok((Element::Int(i64::from(enc & 0x0F) - 1), 1)),
        _ => Err(err(pos, "invalid entry encoding byte")),
    }
}

/// Builds a ziplist entry by entry, choosing encodings as Redis does (strings
/// of up to 32 bytes that are canonical integers become integer entries).
#[derive(Debug, Clone)]
pub struct Builder {
    buf: Vec<u8>,
    count: usize,
    prev_size: usize,
    last_start: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// An empty ziplist.
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0, prev_size: 0, last_start: HEADER }
    }

    /// Size the ziplist would have if finished now.
    pub fn byte_len(&self) -> usize {
        self.buf.len() + 1
    }

    /// Appends `value` (as an integer entry when it is a canonical integer).
    pub fn push(&mut self, value: &[u8]) {
        let start = self.buf.len();
        // prevlen: 1 byte if < 254, else 0xFE + u32 LE.
        if self.prev_size < 254 {
            self.buf.push(self.prev_size as u8);
        } else {
            self.buf.push(0xFE);
            self.buf.extend_from_slice(&(self.prev_size as u32).to_le_bytes());
        }
        match parse_i64(value).filter(|_| value.len() <= 32) {
            Some(v) => match v {
                0..=12 => self.buf.push(0xF1 + v as u8),
                -128..=127 => self.buf.extend_from_slice(&[0xFE, v as u8]),
                -32_768..=32_767 => {
                    self.buf.push(0xC0);
                    self.buf.extend_from_slice(&(v as i16).to_le_bytes());
                }
                -8_388_608..=8_388_607 => {
                    self.buf.push(0xF0);
                    self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                -2_147_483_648..=2_147_483_647 => {
                    self.buf.push(0xD0);
                    self.buf.extend_from_slice(&(v as i32).to_le_bytes());
                }
                _ => {
                    self.buf.push(0xE0);
                    self.buf.extend_from_slice(&v.to_le_bytes());
                }
            },
            None => {
                let len = value.len();
                match len {
                    0..=63 => self.buf.push(len as u8),
                    // 14-bit length, big-endian.
                    64..=16_383 => self.buf.extend_from_slice(&[0x40 | (len >> 8) as u8, (len & 0xFF) as u8]),
                    _ => {
                        // 32-bit length, big-endian.
                        self.buf.push(0x80);
                        self.buf.extend_from_slice(&(len as u32).to_be_bytes());
                    }
                }
                self.buf.extend_from_slice(value);
            }
        }
        self.prev_size = self.buf.len() - start;
        self.last_start = start;
        self.count += 1;
    }

    /// The finished ziplist, or `None` if it would exceed 4 GiB.
    pub fn finish(mut self) -> Option<Vec<u8>> {
        self.buf.push(END);
        let total = u32::try_from(self.buf.len()).ok()?;
        // zlbytes u32 LE, zltail u32 LE, zllen u16 LE (65535 when it does not fit).
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..8].copy_from_slice(&(self.last_start as u32).to_le_bytes());
        let count = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.buf[8..10].copy_from_slice(&count.to_le_bytes());
        Some(self.buf)
    }
}

/// Builds a ziplist from `values` (see [`Builder::push`]).
pub fn encode<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let mut b = Builder::new();
    for v in values {
        b.push(v);
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_bytes() {
        let blob = encode([&b"ab"[..], b"5", b"-100", b"300"]).unwrap();
        let expected: Vec<u8> = [
            &[24, 0, 0, 0, 19, 0, 0, 0, 4, 0][..], // zlbytes 24, zltail 19, zllen 4
            &[0x00, 0x02, b'a', b'b'],             // prevlen 0, 6-bit string
            &[0x04, 0xF6],                         // prevlen 4, immediate 5
            &[0x02, 0xFE, 0x9C],                   // prevlen 2, int8 -100
            &[0x03, 0xC0, 0x2C, 0x01],             // prevlen 3, int16 300
            &[0xFF],
        ]
        .concat();
        assert_eq!(blob, expected);
        let parsed = parse(&blob).unwrap();
        assert_eq!(parsed, vec![Element::Bytes(b"ab"), Element::Int(5), Element::Int(-100), Element::Int(300)]);
    }

    #[test]
    fn large_prevlen() {
        let big = vec![b'x'; 300];
        let blob = encode([&big[..], b"y"]).unwrap();
        assert_eq!(parse(&blob).unwrap(), vec![Element::Bytes(&big), Element::Bytes(b"y")]);
    }

    #[test]
    fn corrupt_ziplists() {
        let good = encode([&b"ab"[..], b"5"]).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![1, 2, 3], "shorter than the header and terminator"),
            (
                {
                    let mut b = good.clone();
                    b[0] = 0;
                    b
                },
                "zlbytes header does not match the blob length",
            ),
            (
                {
                    let mut b = good.clone();
                    b[4] = 10;
                    b
                },
                "zltail header does not point at the last entry",
            ),
            (
                {
                    let mut b = good.clone();
                    b[8] = 7;
                    b
                },
                "zllen header does not match the entries",
            ),
            (
                {
                    let mut b = good.clone();
                    b[14] = 9;
                    b
                },
                "prevlen does not match the previous entry's size",
            ),
            (
                {
                    let mut b = good.clone();
                    b[11] = 0x3F;
                    b
                },
                "string entry past the end of the blob",
            ),
            (
                {
                    let mut b = good.clone();
                    b[15] = 0xC1;
                    b
                },
                "invalid entry encoding byte",
            ),
        ];
        for (blob, reason) in cases {
            match parse(&blob) {
                Err(RdbError::Blob { kind: BlobKind::Ziplist, reason: r, .. }) => assert_eq!(r, reason, "{blob:?}"),
                other => panic!("{blob:?}: {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips(values in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
                proptest::collection::vec(any::<u8>(), 16_380..16_400),
                any::<i64>().prop_map(|i| i.to_string().into_bytes()),
                (-300i64..300).prop_map(|i| i.to_string().into_bytes()),
            ], 0..20)) {
            let blob = encode(values.iter().map(Vec::as_slice)).unwrap();
            let back: Vec<Vec<u8>> = parse(&blob).unwrap().iter().map(Element::to_bytes).collect();
            prop_assert_eq!(back, values);
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut blob = data.clone();
            if blob.len() >= 4 {
                let n = blob.len() as u32;
                blob[0..4].copy_from_slice(&n.to_le_bytes());
            }
            let _ = parse(&blob);
            let _ = parse(&data);
        }
    }
}
