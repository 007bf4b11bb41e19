//! A user's sessions: the refresh-token families of their logins (one per login, carried
//! across refreshes and rotations), listed by ListUserSessions/AdminListUserSessions and
//! revoked by Revoke/AdminRevokeUserSession — the family's refresh tokens and its access
//! tokens stop working, as after RevokeToken. The pool's session configuration
//! (`UserSessionTracking`, `TokenSession.MaxPerUser`) is enforced at each new login: beyond
//! the maximum, the oldest sessions are revoked.

use std::collections::BTreeMap;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;

use super::Ctx;
use super::config_docs::{self as docs, Collection};
use crate::error::ApiError;
use crate::model::{User, UserPool};

/// The key of a pool's session configuration.
pub(crate) const CONFIG: &str = "config";

/// The `SessionId` of the login `origin_jti`: `tkn` and 25 lowercase hex digits of the SHA-256
/// of the login's `origin_jti` (the model's pattern is `^(tkn|sso)[a-z0-9]{25}$`).
pub(crate) fn session_id(origin_jti: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(origin_jti.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("tkn{}", &hex[..25])
}

/// One live session.
pub(crate) struct Session {
    /// Its `SessionId` ([`session_id`]).
    pub(crate) id: String,
    /// The family's `origin_jti`.
    pub(crate) origin_jti: String,
    /// The app client it was made through.
    pub(crate) client_id: String,
    /// When the login was made.
    pub(crate) created: i64,
    /// When a token of it was last issued (login or refresh).
    pub(crate) last_active: i64,
    /// The device the login was made on.
    pub(crate) device_key: Option<String>,
}

/// The live sessions of `user`, oldest first: families with an unexpired, unrevoked refresh
/// token.
pub(crate) fn live(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Vec<Session>, ApiError> {
    let now = ctx.now();
    let mut families: BTreeMap<String, Session> = BTreeMap::new();
    let mut order = Vec::new();
    for r in ctx.store.refresh_list_user(&pool.id, &user.username)? {
        if r.sub != user.sub || r.revoked || r.expires <= now {
            continue;
        }
        let s = families.entry(r.origin_jti.clone()).or_insert_with(|| {
            order.push(r.origin_jti.clone());
            Session {
                id: session_id(&r.origin_jti),
                origin_jti: r.origin_jti.clone(),
                client_id: r.client_id.clone(),
                created: r.auth_time,
                last_active: r.issued,
                device_key: r.device_key.clone(),
            }
        });
        s.last_active = s.last_active.max(r.issued);
    }
    let mut out = Vec::new();
    for id in order {
        if ctx.store.family_revoked(&id)? {
            continue;
        }
        if let Some(s) = families.remove(&id) {
            out.push(s);
        }
    }
    out.sort_by_key(|s| s.created);
    Ok(out)
}

/// Revokes session `id` of `user`.
pub(crate) fn revoke(ctx: &Ctx, pool: &UserPool, user: &User, id: &str) -> Result<(), ApiError> {
    let sessions = live(ctx, pool, user)?;
    let Some(session) = sessions.iter().find(|s| s.id == id) else {
        return Err(ApiError::new(
            E::ResourceNotFoundException,
            format!("Session {id} does not exist."),
        ));
    };
    ctx.store
        .revoke_family(&pool.id, &session.origin_jti, ctx.now())?;
    Ok(())
}

/// The pool's session configuration, if set (kept under the pool's stamp: `pool_cache`).
pub(crate) fn config(
    ctx: &Ctx,
    pool: &UserPool,
) -> Result<Option<t::GetUserPoolSessionConfigurationResponse>, ApiError> {
    let kept = ctx.pool_sessions.get(pool, || {
        docs::get(ctx, &pool.id, Collection::SessionConfig, CONFIG)
    })?;
    Ok((*kept).clone())
}

/// After a login of `user`: when the pool tracks sessions with a maximum per user, the oldest
/// sessions beyond it are revoked.
pub(crate) fn enforce_limit(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<(), ApiError> {
    let Some(cfg) = config(ctx, pool)? else {
        return Ok(());
    };
    let max = match (cfg.user_session_tracking, cfg.token_session) {
        (Some(t::UserSessionTrackingType::Enabled), Some(ts)) => ts.max_per_user.max(1),
        _ => return Ok(()),
    };
    let sessions = live(ctx, pool, user)?;
    let excess = sessions.len().saturating_sub(max as usize);
    for s in sessions.iter().take(excess) {
        ctx.store
            .revoke_family(&pool.id, &s.origin_jti, ctx.now())?;
    }
    Ok(())
}
