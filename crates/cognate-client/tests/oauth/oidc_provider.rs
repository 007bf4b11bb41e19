//! `ClientCredentials` and `BrowserSignIn` against oidc-provider (npm): an independent
//! provider, reached through its discovery document.

use cognate_client::{BrowserSignIn, ClientAuth, ClientCredentials};
use serde_json::json;
use tokio::io::AsyncBufReadExt as _;

use super::*;

struct Provider {
    _child: tokio::process::Child,
    // Kept open: the provider must not write into a closed pipe.
    _stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    issuer: String,
}

async fn provider(callback: &str) -> Provider {
    let port = free_port();
    let config = json!({"port": port, "machine": "machine-1", "machineSecret": "machine-secret-1",
                        "web": "web-1", "callback": callback});
    let mut child = node("oidc_provider.mjs", &config)
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("oidc-provider did not start")
        .unwrap()
        .expect("oidc-provider exited");
    let issuer = serde_json::from_str::<Value>(&line).unwrap()["issuer"]
        .as_str()
        .unwrap()
        .to_owned();
    Provider {
        _child: child,
        _stdout: lines,
        issuer,
    }
}

async fn token_requests(p: &Provider) -> u64 {
    reqwest::get(format!("{}/test/token-requests", p.issuer))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["count"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_at_oidc_provider() {
    let p = provider("http://127.0.0.1:1/callback").await;
    // Basic authentication, opaque token, one request for many tasks.
    let source = ClientCredentials::builder("machine-1", "machine-secret-1")
        .issuer(&p.issuer)
        .scopes(["api:read"])
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.access_token().await.unwrap() }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(source.request_count(), 1);
    assert_eq!(token_requests(&p).await, 1);
    // Body authentication, and RFC 8707: a JWT access token for the resource.
    let post = ClientCredentials::builder("machine-1-post", "machine-secret-1")
        .issuer(&p.issuer)
        .client_auth(ClientAuth::Body)
        .scopes(["api:read", "api:write"])
        .resource("https://api.example.test")
        .build()
        .unwrap();
    let token = post.token().await.unwrap();
    let c = claims(token.access_token());
    assert_eq!(c["aud"], "https://api.example.test");
    assert_eq!(c["client_id"], "machine-1-post");
    assert_eq!(c["scope"], "api:read api:write");
    assert!(token.lifetime_secs() > 0);
    // A wrong secret.
    let wrong = ClientCredentials::builder("machine-1", "nope")
        .issuer(&p.issuer)
        .build()
        .unwrap();
    assert_eq!(
        wrong.access_token().await.unwrap_err().oauth_error(),
        Some("invalid_client")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_at_oidc_provider() {
    let port = free_port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    let p = provider(&callback).await;
    let sign_in = BrowserSignIn::builder("web-1")
        .issuer(&p.issuer)
        .redirect_port(port)
        .scopes(["openid", "email", "offline_access"])
        .build()
        .await
        .unwrap();
    let pending = sign_in.start().await.unwrap();
    let url = pending.authorize_url().to_owned();
    let waiting = tokio::spawn(pending.finish());
    browser_sign_in(&url, "oidc-provider", "erin", "anything", &callback).await;
    let tokens = waiting.await.unwrap().unwrap();
    let id = claims(tokens.id_token().unwrap());
    assert_eq!(id["sub"], "erin");
    assert_eq!(id["iss"], p.issuer.as_str());
    let info = sign_in.user_info(tokens.access_token()).await.unwrap();
    assert_eq!(info["email"], "erin@example.test");
    let refresh = tokens
        .refresh_token()
        .expect("a refresh token")
        .expose_secret()
        .to_owned();
    let again = sign_in.refresh(&refresh).await.unwrap();
    assert!(again.id_token().is_some());
    let rotated = again.refresh_token().unwrap().expose_secret().to_owned();
    sign_in.revoke(&rotated).await.unwrap();
    assert_eq!(
        sign_in.refresh(&rotated).await.unwrap_err().oauth_error(),
        Some("invalid_grant")
    );
}
