//! [`RdbError`]: every way reading or writing an RDB file or DUMP payload can
//! fail, with the offset and the reason.

use std::fmt;
use std::io;

/// The compact blob formats stored inside RDB strings, named in
/// [`RdbError::Blob`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKind {
    /// LZF-compressed string data.
    Lzf,
    /// A listpack (RDB 10+ hashes, zsets, list nodes, RDB 11 sets, stream nodes).
    Listpack,
    /// A ziplist (RDB 2..9 lists, hashes, zsets, quicklist nodes).
    Ziplist,
    /// An intset (sets of integers).
    Intset,
    /// A zipmap (small hashes before RDB 4).
    Zipmap,
}

impl BlobKind {
    /// Lower-case name, as in Redis's OBJECT ENCODING vocabulary.
    pub fn name(self) -> &'static str {
        match self {
            BlobKind::Lzf => "lzf",
            BlobKind::Listpack => "listpack",
            BlobKind::Ziplist => "ziplist",
            BlobKind::Intset => "intset",
            BlobKind::Zipmap => "zipmap",
        }
    }
}

/// An error reading or writing RDB data.
///
/// Offsets count bytes from the start of the stream given to the
/// [`Reader`](crate::Reader) (byte 0 is the `R` of `REDIS`), or from the start
/// of the payload for [`parse_dump_payload`](crate::parse_dump_payload). The
/// standalone blob parsers ([`listpack::parse`](crate::listpack::parse) and
/// friends) report `offset: 0`; the reader fills in where the blob starts.
#[non_exhaustive]
#[derive(Debug)]
pub enum RdbError {
    /// The underlying reader or writer failed.
    Io(io::Error),
    /// The input ended inside an item.
    UnexpectedEof {
        /// Offset of the field that could not be read completely.
        offset: u64,
    },
    /// The first five bytes are not `REDIS` or the version is not 4 ASCII digits.
    BadMagic {
        /// The first nine bytes (fewer if the input is shorter).
        found: Vec<u8>,
    },
    /// An RDB version this crate cannot read (above 11, or 0), or write.
    UnsupportedVersion {
        /// The version number.
        version: u32,
    },
    /// An opcode or value type byte this crate does not know.
    UnknownType {
        /// The byte.
        type_id: u8,
        /// Its offset.
        offset: u64,
    },
    /// A length prefix with an invalid first byte, or a special (integer/LZF)
    /// encoding where a plain length is required.
    InvalidLength {
        /// The first byte of the length.
        byte: u8,
        /// Its offset.
        offset: u64,
    },
    /// A length that does not fit in memory on this platform.
    LengthOverflow {
        /// The length read.
        value: u64,
        /// Offset of the length.
        offset: u64,
    },
    /// A structural inconsistency in a value (duplicate member, NaN score, odd
    /// number of hash elements, unknown container, ...).
    Corrupt {
        /// Offset of the value (or field) that is inconsistent.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A listpack, ziplist, intset, zipmap or LZF blob that fails validation.
    Blob {
        /// The blob format.
        kind: BlobKind,
        /// Offset of the RDB string holding the blob.
        offset: u64,
        /// Byte position of the problem inside the (decompressed) blob.
        position: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The CRC-64 stored after the EOF opcode (or in a DUMP payload) differs
    /// from the CRC of the bytes before it.
    ChecksumMismatch {
        /// Checksum stored in the input.
        stored: u64,
        /// Checksum computed over the input.
        computed: u64,
        /// Offset of the stored checksum.
        offset: u64,
    },
    /// Opcode 0xF6 (functions from Redis 7.0 release candidates), which Redis
    /// 7.0 GA refuses too.
    FunctionPreGa {
        /// Offset of the opcode.
        offset: u64,
    },
    /// Value type 6: a module value from Redis 4.0 release candidates, which
    /// cannot be skipped without the module.
    ModulePreGa {
        /// Offset of the type byte.
        offset: u64,
    },
    /// The writer was asked to store an empty list, set, sorted set or hash,
    /// which Redis never writes and refuses (or drops) on load.
    EmptyCollection {
        /// Offset in the output where the entry would have started.
        offset: u64,
    },
    /// The writer was given a NaN sorted-set score, which Redis refuses.
    NanScore {
        /// Offset in the output where the entry would have started.
        offset: u64,
    },
    /// The value cannot be written at the chosen RDB version (a stream below
    /// version 9).
    UnsupportedValue {
        /// The RDB version.
        version: u32,
        /// The value kind.
        kind: &'static str,
    },
    /// A DUMP payload shorter than its 10-byte footer plus a type byte.
    PayloadTooShort {
        /// Its length.
        len: usize,
    },
    /// A DUMP payload with a trailing value after the decoded value.
    TrailingBytes {
        /// Offset of the first byte not consumed.
        offset: u64,
    },
}

impl RdbError {
    /// The offset the error names, if any (for "first bad offset" reports).
    pub fn offset(&self) -> Option<u64> {
        match *self {
            RdbError::UnexpectedEof { offset }
            | RdbError::UnknownType { offset, .. }
            | RdbError::InvalidLength { offset, .. }
            | RdbError::LengthOverflow { offset, .. }
            | RdbError::Corrupt { offset, .. }
            | RdbError::ChecksumMismatch { offset, .. }
            | RdbError::FunctionPreGa { offset }
            | RdbError::ModulePreGa { offset }
            | RdbError::EmptyCollection { offset }
            | RdbError::NanScore { offset }
            | RdbError::TrailingBytes { offset } => Some(offset),
            RdbError::Blob { offset, position, .. } => Some(offset.saturating_add(position as u64)),
            RdbError::BadMagic { .. } => Some(0),
            _ => None,
        }
    }

    /// Moves an error found inside a blob or a sub-stream by `base` bytes:
    /// used when a blob parser (which counts from 0) ran over bytes that start
    /// at `base` in the file.
    pub(crate) fn rebase(self, base: u64) -> RdbError {
        match self {
            RdbError::Blob { kind, offset, position, reason } => {
                RdbError::Blob { kind, offset: offset + base, position, reason }
            }
            other => other,
        }
    }

    pub(crate) fn blob(kind: BlobKind, position: usize, reason: &'static str) -> RdbError {
        RdbError::Blob { kind, offset: 0, position, reason }
    }
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdbError::Io(e) => write!(f, "I/O error: {e}"),
            RdbError::UnexpectedEof { offset } => write!(f, "unexpected end of input at offset {offset}"),
            RdbError::BadMagic { found } => {
                write!(
                    f,
                    "not an RDB file: header is {:?}, expected REDIS + 4 digits",
                    found.escape_ascii().to_string()
                )
            }
            RdbError::UnsupportedVersion { version } => write!(f, "unsupported RDB version {version}"),
            RdbError::UnknownType { type_id, offset } => {
                write!(f, "unknown RDB type or opcode {type_id} (0x{type_id:02x}) at offset {offset}")
            }
            RdbError::InvalidLength { byte, offset } => {
                write!(f, "invalid length encoding 0x{byte:02x} at offset {offset}")
            }
            RdbError::LengthOverflow { value, offset } => {
                write!(f, "length {value} at offset {offset} does not fit in memory")
            }
            RdbError::Corrupt { offset, reason } => write!(f, "corrupt value at offset {offset}: {reason}"),
            RdbError::Blob { kind, offset, position, reason } => {
                write!(f, "corrupt {} at byte {position} of the blob stored at offset {offset}: {reason}", kind.name())
            }
            RdbError::ChecksumMismatch { stored, computed, offset } => {
                write!(f, "checksum mismatch at offset {offset}: stored 0x{stored:016x}, computed 0x{computed:016x}")
            }
            RdbError::FunctionPreGa { offset } => write!(
                f,
                "pre-release function data (opcode 0xf6) at offset {offset} is not supported; \
                 re-save the file with Redis 7.0 GA or later"
            ),
            RdbError::ModulePreGa { offset } => write!(
                f,
                "module value in the pre-release format (type 6) at offset {offset} cannot be read without its module"
            ),
            RdbError::EmptyCollection { offset } => {
                write!(f, "cannot write an empty collection (entry at output offset {offset})")
            }
            RdbError::NanScore { offset } => {
                write!(f, "cannot write a NaN sorted-set score (entry at output offset {offset})")
            }
            RdbError::UnsupportedValue { version, kind } => {
                write!(f, "a {kind} value cannot be written in RDB version {version}")
            }
            RdbError::PayloadTooShort { len } => write!(f, "DUMP payload of {len} bytes is too short"),
            RdbError::TrailingBytes { offset } => write!(f, "unexpected bytes after the value at offset {offset}"),
        }
    }
}

impl std::error::Error for RdbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RdbError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for RdbError {
    fn from(e: io::Error) -> Self {
        RdbError::Io(e)
    }
}
