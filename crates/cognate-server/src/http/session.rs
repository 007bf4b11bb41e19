//! The hosted pages' session cookie: sealed (AES-256-GCM under the server's key, so it is
//! both secret and unforgeable), `HttpOnly`, `SameSite=Lax`, on the domain's path. While it is
//! valid an authorization request skips the sign-in page; `/logout` clears it.

use axum::http::HeaderMap;
use axum::http::header;
use serde::{Deserialize, Serialize};

use crate::model::User;
use crate::secret_block::Purpose;
use crate::services::Ctx;

/// The cookie's name (Cognito's own is `cognito`).
const NAME: &str = "cognito";

/// Seconds a sign-in lasts (Cognito's hosted UI: one hour).
pub(crate) const LIFETIME: i64 = 3600;

/// What the cookie carries.
#[derive(Serialize, Deserialize)]
pub(crate) struct HostedSession {
    /// The pool.
    pub pool: String,
    /// The user's internal name.
    pub user: String,
    /// The user's `sub`.
    pub sub: String,
    /// When the user signed in.
    pub auth_time: i64,
    /// Expiry.
    pub expires: i64,
}

/// The `Set-Cookie` value for a sign-in of `user` now.
pub(crate) fn issue(ctx: &Ctx, pool_id: &str, user: &User, path: &str) -> String {
    let now = ctx.now();
    let value = ctx.sealer.seal(
        Purpose::HostedSession,
        &HostedSession {
            pool: pool_id.to_owned(),
            user: user.username.clone(),
            sub: user.sub.clone(),
            auth_time: now,
            expires: now + LIFETIME,
        },
    );
    format!("{NAME}={value}; Path={path}; Max-Age={LIFETIME}; HttpOnly; SameSite=Lax")
}

/// The `Set-Cookie` value that ends the session.
pub(crate) fn clear(path: &str) -> String {
    format!("{NAME}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// The valid session of `pool_id` the request carries: its user (still there, same `sub`,
/// enabled) and sign-in time.
pub(crate) fn current(ctx: &Ctx, headers: &HeaderMap, pool_id: &str) -> Option<(User, i64)> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, v)| *k == NAME && !v.is_empty())
        .map(|(_, v)| v.to_owned())?;
    let s: HostedSession = ctx.sealer.open_b64(Purpose::HostedSession, &value)?;
    if s.pool != pool_id || ctx.now() >= s.expires {
        return None;
    }
    let user = ctx.store.user_get(pool_id, &s.user).ok()??;
    (user.sub == s.sub && user.enabled).then_some((user, s.auth_time))
}
