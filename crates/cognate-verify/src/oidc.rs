//! OpenID Connect checks an app makes on the ID token of its own sign-in: `nonce` and `at_hash`.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::claims::IdClaims;
use crate::error::VerifyError;

/// The `at_hash` of an access token for an RS256 ID token (OpenID Connect Core 3.1.3.6): the
/// left half of the SHA-256 of its ASCII, base64url-encoded.
///
/// ```
/// // The example of OpenID Connect Core, appendix A.3 (with SHA-256).
/// let h = cognate_verify::at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y");
/// assert_eq!(h, "77QmUPtjPfzWtF2AnpK9RQ");
/// ```
pub fn at_hash(access_token: &str) -> String {
    let hash = digest(&SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16])
}

impl IdClaims {
    /// Checks that `nonce` is the one the app sent in its authorization request (an ID token
    /// from the authorization-code flow, replayed into another sign-in, fails).
    ///
    /// ```
    /// # fn demo(id: cognate_verify::IdClaims, sent: &str) -> Result<(), cognate_verify::VerifyError> {
    /// id.check_nonce(sent)?;
    /// # Ok(()) }
    /// ```
    pub fn check_nonce(&self, expected: &str) -> Result<(), VerifyError> {
        match self.str_claim("nonce") {
            Some(nonce) if constant_time_eq(nonce.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(VerifyError::Nonce),
        }
    }

    /// Checks that `at_hash` matches the access token issued with this ID token. An ID token
    /// without `at_hash` fails.
    pub fn check_at_hash(&self, access_token: &str) -> Result<(), VerifyError> {
        match self.str_claim("at_hash") {
            Some(h) if constant_time_eq(h.as_bytes(), at_hash(access_token).as_bytes()) => Ok(()),
            _ => Err(VerifyError::AtHash),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}
