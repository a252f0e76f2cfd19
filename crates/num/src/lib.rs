//! ember-num: Redis's number text, in one place for every ember crate. Each
//! function reproduces what Redis 7.0 (on x86-64 Linux, glibc) does, byte for
//! byte, without libc and without allocating on the hot paths.
//!
//! Integers ([`INT_BUF_LEN`]-byte stack buffers):
//!
//! - [`parse_i64`] — Redis's `string2ll`, the strict syntax of integer
//!   arguments, request lengths and the `int` encoding; [`parse_i64_lenient`]
//!   for RESP3 replies.
//! - [`format_i64`], [`format_u64`], [`write_u64_backwards`] — decimal
//!   formatting into a caller's buffer, two digits per division.
//! - [`strtoll`], [`strtoull`] ([`CInt`]) — C's prefix parsers;
//!   [`string2ull`] — Redis's stream-id parser built on them; [`is_c_space`],
//!   [`c_string`].
//!
//! Doubles ([`FLOAT_BUF_LEN`]-byte stack buffers):
//!
//! - [`strtod`] ([`Strtod`]) — glibc's `strtod`, correctly rounded, decimal
//!   and hexadecimal, with its `ERANGE` rule.
//! - [`parse_f64`] — a score or other double argument (`getDoubleFromObject`).
//! - [`format_g`], [`format_g17`] — printf's `%.<P>g` bit-exact (`%.17g` is
//!   how Redis replies doubles and passes Lua numbers to commands).
//! - [`format_d2string`] — the score text of a listpack sorted set.
//!
//! `long double`:
//!
//! - [`LongDouble`] — the x87 80-bit arithmetic of INCRBYFLOAT and
//!   HINCRBYFLOAT (`parse` as `strtold`, `add`, `to_human` as `%.17Lf` with
//!   trailing zeros trimmed) and of blocking timeouts (`mul`, `ceil`,
//!   `to_i64`).
//!
//! ```
//! let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
//! let score = ember_num::parse_f64(b"0.1").unwrap();
//! assert_eq!(ember_num::format_g17(score, &mut buf), b"0.10000000000000001");
//!
//! let mut digits = [0u8; ember_num::INT_BUF_LEN];
//! let n = ember_num::parse_i64(b"-42").unwrap();
//! assert_eq!(ember_num::format_i64(n * 2, &mut digits), b"-84");
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod big;
mod binary;
mod float;
mod int;
mod long_double;

pub use float::{format_d2string, format_g, format_g17, parse_f64, strtod, Strtod, FLOAT_BUF_LEN};
pub use int::{
    c_string, format_i64, format_u64, is_c_space, parse_i64, parse_i64_lenient, string2ull, strtoll, strtoull,
    write_u64_backwards, CInt, INT_BUF_LEN,
};
pub use long_double::LongDouble;
