//! [`Writer`]: the streaming encoder over any `io::Write`, choosing compact
//! encodings under caller-given [`EncodingLimits`] and computing the CRC-64
//! over every byte as it is written.
//!
//! RDB 10 by default (loadable by Redis 7.0 and later), with LZF for
//! strings over 20 bytes when that saves at least 4 bytes. The owned path
//! ([`Writer::write_entry`]) converts a string or collection `RdbValue` to
//! a `ValueRef` and goes through the same encoder as
//! [`Writer::write_key_ref`], so there is one encoder per encoding. Output
//! is gathered 64 KiB at a time before it is checksummed and passed on: the
//! CRC-64 is fast over long inputs and slow over the 1- to 20-byte pieces a
//! file is made of.

use std::io::Write;

use crate::elements::{ElementBuf, Elements, ValueRef};
use crate::error::RdbError;
use crate::format::*;
use crate::value::*;
use crate::{intset, listpack, lzf, ziplist};
use ember_num::{format_d2string, parse_i64, FLOAT_BUF_LEN};

/// When the writer may use a compact encoding. The names and defaults are
/// Redis's configuration parameters of the same names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingLimits {
    /// Most fields a hash may have to be written as a listpack (ziplist below RDB 10). Default 128.
    pub hash_max_listpack_entries: usize,
    /// Longest field or value (bytes) in a listpack hash. Default 64.
    pub hash_max_listpack_value: usize,
    /// Most members a sorted set may have to be written as a listpack. Default 128.
    pub zset_max_listpack_entries: usize,
    /// Longest member (bytes) in a listpack sorted set. Default 64.
    pub zset_max_listpack_value: usize,
    /// Most members an all-integer set may have to be written as an intset. Default 512.
    pub set_max_intset_entries: usize,
    /// Most members a set may have to be written as a listpack (RDB 11 only). Default 128.
    pub set_max_listpack_entries: usize,
    /// Longest member (bytes) in a listpack set. Default 64.
    pub set_max_listpack_value: usize,
    /// Quicklist node size: positive = most elements per node (nodes also stay
    /// under 8 KiB); -1..=-5 = most bytes per node, 4/8/16/32/64 KiB. Default -2.
    pub list_max_listpack_size: i64,
}

impl Default for EncodingLimits {
    fn default() -> Self {
        EncodingLimits {
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            list_max_listpack_size: -2,
        }
    }
}

/// Options of a [`Writer`] (and of [`dump_payload_with`](crate::dump_payload_with)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// RDB version to write, 9..=11. Default 10 (Redis 7.0+ loads it).
    /// Version 9 uses ziplists, 10 listpacks, 11 adds listpack sets.
    pub version: u32,
    /// LZF-compress strings longer than 20 bytes when that saves at least 4
    /// bytes (Redis's `rdbcompression`). Default on.
    pub compress: bool,
    /// Write the CRC-64 after the EOF opcode; when off, 8 zero bytes (Redis's
    /// `rdbchecksum`). Default on.
    pub checksum: bool,
    /// Compact-encoding thresholds.
    pub limits: EncodingLimits,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            version: DEFAULT_WRITE_VERSION,
            compress: true,
            checksum: true,
            limits: EncodingLimits::default(),
        }
    }
}

/// The auxiliary fields Redis writes at the start of every RDB file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuxFields<'a> {
    /// `redis-ver`: the Redis version this file claims to come from, e.g. `"7.0.15"`.
    pub redis_ver: &'a str,
    /// `redis-bits`: 64 or 32.
    pub redis_bits: u32,
    /// `ctime`: creation time, Unix seconds.
    pub ctime: i64,
    /// `used-mem`: memory in use when saving, bytes.
    pub used_mem: u64,
    /// `aof-base`: true when the file is the base of an AOF.
    pub aof_base: bool,
}

/// Bytes the writer gathers before it checksums them and hands them to the
/// inner writer: the CRC-64 is fast over long inputs and slow over the
/// 1- to 20-byte pieces most of a file is written in.
const OUT_BATCH: usize = 64 * 1024;

/// The byte sink: counts the offset and updates the CRC-64. It also keeps
/// the buffers reused from value to value (LZF state, blob under
/// construction).
pub(crate) struct Output<W> {
    inner: W,
    /// Bytes written but not yet checksummed nor passed to `inner`.
    buf: Vec<u8>,
    pub(crate) offset: u64,
    crc: u64,
    checksum: bool,
    lzf: lzf::Compressor,
    blob: Vec<u8>,
}

impl<W: Write> Output<W> {
    pub(crate) fn new(inner: W, checksum: bool) -> Self {
        Output { inner, buf: Vec::new(), offset: 0, crc: 0, checksum, lzf: lzf::Compressor::new(), blob: Vec::new() }
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), RdbError> {
        if self.buf.len() + bytes.len() > OUT_BATCH {
            self.drain()?;
        }
        if bytes.len() >= OUT_BATCH {
            self.pass(bytes)?;
        } else {
            if self.buf.capacity() == 0 {
                self.buf.reserve(OUT_BATCH);
            }
            self.buf.extend_from_slice(bytes);
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Checksums `bytes` and writes them to `inner`.
    fn pass(&mut self, bytes: &[u8]) -> Result<(), RdbError> {
        if self.checksum {
            self.crc = crate::crc64(self.crc, bytes);
        }
        self.inner.write_all(bytes)?;
        Ok(())
    }

    /// Passes the gathered bytes on: afterwards `crc` covers every byte.
    fn drain(&mut self) -> Result<(), RdbError> {
        let buf = std::mem::take(&mut self.buf);
        let result = self.pass(&buf);
        self.buf = buf;
        self.buf.clear();
        result
    }

    /// Passes everything on and returns the inner writer (not flushed).
    pub(crate) fn into_inner(mut self) -> Result<W, RdbError> {
        self.drain()?;
        Ok(self.inner)
    }

    pub(crate) fn u8(&mut self, b: u8) -> Result<(), RdbError> {
        self.put(&[b])
    }

    /// Length prefix: 00LLLLLL | 01LLLLLL LLLLLLLL (14-bit big-endian) |
    /// 0x80 + u32 big-endian | 0x81 + u64 big-endian.
    fn length(&mut self, n: u64) -> Result<(), RdbError> {
        if n < 1 << 6 {
            self.u8(n as u8)
        } else if n < 1 << 14 {
            self.put(&[0x40 | (n >> 8) as u8, (n & 0xFF) as u8])
        } else if let Ok(n32) = u32::try_from(n) {
            self.u8(0x80)?;
            self.put(&n32.to_be_bytes())
        } else {
            self.u8(0x81)?;
            self.put(&n.to_be_bytes())
        }
    }

    fn usize_length(&mut self, n: usize) -> Result<(), RdbError> {
        self.length(n as u64)
    }

    /// A string: int-encoded if it is the canonical form of an integer that
    /// fits 32 bits, LZF if `compress` and it helps, raw otherwise.
    pub(crate) fn string(&mut self, s: &[u8], compress: bool) -> Result<(), RdbError> {
        if s.len() <= 11 {
            if let Some(v) = parse_i64(s) {
                // 0xC0 + i8 | 0xC1 + i16 LE | 0xC2 + i32 LE.
                if let Ok(v) = i8::try_from(v) {
                    return self.put(&[0xC0, v as u8]);
                } else if let Ok(v) = i16::try_from(v) {
                    self.u8(0xC1)?;
                    return self.put(&v.to_le_bytes());
                } else if let Ok(v) = i32::try_from(v) {
                    self.u8(0xC2)?;
                    return self.put(&v.to_le_bytes());
                }
            }
        }
        if compress && s.len() > 20 {
            let mut lzf = std::mem::take(&mut self.lzf);
            let result = match lzf.compress(s, s.len() - 4) {
                Some(c) => {
                    // 0xC3, compressed length, uncompressed length, data.
                    self.u8(0xC3)
                        .and_then(|()| self.usize_length(c.len()))
                        .and_then(|()| self.usize_length(s.len()))
                        .and_then(|()| self.put(c))
                        .map(Some)
                }
                None => Ok(None),
            };
            self.lzf = lzf;
            if result?.is_some() {
                return Ok(());
            }
        }
        self.usize_length(s.len())?;
        self.put(s)
    }
}

/// Picks the type id for `value`, checking first what would make the entry
/// unloadable (so that nothing is written for a rejected entry).
pub(crate) fn choose_type(value: &RdbValue, options: &WriteOptions, offset: u64) -> Result<u8, RdbError> {
    Ok(match value {
        RdbValue::Stream(_) => match options.version {
            9 => TYPE_STREAM_LISTPACKS,
            10 => TYPE_STREAM_LISTPACKS_2,
            _ => TYPE_STREAM_LISTPACKS_3,
        },
        RdbValue::Module(_) => TYPE_MODULE_2,
        _ => choose_type_ref(&value.to_ref(&mut ElementBuf::new()).expect("not a stream or module"), options, offset)?,
    })
}

/// [`choose_type`] for a borrowed value.
pub(crate) fn choose_type_ref(value: &ValueRef<'_>, options: &WriteOptions, offset: u64) -> Result<u8, RdbError> {
    let v = options.version;
    let l = &options.limits;
    if value.is_empty_collection() {
        return Err(RdbError::EmptyCollection { offset });
    }
    Ok(match value {
        ValueRef::String(_) => TYPE_STRING,
        ValueRef::List(_) => {
            if v >= 10 {
                TYPE_LIST_QUICKLIST_2
            } else {
                TYPE_LIST_QUICKLIST
            }
        }
        ValueRef::Set(members) => {
            if members.len() <= l.set_max_intset_entries && members.iter().all(|m| parse_i64(m).is_some()) {
                TYPE_SET_INTSET
            } else if v >= 11
                && members.len() <= l.set_max_listpack_entries
                && members.iter().all(|m| m.len() <= l.set_max_listpack_value)
                && fits_listpack(members.iter().map(<[u8]>::len))
            {
                TYPE_SET_LISTPACK
            } else {
                TYPE_SET
            }
        }
        ValueRef::SortedSet(members, scores) => {
            if scores.iter().any(|s| s.is_nan()) {
                return Err(RdbError::NanScore { offset });
            }
            if members.len() <= l.zset_max_listpack_entries
                && members.iter().all(|m| m.len() <= l.zset_max_listpack_value)
                && fits_listpack(members.iter().map(|m| m.len() + 24))
            {
                if v >= 10 {
                    TYPE_ZSET_LISTPACK
                } else {
                    TYPE_ZSET_ZIPLIST
                }
            } else {
                TYPE_ZSET_2
            }
        }
        ValueRef::Hash(e) => {
            if e.len() / 2 <= l.hash_max_listpack_entries
                && e.iter().all(|x| x.len() <= l.hash_max_listpack_value)
                && fits_listpack(e.pairs().map(|(f, x)| f.len() + x.len()))
            {
                if v >= 10 {
                    TYPE_HASH_LISTPACK
                } else {
                    TYPE_HASH_ZIPLIST
                }
            } else {
                TYPE_HASH
            }
        }
    })
}

/// True when entries of these payload sizes surely fit one 4 GiB blob (with
/// generous per-entry overhead), whatever the caller's thresholds.
fn fits_listpack(sizes: impl Iterator<Item = usize>) -> bool {
    sizes.map(|s| s as u64 + 22).sum::<u64>() < u64::from(u32::MAX) - 16
}

/// Writes the body of `value` as type `type_id` (from [`choose_type`]).
pub(crate) fn write_value<W: Write>(
    out: &mut Output<W>,
    type_id: u8,
    value: &RdbValue,
    options: &WriteOptions,
) -> Result<(), RdbError> {
    let c = options.compress;
    match (type_id, value) {
        (TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3, RdbValue::Stream(s)) => {
            write_stream(out, type_id, s, c)
        }
        (TYPE_MODULE_2, RdbValue::Module(m)) => {
            out.length(m.module_id)?;
            write_module_fields(out, &m.fields, c)
        }
        (_, RdbValue::Stream(_) | RdbValue::Module(_)) => Err(RdbError::UnknownType { type_id, offset: out.offset }),
        _ => {
            let mut buf = ElementBuf::new();
            let value = value.to_ref(&mut buf).expect("not a stream or module");
            write_value_ref(out, type_id, &value, options)
        }
    }
}

/// A listpack (RDB 10+) or ziplist (RDB 9) under construction, in the
/// output's reused blob buffer.
enum Packer {
    Listpack(listpack::Builder),
    Ziplist(ziplist::Builder),
}

impl Packer {
    fn new<W>(out: &mut Output<W>, listpack: bool) -> Packer {
        if listpack {
            Packer::Listpack(listpack::Builder::with_buffer(std::mem::take(&mut out.blob)))
        } else {
            Packer::Ziplist(ziplist::Builder::new())
        }
    }

    fn push(&mut self, value: &[u8]) {
        match self {
            Packer::Listpack(b) => b.push(value),
            Packer::Ziplist(b) => b.push(value),
        }
    }

    /// A sorted-set score: Redis 7.0's text for it (`d2string`), which
    /// `push` stores as an integer entry when it is one. Negative zero, which
    /// Redis's listpacks never hold, stays the string `-0` so that it reads
    /// back as -0.
    fn push_score(&mut self, score: f64) {
        let mut buf = [0u8; FLOAT_BUF_LEN];
        let text: &[u8] =
            if score == 0.0 && score.is_sign_negative() { b"-0" } else { format_d2string(score, &mut buf) };
        self.push(text);
    }

    /// Writes the blob as a string and hands the buffer back to `out`.
    fn finish<W: Write>(self, out: &mut Output<W>, compress: bool, version: u32) -> Result<(), RdbError> {
        let blob = match self {
            Packer::Listpack(b) => b.finish(),
            Packer::Ziplist(b) => b.finish(),
        }
        .ok_or(RdbError::UnsupportedValue { version, kind: "listpack or ziplist over 4 GiB" })?;
        let result = out.string(&blob, compress);
        out.blob = blob;
        result
    }
}

/// Writes the body of a borrowed `value` as type `type_id` (from
/// [`choose_type_ref`]).
pub(crate) fn write_value_ref<W: Write>(
    out: &mut Output<W>,
    type_id: u8,
    value: &ValueRef<'_>,
    options: &WriteOptions,
) -> Result<(), RdbError> {
    let c = options.compress;
    let v = options.version;
    match (type_id, *value) {
        (TYPE_STRING, ValueRef::String(s)) => out.string(s, c),
        (TYPE_LIST_QUICKLIST_2 | TYPE_LIST_QUICKLIST, ValueRef::List(items)) => {
            let packed = type_id == TYPE_LIST_QUICKLIST_2;
            let nodes = plan_nodes(items, options.limits.list_max_listpack_size, packed);
            out.usize_length(nodes.len())?;
            for node in nodes {
                if packed && node.plain {
                    out.length(QUICKLIST_NODE_PLAIN)?;
                    out.string(items.get(node.start), c)?;
                } else {
                    if packed {
                        out.length(QUICKLIST_NODE_PACKED)?;
                    }
                    let mut p = Packer::new(out, packed);
                    (node.start..node.end).for_each(|i| p.push(items.get(i)));
                    p.finish(out, c, v)?;
                }
            }
            Ok(())
        }
        (TYPE_SET_INTSET, ValueRef::Set(members)) => {
            let ints: Vec<i64> = members.iter().filter_map(parse_i64).collect();
            out.string(&intset::encode(&ints), c)
        }
        (TYPE_SET_LISTPACK, ValueRef::Set(members)) => {
            let mut p = Packer::new(out, true);
            members.iter().for_each(|m| p.push(m));
            p.finish(out, c, v)
        }
        (TYPE_SET, ValueRef::Set(members)) => {
            out.usize_length(members.len())?;
            members.iter().try_for_each(|m| out.string(m, c))
        }
        (TYPE_ZSET_LISTPACK | TYPE_ZSET_ZIPLIST, ValueRef::SortedSet(..)) => {
            // Compact sorted sets are kept in (score, member) order; callers
            // holding a sorted set usually have it in that order already.
            let mut pairs: Vec<(&[u8], f64)> = value.scored().collect();
            let order = |a: &(&[u8], f64), b: &(&[u8], f64)| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0));
            if !pairs.is_sorted_by(|a, b| order(a, b).is_le()) {
                pairs.sort_by(order);
            }
            let mut p = Packer::new(out, type_id == TYPE_ZSET_LISTPACK);
            for (member, score) in pairs {
                p.push(member);
                p.push_score(score);
            }
            p.finish(out, c, v)
        }
        (TYPE_ZSET_2, ValueRef::SortedSet(..)) => {
            out.usize_length(value.len())?;
            for (member, score) in value.scored() {
                out.string(member, c)?;
                // f64, 8 bytes little-endian.
                out.put(&score.to_le_bytes())?;
            }
            Ok(())
        }
        (TYPE_HASH_LISTPACK | TYPE_HASH_ZIPLIST, ValueRef::Hash(e)) => {
            let mut p = Packer::new(out, type_id == TYPE_HASH_LISTPACK);
            e.iter().for_each(|x| p.push(x));
            p.finish(out, c, v)
        }
        (TYPE_HASH, ValueRef::Hash(e)) => {
            out.usize_length(e.len() / 2)?;
            e.iter().try_for_each(|x| out.string(x, c))
        }
        _ => Err(RdbError::UnknownType { type_id, offset: out.offset }),
    }
}

fn write_stream<W: Write>(out: &mut Output<W>, type_id: u8, s: &Stream, c: bool) -> Result<(), RdbError> {
    let v2 = type_id >= TYPE_STREAM_LISTPACKS_2;
    let id = |out: &mut Output<W>, id: StreamId| -> Result<(), RdbError> {
        out.length(id.ms)?;
        out.length(id.seq)
    };
    out.usize_length(s.nodes.len())?;
    for node in &s.nodes {
        // Node key: the master id, 16 bytes big-endian.
        out.string(&node.master_id.to_be_bytes(), c)?;
        out.string(&node.listpack, c)?;
    }
    out.length(s.length)?;
    id(out, s.last_id)?;
    if v2 {
        id(out, s.first_id.unwrap_or_default())?;
        id(out, s.max_deleted_id.unwrap_or_default())?;
        out.length(s.entries_added.unwrap_or(s.length))?;
    }
    out.usize_length(s.groups.len())?;
    for g in &s.groups {
        out.string(&g.name, c)?;
        id(out, g.last_id)?;
        if v2 {
            // u64::MAX is Redis's "entries read unknown" (-1).
            out.length(g.entries_read.unwrap_or(u64::MAX))?;
        }
        out.usize_length(g.pending.len())?;
        for p in &g.pending {
            // Raw id (16 bytes BE), delivery time (i64 LE), delivery count (length).
            out.put(&p.id.to_be_bytes())?;
            out.put(&p.delivery_time_ms.to_le_bytes())?;
            out.length(p.delivery_count)?;
        }
        out.usize_length(g.consumers.len())?;
        for consumer in &g.consumers {
            out.string(&consumer.name, c)?;
            // Times: i64 little-endian.
            out.put(&consumer.seen_time_ms.to_le_bytes())?;
            if type_id >= TYPE_STREAM_LISTPACKS_3 {
                out.put(&consumer.active_time_ms.unwrap_or(consumer.seen_time_ms).to_le_bytes())?;
            }
            out.usize_length(consumer.pending.len())?;
            for id in &consumer.pending {
                out.put(&id.to_be_bytes())?;
            }
        }
    }
    Ok(())
}

fn write_module_fields<W: Write>(out: &mut Output<W>, fields: &[ModuleData], c: bool) -> Result<(), RdbError> {
    for f in fields {
        match f {
            ModuleData::Signed(v) => {
                out.length(MODULE_OPCODE_SINT)?;
                out.length(*v as u64)?;
            }
            ModuleData::Unsigned(v) => {
                out.length(MODULE_OPCODE_UINT)?;
                out.length(*v)?;
            }
            ModuleData::Float(v) => {
                out.length(MODULE_OPCODE_FLOAT)?;
                out.put(&v.to_le_bytes())?;
            }
            ModuleData::Double(v) => {
                out.length(MODULE_OPCODE_DOUBLE)?;
                out.put(&v.to_le_bytes())?;
            }
            ModuleData::String(s) => {
                out.length(MODULE_OPCODE_STRING)?;
                out.string(s, c)?;
            }
        }
    }
    out.length(MODULE_OPCODE_EOF)
}

struct Node {
    start: usize,
    end: usize,
    plain: bool,
}

/// Splits a list into quicklist nodes following `list-max-listpack-size`;
/// elements of 1 GiB or more get plain nodes of their own (quicklist 2 only).
fn plan_nodes(items: Elements<'_>, fill: i64, packed: bool) -> Vec<Node> {
    let (max_count, max_bytes) = match fill {
        f if f > 0 => (usize::try_from(f).unwrap_or(usize::MAX), 8192),
        0 => (1, 8192),
        -1 => (usize::MAX, 4096),
        -2 => (usize::MAX, 8192),
        -3 => (usize::MAX, 16_384),
        -4 => (usize::MAX, 32_768),
        _ => (usize::MAX, 65_536),
    };
    let header = if packed { 7 } else { 11 };
    let mut nodes = Vec::new();
    let mut start = 0;
    let mut bytes = header;
    for (i, item) in items.iter().enumerate() {
        if packed && item.len() >= PLAIN_NODE_THRESHOLD {
            if i > start {
                nodes.push(Node { start, end: i, plain: false });
            }
            nodes.push(Node { start: i, end: i + 1, plain: true });
            start = i + 1;
            bytes = header;
            continue;
        }
        let size = if packed { listpack::entry_size(item) } else { item.len() + 11 };
        if i > start && (i - start >= max_count || bytes + size > max_bytes) {
            nodes.push(Node { start, end: i, plain: false });
            start = i;
            bytes = header;
        }
        bytes += size;
    }
    if items.len() > start {
        nodes.push(Node { start, end: items.len(), plain: false });
    }
    nodes
}

/// Streaming RDB encoder.
///
/// [`new`](Writer::new) writes the header; then aux fields, database
/// selections and entries in any order the caller likes (Redis writes aux
/// fields, then per database SELECTDB, RESIZEDB and its keys);
/// [`finish`](Writer::finish) writes the EOF opcode and the checksum. The
/// writer gathers up to 64 KiB before passing bytes to `W` (so `W` needs no
/// buffering of its own); everything reaches `W` by the end of `finish`.
///
/// ```
/// # fn main() -> Result<(), ember_rdb::RdbError> {
/// use ember_rdb::{AuxFields, Entry, RdbValue, WriteOptions, Writer};
/// let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
/// w.write_standard_aux(&AuxFields { redis_ver: "7.0.15", redis_bits: 64, ctime: 1_700_000_000, used_mem: 1 << 20, aof_base: false })?;
/// w.select_db(0)?;
/// w.resize_db(1, 1)?;
/// w.write_entry(&Entry::new("k", RdbValue::Set(vec![b"1".to_vec(), b"2".to_vec()])).with_expire_ms(1_800_000_000_000))?;
/// let bytes = w.finish()?;
/// assert_eq!(&bytes[..9], b"REDIS0010");
/// # Ok(()) }
/// ```
pub struct Writer<W: Write> {
    out: Output<W>,
    options: WriteOptions,
    finished: bool,
    /// Elements of an owned value being written, reused.
    elements: ElementBuf,
}

impl<W: Write> Writer<W> {
    /// Writes the header `REDIS` + the version as 4 ASCII digits.
    pub fn new(inner: W, options: WriteOptions) -> Result<Self, RdbError> {
        if !(MIN_WRITE_VERSION..=MAX_WRITE_VERSION).contains(&options.version) {
            return Err(RdbError::UnsupportedVersion { version: options.version });
        }
        let mut out = Output::new(inner, options.checksum);
        out.put(format!("REDIS{:04}", options.version).as_bytes())?;
        Ok(Writer { out, options, finished: false, elements: ElementBuf::new() })
    }

    /// The options in use.
    pub fn options(&self) -> &WriteOptions {
        &self.options
    }

    /// Bytes written so far.
    pub fn offset(&self) -> u64 {
        self.out.offset
    }

    /// Writes an AUX field (opcode 0xFA, two strings).
    pub fn write_aux(&mut self, key: &[u8], value: &[u8]) -> Result<(), RdbError> {
        self.out.u8(OP_AUX)?;
        self.out.string(key, self.options.compress)?;
        self.out.string(value, self.options.compress)
    }

    /// Writes the AUX fields Redis writes first: `redis-ver`, `redis-bits`,
    /// `ctime`, `used-mem`, `aof-base`.
    pub fn write_standard_aux(&mut self, aux: &AuxFields<'_>) -> Result<(), RdbError> {
        self.write_aux(b"redis-ver", aux.redis_ver.as_bytes())?;
        self.write_aux(b"redis-bits", aux.redis_bits.to_string().as_bytes())?;
        self.write_aux(b"ctime", aux.ctime.to_string().as_bytes())?;
        self.write_aux(b"used-mem", aux.used_mem.to_string().as_bytes())?;
        self.write_aux(b"aof-base", if aux.aof_base { b"1" } else { b"0" })
    }

    /// Writes SELECTDB (opcode 0xFE, the database number as a length).
    pub fn select_db(&mut self, db: u64) -> Result<(), RdbError> {
        self.out.u8(OP_SELECTDB)?;
        self.out.length(db)
    }

    /// Writes RESIZEDB (opcode 0xFB, two lengths: keys, keys with expiry).
    pub fn resize_db(&mut self, db_size: u64, expires_size: u64) -> Result<(), RdbError> {
        self.out.u8(OP_RESIZEDB)?;
        self.out.length(db_size)?;
        self.out.length(expires_size)
    }

    /// Writes a key with its value and optional expiry (Unix ms).
    ///
    /// Fails without writing anything for an empty collection or a NaN score.
    pub fn write_key(&mut self, key: &[u8], value: &RdbValue, expire_ms: Option<i64>) -> Result<(), RdbError> {
        self.write_parts(key, value, expire_ms, None, None)
    }

    /// Writes an entry with its expiry, LRU idle time and LFU frequency
    /// (its `encoding` is ignored: the writer chooses from its limits).
    pub fn write_entry(&mut self, entry: &Entry) -> Result<(), RdbError> {
        self.write_parts(&entry.key, &entry.value, entry.expire_ms, entry.idle, entry.freq)
    }

    /// Writes a key whose value is borrowed (see [`ValueRef`]): nothing of
    /// the value is copied, so a caller saving many keys can fill one
    /// [`ElementBuf`] per value and reuse it.
    ///
    /// Fails without writing anything for an empty collection or a NaN score.
    ///
    /// ```
    /// # fn main() -> Result<(), ember_rdb::RdbError> {
    /// use ember_rdb::{ElementBuf, ValueRef, WriteOptions, Writer};
    /// let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
    /// let mut buf = ElementBuf::new();
    /// for (key, fields) in [("h1", ["a", "1"]), ("h2", ["b", "2"])] {
    ///     buf.clear();
    ///     fields.iter().for_each(|f| buf.push(f.as_bytes()));
    ///     w.write_key_ref(key.as_bytes(), &ValueRef::Hash(buf.elements()), None)?;
    /// }
    /// w.finish()?;
    /// # Ok(()) }
    /// ```
    pub fn write_key_ref(&mut self, key: &[u8], value: &ValueRef<'_>, expire_ms: Option<i64>) -> Result<(), RdbError> {
        let type_id = choose_type_ref(value, &self.options, self.out.offset)?;
        self.write_header(type_id, key, expire_ms, None, None)?;
        write_value_ref(&mut self.out, type_id, value, &self.options)
    }

    fn write_parts(
        &mut self,
        key: &[u8],
        value: &RdbValue,
        expire_ms: Option<i64>,
        idle: Option<u64>,
        freq: Option<u8>,
    ) -> Result<(), RdbError> {
        let mut elements = std::mem::take(&mut self.elements);
        let result = match value.to_ref(&mut elements) {
            Some(r) => choose_type_ref(&r, &self.options, self.out.offset).and_then(|type_id| {
                self.write_header(type_id, key, expire_ms, idle, freq)?;
                write_value_ref(&mut self.out, type_id, &r, &self.options)
            }),
            None => choose_type(value, &self.options, self.out.offset).and_then(|type_id| {
                self.write_header(type_id, key, expire_ms, idle, freq)?;
                write_value(&mut self.out, type_id, value, &self.options)
            }),
        };
        self.elements = elements;
        result
    }

    /// Expiry, idle time, frequency, type and key of an entry.
    fn write_header(
        &mut self,
        type_id: u8,
        key: &[u8],
        expire_ms: Option<i64>,
        idle: Option<u64>,
        freq: Option<u8>,
    ) -> Result<(), RdbError> {
        if let Some(ms) = expire_ms {
            // Opcode 0xFC, Unix milliseconds as i64 little-endian.
            self.out.u8(OP_EXPIRETIME_MS)?;
            self.out.put(&ms.to_le_bytes())?;
        }
        if let Some(idle) = idle {
            self.out.u8(OP_IDLE)?;
            self.out.length(idle)?;
        }
        if let Some(freq) = freq {
            self.out.u8(OP_FREQ)?;
            self.out.u8(freq)?;
        }
        self.out.u8(type_id)?;
        self.out.string(key, self.options.compress)
    }

    /// Writes a function library (opcode 0xF5, one string).
    pub fn write_function(&mut self, code: &[u8]) -> Result<(), RdbError> {
        self.out.u8(OP_FUNCTION2)?;
        self.out.string(code, self.options.compress)
    }

    /// Writes module aux data (opcode 0xF7).
    pub fn write_module_aux(&mut self, aux: &ModuleAux) -> Result<(), RdbError> {
        self.out.u8(OP_MODULE_AUX)?;
        self.out.length(aux.module_id)?;
        self.out.length(MODULE_OPCODE_UINT)?;
        self.out.length(aux.when)?;
        write_module_fields(&mut self.out, &aux.fields, self.options.compress)
    }

    /// Writes any item, e.g. one from a [`Reader`](crate::Reader).
    /// [`Item::End`] writes the EOF opcode and a freshly computed checksum
    /// (the stored one is ignored); [`finish`](Writer::finish) then only flushes.
    pub fn write_item(&mut self, item: &Item) -> Result<(), RdbError> {
        match item {
            Item::Aux { key, value } => self.write_aux(key, value),
            Item::SelectDb(db) => self.select_db(*db),
            Item::ResizeDb { db_size, expires_size } => self.resize_db(*db_size, *expires_size),
            Item::Entry(e) => self.write_entry(e),
            Item::Function(code) => self.write_function(code),
            Item::ModuleAux(aux) => self.write_module_aux(aux),
            Item::End { .. } => self.write_eof(),
        }
    }

    fn write_eof(&mut self) -> Result<(), RdbError> {
        if self.finished {
            return Ok(());
        }
        self.out.u8(OP_EOF)?;
        self.out.drain()?;
        // CRC-64 of every byte before this field (EOF opcode included), u64
        // little-endian; 0 when checksums are off.
        let sum = if self.options.checksum { self.out.crc } else { 0 };
        self.out.put(&sum.to_le_bytes())?;
        self.finished = true;
        Ok(())
    }

    /// Writes the EOF opcode and checksum (unless [`Item::End`] was written),
    /// flushes, and returns the inner writer.
    pub fn finish(mut self) -> Result<W, RdbError> {
        self.write_eof()?;
        let mut inner = self.out.into_inner()?;
        inner.flush()?;
        Ok(inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_bytes(s: &[u8], compress: bool) -> Vec<u8> {
        let mut out = Output::new(Vec::new(), false);
        out.string(s, compress).unwrap();
        out.into_inner().unwrap()
    }

    #[test]
    fn string_encodings() {
        assert_eq!(string_bytes(b"12", true), [0xC0, 12]);
        assert_eq!(string_bytes(b"-129", true), [0xC1, 0x7F, 0xFF]);
        assert_eq!(string_bytes(b"2147483647", true), [0xC2, 0xFF, 0xFF, 0xFF, 0x7F]);
        assert_eq!(string_bytes(b"2147483648", true), b"\x0a2147483648");
        assert_eq!(string_bytes(b"012", true), b"\x03012");
        let long = vec![b'a'; 100];
        assert_eq!(string_bytes(&long, true)[0], 0xC3);
        assert_eq!(string_bytes(&long, false)[..2], [0x40, 100]);
        // 20 bytes: never compressed.
        assert_eq!(string_bytes(&[b'a'; 20], true)[0], 20);
    }

    #[test]
    fn lengths() {
        let len = |n: u64| {
            let mut out = Output::new(Vec::new(), false);
            out.length(n).unwrap();
            out.into_inner().unwrap()
        };
        assert_eq!(len(63), [63]);
        assert_eq!(len(64), [0x40, 64]);
        assert_eq!(len(16_383), [0x7F, 0xFF]);
        assert_eq!(len(16_384), [0x80, 0, 0, 0x40, 0]);
        assert_eq!(len(1 << 32), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn quicklist_nodes() {
        let items: Vec<Vec<u8>> = (0..1000).map(|i| format!("value-{i:04}-padding-padding").into_bytes()).collect();
        let mut buf = ElementBuf::new();
        items.iter().for_each(|i| buf.push(i));
        let nodes = plan_nodes(buf.elements(), -2, true);
        assert!(nodes.len() > 1);
        for n in &nodes {
            let blob = listpack::encode(items[n.start..n.end].iter().map(Vec::as_slice)).unwrap();
            assert!(blob.len() <= 8192, "{}", blob.len());
        }
        let nodes = plan_nodes(buf.elements(), 10, true);
        assert_eq!(nodes.len(), 100);
    }
}
