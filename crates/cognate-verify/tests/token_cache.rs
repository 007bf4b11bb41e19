//! The verified-token cache: hits skip the work, entries die at exp, the cache stays bounded,
//! and only tokens that passed every check get in.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cognate_verify::{TokenCacheStats, VerifyError};
use common::*;
use serde_json::json;

fn stats(hits: u64, misses: u64, entries: usize, capacity: usize) -> TokenCacheStats {
    let mut s = TokenCacheStats::default();
    s.hits = hits;
    s.misses = misses;
    s.entries = entries;
    s.capacity = capacity;
    s
}

#[tokio::test]
async fn a_repeated_token_is_served_from_the_cache() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .cache_verified_tokens(1_000)
        .build()
        .unwrap();
    let token = access_token(&server);
    let first = verifier.verify(&token).await.unwrap();
    for _ in 0..9 {
        let again = verifier.verify_sync(&token).unwrap();
        assert_eq!(again.subject(), first.subject());
    }
    assert_eq!(verifier.token_cache_stats(), Some(stats(9, 1, 1, 1_008)));
    // Without the cache there are no stats.
    let plain = access_verifier(&server, &clock).build().unwrap();
    assert_eq!(plain.token_cache_stats(), None);
}

#[tokio::test]
async fn entries_die_at_exp_with_the_grace() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .clock_skew(Duration::from_secs(5))
        .cache_verified_tokens(100)
        .build()
        .unwrap();
    let token = access_token(&server);
    verifier.verify(&token).await.unwrap();
    let exp = NOW + 3600;
    clock.set(Duration::from_secs(exp + 4));
    assert!(verifier.verify_sync(&token).is_ok());
    clock.set(Duration::from_secs(exp + 5));
    assert!(matches!(
        verifier.verify_sync(&token).unwrap_err(),
        VerifyError::Expired { .. }
    ));
    assert_eq!(verifier.token_cache_stats().unwrap().entries, 0);
}

#[tokio::test]
async fn failed_tokens_are_not_cached() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .cache_verified_tokens(100)
        .build()
        .unwrap();
    let bad = keys()
        .a_access
        .sign(&access_claims(&server.issuer(POOL_A), CLIENT_B));
    for _ in 0..3 {
        assert_eq!(
            verifier.verify(&bad).await.unwrap_err().check(),
            "client_id"
        );
    }
    assert_eq!(verifier.token_cache_stats(), Some(stats(0, 3, 0, 112)));
}

#[tokio::test]
async fn the_cache_is_bounded() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .cache_verified_tokens(32)
        .build()
        .unwrap();
    for i in 0..300 {
        let mut claims = access_claims(&server.issuer(POOL_A), CLIENT_A);
        claims["jti"] = json!(format!("jti-{i}"));
        verifier
            .verify(&keys().a_access.sign(&claims))
            .await
            .unwrap();
    }
    let stats = verifier.token_cache_stats().unwrap();
    assert!(stats.entries <= 32, "{stats:?}");
    assert!(stats.entries >= 16, "{stats:?}");
    assert_eq!(stats.misses, 300);
}

#[tokio::test]
async fn the_custom_check_runs_on_hits_too() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let calls = Arc::new(AtomicUsize::new(0));
    let revoked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (c, r) = (calls.clone(), revoked.clone());
    let verifier = access_verifier(&server, &clock)
        .cache_verified_tokens(100)
        .custom_check(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            if r.load(Ordering::SeqCst) {
                Err("revoked".into())
            } else {
                Ok(())
            }
        })
        .build()
        .unwrap();
    let token = access_token(&server);
    verifier.verify(&token).await.unwrap();
    verifier.verify(&token).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    revoked.store(true, Ordering::SeqCst);
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        VerifyError::Custom("revoked".into())
    );
}

#[tokio::test]
async fn a_similar_token_is_not_a_hit() {
    let server = JwksServer::with_pools().await;
    let clock = clock();
    let verifier = access_verifier(&server, &clock)
        .cache_verified_tokens(100)
        .build()
        .unwrap();
    let token = access_token(&server);
    verifier.verify(&token).await.unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig = sig.to_owned();
    let last = sig.pop().unwrap();
    sig.push(if last == 'A' { 'Q' } else { 'A' });
    assert!(verifier.verify(&format!("{input}.{sig}")).await.is_err());
    assert!(verifier.verify(&format!("{token} ")).await.is_err());
}
