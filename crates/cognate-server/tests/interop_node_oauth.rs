//! openid-client, aws-jwt-verify and a real Chromium against a pool's domain:
//! - `interop/node/openid_client.mjs`: openid-client runs authorization code + PKCE (through
//!   the sign-in form), userInfo, refresh and client_credentials; aws-jwt-verify accepts the
//!   access tokens with a `scope` requirement;
//! - `interop/node/browser.mjs`: Debian's Chromium, driven by playwright-core, signs in through
//!   the hosted pages in the host form (`http://{prefix}.auth.localhost:{port}`): a wrong
//!   password first, the session cookie, `/logout`, a TOTP user, a temporary password,
//!   sign-up with the emailed code, a forgotten password, an unregistered redirect URI. Screenshots of the pages go to a temporary directory, or to
//!   `docs/hosted-pages/` with `COGNATE_UPDATE_SCREENSHOTS=1`;
//! - `interop/node/passkeys_browser.mjs`: Chromium with the DevTools protocol's virtual
//!   authenticator adds a passkey after a password sign-in, signs in with it, and meets a
//!   user without one, a bogus signature, a cancelled request and an authenticator that lost
//!   the passkey;
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
    let pool = call(
        server,
        "CreateUserPool",
        json!({"PoolName": "oauth-node", "AutoVerifiedAttributes": ["email"]}),
    )
    .await["UserPool"]["Id"]
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
    let server = common::in_memory(Server::builder())
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
    let server = common::in_memory(Server::builder())
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
    assert_eq!(summary["checks"].as_u64(), Some(9), "{summary}");
    for page in [
        "sign-up",
        "confirm-sign-up",
        "forgot-password",
        "choose-new-password",
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

/// A PostAuthentication handler that keeps its events in the file `EVENTS`, one JSON per line.
const POST_AUTHENTICATION: &str = r#"
import json
def handler(event, context):
    with open(EVENTS, "a") as f:
        f.write(json.dumps(event) + "\n")
    return event
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_adds_a_passkey_and_signs_in_with_it() {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: {}",
        common::INSTALL_HINT
    );
    let handlers = common::temp_dir("passkey-triggers");
    let events = handlers.join("post-authentication.jsonl");
    let handler = handlers.join("post_authentication.py");
    std::fs::write(
        &handler,
        POST_AUTHENTICATION.replace("EVENTS", &format!("{:?}", events.display().to_string())),
    )
    .unwrap();
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .trigger_handler("post-authentication", handler)
        .start()
        .await
        .unwrap();
    let pool = call(
        &server,
        "CreateUserPool",
        json!({"PoolName": "passkeys", "UserPoolTier": "ESSENTIALS",
        "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
        "LambdaConfig": {"PostAuthentication":
            "arn:aws:lambda:us-east-1:123456789012:function:post-authentication"}}),
    )
    .await["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let relying_party = |id: &str| {
        let body = json!({"UserPoolId": pool, "MfaConfiguration": "OFF",
            "WebAuthnConfiguration": {"RelyingPartyId": id, "UserVerification": "preferred"}});
        let endpoint = server.endpoint_url();
        async move { common::idp_call(&endpoint, "SetUserPoolMfaConfig", body).await }
    };
    call(
        &server,
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": "passkey-shop"}),
    )
    .await;
    let web = call(
        &server,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "web",
        "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
        "CallbackURLs": [CALLBACK], "SupportedIdentityProviders": ["COGNITO"]}),
    )
    .await["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    user(&server, &pool, "alice", "Correct horse 1!", true).await;
    user(&server, &pool, "bob", "Correct horse 2!", true).await;
    user(&server, &pool, "carol", "Correct horse 3!", true).await;
    let port = server.local_addr().port();
    let screenshots = screenshots();
    // The browser on http://localhost:PORT (the domain's path form) with the relying party id
    // `localhost`, then on http://passkey-shop.auth.localhost:PORT (the host form) with that
    // name as the id (a browser refuses `localhost` there).
    let host_form = "passkey-shop.auth.localhost";
    for (rp, host, name, password) in [
        (
            "localhost",
            format!("http://localhost:{port}/{pool}"),
            "alice",
            "Correct horse 1!",
        ),
        (
            host_form,
            format!("http://{host_form}:{port}"),
            "carol",
            "Correct horse 3!",
        ),
    ] {
        relying_party(rp).await.unwrap();
        let config = json!({
            "endpoint": server.endpoint_url(), "pool": pool, "web": web,
            "host": host, "rpId": rp, "callback": CALLBACK,
            "alice": {"username": name, "password": password},
            "bob": {"username": "bob", "password": "Correct horse 2!"},
            "screenshots": screenshots,
        });
        let mut cmd = common::node("passkeys_browser.mjs");
        cmd.arg(config.to_string());
        let out = common::run_ok(cmd).await;
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["checks"].as_u64(), Some(6), "{host}: {summary}");
    }
    for page in [
        "add-passkey",
        "sign-in-passkey-offered",
        "sign-in-with-passkey",
    ] {
        assert!(screenshots.join(format!("{page}.png")).exists(), "{page}");
    }
    // bob never registered one; alice and carol have the one each added.
    for (name, has) in [("alice", true), ("carol", true), ("bob", false)] {
        let factors = call(
            &server,
            "AdminGetUserAuthFactors",
            json!({"UserPoolId": pool, "Username": name}),
        )
        .await;
        let found = factors["ConfiguredUserAuthFactors"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x == "WEB_AUTHN"));
        assert_eq!(found, has, "{name}: {factors}");
    }
    // PostAuthentication fired for each sign-in that succeeded (the password, then the
    // passkey), as for a sign-in through the API; never for the refused or cancelled ones.
    let seen: Vec<Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let who: Vec<&str> = seen
        .iter()
        .map(|e| e["userName"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["alice", "alice", "carol", "carol"], "{seen:?}");
    for e in &seen {
        assert_eq!(e["triggerSource"], "PostAuthentication_Authentication");
        assert_eq!(e["callerContext"]["clientId"], web.as_str());
    }
    server.shutdown().await;
}

/// A PreSignUp handler: the first sign-in through a provider gets its email verified.
const PRE_SIGN_UP: &str = r#"
def handler(event, context):
    if event["triggerSource"] == "PreSignUp_ExternalProvider":
        event["response"]["autoVerifyEmail"] = True
    return event
"#;

/// An InboundFederation handler: frank's attributes come from the trigger (its events are
/// kept in the file `EVENTS`, one JSON per line).
const INBOUND_FEDERATION: &str = r#"
import json
def handler(event, context):
    with open(EVENTS, "a") as f:
        f.write(json.dumps(event) + "\n")
    token = event["request"]["attributes"]["idToken"]
    if token["sub"] == "frank":
        event["response"]["userAttributesToMap"] = {
            "email": token["email"], "name": "Frank (via trigger)"}
    return event
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_through_an_oidc_provider() {
    let handlers = common::temp_dir("federation-triggers");
    let pre_sign_up = handlers.join("pre_sign_up.py");
    std::fs::write(&pre_sign_up, PRE_SIGN_UP).unwrap();
    let events = handlers.join("inbound-events.jsonl");
    let inbound = handlers.join("inbound_federation.py");
    std::fs::write(
        &inbound,
        INBOUND_FEDERATION.replace("EVENTS", &format!("{:?}", events.display().to_string())),
    )
    .unwrap();
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .trigger_handler("pre-sign-up", pre_sign_up)
        .trigger_handler("inbound-federation", inbound)
        .start()
        .await
        .unwrap();
    let (pool, web, _, _) = setup(&server, "fed-shop").await;
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:";
    call(
        &server,
        "UpdateUserPool",
        json!({"UserPoolId": pool, "LambdaConfig": {
            "PreSignUp": format!("{arn}pre-sign-up"),
            "InboundFederation": {"LambdaArn": format!("{arn}inbound-federation"),
                                  "LambdaVersion": "V1_0"}}}),
    )
    .await;
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
        "SupportedIdentityProviders": ["COGNITO", "Corp"],
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
    )
    .await;
    let port = server.local_addr().port();
    let screenshots = screenshots();
    let sign_in = |login: &str, expect: Value| {
        let config = json!({
            "endpoint": server.endpoint_url(), "pool": pool, "web": web,
            "host": format!("http://fed-shop.auth.localhost:{port}"), "callback": CALLBACK,
            "idpPort": idp_port, "idpClientId": "cognate", "idpClientSecret": "idp-secret",
            "screenshots": screenshots, "login": login, "expect": expect,
        });
        async move {
            let mut cmd = common::node("federation.mjs");
            cmd.arg(config.to_string());
            let out = common::run_ok(cmd).await;
            // oidc-provider writes notices of its own on stdout: the summary is the last line.
            let stdout = String::from_utf8_lossy(&out.stdout);
            let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
                .unwrap_or_else(|e| panic!("{e}: {stdout}"));
            assert_eq!(summary["checks"].as_u64(), Some(4), "{summary}");
            summary["username"].as_str().unwrap().to_owned()
        }
    };
    let get_user = |name: &'static str| {
        let endpoint = server.endpoint_url();
        let pool = pool.clone();
        async move {
            let user = common::idp_call(
                &endpoint,
                "AdminGetUser",
                json!({"UserPoolId": pool, "Username": name}),
            )
            .await
            .unwrap();
            let attrs: std::collections::HashMap<String, String> = user["UserAttributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["Name"].as_str().unwrap().to_owned(),
                        a["Value"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (user, attrs)
        }
    };

    // The first sign-in of a provider's user makes a federated user; PreSignUp
    // (PreSignUp_ExternalProvider) verified its email.
    let expect_erin =
        json!({"username": "Corp_erin", "email": "erin@corp.example", "name": "Erin Example"});
    assert_eq!(sign_in("erin", expect_erin).await, "Corp_erin");
    let (erin, attrs) = get_user("Corp_erin").await;
    assert_eq!(erin["UserStatus"], "EXTERNAL_PROVIDER");
    assert_eq!(attrs["email_verified"], "true", "{erin}");
    assert!(screenshots.join("sign-in-with-provider.png").exists());

    // AdminLinkProviderForUser: the provider's user frank, who has not signed in yet, signs in
    // as the local user alice from now on.
    user(&server, &pool, "alice", "Correct horse 1!", true).await;
    let corp = |value: &str| {
        json!({"ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject",
               "ProviderAttributeValue": value})
    };
    let alice_dest = json!({"ProviderName": "Cognito", "ProviderAttributeValue": "alice"});
    let link = |source: Value| {
        let endpoint = server.endpoint_url();
        let body = json!({"UserPoolId": pool, "DestinationUser": alice_dest, "SourceUser": source});
        async move { common::idp_call(&endpoint, "AdminLinkProviderForUser", body).await }
    };
    link(corp("frank")).await.unwrap();
    let (type_, message) = link(corp("frank")).await.unwrap_err();
    assert_eq!(
        (type_.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "SourceUser is already linked to DestinationUser"
        )
    );
    // A provider's user who signed in already has a user of their own: no merging.
    let (type_, message) = link(corp("erin")).await.unwrap_err();
    assert_eq!(type_, "InvalidParameterException");
    assert!(
        message.starts_with("Merging is not currently supported"),
        "{message}"
    );
    let (type_, _) = link(
        json!({"ProviderName": "Nobody", "ProviderAttributeName": "Cognito_Subject",
                                 "ProviderAttributeValue": "x"}),
    )
    .await
    .unwrap_err();
    assert_eq!(type_, "ResourceNotFoundException");
    let (_, attrs) = get_user("alice").await;
    assert!(
        attrs["identities"].contains("\"userId\":\"frank\""),
        "{attrs:?}"
    );

    let expect_alice = json!({"username": "alice", "email": "alice@example.com", "name": null});
    assert_eq!(sign_in("frank", expect_alice).await, "alice");
    // No federated user was made for frank.
    let missing = common::idp_call(
        &server.endpoint_url(),
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "Corp_frank"}),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.0, "UserNotFoundException");

    // AdminDisableProviderForUser removes the link: frank's next sign-in makes his own user.
    call(
        &server,
        "AdminDisableProviderForUser",
        json!({"UserPoolId": pool, "User": corp("frank")}),
    )
    .await;
    let (_, attrs) = get_user("alice").await;
    assert!(!attrs.contains_key("identities"), "{attrs:?}");
    // …and InboundFederation chose frank's attributes.
    let expect_frank = json!({"username": "Corp_frank", "email": "frank@corp.example",
                              "name": "Frank (via trigger)"});
    assert_eq!(sign_in("frank", expect_frank).await, "Corp_frank");
    // InboundFederation saw every sign-in through the provider, with what it sent.
    let seen: Vec<Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    let last = &seen[2];
    assert_eq!(last["triggerSource"], "InboundFederation_ExternalProvider");
    assert_eq!(last["userName"], "Corp_frank");
    assert_eq!(last["callerContext"]["clientId"], web.as_str());
    assert_eq!(last["request"]["providerName"], "Corp");
    assert_eq!(last["request"]["providerType"], "OIDC");
    let attributes = &last["request"]["attributes"];
    assert_eq!(attributes["idToken"]["sub"], "frank");
    assert_eq!(attributes["idToken"]["email"], "frank@corp.example");
    assert_eq!(attributes["tokenResponse"]["token_type"], "Bearer");
    assert!(attributes["tokenResponse"]["id_token"].is_string());
    // The provider's userInfo answer, read with its access token (attributes_request_method
    // GET), as Cognito reads it.
    assert_eq!(attributes["userInfo"]["sub"], "frank", "{attributes}");
    assert_eq!(attributes["userInfo"]["email"], "frank@corp.example");
    assert_eq!(attributes["userInfo"]["name"], "Erin Example");

    // For a local user, AdminDisableProviderForUser ends password sign-in.
    let password_login = json!({"UserPoolId": pool, "ClientId": web,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"}});
    call(&server, "AdminInitiateAuth", password_login.clone()).await;
    call(
        &server,
        "AdminDisableProviderForUser",
        json!({"UserPoolId": pool, "User": {"ProviderName": "Cognito",
               "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "alice"}}),
    )
    .await;
    let refused = common::idp_call(&server.endpoint_url(), "AdminInitiateAuth", password_login)
        .await
        .unwrap_err();
    assert_eq!(refused.0, "NotAuthorizedException");
    server.shutdown().await;
}
