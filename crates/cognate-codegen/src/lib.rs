//! Generates `cognate-model`'s Rust code from an AWS service model (the botocore JSON form of
//! the official Smithy models): typed request, response and nested shapes with serde, the
//! operation and exception enums, and the static shape tables that drive input validation.
//!
//! The output is committed; `cargo run -p cognate-codegen` rewrites it, and
//! `cargo run -p cognate-codegen -- --check` (run by the test command) fails when it is stale.
//! [`generate`] is a pure function of the model text, so the same model always gives the same
//! bytes.
//!
//! (The file is long because it writes each generated section in turn — service table,
//! operations, exceptions, patterns, shape table, typed shapes — as one straight reading of the
//! model; the helpers that stand alone are in `names`, `docs` and `regex`.)
//!
//! ```
//! let model = r#"{"metadata": {"targetPrefix": "Svc", "endpointPrefix": "svc", "apiVersion": "2020-01-01"},
//!   "operations": {"Ping": {"name": "Ping", "input": {"shape": "PingRequest"}, "errors": []}},
//!   "shapes": {"PingRequest": {"type": "structure", "required": ["Id"],
//!     "members": {"Id": {"shape": "IdType"}}},
//!     "IdType": {"type": "string", "min": 1, "max": 8, "pattern": "[\\w-]+"}}}"#;
//! let code = cognate_codegen::generate(model, "svc.json", "1.0").unwrap();
//! assert!(code.contains("pub struct PingRequest"));
//! ```

mod docs;
mod names;
mod regex;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

pub use names::{snake_case, variant_name};
pub use regex::java_to_rust;

/// Why a model could not be turned into code.
#[derive(Debug)]
pub struct GenError(pub String);

impl std::fmt::Display for GenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GenError {}

fn err(msg: impl Into<String>) -> GenError {
    GenError(msg.into())
}

struct Shape<'a> {
    name: &'a str,
    def: &'a serde_json::Map<String, Value>,
}

impl<'a> Shape<'a> {
    fn kind(&self) -> &'a str {
        self.def.get("type").and_then(Value::as_str).unwrap_or("")
    }
    fn is_exception(&self) -> bool {
        self.def.get("exception").and_then(Value::as_bool) == Some(true)
    }
    fn is_sensitive(&self) -> bool {
        self.def.get("sensitive").and_then(Value::as_bool) == Some(true)
    }
    fn enum_values(&self) -> Vec<&'a str> {
        self.def
            .get("enum")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    fn num(&self, key: &str) -> Option<i64> {
        self.def.get(key).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
        })
    }
    fn target(&self, key: &str) -> Option<&'a str> {
        self.def
            .get(key)
            .and_then(|m| m.get("shape"))
            .and_then(Value::as_str)
    }
    fn members(&self) -> Vec<(&'a str, &'a str, Option<&'a str>)> {
        let Some(Value::Object(members)) = self.def.get("members") else {
            return Vec::new();
        };
        members
            .iter()
            .filter_map(|(name, m)| {
                let shape = m.get("shape")?.as_str()?;
                let doc = m.get("documentation").and_then(Value::as_str);
                Some((name.as_str(), shape, doc))
            })
            .collect()
    }
    fn required(&self) -> BTreeSet<&'a str> {
        self.def
            .get("required")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    fn doc(&self) -> Option<&'a str> {
        self.def.get("documentation").and_then(Value::as_str)
    }
}

struct Model<'a> {
    shapes: BTreeMap<&'a str, Shape<'a>>,
    index: BTreeMap<&'a str, usize>,
}

impl<'a> Model<'a> {
    fn shape(&self, name: &str) -> Result<&Shape<'a>, GenError> {
        self.shapes
            .get(name)
            .ok_or_else(|| err(format!("shape {name} is referenced but not defined")))
    }

    /// The Rust type of a member whose shape is `name`.
    fn rust_type(&self, name: &str) -> Result<String, GenError> {
        let s = self.shape(name)?;
        Ok(match s.kind() {
            "string" if !s.enum_values().is_empty() => name.to_owned(),
            "string" => "String".into(),
            "integer" => "i32".into(),
            "long" => "i64".into(),
            "boolean" => "bool".into(),
            "blob" => "crate::Blob".into(),
            "timestamp" => "crate::Timestamp".into(),
            "double" | "float" => "f64".into(),
            "document" => "crate::Document".into(),
            "structure" if s.def.get("document").and_then(Value::as_bool) == Some(true) => {
                "crate::Document".into()
            }
            "structure" => name.to_owned(),
            "list" => {
                let m = s
                    .target("member")
                    .ok_or_else(|| err(format!("list {name} has no member")))?;
                format!("Vec<{}>", self.rust_type(m)?)
            }
            "map" => {
                let k = s
                    .target("key")
                    .ok_or_else(|| err(format!("map {name} has no key")))?;
                let v = s
                    .target("value")
                    .ok_or_else(|| err(format!("map {name} has no value")))?;
                format!(
                    "std::collections::BTreeMap<{}, {}>",
                    self.rust_type(k)?,
                    self.rust_type(v)?
                )
            }
            other => return Err(err(format!("shape {name} has unknown type {other}"))),
        })
    }

    /// Whether a value of this shape (or anything it holds directly) is sensitive.
    fn holds_sensitive(&self, name: &str) -> bool {
        let Ok(s) = self.shape(name) else {
            return false;
        };
        if s.is_sensitive() {
            return true;
        }
        match s.kind() {
            "list" => s.target("member").is_some_and(|m| self.holds_sensitive(m)),
            "map" => s.target("value").is_some_and(|m| self.holds_sensitive(m)),
            _ => false,
        }
    }

    /// Whether the Rust type of this shape implements `Default`.
    fn has_default(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
        let Ok(s) = self.shape(name) else {
            return false;
        };
        match s.kind() {
            "string" => s.enum_values().is_empty(),
            "structure" => {
                if !seen.insert(name.to_owned()) {
                    return true;
                }
                let req = s.required();
                s.members()
                    .iter()
                    .filter(|(m, _, _)| req.contains(m))
                    .all(|(_, t, _)| self.has_default(t, seen))
            }
            _ => true,
        }
    }
}

/// Where the live service is known to differ from the published model, the live service wins:
/// (shape, key, value). Each entry says where the difference was seen.
const LIVE_SERVICE_OVERRIDES: &[(&str, &str, &str)] = &[
    // The model says `[\S]+`; Cognito checks passwords against `^[\S]+.*[\S]+$` (inner spaces
    // allowed, leading and trailing whitespace refused) and quotes that pattern in its
    // validation message, as AWS's password documentation and real error captures show.
    ("PasswordType", "pattern", r"^[\S]+.*[\S]+$"),
];

/// Generates the Rust module for one service model (`model_json`, botocore's
/// `service-2.json`). `source` names the model file and `version` the botocore release, both
/// only for the header comment.
pub fn generate(model_json: &str, source: &str, version: &str) -> Result<String, GenError> {
    let mut root: Value =
        serde_json::from_str(model_json).map_err(|e| err(format!("model is not JSON: {e}")))?;
    for (shape, key, value) in LIVE_SERVICE_OVERRIDES {
        if let Some(Value::Object(def)) = root.get_mut("shapes").and_then(|s| s.get_mut(*shape)) {
            def.insert((*key).to_owned(), Value::String((*value).to_owned()));
        }
    }
    let root = root;
    let meta = root
        .get("metadata")
        .ok_or_else(|| err("model has no metadata"))?;
    let target_prefix = meta
        .get("targetPrefix")
        .and_then(Value::as_str)
        .ok_or_else(|| err("model has no targetPrefix"))?;
    let endpoint_prefix = meta
        .get("endpointPrefix")
        .and_then(Value::as_str)
        .unwrap_or("");
    let api_version = meta.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let Some(Value::Object(shapes_json)) = root.get("shapes") else {
        return Err(err("model has no shapes"));
    };
    let Some(Value::Object(ops_json)) = root.get("operations") else {
        return Err(err("model has no operations"));
    };
    let mut shapes = BTreeMap::new();
    for (name, def) in shapes_json {
        let Value::Object(def) = def else {
            return Err(err(format!("shape {name} is not an object")));
        };
        shapes.insert(name.as_str(), Shape { name, def });
    }
    let index = shapes
        .keys()
        .enumerate()
        .map(|(i, n)| (*n, i))
        .collect::<BTreeMap<_, _>>();
    if index.len() > u16::MAX as usize {
        return Err(err("too many shapes for u16 indexes"));
    }
    let model = Model { shapes, index };

    let mut out = String::new();
    let w = &mut out;
    writeln!(
        w,
        "// @generated by cognate-codegen from models/{source} (botocore {version}).\n\
         // Do not edit: change the generator or the model and run `cargo run -p cognate-codegen`.\n"
    )
    .ok();
    writeln!(
        w,
        "use crate::schema::{{Kind, MemberDef, OperationDef, PatternDef, ServiceDef, ShapeDef}};\n"
    )
    .ok();

    // ---- the service table
    writeln!(
        w,
        "/// The `{endpoint_prefix}` service ({api_version}) as the model describes it.\n\
         pub static SERVICE: ServiceDef = ServiceDef {{\n    \
         endpoint_prefix: {endpoint_prefix:?},\n    \
         api_version: {api_version:?},\n    \
         target_prefix: {target_prefix:?},\n    \
         operations: OPERATIONS,\n    \
         shapes: SHAPES,\n    \
         patterns: PATTERNS,\n    \
         compiled: &COMPILED,\n}};\n"
    )
    .ok();

    // ---- operations
    let ops: Vec<(&str, &Value)> = ops_json.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let exceptions: Vec<&Shape<'_>> = model.shapes.values().filter(|s| s.is_exception()).collect();
    writeln!(
        w,
        "/// Every operation of `{endpoint_prefix}`, named as in `X-Amz-Target`.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         #[non_exhaustive]\npub enum Operation {{"
    )
    .ok();
    for (name, op) in &ops {
        let doc = docs::first_sentence(op.get("documentation").and_then(Value::as_str))
            .unwrap_or_else(|| format!("The `{name}` operation."));
        writeln!(w, "    /// {doc}\n    {name},").ok();
    }
    writeln!(w, "}}\n").ok();
    writeln!(
        w,
        "impl Operation {{\n    /// Every operation, in the model's order.\n    pub const ALL: [Operation; {}] = [",
        ops.len()
    )
    .ok();
    for (name, _) in &ops {
        writeln!(w, "        Operation::{name},").ok();
    }
    writeln!(
        w,
        "    ];\n\n    /// The operation named `name` (the part of `X-Amz-Target` after the dot).\n    \
         pub fn from_name(name: &str) -> Option<Self> {{\n        match name {{"
    )
    .ok();
    for (name, _) in &ops {
        writeln!(w, "            {name:?} => Some(Operation::{name}),").ok();
    }
    writeln!(
        w,
        "            _ => None,\n        }}\n    }}\n\n    \
         /// The operation's name.\n    pub fn name(self) -> &'static str {{\n        self.def().name\n    }}\n\n    \
         /// The operation's entry in the model table.\n    pub fn def(self) -> &'static OperationDef {{\n        \
         &OPERATIONS[self as usize]\n    }}\n\n    \
         /// The exceptions the model lists for this operation.\n    \
         pub fn errors(self) -> &'static [ErrorKind] {{\n        match self {{"
    )
    .ok();
    for (name, op) in &ops {
        let errs = op_errors(op);
        let list = errs
            .iter()
            .map(|e| format!("ErrorKind::{e}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(w, "            Operation::{name} => &[{list}],").ok();
    }
    writeln!(w, "        }}\n    }}\n}}\n").ok();

    writeln!(
        w,
        "/// The operations' input and output shapes (indexes into [`SHAPES`]) and exceptions.\n\
         pub static OPERATIONS: &[OperationDef] = &["
    )
    .ok();
    for (name, op) in &ops {
        let idx = |key: &str| -> Result<String, GenError> {
            match op
                .get(key)
                .and_then(|v| v.get("shape"))
                .and_then(Value::as_str)
            {
                Some(s) => Ok(format!(
                    "Some({})",
                    model
                        .index
                        .get(s)
                        .ok_or_else(|| err(format!("{name}: unknown shape {s}")))?
                )),
                None => Ok("None".into()),
            }
        };
        let errs = op_errors(op)
            .iter()
            .map(|e| format!("{e:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            w,
            "    OperationDef {{ name: {name:?}, input: {}, output: {}, errors: &[{errs}], unsigned: {} }},",
            idx("input")?,
            idx("output")?,
            op.get("authtype").and_then(Value::as_str) == Some("none")
        )
        .ok();
    }
    writeln!(w, "];\n").ok();

    // ---- exceptions
    writeln!(
        w,
        "/// Every exception `{endpoint_prefix}` models, as sent in `__type`.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         #[non_exhaustive]\npub enum ErrorKind {{"
    )
    .ok();
    for e in &exceptions {
        let doc = docs::first_sentence(e.doc()).unwrap_or_else(|| format!("`{}`.", e.name));
        writeln!(w, "    /// {doc}\n    {},", e.name).ok();
    }
    writeln!(
        w,
        "}}\n\nimpl ErrorKind {{\n    /// Every exception, sorted by name.\n    pub const ALL: [ErrorKind; {}] = [",
        exceptions.len()
    )
    .ok();
    for e in &exceptions {
        writeln!(w, "        ErrorKind::{},", e.name).ok();
    }
    writeln!(
        w,
        "    ];\n\n    /// The exception's name, as sent in `__type`.\n    pub fn name(self) -> &'static str {{\n        match self {{"
    )
    .ok();
    for e in &exceptions {
        writeln!(w, "            ErrorKind::{0} => {0:?},", e.name).ok();
    }
    writeln!(
        w,
        "        }}\n    }}\n\n    /// The exception named `name`.\n    pub fn from_name(name: &str) -> Option<Self> {{\n        match name {{"
    )
    .ok();
    for e in &exceptions {
        writeln!(w, "            {0:?} => Some(ErrorKind::{0}),", e.name).ok();
    }
    writeln!(
        w,
        "            _ => None,\n        }}\n    }}\n\n    \
         /// Whether the model marks it a server fault (HTTP 500) rather than a client error.\n    \
         pub fn is_fault(self) -> bool {{\n        matches!(self, "
    )
    .ok();
    let faults: Vec<String> = exceptions
        .iter()
        .filter(|e| e.def.get("fault").and_then(Value::as_bool) == Some(true))
        .map(|e| format!("ErrorKind::{}", e.name))
        .collect();
    if faults.is_empty() {
        writeln!(w, "            _ if false)").ok();
    } else {
        writeln!(w, "            {})", faults.join(" | ")).ok();
    }
    writeln!(w, "    }}\n}}\n").ok();

    // ---- patterns
    let mut patterns: Vec<&str> = model
        .shapes
        .values()
        .filter_map(|s| s.def.get("pattern").and_then(Value::as_str))
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    writeln!(
        w,
        "/// Every pattern of the model: as the model writes it (Java syntax, quoted in error\n\
         /// messages) and translated for the `regex` crate.\n\
         pub static PATTERNS: &[PatternDef] = &["
    )
    .ok();
    for p in &patterns {
        let rust = regex::java_to_rust(p).map_err(|e| err(format!("pattern {p:?}: {e}")))?;
        writeln!(w, "    PatternDef {{ java: {p:?}, rust: {rust:?} }},").ok();
    }
    writeln!(
        w,
        "];\n\n/// [`PATTERNS`] compiled, each on first use.\n\
         static COMPILED: [std::sync::OnceLock<Option<regex::Regex>>; {}] = [const {{ std::sync::OnceLock::new() }}; {}];\n",
        patterns.len(),
        patterns.len()
    )
    .ok();

    // ---- shapes table
    writeln!(
        w,
        "/// Every shape of the model, sorted by name; members refer to shapes by index.\n\
         pub static SHAPES: &[ShapeDef] = &["
    )
    .ok();
    for s in model.shapes.values() {
        let kind = shape_kind(&model, s, &patterns)?;
        writeln!(
            w,
            "    ShapeDef {{ name: {:?}, sensitive: {}, kind: {kind} }},",
            s.name,
            s.is_sensitive()
        )
        .ok();
    }
    writeln!(w, "];\n").ok();

    // ---- typed shapes
    writeln!(
        w,
        "/// The typed shapes: one struct per structure, one enum per string enum; member names\n\
         /// in snake case, serialized under the model's names.\npub mod types {{\n    \
         use serde::{{Deserialize, Serialize}};\n"
    )
    .ok();
    for s in model.shapes.values() {
        if s.is_exception() {
            continue;
        }
        match s.kind() {
            "string" if !s.enum_values().is_empty() => write_enum(w, s)?,
            "structure" if s.def.get("document").and_then(Value::as_bool) != Some(true) => {
                write_struct(w, &model, s)?
            }
            _ => {}
        }
    }
    writeln!(w, "}}").ok();
    Ok(out)
}

fn op_errors(op: &Value) -> Vec<&str> {
    let mut v: Vec<&str> = op
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("shape").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v.dedup();
    v
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    match v {
        Some(v) => format!("Some({v})"),
        None => "None".into(),
    }
}

fn shape_kind(model: &Model<'_>, s: &Shape<'_>, patterns: &[&str]) -> Result<String, GenError> {
    let idx = |n: &str| -> Result<usize, GenError> {
        model
            .index
            .get(n)
            .copied()
            .ok_or_else(|| err(format!("{}: unknown shape {n}", s.name)))
    };
    let (min, max) = (opt(s.num("min")), opt(s.num("max")));
    Ok(match s.kind() {
        "structure" if s.def.get("document").and_then(Value::as_bool) == Some(true) => {
            "Kind::Document".into()
        }
        "structure" => {
            let req = s.required();
            let members = s
                .members()
                .iter()
                .map(|(m, t, _)| {
                    Ok(format!(
                        "MemberDef {{ name: {m:?}, shape: {}, required: {} }}",
                        idx(t)?,
                        req.contains(m)
                    ))
                })
                .collect::<Result<Vec<_>, GenError>>()?;
            format!("Kind::Structure(&[{}])", members.join(", "))
        }
        "list" => format!(
            "Kind::List {{ member: {}, min: {min}, max: {max} }}",
            idx(s.target("member").unwrap_or(""))?
        ),
        "map" => format!(
            "Kind::Map {{ key: {}, value: {}, min: {min}, max: {max} }}",
            idx(s.target("key").unwrap_or(""))?,
            idx(s.target("value").unwrap_or(""))?
        ),
        "string" => {
            let pattern = match s.def.get("pattern").and_then(Value::as_str) {
                Some(p) => format!(
                    "Some({})",
                    patterns
                        .binary_search(&p)
                        .map_err(|_| err("pattern index"))?
                ),
                None => "None".into(),
            };
            let values = s
                .enum_values()
                .iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "Kind::String {{ min: {min}, max: {max}, pattern: {pattern}, values: &[{values}] }}"
            )
        }
        "integer" => format!("Kind::Integer {{ min: {min}, max: {max} }}"),
        "long" => format!("Kind::Long {{ min: {min}, max: {max} }}"),
        "boolean" => "Kind::Boolean".into(),
        "blob" => format!("Kind::Blob {{ min: {min}, max: {max} }}"),
        "timestamp" => "Kind::Timestamp".into(),
        "double" | "float" => "Kind::Double".into(),
        "document" => "Kind::Document".into(),
        other => return Err(err(format!("shape {} has unknown type {other}", s.name))),
    })
}

fn write_enum(w: &mut String, s: &Shape<'_>) -> Result<(), GenError> {
    let values = s.enum_values();
    let doc = docs::first_sentence(s.doc()).unwrap_or_else(|| format!("`{}`.", s.name));
    writeln!(
        w,
        "    /// {doc}\n    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]\n    \
         pub enum {} {{",
        s.name
    )
    .ok();
    let mut seen = BTreeSet::new();
    for v in &values {
        let var = names::variant_name(v);
        if !seen.insert(var.clone()) {
            return Err(err(format!("{}: two values map to variant {var}", s.name)));
        }
        writeln!(
            w,
            "        /// `{v}`\n        #[serde(rename = {v:?})]\n        {var},"
        )
        .ok();
    }
    writeln!(
        w,
        "    }}\n\n    impl {0} {{\n        /// Every value, in the model's order.\n        pub const ALL: [{0}; {1}] = [{2}];\n\n        \
         /// The value as sent on the wire.\n        pub fn as_str(self) -> &'static str {{\n            match self {{",
        s.name,
        values.len(),
        values
            .iter()
            .map(|v| format!("{}::{}", s.name, names::variant_name(v)))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .ok();
    for v in &values {
        writeln!(
            w,
            "                {}::{} => {v:?},",
            s.name,
            names::variant_name(v)
        )
        .ok();
    }
    writeln!(
        w,
        "            }}\n        }}\n\n        /// The value sent on the wire as `s`.\n        \
         pub fn from_wire(s: &str) -> Option<Self> {{\n            Self::ALL.into_iter().find(|v| v.as_str() == s)\n        }}\n    }}\n\n    \
         impl std::fmt::Display for {} {{\n        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n            \
         f.write_str(self.as_str())\n        }}\n    }}\n",
        s.name
    )
    .ok();
    Ok(())
}

fn write_struct(w: &mut String, model: &Model<'_>, s: &Shape<'_>) -> Result<(), GenError> {
    let req = s.required();
    let members = s.members();
    let sensitive = members.iter().any(|(_, t, _)| model.holds_sensitive(t));
    let default = model.has_default(s.name, &mut BTreeSet::new());
    let doc = docs::first_sentence(s.doc()).unwrap_or_else(|| format!("`{}`.", s.name));
    let mut derives = vec!["Clone", "PartialEq", "Serialize", "Deserialize"];
    if !sensitive {
        derives.insert(0, "Debug");
    }
    if default {
        derives.push("Default");
    }
    writeln!(
        w,
        "    /// {doc}\n    #[derive({})]\n    pub struct {} {{",
        derives.join(", "),
        s.name
    )
    .ok();
    for (m, t, mdoc) in &members {
        let field = names::snake_case(m);
        let ty = model.rust_type(t)?;
        let doc = docs::first_sentence(*mdoc).unwrap_or_else(|| format!("`{m}`."));
        if req.contains(m) {
            writeln!(
                w,
                "        /// {doc}\n        #[serde(rename = {m:?})]\n        pub {field}: {ty},"
            )
            .ok();
        } else {
            writeln!(
                w,
                "        /// {doc}\n        #[serde(rename = {m:?}, default, skip_serializing_if = \"Option::is_none\")]\n        \
                 pub {field}: Option<{ty}>,"
            )
            .ok();
        }
    }
    writeln!(w, "    }}\n").ok();
    if sensitive {
        writeln!(
            w,
            "    impl std::fmt::Debug for {} {{\n        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n            \
             let mut d = f.debug_struct({:?});",
            s.name, s.name
        )
        .ok();
        for (m, t, _) in &members {
            let field = names::snake_case(m);
            let raw = field.trim_start_matches("r#");
            if model.holds_sensitive(t) {
                writeln!(
                    w,
                    "            d.field({raw:?}, &\"*** Sensitive Data Redacted ***\");"
                )
                .ok();
            } else {
                writeln!(w, "            d.field({raw:?}, &self.{field});").ok();
            }
        }
        writeln!(w, "            d.finish()\n        }}\n    }}\n").ok();
    }
    Ok(())
}
