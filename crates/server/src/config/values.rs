//! Value kinds and their parsers: what a parameter's value may look like
//! ([`Kind`]) and the Redis-compatible parsers and printers behind them
//! (booleans, `string2ll` integers, octal, memory units, enums, and the
//! special formats of `save`, `client-output-buffer-limit`,
//! `notify-keyspace-events`, `dir`, ...), each with Redis's error text
//! ([`ValueError`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{obuf_class, Access, ObufLimit};

/// Why a value was refused. The text is what Redis prints after the
/// parameter name, so one type serves config files and `CONFIG SET`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError(pub String);

impl ValueError {
    pub(super) fn new(text: &str) -> ValueError {
        ValueError(text.to_string())
    }
}

/// What a parameter's values look like (for validation of the parameters
/// kept as text, and for docs/CONFIG.md).
#[derive(Clone, Copy)]
pub enum Kind {
    /// `yes` or `no`, case-insensitive.
    Bool,
    /// A decimal integer (Redis's `string2ll`) in `[min, max]`.
    Int(i64, i64),
    /// An octal integer in `[0, max]` (`unixsocketperm`).
    Octal(i64),
    /// A byte count with an optional unit (`k`, `kb`, `m`, `mb`, `g`, `gb`,
    /// `b`) in `[min, max]`.
    Memory(u64, u64),
    /// One of these words, case-insensitive; CONFIG GET prints it lowercase.
    Enum(&'static [&'static str]),
    /// Any string.
    Str,
    /// A format of its own: the parser gets the current value and the words
    /// of the new one and returns the new CONFIG GET text. The string
    /// describes the format in docs/CONFIG.md.
    Special(Parser, &'static str),
    /// A format only a typed field's own setter knows (`bind`, `save`).
    Custom(&'static str),
}

pub(super) type Parser = fn(&str, &[&[u8]]) -> Result<String, ValueError>;
impl Kind {
    /// Validates `words` (one word unless the parameter takes several) and
    /// returns the value as CONFIG GET prints it.
    pub(super) fn parse(&self, current: &str, words: &[&[u8]]) -> Result<String, ValueError> {
        match *self {
            Kind::Bool => Ok(bool_str(parse_bool(one(words)?)?)),
            Kind::Int(min, max) => Ok(parse_int(one(words)?, min, max)?.to_string()),
            Kind::Octal(max) => Ok(format!("{:o}", parse_octal(one(words)?, max)?)),
            Kind::Memory(min, max) => Ok(memory_arg(one(words)?, min, max)?.to_string()),
            Kind::Enum(choices) => Ok(enum_arg(one(words)?, choices)?.to_string()),
            Kind::Str => Ok(text(one(words)?)),
            Kind::Special(parse, _) => parse(current, words),
            // Only typed fields have custom formats; they parse for themselves.
            Kind::Custom(_) => Err(ValueError::new("no parser for this parameter")),
        }
    }

    /// The type column of docs/CONFIG.md.
    pub fn describe(&self) -> String {
        let bound = |n: i64| match n {
            i64::MAX => "2^63-1".to_string(),
            i64::MIN => "-2^63".to_string(),
            n => n.to_string(),
        };
        match *self {
            Kind::Bool => "yes / no".into(),
            Kind::Int(min, max) => format!("integer {}..{}", bound(min), bound(max)),
            Kind::Octal(max) => format!("octal 0..{max:o}"),
            Kind::Memory(min, max) => {
                let max = if max == u64::MAX { "2^64-1".to_string() } else { bound(max as i64) };
                format!("memory {min}..{max}")
            }
            Kind::Enum(choices) => choices.join(" / "),
            Kind::Str => "string".into(),
            Kind::Special(_, doc) | Kind::Custom(doc) => doc.into(),
        }
    }
}

/// Splits a list value on single spaces, as Redis does: an empty string is
/// the empty list, and doubled spaces make empty words.
pub(super) fn split_words(v: &[u8]) -> Vec<&[u8]> {
    if v.is_empty() {
        Vec::new()
    } else {
        v.split(|b| *b == b' ').collect()
    }
}

pub(super) fn one<'a>(args: &[&'a [u8]]) -> Result<&'a [u8], ValueError> {
    match args {
        [v] => Ok(v),
        _ => Err(ValueError::new("wrong number of arguments")),
    }
}

pub(super) fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Parses `yes`/`no` the way Redis does (case-insensitive).
pub fn parse_bool(v: &[u8]) -> Result<bool, ValueError> {
    if v.eq_ignore_ascii_case(b"yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case(b"no") {
        Ok(false)
    } else {
        Err(ValueError::new("argument must be 'yes' or 'no'"))
    }
}

pub(super) fn bool_str(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// Parses a signed integer within `[min, max]`, written as Redis's
/// `string2ll` requires: an optional `-` and digits without a leading zero
/// (`0` alone is fine); no `+`, spaces or `-0`.
pub fn parse_int(v: &[u8], min: i64, max: i64) -> Result<i64, ValueError> {
    let n = string2ll(v).ok_or_else(|| ValueError::new("argument couldn't be parsed into an integer"))?;
    if n < min || n > max {
        return Err(ValueError(format!("argument must be between {min} and {max} inclusive")));
    }
    Ok(n)
}

/// Redis's strict integer syntax (see [`parse_int`]).
pub(super) fn string2ll(v: &[u8]) -> Option<i64> {
    ember_num::parse_i64(v)
}

/// The C library's `strtoll` over a whole word: leading white space, an
/// optional sign, at least one digit, nothing after. `Err(true)` when the
/// number does not fit (strtoll then returns the nearest bound).
pub(super) fn strtoll(v: &[u8]) -> Result<i64, bool> {
    let r = ember_num::strtoll(v);
    match (r.used == v.len() && r.used > 0, r.overflow) {
        (true, false) => Ok(r.value),
        (true, true) => Err(true),
        (false, _) => Err(false),
    }
}

/// An octal integer in `[0, max]`, as `unixsocketperm` takes it.
pub(super) fn parse_octal(v: &[u8], max: i64) -> Result<i64, ValueError> {
    let (neg, digits) = match v.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let n = (!digits.is_empty() && digits.iter().all(|d| (b'0'..=b'7').contains(d)))
        .then(|| i64::from_str_radix(std::str::from_utf8(digits).ok()?, 8).ok())
        .flatten()
        .ok_or_else(|| ValueError::new("argument couldn't be parsed as an octal number"))?;
    let n = if neg { -n } else { n };
    if !(0..=max).contains(&n) {
        return Err(ValueError(format!("argument must be between 0 and {max:o} inclusive")));
    }
    Ok(n)
}

/// Parses a memory amount as Redis does: digits (none means 0; a number too
/// large for 64 bits saturates) and an optional unit, case-insensitive:
/// `b`, `k`/`m`/`g` (powers of 1000) or `kb`/`mb`/`gb` (powers of 1024).
/// The multiplication wraps around 2^64 like Redis's.
pub fn parse_memory(v: &[u8]) -> Option<u64> {
    let lower: Vec<u8> = v.to_ascii_lowercase();
    let (digits, mul): (&[u8], u64) = if let Some(d) = lower.strip_suffix(b"gb") {
        (d, 1 << 30)
    } else if let Some(d) = lower.strip_suffix(b"mb") {
        (d, 1 << 20)
    } else if let Some(d) = lower.strip_suffix(b"kb") {
        (d, 1 << 10)
    } else if let Some(d) = lower.strip_suffix(b"g") {
        (d, 1_000_000_000)
    } else if let Some(d) = lower.strip_suffix(b"m") {
        (d, 1_000_000)
    } else if let Some(d) = lower.strip_suffix(b"k") {
        (d, 1000)
    } else if let Some(d) = lower.strip_suffix(b"b") {
        (d, 1)
    } else {
        (&lower, 1)
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    Some(n.wrapping_mul(mul))
}

pub(super) fn memory_arg(v: &[u8], min: u64, max: u64) -> Result<u64, ValueError> {
    let n = parse_memory(v).ok_or_else(|| ValueError::new("argument must be a memory value"))?;
    if n < min || n > max {
        return Err(ValueError(format!("argument must be between {min} and {max} inclusive")));
    }
    Ok(n)
}

pub(super) fn enum_error(choices: &[&str]) -> ValueError {
    ValueError("argument(s) must be one of the following: ".to_string() + &choices.join(", "))
}

pub(super) fn enum_arg(v: &[u8], choices: &[&'static str]) -> Result<&'static str, ValueError> {
    choices.iter().copied().find(|c| c.as_bytes().eq_ignore_ascii_case(v)).ok_or_else(|| enum_error(choices))
}

pub(super) fn access_str(a: Access) -> &'static str {
    match a {
        Access::No => "no",
        Access::Yes => "yes",
        Access::Local => "local",
    }
}

pub(super) fn access_arg(v: &[u8]) -> Result<Access, ValueError> {
    Ok(match enum_arg(v, ACCESS)? {
        "yes" => Access::Yes,
        "local" => Access::Local,
        _ => Access::No,
    })
}

pub(super) const ACCESS: &[&str] = &["no", "yes", "local"];

/// Keyspace notification flags (`notify-keyspace-events`), one bit per
/// class letter.
pub mod notify {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: keys reclaimed because their deadline passed.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: keys evicted for maxmemory.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key misses.
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module key types.
    pub const MODULE: u32 = 1 << 12;
    /// `n`: new keys (not part of `A`).
    pub const NEW: u32 = 1 << 13;
    /// `A`: `g$lshzxetd`.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
    /// The class letters of `A`, in the order Redis prints them, with their bits.
    pub const CLASSES: [(u8, u32); 10] = [
        (b'g', GENERIC),
        (b'$', STRING),
        (b'l', LIST),
        (b's', SET),
        (b'h', HASH),
        (b'z', ZSET),
        (b'x', EXPIRED),
        (b'e', EVICTED),
        (b't', STREAM),
        (b'd', MODULE),
    ];
}

/// Parses `notify-keyspace-events` as Redis does (`A` is `g$lshzxetd`).
pub fn notify_flags(v: &[u8]) -> Result<u32, ValueError> {
    let mut flags = 0;
    for &b in v {
        flags |= match b {
            b'A' => notify::ALL,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b'm' => notify::KEY_MISS,
            b'n' => notify::NEW,
            b => match notify::CLASSES.iter().find(|(c, _)| *c == b) {
                Some((_, bit)) => *bit,
                None => return Err(ValueError::new("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
            },
        };
    }
    Ok(flags)
}

/// `notify-keyspace-events` as CONFIG GET prints it: Redis's canonical
/// order (`KEA` reads back as `AKE`, `Kn` as `nK`; with every class, `A`,
/// and then Redis prints no `n` even when it is on).
pub fn render_notify(flags: u32) -> String {
    let mut out = String::new();
    if flags & notify::ALL == notify::ALL {
        out.push('A');
    } else {
        out.extend(notify::CLASSES.iter().filter(|(_, bit)| flags & bit != 0).map(|(c, _)| *c as char));
        if flags & notify::NEW != 0 {
            out.push('n');
        }
    }
    for (bit, c) in [(notify::KEYSPACE, 'K'), (notify::KEYEVENT, 'E'), (notify::KEY_MISS, 'm')] {
        if flags & bit != 0 {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
pub(super) fn parse_notify(v: &[u8]) -> Result<String, ValueError> {
    notify_flags(v).map(render_notify)
}

pub(super) fn parse_save(words: &[&[u8]]) -> Result<Vec<(u64, u64)>, ValueError> {
    let bad = || ValueError::new("Invalid save parameters");
    if words.len() % 2 != 0 {
        return Err(bad());
    }
    // Like Redis (strtoll): `+1`, `01` and leading white space are fine, a
    // number too large saturates; seconds must be at least 1.
    let num = |w: &[u8], min: i64| match strtoll(w) {
        Ok(n) if n >= min => Ok(n as u64),
        Err(true) if w.iter().all(|b| *b != b'-') => Ok(i64::MAX as u64),
        _ => Err(bad()),
    };
    words.chunks(2).map(|pair| Ok((num(pair[0], 1)?, num(pair[1], 0)?))).collect()
}

pub(super) fn render_save(points: &[(u64, u64)]) -> String {
    let mut s = String::new();
    for (i, (secs, changes)) in points.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{secs} {changes}");
    }
    s
}

const BUFFER_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// `client-output-buffer-limit`: `<class> <hard> <soft> <soft seconds>`
/// groups; each updates its class (`replica` is `slave`).
pub(super) fn parse_buffer_limits(limits: &mut [ObufLimit; 3], words: &[&[u8]]) -> Result<(), ValueError> {
    if words.len() % 4 != 0 {
        return Err(ValueError::new("Wrong number of arguments in buffer limit configuration."));
    }
    // All groups are checked before any applies.
    let mut new = *limits;
    for group in words.chunks(4) {
        let class = if group[0].eq_ignore_ascii_case(b"replica") {
            obuf_class::REPLICA
        } else {
            BUFFER_CLASSES
                .iter()
                .position(|c| c.as_bytes().eq_ignore_ascii_case(group[0]))
                .ok_or_else(|| ValueError::new("Invalid client class specified in buffer limit configuration."))?
        };
        let bad = || ValueError::new("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
        let hard = parse_memory(group[1]).ok_or_else(bad)?;
        let soft = parse_memory(group[2]).ok_or_else(bad)?;
        let secs = strtoll(group[3]).ok().filter(|s| *s >= 0).ok_or_else(bad)?;
        new[class] = ObufLimit { hard, soft, soft_seconds: secs as u64 };
    }
    *limits = new;
    Ok(())
}

/// `client-output-buffer-limit` as CONFIG GET prints it.
pub(super) fn render_buffer_limits(limits: &[ObufLimit; 3]) -> String {
    let mut out = String::new();
    for (class, l) in BUFFER_CLASSES.iter().zip(limits) {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "{class} {} {} {}", l.hard, l.soft, l.soft_seconds);
    }
    out
}

/// `oom-score-adj`: `relative` is another name for `yes`.
pub(super) fn parse_oom_score_adj(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = enum_arg(one(words)?, &["no", "yes", "relative", "absolute"])?;
    Ok(if v == "relative" { "yes" } else { v }.to_string())
}

/// `server_cpulist` and the other CPU lists: empty, or what
/// [`crate::process::parse_cpulist`] accepts.
pub(super) fn parse_cpulist(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let list = text(one(words)?);
    if list.is_empty() || crate::process::parse_cpulist(&list).is_some() {
        Ok(list)
    } else {
        Err(ValueError::new("Invalid CPU list"))
    }
}

/// `oom-score-adj-values`: three integers in -2000..2000 (for the server,
/// a replica and a background child).
pub(super) fn parse_oom_values(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    if words.len() != 3 {
        return Err(ValueError::new("wrong number of arguments"));
    }
    let values = words
        .iter()
        .map(|w| {
            strtoll(w).ok().filter(|n| (-2000..=2000).contains(n)).ok_or_else(|| {
                ValueError::new("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
            })
        })
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(values.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
}

/// The C library's `strtod` over a whole word: leading white space, then a
/// decimal or hexadecimal floating-point number, `inf`/`infinity` or `nan`.
pub(super) fn strtod(v: &[u8]) -> Option<f64> {
    let r = ember_num::strtod(v);
    (r.used == v.len() && r.used > 0).then_some(r.value)
}

/// `dir`: the directory a chdir(2) to `to` would enter from `from` (the
/// `dir` recorded so far, relative to the process's working directory: a
/// relative `to` is joined onto it, as successive chdirs would compose),
/// refused with the error text chdir would give (`No such file or
/// directory`, `Not a directory`, `Permission denied`, ...). Nothing
/// changes directory here: [`Config::enter_dir`](super::Config::enter_dir)
/// does, when the configuration is put into effect.
pub(super) fn parse_dir(from: &str, to: &str) -> Result<String, ValueError> {
    use nix::errno::Errno;
    let fail = |e: Errno| ValueError::new(e.desc());
    if to.is_empty() {
        return Err(fail(Errno::ENOENT));
    }
    let path = if from == "." || Path::new(to).is_absolute() { PathBuf::from(to) } else { Path::new(from).join(to) };
    let meta = std::fs::metadata(&path).map_err(|e| fail(Errno::from_raw(e.raw_os_error().unwrap_or(0))))?;
    if !meta.is_dir() {
        return Err(fail(Errno::ENOTDIR));
    }
    nix::unistd::access(&path, nix::unistd::AccessFlags::X_OK).map_err(fail)?;
    Ok(path.to_string_lossy().into_owned())
}

/// `latency-tracking-info-percentiles`: numbers in 0..100, printed as C's
/// `%f` without trailing zeros.
pub(super) fn parse_percentiles(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let p = strtod(w)
            .filter(|p| !p.is_nan())
            .ok_or_else(|| ValueError::new("Invalid latency-tracking-info-percentiles parameters"))?;
        if !(0.0..=100.0).contains(&p) {
            return Err(ValueError::new("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"));
        }
        let s = format!("{p:.6}");
        out.push(s.trim_end_matches('0').trim_end_matches('.').to_string());
    }
    Ok(out.join(" "))
}

/// `proc-title-template`: `{name}` variables (`{{` and `}}` are literal
/// braces) from Redis's list, and a title that is not blank once the
/// variables are expanded (`{title}`, `{server-mode}` and `{unixsocket}`
/// may expand to nothing).
pub(super) fn parse_proc_title(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let template = text(one(words)?);
    let invalid = || ValueError::new("template format is invalid or contains unknown variables");
    let mut expanded = String::new();
    let mut rest = template.as_str();
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("{{").or_else(|| rest.strip_prefix("}}")) {
            expanded.push(c);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').ok_or_else(invalid)?;
            expanded.push_str(match &r[..end] {
                "title" | "server-mode" | "unixsocket" => "",
                "listen-addr" | "port" | "tls-port" | "config-file" => "x",
                _ => return Err(invalid()),
            });
            rest = &r[end + 1..];
        } else {
            expanded.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if expanded.trim_matches(' ').is_empty() {
        return Err(invalid());
    }
    Ok(template)
}

const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: `default` or any of
/// `save`/`nosave`, `now`, `force`.
pub(super) fn parse_shutdown_flags(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    if words.is_empty() {
        return Err(enum_error(SHUTDOWN_FLAGS));
    }
    let mut on = [false; 5];
    for w in words {
        on[SHUTDOWN_FLAGS
            .iter()
            .position(|f| f.as_bytes().eq_ignore_ascii_case(w))
            .ok_or_else(|| enum_error(SHUTDOWN_FLAGS))?] = true;
    }
    if on[1] && on[2] {
        return Err(ValueError::new("shutdown options SAVE and NOSAVE can't be used simultaneously"));
    }
    let set: Vec<&str> = (1..5).filter(|&i| on[i]).map(|i| SHUTDOWN_FLAGS[i]).collect();
    Ok(if set.is_empty() { "default".to_string() } else { set.join(" ") })
}

/// `maxmemory-clients`: a memory value or a percentage of maxmemory.
pub(super) fn parse_memory_or_percent(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    let bad = || ValueError::new("argument must be a memory or percent value");
    if let Some(pct) = v.strip_suffix(b"%") {
        let p = string2ll(pct).filter(|p| *p >= 0).ok_or_else(bad)?;
        if p > 100 {
            return Err(ValueError::new("percentage argument must be less or equal to 100"));
        }
        return Ok(if p == 0 { "0".to_string() } else { format!("{p}%") });
    }
    Ok(parse_memory(v).ok_or_else(bad)?.to_string())
}

/// `cluster-announce-hostname`: empty, or a host name.
pub(super) fn parse_hostname(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    if v.len() >= 256 {
        return Err(ValueError::new("Hostnames must be less than 256 characters"));
    }
    if !v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.') {
        return Err(ValueError::new("Hostnames may only contain alphanumeric characters, hyphens or dots"));
    }
    Ok(text(v))
}

pub(super) fn parse_aof_filename(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    if v.contains(&b'/') {
        return Err(ValueError::new("appendfilename can't be a path, just a filename"));
    }
    Ok(text(v))
}

pub(super) fn parse_aof_dirname(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let v = one(words)?;
    if v.contains(&b'/') {
        return Err(ValueError::new("appenddirname can't be a path, just a dirname"));
    }
    Ok(text(v))
}

/// `replicaof <host> <port>` or `replicaof no one`.
pub(super) fn parse_replicaof(_: &str, words: &[&[u8]]) -> Result<String, ValueError> {
    let [host, port] = words else {
        return Err(ValueError::new("wrong number of arguments"));
    };
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        return Ok(String::new());
    }
    let port =
        strtoll(port).ok().filter(|p| (0..=65535).contains(p)).ok_or_else(|| ValueError::new("Invalid master port"))?;
    Ok(format!("{} {port}", text(host)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{check, set};
    use crate::config::{find_param, Config};

    #[test]
    fn dir_is_checked_like_chdir_without_entering_it() {
        let cwd = std::env::current_dir().unwrap();
        let tmp = std::env::temp_dir().join(format!("ember-dir-test-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("a/b")).unwrap();
        std::fs::write(tmp.join("f"), "").unwrap();
        let t = tmp.to_str().unwrap();
        assert_eq!(parse_dir(".", t), Ok(t.to_string()));
        assert_eq!(parse_dir(".", "/"), Ok("/".to_string()));
        // A relative dir goes on from the one before, as chdir would.
        assert_eq!(parse_dir(t, "a"), Ok(format!("{t}/a")));
        assert_eq!(parse_dir(&format!("{t}/a"), "b/.."), Ok(format!("{t}/a/b/..")));
        assert_eq!(parse_dir(&format!("{t}/a"), "/"), Ok("/".to_string()));
        for (from, to, why) in [
            (t, "nope", "No such file or directory"),
            (t, "", "No such file or directory"),
            (".", "", "No such file or directory"),
            (t, "f", "Not a directory"),
            (t, "f/x", "Not a directory"),
        ] {
            assert_eq!(parse_dir(from, to).unwrap_err().0, why, "{from} {to:?}");
        }
        assert_eq!(std::env::current_dir().unwrap(), cwd, "parsing changed the working directory");
        let mut c = Config::default();
        set(&mut c, "dir", t).unwrap();
        assert_eq!(c.dir, t);
        assert_eq!(std::env::current_dir().unwrap(), cwd, "CONFIG SET's parsing changed the working directory");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn memory_units_match_redis() {
        for (input, want) in [
            ("0", Some(0)),
            ("100", Some(100)),
            ("1k", Some(1000)),
            ("1kb", Some(1024)),
            ("1K", Some(1000)),
            ("1KB", Some(1024)),
            ("1kB", Some(1024)),
            ("2m", Some(2_000_000)),
            ("2mb", Some(2 << 20)),
            ("1g", Some(1_000_000_000)),
            ("1gb", Some(1 << 30)),
            ("1Gb", Some(1 << 30)),
            ("01048576", Some(1 << 20)),
            ("1048576b", Some(1 << 20)),
            ("", Some(0)),
            ("kb", Some(0)),
            ("b", Some(0)),
            ("-1", None),
            ("-0", None),
            ("+5", None),
            (" 1", None),
            ("1 ", None),
            ("1bb", None),
            ("1tb", None),
            ("99999999999999999999999", Some(u64::MAX)),
            // The unit multiplies modulo 2^64, as Redis's does.
            ("99999999999gb", Some(15140462030378500096)),
            ("17179869184gb", Some(0)),
            ("1.5mb", None),
            ("12x", None),
        ] {
            assert_eq!(parse_memory(input.as_bytes()), want, "{input}");
        }
        check(
            "proto-max-bulk-len",
            &[
                ("1m", Err("argument must be between 1048576 and 9223372036854775807 inclusive")),
                ("", Err("argument must be between 1048576 and 9223372036854775807 inclusive")),
                ("abc", Err("argument must be a memory value")),
                ("2gb", Ok("2147483648")),
            ],
        );
        check("maxmemory", &[("", Ok("0")), ("-1", Err("argument must be a memory value"))]);
        check("cluster-link-sendbuf-limit", &[("18446744073709551615", Ok("18446744073709551615"))]);
        check("hash-max-ziplist-value", &[("1kb", Ok("1024")), ("", Ok("0"))]);
    }

    #[test]
    fn integers_parse_like_string2ll() {
        for (input, want) in [
            ("0", Some(0)),
            ("7000", Some(7000)),
            ("-1", Some(-1)),
            ("+7000", None),
            ("07000", None),
            ("00", None),
            ("-0", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("1e3", None),
            ("0x10", None),
            ("9223372036854775808", None),
        ] {
            assert_eq!(parse_int(input.as_bytes(), i64::MIN, i64::MAX).ok(), want, "{input:?}");
        }
        let e = parse_int(b"65536", 0, 65535).unwrap_err();
        assert_eq!(e.0, "argument must be between 0 and 65535 inclusive");
        check("maxclients", &[("0", Err("argument must be between 1 and 4294967295 inclusive"))]);
        check(
            "list-max-listpack-size",
            &[
                ("-100", Ok("-100")),
                ("-2147483649", Err("argument must be between -2147483648 and 2147483647 inclusive")),
            ],
        );
    }

    #[test]
    fn enums_and_bools() {
        check(
            "appendfsync",
            &[("ALWAYS", Ok("always")), ("x", Err("argument(s) must be one of the following: everysec, always, no"))],
        );
        check(
            "oom-score-adj",
            &[
                ("relative", Ok("yes")),
                ("NO", Ok("no")),
                ("x", Err("argument(s) must be one of the following: no, yes, relative, absolute")),
            ],
        );
        check("activerehashing", &[("YES", Ok("yes")), ("1", Err("argument must be 'yes' or 'no'"))]);
        check(
            "unixsocketperm",
            &[
                ("0777", Ok("777")),
                ("700", Ok("700")),
                ("778", Err("argument couldn't be parsed as an octal number")),
                ("abc", Err("argument couldn't be parsed as an octal number")),
                ("1000", Err("argument must be between 0 and 777 inclusive")),
                ("-1", Err("argument must be between 0 and 777 inclusive")),
            ],
        );
    }

    #[test]
    fn special_formats_match_redis() {
        check(
            "notify-keyspace-events",
            &[("", Ok("")), ("Q", Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'."))],
        );
        for (input, want) in [
            ("KEA", "AKE"),
            ("Kg$lshzxetd", "AK"),
            ("g$lshzxetdKEmn", "AKEm"),
            ("nmEKd", "dnKEm"),
            ("Kn", "nK"),
            ("mn", "nm"),
            ("An", "A"),
            ("g$lshzxet", "g$lshzxet"),
            ("gg", "g"),
        ] {
            assert_eq!(parse_notify(input.as_bytes()).unwrap(), want, "{input}");
        }
        check(
            "save",
            &[
                ("", Ok("")),
                ("900 1 300 10", Ok("900 1 300 10")),
                ("01 1", Ok("1 1")),
                ("+1 1", Ok("1 1")),
                ("\t1 1", Ok("1 1")),
                ("1 0", Ok("1 0")),
                ("9223372036854775808 1", Ok("9223372036854775807 1")),
                ("0 1", Err("Invalid save parameters")),
                ("900", Err("Invalid save parameters")),
                ("900  1", Err("Invalid save parameters")),
                ("1 1\t", Err("Invalid save parameters")),
                ("-1 1", Err("Invalid save parameters")),
                ("1.5 1", Err("Invalid save parameters")),
            ],
        );
        let default_limits = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
        check(
            "client-output-buffer-limit",
            &[
                ("", Ok(default_limits)),
                ("replica 1mb 2mb 3", Ok("normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60")),
                ("PUBSUB 1 2 03 normal 0 0 0", Ok("normal 0 0 0 slave 268435456 67108864 60 pubsub 1 2 3")),
                ("normal 1 2 3", Ok("normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60")),
                ("master 1 2 3", Err("Invalid client class specified in buffer limit configuration.")),
                ("normal 1 2", Err("Wrong number of arguments in buffer limit configuration.")),
                ("normal 1  2 3", Err("Wrong number of arguments in buffer limit configuration.")),
                ("normal -1 2 3", Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.")),
                (
                    "normal 1 2 9999999999999999999",
                    Err("Error in hard, soft or soft_seconds setting in buffer limit configuration."),
                ),
            ],
        );
        check(
            "oom-score-adj-values",
            &[
                ("-2000 0 2000", Ok("-2000 0 2000")),
                ("+1 01 -0", Ok("1 1 0")),
                ("", Err("wrong number of arguments")),
                ("0 200", Err("wrong number of arguments")),
                ("0  200 800", Err("wrong number of arguments")),
                ("0 0 2001", Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
                ("1.5 2 3", Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
            ],
        );
        let range = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        let invalid = "Invalid latency-tracking-info-percentiles parameters";
        check(
            "latency-tracking-info-percentiles",
            &[
                ("", Ok("")),
                ("50 99 99.9", Ok("50 99 99.9")),
                ("1e1 0x10 50. .5 +5 -0", Ok("10 16 50 0.5 5 -0")),
                ("0.1234567 33.333333333 1e-7 12345e-3", Ok("0.123457 33.333333 0 12.345")),
                ("100.1", Err(range)),
                ("inf", Err(range)),
                ("-0.1", Err(range)),
                ("nan", Err(invalid)),
                ("abc", Err(invalid)),
                ("50  99", Err(invalid)),
                ("5,5", Err(invalid)),
            ],
        );
        let bad = "template format is invalid or contains unknown variables";
        check(
            "proc-title-template",
            &[
                ("x", Ok("x")),
                ("{title}x", Ok("{title}x")),
                ("{{title}}", Ok("{{title}}")),
                ("title}", Ok("title}")),
                ("{port}", Ok("{port}")),
                ("{config-file}", Ok("{config-file}")),
                ("", Err(bad)),
                ("{title}", Err(bad)),
                (" {title} ", Err(bad)),
                ("{title}{server-mode}", Err(bad)),
                ("{unixsocket}", Err(bad)),
                ("{TITLE} x", Err(bad)),
                ("x {title", Err(bad)),
                ("{}", Err(bad)),
            ],
        );
        let flags = "argument(s) must be one of the following: default, save, nosave, now, force";
        let sigint = find_param(b"shutdown-on-sigint").unwrap();
        for (input, want) in [
            ("force now", Ok("now force")),
            ("now save", Ok("save now")),
            ("default now", Ok("now")),
            ("default default", Ok("default")),
            ("NOW now", Ok("now")),
            ("save nosave", Err("shutdown options SAVE and NOSAVE can't be used simultaneously")),
            ("", Err(flags)),
            ("save  now", Err(flags)),
        ] {
            let words = split_words(input.as_bytes());
            assert_eq!(parse_shutdown_flags("", &words).as_deref().map_err(|e| e.0.as_str()), want, "{input:?}");
        }
        assert!(set(&mut Config::default(), "shutdown-on-sigint", "default").is_ok());
        let mut c = Config::default();
        assert!(sigint.set(&mut c, &[b"nosave", b"force"]).is_ok());
        assert_eq!(c.value("shutdown-on-sigint").as_deref(), Some("nosave force"));
        let pct = "argument must be a memory or percent value";
        for (input, want) in [
            ("0", Ok("0")),
            ("", Ok("0")),
            ("0%", Ok("0")),
            ("5%", Ok("5%")),
            ("100%", Ok("100%")),
            ("10mb", Ok("10485760")),
            ("101%", Err("percentage argument must be less or equal to 100")),
            ("-5%", Err(pct)),
            ("050%", Err(pct)),
            ("5 %", Err(pct)),
            ("99999999999999999999999%", Err(pct)),
        ] {
            let got = parse_memory_or_percent("", &[input.as_bytes()]);
            assert_eq!(got.as_deref().map_err(|e| e.0.as_str()), want, "{input:?}");
        }
        check(
            "cluster-announce-hostname",
            &[
                ("a.b-c", Ok("a.b-c")),
                ("a_b", Err("Hostnames may only contain alphanumeric characters, hyphens or dots")),
            ],
        );
        let long = "a".repeat(300);
        check("cluster-announce-hostname", &[(long.as_str(), Err("Hostnames must be less than 256 characters"))]);
        check("dbfilename", &[("", Ok("")), ("a/b", Err("dbfilename can't be a path, just a filename"))]);
        check("appendfilename", &[(".", Ok(".")), ("a/b", Err("appendfilename can't be a path, just a filename"))]);
        check("appenddirname", &[("a/b", Err("appenddirname can't be a path, just a dirname"))]);
        check(
            "dir",
            &[("/nonexistent-ember-dir", Err("No such file or directory")), ("", Err("No such file or directory"))],
        );
    }
}
