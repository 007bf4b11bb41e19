//! oidc-provider (npm), an independent OpenID provider, run by the tests through
//! `interop/node/oidc_provider.mjs`: a public client `web-1` and a confidential client
//! `machine-1` (secret `machine-secret-1`); it counts the token requests it answers.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

use super::{free_port, repo};

/// `node SCRIPT CONFIG` in `interop/node` (whose packages `bash scripts/install-interop`
/// installs).
pub fn node(script: &str, config: &Value) -> Command {
    let dir = repo().join("interop/node");
    assert!(
        dir.join("node_modules/oidc-provider").exists()
            && dir.join("node_modules/playwright-core").exists(),
        "interop/node/node_modules is missing: run `bash scripts/install-interop`"
    );
    let mut cmd = Command::new("node");
    cmd.current_dir(&dir).arg(script).arg(config.to_string());
    cmd
}

/// oidc-provider on a free port, with the public client `web-1` whose redirect URI is
/// `callback`; killed when dropped.
pub struct Provider {
    child: Child,
    // Kept open: the provider must not write into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// Its issuer URL.
    pub issuer: String,
}

impl Provider {
    /// Starts it.
    pub fn start(callback: &str) -> Provider {
        let mut child = node(
            "oidc_provider.mjs",
            &json!({"port": free_port(), "machine": "machine-1", "machineSecret": "machine-secret-1",
                    "web": "web-1", "callback": callback}),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let issuer =
            serde_json::from_str::<Value>(&line).expect("oidc-provider did not start")["issuer"]
                .as_str()
                .unwrap()
                .to_owned();
        Provider {
            child,
            _stdout: stdout,
            issuer,
        }
    }

    /// How many token requests (POST /token) it has answered.
    pub fn token_requests(&self) -> u64 {
        let v: Value = blocking_get(&format!("{}/test/token-requests", self.issuer));
        v["count"].as_u64().unwrap()
    }

    /// The status and `error` of a refresh with `refresh` at its token endpoint.
    pub fn refresh_with(&self, refresh: &str) -> (u16, Value) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("client_id", "web-1")
            .append_pair("refresh_token", refresh.trim())
            .finish();
        runtime().block_on(async {
            let r = reqwest::Client::new()
                .post(format!("{}/token", self.issuer))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn blocking_get(url: &str) -> Value {
    runtime().block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
}
