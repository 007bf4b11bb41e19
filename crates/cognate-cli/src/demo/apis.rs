//! The two example APIs of the demo, each an axum app on its own loopback port, protected by
//! cognate-verify's `CognitoAuthLayer`:
//!
//! - the tenant API (seed 000): `GET /v1/me` takes `Authorization: <access token>`;
//! - the partner API (seed 002): `POST /graphql` takes `authorization: <ID token>`,
//!   `GET /v1/company` takes `X-Amz-Cognito-Security-Token: <ID token>`, and
//!   `GET /v1/status` takes `x-api-key: <key>` instead of a token.
//!
//! Every answer echoes the claims the layer verified, so the caller sees what the API saw.

use anyhow::{Context, Result};
use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use cognate_verify::axum::{CognitoAuthLayer, TokenHeader};
use cognate_verify::{AccessClaims, CognitoJwtVerifier, IdClaims, TokenUse, UserPool};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::wiring::DemoClock;

/// An API listening on a loopback port until the process ends.
pub struct Api {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

fn verifier(
    issuer: &str,
    client_id: &str,
    token_use: TokenUse,
    clock: &DemoClock,
) -> Result<CognitoJwtVerifier> {
    CognitoJwtVerifier::builder()
        .user_pool(
            UserPool::from_issuer(issuer.to_owned())
                .jwks_url(format!("{issuer}/.well-known/jwks.json"))
                .client_id(client_id),
        )
        .token_use(token_use)
        .clock(clock.clone())
        .build()
        .context("cannot build the API's token verifier")
}

async fn serve(app: Router) -> Result<Api> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on a loopback port")?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "a demo API stopped");
        }
    });
    Ok(Api { url })
}

/// The tenant API: access tokens of `client_id` in the pool of `issuer`, raw in `Authorization`.
pub async fn tenant(issuer: &str, client_id: &str, clock: &DemoClock) -> Result<Api> {
    let layer = CognitoAuthLayer::new(verifier(issuer, client_id, TokenUse::Access, clock)?)
        .token_header(TokenHeader::Authorization)
        .realm("tenant-api");
    serve(Router::new().route("/v1/me", get(me)).layer(layer)).await
}

async fn me(claims: AccessClaims) -> Json<Value> {
    Json(json!({
        "username": claims.username(),
        "sub": claims.subject(),
        "client_id": claims.client_id(),
        "token_use": "access",
    }))
}

/// The partner API: ID tokens of `client_id` for GraphQL and REST, and an API-key endpoint.
pub async fn partner(
    issuer: &str,
    client_id: &str,
    clock: &DemoClock,
    api_key: &str,
) -> Result<Api> {
    let id_verifier = verifier(issuer, client_id, TokenUse::Id, clock)?;
    let graphql = Router::new().route("/graphql", post(graphql)).layer(
        CognitoAuthLayer::new(id_verifier.clone())
            .token_header(TokenHeader::AuthorizationRaw)
            .realm("graphql"),
    );
    let rest = Router::new().route("/v1/company", get(company)).layer(
        CognitoAuthLayer::new(id_verifier)
            .token_header(TokenHeader::cognito_security_token())
            .realm("rest"),
    );
    let key = api_key.to_owned();
    let keyed = Router::new().route(
        "/v1/status",
        get(move |headers: HeaderMap| status(headers, key.clone())),
    );
    serve(graphql.merge(rest).merge(keyed)).await
}

fn tenant_of(claims: &IdClaims) -> Value {
    json!({
        "username": claims.cognito_username(),
        "companyId": claims.custom_attributes().find(|(k, _)| *k == "companyId").map(|(_, v)| v),
        "teamId": claims.custom_attributes().find(|(k, _)| *k == "teamId").map(|(_, v)| v),
    })
}

/// Answers any query with the caller's tenant (a stand-in for an AppSync resolver).
async fn graphql(claims: IdClaims) -> Json<Value> {
    Json(json!({ "data": { "me": tenant_of(&claims) } }))
}

async fn company(claims: IdClaims) -> Json<Value> {
    Json(tenant_of(&claims))
}

async fn status(headers: HeaderMap, key: String) -> (StatusCode, Json<Value>) {
    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        Some(k) if k == key => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "auth": "api-key" })),
        ),
        _ => (
            StatusCode::FORBIDDEN,
            Json(json!({ "message": "Forbidden" })),
        ),
    }
}
