//! Sets commands (being written).

use crate::command::CommandSpec;

/// Sets-family commands.
pub static COMMANDS: &[CommandSpec] = &[];
