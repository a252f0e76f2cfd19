//! SLOWLOG: the most recent commands that ran longer than
//! `slowlog-log-slower-than` microseconds.

use std::collections::VecDeque;

use ember_resp::Command;

use crate::client::Client;

/// Arguments kept per entry, as Redis (the last one says how many more).
const MAX_ARGS: usize = 32;
/// Bytes kept per argument.
const MAX_ARG_LEN: usize = 128;

/// One slow command.
pub struct Entry {
    /// Unique, increasing id.
    pub id: u64,
    /// Unix time in seconds.
    pub time: u64,
    /// Duration in microseconds.
    pub usec: u64,
    /// Arguments, possibly shortened.
    pub args: Vec<Vec<u8>>,
    /// Client address.
    pub addr: String,
    /// Client name.
    pub name: Vec<u8>,
}

/// The log, newest first.
#[derive(Default)]
pub struct SlowLog {
    /// Entries, newest at the front.
    pub entries: VecDeque<Entry>,
    next_id: u64,
}

impl SlowLog {
    /// Records a command.
    pub fn push(&mut self, now_ms: u64, usec: u64, cmd: &Command<'_>, client: &Client, max_len: usize) {
        let mut args: Vec<Vec<u8>> = Vec::new();
        for (i, a) in cmd.iter().enumerate() {
            if i == MAX_ARGS - 1 && cmd.len() > MAX_ARGS {
                args.push(format!("... ({} more arguments)", cmd.len() - MAX_ARGS + 1).into_bytes());
                break;
            }
            if a.len() > MAX_ARG_LEN {
                let mut v = a[..MAX_ARG_LEN].to_vec();
                v.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_ARG_LEN).as_bytes());
                args.push(v);
            } else {
                args.push(a.to_vec());
            }
        }
        self.entries.push_front(Entry {
            id: self.next_id,
            time: now_ms / 1000,
            usec,
            args,
            addr: client.addr.to_string(),
            name: client.name.clone().unwrap_or_default(),
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    /// SLOWLOG RESET.
    pub fn reset(&mut self) {
        self.entries.clear();
    }
}
