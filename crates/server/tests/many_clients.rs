//! Many connections at once, and slow peers beside fast ones.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{bulk, encode_cmd, ok, Conn, Frame, Server};

const THREADS: usize = 8;
const PER_THREAD: usize = 250;

/// Raises the soft open-files limit so 2000 sockets fit in this process.
fn raise_nofile() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let want = (THREADS * PER_THREAD + 500) as u64;
        if soft < want {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, want.min(hard), hard);
        }
    }
}

#[test]
fn two_thousand_simultaneous_connections() {
    raise_nofile();
    let s = Server::ember(&[]);
    let port = s.port;
    // Every thread first opens all of its connections; only when all 2000
    // are open does anyone send, so they really are simultaneous.
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conns: Vec<Conn> = (0..PER_THREAD).map(|_| Conn::connect(port)).collect();
                barrier.wait();
                // Round-robin: write to all, then read from all.
                for (i, c) in conns.iter_mut().enumerate() {
                    let key = format!("k:{t}:{i}");
                    let mut out = encode_cmd(&["SET", key.as_str(), key.as_str()]);
                    out.extend(encode_cmd(&["GET", key.as_str()]));
                    c.send_raw(&out);
                }
                for (i, c) in conns.iter_mut().enumerate() {
                    let key = format!("k:{t}:{i}");
                    assert_eq!(c.read(), ok());
                    assert_eq!(c.read(), bulk(&key));
                }
                barrier.wait(); // all replies read...
                barrier.wait(); // ...and the main thread has counted the clients
                conns.len()
            })
        })
        .collect();
    barrier.wait();
    let mut probe = s.conn();
    barrier.wait();
    let info = match probe.run("INFO clients") {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => common::show(&other),
    };
    barrier.wait(); // release the client threads before any assertion
    let connected: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no connected_clients in {info}"));
    assert!(connected > THREADS * PER_THREAD, "connected_clients:{connected}");
    let total: usize = handles.into_iter().map(|h| h.join().expect("client thread")).sum();
    assert_eq!(total, THREADS * PER_THREAD);
    assert_eq!(probe.run("DBSIZE"), common::int((THREADS * PER_THREAD) as i64));
}

#[test]
fn slow_peers_do_not_stall_fast_clients() {
    let s = Server::ember(&[]);
    let port = s.port;
    let mut setup = s.conn();
    let big = vec![b'v'; 1024 * 1024];
    assert_eq!(setup.cmd(&[b"SET".as_slice(), b"big", &big]), ok());
    let stop = Arc::new(AtomicBool::new(false));

    // A slow reader: pipelines 64 GETs of a 1 MB value, then reads a little
    // at a time. The server must buffer (or pause) rather than block.
    let slow_reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            let mut batch = Vec::new();
            for _ in 0..64 {
                batch.extend(encode_cmd(&["GET", "big"]));
            }
            c.send_raw(&batch);
            let want = 64 * (1024 * 1024 + "$1048576\r\n\r\n".len());
            let mut got = 0usize;
            let mut buf = vec![0u8; 16 * 1024];
            while got < want && !stop.load(Ordering::Relaxed) {
                let n = common::conn::read_retrying(&mut c.stream, &mut buf).expect("slow reader read");
                assert!(n > 0, "server closed the slow reader");
                got += n;
                std::thread::sleep(Duration::from_millis(2));
            }
            // Drain the rest quickly once the fast clients are done.
            c.stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            while got < want {
                let n = common::conn::read_retrying(&mut c.stream, &mut buf).expect("slow reader drain");
                assert!(n > 0, "server closed the slow reader");
                got += n;
            }
            got
        })
    };

    // A slow writer: one byte at a time, for a long SET.
    let slow_writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            let value = "w".repeat(300);
            let cmd = encode_cmd(&["SET", "slow", value.as_str()]);
            for b in &cmd {
                c.stream.write_all(&[*b]).unwrap();
                if !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            assert_eq!(c.read(), ok());
            assert_eq!(c.run("STRLEN slow"), common::int(300));
        })
    };

    // Fast clients: PING latency stays bounded while the slow peers run.
    let mut worst = Duration::ZERO;
    let mut fast: Vec<Conn> = (0..4).map(|_| s.conn()).collect();
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < Duration::from_millis(1500) {
        for c in fast.iter_mut() {
            let t = Instant::now();
            assert_eq!(c.run("PING"), common::simple("PONG"));
            assert_eq!(c.run("INCR fast"), common::int(rounds + 1));
            rounds += 1;
            worst = worst.max(t.elapsed());
        }
    }
    stop.store(true, Ordering::Relaxed);
    assert!(worst < Duration::from_millis(500), "a fast client waited {worst:?}");
    assert!(rounds > 20, "only {rounds} fast round trips");
    slow_writer.join().expect("slow writer");
    let got = slow_reader.join().expect("slow reader");
    assert_eq!(got, 64 * (1024 * 1024 + "$1048576\r\n\r\n".len()));
}
