//! Argument syntax strings (`key value [NX | XX] [EX seconds | KEEPTTL]`)
//! turned into Redis's COMMAND DOCS argument trees, so the command table
//! keeps one human-readable line per command and clients such as redis-cli
//! still get structured hints.

use crate::client::Out;

/// One documented argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Argument name.
    pub name: String,
    /// `key`, `string`, `integer`, `double`, `pattern`, `unix-time`,
    /// `pure-token`, `oneof` or `block`.
    pub kind: &'static str,
    /// Literal token that precedes the value (`EX`), if any.
    pub token: Option<String>,
    /// May be omitted.
    pub optional: bool,
    /// May repeat.
    pub multiple: bool,
    /// Children of `oneof` / `block`.
    pub children: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Open(char),
    Close,
    Bar,
    Ellipsis,
}

fn lex(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            if word == "..." {
                out.push(Tok::Ellipsis);
            } else {
                out.push(Tok::Word(std::mem::take(word)));
            }
            word.clear();
        }
    };
    for c in s.chars() {
        match c {
            '[' | '<' => {
                flush(&mut word, &mut out);
                out.push(Tok::Open(c));
            }
            ']' | '>' => {
                flush(&mut word, &mut out);
                out.push(Tok::Close);
            }
            '|' => {
                flush(&mut word, &mut out);
                out.push(Tok::Bar);
            }
            ' ' => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

fn is_token(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_uppercase()) && !w.chars().any(|c| c.is_ascii_lowercase())
}

fn kind_of(name: &str) -> &'static str {
    match name {
        n if n.contains("key") || n == "source" || n == "destination" => "key",
        n if n.starts_with("unix-time") => "unix-time",
        "pattern" => "pattern",
        "seconds" | "milliseconds" | "count" | "index" | "index1" | "index2" | "offset" | "start" | "end" | "db"
        | "destination-db" | "decrement" | "timeout" | "numkeys" | "client-id" | "min-match-len" | "protover" => {
            "integer"
        }
        _ => "string",
    }
}

/// Parses a sequence until a closing bracket (or the end).
fn seq(toks: &[Tok], pos: &mut usize) -> Vec<Vec<Arg>> {
    let mut alts: Vec<Vec<Arg>> = vec![Vec::new()];
    while *pos < toks.len() {
        match &toks[*pos] {
            Tok::Close => {
                *pos += 1;
                break;
            }
            Tok::Bar => {
                *pos += 1;
                alts.push(Vec::new());
            }
            Tok::Ellipsis => {
                *pos += 1;
                if let Some(last) = alts.last_mut().and_then(|a| a.last_mut()) {
                    last.multiple = true;
                }
            }
            Tok::Open(c) => {
                let optional = *c == '[';
                *pos += 1;
                let inner = seq(toks, pos);
                let mut arg = group(inner);
                arg.optional = optional;
                let cur = alts.last_mut().expect("non-empty");
                // `x [x ...]` is one argument that repeats.
                if optional && arg.multiple {
                    if let Some(prev) = cur.last_mut() {
                        if same_shape(prev, &arg) {
                            prev.multiple = true;
                            continue;
                        }
                    }
                }
                cur.push(arg);
            }
            Tok::Word(w) => {
                *pos += 1;
                let cur = alts.last_mut().expect("non-empty");
                if is_token(w) {
                    // TOKEN value => one argument with a token.
                    if let Some(Tok::Word(next)) = toks.get(*pos) {
                        if !is_token(next) {
                            *pos += 1;
                            cur.push(Arg {
                                name: next.clone(),
                                kind: kind_of(next),
                                token: Some(w.clone()),
                                optional: false,
                                multiple: false,
                                children: Vec::new(),
                            });
                            continue;
                        }
                    }
                    cur.push(Arg {
                        name: w.to_ascii_lowercase(),
                        kind: "pure-token",
                        token: Some(w.clone()),
                        optional: false,
                        multiple: false,
                        children: Vec::new(),
                    });
                } else {
                    cur.push(Arg {
                        name: w.clone(),
                        kind: kind_of(w),
                        token: None,
                        optional: false,
                        multiple: false,
                        children: Vec::new(),
                    });
                }
            }
        }
    }
    alts
}

fn same_shape(a: &Arg, b: &Arg) -> bool {
    a.name == b.name && a.kind == b.kind && a.token == b.token && a.children.len() == b.children.len()
}

/// Turns alternatives into one argument: a oneof, a block, or the single item.
fn group(alts: Vec<Vec<Arg>>) -> Arg {
    if alts.len() > 1 {
        let children: Vec<Arg> = alts.into_iter().map(block_or_single).collect();
        let name = children.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join("-");
        return Arg { name, kind: "oneof", token: None, optional: false, multiple: false, children };
    }
    block_or_single(alts.into_iter().next().unwrap_or_default())
}

fn block_or_single(mut items: Vec<Arg>) -> Arg {
    if items.len() == 1 {
        return items.remove(0);
    }
    let multiple = items.last().is_some_and(|a| a.multiple);
    if multiple {
        if let Some(l) = items.last_mut() {
            l.multiple = false;
        }
    }
    let name = items.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join("-");
    Arg { name, kind: "block", token: None, optional: false, multiple, children: items }
}

/// Parses a syntax line into top-level arguments.
pub fn parse(syntax: &str) -> Vec<Arg> {
    if syntax.is_empty() {
        return Vec::new();
    }
    let toks = lex(syntax);
    let mut pos = 0;
    let mut alts = seq(&toks, &mut pos);
    if alts.len() == 1 {
        alts.remove(0)
    } else {
        vec![group(alts)]
    }
}

/// Writes arguments as COMMAND DOCS does.
pub fn write_args(out: &mut Out, args: &[Arg]) {
    out.array(args.len());
    for a in args {
        let mut fields = 3;
        if a.token.is_some() {
            fields += 1;
        }
        let flag_count = usize::from(a.optional) + usize::from(a.multiple);
        if flag_count > 0 {
            fields += 1;
        }
        if !a.children.is_empty() {
            fields += 1;
        }
        out.map(fields);
        out.bulk(b"name");
        out.bulk(a.name.as_bytes());
        out.bulk(b"type");
        out.bulk(a.kind.as_bytes());
        out.bulk(b"display_text");
        out.bulk(a.name.as_bytes());
        if let Some(t) = &a.token {
            out.bulk(b"token");
            out.bulk(t.as_bytes());
        }
        if flag_count > 0 {
            out.bulk(b"flags");
            out.array(flag_count);
            if a.optional {
                out.simple("optional");
            }
            if a.multiple {
                out.simple("multiple");
            }
        }
        if !a.children.is_empty() {
            out.bulk(b"arguments");
            write_args(out, &a.children);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(args: &[Arg]) -> Vec<String> {
        args.iter()
            .map(|a| {
                let mut s = format!("{}:{}", a.name, a.kind);
                if let Some(t) = &a.token {
                    s += &format!("/{t}");
                }
                if a.optional {
                    s += "?";
                }
                if a.multiple {
                    s += "*";
                }
                if !a.children.is_empty() {
                    s += &format!("({})", names(&a.children).join(","));
                }
                s
            })
            .collect()
    }

    #[test]
    fn parses_set() {
        let args = parse("key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]");
        assert_eq!(
            names(&args),
            vec![
                "key:key",
                "value:string",
                "nx-xx:oneof?(nx:pure-token/NX,xx:pure-token/XX)",
                "get:pure-token/GET?",
                "seconds-milliseconds-keepttl:oneof?(seconds:integer/EX,milliseconds:integer/PX,keepttl:pure-token/KEEPTTL)",
            ]
        );
    }

    #[test]
    fn repeats_collapse() {
        assert_eq!(names(&parse("key [key ...]")), vec!["key:key*"]);
        assert_eq!(
            names(&parse("key value [key value ...]")),
            vec!["key:key", "value:string", "key-value:block?*(key:key,value:string)"]
        );
        assert!(parse("").is_empty());
    }
}
