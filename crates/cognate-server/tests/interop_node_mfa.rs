//! amazon-cognito-identity-js (stock) runs the whole browser story against the server
//! (`interop/node/mfa_devices.js`): temporary password → newPasswordRequired →
//! completeNewPasswordChallenge (the library confirms its device), TOTP set-up
//! (associateSoftwareToken, verifySoftwareToken, setUserMfaPreference), a TOTP login that ends
//! with the device step, setDeviceStatusRemembered, and a login on the remembered device that
//! skips MFA. Needs the interop tools (`bash scripts/install-interop`).

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::{Seed, Server};

const POOL: &str = "us-east-1_NodeMfa01";
const CLIENT: &str = "nodemfaclientaaaaaaaaaaaaa";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_js_totp_and_remembered_device() {
    let seed = format!(
        r#"
[[pools]]
id = "{POOL}"
name = "node-mfa"
MfaConfiguration = "OPTIONAL"
DeviceConfiguration = {{ ChallengeRequiredOnNewDevice = true, DeviceOnlyRememberedOnUserPrompt = true }}

[[pools.clients]]
name = "web"
id = "{CLIENT}"

[[pools.users]]
username = "alice"
password = "Temporary horse 1!"
temporary = true
attributes = {{ email = "alice@example.com", email_verified = "true" }}
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
        "temporaryPassword": "Temporary horse 1!",
        "newPassword": "Brand new horse 2!",
    });
    let mut cmd = common::node("mfa_devices.js");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64(), Some(6), "{summary}");
    let key = summary["deviceKey"].as_str().unwrap();
    assert!(key.starts_with("us-east-1_"), "{key}");
    server.shutdown().await;
}
