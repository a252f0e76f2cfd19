//! Conversions between ember-store values and ember-rdb values: the only
//! place that knows both crates (they do not depend on each other).

use ember_rdb::RdbValue;
use ember_store::types::{hash::Hash, list::List, set::Set, zset::ZSet};
use ember_store::{EncodingConfig, StrValue, Value};

/// The RDB form of a stored value.
pub fn to_rdb(value: &Value) -> RdbValue {
    match value {
        Value::Str(s) => RdbValue::String(s.to_vec()),
        Value::List(l) => RdbValue::List(l.iter().map(<[u8]>::to_vec).collect()),
        Value::Hash(h) => RdbValue::Hash(h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()),
        Value::Set(s) => RdbValue::Set(s.iter().map(|m| m.to_vec()).collect()),
        Value::ZSet(z) => RdbValue::SortedSet(z.to_vec()),
        _ => unreachable!("every stored value type converts to RDB"),
    }
}

/// A stored value from its RDB form, with the encodings `config` asks for.
/// Empty collections are refused (Redis skips them when loading).
pub fn from_rdb(value: RdbValue, config: &EncodingConfig) -> Result<Value, String> {
    if value.is_empty_collection() {
        return Err("empty collection".into());
    }
    Ok(match value {
        RdbValue::String(s) => Value::Str(StrValue::from_bytes(&s)),
        RdbValue::List(items) => {
            Value::List(List::from_items(config.list_max_listpack_size, items.iter().map(Vec::as_slice)))
        }
        RdbValue::Hash(pairs) => {
            Value::Hash(Hash::from_pairs(pairs.iter().map(|(f, v)| (f.as_slice(), v.as_slice())), config))
        }
        RdbValue::Set(members) => Value::Set(Box::new(Set::from_members(members.iter().map(Vec::as_slice), config))),
        RdbValue::SortedSet(pairs) => {
            let mut z = ZSet::new();
            for (member, score) in &pairs {
                z.insert(member, *score, config);
            }
            Value::ZSet(Box::new(z))
        }
        RdbValue::Stream(_) => return Err("streams are not supported by ember yet".into()),
        RdbValue::Module(_) => return Err("module values are not supported by ember".into()),
    })
}
