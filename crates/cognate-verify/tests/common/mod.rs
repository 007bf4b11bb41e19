//! Test support: RSA keys generated per test binary, token minting, and a JWKS server on
//! 127.0.0.1 (port 0) built with axum.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_verify::{CognitoJwtVerifier, CognitoJwtVerifierBuilder, ManualClock, UserPool};
use serde_json::{Value, json};

/// The clock every test starts at.
pub const NOW: u64 = 1_750_000_000;

pub const POOL_A: &str = "us-east-1_PoolAaaaa";
pub const POOL_B: &str = "eu-west-1_PoolBbbbb";
pub const CLIENT_A: &str = "clientaaaaaaaaaaaaaaaaaaaa";
pub const CLIENT_B: &str = "clientbbbbbbbbbbbbbbbbbbbb";

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64_json(value: &Value) -> String {
    b64(serde_json::to_vec(value).unwrap())
}

/// An RSA-2048 signing key with a `kid`.
pub struct TestKey {
    pub kid: String,
    pair: KeyPair,
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        TestKey {
            kid: kid.to_owned(),
            n: components.n,
            e: components.e,
            pair,
        }
    }

    /// The JWK as Cognito publishes it.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": b64(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": b64(&self.n),
            "use": "sig",
        })
    }

    /// RS256 over `header_b64.payload_b64`.
    pub fn sign_segments(&self, header_b64: &str, payload_b64: &str) -> String {
        let input = format!("{header_b64}.{payload_b64}");
        format!("{input}.{}", b64(self.signature(input.as_bytes())))
    }

    pub fn signature(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .unwrap();
        sig
    }

    /// A token with header `{"kid": .., "alg": "RS256"}` and `payload`.
    pub fn sign(&self, payload: &Value) -> String {
        self.sign_with_header(&json!({"kid": self.kid, "alg": "RS256"}), payload)
    }

    pub fn sign_with_header(&self, header: &Value, payload: &Value) -> String {
        self.sign_segments(&b64_json(header), &b64_json(payload))
    }

    /// The private key as PKCS#1 DER (for jsonwebtoken's `EncodingKey::from_rsa_der`).
    pub fn pkcs1_der(&self) -> Vec<u8> {
        let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der<'_>>::as_der(&self.pair).unwrap();
        pkcs8_to_pkcs1(pkcs8.as_ref())
    }

    /// The public key as DER SubjectPublicKeyInfo and as PEM: what an HS256 confusion attack
    /// uses as the HMAC secret.
    pub fn public_spki_der(&self) -> Vec<u8> {
        let der =
            AsDer::<aws_lc_rs::encoding::PublicKeyX509Der<'_>>::as_der(self.pair.public_key())
                .unwrap();
        der.as_ref().to_vec()
    }

    pub fn public_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(self.public_spki_der());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }
}

fn der_item(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let first = input[1] as usize;
    let (len, start) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        let mut len = 0usize;
        for b in &input[2..2 + n] {
            len = (len << 8) | *b as usize;
        }
        (len, 2 + n)
    };
    (tag, &input[start..start + len], &input[start + len..])
}

fn pkcs8_to_pkcs1(pkcs8: &[u8]) -> Vec<u8> {
    let (_, seq, _) = der_item(pkcs8);
    let (_, _version, rest) = der_item(seq);
    let (_, _alg, rest) = der_item(rest);
    let (tag, key, _) = der_item(rest);
    assert_eq!(tag, 0x04);
    key.to_vec()
}

/// Keys generated once per test binary.
pub struct Keys {
    pub a_access: TestKey,
    pub a_id: TestKey,
    pub b: TestKey,
    pub spare: TestKey,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        a_access: TestKey::generate("a-access-kid"),
        a_id: TestKey::generate("a-id-kid"),
        b: TestKey::generate("b-kid"),
        spare: TestKey::generate("spare-kid"),
    })
}

/// HS256 over `header.payload` with `secret`.
pub fn hs256(secret: &[u8], header: &Value, payload: &Value) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(payload));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

/// Access-token claims as Cognito issues them.
pub fn access_claims(iss: &str, client_id: &str) -> Value {
    let now = NOW as i64;
    json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admins", "staff"],
        "iss": iss,
        "version": 2,
        "client_id": client_id,
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin orders/read",
        "auth_time": now - 60,
        "exp": now + 3600,
        "iat": now - 60,
        "jti": "abcdefab-1234-5678-9abc-def012345678",
        "username": "alice",
    })
}

/// ID-token claims as Cognito issues them.
pub fn id_claims(iss: &str, client_id: &str) -> Value {
    let now = NOW as i64;
    json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admins"],
        "email_verified": true,
        "iss": iss,
        "cognito:username": "alice",
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "aud": client_id,
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "id",
        "auth_time": now - 60,
        "exp": now + 3600,
        "iat": now - 60,
        "jti": "abcdefab-1234-5678-9abc-def012345679",
        "email": "alice@example.com",
        "custom:companyId": "42",
        "custom:teamId": "7",
    })
}

/// A JWKS server for any number of pools at `{base}/{pool}/.well-known/jwks.json`.
#[derive(Clone)]
pub struct JwksServer {
    pub base: String,
    state: Arc<ServerState>,
}

#[derive(Default)]
struct ServerState {
    sets: Mutex<HashMap<String, Value>>,
    hits: Mutex<HashMap<String, u64>>,
    total: AtomicU64,
    failing: AtomicBool,
    delay_ms: AtomicU64,
}

async fn jwks_handler(State(state): State<Arc<ServerState>>, Path(pool): Path<String>) -> Response {
    state.total.fetch_add(1, Ordering::SeqCst);
    *state.hits.lock().unwrap().entry(pool.clone()).or_default() += 1;
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if state.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let set = state.sets.lock().unwrap().get(&pool).cloned();
    match set {
        Some(set) => axum::Json(set).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl JwksServer {
    pub async fn start() -> Self {
        let state = Arc::new(ServerState::default());
        let app = axum::Router::new()
            .route(
                "/{pool}/.well-known/jwks.json",
                axum::routing::get(jwks_handler),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        JwksServer { base, state }
    }

    /// Starts a server publishing pool A's two keys and pool B's key.
    pub async fn with_pools() -> Self {
        let server = Self::start().await;
        let k = keys();
        server.set_keys(POOL_A, &[&k.a_access, &k.a_id]);
        server.set_keys(POOL_B, &[&k.b]);
        server
    }

    pub fn issuer(&self, pool: &str) -> String {
        format!("{}/{pool}", self.base)
    }

    pub fn set_keys(&self, pool: &str, keys: &[&TestKey]) {
        let set = json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() });
        self.set_jwks(pool, set);
    }

    pub fn set_jwks(&self, pool: &str, jwks: Value) {
        self.state
            .sets
            .lock()
            .unwrap()
            .insert(pool.to_owned(), jwks);
    }

    pub fn hits(&self, pool: &str) -> u64 {
        self.state
            .hits
            .lock()
            .unwrap()
            .get(pool)
            .copied()
            .unwrap_or(0)
    }

    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    pub fn set_delay(&self, delay: Duration) {
        self.state
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn pool(&self, pool: &str) -> UserPool {
        UserPool::from_issuer(self.issuer(pool))
    }
}

/// A manual clock at [`NOW`].
pub fn clock() -> ManualClock {
    ManualClock::at_unix_secs(NOW)
}

/// A verifier builder for pool A's access tokens with client A, on `clock`.
pub fn access_verifier(server: &JwksServer, clock: &ManualClock) -> CognitoJwtVerifierBuilder {
    CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_id(CLIENT_A))
        .token_use(cognate_verify::TokenUse::Access)
        .clock(clock.clone())
}

/// A verifier builder for pool A's ID tokens with client A, on `clock`.
pub fn id_verifier(server: &JwksServer, clock: &ManualClock) -> CognitoJwtVerifierBuilder {
    CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_id(CLIENT_A))
        .token_use(cognate_verify::TokenUse::Id)
        .clock(clock.clone())
}

/// A valid access token of pool A (client A).
pub fn access_token(server: &JwksServer) -> String {
    keys()
        .a_access
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_A))
}

/// A valid ID token of pool A (client A).
pub fn id_token(server: &JwksServer) -> String {
    keys()
        .a_id
        .sign(&id_claims(&server.issuer(POOL_A), CLIENT_A))
}
