//! Choice-based sign-in (`USER_AUTH`) with the client's typed steps against cognate-server (in
//! process): `SELECT_CHALLENGE` with the factors offered, `EMAIL_OTP` chosen (a wrong code handed
//! back, then the code from the server's outbox), `SMS_OTP` preferred, the password sent and
//! proven by SRP from the selection, and a client secret's `SECRET_HASH` on every step.

#![allow(clippy::unwrap_used)]

use cognate_client::{Challenge, Client, FirstFactor, LoginStep};
use cognate_server::{RunningServer, Seed, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct horse 1!";
const POOL: &str = "us-east-1_ClientChoice1";
const CLIENT: &str = "clientchoicewebaaaaaaaaaaa";
const SECRET: &str = "client_choice_secret_0123456789ab";

fn seed() -> Seed {
    serde_json::from_value(json!({"pools": [
        {"id": POOL, "name": "choice",
         "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}},
         "clients": [{"name": "web", "id": CLIENT, "secret": SECRET,
                      "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
         "users": [{"username": "ann", "password": PASSWORD,
                    "attributes": {"email": "ann@example.com", "email_verified": "true",
                                   "phone_number": "+15555550100", "phone_number_verified": "true"}}]}
    ]}))
    .unwrap()
}

async fn start() -> RunningServer {
    Server::builder()
        .in_memory()
        .seed_data(seed())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

fn client(server: &RunningServer) -> Client {
    Client::builder(POOL, CLIENT)
        .endpoint(server.endpoint_url())
        .ignore_env()
        .client_secret(SECRET)
        .build()
        .unwrap()
}

async fn code(server: &RunningServer, purpose: &str) -> String {
    let v: Value = reqwest::get(format!(
        "{}/_cognate/outbox?pool={POOL}&purpose={purpose}",
        server.endpoint_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    v["messages"].as_array().unwrap().last().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn select(c: &Client) -> cognate_client::SelectChallenge {
    match c.login_user_auth("ann", None).await.unwrap() {
        LoginStep::Challenge(Challenge::SelectChallenge(s)) => s,
        other => panic!("expected SELECT_CHALLENGE, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_first_factor_through_typed_steps() {
    let server = start().await;
    let c = client(&server);

    // SELECT_CHALLENGE, then EMAIL_OTP: a wrong code comes back to be answered again.
    let choice = select(&c).await;
    assert_eq!(
        choice.available,
        vec![
            FirstFactor::Password,
            FirstFactor::PasswordSrp,
            FirstFactor::EmailOtp,
            FirstFactor::SmsOtp
        ]
    );
    let LoginStep::Challenge(Challenge::EmailOtp(ch)) =
        choice.select(FirstFactor::EmailOtp).await.unwrap()
    else {
        panic!("expected EMAIL_OTP");
    };
    assert_eq!(ch.delivery_medium.as_deref(), Some("EMAIL"));
    let right = code(&server, "EMAIL_OTP").await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = ch.respond(wrong).await.unwrap_err();
    assert!(refused.can_retry(), "{refused}");
    let tokens = refused
        .into_challenge()
        .unwrap()
        .respond(&right)
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(
        tokens.access_token().claims().username.as_deref(),
        Some("ann")
    );

    // SMS_OTP preferred: straight to the code.
    let LoginStep::Challenge(Challenge::SmsOtp(ch)) = c
        .login_user_auth("ann", Some(FirstFactor::SmsOtp))
        .await
        .unwrap()
    else {
        panic!("expected SMS_OTP");
    };
    assert_eq!(ch.delivery_medium.as_deref(), Some("SMS"));
    let sms = code(&server, "SMS_OTP").await;
    ch.respond(&sms).await.unwrap().into_tokens().unwrap();

    // The password, sent and proven by SRP, from the selection; a password preference still
    // gets the selection (the password goes with the answer).
    select(&c)
        .await
        .password(PASSWORD)
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    let LoginStep::Challenge(Challenge::SelectChallenge(choice)) = c
        .login_user_auth("ann", Some(FirstFactor::PasswordSrp))
        .await
        .unwrap()
    else {
        panic!("expected SELECT_CHALLENGE");
    };
    choice
        .password_srp(PASSWORD)
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    // A wrong password ends the login with Cognito's error.
    let err = select(&c).await.password_srp("wrong").await.unwrap_err();
    assert!(
        err.to_string().contains("Incorrect username or password"),
        "{err}"
    );
    server.shutdown().await;
}
