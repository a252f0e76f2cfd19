//! The properties the `resp_decode` fuzz target checks, kept in the crate so
//! `cargo test` checks them too (over proptest inputs). Not a stable API.
//!
//! For any input: decoding never panics; allocation stays within a small
//! multiple of the input length plus a constant; frame payloads are slices of
//! the input; every decoded frame re-encodes (RESP3) to bytes that decode to an
//! equal frame (and its RESP2 encoding decodes to one frame); a [`Walk`] over
//! the same bytes reads the same frames; and both decoders give the same
//! results when the input arrives in two chunks split at a point derived from
//! the data.

use crate::{CommandDecoder, Frame, FrameDecoder, Item, Limits, Protocol, ProtocolError, Walk};
use bytes::{Bytes, BytesMut};

/// Checks every property on `data`; panics on a violation. The first byte
/// selects a set of limits (so that small inputs reach the limit checks) and
/// the split point.
pub fn check(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let limits = limits_for(selector);
    let last = data.last().copied().unwrap_or(0);
    let split = usize::from(u16::from_le_bytes([selector, last])) % (body.len() + 1);
    check_frames(body, &limits, split);
    check_commands(body, &limits, split);
}

/// Limits reachable with small inputs, or the defaults.
pub fn limits_for(selector: u8) -> Limits {
    match selector % 4 {
        0 => Limits::default(),
        1 => {
            Limits { max_bulk_len: 64, max_multibulk_len: 8, max_inline_len: 16, max_depth: 3, unauthenticated: false }
        }
        2 => Limits { unauthenticated: true, ..Limits::default() },
        _ => Limits { max_depth: 8, max_inline_len: 40, ..Limits::default() },
    }
}

/// How a decoding run ended after its last complete item.
#[derive(Debug, PartialEq)]
enum End {
    /// Bytes left over that do not form a complete item.
    Incomplete(usize),
    Error(ProtocolError),
}

fn decode_frames(body: &[u8], limits: &Limits, split: Option<usize>) -> (Vec<(Frame, usize)>, End) {
    let mut decoder = FrameDecoder::new(limits.clone());
    let cut = split.unwrap_or(body.len());
    let mut buf = BytesMut::from(&body[..cut]);
    let mut appended = split.is_none();
    let base = buf.as_ptr() as usize;
    let mut frames = Vec::new();
    loop {
        let before = buf.len();
        match decoder.decode(&mut buf) {
            Ok(Some(frame)) => {
                let used = before - buf.len();
                assert!(used > 0);
                if split.is_none() {
                    assert_payloads_within(&frame, base, body.len());
                }
                frames.push((frame, used));
            }
            Ok(None) => {
                assert!(decoder.bytes_needed() > buf.len());
                assert_eq!(buf.len(), before, "incomplete decode consumed input");
                if appended {
                    return (frames, End::Incomplete(buf.len()));
                }
                buf.extend_from_slice(&body[cut..]);
                appended = true;
            }
            Err(e) => return (frames, End::Error(e)),
        }
        assert!(decoder.retained_capacity() <= 16 * limits.max_depth + 64);
    }
}

/// Every payload of `frame` points into `[base, base + len)`: zero-copy.
fn assert_payloads_within(frame: &Frame, base: usize, len: usize) {
    let check = |b: &bytes::Bytes| {
        if !b.is_empty() {
            let p = b.as_ptr() as usize;
            assert!(p >= base && p + b.len() <= base + len, "payload was copied");
        }
    };
    match frame {
        Frame::Simple(b)
        | Frame::Error(b)
        | Frame::Bulk(b)
        | Frame::BigNumber(b)
        | Frame::BlobError(b)
        | Frame::Verbatim { data: b, .. } => check(b),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            items.iter().for_each(|f| assert_payloads_within(f, base, len))
        }
        Frame::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            assert_payloads_within(k, base, len);
            assert_payloads_within(v, base, len);
        }),
        Frame::Attribute { attributes, value } => {
            attributes.iter().for_each(|(k, v)| {
                assert_payloads_within(k, base, len);
                assert_payloads_within(v, base, len);
            });
            assert_payloads_within(value, base, len);
        }
        _ => {}
    }
}

/// Total element capacity of every vector in the tree.
fn capacity(frame: &Frame) -> usize {
    match frame {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            items.capacity() + items.iter().map(capacity).sum::<usize>()
        }
        Frame::Map(pairs) => pairs.capacity() + pairs.iter().map(|(k, v)| capacity(k) + capacity(v)).sum::<usize>(),
        Frame::Attribute { attributes, value } => {
            1 + attributes.capacity()
                + attributes.iter().map(|(k, v)| capacity(k) + capacity(v)).sum::<usize>()
                + capacity(value)
        }
        _ => 0,
    }
}

fn check_frames(body: &[u8], limits: &Limits, split: usize) {
    let (frames, end) = decode_frames(body, limits, None);
    let chunked = decode_frames(body, limits, Some(split));
    assert_eq!(chunked.0, frames, "chunked decoding gave other frames");
    assert_eq!(chunked.1, end, "chunked decoding ended otherwise");
    let relaxed = Limits { max_depth: 1024, ..Limits::default() };
    let mut walk = Walk::new(body, limits.clone());
    for (frame, used) in &frames {
        let start = walk.position();
        assert_eq!(frame_from_walk(&mut walk), Ok(Some(frame.clone())), "a walk read another frame");
        assert_eq!(walk.position() - start, *used, "a walk read another length");
        assert!(capacity(frame) <= *used, "frame capacity beyond its input");
        let encoded = frame.to_bytes(Protocol::Resp3);
        let (back, back_end) = decode_frames(&encoded, &relaxed, None);
        assert_eq!(back_end, End::Incomplete(0));
        assert_eq!(back.len(), 1);
        assert_eq!(&back[0].0, frame, "RESP3 round trip changed the frame");
        let resp2 = frame.to_bytes(Protocol::Resp2);
        let (back, back_end) = decode_frames(&resp2, &relaxed, None);
        assert_eq!(back_end, End::Incomplete(0));
        assert_eq!(back.len(), 1, "RESP2 encoding is not one frame");
    }
}

/// Builds the next frame of a walk, `Ok(None)` if the buffer ends first.
pub fn frame_from_walk(walk: &mut Walk<'_>) -> Result<Option<Frame>, ProtocolError> {
    let Some(item) = walk.next_item()? else { return Ok(None) };
    let b = Bytes::copy_from_slice;
    let items = |n: u64, walk: &mut Walk<'_>| -> Result<Option<Vec<Frame>>, ProtocolError> {
        let mut v = Vec::new();
        for _ in 0..n {
            match frame_from_walk(walk)? {
                Some(f) => v.push(f),
                None => return Ok(None),
            }
        }
        Ok(Some(v))
    };
    let pairs = |v: Vec<Frame>| {
        let mut it = v.into_iter();
        std::iter::from_fn(move || Some((it.next()?, it.next()?))).collect::<Vec<_>>()
    };
    Ok(Some(match item {
        Item::Simple(s) => Frame::Simple(b(s)),
        Item::Error(s) => Frame::Error(b(s)),
        Item::Integer(v) => Frame::Integer(v),
        Item::Bulk(s) => Frame::Bulk(b(s)),
        Item::Null => Frame::Null,
        Item::NullBulk => Frame::NullBulk,
        Item::NullArray => Frame::NullArray,
        Item::Double(v) => Frame::Double(v),
        Item::Boolean(v) => Frame::Boolean(v),
        Item::BigNumber(s) => Frame::BigNumber(b(s)),
        Item::Verbatim { format, data } => Frame::Verbatim { format, data: b(data) },
        Item::BlobError(s) => Frame::BlobError(b(s)),
        Item::Array(_) | Item::Set(_) | Item::Push(_) | Item::Map(_) | Item::Attribute(_) => {
            let Some(mut v) = items(item.children(), walk)? else { return Ok(None) };
            match item {
                Item::Array(_) => Frame::Array(v),
                Item::Set(_) => Frame::Set(v),
                Item::Push(_) => Frame::Push(v),
                Item::Map(_) => Frame::Map(pairs(v)),
                _ => {
                    let value = Box::new(v.pop().expect("an attribute's value"));
                    Frame::Attribute { attributes: pairs(v), value }
                }
            }
        }
    }))
}

type Decoded = (Vec<(Vec<Vec<u8>>, usize, bool)>, End);

fn decode_commands(body: &[u8], limits: &Limits, split: Option<usize>) -> Decoded {
    let mut decoder = CommandDecoder::new(limits.clone());
    let cut = split.unwrap_or(body.len());
    let mut buf = body[..cut].to_vec();
    let mut appended = split.is_none();
    let mut commands = Vec::new();
    loop {
        match decoder.decode(&buf) {
            Ok(Some(cmd)) => {
                let used = cmd.consumed();
                assert!(used > 0 && used <= buf.len());
                let args: Vec<Vec<u8>> = cmd.iter().map(<[u8]>::to_vec).collect();
                assert_eq!(args.len(), cmd.len());
                commands.push((args, used, cmd.is_inline()));
                buf.drain(..used);
            }
            Ok(None) => {
                assert!(decoder.bytes_needed() > buf.len());
                if appended {
                    return (commands, End::Incomplete(buf.len()));
                }
                buf.extend_from_slice(&body[cut..]);
                appended = true;
            }
            Err(e) => return (commands, End::Error(e)),
        }
        assert!(decoder.retained_capacity() <= 32 * (1024 + body.len()) + 2 * body.len() + 64);
    }
}

fn check_commands(body: &[u8], limits: &Limits, split: usize) {
    let one_shot = decode_commands(body, limits, None);
    let chunked = decode_commands(body, limits, Some(split));
    assert_eq!(chunked, one_shot, "chunked command decoding differs");
}
