//! Criterion benchmarks of the verifier's stages: parsing, a full verification, and a hit in the
//! verified-token cache. `benches/compare.sh` (with `throughput.rs`) is the side-by-side with
//! aws-jwt-verify.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_verify::{CognitoJwtVerifier, Jwks, TokenUse, UnverifiedToken, UserPool};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

const POOL_ID: &str = "us-east-1_BenchPool1";
const CLIENT_ID: &str = "4k9benchclientid000000000a";

fn setup() -> (CognitoJwtVerifier, CognitoJwtVerifier, String) {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let parts = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    let jwks = json!({"keys": [{"alg": "RS256", "e": b64(&parts.e), "kid": "k", "kty": "RSA",
        "n": b64(&parts.n), "use": "sig"}]})
    .to_string();
    let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "cognito:groups": ["admins"],
        "iss": iss, "version": 2, "client_id": CLIENT_ID,
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "event_id": "66666666-7777-8888-9999-000000000000", "token_use": "access",
        "scope": "aws.cognito.signin.user.admin", "auth_time": now, "exp": now + 86_400,
        "iat": now, "jti": "abcdefab-1234-5678-9abc-def012345678", "username": "alice",
    });
    let header = b64(br#"{"kid":"k","alg":"RS256"}"#);
    let input = format!("{header}.{}", b64(&serde_json::to_vec(&claims).unwrap()));
    let mut sig = vec![0; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    let token = format!("{input}.{}", b64(&sig));
    let make = |cache: bool| {
        let mut b = CognitoJwtVerifier::builder()
            .user_pool(UserPool::new(POOL_ID).unwrap().client_id(CLIENT_ID))
            .token_use(TokenUse::Access);
        if cache {
            b = b.cache_verified_tokens(1_000);
        }
        let v = b.build().unwrap();
        v.cache_jwks(&iss, Jwks::from_json(jwks.as_bytes()).unwrap())
            .unwrap();
        v
    };
    (make(false), make(true), token)
}

fn bench(c: &mut Criterion) {
    let (plain, cached, token) = setup();
    assert!(plain.verify_sync(&token).is_ok());
    c.bench_function("parse", |b| {
        b.iter(|| UnverifiedToken::parse(black_box(&token)).is_ok())
    });
    c.bench_function("verify_sync", |b| {
        b.iter(|| plain.verify_sync(black_box(&token)).is_ok())
    });
    c.bench_function("verify_sync, verified-token cache hit", |b| {
        b.iter(|| cached.verify_sync(black_box(&token)).is_ok())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
