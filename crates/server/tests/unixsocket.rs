//! `unixsocket` / `unixsocketperm`: ember listens on a Unix domain socket
//! beside (or instead of) TCP, shows such clients as Redis does (CLIENT
//! LIST `addr=/path:0 ... flags=U`, MONITOR `unix:/path`), and removes the
//! socket file when it shuts down.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{ok, scratch_dir, show, Conn, Frame, Server};

fn connect_unix(path: &std::path::Path) -> Conn {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match UnixStream::connect(path) {
            Ok(s) => return Conn::from_unix(s),
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("connecting to {}: {e}", path.display()),
        }
    }
}

fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Verbatim { data: b, .. } => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not text: {}", show(other)),
    }
}

#[test]
fn unix_socket_beside_tcp() {
    let dir = scratch_dir("unixsock");
    let path = dir.join("ember.sock");
    let path_s = path.to_str().unwrap();
    let server = Server::ember(&["--unixsocket", path_s, "--unixsocketperm", "700"]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    let mut u = connect_unix(&path);
    assert_eq!(u.run("SET k v"), ok());
    assert_eq!(server.conn().run("GET k"), common::bulk("v"), "one dataset for both listeners");
    let info = text(&u.run("CLIENT INFO"));
    assert!(info.contains(&format!("addr={path_s}:0 laddr={path_s}:0 ")), "{info}");
    assert!(info.contains(" flags=U "), "{info}");
    // CLIENT KILL ADDR takes the same form.
    let mut victim = connect_unix(&path);
    assert_eq!(victim.run("PING"), common::simple("PONG"));
    let killed = server.conn().run(&format!("CLIENT KILL ADDR {path_s}:0 SKIPME no"));
    assert!(matches!(killed, Frame::Integer(n) if n >= 2), "{}", show(&killed));
    // MONITOR shows where a command came from.
    let mut monitor = server.conn();
    assert_eq!(monitor.run("MONITOR"), ok());
    let mut u = connect_unix(&path);
    u.run("PING");
    let line = show(&monitor.read());
    assert!(line.contains(&format!("unix:{path_s}]")), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unix_socket_only_and_removed_at_shutdown() {
    let dir = scratch_dir("unixonly");
    let path = dir.join("only.sock");
    // A stale file from an earlier run is replaced.
    std::fs::write(&path, b"stale").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ember-server"))
        .args(["--port", "0", "--save", "", "--unixsocket", path.to_str().unwrap()])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut u = connect_unix(&path);
    assert_eq!(u.run("PING"), common::simple("PONG"));
    // Protected mode lets local clients in, and a Unix socket is local.
    assert_eq!(u.run("CONFIG GET protected-mode"), common::bulks(&["protected-mode", "yes"]));
    assert_eq!(
        show(&u.run("CONFIG SET unixsocket /tmp/x")),
        "-ERR CONFIG SET failed (possibly related to argument 'unixsocket') - can't set immutable config"
    );
    u.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(child.wait().unwrap().success());
    assert!(!path.exists(), "the socket file is removed at shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_cli_talks_over_the_socket() {
    let Some(cli) = common::reference("redis-cli") else { return };
    let dir = scratch_dir("unixcli");
    let path = dir.join("cli.sock");
    let _server = Server::ember(&["--unixsocket", path.to_str().unwrap()]);
    connect_unix(&path);
    let out = Command::new(cli).args(["-s", path.to_str().unwrap(), "INCR", "n"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    let _ = std::fs::remove_dir_all(&dir);
}
