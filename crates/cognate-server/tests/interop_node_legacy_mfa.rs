//! amazon-cognito-identity-js's legacy SMS MFA switch (`interop/node/legacy_mfa.js`):
//! enableMFA / disableMFA (SetUserSettings) and getMFAOptions (GetUser's MFAOptions), the
//! SMS_MFA challenge they cause answered with the code from the outbox. Needs the interop
//! tools (`bash scripts/install-interop`).

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::{Seed, Server};

const POOL: &str = "us-east-1_NodeSms01";
const CLIENT: &str = "nodesmsclientaaaaaaaaaaaaa";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_js_enable_and_disable_sms_mfa() {
    let seed = format!(
        r#"
[[pools]]
id = "{POOL}"
name = "node-sms"
MfaConfiguration = "OPTIONAL"
SmsConfiguration = {{ SnsCallerArn = "arn:aws:iam::123456789012:role/sms", ExternalId = "cognate" }}

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
attributes = {{ phone_number = "+15555550100", phone_number_verified = "true" }}
"#
    );
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(Seed::from_toml(&seed).unwrap())
        .start()
        .await
        .unwrap();
    let config = serde_json::json!({
        "endpoint": server.endpoint_url(),
        "pool": POOL,
        "client": CLIENT,
        "username": "alice",
        "password": "Correct horse 1!",
    });
    let mut cmd = common::node("legacy_mfa.js");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64(), Some(4), "{summary}");
    server.shutdown().await;
}
