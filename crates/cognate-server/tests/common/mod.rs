//! What the interop tests share: the repo root, the pinned tools, running a script against a
//! server started in-process.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod postgres;

/// `builder` keeping state in memory — or, when this test process runs the server suites on
/// PostgreSQL (`COGNATE_TEST_BACKEND=postgres`), in a fresh database of a throwaway cluster.
pub fn in_memory(builder: cognate_server::ServerBuilder) -> cognate_server::ServerBuilder {
    if postgres::on_postgres() {
        builder.database(postgres::shared_database())
    } else {
        builder.in_memory()
    }
}

/// `builder` on a fresh store, and a store of the test's own on the same state to look into
/// it: an in-memory SQLite store the server shares — or, on PostgreSQL, a fresh database the
/// server opens as in production, and a second connection pool on it (as another node's).
pub fn inspected(
    builder: cognate_server::ServerBuilder,
) -> (
    cognate_server::ServerBuilder,
    std::sync::Arc<dyn cognate_server::Store>,
) {
    if postgres::on_postgres() {
        let url = postgres::shared_database();
        let store = cognate_server::store::PostgresStore::open(&url).unwrap();
        (builder.database(url), std::sync::Arc::new(store))
    } else {
        let store = std::sync::Arc::new(cognate_server::SqliteStore::in_memory().unwrap());
        (builder.store(store.clone()), store)
    }
}

/// `builder` keeping state durably in `dir` — or, on PostgreSQL, in the database that stands
/// for `dir` in this process (the same one each time, so that a restarted server finds its
/// state).
pub fn durable(
    builder: cognate_server::ServerBuilder,
    dir: &Path,
) -> cognate_server::ServerBuilder {
    if !postgres::on_postgres() {
        return builder.data_dir(dir);
    }
    static DATABASES: std::sync::Mutex<Vec<(PathBuf, String)>> = std::sync::Mutex::new(Vec::new());
    let mut known = DATABASES.lock().unwrap();
    let url = match known.iter().find(|(d, _)| d == dir) {
        Some((_, url)) => url.clone(),
        None => {
            let url = postgres::shared_database();
            known.push((dir.to_owned(), url.clone()));
            url
        }
    };
    builder.database(url)
}

pub const INSTALL_HINT: &str = "run `bash scripts/install-interop` (or `bash scripts/test`) first";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The interop venv's python running `interop/python/{script}`.
pub fn python(script: &str) -> Command {
    let root = repo();
    let python = root.join(".interop/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: {INSTALL_HINT}",
        python.display()
    );
    let mut cmd = Command::new(python);
    cmd.arg(root.join("interop/python").join(script));
    cmd.env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// node running `interop/node/{script}` with the pinned node_modules.
pub fn node(script: &str) -> Command {
    let root = repo();
    for module in [
        "amazon-cognito-identity-js",
        "aws-jwt-verify",
        "@aws-sdk/client-cognito-identity-provider",
    ] {
        let path = root.join("interop/node/node_modules").join(module);
        assert!(
            path.exists(),
            "{} is missing: {INSTALL_HINT}",
            path.display()
        );
    }
    let mut cmd = Command::new("node");
    cmd.arg(root.join("interop/node").join(script));
    cmd.current_dir(root.join("interop/node"));
    cmd.env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_REGION", "us-east-1");
    cmd
}

/// Runs `cmd` off the async runtime and insists that it succeeded.
pub async fn run_ok(mut cmd: Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot start {shown} ({e}): {INSTALL_HINT}"));
    assert!(
        out.status.success(),
        "{shown} failed:\n--- stderr\n{}\n--- stdout\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// Runs `interop/python/{script}` against a fresh in-memory server and returns the JSON
/// summary it prints (its `checks` count, and whatever else the script reports).
pub async fn python_summary(script: &str) -> serde_json::Value {
    python_summary_on(script, cognate_server::Server::builder()).await
}

/// As [`python_summary`], on a server whose clock stands still at the time it starts: what
/// lasts for seconds (a lockout) cannot end between two requests of a slow run.
pub async fn python_summary_at_a_fixed_time(script: &str) -> serde_json::Value {
    let clock = std::sync::Arc::new(cognate_server::ManualClock::starting_now());
    python_summary_on(script, cognate_server::Server::builder().clock(clock)).await
}

async fn python_summary_on(
    script: &str,
    builder: cognate_server::ServerBuilder,
) -> serde_json::Value {
    let server = in_memory(builder)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let mut cmd = python(script);
    cmd.arg(server.endpoint_url());
    let out = run_ok(cmd).await;
    let summary = serde_json::from_slice(&out.stdout).unwrap();
    server.shutdown().await;
    summary
}

/// A new, empty directory under the system's temporary directory, unique to this call.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cognate-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The claims of a JWT, unverified.
pub fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// One raw `AWSCognitoIdentityProviderService.{op}` call over the wire: `(status, body)`.
#[allow(dead_code)] // not every test file uses it
pub async fn idp_raw(
    endpoint: &str,
    op: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(endpoint)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let v: serde_json::Value = resp.json().await.unwrap();
    if status != 200 {
        assert_modeled_error(op, &v);
    }
    (status, v)
}

/// Insists that an error answered by user-pool operation `op` is one the AWS model lists for
/// it (or a protocol error), so that no test accepts an exception a real client never sees.
pub fn assert_modeled_error(op: &str, body: &serde_json::Value) {
    use cognate_model::idp::Operation;
    let kind = body["__type"].as_str().unwrap_or_default();
    let Some(operation) = Operation::from_name(op) else {
        return;
    };
    assert!(
        kind == "SerializationException" || operation.errors().iter().any(|e| e.name() == kind),
        "{op} answered {kind}, which the AWS model does not list for it: {body}"
    );
}

/// One `AWSCognitoIdentityProviderService.{op}` call over the wire: the answer, or the
/// `(__type, message)` of a 400 (any other status fails the test).
#[allow(dead_code)] // not every test file uses it
pub async fn idp_call(
    endpoint: &str,
    op: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, (String, String)> {
    let (status, v) = idp_raw(endpoint, op, body).await;
    if status == 200 {
        Ok(v)
    } else {
        assert_eq!(status, 400, "{op}: {v}");
        Err((
            v["__type"].as_str().unwrap().to_owned(),
            v["message"].as_str().unwrap().to_owned(),
        ))
    }
}

/// A `RegistrationResponseJSON` answering `options` (relying party `localhost`) with an
/// attestation of format `none` made in `origin`: the P-256 generator as the credential's public key (a valid
/// point; no signature is made at registration without attestation).
pub fn none_attestation(options: &serde_json::Value, origin: &str) -> serde_json::Value {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use sha2::Digest;
    const GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    let hex = |h: &str| -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    };
    let client_data =
        serde_json::json!({"type": "webauthn.create", "challenge": options["challenge"],
                             "origin": origin, "crossOrigin": false})
        .to_string();
    let cred_id = [7u8; 16];
    let mut auth = sha2::Sha256::digest(b"localhost").to_vec();
    auth.push(0x45); // UP, UV, AT
    auth.extend([0, 0, 0, 0]); // counter
    auth.extend([0u8; 16]); // AAGUID
    auth.extend([0, 16]);
    auth.extend(cred_id);
    // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
    auth.extend([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]);
    auth.extend(hex(GX));
    auth.extend([0x22, 0x58, 0x20]);
    auth.extend(hex(GY));
    // {"fmt": "none", "attStmt": {}, "authData": bytes}
    let mut object = vec![0xa3, 0x63];
    object.extend(b"fmt");
    object.push(0x64);
    object.extend(b"none");
    object.push(0x67);
    object.extend(b"attStmt");
    object.push(0xa0);
    object.push(0x68);
    object.extend(b"authData");
    object.extend([0x58, u8::try_from(auth.len()).unwrap()]);
    object.extend(auth);
    serde_json::json!({"id": B64.encode(cred_id), "rawId": B64.encode(cred_id), "type": "public-key",
           "response": {"clientDataJSON": B64.encode(client_data), "attestationObject": B64.encode(object),
                        "transports": ["internal"]},
           "clientExtensionResults": {}, "authenticatorAttachment": "platform"})
}
