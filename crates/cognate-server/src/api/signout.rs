//! GlobalSignOut and AdminUserGlobalSignOut: every login of the user ends at once.
//!
//! Each login is a family of refresh tokens sharing an `origin_jti` (carried by its access and
//! ID tokens across refreshes). Signing out revokes every family the user has: its refresh
//! tokens then answer `Refresh Token has been revoked`, and every access token of those logins
//! `Access Token has been revoked`. Logins made after the sign-out are new families and work,
//! even within the same second.

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::services::Ctx;

pub(crate) fn global_sign_out(ctx: &Ctx, req: t::GlobalSignOutRequest) -> Result<Value, ApiError> {
    let (pool, claims) = crate::services::tokens::check_access_token(ctx, &req.access_token)?;
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let user = ctx
        .store
        .user_get(&pool.id, username)?
        .filter(|u| u.sub == sub)
        .ok_or_else(ApiError::user_not_found)?;
    ctx.store
        .revoke_user_families(&pool.id, &user.username, ctx.now())?;
    Ok(json!({}))
}

pub(crate) fn admin_user_global_sign_out(
    ctx: &Ctx,
    req: t::AdminUserGlobalSignOutRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = crate::services::users::get(ctx, &pool, &req.username)?;
    ctx.store
        .revoke_user_families(&pool.id, &user.username, ctx.now())?;
    Ok(json!({}))
}
