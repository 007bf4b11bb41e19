//! SRP costs per login: the client's proof, the server's challenge and check, and — to justify
//! the big-number backend — one crypto-bigint exponentiation of the size the proof needs.
//!
//! `cargo bench -p cognate-srp --bench srp`; `scripts/bench-srp` runs this beside pycognito.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use cognate_srp::{
    PasswordVerifierAnswer, PasswordVerifierChallenge, SrpClient, SrpServer, Timestamp, Verifier,
};
use criterion::{Criterion, criterion_group, criterion_main};

const POOL: &str = "AbC123xyZ";
const USER: &str = "alice@example.com";
const PASSWORD: &str = "Correct horse battery staple 1!";

fn bench(c: &mut Criterion) {
    let mut rng = cognate_srp::os_rng();
    let verifier = Verifier::generate(&mut rng, POOL, USER, PASSWORD).unwrap();
    let server = SrpServer::new(&mut rng, &verifier).unwrap();
    let srp_b = server.srp_b();
    let salt = verifier.salt();
    let block =
        b"a secret block of about the size Cognito sends, give or take a few bytes".repeat(8);
    let block_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&block)
    };
    let challenge = PasswordVerifierChallenge {
        pool_name: POOL,
        user_id_for_srp: USER,
        srp_b: &srp_b,
        salt: &salt,
        secret_block: &block_b64,
    };
    let ts = Timestamp::from_unix(1_738_569_909);

    let mut g = c.benchmark_group("srp");
    g.bench_function("client_start", |b| {
        b.iter(|| black_box(SrpClient::new(&mut rng).unwrap().srp_a()))
    });
    let client = SrpClient::new(&mut rng).unwrap();
    g.bench_function("client_respond", |b| {
        b.iter(|| black_box(client.respond(&challenge, PASSWORD, &ts).unwrap()))
    });
    g.bench_function("client_proof_per_login", |b| {
        b.iter(|| {
            let client = SrpClient::new(&mut rng).unwrap();
            black_box(client.srp_a());
            black_box(client.respond(&challenge, PASSWORD, &ts).unwrap())
        })
    });
    g.bench_function("server_challenge", |b| {
        b.iter(|| black_box(SrpServer::new(&mut rng, &verifier).unwrap().srp_b()))
    });
    let srp_a = client.srp_a();
    let claim = client.respond(&challenge, PASSWORD, &ts).unwrap();
    let answer = PasswordVerifierAnswer {
        srp_a: &srp_a,
        pool_name: POOL,
        user_id: USER,
        secret_block: &block,
        timestamp: &claim.timestamp,
        signature: &claim.signature,
    };
    g.bench_function("server_check", |b| {
        b.iter(|| server.check(&verifier, black_box(&answer)).unwrap())
    });
    g.bench_function("server_password_auth_check", |b| {
        b.iter(|| {
            assert!(
                verifier
                    .matches_password(POOL, USER, black_box(PASSWORD))
                    .unwrap()
            )
        })
    });
    g.finish();

    let mut g = c.benchmark_group("modexp_backends");
    {
        use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
        use crypto_bigint::{Odd, U3072};
        let n = U3072::from_be_hex(&"F".repeat(768));
        let params = FixedMontyParams::new_vartime(Odd::new(n).unwrap());
        let base = FixedMontyForm::new(&U3072::from_be_hex(&"3".repeat(768)), &params);
        let exp = U3072::from_be_hex(&format!("{}{}", "0".repeat(768 - 128), "ab".repeat(64)));
        g.bench_function("crypto_bigint_3072_exp512", |b| {
            b.iter(|| black_box(base.pow_bounded_exp(black_box(&exp), 512)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(60);
    targets = bench
}
criterion_main!(benches);
