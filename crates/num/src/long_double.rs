//! C's `long double` on x86-64, the x87 80-bit extended format (64-bit
//! significand, 15-bit exponent), computed exactly in software: what Redis
//! does INCRBYFLOAT and HINCRBYFLOAT in, and blocking timeouts.

use core::cmp::Ordering;

use crate::big::Big;
use crate::binary::{self, Binary, Class, X87};
use crate::int::is_c_space;

/// Longest string Redis's `string2ld` converts (`MAX_LONG_DOUBLE_CHARS` is
/// 5 KiB, NUL included).
const MAX_CHARS: usize = 5 * 1024;

/// A C `long double` as Redis on x86-64 has it: every operation is
/// correctly rounded to the x87 80-bit format (round half to even), so
/// results equal Redis's bit for bit. `f64` is not enough: Redis replies
/// `10.6` to `INCRBYFLOAT` of `10.5` by `0.1`, and keeps all the digits of
/// `9223372036854775807 + 0`.
///
/// ```
/// use ember_num::LongDouble;
/// let a = LongDouble::parse(b"10.5").unwrap();
/// let b = LongDouble::parse(b"0.1").unwrap();
/// assert_eq!(a.add(&b).to_human(), "10.6");
/// assert_eq!(LongDouble::parse(b"5005.6").unwrap().add(&LongDouble::parse(b"0.002").unwrap()).to_human(),
///            "5005.60199999999999987");
/// ```
///
/// `==` compares values as C does: `-0 == 0`, NaN equals nothing.
#[derive(Clone, Debug)]
pub struct LongDouble(Binary);

impl PartialEq for LongDouble {
    fn eq(&self, o: &LongDouble) -> bool {
        let (a, b) = (&self.0, &o.0);
        match (a.class, b.class) {
            (Class::Finite, Class::Finite) if a.mant.is_zero() && b.mant.is_zero() => true,
            (Class::Finite, Class::Finite) => a.neg == b.neg && a.exp == b.exp && a.mant == b.mant,
            (Class::Inf, Class::Inf) => a.neg == b.neg,
            _ => false,
        }
    }
}

impl LongDouble {
    /// `(long double)v`, exact.
    pub fn from_i64(v: i64) -> LongDouble {
        LongDouble(binary::round(X87, v < 0, Big::from_u128(u128::from(v.unsigned_abs())), 0, false).0)
    }

    /// A long double argument or stored value as Redis reads one
    /// (`string2ld`, i.e. C's `strtold`): the whole string (at most 5119
    /// bytes, not starting with white space) is a decimal or hexadecimal
    /// float or `inf`/`infinity` (any case, with a sign); not `nan`, not a
    /// value that overflows to an infinity or underflows to zero.
    ///
    /// ```
    /// use ember_num::LongDouble;
    /// assert!(LongDouble::parse(b"0x1.8p3").is_some());
    /// assert!(LongDouble::parse(b"-inf").unwrap().is_infinite());
    /// assert!(LongDouble::parse(b"1e4000").is_some()); // beyond a double
    /// for bad in ["", " 1", "1 ", "nan", "1e5000", "1e-5000", "1e", "1\0"] {
    ///     assert!(LongDouble::parse(bad.as_bytes()).is_none(), "{bad:?}");
    /// }
    /// ```
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_CHARS || is_c_space(s[0]) {
            return None;
        }
        let syn = binary::scan(s)?;
        if syn.end != s.len() {
            return None;
        }
        let (v, inexact) = binary::convert(s, &syn, X87);
        let range_error = inexact && (v.class == Class::Inf || v.mant.is_zero());
        match v.class {
            Class::Nan => None,
            _ if range_error => None,
            _ => Some(LongDouble(v)),
        }
    }

    /// True unless infinite or NaN.
    pub fn is_finite(&self) -> bool {
        self.0.class == Class::Finite
    }

    /// True for +-infinity.
    pub fn is_infinite(&self) -> bool {
        self.0.class == Class::Inf
    }

    /// True for NaN (infinity minus infinity, zero times infinity).
    pub fn is_nan(&self) -> bool {
        self.0.class == Class::Nan
    }

    /// `self + o`, correctly rounded.
    pub fn add(&self, o: &LongDouble) -> LongDouble {
        let (a, b) = (&self.0, &o.0);
        match (a.class, b.class) {
            (Class::Nan, _) | (_, Class::Nan) => return LongDouble(Binary::nan(false)),
            (Class::Inf, Class::Inf) if a.neg != b.neg => return LongDouble(Binary::nan(true)),
            (Class::Inf, _) => return self.clone(),
            (_, Class::Inf) => return o.clone(),
            _ => {}
        }
        let e = a.exp.min(b.exp);
        let x = a.mant.shl(a.exp - e);
        let y = b.mant.shl(b.exp - e);
        let r = if a.neg == b.neg {
            binary::round(X87, a.neg, x.add(&y), e, false)
        } else {
            match x.cmp(&y) {
                Ordering::Greater => binary::round(X87, a.neg, x.sub(&y), e, false),
                Ordering::Less => binary::round(X87, b.neg, y.sub(&x), e, false),
                // x + -x is +0 when rounding to nearest.
                Ordering::Equal => (Binary::zero(false), false),
            }
        };
        LongDouble(r.0)
    }

    /// `self * o`, correctly rounded.
    pub fn mul(&self, o: &LongDouble) -> LongDouble {
        let (a, b) = (&self.0, &o.0);
        let neg = a.neg != b.neg;
        match (a.class, b.class) {
            (Class::Nan, _) | (_, Class::Nan) => LongDouble(Binary::nan(false)),
            // Infinity times zero.
            (Class::Inf, Class::Finite) if b.mant.is_zero() => LongDouble(Binary::nan(true)),
            (Class::Finite, Class::Inf) if a.mant.is_zero() => LongDouble(Binary::nan(true)),
            (Class::Inf, _) | (_, Class::Inf) => LongDouble(Binary::inf(neg)),
            _ => LongDouble(binary::round(X87, neg, a.mant.mul(&b.mant), a.exp + b.exp, false).0),
        }
    }

    /// C's `ceill`: the least integer not below the value (`-0` for values
    /// in (-1, 0)).
    pub fn ceil(&self) -> LongDouble {
        let v = &self.0;
        if v.class != Class::Finite || v.exp >= 0 {
            return self.clone();
        }
        let int = v.mant.shr(-v.exp);
        let frac = v.mant.any_below(-v.exp);
        let int = if frac && !v.neg { int.add_one() } else { int };
        LongDouble(binary::round(X87, v.neg, int, 0, false).0)
    }

    /// The value truncated toward zero, as C's cast to `long long` does it,
    /// if that fits; `None` for NaN, infinities and values out of range (the
    /// x87 conversion then yields `LLONG_MIN`, which Redis code sees).
    pub fn to_i64(&self) -> Option<i64> {
        let v = &self.0;
        if v.class != Class::Finite {
            return None;
        }
        let int = if v.exp >= 0 { v.mant.shl(v.exp) } else { v.mant.shr(-v.exp) };
        let m = int.to_u64()?;
        if v.neg {
            0i64.checked_sub_unsigned(m)
        } else {
            i64::try_from(m).ok()
        }
    }

    /// The text of an INCRBYFLOAT / HINCRBYFLOAT result (Redis's
    /// `ld2string` in its human mode): `printf("%.17Lf")`, then trailing
    /// zeros after the point and a trailing point removed, and `-0` written
    /// as `0`. Infinities and NaN are `inf`, `-inf`, `nan`, `-nan`.
    ///
    /// ```
    /// use ember_num::LongDouble;
    /// assert_eq!(LongDouble::from_i64(-3).to_human(), "-3");
    /// assert_eq!(LongDouble::parse(b"-1e-20").unwrap().to_human(), "0");
    /// assert_eq!(LongDouble::parse(b"3.14159265358979323846").unwrap().to_human(), "3.14159265358979324");
    /// ```
    pub fn to_human(&self) -> String {
        let v = &self.0;
        match v.class {
            Class::Inf => return if v.neg { "-inf" } else { "inf" }.into(),
            Class::Nan => return if v.neg { "-nan" } else { "nan" }.into(),
            Class::Finite => {}
        }
        // value * 10^17 = mant * 5^17 * 2^(exp + 17), rounded half to even.
        let s = v.mant.mul(&Big::from_u128(5u128.pow(17)));
        let e2 = v.exp + 17;
        let n = if e2 >= 0 {
            s.shl(e2)
        } else {
            let q = s.shr(-e2);
            let half = s.bit(-e2 - 1);
            if half && (s.any_below(-e2 - 1) || q.bit(0)) {
                q.add_one()
            } else {
                q
            }
        };
        let mut digits = n.to_decimal();
        if digits.len() < 18 {
            let mut padded = vec![b'0'; 18 - digits.len()];
            padded.extend_from_slice(&digits);
            digits = padded;
        }
        let (int, frac) = digits.split_at(digits.len() - 17);
        let frac_len = frac.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
        let mut out = String::with_capacity(digits.len() + 2);
        let zero = int == b"0" && frac_len == 0;
        if v.neg && !zero {
            out.push('-');
        }
        out.extend(int.iter().map(|&d| d as char));
        if frac_len > 0 {
            out.push('.');
            out.extend(frac[..frac_len].iter().map(|&d| d as char));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(s: &str) -> LongDouble {
        LongDouble::parse(s.as_bytes()).unwrap()
    }

    fn incr(a: &str, b: &str) -> String {
        ld(a).add(&ld(b)).to_human()
    }

    #[test]
    fn sums_match_redis() {
        // Replies of Redis 7.0 on x86-64 (more in tests/redis_table.rs).
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("0", "123456789012345678"), "123456789012345678");
        assert_eq!(incr("9223372036854775807", "0"), "9223372036854775807");
        assert_eq!(incr("0x10", "0"), "16");
        assert_eq!(incr("-0", "-0"), "0");
        assert_eq!(incr("1.5", "-1.5"), "0");
        assert_eq!(incr("0", "5.0e3"), "5000");
        assert!(ld("inf").add(&ld("-inf")).is_nan());
        assert!(ld("inf").add(&ld("1")).is_infinite());
        assert!(!ld("0x1p16383").add(&ld("0x1p16383")).is_finite());
    }

    #[test]
    fn parse_refuses_what_string2ld_refuses() {
        for bad in
            ["", " 1", "1 ", "nan", "-nan", "abc", "1e", "0x", "1e5000", "1e-5000", "0x1p-16446", ".", "-", "1\0x"]
        {
            assert!(LongDouble::parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        assert!(LongDouble::parse(&[b'1'; MAX_CHARS]).is_none());
        let long = format!("1.{}", "0".repeat(MAX_CHARS - 3));
        assert_eq!(LongDouble::parse(long.as_bytes()), Some(LongDouble::from_i64(1)));
        assert!(LongDouble::parse(format!("{long}0").as_bytes()).is_none());
        // Subnormal long doubles are fine.
        assert!(LongDouble::parse(b"0x1p-16445").is_some());
        assert!(LongDouble::parse(b"1e-4940").is_some());
    }

    #[test]
    fn timeout_arithmetic() {
        let ms = |s: &str| ld(s).mul(&LongDouble::from_i64(1000)).ceil().to_i64();
        assert_eq!(ms("0.0001"), Some(1));
        assert_eq!(ms("1.5"), Some(1500));
        assert_eq!(ms("1e-4940"), Some(1));
        // The long double nearest 0.001 is below it: -0.001 s is -0 ms.
        assert_eq!(ms("-0.001"), Some(0));
        assert_eq!(ms("-0.0011"), Some(-1));
        assert_eq!(ms("9223372036854775.807"), Some(i64::MAX));
        assert_eq!(ms("9223372036854775.808"), None);
        assert_eq!(ms("inf"), None);
        assert!(ld("inf").mul(&LongDouble::from_i64(0)).is_nan());
        assert!(ld("-0").mul(&ld("inf")).is_nan());
        assert!(ld("inf").mul(&ld("-inf")).is_infinite());
        assert_eq!(ld("-inf").mul(&ld("-2")), ld("inf"));
    }
}
