//! The `cjson` library scripts see: `cjson.encode`, `cjson.decode` and
//! `cjson.null`, behaving as the lua-cjson that Redis bundles does for
//! common values (numbers as `%.14g`, `/` escaped, sparse arrays padded with
//! `null` up to lua-cjson's sparseness limit, its error texts).
//! Errors are raised at the caller's position, as lua-cjson's `luaL_error`
//! does (`user_script:1: Expected value but found ...`).

use mlua::{LightUserData, Lua, Table, Value};

/// Nesting deeper than this is refused both ways (lua-cjson's default).
const MAX_DEPTH: usize = 1000;

/// `cjson.null`: a NULL light userdata, as lua-cjson's.
pub fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

/// Builds the `cjson` table (raw functions; see the module docs).
pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "encode",
        lua.create_function(|lua, v: Value| {
            let mut out = Vec::new();
            match encode(&v, &mut out, 0) {
                Ok(()) => Ok(Value::String(lua.create_string(&out)?)),
                Err(e) => Err(super::lua_error(lua, &e)),
            }
        })?,
    )?;
    t.raw_set(
        "decode",
        lua.create_function(|lua, s: mlua::String| {
            let bytes = s.as_bytes();
            let mut p = Parser { lua, s: &bytes, pos: 0 };
            match p.document() {
                Ok(v) => Ok(v),
                Err(e) => Err(super::lua_error(lua, &e)),
            }
        })?,
    )?;
    t.raw_set("null", null())?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

fn fmt_num(n: f64, out: &mut Vec<u8>) {
    let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
    out.extend_from_slice(ember_num::format_g(n, 14, &mut buf));
}

fn encode(v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(u) if u.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err("Cannot serialise number: must not be NaN or Inf".into());
            }
            fmt_num(*n, out);
        }
        Value::String(s) => encode_string(&s.as_bytes(), out),
        Value::Table(t) => {
            if depth + 1 > MAX_DEPTH {
                return Err(format!("Cannot serialise, excessive nesting ({})", depth + 1));
            }
            encode_table(t, out, depth + 1)?;
        }
        other => return Err(format!("Cannot serialise {}: type not supported", other.type_name())),
    }
    Ok(())
}

fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

fn encode_table(t: &Table, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    let pairs: Vec<(Value, Value)> = t.pairs::<Value, Value>().filter_map(Result::ok).collect();
    // An array when every key is a positive integer (lua-cjson's test).
    let mut max = 0usize;
    let mut is_array = !pairs.is_empty();
    for (k, _) in &pairs {
        let idx = match k {
            Value::Integer(i) if *i >= 1 => Some(*i as usize),
            Value::Number(n) if *n >= 1.0 && n.fract() == 0.0 && *n < 1e15 => Some(*n as usize),
            _ => None,
        };
        match idx {
            Some(i) => max = max.max(i),
            None => {
                is_array = false;
                break;
            }
        }
    }
    if is_array {
        if max > pairs.len() * 2 && max > 10 {
            return Err("Cannot serialise table: excessively sparse array".into());
        }
        out.push(b'[');
        for i in 1..=max {
            if i > 1 {
                out.push(b',');
            }
            let v: Value = t.raw_get(i).map_err(|e| e.to_string())?;
            encode(&v, out, depth)?;
        }
        out.push(b']');
        return Ok(());
    }
    out.push(b'{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match k {
            Value::String(s) => encode_string(&s.as_bytes(), out),
            Value::Number(n) => {
                out.push(b'"');
                fmt_num(*n, out);
                out.push(b'"');
            }
            Value::Integer(n) => {
                out.push(b'"');
                out.extend_from_slice(n.to_string().as_bytes());
                out.push(b'"');
            }
            other => {
                return Err(format!("Cannot serialise {}: table key must be a number or string", other.type_name()))
            }
        }
        out.push(b':');
        encode(v, out, depth)?;
    }
    out.push(b'}');
    Ok(())
}

/// A token, named as lua-cjson names them in errors.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str,
    Num,
    Bool,
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    fn name(self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str => "T_STRING",
            Tok::Num => "T_NUMBER",
            Tok::Bool => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(what) => what,
        }
    }
}

struct Parser<'a> {
    lua: &'a Lua,
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<Value, String> {
        let (tok, at, v) = self.next_token()?;
        let value = self.value(tok, at, v, 1)?;
        let (tok, at, _) = self.next_token()?;
        if tok != Tok::End {
            return Err(expected("the end", tok, at));
        }
        Ok(value)
    }

    fn value(&mut self, tok: Tok, at: usize, v: Value, depth: usize) -> Result<Value, String> {
        match tok {
            Tok::Str | Tok::Num | Tok::Bool | Tok::Null => Ok(v),
            Tok::ObjBegin | Tok::ArrBegin if depth > MAX_DEPTH => {
                Err(format!("Found too many nested data structures ({depth}) at character {}", at + 1))
            }
            Tok::ObjBegin => self.object(depth),
            Tok::ArrBegin => self.array(depth),
            other => Err(expected("value", other, at)),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        let t = self.lua.create_table().map_err(|e| e.to_string())?;
        let (mut tok, mut at, mut key) = self.next_token()?;
        if tok == Tok::ObjEnd {
            return Ok(Value::Table(t));
        }
        loop {
            if tok != Tok::Str {
                return Err(expected("object key string", tok, at));
            }
            let (colon, cat, _) = self.next_token()?;
            if colon != Tok::Colon {
                return Err(expected("colon", colon, cat));
            }
            let (vt, vat, vv) = self.next_token()?;
            let v = self.value(vt, vat, vv, depth + 1)?;
            t.raw_set(key, v).map_err(|e| e.to_string())?;
            let (sep, sat, _) = self.next_token()?;
            match sep {
                Tok::ObjEnd => return Ok(Value::Table(t)),
                Tok::Comma => {}
                other => return Err(expected("comma or object end", other, sat)),
            }
            (tok, at, key) = self.next_token()?;
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        let t = self.lua.create_table().map_err(|e| e.to_string())?;
        let (mut tok, mut at, mut v) = self.next_token()?;
        if tok == Tok::ArrEnd {
            return Ok(Value::Table(t));
        }
        let mut i = 1;
        loop {
            let item = self.value(tok, at, v, depth + 1)?;
            t.raw_set(i, item).map_err(|e| e.to_string())?;
            i += 1;
            let (sep, sat, _) = self.next_token()?;
            match sep {
                Tok::ArrEnd => return Ok(Value::Table(t)),
                Tok::Comma => {}
                other => return Err(expected("comma or array end", other, sat)),
            }
            (tok, at, v) = self.next_token()?;
        }
    }

    /// The next token, where it starts, and its value for scalars.
    fn next_token(&mut self) -> Result<(Tok, usize, Value), String> {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let at = self.pos;
        let Some(&c) = self.s.get(at) else { return Ok((Tok::End, at, Value::Nil)) };
        let simple = |p: &mut Self, tok| {
            p.pos += 1;
            Ok((tok, at, Value::Nil))
        };
        match c {
            b'{' => simple(self, Tok::ObjBegin),
            b'}' => simple(self, Tok::ObjEnd),
            b'[' => simple(self, Tok::ArrBegin),
            b']' => simple(self, Tok::ArrEnd),
            b':' => simple(self, Tok::Colon),
            b',' => simple(self, Tok::Comma),
            b'"' => self.string(at),
            b'-' | b'0'..=b'9' => {
                let end = self.s[at..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(self.s.len(), |i| at + i);
                let text = std::str::from_utf8(&self.s[at..end]).unwrap_or("");
                match text.parse::<f64>() {
                    Ok(n) => {
                        self.pos = end;
                        Ok((Tok::Num, at, Value::Number(n)))
                    }
                    Err(_) => Ok((Tok::Error("invalid number"), at, Value::Nil)),
                }
            }
            _ => {
                for (word, tok, v) in [
                    ("true", Tok::Bool, Value::Boolean(true)),
                    ("false", Tok::Bool, Value::Boolean(false)),
                    ("null", Tok::Null, null()),
                ] {
                    if self.s[at..].starts_with(word.as_bytes()) {
                        self.pos += word.len();
                        return Ok((tok, at, v));
                    }
                }
                Ok((Tok::Error("invalid token"), at, Value::Nil))
            }
        }
    }

    fn string(&mut self, at: usize) -> Result<(Tok, usize, Value), String> {
        let mut out = Vec::new();
        let mut i = at + 1;
        loop {
            let Some(&c) = self.s.get(i) else {
                return Ok((Tok::Error("unexpected end of string"), at, Value::Nil));
            };
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(i + 1) else {
                        return Ok((Tok::Error("unexpected end of string"), at, Value::Nil));
                    };
                    i += 2;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(mut cp) = hex4(self.s, i) else {
                                return Ok((Tok::Error("invalid unicode escape code"), at, Value::Nil));
                            };
                            i += 4;
                            if (0xD800..0xDC00).contains(&cp) {
                                // A high surrogate must be followed by a low one.
                                let low = (self.s.get(i) == Some(&b'\\') && self.s.get(i + 1) == Some(&b'u'))
                                    .then(|| hex4(self.s, i + 2))
                                    .flatten()
                                    .filter(|l| (0xDC00..0xE000).contains(l));
                                let Some(low) = low else {
                                    return Ok((Tok::Error("invalid unicode escape code"), at, Value::Nil));
                                };
                                i += 6;
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                            } else if (0xDC00..0xE000).contains(&cp) {
                                return Ok((Tok::Error("invalid unicode escape code"), at, Value::Nil));
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut b = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                        }
                        _ => return Ok((Tok::Error("invalid escape code"), at, Value::Nil)),
                    }
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        self.pos = i + 1;
        let s = self.lua.create_string(&out).map_err(|e| e.to_string())?;
        Ok((Tok::Str, at, Value::String(s)))
    }
}

fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let digits = s.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

fn expected(what: &str, found: Tok, at: usize) -> String {
    format!("Expected {what} but found {} at character {}", found.name(), at + 1)
}
