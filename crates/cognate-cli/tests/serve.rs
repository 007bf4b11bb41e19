#![allow(clippy::unwrap_used, missing_docs)]
//! End to end with no AWS account: `cognate serve` (the local Cognito) issues tokens through
//! USER_PASSWORD_AUTH, and `cognate verify` and `cognate decode` accept them, configured the
//! way a user would (endpoint, pool and client from flags or a profile).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_CliTest1";
const CLIENT: &str = "clitestclientabcdefghijklm";
const USER: &str = "api-user@example.com";
const PASSWORD: &str = "Correct horse 1!";

/// A `cognate serve` child process, killed on drop.
struct LocalCognito {
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Drop for LocalCognito {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> LocalCognito {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.toml");
    std::fs::write(
        &seed,
        format!(
            r#"
[[pools]]
id = "{POOL}"
name = "cli-test"

[[pools.clients]]
name = "cli"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "{USER}"
password = "{PASSWORD}"
"#
        ),
    )
    .unwrap();
    let mut child = Command::cargo_bin("cognate")
        .unwrap()
        .args(["serve", "--in-memory", "--bind", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .env_remove("COGNATE_ISSUER")
        .env_remove("AWS_REGION")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let endpoint = loop {
        let line = lines
            .next()
            .expect("cognate serve stopped before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stderr so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    LocalCognito {
        child,
        endpoint,
        _dir: dir,
    }
}

/// One AWS JSON 1.1 call over plain HTTP/1.1.
fn call(endpoint: &str, operation: &str, body: &Value) -> Value {
    let host = endpoint.strip_prefix("http://").unwrap();
    let body = body.to_string();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.{operation}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{operation}: {response}");
    serde_json::from_str(body).unwrap()
}

fn cognate(config: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cognate").unwrap();
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("COGNATE_") || key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("COGNATE_CONFIG", config).env("NO_COLOR", "1");
    cmd
}

#[test]
fn tokens_of_the_local_cognito_verify() {
    let server = serve();
    let auth = call(
        &server.endpoint,
        "InitiateAuth",
        &json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": CLIENT,
            "AuthParameters": { "USERNAME": USER, "PASSWORD": PASSWORD },
        }),
    );
    let result = &auth["AuthenticationResult"];
    let access = result["AccessToken"].as_str().unwrap();
    let id = result["IdToken"].as_str().unwrap();
    let refresh = result["RefreshToken"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");

    // Everything from flags.
    let out = cognate(&config)
        .args([
            "verify",
            "--endpoint",
            &server.endpoint,
            "--user-pool-id",
            POOL,
        ])
        .args(["--client-id", CLIENT, "--token-use", "access", access])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("valid access token of "), "{stdout}");

    // From a profile written by `cognate configure`, the ID token as JSON.
    let out = cognate(&config)
        .args([
            "configure",
            "--profile",
            "local",
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
        ])
        .args(["--endpoint", &server.endpoint])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = cognate(&config)
        .env("COGNATE_PROFILE", "local")
        .args(["verify", "-o", "json", "--token-use", "id", "-"])
        .write_stdin(format!("{id}\n"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["claims"]["aud"], CLIENT);
    assert_eq!(
        verdict["claims"]["iss"],
        format!("{}/{POOL}", server.endpoint)
    );

    // The access token is not an ID token; the refresh token is neither.
    let out = cognate(&config)
        .env("COGNATE_PROFILE", "local")
        .args(["verify", "--token-use", "id", access])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`token_use` check failed"));
    let out = cognate(&config)
        .env("COGNATE_PROFILE", "local")
        .args(["verify", refresh])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));

    // The same token checked against real Cognito's issuer for that pool is refused by `iss`,
    // before any key is fetched.
    let out = cognate(&config)
        .args([
            "verify",
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
            access,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`iss` check failed"));

    // decode shows the claims and says that nothing was verified.
    let out = cognate(&config).args(["decode", access]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let decoded: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decoded["claims"]["client_id"], CLIENT);
    let note = String::from_utf8(out.stderr).unwrap();
    assert!(
        note.starts_with("NOT VERIFIED (decoded only): access token of "),
        "{note}"
    );
    assert!(
        note.contains("expires in 59 min") || note.contains("expires in 1 h"),
        "{note}"
    );
}
