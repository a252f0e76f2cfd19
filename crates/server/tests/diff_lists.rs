//! Differential tests of the list commands: the same sequences go to ember
//! and to a real `redis-server` (7.0) in RESP2 and RESP3, and the replies must
//! be identical; then a seeded stream of ~10,000 random list commands over
//! a few keys, with elements small enough to pack hundreds per node and large
//! enough to need nodes of their own, under several `list-max-listpack-size`
//! settings, compared reply by reply.
//!
//! See `common::diff` for the line syntax; `!type` compares OBJECT
//! ENCODING's reply type only (Redis 7.0 always says `quicklist`, ember
//! follows 7.2's `listpack`/`quicklist`).

mod common;

use common::diff::{check_with, fresh, recent, report, Opts, Sequences};
use common::{show, Frame, Rng, Server};

fn sequences() -> Sequences {
    vec![
        (
            "push and length",
            vec![
                "LPUSH l a => :1",
                "LPUSH l b c => :3",
                "RPUSH l d e => :5",
                "LRANGE l 0 -1 => [\"c\", \"b\", \"a\", \"d\", \"e\"]",
                "LLEN l => :5",
                "LLEN nokey => :0",
                "LPUSHX nokey a => :0",
                "RPUSHX nokey a b => :0",
                "EXISTS nokey => :0",
                "LPUSHX l x y => :7",
                "RPUSHX l z => :8",
                "LRANGE l 0 -1",
                "LPUSH",
                "LPUSH l",
                "RPUSH l",
                "LPUSHX l",
                "RPUSHX l",
                "LLEN",
                "LLEN a b",
                "SET s v",
                "LPUSH s a",
                "RPUSH s a",
                "LPUSHX s a",
                "RPUSHX s a",
                "LLEN s",
                "GET s => \"v\"",
                "TYPE l => +list",
                "!type OBJECT ENCODING l",
                "RPUSH bin \"\\x00\\xff\" \"\" \"a b\" \"\\r\\n\"",
                "LRANGE bin 0 -1",
                "lpush l MiXeD",
                "LINDEX l 0",
            ],
        ),
        (
            "pops with count",
            vec![
                "RPUSH l a b c d e",
                "LPOP l => \"a\"",
                "RPOP l => \"e\"",
                "LPOP l 0 => []",
                "LPOP l 2 => [\"b\", \"c\"]",
                "RPOP l 1 => [\"d\"]",
                "EXISTS l => :0",
                "LPOP l => $-1",
                "RPOP l",
                "LPOP l 0 => *-1",
                "LPOP l 3",
                "RPOP l 0",
                "RPUSH l a b c",
                "RPOP l 2 => [\"c\", \"b\"]",
                "LPOP l 5 => [\"a\"]",
                "EXISTS l",
                "RPUSH l a b",
                "LPOP l -1",
                "RPOP l -1",
                "LPOP l x",
                "LPOP l 1.5",
                "LPOP l \"\"",
                "LPOP l 9223372036854775807",
                "EXISTS l",
                "RPUSH l a",
                "LPOP l 1 2",
                "LPOP",
                "RPOP",
                "SET s v",
                "LPOP s",
                "RPOP s",
                "LPOP s 0",
                "LPOP s -1",
                "RPOP s x",
            ],
        ),
        (
            "lrange lindex",
            vec![
                "RPUSH l 1 2 3 4 5 6 7 8 9 10",
                "LRANGE l 0 0",
                "LRANGE l 0 -1",
                "LRANGE l -3 -1",
                "LRANGE l 2 4",
                "LRANGE l 5 2",
                "LRANGE l -100 100",
                "LRANGE l 10 20",
                "LRANGE l 9 20",
                "LRANGE l -1 -100",
                "LRANGE l -1 -1",
                "LRANGE l -9223372036854775808 9223372036854775807",
                "LRANGE l 0 9223372036854775807",
                "LRANGE l 9223372036854775807 0",
                "LRANGE l x 1",
                "LRANGE l 1 y",
                "LRANGE l 1.0 2",
                "LRANGE l \" 1\" 2",
                "LRANGE nokey 0 -1",
                "LRANGE nokey x 1",
                "LRANGE l 0",
                "LRANGE l 0 1 2",
                "LINDEX l 0",
                "LINDEX l -1",
                "LINDEX l 9",
                "LINDEX l 10",
                "LINDEX l -10",
                "LINDEX l -11",
                "LINDEX l 9223372036854775807",
                "LINDEX l -9223372036854775808",
                "LINDEX l x",
                "LINDEX l \"\"",
                "LINDEX nokey 0",
                "LINDEX nokey x",
                "LINDEX l",
                "SET s v",
                "LINDEX s 0",
                "LINDEX s x",
                "LRANGE s 0 1",
                "LRANGE s x 1",
            ],
        ),
        (
            "lset",
            vec![
                "RPUSH l a b c",
                "LSET l 0 x => +OK",
                "LSET l -1 z",
                "LSET l 1 \"a longer element value than before\"",
                "LSET l 1 s",
                "LRANGE l 0 -1",
                "LSET l 3 x",
                "LSET l -4 x",
                "LSET l 9223372036854775807 x",
                "LSET l x x",
                "LSET nokey 0 a",
                "LSET nokey x a",
                "SET s v",
                "LSET s 0 a",
                "LSET s x a",
                "LSET l 0",
                "LRANGE l 0 -1",
            ],
        ),
        (
            "linsert",
            vec![
                "RPUSH l a b c",
                "LINSERT l BEFORE b x => :4",
                "LINSERT l AFTER b y",
                "LINSERT l after c z",
                "LINSERT l before a first",
                "LRANGE l 0 -1",
                "LINSERT l BEFORE nopivot x => :-1",
                "LINSERT l MIDDLE a x",
                "LINSERT nokey BEFORE a x => :0",
                "LINSERT nokey MIDDLE a x",
                "EXISTS nokey",
                "SET s v",
                "LINSERT s BEFORE a x",
                "LINSERT s MIDDLE a x",
                "RPUSH dup a a a",
                "LINSERT dup AFTER a b",
                "LINSERT dup BEFORE a c",
                "LRANGE dup 0 -1",
                "LINSERT l BEFORE a",
                "LINSERT l BEFORE a b c",
            ],
        ),
        (
            "lrem",
            vec![
                "RPUSH l a b a c a b a",
                "LREM l 2 a => :2",
                "LRANGE l 0 -1",
                "LREM l -1 a => :1",
                "LRANGE l 0 -1",
                "LREM l 0 b",
                "LRANGE l 0 -1",
                "LREM l 0 zz => :0",
                "LREM l 5 a",
                "LRANGE l 0 -1",
                "LREM l -5 c",
                "EXISTS l => :0",
                "RPUSH l a a a a",
                "LREM l 9223372036854775807 a",
                "RPUSH l a a a a b",
                "LREM l -9223372036854775808 a",
                "LRANGE l 0 -1",
                "LREM nokey 1 a",
                "LREM l x a",
                "LREM l 1.5 a",
                "SET s v",
                "LREM s 1 a",
                "LREM s x a",
                "LREM l 1",
            ],
        ),
        (
            "ltrim",
            vec![
                "RPUSH l 1 2 3 4 5 6 7",
                "LTRIM l 1 -2 => +OK",
                "LRANGE l 0 -1",
                "LTRIM l -100 100",
                "LRANGE l 0 -1",
                "LTRIM l 1 1",
                "LRANGE l 0 -1",
                "LTRIM l 5 2",
                "EXISTS l => :0",
                "RPUSH l a b c",
                "LTRIM l -1 -1",
                "LRANGE l 0 -1",
                "RPUSH l d e f",
                "LTRIM l 0 -2",
                "LRANGE l 0 -1",
                "LTRIM l 10 20",
                "EXISTS l",
                "RPUSH l a b c",
                "LTRIM l -9223372036854775808 9223372036854775807",
                "LRANGE l 0 -1",
                "LTRIM l 0 -9223372036854775808",
                "EXISTS l",
                "LTRIM nokey 0 1",
                "LTRIM nokey x 1",
                "RPUSH l a",
                "LTRIM l x 1",
                "LTRIM l 1 y",
                "SET s v",
                "LTRIM s 0 1",
                "LTRIM s x 1",
                "LTRIM l 0",
            ],
        ),
        (
            "lpos",
            vec![
                "RPUSH l a b c 1 2 3 c c",
                "LPOS l c => :2",
                "LPOS l c RANK 2 => :6",
                "LPOS l c RANK -1 => :7",
                "LPOS l c RANK -2",
                "LPOS l c RANK 4 => $-1",
                "LPOS l c RANK -4",
                "LPOS l c COUNT 0 => [:2, :6, :7]",
                "LPOS l c COUNT 2",
                "LPOS l c COUNT 2 RANK 2",
                "LPOS l c COUNT 0 RANK -1",
                "LPOS l c RANK -2 COUNT 5",
                "LPOS l c COUNT 1 MAXLEN 3",
                "LPOS l c MAXLEN 3",
                "LPOS l c MAXLEN 2",
                "LPOS l c RANK -1 MAXLEN 1",
                "LPOS l c RANK -1 MAXLEN 2 COUNT 0",
                "LPOS l c COUNT 0 MAXLEN 0",
                "LPOS l c RANK 2 MAXLEN 6",
                "LPOS l c RANK 2 MAXLEN 7",
                "LPOS l c RANK 0",
                "LPOS l c COUNT -1",
                "LPOS l c MAXLEN -1",
                "LPOS l c RANK x",
                "LPOS l c COUNT x",
                "LPOS l c MAXLEN x",
                "LPOS l c FOO 1",
                "LPOS l c RANK",
                "LPOS l c COUNT 1 RANK",
                "LPOS l c rank 1 rank 2",
                "LPOS l c count 1 count 0",
                "LPOS l c RANK -9223372036854775808",
                "LPOS l c RANK -9223372036854775808 COUNT 2",
                "LPOS l c RANK 9223372036854775807",
                "LPOS l c COUNT 9223372036854775807",
                "LPOS l c MAXLEN 9223372036854775807",
                "LPOS l zz COUNT 0",
                "LPOS l zz",
                "LPOS nokey a",
                "LPOS nokey a COUNT 1",
                "LPOS nokey a COUNT 0",
                "LPOS nokey a RANK 0",
                "LPOS nokey a FOO",
                "SET s v",
                "LPOS s a",
                "LPOS s a RANK 0",
                "LPOS s a COUNT 1",
                "LPOS l",
            ],
        ),
        (
            "lmove rpoplpush",
            vec![
                "RPUSH src a b c",
                "LMOVE src dst LEFT RIGHT => \"a\"",
                "LMOVE src dst RIGHT LEFT => \"c\"",
                "LMOVE src dst left left",
                "LRANGE src 0 -1",
                "LRANGE dst 0 -1 => [\"b\", \"c\", \"a\"]",
                "EXISTS src => :0",
                "LMOVE src dst LEFT RIGHT => $-1",
                "LMOVE dst dst LEFT RIGHT",
                "LRANGE dst 0 -1",
                "LMOVE dst dst RIGHT RIGHT",
                "LMOVE dst dst RIGHT LEFT",
                "LRANGE dst 0 -1",
                "RPUSH one x",
                "LMOVE one one RIGHT LEFT",
                "LRANGE one 0 -1",
                "RPOPLPUSH dst other",
                "RPOPLPUSH dst other",
                "LRANGE other 0 -1",
                "RPOPLPUSH nokey other => $-1",
                "RPOPLPUSH one one",
                "LMOVE src dst UP LEFT",
                "LMOVE src dst LEFT DOWN",
                "LMOVE nokey dst MIDDLE LEFT",
                "SET s v",
                "LMOVE s dst LEFT LEFT",
                "LMOVE dst s LEFT LEFT",
                "LMOVE nokey s LEFT LEFT",
                "LMOVE s s LEFT LEFT",
                "RPOPLPUSH dst s",
                "RPOPLPUSH s dst",
                "LRANGE dst 0 -1",
                "GET s",
                "LMOVE dst",
                "RPOPLPUSH a",
                "LMOVE a b LEFT RIGHT extra",
            ],
        ),
        (
            "lmpop",
            vec![
                "RPUSH l a b c",
                "LMPOP 1 l LEFT => [\"l\", [\"a\"]]",
                "LMPOP 1 l RIGHT COUNT 5 => [\"l\", [\"c\", \"b\"]]",
                "LMPOP 1 l left => *-1",
                "LMPOP 0 l left",
                "LMPOP -1 l left",
                "LMPOP 2 l left",
                "LMPOP 3 l left",
                "LMPOP x l left",
                "LMPOP 1 l middle",
                "LMPOP 1 l left count 0",
                "LMPOP 1 l left count -1",
                "LMPOP 1 l left count x",
                "LMPOP 1 l left count",
                "LMPOP 1 l left count 1 count 2",
                "LMPOP 1 l left foo",
                "LMPOP 1 l",
                "LMPOP 1",
                "SET s v",
                "LMPOP 2 nokey s left",
                "LMPOP 2 s nokey left",
                "RPUSH l2 x y z",
                "LMPOP 3 nokey s l2 left",
                "LMPOP 2 nokey l2 left",
                "LMPOP 2 nokey l2 right count 2",
                "EXISTS l2",
                "LMPOP 2147483648 l left",
                "LMPOP 9223372036854775807 l left",
                "RPUSH l a",
                "LMPOP 1 l LEFT COUNT 9223372036854775807",
                "LMPOP 1 l left COUNT 1 foo",
            ],
        ),
        (
            "blocking commands that need not block",
            vec![
                "RPUSH a 1 2 3 4",
                "RPUSH b x",
                "BLPOP nokey a b 0 => [\"a\", \"1\"]",
                "BRPOP nokey a b 0 => [\"a\", \"4\"]",
                "BRPOP b a 1.5",
                "BLPOP b nokey a 0",
                "BLPOP nokey 0.01 => *-1",
                "BRPOP nokey1 nokey2 0.01",
                "BLMOVE a dst LEFT RIGHT 0 => \"3\"",
                "BLMOVE nokey dst LEFT RIGHT 0.01",
                "BRPOPLPUSH dst a 0",
                "BRPOPLPUSH nokey a 0.01",
                "BLMPOP 0 2 nokey a LEFT",
                "BLMPOP 0.01 1 nokey RIGHT COUNT 2",
                "RPUSH c 1 2 3",
                "BLMPOP 0 1 c RIGHT COUNT 2",
                "SET s v",
                "BLPOP s 0",
                "BLPOP nokey s 0",
                "BRPOP s nokey 0",
                "BLMOVE s dst LEFT LEFT 0",
                "BLMOVE c s LEFT LEFT 0",
                "BRPOPLPUSH s dst 0",
                "BLMPOP 0 2 nokey s LEFT",
                "BLPOP nokey -0.01",
                "BLPOP nokey -1",
                "BLPOP nokey abc",
                "BLPOP nokey inf",
                "BLPOP nokey -inf",
                "BLPOP nokey nan",
                "BLPOP nokey 1e16",
                "BLPOP nokey \" 1\"",
                "BLPOP nokey 1e",
                "BLPOP nokey \"\"",
                "BLPOP nokey 0.0001",
                "BLPOP nokey 1e-9",
                "BLMOVE nokey x left middle 0.01",
                "BLMOVE nokey x left right -1",
                "BLMOVE nokey x left right x",
                "BLMOVE nokey x middle right x",
                "BRPOPLPUSH nokey x -1",
                "BLMPOP x 1 l left",
                "BLMPOP -1 1 l left",
                "BLMPOP 0.01 0 l left",
                "BLMPOP 0.01 1 l middle",
                "BLMPOP 0.01 1 l left count 0",
                "BLMPOP x 0 l middle",
                "BLMPOP x 1 l middle",
                "BLMPOP x 1 l left count 0",
                "BLMPOP x 1 l left foo",
                "BLMPOP -1 1 l left count 0",
                "RPOP l 1 2 3",
                "BLPOP nokey",
                "BLMPOP 0 1 l",
                "BLMOVE a b LEFT RIGHT",
            ],
        ),
        (
            "blocking commands inside MULTI",
            vec![
                "MULTI",
                "BLPOP nokey 0",
                "BRPOP nokey 0",
                "BLMOVE nokey x left right 0",
                "BRPOPLPUSH nokey x 0",
                "BLMPOP 0 1 nokey left",
                "BLPOP nokey -1",
                "RPUSH k v",
                "BLPOP k 0",
                "EXEC",
                "MULTI",
                "BLPOP nokey 0 extra",
                "EXEC",
            ],
        ),
        (
            "lists and the keyspace",
            vec![
                "RPUSH l a b c",
                "TYPE l",
                "!type OBJECT ENCODING l",
                "RENAME l l2",
                "LRANGE l2 0 -1",
                "COPY l2 l3",
                "RPUSH l3 d",
                "LRANGE l2 0 -1",
                "LRANGE l3 0 -1",
                "DEL l2",
                "EXISTS l2",
                "!sort KEYS *",
                "EXPIRE l3 100",
                "LPOP l3 3",
                "TTL l3",
                "LPOP l3",
                "EXISTS l3",
                "RPUSH l a",
                "SET l str",
                "GET l",
                "RPUSH l a",
                "DEL l",
                "RPUSH l a",
                "MOVE l 1",
                "SELECT 1",
                "LRANGE l 0 -1",
                "SELECT 0",
                "DBSIZE",
            ],
        ),
        (
            "encodings (ember follows 7.2)",
            vec![
                "!ember CONFIG SET list-max-listpack-size 4",
                "RPUSH small a b c d",
                "!ember OBJECT ENCODING small => \"listpack\"",
                "RPUSH small e",
                "!ember OBJECT ENCODING small => \"quicklist\"",
                "RPOP small 2",
                "!ember OBJECT ENCODING small => \"quicklist\"",
                "RPOP small",
                "!ember OBJECT ENCODING small => \"listpack\"",
                "!ember CONFIG SET list-max-listpack-size -2",
                "RPUSH big x",
                "!ember OBJECT ENCODING big => \"listpack\"",
                "LSET big 0 \"0123456789012345678901234567890123456789012345678901234567890123456789\"",
                "!ember OBJECT ENCODING big => \"listpack\"",
            ],
        ),
        (
            "command info",
            vec![
                "!cmdinfo COMMAND INFO lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset linsert lrem ltrim lpos",
                "!cmdinfo COMMAND INFO lmove rpoplpush lmpop blpop brpop blmove brpoplpush blmpop",
                "COMMAND GETKEYS blpop a b 0",
                "COMMAND GETKEYS blmove a b left right 0",
                "COMMAND GETKEYS lmove a b left right",
            ],
        ),
    ]
}

/// Every connection starts from the default node size (a sequence may
/// change it on the server).
const SETUP: &[&str] = &["CONFIG SET list-max-listpack-size -2"];

#[test]
fn differential_list_sequences() {
    check_with(sequences, &Opts { setup: SETUP, ..Opts::default() });
}

/// A random element: mostly tiny values from a small pool (so LREM, LPOS
/// and LINSERT find matches), some of a few hundred bytes, and a few of
/// several KiB (larger than a node of 4 or 8 KiB: they get a node of
/// their own).
fn element(rng: &mut Rng) -> Vec<u8> {
    match rng.below(20) {
        0..=13 => rng.pick(&["a", "b", "c", "1", "-1", "", "hello", "a b"]).as_bytes().to_vec(),
        14..=17 => {
            let n = 100 + rng.below(200) as usize;
            let mut v = format!("m{}-", rng.below(4)).into_bytes();
            v.resize(n, b'm');
            v
        }
        18 => {
            let n = 3000 + rng.below(2000) as usize;
            let mut v = format!("L{}-", rng.below(3)).into_bytes();
            v.resize(n, b'L');
            v
        }
        _ => {
            let n = 8000 + rng.below(2000) as usize;
            vec![b'X'; n]
        }
    }
}

fn index(rng: &mut Rng) -> Vec<u8> {
    rng.pick(&["0", "1", "2", "-1", "-2", "5", "-5", "30", "-30", "100", "200", "-300", "x"]).as_bytes().to_vec()
}

fn random_list_command(rng: &mut Rng) -> Vec<Vec<u8>> {
    const KEYS: &[&str] = &["l1", "l2", "l3", "s"];
    let mut c: Vec<Vec<u8>> = Vec::new();
    let k = |rng: &mut Rng| rng.pick(KEYS).as_bytes().to_vec();
    let side = |rng: &mut Rng| rng.pick(&["LEFT", "RIGHT"]).as_bytes().to_vec();
    match rng.below(100) {
        0..=14 => {
            c.push(rng.pick(&["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]).into());
            c.push(k(rng));
            for _ in 0..=rng.below(4) {
                c.push(element(rng));
            }
        }
        15..=20 => {
            c.push(rng.pick(&["LPUSH", "RPUSH"]).into());
            c.push(k(rng));
            for _ in 0..10 + rng.below(40) {
                c.push(element(rng));
            }
        }
        21..=30 => {
            c.push(rng.pick(&["LPOP", "RPOP"]).into());
            c.push(k(rng));
            if rng.below(2) == 0 {
                c.push(rng.pick(&["0", "1", "3", "10", "-1"]).into());
            }
        }
        31..=40 => {
            c.extend(["LRANGE".into(), k(rng), index(rng), index(rng)]);
        }
        41..=47 => c.extend(["LINDEX".into(), k(rng), index(rng)]),
        48..=53 => c.extend(["LSET".into(), k(rng), index(rng), element(rng)]),
        54..=59 => {
            c.extend([
                "LINSERT".into(),
                k(rng),
                rng.pick(&["BEFORE", "AFTER", "before", "MIDDLE"]).into(),
                element(rng),
                element(rng),
            ]);
        }
        60..=64 => c.extend(["LREM".into(), k(rng), rng.pick(&["0", "1", "-1", "2", "-3", "x"]).into(), element(rng)]),
        65..=68 => c.extend(["LTRIM".into(), k(rng), index(rng), index(rng)]),
        69..=74 => {
            c.extend(["LPOS".into(), k(rng), element(rng)]);
            if rng.below(2) == 0 {
                c.extend(["RANK".into(), rng.pick(&["1", "2", "-1", "-2", "0"]).into()]);
            }
            if rng.below(2) == 0 {
                c.extend(["COUNT".into(), rng.pick(&["0", "1", "2", "-1"]).into()]);
            }
            if rng.below(3) == 0 {
                c.extend(["MAXLEN".into(), rng.pick(&["0", "1", "5", "50"]).into()]);
            }
        }
        75..=82 => c.extend(["LMOVE".into(), k(rng), k(rng), side(rng), side(rng)]),
        83..=86 => c.extend(["RPOPLPUSH".into(), k(rng), k(rng)]),
        87..=90 => {
            let n = 1 + rng.below(3);
            c.extend(["LMPOP".into(), n.to_string().into_bytes()]);
            for _ in 0..n {
                c.push(k(rng));
            }
            c.push(side(rng));
            if rng.below(2) == 0 {
                c.extend(["COUNT".into(), rng.pick(&["1", "2", "5", "0"]).into()]);
            }
        }
        91..=93 => c.extend(["LLEN".into(), k(rng)]),
        94 => c.extend(["SET".into(), "s".into(), "string".into()]),
        95 => c.extend(["DEL".into(), k(rng)]),
        96 => c.extend(["TYPE".into(), k(rng)]),
        97 => c.extend(["EXISTS".into(), k(rng)]),
        _ => c.extend([rng.pick(&["BLPOP", "BRPOP"]).into(), k(rng), k(rng), "0.001".into()]),
    }
    c
}

fn describe(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| {
            let s = String::from_utf8_lossy(a);
            if s.len() > 24 {
                format!("{:?}..({} bytes)", &s[..12], a.len())
            } else {
                format!("{s:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn differential_random_list_commands() {
    // (list-max-listpack-size, seed, RESP3): 5 x 2000 commands.
    const RUNS: &[(i64, u64, bool)] = &[
        (-2, 0x11c0_ffee_0000_0001, false),
        (1, 0x11c0_ffee_0000_0002, true),
        (2, 0x11c0_ffee_0000_0003, false),
        (-1, 0x11c0_ffee_0000_0004, true),
        (-5, 0x11c0_ffee_0000_0005, false),
    ];
    let ember = Server::ember(&[]);
    let redis = Server::redis(&[]);
    let mut problems = Vec::new();
    for &(fill, seed, resp3) in RUNS {
        let mut e = fresh(&ember, resp3, SETUP);
        let mut r = redis.as_ref().map(|s| fresh(s, resp3, SETUP));
        let set_fill = ["CONFIG".to_string(), "SET".into(), "list-max-listpack-size".into(), fill.to_string()];
        assert_eq!(e.cmd(&set_fill), common::ok());
        if let Some(r) = r.as_mut() {
            assert_eq!(r.cmd(&set_fill), common::ok());
        }
        let mut rng = Rng(seed);
        let mut history: Vec<String> = Vec::new();
        for _ in 0..2000 {
            let argv = random_list_command(&mut rng);
            let line = describe(&argv);
            history.push(line.clone());
            let a = e.cmd(&argv);
            let Some(r) = r.as_mut() else {
                assert!(!matches!(&a, Frame::Error(m) if m.starts_with(b"ERR unknown")), "{line}: {}", show(&a));
                continue;
            };
            let b = r.cmd(&argv);
            if a != b {
                let tail = recent(&history, 6);
                problems.push(format!(
                    "fill {fill} seed {seed:#x} resp3={resp3}: {line}\n      ember: {}\n      redis: {}\n      recent:\n        {tail}",
                    show(&a),
                    show(&b)
                ));
                for c in [&mut e, r] {
                    let _ = c.run("FLUSHALL");
                }
            }
        }
        // Both keyspaces must end up identical.
        if let Some(r) = r.as_mut() {
            for key in ["l1", "l2", "l3"] {
                let a = e.cmd(&["LRANGE", key, "0", "-1"]);
                let b = r.cmd(&["LRANGE", key, "0", "-1"]);
                if a != b {
                    problems.push(format!("fill {fill} seed {seed:#x}: final {key} differs"));
                }
            }
        }
        assert_eq!(e.run("PING"), common::simple("PONG"));
    }
    report(&problems, "the random list stream");
}
