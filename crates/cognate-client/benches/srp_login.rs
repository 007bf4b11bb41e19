//! A full `USER_SRP_AUTH` login against cognate-server in process, and its split:
//!
//! - client maths: `SrpClient::new` + `respond` (what the client computes in a login);
//! - network + protocol: a round trip that does no work on the server (an `InitiateAuth`
//!   refused for an unknown client), times two (a login is two round trips);
//! - server: the rest.
//!
//! `cargo bench -p cognate-client --bench srp_login`

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use cognate_client::{AuthFlow, Client, Credentials};
use cognate_server::{Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, SrpServer, Timestamp, Verifier};
use criterion::{Criterion, criterion_group, criterion_main};

const POOL: &str = "us-east-1_Bench0001";
const CLIENT: &str = "abcdefghijklmnopqrstuvwxyz";
const PASSWORD: &str = "Correct horse 1!";

fn bench(c: &mut Criterion) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let seed: Seed = serde_json::from_value(serde_json::json!({"pools": [{
        "id": POOL, "name": "bench",
        "clients": [{"name": "c", "id": CLIENT,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
        "users": [{"username": "alice", "password": PASSWORD}]
    }]}))
    .unwrap();
    let server = server_rt.block_on(async {
        Server::builder()
            .in_memory()
            .seed_data(seed)
            .bind("127.0.0.1:0")
            .start()
            .await
            .unwrap()
    });
    let url = server.endpoint_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::builder(POOL, CLIENT)
        .endpoint(&url)
        .build()
        .unwrap();
    let bogus = Client::builder(POOL, "nosuchclient00000000000000")
        .endpoint(&url)
        .retry(cognate_client::RetryPolicy::none())
        .build()
        .unwrap();
    let creds = Credentials::new("alice", PASSWORD);

    // Warm the connection pool.
    rt.block_on(client.login(&creds))
        .unwrap()
        .into_tokens()
        .unwrap();

    let mut g = c.benchmark_group("login");
    g.sample_size(30).measurement_time(Duration::from_secs(10));
    g.bench_function("USER_SRP_AUTH, full", |b| {
        b.iter(|| {
            rt.block_on(client.login(&creds))
                .unwrap()
                .into_tokens()
                .unwrap()
        })
    });
    g.bench_function("USER_PASSWORD_AUTH, full", |b| {
        b.iter(|| {
            rt.block_on(client.login_with(&creds, AuthFlow::UserPassword))
                .unwrap()
                .into_tokens()
                .unwrap()
        })
    });
    g.bench_function("round trip, no server work", |b| {
        b.iter(|| {
            rt.block_on(bogus.login_with(&creds, AuthFlow::UserPassword))
                .unwrap_err()
        })
    });
    g.finish();

    // The client's maths alone, with a server-made challenge.
    let mut rng = cognate_srp::os_rng();
    let verifier = Verifier::generate(&mut rng, "Bench0001", "alice", PASSWORD).unwrap();
    let srv = SrpServer::new(&mut rng, &verifier).unwrap();
    let (b_hex, salt) = (srv.srp_b(), verifier.salt());
    c.bench_function("client SRP maths (new + respond)", |b| {
        b.iter(|| {
            let cl = SrpClient::new(&mut rng).unwrap();
            cl.respond(
                &PasswordVerifierChallenge {
                    pool_name: "Bench0001",
                    user_id_for_srp: "alice",
                    srp_b: &b_hex,
                    salt: &salt,
                    secret_block: "AAEC",
                },
                PASSWORD,
                &Timestamp::now(),
            )
            .unwrap()
        })
    });

    // A plain summary, for the report.
    let time = |n: u32, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed() / n
    };
    let full = time(30, &mut || {
        rt.block_on(client.login(&creds))
            .unwrap()
            .into_tokens()
            .unwrap();
    });
    let rtt = time(30, &mut || {
        rt.block_on(bogus.login_with(&creds, AuthFlow::UserPassword))
            .unwrap_err();
    });
    let maths = time(30, &mut || {
        let cl = SrpClient::new(&mut rng).unwrap();
        let ch = PasswordVerifierChallenge {
            pool_name: "Bench0001",
            user_id_for_srp: "alice",
            srp_b: &b_hex,
            salt: &salt,
            secret_block: "AAEC",
        };
        cl.respond(&ch, PASSWORD, &Timestamp::now()).unwrap();
    });
    let network = rtt * 2;
    let server_part = full.saturating_sub(maths + network);
    eprintln!(
        "SRP login split: total {full:?} = client maths {maths:?} + network/protocol {network:?} (2 × {rtt:?}) + server {server_part:?}"
    );
    rt.block_on(async { drop(client) });
    server_rt.block_on(server.shutdown());
}

criterion_group!(benches, bench);
criterion_main!(benches);
