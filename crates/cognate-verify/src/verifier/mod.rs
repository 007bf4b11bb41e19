//! `CognitoJwtVerifier`: the checks, in order. Its parts: the [`UserPool`]s it accepts
//! (`user_pool`), the builder (`builder`), what a built verifier holds (`settings`), the
//! issuers with their key caches (`issuers`) and the claim checks (`claim_checks`).

mod builder;
mod claim_checks;
mod issuers;
mod settings;
mod user_pool;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::claims::{AccessClaims, Claims, IdClaims, TokenUse};
use crate::clock::unix_secs;
use crate::error::{VerifyError, clip};
use crate::jwk::{Jwks, RsaKey};
use crate::jwks::Cached;
use crate::scan::{self, Field, Payload};
use crate::token::Split;
use crate::token_cache::{Entry, TokenCache, TokenCacheStats, TokenHash};

pub use builder::CognitoJwtVerifierBuilder;
pub use issuers::Hydrated;
pub use settings::CustomCheck;
use settings::Settings;
pub use user_pool::UserPool;

/// Verifies Cognito access and ID tokens: structure, RS256 signature against the issuer's JWKS,
/// and every claim rule.
///
/// Cheap to clone; clones share keys and caches. Checks run in this order, and the first that
/// fails is the error: size, structure, base64url, JSON, `alg` (RS256 only), `crit`, `kid`,
/// `iss` (exactly a configured issuer: the token never chooses where keys come from), the JWK
/// (`kty`, `use`, `alg`), the signature, `token_use` (refresh tokens are rejected as such),
/// `exp`/`nbf`/`iat` with the clock-skew grace, the app client (`client_id` or `aud`), groups,
/// scopes, and your custom check.
///
/// ```no_run
/// use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool};
/// use std::time::Duration;
///
/// # async fn demo(token: &str) -> Result<(), cognate_verify::VerifyError> {
/// let verifier = CognitoJwtVerifier::builder()
///     .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.client_id("4k9example"))
///     .token_use(TokenUse::Access)
///     .require_any_group(["admins", "support"])
///     .require_scopes(["orders/read"])
///     .clock_skew(Duration::from_secs(5))
///     .custom_check(|claims| match claims.str_claim("username") {
///         Some("blocked-user") => Err("user is blocked".into()),
///         _ => Ok(()),
///     })
///     .cache_verified_tokens(10_000)
///     .build()?;
///
/// verifier.hydrate().await?; // fetch the keys at start-up
/// let claims = verifier.verify_access(token).await?;
/// println!("{} may read orders", claims.subject());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CognitoJwtVerifier {
    inner: Arc<Settings>,
}

impl fmt::Debug for CognitoJwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoJwtVerifier")
            .field(
                "issuers",
                &self
                    .inner
                    .issuers
                    .iter()
                    .map(|i| &*i.issuer)
                    .collect::<Vec<_>>(),
            )
            .field("token_use", &self.inner.token_use)
            .field("grace", &self.inner.grace)
            .field("token_cache", &self.inner.token_cache.is_some())
            .finish_non_exhaustive()
    }
}

impl CognitoJwtVerifierBuilder {
    /// The verifier, or a [`VerifyError::Config`] saying what is missing.
    pub fn build(self) -> Result<CognitoJwtVerifier, VerifyError> {
        Ok(CognitoJwtVerifier {
            inner: Arc::new(self.settings()?),
        })
    }
}

enum Begin<'t> {
    Cached(Claims),
    Split(Split<'t>, Option<TokenHash>),
}

impl CognitoJwtVerifier {
    /// Settings for a verifier. At least one [`UserPool`] (with its app clients) and a
    /// [`TokenUse`] choice are required.
    pub fn builder() -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::new()
    }

    /// Verifies `token`, fetching the issuer's keys if they are not cached or lack its `kid`.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let (split, hash) = match self.begin(token)? {
            Begin::Cached(claims) => return Ok(claims),
            Begin::Split(split, hash) => (split, hash),
        };
        let payload = scan::payload(&split.payload)?;
        let issuer = issuers::issuer_of(&self.inner.issuers, &payload)?;
        let keys = &self.inner.issuers[issuer].keys;
        let key = self
            .inner
            .jwks
            .key(keys, split.kid().unwrap_or_default())
            .await?;
        self.finish(&split, &payload, issuer, key, hash)
    }

    /// Verifies `token` with the keys already cached, without any I/O: a token whose issuer has no
    /// cached set fails with [`VerifyError::JwksNotCached`], an unknown `kid` with
    /// [`VerifyError::UnknownKid`]. Call [`hydrate`](Self::hydrate) at start-up to use this.
    pub fn verify_sync(&self, token: &str) -> Result<Claims, VerifyError> {
        let (split, hash) = match self.begin(token)? {
            Begin::Cached(claims) => return Ok(claims),
            Begin::Split(split, hash) => (split, hash),
        };
        let payload = scan::payload(&split.payload)?;
        let issuer = issuers::issuer_of(&self.inner.issuers, &payload)?;
        let keys = &self.inner.issuers[issuer].keys;
        let kid = split.kid().unwrap_or_default();
        let key = match keys.cached(kid) {
            Cached::Found(key) => key,
            Cached::Unusable(problem) => return Err(keys.unusable(kid, problem)),
            Cached::Missing => {
                return Err(VerifyError::UnknownKid {
                    issuer: keys.issuer().to_owned(),
                    kid: clip(kid),
                });
            }
            Cached::NoSet => {
                return Err(VerifyError::JwksNotCached {
                    issuer: keys.issuer().to_owned(),
                });
            }
        };
        self.finish(&split, &payload, issuer, key, hash)
    }

    /// [`verify`](Self::verify), then requires an access token.
    pub async fn verify_access(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let claims = self.verify(token).await?;
        let found = claims.token_use();
        claims.into_access().ok_or(VerifyError::TokenUse {
            expected: "access",
            found: found.as_str().to_owned(),
        })
    }

    /// [`verify`](Self::verify), then requires an ID token.
    pub async fn verify_id(&self, token: &str) -> Result<IdClaims, VerifyError> {
        let claims = self.verify(token).await?;
        let found = claims.token_use();
        claims.into_id().ok_or(VerifyError::TokenUse {
            expected: "id",
            found: found.as_str().to_owned(),
        })
    }

    /// Fetches the keys of every configured issuer that has none cached (ignoring the refetch
    /// interval), one issuer after the other.
    ///
    /// One unreachable pool does not fail the verifier: the answer is `Ok` as long as at least
    /// one pool has keys, with the issuers that failed listed in [`Hydrated::failures`] (their
    /// tokens fetch again on demand, at most once per refetch interval). It is an `Err`, the
    /// first issuer's error, only when no pool has any keys.
    ///
    /// ```no_run
    /// # async fn demo(verifier: cognate_verify::CognitoJwtVerifier) -> Result<(), cognate_verify::VerifyError> {
    /// let hydrated = verifier.hydrate().await?;
    /// for (issuer, error) in hydrated.failures() {
    ///     eprintln!("no keys yet for {issuer}: {error}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn hydrate(&self) -> Result<Hydrated, VerifyError> {
        let inner = &*self.inner;
        issuers::hydrate(&inner.issuers, inner.pools.len(), &inner.jwks).await
    }

    /// Caches `jwks` as the key set of `issuer` (one of [`issuers`](Self::issuers)), as if it
    /// had been fetched.
    pub fn cache_jwks(&self, issuer: &str, jwks: Jwks) -> Result<(), VerifyError> {
        let entry = issuers::find(&self.inner.issuers, issuer).ok_or_else(|| {
            VerifyError::Config(format!("{issuer} is not an issuer of this verifier"))
        })?;
        entry.keys.store_jwks(jwks);
        Ok(())
    }

    /// The accepted issuers, in configuration order.
    pub fn issuers(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.issuers.iter().map(|e| &*e.issuer)
    }

    /// Size check, the verified-token cache, splitting and decoding, and the header checks.
    fn begin<'t>(&self, token: &'t str) -> Result<Begin<'t>, VerifyError> {
        let inner = &*self.inner;
        if token.len() > inner.max_len {
            return Err(VerifyError::TooLarge {
                len: token.len(),
                max: inner.max_len,
            });
        }
        let hash = match &inner.token_cache {
            None => None,
            Some(cache) => {
                let hash = TokenCache::hash(token);
                if let Some(entry) = cache.get(&hash, unix_secs(&*inner.clock)) {
                    if inner.issuers[entry.issuer]
                        .keys
                        .is_current(&entry.kid, &entry.key)
                    {
                        cache.count(true);
                        if inner.requirements.time_dependent() {
                            let auth_time = entry.claims.auth_time().map(Field::Int);
                            inner.requirements.check_age(
                                auth_time.as_ref(),
                                unix_secs(&*inner.clock),
                                inner.grace,
                            )?;
                        }
                        self.inner.custom_check(&entry.claims)?;
                        return Ok(Begin::Cached(entry.claims.clone()));
                    }
                    cache.remove(&hash);
                }
                cache.count(false);
                Some(hash)
            }
        };

        let split = Split::new(token, inner.max_len)?;
        match split.header.get("alg") {
            Some(Value::String(alg)) if alg == "RS256" => {}
            Some(Value::String(alg)) => return Err(VerifyError::Algorithm { alg: clip(alg) }),
            _ => {
                return Err(VerifyError::Algorithm { alg: String::new() });
            }
        }
        if split.header.contains_key("crit") {
            return Err(VerifyError::CriticalHeader);
        }
        if split.kid().is_none() {
            return Err(VerifyError::MissingKid);
        }
        Ok(Begin::Split(split, hash))
    }

    /// The signature, then the claims.
    fn finish(
        &self,
        split: &Split<'_>,
        payload: &Payload<'_>,
        issuer: usize,
        key: Arc<RsaKey>,
        hash: Option<TokenHash>,
    ) -> Result<Claims, VerifyError> {
        let inner = &*self.inner;
        key.verify(split.signing_input.as_bytes(), &split.signature)?;

        let standard = Claims::read_standard(payload)?;
        if let Some(expected) = inner.token_use
            && standard.token_use != expected
        {
            return Err(VerifyError::TokenUse {
                expected: expected.as_str(),
                found: standard.token_use.as_str().to_owned(),
            });
        }
        let now = unix_secs(&*inner.clock);
        inner.check_times(&standard, now)?;
        let client_id = inner.check_client(payload, &standard, issuer)?;
        inner.check_groups_and_scopes(payload)?;
        inner.requirements.check(
            payload,
            standard.token_use == TokenUse::Access,
            now,
            inner.grace,
        )?;

        // The scan accepted the bytes as JSON, so they are UTF-8.
        let raw = String::from_utf8(split.payload.clone()).map_err(|_| VerifyError::Json {
            part: crate::error::Part::Payload,
            reason: "not UTF-8".into(),
        })?;
        let entry = &inner.issuers[issuer];
        let claims = Claims::new(raw, payload, &standard, entry.issuer.clone(), client_id);
        self.inner.custom_check(&claims)?;
        if let (Some(cache), Some(hash)) = (&inner.token_cache, hash) {
            cache.insert(
                hash,
                Entry {
                    claims: claims.clone(),
                    issuer,
                    kid: split.kid().unwrap_or_default().into(),
                    key,
                    dies_at: standard.exp.saturating_add(inner.grace),
                },
                now,
            );
        }
        Ok(claims)
    }

    /// The scopes every token must carry ([`require_scopes`](CognitoJwtVerifierBuilder::require_scopes)).
    pub fn required_scopes(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.all_scopes.iter().map(String::as_str)
    }

    /// Counters of the verified-token cache, if it is on.
    pub fn token_cache_stats(&self) -> Option<TokenCacheStats> {
        self.inner.token_cache.as_ref().map(TokenCache::stats)
    }
}
