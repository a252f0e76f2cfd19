//! The stock Redis tools against ember: redis-benchmark and redis-cli. Each
//! test prints a skip line and passes when the tool is not installed, unless
//! references are required (`common::reference`).

mod common;

use std::process::{Command, Output};

use common::{reference, Server};

fn run(bin: &std::path::Path, args: &[&str]) -> Output {
    let out = Command::new(bin).args(args).output().expect("spawn tool");
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}\n{}",
        bin.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// redis-benchmark -q prints one `NAME: N requests per second` line per test;
/// anything that looks like an error fails.
fn check_benchmark_output(out: &Output, tests: &[&str]) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // -q rewrites its progress line with \r; keep the final text of each line.
    let lines: Vec<&str> = text.split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).collect();
    for l in &lines {
        let lower = l.to_ascii_lowercase();
        assert!(
            !lower.contains("err") && !lower.contains("fail") && !lower.contains("refused"),
            "benchmark error line: {l}\n{text}"
        );
    }
    for t in tests {
        assert!(
            lines
                .iter()
                .any(|l| l.to_ascii_uppercase().starts_with(&format!("{t}:")) && l.contains("requests per second")),
            "no result line for {t}:\n{text}"
        );
    }
}

#[test]
fn redis_benchmark_plain() {
    let Some(bench) = reference("redis-benchmark") else { return };
    let s = Server::ember(&[]);
    let port = s.port.to_string();
    let out = run(&bench, &["-h", "127.0.0.1", "-p", &port, "-q", "-n", "20000", "-t", "set,get,incr,mset,ping"]);
    check_benchmark_output(&out, &["SET", "GET", "INCR", "MSET (10 KEYS)", "PING_INLINE", "PING_MBULK"]);
    // It really wrote: the counter key holds 20000 increments.
    assert_eq!(s.conn().run("GET counter:__rand_int__"), common::bulk("20000"));
}

#[test]
fn redis_benchmark_pipelined() {
    let Some(bench) = reference("redis-benchmark") else { return };
    let s = Server::ember(&[]);
    let port = s.port.to_string();
    let out = run(&bench, &["-h", "127.0.0.1", "-p", &port, "-q", "-n", "50000", "-P", "16", "-t", "set,get"]);
    check_benchmark_output(&out, &["SET", "GET"]);
}

#[test]
fn redis_cli_scan_select_and_formatting() {
    let Some(cli) = reference("redis-cli") else { return };
    let s = Server::ember(&[]);
    let port = s.port.to_string();
    let base = ["-h", "127.0.0.1", "-p", port.as_str()];
    let cli_run = |extra: &[&str]| -> String {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&run(&cli, &args).stdout).into_owned()
    };
    let mut c = s.conn();
    let mut keys: Vec<String> = (0..150).map(|i| format!("k{i}")).collect();
    for k in &keys {
        assert_eq!(c.cmd(&["SET", k.as_str(), "v"]), common::ok());
    }
    assert_eq!(c.run("SET other v"), common::ok());
    let out = cli_run(&["--scan", "--pattern", "k*"]);
    let mut listed: Vec<String> = out.lines().map(String::from).collect();
    listed.sort();
    listed.dedup();
    keys.sort();
    assert_eq!(listed, keys);

    assert_eq!(cli_run(&["-n", "3", "set", "x", "1"]).trim(), "OK");
    assert_eq!(cli_run(&["-n", "3", "get", "x"]).trim(), "1");
    assert_eq!(cli_run(&["get", "x"]).trim(), "", "db 0 must not see db 3's key");
    assert_eq!(cli_run(&["-n", "3", "--no-raw", "get", "x"]).trim(), "\"1\"");
    assert_eq!(cli_run(&["--no-raw", "get", "nokey"]).trim(), "(nil)");
    assert_eq!(cli_run(&["--no-raw", "incr", "n"]).trim(), "(integer) 1");
    assert_eq!(cli_run(&["--no-raw", "mget", "n", "nokey"]).trim(), "1) \"1\"\n2) (nil)");
    assert_eq!(
        cli_run(&["--no-raw", "nosuchcommand"]).trim(),
        "(error) ERR unknown command 'nosuchcommand', with args beginning with:"
    );
    assert_eq!(cli_run(&["-3", "--no-raw", "get", "nokey"]).trim(), "(nil)");
    assert_eq!(cli_run(&["ping"]).trim(), "PONG");
    assert_eq!(cli_run(&["dbsize"]).trim(), "152");
    // Arguments from stdin-less -x style: a value with spaces and quotes.
    assert_eq!(cli_run(&["set", "q", "a \"b\" c"]).trim(), "OK");
    assert_eq!(cli_run(&["--no-raw", "get", "q"]).trim(), "\"a \\\"b\\\" c\"");
}
