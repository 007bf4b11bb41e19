#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! Machine-to-machine profiles and the browser sign-in, end to end with the `cognate` binary:
//! - against `cognate serve` (in this process): `configure --client-credentials`, `token`
//!   (cached in the 0600 file; a second run within the token's life makes no request — the
//!   server mints a new `jti` per request, so the same token proves it; 20 concurrent runs on
//!   an expired token make one request), `whoami`, `auth status`, `curl` to an API behind
//!   cognate-verify, `logout`; and `login --no-browser` with Debian's Chromium (playwright-core) signing in on
//!   the hosted page, then `token` and `logout` (revoked at /oauth2/revoke);
//! - against oidc-provider (npm), which counts its token requests.
//!
//! Needs the interop tools (`bash scripts/install-interop`).

use std::path::Path;
use std::process::Stdio;
use std::sync::OnceLock;

use serde_json::{Value, json};

mod support;
use support::oidc_provider::{Provider, browser_login};
use support::{Home, free_port, mode, repo, text};

const SCOPE_READ: &str = "https://api.shop/read";
const PASSWORD: &str = "Correct horse 1!";
const PORT_FILE_HINT: &str = "run `bash scripts/install-interop`";

/// A runtime kept for the whole test binary (servers live on it).
fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

struct Shop {
    endpoint: String,
    pool: String,
    machine: String,
    secret: String,
    web: String,
}

impl Shop {
    fn domain(&self) -> String {
        format!("{}/{}", self.endpoint.trim_end_matches('/'), self.pool)
    }
}

fn call(endpoint: &str, op: &str, body: Value) -> Value {
    rt().block_on(async {
        let resp = reqwest::Client::new()
            .post(endpoint)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let ok = resp.status().is_success();
        let v: Value = resp.json().await.unwrap();
        assert!(ok, "{op}: {v}");
        v
    })
}

/// A `cognate serve` with a pool, a domain, a resource server, a machine client and a web
/// client whose callback is `callback`.
fn shop(callback: &str) -> Shop {
    let endpoint = rt().block_on(async {
        let server = cognate_server::Server::builder()
            .in_memory()
            .bind("127.0.0.1:0")
            .start()
            .await
            .unwrap();
        let url = server.endpoint_url();
        // Kept running for the rest of the test binary.
        std::mem::forget(server);
        url
    });
    let pool = call(&endpoint, "CreateUserPool", json!({"PoolName": "shop"}))["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &endpoint,
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": "shop"}),
    );
    call(
        &endpoint,
        "CreateResourceServer",
        json!({"UserPoolId": pool, "Identifier": "https://api.shop", "Name": "api",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]}),
    );
    let machine = call(
        &endpoint,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "machine", "GenerateSecret": true,
               "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["client_credentials"],
               "AllowedOAuthScopes": [SCOPE_READ]}),
    );
    let web = call(
        &endpoint,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "web",
               "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
               "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
               "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
               "CallbackURLs": [callback], "SupportedIdentityProviders": ["COGNITO"]}),
    );
    call(
        &endpoint,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}),
    );
    call(
        &endpoint,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true}),
    );
    Shop {
        endpoint,
        pool,
        machine: machine["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
        secret: machine["UserPoolClient"]["ClientSecret"]
            .as_str()
            .unwrap()
            .to_owned(),
        web: web["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.trim().split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn m2m_profile_token_whoami_curl_logout() {
    let shop = shop("http://localhost:3000/callback");
    let home = Home::unconfigured();
    let out = home.run(
        &[
            "configure",
            "--profile",
            "bot",
            "--client-credentials",
            "--client-id",
            &shop.machine,
            "--domain",
            &shop.domain(),
            "--scope",
            SCOPE_READ,
            "--client-secret-stdin",
        ],
        &format!("{}\n", shop.secret),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let first = home.ok(&["token", "--profile", "bot"]);
    let c = claims(&first);
    assert_eq!(c["sub"], shop.machine.as_str());
    assert_eq!(c["scope"], SCOPE_READ);
    assert!(c.get("username").is_none());
    let file = home.client_token_file("bot");
    assert_eq!(mode(&file), 0o600);
    assert!(
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains(&shop.secret)
    );
    // Within the token's life: the same token, so no request (each request mints a new jti).
    assert_eq!(home.ok(&["token", "--profile", "bot"]), first);
    assert_eq!(
        home.ok(&["token", "--profile", "bot", "--header-style", "bearer"])
            .trim(),
        format!("Authorization: Bearer {}", first.trim())
    );
    let out = home.run(&["token", "--profile", "bot", "--kind", "id"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    // Expired: 20 processes at once, one request (one new token for all of them).
    home.expire(&home.client_token_file("bot"), "obtained_at");
    let outputs = home.concurrently(20, &["token", "--profile", "bot"]);
    assert!(outputs.iter().all(|o| *o == outputs[0]), "{outputs:?}");
    assert_ne!(outputs[0], first);
    assert_ne!(claims(&outputs[0])["jti"], c["jti"]);

    let who: Value =
        serde_json::from_str(&home.ok(&["whoami", "--profile", "bot", "-o", "json"])).unwrap();
    assert_eq!(who["client_id"], shop.machine.as_str());
    assert_eq!(who["principal"], "client");
    assert_eq!(who["scopes"], json!([SCOPE_READ]));

    // curl: an API that takes only app clients' tokens with the scope.
    let verifier = cognate_verify::CognitoJwtVerifier::builder()
        .user_pool(cognate_verify::UserPool::from_issuer(shop.domain()).client_id(&shop.machine))
        .token_use(cognate_verify::TokenUse::Access)
        .require_principal(cognate_verify::Principal::Client)
        .build()
        .unwrap();
    let api = rt().block_on(async {
        let app = axum::Router::new().route(
            "/orders",
            axum::routing::get(|c: cognate_verify::AccessClaims| async move {
                format!("orders for {}", c.client_id())
            })
            .layer(
                cognate_verify::axum::CognitoAuthLayer::new(verifier).require_scopes([SCOPE_READ]),
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    });
    let body = home.ok(&["curl", "--profile", "bot", &format!("{api}/orders")]);
    assert_eq!(body, format!("orders for {}", shop.machine));

    home.ok(&["logout", "--profile", "bot"]);
    assert!(!file.exists());
}

/// `cognate auth status` (offline) and `whoami` for machine-to-machine profiles: the app client,
/// token endpoint, scopes, where the secret comes from and the cached token's expiry; never the
/// secret or the token.
#[test]
fn m2m_profiles_in_auth_status_and_whoami() {
    let shop = shop("http://localhost:3000/callback");
    let home = Home::unconfigured();
    home.ok(&[
        "configure",
        "--profile",
        "bot",
        "--client-credentials",
        "--client-id",
        &shop.machine,
        "--domain",
        &shop.domain(),
        "--scope",
        SCOPE_READ,
    ]);
    let status = |args: &[&str], secret: Option<&str>| {
        let mut cmd = home.cognate(&[&["auth", "status"], args].concat());
        if let Some(secret) = secret {
            cmd.env("COGNATE_CLIENT_SECRET", secret);
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(!stdout.contains(&shop.secret), "secret printed: {stdout}");
        (out.status.code(), stdout, stderr)
    };

    // No secret, no token: shown, and not logged in.
    let (code, shown, err) = status(&["--profile", "bot"], None);
    assert_eq!(code, Some(3), "{err}");
    let head = format!(
        "bot\n  app client {} (client_credentials)\n  token URL:     {}/oauth2/token\n  scopes:        {SCOPE_READ}\n",
        shop.machine,
        shop.domain()
    );
    assert!(shown.starts_with(&head), "{shown}");
    assert!(
        shown.contains("  client secret: none: set COGNATE_CLIENT_SECRET"),
        "{shown}"
    );
    assert!(
        shown.contains("  access token:  none cached: `cognate token --profile bot` asks for one"),
        "{shown}"
    );
    assert!(
        !shown.contains("not logged in: run `cognate login"),
        "{shown}"
    );
    assert!(
        err.contains("profile bot has no valid token and no app client secret")
            && err.contains("--client-secret-stdin"),
        "{err}"
    );
    // The secret in the environment: ready.
    let (code, shown, err) = status(&["--profile", "bot"], Some(&shop.secret));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        shown.contains("  client secret: from env COGNATE_CLIENT_SECRET\n"),
        "{shown}"
    );

    // A cached token: its expiry and granted scopes, not the token.
    let out = home
        .cognate(&["token", "--profile", "bot"])
        .env("COGNATE_CLIENT_SECRET", &shop.secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    let (code, shown, err) = status(&["--profile", "bot", "-o", "json"], None);
    assert_eq!(code, Some(0), "{err}");
    assert!(!shown.contains(&token), "token printed: {shown}");
    let doc: Value = serde_json::from_str(&shown).unwrap();
    let bot = &doc["profiles"][0];
    assert_eq!(bot["profile"], "bot");
    assert_eq!(bot["logged_in"], true);
    assert_eq!(bot["principal"], "client");
    assert_eq!(bot["grant"], "client_credentials");
    assert_eq!(bot["client_id"], shop.machine.as_str());
    assert_eq!(
        bot["token_url"],
        format!("{}/oauth2/token", shop.domain()).as_str()
    );
    assert_eq!(bot["domain"], shop.domain().as_str());
    assert_eq!(bot["issuer"], Value::Null);
    assert_eq!(bot["scopes"], json!([SCOPE_READ]));
    assert_eq!(bot["client_secret"], Value::Null);
    assert_eq!(bot["access_token"]["expired"], false);
    assert_eq!(bot["access_token"]["scopes"], json!([SCOPE_READ]));
    let left = bot["access_token"]["expires_in"].as_i64().unwrap();
    assert!((3000..=3600).contains(&left), "{left}");
    assert!(
        bot["access_token"]["expires_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let (_, shown, _) = status(&["--profile", "bot"], None);
    assert!(shown.contains("  access token:  valid until "), "{shown}");
    assert!(!shown.contains(&token), "token printed: {shown}");

    // Expired, and no secret at hand: not logged in.
    home.expire(&home.client_token_file("bot"), "obtained_at");
    let (code, shown, _) = status(&["--profile", "bot"], None);
    assert_eq!(code, Some(3), "{shown}");
    assert!(shown.contains("  access token:  EXPIRED at "), "{shown}");
    // The secret stored in the profile: ready again.
    let out = home.run(
        &["configure", "--profile", "bot", "--client-secret-stdin"],
        &format!("{}\n", shop.secret),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (code, shown, err) = status(&["--profile", "bot"], None);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        shown.contains("  client secret: stored in the profile\n"),
        "{shown}"
    );
    let (_, shown, _) = status(&["--profile", "bot", "-o", "json"], None);
    let doc: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(doc["profiles"][0]["client_secret"], "profile");

    // Every profile: a user profile beside an M2M one whose token endpoint comes from the
    // pool's discovery document.
    home.ok(&[
        "configure",
        "--profile",
        "disc",
        "--client-credentials",
        "--client-id",
        &shop.machine,
        "--user-pool-id",
        &shop.pool,
        "--endpoint",
        &shop.endpoint,
    ]);
    home.ok(&[
        "configure",
        "--profile",
        "web",
        "--client-id",
        &shop.web,
        "--user-pool-id",
        &shop.pool,
        "--endpoint",
        &shop.endpoint,
    ]);
    let (code, shown, err) = status(&[], None);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        shown.contains(&format!(
            "disc\n  app client {} (client_credentials)\n  token URL:     from the discovery document of {}\n  scopes:        (every scope the app client allows)\n",
            shop.machine,
            shop.domain()
        )),
        "{shown}"
    );
    assert!(
        shown.contains("web\n  not logged in: run `cognate login --profile web`"),
        "{shown}"
    );
    let (_, shown, _) = status(&["-o", "json"], None);
    let doc: Value = serde_json::from_str(&shown).unwrap();
    let names: Vec<&str> = doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bot", "disc", "web"]);
    assert_eq!(doc["profiles"][1]["issuer"], shop.domain().as_str());
    assert_eq!(doc["profiles"][1]["access_token"], Value::Null);
    assert!(doc["profiles"][2].get("principal").is_none());

    // whoami: the client and the scopes, in each output style.
    let shown = home.ok(&["whoami", "--profile", "bot"]);
    assert!(
        shown.contains(&format!("client: {}\n", shop.machine)),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("scopes: {SCOPE_READ}\n")),
        "{shown}"
    );
    let shown = home.ok(&["whoami", "--profile", "bot", "-o", "env"]);
    assert!(
        shown.contains(&format!(
            "export COGNATE_WHOAMI_CLIENT_ID='{}'\n",
            shop.machine
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("export COGNATE_WHOAMI_SCOPES='{SCOPE_READ}'\n")),
        "{shown}"
    );
}

#[test]
fn m2m_secret_from_the_environment_and_a_wrong_one() {
    let shop = shop("http://localhost:3000/callback");
    let home = Home::unconfigured();
    home.ok(&[
        "configure",
        "--profile",
        "bot",
        "--client-credentials",
        "--client-id",
        &shop.machine,
        "--user-pool-id",
        &shop.pool,
        "--endpoint",
        &shop.endpoint,
    ]);
    // No secret anywhere: a usage error that says where to put it.
    let out = home.run(&["token", "--profile", "bot"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("COGNATE_CLIENT_SECRET"),
        "{}",
        text(&out.stderr)
    );
    // From the environment, token endpoint from the pool's discovery document.
    let out = home
        .cognate(&["token", "--profile", "bot"])
        .env("COGNATE_CLIENT_SECRET", &shop.secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        claims(&text(&out.stdout))["client_id"],
        shop.machine.as_str()
    );
    home.ok(&["logout", "--profile", "bot"]);
    let out = home
        .cognate(&["token", "--profile", "bot"])
        .env("COGNATE_CLIENT_SECRET", "wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("invalid_client"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn m2m_against_oidc_provider_counts_requests() {
    let provider = Provider::start("http://127.0.0.1:1/callback");
    let issuer = provider.issuer.clone();
    let count = || provider.token_requests();
    let home = Home::unconfigured();
    home.ok(&[
        "configure",
        "--profile",
        "m",
        "--client-credentials",
        "--client-id",
        "machine-1",
        "--token-url",
        &format!("{issuer}/token"),
        "--scope",
        "api:read",
    ]);
    let token = |home: &Home| {
        let out = home
            .cognate(&["token", "--profile", "m"])
            .env("COGNATE_CLIENT_SECRET", "machine-secret-1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let first = token(&home);
    assert_eq!(count(), 1);
    assert_eq!(token(&home), first);
    assert_eq!(count(), 1, "a run within the token's life made a request");
    home.expire(&home.client_token_file("m"), "obtained_at");
    let children: Vec<_> = (0..20)
        .map(|_| {
            home.cognate(&["token", "--profile", "m"])
                .env("COGNATE_CLIENT_SECRET", "machine-secret-1")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert_eq!(
        count(),
        2,
        "20 runs on an expired token made more than one request"
    );
}

#[test]
fn browser_login_with_chromium_then_token_and_logout() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium: {PORT_FILE_HINT}"
    );
    let port = free_port();
    let callback = format!("http://localhost:{port}/callback");
    let shop = shop(&callback);
    let home = Home::unconfigured();
    let (url, rest) = browser_login(
        &home,
        &[
            "--profile",
            "web",
            "--user-pool-id",
            &shop.pool,
            "--client-id",
            &shop.web,
            "--endpoint",
            &shop.endpoint,
            "--domain",
            &shop.domain(),
            "--port",
            &port.to_string(),
            "--scope",
            "openid email aws.cognito.signin.user.admin",
            "--wait",
            "60",
        ],
        json!({"kind": "cognate", "username": "alice", "password": PASSWORD,
               "callback": callback}),
    );
    assert!(url.contains("/oauth2/authorize?"), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(rest.contains("logged in as alice"), "{rest}");

    let access = home.ok(&["token", "--profile", "web"]);
    assert_eq!(claims(&access)["username"], "alice");
    let refresh = home.ok(&["token", "--profile", "web", "--kind", "refresh"]);
    let who: Value =
        serde_json::from_str(&home.ok(&["whoami", "--profile", "web", "-o", "json"])).unwrap();
    assert_eq!(who["username"], "alice");
    assert!(who["scopes"].as_array().unwrap().contains(&json!("openid")));

    // logout revokes at the domain's /oauth2/revoke: the refresh token is dead.
    home.ok(&["logout", "--profile", "web"]);
    assert_refresh_refused(&shop, &refresh);

    // `--browser` opens $BROWSER with the URL: here the same Chromium script, so the login
    // completes only if cognate handed it the right URL. The domain comes from the profile now.
    let browser = format!(
        "node {}",
        repo().join("interop/node/sign_in_browser.mjs").display()
    );
    let browser_config = json!({"kind": "cognate", "username": "alice", "password": PASSWORD,
                                "callback": callback});
    let out = home
        .cognate(&[
            "login",
            "--browser",
            "--profile",
            "web",
            "--port",
            &port.to_string(),
            "--scope",
            "openid email",
            "--wait",
            "60",
        ])
        .env("BROWSER", browser)
        .env("SIGN_IN_BROWSER_CONFIG", browser_config.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        claims(&home.ok(&["token", "--profile", "web"]))["username"],
        "alice"
    );
}

/// The token endpoint refuses `refresh` (400 invalid_grant).
fn assert_refresh_refused(shop: &Shop, refresh: &str) {
    let status = rt().block_on(async {
        reqwest::Client::new()
            .post(format!("{}/oauth2/token", shop.domain()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "refresh_token")
                    .append_pair("client_id", &shop.web)
                    .append_pair("refresh_token", refresh.trim())
                    .finish(),
            )
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 400);
}

#[test]
fn the_oauth_settings_through_configure_get_set_and_list() {
    let home = Home::unconfigured();
    home.ok(&[
        "configure",
        "--profile",
        "bot",
        "--client-credentials",
        "--client-id",
        "abc",
        "--domain",
        "https://shop.auth.us-east-1.amazoncognito.com",
        "--scope",
        "a/read a/write",
    ]);
    assert_eq!(
        home.ok(&["configure", "get", "grant", "--profile", "bot"]),
        "client_credentials\n"
    );
    assert_eq!(
        home.ok(&["configure", "get", "scope", "--profile", "bot"]),
        "a/read a/write\n"
    );
    home.ok(&[
        "configure",
        "set",
        "resource",
        "https://api.example.com",
        "--profile",
        "bot",
    ]);
    let list: Value =
        serde_json::from_str(&home.ok(&["configure", "list", "--profile", "bot", "-o", "json"]))
            .unwrap();
    assert_eq!(
        list["settings"]["resource"]["value"],
        "https://api.example.com"
    );
    assert_eq!(
        list["settings"]["domain"]["value"],
        "https://shop.auth.us-east-1.amazoncognito.com"
    );
    // Only client_credentials is a grant; a domain must be a URL; M2M needs a client id.
    let out = home.run(
        &["configure", "set", "grant", "password", "--profile", "bot"],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = home.run(
        &["configure", "set", "domain", "shop", "--profile", "bot"],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = home.run(&["configure", "--profile", "x", "--client-credentials"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
