#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate serve` as a long-running process: it logs one line per request (operation, status,
//! latency, request id — never a body or a secret), and a panic inside a request is a 500
//! `InternalErrorException` and an error line, not the end of the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

/// One HTTP/1.1 request; the status line and the body.
fn request(endpoint: &str, method: &str, path: &str, target: &str, body: &str) -> (String, String) {
    let host = endpoint.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: {target}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[test]
fn a_panicking_request_is_a_500_and_the_server_lives_on_logging_each_request() {
    let mut child = Command::cargo_bin("cognate")
        .unwrap()
        .args(["serve", "--in-memory", "--bind", "127.0.0.1:0"])
        .env("COGNATE_DEBUG_PANIC_ROUTE", "1")
        .env_remove("COGNATE_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let endpoint = loop {
        let line = lines.next().expect("cognate serve stopped").unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });

    let (status, body) = request(&endpoint, "POST", "/_cognate/debug/panic", "-", "{}");
    assert_eq!(status, "HTTP/1.1 500 Internal Server Error", "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["__type"], "InternalErrorException");

    // Still alive, and answering operations.
    let (status, body) = request(
        &endpoint,
        "POST",
        "/",
        "AWSCognitoIdentityProviderService.ListUserPools",
        r#"{"MaxResults": 10}"#,
    );
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    let secret = "Sup3r-secret-passw0rd!";
    let (status, _) = request(
        &endpoint,
        "POST",
        "/",
        "AWSCognitoIdentityProviderService.InitiateAuth",
        &format!(
            r#"{{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"nosuchclient","AuthParameters":{{"USERNAME":"u","PASSWORD":"{secret}"}}}}"#
        ),
    );
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert!(child.try_wait().unwrap().is_none(), "the server exited");

    // The log: the panic as an error, one line per request with its operation and status, and
    // never the password.
    let deadline = Instant::now() + Duration::from_secs(10);
    let seen = |want: &dyn Fn(&str) -> bool| log.lock().unwrap().iter().any(|l| want(l));
    while !(seen(&|l: &str| l.contains("operation=InitiateAuth"))) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let lines = log.lock().unwrap().clone();
    let text = lines.join("\n");
    assert!(text.contains("panicked"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("operation=ListUserPools") && l.contains("status=200")),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.contains("operation=InitiateAuth")
            && l.contains("status=400")
            && l.contains("error=ResourceNotFoundException")
            && l.contains("request_id=")
            && l.contains("latency_ms=")),
        "{text}"
    );
    assert!(!text.contains(secret), "{text}");
    child.kill().unwrap();
    child.wait().unwrap();
}
