//! Sessions (`services::sessions`): ListUserSessions, AdminListUserSessions, RevokeUserSession,
//! AdminRevokeUserSession, and Get/SetUserPoolSessionConfiguration and
//! Get/SetUserPoolClientSessionConfiguration.

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{page, reply_whole_seconds, timestamp};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::config_docs::{self as docs, Collection};
use crate::services::sessions::{self, CONFIG};
use crate::services::tokens::{check_access_token, token_user};
use crate::services::{Ctx, users};

fn described(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    current: Option<&str>,
    token: Option<&str>,
) -> Result<Value, ApiError> {
    let all: Vec<t::SessionDescriptionType> = sessions::live(ctx, pool, user)?
        .into_iter()
        .map(|s| t::SessionDescriptionType {
            is_current_session: Some(current == Some(s.origin_jti.as_str())),
            session_id: Some(s.id),
            session_type: Some(t::SessionTypeType::Token),
            client_id: Some(s.client_id),
            create_date: Some(timestamp(s.created)),
            last_active_date: Some(timestamp(s.last_active)),
            device_type: s.device_key.map(|_| "Remembered device".to_owned()),
            last_ip_address: None,
            last_location: None,
            origin_session_id: None,
        })
        .collect();
    let (items, next_token) = page(all, None, token)?;
    reply_whole_seconds(&t::ListUserSessionsResponse {
        sessions: Some(items),
        next_token,
    })
}

/// ListUserSessions: the signed-in user's sessions, theirs marked current.
pub(crate) fn list(ctx: &Ctx, req: t::ListUserSessionsRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    let (_, claims) = check_access_token(ctx, &req.access_token)?;
    let current = claims.get("origin_jti").and_then(Value::as_str);
    described(ctx, &pool, &user, current, req.next_token.as_deref())
}

/// AdminListUserSessions.
pub(crate) fn admin_list(
    ctx: &Ctx,
    req: t::AdminListUserSessionsRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = users::get(ctx, &pool, &req.username)?;
    described(ctx, &pool, &user, None, req.next_token.as_deref())
}

/// RevokeUserSession.
pub(crate) fn revoke(ctx: &Ctx, req: t::RevokeUserSessionRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    sessions::revoke(ctx, &pool, &user, &req.session_id)?;
    Ok(json!({}))
}

/// AdminRevokeUserSession.
pub(crate) fn admin_revoke(
    ctx: &Ctx,
    req: t::AdminRevokeUserSessionRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = users::get(ctx, &pool, &req.username)?;
    sessions::revoke(ctx, &pool, &user, &req.session_id)?;
    Ok(json!({}))
}

/// GetUserPoolSessionConfiguration: tracking is off until set.
pub(crate) fn get_config(
    ctx: &Ctx,
    req: t::GetUserPoolSessionConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let cfg = sessions::config(ctx, &pool)?.unwrap_or(t::GetUserPoolSessionConfigurationResponse {
        user_pool_id: Some(pool.id.clone()),
        user_session_tracking: Some(t::UserSessionTrackingType::Disabled),
        token_session: None,
    });
    reply_whole_seconds(&cfg)
}

/// SetUserPoolSessionConfiguration.
pub(crate) fn set_config(
    ctx: &Ctx,
    req: t::SetUserPoolSessionConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let cfg = t::GetUserPoolSessionConfigurationResponse {
        user_pool_id: Some(pool.id.clone()),
        user_session_tracking: Some(req.user_session_tracking),
        token_session: Some(req.token_session),
    };
    docs::put(ctx, &pool.id, Collection::SessionConfig, CONFIG, &cfg)?;
    reply_whole_seconds(&cfg)
}

/// GetUserPoolClientSessionConfiguration.
pub(crate) fn get_client_config(
    ctx: &Ctx,
    req: t::GetUserPoolClientSessionConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    let cfg = docs::get(ctx, &pool.id, Collection::ClientSessionConfig, &client.id)?.unwrap_or(
        t::GetUserPoolClientSessionConfigurationResponse {
            user_pool_id: Some(pool.id.clone()),
            client_id: Some(client.id.clone()),
            sso_session: None,
        },
    );
    reply_whole_seconds(&cfg)
}

/// SetUserPoolClientSessionConfiguration.
pub(crate) fn set_client_config(
    ctx: &Ctx,
    req: t::SetUserPoolClientSessionConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    let cfg = t::GetUserPoolClientSessionConfigurationResponse {
        user_pool_id: Some(pool.id.clone()),
        client_id: Some(client.id.clone()),
        sso_session: Some(req.sso_session),
    };
    docs::put(
        ctx,
        &pool.id,
        Collection::ClientSessionConfig,
        &client.id,
        &cfg,
    )?;
    reply_whole_seconds(&cfg)
}
