//! Finding a command's keys from its key specs (Redis 7.0's algorithm:
//! a begin-search step, then a find-keys step, per spec), with the
//! command's own key finder for what specs cannot describe. WATCH
//! invalidation, blocked-client wake-ups and COMMAND GETKEYS /
//! GETKEYSANDFLAGS all read keys through here.

use ember_resp::Command;

use super::parse_i64;
use super::spec::{ks, BeginSearch, CommandSpec, FindKeys, KeySpec};

/// Why the keys of a command could not be found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeysError {
    /// A spec points outside the arguments, or a key count is not a
    /// non-negative integer (COMMAND GETKEYS: `Invalid arguments specified
    /// for command`).
    Invalid,
}

/// One key: its argument position and [`ks`] flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// Argument index.
    pub pos: usize,
    /// [`ks`] flags.
    pub flags: u32,
}

/// Where one spec's keys are: `first..=last` every `step`, or nothing.
fn spec_range<'a>(
    spec: &KeySpec,
    argc: usize,
    arg: &dyn Fn(usize) -> Option<&'a [u8]>,
) -> Result<Option<(i64, i64, i64)>, KeysError> {
    let argc_i = argc as i64;
    let first = match spec.begin {
        BeginSearch::Index(i) => i64::from(i),
        BeginSearch::Keyword { keyword, startfrom } => {
            let start = if startfrom >= 0 { i64::from(startfrom) } else { argc_i + i64::from(startfrom) };
            let forward = startfrom >= 0;
            let mut i = start;
            let mut found = None;
            while i >= 1 && i < argc_i {
                if arg(i as usize).is_some_and(|a| a.eq_ignore_ascii_case(keyword.as_bytes())) {
                    found = Some(i + 1);
                    break;
                }
                i += if forward { 1 } else { -1 };
            }
            match found {
                Some(f) => f,
                None => return Ok(None),
            }
        }
        BeginSearch::Unknown => return Ok(None),
    };
    let (last, step) = match spec.find {
        FindKeys::Range { lastkey, keystep, limit } => {
            let lastkey = i64::from(lastkey);
            let last = if lastkey >= 0 {
                first + lastkey
            } else if limit <= 1 {
                argc_i + lastkey
            } else {
                first + ((argc_i - first) / i64::from(limit) + lastkey)
            };
            (last, i64::from(keystep))
        }
        FindKeys::Keynum { keynumidx, firstkey, keystep } => {
            let at = first + i64::from(keynumidx);
            if at >= argc_i {
                return Err(KeysError::Invalid);
            }
            let n = arg(at as usize).and_then(parse_i64).filter(|&n| n >= 0).ok_or(KeysError::Invalid)?;
            let first = first + i64::from(firstkey);
            return Ok(Some((first, first + (n - 1) * i64::from(keystep), i64::from(keystep))));
        }
        FindKeys::Unknown => return Ok(None),
    };
    Ok(Some((first, last, step)))
}

/// Calls `f` with each key the specs find, in spec order. A spec whose
/// keyword is absent finds nothing; one that runs past the arguments of a
/// command of variable arity stops there (the command itself reports the
/// syntax error); a key count that is not a non-negative integer is an
/// error.
pub fn for_each_spec_key<'a>(
    spec: &CommandSpec,
    argc: usize,
    arg: &dyn Fn(usize) -> Option<&'a [u8]>,
    mut f: impl FnMut(Key),
) -> Result<(), KeysError> {
    for s in spec.key_specs {
        let Some((first, last, step)) = spec_range(s, argc, arg)? else { continue };
        let step = step.max(1);
        let mut i = first;
        while i <= last {
            if i < 1 || i >= argc as i64 {
                if spec.arity < 0 || s.flags & ks::INCOMPLETE != 0 {
                    break;
                }
                return Err(KeysError::Invalid);
            }
            f(Key { pos: i as usize, flags: s.flags });
            i += step;
        }
    }
    Ok(())
}

/// Whether the specs alone give every key with its true flags; otherwise
/// the command's key finder (when it has one) is asked, as Redis prefers
/// key specs to its `getkeys_proc` only when they are reliable.
fn specs_suffice(spec: &CommandSpec) -> bool {
    spec.key_specs.iter().all(|s| {
        s.flags & (ks::VARIABLE_FLAGS | ks::INCOMPLETE) == 0
            && !matches!(s.begin, BeginSearch::Unknown)
            && !matches!(s.find, FindKeys::Unknown)
    })
}

/// Every key of a command with its flags: from the key specs, or from the
/// command's key finder when the specs are not reliable.
pub fn keys<'a>(
    spec: &CommandSpec,
    argc: usize,
    arg: &dyn Fn(usize) -> Option<&'a [u8]>,
) -> Result<Vec<Key>, KeysError> {
    if let Some(find) = spec.keys_fn.filter(|_| !specs_suffice(spec)) {
        return Ok(find(argc, arg).into_iter().map(|(pos, flags)| Key { pos, flags }).collect());
    }
    let mut out = Vec::new();
    for_each_spec_key(spec, argc, arg, |k| out.push(k))?;
    Ok(out)
}

/// The keys of a concrete command (see [`keys`]); a command whose keys
/// cannot be found has none for dispatch's purposes.
pub fn keys_of(spec: &CommandSpec, cmd: &Command<'_>) -> Vec<Key> {
    keys(spec, cmd.len(), &|i| cmd.get(i)).unwrap_or_default()
}

/// Calls `f` with each key position of a concrete command without
/// allocating in the common case (plain specs, no key finder).
#[inline]
pub fn for_each_key(spec: &CommandSpec, cmd: &Command<'_>, mut f: impl FnMut(usize)) {
    if spec.key_specs.is_empty() && spec.keys_fn.is_none() {
        return;
    }
    if spec.keys_fn.is_some() && !specs_suffice(spec) {
        keys_of(spec, cmd).into_iter().for_each(|k| f(k.pos));
        return;
    }
    let _ = for_each_spec_key(spec, cmd.len(), &|i| cmd.get(i), |k| f(k.pos));
}
