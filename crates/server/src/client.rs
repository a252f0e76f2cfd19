//! One connected client: its socket, input buffer and decoder, reply buffer,
//! and the per-connection state commands read and change (db, protocol,
//! name, authentication, reply mode).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use bytes::BytesMut;
use ember_resp::{encode, CommandDecoder, Protocol};

/// A client's socket: TCP, or a Unix domain socket (`unixsocket`).
#[derive(Debug)]
pub enum Stream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix domain socket connection.
    Unix(UnixStream),
}

impl Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).read(buf),
            Stream::Unix(s) => (&*s).read(buf),
        }
    }
}

impl Write for &Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => (&*s).write(buf),
            Stream::Unix(s) => (&*s).write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Stream::Tcp(s) => s.as_fd(),
            Stream::Unix(s) => s.as_fd(),
        }
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

/// A client's address: an IP address and port, or the path of the Unix
/// socket it came through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    /// TCP peer or local address.
    Tcp(SocketAddr),
    /// The server's Unix socket path.
    Unix(Arc<str>),
}

impl Addr {
    /// Whether the client is on this host (loopback TCP or a Unix socket):
    /// protected mode and `enable-*-command local` let it in.
    pub fn is_local(&self) -> bool {
        match self {
            Addr::Tcp(a) => a.ip().is_loopback(),
            Addr::Unix(_) => true,
        }
    }

    /// The form MONITOR prints (`127.0.0.1:5000`, `unix:/tmp/redis.sock`).
    pub fn monitor_form(&self) -> String {
        match self {
            Addr::Tcp(a) => a.to_string(),
            Addr::Unix(p) => format!("unix:{p}"),
        }
    }
}

/// `127.0.0.1:5000`, or a Unix socket as Redis shows it (`/tmp/redis.sock:0`).
impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Tcp(a) => write!(f, "{a}"),
            Addr::Unix(p) => write!(f, "{p}:0"),
        }
    }
}

/// Initial read buffer capacity, and the size of one read.
pub const READ_CHUNK: usize = 16 * 1024;

/// Reply writer: RESP encoding into the client's output buffer in the
/// protocol the client negotiated (HELLO 2 or 3).
pub struct Out {
    /// Pending reply bytes, written to the socket before the loop sleeps.
    pub buf: BytesMut,
    /// Protocol version in use.
    pub proto: Protocol,
}

impl Out {
    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }
    /// A simple string (`+...`).
    pub fn simple(&mut self, s: &str) {
        encode::simple(&mut self.buf, s.as_bytes());
    }
    /// An error line (`-...`); `text` starts with its code.
    pub fn error(&mut self, text: &str) {
        encode::error(&mut self.buf, text.as_bytes());
    }
    /// An integer.
    pub fn int(&mut self, n: i64) {
        encode::integer(&mut self.buf, n);
    }
    /// A bulk string.
    pub fn bulk(&mut self, b: &[u8]) {
        encode::bulk(&mut self.buf, b);
    }
    /// A bulk string holding the decimal form of `n`.
    pub fn bulk_int(&mut self, n: i64) {
        let mut tmp = [0u8; ember_num::INT_BUF_LEN];
        self.bulk(ember_num::format_i64(n, &mut tmp));
    }
    /// The null reply (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) {
        encode::null(&mut self.buf, self.proto);
    }
    /// The null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) {
        encode::null_array(&mut self.buf, self.proto);
    }
    /// An array header of `n` elements.
    pub fn array(&mut self, n: usize) {
        encode::array_len(&mut self.buf, n);
    }
    /// A map header of `n` pairs (a flat array of 2n in RESP2).
    pub fn map(&mut self, n: usize) {
        encode::map_len(&mut self.buf, n, self.proto);
    }
    /// A set header (an array in RESP2).
    pub fn set(&mut self, n: usize) {
        encode::set_len(&mut self.buf, n, self.proto);
    }
    /// A push header (an array in RESP2).
    pub fn push(&mut self, n: usize) {
        encode::push_len(&mut self.buf, n, self.proto);
    }
    /// A double as Redis 7.0 writes one (`%.17g`; a bulk string in RESP2).
    pub fn double(&mut self, d: f64) {
        encode::double(&mut self.buf, d, self.proto);
    }
    /// A boolean (integer 1/0 in RESP2).
    pub fn boolean(&mut self, b: bool) {
        encode::boolean(&mut self.buf, b, self.proto);
    }
    /// A verbatim string (`=` with a 3-letter format in RESP3, bulk in RESP2).
    pub fn verbatim(&mut self, data: &[u8]) {
        encode::verbatim(&mut self.buf, *b"txt", data, self.proto);
    }
}

/// CLIENT REPLY state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// Replies are discarded.
    Off,
    /// The next command's reply is discarded.
    Skip,
    /// Set while executing the command whose reply SKIP discards.
    SkipThis,
}

/// Connection state visible to commands.
pub struct Client {
    /// Unique, increasing id (CLIENT ID).
    pub id: u64,
    /// The socket (`None` for the scripting engine's own client, which
    /// has no connection).
    pub stream: Option<Stream>,
    /// Peer address.
    pub addr: Addr,
    /// Local address.
    pub laddr: Addr,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
    /// Selected database.
    pub db: usize,
    /// Reply buffer.
    pub out: Out,
    /// Passed AUTH (or no password is needed).
    pub authenticated: bool,
    /// Creation time, ms since the epoch.
    pub created_ms: u64,
    /// Last command time, ms since the epoch.
    pub last_interaction_ms: u64,
    /// Name of the last command run (CLIENT LIST `cmd=`).
    pub last_cmd: &'static str,
    /// Close once the output buffer is written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// Close as soon as possible (CLIENT KILL).
    pub close_asap: bool,
    /// In MONITOR mode.
    pub monitor: bool,
    /// CLIENT REPLY mode.
    pub reply_mode: ReplyMode,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// Already queued for the pending-writes pass.
    pub pending_write: bool,
    /// EPOLLOUT is registered because the kernel buffer was full.
    pub write_registered: bool,
    /// The epoll token (slab index and generation).
    pub token: u64,
    /// Inside MULTI: the queued commands, as received.
    pub multi: Option<Multi>,
    /// Running the commands of EXEC (blocking commands do not block).
    pub in_exec: bool,
    /// Blocking commands never block for this client (an in-process
    /// engine's default session): they answer as inside MULTI.
    pub never_blocks: bool,
    /// WATCHed keys.
    pub watched: Vec<(usize, Vec<u8>)>,
    /// Waiting in a blocking command.
    pub blocked: Option<crate::blocking::Blocked>,
    /// Pub/Sub subscriptions (`None`: subscribed to nothing).
    pub subs: Option<Box<crate::pubsub::ClientSubs>>,
    /// When the output first went over the soft output buffer limit
    /// (ms since the epoch; 0: it is not over it).
    pub obuf_soft_since_ms: u64,
    /// The ids a blocked XREAD / XREADGROUP waits past (`$` resolved when
    /// it blocked), one per stream key.
    pub xread_ids: Vec<ember_store::types::stream::StreamId>,
}

/// A transaction being queued (MULTI ... EXEC).
#[derive(Debug)]
pub struct Multi {
    /// Raw bytes of each queued command.
    pub queued: Vec<Vec<u8>>,
    /// A command was refused while queueing: EXEC aborts.
    pub aborted: bool,
    /// The flags of any queued command (EXEC writes if one of them does).
    pub flags_any: u64,
    /// The flags every queued command has (EXEC may run while loading only
    /// if all of them may).
    pub flags_all: u64,
}

impl Default for Multi {
    fn default() -> Multi {
        Multi { queued: Vec::new(), aborted: false, flags_any: 0, flags_all: u64::MAX }
    }
}

impl Client {
    /// A client for a freshly accepted socket.
    pub fn new(id: u64, stream: Stream, addr: Addr, now_ms: u64, authenticated: bool) -> Client {
        let laddr = match (&stream, &addr) {
            (Stream::Tcp(s), Addr::Tcp(a)) => Addr::Tcp(s.local_addr().unwrap_or(*a)),
            _ => addr.clone(),
        };
        Client::with_stream(id, Some(stream), addr, laddr, now_ms, authenticated)
    }

    /// The client a script's `redis.call` runs commands as: no socket,
    /// authenticated, never in the client list, and `in_exec` so blocking
    /// commands do not block.
    pub fn detached(id: u64, now_ms: u64) -> Client {
        let addr = Addr::Tcp(SocketAddr::from(([0, 0, 0, 0], 0)));
        let mut c = Client::with_stream(id, None, addr.clone(), addr, now_ms, true);
        c.in_exec = true;
        c
    }

    fn with_stream(
        id: u64,
        stream: Option<Stream>,
        addr: Addr,
        laddr: Addr,
        now_ms: u64,
        authenticated: bool,
    ) -> Client {
        Client {
            id,
            stream,
            addr,
            laddr,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            out: Out { buf: BytesMut::new(), proto: Protocol::Resp2 },
            authenticated,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL",
            close_after_reply: false,
            close_asap: false,
            monitor: false,
            reply_mode: ReplyMode::On,
            no_evict: false,
            pending_write: false,
            write_registered: false,
            token: 0,
            multi: None,
            in_exec: false,
            never_blocks: false,
            watched: Vec::new(),
            blocked: None,
            subs: None,
            obuf_soft_since_ms: 0,
            xread_ids: Vec::new(),
        }
    }

    /// The raw file descriptor (-1 for a detached client).
    pub fn fd(&self) -> i32 {
        self.stream.as_ref().map_or(-1, |s| s.as_raw_fd())
    }

    /// One line of CLIENT LIST / CLIENT INFO, in Redis's field order.
    pub fn info_line(&self, now_ms: u64, qbuf: usize, qbuf_free: usize) -> String {
        let flags = {
            let mut f = String::new();
            if self.monitor {
                f.push('O');
            }
            if self.subs.is_some() {
                f.push('P');
            }
            if self.close_after_reply {
                f.push('c');
            }
            if matches!(self.stream, Some(Stream::Unix(_))) {
                f.push('U');
            }
            if self.no_evict {
                f.push('e');
            }
            if self.blocked.is_some() {
                f.push('b');
            }
            if self.multi.is_some() {
                f.push('x');
            }
            if f.is_empty() {
                f.push('N');
            }
            f
        };
        let name = self.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
        let lib_name = self.lib_name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
        let lib_ver = self.lib_ver.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp={} obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd(),
            name,
            now_ms.saturating_sub(self.created_ms) / 1000,
            now_ms.saturating_sub(self.last_interaction_ms) / 1000,
            flags,
            self.db,
            self.subs.as_ref().map_or(0, |s| s.channels.len()),
            self.subs.as_ref().map_or(0, |s| s.patterns.len()),
            self.subs.as_ref().map_or(0, |s| s.shard.len()),
            self.multi.as_ref().map_or(-1, |m| m.queued.len() as i64),
            qbuf,
            qbuf_free,
            qbuf + qbuf_free,
            qbuf,
            self.out.buf.len(),
            qbuf + qbuf_free + self.out.buf.capacity(),
            self.last_cmd,
            match self.out.proto {
                Protocol::Resp2 => 2,
                Protocol::Resp3 => 3,
            },
            lib_name,
            lib_ver,
        )
    }
}

/// The input side of a connection, kept apart from [`Client`] so a command
/// can borrow its arguments from the read buffer while it changes the
/// client.
pub struct Input {
    /// Bytes read and not yet consumed by complete commands.
    pub rbuf: BytesMut,
    /// Resumable RESP command decoder.
    pub decoder: CommandDecoder,
}

/// A slab entry: a client and its input.
pub struct Slot {
    /// Connection state.
    pub client: Client,
    /// Read side.
    pub input: Input,
}
