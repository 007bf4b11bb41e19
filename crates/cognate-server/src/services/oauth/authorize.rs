//! `GET /oauth2/authorize`: the request checked as Cognito checks it — problems with the
//! client or the redirect URI are shown on an error page (never sent to a redirect URI that
//! is not registered), the others are sent back to the registered redirect URI — and what a
//! signed-in user gets: an authorization code, or (`response_type=token`) the tokens.

use cognate_model::idp::types::OAuthFlowType as Flow;

use super::client_settings::OAuthSettings;
use super::codes::{self, AuthorizationCode, Pkce, PkceMethod};
use super::federation;
use super::identity_providers::{COGNITO, IdentityProvider};
use super::scopes;
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool};
use crate::services::Ctx;
use crate::services::tokens::{Grant, Login, mint};
use crate::services::triggers::{self, events::Source};

/// The parameters of an authorization request, as sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthorizeParams {
    /// `response_type`.
    pub response_type: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `code_challenge`.
    pub code_challenge: Option<String>,
    /// `code_challenge_method`.
    pub code_challenge_method: Option<String>,
    /// `identity_provider`.
    pub identity_provider: Option<String>,
    /// `idp_identifier`.
    pub idp_identifier: Option<String>,
    /// `prompt`.
    pub prompt: Option<String>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// `resource` (RFC 8707).
    pub resource: Option<String>,
}

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseType {
    /// An authorization code (in the query).
    Code,
    /// The tokens themselves (in the fragment).
    Token,
}

/// `prompt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prompt {
    /// Never show a page: a user without a session gets `login_required`.
    None,
    /// Always sign in again.
    Login,
    /// Anything else Cognito accepts (`consent`, `select_account`): as without.
    Other,
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizeRequest {
    /// The client.
    pub client: AppClient,
    /// The registered redirect URI it asked for.
    pub redirect_uri: String,
    /// What it asked for.
    pub response_type: ResponseType,
    /// The scopes it gets.
    pub scopes: Vec<String>,
    /// `state`, returned as is.
    pub state: Option<String>,
    /// `nonce`, into the ID token.
    pub nonce: Option<String>,
    /// The PKCE challenge.
    pub pkce: Option<Pkce>,
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `login_hint`, to fill in the user name.
    pub login_hint: Option<String>,
    /// The resource server the access token is for (RFC 8707).
    pub resource: Option<String>,
    /// The external identity provider to sign in through (`identity_provider`,
    /// `idp_identifier`).
    pub federate: Option<IdentityProvider>,
    /// The external identity providers the sign-in page offers.
    pub providers: Vec<String>,
    /// Whether the client signs in the pool's own users (`COGNITO`).
    pub cognito: bool,
}

/// Why a request is refused.
#[derive(Debug, Clone)]
pub(crate) enum AuthorizeError {
    /// Shown on an error page: the request names no client or redirect URI that can be
    /// trusted with an answer.
    Page(String),
    /// Sent back to the (registered) redirect URI as `error`, with `state`.
    Redirect {
        /// The registered redirect URI.
        redirect_uri: String,
        /// `error`.
        error: &'static str,
        /// `error_description`.
        description: String,
        /// `state`.
        state: Option<String>,
        /// In the fragment (`response_type=token`) rather than the query.
        fragment: bool,
    },
}

/// Checks an authorization request for the pool of the domain.
pub(crate) fn check(
    ctx: &Ctx,
    pool: &UserPool,
    p: &AuthorizeParams,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let page = |m: &str| AuthorizeError::Page(m.to_owned());
    let client_id = p
        .client_id
        .as_deref()
        .ok_or_else(|| page("Missing client_id."))?;
    let client = ctx
        .store
        .client_get(client_id)
        .map_err(|e| page(&ApiError::from(e).message))?
        .filter(|c| c.pool_id == pool.id)
        .ok_or_else(|| page("The client_id is not that of an app client of this user pool."))?;
    let settings = OAuthSettings::of(&client);
    let redirect_uri = match p.redirect_uri.as_deref() {
        Some(r) => r.to_owned(),
        None => settings
            .default_redirect_uri
            .clone()
            .ok_or_else(|| page("Missing redirect_uri."))?,
    };
    if !settings.callback_urls().contains(&redirect_uri) {
        return Err(page(
            "redirect_mismatch: the redirect_uri is not one of the app client's callback URLs.",
        ));
    }
    let fragment = p.response_type.as_deref() == Some("token");
    let refuse = |error: &'static str, description: &str| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: p.state.clone(),
        fragment,
    };
    let response_type = match p.response_type.as_deref() {
        Some("code") => ResponseType::Code,
        Some("token") => ResponseType::Token,
        None => return Err(refuse("invalid_request", "Missing response_type.")),
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "response_type must be code or token.",
            ));
        }
    };
    let flow = match response_type {
        ResponseType::Code => Flow::Code,
        ResponseType::Token => Flow::Implicit,
    };
    if !settings.allows(flow) {
        return Err(refuse(
            "unauthorized_client",
            "The app client may not use this flow.",
        ));
    }
    if let Some(idp) = &p.identity_provider
        && !settings.identity_providers().iter().any(|s| s == idp)
    {
        return Err(refuse(
            "invalid_request",
            "The identity_provider is not one of the app client's.",
        ));
    }
    let federate = federation::provider_for(
        ctx,
        pool,
        p.identity_provider.as_deref().filter(|n| *n != COGNITO),
        p.idp_identifier.as_deref(),
    )
    .map_err(|e| page(&e.message))?;
    let named =
        p.identity_provider.as_deref().is_some_and(|n| n != COGNITO) || p.idp_identifier.is_some();
    if named && federate.is_none() {
        return Err(refuse(
            "invalid_request",
            "No identity provider of the user pool has this name or identifier.",
        ));
    }
    if let Some(idp) = &federate
        && !settings.identity_providers().contains(&idp.name)
    {
        return Err(refuse(
            "unauthorized_client",
            "The identity provider is not one of the app client's.",
        ));
    }
    if settings.identity_providers().is_empty() {
        return Err(refuse(
            "unauthorized_client",
            "The app client has no SupportedIdentityProviders.",
        ));
    }
    let scopes = match p.scope.as_deref().map(scopes::parse) {
        Some(asked) if !asked.is_empty() => {
            if asked.iter().any(|s| !settings.allows_scope(s)) {
                return Err(refuse(
                    "invalid_scope",
                    "A requested scope is not allowed for the app client.",
                ));
            }
            asked
        }
        _ => settings.scopes().to_vec(),
    };
    let pkce = match (&p.code_challenge, p.code_challenge_method.as_deref()) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method without code_challenge.",
            ));
        }
        (Some(challenge), method) => {
            let method = PkceMethod::parse(method).ok_or_else(|| {
                refuse(
                    "invalid_request",
                    "code_challenge_method must be S256 or plain.",
                )
            })?;
            Some(Pkce {
                method,
                challenge: challenge.clone(),
            })
        }
    };
    if let Some(r) = &p.resource
        && super::resource_servers::get(ctx, &pool.id, r)
            .map_err(|e| page(&e.message))?
            .is_none()
    {
        return Err(refuse(
            "invalid_target",
            "The resource is not a resource server of the user pool.",
        ));
    }
    let prompt = p.prompt.as_deref().map(|v| {
        let words: Vec<&str> = v.split(' ').collect();
        if words.contains(&"none") {
            Prompt::None
        } else if words.contains(&"login") {
            Prompt::Login
        } else {
            Prompt::Other
        }
    });
    Ok(AuthorizeRequest {
        client,
        redirect_uri,
        response_type,
        scopes,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        pkce,
        prompt,
        login_hint: p.login_hint.clone(),
        resource: p.resource.clone(),
        federate,
        providers: settings
            .identity_providers()
            .iter()
            .filter(|s| *s != COGNITO)
            .cloned()
            .collect(),
        cognito: settings.identity_providers().iter().any(|s| s == COGNITO),
    })
}

/// What the redirect URI gets once `user` signed in (at `auth_time`): `(name, value)` pairs,
/// for the query (a code) or the fragment (tokens).
pub(crate) fn complete(
    ctx: &Ctx,
    pool: &UserPool,
    req: &AuthorizeRequest,
    user: &User,
    auth_time: i64,
) -> Result<Vec<(&'static str, String)>, ApiError> {
    let mut out = Vec::new();
    match req.response_type {
        ResponseType::Code => {
            let code = codes::issue(
                ctx,
                &pool.id,
                &AuthorizationCode {
                    client_id: req.client.id.clone(),
                    redirect_uri: req.redirect_uri.clone(),
                    username: user.username.clone(),
                    sub: user.sub.clone(),
                    scopes: req.scopes.clone(),
                    nonce: req.nonce.clone(),
                    pkce: req.pkce.clone(),
                    resource: req.resource.clone(),
                    auth_time,
                    expires: ctx.now() + codes::LIFETIME,
                },
            )?;
            out.push(("code", code));
        }
        ResponseType::Token => {
            let login = Login {
                origin_jti: crate::ids::uuid(),
                event_id: crate::ids::uuid(),
                auth_time,
                device_key: None,
            };
            let grant = Grant {
                scopes: Some(req.scopes.clone()),
                nonce: req.nonce.clone(),
                resource: req.resource.clone(),
            };
            let scope = super::grants::token_scope(Source::TokenHostedAuth, &req.client);
            let tokens = triggers::scoped(scope, || {
                mint(ctx, pool, &req.client, user, &login, None, &grant)
            })?;
            if let Some(id) = tokens.id_token {
                out.push(("id_token", id));
            }
            out.push(("access_token", tokens.access_token));
            out.push(("expires_in", tokens.expires_in.to_string()));
            out.push(("token_type", "Bearer".into()));
        }
    }
    if let Some(state) = &req.state {
        out.push(("state", state.clone()));
    }
    Ok(out)
}
