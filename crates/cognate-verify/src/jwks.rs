//! The JWKS cache: one key set per JWKS URL, fetched on demand, refetched on an unknown `kid` at most
//! once per interval, old keys kept while a refetch fails.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{KeyProblem, VerifyError, clip};
use crate::jwk::{Jwks, RsaKey};

/// What a [`JwksFetcher`] returns: the body of the JWKS document, or why it could not be had.
pub type FetchResult = Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;

/// The future a [`JwksFetcher`] returns.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = FetchResult> + Send + 'a>>;

/// Fetches a JWKS document. The default, [`HttpFetcher`], uses reqwest; implement this to use
/// another client or to serve keys from memory.
///
/// ```
/// use cognate_verify::{FetchFuture, JwksFetcher};
///
/// #[derive(Debug)]
/// struct Static(&'static str);
///
/// impl JwksFetcher for Static {
///     fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
///         Box::pin(async move { Ok(self.0.as_bytes().to_vec()) })
///     }
/// }
/// ```
pub trait JwksFetcher: Send + Sync + fmt::Debug + 'static {
    /// GETs `url` and returns the body of a successful response.
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a>;
}

/// Fetches JWKS documents over HTTP(S) with reqwest (rustls with aws-lc): a 5 s timeout,
/// success statuses only, bodies up to 256 KiB.
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    client: reqwest::Client,
}

#[cfg(feature = "reqwest")]
impl HttpFetcher {
    /// A fetcher with its own client: 2 s to connect, 5 s in all.
    pub fn new() -> Result<Self, VerifyError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .user_agent(concat!("cognate-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VerifyError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpFetcher { client })
    }

    /// A fetcher using your client (its timeouts, proxy and TLS settings).
    pub fn with_client(client: reqwest::Client) -> Self {
        HttpFetcher { client }
    }
}

#[cfg(feature = "reqwest")]
impl JwksFetcher for HttpFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let mut response = self.client.get(url).send().await?.error_for_status()?;
            if response
                .content_length()
                .is_some_and(|len| len > crate::jwk::MAX_JWKS_LEN as u64)
            {
                return Err("the JWKS response is larger than 256 KiB".into());
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > crate::jwk::MAX_JWKS_LEN {
                    return Err("the JWKS response is larger than 256 KiB".into());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        })
    }
}

/// Key sets of one or more issuers, shared by the verifiers that hold a clone.
///
/// Keys are fetched the first time a token of an issuer arrives (or at [`hydrate`]), and again
/// when a token names a `kid` the cached set lacks, but at most once per
/// [`min_refetch_interval`](JwksCacheBuilder::min_refetch_interval) (10 s by default) per
/// JWKS URL, so a flood of made-up `kid`s costs the identity provider one request per interval.
/// Concurrent callers wait for one fetch rather than starting their own. A failed refetch keeps
/// the keys already cached. Nothing is ever fetched from a URL named by a token: only the
/// configured issuers' JWKS URLs.
///
/// [`hydrate`]: crate::CognitoJwtVerifier::hydrate
///
/// ```
/// use cognate_verify::{CognitoJwtVerifier, JwksCache, TokenUse, UserPool};
///
/// # #[cfg(feature = "reqwest")]
/// # fn demo() -> Result<(), cognate_verify::VerifyError> {
/// // Two verifiers (access and ID tokens of one pool) sharing one cache.
/// let cache = JwksCache::http()?;
/// let pool = UserPool::new("eu-west-1_AbC123xyZ")?.client_id("4k9example");
/// let access = CognitoJwtVerifier::builder()
///     .user_pool(pool.clone())
///     .token_use(TokenUse::Access)
///     .jwks_cache(cache.clone())
///     .build()?;
/// let id = CognitoJwtVerifier::builder()
///     .user_pool(pool)
///     .token_use(TokenUse::Id)
///     .jwks_cache(cache)
///     .build()?;
/// # let _ = (access, id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JwksCache {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    fetcher: Arc<dyn JwksFetcher>,
    clock: Arc<dyn Clock>,
    min_refetch_interval: Duration,
    fetch_timeout: Duration,
    /// By JWKS URL: issuers that share a URL (both forms of a pool given one `jwks_url`) share
    /// its keys and its refetch limit.
    issuers: Mutex<HashMap<String, Arc<IssuerKeys>>>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("fetcher", &self.inner.fetcher)
            .field("min_refetch_interval", &self.inner.min_refetch_interval)
            .field("fetch_timeout", &self.inner.fetch_timeout)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`JwksCache`].
#[derive(Debug)]
pub struct JwksCacheBuilder {
    fetcher: Arc<dyn JwksFetcher>,
    clock: Arc<dyn Clock>,
    min_refetch_interval: Duration,
    fetch_timeout: Duration,
}

impl JwksCacheBuilder {
    /// The least time between two fetches of one issuer's keys (default 10 s). [`hydrate`]
    /// ignores it.
    ///
    /// [`hydrate`]: crate::CognitoJwtVerifier::hydrate
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// How long one fetch may take before it counts as failed (default 5 s).
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// The clock the refetch interval is measured with (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub(crate) fn clock_arc(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The cache.
    pub fn build(self) -> JwksCache {
        JwksCache {
            inner: Arc::new(CacheInner {
                fetcher: self.fetcher,
                clock: self.clock,
                min_refetch_interval: self.min_refetch_interval,
                fetch_timeout: self.fetch_timeout,
                issuers: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl JwksCache {
    /// Settings for a cache that fetches with `fetcher`.
    pub fn builder(fetcher: impl JwksFetcher) -> JwksCacheBuilder {
        JwksCacheBuilder {
            fetcher: Arc::new(fetcher),
            clock: Arc::new(SystemClock),
            min_refetch_interval: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(5),
        }
    }

    /// A cache with the default settings, fetching over HTTPS with [`HttpFetcher`].
    #[cfg(feature = "reqwest")]
    pub fn http() -> Result<Self, VerifyError> {
        Ok(Self::builder(HttpFetcher::new()?).build())
    }

    /// Puts a key set in the cache, as if fetched from `jwks_url` for `issuer` (for start-up
    /// without network access, or keys you got elsewhere).
    pub fn insert(&self, issuer: &str, jwks_url: &str, jwks: Jwks) {
        self.issuer(issuer, jwks_url).store_jwks(jwks);
    }

    /// The state for `jwks_url` (named after the first issuer that used it in errors), created
    /// empty on first use.
    pub(crate) fn issuer(&self, issuer: &str, jwks_url: &str) -> Arc<IssuerKeys> {
        let mut issuers = self
            .inner
            .issuers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        issuers
            .entry(jwks_url.to_owned())
            .or_insert_with(|| {
                Arc::new(IssuerKeys {
                    issuer: issuer.to_owned(),
                    jwks_url: jwks_url.to_owned(),
                    keys: RwLock::new(None),
                    fetch: tokio::sync::Mutex::new(FetchState::default()),
                })
            })
            .clone()
    }

    /// The key for `kid`, fetching the issuer's set if it is not cached or lacks `kid` (subject
    /// to the refetch interval).
    pub(crate) async fn key(
        &self,
        issuer: &IssuerKeys,
        kid: &str,
    ) -> Result<Arc<RsaKey>, VerifyError> {
        match issuer.cached(kid) {
            Cached::Found(key) => return Ok(key),
            Cached::Unusable(problem) => return Err(issuer.unusable(kid, problem)),
            Cached::NoSet | Cached::Missing => {}
        }
        let mut state = issuer.fetch.lock().await;
        // Someone else may have fetched while we waited.
        match issuer.cached(kid) {
            Cached::Found(key) => return Ok(key),
            Cached::Unusable(problem) => return Err(issuer.unusable(kid, problem)),
            Cached::NoSet | Cached::Missing => {}
        }
        // With no set yet, any earlier attempt (it failed) starts the interval; with a set that
        // lacks the kid, the last refetch for an unknown kid does. The first fetch, and the first
        // refetch after it, are never held back.
        let now = self.inner.clock.now();
        let has_set = issuer.has_set();
        let last = if has_set {
            state.last_refetch
        } else {
            state.last_attempt
        };
        let interval = self.inner.min_refetch_interval;
        let too_soon = last.is_some_and(|last| now >= last && now - last < interval);
        if !too_soon {
            if has_set {
                state.last_refetch = Some(now);
            }
            self.fetch(issuer, &mut state).await;
        }
        match issuer.cached(kid) {
            Cached::Found(key) => Ok(key),
            Cached::Unusable(problem) => Err(issuer.unusable(kid, problem)),
            Cached::Missing => Err(VerifyError::UnknownKid {
                issuer: issuer.issuer.clone(),
                kid: clip(kid),
            }),
            Cached::NoSet => Err(VerifyError::JwksFetch {
                issuer: issuer.issuer.clone(),
                reason: state
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "not fetched yet".into()),
            }),
        }
    }

    /// Fetches the issuer's set unless one is cached, ignoring the refetch interval.
    pub(crate) async fn hydrate(&self, issuer: &IssuerKeys) -> Result<(), VerifyError> {
        let mut state = issuer.fetch.lock().await;
        if issuer.has_set() {
            return Ok(());
        }
        self.fetch(issuer, &mut state).await;
        if issuer.has_set() {
            Ok(())
        } else {
            Err(state.last_error.clone().map_or_else(
                || VerifyError::JwksFetch {
                    issuer: issuer.issuer.clone(),
                    reason: "not fetched".into(),
                },
                |reason| VerifyError::JwksFetch {
                    issuer: issuer.issuer.clone(),
                    reason,
                },
            ))
        }
    }

    /// One fetch, with the caller holding the issuer's fetch lock.
    async fn fetch(&self, issuer: &IssuerKeys, state: &mut FetchState) {
        state.last_attempt = Some(self.inner.clock.now());
        let fetched = tokio::time::timeout(
            self.inner.fetch_timeout,
            self.inner.fetcher.fetch(&issuer.jwks_url),
        )
        .await;
        let parsed = match fetched {
            Err(_) => Err(format!(
                "timed out after {:?} fetching {}",
                self.inner.fetch_timeout, issuer.jwks_url
            )),
            Ok(Err(e)) => Err(format!("fetching {}: {e}", issuer.jwks_url)),
            Ok(Ok(body)) => Jwks::from_json(&body).map_err(|e| match e {
                VerifyError::JwksInvalid { reason, .. } => {
                    format!("{} is not a valid JWKS: {reason}", issuer.jwks_url)
                }
                other => other.to_string(),
            }),
        };
        match parsed {
            Ok(jwks) => {
                tracing::debug!(issuer = %issuer.issuer, keys = jwks.len(), "fetched JWKS");
                state.last_error = None;
                issuer.store_jwks(jwks);
            }
            Err(reason) => {
                tracing::warn!(issuer = %issuer.issuer, %reason, "JWKS fetch failed; keeping the cached keys, if any");
                state.last_error = Some(reason);
            }
        }
    }
}

/// One issuer's cached key set and fetch state.
pub(crate) struct IssuerKeys {
    issuer: String,
    jwks_url: String,
    keys: RwLock<Option<Arc<Jwks>>>,
    fetch: tokio::sync::Mutex<FetchState>,
}

#[derive(Default)]
struct FetchState {
    /// The last fetch of any kind.
    last_attempt: Option<Duration>,
    /// The last fetch made because a token named a `kid` the cached set lacks.
    last_refetch: Option<Duration>,
    last_error: Option<String>,
}

pub(crate) enum Cached {
    NoSet,
    Missing,
    Found(Arc<RsaKey>),
    Unusable(KeyProblem),
}

impl IssuerKeys {
    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Looks `kid` up in the cached set without any I/O.
    pub(crate) fn cached(&self, kid: &str) -> Cached {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match keys.as_ref() {
            None => Cached::NoSet,
            Some(set) => match set.get(kid) {
                None => Cached::Missing,
                Some(Ok(key)) => Cached::Found(key.clone()),
                Some(Err(problem)) => Cached::Unusable(problem.clone()),
            },
        }
    }

    /// Whether `key` is still the cached key for `kid` (it was not rotated out).
    pub(crate) fn is_current(&self, kid: &str, key: &Arc<RsaKey>) -> bool {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.as_ref()
            .and_then(|set| set.get(kid))
            .is_some_and(|current| matches!(current, Ok(k) if Arc::ptr_eq(k, key)))
    }

    fn has_set(&self) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some()
    }

    pub(crate) fn unusable(&self, kid: &str, problem: KeyProblem) -> VerifyError {
        VerifyError::UnusableKey {
            issuer: self.issuer.clone(),
            kid: clip(kid),
            problem,
        }
    }

    pub(crate) fn store_jwks(&self, mut jwks: Jwks) {
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(old) = keys.as_ref() {
            // Unchanged keys keep their identity, so tokens cached under them stay cached.
            jwks.keep_unchanged(old);
        }
        *keys = Some(Arc::new(jwks));
    }
}
