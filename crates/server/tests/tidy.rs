//! Tidiness rules the code must keep, checked on the source itself:
//!
//! - dispatch decides from the table, never from command names: the
//!   request path (dispatch, engine, event loop, state) compares nothing
//!   with a command's name;
//! - no command family imports another (shared helpers live in
//!   `commands/common.rs`).

use std::path::{Path, PathBuf};

use ember_server::command::registry;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file: comments and its `#[cfg(test)]` module dropped.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The string literals of some code that are compared with something: the
/// operand of `==` / `!=`, a match arm, or the text an argument is checked
/// against (`is(arg, "x")`, `eq_ignore_ascii_case`).
fn compared_literals(code: &str) -> Vec<String> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' || (i > 0 && bytes[i - 1] == b'\'') {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        let before = &code[start.saturating_sub(40)..start - 1];
        let after = &code[(j + 1).min(code.len())..(j + 8).min(code.len())];
        let compared = before.trim_end().ends_with("==")
            || before.trim_end().ends_with("!=")
            || before.contains("is(")
            || before.contains("eq_ignore_ascii_case")
            || before.contains("matches!(")
            || after.trim_start().starts_with("=>")
            || after.trim_start().starts_with("==")
            || after.trim_start().starts_with('|');
        if compared {
            out.push(code[start..j.min(code.len())].to_string());
        }
        i = j + 1;
    }
    out
}

#[test]
fn dispatch_compares_no_command_names() {
    let reg = registry();
    let names: std::collections::HashSet<String> =
        reg.specs.iter().flat_map(|s| [s.name.to_string(), s.fullname.to_string()]).collect();
    let mut found = Vec::new();
    for file in ["dispatch.rs", "engine.rs", "server.rs", "state.rs", "clients.rs", "scripting/api.rs"] {
        let code = code_of(&src().join(file));
        for lit in compared_literals(&code) {
            if names.contains(&lit.to_ascii_lowercase()) {
                found.push(format!("{file}: compares with \"{lit}\", a command's name"));
            }
        }
        for pattern in
            [".name ==", ".fullname ==", ".name.eq", ".fullname.eq", "matches!(spec.name", "matches!(spec.fullname"]
        {
            if code.contains(pattern) {
                found.push(format!("{file}: `{pattern}` compares a command's name"));
            }
        }
    }
    assert!(found.is_empty(), "dispatch must decide from the table's flags:\n{}", found.join("\n"));
}

#[test]
fn no_family_imports_another() {
    let dir = src().join("commands");
    let families: Vec<String> = std::fs::read_dir(&dir)
        .expect("commands dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_string))
        .filter(|f| !matches!(f.as_str(), "mod" | "common" | "syntax"))
        .collect();
    assert!(families.len() > 10, "found the families: {families:?}");
    let mut found = Vec::new();
    for family in &families {
        let code = code_of(&dir.join(format!("{family}.rs")));
        for other in families.iter().filter(|o| *o != family) {
            for path in
                [format!("crate::commands::{other}::"), format!("super::{other}::"), format!("commands::{other}::")]
            {
                if code.contains(&path) {
                    found.push(format!("{family}.rs uses {path}"));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    assert!(found.is_empty(), "families share helpers through commands/common.rs:\n{}", found.join("\n"));
}
