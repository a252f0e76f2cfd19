//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, CLIENT, RESET.

use ember_resp::Protocol;

use crate::client::{Client, ReplyMode};
use crate::command::prelude::*;
use crate::command::{int_arg, is, lossy, parse_i64};
use crate::commands::common::{container, help, subcommand_syntax, unwatch_all, REDIS_VERSION};
use crate::state::Shared;

/// Connection-family commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, ping)
        .flags(FAST | SENTINEL | SUBSCRIBED_OK | HEALTH_CHECK)
        .acl(acl::CONNECTION)
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc("connection", "Ping the server", "1.0.0", "O(1)")
        .args(&[arg::string("message").optional()]),
    CommandSpec::new("echo", 2, echo)
        .flags(LOADING | STALE | FAST)
        .acl(acl::CONNECTION)
        .doc("connection", "Echo the given string", "1.0.0", "O(1)")
        .args(&[arg::string("message")]),
    CommandSpec::new("quit", -1, quit)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TXN_CONTROL | TXN_END | SUBSCRIBED_OK)
        .acl(acl::CONNECTION)
        .doc("connection", "Close the connection", "1.0.0", "O(1)"),
    CommandSpec::new("select", 2, select)
        .flags(LOADING | STALE | FAST)
        .acl(acl::CONNECTION)
        .doc("connection", "Change the selected database for the current connection", "1.0.0", "O(1)")
        .args(&[arg::integer("index")]),
    CommandSpec::new("hello", -1, hello)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY)
        .acl(acl::CONNECTION)
        .doc("connection", "Handshake with Redis", "6.0.0", "O(1)")
        .history(&[
            ("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."),
        ])
        .args(&[
            arg::block(
                "arguments",
                &[
                    arg::integer("protover"),
                    arg::block(
                        "username_password",
                        &[
                            arg::string("username"),
                            arg::string("password"),
                        ],
                    ).token("AUTH").optional(),
                    arg::string("clientname").token("SETNAME").optional(),
                ],
            ).optional(),
        ]),
    CommandSpec::new("auth", -2, auth)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY)
        .acl(acl::CONNECTION)
        .doc(
            "connection",
            "Authenticate to the server",
            "1.0.0",
            "O(N) where N is the number of passwords defined for the user",
        )
        .history(&[("6.0.0", "Added ACL style (username and password).")])
        .args(&[arg::string("username").since("6.0.0").optional(), arg::string("password")]),
    CommandSpec::new("reset", 1, reset)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | TXN_CONTROL | TXN_END | SUBSCRIBED_OK)
        .acl(acl::CONNECTION)
        .doc("connection", "Reset the connection", "6.2.0", "O(1)"),
    CommandSpec::new("client", -2, container)
        .flags(SENTINEL)
        .doc("connection", "A container for client connection commands", "2.4.0", "Depends on subcommand.")
        .subcommands(CLIENT_SUBCOMMANDS),
];

static CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("client|id", 2, client_id).flags(NOSCRIPT | LOADING | STALE | SENTINEL).acl(acl::CONNECTION).doc(
        "connection",
        "Returns the client ID for the current connection",
        "5.0.0",
        "O(1)",
    ),
    CommandSpec::new("client|setname", 3, client_setname)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc("connection", "Set the current connection name", "2.6.9", "O(1)")
        .args(&[arg::string("connection-name")]),
    CommandSpec::new("client|getname", 2, client_getname)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc("connection", "Get the current connection name", "2.6.9", "O(1)"),
    CommandSpec::new("client|list", -2, client_list)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output"])
        .doc(
            "connection",
            "Get the list of client connections",
            "2.4.0",
            "O(N) where N is the number of client connections",
        )
        .history(&[
            ("2.8.12", "Added unique client `id` field."),
            ("5.0.0", "Added optional `TYPE` filter."),
            ("6.0.0", "Added `user` field."),
            ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
            ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
            ("7.0.3", "Added `ssub` field."),
        ])
        .args(&[
            arg::oneof(
                "normal_master_replica_pubsub",
                &[
                    arg::token("normal", "NORMAL"),
                    arg::token("master", "MASTER"),
                    arg::token("replica", "REPLICA"),
                    arg::token("pubsub", "PUBSUB"),
                ],
            )
            .token("TYPE")
            .since("5.0.0")
            .optional(),
            arg::block("id", &[arg::integer("client-id").multiple()]).token("ID").since("6.2.0").optional(),
        ]),
    CommandSpec::new("client|info", 2, client_info)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output"])
        .doc("connection", "Returns information about the current client connection.", "6.2.0", "O(1)"),
    CommandSpec::new("client|kill", -3, client_kill)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(
            "connection",
            "Kill the connection of a client",
            "2.4.0",
            "O(N) where N is the number of client connections",
        )
        .history(&[
            ("2.8.12", "Added new filter format."),
            ("2.8.12", "`ID` option."),
            ("3.2.0", "Added `master` type in for `TYPE` option."),
            ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
            ("6.2.0", "`LADDR` option."),
        ])
        .args(&[arg::oneof(
            "filter",
            &[
                arg::string("ip:port").deprecated_since("2.8.12"),
                arg::oneof(
                    "new-format",
                    &[
                        arg::integer("client-id").token("ID").since("2.8.12").optional(),
                        arg::oneof(
                            "normal_master_slave_pubsub",
                            &[
                                arg::token("normal", "NORMAL"),
                                arg::token("master", "MASTER").since("3.2.0"),
                                arg::token("slave", "SLAVE"),
                                arg::token("replica", "REPLICA").since("5.0.0"),
                                arg::token("pubsub", "PUBSUB"),
                            ],
                        )
                        .token("TYPE")
                        .since("2.8.12")
                        .optional(),
                        arg::string("username").token("USER").optional(),
                        arg::string("ip:port").token("ADDR").optional(),
                        arg::string("ip:port").token("LADDR").since("6.2.0").optional(),
                        arg::string("yes/no").token("SKIPME").optional(),
                    ],
                )
                .multiple(),
            ],
        )]),
    CommandSpec::new("client|setinfo", 4, client_setinfo)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc("connection", "Set client or connection specific info", "7.2.0", "O(1)")
        .args(&[arg::oneof(
            "attr",
            &[arg::string("libname").token("LIB-NAME"), arg::string("libver").token("LIB-VER")],
        )]),
    CommandSpec::new("client|no-evict", 3, client_no_evict)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc("connection", "Set client eviction mode for the current connection", "7.0.0", "O(1)")
        .args(&[arg::oneof("enabled", &[arg::token("on", "ON"), arg::token("off", "OFF")])]),
    CommandSpec::new("client|reply", 3, client_reply)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc("connection", "Instruct the server whether to reply to commands", "3.2.0", "O(1)")
        .args(&[arg::oneof(
            "on_off_skip",
            &[arg::token("on", "ON"), arg::token("off", "OFF"), arg::token("skip", "SKIP")],
        )]),
    CommandSpec::new("client|unblock", -3, client_unblock)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(
            "connection",
            "Unblock a client blocked in a blocking command from a different connection",
            "5.0.0",
            "O(log N) where N is the number of client connections",
        )
        .args(&[
            arg::integer("client-id"),
            arg::oneof("timeout_error", &[arg::token("timeout", "TIMEOUT"), arg::token("error", "ERROR")]).optional(),
        ]),
    CommandSpec::new("client|help", 2, client_help).flags(LOADING | STALE | SENTINEL).acl(acl::CONNECTION).doc(
        "connection",
        "Show helpful text about the different subcommands",
        "5.0.0",
        "O(1)",
    ),
];

fn ping(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let message = args.next();
    if args.has_more() {
        return Err(CmdError::Arity("ping".into()));
    }
    if ctx.client.subs.is_some() && ctx.client.out.proto == Protocol::Resp2 {
        // The subscribed context answers in the shape of a message.
        let out = ctx.out();
        out.array(2);
        out.bulk(b"pong");
        out.bulk(message.unwrap_or(b""));
        return Ok(Replied);
    }
    match message {
        None => ctx.out().simple("PONG"),
        Some(m) => ctx.out().bulk(m),
    }
    Ok(Replied)
}

fn echo(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let message = args.next_bytes()?;
    args.finish()?;
    ctx.out().bulk(message);
    Ok(Replied)
}

fn quit(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    ctx.out().ok();
    ctx.client.close_after_reply = true;
    Ok(Replied)
}

fn select(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let idx = args.next_i64()?;
    args.finish()?;
    if idx < 0 || idx as usize >= ctx.srv.store.databases() {
        return Err(CmdError::DbIndexOutOfRange);
    }
    ctx.client.db = idx as usize;
    ctx.out().ok();
    Ok(Replied)
}

/// Checks a password for the default user.
fn check_password(srv: &Shared, user: &[u8], pass: &[u8]) -> Result<(), CmdError> {
    let ok = match &srv.config.requirepass {
        Some(p) => user == b"default" && p.as_slice() == pass,
        None => user == b"default",
    };
    if ok {
        Ok(())
    } else {
        Err(CmdError::coded("WRONGPASS", "invalid username-password pair or user is disabled."))
    }
}

fn auth(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let first = args.next_bytes()?;
    let second = args.next();
    args.finish()?;
    let (user, pass) = match second {
        None => (&b"default"[..], first),
        Some(pass) => (first, pass),
    };
    if second.is_none() && ctx.srv.config.requirepass.is_none() {
        return Err(CmdError::err(
            "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ));
    }
    check_password(ctx.srv, user, pass)?;
    ctx.client.authenticated = true;
    ctx.out().ok();
    Ok(Replied)
}

/// HELLO's arguments: `[protover [AUTH username password] [SETNAME name]]`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Hello<'a> {
    proto: Option<Protocol>,
    /// The username and password.
    auth: Option<(&'a [u8], &'a [u8])>,
    name: Option<&'a [u8]>,
}

impl<'a> Hello<'a> {
    /// Parses every argument; an option may repeat (the last one wins).
    fn parse(args: &mut Args<'a>) -> Result<Hello<'a>, CmdError> {
        let mut h = Hello::default();
        if args.has_more() {
            let v = args.next_i64().map_err(|_| CmdError::err("Protocol version is not an integer or out of range"))?;
            if !(2..=3).contains(&v) {
                return Err(CmdError::coded("NOPROTO", "unsupported protocol version"));
            }
            h.proto = Some(if v == 3 { Protocol::Resp3 } else { Protocol::Resp2 });
        }
        while let Some(opt) = args.next() {
            if is(opt, "AUTH") && args.remaining() >= 2 {
                h.auth = Some((args.next_bytes()?, args.next_bytes()?));
            } else if is(opt, "SETNAME") && args.has_more() {
                h.name = Some(args.next_bytes()?);
            } else {
                return Err(CmdError::err(format!("Syntax error in HELLO option '{}'", lossy(opt))));
            }
        }
        Ok(h)
    }
}

fn hello(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let Hello { proto, auth, name } = Hello::parse(args)?;
    if let Some((user, pass)) = auth {
        check_password(ctx.srv, user, pass)?;
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::coded(
            "NOAUTH",
            "HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(n) = name {
        validate_name(n)?;
        ctx.client.name = (!n.is_empty()).then(|| n.to_vec());
    }
    if let Some(p) = proto {
        ctx.client.out.proto = p;
    }
    let id = ctx.client.id as i64;
    let out = ctx.out();
    let version = match out.proto {
        Protocol::Resp2 => 2,
        Protocol::Resp3 => 3,
    };
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(version);
    out.bulk(b"id");
    out.int(id);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(Replied)
}

fn reset(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let c = &mut *ctx.client;
    c.db = 0;
    c.out.proto = Protocol::Resp2;
    c.name = None;
    c.reply_mode = ReplyMode::On;
    c.no_evict = false;
    if c.monitor {
        c.monitor = false;
        let id = c.id;
        ctx.srv.monitor.clients.retain(|&m| m != id);
    }
    ctx.client.multi = None;
    unwatch_all(ctx);
    ctx.srv.pubsub.drop_client(ctx.client);
    ctx.client.authenticated = ctx.srv.config.requirepass.is_none();
    ctx.out().simple("RESET");
    Ok(Replied)
}

fn validate_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(CmdError::err("Client names cannot contain spaces, newlines or special characters."));
    }
    Ok(())
}

fn client_id(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.out().int(id);
    Ok(Replied)
}

fn client_setname(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let name = args.next_bytes()?;
    args.finish()?;
    validate_name(name)?;
    ctx.client.name = (!name.is_empty()).then(|| name.to_vec());
    ctx.out().ok();
    Ok(Replied)
}

fn client_getname(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.out().bulk(&n),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn client_setinfo(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let attr = args.next_bytes()?;
    let value = args.next_bytes()?;
    args.finish()?;
    if value.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(CmdError::err(format!(
            "{} cannot contain spaces, newlines or special characters.",
            lossy(attr).to_ascii_uppercase()
        )));
    }
    let v = (!value.is_empty()).then(|| value.to_vec());
    if is(attr, "lib-name") {
        ctx.client.lib_name = v;
    } else if is(attr, "lib-ver") {
        ctx.client.lib_ver = v;
    } else {
        return Err(CmdError::err(format!("Unrecognized option '{}'", lossy(attr))));
    }
    ctx.out().ok();
    Ok(Replied)
}

fn client_no_evict(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let on = args.next_keyword(&["ON", "OFF"])? == 0;
    args.finish()?;
    ctx.client.no_evict = on;
    ctx.out().ok();
    Ok(Replied)
}

fn client_reply(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let mode = [ReplyMode::On, ReplyMode::Off, ReplyMode::Skip][args.next_keyword(&["ON", "OFF", "SKIP"])?];
    args.finish()?;
    ctx.client.reply_mode = mode;
    // The reply of CLIENT REPLY OFF / SKIP itself is not sent either.
    if mode == ReplyMode::On {
        ctx.out().ok();
    }
    Ok(Replied)
}

fn client_info(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let line = ctx.client.info_line(ctx.now_ms, 0, 0) + "\n";
    ctx.out().verbatim(line.as_bytes());
    Ok(Replied)
}

/// Every client's CLIENT LIST line (the caller included), by id.
fn all_lines(ctx: &Ctx<'_>, filter: impl Fn(&Client) -> bool) -> String {
    let mut rows: Vec<(u64, String)> = ctx
        .srv
        .clients
        .iter()
        .filter(|s| filter(&s.client))
        .map(|s| {
            let free = s.input.rbuf.capacity() - s.input.rbuf.len();
            (s.client.id, s.client.info_line(ctx.now_ms, s.input.rbuf.len(), free))
        })
        .collect();
    if filter(ctx.client) {
        rows.push((ctx.client.id, ctx.client.info_line(ctx.now_ms, 0, 0)));
    }
    rows.sort_by_key(|r| r.0);
    let mut s = String::new();
    for (_, line) in rows {
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// Which clients CLIENT LIST lists.
#[derive(Debug, Default, PartialEq, Eq)]
struct ListFilter {
    /// ID: only these (TYPE MASTER / REPLICA: none, ember has no replicas
    /// connected as clients).
    ids: Option<Vec<u64>>,
    /// TYPE NORMAL / PUBSUB: whether the clients listed are subscribers.
    class: Option<bool>,
}

impl ListFilter {
    /// Parses the arguments: none, `TYPE type`, or `ID id...`; Redis 7.0
    /// takes one filter, not both.
    fn parse(args: &mut Args<'_>) -> Result<ListFilter, CmdError> {
        let mut f = ListFilter::default();
        match args.next() {
            None => {}
            Some(opt) if is(opt, "TYPE") && args.remaining() == 1 => {
                let t = args.next_bytes()?;
                if is(t, "normal") {
                    f.class = Some(false);
                } else if is(t, "pubsub") {
                    f.class = Some(true);
                } else if is(t, "master") || is(t, "replica") || is(t, "slave") {
                    f.ids = Some(Vec::new());
                } else {
                    return Err(CmdError::err(format!("Unknown client type '{}'", lossy(t))));
                }
            }
            Some(opt) if is(opt, "ID") && args.has_more() => {
                let mut ids = Vec::new();
                for id in args.rest() {
                    // Redis refuses a non-integer id and skips ids below 1.
                    let id = parse_i64(id).ok_or_else(|| CmdError::err("Invalid client ID"))?;
                    if id > 0 {
                        ids.push(id as u64);
                    }
                }
                f.ids = Some(ids);
            }
            Some(_) => return Err(CmdError::Syntax),
        }
        Ok(f)
    }
}

fn client_list(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let ListFilter { ids, class } = ListFilter::parse(args)?;
    let text = all_lines(ctx, |c| {
        ids.as_ref().is_none_or(|v| v.contains(&c.id)) && class.is_none_or(|p| p == c.subs.is_some())
    });
    ctx.out().verbatim(text.as_bytes());
    Ok(Replied)
}

/// Which clients the new form of CLIENT KILL kills.
#[derive(Debug, PartialEq, Eq)]
struct KillFilter<'a> {
    id: Option<u64>,
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    user: Option<&'a [u8]>,
    /// SKIPME (default yes): the caller is spared.
    skipme: bool,
    /// TYPE MASTER / REPLICA: no client matches.
    none: bool,
    /// TYPE NORMAL / PUBSUB: whether the clients killed are subscribers.
    class: Option<bool>,
}

impl<'a> KillFilter<'a> {
    /// Parses every argument left, `option value` pairs, each value checked
    /// as it is read; the last of a repeated option wins.
    fn parse(args: &mut Args<'a>) -> Result<KillFilter<'a>, CmdError> {
        let mut f =
            KillFilter { id: None, addr: None, laddr: None, user: None, skipme: true, none: false, class: None };
        while let Some(opt) = args.next() {
            let val = args.next_bytes()?;
            if is(opt, "id") {
                let id = parse_i64(val).filter(|&n| n > 0);
                f.id = Some(id.ok_or_else(|| CmdError::err("client-id should be greater than 0"))? as u64);
            } else if is(opt, "addr") {
                f.addr = Some(val);
            } else if is(opt, "laddr") {
                f.laddr = Some(val);
            } else if is(opt, "user") {
                f.user = Some(val);
            } else if is(opt, "type") {
                if is(val, "normal") {
                    f.class = Some(false);
                } else if is(val, "pubsub") {
                    f.class = Some(true);
                } else if is(val, "master") || is(val, "replica") || is(val, "slave") {
                    f.none = true;
                } else {
                    return Err(CmdError::err(format!("Unknown client type '{}'", lossy(val))));
                }
            } else if is(opt, "skipme") {
                if is(val, "yes") {
                    f.skipme = true;
                } else if is(val, "no") {
                    f.skipme = false;
                } else {
                    return Err(CmdError::Syntax);
                }
            } else {
                return Err(CmdError::Syntax);
            }
        }
        Ok(f)
    }
}

fn client_kill(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    // Old form: CLIENT KILL addr:port -> +OK or an error.
    if args.remaining() == 1 {
        let addr = args.next_bytes()?;
        let killed = kill_where(ctx, |c| c.addr.to_string().as_bytes() == addr, false);
        if killed == 0 {
            return Err(CmdError::err("No such client"));
        }
        ctx.out().ok();
        return Ok(Replied);
    }
    let KillFilter { id, addr, laddr, user, skipme, none, class } = KillFilter::parse(args)?;
    if let Some(u) = user {
        if u != b"default" {
            return Err(CmdError::err(format!("No such user '{}'", lossy(u))));
        }
    }
    let killed = if none {
        0
    } else {
        kill_where(
            ctx,
            |c| {
                id.is_none_or(|x| x == c.id)
                    && class.is_none_or(|p| p == c.subs.is_some())
                    && addr.is_none_or(|a| c.addr.to_string().as_bytes() == a)
                    && laddr.is_none_or(|a| c.laddr.to_string().as_bytes() == a)
            },
            skipme,
        )
    };
    ctx.out().int(killed as i64);
    Ok(Replied)
}

fn kill_where(ctx: &mut Ctx<'_>, pred: impl Fn(&Client) -> bool, skipme: bool) -> usize {
    let mut n = 0;
    let mut doomed = Vec::new();
    for s in ctx.srv.clients.iter_mut() {
        if pred(&s.client) {
            s.client.close_asap = true;
            doomed.push(s.client.id);
            n += 1;
        }
    }
    // Queue them so the loop closes them before it sleeps.
    for id in doomed {
        if let Some(idx) = ctx.srv.clients.index_of_id(id) {
            ctx.srv.pending_writes.push(idx);
        }
    }
    if !skipme && pred(ctx.client) {
        ctx.client.close_after_reply = true;
        n += 1;
    }
    n
}

/// CLIENT UNBLOCK's `client-id [TIMEOUT|ERROR]`: the id and whether to
/// unblock with an error. Redis 7.0 checks the reason before the id.
fn unblock_args(args: &mut Args<'_>) -> Result<(i64, bool), CmdError> {
    if args.remaining() > 2 {
        return Err(subcommand_syntax(args, "CLIENT"));
    }
    let id = args.next_bytes()?;
    let with_error = match args.next() {
        None => false,
        Some(m) if is(m, "TIMEOUT") => false,
        Some(m) if is(m, "ERROR") => true,
        Some(_) => return Err(CmdError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    Ok((int_arg(id)?, with_error))
}

fn client_unblock(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let (id, with_error) = unblock_args(args)?;
    let srv = &mut *ctx.srv;
    let idx = srv.clients.index_of_id(id as u64);
    let unblocked = match (idx, srv.clients.get_by_id_mut(id as u64)) {
        (Some(idx), Some(slot)) => match slot.client.blocked.take() {
            Some(state) => {
                srv.events.unblock(slot.client.id, &state);
                if with_error {
                    slot.client.out.error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
                } else {
                    state.req.on_timeout.write(&mut slot.client.out);
                }
                srv.unblocked.push(slot.client.id);
                if !slot.client.pending_write {
                    slot.client.pending_write = true;
                    srv.pending_writes.push(idx);
                }
                true
            }
            None => false,
        },
        _ => false,
    };
    ctx.out().int(i64::from(unblocked));
    Ok(Replied)
}

fn client_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    help(
        ctx,
        "CLIENT",
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::common::with_args;

    #[test]
    fn hello_arguments() {
        type Parsed = (Option<Protocol>, Option<(String, String)>, Option<String>);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let check = |line: &str, want: Result<Parsed, CmdError>| {
            let got = with_args(line, 1, |a| {
                Hello::parse(a).map(|h| (h.proto, h.auth.map(|(u, p)| (text(u), text(p))), h.name.map(text)))
            });
            assert_eq!(got, want, "{line}");
        };
        let auth = |u: &str, p: &str| Some((u.to_string(), p.to_string()));
        check("hello", Ok((None, None, None)));
        check("hello 3", Ok((Some(Protocol::Resp3), None, None)));
        check(
            "hello 2 auth default pw setname me",
            Ok((Some(Protocol::Resp2), auth("default", "pw"), Some("me".into()))),
        );
        check("hello 3 SETNAME a SETNAME b", Ok((Some(Protocol::Resp3), None, Some("b".into()))));
        check("hello x", Err(CmdError::err("Protocol version is not an integer or out of range")));
        check("hello 4 foo", Err(CmdError::coded("NOPROTO", "unsupported protocol version")));
        check("hello 3 auth default", Err(CmdError::err("Syntax error in HELLO option 'auth'")));
        check("hello 3 setname", Err(CmdError::err("Syntax error in HELLO option 'setname'")));
        check("hello 3 foo", Err(CmdError::err("Syntax error in HELLO option 'foo'")));
    }

    #[test]
    fn client_list_filters() {
        let f = |ids: Option<Vec<u64>>, class| Ok(ListFilter { ids, class });
        for (line, want) in [
            ("client list", f(None, None)),
            ("client list type pubsub", f(None, Some(true))),
            ("client list TYPE normal", f(None, Some(false))),
            ("client list id 3 0 -1 7", f(Some(vec![3, 7]), None)),
            ("client list type normal id 3", Err(CmdError::Syntax)),
            ("client list type foo x", Err(CmdError::Syntax)),
            ("client list type replica", f(Some(vec![]), None)),
            ("client list type foo", Err(CmdError::err("Unknown client type 'foo'"))),
            ("client list id 1 x", Err(CmdError::err("Invalid client ID"))),
            ("client list id", Err(CmdError::Syntax)),
            ("client list type", Err(CmdError::Syntax)),
            ("client list foo", Err(CmdError::Syntax)),
        ] {
            assert_eq!(with_args(line, 2, ListFilter::parse), want, "{line}");
        }
    }

    #[test]
    fn client_kill_filters() {
        let summary = |f: KillFilter<'_>| {
            let text = |o: Option<&[u8]>| o.map(|b| String::from_utf8_lossy(b).into_owned());
            format!(
                "id={:?} addr={:?} laddr={:?} user={:?} skipme={} none={} class={:?}",
                f.id,
                text(f.addr),
                text(f.laddr),
                text(f.user),
                f.skipme,
                f.none,
                f.class
            )
        };
        let check = |line: &str, want: Result<&str, CmdError>| {
            let got = with_args(line, 2, |a| KillFilter::parse(a).map(summary));
            assert_eq!(got, want.map(str::to_string), "{line}");
        };
        check(
            "client kill id 5 skipme no",
            Ok("id=Some(5) addr=None laddr=None user=None skipme=false none=false class=None"),
        );
        check(
            "client kill ADDR 1.2.3.4:5 laddr l:1 user u type pubsub",
            Ok(
                r#"id=None addr=Some("1.2.3.4:5") laddr=Some("l:1") user=Some("u") skipme=true none=false class=Some(true)"#,
            ),
        );
        check(
            "client kill type master skipme yes",
            Ok("id=None addr=None laddr=None user=None skipme=true none=true class=None"),
        );
        check("client kill id 0 skipme yes", Err(CmdError::err("client-id should be greater than 0")));
        check("client kill type foo id 1", Err(CmdError::err("Unknown client type 'foo'")));
        check("client kill skipme maybe id 1", Err(CmdError::Syntax));
        // MAXAGE came with Redis 7.4.
        check("client kill maxage 5 id 1", Err(CmdError::Syntax));
        check("client kill id 1 skipme", Err(CmdError::Syntax));
        check("client kill foo bar", Err(CmdError::Syntax));
    }

    #[test]
    fn client_unblock_arguments() {
        let reason = Err(CmdError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
        let arity =
            Err(CmdError::err("unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP."));
        for (line, want) in [
            ("client unblock 7", Ok((7, false))),
            ("client unblock 7 timeout", Ok((7, false))),
            ("client unblock 7 Error", Ok((7, true))),
            ("client unblock x", Err(CmdError::NotInteger)),
            ("client unblock x timeout", Err(CmdError::NotInteger)),
            ("client unblock x foo", reason.clone()),
            ("client unblock 7 foo", reason),
            ("client UNBLOCK 7 timeout x", arity.clone()),
            ("client UNBLOCK x foo bar", arity),
        ] {
            assert_eq!(with_args(line, 2, unblock_args), want, "{line}");
        }
    }
}
