//! `CognitoJwtVerifier`: the checks, in order, and their configuration.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::claims::{AccessClaims, Claims, IdClaims, Standard, TokenUse};
use crate::clock::{Clock, SystemClock, unix_secs};
use crate::error::{VerifyError, clip};
use crate::jwk::{Jwks, RsaKey};
use crate::jwks::{Cached, IssuerKeys, JwksCache, JwksFetcher};
use crate::requirements::Requirements;
use crate::scan::{self, Field, Payload};
use crate::token::{DEFAULT_MAX_TOKEN_LEN, Split};
use crate::token_cache::{Entry, TokenCache, TokenCacheStats, TokenHash};

/// A Cognito user pool (or another issuer of Cognito-shaped tokens) and the app clients whose
/// tokens it accepts.
///
/// ```
/// use cognate_verify::UserPool;
///
/// // A Cognito pool: accepts both issuer forms,
/// // https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ and
/// // https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ,
/// // each with its JWKS at {issuer}/.well-known/jwks.json.
/// let pool = UserPool::new("eu-west-1_AbC123xyZ")?.client_id("4k9example");
/// assert_eq!(pool.issuers().count(), 2);
///
/// // A local Cognito (cognate serve, moto): an explicit issuer, and a JWKS URL if it is not
/// // {issuer}/.well-known/jwks.json.
/// let local = UserPool::from_issuer("http://127.0.0.1:9229/us-east-1_Local1")
///     .jwks_url("http://127.0.0.1:9229/us-east-1_Local1/.well-known/jwks.json")
///     .client_ids(["client-a", "client-b"]);
/// # let _ = local;
/// # Ok::<(), cognate_verify::VerifyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct UserPool {
    issuers: Vec<(String, String)>,
    clients: Clients,
}

#[derive(Debug, Clone)]
enum Clients {
    Unset,
    Any,
    Listed(Vec<String>),
}

impl UserPool {
    /// A Cognito user pool by id (`{region}_{suffix}`, for example `us-east-1_AbC123xyZ`).
    ///
    /// Both issuer forms are accepted, `https://cognito-idp.{region}.amazonaws.com/{id}` (the
    /// original) and `https://issuer-cognito-idp.{region}.amazonaws.com/{id}` (the updated form,
    /// for multi-Region pools), each with its own cached JWKS (`.amazonaws.com.cn` in China
    /// regions). Use [`from_issuer`](Self::from_issuer) to accept only one.
    ///
    /// A multi-Region pool's replicas share its id, and its updated issuer names the primary
    /// Region (the `{region}` of the id) whichever replica signed the token, so this one
    /// `UserPool` covers them; an issuer naming another Region is refused.
    pub fn new(pool_id: &str) -> Result<Self, VerifyError> {
        let Some((region, suffix)) = pool_id.split_once('_') else {
            return Err(VerifyError::Config(format!(
                "{pool_id:?} is not a user pool id ({{region}}_{{suffix}})"
            )));
        };
        let region_ok = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let suffix_ok = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric());
        if !region_ok || !suffix_ok {
            return Err(VerifyError::Config(format!(
                "{pool_id:?} is not a user pool id ({{region}}_{{suffix}})"
            )));
        }
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let issuers = ["cognito-idp", "issuer-cognito-idp"]
            .into_iter()
            .map(|host| {
                let iss = format!("https://{host}.{region}.{domain}/{pool_id}");
                let jwks = format!("{iss}/.well-known/jwks.json");
                (iss, jwks)
            })
            .collect();
        Ok(UserPool {
            issuers,
            clients: Clients::Unset,
        })
    }

    /// An issuer given exactly (compared byte for byte with `iss`), with its JWKS at
    /// `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) says otherwise.
    pub fn from_issuer(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        let jwks = format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'));
        UserPool {
            issuers: vec![(issuer, jwks)],
            clients: Clients::Unset,
        }
    }

    /// Fetches keys from `url` instead of `{issuer}/.well-known/jwks.json` (for every issuer
    /// form of this pool).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        for (_, jwks) in &mut self.issuers {
            jwks.clone_from(&url);
        }
        self
    }

    /// Accepts tokens of this app client (may be called several times).
    pub fn client_id(self, client_id: impl Into<String>) -> Self {
        self.client_ids([client_id])
    }

    /// Accepts tokens of these app clients.
    pub fn client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut listed = match self.clients {
            Clients::Listed(listed) => listed,
            Clients::Unset | Clients::Any => Vec::new(),
        };
        listed.extend(client_ids.into_iter().map(Into::into));
        self.clients = Clients::Listed(listed);
        self
    }

    /// Accepts tokens of every app client of the pool. A verifier must say either this or which
    /// clients it accepts.
    pub fn any_client(mut self) -> Self {
        self.clients = Clients::Any;
        self
    }

    /// The issuers (`iss` values) this pool accepts.
    pub fn issuers(&self) -> impl Iterator<Item = &str> + '_ {
        self.issuers.iter().map(|(iss, _)| iss.as_str())
    }
}

/// A check of your own, run after all the built-in ones; return `Err(reason)` to reject.
pub type CustomCheck = dyn Fn(&Claims) -> Result<(), String> + Send + Sync;

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
    inner: Arc<Inner>,
}

struct Inner {
    issuers: Vec<IssuerEntry>,
    pools: Vec<Clients>,
    token_use: Option<TokenUse>,
    groups: Vec<String>,
    all_scopes: Vec<String>,
    any_scopes: Vec<String>,
    requirements: Requirements,
    grace: i64,
    custom: Option<Arc<CustomCheck>>,
    clock: Arc<dyn Clock>,
    max_len: usize,
    token_cache: Option<TokenCache>,
    jwks: JwksCache,
}

struct IssuerEntry {
    issuer: Arc<str>,
    pool: usize,
    keys: Arc<IssuerKeys>,
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

/// Settings for a [`CognitoJwtVerifier`]; see [`CognitoJwtVerifier::builder`].
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

    /// The verifier, or a [`VerifyError::Config`] saying what is missing.
    pub fn build(self) -> Result<CognitoJwtVerifier, VerifyError> {
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
        Ok(CognitoJwtVerifier {
            inner: Arc::new(Inner {
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
            }),
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

/// What [`CognitoJwtVerifier::hydrate`] achieved: the pools whose keys could not be fetched.
#[derive(Debug, Clone, Default)]
pub struct Hydrated {
    failures: Vec<(String, VerifyError)>,
}

impl Hydrated {
    /// The issuers of pools that have no keys yet, each with its error. Empty when every pool
    /// has keys.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &VerifyError)> + '_ {
        self.failures.iter().map(|(i, e)| (i.as_str(), e))
    }

    /// Whether every pool has keys.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
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

    /// Verifies `token`, fetching the issuer's keys if they are not cached or lack its `kid`.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let (split, hash) = match self.begin(token)? {
            Begin::Cached(claims) => return Ok(claims),
            Begin::Split(split, hash) => (split, hash),
        };
        let payload = scan::payload(&split.payload)?;
        let issuer = self.issuer_of(&payload)?;
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
        let issuer = self.issuer_of(&payload)?;
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
        let mut pool_ok = vec![false; self.inner.pools.len()];
        let mut failures = Vec::new();
        for entry in &self.inner.issuers {
            match self.inner.jwks.hydrate(&entry.keys).await {
                Ok(()) => pool_ok[entry.pool] = true,
                Err(e) => failures.push((entry.issuer.to_string(), e)),
            }
        }
        if pool_ok.contains(&true) {
            // An issuer form that failed while another form of its pool has keys is no loss.
            failures.retain(|(issuer, _)| {
                self.inner
                    .issuers
                    .iter()
                    .find(|e| &*e.issuer == issuer)
                    .is_some_and(|e| !pool_ok[e.pool])
            });
            return Ok(Hydrated { failures });
        }
        Err(failures.into_iter().next().map_or_else(
            || VerifyError::Config("no issuer to hydrate".into()),
            |(_, e)| e,
        ))
    }

    /// Caches `jwks` as the key set of `issuer` (one of [`issuers`](Self::issuers)), as if it
    /// had been fetched.
    pub fn cache_jwks(&self, issuer: &str, jwks: Jwks) -> Result<(), VerifyError> {
        let entry = self
            .inner
            .issuers
            .iter()
            .find(|e| &*e.issuer == issuer)
            .ok_or_else(|| {
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
                        self.custom_check(&entry.claims)?;
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

    /// `iss`: exactly one of the configured issuers; returns its index.
    fn issuer_of(&self, payload: &Payload<'_>) -> Result<usize, VerifyError> {
        let iss = match &payload.iss {
            Some(Field::Str(iss)) => iss,
            Some(_) => {
                return Err(VerifyError::InvalidClaim {
                    claim: "iss",
                    expected: "a string",
                });
            }
            None => return Err(VerifyError::MissingClaim { claim: "iss" }),
        };
        self.inner
            .issuers
            .iter()
            .position(|e| *e.issuer == **iss)
            .ok_or_else(|| VerifyError::Issuer { iss: clip(iss) })
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
        self.check_times(&standard, now)?;
        let client_id = self.check_client(payload, &standard, issuer)?;
        self.check_groups_and_scopes(payload)?;
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
        self.custom_check(&claims)?;
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

    fn check_times(&self, standard: &Standard, now: i64) -> Result<(), VerifyError> {
        let grace = self.inner.grace;
        if now >= standard.exp.saturating_add(grace) {
            return Err(VerifyError::Expired {
                exp: standard.exp,
                now,
            });
        }
        if let Some(nbf) = standard.nbf
            && nbf > now.saturating_add(grace)
        {
            return Err(VerifyError::NotYetValid { nbf, now });
        }
        if let Some(iat) = standard.iat
            && iat > now.saturating_add(grace)
        {
            return Err(VerifyError::IssuedInFuture { iat, now });
        }
        Ok(())
    }

    /// The app client: `client_id` of an access token, `aud` (a string or an array) of an ID
    /// token. Returns the accepted client id.
    fn check_client(
        &self,
        payload: &Payload<'_>,
        standard: &Standard,
        issuer: usize,
    ) -> Result<String, VerifyError> {
        let clients = &self.inner.pools[self.inner.issuers[issuer].pool];
        let allowed = |id: &str| match clients {
            Clients::Any => true,
            Clients::Listed(ids) => ids.iter().any(|allowed| allowed == id),
            Clients::Unset => false,
        };
        let (claim, field, expected) = match standard.token_use {
            TokenUse::Access => ("client_id", &payload.client_id, "a string"),
            TokenUse::Id => ("aud", &payload.aud, "a string or an array of strings"),
        };
        match field {
            None => Err(VerifyError::MissingClaim { claim }),
            Some(Field::Str(id)) if allowed(id) => Ok(id.as_ref().to_owned()),
            Some(Field::Str(id)) => Err(VerifyError::ClientId {
                client_id: clip(id),
            }),
            Some(Field::Strings(ids)) if standard.token_use == TokenUse::Id && !ids.is_empty() => {
                match ids.iter().find(|id| allowed(id)) {
                    Some(id) => Ok(id.as_ref().to_owned()),
                    None => Err(VerifyError::ClientId {
                        client_id: clip(&ids.join(" ")),
                    }),
                }
            }
            Some(_) => Err(VerifyError::InvalidClaim { claim, expected }),
        }
    }

    fn check_groups_and_scopes(&self, payload: &Payload<'_>) -> Result<(), VerifyError> {
        let inner = &*self.inner;
        if !inner.groups.is_empty() {
            let groups: &[std::borrow::Cow<'_, str>] = match &payload.groups {
                None => &[],
                Some(Field::Strings(groups)) => groups,
                Some(_) => {
                    return Err(VerifyError::InvalidClaim {
                        claim: "cognito:groups",
                        expected: "an array of strings",
                    });
                }
            };
            let member = groups
                .iter()
                .any(|g| inner.groups.iter().any(|required| required == g));
            if !member {
                return Err(VerifyError::Group);
            }
        }
        if !inner.all_scopes.is_empty() || !inner.any_scopes.is_empty() {
            let scope = match &payload.scope {
                None => "",
                Some(Field::Str(scope)) => scope.as_ref(),
                Some(_) => {
                    return Err(VerifyError::InvalidClaim {
                        claim: "scope",
                        expected: "a string",
                    });
                }
            };
            let has = |wanted: &String| scope.split_ascii_whitespace().any(|s| s == wanted);
            if !inner.all_scopes.iter().all(has) {
                return Err(VerifyError::Scope);
            }
            if !inner.any_scopes.is_empty() && !inner.any_scopes.iter().any(has) {
                return Err(VerifyError::Scope);
            }
        }
        Ok(())
    }

    fn custom_check(&self, claims: &Claims) -> Result<(), VerifyError> {
        match &self.inner.custom {
            None => Ok(()),
            Some(check) => check(claims).map_err(VerifyError::Custom),
        }
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
