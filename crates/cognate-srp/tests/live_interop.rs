//! Live cross-check: pycognito and amazon-cognito-identity-js, each with its own random `a` and
//! the current time, answer a challenge whose `B` was made by cognate's server half; the server
//! check must accept the right password and refuse a wrong one.
//!
//! Needs the interop tools `scripts/install-interop` installs (`scripts/test` runs it first). A
//! missing tool fails the test with that hint: nothing is skipped.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_srp::{Error, PasswordVerifierAnswer, SrpServer, Timestamp, Verifier};
use serde::Deserialize;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

const INSTALL_HINT: &str = "run `bash scripts/install-interop` (or `bash scripts/test`) first";

fn pycognito() -> Command {
    let root = repo();
    let python = root.join(".interop/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: {INSTALL_HINT}",
        python.display()
    );
    let mut cmd = Command::new(python);
    cmd.arg(root.join("interop/python/srp_live.py"));
    cmd
}

fn cognito_js() -> Command {
    let root = repo();
    let module = root.join("interop/node/node_modules/amazon-cognito-identity-js");
    assert!(
        module.exists(),
        "{} is missing: {INSTALL_HINT}",
        module.display()
    );
    let mut cmd = Command::new("node");
    cmd.arg(root.join("interop/node/srp_live.js"));
    cmd
}

#[derive(Deserialize)]
struct Answer {
    srp_a: String,
    timestamp: String,
    signature: String,
    user_id_for_srp: String,
}

fn ask(mut cmd: Command, request: &serde_json::Value) -> Answer {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {cmd:?} ({e}): run `bash scripts/install-interop`")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cross_check(make: fn() -> Command, username: &str, user_id: &str) {
    let mut rng = cognate_srp::os_rng();
    let pool_id = "eu-west-1_Zz9LiveChk";
    let pool = cognate_srp::pool_name(pool_id).unwrap();
    let password = "Ünïcode & spaces: correct horse 1!";
    let verifier = Verifier::generate(&mut rng, pool, user_id, password).unwrap();
    for (attempt, (typed, accepted)) in [
        (password, true),
        ("Ünïcode & spaces: correct horse 2!", false),
    ]
    .into_iter()
    .enumerate()
    {
        let server = SrpServer::new(&mut rng, &verifier).unwrap();
        let block = format!("cognate secret block {attempt}").into_bytes();
        let answer = ask(
            make(),
            &serde_json::json!({
                "pool_id": pool_id,
                "username": username,
                "user_id_for_srp": user_id,
                "password": typed,
                "srp_b": server.srp_b(),
                "salt": verifier.salt(),
                "secret_block": STANDARD.encode(&block),
            }),
        );
        assert_eq!(answer.user_id_for_srp, user_id);
        // The tool signed "now" in the format the server will parse.
        let signed_at = Timestamp::parse(&answer.timestamp).unwrap();
        assert!((signed_at.unix() - Timestamp::now().unix()).abs() < 600);
        let verdict = server.check(
            &verifier,
            &PasswordVerifierAnswer {
                srp_a: &answer.srp_a,
                pool_name: pool,
                user_id,
                secret_block: &block,
                timestamp: &answer.timestamp,
                signature: &answer.signature,
            },
        );
        if accepted {
            assert_eq!(verdict, Ok(()), "right password refused");
        } else {
            assert_eq!(
                verdict,
                Err(Error::SignatureMismatch),
                "wrong password accepted"
            );
        }
    }
}

#[test]
fn pycognito_signature_passes_our_server_check() {
    cross_check(pycognito, "alice", "alice");
}

#[test]
fn pycognito_with_an_email_alias_and_internal_user_id() {
    cross_check(
        pycognito,
        "alice@example.com",
        "4b1f6a2e-9c3d-4e8f-a1b2-c3d4e5f60718",
    );
}

#[test]
fn amazon_cognito_identity_js_signature_passes_our_server_check() {
    cross_check(cognito_js, "alice", "alice");
}

#[test]
fn amazon_cognito_identity_js_with_an_email_alias_and_internal_user_id() {
    cross_check(
        cognito_js,
        "alice@example.com",
        "4b1f6a2e-9c3d-4e8f-a1b2-c3d4e5f60718",
    );
}
