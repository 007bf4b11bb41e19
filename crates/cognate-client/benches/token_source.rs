//! Hand-out of a cached token by `TokenSource`: alone, and contended by a second thread
//! hammering the same source. Target: ≤ 1 µs.
//!
//! `cargo bench -p cognate-client --bench token_source`

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use cognate_client::testing::token_set;
use cognate_client::{Client, Clock, SystemClock, TokenSource};
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
