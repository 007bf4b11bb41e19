//! boto3 against the configuration-only operations (UI customization, managed-login branding,
//! terms, log delivery, provisioned limits, point-in-time recovery, replicas, CIMD policies),
//! the identity-pool administration (identities, developer identities, principal tag maps,
//! tags), and a Terraform-style apply and destroy (`interop/python/config_identity_ops.py`).
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_configuration_and_identity_administration() {
    let summary = common::python_summary("config_identity_ops.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(16), "{summary}");
}
