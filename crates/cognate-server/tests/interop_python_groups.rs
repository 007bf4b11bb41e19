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
    let server = cognate_server::Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let mut cmd = common::python("groups_signout.py");
    cmd.arg(server.endpoint_url());
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64(), Some(12), "{summary}");
    server.shutdown().await;
}
