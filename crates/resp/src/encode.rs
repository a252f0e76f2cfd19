//! Reply (and request) encoding into any [`BufMut`], one function per RESP
//! type, with the RESP2 downgrade applied when the peer speaks RESP2.
//!
//! Aggregates are written as a header (`array_len`, `map_len`, ...) followed by
//! their elements, so a reply can be streamed without building a
//! [`Frame`](crate::Frame). Numbers are formatted on the stack, never with
//! `format!`. Functions writing a line (`simple`, `error`, `big_number`, a RESP2
//! `blob_error`) replace CR and LF by spaces so the output is always valid RESP.
//!
//! RESP2 downgrades: map → flat array of 2n, set and push → array, double →
//! bulk string, boolean → integer 1/0, null → `$-1` (`*-1` for
//! [`null_array`]), big number → bulk string, verbatim → bulk string without the
//! `txt:` prefix, blob error → `-` line.
//!
//! ```
//! use bytes::BytesMut;
//! use ember_resp::{encode, Protocol};
//!
//! let mut out = BytesMut::new();
//! encode::map_len(&mut out, 1, Protocol::Resp3);
//! encode::bulk(&mut out, b"score");
//! encode::double(&mut out, 1.5, Protocol::Resp3);
//! assert_eq!(&out[..], b"%1\r\n$5\r\nscore\r\n,1.5\r\n");
//!
//! out.clear();
//! encode::map_len(&mut out, 1, Protocol::Resp2);
//! encode::bulk(&mut out, b"score");
//! encode::double(&mut out, 1.5, Protocol::Resp2);
//! assert_eq!(&out[..], b"*2\r\n$5\r\nscore\r\n$3\r\n1.5\r\n");
//! ```

use crate::Protocol;
use bytes::BufMut;
use ember_num::{format_g17, write_u64_backwards, FLOAT_BUF_LEN};

/// Payloads up to this size are encoded with a single copy into the buffer.
const SMALL_BULK: usize = 64;
/// Status and error lines up to this size are encoded with a single copy.
const SMALL_LINE: usize = 32;

/// Writes `prefix`, the decimal `n`, CRLF in one `put_slice`.
#[inline]
fn header<B: BufMut + ?Sized>(buf: &mut B, prefix: u8, n: u64) {
    if n < 10 {
        buf.put_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
        return;
    }
    let mut tmp = [0u8; 24];
    tmp[22] = b'\r';
    tmp[23] = b'\n';
    let start = write_u64_backwards(n, &mut tmp, 22) - 1;
    tmp[start] = prefix;
    buf.put_slice(&tmp[start..]);
}

/// Writes `prefix`, `text` with CR/LF replaced by spaces, CRLF.
#[inline]
fn line<B: BufMut + ?Sized>(buf: &mut B, prefix: u8, text: &[u8]) {
    if text.len() <= SMALL_LINE {
        // Short status lines (`OK`, `PONG`, `QUEUED`): checked byte by byte
        // (cheaper than a vectorised search at this size) and assembled on
        // the stack for a single copy into `buf`.
        let mut tmp = [0u8; SMALL_LINE + 3];
        tmp[0] = prefix;
        for (t, &b) in tmp[1..].iter_mut().zip(text) {
            *t = if b == b'\r' || b == b'\n' { b' ' } else { b };
        }
        tmp[1 + text.len()] = b'\r';
        tmp[2 + text.len()] = b'\n';
        buf.put_slice(&tmp[..text.len() + 3]);
        return;
    }
    buf.put_u8(prefix);
    if memchr::memchr2(b'\r', b'\n', text).is_none() {
        buf.put_slice(text);
    } else {
        for &b in text {
            buf.put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
    }
    buf.put_slice(b"\r\n");
}

/// `+<s>\r\n` (a status reply such as `OK`).
#[inline]
pub fn simple<B: BufMut + ?Sized>(buf: &mut B, s: &[u8]) {
    line(buf, b'+', s);
}

/// `-<msg>\r\n`; `msg` starts with the error code, e.g. `ERR syntax error`.
#[inline]
pub fn error<B: BufMut + ?Sized>(buf: &mut B, msg: &[u8]) {
    line(buf, b'-', msg);
}

/// `:<v>\r\n`.
#[inline]
pub fn integer<B: BufMut + ?Sized>(buf: &mut B, v: i64) {
    if v >= 0 {
        header(buf, b':', v as u64);
    } else {
        let mut tmp = [0u8; 24];
        tmp[22] = b'\r';
        tmp[23] = b'\n';
        let start = write_u64_backwards(v.unsigned_abs(), &mut tmp, 22) - 2;
        tmp[start] = b':';
        tmp[start + 1] = b'-';
        buf.put_slice(&tmp[start..]);
    }
}

/// `$<len>\r\n<data>\r\n`.
#[inline]
pub fn bulk<B: BufMut + ?Sized>(buf: &mut B, data: &[u8]) {
    if data.len() <= SMALL_BULK {
        // Header, payload and CRLF assembled on the stack: one copy into `buf`.
        let mut tmp = [0u8; 8 + SMALL_BULK];
        let (digits, len) = if data.len() < 10 {
            tmp[1] = b'0' + data.len() as u8;
            (1, data.len())
        } else {
            tmp[1] = b'0' + (data.len() / 10) as u8;
            tmp[2] = b'0' + (data.len() % 10) as u8;
            (2, data.len())
        };
        tmp[0] = b'$';
        tmp[1 + digits] = b'\r';
        tmp[2 + digits] = b'\n';
        let start = 3 + digits;
        tmp[start..start + len].copy_from_slice(data);
        tmp[start + len] = b'\r';
        tmp[start + len + 1] = b'\n';
        buf.put_slice(&tmp[..start + len + 2]);
        return;
    }
    header(buf, b'$', data.len() as u64);
    buf.put_slice(data);
    buf.put_slice(b"\r\n");
}

/// Only the `$<len>\r\n` of a bulk string: write the payload yourself (e.g. by
/// reference, with `writev`) followed by [`crlf`].
#[inline]
pub fn bulk_header<B: BufMut + ?Sized>(buf: &mut B, len: usize) {
    header(buf, b'$', len as u64);
}

/// `\r\n`, the terminator after a payload written separately.
#[inline]
pub fn crlf<B: BufMut + ?Sized>(buf: &mut B) {
    buf.put_slice(b"\r\n");
}

/// The null reply: `_\r\n` (RESP3) or the null bulk `$-1\r\n` (RESP2).
#[inline]
pub fn null<B: BufMut + ?Sized>(buf: &mut B, proto: Protocol) {
    buf.put_slice(match proto {
        Protocol::Resp3 => b"_\r\n",
        Protocol::Resp2 => b"$-1\r\n",
    });
}

/// A null where RESP2 uses the null array: `_\r\n` (RESP3) or `*-1\r\n` (RESP2).
#[inline]
pub fn null_array<B: BufMut + ?Sized>(buf: &mut B, proto: Protocol) {
    buf.put_slice(match proto {
        Protocol::Resp3 => b"_\r\n",
        Protocol::Resp2 => b"*-1\r\n",
    });
}

/// `*<n>\r\n`; `n` elements follow.
#[inline]
pub fn array_len<B: BufMut + ?Sized>(buf: &mut B, n: usize) {
    header(buf, b'*', n as u64);
}

/// `%<n>\r\n` (RESP3) or `*<2n>\r\n` (RESP2); `n` key-value pairs follow.
#[inline]
pub fn map_len<B: BufMut + ?Sized>(buf: &mut B, n: usize, proto: Protocol) {
    match proto {
        Protocol::Resp3 => header(buf, b'%', n as u64),
        Protocol::Resp2 => header(buf, b'*', (n as u64).saturating_mul(2)),
    }
}

/// `~<n>\r\n` (RESP3) or `*<n>\r\n` (RESP2); `n` elements follow.
#[inline]
pub fn set_len<B: BufMut + ?Sized>(buf: &mut B, n: usize, proto: Protocol) {
    let prefix = match proto {
        Protocol::Resp3 => b'~',
        Protocol::Resp2 => b'*',
    };
    header(buf, prefix, n as u64);
}

/// `><n>\r\n` (RESP3) or `*<n>\r\n` (RESP2); `n` elements follow.
#[inline]
pub fn push_len<B: BufMut + ?Sized>(buf: &mut B, n: usize, proto: Protocol) {
    let prefix = match proto {
        Protocol::Resp3 => b'>',
        Protocol::Resp2 => b'*',
    };
    header(buf, prefix, n as u64);
}

/// `|<n>\r\n`; `n` key-value pairs follow, then the value they describe.
/// RESP3 only: RESP2 has no attributes, so skip them for RESP2 peers.
#[inline]
pub fn attribute_len<B: BufMut + ?Sized>(buf: &mut B, n: usize) {
    header(buf, b'|', n as u64);
}

/// `,<v>\r\n` (RESP3) or the same text as a bulk string (RESP2): `inf`,
/// `-inf`, `nan`, or `%.17g` as Redis 7.0 writes doubles
/// ([`ember_num::format_g17`]; 17 significant digits parse back to the same
/// double).
#[inline]
pub fn double<B: BufMut + ?Sized>(buf: &mut B, v: f64, proto: Protocol) {
    let mut tmp = [0u8; FLOAT_BUF_LEN];
    let text: &[u8] = if v.is_nan() { b"nan" } else { format_g17(v, &mut tmp) };
    match proto {
        Protocol::Resp3 => {
            buf.put_u8(b',');
            buf.put_slice(text);
            buf.put_slice(b"\r\n");
        }
        Protocol::Resp2 => bulk(buf, text),
    }
}

/// `#t\r\n` / `#f\r\n` (RESP3) or `:1\r\n` / `:0\r\n` (RESP2).
#[inline]
pub fn boolean<B: BufMut + ?Sized>(buf: &mut B, v: bool, proto: Protocol) {
    buf.put_slice(match (proto, v) {
        (Protocol::Resp3, true) => b"#t\r\n",
        (Protocol::Resp3, false) => b"#f\r\n",
        (Protocol::Resp2, true) => b":1\r\n",
        (Protocol::Resp2, false) => b":0\r\n",
    });
}

/// `(<digits>\r\n` (RESP3) or a bulk string of the digits (RESP2).
#[inline]
pub fn big_number<B: BufMut + ?Sized>(buf: &mut B, digits: &[u8], proto: Protocol) {
    match proto {
        Protocol::Resp3 => line(buf, b'(', digits),
        Protocol::Resp2 => bulk(buf, digits),
    }
}

/// `=<len>\r\n<fmt>:<data>\r\n` (RESP3; `fmt` is e.g. `*b"txt"` or `*b"mkd"`) or
/// a bulk string of `data` alone (RESP2).
#[inline]
pub fn verbatim<B: BufMut + ?Sized>(buf: &mut B, format: [u8; 3], data: &[u8], proto: Protocol) {
    match proto {
        Protocol::Resp3 => {
            header(buf, b'=', data.len() as u64 + 4);
            buf.put_slice(&format);
            buf.put_u8(b':');
            buf.put_slice(data);
            buf.put_slice(b"\r\n");
        }
        Protocol::Resp2 => bulk(buf, data),
    }
}

/// `!<len>\r\n<msg>\r\n` (RESP3, binary-safe) or a `-<msg>\r\n` line with CR/LF
/// replaced by spaces (RESP2).
#[inline]
pub fn blob_error<B: BufMut + ?Sized>(buf: &mut B, msg: &[u8], proto: Protocol) {
    match proto {
        Protocol::Resp3 => {
            header(buf, b'!', msg.len() as u64);
            buf.put_slice(msg);
            buf.put_slice(b"\r\n");
        }
        Protocol::Resp2 => line(buf, b'-', msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    fn check(write: impl FnOnce(&mut BytesMut), expected: &[u8]) {
        let mut out = BytesMut::new();
        write(&mut out);
        assert_eq!(out.as_ref(), expected, "got {:?}", out.as_ref().escape_ascii().to_string());
    }

    #[test]
    fn scalars() {
        use Protocol::*;
        check(|b| simple(b, b"OK"), b"+OK\r\n");
        check(|b| simple(b, b"a\r\nb"), b"+a  b\r\n");
        check(|b| error(b, b"ERR x\ny"), b"-ERR x y\r\n");
        check(|b| integer(b, 0), b":0\r\n");
        check(|b| integer(b, 42), b":42\r\n");
        check(|b| integer(b, -7), b":-7\r\n");
        check(|b| integer(b, i64::MIN), b":-9223372036854775808\r\n");
        check(|b| integer(b, i64::MAX), b":9223372036854775807\r\n");
        check(|b| bulk(b, b""), b"$0\r\n\r\n");
        check(|b| bulk(b, b"a\r\nb"), b"$4\r\na\r\nb\r\n");
        check(|b| bulk(b, &[b'x'; 12]), b"$12\r\nxxxxxxxxxxxx\r\n");
        check(|b| bulk_header(b, 123), b"$123\r\n");
        check(crlf, b"\r\n");
        check(|b| null(b, Resp3), b"_\r\n");
        check(|b| null(b, Resp2), b"$-1\r\n");
        check(|b| null_array(b, Resp3), b"_\r\n");
        check(|b| null_array(b, Resp2), b"*-1\r\n");
        check(|b| double(b, 1.5, Resp3), b",1.5\r\n");
        check(|b| double(b, f64::INFINITY, Resp3), b",inf\r\n");
        check(|b| double(b, f64::NEG_INFINITY, Resp3), b",-inf\r\n");
        check(|b| double(b, f64::NAN, Resp3), b",nan\r\n");
        check(|b| double(b, 3.0, Resp2), b"$1\r\n3\r\n");
        check(|b| double(b, f64::INFINITY, Resp2), b"$3\r\ninf\r\n");
        check(|b| boolean(b, true, Resp3), b"#t\r\n");
        check(|b| boolean(b, false, Resp3), b"#f\r\n");
        check(|b| boolean(b, true, Resp2), b":1\r\n");
        check(|b| boolean(b, false, Resp2), b":0\r\n");
        check(|b| big_number(b, b"-123", Resp3), b"(-123\r\n");
        check(|b| big_number(b, b"123", Resp2), b"$3\r\n123\r\n");
        check(|b| verbatim(b, *b"txt", b"hi", Resp3), b"=6\r\ntxt:hi\r\n");
        check(|b| verbatim(b, *b"mkd", b"hi", Resp2), b"$2\r\nhi\r\n");
        check(|b| blob_error(b, b"SYNTAX a\r\nb", Resp3), b"!11\r\nSYNTAX a\r\nb\r\n");
        check(|b| blob_error(b, b"SYNTAX a\r\nb", Resp2), b"-SYNTAX a  b\r\n");
    }

    #[test]
    fn aggregate_headers() {
        use Protocol::*;
        check(|b| array_len(b, 0), b"*0\r\n");
        check(|b| array_len(b, 600), b"*600\r\n");
        check(|b| map_len(b, 3, Resp3), b"%3\r\n");
        check(|b| map_len(b, 3, Resp2), b"*6\r\n");
        check(|b| set_len(b, 10, Resp3), b"~10\r\n");
        check(|b| set_len(b, 10, Resp2), b"*10\r\n");
        check(|b| push_len(b, 2, Resp3), b">2\r\n");
        check(|b| push_len(b, 2, Resp2), b"*2\r\n");
        check(|b| attribute_len(b, 1), b"|1\r\n");
    }
}
