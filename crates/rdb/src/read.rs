//! [`Reader`]: the streaming decoder, one [`Item`] at a time over any
//! `io::Read`, with the CRC-64 computed over every byte as it is read.
//!
//! Memory stays bounded by what the input justifies: lengths and counts read
//! from the file never size an allocation directly. Strings grow in chunks as
//! their bytes arrive (at most doubling what was already read), element
//! vectors start with at most [`MAX_PREALLOC`] slots, and an LZF string's
//! declared size is checked against the largest size its compressed bytes
//! could produce before any buffer is made.

use std::collections::HashSet;
use std::io::{self, Read};

use crate::error::RdbError;
use crate::format::*;
use crate::listpack::{self, Element};
use crate::num::{i64_to_bytes, parse_score};
use crate::value::*;
use crate::{intset, lzf, ziplist, zipmap};

/// Largest number of slots preallocated for a collection whose length comes
/// from the input; vectors grow past it as elements actually arrive.
pub const MAX_PREALLOC: usize = 1024;
/// First read size for a string; later reads at most double the buffer.
const CHUNK: usize = 64 * 1024;

/// A decoded length prefix: a plain length or one of the special string
/// encodings (first byte `11xxxxxx`).
enum Len {
    Plain(u64),
    Int8,
    Int16,
    Int32,
    Lzf,
}

/// The byte source: counts the offset and updates the CRC-64 over every byte.
pub(crate) struct Input<R> {
    inner: R,
    pub(crate) offset: u64,
    pub(crate) crc: u64,
}

impl<R: Read> Input<R> {
    pub(crate) fn new(inner: R) -> Self {
        Input { inner, offset: 0, crc: 0 }
    }

    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RdbError> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.crc = crate::crc64(self.crc, buf);
                self.offset += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(RdbError::UnexpectedEof { offset: self.offset }),
            Err(e) => Err(RdbError::Io(e)),
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, RdbError> {
        let mut b = [0u8; 1];
        self.fill(&mut b)?;
        Ok(b[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut b = [0u8; N];
        self.fill(&mut b)?;
        Ok(b)
    }

    /// Reads `len` bytes, growing the buffer only as bytes arrive.
    fn bytes(&mut self, len: u64) -> Result<Vec<u8>, RdbError> {
        let at = self.offset;
        let len = usize::try_from(len).map_err(|_| RdbError::LengthOverflow { value: len, offset: at })?;
        let mut v = Vec::with_capacity(len.min(CHUNK));
        while v.len() < len {
            let old = v.len();
            let step = (len - old).min(CHUNK.max(old));
            v.resize(old + step, 0);
            self.fill(&mut v[old..]).map_err(|e| match e {
                RdbError::UnexpectedEof { .. } => RdbError::UnexpectedEof { offset: at },
                other => other,
            })?;
        }
        Ok(v)
    }

    fn length_or_special(&mut self) -> Result<Len, RdbError> {
        let at = self.offset;
        let b = self.u8()?;
        Ok(match b >> 6 {
            // 00LLLLLL: 6-bit length.
            0 => Len::Plain(u64::from(b & 0x3F)),
            // 01LLLLLL LLLLLLLL: 14-bit length, big-endian.
            1 => Len::Plain((u64::from(b & 0x3F) << 8) | u64::from(self.u8()?)),
            2 => match b {
                // 0x80: 32-bit length, big-endian.
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(self.array()?))),
                // 0x81: 64-bit length, big-endian.
                0x81 => Len::Plain(u64::from_be_bytes(self.array()?)),
                _ => return Err(RdbError::InvalidLength { byte: b, offset: at }),
            },
            // 11xxxxxx: special string encodings.
            _ => match b & 0x3F {
                0 => Len::Int8,
                1 => Len::Int16,
                2 => Len::Int32,
                3 => Len::Lzf,
                _ => return Err(RdbError::InvalidLength { byte: b, offset: at }),
            },
        })
    }

    /// A plain length (special encodings are an error here).
    pub(crate) fn length(&mut self) -> Result<u64, RdbError> {
        let at = self.offset;
        match self.length_or_special()? {
            Len::Plain(n) => Ok(n),
            _ => Err(RdbError::InvalidLength { byte: 0xC0, offset: at }),
        }
    }

    /// A length used as an element count.
    fn count(&mut self) -> Result<usize, RdbError> {
        let at = self.offset;
        let n = self.length()?;
        usize::try_from(n).map_err(|_| RdbError::LengthOverflow { value: n, offset: at })
    }

    pub(crate) fn string(&mut self) -> Result<Vec<u8>, RdbError> {
        Ok(self.string_enc()?.0)
    }

    /// A string and how it was stored (raw, int or LZF).
    fn string_enc(&mut self) -> Result<(Vec<u8>, Encoding), RdbError> {
        Ok(match self.length_or_special()? {
            Len::Plain(n) => (self.bytes(n)?, Encoding::Raw),
            // Integer encodings: little-endian two's complement.
            Len::Int8 => (i64_to_bytes(i64::from(self.u8()? as i8)), Encoding::Int),
            Len::Int16 => (i64_to_bytes(i64::from(i16::from_le_bytes(self.array()?))), Encoding::Int),
            Len::Int32 => (i64_to_bytes(i64::from(i32::from_le_bytes(self.array()?))), Encoding::Int),
            Len::Lzf => {
                let clen = self.length()?;
                let ulen_at = self.offset;
                let ulen = self.length()?;
                let ulen =
                    usize::try_from(ulen).map_err(|_| RdbError::LengthOverflow { value: ulen, offset: ulen_at })?;
                let data_at = self.offset;
                let compressed = self.bytes(clen)?;
                let out = lzf::decompress(&compressed, ulen).map_err(|e| e.rebase(data_at))?;
                (out, Encoding::Lzf)
            }
        })
    }

    /// A string holding a blob, with the offset where the string starts.
    fn blob(&mut self) -> Result<(Vec<u8>, u64), RdbError> {
        let at = self.offset;
        Ok((self.string()?, at))
    }

    fn strings(&mut self, n: usize) -> Result<Vec<Vec<u8>>, RdbError> {
        let mut out = Vec::with_capacity(n.min(MAX_PREALLOC));
        for _ in 0..n {
            out.push(self.string()?);
        }
        Ok(out)
    }

    /// A type 3 score: 1-byte length then ASCII; 253 = NaN, 254 = +inf, 255 = -inf.
    fn text_score(&mut self) -> Result<f64, RdbError> {
        let at = self.offset;
        let n = self.u8()?;
        match n {
            253 => Err(RdbError::Corrupt { offset: at, reason: "NaN sorted-set score" }),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let text = self.bytes(u64::from(n))?;
                parse_score(&text).ok_or(RdbError::Corrupt { offset: at, reason: "invalid sorted-set score" })
            }
        }
    }

    fn binary_score(&mut self) -> Result<f64, RdbError> {
        let at = self.offset;
        // f64, 8 bytes little-endian.
        let v = f64::from_le_bytes(self.array()?);
        if v.is_nan() {
            return Err(RdbError::Corrupt { offset: at, reason: "NaN sorted-set score" });
        }
        Ok(v)
    }

    fn stream_id(&mut self) -> Result<StreamId, RdbError> {
        Ok(StreamId { ms: self.length()?, seq: self.length()? })
    }

    /// Module value fields, up to and including the EOF opcode.
    fn module_fields(&mut self) -> Result<Vec<ModuleData>, RdbError> {
        let mut fields = Vec::new();
        loop {
            let at = self.offset;
            let field = match self.length()? {
                MODULE_OPCODE_EOF => return Ok(fields),
                MODULE_OPCODE_SINT => ModuleData::Signed(self.length()? as i64),
                MODULE_OPCODE_UINT => ModuleData::Unsigned(self.length()?),
                // f32 / f64, little-endian.
                MODULE_OPCODE_FLOAT => ModuleData::Float(f32::from_le_bytes(self.array()?)),
                MODULE_OPCODE_DOUBLE => ModuleData::Double(f64::from_le_bytes(self.array()?)),
                MODULE_OPCODE_STRING => ModuleData::String(self.string()?),
                _ => return Err(RdbError::Corrupt { offset: at, reason: "unknown module value opcode" }),
            };
            fields.push(field);
        }
    }

    pub(crate) fn module_aux(&mut self) -> Result<ModuleAux, RdbError> {
        let module_id = self.length()?;
        let at = self.offset;
        if self.length()? != MODULE_OPCODE_UINT {
            return Err(RdbError::Corrupt { offset: at, reason: "module aux 'when' is not an unsigned integer" });
        }
        let when = self.length()?;
        let fields = self.module_fields()?;
        Ok(ModuleAux { module_id, when, fields })
    }

    /// Reads a value of type `type_id`, whose type byte was at `at`.
    pub(crate) fn value(&mut self, type_id: u8, at: u64) -> Result<(RdbValue, Encoding), RdbError> {
        let encoding = Encoding::from_type_id(type_id).ok_or(RdbError::UnknownType { type_id, offset: at })?;
        let body_at = self.offset;
        let value = match type_id {
            TYPE_STRING => {
                let (s, enc) = self.string_enc()?;
                return Ok((RdbValue::String(s), enc));
            }
            TYPE_LIST => {
                let n = self.count()?;
                RdbValue::List(self.strings(n)?)
            }
            TYPE_SET => {
                let n = self.count()?;
                let members = self.strings(n)?;
                distinct(members.iter().map(Vec::as_slice), body_at, "duplicate set member")?;
                RdbValue::Set(members)
            }
            TYPE_ZSET | TYPE_ZSET_2 => {
                let n = self.count()?;
                let mut pairs = Vec::with_capacity(n.min(MAX_PREALLOC));
                for _ in 0..n {
                    let member = self.string()?;
                    let score = if type_id == TYPE_ZSET { self.text_score()? } else { self.binary_score()? };
                    pairs.push((member, score));
                }
                distinct(pairs.iter().map(|(m, _)| m.as_slice()), body_at, "duplicate sorted-set member")?;
                RdbValue::SortedSet(pairs)
            }
            TYPE_HASH => {
                let n = self.count()?;
                let mut pairs = Vec::with_capacity(n.min(MAX_PREALLOC));
                for _ in 0..n {
                    let field = self.string()?;
                    pairs.push((field, self.string()?));
                }
                distinct(pairs.iter().map(|(f, _)| f.as_slice()), body_at, "duplicate hash field")?;
                RdbValue::Hash(pairs)
            }
            TYPE_MODULE_PRE_GA => return Err(RdbError::ModulePreGa { offset: at }),
            TYPE_MODULE_2 => {
                let module_id = self.length()?;
                RdbValue::Module(Box::new(ModuleValue { module_id, fields: self.module_fields()? }))
            }
            TYPE_HASH_ZIPMAP => {
                let (blob, blob_at) = self.blob()?;
                let pairs = zipmap::parse(&blob).map_err(|e| e.rebase(blob_at))?;
                distinct(pairs.iter().map(|(f, _)| *f), blob_at, "duplicate hash field")?;
                RdbValue::Hash(pairs.into_iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect())
            }
            TYPE_LIST_ZIPLIST => {
                let (blob, blob_at) = self.blob()?;
                let elements = ziplist::parse(&blob).map_err(|e| e.rebase(blob_at))?;
                RdbValue::List(elements.iter().map(Element::to_bytes).collect())
            }
            TYPE_SET_INTSET => {
                let (blob, blob_at) = self.blob()?;
                let ints = intset::parse(&blob).map_err(|e| e.rebase(blob_at))?;
                RdbValue::Set(ints.into_iter().map(i64_to_bytes).collect())
            }
            TYPE_SET_LISTPACK => {
                let (blob, blob_at) = self.blob()?;
                let elements = listpack::parse(&blob).map_err(|e| e.rebase(blob_at))?;
                let members: Vec<Vec<u8>> = elements.iter().map(Element::to_bytes).collect();
                distinct(members.iter().map(Vec::as_slice), blob_at, "duplicate set member")?;
                RdbValue::Set(members)
            }
            TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
                let (blob, blob_at) = self.blob()?;
                let elements =
                    if type_id == TYPE_ZSET_ZIPLIST { ziplist::parse(&blob) } else { listpack::parse(&blob) }
                        .map_err(|e| e.rebase(blob_at))?;
                RdbValue::SortedSet(zset_pairs(&elements, blob_at)?)
            }
            TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
                let (blob, blob_at) = self.blob()?;
                let elements =
                    if type_id == TYPE_HASH_ZIPLIST { ziplist::parse(&blob) } else { listpack::parse(&blob) }
                        .map_err(|e| e.rebase(blob_at))?;
                RdbValue::Hash(hash_pairs(&elements, blob_at)?)
            }
            TYPE_LIST_QUICKLIST => {
                let nodes = self.count()?;
                let mut items = Vec::new();
                for _ in 0..nodes {
                    let (blob, blob_at) = self.blob()?;
                    let elements = ziplist::parse(&blob).map_err(|e| e.rebase(blob_at))?;
                    // Empty nodes are skipped, as Redis does.
                    items.extend(elements.iter().map(Element::to_bytes));
                }
                RdbValue::List(items)
            }
            TYPE_LIST_QUICKLIST_2 => {
                let nodes = self.count()?;
                let mut items = Vec::new();
                for _ in 0..nodes {
                    let container_at = self.offset;
                    let container = self.length()?;
                    let (blob, blob_at) = self.blob()?;
                    match container {
                        QUICKLIST_NODE_PLAIN => items.push(blob),
                        QUICKLIST_NODE_PACKED => {
                            let elements = listpack::parse(&blob).map_err(|e| e.rebase(blob_at))?;
                            items.extend(elements.iter().map(Element::to_bytes));
                        }
                        _ => {
                            return Err(RdbError::Corrupt {
                                offset: container_at,
                                reason: "unknown quicklist node container",
                            })
                        }
                    }
                }
                RdbValue::List(items)
            }
            TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
                RdbValue::Stream(Box::new(self.stream(type_id)?))
            }
            _ => return Err(RdbError::UnknownType { type_id, offset: at }),
        };
        Ok((value, encoding))
    }

    fn stream(&mut self, type_id: u8) -> Result<Stream, RdbError> {
        let v2 = type_id >= TYPE_STREAM_LISTPACKS_2;
        let n_nodes = self.count()?;
        let mut nodes = Vec::with_capacity(n_nodes.min(MAX_PREALLOC));
        for _ in 0..n_nodes {
            let key_at = self.offset;
            let key: [u8; 16] = self
                .string()?
                .try_into()
                .map_err(|_| RdbError::Corrupt { offset: key_at, reason: "stream node key is not a 16-byte id" })?;
            let (lp, lp_at) = self.blob()?;
            if listpack::parse(&lp).map_err(|e| e.rebase(lp_at))?.is_empty() {
                return Err(RdbError::Corrupt { offset: lp_at, reason: "empty listpack in stream" });
            }
            nodes.push(StreamNode { master_id: StreamId::from_be_bytes(key), listpack: lp });
        }
        let length = self.length()?;
        let last_id = self.stream_id()?;
        let (first_id, max_deleted_id, entries_added) = if v2 {
            (Some(self.stream_id()?), Some(self.stream_id()?), Some(self.length()?))
        } else {
            (None, None, None)
        };
        let n_groups = self.count()?;
        let mut groups = Vec::with_capacity(n_groups.min(MAX_PREALLOC));
        for _ in 0..n_groups {
            let name = self.string()?;
            let group_last = self.stream_id()?;
            let entries_read = if v2 { Some(self.length()?) } else { None };
            let pel_at = self.offset;
            let n_pending = self.count()?;
            let mut pending = Vec::with_capacity(n_pending.min(MAX_PREALLOC));
            for _ in 0..n_pending {
                // Raw 16-byte big-endian id, delivery time i64 LE, count as a length.
                let id = StreamId::from_be_bytes(self.array()?);
                let delivery_time_ms = i64::from_le_bytes(self.array()?);
                let delivery_count = self.length()?;
                pending.push(PendingEntry { id, delivery_time_ms, delivery_count });
            }
            let mut group_pel = HashSet::with_capacity(pending.len());
            if !pending.iter().all(|p| group_pel.insert(p.id)) {
                return Err(RdbError::Corrupt { offset: pel_at, reason: "duplicate stream pending entry" });
            }
            let n_consumers = self.count()?;
            let mut consumers = Vec::with_capacity(n_consumers.min(MAX_PREALLOC));
            for _ in 0..n_consumers {
                let name = self.string()?;
                let seen_time_ms = i64::from_le_bytes(self.array()?);
                let active_time_ms =
                    if type_id >= TYPE_STREAM_LISTPACKS_3 { Some(i64::from_le_bytes(self.array()?)) } else { None };
                let cpel_at = self.offset;
                let n = self.count()?;
                let mut ids = Vec::with_capacity(n.min(MAX_PREALLOC));
                for _ in 0..n {
                    let id = StreamId::from_be_bytes(self.array()?);
                    if !group_pel.contains(&id) {
                        return Err(RdbError::Corrupt {
                            offset: cpel_at,
                            reason: "consumer pending entry missing from the group's pending list",
                        });
                    }
                    ids.push(id);
                }
                consumers.push(StreamConsumer { name, seen_time_ms, active_time_ms, pending: ids });
            }
            groups.push(StreamGroup { name, last_id: group_last, entries_read, pending, consumers });
        }
        Ok(Stream { nodes, length, last_id, first_id, max_deleted_id, entries_added, groups })
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a [u8]>, offset: u64, reason: &'static str) -> Result<(), RdbError> {
    let mut seen = HashSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(RdbError::Corrupt { offset, reason });
        }
    }
    Ok(())
}

fn zset_pairs(elements: &[Element<'_>], at: u64) -> Result<Vec<(Vec<u8>, f64)>, RdbError> {
    if elements.len() % 2 != 0 {
        return Err(RdbError::Corrupt { offset: at, reason: "sorted set with an odd number of elements" });
    }
    let mut pairs = Vec::with_capacity(elements.len() / 2);
    for pair in elements.chunks_exact(2) {
        let score = match pair[1] {
            Element::Int(i) => i as f64,
            Element::Bytes(b) => {
                parse_score(b).ok_or(RdbError::Corrupt { offset: at, reason: "invalid sorted-set score" })?
            }
        };
        pairs.push((pair[0].to_bytes(), score));
    }
    distinct(pairs.iter().map(|(m, _)| m.as_slice()), at, "duplicate sorted-set member")?;
    Ok(pairs)
}

/// Field/value pairs of a hash.
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn hash_pairs(elements: &[Element<'_>], at: u64) -> Result<Pairs, RdbError> {
    if elements.len() % 2 != 0 {
        return Err(RdbError::Corrupt { offset: at, reason: "hash with an odd number of elements" });
    }
    let pairs: Vec<_> = elements.chunks_exact(2).map(|p| (p[0].to_bytes(), p[1].to_bytes())).collect();
    distinct(pairs.iter().map(|(f, _)| f.as_slice()), at, "duplicate hash field")?;
    Ok(pairs)
}

/// Streaming RDB decoder.
///
/// Reads the header on construction, then one [`Item`] per
/// [`next_item`](Reader::next_item) call (or per iteration: `Reader` is an
/// `Iterator<Item = Result<Item, RdbError>>`) until [`Item::End`]. The reader
/// does no buffering of its own and reads nothing past the checksum, so it can
/// consume an RDB embedded in a longer stream; give it a `BufReader` when
/// reading a file.
///
/// ```
/// # fn main() -> Result<(), ember_rdb::RdbError> {
/// use ember_rdb::{Entry, Item, RdbValue, Reader, WriteOptions, Writer};
/// let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
/// w.select_db(0)?;
/// w.write_entry(&Entry::new("greeting", RdbValue::String(b"hello".to_vec())))?;
/// let file = w.finish()?;
///
/// let mut r = Reader::new(file.as_slice())?;
/// assert_eq!(r.version(), 10);
/// assert_eq!(r.next_item()?, Some(Item::SelectDb(0)));
/// let Some(Item::Entry(e)) = r.next_item()? else { panic!() };
/// assert_eq!(e.value, RdbValue::String(b"hello".to_vec()));
/// assert!(matches!(r.next_item()?, Some(Item::End { .. })));
/// assert_eq!(r.next_item()?, None);
/// # Ok(()) }
/// ```
pub struct Reader<R> {
    input: Input<R>,
    version: u32,
    verify_checksum: bool,
    done: bool,
    db: u64,
    expire_ms: Option<i64>,
    idle: Option<u64>,
    freq: Option<u8>,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the 9-byte header (`REDIS` + 4 ASCII digits) and
    /// accepts versions 1 to 11.
    pub fn new(inner: R) -> Result<Self, RdbError> {
        let mut input = Input::new(inner);
        let mut found = Vec::with_capacity(9);
        while found.len() < 9 {
            match input.u8() {
                Ok(b) => found.push(b),
                Err(RdbError::UnexpectedEof { .. }) => return Err(RdbError::BadMagic { found }),
                Err(e) => return Err(e),
            }
        }
        if &found[..5] != b"REDIS" || !found[5..].iter().all(u8::is_ascii_digit) {
            return Err(RdbError::BadMagic { found });
        }
        let version = found[5..].iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        if !(MIN_READ_VERSION..=MAX_READ_VERSION).contains(&version) {
            return Err(RdbError::UnsupportedVersion { version });
        }
        Ok(Reader {
            input,
            version,
            verify_checksum: true,
            done: false,
            db: 0,
            expire_ms: None,
            idle: None,
            freq: None,
        })
    }

    /// The file's RDB version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Bytes consumed so far (the offset of the next item).
    pub fn offset(&self) -> u64 {
        self.input.offset
    }

    /// The database selected by the last [`Item::SelectDb`] (0 before any).
    pub fn current_db(&self) -> u64 {
        self.db
    }

    /// Turns checksum verification at the end of the file on (the default)
    /// or off.
    pub fn set_verify_checksum(&mut self, verify: bool) {
        self.verify_checksum = verify;
    }

    /// The underlying reader, positioned after the last byte consumed.
    pub fn into_inner(self) -> R {
        self.input.inner
    }

    /// The next item, or `None` after [`Item::End`] or an error.
    pub fn next_item(&mut self) -> Result<Option<Item>, RdbError> {
        if self.done {
            return Ok(None);
        }
        match self.read_item() {
            Ok(item) => {
                if matches!(item, Item::End { .. }) {
                    self.done = true;
                }
                Ok(Some(item))
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    fn read_item(&mut self) -> Result<Item, RdbError> {
        loop {
            let at = self.input.offset;
            let op = self.input.u8()?;
            match op {
                // Unix seconds, i32 little-endian.
                OP_EXPIRETIME => self.expire_ms = Some(i64::from(i32::from_le_bytes(self.input.array()?)) * 1000),
                // Unix milliseconds, i64 little-endian.
                OP_EXPIRETIME_MS => self.expire_ms = Some(i64::from_le_bytes(self.input.array()?)),
                OP_FREQ => self.freq = Some(self.input.u8()?),
                OP_IDLE => self.idle = Some(self.input.length()?),
                OP_EOF => {
                    let computed = self.input.crc;
                    if self.version < FIRST_CHECKSUM_VERSION {
                        return Ok(Item::End { checksum: None });
                    }
                    let sum_at = self.input.offset;
                    // CRC-64, u64 little-endian.
                    let stored = u64::from_le_bytes(self.input.array()?);
                    if self.verify_checksum && stored != 0 && stored != computed {
                        return Err(RdbError::ChecksumMismatch { stored, computed, offset: sum_at });
                    }
                    return Ok(Item::End { checksum: Some(stored) });
                }
                OP_SELECTDB => {
                    self.db = self.input.length()?;
                    return Ok(Item::SelectDb(self.db));
                }
                OP_RESIZEDB => {
                    let db_size = self.input.length()?;
                    let expires_size = self.input.length()?;
                    return Ok(Item::ResizeDb { db_size, expires_size });
                }
                OP_AUX => {
                    let key = self.input.string()?;
                    let value = self.input.string()?;
                    return Ok(Item::Aux { key, value });
                }
                OP_MODULE_AUX => return Ok(Item::ModuleAux(self.input.module_aux()?)),
                OP_FUNCTION2 => return Ok(Item::Function(self.input.string()?)),
                OP_FUNCTION_PRE_GA => return Err(RdbError::FunctionPreGa { offset: at }),
                type_id => {
                    if Encoding::from_type_id(type_id).is_none() {
                        return Err(RdbError::UnknownType { type_id, offset: at });
                    }
                    let key = self.input.string()?;
                    let (value, encoding) = self.input.value(type_id, at)?;
                    return Ok(Item::Entry(Entry {
                        key,
                        value,
                        expire_ms: self.expire_ms.take(),
                        idle: self.idle.take(),
                        freq: self.freq.take(),
                        encoding,
                    }));
                }
            }
        }
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Item, RdbError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_item().transpose()
    }
}

/// Decodes a whole RDB held in memory into its items (convenience for tests
/// and small files).
pub fn read_all(data: &[u8]) -> Result<Vec<Item>, RdbError> {
    Reader::new(data)?.collect()
}
