//! Data-driven tests of `FrameDecoder` and `Frame::encode`: every RESP2/RESP3
//! type, every frame error, limits, zero-copy payloads and RESP2 downgrades.

use bytes::{Bytes, BytesMut};
use ember_resp::{Frame, FrameDecoder, Limits, Protocol, ProtocolError};

fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

/// `input` decodes to exactly `expected`, consuming all of it, and `expected`
/// encodes (RESP3) back to `input`.
fn check(input: &[u8], expected: Frame) {
    check_decode(input, &expected);
    assert_eq!(expected.to_bytes(Protocol::Resp3).as_ref(), input, "re-encoding {expected:?}");
}

/// `input` decodes to exactly `expected`, consuming all of it.
fn check_decode(input: &[u8], expected: &Frame) {
    let mut buf = BytesMut::from(input);
    let frame = FrameDecoder::default().decode(&mut buf);
    assert_eq!(frame, Ok(Some(expected.clone())), "input {:?}", input.escape_ascii().to_string());
    assert!(buf.is_empty());
    // Every proper prefix is incomplete.
    for cut in 0..input.len() {
        let mut buf = BytesMut::from(&input[..cut]);
        assert_eq!(FrameDecoder::default().decode(&mut buf), Ok(None));
        assert_eq!(buf.len(), cut);
    }
}

fn check_err(input: &[u8], limits: Limits, expected: ProtocolError) {
    let mut buf = BytesMut::from(input);
    assert_eq!(
        FrameDecoder::new(limits).decode(&mut buf),
        Err(expected),
        "input {:?}",
        input.escape_ascii().to_string()
    );
}

/// `frame` encodes for `proto` to exactly `expected`.
fn check_encode(frame: Frame, proto: Protocol, expected: &[u8]) {
    let got = frame.to_bytes(proto);
    assert_eq!(got.as_ref(), expected, "got {:?}", got.as_ref().escape_ascii().to_string());
}

#[test]
fn resp2_types() {
    check(b"+OK\r\n", Frame::simple("OK"));
    check(b"+\r\n", Frame::simple(""));
    check(b"-ERR unknown\r\n", Frame::error("ERR unknown"));
    check(b":0\r\n", Frame::Integer(0));
    check(b":-9223372036854775808\r\n", Frame::Integer(i64::MIN));
    check(b":9223372036854775807\r\n", Frame::Integer(i64::MAX));
    check(b"$5\r\nhello\r\n", Frame::bulk("hello"));
    check(b"$0\r\n\r\n", Frame::bulk(""));
    check(b"$4\r\n\r\n\0\xff\r\n", Frame::bulk(b(b"\r\n\0\xff")));
    check(b"$-1\r\n", Frame::NullBulk);
    check(b"*-1\r\n", Frame::NullArray);
    check(b"*0\r\n", Frame::Array(vec![]));
    check(
        b"*3\r\n:1\r\n$1\r\na\r\n*1\r\n+x\r\n",
        Frame::Array(vec![Frame::Integer(1), Frame::bulk("a"), Frame::Array(vec![Frame::simple("x")])]),
    );
    check(b"*2\r\n$-1\r\n*-1\r\n", Frame::Array(vec![Frame::NullBulk, Frame::NullArray]));
}

#[test]
fn resp3_types() {
    check(b"_\r\n", Frame::Null);
    check(
        b"%2\r\n+a\r\n:1\r\n$1\r\nb\r\n_\r\n",
        Frame::Map(vec![(Frame::simple("a"), Frame::Integer(1)), (Frame::bulk("b"), Frame::Null)]),
    );
    check(b"%0\r\n", Frame::Map(vec![]));
    check(b"~2\r\n:1\r\n:2\r\n", Frame::Set(vec![Frame::Integer(1), Frame::Integer(2)]));
    check(
        b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
        Frame::Push(vec![Frame::bulk("message"), Frame::bulk("ch"), Frame::bulk("hi")]),
    );
    check(b",1.5\r\n", Frame::Double(1.5));
    check(b",-0\r\n", Frame::Double(-0.0));
    check(b",inf\r\n", Frame::Double(f64::INFINITY));
    check(b",-inf\r\n", Frame::Double(f64::NEG_INFINITY));
    check(b",nan\r\n", Frame::Double(f64::NAN));
    check(b",1e+100\r\n", Frame::Double(1e100));
    check(b",0.10000000000000001\r\n", Frame::Double(0.1));
    check_decode(b",1e300\r\n", &Frame::Double(1e300));
    check_decode(b",3.0e2\r\n", &Frame::Double(300.0));
    check_decode(b",10\r\n", &Frame::Double(10.0));
    check(b"#t\r\n", Frame::Boolean(true));
    check(b"#f\r\n", Frame::Boolean(false));
    check(
        b"(3492890328409238509324850943850943825024385\r\n",
        Frame::BigNumber(b(b"3492890328409238509324850943850943825024385")),
    );
    check(b"(-12\r\n", Frame::BigNumber(b(b"-12")));
    check(b"=15\r\ntxt:Some string\r\n", Frame::Verbatim { format: *b"txt", data: b(b"Some string") });
    check(b"=4\r\nmkd:\r\n", Frame::Verbatim { format: *b"mkd", data: b(b"") });
    check(b"!21\r\nSYNTAX invalid syntax\r\n", Frame::BlobError(b(b"SYNTAX invalid syntax")));
    check(
        b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n*1\r\n:2039123\r\n",
        Frame::Attribute {
            attributes: vec![(
                Frame::simple("key-popularity"),
                Frame::Map(vec![(Frame::bulk("a"), Frame::Double(0.1923))]),
            )],
            value: Box::new(Frame::Array(vec![Frame::Integer(2039123)])),
        },
    );
    check(
        b"*2\r\n|0\r\n:1\r\n:2\r\n",
        Frame::Array(vec![
            Frame::Attribute { attributes: vec![], value: Box::new(Frame::Integer(1)) },
            Frame::Integer(2),
        ]),
    );
}

#[test]
fn lenient_integer_forms() {
    check_decode(b":+5\r\n", &Frame::Integer(5));
    check_decode(b":007\r\n", &Frame::Integer(7));
    check_decode(b"(+1\r\n", &Frame::BigNumber(b(b"+1")));
}

#[test]
fn frame_errors() {
    let d = Limits::default;
    use ProtocolError::*;
    check_err(b"?x\r\n", d(), InvalidFrameType { got: b'?', offset: 0 });
    check_err(b"*1\r\nx", d(), InvalidFrameType { got: b'x', offset: 4 });
    check_err(b":abc\r\n", d(), InvalidInteger { offset: 0 });
    check_err(b":\r\n", d(), InvalidInteger { offset: 0 });
    check_err(b":99999999999999999999\r\n", d(), InvalidInteger { offset: 0 });
    check_err(b",x\r\n", d(), InvalidDouble { offset: 0 });
    check_err(b",\r\n", d(), InvalidDouble { offset: 0 });
    check_err(b"#x\r\n", d(), InvalidBoolean { offset: 0 });
    check_err(b"#\r\n", d(), InvalidBoolean { offset: 0 });
    check_err(b"(1a\r\n", d(), InvalidBigNumber { offset: 0 });
    check_err(b"(\r\n", d(), InvalidBigNumber { offset: 0 });
    check_err(b"=3\r\ntxt\r\n", d(), InvalidVerbatim { offset: 4 });
    check_err(b"=4\r\ntxtx\r\n", d(), InvalidVerbatim { offset: 4 });
    check_err(b"$3\r\nfooXY", d(), ExpectedCrlf { offset: 7 });
    check_err(b"+OK\rX", d(), ExpectedCrlf { offset: 3 });
    check_err(b"_x\r\n", d(), ExpectedCrlf { offset: 1 });
    check_err(b"+a\nb\r\n", d(), ExpectedCrlf { offset: 2 });
    check_err(b"-a\n", d(), ExpectedCrlf { offset: 2 });
    check_err(b"$-2\r\n", d(), InvalidBulkLength { offset: 0 });
    check_err(b"=-1\r\n", d(), InvalidBulkLength { offset: 0 });
    check_err(b"$x\r\n", d(), InvalidBulkLength { offset: 0 });
    check_err(b"$536870913\r\n", d(), InvalidBulkLength { offset: 0 });
    check_err(b"*-2\r\n", d(), InvalidMultibulkLength { offset: 0 });
    check_err(b"%-1\r\n", d(), InvalidMultibulkLength { offset: 0 });
    check_err(b"*2147483648\r\n", d(), InvalidMultibulkLength { offset: 0 });
    check_err(b"*?\r\n", d(), InvalidMultibulkLength { offset: 0 });
    let small = Limits { max_inline_len: 4, max_depth: 2, ..Limits::default() };
    check_err(b"+hello", small.clone(), LineTooLong { offset: 5 });
    check_err(b"*1\r\n*1\r\n*1\r\n:1\r\n", small.clone(), TooDeep { max_depth: 2, offset: 8 });
    // Empty aggregates and at-limit nesting are fine.
    let mut buf = BytesMut::from(&b"*1\r\n*1\r\n*0\r\n+hell\r\n"[..]);
    let mut decoder = FrameDecoder::new(small);
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    // Default depth cap: 128.
    let mut deep = b"*1\r\n".repeat(129);
    deep.extend_from_slice(b":1\r\n");
    check_err(&deep, d(), TooDeep { max_depth: 128, offset: 128 * 4 });
    let ok = &deep[4..];
    assert!(Frame::decode_one(ok).unwrap().is_some());
}

#[test]
fn decodes_a_stream_and_resumes() {
    let mut decoder = FrameDecoder::default();
    let stream = b"+OK\r\n*2\r\n$3\r\nfoo\r\n:12\r\n_\r\n";
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for &byte in stream.iter() {
        buf.extend_from_slice(&[byte]);
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            frames.push(frame);
        }
        assert!(decoder.bytes_needed() > buf.len());
    }
    assert_eq!(frames, [Frame::simple("OK"), Frame::Array(vec![Frame::bulk("foo"), Frame::Integer(12)]), Frame::Null]);
    assert!(buf.is_empty());
}

#[test]
fn bytes_needed_inside_a_bulk() {
    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::from(&b"$10\r\nabc"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    assert_eq!(decoder.bytes_needed(), 5 + 10 + 2);
    decoder.reset();
    assert_eq!(decoder.limits().max_depth, 128);
}

#[test]
fn payloads_are_slices_of_the_input() {
    let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhello\r\n+world\r\n"[..]);
    let base = buf.as_ptr() as usize;
    let frame = FrameDecoder::default().decode(&mut buf).unwrap().unwrap();
    let Frame::Array(items) = frame else { panic!("not an array") };
    let (Frame::Bulk(hello), Frame::Simple(world)) = (&items[0], &items[1]) else { panic!("unexpected items") };
    assert_eq!(hello.as_ptr() as usize, base + 8);
    assert_eq!(world.as_ptr() as usize, base + 16);
}

#[test]
fn declared_lengths_do_not_preallocate() {
    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::from(&b"*2147483647\r\n%2147483647\r\n:1\r\n"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    assert!(decoder.retained_capacity() <= 64);
    let frame = Frame::decode_one(b"*1\r\n*1\r\n:1\r\n").unwrap().unwrap().0;
    let Frame::Array(items) = frame else { panic!("not an array") };
    assert_eq!(items.capacity(), 1);
}

#[test]
fn resp2_downgrades() {
    use Protocol::Resp2;
    check_encode(Frame::Null, Resp2, b"$-1\r\n");
    check_encode(Frame::NullBulk, Resp2, b"$-1\r\n");
    check_encode(Frame::NullArray, Resp2, b"*-1\r\n");
    check_encode(Frame::Map(vec![(Frame::bulk("k"), Frame::Integer(1))]), Resp2, b"*2\r\n$1\r\nk\r\n:1\r\n");
    check_encode(Frame::Set(vec![Frame::Boolean(true)]), Resp2, b"*1\r\n:1\r\n");
    check_encode(Frame::Push(vec![Frame::Boolean(false)]), Resp2, b"*1\r\n:0\r\n");
    check_encode(Frame::Double(2.5), Resp2, b"$3\r\n2.5\r\n");
    check_encode(Frame::BigNumber(b(b"123")), Resp2, b"$3\r\n123\r\n");
    check_encode(Frame::Verbatim { format: *b"txt", data: b(b"hi") }, Resp2, b"$2\r\nhi\r\n");
    check_encode(Frame::BlobError(b(b"ERR a\nb")), Resp2, b"-ERR a b\r\n");
    check_encode(
        Frame::Attribute {
            attributes: vec![(Frame::simple("a"), Frame::Integer(1))],
            value: Box::new(Frame::Integer(2)),
        },
        Resp2,
        b":2\r\n",
    );
    check_encode(Frame::simple("a\r\nb"), Protocol::Resp3, b"+a  b\r\n");
}

#[test]
fn decode_one_reports_length() {
    assert_eq!(Frame::decode_one(b"+OK\r\n+more"), Ok(Some((Frame::simple("OK"), 5))));
    assert_eq!(Frame::decode_one(b"+OK\r"), Ok(None));
    assert!(Frame::decode_one(b"x").is_err());
}

#[test]
fn frame_equality_treats_nan_as_equal() {
    assert_eq!(Frame::Double(f64::NAN), Frame::Double(-f64::NAN));
    assert_ne!(Frame::Double(1.0), Frame::Double(2.0));
    assert_ne!(Frame::Null, Frame::NullBulk);
}
