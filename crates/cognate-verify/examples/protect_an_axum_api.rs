//! An axum API protected by cognate-verify's tower layer, the server side of the seeds:
//!
//! - `GET /v1/me`: `Authorization: <access token>` (raw, or after `Bearer `), seed 000;
//! - `POST /graphql`: `authorization: <ID token>`, raw, seed 002's GraphQL;
//! - `GET /v1/company`: `X-Amz-Cognito-Security-Token: <ID token>`, seed 002's REST.
//!
//! Each answers with the claims the layer verified (`custom:companyId`, `custom:teamId`
//! included); a request without a valid token of the right kind, pool and app client gets `401`.
//! It listens on `BIND` (default `127.0.0.1:3000`) and prints `listening on http://ADDR`.
//!
//! Against `cognate serve`, from the repository root: `COGNATE_ENDPOINT` makes the issuer
//! `{endpoint}/{pool id}`, as the local server mints it (JWKS at `{issuer}/.well-known/jwks.json`).
//!
//! ```sh
//! # terminal 1: the local Cognito on 127.0.0.1:9229
//! cargo run -p cognate-cli -- serve --in-memory --seed examples/seed.toml
//! # terminal 2: the API on 127.0.0.1:3000
//! export COGNATE_ENDPOINT=http://127.0.0.1:9229 COGNATE_USER_POOL_ID=us-east-1_Examples1 \
//!   COGNATE_CLIENT_ID=exampleapiusers00000000000
//! cargo run -p cognate-verify --example protect_an_axum_api
//! # terminal 3: the same three variables, then log in and call it
//! COGNATE_USERNAME=api-user cargo run -q -p cognate-cli -- login   # password: Correct horse 1!
//! cargo run -q -p cognate-cli -- curl http://127.0.0.1:3000/v1/me
//! ```
//!
//! or any client example of `cognate-client` (`api_user_srp`, `graphql_id_token`,
//! `rest_security_token`).
//!
//! Against AWS: the same without `COGNATE_ENDPOINT`; the issuer
//! `https://cognito-idp.{region}.amazonaws.com/{pool id}` and its JWKS follow from the pool id.

use axum::routing::{get, post};
use axum::{Json, Router};
use cognate_verify::axum::{CognitoAuthLayer, TokenHeader};
use cognate_verify::{AccessClaims, CognitoJwtVerifier, IdClaims, JwksCache, TokenUse, UserPool};
use serde_json::{Value, json};

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

async fn me(claims: AccessClaims) -> Json<Value> {
    Json(json!({
        "username": claims.username(),
        "sub": claims.subject(),
        "client_id": claims.client_id(),
        "groups": claims.groups().collect::<Vec<_>>(),
        "token_use": "access",
    }))
}

fn tenant(claims: &IdClaims) -> Value {
    json!({
        "username": claims.cognito_username(),
        "email": claims.email(),
        "companyId": claims.custom_attribute("companyId"),
        "teamId": claims.custom_attribute("teamId"),
        "token_use": "id",
    })
}

async fn graphql(claims: IdClaims) -> Json<Value> {
    Json(json!({ "data": { "me": tenant(&claims) } }))
}

async fn company(claims: IdClaims) -> Json<Value> {
    Json(tenant(&claims))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pool_id = env("COGNATE_USER_POOL_ID")?;
    let pool = match std::env::var("COGNATE_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => {
            UserPool::from_issuer(format!("{}/{pool_id}", endpoint.trim_end_matches('/')))
        }
        _ => UserPool::new(&pool_id)?,
    }
    .client_id(env("COGNATE_CLIENT_ID")?);
    let keys = JwksCache::http()?; // one key cache for both verifiers
    let verifier = |token_use| {
        CognitoJwtVerifier::builder()
            .user_pool(pool.clone())
            .token_use(token_use)
            .jwks_cache(keys.clone())
            .build()
    };
    let (access, id) = (verifier(TokenUse::Access)?, verifier(TokenUse::Id)?);
    access.hydrate().await?; // fetch the keys now: a wrong pool or endpoint fails at start-up

    let app =
        Router::new()
            .route("/v1/me", get(me))
            .layer(CognitoAuthLayer::new(access).token_header(TokenHeader::Authorization))
            .merge(Router::new().route("/graphql", post(graphql)).layer(
                CognitoAuthLayer::new(id.clone()).token_header(TokenHeader::AuthorizationRaw),
            ))
            .merge(Router::new().route("/v1/company", get(company)).layer(
                CognitoAuthLayer::new(id).token_header(TokenHeader::cognito_security_token()),
            ));
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
