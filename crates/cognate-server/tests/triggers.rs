//! Lambda triggers with the example handler files of `examples/triggers/` (Node and Python),
//! each run two ways: by cognate's runner (`ServerBuilder::trigger_handler`) and through the
//! Lambda Invoke API of a Lambda service played by the test (`ServerBuilder::lambda_endpoint`),
//! which records the events so they can be compared with the shapes AWS documents.
//!
//! Failures (`tests/triggers/*` fixtures): a handler's error, an answer that is not the event,
//! a handler slower than the timeout, a function nobody serves.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "triggers/lambda_service.rs"]
mod lambda_service;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use cognate_server::{Seed, Server};
use common::{claims, idp_call};
use lambda_service::LambdaService;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Triggers1";
const CLIENT: &str = "triggerclientaaaaaaaaaaaaa";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

/// The pool of the example handlers: every trigger they implement, pre token generation V2_0.
fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "triggers"
AutoVerifiedAttributes = ["email"]
Schema = [
  {{ Name = "tenant", AttributeDataType = "String", Mutable = true }},
  {{ Name = "status", AttributeDataType = "String", Mutable = true }},
]
LambdaConfig = {{ PreSignUp = "{ARN}pre-sign-up", PostConfirmation = "{ARN}post-confirmation", PreAuthentication = "{ARN}pre-authentication", PostAuthentication = "{ARN}post-authentication", PreTokenGenerationConfig = {{ LambdaArn = "{ARN}pre-token-generation", LambdaVersion = "V2_0" }}, UserMigration = "{ARN}user-migration" }}

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
"#
    ))
    .unwrap()
}

fn examples(language: &str) -> HashMap<String, PathBuf> {
    let dir = common::repo().join("examples/triggers").join(language);
    let ext = if language == "node" { "mjs" } else { "py" };
    [
        ("pre-sign-up", "pre_sign_up"),
        ("post-confirmation", "post_confirmation"),
        ("pre-authentication", "pre_authentication"),
        ("post-authentication", "post_authentication"),
        ("pre-token-generation", "pre_token_generation_v2"),
        ("user-migration", "user_migration"),
    ]
    .into_iter()
    .map(|(name, file)| (name.to_owned(), dir.join(format!("{file}.{ext}"))))
    .collect()
}

/// How the server reaches the handlers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Via {
    Runner,
    LambdaApi,
}

async fn scenario(language: &str, via: Via) {
    let functions = examples(language);
    let mut builder = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed());
    let mut service = None;
    match via {
        Via::Runner => {
            for (name, path) in &functions {
                builder = builder.trigger_handler(name.clone(), path.clone());
            }
        }
        Via::LambdaApi => {
            let (s, endpoint) = LambdaService::start(functions).await;
            builder = builder.lambda_endpoint(endpoint);
            service = Some(s);
        }
    }
    let server = builder.start().await.unwrap();
    let url = server.endpoint_url();
    let call = |op: &'static str, body: Value| {
        let url = url.clone();
        async move { idp_call(&url, op, body).await }
    };
    let attrs = |email: &str| json!([{"Name": "email", "Value": email}, {"Name": "custom:tenant", "Value": "acme"}]);

    // PreSignUp confirms and verifies the company's own domain at once.
    let signed = call(
        "SignUp",
        json!({"ClientId": CLIENT, "Username": "alice", "Password": "Correct horse 1!",
               "UserAttributes": attrs("alice@example.com"),
               "ValidationData": [{"Name": "invite", "Value": "x"}],
               "ClientMetadata": {"source": "test"}}),
    )
    .await
    .unwrap();
    assert_eq!(signed["UserConfirmed"], true, "{language} {via:?}");
    assert!(signed.get("CodeDeliveryDetails").is_none());
    let alice = call(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": "alice"}),
    )
    .await
    .unwrap();
    assert_eq!(alice["UserStatus"], "CONFIRMED");
    assert!(
        alice["UserAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "email_verified", "Value": "true"}))
    );

    // A handler's error refuses the sign-up, and no user is made.
    let refused = call(
        "SignUp",
        json!({"ClientId": CLIENT, "Username": "bob", "Password": "Correct horse 1!",
               "UserAttributes": attrs("bob@blocked.example")}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused,
        (
            "UserLambdaValidationException".to_owned(),
            "PreSignUp failed with error Sign-ups from blocked.example are not allowed.".to_owned()
        )
    );
    let gone = call(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": "bob"}),
    )
    .await;
    assert_eq!(gone.unwrap_err().0, "UserNotFoundException");

    // Anyone else confirms by code; PostConfirmation follows.
    let carol = call(
        "SignUp",
        json!({"ClientId": CLIENT, "Username": "carol", "Password": "Correct horse 1!",
               "UserAttributes": attrs("carol@other.example")}),
    )
    .await
    .unwrap();
    assert_eq!(carol["UserConfirmed"], false);
    let outbox: Value = reqwest::get(format!("{url}/_cognate/outbox?pool={POOL}&username=carol"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"][0]["code"].as_str().unwrap().to_owned();
    call(
        "ConfirmSignUp",
        json!({"ClientId": CLIENT, "Username": "carol", "ConfirmationCode": code,
               "ClientMetadata": {"step": "confirm"}}),
    )
    .await
    .unwrap();

    // Sign-in: PreAuthentication, PostAuthentication, then tokens shaped by V2_0.
    let auth = call(
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"},
               "ClientMetadata": {"app": "web"}}),
    )
    .await
    .unwrap();
    let result = &auth["AuthenticationResult"];
    let id = claims(result["IdToken"].as_str().unwrap());
    let access = claims(result["AccessToken"].as_str().unwrap());
    assert_eq!(id["tenant"], "acme");
    assert_eq!(id["cognito:groups"], json!(["acme-members"]));
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(access["tenant"], "acme");
    assert_eq!(access["tenant:roles"], json!(["reader", "writer"]));
    assert_eq!(access["cognito:groups"], json!(["acme-members"]));
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");
    assert!(id.get("tenant:roles").is_none());

    // The refreshed tokens go through the trigger again.
    let refreshed = call(
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": result["RefreshToken"]}}),
    )
    .await
    .unwrap();
    let access = claims(
        refreshed["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");

    // PreAuthentication refuses a suspended account before its password is checked.
    call(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": POOL, "Username": "carol",
               "UserAttributes": [{"Name": "custom:status", "Value": "suspended"}]}),
    )
    .await
    .unwrap();
    let suspended = call(
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "carol", "PASSWORD": "not even right"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        suspended,
        (
            "UserLambdaValidationException".to_owned(),
            "PreAuthentication failed with error This account is suspended.".to_owned()
        )
    );

    // UserMigration: a legacy user signs in with their old password and is created.
    let legacy = json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy horse 1!"},
        "ClientMetadata": {"app": "migration"}});
    let wrong = json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Not the legacy one 1!"}});
    assert_eq!(
        call("InitiateAuth", wrong.clone()).await.unwrap_err(),
        (
            "UserLambdaValidationException".to_owned(),
            "UserMigration failed with error Bad password.".to_owned()
        )
    );
    let migrated = call("InitiateAuth", legacy.clone()).await.unwrap();
    let id = claims(
        migrated["AuthenticationResult"]["IdToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["tenant"], "legacy");
    assert_eq!(id["email_verified"], true);
    // Now a user of the pool: signs in again without the trigger, and a wrong password is
    // the pool's own answer.
    call("InitiateAuth", legacy).await.unwrap();
    assert_eq!(
        call("InitiateAuth", wrong).await.unwrap_err(),
        (
            "NotAuthorizedException".to_owned(),
            "Incorrect username or password.".to_owned()
        )
    );
    let unknown = call(
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "nobody", "PASSWORD": "Whatever horse 1!"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        unknown,
        (
            "UserNotFoundException".to_owned(),
            format!("Exception migrating user in app client {CLIENT}")
        )
    );
    // UserMigration_ForgotPassword: migrated without a password, then reset by code.
    let forgot = call(
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "forgetful", "ClientMetadata": {"why": "forgot"}}),
    )
    .await
    .unwrap();
    assert_eq!(forgot["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let forgetful = call(
        "AdminGetUser",
        json!({"UserPoolId": POOL, "Username": "forgetful"}),
    )
    .await
    .unwrap();
    assert_eq!(forgetful["UserStatus"], "RESET_REQUIRED");

    if let Some(service) = service {
        check_events(&service);
    }
    server.shutdown().await;
}

/// The events as AWS documents them: the common members, then each trigger's request and
/// the defaults of its response.
fn check_events(service: &LambdaService) {
    let common = |event: &Value, source: &str, user: &str| {
        assert_eq!(
            event["version"],
            if source.starts_with("TokenGeneration") {
                "2"
            } else {
                "1"
            }
        );
        assert_eq!(event["triggerSource"], source);
        assert_eq!(event["region"], "us-east-1");
        assert_eq!(event["userPoolId"], POOL);
        assert_eq!(event["userName"], user);
        assert_eq!(event["callerContext"]["clientId"], CLIENT);
        assert!(event["callerContext"]["awsSdkVersion"].is_string());
        let keys: Vec<&String> = event.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "callerContext",
                "region",
                "request",
                "response",
                "triggerSource",
                "userName",
                "userPoolId",
                "version"
            ]
        );
    };
    let sign_ups = service.events("pre-sign-up");
    assert_eq!(sign_ups.len(), 3, "{sign_ups:?}");
    common(&sign_ups[0], "PreSignUp_SignUp", "alice");
    assert_eq!(
        sign_ups[0]["request"],
        json!({"userAttributes": {"email": "alice@example.com", "custom:tenant": "acme"},
               "validationData": {"invite": "x"}, "clientMetadata": {"source": "test"}})
    );
    assert_eq!(
        sign_ups[0]["response"],
        json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false})
    );
    assert_eq!(sign_ups[1]["request"]["validationData"], Value::Null);

    let confirmations = service.events("post-confirmation");
    assert_eq!(confirmations.len(), 1);
    let confirmed = &confirmations[0];
    common(confirmed, "PostConfirmation_ConfirmSignUp", "carol");
    let attrs = &confirmed["request"]["userAttributes"];
    assert_eq!(attrs["cognito:user_status"], "CONFIRMED");
    assert_eq!(attrs["email_verified"], "true");
    assert!(attrs["sub"].is_string());
    assert_eq!(
        confirmed["request"]["clientMetadata"],
        json!({"step": "confirm"})
    );
    assert_eq!(confirmed["response"], json!({}));

    let migrations = service.events("user-migration");
    assert_eq!(migrations.len(), 4, "{migrations:?}");
    common(&migrations[0], "UserMigration_Authentication", "legacy");
    assert_eq!(
        migrations[0]["request"],
        json!({"password": "Not the legacy one 1!", "validationData": {}})
    );
    assert_eq!(
        migrations[1]["request"],
        json!({"password": "Legacy horse 1!", "validationData": {"app": "migration"}})
    );
    assert_eq!(
        migrations[1]["response"],
        json!({"userAttributes": null, "finalUserStatus": null, "messageAction": null,
               "desiredDeliveryMediums": null, "forceAliasCreation": null, "enableSMSMFA": null})
    );
    common(&migrations[3], "UserMigration_ForgotPassword", "forgetful");
    assert_eq!(
        migrations[3]["request"],
        json!({"validationData": null, "clientMetadata": {"why": "forgot"}})
    );

    let pre_auth = service.events("pre-authentication");
    assert_eq!(pre_auth.len(), 5);
    common(&pre_auth[0], "PreAuthentication_Authentication", "alice");
    assert_eq!(
        pre_auth[0]["request"]["validationData"],
        json!({"app": "web"})
    );
    assert_eq!(
        pre_auth[0]["request"]["userAttributes"]["custom:tenant"],
        "acme"
    );
    assert_eq!(pre_auth[0]["response"], json!({}));

    let post_auth = service.events("post-authentication");
    assert_eq!(post_auth.len(), 3);
    common(&post_auth[0], "PostAuthentication_Authentication", "alice");
    assert_eq!(post_auth[0]["request"]["newDeviceUsed"], false);
    assert_eq!(post_auth[0]["response"], json!({}));

    let tokens = service.events("pre-token-generation");
    assert_eq!(tokens.len(), 4);
    common(&tokens[0], "TokenGeneration_Authentication", "alice");
    common(&tokens[1], "TokenGeneration_RefreshTokens", "alice");
    let request = &tokens[0]["request"];
    assert_eq!(request["scopes"], json!(["aws.cognito.signin.user.admin"]));
    assert_eq!(
        request["groupConfiguration"],
        json!({"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null})
    );
    assert_eq!(request["userAttributes"]["email"], "alice@example.com");
    assert_eq!(
        tokens[0]["response"],
        json!({"claimsAndScopeOverrideDetails": null})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_handlers_through_the_runner() {
    scenario("node", Via::Runner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_handlers_through_the_runner() {
    scenario("python", Via::Runner).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_handlers_through_the_lambda_invoke_api() {
    scenario("node", Via::LambdaApi).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_handlers_through_the_lambda_invoke_api() {
    scenario("python", Via::LambdaApi).await;
}

/// A pool with the given `LambdaConfig` (TOML inline table body) and one user, `frank`.
fn failing_seed(pool: &str, lambda_config: &str) -> String {
    format!(
        r#"
[[pools]]
id = "{pool}"
name = "{pool}"
AutoVerifiedAttributes = ["email"]
Schema = [{{ Name = "tenant", AttributeDataType = "String", Mutable = true }}]
LambdaConfig = {{ {lambda_config} }}

[[pools.clients]]
name = "web"
id = "{client}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "frank"
password = "Correct horse 1!"
attributes = {{ email = "frank@example.com", phone_number = "+15555550100", "custom:tenant" = "acme" }}
"#,
        client = format!("{}aaaaaaaaaaaaaaaaaaaaaaaaaa", &pool[10..])[..26].to_lowercase(),
    )
}

fn client_of(pool: &str) -> String {
    format!("{}aaaaaaaaaaaaaaaaaaaaaaaaaa", &pool[10..])[..26].to_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_answered_as_aws_answers_them() {
    let fixtures = common::repo().join("crates/cognate-server/tests/triggers");
    let v1 = common::repo().join("examples/triggers/python/pre_token_generation_v1.py");
    let text = [
        failing_seed(
            "us-east-1_Failsaaaa",
            &format!(
                r#"PostConfirmation = "{ARN}throws-py", PreTokenGeneration = "{ARN}not-an-event""#
            ),
        ),
        failing_seed(
            "us-east-1_Failsbbbb",
            &format!(r#"PreSignUp = "{ARN}slow", PreAuthentication = "{ARN}throws-node""#),
        ),
        failing_seed(
            "us-east-1_Failscccc",
            &format!(r#"PreAuthentication = "{ARN}nobody-serves-this""#),
        ),
        failing_seed(
            "us-east-1_Failsdddd",
            &format!(r#"PreTokenGeneration = "{ARN}v1""#),
        ),
        failing_seed(
            "us-east-1_Failseeee",
            &format!(
                r#"PreTokenGenerationConfig = {{ LambdaArn = "{ARN}v3", LambdaVersion = "V3_0" }}"#
            ),
        ),
    ]
    .concat();
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(Seed::from_toml(&text).unwrap())
        .trigger_handler("throws-py", fixtures.join("throws.py"))
        .trigger_handler("throws-node", fixtures.join("throws.mjs"))
        .trigger_handler("not-an-event", fixtures.join("not_an_event.cjs"))
        .trigger_handler("slow", fixtures.join("slow.py"))
        .trigger_handler(format!("{ARN}v1"), v1)
        .trigger_handler(
            "v3",
            common::repo().join("examples/triggers/node/pre_token_generation_v2.mjs"),
        )
        .trigger_timeout(Duration::from_millis(1500))
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let sign_in = |pool: &str| {
        json!({"ClientId": client_of(pool), "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "frank", "PASSWORD": "Correct horse 1!"}})
    };

    // A failing PostConfirmation is answered, and the user stays confirmed.
    let pool = "us-east-1_Failsaaaa";
    idp_call(
        &url,
        "SignUp",
        json!({"ClientId": client_of(pool), "Username": "dan", "Password": "Correct horse 1!",
               "UserAttributes": [{"Name": "email", "Value": "dan@example.com"}]}),
    )
    .await
    .unwrap();
    let outbox: Value = reqwest::get(format!("{url}/_cognate/outbox?pool={pool}&username=dan"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"][0]["code"].as_str().unwrap();
    let failed = idp_call(
        &url,
        "ConfirmSignUp",
        json!({"ClientId": client_of(pool), "Username": "dan", "ConfirmationCode": code}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        failed,
        (
            "UserLambdaValidationException".to_owned(),
            "PostConfirmation failed with error boom.".to_owned()
        )
    );
    let dan = idp_call(
        &url,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "dan"}),
    )
    .await
    .unwrap();
    assert_eq!(dan["UserStatus"], "CONFIRMED");

    // An answer that is not the event.
    let unusable = idp_call(&url, "InitiateAuth", sign_in(pool))
        .await
        .unwrap_err();
    assert_eq!(
        unusable,
        (
            "InvalidLambdaResponseException".to_owned(),
            "Unrecognizable lambda output".to_owned()
        )
    );

    // A handler slower than the timeout; no user is made. A Node handler's error.
    let pool = "us-east-1_Failsbbbb";
    let slow = idp_call(
        &url,
        "SignUp",
        json!({"ClientId": client_of(pool), "Username": "gina", "Password": "Correct horse 1!",
               "UserAttributes": [{"Name": "email", "Value": "gina@example.com"}]}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        slow,
        (
            "UnexpectedLambdaException".to_owned(),
            "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function."
                .to_owned()
        )
    );
    let gone = idp_call(
        &url,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "gina"}),
    )
    .await;
    assert_eq!(gone.unwrap_err().0, "UserNotFoundException");
    let thrown = idp_call(&url, "InitiateAuth", sign_in(pool))
        .await
        .unwrap_err();
    assert_eq!(
        thrown,
        (
            "UserLambdaValidationException".to_owned(),
            "PreAuthentication failed with error boom.".to_owned()
        )
    );

    // A function with no handler file and no Lambda service.
    let unserved = idp_call(&url, "InitiateAuth", sign_in("us-east-1_Failscccc"))
        .await
        .unwrap_err();
    assert_eq!(unserved.0, "UnexpectedLambdaException");
    assert!(
        unserved
            .1
            .starts_with("PreAuthentication invocation failed due to error"),
        "{unserved:?}"
    );

    // V1_0 (mapped by full ARN): the ID token's claims change, the access token's do not.
    let tokens = idp_call(&url, "InitiateAuth", sign_in("us-east-1_Failsdddd"))
        .await
        .unwrap();
    let id = claims(tokens["AuthenticationResult"]["IdToken"].as_str().unwrap());
    let access = claims(
        tokens["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["tenant"], "acme");
    assert!(id.get("phone_number").is_none());
    assert_eq!(id["email"], "frank@example.com");
    assert!(access.get("tenant").is_none());

    // V3_0 is applied as V2_0 (both tokens, scopes).
    let tokens = idp_call(&url, "InitiateAuth", sign_in("us-east-1_Failseeee"))
        .await
        .unwrap();
    let access = claims(
        tokens["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(access["tenant"], "acme");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");
    server.shutdown().await;
}

/// PreAuthentication for a name no user has: called with `userNotFound` when the client
/// prevents user-existence errors (password and SRP sign-ins alike), not called otherwise; its
/// refusal is answered as for a real user.
const PRE_AUTH_UNKNOWN: &str = r#"
def handler(event, context):
    if event["userName"] == "mallory":
        raise Exception("No such account")
    return event
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_authentication_sees_unknown_users_when_their_existence_is_hidden() {
    let dir = common::temp_dir("pre-auth-unknown");
    let path = dir.join("pre_auth.py");
    std::fs::write(&path, PRE_AUTH_UNKNOWN).unwrap();
    let (service, endpoint) =
        LambdaService::start(HashMap::from([("pre-auth".to_owned(), path)])).await;
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .lambda_endpoint(endpoint)
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let pool = idp_call(
        &url,
        "CreateUserPool",
        json!({"PoolName": "hidden", "LambdaConfig": {"PreAuthentication": format!("{ARN}pre-auth")}}),
    )
    .await
    .unwrap()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = |hide: &str| {
        let url = url.clone();
        let pool = pool.clone();
        let hide = hide.to_owned();
        async move {
            idp_call(
                &url,
                "CreateUserPoolClient",
                json!({"UserPoolId": pool, "ClientName": hide,
                       "PreventUserExistenceErrors": hide,
                       "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                             "ALLOW_REFRESH_TOKEN_AUTH"]}),
            )
            .await
            .unwrap()["UserPoolClient"]["ClientId"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let hiding = client("ENABLED").await;
    let legacy = client("LEGACY").await;
    let login = |client: &str, name: &str, flow: &str| {
        let params = if flow == "USER_SRP_AUTH" {
            json!({"USERNAME": name, "SRP_A": "0a"})
        } else {
            json!({"USERNAME": name, "PASSWORD": "Wrong horse 1!"})
        };
        let body = json!({"ClientId": client, "AuthFlow": flow, "AuthParameters": params,
                          "ClientMetadata": {"app": "test"}});
        let url = url.clone();
        async move { idp_call(&url, "InitiateAuth", body).await }
    };
    // LEGACY: UserNotFoundException, no trigger.
    let err = login(&legacy, "nobody", "USER_PASSWORD_AUTH")
        .await
        .unwrap_err();
    assert_eq!(err.0, "UserNotFoundException");
    assert!(service.events("pre-auth").is_empty());
    // ENABLED: the trigger sees the unknown name; the answer is a wrong password's.
    let err = login(&hiding, "nobody", "USER_PASSWORD_AUTH")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        (
            "NotAuthorizedException".to_owned(),
            "Incorrect username or password.".to_owned()
        )
    );
    let events = service.events("pre-auth");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(event["userName"], "nobody");
    assert_eq!(event["request"]["userNotFound"], true);
    assert_eq!(event["request"]["userAttributes"], json!({}));
    assert_eq!(event["request"]["validationData"], json!({"app": "test"}));
    assert_eq!(event["callerContext"]["clientId"], hiding.as_str());
    // SRP too (the decoy challenge follows).
    let challenge = login(&hiding, "nobody", "USER_SRP_AUTH").await.unwrap();
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(service.events("pre-auth").len(), 2);
    // The trigger's refusal is answered as for a real user.
    let err = login(&hiding, "mallory", "USER_PASSWORD_AUTH")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        (
            "UserLambdaValidationException".to_owned(),
            "PreAuthentication failed with error No such account.".to_owned()
        )
    );
    server.shutdown().await;
}
