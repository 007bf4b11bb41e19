//! Passkeys with an independent software authenticator (`interop/python/passkeys.py`: boto3,
//! python-fido2's WebAuthn structures, `cryptography`'s keys and certificates): registration
//! with attestation `none`, packed self and packed x5c (a good and a broken chain), origin,
//! rpIdHash and user-verification checks, a challenge answered twice, another client, a
//! credential id twice in a pool; `USER_AUTH` sign-in with `WEB_AUTHN`, refused for tampered
//! client data, another key's signature, a wrong origin, replays, a counter going back and a
//! deleted credential.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_software_authenticator_registers_and_signs_in() {
    let summary = common::python_summary("passkeys.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(34), "{summary}");
}
