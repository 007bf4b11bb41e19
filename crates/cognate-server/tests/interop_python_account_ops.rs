//! boto3 against the account, schema, tag, client-secret rotation, session and auth-event
//! operations (`interop/python/account_ops.py`): DeleteUser, DeleteUserAttributes,
//! AdminDeleteSoftwareToken, Set/AdminSetUserSettings, AddCustomAttributes, Tag/Untag/
//! ListTagsForResource, Add/List/DeleteUserPoolClientSecret, the session operations and
//! configuration, Describe/SetRiskConfiguration, AdminListUserAuthEvents and feedback — with
//! their errors.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_account_secrets_sessions_and_events() {
    let summary = common::python_summary("account_ops.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(15), "{summary}");
}
