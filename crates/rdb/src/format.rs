//! The numbers of the RDB format: versions, value type ids, opcodes, and the
//! sub-codes of quicklist containers and module values.
//!
//! See `docs/rdb-format.md` for the byte-by-byte description.

/// Oldest RDB version the reader accepts.
pub const MIN_READ_VERSION: u32 = 1;
/// Newest RDB version the reader accepts (Redis 7.2).
pub const MAX_READ_VERSION: u32 = 11;
/// Oldest RDB version the writer produces (Redis 5.0).
pub const MIN_WRITE_VERSION: u32 = 9;
/// Newest RDB version the writer produces (Redis 7.2).
pub const MAX_WRITE_VERSION: u32 = 11;
/// The version the writer uses by default: loadable by Redis 7.0 and later.
pub const DEFAULT_WRITE_VERSION: u32 = 10;
/// First version with the 8-byte CRC-64 after the EOF opcode.
pub const FIRST_CHECKSUM_VERSION: u32 = 5;

/// String (raw, integer-encoded or LZF).
pub const TYPE_STRING: u8 = 0;
/// List as a sequence of strings (before RDB 7's quicklist).
pub const TYPE_LIST: u8 = 1;
/// Set as a sequence of strings.
pub const TYPE_SET: u8 = 2;
/// Sorted set with scores as length-prefixed text (before RDB 8).
pub const TYPE_ZSET: u8 = 3;
/// Hash as a sequence of field/value strings.
pub const TYPE_HASH: u8 = 4;
/// Sorted set with binary (f64 LE) scores.
pub const TYPE_ZSET_2: u8 = 5;
/// Module value, pre-GA format (cannot be skipped).
pub const TYPE_MODULE_PRE_GA: u8 = 6;
/// Module value with self-describing opcodes.
pub const TYPE_MODULE_2: u8 = 7;
/// Hash as a zipmap.
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// List as a ziplist.
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// Set as an intset.
pub const TYPE_SET_INTSET: u8 = 11;
/// Sorted set as a ziplist.
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// Hash as a ziplist.
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// List as a quicklist of ziplists.
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// Stream (listpacks, RDB 9).
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// Hash as a listpack.
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// Sorted set as a listpack.
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// List as a quicklist of listpack or plain nodes.
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Stream with first id, max deleted id, entries added, entries read (RDB 10).
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Set as a listpack (RDB 11).
pub const TYPE_SET_LISTPACK: u8 = 20;
/// Stream with consumer active time (RDB 11).
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// Function library code (what Redis 7.0 GA writes).
pub const OP_FUNCTION2: u8 = 0xF5;
/// Function library code (Redis 7.0 release candidates; refused).
pub const OP_FUNCTION_PRE_GA: u8 = 0xF6;
/// Module auxiliary data.
pub const OP_MODULE_AUX: u8 = 0xF7;
/// LRU idle time of the next key, in seconds (length-encoded).
pub const OP_IDLE: u8 = 0xF8;
/// LFU frequency of the next key (1 byte).
pub const OP_FREQ: u8 = 0xF9;
/// Auxiliary field: two strings.
pub const OP_AUX: u8 = 0xFA;
/// Database size hints: two lengths.
pub const OP_RESIZEDB: u8 = 0xFB;
/// Expiry of the next key, Unix milliseconds, 8 bytes LE.
pub const OP_EXPIRETIME_MS: u8 = 0xFC;
/// Expiry of the next key, Unix seconds, 4 bytes LE.
pub const OP_EXPIRETIME: u8 = 0xFD;
/// Switch database: one length.
pub const OP_SELECTDB: u8 = 0xFE;
/// End of file (followed by the CRC-64 from version 5).
pub const OP_EOF: u8 = 0xFF;

/// Quicklist 2 node holding one element as a plain string.
pub const QUICKLIST_NODE_PLAIN: u64 = 1;
/// Quicklist 2 node holding a listpack.
pub const QUICKLIST_NODE_PACKED: u64 = 2;

/// Module value opcode: end of the value.
pub const MODULE_OPCODE_EOF: u64 = 0;
/// Module value opcode: signed integer (length-encoded bits).
pub const MODULE_OPCODE_SINT: u64 = 1;
/// Module value opcode: unsigned integer (length-encoded).
pub const MODULE_OPCODE_UINT: u64 = 2;
/// Module value opcode: f32, 4 bytes LE.
pub const MODULE_OPCODE_FLOAT: u64 = 3;
/// Module value opcode: f64, 8 bytes LE.
pub const MODULE_OPCODE_DOUBLE: u64 = 4;
/// Module value opcode: string.
pub const MODULE_OPCODE_STRING: u64 = 5;

/// Quicklist elements at or above this size are written as plain nodes
/// (Redis's `packed_threshold` default, 1 GiB).
pub const PLAIN_NODE_THRESHOLD: usize = 1 << 30;
