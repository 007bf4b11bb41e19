//! openid-client, aws-jwt-verify and a real Chromium against a pool's domain:
//! - `interop/node/openid_client.mjs`: openid-client runs authorization code + PKCE (through
//!   the sign-in form), userInfo, refresh and client_credentials; aws-jwt-verify accepts the
//!   access tokens with a `scope` requirement;
//! - `interop/node/browser.mjs`: Debian's Chromium, driven by playwright-core, signs in through
//!   the hosted pages in the host form (`http://{prefix}.auth.localhost:{port}`): a wrong
//!   password first, the session cookie, `/logout`, a TOTP user, a temporary password, an
//!   unregistered redirect URI. Screenshots of the pages go to a temporary directory, or to
//!   `docs/hosted-pages/` with `COGNATE_UPDATE_SCREENSHOTS=1`;
//! - `interop/node/federation.mjs`: oidc-provider (npm) is the pool's OIDC identity provider;
//!   Chromium signs in through it from the sign-in page and comes back with cognate tokens of
//!   the federated user.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::{IssuerStyle, RunningServer, Server};
use serde_json::{Value, json};

const CALLBACK: &str = "http://localhost:8765/callback";
const LOGOUT: &str = "http://localhost:8765/signed-out";
const SCOPE: &str = "https://api.example/orders.read";

async fn call(server: &RunningServer, op: &str, body: Value) -> Value {
    common::idp_call(&server.endpoint_url(), op, body)
        .await
        .unwrap_or_else(|e| panic!("{op}: {e:?}"))
}

/// A pool with the domain `prefix`, a resource server, a public web client and a machine
/// client; returns (pool, web, machine, machine secret).
async fn setup(server: &RunningServer, prefix: &str) -> (String, String, String, String) {
    let pool = call(server, "CreateUserPool", json!({"PoolName": "oauth-node"})).await["UserPool"]
        ["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        server,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    call(
        server,
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": prefix}),
    )
    .await;
    call(
        server,
        "CreateResourceServer",
        json!({"UserPoolId": pool, "Identifier": "https://api.example",
        "Name": "api", "Scopes": [{"ScopeName": "orders.read", "ScopeDescription": "read"}]}),
    )
    .await;
    let web = call(server, "CreateUserPoolClient", json!({"UserPoolId": pool, "ClientName": "web",
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin", SCOPE],
        "CallbackURLs": [CALLBACK], "LogoutURLs": [LOGOUT], "SupportedIdentityProviders": ["COGNITO"]}))
    .await["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let machine = call(
        server,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "machine",
        "GenerateSecret": true, "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": [SCOPE]}),
    )
    .await;
    let m = &machine["UserPoolClient"];
    (
        pool,
        web,
        m["ClientId"].as_str().unwrap().to_owned(),
        m["ClientSecret"].as_str().unwrap().to_owned(),
    )
}

fn screenshots() -> std::path::PathBuf {
    if std::env::var_os("COGNATE_UPDATE_SCREENSHOTS").is_some() {
        common::repo().join("docs/hosted-pages")
    } else {
        common::temp_dir("screenshots")
    }
}

async fn user(server: &RunningServer, pool: &str, name: &str, password: &str, permanent: bool) {
    call(
        server,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": name,
        "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")},
                           {"Name": "email_verified", "Value": "true"}],
        "MessageAction": "SUPPRESS"}),
    )
    .await;
    call(
        server,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": name,
        "Password": password, "Permanent": permanent}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_and_aws_jwt_verify() {
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .issuer_style(IssuerStyle::Aws)
        .start()
        .await
        .unwrap();
    let (pool, web, machine, secret) = setup(&server, "node-shop").await;
    user(&server, &pool, "alice", "Correct horse 1!", true).await;
    let config = json!({
        "endpoint": server.endpoint_url(), "pool": pool, "web": web, "machine": machine,
        "machineSecret": secret, "callback": CALLBACK, "username": "alice",
        "password": "Correct horse 1!", "customScope": SCOPE,
    });
    let mut cmd = common::node("openid_client.mjs");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64(), Some(6), "{summary}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_through_the_hosted_pages() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: {}",
        common::INSTALL_HINT
    );
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let (pool, web, _, _) = setup(&server, "browser-shop").await;
    user(&server, &pool, "alice", "Correct horse 1!", true).await;
    user(&server, &pool, "carol", "Correct horse 3!", true).await;
    user(&server, &pool, "dave", "Temporary horse 4!", false).await;
    // carol has TOTP: set up with an access token of an API login, verified with the code of
    // the previous 30-second step (the page then takes the current one).
    let login = call(
        &server,
        "AdminInitiateAuth",
        json!({"UserPoolId": pool, "ClientId": web,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "carol", "PASSWORD": "Correct horse 3!"}}),
    )
    .await;
    let access = login["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let assoc = call(
        &server,
        "AssociateSoftwareToken",
        json!({"AccessToken": access}),
    )
    .await;
    let secret_text = assoc["SecretCode"].as_str().unwrap().to_owned();
    let secret = cognate_totp::TotpSecret::from_base32(&secret_text).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    call(
        &server,
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": secret.code_at(now - 30)}),
    )
    .await;
    call(
        &server,
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "carol",
        "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;

    let screenshots = screenshots();
    let port = server.local_addr().port();
    let config = json!({
        "endpoint": server.endpoint_url(), "pool": pool, "web": web,
        "host": format!("http://browser-shop.auth.localhost:{port}"),
        "callback": CALLBACK, "logoutUri": LOGOUT,
        "alice": {"username": "alice", "password": "Correct horse 1!"},
        "carol": {"username": "carol", "password": "Correct horse 3!", "totpSecret": secret_text},
        "dave": {"username": "dave", "temporaryPassword": "Temporary horse 4!", "newPassword": "Brand new horse 4!"},
        "screenshots": screenshots,
    });
    let mut cmd = common::node("browser.mjs");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"].as_u64(), Some(7), "{summary}");
    for page in [
        "sign-in",
        "sign-in-wrong-password",
        "totp",
        "new-password",
        "error",
        "signed-out",
    ] {
        assert!(
            screenshots.join(format!("{page}.png")).exists(),
            "no screenshot of {page}"
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_through_an_oidc_provider() {
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let (pool, web, _, _) = setup(&server, "fed-shop").await;
    // A free port for oidc-provider (bound and released here; the script listens on it).
    let idp_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    call(
        &server,
        "CreateIdentityProvider",
        json!({"UserPoolId": pool, "ProviderName": "Corp",
        "ProviderType": "OIDC",
        "ProviderDetails": {"client_id": "cognate", "client_secret": "idp-secret",
            "authorize_scopes": "openid email profile", "attributes_request_method": "GET",
            "oidc_issuer": format!("http://localhost:{idp_port}")},
        "AttributeMapping": {"email": "email", "name": "name"}}),
    )
    .await;
    call(
        &server,
        "UpdateUserPoolClient",
        json!({"UserPoolId": pool, "ClientId": web,
        "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "profile"], "CallbackURLs": [CALLBACK],
        "SupportedIdentityProviders": ["COGNITO", "Corp"]}),
    )
    .await;
    let port = server.local_addr().port();
    let screenshots = screenshots();
    let config = json!({
        "endpoint": server.endpoint_url(), "pool": pool, "web": web,
        "host": format!("http://fed-shop.auth.localhost:{port}"), "callback": CALLBACK,
        "idpPort": idp_port, "idpClientId": "cognate", "idpClientSecret": "idp-secret",
        "screenshots": screenshots,
    });
    let mut cmd = common::node("federation.mjs");
    cmd.arg(config.to_string());
    let out = common::run_ok(cmd).await;
    // oidc-provider writes notices of its own on stdout: the summary is the last line.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(summary["checks"].as_u64(), Some(4), "{summary}");
    let user = call(
        &server,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "Corp_erin"}),
    )
    .await;
    assert_eq!(user["UserStatus"], "EXTERNAL_PROVIDER");
    assert!(screenshots.join("sign-in-with-provider.png").exists());
    server.shutdown().await;
}
