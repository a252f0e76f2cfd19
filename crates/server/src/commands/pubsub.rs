//! Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
//! PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and the PUBSUB container.
//!
//! The state and the delivery live in [`crate::pubsub`]. Replies to the
//! (un)subscribe commands are push frames in RESP3 and arrays in RESP2, one
//! per channel, each with the client's count after it: channels plus
//! patterns, or shard channels for SSUBSCRIBE / SUNSUBSCRIBE.

use ember_resp::Command;
use ember_store::glob_match;

use crate::command::{acl, flags::*, lossy, CommandSpec, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::pubsub::{publish as deliver, Kind};

const PS: u32 = acl::PUBSUB;
const NOKEYS: (i32, i32, i32) = (0, 0, 0);
const SUB_FLAGS: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;

/// Pub/Sub commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "subscribe",
        -2,
        SUB_FLAGS,
        PS,
        NOKEYS,
        "pubsub",
        "2.0.0",
        "Listens for messages published to channels.",
        subscribe,
    )
    .syntax("channel [channel ...]")
    .complexity("O(N) where N is the number of channels to subscribe to."),
    CommandSpec::new(
        "unsubscribe",
        -1,
        SUB_FLAGS,
        PS,
        NOKEYS,
        "pubsub",
        "2.0.0",
        "Stops listening to messages posted to channels.",
        unsubscribe,
    )
    .syntax("[channel [channel ...]]")
    .complexity("O(N) where N is the number of clients already subscribed to a channel."),
    CommandSpec::new(
        "psubscribe",
        -2,
        SUB_FLAGS,
        PS,
        NOKEYS,
        "pubsub",
        "2.0.0",
        "Listens for messages published to channels that match one or more patterns.",
        psubscribe,
    )
    .syntax("pattern [pattern ...]")
    .complexity("O(N) where N is the number of patterns to subscribe to."),
    CommandSpec::new(
        "punsubscribe",
        -1,
        SUB_FLAGS,
        PS,
        NOKEYS,
        "pubsub",
        "2.0.0",
        "Stops listening to messages published to channels that match one or more patterns.",
        punsubscribe,
    )
    .syntax("[pattern [pattern ...]]")
    .complexity("O(N) where N is the number of patterns to unsubscribe."),
    CommandSpec::new(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST,
        PS,
        NOKEYS,
        "pubsub",
        "2.0.0",
        "Posts a message to a channel.",
        publish,
    )
    .syntax("channel message")
    .complexity("O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."),
    CommandSpec::new(
        "ssubscribe",
        -2,
        SUB_FLAGS,
        PS,
        (1, -1, 1),
        "pubsub",
        "7.0.0",
        "Listens for messages published to shard channels.",
        ssubscribe,
    )
    .syntax("shardchannel [shardchannel ...]")
    .complexity("O(N) where N is the number of shard channels to subscribe to."),
    CommandSpec::new(
        "sunsubscribe",
        -1,
        SUB_FLAGS,
        PS,
        (1, -1, 1),
        "pubsub",
        "7.0.0",
        "Stops listening to messages posted to shard channels.",
        sunsubscribe,
    )
    .syntax("[shardchannel [shardchannel ...]]")
    .complexity("O(N) where N is the number of shard channels to unsubscribe."),
    CommandSpec::new(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST,
        PS,
        (1, 1, 1),
        "pubsub",
        "7.0.0",
        "Post a message to a shard channel",
        spublish,
    )
    .syntax("shardchannel message")
    .complexity("O(N) where N is the number of clients subscribed to the receiving shard channel."),
    CommandSpec::new(
        "pubsub",
        -2,
        0,
        0,
        NOKEYS,
        "pubsub",
        "2.8.0",
        "A container for Pub/Sub commands.",
        crate::commands::common::container,
    )
    .complexity("Depends on subcommand.")
    .subcommands(PUBSUB_SUBCOMMANDS),
];

const INTROSPECT: u32 = PUBSUB | LOADING | STALE;

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("channels", -2, INTROSPECT, PS, NOKEYS, "pubsub", "2.8.0", "Returns the active channels.", channels)
        .sub("pubsub|channels")
        .syntax("[pattern]")
        .complexity("O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"),
    CommandSpec::new("numpat", 2, INTROSPECT, PS, NOKEYS, "pubsub", "2.8.0", "Returns a count of unique pattern subscriptions.", numpat)
        .sub("pubsub|numpat")
        .complexity("O(1)"),
    CommandSpec::new("numsub", -2, INTROSPECT, PS, NOKEYS, "pubsub", "2.8.0", "Returns a count of subscribers to channels.", numsub)
        .sub("pubsub|numsub")
        .syntax("[channel [channel ...]]")
        .complexity("O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
    CommandSpec::new("shardchannels", -2, INTROSPECT, PS, NOKEYS, "pubsub", "7.0.0", "Returns the active shard channels.", shardchannels)
        .sub("pubsub|shardchannels")
        .syntax("[pattern]")
        .complexity("O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."),
    CommandSpec::new("shardnumsub", -2, INTROSPECT, PS, NOKEYS, "pubsub", "7.0.0", "Returns the count of subscribers of shard channels.", shardnumsub)
        .sub("pubsub|shardnumsub")
        .syntax("[shardchannel [shardchannel ...]]")
        .complexity("O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"),
    CommandSpec::new("help", 2, LOADING | STALE, 0, NOKEYS, "pubsub", "6.2.0", "Returns helpful text about the different subcommands.", pubsub_help)
        .sub("pubsub|help")
        .complexity("O(1)"),
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

fn sub_many(ctx: &mut Ctx<'_>, cmd: &Command<'_>, kind: Kind) -> CmdResult {
    let idx = (ctx.client.token & 0xffff_ffff) as usize;
    for name in cmd.iter().skip(1) {
        ctx.srv.pubsub.subscribe(ctx.client, idx, kind, name);
        reply(ctx, names(kind).0, Some(name), kind);
    }
    Ok(())
}

fn unsub_many(ctx: &mut Ctx<'_>, cmd: &Command<'_>, kind: Kind) -> CmdResult {
    let what = names(kind).1;
    if cmd.len() > 1 {
        for name in cmd.iter().skip(1) {
            ctx.srv.pubsub.unsubscribe(ctx.client, kind, name);
            reply(ctx, what, Some(name), kind);
        }
        return Ok(());
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
    Ok(())
}

fn subscribe(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    sub_many(ctx, cmd, Kind::Channel)
}

fn unsubscribe(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    unsub_many(ctx, cmd, Kind::Channel)
}

fn psubscribe(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    sub_many(ctx, cmd, Kind::Pattern)
}

fn punsubscribe(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    unsub_many(ctx, cmd, Kind::Pattern)
}

fn ssubscribe(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    // Redis 7.0 refuses it inside MULTI/EXEC (a "deny blocking" context),
    // unlike SUBSCRIBE.
    if ctx.client.in_exec {
        return Err(CmdError::err("SSUBSCRIBE isn't allowed for a DENY BLOCKING client"));
    }
    sub_many(ctx, cmd, Kind::Shard)
}

fn sunsubscribe(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    unsub_many(ctx, cmd, Kind::Shard)
}

fn publish(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let n = deliver(ctx.srv, Some(ctx.client), cmd.arg(1), cmd.arg(2), false);
    ctx.out().int(n as i64);
    Ok(())
}

fn spublish(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    let n = deliver(ctx.srv, Some(ctx.client), cmd.arg(1), cmd.arg(2), true);
    ctx.out().int(n as i64);
    Ok(())
}

/// PUBSUB CHANNELS / SHARDCHANNELS take at most one pattern.
fn list_channels(ctx: &mut Ctx<'_>, cmd: &Command<'_>, shard: bool) -> CmdResult {
    if cmd.len() > 3 {
        return Err(CmdError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            lossy(cmd.arg(1))
        )));
    }
    let pattern = cmd.get(2);
    let map = if shard { &ctx.srv.pubsub.shard } else { &ctx.srv.pubsub.channels };
    let found: Vec<&[u8]> =
        map.keys().map(|k| &**k).filter(|ch| pattern.is_none_or(|p| glob_match(p, ch, false))).collect();
    let out = &mut ctx.client.out;
    out.array(found.len());
    for ch in found {
        out.bulk(ch);
    }
    Ok(())
}

fn channels(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    list_channels(ctx, cmd, false)
}

fn shardchannels(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    list_channels(ctx, cmd, true)
}

fn count_subs(ctx: &mut Ctx<'_>, cmd: &Command<'_>, shard: bool) -> CmdResult {
    let pubsub = &ctx.srv.pubsub;
    let out = &mut ctx.client.out;
    out.array((cmd.len() - 2) * 2);
    for ch in cmd.iter().skip(2) {
        out.bulk(ch);
        out.int(pubsub.numsub(shard, ch) as i64);
    }
    Ok(())
}

fn numsub(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    count_subs(ctx, cmd, false)
}

fn shardnumsub(ctx: &mut Ctx<'_>, cmd: &Command<'_>) -> CmdResult {
    count_subs(ctx, cmd, true)
}

fn numpat(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
    let n = ctx.srv.pubsub.patterns.len() as i64;
    ctx.out().int(n);
    Ok(())
}

fn pubsub_help(ctx: &mut Ctx<'_>, _cmd: &Command<'_>) -> CmdResult {
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
    Ok(())
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
