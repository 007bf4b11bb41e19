//! The OAuth 2.0 / OpenID Connect side on the wire: user-pool domains and resource servers,
//! the app clients' OAuth settings, and the domain's endpoints (token, authorize, the sign-in
//! pages, userInfo, revoke, logout, passkeys) in both the host form and the path form.

#![allow(clippy::unwrap_used)]

mod account_pages;
#[path = "../common/mod.rs"]
mod common;
mod control_plane;
#[path = "../triggers/lambda_service.rs"]
mod lambda_service;
mod pages;
mod passkey_pages;
mod tokens;
mod triggers;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognate_server::{ManualClock, RunningServer, Seed, Server, ServerBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const POOL: &str = "us-east-1_OAuthTest1";
const SEED: &str = r#"
[[pools]]
id = "us-east-1_OAuthTest1"
name = "oauth"

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
attributes = { email = "alice@example.com", email_verified = "true", name = "Alice" }
"#;

const CALLBACK: &str = "http://localhost:3000/callback";

/// The anti-forgery token of the tests' browser: [`Env::http`] sends it as the `XSRF-TOKEN`
/// cookie, and [`form`] as the `_csrf` field of a hosted form (the double submit the pages
/// check). `pages::forms_carry_an_anti_forgery_token` follows a token the server hands out.
const XSRF: &str = "dGhlLXRlc3RzLWJyb3dzZXItYW50aS1mb3JnZXJ5LXQ";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Env {
    server: RunningServer,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
}

async fn start() -> Env {
    start_with(|b| b).await
}

/// [`start`] with more settings of the server.
async fn start_with(more: impl FnOnce(ServerBuilder) -> ServerBuilder) -> Env {
    let clock = Arc::new(ManualClock::new(1_750_000_000));
    let builder = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock.clone())
        .seed_data(Seed::from_toml(SEED).unwrap());
    let server = more(builder).start().await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(browser_cookie())
        .resolve("shop.auth.localhost", server.local_addr())
        .build()
        .unwrap();
    Env {
        server,
        clock,
        http,
    }
}

impl Env {
    async fn call(&self, op: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(self.server.endpoint_url())
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    async fn ok(&self, op: &str, body: Value) -> Value {
        let (status, v) = self.call(op, body).await;
        assert_eq!(status, 200, "{op}: {v}");
        v
    }

    async fn error(&self, op: &str, body: Value) -> (String, String) {
        let (status, v) = self.call(op, body).await;
        assert_eq!(status, 400, "{op} should fail: {v}");
        (
            v["__type"].as_str().unwrap().to_owned(),
            v["message"].as_str().unwrap_or("").to_owned(),
        )
    }

    /// The path form of the domain's endpoint `path`.
    fn url(&self, path: &str) -> String {
        format!("{}/{POOL}{path}", self.server.endpoint_url())
    }

    /// The host form.
    fn host_url(&self, path: &str) -> String {
        format!(
            "http://shop.auth.localhost:{}{path}",
            self.server.local_addr().port()
        )
    }

    async fn token(&self, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> (u16, Value) {
        self.token_at(&self.url("/oauth2/token"), basic, form).await
    }

    async fn token_at(
        &self,
        url: &str,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode(form));
        if let Some((id, secret)) = basic {
            req = req.header(
                "Authorization",
                format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
            );
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }
}

/// The headers the tests' browser sends with every request: its anti-forgery cookie.
fn browser_cookie() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        reqwest::header::COOKIE,
        format!("XSRF-TOKEN={XSRF}").parse().unwrap(),
    );
    h
}

/// `cookie` (a session cookie) and the browser's anti-forgery cookie, as one `Cookie` header.
fn with_xsrf(cookie: &str) -> String {
    format!("{cookie}; XSRF-TOKEN={XSRF}")
}

/// A hosted form's body: `pairs` and the browser's anti-forgery field.
fn form(pairs: &[(&str, &str)]) -> String {
    let mut all = pairs.to_vec();
    all.push(("_csrf", XSRF));
    encode(&all)
}

/// The body of `GET url` through `http`.
async fn page_text(http: &reqwest::Client, url: impl reqwest::IntoUrl) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once(['?', '#'])?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A pool with a domain, a resource server, a machine client and a browser client.
struct Setup {
    machine: String,
    machine_secret: String,
    web: String,
}

async fn setup(env: &Env) -> Setup {
    env.ok(
        "CreateUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop"}),
    )
    .await;
    env.ok(
        "CreateResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "shop api",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"},
                          {"ScopeName": "write", "ScopeDescription": "write"}]}),
    )
    .await;
    let machine = env
        .ok(
            "CreateUserPoolClient",
            json!({"UserPoolId": POOL, "ClientName": "machine", "GenerateSecret": true,
                   "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["client_credentials"],
                   "AllowedOAuthScopes": ["https://api.shop/read", "https://api.shop/write"]}),
        )
        .await;
    let web = env
        .ok(
            "CreateUserPoolClient",
            json!({"UserPoolId": POOL, "ClientName": "web",
                   "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["code", "implicit"],
                   "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin", "https://api.shop/read"],
                   "CallbackURLs": [CALLBACK], "LogoutURLs": ["http://localhost:3000/bye"],
                   "SupportedIdentityProviders": ["COGNITO"]}),
        )
        .await;
    Setup {
        machine: machine["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
        machine_secret: machine["UserPoolClient"]["ClientSecret"]
            .as_str()
            .unwrap()
            .to_owned(),
        web: web["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// Follows an authorization request to the sign-in form and posts `password`; returns the
/// final response.
async fn sign_in(env: &Env, authorize: &str, username: &str, password: &str) -> reqwest::Response {
    let resp = env.http.get(authorize).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let login = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(login.contains("/login?"), "{login}");
    let login_url = if login.starts_with("http") {
        login
    } else {
        format!(
            "{}{login}",
            authorize
                .split("/oauth2")
                .next()
                .unwrap()
                .trim_end_matches(&format!("/{POOL}"))
        )
    };
    let page = env.http.get(&login_url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<label for=\"password\">"), "{html}");
    assert!(
        html.contains(&format!("name=\"_csrf\" value=\"{XSRF}\"")),
        "the form carries the browser's token: {html}"
    );
    env.http
        .post(&login_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&[("username", username), ("password", password)]))
        .send()
        .await
        .unwrap()
}

fn authorize_url(env: &Env, client: &str, extra: &[(&str, &str)]) -> String {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CALLBACK),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(extra);
    let mut all: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    all.push(("code_challenge", challenge));
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &all {
        s.append_pair(k, v);
    }
    format!("{}?{}", env.url("/oauth2/authorize"), s.finish())
}

fn env_now(env: &Env) -> u64 {
    use cognate_server::Clock;
    env.clock.now() as u64
}

/// The value of the hidden `session` field of a challenge page.
fn session_field(html: &str) -> String {
    html.split("name=\"session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}
