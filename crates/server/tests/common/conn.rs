//! A tiny blocking RESP client built on `ember_resp::FrameDecoder`, and the
//! test-line syntax the tests write commands in.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use ember_resp::{Frame, FrameDecoder, Limits};

use super::{show, strings};

/// How long a test waits for one reply before calling the server hung. The
/// tests run the unoptimised build, where a foreground SAVE of 60 MB or a
/// 512 MB SETRANGE takes seconds, and a shared 2-core machine running other
/// builds can stretch that several times over.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

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

/// `read` that retries when a signal interrupts it. On Linux a socket read
/// with a timeout (SO_RCVTIMEO) fails with EINTR when the process is
/// stopped and continued, even without any signal handler; that is no
/// answer from the server.
pub fn read_retrying(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
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
        let stream = connect_retrying(port).unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
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
            let n = read_retrying(&mut self.stream, &mut chunk)?;
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
            let got = read_retrying(&mut self.stream, &mut chunk).expect("read");
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
        let deadline = Instant::now() + wait;
        let mut b = [0u8; 1];
        let quiet = loop {
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            self.stream.set_read_timeout(Some(left)).unwrap();
            match self.stream.read(&mut b) {
                Ok(0) => break false,
                Ok(_) => {
                    self.buf.extend_from_slice(&b);
                    break false;
                }
                // Interrupted before the wait was over: wait the rest.
                Err(e) if e.kind() == io::ErrorKind::Interrupted && Instant::now() < deadline => continue,
                Err(_) => break true,
            }
        };
        self.stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        quiet && self.buf.is_empty()
    }

    /// Half-closes the write side.
    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// `TcpStream::connect` to 127.0.0.1:`port`, again if a signal interrupts it.
pub fn connect_retrying(port: u16) -> io::Result<TcpStream> {
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
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
