//! The process's dealings with its environment: systemd readiness and
//! stopping notifications, what SIGTERM/SIGINT save according to
//! `shutdown-on-sigterm` / `shutdown-on-sigint`, the OOM score
//! (`oom-score-adj`) and CPU pinning (`server_cpulist`, `bio_cpulist`).

mod common;

use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, ok, scratch_dir, show, Server};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Datagrams received on `sock` until one contains `wanted` (or 20 s pass).
fn wait_for(sock: &UnixDatagram, wanted: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 512];
    while Instant::now() < deadline {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            let done = msg.contains(wanted);
            seen.push(msg);
            if done {
                return seen;
            }
        }
    }
    panic!("no {wanted:?} within 20 s; got {seen:?}");
}

/// Datagrams received on `sock` until one says READY=1, or `Err` with the
/// exit status if `child` exits first.
fn wait_ready(sock: &UnixDatagram, child: &mut Child) -> Result<Vec<String>, ExitStatus> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 512];
    while Instant::now() < deadline {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            let done = msg.contains("READY=1");
            seen.push(msg);
            if done {
                return Ok(seen);
            }
        } else if let Ok(Some(status)) = child.try_wait() {
            return Err(status);
        }
    }
    panic!("no READY=1 within 20 s; got {seen:?}");
}

#[test]
fn systemd_hears_ready_and_stopping() {
    let dir = scratch_dir("systemd");
    let path = dir.join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    // A free port may be taken by another test before ember binds it: then
    // ember exits saying so, and starts again on another one.
    let (mut child, port, ready) = loop {
        let port = free_port();
        let log = dir.join(format!("ember-port{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ember-server"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--supervised", "systemd"])
            .env("NOTIFY_SOCKET", &path)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        match wait_ready(&sock, &mut child) {
            Ok(ready) => break (child, port, ready),
            Err(status) => {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                assert!(text.contains("Address already in use"), "ember exited with {status}:\n{text}");
            }
        }
    };
    assert!(ready.iter().any(|m| m.contains("STATUS=Ready to accept connections")), "{ready:?}");
    // Ready means serving (this process's own listener: READY came on
    // this test's socket).
    assert_eq!(common::server::listener_is(child.id(), port), Some(true), "ember listens once ready");
    let mut c = common::Conn::connect(port);
    assert_eq!(show(&c.run("PING")), "+PONG");
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    wait_for(&sock, "STOPPING=1");
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts ember with `extra`, writes a key, sends `signal` and reports
/// whether a dump was written.
fn dump_after_signal(signal: Signal, extra: &[&str]) -> bool {
    let dir = scratch_dir("sigsave");
    let mut server = Server::ember_in(&dir, extra);
    assert_eq!(server.conn().run("SET k v"), ok());
    kill(Pid::from_raw(server.pid() as i32), signal).unwrap();
    let status = server.wait_exit(Duration::from_secs(20)).expect("the server exits");
    assert!(status.success(), "{status:?}");
    let saved = dir.join("dump.rdb").exists();
    let _ = std::fs::remove_dir_all(&dir);
    saved
}

#[test]
fn signals_save_as_configured() {
    let points = ["--save", "3600 1"];
    assert!(dump_after_signal(Signal::SIGTERM, &points), "default with save points saves");
    assert!(!dump_after_signal(Signal::SIGTERM, &[]), "default without save points does not");
    assert!(!dump_after_signal(Signal::SIGTERM, &["--save", "3600 1", "--shutdown-on-sigterm", "nosave"]));
    assert!(dump_after_signal(Signal::SIGTERM, &["--shutdown-on-sigterm", "save"]));
    assert!(dump_after_signal(Signal::SIGINT, &["--shutdown-on-sigint", "save now"]));
    // The other signal's setting does not apply.
    assert!(!dump_after_signal(Signal::SIGINT, &["--shutdown-on-sigterm", "save"]));
}

#[test]
fn a_failing_final_save_keeps_the_server_up_unless_forced() {
    for (force, survives) in [(false, true), (true, false)] {
        let dir = scratch_dir("sigforce");
        let flags = if force { "save force" } else { "save" };
        let mut server = Server::ember_in(&dir, &["--shutdown-on-sigterm", flags]);
        let mut c = server.conn();
        c.run("SET k v");
        // A directory where the dump should go makes the save fail.
        std::fs::create_dir_all(dir.join("dump.rdb").join("x")).unwrap();
        kill(Pid::from_raw(server.pid() as i32), Signal::SIGTERM).unwrap();
        let exited = server.wait_exit(Duration::from_secs(3)).is_some();
        assert_eq!(!exited, survives, "shutdown-on-sigterm {flags}");
        if survives {
            assert_eq!(show(&c.run("GET k")), "\"v\"");
            c.send(&["SHUTDOWN", "NOSAVE"]);
            server.wait_exit(Duration::from_secs(20)).expect("SHUTDOWN NOSAVE exits");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn proc_value(path: String, field: Option<&str>) -> String {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match field {
        None => text.trim().to_string(),
        Some(f) => text.lines().find_map(|l| l.strip_prefix(f)).map(|v| v.trim().to_string()).unwrap_or_default(),
    }
}

#[test]
fn oom_score_adj_follows_the_config() {
    let base: i64 = proc_value("/proc/self/oom_score_adj".into(), None).parse().unwrap();
    // Raising the score needs no privilege.
    let target = (base + 300).min(1000);
    let absolute = format!("{target} 0 1000");
    let server = Server::ember(&["--oom-score-adj", "absolute", "--oom-score-adj-values", &absolute]);
    let score = || proc_value(format!("/proc/{}/oom_score_adj", server.pid()), None);
    assert_eq!(score(), target.to_string());
    let mut c = server.conn();
    assert_eq!(c.run("CONFIG SET oom-score-adj no"), ok());
    assert_eq!(score(), base.to_string(), "no restores the starting score");
    assert_eq!(c.run("CONFIG SET oom-score-adj-values \"100 0 1000\" oom-score-adj relative"), ok());
    assert_eq!(score(), (base + 100).min(1000).to_string());
}

#[test]
fn cpu_lists_pin_threads() {
    let server = Server::ember(&["--server_cpulist", "0", "--bio_cpulist", "0"]);
    let pid = server.pid();
    let tasks: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for task in &tasks {
        let comm = proc_value(format!("/proc/{pid}/task/{task}/comm"), None);
        let cpus = proc_value(format!("/proc/{pid}/task/{task}/status"), Some("Cpus_allowed_list:"));
        assert_eq!(cpus, "0", "thread {comm}");
    }
    assert!(tasks.len() >= 2, "the loop and the lazy-free thread: {tasks:?}");
    // A bad list is refused like any bad value.
    let out = Command::new(env!("CARGO_BIN_EXE_ember-server")).args(["--server_cpulist", "3-1"]).output().unwrap();
    assert!(!out.status.success());
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("Invalid CPU list"), "{printed}");
}

#[test]
fn syslog_logging_starts() {
    let server =
        Server::ember(&["--syslog-enabled", "yes", "--syslog-ident", "ember-test", "--syslog-facility", "local3"]);
    assert_eq!(show(&server.conn().run("PING")), "+PONG");
}

#[test]
fn a_runaway_script_does_not_block_a_shutdown_signal() {
    let dir = scratch_dir("sigscript");
    let mut server = Server::ember_in(&dir, &[]);
    let mut c = server.conn();
    c.send(&["EVAL", "while true do end", "0"]);
    // The script is running (the server answers nobody else).
    std::thread::sleep(Duration::from_millis(200));
    kill(Pid::from_raw(server.pid() as i32), Signal::SIGTERM).unwrap();
    let status = server.wait_exit(Duration::from_secs(20)).expect("SIGTERM ends a server running a runaway script");
    assert!(status.success(), "{status:?}");
    let (reply, _) = c.read_until_close(Duration::from_secs(5));
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("-ERR") && reply.contains("shutdown signal"), "{reply}");
    let _ = std::fs::remove_dir_all(&dir);
}
