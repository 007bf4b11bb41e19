#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! The container image's contract, checked without Docker: this machine reaches no container
//! registry, so `docker build` cannot fetch its base images here (the `package` workflow builds
//! and runs the image on GitHub). What the image runs is checked for real instead: the
//! Dockerfile is read, its `CMD` is started with the binary under test and the image's `ENV`, and
//! its `HEALTHCHECK` command is run against it by `sh` — passing while the server is up, failing
//! once it is gone — and the ports, user, build command and build context agree. (It found
//! that the image's `--bind 0.0.0.0` had stopped starting once binds beyond loopback needed
//! administrator credentials.)

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One Dockerfile instruction: its keyword and its arguments, continuation lines joined.
struct Instruction {
    keyword: String,
    args: String,
}

fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        let (keyword, args) = current.split_once(' ').unwrap_or((&current, ""));
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
        });
        current.clear();
    }
    out
}

/// The instructions of the last stage (the image that runs).
fn final_stage(all: &[Instruction]) -> &[Instruction] {
    let start = all.iter().rposition(|i| i.keyword == "FROM").unwrap();
    &all[start..]
}

fn one<'a>(stage: &'a [Instruction], keyword: &str) -> &'a str {
    let found: Vec<&Instruction> = stage.iter().filter(|i| i.keyword == keyword).collect();
    assert_eq!(found.len(), 1, "one {keyword} in the final stage");
    &found[0].args
}

/// A JSON-array (exec form) argument list.
fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{args} is not exec form: {e}"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the image's health check command with `sh`, as Docker does, with `cognate` on PATH.
fn health_check(command: &str) -> bool {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cognate")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", command])
        .env("PATH", path)
        .env_remove("COGNATE_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[test]
fn the_images_command_and_health_check_work_with_this_binary() {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    let all = instructions(&text);
    let stage = final_stage(&all);

    // The build stage builds this package's `cognate` binary from the lock file.
    let build = all
        .iter()
        .find(|i| i.keyword == "RUN" && i.args.contains("cargo build"))
        .expect("a RUN with cargo build");
    assert!(
        build.args.contains("--release") && build.args.contains("--locked"),
        "{}",
        build.args
    );
    assert!(build.args.contains("-p cognate-cli"), "{}", build.args);
    assert!(
        build.args.contains("target/release/cognate "),
        "{}",
        build.args
    );

    // It runs as an unprivileged user, `cognate` is the entry point, one port everywhere.
    let user = one(stage, "USER");
    assert!(
        user != "root" && user != "0" && !user.starts_with("0:"),
        "{user}"
    );
    assert_eq!(exec_form(one(stage, "ENTRYPOINT")), ["cognate"]);
    let cmd = exec_form(one(stage, "CMD"));
    let bind = cmd.iter().position(|a| a == "--bind").unwrap();
    let port = cmd[bind + 1].rsplit(':').next().unwrap().to_owned();
    assert_eq!(one(stage, "EXPOSE"), port);
    let check = one(stage, "HEALTHCHECK");
    let check = &check[check.find("CMD ").unwrap() + 4..];
    assert!(check.contains(&format!("127.0.0.1:{port}/")), "{check}");
    let env: HashMap<&str, &str> = stage
        .iter()
        .filter(|i| i.keyword == "ENV")
        .filter_map(|i| i.args.split_once('='))
        .collect();
    let data_volume = one(stage, "VOLUME");
    assert!(data_volume.contains(env["COGNATE_DATA"]), "{data_volume}");

    // The build context leaves out build output and the installed interop tools.
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    for path in ["target", ".interop", "node_modules"] {
        assert!(
            ignore
                .lines()
                .any(|l| l.trim().trim_matches('/').ends_with(path)),
            ".dockerignore leaves out {path}"
        );
    }

    // The CMD, run as the image runs it (its ENV, its data directory), on a free port.
    let data = std::env::temp_dir().join(format!("cognate-container-{}", std::process::id()));
    std::fs::create_dir_all(&data).unwrap();
    let mine = free_port().to_string();
    let mut args = cmd.clone();
    args[bind + 1] = args[bind + 1].replace(&format!(":{port}"), &format!(":{mine}"));
    let mut server = Command::new(env!("CARGO_BIN_EXE_cognate"));
    for (key, value) in &env {
        server.env(key, value);
    }
    let mut server = server
        .args(&args)
        .env("COGNATE_DATA", &data)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let check = check.replace(&format!(":{port}/"), &format!(":{mine}/"));
    // Docker's start period: the check may fail while the server starts, then must pass.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut healthy = false;
    while Instant::now() < deadline {
        if health_check(&check) {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let lock_taken = data.join("cognate.lock").exists();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(healthy, "the health check `{check}` never passed");
    assert!(lock_taken, "the server keeps its state in COGNATE_DATA");
    // And it can fail: with the server gone, the same check reports unhealthy.
    assert!(
        !health_check(&check),
        "the health check passed with no server"
    );
    std::fs::remove_dir_all(&data).unwrap();
}
