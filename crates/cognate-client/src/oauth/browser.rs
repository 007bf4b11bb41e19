//! A user's sign-in through the browser: authorization code with PKCE, the redirect received on
//! a loopback listener (RFC 8252), then refresh, revocation and userInfo.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use tokio::net::TcpListener;

use super::endpoints::OAuthEndpoints;
use super::oauth_tokens::OAuthTokens;
use super::transport::{
    BaseClient, OAuthClient, TokenResponse, client_fn, error_of, http_client, jwt_exp, token_error,
};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::tokens::RefreshToken;

/// Signs a user in through the browser at a user pool's domain (or any OpenID Connect
/// provider): the authorization code flow with PKCE (S256), `state` and `nonce`, the redirect
/// received on `http://127.0.0.1:{port}/callback`.
///
/// ```no_run
/// # async fn run() -> cognate_client::Result<()> {
/// use cognate_client::BrowserSignIn;
///
/// let sign_in = BrowserSignIn::builder("4k9example")
///     .domain("https://shop.auth.us-east-1.amazoncognito.com")
///     .scopes(["openid", "email", "orders/read"])
///     .redirect_port(8765) // a port registered in the app client's callback URLs
///     .build()
///     .await?;
/// let pending = sign_in.start().await?;
/// println!("Open {}", pending.authorize_url());
/// let tokens = pending.finish().await?; // state, code exchange, ID token nonce checked
/// let user = sign_in.user_info(tokens.access_token()).await?;
/// println!("hello {:?}", user.get("email"));
/// if let Some(refresh) = tokens.refresh_token() {
///     let again = sign_in.refresh(refresh.expose_secret()).await?;
///     sign_in.revoke(refresh.expose_secret()).await?; // signs out
/// #   let _ = again;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BrowserSignIn {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    secret: Option<SecretString>,
    endpoints: OAuthEndpoints,
    scopes: Vec<String>,
    resource: Option<String>,
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("client_id", &self.inner.client_id)
            .field("endpoints", &self.inner.endpoints)
            .field("scopes", &self.inner.scopes)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum Where {
    Domain(String),
    Issuer(String),
    Endpoints(OAuthEndpoints),
}

/// Settings for [`BrowserSignIn`]; see [`BrowserSignIn::builder`].
pub struct BrowserSignInBuilder {
    client_id: String,
    secret: Option<SecretString>,
    at: Option<Where>,
    scopes: Vec<String>,
    resource: Option<String>,
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
    http: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for BrowserSignInBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrowserSignInBuilder")
            .field("client_id", &self.client_id)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl BrowserSignInBuilder {
    /// A Cognito pool's domain: endpoints at `{domain}/oauth2/…`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.at = Some(Where::Domain(domain.into()));
        self
    }
    /// Any OpenID Connect provider: endpoints from `{issuer}/.well-known/openid-configuration`,
    /// and ID tokens must name this issuer.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.at = Some(Where::Issuer(issuer.into()));
        self
    }
    /// The endpoints, given.
    pub fn endpoints(mut self, endpoints: OAuthEndpoints) -> Self {
        self.at = Some(Where::Endpoints(endpoints));
        self
    }
    /// The app client's secret, for a confidential client.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(SecretString::from(secret.into()));
        self
    }
    /// The scopes to ask for (default `openid`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// RFC 8707: the resource server the access token is for.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }
    /// The loopback port to listen on (default 0: any free port, which the provider must
    /// accept; Cognito needs the exact callback URL registered, so give a fixed port there).
    pub fn redirect_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// The redirect's host name: `127.0.0.1` (default) or `localhost`, as registered.
    pub fn redirect_host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }
    /// The redirect's path (default `/callback`).
    pub fn redirect_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
    /// How long [`PendingSignIn::finish`] waits for the browser (default 5 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Your reqwest client for the token, revocation and userInfo endpoints.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    /// The clock ID tokens' `exp` is checked with.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Resolves the endpoints (reading the discovery document for an issuer).
    pub async fn build(self) -> Result<BrowserSignIn> {
        let http = match self.http {
            Some(h) => h,
            None => http_client()?,
        };
        let endpoints = match self.at {
            None => {
                return Err(Error::Config(
                    "say where the provider is: domain, issuer or endpoints".into(),
                ));
            }
            Some(Where::Domain(d)) => OAuthEndpoints::from_domain(&d)?,
            Some(Where::Issuer(i)) => OAuthEndpoints::discover(&http, &i).await?,
            Some(Where::Endpoints(e)) => e,
        };
        if endpoints.authorization.is_none() {
            return Err(Error::Config(
                "the provider has no authorization endpoint".into(),
            ));
        }
        if !self.path.starts_with('/') {
            return Err(Error::Config("the redirect path must start with /".into()));
        }
        Ok(BrowserSignIn {
            inner: Arc::new(Inner {
                client_id: self.client_id,
                secret: self.secret,
                endpoints,
                scopes: self.scopes,
                resource: self.resource,
                host: self.host,
                port: self.port,
                path: self.path,
                timeout: self.timeout,
                http,
                clock: self.clock,
            }),
        })
    }
}

/// A sign-in waiting for the browser: the URL to open, and the loopback listener that receives
/// the redirect. Dropping it closes the listener.
pub struct PendingSignIn {
    sign_in: BrowserSignIn,
    listener: TcpListener,
    url: String,
    redirect_uri: String,
    state: SecretString,
    nonce: SecretString,
    verifier: PkceCodeVerifier,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl BrowserSignIn {
    /// Settings for app client `client_id`.
    pub fn builder(client_id: impl Into<String>) -> BrowserSignInBuilder {
        BrowserSignInBuilder {
            client_id: client_id.into(),
            secret: None,
            at: None,
            scopes: vec!["openid".into()],
            resource: None,
            host: "127.0.0.1".into(),
            port: 0,
            path: "/callback".into(),
            timeout: Duration::from_secs(300),
            http: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// The provider's endpoints.
    pub fn endpoints(&self) -> &OAuthEndpoints {
        &self.inner.endpoints
    }

    fn client(&self, redirect_uri: Option<&str>) -> Result<OAuthClient<oauth2::EndpointSet>> {
        let inner = &*self.inner;
        let e = &inner.endpoints;
        let auth = e.authorization.clone().unwrap_or_default();
        let mut client = BaseClient::new(ClientId::new(inner.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(auth.clone())
                    .map_err(|err| Error::Config(format!("{auth:?}: {err}")))?,
            )
            .set_token_uri(
                TokenUrl::new(e.token.clone())
                    .map_err(|err| Error::Config(format!("{:?}: {err}", e.token)))?,
            )
            .set_auth_type(oauth2::AuthType::BasicAuth);
        if let Some(secret) = &inner.secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
        }
        if let Some(uri) = redirect_uri {
            client = client.set_redirect_uri(
                RedirectUrl::new(uri.to_owned())
                    .map_err(|err| Error::Config(format!("{uri:?}: {err}")))?,
            );
        }
        Ok(client)
    }

    /// Opens the loopback listener and builds the authorization URL (fresh `state`, `nonce` and
    /// PKCE verifier).
    pub async fn start(&self) -> Result<PendingSignIn> {
        let inner = &*self.inner;
        let bind_host = if inner.host == "localhost" {
            "127.0.0.1"
        } else {
            inner.host.as_str()
        };
        let listener = TcpListener::bind((bind_host, inner.port))
            .await
            .map_err(|e| {
                Error::Config(format!("cannot listen on {bind_host}:{}: {e}", inner.port))
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("the loopback listener: {e}")))?
            .port();
        let redirect_uri = format!("http://{}:{port}{}", inner.host, inner.path);
        let client = self.client(Some(&redirect_uri))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", nonce.secret().clone());
        for scope in &inner.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(resource) = &inner.resource {
            request = request.add_extra_param("resource", resource.clone());
        }
        let (url, state) = request.url();
        Ok(PendingSignIn {
            sign_in: self.clone(),
            listener,
            url: url.to_string(),
            redirect_uri,
            state: SecretString::from(state.secret().clone()),
            nonce: SecretString::from(nonce.secret().clone()),
            verifier,
        })
    }

    /// New tokens for a refresh token (`grant_type=refresh_token`). Cognito keeps the refresh
    /// token (unless the app client rotates them) and sends a new ID token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<OAuthTokens> {
        let client = self.client(None)?;
        let http = client_fn(&self.inner.http);
        let response = client
            .exchange_refresh_token(&oauth2::RefreshToken::new(refresh_token.to_owned()))
            .request_async(&http)
            .await
            .map_err(token_error)?;
        let mut tokens = self.tokens_of(&response);
        if tokens.refresh.is_none() {
            tokens.refresh = Some(RefreshToken::new(refresh_token));
        }
        Ok(tokens)
    }

    /// Revokes a refresh token (RFC 7009; at Cognito, with every token of its sign-in).
    pub async fn revoke(&self, refresh_token: &str) -> Result<()> {
        let inner = &*self.inner;
        let url = inner
            .endpoints
            .revocation
            .as_deref()
            .ok_or_else(|| Error::Config("the provider has no revocation endpoint".into()))?;
        let mut form = vec![
            ("token", refresh_token.to_owned()),
            ("token_type_hint", "refresh_token".to_owned()),
        ];
        let mut request = inner.http.post(url);
        match &inner.secret {
            Some(secret) => {
                request = request.basic_auth(
                    form_encode(&inner.client_id),
                    Some(form_encode(secret.expose_secret())),
                );
            }
            None => form.push(("client_id", inner.client_id.clone())),
        }
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let response = request
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| Error::Transport(format!("{url}: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.bytes().await.unwrap_or_default();
        Err(error_of(status.as_u16(), &body))
    }

    /// The userInfo endpoint's claims for an access token (with the `openid` scope).
    pub async fn user_info(&self, access_token: &str) -> Result<Map<String, Value>> {
        let inner = &*self.inner;
        let url = inner
            .endpoints
            .userinfo
            .as_deref()
            .ok_or_else(|| Error::Config("the provider has no userInfo endpoint".into()))?;
        let response = inner
            .http
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| Error::Transport(format!("{url}: {e}")))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::Transport(format!("{url}: {e}")))?;
        if !status.is_success() {
            return Err(error_of(status.as_u16(), &body));
        }
        serde_json::from_slice(&body)
            .map_err(|e| Error::protocol(format!("userInfo is not a JSON object: {e}")))
    }

    fn tokens_of(&self, response: &TokenResponse) -> OAuthTokens {
        let now = self.inner.clock.now_secs();
        let access = response.access_token().secret().clone();
        let lifetime = match response.expires_in() {
            Some(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            None => jwt_exp(&access).map_or(3600, |exp| exp - now),
        };
        OAuthTokens {
            expires_at: now.saturating_add(lifetime),
            access: SecretString::from(access),
            id: response.extra_fields().id_token.clone(),
            refresh: response
                .refresh_token()
                .map(|r| RefreshToken::new(r.secret().clone())),
            scope: response
                .scopes()
                .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
            received_at: now,
        }
    }

    /// The ID token's claims that bind it to this sign-in: `iss` (when the issuer is known),
    /// `aud`, `exp`, `nonce`. The signature is not checked here: the token came straight from
    /// the token endpoint over the connection the client opened (OpenID Connect Core 3.1.3.7);
    /// APIs verify tokens with `cognate-verify`.
    fn check_id_token(&self, id_token: &str, nonce: &str) -> Result<()> {
        use base64::Engine as _;
        let payload = id_token
            .split('.')
            .nth(1)
            .ok_or_else(|| Error::protocol("the ID token is not a JWT"))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Error::protocol("the ID token's payload is not base64url"))?;
        let claims: Map<String, Value> = serde_json::from_slice(&bytes)
            .map_err(|e| Error::protocol(format!("the ID token's claims are unreadable: {e}")))?;
        let inner = &*self.inner;
        if let Some(issuer) = &inner.endpoints.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str())
        {
            return Err(Error::protocol("the ID token is of another issuer"));
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == inner.client_id,
            Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(&inner.client_id)),
            _ => false,
        };
        if !aud_ok {
            return Err(Error::protocol("the ID token is for another client (aud)"));
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MIN);
        if exp <= inner.clock.now_secs() {
            return Err(Error::protocol("the ID token has expired"));
        }
        let sent = nonce.as_bytes();
        let got = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !constant_time_eq(got.as_bytes(), sent) {
            return Err(Error::protocol(
                "the ID token's nonce is not the one this sign-in sent",
            ));
        }
        Ok(())
    }
}

impl PendingSignIn {
    /// The URL to open in the browser.
    pub fn authorize_url(&self) -> &str {
        &self.url
    }

    /// The redirect URI (`http://127.0.0.1:{port}/callback`), to register with the provider.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser's redirect, checks `state`, exchanges the code (with the PKCE
    /// verifier) and checks the ID token's `nonce`, `aud`, `exp` (and `iss` when known).
    /// An `error` in the redirect (the user cancelled, `access_denied`) is
    /// [`Error::OAuth`].
    pub async fn finish(self) -> Result<OAuthTokens> {
        let inner = &*self.sign_in.inner;
        let query = tokio::time::timeout(
            inner.timeout,
            super::loopback::wait_for_redirect(&self.listener, &inner.path),
        )
        .await
        .map_err(|_| {
            Error::Transport(format!(
                "no redirect reached {} within {:?}",
                self.redirect_uri, inner.timeout
            ))
        })??;
        let get = |k: &str| {
            query
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.as_str())
        };
        let state_ok = get("state")
            .is_some_and(|s| constant_time_eq(s.as_bytes(), self.state.expose_secret().as_bytes()));
        if !state_ok {
            return Err(Error::protocol(
                "the redirect's state is not the one this sign-in sent",
            ));
        }
        if let Some(error) = get("error") {
            return Err(Error::OAuth {
                error: error.to_owned(),
                description: get("error_description").map(str::to_owned),
                status: None,
            });
        }
        let code = get("code").ok_or_else(|| Error::protocol("the redirect has no code"))?;
        let client = self.sign_in.client(Some(&self.redirect_uri))?;
        let http = client_fn(&inner.http);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(self.verifier)
            .request_async(&http)
            .await
            .map_err(token_error)?;
        let tokens = self.sign_in.tokens_of(&response);
        if let Some(id) = tokens.id_token() {
            self.sign_in
                .check_id_token(id, self.nonce.expose_secret())?;
        }
        Ok(tokens)
    }
}

/// RFC 6749 section 2.3.1: the client id and secret are form-encoded before Basic encoding.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
