//! Errors: [`ApiError`] is what a client sees on the wire (Cognito's `__type` and message);
//! [`Error`] is what the library API (building, starting, seeding a server) returns.

use std::fmt;

/// An error answered on the wire: HTTP 400 with `{"__type": kind, "message": message}`.
///
/// `kind` is always one of Cognito's real exception names, and messages follow Cognito's
/// wording where it is known (`Incorrect username or password.`, `User does not exist.`).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Cognito's exception name, e.g. `NotAuthorizedException`.
    pub kind: &'static str,
    /// The human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }

    /// `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    /// `InvalidParameterException` for a missing required member, in AWS's validation wording.
    pub fn missing(field: &str) -> Self {
        Self::invalid(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(field)
        ))
    }

    /// `NotAuthorizedException` with `message`.
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new("NotAuthorizedException", message)
    }

    /// `NotAuthorizedException: Incorrect username or password.`
    pub fn bad_credentials() -> Self {
        Self::not_authorized("Incorrect username or password.")
    }

    /// `UserNotFoundException: User does not exist.`
    pub fn user_not_found() -> Self {
        Self::new("UserNotFoundException", "User does not exist.")
    }

    /// `ResourceNotFoundException` for a user pool.
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::new(
            "ResourceNotFoundException",
            format!("User pool {pool_id} does not exist."),
        )
    }

    /// `ResourceNotFoundException` for an app client.
    pub fn client_not_found(client_id: &str) -> Self {
        Self::new(
            "ResourceNotFoundException",
            format!("User pool client {client_id} does not exist."),
        )
    }

    /// `InternalErrorException` (HTTP 500): only for faults of the server itself, never input.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalErrorException", message)
    }

    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        match self.kind {
            "InternalErrorException" => 500,
            _ => 400,
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        ApiError::internal("storage failure")
    }
}

/// A failure of the storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record could not be decoded.
    #[error("corrupt record: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The store was closed (the server is shutting down).
    #[error("the storage writer has stopped")]
    Closed,
    /// The data directory could not be prepared.
    #[error("data directory {path}: {source}")]
    Io {
        /// The directory.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Everything the library API can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The storage backend failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why not.
        source: std::io::Error,
    },
    /// The seed file could not be read or parsed.
    #[error("seed file {path}: {message}")]
    Seed {
        /// The file.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Applying the seed failed on one of its entries.
    #[error("seed: {0}")]
    SeedApply(ApiError),
    /// A cryptographic primitive failed (key generation, randomness).
    #[error("crypto failure: {0}")]
    Crypto(&'static str),
}
