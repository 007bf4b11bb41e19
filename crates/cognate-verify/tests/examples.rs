//! Runs `examples/protect_an_axum_api.rs` as a process (built with `cargo build --example`), configured only
//! by environment variables, against an in-process cognate-server seeded from
//! `examples/seed.toml` (the file the example's docs use), and calls its three routes with
//! tokens the server minted: each takes only its own token kind in its own header.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use cognate_server::{RunningServer, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Examples1";
const CLIENT: &str = "exampleapiusers00000000000";

/// Kills the example when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn server() -> RunningServer {
    Server::builder()
        .in_memory()
        .seed(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed.toml"))
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

/// Starts the example on a free port and returns its URL once it says it listens.
fn start_example(endpoint: &str) -> (Running, String) {
    // Built as the workspace's test build builds it (`--workspace`: the same features, so its
    // artifacts are reused; `cargo run -p cognate-verify` would build every dependency again).
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--locked", "--workspace", "--example"])
        .arg("protect_an_axum_api")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(
        built.success(),
        "cannot build the example protect_an_axum_api"
    );
    // This test runs from <target>/<profile>/deps; the examples are in <target>/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let mut cmd = Command::new(profile.join("examples/protect_an_axum_api"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, _) in std::env::vars() {
        if key.starts_with("COGNATE_") || key == "BIND" {
            cmd.env_remove(key);
        }
    }
    cmd.env("COGNATE_ENDPOINT", endpoint)
        .env("COGNATE_USER_POOL_ID", POOL)
        .env("COGNATE_CLIENT_ID", CLIENT)
        .env("BIND", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    loop {
        // Generous: the first run may have to build the example on a busy machine.
        match rx.recv_timeout(Duration::from_secs(600)) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("listening on ") {
                    return (running, url.trim().to_owned());
                }
                seen.push(line);
            }
            Err(e) => panic!(
                "the example never said it listens ({e}); its stderr:\n{}",
                seen.join("\n")
            ),
        }
    }
}

async fn login(endpoint: &str) -> (String, String) {
    let resp: Value = reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body(
            json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "api-user", "PASSWORD": "Correct horse 1!"}})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = &resp["AuthenticationResult"];
    assert!(r.is_object(), "{resp}");
    (
        r["AccessToken"].as_str().unwrap().into(),
        r["IdToken"].as_str().unwrap().into(),
    )
}

async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_an_axum_api_accepts_each_token_in_its_header_only() {
    let s = server().await;
    let endpoint = s.endpoint_url();
    let (_example, api) = start_example(&endpoint);
    let (access, id) = login(&endpoint).await;
    let http = reqwest::Client::new();
    let me = format!("{api}/v1/me");
    let graphql = format!("{api}/graphql");
    let company = format!("{api}/v1/company");

    // Seed 000: the access token, raw (or after Bearer), in Authorization.
    let (status, body) = call(http.get(&me).header("authorization", &access)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], "api-user");
    assert_eq!(body["client_id"], CLIENT);
    assert_eq!(body["token_use"], "access");
    assert_eq!(body["groups"], json!([]));
    assert!(
        body["sub"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    let (status, _) = call(
        http.get(&me)
            .header("authorization", format!("Bearer {access}")),
    )
    .await;
    assert_eq!(status, 200);

    // Seed 002: the ID token, raw, in authorization for GraphQL; in X-Amz-Cognito-Security-Token
    // for REST; custom claims echoed.
    let tenant = json!({"username": "api-user", "email": "api-user@example.com",
                        "companyId": "acme-42", "teamId": "team-7", "token_use": "id"});
    let (status, body) = call(
        http.post(&graphql)
            .header("authorization", &id)
            .header("content-type", "application/json")
            .body(r#"{"query":"query { me { companyId } }"}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"data": {"me": tenant}}));
    let (status, body) = call(
        http.get(&company)
            .header("x-amz-cognito-security-token", &id),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, tenant);

    // Refusals: no token, the other kind of token, the right token in another header, garbage.
    let refused = [
        http.get(&me),
        http.get(&me).header("authorization", &id),
        http.get(&me)
            .header("x-amz-cognito-security-token", &access),
        http.get(&me).header("authorization", "not-a-jwt"),
        http.post(&graphql).header("authorization", &access),
        http.post(&graphql)
            .header("authorization", format!("Bearer {id}")),
        http.get(&company).header("authorization", &id),
        http.get(&company)
            .header("x-amz-cognito-security-token", &access),
    ];
    for (i, req) in refused.into_iter().enumerate() {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "refusal #{i}");
        let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    }
    s.shutdown().await;
}
