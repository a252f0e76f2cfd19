//! Splitting an inline request line (`SET "a b" 'c'`) into arguments with the
//! quoting rules Redis applies to inline commands.
//!
//! The rules (as documented behaviour of Redis's inline protocol):
//! - arguments are separated by runs of whitespace (space, tab, CR, LF, VT, FF
//!   before an argument; space, tab, CR, LF end an unquoted one);
//! - `"..."` supports the escapes `\n \r \t \b \a`, `\xHH` (two hex digits), and
//!   `\` followed by any other byte yields that byte (so `\"` and `\\`);
//! - `'...'` supports only `\'`;
//! - a quote may start in the middle of an argument (`a"b c"` is `ab c`);
//! - a closing quote must be followed by whitespace or the end of the line;
//! - an unterminated quote is an error.
//!
//! Unlike Redis's C-string splitter, a NUL byte is an ordinary byte here.

/// `isspace` in the C locale.
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits `line` (without its line terminator), appending the unescaped
/// arguments to `out` and their ranges in `out` to `args`.
///
/// On a quoting error returns the offset within `line` of the byte that broke
/// the rules (or `line.len()` for an unterminated quote).
pub(crate) fn split(line: &[u8], out: &mut Vec<u8>, args: &mut Vec<(usize, usize)>) -> Result<(), usize> {
    let n = line.len();
    let mut i = 0;
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i == n {
            return Ok(());
        }
        let start = out.len();
        // 0: unquoted, 1: inside "...", 2: inside '...'.
        let mut quote = 0u8;
        loop {
            match quote {
                1 => {
                    let Some(&c) = line.get(i) else {
                        return Err(n);
                    };
                    if c == b'\\' {
                        match line.get(i + 1) {
                            Some(b'x') => {
                                let hi = line.get(i + 2).copied().and_then(hex_value);
                                let lo = line.get(i + 3).copied().and_then(hex_value);
                                if let (Some(hi), Some(lo)) = (hi, lo) {
                                    out.push(hi << 4 | lo);
                                    i += 4;
                                } else {
                                    out.push(b'x');
                                    i += 2;
                                }
                            }
                            Some(&e) => {
                                out.push(match e {
                                    b'n' => b'\n',
                                    b'r' => b'\r',
                                    b't' => b'\t',
                                    b'b' => 0x08,
                                    b'a' => 0x07,
                                    other => other,
                                });
                                i += 2;
                            }
                            None => return Err(n),
                        }
                    } else if c == b'"' {
                        if line.get(i + 1).is_some_and(|&b| !is_space(b)) {
                            return Err(i + 1);
                        }
                        i += 1;
                        break;
                    } else {
                        out.push(c);
                        i += 1;
                    }
                }
                2 => {
                    let Some(&c) = line.get(i) else {
                        return Err(n);
                    };
                    if c == b'\\' && line.get(i + 1) == Some(&b'\'') {
                        out.push(b'\'');
                        i += 2;
                    } else if c == b'\'' {
                        if line.get(i + 1).is_some_and(|&b| !is_space(b)) {
                            return Err(i + 1);
                        }
                        i += 1;
                        break;
                    } else {
                        out.push(c);
                        i += 1;
                    }
                }
                _ => {
                    let Some(&c) = line.get(i) else {
                        break;
                    };
                    match c {
                        b' ' | b'\t' | b'\n' | b'\r' => break,
                        b'"' => quote = 1,
                        b'\'' => quote = 2,
                        _ => out.push(c),
                    }
                    i += 1;
                }
            }
        }
        args.push((start, out.len()));
    }
}

/// Splits a line with the inline-command quoting rules (the same rules
/// redis.conf lines use) into owned arguments. On a quoting error returns the
/// offset of the byte that broke the rules.
///
/// ```
/// let args = ember_resp::split_inline(br#"save "" 'a b' "\x41""#).unwrap();
/// assert_eq!(args, vec![b"save".to_vec(), b"".to_vec(), b"a b".to_vec(), b"A".to_vec()]);
/// assert!(ember_resp::split_inline(b"port \"6379").is_err());
/// ```
pub fn split_inline(line: &[u8]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::new();
    let mut ranges = Vec::new();
    split(line, &mut out, &mut ranges)?;
    Ok(ranges.iter().map(|&(s, e)| out[s..e].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &[u8], expected: Result<&[&[u8]], usize>) {
        let mut out = Vec::new();
        let mut args = Vec::new();
        let got = split(line, &mut out, &mut args)
            .map(|()| args.iter().map(|&(s, e)| out[s..e].to_vec()).collect::<Vec<_>>());
        let expected = expected.map(|a| a.iter().map(|x| x.to_vec()).collect::<Vec<_>>());
        assert_eq!(got, expected, "line {:?}", String::from_utf8_lossy(line));
    }

    #[test]
    fn splitting_rules() {
        check(b"", Ok(&[]));
        check(b"   \t ", Ok(&[]));
        check(b"PING", Ok(&[b"PING"]));
        check(b"  SET a  b\t c ", Ok(&[b"SET", b"a", b"b", b"c"]));
        check(b"\x0bx\x0cy", Ok(&[b"x\x0cy"]));
        check(b"a\rb", Ok(&[b"a", b"b"]));
        check(b"a\0b", Ok(&[b"a\0b"]));
        check(br#"SET "a b" c"#, Ok(&[b"SET", b"a b", b"c"]));
        check(br#""""#, Ok(&[b""]));
        check(br#""\n\r\t\b\a\\\"\q""#, Ok(&[b"\n\r\t\x08\x07\\\"q"]));
        check(br#""\x41\x6a\xZZ\x4""#, Ok(&[b"AjxZZx4"]));
        check(br#"'a\'b\n'"#, Ok(&[b"a'b\\n"]));
        check(br#"'a"b'"#, Ok(&[b"a\"b"]));
        check(br#"a"b c"d"#, Err(6));
        check(br#"a"b c""#, Ok(&[b"ab c"]));
        check(br#"x'y z'"#, Ok(&[b"xy z"]));
        check(br#""abc"#, Err(4));
        check(br#"'abc"#, Err(4));
        check(br#""abc"d"#, Err(5));
        check(br#"'abc'd"#, Err(5));
        check(br#""abc\"#, Err(5));
        check(b"\"abc\"\x0b", Ok(&[b"abc"]));
        check(b"'\\x41'", Ok(&[b"\\x41"]));
    }
}
