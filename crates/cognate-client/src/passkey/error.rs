//! What an [`Authenticator`](super::Authenticator) can refuse or fail at.

/// Why an authenticator made no credential or assertion.
///
/// It converts into [`crate::Error`] (as [`crate::Error::Passkey`]), so `?` works in functions
/// returning [`crate::Result`]. No variant carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasskeyError {
    /// The authenticator holds no credential the relying party asked for (`allowCredentials`),
    /// or none for that relying party at all.
    #[error("no passkey for relying party {rp_id} on this authenticator")]
    NoCredential {
        /// The relying party id of the request.
        rp_id: String,
    },
    /// A credential of the relying party's `excludeCredentials` is on this authenticator: the
    /// user has registered it already.
    #[error("this authenticator has a passkey for this user and relying party {rp_id} already")]
    AlreadyRegistered {
        /// The relying party id of the request.
        rp_id: String,
    },
    /// The options ask for something this authenticator cannot do (no algorithm it has, a
    /// field missing or malformed).
    #[error("the authenticator cannot answer these options: {0}")]
    Unsupported(String),
    /// The user declined, or the platform authenticator failed.
    #[error("the authenticator refused: {0}")]
    Refused(String),
    /// Reading or writing the authenticator's credential file failed.
    #[error("passkey store: {0}")]
    Store(String),
}
