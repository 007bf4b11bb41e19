//! The SDK's untyped `Document` (the WebAuthn options and credentials of the passkey calls)
//! to and from JSON.

use aws_smithy_types::{Document, Number};
use serde_json::Value;

/// `doc` as JSON (a float that is not finite, which JSON cannot carry, becomes `null`).
pub(crate) fn to_json(doc: &Document) -> Value {
    match doc {
        Document::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        Document::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
    }
}

/// `json` as a `Document`.
pub(crate) fn from_json(json: &Value) -> Document {
    match json {
        Value::Object(m) => {
            Document::Object(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
        Value::Array(a) => Document::Array(a.iter().map(from_json).collect()),
        Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or(0.0))
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Bool(b) => Document::Bool(*b),
        Value::Null => Document::Null,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn json_survives_the_round_trip() {
        let v = json!({"rp": {"id": "localhost"}, "timeout": 300000, "alg": -7, "x": 1.5,
                       "list": [true, null, "s"]});
        assert_eq!(super::to_json(&super::from_json(&v)), v);
    }
}
