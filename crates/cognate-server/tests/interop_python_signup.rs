//! pycognito and boto3 against the server: register → outbox code → confirm_sign_up → SRP login;
//! forgot password → outbox code → confirm_forgot_password (old password refused);
//! change_password; attribute verification; AdminResetUserPassword; the code errors
//! (`interop/python/signup_recovery.py`).
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pycognito_signs_up_confirms_recovers_and_changes_passwords() {
    let server = cognate_server::Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let mut cmd = common::python("signup_recovery.py");
    cmd.arg(server.endpoint_url());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64().unwrap(), 23, "{summary}");
    server.shutdown().await;
}
