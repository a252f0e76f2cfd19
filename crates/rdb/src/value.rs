//! The owned data model: [`Item`] (one top-level record of an RDB file),
//! [`Entry`] (a key with its value and metadata), [`RdbValue`] (the value,
//! whatever its on-disk encoding) and [`Encoding`] (which encoding it had).

use crate::format::*;

/// A key's value, independent of how it was encoded on disk.
///
/// Collections keep the order found in the file (for sets and hashes this
/// order carries no meaning). The writer expects set members, hash fields and
/// sorted-set members to be distinct; the reader rejects duplicates.
#[derive(Debug, Clone, PartialEq)]
pub enum RdbValue {
    /// A string (also HyperLogLogs and bitmaps).
    String(Vec<u8>),
    /// A list, head first.
    List(Vec<Vec<u8>>),
    /// A set's members.
    Set(Vec<Vec<u8>>),
    /// A sorted set's members with their scores (never NaN). Geo keys are
    /// sorted sets.
    SortedSet(Vec<(Vec<u8>, f64)>),
    /// A hash's field/value pairs.
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// A stream, decoded structurally; entries stay in their listpacks.
    Stream(Box<Stream>),
    /// A module value, decoded from its self-describing opcodes.
    Module(Box<ModuleValue>),
}

impl RdbValue {
    /// The type name Redis's TYPE command gives: `string`, `list`, `set`,
    /// `zset`, `hash`, `stream`, or `module`.
    pub fn type_name(&self) -> &'static str {
        match self {
            RdbValue::String(_) => "string",
            RdbValue::List(_) => "list",
            RdbValue::Set(_) => "set",
            RdbValue::SortedSet(_) => "zset",
            RdbValue::Hash(_) => "hash",
            RdbValue::Stream(_) => "stream",
            RdbValue::Module(_) => "module",
        }
    }

    /// Number of elements (bytes for a string, entries for a stream, fields
    /// for a module value).
    pub fn len(&self) -> usize {
        match self {
            RdbValue::String(s) => s.len(),
            RdbValue::List(v) | RdbValue::Set(v) => v.len(),
            RdbValue::SortedSet(v) => v.len(),
            RdbValue::Hash(v) => v.len(),
            RdbValue::Stream(s) => usize::try_from(s.length).unwrap_or(usize::MAX),
            RdbValue::Module(m) => m.fields.len(),
        }
    }

    /// True for an empty string or collection.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for an empty list, set, sorted set or hash: keys Redis never
    /// writes and skips on load (files with them exist, see the
    /// `corrupt_empty_keys.rdb` fixture).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            RdbValue::List(_) | RdbValue::Set(_) | RdbValue::SortedSet(_) | RdbValue::Hash(_) => self.is_empty(),
            _ => false,
        }
    }
}

/// How a value was encoded on disk (the reader reports it; the writer chooses
/// its own from [`WriteOptions`](crate::WriteOptions) and ignores this).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// String stored as length-prefixed bytes.
    Raw,
    /// String stored as an 8/16/32-bit integer.
    Int,
    /// String stored LZF-compressed.
    Lzf,
    /// List stored as a sequence of strings (type 1).
    LinkedList,
    /// List, hash or sorted set stored as one ziplist (types 10, 12, 13).
    Ziplist,
    /// List stored as a quicklist of ziplists (type 14).
    Quicklist,
    /// List stored as a quicklist of listpack/plain nodes (type 18).
    Quicklist2,
    /// Set or hash stored as a sequence of strings (types 2, 4).
    Hashtable,
    /// Sorted set stored as members and scores (types 3, 5).
    Skiplist,
    /// Set stored as an intset (type 11).
    Intset,
    /// Hash, sorted set or set stored as one listpack (types 16, 17, 20).
    Listpack,
    /// Hash stored as a zipmap (type 9).
    Zipmap,
    /// Stream (types 15, 19, 21).
    StreamListpacks,
    /// Module value (type 7).
    Module,
}

impl Encoding {
    /// The encoding a value type id implies (strings report
    /// [`Encoding::Raw`]; the reader refines it).
    pub fn from_type_id(type_id: u8) -> Option<Encoding> {
        Some(match type_id {
            TYPE_STRING => Encoding::Raw,
            TYPE_LIST => Encoding::LinkedList,
            TYPE_SET | TYPE_HASH => Encoding::Hashtable,
            TYPE_ZSET | TYPE_ZSET_2 => Encoding::Skiplist,
            TYPE_MODULE_PRE_GA | TYPE_MODULE_2 => Encoding::Module,
            TYPE_HASH_ZIPMAP => Encoding::Zipmap,
            TYPE_LIST_ZIPLIST | TYPE_ZSET_ZIPLIST | TYPE_HASH_ZIPLIST => Encoding::Ziplist,
            TYPE_SET_INTSET => Encoding::Intset,
            TYPE_LIST_QUICKLIST => Encoding::Quicklist,
            TYPE_LIST_QUICKLIST_2 => Encoding::Quicklist2,
            TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => Encoding::StreamListpacks,
            TYPE_HASH_LISTPACK | TYPE_ZSET_LISTPACK | TYPE_SET_LISTPACK => Encoding::Listpack,
            _ => return None,
        })
    }

    /// Lower-case name (`raw`, `int`, `lzf`, `linkedlist`, `ziplist`,
    /// `quicklist`, `quicklist2`, `hashtable`, `skiplist`, `intset`,
    /// `listpack`, `zipmap`, `stream`, `module`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Raw => "raw",
            Encoding::Int => "int",
            Encoding::Lzf => "lzf",
            Encoding::LinkedList => "linkedlist",
            Encoding::Ziplist => "ziplist",
            Encoding::Quicklist => "quicklist",
            Encoding::Quicklist2 => "quicklist2",
            Encoding::Hashtable => "hashtable",
            Encoding::Skiplist => "skiplist",
            Encoding::Intset => "intset",
            Encoding::Listpack => "listpack",
            Encoding::Zipmap => "zipmap",
            Encoding::StreamListpacks => "stream",
            Encoding::Module => "module",
        }
    }
}

/// A key with its value and metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: Vec<u8>,
    /// The value.
    pub value: RdbValue,
    /// Absolute expiry time, Unix milliseconds (Redis stores a signed 64-bit
    /// number; second-precision expiries of old files are multiplied by 1000).
    pub expire_ms: Option<i64>,
    /// LRU idle time in seconds (written when maxmemory-policy is an LRU one).
    pub idle: Option<u64>,
    /// LFU logarithmic access counter (written when maxmemory-policy is LFU).
    pub freq: Option<u8>,
    /// The on-disk encoding (reported by the reader, ignored by the writer).
    pub encoding: Encoding,
}

impl Entry {
    /// An entry without expiry or eviction metadata.
    pub fn new(key: impl Into<Vec<u8>>, value: RdbValue) -> Entry {
        let encoding = match value {
            RdbValue::String(_) => Encoding::Raw,
            RdbValue::List(_) => Encoding::Quicklist2,
            RdbValue::Set(_) | RdbValue::Hash(_) => Encoding::Hashtable,
            RdbValue::SortedSet(_) => Encoding::Skiplist,
            RdbValue::Stream(_) => Encoding::StreamListpacks,
            RdbValue::Module(_) => Encoding::Module,
        };
        Entry { key: key.into(), value, expire_ms: None, idle: None, freq: None, encoding }
    }

    /// The same entry with an absolute expiry time in Unix milliseconds.
    pub fn with_expire_ms(mut self, expire_ms: i64) -> Entry {
        self.expire_ms = Some(expire_ms);
        self
    }
}

/// One top-level record of an RDB file, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An auxiliary field (`redis-ver`, `redis-bits`, `ctime`, `used-mem`,
    /// `aof-base`, `repl-id`, `lua`, ...).
    Aux {
        /// Field name.
        key: Vec<u8>,
        /// Field value (integers written int-encoded are returned as decimal text).
        value: Vec<u8>,
    },
    /// Following entries belong to this database.
    SelectDb(u64),
    /// Size hints for the current database.
    ResizeDb {
        /// Number of keys.
        db_size: u64,
        /// Number of keys with an expiry.
        expires_size: u64,
    },
    /// A key.
    Entry(Entry),
    /// A function library (its source code, `#!<engine> name=<lib>` first).
    Function(Vec<u8>),
    /// Auxiliary data of a module.
    ModuleAux(ModuleAux),
    /// The end of the file. `checksum` is the stored CRC-64 (`Some(0)` when
    /// the writer did not compute one, `None` before RDB 5). When the reader
    /// verifies checksums, a nonzero stored value has been checked.
    End {
        /// The stored checksum.
        checksum: Option<u64>,
    },
}

/// A stream entry id: `<ms>-<seq>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The 16-byte big-endian form used as listpack node keys and PEL ids.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    /// Parses the 16-byte big-endian form.
    pub fn from_be_bytes(b: [u8; 16]) -> StreamId {
        let (ms, seq) = b.split_at(8);
        StreamId {
            ms: u64::from_be_bytes(ms.try_into().expect("8 bytes")),
            seq: u64::from_be_bytes(seq.try_into().expect("8 bytes")),
        }
    }
}

/// A stream as stored on disk. Entries stay inside their listpack nodes
/// (validated as listpacks, not interpreted); metadata and consumer groups
/// are decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stream {
    /// Listpack nodes: master entry id and listpack blob.
    pub nodes: Vec<StreamNode>,
    /// Number of entries.
    pub length: u64,
    /// Last id ever added.
    pub last_id: StreamId,
    /// First entry id (RDB 10+ types 19 and 21).
    pub first_id: Option<StreamId>,
    /// Largest id deleted (RDB 10+).
    pub max_deleted_id: Option<StreamId>,
    /// Entries ever added (RDB 10+).
    pub entries_added: Option<u64>,
    /// Consumer groups.
    pub groups: Vec<StreamGroup>,
}

/// One listpack node of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamNode {
    /// The node's master id (its key in the stream's radix tree).
    pub master_id: StreamId,
    /// The node's listpack.
    pub listpack: Vec<u8>,
}

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamGroup {
    /// Group name.
    pub name: Vec<u8>,
    /// Last delivered id.
    pub last_id: StreamId,
    /// Entries read counter (RDB 10+).
    pub entries_read: Option<u64>,
    /// Pending entries list.
    pub pending: Vec<PendingEntry>,
    /// Consumers.
    pub consumers: Vec<StreamConsumer>,
}

/// An entry of a group's pending entries list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingEntry {
    /// Entry id.
    pub id: StreamId,
    /// Last delivery time, Unix milliseconds.
    pub delivery_time_ms: i64,
    /// Number of deliveries.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConsumer {
    /// Consumer name.
    pub name: Vec<u8>,
    /// Last time seen, Unix milliseconds.
    pub seen_time_ms: i64,
    /// Last successful read time, Unix milliseconds (RDB 11+).
    pub active_time_ms: Option<i64>,
    /// Ids of this consumer's pending entries.
    pub pending: Vec<StreamId>,
}

/// One field of a module value or module aux record.
#[derive(Debug, Clone)]
pub enum ModuleData {
    /// Signed integer (stored as the length encoding of its bits).
    Signed(i64),
    /// Unsigned integer (length-encoded).
    Unsigned(u64),
    /// f32, 4 bytes LE.
    Float(f32),
    /// f64, 8 bytes LE.
    Double(f64),
    /// String.
    String(Vec<u8>),
}

/// Floats compare by bits, so that NaN payloads survive round-trip checks.
impl PartialEq for ModuleData {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ModuleData::Signed(a), ModuleData::Signed(b)) => a == b,
            (ModuleData::Unsigned(a), ModuleData::Unsigned(b)) => a == b,
            (ModuleData::Float(a), ModuleData::Float(b)) => a.to_bits() == b.to_bits(),
            (ModuleData::Double(a), ModuleData::Double(b)) => a.to_bits() == b.to_bits(),
            (ModuleData::String(a), ModuleData::String(b)) => a == b,
            _ => false,
        }
    }
}

/// A module value (type 7): the module id and the fields its rdb_save
/// callback wrote, in order. Without the module the fields cannot be
/// interpreted, only carried.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleValue {
    /// 64-bit module type id: 9 characters of name, 10 bits of encoding version.
    pub module_id: u64,
    /// The fields.
    pub fields: Vec<ModuleData>,
}

/// Module auxiliary data (opcode 0xF7).
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleAux {
    /// 64-bit module type id.
    pub module_id: u64,
    /// When the data was saved: 1 = before keys, 2 = after keys.
    pub when: u64,
    /// The fields.
    pub fields: Vec<ModuleData>,
}

const MODULE_CHARSET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 9-character module type name packed in the top 54 bits of a module
/// id, most significant character first.
pub fn module_name(module_id: u64) -> String {
    (0..9)
        .map(|i| {
            let shift = 10 + 6 * (8 - i);
            char::from(MODULE_CHARSET[((module_id >> shift) & 63) as usize])
        })
        .collect()
}

/// The encoding version in the low 10 bits of a module id.
pub fn module_encver(module_id: u64) -> u16 {
    (module_id & 1023) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_id_names() {
        // "AAAAAAAAB" with encver 5: the last character is the lowest 6-bit group.
        let id = (1u64 << 10) | 5;
        assert_eq!(module_name(id), "AAAAAAAAB");
        assert_eq!(module_encver(id), 5);
    }

    #[test]
    fn stream_id_bytes() {
        let id = StreamId { ms: 0x0102, seq: 7 };
        assert_eq!(StreamId::from_be_bytes(id.to_be_bytes()), id);
        assert_eq!(id.to_be_bytes()[6..8], [1, 2]);
    }
}
