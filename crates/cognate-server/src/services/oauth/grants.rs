//! The token endpoint's grants (`POST /oauth2/token`): `client_credentials`,
//! `authorization_code` (with PKCE) and `refresh_token`, with client authentication by HTTP
//! Basic or by `client_id`/`client_secret` in the body, and the errors of RFC 6749 5.2 as
//! Cognito sends them.

use cognate_model::idp::types::OAuthFlowType as Flow;
use serde::Serialize;
use serde_json::{Value, json};

use super::client_settings::OAuthSettings;
use super::codes::{self, Refused};
use super::scopes;
use crate::error::{ApiError, StoreError};
use crate::model::{AppClient, OAuthGrant, RefreshRecord, UserPool};
use crate::services::Ctx;
use crate::services::client_token::{self, ClientToken};
use crate::services::clients::check_client_secret;
use crate::services::tokens::{Grant, Login, RefreshCheck, Tokens, mint, refresh};
use crate::services::triggers::{self, events::Source};
use crate::store::Change;
use crate::tokens::refresh_hash;

/// An error of the token endpoint (RFC 6749 5.2), sent as `{"error": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OAuthError {
    /// A parameter is missing, repeated or malformed.
    InvalidRequest,
    /// The client is unknown or did not authenticate.
    InvalidClient,
    /// The code, verifier, redirect URI or refresh token is not good.
    InvalidGrant,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The grant type is not one Cognito knows.
    UnsupportedGrantType,
    /// A scope the client may not have.
    InvalidScope,
    /// A `resource` that is no resource server of the pool (RFC 8707).
    InvalidTarget,
    /// A fault of the server (never input).
    ServerError,
}

impl OAuthError {
    /// The `error` member.
    pub(crate) fn code(self) -> &'static str {
        match self {
            OAuthError::InvalidRequest => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant => "invalid_grant",
            OAuthError::UnauthorizedClient => "unauthorized_client",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::InvalidScope => "invalid_scope",
            OAuthError::InvalidTarget => "invalid_target",
            OAuthError::ServerError => "server_error",
        }
    }

    /// The HTTP status: 401 for a client that did not authenticate, 500 for a fault, 400 for
    /// the rest.
    pub(crate) fn status(self) -> u16 {
        match self {
            OAuthError::InvalidClient => 401,
            OAuthError::ServerError => 500,
            _ => 400,
        }
    }

    /// The error body.
    pub(crate) fn body(self) -> Value {
        json!({ "error": self.code() })
    }

    /// A store or internal failure is the server's fault; anything else is `or`.
    fn from_api(e: &ApiError, or: OAuthError) -> OAuthError {
        if e.status() >= 500 {
            tracing::error!(error = %e.message, "token endpoint: internal error");
            OAuthError::ServerError
        } else {
            or
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "token endpoint: store error");
        OAuthError::ServerError
    }
}

/// A token request's parameters (each at most once; the HTTP side refuses repeats).
#[derive(Default)]
pub(crate) struct TokenRequest {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `client_id` in the body.
    pub client_id: Option<String>,
    /// `client_secret` in the body.
    pub client_secret: Option<String>,
    /// HTTP Basic credentials (`client_id`, `client_secret`).
    pub basic: Option<(String, String)>,
    /// `scope`.
    pub scope: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `code_verifier`.
    pub code_verifier: Option<String>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `resource` (RFC 8707).
    pub resource: Option<String>,
    /// `aws_client_metadata`: a URL-encoded JSON object of strings for the pre token
    /// generation trigger of a `client_credentials` grant.
    pub client_metadata: Option<String>,
}

impl Drop for TokenRequest {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for s in [
            &mut self.client_secret,
            &mut self.code,
            &mut self.code_verifier,
            &mut self.refresh_token,
        ]
        .into_iter()
        .flatten()
        {
            s.zeroize();
        }
        if let Some((_, secret)) = &mut self.basic {
            secret.zeroize();
        }
    }
}

/// A successful token response.
#[derive(Debug, Serialize)]
pub(crate) struct TokenResponse {
    /// `access_token`.
    pub access_token: String,
    /// `id_token` (code and refresh grants with `openid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// `refresh_token` (code grant; refresh grant with rotation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// `expires_in` (seconds).
    pub expires_in: i64,
    /// `token_type`: `Bearer`.
    pub token_type: &'static str,
}

impl TokenResponse {
    /// From tokens minted by the tokens service.
    fn from_tokens(tokens: Tokens) -> Result<TokenResponse, OAuthError> {
        Ok(TokenResponse {
            access_token: tokens.access_token,
            id_token: tokens.id_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
            token_type: "Bearer",
        })
    }
}

/// The client a token request authenticates as (RFC 6749 2.3.1): by Basic or by the body,
/// never two different ones; its secret checked by `check_client_secret`.
fn authenticate(ctx: &Ctx, pool: &UserPool, req: &TokenRequest) -> Result<AppClient, OAuthError> {
    let (id, secret) = match (&req.basic, &req.client_id) {
        (Some((id, _)), Some(body)) if id != body => return Err(OAuthError::InvalidClient),
        (Some((_, _)), _) if req.client_secret.is_some() => {
            // Two ways of authenticating at once (RFC 6749 2.3).
            return Err(OAuthError::InvalidRequest);
        }
        (Some((id, secret)), _) => (id.as_str(), Some(secret.as_str())),
        (None, Some(id)) => (id.as_str(), req.client_secret.as_deref()),
        (None, None) => return Err(OAuthError::InvalidClient),
    };
    let client = ctx
        .store
        .client_get(id)?
        .filter(|c| c.pool_id == pool.id)
        .ok_or(OAuthError::InvalidClient)?;
    // The one place a client secret is compared (a client with a secret and none given fails
    // there too).
    check_client_secret(&client, secret)
        .map_err(|e| OAuthError::from_api(&e, OAuthError::InvalidClient))?;
    Ok(client)
}

/// `POST /oauth2/token` for the pool of the domain.
pub(crate) fn token(
    ctx: &Ctx,
    pool: &UserPool,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let grant_type = req
        .grant_type
        .as_deref()
        .ok_or(OAuthError::InvalidRequest)?;
    if !matches!(
        grant_type,
        "client_credentials" | "authorization_code" | "refresh_token"
    ) {
        return Err(OAuthError::UnsupportedGrantType);
    }
    let client = authenticate(ctx, pool, req)?;
    let settings = OAuthSettings::of(&client);
    if settings.enabled != Some(true) {
        return Err(OAuthError::UnauthorizedClient);
    }
    match grant_type {
        "client_credentials" => client_credentials(ctx, pool, &client, &settings, req),
        "authorization_code" => authorization_code(ctx, pool, &client, &settings, req),
        _ => refresh_grant(ctx, pool, &client, req),
    }
}

fn client_credentials(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    settings: &OAuthSettings,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    if !settings.allows(Flow::ClientCredentials) {
        return Err(OAuthError::UnauthorizedClient);
    }
    let granted: Vec<String> = match req.scope.as_deref().map(scopes::parse) {
        Some(asked) if !asked.is_empty() => {
            if asked
                .iter()
                .any(|s| scopes::is_standard(s) || !settings.allows_scope(s))
            {
                return Err(OAuthError::InvalidScope);
            }
            asked
        }
        // No scope asked: every custom scope the client allows.
        _ => settings
            .scopes()
            .iter()
            .filter(|s| !scopes::is_standard(s))
            .cloned()
            .collect(),
    };
    if let Some(r) = &req.resource
        && super::resource_servers::get(ctx, &pool.id, r)
            .map_err(|e| OAuthError::from_api(&e, OAuthError::ServerError))?
            .is_none()
    {
        return Err(OAuthError::InvalidTarget);
    }
    let metadata = match req.client_metadata.as_deref() {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<std::collections::BTreeMap<String, String>>(text)
                .map_err(|_| OAuthError::InvalidRequest)?,
        ),
    };
    let ClientToken {
        access_token,
        expires_in,
    } = client_token::mint(
        ctx,
        pool,
        client,
        &granted,
        req.resource.as_deref(),
        metadata,
    )
    .map_err(|e| OAuthError::from_api(&e, OAuthError::ServerError))?;
    Ok(TokenResponse {
        access_token,
        id_token: None,
        refresh_token: None,
        expires_in,
        token_type: "Bearer",
    })
}

fn authorization_code(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    settings: &OAuthSettings,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    if !settings.allows(Flow::Code) {
        return Err(OAuthError::UnauthorizedClient);
    }
    let text = req.code.as_deref().ok_or(OAuthError::InvalidRequest)?;
    let redirect_uri = req
        .redirect_uri
        .as_deref()
        .ok_or(OAuthError::InvalidRequest)?;
    // The code is spent by any redemption attempt that names it, right or wrong: a code
    // caught in transit is good for one try at most.
    let code = codes::redeem(ctx, &pool.id, text).map_err(|e| match e {
        Refused::Invalid => OAuthError::InvalidGrant,
        Refused::Store(e) => OAuthError::from_api(&e, OAuthError::ServerError),
    })?;
    if code.client_id != client.id || code.redirect_uri != redirect_uri {
        return Err(OAuthError::InvalidGrant);
    }
    // A `resource` on the exchange must be the one the authorization request named.
    if req.resource.is_some() && req.resource != code.resource {
        return Err(OAuthError::InvalidTarget);
    }
    match (&code.pkce, req.code_verifier.as_deref()) {
        (Some(pkce), Some(verifier)) if pkce.verifies(verifier) => {}
        (None, None) => {}
        _ => return Err(OAuthError::InvalidGrant),
    }
    let user = ctx
        .store
        .user_get(&pool.id, &code.username)?
        .filter(|u| u.sub == code.sub && u.enabled)
        .ok_or(OAuthError::InvalidGrant)?;
    let login = Login {
        origin_jti: crate::ids::uuid(),
        event_id: crate::ids::uuid(),
        auth_time: code.auth_time,
        device_key: None,
    };
    let refresh_token = crate::ids::refresh_token();
    let now = ctx.now();
    ctx.store.apply(vec![Change::InsertRefresh(RefreshRecord {
        hash: refresh_hash(&refresh_token),
        pool_id: pool.id.clone(),
        client_id: client.id.clone(),
        username: user.username.clone(),
        sub: user.sub.clone(),
        origin_jti: login.origin_jti.clone(),
        event_id: login.event_id.clone(),
        auth_time: login.auth_time,
        issued: now,
        expires: now + client.refresh_validity.secs(),
        revoked: false,
        rotated: None,
        device_key: None,
        oauth: Some(Box::new(OAuthGrant {
            scopes: code.scopes.clone(),
            resource: code.resource.clone(),
        })),
    })])?;
    crate::services::sessions::enforce_limit(ctx, pool, &user)
        .map_err(|e| OAuthError::from_api(&e, OAuthError::ServerError))?;
    let grant = Grant {
        scopes: Some(code.scopes),
        nonce: code.nonce,
        resource: code.resource,
    };
    let result = triggers::scoped(token_scope(Source::TokenHostedAuth, client), || {
        mint(
            ctx,
            pool,
            client,
            &user,
            &login,
            Some(&refresh_token),
            &grant,
        )
    })
    .map_err(|e| OAuthError::from_api(&e, OAuthError::ServerError))?;
    TokenResponse::from_tokens(result)
}

/// What the token endpoint tells the triggers of the tokens it mints: their `triggerSource`
/// and the client (no `ClientMetadata`: the endpoint has none).
pub(crate) fn token_scope(source: Source, client: &AppClient) -> triggers::Scope {
    triggers::Scope {
        token_source: Some(source),
        client_id: Some(client.id.clone()),
        ..triggers::Scope::default()
    }
}

fn refresh_grant(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let token = req
        .refresh_token
        .as_deref()
        .ok_or(OAuthError::InvalidRequest)?;
    let (result, _) = triggers::scoped(token_scope(Source::TokenRefreshTokens, client), || {
        refresh(
            ctx,
            pool,
            client,
            token,
            RefreshCheck::Checked,
            client.refresh_rotation,
        )
    })
    .map_err(|e| OAuthError::from_api(&e, OAuthError::InvalidGrant))?;
    TokenResponse::from_tokens(result)
}

/// `POST /oauth2/revoke`: revokes a refresh token (and every token of its login) for the
/// client that authenticated; an unknown token is no error (RFC 7009 2.2).
pub(crate) fn revoke(
    ctx: &Ctx,
    pool: &UserPool,
    req: &TokenRequest,
    token: Option<&str>,
) -> Result<(), OAuthError> {
    let token = token.ok_or(OAuthError::InvalidRequest)?;
    let client = authenticate(ctx, pool, req)?;
    if !client.enable_token_revocation {
        return Err(OAuthError::UnauthorizedClient);
    }
    let Some(record) = ctx.store.refresh_get(&refresh_hash(token))? else {
        return Ok(());
    };
    if record.client_id != client.id || record.pool_id != pool.id {
        return Err(OAuthError::UnauthorizedClient);
    }
    ctx.store
        .revoke_family(&record.pool_id, &record.origin_jti, ctx.now())?;
    Ok(())
}
