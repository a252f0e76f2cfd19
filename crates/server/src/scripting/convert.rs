//! Conversions between replies and Lua values, as Redis 7.0 converts
//! them: the reply a command wrote into Lua values for `redis.call`, and a
//! script's result into the caller's reply (bounded in depth, cycles and
//! repeated shared tables); and numbers as C formats them (through
//! `ember_num`).
//!
//! A command's reply is read in place with ember-resp's [`Walk`] straight
//! into Lua values ([`reply_to_lua`]: no second RESP parser, no frame
//! tree). The script's result is written into the caller's reply
//! ([`write_result`]) with Redis's rules in both directions, RESP3 maps,
//! sets, doubles, big numbers and verbatim strings included after
//! `redis.setresp(3)`.
//!
//! The result conversion is bounded. Nesting past [`MAX_REPLY_DEPTH`]
//! levels, and a table met again on its own conversion path (a table that
//! contains itself), are written as `-ERR reached lua stack limit` in
//! place (Redis instead nests 1000 levels, or hangs on a table with two
//! self-references). Elements written from tables met a second time (a
//! DAG of shared subtables) are capped at [`MAX_REPEATED_ELEMENTS`],
//! checked first by a memoized count (`too_large`, linear in the distinct
//! tables) and again while writing; past it the whole reply is `-ERR
//! script reply too large (...)`. Arrays, maps and sets are counted, then
//! converted one element at a time, never holding all their elements at
//! once (mlua's reference stack holds about 8000 values).

use ember_resp::{encode, Item, Limits, Walk};
use mlua::{Lua, Table, Value};

use crate::client::Out;

/// What a walk over a command's reply accepts: anything the server writes
/// (its replies are whole and valid; no size is capped).
fn reply_limits() -> Limits {
    Limits { max_bulk_len: u64::MAX, max_multibulk_len: u64::MAX, max_inline_len: usize::MAX / 2, ..Limits::default() }
}

/// Converts the reply a command wrote (the RESP frame at the start of
/// `buf`, read in place by ember-resp's [`Walk`]) into Lua, as Redis does:
/// integer → number, bulk → string, null bulk / null array → false, array
/// (and push) → table, status → `{ok=}`, error → `{err=}`; RESP3: map →
/// `{map={}}`, set → `{set={}}`, null → nil, boolean, double → `{double=}`,
/// big number → `{big_number=}`, verbatim → `{verbatim_string={format=,
/// string=}}`, an attributed value → the value. Nothing is left of a frame
/// that ends early or is not RESP: the rest reads as nil.
pub(super) fn reply_to_lua(lua: &Lua, buf: &[u8]) -> mlua::Result<Value> {
    item_to_lua(lua, &mut Walk::new(buf, reply_limits()))
}

/// The next value of `walk` as a Lua value (see [`reply_to_lua`]).
fn item_to_lua(lua: &Lua, walk: &mut Walk<'_>) -> mlua::Result<Value> {
    let Ok(Some(item)) = walk.next_item() else { return Ok(Value::Nil) };
    let tagged = |key: &str, value: Value| -> mlua::Result<Value> {
        let t = lua.create_table()?;
        t.raw_set(key, value)?;
        Ok(Value::Table(t))
    };
    Ok(match item {
        Item::Integer(n) => Value::Number(n as f64),
        Item::Bulk(b) => Value::String(lua.create_string(b)?),
        Item::NullBulk | Item::NullArray => Value::Boolean(false),
        Item::Simple(s) => tagged("ok", Value::String(lua.create_string(s)?))?,
        Item::Error(s) | Item::BlobError(s) => tagged("err", Value::String(lua.create_string(s)?))?,
        Item::Array(n) | Item::Push(n) => {
            let t = lua.create_table_with_capacity(n as usize, 0)?;
            for i in 0..n as usize {
                t.raw_set(i + 1, item_to_lua(lua, walk)?)?;
            }
            Value::Table(t)
        }
        Item::Map(n) => {
            let m = lua.create_table_with_capacity(0, n as usize)?;
            for _ in 0..n {
                let k = item_to_lua(lua, walk)?;
                let v = item_to_lua(lua, walk)?;
                m.raw_set(k, v)?;
            }
            tagged("map", Value::Table(m))?
        }
        Item::Set(n) => {
            let s = lua.create_table_with_capacity(0, n as usize)?;
            for _ in 0..n {
                let k = item_to_lua(lua, walk)?;
                s.raw_set(k, true)?;
            }
            tagged("set", Value::Table(s))?
        }
        Item::Null => Value::Nil,
        Item::Boolean(b) => Value::Boolean(b),
        Item::Double(d) => tagged("double", Value::Number(d))?,
        Item::BigNumber(digits) => tagged("big_number", Value::String(lua.create_string(digits)?))?,
        Item::Verbatim { format, data } => {
            let v = lua.create_table()?;
            v.raw_set("format", lua.create_string(format)?)?;
            v.raw_set("string", lua.create_string(data)?)?;
            tagged("verbatim_string", Value::Table(v))?
        }
        Item::Attribute(n) => {
            for _ in 0..n.saturating_mul(2) {
                if !matches!(walk.skip(), Ok(true)) {
                    return Ok(Value::Nil);
                }
            }
            item_to_lua(lua, walk)?
        }
    })
}

/// Nesting beyond this is refused.
const MAX_REPLY_DEPTH: usize = 1000;

/// The reply error written in place of a table nested too deep, or of a
/// table that contains itself (found on the current conversion path).
const STACK_LIMIT: &str = "ERR reached lua stack limit";

/// How many elements may be written from tables met for the second time
/// or more in one reply. A table met for the first time is bounded by the
/// script's own memory; only sharing (a DAG of subtables) can make the
/// reply grow exponentially, so only repeated visits count.
const MAX_REPEATED_ELEMENTS: usize = 1 << 22;

/// The whole reply when [`MAX_REPEATED_ELEMENTS`] is exceeded.
const REPLY_TOO_LARGE: &str = "ERR script reply too large (shared tables repeated too many times)";

/// State of one Lua → reply conversion.
#[derive(Default)]
struct Conversion {
    /// Tables being converted, outermost first (for cycle detection).
    path: Vec<*const std::ffi::c_void>,
    /// Every table converted so far.
    seen: std::collections::HashSet<*const std::ffi::c_void>,
    /// Inside a table met before: elements written count against the cap.
    repeating: bool,
    /// Elements written while `repeating`.
    repeated: usize,
}

/// The conversion gave up: the reply would exceed [`MAX_REPEATED_ELEMENTS`].
struct TooLarge;

/// A quick check before converting a table: counts the elements the reply
/// would have (each table's count computed once) and says whether those
/// from repeated tables exceed [`MAX_REPEATED_ELEMENTS`], so a DAG of
/// shared tables is refused in time linear in its distinct tables. The
/// conversion keeps its own count as the exact bound (a table met through
/// a cycle may be counted short here).
fn too_large(v: &Value) -> bool {
    type Memo = std::collections::HashMap<*const std::ffi::c_void, u64>;
    fn count(v: &Value, memo: &mut Memo, distinct: &mut u64, depth: usize) -> u64 {
        let Value::Table(t) = v else { return 1 };
        if depth > MAX_REPLY_DEPTH {
            return 1;
        }
        let ptr = t.to_pointer();
        if let Some(&n) = memo.get(&ptr) {
            return n;
        }
        // On the path (a cycle) until counted: written as one error.
        memo.insert(ptr, 1);
        let mut n = 1u64;
        let leaf = matches!(t.raw_get::<Value>("err"), Ok(Value::String(_)))
            || matches!(t.raw_get::<Value>("ok"), Ok(Value::String(_)))
            || matches!(t.raw_get::<Value>("double"), Ok(Value::Number(_) | Value::Integer(_)))
            || matches!(t.raw_get::<Value>("big_number"), Ok(Value::String(_)))
            || matches!(t.raw_get::<Value>("verbatim_string"), Ok(Value::Table(_)));
        if !leaf {
            if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
                for (k, v) in m.pairs::<Value, Value>().filter_map(Result::ok) {
                    *distinct += 2;
                    n = n.saturating_add(count(&k, memo, distinct, depth + 1)).saturating_add(count(
                        &v,
                        memo,
                        distinct,
                        depth + 1,
                    ));
                }
            } else if let Ok(Value::Table(st)) = t.raw_get::<Value>("set") {
                for (k, _) in st.pairs::<Value, Value>().filter_map(Result::ok) {
                    *distinct += 1;
                    n = n.saturating_add(count(&k, memo, distinct, depth + 1));
                }
            } else {
                for i in 1.. {
                    match t.raw_get::<Value>(i) {
                        Ok(v) if !v.is_nil() => {
                            *distinct += 1;
                            n = n.saturating_add(count(&v, memo, distinct, depth + 1));
                        }
                        _ => break,
                    }
                }
            }
        }
        memo.insert(ptr, n);
        n
    }
    if !matches!(v, Value::Table(_)) {
        return false;
    }
    let mut memo = std::collections::HashMap::new();
    let mut distinct = 0u64;
    let total = count(v, &mut memo, &mut distinct, 0);
    total.saturating_sub(distinct) > MAX_REPEATED_ELEMENTS as u64
}

/// Writes a script's result as the caller's reply ([`lua_to_reply`]), or,
/// when the reply would be too large ([`MAX_REPEATED_ELEMENTS`]), the
/// [`REPLY_TOO_LARGE`] error instead of anything of it.
pub(super) fn write_result(out: &mut Out, value: &Value, resp3: bool) {
    let start = out.buf.len();
    let mut conv = Conversion::default();
    if too_large(value) || lua_to_reply(out, value, resp3, 0, &mut conv).is_err() {
        out.buf.truncate(start);
        out.error(REPLY_TOO_LARGE);
    }
}

/// A Lua number as a Redis integer: truncated toward zero; NaN and values
/// outside the 64-bit range become i64::MIN, as the C conversion Redis
/// uses does on x86-64.
pub fn lua_number_to_int(n: f64) -> i64 {
    if n.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

/// Writes a script's return value as a reply in the client's protocol, as
/// Redis converts it: string → bulk, number → integer (truncated), true →
/// 1 (a RESP3 boolean after `redis.setresp(3)`), false/nil → null,
/// `{err=}` → error, `{ok=}` → status, `{double=}`, `{big_number=}`,
/// `{verbatim_string=}`, `{map=}`, `{set=}`, and otherwise an array up to
/// the first nil.
fn lua_to_reply(out: &mut Out, v: &Value, resp3: bool, depth: usize, cv: &mut Conversion) -> Result<(), TooLarge> {
    if cv.repeating {
        cv.repeated += 1;
        if cv.repeated > MAX_REPEATED_ELEMENTS {
            return Err(TooLarge);
        }
    }
    if depth > MAX_REPLY_DEPTH {
        out.error(STACK_LIMIT);
        return Ok(());
    }
    match v {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if resp3 {
                out.boolean(*b);
            } else if *b {
                out.int(1);
            } else {
                out.null();
            }
        }
        Value::Integer(i) => out.int(*i),
        Value::Number(n) => out.int(lua_number_to_int(*n)),
        Value::Table(t) => {
            let ptr = t.to_pointer();
            if cv.path.contains(&ptr) {
                out.error(STACK_LIMIT);
                return Ok(());
            }
            let was = cv.repeating;
            cv.repeating |= !cv.seen.insert(ptr);
            cv.path.push(ptr);
            let r = table_to_reply(out, t, resp3, depth, cv);
            cv.path.pop();
            cv.repeating = was;
            return r;
        }
        _ => out.null(),
    }
    Ok(())
}

fn table_to_reply(out: &mut Out, t: &Table, resp3: bool, depth: usize, cv: &mut Conversion) -> Result<(), TooLarge> {
    if let Ok(Value::String(e)) = t.raw_get::<Value>("err") {
        let msg = e.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>();
        let msg = msg.strip_prefix(b"-").unwrap_or(&msg);
        encode::error(&mut out.buf, msg);
        return Ok(());
    }
    if let Ok(Value::String(s)) = t.raw_get::<Value>("ok") {
        let msg = s.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>();
        encode::simple(&mut out.buf, &msg);
        return Ok(());
    }
    match t.raw_get::<Value>("double") {
        Ok(Value::Number(d)) => {
            out.double(d);
            return Ok(());
        }
        Ok(Value::Integer(d)) => {
            out.double(d as f64);
            return Ok(());
        }
        _ => {}
    }
    if let Ok(Value::String(s)) = t.raw_get::<Value>("big_number") {
        let digits = s.as_bytes().iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>();
        encode::big_number(&mut out.buf, &digits, out.proto);
        return Ok(());
    }
    if let Ok(Value::Table(v)) = t.raw_get::<Value>("verbatim_string") {
        if let (Ok(Value::String(f)), Ok(Value::String(s))) =
            (v.raw_get::<Value>("format"), v.raw_get::<Value>("string"))
        {
            let fb = f.as_bytes();
            let mut format = [b' '; 3];
            for (d, s) in format.iter_mut().zip(fb.iter()) {
                *d = *s;
            }
            encode::verbatim(&mut out.buf, format, &s.as_bytes(), out.proto);
            return Ok(());
        }
    }
    if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
        // Counted first, then converted pair by pair: holding every
        // element at once would exhaust mlua's reference stack.
        out.map(m.pairs::<Value, Value>().filter(Result::is_ok).count());
        for (k, v) in m.pairs::<Value, Value>().filter_map(Result::ok) {
            lua_to_reply(out, &k, resp3, depth + 1, cv)?;
            lua_to_reply(out, &v, resp3, depth + 1, cv)?;
        }
        return Ok(());
    }
    if let Ok(Value::Table(s)) = t.raw_get::<Value>("set") {
        out.set(s.pairs::<Value, Value>().filter(Result::is_ok).count());
        for (k, _) in s.pairs::<Value, Value>().filter_map(Result::ok) {
            lua_to_reply(out, &k, resp3, depth + 1, cv)?;
        }
        return Ok(());
    }
    let mut len = 0usize;
    while matches!(t.raw_get::<Value>(len + 1), Ok(v) if !v.is_nil()) {
        len += 1;
    }
    out.array(len);
    for i in 1..=len {
        let v = t.raw_get::<Value>(i).unwrap_or(Value::Nil);
        lua_to_reply(out, &v, resp3, depth + 1, cv)?;
    }
    Ok(())
}

/// Lua's `tostring` of a number (`%.14g`).
pub(super) fn format_number(n: f64) -> String {
    let mut buf = [0u8; ember_num::FLOAT_BUF_LEN];
    String::from_utf8_lossy(ember_num::format_g(n, 14, &mut buf)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply converted to Lua, shown by a Lua function with sorted keys.
    fn shown(lua: &Lua, reply: &[u8]) -> String {
        let show: mlua::Function = lua
            .load(
                r#"
                local function show(v)
                  if type(v) ~= 'table' then return type(v) .. ':' .. tostring(v) end
                  local keys = {}
                  for k in pairs(v) do keys[#keys + 1] = k end
                  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
                  local parts = {}
                  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. '=' .. show(v[k]) end
                  return '{' .. table.concat(parts, ' ') .. '}'
                end
                return show
                "#,
            )
            .eval()
            .unwrap();
        show.call(reply_to_lua(lua, reply).unwrap()).unwrap()
    }

    #[test]
    fn replies_convert_like_redis() {
        let lua = Lua::new();
        for (reply, want) in [
            (&b":-5\r\n"[..], "number:-5"),
            (b"$3\r\na\r\n\r\n", "string:a\r\n"),
            (b"$-1\r\n", "boolean:false"),
            (b"*-1\r\n", "boolean:false"),
            (b"_\r\n", "nil:nil"),
            (b"+OK\r\n", "{ok=string:OK}"),
            (b"-WRONGTYPE no\r\n", "{err=string:WRONGTYPE no}"),
            (b"*3\r\n:1\r\n*1\r\n$1\r\nx\r\n#t\r\n", "{1=number:1 2={1=string:x} 3=boolean:true}"),
            (b">2\r\n$1\r\na\r\n#f\r\n", "{1=string:a 2=boolean:false}"),
            (b"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n,2.5\r\n", "{map={a=number:1 b={double=number:2.5}}}"),
            (b"~2\r\n$1\r\na\r\n$1\r\nb\r\n", "{set={a=boolean:true b=boolean:true}}"),
            (b",inf\r\n", "{double=number:inf}"),
            (b",-inf\r\n", "{double=number:-inf}"),
            (b"(-12345678901234567890\r\n", "{big_number=string:-12345678901234567890}"),
            (b"=8\r\nmkd:a\r\nb\r\n", "{verbatim_string={format=string:mkd string=string:a\r\nb}}"),
            (b"|1\r\n+key\r\n*1\r\n:1\r\n:7\r\n", "number:7"),
            (b"!5\r\nERR x\r\n", "{err=string:ERR x}"),
            // Not a whole reply: what is missing reads as nil.
            (b"*2\r\n:1\r\n", "{1=number:1}"),
            (b"", "nil:nil"),
            (b"?\r\n", "nil:nil"),
        ] {
            assert_eq!(shown(&lua, reply), want, "{:?}", String::from_utf8_lossy(reply));
        }
        // No line or length is too long for a reply the server wrote.
        let long = format!("-ERR {}\r\n", "x".repeat(100_000));
        assert_eq!(shown(&lua, long.as_bytes()).len(), "{err=string:ERR }".len() + 100_000);
    }

    #[test]
    fn numbers_convert_like_c() {
        assert_eq!(lua_number_to_int(3.99), 3);
        assert_eq!(lua_number_to_int(-2.7), -2);
        assert_eq!(lua_number_to_int(f64::NAN), i64::MIN);
        assert_eq!(lua_number_to_int(1e30), i64::MIN);
        assert_eq!(lua_number_to_int(-1e30), i64::MIN);
        assert_eq!(format_number(1.0 / 3.0), "0.33333333333333");
    }
}
