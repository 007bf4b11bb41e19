//! Verifications per second, printed as a table and written as JSON: the same token again and
//! again, and 1,000 distinct tokens, with and without the verified-token cache, plus the bare
//! costs (RS256 alone, and jsonwebtoken's decode) for reference.
//!
//! `cargo bench -p cognate-verify --bench throughput -- [--export DIR] [--seconds N]`
//!
//! With `--export DIR` it also writes the JWKS, the tokens and its results there, for
//! `benches/aws-jwt-verify.mjs` to measure the same tokens (`benches/compare.sh` runs both).
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_verify::{CognitoJwtVerifier, Jwks, Principal, TokenUse, UnverifiedToken, UserPool};
use serde_json::{Value, json};

const POOL_ID: &str = "us-east-1_BenchPool1";
const CLIENT_ID: &str = "4k9benchclientid000000000a";
const KID: &str = "bench-kid-1";
const DISTINCT: usize = 1_000;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

struct Signer {
    pair: KeyPair,
    rng: SystemRandom,
}

impl Signer {
    fn sign(&self, payload: &Value) -> String {
        let header = b64(serde_json::to_vec(&json!({"kid": KID, "alg": "RS256"})).unwrap());
        let input = format!("{header}.{}", b64(serde_json::to_vec(payload).unwrap()));
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, input.as_bytes(), &mut sig)
            .unwrap();
        format!("{input}.{}", b64(sig))
    }
}

fn uuid(n: u64) -> String {
    let h = format!(
        "{:032x}",
        (n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
    );
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A Cognito-shaped access token payload, valid for a day.
fn claims(iss: &str, n: u64, now: u64) -> Value {
    json!({
        "sub": uuid(n),
        "cognito:groups": ["admins", "staff"],
        "iss": iss,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": uuid(n + 1_000_000),
        "event_id": uuid(n + 2_000_000),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now - 60,
        "exp": now + 86_400,
        "iat": now - 60,
        "jti": uuid(n + 3_000_000),
        "username": format!("user{n}"),
    })
}

/// A machine-to-machine (`client_credentials`) access token payload: `sub` is the client, no
/// `username`, custom scopes.
fn m2m_claims(iss: &str, n: u64, now: u64) -> Value {
    json!({
        "sub": CLIENT_ID,
        "token_use": "access",
        "scope": "orders/read orders/write",
        "auth_time": now - 60,
        "iss": iss,
        "exp": now + 86_400,
        "iat": now - 60,
        "version": 2,
        "jti": uuid(n + 4_000_000),
        "client_id": CLIENT_ID,
    })
}

/// Runs `op` in rounds of about 100 ms for about `seconds` (after a short warm-up) and returns
/// nanoseconds per call of the best round and of the median round. The best round is the one
/// least disturbed by other work on the machine; `aws-jwt-verify.mjs` measures the same way.
fn measure(seconds: f64, mut op: impl FnMut(usize)) -> (f64, f64) {
    let warm = Instant::now();
    let mut i = 0;
    while warm.elapsed() < Duration::from_millis(300) {
        op(i);
        i += 1;
    }
    let round = Duration::from_millis(100);
    let rounds = ((seconds * 10.0).round() as usize).max(3);
    let mut per_call = Vec::with_capacity(rounds);
    let mut calls = 0usize;
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0usize;
        while start.elapsed() < round {
            for _ in 0..32 {
                op(calls);
                calls += 1;
                n += 1;
            }
        }
        per_call.push(start.elapsed().as_nanos() as f64 / n as f64);
    }
    per_call.sort_by(f64::total_cmp);
    (per_call[0], per_call[per_call.len() / 2])
}

fn verifier(cache: bool) -> CognitoJwtVerifier {
    let mut builder = CognitoJwtVerifier::builder()
        .user_pool(UserPool::new(POOL_ID).unwrap().client_id(CLIENT_ID))
        .token_use(TokenUse::Access);
    if cache {
        builder = builder.cache_verified_tokens(10_000);
    }
    builder.build().unwrap()
}

fn main() {
    let mut export: Option<PathBuf> = None;
    let mut seconds = 2.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--export" => export = args.next().map(PathBuf::from),
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(2.0),
            _ => {} // `cargo bench` passes --bench
        }
    }

    let signer = Signer {
        pair: KeyPair::generate(KeySize::Rsa2048).unwrap(),
        rng: SystemRandom::new(),
    };
    let components = PublicKeyComponents::<Vec<u8>>::from(signer.pair.public_key());
    let jwks = json!({"keys": [{
        "alg": "RS256", "e": b64(&components.e), "kid": KID, "kty": "RSA",
        "n": b64(&components.n), "use": "sig",
    }]});
    let jwks_text = jwks.to_string();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}");
    let same = signer.sign(&claims(&iss, 0, now));
    let distinct: Vec<String> = (1..=DISTINCT as u64)
        .map(|n| signer.sign(&claims(&iss, n, now)))
        .collect();

    let m2m: Vec<String> = (1..=DISTINCT as u64)
        .map(|n| signer.sign(&m2m_claims(&iss, n, now)))
        .collect();

    let load = |v: &CognitoJwtVerifier| {
        v.cache_jwks(&iss, Jwks::from_json(jwks_text.as_bytes()).unwrap())
            .unwrap();
    };
    let plain = verifier(false);
    load(&plain);
    let cached = verifier(true);
    load(&cached);
    // An API that takes only app clients' tokens with a scope.
    let machines = CognitoJwtVerifier::builder()
        .user_pool(UserPool::new(POOL_ID).unwrap().client_id(CLIENT_ID))
        .token_use(TokenUse::Access)
        .require_principal(Principal::Client)
        .require_scopes(["orders/read"])
        .build()
        .unwrap();
    load(&machines);
    assert!(m2m.iter().all(|t| machines.verify_sync(t).is_ok()));
    assert!(plain.verify_sync(&same).is_ok());
    assert!(distinct.iter().all(|t| plain.verify_sync(t).is_ok()));

    let mut results: Vec<(&str, (f64, f64))> = Vec::new();
    results.push((
        "same token",
        measure(seconds, |_| {
            black_box(plain.verify_sync(black_box(&same)).is_ok());
        }),
    ));
    results.push((
        "1000 distinct tokens",
        measure(seconds, |i| {
            black_box(
                plain
                    .verify_sync(black_box(&distinct[i % DISTINCT]))
                    .is_ok(),
            );
        }),
    ));
    results.push((
        "1000 distinct M2M tokens (principal client, scope required)",
        measure(seconds, |i| {
            black_box(machines.verify_sync(black_box(&m2m[i % DISTINCT])).is_ok());
        }),
    ));
    results.push((
        "same token, verified-token cache",
        measure(seconds, |_| {
            black_box(cached.verify_sync(black_box(&same)).is_ok());
        }),
    ));
    results.push((
        "1000 distinct tokens, verified-token cache (all hits after the first round)",
        measure(seconds, |i| {
            black_box(
                cached
                    .verify_sync(black_box(&distinct[i % DISTINCT]))
                    .is_ok(),
            );
        }),
    ));
    // Every token seen for the first time: a cache miss plus the insert, on a fresh verifier per
    // round of 1,000 (its construction outside the timing as far as possible).
    let cold = {
        let mut rounds = Vec::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs_f64(seconds * 1.5) || rounds.len() < 3 {
            let fresh = verifier(true);
            load(&fresh);
            let t = Instant::now();
            for token in &distinct {
                black_box(fresh.verify_sync(black_box(token)).is_ok());
            }
            rounds.push(t.elapsed().as_nanos() as f64 / DISTINCT as f64);
        }
        rounds.sort_by(f64::total_cmp);
        (rounds[0], rounds[rounds.len() / 2])
    };
    results.push((
        "1000 distinct tokens, verified-token cache, first sight (misses)",
        cold,
    ));

    // References: the parsing alone, RS256 alone with the key parsed once, jsonwebtoken's decode.
    results.push((
        "reference: UnverifiedToken::parse (inspection API: builds a JSON map)",
        measure(seconds / 2.0, |i| {
            black_box(UnverifiedToken::parse(black_box(&distinct[i % DISTINCT])).is_ok());
        }),
    ));
    let der = {
        let key = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signer.pair.public_key().as_ref().to_vec(),
        );
        key.parse().unwrap()
    };
    let (input, sig) = same.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    results.push((
        "reference: RS256 verify alone (aws-lc, key parsed once)",
        measure(seconds / 2.0, |_| {
            black_box(
                der.verify_sig(black_box(input.as_bytes()), black_box(&sig))
                    .is_ok(),
            );
        }),
    ));
    let jwt_key =
        jsonwebtoken::DecodingKey::from_rsa_components(&b64(&components.n), &b64(&components.e))
            .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&iss]);
    validation.validate_aud = false;
    results.push((
        "reference: jsonwebtoken 11 decode (aws_lc_rs), 1000 distinct",
        measure(seconds / 2.0, |i| {
            black_box(
                jsonwebtoken::decode::<Value>(
                    black_box(&distinct[i % DISTINCT]),
                    &jwt_key,
                    &validation,
                )
                .is_ok(),
            );
        }),
    ));

    println!(
        "cognate-verify {} (one thread; best of 100 ms rounds, median in brackets)",
        env!("CARGO_PKG_VERSION")
    );
    for (name, (best, median)) in &results {
        println!(
            "  {:<76} {:>7.2} µs ({:>6.2}) {:>10.0} /s",
            name,
            best / 1000.0,
            median / 1000.0,
            1e9 / best
        );
    }

    if let Some(dir) = export {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("jwks.json"), &jwks_text).unwrap();
        std::fs::write(dir.join("token.txt"), &same).unwrap();
        std::fs::write(dir.join("tokens.txt"), distinct.join("\n")).unwrap();
        std::fs::write(dir.join("m2m_tokens.txt"), m2m.join("\n")).unwrap();
        std::fs::write(
            dir.join("config.json"),
            json!({"userPoolId": POOL_ID, "clientId": CLIENT_ID, "issuer": iss}).to_string(),
        )
        .unwrap();
        let json: serde_json::Map<String, Value> = results
            .iter()
            .map(|(name, (best, median))| {
                (
                    (*name).to_owned(),
                    json!({"best_us": best / 1000.0, "median_us": median / 1000.0}),
                )
            })
            .collect();
        std::fs::write(
            dir.join("cognate.json"),
            serde_json::to_string_pretty(&json).unwrap(),
        )
        .unwrap();
    }
}
