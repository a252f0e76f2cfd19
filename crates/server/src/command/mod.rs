//! The command table: every command declared once ([`CommandSpec`]: name,
//! arity, flags, ACL categories, key specs, docs, handler), the
//! case-insensitive lookup dispatch uses ([`Registry`]), the argument
//! cursor handlers read with ([`Args`]), and what a handler sees
//! ([`Ctx`]) and returns ([`Outcome`]).
//!
//! COMMAND, COMMAND INFO / DOCS / LIST / GETKEYS / GETKEYSANDFLAGS and
//! docs/COMMANDS.md are all generated from this one table.

mod args;
pub mod keys;
mod registry;
pub mod spec;

pub use args::Args;

/// What a command family's module needs: the table's types and constants,
/// and what handlers use.
pub mod prelude {
    pub use super::keys::getkeys;
    pub use super::spec::flags::*;
    pub use super::spec::{acl, arg, ks, CommandSpec, KeySpec};
    pub use super::{Args, CmdResult, Ctx, Outcome, Replied};
    pub use crate::error::CmdError;
}
pub use registry::{registry, Registry};
pub use spec::{acl, arg, flags, ks, CommandSpec, Handler, KeySpec, KeysFn};

use ember_store::Db;

use crate::blocking::BlockRequest;
use crate::client::{Client, Out};
use crate::error::CmdError;
use crate::server::Shared;

/// What a handler sees: the server state, the calling client and the clock.
pub struct Ctx<'a> {
    /// Everything the server owns except the calling client.
    pub srv: &'a mut Shared,
    /// The calling client.
    pub client: &'a mut Client,
    /// Milliseconds since the epoch, fixed for the whole command.
    pub now_ms: u64,
}

impl Ctx<'_> {
    /// The reply writer.
    #[inline]
    pub fn out(&mut self) -> &mut Out {
        &mut self.client.out
    }
    /// The client's selected database.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        self.srv.store.db(self.client.db)
    }
    /// Records a change to the dataset (for save points and INFO).
    #[inline]
    pub fn dirty(&mut self, n: u64) {
        self.srv.dirty += n;
    }
    /// Keyspace notification: `event` happened to `key` in the client's
    /// database. One test when notifications of `class` are off (the
    /// default); see `pubsub::notify`.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.srv.notify_mask & class != 0 {
            let db = self.client.db;
            crate::pubsub::notify(self.srv, Some(&mut *self.client), class, event, key, db);
        }
    }
    /// [`notify`](Self::notify) for a key in another database (MOVE, COPY).
    #[inline]
    pub fn notify_db(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        if self.srv.notify_mask & class != 0 {
            crate::pubsub::notify(self.srv, Some(&mut *self.client), class, event, key, db);
        }
    }
    /// Whether this command may block (not inside MULTI/EXEC or a script,
    /// nor for a client that never blocks).
    #[inline]
    pub fn may_block(&self) -> bool {
        !self.client.in_exec && !self.client.never_blocks
    }
}

/// What a handler did, when it did not fail.
#[derive(Debug)]
pub enum Outcome {
    /// It wrote its reply.
    Replied,
    /// It found nothing to serve: the client waits on these keys (or for
    /// this deadline) and the command runs again when one is touched.
    Block(BlockRequest),
}

pub use Outcome::Replied;

/// What a handler returns: what it did, or the error that is its reply.
pub type CmdResult = Result<Outcome, CmdError>;

/// ASCII case-insensitive comparison of an argument with an option name.
#[inline]
pub fn is(arg: &[u8], option: &str) -> bool {
    arg.eq_ignore_ascii_case(option.as_bytes())
}

/// Parses a 64-bit signed integer the way Redis's string2ll does: optional
/// `-`, decimal digits, no leading zeros, no spaces, no `+`.
pub fn parse_i64(arg: &[u8]) -> Option<i64> {
    let (neg, digits) = match arg {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, arg),
    };
    if digits.is_empty() || digits.len() > 19 || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    if neg && digits == b"0" {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// [`parse_i64`] with Redis's "not an integer" error.
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// Parses a double as Redis's string2ld/strtold: decimal or exponent forms,
/// `inf`/`-inf` (any case, also `infinity`), no NaN, no surrounding spaces.
pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || arg[0].is_ascii_whitespace() || arg[arg.len() - 1].is_ascii_whitespace() {
        return None;
    }
    let s = std::str::from_utf8(arg).ok()?;
    let v: f64 = s.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/// [`parse_f64`] with Redis's "not a valid float" error.
pub fn float_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// Lossy text of an argument, for error messages.
pub fn lossy(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_like_redis() {
        for (s, want) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-0", None),
            ("01", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("1.0", None),
            ("12a", None),
        ] {
            assert_eq!(parse_i64(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn floats_parse_like_redis() {
        for (s, want) in [
            ("1.5", Some(1.5)),
            ("-2", Some(-2.0)),
            ("1e3", Some(1000.0)),
            ("inf", Some(f64::INFINITY)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("+inf", Some(f64::INFINITY)),
            ("nan", None),
            ("", None),
            (" 1", None),
            ("1x", None),
        ] {
            assert_eq!(parse_f64(s.as_bytes()), want, "{s:?}");
        }
    }
}
