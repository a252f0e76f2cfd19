//! Doubles: C's `strtod` (glibc) and Redis's checks around it, and printf's
//! `%.<P>g`, bit-exact, including Redis's `%.17g` and its `d2string`.

use crate::binary::{self, Body, F64};
use crate::int::{format_i64, is_c_space, INT_BUF_LEN};

/// Bytes any text of [`format_g`] and [`format_d2string`] fits in (the
/// longest is 24, e.g. `-2.2250738585072014e-308`).
pub const FLOAT_BUF_LEN: usize = 32;

/// What C's `strtod` (glibc, "C" locale) makes of the start of a string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strtod {
    /// The value, correctly rounded; NaN for `nan`; 0 when nothing converts.
    pub value: f64,
    /// Bytes consumed, leading white space included; 0 when nothing converts.
    pub used: usize,
    /// `errno == ERANGE`: the value overflowed to an infinity, or it is not
    /// exact and below the smallest normal double (2.2250738585072014e-308)
    /// once rounded to 53 bits with an unbounded exponent (IEEE tininess
    /// after rounding, as glibc detects it).
    pub range_error: bool,
}

/// C's `strtod(s, &end)` as glibc does it: skips white space
/// ([`is_c_space`]), takes a sign, then `inf` / `infinity` / `nan` /
/// `nan(chars)` (any case), a hexadecimal float (`0x1.8p3`) or a decimal
/// one (`1.5`, `.5`, `5.`, `1e-3`), and converts the longest such prefix,
/// correctly rounded. Bytes after it (a NUL included) are not looked at.
///
/// ```
/// let r = ember_num::strtod(b" 1.5e3xyz");
/// assert_eq!((r.value, r.used, r.range_error), (1500.0, 6, false));
/// assert_eq!(ember_num::strtod(b"0x1.8p1").value, 3.0);
/// assert_eq!(ember_num::strtod(b"-Infinity").value, f64::NEG_INFINITY);
/// assert!(ember_num::strtod(b"1e400").range_error);
/// assert_eq!(ember_num::strtod(b"abc").used, 0);
/// ```
pub fn strtod(s: &[u8]) -> Strtod {
    if let Some(r) = fast_decimal(s) {
        return r;
    }
    let Some(syn) = binary::scan(s) else {
        return Strtod { value: 0.0, used: 0, range_error: false };
    };
    let used = syn.end;
    match syn.body {
        Body::Inf => {
            Strtod { value: if syn.neg { f64::NEG_INFINITY } else { f64::INFINITY }, used, range_error: false }
        }
        Body::Nan => Strtod { value: if syn.neg { -f64::NAN } else { f64::NAN }, used, range_error: false },
        Body::Dec { .. } => {
            // The span is ASCII ([sign] digits [. digits] [e [sign] digits]),
            // which Rust's correctly rounded parser reads the same way.
            let fast = core::str::from_utf8(&s[syn.start..syn.end]).ok().and_then(|t| t.parse::<f64>().ok());
            match fast {
                Some(v) if v.is_infinite() => Strtod { value: v, used, range_error: true },
                Some(v) if v.abs() > f64::MIN_POSITIVE => Strtod { value: v, used, range_error: false },
                Some(v) if v == 0.0 && !syn.body.nonzero(s) => Strtod { value: v, used, range_error: false },
                // Tiny: whether it is exact decides ERANGE, which needs the
                // exact conversion.
                _ => slow(s, &syn),
            }
        }
        Body::Hex { .. } => slow(s, &syn),
    }
}

/// Exact powers of ten in a double.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// The common short decimals (`1`, `-1.5`, `3.25e10`, `0.001`) without the
/// general scanner: at most 19 digits forming a mantissa up to 2^53 and a
/// decimal exponent within +-22. Both factors are exact doubles, so one
/// multiplication or division rounds correctly (Clinger's fast path).
/// `None` sends anything else (white space, hex, `inf`, long or extreme
/// numbers) to the general path.
#[inline]
fn fast_decimal(s: &[u8]) -> Option<Strtod> {
    let (neg, mut i) = match *s.first()? {
        b'-' => (true, 1),
        b'+' => (false, 1),
        b'0'..=b'9' | b'.' => (false, 0),
        _ => return None,
    };
    if s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X')) {
        return None;
    }
    let mut mant: u64 = 0;
    let mut digits = 0usize;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        mant = mant.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        digits += 1;
        i += 1;
    }
    let mut frac = 0i32;
    if s.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&c) = s.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            mant = mant.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            digits += 1;
            frac += 1;
            i += 1;
        }
    }
    if digits == 0 || digits > 19 || mant > 1 << 53 {
        return None;
    }
    let mut exp = -frac;
    if let Some(b'e' | b'E') = s.get(i) {
        let mut j = i + 1;
        let eneg = match s.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let start = j;
        let mut e = 0i32;
        while let Some(&c) = s.get(j) {
            if !c.is_ascii_digit() || j - start >= 4 {
                break;
            }
            e = e * 10 + i32::from(c - b'0');
            j += 1;
        }
        if s.get(j).is_some_and(u8::is_ascii_digit) {
            return None; // a long exponent: the general path
        }
        if j > start {
            exp += if eneg { -e } else { e };
            i = j;
        }
    }
    let m = mant as f64;
    let v = match exp {
        0 => m,
        1..=22 => m * POW10[exp as usize],
        -22..=-1 => m / POW10[(-exp) as usize],
        _ => return None,
    };
    Some(Strtod { value: if neg { -v } else { v }, used: i, range_error: false })
}

/// The exact conversion, for hexadecimal floats and the tiny decimals where
/// glibc's `ERANGE` depends on exactness.
fn slow(s: &[u8], syn: &binary::Syntax) -> Strtod {
    let (v, inexact) = binary::convert(s, syn, F64);
    let mut tiny = v.is_tiny(F64);
    if inexact && !tiny && v.class == binary::Class::Finite && v.to_f64().abs() == f64::MIN_POSITIVE {
        // glibc detects tininess after rounding to 53 bits with an unbounded
        // exponent: a value just below the smallest normal that rounds up to
        // it still underflows.
        const WIDE: binary::Format = binary::Format { min_lsb: -1200, ..F64 };
        tiny = binary::convert(s, syn, WIDE).0.is_tiny(F64);
    }
    let range_error = inexact && (v.class == binary::Class::Inf || tiny);
    Strtod { value: v.to_f64(), used: syn.end, range_error }
}

/// A double argument as Redis reads one (`getDoubleFromObject`: ZADD and
/// ZINCRBY scores, GEOADD coordinates, ...): [`strtod`] must convert the
/// whole string, which must not start with white space; NaN is refused, and
/// so is a value that overflows to an infinity or underflows to zero
/// (`inf`, `-inf` and subnormal results are fine).
///
/// ```
/// use ember_num::parse_f64;
/// assert_eq!(parse_f64(b"1.5"), Some(1.5));
/// assert_eq!(parse_f64(b"0x1p3"), Some(8.0));
/// assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
/// for bad in ["", " 1", "1 ", "1\0", "nan", "1e400", "1e-400", "1e", "0x"] {
///     assert_eq!(parse_f64(bad.as_bytes()), None, "{bad:?}");
/// }
/// ```
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.first().is_none_or(|&b| is_c_space(b)) {
        return None;
    }
    let r = strtod(s);
    let refused = r.range_error && (r.value.is_infinite() || r.value == 0.0);
    (r.used == s.len() && !r.value.is_nan() && !refused).then_some(r.value)
}

/// A stack sink for `core::fmt`, for the digits of `{:.*e}`.
struct Sink<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl core::fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Formats `v` as C's `printf("%.<precision>g", v)` does (glibc), into
/// `buf`: `precision` significant digits (1 to 17; 0 counts as 1, more than
/// 17 as 17), correctly rounded, in fixed notation if the decimal exponent
/// is at least -4 and below the precision, else as `d.ddde+XX`; trailing
/// zeros and a trailing point removed; `inf`, `-inf`, `nan`, `-nan` (the
/// sign of a NaN is printed, as glibc does). Redis replies doubles with
/// `%.17g`; Lua's `tostring` is `%.14g`.
///
/// ```
/// let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
/// assert_eq!(ember_num::format_g(0.1, 17, &mut buf), b"0.10000000000000001");
/// assert_eq!(ember_num::format_g(0.1, 14, &mut buf), b"0.1");
/// assert_eq!(ember_num::format_g(1e300, 14, &mut buf), b"1e+300");
/// assert_eq!(ember_num::format_g(1e300, 17, &mut buf), b"1.0000000000000001e+300");
/// assert_eq!(ember_num::format_g(0.0001, 17, &mut buf), b"0.0001");
/// assert_eq!(ember_num::format_g(-0.0, 17, &mut buf), b"-0");
/// ```
pub fn format_g(v: f64, precision: u8, buf: &mut [u8; FLOAT_BUF_LEN]) -> &[u8] {
    use core::fmt::Write as _;
    let p = usize::from(precision.clamp(1, 17));
    let neg = v.is_sign_negative();
    let special: Option<&'static [u8]> = match (v.is_nan(), v.is_infinite(), neg) {
        (true, _, false) => Some(b"nan"),
        (true, _, true) => Some(b"-nan"),
        (_, true, false) => Some(b"inf"),
        (_, true, true) => Some(b"-inf"),
        _ if v == 0.0 => Some(if neg { b"-0" } else { b"0" }),
        _ => None,
    };
    if let Some(text) = special {
        buf[..text.len()].copy_from_slice(text);
        return &buf[..text.len()];
    }
    // Integers below 10^15 are their digits in every precision from 15 up.
    if p >= 15 && v.trunc() == v && v.abs() < 1e15 {
        let mut digits = [0u8; INT_BUF_LEN];
        let text = format_i64(v as i64, &mut digits);
        buf[..text.len()].copy_from_slice(text);
        return &buf[..text.len()];
    }
    // `p` significant digits, correctly rounded (Rust's exact formatting
    // rounds half to even, as glibc does): d.ddd…e<exp>.
    let mut sci = [0u8; FLOAT_BUF_LEN];
    let mut sink = Sink { buf: &mut sci, len: 0 };
    if write!(sink, "{:.*e}", p - 1, v.abs()).is_err() {
        return b"nan"; // unreachable: at most 23 bytes
    }
    let n = sink.len;
    let sci = &sci[..n];
    let e_at = sci.iter().position(|&c| c == b'e').unwrap_or(n);
    let mut digits = [b'0'; 17];
    digits[0] = sci[0];
    if e_at > 2 {
        digits[1..e_at - 1].copy_from_slice(&sci[2..e_at]);
    }
    let exp = crate::int::parse_i64_lenient(sci.get(e_at + 1..).unwrap_or(b"0")).unwrap_or(0);
    let mut nd = p;
    while nd > 1 && digits[nd - 1] == b'0' {
        nd -= 1;
    }
    let digits = &digits[..nd];
    let mut out = Out { buf, len: 0 };
    if neg {
        out.put(b'-');
    }
    if (-4..p as i64).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            for k in 0..int_len {
                out.put(*digits.get(k).unwrap_or(&b'0'));
            }
            if nd > int_len {
                out.put(b'.');
                out.extend(&digits[int_len..]);
            }
        } else {
            out.extend(b"0.");
            for _ in 0..(-exp - 1) {
                out.put(b'0');
            }
            out.extend(digits);
        }
    } else {
        out.put(digits[0]);
        if nd > 1 {
            out.put(b'.');
            out.extend(&digits[1..]);
        }
        out.put(b'e');
        out.put(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e >= 100 {
            out.put(b'0' + (e / 100) as u8);
        }
        out.put(b'0' + ((e / 10) % 10) as u8);
        out.put(b'0' + (e % 10) as u8);
    }
    let len = out.len;
    &buf[..len]
}

struct Out<'a> {
    buf: &'a mut [u8; FLOAT_BUF_LEN],
    len: usize,
}

impl Out<'_> {
    fn put(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    fn extend(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }
}

/// `printf("%.17g", v)`: the text of a double in Redis 7.0's replies (ZSCORE,
/// ZRANGE WITHSCORES, ZINCRBY, RESP3 doubles) and of a Lua number passed to
/// `redis.call`. Same as [`format_g`] with precision 17; 17 significant
/// digits always parse back to the same double.
///
/// ```
/// let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
/// assert_eq!(ember_num::format_g17(1.5, &mut buf), b"1.5");
/// assert_eq!(ember_num::format_g17(1e17, &mut buf), b"1e+17");
/// assert_eq!(ember_num::format_g17(f64::NEG_INFINITY, &mut buf), b"-inf");
/// ```
#[inline]
pub fn format_g17(v: f64, buf: &mut [u8; FLOAT_BUF_LEN]) -> &[u8] {
    format_g(v, 17, buf)
}

/// The text Redis 7.0 stores a sorted-set score as in a listpack
/// (`d2string`, what ZSCAN of a small sorted set returns and what a listpack
/// in an RDB file holds): an integral value within +-2^62 as its integer
/// digits (negative zero as `0`), else [`format_g17`].
///
/// ```
/// let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
/// assert_eq!(ember_num::format_d2string(1e17, &mut buf), b"100000000000000000");
/// assert_eq!(ember_num::format_d2string(-0.0, &mut buf), b"0");
/// assert_eq!(ember_num::format_d2string(0.5, &mut buf), b"0.5");
/// assert_eq!(ember_num::format_d2string(9.3e18, &mut buf), b"9.3e+18");
/// ```
pub fn format_d2string(v: f64, buf: &mut [u8; FLOAT_BUF_LEN]) -> &[u8] {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0; // 2^62
    if v.trunc() == v && (-LIMIT..=LIMIT).contains(&v) {
        let mut digits = [0u8; INT_BUF_LEN];
        let text = format_i64(v as i64, &mut digits);
        buf[..text.len()].copy_from_slice(text);
        return &buf[..text.len()];
    }
    format_g17(v, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: f64, p: u8) -> String {
        String::from_utf8(format_g(v, p, &mut [0u8; FLOAT_BUF_LEN]).to_vec()).unwrap()
    }

    #[test]
    fn printf_g() {
        // Expected strings are glibc's printf.
        let cases: &[(f64, u8, &str)] = &[
            (0.1, 17, "0.10000000000000001"),
            (1.0 / 3.0, 17, "0.33333333333333331"),
            (100.0, 17, "100"),
            (1e15, 17, "1000000000000000"),
            (1e16, 17, "10000000000000000"),
            (1e17, 17, "1e+17"),
            (123456789012345678.0, 17, "1.2345678901234568e+17"),
            (0.0001, 17, "0.0001"),
            (0.00001, 17, "1.0000000000000001e-05"),
            (1.5e-7, 17, "1.4999999999999999e-07"),
            (5e-324, 17, "4.9406564584124654e-324"),
            (f64::MAX, 17, "1.7976931348623157e+308"),
            (-2.5, 17, "-2.5"),
            (3.0, 17, "3"),
            (1e100, 17, "1e+100"),
            (1.5e300, 17, "1.5000000000000001e+300"),
            (-1.2345678901234567e-300, 17, "-1.2345678901234568e-300"),
            (0.1, 14, "0.1"),
            (1e15, 14, "1e+15"),
            (123456789012345.0, 14, "1.2345678901234e+14"),
            (99999999999999.5, 14, "1e+14"),
            (0.5, 1, "0.5"),
            (2.5, 1, "2"),
            (3.5, 1, "4"),
            (f64::NAN, 17, "nan"),
            (-f64::NAN, 17, "-nan"),
            (f64::INFINITY, 14, "inf"),
        ];
        for &(v, p, want) in cases {
            assert_eq!(g(v, p), want, "{v:e} %.{p}g");
        }
    }

    #[test]
    fn strtod_range_errors_follow_glibc() {
        // Tiny results set ERANGE only when inexact; exact subnormals do not.
        for (s, value, range) in [
            ("1e-310", 1e-310, true),
            ("0x1p-1074", 5e-324, false),
            ("0x1.8p-1030", f64::from_bits(3 << 43), false),
            ("2.2250738585072014e-308", f64::MIN_POSITIVE, false),
            ("2.2250738585072013e-308", f64::MIN_POSITIVE, false),
            ("2.2250738585072012e-308", f64::MIN_POSITIVE, true),
            ("0x1.fffffffffffffp-1023", f64::MIN_POSITIVE, true),
            ("0x1.fffffffffffff7p-1023", f64::MIN_POSITIVE, true),
            ("0x1.ffffffffffffe7p-1023", f64::from_bits((1 << 52) - 1), true),
            ("2.2250738585072011e-308", 2.225073858507201e-308, true),
            ("1e-400", 0.0, true),
            ("0e-400", 0.0, false),
            ("0.000", 0.0, false),
            ("1e400", f64::INFINITY, true),
            ("-1e400", f64::NEG_INFINITY, true),
            ("1.7976931348623158e308", f64::MAX, false),
            ("inf", f64::INFINITY, false),
            ("1e-99999999999999999999", 0.0, true),
            ("1e99999999999999999999", f64::INFINITY, true),
        ] {
            let r = strtod(s.as_bytes());
            assert_eq!((r.value.to_bits(), r.range_error, r.used), (value.to_bits(), range, s.len()), "{s}");
        }
    }

    #[test]
    fn strtod_long_inputs_round_correctly() {
        // Just above the halfway point between 1 and its successor, decided
        // by a digit far past the 800 kept ones.
        let mut s = String::from("1.00000000000000011102230246251565404236316680908203125");
        s.push_str(&"0".repeat(2000));
        assert_eq!(strtod(s.as_bytes()).value, 1.0); // exactly halfway: to even
        s.push('1');
        assert_eq!(strtod(s.as_bytes()).value, 1.0000000000000002);
        let tiny = format!("0.{}49406564584124654{}1", "0".repeat(323), "0".repeat(1500));
        let r = strtod(tiny.as_bytes());
        assert_eq!((r.value, r.range_error), (5e-324, true));
    }

    #[test]
    fn d2string() {
        let t = |v: f64| String::from_utf8(format_d2string(v, &mut [0u8; FLOAT_BUF_LEN]).to_vec()).unwrap();
        assert_eq!(t(4_611_686_018_427_387_904.0), "4611686018427387904");
        assert_eq!(t(-4_611_686_018_427_387_904.0), "-4611686018427387904");
        assert_eq!(t(4_611_686_018_427_388_928.0), "4.6116860184273889e+18");
        assert_eq!(t(123456789012345678.0), "123456789012345680");
        assert_eq!(t(f64::INFINITY), "inf");
        assert_eq!(t(1.5), "1.5");
    }
}
