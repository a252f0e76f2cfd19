//! Test harness shared by the integration tests: start ember and the
//! reference `redis-server` on ports of their own ([`server`]), talk RESP
//! to them with a tiny blocking client ([`conn`]), compare the two
//! ([`diff`]), and generate seeded random commands ([`rng`]).
#![allow(dead_code, unused_imports)]

pub mod conn;
pub mod diff;
pub mod rng;
pub mod server;

pub use conn::{args, encode_cmd, scan_all, Conn, READ_TIMEOUT};
pub use ember_resp::Frame;
pub use rng::Rng;
pub use server::{
    free_port, missing_reference, reference, reference_file, references_required, scratch_dir, Kind, Server,
};

/// Reply constructors for expectations.
pub fn ok() -> Frame {
    Frame::simple("OK")
}
/// A simple string.
pub fn simple(s: &str) -> Frame {
    Frame::Simple(s.as_bytes().to_vec().into())
}
/// An error reply.
pub fn err(s: &str) -> Frame {
    Frame::Error(s.as_bytes().to_vec().into())
}
/// A bulk string.
pub fn bulk(s: impl AsRef<[u8]>) -> Frame {
    Frame::Bulk(s.as_ref().to_vec().into())
}
/// An integer.
pub fn int(i: i64) -> Frame {
    Frame::Integer(i)
}
/// An array.
pub fn arr(items: Vec<Frame>) -> Frame {
    Frame::Array(items)
}
/// An array of bulks.
pub fn bulks(items: &[&str]) -> Frame {
    Frame::Array(items.iter().map(bulk).collect())
}

/// Renders a frame compactly for failure messages.
pub fn show(f: &Frame) -> String {
    fn b(x: &[u8]) -> String {
        let s = String::from_utf8_lossy(x);
        if s.len() > 200 {
            format!("{:?}...({} bytes)", &s[..200.min(s.len())], x.len())
        } else {
            format!("{s:?}")
        }
    }
    match f {
        Frame::Simple(s) => format!("+{}", String::from_utf8_lossy(s)),
        Frame::Error(s) => format!("-{}", String::from_utf8_lossy(s)),
        Frame::Integer(i) => format!(":{i}"),
        Frame::Bulk(x) => b(x),
        Frame::Null => "_".into(),
        Frame::NullBulk => "$-1".into(),
        Frame::NullArray => "*-1".into(),
        Frame::Array(v) if v.len() > 40 => {
            format!("[{} ... ({} items)]", v.iter().take(5).map(show).collect::<Vec<_>>().join(", "), v.len())
        }
        Frame::Array(v) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Frame::Set(v) => format!("~{{{}}}", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Frame::Push(v) => format!(">[{}]", v.iter().map(show).collect::<Vec<_>>().join(", ")),
        Frame::Map(v) => {
            format!(
                "%{{{}}}",
                v.iter().map(|(k, v)| format!("{}: {}", show(k), show(v))).collect::<Vec<_>>().join(", ")
            )
        }
        Frame::Double(d) => format!(",{d}"),
        Frame::Boolean(x) => format!("#{x}"),
        Frame::BigNumber(x) => format!("({}", String::from_utf8_lossy(x)),
        Frame::Verbatim { format, data } => format!("={}:{}", String::from_utf8_lossy(format), b(data)),
        Frame::BlobError(x) => format!("!{}", b(x)),
        Frame::Attribute { value, .. } => format!("|{}", show(value)),
    }
}

/// Flattens a reply's bulk/simple strings (for key lists).
pub fn strings(f: &Frame) -> Vec<Vec<u8>> {
    match f {
        Frame::Array(v) | Frame::Set(v) => v
            .iter()
            .map(|x| match x {
                Frame::Bulk(b) | Frame::Simple(b) => b.to_vec(),
                other => panic!("not a string: {}", show(other)),
            })
            .collect(),
        other => panic!("not an array: {}", show(other)),
    }
}
