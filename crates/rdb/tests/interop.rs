//! Interoperability with real Redis (7.0 from Debian): our files pass
//! `redis-check-rdb` and load into `redis-server` with the same keys, types,
//! values and expiry times; Redis's own SAVE output decodes to what was put in
//! over RESP; DUMP payloads cross in both directions. Skipped, with a message,
//! when `redis-server` or `redis-check-rdb` is not installed (a failure when
//! references are required: see `common::refs`).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ember_rdb::fuzzing::normalize;
use ember_rdb::{
    dump_payload, parse_dump_payload, AuxFields, Encoding, Entry, Item, RdbValue, Reader, WriteOptions, Writer,
};

fn tools_available() -> bool {
    // Both looked up, so that a skip names each missing one.
    let server = common::refs::reference("redis-server");
    let check = common::refs::reference("redis-check-rdb");
    server && check
}

fn temp_dir() -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("ember-rdb-interop-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// Every type at its small and large encoding, some keys with TTLs.
fn dataset(db: u64) -> Vec<Entry> {
    let tag = |s: &str| format!("{s}-db{db}").into_bytes();
    // Fixed for the whole test run, an hour ahead.
    static BASE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let ttl = *BASE.get_or_init(|| now_ms() + 3_600_000) + db as i64;
    let list_big: Vec<Vec<u8>> = (0..2000).map(|i| format!("element-{i:05}-{db}").into_bytes()).collect();
    vec![
        Entry::new("str:int", RdbValue::String(b("12345"))),
        Entry::new("str:neg", RdbValue::String(b("-7"))),
        Entry::new("str:big", RdbValue::String(b("4611686018427387904"))),
        Entry::new("str:raw", RdbValue::String(tag("hello world"))),
        Entry::new("str:lzf", RdbValue::String("abc".repeat(100).into_bytes())),
        Entry::new("str:bin", RdbValue::String((0..=255u8).collect())),
        Entry::new("str:empty", RdbValue::String(vec![])),
        Entry::new("ttl:str", RdbValue::String(b("soon"))).with_expire_ms(ttl),
        Entry::new(vec![0xff, 0x00, b'k'], RdbValue::String(vec![0xc3, 0x28])),
        Entry::new("list:small", RdbValue::List((0..10).map(|i| format!("e{i}").into_bytes()).collect())),
        Entry::new("list:ints", RdbValue::List(vec![b("1"), b("-1"), b("100000"), b("6000000000"), b("007")])),
        Entry::new("list:big", RdbValue::List(list_big)).with_expire_ms(ttl),
        Entry::new("set:int", RdbValue::Set((0..20).map(|i| i.to_string().into_bytes()).collect())),
        Entry::new("set:int64", RdbValue::Set(vec![b("-5"), b("1099511627776")])),
        Entry::new("set:bigint", RdbValue::Set((0..600).map(|i| (i * 3).to_string().into_bytes()).collect())),
        Entry::new("set:str", RdbValue::Set((0..10).map(|i| format!("m{i}").into_bytes()).collect())),
        Entry::new(
            "zset:small",
            RdbValue::SortedSet((0..10).map(|i| (format!("z{i}").into_bytes(), i as f64 * 1.5)).collect()),
        )
        .with_expire_ms(ttl),
        Entry::new(
            "zset:big",
            RdbValue::SortedSet(
                (0..200).map(|i| (format!("member:{i}").into_bytes(), (i as f64).sqrt() * 3.7)).collect(),
            ),
        ),
        Entry::new(
            "zset:inf",
            RdbValue::SortedSet(vec![
                (b("a"), f64::NEG_INFINITY),
                (b("b"), f64::INFINITY),
                (b("c"), 0.0),
                (b("d"), 1e300),
            ]),
        ),
        Entry::new("hash:small", RdbValue::Hash((0..5).map(|i| (format!("f{i}").into_bytes(), tag("v"))).collect())),
        Entry::new(
            "hash:big",
            RdbValue::Hash(
                (0..200).map(|i| (format!("field:{i}").into_bytes(), format!("{i}").into_bytes())).collect(),
            ),
        ),
        Entry::new("hash:longval", RdbValue::Hash(vec![(b("k"), vec![b'y'; 100])])),
    ]
}

const DBS: [u64; 3] = [0, 3, 15];

// --- a tiny RESP client --------------------------------------------------------

#[derive(Debug, PartialEq)]
enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

impl Reply {
    fn bytes(self) -> Vec<u8> {
        match self {
            Reply::Bulk(Some(b)) => b,
            other => panic!("expected a bulk string, got {other:?}"),
        }
    }
    fn array(self) -> Vec<Vec<u8>> {
        match self {
            Reply::Array(items) => items.into_iter().map(Reply::bytes).collect(),
            other => panic!("expected an array, got {other:?}"),
        }
    }
    fn int(self) -> i64 {
        match self {
            Reply::Int(i) => i,
            other => panic!("expected an integer, got {other:?}"),
        }
    }
}

struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Client { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream }
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            let a = a.as_ref();
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&out).unwrap();
        self.read()
    }

    fn read(&mut self) -> Reply {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).unwrap();
        assert!(line.ends_with(b"\r\n"), "bad reply line {line:?}");
        let text = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
        match line[0] {
            b'+' => Reply::Status(text),
            b'-' => Reply::Error(text),
            b':' => Reply::Int(text.parse().unwrap()),
            b'$' => {
                let n: i64 = text.parse().unwrap();
                if n < 0 {
                    return Reply::Bulk(None);
                }
                let mut buf = vec![0; n as usize + 2];
                std::io::Read::read_exact(&mut self.reader, &mut buf).unwrap();
                buf.truncate(n as usize);
                Reply::Bulk(Some(buf))
            }
            b'*' => {
                let n: i64 = text.parse().unwrap();
                Reply::Array((0..n.max(0)).map(|_| self.read()).collect())
            }
            other => panic!("unexpected reply type {other}"),
        }
    }

    fn ok<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        match self.cmd(args) {
            Reply::Status(s) if s == "OK" => {}
            Reply::Int(_) => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(args[0].as_ref())),
        }
    }

    /// The key's value as Redis reports it, and its PEXPIRETIME.
    fn fetch(&mut self, key: &[u8]) -> (RdbValue, i64) {
        let ty = match self.cmd(&[&b"TYPE"[..], key]) {
            Reply::Status(t) => t,
            other => panic!("{other:?}"),
        };
        let value = match ty.as_str() {
            "string" => RdbValue::String(self.cmd(&[&b"GET"[..], key]).bytes()),
            "list" => RdbValue::List(self.cmd(&[&b"LRANGE"[..], key, b"0", b"-1"]).array()),
            "set" => RdbValue::Set(self.cmd(&[&b"SMEMBERS"[..], key]).array()),
            "zset" => {
                let flat = self.cmd(&[&b"ZRANGE"[..], key, b"0", b"-1", b"WITHSCORES"]).array();
                RdbValue::SortedSet(
                    flat.chunks(2).map(|p| (p[0].clone(), redis_score(&String::from_utf8_lossy(&p[1])))).collect(),
                )
            }
            "hash" => {
                let flat = self.cmd(&[&b"HGETALL"[..], key]).array();
                RdbValue::Hash(flat.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect())
            }
            other => panic!("type {other} for {key:?}"),
        };
        let expire = self.cmd(&[&b"PEXPIRETIME"[..], key]).int();
        (value, expire)
    }
}

fn redis_score(s: &str) -> f64 {
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => s.parse().unwrap(),
    }
}

/// A redis-server we started; killed (by its handle) when dropped, its log
/// printed if the test is failing.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts redis-server on a free port. A free port may be taken by
    /// another test before Redis binds it: Redis then exits saying so, and
    /// starts again on another one. It counts as started when its own log
    /// (a file only it writes) says it is ready, so another process on the
    /// port is never mistaken for it.
    fn start(dir: &Path, dbfilename: &str) -> Server {
        for _ in 0..10 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let log = dir.join(format!("redis-{port}.log"));
            let _ = std::fs::remove_file(&log);
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir)
                .args(["--dbfilename", dbfilename])
                .arg("--logfile")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut server = Server { child, port, log };
            if server.wait_ready() {
                return server;
            }
        }
        panic!("redis-server found no free port in 10 tries");
    }

    /// True once the server is ready and answers PING; false if the port
    /// was taken.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = self.log_text();
            if log.contains("Address already in use") {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return false;
            }
            if log.contains("Ready to accept connections") {
                let mut c = Client::connect(self.port);
                match c.cmd(&["PING"]) {
                    Reply::Status(s) if s == "PONG" => return true,
                    other => panic!("redis-server answered PING with {other:?}; log:\n{log}"),
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("redis-server exited with {status}; log:\n{log}");
            }
            assert!(Instant::now() < deadline, "redis-server did not start; log:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- redis-server on port {} ({}), kept with its directory:\n{}",
                self.port,
                self.log.display(),
                self.log_text()
            );
        }
    }
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb").arg(path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("RDB looks OK"), "redis-check-rdb {}:\n{stdout}", path.display());
}

fn sorted(v: &RdbValue) -> RdbValue {
    match v {
        RdbValue::SortedSet(p) => {
            let mut p = p.clone();
            p.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            RdbValue::SortedSet(p)
        }
        other => normalize(other),
    }
}

fn write_dataset(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = Writer::new(std::io::BufWriter::new(file), WriteOptions::default()).unwrap();
    w.write_standard_aux(&AuxFields {
        redis_ver: "7.0.15",
        redis_bits: 64,
        ctime: now_ms() / 1000,
        used_mem: 1 << 20,
        aof_base: false,
    })
    .unwrap();
    for db in DBS {
        let entries = dataset(db);
        w.select_db(db).unwrap();
        w.resize_db(entries.len() as u64, entries.iter().filter(|e| e.expire_ms.is_some()).count() as u64).unwrap();
        for e in &entries {
            w.write_entry(e).unwrap();
        }
    }
    w.finish().unwrap();
}

#[test]
fn redis_loads_our_files_and_we_load_redis_files() {
    if !tools_available() {
        return;
    }
    let dir = temp_dir();

    // 1. Our file passes redis-check-rdb and loads with every key intact.
    let ours = dir.join("ours.rdb");
    write_dataset(&ours);
    check_rdb(&ours);
    let server = Server::start(&dir, "ours.rdb");
    let mut c = Client::connect(server.port);
    for db in DBS {
        c.ok(&["SELECT", &db.to_string()]);
        let entries = dataset(db);
        assert_eq!(c.cmd(&["DBSIZE"]).int(), entries.len() as i64, "db {db}");
        for e in &entries {
            let (value, expire) = c.fetch(&e.key);
            assert_eq!(sorted(&value), sorted(&e.value), "db {db} key {:?}", String::from_utf8_lossy(&e.key));
            assert_eq!(expire, e.expire_ms.unwrap_or(-1), "db {db} key {:?}", String::from_utf8_lossy(&e.key));
        }
    }

    // 2. The same data put in over RESP, plus a stream with a consumer group,
    //    saved by Redis, decodes to the same thing.
    c.ok(&["FLUSHALL"]);
    for db in DBS {
        c.ok(&["SELECT", &db.to_string()]);
        for e in dataset(db) {
            let k = e.key.clone();
            match &e.value {
                RdbValue::String(s) => c.ok(&[&b"SET"[..], &k, s]),
                RdbValue::List(items) => {
                    for chunk in items.chunks(100) {
                        let mut args = vec![b("RPUSH"), k.clone()];
                        args.extend(chunk.iter().cloned());
                        c.ok(&args);
                    }
                }
                RdbValue::Set(members) => {
                    let mut args = vec![b("SADD"), k.clone()];
                    args.extend(members.iter().cloned());
                    c.ok(&args);
                }
                RdbValue::SortedSet(pairs) => {
                    let mut args = vec![b("ZADD"), k.clone()];
                    for (m, s) in pairs {
                        args.push(ember_num::format_g17(*s, &mut [0u8; ember_num::FLOAT_BUF_LEN]).to_vec());
                        args.push(m.clone());
                    }
                    c.ok(&args);
                }
                RdbValue::Hash(pairs) => {
                    let mut args = vec![b("HSET"), k.clone()];
                    for (f, v) in pairs {
                        args.push(f.clone());
                        args.push(v.clone());
                    }
                    c.ok(&args);
                }
                other => panic!("{other:?}"),
            }
            if let Some(ms) = e.expire_ms {
                c.ok(&[&b"PEXPIREAT"[..], &k, ms.to_string().as_bytes()]);
            }
        }
    }
    c.ok(&["SELECT", "0"]);
    assert!(matches!(c.cmd(&["XADD", "stream", "1-1", "f", "v"]), Reply::Bulk(Some(_))));
    assert!(matches!(c.cmd(&["XADD", "stream", "2-1", "a", "1", "b", "2"]), Reply::Bulk(Some(_))));
    c.ok(&["XGROUP", "CREATE", "stream", "grp", "0"]);
    assert!(matches!(
        c.cmd(&["XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "stream", ">"]),
        Reply::Array(_)
    ));
    c.ok(&["SAVE"]);
    let saved = std::fs::read(dir.join("ours.rdb")).unwrap();
    let mut reader = Reader::new(saved.as_slice()).unwrap();
    let mut items = Vec::new();
    while let Some(item) = reader.next_item().unwrap() {
        if let Item::Entry(e) = &item {
            let db = reader.current_db();
            if e.key == b"stream" {
                let RdbValue::Stream(s) = &e.value else { panic!("stream type") };
                assert_eq!((s.length, s.nodes.len(), s.groups.len()), (2, 1, 1));
                assert_eq!(s.last_id, ember_rdb::StreamId { ms: 2, seq: 1 });
                assert_eq!(s.groups[0].name, b"grp");
                assert_eq!(s.groups[0].pending.len(), 1);
                assert_eq!(s.groups[0].consumers[0].name, b"alice");
                assert_eq!(e.encoding, Encoding::StreamListpacks);
            } else {
                let want = dataset(db).into_iter().find(|w| w.key == e.key).expect("key from the dataset");
                assert_eq!(sorted(&e.value), sorted(&want.value), "db {db} {:?}", String::from_utf8_lossy(&e.key));
                assert_eq!(e.expire_ms, want.expire_ms);
            }
        }
        items.push(item);
    }
    let keys = items.iter().filter(|i| matches!(i, Item::Entry(_))).count();
    assert_eq!(keys, DBS.len() * dataset(0).len() + 1);

    // 3. DUMP payloads cross both ways (RESTORE checks version and CRC).
    for e in dataset(0) {
        let payload = c.cmd(&[&b"DUMP"[..], &e.key]).bytes();
        assert_eq!(sorted(&parse_dump_payload(&payload).unwrap()), sorted(&e.value));
        let ours = dump_payload(&e.value).unwrap();
        let mut restored_key = b"restored:".to_vec();
        restored_key.extend_from_slice(&e.key);
        c.ok(&[&b"RESTORE"[..], &restored_key, b"0", &ours]);
        assert_eq!(sorted(&c.fetch(&restored_key).0), sorted(&e.value));
    }
    let stream_payload = c.cmd(&["DUMP", "stream"]).bytes();
    let stream_value = parse_dump_payload(&stream_payload).unwrap();
    c.ok(&[&b"RESTORE"[..], b"stream2", b"0", &dump_payload(&stream_value).unwrap()]);
    assert_eq!(c.cmd(&["XLEN", "stream2"]).int(), 2);
    drop(server);

    // 4. Redis's file, re-encoded item by item by our writer, passes
    //    redis-check-rdb and loads (stream included).
    let rewritten = dir.join("rewritten.rdb");
    {
        let mut w = Writer::new(std::fs::File::create(&rewritten).unwrap(), WriteOptions::default()).unwrap();
        for item in &items {
            w.write_item(item).unwrap();
        }
        w.finish().unwrap();
    }
    check_rdb(&rewritten);
    let server = Server::start(&dir, "rewritten.rdb");
    let mut c = Client::connect(server.port);
    assert_eq!(c.cmd(&["XLEN", "stream"]).int(), 2);
    match c.cmd(&["XPENDING", "stream", "grp"]) {
        Reply::Array(parts) => assert_eq!(parts[0], Reply::Int(1)),
        other => panic!("{other:?}"),
    }
    c.ok(&["SELECT", "15"]);
    assert_eq!(c.cmd(&["DBSIZE"]).int(), dataset(15).len() as i64);
    drop(server);

    std::fs::remove_dir_all(&dir).unwrap();
}
