//! ember-resp: the Redis protocol (RESP2 and RESP3) as a zero-copy, incremental
//! decoder and an allocation-free encoder. No I/O: bytes in, values out.
//!
//! The main types:
//!
//! - [`CommandDecoder`] — the server's fast path: turns a connection's read
//!   buffer into [`Command`]s, argument lists borrowed from the buffer, without
//!   building frames. Multibulk and inline requests, Redis's exact validation and
//!   error texts, pipelining, and resumable state so a command arriving in many
//!   reads is scanned once.
//! - [`FrameDecoder`] — decodes any RESP2/RESP3 stream (replies) into [`Frame`]
//!   trees whose payloads are [`bytes::Bytes`] slices of the input.
//! - [`Walk`] — reads one complete frame in place, [`Item`] by [`Item`],
//!   without allocating: for callers that convert replies into their own
//!   values (the same line parser as [`FrameDecoder`]).
//! - [`Frame`] — every RESP2/RESP3 type, with [`Frame::encode`].
//! - [`encode`] — one function per type writing into any [`bytes::BufMut`],
//!   downgrading RESP3 types for [`Protocol::Resp2`] peers.
//! - [`Limits`] — bulk, multibulk, inline and nesting caps (Redis defaults), and
//!   [`ProtocolError`], the typed error with the text to send back.
//!
//! # Embedding
//!
//! A minimal request loop: decode every complete command in the buffer, answer
//! it, drop its bytes.
//!
//! ```
//! use bytes::{Buf, BytesMut};
//! use ember_resp::{encode, CommandDecoder, Limits, Protocol};
//!
//! let mut decoder = CommandDecoder::new(Limits::default());
//! // Two pipelined requests, the second one inline, and half of a third.
//! let mut input = BytesMut::from(&b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPI"[..]);
//! let mut output = BytesMut::new();
//! loop {
//!     let consumed = match decoder.decode(&input) {
//!         Ok(None) => break, // wait for more bytes
//!         Ok(Some(cmd)) => {
//!             match cmd.get(0) {
//!                 None => {} // empty line or `*0`: ignored
//!                 Some(name) if name.eq_ignore_ascii_case(b"echo") => {
//!                     encode::bulk(&mut output, cmd.arg(1));
//!                 }
//!                 Some(name) if name.eq_ignore_ascii_case(b"ping") => {
//!                     encode::simple(&mut output, b"PONG");
//!                 }
//!                 Some(_) => encode::error(&mut output, b"ERR unknown command"),
//!             }
//!             cmd.consumed()
//!         }
//!         Err(e) => {
//!             output.extend_from_slice(b"-ERR ");
//!             output.extend_from_slice(&e.message());
//!             output.extend_from_slice(b"\r\n");
//!             break; // and close the connection
//!         }
//!     };
//!     input.advance(consumed);
//! }
//! assert_eq!(&output[..], b"$5\r\nhello\r\n+PONG\r\n");
//! assert_eq!(&input[..], b"*1\r\n$4\r\nPI"); // kept for the next read
//!
//! // Replies to a RESP3 client, e.g. HGETALL as a map.
//! output.clear();
//! encode::map_len(&mut output, 1, Protocol::Resp3);
//! encode::bulk(&mut output, b"field");
//! encode::integer(&mut output, 7);
//! assert_eq!(&output[..], b"%1\r\n$5\r\nfield\r\n:7\r\n");
//! # Ok::<(), ember_resp::ProtocolError>(())
//! ```

#![deny(missing_docs)]

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod command;
mod decode;
pub mod encode;
mod error;
mod frame;
#[doc(hidden)]
pub mod fuzzing;
mod inline;
mod limits;
mod walk;

pub use command::{Args, Command, CommandDecoder};
pub use decode::FrameDecoder;
pub use error::ProtocolError;
pub use frame::{Frame, Protocol};
pub use inline::split_inline;
pub use limits::{
    Limits, DEFAULT_MAX_BULK_LEN, DEFAULT_MAX_INLINE_LEN, UNAUTHENTICATED_MAX_ARGS, UNAUTHENTICATED_MAX_BULK,
};
pub use walk::{Item, Walk};
