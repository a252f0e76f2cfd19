//! Command errors: the one place where failures become RESP error replies.
//! Each error has its code (`ERR`, `WRONGTYPE`, `NOAUTH`, ...), which INFO
//! errorstats counts, and its message as separate parts; the texts of the
//! errors dispatch and several families share live here.

use std::borrow::Cow;
use std::fmt;

/// Why a command failed or was refused. `Display` gives the exact Redis
/// error line (code, space, message; without the leading `-` and CRLF).
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
    /// A command name the table does not know.
    UnknownCommand {
        /// The name as sent (at most 128 bytes of it).
        name: Box<[u8]>,
        /// `'a' 'b' ` : the first arguments, quoted, at most 128 bytes.
        args: Box<[u8]>,
    },
    /// An unknown subcommand of a container command.
    UnknownSubcommand {
        /// What the client sent (at most 128 bytes of it).
        sub: Box<[u8]>,
        /// The container command as sent, upper-cased, for the HELP hint.
        command: Box<str>,
    },
    /// A command that needs authentication first.
    NoAuth,
    /// A `no_multi` command inside MULTI.
    NotInMulti,
    /// A command refused in the RESP2 subscribed context.
    SubscribedContext(&'static str),
    /// Over `maxmemory` with nothing left to evict.
    Oom,
    /// Writes refused after a failed background save.
    Misconf,
    /// EXEC of a transaction in which a command was refused while queued.
    ExecAbortPrevious,
    /// EXEC refused by the gate: the transaction is discarded because of
    /// the inner error.
    ExecAbort(Box<CmdError>),
    /// Any other error: its code and message.
    Coded {
        /// The code (`ERR`, `BUSYKEY`, `NOSCRIPT`, ...).
        code: &'static str,
        /// The message.
        msg: Cow<'static, str>,
    },
    /// An error whose code is only known at run time (a script's
    /// `redis.error_reply`, a reply relayed from elsewhere): the whole line,
    /// `CODE message`.
    Line(Box<str>),
}

impl CmdError {
    /// An `ERR`-coded error with the given message.
    pub fn err(msg: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Coded { code: "ERR", msg: msg.into() }
    }

    /// An error with its own code (`BUSYKEY`, `NOSCRIPT`, ...).
    pub fn coded(code: &'static str, msg: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Coded { code, msg: msg.into() }
    }

    /// An error from a whole error line, `CODE message` (a script's error,
    /// a reply relayed from elsewhere); a line without a space is all code.
    pub fn from_line(line: impl Into<String>) -> CmdError {
        CmdError::Line(line.into().into_boxed_str())
    }

    /// The error code that INFO errorstats counts (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> &str {
        match self {
            CmdError::WrongType => "WRONGTYPE",
            CmdError::NoAuth => "NOAUTH",
            CmdError::Oom => "OOM",
            CmdError::Misconf => "MISCONF",
            CmdError::ExecAbortPrevious | CmdError::ExecAbort(_) => "EXECABORT",
            CmdError::Coded { code, .. } => code,
            CmdError::Line(line) => line.split(' ').next().unwrap_or(line),
            _ => "ERR",
        }
    }

    /// The message, without the code.
    pub fn message(&self) -> Cow<'_, str> {
        let text: &str = match self {
            CmdError::WrongType => "Operation against a key holding the wrong kind of value",
            CmdError::NotInteger => "value is not an integer or out of range",
            CmdError::NotFloat => "value is not a valid float",
            CmdError::Syntax => "syntax error",
            CmdError::NoSuchKey => "no such key",
            CmdError::Overflow => "increment or decrement would overflow",
            CmdError::InvalidExpire(cmd) => return format!("invalid expire time in '{cmd}' command").into(),
            CmdError::DbIndexOutOfRange => "DB index is out of range",
            CmdError::Arity(name) => return format!("wrong number of arguments for '{name}' command").into(),
            CmdError::UnknownCommand { name, args } => {
                return format!(
                    "unknown command '{}', with args beginning with: {}",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(args)
                )
                .into()
            }
            CmdError::UnknownSubcommand { sub, command } => {
                return format!("unknown subcommand '{}'. Try {command} HELP.", String::from_utf8_lossy(sub)).into()
            }
            CmdError::NoAuth => "Authentication required.",
            CmdError::NotInMulti => "Command not allowed inside a transaction",
            CmdError::SubscribedContext(name) => {
                return format!(
                    "Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                )
                .into()
            }
            CmdError::Oom => "command not allowed when used memory > 'maxmemory'.",
            CmdError::Misconf => MISCONF,
            CmdError::ExecAbortPrevious => "Transaction discarded because of previous errors.",
            // The inner error as Redis words it: an `ERR` code is dropped.
            CmdError::ExecAbort(inner) if inner.code() == "ERR" => {
                return format!("Transaction discarded because of: {}", inner.message()).into()
            }
            CmdError::ExecAbort(inner) => return format!("Transaction discarded because of: {inner}").into(),
            CmdError::Coded { msg, .. } => return Cow::Borrowed(msg),
            CmdError::Line(line) => return Cow::Borrowed(line.split_once(' ').map_or("", |(_, m)| m)),
        };
        Cow::Borrowed(text)
    }
}

/// The MISCONF message (after its code).
const MISCONF: &str = "Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Line(line) => f.write_str(line),
            _ => write!(f, "{} {}", self.code(), self.message()),
        }
    }
}

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
                CmdError::UnknownSubcommand { sub: b"foo"[..].into(), command: "CLIENT".into() },
                "ERR unknown subcommand 'foo'. Try CLIENT HELP.",
            ),
            (
                CmdError::UnknownCommand { name: b"foo"[..].into(), args: b"'a' 'b' "[..].into() },
                "ERR unknown command 'foo', with args beginning with: 'a' 'b' ",
            ),
            (CmdError::NoAuth, "NOAUTH Authentication required."),
            (CmdError::Oom, "OOM command not allowed when used memory > 'maxmemory'."),
            (
                CmdError::ExecAbort(Box::new(CmdError::Oom)),
                "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.",
            ),
            (CmdError::coded("BUSYKEY", "Target key name already exists."), "BUSYKEY Target key name already exists."),
        ] {
            assert_eq!(e.to_string(), want);
        }
        assert_eq!(CmdError::WrongType.code(), "WRONGTYPE");
        assert_eq!(CmdError::err("x").code(), "ERR");
        assert_eq!(CmdError::Misconf.code(), "MISCONF");
        let e = CmdError::from_line(String::from("MYCODE my message"));
        assert_eq!((e.code(), e.to_string().as_str()), ("MYCODE", "MYCODE my message"));
        let e = CmdError::from_line("NOSCRIPT No matching script.");
        assert_eq!((e.code(), e.message()), ("NOSCRIPT", "No matching script.".into()));
        assert_eq!(CmdError::from_line("ODD").to_string(), "ODD");
        // Small enough that every handler's result stays cheap to return.
        assert!(std::mem::size_of::<crate::command::CmdResult>() <= 48);
    }
}
