//! [`Reader`]: the streaming decoder, one [`Item`] at a time over any
//! `io::BufRead`, with the CRC-64 computed over every byte as it is read
//! (in batches of 4 KiB: the checksum is slow over the small reads a file
//! is made of). [`Reader::next_item_ref`] yields string and collection
//! entries whose key and elements live in buffers reused from key to key;
//! [`Reader::next_item`] builds owned values from the same buffers, so
//! there is one decoder per encoding.
//!
//! Memory stays bounded by what the input justifies: lengths and counts read
//! from the file never size an allocation directly. Strings grow as their
//! bytes arrive (a first reservation of at most 64 KiB), element
//! vectors start with at most [`MAX_PREALLOC`] slots, and an LZF string's
//! declared size is checked against the largest size its compressed bytes
//! could produce before any buffer is made.

use std::collections::HashSet;
use std::io::{self, BufRead};

use crate::elements::{ElementBuf, ValueRef};
use crate::error::RdbError;
use crate::format::*;
use crate::listpack::{self, Element};
use crate::value::*;
use crate::{intset, lzf, ziplist, zipmap};
use ember_num::{format_i64, parse_f64};

/// Largest number of slots preallocated for a collection whose length comes
/// from the input; vectors grow past it as elements actually arrive.
pub const MAX_PREALLOC: usize = 1024;
/// Most a string's buffer is reserved for before its bytes arrive.
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

/// Bytes gathered before the CRC-64 runs over them: the checksum is fast
/// over long inputs and slow over the 1- to 20-byte reads most of a file is
/// made of.
const CRC_BATCH: usize = 4096;

/// The byte source: counts the offset and updates the CRC-64 over every
/// byte. Bytes are taken straight from the `BufRead`'s buffer, and only as
/// many as are consumed.
pub(crate) struct Input<R> {
    inner: R,
    pub(crate) offset: u64,
    /// CRC-64 of the bytes read before those in `pending`.
    crc: u64,
    /// Bytes consumed but not yet in `crc` (a copy).
    pending: Vec<u8>,
}

/// Adds consumed `bytes` to the checksum state (`crc` + `pending`).
#[inline]
fn checksum(crc: &mut u64, pending: &mut Vec<u8>, bytes: &[u8]) {
    if pending.len() + bytes.len() > CRC_BATCH {
        *crc = crate::crc64(*crc, pending);
        pending.clear();
    }
    if bytes.len() >= CRC_BATCH {
        *crc = crate::crc64(*crc, bytes);
    } else {
        pending.extend_from_slice(bytes);
    }
}

impl<R: BufRead> Input<R> {
    pub(crate) fn new(inner: R) -> Self {
        Input { inner, offset: 0, crc: 0, pending: Vec::new() }
    }

    /// CRC-64 of every byte read so far.
    pub(crate) fn crc(&mut self) -> u64 {
        if !self.pending.is_empty() {
            self.crc = crate::crc64(self.crc, &self.pending);
            self.pending.clear();
        }
        self.crc
    }

    /// Hands up to `max` bytes of what the `BufRead` has buffered (refilling
    /// it if empty) to `take` and consumes them; returns how many (0, without
    /// calling `take`, at the end of the input).
    #[inline]
    fn take_some(&mut self, max: usize, take: impl FnOnce(&[u8])) -> Result<usize, RdbError> {
        let avail = loop {
            match self.inner.fill_buf() {
                Ok(avail) => break avail,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RdbError::Io(e)),
            }
        };
        let n = avail.len().min(max);
        if n == 0 {
            return Ok(0);
        }
        let bytes = &avail[..n];
        take(bytes);
        checksum(&mut self.crc, &mut self.pending, bytes);
        self.inner.consume(n);
        self.offset += n as u64;
        Ok(n)
    }

    /// Fills `buf` (an error at the end of the input names the offset
    /// where `buf` starts).
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RdbError> {
        let at = self.offset;
        let mut done = 0;
        while done < buf.len() {
            let want = buf.len() - done;
            let n = self.take_some(want, |bytes| buf[done..done + bytes.len()].copy_from_slice(bytes))?;
            if n == 0 {
                return Err(RdbError::UnexpectedEof { offset: at });
            }
            done += n;
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self) -> Result<u8, RdbError> {
        let mut b = 0;
        if self.take_some(1, |bytes| b = bytes[0])? == 0 {
            return Err(RdbError::UnexpectedEof { offset: self.offset });
        }
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut b = [0u8; N];
        self.fill(&mut b)?;
        Ok(b)
    }

    /// Reads `len` bytes, growing the buffer only as bytes arrive.
    fn bytes(&mut self, len: u64) -> Result<Vec<u8>, RdbError> {
        let mut v = Vec::new();
        self.bytes_into(len, &mut v)?;
        Ok(v)
    }

    /// Appends `len` bytes to `out`, which grows only as bytes arrive.
    fn bytes_into(&mut self, len: u64, out: &mut Vec<u8>) -> Result<(), RdbError> {
        let at = self.offset;
        let len = usize::try_from(len).map_err(|_| RdbError::LengthOverflow { value: len, offset: at })?;
        out.reserve(len.min(CHUNK));
        let mut have = 0;
        while have < len {
            let n = self.take_some(len - have, |bytes| out.extend_from_slice(bytes))?;
            if n == 0 {
                return Err(RdbError::UnexpectedEof { offset: at });
            }
            have += n;
        }
        Ok(())
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
        let mut out = Vec::new();
        self.string_into(&mut out, &mut Vec::new())?;
        Ok(out)
    }

    /// Appends a string to `out` and tells how it was stored (raw, int or
    /// LZF); `lzf` is scratch space for compressed bytes.
    fn string_into(&mut self, out: &mut Vec<u8>, lzf: &mut Vec<u8>) -> Result<Encoding, RdbError> {
        let mut scratch = [0u8; 20];
        let int = |v: i64, scratch: &mut [u8; 20], out: &mut Vec<u8>| {
            out.extend_from_slice(format_i64(v, scratch));
            Encoding::Int
        };
        Ok(match self.length_or_special()? {
            Len::Plain(n) => {
                self.bytes_into(n, out)?;
                Encoding::Raw
            }
            // Integer encodings: little-endian two's complement.
            Len::Int8 => int(i64::from(self.u8()? as i8), &mut scratch, out),
            Len::Int16 => int(i64::from(i16::from_le_bytes(self.array()?)), &mut scratch, out),
            Len::Int32 => int(i64::from(i32::from_le_bytes(self.array()?)), &mut scratch, out),
            Len::Lzf => {
                let clen = self.length()?;
                let ulen_at = self.offset;
                let ulen = self.length()?;
                let ulen =
                    usize::try_from(ulen).map_err(|_| RdbError::LengthOverflow { value: ulen, offset: ulen_at })?;
                let data_at = self.offset;
                lzf.clear();
                self.bytes_into(clen, lzf)?;
                lzf::decompress_into(lzf, ulen, out).map_err(|e| e.rebase(data_at))?;
                Encoding::Lzf
            }
        })
    }

    /// A string holding a blob, read into `s.blob`; returns the offset where
    /// the string starts.
    fn blob_into(&mut self, s: &mut Scratch) -> Result<u64, RdbError> {
        let at = self.offset;
        s.blob.clear();
        self.string_into(&mut s.blob, &mut s.lzf)?;
        Ok(at)
    }

    /// A string holding a blob, with the offset where the string starts.
    fn blob(&mut self) -> Result<(Vec<u8>, u64), RdbError> {
        let at = self.offset;
        Ok((self.string()?, at))
    }

    /// Appends a string as the next element of `s.elements`.
    fn element_into(&mut self, s: &mut Scratch) -> Result<(), RdbError> {
        self.string_into(s.elements.data_mut(), &mut s.lzf)?;
        s.elements.end_element();
        Ok(())
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
                parse_f64(&text).ok_or(RdbError::Corrupt { offset: at, reason: "invalid sorted-set score" })
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
        let mut s = Scratch::default();
        let (decoded, encoding) = self.value_into(type_id, at, &mut s)?;
        Ok((s.take(decoded), encoding))
    }

    /// Reads a value of type `type_id` (type byte at `at`) into `s`:
    /// strings and collections stay in its buffers, anything else is
    /// returned decoded.
    pub(crate) fn value_into(
        &mut self,
        type_id: u8,
        at: u64,
        s: &mut Scratch,
    ) -> Result<(Decoded, Encoding), RdbError> {
        let encoding = Encoding::from_type_id(type_id).ok_or(RdbError::UnknownType { type_id, offset: at })?;
        let body_at = self.offset;
        s.elements.clear();
        let decoded = match type_id {
            TYPE_STRING => {
                s.string.clear();
                let enc = self.string_into(&mut s.string, &mut s.lzf)?;
                return Ok((Decoded::String, enc));
            }
            TYPE_LIST => {
                let n = self.count()?;
                for _ in 0..n {
                    self.element_into(s)?;
                }
                Decoded::List
            }
            TYPE_SET => {
                let n = self.count()?;
                for _ in 0..n {
                    self.element_into(s)?;
                }
                distinct(s, 1, body_at, "duplicate set member")?;
                Decoded::Set
            }
            TYPE_ZSET | TYPE_ZSET_2 => {
                let n = self.count()?;
                for _ in 0..n {
                    self.element_into(s)?;
                    let score = if type_id == TYPE_ZSET { self.text_score()? } else { self.binary_score()? };
                    s.elements.push_score(score);
                }
                distinct(s, 1, body_at, "duplicate sorted-set member")?;
                Decoded::SortedSet
            }
            TYPE_HASH => {
                let n = self.count()?;
                for _ in 0..n {
                    self.element_into(s)?;
                    self.element_into(s)?;
                }
                distinct(s, 2, body_at, "duplicate hash field")?;
                Decoded::Hash
            }
            TYPE_MODULE_PRE_GA => return Err(RdbError::ModulePreGa { offset: at }),
            TYPE_MODULE_2 => {
                let module_id = self.length()?;
                Decoded::Owned(RdbValue::Module(Box::new(ModuleValue { module_id, fields: self.module_fields()? })))
            }
            TYPE_HASH_ZIPMAP => {
                let blob_at = self.blob_into(s)?;
                let pairs = zipmap::parse(&s.blob).map_err(|e| e.rebase(blob_at))?;
                for (f, v) in pairs {
                    s.elements.push(f);
                    s.elements.push(v);
                }
                distinct(s, 2, blob_at, "duplicate hash field")?;
                Decoded::Hash
            }
            TYPE_LIST_ZIPLIST => {
                let blob_at = self.blob_into(s)?;
                let Scratch { blob, elements, .. } = s;
                ziplist::for_each(blob, |e| elements.push_element(e)).map_err(|e| e.rebase(blob_at))?;
                Decoded::List
            }
            TYPE_SET_INTSET => {
                let blob_at = self.blob_into(s)?;
                let Scratch { blob, elements, .. } = s;
                intset::for_each(blob, |v| elements.push_int(v)).map_err(|e| e.rebase(blob_at))?;
                Decoded::Set
            }
            TYPE_SET_LISTPACK => {
                let blob_at = self.blob_into(s)?;
                let Scratch { blob, elements, .. } = s;
                listpack::for_each(blob, |e| elements.push_element(e)).map_err(|e| e.rebase(blob_at))?;
                distinct(s, 1, blob_at, "duplicate set member")?;
                Decoded::Set
            }
            TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
                let blob_at = self.blob_into(s)?;
                let Scratch { blob, elements, .. } = s;
                // Members and scores alternate; the first unparsable score is
                // reported once the blob is known to be well formed.
                let mut bad_score = false;
                let mut member = true;
                let mut push = |e: Element<'_>| {
                    if member {
                        elements.push_element(e);
                    } else {
                        let score = match e {
                            Element::Int(i) => Some(i as f64),
                            Element::Bytes(b) => parse_f64(b),
                        };
                        bad_score |= score.is_none();
                        elements.push_score(score.unwrap_or(0.0));
                    }
                    member = !member;
                };
                if type_id == TYPE_ZSET_ZIPLIST {
                    ziplist::for_each(blob, &mut push)
                } else {
                    listpack::for_each(blob, &mut push)
                }
                .map_err(|e| e.rebase(blob_at))?;
                if !member {
                    return Err(RdbError::Corrupt {
                        offset: blob_at,
                        reason: "sorted set with an odd number of elements",
                    });
                }
                if bad_score {
                    return Err(RdbError::Corrupt { offset: blob_at, reason: "invalid sorted-set score" });
                }
                distinct(s, 1, blob_at, "duplicate sorted-set member")?;
                Decoded::SortedSet
            }
            TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
                let blob_at = self.blob_into(s)?;
                let Scratch { blob, elements, .. } = s;
                let push = |e| elements.push_element(e);
                let n = if type_id == TYPE_HASH_ZIPLIST {
                    ziplist::for_each(blob, push)
                } else {
                    listpack::for_each(blob, push)
                }
                .map_err(|e| e.rebase(blob_at))?;
                if n % 2 != 0 {
                    return Err(RdbError::Corrupt { offset: blob_at, reason: "hash with an odd number of elements" });
                }
                distinct(s, 2, blob_at, "duplicate hash field")?;
                Decoded::Hash
            }
            TYPE_LIST_QUICKLIST => {
                let nodes = self.count()?;
                for _ in 0..nodes {
                    let blob_at = self.blob_into(s)?;
                    let Scratch { blob, elements, .. } = s;
                    // Empty nodes are skipped, as Redis does.
                    ziplist::for_each(blob, |e| elements.push_element(e)).map_err(|e| e.rebase(blob_at))?;
                }
                Decoded::List
            }
            TYPE_LIST_QUICKLIST_2 => {
                let nodes = self.count()?;
                for _ in 0..nodes {
                    let container_at = self.offset;
                    let container = self.length()?;
                    match container {
                        QUICKLIST_NODE_PLAIN => self.element_into(s)?,
                        QUICKLIST_NODE_PACKED => {
                            let blob_at = self.blob_into(s)?;
                            let Scratch { blob, elements, .. } = s;
                            listpack::for_each(blob, |e| elements.push_element(e)).map_err(|e| e.rebase(blob_at))?;
                        }
                        _ => {
                            return Err(RdbError::Corrupt {
                                offset: container_at,
                                reason: "unknown quicklist node container",
                            })
                        }
                    }
                }
                Decoded::List
            }
            TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
                Decoded::Owned(RdbValue::Stream(Box::new(self.stream(type_id)?)))
            }
            _ => return Err(RdbError::UnknownType { type_id, offset: at }),
        };
        Ok((decoded, encoding))
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

/// Fails with `reason` at `offset` unless the elements of `s` taken `step`
/// apart (every one, or every hash field) are distinct.
fn distinct(s: &Scratch, step: usize, offset: u64, reason: &'static str) -> Result<(), RdbError> {
    if s.elements.elements().distinct(step) {
        Ok(())
    } else {
        Err(RdbError::Corrupt { offset, reason })
    }
}

/// Buffers reused from value to value: the key, a string value, a blob
/// (and its compressed form) and a collection's elements.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    key: Vec<u8>,
    string: Vec<u8>,
    blob: Vec<u8>,
    lzf: Vec<u8>,
    elements: ElementBuf,
}

/// What [`Input::value_into`] left in its [`Scratch`].
#[derive(Debug)]
pub(crate) enum Decoded {
    /// `Scratch::string`.
    String,
    /// `Scratch::elements`, as a list.
    List,
    /// `Scratch::elements`, as a set.
    Set,
    /// `Scratch::elements`: field, value, ...
    Hash,
    /// `Scratch::elements` and their scores.
    SortedSet,
    /// A value decoded in full (stream, module value).
    Owned(RdbValue),
}

impl Scratch {
    /// The borrowed value (`None` for a [`Decoded::Owned`] one).
    fn value_ref(&self, d: &Decoded) -> Option<ValueRef<'_>> {
        let e = self.elements.elements();
        Some(match d {
            Decoded::String => ValueRef::String(&self.string),
            Decoded::List => ValueRef::List(e),
            Decoded::Set => ValueRef::Set(e),
            Decoded::Hash => ValueRef::Hash(e),
            Decoded::SortedSet => ValueRef::SortedSet(e, self.elements.scores()),
            Decoded::Owned(_) => return None,
        })
    }

    /// The owned value (a string value's buffer is moved out, not copied).
    fn take(&mut self, d: Decoded) -> RdbValue {
        match d {
            Decoded::Owned(v) => v,
            Decoded::String => RdbValue::String(std::mem::take(&mut self.string)),
            d => self.value_ref(&d).expect("not owned").to_owned(),
        }
    }
}

/// A record read by [`Reader::next_item_ref`]: an entry whose key and value
/// borrow the reader's buffers, or any other item.
#[derive(Debug)]
pub enum ItemRef<'a> {
    /// A key holding a string, list, set, hash or sorted set.
    Entry(EntryRef<'a>),
    /// Anything else, owned (streams and module values come as
    /// [`Item::Entry`]).
    Item(Item),
}

/// A key with a borrowed value and its metadata (see [`Entry`]).
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    /// The key.
    pub key: &'a [u8],
    /// The value.
    pub value: ValueRef<'a>,
    /// Absolute expiry time, Unix milliseconds.
    pub expire_ms: Option<i64>,
    /// LRU idle time in seconds.
    pub idle: Option<u64>,
    /// LFU logarithmic access counter.
    pub freq: Option<u8>,
    /// The on-disk encoding.
    pub encoding: Encoding,
}

impl EntryRef<'_> {
    /// The owned form.
    pub fn to_owned(&self) -> Entry {
        Entry {
            key: self.key.to_vec(),
            value: self.value.to_owned(),
            expire_ms: self.expire_ms,
            idle: self.idle,
            freq: self.freq,
            encoding: self.encoding,
        }
    }
}

/// What `read_item` found: a complete item, or an entry left in the scratch
/// buffers.
enum Raw {
    Item(Item),
    Entry(Decoded, Encoding),
}

/// Streaming RDB decoder.
///
/// Reads the header on construction, then one [`Item`] per
/// [`next_item`](Reader::next_item) call (or per iteration: `Reader` is an
/// `Iterator<Item = Result<Item, RdbError>>`) until [`Item::End`]. The reader
/// takes its bytes from the `BufRead`'s buffer and consumes nothing past the
/// checksum, so it can read an RDB embedded in a longer stream (what follows
/// stays in the `BufRead`, see [`into_inner`](Reader::into_inner)); wrap a
/// file in a `BufReader`.
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
    scratch: Scratch,
}

impl<R: BufRead> Reader<R> {
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
            scratch: Scratch::default(),
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
        Ok(match self.next_raw()? {
            None => None,
            Some(Raw::Item(item)) => Some(item),
            Some(Raw::Entry(decoded, encoding)) => {
                let (expire_ms, idle, freq) = self.take_meta();
                let s = &mut self.scratch;
                Some(Item::Entry(Entry {
                    key: std::mem::take(&mut s.key),
                    value: s.take(decoded),
                    expire_ms,
                    idle,
                    freq,
                    encoding,
                }))
            }
        })
    }

    /// Like [`next_item`](Self::next_item), but a string or collection
    /// entry borrows the reader's buffers instead of allocating its key and
    /// each of its elements: for loading large files.
    ///
    /// ```
    /// # fn main() -> Result<(), ember_rdb::RdbError> {
    /// use ember_rdb::{Entry, ItemRef, RdbValue, Reader, ValueRef, WriteOptions, Writer};
    /// let mut w = Writer::new(Vec::new(), WriteOptions::default())?;
    /// w.write_entry(&Entry::new("s", RdbValue::Set(vec![b"a".to_vec(), b"b".to_vec()])))?;
    /// let file = w.finish()?;
    ///
    /// let mut r = Reader::new(file.as_slice())?;
    /// let Some(ItemRef::Entry(e)) = r.next_item_ref()? else { panic!() };
    /// let ValueRef::Set(members) = e.value else { panic!() };
    /// assert_eq!((e.key, members.len()), (&b"s"[..], 2));
    /// # Ok(()) }
    /// ```
    pub fn next_item_ref(&mut self) -> Result<Option<ItemRef<'_>>, RdbError> {
        Ok(match self.next_raw()? {
            None => None,
            Some(Raw::Item(item)) => Some(ItemRef::Item(item)),
            Some(Raw::Entry(Decoded::Owned(value), encoding)) => {
                let (expire_ms, idle, freq) = self.take_meta();
                let key = std::mem::take(&mut self.scratch.key);
                Some(ItemRef::Item(Item::Entry(Entry { key, value, expire_ms, idle, freq, encoding })))
            }
            Some(Raw::Entry(decoded, encoding)) => {
                let (expire_ms, idle, freq) = self.take_meta();
                let s = &self.scratch;
                let value = s.value_ref(&decoded).expect("not owned");
                Some(ItemRef::Entry(EntryRef { key: &s.key, value, expire_ms, idle, freq, encoding }))
            }
        })
    }

    fn take_meta(&mut self) -> (Option<i64>, Option<u64>, Option<u8>) {
        (self.expire_ms.take(), self.idle.take(), self.freq.take())
    }

    fn next_raw(&mut self) -> Result<Option<Raw>, RdbError> {
        if self.done {
            return Ok(None);
        }
        match self.read_item() {
            Ok(raw) => {
                if matches!(raw, Raw::Item(Item::End { .. })) {
                    self.done = true;
                }
                Ok(Some(raw))
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }

    /// Reads one record; an entry's key and value are left in the scratch
    /// buffers and its metadata in `expire_ms`, `idle` and `freq`.
    fn read_item(&mut self) -> Result<Raw, RdbError> {
        loop {
            let at = self.input.offset;
            let op = self.input.u8()?;
            let item = match op {
                // Unix seconds, i32 little-endian.
                OP_EXPIRETIME => {
                    self.expire_ms = Some(i64::from(i32::from_le_bytes(self.input.array()?)) * 1000);
                    continue;
                }
                // Unix milliseconds, i64 little-endian.
                OP_EXPIRETIME_MS => {
                    self.expire_ms = Some(i64::from_le_bytes(self.input.array()?));
                    continue;
                }
                OP_FREQ => {
                    self.freq = Some(self.input.u8()?);
                    continue;
                }
                OP_IDLE => {
                    self.idle = Some(self.input.length()?);
                    continue;
                }
                OP_EOF => {
                    let computed = self.input.crc();
                    if self.version < FIRST_CHECKSUM_VERSION {
                        return Ok(Raw::Item(Item::End { checksum: None }));
                    }
                    let sum_at = self.input.offset;
                    // CRC-64, u64 little-endian.
                    let stored = u64::from_le_bytes(self.input.array()?);
                    if self.verify_checksum && stored != 0 && stored != computed {
                        return Err(RdbError::ChecksumMismatch { stored, computed, offset: sum_at });
                    }
                    Item::End { checksum: Some(stored) }
                }
                OP_SELECTDB => {
                    self.db = self.input.length()?;
                    Item::SelectDb(self.db)
                }
                OP_RESIZEDB => {
                    let db_size = self.input.length()?;
                    let expires_size = self.input.length()?;
                    Item::ResizeDb { db_size, expires_size }
                }
                OP_AUX => {
                    let key = self.input.string()?;
                    let value = self.input.string()?;
                    Item::Aux { key, value }
                }
                OP_MODULE_AUX => Item::ModuleAux(self.input.module_aux()?),
                OP_FUNCTION2 => Item::Function(self.input.string()?),
                OP_FUNCTION_PRE_GA => return Err(RdbError::FunctionPreGa { offset: at }),
                type_id => {
                    if Encoding::from_type_id(type_id).is_none() {
                        return Err(RdbError::UnknownType { type_id, offset: at });
                    }
                    let s = &mut self.scratch;
                    s.key.clear();
                    self.input.string_into(&mut s.key, &mut s.lzf)?;
                    let (decoded, encoding) = self.input.value_into(type_id, at, s)?;
                    return Ok(Raw::Entry(decoded, encoding));
                }
            };
            return Ok(Raw::Item(item));
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
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
