//! Property tests: every parser against every formatter, and the parsers
//! against Rust's own on the inputs where both must agree.

use ember_num::*;
use proptest::prelude::*;

fn g(v: f64, p: u8) -> Vec<u8> {
    format_g(v, p, &mut [0u8; FLOAT_BUF_LEN]).to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn integers_round_trip(v in any::<i64>()) {
        let mut buf = [0u8; INT_BUF_LEN];
        let text = format_i64(v, &mut buf);
        let want = v.to_string();
        prop_assert_eq!(text, want.as_bytes());
        prop_assert_eq!(parse_i64(text), Some(v));
        prop_assert_eq!(parse_i64_lenient(text), Some(v));
        let c = strtoll(text);
        prop_assert_eq!((c.value, c.used, c.overflow), (v, text.len(), false));
    }

    #[test]
    fn unsigned_round_trip(v in any::<u64>()) {
        let mut buf = [0u8; INT_BUF_LEN];
        let text = format_u64(v, &mut buf);
        let want = v.to_string();
        prop_assert_eq!(text, want.as_bytes());
        prop_assert_eq!(string2ull(text), Some(v));
        let c = strtoull(text);
        prop_assert_eq!((c.value, c.used, c.overflow), (v, text.len(), false));
    }

    /// string2ll accepts exactly the canonical text of an i64.
    #[test]
    fn strict_integers_are_canonical(s in "[-+ 0]?[0-9]{0,21}[ a]?") {
        let canonical = s.parse::<i64>().ok().filter(|v| v.to_string() == s);
        prop_assert_eq!(parse_i64(s.as_bytes()), canonical);
    }

    /// strtoll/strtoull read what Rust reads, after C white space.
    #[test]
    fn c_prefixes_match_rust(ws in "[ \t\n]{0,2}", sign in "[-+]?", digits in "[0-9]{1,22}", tail in "[x .]?") {
        let s = format!("{ws}{sign}{digits}{tail}");
        let used = ws.len() + sign.len() + digits.len();
        let wide: i128 = format!("{sign}{digits}").parse().unwrap();
        let ll = strtoll(s.as_bytes());
        prop_assert_eq!(ll.used, used);
        prop_assert_eq!(ll.overflow, i64::try_from(wide).is_err());
        if let Ok(v) = i64::try_from(wide) {
            prop_assert_eq!(ll.value, v);
        }
        let ull = strtoull(s.as_bytes());
        prop_assert_eq!(ull.used, used);
        prop_assert_eq!(ull.overflow, u64::try_from(wide.unsigned_abs()).is_err());
    }

    /// `%.17g` always parses back to the same double, through every parser.
    #[test]
    fn g17_round_trips(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(!v.is_nan());
        let text = g(v, 17);
        let r = strtod(&text);
        prop_assert_eq!((r.value.to_bits(), r.used), (bits, text.len()));
        prop_assert_eq!(parse_f64(&text).map(f64::to_bits), Some(bits));
        let rust: f64 = std::str::from_utf8(&text).unwrap().parse().unwrap();
        prop_assert_eq!(rust.to_bits(), bits);
    }

    /// Fewer digits: the text is the value rounded to `p` significant digits.
    #[test]
    fn g_keeps_p_digits(bits in any::<u64>(), p in 1u8..=17) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        let text = g(v, p);
        let rounded: f64 = format!("{:.*e}", usize::from(p) - 1, v).parse().unwrap();
        prop_assert_eq!(strtod(&text).value.to_bits(), rounded.to_bits());
        let digits = text.iter().take_while(|&&c| c != b'e').filter(|c| c.is_ascii_digit()).count();
        prop_assert!(digits <= usize::from(p).max(1) + 4, "{}", String::from_utf8_lossy(&text));
    }

    #[test]
    fn d2string_round_trips(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(!v.is_nan());
        let text = format_d2string(v, &mut [0u8; FLOAT_BUF_LEN]).to_vec();
        let back = parse_f64(&text).unwrap();
        // Negative zero is written as the integer 0.
        prop_assert_eq!(back.to_bits(), if v == 0.0 { 0 } else { bits });
    }

    /// strtod agrees with Rust's correctly rounded parser on decimals.
    #[test]
    fn strtod_matches_rust(s in "[-+]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][-+]?[0-9]{1,3})?") {
        let r = strtod(s.as_bytes());
        match s.parse::<f64>() {
            Ok(v) => {
                prop_assert_eq!(r.value.to_bits(), v.to_bits());
                prop_assert_eq!(r.used, s.len());
            }
            Err(_) => prop_assert!(r.used < s.len() || s.is_empty()),
        }
    }

    /// No input makes a parser panic or read past its end.
    #[test]
    fn parsers_take_any_bytes(s in proptest::collection::vec(any::<u8>(), 0..40)) {
        let r = strtod(&s);
        prop_assert!(r.used <= s.len());
        let _ = parse_f64(&s);
        let _ = parse_i64(&s);
        let _ = parse_i64_lenient(&s);
        let _ = string2ull(&s);
        prop_assert!(strtoll(&s).used <= s.len());
        prop_assert!(strtoull(&s).used <= s.len());
        if let Some(v) = LongDouble::parse(&s) {
            let _ = v.add(&v).to_human();
        }
    }

    /// Number-like bytes reach the slow paths (hex, tiny, long mantissas).
    #[test]
    fn parsers_take_number_like_text(s in "[ ]?[-+]?(0[xX])?[0-9a-fA-F.]{0,30}([pPeE][-+]?[0-9]{0,5})?") {
        let r = strtod(s.as_bytes());
        prop_assert!(r.used <= s.len());
        if let Some(v) = parse_f64(s.as_bytes()) {
            prop_assert!(!v.is_nan());
            prop_assert_eq!(strtod(&g(v, 17)).value.to_bits(), v.to_bits());
        }
        if let Some(v) = LongDouble::parse(s.as_bytes()) {
            prop_assert!(!v.is_nan());
        }
    }

    /// Sums of two integers are exact in 80 bits while below 2^64.
    #[test]
    fn long_double_integer_sums(a in any::<i64>(), b in any::<i64>()) {
        let sum = i128::from(a) + i128::from(b);
        let ld = LongDouble::from_i64(a).add(&LongDouble::from_i64(b));
        if sum.unsigned_abs() < 1 << 64 {
            prop_assert_eq!(ld.to_human(), sum.to_string());
        }
        prop_assert_eq!(LongDouble::parse(a.to_string().as_bytes()), Some(LongDouble::from_i64(a)));
        prop_assert_eq!(LongDouble::from_i64(a).to_i64(), Some(a));
    }

    /// A double's exact decimal expansion parses to that double as a long
    /// double (every double is one), and its `%.17Lf` text is that value
    /// rounded to 17 decimals.
    #[test]
    fn long_double_holds_doubles(a in -10.0f64..10.0, k in -9i32..29) {
        let v = a * 10f64.powi(k);
        let exact = format!("{v:.1100}");
        let ld = LongDouble::parse(exact.as_bytes()).unwrap();
        // Rust's `{:.17}` rounds the exact binary value, as glibc does.
        let mut want = format!("{v:.17}");
        let trimmed = want.trim_end_matches('0').trim_end_matches('.').len();
        want.truncate(trimmed);
        if want == "-0" {
            want = "0".into();
        }
        prop_assert_eq!(ld.to_human(), want);
    }
}
