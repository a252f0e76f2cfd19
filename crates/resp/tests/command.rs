//! Data-driven tests of `CommandDecoder`: accepted requests, skipped forms,
//! every request error with Redis's text, limits and resumption.

use ember_resp::{CommandDecoder, Limits, ProtocolError};

/// What decoding a whole input produced: the commands (arguments and whether
/// inline), and either the unconsumed byte count or the error text.
type Outcome = (Vec<(Vec<Vec<u8>>, bool)>, Result<usize, String>);

fn run(input: &[u8], limits: Limits) -> Outcome {
    let mut decoder = CommandDecoder::new(limits);
    let mut buf = input.to_vec();
    let mut commands = Vec::new();
    loop {
        match decoder.decode(&buf) {
            Ok(Some(cmd)) => {
                assert!(cmd.consumed() > 0);
                commands.push((cmd.iter().map(<[u8]>::to_vec).collect(), cmd.is_inline()));
                let used = cmd.consumed();
                buf.drain(..used);
            }
            Ok(None) => return (commands, Ok(buf.len())),
            Err(e) => return (commands, Err(String::from_utf8_lossy(&e.message()).into_owned())),
        }
    }
}

/// Decodes `input` completely: expects exactly `expected` commands and no
/// leftover bytes.
fn check(input: &[u8], expected: &[&[&[u8]]]) {
    let (commands, end) = run(input, Limits::default());
    let got: Vec<Vec<Vec<u8>>> = commands.into_iter().map(|(a, _)| a).collect();
    let want: Vec<Vec<Vec<u8>>> = expected.iter().map(|c| c.iter().map(|a| a.to_vec()).collect()).collect();
    assert_eq!(got, want, "input {:?}", input.escape_ascii().to_string());
    assert_eq!(end, Ok(0), "input {:?}", input.escape_ascii().to_string());
}

/// Expects `input` to stop as incomplete after `expected_commands` commands.
fn check_incomplete(input: &[u8], limits: Limits, expected_commands: usize) {
    let (commands, end) = run(input, limits);
    assert_eq!(commands.len(), expected_commands);
    assert!(end.is_ok(), "unexpected error {end:?}");
}

/// Expects `input` to fail with the error text `expected`.
fn check_err(input: &[u8], limits: Limits, expected: &str) {
    let (_, end) = run(input, limits);
    assert_eq!(end, Err(expected.to_string()), "input {:?}", input.escape_ascii().to_string());
}

fn unauth() -> Limits {
    Limits { unauthenticated: true, ..Limits::default() }
}

#[test]
fn multibulk_commands() {
    check(b"*1\r\n$4\r\nPING\r\n", &[&[b"PING"]]);
    check(b"*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$3\r\nxxx\r\n", &[&[b"SET", b"key:000001", b"xxx"]]);
    check(b"*1\r\n$0\r\n\r\n", &[&[b""]]);
    check(b"*2\r\n$3\r\nGET\r\n$4\r\na\r\nb\r\n", &[&[b"GET", b"a\r\nb"]]);
    check(b"*1\r\n$3\r\n\0\xff\x01\r\n", &[&[b"\0\xff\x01"]]);
    check(b"*1\r\n$1\r\na\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n", &[&[b"a"], &[b"b", b"c"]]);
    // As in Redis, the two bytes after a `\r` and after a payload are skipped
    // without being checked.
    check(b"*1\r?$1\r?aXY", &[&[b"a"]]);
}

#[test]
fn inline_commands() {
    check(b"PING\r\n", &[&[b"PING"]]);
    check(b"PING\n", &[&[b"PING"]]);
    check(b"SET a b\r\n", &[&[b"SET", b"a", b"b"]]);
    check(b"  SET\t a  b \r\n", &[&[b"SET", b"a", b"b"]]);
    check(b"SET k \"a b\\n\\x41\"\r\n", &[&[b"SET", b"k", b"a b\nA"]]);
    check(b"SET k 'it\\'s'\r\n", &[&[b"SET", b"k", b"it's"]]);
    check(b"ECHO \"\"\r\n", &[&[b"ECHO", b""]]);
    check(b"a\r\nb\nc\r\n", &[&[b"a"], &[b"b"], &[b"c"]]);
    // Anything not starting with '*' is inline, even a '$'.
    check(b"$3\r\n", &[&[b"$3"]]);
    let (commands, _) = run(b"PING\r\n*1\r\n$4\r\nPING\r\n", Limits::default());
    assert_eq!(commands.iter().map(|c| c.1).collect::<Vec<_>>(), [true, false]);
}

#[test]
fn skipped_forms_yield_empty_commands() {
    let cases: &[(&[u8], usize)] =
        &[(b"\r\n", 2), (b"\n", 1), (b"   \r\n", 5), (b"*0\r\n", 4), (b"*-1\r\n", 5), (b"*-100\r\n", 7)];
    for &(input, consumed) in cases {
        let mut decoder = CommandDecoder::default();
        let cmd = decoder.decode(input).unwrap().unwrap();
        assert!(cmd.is_empty());
        assert_eq!(cmd.len(), 0);
        assert_eq!(cmd.get(0), None);
        assert_eq!(cmd.consumed(), consumed, "{input:?}");
    }
}

#[test]
fn incomplete_inputs() {
    for input in [
        &b""[..],
        b"*",
        b"*3",
        b"*3\r",
        b"*3\r\n",
        b"*3\r\n$",
        b"*3\r\n$3\r",
        b"*3\r\n$3\r\nSE",
        b"*3\r\n$3\r\nSET\r",
        b"*3\r\n$3\r\nSET\r\n",
        b"PING",
        b"PING\r",
        b"SET \"a",
        b"*2147483647\r\n",
        b"*1\r\n$536870912\r\n",
        // Like Redis, the '$' is checked only once the whole line is there.
        b"*1\r\nfoo",
    ] {
        check_incomplete(input, Limits::default(), 0);
    }
    check_incomplete(b"*10\r\n", unauth(), 0);
    check_incomplete(b"*1\r\n$16384\r\n", unauth(), 0);
}

#[test]
fn request_errors() {
    let d = Limits::default;
    check_err(b"*abc\r\n", d(), "Protocol error: invalid multibulk length");
    check_err(b"*\r\n", d(), "Protocol error: invalid multibulk length");
    check_err(b"*01\r\n", d(), "Protocol error: invalid multibulk length");
    check_err(b"*+1\r\n", d(), "Protocol error: invalid multibulk length");
    check_err(b"*2147483648\r\n", d(), "Protocol error: invalid multibulk length");
    check_err(b"*99999999999999999999\r\n", d(), "Protocol error: invalid multibulk length");
    check_err(b"*1\r\nx\r\n", d(), "Protocol error: expected '$', got 'x'");
    check_err(b"*2\r\n$1\r\na\r\n:1\r\n", d(), "Protocol error: expected '$', got ':'");
    check_err(b"*1\r\n\r\n", d(), "Protocol error: expected '$', got ' '");
    check_err(b"*1\r\n$-1\r\n", d(), "Protocol error: invalid bulk length");
    check_err(b"*1\r\n$abc\r\n", d(), "Protocol error: invalid bulk length");
    check_err(b"*1\r\n$\r\n", d(), "Protocol error: invalid bulk length");
    check_err(b"*1\r\n$01\r\n", d(), "Protocol error: invalid bulk length");
    check_err(b"*1\r\n$1 \r\n", d(), "Protocol error: invalid bulk length");
    check_err(b"*1\r\n$536870913\r\n", d(), "Protocol error: invalid bulk length");
    check_err(b"SET \"a\r\n", d(), "Protocol error: unbalanced quotes in request");
    check_err(b"SET 'a\r\n", d(), "Protocol error: unbalanced quotes in request");
    check_err(b"SET \"a\"b\r\n", d(), "Protocol error: unbalanced quotes in request");
    check_err(b"*11\r\n", unauth(), "Protocol error: unauthenticated multibulk length");
    check_err(b"*1\r\n$16385\r\n", unauth(), "Protocol error: unauthenticated bulk length");
    // The error comes after the commands before it.
    let (commands, end) = run(b"PING\r\n*x\r\n", d());
    assert_eq!(commands.len(), 1);
    assert!(end.is_err());
}

#[test]
fn size_limits_on_lines() {
    let max = 64 * 1024;
    let mut line = vec![b'a'; max];
    check_incomplete(&line, Limits::default(), 0);
    line.push(b'\n');
    check(&line, &[&[&vec![b'a'; max]]]);
    let line = vec![b'a'; max + 1];
    check_err(&line, Limits::default(), "Protocol error: too big inline request");

    let mut count = vec![b'*'];
    count.extend(std::iter::repeat_n(b'1', max - 1));
    check_incomplete(&count, Limits::default(), 0);
    count.push(b'1');
    check_err(&count, Limits::default(), "Protocol error: too big mbulk count string");

    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend(std::iter::repeat_n(b'1', max));
    check_err(&bulk, Limits::default(), "Protocol error: too big bulk count string");

    let small = Limits { max_bulk_len: 3, max_multibulk_len: 2, max_inline_len: 8, ..Limits::default() };
    check_err(b"*3\r\n", small.clone(), "Protocol error: invalid multibulk length");
    check_err(b"*1\r\n$4\r\n", small.clone(), "Protocol error: invalid bulk length");
    check_err(b"123456789", small.clone(), "Protocol error: too big inline request");
    check_incomplete(b"12345678", small.clone(), 0);
    // A length line that ends past the limit is refused even when it is whole.
    check_err(b"*123456789\r\n", small.clone(), "Protocol error: too big mbulk count string");
    check_err(b"*1\r\n$123456789\r\n", small, "Protocol error: too big bulk count string");
}

#[test]
fn error_offsets_point_at_the_line() {
    let mut decoder = CommandDecoder::default();
    let err = decoder.decode(b"*2\r\n$1\r\na\r\n$x\r\n").unwrap_err();
    assert_eq!(err, ProtocolError::InvalidBulkLength { offset: 11 });
    let err = decoder.decode(b"*1\r\n#\r\n").unwrap_err();
    assert_eq!(err, ProtocolError::ExpectedDollar { got: b'#', offset: 4 });
}

#[test]
fn resumes_after_incomplete_and_reports_bytes_needed() {
    let mut decoder = CommandDecoder::default();
    let full = b"*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
    assert!(decoder.decode(&full[..3]).unwrap().is_none());
    assert_eq!(decoder.bytes_needed(), 4);
    assert!(decoder.decode(&full[..17]).unwrap().is_none());
    assert_eq!(decoder.bytes_needed(), full.len());
    let cmd = decoder.decode(full).unwrap().unwrap();
    assert_eq!(cmd.arg(1), b"hello");
    assert_eq!(cmd.consumed(), full.len());
    assert_eq!(decoder.bytes_needed(), 1);

    // reset() forgets the partial command.
    assert!(decoder.decode(&full[..10]).unwrap().is_none());
    decoder.reset();
    let cmd = decoder.decode(b"PING\r\n").unwrap().unwrap();
    assert_eq!(cmd.arg(0), b"PING");
}

#[test]
fn command_accessors() {
    let mut decoder = CommandDecoder::default();
    let cmd = decoder.decode(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n").unwrap().unwrap();
    assert_eq!(cmd.len(), 3);
    assert!(!cmd.is_empty());
    assert_eq!(cmd.arg(0), b"SET");
    assert_eq!(cmd.get(2), Some(&b"v"[..]));
    assert_eq!(cmd.get(3), None);
    assert_eq!(cmd.iter().next_back(), Some(&b"v"[..]));
    assert_eq!(cmd.iter().len(), 3);
    assert_eq!(cmd.into_iter().count(), 3);
    assert!(!cmd.is_inline());
    assert_eq!(format!("{cmd:?}"), r#"["SET", "k", "v"]"#);
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn arg_out_of_range_panics_like_indexing() {
    let mut decoder = CommandDecoder::default();
    let cmd = decoder.decode(b"PING\r\n").unwrap().unwrap();
    let _ = cmd.arg(1);
}

#[test]
fn limits_can_change_between_commands() {
    let mut decoder = CommandDecoder::new(unauth());
    assert!(decoder.limits().unauthenticated);
    assert!(decoder.decode(b"*11\r\n").is_err());
    decoder.limits_mut().unauthenticated = false;
    assert!(decoder.decode(b"*11\r\n").unwrap().is_none());
}

#[test]
fn huge_declared_counts_do_not_preallocate() {
    let mut decoder = CommandDecoder::default();
    assert!(decoder.decode(b"*2147483647\r\n$1\r\na\r\n").unwrap().is_none());
    assert!(decoder.retained_capacity() <= 1024 * 16 * 2);
}

/// Decodes `input` fed one byte at a time (every command then goes through
/// the resumable path, never the whole-command one).
fn run_bytewise(input: &[u8], limits: Limits) -> Outcome {
    let mut decoder = CommandDecoder::new(limits);
    let mut buf = Vec::new();
    let mut commands = Vec::new();
    for &b in input {
        buf.push(b);
        loop {
            match decoder.decode(&buf) {
                Ok(Some(cmd)) => {
                    commands.push((cmd.iter().map(<[u8]>::to_vec).collect(), cmd.is_inline()));
                    let used = cmd.consumed();
                    buf.drain(..used);
                }
                Ok(None) => break,
                Err(e) => return (commands, Err(String::from_utf8_lossy(&e.message()).into_owned())),
            }
        }
    }
    (commands, Ok(buf.len()))
}

fn multibulk(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A whole command in the buffer takes a one-pass path; at every limit it
/// must agree with the resumable path: same commands, same errors.
#[test]
fn whole_commands_agree_with_resumable_decoding_at_the_limits() {
    let small_bulk = Limits { max_bulk_len: 5, ..Limits::default() };
    let short_lines = Limits { max_inline_len: 3, ..Limits::default() };
    let few_args = Limits { max_multibulk_len: 3, ..Limits::default() };
    let args = |n: usize, len: usize| (0..n).map(|i| vec![b'a' + (i % 26) as u8; len]).collect::<Vec<_>>();
    let mut inputs: Vec<(Vec<u8>, Limits)> = Vec::new();
    for limits in [Limits::default(), unauth(), small_bulk, short_lines, few_args] {
        for (n, len) in [(1, 0), (3, 5), (3, 6), (10, 1), (11, 1), (63, 2), (64, 2), (65, 2), (2, 16384), (2, 16385)] {
            inputs.push((multibulk(&args(n, len)), limits.clone()));
        }
        for raw in [
            &b"*2\r\n$3\r\nGET\r\n$01\r\nk\r\n"[..],
            b"*02\r\n$3\r\nGET\r\n$1\r\nk\r\n",
            b"*2\r\n$3\r\nGET\r\n:1\r\nk\r\n",
            b"*2\r\n$3\r\nGET\r\n$-1\r\n",
            b"*2\r\n$3\r\nGET\r\n$1\r\nkXY*1\r\n$4\r\nPING\r\n",
            b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n",
            b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI",
            b"*1\r\n$1234\r\nPING\r\n",
            b"*1\r\n$123456789012345678\r\nx\r\n",
            b"*1\r\n$1234567890123456789\r\nx\r\n",
            b"*1234567890123456789\r\n$1\r\nx\r\n",
            b"*1\r\n$0\r\n\r\n*1\r\n$00\r\n\r\n",
            b"*1\r\n$1\r\nx",
            b"*1\r\n$1\r\nx\r",
            b"*1\r",
        ] {
            inputs.push((raw.to_vec(), limits.clone()));
        }
    }
    for (input, limits) in inputs {
        let whole = run(&input, limits.clone());
        let bytewise = run_bytewise(&input, limits.clone());
        assert_eq!(whole, bytewise, "input {:?} limits {limits:?}", input.escape_ascii().to_string());
    }
}
