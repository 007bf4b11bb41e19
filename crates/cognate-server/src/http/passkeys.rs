//! Passkeys on the hosted pages: whether a page offers them, the offer to add one after a
//! sign-in, and `GET|POST /passkeys/add` (a signed-in user adds a passkey, then goes on to the
//! app). Sign-in with a passkey is a step of `/login` (`super::endpoints`).
//!
//! A page offers passkeys when the pool allows `WEB_AUTHN` as a first factor and the host the
//! browser is on is the pool's relying party id, or under it when the id has a dot (browsers
//! refuse any other id: `localhost` serves `http://localhost:PORT`, the domain's path form;
//! the host form `{prefix}.auth.localhost` needs that name as the id).
//! The ceremonies are `services::passkeys`', as for the API (StartWebAuthnRegistration /
//! CompleteWebAuthnRegistration, the `WEB_AUTHN` challenge of `USER_AUTH`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::Value;

use super::form::Fields;
use super::passkey_pages;
use super::respond::{error_page, finish, finish_sign_in, page, redirect};
use super::session;
use super::site::Site;
use crate::error::ApiError;
use crate::model::User;
use crate::services::Ctx;
use crate::services::oauth::authorize::AuthorizeRequest;
use crate::services::passkeys;

/// What a page says when asked for a passkey where it offers none.
pub(super) const NOT_OFFERED: &str = "Passkeys are not available on this page: the user pool does not allow WEB_AUTHN, or this host is not under its relying party id.";

/// Whether the pages of `site` offer passkeys (see the module's note).
pub(super) fn offered(ctx: &Ctx, site: &Site) -> bool {
    if !site.pool.allows_first_factor("WEB_AUTHN") {
        return false;
    }
    // Browsers take an id that is the page's host, or a registrable suffix of it (never a
    // single label such as `localhost` for `shop.auth.localhost`).
    passkeys::relying_party(ctx, &site.pool).is_ok_and(|rp| {
        site.host == rp.id
            || (rp.id.contains('.')
                && site
                    .host
                    .strip_suffix(rp.id.as_str())
                    .is_some_and(|p| p.ends_with('.')))
    })
}

/// The page that adds a passkey for `user`: fresh creation options (a new registration
/// challenge), the form posting to `/passkeys/add` with the request's `query`.
fn add_page(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    query: &str,
    user: &User,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let options = passkeys::start_registration(ctx, &site.pool, user, &req.client.id)?;
    let action = format!("{}?{query}", site.path("/passkeys/add"));
    Ok(passkey_pages::add(
        &action,
        &user.username,
        &options.to_string(),
        error,
    ))
}

fn internal(e: &ApiError) -> Response {
    tracing::error!(error = %e.message, "passkey page: internal error");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
}

/// A user who just signed in on the pages: when the pages offer passkeys and the user has
/// none, the offer to add one first (the session cookie is set already); else back to the app.
pub(super) fn after_sign_in(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    query: &str,
    user: &User,
) -> Response {
    let offer =
        offered(ctx, site) && matches!(passkeys::has_credentials(ctx, &site.pool, user), Ok(false));
    if !offer {
        return finish_sign_in(ctx, site, req, user);
    }
    let cookie = session::issue(ctx, &site.pool.id, user, site.cookie_path());
    let mut resp = match add_page(ctx, site, req, query, user, None) {
        Ok(r) => r,
        // The offer is optional: without it, on to the app.
        Err(e) => {
            tracing::warn!(error = %e.message, "passkey offer: skipped");
            return finish(ctx, site, req, user, ctx.now(), Some(cookie));
        }
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /passkeys/add`: a signed-in user (the session cookie) adds a passkey; not signed in,
/// the sign-in page of the same request.
pub(crate) async fn add_form_page(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    page(
        ctx,
        site,
        uri,
        "/passkeys/add",
        move |ctx, site, req, query, _| {
            let Some((user, _)) = session::current(ctx, &headers, &site.pool.id) else {
                return redirect(&format!("{}?{query}", site.path("/login")), None);
            };
            if !offered(ctx, site) {
                return error_page(StatusCode::BAD_REQUEST, NOT_OFFERED);
            }
            match add_page(ctx, site, &req, query, &user, None) {
                Ok(r) => r,
                Err(e) if e.status() >= 500 => internal(&e),
                Err(e) => error_page(StatusCode::BAD_REQUEST, &e.message),
            }
        },
    )
    .await
}

/// `POST /passkeys/add`: the browser's new credential (`step=register`, `answer` a
/// `RegistrationResponseJSON`, or `error` when the browser gave none), checked and stored
/// (CompleteWebAuthnRegistration's ceremony), or `step=skip`; then on to the app.
pub(crate) async fn add_form(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    page(
        ctx,
        site,
        uri,
        "/passkeys/add",
        move |ctx, site, req, query, _| {
            let Some((user, auth_time)) = session::current(ctx, &headers, &site.pool.id) else {
                return redirect(&format!("{}?{query}", site.path("/login")), None);
            };
            let form = Fields::parse(&body);
            if form.get("step").as_deref() == Some("skip") {
                return finish(ctx, site, &req, &user, auth_time, None);
            }
            let again = |message: &str| match add_page(ctx, site, &req, query, &user, Some(message))
            {
                Ok(r) => r,
                Err(e) if e.status() >= 500 => internal(&e),
                Err(e) => error_page(StatusCode::BAD_REQUEST, &e.message),
            };
            if let Some(name) = form.get("error") {
                return again(&passkey_pages::browser_error(&name));
            }
            let credential = match form
                .get("answer")
                .map(|a| serde_json::from_str::<Value>(&a))
            {
                Some(Ok(v)) => v,
                _ => return again("The browser sent no passkey."),
            };
            match passkeys::complete_registration(
                ctx,
                &site.pool,
                &user,
                &req.client.id,
                &credential,
            ) {
                Ok(()) => finish(ctx, site, &req, &user, auth_time, None),
                Err(e) if e.status() >= 500 => internal(&e),
                Err(e) => again(&e.message),
            }
        },
    )
    .await
}
