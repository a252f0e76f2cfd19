//! The text syntax C's `strtod`/`strtold` accept and exact, correctly
//! rounded conversion of it to a binary floating-point format (IEEE double
//! or the x87 80-bit `long double`), with C's `ERANGE` conditions.

use crate::big::Big;
use crate::int::is_c_space;

/// A binary floating-point format with round-to-nearest-even.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Format {
    /// Significand bits, the leading one included.
    pub(crate) prec: i64,
    /// Exponent of the least significant bit of the smallest subnormal.
    pub(crate) min_lsb: i64,
    /// Values at or above 2^max_exp overflow to infinity.
    pub(crate) max_exp: i64,
}

/// IEEE 754 double.
pub(crate) const F64: Format = Format { prec: 53, min_lsb: -1074, max_exp: 1024 };
/// The x87 extended format of C's `long double` on x86-64 (what Redis
/// computes INCRBYFLOAT in): 64-bit significand, 15-bit exponent.
pub(crate) const X87: Format = Format { prec: 64, min_lsb: -16445, max_exp: 16384 };

/// What kind of number a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Finite,
    Inf,
    Nan,
}

/// A value of some [`Format`]: `(-1)^neg * mant * 2^exp` when finite.
#[derive(Clone, Debug)]
pub(crate) struct Binary {
    pub(crate) neg: bool,
    pub(crate) mant: Big,
    pub(crate) exp: i64,
    pub(crate) class: Class,
}

impl Binary {
    pub(crate) fn zero(neg: bool) -> Binary {
        Binary { neg, mant: Big::zero(), exp: 0, class: Class::Finite }
    }

    pub(crate) fn inf(neg: bool) -> Binary {
        Binary { neg, mant: Big::zero(), exp: 0, class: Class::Inf }
    }

    pub(crate) fn nan(neg: bool) -> Binary {
        Binary { neg, mant: Big::zero(), exp: 0, class: Class::Nan }
    }

    /// Whether a finite value is below the smallest normal of `fmt`.
    pub(crate) fn is_tiny(&self, fmt: Format) -> bool {
        self.class == Class::Finite
            && (self.mant.is_zero() || self.mant.bits() - 1 + self.exp < fmt.min_lsb + fmt.prec - 1)
    }

    /// The value as an `f64`; the value must be of format [`F64`].
    pub(crate) fn to_f64(&self) -> f64 {
        let sign = if self.neg { 1u64 << 63 } else { 0 };
        let bits = match self.class {
            Class::Nan => 0x7ff8_0000_0000_0000,
            Class::Inf => 0x7ff0_0000_0000_0000,
            Class::Finite => match self.mant.to_u64() {
                Some(0) | None => 0,
                Some(m) => {
                    // Normalise: 53 significant bits, or the subnormal exponent.
                    let shift = (53 - (64 - i64::from(m.leading_zeros()))).min(self.exp - F64.min_lsb).max(0);
                    let (m, e) = (m << shift, self.exp - shift);
                    if m < 1 << 52 {
                        m // subnormal: the significand is the bit pattern
                    } else {
                        ((e + 1075) as u64) << 52 | (m & ((1 << 52) - 1))
                    }
                }
            },
        };
        f64::from_bits(sign | bits)
    }
}

/// Rounds `(-1)^neg * (big + sticky) * 2^exp` to `fmt`, where `sticky`
/// stands for a nonzero remainder below the lowest bit of `big`. Returns the
/// value and whether it is inexact. The significand of a finite result has
/// at most `fmt.prec` bits and is odd (or zero), so equal values are equal
/// representations.
pub(crate) fn round(fmt: Format, neg: bool, big: Big, exp: i64, sticky: bool) -> (Binary, bool) {
    if big.is_zero() {
        return (Binary::zero(neg), sticky);
    }
    let top = big.bits() - 1 + exp;
    let lsb = (top - (fmt.prec - 1)).max(fmt.min_lsb);
    let drop = lsb - exp;
    let (mut mant, mut exp, mut inexact) = (big, exp, sticky);
    if drop > 0 {
        let kept = mant.shr(drop);
        let half = mant.bit(drop - 1);
        let rest = sticky || mant.any_below(drop - 1);
        inexact = half || rest;
        mant = if half && (rest || kept.bit(0)) { kept.add_one() } else { kept };
        exp = lsb;
        if mant.bits() > fmt.prec {
            mant = mant.shr(1);
            exp += 1;
        }
    }
    if !mant.is_zero() && mant.bits() - 1 + exp >= fmt.max_exp {
        return (Binary::inf(neg), true);
    }
    if mant.is_zero() {
        exp = 0;
    } else {
        let tz = mant.trailing_zeros();
        if tz > 0 {
            mant = mant.shr(tz);
            exp += tz;
        }
    }
    (Binary { neg, mant, exp, class: Class::Finite }, inexact)
}

/// The number a `strtod`-style parser found at the start of a string.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Syntax {
    /// A `-` sign.
    pub(crate) neg: bool,
    /// Index of the sign, or of the number if there is none (after white space).
    pub(crate) start: usize,
    /// Index of the first byte after the number.
    pub(crate) end: usize,
    pub(crate) body: Body,
}

/// The shape of the number, with byte ranges into the scanned string.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Body {
    Inf,
    Nan,
    /// Decimal: integer digits `int.0..int.1`, fraction digits
    /// `frac.0..frac.1`, the decimal exponent (clamped to +-10^7).
    Dec {
        int: (usize, usize),
        frac: (usize, usize),
        exp: i64,
    },
    /// Hexadecimal after `0x`: like `Dec`, hex digits and a binary exponent.
    Hex {
        int: (usize, usize),
        frac: (usize, usize),
        exp: i64,
    },
}

impl Body {
    /// True if a digit of the mantissa is nonzero.
    pub(crate) fn nonzero(&self, s: &[u8]) -> bool {
        match *self {
            Body::Inf | Body::Nan => true,
            Body::Dec { int, frac, .. } | Body::Hex { int, frac, .. } => {
                s[int.0..int.1].iter().chain(&s[frac.0..frac.1]).any(|&d| d != b'0')
            }
        }
    }
}

fn starts_with_ci(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// Runs of digits (`hex`: hexadecimal) from `i`; returns the end.
fn digits_end(s: &[u8], i: usize, hex: bool) -> usize {
    let ok = |b: &u8| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
    i + s[i..].iter().position(|b| !ok(b)).unwrap_or(s.len() - i)
}

/// An exponent `marker [sign] digits` at `i`, if digits follow: the end and
/// the value, clamped to +-10^7.
fn exponent(s: &[u8], i: usize, marker: u8) -> Option<(usize, i64)> {
    if !s.get(i)?.eq_ignore_ascii_case(&marker) {
        return None;
    }
    let mut j = i + 1;
    let neg = match s.get(j) {
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
    let end = digits_end(s, j, false);
    if end == j {
        return None;
    }
    let mut e: i64 = 0;
    for &d in &s[j..end] {
        e = (e * 10 + i64::from(d - b'0')).min(10_000_000);
    }
    Some((end, if neg { -e } else { e }))
}

/// Scans what C's `strtod` (glibc) converts at the start of `s`: white
/// space, an optional sign, then `inf`/`infinity`, `nan`/`nan(chars)`, a
/// hexadecimal float (`0x1.8p3`) or a decimal float, all case-insensitive;
/// the longest valid prefix. `None` when there is no number.
pub(crate) fn scan(s: &[u8]) -> Option<Syntax> {
    let start = s.iter().position(|&b| !is_c_space(b)).unwrap_or(s.len());
    let (neg, i) = match s.get(start) {
        Some(b'-') => (true, start + 1),
        Some(b'+') => (false, start + 1),
        _ => (false, start),
    };
    let rest = &s[i..];
    if starts_with_ci(rest, b"inf") {
        let end = i + if starts_with_ci(rest, b"infinity") { 8 } else { 3 };
        return Some(Syntax { neg, start, end, body: Body::Inf });
    }
    if starts_with_ci(rest, b"nan") {
        let mut end = i + 3;
        if s.get(end) == Some(&b'(') {
            let close = end
                + 1
                + s[end + 1..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .unwrap_or(s.len() - end - 1);
            if s.get(close) == Some(&b')') {
                end = close + 1;
            }
        }
        return Some(Syntax { neg, start, end, body: Body::Nan });
    }
    let hex = starts_with_ci(rest, b"0x");
    let (at, marker) = if hex { (i + 2, b'p') } else { (i, b'e') };
    let int = (at, digits_end(s, at, hex));
    let frac = if s.get(int.1) == Some(&b'.') { (int.1 + 1, digits_end(s, int.1 + 1, hex)) } else { (int.1, int.1) };
    if int.0 == int.1 && frac.0 == frac.1 {
        // No digit: for `0x` with no hex digit after it, the `0` is the number.
        return hex.then(|| Syntax {
            neg,
            start,
            end: i + 1,
            body: Body::Dec { int: (i, i + 1), frac: (i + 1, i + 1), exp: 0 },
        });
    }
    let mut end = frac.1.max(int.1);
    let mut exp = 0;
    if let Some((e_end, e)) = exponent(s, end, marker) {
        end = e_end;
        exp = e;
    }
    let body = if hex { Body::Hex { int, frac, exp } } else { Body::Dec { int, frac, exp } };
    Some(Syntax { neg, start, end, body })
}

/// Converts a scanned number exactly, rounding once to `fmt`. Returns the
/// value and whether it is inexact.
pub(crate) fn convert(s: &[u8], syn: &Syntax, fmt: Format) -> (Binary, bool) {
    let neg = syn.neg;
    match syn.body {
        Body::Inf => (Binary::inf(neg), false),
        Body::Nan => (Binary::nan(neg), false),
        Body::Hex { int, frac, exp } => {
            let mut mant = Big::zero();
            let mut sticky = false;
            let mut frac_digits = 0i64;
            // Digits beyond what any format needs only matter as sticky bits.
            let mut used_digits = 0;
            let mut skipped_int = 0i64;
            for (k, &c) in s[int.0..int.1].iter().chain(&s[frac.0..frac.1]).enumerate() {
                let d = (c as char).to_digit(16).unwrap_or(0);
                let in_frac = k >= int.1 - int.0;
                if mant.is_zero() && d == 0 {
                    if in_frac {
                        frac_digits += 1;
                    }
                    continue;
                }
                if used_digits < 40 {
                    mant.mul_add_small(16, d);
                    used_digits += 1;
                    if in_frac {
                        frac_digits += 1;
                    }
                } else {
                    sticky |= d != 0;
                    if !in_frac {
                        skipped_int += 1;
                    }
                }
            }
            round(fmt, neg, mant, exp + 4 * (skipped_int - frac_digits), sticky)
        }
        Body::Dec { int, frac, exp } => {
            // Past `cap` significant digits the rest only decides as a sticky
            // digit: a halfway point between two doubles has at most 767
            // significant digits (x87: below 12000).
            let cap = if fmt.prec <= F64.prec { 800 } else { 12_000 };
            let mut digits = Big::zero();
            let (mut count, mut frac_digits, mut dropped, mut sticky) = (0i64, 0i64, 0i64, false);
            for (k, &c) in s[int.0..int.1].iter().chain(&s[frac.0..frac.1]).enumerate() {
                if k >= int.1 - int.0 {
                    frac_digits += 1;
                }
                if digits.is_zero() && c == b'0' {
                    continue;
                }
                if count < cap {
                    digits.mul_add_small(10, u32::from(c - b'0'));
                    count += 1;
                } else {
                    dropped += 1;
                    sticky |= c != b'0';
                }
            }
            let mut p = exp - frac_digits + dropped;
            if sticky {
                digits.mul_add_small(10, 1);
                p -= 1;
            }
            if digits.is_zero() {
                return (Binary::zero(neg), false);
            }
            // value = digits * 10^p, |value| ~ 10^(p + count).
            if p + count > 5000 {
                return (Binary::inf(neg), true);
            }
            if p + count < -5000 {
                return (Binary::zero(neg), true);
            }
            if p >= 0 {
                return round(fmt, neg, digits.mul(&Big::pow10(p as u32)), 0, false);
            }
            let m = Big::pow10((-p) as u32);
            let k = (fmt.prec + 3 + m.bits() - digits.bits()).max(0);
            let (q, rem) = digits.shl(k).div(&m);
            round(fmt, neg, q, -k, rem)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_of(s: &str) -> (f64, bool, usize) {
        let syn = scan(s.as_bytes()).unwrap();
        let (v, inexact) = convert(s.as_bytes(), &syn, F64);
        (v.to_f64(), inexact, syn.end)
    }

    #[test]
    fn exact_conversion_matches_rust() {
        for s in [
            "1.5",
            "0.1",
            "-2.5e-3",
            "123456789012345678901234567890",
            "4.9e-324",
            "2.4703282292062328e-324",
            "2.2250738585072011e-308",
            "1.7976931348623157e308",
            "9007199254740993",
            "0.000001",
            "1e-320",
        ] {
            let want: f64 = s.parse().unwrap();
            assert_eq!(f64_of(s).0.to_bits(), want.to_bits(), "{s}");
        }
        assert_eq!(f64_of("1.7976931348623159e308").0, f64::INFINITY);
        assert_eq!(f64_of("2.4703282292062327e-324").0, 0.0);
    }

    #[test]
    fn hex_rounds_once() {
        assert_eq!(f64_of("0x1p3"), (8.0, false, 5));
        assert_eq!(f64_of("0x1.000000000000080000001p0").0, 1.0000000000000002);
        assert_eq!(f64_of("0x1.00000000000008p0"), (1.0, true, 20));
        assert_eq!(f64_of("0x1.00000000000018p0").0, 1.0000000000000004);
        assert_eq!(f64_of("0x0.000000000000081p-1022").0, 5e-324);
        assert_eq!(f64_of("0x0.00000000000008p-1022").0, 0.0);
        assert_eq!(f64_of("0x.8"), (0.5, false, 4));
        assert_eq!(f64_of("0x1fffffffffffff.8p0").0, 9007199254740992.0);
        assert_eq!(f64_of("0x10000000000000000000000000000000000000000000001p0").0, 2f64.powi(184));
        assert_eq!(f64_of("0x1p1024").0, f64::INFINITY);
        assert_eq!(f64_of("0x"), (0.0, false, 1));
        assert_eq!(f64_of("0x1p").2, 3);
        assert_eq!(f64_of("0x0.0000000000000000000000000000000000000000000000001p200").0, 2f64.powi(4));
    }

    #[test]
    fn syntax() {
        let end = |s: &str| scan(s.as_bytes()).map(|x| x.end);
        assert_eq!(end(" \t-1.5e+3x"), Some(9));
        assert_eq!(end("1e"), Some(1));
        assert_eq!(end("1e+"), Some(1));
        assert_eq!(end(".5"), Some(2));
        assert_eq!(end("5."), Some(2));
        assert_eq!(end("."), None);
        assert_eq!(end("-"), None);
        assert_eq!(end(""), None);
        assert_eq!(end("infinity!"), Some(8));
        assert_eq!(end("INFINIT"), Some(3));
        assert_eq!(end("nan(abc_1)x"), Some(10));
        assert_eq!(end("nan(abc"), Some(3));
        assert_eq!(end("nanx"), Some(3));
    }
}
