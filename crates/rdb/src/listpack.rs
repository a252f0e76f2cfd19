//! Listpack: the compact sequence format of Redis 7 (RDB 10+), stored as an
//! RDB string.
//!
//! Layout (all multi-byte header fields little-endian):
//!
//! ```text
//! <total-bytes: u32 LE> <num-elements: u16 LE, 65535 = "count them"> <entry>* <0xFF>
//! entry = <encoding+data> <backlen>
//! ```
//!
//! Entry encodings (first byte):
//!
//! | first byte   | meaning                                                  |
//! |--------------|----------------------------------------------------------|
//! | `0xxxxxxx`   | unsigned integer 0..=127 in the low 7 bits               |
//! | `10LLLLLL`   | string of 0..=63 bytes follows                           |
//! | `110xxxxx`   | 13-bit signed integer: low 5 bits + next byte (big-end.) |
//! | `1110LLLL`   | string, 12-bit length: low 4 bits + next byte (big-end.) |
//! | `11110000`   | string, 32-bit length: next 4 bytes LE                   |
//! | `11110001`   | i16, next 2 bytes LE                                     |
//! | `11110010`   | i24, next 3 bytes LE, two's complement                   |
//! | `11110011`   | i32, next 4 bytes LE                                     |
//! | `11110100`   | i64, next 8 bytes LE                                     |
//! | `11111111`   | end of listpack                                          |
//!
//! `backlen` is the size of encoding+data written in 1..=5 bytes so that it
//! can be read from right to left: 7 bits per byte, most significant group
//! first (leftmost), every byte except the leftmost has its top bit set.
//!
//! [`parse`] checks everything Redis's deep integrity check does for the
//! structure: header total equals the blob length, every entry and backlen
//! lies inside the blob, every backlen equals its entry's size, the element
//! count matches (unless 65535), and the terminator is the last byte.

use crate::error::{BlobKind, RdbError};
use ember_num::{format_i64, parse_i64};

/// One element of a listpack or ziplist: integers are stored as such,
/// everything else as bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element<'a> {
    /// An integer entry (its string form is the canonical decimal).
    Int(i64),
    /// A string entry.
    Bytes(&'a [u8]),
}

impl Element<'_> {
    /// The element as Redis reports it: the bytes, or the decimal form of an
    /// integer.
    pub fn to_bytes(&self) -> Vec<u8> {
        match *self {
            Element::Int(i) => format_i64(i, &mut [0u8; ember_num::INT_BUF_LEN]).to_vec(),
            Element::Bytes(b) => b.to_vec(),
        }
    }
}

const HEADER: usize = 6;
const EOF: u8 = 0xFF;

fn err(position: usize, reason: &'static str) -> RdbError {
    RdbError::blob(BlobKind::Listpack, position, reason)
}

fn read_le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Parses and validates a listpack, returning its elements in order.
pub fn parse(blob: &[u8]) -> Result<Vec<Element<'_>>, RdbError> {
    let mut out = Vec::new();
    for_each(blob, |e| out.push(e))?;
    Ok(out)
}

/// Validates a listpack as [`parse`] does, handing each element to `f` in
/// order (without collecting them); returns how many there were. On an
/// error, `f` may have seen the elements before the fault.
pub fn for_each<'a>(blob: &'a [u8], mut f: impl FnMut(Element<'a>)) -> Result<usize, RdbError> {
    if blob.len() < HEADER + 1 {
        return Err(err(0, "shorter than the header and terminator"));
    }
    // total-bytes: u32 little-endian at 0.
    let total = read_le(&blob[0..4]);
    if total != blob.len() as u64 {
        return Err(err(0, "total-bytes header does not match the blob length"));
    }
    // num-elements: u16 little-endian at 4.
    let count = read_le(&blob[4..6]) as usize;
    let mut seen = 0usize;
    let mut pos = HEADER;
    loop {
        let Some(&first) = blob.get(pos) else {
            return Err(err(pos, "missing terminator"));
        };
        if first == EOF {
            if pos != blob.len() - 1 {
                return Err(err(pos, "terminator before the end of the blob"));
            }
            break;
        }
        let start = pos;
        let (element, size) = decode_entry(blob, pos)?;
        pos += size;
        let blen = backlen_size(size);
        let Some(stored) = blob.get(pos..pos + blen) else {
            return Err(err(pos, "back-length past the end of the blob"));
        };
        let matches = if blen == 1 {
            // The common case, without a call to memcmp.
            usize::from(stored[0]) == size
        } else {
            let mut expected = [0u8; 5];
            encode_backlen(size, &mut expected);
            stored == &expected[..blen]
        };
        if !matches {
            return Err(err(pos, "back-length does not match the entry size"));
        }
        pos += blen;
        f(element);
        seen += 1;
        debug_assert!(pos > start);
    }
    if count != 0xFFFF && count != seen {
        return Err(err(4, "element count header does not match the entries"));
    }
    Ok(seen)
}

/// Decodes the entry at `pos`, returning it and the size of encoding + data.
fn decode_entry(blob: &[u8], pos: usize) -> Result<(Element<'_>, usize), RdbError> {
    let first = blob[pos];
    let need = |n: usize| -> Result<&[u8], RdbError> {
        blob.get(pos + 1..pos + 1 + n).ok_or_else(|| err(pos, "entry past the end of the blob"))
    };
    let string = |hdr: usize, len: usize| -> Result<(Element<'_>, usize), RdbError> {
        let data = blob
            .get(pos + hdr..pos.saturating_add(hdr).saturating_add(len))
            .ok_or_else(|| err(pos, "string entry past the end of the blob"))?;
        Ok((Element::Bytes(data), hdr + len))
    };
    if first & 0x80 == 0 {
        // 0xxxxxxx: 7-bit unsigned integer.
        return Ok((Element::Int(i64::from(first)), 1));
    }
    if first & 0xC0 == 0x80 {
        // 10LLLLLL: 6-bit string length.
        return string(1, usize::from(first & 0x3F));
    }
    if first & 0xE0 == 0xC0 {
        // 110xxxxx yyyyyyyy: 13-bit two's complement, high bits first.
        let low = need(1)?[0];
        let u = (u16::from(first & 0x1F) << 8) | u16::from(low);
        let v = if u >= 1 << 12 { i64::from(u) - (1 << 13) } else { i64::from(u) };
        return Ok((Element::Int(v), 2));
    }
    if first & 0xF0 == 0xE0 {
        // 1110LLLL LLLLLLLL: 12-bit string length, high bits first.
        let low = need(1)?[0];
        return string(2, (usize::from(first & 0x0F) << 8) | usize::from(low));
    }
    match first {
        0xF0 => {
            // 32-bit string length, little-endian.
            let len = read_le(need(4)?);
            let len = usize::try_from(len).map_err(|_| err(pos, "string length overflows"))?;
            string(5, len)
        }
        0xF1 => {
            let b = need(2)?;
            Ok((Element::Int(i64::from(i16::from_le_bytes([b[0], b[1]]))), 3))
        }
        0xF2 => {
            let b = need(3)?;
            // i24 LE: sign-extend from bit 23.
            let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
            Ok((Element::Int(i64::from(v)), 4))
        }
        0xF3 => {
            let b = need(4)?;
            Ok((Element::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))), 5))
        }
        0xF4 => {
            let b = need(8)?;
            let v = i64::from_le_bytes(b.try_into().expect("8 bytes"));
            Ok((Element::Int(v), 9))
        }
        _ => Err(err(pos, "invalid entry encoding byte")),
    }
}

/// Bytes needed to store a backlen of `size`.
fn backlen_size(size: usize) -> usize {
    match size {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        2_097_152..=268_435_455 => 4,
        _ => 5,
    }
}

/// Writes the backlen of `size` into `buf`, returning how many bytes it used:
/// 7-bit groups, most significant first, all but the first with bit 7 set.
fn encode_backlen(size: usize, buf: &mut [u8; 5]) -> usize {
    let n = backlen_size(size);
    for (i, slot) in buf.iter_mut().take(n).enumerate() {
        let shift = 7 * (n - 1 - i);
        let group = ((size >> shift) & 0x7F) as u8;
        *slot = if i == 0 { group } else { group | 0x80 };
    }
    n
}

/// Size of the entry (encoding + data + backlen) that [`Builder::push`]
/// writes for `value`.
pub fn entry_size(value: &[u8]) -> usize {
    let body = match parse_i64(value) {
        Some(i) => int_body_size(i),
        None => string_header_size(value.len()) + value.len(),
    };
    body + backlen_size(body)
}

fn int_body_size(v: i64) -> usize {
    match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32_768..=32_767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    }
}

fn string_header_size(len: usize) -> usize {
    match len {
        0..=63 => 1,
        64..=4095 => 2,
        _ => 5,
    }
}

/// Builds a listpack entry by entry, choosing encodings as Redis does.
///
/// ```
/// use ember_rdb::listpack::{self, Builder, Element};
/// let mut b = Builder::new();
/// b.push(b"field");
/// b.push(b"42");
/// let blob = b.finish().unwrap();
/// assert_eq!(listpack::parse(&blob).unwrap(), vec![Element::Bytes(b"field"), Element::Int(42)]);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// An empty listpack.
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0 }
    }

    /// An empty listpack built in `buf` (cleared first), so that a caller
    /// encoding many listpacks can reuse one allocation.
    pub fn with_buffer(mut buf: Vec<u8>) -> Self {
        buf.clear();
        buf.extend_from_slice(&[0; HEADER]);
        Builder { buf, count: 0 }
    }

    /// Number of entries so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True if no entry was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Size the listpack would have if finished now.
    pub fn byte_len(&self) -> usize {
        self.buf.len() + 1
    }

    /// Appends `value`, as an integer entry if it is the canonical decimal
    /// form of an i64 (Redis's rule), else as a string entry.
    pub fn push(&mut self, value: &[u8]) {
        match parse_i64(value) {
            Some(i) => self.push_int(i),
            None => self.push_str(value),
        }
    }

    /// Appends an integer entry in the smallest encoding.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        match v {
            0..=127 => self.buf.push(v as u8),
            -4096..=4095 => {
                // 13-bit two's complement, high 5 bits in the first byte.
                let u = (v as u16) & 0x1FFF;
                self.buf.extend_from_slice(&[0xC0 | (u >> 8) as u8, (u & 0xFF) as u8]);
            }
            -32_768..=32_767 => {
                self.buf.push(0xF1);
                self.buf.extend_from_slice(&(v as i16).to_le_bytes());
            }
            -8_388_608..=8_388_607 => {
                self.buf.push(0xF2);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            -2_147_483_648..=2_147_483_647 => {
                self.buf.push(0xF3);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes());
            }
            _ => {
                self.buf.push(0xF4);
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
        }
        self.finish_entry(start);
    }

    /// Appends a string entry (never converted to an integer).
    pub fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let len = s.len();
        match len {
            0..=63 => self.buf.push(0x80 | len as u8),
            // 12-bit length, high 4 bits in the first byte.
            64..=4095 => self.buf.extend_from_slice(&[0xE0 | (len >> 8) as u8, (len & 0xFF) as u8]),
            _ => {
                self.buf.push(0xF0);
                // 32-bit length, little-endian (truncation is caught by finish()).
                self.buf.extend_from_slice(&(len as u32).to_le_bytes());
            }
        }
        self.buf.extend_from_slice(s);
        self.finish_entry(start);
    }

    fn finish_entry(&mut self, start: usize) {
        let mut back = [0u8; 5];
        let n = encode_backlen(self.buf.len() - start, &mut back);
        self.buf.extend_from_slice(&back[..n]);
        self.count += 1;
    }

    /// The finished listpack, or `None` if it would exceed the 4 GiB a
    /// listpack can describe.
    pub fn finish(mut self) -> Option<Vec<u8>> {
        self.buf.push(EOF);
        let total = u32::try_from(self.buf.len()).ok()?;
        // total-bytes: u32 LE; num-elements: u16 LE, 65535 when it does not fit.
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        Some(self.buf)
    }
}

/// Builds a listpack from `values` (see [`Builder::push`]).
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
        // "a", 1, -1, 1000: checked byte by byte against the format.
        let blob = encode([&b"a"[..], b"1", b"-1", b"1000"]).unwrap();
        let expected: Vec<u8> = [
            &[0x12, 0, 0, 0, 4, 0][..], // total 18, count 4
            &[0x81, b'a', 0x02],        // 6-bit string, backlen 2
            &[0x01, 0x01],              // 7-bit uint 1, backlen 1
            &[0xDF, 0xFF, 0x02],        // 13-bit -1 (0x1FFF), backlen 2
            &[0xC3, 0xE8, 0x02],        // 13-bit 1000 (0x03E8), backlen 2
            &[0xFF],
        ]
        .concat();
        assert_eq!(blob, expected);
    }

    #[test]
    fn backlen_groups() {
        let mut b = [0u8; 5];
        assert_eq!(encode_backlen(127, &mut b), 1);
        assert_eq!(b[0], 127);
        assert_eq!(encode_backlen(128, &mut b), 2);
        assert_eq!(&b[..2], &[0x01, 0x80]);
        assert_eq!(encode_backlen(16_384, &mut b), 3);
        assert_eq!(&b[..3], &[0x01, 0x80, 0x80]);
    }

    #[test]
    fn every_integer_width() {
        let values = [
            0i64,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -4097,
            32_767,
            -32_768,
            8_388_607,
            -8_388_608,
            2_147_483_647,
            -2_147_483_648,
            i64::MAX,
            i64::MIN,
        ];
        let mut b = Builder::new();
        for v in values {
            b.push_int(v);
        }
        let blob = b.finish().unwrap();
        let parsed: Vec<_> = parse(&blob).unwrap();
        assert_eq!(parsed, values.iter().map(|&v| Element::Int(v)).collect::<Vec<_>>());
    }

    #[test]
    fn corrupt_listpacks() {
        let good = encode([&b"abc"[..], b"12"]).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "shorter than the header and terminator"),
            (
                {
                    let mut b = good.clone();
                    b[0] += 1;
                    b
                },
                "total-bytes header does not match the blob length",
            ),
            (
                {
                    let mut b = good.clone();
                    b[4] = 3;
                    b
                },
                "element count header does not match the entries",
            ),
            (
                {
                    let mut b = good.clone();
                    b[10] = 9;
                    b
                },
                "back-length does not match the entry size",
            ),
            (
                {
                    let mut b = good.clone();
                    b[6] = 0xF5;
                    b
                },
                "invalid entry encoding byte",
            ),
            (
                {
                    let mut b = good.clone();
                    b[6] = 0xBF;
                    b
                },
                "string entry past the end of the blob",
            ),
            (
                {
                    let mut b = good.clone();
                    let n = b.len();
                    b[n - 1] = 0x01;
                    b
                },
                "back-length past the end of the blob",
            ),
        ];
        for (blob, reason) in cases {
            match parse(&blob) {
                Err(RdbError::Blob { kind: BlobKind::Listpack, reason: r, .. }) => assert_eq!(r, reason, "{blob:?}"),
                other => panic!("{blob:?}: {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips(values in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..100),
                proptest::collection::vec(any::<u8>(), 4000..4200),
                any::<i64>().prop_map(|i| i.to_string().into_bytes()),
                (-5000i64..5000).prop_map(|i| i.to_string().into_bytes()),
            ], 0..40)) {
            let mut b = Builder::new();
            let mut size = 7;
            for v in &values {
                b.push(v);
                size += entry_size(v);
            }
            let blob = b.finish().unwrap();
            prop_assert_eq!(blob.len(), size);
            let parsed = parse(&blob).unwrap();
            let back: Vec<Vec<u8>> = parsed.iter().map(Element::to_bytes).collect();
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
