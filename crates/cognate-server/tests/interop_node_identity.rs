//! The AWS SDK for JavaScript v3 (`@aws-sdk/client-cognito-identity`) against the server's
//! identity pools, after an amazon-cognito-identity-js SRP login (see
//! `interop/node/identity_pools.js`).
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::{Seed, Server};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_js_sdk_turns_an_id_token_into_aws_credentials() {
    let root = common::repo();
    let module = root.join("interop/node/node_modules/@aws-sdk/client-cognito-identity");
    assert!(
        module.exists(),
        "{} is missing: {}",
        module.display(),
        common::INSTALL_HINT
    );
    let seed: Seed = serde_json::from_value(json!({"pools": [{
        "id": "us-east-1_NodeIdent1", "name": "node-identity",
        "clients": [{"name": "web", "id": "nodeidentclientaaaaaaaaaaa",
                     "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
        "users": [{"username": "alice", "password": "Correct horse 1!"}]
    }]}))
    .unwrap();
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed)
        .start()
        .await
        .unwrap();
    let config = json!({
        "endpoint": server.endpoint_url(),
        "pool": "us-east-1_NodeIdent1",
        "client": "nodeidentclientaaaaaaaaaaa",
        "username": "alice",
        "password": "Correct horse 1!",
    });
    let mut cmd = common::node("identity_pools.js");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64(), Some(8), "{summary}");
    server.shutdown().await;
}
