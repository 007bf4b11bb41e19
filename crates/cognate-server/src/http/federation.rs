//! The network side of signing in through an external OpenID provider: its discovery
//! document, the code exchange at its token endpoint, its JWKS; and `GET /oauth2/idpresponse`,
//! where the provider sends the user back. What comes back is checked by
//! `services::oauth::federation`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value};

use super::blocking;
use super::form::{Fields, with_params};
use super::respond::{authorize_params, error_page, finish_sign_in, redirect, refused};
use super::site::Site;
use crate::services::Ctx;
use crate::services::oauth::federation::{self, OidcEndpoints};
use crate::services::oauth::identity_providers::{self, IdentityProvider};

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// `http://{Host}` of the request: where the provider must send the user back.
pub(super) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The provider's endpoints: named in its `ProviderDetails`, or read from its discovery
/// document.
pub(super) async fn endpoints(idp: &IdentityProvider) -> Result<OidcEndpoints, String> {
    if let Some(e) = OidcEndpoints::from_details(idp) {
        return Ok(e);
    }
    let url = OidcEndpoints::discovery_url(idp)
        .ok_or_else(|| format!("The identity provider {} has no oidc_issuer.", idp.name))?;
    let resp = client().get(&url).send().await.map_err(|e| {
        format!("The identity provider's discovery document ({url}) cannot be read: {e}")
    })?;
    resp.json::<OidcEndpoints>().await.map_err(|e| {
        format!("The identity provider's discovery document ({url}) is not usable: {e}")
    })
}

/// Exchanges the provider's `code` (client authentication by HTTP Basic) for its ID token.
async fn exchange(
    idp: &IdentityProvider,
    endpoints: &OidcEndpoints,
    code: &str,
    redirect_uri: &str,
) -> Result<(String, Map<String, Value>), String> {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let id = idp
        .details
        .get("client_id")
        .map(String::as_str)
        .unwrap_or("");
    let secret = idp
        .details
        .get("client_secret")
        .map(String::as_str)
        .unwrap_or("");
    // Finished before any await: the serializer is not Send.
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .finish();
    let resp = client()
        .post(&endpoints.token_endpoint)
        .basic_auth(enc(id), Some(enc(secret)))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("The identity provider's token endpoint cannot be reached: {e}"))?;
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .map_err(|e| format!("The identity provider's token endpoint answered no JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!("The identity provider refused the code: {body}"));
    }
    let id_token = body
        .get("id_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "The identity provider sent no ID token.".to_owned())?;
    let Value::Object(response) = body else {
        return Err("The identity provider's token response is not an object.".to_owned());
    };
    Ok((id_token, response))
}

/// The provider's userInfo answer for the token response's access token, when the provider
/// has a userInfo endpoint and sent an access token (GET with the token as a bearer token, or
/// POST as `attributes_request_method` says).
async fn user_info(
    idp: &IdentityProvider,
    endpoints: &OidcEndpoints,
    token_response: &Map<String, Value>,
) -> Result<Option<Map<String, Value>>, String> {
    let (Some(url), Some(token)) = (
        endpoints.userinfo_endpoint.as_deref(),
        token_response.get("access_token").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    let request = if OidcEndpoints::userinfo_by_post(idp) {
        client().post(url)
    } else {
        client().get(url)
    };
    let resp =
        request.bearer_auth(token).send().await.map_err(|e| {
            format!("The identity provider's userInfo endpoint cannot be reached: {e}")
        })?;
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .map_err(|e| format!("The identity provider's userInfo endpoint answered no JSON: {e}"))?;
    match body {
        Value::Object(info) if status.is_success() => Ok(Some(info)),
        other => Err(format!(
            "The identity provider's userInfo endpoint refused the access token: {other}"
        )),
    }
}

async fn jwks(endpoints: &OidcEndpoints) -> Result<Value, String> {
    client()
        .get(&endpoints.jwks_uri)
        .send()
        .await
        .map_err(|e| format!("The identity provider's keys cannot be read: {e}"))?
        .json()
        .await
        .map_err(|e| format!("The identity provider's keys are not JSON: {e}"))
}

/// `GET /oauth2/idpresponse`: back from the provider with a `code` (or an `error`) and the
/// `state` this server sent.
pub(crate) async fn idp_response(
    State(ctx): State<Arc<Ctx>>,
    site: Site,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let fields = Fields::parse(uri.query().unwrap_or("").as_bytes());
    let (Some(state), code) = (fields.get("state"), fields.get("code")) else {
        return error_page(StatusCode::BAD_REQUEST, "Missing state.");
    };
    let opened = {
        let ctx = ctx.clone();
        let pool = site.pool.id.clone();
        blocking(
            move || -> Result<(federation::FederationState, IdentityProvider), String> {
                let s = federation::open_state(&ctx, &state).map_err(|e| e.message)?;
                if s.pool != pool {
                    return Err("The state is not this user pool's.".into());
                }
                let idp = identity_providers::get(&ctx, &pool, &s.provider)
                    .map_err(|e| e.message)?
                    .ok_or_else(|| format!("The identity provider {} is gone.", s.provider))?;
                Ok((s, idp))
            },
        )
        .await
    };
    let (state, idp) = match opened {
        Some(Ok(v)) => v,
        Some(Err(m)) => return error_page(StatusCode::BAD_REQUEST, &m),
        None => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong."),
    };
    let Some(code) = code else {
        let why = fields.get("error").unwrap_or_else(|| "no code".into());
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!(
                "The identity provider {} did not sign the user in: {why}",
                idp.name
            ),
        );
    };
    let redirect_uri = format!("{}{}", origin(&headers), site.path("/oauth2/idpresponse"));
    let fetched = async {
        let endpoints = endpoints(&idp).await?;
        let (id_token, token_response) = exchange(&idp, &endpoints, &code, &redirect_uri).await?;
        let info = user_info(&idp, &endpoints, &token_response).await?;
        let keys = jwks(&endpoints).await?;
        Ok::<_, String>((endpoints, id_token, token_response, info, keys))
    }
    .await;
    let (endpoints, id_token, token_response, info, keys) = match fetched {
        Ok(v) => v,
        Err(m) => return error_page(StatusCode::BAD_GATEWAY, &m),
    };
    let outcome = blocking(move || {
        let params = Fields::parse(state.query.as_bytes());
        let req = match crate::services::oauth::authorize::check(
            &ctx,
            &site.pool,
            &authorize_params(&params),
        ) {
            Ok(r) => r,
            Err(e) => return refused(e),
        };
        let user =
            federation::check_id_token(&ctx, &idp, &endpoints, &keys, &id_token, &state.nonce)
                .and_then(|claims| {
                    federation::link_user(
                        &ctx,
                        &site.pool,
                        &idp,
                        &claims,
                        &token_response,
                        info.as_ref(),
                        &req.client.id,
                    )
                });
        match user {
            Ok(user) => finish_sign_in(&ctx, &site, &req, &user),
            Err(e) => error_page(StatusCode::BAD_REQUEST, &e.message),
        }
    })
    .await;
    outcome
        .unwrap_or_else(|| error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong."))
}

/// Where to send the user for `idp`: the provider's authorization URL with this server's
/// `state`.
pub(super) async fn redirect_to_provider(
    ctx: Arc<Ctx>,
    site: &Site,
    headers: &HeaderMap,
    idp: IdentityProvider,
    query: String,
) -> Response {
    let endpoints = match endpoints(&idp).await {
        Ok(e) => e,
        Err(m) => return error_page(StatusCode::BAD_GATEWAY, &m),
    };
    let idpresponse = format!("{}{}", origin(headers), site.path("/oauth2/idpresponse"));
    let pool = site.pool.clone();
    let started = blocking(move || {
        federation::start(&ctx, &pool, &idp, &query, &idpresponse)
            .map(|pairs| with_params(&endpoints.authorization_endpoint, &pairs, false))
    })
    .await;
    match started {
        Some(Ok(url)) => redirect(&url, None),
        Some(Err(e)) => error_page(StatusCode::BAD_REQUEST, &e.message),
        None => error_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong."),
    }
}
