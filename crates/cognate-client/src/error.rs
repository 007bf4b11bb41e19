//! The crate's one error type.

use std::fmt;

/// Everything that can go wrong talking to Cognito or handling its tokens.
///
/// Wire errors keep Cognito's own error name (the `__type` of the JSON error body, such as
/// `NotAuthorizedException`) so callers can match on it; helpers such as
/// [`Error::is_not_authorized`] cover the common ones. No variant ever carries a password, a
/// refresh token or a client secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Cognito answered with an error.
    #[error("{kind}: {message}")]
    Cognito {
        /// Cognito's error name (`__type`), e.g. `NotAuthorizedException`.
        kind: String,
        /// Cognito's message, e.g. `Incorrect username or password.`.
        message: String,
        /// The HTTP status of the answer, when there was one.
        status: Option<u16>,
    },
    /// The request never got an answer (connection refused, timeout, TLS, ...).
    #[error("cannot reach Cognito: {0}")]
    Transport(String),
    /// Cognito's answer could not be understood (a field missing, a token that is not a JWT, ...).
    #[error("unexpected answer from Cognito: {0}")]
    Protocol(String),
    /// The configuration is unusable (a malformed pool id, a bad endpoint, ...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The SRP maths refused the server's parameters.
    #[error("SRP: {0}")]
    Srp(#[from] cognate_srp::Error),
    /// A login stopped at a challenge that needs a person (a code, a new password), but it was
    /// started where nobody can answer (a [`crate::TokenSource`] logging in again by itself).
    #[error("login needs an answer to the {0} challenge")]
    ChallengeRequired(String),
    /// The refresh token was rejected (revoked, expired, signed out) and no credential source was
    /// given to log in again: the user has to log in.
    #[error("the session has ended ({0}); log in again")]
    SessionEnded(String),
    /// Reading or writing a token store failed.
    #[error("token store: {0}")]
    Store(String),
    /// A passkey authenticator made no credential or assertion.
    #[error(transparent)]
    Passkey(#[from] crate::passkey::PasskeyError),
    /// An OAuth 2.0 endpoint (token, revocation, userInfo) answered with an error (RFC 6749
    /// section 5.2), such as `invalid_client` or `invalid_grant`.
    #[error("OAuth {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// The `error` code, e.g. `invalid_client`.
        error: String,
        /// `error_description`, when the server sent one.
        description: Option<String>,
        /// The HTTP status of the answer.
        status: Option<u16>,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Cognito's error name (`__type`), if Cognito answered with an error.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Error::Cognito { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Whether Cognito answered with the error named `kind` (e.g. `"UserNotFoundException"`).
    pub fn is(&self, kind: &str) -> bool {
        self.kind() == Some(kind)
    }

    /// `NotAuthorizedException`: wrong password, revoked or expired token, bad `SECRET_HASH`.
    pub fn is_not_authorized(&self) -> bool {
        self.is("NotAuthorizedException")
    }

    /// `UserNotFoundException`.
    pub fn is_user_not_found(&self) -> bool {
        self.is("UserNotFoundException")
    }

    /// `UserNotConfirmedException`: the user signed up but has not confirmed.
    pub fn is_user_not_confirmed(&self) -> bool {
        self.is("UserNotConfirmedException")
    }

    /// `PasswordResetRequiredException`.
    pub fn is_password_reset_required(&self) -> bool {
        self.is("PasswordResetRequiredException")
    }

    /// `CodeMismatchException` or `ExpiredCodeException`: a wrong or stale code.
    pub fn is_bad_code(&self) -> bool {
        self.is("CodeMismatchException") || self.is("ExpiredCodeException")
    }

    /// The OAuth error code (`invalid_client`, `invalid_grant`, …), if an OAuth endpoint
    /// answered with an error.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Throttling or a server-side failure: worth trying again later. These are already retried
    /// with backoff (see [`crate::RetryPolicy`]) before they reach the caller.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Cognito { kind, status, .. } => {
                matches!(
                    kind.as_str(),
                    "TooManyRequestsException"
                        | "ThrottlingException"
                        | "LimitExceededException"
                        | "InternalErrorException"
                        | "ServiceUnavailable"
                ) || status.is_some_and(|s| s >= 500)
            }
            Error::Transport(_) => false,
            _ => false,
        }
    }

    /// A copy to hand to every task that waited on the same failed refresh.
    pub(crate) fn shared_copy(&self) -> Error {
        match self {
            Error::Cognito {
                kind,
                message,
                status,
            } => Error::Cognito {
                kind: kind.clone(),
                message: message.clone(),
                status: *status,
            },
            Error::Transport(m) => Error::Transport(m.clone()),
            Error::Protocol(m) => Error::Protocol(m.clone()),
            Error::Config(m) => Error::Config(m.clone()),
            Error::Srp(e) => Error::Protocol(format!("SRP: {e}")),
            Error::ChallengeRequired(m) => Error::ChallengeRequired(m.clone()),
            Error::SessionEnded(m) => Error::SessionEnded(m.clone()),
            Error::Store(m) => Error::Store(m.clone()),
            Error::Passkey(e) => Error::Protocol(format!("passkey: {e}")),
            Error::OAuth {
                error,
                description,
                status,
            } => Error::OAuth {
                error: error.clone(),
                description: description.clone(),
                status: *status,
            },
        }
    }

    pub(crate) fn protocol(what: impl fmt::Display) -> Self {
        Error::Protocol(what.to_string())
    }
}

/// Turns an SDK error into [`Error`], keeping Cognito's error name.
pub(crate) fn from_sdk<E, R>(err: aws_sdk_cognitoidentityprovider::error::SdkError<E, R>) -> Error
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    R: fmt::Debug + HasStatus,
{
    use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, SdkError};
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status_code();
            let e = ctx.err();
            Error::Cognito {
                kind: e.code().unwrap_or("UnknownError").to_owned(),
                message: e.message().unwrap_or_default().to_owned(),
                status,
            }
        }
        SdkError::ResponseError(ctx) => {
            let status = ctx.raw().status_code();
            match status {
                Some(s) if s >= 500 => Error::Cognito {
                    kind: "ServiceUnavailable".to_owned(),
                    message: format!("HTTP {s}"),
                    status,
                },
                _ => Error::Protocol(format!(
                    "{}",
                    DisplayErrorContext(&SdkError::<E, R>::ResponseError(ctx))
                )),
            }
        }
        other @ (SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)) => {
            Error::Transport(format!("{}", DisplayErrorContext(&other)))
        }
        other => Error::Protocol(format!("{}", DisplayErrorContext(&other))),
    }
}

/// The HTTP status of a raw SDK response (both SDK crates share the type).
pub(crate) trait HasStatus {
    fn status_code(&self) -> Option<u16>;
}

impl HasStatus for aws_sdk_cognitoidentityprovider::config::http::HttpResponse {
    fn status_code(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}
