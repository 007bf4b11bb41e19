//! `cognate serve`: the local Cognito (cognate-server) as a process.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use cognate_server::{AdminCredentials, IssuerStyle, Limits, Server};

/// Options of `cognate serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "COGNATE_BIND", default_value = "127.0.0.1:9229")]
    bind: String,
    /// Directory of the SQLite database (default: the platform data dir, e.g.
    /// ~/.local/share/cognate).
    #[arg(long, env = "COGNATE_DATA", conflicts_with_all = ["in_memory", "database"])]
    data: Option<PathBuf>,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long, env = "COGNATE_IN_MEMORY", conflicts_with = "database")]
    in_memory: bool,
    /// Keep state in PostgreSQL (13 or newer) instead of SQLite:
    /// postgres://USER:PASSWORD@HOST:PORT/DB. Any number of servers may share one database
    /// (give them one --public-url). TLS as with psql: ?sslmode=require encrypts,
    /// ?sslmode=verify-full&sslrootcert=CA.pem also checks the server. Prefer the variable: a
    /// flag shows in `ps`.
    #[arg(
        long,
        env = "COGNATE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        global = true
    )]
    database: Option<String>,
    /// The base URL clients reach the server at (e.g. a load balancer's,
    /// https://cognito.example.test), when it is not the listening address: token issuers,
    /// the JWKS and discovery URLs and the domain endpoints name it, the same on every node.
    #[arg(long, env = "COGNATE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Seed file (TOML, or JSON if it ends in .json) with pools, clients and users to create
    /// at start; see the cognate-server README for the format.
    #[arg(long, env = "COGNATE_SEED")]
    seed: Option<PathBuf>,
    /// Token issuer: `local` (http://HOST:PORT/{poolId}) or `aws`
    /// (https://cognito-idp.{region}.amazonaws.com/{poolId}, for apps that hard-code it).
    #[arg(long, env = "COGNATE_ISSUER", value_enum, default_value_t = Issuer::Local)]
    issuer: Issuer,
    /// Region of new pool ids.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// Administrator credentials, ACCESS_KEY:SECRET (repeat the flag, or separate with commas
    /// in the variable; prefer the variable: a flag shows in `ps`). Once set, operations that
    /// AWS authorizes with IAM (Admin*, CreateUserPool, ListUsers, …) and /_cognate/outbox
    /// need a SigV4 signature by one of them. Required to listen beyond loopback.
    #[arg(
        long = "admin-credentials",
        env = "COGNATE_ADMIN_CREDENTIALS",
        value_name = "ACCESS_KEY:SECRET",
        value_delimiter = ',',
        hide_env_values = true
    )]
    admin_credentials: Vec<String>,
    /// Listen beyond loopback with no administrator credentials: anyone who can reach the
    /// address can call every operation and read the outbox (codes: account takeover).
    #[arg(long, env = "COGNATE_INSECURE_ALLOW_ANONYMOUS")]
    insecure_allow_anonymous: bool,
    /// Connections served at once (default: the open-file limit less 64, at most 4096); at
    /// the cap the oldest idle connection is closed to make room.
    #[arg(long, env = "COGNATE_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Seconds a connection may take to send a request head, or sit idle between requests.
    #[arg(long, env = "COGNATE_HEADER_TIMEOUT", value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    header_timeout: Duration,
    /// Seconds a request may take to send its body.
    #[arg(long, env = "COGNATE_BODY_TIMEOUT", value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    body_timeout: Duration,
    /// Seconds SIGTERM/SIGINT waits for requests in progress before dropping them.
    #[arg(long, env = "COGNATE_SHUTDOWN_TIMEOUT", value_name = "SECONDS", default_value = "5", value_parser = seconds)]
    shutdown_timeout: Duration,
    /// Run a Lambda trigger from a handler file: NAME=PATH, where NAME is the function name
    /// (or full ARN) in the pool's LambdaConfig and PATH a Node (.mjs/.js/.cjs exporting
    /// `handler`) or Python (.py defining `handler(event, context)`) file. Repeat the flag, or
    /// separate with commas in the variable. Also `[trigger_handlers]` in the seed file.
    #[arg(
        long = "trigger-handler",
        env = "COGNATE_TRIGGER_HANDLERS",
        value_name = "NAME=PATH",
        value_delimiter = ','
    )]
    trigger_handlers: Vec<String>,
    /// Call trigger functions that have no --trigger-handler through the Lambda Invoke API at
    /// this endpoint (LocalStack, SAM's `sam local start-lambda`, …).
    #[arg(long, env = "AWS_ENDPOINT_URL_LAMBDA", value_name = "URL")]
    lambda_endpoint: Option<String>,
    /// Seconds a trigger may take before the operation fails with UnexpectedLambdaException.
    #[arg(long, env = "COGNATE_TRIGGER_TIMEOUT", value_name = "SECONDS", default_value = "5", value_parser = seconds)]
    trigger_timeout: Duration,
    #[command(subcommand)]
    action: Option<ServeAction>,
}

/// What `cognate serve` does instead of serving.
#[derive(Subcommand, Debug)]
enum ServeAction {
    /// Apply the pending schema migrations of the --database (COGNATE_DATABASE_URL) and exit;
    /// `cognate serve` also applies them at start.
    Migrate,
}

fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("not a positive number of seconds: {text}"))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Issuer {
    Local,
    Aws,
}

/// Runs the server until SIGINT or SIGTERM (logging is set up by `main`: `-v`, `COGNATE_LOG`).
pub fn serve(args: ServeArgs) -> Result<()> {
    if let Some(ServeAction::Migrate) = args.action {
        let url = args
            .database
            .context("`cognate serve migrate` needs --database URL (or COGNATE_DATABASE_URL)")?;
        let version = cognate_server::store::PostgresStore::migrate(&url)
            .context("cannot migrate the database")?;
        eprintln!("the database's schema is at version {version}");
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(args))
}

async fn run(args: ServeArgs) -> Result<()> {
    let mut builder = Server::builder()
        .bind(args.bind.clone())
        .region(args.region)
        .limits(Limits {
            max_connections: args.max_connections,
            header_read_timeout: args.header_timeout,
            body_read_timeout: args.body_timeout,
            shutdown_timeout: args.shutdown_timeout,
            ..Limits::default()
        })
        .insecure_allow_anonymous(args.insecure_allow_anonymous)
        .issuer_style(match args.issuer {
            Issuer::Local => IssuerStyle::Local,
            Issuer::Aws => IssuerStyle::Aws,
        });
    if let Some(url) = &args.public_url {
        builder = builder.public_url(url);
    }
    // Parsed before the store is chosen: the seed may name the database (`database = …`), used
    // when no flag or variable chose the store; and so that what applying it created can be
    // shown (`Seed::applied`).
    let seed = match &args.seed {
        Some(path) => Some(cognate_server::Seed::from_file(path)?),
        None => None,
    };
    let database = args.database.clone().or_else(|| {
        (args.data.is_none() && !args.in_memory)
            .then(|| seed.as_ref().and_then(|s| s.database.clone()))
            .flatten()
    });
    let where_ = if let Some(url) = &database {
        builder = builder.database(url);
        "PostgreSQL".to_owned()
    } else if args.in_memory {
        builder = builder.in_memory();
        "in memory".to_owned()
    } else {
        let dir = match args.data {
            Some(d) => d,
            None => dirs::data_dir()
                .context("no platform data directory; pass --data DIR or --in-memory")?
                .join("cognate"),
        };
        let shown = dir.display().to_string();
        builder = builder.data_dir(dir);
        shown
    };
    for pair in &args.admin_credentials {
        let (key, secret) = AdminCredentials::parse_pair(pair)
            .context("--admin-credentials takes ACCESS_KEY:SECRET (neither part empty)")?;
        builder = builder.admin_credentials(key, secret);
    }
    for pair in &args.trigger_handlers {
        let (name, path) = pair
            .split_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
            .context(
                "--trigger-handler takes NAME=PATH (a function name or ARN, a handler file)",
            )?;
        builder = builder.trigger_handler(name, path);
    }
    if let Some(endpoint) = &args.lambda_endpoint {
        builder = builder.lambda_endpoint(endpoint);
    }
    builder = builder.trigger_timeout(args.trigger_timeout);
    if let Some(seed) = &seed {
        builder = builder.seed_data(seed.clone());
    }
    // A test hook only: an operation that panics (the server must answer 500 and live on).
    if std::env::var_os("COGNATE_DEBUG_PANIC_ROUTE").is_some_and(|v| v == "1") {
        builder = builder.debug_panic_route(true);
    }
    let server = match builder.start().await {
        Ok(server) => server,
        Err(cognate_server::Error::Bind { addr, source })
            if source.kind() == std::io::ErrorKind::AddrInUse =>
        {
            let port = addr.rsplit(':').next().unwrap_or("9229");
            return Err(crate::error::CliError::new(
                crate::exit::Exit::Failure,
                format!("cannot listen on {addr}: another process is using that address"),
            )
            .hint(format!(
                "stop it (`ss -ltnp 'sport = :{port}'` names it), or take a free port with \
                 --bind 127.0.0.1:0"
            ))
            .cause(source.to_string())
            .into());
        }
        Err(cognate_server::Error::Store(e)) if database.is_some() => {
            // One line naming the database (never its password) and what went wrong.
            return Err(crate::error::CliError::new(
                crate::exit::Exit::Failure,
                format!("cannot start the local Cognito: {e}"),
            )
            .into());
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot start the local Cognito on {}", args.bind));
        }
    };
    eprintln!("listening on {} (state: {where_})", server.endpoint_url());
    if let Some(report) = seed.as_ref().and_then(cognate_server::Seed::applied) {
        eprintln!("{report}");
    }
    wait_for_signal().await?;
    eprintln!("stopping");
    server.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("cannot handle SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> Result<()> {
    tokio::signal::ctrl_c()
        .await
        .context("cannot handle Ctrl-C")
}
