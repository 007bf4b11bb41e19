#![allow(clippy::unwrap_used, missing_docs)]
//! The `cognate` binary as a person uses it: help, errors and exit codes, `decode`, `verify`
//! against a JWKS served on 127.0.0.1, `configure` and its 0600 file. Snapshots with insta:
//! `INSTA_UPDATE=always cargo test -p cognate-cli` rewrites them after a deliberate change.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Test1";
const CLIENT: &str = "testclient123";

/// A run of `cognate` with a clean environment and its own config file.
struct Run {
    cmd: Command,
}

fn cognate(config: &Path) -> Run {
    let mut cmd = Command::cargo_bin("cognate").unwrap();
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("COGNATE_") || key.starts_with("AWS_") || key == "RUST_BACKTRACE" {
            cmd.env_remove(key);
        }
    }
    cmd.env("COGNATE_CONFIG", config).env("NO_COLOR", "1");
    Run { cmd }
}

impl Run {
    fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    fn stdin(mut self, input: &str) -> Self {
        self.cmd.write_stdin(input.to_owned());
        self
    }

    /// Exit code, stdout and stderr as one text, with the moving parts (ports, times) replaced.
    fn transcript(mut self) -> String {
        let out = self.cmd.output().unwrap();
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap()
        );
        assert!(!text.contains('\x1b'), "colour despite NO_COLOR: {text}");
        assert!(!text.contains("panicked"), "{text}");
        text
    }

    fn code(self) -> i32 {
        let t = self.transcript();
        t.lines().next().unwrap()["exit: ".len()..].parse().unwrap()
    }
}

/// Replaces what changes from run to run.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
                (r#""exp": \d+"#, r#""exp": [EXP]"#),
                (r#""expires_in": \d+"#, r#""expires_in": [SECONDS]"#),
                (r"COGNATE_TOKEN_EXPIRES_AT='\d+'", "COGNATE_TOKEN_EXPIRES_AT='[EXP]'"),
                (r"/[^\s]*/config\.toml", "[CONFIG]"),
                (r"cognate \d+\.\d+\.\d+", "cognate [VERSION]"),
            ],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cognate").join("config.toml");
    (dir, config)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA key, its JWK, and RS256 tokens signed with it.
struct Key {
    kid: &'static str,
    pair: KeyPair,
}

impl Key {
    fn new(kid: &'static str) -> Self {
        Key {
            kid,
            pair: KeyPair::generate(KeySize::Rsa2048).unwrap(),
        }
    }

    fn jwk(&self) -> Value {
        let c = PublicKeyComponents::<Vec<u8>>::from(self.pair.public_key());
        json!({ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid, "n": b64(c.n), "e": b64(c.e) })
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "kid": self.kid });
        let input = format!(
            "{}.{}",
            b64(serde_json::to_vec(&header).unwrap()),
            b64(serde_json::to_vec(claims).unwrap())
        );
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .unwrap();
        format!("{input}.{}", b64(sig))
    }
}

/// The pool's key, a key of nobody's, and a JWKS server on 127.0.0.1 publishing the first at
/// `/{POOL}/.well-known/jwks.json`, shared by all tests.
struct Fixture {
    key: Key,
    stranger: Key,
    endpoint: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = Key::new("pool-key-1");
        let jwks = json!({ "keys": [key.jwk()] });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new().route(
                    &format!("/{POOL}/.well-known/jwks.json"),
                    axum::routing::get(move || async move { axum::Json(jwks) }),
                );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        Fixture {
            key,
            stranger: Key::new("pool-key-1"),
            endpoint: format!("http://{addr}"),
        }
    })
}

impl Fixture {
    fn issuer(&self) -> String {
        format!("{}/{POOL}", self.endpoint)
    }

    fn access_claims(&self) -> Value {
        json!({
            "sub": "0b3c1d2e-aaaa-bbbb-cccc-123456789012",
            "iss": self.issuer(),
            "client_id": CLIENT,
            "origin_jti": "origin-1",
            "event_id": "event-1",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": 1_750_000_000,
            "iat": 1_750_000_000,
            // Three days and a half hour: "expires in 3 days" for the next 30 minutes.
            "exp": now() + 3 * 86_400 + 1800,
            "jti": "jti-1",
            "username": "api-user",
            "cognito:groups": ["admins", "staff"],
        })
    }

    fn access_token(&self) -> String {
        self.key.sign(&self.access_claims())
    }

    fn id_token(&self) -> String {
        let mut c = self.access_claims();
        let o = c.as_object_mut().unwrap();
        o.remove("client_id");
        o.remove("scope");
        o.remove("username");
        o.insert("aud".into(), json!(CLIENT));
        o.insert("token_use".into(), json!("id"));
        o.insert("cognito:username".into(), json!("api-user"));
        o.insert("email".into(), json!("api-user@example.com"));
        self.key.sign(&c)
    }

    fn with(&self, key: &str, value: Value) -> String {
        let mut c = self.access_claims();
        c[key] = value;
        self.key.sign(&c)
    }
}

// ---------------------------------------------------------------- help and usage

#[test]
fn help() {
    let (_d, config) = tmp();
    snapshot!("help", cognate(&config).args(["--help"]).transcript());
    snapshot!("help_short", cognate(&config).args(["-h"]).transcript());
    snapshot!(
        "help_decode",
        cognate(&config).args(["decode", "--help"]).transcript()
    );
    snapshot!(
        "help_verify",
        cognate(&config).args(["verify", "--help"]).transcript()
    );
    snapshot!(
        "help_configure",
        cognate(&config).args(["configure", "--help"]).transcript()
    );
    snapshot!(
        "help_configure_list",
        cognate(&config)
            .args(["configure", "list", "--help"])
            .transcript()
    );
    snapshot!("version", cognate(&config).args(["--version"]).transcript());
}

#[test]
fn usage_errors_exit_2() {
    let (_d, config) = tmp();
    snapshot!("usage_no_command", cognate(&config).transcript());
    snapshot!(
        "usage_unknown_command",
        cognate(&config).args(["frobnicate"]).transcript()
    );
    snapshot!(
        "usage_missing_token",
        cognate(&config).args(["verify"]).transcript()
    );
    snapshot!(
        "usage_bad_output",
        cognate(&config)
            .args(["--output", "yaml", "decode", "x"])
            .transcript()
    );
    assert_eq!(cognate(&config).args(["-q", "-v", "decode", "x"]).code(), 2);
    assert_eq!(cognate(&config).args(["completions", "cmd"]).code(), 2);
}

#[test]
fn completions() {
    let (_d, config) = tmp();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = cognate(&config).args(["completions", shell]).transcript();
        assert!(out.starts_with("exit: 0\n"), "{out}");
        assert!(
            out.contains("configure") && out.contains("user-pool-id"),
            "{shell}"
        );
    }
}

// ---------------------------------------------------------------- decode

#[test]
fn decode() {
    let (_d, config) = tmp();
    let f = fixture();
    let token = f.id_token();
    snapshot!(
        "decode_text",
        cognate(&config).args(["decode", &token]).transcript()
    );
    snapshot!(
        "decode_json",
        cognate(&config)
            .args(["decode", "--output", "json", &token])
            .transcript()
    );
    // From stdin, with a `Bearer ` prefix and a newline, as `pbpaste | cognate decode -` gives it.
    let piped = cognate(&config)
        .args(["decode", "-"])
        .stdin(&format!("Bearer {token}\n"))
        .transcript();
    assert_eq!(
        piped,
        cognate(&config).args(["decode", &token]).transcript()
    );
    // -q: the data only.
    let quiet = cognate(&config).args(["-q", "decode", &token]).transcript();
    assert!(quiet.ends_with("--- stderr\n"), "{quiet}");
    // Expired tokens say so.
    let expired = f.with("exp", json!(now() - 7500));
    let out = cognate(&config).args(["decode", &expired]).transcript();
    assert!(out.contains("EXPIRED 2 h 5 min ago"), "{out}");
}

#[test]
fn decode_errors() {
    let (_d, config) = tmp();
    snapshot!(
        "decode_not_a_jwt",
        cognate(&config).args(["decode", "abc"]).transcript()
    );
    snapshot!(
        "decode_refresh_token",
        cognate(&config).args(["decode", "a.b.c.d.e"]).transcript()
    );
    snapshot!(
        "decode_empty_stdin",
        cognate(&config)
            .args(["decode", "-"])
            .stdin("\n")
            .transcript()
    );
    snapshot!(
        "decode_env_output",
        cognate(&config)
            .args(["decode", "-o", "env", "a.b.c"])
            .transcript()
    );
}

// ---------------------------------------------------------------- verify

fn verify(config: &Path, extra: &[&str], token: &str) -> Run {
    let f = fixture();
    let issuer = f.issuer();
    cognate(config)
        .args(["verify", "--issuer", &issuer])
        .args(extra)
        .args([token])
}

#[test]
fn verify_valid_tokens() {
    let (_d, config) = tmp();
    let f = fixture();
    let access = f.access_token();
    snapshot!(
        "verify_valid_text",
        verify(
            &config,
            &["--client-id", CLIENT, "--token-use", "access"],
            &access
        )
        .transcript()
    );
    snapshot!(
        "verify_valid_json",
        verify(&config, &["--client-id", CLIENT, "-o", "json"], &access).transcript()
    );
    snapshot!(
        "verify_valid_env",
        verify(&config, &["--client-id", CLIENT, "-o", "env"], &access).transcript()
    );
    snapshot!(
        "verify_valid_id_any_client",
        verify(&config, &["--token-use", "id"], &f.id_token()).transcript()
    );
}

#[test]
fn verify_names_the_failed_check() {
    let (_d, config) = tmp();
    let f = fixture();
    let cases = [
        ("verify_expired", vec![], f.with("exp", json!(now() - 7500))),
        (
            "verify_wrong_client",
            vec!["--client-id", "otherclient"],
            f.access_token(),
        ),
        (
            "verify_wrong_token_use",
            vec!["--token-use", "id"],
            f.access_token(),
        ),
        (
            "verify_bad_signature",
            vec![],
            f.stranger.sign(&f.access_claims()),
        ),
        (
            "verify_wrong_issuer",
            vec![],
            f.with("iss", json!("https://evil.example/us-east-1_Test1")),
        ),
        ("verify_not_a_jwt", vec![], "abc".to_owned()),
        ("verify_refresh_token", vec![], "a.b.c.d.e".to_owned()),
    ];
    for (name, extra, token) in cases {
        let out = verify(&config, &extra, &token).transcript();
        assert!(out.starts_with("exit: 6\n"), "{name}: {out}");
        snapshot!(name, out);
    }
    snapshot!(
        "verify_expired_json",
        verify(
            &config,
            &["-o", "json"],
            &f.with("exp", json!(now() - 7500))
        )
        .transcript()
    );
}

#[test]
fn verify_settings_from_env_and_profile() {
    let (_d, config) = tmp();
    let f = fixture();
    let token = f.access_token();
    // A local server's issuer is {endpoint}/{pool}: the endpoint and pool come from the env...
    let out = cognate(&config)
        .env("COGNATE_ENDPOINT", &f.endpoint)
        .env("COGNATE_USER_POOL_ID", POOL)
        .env("COGNATE_CLIENT_ID", CLIENT)
        .args(["verify", &token])
        .transcript();
    assert!(
        out.starts_with("exit: 0\n--- stdout\nvalid access token of api-user"),
        "{out}"
    );
    // ...or from a profile written by `cognate configure`.
    let out = cognate(&config)
        .args(["configure", "--profile", "local", "--user-pool-id", POOL])
        .args(["--client-id", CLIENT, "--endpoint", &f.endpoint])
        .transcript();
    assert!(out.starts_with("exit: 0\n"), "{out}");
    let out = cognate(&config)
        .args(["verify", "--profile", "local", &token])
        .transcript();
    assert!(
        out.starts_with("exit: 0\n--- stdout\nvalid access token"),
        "{out}"
    );
    // A flag beats the profile.
    let out = cognate(&config)
        .env("COGNATE_PROFILE", "local")
        .args(["verify", "--client-id", "otherclient", &token])
        .transcript();
    assert!(
        out.starts_with("exit: 6\n") && out.contains("`client_id`"),
        "{out}"
    );
    // With an endpoint, only that server's tokens are accepted, and the hint says how to check
    // a token of AWS instead.
    let aws = f.with(
        "iss",
        json!(format!(
            "https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
        )),
    );
    snapshot!(
        "verify_endpoint_other_issuer",
        cognate(&config)
            .env("COGNATE_PROFILE", "local")
            .args(["verify", &aws])
            .transcript()
    );
}

#[test]
fn verify_usage_and_network_errors() {
    let (_d, config) = tmp();
    let f = fixture();
    let token = f.access_token();
    snapshot!(
        "verify_no_pool",
        cognate(&config).args(["verify", &token]).transcript()
    );
    snapshot!(
        "verify_bad_pool_id",
        cognate(&config)
            .args(["verify", "--user-pool-id", "nonsense", &token])
            .transcript()
    );
    snapshot!(
        "verify_missing_profile",
        cognate(&config)
            .args(["verify", "--profile", "nope", &token])
            .transcript()
    );
    // Nothing listens on port 9 of 127.0.0.1: the keys cannot be fetched, exit 4.
    let out = cognate(&config)
        .args([
            "verify",
            "--issuer",
            &f.issuer(),
            "--jwks-url",
            "http://127.0.0.1:9/jwks.json",
        ])
        .args([&token])
        .transcript();
    assert!(out.starts_with("exit: 4\n"), "{out}");
    snapshot!("verify_jwks_unreachable", out);
}

// ---------------------------------------------------------------- configure

#[test]
fn configure_writes_a_0600_profile() {
    let (_d, config) = tmp();
    let out = cognate(&config)
        .args([
            "configure",
            "--user-pool-id",
            "eu-west-1_AbC123xyZ",
            "--client-id",
            CLIENT,
        ])
        .args([
            "--username",
            "ann@example.com",
            "--header-style",
            "graphql-id",
        ])
        .transcript();
    snapshot!("configure_saved", out);
    let out = cognate(&config)
        .args(["configure", "--profile", "local", "--user-pool-id", POOL])
        .args(["--endpoint", "http://127.0.0.1:9229", "--no-input"])
        .transcript();
    assert!(out.starts_with("exit: 0\n"), "{out}");
    // Updating keeps what is not given; an empty value removes a key.
    let out = cognate(&config)
        .args([
            "configure",
            "--username",
            "",
            "--identity-pool-id",
            "eu-west-1:1234",
        ])
        .transcript();
    assert!(out.contains("Updated profile `default`"), "{out}");
    snapshot!("configure_file", std::fs::read_to_string(&config).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Nothing else is left in the directory (no temporary file).
    assert_eq!(
        std::fs::read_dir(config.parent().unwrap()).unwrap().count(),
        1
    );
}

#[test]
fn configure_stores_a_secret_only_when_asked() {
    let (_d, config) = tmp();
    snapshot!(
        "configure_secret_without_store",
        cognate(&config)
            .args([
                "configure",
                "--client-id",
                CLIENT,
                "--client-secret",
                "s3cret"
            ])
            .transcript()
    );
    // Set in the environment, it is not written by a plain `configure`.
    let out = cognate(&config)
        .env("COGNATE_CLIENT_SECRET", "from-env-secret")
        .args(["configure", "--client-id", CLIENT])
        .transcript();
    assert!(out.starts_with("exit: 0\n"), "{out}");
    assert!(!std::fs::read_to_string(&config).unwrap().contains("secret"));
    // From standard input with --store-client-secret.
    let out = cognate(&config)
        .args(["configure", "--store-client-secret"])
        .stdin("piped-secret-0123456789\n")
        .transcript();
    assert!(out.starts_with("exit: 0\n"), "{out}");
    let file = std::fs::read_to_string(&config).unwrap();
    assert!(
        file.contains("client_secret = \"piped-secret-0123456789\""),
        "{file}"
    );
    // `configure list` masks it.
    snapshot!(
        "configure_list_text",
        cognate(&config).args(["configure", "list"]).transcript()
    );
    // And --forget-client-secret removes it.
    let out = cognate(&config)
        .args(["configure", "--forget-client-secret"])
        .transcript();
    assert!(out.starts_with("exit: 0\n"), "{out}");
    assert!(!std::fs::read_to_string(&config).unwrap().contains("secret"));
}

#[test]
fn configure_list_shows_sources() {
    let (_d, config) = tmp();
    cognate(&config)
        .args([
            "configure",
            "--user-pool-id",
            "eu-west-1_AbC123xyZ",
            "--client-id",
            CLIENT,
        ])
        .args(["--username", "ann"])
        .transcript();
    let run = |format: &str| {
        cognate(&config)
            .env("COGNATE_CLIENT_ID", "envclient")
            .env("AWS_REGION", "us-east-1")
            .env(
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                "http://localhost:9229",
            )
            .args(["configure", "list", "--username", "bob", "-o", format])
            .transcript()
    };
    snapshot!("configure_list_sources_text", run("text"));
    snapshot!("configure_list_sources_json", run("json"));
    snapshot!("configure_list_sources_env", run("env"));
}

#[test]
fn configure_errors() {
    let (_d, config) = tmp();
    snapshot!(
        "configure_nothing",
        cognate(&config).args(["configure"]).transcript()
    );
    snapshot!(
        "configure_bad_pool",
        cognate(&config)
            .args(["configure", "--user-pool-id", "us-east-1"])
            .transcript()
    );
    snapshot!(
        "configure_region_mismatch",
        cognate(&config)
            .args([
                "configure",
                "--user-pool-id",
                "us-east-1_Abc",
                "--region",
                "eu-west-1"
            ])
            .transcript()
    );
    snapshot!(
        "configure_bad_endpoint",
        cognate(&config)
            .args(["configure", "--endpoint", "localhost:9229"])
            .transcript()
    );
    snapshot!(
        "configure_bad_profile_name",
        cognate(&config)
            .args(["configure", "--profile", "my profile", "--client-id", "x"])
            .transcript()
    );
    // A broken config file is named, with what is wrong in it.
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[profiles.default]\nregoin = 'x'\n").unwrap();
    snapshot!(
        "configure_broken_file",
        cognate(&config).args(["configure", "list"]).transcript()
    );
    assert!(!config.with_extension("toml.tmp").exists());
}
