#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate aws-credentials` against a local Cognito (cognate-server in this test process) with
//! an identity pool: the `credential_process` JSON, boto3 reading it through a temporary AWS
//! config file, the identity pool id from flag, environment and profile, the token refresh
//! before the exchange, and the errors.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use cognate_server::{Seed, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_AwsCreds1";
const CLIENT: &str = "awscredsclientaaaaaaaaaaaa";
const USER: &str = "alice";
const PASSWORD: &str = "Correct horse 1!";
const ROLE: &str = "arn:aws:iam::123456789012:role/cognate-authenticated";
const MISSING_POOL: &str = "us-east-1:00000000-0000-4000-8000-000000000000";

/// The local Cognito and its identity pool, started once for all tests.
fn cognito() -> &'static (String, String) {
    static STARTED: OnceLock<(String, String)> = OnceLock::new();
    STARTED.get_or_init(|| {
        let seed: Seed = serde_json::from_value(json!({ "pools": [{
            "id": POOL, "name": "aws-credentials",
            "clients": [{"name": "cli", "id": CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "users": [{"username": USER, "password": PASSWORD}]
        }]}))
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let server = Server::builder()
                    .in_memory()
                    .bind("127.0.0.1:0")
                    .seed_data(seed)
                    .start()
                    .await
                    .unwrap();
                let endpoint = server.endpoint_url();
                let http = reqwest::Client::new();
                let call = |op: &str, body: Value| {
                    http.post(&endpoint)
                        .header("Content-Type", "application/x-amz-json-1.1")
                        .header("X-Amz-Target", format!("AWSCognitoIdentityService.{op}"))
                        .body(body.to_string())
                        .send()
                };
                let created: Value = call(
                    "CreateIdentityPool",
                    json!({"IdentityPoolName": "cli", "AllowUnauthenticatedIdentities": false,
                           "CognitoIdentityProviders": [{
                               "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{POOL}"),
                               "ClientId": CLIENT}]}),
                )
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
                let pool = created["IdentityPoolId"].as_str().unwrap().to_owned();
                let roles = call(
                    "SetIdentityPoolRoles",
                    json!({"IdentityPoolId": pool, "Roles": {"authenticated": ROLE}}),
                )
                .await
                .unwrap();
                assert_eq!(roles.status().as_u16(), 200);
                tx.send((endpoint, pool)).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    })
}

/// A user's machine: a config file with profile `x` (every setting, the identity pool id
/// included) and `bare` (no identity pool id), and a token directory.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        let (endpoint, pool) = cognito();
        let dir = tempfile::tempdir().unwrap();
        let profile = format!(
            "user_pool_id = \"{POOL}\"\nclient_id = \"{CLIENT}\"\nusername = \"{USER}\"\nendpoint = \"{endpoint}\"\n"
        );
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "[profiles.x]\n{profile}identity_pool_id = \"{pool}\"\n\n[profiles.bare]\n{profile}"
            ),
        )
        .unwrap();
        Home { dir }
    }

    fn tokens(&self) -> PathBuf {
        self.dir.path().join("tokens")
    }

    /// What the binary needs in its environment, and nothing else of ours.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "COGNATE_CONFIG",
                self.dir.path().join("config.toml").display().to_string(),
            ),
            ("COGNATE_TOKEN_DIR", self.tokens().display().to_string()),
            ("NO_COLOR", "1".to_owned()),
        ]
    }

    fn cognate(&self) -> Command {
        let mut cmd = Command::cargo_bin("cognate").unwrap();
        clean(&mut cmd);
        cmd.envs(self.env());
        cmd
    }

    fn login(&self, profile: &str) {
        let out = self
            .cognate()
            .args(["login", "--profile", profile, "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }

    fn aws_credentials(&self, args: &[&str]) -> Output {
        self.cognate()
            .arg("aws-credentials")
            .args(args)
            .output()
            .unwrap()
    }
}

/// Removes the variables of the test's own environment that would change the outcome.
fn clean(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("COGNATE_") || key.starts_with("AWS_") || key == "RUST_BACKTRACE" {
            cmd.env_remove(key);
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// The `credential_process` document, checked for its shape.
fn printed(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );
    assert_eq!(doc["Version"], 1);
    let key = doc["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(doc["SecretAccessKey"].as_str().unwrap().len(), 40);
    assert!(!doc["SessionToken"].as_str().unwrap().is_empty());
    let exp = doc["Expiration"].as_str().unwrap();
    // RFC 3339 in UTC: 2025-01-01T13:00:00Z
    assert_eq!(exp.len(), 20, "{exp}");
    assert!(exp.ends_with('Z') && &exp[10..11] == "T", "{exp}");
    doc
}

#[test]
fn boto3_uses_cognate_as_its_credential_process() {
    let home = Home::new();
    home.login("x");
    let bin = assert_cmd::cargo::cargo_bin("cognate");
    // `recorded` runs the same command through a wrapper that keeps a copy of what cognate
    // printed, so that boto3's credentials can be compared with it exactly.
    let record = home.dir.path().join("printed.json");
    let wrapper = home.dir.path().join("credential-process.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nout=$('{}' aws-credentials --profile x) || exit $?\nprintf '%s\\n' \"$out\" > '{}'\nprintf '%s\\n' \"$out\"\n",
            bin.display(),
            record.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let aws_config = home.dir.path().join("aws-config");
    let aws_credentials = home.dir.path().join("aws-credentials");
    std::fs::write(
        &aws_config,
        format!(
            "[profile direct]\ncredential_process = {} aws-credentials --profile x\n\n[profile recorded]\ncredential_process = {}\n",
            bin.display(),
            wrapper.display()
        ),
    )
    .unwrap();
    std::fs::write(&aws_credentials, "").unwrap();

    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.interop/venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash scripts/install-interop`",
        python.display()
    );
    let script = r#"
import datetime, json
import boto3
out = {}
for name in ["direct", "recorded"]:
    creds = boto3.Session(profile_name=name, region_name="us-east-1").get_credentials()
    frozen = creds.get_frozen_credentials()
    expiry = creds._expiry_time
    out[name] = {
        "method": creds.method,
        "access_key": frozen.access_key,
        "secret_key": frozen.secret_key,
        "token": frozen.token,
        "expiry": expiry.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aware": expiry.tzinfo is not None,
        "refresh_needed": creds.refresh_needed(),
    }
print(json.dumps(out))
"#;
    let mut cmd = std::process::Command::new(python);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("COGNATE_") || key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .args(["-c", script])
        .envs(home.env())
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &aws_credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();

    for name in ["direct", "recorded"] {
        let s = &seen[name];
        assert_eq!(s["method"], "custom-process", "{s}");
        assert!(s["access_key"].as_str().unwrap().starts_with("ASIA"), "{s}");
        assert_eq!(s["aware"], true, "{s}");
        // Valid for an hour: botocore does not want to refresh them yet.
        assert_eq!(s["refresh_needed"], false, "{s}");
    }
    let printed: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    let r = &seen["recorded"];
    assert_eq!(r["access_key"], printed["AccessKeyId"]);
    assert_eq!(r["secret_key"], printed["SecretAccessKey"]);
    assert_eq!(r["token"], printed["SessionToken"]);
    assert_eq!(r["expiry"], printed["Expiration"]);
}

#[test]
fn the_identity_pool_id_from_flag_env_and_profile() {
    let home = Home::new();
    home.login("x");
    home.login("bare");
    let (_, pool) = cognito();

    // The profile key.
    let from_profile = printed(&home.aws_credentials(&["--profile", "x"]));
    // The environment beats the profile, the flag beats the environment.
    let out = home
        .cognate()
        .args(["aws-credentials", "--profile", "x"])
        .env("COGNATE_IDENTITY_POOL_ID", MISSING_POOL)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "ResourceNotFoundException: IdentityPool '{MISSING_POOL}' not found."
        )),
        "{err}"
    );
    let out = home
        .cognate()
        .args([
            "aws-credentials",
            "--profile",
            "bare",
            "--identity-pool-id",
            pool,
        ])
        .env("COGNATE_IDENTITY_POOL_ID", MISSING_POOL)
        .output()
        .unwrap();
    let from_flag = printed(&out);
    let out = home
        .cognate()
        .args(["aws-credentials", "--profile", "bare"])
        .env("COGNATE_IDENTITY_POOL_ID", pool)
        .output()
        .unwrap();
    let from_env = printed(&out);
    // Every run asks for new credentials.
    assert_ne!(from_profile["AccessKeyId"], from_flag["AccessKeyId"]);
    assert_ne!(from_flag["AccessKeyId"], from_env["AccessKeyId"]);

    // --output env: shell lines for the AWS variables.
    let out = home.aws_credentials(&["--profile", "x", "-o", "env"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    let names: Vec<&str> = lines
        .lines()
        .map(|l| l.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "export AWS_ACCESS_KEY_ID",
            "export AWS_SECRET_ACCESS_KEY",
            "export AWS_SESSION_TOKEN",
            "export AWS_CREDENTIAL_EXPIRATION"
        ]
    );
    assert!(
        lines.starts_with("export AWS_ACCESS_KEY_ID='ASIA"),
        "{lines}"
    );
}

#[test]
fn expired_tokens_are_refreshed_before_the_exchange() {
    let home = Home::new();
    home.login("x");
    let file = home.tokens().join("x.json");
    let before: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    // As if the server's clock were two hours ahead of ours: the ID token expired an hour ago.
    let mut aged = before.clone();
    aged["clock_skew_secs"] = json!(7200);
    std::fs::write(&file, serde_json::to_vec(&aged).unwrap()).unwrap();
    printed(&home.aws_credentials(&["--profile", "x"]));
    let after: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_ne!(after["id_token"], before["id_token"]);
    assert!(
        after["clock_skew_secs"].as_i64().unwrap().abs() < 60,
        "{after}"
    );
}

#[test]
fn errors_follow_the_cli_conventions() {
    let home = Home::new();
    // Not logged in: exit 3 and the login hint.
    let out = home.aws_credentials(&["--profile", "x"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("not logged in (no tokens for profile x)"),
        "{err}"
    );
    assert!(err.contains("cognate login --profile x"), "{err}");
    assert!(out.stdout.is_empty());

    home.login("bare");
    // No identity pool id anywhere: exit 2, saying how to give one.
    let out = home.aws_credentials(&["--profile", "bare"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("no identity pool id"), "{err}");
    assert!(err.contains("COGNATE_IDENTITY_POOL_ID"), "{err}");
    // Not an identity pool id at all (a user pool id).
    let out = home.aws_credentials(&["--profile", "bare", "--identity-pool-id", POOL]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("is not an identity pool id"), "{err}");
    // The hint names the flag to fix (issue 20: it used to say "the id comes from flag").
    assert!(err.contains("hint: check --identity-pool-id: "), "{err}");
    assert!(out.stdout.is_empty());
}
