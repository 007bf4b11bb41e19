#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! `cognate serve` at start-up: one block saying what the seed created (pools, app clients,
//! users, identity pools, with the ids to copy; no secret), identity pools declared in the
//! seed (checked against the model, usable at once), and a busy port as one error line and a
//! hint — as real processes.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const POOL: &str = "us-east-1_Startup1";
const CLIENT: &str = "startupwebclientabcdefghij";
const SECRET: &str = "startupfixedsecret0123456789abcdefghijklmnopqrstu";
const IDENTITY_POOL: &str = "us-east-1:0b5c6c1e-8d2f-4c3a-9e7b-1a2b3c4d5e6f";
const USER: &str = "alice";
const PASSWORD: &str = "Correct horse 1!";

fn seed_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("seed.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[[pools]]
id = "{POOL}"
name = "startup"

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "backend"
secret = "{SECRET}"

[[pools.users]]
username = "{USER}"
password = "{PASSWORD}"

[[pools.users]]
username = "bob"
password = "{PASSWORD}"
temporary = true

[[identity_pools]]
name = "startup identities"
id = "{IDENTITY_POOL}"
CognitoIdentityProviders = [{{ ProviderName = "cognito-idp.us-east-1.amazonaws.com/{POOL}", ClientId = "{CLIENT}" }}]
Roles = {{ authenticated = "arn:aws:iam::123456789012:role/startup" }}

[[identity_pools]]
name = "generated id"
"#
        ),
    )
    .unwrap();
    path
}

fn cognate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cognate"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("COGNATE_") || key.starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

/// A running `cognate serve`, killed on drop.
struct Served {
    child: Child,
    endpoint: String,
    /// Its stderr up to the end of the start-up summary.
    banner: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut child = cognate()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut banner = Vec::new();
    let mut endpoint = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            endpoint = Some(rest.split_whitespace().next().unwrap().to_owned());
        }
        let last_identity_pool = line.contains("generated id");
        banner.push(line);
        if last_identity_pool {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Served {
        child,
        endpoint: endpoint.unwrap_or_else(|| panic!("no endpoint: {banner:?}")),
        banner,
    }
}

#[test]
fn the_seed_summary_names_every_id_once_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seed_file(dir.path());
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let served = serve(&["--data", data, "--seed", seed.to_str().unwrap()]);
    let banner = served.banner.join("\n");
    let from = banner.find("seed: ").unwrap_or_else(|| panic!("{banner}"));
    let block: Vec<&str> = banner[from..].lines().collect();
    assert_eq!(
        block[0], "seed: 1 user pool, 2 app clients, 2 users, 2 identity pools (7 created now)",
        "{banner}"
    );
    assert!(
        block[1].starts_with(&format!("  user pool      {POOL} ")),
        "{banner}"
    );
    assert!(block[1].ends_with(" startup"), "{banner}");
    assert!(
        block[2].contains(CLIENT) && block[2].ends_with(" web"),
        "{banner}"
    );
    // The backend client's generated id is there to copy; its secret is not printed.
    let backend: Vec<&str> = block[3].split_whitespace().collect();
    assert_eq!(&backend[..2], ["app", "client"], "{banner}");
    assert!(
        backend[2].len() == 26 && backend[2].chars().all(|c| c.is_ascii_alphanumeric()),
        "{banner}"
    );
    assert!(block[3].ends_with("backend, has a secret"), "{banner}");
    assert_eq!(block[4], "    users        alice, bob", "{banner}");
    assert_eq!(
        block[5],
        format!("  identity pool  {IDENTITY_POOL} startup identities")
    );
    assert!(
        block[6].starts_with("  identity pool  us-east-1:"),
        "{banner}"
    );
    assert!(block[6].ends_with(" generated id"), "{banner}");
    assert_eq!(block.len(), 7, "{banner}");
    assert!(!banner.contains(SECRET), "the client secret was printed");
    assert!(!banner.contains(PASSWORD), "a password was printed");

    // The seeded identity pool works at once: log in, then temporary AWS credentials.
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("COGNATE_CONFIG", home.path().join("c.toml")),
        ("COGNATE_TOKEN_DIR", home.path().join("tokens")),
    ];
    let mut login = cognate();
    login
        .envs(env.clone())
        .args([
            "login",
            "--flow",
            "password",
            "--endpoint",
            &served.endpoint,
        ])
        .args([
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
            "--username",
            USER,
        ])
        .env("COGNATE_PASSWORD", PASSWORD);
    let out = login.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cognate()
        .envs(env)
        .args(["aws-credentials", "--identity-pool-id", IDENTITY_POOL])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["AccessKeyId"].as_str().is_some_and(|k| !k.is_empty()));
    let generated = block[6].split_whitespace().nth(2).unwrap().to_owned();
    drop(served);

    // Applied again on the same data: nothing new, every id the same.
    let served = serve(&["--data", data, "--seed", seed.to_str().unwrap()]);
    let banner = served.banner.join("\n");
    assert!(
        banner.contains(
            "seed: 1 user pool, 2 app clients, 2 users, 2 identity pools (0 created now)"
        ),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("{generated} generated id (existing)")),
        "{banner}"
    );
    assert!(
        banner.contains("alice (existing), bob (existing)"),
        "{banner}"
    );
    assert!(banner.contains(&backend[2].to_string()), "{banner}");
}

#[test]
fn identity_pools_in_the_seed_are_checked_against_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.toml");
    std::fs::write(
        &seed,
        "[[identity_pools]]\nname = \"bad\"\nid = \"not an id\"\n",
    )
    .unwrap();
    let out = cognate()
        .args(["serve", "--in-memory", "--bind", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("identity pool bad: "), "{err}");
    assert!(err.contains("identityPoolId"), "{err}");
    std::fs::write(
        &seed,
        "[[identity_pools]]\nname = \"bad\"\nAllowUnauthenticatedIdentities = \"yes\"\n",
    )
    .unwrap();
    let out = cognate()
        .args(["serve", "--in-memory", "--bind", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("identity pool bad: "), "{err}");
}

#[test]
fn a_busy_port_is_one_line_and_a_hint() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let port = taken.local_addr().unwrap().port();
    let out = cognate()
        .args(["serve", "--in-memory", "--bind", &addr])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        format!(
            "error: cannot listen on {addr}: another process is using that address\n\
             hint: stop it (`ss -ltnp 'sport = :{port}'` names it), or take a free port with \
             --bind 127.0.0.1:0\n"
        )
    );
    // -v: the OS's words, once.
    let out = cognate()
        .args(["-v", "serve", "--in-memory", "--bind", &addr])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    assert!(err.contains("  caused by: "), "{err}");
    let _ = std::io::stderr().flush();
}
