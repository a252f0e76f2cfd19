//! Integers: Redis's strict `string2ll` syntax, C's `strtoll`/`strtoull`
//! prefixes, and allocation-free decimal formatting into a stack buffer.

/// Bytes any `i64` or `u64` needs in decimal (`-9223372036854775808` and
/// `18446744073709551615` are both 20).
pub const INT_BUF_LEN: usize = 20;

/// C's `isspace` in the "C" locale: space, `\t`, `\n`, `\v`, `\f`, `\r`.
/// `strtod`, `strtoll` and `strtoull` skip these before a number.
#[inline]
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Parses a signed 64-bit integer with Redis's `string2ll` rules, the rules of
/// every integer argument (INCRBY, EXPIRE, LRANGE, ...), of the length lines
/// of a request, and of which strings are stored with the `int` encoding: an
/// optional `-`, no `+`, no leading zeros (`0` alone is fine, `-0` is not), no
/// spaces, at least one digit, no overflow. Such text is the canonical form
/// of its value: [`format_i64`] gives the same bytes back.
///
/// ```
/// assert_eq!(ember_num::parse_i64(b"-42"), Some(-42));
/// assert_eq!(ember_num::parse_i64(b"-9223372036854775808"), Some(i64::MIN));
/// for bad in ["", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "9223372036854775808"] {
///     assert_eq!(ember_num::parse_i64(bad.as_bytes()), None, "{bad:?}");
/// }
/// ```
#[inline]
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [b'0'] if !neg => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    // The checked loop: an unchecked one for short inputs measured slower
    // on request lengths (its extra branch costs more than the checks).
    let magnitude = parse_digits(digits)?;
    apply_sign(neg, magnitude)
}

/// Parses a signed 64-bit integer as a RESP3 reader accepts one (`:`, and
/// the lengths of replies): an optional `+` or `-`, then at least one decimal
/// digit; leading zeros allowed; no spaces, no overflow.
///
/// ```
/// assert_eq!(ember_num::parse_i64_lenient(b"+007"), Some(7));
/// assert_eq!(ember_num::parse_i64_lenient(b"-0"), Some(0));
/// assert_eq!(ember_num::parse_i64_lenient(b"+"), None);
/// ```
pub fn parse_i64_lenient(s: &[u8]) -> Option<i64> {
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

/// Redis's `string2ull` (stream ids): text [`parse_i64`] accepts, if not
/// negative; otherwise what C's `strtoull` makes of the whole string in base
/// 10 (leading white space, a sign, leading zeros; a `-` negates modulo 2^64)
/// as long as it converts the whole string without overflow. The string ends
/// at its first NUL byte, as a C string does.
///
/// ```
/// assert_eq!(ember_num::string2ull(b"18446744073709551615"), Some(u64::MAX));
/// assert_eq!(ember_num::string2ull(b" +01"), Some(1));
/// assert_eq!(ember_num::string2ull(b"-01"), Some(u64::MAX)); // strtoull wraps
/// assert_eq!(ember_num::string2ull(b"-1"), None); // canonical and negative
/// assert_eq!(ember_num::string2ull(b"1 "), None);
/// ```
pub fn string2ull(s: &[u8]) -> Option<u64> {
    let s = c_string(s);
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let r = strtoull(s);
    (!s.is_empty() && r.used == s.len() && !r.overflow).then_some(r.value)
}

/// `s` up to its first NUL byte: what C code sees of it as a string.
#[inline]
pub fn c_string(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// What C's `strtoll` or `strtoull` (base 10) makes of the start of a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CInt<T> {
    /// The value: on overflow the bound C returns (`LLONG_MAX`/`LLONG_MIN`,
    /// `ULLONG_MAX`); 0 when nothing was converted.
    pub value: T,
    /// Bytes consumed, white space and sign included; 0 when no digit
    /// follows them (C then points `endptr` at the start).
    pub used: usize,
    /// `errno == ERANGE`: the number does not fit.
    pub overflow: bool,
}

/// Splits C white space, a sign and the digits that follow from the start of
/// `s`: `(negative, index of the first digit, index after the last)`.
fn c_digits(s: &[u8]) -> (bool, usize, usize) {
    let mut i = s.iter().position(|&b| !is_c_space(b)).unwrap_or(s.len());
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let end = i + s[i..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(s.len() - i);
    (neg, i, end)
}

/// C's `strtoll(s, &end, 10)`: skips white space ([`is_c_space`]), takes an
/// optional sign and the decimal digits after it (leading zeros allowed).
///
/// ```
/// let r = ember_num::strtoll(b" -12x");
/// assert_eq!((r.value, r.used, r.overflow), (-12, 4, false));
/// assert_eq!(ember_num::strtoll(b"99999999999999999999").value, i64::MAX);
/// ```
pub fn strtoll(s: &[u8]) -> CInt<i64> {
    let (neg, start, end) = c_digits(s);
    if start == end {
        return CInt { value: 0, used: 0, overflow: false };
    }
    match parse_digits(&s[start..end]).and_then(|m| apply_sign(neg, m)) {
        Some(value) => CInt { value, used: end, overflow: false },
        None => CInt { value: if neg { i64::MIN } else { i64::MAX }, used: end, overflow: true },
    }
}

/// C's `strtoull(s, &end, 10)`: like [`strtoll`], and a `-` sign negates the
/// value modulo 2^64 (`-1` is `18446744073709551615`).
///
/// ```
/// assert_eq!(ember_num::strtoull(b"-1").value, u64::MAX);
/// let r = ember_num::strtoull(b"18446744073709551616");
/// assert_eq!((r.value, r.overflow), (u64::MAX, true));
/// ```
pub fn strtoull(s: &[u8]) -> CInt<u64> {
    let (neg, start, end) = c_digits(s);
    if start == end {
        return CInt { value: 0, used: 0, overflow: false };
    }
    match parse_digits(&s[start..end]) {
        Some(m) => CInt { value: if neg { m.wrapping_neg() } else { m }, used: end, overflow: false },
        None => CInt { value: u64::MAX, used: end, overflow: true },
    }
}

/// The value of a string of decimal digits; `None` for a non-digit or
/// overflow.
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

/// Writes the decimal digits of `n` so that they end just before `out[end]`
/// and returns the index of the first digit. For encoders that put a prefix
/// and a suffix around the digits in one buffer. Panics unless `end <= out.len()`
/// and `end >= ` the number of digits (at most [`INT_BUF_LEN`]).
///
/// ```
/// let mut buf = *b":....................\r\n";
/// let start = ember_num::write_u64_backwards(1234, &mut buf, 21);
/// assert_eq!(&buf[start..], b"1234\r\n");
/// ```
#[inline]
pub fn write_u64_backwards(mut n: u64, out: &mut [u8], end: usize) -> usize {
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

/// Formats `n` in decimal (Redis's `ll2string`) into `buf` and returns the
/// digits, a tail of `buf`.
///
/// ```
/// let mut buf = [0u8; ember_num::INT_BUF_LEN];
/// assert_eq!(ember_num::format_i64(-42, &mut buf), b"-42");
/// assert_eq!(ember_num::format_i64(i64::MIN, &mut buf), b"-9223372036854775808");
/// ```
#[inline]
pub fn format_i64(n: i64, buf: &mut [u8; INT_BUF_LEN]) -> &[u8] {
    let mut start = write_u64_backwards(n.unsigned_abs(), buf, INT_BUF_LEN);
    if n < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

/// Formats `n` in decimal (Redis's `ull2string`) into `buf` and returns the
/// digits, a tail of `buf`.
///
/// ```
/// let mut buf = [0u8; ember_num::INT_BUF_LEN];
/// assert_eq!(ember_num::format_u64(u64::MAX, &mut buf), b"18446744073709551615");
/// ```
#[inline]
pub fn format_u64(n: u64, buf: &mut [u8; INT_BUF_LEN]) -> &[u8] {
    let start = write_u64_backwards(n, buf, INT_BUF_LEN);
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_rules() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"1", Some(1)),
            (b"-1", Some(-1)),
            (b"12345", Some(12345)),
            (b"999999999999999999", Some(999_999_999_999_999_999)),
            (b"-999999999999999999", Some(-999_999_999_999_999_999)),
            (b"1000000000000000000", Some(1_000_000_000_000_000_000)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
            (b"-9223372036854775809", None),
            (b"99999999999999999999", None),
            (b"000000000000000000001", None),
            (b"", None),
            (b"-", None),
            (b"-0", None),
            (b"00", None),
            (b"01", None),
            (b"-01", None),
            (b"--1", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1a", None),
            (b"1.0", None),
            (b"0x10", None),
            (b"1\0", None),
            (b"12345678901234567a", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(parse_i64(input), expected, "{:?}", input.escape_ascii().to_string());
        }
    }

    #[test]
    fn lenient_accepts_signs_and_zeros() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"+5", Some(5)),
            (b"-0", Some(0)),
            (b"007", Some(7)),
            (b"+", None),
            (b"", None),
            (b"1.0", None),
            (b" 1", None),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(parse_i64_lenient(input), expected, "{:?}", input.escape_ascii().to_string());
        }
    }

    #[test]
    fn c_prefix_parsers() {
        let r = strtoll(b"\t\n\x0b\x0c\r 42 ");
        assert_eq!((r.value, r.used, r.overflow), (42, 8, false));
        assert_eq!(strtoll(b"-"), CInt { value: 0, used: 0, overflow: false });
        assert_eq!(strtoll(b" +x"), CInt { value: 0, used: 0, overflow: false });
        assert_eq!(strtoll(b"-9223372036854775808"), CInt { value: i64::MIN, used: 20, overflow: false });
        assert_eq!(strtoll(b"-9223372036854775809"), CInt { value: i64::MIN, used: 20, overflow: true });
        assert_eq!(strtoll(b"9223372036854775808!"), CInt { value: i64::MAX, used: 19, overflow: true });
        assert_eq!(strtoull(b"-18446744073709551615"), CInt { value: 1, used: 21, overflow: false });
        assert_eq!(strtoull(b"-18446744073709551616"), CInt { value: u64::MAX, used: 21, overflow: true });
        assert_eq!(strtoull(b"0012"), CInt { value: 12, used: 4, overflow: false });
    }

    #[test]
    fn string2ull_rules() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (b"0", Some(0)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"18446744073709551616", None),
            (b"-1", None),
            (b"-01", Some(u64::MAX)),
            (b"-0", Some(0)),
            (b"+1", Some(1)),
            (b" 1", Some(1)),
            (b"\t2", Some(2)),
            (b"1 ", None),
            (b"1\0junk", Some(1)),
            (b"-1\0", None),
            (b"", None),
            (b"\0", None),
            (b"-", None),
            (b"0x10", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(string2ull(input), expected, "{:?}", input.escape_ascii().to_string());
        }
    }

    #[test]
    fn formats_like_display() {
        let mut buf = [0u8; INT_BUF_LEN];
        for v in [0, 1, 9, 10, 99, 100, 101, 12345, -7, -10, -100, i64::MAX, i64::MIN, i64::MIN + 1] {
            assert_eq!(format_i64(v, &mut buf), v.to_string().as_bytes());
        }
        for v in [0, 9, 10, 1 << 63, u64::MAX] {
            assert_eq!(format_u64(v, &mut buf), v.to_string().as_bytes());
        }
    }
}
