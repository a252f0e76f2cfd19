//! The `bit` library scripts see (the LuaBitOp API Redis bundles): 32-bit
//! operations on Lua numbers, results as signed 32-bit numbers.

use mlua::{Lua, Table, Variadic};

/// A Lua number as the 32-bit value LuaBitOp works on: rounded to an
/// integer (ties to even, as its floating-point trick does) and wrapped
/// modulo 2^32.
pub fn tobit(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    n.round_ties_even().rem_euclid(4_294_967_296.0) as u64 as u32 as i32
}

fn num(v: i32) -> f64 {
    f64::from(v)
}

/// Builds the `bit` table.
pub fn module(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("tobit", lua.create_function(|_, x: f64| Ok(num(tobit(x))))?)?;
    t.raw_set("bnot", lua.create_function(|_, x: f64| Ok(num(!tobit(x))))?)?;
    let fold = |f: fn(i32, i32) -> i32| {
        move |_: &Lua, (first, rest): (f64, Variadic<f64>)| {
            Ok(num(rest.iter().fold(tobit(first), |a, &b| f(a, tobit(b)))))
        }
    };
    t.raw_set("band", lua.create_function(fold(|a, b| a & b))?)?;
    t.raw_set("bor", lua.create_function(fold(|a, b| a | b))?)?;
    t.raw_set("bxor", lua.create_function(fold(|a, b| a ^ b))?)?;
    let shift = |f: fn(u32, u32) -> u32| {
        move |_: &Lua, (x, n): (f64, f64)| Ok(num(f(tobit(x) as u32, tobit(n) as u32 & 31) as i32))
    };
    t.raw_set("lshift", lua.create_function(shift(|x, n| x << n))?)?;
    t.raw_set("rshift", lua.create_function(shift(|x, n| x >> n))?)?;
    t.raw_set("arshift", lua.create_function(shift(|x, n| ((x as i32) >> n) as u32))?)?;
    t.raw_set("rol", lua.create_function(shift(|x, n| x.rotate_left(n)))?)?;
    t.raw_set("ror", lua.create_function(shift(|x, n| x.rotate_right(n)))?)?;
    t.raw_set("bswap", lua.create_function(|_, x: f64| Ok(num(tobit(x).swap_bytes())))?)?;
    t.raw_set(
        "tohex",
        lua.create_function(|_, (x, n): (f64, Option<f64>)| {
            let mut n = n.map_or(8, tobit);
            let upper = n < 0;
            if upper {
                n = n.saturating_neg();
            }
            let n = n.clamp(0, 8) as usize;
            let v = tobit(x) as u32;
            let s = if upper { format!("{v:08X}") } else { format!("{v:08x}") };
            Ok(s[8 - n..].to_string())
        })?,
    )?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::tobit;

    #[test]
    fn tobit_wraps_like_luabitop() {
        assert_eq!(tobit(4294967296.0 + 5.0), 5);
        assert_eq!(tobit(2147483648.0), i32::MIN);
        assert_eq!(tobit(-1.0), -1);
        assert_eq!(tobit(0.5), 0);
        assert_eq!(tobit(1.5), 2);
        assert_eq!(tobit(f64::NAN), 0);
    }
}
