#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate serve` as a process under a lowered open-file limit (`prlimit`): more idle
//! connections than it has descriptors for must not stop it answering a new client, and
//! SIGTERM must end it within a bound while a partial request is open. Only generous liveness
//! bounds are asserted.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

const BOUND: Duration = Duration::from_secs(30);

/// `cognate serve` under `prlimit --nofile=FILES`, with `extra` flags; its endpoint host:port.
fn serve(files: u32, extra: &[&str]) -> Option<(Child, String)> {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("prlimit (util-linux) is not installed: skipped");
        return None;
    }
    let bin = Command::cargo_bin("cognate").unwrap();
    let mut child = Command::new("prlimit")
        .arg(format!("--nofile={files}:{files}"))
        .arg(bin.get_program())
        .args(["serve", "--in-memory", "--bind", "127.0.0.1:0"])
        .args(extra)
        .env_remove("COGNATE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let host = loop {
        let line = lines.next().expect("cognate serve stopped").unwrap();
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    Some((child, host))
}

fn list_pools(host: &str) -> String {
    let body = r#"{"MaxResults": 10}"#;
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(BOUND)).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or("").to_owned()
}

fn wait_exit(child: &mut Child) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < BOUND {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn idle_connections_beyond_the_file_limit_do_not_stop_service() {
    // 128 descriptors, 300 idle connections, timeouts far beyond the test.
    let Some((mut child, host)) = serve(128, &["--header-timeout", "600"]) else {
        return;
    };
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&host).unwrap())
        .collect();
    let started = Instant::now();
    let status = list_pools(&host);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(started.elapsed() < BOUND);
    drop(idle);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sigterm_ends_the_server_within_a_bound_with_a_partial_request_open() {
    let Some((mut child, host)) = serve(
        1024,
        &[
            "--header-timeout",
            "600",
            "--body-timeout",
            "600",
            "--shutdown-timeout",
            "1",
        ],
    ) else {
        return;
    };
    let mut partial = TcpStream::connect(&host).unwrap();
    write!(
        partial,
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\n\
         Content-Length: 100\r\n\r\n{{\"Max"
    )
    .unwrap();
    let mut slow_head = TcpStream::connect(&host).unwrap();
    slow_head.write_all(b"POST / HTTP/1.1\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut child);
    if status.is_none() {
        child.kill().unwrap();
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "still running (or failed) after SIGTERM: {status:?}"
    );
    drop((partial, slow_head));
}
