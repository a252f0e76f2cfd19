//! [`ProtocolError`]: every way a byte stream can fail to be RESP, with the
//! offset where it was detected and the exact text Redis replies with.

use std::borrow::Cow;
use std::fmt;

/// A protocol violation found while decoding.
///
/// Every variant carries `offset`: the position, counted from the start of the
/// command or frame being decoded (the front of the caller's buffer), of the
/// first byte of the offending line or payload, or of the byte where a size limit
/// was crossed.
///
/// The first nine variants are the request errors Redis reports;
/// [`message`](Self::message) gives their exact client-facing text. The others
/// come only from [`FrameDecoder`](crate::FrameDecoder) (replies and RESP3 types).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolError {
    /// A bulk length that is not a number, negative, or above `max_bulk_len`.
    InvalidBulkLength {
        /// Offset of the `$` line.
        offset: usize,
    },
    /// A multibulk (aggregate) count that is not a number or above
    /// `max_multibulk_len`.
    InvalidMultibulkLength {
        /// Offset of the `*` line.
        offset: usize,
    },
    /// A multibulk request element that does not start with `$`.
    ExpectedDollar {
        /// The byte found instead.
        got: u8,
        /// Offset of that byte.
        offset: usize,
    },
    /// An inline request line longer than `max_inline_len`.
    TooBigInlineRequest {
        /// Offset where the limit was crossed.
        offset: usize,
    },
    /// A `*` count line longer than `max_inline_len`.
    TooBigMultibulkCountString {
        /// Offset where the limit was crossed.
        offset: usize,
    },
    /// A `$` length line longer than `max_inline_len`.
    TooBigBulkCountString {
        /// Offset where the limit was crossed.
        offset: usize,
    },
    /// An inline request with an unterminated quote, or a closing quote not
    /// followed by a space.
    UnbalancedQuotes {
        /// Offset (within the line) of the byte that broke the quoting rules.
        offset: usize,
    },
    /// More than 10 arguments from a client that has not authenticated.
    UnauthenticatedMultibulkLength {
        /// Offset of the `*` line.
        offset: usize,
    },
    /// A bulk longer than 16384 bytes from a client that has not authenticated.
    UnauthenticatedBulkLength {
        /// Offset of the `$` line.
        offset: usize,
    },
    /// A frame starting with a byte that is no RESP2/RESP3 type marker.
    InvalidFrameType {
        /// The byte found.
        got: u8,
        /// Offset of that byte.
        offset: usize,
    },
    /// A `:` line that is not a signed 64-bit integer.
    InvalidInteger {
        /// Offset of the line.
        offset: usize,
    },
    /// A `,` line that is not a double.
    InvalidDouble {
        /// Offset of the line.
        offset: usize,
    },
    /// A `#` line other than `#t` or `#f`.
    InvalidBoolean {
        /// Offset of the line.
        offset: usize,
    },
    /// A `(` line that is not an optionally signed run of digits.
    InvalidBigNumber {
        /// Offset of the line.
        offset: usize,
    },
    /// A `=` payload shorter than 4 bytes or without `:` after the format.
    InvalidVerbatim {
        /// Offset of the payload.
        offset: usize,
    },
    /// A line or payload not terminated by CRLF (or a `_` line with content).
    ExpectedCrlf {
        /// Offset where CRLF was expected.
        offset: usize,
    },
    /// A reply line longer than `max_inline_len`.
    LineTooLong {
        /// Offset where the limit was crossed.
        offset: usize,
    },
    /// Aggregates nested deeper than `max_depth`.
    TooDeep {
        /// The limit in force.
        max_depth: usize,
        /// Offset of the aggregate header that crossed it.
        offset: usize,
    },
}

impl ProtocolError {
    /// Where the error was detected, counted from the start of the command or frame.
    pub fn offset(&self) -> usize {
        use ProtocolError::*;
        match *self {
            InvalidBulkLength { offset }
            | InvalidMultibulkLength { offset }
            | ExpectedDollar { offset, .. }
            | TooBigInlineRequest { offset }
            | TooBigMultibulkCountString { offset }
            | TooBigBulkCountString { offset }
            | UnbalancedQuotes { offset }
            | UnauthenticatedMultibulkLength { offset }
            | UnauthenticatedBulkLength { offset }
            | InvalidFrameType { offset, .. }
            | InvalidInteger { offset }
            | InvalidDouble { offset }
            | InvalidBoolean { offset }
            | InvalidBigNumber { offset }
            | InvalidVerbatim { offset }
            | ExpectedCrlf { offset }
            | LineTooLong { offset }
            | TooDeep { offset, .. } => offset,
        }
    }

    /// The exact text to send to the client after `-ERR ` (no CRLF), e.g.
    /// `Protocol error: invalid bulk length`.
    ///
    /// Bytes rather than `str` because `expected '$', got 'x'` quotes the raw
    /// byte received, as Redis does; CR and LF there are replaced by spaces so the
    /// text is always a valid error line. Borrowed for every variant but the two
    /// that quote a byte.
    pub fn message(&self) -> Cow<'static, [u8]> {
        use ProtocolError::*;
        let fixed: &'static str = match *self {
            InvalidBulkLength { .. } => "Protocol error: invalid bulk length",
            InvalidMultibulkLength { .. } => "Protocol error: invalid multibulk length",
            ExpectedDollar { got, .. } => return Cow::Owned(quoted(b"Protocol error: expected '$', got '", got)),
            TooBigInlineRequest { .. } => "Protocol error: too big inline request",
            TooBigMultibulkCountString { .. } => "Protocol error: too big mbulk count string",
            TooBigBulkCountString { .. } => "Protocol error: too big bulk count string",
            UnbalancedQuotes { .. } => "Protocol error: unbalanced quotes in request",
            UnauthenticatedMultibulkLength { .. } => "Protocol error: unauthenticated multibulk length",
            UnauthenticatedBulkLength { .. } => "Protocol error: unauthenticated bulk length",
            InvalidFrameType { got, .. } => return Cow::Owned(quoted(b"Protocol error: invalid frame type '", got)),
            InvalidInteger { .. } => "Protocol error: invalid integer",
            InvalidDouble { .. } => "Protocol error: invalid double",
            InvalidBoolean { .. } => "Protocol error: invalid boolean",
            InvalidBigNumber { .. } => "Protocol error: invalid big number",
            InvalidVerbatim { .. } => "Protocol error: invalid verbatim string",
            ExpectedCrlf { .. } => "Protocol error: expected CRLF",
            LineTooLong { .. } => "Protocol error: too big line",
            TooDeep { .. } => "Protocol error: too deeply nested aggregate",
        };
        Cow::Borrowed(fixed.as_bytes())
    }
}

/// `prefix` + the byte (CR/LF as a space) + `'`.
fn quoted(prefix: &[u8], got: u8) -> Vec<u8> {
    let mut text = Vec::with_capacity(prefix.len() + 2);
    text.extend_from_slice(prefix);
    text.push(if got == b'\r' || got == b'\n' { b' ' } else { got });
    text.push(b'\'');
    text
}

impl fmt::Display for ProtocolError {
    /// Writes [`message`](Self::message), with a non-printable quoted byte shown
    /// as `\xHH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.message().iter() {
            if b.is_ascii_graphic() || b == b' ' {
                f.write_str(char::from(b).encode_utf8(&mut [0; 4]))?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ProtocolError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_redis() {
        let cases: &[(ProtocolError, &str)] = &[
            (ProtocolError::InvalidBulkLength { offset: 0 }, "Protocol error: invalid bulk length"),
            (ProtocolError::InvalidMultibulkLength { offset: 0 }, "Protocol error: invalid multibulk length"),
            (ProtocolError::ExpectedDollar { got: b'x', offset: 4 }, "Protocol error: expected '$', got 'x'"),
            (ProtocolError::TooBigInlineRequest { offset: 0 }, "Protocol error: too big inline request"),
            (ProtocolError::TooBigMultibulkCountString { offset: 0 }, "Protocol error: too big mbulk count string"),
            (ProtocolError::TooBigBulkCountString { offset: 0 }, "Protocol error: too big bulk count string"),
            (ProtocolError::UnbalancedQuotes { offset: 0 }, "Protocol error: unbalanced quotes in request"),
            (
                ProtocolError::UnauthenticatedMultibulkLength { offset: 0 },
                "Protocol error: unauthenticated multibulk length",
            ),
            (ProtocolError::UnauthenticatedBulkLength { offset: 0 }, "Protocol error: unauthenticated bulk length"),
        ];
        for (err, text) in cases {
            assert_eq!(&*err.message(), text.as_bytes());
            assert_eq!(err.to_string(), *text);
        }
    }

    #[test]
    fn quoted_bytes_stay_on_one_line() {
        let err = ProtocolError::ExpectedDollar { got: b'\r', offset: 0 };
        assert_eq!(&*err.message(), b"Protocol error: expected '$', got ' '");
        let err = ProtocolError::ExpectedDollar { got: 0xff, offset: 0 };
        assert_eq!(&*err.message(), b"Protocol error: expected '$', got '\xff'");
        assert_eq!(err.to_string(), "Protocol error: expected '$', got '\\xff'");
        assert_eq!(err.offset(), 0);
    }
}
