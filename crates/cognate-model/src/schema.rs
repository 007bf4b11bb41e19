//! The static tables generated from a service model: what each shape is, its members and
//! constraints, and each operation's input, output and exceptions. [`crate::validate`] walks
//! them; the typed shapes in each service's `types` module mirror them.

/// A service: the tables of one model.
#[derive(Debug)]
pub struct ServiceDef {
    /// `cognito-idp` or `cognito-identity`.
    pub endpoint_prefix: &'static str,
    /// The model's API version (`2016-04-18`).
    pub api_version: &'static str,
    /// The `X-Amz-Target` prefix before the dot.
    pub target_prefix: &'static str,
    /// Every operation, in the model's order.
    pub operations: &'static [OperationDef],
    /// Every shape, sorted by name.
    pub shapes: &'static [ShapeDef],
    /// Every pattern the shapes use.
    pub patterns: &'static [PatternDef],
    /// The patterns compiled, each on first use (same indexes as `patterns`).
    pub compiled: &'static [std::sync::OnceLock<Option<regex::Regex>>],
}

impl ServiceDef {
    /// The operation named `name`.
    pub fn operation(&self, name: &str) -> Option<&'static OperationDef> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// The shape named `name`.
    pub fn shape_named(&self, name: &str) -> Option<ShapeId> {
        self.shapes
            .binary_search_by(|s| s.name.cmp(name))
            .ok()
            .map(|i| i as ShapeId)
    }

    /// The shape with index `id`.
    pub fn shape(&self, id: ShapeId) -> &'static ShapeDef {
        &self.shapes[id as usize]
    }
}

/// An index into [`ServiceDef::shapes`].
pub type ShapeId = u16;

/// One operation.
#[derive(Debug)]
pub struct OperationDef {
    /// Its name in `X-Amz-Target`.
    pub name: &'static str,
    /// Its input structure.
    pub input: Option<usize>,
    /// Its output structure.
    pub output: Option<usize>,
    /// The exceptions it may answer with, by name.
    pub errors: &'static [&'static str],
    /// The model marks it `"authtype": "none"`: callers send it unsigned (user-level calls
    /// authorized by a token, a session or nothing). Every other operation needs an IAM
    /// (SigV4) signature.
    pub unsigned: bool,
}

/// One shape.
#[derive(Debug)]
pub struct ShapeDef {
    /// The model's name (`UserPoolIdType`).
    pub name: &'static str,
    /// Values of this shape are secrets: never quoted in messages or logs.
    pub sensitive: bool,
    /// What it is.
    pub kind: Kind,
}

/// What a shape is, with its constraints. Lengths count characters (Unicode scalar values) for
/// strings, elements for lists and maps, bytes for blobs.
#[derive(Debug)]
pub enum Kind {
    /// A JSON object with known members.
    Structure(&'static [MemberDef]),
    /// A JSON array.
    List {
        /// The element shape.
        member: ShapeId,
        /// Fewest elements.
        min: Option<i64>,
        /// Most elements.
        max: Option<i64>,
    },
    /// A JSON object with arbitrary keys.
    Map {
        /// The key shape (a string).
        key: ShapeId,
        /// The value shape.
        value: ShapeId,
        /// Fewest entries.
        min: Option<i64>,
        /// Most entries.
        max: Option<i64>,
    },
    /// A string, maybe an enum.
    String {
        /// Fewest characters.
        min: Option<i64>,
        /// Most characters.
        max: Option<i64>,
        /// Index into [`ServiceDef::patterns`]: the whole value must match.
        pattern: Option<u16>,
        /// The allowed values, when it is an enum.
        values: &'static [&'static str],
    },
    /// A 32-bit integer.
    Integer {
        /// Smallest value.
        min: Option<i64>,
        /// Largest value.
        max: Option<i64>,
    },
    /// A 64-bit integer.
    Long {
        /// Smallest value.
        min: Option<i64>,
        /// Largest value.
        max: Option<i64>,
    },
    /// `true` or `false`.
    Boolean,
    /// Base64 text on the wire.
    Blob {
        /// Fewest bytes.
        min: Option<i64>,
        /// Most bytes.
        max: Option<i64>,
    },
    /// Seconds since the epoch, as a JSON number.
    Timestamp,
    /// A floating-point number.
    Double,
    /// Any JSON.
    Document,
}

/// A member of a structure.
#[derive(Debug)]
pub struct MemberDef {
    /// The member's name on the wire (`UserPoolId`).
    pub name: &'static str,
    /// Its shape.
    pub shape: ShapeId,
    /// Whether it must be present and not null.
    pub required: bool,
}

/// A pattern, as the model writes it and as the `regex` crate takes it.
#[derive(Debug)]
pub struct PatternDef {
    /// The model's Java syntax: what error messages quote.
    pub java: &'static str,
    /// The anchored translation for the `regex` crate.
    pub rust: &'static str,
}
