//! Command implementations, one module per family. Each module declares its
//! commands in a `COMMANDS` table next to their handlers; [`FAMILIES`] lists
//! the tables that make up the server's command set.

use crate::command::CommandSpec;

pub mod connection;
pub mod keys;
pub mod server;
pub mod strings;
pub mod syntax;
pub mod transactions;

/// Every command family's table.
pub static FAMILIES: &[&[CommandSpec]] =
    &[connection::COMMANDS, strings::COMMANDS, keys::COMMANDS, server::COMMANDS, transactions::COMMANDS];
