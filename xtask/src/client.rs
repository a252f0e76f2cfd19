//! A minimal blocking RESP client for the xtask scenarios: enough for the
//! simple replies they read (+OK, :n, $n, -ERR).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;

/// Encodes a command as a RESP multibulk into `out`.
pub fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Sends one command and reads one reply line-wise (enough for the simple
/// replies the scenarios use: +OK, :n, $n).
pub fn command(stream: &mut BufReader<TcpStream>, args: &[&[u8]]) -> Result<String> {
    let mut req = Vec::new();
    encode(&mut req, args);
    stream.get_mut().write_all(&req)?;
    read_reply(stream)
}

/// Reads one reply (simple line, or a bulk string's payload).
pub fn read_reply(stream: &mut BufReader<TcpStream>) -> Result<String> {
    let mut line = String::new();
    stream.read_line(&mut line)?;
    if let Some(n) = line.strip_prefix('$') {
        let n: i64 = n.trim().parse()?;
        if n >= 0 {
            let mut body = vec![0u8; n as usize + 2];
            stream.read_exact(&mut body)?;
            return Ok(String::from_utf8_lossy(&body[..n as usize]).into_owned());
        }
    }
    Ok(line.trim_end().to_string())
}

/// Connects to 127.0.0.1:`port`.
pub fn connect(port: u16) -> Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_nodelay(true)?;
    Ok(BufReader::new(s))
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
