//! Command implementations, one module per family. Each module declares its
//! commands in a `COMMANDS` table next to their handlers; [`FAMILIES`] lists
//! the tables that make up the server's command set. Helpers that several
//! families use live in [`common`], so that no family imports another.

use crate::command::CommandSpec;

pub mod bitmaps;
pub mod common;
pub mod config_cmd;
pub mod connection;
pub mod debug;
pub mod geo;
pub mod hashes;
pub mod hyperloglog;
pub mod info;
pub mod introspection;
pub mod keys;
pub mod latency;
pub mod lists;
pub mod memory;
pub mod persistence;
pub mod pubsub;
pub mod replication;
pub mod scripting;
pub mod sets;
pub mod slowlog;
pub mod sort;
pub mod streams;
pub mod strings;
pub mod syntax;
pub mod transactions;
pub mod zsets;

/// Every command family's table.
pub static FAMILIES: &[&[CommandSpec]] = &[
    connection::COMMANDS,
    strings::COMMANDS,
    keys::COMMANDS,
    info::COMMANDS,
    config_cmd::COMMANDS,
    introspection::COMMANDS,
    debug::COMMANDS,
    slowlog::COMMANDS,
    persistence::COMMANDS,
    transactions::COMMANDS,
    lists::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    zsets::COMMANDS,
    bitmaps::COMMANDS,
    hyperloglog::COMMANDS,
    geo::COMMANDS,
    sort::COMMANDS,
    replication::COMMANDS,
    memory::COMMANDS,
    pubsub::COMMANDS,
    streams::COMMANDS,
    scripting::COMMANDS,
    latency::COMMANDS,
];
