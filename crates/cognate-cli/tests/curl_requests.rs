#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate curl` and `cognate graphql` as `gh api` and curl users expect them (issue 20,
//! point 3): JSON bodies go out as `application/json`, `--json`, `-f`/`-F` fields, a GraphQL
//! shortcut, `--max-time`, curl's `--fail`, and a token from `COGNATE_ACCESS_TOKEN`. Against the
//! local Cognito of `support` and a small API here that echoes what it received.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::any;
use serde_json::{Value, json};
use support::{Home, PASSWORD, USER, text};

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: String) -> Json<Value> {
    let h = |n: &str| {
        headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Json(json!({
        "method": method.as_str(),
        "query": uri.query().unwrap_or_default(),
        "content_type": h("content-type"),
        "accept": h("accept"),
        "authorization": h("authorization"),
        "body": body,
    }))
}

/// The API, started once; its base URL.
fn api() -> &'static str {
    static API: OnceLock<String> = OnceLock::new();
    API.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new()
                    .route("/echo", any(echo))
                    .route(
                        "/missing",
                        any(|| async { (StatusCode::NOT_FOUND, "no such thing\n") }),
                    )
                    .route(
                        "/slow",
                        any(|| async {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            "late\n"
                        }),
                    );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        rx.recv().unwrap()
    })
}

fn logged_in() -> Home {
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    home
}

fn echoed(home: &Home, args: &[&str]) -> Value {
    let out = home.cognate(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bodies_get_the_content_type_they_are() {
    let home = logged_in();
    let url = format!("{}/echo", api());
    let got = echoed(&home, &["curl", "-d", r#"{"query":"{ me { id } }"}"#, &url]);
    assert_eq!(got["content_type"], "application/json");
    assert_eq!(got["method"], "POST");
    let got = echoed(&home, &["curl", "-d", "a=b&c=d", &url]);
    assert_eq!(got["content_type"], "application/x-www-form-urlencoded");
    // -H wins.
    let got = echoed(
        &home,
        &["curl", "-H", "Content-Type: text/plain", "-d", "{}", &url],
    );
    assert_eq!(got["content_type"], "text/plain");
    // --json: the body, and JSON both ways.
    let got = echoed(&home, &["curl", "--json", r#"{"a":1}"#, &url]);
    assert_eq!(
        (got["content_type"].as_str(), got["accept"].as_str()),
        (Some("application/json"), Some("application/json"))
    );
    assert_eq!(got["body"], r#"{"a":1}"#);
    let out = home
        .cognate(&["curl", "--json", "not json", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Fields: a JSON object, strings with -f, typed with -F.
    let got = echoed(
        &home,
        &[
            "curl", "-f", "name=x", "-F", "count=3", "-F", "ok=true", &url,
        ],
    );
    assert_eq!(got["method"], "POST");
    assert_eq!(got["content_type"], "application/json");
    let body: Value = serde_json::from_str(got["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"name": "x", "count": 3, "ok": true}));
    // With -X GET, fields are query parameters.
    let got = echoed(
        &home,
        &["curl", "-X", "GET", "-f", "q=a b", "-F", "n=1", &url],
    );
    assert_eq!(got["method"], "GET");
    assert_eq!(got["query"], "n=1&q=a+b");
    assert_eq!(got["body"], "");
}

#[test]
fn graphql_sends_the_query_and_variables_with_the_id_token() {
    let home = logged_in();
    let id = text(
        &home
            .cognate(&["token", "--kind", "id"])
            .output()
            .unwrap()
            .stdout,
    );
    let url = format!("{}/echo", api());
    let got = echoed(
        &home,
        &[
            "graphql",
            &url,
            "query($id: ID!) { team(id: $id) { name } }",
            "-F",
            "id=42",
        ],
    );
    assert_eq!(got["method"], "POST");
    assert_eq!(got["content_type"], "application/json");
    assert_eq!(got["authorization"], id.trim());
    let body: Value = serde_json::from_str(got["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"query": "query($id: ID!) { team(id: $id) { name } }", "variables": {"id": 42}})
    );
    // Another header style when asked.
    let access = text(&home.cognate(&["token"]).output().unwrap().stdout);
    let got = echoed(
        &home,
        &["graphql", "--header-style", "access", &url, "{ me }"],
    );
    assert_eq!(got["authorization"], access.trim());
}

#[test]
fn fail_is_curls_and_max_time_gives_up() {
    let home = logged_in();
    let missing = format!("{}/missing", api());
    // --fail: nothing on stdout, exit 5.
    let out = home
        .cognate(&["curl", "--fail", &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    // --fail-with-body: the body, then exit 5.
    let out = home
        .cognate(&["curl", "--fail-with-body", &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "no such thing\n");
    // Without: the body, exit 0, as curl.
    let out = home.cognate(&["curl", &missing]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // --max-time: exit 4, one line and a hint.
    let started = std::time::Instant::now();
    let out = home
        .cognate(&["curl", "--max-time", "0.5", &format!("{}/slow", api())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(4));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: the request to "), "{err}");
    assert!(
        err.contains("failed: timed out\nhint: raise --max-time"),
        "{err}"
    );
    // No output formats for a response body.
    let out = home
        .cognate(&["curl", "-o", "env", &format!("{}/echo", api())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_token_from_the_environment_needs_no_login() {
    // Nobody logged in on this machine.
    let home = Home::new();
    let url = format!("{}/echo", api());
    let got = echoed_env(&home, &["curl", &url], "COGNATE_ACCESS_TOKEN", "tok-123");
    assert_eq!(got["authorization"], "tok-123");
    let got = echoed_env(
        &home,
        &["curl", "--header-style", "bearer", &url],
        "COGNATE_ACCESS_TOKEN",
        "tok-123",
    );
    assert_eq!(got["authorization"], "Bearer tok-123");
    let got = echoed_env(
        &home,
        &["graphql", &url, "{ me }"],
        "COGNATE_ID_TOKEN",
        "id-456",
    );
    assert_eq!(got["authorization"], "id-456");
}

fn echoed_env(home: &Home, args: &[&str], var: &str, value: &str) -> Value {
    let out = home.cognate(args).env(var, value).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}
