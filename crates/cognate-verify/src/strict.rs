//! Strict decoders for untrusted token bytes: canonical unpadded base64url and JSON objects
//! without duplicate keys.

use std::cell::RefCell;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Part, VerifyError, clip};

/// Decodes unpadded base64url; padding, other alphabets, whitespace and non-zero trailing bits
/// (non-canonical encodings) are errors.
pub(crate) fn base64url(segment: &str, part: Part) -> Result<Vec<u8>, VerifyError> {
    // The engine is configured with `DecodePaddingMode::RequireNone` and rejects trailing bits.
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| VerifyError::Base64(part))
}

/// Parses `bytes` as exactly one JSON object whose objects (at any depth) have no repeated key.
pub(crate) fn json_object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, VerifyError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = StrictSeed {
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(VerifyError::Json {
            part,
            reason: "not an object".into(),
        }),
        Err(e) => match duplicate.into_inner() {
            Some(key) => Err(VerifyError::DuplicateKey { part, key }),
            None => Err(VerifyError::Json {
                part,
                reason: e.to_string(),
            }),
        },
    }
}

/// Builds a `serde_json::Value` and records the first repeated object key it meets.
#[derive(Clone, Copy)]
struct StrictSeed<'c> {
    duplicate: &'c RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            if out.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(clip(&key));
                return Err(de::Error::custom("duplicate key"));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_is_strict() {
        assert_eq!(base64url("YWI", Part::Header).ok(), Some(b"ab".to_vec()));
        // Padding.
        assert!(base64url("YWI=", Part::Header).is_err());
        // Standard alphabet.
        assert!(base64url("+/8", Part::Header).is_err());
        assert_eq!(base64url("-_8", Part::Header).ok(), Some(vec![0xfb, 0xff]));
        // Non-canonical: "YWJ" decodes to "ab" too, with a non-zero trailing bit.
        assert!(base64url("YWJ", Part::Header).is_err());
        // Impossible length.
        assert!(base64url("Y", Part::Header).is_err());
        assert!(base64url("YW I", Part::Header).is_err());
    }

    #[test]
    fn json_rejects_duplicates_at_any_depth() {
        assert!(json_object(br#"{"a":1,"b":{"c":[1,{"d":2}]}}"#, Part::Payload).is_ok());
        assert_eq!(
            json_object(br#"{"a":1,"a":2}"#, Part::Payload),
            Err(VerifyError::DuplicateKey {
                part: Part::Payload,
                key: "a".into()
            })
        );
        assert!(matches!(
            json_object(br#"{"x":[{"d":1,"d":1}]}"#, Part::Header),
            Err(VerifyError::DuplicateKey { key, .. }) if key == "d"
        ));
        // Escaped spelling of the same key is still the same key.
        assert!(matches!(
            json_object(br#"{"sub":"a","s\u0075b":"b"}"#, Part::Payload),
            Err(VerifyError::DuplicateKey { key, .. }) if key == "sub"
        ));
    }

    #[test]
    fn json_rejects_non_objects_and_trailing_data() {
        assert!(json_object(b"[]", Part::Payload).is_err());
        assert!(json_object(b"{} {}", Part::Payload).is_err());
        assert!(json_object(b"{}x", Part::Payload).is_err());
        assert!(json_object(b"{\"a\":\"\\ud800\"}", Part::Payload).is_err());
        assert!(json_object(b"\xef\xbb\xbf{}", Part::Payload).is_err());
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(500), "]".repeat(500));
        assert!(json_object(deep.as_bytes(), Part::Payload).is_err());
    }
}
