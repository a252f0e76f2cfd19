//! DUMP / RESTORE payloads: one serialized value followed by a 10-byte
//! footer.
//!
//! ```text
//! <type: u8> <value, as in an RDB file> <rdb version: u16 LE> <CRC-64: u64 LE over everything before it>
//! ```

use crate::error::RdbError;
use crate::format::MAX_READ_VERSION;
use crate::read::Input;
use crate::value::RdbValue;
use crate::write::{choose_type, write_value, Output, WriteOptions};

/// Serializes `value` as Redis's DUMP command does, with the default
/// [`WriteOptions`] (RDB version 10, compression on).
pub fn dump_payload(value: &RdbValue) -> Result<Vec<u8>, RdbError> {
    dump_payload_with(value, &WriteOptions::default())
}

/// Serializes `value` as a DUMP payload with the given version, compression
/// and encoding limits (the checksum is always written: RESTORE requires it).
pub fn dump_payload_with(value: &RdbValue, options: &WriteOptions) -> Result<Vec<u8>, RdbError> {
    let version = u16::try_from(options.version)
        .ok()
        .filter(|_| (crate::format::MIN_WRITE_VERSION..=crate::format::MAX_WRITE_VERSION).contains(&options.version))
        .ok_or(RdbError::UnsupportedVersion { version: options.version })?;
    let type_id = choose_type(value, options, 0)?;
    let mut out = Output::new(vec![type_id], false);
    out.offset = 1;
    write_value(&mut out, type_id, value, options)?;
    let mut buf = out.into_inner()?;
    // RDB version, u16 little-endian.
    buf.extend_from_slice(&version.to_le_bytes());
    // CRC-64 of type + value + version, u64 little-endian.
    let crc = crate::crc64(0, &buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    Ok(buf)
}

/// Parses a DUMP payload: checks the footer's RDB version (at most 11, the
/// newest this crate reads) and CRC-64, then decodes the value, which must
/// use every byte before the footer.
pub fn parse_dump_payload(payload: &[u8]) -> Result<RdbValue, RdbError> {
    if payload.len() < 11 {
        return Err(RdbError::PayloadTooShort { len: payload.len() });
    }
    let footer_at = payload.len() - 10;
    let (body, footer) = payload.split_at(footer_at);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if u32::from(version) > MAX_READ_VERSION {
        return Err(RdbError::UnsupportedVersion { version: u32::from(version) });
    }
    let stored = u64::from_le_bytes(footer[2..10].try_into().expect("8 bytes"));
    let computed = crate::crc64(0, &payload[..payload.len() - 8]);
    if stored != computed {
        return Err(RdbError::ChecksumMismatch { stored, computed, offset: (payload.len() - 8) as u64 });
    }
    let mut input = Input::new(body);
    let type_id = input.u8()?;
    let (value, _) = input.value(type_id, 0)?;
    if input.offset != body.len() as u64 {
        return Err(RdbError::TrailingBytes { offset: input.offset });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_dump_of_a_small_string() {
        // DUMP of SET k "hello" in Redis 7.0: type 0, raw string, version 10, CRC.
        let mut payload = vec![0x00, 0x05, b'h', b'e', b'l', b'l', b'o', 0x0a, 0x00];
        let crc = crate::crc64(0, &payload);
        payload.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(dump_payload(&RdbValue::String(b"hello".to_vec())).unwrap(), payload);
        assert_eq!(parse_dump_payload(&payload).unwrap(), RdbValue::String(b"hello".to_vec()));
    }

    #[test]
    fn rejects_bad_payloads() {
        let good = dump_payload(&RdbValue::List(vec![b"a".to_vec()])).unwrap();
        let mut bad_crc = good.clone();
        *bad_crc.last_mut().unwrap() ^= 1;
        assert!(matches!(parse_dump_payload(&bad_crc), Err(RdbError::ChecksumMismatch { .. })));
        assert!(matches!(parse_dump_payload(&good[..5]), Err(RdbError::PayloadTooShort { len: 5 })));
        let mut newer = good[..good.len() - 10].to_vec();
        newer.extend_from_slice(&12u16.to_le_bytes());
        let crc = crate::crc64(0, &newer);
        newer.extend_from_slice(&crc.to_le_bytes());
        assert!(matches!(parse_dump_payload(&newer), Err(RdbError::UnsupportedVersion { version: 12 })));
    }
}
