//! A tower layer that lets only requests with a valid token through, and axum extractors for the
//! verified claims.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use cognate_verify::axum::{CognitoAuthLayer, TokenHeader};
//! use cognate_verify::{AccessClaims, Claims, CognitoJwtVerifier, TokenUse, UserPool};
//!
//! async fn me(claims: AccessClaims) -> String {
//!     format!("hello {}", claims.username().unwrap_or(claims.subject()))
//! }
//!
//! async fn company(claims: Claims) -> String {
//!     claims.custom_attribute("companyId").unwrap_or("none").to_owned()
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let verifier = CognitoJwtVerifier::builder()
//!         .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.client_id("4k9example"))
//!         .token_use(TokenUse::Access)
//!         .cache_verified_tokens(10_000)
//!         .build()?;
//!     verifier.hydrate().await?;
//!
//!     let app = Router::new()
//!         .route("/me", get(me))
//!         .route("/company", get(company))
//!         // `Authorization: <token>` or `Authorization: Bearer <token>`.
//!         .layer(CognitoAuthLayer::new(verifier).token_header(TokenHeader::Authorization));
//!
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;

use crate::claims::{AccessClaims, Claims, IdClaims};
use crate::error::VerifyError;
use crate::verifier::CognitoJwtVerifier;

/// Where the layer reads the token from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenHeader {
    /// `Authorization`, with the token raw (as API Gateway's Cognito authorizer and Cognito's
    /// own clients send it) or after `Bearer ` (the default).
    Authorization,
    /// `Authorization: Bearer <token>` only.
    Bearer,
    /// `Authorization: <token>` only, no scheme.
    AuthorizationRaw,
    /// The raw token in another header, such as `X-Amz-Cognito-Security-Token`.
    Custom(HeaderName),
}

impl TokenHeader {
    /// `X-Amz-Cognito-Security-Token`, raw.
    pub fn cognito_security_token() -> Self {
        TokenHeader::Custom(HeaderName::from_static("x-amz-cognito-security-token"))
    }

    fn name(&self) -> &HeaderName {
        match self {
            TokenHeader::Custom(name) => name,
            _ => &AUTHORIZATION,
        }
    }

    /// The token, `Ok(None)` when the header is absent, `Err` when it is there but unusable.
    fn extract<'h>(&self, headers: &'h HeaderMap) -> Result<Option<&'h str>, &'static str> {
        let mut values = headers.get_all(self.name()).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err("the token header appears more than once");
        }
        let value = value
            .to_str()
            .map_err(|_| "the token header is not visible ASCII")?
            .trim();
        let bearer = strip_bearer(value);
        let token = match (self, bearer) {
            (TokenHeader::Authorization | TokenHeader::Bearer, Some(token)) => token,
            (TokenHeader::Bearer, None) => return Err("the Authorization scheme is not Bearer"),
            (TokenHeader::AuthorizationRaw, Some(_)) => {
                return Err("a raw token was expected, not a Bearer scheme");
            }
            _ => value,
        };
        if token.is_empty() {
            return Err("the token header is empty");
        }
        Ok(Some(token))
    }
}

fn strip_bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start())
}

/// A tower [`Layer`](tower::Layer) that verifies the request's token and puts the verified
/// [`Claims`] in the request extensions for the [extractors](Claims#impl-FromRequestParts<S>-for-Claims).
///
/// A valid token that lacks a scope required by the verifier or by
/// [`require_scopes`](CognitoAuthLayer::require_scopes) gets `403 Forbidden` with
/// `error="insufficient_scope"` and the required scopes (RFC 6750 section 3.1).
/// A request without a valid token gets `401 Unauthorized` with a
/// `WWW-Authenticate: Bearer realm="…"` challenge (`error="invalid_token"` when a token was
/// sent), an empty body, and nothing about which check failed; the check is logged with
/// `tracing` at debug level. When the issuer's keys cannot be fetched at all the answer is
/// `503 Service Unavailable` (logged at warn), since the token may well be good.
///
/// See the [module example](crate::axum).
#[derive(Clone)]
pub struct CognitoAuthLayer {
    config: Arc<Config>,
}

struct Config {
    verifier: CognitoJwtVerifier,
    header: TokenHeader,
    realm: String,
    /// Scopes this layer requires on top of the verifier's.
    scopes: Vec<String>,
    missing: HeaderValue,
    invalid: HeaderValue,
    /// The 403 challenge, naming every scope required here and by the verifier.
    insufficient: HeaderValue,
}

impl fmt::Debug for CognitoAuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuthLayer")
            .field("header", &self.config.header)
            .field("realm", &self.config.realm)
            .finish_non_exhaustive()
    }
}

impl CognitoAuthLayer {
    /// A layer reading `Authorization` (raw or Bearer), realm `api`.
    pub fn new(verifier: CognitoJwtVerifier) -> Self {
        Self::build(verifier, TokenHeader::Authorization, "api", Vec::new())
    }

    /// Reads the token from `header`.
    pub fn token_header(self, header: TokenHeader) -> Self {
        let c = &self.config;
        Self::build(c.verifier.clone(), header, &c.realm, c.scopes.clone())
    }

    /// The realm named in `WWW-Authenticate`. Characters other than visible ASCII, `"` and `\`
    /// are dropped.
    pub fn realm(self, realm: &str) -> Self {
        let c = &self.config;
        Self::build(
            c.verifier.clone(),
            c.header.clone(),
            realm,
            c.scopes.clone(),
        )
    }

    /// Requires every one of these scopes, on top of what the verifier requires: put one layer
    /// per route (or group of routes) to give each its own scopes, sharing one verifier and its
    /// caches. A valid token without them gets `403 Forbidden` with
    /// `WWW-Authenticate: Bearer realm="…", error="insufficient_scope", scope="…"` (RFC 6750
    /// section 3.1). Scope names with characters RFC 6750 does not allow in a scope are never
    /// satisfied.
    ///
    /// ```no_run
    /// use axum::{Router, routing::{get, post}};
    /// use cognate_verify::axum::CognitoAuthLayer;
    /// use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool};
    ///
    /// # fn demo() -> Result<Router, cognate_verify::VerifyError> {
    /// let verifier = CognitoJwtVerifier::builder()
    ///     .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.any_client())
    ///     .token_use(TokenUse::Access)
    ///     .build()?;
    /// let auth = CognitoAuthLayer::new(verifier);
    /// let app = Router::new()
    ///     .route("/orders", get(|| async { "orders" })
    ///         .layer(auth.clone().require_scopes(["orders/read"])))
    ///     .route("/orders", post(|| async { "created" })
    ///         .layer(auth.require_scopes(["orders/write"])));
    /// # Ok(app) }
    /// ```
    pub fn require_scopes<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let c = &self.config;
        let mut all = c.scopes.clone();
        all.extend(scopes.into_iter().map(Into::into));
        Self::build(c.verifier.clone(), c.header.clone(), &c.realm, all)
    }

    fn build(
        verifier: CognitoJwtVerifier,
        header: TokenHeader,
        realm: &str,
        scopes: Vec<String>,
    ) -> Self {
        let realm: String = realm
            .chars()
            .filter(|c| (c.is_ascii_graphic() && *c != '"' && *c != '\\') || *c == ' ')
            .collect();
        let missing = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        let invalid = HeaderValue::from_str(&format!(
            "Bearer realm=\"{realm}\", error=\"invalid_token\""
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer error=\"invalid_token\""));
        // RFC 6750: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
        let mut named: Vec<&str> = verifier.required_scopes().collect();
        named.extend(scopes.iter().map(String::as_str));
        named.retain(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
        });
        named.dedup();
        let insufficient = HeaderValue::from_str(&format!(
            "Bearer realm=\"{realm}\", error=\"insufficient_scope\", scope=\"{}\"",
            named.join(" ")
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer error=\"insufficient_scope\""));
        CognitoAuthLayer {
            config: Arc::new(Config {
                verifier,
                header,
                realm,
                scopes,
                missing,
                invalid,
                insufficient,
            }),
        }
    }
}

impl<S> tower::Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuth<S>;

    fn layer(&self, inner: S) -> CognitoAuth<S> {
        CognitoAuth {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service made by [`CognitoAuthLayer`].
#[derive(Clone)]
pub struct CognitoAuth<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: fmt::Debug> fmt::Debug for CognitoAuth<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuth")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, ResBody> tower::Service<Request<ReqBody>> for CognitoAuth<S>
where
    S: tower::Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The clone that was not polled ready stays behind; the ready one serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        Box::pin(async move {
            let outcome = match config.header.extract(request.headers()) {
                Ok(None) => Err(Refusal::Missing),
                Err(reason) => {
                    tracing::debug!(check = "header", reason, "rejected a request");
                    Err(Refusal::Invalid)
                }
                Ok(Some(token)) => match config.verifier.verify(token).await {
                    Ok(claims) if config.scopes.iter().all(|s| claims.has_scope(s)) => Ok(claims),
                    Ok(_) => {
                        tracing::debug!(
                            check = "scope",
                            "rejected a token: a route scope is missing"
                        );
                        Err(Refusal::Scope)
                    }
                    Err(error) if error.is_unavailable() => {
                        tracing::warn!(%error, "cannot verify tokens: the issuer's keys are unavailable");
                        Err(Refusal::Unavailable)
                    }
                    Err(VerifyError::Scope) => {
                        tracing::debug!(check = "scope", "rejected a token");
                        Err(Refusal::Scope)
                    }
                    Err(error) => {
                        tracing::debug!(check = error.check(), %error, "rejected a token");
                        Err(Refusal::Invalid)
                    }
                },
            };
            match outcome {
                Ok(claims) => {
                    request.extensions_mut().insert(claims);
                    inner.call(request).await
                }
                Err(Refusal::Missing) => Ok(challenge(&config.missing)),
                Err(Refusal::Invalid) => Ok(challenge(&config.invalid)),
                Err(Refusal::Scope) => {
                    let mut response = challenge(&config.insufficient);
                    *response.status_mut() = StatusCode::FORBIDDEN;
                    Ok(response)
                }
                Err(Refusal::Unavailable) => {
                    let mut response = Response::new(ResBody::default());
                    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                    Ok(response)
                }
            }
        })
    }
}

/// Why the layer turned a request away.
enum Refusal {
    /// No token: 401 without an error code.
    Missing,
    /// A token that failed a check: 401 `invalid_token`.
    Invalid,
    /// A valid token without a required scope: 403 `insufficient_scope`.
    Scope,
    /// The issuer's keys cannot be had: 503.
    Unavailable,
}

fn challenge<B: Default>(value: &HeaderValue) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, value.clone());
    response
}

/// Why an extractor could not give the claims.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsRejection {
    /// No [`CognitoAuthLayer`] ran before the handler: a server bug, answered with 500.
    LayerMissing,
    /// The token is valid but of the other kind (an ID token where an access token is wanted, or
    /// the reverse): answered with 401.
    WrongTokenUse,
}

impl fmt::Display for ClaimsRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClaimsRejection::LayerMissing => "no CognitoAuthLayer in front of this handler",
            ClaimsRejection::WrongTokenUse => "the token is not of the kind this handler takes",
        })
    }
}

impl std::error::Error for ClaimsRejection {}

impl IntoResponse for ClaimsRejection {
    fn into_response(self) -> axum::response::Response {
        match self {
            ClaimsRejection::LayerMissing => {
                tracing::error!("{self}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
            ClaimsRejection::WrongTokenUse => {
                tracing::debug!(check = "token_use", "{self}");
                challenge(&HeaderValue::from_static("Bearer error=\"invalid_token\""))
            }
        }
    }
}

fn claims_of(parts: &Parts) -> Result<Claims, ClaimsRejection> {
    parts
        .extensions
        .get::<Claims>()
        .cloned()
        .ok_or(ClaimsRejection::LayerMissing)
}

impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = ClaimsRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        claims_of(parts)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AccessClaims {
    type Rejection = ClaimsRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        claims_of(parts)?
            .into_access()
            .ok_or(ClaimsRejection::WrongTokenUse)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdClaims {
    type Rejection = ClaimsRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        claims_of(parts)?
            .into_id()
            .ok_or(ClaimsRejection::WrongTokenUse)
    }
}

/// Makes [`VerifyError`] usable as a handler's error when you verify by hand: 401 (403
/// `insufficient_scope` for a missing scope, 503 when the keys are unavailable) with nothing
/// about the check in the body.
impl IntoResponse for VerifyError {
    fn into_response(self) -> axum::response::Response {
        if self.is_unavailable() {
            tracing::warn!(error = %self, "cannot verify tokens");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        } else if self == VerifyError::Scope {
            tracing::debug!(check = "scope", "rejected a token");
            let mut response: axum::response::Response = challenge(&HeaderValue::from_static(
                "Bearer error=\"insufficient_scope\"",
            ));
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        } else {
            tracing::debug!(check = self.check(), error = %self, "rejected a token");
            challenge(&HeaderValue::from_static("Bearer error=\"invalid_token\""))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                map.append(k, v);
            }
        }
        map
    }

    #[test]
    fn token_headers() {
        let raw = headers(&[("authorization", "abc.def.ghi")]);
        let bearer = headers(&[("authorization", "bearer  abc.def.ghi")]);
        let basic = headers(&[("authorization", "Basic dXNlcg==")]);
        let twice = headers(&[("authorization", "a"), ("authorization", "b")]);
        let custom = headers(&[("x-amz-cognito-security-token", "abc.def.ghi")]);

        assert_eq!(
            TokenHeader::Authorization.extract(&raw),
            Ok(Some("abc.def.ghi"))
        );
        assert_eq!(
            TokenHeader::Authorization.extract(&bearer),
            Ok(Some("abc.def.ghi"))
        );
        assert_eq!(
            TokenHeader::Bearer.extract(&bearer),
            Ok(Some("abc.def.ghi"))
        );
        assert!(TokenHeader::Bearer.extract(&raw).is_err());
        assert!(TokenHeader::AuthorizationRaw.extract(&bearer).is_err());
        assert_eq!(
            TokenHeader::AuthorizationRaw.extract(&raw),
            Ok(Some("abc.def.ghi"))
        );
        // A Basic credential is passed on raw and then fails verification.
        assert_eq!(
            TokenHeader::Authorization.extract(&basic),
            Ok(Some("Basic dXNlcg=="))
        );
        assert!(TokenHeader::Authorization.extract(&twice).is_err());
        assert_eq!(TokenHeader::Authorization.extract(&custom), Ok(None));
        assert_eq!(
            TokenHeader::cognito_security_token().extract(&custom),
            Ok(Some("abc.def.ghi"))
        );
    }
}
