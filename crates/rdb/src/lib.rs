//! `ember-rdb` reads and writes Redis RDB dump files.
//!
//! This crate will own the RDB file format on its own, with no knowledge of
//! ember's keyspace or sockets: a streaming decoder over `io::Read` that yields
//! one entry at a time (database selection, resize hints, aux fields, keys with
//! their expiry and value in every encoding Redis 7 writes), a streaming encoder
//! over `io::Write` that writes RDB version 10 with the CRC-64 ("Jones")
//! checksum, and the DUMP/RESTORE payload format.
//!
//! It is empty today: the format lands with the persistence work (see
//! `docs/ARCHITECTURE.md`).
#![deny(missing_docs)]
