//! Number <-> text conversions with Redis's exact rules: which strings count as
//! integers (for int-encoded strings, intsets, listpack/ziplist integer
//! entries) and how sorted-set scores are written as text.

/// Parses `s` as a signed 64-bit integer only if `s` is its canonical decimal
/// form: optional `-`, no `+`, no leading zeros, no spaces, not `-0`, 1 to 20
/// bytes. This is the test Redis applies before storing a string as an integer,
/// so the integer always prints back to the same bytes.
pub fn parse_canonical_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate as a negative number so that i64::MIN is reachable.
    let mut acc: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        acc = acc.checked_mul(10)?.checked_sub(i64::from(d - b'0'))?;
    }
    if negative {
        Some(acc)
    } else {
        acc.checked_neg()
    }
}

/// The decimal form of `v` as bytes.
pub fn i64_to_bytes(v: i64) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// The text form of a sorted-set score, as stored in listpack/ziplist zsets
/// and in RDB type 3: integral values as integers (which listpacks then store
/// in integer form), `inf`/`-inf`, `-0` for negative zero, otherwise the
/// shortest text that parses back to the same double.
pub fn score_to_bytes(score: f64) -> Vec<u8> {
    score_text(score, &mut [0u8; SCORE_TEXT_MAX]).to_vec()
}

/// Room [`score_text`] needs: sign, 17 significant digits, point, exponent.
pub(crate) const SCORE_TEXT_MAX: usize = 32;

/// [`score_to_bytes`], formatted into `buf`.
pub(crate) fn score_text(score: f64, buf: &mut [u8; SCORE_TEXT_MAX]) -> &[u8] {
    if score == 0.0 {
        return if score.is_sign_negative() { b"-0" } else { b"0" };
    }
    if score.is_infinite() {
        return if score > 0.0 { b"inf" } else { b"-inf" };
    }
    if let Some(i) = f64_as_exact_i64(score) {
        let mut digits = [0u8; 20];
        let d = crate::elements::format_i64(i, &mut digits);
        buf[..d.len()].copy_from_slice(d);
        return &buf[..d.len()];
    }
    // `{:?}` is the shortest round-trip form, with an exponent for very large
    // or small magnitudes (e.g. `1e300`, `1.5e-7`), which strtod accepts.
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    write!(cursor, "{score:?}").expect("a score's text fits 32 bytes");
    let n = cursor.position() as usize;
    &buf[..n]
}

/// `v` as an i64 if it is integral and exactly representable.
pub fn f64_as_exact_i64(v: f64) -> Option<i64> {
    // 2^63 is exactly representable; every integral double strictly inside
    // (-2^63, 2^63) converts exactly, and -2^63 itself is i64::MIN.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if v.is_finite() && v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
        #[allow(clippy::cast_possible_truncation)]
        Some(v as i64)
    } else {
        None
    }
}

/// Parses a score written as text (listpack/ziplist zsets, RDB type 3 scores).
/// Accepts what `strtod` accepts for decimal input, including `inf`, `-inf`
/// and exponents; rejects NaN (Redis refuses NaN scores) and empty input.
pub fn parse_score(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    let v: f64 = text.parse().ok()?;
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integers() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"1", Some(1)),
            (b"-1", Some(-1)),
            (b"123", Some(123)),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"9223372036854775808", None),
            (b"-9223372036854775809", None),
            (b"-0", None),
            (b"01", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"", None),
            (b"-", None),
            (b"1a", None),
            (b"00", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(parse_canonical_i64(input), expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn scores_round_trip() {
        for v in [0.0, -0.0, 1.0, -1.5, 0.1, 1e300, -1e-300, f64::INFINITY, f64::NEG_INFINITY, 9.007199254740993e15] {
            let text = score_to_bytes(v);
            let back = parse_score(&text).unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{v} -> {}", String::from_utf8_lossy(&text));
        }
        assert_eq!(score_to_bytes(3.0), b"3");
        assert_eq!(parse_score(b"nan"), None);
    }

    proptest::proptest! {
        #[test]
        fn integers_round_trip(v in proptest::prelude::any::<i64>()) {
            proptest::prop_assert_eq!(parse_canonical_i64(&i64_to_bytes(v)), Some(v));
        }

        #[test]
        fn any_score_round_trips(bits in proptest::prelude::any::<u64>()) {
            let v = f64::from_bits(bits);
            if !v.is_nan() {
                proptest::prop_assert_eq!(parse_score(&score_to_bytes(v)).map(f64::to_bits), Some(bits));
            }
        }
    }
}
