//! Slow and greedy clients against the connection layer: stalled heads and bodies are cut off,
//! bodies over the limit or the in-flight budget get AWS JSON errors, idle connections beyond
//! the cap make room for a new client, and a shutdown finishes within its bound with a
//! partial request open. Short configured timeouts, no long sleeps; time bounds only generous
//! liveness bounds.
//!
//! The connection layer is the same whatever the store; the second pass of `scripts/test`
//! (`COGNATE_TEST_BACKEND=postgres`) runs these on PostgreSQL too, where the store's pool of
//! database connections lives beside the HTTP connections (and a shutdown closes both).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use cognate_server::{Limits, RunningServer, Server};

/// A liveness bound: far above what any of these waits takes.
const BOUND: Duration = Duration::from_secs(20);

async fn start(limits: Limits) -> RunningServer {
    common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .limits(limits)
        .start()
        .await
        .unwrap()
}

fn quick() -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    }
}

/// The head of a ListUserPools call declaring `len` body bytes.
fn head(addr: SocketAddr, len: usize) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Length: {len}\r\n\r\n"
    )
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(BOUND)).unwrap();
    s
}

/// Everything the server sends until it closes the connection: `(status line, body)`.
fn read_all(mut s: TcpStream) -> (String, String) {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or("").to_owned(),
        body.to_owned(),
    )
}

/// A well-behaved ListUserPools call on a new connection.
fn list_pools(addr: SocketAddr) -> (String, String) {
    let body = r#"{"MaxResults": 10}"#;
    let mut s = connect(addr);
    let req = head(addr, body.len()).replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    s.write_all(format!("{req}{body}").as_bytes()).unwrap();
    read_all(s)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_cut_off_with_a_json_error() {
    let server = start(quick()).await;
    let addr = server.local_addr();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        s.write_all(format!("{}{{\"MaxRes", head(addr, 1000)).as_bytes())
            .unwrap();
        let started = Instant::now();
        let answer = read_all(s);
        (answer, started.elapsed())
    })
    .await
    .unwrap();
    let ((status, body), took) = outcome;
    assert!(took < BOUND, "not cut off: {took:?}");
    assert_eq!(status, "HTTP/1.1 408 Request Timeout", "{body}");
    assert_eq!(json(&body)["__type"], "RequestTimeoutException");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_head_and_an_idle_connection_are_closed() {
    let server = start(quick()).await;
    let addr = server.local_addr();
    tokio::task::spawn_blocking(move || {
        let mut slow = connect(addr);
        slow.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").unwrap();
        let idle = connect(addr);
        for s in [slow, idle] {
            let started = Instant::now();
            let mut buf = [0u8; 64];
            // Closed by the server (EOF or reset), long before the bound.
            let n = (&s).read(&mut buf).unwrap_or(0);
            assert!(started.elapsed() < BOUND);
            let text = String::from_utf8_lossy(&buf[..n]);
            assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");
        }
    })
    .await
    .unwrap();
    // And the server goes on.
    let (status, body) = tokio::task::spawn_blocking(move || list_pools(addr))
        .await
        .unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_a_serialization_exception_not_plain_text() {
    let server = start(Limits {
        max_body_bytes: 64 * 1024,
        ..quick()
    })
    .await;
    let addr = server.local_addr();
    let big = format!(r#"{{"MaxResults": 10, "x": "{}"}}"#, "a".repeat(100_000));
    let client = reqwest::Client::new();
    // Declared (Content-Length) and streamed (chunked) alike.
    let declared = client
        .post(server.endpoint_url())
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            "AWSCognitoIdentityProviderService.ListUserPools",
        )
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status().as_u16(), 400);
    assert_eq!(
        declared.headers()["content-type"],
        "application/x-amz-json-1.1"
    );
    let v: serde_json::Value = declared.json().await.unwrap();
    assert_eq!(v["__type"], "SerializationException", "{v}");
    // Streamed (chunked, no length declared): cut off when it passes the limit.
    let (status, body) = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        let head = head(addr, 0).replace("Content-Length: 0", "Transfer-Encoding: chunked");
        s.write_all(head.as_bytes()).unwrap();
        for chunk in big.as_bytes().chunks(8192) {
            if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .is_err()
                || s.write_all(chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
        read_all(s)
    })
    .await
    .unwrap();
    assert_eq!(status, "HTTP/1.1 400 Bad Request", "{body}");
    assert_eq!(json(&body)["__type"], "SerializationException");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_in_flight_share_a_budget() {
    let server = start(Limits {
        body_budget_bytes: 100_000,
        body_read_timeout: Duration::from_millis(500),
        ..quick()
    })
    .await;
    let addr = server.local_addr();
    let (held, third) = tokio::task::spawn_blocking(move || {
        // Two stalled 40 kB bodies hold 80 kB of the 100 kB budget.
        let held: Vec<TcpStream> = (0..2)
            .map(|_| {
                let mut s = connect(addr);
                s.write_all(format!("{}{{", head(addr, 40_000)).as_bytes())
                    .unwrap();
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        let mut s = connect(addr);
        s.write_all(format!("{}{{", head(addr, 40_000)).as_bytes())
            .unwrap();
        (held, read_all(s))
    })
    .await
    .unwrap();
    let (status, body) = third;
    assert_eq!(status, "HTTP/1.1 400 Bad Request", "{body}");
    let v = json(&body);
    assert_eq!(v["__type"], "ThrottlingException");
    assert_eq!(v["message"], "Rate exceeded");
    // Once the stalled bodies are cut off, the budget is back.
    for s in held {
        let (status, _) = tokio::task::spawn_blocking(move || read_all(s))
            .await
            .unwrap();
        assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    }
    let (status, body) = tokio::task::spawn_blocking(move || list_pools(addr))
        .await
        .unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_beyond_the_cap_make_room_for_a_new_client() {
    // Timeouts far beyond the test: only the cap's shedding can let the client in.
    let server = start(Limits {
        max_connections: Some(8),
        header_read_timeout: Duration::from_secs(600),
        body_read_timeout: Duration::from_secs(600),
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();
    let (status, body, idle) = tokio::task::spawn_blocking(move || {
        let mut idle = Vec::new();
        for i in 0..40 {
            let mut s = connect(addr);
            if i % 2 == 0 {
                // A slow head counts as idle too: no request has started.
                s.write_all(b"POST / HTTP/1.1\r\n").unwrap();
            }
            idle.push(s);
        }
        let (status, body) = list_pools(addr);
        (status, body, idle)
    })
    .await
    .unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    drop(idle);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_with_every_connection_busy_a_new_one_gets_a_json_503() {
    let server = start(Limits {
        max_connections: Some(3),
        header_read_timeout: Duration::from_secs(600),
        body_read_timeout: Duration::from_secs(600),
        shutdown_timeout: Duration::from_millis(200),
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();
    let (status, body, busy) = tokio::task::spawn_blocking(move || {
        let busy: Vec<TcpStream> = (0..3)
            .map(|_| {
                let mut s = connect(addr);
                s.write_all(format!("{}{{", head(addr, 100)).as_bytes())
                    .unwrap();
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let (status, body) = list_pools(addr);
        (status, body, busy)
    })
    .await
    .unwrap();
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable", "{body}");
    assert_eq!(json(&body)["__type"], "ServiceUnavailableException");
    tokio::time::timeout(BOUND, server.shutdown())
        .await
        .unwrap();
    drop(busy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_bounded_with_a_partial_request_open() {
    let server = start(Limits {
        header_read_timeout: Duration::from_secs(600),
        body_read_timeout: Duration::from_secs(600),
        shutdown_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();
    let open = tokio::task::spawn_blocking(move || {
        let mut partial_body = connect(addr);
        partial_body
            .write_all(format!("{}{{", head(addr, 100)).as_bytes())
            .unwrap();
        let mut partial_head = connect(addr);
        partial_head.write_all(b"POST / HTTP/1.1\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        (partial_body, partial_head)
    })
    .await
    .unwrap();
    tokio::time::timeout(BOUND, server.shutdown())
        .await
        .expect("shutdown did not finish with a partial request open");
    drop(open);
}
