//! `CUSTOM_AUTH` with the example Define/Create/Verify handlers of `examples/triggers`:
//! Amplify v6 (`CUSTOM_WITHOUT_SRP`, `CUSTOM_WITH_SRP`), amazon-cognito-identity-js (with and
//! without SRP inside custom auth) and aws-jwt-verify on
//! the tokens a pre token generation V2_0 trigger shaped (Node handlers, cognate's runner);
//! the wire answers and the `session` history the triggers see (Python handlers, through the
//! Lambda Invoke API of a Lambda service played by the test).

#![allow(clippy::unwrap_used)]

mod common;
#[path = "triggers/lambda_service.rs"]
mod lambda_service;

use std::collections::HashMap;
use std::path::PathBuf;

use cognate_server::{IssuerStyle, Seed, Server};
use common::idp_call;
use lambda_service::LambdaService;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_CustomAu1";
const CLIENT: &str = "customauthclientaaaaaaaaaa";
/// A client with PreventUserExistenceErrors = ENABLED.
const HIDING: &str = "hidingclientaaaaaaaaaaaaaa";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "custom"
Schema = [{{ Name = "tenant", AttributeDataType = "String", Mutable = true }}]
LambdaConfig = {{ DefineAuthChallenge = "{ARN}define", CreateAuthChallenge = "{ARN}create", VerifyAuthChallengeResponse = "{ARN}verify", PreTokenGenerationConfig = {{ LambdaArn = "{ARN}pre-token-generation", LambdaVersion = "V2_0" }} }}

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "hides users"
id = "{HIDING}"
ExplicitAuthFlows = ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH"]
PreventUserExistenceErrors = "ENABLED"

[[pools.clients]]
name = "no custom"
id = "nocustomclientaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH"]

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
attributes = {{ email = "alice@example.com", "custom:tenant" = "acme" }}

[[pools]]
id = "us-east-1_NoTrigger"
name = "no triggers"

[[pools.clients]]
name = "web"
id = "notriggerclientaaaaaaaaaa1"
ExplicitAuthFlows = ["ALLOW_CUSTOM_AUTH"]
"#
    ))
    .unwrap()
}

fn handlers(language: &str) -> HashMap<String, PathBuf> {
    let dir = common::repo().join("examples/triggers").join(language);
    let ext = if language == "node" { "mjs" } else { "py" };
    [
        ("define", "define_auth_challenge"),
        ("create", "create_auth_challenge"),
        ("verify", "verify_auth_challenge_response"),
        ("pre-token-generation", "pre_token_generation_v2"),
    ]
    .into_iter()
    .map(|(name, file)| (name.to_owned(), dir.join(format!("{file}.{ext}"))))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_js_custom_auth_and_aws_jwt_verify() {
    let mut builder = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .issuer_style(IssuerStyle::Aws)
        .seed_data(seed());
    for (name, path) in handlers("node") {
        builder = builder.trigger_handler(name, path);
    }
    let server = builder.start().await.unwrap();
    let mut cmd = common::node("custom_auth.js");
    cmd.arg(
        json!({"endpoint": server.endpoint_url(), "pool": POOL, "client": CLIENT,
               "username": "alice", "password": "Correct horse 1!"})
        .to_string(),
    );
    let out = common::run_ok(cmd).await;
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"], 5, "{summary}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_v6_custom_without_and_with_srp() {
    let mut builder = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed());
    for (name, path) in handlers("node") {
        builder = builder.trigger_handler(name, path);
    }
    let server = builder.start().await.unwrap();
    let mut cmd = common::node("amplify_custom_auth.mjs");
    cmd.arg(
        json!({"endpoint": server.endpoint_url(), "pool": POOL, "client": CLIENT,
               "username": "alice", "password": "Correct horse 1!"})
        .to_string(),
    );
    let out = common::run_ok(cmd).await;
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"], 2, "{summary}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_challenges_on_the_wire_and_the_session_history() {
    let (service, endpoint) = LambdaService::start(handlers("python")).await;
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed())
        .lambda_endpoint(endpoint)
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let start = json!({"ClientId": CLIENT, "AuthFlow": "CUSTOM_AUTH",
                       "AuthParameters": {"USERNAME": "alice"}});
    let answer = |session: &Value, word: &str| {
        json!({"ClientId": CLIENT, "ChallengeName": "CUSTOM_CHALLENGE", "Session": session,
               "ChallengeResponses": {"USERNAME": "alice", "ANSWER": word},
               "ClientMetadata": {"device": "test"}})
    };

    // The challenge: Create's public parameters and USERNAME.
    let challenge = idp_call(&url, "InitiateAuth", start.clone()).await.unwrap();
    assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"question": "What is the secret word?", "USERNAME": "alice"})
    );
    // A wrong answer: Define asks again; the right one: tokens.
    let again = idp_call(
        &url,
        "RespondToAuthChallenge",
        answer(&challenge["Session"], "no"),
    )
    .await
    .unwrap();
    assert_eq!(again["ChallengeName"], "CUSTOM_CHALLENGE");
    // A session is answered once.
    let replay = idp_call(
        &url,
        "RespondToAuthChallenge",
        answer(&challenge["Session"], "cognate"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        replay,
        (
            "NotAuthorizedException".to_owned(),
            "Invalid session for the user.".to_owned()
        )
    );
    let tokens = idp_call(
        &url,
        "RespondToAuthChallenge",
        answer(&again["Session"], "cognate"),
    )
    .await
    .unwrap();
    let access = common::claims(
        tokens["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(access["username"], "alice");
    assert_eq!(access["tenant"], "acme");

    // Three wrong answers: Define fails the sign-in.
    let mut step = idp_call(&url, "InitiateAuth", start.clone()).await.unwrap();
    let mut last = Err((String::new(), String::new()));
    for _ in 0..3 {
        last = idp_call(
            &url,
            "RespondToAuthChallenge",
            answer(&step["Session"], "no"),
        )
        .await;
        if let Ok(next) = &last {
            step = next.clone();
        }
    }
    assert_eq!(
        last.unwrap_err(),
        (
            "NotAuthorizedException".to_owned(),
            "Incorrect username or password.".to_owned()
        )
    );

    // The flow must be allowed, and the pool must have the triggers.
    let not_allowed = idp_call(
        &url,
        "InitiateAuth",
        json!({"ClientId": "nocustomclientaaaaaaaaaaaa", "AuthFlow": "CUSTOM_AUTH",
               "AuthParameters": {"USERNAME": "alice"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(not_allowed.0, "InvalidParameterException");
    let no_triggers = idp_call(
        &url,
        "InitiateAuth",
        json!({"ClientId": "notriggerclientaaaaaaaaaa1", "AuthFlow": "CUSTOM_AUTH",
               "AuthParameters": {"USERNAME": "alice"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        no_triggers,
        (
            "InvalidParameterException".to_owned(),
            "Custom auth lambda trigger is not configured for the user pool.".to_owned()
        )
    );

    // The events: Define sees the steps so far; Create the chosen challenge; Verify the
    // private parameters and the answer, with the answer's ClientMetadata.
    let defines = service.events("define");
    assert_eq!(
        defines[0]["triggerSource"],
        "DefineAuthChallenge_Authentication"
    );
    assert_eq!(defines[0]["request"]["session"], json!([]));
    assert!(defines[0]["request"].get("clientMetadata").is_none());
    assert_eq!(
        defines[0]["response"],
        json!({"challengeName": null, "issueTokens": null, "failAuthentication": null})
    );
    let secret = |ok: bool| {
        json!({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": ok,
               "challengeMetadata": "SECRET_WORD"})
    };
    assert_eq!(defines[1]["request"]["session"], json!([secret(false)]));
    assert_eq!(
        defines[1]["request"]["clientMetadata"],
        json!({"device": "test"})
    );
    assert_eq!(
        defines[2]["request"]["session"],
        json!([secret(false), secret(true)])
    );
    let creates = service.events("create");
    assert_eq!(
        creates[0]["triggerSource"],
        "CreateAuthChallenge_Authentication"
    );
    assert_eq!(creates[0]["request"]["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(creates[0]["request"]["session"], json!([]));
    assert_eq!(
        creates[0]["response"],
        json!({"publicChallengeParameters": null, "privateChallengeParameters": null,
               "challengeMetadata": null})
    );
    let verifies = service.events("verify");
    assert_eq!(
        verifies[0]["triggerSource"],
        "VerifyAuthChallengeResponse_Authentication"
    );
    assert_eq!(
        verifies[0]["request"]["privateChallengeParameters"],
        json!({"answer": "cognate"})
    );
    assert_eq!(verifies[0]["request"]["challengeAnswer"], "no");
    assert_eq!(
        verifies[0]["request"]["clientMetadata"],
        json!({"device": "test"})
    );
    assert_eq!(verifies[0]["response"], json!({"answerCorrect": null}));
    server.shutdown().await;
}

/// Through a client that prevents user-existence errors, a name no user has goes through the
/// same triggers with `userNotFound: true` and is refused only at the end (AWS's Define /
/// Create / Verify documentation); a real user's events say `userNotFound: false`, and a
/// client that does not hide users still answers UserNotFoundException at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_go_through_the_triggers_with_user_not_found() {
    let (service, endpoint) = LambdaService::start(handlers("python")).await;
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed())
        .lambda_endpoint(endpoint)
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let start = |client: &str, name: &str| {
        json!({"ClientId": client, "AuthFlow": "CUSTOM_AUTH",
               "AuthParameters": {"USERNAME": name}})
    };
    let answer = |session: &Value, name: &str, word: &str| {
        json!({"ClientId": HIDING, "ChallengeName": "CUSTOM_CHALLENGE", "Session": session,
               "ChallengeResponses": {"USERNAME": name, "ANSWER": word}})
    };

    // The unknown name gets the challenge a real user gets, and another after a wrong answer.
    let challenge = idp_call(&url, "InitiateAuth", start(HIDING, "mallory"))
        .await
        .unwrap();
    assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"question": "What is the secret word?", "USERNAME": "mallory"})
    );
    let again = idp_call(
        &url,
        "RespondToAuthChallenge",
        answer(&challenge["Session"], "mallory", "no"),
    )
    .await
    .unwrap();
    assert_eq!(again["ChallengeName"], "CUSTOM_CHALLENGE");
    // The right word: Define says issueTokens, and there is no user to issue them to.
    let refused = idp_call(
        &url,
        "RespondToAuthChallenge",
        answer(&again["Session"], "mallory", "cognate"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused,
        (
            "NotAuthorizedException".to_owned(),
            "Incorrect username or password.".to_owned()
        )
    );
    let (defines, creates, verifies) = (
        service.events("define"),
        service.events("create"),
        service.events("verify"),
    );
    for event in defines.iter().chain(&creates).chain(&verifies) {
        assert_eq!(event["userName"], "mallory", "{event}");
        assert_eq!(event["request"]["userNotFound"], true, "{event}");
        assert_eq!(event["request"]["userAttributes"], json!({}), "{event}");
    }
    assert_eq!((defines.len(), creates.len(), verifies.len()), (3, 2, 2));

    // alice through the same client: the same flow, userNotFound false, and tokens.
    let challenge = idp_call(&url, "InitiateAuth", start(HIDING, "alice"))
        .await
        .unwrap();
    let tokens = idp_call(
        &url,
        "RespondToAuthChallenge",
        answer(&challenge["Session"], "alice", "cognate"),
    )
    .await
    .unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    let defines = service.events("define");
    let last = defines.last().unwrap();
    assert_eq!(last["request"]["userNotFound"], false);
    assert_eq!(last["request"]["userAttributes"]["custom:tenant"], "acme");

    // SRP inside custom auth: the unknown name's PASSWORD_VERIFIER looks real and is refused.
    let srp = idp_call(
        &url,
        "InitiateAuth",
        json!({"ClientId": HIDING, "AuthFlow": "CUSTOM_AUTH",
               "AuthParameters": {"USERNAME": "mallory", "CHALLENGE_NAME": "SRP_A",
                                  "SRP_A": "0a1b2c3d4e5f"}}),
    )
    .await
    .unwrap();
    assert_eq!(srp["ChallengeName"], "PASSWORD_VERIFIER");
    for member in [
        "SALT",
        "SECRET_BLOCK",
        "SRP_B",
        "USERNAME",
        "USER_ID_FOR_SRP",
    ] {
        assert!(
            srp["ChallengeParameters"][member].is_string(),
            "{member}: {srp}"
        );
    }

    // A client that does not hide users: UserNotFoundException, no trigger called, and a real
    // user's events carry no userNotFound.
    let before = service.events("define").len();
    let not_found = idp_call(&url, "InitiateAuth", start(CLIENT, "mallory"))
        .await
        .unwrap_err();
    assert_eq!(not_found.0, "UserNotFoundException");
    assert_eq!(service.events("define").len(), before);
    idp_call(&url, "InitiateAuth", start(CLIENT, "alice"))
        .await
        .unwrap();
    let defines = service.events("define");
    assert!(
        defines.last().unwrap()["request"]
            .get("userNotFound")
            .is_none()
    );
    server.shutdown().await;
}
