//! [`CognitoJwtVerifierBuilder`]: the pools, the token use, the claim requirements, the clock
//! and the key cache of a verifier, checked when it is built.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::claims::{Claims, TokenUse};
use crate::clock::{Clock, SystemClock};
use crate::error::VerifyError;
use crate::jwks::{JwksCache, JwksFetcher};
use crate::requirements::Requirements;
use crate::token::DEFAULT_MAX_TOKEN_LEN;
use crate::token_cache::TokenCache;

use super::issuers::IssuerEntry;
use super::settings::{CustomCheck, Settings};
use super::user_pool::{Clients, UserPool};

/// Settings for a [`CognitoJwtVerifier`](crate::CognitoJwtVerifier); see
/// [`CognitoJwtVerifier::builder`](crate::CognitoJwtVerifier::builder).
pub struct CognitoJwtVerifierBuilder {
    pools: Vec<UserPool>,
    token_use: Option<Option<TokenUse>>,
    groups: Vec<String>,
    all_scopes: Vec<String>,
    any_scopes: Vec<String>,
    pub(crate) requirements: Requirements,
    grace: Duration,
    custom: Option<Arc<CustomCheck>>,
    clock: Option<Arc<dyn Clock>>,
    max_len: usize,
    token_cache: Option<usize>,
    jwks_cache: Option<JwksCache>,
    fetcher: Option<Box<dyn FnOnce() -> crate::jwks::JwksCacheBuilder + Send>>,
    min_refetch_interval: Option<Duration>,
    fetch_timeout: Option<Duration>,
}

impl fmt::Debug for CognitoJwtVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoJwtVerifierBuilder")
            .field("pools", &self.pools)
            .field("token_use", &self.token_use)
            .finish_non_exhaustive()
    }
}

impl CognitoJwtVerifierBuilder {
    /// No pool, no token use chosen, no requirements: see
    /// [`CognitoJwtVerifier::builder`](crate::CognitoJwtVerifier::builder).
    pub(super) fn new() -> Self {
        CognitoJwtVerifierBuilder {
            pools: Vec::new(),
            token_use: None,
            groups: Vec::new(),
            all_scopes: Vec::new(),
            any_scopes: Vec::new(),
            requirements: Requirements::default(),
            grace: Duration::ZERO,
            custom: None,
            clock: None,
            max_len: DEFAULT_MAX_TOKEN_LEN,
            token_cache: None,
            jwks_cache: None,
            fetcher: None,
            min_refetch_interval: None,
            fetch_timeout: None,
        }
    }

    /// Accepts tokens of this pool (call again for more pools).
    pub fn user_pool(mut self, pool: UserPool) -> Self {
        self.pools.push(pool);
        self
    }

    /// Accepts only access tokens, or only ID tokens. A verifier must say this or
    /// [`any_token_use`](Self::any_token_use).
    pub fn token_use(mut self, token_use: TokenUse) -> Self {
        self.token_use = Some(Some(token_use));
        self
    }

    /// Accepts both access and ID tokens.
    pub fn any_token_use(mut self) -> Self {
        self.token_use = Some(None);
        self
    }

    /// Requires the token to be in at least one of these `cognito:groups`.
    pub fn require_any_group<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Requires every one of these scopes in `scope` (ID tokens have no scopes, so they fail).
    pub fn require_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.all_scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Requires at least one of these scopes in `scope`.
    pub fn require_any_scope<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.any_scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Grace for clocks that disagree (default none): a token is accepted until `exp` + grace,
    /// from `nbf` − grace, and with `iat` up to grace in the future. Whole seconds.
    pub fn clock_skew(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// A check of your own, run last, also on tokens served from the verified-token cache.
    pub fn custom_check<F>(mut self, check: F) -> Self
    where
        F: Fn(&Claims) -> Result<(), String> + Send + Sync + 'static,
    {
        self.custom = Some(Arc::new(check));
        self
    }

    /// The clock (default: the system clock). Also used for the JWKS refetch interval unless a
    /// shared [`JwksCache`] is given.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Rejects tokens longer than this many bytes before any other work (default 16 KiB).
    pub fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Keeps up to `capacity` verified tokens, keyed by their SHA-256, until their `exp`: a
    /// repeated token then costs a hash and a lookup instead of parsing and an RSA verification.
    /// Off by default. A cached token stops being accepted when its key leaves the JWKS.
    pub fn cache_verified_tokens(mut self, capacity: usize) -> Self {
        self.token_cache = (capacity > 0).then_some(capacity);
        self
    }

    /// Shares a key cache with other verifiers (its own fetcher, clock and intervals apply).
    pub fn jwks_cache(mut self, cache: JwksCache) -> Self {
        self.jwks_cache = Some(cache);
        self
    }

    /// Fetches JWKS documents with `fetcher` instead of the default HTTPS client.
    pub fn jwks_fetcher(mut self, fetcher: impl JwksFetcher) -> Self {
        self.fetcher = Some(Box::new(move || JwksCache::builder(fetcher)));
        self
    }

    /// The least time between two fetches of one issuer's keys on unknown `kid`s (default 10 s).
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = Some(interval);
        self
    }

    /// How long one JWKS fetch may take (default 5 s).
    pub fn jwks_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = Some(timeout);
        self
    }

    /// Checks the settings and assembles what the verifier holds; see
    /// [`build`](crate::CognitoJwtVerifierBuilder::build).
    pub(super) fn settings(self) -> Result<Settings, VerifyError> {
        if self.pools.is_empty() {
            return Err(VerifyError::Config("no user pool configured".into()));
        }
        let Some(token_use) = self.token_use else {
            return Err(VerifyError::Config(
                "say which tokens to accept: token_use(TokenUse::Access), token_use(TokenUse::Id) or any_token_use()".into(),
            ));
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let jwks = match self.jwks_cache {
            Some(cache) => {
                if self.fetcher.is_some()
                    || self.min_refetch_interval.is_some()
                    || self.fetch_timeout.is_some()
                {
                    return Err(VerifyError::Config(
                        "jwks_cache() brings its own fetcher and intervals; configure them on the JwksCache".into(),
                    ));
                }
                cache
            }
            None => {
                let mut builder = match self.fetcher {
                    Some(make) => make(),
                    None => default_cache_builder()?,
                };
                builder = builder.clock_arc(clock.clone());
                if let Some(interval) = self.min_refetch_interval {
                    builder = builder.min_refetch_interval(interval);
                }
                if let Some(timeout) = self.fetch_timeout {
                    builder = builder.fetch_timeout(timeout);
                }
                builder.build()
            }
        };
        let mut issuers: Vec<IssuerEntry> = Vec::new();
        let mut pools = Vec::with_capacity(self.pools.len());
        for (index, pool) in self.pools.into_iter().enumerate() {
            match &pool.clients {
                Clients::Unset => {
                    return Err(VerifyError::Config(format!(
                        "say which app clients of {} to accept: client_id(..) or any_client()",
                        pool.issuers.first().map_or("", |(iss, _)| iss.as_str())
                    )));
                }
                Clients::Listed(ids) if ids.is_empty() => {
                    return Err(VerifyError::Config("an empty list of client ids".into()));
                }
                _ => {}
            }
            for (issuer, jwks_url) in &pool.issuers {
                if issuers.iter().any(|e| &*e.issuer == issuer) {
                    return Err(VerifyError::Config(format!(
                        "the issuer {issuer} is configured twice"
                    )));
                }
                issuers.push(IssuerEntry {
                    issuer: issuer.as_str().into(),
                    pool: index,
                    keys: jwks.issuer(issuer, jwks_url),
                });
            }
            pools.push(pool.clients);
        }
        let grace = i64::try_from(self.grace.as_secs()).unwrap_or(i64::MAX);
        Ok(Settings {
            issuers,
            pools,
            token_use,
            groups: self.groups,
            all_scopes: self.all_scopes,
            any_scopes: self.any_scopes,
            requirements: self.requirements,
            grace,
            custom: self.custom,
            clock,
            max_len: self.max_len,
            token_cache: self.token_cache.map(TokenCache::new),
            jwks,
        })
    }
}

#[cfg(feature = "reqwest")]
fn default_cache_builder() -> Result<crate::jwks::JwksCacheBuilder, VerifyError> {
    Ok(JwksCache::builder(crate::jwks::HttpFetcher::new()?))
}

#[cfg(not(feature = "reqwest"))]
fn default_cache_builder() -> Result<crate::jwks::JwksCacheBuilder, VerifyError> {
    Err(VerifyError::Config(
        "without the `reqwest` feature, give a jwks_fetcher() or a jwks_cache()".into(),
    ))
}
