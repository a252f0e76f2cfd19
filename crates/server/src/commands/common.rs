//! Helpers that several command families share, kept here so that no
//! family imports another: the handler of container commands and the HELP
//! reply layout, the Redis version ember reports, the SCAN family's cursor,
//! options and reply, the count of HRANDFIELD / SRANDMEMBER, the PRNG for
//! random replies, and forgetting a client's WATCHed keys.

use std::cell::Cell;

use ember_resp::Command;
use ember_store::glob_match;
use ember_store::types::dict::Rng;

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is};

/// The Redis version ember reports to clients (HELLO, INFO), so that client
/// libraries enable the Redis 7 features ember implements.
pub const REDIS_VERSION: &str = "7.0.15";

/// Handler of container commands: dispatch already chose the subcommand, so
/// reaching this means the table is wrong.
pub fn container(_ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
    Err(CmdError::err("container command called without a subcommand"))
}

/// Replies with Redis's HELP layout: a header line, the lines, and the
/// trailing HELP line.
pub fn help(ctx: &mut Ctx<'_>, command: &str, lines: &[&str]) {
    let out = ctx.out();
    out.array(lines.len() + 3);
    out.simple(&format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    for l in lines {
        out.simple(l);
    }
    out.simple("HELP");
    out.simple("    Prints this help.");
}

/// Parses SCAN's cursor like C's `strtoul` as Redis does: no leading space,
/// an optional sign (a negative cursor wraps around: `-1` is 2^64-1), digits,
/// nothing after them. An empty cursor is 0, as in Redis.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::err("invalid cursor");
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if arg.is_empty() {
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10).and_then(|v| v.checked_add(u64::from(d - b'0'))).ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// SSCAN / HSCAN options after the cursor: `MATCH pattern`, `COUNT n`.
pub struct ScanOpts<'a> {
    /// The MATCH pattern (`None` for everything).
    pub pattern: Option<&'a [u8]>,
    /// The COUNT hint.
    pub count: usize,
}

impl<'a> ScanOpts<'a> {
    /// Parses the options from argument `start` on, as Redis does.
    pub fn parse(cmd: &Command<'a>, start: usize) -> Result<ScanOpts<'a>, CmdError> {
        let mut o = ScanOpts { pattern: None, count: 10 };
        let mut i = start;
        while i < cmd.len() {
            let Some(val) = cmd.get(i + 1) else { return Err(CmdError::Syntax) };
            if is(cmd.arg(i), "COUNT") {
                let n = int_arg(val)?;
                if n < 1 {
                    return Err(CmdError::Syntax);
                }
                o.count = n as usize;
            } else if is(cmd.arg(i), "MATCH") {
                o.pattern = (val != b"*").then_some(val);
            } else {
                return Err(CmdError::Syntax);
            }
            i += 2;
        }
        Ok(o)
    }

    /// True if `s` passes the MATCH filter.
    pub fn matches(&self, s: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob_match(p, s, false))
    }
}

/// Writes a SCAN-family reply: the cursor and the items.
pub fn reply_scan(out: &mut Out, cursor: u64, items: &[Vec<u8>]) {
    out.array(2);
    let mut buf = [0u8; 20];
    out.bulk(fmt_u64(cursor, &mut buf));
    out.array(items.len());
    for i in items {
        out.bulk(i);
    }
}

fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// Parses the count of HRANDFIELD / SRANDMEMBER: an integer in
/// `-i64::MAX..=i64::MAX`, with Redis's errors.
pub fn parse_count(arg: &[u8]) -> Result<i64, CmdError> {
    let n = int_arg(arg)?;
    if n == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(n)
}

thread_local! {
    /// State of the per-process random stream (commands run on one thread).
    static RNG_STATE: Cell<Option<u64>> = const { Cell::new(None) };
}

/// A PRNG for one command (SPOP, SRANDMEMBER, HRANDFIELD, ...), drawn from
/// the thread's random stream, which is seeded per process unless
/// [`seed_random`] fixed it.
pub fn command_rng() -> Rng {
    RNG_STATE.with(|s| {
        let mut base = Rng::new(s.get().unwrap_or_else(|| Rng::from_entropy().next_u64()));
        let seed = base.next_u64();
        s.set(Some(seed));
        Rng::new(seed)
    })
}

/// Fixes the random stream of this thread (tests: reproducible draws).
pub fn seed_random(seed: u64) {
    RNG_STATE.with(|s| s.set(Some(seed)));
}

/// Forgets the client's WATCHed keys.
pub fn unwatch_all(ctx: &mut Ctx<'_>) {
    let keys = std::mem::take(&mut ctx.client.watched);
    ctx.srv.events.unwatch(ctx.client.id, &keys);
}

/// Test support: runs `f` on a cursor over `line`, an inline command split
/// at spaces, positioned after its first `names` words (1: the command name,
/// 2: a subcommand's too), as dispatch positions it.
#[cfg(test)]
pub fn with_args<R>(line: &str, names: usize, f: impl FnOnce(&mut Args<'_>) -> R) -> R {
    let mut raw = line.as_bytes().to_vec();
    raw.extend_from_slice(b"\r\n");
    let mut decoder = ember_resp::CommandDecoder::default();
    let cmd = decoder.decode(&raw).expect("a well-formed line").expect("a whole command");
    f(&mut Args::new(cmd, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_like_redis() {
        assert_eq!(parse_count(b"-9223372036854775807"), Ok(-i64::MAX));
        assert!(parse_count(b"-9223372036854775808").unwrap_err().to_string().contains("must between"));
        assert_eq!(parse_count(b"x"), Err(CmdError::NotInteger));
    }

    #[test]
    fn u64_cursor_text() {
        let mut b = [0u8; 20];
        assert_eq!(fmt_u64(0, &mut b), b"0");
        assert_eq!(fmt_u64(u64::MAX, &mut b), b"18446744073709551615");
    }

    #[test]
    fn seeded_stream_is_reproducible() {
        seed_random(42);
        let a = command_rng().next_u64();
        let b = command_rng().next_u64();
        seed_random(42);
        assert_eq!(command_rng().next_u64(), a);
        assert_eq!(command_rng().next_u64(), b);
        assert_ne!(a, b);
    }
}
