//! Errors: [`ApiError`] is what a client sees on the wire (Cognito's `__type` and message);
//! [`Error`] is what the library API (building, starting, seeding a server) returns.

use std::fmt;

use cognate_model::idp::ErrorKind as E;
use cognate_model::{identity, idp};

/// The `__type` of an error answered on the wire: a modeled exception of one of the two
/// services, or one of the two errors of the AWS JSON 1.1 protocol itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exception {
    /// A modeled exception of the user-pool API (`cognito-idp`).
    Idp(idp::ErrorKind),
    /// A modeled exception of the identity-pool API (`cognito-identity`).
    Identity(identity::ErrorKind),
    /// The body is not JSON, or a member has the wrong JSON type.
    Serialization,
    /// No such operation (or no `X-Amz-Target`).
    UnknownOperation,
    /// An error of AWS's front door, common to every service and modeled by none: request
    /// signing, throttling, timeouts.
    Protocol(Protocol),
}

/// AWS's errors common to every service (request signing, throttling, timeouts), with their
/// `__type` names and statuses as AWS sends them on JSON protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// No `Authorization` (SigV4) on an operation that needs one.
    MissingAuthenticationToken,
    /// The access key id is not one the server knows.
    UnrecognizedClient,
    /// The signature does not match, or its date is too far from the server's clock.
    InvalidSignature,
    /// The `Authorization` header is not a well-formed SigV4 one.
    IncompleteSignature,
    /// Too much in flight: retry later (SDKs do).
    Throttling,
    /// The request body did not arrive within the body-read timeout.
    RequestTimeout,
}

impl Protocol {
    /// The name sent in `__type`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Protocol::UnrecognizedClient => "UnrecognizedClientException",
            Protocol::InvalidSignature => "InvalidSignatureException",
            Protocol::IncompleteSignature => "IncompleteSignatureException",
            Protocol::Throttling => "ThrottlingException",
            Protocol::RequestTimeout => "RequestTimeoutException",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Protocol::RequestTimeout => 408,
            _ => 400,
        }
    }
}

impl Exception {
    /// The name sent in `__type`.
    pub fn name(self) -> &'static str {
        match self {
            Exception::Idp(k) => k.name(),
            Exception::Identity(k) => k.name(),
            Exception::Serialization => "SerializationException",
            Exception::UnknownOperation => "UnknownOperationException",
            Exception::Protocol(p) => p.name(),
        }
    }

    /// The HTTP status: 500 for what the model calls a server fault, 400 otherwise.
    pub fn status(self) -> u16 {
        let fault = match self {
            Exception::Idp(k) => k.is_fault(),
            Exception::Identity(k) => k.is_fault(),
            Exception::Serialization | Exception::UnknownOperation => false,
            Exception::Protocol(p) => return p.status(),
        };
        if fault { 500 } else { 400 }
    }
}

impl From<idp::ErrorKind> for Exception {
    fn from(k: idp::ErrorKind) -> Self {
        Exception::Idp(k)
    }
}

impl From<identity::ErrorKind> for Exception {
    fn from(k: identity::ErrorKind) -> Self {
        Exception::Identity(k)
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error answered on the wire: `{"__type": kind, "message": message}` with the status of
/// its kind.
///
/// `kind` is one of the models' exceptions (or a protocol error), and messages follow
/// Cognito's wording where it is known (`Incorrect username or password.`, `User does not
/// exist.`).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The exception, e.g. `NotAuthorizedException`.
    pub kind: Exception,
    /// The human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: impl Into<Exception>, message: impl Into<String>) -> Self {
        ApiError {
            kind: kind.into(),
            message: message.into(),
        }
    }

    /// `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(E::InvalidParameterException, message)
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
        Self::new(E::NotAuthorizedException, message)
    }

    /// `NotAuthorizedException: Incorrect username or password.`
    pub fn bad_credentials() -> Self {
        Self::not_authorized("Incorrect username or password.")
    }

    /// `UserNotFoundException: User does not exist.`
    pub fn user_not_found() -> Self {
        Self::new(E::UserNotFoundException, "User does not exist.")
    }

    /// `ResourceNotFoundException` for a user pool.
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::new(
            E::ResourceNotFoundException,
            format!("User pool {pool_id} does not exist."),
        )
    }

    /// `ResourceNotFoundException` for an app client.
    pub fn client_not_found(client_id: &str) -> Self {
        Self::new(
            E::ResourceNotFoundException,
            format!("User pool client {client_id} does not exist."),
        )
    }

    /// `InternalErrorException` (HTTP 500): only for faults of the server itself, never input.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(E::InternalErrorException, message)
    }

    /// The HTTP status this error is sent with.
    pub fn status(&self) -> u16 {
        self.kind.status()
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

/// A failure of the storage layer, whatever the backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (a database error, I/O); `retryable` when the same call may succeed
    /// later (the database is restarting, a lock timed out).
    #[error("{backend}: {message}")]
    Backend {
        /// Which backend (`sqlite`, …).
        backend: &'static str,
        /// What it said.
        message: String,
        /// Whether a retry may succeed.
        retryable: bool,
    },
    /// A precondition of a unit of work did not hold (e.g. a refresh token rotated already);
    /// nothing of the unit was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored record could not be decoded.
    #[error("corrupt record: {0}")]
    Corrupt(String),
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

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
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
    /// The address is not loopback and no administrator credentials are configured (see
    /// `ServerBuilder::admin_credentials` and `ServerBuilder::insecure_allow_anonymous`).
    #[error(
        "refusing to listen on {addr} without administrator credentials: anyone on the network could call the admin API and read the outbox; set --admin-credentials ACCESS_KEY:SECRET (or COGNATE_ADMIN_CREDENTIALS), bind 127.0.0.1, or pass --insecure-allow-anonymous"
    )]
    AnonymousBind {
        /// The address.
        addr: String,
    },
    /// Another server (or another `Server` of this process) uses the data directory.
    #[error("data directory {dir} is in use by another cognate server{}: stop it, or give this one another --data", pid.map(|p| format!(" (process {p})")).unwrap_or_default())]
    DataDirInUse {
        /// The directory.
        dir: String,
        /// The process that holds it, when it could be read.
        pid: Option<u32>,
    },
    /// A trigger handler file cannot be run (`ServerBuilder::trigger_handler`).
    #[error("trigger handlers: {0}")]
    Triggers(String),
    /// A cryptographic primitive failed (key generation, randomness).
    #[error("crypto failure: {0}")]
    Crypto(&'static str),
}
