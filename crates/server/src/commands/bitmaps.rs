//! Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
//! BITFIELD_RO. A bitmap is a plain string; bit 0 is the most significant
//! bit of the first byte, and writes grow the string with zero bytes.
//!
//! The bit-level work (popcount, word scanning, BITOP, field access) lives
//! in [`ember_store::bits`]; this module parses arguments with Redis's
//! exact errors and argument order, and applies BITFIELD's overflow rules.

use ember_store::bits::{self, BitOp};
use ember_store::{StrValue, Value};

use crate::command::prelude::*;
use crate::command::{int_arg, is, parse_i64};
use crate::config::notify as ev;

/// Bitmap-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("setbit", 4, setbit)
        .flags(WRITE | DENYOOM)
        .acl(acl::BITMAP)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc("bitmap", "Sets or clears the bit at offset in the string value stored at key", "2.2.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("offset"), arg::integer("value")]),
    CommandSpec::new("getbit", 3, getbit)
        .flags(READONLY | FAST)
        .acl(acl::BITMAP)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("bitmap", "Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)")
        .args(&[arg::key("key", 0), arg::integer("offset")]),
    CommandSpec::new("bitcount", -2, bitcount)
        .flags(READONLY)
        .acl(acl::BITMAP)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("bitmap", "Count set bits in a string", "2.6.0", "O(N)")
        .history(&[("7.0.0", "Added the `BYTE|BIT` option.")])
        .args(&[
            arg::key("key", 0),
            arg::block(
                "index",
                &[
                    arg::integer("start"),
                    arg::integer("end"),
                    arg::oneof("index_unit", &[arg::token("byte", "BYTE"), arg::token("bit", "BIT")])
                        .since("7.0.0")
                        .optional(),
                ],
            )
            .optional(),
        ]),
    CommandSpec::new("bitpos", -3, bitpos)
        .flags(READONLY)
        .acl(acl::BITMAP)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("bitmap", "Find first bit set or clear in a string", "2.8.7", "O(N)")
        .history(&[("7.0.0", "Added the `BYTE|BIT` option.")])
        .args(&[
            arg::key("key", 0),
            arg::integer("bit"),
            arg::block(
                "index",
                &[
                    arg::integer("start"),
                    arg::block(
                        "end_index",
                        &[
                            arg::integer("end"),
                            arg::oneof("index_unit", &[arg::token("byte", "BYTE"), arg::token("bit", "BIT")])
                                .since("7.0.0")
                                .optional(),
                        ],
                    )
                    .optional(),
                ],
            )
            .optional(),
        ]),
    CommandSpec::new("bitop", -4, bitop)
        .flags(WRITE | DENYOOM)
        .acl(acl::BITMAP)
        .keys(&[
            KeySpec::index(2).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
            KeySpec::index(3).range(-1, 1, 0).flags(ks::RO | ks::ACCESS),
        ])
        .doc("bitmap", "Perform bitwise operations between strings", "2.6.0", "O(N)")
        .args(&[arg::string("operation"), arg::key("destkey", 0), arg::key("key", 1).multiple()]),
    CommandSpec::new("bitfield", -2, bitfield)
        .flags(WRITE | DENYOOM)
        .acl(acl::BITMAP)
        .keys(&[KeySpec::index(1)
            .range(0, 1, 0)
            .flags(ks::RW | ks::ACCESS | ks::UPDATE | ks::VARIABLE_FLAGS)
            .notes("This command allows both access and modification of the key")])
        .keys_fn(getkeys::bitfield)
        .doc(
            "bitmap",
            "Perform arbitrary bitfield integer operations on strings",
            "3.2.0",
            "O(1) for each subcommand specified",
        )
        .args(&[
            arg::key("key", 0),
            arg::oneof(
                "operation",
                &[
                    arg::block("encoding_offset", &[arg::string("encoding"), arg::integer("offset")]).token("GET"),
                    arg::block(
                        "write",
                        &[
                            arg::oneof(
                                "wrap_sat_fail",
                                &[arg::token("wrap", "WRAP"), arg::token("sat", "SAT"), arg::token("fail", "FAIL")],
                            )
                            .token("OVERFLOW")
                            .optional(),
                            arg::oneof(
                                "write_operation",
                                &[
                                    arg::block(
                                        "encoding_offset_value",
                                        &[arg::string("encoding"), arg::integer("offset"), arg::integer("value")],
                                    )
                                    .token("SET"),
                                    arg::block(
                                        "encoding_offset_increment",
                                        &[arg::string("encoding"), arg::integer("offset"), arg::integer("increment")],
                                    )
                                    .token("INCRBY"),
                                ],
                            ),
                        ],
                    ),
                ],
            )
            .optional()
            .multiple(),
        ]),
    CommandSpec::new("bitfield_ro", -2, bitfield_ro)
        .flags(READONLY | FAST)
        .acl(acl::BITMAP)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "bitmap",
            "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
            "6.0.0",
            "O(1) for each subcommand specified",
        )
        .args(&[
            arg::key("key", 0),
            arg::block("encoding_offset", &[arg::string("encoding"), arg::integer("offset")])
                .token("GET")
                .optional()
                .multiple()
                .multiple_token(),
        ]),
];

const BAD_OFFSET: &str = "bit offset is not an integer or out of range";

/// Parses a bit offset as Redis does: a non-negative integer whose byte
/// (`offset / 8`) is below `max_bytes` (proto-max-bulk-len). With
/// `field_bits` (BITFIELD), `#N` means `N * field_bits` (multiplied with
/// 64-bit wrap-around, as in Redis).
fn bit_offset(arg: &[u8], field_bits: Option<u32>, max_bytes: u64) -> Result<u64, CmdError> {
    let (digits, mul) = match (arg.first(), field_bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], i64::from(bits)),
        _ => (arg, 1),
    };
    let v = parse_i64(digits).ok_or_else(|| CmdError::err(BAD_OFFSET))?.wrapping_mul(mul);
    if v < 0 || (v as u64 >> 3) >= max_bytes {
        return Err(CmdError::err(BAD_OFFSET));
    }
    Ok(v as u64)
}

/// The string at `key` for reading (WRONGTYPE for other types), counting
/// the keyspace hit or miss.
fn read_str<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Result<Option<&'a StrValue>, CmdError> {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    match db.get(key, now) {
        None => {
            ctx.srv.stats.keyspace_misses += 1;
            Ok(None)
        }
        Some(e) => {
            ctx.srv.stats.keyspace_hits += 1;
            match e.value() {
                Value::Str(s) => Ok(Some(s)),
                #[allow(unreachable_patterns)]
                _ => Err(CmdError::WrongType),
            }
        }
    }
}

/// The string at `key` for a bit write that touches bytes up to
/// `last_bit / 8`: created (zero-filled) if missing, zero-padded if
/// shorter, made `raw` in any case, as Redis does. Returns its bytes.
fn write_bytes<'a>(ctx: &'a mut Ctx<'_>, key: &[u8], last_bit: u64) -> Result<&'a mut [u8], CmdError> {
    let now = ctx.now_ms;
    let need = (last_bit / 8 + 1) as usize;
    let db = ctx.srv.store.db(ctx.client.db);
    let exists = match db.get(key, now) {
        None => false,
        Some(e) => match e.value() {
            Value::Str(_) => true,
            #[allow(unreachable_patterns)]
            _ => return Err(CmdError::WrongType),
        },
    };
    if !exists {
        db.insert(key, Value::Str(StrValue::raw(&vec![0; need])), None, now);
    }
    match db.get(key, now).map(|e| e.value_mut()) {
        Some(Value::Str(s)) => Ok(s.raw_bytes_mut(need)),
        _ => unreachable!("the string was just looked up or created"),
    }
}

fn setbit(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let offset = bit_offset(args.next_bytes()?, None, ctx.srv.config.proto_max_bulk_len)?;
    let on = args.next_i64_where(|v| v == 0 || v == 1, CmdError::err("bit is not an integer or out of range"))? as u64;
    args.finish()?;
    let bytes = write_bytes(ctx, key, offset)?;
    let old = bits::get_field(bytes, offset, 1);
    bits::set_field(bytes, offset, 1, on);
    ctx.dirty(1);
    ctx.notify(ev::STRING, "setbit", key);
    ctx.out().int(old as i64);
    Ok(Replied)
}

fn getbit(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let offset = bit_offset(args.next_bytes()?, None, ctx.srv.config.proto_max_bulk_len)?;
    args.finish()?;
    let bit = match read_str(ctx, key)? {
        Some(s) => {
            let mut scratch = [0u8; 20];
            bits::get_field(s.as_bytes(&mut scratch), offset, 1)
        }
        None => 0,
    };
    ctx.out().int(bit as i64);
    Ok(Replied)
}

/// Resolves a BITCOUNT/BITPOS range (inclusive, negative counting from the
/// end) over `total` units (bytes or bits) the way Redis clamps it:
/// `None` when empty.
fn clamp_range(total: i64, start: i64, end: i64) -> Option<(u64, u64)> {
    let fix = |i: i64| if i < 0 { total.saturating_add(i).max(0) } else { i };
    let (start, mut end) = (fix(start), fix(end));
    if end >= total {
        end = total - 1;
    }
    (start <= end).then_some((start as u64, end as u64))
}

/// Takes an optional `BYTE` or `BIT` (true for bits); anything else is a
/// syntax error.
fn next_unit(args: &mut Args<'_>) -> Result<bool, CmdError> {
    Ok(args.has_more() && args.next_keyword(&["BYTE", "BIT"])? == 1)
}

/// A `start..=end` range in `unit` (true: bits) as bits `first..=last` of a
/// string of `len` bytes, clamped as Redis clamps it: `None` when empty.
fn bit_range(len: i64, start: i64, end: i64, bit_unit: bool) -> Option<(u64, u64)> {
    if bit_unit {
        clamp_range(len * 8, start, end)
    } else {
        clamp_range(len, start, end).map(|(s, e)| (s * 8, e * 8 + 7))
    }
}

/// BITCOUNT's range over a string of `len` bytes, from the arguments after
/// the key (none, or `start end [BYTE|BIT]`), as bits `first..=last`:
/// `None` when empty.
fn count_range(args: &mut Args<'_>, len: i64) -> Result<Option<(u64, u64)>, CmdError> {
    match args.remaining() {
        0 => Ok((len > 0).then(|| (0, (len * 8 - 1) as u64))),
        2 | 3 => {
            let start = args.next_i64()?;
            let end = args.next_i64()?;
            // An empty negative range answers 0 before BYTE/BIT is even
            // looked at (as in Redis 7.0).
            if start < 0 && end < 0 && start > end {
                return Ok(None);
            }
            Ok(bit_range(len, start, end, next_unit(args)?))
        }
        _ => Err(CmdError::Syntax),
    }
}

fn bitcount(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    // Redis 7.0 looks the key up before parsing the range: a missing key
    // counts 0 whatever follows.
    let count = {
        let Some(s) = read_str(ctx, key)? else {
            ctx.out().int(0);
            return Ok(Replied);
        };
        let mut scratch = [0u8; 20];
        let bytes = s.as_bytes(&mut scratch);
        match count_range(args, bytes.len() as i64)? {
            None => 0,
            Some((first, last)) => count_bits(bytes, first as usize, last as usize),
        }
    };
    ctx.out().int(count as i64);
    Ok(Replied)
}

/// Set bits among bits `first..=last` of `bytes`.
fn count_bits(bytes: &[u8], first: usize, last: usize) -> u64 {
    let (fb, lb) = (first / 8, last / 8);
    let mut n = bits::popcount(&bytes[fb..=lb]);
    // Remove the bits of the edge bytes that are outside the range.
    let head_out = !(0xffu8 >> (first % 8));
    let tail_out = !(0xffu8 << (7 - last % 8));
    n -= u64::from((bytes[fb] & head_out).count_ones());
    n -= u64::from((bytes[lb] & tail_out).count_ones());
    n
}

/// BITPOS's range over a string of `len` bytes, from the arguments after
/// the bit (none, or `start [end [BYTE|BIT]]`), as bits `first..=last`
/// (`None` when empty), and whether an end was given.
fn pos_range(args: &mut Args<'_>, len: i64) -> Result<(Option<(u64, u64)>, bool), CmdError> {
    match args.remaining() {
        0 => Ok(((len > 0).then(|| (0, (len * 8 - 1) as u64)), false)),
        1..=3 => {
            let start = args.next_i64()?;
            // Redis reads the unit before the end: `0 x FOO` is a syntax
            // error, not a bad integer.
            let end = args.next();
            let bit_unit = next_unit(args)?;
            let end_i = match end {
                Some(e) => int_arg(e)?,
                None => i64::MAX,
            };
            Ok((bit_range(len, start, end_i, bit_unit), end.is_some()))
        }
        _ => Err(CmdError::Syntax),
    }
}

fn bitpos(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let bit = match parse_i64(args.next_bytes()?) {
        Some(b @ (0 | 1)) => b == 1,
        Some(_) => return Err(CmdError::err("The bit argument must be 1 or 0.")),
        None => return Err(CmdError::NotInteger),
    };
    let pos = {
        let Some(s) = read_str(ctx, key)? else {
            // A missing key is an endless run of zeros.
            ctx.out().int(if bit { -1 } else { 0 });
            return Ok(Replied);
        };
        let mut scratch = [0u8; 20];
        let bytes = s.as_bytes(&mut scratch);
        let (range, end_given) = pos_range(args, bytes.len() as i64)?;
        match range {
            None => -1,
            Some((first, last)) => match bits::find_bit(bytes, bit, first as usize, last as usize) {
                Some(p) => p as i64,
                // Looking for a 0 past an open-ended range: the string is
                // considered padded with zeros, so the answer is the first
                // bit after the range's last byte.
                None if !bit && !end_given => ((last / 8 + 1) * 8) as i64,
                None => -1,
            },
        }
    };
    ctx.out().int(pos);
    Ok(Replied)
}

fn bitop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let op = [BitOp::And, BitOp::Or, BitOp::Xor, BitOp::Not][args.next_keyword(&["AND", "OR", "XOR", "NOT"])?];
    let dest = args.next_bytes()?;
    let sources = args.rest();
    if op == BitOp::Not && sources.remaining() != 1 {
        return Err(CmdError::err("BITOP NOT must be called with a single source key."));
    }
    let mut acc: Vec<u8> = Vec::new();
    for (i, key) in sources.enumerate() {
        let s = read_str(ctx, key)?;
        let mut scratch = [0u8; 20];
        let src: &[u8] = s.map_or(&[], |s| s.as_bytes(&mut scratch));
        if i == 0 {
            if op == BitOp::Not {
                bits::bitop(op, &mut acc, src);
            } else {
                acc.extend_from_slice(src);
            }
        } else {
            bits::bitop(op, &mut acc, src);
        }
    }
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let len = acc.len();
    if len == 0 {
        if db.remove(dest, now).is_some() {
            ctx.notify(ev::GENERIC, "del", dest);
        }
    } else {
        db.insert(dest, Value::Str(StrValue::raw(&acc)), None, now);
        ctx.notify(ev::STRING, "set", dest);
    }
    ctx.dirty(1);
    ctx.out().int(len as i64);
    Ok(Replied)
}

/// What BITFIELD does when a SET or INCRBY result does not fit the field.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// A field type: `i1`..`i64` or `u1`..`u63`.
#[derive(Clone, Copy, Debug)]
struct FieldType {
    signed: bool,
    bits: u32,
}

#[derive(Clone, Copy, Debug)]
enum FieldOp {
    Get,
    Set(i64),
    IncrBy(i64),
}

#[derive(Clone, Copy, Debug)]
struct Op {
    kind: FieldOp,
    ty: FieldType,
    offset: u64,
    overflow: Overflow,
}

fn field_type(arg: &[u8]) -> Result<FieldType, CmdError> {
    let bad = || {
        CmdError::err("Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
    };
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(bad()),
    };
    let bits = parse_i64(&arg[1..]).ok_or_else(bad)?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&bits) {
        return Err(bad());
    }
    Ok(FieldType { signed, bits: bits as u32 })
}

/// Parses BITFIELD's operations (every argument left), with Redis's errors
/// in Redis's order; offsets are limited by `max_bytes`.
fn parse_ops(args: &mut Args<'_>, max_bytes: u64) -> Result<Vec<Op>, CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    while let Some(sub) = args.next() {
        let left = args.remaining();
        let takes_value = if is(sub, "GET") && left >= 2 {
            false
        } else if (is(sub, "SET") || is(sub, "INCRBY")) && left >= 3 {
            true
        } else if is(sub, "OVERFLOW") && left >= 1 {
            let policy = args.next_keyword(&["WRAP", "SAT", "FAIL"]);
            overflow = [Overflow::Wrap, Overflow::Sat, Overflow::Fail]
                [policy.map_err(|_| CmdError::err("Invalid OVERFLOW type specified"))?];
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let ty = field_type(args.next_bytes()?)?;
        let offset = bit_offset(args.next_bytes()?, Some(ty.bits), max_bytes)?;
        let kind = match takes_value {
            false => FieldOp::Get,
            true if is(sub, "SET") => FieldOp::Set(args.next_i64()?),
            true => FieldOp::IncrBy(args.next_i64()?),
        };
        ops.push(Op { kind, ty, offset, overflow });
    }
    Ok(ops)
}

/// The value a field holds given its raw bits.
fn decode(ty: FieldType, raw: u64) -> i64 {
    if ty.signed && ty.bits < 64 {
        let shift = 64 - ty.bits;
        ((raw << shift) as i64) >> shift
    } else {
        raw as i64
    }
}

/// The value to store for the exact result `v` of a SET or INCRBY, or `None`
/// when it does not fit and the policy is FAIL. WRAP keeps the low bits
/// (two's complement), SAT clamps to the type's range.
fn fit(ty: FieldType, overflow: Overflow, v: i128) -> Option<i64> {
    let (min, max) =
        if ty.signed { (-(1i128 << (ty.bits - 1)), (1i128 << (ty.bits - 1)) - 1) } else { (0, (1i128 << ty.bits) - 1) };
    if (min..=max).contains(&v) {
        return Some(v as i64);
    }
    match overflow {
        Overflow::Fail => None,
        Overflow::Sat => Some(if v > max { max } else { min } as i64),
        Overflow::Wrap => {
            let low = (v as u64) & (u64::MAX >> (64 - ty.bits));
            Some(decode(ty, low))
        }
    }
}

/// Whether `max - v` overflows an `i64` for a signed field of `bits` bits.
fn far_below(bits: u32, v: i64) -> bool {
    let max = (1i128 << (bits - 1)) - 1;
    max - i128::from(v) > i128::from(i64::MAX)
}

/// Runs one operation on `bytes` and returns its reply (`None`: null).
fn run_op(bytes: &mut [u8], op: &Op) -> Option<i64> {
    let ty = op.ty;
    let old = decode(ty, bits::get_field(bytes, op.offset, ty.bits));
    let (new, reply) = match op.kind {
        FieldOp::Get => return Some(old),
        FieldOp::Set(v) => {
            // An unsigned SET takes the value's 64-bit pattern, so a
            // negative value is an overflow (SAT stores the maximum).
            let exact = if ty.signed { i128::from(v) } else { i128::from(v as u64) };
            let new = if ty.signed && ty.bits < 64 && op.overflow == Overflow::Sat && far_below(ty.bits, v) {
                // Redis checks a signed SET with `max - value` in 64-bit
                // arithmetic; for a value this far below the minimum that
                // wraps, and the value counts as too large: SAT stores the
                // maximum.
                (1i64 << (ty.bits - 1)) - 1
            } else {
                fit(ty, op.overflow, exact)?
            };
            (new, old)
        }
        FieldOp::IncrBy(by) => {
            let new = fit(ty, op.overflow, i128::from(old) + i128::from(by))?;
            (new, new)
        }
    };
    bits::set_field(bytes, op.offset, ty.bits, new as u64);
    Some(reply)
}

fn bitfield_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, read_only_cmd: bool) -> CmdResult {
    let key = args.next_bytes()?;
    let ops = parse_ops(args, ctx.srv.config.proto_max_bulk_len)?;
    let last_write =
        ops.iter().filter(|op| !matches!(op.kind, FieldOp::Get)).map(|op| op.offset + u64::from(op.ty.bits) - 1).max();
    let mut replies: Vec<Option<i64>> = Vec::with_capacity(ops.len());
    match last_write {
        None => {
            let Some(s) = read_str(ctx, key)? else {
                ctx.out().array(ops.len());
                for _ in &ops {
                    ctx.out().int(0);
                }
                return Ok(Replied);
            };
            let mut scratch = [0u8; 20];
            let bytes = s.as_bytes(&mut scratch);
            for op in &ops {
                let raw = bits::get_field(bytes, op.offset, op.ty.bits);
                replies.push(Some(decode(op.ty, raw)));
            }
        }
        Some(_) if read_only_cmd => return Err(CmdError::err("BITFIELD_RO only supports the GET subcommand")),
        Some(last) => {
            let bytes = write_bytes(ctx, key, last)?;
            let mut changes = 0;
            for op in &ops {
                let r = run_op(bytes, op);
                if r.is_some() && !matches!(op.kind, FieldOp::Get) {
                    changes += 1;
                }
                replies.push(r);
            }
            ctx.dirty(changes);
            if changes > 0 {
                ctx.notify(ev::STRING, "setbit", key);
            }
        }
    }
    let out = ctx.out();
    out.array(replies.len());
    for r in replies {
        match r {
            Some(v) => out.int(v),
            None => out.null(),
        }
    }
    Ok(Replied)
}

fn bitfield(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    bitfield_generic(ctx, args, false)
}

fn bitfield_ro(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    bitfield_generic(ctx, args, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::common::with_args;

    /// `line`'s operations as text (`get i8@0/wrap`, `set u4@8=3/sat`), or
    /// the error.
    fn ops(line: &str) -> Result<Vec<String>, CmdError> {
        let ops = with_args(line, 2, |a| parse_ops(a, 512 * 1024 * 1024))?;
        Ok(ops
            .iter()
            .map(|op| {
                let ty = format!("{}{}@{}", if op.ty.signed { 'i' } else { 'u' }, op.ty.bits, op.offset);
                let of = format!("{:?}", op.overflow).to_lowercase();
                match op.kind {
                    FieldOp::Get => format!("get {ty}/{of}"),
                    FieldOp::Set(v) => format!("set {ty}={v}/{of}"),
                    FieldOp::IncrBy(v) => format!("incrby {ty}={v}/{of}"),
                }
            })
            .collect())
    }

    #[test]
    fn bitfield_operations_parse_in_order() {
        let bad_type = "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
        let ok = |v: &[&str]| Ok(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        for (line, want) in [
            ("bitfield k", ok(&[])),
            ("bitfield k get i8 0", ok(&["get i8@0/wrap"])),
            ("bitfield k GET u4 #2 overflow SAT set i5 1 -3", ok(&["get u4@8/wrap", "set i5@1=-3/sat"])),
            ("bitfield k overflow fail incrby u2 100 1 overflow wrap", ok(&["incrby u2@100=1/fail"])),
            ("bitfield k get i8", Err(CmdError::Syntax)),
            ("bitfield k set i8 0", Err(CmdError::Syntax)),
            ("bitfield k overflow", Err(CmdError::Syntax)),
            ("bitfield k foo", Err(CmdError::Syntax)),
            ("bitfield k overflow up get i8 0", Err(CmdError::err("Invalid OVERFLOW type specified"))),
            ("bitfield k get u64 0", Err(CmdError::err(bad_type))),
            ("bitfield k set u64 x y", Err(CmdError::err(bad_type))),
            ("bitfield k set u8 x y", Err(CmdError::err(BAD_OFFSET))),
            ("bitfield k get u8 -1", Err(CmdError::err(BAD_OFFSET))),
            ("bitfield k get u8 4294967296", Err(CmdError::err(BAD_OFFSET))),
            ("bitfield k set u8 0 y", Err(CmdError::NotInteger)),
            ("bitfield k get u8 0 foo", Err(CmdError::Syntax)),
        ] {
            assert_eq!(ops(line), want, "{line}");
        }
    }

    #[test]
    fn bit_offsets() {
        let bad = Err(CmdError::err(BAD_OFFSET));
        for (arg, field, want) in [
            ("0", None, Ok(0)),
            ("7999", None, Ok(7999)),
            ("8000", None, bad.clone()),
            ("#3", Some(8), Ok(24)),
            ("#3", None, bad.clone()),
            ("#-1", Some(8), bad.clone()),
            ("-1", None, bad.clone()),
            ("x", None, bad),
        ] {
            assert_eq!(bit_offset(arg.as_bytes(), field, 1000), want, "{arg}");
        }
    }

    #[test]
    fn count_and_pos_ranges() {
        // A 10-byte string.
        for (line, want) in [
            ("bitcount k", Ok(Some((0, 79)))),
            ("bitcount k 1 -2", Ok(Some((8, 71)))),
            ("bitcount k 1 -2 BIT", Ok(Some((1, 78)))),
            ("bitcount k 1 -2 byte", Ok(Some((8, 71)))),
            ("bitcount k -1 -2 foo", Ok(None)),
            ("bitcount k 0 1 foo", Err(CmdError::Syntax)),
            ("bitcount k 0", Err(CmdError::Syntax)),
            ("bitcount k 0 1 bit x", Err(CmdError::Syntax)),
            ("bitcount k x 1", Err(CmdError::NotInteger)),
        ] {
            assert_eq!(with_args(line, 2, |a| count_range(a, 10)), want, "{line}");
        }
        for (line, want) in [
            ("bitpos k 1", Ok((Some((0, 79)), false))),
            ("bitpos k 1 2", Ok((Some((16, 79)), false))),
            ("bitpos k 1 2 3", Ok((Some((16, 31)), true))),
            ("bitpos k 1 2 3 bit", Ok((Some((2, 3)), true))),
            ("bitpos k 1 5 3", Ok((None, true))),
            ("bitpos k 1 0 x foo", Err(CmdError::Syntax)),
            ("bitpos k 1 0 x bit", Err(CmdError::NotInteger)),
            ("bitpos k 1 x", Err(CmdError::NotInteger)),
            ("bitpos k 1 0 1 bit x", Err(CmdError::Syntax)),
        ] {
            assert_eq!(with_args(line, 3, |a| pos_range(a, 10)), want, "{line}");
        }
    }

    /// The table's BITFIELD and BITFIELD_RO, through the key search
    /// COMMAND GETKEYSANDFLAGS uses: BITFIELD's key flags follow its
    /// subcommands (Redis 7.0's replies).
    #[test]
    fn bitfield_key_flags_follow_the_subcommands() {
        let read = vec![(1, ks::RO | ks::ACCESS)];
        let write = vec![(1, ks::RW | ks::ACCESS | ks::UPDATE)];
        for (line, want) in [
            ("bitfield k", &read),
            ("bitfield k get u8 0", &read),
            ("bitfield k overflow wrap GET u8 0 OVERFLOW sat", &read),
            ("bitfield k overflow foo get u8 0", &read),
            ("bitfield k get u8", &write),
            ("bitfield k set u8 0 1", &write),
            ("bitfield k get u8 0 incrby u8 0 1", &write),
            ("bitfield k overflow get u8 0", &write),
            ("bitfield k overflow", &write),
            ("bitfield k foo", &write),
            ("bitfield_ro k get u8 0", &read),
        ] {
            let argv: Vec<&str> = line.split(' ').collect();
            let spec = COMMANDS.iter().find(|c| c.name == argv[0]).expect("in the table");
            let keys = crate::command::keys::keys(spec, argv.len(), &|i| argv.get(i).map(|a| a.as_bytes()));
            assert_eq!(&keys.iter().map(|k| (k.pos, k.flags)).collect::<Vec<_>>(), want, "{line}");
        }
    }

    #[test]
    fn overflow_policies() {
        let u8t = FieldType { signed: false, bits: 8 };
        let i8t = FieldType { signed: true, bits: 8 };
        let i64t = FieldType { signed: true, bits: 64 };
        assert_eq!(fit(u8t, Overflow::Wrap, 256), Some(0));
        assert_eq!(fit(u8t, Overflow::Wrap, -1), Some(255));
        assert_eq!(fit(u8t, Overflow::Sat, 300), Some(255));
        assert_eq!(fit(u8t, Overflow::Sat, -3), Some(0));
        assert_eq!(fit(u8t, Overflow::Fail, 256), None);
        assert_eq!(fit(i8t, Overflow::Wrap, 128), Some(-128));
        assert_eq!(fit(i8t, Overflow::Sat, -200), Some(-128));
        assert_eq!(fit(i64t, Overflow::Wrap, i128::from(i64::MAX) + 1), Some(i64::MIN));
        assert_eq!(fit(i64t, Overflow::Sat, i128::from(i64::MIN) - 5), Some(i64::MIN));
    }

    #[test]
    fn unsigned_set_of_negative_saturates_high() {
        let mut bytes = [0u8; 2];
        let op =
            Op { kind: FieldOp::Set(-1), ty: FieldType { signed: false, bits: 8 }, offset: 0, overflow: Overflow::Sat };
        assert_eq!(run_op(&mut bytes, &op), Some(0));
        assert_eq!(bytes[0], 255);
    }

    #[test]
    fn signed_set_far_below_minimum_saturates_high() {
        let mut bytes = [0u8; 8];
        let op = Op {
            kind: FieldOp::Set(i64::MIN),
            ty: FieldType { signed: true, bits: 46 },
            offset: 0,
            overflow: Overflow::Sat,
        };
        run_op(&mut bytes, &op);
        assert_eq!(decode(op.ty, bits::get_field(&bytes, 0, 46)), (1 << 45) - 1);
        let op = Op {
            kind: FieldOp::Set(-1000),
            ty: FieldType { signed: true, bits: 8 },
            offset: 0,
            overflow: Overflow::Sat,
        };
        run_op(&mut bytes, &op);
        assert_eq!(decode(op.ty, bits::get_field(&bytes, 0, 8)), -128);
    }

    #[test]
    fn field_types() {
        assert!(field_type(b"i64").is_ok());
        assert!(field_type(b"u63").is_ok());
        for bad in [&b"u64"[..], b"i65", b"i0", b"I8", b"x8", b"i", b"", b"i08", b"i+8"] {
            assert!(field_type(bad).is_err(), "{:?}", bad.escape_ascii().to_string());
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(clamp_range(10, 0, -1), Some((0, 9)));
        assert_eq!(clamp_range(10, -3, -1), Some((7, 9)));
        assert_eq!(clamp_range(10, 5, 2), None);
        assert_eq!(clamp_range(10, -100, 100), Some((0, 9)));
        assert_eq!(clamp_range(0, 0, -1), None);
        assert_eq!(count_bits(b"\xff\xff", 3, 12), 10);
    }
}
