//! What the end-to-end OAuth tests (`oauth.rs`, `oidc_browser.rs`) share: a user's machine
//! (its own config file and token directory) running the `cognate` binary, and small helpers.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A loopback port nobody listens on (now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A file's permission bits.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A user's machine: its own config file and token directory.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `cognate ARGS` on this machine, with only `PATH` from the test's environment.
    pub fn cognate(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cognate"));
        cmd.env_clear()
            .env("COGNATE_CONFIG", self.dir.path().join("config.toml"))
            .env("COGNATE_TOKEN_DIR", self.dir.path().join("tokens"))
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .args(args);
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd
    }

    /// Runs `cognate ARGS` with `stdin` as its input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
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

    /// The machine-to-machine token file of `profile`.
    pub fn client_token_file(&self, profile: &str) -> PathBuf {
        self.dir
            .path()
            .join("tokens/client-tokens")
            .join(format!("{profile}.json"))
    }

    /// The token file of `profile` signed in at an OpenID provider.
    pub fn oauth_token_file(&self, profile: &str) -> PathBuf {
        self.dir
            .path()
            .join("tokens/oauth-tokens")
            .join(format!("{profile}.json"))
    }

    /// Makes the token in `file` one that expired ten seconds ago (obtained an hour before);
    /// `obtained` is the file's name for when it was obtained.
    pub fn expire(&self, file: &Path, obtained: &str) {
        let mut v: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        v[obtained] = json!(now - 3610);
        v["expires_at"] = json!(now - 10);
        std::fs::write(file, serde_json::to_vec(&v).unwrap()).unwrap();
    }

    /// Runs `cognate ARGS` in `n` processes at once, which must all succeed; their outputs.
    pub fn concurrently(&self, n: usize, args: &[&str]) -> Vec<String> {
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
}
