//! Helpers that several command families share, kept here so that no
//! family imports another: the handler of container commands and the HELP
//! reply layout, the Redis version ember reports, the SCAN family's cursor,
//! options and reply, the counts of HRANDFIELD / SRANDMEMBER / ZRANDMEMBER
//! and of the pops, LMPOP / ZMPOP's arguments, the sorted-set lookup and
//! score parsing that geo shares with zsets, the PRNG for random replies,
//! and forgetting a client's WATCHed keys.

use std::cell::Cell;
use std::iter::Take;

use ember_store::types::dict::Rng;
use ember_store::types::zset::ZSet;
use ember_store::{glob_match, Db, Value};

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is};

/// The Redis version ember reports to clients (HELLO, INFO), so that client
/// libraries enable the Redis 7 features ember implements.
pub const REDIS_VERSION: &str = "7.0.15";

/// Handler of container commands: dispatch already chose the subcommand, so
/// reaching this means the table is wrong.
pub fn container(_ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
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

/// Redis's error for a subcommand given arguments it does not take (its
/// handler's own arity check): `unknown subcommand or wrong number of
/// arguments for 'unblock'. Try CLIENT HELP.`, naming the subcommand as
/// sent.
pub fn subcommand_syntax(args: &Args<'_>, container: &str) -> CmdError {
    let sub = args.arg(1);
    CmdError::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {container} HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)])
    ))
}

/// Parses SCAN's cursor as Redis does, with C's `strtoul`
/// ([`ember_num::strtoull`]): no leading space, an optional sign (a negative
/// cursor wraps around: `-1` is 2^64-1), digits up to the end of the C
/// string (a NUL byte ends it), no overflow. An empty cursor is 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let r = ember_num::strtoull(arg);
    let ends = arg.get(r.used).is_none_or(|&b| b == 0);
    if arg.first().is_some_and(|&b| ember_num::is_c_space(b)) || !ends || r.overflow {
        return Err(CmdError::err("invalid cursor"));
    }
    Ok(r.value)
}

/// SSCAN / HSCAN options after the cursor: `MATCH pattern`, `COUNT n`.
pub struct ScanOpts<'a> {
    /// The MATCH pattern (`None` for everything).
    pub pattern: Option<&'a [u8]>,
    /// The COUNT hint.
    pub count: usize,
}

impl<'a> ScanOpts<'a> {
    /// Parses the options that are left in `args`, as Redis does: every
    /// option takes a value, a later one wins.
    pub fn parse(args: &mut Args<'a>) -> Result<ScanOpts<'a>, CmdError> {
        let mut o = ScanOpts { pattern: None, count: 10 };
        while let Some(opt) = args.next() {
            let val = args.next_bytes()?;
            if is(opt, "COUNT") {
                let n = int_arg(val)?;
                if n < 1 {
                    return Err(CmdError::Syntax);
                }
                o.count = n as usize;
            } else if is(opt, "MATCH") {
                o.pattern = (val != b"*").then_some(val);
            } else {
                return Err(CmdError::Syntax);
            }
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
    let mut buf = [0u8; ember_num::INT_BUF_LEN];
    out.bulk(ember_num::format_u64(cursor, &mut buf));
    out.array(items.len());
    for i in items {
        out.bulk(i);
    }
}

/// Parses the count of HRANDFIELD / SRANDMEMBER / ZRANDMEMBER: an integer
/// in `-i64::MAX..=i64::MAX`, with Redis's errors.
pub fn parse_count(arg: &[u8]) -> Result<i64, CmdError> {
    let n = int_arg(arg)?;
    if n == i64::MIN {
        return Err(CmdError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(n)
}

/// HRANDFIELD's / ZRANDMEMBER's `[count [<with>]]` (`with`: WITHVALUES,
/// WITHSCORES), read from `args`: `None` without a count, else the count
/// and whether `with` was given. The count is checked first; with `with`
/// it must fit twice in an i64 (the reply holds two items per pick).
pub fn random_count_args(args: &mut Args<'_>, with: &str) -> Result<Option<(i64, bool)>, CmdError> {
    let Some(count) = args.next() else { return Ok(None) };
    let count = parse_count(count)?;
    let with = args.eat(with);
    args.finish()?;
    if with && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::err("value is out of range"));
    }
    Ok(Some((count, with)))
}

/// Parses the optional count of LPOP / RPOP / SPOP / ZPOPMIN / ZPOPMAX: a
/// non-negative integer, with Redis's one message for a negative count and
/// for one that is not an integer.
pub fn positive_count(arg: &[u8]) -> Result<usize, CmdError> {
    match crate::command::parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(CmdError::err("value is out of range, must be positive")),
    }
}

/// The arguments LMPOP / BLMPOP / ZMPOP / BZMPOP share, read from `args`:
/// `numkeys key [key ...] <end> [COUNT count]`, where `<end>` is one of
/// `ends` (LEFT|RIGHT, MIN|MAX). Returns the keys, which of `ends` was
/// given and the count (1 without COUNT).
pub fn mpop_args<'a>(args: &mut Args<'a>, ends: &[&str]) -> Result<(Take<Args<'a>>, usize, usize), CmdError> {
    let numkeys = args.next_i64_where(|n| n > 0, CmdError::err("numkeys should be greater than 0"))? as u64;
    // The end must follow the keys.
    if numkeys >= args.remaining() as u64 {
        return Err(CmdError::Syntax);
    }
    let keys = args.next_n(numkeys as usize);
    let end = args.next_keyword(ends)?;
    let mut count = None;
    while let Some(opt) = args.next() {
        if count.is_none() && is(opt, "COUNT") && args.has_more() {
            let n = args.next_i64_where(|n| n > 0, CmdError::err("count should be greater than 0"))?;
            count = Some(n as usize);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((keys, end, count.unwrap_or(1)))
}

/// The sorted set at `key` (ZSET commands, and geo indexes, which are
/// sorted sets): `Ok(None)` if missing, WRONGTYPE for other types.
pub fn lookup_zset<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut ZSet>, CmdError> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
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
    f(&mut Args::new(&cmd, names))
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
    fn seeded_stream_is_reproducible() {
        seed_random(42);
        let a = command_rng().next_u64();
        let b = command_rng().next_u64();
        seed_random(42);
        assert_eq!(command_rng().next_u64(), a);
        assert_eq!(command_rng().next_u64(), b);
        assert_ne!(a, b);
    }

    #[test]
    fn scan_options_parse_like_redis() {
        let check = |line: &str, want: Result<(Option<&str>, usize), CmdError>| {
            let got = with_args(line, 1, |a| {
                a.seek(3);
                ScanOpts::parse(a).map(|o| (o.pattern.map(|p| String::from_utf8_lossy(p).into_owned()), o.count))
            });
            assert_eq!(got, want.map(|(p, c)| (p.map(str::to_owned), c)), "{line}");
        };
        check("hscan k 0", Ok((None, 10)));
        check("hscan k 0 match a* count 5", Ok((Some("a*"), 5)));
        check("hscan k 0 MATCH * COUNT 1", Ok((None, 1)));
        check("hscan k 0 count 5 count 7 match x match y", Ok((Some("y"), 7)));
        check("hscan k 0 count 0", Err(CmdError::Syntax));
        check("hscan k 0 count -1", Err(CmdError::Syntax));
        check("hscan k 0 count x", Err(CmdError::NotInteger));
        check("hscan k 0 match", Err(CmdError::Syntax));
        check("hscan k 0 foo bar", Err(CmdError::Syntax));
        check("hscan k 0 foo", Err(CmdError::Syntax));
    }

    #[test]
    fn random_counts_parse_like_redis() {
        let range = Err(CmdError::err("value is out of range"));
        let check = |line: &str, want: Result<Option<(i64, bool)>, CmdError>| {
            let got = with_args(line, 1, |a| {
                a.seek(2);
                random_count_args(a, "WITHVALUES")
            });
            assert_eq!(got, want, "{line}");
        };
        check("hrandfield k", Ok(None));
        check("hrandfield k 3", Ok(Some((3, false))));
        check("hrandfield k -3 withvalues", Ok(Some((-3, true))));
        check("hrandfield k 4611686018427387903 WITHVALUES", Ok(Some((i64::MAX / 2, true))));
        check("hrandfield k 4611686018427387904 WITHVALUES", range.clone());
        check("hrandfield k -4611686018427387904 WITHVALUES", range);
        check("hrandfield k 9223372036854775807", Ok(Some((i64::MAX, false))));
        check("hrandfield k x withvalues extra", Err(CmdError::NotInteger));
        check("hrandfield k 1 withscores", Err(CmdError::Syntax));
        check("hrandfield k 1 withvalues extra", Err(CmdError::Syntax));
        let min = with_args("hrandfield k -9223372036854775808", 1, |a| {
            a.seek(2);
            random_count_args(a, "WITHVALUES")
        });
        assert!(min.unwrap_err().to_string().contains("must between"));
    }

    #[test]
    fn positive_counts() {
        let out_of_range = Err(CmdError::err("value is out of range, must be positive"));
        for (s, want) in [("0", Ok(0)), ("3", Ok(3)), ("-1", out_of_range.clone()), ("x", out_of_range.clone())] {
            assert_eq!(positive_count(s.as_bytes()), want, "{s}");
        }
    }

    #[test]
    fn mpop_args_parse_like_redis() {
        let numkeys = Err(CmdError::err("numkeys should be greater than 0"));
        let count = Err(CmdError::err("count should be greater than 0"));
        let check = |line: &str, want: Result<(Vec<&str>, usize, usize), CmdError>| {
            let got = with_args(line, 1, |a| {
                mpop_args(a, &["LEFT", "RIGHT"]).map(|(keys, end, n)| {
                    (keys.map(|k| String::from_utf8_lossy(k).into_owned()).collect::<Vec<_>>(), end, n)
                })
            });
            let want = want.map(|(k, e, n)| (k.into_iter().map(str::to_owned).collect::<Vec<_>>(), e, n));
            assert_eq!(got, want, "{line}");
        };
        check("lmpop 1 a left", Ok((vec!["a"], 0, 1)));
        check("lmpop 2 a b RIGHT count 3", Ok((vec!["a", "b"], 1, 3)));
        check("lmpop 0 a left", numkeys.clone());
        check("lmpop -1 a left", numkeys.clone());
        check("lmpop x a left", numkeys);
        check("lmpop 2 a left", Err(CmdError::Syntax));
        check("lmpop 9223372036854775807 a left", Err(CmdError::Syntax));
        check("lmpop 1 a up", Err(CmdError::Syntax));
        check("lmpop 1 a left count 0", count.clone());
        check("lmpop 1 a left count x", count);
        check("lmpop 1 a left count", Err(CmdError::Syntax));
        check("lmpop 1 a left count 1 count 2", Err(CmdError::Syntax));
        check("lmpop 1 a left foo", Err(CmdError::Syntax));
    }
}
