//! Test servers: ember, and the reference `redis-server`, each started on a
//! port of its own in a scratch directory, with its output (log lines, and
//! a panic's message) kept in a file there.
//!
//! A port from [`free_port`] is free when asked for, not when the server
//! binds it: another test may take it in between. So a server counts as
//! started only once the kernel shows a listening socket on its port that
//! belongs to that very process (`/proc/net/tcp` and `/proc/PID/fd`), which
//! no reply (an error, a password prompt, another server's INFO) can fake;
//! a child that exits saying "Address already in use" is started again on
//! another port. When a test fails, each of its servers prints where it
//! stands and the end of its log, and keeps its scratch directory.
//!
//! References: [`reference`] finds a program the tests compare ember with
//! (`redis-server`, `redis-check-rdb`, `redis-cli`, `redis-benchmark`).
//! Without it a test skips its comparison with a printed line, unless
//! `EMBER_REQUIRE_REFERENCES=1` (which `.ci/run` sets): then the test fails.

use std::fs::File;
use std::net::Shutdown;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::conn::{connect_retrying, read_retrying, Conn, READ_TIMEOUT};

/// Which server a [`Server`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// ember, the binary under test.
    Ember,
    /// The reference `redis-server`.
    Redis,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ember => "ember",
            Kind::Redis => "redis",
        }
    }
}

/// A running server process, killed on drop.
pub struct Server {
    child: Option<Child>,
    pid: u32,
    /// The TCP port it listens on (127.0.0.1).
    pub port: u16,
    /// ember or redis.
    pub kind: Kind,
    /// Its working directory (removed on drop unless the test supplied it
    /// or failed).
    pub dir: PathBuf,
    /// Whether `dir` belongs to this server (and is removed on drop).
    owns_dir: bool,
    /// Where its standard output and error go (inside `dir`).
    pub log: PathBuf,
}

/// The variable that turns a missing reference into a test failure.
pub const REQUIRE_REFERENCES: &str = "EMBER_REQUIRE_REFERENCES";

/// Whether a missing reference program fails the test instead of skipping
/// the comparison: `EMBER_REQUIRE_REFERENCES` is set to anything but `0`.
pub fn references_required() -> bool {
    std::env::var_os(REQUIRE_REFERENCES).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The reference program `name` (`redis-server`, `redis-cli`, ...) from
/// PATH, or `None` after [`missing_reference`].
pub fn reference(name: &str) -> Option<PathBuf> {
    let found = which(name);
    if found.is_none() {
        missing_reference(&format!("{name} is not on PATH"));
    }
    found
}

/// `path`, a file that comes with the reference (Debian's redis.conf), or
/// `None` after [`missing_reference`].
pub fn reference_file(path: &Path) -> Option<&Path> {
    match std::fs::metadata(path) {
        Ok(_) => Some(path),
        Err(e) => {
            missing_reference(&format!("{} cannot be read ({e})", path.display()));
            None
        }
    }
}

/// The one decision for a reference that is not there: with
/// `EMBER_REQUIRE_REFERENCES` set, a panic (a run that compared nothing must
/// not pass); otherwise a printed skip line.
pub fn missing_reference(what: &str) {
    if references_required() {
        panic!(
            "{what}, and {REQUIRE_REFERENCES} is set: this test compares ember with Redis and must not pass \
             without it (install redis-server and redis-tools, or unset {REQUIRE_REFERENCES} to skip the \
             comparison locally)"
        );
    }
    eprintln!("{what}: skipping the comparison with Redis ({REQUIRE_REFERENCES}=1 makes this a failure)");
}

/// Where `program` is, if it is on PATH.
fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

/// Asks the kernel for a free port: bind port 0, read the port, release it.
/// Nothing holds it afterwards: a test that binds it itself must expect
/// another test to have taken it (a [`Server`] retries on another port).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A new empty directory under the temporary directory, unique to this
/// test process and call.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ember-test-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The inodes of the IPv4 TCP sockets listening on `port` at 127.0.0.1 or
/// 0.0.0.0 (the sockets a connection to 127.0.0.1:`port` can reach).
fn listeners_on(port: u16) -> Vec<u64> {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else { return Vec::new() };
    let wanted = [format!("0100007F:{port:04X}"), format!("00000000:{port:04X}")];
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl, local_address, rem_address, st (0A: LISTEN), ..., inode.
            (f.len() > 9 && wanted.iter().any(|w| w == f[1]) && f[3] == "0A").then(|| f[9].parse().ok()).flatten()
        })
        .collect()
}

/// Whether process `pid` holds one of the sockets `inodes`.
fn holds_socket(pid: u32, inodes: &[u64]) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    let names: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    fds.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .any(|target| names.iter().any(|n| target.as_os_str() == n.as_str()))
}

/// Whether process `pid` is what listens on 127.0.0.1:`port`: `Some(true)`
/// if it is, `Some(false)` if another process does, `None` if nothing does.
pub fn listener_is(pid: u32, port: u16) -> Option<bool> {
    let inodes = listeners_on(port);
    if inodes.is_empty() {
        None
    } else {
        Some(holds_socket(pid, &inodes))
    }
}

/// The last `n` lines of `path` (or why it cannot be read).
pub fn tail(path: &Path, n: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("({}: {e})", path.display()),
    }
}

/// How a start attempt ended.
enum Start {
    /// The child listens on the port and has served a connection.
    Serving,
    /// The port was taken by someone else: try another one.
    PortTaken(String),
    /// Anything else: a real failure to report.
    Failed(String),
}

/// Waits until `child` listens on `port` (and has closed a first
/// connection, so its event loop runs), or fails to.
fn wait_serving(child: &mut Child, port: u16, log: &Path) -> Start {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            return if text.contains("Address already in use") {
                Start::PortTaken(format!("exited with {status}: address already in use"))
            } else {
                Start::Failed(format!("exited with {status} before listening on port {port}"))
            };
        }
        match listener_is(child.id(), port) {
            Some(true) => {
                first_connection(port);
                return Start::Serving;
            }
            Some(false) => return Start::PortTaken("another process listens on it".into()),
            None => {}
        }
        if Instant::now() > deadline {
            return Start::Failed(format!("not listening on port {port} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Opens a connection to the (verified) server on `port`, half-closes it
/// and waits for the server to close it too: then the event loop runs and
/// this connection is no longer among its clients, which tests counting
/// clients rely on. No command is sent, so no statistic but the connection
/// counters moves.
fn first_connection(port: u16) {
    let Ok(mut s) = connect_retrying(port) else { return };
    let _ = s.set_read_timeout(Some(READ_TIMEOUT));
    let _ = s.shutdown(Shutdown::Write);
    let mut buf = [0u8; 256];
    // Until EOF, a reset or the timeout (a server busy loading a big
    // dataset: the test's own requests will wait for it as well).
    while let Ok(n) = read_retrying(&mut s, &mut buf) {
        if n == 0 {
            break;
        }
    }
}

impl Server {
    /// Starts ember with the standard test options plus `extra`
    /// (`["--maxclients", "2"]`, ...).
    pub fn ember(extra: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_ember-server");
        Server::spawn_in(Kind::Ember, bin.as_ref(), scratch_dir("ember"), true, None, extra)
    }

    /// Starts `redis-server` with the standard test options plus `extra`.
    /// Without it, `None` after a skip line, or a panic when references
    /// are required (see [`reference`]).
    pub fn redis(extra: &[&str]) -> Option<Server> {
        let bin = reference("redis-server")?;
        Some(Server::spawn_in(Kind::Redis, &bin, scratch_dir("redis"), true, None, extra))
    }

    /// Starts ember with a config file (given first, as redis-server takes
    /// it), the standard test options and `extra`, which override it.
    pub fn ember_with_config(conf: &Path, extra: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_ember-server");
        Server::spawn_in(Kind::Ember, bin.as_ref(), scratch_dir("ember"), true, Some(conf), extra)
    }

    /// Starts `redis-server` like [`Server::ember_with_config`] (see
    /// [`Server::redis`] for when it is not installed).
    pub fn redis_with_config(conf: &Path, extra: &[&str]) -> Option<Server> {
        let bin = reference("redis-server")?;
        Some(Server::spawn_in(Kind::Redis, &bin, scratch_dir("redis"), true, Some(conf), extra))
    }

    /// Starts ember in `dir` (a test-owned directory that outlives the
    /// server, for restart tests), with `extra` options.
    pub fn ember_in(dir: &Path, extra: &[&str]) -> Server {
        let bin = env!("CARGO_BIN_EXE_ember-server");
        Server::spawn_in(Kind::Ember, bin.as_ref(), dir.to_path_buf(), false, None, extra)
    }

    /// Starts redis-server in `dir` (kept after it stops); see
    /// [`Server::redis`] for when it is not installed.
    pub fn redis_in(dir: &Path, extra: &[&str]) -> Option<Server> {
        let bin = reference("redis-server")?;
        Some(Server::spawn_in(Kind::Redis, &bin, dir.to_path_buf(), false, None, extra))
    }

    fn spawn_in(kind: Kind, bin: &Path, dir: PathBuf, owns_dir: bool, conf: Option<&Path>, extra: &[&str]) -> Server {
        let mut tries = Vec::new();
        for _ in 0..10 {
            let port = free_port();
            let port_s = port.to_string();
            let log = dir.join(format!("{}-{}-port{port}.log", kind.name(), SEQ.fetch_add(1, Ordering::Relaxed)));
            let out = File::create(&log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
            let err = out.try_clone().expect("duplicate the log file handle");
            let mut cmd = Command::new(bin);
            cmd.args(conf);
            cmd.args(["--port", &port_s, "--bind", "127.0.0.1", "--save", "", "--enable-debug-command", "yes"]);
            cmd.args(["--dir", dir.to_str().unwrap()]);
            if kind == Kind::Redis {
                cmd.args(["--appendonly", "no", "--daemonize", "no", "--logfile", ""]);
            }
            cmd.args(extra);
            cmd.current_dir(&dir).stdin(Stdio::null()).stdout(out).stderr(err);
            let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot spawn {}: {e}", bin.display()));
            let pid = child.id();
            match wait_serving(&mut child, port, &log) {
                Start::Serving => return Server { child: Some(child), pid, port, kind, dir, owns_dir, log },
                Start::PortTaken(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    tries.push(format!("port {port}: {why}"));
                }
                Start::Failed(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "{kind:?} server (pid {pid}) failed to start: {why}; its log {}:\n{}",
                        log.display(),
                        tail(&log, 60)
                    );
                }
            }
        }
        panic!("{kind:?} server failed to start on any port: {tries:?}");
    }

    /// A new connection to this server.
    pub fn conn(&self) -> Conn {
        match connect_retrying(self.port) {
            Ok(stream) => Conn::from_stream(stream),
            Err(e) => panic!("connect to {:?} on 127.0.0.1:{} (pid {}): {e}", self.kind, self.port, self.pid),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).expect("the server has been stopped")
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
        let mut state = "stopped by the test".to_string();
        if let Some(mut c) = self.child.take() {
            state = match c.try_wait() {
                Ok(Some(status)) => format!("had exited by itself with {status}"),
                _ => "was running".into(),
            };
            let _ = c.kill();
            let _ = c.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- {:?} server on port {} (pid {}) {state}; scratch directory kept: {}\n--- last lines of {}:\n{}\n---",
                self.kind,
                self.port,
                self.pid,
                self.dir.display(),
                self.log.display(),
                tail(&self.log, 60)
            );
        } else if self.owns_dir {
            // A save child the kill left behind may still be removing its
            // temporary file: try again briefly.
            for _ in 0..10 {
                if std::fs::remove_dir_all(&self.dir).is_ok() || !self.dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}
