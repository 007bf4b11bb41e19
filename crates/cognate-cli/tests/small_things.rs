#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! Issue 20's smaller points, as real processes: `cognate decode` on a refresh token says it is
//! opaque, `curl --help` lists `COGNATE_API_KEY` once, and errors are coloured on a terminal
//! only (a pseudo-terminal from `script`), never with `NO_COLOR`.

mod support;

use std::process::{Command, Stdio};

use serde_json::Value;
use support::{Home, PASSWORD, USER, text};

#[test]
fn decoding_a_refresh_token_says_it_is_opaque() {
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file: Value =
        serde_json::from_slice(&std::fs::read(home.token_file("default")).unwrap()).unwrap();
    let refresh = file["refresh_token"].as_str().unwrap();
    // The local server's refresh token, and one shaped as AWS's (five parts, JWE).
    let aws_like = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.a.b.c.d";
    for token in [refresh, aws_like] {
        let out = home.cognate(&["decode", token]).output().unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(6), "{err}");
        assert!(
            err.contains("refresh token") && err.contains("opaque"),
            "{err}"
        );
        assert!(!err.contains("base64"), "{err}");
        assert!(!err.contains(token), "the token was printed: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn curl_help_lists_the_api_key_variable_once() {
    for flag in ["-h", "--help"] {
        let out = Command::new(support::bin())
            .args(["curl", flag])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        assert_eq!(
            help.matches("COGNATE_API_KEY").count(),
            1,
            "{flag}:\n{help}"
        );
    }
}

/// `cognate decode x` on a pseudo-terminal (`script`); what the terminal showed.
fn on_a_terminal(no_color: Option<&str>) -> String {
    let mut cmd = Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} decode x", support::bin().display()),
        "/dev/null",
    ])
    .env_remove("NO_COLOR")
    .env("TERM", "xterm")
    .stdin(Stdio::null());
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let out = cmd
        .output()
        .expect("`script` (util-linux) is needed for this test");
    text(&out.stdout)
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let shown = on_a_terminal(None);
    assert!(shown.contains("\x1b[1;31merror:\x1b[0m"), "{shown:?}");
    // NO_COLOR set to anything but the empty string turns it off.
    let shown = on_a_terminal(Some("1"));
    assert!(shown.contains("error: this is not a JWT"), "{shown:?}");
    assert!(!shown.contains('\x1b'), "{shown:?}");
    let shown = on_a_terminal(Some(""));
    assert!(shown.contains('\x1b'), "{shown:?}");
    // Not a terminal: no colour, whatever NO_COLOR says.
    let out = Command::new(support::bin())
        .args(["decode", "x"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(err.starts_with("error: this is not a JWT"), "{err:?}");
    assert!(!err.contains('\x1b'), "{err:?}");
}
