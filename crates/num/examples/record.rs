//! Records the table `tests/redis_table.rs` checks: runs each case against a
//! redis-server (7.0.15 for the committed table) and prints one line per case.
//!
//! ```text
//! redis-server --port 6399 --save "" --daemonize yes
//! cargo run -p ember-num --example record -- 6399 > crates/num/tests/data/redis-7.0.15.tsv
//! ```
//!
//! It uses database 9 of that server (flushed) and changes
//! `zset-max-listpack-entries` while it runs (restored to 128 at the end).
//! A line is `kind TAB input [TAB input] TAB reply`, bytes outside `!`..`~`
//! (and `\`) written as `\xNN`; see `tests/redis_table.rs` for the kinds.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A reply, as much of it as the table needs.
#[derive(Debug)]
enum Reply {
    Text(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Nil,
    Array(Vec<Reply>),
    /// No reply within the read timeout (a client still blocked).
    Blocked,
}

struct Client {
    out: TcpStream,
    input: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let out = TcpStream::connect(("127.0.0.1", port)).expect("connect to redis-server");
        let input = BufReader::new(out.try_clone().expect("clone socket"));
        Client { out, input }
    }

    fn call(&mut self, args: &[&[u8]]) -> Reply {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
        self.out.write_all(&req).expect("send");
        self.read()
    }

    fn read(&mut self) -> Reply {
        let mut line = Vec::new();
        match self.input.read_until(b'\n', &mut line) {
            Ok(0) => panic!("connection closed"),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Reply::Blocked
            }
            Err(e) => panic!("read: {e}"),
        }
        line.truncate(line.len() - 2);
        let rest = line[1..].to_vec();
        let num = || String::from_utf8_lossy(&rest).parse::<i64>().expect("a length");
        match line[0] {
            b'+' | b',' => Reply::Text(rest),
            b'-' => Reply::Error(rest),
            b':' => Reply::Int(num()),
            b'_' => Reply::Nil,
            b'$' if num() < 0 => Reply::Nil,
            b'*' if num() < 0 => Reply::Nil,
            b'$' => {
                let mut data = vec![0u8; num() as usize + 2];
                std::io::Read::read_exact(&mut self.input, &mut data).expect("bulk");
                data.truncate(data.len() - 2);
                Reply::Text(data)
            }
            b'*' => Reply::Array((0..num()).map(|_| self.read()).collect()),
            other => panic!("unexpected reply type {:?}", other as char),
        }
    }
}

fn esc(s: &[u8]) -> String {
    s.iter()
        .map(
            |&b| if (b'!'..=b'~').contains(&b) && b != b'\\' { (b as char).to_string() } else { format!("\\x{b:02x}") },
        )
        .collect()
}

/// The reply as the table writes it: text as is, `:n`, `!error`, `(nil)`,
/// `(array)`, `(block)`.
fn text(r: &Reply) -> Vec<u8> {
    match r {
        Reply::Text(t) => t.clone(),
        Reply::Error(e) => [b"!".as_slice(), e].concat(),
        Reply::Int(n) => format!(":{n}").into_bytes(),
        Reply::Nil => b"(nil)".to_vec(),
        Reply::Array(_) => b"(array)".to_vec(),
        Reply::Blocked => b"(block)".to_vec(),
    }
}

/// Runs `steps` in order; the first error, else the last reply.
fn steps(c: &mut Client, steps: &[&[&[u8]]]) -> Reply {
    let mut last = Reply::Nil;
    for s in steps {
        last = c.call(s);
        if matches!(last, Reply::Error(_)) {
            break;
        }
    }
    last
}

/// A small deterministic generator for the random rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A decimal float: up to 20 digits, a point somewhere, an exponent.
    fn decimal(&mut self, max_exp: u64) -> String {
        let mut s = String::new();
        if self.below(3) == 0 {
            s.push('-');
        }
        let n = 1 + self.below(20);
        let point = self.below(n + 1);
        for i in 0..n {
            if i == point {
                s.push('.');
            }
            s.push((b'0' + self.below(10) as u8) as char);
        }
        if self.below(2) == 0 {
            let e = self.below(2 * max_exp + 1) as i64 - max_exp as i64;
            s.push_str(&format!("e{e}"));
        }
        s
    }
}

const FLOATS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.5",
    "0.1",
    "0.2",
    "0.3",
    "1.1",
    "10.5",
    "3.0e3",
    "5.",
    ".5",
    "+1",
    "1e+2",
    "1E-3",
    "0x1p3",
    "0X1.8P1",
    "0x.8",
    "0x10",
    "0x1p-1074",
    "0x1p-1080",
    "0x1.000000000000080000001p0",
    "0x0.000000000000081p-1022",
    "0x0.00000000000008p-1022",
    "0x1.fffffffffffff8p1023",
    "inf",
    "-inf",
    "+Inf",
    "INFINITY",
    "-Infinity",
    "infinit",
    "nan",
    "-nan",
    "NaN(1)",
    "1e308",
    "1.7976931348623157e308",
    "1.7976931348623159e308",
    "1e309",
    "1e400",
    "-1e400",
    "1e-400",
    "4.9e-324",
    "2.4703282292062328e-324",
    "2.4703282292062327e-324",
    "1e-310",
    "1e-320",
    "2.2250738585072014e-308",
    "2.2250738585072011e-308",
    "123456789012345678",
    "1152921504606846976",
    "4611686018427387904",
    "4611686018427388928",
    "-4611686018427387904",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "1e15",
    "1e16",
    "1e17",
    "99999999999999999",
    "0.0001",
    "0.00001",
    "1e-5",
    "2.5e-5",
    "3.14159265358979323846",
    "1e4000",
    "1e-4940",
    "1e5000",
    "1e-5000",
    "0x1p16383",
    "0x1p-16445",
    "0x1p-16446",
    "",
    " 1",
    "1 ",
    "\t1",
    "1\u{0}",
    "1\u{0}x",
    "1e",
    "1e+",
    "0x",
    "0x1p",
    ".",
    "-",
    "--1",
    "1.2.3",
    "abc",
    "1,5",
    "007",
    "00.5",
    "-0.0",
    "1.0000000000000002",
    "0.30000000000000004",
    "5005.6",
    "0.002",
    "123.456",
    "-123.456",
    "1234567890123456.7",
    "1234567890123456.25",
    "99999999999999.5",
    "0.000000000000000005",
    "0.000000000000000015",
    "0.000000000000000025",
    "-0.00000000000000001",
    "1e-17",
    "5e-18",
    "-5e-18",
];

const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "12345",
    "-12345",
    "999999999999999999",
    "1000000000000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "",
    "-",
    "-0",
    "00",
    "01",
    "-01",
    "+1",
    " 1",
    "1 ",
    "1a",
    "1.0",
    "0x10",
    "1\u{0}",
    "--1",
    "000000000000000000001",
    "18446744073709551615",
    "18446744073709551616",
    "\t2",
    "+01",
    "-1\u{0}",
    "1\u{0}junk",
];

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).expect("usage: record PORT");
    let mut c = Client::connect(port);
    let version = match c.call(&[b"INFO", b"server"]) {
        Reply::Text(t) => String::from_utf8_lossy(&t)
            .lines()
            .find_map(|l| l.strip_prefix("redis_version:").map(str::to_owned))
            .unwrap_or_default(),
        other => panic!("INFO: {other:?}"),
    };
    let _ = c.call(&[b"SELECT", b"9"]);
    let _ = c.call(&[b"FLUSHDB"]);
    println!("# Replies of redis-server {version}, recorded by crates/num/examples/record.rs.");
    println!("# kind<TAB>input[<TAB>input]<TAB>reply; see tests/redis_table.rs.");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut floats: Vec<String> = FLOATS.iter().map(|s| s.to_string()).collect();
    for i in 0..120 {
        floats.push(rng.decimal(if i % 3 == 0 { 330 } else { 20 }));
    }
    let row = |kind: &str, inputs: &[&[u8]], reply: &Reply| {
        let fields: Vec<String> = inputs.iter().map(|i| esc(i)).collect();
        println!("{kind}\t{}\t{}", fields.join("\t"), esc(&text(reply)));
    };

    // score: ZADD then ZSCORE of a skiplist (%.17g of the parsed double).
    let _ = c.call(&[b"CONFIG", b"SET", b"zset-max-listpack-entries", b"0"]);
    for f in &floats {
        let r = steps(&mut c, &[&[b"DEL", b"z"], &[b"ZADD", b"z", f.as_bytes(), b"m"], &[b"ZSCORE", b"z", b"m"]]);
        row("score", &[f.as_bytes()], &r);
    }
    // zincrby: ZADD x, ZINCRBY y.
    for i in 0..floats.len() {
        let (x, y) = (&floats[i], &floats[(i * 7 + 3) % floats.len()]);
        let r = steps(
            &mut c,
            &[&[b"DEL", b"z"], &[b"ZADD", b"z", x.as_bytes(), b"m"], &[b"ZINCRBY", b"z", y.as_bytes(), b"m"]],
        );
        row("zincrby", &[x.as_bytes(), y.as_bytes()], &r);
    }
    for (x, y) in [("inf", "-inf"), ("1e308", "1e308"), ("-0", "-0"), ("-0", "0"), ("0.1", "0.2")] {
        let r = steps(
            &mut c,
            &[&[b"DEL", b"z"], &[b"ZADD", b"z", x.as_bytes(), b"m"], &[b"ZINCRBY", b"z", y.as_bytes(), b"m"]],
        );
        row("zincrby", &[x.as_bytes(), y.as_bytes()], &r);
    }
    // listpack: ZSCAN of a listpack returns the stored text (d2string).
    let _ = c.call(&[b"CONFIG", b"SET", b"zset-max-listpack-entries", b"128"]);
    for f in &floats {
        let r = steps(&mut c, &[&[b"DEL", b"z"], &[b"ZADD", b"z", f.as_bytes(), b"m"], &[b"ZSCAN", b"z", b"0"]]);
        let r = match r {
            Reply::Array(mut parts) if parts.len() == 2 => match parts.pop() {
                Some(Reply::Array(mut items)) if items.len() == 2 => items.pop().unwrap_or(Reply::Nil),
                other => panic!("ZSCAN: {other:?}"),
            },
            other => other,
        };
        row("listpack", &[f.as_bytes()], &r);
    }
    // range: one end of ZRANGEBYSCORE (strtod of the C string, NaN refused).
    for f in floats.iter().map(String::as_str).chain(["(1", "(", "(nan", "( 1", "1\u{0}junk", "  ", "[1"]) {
        let r = c.call(&[b"ZRANGEBYSCORE", b"nokey", f.as_bytes(), b"+inf"]);
        row("range", &[f.as_bytes()], &r);
    }
    // incrbyfloat / hincrbyfloat: x, then the increment y.
    for i in 0..floats.len() {
        let (x, y) = (&floats[i], &floats[(i * 5 + 1) % floats.len()]);
        let r = steps(&mut c, &[&[b"SET", b"k", x.as_bytes()], &[b"INCRBYFLOAT", b"k", y.as_bytes()]]);
        row("incrbyfloat", &[x.as_bytes(), y.as_bytes()], &r);
        let r = steps(
            &mut c,
            &[&[b"DEL", b"h"], &[b"HSET", b"h", b"f", x.as_bytes()], &[b"HINCRBYFLOAT", b"h", b"f", y.as_bytes()]],
        );
        row("hincrbyfloat", &[x.as_bytes(), y.as_bytes()], &r);
    }
    for (x, y) in [("10.5", "0.1"), ("1e4000", "1"), ("0x1p16383", "0x1p16383"), ("-0", "-0"), ("1", "-1")] {
        let r = steps(&mut c, &[&[b"SET", b"k", x.as_bytes()], &[b"INCRBYFLOAT", b"k", y.as_bytes()]]);
        row("incrbyfloat", &[x.as_bytes(), y.as_bytes()], &r);
    }
    // Repeated increments, where 80-bit precision shows.
    for by in ["1.1", "0.1", "-0.7", "3.3e-5"] {
        let _ = c.call(&[b"SET", b"k", b"0"]);
        for _ in 0..25 {
            let before = match c.call(&[b"GET", b"k"]) {
                Reply::Text(t) => t,
                other => panic!("GET: {other:?}"),
            };
            let r = c.call(&[b"INCRBYFLOAT", b"k", by.as_bytes()]);
            row("incrbyfloat", &[&before, by.as_bytes()], &r);
        }
    }
    // int: a stored string read as an integer (INCRBY by 0: string2ll), and
    // the encoding SET gives it.
    let mut ints: Vec<String> = INTS.iter().map(|s| s.to_string()).collect();
    for _ in 0..40 {
        let v = rng.next() as i64 >> rng.below(64);
        ints.push(v.to_string());
    }
    for i in &ints {
        let r = steps(&mut c, &[&[b"SET", b"k", i.as_bytes()], &[b"INCRBY", b"k", b"0"]]);
        row("int", &[i.as_bytes()], &r);
        let r = steps(&mut c, &[&[b"SET", b"k", i.as_bytes()], &[b"OBJECT", b"ENCODING", b"k"]]);
        row("encoding", &[i.as_bytes()], &r);
    }
    // streamid: a stream id without a sequence (string2ull).
    for i in ints.iter().filter(|i| !i.starts_with('-') && !i.contains("-")) {
        let r = c.call(&[b"XRANGE", b"nokey", i.as_bytes(), b"+"]);
        row("streamid", &[i.as_bytes()], &r);
    }
    // cursor: SCAN's cursor (strtoul).
    for i in ints.iter().map(String::as_str).chain(["-1", "-", "+", "+5", "5\u{0}x", "\u{0}"]) {
        let r = c.call(&[b"SCAN", i.as_bytes(), b"COUNT", b"1"]);
        row("cursor", &[i.as_bytes()], &r);
    }
    // lua17 / lua14: a Lua number passed to redis.call (%.17g) and tostring (%.14g).
    for f in floats.iter().filter(|f| f.bytes().all(|b| b.is_ascii_graphic()) && !f.is_empty()) {
        let r = c.call(&[b"EVAL", b"return redis.call('echo', tonumber(ARGV[1]))", b"0", f.as_bytes()]);
        row("lua17", &[f.as_bytes()], &r);
        let r = c.call(&[b"EVAL", b"return tostring(tonumber(ARGV[1]))", b"0", f.as_bytes()]);
        row("lua14", &[f.as_bytes()], &r);
    }
    // timeout: BLPOP's timeout; (block) when no reply came within 300 ms.
    for t in [
        "0",
        "-0",
        "0.0001",
        "0.0015",
        "1e-4940",
        "1e-5000",
        "0x1p-16445",
        "1e4000",
        "-0.0001",
        "-0.0009",
        "-0.001",
        "-0.0011",
        "-1",
        "9.3e15",
        "9223372036854775.807",
        "9223372036854775.808",
        "inf",
        "-inf",
        "nan",
        "1e-400",
        " 1",
        "1 ",
        "1\u{0}",
        "abc",
        "",
    ] {
        let mut b = Client::connect(port);
        b.out.set_read_timeout(Some(Duration::from_millis(300))).expect("timeout");
        let r = b.call(&[b"BLPOP", b"nokey", t.as_bytes()]);
        row("timeout", &[t.as_bytes()], &r);
    }
    let _ = c.call(&[b"FLUSHDB"]);
}
