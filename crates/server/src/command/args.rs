//! The argument cursor handlers read their arguments with (the shape of
//! mini-redis's `Parse`): each `next_*` call takes the next argument and
//! turns a missing or malformed one into Redis's error, and [`Args::finish`]
//! refuses whatever is left.
//!
//! ```ignore
//! fn getrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
//!     let key = args.next_bytes()?;
//!     let start = args.next_i64()?;
//!     let end = args.next_i64()?;
//!     args.finish()?;
//!     ...
//! }
//! ```
//!
//! Arity was checked by the gate, so the arguments it guarantees are there;
//! a missing optional one is a syntax error, as in Redis.

use ember_num::{parse_f64, parse_i64};
use ember_resp::Command;

use crate::error::CmdError;

/// A cursor over a command's arguments. It starts after the command name
/// (after the subcommand name for a subcommand), and yields slices of the
/// request buffer, so what a handler reads lives as long as the request.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    cmd: &'a Command<'a>,
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor over `cmd` at argument `pos` (1: just after the name).
    #[inline]
    pub fn new(cmd: &'a Command<'a>, pos: usize) -> Args<'a> {
        Args { cmd, pos }
    }

    /// The whole command, name included.
    #[inline]
    pub fn command(&self) -> Command<'a> {
        *self.cmd
    }

    /// The command name as the client sent it.
    #[inline]
    pub fn name(&self) -> &'a [u8] {
        self.cmd.arg(0)
    }

    /// The number of arguments, name included.
    #[inline]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.cmd.len()
    }

    /// Argument `i` of the whole command (0 is the name).
    ///
    /// # Panics
    /// If `i >= self.len()`: use it only for positions arity guarantees.
    #[inline]
    pub fn arg(&self, i: usize) -> &'a [u8] {
        self.cmd.arg(i)
    }

    /// Argument `i` of the whole command, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.cmd.get(i)
    }

    /// The index of the next argument.
    #[inline]
    pub fn index(&self) -> usize {
        self.pos
    }

    /// Moves the cursor to argument `i`.
    #[inline]
    pub fn seek(&mut self, i: usize) {
        self.pos = i.min(self.cmd.len());
    }

    /// How many arguments are left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.cmd.len().saturating_sub(self.pos)
    }

    /// Whether arguments are left.
    #[inline]
    pub fn has_more(&self) -> bool {
        self.pos < self.cmd.len()
    }

    /// The next argument, without taking it.
    #[inline]
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.cmd.get(self.pos)
    }

    /// Takes the next argument; a missing one is a syntax error.
    #[inline]
    pub fn next_bytes(&mut self) -> Result<&'a [u8], CmdError> {
        // A `match`, not `ok_or`: an error built eagerly would be dropped on
        // every call (CmdError has drop glue), on the hot path.
        match self.next() {
            Some(a) => Ok(a),
            None => Err(CmdError::Syntax),
        }
    }

    /// Takes the next argument as a 64-bit integer (Redis's `string2ll`).
    #[inline]
    pub fn next_i64(&mut self) -> Result<i64, CmdError> {
        match parse_i64(self.next_bytes()?) {
            Some(n) => Ok(n),
            None => Err(CmdError::NotInteger),
        }
    }

    /// Takes the next argument as a double (Redis's `strtod` rules).
    #[inline]
    pub fn next_f64(&mut self) -> Result<f64, CmdError> {
        match parse_f64(self.next_bytes()?) {
            Some(v) => Ok(v),
            None => Err(CmdError::NotFloat),
        }
    }

    /// Takes the next argument as an integer, with `err` when it is not one
    /// or `ok` refuses it (Redis's range-checked integer options).
    #[inline]
    pub fn next_i64_where(&mut self, ok: impl FnOnce(i64) -> bool, err: CmdError) -> Result<i64, CmdError> {
        match parse_i64(self.next_bytes()?) {
            Some(n) if ok(n) => Ok(n),
            _ => Err(err),
        }
    }

    /// Takes the next argument if it is `keyword` (ASCII case-insensitive).
    #[inline]
    pub fn eat(&mut self, keyword: &str) -> bool {
        match self.peek() {
            Some(a) if a.eq_ignore_ascii_case(keyword.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Takes the next argument and tells which of `keywords` it is (ASCII
    /// case-insensitive); a missing or other argument is a syntax error.
    #[inline]
    pub fn next_keyword(&mut self, keywords: &[&str]) -> Result<usize, CmdError> {
        let a = self.next_bytes()?;
        match keywords.iter().position(|k| a.eq_ignore_ascii_case(k.as_bytes())) {
            Some(i) => Ok(i),
            None => Err(CmdError::Syntax),
        }
    }

    /// Takes every argument that is left.
    #[inline]
    pub fn rest(&mut self) -> Args<'a> {
        let rest = *self;
        self.pos = self.cmd.len();
        rest
    }

    /// Succeeds when every argument was taken; a leftover one is a syntax
    /// error.
    #[inline]
    pub fn finish(&self) -> Result<(), CmdError> {
        if self.has_more() {
            Err(CmdError::Syntax)
        } else {
            Ok(())
        }
    }

    /// Takes the next `n` arguments (all that are left if fewer are) and
    /// yields them: a numkeys-counted key list, or every key before a
    /// trailing timeout. The iterator is `Clone`, so the keys can be read
    /// twice.
    #[inline]
    pub fn next_n(&mut self, n: usize) -> std::iter::Take<Args<'a>> {
        let taken = (*self).take(n);
        self.pos = self.pos.saturating_add(n).min(self.cmd.len());
        taken
    }
}

/// The command the cursor reads, for code that wants it whole (its key
/// positions, its raw form).
impl<'a> std::ops::Deref for Args<'a> {
    type Target = Command<'a>;
    #[inline]
    fn deref(&self) -> &Command<'a> {
        self.cmd
    }
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a [u8];

    /// Takes the next argument.
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let a = self.cmd.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining();
        (n, Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ember_resp::CommandDecoder;

    fn with_args(line: &str, f: impl FnOnce(Args<'_>)) {
        let mut raw = line.as_bytes().to_vec();
        raw.extend_from_slice(b"\r\n");
        let mut d = CommandDecoder::default();
        let cmd = d.decode(&raw).unwrap().unwrap();
        f(Args::new(&cmd, 1));
    }

    #[test]
    fn reads_in_order_and_finishes() {
        with_args("getrange k 1 -2", |mut a| {
            assert_eq!(a.next_bytes().unwrap(), b"k");
            assert_eq!(a.next_i64().unwrap(), 1);
            assert_eq!(a.next_i64().unwrap(), -2);
            assert_eq!(a.finish(), Ok(()));
            assert_eq!(a.next_bytes(), Err(CmdError::Syntax));
        });
    }

    #[test]
    fn errors_are_redis_errors() {
        with_args("x 1.5 abc +1 nan", |mut a| {
            assert_eq!(a.next_i64(), Err(CmdError::NotInteger));
            assert_eq!(a.next_f64(), Err(CmdError::NotFloat));
            assert_eq!(a.next_i64(), Err(CmdError::NotInteger));
            assert_eq!(a.finish(), Err(CmdError::Syntax));
            assert_eq!(a.next_f64(), Err(CmdError::NotFloat));
        });
    }

    #[test]
    fn keywords_fold_case() {
        with_args("set k v nx Ex 10", |mut a| {
            a.seek(3);
            assert!(!a.eat("XX"));
            assert!(a.eat("NX"));
            assert_eq!(a.next_keyword(&["PX", "EX"]), Ok(1));
            assert_eq!(a.next_i64_where(|n| n > 0, CmdError::Syntax), Ok(10));
            assert!(!a.has_more());
        });
        with_args("x a b c", |mut a| {
            assert_eq!(a.remaining(), 3);
            let rest: Vec<&[u8]> = a.rest().collect();
            assert_eq!(rest, vec![&b"a"[..], b"b", b"c"]);
            assert_eq!(a.finish(), Ok(()));
        });
    }

    #[test]
    fn next_n_takes_a_counted_run() {
        with_args("blpop a b c 5", |mut a| {
            let keys = a.next_n(a.remaining() - 1);
            assert_eq!(keys.clone().collect::<Vec<_>>(), vec![&b"a"[..], b"b", b"c"]);
            assert_eq!(keys.count(), 3);
            assert_eq!(a.next_i64(), Ok(5));
            assert_eq!(a.finish(), Ok(()));
        });
        with_args("x a b", |mut a| {
            assert_eq!(a.next_n(usize::MAX).count(), 2);
            assert!(!a.has_more());
            assert_eq!(a.next_n(3).count(), 0);
        });
    }
}
