//! oidc-provider (npm), an independent OpenID provider, run by the tests through
//! `interop/node/oidc_provider.mjs`: a public client `web-1` and a confidential client
//! `machine-1` (secret `machine-secret-1`); it counts the token requests it answers.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

use super::{Home, free_port, repo, text};

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

/// `cognate login --no-browser ARGS…`, signed in by Chromium: the command prints the
/// authorization URL, `sign_in_browser.mjs` opens it and fills in the sign-in pages `page`
/// describes (`kind`, `username`, `password`, `callback`), and the command must end well.
/// Returns the URL and what the command printed after it.
pub fn browser_login(home: &Home, args: &[&str], page: Value) -> (String, String) {
    let mut login = home
        .cognate(&[&["login", "--no-browser"], args].concat())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(login.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no URL printed");
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    let mut page = page;
    page["url"] = json!(url);
    let out = node("sign_in_browser.mjs", &page).output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let status = login.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    (url, rest)
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
