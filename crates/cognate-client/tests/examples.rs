//! Runs every example of this crate as a process (built with `cargo build --example`), against an in-process
//! cognate-server seeded from `examples/seed.toml` (the file the examples' docs use) and a small
//! axum API behind cognate-verify's layer that echoes the claims it verified.
//!
//! Each test checks what the example prints: the status, and the claims the API saw, so a
//! token in the wrong header, of the wrong kind or from the wrong pool fails it.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use axum::Json;
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use cognate_server::{RunningServer, Server};
use cognate_verify::axum::{CognitoAuthLayer, TokenHeader};
use cognate_verify::{AccessClaims, CognitoJwtVerifier, IdClaims, TokenUse, UserPool};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Examples1";
const CLIENT: &str = "exampleapiusers00000000000";
const USERNAME: &str = "api-user";
const PASSWORD: &str = "Correct horse 1!";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

async fn server() -> RunningServer {
    Server::builder()
        .in_memory()
        .seed(repo().join("examples/seed.toml"))
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

fn tenant(claims: &IdClaims, headers: &HeaderMap) -> Value {
    json!({
        "username": claims.cognito_username(),
        "companyId": claims.custom_attribute("companyId"),
        "teamId": claims.custom_attribute("teamId"),
        "token_use": "id",
        "api_key": headers.get("x-api-key").and_then(|v| v.to_str().ok()),
    })
}

/// The vendors' APIs of the seeds, each route reading exactly one header:
/// `GET /v1/me` (raw access token in `Authorization`), `POST /graphql` (raw ID token in
/// `authorization`), `GET /v1/company` (ID token in `X-Amz-Cognito-Security-Token`).
async fn api(server: &RunningServer) -> String {
    let issuer = server.issuer(POOL);
    let verifier = |token_use| {
        CognitoJwtVerifier::builder()
            .user_pool(UserPool::from_issuer(issuer.clone()).client_id(CLIENT))
            .token_use(token_use)
            .build()
            .unwrap()
    };
    let id = verifier(TokenUse::Id);
    let app = Router::new()
        .route(
            "/v1/me",
            get(|c: AccessClaims| async move {
                Json(json!({"username": c.username(), "client_id": c.client_id(),
                            "token_use": "access"}))
            }),
        )
        .layer(
            CognitoAuthLayer::new(verifier(TokenUse::Access))
                .token_header(TokenHeader::AuthorizationRaw),
        )
        .merge(
            Router::new()
                .route(
                    "/graphql",
                    post(|c: IdClaims, h: HeaderMap, body: String| async move {
                        let query: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                        Json(json!({"data": {"me": tenant(&c, &h)}, "query": query["query"]}))
                    }),
                )
                .layer(
                    CognitoAuthLayer::new(id.clone()).token_header(TokenHeader::AuthorizationRaw),
                ),
        )
        .merge(
            Router::new()
                .route(
                    "/v1/company",
                    get(|c: IdClaims, h: HeaderMap| async move { Json(tenant(&c, &h)) }),
                )
                .layer(
                    CognitoAuthLayer::new(id).token_header(TokenHeader::cognito_security_token()),
                ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Example `name`, built as the workspace's test build builds it, as a command. (`--workspace`:
/// the same features as that build, so its artifacts are reused; `cargo run -p cognate-client`
/// would resolve the crate's features alone and build every dependency a second time.)
fn example(name: &str) -> Command {
    let built = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--locked",
            "--workspace",
            "--example",
            name,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap_or_else(|e| panic!("cannot build the example {name}: {e}"));
    assert!(built.success(), "cannot build the example {name}");
    // This test runs from <target>/<profile>/deps; the examples are in <target>/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    Command::new(profile.join("examples").join(name))
}

/// Example `name` run with only `vars` as configuration (the test's own COGNATE_*, AWS endpoint
/// and API variables are removed first).
async fn run_example(name: &str, vars: Vec<(&'static str, String)>) -> Output {
    let mut cmd = example(name);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, _) in std::env::vars() {
        if key.starts_with("COGNATE_")
            || key.starts_with("AWS_ENDPOINT_URL")
            || ["API_URL", "API_KEY", "GRAPHQL_QUERY"].contains(&key.as_str())
        {
            cmd.env_remove(key);
        }
    }
    cmd.envs(vars);
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        cmd.output()
            .unwrap_or_else(|e| panic!("cannot run the example {name}: {e}"))
    })
    .await
    .unwrap()
}

fn login_vars(
    server: &RunningServer,
    password: &str,
    api_url: String,
) -> Vec<(&'static str, String)> {
    vec![
        ("COGNATE_ENDPOINT", server.endpoint_url()),
        ("COGNATE_USER_POOL_ID", POOL.into()),
        ("COGNATE_CLIENT_ID", CLIENT.into()),
        ("COGNATE_USERNAME", USERNAME.into()),
        ("COGNATE_PASSWORD", password.into()),
        ("API_URL", api_url),
    ]
}

/// The example's stdout: the status line and the body (JSON). Panics with both outputs unless
/// the example succeeded.
fn answer(out: &Output) -> (String, Value) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the example failed ({}):\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    let mut lines = stdout.lines();
    let status = lines.next().unwrap_or_default().to_owned();
    let body = lines.collect::<Vec<_>>().join("\n");
    let body = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_user_srp_calls_the_api_with_the_raw_access_token() {
    let s = server().await;
    let api = api(&s).await;
    let out = run_example(
        "api_user_srp",
        login_vars(&s, PASSWORD, format!("{api}/v1/me")),
    )
    .await;
    let (status, body) = answer(&out);
    assert_eq!(status, "200 OK");
    assert_eq!(
        body,
        json!({"username": USERNAME, "client_id": CLIENT, "token_use": "access"})
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("logged in as api-user"), "{stderr}");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_user_srp_fails_on_a_wrong_password_and_on_the_wrong_header() {
    let s = server().await;
    let api = api(&s).await;
    let out = run_example(
        "api_user_srp",
        login_vars(&s, "Wrong horse 1!", format!("{api}/v1/me")),
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "no API call without a login");
    assert!(
        stderr.contains("NotAuthorizedException")
            && stderr.contains("Incorrect username or password."),
        "{stderr}"
    );

    // The REST example sends the ID token in X-Amz-Cognito-Security-Token: /v1/me wants the
    // access token in Authorization, so it answers 401 and the example says so.
    let out = run_example(
        "rest_security_token",
        login_vars(&s, PASSWORD, format!("{api}/v1/me")),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert_eq!(stdout.lines().next(), Some("401 Unauthorized"), "{stderr}");
    assert!(
        stderr.contains("the API answered 401 Unauthorized"),
        "{stderr}"
    );
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_id_token_sends_the_id_token_in_authorization() {
    let s = server().await;
    let api = api(&s).await;
    let out = run_example(
        "graphql_id_token",
        login_vars(&s, PASSWORD, format!("{api}/graphql")),
    )
    .await;
    let (status, body) = answer(&out);
    assert_eq!(status, "200 OK");
    assert_eq!(
        body,
        json!({"data": {"me": {"username": USERNAME, "companyId": "acme-42", "teamId": "team-7",
                               "token_use": "id", "api_key": null}},
               "query": "query { me { username companyId teamId } }"})
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("logged in as api-user: companyId acme-42, teamId team-7"),
        "{stderr}"
    );
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_security_token_sends_the_id_token_and_the_api_key() {
    let s = server().await;
    let api = api(&s).await;
    let mut vars = login_vars(&s, PASSWORD, format!("{api}/v1/company"));
    vars.push(("API_KEY", "da2-example-key".into()));
    let out = run_example("rest_security_token", vars).await;
    let (status, body) = answer(&out);
    assert_eq!(status, "200 OK");
    assert_eq!(
        body,
        json!({"username": USERNAME, "companyId": "acme-42", "teamId": "team-7",
               "token_use": "id", "api_key": "da2-example-key"})
    );
    s.shutdown().await;
}

/// An identity pool trusting the examples' user pool and app client, with an authenticated
/// role, set up as the AWS CLI or an SDK would (`CreateIdentityPool`, `SetIdentityPoolRoles`,
/// unsigned); returns its id.
async fn identity_pool(server: &RunningServer) -> String {
    let call = |op: &str, body: Value| {
        reqwest::Client::new()
            .post(server.endpoint_url())
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSCognitoIdentityService.{op}"))
            .body(body.to_string())
            .send()
    };
    let created: Value = call(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "examples", "AllowUnauthenticatedIdentities": false,
               "CognitoIdentityProviders": [{
                   "ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{POOL}"),
                   "ClientId": CLIENT}]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["IdentityPoolId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(id.starts_with("us-east-1:"), "{created}");
    let roles = call(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": id,
               "Roles": {"authenticated": "arn:aws:iam::000000000000:role/examples"}}),
    )
    .await
    .unwrap();
    assert_eq!(roles.status().as_u16(), 200);
    id
}

/// `name: value` lines of the example's stdout.
fn fields(out: &Output) -> std::collections::HashMap<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the example failed ({}):\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_pool_credentials_trades_the_id_token_for_aws_credentials() {
    let s = server().await;
    let pool = identity_pool(&s).await;
    let vars = || {
        let mut vars = login_vars(&s, PASSWORD, String::new());
        vars.retain(|(k, _)| *k != "API_URL");
        vars.push(("COGNATE_IDENTITY_POOL_ID", pool.clone()));
        vars
    };
    let first = fields(&run_example("identity_pool_credentials", vars()).await);
    let identity = &first["identity id"];
    assert!(
        identity.starts_with("us-east-1:") && identity.len() > "us-east-1:".len(),
        "{first:?}"
    );
    let key = &first["access key id"];
    assert!(key.len() == 20 && key.starts_with("ASIA"), "{first:?}");
    assert_eq!(first["session token"], "yes");
    let expires: u64 = first["expires"]
        .trim_end_matches(" (Unix time)")
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expires > now, "{first:?}");

    // The same user gets the same identity next time, with new credentials.
    let second = fields(&run_example("identity_pool_credentials", vars()).await);
    assert_eq!(&second["identity id"], identity);
    assert_ne!(&second["access key id"], key);

    // A wrong password never reaches the identity pool.
    let mut wrong = vars();
    wrong.retain(|(k, _)| *k != "COGNATE_PASSWORD");
    wrong.push(("COGNATE_PASSWORD", "Wrong horse 1!".into()));
    let out = run_example("identity_pool_credentials", wrong).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && out.stdout.is_empty(), "{stderr}");
    assert!(stderr.contains("NotAuthorizedException"), "{stderr}");
    s.shutdown().await;
}
