//! Finding a command's keys from its key specs (Redis 7.0's algorithm:
//! a begin-search step, then a find-keys step, per spec), with the
//! command's own key finder ([`getkeys`]) for what specs cannot describe.
//! WATCH invalidation, blocked-client wake-ups and COMMAND GETKEYS /
//! GETKEYSANDFLAGS all read keys through here.
//!
//! As in Redis, the specs are preferred when they are reliable (some spec
//! names real keys and none has `variable_flags`); a spec that does not
//! fit the arguments (a key count that is not a non-negative integer, a
//! range past the arguments or empty, an `incomplete` or `unknown` spec)
//! makes the whole search fail, and the command's key finder (or nothing)
//! answers instead.

use ember_resp::Command;

use super::parse_i64;
use super::spec::{ks, BeginSearch, CommandSpec, FindKeys, KeySpec};

/// One key: its argument position and [`ks`] flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// Argument index.
    pub pos: usize,
    /// [`ks`] flags.
    pub flags: u32,
}

/// A spec that does not fit the arguments (Redis's `invalid_spec`).
struct Invalid;

/// Where a keyword search finds its keyword: the argument after it. The
/// search runs from `startfrom` (from the end when negative) towards the
/// far end, and stops before the last argument (forwards) or the first
/// one after the name (backwards), as Redis's does.
fn keyword_start<'a>(
    keyword: &str,
    startfrom: i32,
    argc: usize,
    arg: &dyn Fn(usize) -> Option<&'a [u8]>,
) -> Option<i64> {
    let argc = argc as i64;
    let (start, end) = if startfrom > 0 { (i64::from(startfrom), argc - 1) } else { (argc + i64::from(startfrom), 1) };
    let step = if start <= end { 1 } else { -1 };
    let mut i = start;
    while i != end {
        if i >= argc || i < 1 {
            break;
        }
        if arg(i as usize).is_some_and(|a| a.eq_ignore_ascii_case(keyword.as_bytes())) {
            return Some(i + 1);
        }
        i += step;
    }
    None
}

/// The keys one spec finds (`first..=last` every `step`), `None` when its
/// keyword is absent.
fn spec_range<'a>(
    spec: &KeySpec,
    argc: usize,
    arg: &dyn Fn(usize) -> Option<&'a [u8]>,
) -> Result<Option<(i64, i64, i64)>, Invalid> {
    let argc_i = argc as i64;
    let first = match spec.begin {
        BeginSearch::Index(i) => i64::from(i),
        BeginSearch::Keyword { keyword, startfrom } => match keyword_start(keyword, startfrom, argc, arg) {
            Some(f) => f,
            None => return Ok(None),
        },
        BeginSearch::Unknown => return Err(Invalid),
    };
    let (first, last, step) = match spec.find {
        FindKeys::Range { lastkey, keystep, limit } => {
            let lastkey = i64::from(lastkey);
            let last = if lastkey >= 0 {
                first + lastkey
            } else if limit == 0 {
                argc_i + lastkey
            } else {
                first + ((argc_i - first) / i64::from(limit) + lastkey)
            };
            (first, last, i64::from(keystep))
        }
        FindKeys::Keynum { keynumidx, firstkey, keystep } => {
            let at = first + i64::from(keynumidx);
            if i64::from(keynumidx) >= argc_i || at >= argc_i {
                return Err(Invalid);
            }
            let n = arg(at as usize).and_then(parse_i64).filter(|&n| n >= 0).ok_or(Invalid)?;
            // Redis counts the keys in a C int.
            let n = i64::from(n as i32);
            let first = first + i64::from(firstkey);
            (first, first + n - 1, i64::from(keystep))
        }
        FindKeys::Unknown => return Err(Invalid),
    };
    if last >= argc_i || last < first || first >= argc_i {
        return Err(Invalid);
    }
    Ok(Some((first, last, step.max(1))))
}

/// Runs the spec search, calling `f` with each key in spec order. Specs of
/// things that are not keys (shard channels) are skipped. With `partial`, a
/// spec that does not fit is skipped (the keys of the others are still
/// found); without, it fails the whole search.
fn search<'a>(
    spec: &CommandSpec,
    argc: usize,
    arg: &dyn Fn(usize) -> Option<&'a [u8]>,
    partial: bool,
    f: &mut dyn FnMut(Key),
) -> Result<(), Invalid> {
    for s in spec.key_specs {
        if s.flags & ks::NOT_KEY != 0 {
            continue;
        }
        let found = match spec_range(s, argc, arg) {
            Ok(found) => found,
            Err(_) if partial => continue,
            Err(e) => return Err(e),
        };
        if let Some((first, last, step)) = found {
            let mut i = first;
            while i <= last {
                f(Key { pos: i as usize, flags: s.flags });
                i += step;
            }
        }
        // An incomplete spec's keys are not all the keys.
        if s.flags & ks::INCOMPLETE != 0 && !partial {
            return Err(Invalid);
        }
    }
    Ok(())
}

/// Whether the specs are to be preferred to the key finder: some spec names
/// real keys, and none has flags that depend on the arguments.
fn specs_reliable(spec: &CommandSpec) -> bool {
    spec.key_specs.iter().any(|s| s.flags & ks::NOT_KEY == 0)
        && !spec.key_specs.iter().any(|s| s.flags & ks::VARIABLE_FLAGS != 0)
}

/// Whether COMMAND GETKEYS can find keys for the command at all (Redis's
/// `doesCommandHaveKeys`): it has a key finder or a spec of real keys.
pub fn has_keys(spec: &CommandSpec) -> bool {
    spec.keys_fn.is_some() || spec.key_specs.iter().any(|s| s.flags & ks::NOT_KEY == 0)
}

/// Every key of a command with its flags, as COMMAND GETKEYSANDFLAGS
/// reports them: from the specs when they are reliable and fit the
/// arguments, else from the command's key finder, else none.
pub fn keys<'a>(spec: &CommandSpec, argc: usize, arg: &dyn Fn(usize) -> Option<&'a [u8]>) -> Vec<Key> {
    if specs_reliable(spec) {
        let mut out = Vec::new();
        if search(spec, argc, arg, false, &mut |k| out.push(k)).is_ok() {
            return out;
        }
    }
    match spec.keys_fn {
        Some(find) => find(argc, arg).into_iter().map(|(pos, flags)| Key { pos, flags }).collect(),
        None => Vec::new(),
    }
}

/// The keys of a concrete command (see [`keys`]).
pub fn keys_of(spec: &CommandSpec, cmd: &Command<'_>) -> Vec<Key> {
    keys(spec, cmd.len(), &|i| cmd.get(i))
}

/// Calls `f` with each key position of a concrete command, for dispatch
/// (WATCH and blocked clients), without allocating when the specs are
/// reliable and complete: then every spec that fits the arguments gives its
/// keys. A command with a spec only its key finder can follow (SORT's
/// STORE destination) goes through [`keys_of`], so every key it may write
/// is touched.
#[inline]
pub fn for_each_key(spec: &CommandSpec, cmd: &Command<'_>, mut f: impl FnMut(usize)) {
    if spec.key_specs.is_empty() && spec.keys_fn.is_none() {
        return;
    }
    let complete = || {
        spec.key_specs.iter().all(|s| {
            s.flags & ks::INCOMPLETE == 0
                && !matches!(s.begin, BeginSearch::Unknown)
                && !matches!(s.find, FindKeys::Unknown)
        })
    };
    if specs_reliable(spec) && (spec.keys_fn.is_none() || complete()) {
        let _ = search(spec, cmd.len(), &|i| cmd.get(i), true, &mut |k| f(k.pos));
        return;
    }
    keys_of(spec, cmd).into_iter().for_each(|k| f(k.pos));
}

/// The key finders of commands whose specs are not enough (Redis's
/// `getkeys_proc`s), used when the specs are unreliable or do not fit the
/// arguments. Like Redis's, the ones for counted keys read the count as C's
/// `atoi` does and give no flags; the others give the flags the arguments
/// imply.
pub mod getkeys {
    use super::ks;

    /// An argument accessor.
    type Arg<'s, 'a> = &'s dyn Fn(usize) -> Option<&'a [u8]>;

    /// C's `atoi` as glibc has it (`(int) strtol(s, NULL, 10)`): leading
    /// white space, a sign, digits up to the first other byte; the `long`
    /// saturates and is then truncated to an `int`.
    pub fn atoi(s: &[u8]) -> i32 {
        let mut i = s.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count();
        let neg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut v: i64 = 0;
        for &d in s[i..].iter().take_while(|d| d.is_ascii_digit()) {
            let d = i64::from(d - b'0');
            v = if neg { v.saturating_mul(10).saturating_sub(d) } else { v.saturating_mul(10).saturating_add(d) };
        }
        v as i32
    }

    /// `count` keys from argument `first`, the count at `count_at`, then the
    /// destination at `dest` if any; nothing when the count is below 1 or
    /// more than the arguments hold.
    fn counted(argc: usize, arg: Arg<'_, '_>, dest: Option<usize>, count_at: usize, first: usize) -> Vec<(usize, u32)> {
        let n = i64::from(arg(count_at).map_or(0, atoi));
        if n < 1 || n > argc as i64 - first as i64 {
            return Vec::new();
        }
        let mut keys: Vec<(usize, u32)> = (0..n as usize).map(|i| (first + i, 0)).collect();
        keys.extend(dest.map(|d| (d, 0)));
        keys
    }

    /// `<cmd> numkeys key [key ...] ...` (LMPOP, ZMPOP, SINTERCARD, ZUNION,
    /// ZINTER, ZDIFF, ZINTERCARD).
    pub fn count_at_1(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        counted(argc, arg, None, 1, 2)
    }

    /// `<cmd> x numkeys key [key ...] ...` (EVAL and its variants, FCALL,
    /// FCALL_RO, BLMPOP, BZMPOP).
    pub fn count_at_2(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        counted(argc, arg, None, 2, 3)
    }

    /// `<cmd> destination numkeys key [key ...] ...` (ZUNIONSTORE,
    /// ZINTERSTORE, ZDIFFSTORE): the source keys, then the destination.
    pub fn dest_then_count(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        counted(argc, arg, Some(1), 2, 3)
    }

    /// SET: the key is read and returned when a `GET` follows the value,
    /// else overwritten.
    pub fn set(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        let get = (3..argc).any(|i| arg(i).is_some_and(|a| a.eq_ignore_ascii_case(b"get")));
        vec![(1, if get { ks::RW | ks::ACCESS | ks::UPDATE } else { ks::OW | ks::UPDATE })]
    }

    /// BITFIELD: read-only while every operation is a complete `GET` or
    /// `OVERFLOW`; a `SET`, `INCRBY` or anything else makes it a write.
    pub fn bitfield(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        let mut readonly = true;
        let mut i = 2;
        while i < argc {
            let rest = argc - i - 1;
            let a = arg(i).unwrap_or_default();
            if a.eq_ignore_ascii_case(b"get") && rest >= 2 {
                i += 3;
            } else if (a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby")) && rest >= 3 {
                readonly = false;
                break;
            } else if a.eq_ignore_ascii_case(b"overflow") && rest >= 1 {
                i += 2;
            } else {
                readonly = false;
                break;
            }
        }
        vec![(1, if readonly { ks::RO | ks::ACCESS } else { ks::RW | ks::ACCESS | ks::UPDATE })]
    }

    /// SORT: the sorted key, and the last `STORE` destination. `LIMIT`
    /// skips two arguments, `GET` and `BY` one; a `STORE` with an argument
    /// records it and the scan goes on from that argument.
    pub fn sort(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        let mut keys = vec![(1, ks::RO | ks::ACCESS)];
        let mut store = None;
        let mut i = 2;
        while i < argc {
            let a = arg(i).unwrap_or_default();
            if a.eq_ignore_ascii_case(b"limit") {
                i += 2;
            } else if a.eq_ignore_ascii_case(b"store") && i + 1 < argc {
                store = Some(i + 1);
            } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
                i += 1;
            }
            i += 1;
        }
        keys.extend(store.map(|at| (at, ks::OW | ks::UPDATE)));
        keys
    }

    /// SORT_RO: the sorted key.
    pub fn sort_ro(_argc: usize, _arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        vec![(1, ks::RO | ks::ACCESS)]
    }

    /// GEORADIUS, GEORADIUSBYMEMBER: the key, and the last `STORE` or
    /// `STOREDIST` destination (options are scanned from argument 5).
    pub fn georadius(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        let mut stored = None;
        let mut i = 5;
        while i < argc {
            let a = arg(i).unwrap_or_default();
            if (a.eq_ignore_ascii_case(b"store") || a.eq_ignore_ascii_case(b"storedist")) && i + 1 < argc {
                stored = Some(i + 1);
                i += 1;
            }
            i += 1;
        }
        let mut keys = vec![(1, 0)];
        keys.extend(stored.map(|at| (at, 0)));
        keys
    }

    /// XREAD, XREADGROUP: the first half of the arguments after `STREAMS`
    /// (found past the `BLOCK`, `COUNT`, `GROUP` and `NOACK` options);
    /// nothing when there is no `STREAMS` or the rest is not keys and ids
    /// in pairs.
    pub fn xread(argc: usize, arg: Arg<'_, '_>) -> Vec<(usize, u32)> {
        let mut streams = None;
        let mut i = 1;
        while i < argc {
            let a = arg(i).unwrap_or_default();
            if a.eq_ignore_ascii_case(b"block") || a.eq_ignore_ascii_case(b"count") {
                i += 1;
            } else if a.eq_ignore_ascii_case(b"group") {
                i += 2;
            } else if a.eq_ignore_ascii_case(b"streams") {
                streams = Some(i);
                break;
            } else if !a.eq_ignore_ascii_case(b"noack") {
                break;
            }
            i += 1;
        }
        let Some(at) = streams else { return Vec::new() };
        let n = argc - at - 1;
        if n == 0 || n % 2 != 0 {
            return Vec::new();
        }
        (at + 1..at + 1 + n / 2).map(|p| (p, 0)).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn argv(line: &str) -> Vec<&[u8]> {
            line.split(' ').map(str::as_bytes).collect()
        }

        fn run(f: fn(usize, Arg<'_, '_>) -> Vec<(usize, u32)>, line: &str) -> Vec<usize> {
            let v = argv(line);
            f(v.len(), &|i| v.get(i).copied()).into_iter().map(|(p, _)| p).collect()
        }

        #[test]
        fn atoi_is_c_atoi() {
            for (s, n) in [
                ("12", 12),
                ("  7x", 7),
                ("+3", 3),
                ("-4", -4),
                ("x", 0),
                ("", 0),
                ("01", 1),
                ("4294967297", 1),
                ("99999999999999999999", -1),
                ("-99999999999999999999", 0),
            ] {
                assert_eq!(atoi(s.as_bytes()), n, "{s:?}");
            }
        }

        #[test]
        fn finders() {
            assert_eq!(run(count_at_2, "EVAL s 2 a b c"), [3, 4]);
            assert_eq!(run(count_at_2, "EVAL s 3 a b"), Vec::<usize>::new());
            assert_eq!(run(count_at_2, "EVAL s 0"), Vec::<usize>::new());
            assert_eq!(run(dest_then_count, "ZUNIONSTORE d 1x a"), [3, 1]);
            assert_eq!(run(count_at_1, "LMPOP 2 a b LEFT"), [2, 3]);
            assert_eq!(run(sort, "SORT k STORE by STORE d"), [1, 3]);
            assert_eq!(run(sort, "SORT k LIMIT 0 1 STORE"), [1]);
            assert_eq!(run(sort, "sort l BY store STORE d1 LIMIT 0 1 store d2"), [1, 10]);
            assert_eq!(run(georadius, "GEORADIUS k 1 2 3 km STORE d STOREDIST e"), [1, 9]);
            assert_eq!(run(xread, "XREAD COUNT 1 STREAMS a b 0 0"), [4, 5]);
            assert_eq!(run(xread, "XREAD STREAMS a b c"), Vec::<usize>::new());
            assert_eq!(run(xread, "XREADGROUP GROUP g c NOACK STREAMS a >"), [6]);
            let flags = |f: fn(usize, Arg<'_, '_>) -> Vec<(usize, u32)>, line: &str| {
                let v = argv(line);
                f(v.len(), &|i| v.get(i).copied())[0].1
            };
            assert_eq!(flags(set, "SET k v"), ks::OW | ks::UPDATE);
            assert_eq!(flags(set, "SET k v get"), ks::RW | ks::ACCESS | ks::UPDATE);
            assert_eq!(flags(set, "SET k GET"), ks::OW | ks::UPDATE);
            assert_eq!(flags(bitfield, "BITFIELD k GET u8 0 OVERFLOW SAT"), ks::RO | ks::ACCESS);
            assert_eq!(flags(bitfield, "BITFIELD k GET u8"), ks::RW | ks::ACCESS | ks::UPDATE);
        }
    }
}
