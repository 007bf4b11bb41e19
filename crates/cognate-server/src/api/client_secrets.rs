//! AddUserPoolClientSecret, ListUserPoolClientSecrets, DeleteUserPoolClientSecret
//! (`services::client_secrets`), and what a client's credentials buy: GetClientToken
//! (`services::client_token`) and GetDerivedToken (`services::token_exchange`).

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{reply_whole_seconds, timestamp};
use crate::error::ApiError;
use crate::model::ClientSecret;
use crate::services::token_exchange::{self, Exchange};
use crate::services::{Ctx, client_secrets, client_token};

fn descriptor(s: &ClientSecret, show_value: bool) -> t::ClientSecretDescriptorType {
    t::ClientSecretDescriptorType {
        client_secret_create_date: Some(timestamp(s.created)),
        client_secret_id: Some(s.id.clone()),
        client_secret_value: show_value.then(|| s.value.clone()),
    }
}

/// AddUserPoolClientSecret: the value is answered only when Cognito generated it.
pub(crate) fn add(ctx: &Ctx, req: t::AddUserPoolClientSecretRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    let (secret, generated) = client_secrets::add(ctx, client, req.client_secret)?;
    reply_whole_seconds(&t::AddUserPoolClientSecretResponse {
        client_secret_descriptor: Some(descriptor(&secret, generated)),
    })
}

/// ListUserPoolClientSecrets: ids and dates, never the values.
pub(crate) fn list(ctx: &Ctx, req: t::ListUserPoolClientSecretsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    let secrets = client
        .live_secrets()
        .iter()
        .map(|s| descriptor(s, false))
        .collect();
    reply_whole_seconds(&t::ListUserPoolClientSecretsResponse {
        client_secrets: Some(secrets),
        next_token: None,
    })
}

/// DeleteUserPoolClientSecret.
pub(crate) fn delete(
    ctx: &Ctx,
    req: t::DeleteUserPoolClientSecretRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    client_secrets::delete(ctx, client, &req.client_secret_id)?;
    Ok(json!({}))
}

/// GetClientToken: an M2M access token.
pub(crate) fn client_token(ctx: &Ctx, req: t::GetClientTokenRequest) -> Result<Value, ApiError> {
    let client = ctx.client(&req.client_id)?;
    let pool = ctx.pool(&client.pool_id)?;
    let token = client_token::issue(
        ctx,
        &pool,
        &client,
        &req.secret,
        req.scopes.as_deref(),
        req.client_metadata,
    )?;
    reply_whole_seconds(&t::GetClientTokenResponse {
        client_authentication_result: Some(t::ClientAuthenticationResultType {
            access_token: Some(token.access_token),
            expires_in: i32::try_from(token.expires_in).ok(),
            token_type: Some("Bearer".into()),
        }),
    })
}

/// GetDerivedToken: OAuth 2.0 token exchange.
pub(crate) fn derived_token(ctx: &Ctx, req: t::GetDerivedTokenRequest) -> Result<Value, ApiError> {
    let client = ctx.client(&req.client_id)?;
    let actor = match (&req.actor_token, req.actor_token_type) {
        (Some(token), Some(kind)) => Some((token.as_str(), kind)),
        (Some(_), None) => return Err(ApiError::missing("ActorTokenType")),
        (None, _) => None,
    };
    let issued = token_exchange::exchange(
        ctx,
        &client,
        req.client_secret.as_deref(),
        &Exchange {
            subject: &req.subject_token,
            subject_type: req.subject_token_type,
            actor,
            provider_named: req.subject_token_provider_name.is_some()
                || req.actor_token_provider_name.is_some(),
            scopes: req.scopes.as_deref(),
            audiences: req.audiences.as_deref(),
            resources: req.resources.as_deref(),
            requested: req.requested_token_type,
        },
    )?;
    reply_whole_seconds(&t::GetDerivedTokenResponse {
        issued_token: issued.token,
        issued_token_type: issued.kind,
        token_type: t::OAuthTokenTypeType::Bearer,
        expires_in: i32::try_from(issued.expires_in).ok(),
        scopes: Some(issued.scopes),
    })
}
