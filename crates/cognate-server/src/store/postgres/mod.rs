//! The PostgreSQL backend: every record in one PostgreSQL database (13 or newer), so that any
//! number of server processes ("nodes") share one state.
//!
//! # The driver, and how the synchronous [`Store`] reaches it
//!
//! The `postgres` crate, tokio-postgres's blocking face (TLS through rustls on the workspace's
//! aws-lc provider, `tokio-postgres-rustls`, checking certificates as libpq's `sslmode` and
//! `sslrootcert` say: see [`tls`]), with a small pool of this module's own ([`pool`]): the
//! lightest well-kept driver, with no compile-time query checking to wire into the build. The
//! [`Store`] trait is synchronous (every operation of the server is written against it, and the
//! SQLite backend is synchronous by nature), and so are these connections: a call takes a
//! connection, runs its statements on the calling thread and gives the connection back,
//! telling tokio first when the caller is a worker of a multi-thread runtime
//! ([`may_block`](super::may_block)), as the SQLite backend does for its `fsync`.
//!
//! # Atomicity
//!
//! Each method is one statement or one transaction (`READ COMMITTED`); the races the server
//! relies on are decided by the database: `INSERT … ON CONFLICT DO NOTHING` for unique user
//! names and use-once claims, `SELECT … FOR UPDATE` for refresh-token rotation, and a
//! transaction-scoped advisory lock on the record's key for [`Store::doc_update`] (so that two
//! nodes counting failed attempts of one user never lose a count, even for a record not yet
//! written). A commit is acknowledged by PostgreSQL only once durable (`synchronous_commit`,
//! on by default).
//!
//! # Schema
//!
//! Versioned migrations (`migrations/postgres/NNNN_*.sql` in this crate) are applied at open,
//! under an advisory lock so that nodes starting together apply each once; a database whose
//! schema is newer than this binary is refused.

mod migrate;
mod ops;
mod pool;
mod sql;
mod tls;
mod units;

use std::str::FromStr;
use std::time::Duration;

use serde_json::Value;
use tokio_postgres::config::{Config, Host};

use crate::error::StoreError;
use crate::store::{RecordKind, StoreLock};
use pool::{Pool, Pooled};

pub use migrate::SCHEMA_VERSION;

/// How long a statement may run, and a call may wait for a busy pool, before it fails
/// (retryable). A dead peer is found by TCP keepalives and the TCP user timeout within about as
/// long.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of [`PostgresStore::open_with`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Most connections this process holds for queries (default 16; as many again, twice over,
    /// may hold the lockout's locks).
    pub max_connections: usize,
    /// How long to wait for a connection to the database (default 5 s).
    pub connect_timeout: Duration,
    /// Whether to apply pending migrations at open (default true); when false, a database not
    /// at [`SCHEMA_VERSION`] is refused.
    pub migrate: bool,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            max_connections: 16,
            connect_timeout: Duration::from_secs(5),
            migrate: true,
        }
    }
}

/// The PostgreSQL store. Safe to share by any number of server processes: it keeps no copy of
/// any record.
///
/// ```no_run
/// use cognate_server::store::{PostgresStore, Store};
/// let store = PostgresStore::open("postgres://cognate:secret@127.0.0.1:5432/cognate").unwrap();
/// println!("{} user pools", store.pool_list().unwrap().len());
/// ```
pub struct PostgresStore {
    pool: Pool,
    /// Connections that hold [`Store::lock`]s (apart, so that lock holders never wait for a
    /// query connection held by another lock holder).
    locks: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`, or the
    /// `key=value` form libpq takes; TLS by its `sslmode` and `sslrootcert`, which mean what
    /// they mean to libpq, e.g. `?sslmode=verify-full&sslrootcert=/etc/ca.pem`) and brings its
    /// schema up to date. Fails, naming the
    /// database but never the password, when it cannot be reached or its schema is newer than
    /// this binary.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, &PostgresOptions::default())
    }

    /// [`PostgresStore::open`] with options.
    pub fn open_with(url: &str, options: &PostgresOptions) -> Result<Self, StoreError> {
        let store = Self::connect(url, options)?;
        let apply = options.migrate;
        blocking(|| {
            let mut conn = store.pool.get()?;
            migrate::run(&mut conn, apply)
        })?;
        Ok(store)
    }

    /// Applies the pending migrations of the database at `url` and returns the schema version
    /// it is at now (`cognate serve migrate`).
    pub fn migrate(url: &str) -> Result<i32, StoreError> {
        let store = Self::open(url)?;
        blocking(|| migrate::current(&mut *store.pool.get()?))
    }

    fn connect(url: &str, options: &PostgresOptions) -> Result<Self, StoreError> {
        let (url, tls) = tls::split(url)?;
        let mut config = Config::from_str(&url).map_err(|e| config_error(&e))?;
        config.ssl_mode(tls.driver_mode());
        let name = describe(&config);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.connect_timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("cognate");
        }
        // A peer that went away without a word is found within about CALL_TIMEOUT.
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3)
            .tcp_user_timeout(CALL_TIMEOUT);
        let timeout = format!("{}s", CALL_TIMEOUT.as_secs());
        let mut query_config = config.clone();
        query_config.options(format!("-c statement_timeout={timeout}"));
        // A lock waited for longer than this fails (and its connection's wait with it).
        let mut lock_config = config;
        lock_config.options("-c lock_timeout=20s");
        let connector = tls.connector()?;
        let size = options.max_connections.max(1);
        Ok(PostgresStore {
            pool: Pool::new(
                query_config.into(),
                connector.clone(),
                name.clone(),
                size,
                CALL_TIMEOUT,
                options.connect_timeout,
            ),
            locks: Pool::new(
                lock_config.into(),
                connector,
                name,
                size * 2,
                CALL_TIMEOUT,
                options.connect_timeout,
            ),
        })
    }
}

/// Runs `f`, which blocks on the database, from any thread: a thread of no runtime or of
/// tokio's blocking pool runs it as it is; a worker of a multi-thread runtime first tells tokio
/// ([`may_block`](super::may_block)); and since a connection drives its socket with a runtime
/// of its own, which cannot run inside a task of a current-thread runtime, such a task runs
/// `f` on a thread of its own.
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread => {
            std::thread::scope(|s| match s.spawn(f).join() {
                Ok(out) => out,
                Err(panic) => std::panic::resume_unwind(panic),
            })
        }
        _ => super::may_block(f),
    }
}

/// A held advisory lock: its connection, unlocked and given back when dropped.
struct AdvisoryLock {
    name: String,
    conn: Pooled,
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        let (name, conn) = (&self.name, &mut self.conn);
        blocking(|| {
            let unlocked = conn.exec(
                "SELECT pg_advisory_unlock(hashtextextended($1, 1))",
                &[name],
            );
            if unlocked.is_err() {
                // Never give back a connection that may still hold the lock: closing it
                // releases the lock.
                conn.broken = true;
            }
        });
    }
}

impl PostgresStore {
    /// [`Store::lock`]: a session advisory lock on a connection of the lock pool.
    pub(super) fn advisory_lock(&self, name: &str) -> Result<Option<StoreLock>, StoreError> {
        blocking(|| {
            let mut conn = self.locks.get()?;
            if let Err(e) = conn.exec("SELECT pg_advisory_lock(hashtextextended($1, 1))", &[&name])
            {
                conn.broken = true;
                return Err(e);
            }
            Ok(Some(StoreLock::new(AdvisoryLock {
                name: name.to_owned(),
                conn,
            })))
        })
    }

    /// [`Store::lock_then_get`]: the lock and the read in one round trip, on the lock's
    /// connection (`cognate_lock_then_get`, migration 2).
    pub(super) fn advisory_lock_then_get(
        &self,
        name: &str,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<(Option<StoreLock>, Option<Value>), StoreError> {
        blocking(|| {
            let mut conn = self.locks.get()?;
            let read = conn.rows(
                "SELECT cognate_lock_then_get($1, $2, $3, $4)",
                &[&name, &kind.as_str(), &scope, &key],
            );
            let data = match read {
                Ok(rows) => match rows.first() {
                    Some(row) => row.try_get::<_, Option<String>>(0),
                    None => Ok(None),
                },
                Err(e) => {
                    conn.broken = true;
                    return Err(e);
                }
            };
            // From here the lock is held: the guard lets go of it whatever happens next.
            let lock = StoreLock::new(AdvisoryLock {
                name: name.to_owned(),
                conn,
            });
            let value = match data? {
                Some(text) => Some(sql::decode(&text)?),
                None => None,
            };
            Ok((Some(lock), value))
        })
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        blocking(|| {
            self.pool.close();
            self.locks.close();
        });
    }
}

/// `HOST:PORT/DB` of a configuration: what messages name (never the user or password).
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}:{port}/{db}")
}

fn config_error(e: &tokio_postgres::Error) -> StoreError {
    backend(format!("not a PostgreSQL URL: {e}"), false)
}

fn backend(message: String, retryable: bool) -> StoreError {
    StoreError::Backend {
        backend: "postgres",
        message,
        retryable,
    }
}

/// What PostgreSQL said: the SQLSTATE and message of a database error, else the driver's text
/// with its causes (e.g. `Connection refused`, or `error performing TLS handshake: invalid
/// peer certificate: UnknownIssuer`).
fn pg_message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        cause = c.source();
    }
    text
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Retryable: the connection broke (no SQLSTATE, class 08), the server is going down
        // or starting (57P0x), a serialization failure or deadlock (40001, 40P01).
        let retryable = match e.code() {
            None => true,
            Some(code) => {
                let c = code.code();
                c.starts_with("08") || c.starts_with("57P0") || c == "40001" || c == "40P01"
            }
        };
        backend(pg_message(&e), retryable)
    }
}
