//! [`CommandDecoder`]: the server's fast path from request bytes to an argument
//! list ([`Command`]) without building frames, copying payloads or rescanning
//! bytes already validated when a command arrives in pieces.
//!
//! Requests are either multibulk (`*<n>\r\n` followed by `n` bulks
//! `$<len>\r\n<bytes>\r\n`) or, when the first byte is anything but `*`, an inline
//! line split with the quoting rules in [`crate::inline`]. Validation follows
//! Redis 7: the same accepted inputs, the same errors, and (as in Redis) the two
//! bytes after a `\r` or after a bulk payload are skipped without being checked.

use crate::inline;
use crate::limits::{UNAUTHENTICATED_MAX_ARGS, UNAUTHENTICATED_MAX_BULK};
use crate::{Limits, ProtocolError};
use ember_num::parse_i64 as parse_strict_i64;
use std::fmt;
use std::iter::FusedIterator;

/// Argument slots reserved up front for a multibulk, whatever count it declares
/// (Redis does the same); more are added only as arguments actually arrive.
const MAX_PREALLOC_ARGS: usize = 1024;
/// Above this many retained argument slots, the vector is shrunk between
/// commands so one huge command does not pin memory for the connection's life.
const MAX_RETAINED_ARGS: usize = 16 * 1024;
/// Most arguments [`CommandDecoder::decode_whole`] takes on; longer commands
/// go through the resumable path only.
const WHOLE_MAX_ARGS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between commands: the next byte decides multibulk or inline.
    Start,
    /// Looking for the `\n` that ends an inline line.
    Inline,
    /// Looking for the `\r` that ends the `*<n>` line.
    Count,
    /// Looking for the `\r` that ends a `$<len>` line starting at `pos`.
    BulkHeader,
    /// Waiting for a payload of `len` bytes (plus CRLF) starting at `pos`.
    BulkData { len: usize },
}

/// Outcome of a bounded search for a line terminator.
enum Line {
    Found(usize),
    Incomplete,
    TooLong,
}

/// Incremental, resumable decoder of client requests.
///
/// Feed it the connection's read buffer; it returns one [`Command`] at a time.
/// Between calls it keeps a cursor (the position of the line or payload it is
/// waiting for, and how far it has already searched for a line end), so a
/// command arriving in many reads costs work linear in its size.
///
/// ```
/// use ember_resp::{CommandDecoder, Limits};
///
/// let mut decoder = CommandDecoder::new(Limits::default());
/// let mut buf = b"*2\r\n$3\r\nGET\r\n$3\r\nk".to_vec();
/// assert!(decoder.decode(&buf)?.is_none()); // incomplete: nothing consumed
/// assert_eq!(decoder.bytes_needed(), buf.len() + 4); // "ey" and the CRLF
/// buf.extend_from_slice(b"ey\r\n");
/// let cmd = decoder.decode(&buf)?.expect("complete");
/// assert_eq!(cmd.iter().collect::<Vec<_>>(), [&b"GET"[..], b"key"]);
/// assert_eq!(cmd.consumed(), buf.len());
/// # Ok::<(), ember_resp::ProtocolError>(())
/// ```
pub struct CommandDecoder {
    limits: Limits,
    state: State,
    /// Offset of the line or payload the decoder is at.
    pos: usize,
    /// Where the current line-end search resumes: no terminator in `[pos, scan)`.
    scan: usize,
    /// Bulks still expected in the current multibulk.
    remaining: u64,
    /// Buffer length needed before the next call can make progress.
    need: usize,
    /// Argument ranges: into the caller's buffer (multibulk) or `scratch` (inline).
    args: Vec<(usize, usize)>,
    /// Unescaped inline arguments.
    scratch: Vec<u8>,
    /// Bytes examined so far (line searches, length digits, inline lines).
    scanned: u64,
}

impl fmt::Debug for CommandDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandDecoder")
            .field("limits", &self.limits)
            .field("state", &self.state)
            .field("pos", &self.pos)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl Default for CommandDecoder {
    fn default() -> Self {
        CommandDecoder::new(Limits::default())
    }
}

impl CommandDecoder {
    /// A decoder enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        CommandDecoder {
            limits,
            state: State::Start,
            pos: 0,
            scan: 0,
            remaining: 0,
            need: 1,
            args: Vec::new(),
            scratch: Vec::new(),
            scanned: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Changes the limits (e.g. clear `unauthenticated` after AUTH). Takes full
    /// effect from the next command.
    pub fn limits_mut(&mut self) -> &mut Limits {
        &mut self.limits
    }

    /// Forgets any partially decoded command.
    pub fn reset(&mut self) {
        self.state = State::Start;
        self.pos = 0;
        self.scan = 0;
        self.remaining = 0;
        self.need = 1;
        self.args.clear();
    }

    /// Total buffer length needed before another call to [`decode`](Self::decode)
    /// can make progress: the end of the awaited bulk plus its CRLF while inside a
    /// bulk, otherwise one more byte than the last call saw. A server can skip
    /// calling `decode` until its buffer is that long, and reserve capacity for it.
    pub fn bytes_needed(&self) -> usize {
        self.need
    }

    /// Bytes examined so far by line searches and number parsing (payloads are
    /// never examined). For tests proving that incremental decoding is linear.
    #[doc(hidden)]
    pub fn bytes_scanned(&self) -> u64 {
        self.scanned
    }

    /// Heap bytes held by the decoder's reusable buffers, for allocation-bound
    /// checks in tests and fuzzing.
    #[doc(hidden)]
    pub fn retained_capacity(&self) -> usize {
        self.args.capacity() * std::mem::size_of::<(usize, usize)>() + self.scratch.capacity()
    }

    /// Decode one command from the front of `buf`.
    ///
    /// `Ok(None)`: incomplete — nothing consumed, state kept; the caller appends
    /// more bytes to the same buffer (bytes already present are never modified)
    /// and calls again; the decoder resumes where it stopped without rescanning.
    ///
    /// `Ok(Some(cmd))`: `cmd.consumed()` bytes at the front of `buf` form this
    /// command; the caller must drop exactly those bytes before the next call.
    ///
    /// Empty inline lines (`"\r\n"`) and empty multibulks (`*0\r\n`, `*-1\r\n`,
    /// any negative count) are skipped the way Redis skips them: they yield a
    /// `Command` with `len() == 0` and nonzero `consumed()`, to be ignored.
    ///
    /// `Err(_)`: the connection should get `-ERR ` + [`ProtocolError::message`]
    /// and be closed; the decoder is reset.
    pub fn decode<'a>(&'a mut self, buf: &'a [u8]) -> Result<Option<Command<'a>>, ProtocolError> {
        if self.state != State::Start && buf.len() < self.scan.max(self.pos) {
            // The caller broke the append-only contract; start over rather than
            // index out of bounds.
            self.reset();
        }
        if self.state == State::Start {
            let Some(&first) = buf.first() else {
                self.need = 1;
                return Ok(None);
            };
            self.args.clear();
            if self.args.capacity() > MAX_RETAINED_ARGS {
                self.args.shrink_to(MAX_PREALLOC_ARGS);
            }
            self.pos = 0;
            self.scan = 0;
            if first == b'*' {
                if let Some(consumed) = self.decode_whole(buf) {
                    return Ok(Some(Command { src: buf, args: &self.args, consumed, inline: false }));
                }
                self.state = State::Count;
            } else {
                self.state = State::Inline;
            }
        }
        if self.state == State::Inline {
            return self.decode_inline(buf);
        }
        self.decode_multibulk(buf)
    }

    /// The common case in one pass: a whole multibulk of at most
    /// [`WHOLE_MAX_ARGS`] arguments already in `buf`, every length line in
    /// canonical form and within the limits. Fills `args` and returns the
    /// bytes consumed; on anything else returns `None` having changed nothing
    /// but `args` (cleared), and the resumable path takes over from byte 0
    /// (reporting errors exactly). Tried once per command, when it starts, so
    /// the bytes a failed attempt examined are bounded per command.
    #[inline]
    fn decode_whole(&mut self, buf: &[u8]) -> Option<usize> {
        let limits = &self.limits;
        // A line limit below 20 bytes could cut a length line short: leave
        // such configurations to the resumable path.
        if limits.max_inline_len < 20 {
            return None;
        }
        let (count, cr) = whole_len(buf, 1)?;
        let max_args = if limits.unauthenticated { UNAUTHENTICATED_MAX_ARGS } else { WHOLE_MAX_ARGS as u64 };
        if count == 0 || count as u64 > max_args.min(limits.max_multibulk_len) {
            return None;
        }
        let max_bulk = if limits.unauthenticated {
            limits.max_bulk_len.min(UNAUTHENTICATED_MAX_BULK)
        } else {
            limits.max_bulk_len
        };
        let max_bulk = usize::try_from(max_bulk).unwrap_or(usize::MAX);
        self.args.reserve(count);
        let mut scanned = cr;
        let mut pos = cr + 2;
        for _ in 0..count {
            let parsed = if buf.get(pos) == Some(&b'$') { whole_len(buf, pos + 1) } else { None };
            // Every length here has at most 18 digits: no overflow below.
            let Some((len, cr)) = parsed.filter(|&(len, cr)| len <= max_bulk && cr + 4 + len <= buf.len()) else {
                self.args.clear();
                return None;
            };
            scanned += cr - pos;
            let start = cr + 2;
            self.args.push((start, start + len));
            pos = start + len + 2;
        }
        self.scanned += scanned as u64;
        self.need = 1;
        Some(pos)
    }

    /// Resets and passes the error through.
    #[cold]
    fn fail(&mut self, err: ProtocolError) -> ProtocolError {
        self.reset();
        err
    }

    /// Searches `buf` for `needle` from the resume point, never past
    /// `line_start + max_inline_len` (so the verdict does not depend on how the
    /// bytes were split into reads).
    #[inline]
    fn find_line(&mut self, buf: &[u8], line_start: usize, needle: u8) -> Line {
        let max = self.limits.max_inline_len;
        let window_end = buf.len().min(line_start.saturating_add(max).saturating_add(1));
        let from = self.scan;
        if from < window_end {
            if let Some(k) = memchr::memchr(needle, &buf[from..window_end]) {
                self.scanned += (k + 1) as u64;
                self.scan = from + k;
                return Line::Found(from + k);
            }
            self.scanned += (window_end - from) as u64;
            self.scan = window_end;
        }
        if buf.len() - line_start > max {
            Line::TooLong
        } else {
            Line::Incomplete
        }
    }

    #[inline]
    fn incomplete<'a>(&mut self, pos: usize, need: usize) -> Result<Option<Command<'a>>, ProtocolError> {
        self.pos = pos;
        self.need = need;
        Ok(None)
    }

    fn decode_inline<'a>(&'a mut self, buf: &'a [u8]) -> Result<Option<Command<'a>>, ProtocolError> {
        let newline = match self.find_line(buf, 0, b'\n') {
            Line::Found(i) => i,
            Line::Incomplete => return self.incomplete(0, buf.len() + 1),
            Line::TooLong => {
                let offset = self.limits.max_inline_len;
                return Err(self.fail(ProtocolError::TooBigInlineRequest { offset }));
            }
        };
        let end = if newline > 0 && buf[newline - 1] == b'\r' { newline - 1 } else { newline };
        self.scanned += end as u64;
        self.scratch.clear();
        self.args.clear();
        if let Err(offset) = inline::split(&buf[..end], &mut self.scratch, &mut self.args) {
            return Err(self.fail(ProtocolError::UnbalancedQuotes { offset }));
        }
        self.state = State::Start;
        self.pos = 0;
        self.need = 1;
        Ok(Some(Command { src: &self.scratch, args: &self.args, consumed: newline + 1, inline: true }))
    }

    fn decode_multibulk<'a>(&'a mut self, buf: &'a [u8]) -> Result<Option<Command<'a>>, ProtocolError> {
        let mut pos = self.pos;
        if self.state == State::Count {
            // The one-pass parse only on a fresh line, so nothing is rescanned.
            let fast = if self.scan == 0 { fast_len(buf, 0, self.limits.max_inline_len) } else { None };
            let (count, cr) = match fast {
                Some(hit) => hit,
                _ => match self.find_line(buf, 0, b'\r') {
                    Line::Found(i) if i + 1 < buf.len() => match parse_strict_i64(&buf[1..i]) {
                        Some(n) => (n, i),
                        None => return Err(self.fail(ProtocolError::InvalidMultibulkLength { offset: 0 })),
                    },
                    Line::Found(_) | Line::Incomplete => return self.incomplete(0, buf.len() + 1),
                    Line::TooLong => {
                        let offset = self.limits.max_inline_len;
                        return Err(self.fail(ProtocolError::TooBigMultibulkCountString { offset }));
                    }
                },
            };
            self.scanned += cr as u64;
            if count > 0 && count as u64 > self.limits.max_multibulk_len {
                return Err(self.fail(ProtocolError::InvalidMultibulkLength { offset: 0 }));
            }
            if self.limits.unauthenticated && count > UNAUTHENTICATED_MAX_ARGS as i64 {
                return Err(self.fail(ProtocolError::UnauthenticatedMultibulkLength { offset: 0 }));
            }
            pos = cr + 2;
            if count <= 0 {
                self.state = State::Start;
                self.pos = 0;
                self.need = 1;
                return Ok(Some(Command { src: buf, args: &[], consumed: pos, inline: false }));
            }
            self.remaining = count as u64;
            self.args.reserve((count as u64).min(MAX_PREALLOC_ARGS as u64) as usize);
            self.state = State::BulkHeader;
            self.scan = pos;
        }
        loop {
            let len = match self.state {
                State::BulkData { len } => len,
                _ => {
                    // State::BulkHeader: a `$<len>` line starts at `pos`.
                    let fast = if self.scan == pos && buf.get(pos) == Some(&b'$') {
                        fast_len(buf, pos, self.limits.max_inline_len)
                    } else {
                        None
                    };
                    let (len, cr) = match fast {
                        Some(hit) => hit,
                        _ => match self.find_line(buf, pos, b'\r') {
                            Line::Found(i) if i + 1 < buf.len() => {
                                if buf[pos] != b'$' {
                                    let got = buf[pos];
                                    return Err(self.fail(ProtocolError::ExpectedDollar { got, offset: pos }));
                                }
                                match parse_strict_i64(&buf[pos + 1..i]) {
                                    Some(n) => (n, i),
                                    None => return Err(self.fail(ProtocolError::InvalidBulkLength { offset: pos })),
                                }
                            }
                            Line::Found(_) | Line::Incomplete => return self.incomplete(pos, buf.len() + 1),
                            Line::TooLong => {
                                let offset = pos + self.limits.max_inline_len;
                                return Err(self.fail(ProtocolError::TooBigBulkCountString { offset }));
                            }
                        },
                    };
                    self.scanned += (cr - pos) as u64;
                    if len < 0 || len as u64 > self.limits.max_bulk_len {
                        return Err(self.fail(ProtocolError::InvalidBulkLength { offset: pos }));
                    }
                    if self.limits.unauthenticated && len as u64 > UNAUTHENTICATED_MAX_BULK {
                        return Err(self.fail(ProtocolError::UnauthenticatedBulkLength { offset: pos }));
                    }
                    let Ok(len) = usize::try_from(len) else {
                        return Err(self.fail(ProtocolError::InvalidBulkLength { offset: pos }));
                    };
                    pos = cr + 2;
                    self.state = State::BulkData { len };
                    len
                }
            };
            let end = pos.saturating_add(len);
            let next = end.saturating_add(2);
            if buf.len() < next {
                return self.incomplete(pos, next);
            }
            self.args.push((pos, end));
            pos = next;
            self.remaining -= 1;
            if self.remaining == 0 {
                self.state = State::Start;
                self.pos = 0;
                self.need = 1;
                return Ok(Some(Command { src: buf, args: &self.args, consumed: pos, inline: false }));
            }
            self.state = State::BulkHeader;
            self.scan = pos;
        }
    }
}

/// A length in canonical form starting at `at` (just after the type byte):
/// 1 to 18 digits, no sign, no leading zero, then `\r`. Returns the value
/// and the index of the `\r`. For [`CommandDecoder::decode_whole`], which
/// checks that the rest of the command follows.
#[inline(always)]
fn whole_len(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = buf.get(at)?.wrapping_sub(b'0');
    if first > 9 {
        return None;
    }
    let mut value = usize::from(first);
    let mut i = at + 1;
    loop {
        let b = *buf.get(i)?;
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return (b == b'\r').then_some((value, i));
        }
        // A leading zero is not canonical; 19 digits go to the general path.
        if value == 0 || i - at >= 18 {
            return None;
        }
        value = value * 10 + usize::from(d);
        i += 1;
    }
}

/// The common case of a length line, parsed in one pass: the type byte at
/// `start`, then 1 to 18 digits in canonical form (no sign, no leading zero), `\r` and
/// one more byte present. Returns the value and the index of the `\r`; anything
/// else (including a negative count) goes to the general path.
#[inline(always)]
fn fast_len(buf: &[u8], start: usize, max_line: usize) -> Option<(i64, usize)> {
    let first = buf.get(start + 1)?.wrapping_sub(b'0');
    if first > 9 {
        return None;
    }
    let mut value = i64::from(first);
    let mut i = start + 2;
    loop {
        let d = buf.get(i)?.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        // A leading zero is not canonical; 19 digits go to the general path.
        if value == 0 || i - start > 18 {
            return None;
        }
        value = value * 10 + i64::from(d);
        i += 1;
    }
    // Same window as `find_line`: a line ending past `max_line` is an error
    // whichever way the bytes arrived, so the fast path must not accept it.
    let within = i - start - 1 < max_line;
    if buf[i] == b'\r' && within && i + 1 < buf.len() {
        Some((value, i))
    } else {
        None
    }
}

/// One decoded request: its arguments as byte slices, borrowed from the input
/// buffer (multibulk) or from the decoder's scratch space (inline requests,
/// whose arguments may have been unescaped). `Copy`: two pointers and two words.
#[derive(Clone, Copy)]
pub struct Command<'a> {
    src: &'a [u8],
    args: &'a [(usize, usize)],
    consumed: usize,
    inline: bool,
}

impl<'a> Command<'a> {
    /// Number of arguments, command name included.
    #[inline]
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// True for the skipped forms (empty inline line, `*0`, negative count).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Argument `i` (0 is the command name).
    ///
    /// # Panics
    /// If `i >= self.len()`, like slice indexing.
    #[inline]
    pub fn arg(&self, i: usize) -> &'a [u8] {
        let (start, end) = self.args[i];
        &self.src[start..end]
    }

    /// Argument `i`, or `None` if out of range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let &(start, end) = self.args.get(i)?;
        Some(&self.src[start..end])
    }

    /// The arguments in order.
    #[inline]
    pub fn iter(&self) -> Args<'a> {
        Args { src: self.src, ranges: self.args.iter() }
    }

    /// How many bytes at the front of the buffer this command occupied.
    #[inline]
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// True if the request was an inline line rather than a multibulk.
    #[inline]
    pub fn is_inline(&self) -> bool {
        self.inline
    }
}

impl fmt::Debug for Command<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|a| a.escape_ascii().to_string())).finish()
    }
}

impl<'a> IntoIterator for Command<'a> {
    type Item = &'a [u8];
    type IntoIter = Args<'a>;
    fn into_iter(self) -> Args<'a> {
        self.iter()
    }
}

/// Iterator over a [`Command`]'s arguments.
#[derive(Clone, Debug)]
pub struct Args<'a> {
    src: &'a [u8],
    ranges: std::slice::Iter<'a, (usize, usize)>,
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let &(start, end) = self.ranges.next()?;
        Some(&self.src[start..end])
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ranges.size_hint()
    }
}

impl DoubleEndedIterator for Args<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        let &(start, end) = self.ranges.next_back()?;
        Some(&self.src[start..end])
    }
}

impl ExactSizeIterator for Args<'_> {}
impl FusedIterator for Args<'_> {}
