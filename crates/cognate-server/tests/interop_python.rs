//! boto3, pycognito and awscli against the server: every admin operation, SRP login (right and
//! wrong password, with and without a client secret, by name and by email), renewal,
//! USER_PASSWORD_AUTH, GetTokensFromRefreshToken with rotation, RevokeToken.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_pycognito_and_awscli_drive_the_server() {
    let summary = common::python_summary("server_admin_and_login.py").await;
    assert!(summary["checks"].as_u64().unwrap() >= 20, "{summary}");
}

/// Validation through boto3 (client-side validation off) against botocore's copy of the model:
/// AWS's wording, every operation of both services.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sees_the_models_validation_on_every_operation() {
    let summary = common::python_summary("validation.py").await;
    assert!(summary["checks"].as_u64().unwrap() >= 7, "{summary}");
}
