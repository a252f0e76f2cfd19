//! Hashes commands (being written).

use crate::command::CommandSpec;

/// Hashes-family commands.
pub static COMMANDS: &[CommandSpec] = &[];
