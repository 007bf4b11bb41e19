//! The loopback end of a browser sign-in (RFC 8252 section 7.3): a listener on 127.0.0.1 that
//! takes the one request the browser is redirected with, answers it with a small page, and
//! ignores anything else (a favicon, a probe).

use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::error::{Error, Result};

/// Accepts connections on `listener` until one asks for `path`; answers each, and returns the
/// query of the redirect.
pub(super) async fn wait_for_redirect(
    listener: &TcpListener,
    path: &str,
) -> Result<Vec<(String, String)>> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Error::Transport(format!("the loopback listener: {e}")))?;
        let Some(target) = read_request_target(&mut stream).await else {
            continue;
        };
        let url = match Url::parse(&format!("http://127.0.0.1{target}")) {
            Ok(u) if u.path() == path => u,
            _ => {
                let _ = respond(&mut stream, "404 Not Found", "Not found.").await;
                continue;
            }
        };
        let query: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let message = if query.iter().any(|(k, _)| k == "error") {
            "The sign-in did not succeed. You can close this window."
        } else {
            "Signed in. You can close this window and go back to the terminal."
        };
        let _ = respond(&mut stream, "200 OK", message).await;
        return Ok(query);
    }
}

/// Reads an HTTP/1.1 request head (at most 16 KiB) and returns its request target.
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 || head.len() + n > 16 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|b| *b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_owned()),
        _ => None,
    }
}

async fn respond(
    stream: &mut tokio::net::TcpStream,
    status: &str,
    message: &str,
) -> std::io::Result<()> {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>cognate</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><p>{message}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
