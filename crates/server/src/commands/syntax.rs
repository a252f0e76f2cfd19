//! A command's argument tree written as a syntax line, the way Redis's
//! documentation writes it (`key value [NX | XX] [GET] [EX seconds | ...]`),
//! for docs/COMMANDS.md.

use crate::command::arg::{Arg, Kind, MULTIPLE, MULTIPLE_TOKEN, OPTIONAL};
use crate::command::CommandSpec;

/// The syntax line of a command's arguments (empty when it has none).
pub fn line(spec: &CommandSpec) -> String {
    spec.doc.args.iter().map(|a| render(a, false)).collect::<Vec<_>>().join(" ")
}

/// One argument: its token and value, repeated when it repeats, bracketed
/// when optional. `in_oneof` drops the `<...>` of a required group that is
/// itself an alternative of a oneof.
fn render(a: &Arg, in_oneof: bool) -> String {
    let value = match a.kind {
        Kind::PureToken => String::new(),
        Kind::OneOf => {
            let alts: Vec<String> = a.args.iter().map(|c| render(c, true)).collect();
            let inner = alts.join(" | ");
            if a.flags & OPTIONAL != 0 || in_oneof && a.token.is_none() {
                inner
            } else {
                format!("<{inner}>")
            }
        }
        Kind::Block => a.args.iter().map(|c| render(c, false)).collect::<Vec<_>>().join(" "),
        _ => a.name.to_string(),
    };
    let one = match (a.token, value.is_empty()) {
        (Some(t), true) => t.to_string(),
        (Some(t), false) => format!("{t} {value}"),
        (None, _) => value,
    };
    let repeated = if a.flags & MULTIPLE_TOKEN != 0 {
        format!("{one} [{one} ...]")
    } else if a.flags & MULTIPLE != 0 {
        let again = match a.token {
            Some(t) => one.strip_prefix(t).map(str::trim_start).unwrap_or(&one).to_string(),
            None => one.clone(),
        };
        format!("{one} [{again} ...]")
    } else {
        one
    };
    if a.flags & OPTIONAL != 0 {
        format!("[{repeated}]")
    } else {
        repeated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::registry;

    fn syntax_of(name: &str) -> String {
        let reg = registry();
        line(reg.specs[reg.lookup_full(name.as_bytes()).expect("command")])
    }

    #[test]
    fn lines_read_like_redis_docs() {
        assert_eq!(
            syntax_of("set"),
            "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]"
        );
        assert_eq!(syntax_of("del"), "key [key ...]");
        assert_eq!(syntax_of("mset"), "key value [key value ...]");
        assert_eq!(syntax_of("lmove"), "source destination <LEFT | RIGHT> <LEFT | RIGHT>");
        assert_eq!(
            syntax_of("sort"),
            "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]"
        );
        assert_eq!(syntax_of("config|get"), "parameter [parameter ...]");
        assert_eq!(syntax_of("ping"), "[message]");
        assert_eq!(syntax_of("dbsize"), "");
    }
}
