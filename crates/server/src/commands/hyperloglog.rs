//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE.
//!
//! A HyperLogLog is a string in Redis's own representation, so values move
//! between ember and Redis (RDB files, DUMP/RESTORE, GET/SET) unchanged and
//! count the same on both sides:
//!
//! ```text
//! offset  size  field
//! 0       4     "HYLL"
//! 4       1     encoding: 0 dense, 1 sparse
//! 5       3     unused, zero
//! 8       8     cached cardinality, little-endian; bit 7 of byte 15 set
//!               means "stale, recompute"
//! 16      ...   registers
//! ```
//!
//! There are 2^14 = 16384 registers of 6 bits. Dense: 12288 bytes, register
//! `i` at bits `6i..6i+6` counted from the least significant bit of byte 0
//! (little-endian bit order). Sparse: a run-length sequence of opcodes,
//! `ZERO` (`00xxxxxx`: 1-64 zero registers), `XZERO` (`01xxxxxx
//! yyyyyyyy`: 1-16384 zero registers) and `VAL` (`1vvvvvxx`: 1-4 registers
//! of value 1-32). A sparse value becomes dense when an update needs a
//! value above 32 or would grow it past `hll-sparse-max-bytes`.
//!
//! An element is hashed with MurmurHash64A (seed `0xadc83b19`); the low 14
//! bits choose the register, and the register takes the position of the
//! lowest set bit of the other 50 (plus one, at most 51) if that is larger.
//! Counting uses Ertl's improved estimator ("New cardinality estimation
//! algorithms for HyperLogLog sketches", arXiv:1702.01284), as Redis 7 does.
//!
//! Sparse updates reproduce Redis's opcode rewriting (split into at most
//! three opcodes, then merge equal adjacent `VAL`s near the change), so the
//! same PFADDs produce the same bytes in both servers.

use ember_store::{StrValue, Value};

use crate::command::prelude::*;
use crate::config::notify as ev;

/// HyperLogLog-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("pfadd", -2, pfadd)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::HYPERLOGLOG)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::INSERT)])
        .doc(
            "hyperloglog",
            "Adds the specified elements to the specified HyperLogLog.",
            "2.8.9",
            "O(1) to add every element.",
        )
        .args(&[arg::key("key", 0), arg::string("element").optional().multiple()]),
    CommandSpec::new("pfcount", -2, pfcount)
        .flags(READONLY | MAY_REPLICATE)
        .acl(acl::HYPERLOGLOG)
        .keys(&[
            KeySpec::index(1)
                .range(-1, 1, 0)
                .flags(ks::RW | ks::ACCESS)
                .notes("RW because it may change the internal representation of the key, and propagate to replicas"),
        ])
        .doc(
            "hyperloglog",
            "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
            "2.8.9",
            "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        )
        .args(&[arg::key("key", 0).multiple()]),
    CommandSpec::new("pfmerge", -2, pfmerge)
        .flags(WRITE | DENYOOM)
        .acl(acl::HYPERLOGLOG)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::INSERT),
            KeySpec::index(2).range(-1, 1, 0).flags(ks::RO | ks::ACCESS),
        ])
        .doc(
            "hyperloglog",
            "Merge N different HyperLogLogs into a single one.",
            "2.8.9",
            "O(N) to merge N HyperLogLogs, but with high constant times.",
        )
        .args(&[arg::key("destkey", 0), arg::key("sourcekey", 1).multiple()]),
];

/// Index bits: 2^P registers.
const P: u32 = 14;
/// Number of registers.
const REGISTERS: usize = 1 << P;
/// Hash bits left for the run length.
const Q: usize = 64 - P as usize;
/// Header size.
const HDR: usize = 16;
/// Size of a dense HyperLogLog: header + 16384 6-bit registers.
const DENSE_LEN: usize = HDR + REGISTERS * 6 / 8;
const ENC_DENSE: u8 = 0;
const ENC_SPARSE: u8 = 1;
/// Largest value a sparse `VAL` opcode holds.
const VAL_MAX_VALUE: u8 = 32;
/// Longest run of a `VAL` opcode.
const VAL_MAX_LEN: usize = 4;
/// Longest run of a `ZERO` opcode.
const ZERO_MAX_LEN: usize = 64;
/// Longest run of an `XZERO` opcode.
const XZERO_MAX_LEN: usize = 16384;
/// MurmurHash64A seed Redis uses for HyperLogLog.
const SEED: u64 = 0xadc8_3b19;
/// 1 / (2 ln 2), the estimator's constant for m → ∞.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

fn not_hll() -> CmdError {
    CmdError::coded("WRONGTYPE", "Key is not a valid HyperLogLog string value.")
}

fn corrupt() -> CmdError {
    CmdError::coded("INVALIDOBJ", "Corrupted HLL object detected")
}

/// The sparse registers ran past 16384 or stopped short of it.
#[derive(Debug, PartialEq, Eq)]
struct Corrupt;

/// MurmurHash64A (Austin Appleby), reading 8-byte blocks little-endian.
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut blocks = data.chunks_exact(8);
    for b in &mut blocks {
        let mut k = u64::from_le_bytes(b.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the value it offers that register.
fn register_of(element: &[u8]) -> (usize, u8) {
    let h = murmur64a(element, SEED);
    let index = (h & (REGISTERS as u64 - 1)) as usize;
    let rest = (h >> P) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A string that PFADD/PFCOUNT/PFMERGE accept: the magic, a known
/// encoding, and the exact size when dense.
fn is_hll(bytes: &[u8]) -> bool {
    bytes.len() >= HDR
        && &bytes[..4] == b"HYLL"
        && bytes[4] <= ENC_SPARSE
        && (bytes[4] != ENC_DENSE || bytes.len() == DENSE_LEN)
}

/// An empty HyperLogLog: sparse, one `XZERO` covering every register,
/// cached cardinality 0.
fn new_hll() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR + 2);
    v.extend_from_slice(b"HYLL");
    v.extend_from_slice(&[ENC_SPARSE, 0, 0, 0]);
    v.extend_from_slice(&[0; 8]);
    push_zeros(&mut v, REGISTERS);
    v
}

fn invalidate_cache(hll: &mut [u8]) {
    hll[15] |= 0x80;
}

fn cached_card(hll: &[u8]) -> Option<u64> {
    (hll[15] & 0x80 == 0).then(|| u64::from_le_bytes(hll[8..16].try_into().expect("8 bytes")))
}

// ---- dense registers ----

fn dense_get(regs: &[u8], i: usize) -> u8 {
    let bit = i * 6;
    let (b, shift) = (bit / 8, bit % 8);
    let pair = u16::from(regs[b]) | u16::from(regs.get(b + 1).copied().unwrap_or(0)) << 8;
    ((pair >> shift) & 0x3f) as u8
}

fn dense_put(regs: &mut [u8], i: usize, v: u8) {
    let bit = i * 6;
    let (b, shift) = (bit / 8, bit % 8);
    let mask = 0x3fu16 << shift;
    let val = u16::from(v & 0x3f) << shift;
    regs[b] = (regs[b] & !(mask as u8)) | val as u8;
    if shift > 2 {
        regs[b + 1] = (regs[b + 1] & !((mask >> 8) as u8)) | (val >> 8) as u8;
    }
}

/// Raises register `i` to `v`; true if it changed.
fn dense_raise(regs: &mut [u8], i: usize, v: u8) -> bool {
    if dense_get(regs, i) < v {
        dense_put(regs, i, v);
        true
    } else {
        false
    }
}

// ---- sparse opcodes ----

fn is_zero(op: u8) -> bool {
    op & 0xc0 == 0
}
fn is_xzero(op: u8) -> bool {
    op & 0xc0 == 0x40
}
fn val_value(op: u8) -> u8 {
    ((op >> 2) & 0x1f) + 1
}
fn val_len(op: u8) -> usize {
    usize::from(op & 3) + 1
}
fn val_op(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len - 1) as u8
}

/// One decoded opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// `len` zero registers, in an opcode of `size` bytes.
    Zero { len: usize, size: usize },
    /// `len` registers holding `value`.
    Val { value: u8, len: usize },
}

/// Decodes the opcode at `p`. An `XZERO` cut off by the end reads its
/// second byte as zero (as Redis, which finds the string's terminator).
fn run_at(sparse: &[u8], p: usize) -> Run {
    let op = sparse[p];
    if is_zero(op) {
        Run::Zero { len: usize::from(op & 0x3f) + 1, size: 1 }
    } else if is_xzero(op) {
        let lo = usize::from(sparse.get(p + 1).copied().unwrap_or(0));
        Run::Zero { len: (usize::from(op & 0x3f) << 8 | lo) + 1, size: 2 }
    } else {
        Run::Val { value: val_value(op), len: val_len(op) }
    }
}

/// Appends the opcode(s) for `len` zero registers: `ZERO` up to 64,
/// `XZERO` beyond.
fn push_zeros(v: &mut Vec<u8>, mut len: usize) {
    while len > 0 {
        let n = len.min(XZERO_MAX_LEN);
        if n > ZERO_MAX_LEN {
            v.push(0x40 | ((n - 1) >> 8) as u8);
            v.push(((n - 1) & 0xff) as u8);
        } else {
            v.push((n - 1) as u8);
        }
        len -= n;
    }
}

/// Register histogram of a sparse HyperLogLog (opcodes after the header);
/// `Corrupt` unless the runs cover exactly 16384 registers.
fn sparse_histogram(ops: &[u8], histo: &mut [u64; 64]) -> Result<(), Corrupt> {
    let mut idx = 0usize;
    let mut p = 0;
    while p < ops.len() {
        match run_at(ops, p) {
            Run::Zero { len, size } => {
                histo[0] += len as u64;
                idx += len;
                p += size;
            }
            Run::Val { value, len } => {
                histo[usize::from(value)] += len as u64;
                idx += len;
                p += 1;
            }
        }
    }
    if idx == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Raises `max[i]` to each register of a sparse HyperLogLog; `Corrupt`
/// unless the runs cover exactly 16384 registers.
fn sparse_merge(ops: &[u8], max: &mut [u8]) -> Result<(), Corrupt> {
    let mut i = 0usize;
    let mut p = 0;
    while p < ops.len() {
        match run_at(ops, p) {
            Run::Zero { len, size } => {
                i += len;
                p += size;
            }
            Run::Val { value, len } => {
                if i + len > REGISTERS {
                    return Err(Corrupt);
                }
                for m in &mut max[i..i + len] {
                    *m = (*m).max(value);
                }
                i += len;
                p += 1;
            }
        }
    }
    if i == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// The dense form of a sparse HyperLogLog (same header, encoding changed).
fn sparse_to_dense(hll: &[u8]) -> Result<Vec<u8>, Corrupt> {
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HDR].copy_from_slice(&hll[..HDR]);
    dense[4] = ENC_DENSE;
    let ops = &hll[HDR..];
    let regs = &mut dense[HDR..];
    let mut idx = 0usize;
    let mut p = 0;
    while p < ops.len() {
        match run_at(ops, p) {
            Run::Zero { len, size } => {
                idx += len;
                p += size;
            }
            Run::Val { value, len } => {
                if idx + len > REGISTERS {
                    break;
                }
                for r in idx..idx + len {
                    dense_put(regs, r, value);
                }
                idx += len;
                p += 1;
            }
        }
    }
    if idx == REGISTERS {
        Ok(dense)
    } else {
        Err(Corrupt)
    }
}

/// Raises register `index` of the sparse HyperLogLog `hll` to `count`,
/// rewriting the opcode that covers it; converts `hll` to dense when the
/// value does not fit a `VAL` opcode or the string would grow past
/// `max_bytes`. Returns whether the register changed.
fn sparse_raise(hll: &mut Vec<u8>, index: usize, count: u8, max_bytes: usize) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote_and_raise(hll, index, count);
    }
    // Find the opcode covering `index` and the one before it.
    let end = hll.len();
    let (mut p, mut first, mut prev) = (HDR, 0usize, None);
    let mut found = None;
    while p < end {
        let (span, size) = match run_at(hll, p) {
            Run::Zero { len, size } => (len, size),
            Run::Val { len, .. } => (len, 1),
        };
        if index < first + span {
            found = Some((span, size));
            break;
        }
        prev = Some(p);
        p += size;
        first += span;
    }
    let Some((span, size)) = found else { return Err(Corrupt) };
    if p + size > end {
        return Err(Corrupt);
    }
    let op = hll[p];
    let is_val = !is_zero(op) && !is_xzero(op);
    if is_val && val_value(op) >= count {
        return Ok(false);
    }
    if span == 1 && (is_val || is_zero(op)) {
        // A single register: rewrite the opcode in place.
        hll[p] = val_op(count, 1);
    } else {
        // Split the run into (before, the register, after).
        let last = first + span - 1;
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        let push_part = |seq: &mut Vec<u8>, len: usize| {
            if is_val {
                seq.push(val_op(val_value(op), len));
            } else {
                push_zeros(seq, len);
            }
        };
        if index != first {
            push_part(&mut seq, index - first);
        }
        seq.push(val_op(count, 1));
        if index != last {
            push_part(&mut seq, last - index);
        }
        if seq.len() > size && hll.len() + (seq.len() - size) > max_bytes {
            return promote_and_raise(hll, index, count);
        }
        hll.splice(p..p + size, seq);
    }
    // Merge equal adjacent VAL opcodes, scanning up to 5 opcodes from the
    // one before the change.
    let mut p = prev.unwrap_or(HDR);
    let mut budget = 5;
    while p < hll.len() && budget > 0 {
        budget -= 1;
        let op = hll[p];
        if is_xzero(op) {
            p += 2;
            continue;
        }
        if is_zero(op) {
            p += 1;
            continue;
        }
        if let Some(&next) = hll.get(p + 1) {
            if !is_zero(next) && !is_xzero(next) && val_value(op) == val_value(next) {
                let len = val_len(op) + val_len(next);
                if len <= VAL_MAX_LEN {
                    hll[p + 1] = val_op(val_value(op), len);
                    hll.remove(p);
                    continue;
                }
            }
        }
        p += 1;
    }
    invalidate_cache(hll);
    Ok(true)
}

fn promote_and_raise(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    *hll = sparse_to_dense(hll)?;
    dense_raise(&mut hll[HDR..], index, count);
    Ok(true)
}

/// Raises register `index` of `hll` (either encoding) to `count`.
fn raise(hll: &mut Vec<u8>, index: usize, count: u8, max_bytes: usize) -> Result<bool, Corrupt> {
    if hll[4] == ENC_DENSE {
        Ok(dense_raise(&mut hll[HDR..], index, count))
    } else {
        sparse_raise(hll, index, count, max_bytes)
    }
}

// ---- estimation ----

/// σ(x) of Ertl's estimator (the contribution of zero registers).
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if z == prev {
            return z;
        }
    }
}

/// τ(x) of Ertl's estimator (the contribution of saturated registers).
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if z == prev {
            return z / 3.0;
        }
    }
}

/// The cardinality estimate from a histogram of register values.
fn estimate(histo: &[u64; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histo[Q + 1] as f64) / m);
    for j in (1..=Q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// The estimate for a valid HyperLogLog string.
fn count(hll: &[u8]) -> Result<u64, Corrupt> {
    let mut histo = [0u64; 64];
    if hll[4] == ENC_DENSE {
        let regs = &hll[HDR..];
        for i in 0..REGISTERS {
            histo[usize::from(dense_get(regs, i))] += 1;
        }
    } else {
        sparse_histogram(&hll[HDR..], &mut histo)?;
    }
    Ok(estimate(&histo))
}

/// Raises `max[i]` to register `i` of a valid HyperLogLog string.
fn merge_into(max: &mut [u8], hll: &[u8]) -> Result<(), Corrupt> {
    if hll[4] == ENC_DENSE {
        let regs = &hll[HDR..];
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(regs, i));
        }
        Ok(())
    } else {
        sparse_merge(&hll[HDR..], max)
    }
}

// ---- commands ----

/// Checks that `key` is missing or a valid HyperLogLog (WRONGTYPE with the
/// matching text otherwise); true if it exists.
fn check_key(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, CmdError> {
    let now = ctx.now_ms;
    match ctx.srv.store.db(ctx.client.db).get(key, now).map(|e| e.value()) {
        None => Ok(false),
        Some(Value::Str(s)) => match s.as_slice() {
            Some(b) if is_hll(b) => Ok(true),
            _ => Err(not_hll()),
        },
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The stored HyperLogLog at `key`, known to exist and be a string.
fn hll_value<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> &'a mut StrValue {
    let now = ctx.now_ms;
    match ctx.srv.store.db(ctx.client.db).get(key, now).map(|e| e.value_mut()) {
        Some(Value::Str(s)) => s,
        _ => unreachable!("checked by check_key"),
    }
}

fn pfadd(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let elements = args.rest();
    let max_bytes = usize::try_from(ctx.srv.config.hll_sparse_max_bytes).unwrap_or(usize::MAX);
    let mut updated = 0u64;
    if !check_key(ctx, key)? {
        let now = ctx.now_ms;
        ctx.srv.store.db(ctx.client.db).insert(key, Value::Str(StrValue::raw(&new_hll())), None, now);
        updated += 1;
    }
    let s = hll_value(ctx, key);
    let mut failed = false;
    if s.as_slice().is_some_and(|b| b[4] == ENC_DENSE) {
        // Dense: update the registers in place.
        let regs = &mut s.raw_bytes_mut(0)[HDR..];
        for element in elements {
            let (index, n) = register_of(element);
            if dense_raise(regs, index, n) {
                updated += 1;
            }
        }
    } else {
        // Sparse: opcodes get rewritten, so work on a copy (at most
        // hll-sparse-max-bytes, or a fresh dense value after promotion).
        let mut hll = s.as_slice().map(<[u8]>::to_vec).unwrap_or_default();
        for element in elements {
            let (index, n) = register_of(element);
            match raise(&mut hll, index, n, max_bytes) {
                Ok(true) => updated += 1,
                Ok(false) => {}
                Err(Corrupt) => {
                    failed = true;
                    break;
                }
            }
        }
        *s = StrValue::raw(&hll);
    }
    if failed {
        return Err(corrupt());
    }
    if updated > 0 {
        invalidate_cache(s.raw_bytes_mut(0));
        ctx.dirty(updated);
        ctx.notify(ev::STRING, "pfadd", key);
    }
    ctx.out().int(i64::from(updated > 0));
    Ok(Replied)
}

fn pfcount(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    if args.remaining() > 1 {
        // Several keys: count the union without touching the inputs.
        let mut max = vec![0u8; REGISTERS];
        for key in args {
            if !check_key(ctx, key)? {
                ctx.srv.stats.keyspace_misses += 1;
                continue;
            }
            ctx.srv.stats.keyspace_hits += 1;
            let s = hll_value(ctx, key);
            merge_into(&mut max, s.as_slice().unwrap_or_default()).map_err(|_| corrupt())?;
        }
        let mut histo = [0u64; 64];
        for &r in &max {
            histo[usize::from(r)] += 1;
        }
        let n = estimate(&histo);
        ctx.out().int(n as i64);
        return Ok(Replied);
    }
    let key = args.next_bytes()?;
    if !check_key(ctx, key)? {
        ctx.srv.stats.keyspace_misses += 1;
        ctx.out().int(0);
        return Ok(Replied);
    }
    ctx.srv.stats.keyspace_hits += 1;
    let s = hll_value(ctx, key);
    let bytes = s.as_slice().unwrap_or_default();
    let n = match cached_card(bytes) {
        Some(n) => n,
        None => {
            let n = count(bytes).map_err(|_| corrupt())?;
            // Store the estimate in the header: a write (the value becomes
            // `raw`, and Redis propagates it to replicas).
            s.raw_bytes_mut(0)[8..16].copy_from_slice(&n.to_le_bytes());
            ctx.dirty(1);
            n
        }
    };
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn pfmerge(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let dest = args.next_bytes()?;
    let mut max = vec![0u8; REGISTERS];
    let mut any_dense = false;
    // The destination's own registers are part of the union.
    for key in std::iter::once(dest).chain(args) {
        if !check_key(ctx, key)? {
            continue;
        }
        let s = hll_value(ctx, key);
        let bytes = s.as_slice().unwrap_or_default();
        any_dense |= bytes[4] == ENC_DENSE;
        merge_into(&mut max, bytes).map_err(|_| corrupt())?;
    }
    let max_bytes = usize::try_from(ctx.srv.config.hll_sparse_max_bytes).unwrap_or(usize::MAX);
    let mut hll = if check_key(ctx, dest)? {
        hll_value(ctx, dest).as_slice().map(<[u8]>::to_vec).unwrap_or_default()
    } else {
        new_hll()
    };
    // The result stays sparse only if every input was.
    if any_dense && hll[4] == ENC_SPARSE {
        hll = sparse_to_dense(&hll).map_err(|_| corrupt())?;
    }
    for (i, &v) in max.iter().enumerate() {
        if v != 0 {
            // Errors cannot happen: `dest` was validated by the merge.
            let _ = raise(&mut hll, i, v, max_bytes);
        }
    }
    invalidate_cache(&mut hll);
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    match db.get(dest, now).map(|e| e.value_mut()) {
        Some(Value::Str(s)) => *s = StrValue::raw(&hll),
        _ => {
            db.insert(dest, Value::Str(StrValue::raw(&hll)), None, now);
        }
    }
    ctx.dirty(1);
    ctx.notify(ev::STRING, "pfadd", dest);
    ctx.out().ok();
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_known_values() {
        // The empty input hashes to a function of the seed alone.
        assert_eq!(murmur64a(b"", 0), 0);
        assert_ne!(murmur64a(b"a", SEED), murmur64a(b"b", SEED));
        // Tail lengths 0..=8 exercise every branch.
        let data = b"abcdefghijklmnop";
        let hs: Vec<u64> = (0..=16).map(|n| murmur64a(&data[..n], SEED)).collect();
        let mut dedup = hs.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), hs.len());
    }

    #[test]
    fn new_hll_is_redis_empty_value() {
        let v = new_hll();
        assert_eq!(v, b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
        assert!(is_hll(&v));
        assert_eq!(count(&v), Ok(0));
    }

    #[test]
    fn dense_registers_roundtrip() {
        let mut regs = vec![0u8; REGISTERS * 6 / 8];
        for i in 0..REGISTERS {
            dense_put(&mut regs, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&regs, i), (i % 64) as u8);
        }
    }

    #[test]
    fn sparse_matches_dense_registers() {
        // Random updates applied to a sparse value (never promoted) and to a
        // plain register array must agree, and the opcodes must stay valid.
        let mut hll = new_hll();
        let mut model = vec![0u8; REGISTERS];
        let mut x = 0x1234_5678_9abc_def1u64;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % REGISTERS as u64) as usize;
            let v = ((x >> 20) % 8) as u8 + 1;
            let changed = raise(&mut hll, i, v, usize::MAX).unwrap();
            assert_eq!(changed, model[i] < v);
            model[i] = model[i].max(v);
        }
        assert_eq!(hll[4], ENC_SPARSE);
        let dense = sparse_to_dense(&hll).unwrap();
        for (i, &m) in model.iter().enumerate() {
            assert_eq!(dense_get(&dense[HDR..], i), m);
        }
        let mut max = vec![0u8; REGISTERS];
        sparse_merge(&hll[HDR..], &mut max).unwrap();
        assert_eq!(max, model);
        assert_eq!(count(&hll), count(&dense));
    }

    #[test]
    fn promotion_on_size_and_value() {
        let mut hll = new_hll();
        assert_eq!(raise(&mut hll, 5, 33, 3000), Ok(true));
        assert_eq!(hll.len(), DENSE_LEN);
        assert_eq!(dense_get(&hll[HDR..], 5), 33);
        let mut hll = new_hll();
        raise(&mut hll, 100, 3, 20).unwrap();
        assert_eq!(hll[4], ENC_DENSE);
    }

    #[test]
    fn corrupt_sparse_is_detected() {
        let mut short = new_hll();
        short[17] = 0xfe; // XZERO of 16383 registers
        assert_eq!(count(&short), Err(Corrupt));
        assert_eq!(raise(&mut short, 16383, 1, 3000), Err(Corrupt));
        let mut max = vec![0u8; REGISTERS];
        assert_eq!(sparse_merge(&short[HDR..], &mut max), Err(Corrupt));
        assert!(sparse_to_dense(&short).is_err());
    }

    #[test]
    fn estimator_edges() {
        let mut histo = [0u64; 64];
        histo[0] = REGISTERS as u64;
        assert_eq!(estimate(&histo), 0);
        let mut hll = new_hll();
        for i in 0..10u32 {
            let (idx, n) = register_of(format!("e{i}").as_bytes());
            raise(&mut hll, idx, n, 3000).unwrap();
        }
        assert_eq!(count(&hll), Ok(10));
    }
}
