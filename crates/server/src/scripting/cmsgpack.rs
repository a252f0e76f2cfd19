//! The `cmsgpack` library scripts see (the lua-cmsgpack API Redis 7.0
//! bundles): `pack(v, ...)` concatenates the MessagePack encoding of each
//! argument; `unpack(s)` decodes every value; `unpack_one(s[, offset])` and
//! `unpack_limit(s, limit[, offset])` decode at most one / `limit` values
//! and return the offset to continue from (-1 at the end) before them.
//!
//! Encoding choices follow lua-cmsgpack: a number with an integral value
//! in the i64 range takes the smallest int/uint form, any other number a
//! float32 when that is exact, else a float64; strings use fixstr/str8/16/
//! 32; a table is an array when its keys are exactly 1..n, else a map;
//! tables nested 16 deep (and values of other types) pack as nil.

use mlua::{Lua, MultiValue, Table, Value};

/// Tables at this depth pack as nil.
const MAX_NESTING: usize = 16;
/// Decoding refuses containers nested deeper than this (protects the
/// native stack; lua-cmsgpack has no such limit of its own).
const MAX_DECODE_DEPTH: usize = 200;

/// Builds the `cmsgpack` table.
pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", lua.create_function(pack)?)?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, args: MultiValue| {
            let s = check_string(lua, &args, 1, "unpack")?;
            unpack_full(lua, &s, 0, 0)
        })?,
    )?;
    t.raw_set(
        "unpack_one",
        lua.create_function(|lua, args: MultiValue| {
            let offset = opt_integer(lua, &args, 2, "unpack_one")?;
            let s = check_string(lua, &args, 1, "unpack_one")?;
            unpack_full(lua, &s, 1, offset)
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        lua.create_function(|lua, args: MultiValue| {
            let limit = check_integer(lua, &args, 2, "unpack_limit")?;
            let offset = opt_integer(lua, &args, 3, "unpack_limit")?;
            let s = check_string(lua, &args, 1, "unpack_limit")?;
            unpack_full(lua, &s, limit, offset)
        })?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}

fn bad_arg(lua: &Lua, n: usize, func: &str, msg: &str) -> mlua::Error {
    super::lua_error(lua, &format!("bad argument #{n} to '{func}' ({msg})"))
}

fn type_name(args: &MultiValue, n: usize) -> &'static str {
    args.get(n - 1).map_or("no value", |v| match v {
        Value::LightUserData(_) => "userdata",
        v => v.type_name(),
    })
}

fn check_string(lua: &Lua, args: &MultiValue, n: usize, func: &str) -> mlua::Result<Vec<u8>> {
    let v = args.get(n - 1).cloned().unwrap_or(Value::Nil);
    if matches!(v, Value::String(_) | Value::Integer(_) | Value::Number(_)) {
        if let Some(s) = lua.coerce_string(v)? {
            return Ok(s.as_bytes().to_vec());
        }
    }
    Err(bad_arg(lua, n, func, &format!("string expected, got {}", type_name(args, n))))
}

fn check_integer(lua: &Lua, args: &MultiValue, n: usize, func: &str) -> mlua::Result<i64> {
    let v = args.get(n - 1).cloned().unwrap_or(Value::Nil);
    let num = match v {
        Value::Integer(i) => Some(i as f64),
        Value::Number(f) => Some(f),
        Value::String(_) => lua.coerce_number(v)?,
        _ => None,
    };
    match num {
        // lua_tointeger truncates toward zero.
        Some(f) if f.is_nan() => Ok(0),
        Some(f) => Ok(f.trunc() as i64),
        None => Err(bad_arg(lua, n, func, &format!("number expected, got {}", type_name(args, n)))),
    }
}

fn opt_integer(lua: &Lua, args: &MultiValue, n: usize, func: &str) -> mlua::Result<i64> {
    match args.get(n - 1) {
        None | Some(Value::Nil) => Ok(0),
        Some(_) => check_integer(lua, args, n, func),
    }
}

fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<mlua::String> {
    if args.is_empty() {
        return Err(bad_arg(lua, 0, "pack", "MessagePack pack needs input."));
    }
    let mut out = Vec::new();
    for v in args.iter() {
        encode(v, &mut out, 0)?;
    }
    lua.create_string(&out)
}

fn encode(v: &Value, out: &mut Vec<u8>, level: usize) -> mlua::Result<()> {
    match v {
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => encode_number(*i as f64, out),
        Value::Number(n) => encode_number(*n, out),
        Value::String(s) => encode_bytes(&s.as_bytes(), out),
        Value::Table(t) if level < MAX_NESTING => encode_table(t, out, level)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

/// Whether `n` survives a round trip through a C `long long` cast.
fn as_int(n: f64) -> Option<i64> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    ((-LIMIT..LIMIT).contains(&n) && n.trunc() == n).then_some(n as i64)
}

fn encode_number(n: f64, out: &mut Vec<u8>) {
    if let Some(i) = as_int(n) {
        encode_int(i, out);
    } else if f64::from(n as f32) == n {
        out.push(0xca);
        out.extend_from_slice(&(n as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        let u = i as u64;
        match u {
            0..=0x7f => out.push(u as u8),
            0x80..=0xff => out.extend_from_slice(&[0xcc, u as u8]),
            0x100..=0xffff => {
                out.push(0xcd);
                out.extend_from_slice(&(u as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(0xce);
                out.extend_from_slice(&(u as u32).to_be_bytes());
            }
            _ => {
                out.push(0xcf);
                out.extend_from_slice(&u.to_be_bytes());
            }
        }
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= -128 {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn encode_bytes(s: &[u8], out: &mut Vec<u8>) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

fn header(out: &mut Vec<u8>, n: usize, fix: u8, b16: u8, b32: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn encode_table(t: &Table, out: &mut Vec<u8>, level: usize) -> mlua::Result<()> {
    // An array when every key is a positive integer and they fill 1..max.
    let (mut count, mut max, mut array) = (0usize, 0i64, true);
    t.for_each(|k: Value, _: Value| {
        count += 1;
        let n = match k {
            Value::Integer(i) => as_int(i as f64),
            Value::Number(n) => as_int(n),
            _ => None,
        };
        match n {
            Some(n) if n > 0 && array => max = max.max(n),
            _ => array = false,
        }
        Ok(())
    })?;
    if array && max as usize == count {
        let len = t.raw_len();
        header(out, len, 0x90, 0xdc, 0xdd);
        for i in 1..=len {
            encode(&t.raw_get::<Value>(i)?, out, level + 1)?;
        }
    } else {
        header(out, count, 0x80, 0xde, 0xdf);
        let mut res = Ok(());
        t.for_each(|k: Value, v: Value| {
            res = encode(&k, out, level + 1).and_then(|()| encode(&v, out, level + 1));
            res.clone()
        })?;
        res?;
    }
    Ok(())
}

/// An error raised by the Lua core itself (no script position).
fn plain(msg: &str) -> mlua::Error {
    mlua::Error::external(super::LuaStyleError(msg.to_string()))
}

enum DecodeError {
    Eof,
    BadFormat,
    Lua(mlua::Error),
}

impl From<mlua::Error> for DecodeError {
    fn from(e: mlua::Error) -> Self {
        DecodeError::Lua(e)
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if self.buf.len() - self.pos < n {
            return Err(DecodeError::Eof);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len(&mut self, width: usize) -> Result<usize, DecodeError> {
        Ok(match width {
            1 => self.be::<1>()?[0] as usize,
            2 => u16::from_be_bytes(self.be()?) as usize,
            _ => u32::from_be_bytes(self.be()?) as usize,
        })
    }

    fn value(&mut self, lua: &Lua, depth: usize) -> Result<Value, DecodeError> {
        let b = self.be::<1>()?[0];
        let num = |n: f64| Ok(Value::Number(n));
        match b {
            0x00..=0x7f => num(f64::from(b)),
            0xe0..=0xff => num(f64::from(b as i8)),
            0xc0 => Ok(Value::Nil),
            0xc2 => Ok(Value::Boolean(false)),
            0xc3 => Ok(Value::Boolean(true)),
            0xcc => num(f64::from(self.be::<1>()?[0])),
            0xcd => num(f64::from(u16::from_be_bytes(self.be()?))),
            0xce => num(f64::from(u32::from_be_bytes(self.be()?))),
            // lua-cmsgpack pushes a uint64 as a signed Lua integer.
            0xcf => num(u64::from_be_bytes(self.be()?) as i64 as f64),
            0xd0 => num(f64::from(self.be::<1>()?[0] as i8)),
            0xd1 => num(f64::from(i16::from_be_bytes(self.be()?))),
            0xd2 => num(f64::from(i32::from_be_bytes(self.be()?))),
            0xd3 => num(i64::from_be_bytes(self.be()?) as f64),
            0xca => num(f64::from(f32::from_be_bytes(self.be()?))),
            0xcb => num(f64::from_be_bytes(self.be()?)),
            0xa0..=0xbf => self.string(lua, usize::from(b & 0x1f)),
            0xd9..=0xdb => {
                let n = self.len(1 << (b - 0xd9))?;
                self.string(lua, n)
            }
            0x90..=0x9f => self.array(lua, usize::from(b & 0x0f), depth),
            0xdc | 0xdd => {
                let n = self.len(if b == 0xdc { 2 } else { 4 })?;
                self.array(lua, n, depth)
            }
            0x80..=0x8f => self.map(lua, usize::from(b & 0x0f), depth),
            0xde | 0xdf => {
                let n = self.len(if b == 0xde { 2 } else { 4 })?;
                self.map(lua, n, depth)
            }
            _ => Err(DecodeError::BadFormat),
        }
    }

    fn string(&mut self, lua: &Lua, n: usize) -> Result<Value, DecodeError> {
        let s = self.take(n)?;
        Ok(Value::String(lua.create_string(s)?))
    }

    fn array(&mut self, lua: &Lua, n: usize, depth: usize) -> Result<Value, DecodeError> {
        if depth >= MAX_DECODE_DEPTH {
            return Err(DecodeError::BadFormat);
        }
        let t = lua.create_table()?;
        for i in 1..=n {
            let v = self.value(lua, depth + 1)?;
            t.raw_set(i, v)?;
        }
        Ok(Value::Table(t))
    }

    fn map(&mut self, lua: &Lua, n: usize, depth: usize) -> Result<Value, DecodeError> {
        if depth >= MAX_DECODE_DEPTH {
            return Err(DecodeError::BadFormat);
        }
        let t = lua.create_table()?;
        for _ in 0..n {
            let k = self.value(lua, depth + 1)?;
            let v = self.value(lua, depth + 1)?;
            match k {
                Value::Nil => return Err(plain("table index is nil").into()),
                Value::Number(f) if f.is_nan() => return Err(plain("table index is NaN").into()),
                k => t.raw_set(k, v)?,
            }
        }
        Ok(Value::Table(t))
    }
}

fn unpack_full(lua: &Lua, s: &[u8], limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    let len = s.len() as i64;
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        // lua-cmsgpack reports the input length where it says "limit".
        return Err(super::lua_error(
            lua,
            &format!("Invalid request to unpack with offset of {offset} and limit of {len}."),
        ));
    }
    if offset > len {
        return Err(super::lua_error(lua, &format!("Start offset {offset} greater than input length {len}.")));
    }
    let limit = if decode_all { i64::MAX } else { limit };
    let mut c = Cursor { buf: s, pos: offset as usize };
    let mut out = MultiValue::new();
    if !decode_all {
        out.push_back(Value::Nil);
    }
    let mut count = 0;
    while c.pos < s.len() && count < limit {
        match c.value(lua, 0) {
            Ok(v) => out.push_back(v),
            Err(DecodeError::Eof) => return Err(super::lua_error(lua, "Missing bytes in input.")),
            Err(DecodeError::BadFormat) => return Err(super::lua_error(lua, "Bad data format in input.")),
            Err(DecodeError::Lua(e)) => return Err(e),
        }
        count += 1;
    }
    if !decode_all {
        let next = if c.pos == s.len() { -1.0 } else { c.pos as f64 };
        out[0] = Value::Number(next);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(n: f64) -> Vec<u8> {
        let mut out = Vec::new();
        encode_number(n, &mut out);
        out
    }

    #[test]
    fn numbers_take_lua_cmsgpack_forms() {
        assert_eq!(packed(5.0), [0x05]);
        assert_eq!(packed(-32.0), [0xe0]);
        assert_eq!(packed(-33.0), [0xd0, 0xdf]);
        assert_eq!(packed(255.0), [0xcc, 0xff]);
        assert_eq!(packed(65536.0), [0xce, 0, 1, 0, 0]);
        assert_eq!(packed(1.5), [0xca, 0x3f, 0xc0, 0, 0]);
        assert_eq!(packed(0.1)[0], 0xcb);
        // 2^63 does not fit an i64: a float32 holds it exactly.
        assert_eq!(packed(9_223_372_036_854_775_808.0)[0], 0xca);
        assert_eq!(packed(-9_223_372_036_854_775_808.0)[0], 0xd3);
    }

    #[test]
    fn strings_and_bad_input_decode() {
        let lua = Lua::new();
        let mut out = Vec::new();
        encode_bytes(&[b'x'; 40], &mut out);
        assert_eq!(&out[..2], [0xd9, 40]);
        let mut c = Cursor { buf: &out, pos: 0 };
        assert!(matches!(c.value(&lua, 0), Ok(Value::String(s)) if s.as_bytes().len() == 40));
        let mut c = Cursor { buf: &[0xda, 0], pos: 0 };
        assert!(matches!(c.value(&lua, 0), Err(DecodeError::Eof)));
        let mut c = Cursor { buf: &[0xc1], pos: 0 };
        assert!(matches!(c.value(&lua, 0), Err(DecodeError::BadFormat)));
        let deep = vec![0x91u8; 5000];
        let mut c = Cursor { buf: &deep, pos: 0 };
        assert!(matches!(c.value(&lua, 0), Err(DecodeError::BadFormat)));
    }
}
