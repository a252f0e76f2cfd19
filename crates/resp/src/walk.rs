//! [`Walk`]: one RESP2/RESP3 frame read in place, item by item, without
//! allocating — the borrowed counterpart of [`FrameDecoder`](crate::FrameDecoder)
//! for a caller that turns a reply straight into values of its own (ember's
//! Lua scripts read the replies of `redis.call` this way). It uses the
//! decoder's line parser and payload checks, so both accept the same bytes
//! and read them as the same values.

use crate::decode::{check_blob, header, PendingBlob, Token};
use crate::{Limits, ProtocolError};

/// One item of a frame: a value, or the header of an aggregate whose
/// elements are the items that follow it ([`Item::children`] says how
/// many). Payloads are slices of the walked buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    /// `+OK\r\n`
    Simple(&'a [u8]),
    /// `-ERR message\r\n`
    Error(&'a [u8]),
    /// `:42\r\n`
    Integer(i64),
    /// `$5\r\nhello\r\n`
    Bulk(&'a [u8]),
    /// RESP3 `_\r\n`.
    Null,
    /// RESP2's null bulk string `$-1\r\n`.
    NullBulk,
    /// RESP2's null array `*-1\r\n`.
    NullArray,
    /// `*<n>\r\n`: `n` elements follow.
    Array(u64),
    /// RESP3 `%<n>\r\n`: `n` key-value pairs follow.
    Map(u64),
    /// RESP3 `~<n>\r\n`: `n` elements follow.
    Set(u64),
    /// RESP3 `><n>\r\n`: `n` elements follow.
    Push(u64),
    /// RESP3 `|<n>\r\n`: `n` key-value pairs follow, then the value they
    /// describe.
    Attribute(u64),
    /// RESP3 `,3.14\r\n`.
    Double(f64),
    /// RESP3 `#t\r\n` / `#f\r\n`.
    Boolean(bool),
    /// RESP3 `(12345678901234567890\r\n`: the digits, with optional sign.
    BigNumber(&'a [u8]),
    /// RESP3 `=<len>\r\n<fmt>:<data>\r\n`.
    Verbatim {
        /// The three-byte format.
        format: [u8; 3],
        /// The text after `<fmt>:`.
        data: &'a [u8],
    },
    /// RESP3 `!<len>\r\n<message>\r\n`.
    BlobError(&'a [u8]),
}

impl Item<'_> {
    /// How many items that follow belong to this one (saturating): its
    /// elements, both halves of its pairs, plus the described value for an
    /// attribute; 0 for everything but aggregates.
    pub fn children(&self) -> u64 {
        match *self {
            Item::Array(n) | Item::Set(n) | Item::Push(n) => n,
            Item::Map(n) => n.saturating_mul(2),
            Item::Attribute(n) => n.saturating_mul(2).saturating_add(1),
            _ => 0,
        }
    }
}

/// Reads the items of RESP frames from the front of a buffer, in order.
/// Nesting is the reader's: after an aggregate header it reads as many
/// items as [`Item::children`] says.
///
/// ```
/// use ember_resp::{Item, Limits, Walk};
///
/// let mut walk = Walk::new(b"*2\r\n$5\r\nhello\r\n%1\r\n:1\r\n#t\r\n", Limits::default());
/// assert_eq!(walk.next_item()?, Some(Item::Array(2)));
/// assert_eq!(walk.next_item()?, Some(Item::Bulk(b"hello")));
/// assert_eq!(walk.next_item()?, Some(Item::Map(1)));
/// assert!(walk.skip()?); // the pair's key
/// assert_eq!(walk.next_item()?, Some(Item::Boolean(true)));
/// assert_eq!(walk.next_item()?, None);
/// # Ok::<(), ember_resp::ProtocolError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    limits: Limits,
}

impl<'a> Walk<'a> {
    /// A walk from the start of `buf`, checking lines and payloads against
    /// `limits` (`max_depth` and `unauthenticated` do not apply).
    pub fn new(buf: &'a [u8], limits: Limits) -> Walk<'a> {
        Walk { buf, pos: 0, limits }
    }

    /// Offset of the next item.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next item, `Ok(None)` if no complete item starts at the current
    /// position (the buffer ends there or in the middle of an item). On an
    /// error the walk stays where it was.
    pub fn next_item(&mut self) -> Result<Option<Item<'a>>, ProtocolError> {
        let buf = self.buf;
        let (mut scan, mut scanned) = (self.pos, 0);
        let Some((token, next)) = header(buf, self.pos, &mut scan, &self.limits, &mut scanned)? else {
            return Ok(None);
        };
        let slice = |a: usize, b: usize| &buf[a..b];
        let (item, end) = match token {
            Token::Simple(a, b) => (Item::Simple(slice(a, b)), next),
            Token::Error(a, b) => (Item::Error(slice(a, b)), next),
            Token::Integer(v) => (Item::Integer(v), next),
            Token::Null => (Item::Null, next),
            Token::NullBulk => (Item::NullBulk, next),
            Token::NullArray => (Item::NullArray, next),
            Token::Double(v) => (Item::Double(v), next),
            Token::Boolean(v) => (Item::Boolean(v), next),
            Token::BigNumber(a, b) => (Item::BigNumber(slice(a, b)), next),
            Token::Blob(kind, len) => {
                let Some(end) = next.checked_add(len).filter(|e| e.checked_add(2).is_some_and(|e| e <= buf.len()))
                else {
                    return Ok(None);
                };
                check_blob(buf, PendingBlob { kind, start: next, len })?;
                let item = match kind {
                    b'$' => Item::Bulk(slice(next, end)),
                    b'!' => Item::BlobError(slice(next, end)),
                    _ => {
                        Item::Verbatim { format: [buf[next], buf[next + 1], buf[next + 2]], data: slice(next + 4, end) }
                    }
                };
                (item, end + 2)
            }
            Token::Aggregate(kind, n) => {
                let item = match kind {
                    b'%' => Item::Map(n),
                    b'~' => Item::Set(n),
                    b'>' => Item::Push(n),
                    b'|' => Item::Attribute(n),
                    _ => Item::Array(n),
                };
                (item, next)
            }
        };
        self.pos = end;
        Ok(Some(item))
    }

    /// Skips one whole value (an aggregate with everything in it); `false`
    /// if the buffer ends first.
    pub fn skip(&mut self) -> Result<bool, ProtocolError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            let Some(item) = self.next_item()? else { return Ok(false) };
            pending = pending - 1 + item.children();
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;

    #[test]
    fn items_match_the_frame_decoder() {
        let input: &[u8] =
            b"*3\r\n+OK\r\n-ERR no\r\n:-7\r\n$-1\r\n*-1\r\n_\r\n,1.5\r\n#f\r\n(-123\r\n=7\r\ntxt:abc\r\n\
            !3\r\nbad\r\n%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n>1\r\n$0\r\n\r\n|1\r\n+a\r\n+b\r\n:9\r\n*0\r\n";
        let mut walk = Walk::new(input, Limits::default());
        let mut rest = input;
        while !rest.is_empty() {
            let (frame, used) = Frame::decode_one(rest).unwrap().unwrap();
            let start = walk.position();
            assert_eq!(crate::fuzzing::frame_from_walk(&mut walk).unwrap(), Some(frame));
            assert_eq!(walk.position() - start, used);
            rest = &rest[used..];
        }
        assert_eq!(walk.next_item(), Ok(None));
    }

    #[test]
    fn incomplete_and_bad_items() {
        for partial in [&b"$5\r\nhel"[..], b"$5\r\nhello\r", b":12", b"", b"=7\r\ntxt:ab"] {
            assert_eq!(Walk::new(partial, Limits::default()).next_item(), Ok(None), "{partial:?}");
        }
        let mut walk = Walk::new(b"*2\r\n:1\r\n", Limits::default());
        assert!(!walk.skip().unwrap());
        for bad in [&b"$3\r\nabcd\r\n"[..], b"?\r\n", b":x\r\n", b"=3\r\ntxt\r\n"] {
            let mut walk = Walk::new(bad, Limits::default());
            assert!(walk.next_item().is_err(), "{bad:?}");
            assert_eq!(walk.position(), 0);
        }
        let long = Limits { max_inline_len: 4, ..Limits::default() };
        assert!(Walk::new(b"+abcdefgh\r\n", long).next_item().is_err());
    }
}
