//! Zsets commands (being written).

use crate::command::CommandSpec;

/// Zsets-family commands.
pub static COMMANDS: &[CommandSpec] = &[];
