//! redis.conf files: loading a file and the command line's `--name value`
//! options the way redis-server does (includes, line numbers and quoting
//! in errors, Redis's "FATAL CONFIG FILE ERROR"), and rendering the
//! configuration back as config lines for CONFIG REWRITE.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ember_resp::split_inline;

use super::params::{find_param, PARAMS};
use super::values::text;
use super::Config;

/// Directives Redis 7.0 still reads from a config file and ignores.
const IGNORED_DIRECTIVES: &[&str] = &["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

/// A config file or command line that cannot be used, with where and why,
/// rendered like Redis's "FATAL CONFIG FILE ERROR".
#[derive(Debug)]
pub struct LoadError {
    /// The included file the line is in; empty for the main text (the
    /// config file followed by the command-line options, as in Redis).
    pub source: String,
    /// 1-based line number (0: the file could not be read).
    pub line: usize,
    /// The offending line.
    pub text: String,
    /// Why it was refused.
    pub reason: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            return write!(f, "{}", self.reason);
        }
        writeln!(f, "\n*** FATAL CONFIG FILE ERROR (ember {}) ***", env!("CARGO_PKG_VERSION"))?;
        if self.source.is_empty() {
            writeln!(f, "Reading the configuration file, at line {}", self.line)?;
        } else {
            writeln!(f, "Reading the configuration file {}, at line {}", self.source, self.line)?;
        }
        writeln!(f, ">>> '{}'", self.text)?;
        write!(f, "{}", self.reason)
    }
}

impl std::error::Error for LoadError {}

/// State that lives across the lines of one load.
#[derive(Default)]
struct Loader {
    /// A `save` line has been read: later ones add save points, as in Redis.
    seen_save: bool,
}

impl Config {
    /// Builds a configuration as `redis-server [file] [--name value ...]`
    /// does: the options become config lines after the file's (so they
    /// win), with the same line numbers and quoting in error messages.
    /// A file named `-` is read from standard input.
    pub fn from_args(args: &[String]) -> Result<Config, LoadError> {
        let mut config = Config::default();
        let (mut body, mut base, mut rest) = (String::new(), None, args);
        if let Some(first) = args.first().filter(|a| !a.starts_with("--")) {
            let path = PathBuf::from(first);
            body = if first == "-" {
                std::io::read_to_string(std::io::stdin()).map_err(|e| open_error("(stdin)", &e))?
            } else {
                read_file(&path)?
            };
            if first != "-" {
                base = path.parent().map(Path::to_path_buf);
                config.config_file = Some(std::fs::canonicalize(&path).unwrap_or(path));
            }
            rest = &args[1..];
        }
        body.push('\n');
        body.push_str(&options_text(rest));
        config.load(&body, "", base.as_deref(), 0, &mut Loader::default())?;
        Ok(config)
    }

    /// Applies config-file text, as if it were a file of its own.
    pub fn load_text(&mut self, body: &str) -> Result<(), LoadError> {
        self.load(body, "", None, 0, &mut Loader::default())
    }

    fn load(
        &mut self,
        body: &str,
        source: &str,
        base: Option<&Path>,
        depth: usize,
        loader: &mut Loader,
    ) -> Result<(), LoadError> {
        for (i, raw) in body.split('\n').enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            let fail = |reason: &str| LoadError {
                source: source.to_string(),
                line: i + 1,
                text: line.to_string(),
                reason: reason.into(),
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = split_inline(line.as_bytes()).map_err(|_| fail("Unbalanced quotes in configuration line"))?;
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            let is = |directive: &str| name.eq_ignore_ascii_case(directive.as_bytes());
            if is("include") {
                let [path] = args[..] else {
                    return Err(fail("Bad directive or wrong number of arguments"));
                };
                if depth > 16 {
                    return Err(fail("include nesting too deep"));
                }
                let mut path = PathBuf::from(text(path));
                if path.is_relative() {
                    if let Some(b) = base {
                        path = b.join(path);
                    }
                }
                // Read from the directory the lines so far have moved to, as
                // if each `dir` had already been entered.
                let body = if path.is_relative() && self.dir != "." {
                    read_file_as(&Path::new(&self.dir).join(&path), &path)?
                } else {
                    read_file(&path)?
                };
                self.load(&body, &path.display().to_string(), path.parent(), depth + 1, loader)?;
                continue;
            }
            if IGNORED_DIRECTIVES.iter().any(|d| is(d)) {
                continue;
            }
            if is("user") {
                if !is_default_user_as_is(&args) {
                    return Err(fail("ember does not support ACL users (only `user default on nopass ~* &* +@all`)"));
                }
                continue;
            }
            if is("rename-command") {
                return Err(fail("ember does not support rename-command"));
            }
            if is("loadmodule") {
                return Err(fail("ember does not support modules"));
            }
            if is("sentinel") {
                return Err(fail("sentinel directive while not in sentinel mode"));
            }
            let Some(param) = find_param(name) else {
                return Err(fail("Bad directive or wrong number of arguments"));
            };
            if args.is_empty() {
                return Err(fail("wrong number of arguments"));
            }
            // Each `save` line adds save points (the first replaces the
            // defaults; `save ""` clears).
            let earlier =
                if param.name == "save" && loader.seen_save { std::mem::take(&mut self.save) } else { Vec::new() };
            param.set(self, &args).map_err(|e| fail(&e.0))?;
            if param.name == "save" {
                loader.seen_save = true;
                if !self.save.is_empty() {
                    let added = std::mem::replace(&mut self.save, earlier);
                    self.save.extend(added);
                }
            }
        }
        Ok(())
    }

    /// Renders the configuration as redis.conf lines, for CONFIG REWRITE:
    /// every parameter whose value is not the default (and `dir`).
    pub fn render(&self) -> String {
        let mut out = String::from("# Written by ember (CONFIG REWRITE)\n");
        for p in PARAMS {
            let v = p.get(self);
            if v == p.default_value() && p.name != "dir" {
                continue;
            }
            // A list is written as one quoted argument when it needs
            // quoting: it is split on spaces again when read.
            let _ = writeln!(out, "{} {}", p.name, if p.multi_arg() && !needs_quotes(&v) { v } else { quote(&v) });
        }
        out
    }
}

/// A `user` line that describes the default user exactly as ember has it
/// (what Redis's CONFIG REWRITE writes): `user default on nopass ~* &* +@all`.
fn is_default_user_as_is(args: &[&[u8]]) -> bool {
    const SAME: &[&str] = &["on", "nopass", "~*", "allkeys", "&*", "allchannels", "+@all", "allcommands"];
    matches!(args.split_first(), Some((name, rules)) if *name == b"default"
        && rules.iter().all(|r| SAME.iter().any(|s| s.as_bytes().eq_ignore_ascii_case(r))))
}

/// The command-line options as config lines, the way redis-server joins
/// them: `--name` starts a line, each value follows quoted (`--port 7000`
/// becomes `port "7000"`), and a bare `--save` means `save ""`.
fn options_text(args: &[String]) -> String {
    let mut lines = String::new();
    let mut values = 0;
    for arg in args {
        if let Some(name) = arg.strip_prefix("--") {
            if !lines.is_empty() {
                if values == 0 && lines.rsplit('\n').next().is_some_and(|l| l.eq_ignore_ascii_case("save")) {
                    lines.push_str(" \"\"");
                }
                lines.push('\n');
            }
            lines.push_str(name);
            values = 0;
        } else {
            lines.push(' ');
            lines.push_str(&repr(arg.as_bytes()));
            values += 1;
        }
    }
    if values == 0 && lines.rsplit('\n').next().is_some_and(|l| l.eq_ignore_ascii_case("save")) {
        lines.push_str(" \"\"");
    }
    lines
}

fn open_error(path: &str, e: &std::io::Error) -> LoadError {
    let why = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)).desc();
    LoadError {
        source: path.to_string(),
        line: 0,
        text: String::new(),
        reason: format!("Fatal error, can't open config file '{path}': {why}"),
    }
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    read_file_as(path, path)
}

/// Reads `path`, naming it `shown` in an error.
fn read_file_as(path: &Path, shown: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| open_error(&shown.display().to_string(), &e))
}

fn needs_quotes(v: &str) -> bool {
    v.is_empty() || v.bytes().any(|b| b == b' ' || b == b'"' || b == b'\'' || b == b'\\' || b < 0x20 || b == 0x7f)
}

/// Quotes a value for a config line when it is empty or holds spaces,
/// quotes or control characters.
fn quote(v: &str) -> String {
    if needs_quotes(v) {
        repr(v.as_bytes())
    } else {
        v.to_string()
    }
}

/// Always quotes, escaping like Redis's `sdscatrepr` (what the inline
/// splitter reads back): `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, and
/// `\xHH` for any other byte that is not printable ASCII.
fn repr(v: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in v {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            b' '..=b'~' => s.push(b as char),
            b => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use crate::config::testing::args;
    use crate::config::{find_param, Config, PARAMS};

    #[test]
    fn command_line_overrides_file() {
        let dir = std::env::temp_dir().join(format!("ember-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inc = dir.join("inc.conf");
        std::fs::write(&inc, "maxclients 77\n").unwrap();
        let main = dir.join("main.conf");
        std::fs::write(
            &main,
            "# comment\nport 7001\n  save \"\"  \ninclude inc.conf\nhash-max-ziplist-entries 5\nclient-query-buffer-limit 2mb\n",
        )
        .unwrap();
        let c = Config::from_args(&args(&[main.to_str().unwrap(), "--port", "7002", "--save", "900", "1"])).unwrap();
        assert_eq!(c.port, 7002);
        assert_eq!(c.maxclients, 77);
        assert_eq!(c.save, vec![(900, 1)]);
        assert_eq!(c.hash_max_listpack_entries, 5);
        assert_eq!(c.client_query_buffer_limit, 2 << 20);
        // As in Redis, the options are lines after the file's: the file has
        // 6 lines and a final newline, so the options start at line 8.
        let e = Config::from_args(&args(&[main.to_str().unwrap(), "--port", "1", "--daemonize", "a b"])).unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (9, "daemonize \"a b\""));
        std::fs::remove_dir_all(&dir).unwrap();
        let e = Config::from_args(&args(&[dir.join("gone.conf").to_str().unwrap()])).unwrap_err();
        assert!(e.to_string().ends_with("gone.conf': No such file or directory"), "{e}");
    }

    #[test]
    fn dir_is_recorded_not_entered() {
        let cwd = std::env::current_dir().unwrap();
        let tmp = std::env::temp_dir().join(format!("ember-file-dir-test-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("sub")).unwrap();
        std::fs::write(tmp.join("sub/inc.conf"), "maxclients 9\n").unwrap();
        let t = tmp.to_str().unwrap();
        let mut c = Config::default();
        // A relative include is read from the directory the lines before it
        // moved to, as if each `dir` had been entered.
        c.load_text(&format!("dir {t}\ndir sub\ninclude inc.conf\ndbfilename x.rdb\n")).unwrap();
        assert_eq!((c.dir.as_str(), c.maxclients, c.dbfilename.as_str()), (format!("{t}/sub").as_str(), 9, "x.rdb"));
        // A failing line after `dir` leaves nothing behind either.
        let e = Config::default().load_text(&format!("dir {t}\nport 99999\n")).unwrap_err();
        assert_eq!(e.line, 2);
        let e = Config::default().load_text(&format!("dir {t}\ndir nope\n")).unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (2, "No such file or directory"));
        assert_eq!(std::env::current_dir().unwrap(), cwd, "loading changed the working directory");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn options_are_quoted_like_redis() {
        let e = Config::from_args(&args(&["--daemonize", "abc"])).unwrap_err();
        assert_eq!(
            (e.line, e.text.as_str(), e.reason.as_str()),
            (2, "daemonize \"abc\"", "argument must be 'yes' or 'no'")
        );
        assert!(e.to_string().contains("*** FATAL CONFIG FILE ERROR (ember "));
        assert!(e.to_string().contains("\nReading the configuration file, at line 2\n>>> 'daemonize \"abc\"'\n"));
        let e = Config::from_args(&args(&["--port", "0", "--requirepass", "a\"b\\c\n\u{e9}", "x"])).unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (3, "requirepass \"a\\\"b\\\\c\\n\\xc3\\xa9\" \"x\""));
        assert_eq!(e.reason, "wrong number of arguments");
        let c = Config::from_args(&args(&["--requirepass", "a\"b\\c\n\u{e9}", "--save"])).unwrap();
        assert_eq!(c.requirepass.as_deref(), Some("a\"b\\c\n\u{e9}".as_bytes()));
        assert!(c.save.is_empty());
        let e = Config::from_args(&args(&["--daemonize"])).unwrap_err();
        assert_eq!(e.reason, "wrong number of arguments");
    }

    #[test]
    fn bad_lines_name_the_line() {
        let mut c = Config::default();
        let e = c.load_text("port 1\nfrobnicate 3\n").unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (2, "frobnicate 3"));
        assert!(e.to_string().contains("Bad directive or wrong number of arguments"));
        let e = c.load_text("maxclients lots\n").unwrap_err();
        assert_eq!(e.reason, "argument couldn't be parsed into an integer");
        let e = c.load_text("appendonly maybe\n").unwrap_err();
        assert_eq!(e.reason, "argument must be 'yes' or 'no'");
        let e = c.load_text("port \"7000\n").unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (1, "Unbalanced quotes in configuration line"));
        let e = c.load_text("port 1 2\n").unwrap_err();
        assert_eq!(e.reason, "wrong number of arguments");
        let e = c.load_text("sentinel monitor m 127.0.0.1 6379 2\n").unwrap_err();
        assert_eq!(e.reason, "sentinel directive while not in sentinel mode");
    }

    #[test]
    fn save_points() {
        let mut c = Config::default();
        c.load_text("save 900 1 300 10\n").unwrap();
        assert_eq!(c.save, vec![(900, 1), (300, 10)]);
        assert_eq!(c.value("save").as_deref(), Some("900 1 300 10"));
        c.load_text("save \"\"\n").unwrap();
        assert!(c.save.is_empty());
        assert!(c.load_text("save 900\n").is_err());
        // Lines add up (the first replaces the defaults); "" clears.
        c.load_text("save 900 1\nsave 300 10\n").unwrap();
        assert_eq!(c.value("save").as_deref(), Some("900 1 300 10"));
        c.load_text("save 900 1\nsave \"\"\nsave 5 5\n").unwrap();
        assert_eq!(c.value("save").as_deref(), Some("5 5"));
        // A quoted list is split like CONFIG SET's.
        c.load_text("save \"60 1\"\n").unwrap();
        assert_eq!(c.value("save").as_deref(), Some("60 1"));
    }

    #[test]
    fn rewrite_round_trips() {
        let mut c = Config::default();
        c.load_text(concat!(
            "port 7100\nrequirepass \"a b\"\nsave \"\"\nbind 0.0.0.0 ::\n",
            "client-output-buffer-limit replica 1mb 2mb 3\nappendfsync always\nmasterauth \"x y\"\n",
            "latency-tracking-info-percentiles \"\"\noom-score-adj-values -5 0 5\n",
            "proc-title-template \"{title} x\"\nset-max-listpack-entries 7\nslave-priority 5\n",
            "list-max-ziplist-size 4\nhz 20\nmaxmemory-policy allkeys-lfu\ntls-ciphers \"A:B C\"\n",
        ))
        .unwrap();
        let text = c.render();
        assert!(text.contains("\nreplica-priority 5\n"), "{text}");
        assert!(!text.contains("tls-port"), "defaults are not written: {text}");
        let mut d = Config::default();
        d.load_text(&text).unwrap();
        for p in PARAMS {
            assert_eq!(p.get(&c), p.get(&d), "{}", p.name);
        }
        // Lists with empty words survive too.
        find_param(b"bind").unwrap().set(&mut c, &[b"127.0.0.1  ::1"]).unwrap();
        let mut d = Config::default();
        d.load_text(&c.render()).unwrap();
        assert_eq!(d.bind, ["127.0.0.1", "", "::1"]);
    }
}
