//! The configuration against redis-server 7.0: every parameter's name,
//! default and CONFIG SET behaviour (good and bad values, exact replies);
//! Debian's stock redis.conf loads and serves; CONFIG REWRITE output loads
//! back; `daemonize`; unsupported features refused at start-up.
//!
//! The comparisons are skipped (with a line saying so) when redis-server is
//! not installed; ember's own expectations are checked either way.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, scratch_dir, show, simple, Conn, Frame, Server};
use ember_server::config::{find_param, Config, PARAMS};

/// CONFIG GET values that legitimately differ between two test servers:
/// each listens on its own port, in its own scratch directory, and ember's
/// default `bind` is loopback (docs/CONFIG.md).
const DIFFERENT: &[&str] = &["port", "dir", "bind"];

/// The replies of `CONFIG GET <pattern>` as a sorted map.
fn config_map(c: &mut Conn, pattern: &str) -> BTreeMap<String, String> {
    let text = |f: &Frame| match f {
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("CONFIG GET: not a bulk string: {}", show(other)),
    };
    match c.cmd(&["CONFIG", "GET", pattern]) {
        Frame::Array(items) => items.chunks(2).map(|kv| (text(&kv[0]), text(&kv[1]))).collect(),
        other => panic!("CONFIG GET {pattern}: {}", show(&other)),
    }
}

/// Differences between two CONFIG GET maps, ignoring `skip`.
fn map_diff(ember: &BTreeMap<String, String>, redis: &BTreeMap<String, String>, skip: &[&str]) -> Vec<String> {
    let mut names: Vec<&String> = ember.keys().chain(redis.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| !skip.contains(&n.as_str()))
        .filter(|n| ember.get(*n) != redis.get(*n))
        .map(|n| format!("{n}: ember {:?}, redis {:?}", ember.get(n), redis.get(n)))
        .collect()
}

/// Every name CONFIG knows: canonical names and aliases, hidden ones too,
/// except ember's own (the Redis 7.2 set encodings).
fn all_names() -> Vec<&'static str> {
    PARAMS
        .iter()
        .filter(|p| !p.name.starts_with("set-max-listpack"))
        .flat_map(|p| [Some(p.name), p.alias])
        .flatten()
        .collect()
}

#[test]
fn config_get_all_matches_redis() {
    let ember = Server::ember(&[]);
    let mut e = ember.conn();
    let ours = config_map(&mut e, "*");
    // Redis 7.0.15 lists 192 names (aliases included, hidden ones not).
    assert_eq!(ours.len(), 192, "{:?}", ours.keys().collect::<Vec<_>>());
    assert!(!ours.contains_key("set-max-listpack-entries") && !ours.contains_key("key-load-delay"));
    assert_eq!(
        config_map(&mut e, "set-max-listpack-entries").get("set-max-listpack-entries").map(String::as_str),
        Some("128")
    );
    let Some(redis) = Server::redis(&[]) else { return };
    let mut r = redis.conn();
    let theirs = config_map(&mut r, "*");
    let diff = map_diff(&ours, &theirs, DIFFERENT);
    assert!(diff.is_empty(), "CONFIG GET * differs:\n{}", diff.join("\n"));
    for name in all_names().into_iter().filter(|n| !DIFFERENT.contains(n)) {
        assert_eq!(config_map(&mut e, name), config_map(&mut r, name), "CONFIG GET {name}");
    }
}

/// The value a parameter is set to in a comparison, beyond its current one.
fn probe_values(name: &str) -> Vec<&'static str> {
    match name {
        // Any other valid value would move the listening sockets.
        "port" => vec!["abc", "-1", "65536", "1.5", "", "+1"],
        "bind" => vec!["abc"],
        _ => vec![
            "abc",
            "yes",
            "NO",
            "0",
            "1",
            "-1",
            "007",
            "",
            "1.5",
            "1kb",
            "3G",
            "100%",
            "101%",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551616",
            "-2147483649",
            "x y",
            "1 2 3",
            "normal 1 2 3",
            "pubsub 1mb 2mb 3",
            "KEA",
            "save now",
            "{title} x",
            "{foo}",
            "local",
            "allkeys-lru",
            "50 99.5",
        ],
    }
}

#[test]
fn config_set_matches_redis() {
    let ember = Server::ember(&[]);
    let mut e = ember.conn();
    let redis = Server::redis(&[]);
    let mut r = redis.as_ref().map(Server::conn);
    let mut problems = Vec::new();
    let mut refusals = 0;
    for name in all_names() {
        let param = find_param(name.as_bytes()).unwrap();
        let current = config_map(&mut e, name).remove(name).expect(name);
        // Each server is first set to its own current value.
        let mut values = vec![None];
        values.extend(probe_values(name).into_iter().map(Some));
        for value in values {
            let value = value.unwrap_or(&current);
            let ours = e.cmd(&["CONFIG", "SET", name, value]);
            // What a fresh configuration makes of the value: a refusal of
            // an unsupported feature must be exactly that error.
            let refused = (param.mutable() && !param.protected())
                .then(|| param.set(&mut Config::default(), &[value.as_bytes()]).err())
                .flatten()
                .map(|why| why.0)
                .filter(|why| why.starts_with("ember does not support") || why.starts_with("Active defrag"));
            let Some(r) = r.as_mut() else {
                if let Some(why) = &refused {
                    let want = format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}");
                    assert_eq!(ours, Frame::Error(want.into_bytes().into()), "{name} {value:?}");
                }
                restore(&mut e, name, &current);
                continue;
            };
            let their_current = config_map(r, name).remove(name).expect(name);
            let theirs = r.cmd(&["CONFIG", "SET", name, if value == current { &their_current } else { value }]);
            if ours != theirs {
                match &refused {
                    Some(why) if matches!(&ours, Frame::Error(m) if m.ends_with(why.as_bytes())) => refusals += 1,
                    _ => problems.push(format!(
                        "CONFIG SET {name} {value:?}\n      ember: {}\n      redis: {}",
                        show(&ours),
                        show(&theirs)
                    )),
                }
            } else if ours == common::ok() && !DIFFERENT.contains(&name) {
                let (a, b) = (config_map(&mut e, name), config_map(r, name));
                if a != b {
                    problems.push(format!("after CONFIG SET {name} {value:?}: ember {a:?}, redis {b:?}"));
                }
            }
            restore(&mut e, name, &current);
            restore(r, name, &their_current);
        }
    }
    if redis.is_none() {
        eprintln!("redis-server not found: CONFIG SET replies checked on ember alone");
    }
    for p in &problems {
        eprintln!("MISMATCH {p}");
    }
    assert!(problems.is_empty(), "{} CONFIG SET mismatches (see above)", problems.len());
    if redis.is_some() {
        // The probes do reach the refusals Redis would accept.
        assert!(refusals > 10, "only {refusals} unsupported-feature refusals seen");
    }
}

fn restore(c: &mut Conn, name: &str, value: &str) {
    let param = find_param(name.as_bytes()).unwrap();
    if param.mutable() && !param.protected() {
        let r = c.cmd(&["CONFIG", "SET", name, value]);
        assert_eq!(r, common::ok(), "restoring {name} to {value:?}");
    }
}

/// Debian's stock /etc/redis/redis.conf, with the options a test must
/// override (it daemonizes and writes to /var/log and /run).
#[test]
fn debian_redis_conf_loads() {
    let Some(conf) = common::reference_file(Path::new("/etc/redis/redis.conf")) else { return };
    // The file's `dir` line is applied before the override, as in Redis.
    let text = std::fs::read_to_string(conf).unwrap();
    let dir_line = text.lines().find_map(|l| l.trim().strip_prefix("dir ")).map(str::trim);
    if let Some(dir) = dir_line.filter(|d| std::fs::read_dir(d).is_err()) {
        eprintln!("{} sets dir {dir}, which this user cannot enter: Debian's config not tested", conf.display());
        return;
    }
    let scratch = scratch_dir("debian");
    let pid = scratch.join("ember.pid");
    let pid = pid.to_str().unwrap();
    let overrides = ["--daemonize", "no", "--logfile", "", "--pidfile", pid];
    let ember = Server::ember_with_config(conf, &overrides);
    let mut e = ember.conn();
    assert_eq!(e.run("PING"), simple("PONG"));
    assert_eq!(e.run("SET k v"), common::ok());
    let ours = config_map(&mut e, "*");
    assert_eq!(ours["bind"], "127.0.0.1", "the test's --bind wins over the file's");
    assert_eq!(ours["hz"], "10");
    assert_eq!(ours["daemonize"], "no");
    assert_eq!(ours["pidfile"], pid);
    if let Some(redis) = Server::redis_with_config(conf, &["--pidfile", scratch.join("redis.pid").to_str().unwrap()]) {
        let theirs = config_map(&mut redis.conn(), "*");
        let diff = map_diff(&ours, &theirs, &["port", "dir", "pidfile"]);
        assert!(diff.is_empty(), "Debian's redis.conf: CONFIG GET * differs:\n{}", diff.join("\n"));
    }
    drop(ember);
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn config_rewrite_round_trips() {
    let scratch = scratch_dir("rewrite");
    let conf = scratch.join("ember.conf");
    std::fs::write(&conf, "# a comment\nsave 900 1\nsave 300 10\nappendfsync always\nhash-max-ziplist-entries 64\n")
        .unwrap();
    let before = {
        // The rewritten file names the working directory: a test-owned one.
        let ember = Server::ember_with_config(&conf, &["--save", "60 5", "--dir", scratch.to_str().unwrap()]);
        let mut c = ember.conn();
        assert_eq!(config_map(&mut c, "save")["save"], "60 5", "--save \"\" then --save adds up");
        for (name, value) in [
            ("maxmemory-policy", "allkeys-lfu"),
            ("requirepass", "pass word\"x"),
            ("client-output-buffer-limit", "pubsub 1mb 2mb 3"),
            ("latency-tracking-info-percentiles", ""),
            ("repl-backlog-size", "5mb"),
            ("slave-priority", "7"),
            ("proc-title-template", "{title} {port}"),
            ("set-max-listpack-entries", "9"),
        ] {
            assert_eq!(c.cmd(&["CONFIG", "SET", name, value]), common::ok(), "{name}");
        }
        assert_eq!(c.run("CONFIG REWRITE"), common::ok());
        let mut all = config_map(&mut c, "*");
        all.extend(config_map(&mut c, "set-max-listpack-entries"));
        all
    };
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.contains("\nreplica-priority 7\n"), "{text}");
    let ember = Server::ember_with_config(&conf, &["--dir", scratch.to_str().unwrap()]);
    let mut c = ember.conn();
    assert_eq!(c.cmd(&["AUTH", "pass word\"x"]), common::ok());
    let mut after = config_map(&mut c, "*");
    after.extend(config_map(&mut c, "set-max-listpack-entries"));
    // The harness's options (port, dir, save "") are given again after the
    // rewritten file: compare everything else.
    let diff = map_diff(&before, &after, &["port", "save"]);
    assert!(diff.is_empty(), "CONFIG REWRITE did not round-trip:\n{}\n{text}", diff.join("\n"));
    drop(ember);
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Runs ember to completion with `args` (it must exit by itself).
fn ember_exits(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ember-server"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ember-server");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn unsupported_features_stop_start_up() {
    for (args, line, why) in [
        (
            &["--port", "0", "--appendonly", "yes"][..],
            ">>> 'appendonly \"yes\"'",
            "ember does not support AOF persistence",
        ),
        (&["--tls-port", "6380"][..], ">>> 'tls-port \"6380\"'", "ember does not support TLS"),
        (&["--cluster-enabled", "yes"][..], ">>> 'cluster-enabled \"yes\"'", "ember does not support cluster mode"),
        (
            &["--replicaof", "127.0.0.1", "6379"][..],
            ">>> 'replicaof \"127.0.0.1\" \"6379\"'",
            "ember does not support replication",
        ),
    ] {
        let (code, stderr) = ember_exits(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("*** FATAL CONFIG FILE ERROR (ember "), "{stderr}");
        assert!(stderr.contains(&format!("\n{line}\n{why}")), "{args:?}: {stderr}");
    }
    // Redis's own validation comes first, with its words.
    let (code, stderr) = ember_exits(&["--port", "1", "--tls-port", "x"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("Reading the configuration file, at line 3\n>>> 'tls-port \"x\"'\nargument couldn't be parsed into an integer"), "{stderr}");
}

#[test]
fn daemonize_forks_and_writes_the_pid_file() {
    let scratch = scratch_dir("daemon");
    let pidfile = scratch.join("ember.pid");
    let log = scratch.join("ember.log");
    // The daemon must be the one listening before the test talks to the
    // port (and shuts it down): another test may have taken a free port
    // first, and then the daemon exits saying so and starts on another.
    let (pid, port) = 'start: loop {
        let port = free_port();
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&pidfile);
        let (code, stderr) = ember_exits(&[
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            scratch.to_str().unwrap(),
            "--daemonize",
            "yes",
            "--pidfile",
            pidfile.to_str().unwrap(),
            "--logfile",
            log.to_str().unwrap(),
        ]);
        // The foreground process returns at once; the daemon serves.
        assert_eq!(code, 0, "{stderr}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("Address already in use") {
                continue 'start;
            }
            let pid = std::fs::read_to_string(&pidfile).ok().and_then(|p| p.trim().parse::<u32>().ok());
            if let Some(pid) = pid {
                if common::server::listener_is(pid, port) == Some(true) {
                    break 'start (pid, port);
                }
            }
            assert!(Instant::now() < deadline, "the daemon does not listen; its log:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    // A failing test must not leave the daemon running.
    struct Reap(u32);
    impl Drop for Reap {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.0 as i32), nix::sys::signal::SIGKILL);
            }
        }
    }
    let _reap = Reap(pid);
    let mut c = Conn::connect(port);
    assert_eq!(c.run("PING"), simple("PONG"));
    assert_eq!(config_map(&mut c, "daemonize")["daemonize"], "yes");
    assert_ne!(pid, std::process::id());
    c.send_raw(b"SHUTDOWN NOSAVE\r\n");
    let (_, closed) = c.read_until_close(Duration::from_secs(20));
    assert!(closed, "connection still open after SHUTDOWN NOSAVE");
    let deadline = Instant::now() + Duration::from_secs(20);
    while pidfile.exists() {
        assert!(Instant::now() < deadline, "the daemon did not remove its pid file");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
