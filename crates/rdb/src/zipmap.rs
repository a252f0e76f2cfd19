//! Zipmap: the compact hash encoding of RDB versions 2 and 3 (type 9), read
//! for compatibility (Redis converts it on load and never writes it since 2.6).
//!
//! Layout:
//!
//! ```text
//! <zmlen: u8, entry count if < 254, else unknown> (<len> <key> <len> <free: u8> <value> <free bytes>)* <0xFF>
//! len = 1 byte (0..=253) | 0xFE + u32 LE
//! ```
//!
//! [`parse`] checks that every field lies inside the blob, that the
//! terminator is the last byte and that the count matches when it is known.

use crate::error::{BlobKind, RdbError};

fn err(position: usize, reason: &'static str) -> RdbError {
    RdbError::blob(BlobKind::Zipmap, position, reason)
}

/// Reads a zipmap length at `*pos`; `None` at the terminator.
fn read_len(blob: &[u8], pos: &mut usize) -> Result<Option<usize>, RdbError> {
    let at = *pos;
    match blob.get(at) {
        None => Err(err(at, "missing terminator")),
        Some(0xFF) => Ok(None),
        Some(0xFE) => {
            // u32 little-endian follows.
            let b = blob.get(at + 1..at + 5).ok_or_else(|| err(at, "length past the end of the blob"))?;
            *pos += 5;
            Ok(Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize))
        }
        Some(&n) => {
            *pos += 1;
            Ok(Some(usize::from(n)))
        }
    }
}

fn take<'a>(blob: &'a [u8], pos: &mut usize, len: usize) -> Result<&'a [u8], RdbError> {
    let at = *pos;
    let data = blob.get(at..at.saturating_add(len)).ok_or_else(|| err(at, "data past the end of the blob"))?;
    *pos += len;
    Ok(data)
}

/// A parsed zipmap: its field/value pairs in order.
pub type Pairs<'a> = Vec<(&'a [u8], &'a [u8])>;

/// Parses and validates a zipmap.
pub fn parse(blob: &[u8]) -> Result<Pairs<'_>, RdbError> {
    let Some(&zmlen) = blob.first() else {
        return Err(err(0, "empty blob"));
    };
    let mut out = Vec::new();
    let mut pos = 1;
    loop {
        let key_at = pos;
        let Some(klen) = read_len(blob, &mut pos)? else { break };
        let key = take(blob, &mut pos, klen)?;
        let Some(vlen) = read_len(blob, &mut pos)? else {
            return Err(err(key_at, "key without a value"));
        };
        let free = usize::from(*blob.get(pos).ok_or_else(|| err(pos, "free byte past the end of the blob"))?);
        pos += 1;
        let value = take(blob, &mut pos, vlen)?;
        take(blob, &mut pos, free)?;
        out.push((key, value));
    }
    if pos != blob.len() - 1 {
        return Err(err(pos, "terminator before the end of the blob"));
    }
    if zmlen < 254 && usize::from(zmlen) != out.len() {
        return Err(err(0, "count header does not match the entries"));
    }
    Ok(out)
}

/// Encodes `pairs` as a zipmap with no free space (for tests and tools).
pub fn encode(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    fn len(out: &mut Vec<u8>, n: usize) {
        if n < 254 {
            out.push(n as u8);
        } else {
            out.push(0xFE);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
    }
    let mut out = vec![u8::try_from(pairs.len()).unwrap_or(254).min(254)];
    for (k, v) in pairs {
        len(&mut out, k.len());
        out.extend_from_slice(k);
        len(&mut out, v.len());
        out.push(0);
        out.extend_from_slice(v);
    }
    out.push(0xFF);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn redis_layout() {
        // The hash from Redis's hash-zipmap.rdb fixture.
        let blob = b"\x02\x02f1\x02\x00v1\x02f2\x02\x00v2\xff";
        assert_eq!(parse(blob).unwrap(), vec![(&b"f1"[..], &b"v1"[..]), (&b"f2"[..], &b"v2"[..])]);
        // Free bytes after a value are skipped.
        assert_eq!(parse(b"\x01\x01a\x01\x02bxx\xff").unwrap(), vec![(&b"a"[..], &b"b"[..])]);
    }

    #[test]
    fn corrupt_zipmaps() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty blob"),
            (b"\x01\x01a", "missing terminator"),
            (b"\x01\x01a\xff", "key without a value"),
            (b"\x01\x09a\xff", "data past the end of the blob"),
            (b"\x02\x01a\x01\x00b\xff", "count header does not match the entries"),
            (b"\x00\xff\xff", "terminator before the end of the blob"),
        ];
        for &(blob, reason) in cases {
            match parse(blob) {
                Err(RdbError::Blob { kind: BlobKind::Zipmap, reason: r, .. }) => assert_eq!(r, reason),
                other => panic!("{blob:?}: {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips(pairs in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..300), proptest::collection::vec(any::<u8>(), 0..300)), 0..10)) {
            let borrowed: Vec<(&[u8], &[u8])> = pairs.iter().map(|(k, v)| (k.as_slice(), v.as_slice())).collect();
            let blob = encode(&borrowed);
            prop_assert_eq!(parse(&blob).unwrap(), borrowed);
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&data);
        }
    }
}
