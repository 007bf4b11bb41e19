//! Input validation as an AWS JSON 1.1 service does it, driven by the model's tables.
//!
//! Two kinds of rejection, as AWS answers them:
//! - a body that is not JSON, or a member of the wrong JSON type, is a
//!   [`Rejection::Serialization`] (`SerializationException`), worded as Coral words it
//!   (`Start of structure or map found where not expected.`, `class java.lang.String can not
//!   be converted to an Integer`);
//! - constraint violations (required, length, range, pattern, enum) are collected into one
//!   [`Rejection::Invalid`] message: `2 validation errors detected: Value 'x' at 'userPoolId'
//!   failed to satisfy constraint: Member must satisfy regular expression pattern: …; …`, at
//!   most ten listed. Paths are the members' names with the first letter lowered; list
//!   elements are `name.1.member`, map values `name.KEY.member`. Values are quoted (`'x'`,
//!   `'[a, b]'`, `'{k=v}'`) except for sensitive shapes, whose value is never shown
//!   (`Value at 'password' …`). Scalars inside lists and maps are reported at the list or map
//!   (`Member must satisfy constraint: [...]`, `Map keys must satisfy constraint: [...]`).
//!
//! Unknown members are ignored, as AWS ignores them; `null` is the same as absent.
//!
//! ```
//! use cognate_model::{idp, validate};
//! let op = idp::Operation::DescribeUserPool.def();
//! let body = serde_json::json!({"UserPoolId": "not a pool id!"});
//! let err = validate::input(&idp::SERVICE, op, &body).unwrap_err();
//! assert_eq!(
//!     err.message(),
//!     "1 validation error detected: Value 'not a pool id!' at 'userPoolId' failed to satisfy \
//!      constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
//! );
//! ```

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;

use crate::schema::{Kind, OperationDef, ServiceDef, ShapeDef, ShapeId};

/// At most this many violations are listed in one message, as AWS does.
const MAX_LISTED: usize = 10;

/// Why a request's input was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not JSON, or a member of the wrong JSON type: AWS's `SerializationException`.
    Serialization(String),
    /// Constraint violations, in AWS's wording: Cognito's `InvalidParameterException`.
    Invalid(String),
}

impl Rejection {
    /// The message to send.
    pub fn message(&self) -> &str {
        match self {
            Rejection::Serialization(m) | Rejection::Invalid(m) => m,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Rejection {}

/// Validates `body`, the parsed request of `operation`, against its input shape.
pub fn input(
    service: &ServiceDef,
    operation: &OperationDef,
    body: &Value,
) -> Result<(), Rejection> {
    let Some(shape) = operation.input else {
        return Ok(());
    };
    shape_value(service, shape as ShapeId, body)
}

/// Validates `value` against shape `shape` of `service` (the top level of a request).
pub fn shape_value(service: &ServiceDef, shape: ShapeId, value: &Value) -> Result<(), Rejection> {
    let mut v = Validator {
        service,
        errors: Vec::new(),
        total: 0,
    };
    if !value.is_null() {
        v.walk(shape, value, "").map_err(Rejection::Serialization)?;
    }
    if v.total == 0 {
        return Ok(());
    }
    let mut message = format!(
        "{} validation error{} detected: ",
        v.total.min(MAX_LISTED),
        if v.total == 1 { "" } else { "s" }
    );
    message.push_str(&v.errors.join("; "));
    Err(Rejection::Invalid(message))
}

struct Validator<'s> {
    service: &'s ServiceDef,
    errors: Vec<String>,
    total: usize,
}

/// A wrong JSON type, worded as Coral words it.
fn type_error(found: &Value, expected: &Kind) -> String {
    let target = match expected {
        Kind::String { .. } | Kind::Blob { .. } => "String",
        Kind::Integer { .. } => "Integer",
        Kind::Long { .. } => "Long",
        Kind::Boolean => "Boolean",
        Kind::Timestamp => "Date",
        Kind::Double => "Double",
        Kind::Structure(_) | Kind::Map { .. } if found.is_array() => {
            return "Start of list found where not expected".into();
        }
        Kind::Structure(_) | Kind::Map { .. } => return "Expected map or null".into(),
        Kind::List { .. } if found.is_object() => {
            return "Start of structure or map found where not expected.".into();
        }
        Kind::List { .. } => return "Expected list or null".into(),
        Kind::Document => return "Unexpected document".into(),
    };
    match found {
        Value::Object(_) => "Start of structure or map found where not expected.".into(),
        Value::Array(_) => "Start of list found where not expected".into(),
        Value::String(_) => format!("class java.lang.String can not be converted to an {target}"),
        Value::Bool(_) => format!("class java.lang.Boolean can not be converted to an {target}"),
        Value::Number(_) => format!(
            "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an {target}"
        ),
        Value::Null => "Expected a value".into(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// A value as AWS quotes it: strings bare, lists `[a, b]`, maps `{k=v}`.
fn render(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                render(v, out);
            }
            out.push('}');
        }
    }
}

impl Validator<'_> {
    fn shape(&self, id: ShapeId) -> &'static ShapeDef {
        self.service.shape(id)
    }

    fn report(&mut self, shape: &ShapeDef, value: Option<&Value>, path: &str, phrase: &str) {
        self.total += 1;
        if self.errors.len() >= MAX_LISTED {
            return;
        }
        let mut e = String::from("Value ");
        match value {
            None => e.push_str("null "),
            Some(_) if shape.sensitive => {}
            Some(v) => {
                e.push('\'');
                render(v, &mut e);
                e.push_str("' ");
            }
        }
        let _ = write!(e, "at '{path}' failed to satisfy constraint: {phrase}");
        self.errors.push(e);
    }

    /// Checks `value` (not null) against `id`; constraint violations are collected, a wrong
    /// type ends the walk.
    fn walk(&mut self, id: ShapeId, value: &Value, path: &str) -> Result<(), String> {
        let shape = self.shape(id);
        match &shape.kind {
            Kind::Structure(members) => {
                let Value::Object(obj) = value else {
                    return Err(type_error(value, &shape.kind));
                };
                for m in members.iter() {
                    let member_path = join(path, &lower_first(m.name));
                    match obj.get(m.name).filter(|v| !v.is_null()) {
                        None if m.required => {
                            let ms = self.shape(m.shape);
                            self.report(ms, None, &member_path, "Member must not be null");
                        }
                        None => {}
                        Some(v) => self.walk(m.shape, v, &member_path)?,
                    }
                }
                Ok(())
            }
            Kind::List { member, min, max } => {
                let Value::Array(items) = value else {
                    return Err(type_error(value, &shape.kind));
                };
                self.length(shape, value, path, items.len(), *min, *max);
                let member_shape = self.shape(*member);
                if is_aggregate(&member_shape.kind) {
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{}.{}.member", path, i + 1);
                        if item.is_null() {
                            self.report(member_shape, None, &item_path, "Member must not be null");
                        } else {
                            self.walk(*member, item, &item_path)?;
                        }
                    }
                } else {
                    let mut phrases = Vec::new();
                    for item in items {
                        if item.is_null() {
                            push_unique(&mut phrases, "Member must not be null".into());
                        } else {
                            for p in self.scalar(member_shape, item)? {
                                push_unique(&mut phrases, p);
                            }
                        }
                    }
                    if !phrases.is_empty() {
                        let phrase =
                            format!("Member must satisfy constraint: [{}]", phrases.join(", "));
                        let list_shape = if member_shape.sensitive {
                            member_shape
                        } else {
                            shape
                        };
                        self.report(list_shape, Some(value), path, &phrase);
                    }
                }
                Ok(())
            }
            Kind::Map {
                key,
                value: value_id,
                min,
                max,
            } => {
                let Value::Object(map) = value else {
                    return Err(type_error(value, &shape.kind));
                };
                self.length(shape, value, path, map.len(), *min, *max);
                let key_shape = self.shape(*key);
                let value_shape = self.shape(*value_id);
                let mut key_phrases = Vec::new();
                let mut value_phrases = Vec::new();
                for (k, v) in map {
                    for p in self.scalar(key_shape, &Value::String(k.clone()))? {
                        push_unique(&mut key_phrases, p);
                    }
                    if is_aggregate(&value_shape.kind) {
                        if !v.is_null() {
                            self.walk(*value_id, v, &format!("{path}.{k}.member"))?;
                        }
                    } else if v.is_null() {
                        push_unique(&mut value_phrases, "Member must not be null".into());
                    } else {
                        for p in self.scalar(value_shape, v)? {
                            push_unique(&mut value_phrases, p);
                        }
                    }
                }
                let shown = if shape.sensitive || value_shape.sensitive {
                    value_shape
                } else {
                    shape
                };
                if !key_phrases.is_empty() {
                    let phrase = format!(
                        "Map keys must satisfy constraint: [{}]",
                        key_phrases.join(", ")
                    );
                    self.report(shown, Some(value), path, &phrase);
                }
                if !value_phrases.is_empty() {
                    let phrase = format!(
                        "Map value must satisfy constraint: [{}]",
                        value_phrases.join(", ")
                    );
                    self.report(shown, Some(value), path, &phrase);
                }
                Ok(())
            }
            _ => {
                for phrase in self.scalar(shape, value)? {
                    self.report(shape, Some(value), path, &phrase);
                }
                Ok(())
            }
        }
    }

    fn length(
        &mut self,
        shape: &ShapeDef,
        value: &Value,
        path: &str,
        len: usize,
        min: Option<i64>,
        max: Option<i64>,
    ) {
        for phrase in length_phrases(len, min, max) {
            self.report(shape, Some(value), path, &phrase);
        }
    }

    /// The constraint phrases a scalar violates (empty when it satisfies them all).
    fn scalar(&self, shape: &ShapeDef, value: &Value) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        match &shape.kind {
            Kind::String {
                min,
                max,
                pattern,
                values,
            } => {
                let Value::String(s) = value else {
                    return Err(type_error(value, &shape.kind));
                };
                out.extend(length_phrases(s.chars().count(), *min, *max));
                if let Some(p) = pattern
                    && !self.matches(*p, s)
                {
                    out.push(format!(
                        "Member must satisfy regular expression pattern: {}",
                        self.service.patterns[*p as usize].java
                    ));
                }
                if !values.is_empty() && !values.contains(&s.as_str()) {
                    out.push(format!(
                        "Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ));
                }
            }
            Kind::Integer { min, max } | Kind::Long { min, max } => {
                let n = match value {
                    Value::Number(n) => n.as_i64().ok_or_else(|| type_error(value, &shape.kind))?,
                    _ => return Err(type_error(value, &shape.kind)),
                };
                if matches!(shape.kind, Kind::Integer { .. }) && i32::try_from(n).is_err() {
                    return Err(type_error(value, &shape.kind));
                }
                if let Some(max) = max
                    && n > *max
                {
                    out.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
                if let Some(min) = min
                    && n < *min
                {
                    out.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                }
            }
            Kind::Boolean => {
                if !value.is_boolean() {
                    return Err(match value {
                        Value::String(s) => format!("'{s}' can not be converted to an Boolean"),
                        _ => type_error(value, &shape.kind),
                    });
                }
            }
            Kind::Blob { min, max } => {
                let Value::String(s) = value else {
                    return Err(type_error(value, &shape.kind));
                };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|_| "Base64 encoded data is not valid".to_owned())?;
                out.extend(length_phrases(bytes.len(), *min, *max));
            }
            Kind::Timestamp | Kind::Double => {
                if !value.is_number() {
                    return Err(type_error(value, &shape.kind));
                }
            }
            Kind::Document => {}
            Kind::Structure(_) | Kind::List { .. } | Kind::Map { .. } => {
                return Err(type_error(value, &shape.kind));
            }
        }
        Ok(out)
    }

    fn matches(&self, pattern: u16, s: &str) -> bool {
        let i = pattern as usize;
        // Every pattern is compiled by this crate's tests; one that did not compile would be a
        // generator defect, and is then not enforced rather than refusing all input.
        self.service.compiled[i]
            .get_or_init(|| regex::Regex::new(self.service.patterns[i].rust).ok())
            .as_ref()
            .is_none_or(|re| re.is_match(s))
    }
}

fn is_aggregate(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Structure(_) | Kind::List { .. } | Kind::Map { .. }
    )
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

fn length_phrases(len: usize, min: Option<i64>, max: Option<i64>) -> Vec<String> {
    let mut out = Vec::new();
    let len = len as i64;
    if let Some(max) = max
        && len > max
    {
        out.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    if let Some(min) = min
        && len < min
    {
        out.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    out
}
