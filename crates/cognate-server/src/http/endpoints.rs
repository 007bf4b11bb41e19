//! The handlers of the domain's endpoints: `GET /oauth2/authorize`, `POST /oauth2/token`,
//! `GET|POST /oauth2/userInfo`, `POST /oauth2/revoke`, `GET|POST /login`, `GET /logout`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::blocking;
use super::form::Fields;
use super::pages;
use super::respond::{authorize_params, error_page, finish, redirect, refused};
use super::session;
use super::site::Site;
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::oauth::authorize::{self, AuthorizeError, AuthorizeRequest, Prompt};
use crate::services::oauth::grants::{self, OAuthError, TokenRequest};
use crate::services::oauth::hosted::{self, Challenge, Outcome};
use crate::services::oauth::scopes;
use crate::services::tokens::verify_access_token;

fn json_answer(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn oauth_error(e: OAuthError) -> Response {
    let mut resp = json_answer(e.status(), &e.body());
    if e == OAuthError::InvalidClient {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"cognito\""),
        );
    }
    resp
}

fn server_error() -> Response {
    oauth_error(OAuthError::ServerError)
}

/// `client_id` and secret of an HTTP Basic `Authorization` header (RFC 6749 2.3.1: each
/// form-urlencoded).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| OAuthError::InvalidClient)?;
    let Some(encoded) = text
        .strip_prefix("Basic ")
        .or_else(|| text.strip_prefix("basic "))
    else {
        return Err(OAuthError::InvalidClient);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(OAuthError::InvalidClient)?;
    let (id, secret) = decoded.split_once(':').ok_or(OAuthError::InvalidClient)?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// The form body of a token or revoke request, with its client credentials.
fn token_request(headers: &HeaderMap, body: &[u8]) -> Result<(TokenRequest, Fields), OAuthError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form {
        return Err(OAuthError::InvalidRequest);
    }
    let fields = Fields::parse(body);
    if fields.repeated.is_some() {
        return Err(OAuthError::InvalidRequest);
    }
    let req = TokenRequest {
        grant_type: fields.get("grant_type"),
        client_id: fields.get("client_id"),
        client_secret: fields.get("client_secret"),
        basic: basic_credentials(headers)?,
        scope: fields.get("scope"),
        code: fields.get("code"),
        redirect_uri: fields.get("redirect_uri"),
        code_verifier: fields.get("code_verifier"),
        refresh_token: fields.get("refresh_token"),
        resource: fields.get("resource"),
        client_metadata: fields.get("aws_client_metadata"),
    };
    Ok((req, fields))
}

/// `POST /oauth2/token`.
pub(crate) async fn token(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, _fields) = match token_request(&headers, &body) {
        Ok(r) => r,
        Err(e) => return oauth_error(e),
    };
    match blocking(move || grants::token(&ctx, &site.pool, &req)).await {
        Some(Ok(tokens)) => match serde_json::to_value(&tokens) {
            Ok(v) => json_answer(200, &v),
            Err(_) => server_error(),
        },
        Some(Err(e)) => oauth_error(e),
        None => server_error(),
    }
}

/// `POST /oauth2/revoke`.
pub(crate) async fn revoke(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (req, fields) = match token_request(&headers, &body) {
        Ok(r) => r,
        Err(e) => return oauth_error(e),
    };
    let token = fields.get("token");
    match blocking(move || grants::revoke(&ctx, &site.pool, &req, token.as_deref())).await {
        Some(Ok(())) => {
            let mut resp = StatusCode::OK.into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Some(Err(e)) => oauth_error(e),
        None => server_error(),
    }
}

/// The attributes `/oauth2/userInfo` returns for `scopes`: `sub` and `username` always; the
/// email, phone and profile attributes with their scopes; everything readable with
/// `aws.cognito.signin.user.admin`.
fn user_info_claims(user: &crate::model::User, granted: &[&str]) -> Map<String, Value> {
    const EMAIL: &[&str] = &["email", "email_verified"];
    const PHONE: &[&str] = &["phone_number", "phone_number_verified"];
    let admin = granted.contains(&scopes::ADMIN);
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.sub));
    for (k, v) in &user.attributes {
        let allowed = admin
            || (granted.contains(&"email") && EMAIL.contains(&k.as_str()))
            || (granted.contains(&"phone") && PHONE.contains(&k.as_str()))
            || (granted.contains(&"profile")
                && !EMAIL.contains(&k.as_str())
                && !PHONE.contains(&k.as_str()));
        if allowed {
            out.insert(k.clone(), json!(v));
        }
    }
    out.insert("username".into(), json!(user.username));
    out
}

/// `GET|POST /oauth2/userInfo` with `Authorization: Bearer <access token>` (scope `openid`).
pub(crate) async fn user_info(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    let invalid = |description: &str| {
        let mut resp = json_answer(
            401,
            &json!({"error": "invalid_token", "error_description": description}),
        );
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        resp
    };
    let Some(token) = token else {
        return invalid("Access token is missing");
    };
    let outcome = blocking(move || -> Result<Map<String, Value>, String> {
        let (pool, claims) = verify_access_token(&ctx, &token).map_err(|e| e.message)?;
        if pool.id != site.pool.id {
            return Err("Invalid Access Token".into());
        }
        let granted: Vec<&str> = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(' ')
            .collect();
        if !granted.contains(&scopes::OPENID) && !granted.contains(&scopes::ADMIN) {
            return Err("Access token does not have the openid scope".into());
        }
        let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
        let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
        let user = ctx
            .store
            .user_get(&pool.id, username)
            .map_err(|e| e.to_string())?
            .filter(|u| u.sub == sub && u.enabled)
            .ok_or_else(|| "User does not exist.".to_owned())?;
        Ok(user_info_claims(&user, &granted))
    })
    .await;
    match outcome {
        Some(Ok(claims)) => json_answer(200, &Value::Object(claims)),
        Some(Err(m)) => invalid(&m),
        None => server_error(),
    }
}

/// What an authorization request leads to.
enum Next {
    /// An answer now (a redirect, a page).
    Answer(Response),
    /// The external identity provider the request names.
    Federate(Box<crate::services::oauth::identity_providers::IdentityProvider>),
}

/// `GET /oauth2/authorize`.
pub(crate) async fn authorize(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query = uri.query().unwrap_or("").to_owned();
    let next = {
        let (ctx, query, headers) = (ctx.clone(), query.clone(), headers.clone());
        let (pool, base, host) = (site.pool.clone(), site.base.clone(), site.host.clone());
        blocking(move || {
            let site = Site { pool, base, host };
            let fields = Fields::parse(query.as_bytes());
            if let Some(name) = &fields.repeated {
                return Next::Answer(error_page(
                    StatusCode::BAD_REQUEST,
                    &format!("The parameter {name} is repeated."),
                ));
            }
            let req = match authorize::check(&ctx, &site.pool, &authorize_params(&fields)) {
                Ok(r) => r,
                Err(e) => return Next::Answer(refused(e)),
            };
            if let Some(idp) = req.federate {
                return Next::Federate(Box::new(idp));
            }
            if req.prompt != Some(Prompt::Login)
                && let Some((user, auth_time)) = session::current(&ctx, &headers, &site.pool.id)
            {
                return Next::Answer(finish(&ctx, &site, &req, &user, auth_time, None));
            }
            if req.prompt == Some(Prompt::None) {
                return Next::Answer(refused(AuthorizeError::Redirect {
                    redirect_uri: req.redirect_uri.clone(),
                    error: "login_required",
                    description: "The user is not signed in.".into(),
                    state: req.state.clone(),
                    fragment: req.response_type == authorize::ResponseType::Token,
                }));
            }
            Next::Answer(redirect(&format!("{}?{query}", site.path("/login")), None))
        })
        .await
    };
    match next {
        Some(Next::Answer(resp)) => resp,
        Some(Next::Federate(idp)) => {
            super::federation::redirect_to_provider(ctx, &site, &headers, *idp, query).await
        }
        None => server_error(),
    }
}

/// What the sign-in page offers for `req`: the password form (clients of `COGNITO`) posting
/// to `action`, and a link per external identity provider.
pub(super) fn sign_in_form(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    action: &str,
    query: &str,
) -> pages::SignInForm {
    let providers = req
        .providers
        .iter()
        .map(|name| {
            let mut q = form_urlencoded::Serializer::new(query.to_owned());
            q.append_pair("identity_provider", name);
            (
                name.clone(),
                format!("{}?{}", site.path("/oauth2/authorize"), q.finish()),
            )
        })
        .collect();
    let page = |path: &str| format!("{}?{query}", site.path(path));
    pages::SignInForm {
        action: req.cognito.then(|| action.to_owned()),
        providers,
        forgot_password: req.cognito.then(|| page("/forgotPassword")),
        sign_up: (req.cognito && !site.pool.allow_admin_create_user_only).then(|| page("/signup")),
        notice: None,
        passkey: req.cognito && super::passkeys::offered(ctx, site),
    }
}

/// `GET /login`: the sign-in page of an authorization request (its parameters in the query).
pub(crate) async fn login_page(State(ctx): State<Arc<Ctx>>, site: Site, uri: Uri) -> Response {
    let query = uri.query().unwrap_or("").to_owned();
    let outcome = blocking(move || {
        let fields = Fields::parse(query.as_bytes());
        let req = match authorize::check(&ctx, &site.pool, &authorize_params(&fields)) {
            Ok(r) => r,
            Err(e) => return refused(e),
        };
        let action = format!("{}?{query}", site.path("/login"));
        pages::html(
            StatusCode::OK,
            pages::sign_in(
                &sign_in_form(&ctx, &site, &req, &action, &query),
                req.login_hint.as_deref(),
                None,
            ),
        )
    })
    .await;
    outcome.unwrap_or_else(server_error)
}

/// Where a sign-in goes after a step: back to the app when every check passed (after the offer
/// to add a passkey, `super::passkeys::after_sign_in`), else the next challenge's page
/// (posting to the `/login` form with the authorization request's `query`).
pub(super) fn outcome_page(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    query: &str,
    username: &str,
    outcome: Outcome,
) -> Response {
    let action = &format!("{}?{query}", site.path("/login"));
    match outcome {
        Outcome::SignedIn(user) => super::passkeys::after_sign_in(ctx, site, req, query, &user),
        Outcome::Next {
            challenge: Challenge::WebAuthn,
            session,
            request_options,
            ..
        } => super::passkey_pages::sign_in(
            action,
            &session,
            username,
            request_options.as_deref().unwrap_or("{}"),
            action,
        ),
        Outcome::Next {
            challenge,
            session,
            destination,
            options,
            ..
        } => pages::html(
            StatusCode::OK,
            pages::challenge(
                action,
                challenge,
                &session,
                username,
                destination.as_deref(),
                &options,
                None,
            ),
        ),
    }
}

/// `POST /login`: the sign-in form, or a challenge's form.
pub(crate) async fn login_form(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    body: Bytes,
) -> Response {
    let query = uri.query().unwrap_or("").to_owned();
    let outcome = blocking(move || {
        let params = Fields::parse(query.as_bytes());
        let req = match authorize::check(&ctx, &site.pool, &authorize_params(&params)) {
            Ok(r) => r,
            Err(e) => return refused(e),
        };
        let action = format!("{}?{query}", site.path("/login"));
        if !req.cognito {
            return error_page(
                StatusCode::BAD_REQUEST,
                "The app client does not sign in the user pool's own users.",
            );
        }
        let form = Fields::parse(&body);
        let username = form.get("username").unwrap_or_default();
        let challenge = form.get("challenge").and_then(|c| Challenge::parse(&c));
        let passkey = form.get("method").as_deref() == Some("passkey");
        let result = match (&challenge, form.get("session")) {
            // The browser gave no passkey (cancelled, timed out, refused): the sign-in page
            // says so; the login's session is left to expire.
            (Some(Challenge::WebAuthn), Some(_)) if form.get("error").is_some() => {
                Err(ApiError::invalid(super::passkey_pages::browser_error(
                    &form.get("error").unwrap_or_default(),
                )))
            }
            (Some(c), Some(s)) => hosted::answer(
                &ctx,
                &site.pool,
                &req.client,
                *c,
                &s,
                &username,
                &form.get("answer").unwrap_or_default(),
            ),
            _ if passkey && !super::passkeys::offered(&ctx, &site) => {
                Err(ApiError::invalid(super::passkeys::NOT_OFFERED))
            }
            _ if passkey => hosted::passkey_sign_in(&ctx, &site.pool, &req.client, &username),
            _ => hosted::sign_in(
                &ctx,
                &site.pool,
                &req.client,
                &username,
                &form.get("password").unwrap_or_default(),
            ),
        };
        match result {
            Ok(outcome) => outcome_page(&ctx, &site, &req, &query, &username, outcome),
            Err(e) if e.status() >= 500 => {
                tracing::error!(error = %e.message, "login: internal error");
                error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
            }
            // A wrong code keeps the challenge's page (its session is still good); anything
            // else starts over at the sign-in form.
            Err(e) => match (challenge, form.get("session")) {
                (Some(c), Some(s))
                    if e.message.starts_with("Invalid code")
                        || e.message.starts_with("Password did not conform") =>
                {
                    pages::html(
                        StatusCode::OK,
                        pages::challenge(&action, c, &s, &username, None, &[], Some(&e.message)),
                    )
                }
                _ => pages::html(
                    StatusCode::OK,
                    pages::sign_in(
                        &sign_in_form(&ctx, &site, &req, &action, &query),
                        Some(&username)
                            .filter(|u| !u.is_empty())
                            .map(String::as_str),
                        Some(&e.message),
                    ),
                ),
            },
        }
    })
    .await;
    outcome.unwrap_or_else(server_error)
}

/// `GET /logout`: ends the hosted session, then goes to `logout_uri` (one of the client's
/// sign-out URLs), or with `redirect_uri` and `response_type` back to the sign-in page.
pub(crate) async fn logout(State(ctx): State<Arc<Ctx>>, site: Site, uri: Uri) -> Response {
    let query = uri.query().unwrap_or("").to_owned();
    let outcome = blocking(move || {
        let fields = Fields::parse(query.as_bytes());
        let clear = session::clear(site.cookie_path());
        let Some(client_id) = fields.get("client_id") else {
            return error_page(StatusCode::BAD_REQUEST, "Missing client_id.");
        };
        let client = match ctx.store.client_get(&client_id) {
            Ok(Some(c)) if c.pool_id == site.pool.id => c,
            Ok(_) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "The client_id is not that of an app client of this user pool.",
                );
            }
            Err(_) => return server_error(),
        };
        let settings = crate::services::oauth::client_settings::OAuthSettings::of(&client);
        if let Some(target) = fields.get("logout_uri") {
            if !settings.logout_urls().contains(&target) {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "The logout_uri is not one of the app client's sign-out URLs.",
                );
            }
            return redirect(&target, Some(clear));
        }
        if fields.get("redirect_uri").is_some() && fields.get("response_type").is_some() {
            // Checked as an authorization request before anything is sent anywhere.
            if let Err(e) = authorize::check(&ctx, &site.pool, &authorize_params(&fields)) {
                return refused(e);
            }
            return redirect(&format!("{}?{query}", site.path("/login")), Some(clear));
        }
        let mut resp = pages::html(StatusCode::OK, pages::signed_out());
        if let Ok(v) = HeaderValue::from_str(&clear) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        resp
    })
    .await;
    outcome.unwrap_or_else(server_error)
}
