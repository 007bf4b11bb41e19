//! With `PreventUserExistenceErrors = ENABLED`, a name that is no user's must not be told apart
//! from a real user with a wrong password: the same answers in the same order (lockout
//! included), a challenge of the same form (the same SALT for the same name every time, a
//! user id of the same shape), and — measured, not asserted here — the same work.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::{ManualClock, RunningServer, Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, Timestamp};
use common::idp_call;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Enumerate1";
const EMAIL_POOL: &str = "us-east-1_Enumerate2";
const CLIENT: &str = "enumerateclientaaaaaaaaaaa";
const EMAIL_CLIENT: &str = "enumerateemailclientaaaaaa";
const PASSWORD: &str = "Correct horse 1!";
const WRONG: &str = "Wrong horse 1!";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "enumerate"

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
PreventUserExistenceErrors = "ENABLED"

[[pools.users]]
username = "alice"
password = "{PASSWORD}"

[[pools.users]]
username = "bob"
password = "{PASSWORD}"

[[pools]]
id = "{EMAIL_POOL}"
name = "by-email"
UsernameAttributes = ["email"]

[[pools.clients]]
name = "web"
id = "{EMAIL_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
PreventUserExistenceErrors = "ENABLED"

[[pools.users]]
username = "carol@example.com"
password = "{PASSWORD}"
attributes = {{ email = "carol@example.com", email_verified = "true" }}
"#
    ))
    .unwrap()
}

async fn start() -> RunningServer {
    common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(Arc::new(ManualClock::starting_now()))
        .seed_data(seed())
        .start()
        .await
        .unwrap()
}

fn outcome(r: Result<Value, (String, String)>) -> String {
    match r {
        Ok(v) if v["AuthenticationResult"].is_object() => "tokens".into(),
        Ok(v) => format!("challenge {}", v["ChallengeName"]),
        Err((kind, message)) => format!("{kind}: {message}"),
    }
}

async fn password_login(s: &RunningServer, name: &str, password: &str) -> String {
    outcome(
        idp_call(
            &s.endpoint_url(),
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                   "AuthParameters": {"USERNAME": name, "PASSWORD": password}}),
        )
        .await,
    )
}

async fn srp_start(s: &RunningServer, client: &str, name: &str, srp: &SrpClient) -> Value {
    idp_call(
        &s.endpoint_url(),
        "InitiateAuth",
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": name, "SRP_A": srp.srp_a()}}),
    )
    .await
    .unwrap()
}

async fn srp_login(s: &RunningServer, name: &str, password: &str) -> String {
    let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let start = srp_start(s, CLIENT, name, &srp).await;
    assert_eq!(start["ChallengeName"], "PASSWORD_VERIFIER");
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
            password,
            &Timestamp::now(),
        )
        .unwrap();
    outcome(
        idp_call(
            &s.endpoint_url(),
            "RespondToAuthChallenge",
            json!({"ClientId": CLIENT, "ChallengeName": "PASSWORD_VERIFIER",
                   "ChallengeResponses": {"USERNAME": p["USERNAME"],
                       "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
                       "PASSWORD_CLAIM_SIGNATURE": claim.signature,
                       "TIMESTAMP": claim.timestamp}}),
        )
        .await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_name_gets_a_wrong_passwords_answers_lockout_included() {
    let s = start().await;
    let mut real = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        real.push(password_login(&s, "alice", WRONG).await);
        unknown.push(password_login(&s, "mallory", WRONG).await);
    }
    assert_eq!(real, unknown);
    let wrong = "NotAuthorizedException: Incorrect username or password.";
    let exceeded = "NotAuthorizedException: Password attempts exceeded";
    assert_eq!(real[..5], [wrong; 5]);
    assert_eq!(real[5..], [exceeded; 2]);
    // The lockout of an unknown name is its own: another unknown name and the real users'
    // right passwords are not affected.
    assert_eq!(password_login(&s, "trudy", WRONG).await, wrong);
    assert_eq!(password_login(&s, "bob", PASSWORD).await, "tokens");

    // SRP: the same, answer by answer.
    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        real.push(srp_login(&s, "bob", WRONG).await);
        unknown.push(srp_login(&s, "oscar", WRONG).await);
    }
    assert_eq!(real, unknown);
    assert_eq!(real[..5], [wrong; 5]);
    assert_eq!(real[5..], [exceeded; 2]);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_names_challenge_has_the_form_of_a_real_one() {
    let s = start().await;
    let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    // One name, one SALT, every time (a real user's salt does not change either).
    let a = srp_start(&s, CLIENT, "mallory", &srp).await;
    let b = srp_start(&s, CLIENT, "mallory", &srp).await;
    assert_eq!(
        a["ChallengeParameters"]["SALT"],
        b["ChallengeParameters"]["SALT"]
    );
    assert_ne!(
        a["ChallengeParameters"]["SECRET_BLOCK"],
        b["ChallengeParameters"]["SECRET_BLOCK"]
    );
    let other = srp_start(&s, CLIENT, "trudy", &srp).await;
    assert_ne!(
        a["ChallengeParameters"]["SALT"],
        other["ChallengeParameters"]["SALT"]
    );
    assert_eq!(a["ChallengeParameters"]["USER_ID_FOR_SRP"], "mallory");

    // In a pool that signs in by email, a real user's id is a UUID: so is an unknown one's,
    // the same one every time.
    let is_uuid = |v: &Value| {
        let s = v.as_str().unwrap();
        s.len() == 36
            && s.chars()
                .enumerate()
                .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'))
    };
    let real = srp_start(&s, EMAIL_CLIENT, "carol@example.com", &srp).await;
    let unknown = srp_start(&s, EMAIL_CLIENT, "dave@example.com", &srp).await;
    let again = srp_start(&s, EMAIL_CLIENT, "dave@example.com", &srp).await;
    assert!(is_uuid(&real["ChallengeParameters"]["USER_ID_FOR_SRP"]));
    assert!(is_uuid(&unknown["ChallengeParameters"]["USER_ID_FOR_SRP"]));
    assert_eq!(
        unknown["ChallengeParameters"]["USER_ID_FOR_SRP"],
        again["ChallengeParameters"]["USER_ID_FOR_SRP"]
    );
    s.shutdown().await;
}

/// pycognito's own SRP code and boto3 see the same: `interop/python/enumeration.py`. (The
/// server's clock stands still: the script's seven attempts must all fall inside the first
/// lockout, which lasts one second, however slowly the machine runs them.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pycognito_and_boto3_cannot_tell_an_unknown_name_from_a_wrong_password() {
    let summary = common::python_summary_at_a_fixed_time("enumeration.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(5), "{summary}");
}
