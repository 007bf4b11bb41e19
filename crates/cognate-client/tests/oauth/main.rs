//! OAuth 2.0 from the client's side, against `cognate serve` (in process) and against an
//! independent provider, oidc-provider from npm (`interop/node/oidc_provider.mjs`):
//! `ClientCredentials` (caching, one request in flight, Basic and body client authentication,
//! scopes, RFC 8707 `resource`, discovery, errors) and `BrowserSignIn` (authorization code with
//! PKCE through Debian's Chromium driven by playwright-core, refresh, userInfo, revocation).
//!
//! The node tests need the interop tools (`bash scripts/install-interop`); a missing tool fails
//! the test.

#![allow(clippy::unwrap_used, missing_docs)]

mod browser;
mod client_credentials;
mod oidc_provider;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use cognate_server::{RunningServer, Server};
use serde_json::{Value, json};

pub const SCOPE_READ: &str = "https://api.shop/read";
pub const SCOPE_WRITE: &str = "https://api.shop/write";
pub const RESOURCE: &str = "https://api.shop";
pub const PASSWORD: &str = "Correct horse 1!";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub async fn call(server: &RunningServer, op: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(server.endpoint_url())
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    assert!(status.is_success(), "{op}: {v}");
    v
}

/// A pool with a domain, a resource server, a machine client (its secret) and a web client
/// whose callback is `callback`.
pub struct Shop {
    pub server: RunningServer,
    pub pool: String,
    pub machine: String,
    pub secret: String,
    pub web: String,
}

impl Shop {
    /// The domain in the path form.
    pub fn domain(&self) -> String {
        format!(
            "{}/{}",
            self.server.endpoint_url().trim_end_matches('/'),
            self.pool
        )
    }

    /// The pool's issuer (its discovery document is under it).
    pub fn issuer(&self) -> String {
        self.domain()
    }
}

pub async fn shop(callback: &str) -> Shop {
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let pool = call(&server, "CreateUserPool", json!({"PoolName": "shop"})).await["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &server,
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": "shop"}),
    )
    .await;
    call(
        &server,
        "CreateResourceServer",
        json!({"UserPoolId": pool, "Identifier": RESOURCE, "Name": "shop api",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"},
                          {"ScopeName": "write", "ScopeDescription": "write"}]}),
    )
    .await;
    let machine = call(
        &server,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "machine", "GenerateSecret": true,
               "AllowedOAuthFlowsUserPoolClient": true,
               "AllowedOAuthFlows": ["client_credentials"],
               "AllowedOAuthScopes": [SCOPE_READ, SCOPE_WRITE]}),
    )
    .await;
    let web = call(
        &server,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "web",
               "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
               "AllowedOAuthFlowsUserPoolClient": true,
               "AllowedOAuthFlows": ["code"],
               "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin", SCOPE_READ],
               "CallbackURLs": [callback],
               "SupportedIdentityProviders": ["COGNITO"]}),
    )
    .await;
    call(
        &server,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "alice",
               "UserAttributes": [{"Name": "email", "Value": "alice@example.com"},
                                  {"Name": "email_verified", "Value": "true"}],
               "MessageAction": "SUPPRESS"}),
    )
    .await;
    call(
        &server,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true}),
    )
    .await;
    let m = &machine["UserPoolClient"];
    Shop {
        pool,
        machine: m["ClientId"].as_str().unwrap().to_owned(),
        secret: m["ClientSecret"].as_str().unwrap().to_owned(),
        web: web["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
        server,
    }
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `node interop/node/{script} {config}`, its stdout and stderr piped.
pub fn node(script: &str, config: &Value) -> tokio::process::Command {
    let dir = repo().join("interop/node");
    assert!(
        dir.join("node_modules/oidc-provider").exists()
            && dir.join("node_modules/playwright-core").exists(),
        "interop/node/node_modules is missing: run `bash scripts/install-interop`"
    );
    let mut cmd = tokio::process::Command::new("node");
    cmd.current_dir(&dir)
        .arg(script)
        .arg(config.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Chromium signs in at `url` and lands on `callback`.
pub async fn browser_sign_in(
    url: &str,
    kind: &str,
    username: &str,
    password: &str,
    callback: &str,
) {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run `bash scripts/install-interop`"
    );
    let config = json!({"url": url, "kind": kind, "username": username, "password": password,
                        "callback": callback});
    let run = node("sign_in_browser.mjs", &config)
        .stdin(Stdio::null())
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), run)
        .await
        .expect("the browser did not finish within 2 minutes")
        .unwrap();
    assert!(
        out.status.success(),
        "the browser sign-in failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}
