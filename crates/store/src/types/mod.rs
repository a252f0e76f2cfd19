//! Collection types: [`list::List`], [`hash::Hash`], [`set::Set`] and
//! [`zset::ZSet`], each with Redis's compact small encoding and its large
//! encoding, switching at the thresholds in [`EncodingConfig`], and
//! [`stream::Stream`] (packed nodes of entries, consumer groups).
//! [`dict::Dict`] is the SCAN-safe hash map behind the large encodings of
//! hashes, sets and sorted sets.

pub mod dict;
pub mod hash;
pub mod list;
pub mod set;
pub mod stream;
pub mod zset;

/// The encoding thresholds (Redis's `*-max-listpack-*` / `*-max-intset-*`
/// parameters). The server builds one from its configuration; the defaults
/// are Redis 7's built-in defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodingConfig {
    /// `list-max-listpack-size`: positive = max entries per node; -1..-5 =
    /// max node size of 4, 8, 16, 32, 64 KiB.
    pub list_max_listpack_size: i64,
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: usize,
    /// `set-max-listpack-entries`.
    pub set_max_listpack_entries: usize,
    /// `set-max-listpack-value`.
    pub set_max_listpack_value: usize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: usize,
}

impl Default for EncodingConfig {
    fn default() -> Self {
        EncodingConfig {
            list_max_listpack_size: -2,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
        }
    }
}
