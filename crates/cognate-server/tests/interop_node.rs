//! amazon-cognito-identity-js (stock SRP login, wrong password, refreshSession),
//! @aws-sdk/client-cognito-identity-provider (GetTokensFromRefreshToken, GetUser) and
//! aws-jwt-verify (accepts our tokens, rejects them across pools, token uses and clients).
//!
//! The server mints the AWS issuer form here, which CognitoJwtVerifier requires; the JWKS
//! comes from the server. Needs the interop tools (`bash scripts/install-interop`).

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::{IssuerStyle, Seed, Server};

const SEED: &str = r#"
[[pools]]
id = "us-east-1_NodeAaaaa"
name = "by-name"

[[pools.clients]]
name = "web"
id = "nodeclientaaaaaaaaaaaaaaaa"

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
attributes = { email = "alice@example.com", email_verified = "true" }

[[pools]]
id = "eu-west-1_NodeBbbbb"
name = "by-email"
UsernameAttributes = ["email"]

[[pools.clients]]
name = "web"
id = "nodeclientbbbbbbbbbbbbbbbb"

[[pools.users]]
username = "bob@example.com"
password = "Another horse 2!"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_js_sdk_v3_and_aws_jwt_verify_accept_the_server() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .issuer_style(IssuerStyle::Aws)
        .seed_data(Seed::from_toml(SEED).unwrap())
        .start()
        .await
        .unwrap();
    let config = serde_json::json!({
        "endpoint": server.endpoint_url(),
        "pools": [
            {"id": "us-east-1_NodeAaaaa", "client": "nodeclientaaaaaaaaaaaaaaaa",
             "username": "alice", "password": "Correct horse 1!"},
            {"id": "eu-west-1_NodeBbbbb", "client": "nodeclientbbbbbbbbbbbbbbbb",
             "username": "bob@example.com", "password": "Another horse 2!"},
        ],
    });
    let mut cmd = common::node("server_login.js");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["checks"].as_u64().unwrap() >= 6, "{summary}");
    server.shutdown().await;
}
