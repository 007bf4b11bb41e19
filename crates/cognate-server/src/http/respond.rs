//! What the domain's pages answer besides their own page: a redirect, an error page, an
//! authorization request refused (a page or a redirect, where Cognito does each), and a
//! signed-in user sent back to the app; and the skeleton of a page of its own ([`page`]).
//! Shared by the endpoints, the account and passkey pages and the federation handlers.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::blocking;
use super::form::{Fields, with_params};
use super::pages;
use super::session;
use super::site::Site;
use crate::services::Ctx;
use crate::services::oauth::authorize::{self, AuthorizeError, AuthorizeParams, AuthorizeRequest};

pub(super) fn redirect(location: &str, cookie: Option<String>) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    pages::html(status, pages::error(message))
}

pub(super) fn authorize_params(fields: &Fields) -> AuthorizeParams {
    AuthorizeParams {
        response_type: fields.get("response_type"),
        client_id: fields.get("client_id"),
        redirect_uri: fields.get("redirect_uri"),
        state: fields.get("state"),
        scope: fields.get("scope"),
        nonce: fields.get("nonce"),
        code_challenge: fields.get("code_challenge"),
        code_challenge_method: fields.get("code_challenge_method"),
        identity_provider: fields.get("identity_provider"),
        idp_identifier: fields.get("idp_identifier"),
        prompt: fields.get("prompt"),
        login_hint: fields.get("login_hint"),
        resource: fields.get("resource"),
    }
}

pub(super) fn refused(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page(m) => error_page(StatusCode::BAD_REQUEST, &m),
        AuthorizeError::Redirect {
            redirect_uri,
            error,
            description,
            state,
            fragment,
        } => {
            let mut pairs = vec![
                ("error", error.to_owned()),
                ("error_description", description),
            ];
            if let Some(s) = state {
                pairs.push(("state", s));
            }
            redirect(&with_params(&redirect_uri, &pairs, fragment), None)
        }
    }
}

/// Sends the signed-in user back to the client: the code (or tokens) at the redirect URI.
pub(super) fn finish(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    user: &crate::model::User,
    auth_time: i64,
    cookie: Option<String>,
) -> Response {
    match authorize::complete(ctx, &site.pool, req, user, auth_time) {
        Ok(pairs) => {
            let fragment = req.response_type == authorize::ResponseType::Token;
            redirect(&with_params(&req.redirect_uri, &pairs, fragment), cookie)
        }
        Err(e) => {
            tracing::error!(error = %e.message, "authorize: could not complete");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
        }
    }
}

/// A user who just signed in (on the page, or at an external provider): a session cookie, and
/// back to the app.
pub(super) fn finish_sign_in(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    user: &crate::model::User,
) -> Response {
    let cookie = session::issue(ctx, &site.pool.id, user, site.cookie_path());
    finish(ctx, site, req, user, ctx.now(), Some(cookie))
}

/// The authorization request a page carries in its query, checked as `/authorize` checks it;
/// a page for the clients that sign in the pool's own users only.
fn checked(ctx: &Ctx, site: &Site, query: &str) -> Result<AuthorizeRequest, Box<Response>> {
    let params = Fields::parse(query.as_bytes());
    let req = authorize::check(ctx, &site.pool, &authorize_params(&params))
        .map_err(|e| Box::new(refused(e)))?;
    if !req.cognito {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "The app client does not sign in the user pool's own users.",
        )));
    }
    Ok(req)
}

/// Serves a page of its own: the authorization request of its query, checked; its form's
/// action (`path` with the same query); the page's work on the blocking pool (a panic is a
/// 500 page).
pub(super) async fn page(
    ctx: Arc<Ctx>,
    site: Site,
    uri: Uri,
    path: &'static str,
    work: impl FnOnce(&Ctx, &Site, AuthorizeRequest, &str, String) -> Response + Send + 'static,
) -> Response {
    let query = uri.query().unwrap_or("").to_owned();
    let outcome = blocking(move || match checked(&ctx, &site, &query) {
        Ok(req) => {
            let action = format!("{}?{query}", site.path(path));
            work(&ctx, &site, req, &query, action)
        }
        Err(page) => *page,
    })
    .await;
    outcome
        .unwrap_or_else(|| error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong."))
}
