//! Test harness shared by the integration tests: start ember (and, when it is
//! installed, a real `redis-server`) on ephemeral ports, and talk RESP to them
//! with a tiny blocking client built on `ember_resp::FrameDecoder`.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
pub use ember_resp::Frame;
use ember_resp::{FrameDecoder, Limits};

/// How long a test waits for one reply before calling the server hung. The
/// tests run the unoptimised build, where a foreground SAVE of 60 MB or a
/// 512 MB SETRANGE takes seconds, and a shared 2-core machine running other
/// builds can stretch that several times over.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Which server a [`Server`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// ember, the binary under test.
    Ember,
    /// The reference `redis-server`.
    Redis,
}

/// A running server process, killed on drop.
pub struct Server {
    child: Option<Child>,
    /// The TCP port it listens on (127.0.0.1).
    pub port: u16,
    /// ember or redis.
    pub kind: Kind,
    /// Its working directory (removed on drop unless the test supplied it).
    pub dir: PathBuf,
    /// Whether `dir` belongs to this server (and is removed on drop).
    owns_dir: bool,
}

/// Asks the kernel for a free port: bind port 0, read the port, release it.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

static DIR_SEQ: AtomicUsize = AtomicUsize::new(0);

pub fn scratch_dir(tag: &str) -> PathBuf {
    let n = DIR_SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ember-test-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Where `redis-server` is, if it is on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

/// Whether the server on `stream` is process `pid` (INFO's `process_id`);
/// `None` when it does not say (it wants a password first).
fn served_by(mut stream: TcpStream, pid: u32) -> Option<bool> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while !got.windows(11).any(|w| w == b"process_id:") || !got.ends_with(b"\r\n\r\n") {
        if got.first() == Some(&b'-') && got.ends_with(b"\r\n") {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        got.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    Some(text.contains(&format!("process_id:{pid}\r\n")))
}

impl Server {
    /// Starts ember with the standard test options plus `extra`
    /// (`["--maxclients", "2"]`, ...).
    pub fn ember(extra: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_ember-server");
        Server::spawn(Kind::Ember, bin.as_ref(), extra)
    }

    /// Starts `redis-server` with the standard test options plus `extra`, or
    /// prints a skip line and returns `None` if it is not installed.
    pub fn redis(extra: &[&str]) -> Option<Server> {
        match which("redis-server") {
            Some(bin) => Some(Server::spawn(Kind::Redis, &bin, extra)),
            None => {
                eprintln!("redis-server not found: skipping differential comparison");
                None
            }
        }
    }

    fn spawn(kind: Kind, bin: &std::path::Path, extra: &[&str]) -> Server {
        let dir = scratch_dir(if kind == Kind::Ember { "ember" } else { "redis" });
        Server::spawn_in(kind, bin, dir, true, None, extra)
    }

    /// Starts ember with a config file (given first, as redis-server takes
    /// it), the standard test options and `extra`, which override it.
    pub fn ember_with_config(conf: &std::path::Path, extra: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_ember-server");
        Server::spawn_in(Kind::Ember, bin.as_ref(), scratch_dir("ember"), true, Some(conf), extra)
    }

    /// Starts `redis-server` like [`Server::ember_with_config`], if it is
    /// installed.
    pub fn redis_with_config(conf: &std::path::Path, extra: &[&str]) -> Option<Server> {
        let bin = which("redis-server")?;
        Some(Server::spawn_in(Kind::Redis, &bin, scratch_dir("redis"), true, Some(conf), extra))
    }

    /// Starts ember in `dir` (a test-owned directory that outlives the
    /// server, for restart tests), with `extra` options.
    pub fn ember_in(dir: &std::path::Path, extra: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_ember-server");
        Server::spawn_in(Kind::Ember, bin.as_ref(), dir.to_path_buf(), false, None, extra)
    }

    /// Starts redis-server in `dir` (kept after it stops), if installed.
    pub fn redis_in(dir: &std::path::Path, extra: &[&str]) -> Option<Server> {
        let bin = which("redis-server")?;
        Some(Server::spawn_in(Kind::Redis, &bin, dir.to_path_buf(), false, None, extra))
    }

    fn spawn_in(
        kind: Kind,
        bin: &std::path::Path,
        dir: PathBuf,
        owns_dir: bool,
        conf: Option<&std::path::Path>,
        extra: &[&str],
    ) -> Server {
        let mut last_err = String::new();
        for _attempt in 0..8 {
            let port = free_port();
            let port_s = port.to_string();
            let mut cmd = Command::new(bin);
            cmd.args(conf);
            cmd.args(["--port", &port_s, "--bind", "127.0.0.1", "--save", "", "--enable-debug-command", "yes"]);
            cmd.args(["--dir", dir.to_str().unwrap()]);
            if kind == Kind::Redis {
                cmd.args(["--appendonly", "no", "--daemonize", "no", "--logfile", ""]);
            }
            cmd.args(extra);
            cmd.current_dir(&dir).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            let mut child = match cmd.spawn() {
                Ok(c) => c,
                Err(e) => panic!("cannot spawn {}: {e}", bin.display()),
            };
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last_err = format!("exited early with {status} (port {port} taken?)");
                    break;
                }
                if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
                    // Another test's server may hold the port this child
                    // failed to bind: only a server that is this child counts.
                    match served_by(stream, child.id()) {
                        Some(false) => {
                            let _ = child.kill();
                            let _ = child.wait();
                            last_err = format!("port {port} is another server's");
                            break;
                        }
                        _ if matches!(child.try_wait(), Ok(None)) => {
                            return Server { child: Some(child), port, kind, dir, owns_dir };
                        }
                        _ => continue,
                    }
                }
                if Instant::now() > deadline {
                    last_err = "did not accept connections within 20s".into();
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        panic!("{kind:?} server failed to start: {last_err}");
    }

    /// A new connection to this server.
    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Kills the process with SIGKILL (no chance to save) and reaps it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut()?;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Splits a test command line into arguments: whitespace separated, with
/// `"..."` quoting supporting `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH`.
pub fn args(line: &str) -> Vec<Vec<u8>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut cur = Vec::new();
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                    match b[i] {
                        b'n' => cur.push(b'\n'),
                        b'r' => cur.push(b'\r'),
                        b't' => cur.push(b'\t'),
                        b'x' => {
                            let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                            cur.push(u8::from_str_radix(h, 16).unwrap());
                            i += 2;
                        }
                        c => cur.push(c),
                    }
                } else {
                    cur.push(b[i]);
                }
                i += 1;
            }
            assert!(i < b.len(), "unbalanced quotes in test line {line:?}");
            i += 1;
        } else {
            while i < b.len() && b[i] != b' ' {
                cur.push(b[i]);
                i += 1;
            }
        }
        out.push(cur);
    }
    out
}

/// Encodes a command as a RESP multibulk.
pub fn encode_cmd<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        let a = a.as_ref();
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// A blocking RESP client.
pub struct Conn {
    /// The socket.
    pub stream: TcpStream,
    buf: BytesMut,
    decoder: FrameDecoder,
}

impl Conn {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        Conn::from_stream(stream)
    }

    /// Wraps a connected stream.
    pub fn from_stream(stream: TcpStream) -> Conn {
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        let limits = Limits { max_bulk_len: u64::MAX, max_inline_len: usize::MAX / 2, ..Limits::default() };
        Conn { stream, buf: BytesMut::new(), decoder: FrameDecoder::new(limits) }
    }

    /// Wraps a connected Unix domain socket. The reads, writes and timeouts
    /// a `Conn` uses are the same socket calls for both kinds, so the
    /// descriptor is held as a `TcpStream` (only TCP-specific calls such as
    /// `local_addr` would fail on it).
    pub fn from_unix(stream: std::os::unix::net::UnixStream) -> Conn {
        let stream = TcpStream::from(std::os::fd::OwnedFd::from(stream));
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        let limits = Limits { max_bulk_len: u64::MAX, max_inline_len: usize::MAX / 2, ..Limits::default() };
        Conn { stream, buf: BytesMut::new(), decoder: FrameDecoder::new(limits) }
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends a command without reading its reply.
    pub fn send<A: AsRef<[u8]>>(&mut self, argv: &[A]) {
        self.send_raw(&encode_cmd(argv));
    }

    /// Sends a command and reads its reply.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Frame {
        self.send(argv);
        self.read()
    }

    /// Sends a command written as one test line (see [`args`]) and reads its reply.
    pub fn run(&mut self, line: &str) -> Frame {
        self.cmd(&args(line))
    }

    /// Reads one reply; panics on timeout, EOF or a protocol error.
    pub fn read(&mut self) -> Frame {
        match self.try_read() {
            Ok(Some(f)) => f,
            Ok(None) => panic!("connection closed while waiting for a reply"),
            Err(e) => panic!("no reply: {e}"),
        }
    }

    /// Reads one reply: `Ok(None)` on a clean EOF.
    pub fn try_read(&mut self) -> io::Result<Option<Frame>> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(f)) => return Ok(Some(f)),
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}"))),
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads exactly `n` raw bytes (buffered bytes first).
    pub fn read_exact_raw(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            let mut chunk = [0u8; 64 * 1024];
            let got = self.stream.read(&mut chunk).expect("read");
            assert!(got > 0, "EOF after {:?}", String::from_utf8_lossy(&self.buf));
            self.buf.extend_from_slice(&chunk[..got]);
        }
        self.buf.split_to(n).to_vec()
    }

    /// Reads raw bytes until the peer closes (or `timeout` passes: then
    /// `closed` is false).
    pub fn read_until_close(&mut self, timeout: Duration) -> (Vec<u8>, bool) {
        let mut all = self.buf.split().to_vec();
        let deadline = Instant::now() + timeout;
        self.stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let closed = loop {
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => break true,
                Ok(n) => all.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break true,
                Err(_) => {}
            }
            if Instant::now() > deadline {
                break false;
            }
        };
        self.stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        (all, closed)
    }

    /// True if the server closes the connection within `timeout`, with no
    /// more bytes sent.
    pub fn closes_within(&mut self, timeout: Duration) -> bool {
        let (bytes, closed) = self.read_until_close(timeout);
        assert!(bytes.is_empty(), "unexpected bytes before close: {:?}", String::from_utf8_lossy(&bytes));
        closed
    }

    /// True if nothing arrives within `wait` (the connection stays open and quiet).
    pub fn is_quiet(&mut self, wait: Duration) -> bool {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut b = [0u8; 1];
        let quiet = match self.stream.read(&mut b) {
            Ok(0) => false,
            Ok(_) => {
                self.buf.extend_from_slice(&b);
                false
            }
            Err(_) => true,
        };
        self.stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        quiet && self.buf.is_empty()
    }

    /// Half-closes the write side.
    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// Reply constructors for expectations.
pub fn ok() -> Frame {
    Frame::simple("OK")
}
/// A simple string.
pub fn simple(s: &str) -> Frame {
    Frame::Simple(s.as_bytes().to_vec().into())
}
/// An error reply.
pub fn err(s: &str) -> Frame {
    Frame::Error(s.as_bytes().to_vec().into())
}
/// A bulk string.
pub fn bulk(s: impl AsRef<[u8]>) -> Frame {
    Frame::Bulk(s.as_ref().to_vec().into())
}
/// An integer.
pub fn int(i: i64) -> Frame {
    Frame::Integer(i)
}
/// An array.
pub fn arr(items: Vec<Frame>) -> Frame {
    Frame::Array(items)
}
/// An array of bulks.
pub fn bulks(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(bulk).collect())
}

/// Renders a frame compactly for failure messages.
pub fn show(f: &Frame) -> String {
    fn b(x: &[u8]) -> String {
        let s = String::from_utf8_lossy(x);
        if s.len() > 200 {
            format!("{:?}...({} bytes)", &s[..200.min(s.len())], x.len())
        } else {
            format!("{s:?}")
        }
    }
    match f {
        Frame::Simple(s) => format!("+{}", String::from_utf8_lossy(s)),
        Frame::Error(s) => format!("-{}", String::from_utf8_lossy(s)),
        Frame::Integer(i) => format!(":{i}"),
        Frame::Bulk(x) => b(x),
        Frame::Null => "_".into(),
        Frame::NullBulk => "$-1".into(),
        Frame::NullArray => "*-1".into(),
        Frame::Array(v) if v.len() > 40 => {
            format!("[{} ... ({} items)]", v.iter().take(5).map(show).collect::<Vec<_>>().join(", "), v.len())
        }
        Frame::Array(v) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Frame::Set(v) => format!("~{{{}}}", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Frame::Push(v) => format!(">[{}]", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Frame::Map(v) => {
            format!(
                "%{{{}}}",
                v.iter().map(|(k, v)| format!("{}: {}", show(k), show(v))).collect::<Vec<_>>().join(", ")
            )
        }
        Frame::Double(d) => format!(",{d}"),
        Frame::Boolean(x) => format!("#{x}"),
        Frame::BigNumber(x) => format!("({}", String::from_utf8_lossy(x)),
        Frame::Verbatim { format, data } => format!("={}:{}", String::from_utf8_lossy(format), b(data)),
        Frame::BlobError(x) => format!("!{}", b(x)),
        Frame::Attribute { value, .. } => format!("|{}", show(value)),
    }
}

/// Flattens a reply's bulk/simple strings (for key lists).
pub fn strings(f: &Frame) -> Vec<Vec<u8>> {
    match f {
        Frame::Array(v) | Frame::Set(v) => v
            .iter()
            .map(|x| match x {
                Frame::Bulk(b) | Frame::Simple(b) => b.to_vec(),
                other => panic!("not a string: {}", show(other)),
            })
            .collect(),
        other => panic!("not an array: {}", show(other)),
    }
}

/// Runs a full SCAN iteration and returns the sorted set of keys seen
/// (`extra` is appended after the cursor, e.g. `MATCH k* COUNT 3`).
pub fn scan_all(c: &mut Conn, extra: &str) -> Result<Vec<Vec<u8>>, Frame> {
    let mut cursor = b"0".to_vec();
    let mut keys = Vec::new();
    let mut rounds = 0;
    loop {
        let mut argv = vec![b"SCAN".to_vec(), cursor.clone()];
        argv.extend(args(extra));
        let reply = c.cmd(&argv);
        let Frame::Array(parts) = &reply else { return Err(reply) };
        let Frame::Bulk(next) = &parts[0] else { panic!("bad cursor {}", show(&reply)) };
        keys.extend(strings(&parts[1]));
        cursor = next.to_vec();
        rounds += 1;
        assert!(rounds < 100_000, "SCAN does not terminate");
        if cursor == b"0" {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// A differential runner for the hash and set families (diff_hashes.rs,
/// diff_sets.rs): each line of a sequence goes to ember and to
/// redis-server, and the replies are compared after the line's mode.
///
/// A line may start with a mode and end with `=> <reply>` (ember's own
/// expectation in the compact form of [`show`], checked in RESP2 even
/// without redis-server). Modes:
/// - (none): exact equality;
/// - `!sort`: elements of an array / set / map compared as a sorted
///   multiset (map pairs by key);
/// - `!len`: same reply type and element count, and for nested arrays
///   (RESP3 HRANDFIELD pairs) the same inner counts (random replies);
/// - `!hscan <key> <opts>` / `!sscan <key> <opts>`: a whole HSCAN / SSCAN
///   iteration: same sorted items;
/// - `!ember`: sent to both, replies not compared (setup, ember-only
///   configuration, behaviour that follows Redis 7.2 rather than 7.0).
pub mod hs_diff {
    use super::{args, show, Conn, Frame, Server};

    /// Named sequences of test lines.
    pub type Sequences = Vec<(&'static str, Vec<&'static str>)>;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Mode {
        Exact,
        Sort,
        Len,
        HScan,
        SScan,
        Ember,
    }

    fn parse_line(line: &'static str) -> (Mode, &'static str, Option<&'static str>) {
        let (line, expect) = match line.rfind(" => ") {
            Some(i) => (&line[..i], Some(&line[i + 4..])),
            None => (line, None),
        };
        let Some(rest) = line.strip_prefix('!') else { return (Mode::Exact, line, expect) };
        let (m, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let mode = match m {
            "sort" => Mode::Sort,
            "len" => Mode::Len,
            "hscan" => Mode::HScan,
            "sscan" => Mode::SScan,
            "ember" => Mode::Ember,
            _ => panic!("unknown mode {m}"),
        };
        (mode, rest, expect)
    }

    /// Sorts the elements of an unordered reply (recursively for nothing:
    /// only the top level).
    pub fn sorted(f: &Frame) -> Frame {
        match f {
            Frame::Array(v) => {
                let mut v = v.clone();
                v.sort_by_key(show);
                Frame::Array(v)
            }
            Frame::Set(v) => {
                let mut v = v.clone();
                v.sort_by_key(show);
                Frame::Set(v)
            }
            Frame::Map(p) => {
                let mut p = p.clone();
                p.sort_by_key(|(k, _)| show(k));
                Frame::Map(p)
            }
            other => other.clone(),
        }
    }

    /// Type and element counts only (for random replies).
    pub fn shape(f: &Frame) -> String {
        match f {
            Frame::Array(v) | Frame::Set(v) => {
                let kind = if matches!(f, Frame::Set(_)) { "set" } else { "array" };
                let inner: Vec<String> = v
                    .iter()
                    .map(|x| match x {
                        Frame::Array(i) => format!("array{}", i.len()),
                        Frame::Bulk(_) => "bulk".into(),
                        other => show(other),
                    })
                    .collect();
                format!("{kind}{}[{}]", v.len(), inner.join(","))
            }
            Frame::Bulk(_) => "bulk".into(),
            other => show(other),
        }
    }

    fn scan_all(c: &mut Conn, command: &str, rest: &str) -> Frame {
        let mut parts = args(rest);
        let key = parts.remove(0);
        let mut cursor = b"0".to_vec();
        let mut items = Vec::new();
        let mut rounds = 0;
        loop {
            let mut argv = vec![command.as_bytes().to_vec(), key.clone(), cursor.clone()];
            argv.extend(parts.iter().cloned());
            let reply = c.cmd(&argv);
            let Frame::Array(v) = &reply else { return reply };
            let Frame::Bulk(next) = &v[0] else { panic!("bad cursor {}", show(&reply)) };
            let Frame::Array(got) = &v[1] else { panic!("bad items {}", show(&reply)) };
            if command == "HSCAN" {
                assert!(got.len() % 2 == 0, "odd HSCAN reply {}", show(&reply));
                items.extend(got.chunks(2).map(|c| Frame::Array(c.to_vec())));
            } else {
                items.extend(got.iter().cloned());
            }
            cursor = next.to_vec();
            rounds += 1;
            assert!(rounds < 100_000, "{command} does not terminate");
            if cursor == b"0" {
                break;
            }
        }
        items.sort_by_key(show);
        items.dedup();
        Frame::Array(items)
    }

    fn reply(c: &mut Conn, mode: Mode, line: &str) -> Frame {
        match mode {
            Mode::HScan => scan_all(c, "HSCAN", line),
            Mode::SScan => scan_all(c, "SSCAN", line),
            _ => c.cmd(&args(line)),
        }
    }

    fn fresh(server: &Server, resp3: bool) -> Conn {
        let mut c = server.conn();
        if resp3 {
            let r = c.run("HELLO 3");
            assert!(matches!(r, Frame::Map(_)), "HELLO 3 on {:?}: {}", server.kind, show(&r));
        }
        assert_eq!(c.run("FLUSHALL"), super::ok());
        c
    }

    /// Runs every sequence on both servers; returns the mismatches.
    pub fn run_all(ember: &Server, redis: Option<&Server>, resp3: bool, sequences: Sequences) -> Vec<String> {
        let mut problems = Vec::new();
        let proto = if resp3 { "RESP3" } else { "RESP2" };
        for (name, lines) in sequences {
            let mut e = fresh(ember, resp3);
            let mut r = redis.map(|s| fresh(s, resp3));
            for line in lines {
                let (mode, cmdline, expect) = parse_line(line);
                let got = reply(&mut e, mode, cmdline);
                if let Some(want) = expect {
                    if !resp3 && show(&got) != want {
                        problems
                            .push(format!("[{proto}] {name}: `{cmdline}`: ember {} but expected {want}", show(&got)));
                    }
                }
                let Some(r) = r.as_mut() else { continue };
                let theirs = reply(r, mode, cmdline);
                let same = match mode {
                    Mode::Ember => true,
                    Mode::Sort => sorted(&got) == sorted(&theirs),
                    Mode::Len => shape(&got) == shape(&theirs),
                    _ => got == theirs,
                };
                if !same {
                    problems.push(format!(
                        "[{proto}] {name}: `{cmdline}`\n      ember: {}\n      redis: {}",
                        show(&got),
                        show(&theirs)
                    ));
                }
            }
        }
        problems
    }

    /// Runs `sequences` in RESP2 then RESP3 against fresh servers started
    /// with `extra` options, and fails listing every mismatch.
    pub fn check(sequences: fn() -> Sequences, extra: &[&str]) {
        let ember = Server::ember(extra);
        let redis = Server::redis(extra);
        let mut problems = run_all(&ember, redis.as_ref(), false, sequences());
        problems.extend(run_all(&ember, redis.as_ref(), true, sequences()));
        for p in &problems {
            eprintln!("MISMATCH {p}");
        }
        assert!(problems.is_empty(), "{} mismatches between ember and redis (see above)", problems.len());
    }
}
