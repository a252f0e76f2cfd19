//! Conversions between ember-store values and ember-rdb values: the only
//! place that knows both crates (they do not depend on each other).

use ember_rdb::RdbValue;
use ember_store::{EncodingConfig, StrValue, Value};

/// The RDB form of a stored value.
pub fn to_rdb(value: &Value) -> RdbValue {
    match value {
        Value::Str(s) => RdbValue::String(s.to_vec()),
        other => unreachable_type(other),
    }
}

fn unreachable_type(v: &Value) -> RdbValue {
    // Collections convert once their types expose iteration; until then no
    // command can create them.
    panic!("no RDB conversion for {} values yet", v.type_name())
}

/// A stored value from its RDB form, with the encodings `config` asks for.
pub fn from_rdb(value: RdbValue, _config: &EncodingConfig) -> Result<Value, String> {
    match value {
        RdbValue::String(s) => Ok(Value::Str(StrValue::from_bytes(&s))),
        RdbValue::Stream(_) => Err("streams are not supported by ember yet".into()),
        RdbValue::Module(_) => Err("module values are not supported by ember".into()),
        other => Err(format!("{} values are not supported yet", other.type_name())),
    }
}
