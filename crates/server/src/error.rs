//! Command errors and their client-facing text: the one place where failures
//! become RESP error replies.

use std::borrow::Cow;

/// Why a command failed. `Display` gives the exact Redis error line (without
/// the leading `-` and trailing CRLF); the first word is the error code that
/// INFO errorstats counts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CmdError {
    /// The key holds another type.
    WrongType,
    /// An argument is not a 64-bit integer.
    NotInteger,
    /// An argument is not a valid float.
    NotFloat,
    /// Options do not parse.
    Syntax,
    /// The key does not exist (RENAME and friends).
    NoSuchKey,
    /// INCR-family result does not fit in 64 bits.
    Overflow,
    /// A bad expire time in the named command.
    InvalidExpire(&'static str),
    /// SELECT/MOVE/SWAPDB with a bad index.
    DbIndexOutOfRange,
    /// Wrong argument count for the named command (`get`, `config|get`).
    Arity(Cow<'static, str>),
    /// An unknown subcommand of a container command.
    UnknownSubcommand {
        /// What the client sent.
        sub: String,
        /// The container command, upper case, for the HELP hint.
        command: &'static str,
    },
    /// Any other error; the text includes its code (`ERR ...`, `NOAUTH ...`).
    Other(Cow<'static, str>),
}

impl CmdError {
    /// An `ERR`-coded error with the given message.
    pub fn err(msg: impl Into<Cow<'static, str>>) -> CmdError {
        let msg = msg.into();
        CmdError::Other(Cow::Owned(format!("ERR {msg}")))
    }

    /// The error code that INFO errorstats counts (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> String {
        let text = self.to_string();
        text.split(' ').next().unwrap_or("ERR").to_string()
    }
}

impl std::fmt::Display for CmdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CmdError::WrongType => f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value"),
            CmdError::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            CmdError::NotFloat => f.write_str("ERR value is not a valid float"),
            CmdError::Syntax => f.write_str("ERR syntax error"),
            CmdError::NoSuchKey => f.write_str("ERR no such key"),
            CmdError::Overflow => f.write_str("ERR increment or decrement would overflow"),
            CmdError::InvalidExpire(cmd) => write!(f, "ERR invalid expire time in '{cmd}' command"),
            CmdError::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
            CmdError::Arity(name) => write!(f, "ERR wrong number of arguments for '{name}' command"),
            CmdError::UnknownSubcommand { sub, command } => {
                write!(f, "ERR unknown subcommand '{sub}'. Try {command} HELP.")
            }
            CmdError::Other(text) => f.write_str(text),
        }
    }
}

/// What every handler returns.
pub type CmdResult = Result<(), CmdError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_redis() {
        for (e, want) in [
            (CmdError::WrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (CmdError::NotInteger, "ERR value is not an integer or out of range"),
            (CmdError::Syntax, "ERR syntax error"),
            (CmdError::InvalidExpire("set"), "ERR invalid expire time in 'set' command"),
            (CmdError::Arity("config|get".into()), "ERR wrong number of arguments for 'config|get' command"),
            (
                CmdError::UnknownSubcommand { sub: "foo".into(), command: "CLIENT" },
                "ERR unknown subcommand 'foo'. Try CLIENT HELP.",
            ),
        ] {
            assert_eq!(e.to_string(), want);
        }
        assert_eq!(CmdError::WrongType.code(), "WRONGTYPE");
        assert_eq!(CmdError::err("x").code(), "ERR");
    }
}
