//! The `ember-rdb` binary end to end on a file we write.

use std::process::Command;

use ember_rdb::{Entry, RdbValue, WriteOptions, Writer};

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ember-rdb")).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_dump_stats() {
    let dir = std::env::temp_dir().join(format!("ember-rdb-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.rdb");
    let mut w = Writer::new(Vec::new(), WriteOptions::default()).unwrap();
    w.select_db(2).unwrap();
    w.write_entry(&Entry::new(&b"user:\xff"[..], RdbValue::String(b"caf\xc3\xa9 \x00".to_vec())).with_expire_ms(99))
        .unwrap();
    w.write_entry(&Entry::new("n", RdbValue::Set(vec![b"1".to_vec(), b"2".to_vec()]))).unwrap();
    let bytes = w.finish().unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let file = path.to_str().unwrap();

    let (ok, stdout, _) = run(&["check", file]);
    assert!(ok && stdout.starts_with("OK: RDB version 10"), "{stdout}");
    assert!(stdout.contains("2 keys in 1 databases, 1 with expiry"), "{stdout}");

    let (ok, stdout, _) = run(&["dump", file]);
    assert!(ok);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"db":2,"key":"user:\u00ff","type":"string","encoding":"raw","ttl":99,"value":"café \u0000"}"#,
            r#"{"db":2,"key":"n","type":"set","encoding":"intset","ttl":null,"value":["1","2"]}"#,
        ]
    );
    let (_, stdout, _) = run(&["dump", "--hex", "--db", "2", file]);
    assert!(stdout.starts_with(r#"{"db":2,"key":"757365723aff""#), "{stdout}");
    let (_, stdout, _) = run(&["dump", "--db", "0", file]);
    assert_eq!(stdout, "");

    let (ok, stdout, _) = run(&["stats", file]);
    assert!(ok && stdout.contains("\"user\"") && stdout.contains("intset"), "{stdout}");

    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 3] ^= 1;
    std::fs::write(&path, &bad).unwrap();
    let (ok, _, stderr) = run(&["check", file]);
    assert!(!ok);
    assert!(
        stderr.contains("checksum mismatch") && stderr.contains(&format!("first bad offset: {}", n - 8)),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
