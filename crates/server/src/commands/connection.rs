//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, CLIENT, RESET.

use ember_resp::Protocol;

use crate::client::{Client, ReplyMode};
use crate::command::prelude::*;
use crate::command::{int_arg, is, lossy};
use crate::commands::common::{container, help, unwatch_all, REDIS_VERSION};
use crate::server::Shared;

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

fn ping(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    if ctx.client.subs.is_some() && ctx.client.out.proto == Protocol::Resp2 {
        // The subscribed context answers in the shape of a message.
        if cmd.len() > 2 {
            return Err(CmdError::Arity("ping".into()));
        }
        let out = ctx.out();
        out.array(2);
        out.bulk(b"pong");
        out.bulk(cmd.get(1).unwrap_or(b""));
        return Ok(Replied);
    }
    match cmd.len() {
        1 => ctx.out().simple("PONG"),
        2 => ctx.out().bulk(cmd.arg(1)),
        _ => return Err(CmdError::Arity("ping".into())),
    }
    Ok(Replied)
}

fn echo(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    ctx.out().bulk(cmd.arg(1));
    Ok(Replied)
}

fn quit(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
    ctx.out().ok();
    ctx.client.close_after_reply = true;
    Ok(Replied)
}

fn select(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let idx = int_arg(cmd.arg(1))?;
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

fn auth(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let (user, pass) = match cmd.len() {
        2 => (&b"default"[..], cmd.arg(1)),
        3 => (cmd.arg(1), cmd.arg(2)),
        _ => return Err(CmdError::Syntax),
    };
    if cmd.len() == 2 && ctx.srv.config.requirepass.is_none() {
        return Err(CmdError::err(
            "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ));
    }
    check_password(ctx.srv, user, pass)?;
    ctx.client.authenticated = true;
    ctx.out().ok();
    Ok(Replied)
}

fn hello(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let mut proto = None;
    let mut i = 1;
    if cmd.len() >= 2 {
        let v = crate::command::parse_i64(cmd.arg(1))
            .ok_or_else(|| CmdError::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::coded("NOPROTO", "unsupported protocol version"));
        }
        proto = Some(if v == 3 { Protocol::Resp3 } else { Protocol::Resp2 });
        i = 2;
    }
    let mut auth = None;
    let mut name = None;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        let more = cmd.len() - i - 1;
        if is(opt, "AUTH") && more >= 2 {
            auth = Some((cmd.arg(i + 1), cmd.arg(i + 2)));
            i += 3;
        } else if is(opt, "SETNAME") && more >= 1 {
            name = Some(cmd.arg(i + 1));
            i += 2;
        } else {
            return Err(CmdError::err(format!("Syntax error in HELLO option '{}'", lossy(opt))));
        }
    }
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

fn reset(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
    let c = &mut *ctx.client;
    c.db = 0;
    c.out.proto = Protocol::Resp2;
    c.name = None;
    c.reply_mode = ReplyMode::On;
    c.no_evict = false;
    if c.monitor {
        c.monitor = false;
        let id = c.id;
        ctx.srv.monitors.retain(|&m| m != id);
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

fn client_id(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.out().int(id);
    Ok(Replied)
}

fn client_setname(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let name = cmd.arg(2);
    validate_name(name)?;
    ctx.client.name = (!name.is_empty()).then(|| name.to_vec());
    ctx.out().ok();
    Ok(Replied)
}

fn client_getname(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.out().bulk(&n),
        None => ctx.out().null(),
    }
    Ok(Replied)
}

fn client_setinfo(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let (attr, value) = (cmd.arg(2), cmd.arg(3));
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

fn client_no_evict(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let v = cmd.arg(2);
    if is(v, "on") {
        ctx.client.no_evict = true;
    } else if is(v, "off") {
        ctx.client.no_evict = false;
    } else {
        return Err(CmdError::Syntax);
    }
    ctx.out().ok();
    Ok(Replied)
}

fn client_reply(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let v = cmd.arg(2);
    if is(v, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.out().ok();
    } else if is(v, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(v, "skip") {
        // The reply of CLIENT REPLY SKIP itself is not sent either.
        ctx.client.reply_mode = ReplyMode::Skip;
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(Replied)
}

fn client_info(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
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

fn client_list(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    // TYPE NORMAL / PUBSUB: whether the clients listed are subscribers.
    let mut class: Option<bool> = None;
    let mut i = 2;
    while i < cmd.len() {
        let opt = cmd.arg(i);
        if is(opt, "TYPE") && i + 1 < cmd.len() {
            let t = cmd.arg(i + 1);
            if is(t, "normal") {
                class = Some(false);
            } else if is(t, "pubsub") {
                class = Some(true);
            } else if is(t, "master") || is(t, "replica") || is(t, "slave") {
                ids = Some(Vec::new());
            } else {
                return Err(CmdError::err(format!("Unknown client type '{}'", lossy(t))));
            }
            i += 2;
        } else if is(opt, "ID") && i + 1 < cmd.len() {
            let mut v = Vec::new();
            i += 1;
            while i < cmd.len() {
                // Redis refuses a non-integer id and skips ids below 1.
                let id = crate::command::parse_i64(cmd.arg(i)).ok_or_else(|| CmdError::err("Invalid client ID"))?;
                if id > 0 {
                    v.push(id as u64);
                }
                i += 1;
            }
            ids = Some(v);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let text = all_lines(ctx, |c| {
        ids.as_ref().is_none_or(|v| v.contains(&c.id)) && class.is_none_or(|p| p == c.subs.is_some())
    });
    ctx.out().verbatim(text.as_bytes());
    Ok(Replied)
}

fn client_kill(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    // Old form: CLIENT KILL addr:port -> +OK or an error.
    if cmd.len() == 3 {
        let addr = cmd.arg(2);
        let killed = kill_where(ctx, |c| c.addr.to_string().as_bytes() == addr, false);
        if killed == 0 {
            return Err(CmdError::err("No such client"));
        }
        ctx.out().ok();
        return Ok(Replied);
    }
    let mut id = None;
    let mut addr: Option<Vec<u8>> = None;
    let mut laddr: Option<Vec<u8>> = None;
    let mut user: Option<Vec<u8>> = None;
    let mut skipme = true;
    let mut none = false;
    let mut class: Option<bool> = None;
    let mut i = 2;
    while i < cmd.len() {
        if i + 1 >= cmd.len() {
            return Err(CmdError::Syntax);
        }
        let (opt, val) = (cmd.arg(i), cmd.arg(i + 1));
        if is(opt, "id") {
            id = Some(
                crate::command::parse_i64(val)
                    .filter(|&n| n > 0)
                    .ok_or_else(|| CmdError::err("client-id should be greater than 0"))? as u64,
            );
        } else if is(opt, "addr") {
            addr = Some(val.to_vec());
        } else if is(opt, "laddr") {
            laddr = Some(val.to_vec());
        } else if is(opt, "user") {
            user = Some(val.to_vec());
        } else if is(opt, "type") {
            if is(val, "normal") {
                class = Some(false);
            } else if is(val, "pubsub") {
                class = Some(true);
            } else if is(val, "master") || is(val, "replica") || is(val, "slave") {
                none = true;
            } else {
                return Err(CmdError::err(format!("Unknown client type '{}'", lossy(val))));
            }
        } else if is(opt, "skipme") {
            if is(val, "yes") {
                skipme = true;
            } else if is(val, "no") {
                skipme = false;
            } else {
                return Err(CmdError::Syntax);
            }
        } else if is(opt, "maxage") {
            int_arg(val)?;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    if let Some(u) = &user {
        if u.as_slice() != b"default" {
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
                    && addr.as_ref().is_none_or(|a| c.addr.to_string().as_bytes() == a.as_slice())
                    && laddr.as_ref().is_none_or(|a| c.laddr.to_string().as_bytes() == a.as_slice())
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

fn client_unblock(ctx: &mut Ctx<'_>, cmd: &mut Args<'_>) -> CmdResult {
    let id = int_arg(cmd.arg(2))?;
    let with_error = match cmd.get(3) {
        None => false,
        Some(m) if is(m, "TIMEOUT") => false,
        Some(m) if is(m, "ERROR") => true,
        Some(_) if cmd.len() > 4 => return Err(CmdError::Syntax),
        Some(_) => return Err(CmdError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    if cmd.len() > 4 {
        return Err(CmdError::Syntax);
    }
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

fn client_help(ctx: &mut Ctx<'_>, _cmd: &mut Args<'_>) -> CmdResult {
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
