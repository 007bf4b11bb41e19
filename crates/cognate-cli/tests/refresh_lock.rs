#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! Issue 13 item 9: many `cognate token` processes on one expired token send exactly one
//! refresh. Real processes all the way: `cognate serve` as a child process (its request log
//! counts the refreshes), and 20 `cognate token` processes started together on a token file
//! whose tokens expired an hour ago. The profile's lock is held around refresh-and-store, so one
//! process refreshes and the others wait, then read its tokens.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const POOL: &str = "us-east-1_LockTest1";
const CLIENT: &str = "locktestclientabcdefghijkl";
const USER: &str = "alice";
const PASSWORD: &str = "Correct horse 1!";
/// Processes started at once.
const PROCESSES: usize = 20;

fn bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_cognate"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// `cognate serve` as a child process, killed on drop; its endpoint and its stderr lines.
struct Serve {
    child: Child,
    endpoint: String,
    log: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start() -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let seed = dir.path().join("seed.toml");
        std::fs::write(
            &seed,
            format!(
                r#"
[[pools]]
id = "{POOL}"
name = "lock-test"

[[pools.clients]]
name = "cli"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "{USER}"
password = "{PASSWORD}"
"#
            ),
        )
        .unwrap();
        let mut child = Command::new(bin())
            .args(["serve", "--in-memory", "--bind", "127.0.0.1:0", "--seed"])
            .arg(&seed)
            .env_clear()
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = loop {
            let line = lines
                .next()
                .expect("cognate serve stopped before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Serve {
            child,
            endpoint,
            log,
            _dir: dir,
        }
    }

    /// How many requests of `operation` the server has logged.
    fn count(&self, operation: &str) -> usize {
        let needle = format!("operation={operation} ");
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(&needle))
            .count()
    }

    /// Waits until the log holds `n` requests of `operation` (the log trails the answers).
    fn wait_for(&self, operation: &str, n: usize) -> usize {
        let start = Instant::now();
        while self.count(operation) < n && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        // A moment more, for any request beyond the n-th to show up too.
        std::thread::sleep(Duration::from_millis(300));
        self.count(operation)
    }
}

#[test]
fn twenty_processes_on_an_expired_token_send_one_refresh() {
    let serve = Serve::start();
    let home = tempfile::tempdir().unwrap();
    let tokens = home.path().join("tokens");
    let cognate = |args: &[&str]| {
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("HOME", home.path())
            .env("COGNATE_CONFIG", home.path().join("config.toml"))
            .env("COGNATE_TOKEN_DIR", &tokens)
            .env("COGNATE_ENDPOINT", &serve.endpoint)
            .env("COGNATE_USER_POOL_ID", POOL)
            .env("COGNATE_CLIENT_ID", CLIENT)
            .env("COGNATE_USERNAME", USER)
            .env("NO_COLOR", "1")
            .args(args);
        cmd
    };
    let mut login = cognate(&["login", "--flow", "password", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = login.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let logins = serve.wait_for("InitiateAuth", 1);
    assert_eq!(logins, 1, "one InitiateAuth for the login");

    for round in 0..3 {
        // Age the tokens: the server's clock two hours ahead, so they expired an hour ago.
        let file = tokens.join("default.json");
        let mut aged: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let old_access = aged["access_token"].as_str().unwrap().to_owned();
        aged["clock_skew_secs"] = json!(7200);
        std::fs::write(&file, serde_json::to_vec(&aged).unwrap()).unwrap();
        let before = serve.count("InitiateAuth");

        let children: Vec<Child> = (0..PROCESSES)
            .map(|_| {
                cognate(&["token"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut printed = BTreeSet::new();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            printed.insert(text(&out.stdout).trim().to_owned());
        }
        let refreshes = serve.wait_for("InitiateAuth", before + 1) - before;
        eprintln!(
            "round {round}: {PROCESSES} processes, {refreshes} refresh(es), {} distinct token(s)",
            printed.len()
        );
        assert_eq!(refreshes, 1, "round {round}: refreshes sent");
        assert_eq!(
            printed.len(),
            1,
            "round {round}: every process printed the same token"
        );
        let token = printed.into_iter().next().unwrap();
        assert_ne!(token, old_access);
        let stored: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(stored["access_token"], token.as_str());
        // A refresh keeps the record of whom the tokens belong to.
        assert_eq!(stored["for"]["username"], USER, "{stored}");
        assert_eq!(stored["for"]["user_pool_id"], POOL, "{stored}");
    }
}
