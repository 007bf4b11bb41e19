//! What `interactive.rs` and `token_file.rs` share: a local Cognito (cognate-server in the test
//! process), unsigned admin calls to it, and a user's machine (its own config file and token
//! directory) with `cognate` pointed at that Cognito.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

use cognate_server::{Seed, Server};
use serde_json::{Value, json};

/// The pool every test here uses.
pub const POOL: &str = "us-east-1_Interact1";
/// Its app client (SRP, password and refresh allowed; no secret).
pub const CLIENT: &str = "interactclientabcdefghijkl";
/// A confirmed user.
pub const USER: &str = "alice";
/// Alice's password.
pub const PASSWORD: &str = "Correct horse 1!";

/// A second pool, for tests that change pool-wide settings (MFA).
pub const MFA_POOL: &str = "us-east-1_Interact2";
/// Its app client.
pub const MFA_CLIENT: &str = "interactmfaclientabcdefghi";
/// A confirmed user of [`MFA_POOL`] (password [`PASSWORD`]).
pub const MFA_USER: &str = "bob";

/// A third pool, for choice-based sign-in (`USER_AUTH`) with codes by email.
pub const OTP_POOL: &str = "us-east-1_Interact3";
/// Its app client (`USER_AUTH` allowed).
pub const OTP_CLIENT: &str = "interactotpclientabcdefghi";
/// A confirmed user of [`OTP_POOL`] with a verified email address.
pub const OTP_USER: &str = "carol";

/// The local Cognito, started once per test binary; its endpoint.
pub fn cognito() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let seed: Seed = serde_json::from_value(json!({ "pools": [{
            "id": POOL, "name": "interactive",
            "clients": [{"name": "cli", "id": CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "users": [
                {"username": USER, "password": PASSWORD,
                 "attributes": {"email": "alice@example.com"}}
            ]
        }, {
            "id": MFA_POOL, "name": "interactive-mfa",
            "clients": [{"name": "cli", "id": MFA_CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "users": [{"username": MFA_USER, "password": PASSWORD}]
        }, {
            "id": OTP_POOL, "name": "interactive-otp",
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
            "clients": [{"name": "cli", "id": OTP_CLIENT,
                "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
            "users": [{"username": OTP_USER, "password": PASSWORD,
                       "attributes": {"email": "carol@example.com", "email_verified": "true"}}]
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

/// One Cognito call as the AWS CLI makes it (AWS JSON 1.1; the local server does not need a
/// signature): the response, or `Err((__type, body))`.
pub fn call(op: &str, body: &Value) -> Result<Value, (String, Value)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .post(cognito())
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
        let text = resp.text().await.unwrap();
        let value: Value = if text.is_empty() {
            json!({})
        } else {
            serde_json::from_str(&text).unwrap()
        };
        if ok {
            Ok(value)
        } else {
            let kind = value["__type"].as_str().unwrap_or_default().to_owned();
            Err((kind, value))
        }
    })
}

/// The last one-time code of `purpose` (`EMAIL_OTP`, …) the local Cognito sent `user` of
/// `pool`, from its outbox.
pub fn last_code(pool: &str, user: &str, purpose: &str) -> Option<String> {
    let url = format!(
        "{}/_cognate/outbox?pool={pool}&purpose={purpose}&username={user}",
        cognito()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let v: Value = rt.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
    v["messages"]
        .as_array()?
        .last()
        .and_then(|m| m["code"].as_str())
        .map(str::to_owned)
}

/// A user's machine: its own config file and token directory.
pub struct Home {
    /// Everything of this user lives here.
    pub dir: tempfile::TempDir,
}

impl Home {
    /// A new, empty home.
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The token directory (`COGNATE_TOKEN_DIR`).
    pub fn tokens(&self) -> PathBuf {
        self.dir.path().join("tokens")
    }

    /// The token file of `profile`.
    pub fn token_file(&self, profile: &str) -> PathBuf {
        self.tokens().join(format!("{profile}.json"))
    }

    /// The environment `cognate` runs with: nothing of the test runner's, only this.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "COGNATE_CONFIG".to_owned(),
                self.dir.path().join("config.toml").display().to_string(),
            ),
            (
                "COGNATE_TOKEN_DIR".to_owned(),
                self.tokens().display().to_string(),
            ),
            ("COGNATE_ENDPOINT".to_owned(), cognito().to_owned()),
            ("COGNATE_USER_POOL_ID".to_owned(), POOL.to_owned()),
            ("COGNATE_CLIENT_ID".to_owned(), CLIENT.to_owned()),
            ("HOME".to_owned(), self.dir.path().display().to_string()),
            ("NO_COLOR".to_owned(), "1".to_owned()),
        ];
        if let Some(path) = std::env::var_os("PATH") {
            env.push(("PATH".to_owned(), path.to_string_lossy().into_owned()));
        }
        env
    }

    /// [`Home::env`] without the connection variables: what a person has in their shell, the
    /// pool, app client and endpoint coming from a profile (see [`Home::configure`]).
    pub fn shell_env(&self) -> Vec<(String, String)> {
        self.env()
            .into_iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "COGNATE_ENDPOINT" | "COGNATE_USER_POOL_ID" | "COGNATE_CLIENT_ID"
                )
            })
            .collect()
    }

    /// `cognate configure --profile PROFILE` with the local pool, app client and endpoint.
    pub fn configure(&self, profile: &str) {
        self.configure_pool(profile, POOL, CLIENT);
    }

    /// `cognate configure --profile PROFILE` with this pool and app client of the local Cognito.
    pub fn configure_pool(&self, profile: &str, pool: &str, client: &str) {
        let out = std::process::Command::new(bin())
            .env_clear()
            .envs(self.shell_env())
            .args(["configure", "--profile", profile, "--user-pool-id", pool])
            .args(["--client-id", client, "--endpoint", cognito()])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }

    /// `cognate ARGS` with [`Home::env`] and nothing else in its environment.
    pub fn cognate(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
        cmd.env_clear().envs(self.env()).args(args);
        cmd
    }

    /// Runs `cognate ARGS` with `stdin` as standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write as _;
        use std::process::Stdio;
        let mut child = self
            .cognate(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
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

    /// `cognate verify --token-use USE TOKEN` exits 0.
    pub fn assert_verifies(&self, token: &str, token_use: &str) {
        let out = self
            .cognate(&["verify", "--token-use", token_use, token])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

/// The `cognate` binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cognate"))
}

/// Bytes as UTF-8 text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// The permission bits of `path`.
#[cfg(unix)]
pub fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
