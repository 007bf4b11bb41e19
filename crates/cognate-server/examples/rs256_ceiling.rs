//! The ceiling of a token endpoint that signs as Cognito does: RS256 (RSA-2048, PKCS#1 v1.5,
//! SHA-256) signatures per second with aws-lc-rs, the library `cognate serve` signs with, on
//! one thread and on every core. `bench/oauth` prints it beside the grants per second, so the
//! share of a grant that is the signature itself is measured, not guessed.
//!
//! ```text
//! cargo run --release --example rs256_ceiling -- 5   # seconds per measurement
//! ```
//!
//! Prints one line: `threads=N one_thread=R all_threads=R` (signatures per second).

use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// Signatures per second of one thread over `seconds`; the message is a token's size.
fn rate(pair: &RsaKeyPair, seconds: f64) -> f64 {
    let rng = SystemRandom::new();
    let message = [0x5a_u8; 900];
    let mut sig = vec![0; pair.public_modulus_len()];
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let mut n = 0_u64;
    while Instant::now() < until {
        for _ in 0..16 {
            pair.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut sig)
                .expect("sign");
        }
        n += 16;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("an RSA-2048 key");
    let one = rate(&pair, seconds);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let all: f64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| rate(&pair, seconds)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread"))
            .sum()
    });
    println!("threads={threads} one_thread={one:.0} all_threads={all:.0}");
}
