//! The command table: every command declared once ([`CommandSpec`]: name,
//! arity, flags, ACL categories, key specs, docs, handler), the
//! case-insensitive lookup dispatch uses ([`Registry`]), the argument
//! cursor handlers read with ([`Args`]), and what a handler sees
//! ([`Ctx`]) and returns ([`Outcome`]).
//!
//! COMMAND, COMMAND INFO / DOCS / LIST / GETKEYS / GETKEYSANDFLAGS and
//! docs/COMMANDS.md are all generated from this one table.

mod args;
pub mod keys;
mod registry;
pub mod spec;

pub use args::Args;

/// What a command family's module needs: the table's types and constants,
/// and what handlers use.
pub mod prelude {
    pub use super::keys::getkeys;
    pub use super::spec::flags::*;
    pub use super::spec::{acl, arg, ks, CommandSpec, KeySpec};
    pub use super::{Args, CmdResult, Ctx, Outcome, Replied};
    pub use crate::error::CmdError;
}
pub use registry::{registry, Registry};
pub use spec::{acl, arg, flags, ks, CommandSpec, Handler, KeySpec, KeysFn};

use ember_store::Db;

use crate::blocking::BlockRequest;
use crate::client::{Client, Out};
use crate::error::CmdError;
use crate::state::Shared;

/// What a handler sees: the server state, the calling client and the clock.
pub struct Ctx<'a> {
    /// Everything the server owns except the calling client.
    pub srv: &'a mut Shared,
    /// The calling client.
    pub client: &'a mut Client,
    /// Milliseconds since the epoch, fixed for the whole command.
    pub now_ms: u64,
}

impl Ctx<'_> {
    /// The reply writer.
    #[inline]
    pub fn out(&mut self) -> &mut Out {
        &mut self.client.out
    }
    /// The client's selected database.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        self.srv.store.db(self.client.db)
    }
    /// Records a change to the dataset (for save points and INFO).
    #[inline]
    pub fn dirty(&mut self, n: u64) {
        self.srv.dirty += n;
    }
    /// Keyspace notification: `event` happened to `key` in the client's
    /// database. One test when notifications of `class` are off (the
    /// default); see `pubsub::notify`.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.srv.notify_mask & class != 0 {
            let db = self.client.db;
            crate::pubsub::notify(self.srv, Some(&mut *self.client), class, event, key, db);
        }
    }
    /// [`notify`](Self::notify) for a key in another database (MOVE, COPY).
    #[inline]
    pub fn notify_db(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        if self.srv.notify_mask & class != 0 {
            crate::pubsub::notify(self.srv, Some(&mut *self.client), class, event, key, db);
        }
    }
    /// Whether this command may block (not inside MULTI/EXEC or a script,
    /// nor for a client that never blocks).
    #[inline]
    pub fn may_block(&self) -> bool {
        !self.client.in_exec && !self.client.never_blocks
    }
}

/// What a handler did, when it did not fail.
#[derive(Debug)]
pub enum Outcome {
    /// It wrote its reply.
    Replied,
    /// It found nothing to serve: the client waits on these keys (or for
    /// this deadline) and the command runs again when one is touched.
    /// (Boxed: blocking is rare, and every handler returns an `Outcome`.)
    Block(Box<BlockRequest>),
}

impl Outcome {
    /// Waits as `req` says.
    pub fn block(req: BlockRequest) -> Outcome {
        Outcome::Block(Box::new(req))
    }
}

pub use Outcome::Replied;

/// What a handler returns: what it did, or the error that is its reply.
pub type CmdResult = Result<Outcome, CmdError>;

/// ASCII case-insensitive comparison of an argument with an option name.
#[inline]
pub fn is(arg: &[u8], option: &str) -> bool {
    arg.eq_ignore_ascii_case(option.as_bytes())
}

pub use ember_num::{parse_f64, parse_i64};

/// [`parse_i64`] with Redis's "not an integer" error.
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// [`parse_f64`] with Redis's "not a valid float" error.
pub fn float_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// Lossy text of an argument, for error messages.
pub fn lossy(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}
