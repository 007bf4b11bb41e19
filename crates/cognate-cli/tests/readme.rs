#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! The READMEs' commands and snippets, run as written: every `cognate` command line of the
//! `sh` and `console` blocks of README.md and crates/cognate-cli/README.md is either run
//! offline (against a local Cognito seeded with the READMEs' own ids, and an API here standing
//! in for `https://api.example.com`) with the exit status the README implies, or listed in
//! [`NOT_RUN`] with the reason; a new command that is neither fails the test. The "From Python,
//! Node or any language" snippets run with the repo's Python venv and Node.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use axum::Json;
use axum::http::HeaderMap;
use axum::routing::any;
use serde_json::{Value, json};

/// The READMEs' names: pool, app clients, user.
const POOL: &str = "us-east-1_AbC123xyZ";
const CLIENT: &str = "1example23456789";
const OTHER_CLIENT: &str = "4k9example";
const USER: &str = "api-user";
const PASSWORD: &str = "Correct horse 1!";
const API: &str = "https://api.example.com";

/// Commands not run: (the command, or how it starts when it ends in `…`; why).
const NOT_RUN: &[(&str, &str)] = &[
    (
        "cargo …",
        "builds from source or the network (.github/workflows/package.yml installs with --path)",
    ),
    (
        "cognate configure",
        "prompts on a terminal (tests/interactive.rs answers such prompts)",
    ),
    (
        "printf %s \"$CLIENT_SECRET\" | cognate configure --profile worker …",
        "needs a pool domain and a client_credentials app client with its secret: tests/oauth.rs \
         runs configure, token, curl and whoami of a machine-to-machine profile against them",
    ),
    (
        "cognate token --profile worker",
        "the machine-to-machine profile above (tests/oauth.rs)",
    ),
    (
        "cognate curl --profile worker …",
        "the machine-to-machine profile above (tests/oauth.rs)",
    ),
    (
        "cognate whoami --profile worker",
        "the machine-to-machine profile above (tests/oauth.rs)",
    ),
    (
        "cognate auth status --profile worker",
        "the machine-to-machine profile above (tests/oauth.rs)",
    ),
    (
        "cognate login --browser …",
        "waits for a person in a browser: tests/oauth.rs drives Debian's Chromium through \
         `cognate login --no-browser`",
    ),
    (
        "cognate login --username ann --method …",
        "the passwordless pool of that section, a code from the outbox or a registered passkey: \
         tests/login_methods.rs runs every --method against such a pool",
    ),
    (
        "cognate token --profile web",
        "the browser sign-in above (tests/oauth.rs)",
    ),
    (
        "cognate logout --profile web",
        "the browser sign-in above (tests/oauth.rs)",
    ),
    (
        "cognate whoami --profile partner",
        "the sign-in at an OpenID provider above: tests/oidc_browser.rs signs in at oidc-provider \
         with Chromium and runs token, whoami, curl and logout",
    ),
    (
        "cognate serve migrate",
        "needs a PostgreSQL server (tests/serve_postgres.rs runs it against a throwaway one)",
    ),
    (
        "cognate serve --bind 0.0.0.0:930…",
        "nodes on PostgreSQL, listening beyond loopback (tests/serve_postgres.rs runs two)",
    ),
    (
        "docker run …",
        "starts a PostgreSQL container (the tests start a throwaway PostgreSQL from Debian's package)",
    ),
];

/// Commands whose README output shows a failure, with the exit status shown.
const FAILING: &[(&str, i32)] = &[(
    "cognate verify --user-pool-id us-east-1_AbC123xyZ --client-id 4k9example \"$OLD_TOKEN\"",
    6,
)];

/// How the commands that run start (a shell line around `cognate`).
const RUN: &[&str] = &[
    "cognate ",
    "TOKEN=$(cognate ",
    "printf %s ",
    "curl -H ",
    "eval ",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The (path, Authorization header) of each request the API received.
static SEEN: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// The Authorization headers of the requests whose path starts with `prefix` (each test has
/// its own, as the tests run at the same time).
fn seen(prefix: &str) -> Vec<String> {
    let seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    seen.iter()
        .filter(|(path, _)| path.starts_with(prefix))
        .map(|(_, auth)| auth.clone())
        .collect()
}

async fn api_answer(uri: axum::http::Uri, headers: HeaderMap) -> Json<Value> {
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    SEEN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((uri.path().to_owned(), auth));
    Json(json!({ "id": USER, "company": "42", "data": { "me": { "id": USER } } }))
}

/// The API standing in for `https://api.example.com`; its URL.
fn api() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                let app = axum::Router::new().fallback(any(api_answer));
                axum::serve(listener, app).await.unwrap();
            });
        });
        rx.recv().unwrap()
    })
}

/// The seed of the READMEs' ids (also `seed.toml` of the README's `cognate serve` lines).
fn seed() -> String {
    let flows =
        r#"["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]"#;
    format!(
        "[[pools]]\nid = \"{POOL}\"\nname = \"readme\"\n\n\
         [[pools.clients]]\nname = \"cli\"\nid = \"{CLIENT}\"\nExplicitAuthFlows = {flows}\n\n\
         [[pools.clients]]\nname = \"other\"\nid = \"{OTHER_CLIENT}\"\nExplicitAuthFlows = {flows}\n\n\
         [[pools.users]]\nusername = \"{USER}\"\npassword = \"{PASSWORD}\"\n"
    )
}

/// A `cognate serve` process with `args` (and `--bind 127.0.0.1:0`), killed on drop.
struct Served {
    child: Child,
    endpoint: String,
}

impl Served {
    fn start(machine: &Machine, args: &str) -> Served {
        let mut child = machine
            .command("bash")
            .args(["-c", &format!("exec {args} --bind 127.0.0.1:0")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = lines
            .by_ref()
            .map(Result::unwrap)
            .find_map(|l| {
                l.strip_prefix("listening on ")
                    .map(|r| r.split_whitespace().next().unwrap().to_owned())
            })
            .unwrap_or_else(|| panic!("`{args}` stopped before listening"));
        std::thread::spawn(move || for _ in lines {});
        Served { child, endpoint }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A user's machine: config, tokens, and `cognate` on the PATH.
struct Machine {
    dir: tempfile::TempDir,
    /// Its `cognate serve`, with the READMEs' ids.
    cognito: Option<Served>,
}

impl Machine {
    /// A new machine: `seed.toml` and `examples/` (the repo's) in its directory, and a
    /// `cognate serve --in-memory --seed seed.toml` running.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("seed.toml"), seed()).unwrap();
        std::os::unix::fs::symlink(repo().join("examples"), dir.path().join("examples")).unwrap();
        let mut machine = Machine { dir, cognito: None };
        machine.cognito = Some(Served::start(
            &machine,
            "cognate serve --in-memory --seed seed.toml",
        ));
        machine
    }

    fn endpoint(&self) -> &str {
        self.cognito.as_ref().map_or("", |c| c.endpoint.as_str())
    }

    fn command(&self, program: &str) -> Command {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_cognate")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("COGNATE_CONFIG", self.dir.path().join("config.toml"))
            .env("COGNATE_TOKEN_DIR", self.dir.path().join("tokens"))
            .env("COGNATE_ENDPOINT", self.endpoint())
            .env("COGNATE_PASSWORD", PASSWORD)
            .env("PW", PASSWORD)
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// `bash -c LINE`: (exit status, stdout, stderr).
    fn bash(&self, line: &str, vars: &[(&str, &str)]) -> (Option<i32>, String, String) {
        let out = self
            .command("bash")
            .args(["-c", line])
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The fenced blocks of `markdown` whose info string is `lang`, as text.
fn blocks(markdown: &str, langs: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if langs.contains(&info.trim()) => current = Some(String::new()),
            (Some(_), Some("")) => out.push(current.take().unwrap()),
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// The command lines of a block that run `cognate`: in `console` blocks the `$ ` lines, in
/// `sh` blocks every line (continuations joined).
fn commands(block: &str) -> Vec<String> {
    let console = block.lines().any(|l| l.starts_with("$ "));
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in block.lines() {
        let line = if console {
            match line.strip_prefix("$ ") {
                Some(l) => l,
                None => continue,
            }
        } else {
            line
        };
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        if without_comment(&full).contains("cognate ") {
            out.push(full);
        }
    }
    out
}

/// The command without its trailing `# comment`.
fn without_comment(line: &str) -> &str {
    line.find("  #").map_or(line, |i| &line[..i]).trim_end()
}

#[test]
fn every_readme_command_runs_offline() {
    let api = api();
    let mut lines = Vec::new();
    for file in ["README.md", "crates/cognate-cli/README.md"] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        for block in blocks(&text, &["sh", "console"]) {
            lines.extend(commands(&block).into_iter().map(|c| (file, c)));
        }
    }
    assert!(lines.len() >= 20, "{lines:?}");
    let machine = Machine::new();
    // What the READMEs assume happened before: a login on the default profile, a token of
    // app client 4k9example in $TOKEN, and an old one (of another pool) in $OLD_TOKEN.
    let (code, _, err) = machine.bash(
        &format!("cognate login --user-pool-id {POOL} --client-id {CLIENT} --username {USER}"),
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = machine.bash(
        &format!(
            "cognate login --profile other --user-pool-id {POOL} --client-id {OTHER_CLIENT} \
             --username {USER}"
        ),
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    let token = machine.bash("cognate token --profile other", &[]).1;
    // A token of the other app client: `verify --client-id 4k9example` refuses it (exit 6).
    let old_token = machine.bash("cognate token", &[]).1.trim().to_owned();
    let vars = [("TOKEN", token.trim()), ("OLD_TOKEN", old_token.as_str())];

    let mut ran = 0;
    let mut unplanned = Vec::new();
    for (file, line) in &lines {
        let command = without_comment(line.trim());
        let skipped = NOT_RUN.iter().find(|(p, _)| match p.strip_suffix('…') {
            Some(prefix) => command.starts_with(prefix),
            None => command == *p,
        });
        if let Some((_, why)) = skipped {
            eprintln!("not run ({why}): {command}");
            continue;
        }
        if !RUN.iter().any(|p| command.starts_with(p)) {
            unplanned.push(format!("{file}: {command}"));
            continue;
        }
        if command.starts_with("cognate serve") {
            // Runs until stopped: it must come up (on a free port) with its seed.
            drop(Served::start(&machine, command));
            ran += 1;
            continue;
        }
        let runnable = command.replace(API, &format!("{api}/commands"));
        let expected = FAILING
            .iter()
            .find(|(c, _)| *c == command)
            .map_or(0, |(_, code)| *code);
        let (code, out, err) = machine.bash(&runnable, &vars);
        assert_eq!(
            code,
            Some(expected),
            "{file}: `{command}` exited {code:?}\nstdout: {out}\nstderr: {err}"
        );
        ran += 1;
    }
    assert!(
        unplanned.is_empty(),
        "README commands with no plan: {unplanned:#?}"
    );
    assert!(ran >= 15, "only {ran} commands ran");
    // The API calls carried tokens (curl, graphql, the curl of `cognate token --header`).
    let seen = seen("/commands/");
    assert!(seen.len() >= 4, "{seen:?}");
    assert!(seen.iter().all(|a| a.contains("eyJ")), "{seen:?}");
}

#[test]
fn the_python_and_node_snippets_send_the_token() {
    let api = api();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("## From Python, Node or any language")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let python = blocks(section, &["python"]);
    let js = blocks(section, &["js"]);
    assert_eq!((python.len(), js.len()), (1, 1), "{section}");
    let machine = Machine::new();
    let (code, _, err) = machine.bash(
        &format!(
            "cognate login --profile work --user-pool-id {POOL} --client-id {CLIENT} --username {USER}"
        ),
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    let token = machine
        .bash("cognate token --profile work", &[])
        .1
        .trim()
        .to_owned();

    let venv = repo().join(".interop/venv/bin/python");
    assert!(
        venv.exists(),
        "no {} (bash scripts/install-interop)",
        venv.display()
    );
    let script = machine.dir.path().join("snippet.py");
    std::fs::write(&script, python[0].replace(API, &format!("{api}/python"))).unwrap();
    let out = machine
        .command(venv.to_str().unwrap())
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(seen("/python/"), std::slice::from_ref(&token));

    let script = machine.dir.path().join("snippet.mjs");
    std::fs::write(&script, js[0].replace(API, &format!("{api}/node"))).unwrap();
    let out = machine.command("node").arg(&script).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(seen("/node/"), [token]);
}
