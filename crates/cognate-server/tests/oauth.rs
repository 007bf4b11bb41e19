//! The OAuth 2.0 / OpenID Connect side on the wire: user-pool domains and resource servers,
//! the app clients' OAuth settings, and the domain's endpoints (token, authorize, the sign-in
//! pages, userInfo, revoke, logout) in both the host form and the path form.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognate_server::{ManualClock, RunningServer, Seed, Server};
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
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Env {
    server: RunningServer,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
}

async fn start() -> Env {
    let clock = Arc::new(ManualClock::new(1_750_000_000));
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .clock(clock.clone())
        .seed_data(Seed::from_toml(SEED).unwrap())
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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

#[tokio::test]
async fn domains_and_resource_servers_are_managed_as_cognito_manages_them() {
    let env = start().await;
    let (kind, msg) = env
        .error(
            "CreateUserPoolDomain",
            json!({"UserPoolId": POOL, "Domain": "my-cognito-app"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert!(msg.contains("reserved word"), "{msg}");
    env.ok(
        "CreateUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop"}),
    )
    .await;
    let (kind, msg) = env
        .error(
            "CreateUserPoolDomain",
            json!({"UserPoolId": POOL, "Domain": "shop2"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert!(msg.contains("already has a domain"), "{msg}");
    let pool = env
        .ok("DescribeUserPool", json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(pool["UserPool"]["Domain"], "shop");
    let (kind, msg) = env
        .error("DeleteUserPool", json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        msg,
        "User pool cannot be deleted. It has a domain configured that should be deleted first."
    );
    let d = env
        .ok("DescribeUserPoolDomain", json!({"Domain": "shop"}))
        .await;
    let d = &d["DomainDescription"];
    assert_eq!(d["UserPoolId"], POOL);
    assert_eq!(d["Domain"], "shop");
    assert_eq!(d["Status"], "ACTIVE");
    let host = format!("shop.auth.localhost:{}", env.server.local_addr().port());
    assert_eq!(d["CloudFrontDistribution"], host.as_str());
    // An unknown domain is an empty description, as Cognito answers.
    let none = env
        .ok("DescribeUserPoolDomain", json!({"Domain": "nowhere"}))
        .await;
    assert_eq!(none["DomainDescription"], json!({}));
    env.ok(
        "UpdateUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop", "ManagedLoginVersion": 2}),
    )
    .await;
    let d = env
        .ok("DescribeUserPoolDomain", json!({"Domain": "shop"}))
        .await;
    assert_eq!(d["DomainDescription"]["ManagedLoginVersion"], 2);
    env.ok(
        "DeleteUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop"}),
    )
    .await;
    let (kind, _) = env
        .error(
            "DeleteUserPoolDomain",
            json!({"UserPoolId": POOL, "Domain": "shop"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");

    // Resource servers.
    let rs = env
        .ok(
            "CreateResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "api",
                   "Scopes": [{"ScopeName": "read", "ScopeDescription": "r"}]}),
        )
        .await;
    assert_eq!(rs["ResourceServer"]["Scopes"][0]["ScopeName"], "read");
    let (kind, _) = env
        .error(
            "CreateResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "again"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    env.ok(
        "UpdateResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "api2",
               "Scopes": [{"ScopeName": "write", "ScopeDescription": "w"}]}),
    )
    .await;
    let d = env
        .ok(
            "DescribeResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop"}),
        )
        .await;
    assert_eq!(d["ResourceServer"]["Name"], "api2");
    assert_eq!(d["ResourceServer"]["Scopes"][0]["ScopeName"], "write");
    let list = env
        .ok(
            "ListResourceServers",
            json!({"UserPoolId": POOL, "MaxResults": 10}),
        )
        .await;
    assert_eq!(list["ResourceServers"].as_array().unwrap().len(), 1);
    env.ok(
        "DeleteResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "https://api.shop"}),
    )
    .await;
    let (kind, _) = env
        .error(
            "DescribeResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop"}),
        )
        .await;
    assert_eq!(kind, "ResourceNotFoundException");
}

#[tokio::test]
async fn app_client_oauth_settings_are_checked_as_cognito_checks_them() {
    let env = start().await;
    env.ok(
        "CreateResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "api", "Name": "api",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "r"}]}),
    )
    .await;
    let base =
        json!({"UserPoolId": POOL, "ClientName": "c", "AllowedOAuthFlowsUserPoolClient": true});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                        "CallbackURLs": ["http://app.example.com/cb"]}),
            ),
            "InvalidParameterException",
            "HTTPS",
        ),
        (
            with(json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"]})),
            "InvalidOAuthFlowException",
            "CallbackUrls can not be empty",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"]}),
            ),
            "InvalidOAuthFlowException",
            "does not have a client secret",
        ),
        (
            with(
                json!({"GenerateSecret": true, "AllowedOAuthFlows": ["client_credentials", "code"],
                        "AllowedOAuthScopes": ["api/read"], "CallbackURLs": ["https://a/cb"]}),
            ),
            "InvalidOAuthFlowException",
            "along with code flow",
        ),
        (
            with(
                json!({"GenerateSecret": true, "AllowedOAuthFlows": ["client_credentials"],
                        "AllowedOAuthScopes": ["openid"]}),
            ),
            "InvalidOAuthFlowException",
            "openid is not supported with client_credentials flow",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["api/delete"],
                        "CallbackURLs": ["https://a/cb"]}),
            ),
            "ScopeDoesNotExistException",
            "Invalid scope requested: api/delete",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                        "CallbackURLs": ["https://a/cb"], "DefaultRedirectURI": "https://b/cb"}),
            ),
            "InvalidParameterException",
            "DefaultRedirectURI",
        ),
        (
            with(json!({"AllowedOAuthScopes": ["openid"]})),
            "InvalidParameterException",
            "AllowedOAuthFlows and AllowedOAuthScopes are required",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                        "CallbackURLs": ["https://a/cb"], "SupportedIdentityProviders": ["Google"]}),
            ),
            "InvalidParameterException",
            "The provider Google does not exist",
        ),
    ];
    for (body, kind, message) in cases {
        let (k, m) = env.error("CreateUserPoolClient", body.clone()).await;
        assert_eq!(k, kind, "{body}: {m}");
        assert!(m.contains(message), "{body}: {m}");
    }
    // http://localhost is allowed; the settings are echoed.
    let ok = env
        .ok(
            "CreateUserPoolClient",
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "api/read"],
                        "CallbackURLs": ["http://localhost:8080/cb", "myapp://cb"],
                        "DefaultRedirectURI": "myapp://cb"}),
            ),
        )
        .await;
    assert_eq!(
        ok["UserPoolClient"]["AllowedOAuthFlowsUserPoolClient"],
        true
    );
    assert_eq!(
        ok["UserPoolClient"]["AllowedOAuthScopes"],
        json!(["openid", "api/read"])
    );
    // UpdateUserPoolClient checks the same.
    let id = ok["UserPoolClient"]["ClientId"].as_str().unwrap();
    let (k, _) = env
        .error(
            "UpdateUserPoolClient",
            json!({"UserPoolId": POOL, "ClientId": id, "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid"],
                   "CallbackURLs": ["http://evil.example/cb"]}),
        )
        .await;
    assert_eq!(k, "InvalidParameterException");
}

#[tokio::test]
async fn discovery_names_endpoints_that_answer() {
    let env = start().await;
    let doc_url = format!(
        "{}/{POOL}/.well-known/openid-configuration",
        env.server.endpoint_url()
    );
    // No domain: no OAuth endpoints named, and the domain's paths say why they are not there.
    let doc: Value = env
        .http
        .get(&doc_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc.get("token_endpoint").is_none());
    let resp = env
        .http
        .post(env.url("/oauth2/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    setup(&env).await;
    let doc: Value = env
        .http
        .get(&doc_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ] {
        let url = doc[key].as_str().unwrap();
        assert!(url.starts_with(&env.url("/")), "{key}: {url}");
        let get = env.http.get(url).send().await.unwrap().status().as_u16();
        let post = env.http.post(url).send().await.unwrap().status().as_u16();
        assert!(
            get != 404 || post != 404,
            "{key} {url} answers 404 to GET and POST"
        );
    }
}

#[tokio::test]
async fn client_credentials_tokens_and_errors() {
    let env = start().await;
    let s = setup(&env).await;
    let cc = [("grant_type", "client_credentials")];
    // Basic authentication, host form; no scope asked: every custom scope allowed.
    let (status, body) = env
        .token_at(
            &env.host_url("/oauth2/token"),
            Some((&s.machine, &s.machine_secret)),
            &cc,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], s.machine.as_str());
    assert_eq!(c["client_id"], s.machine.as_str());
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["scope"], "https://api.shop/read https://api.shop/write");
    assert!(c.get("username").is_none());
    // Body authentication, path form, one scope.
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.machine),
                ("client_secret", &s.machine_secret),
                ("scope", "https://api.shop/write"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&access)["scope"], "https://api.shop/write");
    // Such a token is no user's: the user-level API refuses it.
    let (kind, msg) = env.error("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(kind, "NotAuthorizedException");
    assert_eq!(msg, "Access Token does not have required scopes");

    let auth = Some((s.machine.as_str(), s.machine_secret.as_str()));
    /// (Basic credentials, form, status, `error`).
    type Case<'a> = (
        Option<(&'a str, &'a str)>,
        Vec<(&'a str, &'a str)>,
        u16,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (auth, vec![], 400, "invalid_request"),
        (
            auth,
            vec![("grant_type", "password")],
            400,
            "unsupported_grant_type",
        ),
        (
            Some((s.machine.as_str(), "wrong")),
            cc.to_vec(),
            401,
            "invalid_client",
        ),
        (
            Some(("nosuchclient", "x")),
            cc.to_vec(),
            401,
            "invalid_client",
        ),
        (None, cc.to_vec(), 401, "invalid_client"),
        (
            auth,
            vec![("grant_type", "client_credentials"), ("scope", "openid")],
            400,
            "invalid_scope",
        ),
        (
            auth,
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "https://api.shop/admin"),
            ],
            400,
            "invalid_scope",
        ),
        (
            Some((s.web.as_str(), "")),
            cc.to_vec(),
            400,
            "unauthorized_client",
        ),
        (
            auth,
            vec![
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            400,
            "invalid_request",
        ),
    ];
    for (basic, form, status, error) in cases {
        let (st, body) = env.token(basic, &form).await;
        assert_eq!(
            (st, body["error"].as_str().unwrap()),
            (status, error),
            "{form:?}"
        );
    }
    // Not a form.
    let resp = env
        .http
        .post(env.url("/oauth2/token"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
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
    env.http
        .post(&login_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(&[("username", username), ("password", password)]))
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

#[tokio::test]
async fn authorization_code_with_pkce_through_the_sign_in_page() {
    let env = start().await;
    let s = setup(&env).await;
    let scope = "openid email aws.cognito.signin.user.admin https://api.shop/read";
    let url = authorize_url(&env, &s.web, &[("scope", scope)]);
    // A wrong password: the page again, with Cognito's message.
    let resp = sign_in(&env, &url, "alice", "wrong").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Incorrect username or password.")
    );
    // The right one: back to the app with a code and the state, and a session cookie.
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-1"));
    let code = query_param(&location, "code").unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.starts_with("cognito="),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let exchange = |code: String, verifier: &'static str, redirect: &'static str| {
        let web = s.web.clone();
        let env = &env;
        async move {
            env.token(
                None,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &web),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    let (status, tokens) = exchange(code.clone(), VERIFIER, CALLBACK).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], s.web.as_str());
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["auth_time"], 1_750_000_000);
    let digest = Sha256::digest(access.as_bytes());
    assert_eq!(
        id["at_hash"],
        URL_SAFE_NO_PAD.encode(&digest[..16]).as_str()
    );
    let ac = claims(&access);
    assert_eq!(ac["scope"], scope);
    assert_eq!(ac["username"], "alice");
    // With aws.cognito.signin.user.admin the user-level API takes the token.
    let user = env.ok("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(user["Username"], "alice");
    // userInfo: the email scope's attributes.
    let info: Value = env
        .http
        .get(env.host_url("/oauth2/userInfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["username"], "alice");
    // The code is spent.
    let (status, body) = exchange(code, VERIFIER, CALLBACK).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A second authorization request skips the page while the session lasts.
    let again = env
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 302);
    let location = again.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    // A wrong verifier, then a wrong redirect URI: refused (and each code spent).
    let code = query_param(&location, "code").unwrap();
    let (status, body) = exchange(
        code,
        "xBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        CALLBACK,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let location = env
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = query_param(&location, "code").unwrap();
    let (status, body) = exchange(code, VERIFIER, "http://localhost:3000/other").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // A code outlives its five minutes only by a test's mistake.
    let location = env
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = query_param(&location, "code").unwrap();
    env.clock.advance(301);
    let (status, body) = exchange(code, VERIFIER, CALLBACK).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Refresh: the same scopes; a foreign client cannot use the token.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scope"],
        scope
    );
    assert!(body.get("refresh_token").is_none());
    assert!(
        claims(body["id_token"].as_str().unwrap())
            .get("nonce")
            .is_none()
    );
    let (status, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Logout ends the session: the next request meets the page again.
    let out = env
        .http
        .get(format!(
            "{}?client_id={}&logout_uri=http%3A%2F%2Flocalhost%3A3000%2Fbye",
            env.url("/logout"),
            s.web
        ))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 302);
    assert_eq!(out.headers()["location"], "http://localhost:3000/bye");
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // An unregistered logout_uri is an error page, never a redirect.
    let bad = env
        .http
        .get(format!(
            "{}?client_id={}&logout_uri=https%3A%2F%2Fevil.example",
            env.url("/logout"),
            s.web
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.headers().get("location").is_none());

    // Revoke, then the refresh token is dead.
    let resp = env
        .http
        .post(env.url("/oauth2/revoke"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(&[("token", &refresh), ("client_id", &s.web)]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn authorize_errors_are_pages_or_redirects_where_cognito_does_each() {
    let env = start().await;
    let s = setup(&env).await;
    // An unregistered redirect URI: an error page, never a redirect to it.
    let url = format!(
        "{}?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        env.url("/oauth2/authorize"),
        s.web
    );
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("location").is_none());
    // An unknown client: an error page.
    let resp = env
        .http
        .get(format!(
            "{}?response_type=code&client_id=nope&redirect_uri=x",
            env.url("/oauth2/authorize")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("location").is_none());
    // The rest go back to the registered redirect URI with the state.
    for (extra, error) in [
        (
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            vec![("response_type", "code"), ("scope", "phone")],
            "invalid_scope",
        ),
        (
            vec![
                ("response_type", "code"),
                ("code_challenge_method", "S512"),
                ("code_challenge", "x"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("prompt", "none")],
            "login_required",
        ),
    ] {
        let mut pairs = vec![
            ("client_id", s.web.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "zz"),
        ];
        pairs.extend(extra);
        let resp = env
            .http
            .get(format!(
                "{}?{}",
                env.url("/oauth2/authorize"),
                encode(&pairs)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 302, "{error}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(CALLBACK), "{location}");
        assert_eq!(query_param(location, "error").as_deref(), Some(error));
        assert_eq!(query_param(location, "state").as_deref(), Some("zz"));
    }
}

#[tokio::test]
async fn implicit_tokens_and_a_disabled_user() {
    let env = start().await;
    let s = setup(&env).await;
    let url = format!(
        "{}?{}",
        env.url("/oauth2/authorize"),
        encode(&[
            ("response_type", "token"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            ("nonce", "nn")
        ])
    );
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
    let access = query_param(&location, "access_token").unwrap();
    assert_eq!(claims(&access)["scope"], "openid");
    let id = claims(&query_param(&location, "id_token").unwrap());
    assert_eq!(id["nonce"], "nn");
    // Without aws.cognito.signin.user.admin the user-level API refuses the token.
    let (kind, msg) = env.error("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(
        (kind.as_str(), msg.as_str()),
        (
            "NotAuthorizedException",
            "Access Token does not have required scopes"
        )
    );

    // A code issued before the user was disabled is refused after.
    let code_url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let resp = sign_in(&env, &code_url, "alice", "Correct horse 1!").await;
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    env.ok(
        "AdminDisableUser",
        json!({"UserPoolId": POOL, "Username": "alice"}),
    )
    .await;
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &s.web),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // And the sign-in page says so.
    let resp = sign_in(&env, &code_url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("User is disabled."));
}

#[tokio::test]
async fn new_password_and_totp_through_the_sign_in_page() {
    let env = start().await;
    let s = setup(&env).await;
    env.ok(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "TemporaryPassword": "Temp pass 1!",
               "MessageAction": "SUPPRESS"}),
    )
    .await;
    let url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let resp = sign_in(&env, &url, "bob", "Temp pass 1!").await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("NEW_PASSWORD_REQUIRED"), "{html}");
    let session = html
        .split("name=\"session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#39;", "'");
    let login_url = format!("{}?{}", env.url("/login"), url.split_once('?').unwrap().1);
    let resp = env
        .http
        .post(&login_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(&[
            ("challenge", "NEW_PASSWORD_REQUIRED"),
            ("session", &session),
            ("username", "bob"),
            ("answer", "New pass word 2!"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert!(query_param(resp.headers()["location"].to_str().unwrap(), "code").is_some());

    // TOTP: set up through the API with an access token of the code flow (it has
    // aws.cognito.signin.user.admin), then the page asks for a code.
    env.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OPTIONAL",
               "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    let admin_url = authorize_url(
        &env,
        &s.web,
        &[
            ("scope", "openid aws.cognito.signin.user.admin"),
            ("prompt", "login"),
        ],
    );
    let resp = sign_in(&env, &admin_url, "bob", "New pass word 2!").await;
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    let (_, tokens) = env
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &s.web),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let assoc = env
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    let secret =
        cognate_totp::TotpSecret::from_base32(assoc["SecretCode"].as_str().unwrap()).unwrap();
    let t0 = env_now(&env);
    env.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": secret.code_at(t0)}),
    )
    .await;
    env.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access,
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    env.clock.advance(60);
    let resp = sign_in(&env, &admin_url, "bob", "New pass word 2!").await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("SOFTWARE_TOKEN_MFA"), "{html}");
    let session = html
        .split("name=\"session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let answer = |code: String| {
        let session = session.clone();
        let login_url = format!(
            "{}?{}",
            env.url("/login"),
            admin_url.split_once('?').unwrap().1
        );
        let env = &env;
        async move {
            env.http
                .post(&login_url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(encode(&[
                    ("challenge", "SOFTWARE_TOKEN_MFA"),
                    ("session", &session),
                    ("username", "bob"),
                    ("answer", &code),
                ]))
                .send()
                .await
                .unwrap()
        }
    };
    // A wrong code keeps the page, with Cognito's message; the right one signs in.
    let wrong = answer("000000".into()).await;
    assert_eq!(wrong.status().as_u16(), 200);
    assert!(wrong.text().await.unwrap().contains("Invalid code"));
    let right = answer(secret.code_at(env_now(&env))).await;
    assert_eq!(right.status().as_u16(), 302);
    assert!(query_param(right.headers()["location"].to_str().unwrap(), "code").is_some());
}

fn env_now(env: &Env) -> u64 {
    use cognate_server::Clock;
    env.clock.now() as u64
}

#[tokio::test]
async fn identity_provider_records() {
    let env = start().await;
    let s = setup(&env).await;
    let details = json!({"client_id": "ext", "client_secret": "s", "authorize_scopes": "openid email",
                         "attributes_request_method": "GET", "oidc_issuer": "http://127.0.0.1:1"});
    let (kind, msg) = env
        .error(
            "CreateIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC",
                   "ProviderDetails": {"client_id": "ext"}}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert!(msg.contains("authorize_scopes"), "{msg}");
    let created = env
        .ok(
            "CreateIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC",
                   "ProviderDetails": details, "AttributeMapping": {"email": "email"},
                   "IdpIdentifiers": ["corp.example"]}),
        )
        .await;
    assert_eq!(created["IdentityProvider"]["ProviderType"], "OIDC");
    let (kind, _) = env
        .error(
            "CreateIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC",
                   "ProviderDetails": details}),
        )
        .await;
    assert_eq!(kind, "DuplicateProviderException");
    let by_id = env
        .ok(
            "GetIdentityProviderByIdentifier",
            json!({"UserPoolId": POOL, "IdpIdentifier": "corp.example"}),
        )
        .await;
    assert_eq!(by_id["IdentityProvider"]["ProviderName"], "Corp");
    let list = env
        .ok("ListIdentityProviders", json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(list["Providers"][0]["ProviderName"], "Corp");
    env.ok(
        "UpdateIdentityProvider",
        json!({"UserPoolId": POOL, "ProviderName": "Corp", "AttributeMapping": {"name": "name"}}),
    )
    .await;
    let d = env
        .ok(
            "DescribeIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp"}),
        )
        .await;
    assert_eq!(
        d["IdentityProvider"]["AttributeMapping"],
        json!({"name": "name"})
    );
    // An app client may now name it.
    env.ok(
        "UpdateUserPoolClient",
        json!({"UserPoolId": POOL, "ClientId": s.web, "AllowedOAuthFlowsUserPoolClient": true,
               "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
               "CallbackURLs": [CALLBACK], "SupportedIdentityProviders": ["COGNITO", "Corp"]}),
    )
    .await;
    // The sign-in page offers it; a provider that cannot be reached is an error page that
    // says so (502), never a redirect to the app.
    let login = format!(
        "{}?{}",
        env.url("/login"),
        encode(&[
            ("response_type", "code"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK)
        ])
    );
    let page = env
        .http
        .get(&login)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign in with Corp"), "{page}");
    let url = format!(
        "{}?{}",
        env.url("/oauth2/authorize"),
        encode(&[
            ("response_type", "code"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK),
            ("identity_provider", "Corp")
        ])
    );
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("discovery document"));
    // An unknown idp_identifier goes back to the app.
    let url = format!(
        "{}?{}",
        env.url("/oauth2/authorize"),
        encode(&[
            ("response_type", "code"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK),
            ("idp_identifier", "nobody.example"),
            ("state", "q")
        ])
    );
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_request")
    );
    // /oauth2/idpresponse with a state this server did not send: an error page.
    let resp = env
        .http
        .get(format!(
            "{}?code=x&state=forged",
            env.url("/oauth2/idpresponse")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("location").is_none());
    env.ok(
        "DeleteIdentityProvider",
        json!({"UserPoolId": POOL, "ProviderName": "Corp"}),
    )
    .await;
    let (kind, _) = env
        .error(
            "DescribeIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp"}),
        )
        .await;
    assert_eq!(kind, "ResourceNotFoundException");
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

#[tokio::test]
async fn a_choice_of_factors_then_an_emailed_code_through_the_sign_in_page() {
    let env = start().await;
    let s = setup(&env).await;
    env.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OPTIONAL",
               "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sns"}},
               "EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"}}),
    )
    .await;
    env.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": POOL, "Username": "alice",
               "UserAttributes": [{"Name": "phone_number", "Value": "+15555551234"}]}),
    )
    .await;
    env.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL, "Username": "alice",
               "SMSMfaSettings": {"Enabled": true}, "EmailMfaSettings": {"Enabled": true}}),
    )
    .await;
    let url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("value=\"SELECT_MFA_TYPE\""), "{html}");
    assert!(
        html.contains("<legend") && html.contains("value=\"EMAIL_OTP\""),
        "{html}"
    );
    let login_url = format!("{}?{}", env.url("/login"), url.split_once('?').unwrap().1);
    let post = |fields: Vec<(&'static str, String)>| {
        let env = &env;
        let login_url = login_url.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            env.http
                .post(&login_url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(encode(&pairs))
                .send()
                .await
                .unwrap()
        }
    };
    let resp = post(vec![
        ("challenge", "SELECT_MFA_TYPE".into()),
        ("session", session_field(&html)),
        ("username", "alice".into()),
        ("answer", "EMAIL_OTP".into()),
    ])
    .await;
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("value=\"EMAIL_OTP\"") && html.contains("a***@e"),
        "{html}"
    );
    let outbox: Value = env
        .http
        .get(format!(
            "{}/_cognate/outbox?pool={POOL}&username=alice&purpose=EMAIL_OTP",
            env.server.endpoint_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"].as_array().unwrap().last().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = post(vec![
        ("challenge", "EMAIL_OTP".into()),
        ("session", session_field(&html)),
        ("username", "alice".into()),
        ("answer", code),
    ])
    .await;
    assert_eq!(resp.status().as_u16(), 302);
    assert!(query_param(resp.headers()["location"].to_str().unwrap(), "code").is_some());
}

#[tokio::test]
async fn resource_indicators_bind_access_tokens_to_a_resource_server() {
    let env = start().await;
    let s = setup(&env).await;
    // client_credentials with `resource`: the access token's aud.
    let (status, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://api.shop"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["aud"],
        "https://api.shop"
    );
    let (status, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://elsewhere"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );
    // Without it, no aud (as Cognito's access tokens).
    let (_, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert!(
        claims(body["access_token"].as_str().unwrap())
            .get("aud")
            .is_none()
    );

    // The code flow: bound at authorize, kept by the code and by refresh.
    let url = authorize_url(
        &env,
        &s.web,
        &[("scope", "openid"), ("resource", "https://api.shop")],
    );
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    let (status, tokens) = env
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &s.web),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        claims(tokens["access_token"].as_str().unwrap())["aud"],
        "https://api.shop"
    );
    let (_, refreshed) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["aud"],
        "https://api.shop"
    );
    // An unknown resource at authorize goes back to the app as invalid_target.
    let resp = env
        .http
        .get(authorize_url(
            &env,
            &s.web,
            &[("resource", "https://elsewhere")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_target")
    );
}
