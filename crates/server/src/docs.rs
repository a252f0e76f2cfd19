//! docs/COMMANDS.md and docs/CONFIG.md, generated from the command table
//! and the parameter table (`cargo xtask docs`; a test fails when a
//! committed file is stale).

use std::fmt::Write as _;

use crate::command::{flags, registry, CommandSpec};
use crate::config::{Support, PARAMS};

fn row(out: &mut String, spec: &CommandSpec) {
    let shown = spec.flags_shown();
    let flag_names: Vec<&str> =
        flags::NAMES.iter().filter(|(bit, _)| shown & bit != 0).map(|(_, name)| *name).collect();
    let syntax = crate::commands::syntax::line(spec);
    let syntax = if syntax.is_empty() { syntax } else { format!(" {syntax}") };
    let _ = writeln!(
        out,
        "| `{}{}` | {} | {} | {} | {} |",
        spec.fullname.replace('|', " ").to_ascii_uppercase(),
        syntax.replace('|', "\\|"),
        spec.arity,
        flag_names.join(", "),
        spec.doc.since,
        spec.doc.summary.replace('|', "\\|"),
    );
}

/// The Markdown text of docs/COMMANDS.md.
pub fn commands_markdown() -> String {
    let reg = registry();
    let mut groups: Vec<&str> = reg.top_level().map(|s| s.doc.group).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut out = String::from(
        "# Commands\n\n\
         Generated from the command table in `crates/server/src/commands/` by `cargo xtask docs`; \
         do not edit by hand (a test fails when this file is stale).\n\n\
         Arity follows Redis's convention: N means exactly N arguments including the command name, \
         -N means at least N.\n",
    );
    let _ = writeln!(out, "\n{} commands ({} with subcommands).\n", reg.top_level().count(), reg.specs.len());
    for group in groups {
        let _ = writeln!(out, "## {group}\n");
        out.push_str("| Command | Arity | Flags | Since | Summary |\n|---|---|---|---|---|\n");
        for spec in reg.top_level().filter(|s| s.doc.group == group) {
            row(&mut out, spec);
            for sub in spec.subcommands {
                row(&mut out, sub);
            }
        }
        out.push('\n');
    }
    out
}

const CONFIG_INTRO: &str = "# Configuration parameters

Generated from the parameter table in `crates/server/src/config/params.rs` by `cargo xtask docs`; \
do not edit by hand (a test fails when this file is stale).

ember reads redis.conf files and `--name value` options as redis-server 7.0 does, and \
CONFIG GET / SET / REWRITE know every Redis 7.0 parameter: the same names and legacy \
aliases, types, limits, defaults (as CONFIG GET prints them), mutability and error \
replies. `crates/server/tests/config.rs` checks this against a real redis-server.

Each parameter is in one of three groups (the *ember* column):

- **acts**: ember does what Redis does with the value.
- **no effect**: validated, stored and reported like Redis, and nothing else. Either it \
  tunes a feature ember does not have whose switch is refused (TLS, replication, cluster, \
  AOF, eviction, ACL users, scripts, streams), so Redis too would ignore it, or it only \
  concerns performance, memory or cosmetics (threads, lazy freeing, process title) and no \
  client can observe the difference.
- **refused**: a value that would need a feature ember does not have is not silently \
  ignored. At start-up ember stops with Redis's `*** FATAL CONFIG FILE ERROR ***`, \
  showing the line and an `ember does not support ...` reason; CONFIG SET answers \
  `-ERR CONFIG SET failed (possibly related to argument '<name>') - ember does not \
  support ...`. The default value is always accepted. Redis's own validation comes \
  first, so a malformed value gets Redis's error.

Config-file directives that are not parameters: `include` works (a relative path is \
resolved from the including file's directory); `user default on nopass ~* &* +@all` \
(what Redis's CONFIG REWRITE writes) is accepted, any other `user` line is refused; \
`rename-command` and `loadmodule` are refused; `sentinel` gets Redis's error; \
`list-max-ziplist-entries`, `list-max-ziplist-value` and `lua-replicate-commands` are \
read and ignored, as Redis 7.0 does. Several `save` lines add up, as in Redis.

ember differs from Redis in three places on purpose: `set-max-listpack-entries` and \
`set-max-listpack-value` exist (Redis 7.2's parameters: ember keeps small sets as \
listpacks, as 7.2 does) but are hidden from CONFIG GET patterns, so `CONFIG GET *` lists \
exactly Redis 7.0's 192 names; CONFIG REWRITE writes only the parameters that differ \
from their defaults (plus `dir`), without keeping the old file's comments; and `bind` \
defaults to loopback (`127.0.0.1 -::1`, as in the redis.conf Redis ships) where \
redis-server without a config file listens on every address (`* -::*`) and relies on \
protected mode alone.
";

/// The values a parameter accepts: a literal value, or a description.
fn accepted(allowed: &str) -> String {
    match allowed {
        "" => "`\"\"`".to_string(),
        v => format!("`{v}`"),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown text of docs/CONFIG.md.
pub fn config_markdown() -> String {
    let mut out = String::from(CONFIG_INTRO);
    out.push_str("\n## Refused values\n\n| Parameter | Accepted | Otherwise |\n|---|---|---|\n");
    for p in PARAMS {
        if let Support::Refuses { allowed, why } = p.support {
            let _ = writeln!(out, "| `{}` | {} | {} |", p.name, cell(&accepted(allowed)), cell(why));
        }
    }
    out.push_str("\n## All parameters\n\n| Parameter | Alias | Type | Default | CONFIG SET | ember |\n|---|---|---|---|---|---|\n");
    for p in PARAMS {
        let default = p.default_value();
        let default = if default.is_empty() { "`\"\"`".to_string() } else { format!("`{default}`") };
        let set = if !p.mutable() {
            "immutable"
        } else if p.protected() {
            "protected"
        } else {
            "yes"
        };
        let ember = match p.support {
            Support::Acts("") => "acts".to_string(),
            Support::Acts(note) => format!("acts: {note}"),
            Support::Inert(why) => format!("no effect: {why}"),
            Support::Refuses { allowed, .. } => format!("refused unless {}", accepted(allowed)),
        };
        let hidden = if p.hidden() { " (hidden)" } else { "" };
        let _ = writeln!(
            out,
            "| `{}`{hidden} | {} | {} | {} | {set} | {} |",
            p.name,
            p.alias.map(|a| format!("`{a}`")).unwrap_or_default(),
            cell(&p.kind.describe()),
            cell(&default),
            cell(&ember),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/COMMANDS.md");
        let want = super::commands_markdown();
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/COMMANDS.md is stale: run `cargo xtask docs`");
    }

    #[test]
    fn config_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/CONFIG.md");
        let want = super::config_markdown();
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/CONFIG.md is stale: run `cargo xtask docs`");
    }
}
