//! The `oauth2` crate over this crate's reqwest client, and its errors as [`Error`].

use std::time::Duration;

use oauth2::basic::BasicErrorResponse;
use oauth2::{RequestTokenError, StandardErrorResponse};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The extra field of an OpenID Connect token response.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

/// A token response that may carry an ID token.
pub(crate) type TokenResponse =
    oauth2::StandardTokenResponse<IdTokenField, oauth2::basic::BasicTokenType>;

/// An `oauth2` client with no endpoint set yet.
pub(crate) type BaseClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
>;

/// An `oauth2` client with a token endpoint (and maybe an authorization endpoint).
pub(crate) type OAuthClient<HasAuthUrl = oauth2::EndpointNotSet> = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    HasAuthUrl,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// The HTTP client for OAuth endpoints: no redirects (a redirected token request could leak the
/// client's credentials), 5 s to connect, 15 s in all.
pub(crate) fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("cognate-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

/// The future of one request of [`client_fn`].
pub(crate) type SendFuture = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = std::result::Result<oauth2::HttpResponse, reqwest::Error>>
            + Send,
    >,
>;

/// `oauth2`'s HTTP client: each request sent with (a clone of) `http`, in a future that owns
/// what it uses (so the token request's future is `Send` for any task).
pub(crate) fn client_fn(
    http: &reqwest::Client,
) -> impl Fn(oauth2::HttpRequest) -> SendFuture + Send + Sync + use<> {
    let http = http.clone();
    move |request| {
        let http = http.clone();
        Box::pin(async move { send(&http, request).await })
    }
}

/// Sends one of `oauth2`'s requests with reqwest.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> std::result::Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    let mut out = oauth2::HttpResponse::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

/// A failed token request as [`Error`]: the server's OAuth error, or what went wrong on the way.
pub(crate) fn token_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, StandardErrorResponse<oauth2::basic::BasicErrorResponseType>>,
) -> Error {
    match e {
        RequestTokenError::ServerResponse(r) => Error::OAuth {
            error: r.error().to_string(),
            description: r.error_description().cloned(),
            status: None,
        },
        RequestTokenError::Request(e) => Error::Transport(format!("token endpoint: {e}")),
        RequestTokenError::Parse(e, _) => {
            Error::protocol(format!("the token endpoint's answer is unreadable: {e}"))
        }
        RequestTokenError::Other(m) => Error::protocol(format!("token endpoint: {m}")),
    }
}

/// An OAuth error body (`{"error": …, "error_description": …}`) of a non-success answer.
pub(crate) fn error_of(status: u16, body: &[u8]) -> Error {
    #[derive(Deserialize)]
    struct Body {
        error: String,
        error_description: Option<String>,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => Error::OAuth {
            error: b.error,
            description: b.error_description,
            status: Some(status),
        },
        Err(_) => Error::OAuth {
            error: format!("HTTP {status}"),
            description: None,
            status: Some(status),
        },
    }
}

/// The `exp` of a JWT, when the token is one (not checked: used only when the token endpoint
/// left out `expires_in`).
pub(crate) fn jwt_exp(token: &str) -> Option<i64> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()
}
