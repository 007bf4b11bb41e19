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
    let summary = common::python_summary("signup_recovery.py").await;
    assert_eq!(summary["checks"].as_u64().unwrap(), 23, "{summary}");
}
