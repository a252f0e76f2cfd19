//! Allocation-free number parsing and formatting: Redis-strict and lenient
//! integer parsers, an itoa-style integer formatter and a shortest round-trip
//! double formatter that writes into a stack buffer.

use core::fmt::Write as _;

/// Parses a signed 64-bit integer with the rules Redis applies to the length
/// lines of a request: an optional `-`, no `+`, no leading zeros (`"0"` alone is
/// fine, `"-0"` is not), at least one digit, no overflow.
#[inline]
pub(crate) fn parse_strict_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'0'] if !neg => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let magnitude = parse_digits(digits)?;
    apply_sign(neg, magnitude)
}

/// Parses a signed 64-bit integer as a RESP3 reader should accept it: an optional
/// `+` or `-` sign followed by at least one decimal digit (leading zeros allowed).
pub(crate) fn parse_lenient_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    apply_sign(neg, parse_digits(digits)?)
}

#[inline]
fn parse_digits(digits: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(value)
}

#[inline]
fn apply_sign(neg: bool, magnitude: u64) -> Option<i64> {
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Two ASCII digits for every value 0..100, used to emit two digits per division.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `n` so that they end at `out[end]` (exclusive) and
/// returns the index of the first digit. `end` must be at least 20.
#[inline]
pub(crate) fn write_u64_backwards(mut n: u64, out: &mut [u8], end: usize) -> usize {
    let mut i = end;
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        out[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        out[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        out[i] = b'0' + n as u8;
    }
    i
}

/// Formats `n` in decimal into `out` and returns the written text.
///
/// ```
/// let mut buf = [0u8; 20];
/// assert_eq!(ember_resp::format_i64(-42, &mut buf), b"-42");
/// assert_eq!(ember_resp::format_i64(i64::MIN, &mut buf), b"-9223372036854775808");
/// ```
#[inline]
pub fn format_i64(n: i64, out: &mut [u8; 20]) -> &[u8] {
    let mut start = write_u64_backwards(n.unsigned_abs(), out, 20);
    if n < 0 {
        start -= 1;
        out[start] = b'-';
    }
    &out[start..]
}

/// Size of the buffer [`format_double`] needs.
pub const DOUBLE_BUF_LEN: usize = 32;

/// Formats a double the way ember replies with it: `inf`, `-inf`, `nan`, and
/// otherwise the shortest text that parses back to exactly the same value.
/// Magnitudes in `[1e-5, 1e17)` (and zero) are written in plain decimal
/// (`3.5`, `-0`, `0.0001`), others in exponent form (`1e300`, `2.5e-7`), so the
/// text always fits in [`DOUBLE_BUF_LEN`] bytes. No heap allocation.
///
/// ```
/// let mut buf = [0u8; ember_resp::DOUBLE_BUF_LEN];
/// assert_eq!(ember_resp::format_double(1.5, &mut buf), b"1.5");
/// assert_eq!(ember_resp::format_double(0.1, &mut buf), b"0.1");
/// assert_eq!(ember_resp::format_double(f64::NEG_INFINITY, &mut buf), b"-inf");
/// assert_eq!(ember_resp::format_double(1e300, &mut buf), b"1e300");
/// ```
pub fn format_double(v: f64, out: &mut [u8; DOUBLE_BUF_LEN]) -> &[u8] {
    if v.is_nan() {
        return b"nan";
    }
    if v.is_infinite() {
        return if v > 0.0 { b"inf" } else { b"-inf" };
    }
    let abs = v.abs();
    let mut cursor = Cursor { buf: out, len: 0 };
    let plain = abs == 0.0 || (1e-5..1e17).contains(&abs);
    let ok = if plain { write!(cursor, "{v}") } else { write!(cursor, "{v:e}") };
    let len = cursor.len;
    if ok.is_err() {
        // Unreachable by the length analysis above; stay panic-free regardless.
        return b"nan";
    }
    &out[..len]
}

/// A `fmt::Write` sink over a fixed array.
struct Cursor<'a> {
    buf: &'a mut [u8; DOUBLE_BUF_LEN],
    len: usize,
}

impl core::fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parser_follows_redis_rules() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"1", Some(1)),
            (b"-1", Some(-1)),
            (b"12345", Some(12345)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
            (b"-9223372036854775809", None),
            (b"99999999999999999999", None),
            (b"", None),
            (b"-", None),
            (b"-0", None),
            (b"01", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1a", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(parse_strict_i64(input), expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn lenient_parser_accepts_signs_and_zeros() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"+5", Some(5)),
            (b"-0", Some(0)),
            (b"007", Some(7)),
            (b"+", None),
            (b"", None),
            (b"1.0", None),
            (b"-9223372036854775808", Some(i64::MIN)),
        ];
        for &(input, expected) in cases {
            assert_eq!(parse_lenient_i64(input), expected);
        }
    }

    #[test]
    fn integers_format_like_display() {
        let mut buf = [0u8; 20];
        for v in [0, 1, 9, 10, 99, 100, 101, 12345, -7, i64::MAX, i64::MIN, -100] {
            assert_eq!(format_i64(v, &mut buf), v.to_string().as_bytes());
        }
    }

    #[test]
    fn doubles_round_trip_and_fit() {
        let mut buf = [0u8; DOUBLE_BUF_LEN];
        for v in [
            0.0,
            -0.0,
            1.0,
            0.1,
            -2.5,
            1e-5,
            9.99e-6,
            1e16,
            1e17,
            123456789012345.67,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -1.2345678901234567e-5,
        ] {
            let text = format_double(v, &mut buf);
            let back: f64 = core::str::from_utf8(text).unwrap().parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{v}");
        }
        assert_eq!(format_double(f64::NAN, &mut buf), b"nan");
        assert_eq!(format_double(f64::INFINITY, &mut buf), b"inf");
        assert_eq!(format_double(-0.0, &mut buf), b"-0");
    }
}
