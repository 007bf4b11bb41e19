//! CustomMessage with the example handlers of `examples/triggers` (Node through cognate's
//! runner, Python through the Lambda Invoke API of a Lambda service played by the test): the
//! outbox records the trigger's message for every trigger source a local server sends, with
//! the code in place of `{####}`; without the trigger, the pool's own message.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "triggers/lambda_service.rs"]
mod lambda_service;

use cognate_server::{Seed, Server};
use common::idp_call;
use lambda_service::LambdaService;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Messages1";
const CLIENT: &str = "messagesclientaaaaaaaaaaaa";
const PLAIN: &str = "us-east-1_PlainMsgs";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "messages"
AutoVerifiedAttributes = ["email"]
LambdaConfig = {{ CustomMessage = "arn:aws:lambda:us-east-1:123456789012:function:custom-message" }}

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]

[[pools]]
id = "{PLAIN}"
name = "plain"
AutoVerifiedAttributes = ["email"]
VerificationMessageTemplate = {{ EmailMessage = "Code: {{####}}", EmailSubject = "Our code" }}

[[pools.clients]]
name = "web"
id = "plainclientaaaaaaaaaaaaaaa"
"#
    ))
    .unwrap()
}

async fn last_message(url: &str, pool: &str, user: &str) -> Value {
    let outbox: Value = reqwest::get(format!("{url}/_cognate/outbox?pool={pool}&username={user}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    outbox["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

async fn scenario(language: &str) {
    let file = common::repo().join(format!(
        "examples/triggers/{language}/custom_message.{}",
        if language == "node" { "mjs" } else { "py" }
    ));
    let mut builder = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed());
    let mut service = None;
    if language == "node" {
        builder = builder.trigger_handler("custom-message", file);
    } else {
        let (s, endpoint) =
            LambdaService::start([("custom-message".to_owned(), file)].into()).await;
        builder = builder.lambda_endpoint(endpoint);
        service = Some(s);
    }
    let server = builder.start().await.unwrap();
    let url = server.endpoint_url();
    let expect = |m: &Value, subject: &str, text: &str| {
        let code = m["code"].as_str().unwrap();
        assert_eq!(m["subject"], subject, "{m}");
        assert_eq!(m["message"], text.replace("CODE", code), "{m}");
    };

    idp_call(
        &url,
        "SignUp",
        json!({"ClientId": CLIENT, "Username": "alice", "Password": "Correct horse 1!",
               "UserAttributes": [{"Name": "email", "Value": "alice@example.com"},
                                  {"Name": "given_name", "Value": "Alice"}],
               "ClientMetadata": {"lang": "en"}}),
    )
    .await
    .unwrap();
    let m = last_message(&url, POOL, "alice").await;
    expect(
        &m,
        "Welcome to Example",
        "Hi Alice, your Example sign-up code is CODE.",
    );

    idp_call(
        &url,
        "ResendConfirmationCode",
        json!({"ClientId": CLIENT, "Username": "alice"}),
    )
    .await
    .unwrap();
    let m = last_message(&url, POOL, "alice").await;
    expect(
        &m,
        "Welcome to Example",
        "Hi Alice, your Example sign-up code is CODE.",
    );
    idp_call(
        &url,
        "ConfirmSignUp",
        json!({"ClientId": CLIENT, "Username": "alice", "ConfirmationCode": m["code"]}),
    )
    .await
    .unwrap();

    idp_call(
        &url,
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "alice"}),
    )
    .await
    .unwrap();
    let m = last_message(&url, POOL, "alice").await;
    expect(
        &m,
        "Reset your Example password",
        "Your Example password reset code is CODE.",
    );

    let tokens = idp_call(
        &url,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"}}),
    )
    .await
    .unwrap();
    let access = tokens["AuthenticationResult"]["AccessToken"].clone();
    idp_call(
        &url,
        "GetUserAttributeVerificationCode",
        json!({"AccessToken": access, "AttributeName": "email"}),
    )
    .await
    .unwrap();
    let m = last_message(&url, POOL, "alice").await;
    expect(
        &m,
        "Confirm your address",
        "Confirm this address for Example with CODE.",
    );
    idp_call(
        &url,
        "UpdateUserAttributes",
        json!({"AccessToken": access,
               "UserAttributes": [{"Name": "email", "Value": "alice@other.example"}]}),
    )
    .await
    .unwrap();
    let m = last_message(&url, POOL, "alice").await;
    expect(
        &m,
        "Confirm your address",
        "Confirm this address for Example with CODE.",
    );

    idp_call(
        &url,
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob",
               "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
               "DesiredDeliveryMediums": ["EMAIL"]}),
    )
    .await
    .unwrap();
    let m = last_message(&url, POOL, "bob").await;
    expect(
        &m,
        "Your Example account",
        "Welcome bob, your temporary password is CODE.",
    );

    // Without the trigger: the pool's own template.
    idp_call(
        &url,
        "SignUp",
        json!({"ClientId": "plainclientaaaaaaaaaaaaaaa", "Username": "carol",
               "Password": "Correct horse 1!",
               "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]}),
    )
    .await
    .unwrap();
    let m = last_message(&url, PLAIN, "carol").await;
    expect(&m, "Our code", "Code: CODE");

    if let Some(service) = service {
        let events = service.events("custom-message");
        let sources: Vec<&str> = events
            .iter()
            .map(|e| e["triggerSource"].as_str().unwrap())
            .collect();
        assert_eq!(
            sources,
            [
                "CustomMessage_SignUp",
                "CustomMessage_ResendCode",
                "CustomMessage_ForgotPassword",
                "CustomMessage_VerifyUserAttribute",
                "CustomMessage_UpdateUserAttribute",
                "CustomMessage_AdminCreateUser",
            ]
        );
        let first = &events[0];
        assert_eq!(first["callerContext"]["clientId"], CLIENT);
        assert_eq!(first["request"]["codeParameter"], "{####}");
        assert_eq!(first["request"]["usernameParameter"], Value::Null);
        assert_eq!(first["request"]["linkParameter"], Value::Null);
        assert_eq!(first["request"]["clientMetadata"], json!({"lang": "en"}));
        assert_eq!(first["request"]["userAttributes"]["given_name"], "Alice");
        assert_eq!(
            first["response"],
            json!({"smsMessage": null, "emailMessage": null, "emailSubject": null})
        );
        assert_eq!(events[5]["request"]["usernameParameter"], "{username}");
        assert_eq!(
            events[5]["callerContext"]["clientId"],
            "CLIENT_ID_NOT_APPLICABLE"
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_custom_messages_through_the_runner() {
    scenario("node").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_custom_messages_through_the_lambda_invoke_api() {
    scenario("python").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_senders_get_the_code() {
    let examples = common::repo().join("examples/triggers");
    let (service, endpoint) = LambdaService::start(
        [(
            "sms-sender".to_owned(),
            examples.join("python/custom_sms_sender.py"),
        )]
        .into(),
    )
    .await;
    let arn = "arn:aws:lambda:us-east-1:123456789012:function";
    let seed = format!(
        r#"
[[pools]]
id = "us-east-1_SendersEm"
name = "email sender"
AutoVerifiedAttributes = ["email"]
LambdaConfig = {{ KMSKeyID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", CustomEmailSender = {{ LambdaArn = "{arn}:email-sender", LambdaVersion = "V1_0" }} }}

[[pools.clients]]
name = "web"
id = "sendersemailclientaaaaaaaa"

[[pools]]
id = "us-east-1_SendersSm"
name = "sms sender"
AutoVerifiedAttributes = ["phone_number"]
LambdaConfig = {{ KMSKeyID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", CustomSMSSender = {{ LambdaArn = "{arn}:sms-sender", LambdaVersion = "V1_0" }} }}

[[pools.clients]]
name = "web"
id = "senderssmsclientaaaaaaaaaa"
"#
    );
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(Seed::from_toml(&seed).unwrap())
        .trigger_handler(
            "email-sender",
            examples.join("node/custom_email_sender.mjs"),
        )
        .lambda_endpoint(endpoint)
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    // The Node handler runs (base64 code, no KMS) and the sign-up goes on.
    idp_call(
        &url,
        "SignUp",
        json!({"ClientId": "sendersemailclientaaaaaaaa", "Username": "erin",
               "Password": "Correct horse 1!",
               "UserAttributes": [{"Name": "email", "Value": "erin@example.com"}]}),
    )
    .await
    .unwrap();
    idp_call(
        &url,
        "SignUp",
        json!({"ClientId": "senderssmsclientaaaaaaaaaa", "Username": "finn",
               "Password": "Correct horse 1!",
               "UserAttributes": [{"Name": "phone_number", "Value": "+15555550123"}],
               "ClientMetadata": {"lang": "en"}}),
    )
    .await
    .unwrap();
    let m = last_message(&url, "us-east-1_SendersSm", "finn").await;
    let events = service.events("sms-sender");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["triggerSource"], "CustomSMSSender_SignUp");
    assert_eq!(event["version"], "1");
    assert_eq!(event["request"]["type"], "customSMSSenderRequestV1");
    assert_eq!(event["request"]["clientMetadata"], json!({"lang": "en"}));
    assert_eq!(
        event["request"]["userAttributes"]["phone_number"],
        "+15555550123"
    );
    use base64::Engine;
    let code = base64::engine::general_purpose::STANDARD
        .decode(event["request"]["code"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(code).unwrap(),
        m["code"].as_str().unwrap()
    );
    assert_eq!(event["response"], json!({}));
    server.shutdown().await;
}
