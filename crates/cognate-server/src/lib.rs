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
mod datadir;
mod error;
mod housekeeping;
mod http;
mod ids;
pub mod model;
mod secret_block;
mod seed;
mod serve;
mod services;
mod sigv4;
pub mod store;
mod tokens;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ApiError, Error, StoreError};
pub use housekeeping::Housekeeping;
pub use seed::{Seed, SeedClient, SeedPool, SeedUser};
pub use serve::Limits;
pub use services::IssuerStyle;
pub use sigv4::AdminCredentials;
pub use store::{SqliteStore, Store};

use crate::services::Ctx;

enum StoreChoice {
    Memory,
    Dir(PathBuf),
    Postgres(String),
    Custom(Arc<dyn Store>),
}

/// Builds a [`Server`]: where state lives, what it starts with, where it listens.
pub struct ServerBuilder {
    store: StoreChoice,
    seed: Option<Seed>,
    seed_file: Option<PathBuf>,
    bind: String,
    issuer: IssuerStyle,
    public_url: Option<String>,
    clock: Arc<dyn Clock>,
    region: String,
    cache: bool,
    debug_panic_route: bool,
    limits: Limits,
    admin: AdminCredentials,
    allow_anonymous: bool,
    housekeeping: Housekeeping,
    trigger_handlers: Vec<(String, PathBuf)>,
    lambda_endpoint: Option<String>,
    trigger_timeout: std::time::Duration,
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
            public_url: None,
            clock: Arc::new(SystemClock),
            region: "us-east-1".into(),
            cache: true,
            debug_panic_route: false,
            limits: Limits::default(),
            admin: AdminCredentials::default(),
            allow_anonymous: false,
            housekeeping: Housekeeping::default(),
            trigger_handlers: Vec::new(),
            lambda_endpoint: None,
            trigger_timeout: services::triggers::invoke::DEFAULT_TIMEOUT,
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

    /// Keep state in the PostgreSQL database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`,
    /// with `?sslmode=…&sslrootcert=…` as libpq takes them: [`store::PostgresStore::open`]),
    /// which any number of servers may share ([`store::PostgresStore`]; its schema is brought
    /// up to date at start). The cache of pools and clients is off with this store: another
    /// server may change them.
    pub fn database(mut self, url: impl Into<String>) -> Self {
        self.store = StoreChoice::Postgres(url.into());
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

    /// The base URL clients reach this server at (`https://cognito.example.test`, no trailing
    /// slash), when it is not the address it listens on: behind a load balancer, in front of
    /// several servers sharing one database. Token issuers (local style), the JWKS and
    /// discovery URLs and the domain endpoints all name it, so that every server mints and
    /// accepts the same tokens.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The clock (tests: [`ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether pools and app clients are kept decoded in memory in front of the store
    /// ([`store::CachedStore`]; on by default). Never on a store other processes write too
    /// ([`Store::shared`]: PostgreSQL); switch it off when another process writes a store of
    /// your own.
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

    /// Timeouts, the connection cap and the request-body limits ([`Limits`]; the defaults suit
    /// a local server).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Accepts SigV4 signatures by this access key. Once any key is set, every operation the
    /// AWS model marks as needing IAM auth (`Admin*`, `CreateUserPool`, `ListUsers`, …; not
    /// the user-level ones such as `InitiateAuth`) and `/_cognate/outbox` need a request signed
    /// by one of them, wherever the server listens.
    pub fn admin_credentials(
        mut self,
        access_key: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.admin.add(access_key, secret);
        self
    }

    /// Lets the server listen on an address other than loopback with no administrator
    /// credentials: then anyone who can reach it can call every operation and read the
    /// outbox. Without this, [`ServerBuilder::start`] refuses such a bind.
    pub fn insecure_allow_anonymous(mut self, on: bool) -> Self {
        self.allow_anonymous = on;
        self
    }

    /// When expired refresh tokens, codes and used-session records are purged, and how many
    /// per pass ([`Housekeeping`]; every minute, 1000 of each, by default).
    pub fn housekeeping(mut self, plan: Housekeeping) -> Self {
        self.housekeeping = plan;
        self
    }

    /// Runs the Lambda trigger function `function` (a function name, or the full ARN, as
    /// `LambdaConfig` names it) from the handler file `path` — Node (`.mjs`, `.js`, `.cjs`,
    /// exporting `handler`) or Python (`.py`, defining `handler(event, context)`) — with the
    /// runner cognate ships, in one warm `node` or `python3` process.
    pub fn trigger_handler(
        mut self,
        function: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Self {
        self.trigger_handlers.push((function.into(), path.into()));
        self
    }

    /// Calls trigger functions without a handler file through the Lambda Invoke API at
    /// `endpoint` (LocalStack, SAM's `start-lambda`, …; the CLI takes it from
    /// `AWS_ENDPOINT_URL_LAMBDA`).
    pub fn lambda_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.lambda_endpoint = Some(endpoint.into());
        self
    }

    /// How long a trigger may take before the operation fails with
    /// `UnexpectedLambdaException` (5 seconds, as in AWS).
    pub fn trigger_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.trigger_timeout = timeout;
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
        let mut handlers = self.trigger_handlers.clone();
        if let Some(seed) = &seed {
            handlers.extend(seed.trigger_handlers());
        }
        let triggers = services::triggers::invoke::Invokers::new(
            &handlers,
            self.lambda_endpoint.as_deref(),
            self.trigger_timeout,
        )
        .map_err(Error::Triggers)?;
        // One server per data directory: a second one would serve stale cached settings.
        let dir_lock = match &self.store {
            StoreChoice::Dir(dir) => Some(datadir::lock(dir)?),
            _ => None,
        };
        let store: Arc<dyn Store> = match self.store {
            StoreChoice::Custom(s) => s,
            StoreChoice::Memory => Arc::new(blocking(SqliteStore::in_memory).await?),
            StoreChoice::Dir(dir) => Arc::new(blocking(move || SqliteStore::open_dir(&dir)).await?),
            StoreChoice::Postgres(url) => {
                Arc::new(blocking(move || store::PostgresStore::open(&url)).await?)
            }
        };
        // A shared database may be written by other servers: no process-local copies, whether
        // the server opened it (`database`) or was given it (`store`).
        let store: Arc<dyn Store> = if self.cache && !store.shared() {
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
        if !addr.ip().is_loopback() && self.admin.is_empty() {
            if !self.allow_anonymous {
                return Err(Error::AnonymousBind {
                    addr: addr.to_string(),
                });
            }
            tracing::warn!(
                %addr,
                "listening beyond loopback with no administrator credentials: anyone who can reach this address can call every operation and read the outbox"
            );
        }
        let mut decoy_key = [0u8; 32];
        decoy_key.copy_from_slice(&keys[32..]);
        let ctx = Arc::new(Ctx {
            store,
            clock: self.clock,
            sealer: secret_block::Sealer::new(&keys[..32])?,
            decoy_key,
            keys: RwLock::new(HashMap::new()),
            issuer: self.issuer,
            local_base: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}")),
            region: self.region,
            attempts: services::lockout::AttemptGate::default(),
            triggers,
            pool_groups: Default::default(),
            pool_sessions: Default::default(),
        });
        if let Some(seed) = seed {
            let c = ctx.clone();
            blocking(move || seed::apply(&c, &seed).map_err(Error::SeedApply)).await?;
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let front = wire::Front {
            ctx: ctx.clone(),
            body: serve::BodyGuard::new(&self.limits),
            admin: (!self.admin.is_empty()).then_some(self.admin),
        };
        let app = wire::router(front, self.debug_panic_route);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let chores = tokio::spawn(housekeeping::run(
            ctx.store.clone(),
            ctx.clock.clone(),
            self.housekeeping,
            stop_rx,
        ));
        let task = tokio::spawn(async move {
            serve::run(listener, app, self.limits, rx).await;
            let _ = stop_tx.send(true);
            let _ = chores.await;
            drop(dir_lock);
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

    /// Runs one housekeeping pass now (what [`ServerBuilder::housekeeping`] schedules): at
    /// most `per_pass` expired refresh tokens, old revoked-login records, and expired codes and
    /// used-session records of each sort are deleted, by the server's clock.
    pub async fn purge_now(&self, per_pass: usize) -> Result<store::Purged, Error> {
        let ctx = self.ctx.clone();
        blocking(move || housekeeping::pass(ctx.store.as_ref(), ctx.now(), per_pass)).await
    }

    /// Stops accepting, closes idle connections, gives requests in flight
    /// [`Limits::shutdown_timeout`] to finish (then drops them), and closes the store.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Entry points for the fuzz targets (`fuzz/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    /// The wire request parser (`X-Amz-Target`, JSON body, the model's validation) and the
    /// SigV4 check of `authorization` against a fixed key; true if the signature passed.
    pub fn wire_request(target: &str, authorization: &str, body: &[u8]) -> bool {
        crate::wire::fuzz_request(target, authorization, body)
    }

    /// Opens `text` as the `SECRET_BLOCK` of a `PASSWORD_VERIFIER` answer, sealed under a fixed
    /// key; true if it opened (no fuzzed input should).
    pub fn secret_block(text: &str) -> bool {
        match crate::secret_block::Sealer::new(&[7u8; 32]) {
            Ok(sealer) => sealer
                .open_b64::<crate::secret_block::SrpState>(
                    crate::secret_block::Purpose::PasswordVerifier,
                    text,
                )
                .is_some(),
            Err(_) => false,
        }
    }
}

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
