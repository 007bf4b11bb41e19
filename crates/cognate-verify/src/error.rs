//! The one error type of this crate.

use std::fmt;

/// The part of a compact JWS a parsing error was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The first segment, the JOSE header.
    Header,
    /// The second segment, the claims.
    Payload,
    /// The third segment, the signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

/// Why a key in a JWKS cannot verify an RS256 token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// `use` is present and is not `sig` (for example `enc`).
    Use(String),
    /// `kty` is not `RSA`.
    KeyType(String),
    /// `alg` is present and is not `RS256`.
    Algorithm(String),
    /// `key_ops` is present and does not allow `verify`.
    KeyOps,
    /// `n` or `e` is missing or is not base64url.
    Encoding(&'static str),
    /// The modulus is outside 2048..=8192 bits.
    Size(usize),
    /// The RSA key was rejected by the crypto library.
    Rejected,
    /// Two keys in the set share this `kid`, so neither can be trusted to be the one meant.
    DuplicateKid,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::Use(u) => write!(f, "use is {u:?}, not \"sig\""),
            KeyProblem::KeyType(k) => write!(f, "kty is {k:?}, not \"RSA\""),
            KeyProblem::Algorithm(a) => write!(f, "alg is {a:?}, not \"RS256\""),
            KeyProblem::KeyOps => f.write_str("key_ops does not allow \"verify\""),
            KeyProblem::Encoding(what) => write!(f, "{what} is missing or not base64url"),
            KeyProblem::Size(bits) => write!(f, "modulus is {bits} bits, not 2048..=8192"),
            KeyProblem::Rejected => f.write_str("the RSA key is invalid"),
            KeyProblem::DuplicateKid => f.write_str("the kid appears more than once in the set"),
        }
    }
}

/// Everything that can go wrong while verifying a token or loading keys.
///
/// Each variant names the check that failed. [`VerifyError::check`] gives a short stable name for
/// logs and metrics. Strings that come from the token (issuer, kid, alg, …) are clipped to 80
/// characters, so an error is always safe to log.
///
/// ```
/// use cognate_verify::VerifyError;
///
/// let err = VerifyError::Expired { exp: 1_700_000_000, now: 1_700_000_100 };
/// assert_eq!(err.check(), "exp");
/// assert!(err.to_string().contains("expired"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than the verifier's size limit.
    #[error("size: token is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Length of the token in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The token is not three non-empty dot-separated segments.
    #[error("structure: {0}")]
    Malformed(&'static str),
    /// The token is a refresh token (Cognito's are encrypted, five-segment JWEs) or says
    /// `token_use: refresh`.
    #[error(
        "token_use: this is a refresh token (or another encrypted JWE); send an access or ID token"
    )]
    RefreshToken,
    /// A segment is not strict base64url: padding, characters outside the URL-safe alphabet, or
    /// non-zero trailing bits.
    #[error("base64url: the token {0} is not canonical unpadded base64url")]
    Base64(Part),
    /// A segment does not hold a single JSON object.
    #[error("json: the token {part} is not a JSON object: {reason}")]
    Json {
        /// Which segment.
        part: Part,
        /// What the parser said.
        reason: String,
    },
    /// A JSON object in the token has the same key twice.
    #[error("json: the token {part} has the key {key:?} more than once")]
    DuplicateKey {
        /// Which segment.
        part: Part,
        /// The repeated key (clipped).
        key: String,
    },
    /// `alg` is not `RS256` (for example `none` or `HS256`), or is missing.
    #[error("alg: {alg:?} is not accepted, only \"RS256\" is")]
    Algorithm {
        /// The header's `alg` (clipped), empty when missing.
        alg: String,
    },
    /// The header has a `crit` parameter; this verifier understands no extensions.
    #[error("crit: the header names critical extensions, none of which are supported")]
    CriticalHeader,
    /// The header has no `kid` (or it is not a string).
    #[error("kid: the header has no kid string")]
    MissingKid,
    /// The `kid` is not in the issuer's JWKS, even after a refetch (or a refetch was not allowed
    /// yet).
    #[error("kid: {kid:?} is not in the JWKS of {issuer}")]
    UnknownKid {
        /// The issuer whose key set was searched.
        issuer: String,
        /// The header's `kid` (clipped).
        kid: String,
    },
    /// The JWK with this `kid` cannot verify RS256 tokens.
    #[error("jwk: the key {kid:?} of {issuer} cannot be used: {problem}")]
    UnusableKey {
        /// The issuer.
        issuer: String,
        /// The key's `kid`.
        kid: String,
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// The RS256 signature does not verify with the issuer's key.
    #[error("signature: the RS256 signature does not verify")]
    Signature,
    /// `exp` has passed (including the grace).
    #[error("exp: the token expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The verifier's clock, in Unix seconds.
        now: i64,
    },
    /// `nbf` is still in the future (beyond the grace).
    #[error("nbf: the token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The `nbf` claim.
        nbf: i64,
        /// The verifier's clock, in Unix seconds.
        now: i64,
    },
    /// `iat` is in the future (beyond the grace).
    #[error("iat: the token was issued in the future, at {iat} (now {now})")]
    IssuedInFuture {
        /// The `iat` claim.
        iat: i64,
        /// The verifier's clock, in Unix seconds.
        now: i64,
    },
    /// A claim the checks need is absent.
    #[error("claims: {claim} is missing")]
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type.
    #[error("claims: {claim} is not {expected}")]
    InvalidClaim {
        /// The claim's name.
        claim: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// `iss` is not exactly one of the configured issuers.
    #[error("iss: {iss:?} is not an accepted issuer")]
    Issuer {
        /// The token's `iss` (clipped).
        iss: String,
    },
    /// `token_use` is not the expected one.
    #[error("token_use: expected {expected}, found {found:?}")]
    TokenUse {
        /// What the verifier accepts.
        expected: &'static str,
        /// The token's `token_use` (clipped).
        found: String,
    },
    /// The app client id (`client_id` of an access token, `aud` of an ID token) is not allowed.
    #[error("client_id: {client_id:?} is not an allowed app client of this user pool")]
    ClientId {
        /// The token's client id (clipped); several are joined with a space.
        client_id: String,
    },
    /// The token is in none of the required groups.
    #[error("groups: the token is in none of the required groups")]
    Group,
    /// The token lacks a required scope.
    #[error("scope: the token lacks a required scope")]
    Scope,
    /// The token speaks for the wrong kind of principal: an app client's (machine-to-machine)
    /// access token where a user's is required, or the reverse.
    #[error("principal: a {expected}'s token is required, this is a {found}'s")]
    Principal {
        /// What the verifier requires.
        expected: crate::Principal,
        /// What the token is.
        found: crate::Principal,
    },
    /// RFC 8707: the access token's `aud` names none of the accepted resources.
    #[error("aud: {aud:?} is not an accepted resource")]
    Audience {
        /// The token's `aud` (clipped); several are joined with a space.
        aud: String,
    },
    /// `acr` is not one of the accepted authentication context classes.
    #[error("acr: {acr:?} is not an accepted authentication context class")]
    Acr {
        /// The token's `acr` (clipped).
        acr: String,
    },
    /// `amr` lacks a required authentication method.
    #[error("amr: the token lacks a required authentication method")]
    Amr,
    /// The user signed in longer ago than the maximum age allows.
    #[error("auth_time: signed in at {auth_time}, more than {max_age} s before {now}")]
    AuthTooOld {
        /// The `auth_time` claim.
        auth_time: i64,
        /// The maximum age, in seconds.
        max_age: i64,
        /// The verifier's clock, in Unix seconds.
        now: i64,
    },
    /// An OpenID Connect ID token's `nonce` is missing or is not the one the sign-in sent.
    #[error("nonce: the ID token's nonce is missing or not the one sent")]
    Nonce,
    /// An OpenID Connect ID token's `at_hash` is missing or does not match the access token.
    #[error("at_hash: the ID token's at_hash does not match the access token")]
    AtHash,
    /// The custom claim check rejected the token.
    #[error("custom: {0}")]
    Custom(String),
    /// The JWKS could not be fetched and no keys are cached for the issuer.
    #[error("jwks: could not fetch the JWKS of {issuer}: {reason}")]
    JwksFetch {
        /// The issuer.
        issuer: String,
        /// What went wrong.
        reason: String,
    },
    /// The JWKS document is not a valid key set.
    #[error("jwks: the JWKS of {issuer} is invalid: {reason}")]
    JwksInvalid {
        /// The issuer.
        issuer: String,
        /// What is wrong with it.
        reason: String,
    },
    /// [`verify_sync`](crate::CognitoJwtVerifier::verify_sync) found no cached key set for the
    /// issuer; call [`hydrate`](crate::CognitoJwtVerifier::hydrate) first or use the async
    /// `verify`.
    #[error("jwks: no key set is cached for {issuer} yet (call hydrate() or verify())")]
    JwksNotCached {
        /// The issuer.
        issuer: String,
    },
    /// The verifier was configured wrongly.
    #[error("config: {0}")]
    Config(String),
}

impl VerifyError {
    /// A short, stable name of the check that failed: `size`, `structure`, `base64url`, `json`,
    /// `alg`, `crit`, `kid`, `jwk`, `signature`, `exp`, `nbf`, `iat`, `claims`, `iss`,
    /// `token_use`, `client_id`, `groups`, `scope`, `principal`, `aud`, `acr`, `amr`,
    /// `auth_time`, `nonce`, `at_hash`, `custom`, `jwks` or `config`.
    ///
    /// ```
    /// # use cognate_verify::VerifyError;
    /// assert_eq!(VerifyError::Signature.check(), "signature");
    /// assert_eq!(VerifyError::RefreshToken.check(), "token_use");
    /// ```
    pub fn check(&self) -> &'static str {
        match self {
            VerifyError::TooLarge { .. } => "size",
            VerifyError::Malformed(_) => "structure",
            VerifyError::RefreshToken | VerifyError::TokenUse { .. } => "token_use",
            VerifyError::Base64(_) => "base64url",
            VerifyError::Json { .. } | VerifyError::DuplicateKey { .. } => "json",
            VerifyError::Algorithm { .. } => "alg",
            VerifyError::CriticalHeader => "crit",
            VerifyError::MissingKid | VerifyError::UnknownKid { .. } => "kid",
            VerifyError::UnusableKey { .. } => "jwk",
            VerifyError::Signature => "signature",
            VerifyError::Expired { .. } => "exp",
            VerifyError::NotYetValid { .. } => "nbf",
            VerifyError::IssuedInFuture { .. } => "iat",
            VerifyError::MissingClaim { .. } | VerifyError::InvalidClaim { .. } => "claims",
            VerifyError::Issuer { .. } => "iss",
            VerifyError::ClientId { .. } => "client_id",
            VerifyError::Group => "groups",
            VerifyError::Scope => "scope",
            VerifyError::Principal { .. } => "principal",
            VerifyError::Audience { .. } => "aud",
            VerifyError::Acr { .. } => "acr",
            VerifyError::Amr => "amr",
            VerifyError::AuthTooOld { .. } => "auth_time",
            VerifyError::Nonce => "nonce",
            VerifyError::AtHash => "at_hash",
            VerifyError::Custom(_) => "custom",
            VerifyError::JwksFetch { .. }
            | VerifyError::JwksInvalid { .. }
            | VerifyError::JwksNotCached { .. } => "jwks",
            VerifyError::Config(_) => "config",
        }
    }

    /// True when the failure is on the server's side (the issuer's keys could not be had), not
    /// the token's: an HTTP server may answer 503 rather than 401.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            VerifyError::JwksFetch { .. }
                | VerifyError::JwksInvalid { .. }
                | VerifyError::JwksNotCached { .. }
        )
    }
}

/// Clips a string that came from a token so that errors stay small and safe to log.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_char_boundaries() {
        let long = "é".repeat(100);
        let clipped = clip(&long);
        assert!(clipped.len() <= 84);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("short"), "short");
    }
}
