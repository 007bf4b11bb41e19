//! The OAuth cases of the security matrix: machine-to-machine access tokens, scopes per route,
//! RFC 8707 audiences, user versus app-client principals, the issuer forms of a pool, step-up
//! (`acr`, `amr`, `auth_time` + max age), OpenID Connect `nonce`/`at_hash`, and `hydrate()` with
//! one pool unreachable. Each rejection is its own test, next to the token that passes.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use cognate_verify::axum::CognitoAuthLayer;
use cognate_verify::{
    AccessClaims, CognitoJwtVerifier, Principal, TokenUse, UserPool, VerifyError, at_hash,
};
use common::*;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A `client_credentials` access token as Cognito issues it: `sub` is the client, no `username`.
fn m2m_claims(iss: &str, client_id: &str, scope: &str) -> Value {
    let now = NOW as i64;
    json!({
        "sub": client_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": now - 10,
        "iss": iss,
        "exp": now + 3600,
        "iat": now - 10,
        "version": 2,
        "jti": "0f0e0d0c-0b0a-0908-0706-050403020100",
        "client_id": client_id,
    })
}

fn m2m_token(server: &JwksServer, scope: &str) -> String {
    keys()
        .a_access
        .sign(&m2m_claims(&server.issuer(POOL_A), CLIENT_A, scope))
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims.as_object_mut().unwrap().insert(key.into(), value);
    claims
}

// --- machine-to-machine tokens and scopes ---

#[tokio::test]
async fn m2m_access_token_verifies_as_the_client() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_scopes(["rs/read"])
        .build()
        .unwrap();
    let claims = verifier
        .verify_access(&m2m_token(&server, "rs/read rs/write"))
        .await
        .unwrap();
    assert_eq!(claims.principal(), Principal::Client);
    assert_eq!(claims.subject(), CLIENT_A);
    assert_eq!(claims.client_id(), CLIENT_A);
    assert_eq!(claims.username(), None);
    assert_eq!(claims.scopes().collect::<Vec<_>>(), ["rs/read", "rs/write"]);
    // A user's token is a user's.
    let user = verifier.verify(&access_token(&server)).await;
    assert_eq!(user.unwrap_err(), VerifyError::Scope);
    let user = access_verifier(&server, &clock).build().unwrap();
    let claims = user.verify(&access_token(&server)).await.unwrap();
    assert_eq!(claims.principal(), Principal::User);
}

#[tokio::test]
async fn m2m_token_without_the_required_scope_is_rejected() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_scopes(["rs/read", "rs/write"])
        .build()
        .unwrap();
    for scope in ["rs/read", "", "rs/readwrite rs/read", "RS/WRITE rs/read"] {
        let err = verifier
            .verify(&m2m_token(&server, scope))
            .await
            .unwrap_err();
        assert_eq!(err, VerifyError::Scope, "{scope:?}");
        assert_eq!(err.check(), "scope");
    }
    assert!(
        verifier
            .verify(&m2m_token(&server, "rs/write rs/read"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_scope_of_another_resource_server_is_rejected() {
    // The same scope name under another resource server's identifier is another scope.
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_scopes(["https://billing.example.com/read"])
        .build()
        .unwrap();
    for scope in [
        "https://orders.example.com/read",
        "billing/read",
        "https://billing.example.com/read/extra",
        "https://billing.example.com/readx",
        "https://billing.example.com",
    ] {
        let err = verifier
            .verify(&m2m_token(&server, scope))
            .await
            .unwrap_err();
        assert_eq!(err, VerifyError::Scope, "{scope:?}");
    }
    assert!(
        verifier
            .verify(&m2m_token(&server, "https://billing.example.com/read"))
            .await
            .is_ok()
    );
}

// --- principal: user or app client ---

#[tokio::test]
async fn m2m_token_where_a_user_token_is_required_is_rejected() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_principal(Principal::User)
        .build()
        .unwrap();
    let err = verifier
        .verify(&m2m_token(&server, "rs/read"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Principal {
            expected: Principal::User,
            found: Principal::Client
        }
    );
    assert_eq!(err.check(), "principal");
    assert!(verifier.verify(&access_token(&server)).await.is_ok());
}

#[tokio::test]
async fn user_token_where_an_m2m_token_is_required_is_rejected() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_principal(Principal::Client)
        .build()
        .unwrap();
    let err = verifier.verify(&access_token(&server)).await.unwrap_err();
    assert_eq!(
        err,
        VerifyError::Principal {
            expected: Principal::Client,
            found: Principal::User
        }
    );
    // A user whose sub happens to equal the client id is still a user (it has a username).
    let lookalike = with(
        access_claims(&server.issuer(POOL_A), CLIENT_A),
        "sub",
        json!(CLIENT_A),
    );
    let err = verifier
        .verify(&keys().a_access.sign(&lookalike))
        .await
        .unwrap_err();
    assert_eq!(err.check(), "principal");
    // An ID token always speaks for a user.
    let id = id_verifier(&server, &clock)
        .require_principal(Principal::Client)
        .build()
        .unwrap();
    assert_eq!(
        id.verify(&id_token(&server)).await.unwrap_err().check(),
        "principal"
    );
    assert!(
        verifier
            .verify(&m2m_token(&server, "rs/read"))
            .await
            .is_ok()
    );
}

// --- RFC 8707 audience ---

#[tokio::test]
async fn access_token_for_another_resource_is_rejected() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_audience(["https://api.example.com"])
        .build()
        .unwrap();
    let iss = server.issuer(POOL_A);
    let token = |aud: Value| {
        keys()
            .a_access
            .sign(&with(m2m_claims(&iss, CLIENT_A, "rs/read"), "aud", aud))
    };
    let err = verifier
        .verify(&token(json!("https://other.example.com")))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Audience {
            aud: "https://other.example.com".into()
        }
    );
    assert_eq!(err.check(), "aud");
    for aud in [
        json!("https://api.example.com/"),
        json!("https://API.example.com"),
        json!([]),
        json!(["https://other.example.com"]),
    ] {
        let err = verifier.verify(&token(aud.clone())).await.unwrap_err();
        assert_eq!(err.check(), "aud", "{aud}");
    }
    assert_eq!(
        verifier
            .verify(&token(json!(42)))
            .await
            .unwrap_err()
            .check(),
        "claims"
    );
    // Without aud at all (no resource was named): rejected.
    assert_eq!(
        verifier
            .verify(&m2m_token(&server, "rs/read"))
            .await
            .unwrap_err(),
        VerifyError::MissingClaim { claim: "aud" }
    );
    assert!(
        verifier
            .verify(&token(json!("https://api.example.com")))
            .await
            .is_ok()
    );
    assert!(
        verifier
            .verify(&token(json!([
                "https://x.example",
                "https://api.example.com"
            ])))
            .await
            .is_ok()
    );
    // Without the requirement, aud on an access token is not looked at.
    let open = access_verifier(&server, &clock).build().unwrap();
    assert!(
        open.verify(&token(json!("https://other.example.com")))
            .await
            .is_ok()
    );
}

// --- issuer forms ---

#[tokio::test]
async fn a_pool_fixed_to_one_issuer_form_rejects_the_other_and_lookalikes() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let original = format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_A}");
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(
            UserPool::from_issuer(&original)
                .jwks_url(format!("{}/{POOL_A}/.well-known/jwks.json", server.base))
                .client_id(CLIENT_A),
        )
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    let sign = |iss: &str| keys().a_access.sign(&m2m_claims(iss, CLIENT_A, "rs/read"));
    assert!(verifier.verify(&sign(&original)).await.is_ok());
    for iss in [
        format!("https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL_A}"),
        format!("{original}/"),
        original.replace("https://", "http://"),
        original.replace("cognito-idp", "COGNITO-IDP"),
        format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL_A}"),
        format!("https://cognito-idp.us-east-1.amazonaws.com.cn/{POOL_A}"),
        format!(
            "https://cognito-idp.us-east-1.amazonaws.com/{}",
            POOL_A.to_lowercase()
        ),
        format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_B}"),
    ] {
        let err = verifier.verify(&sign(&iss)).await.unwrap_err();
        assert_eq!(err, VerifyError::Issuer { iss: iss.clone() }, "{iss}");
    }
    // The pool id accepts both forms, in its primary region only (where the updated form of a
    // multi-Region pool stays).
    let both = CognitoJwtVerifier::builder()
        .user_pool(
            UserPool::new(POOL_A)
                .unwrap()
                .jwks_url(format!("{}/{POOL_A}/.well-known/jwks.json", server.base))
                .client_id(CLIENT_A),
        )
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    let updated = format!("https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL_A}");
    let before = server.hits(POOL_A);
    assert!(both.verify(&sign(&original)).await.is_ok());
    assert!(both.verify(&sign(&updated)).await.is_ok());
    // Both forms were given one JWKS URL: one key set, one fetch.
    assert_eq!(server.hits(POOL_A), before + 1);
    // The refetch limit is per URL too: unknown kids under either form cost one refetch.
    for iss in [&original, &updated] {
        let token = keys().a_access.sign_with_header(
            &json!({"alg": "RS256", "kid": "rotated-kid"}),
            &m2m_claims(iss, CLIENT_A, "rs/read"),
        );
        assert_eq!(both.verify(&token).await.unwrap_err().check(), "kid");
    }
    assert_eq!(server.hits(POOL_A), before + 2);
    let replica_region = format!("https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL_A}");
    assert_eq!(
        both.verify(&sign(&replica_region))
            .await
            .unwrap_err()
            .check(),
        "iss"
    );
}

/// A multi-Region pool's replicas share its id, and the updated issuer names the primary Region
/// whichever replica signed (AWS's IssuerConfigurationType), so `UserPool::new` covers them and
/// refuses an issuer naming the replica's Region. AWS documents no issuer of a replica's own;
/// a deployment that meets one (a report in aws-jwt-verify issue #282, July 2026, later seen to
/// name the primary Region again) lists it as one more issuer, with its own keys and cache.
#[tokio::test]
async fn a_replica_regions_issuer_only_when_listed_with_its_own_keys() {
    let server = JwksServer::with_pools().await;
    server.set_keys("replica-eu-west-1", &[&keys().a_access]);
    let clock = clock();
    let updated = format!("https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL_A}");
    let replica = format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL_A}");
    let sign = |iss: &str| keys().a_access.sign(&m2m_claims(iss, CLIENT_A, "rs/read"));
    let primary = || {
        UserPool::new(POOL_A)
            .unwrap()
            .jwks_url(format!("{}/{POOL_A}/.well-known/jwks.json", server.base))
            .client_id(CLIENT_A)
    };
    let pool_only = CognitoJwtVerifier::builder()
        .user_pool(primary())
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    assert!(pool_only.verify(&sign(&updated)).await.is_ok());
    assert_eq!(
        pool_only.verify(&sign(&replica)).await.unwrap_err(),
        VerifyError::Issuer {
            iss: replica.clone()
        }
    );
    let listed = CognitoJwtVerifier::builder()
        .user_pool(primary())
        .user_pool(
            UserPool::from_issuer(&replica)
                .jwks_url(format!(
                    "{}/replica-eu-west-1/.well-known/jwks.json",
                    server.base
                ))
                .client_id(CLIENT_A),
        )
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    let (a, r) = (server.hits(POOL_A), server.hits("replica-eu-west-1"));
    assert!(listed.verify(&sign(&updated)).await.is_ok());
    assert!(listed.verify(&sign(&replica)).await.is_ok());
    assert_eq!(
        (server.hits(POOL_A), server.hits("replica-eu-west-1")),
        (a + 1, r + 1)
    );
}

// --- several pools and clients, hydrate ---

#[tokio::test]
async fn several_pools_and_clients_in_one_verifier() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_ids([CLIENT_A, "svc-two"]))
        .user_pool(server.pool(POOL_B).client_id(CLIENT_B))
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    let a = keys()
        .a_access
        .sign(&m2m_claims(&server.issuer(POOL_A), "svc-two", "rs/read"));
    let b = keys()
        .b
        .sign(&m2m_claims(&server.issuer(POOL_B), CLIENT_B, "rs/read"));
    assert_eq!(verifier.verify(&a).await.unwrap().client_id(), "svc-two");
    assert_eq!(verifier.verify(&b).await.unwrap().client_id(), CLIENT_B);
    // Pool B's client is not pool A's, and pool A's key does not sign for pool B.
    let crossed = keys()
        .a_access
        .sign(&m2m_claims(&server.issuer(POOL_A), CLIENT_B, "rs/read"));
    assert_eq!(
        verifier.verify(&crossed).await.unwrap_err().check(),
        "client_id"
    );
    let forged = keys()
        .a_access
        .sign(&m2m_claims(&server.issuer(POOL_B), CLIENT_B, "rs/read"));
    assert_eq!(verifier.verify(&forged).await.unwrap_err().check(), "kid");
    assert_eq!((server.hits(POOL_A), server.hits(POOL_B)), (1, 2));
}

#[tokio::test]
async fn hydrate_with_one_pool_unreachable_keeps_the_others() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let missing = "us-east-1_Gone";
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_id(CLIENT_A))
        .user_pool(server.pool(missing).any_client())
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    let hydrated = verifier.hydrate().await.unwrap();
    assert!(!hydrated.is_complete());
    let failures: Vec<_> = hydrated.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, server.issuer(missing));
    assert!(failures[0].1.is_unavailable());
    // Pool A works without any further I/O.
    assert!(verifier.verify_sync(&access_token(&server)).is_ok());
    // The unreachable pool's tokens fail as unavailable, and are not refetched within 10 s.
    let gone = keys()
        .spare
        .sign(&m2m_claims(&server.issuer(missing), "x", "rs/read"));
    assert!(verifier.verify(&gone).await.unwrap_err().is_unavailable());
    assert_eq!(server.hits(missing), 1);
    clock.advance(Duration::from_secs(10));
    let _ = verifier.verify(&gone).await;
    assert_eq!(server.hits(missing), 2);
    // When it comes back, hydrate() completes.
    server.set_keys(missing, &[&keys().spare]);
    assert!(verifier.hydrate().await.unwrap().is_complete());
    assert!(verifier.verify_sync(&gone).is_ok());
    // With every pool unreachable, hydrate() is an error.
    let none = CognitoJwtVerifier::builder()
        .user_pool(server.pool("us-east-1_NoneA").any_client())
        .user_pool(server.pool("us-east-1_NoneB").any_client())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    assert!(none.hydrate().await.unwrap_err().is_unavailable());
}

// --- step-up ---

#[tokio::test]
async fn max_age_rejects_an_old_sign_in_also_from_the_token_cache() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .max_age(Duration::from_secs(300))
        .cache_verified_tokens(100)
        .build()
        .unwrap();
    // auth_time is NOW - 60.
    let token = access_token(&server);
    assert!(verifier.verify(&token).await.is_ok());
    clock.advance(Duration::from_secs(240));
    assert!(verifier.verify(&token).await.is_ok());
    clock.advance(Duration::from_secs(1));
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(
        err,
        VerifyError::AuthTooOld {
            auth_time: NOW as i64 - 60,
            max_age: 300,
            now: NOW as i64 + 241
        }
    );
    assert_eq!(err.check(), "auth_time");
    assert_eq!(verifier.token_cache_stats().unwrap().hits, 2);
    // Without auth_time: rejected.
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    claims.as_object_mut().unwrap().remove("auth_time");
    assert_eq!(
        verifier
            .verify(&keys().a_access.sign(&claims))
            .await
            .unwrap_err(),
        VerifyError::MissingClaim { claim: "auth_time" }
    );
}

#[tokio::test]
async fn acr_and_amr_requirements() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = id_verifier(&server, &clock)
        .require_acr(["urn:example:loa:2", "urn:example:loa:3"])
        .require_amr(["mfa"])
        .build()
        .unwrap();
    let iss = server.issuer(POOL_A);
    let sign = |acr: Value, amr: Value| {
        let c = with(with(id_claims(&iss, CLIENT_A), "acr", acr), "amr", amr);
        keys().a_id.sign(&c)
    };
    assert!(
        verifier
            .verify(&sign(json!("urn:example:loa:2"), json!(["pwd", "mfa"])))
            .await
            .is_ok()
    );
    let err = verifier
        .verify(&sign(json!("urn:example:loa:1"), json!(["mfa"])))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::Acr {
            acr: "urn:example:loa:1".into()
        }
    );
    assert_eq!(err.check(), "acr");
    let err = verifier
        .verify(&sign(json!("urn:example:loa:3"), json!(["pwd"])))
        .await
        .unwrap_err();
    assert_eq!(err, VerifyError::Amr);
    assert_eq!(
        verifier
            .verify(&sign(json!("urn:example:loa:3"), json!("mfa")))
            .await
            .unwrap_err()
            .check(),
        "claims"
    );
    // Missing acr.
    assert_eq!(
        verifier.verify(&id_token(&server)).await.unwrap_err(),
        VerifyError::MissingClaim { claim: "acr" }
    );
}

// --- OpenID Connect: nonce and at_hash ---

#[tokio::test]
async fn nonce_and_at_hash_of_an_oauth_id_token() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = id_verifier(&server, &clock).build().unwrap();
    let access = access_token(&server);
    let claims = with(
        with(
            id_claims(&server.issuer(POOL_A), CLIENT_A),
            "nonce",
            json!("n-0S6_WzA2Mj"),
        ),
        "at_hash",
        json!(at_hash(&access)),
    );
    let id = verifier
        .verify_id(&keys().a_id.sign(&claims))
        .await
        .unwrap();
    assert!(id.check_nonce("n-0S6_WzA2Mj").is_ok());
    assert_eq!(id.check_nonce("n-0S6_WzA2Mk"), Err(VerifyError::Nonce));
    assert_eq!(id.check_nonce(""), Err(VerifyError::Nonce));
    assert!(id.check_at_hash(&access).is_ok());
    let err = id.check_at_hash(&id_token(&server)).unwrap_err();
    assert_eq!((err.clone(), err.check()), (VerifyError::AtHash, "at_hash"));
    // Without the claims, both checks fail.
    let bare = verifier.verify_id(&id_token(&server)).await.unwrap();
    assert_eq!(bare.check_nonce("n-0S6_WzA2Mj"), Err(VerifyError::Nonce));
    assert_eq!(bare.check_at_hash(&access), Err(VerifyError::AtHash));
}

// --- the axum layer: scopes per route ---

async fn orders(claims: AccessClaims) -> String {
    format!("{} {}", claims.principal(), claims.subject())
}

fn scoped_app(verifier: CognitoJwtVerifier) -> Router {
    let auth = CognitoAuthLayer::new(verifier).realm("shop");
    Router::new()
        .route(
            "/orders",
            get(orders)
                .post(orders)
                .layer(auth.clone().require_scopes(["rs/write"])),
        )
        .route("/read", get(orders).layer(auth.require_scopes(["rs/read"])))
}

async fn send(app: &Router, method: &str, path: &str, token: &str) -> (StatusCode, Option<String>) {
    let response = app
        .clone()
        .oneshot(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), challenge)
}

#[tokio::test]
async fn route_scopes_answer_403_insufficient_scope() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let app = scoped_app(access_verifier(&server, &clock).build().unwrap());
    let reader = m2m_token(&server, "rs/read");
    assert_eq!(
        send(&app, "GET", "/read", &reader).await,
        (StatusCode::OK, None)
    );
    assert_eq!(
        send(&app, "POST", "/orders", &reader).await,
        (
            StatusCode::FORBIDDEN,
            Some(r#"Bearer realm="shop", error="insufficient_scope", scope="rs/write""#.into())
        )
    );
    let writer = m2m_token(&server, "rs/write");
    assert_eq!(
        send(&app, "POST", "/orders", &writer).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, "GET", "/read", &writer).await.0,
        StatusCode::FORBIDDEN
    );
    // A bad token is still 401 invalid_token, not 403.
    assert_eq!(
        send(&app, "GET", "/read", "not.a.token").await,
        (
            StatusCode::UNAUTHORIZED,
            Some(r#"Bearer realm="shop", error="invalid_token""#.into())
        )
    );
}

#[tokio::test]
async fn verifier_scopes_answer_403_naming_every_required_scope() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .require_scopes(["rs/read"])
        .build()
        .unwrap();
    let app = scoped_app(verifier);
    assert_eq!(
        send(&app, "POST", "/orders", &m2m_token(&server, "rs/write")).await,
        (
            StatusCode::FORBIDDEN,
            Some(
                r#"Bearer realm="shop", error="insufficient_scope", scope="rs/read rs/write""#
                    .into()
            )
        )
    );
    assert_eq!(
        send(
            &app,
            "POST",
            "/orders",
            &m2m_token(&server, "rs/read rs/write")
        )
        .await
        .0,
        StatusCode::OK
    );
}
