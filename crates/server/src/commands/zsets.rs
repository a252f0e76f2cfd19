//! Sorted-set commands: ZADD and friends, ranges by rank / score / lex,
//! pops (and their blocking forms), ZRANDMEMBER, the set operations
//! (ZUNION / ZINTER / ZDIFF and their STORE forms, ZINTERCARD) and ZSCAN.
//!
//! Scores follow Redis 7.0's text rules (see ember_num): parsed like C's
//! `strtod` (decimal, hexadecimal, `inf`; NaN, overflow and underflow to
//! zero rejected) and replied with `%.17g` as a bulk string (RESP2) or a
//! double (RESP3).

use std::cell::RefCell;
use std::collections::HashMap;

use ember_num::{c_string, format_d2string, format_g17, parse_f64, strtod, FLOAT_BUF_LEN};
use ember_resp::Protocol;
use ember_store::types::dict::Rng;
use ember_store::types::set::Set;
use ember_store::types::zset::{LexBound, ScoreBound, ZSet};
use ember_store::{Db, Value};

use crate::blocking::{timeout_arg, BlockRequest, TimeoutReply};
use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{int_arg, is};
use crate::commands::common::{
    lookup_zset, mpop_args, parse_cursor, positive_count, random_count_args, reply_scan, ScanOpts,
};
use crate::config::notify as ev;

/// The arguments of ZUNION, ZINTER.
const ZUNION_ARGS: &[arg::Arg] = &[
    arg::integer("numkeys"),
    arg::key("key", 0).multiple(),
    arg::integer("weight").token("WEIGHTS").optional().multiple(),
    arg::oneof("aggregate", &[arg::token("sum", "SUM"), arg::token("min", "MIN"), arg::token("max", "MAX")])
        .token("AGGREGATE")
        .optional(),
    arg::token("withscores", "WITHSCORES").optional(),
];

/// The key specs of ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE.
const ZUNIONSTORE_KEYS: &[KeySpec] = &[
    KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
    KeySpec::index(2).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS),
];

/// The arguments of ZUNIONSTORE, ZINTERSTORE.
const ZUNIONSTORE_ARGS: &[arg::Arg] = &[
    arg::key("destination", 0),
    arg::integer("numkeys"),
    arg::key("key", 1).multiple(),
    arg::integer("weight").token("WEIGHTS").optional().multiple(),
    arg::oneof("aggregate", &[arg::token("sum", "SUM"), arg::token("min", "MIN"), arg::token("max", "MAX")])
        .token("AGGREGATE")
        .optional(),
];

/// Sorted-set commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, zadd)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::UPDATE)])
        .doc(
            "sorted-set",
            "Add one or more members to a sorted set, or update its score if it already exists",
            "1.2.0",
            "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        )
        .history(&[
            ("2.4.0", "Accepts multiple elements."),
            ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
            ("6.2.0", "Added the `GT` and `LT` options."),
        ])
        .args(&[
            arg::key("key", 0),
            arg::oneof("condition", &[arg::token("nx", "NX"), arg::token("xx", "XX")]).since("3.0.2").optional(),
            arg::oneof("comparison", &[arg::token("gt", "GT"), arg::token("lt", "LT")]).since("6.2.0").optional(),
            arg::token("change", "CH").since("3.0.2").optional(),
            arg::token("increment", "INCR").since("3.0.2").optional(),
            arg::block("score_member", &[arg::double("score"), arg::string("member")]).multiple(),
        ]),
    CommandSpec::new("zincrby", 4, zincrby)
        .flags(WRITE | DENYOOM | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::UPDATE)])
        .doc(
            "sorted-set",
            "Increment the score of a member in a sorted set",
            "1.2.0",
            "O(log(N)) where N is the number of elements in the sorted set.",
        )
        .args(&[arg::key("key", 0), arg::integer("increment"), arg::string("member")]),
    CommandSpec::new("zscore", 3, zscore)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("sorted-set", "Get the score associated with the given member in a sorted set", "1.2.0", "O(1)")
        .args(&[arg::key("key", 0), arg::string("member")]),
    CommandSpec::new("zmscore", -3, zmscore)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Get the score associated with the given members in a sorted set",
            "6.2.0",
            "O(N) where N is the number of members being requested.",
        )
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("zcard", 2, zcard)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO)])
        .doc("sorted-set", "Get the number of members in a sorted set", "1.2.0", "O(1)")
        .args(&[arg::key("key", 0)]),
    CommandSpec::new("zcount", 4, zcount)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Count the members in a sorted set with scores within the given values",
            "2.0.0",
            "O(log(N)) with N being the number of elements in the sorted set.",
        )
        .args(&[arg::key("key", 0), arg::double("min"), arg::double("max")]),
    CommandSpec::new("zlexcount", 4, zlexcount)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Count the number of members in a sorted set between a given lexicographical range",
            "2.8.9",
            "O(log(N)) with N being the number of elements in the sorted set.",
        )
        .args(&[arg::key("key", 0), arg::string("min"), arg::string("max")]),
    CommandSpec::new("zrank", 3, zrank)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc("sorted-set", "Determine the index of a member in a sorted set", "2.0.0", "O(log(N))")
        .args(&[arg::key("key", 0), arg::string("member")]),
    CommandSpec::new("zrevrank", 3, zrevrank)
        .flags(READONLY | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Determine the index of a member in a sorted set, with scores ordered from high to low",
            "2.0.0",
            "O(log(N))",
        )
        .args(&[arg::key("key", 0), arg::string("member")]),
    CommandSpec::new("zrange", -4, zrange)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Return a range of members in a sorted set",
            "1.2.0",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        )
        .history(&[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")])
        .args(&[
            arg::key("key", 0),
            arg::string("start"),
            arg::string("stop"),
            arg::oneof(
                "sortby",
                &[
                    arg::token("byscore", "BYSCORE"),
                    arg::token("bylex", "BYLEX"),
                ],
            ).since("6.2.0").optional(),
            arg::token("rev", "REV").since("6.2.0").optional(),
            arg::block(
                "offset_count",
                &[
                    arg::integer("offset"),
                    arg::integer("count"),
                ],
            ).token("LIMIT").since("6.2.0").optional(),
            arg::token("withscores", "WITHSCORES").optional(),
        ]),
    CommandSpec::new("zrangestore", -5, zrangestore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(&[
            KeySpec::index(1).range(0, 1, 0).flags(ks::OW | ks::UPDATE),
            KeySpec::index(2).range(0, 1, 0).flags(ks::RO | ks::ACCESS),
        ])
        .doc(
            "sorted-set",
            "Store a range of members from sorted set into another key",
            "6.2.0",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        )
        .args(&[
            arg::key("dst", 0),
            arg::key("src", 1),
            arg::string("min"),
            arg::string("max"),
            arg::oneof("sortby", &[arg::token("byscore", "BYSCORE"), arg::token("bylex", "BYLEX")]).optional(),
            arg::token("rev", "REV").optional(),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
        ]),
    CommandSpec::new("zrevrange", -4, zrevrange)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Return a range of members in a sorted set, by index, with scores ordered from high to low",
            "1.2.0",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `REV` argument")
        .args(&[
            arg::key("key", 0),
            arg::integer("start"),
            arg::integer("stop"),
            arg::token("withscores", "WITHSCORES").optional(),
        ]),
    CommandSpec::new("zrangebyscore", -4, zrangebyscore)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Return a range of members in a sorted set, by score",
            "1.0.5",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .history(&[("2.0.0", "Added the `WITHSCORES` modifier.")])
        .deprecated("6.2.0", "`ZRANGE` with the `BYSCORE` argument")
        .args(&[
            arg::key("key", 0),
            arg::double("min"),
            arg::double("max"),
            arg::token("withscores", "WITHSCORES").since("2.0.0").optional(),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
        ]),
    CommandSpec::new("zrevrangebyscore", -4, zrevrangebyscore)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Return a range of members in a sorted set, by score, with scores ordered from high to low",
            "2.2.0",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .history(&[("2.1.6", "`min` and `max` can be exclusive.")])
        .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments")
        .args(&[
            arg::key("key", 0),
            arg::double("max"),
            arg::double("min"),
            arg::token("withscores", "WITHSCORES").optional(),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
        ]),
    CommandSpec::new("zrangebylex", -4, zrangebylex)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Return a range of members in a sorted set, by lexicographical range",
            "2.8.9",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `BYLEX` argument")
        .args(&[
            arg::key("key", 0),
            arg::string("min"),
            arg::string("max"),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
        ]),
    CommandSpec::new("zrevrangebylex", -4, zrevrangebylex)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .doc(
            "sorted-set",
            "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
            "2.8.9",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        )
        .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments")
        .args(&[
            arg::key("key", 0),
            arg::string("max"),
            arg::string("min"),
            arg::block("offset_count", &[arg::integer("offset"), arg::integer("count")]).token("LIMIT").optional(),
        ]),
    CommandSpec::new("zrem", -3, zrem)
        .flags(WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove one or more members from a sorted set",
            "1.2.0",
            "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        )
        .history(&[("2.4.0", "Accepts multiple elements.")])
        .args(&[arg::key("key", 0), arg::string("member").multiple()]),
    CommandSpec::new("zremrangebyrank", 4, zremrangebyrank)
        .flags(WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove all members in a sorted set within the given indexes",
            "2.0.0",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        )
        .args(&[arg::key("key", 0), arg::integer("start"), arg::integer("stop")]),
    CommandSpec::new("zremrangebyscore", 4, zremrangebyscore)
        .flags(WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove all members in a sorted set within the given scores",
            "1.2.0",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        )
        .args(&[arg::key("key", 0), arg::double("min"), arg::double("max")]),
    CommandSpec::new("zremrangebylex", 4, zremrangebylex)
        .flags(WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove all members in a sorted set between the given lexicographical range",
            "2.8.9",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        )
        .args(&[arg::key("key", 0), arg::string("min"), arg::string("max")]),
    CommandSpec::new("zpopmin", -2, zpopmin)
        .flags(WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove and return members with the lowest scores in a sorted set",
            "5.0.0",
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[arg::key("key", 0), arg::integer("count").optional()]),
    CommandSpec::new("zpopmax", -2, zpopmax)
        .flags(WRITE | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove and return members with the highest scores in a sorted set",
            "5.0.0",
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[arg::key("key", 0), arg::integer("count").optional()]),
    CommandSpec::new("bzpopmin", -3, bzpopmin)
        .flags(WRITE | NOSCRIPT | BLOCKING | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(-2, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
            "5.0.0",
            "O(log(N)) with N being the number of elements in the sorted set.",
        )
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[arg::key("key", 0).multiple(), arg::double("timeout")]),
    CommandSpec::new("bzpopmax", -3, bzpopmax)
        .flags(WRITE | NOSCRIPT | BLOCKING | FAST)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(-2, 1, 0).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .doc(
            "sorted-set",
            "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
            "5.0.0",
            "O(log(N)) with N being the number of elements in the sorted set.",
        )
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[arg::key("key", 0).multiple(), arg::double("timeout")]),
    CommandSpec::new("zmpop", -4, zmpop)
        .flags(WRITE)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "sorted-set",
            "Remove and return members with scores in a sorted set",
            "7.0.0",
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::oneof("where", &[arg::token("min", "MIN"), arg::token("max", "MAX")]),
            arg::integer("count").token("COUNT").optional(),
        ]),
    CommandSpec::new("bzmpop", -5, bzmpop)
        .flags(WRITE | BLOCKING)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(2).keynum(0, 1, 1).flags(ks::RW | ks::ACCESS | ks::DELETE)])
        .keys_fn(getkeys::count_at_2)
        .doc(
            "sorted-set",
            "Remove and return members with scores in a sorted set or block until one is available",
            "7.0.0",
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        )
        .args(&[
            arg::double("timeout"),
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::oneof("where", &[arg::token("min", "MIN"), arg::token("max", "MAX")]),
            arg::integer("count").token("COUNT").optional(),
        ]),
    CommandSpec::new("zrandmember", -2, zrandmember)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "sorted-set",
            "Get one or multiple random elements from a sorted set",
            "6.2.0",
            "O(N) where N is the number of elements returned",
        )
        .args(&[
            arg::key("key", 0),
            arg::block(
                "options",
                &[
                    arg::integer("count"),
                    arg::token("withscores", "WITHSCORES").optional(),
                ],
            ).optional(),
        ]),
    CommandSpec::new("zunion", -3, zunion)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "sorted-set",
            "Add multiple sorted sets",
            "6.2.0",
            "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        )
        .args(ZUNION_ARGS),
    CommandSpec::new("zinter", -3, zinter)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "sorted-set",
            "Intersect multiple sorted sets",
            "6.2.0",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        )
        .args(ZUNION_ARGS),
    CommandSpec::new("zdiff", -3, zdiff)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "sorted-set",
            "Subtract multiple sorted sets",
            "6.2.0",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        )
        .args(&[
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::token("withscores", "WITHSCORES").optional(),
        ]),
    CommandSpec::new("zunionstore", -4, zunionstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(ZUNIONSTORE_KEYS)
        .keys_fn(getkeys::dest_then_count)
        .doc(
            "sorted-set",
            "Add multiple sorted sets and store the resulting sorted set in a new key",
            "2.0.0",
            "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        )
        .args(ZUNIONSTORE_ARGS),
    CommandSpec::new("zinterstore", -4, zinterstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(ZUNIONSTORE_KEYS)
        .keys_fn(getkeys::dest_then_count)
        .doc(
            "sorted-set",
            "Intersect multiple sorted sets and store the resulting sorted set in a new key",
            "2.0.0",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        )
        .args(ZUNIONSTORE_ARGS),
    CommandSpec::new("zdiffstore", -4, zdiffstore)
        .flags(WRITE | DENYOOM)
        .acl(acl::SORTEDSET)
        .keys(ZUNIONSTORE_KEYS)
        .keys_fn(getkeys::dest_then_count)
        .doc(
            "sorted-set",
            "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            "6.2.0",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        )
        .args(&[arg::key("destination", 0), arg::integer("numkeys"), arg::key("key", 1).multiple()]),
    CommandSpec::new("zintercard", -3, zintercard)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).keynum(0, 1, 1).flags(ks::RO | ks::ACCESS)])
        .keys_fn(getkeys::count_at_1)
        .doc(
            "sorted-set",
            "Intersect multiple sorted sets and return the cardinality of the result",
            "7.0.0",
            "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        )
        .args(&[
            arg::integer("numkeys"),
            arg::key("key", 0).multiple(),
            arg::integer("limit").token("LIMIT").optional(),
        ]),
    CommandSpec::new("zscan", -3, zscan)
        .flags(READONLY)
        .acl(acl::SORTEDSET)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::RO | ks::ACCESS)])
        .tips(&["nondeterministic_output"])
        .doc(
            "sorted-set",
            "Incrementally iterate sorted sets elements and associated scores",
            "2.8.0",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        )
        .args(&[
            arg::key("key", 0),
            arg::integer("cursor"),
            arg::pattern("pattern").token("MATCH").optional(),
            arg::integer("count").token("COUNT").optional(),
        ]),
];

// ---------------------------------------------------------------------------
// Score arguments (the number text itself is ember_num's)
// ---------------------------------------------------------------------------

/// A score or increment (Redis's `getDoubleFromObject`, see
/// [`ember_num::parse_f64`]).
fn score_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_f64(arg).ok_or(CmdError::NotFloat)
}

/// One end of a score range: `[(]float` (strtod rules, NaN rejected).
fn parse_score_bound(arg: &[u8]) -> Option<ScoreBound> {
    let (exclusive, rest) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let rest = c_string(rest);
    let r = strtod(rest);
    if r.used != rest.len() || r.value.is_nan() {
        return None;
    }
    Some(ScoreBound { value: r.value, exclusive })
}

fn score_range_args(min: &[u8], max: &[u8]) -> Result<(ScoreBound, ScoreBound), CmdError> {
    match (parse_score_bound(min), parse_score_bound(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(CmdError::err("min or max is not a float")),
    }
}

/// One end of a lex range: `-`, `+`, `[member` or `(member`.
fn parse_lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    match arg.first()? {
        b'+' if c_string(arg).len() == 1 => Some(LexBound::Max),
        b'-' if c_string(arg).len() == 1 => Some(LexBound::Min),
        b'(' => Some(LexBound::Excl(&arg[1..])),
        b'[' => Some(LexBound::Incl(&arg[1..])),
        _ => None,
    }
}

fn lex_range_args<'a>(min: &'a [u8], max: &'a [u8]) -> Result<(LexBound<'a>, LexBound<'a>), CmdError> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(CmdError::err("min or max not valid string range item")),
    }
}

/// The header of a list of `n` members, with or without scores: RESP2 flat
/// (2n items with scores), RESP3 an array of `[member, score]` pairs.
fn reply_elems_header(out: &mut Out, n: usize, withscores: bool) {
    if withscores && out.proto == Protocol::Resp2 {
        out.array(n * 2);
    } else {
        out.array(n);
    }
}

fn reply_elem(out: &mut Out, member: &[u8], score: f64, withscores: bool) {
    if withscores {
        if out.proto == Protocol::Resp3 {
            out.array(2);
        }
        out.bulk(member);
        out.double(score);
    } else {
        out.bulk(member);
    }
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/// The sorted set at `key`, created empty if missing.
fn zset_or_create<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<&'a mut ZSet, CmdError> {
    let exists = match db.get(key, now) {
        None => false,
        Some(e) if matches!(e.value(), Value::ZSet(_)) => true,
        Some(_) => return Err(CmdError::WrongType),
    };
    if !exists {
        db.insert(key, Value::ZSet(Box::default()), None, now);
    }
    match lookup_zset(db, key, now)? {
        Some(z) => Ok(z),
        None => unreachable!("just inserted"),
    }
}

/// Deletes `key` if it holds an empty sorted set (Redis never keeps one);
/// true if it did.
fn delete_if_empty(db: &mut Db, key: &[u8], now: u64) -> bool {
    let empty = matches!(db.peek(key, now).map(|e| e.value()), Some(Value::ZSet(z)) if z.is_empty());
    if empty {
        db.remove(key, now);
    }
    empty
}

/// A removal's event, then `del` if the sorted set is gone.
fn notify_removed(ctx: &mut Ctx<'_>, event: &str, key: &[u8], emptied: bool) {
    ctx.notify(ev::ZSET, event, key);
    if emptied {
        ctx.notify(ev::GENERIC, "del", key);
    }
}

/// How a stored result starts out (which matters only for the sign of a
/// zero score, which the `listpack` encoding does not keep).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreAs {
    /// ZUNIONSTORE & co: built as `skiplist`, made `listpack` if it fits.
    Fitted,
    /// ZRANGESTORE by rank: `skiplist` from the start when the count alone
    /// exceeds the listpack limit.
    RankHint,
    /// ZRANGESTORE by score or lex: `listpack` first, converted as members
    /// are added in order.
    Listpack,
}

/// Stores `elems` as the sorted set `dst`, replacing any value, or deletes
/// `dst` when empty; replies with the count.
pub(crate) fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], elems: Vec<(Vec<u8>, f64)>, how: StoreAs, event: &str) {
    let now = ctx.now_ms;
    let n = elems.len();
    let cfg = ctx.srv.config.encodings();
    if n > 0 {
        let too_many = n > cfg.zset_max_listpack_entries;
        let big = match how {
            StoreAs::Fitted => too_many || elems.iter().any(|(m, _)| m.len() > cfg.zset_max_listpack_value),
            StoreAs::RankHint => too_many,
            StoreAs::Listpack => false,
        };
        let mut z = if big { ZSet::new_skiplist() } else { ZSet::new() };
        for (m, s) in &elems {
            z.insert(m, *s, &cfg);
        }
        if let Some(old) = ctx.srv.store.db(ctx.client.db).insert(dst, Value::ZSet(Box::new(z)), None, now) {
            ctx.srv.drop_value(old);
        }
        ctx.dirty(1);
        ctx.notify(ev::ZSET, event, dst);
    } else if let Some(old) = ctx.srv.store.db(ctx.client.db).remove(dst, now) {
        ctx.srv.drop_value(old);
        ctx.dirty(1);
        ctx.notify(ev::GENERIC, "del", dst);
    }
    ctx.out().int(n as i64);
}

thread_local! {
    static RNG: RefCell<Rng> = RefCell::new(Rng::from_entropy());
}

fn random_below(n: usize) -> usize {
    RNG.with(|r| r.borrow_mut().below(n as u64) as usize)
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY
// ---------------------------------------------------------------------------

fn zadd(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zadd_generic(ctx, args, false)
}

/// ZINCRBY is ZADD with INCR (its options are parsed too, as in Redis).
fn zincrby(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zadd_generic(ctx, args, true)
}

fn zadd_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, zincrby: bool) -> CmdResult {
    let key = args.next_bytes()?;
    let (mut nx, mut xx, mut ch, mut incr, mut gt, mut lt) = (false, false, false, zincrby, false, false);
    // The options run until the first argument that is none of them.
    loop {
        if args.eat("NX") {
            nx = true;
        } else if args.eat("XX") {
            xx = true;
        } else if args.eat("CH") {
            ch = true;
        } else if args.eat("INCR") {
            incr = true;
        } else if args.eat("GT") {
            gt = true;
        } else if args.eat("LT") {
            lt = true;
        } else {
            break;
        }
    }
    let elements = args.remaining();
    if elements % 2 != 0 || elements == 0 {
        return Err(CmdError::Syntax);
    }
    if nx && xx {
        return Err(CmdError::err("XX and NX options at the same time are not compatible"));
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return Err(CmdError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if incr && elements > 2 {
        return Err(CmdError::err("INCR option supports a single increment-element pair"));
    }
    // Every score is checked before anything is written.
    let mut pairs = Vec::with_capacity(elements / 2);
    while let (Some(score), Some(member)) = (args.next(), args.next()) {
        pairs.push((score_arg(score)?, member));
    }
    let now = ctx.now_ms;
    let cfg = ctx.srv.config.encodings();
    let db = ctx.srv.store.db(ctx.client.db);
    let skip = xx && lookup_zset(db, key, now)?.is_none();
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut last_score = 0.0;
    if !skip {
        let z = zset_or_create(db, key, now)?;
        for (score, member) in pairs {
            match z.score(member) {
                Some(cur) => {
                    if nx {
                        continue;
                    }
                    let mut new = score;
                    if incr {
                        new += cur;
                        if new.is_nan() {
                            delete_if_empty(ctx.srv.store.db(ctx.client.db), key, now);
                            return Err(CmdError::err("resulting score is not a number (NaN)"));
                        }
                    }
                    if (lt && new >= cur) || (gt && new <= cur) {
                        continue;
                    }
                    last_score = new;
                    processed += 1;
                    if new != cur {
                        z.insert(member, new, &cfg);
                        updated += 1;
                    }
                }
                None if !xx => {
                    z.insert(member, score, &cfg);
                    last_score = score;
                    added += 1;
                    processed += 1;
                }
                None => {}
            }
        }
        delete_if_empty(ctx.srv.store.db(ctx.client.db), key, now);
    }
    ctx.dirty(added + updated);
    if added + updated > 0 {
        ctx.notify(ev::ZSET, if incr { "zincr" } else { "zadd" }, key);
    }
    let out = ctx.out();
    if incr {
        if processed > 0 {
            out.double(last_score);
        } else {
            out.null();
        }
    } else {
        out.int((if ch { added + updated } else { added }) as i64);
    }
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// Reads of single members
// ---------------------------------------------------------------------------

fn zscore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let member = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let score = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)?.and_then(|z| z.score(member));
    match score {
        Some(s) => ctx.out().double(s),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn zmscore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let z = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)?;
    let out = &mut ctx.client.out;
    out.array(members.remaining());
    for m in members {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(Replied)
}

fn zcard(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let n = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)?.map_or(0, |z| z.len());
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn zcount(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (min, max) = score_range_args(args.next_bytes()?, args.next_bytes()?)?;
    args.finish()?;
    let now = ctx.now_ms;
    let n = match lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? {
        Some(z) => {
            let (s, e) = z.score_range(min, max);
            e - s
        }
        None => 0,
    };
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn zlexcount(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (min, max) = lex_range_args(args.next_bytes()?, args.next_bytes()?)?;
    args.finish()?;
    let now = ctx.now_ms;
    let n = match lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? {
        Some(z) => {
            let (s, e) = z.lex_range(&min, &max);
            e - s
        }
        None => 0,
    };
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn zrank(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrank_generic(ctx, args, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrank_generic(ctx, args, true)
}

/// ZRANK / ZREVRANK `key member` (Redis 7.0 has no WITHSCORE: 7.2 added it).
fn zrank_generic(ctx: &mut Ctx<'_>, args: &mut Args<'_>, rev: bool) -> CmdResult {
    let key = args.next_bytes()?;
    let member = args.next_bytes()?;
    args.finish()?;
    let now = ctx.now_ms;
    let rank = match lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? {
        Some(z) => z.rank(member).map(|(r, _)| if rev { z.len() - 1 - r } else { r }),
        None => None,
    };
    match rank {
        Some(r) => ctx.out().int(r as i64),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Ascending ranks `start..end` of a rank range given Redis-style
/// (negative = from the end, inclusive), or `None` when empty.
fn rank_span(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { llen.saturating_add(start) } else { start };
    let mut end = if end < 0 { llen.saturating_add(end) } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize + 1))
}

/// Applies LIMIT `offset count` to the ascending span `s..e` walked forward
/// or (with `rev`) from the top; returns the ascending span to emit.
fn limit_span(s: usize, e: usize, rev: bool, offset: i64, limit: i64) -> (usize, usize) {
    if s >= e || offset < 0 || limit == 0 {
        return (0, 0);
    }
    let avail = e - s;
    let off = (offset as u64).min(avail as u64) as usize;
    let n = if limit < 0 { avail - off } else { (limit as u64).min((avail - off) as u64) as usize };
    if rev {
        (e - off - n, e - off)
    } else {
        (s + off, s + off + n)
    }
}

fn zrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, false, RangeKind::Auto, None)
}

fn zrangestore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, true, RangeKind::Auto, None)
}

fn zrevrange(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, false, RangeKind::Rank, Some(true))
}

fn zrangebyscore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, false, RangeKind::Score, Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, false, RangeKind::Score, Some(true))
}

fn zrangebylex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, false, RangeKind::Lex, Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zrange_generic(ctx, args, false, RangeKind::Lex, Some(true))
}

/// Every ZRANGE form: `[dst] key min max [options]`, the destination with
/// `store` (ZRANGESTORE).
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    args: &mut Args<'_>,
    store: bool,
    mut kind: RangeKind,
    direction: Option<bool>,
) -> CmdResult {
    let dst = if store { Some(args.next_bytes()?) } else { None };
    let key = args.next_bytes()?;
    let (mut min_arg, mut max_arg) = (args.next_bytes()?, args.next_bytes()?);
    let mut withscores = false;
    let mut rev = direction;
    let (mut offset, mut limit) = (0i64, -1i64);
    while let Some(opt) = args.next() {
        if !store && is(opt, "WITHSCORES") {
            withscores = true;
        } else if is(opt, "LIMIT") && args.remaining() >= 2 {
            offset = args.next_i64()?;
            limit = args.next_i64()?;
        } else if direction.is_none() && rev.is_none() && is(opt, "REV") {
            rev = Some(true);
        } else if kind == RangeKind::Auto && is(opt, "BYLEX") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && is(opt, "BYSCORE") {
            kind = RangeKind::Score;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let rev = rev.unwrap_or(false);
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    if limit != -1 && kind == RangeKind::Rank {
        return Err(CmdError::err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
    }
    if withscores && kind == RangeKind::Lex {
        return Err(CmdError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    if rev && kind != RangeKind::Rank {
        std::mem::swap(&mut min_arg, &mut max_arg);
    }
    enum Parsed<'a> {
        Rank(i64, i64),
        Score(ScoreBound, ScoreBound),
        Lex(LexBound<'a>, LexBound<'a>),
    }
    let parsed = match kind {
        RangeKind::Score => {
            let (a, b) = score_range_args(min_arg, max_arg)?;
            Parsed::Score(a, b)
        }
        RangeKind::Lex => {
            let (a, b) = lex_range_args(min_arg, max_arg)?;
            Parsed::Lex(a, b)
        }
        _ => Parsed::Rank(int_arg(min_arg)?, int_arg(max_arg)?),
    };
    let now = ctx.now_ms;
    let Some(z) = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? else {
        if let Some(dst) = dst {
            store_result(ctx, dst, Vec::new(), StoreAs::Listpack, "zrangestore");
        } else {
            ctx.out().array(0);
        }
        return Ok(Replied);
    };
    let (s, e) = match parsed {
        Parsed::Rank(a, b) => {
            let len = z.len();
            match rank_span(len, a, b) {
                // Reverse ranks count from the top.
                Some((s, e)) if rev => (len - e, len - s),
                Some(span) => span,
                None => (0, 0),
            }
        }
        Parsed::Score(min, max) => {
            let (s, e) = z.score_range(min, max);
            limit_span(s, e, rev, offset, limit)
        }
        Parsed::Lex(min, max) => {
            let (s, e) = z.lex_range(&min, &max);
            limit_span(s, e, rev, offset, limit)
        }
    };
    let n = e.saturating_sub(s);
    if let Some(dst) = dst {
        let mut elems = Vec::with_capacity(n);
        z.for_range(s, e, rev, |m, sc| elems.push((m.to_vec(), sc)));
        let how = if kind == RangeKind::Rank { StoreAs::RankHint } else { StoreAs::Listpack };
        store_result(ctx, dst, elems, how, "zrangestore");
        return Ok(Replied);
    }
    let out = &mut ctx.client.out;
    reply_elems_header(out, n, withscores);
    z.for_range(s, e, rev, |m, sc| reply_elem(out, m, sc, withscores));
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------

fn zrem(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let mut n = 0;
    if let Some(z) = lookup_zset(db, key, now)? {
        for m in members {
            if z.remove(m).is_some() {
                n += 1;
            }
            if z.is_empty() {
                break;
            }
        }
        let emptied = delete_if_empty(db, key, now);
        if n > 0 {
            notify_removed(ctx, "zrem", key, emptied);
        }
    }
    ctx.dirty(n);
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (a, b) = (args.next_i64()?, args.next_i64()?);
    args.finish()?;
    zremrange(ctx, key, "zremrangebyrank", |z| rank_span(z.len(), a, b).unwrap_or((0, 0)))
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (min, max) = score_range_args(args.next_bytes()?, args.next_bytes()?)?;
    args.finish()?;
    zremrange(ctx, key, "zremrangebyscore", |z| z.score_range(min, max))
}

fn zremrangebylex(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let (min, max) = lex_range_args(args.next_bytes()?, args.next_bytes()?)?;
    args.finish()?;
    zremrange(ctx, key, "zremrangebylex", |z| z.lex_range(&min, &max))
}

fn zremrange(ctx: &mut Ctx<'_>, key: &[u8], event: &str, span: impl FnOnce(&ZSet) -> (usize, usize)) -> CmdResult {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let mut n = 0;
    if let Some(z) = lookup_zset(db, key, now)? {
        let (s, e) = span(z);
        n = z.remove_range(s, e);
        let emptied = delete_if_empty(db, key, now);
        if n > 0 {
            notify_removed(ctx, event, key, emptied);
        }
    }
    ctx.dirty(n as u64);
    ctx.out().int(n as i64);
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------

/// How a pop reply is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PopReply {
    /// ZPOPMIN/ZPOPMAX: flat (RESP2, or RESP3 without COUNT) or pairs.
    Plain { nested: bool },
    /// BZPOPMIN/BZPOPMAX: `[key, member, score]`.
    KeyFlat,
    /// ZMPOP/BZMPOP: `[key, [[member, score], ...]]`.
    KeyNested,
}

/// Pops up to `count` elements from the first existing key of `keys`.
/// Returns `Ok(false)` when no key exists (nothing replied).
fn pop_from(ctx: &mut Ctx<'_>, keys: &[&[u8]], max: bool, count: usize, shape: PopReply) -> Result<bool, CmdError> {
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    let mut found = None;
    for &k in keys {
        if lookup_zset(db, k, now)?.is_some() {
            found = Some(k);
            break;
        }
    }
    let Some(key) = found else { return Ok(false) };
    let z = lookup_zset(db, key, now)?.expect("found above");
    let n = count.min(z.len());
    let mut popped = Vec::with_capacity(n);
    for _ in 0..n {
        if let Some(p) = z.pop(max) {
            popped.push(p);
        }
    }
    let emptied = delete_if_empty(db, key, now);
    ctx.dirty(n as u64);
    if n > 0 {
        notify_removed(ctx, if max { "zpopmax" } else { "zpopmin" }, key, emptied);
    }
    if !matches!(shape, PopReply::Plain { .. }) {
        ctx.srv.events.touched(ctx.client.db, key);
    }
    let out = &mut ctx.client.out;
    let nested = match shape {
        PopReply::Plain { nested } => {
            if nested {
                out.array(n);
            } else {
                out.array(n * 2);
            }
            nested
        }
        PopReply::KeyFlat => {
            out.array(n * 2 + 1);
            out.bulk(key);
            false
        }
        PopReply::KeyNested => {
            out.array(2);
            out.bulk(key);
            out.array(n);
            true
        }
    };
    for (m, s) in &popped {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        out.double(*s);
    }
    Ok(true)
}

fn zpopmin(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zpop(ctx, args, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zpop(ctx, args, true)
}

fn zpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>, max: bool) -> CmdResult {
    let key = args.next_bytes()?;
    // Too many arguments is a syntax error before the count is looked at.
    if args.remaining() > 1 {
        return Err(CmdError::Syntax);
    }
    let count = args.next().map(positive_count).transpose()?;
    let nested = count.is_some() && ctx.client.out.proto == Protocol::Resp3;
    if count == Some(0) {
        // The key is still type-checked.
        let now = ctx.now_ms;
        lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)?;
        ctx.out().array(0);
        return Ok(Replied);
    }
    if !pop_from(ctx, &[key], max, count.unwrap_or(1), PopReply::Plain { nested })? {
        ctx.out().array(0);
    }
    Ok(Replied)
}

fn bzpopmin(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    bzpop(ctx, args, false)
}

fn bzpopmax(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    bzpop(ctx, args, true)
}

/// Blocks the client on `keys` (or answers a null array when it may not block).
fn block_on(ctx: &mut Ctx<'_>, keys: &[&[u8]], deadline: Option<u64>) -> CmdResult {
    if !ctx.may_block() {
        ctx.out().null_array();
        return Ok(Replied);
    }
    Ok(Outcome::block(BlockRequest {
        keys: keys.iter().map(|k| k.to_vec()).collect(),
        deadline,
        on_timeout: TimeoutReply::NullArray,
    }))
}

/// BZPOPMIN / BZPOPMAX `key [key ...] timeout`.
fn bzpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>, max: bool) -> CmdResult {
    let keys: Vec<&[u8]> = args.next_n(args.remaining().saturating_sub(1)).collect();
    let deadline = timeout_arg(args.next_bytes()?, ctx.now_ms)?;
    args.finish()?;
    if !pop_from(ctx, &keys, max, 1, PopReply::KeyFlat)? {
        return block_on(ctx, &keys, deadline);
    }
    Ok(Replied)
}

/// ZMPOP's `numkeys key [key ...] MIN|MAX [COUNT count]`: the keys, whether
/// MAX, the count.
fn zmpop_args<'a>(args: &mut Args<'a>) -> Result<(Vec<&'a [u8]>, bool, usize), CmdError> {
    let (keys, end, count) = mpop_args(args, &["MIN", "MAX"])?;
    Ok((keys.collect(), end == 1, count))
}

fn zmpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (keys, max, count) = zmpop_args(args)?;
    if !pop_from(ctx, &keys, max, count, PopReply::KeyNested)? {
        ctx.out().null_array();
    }
    Ok(Replied)
}

fn bzmpop(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    // The timeout comes first but is checked after the other arguments.
    let timeout = args.next_bytes()?;
    let (keys, max, count) = zmpop_args(args)?;
    let deadline = timeout_arg(timeout, ctx.now_ms)?;
    if !pop_from(ctx, &keys, max, count, PopReply::KeyNested)? {
        return block_on(ctx, &keys, deadline);
    }
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------

fn zrandmember(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let now = ctx.now_ms;
    let key = args.next_bytes()?;
    let Some((l, withscores)) = random_count_args(args, "WITHSCORES")? else {
        let z = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)?;
        match z.and_then(|z| z.get(random_below(z.len().max(1)))) {
            Some((m, _)) => ctx.client.out.bulk(m),
            None => ctx.client.out.null(),
        }
        return Ok(Replied);
    };
    let Some(z) = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? else {
        ctx.out().array(0);
        return Ok(Replied);
    };
    let out = &mut ctx.client.out;
    let size = z.len();
    let count = l.unsigned_abs();
    if count == 0 {
        out.array(0);
        return Ok(Replied);
    }
    if l < 0 || count == 1 {
        // With repetitions (or a single pick). The reply can be huge:
        // cap what a client can make us produce to what Redis would.
        let count = count as usize;
        reply_elems_header(out, count, withscores);
        for _ in 0..count {
            let (m, s) = z.get(random_below(size)).expect("rank in range");
            reply_elem(out, m, s, withscores);
        }
        return Ok(Replied);
    }
    if count >= size as u64 {
        // The whole set, highest first (Redis walks it from the tail).
        reply_elems_header(out, size, withscores);
        z.for_range(0, size, true, |m, s| reply_elem(out, m, s, withscores));
        return Ok(Replied);
    }
    // Distinct picks: a partial Fisher-Yates over the ranks.
    let count = count as usize;
    let mut picked: HashMap<usize, usize> = HashMap::with_capacity(count * 2);
    reply_elems_header(out, count, withscores);
    for i in 0..count {
        let j = i + random_below(size - i);
        let at_j = *picked.get(&j).unwrap_or(&j);
        let at_i = *picked.get(&i).unwrap_or(&i);
        picked.insert(j, at_i);
        let (m, s) = z.get(at_j).expect("rank in range");
        reply_elem(out, m, s, withscores);
    }
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(target: &mut f64, v: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += v;
            // inf + -inf: Redis's convention is 0.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *target {
                *target = v;
            }
        }
        Aggregate::Max => {
            if v > *target {
                *target = v;
            }
        }
    }
}

/// One input of a set operation: a missing key, a sorted set, or a plain
/// set (every member with score 1).
enum Src<'a> {
    Empty,
    Z(&'a ZSet),
    S(&'a Set),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::Empty => 0,
            Src::Z(z) => z.len(),
            Src::S(s) => s.len(),
        }
    }
    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::Empty => None,
            Src::Z(z) => z.score(m),
            Src::S(s) => s.contains(m).then_some(1.0),
        }
    }
    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Src::Empty => {}
            Src::Z(z) => z.for_each(f),
            Src::S(s) => {
                let mut scratch = [0u8; 20];
                for m in s.iter() {
                    f(m.bytes(&mut scratch), 1.0);
                }
            }
        }
    }
}

fn zunion(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Union, false, false)
}
fn zinter(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Inter, false, false)
}
fn zdiff(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Diff, false, false)
}
fn zunionstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Union, true, false)
}
fn zinterstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Inter, true, false)
}
fn zdiffstore(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Diff, true, false)
}
fn zintercard(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    zsetop(ctx, args, SetOp::Inter, false, true)
}

/// The result of a set operation, in no particular order.
type Elems = Vec<(Vec<u8>, f64)>;

/// `[dst] numkeys key [key ...] [options]`: the destination with `store`,
/// only the cardinality (ZINTERCARD) with `card_only`.
fn zsetop(ctx: &mut Ctx<'_>, args: &mut Args<'_>, op: SetOp, store: bool, card_only: bool) -> CmdResult {
    let dst = if store { Some(args.next_bytes()?) } else { None };
    let setnum = args.next_i64()?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(args.name()).to_ascii_lowercase();
        return Err(CmdError::err(format!("at least 1 input key is needed for '{name}' command")));
    }
    if setnum as u64 > args.remaining() as u64 {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let keys = args.next_n(setnum);
    let now = ctx.now_ms;
    let db = ctx.srv.store.db(ctx.client.db);
    // Expired keys are reclaimed first so the shared borrows below see
    // only live values.
    for k in keys.clone() {
        let _ = db.get(k, now);
    }
    let db: &Db = db;
    let mut srcs: Vec<(Src<'_>, f64)> = Vec::with_capacity(setnum);
    for k in keys {
        let src = match db.peek(k, now).map(|e| e.value()) {
            None => Src::Empty,
            Some(Value::ZSet(z)) => Src::Z(z),
            Some(Value::Set(s)) => Src::S(s),
            Some(_) => return Err(CmdError::WrongType),
        };
        srcs.push((src, 1.0));
    }
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let weighted_op = op != SetOp::Diff && !card_only;
    while let Some(opt) = args.next() {
        if weighted_op && args.remaining() >= setnum && is(opt, "WEIGHTS") {
            for src in srcs.iter_mut() {
                src.1 = parse_f64(args.next_bytes()?).ok_or_else(|| CmdError::err("weight value is not a float"))?;
            }
        } else if weighted_op && args.has_more() && is(opt, "AGGREGATE") {
            agg = match args.next_keyword(&["SUM", "MIN", "MAX"])? {
                0 => Aggregate::Sum,
                1 => Aggregate::Min,
                _ => Aggregate::Max,
            };
        } else if !store && !card_only && is(opt, "WITHSCORES") {
            withscores = true;
        } else if card_only && args.has_more() && is(opt, "LIMIT") {
            limit = args.next_i64_where(|n| n >= 0, CmdError::err("LIMIT can't be negative"))? as usize;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if op != SetOp::Diff {
        // Smallest inputs first (stable, as Redis's sort behaves), which
        // also fixes the order scores are aggregated in.
        srcs.sort_by_key(|(s, _)| s.len());
    }
    let weighted = |w: f64, s: f64| {
        let v = w * s;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Elems = Vec::new();
    let mut card = 0usize;
    match op {
        SetOp::Inter => {
            let (first, w0) = &srcs[0];
            if first.len() > 0 {
                let mut stop = false;
                first.for_each(|m, s| {
                    if stop {
                        return;
                    }
                    let mut score = weighted(*w0, s);
                    for (other, w) in &srcs[1..] {
                        match other.score(m) {
                            // Unlike the first input's, these products may be
                            // NaN (inf * 0): SUM then turns NaN into 0, MIN
                            // and MAX ignore it, as in Redis.
                            Some(v) => aggregate(&mut score, *w * v, agg),
                            None => return,
                        }
                    }
                    if card_only {
                        card += 1;
                        if limit > 0 && card >= limit {
                            stop = true;
                        }
                    } else {
                        result.push((m.to_vec(), score));
                    }
                });
            }
        }
        SetOp::Union => {
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::with_capacity(srcs.last().map_or(0, |s| s.0.len()));
            for (src, w) in &srcs {
                src.for_each(|m, s| {
                    let v = weighted(*w, s);
                    match acc.get_mut(m) {
                        Some(cur) => aggregate(cur, v, agg),
                        None => {
                            acc.insert(m.to_vec(), v);
                        }
                    }
                });
            }
            result = acc.into_iter().collect();
        }
        SetOp::Diff => {
            let (first, _) = &srcs[0];
            first.for_each(|m, s| {
                if srcs[1..].iter().all(|(o, _)| o.score(m).is_none()) {
                    result.push((m.to_vec(), s));
                }
            });
        }
    }
    drop(srcs);
    if card_only {
        ctx.out().int(card as i64);
        return Ok(Replied);
    }
    result.sort_by(|a, b| match a.1.partial_cmp(&b.1) {
        Some(std::cmp::Ordering::Equal) | None => a.0.cmp(&b.0),
        Some(o) => o,
    });
    if let Some(dst) = dst {
        let event = match op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        store_result(ctx, dst, result, StoreAs::Fitted, event);
        return Ok(Replied);
    }
    let out = &mut ctx.client.out;
    reply_elems_header(out, result.len(), withscores);
    for (m, s) in &result {
        reply_elem(out, m, *s, withscores);
    }
    Ok(Replied)
}

// ---------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------

fn zscan(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(args.next_bytes()?)?;
    let now = ctx.now_ms;
    let Some(z) = lookup_zset(ctx.srv.store.db(ctx.client.db), key, now)? else {
        reply_scan(ctx.out(), 0, &[]);
        return Ok(Replied);
    };
    // Like Redis, the options are parsed only once the key exists.
    let opts = ScanOpts::parse(args)?;
    let compact = z.is_compact();
    let mut found: Vec<(Vec<u8>, f64)> = Vec::new();
    let next = z.scan(cursor, opts.count, |m, s| {
        if opts.matches(m) {
            found.push((m.to_vec(), s));
        }
    });
    let out = &mut ctx.client.out;
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len() * 2);
    let mut buf = [0u8; FLOAT_BUF_LEN];
    for (m, s) in &found {
        out.bulk(m);
        // A listpack holds scores as the text Redis wrote them.
        out.bulk(if compact { format_d2string(*s, &mut buf) } else { format_g17(*s, &mut buf) });
    }
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::common::with_args;

    #[test]
    fn zmpop_ends_are_min_and_max() {
        let check = |line: &str, want: Result<(Vec<&str>, bool, usize), CmdError>| {
            let got = with_args(line, 1, |a| {
                zmpop_args(a)
                    .map(|(k, max, n)| (k.iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect(), max, n))
            });
            assert_eq!(got, want.map(|(k, max, n)| (k.into_iter().map(str::to_owned).collect::<Vec<_>>(), max, n)));
        };
        check("zmpop 2 a b MIN", Ok((vec!["a", "b"], false, 1)));
        check("zmpop 1 a max count 4", Ok((vec!["a"], true, 4)));
        check("zmpop 1 a left", Err(CmdError::Syntax));
    }

    #[test]
    fn range_bounds_parse_like_zslparserange() {
        let b = |s: &str| parse_score_bound(s.as_bytes()).map(|x| (x.value, x.exclusive));
        assert_eq!(b("1"), Some((1.0, false)));
        assert_eq!(b("(1"), Some((1.0, true)));
        assert_eq!(b(""), Some((0.0, false)));
        assert_eq!(b("("), Some((0.0, true)));
        assert_eq!(b(" 1"), Some((1.0, false)));
        assert_eq!(b("1e400"), Some((f64::INFINITY, false)));
        assert_eq!(b("-inf"), Some((f64::NEG_INFINITY, false)));
        assert_eq!(b("1 "), None);
        assert_eq!(b("  "), None);
        assert_eq!(b("nan"), None);
        assert_eq!(b("[1"), None);
        assert_eq!(b("1\u{0}junk"), Some((1.0, false)));
    }

    #[test]
    fn timeouts() {
        let now = 1_700_000_000_000;
        assert_eq!(timeout_arg(b"0", now), Ok(None));
        assert_eq!(timeout_arg(b"1.5", now), Ok(Some(now + 1_500)));
        // Checked with redis-server 7.0: milliseconds round up, so tiny
        // timeouts wait 1 ms rather than forever.
        assert_eq!(timeout_arg(b"0.0001", now), Ok(Some(now + 1)));
        assert_eq!(timeout_arg(b"1e-400", now), Ok(Some(now + 1)));
        assert_eq!(timeout_arg(b"0x1p-20", now), Ok(Some(now + 1)));
        let neg = Err(CmdError::err("timeout is negative"));
        let bad = Err(CmdError::err("timeout is not a float or out of range"));
        assert_eq!(timeout_arg(b"-1", now), neg);
        assert_eq!(timeout_arg(b"inf", now), neg);
        assert_eq!(timeout_arg(b"9223372036854775807", now), neg);
        assert_eq!(timeout_arg(b"1e400", now), neg);
        assert_eq!(timeout_arg(b"1e5000", now), bad);
        assert_eq!(timeout_arg(b"abc", now), bad);
        assert_eq!(timeout_arg(b" 1", now), bad);
        assert_eq!(timeout_arg(b"", now), bad);
        assert_eq!(timeout_arg(b"nan", now), bad);
        assert_eq!(timeout_arg(b"9223372036854770", now), Ok(None));
    }

    #[test]
    fn limit_spans() {
        assert_eq!(limit_span(2, 10, false, 1, 3), (3, 6));
        assert_eq!(limit_span(2, 10, true, 1, 3), (6, 9));
        assert_eq!(limit_span(2, 10, false, 0, -1), (2, 10));
        assert_eq!(limit_span(2, 10, false, -1, 5), (0, 0));
        assert_eq!(limit_span(2, 10, false, 20, 5), (10, 10));
        assert_eq!(limit_span(2, 10, true, 7, 5), (2, 3));
        assert_eq!(rank_span(5, 0, -1), Some((0, 5)));
        assert_eq!(rank_span(5, -100, 100), Some((0, 5)));
        assert_eq!(rank_span(5, 3, 2), None);
        assert_eq!(rank_span(5, 5, 10), None);
        assert_eq!(rank_span(0, 0, -1), None);
    }
}
