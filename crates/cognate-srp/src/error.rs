//! The one error type of this crate.

/// Everything that can go wrong in SRP maths, each case naming the input at fault.
///
/// None of these carries a secret: fields are named, never echoed (timestamps and pool ids,
/// which are public, are the exception).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hexadecimal parameter (`SRP_A`, `SRP_B`, `SALT`) could not be parsed.
    #[error("{field} is not valid hexadecimal: {reason}")]
    InvalidHex {
        /// The Cognito parameter name.
        field: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A base64 parameter (`SECRET_BLOCK`, `PASSWORD_CLAIM_SIGNATURE`, a device verifier) could
    /// not be decoded.
    #[error("{field} is not valid base64")]
    InvalidBase64 {
        /// The Cognito parameter name.
        field: &'static str,
    },
    /// The peer's public value (`SRP_A` or `SRP_B`) is zero modulo N, which would make the
    /// shared secret predictable: SRP-6a requires refusing it.
    #[error("{field} is zero modulo N; refusing it as SRP-6a requires")]
    IllegalPublicValue {
        /// The Cognito parameter name.
        field: &'static str,
    },
    /// The scrambling parameter `u = H(padHex(A) ‖ padHex(B))` is zero; SRP-6a requires
    /// aborting. Start a new login (a new `A` or `B`).
    #[error("the scrambling parameter u is zero; start a new login")]
    ZeroScrambler,
    /// A required text input was empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// A user pool id without the `REGION_ID` shape.
    #[error("`{0}` is not a user pool id (expected REGION_ID, e.g. us-east-1_AbC123xyZ)")]
    InvalidPoolId(String),
    /// The client's `PASSWORD_CLAIM_SIGNATURE` does not match: the password (or user, pool,
    /// secret block or timestamp) is not the one the verifier was made from.
    #[error("PASSWORD_CLAIM_SIGNATURE does not match")]
    SignatureMismatch,
    /// A `TIMESTAMP` not of the form `Mon Feb 3 08:05:09 UTC 2025`.
    #[error("TIMESTAMP `{0}` is not of the form `Mon Feb 3 08:05:09 UTC 2025`")]
    InvalidTimestamp(String),
    /// The big-number backend (aws-lc) failed, which only memory exhaustion should cause.
    #[error("the big-number backend failed (out of memory?)")]
    Backend,
}
