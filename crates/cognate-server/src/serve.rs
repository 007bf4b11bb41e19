//! The connection layer: accepting, per-connection HTTP/1.1 with hyper, and every limit that
//! keeps a slow or hostile client from stopping service to the others.
//!
//! - **Header-read and idle timeout**: hyper's `header_read_timeout`, which runs whenever a
//!   connection waits for a request head — a slow head (slowloris) and a keep-alive connection
//!   that sits idle between requests are both closed when it expires.
//! - **Body-read timeout, size limit, in-flight budget**: [`read_body`], used by the handlers
//!   that take a body; the answers are AWS JSON errors (never hyper's or axum's plain text).
//! - **Connection cap with shedding**: at most [`Limits::max_connections`] connections are
//!   served (by default a little under the process's file limit). A new connection at the cap
//!   closes the oldest connection that has no request in progress (an idle keep-alive
//!   connection or a slow head) and is served; only when every connection is in the middle of
//!   a request is the new one answered `503 ServiceUnavailableException` and closed.
//! - **Bounded graceful shutdown**: on shutdown the listener closes, idle connections close,
//!   requests in progress get [`Limits::shutdown_timeout`] to finish, then whatever is left is
//!   dropped.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, header};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

use crate::error::{ApiError, Exception, Protocol};

/// The limits a server applies to its clients (see the module documentation of `serve`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; `None`: the process's open-file limit less a reserve (64
    /// descriptors for the database and the rest), at most 4096.
    pub max_connections: Option<usize>,
    /// How long a connection may take to send a request head, counted from when it is ready
    /// for one — so also how long a keep-alive connection may sit idle.
    pub header_read_timeout: Duration,
    /// How long a request may take to send its body.
    pub body_read_timeout: Duration,
    /// The largest request body; larger ones are answered `413 SerializationException`.
    pub max_body_bytes: usize,
    /// Bytes of request bodies held at once over every connection; a request that would go
    /// over is answered `TooManyRequestsException` ("Rate exceeded"), which SDKs retry.
    pub body_budget_bytes: usize,
    /// How long a shutdown waits for requests in progress before dropping them.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_body_bytes: 2 * 1024 * 1024,
            body_budget_bytes: 64 * 1024 * 1024,
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

impl Limits {
    /// The connection cap in force.
    pub(crate) fn connection_cap(&self) -> usize {
        if let Some(n) = self.max_connections {
            return n.max(1);
        }
        let files = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        files.saturating_sub(64).clamp(16, 4096) as usize
    }
}

/// The request-body side of the limits, shared by the handlers.
pub(crate) struct BodyGuard {
    max: usize,
    timeout: Duration,
    budget: Arc<Semaphore>,
}

impl BodyGuard {
    pub(crate) fn new(limits: &Limits) -> Self {
        let budget = limits.body_budget_bytes.clamp(1, Semaphore::MAX_PERMITS);
        BodyGuard {
            max: limits.max_body_bytes,
            timeout: limits.body_read_timeout,
            budget: Arc::new(Semaphore::new(budget)),
        }
    }
}

/// A request body read whole, and its share of the in-flight budget (given back on drop).
pub(crate) struct ReadBody {
    pub bytes: Bytes,
    _budget: Option<OwnedSemaphorePermit>,
}

/// Why a body could not be read: the error to answer, after which the connection is closed.
pub(crate) struct BodyRejected(pub ApiError);

fn too_large(max: usize) -> BodyRejected {
    BodyRejected(ApiError::new(
        Exception::Serialization,
        format!("The request body is larger than the {max} bytes this server accepts."),
    ))
}

fn over_budget() -> BodyRejected {
    BodyRejected(ApiError::new(
        Exception::Protocol(Protocol::Throttling),
        "Rate exceeded",
    ))
}

/// Reads a request body whole within the size limit, the in-flight budget and the body-read
/// timeout.
pub(crate) async fn read_body(
    guard: &BodyGuard,
    headers: &HeaderMap,
    body: Body,
) -> Result<ReadBody, BodyRejected> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > guard.max as u64) {
        return Err(too_large(guard.max));
    }
    let take = |n: usize| -> Result<Option<OwnedSemaphorePermit>, BodyRejected> {
        if n == 0 {
            return Ok(None);
        }
        let n = u32::try_from(n).map_err(|_| too_large(guard.max))?;
        guard
            .budget
            .clone()
            .try_acquire_many_owned(n)
            .map(Some)
            .map_err(|_| over_budget())
    };
    // A declared length is reserved at once; a chunked body chunk by chunk.
    let mut permit = take(declared.unwrap_or(0) as usize)?;
    let reserved = declared.unwrap_or(0) as usize;
    let read = async {
        let mut body = body;
        let mut buf = Vec::with_capacity(reserved.min(guard.max));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                BodyRejected(ApiError::new(
                    Exception::Serialization,
                    format!("The request body could not be read: {e}"),
                ))
            })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if buf.len() + data.len() > guard.max {
                return Err(too_large(guard.max));
            }
            let beyond = (buf.len() + data.len()).saturating_sub(reserved.max(buf.len()));
            if beyond > 0 {
                match (permit.as_mut(), take(beyond)?) {
                    (Some(p), Some(more)) => p.merge(more),
                    (None, more) => permit = more,
                    (Some(_), None) => {}
                }
            }
            buf.extend_from_slice(&data);
        }
        Ok(buf)
    };
    match tokio::time::timeout(guard.timeout, read).await {
        Ok(Ok(buf)) => Ok(ReadBody {
            bytes: Bytes::from(buf),
            _budget: permit,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(BodyRejected(ApiError::new(
            Exception::Protocol(Protocol::RequestTimeout),
            "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.",
        ))),
    }
}

/// One connection as the accept loop sees it.
struct Conn {
    /// Requests in progress on it.
    busy: AtomicUsize,
    /// Chosen to make room: close as soon as it is idle.
    shed: AtomicBool,
    close: Notify,
}

/// The connections being served, oldest first.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    conns: Mutex<BTreeMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn len(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    fn register(self: &Arc<Self>) -> (Arc<Conn>, Registered) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            shed: AtomicBool::new(false),
            close: Notify::new(),
        });
        if let Ok(mut c) = self.conns.lock() {
            c.insert(id, conn.clone());
        }
        (
            conn,
            Registered {
                id,
                registry: self.clone(),
            },
        )
    }

    /// Closes the oldest connection with no request in progress; false if there is none.
    fn shed_idle(&self) -> bool {
        let Ok(mut conns) = self.conns.lock() else {
            return false;
        };
        let victim = conns
            .iter()
            .find(|(_, c)| c.busy.load(Ordering::Acquire) == 0 && !c.shed.load(Ordering::Acquire))
            .map(|(id, c)| (*id, c.clone()));
        match victim {
            Some((id, c)) => {
                c.shed.store(true, Ordering::Release);
                c.close.notify_one();
                // It no longer counts: its task ends at once.
                conns.remove(&id);
                true
            }
            None => false,
        }
    }
}

/// Removes a connection from the registry when its task ends.
struct Registered {
    id: u64,
    registry: Arc<Registry>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut c) = self.registry.conns.lock() {
            c.remove(&self.id);
        }
    }
}

/// Counts a request in progress on a connection.
struct Busy(Arc<Conn>);

impl Busy {
    fn new(conn: &Arc<Conn>) -> Self {
        conn.busy.fetch_add(1, Ordering::AcqRel);
        Busy(conn.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves `app` on `listener` until `stop` fires, then shuts down within the bound.
pub(crate) async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let cap = limits.connection_cap();
    let registry = Arc::new(Registry::default());
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    // Refusals in progress (each writes one small answer, then closes).
    let refusing = Arc::new(Semaphore::new(64));
    tracing::debug!(max_connections = cap, "serving");
    loop {
        let stream = tokio::select! {
            biased;
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors (or a connection reset before it was
                    // accepted): make room if an idle connection can go, and back off a
                    // moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    registry.shed_idle();
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        while tasks.try_join_next().is_some() {}
        if registry.len() >= cap && !registry.shed_idle() {
            match refusing.clone().try_acquire_owned() {
                Ok(permit) => {
                    tasks.spawn(async move {
                        refuse(stream).await;
                        drop(permit);
                    });
                }
                Err(_) => drop(stream),
            }
            continue;
        }
        let _ = stream.set_nodelay(true);
        let (conn, registered) = registry.register();
        tasks.spawn(serve_connection(
            stream,
            app.clone(),
            limits.header_read_timeout,
            conn,
            registered,
            closing_rx.clone(),
        ));
    }
    drop(listener);
    let _ = closing_tx.send(true);
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_timeout, drain)
        .await
        .is_err()
    {
        tracing::warn!(
            connections = tasks.len(),
            "shutdown: dropping connections still open after the shutdown timeout"
        );
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

/// Answers a connection that cannot be served now: `503 ServiceUnavailableException`, closed.
async fn refuse(mut stream: TcpStream) {
    let body = r#"{"__type":"ServiceUnavailableException","message":"Service unavailable: too many connections; retry later."}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/x-amz-json-1.1\r\n\
         x-amzn-errortype: ServiceUnavailableException\r\nretry-after: 1\r\nconnection: close\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    header_read_timeout: Duration,
    conn: Arc<Conn>,
    registered: Registered,
    mut closing: watch::Receiver<bool>,
) {
    let in_service = conn.clone();
    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let busy = Busy::new(&in_service);
        let mut app = app.clone();
        async move {
            let resp = tower::Service::call(&mut app, req.map(Body::new)).await;
            drop(busy);
            resp
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let graceful = tokio::select! {
        r = connection.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection closed");
            }
            false
        }
        _ = conn.close.notified() => true,
        _ = closing.wait_for(|c| *c) => true,
    };
    if graceful {
        // Idle: closed at once. A request in progress finishes first (bounded by the body
        // timeout, and at shutdown by the shutdown timeout).
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    }
    drop(registered);
}
