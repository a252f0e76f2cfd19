//! Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
//! PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and the PUBSUB container.
//!
//! The state and the delivery live in [`crate::pubsub`]. Replies to the
//! (un)subscribe commands are push frames in RESP3 and arrays in RESP2, one
//! per channel, each with the client's count after it: channels plus
//! patterns, or shard channels for SSUBSCRIBE / SUNSUBSCRIBE.

use ember_store::glob_match;

use crate::command::lossy;
use crate::command::prelude::*;
use crate::pubsub::{publish as deliver, Kind};

/// Pub/Sub commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("subscribe", -2, subscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL | SUBSCRIBED_OK)
        .doc(
            "pubsub",
            "Listen for messages published to the given channels",
            "2.0.0",
            "O(N) where N is the number of channels to subscribe to.",
        )
        .args(&[arg::string("channel").multiple()]),
    CommandSpec::new("unsubscribe", -1, unsubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL | SUBSCRIBED_OK)
        .doc(
            "pubsub",
            "Stop listening for messages posted to the given channels",
            "2.0.0",
            "O(N) where N is the number of clients already subscribed to a channel.",
        )
        .args(&[arg::string("channel").optional().multiple()]),
    CommandSpec::new("psubscribe", -2, psubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL | SUBSCRIBED_OK)
        .doc(
            "pubsub",
            "Listen for messages published to channels matching the given patterns",
            "2.0.0",
            "O(N) where N is the number of patterns the client is already subscribed to.",
        )
        .args(&[arg::block("pattern", &[arg::pattern("pattern")]).multiple()]),
    CommandSpec::new("punsubscribe", -1, punsubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL | SUBSCRIBED_OK)
        .doc(
            "pubsub",
            "Stop listening for messages posted to channels matching the given patterns",
            "2.0.0",
            "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        )
        .args(&[arg::pattern("pattern").optional().multiple()]),
    CommandSpec::new("publish", 3, publish)
        .flags(PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE | SENTINEL)
        .doc(
            "pubsub",
            "Post a message to a channel",
            "2.0.0",
            "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        )
        .args(&[arg::string("channel"), arg::string("message")]),
    CommandSpec::new("ssubscribe", -2, ssubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE | SUBSCRIBED_OK)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::NOT_KEY)])
        .doc(
            "pubsub",
            "Listen for messages published to the given shard channels",
            "7.0.0",
            "O(N) where N is the number of shard channels to subscribe to.",
        )
        .args(&[arg::string("shardchannel").multiple()]),
    CommandSpec::new("sunsubscribe", -1, sunsubscribe)
        .flags(PUBSUB | NOSCRIPT | LOADING | STALE | SUBSCRIBED_OK)
        .keys(&[KeySpec::index(1).range(-1, 1, 0).flags(ks::NOT_KEY)])
        .doc(
            "pubsub",
            "Stop listening for messages posted to the given shard channels",
            "7.0.0",
            "O(N) where N is the number of clients already subscribed to a shard channel.",
        )
        .args(&[arg::string("shardchannel").optional().multiple()]),
    CommandSpec::new("spublish", 3, spublish)
        .flags(PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE)
        .keys(&[KeySpec::index(1).range(0, 1, 0).flags(ks::NOT_KEY)])
        .doc(
            "pubsub",
            "Post a message to a shard channel",
            "7.0.0",
            "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        )
        .args(&[arg::string("shardchannel"), arg::string("message")]),
    CommandSpec::new("pubsub", -2, crate::commands::common::container)
        .doc("pubsub", "A container for Pub/Sub commands", "2.8.0", "Depends on subcommand.")
        .subcommands(PUBSUB_SUBCOMMANDS),
];

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("pubsub|channels", -2, channels)
        .flags(PUBSUB | LOADING | STALE)
        .doc(
            "pubsub",
            "List active channels",
            "2.8.0",
            "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        )
        .args(&[arg::pattern("pattern").optional()]),
    CommandSpec::new("pubsub|numpat", 2, numpat)
        .flags(PUBSUB | LOADING | STALE)
        .doc("pubsub", "Get the count of unique patterns pattern subscriptions", "2.8.0", "O(1)"),
    CommandSpec::new("pubsub|numsub", -2, numsub)
        .flags(PUBSUB | LOADING | STALE)
        .doc(
            "pubsub",
            "Get the count of subscribers for channels",
            "2.8.0",
            "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        )
        .args(&[arg::string("channel").optional().multiple()]),
    CommandSpec::new("pubsub|shardchannels", -2, shardchannels)
        .flags(PUBSUB | LOADING | STALE)
        .doc(
            "pubsub",
            "List active shard channels",
            "7.0.0",
            "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        )
        .args(&[arg::pattern("pattern").optional()]),
    CommandSpec::new("pubsub|shardnumsub", -2, shardnumsub)
        .flags(PUBSUB | LOADING | STALE)
        .doc(
            "pubsub",
            "Get the count of subscribers for shard channels",
            "7.0.0",
            "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        )
        .args(&[arg::string("shardchannel").optional().multiple()]),
    CommandSpec::new("pubsub|help", 2, pubsub_help)
        .flags(LOADING | STALE)
        .doc("pubsub", "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
];

/// The reply names of each kind.
fn names(kind: Kind) -> (&'static [u8], &'static [u8]) {
    match kind {
        Kind::Channel => (b"subscribe", b"unsubscribe"),
        Kind::Pattern => (b"psubscribe", b"punsubscribe"),
        Kind::Shard => (b"ssubscribe", b"sunsubscribe"),
    }
}

/// The count a (un)subscribe reply carries.
fn count(ctx: &Ctx<'_>, kind: Kind) -> i64 {
    ctx.client.subs.as_ref().map_or(0, |s| match kind {
        Kind::Shard => s.shard.len(),
        _ => s.count(),
    }) as i64
}

fn reply(ctx: &mut Ctx<'_>, what: &[u8], name: Option<&[u8]>, kind: Kind) {
    let n = count(ctx, kind);
    let out = ctx.out();
    out.push(3);
    out.bulk(what);
    match name {
        Some(name) => out.bulk(name),
        None => out.null(),
    }
    out.int(n);
}

fn sub_many(ctx: &mut Ctx<'_>, args: &mut Args<'_>, kind: Kind) -> CmdResult {
    let idx = (ctx.client.token & 0xffff_ffff) as usize;
    for name in args {
        ctx.srv.pubsub.subscribe(ctx.client, idx, kind, name);
        reply(ctx, names(kind).0, Some(name), kind);
    }
    Ok(Replied)
}

fn unsub_many(ctx: &mut Ctx<'_>, args: &mut Args<'_>, kind: Kind) -> CmdResult {
    let what = names(kind).1;
    if args.has_more() {
        for name in args {
            ctx.srv.pubsub.unsubscribe(ctx.client, kind, name);
            reply(ctx, what, Some(name), kind);
        }
        return Ok(Replied);
    }
    let all: Vec<Box<[u8]>> = match ctx.client.subs.as_deref() {
        Some(s) => match kind {
            Kind::Channel => s.channels.iter().cloned().collect(),
            Kind::Pattern => s.patterns.clone(),
            Kind::Shard => s.shard.iter().cloned().collect(),
        },
        None => Vec::new(),
    };
    if all.is_empty() {
        reply(ctx, what, None, kind);
    }
    for name in all {
        ctx.srv.pubsub.unsubscribe(ctx.client, kind, &name);
        reply(ctx, what, Some(&name), kind);
    }
    Ok(Replied)
}

fn subscribe(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sub_many(ctx, args, Kind::Channel)
}

fn unsubscribe(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    unsub_many(ctx, args, Kind::Channel)
}

fn psubscribe(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    sub_many(ctx, args, Kind::Pattern)
}

fn punsubscribe(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    unsub_many(ctx, args, Kind::Pattern)
}

fn ssubscribe(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    // Redis 7.0 refuses it inside MULTI/EXEC (a "deny blocking" context),
    // unlike SUBSCRIBE.
    if ctx.client.in_exec {
        return Err(CmdError::err("SSUBSCRIBE isn't allowed for a DENY BLOCKING client"));
    }
    sub_many(ctx, args, Kind::Shard)
}

fn sunsubscribe(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    unsub_many(ctx, args, Kind::Shard)
}

fn publish(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (channel, message) = (args.next_bytes()?, args.next_bytes()?);
    let n = deliver(ctx.srv, Some(ctx.client), channel, message, false);
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn spublish(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (channel, message) = (args.next_bytes()?, args.next_bytes()?);
    let n = deliver(ctx.srv, Some(ctx.client), channel, message, true);
    ctx.out().int(n as i64);
    Ok(Replied)
}

/// PUBSUB CHANNELS / SHARDCHANNELS take at most one pattern.
fn list_channels(ctx: &mut Ctx<'_>, args: &mut Args<'_>, shard: bool) -> CmdResult {
    let pattern = args.next();
    if args.has_more() {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            lossy(args.arg(1))
        )));
    }
    let map = if shard { &ctx.srv.pubsub.shard } else { &ctx.srv.pubsub.channels };
    let found: Vec<&[u8]> =
        map.keys().map(|k| &**k).filter(|ch| pattern.is_none_or(|p| glob_match(p, ch, false))).collect();
    let out = &mut ctx.client.out;
    out.array(found.len());
    for ch in found {
        out.bulk(ch);
    }
    Ok(Replied)
}

fn channels(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    list_channels(ctx, args, false)
}

fn shardchannels(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    list_channels(ctx, args, true)
}

fn count_subs(ctx: &mut Ctx<'_>, args: &mut Args<'_>, shard: bool) -> CmdResult {
    let pubsub = &ctx.srv.pubsub;
    let out = &mut ctx.client.out;
    out.array(args.remaining() * 2);
    for ch in args {
        out.bulk(ch);
        out.int(pubsub.numsub(shard, ch) as i64);
    }
    Ok(Replied)
}

fn numsub(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    count_subs(ctx, args, false)
}

fn shardnumsub(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    count_subs(ctx, args, true)
}

fn numpat(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let n = ctx.srv.pubsub.patterns.len() as i64;
    ctx.out().int(n);
    Ok(Replied)
}

fn pubsub_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    crate::commands::common::help(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(Replied)
}

/// Whether a RESP2 client subscribed to something may run this command
/// (`fullname` as the table has it).
pub fn allowed_while_subscribed(fullname: &str) -> bool {
    matches!(
        fullname,
        "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_names() {
        for (kind, want) in [
            (Kind::Channel, ("subscribe", "unsubscribe")),
            (Kind::Pattern, ("psubscribe", "punsubscribe")),
            (Kind::Shard, ("ssubscribe", "sunsubscribe")),
        ] {
            let (sub, unsub) = names(kind);
            assert_eq!((sub, unsub), (want.0.as_bytes(), want.1.as_bytes()));
        }
    }

    #[test]
    fn subscribed_context() {
        for (name, ok) in [("subscribe", true), ("punsubscribe", true), ("ping", true), ("reset", true)] {
            assert_eq!(allowed_while_subscribed(name), ok, "{name}");
        }
        for name in ["publish", "get", "pubsub|channels", "client|setname"] {
            assert!(!allowed_while_subscribed(name), "{name}");
        }
    }
}
