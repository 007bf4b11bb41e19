//! `ClientCredentials`: an app client's own access token (machine to machine), cached and
//! renewed ahead of expiry with one request in flight.

use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use oauth2::{ClientId, ClientSecret, Scope, TokenResponse as _, TokenUrl};
use secrecy::{ExposeSecret, SecretString};

use super::client_token::{ClientToken, ClientTokenStore};
use super::endpoints::OAuthEndpoints;
use super::transport::{BaseClient, OAuthClient, client_fn, http_client, jwt_exp, token_error};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::provider::{Bearer, TokenProvider};

/// How the app client proves itself at the token endpoint (RFC 6749 section 2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `Authorization: Basic base64(client_id:client_secret)` (`client_secret_basic`, the
    /// default; what Cognito documents).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    Body,
}

#[derive(Debug, Clone)]
enum TokenEndpoint {
    Url(String),
    Domain(String),
    Issuer(String),
}

/// An app client's own access tokens from the `client_credentials` grant, for calling APIs as
/// the client itself (machine to machine).
///
/// Cheap to clone; clones share the token. A fresh cached token is handed out without waiting
/// (a read lock and an `Arc` clone). When it comes within the margin of its expiry (default 5
/// minutes, at most half its lifetime), the first caller asks the token endpoint and every other
/// caller waits for that one answer: never more than one request in flight. If the token
/// endpoint fails while the token is still valid, the token is served for 10 more seconds before
/// the next try. It implements [`TokenProvider`], so [`Authenticator`](crate::Authenticator)
/// sends its tokens in the same header styles as a user's.
///
/// ```no_run
/// # async fn run() -> cognate_client::Result<()> {
/// use cognate_client::{ClientAuth, ClientCredentials};
///
/// let machine = ClientCredentials::builder("7example", std::env::var("CLIENT_SECRET").unwrap())
///     // or .token_url(..), or .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC")
///     .domain("https://shop.auth.us-east-1.amazoncognito.com")
///     .scopes(["orders/read", "orders/write"])
///     .resource("https://orders.example.com") // RFC 8707: the token's aud
///     .client_auth(ClientAuth::Basic)
///     .build()?;
/// let token = machine.token().await?;
/// println!("{} until {}", token.scope().unwrap_or(""), token.expires_at());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    secret: SecretString,
    endpoint: TokenEndpoint,
    token_url: tokio::sync::OnceCell<String>,
    auth: ClientAuth,
    scopes: Vec<String>,
    resource: Option<String>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    margin_secs: i64,
    current: RwLock<Option<Arc<ClientToken>>>,
    gate: tokio::sync::Mutex<()>,
    requests: AtomicU64,
    store: Option<(Box<dyn ClientTokenStore>, String)>,
    /// After a failed request while the token was still valid: no new one before this time.
    retry_not_before: AtomicI64,
    /// The last failure and until when (clock seconds) callers get it without a new request.
    last_failure: Mutex<Option<(i64, Error)>>,
}

/// How long a still-valid token is served without asking again after a failed request.
const RETRY_FLOOR_SECS: i64 = 10;
/// How long a failure with no valid token to fall back on is handed out before the next try.
const FAIL_FAST_SECS: i64 = 2;
/// The lifetime assumed when the token endpoint says none and the token is no JWT.
const DEFAULT_LIFETIME_SECS: i64 = 300;

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"<redacted>")
            .field("endpoint", &self.inner.endpoint)
            .field("scopes", &self.inner.scopes)
            .field("resource", &self.inner.resource)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

/// Settings for [`ClientCredentials`]; see [`ClientCredentials::builder`].
pub struct ClientCredentialsBuilder {
    client_id: String,
    secret: SecretString,
    endpoint: Option<TokenEndpoint>,
    auth: ClientAuth,
    scopes: Vec<String>,
    resource: Option<String>,
    http: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    store: Option<(Box<dyn ClientTokenStore>, String)>,
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    /// The token endpoint itself.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(TokenEndpoint::Url(url.into()));
        self
    }

    /// A Cognito pool's domain (`https://{prefix}.auth.{region}.amazoncognito.com`, a custom
    /// domain, or `cognate serve`'s `http://127.0.0.1:{port}/{poolId}`): the token endpoint is
    /// `{domain}/oauth2/token`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.endpoint = Some(TokenEndpoint::Domain(domain.into()));
        self
    }

    /// Any OpenID Connect or RFC 8414 issuer (a Cognito pool's is
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`): the token endpoint comes from
    /// its discovery document, read on the first request.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.endpoint = Some(TokenEndpoint::Issuer(issuer.into()));
        self
    }

    /// The scopes to ask for (none: the provider's default; Cognito then grants every scope the
    /// app client allows).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// RFC 8707: the resource server the token is for (Cognito puts it in the token's `aud`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Basic (default) or form-body client authentication.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Your reqwest client (its proxy, TLS and timeouts). It should not follow redirects.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The clock expiry is measured with (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Renew this long before expiry (default 5 minutes; never more than half the lifetime).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Loads the token from `store` and saves every new one there, under `profile` (so that
    /// separate runs of a program share it).
    pub fn store(mut self, store: impl ClientTokenStore, profile: impl Into<String>) -> Self {
        self.store = Some((Box::new(store), profile.into()));
        self
    }

    /// The token source. Fails when no endpoint was given or the client id is empty.
    pub fn build(self) -> Result<ClientCredentials> {
        let endpoint = self.endpoint.ok_or_else(|| {
            Error::Config("say where the token endpoint is: token_url, domain or issuer".into())
        })?;
        if self.client_id.is_empty() {
            return Err(Error::Config("the client id is empty".into()));
        }
        let token_url = tokio::sync::OnceCell::new();
        match &endpoint {
            TokenEndpoint::Url(url) => {
                TokenUrl::new(url.clone())
                    .map_err(|e| Error::Config(format!("{url:?} is not a URL: {e}")))?;
                let _ = token_url.set(url.clone());
            }
            TokenEndpoint::Domain(domain) => {
                let _ = token_url.set(OAuthEndpoints::from_domain(domain)?.token);
            }
            TokenEndpoint::Issuer(_) => {}
        }
        let http = match self.http {
            Some(http) => http,
            None => http_client()?,
        };
        let current = self.store.as_ref().and_then(|(store, profile)| {
            store
                .load_client_token(profile)
                .inspect_err(|e| tracing::warn!(error = %e, "ignoring an unreadable token store"))
                .ok()
                .flatten()
                .map(Arc::new)
        });
        Ok(ClientCredentials {
            inner: Arc::new(Inner {
                client_id: self.client_id,
                secret: self.secret,
                endpoint,
                token_url,
                auth: self.auth,
                scopes: self.scopes,
                resource: self.resource,
                http,
                clock: self.clock,
                margin_secs: i64::try_from(self.margin.as_secs()).unwrap_or(i64::MAX),
                current: RwLock::new(current),
                gate: tokio::sync::Mutex::new(()),
                requests: AtomicU64::new(0),
                store: self.store,
                retry_not_before: AtomicI64::new(i64::MIN),
                last_failure: Mutex::new(None),
            }),
        })
    }
}

impl ClientCredentials {
    /// Settings for app client `client_id` with its secret.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            client_id: client_id.into(),
            secret: SecretString::from(client_secret.into()),
            endpoint: None,
            auth: ClientAuth::default(),
            scopes: Vec::new(),
            resource: None,
            http: None,
            clock: Arc::new(SystemClock),
            margin: Duration::from_secs(300),
            store: None,
        }
    }

    /// The app client.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// How many token requests this source (and its clones) has sent.
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The token held now, fresh or not, without any request.
    pub fn cached(&self) -> Option<Arc<ClientToken>> {
        match self.inner.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn margin_for(&self, t: &ClientToken) -> i64 {
        match t.lifetime_secs() {
            l if l > 0 => self.inner.margin_secs.min(l / 2),
            _ => self.inner.margin_secs,
        }
    }

    /// The cached token if it is fresh (outside the margin), without waiting.
    pub fn fresh_cached(&self) -> Option<Arc<ClientToken>> {
        let now = self.inner.clock.now_secs();
        let guard = match self.inner.current.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        match &*guard {
            Some(t) if t.is_fresh(now, self.margin_for(t)) => Some(Arc::clone(t)),
            _ => None,
        }
    }

    /// A valid token: the cached one if fresh, else after the one request in flight.
    pub async fn token(&self) -> Result<Arc<ClientToken>> {
        if let Some(t) = self.fresh_cached() {
            return Ok(t);
        }
        // Boxed: the renewal's state (requests, the store, the lock) would otherwise make every
        // caller's future as large, copied on each move even when the cached path answers.
        Box::pin(self.renew(None)).await
    }

    /// The access token as a string.
    pub async fn access_token(&self) -> Result<String> {
        Ok(self.token().await?.access_token().to_owned())
    }

    /// Forgets the token (in memory and in the store): the next call asks the token endpoint.
    pub async fn clear(&self) -> Result<()> {
        let _gate = self.inner.gate.lock().await;
        match self.inner.current.write() {
            Ok(mut g) => *g = None,
            Err(p) => *p.into_inner() = None,
        }
        if let Some((store, profile)) = &self.inner.store {
            store.remove_client_token(profile)?;
        }
        Ok(())
    }

    async fn renew(&self, rejected: Option<&str>) -> Result<Arc<ClientToken>> {
        let _gate = self.inner.gate.lock().await;
        let now = self.inner.clock.now_secs();
        let current = self.cached();
        if let Some(cur) = &current {
            match rejected {
                None if cur.is_fresh(now, self.margin_for(cur)) => return Ok(Arc::clone(cur)),
                Some(r) if cur.access_token() != r => return Ok(Arc::clone(cur)),
                _ => {}
            }
        }
        // Another process may have renewed the shared store meanwhile.
        if let Some((store, profile)) = &self.inner.store
            && let Ok(Some(stored)) = store.load_client_token(profile)
            && stored.is_fresh(now, self.margin_for(&stored))
            && rejected.is_none_or(|r| stored.access_token() != r)
            && current
                .as_ref()
                .is_none_or(|c| c.access_token() != stored.access_token())
        {
            return Ok(self.install(stored, false));
        }
        if rejected.is_none() {
            // A failed request moments ago: serve the still-valid token, or share the error.
            if now < self.inner.retry_not_before.load(Ordering::SeqCst)
                && let Some(cur) = current.as_ref().filter(|c| c.is_fresh(now, 0))
            {
                return Ok(Arc::clone(cur));
            }
            if let Ok(f) = self.inner.last_failure.lock()
                && let Some((until, e)) = &*f
                && now < *until
            {
                return Err(e.shared_copy());
            }
        }
        match self.request().await {
            Ok(token) => {
                self.inner
                    .retry_not_before
                    .store(i64::MIN, Ordering::SeqCst);
                if let Ok(mut f) = self.inner.last_failure.lock() {
                    *f = None;
                }
                Ok(self.install(token, true))
            }
            Err(e) => {
                if rejected.is_none()
                    && let Some(cur) = current.filter(|c| c.is_fresh(now, 0))
                {
                    self.inner
                        .retry_not_before
                        .store(now.saturating_add(RETRY_FLOOR_SECS), Ordering::SeqCst);
                    tracing::warn!(error = %e, "token request failed; the current token is still valid");
                    return Ok(cur);
                }
                if let Ok(mut f) = self.inner.last_failure.lock() {
                    *f = Some((now.saturating_add(FAIL_FAST_SECS), e.shared_copy()));
                }
                Err(e)
            }
        }
    }

    fn install(&self, token: ClientToken, persist: bool) -> Arc<ClientToken> {
        if persist
            && let Some((store, profile)) = &self.inner.store
            && let Err(e) = store.save_client_token(profile, &token)
        {
            tracing::warn!(error = %e, "cannot save the token");
        }
        let token = Arc::new(token);
        match self.inner.current.write() {
            Ok(mut g) => *g = Some(Arc::clone(&token)),
            Err(p) => *p.into_inner() = Some(Arc::clone(&token)),
        }
        token
    }

    async fn token_url(&self) -> Result<&str> {
        let inner = &*self.inner;
        inner
            .token_url
            .get_or_try_init(|| async {
                match &inner.endpoint {
                    TokenEndpoint::Url(url) => Ok(url.clone()),
                    TokenEndpoint::Domain(domain) => Ok(OAuthEndpoints::from_domain(domain)?.token),
                    TokenEndpoint::Issuer(issuer) => {
                        Ok(OAuthEndpoints::discover(&inner.http, issuer).await?.token)
                    }
                }
            })
            .await
            .map(String::as_str)
    }

    /// One request to the token endpoint.
    async fn request(&self) -> Result<ClientToken> {
        let inner = &*self.inner;
        let url = self.token_url().await?.to_owned();
        let token_url =
            TokenUrl::new(url.clone()).map_err(|e| Error::Config(format!("{url:?}: {e}")))?;
        let client: OAuthClient = BaseClient::new(ClientId::new(inner.client_id.clone()))
            .set_client_secret(ClientSecret::new(inner.secret.expose_secret().to_owned()))
            .set_auth_type(match inner.auth {
                ClientAuth::Basic => oauth2::AuthType::BasicAuth,
                ClientAuth::Body => oauth2::AuthType::RequestBody,
            })
            .set_token_uri(token_url);
        let mut request = client.exchange_client_credentials();
        for scope in &inner.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(resource) = &inner.resource {
            request = request.add_extra_param("resource", resource.clone());
        }
        inner.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(client_id = %inner.client_id, %url, "requesting a client_credentials token");
        let http = client_fn(&inner.http);
        let response = request.request_async(&http).await.map_err(token_error)?;
        let now = inner.clock.now_secs();
        let access = response.access_token().secret().clone();
        let lifetime = match response.expires_in() {
            Some(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            None => jwt_exp(&access)
                .map(|exp| exp - now)
                .unwrap_or(DEFAULT_LIFETIME_SECS),
        };
        let scope = match response.scopes() {
            Some(granted) => Some(
                granted
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            None if !inner.scopes.is_empty() => Some(inner.scopes.join(" ")),
            None => None,
        };
        Ok(ClientToken::new(access, now, lifetime, scope))
    }
}

#[async_trait::async_trait]
impl TokenProvider for ClientCredentials {
    async fn bearer(&self) -> Result<Bearer> {
        Ok(Bearer::Client(self.token().await?))
    }

    async fn bearer_after_rejection(&self, rejected: &Bearer) -> Result<Bearer> {
        Ok(Bearer::Client(
            self.renew(Some(rejected.access_token())).await?,
        ))
    }
}
