//! The connection pool: blocking connections (the `postgres` crate, tokio-postgres's blocking
//! face), handed to one caller at a time.
//!
//! # Why blocking connections
//!
//! Every [`Store`](crate::store::Store) call blocks its caller, and the server makes it from a
//! thread that may block. A connection of the `postgres` crate owns a small current-thread
//! runtime and polls its socket on the calling thread while the call waits, so a statement
//! costs the caller's write, PostgreSQL's answer and the caller's wake-up — the cost of libpq.
//! An async pool on a runtime of the store's own (what this backend used before) added a
//! hand-over to that runtime and one back for every statement: in a profile of the login
//! benchmark on 2 cores, that runtime's threads took 18% of all CPU time, against 24% for
//! PostgreSQL itself (BENCHMARKS.md, issue 19's table).
//!
//! # Life of a connection
//!
//! Connections are made when needed, up to the pool's size, and kept (most recently used
//! first, so that a busy pool keeps reusing the same few). One that has been idle for
//! [`IDLE_CHECK`] or longer is first checked with an empty query (one round trip): a connection
//! whose server went away meanwhile (PostgreSQL restarted, or ended the session) is dropped
//! instead of failing the request it was lent to. (A check without a round trip cannot see it:
//! the connection's runtime only learns what arrived on the socket when it next waits.) A busy
//! pool's connections are never idle that long, so they cost no check; when the database
//! restarts under load, the requests in flight fail, retryably. A connection whose state is
//! unknown after a failure (a `ROLLBACK` that failed, a panic while it was lent) is closed,
//! never lent again.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::{Client, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{backend, pg_message};
use crate::error::StoreError;

/// How long a connection may stay idle before it is checked with a round trip when lent.
pub(super) const IDLE_CHECK: Duration = Duration::from_millis(100);

/// A pool of connections to one database. Cloning shares it.
#[derive(Clone)]
pub(super) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    /// `HOST:PORT/DB`, for messages.
    name: String,
    size: usize,
    /// How long [`Pool::get`] waits for a busy pool before it fails.
    wait: Duration,
    /// How long the check of a long-idle connection may take (the connect timeout).
    check_timeout: Duration,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Default)]
struct State {
    idle: Vec<Conn>,
    /// Connections made and not dropped (idle or lent).
    open: usize,
    closed: bool,
}

/// One connection, with the statements prepared on it.
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) statements: HashMap<String, Statement>,
    /// Set when the connection's state is unknown: it is closed instead of going back.
    pub(super) broken: bool,
    /// When it was last given back.
    idle_since: Instant,
}

impl Conn {
    /// Whether the connection can be lent: not known to be closed, and, after [`IDLE_CHECK`]
    /// or more of idleness, answering an empty query within `timeout`.
    fn usable(&mut self, timeout: Duration) -> bool {
        if self.client.is_closed() {
            return false;
        }
        self.idle_since.elapsed() < IDLE_CHECK || self.client.is_valid(timeout).is_ok()
    }
}

impl Pool {
    pub(super) fn new(
        config: postgres::Config,
        tls: MakeRustlsConnect,
        name: String,
        size: usize,
        wait: Duration,
        check_timeout: Duration,
    ) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                config,
                tls,
                name,
                size: size.max(1),
                wait,
                check_timeout,
                state: Mutex::new(State::default()),
                freed: Condvar::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection: an idle one, or a new one while the pool is not full, or the first one
    /// given back within the pool's wait (then a retryable error).
    pub(super) fn get(&self) -> Result<Pooled, StoreError> {
        let deadline = Instant::now() + self.inner.wait;
        let mut state = self.state();
        loop {
            if state.closed {
                return Err(StoreError::Closed);
            }
            if let Some(mut conn) = state.idle.pop() {
                drop(state);
                if conn.usable(self.inner.check_timeout) {
                    return Ok(self.lend(conn));
                }
                state = self.state();
                state.open -= 1;
                drop(state);
                drop(conn);
                state = self.state();
                continue;
            }
            if state.open < self.inner.size {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(self.lend(conn)),
                    Err(e) => {
                        self.state().open -= 1;
                        self.inner.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(backend(
                    format!(
                        "no database connection: all {} connections to {} stayed busy for {} s",
                        self.inner.size,
                        self.inner.name,
                        self.inner.wait.as_secs()
                    ),
                    true,
                ));
            }
            state = self
                .inner
                .freed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn connect(&self) -> Result<Conn, StoreError> {
        let client = self
            .inner
            .config
            .connect(self.inner.tls.clone())
            .map_err(|e| {
                backend(
                    format!(
                        "cannot connect to the database at {}: {}",
                        self.inner.name,
                        pg_message(&e)
                    ),
                    true,
                )
            })?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
            broken: false,
            idle_since: Instant::now(),
        })
    }

    fn lend(&self, conn: Conn) -> Pooled {
        Pooled {
            pool: self.inner.clone(),
            conn: Some(conn),
        }
    }

    /// Closes the idle connections; lent ones are closed when given back, and no more are
    /// lent.
    pub(super) fn close(&self) {
        let idle = {
            let mut state = self.state();
            state.closed = true;
            state.open -= state.idle.len();
            std::mem::take(&mut state.idle)
        };
        drop(idle);
        self.inner.freed.notify_all();
    }
}

/// A lent connection, given back (or closed, see the module documentation) when dropped.
pub(super) struct Pooled {
    pool: Arc<Inner>,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only by drop"))
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only by drop"))
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        conn.idle_since = Instant::now();
        let keep = !conn.broken && !conn.client.is_closed() && !std::thread::panicking();
        let mut state = self
            .pool
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let closing = if keep && !state.closed {
            state.idle.push(conn);
            None
        } else {
            state.open -= 1;
            Some(conn)
        };
        drop(state);
        self.pool.freed.notify_one();
        // Closing says goodbye to the server: never under the pool's lock.
        drop(closing);
    }
}
