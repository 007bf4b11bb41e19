//! Hand-out of a cached token by `TokenSource`: alone, and contended by a second thread
//! hammering the same source. Target: ≤ 1 µs. Beside it, in the same run, the cached path of
//! `ClientCredentials` (an app client's token, machine to machine) and `TokenProvider::bearer()`
//! of both, as `Authenticator` calls it.
//!
//! `cargo bench -p cognate-client --bench token_source`

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use cognate_client::testing::token_set;
use cognate_client::{
    Client, ClientCredentials, ClientToken, ClientTokenStore, Clock, MemoryStore, SystemClock,
    TokenProvider, TokenSource,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn source() -> TokenSource {
    let now = SystemClock.now_secs();
    let client = Client::builder("us-east-1_Bench1", "client1")
        .ignore_env()
        .build()
        .unwrap();
    TokenSource::builder(client)
        .tokens(token_set("alice", now, 3600, Some("r"), now))
        .build()
}

/// A `ClientCredentials` holding a fresh token (from a store, so no request is ever made).
fn machine() -> ClientCredentials {
    let now = SystemClock.now_secs();
    let store = MemoryStore::new();
    store
        .save_client_token(
            "bench",
            &ClientToken::new("opaque-or-jwt-access-token", now, 3600, None),
        )
        .unwrap();
    ClientCredentials::builder("client1", "secret1")
        .token_url("https://auth.example.com/oauth2/token")
        .store(store, "bench")
        .build()
        .unwrap()
}

/// Polls a future once with a no-op waker: the cached path completes on the first poll.
fn now_or_panic<T>(fut: impl std::future::Future<Output = T>) -> T {
    let mut cx = Context::from_waker(Waker::noop());
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("the cached path must not wait"),
    }
}

/// Polls `tokens()` once with a no-op waker: the cached path completes on the first poll.
fn tokens_now(s: &TokenSource) -> Arc<cognate_client::TokenSet> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut fut = std::pin::pin!(s.tokens());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r.unwrap(),
        Poll::Pending => panic!("the cached path must not wait"),
    }
}

fn bench(c: &mut Criterion) {
    let s = source();
    c.bench_function("tokens() cached, uncontended", |b| {
        b.iter(|| black_box(tokens_now(&s)))
    });

    let stop = Arc::new(AtomicBool::new(false));
    let other = {
        let s = s.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                black_box(tokens_now(&s));
            }
        })
    };
    c.bench_function("tokens() cached, contended by a 2nd thread", |b| {
        b.iter(|| black_box(tokens_now(&s)))
    });
    c.bench_function("fresh_cached() contended by a 2nd thread", |b| {
        b.iter(|| black_box(s.fresh_cached()))
    });
    stop.store(true, Ordering::Relaxed);
    other.join().unwrap();

    let m = machine();
    // The two futures differ in size (each holds the state of its slow path): moving one
    // costs a copy of that size.
    eprintln!(
        "future sizes: TokenSource::tokens() {} bytes, ClientCredentials::token() {} bytes",
        std::mem::size_of_val(&s.tokens()),
        std::mem::size_of_val(&m.token()),
    );
    c.bench_function("ClientCredentials token() cached, uncontended", |b| {
        b.iter(|| black_box(now_or_panic(m.token()).unwrap()))
    });
    // Both through the same harness (the future moved into `now_or_panic`, then pinned).
    c.bench_function("tokens() cached, uncontended, moved like token()", |b| {
        b.iter(|| black_box(now_or_panic(s.tokens()).unwrap()))
    });
    c.bench_function(
        "ClientCredentials token() cached, uncontended, pinned in place",
        |b| {
            b.iter(|| {
                let mut cx = Context::from_waker(Waker::noop());
                let mut fut = std::pin::pin!(m.token());
                match fut.as_mut().poll(&mut cx) {
                    Poll::Ready(r) => black_box(r.unwrap()),
                    Poll::Pending => panic!("the cached path must not wait"),
                }
            })
        },
    );
    c.bench_function("fresh_cached() uncontended: TokenSource", |b| {
        b.iter(|| black_box(s.fresh_cached()))
    });
    c.bench_function("fresh_cached() uncontended: ClientCredentials", |b| {
        b.iter(|| black_box(m.fresh_cached()))
    });
    c.bench_function("TokenProvider::bearer() cached: TokenSource", |b| {
        b.iter(|| black_box(now_or_panic(s.bearer()).unwrap()))
    });
    c.bench_function("TokenProvider::bearer() cached: ClientCredentials", |b| {
        b.iter(|| black_box(now_or_panic(m.bearer()).unwrap()))
    });
    let stop = Arc::new(AtomicBool::new(false));
    let other = {
        let m = m.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                black_box(now_or_panic(m.token()).unwrap());
            }
        })
    };
    c.bench_function(
        "ClientCredentials token() cached, contended by a 2nd thread",
        |b| b.iter(|| black_box(now_or_panic(m.token()).unwrap())),
    );
    stop.store(true, Ordering::Relaxed);
    other.join().unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
