#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! `cognate auth status` (offline: per profile the user, each token's expiry, whether a refresh
//! token is stored) and `cognate configure list-profiles|get|set`, as real processes against a
//! real token directory and config file.

mod support;

use serde_json::Value;
use support::{Home, PASSWORD, POOL, USER, text};

fn login(home: &Home, profile: &str) {
    let out = home.run(
        &[
            "login",
            "--profile",
            profile,
            "--username",
            USER,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Rewrites a token file's JSON.
fn edit_token_file(home: &Home, profile: &str, f: impl FnOnce(&mut Value)) {
    let path = home.token_file(profile);
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    f(&mut doc);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn auth_status_shows_each_profile_offline() {
    let home = Home::new();
    // Nothing yet: exit 3 and the fix.
    let out = home.cognate(&["auth", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cognate login"),
        "{}",
        text(&out.stderr)
    );

    login(&home, "default");
    home.configure("work");
    let tokens: Value =
        serde_json::from_slice(&std::fs::read(home.token_file("default")).unwrap()).unwrap();

    // Offline: the endpoint points nowhere, and the answer is the same.
    let mut cmd = home.cognate(&["auth", "status"]);
    cmd.env("COGNATE_ENDPOINT", "http://127.0.0.1:9");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("default\n  logged in as alice\n"), "{shown}");
    assert!(shown.contains(&format!("user pool:     {POOL}")), "{shown}");
    assert!(shown.contains("access token:  valid until "), "{shown}");
    assert!(shown.contains("ID token:      valid until "), "{shown}");
    assert!(shown.contains("refresh token: stored"), "{shown}");
    assert!(
        shown.contains("work\n  not logged in: run `cognate login --profile work`"),
        "{shown}"
    );
    for secret in ["access_token", "id_token", "refresh_token"] {
        let token = tokens[secret].as_str().unwrap();
        assert!(!shown.contains(token), "{secret} printed");
    }

    let out = home
        .cognate(&["auth", "status", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let default = &doc["profiles"][0];
    assert_eq!(default["profile"], "default");
    assert_eq!(default["logged_in"], true);
    assert_eq!(default["username"], USER);
    assert_eq!(default["refresh_token"], true);
    assert_eq!(default["access_token"]["expired"], false);
    let left = default["access_token"]["expires_in"].as_i64().unwrap();
    assert!((3000..=3600).contains(&left), "{left}");
    assert!(
        default["id_token"]["expires_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(doc["profiles"][1]["profile"], "work");
    assert_eq!(doc["profiles"][1]["logged_in"], false);

    // Tokens that expired an hour ago (the file's clock skew says so): still logged in while a
    // refresh token is stored…
    edit_token_file(&home, "default", |d| d["clock_skew_secs"] = 7200.into());
    let out = home
        .cognate(&["auth", "status", "--profile", "default"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("access token:  EXPIRED at "), "{shown}");
    assert!(!shown.contains("work"), "{shown}");
    // …and not without one.
    edit_token_file(&home, "default", |d| {
        d.as_object_mut().unwrap().remove("refresh_token");
    });
    let out = home
        .cognate(&["auth", "status", "--profile", "default", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["profiles"][0]["refresh_token"], false);
    assert_eq!(doc["profiles"][0]["logged_in"], false);
    assert!(
        text(&out.stderr)
            .contains("error: profile default is not logged in\nhint: run `cognate login`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn configure_list_profiles_get_and_set() {
    let home = Home::new();
    let run = |args: &[&str]| {
        let out = home.cognate(args).output().unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, out, err) = run(&[
        "configure",
        "set",
        "user_pool_id",
        POOL,
        "--profile",
        "work",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.is_empty());
    assert_eq!(
        run(&["configure", "set", "endpoint", "http://127.0.0.1:9229"]).0,
        Some(0)
    );
    // Old header-style names are stored under the new name.
    let (code, _, err) = run(&[
        "configure",
        "set",
        "header-style",
        "raw-access",
        "--profile",
        "work",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        run(&["configure", "get", "header_style", "--profile", "work"]).1,
        "access\n"
    );
    assert_eq!(
        run(&["configure", "get", "user_pool_id", "--profile", "work"]).1,
        format!("{POOL}\n")
    );
    assert_eq!(run(&["configure", "list-profiles"]).1, "default\nwork\n");
    let (_, json, _) = run(&["configure", "list-profiles", "-o", "json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&json).unwrap(),
        serde_json::json!(["default", "work"])
    );
    // Unset: exit 1, nothing on stdout, the fix on stderr.
    let (code, out, err) = run(&["configure", "get", "region", "--profile", "work"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(
        err.contains("cognate configure set region VALUE --profile work"),
        "{err}"
    );
    // Checked like `configure` checks them.
    let (code, _, err) = run(&["configure", "set", "user_pool_id", "not a pool"]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = run(&["configure", "set", "colour", "blue"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("use one of: region, user_pool_id"), "{err}");
    // An empty value removes the setting.
    assert_eq!(run(&["configure", "set", "endpoint", ""]).0, Some(0));
    assert_eq!(run(&["configure", "get", "endpoint"]).0, Some(1));
    // Secrets are neither taken on the command line nor printed.
    let (code, _, err) = run(&["configure", "set", "client_secret", "s3cret"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--store-client-secret"), "{err}");
    let out = home.run(
        &["configure", "--store-client-secret", "--client-id", "abc"],
        "topsecretvalue1234\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (code, out, _) = run(&["configure", "get", "client_secret"]);
    assert_eq!(code, Some(2));
    assert!(!out.contains("topsecret"));
}
