//! `ember-rdb` reads and writes Redis RDB dump files, on its own: it knows
//! nothing of ember's keyspace or sockets.
//!
//! - [`Reader`] is a streaming decoder over any `io::BufRead`: it yields one
//!   [`Item`] at a time (aux fields, database selection, resize hints,
//!   functions, module aux data, and [`Entry`] values with expiry and LRU/LFU
//!   metadata) for RDB versions 1 to 11 and every value encoding Redis 7.2 and
//!   older write, verifying the CRC-64 as it goes. Memory stays bounded by what
//!   the input justifies; corrupt input fails with an [`RdbError`] naming the
//!   offset and the reason, never a panic.
//! - [`Writer`] is a streaming encoder over any `io::Write`: RDB 10 by default
//!   (9 and 11 on request), compact encodings (listpack, intset, quicklist 2)
//!   under [`EncodingLimits`], LZF compression and the checksum per
//!   [`WriteOptions`].
//! - [`RdbValue`] is the owned model of a value, [`Encoding`] the on-disk
//!   encoding the reader saw. [`ValueRef`] is the borrowed model of a
//!   string or collection: [`Reader::next_item_ref`] yields entries whose
//!   key and elements live in the reader's reused buffers, and
//!   [`Writer::write_key_ref`] writes one from an [`ElementBuf`] the caller
//!   reuses, so loading or saving millions of small keys costs no allocation
//!   per element.
//! - [`dump_payload`] and [`parse_dump_payload`] handle the DUMP/RESTORE
//!   format.
//! - The building blocks are public too: [`crc64()`] / [`Crc64`] (CRC-64
//!   "Jones"), [`lzf`], [`listpack`], [`ziplist`], [`intset`], [`zipmap`],
//!   [`stream`] (the entries inside a stream node's listpack), and the
//!   numbers of the format in [`format`](mod@format).
//! - [`inspect`] holds the JSON rendering and statistics behind the
//!   `ember-rdb` command-line tool (`check`, `dump`, `stats`).
//!
//! The byte-level format is described in `docs/rdb-format.md`.
#![deny(missing_docs)]

mod crc64;
mod dump;
mod elements;
mod error;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod inspect;
pub mod intset;
pub mod listpack;
pub mod lzf;
mod read;
pub mod stream;
mod value;
mod write;
pub mod ziplist;
pub mod zipmap;

pub use crc64::{crc64, Crc64};
pub use dump::{dump_functions, dump_payload, dump_payload_with, parse_dump_functions, parse_dump_payload};
pub use elements::{ElementBuf, Elements, ElementsIter, ValueRef};
pub use error::{BlobKind, RdbError};
pub use listpack::Element;
pub use read::{read_all, EntryRef, ItemRef, Reader, MAX_PREALLOC};
pub use value::{
    module_encver, module_name, Encoding, Entry, Item, ModuleAux, ModuleData, ModuleValue, PendingEntry, RdbValue,
    Stream, StreamConsumer, StreamGroup, StreamId, StreamNode,
};
pub use write::{AuxFields, EncodingLimits, WriteOptions, Writer};

#[doc(hidden)]
pub use fuzzing::fuzz_check;
