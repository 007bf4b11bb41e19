#![allow(clippy::unwrap_used, missing_docs)]
//! What a new user meets first (issue 20): `cognate login` with flags leaves a profile that later
//! commands use; tokens of one user are never handed out for another; every error is one line
//! and a hint that names the real fix (with `--profile`), the cause behind `-v`; header styles
//! have one name. Real processes against the local Cognito in this test process.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;

use serde_json::{Value, json};
use support::{CLIENT, Home, MFA_CLIENT, MFA_POOL, PASSWORD, POOL, USER, call, cognito, text};

/// `cognate ARGS` with the person's shell environment only (no COGNATE_ENDPOINT, pool or app
/// client), `stdin` on standard input.
fn shell(home: &Home, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = std::process::Command::new(support::bin())
        .env_clear()
        .envs(home.shell_env())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn login_with_flags(home: &Home, profile: Option<&str>, user: &str) -> std::process::Output {
    let mut args = vec!["login"];
    if let Some(p) = profile {
        args.extend(["--profile", p]);
    }
    args.extend([
        "--user-pool-id",
        POOL,
        "--client-id",
        CLIENT,
        "--endpoint",
        cognito(),
        "--username",
        user,
        "--password-stdin",
    ]);
    shell(home, &args, &format!("{PASSWORD}\n"))
}

/// The stderr lines of a failed command: exactly `error: …` and `hint: …`.
fn error_and_hint(out: &std::process::Output) -> (String, String) {
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("note:")).collect();
    assert_eq!(lines.len(), 2, "not one error and one hint: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[1].starts_with("hint: "), "{err}");
    (lines[0][7..].to_owned(), lines[1][6..].to_owned())
}

#[test]
fn login_with_flags_leaves_a_profile_that_token_uses() {
    let home = Home::new();
    let out = login_with_flags(&home, None, USER);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("saved user_pool_id, client_id, username, endpoint in profile default"),
        "{err}"
    );
    // No flags, no COGNATE_* connection variables: the profile has what login was given.
    let out = shell(&home, &["token"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    home.assert_verifies(text(&out.stdout).trim(), "access");
    let out = shell(&home, &["whoami", "-o", "json"], "");
    let who: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(who["username"], USER);

    // A named profile that does not exist yet is created by the login.
    let out = login_with_flags(&home, Some("work"), USER);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = shell(&home, &["token", "--profile", "work"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Logging in again with the same settings saves nothing new and says nothing about it.
    let out = login_with_flags(&home, Some("work"), USER);
    assert!(
        !text(&out.stderr).contains("later commands use them"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn login_prints_json_with_output_json_and_refuses_env() {
    let home = Home::new();
    let out = home.run(
        &[
            "login",
            "--username",
            USER,
            "--password-stdin",
            "-o",
            "json",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["profile"], "default");
    assert_eq!(doc["username"], USER);
    assert!(doc["expires_at"].as_i64().unwrap() > 0, "{doc}");
    let out = home
        .cognate(&["login", "--username", USER, "-o", "env"])
        .env("COGNATE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn tokens_of_one_user_are_never_handed_out_for_another() {
    let home = Home::new();
    let out = login_with_flags(&home, Some("work"), USER);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Another user name on the same profile: refused, nothing on stdout.
    let out = shell(
        &home,
        &["token", "--profile", "work", "--username", "someone-else"],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let (error, hint) = error_and_hint(&out);
    assert_eq!(
        error,
        "the tokens saved for profile work belong to user alice (not someone-else)"
    );
    assert!(
        hint.contains("`cognate login --profile work --username someone-else`"),
        "{hint}"
    );
    // Another pool and app client (from the environment): refused too.
    let out = home
        .cognate(&["token", "--profile", "work"])
        .env("COGNATE_USER_POOL_ID", MFA_POOL)
        .env("COGNATE_CLIENT_ID", MFA_CLIENT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let (error, _) = error_and_hint(&out);
    assert!(
        error.contains(&format!("user pool {POOL} (not {MFA_POOL})"))
            && error.contains(&format!("app client {CLIENT} (not {MFA_CLIENT})")),
        "{error}"
    );
    // Another endpoint (the tokens are fresh, so it is not asked): a warning naming both.
    let out = shell(
        &home,
        &[
            "token",
            "--profile",
            "work",
            "--endpoint",
            "http://127.0.0.1:1",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "were issued by {}, not by the endpoint in use (http://127.0.0.1:1)",
            cognito()
        )),
        "{err}"
    );
    // The same user, named again: fine.
    let out = shell(
        &home,
        &["token", "--profile", "work", "--username", USER],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A port with nothing listening on it.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// An HTTP server that answers every request with a big HTML 404 page; its URL.
fn html_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let body = format!(
                "<html><body><h1>Not Found</h1>{}</body></html>",
                "<p>nothing here</p>".repeat(200)
            );
            let _ = write!(
                s,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn network_errors_are_one_line_and_a_hint_with_the_cause_behind_v() {
    let home = Home::new();
    let closed = closed_port();
    let out = home
        .cognate(&["login", "--username", USER, "--password-stdin"])
        .env("COGNATE_ENDPOINT", &closed)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    // stdin is empty: --password-stdin fails before any request. Give it a password instead.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let run = |endpoint: &str, verbose: bool| {
        let mut cmd = home.cognate(&["login", "--username", USER]);
        cmd.env("COGNATE_ENDPOINT", endpoint)
            .env("COGNATE_PASSWORD", PASSWORD);
        if verbose {
            cmd.arg("-v");
        }
        cmd.output().unwrap()
    };
    let out = run(&closed, false);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let (error, hint) = error_and_hint(&out);
    assert_eq!(
        error,
        format!("cannot reach Cognito at {closed}: connection refused")
    );
    assert!(
        hint.contains("check the endpoint (the COGNATE_ENDPOINT variable)"),
        "{hint}"
    );
    let out = run(&closed, true);
    let err = text(&out.stderr);
    assert!(err.contains("\n  caused by: "), "{err}");

    // Not Cognito at all: no HTML on the terminal.
    let html = html_server();
    let out = run(&html, false);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let (error, hint) = error_and_hint(&out);
    assert_eq!(
        error,
        format!("the endpoint at {html} did not answer like Cognito")
    );
    assert!(hint.contains("check the endpoint"), "{hint}");
    let e = text(&out.stderr);
    assert!(
        !e.contains("<html") && !e.contains("DispatchFailure"),
        "{e}"
    );
}

#[test]
fn hints_name_the_real_fix_with_the_profile() {
    // An app client with a secret, used without one.
    let created = call(
        "CreateUserPoolClient",
        &json!({"UserPoolId": POOL, "ClientName": "with-secret", "GenerateSecret": true,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]}),
    )
    .unwrap();
    let secret_client = created["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let home = Home::new();
    home.configure_pool("work", POOL, &secret_client);
    for flow in ["srp", "password"] {
        let out = shell(
            &home,
            &[
                "login",
                "--profile",
                "work",
                "--username",
                USER,
                "--flow",
                flow,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        let (error, hint) = error_and_hint(&out);
        assert!(
            hint.contains("the app client has a secret")
                && hint.contains("`cognate configure --profile work --store-client-secret`"),
            "{flow}: {error} / {hint}"
        );
        assert!(!hint.contains("password"), "{flow}: {hint} ({error})");
    }

    // A user pool that does not exist, with SRP: the pool id is named, not the password.
    let out = home
        .cognate(&["login", "--username", USER, "--password-stdin"])
        .env("COGNATE_USER_POOL_ID", "us-east-1_NoSuchPool1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(format!("{PASSWORD}\n").as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let (error, hint) = error_and_hint(&out);
    assert!(error.contains("us-east-1_NoSuchPool1"), "{error}");
    assert!(
        hint.contains("check the user pool id (the COGNATE_USER_POOL_ID variable)"),
        "{hint}"
    );

    // A malformed identity pool id from the flag: the hint names the flag.
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = home
        .cognate(&["aws-credentials", "--identity-pool-id", "foo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let (error, hint) = error_and_hint(&out);
    assert_eq!(error, "\"foo\" is not an identity pool id");
    assert!(hint.starts_with("check --identity-pool-id: "), "{hint}");
    assert!(!hint.contains("comes from flag"), "{hint}");
}

#[test]
fn a_revoked_session_hint_keeps_the_profile() {
    let home = Home::new();
    home.configure("work");
    let out = shell(
        &home,
        &[
            "login",
            "--profile",
            "work",
            "--username",
            USER,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = home.token_file("work");
    let saved = std::fs::read(&file).unwrap();
    let out = shell(&home, &["logout", "--profile", "work"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut aged: Value = serde_json::from_slice(&saved).unwrap();
    aged["clock_skew_secs"] = json!(7200);
    std::fs::write(&file, serde_json::to_vec(&aged).unwrap()).unwrap();
    let out = shell(&home, &["token", "--profile", "work"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let (error, hint) = error_and_hint(&out);
    assert!(
        error.starts_with("the session of profile work has ended"),
        "{error}"
    );
    assert_eq!(hint, "run `cognate login --profile work`");
}

#[test]
fn unattended_token_logs_in_again_when_the_refresh_token_is_dead() {
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = home.token_file("default");
    let saved = std::fs::read(&file).unwrap();
    assert_eq!(
        home.cognate(&["logout"]).output().unwrap().status.code(),
        Some(0)
    );
    let mut aged: Value = serde_json::from_slice(&saved).unwrap();
    aged["clock_skew_secs"] = json!(7200);
    std::fs::write(&file, serde_json::to_vec(&aged).unwrap()).unwrap();
    // Without a password: the session has ended (exit 3). With COGNATE_PASSWORD: a new login.
    let out = home.cognate(&["token"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    std::fs::write(&file, serde_json::to_vec(&aged).unwrap()).unwrap();
    let out = home
        .cognate(&["token"])
        .env("COGNATE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    home.assert_verifies(token.trim(), "access");
    let stored: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored["access_token"], token.trim());
    assert_ne!(stored["refresh_token"], aged["refresh_token"]);
}

#[test]
fn header_styles_have_one_name_and_old_spellings_still_work() {
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let id = text(
        &home
            .cognate(&["token", "--kind", "id"])
            .output()
            .unwrap()
            .stdout,
    );
    let id = id.trim();
    let want = format!("authorization: {id}\n");
    // The new spelling: no note.
    for args in [
        &["token", "--header-style", "id"][..],
        &["token", "--header", "--header-style", "id"],
    ] {
        let out = home.cognate(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want);
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
    // The old spellings: the same line, and a note saying the new one.
    for (args, note) in [
        (
            &["token", "--header", "id"][..],
            "use `--header --header-style id`",
        ),
        (
            &["token", "--header-style", "graphql-id"],
            "is now called `id`",
        ),
    ] {
        let out = home.cognate(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want);
        assert!(text(&out.stderr).contains(note), "{}", text(&out.stderr));
    }
    // configure takes the same names (and the old ones) and saves the new name.
    let out = home
        .cognate(&["configure", "--header-style", "cognito-security-token"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is now called `security-token`"));
    let config = std::fs::read_to_string(home.dir.path().join("config.toml")).unwrap();
    assert!(
        config.contains("header_style = \"security-token\""),
        "{config}"
    );
    // And the profile's style is what `token --header` uses.
    let out = home.cognate(&["token", "--header"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("X-Amz-Cognito-Security-Token: {id}\n")
    );
}

#[test]
fn output_formats_are_the_same_on_every_command() {
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // -o env: every line an `export`, whoami with every attribute.
    for args in [
        &["whoami", "-o", "env"][..],
        &["token", "-o", "env"],
        &["configure", "list", "-o", "env"],
    ] {
        let out = home.cognate(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let lines = text(&out.stdout);
        assert!(!lines.is_empty());
        assert!(
            lines.lines().all(|l| l.starts_with("export ")),
            "{args:?}: {lines}"
        );
    }
    let out = home.cognate(&["whoami", "-o", "env"]).output().unwrap();
    assert!(
        text(&out.stdout).contains("export COGNATE_WHOAMI_EMAIL='alice@example.com'\n"),
        "{}",
        text(&out.stdout)
    );
    // Commands without env output say so (exit 2) instead of ignoring it.
    for args in [
        &["completions", "bash", "-o", "env"][..],
        &["demo", "-o", "env"],
        &["curl", "-o", "env", "http://127.0.0.1:9/"],
    ] {
        let out = home.cognate(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
        assert!(
            text(&out.stderr).contains("has no `env` output"),
            "{}",
            text(&out.stderr)
        );
    }
    // logout -o json: a document saying what happened.
    let out = home.cognate(&["logout", "-o", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["logged_out"], true);
    assert_eq!(doc["server"], "refresh token revoked");
}
