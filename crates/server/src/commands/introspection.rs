//! What the server tells about itself: COMMAND and its subcommands (COUNT,
//! INFO, DOCS, LIST, GETKEYS, GETKEYSANDFLAGS, HELP), generated from the
//! command table (flags, ACL categories, key specs, argument trees; keys
//! found through [`crate::command::keys`]) and compared with redis-server's
//! by `tests/command_table.rs`; TIME; MONITOR.

use ember_store::glob_match;

use crate::client::Out;
use crate::command::prelude::*;
use crate::command::{flags, is, keys, registry};
use crate::commands::common::help;
use crate::state::unix_us;

/// COMMAND, TIME, MONITOR.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("time", 1, time).flags(LOADING | STALE | FAST).tips(&["nondeterministic_output"]).doc(
        "server",
        "Return the current server time",
        "2.6.0",
        "O(1)",
    ),
    CommandSpec::new("monitor", 1, monitor).flags(ADMIN | NOSCRIPT | LOADING | STALE).doc(
        "server",
        "Listen for all requests received by the server in real time",
        "1.0.0",
        "",
    ),
    CommandSpec::new("command", -1, command_all)
        .flags(LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(
            "server",
            "Get array of Redis command details",
            "2.8.13",
            "O(N) where N is the total number of Redis commands",
        )
        .subcommands(COMMAND_SUBCOMMANDS),
];

static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("command|count", 2, command_count).flags(LOADING | STALE | SENTINEL).acl(acl::CONNECTION).doc(
        "server",
        "Get total number of Redis commands",
        "2.8.13",
        "O(1)",
    ),
    CommandSpec::new("command|info", -2, command_info)
        .flags(LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(
            "server",
            "Get array of specific Redis command details, or all when no argument is given.",
            "2.8.13",
            "O(N) where N is the number of commands to look up",
        )
        .history(&[("7.0.0", "Allowed to be called with no argument to get info on all commands.")])
        .args(&[arg::string("command-name").optional().multiple()]),
    CommandSpec::new("command|docs", -2, command_docs)
        .flags(LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(
            "server",
            "Get array of specific Redis command documentation",
            "7.0.0",
            "O(N) where N is the number of commands to look up",
        )
        .args(&[arg::string("command-name").optional().multiple()]),
    CommandSpec::new("command|list", -2, command_list)
        .flags(LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .tips(&["nondeterministic_output_order"])
        .doc(
            "server",
            "Get an array of Redis command names",
            "7.0.0",
            "O(N) where N is the total number of Redis commands",
        )
        .args(&[arg::oneof(
            "filterby",
            &[
                arg::string("module-name").token("MODULE"),
                arg::string("category").token("ACLCAT"),
                arg::pattern("pattern").token("PATTERN"),
            ],
        )
        .token("FILTERBY")
        .optional()]),
    CommandSpec::new("command|getkeys", -4, command_getkeys)
        .flags(LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(
            "server",
            "Extract keys given a full Redis command",
            "2.8.13",
            "O(N) where N is the number of arguments to the command",
        ),
    CommandSpec::new("command|getkeysandflags", -4, command_getkeysandflags)
        .flags(LOADING | STALE | SENTINEL)
        .acl(acl::CONNECTION)
        .doc(
            "server",
            "Extract keys and access flags given a full Redis command",
            "7.0.0",
            "O(N) where N is the number of arguments to the command",
        ),
    CommandSpec::new("command|help", 2, command_help).flags(LOADING | STALE | SENTINEL).acl(acl::CONNECTION).doc(
        "server",
        "Show helpful text about the different subcommands",
        "5.0.0",
        "O(1)",
    ),
];

fn time(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let us = unix_us();
    let out = ctx.out();
    out.array(2);
    out.bulk((us / 1_000_000).to_string().as_bytes());
    out.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(Replied)
}

fn monitor(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    if !ctx.client.monitor {
        ctx.client.monitor = true;
        ctx.srv.monitor.clients.push(ctx.client.id);
    }
    ctx.out().ok();
    Ok(Replied)
}

/// A set of status strings (COMMAND's flags and categories).
fn write_names<'n>(out: &mut Out, names: impl Iterator<Item = &'n str> + Clone) {
    out.set(names.clone().count());
    for n in names {
        out.simple(n);
    }
}

fn write_acl(out: &mut Out, spec: &CommandSpec) {
    let cats = spec.acl_categories();
    let names: Vec<String> =
        acl::NAMES.iter().enumerate().filter(|(i, _)| cats & (1 << i) != 0).map(|(_, n)| format!("@{n}")).collect();
    write_names(out, names.iter().map(String::as_str));
}

/// A key spec as COMMAND INFO shows it.
fn write_key_spec(out: &mut Out, ks: &KeySpec) {
    use crate::command::spec::{BeginSearch, FindKeys};
    out.map(3 + usize::from(!ks.notes.is_empty()));
    if !ks.notes.is_empty() {
        out.bulk(b"notes");
        out.bulk(ks.notes.as_bytes());
    }
    out.bulk(b"flags");
    write_names(out, ks::NAMES.iter().filter(|(bit, _)| ks.flags & bit != 0).map(|(_, n)| *n));
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match ks.begin {
        BeginSearch::Index(i) => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map(1);
            out.bulk(b"index");
            out.int(i64::from(i));
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(startfrom));
        }
        BeginSearch::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    match ks.find {
        FindKeys::Range { lastkey, keystep, limit } => {
            out.bulk(b"range");
            out.bulk(b"spec");
            out.map(3);
            for (name, v) in [("lastkey", lastkey), ("keystep", keystep), ("limit", limit)] {
                out.bulk(name.as_bytes());
                out.int(i64::from(v));
            }
        }
        FindKeys::Keynum { keynumidx, firstkey, keystep } => {
            out.bulk(b"keynum");
            out.bulk(b"spec");
            out.map(3);
            for (name, v) in [("keynumidx", keynumidx), ("firstkey", firstkey), ("keystep", keystep)] {
                out.bulk(name.as_bytes());
                out.int(i64::from(v));
            }
        }
        FindKeys::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
}

/// One COMMAND INFO entry.
fn write_info(out: &mut Out, spec: &CommandSpec) {
    out.array(10);
    out.bulk(spec.fullname.as_bytes());
    out.int(i64::from(spec.arity));
    let shown = spec.flags_shown();
    write_names(out, flags::NAMES.iter().filter(|(bit, _)| shown & bit != 0).map(|(_, n)| *n));
    let (first, last, step) = spec.legacy_range();
    out.int(i64::from(first));
    out.int(i64::from(last));
    out.int(i64::from(step));
    write_acl(out, spec);
    out.set(spec.tips.len());
    for t in spec.tips {
        out.bulk(t.as_bytes());
    }
    out.set(spec.key_specs.len());
    for ks in spec.key_specs {
        write_key_spec(out, ks);
    }
    // Redis sends an empty set, or an array of subcommands.
    if spec.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(spec.subcommands.len());
    }
    for sub in spec.subcommands {
        write_info(out, sub);
    }
}

/// An argument tree as COMMAND DOCS shows it.
fn write_args(out: &mut Out, args: &[arg::Arg]) {
    out.array(args.len());
    for a in args {
        let fields = 2
            + usize::from(a.key_spec_index.is_some())
            + usize::from(a.token.is_some())
            + usize::from(!a.since.is_empty())
            + usize::from(!a.deprecated_since.is_empty())
            + usize::from(a.flags != 0)
            + usize::from(!a.args.is_empty());
        out.map(fields);
        out.bulk(b"name");
        out.bulk(a.name.as_bytes());
        out.bulk(b"type");
        out.bulk(a.kind.name().as_bytes());
        if let Some(i) = a.key_spec_index {
            out.bulk(b"key_spec_index");
            out.int(i64::from(i));
        }
        if let Some(t) = a.token {
            out.bulk(b"token");
            out.bulk(t.as_bytes());
        }
        if !a.since.is_empty() {
            out.bulk(b"since");
            out.bulk(a.since.as_bytes());
        }
        if !a.deprecated_since.is_empty() {
            out.bulk(b"deprecated_since");
            out.bulk(a.deprecated_since.as_bytes());
        }
        if a.flags != 0 {
            out.bulk(b"flags");
            let names =
                [(arg::OPTIONAL, "optional"), (arg::MULTIPLE, "multiple"), (arg::MULTIPLE_TOKEN, "multiple_token")];
            write_names(out, names.iter().filter(|(bit, _)| a.flags & bit != 0).map(|(_, n)| *n));
        }
        if !a.args.is_empty() {
            out.bulk(b"arguments");
            write_args(out, a.args);
        }
    }
}

/// One COMMAND DOCS entry (the map after the name).
fn write_docs(out: &mut Out, spec: &CommandSpec) {
    use crate::command::spec::doc_flags;
    let d = &spec.doc;
    let fields = 3
        + usize::from(!d.complexity.is_empty())
        + usize::from(d.doc_flags != 0)
        + usize::from(!d.deprecated_since.is_empty())
        + usize::from(!d.replaced_by.is_empty())
        + usize::from(!d.history.is_empty())
        + usize::from(!d.args.is_empty())
        + usize::from(!spec.subcommands.is_empty());
    out.map(fields);
    for (name, v) in [("summary", d.summary), ("since", d.since), ("group", d.group), ("complexity", d.complexity)] {
        // A command without a complexity (MONITOR) shows none.
        if name != "complexity" || !v.is_empty() {
            out.bulk(name.as_bytes());
            out.bulk(v.as_bytes());
        }
    }
    if d.doc_flags != 0 {
        out.bulk(b"doc_flags");
        let names = [(doc_flags::DEPRECATED, "deprecated"), (doc_flags::SYSCMD, "syscmd")];
        write_names(out, names.iter().filter(|(bit, _)| d.doc_flags & bit != 0).map(|(_, n)| *n));
    }
    if !d.deprecated_since.is_empty() {
        out.bulk(b"deprecated_since");
        out.bulk(d.deprecated_since.as_bytes());
    }
    if !d.replaced_by.is_empty() {
        out.bulk(b"replaced_by");
        out.bulk(d.replaced_by.as_bytes());
    }
    if !d.history.is_empty() {
        out.bulk(b"history");
        out.set(d.history.len());
        for (version, change) in d.history {
            out.array(2);
            out.bulk(version.as_bytes());
            out.bulk(change.as_bytes());
        }
    }
    if !d.args.is_empty() {
        out.bulk(b"arguments");
        write_args(out, d.args);
    }
    if !spec.subcommands.is_empty() {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            out.bulk(sub.fullname.as_bytes());
            write_docs(out, sub);
        }
    }
}

fn command_all(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let reg = registry();
    let top: Vec<_> = reg.top_level().collect();
    let out = ctx.out();
    out.array(top.len());
    for spec in top {
        write_info(out, spec);
    }
    Ok(Replied)
}

fn command_count(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let n = registry().top_level().count();
    ctx.out().int(n as i64);
    Ok(Replied)
}

fn command_info(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let reg = registry();
    if !args.has_more() {
        return command_all(ctx, args);
    }
    let out = ctx.out();
    out.array(args.remaining());
    for name in args {
        match reg.lookup_full(name) {
            Some(i) => write_info(out, reg.specs[i]),
            None => out.null(),
        }
    }
    Ok(Replied)
}

fn command_docs(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let reg = registry();
    let specs: Vec<&CommandSpec> = if !args.has_more() {
        reg.top_level().collect()
    } else {
        args.filter_map(|n| reg.lookup_full(n).map(|i| reg.specs[i])).collect()
    };
    let out = ctx.out();
    out.map(specs.len());
    for spec in specs {
        out.bulk(spec.fullname.as_bytes());
        write_docs(out, spec);
    }
    Ok(Replied)
}

fn command_list(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let reg = registry();
    let filter: Box<dyn Fn(&CommandSpec) -> bool> = match args.remaining() {
        0 => Box::new(|_| true),
        3 if args.eat("FILTERBY") => {
            let (kind, value) = (args.next_bytes()?, args.next_bytes()?.to_vec());
            if is(kind, "MODULE") {
                Box::new(|_| false)
            } else if is(kind, "ACLCAT") {
                let bit = acl::NAMES.iter().position(|n| n.as_bytes().eq_ignore_ascii_case(&value));
                Box::new(move |s| bit.is_some_and(|b| s.acl_categories() & (1 << b) != 0))
            } else if is(kind, "PATTERN") {
                Box::new(move |s| glob_match(&value, s.fullname.as_bytes(), true))
            } else {
                return Err(CmdError::Syntax);
            }
        }
        _ => return Err(CmdError::Syntax),
    };
    let names: Vec<&str> = reg.specs.iter().filter(|s| filter(s)).map(|s| s.fullname).collect();
    let out = ctx.out();
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(Replied)
}

/// The command COMMAND GETKEYS / GETKEYSANDFLAGS was given (the cursor's
/// arguments) and its keys, with Redis's errors: an unknown command or
/// subcommand, a command without keys, a wrong argument count, or no keys
/// found (an empty list for a command whose keys are optional). A key's
/// position counts from the given command's name.
fn keys_of_given(args: &Args<'_>) -> Result<Vec<keys::Key>, CmdError> {
    let reg = registry();
    let base = args.index();
    let argc = args.remaining();
    let mut idx = reg.lookup(args.arg(base));
    if let Some(container) = idx.filter(|&i| !reg.specs[i].subcommands.is_empty() && argc >= 2) {
        idx = reg.lookup_sub(container, args.arg(base + 1));
    }
    let Some(idx) = idx else {
        return Err(CmdError::err("Invalid command specified"));
    };
    let spec = reg.specs[idx];
    if !keys::has_keys(spec) {
        return Err(CmdError::err("The command has no key arguments"));
    }
    if !spec.arity_ok(argc) {
        return Err(CmdError::err("Invalid number of arguments specified for command"));
    }
    let found = keys::keys(spec, argc, &|i| args.get(base + i));
    if found.is_empty() && !spec.has(NO_MANDATORY_KEYS) {
        return Err(CmdError::err("Invalid arguments specified for command"));
    }
    Ok(found)
}

fn command_getkeys(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let found = keys_of_given(args)?;
    let base = args.index();
    let out = ctx.out();
    out.array(found.len());
    for k in found {
        out.bulk(args.arg(base + k.pos));
    }
    Ok(Replied)
}

fn command_getkeysandflags(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let found = keys_of_given(args)?;
    let base = args.index();
    let out = ctx.out();
    out.array(found.len());
    for k in found {
        out.array(2);
        out.bulk(args.arg(base + k.pos));
        write_names(out, ks::NAMES.iter().filter(|(bit, _)| k.flags & bit != 0).map(|(_, n)| *n));
    }
    Ok(Replied)
}

fn command_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    help(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use ember_resp::Frame;

    use crate::command::registry;
    use crate::{Config, Engine};

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(s.to_string().into())
    }

    fn simple(s: &str) -> Frame {
        Frame::Simple(s.to_string().into())
    }

    #[test]
    fn counts_and_lists_come_from_the_table() {
        let mut e = Engine::new(Config::default());
        assert_eq!(e.call(&["COMMAND", "COUNT"]), Frame::Integer(registry().top_level().count() as i64));
        let Frame::Array(names) = e.call(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "xr*"]) else { panic!() };
        let mut names: Vec<Frame> = names;
        names.sort_by_key(|f| format!("{f:?}"));
        assert_eq!(names, vec![bulk("xrange"), bulk("xread"), bulk("xreadgroup"), bulk("xrevrange")]);
    }

    #[test]
    fn info_entries_follow_the_spec() {
        let mut e = Engine::new(Config::default());
        let Frame::Array(entries) = e.call(&["COMMAND", "INFO", "get", "nosuch"]) else { panic!() };
        assert_eq!(entries[1], Frame::Null);
        let Frame::Array(get) = &entries[0] else { panic!("{:?}", entries[0]) };
        assert_eq!(get[0], bulk("get"));
        assert_eq!(get[1], Frame::Integer(2));
        assert_eq!(get[2], Frame::Set(vec![simple("readonly"), simple("fast")]));
        assert_eq!(&get[3..6], &[Frame::Integer(1), Frame::Integer(1), Frame::Integer(1)]);
        assert_eq!(get[6], Frame::Set(vec![simple("@read"), simple("@string"), simple("@fast")]));
    }

    #[test]
    fn keys_and_flags_of_a_given_command() {
        let mut e = Engine::new(Config::default());
        let keys = |e: &mut Engine, argv: &[&str]| e.call(&[&["COMMAND", "GETKEYSANDFLAGS"][..], argv].concat());
        let flagged =
            |k: &str, fl: &[&str]| Frame::Array(vec![bulk(k), Frame::Set(fl.iter().map(|f| simple(f)).collect())]);
        assert_eq!(keys(&mut e, &["set", "k", "v"]), Frame::Array(vec![flagged("k", &["OW", "update"])]));
        assert_eq!(
            keys(&mut e, &["set", "k", "v", "get"]),
            Frame::Array(vec![flagged("k", &["RW", "access", "update"])])
        );
        assert_eq!(
            e.call(&["COMMAND", "GETKEYS", "publish", "c", "m"]),
            Frame::Error("ERR The command has no key arguments".into())
        );
        assert_eq!(
            e.call(&["COMMAND", "GETKEYS", "nosuch", "a"]),
            Frame::Error("ERR Invalid command specified".into())
        );
        assert_eq!(
            e.call(&["COMMAND", "GETKEYS", "get", "a", "b"]),
            Frame::Error("ERR Invalid number of arguments specified for command".into())
        );
        assert_eq!(e.call(&["COMMAND", "GETKEYS", "eval", "s", "0"]), Frame::Array(vec![]));
    }
}
