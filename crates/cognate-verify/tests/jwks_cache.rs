//! The JWKS cache against a real HTTP server on 127.0.0.1: fetch on demand, hydrate, refetch on
//! an unknown kid at most once per interval, stale keys kept while a refetch fails, timeouts.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cognate_verify::{
    CognitoJwtVerifier, FetchFuture, Jwks, JwksCache, JwksFetcher, TokenUse, VerifyError,
};
use common::*;
use serde_json::json;

fn token_with_kid(server: &JwksServer, kid: &str) -> String {
    keys().a_access.sign_with_header(
        &json!({"alg": "RS256", "kid": kid}),
        &access_claims(&server.issuer(POOL_A), CLIENT_A),
    )
}

#[tokio::test]
async fn keys_are_fetched_once_and_cached() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    let token = access_token(&server);
    for _ in 0..20 {
        verifier.verify(&token).await.unwrap();
    }
    assert_eq!(server.hits(POOL_A), 1);
    assert_eq!(server.hits(POOL_B), 0);
}

#[tokio::test]
async fn verify_sync_needs_hydrate_and_then_does_no_io() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    let token = access_token(&server);
    assert_eq!(
        verifier.verify_sync(&token).unwrap_err(),
        VerifyError::JwksNotCached {
            issuer: server.issuer(POOL_A)
        }
    );
    verifier.hydrate().await.unwrap();
    assert_eq!(server.hits(POOL_A), 1);
    assert!(verifier.verify_sync(&token).is_ok());
    // An unknown kid fails at once, without a fetch.
    assert!(matches!(
        verifier.verify_sync(&token_with_kid(&server, "new-kid")),
        Err(VerifyError::UnknownKid { .. })
    ));
    assert_eq!(server.hits(POOL_A), 1);
    // hydrate() again is a no-op while keys are cached.
    verifier.hydrate().await.unwrap();
    assert_eq!(server.hits(POOL_A), 1);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_costs_one_fetch_per_interval() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    verifier.hydrate().await.unwrap();
    for i in 0..200 {
        let err = verifier
            .verify(&token_with_kid(&server, &format!("bad-{i}")))
            .await
            .unwrap_err();
        assert!(matches!(err, VerifyError::UnknownKid { .. }));
    }
    // hydrate + one refetch.
    assert_eq!(server.hits(POOL_A), 2);
    clock.advance(Duration::from_secs(9));
    let _ = verifier.verify(&token_with_kid(&server, "bad-x")).await;
    assert_eq!(server.hits(POOL_A), 2);
    clock.advance(Duration::from_secs(1));
    for _ in 0..50 {
        let _ = verifier.verify(&token_with_kid(&server, "bad-y")).await;
    }
    assert_eq!(server.hits(POOL_A), 3);
    // Good tokens kept verifying throughout.
    assert!(verifier.verify(&access_token(&server)).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unknown_kids_share_one_fetch() {
    let server = JwksServer::with_pools().await;
    server.set_delay(Duration::from_millis(100));
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let verifier = verifier.clone();
        let token = if i % 2 == 0 {
            access_token(&server)
        } else {
            token_with_kid(&server, &format!("bad-{i}"))
        };
        tasks.push(tokio::spawn(async move { verifier.verify(&token).await }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 32);
    // The first fetch, and the one refetch the unknown kids may cause in an interval.
    assert_eq!(server.hits(POOL_A), 2);
}

#[tokio::test]
async fn a_rotated_in_key_is_picked_up_on_its_first_token() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    verifier.hydrate().await.unwrap();
    let k = keys();
    server.set_keys(POOL_A, &[&k.a_access, &k.a_id, &k.spare]);
    let token = k
        .spare
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_A));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(POOL_A), 2);
}

#[tokio::test]
async fn a_rotated_out_key_stops_verifying_after_a_refetch() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .cache_verified_tokens(100)
        .build()
        .unwrap();
    let k = keys();
    let old = access_token(&server);
    assert!(verifier.verify(&old).await.is_ok());
    // The pool rotates: a_access leaves, spare arrives. A token with the new kid triggers the
    // refetch, after which the old kid is unknown, even for a token in the verified cache.
    server.set_keys(POOL_A, &[&k.a_id, &k.spare]);
    let new = k
        .spare
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_A));
    assert!(verifier.verify(&new).await.is_ok());
    assert!(matches!(
        verifier.verify(&old).await.unwrap_err(),
        VerifyError::UnknownKid { .. }
    ));
}

#[tokio::test]
async fn old_keys_are_kept_while_a_refetch_fails() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    verifier.hydrate().await.unwrap();
    server.set_failing(true);
    let err = verifier
        .verify(&token_with_kid(&server, "new-kid"))
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::UnknownKid { .. }));
    assert_eq!(server.hits(POOL_A), 2);
    // The refetch failed; the cached keys still verify, sync and async.
    assert!(verifier.verify(&access_token(&server)).await.is_ok());
    assert!(verifier.verify_sync(&access_token(&server)).is_ok());
    // An invalid document does not replace them either.
    server.set_failing(false);
    server.set_jwks(POOL_A, json!({"keys": "nope"}));
    clock.advance(Duration::from_secs(10));
    let _ = verifier.verify(&token_with_kid(&server, "new-kid")).await;
    assert_eq!(server.hits(POOL_A), 3);
    assert!(verifier.verify(&access_token(&server)).await.is_ok());
}

#[tokio::test]
async fn a_first_fetch_failure_is_reported_and_throttled() {
    let server = JwksServer::with_pools().await;
    server.set_failing(true);
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    let token = access_token(&server);
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, VerifyError::JwksFetch { .. }), "{err}");
    assert!(err.is_unavailable());
    assert!(err.to_string().contains("500"), "{err}");
    // Within the interval: no new request, same error.
    let err = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(err, VerifyError::JwksFetch { .. }));
    assert_eq!(server.hits(POOL_A), 1);
    // hydrate() is explicit and ignores the interval.
    assert!(verifier.hydrate().await.is_err());
    assert_eq!(server.hits(POOL_A), 2);
    server.set_failing(false);
    verifier.hydrate().await.unwrap();
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn a_slow_jwks_endpoint_times_out() {
    let server = JwksServer::with_pools().await;
    server.set_delay(Duration::from_secs(3));
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .jwks_fetch_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = verifier.verify(&access_token(&server)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(&err, VerifyError::JwksFetch { reason, .. } if reason.contains("timed out")));
}

#[tokio::test]
async fn a_missing_jwks_document_is_an_error() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(server.pool("us-east-1_Missing").any_client())
        .any_token_use()
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = verifier.hydrate().await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn keys_are_cached_per_issuer() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(server.pool(POOL_A).client_id(CLIENT_A))
        .user_pool(server.pool(POOL_B).client_id(CLIENT_B))
        .token_use(TokenUse::Access)
        .clock(clock.clone())
        .build()
        .unwrap();
    let a = access_token(&server);
    let b = keys()
        .b
        .sign(&access_claims(&server.issuer(POOL_B), CLIENT_B));
    assert!(verifier.verify(&a).await.is_ok());
    assert!(verifier.verify(&b).await.is_ok());
    assert_eq!((server.hits(POOL_A), server.hits(POOL_B)), (1, 1));
    // Client ids are per pool: pool A's client is not pool B's.
    let b_with_a_client = keys()
        .b
        .sign(&access_claims(&server.issuer(POOL_B), CLIENT_A));
    assert_eq!(
        verifier.verify(&b_with_a_client).await.unwrap_err().check(),
        "client_id"
    );
    // An unknown kid at pool B does not refetch pool A.
    let _ = verifier
        .verify(&keys().b.sign_with_header(
            &json!({"alg": "RS256", "kid": "zzz"}),
            &access_claims(&server.issuer(POOL_B), CLIENT_B),
        ))
        .await;
    assert_eq!((server.hits(POOL_A), server.hits(POOL_B)), (1, 2));
}

#[derive(Debug, Default)]
struct CountingFetcher {
    jwks: String,
    calls: Arc<AtomicUsize>,
}

impl JwksFetcher for CountingFetcher {
    fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { Ok(self.jwks.clone().into_bytes()) })
    }
}

#[tokio::test]
async fn a_custom_fetcher_and_a_shared_cache() {
    let k = keys();
    let issuer = "https://issuer.example/pool";
    let calls = Arc::new(AtomicUsize::new(0));
    let fetcher = CountingFetcher {
        jwks: json!({"keys": [k.a_access.jwk(), k.a_id.jwk()]}).to_string(),
        calls: calls.clone(),
    };
    let clock = clock();
    let cache = JwksCache::builder(fetcher)
        .clock(clock.clone())
        .min_refetch_interval(Duration::from_secs(60))
        .build();
    let access = CognitoJwtVerifier::builder()
        .user_pool(cognate_verify::UserPool::from_issuer(issuer).client_id(CLIENT_A))
        .token_use(TokenUse::Access)
        .jwks_cache(cache.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    let id = CognitoJwtVerifier::builder()
        .user_pool(cognate_verify::UserPool::from_issuer(issuer).client_id(CLIENT_A))
        .token_use(TokenUse::Id)
        .jwks_cache(cache)
        .clock(clock.clone())
        .build()
        .unwrap();
    assert!(
        access
            .verify(&k.a_access.sign(&access_claims(issuer, CLIENT_A)))
            .await
            .is_ok()
    );
    assert!(
        id.verify(&k.a_id.sign(&id_claims(issuer, CLIENT_A)))
            .await
            .is_ok()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // A shared cache brings its own settings.
    let conflicting = CognitoJwtVerifier::builder()
        .user_pool(cognate_verify::UserPool::from_issuer(issuer).any_client())
        .any_token_use()
        .jwks_cache(JwksCache::builder(CountingFetcher::default()).build())
        .min_refetch_interval(Duration::from_secs(1))
        .build();
    assert_eq!(conflicting.unwrap_err().check(), "config");
}

#[tokio::test]
async fn preloaded_keys_need_no_fetch() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock).build().unwrap();
    let jwks = Jwks::from_json(
        json!({"keys": [keys().a_access.jwk()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    verifier
        .cache_jwks(&server.issuer(POOL_A), jwks.clone())
        .unwrap();
    assert!(verifier.verify_sync(&access_token(&server)).is_ok());
    assert_eq!(server.hits(POOL_A), 0);
    assert_eq!(
        verifier
            .cache_jwks("https://elsewhere", jwks)
            .unwrap_err()
            .check(),
        "config"
    );
}
