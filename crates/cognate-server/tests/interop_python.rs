//! boto3, pycognito and awscli against the server: every admin operation, SRP login (right and
//! wrong password, with and without a client secret, by name and by email), renewal,
//! USER_PASSWORD_AUTH, GetTokensFromRefreshToken with rotation, RevokeToken.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_pycognito_and_awscli_drive_the_server() {
    let server = cognate_server::Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let mut cmd = common::python("server_admin_and_login.py");
    cmd.arg(server.endpoint_url());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["checks"].as_u64().unwrap() >= 20, "{summary}");
    server.shutdown().await;
}

/// Validation through boto3 (client-side validation off) against botocore's copy of the model:
/// AWS's wording, every operation of both services.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sees_the_models_validation_on_every_operation() {
    let server = cognate_server::Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let mut cmd = common::python("validation.py");
    cmd.arg(server.endpoint_url());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["checks"].as_u64().unwrap() >= 7, "{summary}");
    server.shutdown().await;
}
