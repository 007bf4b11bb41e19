//! boto3 against the server's identity pools: a `cognito-idp` login, then `cognito-identity`
//! create / describe / list / update / roles / GetId / GetCredentialsForIdentity, with the
//! credentials parsed by botocore (see `interop/python/identity_pools.py`).
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_turns_an_id_token_into_aws_credentials() {
    let summary = common::python_summary("identity_pools.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(12), "{summary}");
    assert!(
        summary["identity_id"]
            .as_str()
            .unwrap()
            .starts_with("us-east-1:"),
        "{summary}"
    );
}
