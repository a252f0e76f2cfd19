//! [`FrameDecoder`]: incremental, zero-copy decoding of complete RESP2/RESP3
//! frames (replies, or any RESP stream) into [`Frame`] trees.
//!
//! Decoding runs in two passes over each frame. The first, incremental pass
//! validates the bytes as they arrive, keeping only a cursor and a stack of
//! "children still expected" counters (one per open aggregate, capped by
//! `max_depth`), so it never rescans and never allocates from a declared length.
//! Once the frame is complete, its bytes are split off the buffer and frozen,
//! and a second pass builds the tree, slicing payloads out of the frozen
//! [`Bytes`]. Each byte is therefore examined at most twice.

use crate::{Frame, Limits, ProtocolError};
use bytes::{Bytes, BytesMut};
use ember_num::{parse_i64 as parse_strict_i64, parse_i64_lenient as parse_lenient_i64};

/// Elements reserved up front for an aggregate, at most, whatever it declares.
const MAX_PREALLOC: usize = 1024;
/// The smallest encoded frame (`_\r\n`), to bound preallocation by input size.
const MIN_FRAME_LEN: usize = 3;

/// One header line, interpreted.
pub(crate) enum Token {
    Simple(usize, usize),
    Error(usize, usize),
    Integer(i64),
    Null,
    NullBulk,
    NullArray,
    Double(f64),
    Boolean(bool),
    BigNumber(usize, usize),
    /// `$`, `=` or `!` with the payload length; the payload follows the line.
    Blob(u8, usize),
    /// `*`, `~`, `>` with an element count, `%` / `|` with a pair count.
    Aggregate(u8, u64),
}

/// A payload the validating pass is waiting for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingBlob {
    pub(crate) kind: u8,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// Incremental, zero-copy decoder of RESP2/RESP3 frames.
///
/// ```
/// use bytes::BytesMut;
/// use ember_resp::{Frame, FrameDecoder};
///
/// let mut decoder = FrameDecoder::default();
/// let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhello\r\n:4"[..]);
/// assert_eq!(decoder.decode(&mut buf)?, None); // incomplete: nothing consumed
/// buf.extend_from_slice(b"2\r\n+next");
/// let frame = decoder.decode(&mut buf)?.unwrap();
/// assert_eq!(frame, Frame::Array(vec![Frame::bulk("hello"), Frame::Integer(42)]));
/// assert_eq!(&buf[..], b"+next");
/// # Ok::<(), ember_resp::ProtocolError>(())
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    limits: Limits,
    /// Offset of the next header line (or of the awaited payload).
    pos: usize,
    /// Where the line-end search resumes: no `\r` in `[pos, scan)`.
    scan: usize,
    blob: Option<PendingBlob>,
    /// Children still expected by each open aggregate, innermost last.
    stack: Vec<u64>,
    need: usize,
    scanned: u64,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(Limits::default())
    }
}

impl FrameDecoder {
    /// A decoder enforcing `limits` (`unauthenticated` is ignored).
    pub fn new(limits: Limits) -> Self {
        FrameDecoder { limits, pos: 0, scan: 0, blob: None, stack: Vec::new(), need: 1, scanned: 0 }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Forgets any partially decoded frame.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.scan = 0;
        self.blob = None;
        self.stack.clear();
        self.need = 1;
    }

    /// Total buffer length needed before another call can make progress.
    pub fn bytes_needed(&self) -> usize {
        self.need
    }

    /// Bytes examined so far by both passes (payloads are never examined).
    #[doc(hidden)]
    pub fn bytes_scanned(&self) -> u64 {
        self.scanned
    }

    /// Heap bytes held by the decoder between calls.
    #[doc(hidden)]
    pub fn retained_capacity(&self) -> usize {
        self.stack.capacity() * std::mem::size_of::<u64>()
    }

    /// Decodes one frame from the front of `buf`.
    ///
    /// `Ok(None)`: incomplete — nothing consumed; append more bytes to `buf`
    /// and call again (already validated bytes are not examined again).
    /// `Ok(Some(frame))`: exactly the frame's bytes were split off `buf`; the
    /// frame's payloads are slices of them. `Err(_)`: the decoder is reset.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, ProtocolError> {
        if buf.len() < self.pos.max(self.scan) {
            // The caller broke the append-only contract; start over.
            self.reset();
        }
        let end = match self.validate(buf) {
            Ok(Some(end)) => end,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.reset();
                return Err(e);
            }
        };
        self.reset();
        let bytes = buf.split_to(end).freeze();
        build(&bytes, &self.limits, &mut self.scanned).map(Some)
    }

    /// The incremental pass: returns the frame's length once it is complete.
    fn validate(&mut self, buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
        loop {
            if let Some(blob) = self.blob {
                let next = blob.start.saturating_add(blob.len).saturating_add(2);
                if buf.len() < next {
                    self.need = next;
                    return Ok(None);
                }
                check_blob(buf, blob)?;
                self.scanned += 2;
                self.blob = None;
                self.pos = next;
                self.scan = next;
            } else {
                let pos = self.pos;
                let Some((token, next)) = header(buf, pos, &mut self.scan, &self.limits, &mut self.scanned)? else {
                    self.need = buf.len() + 1;
                    return Ok(None);
                };
                self.pos = next;
                self.scan = next;
                match token {
                    Token::Blob(kind, len) => {
                        self.blob = Some(PendingBlob { kind, start: next, len });
                        continue;
                    }
                    Token::Aggregate(kind, count) => {
                        let children = match kind {
                            b'%' => count * 2,
                            b'|' => count * 2 + 1,
                            _ => count,
                        };
                        if children > 0 {
                            if self.stack.len() >= self.limits.max_depth {
                                let max_depth = self.limits.max_depth;
                                return Err(ProtocolError::TooDeep { max_depth, offset: pos });
                            }
                            self.stack.push(children);
                            continue;
                        }
                    }
                    _ => {}
                }
            }
            // A value ended at self.pos: close every aggregate it completes.
            loop {
                let Some(top) = self.stack.last_mut() else {
                    return Ok(Some(self.pos));
                };
                *top -= 1;
                if *top > 0 {
                    break;
                }
                self.stack.pop();
            }
        }
    }
}

/// Checks a complete payload: CRLF after it, and the `fmt:` of a verbatim string.
pub(crate) fn check_blob(buf: &[u8], blob: PendingBlob) -> Result<(), ProtocolError> {
    let end = blob.start + blob.len;
    if &buf[end..end + 2] != b"\r\n" {
        return Err(ProtocolError::ExpectedCrlf { offset: end });
    }
    if blob.kind == b'=' && (blob.len < 4 || buf[blob.start + 3] != b':') {
        return Err(ProtocolError::InvalidVerbatim { offset: blob.start });
    }
    Ok(())
}

fn is_type_byte(b: u8) -> bool {
    matches!(b, b'+' | b'-' | b':' | b'$' | b'*' | b'_' | b',' | b'#' | b'(' | b'=' | b'!' | b'%' | b'~' | b'>' | b'|')
}

/// Reads and interprets the header line at `pos`. `Ok(None)` if the line is not
/// complete yet; `scan` is the resume point of the `\r` search and is advanced.
pub(crate) fn header(
    buf: &[u8],
    pos: usize,
    scan: &mut usize,
    limits: &Limits,
    scanned: &mut u64,
) -> Result<Option<(Token, usize)>, ProtocolError> {
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    if !is_type_byte(kind) {
        return Err(ProtocolError::InvalidFrameType { got: kind, offset: pos });
    }
    if *scan <= pos + 1 {
        if let Some((token, cr)) = fast_length(buf, pos, kind, limits) {
            *scanned += (cr - pos) as u64;
            *scan = cr;
            return Ok(Some((token, cr + 2)));
        }
    }
    let from = (*scan).max(pos + 1);
    let window_end = buf.len().min(pos.saturating_add(limits.max_inline_len).saturating_add(2));
    let cr = if from < window_end {
        // A bare LF is never part of a valid line: reject it where it is.
        match memchr::memchr2(b'\r', b'\n', &buf[from..window_end]) {
            Some(k) if buf[from + k] == b'\n' => {
                return Err(ProtocolError::ExpectedCrlf { offset: from + k });
            }
            Some(k) => {
                *scanned += (k + 1) as u64;
                from + k
            }
            None => {
                *scanned += (window_end - from) as u64;
                *scan = window_end;
                if buf.len() - pos > limits.max_inline_len + 1 {
                    return Err(ProtocolError::LineTooLong { offset: pos + limits.max_inline_len + 1 });
                }
                return Ok(None);
            }
        }
    } else {
        if buf.len() - pos > limits.max_inline_len + 1 {
            return Err(ProtocolError::LineTooLong { offset: pos + limits.max_inline_len + 1 });
        }
        return Ok(None);
    };
    *scan = cr;
    let Some(&lf) = buf.get(cr + 1) else {
        return Ok(None);
    };
    if lf != b'\n' {
        return Err(ProtocolError::ExpectedCrlf { offset: cr });
    }
    let (start, next) = (pos + 1, cr + 2);
    let line = &buf[start..cr];
    if !matches!(kind, b'+' | b'-') {
        // Parsed, not just searched: examined a second time.
        *scanned += line.len() as u64;
    }
    let token = match kind {
        b'+' => Token::Simple(start, cr),
        b'-' => Token::Error(start, cr),
        b':' => match parse_lenient_i64(line) {
            Some(v) => Token::Integer(v),
            None => return Err(ProtocolError::InvalidInteger { offset: pos }),
        },
        b'_' if line.is_empty() => Token::Null,
        b'_' => return Err(ProtocolError::ExpectedCrlf { offset: start }),
        b',' => match parse_double(line) {
            Some(v) => Token::Double(v),
            None => return Err(ProtocolError::InvalidDouble { offset: pos }),
        },
        b'#' => match line {
            b"t" => Token::Boolean(true),
            b"f" => Token::Boolean(false),
            _ => return Err(ProtocolError::InvalidBoolean { offset: pos }),
        },
        b'(' => {
            let digits = match line {
                [b'-' | b'+', rest @ ..] => rest,
                _ => line,
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(ProtocolError::InvalidBigNumber { offset: pos });
            }
            Token::BigNumber(start, cr)
        }
        b'$' | b'=' | b'!' => match parse_strict_i64(line) {
            Some(-1) if kind == b'$' => Token::NullBulk,
            Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len => match usize::try_from(n) {
                Ok(n) => Token::Blob(kind, n),
                Err(_) => return Err(ProtocolError::InvalidBulkLength { offset: pos }),
            },
            _ => return Err(ProtocolError::InvalidBulkLength { offset: pos }),
        },
        // '*', '%', '~', '>', '|'
        _ => match parse_strict_i64(line) {
            Some(-1) if kind == b'*' => Token::NullArray,
            Some(n) if n >= 0 && n as u64 <= limits.max_multibulk_len => Token::Aggregate(kind, n as u64),
            _ => return Err(ProtocolError::InvalidMultibulkLength { offset: pos }),
        },
    };
    Ok(Some((token, next)))
}

/// The common case of a length line (`$12\r\n`, `*600\r\n`): 1 to 18
/// canonical digits, CRLF present, within limits. Returns the token and the
/// index of the `\r`; anything else is left to the general path.
#[inline(always)]
fn fast_length(buf: &[u8], pos: usize, kind: u8, limits: &Limits) -> Option<(Token, usize)> {
    let blob = matches!(kind, b'$' | b'=' | b'!');
    if !blob && !matches!(kind, b'*' | b'%' | b'~' | b'>' | b'|') {
        return None;
    }
    let digits = buf.get(pos + 1..)?;
    let mut value: u64 = 0;
    for (n, &b) in digits.iter().enumerate().take(19) {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            if n == 18 {
                return None;
            }
            value = value * 10 + u64::from(d);
            continue;
        }
        let canonical = n > 0 && (digits[0] != b'0' || n == 1);
        if b != b'\r' || !canonical || digits.get(n + 1) != Some(&b'\n') {
            return None;
        }
        let cr = pos + 1 + n;
        let token = if blob {
            if value > limits.max_bulk_len {
                return None;
            }
            Token::Blob(kind, usize::try_from(value).ok()?)
        } else {
            if value > limits.max_multibulk_len {
                return None;
            }
            Token::Aggregate(kind, value)
        };
        return Some((token, cr));
    }
    None
}

fn parse_double(line: &[u8]) -> Option<f64> {
    // Rust's parser accepts what RESP3 allows (`1.5`, `-2e10`, `inf`, `-inf`,
    // `nan`); only ASCII digits, signs, '.', 'e' and letters reach it.
    core::str::from_utf8(line).ok()?.parse().ok()
}

/// An aggregate under construction in the building pass.
enum Builder {
    Seq { kind: u8, remaining: u64, items: Vec<Frame> },
    Pairs { attribute: bool, remaining: u64, pairs: Vec<(Frame, Frame)>, key: Option<Frame> },
    AttributeValue { attributes: Vec<(Frame, Frame)> },
}

impl Builder {
    /// Adds a child; returns the finished aggregate when this was its last one.
    fn push(&mut self, value: Frame) -> Option<Frame> {
        match self {
            Builder::Seq { kind, remaining, items } => {
                items.push(value);
                *remaining -= 1;
                if *remaining > 0 {
                    return None;
                }
                let items = std::mem::take(items);
                Some(match kind {
                    b'~' => Frame::Set(items),
                    b'>' => Frame::Push(items),
                    _ => Frame::Array(items),
                })
            }
            Builder::Pairs { attribute, remaining, pairs, key } => {
                match key.take() {
                    None => {
                        *key = Some(value);
                        return None;
                    }
                    Some(k) => pairs.push((k, value)),
                }
                *remaining -= 1;
                if *remaining > 0 {
                    return None;
                }
                let pairs = std::mem::take(pairs);
                if *attribute {
                    *self = Builder::AttributeValue { attributes: pairs };
                    None
                } else {
                    Some(Frame::Map(pairs))
                }
            }
            Builder::AttributeValue { attributes } => {
                Some(Frame::Attribute { attributes: std::mem::take(attributes), value: Box::new(value) })
            }
        }
    }
}

/// The building pass over one complete, validated frame.
fn build(bytes: &Bytes, limits: &Limits, scanned: &mut u64) -> Result<Frame, ProtocolError> {
    let buf: &[u8] = bytes;
    let mut pos = 0;
    let mut stack: Vec<Builder> = Vec::new();
    loop {
        let mut scan = pos;
        let Some((token, next)) = header(buf, pos, &mut scan, limits, scanned)? else {
            // Unreachable after validation; report rather than panic.
            return Err(ProtocolError::ExpectedCrlf { offset: buf.len() });
        };
        pos = next;
        let room = (buf.len() - next) / MIN_FRAME_LEN;
        let prealloc = |count: u64, per: usize| (count.min(MAX_PREALLOC as u64) as usize).min(room / per);
        let mut value = match token {
            Token::Simple(a, b) => Frame::Simple(bytes.slice(a..b)),
            Token::Error(a, b) => Frame::Error(bytes.slice(a..b)),
            Token::Integer(v) => Frame::Integer(v),
            Token::Null => Frame::Null,
            Token::NullBulk => Frame::NullBulk,
            Token::NullArray => Frame::NullArray,
            Token::Double(v) => Frame::Double(v),
            Token::Boolean(v) => Frame::Boolean(v),
            Token::BigNumber(a, b) => Frame::BigNumber(bytes.slice(a..b)),
            Token::Blob(kind, len) => {
                let (start, end) = (next, next + len);
                pos = end + 2;
                match kind {
                    b'$' => Frame::Bulk(bytes.slice(start..end)),
                    b'!' => Frame::BlobError(bytes.slice(start..end)),
                    _ => Frame::Verbatim {
                        format: [buf[start], buf[start + 1], buf[start + 2]],
                        data: bytes.slice(start + 4..end),
                    },
                }
            }
            Token::Aggregate(kind @ (b'%' | b'|'), count) => {
                let pairs = Vec::with_capacity(prealloc(count, 2));
                let attribute = kind == b'|';
                if count > 0 {
                    stack.push(Builder::Pairs { attribute, remaining: count, pairs, key: None });
                    continue;
                } else if attribute {
                    stack.push(Builder::AttributeValue { attributes: pairs });
                    continue;
                }
                Frame::Map(pairs)
            }
            Token::Aggregate(kind, count) => {
                let items = Vec::with_capacity(prealloc(count, 1));
                if count > 0 {
                    stack.push(Builder::Seq { kind, remaining: count, items });
                    continue;
                }
                match kind {
                    b'~' => Frame::Set(items),
                    b'>' => Frame::Push(items),
                    _ => Frame::Array(items),
                }
            }
        };
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok(value);
            };
            match top.push(value) {
                Some(done) => {
                    stack.pop();
                    value = done;
                }
                None => break,
            }
        }
    }
}
