//! The PostgreSQL backend: every record in one PostgreSQL database (13 or newer), so that any
//! number of server processes ("nodes") share one state.
//!
//! # The driver, and how the synchronous [`Store`] reaches it
//!
//! `tokio-postgres` with the `deadpool-postgres` pool (TLS through rustls on the workspace's
//! aws-lc provider, `tokio-postgres-rustls`, checking certificates as libpq's `sslmode` and
//! `sslrootcert` say: see [`tls`]): the lightest well-kept async driver, with no
//! compile-time query checking to wire into the build. The [`Store`] trait stays synchronous
//! (every operation of the server is written against it, and the SQLite backend is
//! synchronous by nature); this store owns a small tokio runtime of its own on which the pool
//! and its connections live, and a call hands its query to that runtime and waits for the
//! answer — telling tokio first when the caller is a worker of a multi-thread runtime
//! ([`may_block`](super::may_block)), as the SQLite backend does for its `fsync`. The
//! connections thus never depend on which runtime (or none) the caller runs on.
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
mod sql;
mod tls;
mod units;

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::config::{Config, Host};

use crate::error::StoreError;

pub use migrate::SCHEMA_VERSION;

/// How long one store call may take (a connection included) before it fails, retryable.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of [`PostgresStore::open_with`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Most connections this process holds (default 16).
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
    handle: tokio::runtime::Handle,
    /// Owned so that dropping the store stops its connections (`None` once dropped).
    runtime: Option<tokio::runtime::Runtime>,
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
        let (store, name) = Self::connect(url, options)?;
        let apply = options.migrate;
        let db = store.pool.clone();
        store.run(async move {
            let mut client = db.get().await.map_err(|e| unreachable(&name, e))?;
            migrate::run(&mut client, apply).await
        })?;
        Ok(store)
    }

    /// Applies the pending migrations of the database at `url` and returns the schema version
    /// it is at now (`cognate serve migrate`).
    pub fn migrate(url: &str) -> Result<i32, StoreError> {
        let store = Self::open(url)?;
        let db = store.pool.clone();
        store.run(async move {
            let client = db.get().await?;
            migrate::current(&client).await
        })
    }

    /// The store, and `HOST:PORT/DB` of the database (for messages).
    fn connect(url: &str, options: &PostgresOptions) -> Result<(Self, String), StoreError> {
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
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cognate-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Io {
                path: "the PostgreSQL runtime".into(),
                source: e,
            })?;
        // A lock waited for longer than this fails (and its connection's wait with it).
        let mut lock_config = config.clone();
        lock_config.options("-c lock_timeout=20s");
        let pool = Self::pool(config, &tls, options, options.max_connections.max(1))?;
        let locks = Self::pool(
            lock_config,
            &tls,
            options,
            options.max_connections.max(1) * 2,
        )?;
        let store = PostgresStore {
            pool,
            locks,
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        };
        Ok((store, name))
    }

    fn pool(
        config: Config,
        tls: &tls::TlsOptions,
        options: &PostgresOptions,
        size: usize,
    ) -> Result<Pool, StoreError> {
        let manager = Manager::from_config(
            config,
            tls.connector()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(options.connect_timeout))
            .wait_timeout(Some(CALL_TIMEOUT))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| backend(format!("cannot make the connection pool: {e}"), false))
    }

    /// Runs `fut` on the store's runtime and waits for it (see the module documentation).
    fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let out = match tokio::time::timeout(CALL_TIMEOUT, fut).await {
                Ok(out) => out,
                Err(_) => Err(backend("the database did not answer in time".into(), true)),
            };
            let _ = tx.send(out);
        });
        super::may_block(|| rx.recv().unwrap_or(Err(StoreError::Closed)))
    }
}

/// A held advisory lock: its connection, given back (after the unlock) when dropped.
struct AdvisoryLock {
    name: String,
    conn: Option<deadpool_postgres::Object>,
    handle: tokio::runtime::Handle,
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let name = std::mem::take(&mut self.name);
            self.handle.spawn(async move {
                let unlocked = conn
                    .execute(
                        "SELECT pg_advisory_unlock(hashtextextended($1, 1))",
                        &[&name],
                    )
                    .await;
                if unlocked.is_err() {
                    // Never give back a connection that may still hold the lock: closing it
                    // releases the lock.
                    drop(deadpool_postgres::Object::take(conn));
                }
            });
        }
    }
}

impl PostgresStore {
    /// [`Store::lock`]: a session advisory lock on a connection of the lock pool.
    pub(super) fn advisory_lock(&self, name: &str) -> Result<Option<super::StoreLock>, StoreError> {
        let (locks, key) = (self.locks.clone(), name.to_owned());
        let conn = self.run(async move {
            let conn = locks.get().await?;
            match conn
                .execute("SELECT pg_advisory_lock(hashtextextended($1, 1))", &[&key])
                .await
            {
                Ok(_) => Ok(conn),
                Err(e) => {
                    drop(deadpool_postgres::Object::take(conn));
                    Err(e.into())
                }
            }
        })?;
        Ok(Some(super::StoreLock::new(AdvisoryLock {
            name: name.to_owned(),
            conn: Some(conn),
            handle: self.handle.clone(),
        })))
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.pool.close();
        self.locks.close();
        if let Some(rt) = self.runtime.take() {
            // Never blocks (a store may be dropped on a worker of another runtime).
            rt.shutdown_background();
        }
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

fn unreachable(name: &str, e: deadpool_postgres::PoolError) -> StoreError {
    let why = match &e {
        deadpool_postgres::PoolError::Backend(e) => pg_message(e),
        deadpool_postgres::PoolError::Timeout(_) => "timed out".into(),
        other => other.to_string(),
    };
    backend(
        format!("cannot connect to the database at {name}: {why}"),
        true,
    )
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

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            deadpool_postgres::PoolError::Closed => StoreError::Closed,
            other => backend(format!("no database connection: {other}"), true),
        }
    }
}
