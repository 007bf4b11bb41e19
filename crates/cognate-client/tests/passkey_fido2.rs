//! The software authenticator's output read by an independent WebAuthn implementation:
//! python-fido2 (`interop/python/software_authenticator.py`) parses the registration's client
//! data and attestation object, verifies the `none` attestation, and checks the assertion's
//! signature under the attested COSE key. Needs the interop venv (`bash scripts/install-interop`).

#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cognate_client::passkey::{
    Authenticator, CreationOptions, RequestOptions, SoftwareAuthenticator,
};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

#[tokio::test]
async fn python_fido2_reads_and_verifies_what_the_software_authenticator_makes() {
    let python = repo().join(".interop/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash scripts/install-interop`",
        python.display()
    );
    let authenticator = SoftwareAuthenticator::in_memory().with_origin("https://app.example.com");
    // A challenge with padding and in standard base64, as a relying party might write it: the
    // client data carries it as base64url without padding, as browsers do.
    let create_challenge = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
    let registration = authenticator
        .create(&CreationOptions::new(json!({
            "rp": {"id": "example.com", "name": "Example"},
            "user": {"id": "dXNlci0x", "name": "ann", "displayName": "Ann"},
            "challenge": create_challenge,
            "pubKeyCredParams": [{"type": "public-key", "alg": -257},
                                 {"type": "public-key", "alg": -7}],
            "authenticatorSelection": {"residentKey": "required",
                                       "userVerification": "required"},
            "attestation": "none",
        })))
        .await
        .unwrap();
    let get_challenge = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    let assertion = authenticator
        .get(&RequestOptions::new(json!({
            "rpId": "example.com",
            "challenge": get_challenge,
            "allowCredentials": [{"type": "public-key", "id": registration["id"]}],
            "userVerification": "required",
        })))
        .await
        .unwrap();
    let input = json!({
        "rp_id": "example.com",
        "origin": "https://app.example.com",
        "create_challenge": "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA",
        "get_challenge": get_challenge,
        "user_id": "dXNlci0x",
        "registration": registration,
        "assertion": assertion,
    });
    let mut child = Command::new(&python)
        .arg(repo().join("interop/python/software_authenticator.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python-fido2 refused:\n{log}");
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["checks"], 24, "{log}");
}
