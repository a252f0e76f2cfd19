//! Conversions between ember-store values and ember-rdb values: the only
//! place that knows both crates (they do not depend on each other).
//!
//! Saving and loading go through the borrowed forms ([`to_rdb_ref`],
//! [`from_rdb_ref`]): a value's elements pass through one reused
//! [`ElementBuf`] instead of an allocation each. DUMP and RESTORE use the
//! owned [`RdbValue`].

use ember_rdb::{ElementBuf, RdbValue, ValueRef};
use ember_store::types::{hash::Hash, list::List, set::Set, zset::ZSet};
use ember_store::{EncodingConfig, StrValue, Value};

/// The RDB form of a stored value, borrowing it: a string's bytes directly
/// (an `int` is formatted into `buf`), a collection's elements copied into
/// `buf` (cleared first).
pub fn to_rdb_ref<'a>(value: &'a Value, buf: &'a mut ElementBuf) -> ValueRef<'a> {
    buf.clear();
    match value {
        Value::Str(s) => match s.as_slice() {
            Some(bytes) => return ValueRef::String(bytes),
            None => {
                buf.push_int(s.as_int().expect("a string is bytes or an int"));
                return ValueRef::String(buf.elements().get(0));
            }
        },
        Value::List(l) => l.iter().for_each(|x| buf.push(x)),
        Value::Hash(h) => h.iter().for_each(|(f, v)| {
            buf.push(f);
            buf.push(v);
        }),
        Value::Set(s) => {
            let mut scratch = [0u8; 20];
            s.iter().for_each(|m| buf.push(m.bytes(&mut scratch)));
        }
        Value::ZSet(z) => z.for_each(|m, score| buf.push_scored(m, score)),
        _ => unreachable!("every stored value type converts to RDB"),
    }
    let e = buf.elements();
    match value {
        Value::List(_) => ValueRef::List(e),
        Value::Hash(_) => ValueRef::Hash(e),
        Value::Set(_) => ValueRef::Set(e),
        _ => ValueRef::SortedSet(e, buf.scores()),
    }
}

/// The RDB form of a stored value, owned (DUMP).
pub fn to_rdb(value: &Value) -> RdbValue {
    to_rdb_ref(value, &mut ElementBuf::new()).to_owned()
}

/// A stored value from its borrowed RDB form, with the encodings `config`
/// asks for. Empty collections are refused (Redis skips them when loading).
pub fn from_rdb_ref(value: &ValueRef<'_>, config: &EncodingConfig) -> Result<Value, String> {
    if value.is_empty_collection() {
        return Err("empty collection".into());
    }
    Ok(match *value {
        ValueRef::String(s) => Value::Str(StrValue::from_bytes(s)),
        ValueRef::List(items) => Value::List(List::from_items(config.list_max_listpack_size, items.iter())),
        ValueRef::Hash(e) => Value::Hash(Hash::from_pairs(e.pairs(), config)),
        ValueRef::Set(members) => Value::Set(Box::new(Set::from_members(members.iter(), config))),
        ValueRef::SortedSet(..) => {
            let mut z = ZSet::new();
            for (member, score) in value.scored() {
                z.insert(member, score, config);
            }
            Value::ZSet(Box::new(z))
        }
    })
}

/// A stored value from its owned RDB form (RESTORE).
pub fn from_rdb(value: &RdbValue, config: &EncodingConfig) -> Result<Value, String> {
    match value.to_ref(&mut ElementBuf::new()) {
        Some(r) => from_rdb_ref(&r, config),
        None if matches!(value, RdbValue::Stream(_)) => Err("streams are not supported by ember yet".into()),
        None => Err("module values are not supported by ember".into()),
    }
}
