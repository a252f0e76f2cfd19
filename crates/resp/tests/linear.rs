//! Incremental decoding costs work linear in the input: a value arriving in
//! many reads is not rescanned. Proven with the decoders' `bytes_scanned`
//! counters (bytes examined by line searches and number parsing), which would
//! grow quadratically (size² / piece size) if each call restarted from the
//! beginning of the command or frame.

use bytes::BytesMut;
use ember_resp::{CommandDecoder, Frame, FrameDecoder, Limits};

const PIECE: usize = 16 * 1024;
const HUNDRED_MB: usize = 100 * 1024 * 1024;

/// Feeds `input` to a `CommandDecoder` in `piece`-byte reads, calling `decode`
/// after every read; returns (bytes scanned, argument lengths).
fn feed_commands(input: &[u8], piece: usize) -> (u64, Vec<usize>) {
    let mut decoder = CommandDecoder::default();
    let mut buf = Vec::with_capacity(input.len());
    for chunk in input.chunks(piece) {
        buf.extend_from_slice(chunk);
        if let Some(cmd) = decoder.decode(&buf).unwrap() {
            assert_eq!(cmd.consumed(), input.len());
            let lens = cmd.iter().map(<[u8]>::len).collect();
            return (decoder.bytes_scanned(), lens);
        }
    }
    panic!("command never completed");
}

/// The same for a `FrameDecoder`.
fn feed_frame(input: &[u8], piece: usize) -> (u64, Frame) {
    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::with_capacity(input.len());
    for chunk in input.chunks(piece) {
        buf.extend_from_slice(chunk);
        if let Some(frame) = decoder.decode(&mut buf).unwrap() {
            assert!(buf.is_empty());
            return (decoder.bytes_scanned(), frame);
        }
    }
    panic!("frame never completed");
}

#[test]
fn hundred_megabyte_bulk_command_in_16k_reads() {
    let mut input = format!("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n${HUNDRED_MB}\r\n").into_bytes();
    let header = input.len();
    input.resize(header + HUNDRED_MB, b'v');
    input.extend_from_slice(b"\r\n");
    let (scanned, lens) = feed_commands(&input, PIECE);
    assert_eq!(lens, [3, 3, HUNDRED_MB]);
    // Only the header lines are examined, once each; the payload never is.
    assert!(scanned <= 2 * header as u64, "scanned {scanned} bytes");
}

#[test]
fn hundred_megabyte_bulk_reply_in_16k_reads() {
    let mut input = format!("${HUNDRED_MB}\r\n").into_bytes();
    let header = input.len();
    input.resize(header + HUNDRED_MB, b'v');
    input.extend_from_slice(b"\r\n");
    let (scanned, frame) = feed_frame(&input, PIECE);
    assert!(matches!(frame, Frame::Bulk(b) if b.len() == HUNDRED_MB));
    assert!(scanned <= 4 * header as u64 + 8, "scanned {scanned} bytes");
}

/// Many small arguments: this is where restarting from byte 0 is quadratic
/// (about 8 MB × 8 MB / 32 KB = 2 GB examined); the decoder examines each
/// byte a bounded number of times.
#[test]
fn eight_megabytes_of_small_arguments_in_16k_reads() {
    let args = 200_000;
    let mut input = format!("*{args}\r\n").into_bytes();
    for i in 0..args {
        let arg = format!("argument-{i:030}");
        input.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    let (scanned, lens) = feed_commands(&input, PIECE);
    assert_eq!(lens.len(), args);
    assert!(scanned <= input.len() as u64, "scanned {scanned} of {}", input.len());
}

#[test]
fn eight_megabyte_array_reply_in_16k_reads() {
    let items = 200_000;
    let mut input = format!("*{items}\r\n").into_bytes();
    for i in 0..items {
        input.extend_from_slice(format!("+item-{i:030}\r\n").as_bytes());
    }
    let (scanned, frame) = feed_frame(&input, PIECE);
    assert!(matches!(&frame, Frame::Array(v) if v.len() == items));
    // The validating pass and the building pass each search every line once.
    assert!(scanned <= 3 * input.len() as u64, "scanned {scanned} of {}", input.len());
}

/// Lines arriving one byte at a time are searched from where the last call
/// stopped, not from their start.
#[test]
fn long_lines_one_byte_at_a_time() {
    let limits = Limits::default();
    let mut inline = vec![b'a'; limits.max_inline_len - 2];
    inline.extend_from_slice(b"\r\n");
    let (scanned, lens) = feed_commands(&inline, 1);
    assert_eq!(lens, [limits.max_inline_len - 2]);
    assert!(scanned <= 3 * inline.len() as u64, "scanned {scanned}");

    let mut simple = vec![b'+'];
    simple.extend(std::iter::repeat_n(b's', 60_000));
    simple.extend_from_slice(b"\r\n");
    let (scanned, _) = feed_frame(&simple, 1);
    assert!(scanned <= 3 * simple.len() as u64, "scanned {scanned}");
}

/// The fast path (whole command present) examines each header byte about
/// once: a 16-command pipeline costs a small multiple of its header bytes.
#[test]
fn command_fast_path_scans_headers_once() {
    let mut input = Vec::new();
    for i in 0..16 {
        input.extend_from_slice(format!("*3\r\n$3\r\nSET\r\n$10\r\nkey:{i:06}\r\n$3\r\nxxx\r\n").as_bytes());
    }
    let mut decoder = CommandDecoder::default();
    let mut rest = &input[..];
    let mut count = 0;
    while let Some(cmd) = decoder.decode(rest).unwrap() {
        assert_eq!(cmd.len(), 3);
        let used = cmd.consumed();
        rest = &rest[used..];
        count += 1;
    }
    assert_eq!(count, 16);
    // Per command: "*3\r" and three "$N\r" lines = 11 header bytes before CRs.
    assert!(decoder.bytes_scanned() <= 16 * 16, "scanned {}", decoder.bytes_scanned());
}
