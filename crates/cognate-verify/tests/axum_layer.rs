//! The tower layer and the axum extractors, driven through a real `Router`.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use cognate_verify::axum::{CognitoAuthLayer, TokenHeader};
use cognate_verify::{AccessClaims, Claims, CognitoJwtVerifier, IdClaims};
use common::*;
use tower::ServiceExt;

async fn whoami(claims: Claims) -> String {
    format!("{} {}", claims.token_use(), claims.subject())
}

async fn access_only(claims: AccessClaims) -> String {
    claims.username().unwrap_or_default().to_owned()
}

async fn id_only(claims: IdClaims) -> String {
    claims
        .custom_attribute("companyId")
        .unwrap_or_default()
        .to_owned()
}

fn app(verifier: CognitoJwtVerifier, header: TokenHeader) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/access", get(access_only))
        .route("/id", get(id_only))
        .layer(
            CognitoAuthLayer::new(verifier)
                .token_header(header)
                .realm("orders"),
        )
}

async fn call(
    app: &Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let mut request = Request::builder().uri(path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, challenge, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn raw_and_bearer_authorization() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let app = app(
        access_verifier(&server, &clock).build().unwrap(),
        TokenHeader::Authorization,
    );
    let token = access_token(&server);
    let (status, _, body) = call(&app, "/whoami", &[("authorization", &token)]).await;
    assert_eq!(
        (status, body.as_str()),
        (
            StatusCode::OK,
            "access aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
        )
    );
    let bearer = format!("Bearer {token}");
    let (status, _, body) = call(&app, "/access", &[("authorization", &bearer)]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "alice"));
}

#[tokio::test]
async fn missing_token_gets_a_bare_challenge() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let app = app(
        access_verifier(&server, &clock).build().unwrap(),
        TokenHeader::Authorization,
    );
    let (status, challenge, body) = call(&app, "/whoami", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"orders\""));
    assert_eq!(body, "");
}

#[tokio::test]
async fn failures_do_not_say_which_check_failed() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let app = app(
        access_verifier(&server, &clock).build().unwrap(),
        TokenHeader::Authorization,
    );
    let expired = {
        let mut c = access_claims(&server.issuer(POOL_A), CLIENT_A);
        c["exp"] = serde_json::json!(NOW - 1);
        keys().a_access.sign(&c)
    };
    let wrong_client = keys()
        .a_access
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_B));
    let id = id_token(&server);
    let mut answers = Vec::new();
    for token in [
        expired.as_str(),
        wrong_client.as_str(),
        id.as_str(),
        "garbage",
        "a.b.c",
    ] {
        answers.push(call(&app, "/whoami", &[("authorization", token)]).await);
    }
    for answer in &answers {
        assert_eq!(
            answer,
            &(
                StatusCode::UNAUTHORIZED,
                Some("Bearer realm=\"orders\", error=\"invalid_token\"".to_owned()),
                String::new()
            )
        );
    }
}

#[tokio::test]
async fn bearer_only_and_raw_only() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    let token = access_token(&server);
    let bearer = format!("bearer {token}");

    let bearer_app = app(verifier.clone(), TokenHeader::Bearer);
    assert_eq!(
        call(&bearer_app, "/whoami", &[("authorization", &bearer)])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(&bearer_app, "/whoami", &[("authorization", &token)])
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    let raw_app = app(verifier, TokenHeader::AuthorizationRaw);
    assert_eq!(
        call(&raw_app, "/whoami", &[("authorization", &token)])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(&raw_app, "/whoami", &[("authorization", &bearer)])
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cognito_security_token_header_with_an_id_token() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let app = app(
        id_verifier(&server, &clock).build().unwrap(),
        TokenHeader::cognito_security_token(),
    );
    let token = id_token(&server);
    let (status, _, body) = call(&app, "/id", &[("x-amz-cognito-security-token", &token)]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "42"));
    // The Authorization header is not read in this mode.
    let (status, _, _) = call(&app, "/id", &[("authorization", &token)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_extractor_for_the_other_token_kind_answers_401() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = cognate_verify::CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_id(CLIENT_A))
        .any_token_use()
        .clock(clock.clone())
        .build()
        .unwrap();
    let app = app(verifier, TokenHeader::Authorization);
    let id = id_token(&server);
    let access = access_token(&server);
    assert_eq!(
        call(&app, "/id", &[("authorization", &id)]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, "/access", &[("authorization", &access)]).await.0,
        StatusCode::OK
    );
    let (status, challenge, _) = call(&app, "/access", &[("authorization", &id)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.unwrap().contains("invalid_token"));
    assert_eq!(
        call(&app, "/id", &[("authorization", &access)]).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_extractor_without_the_layer_is_a_server_error() {
    let app = Router::new().route("/whoami", get(whoami));
    let (status, _, _) = call(&app, "/whoami", &[("authorization", "x")]).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn unavailable_keys_answer_503() {
    let server = JwksServer::with_pools().await;
    server.set_failing(true);
    let clock = clock();
    let app = app(
        access_verifier(&server, &clock).build().unwrap(),
        TokenHeader::Authorization,
    );
    let (status, challenge, _) = call(
        &app,
        "/whoami",
        &[("authorization", &access_token(&server))],
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(challenge, None);
}

#[tokio::test]
async fn the_layer_serves_over_real_http() {
    // The whole path: axum::serve on 127.0.0.1, reqwest as the client.
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let app = app(
        access_verifier(&server, &clock)
            .cache_verified_tokens(100)
            .build()
            .unwrap(),
        TokenHeader::Authorization,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = reqwest::Client::new();
    let token = access_token(&server);
    for _ in 0..3 {
        let response = client
            .get(format!("{base}/access"))
            .header("authorization", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "alice");
    }
    let response = client.get(format!("{base}/access")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}
