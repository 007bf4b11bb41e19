//! The account calls (sign_up, confirm_sign_up, forgot_password, confirm_forgot_password,
//! change_password) end to end against cognate-server in process, with a client secret, reading
//! the codes from the server's outbox (`GET /_cognate/outbox`); wrong and used codes surface as
//! the client's typed errors.

#![allow(clippy::unwrap_used)]

use cognate_client::{AuthFlow, Client, Credentials, Error, ManualClock};
use cognate_server::{RunningServer, Seed, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Account01";
const CLIENT: &str = "accountclientaaaaaaaaaaaaa";
const SECRET: &str = "the_account_client_secret_0123456789";
const PASSWORD: &str = "Correct horse 1!";
const NEW_PASSWORD: &str = "Battery staple 2?";
const THIRD_PASSWORD: &str = "Third password 3#";

async fn server() -> RunningServer {
    let seed: Seed = serde_json::from_value(json!({"pools": [{
        "id": POOL, "name": "cognate-client-account",
        "AutoVerifiedAttributes": ["email"],
        "clients": [
            {"name": "secret", "id": CLIENT, "secret": SECRET,
             "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
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

/// The newest code the server sent to `username` for `purpose`.
async fn outbox_code(s: &RunningServer, username: &str, purpose: &str) -> String {
    let url = format!(
        "{}/_cognate/outbox?pool={POOL}&username={username}&purpose={purpose}",
        s.endpoint_url()
    );
    let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let messages = body["messages"].as_array().unwrap();
    messages.last().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn wrong(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

fn assert_cognito(err: &Error, kind: &str, message: &str) {
    match err {
        Error::Cognito {
            kind: k,
            message: m,
            status,
        } => {
            assert_eq!((k.as_str(), m.as_str()), (kind, message));
            assert_eq!(*status, Some(400));
        }
        other => panic!("expected {kind}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_confirm_recover_and_change_the_password() {
    let s = server().await;
    let c = Client::builder(POOL, CLIENT)
        .client_secret(SECRET)
        .endpoint(s.endpoint_url())
        .clock(ManualClock::now())
        .build()
        .unwrap();
    let login = |password: &'static str| {
        let c = c.clone();
        async move {
            c.login_with(&Credentials::new("gina", password), AuthFlow::UserSrp)
                .await
                .and_then(|step| step.into_tokens())
        }
    };

    // Sign up: unconfirmed, a code on its way to the (masked) email.
    let out = c
        .sign_up("gina", PASSWORD, &[("email", "gina@example.com")])
        .await
        .unwrap();
    assert!(!out.confirmed);
    assert_eq!(out.user_sub.len(), 36);
    let delivery = out.code_delivery.unwrap();
    assert_eq!(delivery.destination.as_deref(), Some("g***@e***.com"));
    assert_eq!(delivery.medium.as_deref(), Some("EMAIL"));
    assert_eq!(delivery.attribute.as_deref(), Some("email"));
    let err = login(PASSWORD).await.unwrap_err();
    assert!(err.is_user_not_confirmed(), "{err:?}");

    // A wrong code is the client's typed error; the right one confirms.
    let code = outbox_code(&s, "gina", "SIGN_UP").await;
    let err = c.confirm_sign_up("gina", wrong(&code)).await.unwrap_err();
    assert!(err.is_bad_code(), "{err:?}");
    assert_cognito(
        &err,
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    );
    c.confirm_sign_up("gina", &format!(" {code}\n"))
        .await
        .unwrap();
    let t = login(PASSWORD).await.unwrap();
    assert_eq!(
        t.id_token().claims().email.as_deref(),
        Some("gina@example.com")
    );

    // Forgot password: a reset code, the new password works and the old one no longer.
    let delivery = c.forgot_password("gina").await.unwrap().unwrap();
    assert_eq!(delivery.destination.as_deref(), Some("g***@e***.com"));
    let reset = outbox_code(&s, "gina", "FORGOT_PASSWORD").await;
    let err = c
        .confirm_forgot_password("gina", &reset, "too weak")
        .await
        .unwrap_err();
    assert_cognito(
        &err,
        "InvalidPasswordException",
        "Password did not conform with policy: Password must have uppercase characters",
    );
    c.confirm_forgot_password("gina", &reset, NEW_PASSWORD)
        .await
        .unwrap();
    let err = c
        .confirm_forgot_password("gina", &reset, THIRD_PASSWORD)
        .await
        .unwrap_err();
    assert!(err.is_bad_code(), "{err:?}");
    assert_cognito(
        &err,
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );
    let err = login(PASSWORD).await.unwrap_err();
    assert!(err.is_not_authorized(), "{err:?}");
    let t = login(NEW_PASSWORD).await.unwrap();

    // Change password with the access token.
    let err = c
        .change_password(t.access_token().as_str(), PASSWORD, THIRD_PASSWORD)
        .await
        .unwrap_err();
    assert_cognito(
        &err,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    c.change_password(t.access_token().as_str(), NEW_PASSWORD, THIRD_PASSWORD)
        .await
        .unwrap();
    login(THIRD_PASSWORD).await.unwrap();
    assert!(login(NEW_PASSWORD).await.unwrap_err().is_not_authorized());

    // Unknown users.
    let err = c.forgot_password("nobody").await.unwrap_err();
    assert!(err.is_user_not_found(), "{err:?}");
    s.shutdown().await;
}
