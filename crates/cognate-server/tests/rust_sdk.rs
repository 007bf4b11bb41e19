//! The official Rust SDK (aws-sdk-cognitoidentityprovider, unsigned user-level calls) against
//! the server: USER_SRP_AUTH with cognate-srp's client half, RespondToAuthChallenge, GetUser,
//! GetTokensFromRefreshToken, RevokeToken; and, with a manual clock, every expiry (access token,
//! SECRET_BLOCK, refresh token, temporary password) without sleeping.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::Region;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use cognate_server::{ManualClock, RunningServer, Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, Timestamp};

const POOL: &str = "us-east-1_RustSdk01";
const CLIENT: &str = "rustsdkclientaaaaaaaaaaaaa";
const SECRET_CLIENT: &str = "rustsdkclientsecretbbbbbbb";
const SECRET: &str = "s3cr3tforthetestsonly0000000000000000000000000000000";
const PASSWORD: &str = "Correct horse 1!";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "rust-sdk"
AliasAttributes = ["email"]

[[pools.clients]]
name = "public"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
RefreshTokenRotation = {{ Feature = "ENABLED", RetryGracePeriodSeconds = 10 }}

[[pools.clients]]
name = "confidential"
id = "{SECRET_CLIENT}"
secret = "{SECRET}"

[[pools.users]]
username = "alice"
password = "{PASSWORD}"
attributes = {{ email = "alice@example.com", email_verified = "true" }}

[[pools.users]]
username = "temp"
password = "{PASSWORD}"
temporary = true
"#
    ))
    .unwrap()
}

async fn start(clock: Arc<ManualClock>) -> (RunningServer, Client) {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock)
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .build();
    (server, Client::from_conf(conf))
}

struct Srp {
    client: SrpClient,
    params: HashMap<String, String>,
}

async fn srp_start(sdk: &Client, client_id: &str, login: &str, secret_hash: Option<String>) -> Srp {
    let client = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let mut req = sdk
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", login)
        .auth_parameters("SRP_A", client.srp_a());
    if let Some(h) = secret_hash {
        req = req.auth_parameters("SECRET_HASH", h);
    }
    let out = req.send().await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    assert!(out.session().is_none());
    Srp {
        client,
        params: out.challenge_parameters().unwrap().clone(),
    }
}

async fn srp_finish(
    sdk: &Client,
    client_id: &str,
    srp: &Srp,
    password: &str,
    answer_username: &str,
    secret_hash: Option<String>,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    (String, String),
>{
    let p = &srp.params;
    let claim = srp
        .client
        .respond(
            &PasswordVerifierChallenge {
                pool_name: cognate_srp::pool_name(POOL).unwrap(),
                user_id_for_srp: &p["USER_ID_FOR_SRP"],
                srp_b: &p["SRP_B"],
                salt: &p["SALT"],
                secret_block: &p["SECRET_BLOCK"],
            },
            password,
            &Timestamp::now(),
        )
        .unwrap();
    let mut req = sdk
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", answer_username)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", claim.signature)
        .challenge_responses("TIMESTAMP", claim.timestamp);
    if let Some(h) = secret_hash {
        req = req.challenge_responses("SECRET_HASH", h);
    }
    req.send().await.map_err(|e| {
        (
            e.code().unwrap_or_default().to_owned(),
            e.message().unwrap_or_default().to_owned(),
        )
    })
}

fn not_authorized(message: &str) -> (String, String) {
    ("NotAuthorizedException".into(), message.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_rust_sdk_logs_in_with_srp_and_refreshes() {
    let clock = Arc::new(ManualClock::starting_now());
    let (server, sdk) = start(clock.clone()).await;

    // SRP by user name and by email alias; USERNAME answered as USER_ID_FOR_SRP or login name.
    for (login, answer) in [
        ("alice", "alice"),
        ("alice@example.com", "alice"),
        ("alice@example.com", "alice@example.com"),
    ] {
        let srp = srp_start(&sdk, CLIENT, login, None).await;
        assert_eq!(srp.params["USER_ID_FOR_SRP"], "alice");
        assert_eq!(srp.params["USERNAME"], "alice");
        let out = srp_finish(&sdk, CLIENT, &srp, PASSWORD, answer, None)
            .await
            .unwrap();
        assert!(
            out.authentication_result()
                .unwrap()
                .access_token()
                .is_some()
        );
    }
    let srp = srp_start(&sdk, CLIENT, "alice", None).await;
    let wrong = srp_finish(&sdk, CLIENT, &srp, "Wrong horse 1!", "alice", None).await;
    assert_eq!(
        wrong.unwrap_err(),
        not_authorized("Incorrect username or password.")
    );

    // With a client secret: SECRET_HASH over the login name / internal name.
    let hash = cognate_srp::secret_hash(SECRET, "alice", SECRET_CLIENT);
    let srp = srp_start(&sdk, SECRET_CLIENT, "alice", Some(hash.clone())).await;
    let out = srp_finish(&sdk, SECRET_CLIENT, &srp, PASSWORD, "alice", Some(hash))
        .await
        .unwrap();
    let secret_tokens = out.authentication_result().unwrap().clone();

    // GetUser, then refresh with rotation through GetTokensFromRefreshToken.
    let srp = srp_start(&sdk, CLIENT, "alice", None).await;
    let tokens = srp_finish(&sdk, CLIENT, &srp, PASSWORD, "alice", None)
        .await
        .unwrap()
        .authentication_result()
        .unwrap()
        .clone();
    let me = sdk
        .get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "alice");
    let first_refresh = tokens.refresh_token().unwrap().to_owned();
    let rotated = sdk
        .get_tokens_from_refresh_token()
        .client_id(CLIENT)
        .refresh_token(&first_refresh)
        .send()
        .await
        .unwrap();
    let rotated = rotated.authentication_result().unwrap();
    let second_refresh = rotated.refresh_token().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    // Within the 10 s grace period the old token still works; after it, reuse is refused.
    clock.advance(5);
    sdk.get_tokens_from_refresh_token()
        .client_id(CLIENT)
        .refresh_token(&first_refresh)
        .send()
        .await
        .unwrap();
    clock.advance(10);
    let reuse = sdk
        .get_tokens_from_refresh_token()
        .client_id(CLIENT)
        .refresh_token(&first_refresh)
        .send()
        .await
        .unwrap_err();
    assert_eq!(reuse.code(), Some("RefreshTokenReuseException"));

    // The confidential client: GetTokensFromRefreshToken needs the secret itself.
    let refresh = secret_tokens.refresh_token().unwrap();
    let bad = sdk
        .get_tokens_from_refresh_token()
        .client_id(SECRET_CLIENT)
        .refresh_token(refresh)
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("NotAuthorizedException"));
    sdk.get_tokens_from_refresh_token()
        .client_id(SECRET_CLIENT)
        .client_secret(SECRET)
        .refresh_token(refresh)
        .send()
        .await
        .unwrap();

    // RevokeToken kills the refresh token and the access tokens of that login.
    let fresh = rotated.access_token().unwrap();
    sdk.revoke_token()
        .client_id(CLIENT)
        .token(&second_refresh)
        .send()
        .await
        .unwrap();
    let e = sdk.get_user().access_token(fresh).send().await.unwrap_err();
    assert_eq!(e.message(), Some("Access Token has been revoked"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_follows_the_injected_clock() {
    let clock = Arc::new(ManualClock::starting_now());
    let (server, sdk) = start(clock.clone()).await;
    let login = sdk
        .initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let tokens = login.authentication_result().unwrap();
    assert_eq!(tokens.expires_in(), 3600);

    // Access token: valid until exp.
    clock.advance(3599);
    sdk.get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    clock.advance(1);
    let e = sdk
        .get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Access Token has expired"));

    // SECRET_BLOCK: five minutes.
    let srp = srp_start(&sdk, CLIENT, "alice", None).await;
    clock.advance(301);
    let late = srp_finish(&sdk, CLIENT, &srp, PASSWORD, "alice", None).await;
    assert_eq!(
        late.unwrap_err(),
        not_authorized("Incorrect username or password.")
    );

    // A tampered SECRET_BLOCK is refused even with the right password.
    let mut srp = srp_start(&sdk, CLIENT, "alice", None).await;
    let block = srp.params["SECRET_BLOCK"].clone();
    let flipped = if block.starts_with('A') { "B" } else { "A" };
    srp.params
        .insert("SECRET_BLOCK".into(), format!("{flipped}{}", &block[1..]));
    let tampered = srp_finish(&sdk, CLIENT, &srp, PASSWORD, "alice", None).await;
    assert_eq!(
        tampered.unwrap_err(),
        not_authorized("Incorrect username or password.")
    );

    // Refresh token: 30 days.
    clock.advance(30 * 86_400);
    // (A rotation client refreshes through GetTokensFromRefreshToken: REFRESH_TOKEN_AUTH is not
    // available on it, as AWS documents.)
    let e = sdk
        .initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("REFRESH_TOKEN_AUTH flow not enabled for this client")
    );
    let e = sdk
        .get_tokens_from_refresh_token()
        .client_id(CLIENT)
        .refresh_token(tokens.refresh_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some("Refresh Token has expired"));

    // Temporary password: NEW_PASSWORD_REQUIRED within 7 days, refused after.
    let challenge = sdk
        .initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "temp")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    // the seed ran at the clock's start; 30 days have passed since
    let e = challenge.unwrap_err();
    assert_eq!(
        e.message(),
        Some("Temporary password has expired and must be reset by an administrator.")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_password_required_through_the_sdk() {
    let clock = Arc::new(ManualClock::starting_now());
    let (server, sdk) = start(clock.clone()).await;
    let out = sdk
        .initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "temp")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let done = sdk
        .respond_to_auth_challenge()
        .client_id(CLIENT)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "temp")
        .challenge_responses("NEW_PASSWORD", "Brand new horse 3!")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result().unwrap().id_token().is_some());
    sdk.initiate_auth()
        .client_id(CLIENT)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "temp")
        .auth_parameters("PASSWORD", "Brand new horse 3!")
        .send()
        .await
        .unwrap();
    server.shutdown().await;
}

/// The model's validation, as the official SDK receives it: a typed
/// `InvalidParameterException` with AWS's wording (sensitive values unquoted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_reach_the_sdk_typed() {
    let (server, sdk) = start(Arc::new(ManualClock::starting_now())).await;
    let e = sdk
        .initiate_auth()
        .client_id("not a client id")
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .send()
        .await
        .unwrap_err();
    let service = e.as_service_error().unwrap();
    assert!(service.is_invalid_parameter_exception(), "{service:?}");
    assert_eq!(
        service.message(),
        Some(
            "1 validation error detected: Value at 'clientId' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+]+"
        )
    );
    let e = sdk
        .sign_up()
        .client_id(CLIENT)
        .username("newcomer")
        .password(" leading space 1A!")
        .send()
        .await
        .unwrap_err();
    let service = e.as_service_error().unwrap();
    assert!(service.is_invalid_parameter_exception(), "{service:?}");
    assert_eq!(
        service.message(),
        Some(
            "1 validation error detected: Value at 'password' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
        )
    );
    server.shutdown().await;
}
