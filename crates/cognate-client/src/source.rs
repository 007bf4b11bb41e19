//! A shared source of valid tokens that refreshes itself.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::login::{Credentials, refresh_with_get_tokens, refresh_with_initiate_auth};
use crate::store::TokenStore;
use crate::tokens::TokenSet;

/// Where a [`TokenSource`] gets a user name and password when it has to log in again (no tokens
/// yet, or the refresh token was revoked or expired).
pub trait CredentialSource: Send + Sync + 'static {
    /// The credentials to log in with.
    fn credentials(&self) -> Pin<Box<dyn Future<Output = Result<Credentials>> + Send + '_>>;
}

impl CredentialSource for Credentials {
    fn credentials(&self) -> Pin<Box<dyn Future<Output = Result<Credentials>> + Send + '_>> {
        let c = self.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// Which call refreshes tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RefreshMethod {
    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH` (works with every Cognito and every version).
    #[default]
    RefreshTokenAuth,
    /// `GetTokensFromRefreshToken` (needed for refresh-token rotation; what Amplify v6.15+ uses).
    GetTokensFromRefreshToken,
}

/// Hands out valid tokens to any number of tasks, refreshing them ahead of expiry.
///
/// Cloning is cheap (one `Arc`); clones share the tokens. A cached, fresh token is handed out
/// without waiting (a read lock and an `Arc` clone). When the tokens are within the margin of
/// their expiry (default 5 minutes, at most half their lifetime; expiry corrected for the clock
/// skew measured from `iat`), the first caller refreshes and every other caller waits for that
/// one refresh: there is never more than one in flight. A refresh keeps the refresh token unless
/// Cognito sent a new one (rotation). If the refresh token is rejected and a
/// [`CredentialSource`] was given, the source logs in again; otherwise it returns
/// [`Error::SessionEnded`].
///
/// ```no_run
/// # async fn run() -> cognate_client::Result<()> {
/// use cognate_client::{Client, Credentials, TokenSource};
///
/// let client = Client::builder("us-east-1_AbC123xyZ", "1example23456789").build()?;
/// let source = TokenSource::builder(client)
///     .credentials(Credentials::new("alice", "Correct horse 1!"))
///     .build();
///
/// let mut tasks = Vec::new();
/// for i in 0..8 {
///     let source = source.clone();
///     tasks.push(tokio::spawn(async move {
///         let tokens = source.tokens().await?;       // one login, shared by all eight
///         println!("task {i}: {}", tokens.username().unwrap_or("?"));
///         Ok::<_, cognate_client::Error>(())
///     }));
/// }
/// for t in tasks {
///     t.await.expect("task panicked")?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<SourceInner>,
}

struct SourceInner {
    client: Client,
    current: RwLock<Option<Arc<TokenSet>>>,
    gate: tokio::sync::Mutex<()>,
    margin_secs: i64,
    method: RefreshMethod,
    credentials: Option<Box<dyn CredentialSource>>,
    store: Option<(Box<dyn TokenStore>, String)>,
    refreshes: AtomicU64,
    logins: AtomicU64,
    /// Bumped after every refresh or login attempt, with the error if it failed: tasks that
    /// waited behind a failed attempt get its error instead of trying again one by one.
    attempts: AtomicU64,
    /// Attempts that have finished (counted under the gate): what waiting tasks compare.
    finished: AtomicU64,
    last_failure: std::sync::Mutex<Option<(u64, Error)>>,
    /// After a failed refresh while the tokens were still valid: no new attempt before this
    /// time (clock seconds), so an unreachable Cognito is not asked once per API call.
    retry_not_before: AtomicI64,
    /// After a failed attempt with no valid tokens to fall back on: until this time (clock
    /// seconds) callers get that error at once instead of each asking Cognito again.
    fail_fast_until: AtomicI64,
}

/// How long a failed attempt's error is handed out before the next attempt.
const FAIL_FAST_SECS: i64 = 2;

/// How long a still-valid token is served without asking again after a failed refresh.
const RETRY_FLOOR_SECS: i64 = 10;

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("client", &self.inner.client)
            .field("margin_secs", &self.inner.margin_secs)
            .field("method", &self.inner.method)
            .field("refreshes", &self.refresh_count())
            .finish_non_exhaustive()
    }
}

/// Builds a [`TokenSource`]. See [`TokenSource::builder`].
pub struct TokenSourceBuilder {
    client: Client,
    tokens: Option<TokenSet>,
    margin: Duration,
    method: RefreshMethod,
    credentials: Option<Box<dyn CredentialSource>>,
    store: Option<(Box<dyn TokenStore>, String)>,
}

impl fmt::Debug for TokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl TokenSourceBuilder {
    /// Starts from tokens obtained elsewhere (e.g. a [`crate::LoginStep`] answered by a person).
    pub fn tokens(mut self, tokens: TokenSet) -> Self {
        self.tokens = Some(tokens);
        self
    }
    /// Logs in with these credentials when there are no tokens or the refresh token is rejected.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Box::new(credentials));
        self
    }
    /// Like [`TokenSourceBuilder::credentials`], asking `source` each time.
    pub fn credential_source(mut self, source: impl CredentialSource) -> Self {
        self.credentials = Some(Box::new(source));
        self
    }
    /// Loads tokens from `store` (unless given) and saves every new set there, under `profile`.
    pub fn store(mut self, store: impl TokenStore, profile: impl Into<String>) -> Self {
        self.store = Some((Box::new(store), profile.into()));
        self
    }
    /// Refresh this long before expiry (default 5 minutes; never more than half the tokens'
    /// lifetime).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }
    /// Which call refreshes (default `REFRESH_TOKEN_AUTH`).
    pub fn refresh_method(mut self, method: RefreshMethod) -> Self {
        self.method = method;
        self
    }
    /// Builds the source. Tokens given here win over stored ones; a store that cannot be read
    /// is logged and ignored.
    pub fn build(self) -> TokenSource {
        let tokens = self.tokens.or_else(|| {
            let (store, profile) = self.store.as_ref()?;
            store
                .load(profile)
                .inspect_err(|e| tracing::warn!(error = %e, "ignoring unreadable token store"))
                .ok()
                .flatten()
        });
        TokenSource {
            inner: Arc::new(SourceInner {
                client: self.client,
                current: RwLock::new(tokens.map(Arc::new)),
                gate: tokio::sync::Mutex::new(()),
                margin_secs: i64::try_from(self.margin.as_secs()).unwrap_or(i64::MAX),
                method: self.method,
                credentials: self.credentials,
                store: self.store,
                refreshes: AtomicU64::new(0),
                logins: AtomicU64::new(0),
                attempts: AtomicU64::new(0),
                finished: AtomicU64::new(0),
                last_failure: std::sync::Mutex::new(None),
                retry_not_before: AtomicI64::new(i64::MIN),
                fail_fast_until: AtomicI64::new(i64::MIN),
            }),
        }
    }
}

impl TokenSource {
    /// Starts configuring a source of tokens from `client`.
    pub fn builder(client: Client) -> TokenSourceBuilder {
        TokenSourceBuilder {
            client,
            tokens: None,
            margin: Duration::from_secs(300),
            method: RefreshMethod::default(),
            credentials: None,
            store: None,
        }
    }

    /// The client underneath.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// How many refreshes this source (and its clones) has made.
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(Ordering::Relaxed)
    }
    /// How many logins this source (and its clones) has made.
    pub fn login_count(&self) -> u64 {
        self.inner.logins.load(Ordering::Relaxed)
    }

    /// The tokens held now, fresh or not, without any call.
    pub fn cached(&self) -> Option<Arc<TokenSet>> {
        match self.inner.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn margin_for(&self, t: &TokenSet) -> i64 {
        match t.lifetime_secs() {
            Some(l) if l > 0 => self.inner.margin_secs.min(l / 2),
            _ => self.inner.margin_secs,
        }
    }

    /// The cached tokens if they are fresh (outside the refresh margin), without waiting: the
    /// fast path of [`TokenSource::tokens`].
    pub fn fresh_cached(&self) -> Option<Arc<TokenSet>> {
        let now = self.inner.client.inner.clock.now_secs();
        let guard = match self.inner.current.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        match &*guard {
            Some(t) if t.is_fresh(now, self.margin_for(t)) => Some(Arc::clone(t)),
            _ => None,
        }
    }

    /// Valid tokens: the cached ones if fresh, else after the one refresh (or login) in flight.
    pub async fn tokens(&self) -> Result<Arc<TokenSet>> {
        if let Some(t) = self.fresh_cached() {
            return Ok(t);
        }
        if let Some(t) = self.valid_while_backing_off() {
            return Ok(t);
        }
        // Boxed: the renewal's state (requests, the store, the lock) would otherwise make every
        // caller's future as large, copied on each move even when the cached path answers.
        Box::pin(self.renew(None)).await
    }

    /// Still-valid cached tokens during the pause after a failed refresh.
    fn valid_while_backing_off(&self) -> Option<Arc<TokenSet>> {
        let now = self.inner.client.inner.clock.now_secs();
        if now >= self.inner.retry_not_before.load(Ordering::SeqCst) {
            return None;
        }
        self.cached().filter(|t| t.is_fresh(now, 0))
    }

    /// The access token as a string (a convenience over [`TokenSource::tokens`]).
    pub async fn access_token(&self) -> Result<String> {
        Ok(self.tokens().await?.access_token().as_str().to_owned())
    }

    /// Refreshes now, unless someone already replaced `rejected` (the tokens an API just
    /// refused with 401) while we waited. Pass `None` to refresh unconditionally.
    pub async fn refresh_after_rejection(
        &self,
        rejected: Option<&TokenSet>,
    ) -> Result<Arc<TokenSet>> {
        let marker = rejected
            .map(|t| t.access_token().as_str().to_owned())
            .unwrap_or_default();
        self.renew(Some(marker)).await
    }

    async fn renew(&self, force_unless_changed_from: Option<String>) -> Result<Arc<TokenSet>> {
        let seen_finished = self.inner.finished.load(Ordering::SeqCst);
        let _gate = self.inner.gate.lock().await;
        let started = self.inner.attempts.load(Ordering::SeqCst);
        let result = self
            .renew_locked(force_unless_changed_from, seen_finished)
            .await;
        // Still under the gate: count a finished attempt and keep its error for the waiters.
        if self.inner.attempts.load(Ordering::SeqCst) != started {
            let n = self.inner.finished.fetch_add(1, Ordering::SeqCst) + 1;
            if let Ok(mut f) = self.inner.last_failure.lock() {
                *f = result.as_ref().err().map(|e| (n, e.shared_copy()));
            }
            let until = match &result {
                Err(_) => self
                    .inner
                    .client
                    .inner
                    .clock
                    .now_secs()
                    .saturating_add(FAIL_FAST_SECS),
                Ok(_) => i64::MIN,
            };
            self.inner.fail_fast_until.store(until, Ordering::SeqCst);
        }
        result
    }

    async fn renew_locked(
        &self,
        force_unless_changed_from: Option<String>,
        seen_finished: u64,
    ) -> Result<Arc<TokenSet>> {
        let now_finished = self.inner.finished.load(Ordering::SeqCst);
        // Someone else tried while we waited, or moments ago, and failed: share that outcome.
        let failed_just_now = force_unless_changed_from.is_none()
            && self.inner.client.inner.clock.now_secs()
                < self.inner.fail_fast_until.load(Ordering::SeqCst);
        if (now_finished != seen_finished || failed_just_now)
            && let Ok(f) = self.inner.last_failure.lock()
            && let Some((n, e)) = &*f
            && *n == now_finished
        {
            return Err(e.shared_copy());
        }
        // Someone else just tried and kept tokens that are still valid: use them.
        if now_finished != seen_finished
            && force_unless_changed_from.is_none()
            && let Some(cur) = self.cached()
            && cur.is_fresh(self.inner.client.inner.clock.now_secs(), 0)
        {
            return Ok(cur);
        }
        // A refresh failed moments ago and the tokens are still valid: wait for the floor.
        if force_unless_changed_from.is_none()
            && let Some(cur) = self.valid_while_backing_off()
        {
            return Ok(cur);
        }
        let now = self.inner.client.inner.clock.now_secs();
        let mut current = self.cached();
        if let Some(cur) = &current {
            match &force_unless_changed_from {
                None if cur.is_fresh(now, self.margin_for(cur)) => return Ok(Arc::clone(cur)),
                Some(m) if !m.is_empty() && cur.access_token().as_str() != m => {
                    return Ok(Arc::clone(cur));
                }
                _ => {}
            }
        }
        // Another process may have refreshed the shared store in the meantime.
        if force_unless_changed_from.is_none()
            && let Some((store, profile)) = &self.inner.store
            && let Ok(Some(stored)) = store.load(profile)
        {
            let changed = current
                .as_ref()
                .is_none_or(|c| c.access_token().as_str() != stored.access_token().as_str());
            if stored.is_fresh(now, self.margin_for(&stored)) && changed {
                return Ok(self.install(stored, false));
            }
            if current.is_none() {
                current = Some(Arc::new(stored));
            }
        }
        let refresh_token = current
            .as_ref()
            .and_then(|c| c.refresh_token().map(|r| r.expose_secret().to_owned()));
        self.inner.attempts.fetch_add(1, Ordering::SeqCst);
        let fresh = match (&current, refresh_token) {
            (Some(cur), Some(rt)) => match self.refresh(cur, &rt).await {
                Ok(t) => (*Arc::clone(cur)).clone().refreshed(t),
                Err(e) if e.is_not_authorized() => {
                    tracing::info!(error = %e, "refresh token rejected");
                    self.login_again(&e.to_string()).await?
                }
                Err(e) => {
                    // Still valid, just inside the margin: keep serving it and try again later.
                    if cur.is_fresh(now, 0) && force_unless_changed_from.is_none() {
                        self.inner
                            .retry_not_before
                            .store(now.saturating_add(RETRY_FLOOR_SECS), Ordering::SeqCst);
                        tracing::warn!(error = %e, "refresh failed; the current tokens are still valid");
                        return Ok(Arc::clone(cur));
                    }
                    return Err(e);
                }
            },
            (Some(_), None) => self.login_again("no refresh token").await?,
            (None, _) => self.login_again("no tokens yet").await?,
        };
        self.inner
            .retry_not_before
            .store(i64::MIN, Ordering::SeqCst);
        Ok(self.install(fresh, true))
    }

    fn install(&self, tokens: TokenSet, persist: bool) -> Arc<TokenSet> {
        if persist
            && let Some((store, profile)) = &self.inner.store
            && let Err(e) = store.save(profile, &tokens)
        {
            tracing::warn!(error = %e, "cannot save tokens");
        }
        let tokens = Arc::new(tokens);
        let mut g = match self.inner.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = Some(Arc::clone(&tokens));
        tokens
    }

    async fn refresh(&self, current: &TokenSet, refresh_token: &str) -> Result<TokenSet> {
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        let client = &self.inner.client;
        let device_key = current.access_token().claims().device_key.as_deref();
        tracing::debug!(method = ?self.inner.method, "refreshing tokens");
        match self.inner.method {
            RefreshMethod::RefreshTokenAuth => {
                refresh_with_initiate_auth(client, refresh_token, current.username(), device_key)
                    .await
            }
            RefreshMethod::GetTokensFromRefreshToken => {
                refresh_with_get_tokens(client, refresh_token, device_key).await
            }
        }
    }

    async fn login_again(&self, why: &str) -> Result<TokenSet> {
        let Some(source) = &self.inner.credentials else {
            if let Some((store, profile)) = &self.inner.store {
                let _ = store.remove(profile);
            }
            return Err(Error::SessionEnded(why.to_owned()));
        };
        let credentials = source.credentials().await?;
        self.inner.logins.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(why, "logging in");
        self.inner.client.login(&credentials).await?.into_tokens()
    }

    /// Puts a valid token into `headers` in the given style (a plain function for HTTP clients
    /// other than reqwest; see [`crate::Authenticator`] for the middleware and API keys).
    pub async fn authorize(
        &self,
        style: crate::HeaderStyle,
        headers: &mut http::HeaderMap,
    ) -> Result<Arc<TokenSet>> {
        let tokens = self.tokens().await?;
        style.apply(&tokens, headers)?;
        Ok(tokens)
    }

    /// Forgets the tokens (in memory and in the store). The next call logs in again, if it can.
    pub async fn clear(&self) -> Result<()> {
        let _gate = self.inner.gate.lock().await;
        match self.inner.current.write() {
            Ok(mut g) => *g = None,
            Err(p) => *p.into_inner() = None,
        }
        if let Some((store, profile)) = &self.inner.store {
            store.remove(profile)?;
        }
        Ok(())
    }
}
