//! `cargo xtask mem`: memory per key, ember vs redis-server.
//!
//! Each server starts empty (no persistence); the scenario records its RSS,
//! loads N keys through pipelined commands, and reports (RSS after - RSS
//! before) / N and INFO used_memory / N.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::client::{command, connect, encode, read_reply};

/// What to load.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// `key:NNNNNNNN` -> 16-byte value.
    Strings,
    /// The same with a TTL on every key.
    StringsWithTtl,
    /// `hash:NNNNNNNN` with 10 small fields.
    SmallHashes,
    /// `list:NNNNNNNN` with 10 small elements.
    SmallLists,
    /// `set:NNNNNNNN` with 10 small (non-integer) members.
    SmallSets,
    /// One stream, one `XADD stream * field1 value1 field2 NNNNNNNN` per
    /// "key" (figures are per entry).
    StreamEntries,
}

fn rss_bytes(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .context("VmRSS")?
        .parse()?;
    Ok(kb * 1024)
}

fn used_memory(conn: &mut std::io::BufReader<std::net::TcpStream>) -> Result<u64> {
    let info = command(conn, &[b"INFO", b"memory"])?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .context("used_memory")?
        .trim()
        .parse()
        .context("used_memory value")
}

/// Loads `keys` keys of `shape` into a fresh server and returns
/// (RSS bytes per key, used_memory bytes per key).
pub fn measure(binary: &Path, port: u16, keys: usize, shape: Shape) -> Result<(f64, f64)> {
    let mut child = Command::new(binary)
        .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let pid = child.id();
    let result = (|| {
        let t = Instant::now();
        let mut conn = loop {
            match connect(port) {
                Ok(c) => break c,
                Err(_) if t.elapsed() < Duration::from_secs(10) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => bail!("{} did not start: {e}", binary.display()),
            }
        };
        let rss0 = rss_bytes(pid)?;
        let used0 = used_memory(&mut conn)?;
        let batch = 1000;
        let value = [b'v'; 16];
        let mut sent = 0;
        while sent < keys {
            let n = batch.min(keys - sent);
            let mut req = Vec::with_capacity(n * 80);
            for i in sent..sent + n {
                match shape {
                    Shape::Strings => {
                        let key = format!("key:{i:08}");
                        encode(&mut req, &[b"SET", key.as_bytes(), &value]);
                    }
                    Shape::StringsWithTtl => {
                        let key = format!("key:{i:08}");
                        encode(&mut req, &[b"SET", key.as_bytes(), &value, b"EX", b"100000"]);
                    }
                    Shape::SmallHashes => {
                        let key = format!("hash:{i:08}");
                        let mut args: Vec<Vec<u8>> = vec![b"HSET".to_vec(), key.into_bytes()];
                        for f in 0..10 {
                            args.push(format!("field{f}").into_bytes());
                            args.push(format!("value{f}").into_bytes());
                        }
                        let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                        encode(&mut req, &refs);
                    }
                    Shape::StreamEntries => {
                        let v = format!("{i:08}");
                        encode(&mut req, &[b"XADD", b"stream", b"*", b"field1", b"value1", b"field2", v.as_bytes()]);
                    }
                    Shape::SmallLists | Shape::SmallSets => {
                        let (cmd, prefix): (&[u8], &str) =
                            if matches!(shape, Shape::SmallLists) { (b"RPUSH", "list") } else { (b"SADD", "set") };
                        let key = format!("{prefix}:{i:08}");
                        let members: Vec<String> = (0..10).map(|m| format!("member{m}")).collect();
                        let mut refs: Vec<&[u8]> = vec![cmd, key.as_bytes()];
                        refs.extend(members.iter().map(|m| m.as_bytes()));
                        encode(&mut req, &refs);
                    }
                }
            }
            conn.get_mut().write_all(&req)?;
            for _ in 0..n {
                let r = read_reply(&mut conn)?;
                if r.starts_with('-') {
                    bail!("{} refused a write: {r}", binary.display());
                }
            }
            sent += n;
        }
        std::thread::sleep(Duration::from_millis(200));
        let rss1 = rss_bytes(pid)?;
        let used1 = used_memory(&mut conn)?;
        Ok((rss1.saturating_sub(rss0) as f64 / keys as f64, used1.saturating_sub(used0) as f64 / keys as f64))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}
