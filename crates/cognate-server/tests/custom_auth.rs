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
