//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP, over the parameter table
//! of [`crate::config`]; `apply_config` is where a CONFIG SET takes effect
//! beyond `Config`.

use ember_store::glob_match;

use crate::command::lossy;
use crate::command::prelude::*;
use crate::commands::common::{container, help};
use crate::config::{find_param, Access, Config, Param, PARAMS};
use crate::log;
use crate::state::Shared;

/// CONFIG and its subcommands.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("config", -2, container)
    .doc("server", "A container for server configuration commands", "2.0.0", "Depends on subcommand.")
    .subcommands(CONFIG_SUBCOMMANDS)];

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("config|get", -3, config_get)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .doc(
            "server",
            "Get the values of configuration parameters",
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
        )
        .history(&[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")])
        .args(&[arg::block("parameter", &[arg::string("parameter")]).multiple()]),
    CommandSpec::new("config|set", -4, config_set)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
        .doc(
            "server",
            "Set configuration parameters to the given values",
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
        )
        .history(&[("7.0.0", "Added the ability to set multiple parameters in one call.")])
        .args(&[arg::block("parameter_value", &[arg::string("parameter"), arg::string("value")]).multiple()]),
    CommandSpec::new("config|resetstat", 2, config_resetstat).flags(ADMIN | NOSCRIPT | LOADING | STALE).doc(
        "server",
        "Reset the stats returned by INFO",
        "2.0.0",
        "O(1)",
    ),
    CommandSpec::new("config|rewrite", 2, config_rewrite).flags(ADMIN | NOSCRIPT | LOADING | STALE).doc(
        "server",
        "Rewrite the configuration file with the in memory configuration",
        "2.8.0",
        "O(1)",
    ),
    CommandSpec::new("config|help", 2, config_help).flags(LOADING | STALE).doc(
        "server",
        "Show helpful text about the different subcommands",
        "5.0.0",
        "O(1)",
    ),
];

fn config_get(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    let pairs = matching(&ctx.srv.config, args);
    let out = ctx.out();
    out.map(pairs.len());
    for (name, value) in &pairs {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
    Ok(Replied)
}

/// The (name, value) pairs CONFIG GET replies with for these patterns, each
/// name once.
fn matching<'a>(config: &Config, patterns: impl Iterator<Item = &'a [u8]>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut push = |name: String, value: String| {
        if !pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            pairs.push((name, value));
        }
    };
    for pattern in patterns {
        let literal = !pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        if literal {
            // An exact name (or alias) is echoed as the client wrote it;
            // hidden parameters are found only this way.
            if let Some(p) = find_param(pattern) {
                push(lossy(pattern), p.get(config));
            }
            continue;
        }
        for p in PARAMS.iter().filter(|p| !p.hidden()) {
            if glob_match(pattern, p.name.as_bytes(), true) {
                push(p.name.to_string(), p.get(config));
            }
            if let Some(alias) = p.alias.filter(|a| glob_match(pattern, a.as_bytes(), true)) {
                push(alias.to_string(), p.get(config));
            }
        }
    }
    pairs
}

/// `CONFIG SET failed (possibly related to argument '<name>') - <why>`.
fn config_set_failed(name: &str, why: &str) -> CmdError {
    CmdError::err(format!("CONFIG SET failed (possibly related to argument '{name}') - {why}"))
}

/// CONFIG SET, all or nothing, in the order Redis checks: first every name
/// (unknown, immutable, protected, given twice), then every value is parsed
/// into a copy of the configuration (where a value that needs a feature
/// ember lacks is refused too); [`apply_config`] puts the changes that reach
/// beyond `Config` into effect (and may refuse them); only then does the copy
/// become the live configuration.
fn config_set(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> CmdResult {
    if args.remaining() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let mut pairs: Vec<(&[u8], &[u8])> = Vec::with_capacity(args.remaining() / 2);
    while args.has_more() {
        pairs.push((args.next_bytes()?, args.next_bytes()?));
    }
    let protected_allowed = match ctx.srv.config.enable_protected_configs {
        Access::Yes => true,
        Access::Local => ctx.client.addr.is_local(),
        Access::No => false,
    };
    // (parameter, whether it was named by its alias), in argument order.
    let mut named: Vec<(&'static Param, bool)> = Vec::new();
    for &(name, _) in &pairs {
        let Some(param) = find_param(name) else {
            return Err(CmdError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{}'",
                lossy(name)
            )));
        };
        // Like Redis: these refusals echo the name as given. A name and its
        // alias are different entries (both may be given; the last wins).
        let by_alias = !param.name.as_bytes().eq_ignore_ascii_case(name);
        if !param.mutable() {
            return Err(config_set_failed(&lossy(name), "can't set immutable config"));
        }
        if param.protected() && !protected_allowed {
            return Err(config_set_failed(&lossy(name), "can't set protected config"));
        }
        if named.iter().any(|(p, a)| std::ptr::eq(*p, param) && *a == by_alias) {
            return Err(config_set_failed(&lossy(name), "duplicate parameter"));
        }
        named.push((param, by_alias));
    }
    let mut next = ctx.srv.config.clone();
    // (canonical name, name as given, lowercased): value errors (here and
    // in apply_config) print the name lowercased, as Redis does.
    let mut given: Vec<(&'static str, String)> = Vec::new();
    for (&(name, value), (param, _)) in pairs.iter().zip(&named) {
        let shown = lossy(name).to_ascii_lowercase();
        param.set(&mut next, &[value]).map_err(|e| config_set_failed(&shown, &e.0))?;
        given.push((param.name, shown));
    }
    apply_config(ctx.srv, &mut next, &given)?;
    ctx.srv.config = next;
    ctx.srv.obuf_check_at = crate::pubsub::output_check_threshold(&ctx.srv.config.client_output_buffer_limit);
    crate::evict::config_changed(ctx.srv, &given, ctx.now_ms);
    let flags = ctx.srv.config.notify_keyspace_events;
    ctx.srv.notify_mask = crate::pubsub::notify_mask(flags);
    crate::pubsub::record_key_events(&mut ctx.srv.store, flags);
    ctx.out().ok();
    Ok(Replied)
}

/// The one place a CONFIG SET takes effect outside `Config` (everything else
/// reads `srv.config` when it needs it). It runs before `next` is stored;
/// steps that can fail come first, and a failure leaves the server as it was.
///
/// - `dir`: the working directory is entered first (the value was checked
///   as it was parsed) and left again if a later step fails.
/// - `port` / `bind`: the listening sockets are re-bound right here, inside
///   the command, so the reply says whether it worked (see
///   [`crate::listen::Listeners::rebind`]: new sockets open before old ones
///   close; connections already accepted are untouched). Nothing is
///   re-opened when neither value changes. A failure names, as Redis does,
///   whichever of the two comes first in the command, counting `bind`
///   whenever it is given (Redis re-binds for it even to the same list) and
///   `port` only when it changes.
/// - `loglevel`: the logger's level.
/// - `repl-backlog-size`: Redis resizes its backlog, never below 16 KiB,
///   and the value reads back raised to that.
fn apply_config(srv: &mut Shared, next: &mut Config, given: &[(&'static str, String)]) -> Result<(), CmdError> {
    let Some((_, shown)) = given.iter().find(|(p, _)| *p == "dir") else {
        return apply_beyond_dir(srv, next, given);
    };
    let back = std::env::current_dir().ok();
    next.enter_dir().map_err(|e| config_set_failed(shown, &e.0))?;
    let result = apply_beyond_dir(srv, next, given);
    if let (Err(_), Some(back)) = (&result, back) {
        let _ = std::env::set_current_dir(back);
    }
    result
}

/// The steps of [`apply_config`] after `dir`.
fn apply_beyond_dir(srv: &mut Shared, next: &mut Config, given: &[(&'static str, String)]) -> Result<(), CmdError> {
    let port_changed = next.port != srv.config.port;
    let rebinds = |p: &str| (p == "port" && port_changed) || p == "bind";
    if let Some((param, shown)) = given.iter().find(|(p, _)| rebinds(p)) {
        let unchanged = !port_changed && next.bind == srv.config.bind;
        if !unchanged {
            if let Err(e) = srv.listeners.rebind(&next.bind, next.port, next.tcp_backlog) {
                log!(Warning, "CONFIG SET {shown}: could not listen ({e}); the previous sockets stay open");
                let why = if *param == "port" {
                    "Unable to listen on this port. Check server logs."
                } else {
                    "Failed to bind to specified addresses."
                };
                return Err(config_set_failed(shown, why));
            }
            for addr in srv.listeners.addrs() {
                log!(Notice, "Listening on {addr}");
            }
        }
    }
    if next.loglevel != srv.config.loglevel {
        crate::log::set_level(next.loglevel);
    }
    if let Some((_, shown)) = given.iter().find(|(p, _)| p.starts_with("oom-score-adj")) {
        if let Err(e) = crate::process::apply_oom_score(next, crate::process::OomClass::Server) {
            log!(Warning, "Unable to write oom_score_adj: {e}");
            return Err(config_set_failed(shown, "Failed to set current oom_score_adj. Check server logs."));
        }
    }
    if given.iter().any(|(p, _)| *p == "repl-backlog-size") {
        let size: u64 = next.value("repl-backlog-size").and_then(|v| v.parse().ok()).unwrap_or(0);
        next.set_text("repl-backlog-size", size.max(16 * 1024).to_string());
    }
    Ok(())
}

fn config_resetstat(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let srv = &mut *ctx.srv;
    srv.stats.reset();
    srv.evict.reset_stats();
    srv.slowlog.reset();
    ctx.out().ok();
    Ok(Replied)
}

fn config_rewrite(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    let Some(path) = ctx.srv.config.config_file.clone() else {
        return Err(CmdError::err("The server is running without a config file"));
    };
    let text = ctx.srv.config.render();
    let tmp = path.with_extension("ember-rewrite.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| CmdError::err(format!("Rewriting config file: {e}")))?;
    ctx.out().ok();
    Ok(Replied)
}

fn config_help(ctx: &mut Ctx<'_>, _args: &mut Args<'_>) -> CmdResult {
    help(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(Replied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_matches_names_aliases_and_patterns() {
        let config = Config::default();
        let check = |patterns: &[&str], want: &[(&str, &str)]| {
            let got = matching(&config, patterns.iter().map(|p| p.as_bytes()));
            let want: Vec<(String, String)> = want.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
            assert_eq!(got, want, "{patterns:?}");
        };
        check(&["maxmemory"], &[("maxmemory", "0")]);
        // A literal name is echoed as written, once whatever its case.
        check(&["MaxMemory", "maxmemory"], &[("MaxMemory", "0")]);
        check(&["SLAVE-READ-ONLY"], &[("SLAVE-READ-ONLY", "yes")]);
        check(&["*read-only"], &[("replica-read-only", "yes"), ("slave-read-only", "yes")]);
        // Hidden parameters answer to their name only.
        check(&["set-max-listpack-*"], &[]);
        check(&["nosuchparam", "nosuch*"], &[]);
    }

    #[test]
    fn set_failure_text() {
        assert_eq!(
            config_set_failed("maxmemory", "argument must be a memory value").to_string(),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
        );
    }
}
