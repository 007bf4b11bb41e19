#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! `cognate login --browser` at an OpenID provider that is not a Cognito pool: oidc-provider
//! (npm), started here, its login and consent pages driven by Debian's Chromium
//! (playwright-core). Then `cognate token` (no request while the token lives; a refresh at the
//! provider's token endpoint once it has expired), `whoami` (the scopes and the userInfo
//! claims), `curl` and `logout` (the refresh token revoked at the provider: it refuses it).
//!
//! Needs the interop tools (`bash scripts/install-interop`).

use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

mod support;
use support::oidc_provider::{Provider, browser_login};
use support::{Home, free_port, mode, text};

const HINT: &str = "run `bash scripts/install-interop`";

#[test]
fn login_at_oidc_provider_with_chromium_then_token_refresh_whoami_curl_logout() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium: {HINT}"
    );
    let port = free_port();
    let callback = format!("http://localhost:{port}/callback");
    let provider = Provider::start(&callback);
    let issuer = provider.issuer.clone();
    let home = Home::unconfigured();

    // `--no-browser`: the URL is printed; Chromium opens it and signs in at oidc-provider's
    // login and consent pages.
    let (url, rest) = browser_login(
        &home,
        &[
            "--profile",
            "partner",
            "--issuer",
            &issuer,
            "--client-id",
            "web-1",
            "--port",
            &port.to_string(),
            "--scope",
            "openid email offline_access",
            "--wait",
            "60",
        ],
        json!({"kind": "oidc-provider", "username": "erin", "password": "anything",
               "callback": callback}),
    );
    assert!(url.starts_with(&format!("{issuer}/auth?")), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(
        rest.contains(&format!("logged in as erin at {issuer}")),
        "{rest}"
    );
    assert_eq!(provider.token_requests(), 1);
    // The provider and the client are saved in the profile; the tokens in a 0600 file.
    assert_eq!(
        home.ok(&["configure", "get", "issuer", "--profile", "partner"])
            .trim(),
        issuer
    );
    assert_eq!(mode(&home.oauth_token_file("partner")), 0o600);
    // auth status (offline): the provider, the user, the saved sign-in; never a token.
    let shown = home.ok(&["auth", "status", "--profile", "partner"]);
    assert!(
        shown.starts_with(&format!(
            "partner\n  OpenID provider {issuer} (client web-1)\n  logged in as erin\n  access token:  valid until "
        )),
        "{shown}"
    );
    assert!(shown.contains("  refresh token: stored"), "{shown}");
    let status: Value =
        serde_json::from_str(&home.ok(&["auth", "status", "--profile", "partner", "-o", "json"]))
            .unwrap();
    let entry = &status["profiles"][0];
    assert_eq!(entry["logged_in"], true, "{status}");
    assert_eq!(entry["subject"], "erin");
    assert_eq!(entry["issuer"], issuer.as_str());
    assert_eq!(entry["refresh_token"], true);

    // `cognate token`: the saved access token (opaque here), no request while it lives.
    let access = home.ok(&["token", "--profile", "partner"]);
    assert!(!access.trim().is_empty());
    assert_eq!(home.ok(&["token", "--profile", "partner"]), access);
    assert_eq!(provider.token_requests(), 1, "a valid token was refreshed");
    let doc: Value =
        serde_json::from_str(&home.ok(&["token", "--profile", "partner", "-o", "json"])).unwrap();
    assert_eq!(doc["access_token"].as_str(), Some(access.trim()));
    assert!(doc["scope"].as_str().unwrap().contains("openid"), "{doc}");
    let id = home.ok(&["token", "--profile", "partner", "--kind", "id"]);
    assert_eq!(id.trim().split('.').count(), 3, "{id}");

    // whoami: the subject, the userInfo claims, the granted scopes.
    let who: Value =
        serde_json::from_str(&home.ok(&["whoami", "--profile", "partner", "-o", "json"])).unwrap();
    assert_eq!(who["subject"], "erin");
    assert_eq!(who["issuer"], issuer.as_str());
    assert_eq!(who["client_id"], "web-1");
    assert_eq!(who["claims"]["email"], "erin@example.test");
    let scopes = who["scopes"].as_array().unwrap();
    assert!(
        scopes.contains(&json!("openid")) && scopes.contains(&json!("email")),
        "{who}"
    );
    let shown = home.ok(&["whoami", "--profile", "partner"]);
    assert!(shown.starts_with("subject: erin\n"), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("scopes: ") && l.split(' ').any(|s| s == "openid")),
        "{shown}"
    );

    // Expired: 10 processes at once, one refresh at the provider's token endpoint (the others
    // wait on the profile's lock and read the new tokens; oidc-provider rotates refresh tokens,
    // so a second refresh with the old one would be refused).
    home.expire(&home.oauth_token_file("partner"), "received_at");
    let children: Vec<_> = (0..10)
        .map(|_| {
            home.cognate(&["token", "--profile", "partner"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            text(&out.stdout)
        })
        .collect();
    assert!(outputs.iter().all(|o| *o == outputs[0]), "{outputs:?}");
    let fresh = outputs[0].clone();
    assert_ne!(fresh, access);
    assert_eq!(
        provider.token_requests(),
        2,
        "10 runs on an expired token made more than one request"
    );
    assert_eq!(home.ok(&["token", "--profile", "partner"]), fresh);
    assert_eq!(provider.token_requests(), 2);
    let refresh = home.ok(&["token", "--profile", "partner", "--kind", "refresh"]);

    // curl sends it: oidc-provider's userInfo endpoint answers for erin.
    let me: Value = serde_json::from_str(&home.ok(&[
        "curl",
        "--profile",
        "partner",
        "--header-style",
        "bearer",
        &format!("{issuer}/me"),
    ]))
    .unwrap();
    assert_eq!(me["sub"], "erin");

    // logout revokes the refresh token at the provider, which refuses it afterwards (it was
    // never used, so only the revocation can have ended it).
    let out = home.run(&["logout", "--profile", "partner"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("refresh token revoked at the provider"),
        "{}",
        text(&out.stderr)
    );
    assert!(!home.oauth_token_file("partner").exists());
    let (status, body) = provider.refresh_with(&refresh);
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalid_grant")),
        "{body}"
    );
    let out = home.run(&["token", "--profile", "partner"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not logged in"),
        "{}",
        text(&out.stderr)
    );
    let out = home.run(&["auth", "status", "--profile", "partner"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("  not logged in: run `cognate login --profile partner --browser`"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("hint: run `cognate login --profile partner --browser`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_issuer_profile_signs_in_through_the_browser_only_and_a_wrong_issuer_is_one_line() {
    let home = Home::unconfigured();
    home.ok(&[
        "configure",
        "--profile",
        "partner",
        "--issuer",
        "http://127.0.0.1:9/",
        "--client-id",
        "web-1",
    ]);
    // Without --browser: a usage error that says what to run.
    let out = home.run(&["login", "--profile", "partner", "--password-stdin"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("signs in at the OpenID provider http://127.0.0.1:9 through the browser only")
            && err.contains("cognate login --profile partner --browser"),
        "{err}"
    );
    // Nothing answers at the issuer: a network error naming the discovery document.
    let out = home.run(
        &[
            "login",
            "--no-browser",
            "--profile",
            "partner",
            "--port",
            "0",
            "--wait",
            "5",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("the OpenID provider http://127.0.0.1:9 did not answer as one")
            && err.contains("http://127.0.0.1:9/.well-known/openid-configuration"),
        "{err}"
    );
    // Not a URL: refused when saved.
    let out = home.run(
        &[
            "configure",
            "--profile",
            "x",
            "--issuer",
            "login.example.com",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Not logged in yet.
    let out = home.run(&["token", "--profile", "partner"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}

/// A machine-to-machine profile at another provider finds its token endpoint in the issuer's
/// discovery document (`--issuer`), and asks for a token once while it lives.
#[test]
fn a_machine_profile_finds_the_token_endpoint_through_the_issuer() {
    let provider = Provider::start("http://127.0.0.1:1/callback");
    let issuer = provider.issuer.clone();
    let home = Home::unconfigured();
    home.ok(&[
        "configure",
        "--profile",
        "bot",
        "--client-credentials",
        "--client-id",
        "machine-1",
        "--issuer",
        &issuer,
        "--scope",
        "api:read",
    ]);
    let token = || {
        let out = home
            .cognate(&["token", "--profile", "bot"])
            .env("COGNATE_CLIENT_SECRET", "machine-secret-1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let first = token();
    assert_eq!(token(), first);
    assert_eq!(provider.token_requests(), 1);
    let status: Value =
        serde_json::from_str(&home.ok(&["auth", "status", "--profile", "bot", "-o", "json"]))
            .unwrap();
    let entry = &status["profiles"][0];
    assert_eq!(entry["principal"], "client", "{status}");
    assert_eq!(entry["issuer"], issuer.as_str());
    assert_eq!(entry["access_token"]["scopes"], json!(["api:read"]));
}
