//! The verifier's one-pass reader of a token payload: checks the same strict JSON rules as
//! [`strict::json_object`](crate::strict::json_object) (one object, no repeated key at any
//! depth) while borrowing the standard claims, without building a `serde_json::Value` tree.
//! A differential property test holds the two to the same verdicts.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{Part, VerifyError, clip};

/// A claim value as far as the checks care.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    /// Any other number (a fraction, or an integer beyond `i64`).
    Float(f64),
    /// An array of strings only.
    Strings(Vec<Cow<'a, str>>),
    /// Anything else (validated, not kept).
    Other,
}

/// The standard claims of a payload, borrowed where the JSON had no escapes.
#[derive(Debug, Default)]
pub(crate) struct Payload<'a> {
    pub(crate) iss: Option<Field<'a>>,
    pub(crate) sub: Option<Field<'a>>,
    pub(crate) token_use: Option<Field<'a>>,
    pub(crate) exp: Option<Field<'a>>,
    pub(crate) nbf: Option<Field<'a>>,
    pub(crate) iat: Option<Field<'a>>,
    pub(crate) auth_time: Option<Field<'a>>,
    pub(crate) client_id: Option<Field<'a>>,
    pub(crate) aud: Option<Field<'a>>,
    pub(crate) username: Option<Field<'a>>,
    pub(crate) cognito_username: Option<Field<'a>>,
    pub(crate) groups: Option<Field<'a>>,
    pub(crate) scope: Option<Field<'a>>,
    pub(crate) acr: Option<Field<'a>>,
    pub(crate) amr: Option<Field<'a>>,
}

/// Reads `json` (the decoded payload) strictly and returns its standard claims.
pub(crate) fn payload(json: &[u8]) -> Result<Payload<'_>, VerifyError> {
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_slice(json);
    let result = de
        .deserialize_map(PayloadVisitor {
            duplicate: &mut duplicate,
        })
        .and_then(|p| de.end().map(|()| p));
    result.map_err(|e| match duplicate {
        Some(key) => VerifyError::DuplicateKey {
            part: Part::Payload,
            key,
        },
        None => VerifyError::Json {
            part: Part::Payload,
            reason: if e.is_data() {
                "not an object".into()
            } else {
                e.to_string()
            },
        },
    })
}

/// An object key, borrowed when it had no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Remembers keys seen in one object: a short list, a hash set past 16 keys (so a payload of
/// thousands of keys costs linear time).
struct Seen<'a> {
    few: Vec<Cow<'a, str>>,
    many: Option<HashSet<Cow<'a, str>>>,
}

impl<'a> Seen<'a> {
    fn new() -> Self {
        Seen {
            few: Vec::with_capacity(16),
            many: None,
        }
    }

    /// False if `key` was seen before.
    fn insert(&mut self, key: Cow<'a, str>) -> bool {
        if let Some(set) = &mut self.many {
            return set.insert(key);
        }
        if self.few.contains(&key) {
            return false;
        }
        self.few.push(key);
        if self.few.len() > 16 {
            self.many = Some(self.few.drain(..).collect());
        }
        true
    }
}

fn duplicate<E: de::Error>(slot: &mut Option<String>, key: &str) -> E {
    *slot = Some(clip(key));
    E::custom("duplicate key")
}

struct PayloadVisitor<'s> {
    duplicate: &'s mut Option<String>,
}

impl<'de> Visitor<'de> for PayloadVisitor<'_> {
    type Value = Payload<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload<'de>, A::Error> {
        let mut out = Payload::default();
        let mut seen = Seen::new();
        while let Some(Key(key)) = map.next_key()? {
            let slot = match key.as_ref() {
                "iss" => Some(&mut out.iss),
                "sub" => Some(&mut out.sub),
                "token_use" => Some(&mut out.token_use),
                "exp" => Some(&mut out.exp),
                "nbf" => Some(&mut out.nbf),
                "iat" => Some(&mut out.iat),
                "auth_time" => Some(&mut out.auth_time),
                "client_id" => Some(&mut out.client_id),
                "aud" => Some(&mut out.aud),
                "username" => Some(&mut out.username),
                "cognito:username" => Some(&mut out.cognito_username),
                "cognito:groups" => Some(&mut out.groups),
                "scope" => Some(&mut out.scope),
                "acr" => Some(&mut out.acr),
                "amr" => Some(&mut out.amr),
                _ => None,
            };
            match slot {
                Some(slot) => {
                    let value = map.next_value_seed(FieldSeed {
                        duplicate: self.duplicate,
                    })?;
                    if slot.is_some() {
                        return Err(duplicate(self.duplicate, &key));
                    }
                    *slot = Some(value);
                    // Known keys are tracked by their slots.
                }
                None => {
                    map.next_value_seed(Check {
                        duplicate: self.duplicate,
                    })?;
                    if !seen.insert(key.clone()) {
                        return Err(duplicate(self.duplicate, &key));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Reads one claim value into a [`Field`], checking nested objects.
struct FieldSeed<'s> {
    duplicate: &'s mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Field<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field<'de>, E> {
        Ok(Field::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field<'de>, E> {
        Ok(i64::try_from(v).map_or(Field::Float(v as f64), Field::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field<'de>, E> {
        Ok(Field::Float(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
        let mut strings = Vec::new();
        let mut all_strings = true;
        while let Some(item) = seq.next_element_seed(FieldSeed {
            duplicate: &mut *self.duplicate,
        })? {
            match item {
                Field::Str(s) if all_strings => strings.push(s),
                _ => all_strings = false,
            }
        }
        Ok(if all_strings {
            Field::Strings(strings)
        } else {
            Field::Other
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
        Check {
            duplicate: self.duplicate,
        }
        .visit_map(map)?;
        Ok(Field::Other)
    }
}

/// Validates a value without keeping it: nested objects must not repeat a key.
struct Check<'s> {
    duplicate: &'s mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Check {
                duplicate: &mut *self.duplicate,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new();
        while let Some(Key(key)) = map.next_key()? {
            map.next_value_seed(Check {
                duplicate: &mut *self.duplicate,
            })?;
            if !seen.insert(key.clone()) {
                return Err(duplicate(self.duplicate, &key));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_standard_claims_borrowed() {
        let json = br#"{"iss":"i","exp":5,"nbf":1.5,"cognito:groups":["a","b"],"aud":["x",1],"custom:x":{"a":[1,{"b":2}]}}"#;
        let p = payload(json).unwrap_or_default();
        assert_eq!(p.iss, Some(Field::Str(Cow::Borrowed("i"))));
        assert_eq!(p.exp, Some(Field::Int(5)));
        assert_eq!(p.nbf, Some(Field::Float(1.5)));
        assert_eq!(
            p.groups,
            Some(Field::Strings(vec![Cow::Borrowed("a"), Cow::Borrowed("b")]))
        );
        assert_eq!(p.aud, Some(Field::Other));
    }

    #[test]
    fn rejects_what_strict_rejects() {
        for (json, key) in [
            (&br#"{"exp":1,"exp":2}"#[..], "exp"),
            (br#"{"x":1,"x":2}"#, "x"),
            (br#"{"x":{"y":1,"y":2}}"#, "y"),
            (br#"{"sub":"a","s\u0075b":"b"}"#, "sub"),
            (br#"{"cognito:groups":[{"a":1,"a":1}]}"#, "a"),
        ] {
            assert_eq!(
                payload(json).err(),
                Some(VerifyError::DuplicateKey {
                    part: Part::Payload,
                    key: key.into()
                })
            );
        }
        for json in [&b"[]"[..], b"1", b"{}{}", b"{", b"{\"a\":\"\\ud800\"}"] {
            assert!(matches!(payload(json), Err(VerifyError::Json { .. })));
        }
    }

    #[test]
    fn many_keys_stay_linear() {
        let body: Vec<String> = (0..3000).map(|i| format!("\"k{i}\":0")).collect();
        let json = format!("{{{}}}", body.join(","));
        assert!(payload(json.as_bytes()).is_ok());
        let json = format!("{{{},\"k7\":1}}", body.join(","));
        assert!(matches!(
            payload(json.as_bytes()),
            Err(VerifyError::DuplicateKey { .. })
        ));
    }

    fn verdict(r: Result<(), VerifyError>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(VerifyError::DuplicateKey { key, .. }) => format!("dup {key}"),
            Err(e) => e.check().into(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2_000, failure_persistence: None, ..Default::default()
        })]

        /// The fast reader and the `Value`-building reader give the same verdict on JSON-ish text.
        #[test]
        fn agrees_with_the_strict_reader(
            text in r#"\{(("(iss|exp|aud|a|b|cognito:groups|s\\u0075b|sub)"|"[a-c]{1,2}") ?: ?(-?[0-9]{1,3}(\.[0-9])?|"[a-c\\]{0,3}"|\[("[ab]"|1|\{"a":1(,"a":2)?\}),?\]|\{("[ab]":[0-9],?){0,3}\}|true|null),?){0,6}\}[ \]]?"#
        ) {
            let fast = verdict(payload(text.as_bytes()).map(|_| ()));
            let strict = verdict(crate::strict::json_object(text.as_bytes(), Part::Payload).map(|_| ()));
            proptest::prop_assert_eq!(fast, strict, "{}", text);
        }
    }
}
