//! Verify Amazon Cognito user-pool JWTs on an API server: every Cognito claim rule, a JWKS cache
//! that cannot be turned against the identity provider, an optional cache of verified tokens, and
//! a tower layer with extractors for axum.
//!
//! ```no_run
//! use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool};
//!
//! # async fn demo(token: &str) -> Result<(), cognate_verify::VerifyError> {
//! let verifier = CognitoJwtVerifier::builder()
//!     .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.client_id("4k9example"))
//!     .token_use(TokenUse::Access)
//!     .build()?;
//!
//! match verifier.verify(token).await {
//!     Ok(claims) => println!("hello {}", claims.subject()),
//!     // Every error names the check that failed.
//!     Err(e) => println!("rejected ({}): {e}", e.check()),
//! }
//! # Ok(()) }
//! ```
//!
//! # What is checked
//!
//! In order, the first failure being the error ([`VerifyError`]):
//!
//! 1. **size**: at most 16 KiB by default, before any other work;
//! 2. **structure**: three segments; a five-segment JWE (a Cognito refresh token) is
//!    [`VerifyError::RefreshToken`];
//! 3. **base64url**: unpadded, URL-safe alphabet, canonical (no stray trailing bits);
//! 4. **JSON**: header and payload are each one object, with no key twice at any depth;
//! 5. **alg**: exactly `RS256`; `none`, HMAC and everything else fail, and the verification
//!    algorithm never comes from the token or the key;
//! 6. **crit**: refused; **kid**: present;
//! 7. **iss**: byte-for-byte one of the configured issuers, which alone decide where keys come
//!    from;
//! 8. **JWK**: the `kid` is in that issuer's JWKS (fetched and cached, refetched on an unknown
//!    `kid` at most every 10 s), with `kty: RSA` and, when present, `use: sig`, `alg: RS256`;
//! 9. **signature**: RSASSA-PKCS1-v1_5 with SHA-256, with a 2048–8192-bit key;
//! 10. **token_use**: `access` or `id` as configured; `refresh` is [`VerifyError::RefreshToken`];
//! 11. **exp**, **nbf**, **iat**: with the configured clock-skew grace;
//! 12. **client**: `client_id` (access tokens) or `aud` (ID tokens) is an allowed app client;
//! 13. **groups** (any of), **scopes** (all of, or any of);
//! 14. when configured: the **principal** (a user's token or an app client's machine-to-machine
//!     token), the RFC 8707 **aud** of access tokens, step-up **acr**, **amr** and
//!     **auth_time** with a maximum age; then your **custom** check.
//!
//! # Speed
//!
//! The signature is checked with aws-lc's RSA against a key parsed once per JWKS fetch; the
//! rest (strict base64url and JSON, the claim checks) adds about a microsecond. With
//! [`cache_verified_tokens`](CognitoJwtVerifierBuilder::cache_verified_tokens), a token seen
//! before costs a SHA-256 and a map lookup. `benches/compare.sh` measures both against
//! aws-jwt-verify.
//!
//! # Features
//!
//! - `axum` (default): [`axum::CognitoAuthLayer`] and extractors for [`Claims`],
//!   [`AccessClaims`] and [`IdClaims`].
//! - `reqwest` (default): [`HttpFetcher`], the HTTPS JWKS fetcher. Without it, pass your own
//!   [`JwksFetcher`].

mod claims;
mod clock;
mod error;
mod jwk;
mod jwks;
mod oidc;
mod requirements;
mod rsa_ifma;
mod scan;
mod strict;
mod token;
mod token_cache;
mod verifier;

#[cfg(feature = "axum")]
pub mod axum;

pub use claims::{AccessClaims, Claims, IdClaims, TokenUse};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{KeyProblem, Part, VerifyError};
pub use jwk::{Jwks, MAX_JWKS_LEN};
#[cfg(feature = "reqwest")]
pub use jwks::HttpFetcher;
pub use jwks::{FetchFuture, FetchResult, JwksCache, JwksCacheBuilder, JwksFetcher};
pub use oidc::at_hash;
pub use requirements::Principal;
pub use token::{DEFAULT_MAX_TOKEN_LEN, UnverifiedToken};
pub use token_cache::TokenCacheStats;
pub use verifier::{
    CognitoJwtVerifier, CognitoJwtVerifierBuilder, CustomCheck, Hydrated, UserPool,
};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
