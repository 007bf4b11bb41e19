//! What the CLI's end-to-end tests share: a local Cognito (cognate-server in the test process,
//! started on first use), unsigned admin calls to it, and a user's machine (its own config file
//! and token directory) running the `cognate` binary — pointed at that Cognito
//! ([`Home::new`]) or at nothing but its profiles ([`Home::unconfigured`]).
#![allow(dead_code, clippy::unwrap_used)]

pub mod oidc_provider;

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
    /// Whether `cognate` finds the local Cognito in its environment ([`Home::env`]).
    connected: bool,
}

impl Home {
    /// A new, empty home whose environment points `cognate` at the local Cognito.
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
            connected: true,
        }
    }

    /// A new, empty home with no connection settings in its environment: what `cognate`
    /// talks to comes from its profiles (and the local Cognito is not started for it).
    pub fn unconfigured() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
            connected: false,
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

    /// The environment `cognate` runs with: nothing of the test runner's, only this (and, for
    /// a home made by [`Home::new`], the local Cognito's endpoint, pool and app client).
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = self.shell_env();
        if self.connected {
            env.extend([
                ("COGNATE_ENDPOINT".to_owned(), cognito().to_owned()),
                ("COGNATE_USER_POOL_ID".to_owned(), POOL.to_owned()),
                ("COGNATE_CLIENT_ID".to_owned(), CLIENT.to_owned()),
            ]);
        }
        env
    }

    /// [`Home::env`] without the connection variables: what a person has in their shell, the
    /// pool, app client and endpoint coming from a profile (see [`Home::configure`]).
    pub fn shell_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "COGNATE_CONFIG".to_owned(),
                self.dir.path().join("config.toml").display().to_string(),
            ),
            (
                "COGNATE_TOKEN_DIR".to_owned(),
                self.tokens().display().to_string(),
            ),
            ("HOME".to_owned(), self.dir.path().display().to_string()),
            ("NO_COLOR".to_owned(), "1".to_owned()),
        ];
        if let Some(path) = std::env::var_os("PATH") {
            env.push(("PATH".to_owned(), path.to_string_lossy().into_owned()));
        }
        env
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

    /// Runs `cognate ARGS`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, "");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs `cognate ARGS` in `n` processes at once, which must all succeed; their outputs.
    pub fn concurrently(&self, n: usize, args: &[&str]) -> Vec<String> {
        use std::process::Stdio;
        let children: Vec<_> = (0..n)
            .map(|_| {
                self.cognate(args)
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
                text(&out.stdout)
            })
            .collect()
    }

    /// The machine-to-machine token file of `profile`.
    pub fn client_token_file(&self, profile: &str) -> PathBuf {
        self.tokens()
            .join("client-tokens")
            .join(format!("{profile}.json"))
    }

    /// The token file of `profile` signed in at an OpenID provider.
    pub fn oauth_token_file(&self, profile: &str) -> PathBuf {
        self.tokens()
            .join("oauth-tokens")
            .join(format!("{profile}.json"))
    }

    /// Makes the token in `file` one that expired ten seconds ago (obtained an hour before);
    /// `obtained` is the file's name for when it was obtained.
    pub fn expire(&self, file: &std::path::Path, obtained: &str) {
        let mut v: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        v[obtained] = json!(now - 3610);
        v["expires_at"] = json!(now - 10);
        std::fs::write(file, serde_json::to_vec(&v).unwrap()).unwrap();
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

/// The repository's root.
pub fn repo() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A loopback port nobody listens on (now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
