#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate demo` as a user runs it: a process that starts a local Cognito and two APIs, goes
//! through every step and exits 0. Checked on the machine-readable outcome of each step
//! (`--json`, one line per step on stdout), never on the narration's wording.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};

fn demo_command() -> Command {
    let mut cmd = Command::cargo_bin("cognate").unwrap();
    // The demo talks to its own loopback servers only: no AWS settings may leak in.
    for var in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
        "COGNATE_ENDPOINT",
        "AWS_REGION",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// The steps of one run, by name.
fn steps(stdout: &str) -> HashMap<String, Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|v| (v["step"].as_str().unwrap().to_owned(), v))
        .collect()
}

#[test]
fn demo_runs_every_step_and_exits_0() {
    let started = Instant::now();
    let out = demo_command().args(["demo", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    let s = steps(&String::from_utf8(out.stdout).unwrap());
    for (name, step) in &s {
        assert_eq!(step["ok"], true, "step {name}: {step}\n{stderr}");
        // The demo's own keys are snake_case (an API's answer, under `body`, is the API's).
        for key in step.as_object().unwrap().keys() {
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "step {name}: key {key} is not snake_case"
            );
        }
    }
    // The narration fits 100 columns.
    for line in stderr.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }

    // 1. Credentials handed out as seed 000 does.
    let creds = &s["credentials"];
    let username = creds["username"].as_str().unwrap();
    for key in ["client_id", "password", "user_pool_id", "username"] {
        assert!(
            creds[key].as_str().is_some_and(|v| !v.is_empty()),
            "{creds}"
        );
    }
    assert_eq!(creds["user_pool_id"], s["start"]["user_pool_id"]);

    // 2. One SRP login, three tokens, and the tenant API echoes the verified access token.
    let login = &s["login"];
    assert_eq!(login["srp_logins"], 1);
    assert_eq!(login["id_token"], true);
    assert_eq!(login["access_token"], true);
    assert_eq!(login["refresh_token"], true);
    assert_eq!(login["access_lifetime_secs"], 300);
    let api = &s["tenant_api"];
    assert_eq!(api["status"], 200);
    assert_eq!(api["header"], "Authorization");
    assert_eq!(api["body"]["username"], username);
    assert_eq!(api["body"]["sub"], login["sub"]);
    assert_eq!(api["body"]["client_id"], creds["client_id"]);
    assert_eq!(api["body"]["token_use"], "access");

    // 3. Past expiry the old access token is refused; a refresh (no second SRP login) fixes it.
    let refresh = &s["refresh"];
    assert!(refresh["clock_advanced_secs"].as_i64().unwrap() > 300);
    assert_eq!(refresh["expired_status"], 401);
    assert_eq!(refresh["status"], 200);
    assert_eq!(refresh["srp_logins"], 1, "{refresh}");
    assert_eq!(refresh["refreshes"], 1);
    assert_eq!(refresh["new_access_token"], true);
    assert_eq!(refresh["body"]["username"], username);

    // 4. Seed 002: the ID token's custom claims reach GraphQL and REST; the API key works.
    let tenant = json!({"username": "acme-dev", "companyId": "acme-42", "teamId": "team-7"});
    assert_eq!(s["graphql"]["status"], 200);
    assert_eq!(s["graphql"]["header"], "authorization");
    assert_eq!(s["graphql"]["body"]["data"]["me"], tenant);
    assert_eq!(s["rest"]["status"], 200);
    assert_eq!(s["rest"]["header"], "X-Amz-Cognito-Security-Token");
    assert_eq!(s["rest"]["body"], tenant);
    assert_eq!(s["api_key"]["status"], 200);
    assert_eq!(s["api_key"]["without_key_status"], 403);
    // The ID token traded for AWS credentials through an identity pool.
    let identity = &s["identity_pool"];
    assert_eq!(identity["shown"], true);
    assert_eq!(identity["ok"], true);
    assert_eq!(identity["access_key_id_prefix"], "ASIA");
    assert_eq!(identity["session_token"], true);
    // An hour, counted by the demo's clock after the answer (so a second boundary may pass).
    let expires_in = identity["expires_in_secs"].as_i64().unwrap();
    assert!((3595..=3600).contains(&expires_in), "{expires_in}");
    for id in ["identity_pool_id", "identity_id"] {
        let v = identity[id].as_str().unwrap();
        assert!(v.starts_with("us-east-1:") && v.len() == 46, "{id}: {v}");
    }

    // 5. Refusals.
    let wrong = &s["wrong_password"];
    assert_eq!(wrong["refused"], true);
    assert_eq!(wrong["error"], "NotAuthorizedException");
    assert_eq!(wrong["message"], "Incorrect username or password.");
    assert_eq!(s["expired_token"]["status"], 401);
    assert_eq!(s["other_pool"]["status"], 401);

    assert_eq!(s["summary"]["failures"], json!([]));
}

#[test]
fn demo_without_json_writes_nothing_on_stdout() {
    let out = demo_command().arg("demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.is_empty());
}

#[test]
fn output_json_is_json_and_quiet_silences_the_narration() {
    let out = demo_command()
        .args(["demo", "--output", "json", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = steps(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(s["summary"]["ok"], true);
}

/// One HTTP/1.1 request over a fresh connection: (status, JSON body or null).
fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let host = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// With `--keep-running`, the local Cognito and the APIs stay up on the real clock: a token
/// got over the wire afterwards is accepted by the tenant API.
#[test]
fn keep_running_leaves_cognito_and_apis_up() {
    let mut child = demo_command()
        .args(["demo", "--json", "--keep-running"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The narration, up to the last line of the "still running" block.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, narration) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut sent = false;
        for line in stderr.lines() {
            let line = line.unwrap();
            let last = line.trim_start().starts_with("cognate: ");
            seen.push(line);
            if last && !sent {
                tx.send(seen.clone()).unwrap();
                sent = true;
            }
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut s = HashMap::new();
    while !s.contains_key("summary") {
        let line = lines.next().expect("the demo stopped early").unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        s.insert(v["step"].as_str().unwrap().to_owned(), v);
    }
    assert_eq!(s["summary"]["ok"], true);
    let narration = narration.recv_timeout(Duration::from_secs(10)).unwrap();
    for line in &narration {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let (start, creds) = (&s["start"], &s["credentials"]);
    let endpoint = start["endpoint"].as_str().unwrap();
    let body = json!({"ClientId": creds["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
                      "AuthParameters": {"USERNAME": creds["username"], "PASSWORD": creds["password"]}});
    let (status, answer) = http(
        endpoint,
        "POST",
        "/",
        &[
            (
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.InitiateAuth",
            ),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        &body.to_string(),
    );
    assert_eq!(status, 200, "{answer}");
    let access = answer["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let (status, me) = http(
        start["tenant_api"].as_str().unwrap(),
        "GET",
        "/v1/me",
        &[("Authorization", access)],
        "",
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], creds["username"]);
}
