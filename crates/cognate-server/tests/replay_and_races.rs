//! Attacks on the wire that once succeeded: a captured `PASSWORD_VERIFIER` answer replayed
//! (with no Session, as pycognito answers), also after a restart; one refresh token used by
//! many concurrent `GetTokensFromRefreshToken` calls on a rotation client with no grace period;
//! a concurrent burst of wrong passwords against the lockout.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::{ManualClock, RunningServer, Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, Timestamp};
use common::idp_call;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Replay1234";
const CLIENT: &str = "replayclientaaaaaaaaaaaaaa";
const ROTATING: &str = "replayrotatingclientaaaaaa";
const PASSWORD: &str = "Correct horse 1!";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "replay"

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "rotating"
id = "{ROTATING}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]
RefreshTokenRotation = {{ Feature = "ENABLED", RetryGracePeriodSeconds = 0 }}

[[pools.users]]
username = "alice"
password = "{PASSWORD}"
"#
    ))
    .unwrap()
}

async fn start(dir: &std::path::Path) -> RunningServer {
    common::durable(Server::builder(), dir)
        .bind("127.0.0.1:0")
        .seed_data(seed())
        .start()
        .await
        .unwrap()
}

/// A right `PASSWORD_VERIFIER` answer, without a Session.
async fn srp_answer(s: &RunningServer) -> Value {
    let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let start = idp_call(
        &s.endpoint_url(),
        "InitiateAuth",
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"USERNAME": "alice", "SRP_A": srp.srp_a()}}),
    )
    .await
    .unwrap();
    let p = &start["ChallengeParameters"];
    let claim = srp
        .respond(
            &PasswordVerifierChallenge {
                pool_name: cognate_srp::pool_name(POOL).unwrap(),
                user_id_for_srp: p["USER_ID_FOR_SRP"].as_str().unwrap(),
                srp_b: p["SRP_B"].as_str().unwrap(),
                salt: p["SALT"].as_str().unwrap(),
                secret_block: p["SECRET_BLOCK"].as_str().unwrap(),
            },
            PASSWORD,
            &Timestamp::now(),
        )
        .unwrap();
    json!({"ClientId": CLIENT, "ChallengeName": "PASSWORD_VERIFIER",
           "ChallengeResponses": {"USERNAME": "alice",
               "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
               "PASSWORD_CLAIM_SIGNATURE": claim.signature,
               "TIMESTAMP": claim.timestamp}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_verifier_answer_logs_in_once() {
    let dir = common::temp_dir("replay");
    let s = start(&dir).await;
    let answer = srp_answer(&s).await;
    let first = idp_call(&s.endpoint_url(), "RespondToAuthChallenge", answer.clone())
        .await
        .unwrap();
    assert!(first["AuthenticationResult"]["RefreshToken"].is_string());
    for _ in 0..3 {
        assert_eq!(
            idp_call(&s.endpoint_url(), "RespondToAuthChallenge", answer.clone()).await,
            Err((
                "NotAuthorizedException".into(),
                "Incorrect username or password.".into()
            ))
        );
    }
    // Nor after a restart on the same data.
    s.shutdown().await;
    let s = start(&dir).await;
    assert_eq!(
        idp_call(&s.endpoint_url(), "RespondToAuthChallenge", answer).await,
        Err((
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        ))
    );
    // A fresh login still works (the replays counted as no failed attempt).
    let fresh = srp_answer(&s).await;
    assert!(
        idp_call(&s.endpoint_url(), "RespondToAuthChallenge", fresh)
            .await
            .is_ok()
    );
    s.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_rotations_of_one_refresh_token_succeed_once() {
    let dir = common::temp_dir("rotation-race");
    let s = start(&dir).await;
    let url = s.endpoint_url();
    let tokens = idp_call(
        &url,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": ROTATING,
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
    )
    .await
    .unwrap();
    let refresh = tokens["AuthenticationResult"]["RefreshToken"].clone();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let url = url.clone();
            let refresh = refresh.clone();
            tokio::spawn(async move {
                idp_call(
                    &url,
                    "GetTokensFromRefreshToken",
                    json!({"ClientId": ROTATING, "RefreshToken": refresh}),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(v) => {
                assert!(v["AuthenticationResult"]["RefreshToken"].is_string());
                ok += 1;
            }
            Err((kind, _)) => assert_eq!(kind, "RefreshTokenReuseException"),
        }
    }
    assert_eq!(ok, 1);
    s.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}

/// 64 wrong passwords at once (the clock stands still): exactly the five failures the lockout
/// allows are checked; every other attempt is "Password attempts exceeded".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_gets_five_guesses() {
    // On disk: each counted failure waits for its fsync, the window a burst used to get
    // through.
    let dir = common::temp_dir("burst");
    let s = common::durable(Server::builder(), &dir)
        .bind("127.0.0.1:0")
        .clock(Arc::new(ManualClock::starting_now()))
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    let url = s.endpoint_url();
    let calls: Vec<_> = (0..64)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                idp_call(
                    &url,
                    "InitiateAuth",
                    json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": ROTATING,
                           "AuthParameters": {"USERNAME": "alice", "PASSWORD": format!("Wrong guess {i}!")}}),
                )
                .await
            })
        })
        .collect();
    let (mut checked, mut refused) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Err((kind, message)) => {
                assert_eq!(kind, "NotAuthorizedException");
                match message.as_str() {
                    "Incorrect username or password." => checked += 1,
                    "Password attempts exceeded" => refused += 1,
                    other => panic!("{other}"),
                }
            }
            Ok(v) => panic!("a wrong password logged in: {v}"),
        }
    }
    assert_eq!((checked, refused), (5, 59));
    s.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}
