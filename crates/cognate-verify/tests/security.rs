//! The security test matrix: every way a token must be rejected, each case a test, each error
//! naming the check. Keys are RSA-2048 generated per run; the JWKS comes from an axum server on
//! 127.0.0.1.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use cognate_verify::{CognitoJwtVerifier, KeyProblem, Part, TokenUse, UserPool, VerifyError};
use common::*;
use serde_json::{Value, json};

fn set(token_claims: &mut Value, key: &str, value: Value) {
    token_claims
        .as_object_mut()
        .unwrap()
        .insert(key.to_owned(), value);
}

async fn access_setup() -> (JwksServer, cognate_verify::ManualClock, CognitoJwtVerifier) {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    (server, clock, verifier)
}

// --- the accepted cases, so that every rejection below is a real difference ---

#[tokio::test]
async fn valid_access_token_verifies_with_typed_claims() {
    let (server, _clock, verifier) = access_setup().await;
    let claims = verifier
        .verify_access(&access_token(&server))
        .await
        .unwrap();
    assert_eq!(claims.token_use(), TokenUse::Access);
    assert_eq!(claims.client_id(), CLIENT_A);
    assert_eq!(claims.username(), Some("alice"));
    assert_eq!(claims.version(), Some(2));
    assert!(claims.has_scope("orders/read"));
    assert_eq!(claims.groups().collect::<Vec<_>>(), ["admins", "staff"]);
    assert_eq!(claims.issuer(), server.issuer(POOL_A));
    assert_eq!(claims.expires_at(), NOW as i64 + 3600);
    assert_eq!(claims.auth_time(), Some(NOW as i64 - 60));
}

#[tokio::test]
async fn valid_id_token_verifies_with_custom_attributes() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = id_verifier(&server, &clock).build().unwrap();
    let claims = verifier.verify_id(&id_token(&server)).await.unwrap();
    assert_eq!(claims.audience(), CLIENT_A);
    assert_eq!(claims.email(), Some("alice@example.com"));
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(claims.cognito_username(), Some("alice"));
    assert_eq!(claims.custom_attribute("companyId"), Some("42"));

    #[derive(serde::Deserialize)]
    struct Tenant<'a> {
        #[serde(rename = "custom:companyId")]
        company: &'a str,
        #[serde(rename = "custom:teamId")]
        team: &'a str,
    }
    let tenant: Tenant<'_> = claims.deserialize().unwrap();
    assert_eq!((tenant.company, tenant.team), ("42", "7"));
}

#[tokio::test]
async fn tokens_minted_by_jsonwebtoken_verify() {
    // An independent encoder, so that the test keys and minting are not only our own code.
    let (server, _clock, verifier) = access_setup().await;
    let key = &keys().a_access;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    header.typ = None;
    let token = jsonwebtoken::encode(
        &header,
        &access_claims(&server.issuer(POOL_A), CLIENT_A),
        &jsonwebtoken::EncodingKey::from_rsa_der(&key.pkcs1_der()),
    )
    .unwrap();
    assert!(verifier.verify(&token).await.is_ok());
}

// --- alg ---

#[tokio::test]
async fn alg_none_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let payload = b64_json(&access_claims(&server.issuer(POOL_A), CLIENT_A));
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64_json(&json!({"alg": alg, "kid": keys().a_access.kid}));
        for token in [
            format!("{header}.{payload}."),
            // With a real RS256 signature attached, still rejected for the alg.
            keys().a_access.sign_segments(&header, &payload),
        ] {
            let err = verifier.verify(&token).await.unwrap_err();
            assert_eq!(err, VerifyError::Algorithm { alg: alg.into() }, "{alg}");
            assert_eq!(err.check(), "alg");
        }
    }
    // No alg at all.
    let header = b64_json(&json!({"kid": keys().a_access.kid}));
    let token = keys().a_access.sign_segments(&header, &payload);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Algorithm { alg: String::new() }
    );
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_bytes_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let key = &keys().a_access;
    let payload = access_claims(&server.issuer(POOL_A), CLIENT_A);
    let header = json!({"alg": "HS256", "kid": key.kid});
    let secrets: Vec<Vec<u8>> = vec![
        key.public_pem().into_bytes(),
        key.public_spki_der(),
        key.n.clone(),
        serde_json::to_vec(&key.jwk()).unwrap(),
    ];
    for secret in secrets {
        let token = hs256(&secret, &header, &payload);
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            VerifyError::Algorithm {
                alg: "HS256".into()
            }
        );
    }
    for alg in [
        "HS384", "HS512", "RS384", "RS512", "PS256", "ES256", "rs256",
    ] {
        let header = b64_json(&json!({"alg": alg, "kid": key.kid}));
        let token = key.sign_segments(&header, &b64_json(&payload));
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            VerifyError::Algorithm { alg: alg.into() },
        );
    }
}

#[tokio::test]
async fn jwk_alg_must_match_rs256() {
    // The key says RS512: never what the token says over what the key says.
    let (server, _clock, verifier) = access_setup().await;
    let key = &keys().a_access;
    let mut jwk = key.jwk();
    set(&mut jwk, "alg", json!("RS512"));
    server.set_jwks(POOL_A, json!({"keys": [jwk]}));
    let err = verifier.verify(&access_token(&server)).await.unwrap_err();
    assert!(
        matches!(&err, VerifyError::UnusableKey { problem: KeyProblem::Algorithm(a), .. } if a == "RS512"),
        "{err}"
    );
    assert_eq!(err.check(), "jwk");
}

#[tokio::test]
async fn jwk_kty_must_be_rsa() {
    let (server, _clock, verifier) = access_setup().await;
    let mut jwk = keys().a_access.jwk();
    set(&mut jwk, "kty", json!("oct"));
    server.set_jwks(POOL_A, json!({"keys": [jwk]}));
    let err = verifier.verify(&access_token(&server)).await.unwrap_err();
    assert!(matches!(
        err,
        VerifyError::UnusableKey {
            problem: KeyProblem::KeyType(_),
            ..
        }
    ));
}

// --- kid and JWK ---

#[tokio::test]
async fn rs256_with_a_kid_of_another_pool_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    // Pool B's key, pool A's issuer: pool A's JWKS does not have pool B's kid.
    let token = keys()
        .b
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_A));
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(
        err,
        VerifyError::UnknownKid {
            issuer: server.issuer(POOL_A),
            kid: "b-kid".into()
        }
    );
    // Pool A's kid, signed by pool B's key: the signature fails.
    let header = json!({"alg": "RS256", "kid": keys().a_access.kid});
    let token = keys()
        .b
        .sign_with_header(&header, &access_claims(&server.issuer(POOL_A), CLIENT_A));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Signature
    );
}

#[tokio::test]
async fn a_token_from_one_pool_never_verifies_for_another() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier_a = access_verifier(&server, &clock).build().unwrap();
    let verifier_b = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_B).any_client())
        .any_token_use()
        .clock(clock.clone())
        .build()
        .unwrap();
    let token_b = keys()
        .b
        .sign(&access_claims(&server.issuer(POOL_B), CLIENT_A));
    assert!(verifier_b.verify(&token_b).await.is_ok());
    assert_eq!(
        verifier_a.verify(&token_b).await.unwrap_err(),
        VerifyError::Issuer {
            iss: server.issuer(POOL_B)
        }
    );
    let token_a = access_token(&server);
    assert!(verifier_a.verify(&token_a).await.is_ok());
    assert!(matches!(
        verifier_b.verify(&token_a).await.unwrap_err(),
        VerifyError::Issuer { .. }
    ));
}

#[tokio::test]
async fn unknown_kid_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let header = json!({"alg": "RS256", "kid": "no-such-kid"});
    let token = keys()
        .a_access
        .sign_with_header(&header, &access_claims(&server.issuer(POOL_A), CLIENT_A));
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, VerifyError::UnknownKid { ref kid, .. } if kid == "no-such-kid"));
    assert_eq!(err.check(), "kid");
}

#[tokio::test]
async fn missing_or_non_string_kid_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    for header in [json!({"alg": "RS256"}), json!({"alg": "RS256", "kid": 7})] {
        let token = keys().a_access.sign_with_header(&header, &claims);
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            VerifyError::MissingKid
        );
    }
}

#[tokio::test]
async fn crit_header_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let header = json!({"alg": "RS256", "kid": keys().a_access.kid, "crit": ["exp"]});
    let token = keys()
        .a_access
        .sign_with_header(&header, &access_claims(&server.issuer(POOL_A), CLIENT_A));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::CriticalHeader
    );
}

#[tokio::test]
async fn jwk_with_use_enc_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let mut jwk = keys().a_access.jwk();
    set(&mut jwk, "use", json!("enc"));
    server.set_jwks(POOL_A, json!({"keys": [jwk]}));
    let err = verifier.verify(&access_token(&server)).await.unwrap_err();
    assert_eq!(
        err,
        VerifyError::UnusableKey {
            issuer: server.issuer(POOL_A),
            kid: keys().a_access.kid.clone(),
            problem: KeyProblem::Use("enc".into()),
        }
    );
}

#[tokio::test]
async fn jku_and_embedded_jwk_headers_are_never_used() {
    // A token bringing its own key (jwk) or key URL (jku/x5u) signed with that key: the issuer's
    // JWKS decides, so the signature fails.
    let (server, _clock, verifier) = access_setup().await;
    let attacker = &keys().spare;
    let header = json!({
        "alg": "RS256",
        "kid": keys().a_access.kid,
        "jwk": attacker.jwk(),
        "jku": format!("{}/evil/jwks.json", server.base),
        "x5u": format!("{}/evil/cert.pem", server.base),
    });
    let token =
        attacker.sign_with_header(&header, &access_claims(&server.issuer(POOL_A), CLIENT_A));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Signature
    );
    assert_eq!(server.hits("evil"), 0);
}

// --- signature ---

#[tokio::test]
async fn tampered_payload_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = access_token(&server);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    set(&mut claims, "cognito:groups", json!(["admins", "root"]));
    parts[1] = b64_json(&claims);
    assert_eq!(
        verifier.verify(&parts.join(".")).await.unwrap_err(),
        VerifyError::Signature
    );
}

#[tokio::test]
async fn tampered_header_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = access_token(&server);
    let (_, rest) = token.split_once('.').unwrap();
    let header = b64_json(&json!({"alg": "RS256", "kid": keys().a_access.kid, "typ": "JWT"}));
    assert_eq!(
        verifier
            .verify(&format!("{header}.{rest}"))
            .await
            .unwrap_err(),
        VerifyError::Signature
    );
}

#[tokio::test]
async fn tampered_signature_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = access_token(&server);
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig_bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig).unwrap();
    for i in [0, 100, 255] {
        let mut bad = sig_bytes.clone();
        bad[i] ^= 0x01;
        let token = format!("{input}.{}", b64(&bad));
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            VerifyError::Signature
        );
    }
    // Truncated, extended, empty.
    sig_bytes.pop();
    for bad in [
        sig_bytes.clone(),
        [sig_bytes.clone(), vec![0, 0]].concat(),
        vec![],
    ] {
        let token = format!("{input}.{}", b64(&bad));
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            VerifyError::Signature
        );
    }
}

#[tokio::test]
async fn signature_by_the_other_key_of_the_same_pool_is_rejected() {
    // Access and ID tokens are signed by different keys; swapping kids must not work.
    let (server, _clock, verifier) = access_setup().await;
    let header = json!({"alg": "RS256", "kid": keys().a_id.kid});
    let token = keys()
        .a_access
        .sign_with_header(&header, &access_claims(&server.issuer(POOL_A), CLIENT_A));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Signature
    );
}

// --- time, at the grace boundaries ---

#[tokio::test]
async fn expired_at_the_boundary_without_grace() {
    let (server, clock, verifier) = access_setup().await;
    let token = access_token(&server);
    let exp = NOW + 3600;
    clock.set(Duration::from_secs(exp - 1));
    assert!(verifier.verify(&token).await.is_ok());
    clock.set(Duration::from_secs(exp));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Expired {
            exp: exp as i64,
            now: exp as i64
        }
    );
}

#[tokio::test]
async fn expired_at_the_boundary_with_grace() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .clock_skew(Duration::from_secs(30))
        .build()
        .unwrap();
    let token = access_token(&server);
    let exp = NOW + 3600;
    clock.set(Duration::from_secs(exp + 29));
    assert!(verifier.verify(&token).await.is_ok());
    clock.set(Duration::from_secs(exp + 30));
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, VerifyError::Expired { .. }));
    assert_eq!(err.check(), "exp");
}

#[tokio::test]
async fn not_yet_valid_at_the_boundary_with_grace() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .clock_skew(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    set(&mut claims, "nbf", json!(NOW + 100));
    let token = keys().a_access.sign(&claims);
    clock.set(Duration::from_secs(NOW + 94));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::NotYetValid {
            nbf: NOW as i64 + 100,
            now: NOW as i64 + 94
        }
    );
    clock.set(Duration::from_secs(NOW + 95));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn issued_in_the_future_at_the_boundary() {
    let (server, clock, verifier) = access_setup().await;
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    set(&mut claims, "iat", json!(NOW + 10));
    let token = keys().a_access.sign(&claims);
    clock.set(Duration::from_secs(NOW + 9));
    assert!(matches!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::IssuedInFuture { .. }
    ));
    clock.set(Duration::from_secs(NOW + 10));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn missing_or_malformed_exp_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    claims.as_object_mut().unwrap().remove("exp");
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::MissingClaim { claim: "exp" }
    );
    set(&mut claims, "exp", json!((NOW + 3600).to_string()));
    let token = keys().a_access.sign(&claims);
    assert!(matches!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::InvalidClaim { claim: "exp", .. }
    ));
}

// --- iss, token_use, client ---

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let issuer = server.issuer(POOL_A);
    for iss in [
        format!("{issuer}/"),
        issuer.to_uppercase(),
        issuer.replace("http://", "https://"),
        format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_A}"),
        String::new(),
    ] {
        let token = keys().a_access.sign(&access_claims(&iss, CLIENT_A));
        let err = verifier.verify(&token).await.unwrap_err();
        assert_eq!(err, VerifyError::Issuer { iss: iss.clone() });
        assert_eq!(err.check(), "iss");
    }
    let mut claims = access_claims(&issuer, CLIENT_A);
    claims.as_object_mut().unwrap().remove("iss");
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::MissingClaim { claim: "iss" }
    );
}

#[tokio::test]
async fn id_token_where_access_is_required_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    assert_eq!(
        verifier.verify(&id_token(&server)).await.unwrap_err(),
        VerifyError::TokenUse {
            expected: "access",
            found: "id".into()
        }
    );
}

#[tokio::test]
async fn access_token_where_id_is_required_is_rejected() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = id_verifier(&server, &clock).build().unwrap();
    assert_eq!(
        verifier.verify(&access_token(&server)).await.unwrap_err(),
        VerifyError::TokenUse {
            expected: "id",
            found: "access".into()
        }
    );
    // With either accepted, verify_id still insists.
    let either = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_id(CLIENT_A))
        .any_token_use()
        .clock(clock.clone())
        .build()
        .unwrap();
    assert!(either.verify(&access_token(&server)).await.is_ok());
    assert!(either.verify(&id_token(&server)).await.is_ok());
    assert_eq!(
        either
            .verify_id(&access_token(&server))
            .await
            .unwrap_err()
            .check(),
        "token_use"
    );
    assert_eq!(
        either
            .verify_access(&id_token(&server))
            .await
            .unwrap_err()
            .check(),
        "token_use"
    );
}

#[tokio::test]
async fn refresh_tokens_are_rejected_as_such() {
    let (server, _clock, verifier) = access_setup().await;
    // Cognito refresh tokens are RSA-OAEP/A256GCM JWEs: five segments.
    let jwe_header = b64_json(&json!({"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}));
    let jwe = format!(
        "{jwe_header}.{}.{}.{}.{}",
        b64([1; 256]),
        b64([2; 12]),
        b64([3; 900]),
        b64([4; 16])
    );
    assert_eq!(
        verifier.verify(&jwe).await.unwrap_err(),
        VerifyError::RefreshToken
    );
    // A signed token that says token_use: refresh.
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    set(&mut claims, "token_use", json!("refresh"));
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::RefreshToken
    );
}

#[tokio::test]
async fn missing_or_unknown_token_use_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    set(&mut claims, "token_use", json!("admin"));
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err().check(),
        "token_use"
    );
    claims.as_object_mut().unwrap().remove("token_use");
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::MissingClaim { claim: "token_use" }
    );
}

#[tokio::test]
async fn wrong_client_id_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = keys()
        .a_access
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_B));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::ClientId {
            client_id: CLIENT_B.into()
        }
    );
    // An access token's aud is not its client: only client_id counts.
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_B);
    set(&mut claims, "aud", json!(CLIENT_A));
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err().check(),
        "client_id"
    );
    claims.as_object_mut().unwrap().remove("client_id");
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::MissingClaim { claim: "client_id" }
    );
}

#[tokio::test]
async fn wrong_audience_of_an_id_token_is_rejected() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = id_verifier(&server, &clock).build().unwrap();
    let iss = server.issuer(POOL_A);
    let token = keys().a_id.sign(&id_claims(&iss, CLIENT_B));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err().check(),
        "client_id"
    );
    // An ID token's client_id is not its audience.
    let mut claims = id_claims(&iss, CLIENT_B);
    set(&mut claims, "client_id", json!(CLIENT_A));
    let token = keys().a_id.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err().check(),
        "client_id"
    );
    // An aud array is accepted when one entry is allowed.
    let mut claims = id_claims(&iss, CLIENT_B);
    set(&mut claims, "aud", json!([CLIENT_B, CLIENT_A]));
    let token = keys().a_id.sign(&claims);
    let verified = verifier.verify_id(&token).await.unwrap();
    assert_eq!(verified.audience(), CLIENT_A);
    set(&mut claims, "aud", json!([CLIENT_B, 5]));
    let token = keys().a_id.sign(&claims);
    assert!(matches!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::InvalidClaim { claim: "aud", .. }
    ));
}

#[tokio::test]
async fn groups_scopes_and_custom_checks() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let token = access_token(&server);
    let build = |b: cognate_verify::CognitoJwtVerifierBuilder| b.build().unwrap();

    let v = build(access_verifier(&server, &clock).require_any_group(["nobody", "staff"]));
    assert!(v.verify(&token).await.is_ok());
    let v = build(access_verifier(&server, &clock).require_any_group(["nobody"]));
    assert_eq!(v.verify(&token).await.unwrap_err(), VerifyError::Group);

    let v = build(access_verifier(&server, &clock).require_scopes(["orders/read"]));
    assert!(v.verify(&token).await.is_ok());
    let v = build(access_verifier(&server, &clock).require_scopes(["orders/read", "orders/write"]));
    assert_eq!(v.verify(&token).await.unwrap_err(), VerifyError::Scope);
    let v =
        build(access_verifier(&server, &clock).require_any_scope(["orders/write", "orders/read"]));
    assert!(v.verify(&token).await.is_ok());
    let v = build(access_verifier(&server, &clock).require_any_scope(["orders/write"]));
    assert_eq!(v.verify(&token).await.unwrap_err(), VerifyError::Scope);

    let v = build(access_verifier(&server, &clock).custom_check(|claims| {
        if claims.username() == Some("alice") {
            Err("alice is suspended".into())
        } else {
            Ok(())
        }
    }));
    let err = v.verify(&token).await.unwrap_err();
    assert_eq!(err, VerifyError::Custom("alice is suspended".into()));
    assert_eq!(err.check(), "custom");
}

// --- structure, size, base64url, JSON ---

#[tokio::test]
async fn oversized_token_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    set(&mut claims, "padding", json!("x".repeat(16 * 1024)));
    let token = keys().a_access.sign(&claims);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::TooLarge {
            len: token.len(),
            max: 16 * 1024
        }
    );
    // Just under the limit is fine.
    let base = keys()
        .a_access
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_A));
    let room = 16 * 1024 - base.len() - "\"padding\":\"\",".len() * 4 / 3 - 8;
    set(&mut claims, "padding", json!("x".repeat(room * 3 / 4)));
    let token = keys().a_access.sign(&claims);
    assert!(token.len() <= 16 * 1024, "{}", token.len());
    assert!(verifier.verify(&token).await.is_ok());
    // And the limit is configurable.
    let small = access_verifier(&server, &_clock)
        .max_token_len(1024)
        .build()
        .unwrap();
    assert_eq!(small.verify(&base).await.unwrap_err().check(), "size");
}

#[tokio::test]
async fn duplicate_json_keys_are_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let key = &keys().a_access;
    let claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    let json = serde_json::to_string(&claims).unwrap();
    // A second token_use after the first: parsers that keep the last value would see "id".
    let dup_payload = format!("{},\"token_use\":\"id\"}}", &json[..json.len() - 1]);
    let header = b64_json(&json!({"alg": "RS256", "kid": key.kid}));
    let token = key.sign_segments(&header, &b64(&dup_payload));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::DuplicateKey {
            part: Part::Payload,
            key: "token_use".into()
        }
    );
    // In the header.
    let dup_header = format!(
        "{{\"alg\":\"RS256\",\"kid\":\"{}\",\"alg\":\"none\"}}",
        key.kid
    );
    let token = key.sign_segments(&b64(&dup_header), &b64_json(&claims));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::DuplicateKey {
            part: Part::Header,
            key: "alg".into()
        }
    );
}

#[tokio::test]
async fn trailing_garbage_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = access_token(&server);
    for bad in [
        format!("{token}."),
        format!("{token}.x"),
        format!("{token}x"),
        format!("{token} "),
        format!(" {token}"),
        format!("{token}\n"),
        format!("{token}="),
        format!("{token}=="),
        format!("{token}\0"),
    ] {
        let err = verifier.verify(&bad).await.unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Base64(_) | VerifyError::Malformed(_) | VerifyError::Signature
            ),
            "{bad:?}: {err}"
        );
    }
    // JSON followed by more JSON inside a segment.
    let claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
    let payload = format!("{}{{}}", serde_json::to_string(&claims).unwrap());
    let header = b64_json(&json!({"alg": "RS256", "kid": keys().a_access.kid}));
    let token = keys().a_access.sign_segments(&header, &b64(&payload));
    assert!(matches!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Json {
            part: Part::Payload,
            ..
        }
    ));
}

#[tokio::test]
async fn non_canonical_base64_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = access_token(&server);
    let (input, sig) = token.rsplit_once('.').unwrap();
    // 256 signature bytes end in a 2-character group holding 8 bits: the second character's
    // low 4 bits must be zero. Set one.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = sig.chars().last().unwrap();
    let index = alphabet.find(last).unwrap();
    let tweaked = alphabet.chars().nth(index | 1).unwrap();
    assert_ne!(tweaked, last);
    let bad = format!("{input}.{}{tweaked}", &sig[..sig.len() - 1]);
    assert_eq!(
        verifier.verify(&bad).await.unwrap_err(),
        VerifyError::Base64(Part::Signature)
    );
    // Padded, standard alphabet.
    let padded = format!("{input}.{sig}==");
    assert_eq!(
        verifier.verify(&padded).await.unwrap_err().check(),
        "base64url"
    );
    let standard = token.replace('-', "+").replace('_', "/");
    if standard != token {
        assert_eq!(
            verifier.verify(&standard).await.unwrap_err().check(),
            "base64url"
        );
    }
    // Same for the payload: re-encode it with padding.
    let (header, rest) = token.split_once('.').unwrap();
    let (payload, sig) = rest.split_once('.').unwrap();
    if payload.len() % 4 != 0 {
        let pad = "=".repeat(4 - payload.len() % 4);
        let bad = format!("{header}.{payload}{pad}.{sig}");
        assert_eq!(
            verifier.verify(&bad).await.unwrap_err(),
            VerifyError::Base64(Part::Payload)
        );
    }
}

#[tokio::test]
async fn wrong_segment_counts_are_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let token = access_token(&server);
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        String::new(),
        parts[0].to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[2]),
        format!("..{}", parts[2]),
        "....".to_owned(),
    ] {
        let err = verifier.verify(&bad).await.unwrap_err();
        assert!(
            matches!(err, VerifyError::Malformed(_) | VerifyError::RefreshToken),
            "{bad:?}: {err}"
        );
    }
}

#[tokio::test]
async fn non_object_json_is_rejected() {
    let (server, _clock, verifier) = access_setup().await;
    let key = &keys().a_access;
    let header = b64_json(&json!({"alg": "RS256", "kid": key.kid}));
    for payload in ["[]", "\"x\"", "null", "1", "{", "{\"a\":}"] {
        let token = key.sign_segments(&header, &b64(payload));
        assert_eq!(
            verifier.verify(&token).await.unwrap_err().check(),
            "json",
            "{payload}"
        );
    }
    let _ = server;
}

// --- issuer forms ---

#[tokio::test]
async fn cognito_pool_ids_accept_both_issuer_forms() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let pool = UserPool::new(POOL_A)
        .unwrap()
        .jwks_url(format!("{}/{POOL_A}/.well-known/jwks.json", server.base))
        .client_id(CLIENT_A);
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(pool)
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    assert_eq!(
        verifier.issuers().collect::<Vec<_>>(),
        [
            format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_A}"),
            format!("https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL_A}"),
        ]
    );
    for iss in verifier.issuers().map(str::to_owned).collect::<Vec<_>>() {
        let token = keys().a_access.sign(&access_claims(&iss, CLIENT_A));
        assert_eq!(verifier.verify(&token).await.unwrap().issuer(), iss);
    }
    // Another region's form of the same id is not the pool.
    let token = keys().a_access.sign(&access_claims(
        &format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL_A}"),
        CLIENT_A,
    ));
    assert_eq!(verifier.verify(&token).await.unwrap_err().check(), "iss");
    assert!(UserPool::new("not-a-pool").is_err());
    assert!(UserPool::new("us-east-1_").is_err());
    assert!(UserPool::new("us-east-1_a/b").is_err());
    let cn = UserPool::new("cn-north-1_Abc").unwrap();
    assert!(cn.issuers().all(|i| i.contains(".amazonaws.com.cn/")));
}

#[tokio::test]
async fn configuration_mistakes_are_errors() {
    let server = JwksServer::with_pools().await;
    let no_client = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A))
        .token_use(TokenUse::Access)
        .build();
    assert_eq!(no_client.unwrap_err().check(), "config");
    let no_token_use = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).any_client())
        .build();
    assert_eq!(no_token_use.unwrap_err().check(), "config");
    let no_pool = CognitoJwtVerifier::builder().any_token_use().build();
    assert_eq!(no_pool.unwrap_err().check(), "config");
    let twice = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).any_client())
        .user_pool(server.pool(POOL_A).any_client())
        .any_token_use()
        .build();
    assert_eq!(twice.unwrap_err().check(), "config");
}

// --- Tokens minted by `cognate serve` and by moto's server ---
//
// Not here yet: they need `cognate serve` and moto's server. See tests/interop.rs, which says what
// those tests must check.
