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

/// Serializes function libraries as Redis's FUNCTION DUMP does: each
/// library's code as a function item (opcode 0xF5 + RDB string), then the
/// same footer as DUMP (RDB version 10, CRC-64).
pub fn dump_functions(codes: &[Vec<u8>]) -> Result<Vec<u8>, RdbError> {
    let mut out = Output::new(Vec::new(), false);
    for code in codes {
        out.u8(crate::format::OP_FUNCTION2)?;
        out.string(code, true)?;
    }
    let mut buf = out.into_inner()?;
    buf.extend_from_slice(&10u16.to_le_bytes());
    let crc = crate::crc64(0, &buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    Ok(buf)
}

/// Parses a FUNCTION DUMP payload into the libraries' code: the footer as
/// [`parse_dump_payload`] checks it, then only function items.
pub fn parse_dump_functions(payload: &[u8]) -> Result<Vec<Vec<u8>>, RdbError> {
    if payload.len() < 10 {
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
    let mut codes = Vec::new();
    while input.offset != body.len() as u64 {
        let at = input.offset;
        match input.u8()? {
            crate::format::OP_FUNCTION2 => codes.push(input.string()?),
            crate::format::OP_FUNCTION_PRE_GA => return Err(RdbError::FunctionPreGa { offset: at }),
            other => return Err(RdbError::UnknownType { type_id: other, offset: at }),
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_dumps_round_trip_and_match_redis() {
        let codes =
            vec![b"#!lua name=a\nredis.register_function('f', function() return 1 end)".to_vec(), vec![b'x'; 300]];
        let payload = dump_functions(&codes).unwrap();
        assert_eq!(payload[0], 0xF5);
        assert_eq!(parse_dump_functions(&payload).unwrap(), codes);
        assert_eq!(dump_functions(&[]).unwrap().len(), 10);
        let mut bad = payload.clone();
        bad[3] ^= 1;
        assert!(parse_dump_functions(&bad).is_err());
        assert!(parse_dump_functions(b"short").is_err());
        // FUNCTION DUMP of one small library in Redis 7.0.15: the same bytes.
        let code = b"#!lua name=rl\nredis.register_function('rf', function() return 1 end)";
        let mut redis = vec![0xf5, 0x40, 0x44];
        redis.extend_from_slice(code);
        redis.extend_from_slice(&[0x0a, 0x00, 0xdd, 0xd7, 0x82, 0x28, 0x51, 0xb1, 0x4b, 0xfe]);
        assert_eq!(parse_dump_functions(&redis).unwrap(), vec![code.to_vec()]);
        assert_eq!(dump_functions(&[code.to_vec()]).unwrap(), redis);
    }

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
