//! pycognito against the server's MFA and devices (`interop/python/mfa_devices.py`):
//! software-token MFA set-up (associate_software_token, verify_software_token,
//! set_user_mfa_preference), SoftwareTokenMFAChallengeException then
//! respond_to_software_token_mfa_challenge (wrong and right codes, with and without a client
//! secret), and AWSSRP's device support (confirm_device, update_device_status, a remembered
//! device's DEVICE_SRP_AUTH skipping MFA, a wrong device password, forget_device).
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pycognito_drives_mfa_and_devices() {
    let summary = common::python_summary("mfa_devices.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(17), "{summary}");
}
