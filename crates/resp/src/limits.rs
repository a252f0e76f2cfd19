//! [`Limits`]: the size and nesting caps every decoder enforces, with Redis's
//! defaults.

/// Caps on what a peer may declare or send, checked before anything is
/// allocated. The defaults are Redis 7's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted bulk string (`proto-max-bulk-len`); default 512 MiB.
    pub max_bulk_len: u64,
    /// Largest accepted multibulk / aggregate count; default `2^31 - 1`.
    pub max_multibulk_len: u64,
    /// Longest inline request line, and longest `*` / `$` count line, before
    /// the request is rejected; default 64 KiB. [`FrameDecoder`](crate::FrameDecoder)
    /// applies it to every reply line.
    pub max_inline_len: usize,
    /// Most aggregates a [`FrameDecoder`](crate::FrameDecoder) frame may have open
    /// at once (nesting depth); default 128.
    pub max_depth: usize,
    /// The client has not authenticated yet: more than 10 arguments or a bulk
    /// above 16384 bytes is rejected, as Redis does when `requirepass` is set.
    pub unauthenticated: bool,
}

/// Redis's `proto-max-bulk-len` default.
pub const DEFAULT_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;
/// Redis's `PROTO_INLINE_MAX_SIZE`.
pub const DEFAULT_MAX_INLINE_LEN: usize = 64 * 1024;
/// Most arguments an unauthenticated client may send in one command.
pub const UNAUTHENTICATED_MAX_ARGS: u64 = 10;
/// Longest bulk an unauthenticated client may send.
pub const UNAUTHENTICATED_MAX_BULK: u64 = 16384;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_multibulk_len: i32::MAX as u64,
            max_inline_len: DEFAULT_MAX_INLINE_LEN,
            max_depth: 128,
            unauthenticated: false,
        }
    }
}
