//! docs/COMMANDS.md, generated from the command table (`cargo xtask docs`;
//! a test fails when the committed file is stale).

use std::fmt::Write as _;

use crate::command::{flags, registry, CommandSpec};

fn row(out: &mut String, spec: &CommandSpec) {
    let flag_names: Vec<&str> =
        flags::NAMES.iter().filter(|(bit, _)| spec.flags & bit != 0).map(|(_, name)| *name).collect();
    let syntax = if spec.syntax.is_empty() { String::new() } else { format!(" {}", spec.syntax) };
    let _ = writeln!(
        out,
        "| `{}{}` | {} | {} | {} | {} |",
        spec.fullname.replace('|', " ").to_ascii_uppercase(),
        syntax.replace('|', "\\|"),
        spec.arity,
        flag_names.join(", "),
        spec.since,
        spec.summary.replace('|', "\\|"),
    );
}

/// The Markdown text of docs/COMMANDS.md.
pub fn commands_markdown() -> String {
    let reg = registry();
    let mut groups: Vec<&str> = reg.top_level().map(|s| s.group).collect();
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
        for spec in reg.top_level().filter(|s| s.group == group) {
            row(&mut out, spec);
            for sub in spec.subcommands {
                row(&mut out, sub);
            }
        }
        out.push('\n');
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
}
