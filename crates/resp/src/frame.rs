//! [`Frame`], one RESP2/RESP3 value as a tree with [`Bytes`] payloads, and
//! [`Protocol`], the dialect a peer speaks.

use crate::encode;
use crate::{FrameDecoder, ProtocolError};
use bytes::{BufMut, Bytes, BytesMut};

/// The dialect spoken to a peer (`HELLO 2` / `HELLO 3`). Encoding for
/// [`Protocol::Resp2`] downgrades RESP3-only types (see [`crate::encode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// RESP2, the default for a new connection.
    #[default]
    Resp2,
    /// RESP3.
    Resp3,
}

/// One RESP value. Payloads are [`Bytes`]: a decoded frame's payloads are
/// slices of the input buffer, not copies.
///
/// Equality compares doubles by value, with every NaN equal to every NaN, so a
/// frame always equals its own round trip.
#[derive(Debug, Clone)]
pub enum Frame {
    /// `+OK\r\n`
    Simple(Bytes),
    /// `-ERR message\r\n`
    Error(Bytes),
    /// `:42\r\n`
    Integer(i64),
    /// `$5\r\nhello\r\n`
    Bulk(Bytes),
    /// RESP3 `_\r\n` (encoded as `$-1\r\n` for RESP2).
    Null,
    /// RESP2's null bulk string `$-1\r\n`, kept distinct so its spelling survives
    /// a round trip; encoded as written in both protocols.
    NullBulk,
    /// RESP2's null array `*-1\r\n`, likewise encoded as written.
    NullArray,
    /// `*<n>\r\n` followed by `n` frames.
    Array(Vec<Frame>),
    /// RESP3 `%<n>\r\n` followed by `n` key-value pairs.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~<n>\r\n`.
    Set(Vec<Frame>),
    /// RESP3 `><n>\r\n` (out-of-band data such as pub/sub messages).
    Push(Vec<Frame>),
    /// RESP3 `,3.14\r\n` (`inf`, `-inf`, `nan` included).
    Double(f64),
    /// RESP3 `#t\r\n` / `#f\r\n`.
    Boolean(bool),
    /// RESP3 `(12345678901234567890\r\n`: the digits, with optional sign.
    BigNumber(Bytes),
    /// RESP3 `=<len>\r\n<fmt>:<data>\r\n`, e.g. `txt` or `mkd`.
    Verbatim {
        /// The three-byte format.
        format: [u8; 3],
        /// The text after `<fmt>:`.
        data: Bytes,
    },
    /// RESP3 `!<len>\r\n<message>\r\n`, a binary-safe error.
    BlobError(Bytes),
    /// RESP3 `|<n>\r\n` + `n` pairs of auxiliary data, then the value they
    /// describe. RESP2 encoding drops the attributes.
    Attribute {
        /// The key-value pairs.
        attributes: Vec<(Frame, Frame)>,
        /// The value they annotate.
        value: Box<Frame>,
    },
}

impl Frame {
    /// A bulk string frame.
    pub fn bulk(data: impl Into<Bytes>) -> Frame {
        Frame::Bulk(data.into())
    }

    /// A simple string frame.
    pub fn simple(text: impl Into<Bytes>) -> Frame {
        Frame::Simple(text.into())
    }

    /// An error frame (`text` starts with the error code).
    pub fn error(text: impl Into<Bytes>) -> Frame {
        Frame::Error(text.into())
    }

    /// Appends the encoding of this frame for `proto` to `buf`.
    ///
    /// For [`Protocol::Resp3`], decoding the output yields an equal frame. For
    /// [`Protocol::Resp2`] RESP3-only types are downgraded as described in
    /// [`crate::encode`], and attributes are dropped.
    pub fn encode<B: BufMut + ?Sized>(&self, buf: &mut B, proto: Protocol) {
        match self {
            Frame::Simple(s) => encode::simple(buf, s),
            Frame::Error(s) => encode::error(buf, s),
            Frame::Integer(v) => encode::integer(buf, *v),
            Frame::Bulk(b) => encode::bulk(buf, b),
            Frame::Null => encode::null(buf, proto),
            Frame::NullBulk => encode::null(buf, Protocol::Resp2),
            Frame::NullArray => encode::null_array(buf, Protocol::Resp2),
            Frame::Array(items) => {
                encode::array_len(buf, items.len());
                items.iter().for_each(|f| f.encode(buf, proto));
            }
            Frame::Map(pairs) => {
                encode::map_len(buf, pairs.len(), proto);
                for (k, v) in pairs {
                    k.encode(buf, proto);
                    v.encode(buf, proto);
                }
            }
            Frame::Set(items) => {
                encode::set_len(buf, items.len(), proto);
                items.iter().for_each(|f| f.encode(buf, proto));
            }
            Frame::Push(items) => {
                encode::push_len(buf, items.len(), proto);
                items.iter().for_each(|f| f.encode(buf, proto));
            }
            Frame::Double(v) => encode::double(buf, *v, proto),
            Frame::Boolean(v) => encode::boolean(buf, *v, proto),
            Frame::BigNumber(d) => encode::big_number(buf, d, proto),
            Frame::Verbatim { format, data } => encode::verbatim(buf, *format, data, proto),
            Frame::BlobError(m) => encode::blob_error(buf, m, proto),
            Frame::Attribute { attributes, value } => {
                if proto == Protocol::Resp3 {
                    encode::attribute_len(buf, attributes.len());
                    for (k, v) in attributes {
                        k.encode(buf, proto);
                        v.encode(buf, proto);
                    }
                }
                value.encode(buf, proto);
            }
        }
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self, proto: Protocol) -> BytesMut {
        let mut buf = BytesMut::new();
        self.encode(&mut buf, proto);
        buf
    }

    /// Decodes the first frame of `input` with default limits, returning it and
    /// how many bytes it took; `Ok(None)` if `input` holds no complete frame.
    /// Copies `input`; use [`FrameDecoder`] to decode without copying.
    ///
    /// ```
    /// use ember_resp::Frame;
    /// let (frame, used) = Frame::decode_one(b":7\r\n+rest")?.unwrap();
    /// assert_eq!((frame, used), (Frame::Integer(7), 4));
    /// # Ok::<(), ember_resp::ProtocolError>(())
    /// ```
    pub fn decode_one(input: &[u8]) -> Result<Option<(Frame, usize)>, ProtocolError> {
        let mut buf = BytesMut::from(input);
        let frame = FrameDecoder::default().decode(&mut buf)?;
        Ok(frame.map(|f| (f, input.len() - buf.len())))
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        use Frame::*;
        match (self, other) {
            (Simple(a), Simple(b)) => a == b,
            (Error(a), Error(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (Bulk(a), Bulk(b)) => a == b,
            (Null, Null) | (NullBulk, NullBulk) | (NullArray, NullArray) => true,
            (Array(a), Array(b)) | (Set(a), Set(b)) | (Push(a), Push(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Double(a), Double(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Boolean(a), Boolean(b)) => a == b,
            (BigNumber(a), BigNumber(b)) => a == b,
            (Verbatim { format: fa, data: da }, Verbatim { format: fb, data: db }) => fa == fb && da == db,
            (BlobError(a), BlobError(b)) => a == b,
            (Attribute { attributes: aa, value: va }, Attribute { attributes: ab, value: vb }) => aa == ab && va == vb,
            _ => false,
        }
    }
}
