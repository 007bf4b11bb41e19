//! cognate-server: a local Amazon Cognito user-pool service that real clients cannot tell from
//! the real one.
//!
//! - the AWS JSON 1.1 protocol of `cognito-idp` (`POST /`, `X-Amz-Target`), with Cognito's
//!   exception names and messages;
//! - real SRP checks for `USER_SRP_AUTH` (only SRP verifiers are stored, never passwords),
//!   `USER_PASSWORD_AUTH`, refresh, `GetTokensFromRefreshToken` with rotation, `RevokeToken`;
//! - RS256 access and ID tokens with Cognito's claims, per-pool JWKS and OpenID discovery;
//! - state in SQLite (WAL, `synchronous=FULL`, group commit): every acknowledged write survives
//!   `kill -9`.
//!
//! ```no_run
//! # async fn run() -> Result<(), cognate_server::Error> {
//! let server = cognate_server::Server::builder()
//!     .in_memory()
//!     .bind("127.0.0.1:0")
//!     .start()
//!     .await?;
//! println!("Cognito at {}", server.endpoint_url()); // point any AWS SDK's endpoint here
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod clock;
mod error;
mod ids;
pub mod model;
mod secret_block;
mod seed;
mod services;
pub mod store;
mod tokens;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, Error, StoreError};
pub use seed::{Seed, SeedClient, SeedPool, SeedUser};
pub use services::IssuerStyle;
pub use store::{SqliteStore, Store};

use crate::services::Ctx;

enum StoreChoice {
    Memory,
    Dir(PathBuf),
    Custom(Arc<dyn Store>),
}

/// Builds a [`Server`]: where state lives, what it starts with, where it listens.
pub struct ServerBuilder {
    store: StoreChoice,
    seed: Option<Seed>,
    seed_file: Option<PathBuf>,
    bind: String,
    issuer: IssuerStyle,
    clock: Arc<dyn Clock>,
    region: String,
    cache: bool,
    debug_panic_route: bool,
}

/// The local Cognito. Start one with [`Server::builder`].
#[derive(Debug)]
pub struct Server;

impl Server {
    /// A builder with defaults: in memory, `127.0.0.1:9229`, local issuer, system clock,
    /// region `us-east-1`.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            store: StoreChoice::Memory,
            seed: None,
            seed_file: None,
            bind: "127.0.0.1:9229".into(),
            issuer: IssuerStyle::Local,
            clock: Arc::new(SystemClock),
            region: "us-east-1".into(),
            cache: true,
            debug_panic_route: false,
        }
    }
}

impl ServerBuilder {
    /// Keep state in memory (SQLite in memory behind the same [`Store`]); gone at shutdown.
    pub fn in_memory(mut self) -> Self {
        self.store = StoreChoice::Memory;
        self
    }

    /// Keep state in `dir/cognate.sqlite3` (created if needed).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.store = StoreChoice::Dir(dir.into());
        self
    }

    /// Use another storage backend.
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = StoreChoice::Custom(store);
        self
    }

    /// Apply this seed file at start (see [`Seed`] for the format).
    pub fn seed(mut self, file: impl Into<PathBuf>) -> Self {
        self.seed_file = Some(file.into());
        self
    }

    /// Apply this seed at start.
    pub fn seed_data(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Listen on `addr` (`127.0.0.1:0` picks a free port).
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.bind = addr.into();
        self
    }

    /// How tokens name their issuer.
    pub fn issuer_style(mut self, style: IssuerStyle) -> Self {
        self.issuer = style;
        self
    }

    /// The clock (tests: [`ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether pools and app clients are kept decoded in memory in front of the store
    /// ([`store::CachedStore`]; on by default). Switch it off when another process writes the
    /// same store.
    pub fn cache(mut self, on: bool) -> Self {
        self.cache = on;
        self
    }

    /// Serves `POST /_cognate/debug/panic`, an operation that panics, so that tests can check
    /// that a panic is a 500 and the server lives on. Off by default.
    #[doc(hidden)]
    pub fn debug_panic_route(mut self, on: bool) -> Self {
        self.debug_panic_route = on;
        self
    }

    /// Region of new pool ids (`us-east-1_…`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Opens the store, binds, applies the seed, and starts serving.
    pub async fn start(self) -> Result<RunningServer, Error> {
        let seed = match (&self.seed, &self.seed_file) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(path)) => Some(Seed::from_file(path)?),
            (None, None) => None,
        };
        let store: Arc<dyn Store> = match self.store {
            StoreChoice::Custom(s) => s,
            StoreChoice::Memory => Arc::new(blocking(SqliteStore::in_memory).await?),
            StoreChoice::Dir(dir) => Arc::new(blocking(move || SqliteStore::open_dir(&dir)).await?),
        };
        let store: Arc<dyn Store> = if self.cache {
            Arc::new(store::CachedStore::new(store))
        } else {
            store
        };
        let keys = {
            let store = store.clone();
            // One write (one fsync) on a fresh database: the SECRET_BLOCK sealing key and the
            // decoy-salt key, 32 bytes each.
            blocking(move || -> Result<Vec<u8>, Error> {
                let stored = match store.meta_get("server_keys")? {
                    Some(k) => k,
                    None => store.meta_init("server_keys", &ids::random_bytes::<64>())?,
                };
                if stored.len() != 64 {
                    return Err(Error::Crypto("stored server keys have the wrong length"));
                }
                Ok(stored)
            })
            .await?
        };
        let listener = tokio::net::TcpListener::bind(&self.bind)
            .await
            .map_err(|source| Error::Bind {
                addr: self.bind.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.bind.clone(),
            source,
        })?;
        let mut decoy_key = [0u8; 32];
        decoy_key.copy_from_slice(&keys[32..]);
        let ctx = Arc::new(Ctx {
            store,
            clock: self.clock,
            sealer: secret_block::Sealer::new(&keys[..32])?,
            decoy_key,
            keys: RwLock::new(HashMap::new()),
            issuer: self.issuer,
            local_base: format!("http://{addr}"),
            region: self.region,
            last_purge: std::sync::atomic::AtomicI64::new(i64::MIN),
            attempts: services::lockout::AttemptGate::default(),
        });
        if let Some(seed) = seed {
            let c = ctx.clone();
            blocking(move || seed::apply(&c, &seed).map_err(Error::SeedApply)).await?;
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = wire::router(ctx.clone(), self.debug_panic_route);
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "server stopped");
            }
        });
        Ok(RunningServer {
            addr,
            shutdown: Some(tx),
            task,
            ctx,
        })
    }
}

async fn blocking<T: Send + 'static, E: Into<Error> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, Error> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(Error::Crypto("a startup task panicked")),
    }
}

/// A started server. Dropping it leaves the server running until the runtime stops; call
/// [`RunningServer::shutdown`] to stop it and close the store.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    ctx: Arc<Ctx>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`: the endpoint URL to give an AWS SDK.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `iss` of tokens of `pool_id` (JWKS at `{iss}/.well-known/jwks.json` in local style).
    pub fn issuer(&self, pool_id: &str) -> String {
        self.ctx.issuer_for(pool_id)
    }

    /// Stops accepting, finishes requests in flight, and closes the store.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
