//! `cognate login --method`: srp (the default) and password with the password; email-otp and
//! sms-otp through USER_AUTH, the code read from standard input with `--code-stdin` (a wrong
//! code asked again); passkey with a software authenticator configured by flag, variable or
//! profile, after `cognate passkey add` registered it (then `list` and `delete`); and the
//! one-line errors: no authenticator configured, a factor the user cannot
//! use, a code needed without a terminal, --password-stdin with a method that takes no
//! password. The local Cognito runs in this test process.

#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cognate_client::passkey::SoftwareAuthenticator;
use cognate_client::{AuthFlow, Client, Credentials};
use cognate_server::{Seed, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_LoginMeth1";
const CLIENT: &str = "loginmethodsclientabcdefgh";
/// An app client that allows only choice-based sign-in.
const USER_AUTH_CLIENT: &str = "loginmethodsuserauthonlyab";
const PASSWORD: &str = "Correct horse 1!";

/// The local Cognito, started once per test binary: a pool allowing every first factor, its
/// relying party `localhost`; `ann` has a verified email and phone, `eve` a verified email
/// (for the test that leaves a code unanswered), `kim` and `pat` neither (`kim`'s passkeys are
/// `cognate passkey`'s test's alone).
fn cognito() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let seed: Seed = serde_json::from_value(json!({"pools": [{
            "id": POOL, "name": "methods",
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors":
                ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]}},
            "clients": [{"name": "cli", "id": CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH",
                                      "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
                        {"name": "choice-only", "id": USER_AUTH_CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "users": [
                {"username": "ann", "password": PASSWORD,
                 "attributes": {"email": "ann@example.com", "email_verified": "true",
                                "phone_number": "+15555550100", "phone_number_verified": "true"}},
                {"username": "eve", "password": PASSWORD,
                 "attributes": {"email": "eve@example.com", "email_verified": "true"}},
                {"username": "kim", "password": PASSWORD},
                {"username": "pat", "password": PASSWORD}
            ]
        }]}))
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let server = Server::builder()
                    .in_memory()
                    .bind("127.0.0.1:0")
                    .seed_data(seed)
                    .start()
                    .await
                    .unwrap();
                tx.send(server.endpoint_url()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        let endpoint: String = rx.recv().unwrap();
        block_on(async {
            let resp = reqwest::Client::new()
                .post(&endpoint)
                .header("content-type", "application/x-amz-json-1.1")
                .header(
                    "x-amz-target",
                    "AWSCognitoIdentityProviderService.SetUserPoolMfaConfig",
                )
                .body(
                    json!({"UserPoolId": POOL, "MfaConfiguration": "OFF",
                           "WebAuthnConfiguration": {"RelyingPartyId": "localhost",
                                                     "UserVerification": "preferred"}})
                    .to_string(),
                )
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
        });
        endpoint
    })
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The one-time codes of `purpose` the server has sent to `user`, oldest first.
fn codes(user: &str, purpose: &str) -> Vec<String> {
    let url = format!(
        "{}/_cognate/outbox?pool={POOL}&purpose={purpose}&username={user}",
        cognito()
    );
    let v: Value = block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A user's machine: config file, token directory, `cognate` pointed at the local Cognito.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn token_file(&self) -> PathBuf {
        self.dir.path().join("tokens").join("default.json")
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = self.cognate(&["login", "--username"]);
        cmd.args(args);
        cmd
    }

    /// `cognate ARGS` on this machine, stdout and stderr piped.
    fn cognate(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cognate"));
        cmd.env_clear()
            .env("COGNATE_CONFIG", self.dir.path().join("config.toml"))
            .env("COGNATE_TOKEN_DIR", self.dir.path().join("tokens"))
            .env("COGNATE_ENDPOINT", cognito())
            .env("COGNATE_USER_POOL_ID", POOL)
            .env("COGNATE_CLIENT_ID", CLIENT)
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// `cognate login --username ARGS` with `stdin` as its standard input.
    fn login(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self.command(args).stdin(Stdio::piped()).spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// `cognate login --username ARGS --code-stdin`, answering the code the server sends
    /// `args[0]` for `purpose`: first a wrong one, then the right one.
    fn login_with_code(&self, args: &[&str], purpose: &str) -> Output {
        let before = codes(args[0], purpose).len();
        let mut args = args.to_vec();
        args.push("--code-stdin");
        let mut child = self.command(&args).stdin(Stdio::piped()).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let code = loop {
            if let Some(c) = codes(args[0], purpose).get(before) {
                break c.clone();
            }
            assert!(Instant::now() < deadline, "no {purpose} code was sent");
            std::thread::sleep(Duration::from_millis(50));
        };
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let mut stdin = child.stdin.take().unwrap();
        write!(stdin, "{wrong}\n{code}\n").unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

fn assert_logged_in(home: &Home, out: &Output, user: &str) {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("logged in as {user}")),
        "{}",
        text(&out.stderr)
    );
    let saved: Value = serde_json::from_slice(&std::fs::read(home.token_file()).unwrap()).unwrap();
    assert!(saved.to_string().contains("access"), "{saved}");
}

/// The error lines `cognate` printed (`error: …`, `hint: …`).
fn error_lines(out: &Output) -> Vec<String> {
    text(&out.stderr).lines().map(str::to_owned).collect()
}

#[test]
fn the_password_methods() {
    for args in [
        &["ann", "--password-stdin"][..],
        &["ann", "--method", "srp", "--password-stdin"],
        &["ann", "--method", "password", "--password-stdin"],
    ] {
        let home = Home::new();
        let out = home.login(args, &format!("{PASSWORD}\n"));
        assert_logged_in(&home, &out, "ann");
    }
    // An app client that allows only USER_AUTH: the same password, proven by SRP or sent,
    // through its SELECT_CHALLENGE.
    for method in ["srp", "password"] {
        let home = Home::new();
        let mut child = home
            .command(&["ann", "--method", method, "--password-stdin"])
            .env("COGNATE_CLIENT_ID", USER_AUTH_CLIENT)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert_logged_in(&home, &out, "ann");
    }
    // --method and --flow do not go together, nor --method and --browser, nor an
    // authenticator file and a method that uses none.
    let out = Home::new().login(&["ann", "--method", "srp", "--flow", "password"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = Home::new().login(&["ann", "--method", "email-otp", "--browser"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        error_lines(&out),
        vec![
            "error: --method email-otp and --browser do not go together: the hosted page offers the ways to sign in"
        ]
    );
    let out = Home::new().login(&["ann", "--authenticator-file", "x.json"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        error_lines(&out),
        vec!["error: --authenticator-file goes with --method passkey, not --method srp"]
    );
}

#[test]
fn codes_by_email_and_sms_from_standard_input() {
    let home = Home::new();
    let out = home.login_with_code(&["ann", "--method", "email-otp"], "EMAIL_OTP");
    assert_logged_in(&home, &out, "ann");
    let err = text(&out.stderr);
    assert!(err.contains("Code sent by email to"), "{err}");
    assert!(err.contains("try again (2 tries left)"), "{err}");

    let home = Home::new();
    let out = home.login_with_code(&["ann", "--method", "sms-otp"], "SMS_OTP");
    assert_logged_in(&home, &out, "ann");
    assert!(text(&out.stderr).contains("Code sent by SMS to"));
}

#[test]
fn codes_need_a_terminal_or_code_stdin() {
    let out = Home::new().login(&["eve", "--method", "email-otp"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let lines = error_lines(&out);
    assert!(
        lines[0].contains("needs the code sent by email (EMAIL_OTP), and there is no terminal"),
        "{lines:?}"
    );
    assert!(lines[1].contains("--code-stdin"), "{lines:?}");
    // No password goes with a method that takes none.
    let out = Home::new().login(&["ann", "--method", "sms-otp", "--password-stdin"], "x\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        error_lines(&out),
        vec!["error: --password-stdin does not go with --method sms-otp, which uses no password"]
    );
    // pat has no verified email: EMAIL_OTP is not offered.
    let out = Home::new().login(&["pat", "--method", "email-otp", "--code-stdin"], "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        error_lines(&out)[0].contains(
            "pat cannot sign in with --method email-otp (EMAIL_OTP is not offered to them; offered: password, srp)"
        ),
        "{}",
        text(&out.stderr)
    );
}

/// Registers a passkey of `user` in a software authenticator kept in `file`.
fn register(user: &str, file: &Path) {
    let client = Client::builder(POOL, CLIENT)
        .endpoint(cognito())
        .ignore_env()
        .build()
        .unwrap();
    block_on(async {
        let tokens = client
            .login_with(&Credentials::new(user, PASSWORD), AuthFlow::UserPassword)
            .await
            .unwrap()
            .into_tokens()
            .unwrap();
        let authenticator = SoftwareAuthenticator::open(file).unwrap();
        client
            .register_passkey(tokens.access_token().as_str(), &authenticator)
            .await
            .unwrap();
    });
}

#[test]
fn passkeys_with_a_configured_software_authenticator() {
    let keys = tempfile::tempdir().unwrap();
    let file = keys.path().join("ann-passkeys.json");
    register("ann", &file);
    let path = file.display().to_string();

    // By flag.
    let home = Home::new();
    let out = home.login(
        &["ann", "--method", "passkey", "--authenticator-file", &path],
        "",
    );
    assert_logged_in(&home, &out, "ann");
    // By variable.
    let home = Home::new();
    let out = home
        .command(&["ann", "--method", "passkey"])
        .env("COGNATE_AUTHENTICATOR_FILE", &path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_logged_in(&home, &out, "ann");
    // By profile.
    let home = Home::new();
    let config = home.dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[profiles.default]\nauthenticator_file = {path:?}\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = home.login(&["ann", "--method", "passkey"], "");
    assert_logged_in(&home, &out, "ann");
    // Three sign-ins: the counter saved in the file went up each time.
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["credentials"][0]["counter"], 3);

    // eve has a passkey, but not in ann's file: the authenticator has none to offer.
    let eve_file = keys.path().join("eve-passkeys.json");
    register("eve", &eve_file);
    let out = Home::new().login(
        &["eve", "--method", "passkey", "--authenticator-file", &path],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(
        error_lines(&out),
        vec![
            "error: no passkey for relying party localhost on this authenticator",
            "hint: the authenticator file must hold a passkey registered for this user in this pool"
        ]
    );

    // pat has no passkey: WEB_AUTHN is not offered to them.
    let out = Home::new().login(
        &["pat", "--method", "passkey", "--authenticator-file", &path],
        "",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        error_lines(&out)[0].contains(
            "pat cannot sign in with --method passkey (WEB_AUTHN is not offered to them; offered: password, srp)"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn passkeys_without_an_authenticator_say_what_is_needed() {
    let home = Home::new();
    let out = home.login(&["ann", "--method", "passkey"], "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let lines = error_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "error: passkey sign-in needs a configured software authenticator (--authenticator-file PATH"
        ),
        "{lines:?}"
    );
    assert!(lines[0].ends_with("`cognate login --browser`"), "{lines:?}");
    assert!(!home.token_file().exists());
    // A file that is not there: nothing is tried.
    let missing = home.dir.path().join("none.json").display().to_string();
    let out = home.login(
        &[
            "ann",
            "--method",
            "passkey",
            "--authenticator-file",
            &missing,
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(error_lines(&out).len(), 1, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("does not exist"));
}

#[test]
fn passkeys_added_listed_and_deleted_with_cognate() {
    let home = Home::new();
    let out = home.login(&["kim", "--password-stdin"], &format!("{PASSWORD}\n"));
    assert_logged_in(&home, &out, "kim");
    let file = home.dir.path().join("keys").join("passkeys.json");
    let path = file.display().to_string();
    let run = |args: &[&str]| home.cognate(args).stdin(Stdio::null()).output().unwrap();
    // Without a file named: one line saying what is needed.
    let out = run(&["passkey", "add"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(error_lines(&out).len(), 1, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--authenticator-file PATH"));

    let out = run(&[
        "-o",
        "json",
        "passkey",
        "add",
        "--authenticator-file",
        &path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = added["credential_id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty(), "{added}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let out = run(&["-o", "json", "passkey", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["credential_id"], json!(id));
    assert_eq!(listed[0]["relying_party_id"], "localhost");

    // The passkey signs in.
    let other = Home::new();
    let out = other.login(
        &["kim", "--method", "passkey", "--authenticator-file", &path],
        "",
    );
    assert_logged_in(&other, &out, "kim");

    // Deleted, it is gone from the list.
    let out = run(&["passkey", "delete", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["-o", "json", "passkey", "list"]);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed, json!([]));
}

/// A credential id is base64url, so one in 64 begins with `-`: `passkey delete` takes it as the
/// id, not as an option (it was refused as an unknown argument).
#[test]
fn a_credential_id_beginning_with_a_dash_is_taken_as_the_id() {
    let home = Home::new();
    let out = home
        .cognate(&["passkey", "delete", "-4AbCd"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("unexpected argument"), "{stderr}");
    assert!(!stderr.contains("Usage:"), "{stderr}");
    // It got as far as wanting a signed-in user.
    assert!(!out.status.success(), "{stderr}");
}
