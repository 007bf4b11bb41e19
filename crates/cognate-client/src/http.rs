//! Putting tokens on HTTP requests: header styles, a `reqwest-middleware` middleware, and a
//! plain function for other clients.

use http::Extensions;
use http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};
use secrecy::{ExposeSecret, SecretString};

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::provider::{Bearer, TokenProvider};
use crate::tokens::TokenSet;

/// Which token goes in which header. APIs behind Cognito disagree; these are the conventions
/// seen in the wild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HeaderStyle {
    /// `Authorization: <access token>` (raw, no `Bearer`).
    #[default]
    RawAccess,
    /// `Authorization: Bearer <access token>`.
    BearerAccess,
    /// `authorization: <ID token>` (AppSync / GraphQL).
    GraphQlId,
    /// `X-Amz-Cognito-Security-Token: <ID token>` (REST APIs).
    CognitoSecurityToken,
}

/// `X-Amz-Cognito-Security-Token`.
pub const COGNITO_SECURITY_TOKEN: HeaderName =
    HeaderName::from_static("x-amz-cognito-security-token");
/// `x-api-key`.
pub const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

impl HeaderStyle {
    /// The header's name and value for `tokens`.
    pub fn header(&self, tokens: &TokenSet) -> Result<(HeaderName, HeaderValue)> {
        self.header_of(
            tokens.access_token().as_str(),
            Some(tokens.id_token().as_str()),
        )
    }

    /// The header's name and value for `bearer`. The ID-token styles need a user's tokens: an
    /// app client's token (`client_credentials`) has no ID token and fails with
    /// [`Error::Config`].
    pub fn header_for(&self, bearer: &Bearer) -> Result<(HeaderName, HeaderValue)> {
        self.header_of(bearer.access_token(), bearer.id_token())
    }

    fn header_of(&self, access: &str, id_token: Option<&str>) -> Result<(HeaderName, HeaderValue)> {
        let id = || {
            id_token.map(str::to_owned).ok_or_else(|| {
                Error::Config(
                    "an app client's token has no ID token: use the access-token header styles"
                        .into(),
                )
            })
        };
        let (name, value) = match self {
            HeaderStyle::RawAccess => (AUTHORIZATION, access.to_owned()),
            HeaderStyle::BearerAccess => (AUTHORIZATION, format!("Bearer {access}")),
            HeaderStyle::GraphQlId => (AUTHORIZATION, id()?),
            HeaderStyle::CognitoSecurityToken => (COGNITO_SECURITY_TOKEN, id()?),
        };
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| Error::protocol("a token is not a valid header value"))?;
        value.set_sensitive(true);
        Ok((name, value))
    }

    /// Sets the header on `headers`, replacing any previous value.
    pub fn apply(&self, tokens: &TokenSet, headers: &mut HeaderMap) -> Result<()> {
        let (name, value) = self.header(tokens)?;
        headers.insert(name, value);
        Ok(())
    }
}

/// Authenticates requests: a [`TokenProvider`] (a user's [`TokenSource`](crate::TokenSource) or
/// an app client's [`ClientCredentials`](crate::ClientCredentials)), a [`HeaderStyle`] and an
/// optional API key.
///
/// As a `reqwest-middleware` middleware it adds the header to every request and, on a 401,
/// refreshes once and retries the request if its body can be replayed. For other HTTP clients,
/// [`Authenticator::authorize`] fills a `HeaderMap`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use cognate_client::{Authenticator, Client, Credentials, HeaderStyle, TokenSource};
///
/// let client = Client::builder("us-east-1_AbC123xyZ", "1example23456789").build()?;
/// let source = TokenSource::builder(client)
///     .credentials(Credentials::new("alice", "Correct horse 1!"))
///     .build();
///
/// for style in [
///     HeaderStyle::RawAccess,            // Authorization: <access>
///     HeaderStyle::BearerAccess,         // Authorization: Bearer <access>
///     HeaderStyle::GraphQlId,            // authorization: <id>
///     HeaderStyle::CognitoSecurityToken, // X-Amz-Cognito-Security-Token: <id>
/// ] {
///     let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///         .with(Authenticator::new(source.clone(), style).api_key("my-api-key"))
///         .build();
///     let answer = http.get("https://api.example.com/v1/me").send().await?;
///     println!("{style:?}: {}", answer.status());
/// }
///
/// // Any other client: fill the headers yourself.
/// let mut headers = http::HeaderMap::new();
/// Authenticator::new(source, HeaderStyle::BearerAccess).authorize(&mut headers).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Authenticator {
    source: Arc<dyn TokenProvider>,
    style: HeaderStyle,
    api_key: Option<SecretString>,
    retry_on_401: bool,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("style", &self.style)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("retry_on_401", &self.retry_on_401)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Tokens from `source`, in the header `style` names.
    pub fn new(source: impl TokenProvider, style: HeaderStyle) -> Self {
        Authenticator {
            source: Arc::new(source),
            style,
            api_key: None,
            retry_on_401: true,
        }
    }
    /// Also sends `x-api-key: <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }
    /// Whether a 401 triggers one refresh and one retry (default: yes).
    pub fn retry_on_401(mut self, retry: bool) -> Self {
        self.retry_on_401 = retry;
        self
    }

    fn fill(&self, tokens: &Bearer, headers: &mut HeaderMap) -> Result<()> {
        let (name, value) = self.style.header_for(tokens)?;
        headers.insert(name, value);
        if let Some(key) = &self.api_key {
            let mut v = HeaderValue::try_from(key.expose_secret())
                .map_err(|_| Error::Config("the API key is not a valid header value".into()))?;
            v.set_sensitive(true);
            headers.insert(X_API_KEY, v);
        }
        Ok(())
    }

    /// Puts a valid token (and the API key) into `headers`; returns the tokens used.
    pub async fn authorize(&self, headers: &mut HeaderMap) -> Result<Bearer> {
        let tokens = self.source.bearer().await?;
        self.fill(&tokens, headers)?;
        Ok(tokens)
    }
}

#[async_trait::async_trait]
impl Middleware for Authenticator {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let tokens = self
            .authorize(req.headers_mut())
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        let replay = if self.retry_on_401 {
            req.try_clone()
        } else {
            None
        };
        let answer = next.clone().run(req, extensions).await?;
        let Some(mut replay) = replay else {
            return Ok(answer);
        };
        if answer.status() != StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        tracing::debug!(url = %replay.url(), "401: refreshing the tokens once and retrying");
        let fresh = match self.source.bearer_after_rejection(&tokens).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "refresh after a 401 failed");
                return Ok(answer);
            }
        };
        self.fill(&fresh, replay.headers_mut())
            .map_err(reqwest_middleware::Error::middleware)?;
        next.run(replay, extensions).await
    }
}
