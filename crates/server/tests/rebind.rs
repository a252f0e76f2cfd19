//! `CONFIG SET port` and `CONFIG SET bind` re-bind the listening sockets
//! live, as in Redis 7.0: new connections go to the new address, existing
//! connections stay, and a refused change leaves the old sockets listening
//! and the configuration as it was.
//!
//! Every scenario runs against ember and, when it is installed, against the
//! real `redis-server` with the same assertions, so the expected replies are
//! Redis's own.

mod common;

use std::net::{Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use common::{bulks, err, free_port, ok, simple, Conn, Frame, Server};

const PORT_IN_USE: &str =
    "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.";
const BIND_FAILED: &str =
    "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.";

/// ember, then redis-server when it is installed.
fn servers() -> Vec<Server> {
    let mut v = vec![Server::ember(&[])];
    v.extend(Server::redis(&[]));
    v
}

/// Whether a new TCP connection to `addr` is accepted and served.
fn serves(addr: SocketAddr) -> bool {
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Ok(s) => Conn::from_stream(s).run("PING") == simple("PONG"),
        Err(_) => false,
    }
}

fn v4(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn v6(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv6Addr::LOCALHOST, port))
}

/// Whether this host can listen on ::1.
fn has_ipv6_loopback() -> bool {
    TcpListener::bind(v6(0)).is_ok()
}

fn config_get(c: &mut Conn, name: &str) -> Frame {
    c.cmd(&["CONFIG", "GET", name])
}

fn tcp_port(c: &mut Conn) -> String {
    let info = match c.run("INFO server") {
        Frame::Bulk(b) | Frame::Verbatim { data: b, .. } => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO server: {other:?}"),
    };
    info.lines().find_map(|l| l.strip_prefix("tcp_port:")).expect("tcp_port field").to_string()
}

/// A port held by another socket (listening, so binding it fails even with
/// SO_REUSEADDR), on 127.0.0.1.
fn occupied_port() -> (TcpListener, u16) {
    let l = TcpListener::bind(v4(0)).expect("bind 127.0.0.1:0");
    let port = l.local_addr().unwrap().port();
    (l, port)
}

#[test]
fn config_set_port_moves_the_listener() {
    for s in servers() {
        let kind = s.kind;
        let old = s.port;
        let new = free_port();
        let mut c = s.conn();
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &new.to_string()]), ok(), "{kind:?}");
        assert_eq!(config_get(&mut c, "port"), bulks(&["port", &new.to_string()]), "{kind:?}");
        assert_eq!(tcp_port(&mut c), new.to_string(), "{kind:?}");
        // The connection made before the change is still served.
        assert_eq!(c.run("PING"), simple("PONG"), "{kind:?}");
        assert!(serves(v4(new)), "{kind:?}: new port serves");
        assert!(!serves(v4(old)), "{kind:?}: old port still accepts");
        // The same value again is accepted and changes nothing.
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &new.to_string()]), ok(), "{kind:?}");
        assert!(serves(v4(new)), "{kind:?}");
        // And back.
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &old.to_string()]), ok(), "{kind:?}");
        assert!(serves(v4(old)), "{kind:?}");
        assert!(!serves(v4(new)), "{kind:?}");
    }
}

#[test]
fn config_set_port_in_use_is_refused_and_nothing_changes() {
    for s in servers() {
        let kind = s.kind;
        let old = s.port.to_string();
        let (_held, busy) = occupied_port();
        let busy = busy.to_string();
        let mut c = s.conn();
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &busy]), err(PORT_IN_USE), "{kind:?}");
        // The name is printed lowercased, as Redis does.
        assert_eq!(c.cmd(&["CONFIG", "SET", "PORT", &busy]), err(PORT_IN_USE), "{kind:?}");
        // All or nothing: the other parameter of the same command is not set.
        assert_eq!(c.cmd(&["CONFIG", "SET", "timeout", "100", "port", &busy]), err(PORT_IN_USE), "{kind:?}");
        assert_eq!(config_get(&mut c, "timeout"), bulks(&["timeout", "0"]), "{kind:?}");
        assert_eq!(config_get(&mut c, "port"), bulks(&["port", &old]), "{kind:?}");
        assert_eq!(tcp_port(&mut c), old, "{kind:?}");
        assert_eq!(c.run("PING"), simple("PONG"), "{kind:?}");
        assert!(serves(v4(s.port)), "{kind:?}: old port no longer serves");
        // With both port and bind in one command, the failure names the one
        // given first (bind re-binds even when its value is unchanged).
        assert_eq!(c.cmd(&["CONFIG", "SET", "bind", "127.0.0.1", "port", &busy]), err(BIND_FAILED), "{kind:?}");
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &busy, "bind", "127.0.0.1"]), err(PORT_IN_USE), "{kind:?}");
        assert!(serves(v4(s.port)), "{kind:?}");
        // Value errors are unchanged.
        assert_eq!(
            c.run("CONFIG SET port 65536"),
            err("ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive"),
            "{kind:?}"
        );
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "port", &format!("+{old}")]),
            err("ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"),
            "{kind:?}"
        );
    }
}

#[test]
fn config_set_port_zero_closes_the_listeners() {
    for s in servers() {
        let kind = s.kind;
        let mut c = s.conn();
        assert_eq!(c.run("CONFIG SET port 0"), ok(), "{kind:?}");
        assert!(!serves(v4(s.port)), "{kind:?}: port 0 still accepts on the old port");
        assert_eq!(c.run("PING"), simple("PONG"), "{kind:?}");
        assert_eq!(config_get(&mut c, "port"), bulks(&["port", "0"]), "{kind:?}");
        assert_eq!(tcp_port(&mut c), "0", "{kind:?}");
        // With TCP off, a bind change has nothing to open.
        assert_eq!(c.run("CONFIG SET bind \"127.0.0.1 -::1\""), ok(), "{kind:?}");
        // Turning it back on still checks the port.
        let (_held, busy) = occupied_port();
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &busy.to_string()]), err(PORT_IN_USE), "{kind:?}");
        assert_eq!(config_get(&mut c, "port"), bulks(&["port", "0"]), "{kind:?}");
        let new = free_port();
        assert_eq!(c.cmd(&["CONFIG", "SET", "port", &new.to_string()]), ok(), "{kind:?}");
        assert!(serves(v4(new)), "{kind:?}");
    }
}

#[test]
fn config_set_bind_rebinds_live() {
    let ipv6 = has_ipv6_loopback();
    for s in servers() {
        let kind = s.kind;
        let port = s.port;
        let mut c = s.conn();
        if ipv6 {
            assert!(!serves(v6(port)), "{kind:?}");
            assert_eq!(c.run("CONFIG SET bind \"127.0.0.1 ::1\""), ok(), "{kind:?}");
            assert!(serves(v6(port)), "{kind:?}: ::1 added");
            assert!(serves(v4(port)), "{kind:?}: 127.0.0.1 kept");
            assert_eq!(config_get(&mut c, "bind"), bulks(&["bind", "127.0.0.1 ::1"]), "{kind:?}");
            assert_eq!(c.run("CONFIG SET bind 127.0.0.1"), ok(), "{kind:?}");
            assert!(!serves(v6(port)), "{kind:?}: ::1 still accepts");
        }
        // 127.0.0.1 -> 0.0.0.0 on the same port: our own socket holds the
        // port, so the old sockets must go before the new ones can open.
        assert_eq!(c.run("CONFIG SET bind \"* -::*\""), ok(), "{kind:?}");
        assert_eq!(config_get(&mut c, "bind"), bulks(&["bind", "* -::*"]), "{kind:?}");
        assert!(serves(v4(port)), "{kind:?}: * serves loopback");
        if ipv6 {
            assert!(serves(v6(port)), "{kind:?}: ::* serves ::1");
        }
        assert_eq!(c.run("CONFIG SET bind 127.0.0.1"), ok(), "{kind:?}");
        assert!(serves(v4(port)), "{kind:?}");
        if ipv6 {
            assert!(!serves(v6(port)), "{kind:?}");
        }
        // An optional address that does not exist here is skipped
        // (192.0.2.1 is TEST-NET-1, never a local address).
        assert_eq!(c.run("CONFIG SET bind \"-192.0.2.1 127.0.0.1\""), ok(), "{kind:?}");
        assert_eq!(config_get(&mut c, "bind"), bulks(&["bind", "-192.0.2.1 127.0.0.1"]), "{kind:?}");
        assert!(serves(v4(port)), "{kind:?}");
        // The connection made first was never dropped.
        assert_eq!(c.run("PING"), simple("PONG"), "{kind:?}");
    }
}

#[test]
fn config_set_bind_failures_keep_the_old_sockets() {
    for s in servers() {
        let kind = s.kind;
        let port = s.port;
        let mut c = s.conn();
        assert_eq!(c.run("CONFIG SET bind 127.0.0.1"), ok(), "{kind:?}");
        for bad in [
            "192.0.2.1",           // not a local address, not optional
            "127.0.0.1 127.0.0.1", // the second one is in use by the first
            "nonsense",            // not an address (optional or not)
            "-nonsense 127.0.0.1",
            "127.0.0.1 ",  // split on single spaces: an empty address
            "* 127.0.0.1", // 0.0.0.0 and 127.0.0.1 on one port conflict
        ] {
            assert_eq!(c.cmd(&["CONFIG", "SET", "bind", bad]), err(BIND_FAILED), "{kind:?}: bind {bad:?}");
            assert_eq!(config_get(&mut c, "bind"), bulks(&["bind", "127.0.0.1"]), "{kind:?}: bind {bad}");
            assert!(serves(v4(port)), "{kind:?}: old socket gone after bind {bad}");
        }
        // Another process holding one of the addresses.
        let (_held, busy) = occupied_port();
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "port", &busy.to_string(), "bind", "127.0.0.1 -::1"]),
            err(PORT_IN_USE),
            "{kind:?}"
        );
        assert!(serves(v4(port)), "{kind:?}");
        let many = vec!["127.0.0.1"; 17].join(" ");
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "bind", &many]),
            err("ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified."),
            "{kind:?}"
        );
        assert_eq!(config_get(&mut c, "bind"), bulks(&["bind", "127.0.0.1"]), "{kind:?}");
    }
}

#[test]
fn config_set_bind_empty_listens_nowhere() {
    for s in servers() {
        let kind = s.kind;
        let port = s.port;
        let mut c = s.conn();
        assert_eq!(c.run("CONFIG SET bind \"\""), ok(), "{kind:?}");
        assert_eq!(config_get(&mut c, "bind"), bulks(&["bind", ""]), "{kind:?}");
        assert!(!serves(v4(port)), "{kind:?}: bind \"\" still accepts");
        // INFO reports the configured port, listening or not.
        assert_eq!(tcp_port(&mut c), port.to_string(), "{kind:?}");
        assert_eq!(c.run("CONFIG SET bind 127.0.0.1"), ok(), "{kind:?}");
        assert!(serves(v4(port)), "{kind:?}");
    }
}
