//! Against cognate-server (in process), a local Cognito that checks SRP proofs for real:
//! SRP and password login with an email-alias pool and a client secret, refresh by both calls
//! (rotation), 100 tasks → one refresh, revoked refresh tokens, NEW_PASSWORD_REQUIRED.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_client::{
    AuthFlow, Challenge, Client, Clock, Credentials, Error, LoginStep, ManualClock, RefreshMethod,
    TokenSource,
};
use cognate_server::{RunningServer, Seed, Server};
use common::CallCounter;
use serde_json::json;

const POOL: &str = "us-east-1_Cognate01";
const CLIENT: &str = "abcdefghijklmnopqrstuvwxyz";
const PUBLIC: &str = "zyxwvutsrqponmlkjihgfedcba";
const SECRET: &str = "the_client_secret_0123456789";
const PASSWORD: &str = "Correct horse 1!";

async fn server() -> RunningServer {
    let seed: Seed = serde_json::from_value(json!({"pools": [{
        "id": POOL, "name": "cognate-client-tests",
        "UsernameAttributes": ["email"],
        "Schema": [{"Name": "companyId", "AttributeDataType": "String"}],
        "clients": [
            {"name": "secret", "id": CLIENT, "secret": SECRET,
             "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
            {"name": "public", "id": PUBLIC,
             "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
        ],
        "users": [
            {"username": "alice@example.com", "password": PASSWORD,
             "attributes": {"email_verified": "true", "custom:companyId": "42"}},
            {"username": "bob@example.com", "password": "Temporary 1!", "temporary": true}
        ]
    }]}))
    .unwrap();
    Server::builder()
        .in_memory()
        .seed_data(seed)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

fn client(s: &RunningServer, secret: bool, clock: &ManualClock) -> Client {
    let b = Client::builder(POOL, if secret { CLIENT } else { PUBLIC })
        .endpoint(s.endpoint_url())
        .clock(clock.clone());
    if secret { b.client_secret(SECRET) } else { b }
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn srp_and_password_login_against_a_verifying_server() {
    let s = server().await;
    let clock = ManualClock::now();
    for secret in [true, false] {
        let c = client(&s, secret, &clock);
        for flow in [AuthFlow::UserSrp, AuthFlow::UserPassword] {
            let t = c
                .login_with(&Credentials::new("alice@example.com", PASSWORD), flow)
                .await
                .unwrap()
                .into_tokens()
                .unwrap();
            // Email-alias pool: the internal name is not what the user typed.
            assert_ne!(t.username(), Some("alice@example.com"), "{flow:?}");
            assert_eq!(t.id_token().claims().custom("companyId"), Some("42"));
            assert_eq!(
                t.id_token().claims().email.as_deref(),
                Some("alice@example.com")
            );
            let user = c.get_user(t.access_token().as_str()).await.unwrap();
            assert_eq!(Some(user.username.as_str()), t.username());

            let err = c
                .login_with(
                    &Credentials::new("alice@example.com", "Wrong horse 1!"),
                    flow,
                )
                .await
                .unwrap_err();
            assert!(err.is_not_authorized(), "{flow:?} {err:?}");
        }
    }
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_with_secret_both_methods_and_100_tasks_one_refresh() {
    let s = server().await;
    let clock = ManualClock::now();
    let counter = CallCounter::default();
    let sdk = common::counted_sdk(&s.endpoint_url(), &counter);
    let c = Client::builder(POOL, CLIENT)
        .client_secret(SECRET)
        .sdk_client(sdk)
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c.clone())
        .credentials(Credentials::new("alice@example.com", PASSWORD))
        .build();
    let t0 = source.tokens().await.unwrap();
    assert_eq!(counter.logins(), 1);

    // 100 tasks inside the refresh margin: one REFRESH_TOKEN_AUTH, SECRET_HASH over the
    // internal name (the server checks it).
    clock.advance_secs(t0.expires_at_local() - clock.now_secs() - 60);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.tokens().await.unwrap() }));
    }
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    assert_eq!(counter.refreshes(), 1);
    assert!(got.iter().all(|t| Arc::ptr_eq(t, &got[0])));
    assert_ne!(got[0].access_token().as_str(), t0.access_token().as_str());
    assert_eq!(
        got[0].access_token().claims().auth_time,
        t0.access_token().claims().auth_time
    );

    // GetTokensFromRefreshToken (rotation-aware: whatever the server sends is kept and works).
    let rot = TokenSource::builder(c.clone())
        .tokens((*got[0]).clone())
        .refresh_method(RefreshMethod::GetTokensFromRefreshToken)
        .build();
    clock.advance_secs(3600);
    let r1 = rot.tokens().await.unwrap();
    clock.advance_secs(3600);
    let r2 = rot.tokens().await.unwrap();
    assert_eq!(rot.refresh_count(), 2);
    assert_ne!(r1.access_token().as_str(), r2.access_token().as_str());

    // RevokeToken: the next refresh is refused; without credentials that ends the session,
    // with them the source logs in again.
    c.revoke_token(r2.refresh_token().unwrap().expose_secret())
        .await
        .unwrap();
    clock.advance_secs(3600);
    let err = rot.tokens().await.unwrap_err();
    assert!(matches!(err, Error::SessionEnded(_)), "{err:?}");
    let relogin = TokenSource::builder(c)
        .tokens((*r2).clone())
        .refresh_method(RefreshMethod::GetTokensFromRefreshToken)
        .credentials(Credentials::new("alice@example.com", PASSWORD))
        .build();
    relogin.tokens().await.unwrap();
    assert_eq!(relogin.login_count(), 1);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_password_required() {
    let s = server().await;
    let clock = ManualClock::now();
    let c = client(&s, true, &clock);
    let step = c
        .login(&Credentials::new("bob@example.com", "Temporary 1!"))
        .await
        .unwrap();
    let LoginStep::Challenge(Challenge::NewPasswordRequired(np)) = step else {
        panic!("{step:?}")
    };
    let t = np
        .respond("Brand new 1!", &[])
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert!(t.refresh_token().is_some());
    // The new password works with SRP.
    c.login(&Credentials::new("bob@example.com", "Brand new 1!"))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    s.shutdown().await;
}
