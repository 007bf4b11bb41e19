#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate login`, `token`, `curl`, `whoami` and `logout` against a local Cognito
//! (cognate-server in this test process) and a small axum API that echoes what it received.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use assert_cmd::Command;
use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::any;
use cognate_server::{Seed, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Session1";
const CLIENT: &str = "sessionclientabcdefghijklm";
const USER: &str = "alice";
const PASSWORD: &str = "Correct horse 1!";

/// The local Cognito, started once for all tests; its endpoint.
fn cognito() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let seed: Seed = serde_json::from_value(json!({ "pools": [{
            "id": POOL, "name": "session",
            "Schema": [{"Name": "companyId", "AttributeDataType": "String"}],
            "clients": [{"name": "cli", "id": CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "users": [
                {"username": USER, "password": PASSWORD,
                 "attributes": {"email": "alice@example.com", "custom:companyId": "42"}},
                {"username": "newbie", "password": "Temporary 1!", "temporary": true},
                {"username": "newbie2", "password": "Temporary 1!", "temporary": true},
                {"username": "globetrotter", "password": PASSWORD}
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
        rx.recv().unwrap()
    })
}

/// Tokens an API refused once with 401 (the `/reject-first` route).
type Seen = Arc<Mutex<Vec<String>>>;

async fn echo(method: Method, headers: HeaderMap, body: String) -> Json<Value> {
    let h = |n: &str| {
        headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Json(json!({
        "method": method.as_str(),
        "authorization": h("authorization"),
        "security_token": h("x-amz-cognito-security-token"),
        "api_key": h("x-api-key"),
        "extra": h("x-extra"),
        "body": body,
    }))
}

async fn status(UrlPath(code): UrlPath<u16>) -> impl IntoResponse {
    (
        StatusCode::from_u16(code).unwrap(),
        [("x-test", "yes")],
        format!("status {code}\n"),
    )
}

/// 401 for the first token it sees, 200 for any other.
async fn reject_first(State(seen): State<Seen>, headers: HeaderMap) -> impl IntoResponse {
    let token = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut seen = seen.lock().unwrap();
    if seen.is_empty() || seen[0] == token {
        seen.push(token);
        (StatusCode::UNAUTHORIZED, "expired\n".to_owned())
    } else {
        seen.push(token);
        (StatusCode::OK, "welcome back\n".to_owned())
    }
}

/// The test API, started once; its base URL and the tokens `/reject-first` saw.
fn api() -> &'static (String, Seen) {
    static API: OnceLock<(String, Seen)> = OnceLock::new();
    API.get_or_init(|| {
        let seen: Seen = Arc::default();
        let state = Arc::clone(&seen);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new()
                    .route("/echo", any(echo))
                    .route("/status/{code}", any(status))
                    .route("/reject-first", any(reject_first))
                    .with_state(state);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        (rx.recv().unwrap(), seen)
    })
}

/// A user's machine: its own config file and token directory.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn tokens(&self) -> PathBuf {
        self.dir.path().join("tokens")
    }

    fn token_file(&self) -> PathBuf {
        self.tokens().join("default.json")
    }

    /// `cognate` with a clean environment pointed at the local Cognito.
    fn cognate(&self) -> Command {
        let mut cmd = Command::cargo_bin("cognate").unwrap();
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("COGNATE_") || key.starts_with("AWS_") || key == "RUST_BACKTRACE" {
                cmd.env_remove(key);
            }
        }
        cmd.env("COGNATE_CONFIG", self.dir.path().join("config.toml"))
            .env("COGNATE_TOKEN_DIR", self.tokens())
            .env("COGNATE_ENDPOINT", cognito())
            .env("COGNATE_USER_POOL_ID", POOL)
            .env("COGNATE_CLIENT_ID", CLIENT)
            .env("COGNATE_USERNAME", USER)
            .env("NO_COLOR", "1");
        cmd
    }

    fn login(&self, flow: &str) {
        let out = self
            .cognate()
            .args(["login", "--flow", flow, "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        let err = text(&out.stderr);
        assert!(
            err.starts_with("logged in as alice (profile default)"),
            "{err}"
        );
    }

    fn token(&self, args: &[&str]) -> String {
        let out = self.cognate().arg("token").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    }

    fn stored(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.token_file()).unwrap()).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// `exit`, stdout and stderr in one text with temporary paths and ports replaced.
fn transcript(out: &std::process::Output, home: &Path) -> String {
    let t = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap(),
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(!t.contains("panicked"), "{t}");
    t.replace(&home.display().to_string(), "[HOME]")
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]")],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn verify(home: &Home, token: &str, token_use: &str) {
    let out = home
        .cognate()
        .args(["verify", "--token-use", token_use, token.trim()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn srp_login_then_every_kind_of_token() {
    let home = Home::new();
    home.login("srp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.token_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let access = home.token(&[]);
    let access = access.trim().to_owned();
    assert_eq!(access.split('.').count(), 3);
    verify(&home, &access, "access");
    assert_eq!(home.token(&["--kind", "access"]).trim(), access);
    let id = home.token(&["--kind", "id"]).trim().to_owned();
    verify(&home, &id, "id");
    let refresh = home.token(&["--kind", "refresh"]).trim().to_owned();
    assert_eq!(refresh, home.stored()["refresh_token"].as_str().unwrap());
    assert!(!refresh.is_empty() && refresh != access && refresh != id);

    for (style, line) in [
        ("access", format!("Authorization: {access}\n")),
        ("bearer", format!("Authorization: Bearer {access}\n")),
        ("id", format!("authorization: {id}\n")),
        (
            "security-token",
            format!("X-Amz-Cognito-Security-Token: {id}\n"),
        ),
    ] {
        assert_eq!(home.token(&["--header", style]), line);
    }

    // env output: access and ID by default, the refresh token only when asked.
    let env = home.token(&["-o", "env"]);
    assert_eq!(
        env,
        format!("export COGNATE_ACCESS_TOKEN='{access}'\nexport COGNATE_ID_TOKEN='{id}'\n")
    );
    assert!(!env.contains(&refresh));
    assert_eq!(
        home.token(&["-o", "env", "--kind", "refresh"]),
        format!("export COGNATE_REFRESH_TOKEN='{refresh}'\n")
    );
    let json: Value = serde_json::from_str(&home.token(&["-o", "json"])).unwrap();
    assert_eq!(json["access_token"], access.as_str());
    assert_eq!(json["id_token"], id.as_str());
    assert!(json.get("refresh_token").is_none());
}

#[test]
fn password_flow_login_and_whoami() {
    let home = Home::new();
    home.login("password");
    let out = home.cognate().arg("whoami").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let who = text(&out.stdout);
    assert!(who.starts_with("username: alice\n"), "{who}");
    assert!(who.contains("email: alice@example.com\n"), "{who}");
    assert!(who.contains("custom:companyId: 42\n"), "{who}");
    let out = home
        .cognate()
        .args(["whoami", "-o", "json"])
        .output()
        .unwrap();
    let who: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(who["username"], USER);
    assert_eq!(who["attributes"]["custom:companyId"], "42");
}

#[test]
fn expired_tokens_are_refreshed_and_saved() {
    let home = Home::new();
    home.login("srp");
    let before = home.stored();
    // Pretend the server's clock is two hours ahead of ours: the tokens expired an hour ago.
    let mut aged = before.clone();
    aged["clock_skew_secs"] = json!(7200);
    std::fs::write(home.token_file(), serde_json::to_vec(&aged).unwrap()).unwrap();
    let access = home.token(&[]).trim().to_owned();
    assert_ne!(access, before["access_token"].as_str().unwrap());
    verify(&home, &access, "access");
    let after = home.stored();
    assert_eq!(after["access_token"], access.as_str());
    assert!(
        after["clock_skew_secs"].as_i64().unwrap().abs() < 60,
        "{after}"
    );
    assert_eq!(after["refresh_token"], before["refresh_token"]);
    // Fresh now: the next call hands out the same token without refreshing.
    assert_eq!(home.token(&[]).trim(), access);
}

#[test]
fn wrong_password_exits_3_with_a_hint() {
    let home = Home::new();
    for flow in ["srp", "password"] {
        let out = home
            .cognate()
            .args(["login", "--flow", flow, "--password-stdin"])
            .write_stdin("wrong password\n")
            .output()
            .unwrap();
        snapshot!(
            format!("login_wrong_password_{flow}"),
            transcript(&out, home.dir.path())
        );
        assert_eq!(out.status.code(), Some(3));
    }
    assert!(!home.token_file().exists());
}

#[test]
fn login_never_hangs_without_a_terminal() {
    let home = Home::new();
    // No password anywhere, stdin not a terminal.
    let out = home.cognate().arg("login").output().unwrap();
    snapshot!("login_no_password", transcript(&out, home.dir.path()));
    // COGNATE_PASSWORD works.
    let out = home
        .cognate()
        .arg("login")
        .env("COGNATE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A challenge needs a terminal.
    let other = Home::new();
    let out = other
        .cognate()
        .args(["login", "--username", "newbie", "--password-stdin"])
        .write_stdin("Temporary 1!\n")
        .output()
        .unwrap();
    snapshot!(
        "login_challenge_without_tty",
        transcript(&out, other.dir.path())
    );
    // A password on the command line is refused.
    let out = home
        .cognate()
        .args(["login", "--password", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--password-stdin"), "{err}");
}
/// The cached path sends nothing: with fresh tokens in the file, `cognate token` answers while
/// the endpoint is a socket that accepts no request (nothing even connects to it) or a closed
/// port; with stale tokens the same closed port is a network failure (exit 4).
#[test]
fn token_on_the_cached_path_makes_no_request() {
    let home = Home::new();
    home.login("password");
    let stored = home.stored();
    let access = stored["access_token"].as_str().unwrap().to_owned();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let listening = format!("http://{}", listener.local_addr().unwrap());
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    for endpoint in [&listening, &closed] {
        for args in [&["token"][..], &["token", "--header", "access"]] {
            let out = home
                .cognate()
                .env("COGNATE_ENDPOINT", endpoint)
                .args(args)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let want = if args.len() == 1 {
                format!("{access}\n")
            } else {
                format!("Authorization: {access}\n")
            };
            assert_eq!(text(&out.stdout), want);
        }
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("cognate token connected to the endpoint: {other:?}"),
    }
    assert_eq!(home.stored(), stored);

    // Stale tokens need a refresh: then the closed port is reached for, and fails.
    let mut aged = stored.clone();
    aged["clock_skew_secs"] = json!(7200);
    std::fs::write(home.token_file(), serde_json::to_vec(&aged).unwrap()).unwrap();
    let out = home
        .cognate()
        .env("COGNATE_ENDPOINT", &closed)
        .arg("token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn token_without_login_exits_3() {
    let home = Home::new();
    let out = home.cognate().arg("token").output().unwrap();
    snapshot!("token_not_logged_in", transcript(&out, home.dir.path()));
    let out = home.cognate().arg("whoami").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn curl_sends_every_header_style() {
    let (base, _) = api();
    let home = Home::new();
    home.login("srp");
    let access = home.token(&[]).trim().to_owned();
    let id = home.token(&["--kind", "id"]).trim().to_owned();
    let curl = |args: &[&str]| {
        let out = home.cognate().arg("curl").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let url = format!("{base}/echo");
    let got = curl(&[&url]);
    assert_eq!(got["method"], "GET");
    assert_eq!(got["authorization"], access.as_str());
    assert_eq!(got["api_key"], "");
    let got = curl(&["--style", "bearer", &url]);
    assert_eq!(got["authorization"], format!("Bearer {access}"));
    let got = curl(&["--style", "id", &url]);
    assert_eq!(got["authorization"], id.as_str());
    let got = curl(&["--style", "security-token", "--api-key", "k-123", &url]);
    assert_eq!(got["security_token"], id.as_str());
    assert_eq!(got["authorization"], "");
    assert_eq!(got["api_key"], "k-123");
    let got = curl(&["-d", "hello", "-H", "X-Extra: 1", &url]);
    assert_eq!(
        (got["method"].as_str(), got["body"].as_str()),
        (Some("POST"), Some("hello"))
    );
    assert_eq!(got["extra"], "1");
    let out = home
        .cognate()
        .args(["curl", "-X", "put", "-d", "@-", &url])
        .write_stdin("from stdin")
        .output()
        .unwrap();
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (got["method"].as_str(), got["body"].as_str()),
        (Some("PUT"), Some("from stdin"))
    );
    let file = home.dir.path().join("body.txt");
    std::fs::write(&file, "from a file").unwrap();
    let got = curl(&["--data-file", file.to_str().unwrap(), &url]);
    assert_eq!(got["body"], "from a file");
}

#[test]
fn curl_include_fail_and_transport_errors() {
    let (base, _) = api();
    let home = Home::new();
    home.login("srp");
    let out = home
        .cognate()
        .args(["curl", "-i", &format!("{base}/status/404")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "status 404\n");
    let err = text(&out.stderr);
    assert!(err.starts_with("HTTP/1.1 404 Not Found\n"), "{err}");
    assert!(err.contains("x-test: yes\n"), "{err}");
    let out = home
        .cognate()
        .args(["curl", "--fail", &format!("{base}/status/503")])
        .output()
        .unwrap();
    snapshot!("curl_fail", transcript(&out, home.dir.path()));
    let out = home
        .cognate()
        .args(["curl", "--fail", &format!("{base}/status/204")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Nothing listens on port 9 of 127.0.0.1 (discard): a transport error.
    let out = home
        .cognate()
        .args(["curl", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[test]
fn curl_refreshes_once_on_401() {
    let (base, seen) = api();
    let home = Home::new();
    home.login("srp");
    let before = home.token(&[]).trim().to_owned();
    let out = home
        .cognate()
        .args(["curl", "--fail", &format!("{base}/reject-first")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "welcome back\n");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], before);
    assert_ne!(seen[1], before);
    // The refreshed tokens were saved.
    assert_eq!(home.token(&[]).trim(), seen[1]);
}

#[test]
fn logout_revokes_and_removes_the_tokens() {
    let home = Home::new();
    home.login("srp");
    let out = home.cognate().arg("logout").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("logged out of profile default: refresh token revoked"));
    assert!(!home.token_file().exists());
    let out = home.cognate().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = home.cognate().arg("logout").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("nothing to do"));

    // --global: GlobalSignOut ends every login of the user, and the file goes. With a user of
    // its own, so that no other test's session (same server) is signed out with it.
    let as_globetrotter = || {
        let mut cmd = home.cognate();
        cmd.env("COGNATE_USERNAME", "globetrotter");
        cmd
    };
    let out = as_globetrotter()
        .args(["login", "--flow", "srp", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let saved = std::fs::read(home.token_file()).unwrap();
    let out = as_globetrotter()
        .args(["logout", "--global"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.starts_with(
            "logged out of profile default: signed out everywhere (GlobalSignOut); removed "
        ),
        "{err}"
    );
    assert!(!home.token_file().exists());
    // The old access token is refused by the server now: put the old tokens back, GetUser.
    std::fs::write(home.token_file(), &saved).unwrap();
    let out = as_globetrotter().arg("whoami").output().unwrap();
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Access Token has been revoked"), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn a_revoked_session_needs_a_new_login() {
    let home = Home::new();
    home.login("srp");
    let saved = std::fs::read(home.token_file()).unwrap();
    let out = home.cognate().arg("logout").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Restore the revoked tokens, aged: the refresh is refused and the user must log in.
    let mut aged: Value = serde_json::from_slice(&saved).unwrap();
    aged["clock_skew_secs"] = json!(7200);
    std::fs::create_dir_all(home.tokens()).unwrap();
    std::fs::write(home.token_file(), serde_json::to_vec(&aged).unwrap()).unwrap();
    let out = home.cognate().arg("token").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("run `cognate login`"), "{err}");
    snapshot!("token_session_ended", transcript(&out, home.dir.path()));
}

/// On a terminal (a pseudo-terminal from util-linux `script`), `login` asks for the password and
/// answers NEW_PASSWORD_REQUIRED by asking the new password twice.
#[cfg(target_os = "linux")]
#[test]
fn login_on_a_terminal_answers_new_password_required() {
    use std::io::Write as _;
    use std::process::Stdio;
    assert!(
        std::process::Command::new("script")
            .arg("--version")
            .output()
            .is_ok(),
        "util-linux `script` is needed for this test: apt-get install bsdutils"
    );
    let home = Home::new();
    let bin = assert_cmd::cargo::cargo_bin("cognate");
    let mut cmd = std::process::Command::new("script");
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("COGNATE_") || key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args([
            "-qec",
            &format!("{} login --username newbie2", bin.display()),
            "/dev/null",
        ])
        .env("COGNATE_CONFIG", home.dir.path().join("config.toml"))
        .env("COGNATE_TOKEN_DIR", home.tokens())
        .env("COGNATE_ENDPOINT", cognito())
        .env("COGNATE_USER_POOL_ID", POOL)
        .env("COGNATE_CLIENT_ID", CLIENT)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for line in ["Temporary 1!", "New passw0rd 2!", "New passw0rd 2!"] {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let _ = writeln!(stdin, "{line}");
        }
        std::thread::sleep(std::time::Duration::from_millis(2000));
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("Password for newbie2: "), "{all}");
    assert!(all.contains("newbie2 must choose a new password."), "{all}");
    assert!(all.contains("New password again: "), "{all}");
    assert!(all.contains("logged in as newbie2"), "{all}");
    // Without the COGNATE_USERNAME=alice of `Home::cognate`: tokens are handed out only for
    // the user they belong to (issue 20, point 5), and the login saved newbie2 in the profile.
    let out = home
        .cognate()
        .env_remove("COGNATE_USERNAME")
        .args(["whoami", "-o", "json"])
        .output()
        .unwrap();
    let who: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(who["username"], "newbie2");
}
