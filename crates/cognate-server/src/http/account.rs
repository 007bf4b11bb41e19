//! The hosted account pages: `GET|POST /signup` (sign-up, its confirmation code, a new code)
//! and `GET|POST /forgotPassword` (a code, then the new password). Each carries the
//! authorization request in its query, as `/login` does, and ends on the sign-in page or back
//! at the app.
//!
//! The pages act as the app client itself: they call the same operations an app would
//! (SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword),
//! validated against the model, with the `SecretHash` of a client that has a secret computed
//! here, where the secret is known. Their triggers, messages and errors are the API's.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use cognate_model::idp::{self, Operation};
use cognate_model::validate;
use serde_json::{Map, Value, json};

use super::endpoints::{outcome_page, sign_in_form};
use super::form::Fields;
use super::pages::{self, Field};
use super::respond::{error_page, page};
use super::site::Site;
use crate::error::ApiError;
use crate::model::{AppClient, UserPool};
use crate::services::Ctx;
use crate::services::oauth::authorize::AuthorizeRequest;
use crate::services::oauth::hosted;

/// Calls operation `op` as an app client would, `body` validated against the model first.
fn call(ctx: &Ctx, op: Operation, body: Value) -> Result<Value, ApiError> {
    validate::input(&idp::SERVICE, op.def(), &body).map_err(|r| match r {
        validate::Rejection::Serialization(m) | validate::Rejection::Invalid(m) => {
            ApiError::invalid(m)
        }
    })?;
    let Value::Object(map) = body else {
        return Err(ApiError::internal("a request body that is not an object"));
    };
    crate::api::call(ctx, op, map)
}

/// The request of `op` for `username` through `client`: its `ClientId`, `Username` and, when
/// the client has a secret, its `SecretHash`.
fn request(client: &AppClient, username: &str) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("ClientId".into(), json!(client.id));
    body.insert("Username".into(), json!(username));
    if let Some(secret) = client.live_secrets().first() {
        body.insert(
            "SecretHash".into(),
            json!(cognate_srp::secret_hash(
                &secret.value,
                username,
                &client.id
            )),
        );
    }
    body
}

/// The sign-in page of the request, with `notice` above it and `username` filled in.
fn sign_in_page(
    ctx: &Ctx,
    site: &Site,
    req: &AuthorizeRequest,
    query: &str,
    username: &str,
    notice: &str,
) -> Response {
    let action = format!("{}?{query}", site.path("/login"));
    let mut form = sign_in_form(ctx, site, req, &action, query);
    form.notice = Some(notice.to_owned());
    pages::html(
        StatusCode::OK,
        pages::sign_in(&form, Some(username).filter(|u| !u.is_empty()), None),
    )
}

/// The sign-up form's fields: the user name (or the email or phone number that stands for
/// it), the password, and the attributes the pool requires.
fn sign_up_fields(pool: &UserPool) -> Vec<Field> {
    let field = |name: &str, label: &str, kind, autocomplete| Field {
        name: name.to_owned(),
        label: label.to_owned(),
        kind,
        autocomplete,
    };
    let by_email = pool.username_attributes.iter().any(|a| a == "email");
    let by_phone = !by_email && pool.username_attributes.iter().any(|a| a == "phone_number");
    let mut fields = Vec::new();
    if by_email {
        fields.push(field("username", "Email", "email", "email"));
    } else if by_phone {
        fields.push(field("username", "Phone number", "tel", "tel"));
    } else {
        fields.push(field("username", "User name", "text", "username"));
    }
    let mut attributes: Vec<&str> = pool
        .required_attributes
        .iter()
        .map(String::as_str)
        .collect();
    if !by_email && !attributes.contains(&"email") {
        attributes.insert(0, "email");
    }
    for name in attributes {
        if (by_email && name == "email") || (by_phone && name == "phone_number") {
            continue;
        }
        let (kind, autocomplete) = match name {
            "email" => ("email", "email"),
            "phone_number" => ("tel", "tel"),
            "name" => ("text", "name"),
            "given_name" => ("text", "given-name"),
            "family_name" => ("text", "family-name"),
            "birthdate" => ("date", "bday"),
            _ => ("text", "off"),
        };
        let label = match name {
            "email" => "Email".to_owned(),
            "phone_number" => "Phone number".to_owned(),
            other => {
                let words = other.replace('_', " ");
                let mut chars = words.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                    .unwrap_or_default()
            }
        };
        fields.push(field(name, &label, kind, autocomplete));
    }
    fields.push(field("password", "Password", "password", "new-password"));
    fields
}

/// `GET /signup`: the sign-up form.
pub(crate) async fn sign_up_page(State(ctx): State<Arc<Ctx>>, site: Site, uri: Uri) -> Response {
    page(ctx, site, uri, "/signup", |_, site, _, _, action| {
        if site.pool.allow_admin_create_user_only {
            return error_page(
                StatusCode::BAD_REQUEST,
                "SignUp is not permitted for this user pool.",
            );
        }
        pages::html(
            StatusCode::OK,
            pages::sign_up(&action, &sign_up_fields(&site.pool), &|_| None, None),
        )
    })
    .await
}

/// `POST /signup`: the sign-up form (`step=sign-up`), its code (`confirm`), a new code
/// (`resend`).
pub(crate) async fn sign_up_form(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    body: Bytes,
) -> Response {
    page(
        ctx,
        site,
        uri,
        "/signup",
        move |ctx, site, req, query, action| {
            let form = Fields::parse(&body);
            let username = form.get("username").unwrap_or_default();
            let confirm_page = |note: Option<&str>, error: Option<&str>, to: Option<&str>| {
                pages::html(
                    StatusCode::OK,
                    pages::confirm_sign_up(&action, &username, to, note, error),
                )
            };
            match form.get("step").as_deref() {
                Some("confirm") => {
                    let mut body = request(&req.client, &username);
                    body.insert(
                        "ConfirmationCode".into(),
                        json!(form.get("code").unwrap_or_default()),
                    );
                    match call(ctx, Operation::ConfirmSignUp, Value::Object(body)) {
                        Ok(_) => sign_in_page(
                            ctx,
                            site,
                            &req,
                            query,
                            &username,
                            "Your account is confirmed. Sign in with your password.",
                        ),
                        Err(e) if e.status() >= 500 => internal(&e),
                        Err(e) => confirm_page(None, Some(&e.message), None),
                    }
                }
                Some("resend") => {
                    let body = request(&req.client, &username);
                    match call(ctx, Operation::ResendConfirmationCode, Value::Object(body)) {
                        Ok(v) => {
                            let to = destination(&v);
                            confirm_page(Some("We sent a new code."), None, to.as_deref())
                        }
                        Err(e) if e.status() >= 500 => internal(&e),
                        Err(e) => confirm_page(None, Some(&e.message), None),
                    }
                }
                _ => {
                    let fields = sign_up_fields(&site.pool);
                    let password = form.get("password").unwrap_or_default();
                    let mut body = request(&req.client, &username);
                    body.insert("Password".into(), json!(password));
                    let attributes: Vec<Value> = fields
                        .iter()
                        .filter(|f| f.name != "username" && f.name != "password")
                        .filter_map(|f| {
                            form.get(&f.name)
                                .map(|v| json!({"Name": f.name, "Value": v}))
                        })
                        .collect();
                    body.insert("UserAttributes".into(), Value::Array(attributes));
                    match call(ctx, Operation::SignUp, Value::Object(body)) {
                        // Confirmed at once (a PreSignUp trigger): signed in with the password
                        // just chosen, as after the sign-in form.
                        Ok(v) if v["UserConfirmed"] == true => {
                            match hosted::sign_in(
                                ctx,
                                &site.pool,
                                &req.client,
                                &username,
                                &password,
                            ) {
                                Ok(outcome) => {
                                    outcome_page(ctx, site, &req, query, &username, outcome)
                                }
                                Err(e) => {
                                    sign_in_page(ctx, site, &req, query, &username, &e.message)
                                }
                            }
                        }
                        Ok(v) => confirm_page(None, None, destination(&v).as_deref()),
                        Err(e) if e.status() >= 500 => internal(&e),
                        Err(e) => pages::html(
                            StatusCode::OK,
                            pages::sign_up(
                                &action,
                                &fields,
                                &|name| form.get(name),
                                Some(&e.message),
                            ),
                        ),
                    }
                }
            }
        },
    )
    .await
}

/// `GET /forgotPassword`: the user name to send a code for.
pub(crate) async fn forgot_password_page(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
) -> Response {
    page(ctx, site, uri, "/forgotPassword", |_, _, req, _, action| {
        pages::html(
            StatusCode::OK,
            pages::forgot_password(&action, req.login_hint.as_deref(), None),
        )
    })
    .await
}

/// `POST /forgotPassword`: a code for the user name (`step=request`), then the code and the
/// new password (`confirm`).
pub(crate) async fn forgot_password_form(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    body: Bytes,
) -> Response {
    page(
        ctx,
        site,
        uri,
        "/forgotPassword",
        move |ctx, site, req, query, action| {
            let form = Fields::parse(&body);
            let username = form.get("username").unwrap_or_default();
            if form.get("step").as_deref() == Some("confirm") {
                let mut body = request(&req.client, &username);
                body.insert(
                    "ConfirmationCode".into(),
                    json!(form.get("code").unwrap_or_default()),
                );
                body.insert(
                    "Password".into(),
                    json!(form.get("password").unwrap_or_default()),
                );
                return match call(ctx, Operation::ConfirmForgotPassword, Value::Object(body)) {
                    Ok(_) => sign_in_page(
                        ctx,
                        site,
                        &req,
                        query,
                        &username,
                        "Your password is changed. Sign in with the new one.",
                    ),
                    Err(e) if e.status() >= 500 => internal(&e),
                    Err(e) => pages::html(
                        StatusCode::OK,
                        pages::confirm_forgot_password(&action, &username, None, Some(&e.message)),
                    ),
                };
            }
            let body = request(&req.client, &username);
            match call(ctx, Operation::ForgotPassword, Value::Object(body)) {
                Ok(v) => pages::html(
                    StatusCode::OK,
                    pages::confirm_forgot_password(
                        &action,
                        &username,
                        destination(&v).as_deref(),
                        None,
                    ),
                ),
                Err(e) if e.status() >= 500 => internal(&e),
                Err(e) => pages::html(
                    StatusCode::OK,
                    pages::forgot_password(&action, Some(&username), Some(&e.message)),
                ),
            }
        },
    )
    .await
}

/// Where a code went (`CodeDeliveryDetails.Destination`, masked as Cognito masks it).
fn destination(answer: &Value) -> Option<String> {
    answer
        .pointer("/CodeDeliveryDetails/Destination")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn internal(e: &ApiError) -> Response {
    tracing::error!(error = %e.message, "account page: internal error");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
}
