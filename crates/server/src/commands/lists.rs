//! Lists commands (being written).

use crate::command::CommandSpec;

/// Lists-family commands.
pub static COMMANDS: &[CommandSpec] = &[];
