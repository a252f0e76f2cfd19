fn main() {
    for path in std::env::args().skip(1) {
        println!("== {path}");
        let data = std::fs::read(&path).unwrap();
        let r = ember_rdb::Reader::new(data.as_slice());
        let r = match r { Ok(r) => r, Err(e) => { println!("header error: {e}"); continue } };
        for item in r {
            match item {
                Ok(ember_rdb::Item::Entry(e)) => {
                    let s = format!("{:?}", e.value);
                    println!("key {:?} enc {:?} exp {:?} idle {:?} freq {:?} {}", String::from_utf8_lossy(&e.key), e.encoding, e.expire_ms, e.idle, e.freq, &s[..s.len().min(150)]);
                }
                Ok(other) => { let s = format!("{other:?}"); println!("{}", &s[..s.len().min(200)]) }
                Err(e) => { println!("ERROR: {e}"); break }
            }
        }
    }
}
