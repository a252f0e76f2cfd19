//! Redis-style glob matching for KEYS, SCAN MATCH, PSUBSCRIBE and friends
//! ([`glob_match`]).
//!
//! Supported syntax, with Redis's edge-case behaviour:
//!
//! * `*` any run of bytes, `?` any one byte;
//! * `[abc]` a set, `[^abc]` its complement, `[a-z]` a range (a reversed
//!   range such as `[z-a]` is the same as `[a-z]`);
//! * `\x` matches `x` literally, outside and inside brackets (a trailing lone
//!   `\` matches a backslash);
//! * an unterminated `[` takes the rest of the pattern as the set (`[abc`
//!   matches one of `a`, `b`, `c`);
//! * `-` right before the closing `]` forms a range with `]` itself, as in
//!   Redis (`[a-]` is the range `]`..`a`).
//!
//! With `nocase`, ASCII letters compare case-insensitively (but an escaped
//! byte inside brackets compares exactly, as in Redis).
//!
//! Every token other than `*` matches exactly one byte, so the classic
//! single-backtrack-point algorithm is exact: on a mismatch, retry from the
//! most recent `*` consuming one more byte. This takes O(pattern × input)
//! time at worst; patterns such as `a*a*a*a*b` cannot blow up.

#[inline]
fn fold(c: u8, nocase: bool) -> u8 {
    if nocase {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

/// Matches the single-byte token at `p[pi]` (not `*`) against `c`. Returns
/// whether it matched and the index just past the token.
fn match_token(p: &[u8], pi: usize, c: u8, nocase: bool) -> (bool, usize) {
    match p[pi] {
        b'?' => (true, pi + 1),
        b'\\' if pi + 1 < p.len() => (fold(p[pi + 1], nocase) == fold(c, nocase), pi + 2),
        b'[' => match_class(p, pi + 1, c, nocase),
        lit => (fold(lit, nocase) == fold(c, nocase), pi + 1),
    }
}

/// Matches a bracket expression whose body starts at `p[i]` (just after `[`).
fn match_class(p: &[u8], mut i: usize, c: u8, nocase: bool) -> (bool, usize) {
    let negate = p.get(i) == Some(&b'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let end = loop {
        let rest = p.len().saturating_sub(i);
        if rest >= 2 && p[i] == b'\\' {
            i += 1;
            if p[i] == c {
                matched = true;
            }
        } else if rest >= 1 && p[i] == b']' {
            break i + 1;
        } else if rest == 0 {
            // Unterminated: the set ran to the end of the pattern.
            break p.len();
        } else if rest >= 3 && p[i + 1] == b'-' {
            let (mut lo, mut hi) = (p[i], p[i + 2]);
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            let (lo, hi, x) = (fold(lo, nocase), fold(hi, nocase), fold(c, nocase));
            if lo <= x && x <= hi {
                matched = true;
            }
            i += 2;
        } else if fold(p[i], nocase) == fold(c, nocase) {
            matched = true;
        }
        i += 1;
    };
    (matched != negate, end)
}

/// True if `s` matches the glob `pattern` (see the module docs for the
/// syntax). With `nocase`, ASCII letters match regardless of case.
///
/// ```
/// use ember_store::glob_match;
///
/// assert!(glob_match(b"user:*:name", b"user:42:name", false));
/// assert!(glob_match(b"h[ae]llo", b"hallo", false));
/// assert!(!glob_match(b"h[^e]llo", b"hello", false));
/// assert!(glob_match(b"HELLO", b"hello", true));
/// ```
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let p = pattern;
    let (mut pi, mut si) = (0, 0);
    // Pattern index just after the last `*`, and the input index it is
    // currently assumed to have consumed up to.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if si == s.len() {
            return p[pi..].iter().all(|&c| c == b'*');
        }
        if pi < p.len() {
            if p[pi] == b'*' {
                while pi < p.len() && p[pi] == b'*' {
                    pi += 1;
                }
                if pi == p.len() {
                    return true;
                }
                star = Some((pi, si));
                continue;
            }
            let (ok, next) = match_token(p, pi, s[si], nocase);
            if ok {
                pi = next;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                star = Some((sp, ss + 1));
                pi = sp;
                si = ss + 1;
            }
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(pattern: &str, input: &str, nocase: bool, want: bool) {
        assert_eq!(
            glob_match(pattern.as_bytes(), input.as_bytes(), nocase),
            want,
            "pattern {pattern:?} input {input:?} nocase {nocase}"
        );
    }

    #[test]
    fn table() {
        // (pattern, input, nocase, expected)
        let cases: &[(&str, &str, bool, bool)] = &[
            ("", "", false, true),
            ("", "a", false, false),
            ("*", "", false, true),
            ("*", "anything", false, true),
            ("**", "", false, true),
            ("a", "a", false, true),
            ("a", "A", false, false),
            ("a", "A", true, true),
            ("abc", "abcd", false, false),
            ("abc", "ab", false, false),
            ("h?llo", "hello", false, true),
            ("h?llo", "hllo", false, false),
            ("?", "", false, false),
            ("h*llo", "hllo", false, true),
            ("h*llo", "heeeello", false, true),
            ("h*llo", "heeeellox", false, false),
            ("*llo", "hello", false, true),
            ("he*", "hello", false, true),
            ("*l*", "hello", false, true),
            ("*x*", "hello", false, false),
            ("a*b*c", "aXXbYYc", false, true),
            ("a*b*c", "aXXcYYb", false, false),
            ("*a", "aaaa", false, true),
            ("a*a", "a", false, false),
            ("h[ae]llo", "hello", false, true),
            ("h[ae]llo", "hallo", false, true),
            ("h[ae]llo", "hillo", false, false),
            ("h[^e]llo", "hallo", false, true),
            ("h[^e]llo", "hello", false, false),
            ("h[a-b]llo", "hbllo", false, true),
            ("h[a-b]llo", "hcllo", false, false),
            ("[z-a]", "m", false, true),
            ("[z-a]", "A", false, false),
            ("[A-Z]", "q", true, true),
            ("[a-z]", "Q", true, true),
            ("[a-z]", "Q", false, false),
            ("[abc]", "B", true, true),
            ("[^abc]", "B", true, false),
            ("[]", "]", false, false),
            ("[]]", "]", false, false),
            ("[\\]]", "]", false, true),
            ("[\\a]", "a", false, true),
            ("[\\a]", "A", true, false),
            ("[a\\-z]", "-", false, true),
            ("[a\\-z]", "b", false, false),
            ("[a-]", "a", false, true),
            ("[a-]", "_", false, true),
            ("[a-]", "]", false, true),
            ("[a-]", "b", false, false),
            ("[a-]", "-", false, false),
            ("[-a]", "-", false, true),
            ("[", "[", false, false),
            ("[", "", false, false),
            ("[abc", "b", false, true),
            ("[abc", "d", false, false),
            ("x[abc", "xc", false, true),
            ("[^", "x", false, true),
            ("[^", "", false, false),
            ("[^a", "b", false, true),
            ("[^a", "a", false, false),
            ("[a-", "a", false, true),
            ("[a-", "-", false, true),
            ("\\*", "*", false, true),
            ("\\*", "a", false, false),
            ("\\?", "?", false, true),
            ("\\[a]", "[a]", false, true),
            ("\\a", "a", false, true),
            ("\\a", "A", true, true),
            ("\\", "\\", false, true),
            ("a\\", "a\\", false, true),
            ("\\\\", "\\", false, true),
            ("*\\*", "abc*", false, true),
            ("*\\*", "abc", false, false),
            ("user:*", "user:1000", false, true),
            ("user:*", "users:1000", false, false),
            ("*[0-9]", "key5", false, true),
            ("*[0-9]", "key", false, false),
            ("k*?", "k", false, false),
            ("k*?", "kx", false, true),
            ("*?*?*", "a", false, false),
            ("*?*?*", "ab", false, true),
        ];
        for &(pattern, input, nocase, want) in cases {
            check(pattern, input, nocase, want);
        }
    }

    #[test]
    fn binary_bytes() {
        assert!(glob_match(b"\x00*\xff", b"\x00abc\xff", false));
        assert!(glob_match(b"[\x80-\xff]", b"\x90", false));
        assert!(!glob_match(b"[\x80-\xff]", b"\x10", false));
    }

    #[test]
    fn no_exponential_blowup() {
        let pattern = "a*".repeat(60) + "b";
        let input = "a".repeat(5000);
        let start = std::time::Instant::now();
        assert!(!glob_match(pattern.as_bytes(), input.as_bytes(), false));
        // Quadratic work here is ~300k token steps; exponential would never end.
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    /// A reference matcher: recursive, exponential, obviously following the
    /// rules (token parsing shared with the real matcher).
    fn reference(p: &[u8], s: &[u8], nocase: bool) -> bool {
        if p.is_empty() {
            return s.is_empty();
        }
        if p[0] == b'*' {
            return (0..=s.len()).any(|k| reference(&p[1..], &s[k..], nocase));
        }
        match s.first() {
            None => false,
            Some(&c) => {
                let (ok, next) = match_token(p, 0, c, nocase);
                ok && reference(&p[next..], &s[1..], nocase)
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_reference(
            p in proptest::collection::vec(prop_oneof![Just(b'*'), Just(b'?'), Just(b'['), Just(b']'),
                Just(b'^'), Just(b'-'), Just(b'\\'), Just(b'a'), Just(b'b'), Just(b'A')], 0..9),
            s in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'A'), Just(b'-'),
                Just(b']'), Just(b'*')], 0..8),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(glob_match(&p, &s, nocase), reference(&p, &s, nocase));
        }
    }
}
