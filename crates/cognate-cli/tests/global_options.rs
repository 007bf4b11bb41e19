#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! Global options before the command (`cognate --profile work token`) and `--query` (JMESPath,
//! as the AWS CLI's) on JSON output, as real processes.

mod support;

use serde_json::{Value, json};
use support::{Home, PASSWORD, POOL, USER, text};

fn run(home: &Home, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = std::process::Command::new(support::bin());
    cmd.env_clear().envs(home.shell_env()).args(args);
    let out = cmd.stdin(std::process::Stdio::null()).output().unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn profile_and_output_options_go_before_the_command() {
    let home = Home::new();
    home.configure("work");
    let out = home.run(
        &[
            "--profile",
            "work",
            "login",
            "--username",
            USER,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(home.token_file("work").exists());
    assert!(!home.token_file("default").exists());

    // The same token, the profile before or after the command.
    let (code, before, err) = run(&home, &["--profile", "work", "token"]);
    assert_eq!(code, Some(0), "{err}");
    let (_, after, _) = run(&home, &["token", "--profile", "work"]);
    assert_eq!(before, after);
    assert!(before.starts_with("eyJ"));

    let (code, out, err) = run(
        &home,
        &["--profile", "work", "configure", "get", "user_pool_id"],
    );
    assert_eq!(
        (code, out.as_str()),
        (Some(0), format!("{POOL}\n").as_str()),
        "{err}"
    );
    // A profile that does not exist is named, before the command too.
    let (code, _, err) = run(&home, &["--profile", "nope", "token"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no profile `nope`"), "{err}");
    // After the command wins over before it.
    let (code, _, err) = run(&home, &["--profile", "nope", "token", "--profile", "work"]);
    assert_eq!(code, Some(0), "{err}");
    // -o before the command.
    let (code, out, err) = run(
        &home,
        &["-o", "json", "--profile", "work", "auth", "status"],
    );
    assert_eq!(code, Some(0), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["profiles"][0]["username"], USER);
}

#[test]
fn query_filters_json_output() {
    let home = Home::new();
    home.configure("work");
    home.configure("other");
    let out = home.run(
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

    // --query implies -o json.
    let (code, out, err) = run(
        &home,
        &["auth", "status", "--query", "profiles[?logged_in].profile"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!(["work"])
    );
    let (code, out, err) = run(
        &home,
        &[
            "--query",
            "profiles[0].username",
            "-o",
            "json",
            "auth",
            "status",
            "--profile",
            "work",
        ],
    );
    assert_eq!((code, out.as_str()), (Some(0), "\"alice\"\n"), "{err}");
    let (_, out, _) = run(
        &home,
        &["configure", "list-profiles", "--query", "length(@)"],
    );
    assert_eq!(out, "2\n");
    let (code, out, err) = run(
        &home,
        &[
            "--profile",
            "work",
            "configure",
            "list",
            "--query",
            "settings.user_pool_id.value",
        ],
    );
    assert_eq!(
        (code, out.as_str()),
        (Some(0), format!("\"{POOL}\"\n").as_str()),
        "{err}"
    );
    let (code, token, _) = run(&home, &["--profile", "work", "token"]);
    assert_eq!(code, Some(0));
    let (code, out, err) = run(
        &home,
        &["--query", "claims.username", "decode", token.trim()],
    );
    assert_eq!((code, out.as_str()), (Some(0), "\"alice\"\n"), "{err}");

    // A wrong expression: one line and a hint, exit 2, nothing on stdout.
    let (code, out, err) = run(
        &home,
        &[
            "auth",
            "status",
            "--query",
            "profiles[",
            "--profile",
            "work",
        ],
    );
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.starts_with("error: --query \"profiles[\": "), "{err}");
    assert!(
        err.contains("hint: --query takes a JMESPath expression"),
        "{err}"
    );
    // Another format, or a command without a JSON document: refused.
    let (code, _, err) = run(
        &home,
        &["-o", "env", "--query", "x", "token", "--profile", "work"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--query filters JSON output, not `--output env`"),
        "{err}"
    );
    let (code, _, err) = run(&home, &["--query", "x", "curl", "http://127.0.0.1:9/"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("`cognate curl` has no JSON document to --query"),
        "{err}"
    );
}
