//! boto3 against the server's groups and sign-out (`interop/python/groups_signout.py`): every
//! group operation and its errors, the group claims of the tokens, GlobalSignOut and
//! AdminUserGlobalSignOut (the old access token refused with botocore's ClientError
//! NotAuthorizedException).
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_groups_and_sign_out() {
    let summary = common::python_summary("groups_signout.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(12), "{summary}");
}
