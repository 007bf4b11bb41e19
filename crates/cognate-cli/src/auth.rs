//! `cognate auth status`: what each profile is logged in as, read from the token files alone
//! (no network): the user, when each token expires, and whether a refresh token is stored; for
//! a machine-to-machine profile the app client, its token endpoint and scopes, whether a secret
//! is at hand (never the secret) and when the cached token expires (never the token); for a
//! profile at an OpenID provider the issuer, the client, the user and the saved sign-in.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use cognate_client::{ClientTokenStore, FileStore, TokenStore};
use serde_json::{Value, json};

use crate::connection::{Connection, ConnectionArgs, Source};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::machine::{CLIENT_CREDENTIALS, Machine};
use crate::output::{Output, Ui, print_json};
use crate::session::{client_error, profile_flag, token_dir};
use crate::utc::{expiry, utc_rfc3339};

/// `cognate auth`.
#[derive(Args, Debug)]
pub struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Subcommand, Debug)]
enum AuthCommand {
    /// Show, for each profile (or one), the user logged in, when each token expires and whether
    /// a refresh token is stored; for a machine-to-machine profile, the app client, token
    /// endpoint, scopes and cached token. Offline: reads the config and token files only.
    #[command(after_help = "\
Exit status: 0 when the profile (without --profile: at least one profile) is logged in, 3 when
not. An expired access token is still \"logged in\" when a refresh token is stored: the next
`cognate token` refreshes it. A machine-to-machine profile counts as logged in while its cached
token is valid or a client secret is at hand (stored, or COGNATE_CLIENT_SECRET).

Examples:
  cognate auth status
  cognate auth status --profile work -o json")]
    Status(StatusArgs),
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// Only this profile [env: COGNATE_PROFILE] (default: every profile).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

/// Runs `cognate auth …`.
pub fn run(args: AuthArgs, ui: &Ui) -> Result<()> {
    match args.command {
        AuthCommand::Status(status) => run_status(status, ui),
    }
}

/// One profile's state.
struct Entry {
    profile: String,
    /// The tokens' owner and expiry, or why there are none.
    state: State,
}

enum State {
    NotLoggedIn,
    Unreadable(String),
    LoggedIn {
        username: Option<String>,
        user_pool_id: Option<String>,
        client_id: Option<String>,
        endpoint: Option<String>,
        access_expires: i64,
        id_expires: i64,
        refresh: bool,
    },
    /// A machine-to-machine profile (`grant = "client_credentials"`).
    Machine(MachineState),
    /// A machine-to-machine profile that cannot ask for a token as configured.
    Misconfigured(String),
    /// A profile that signs in at an OpenID provider (`issuer`).
    Provider(ProviderState),
}

/// What `auth status` shows of a profile at an OpenID provider: no token.
struct ProviderState {
    issuer: String,
    client_id: Option<String>,
    /// The saved sign-in, or why unreadable.
    tokens: std::result::Result<Option<ProviderTokens>, String>,
}

struct ProviderTokens {
    /// The ID token's `sub`, if there is one.
    subject: Option<String>,
    /// The access token's expiry, on this machine's clock.
    access_expires: i64,
    refresh: bool,
    scopes: Vec<String>,
}

/// What `auth status` shows of a machine-to-machine profile: no secret, no token.
struct MachineState {
    client_id: String,
    /// Known without a request: given, or the domain's `/oauth2/token`.
    token_url: Option<String>,
    domain: Option<String>,
    /// The issuer whose discovery document names the token endpoint.
    issuer: Option<String>,
    /// Asked for (none: every scope the app client allows).
    scopes: Vec<String>,
    resource: Option<String>,
    /// Where the client secret comes from, if anywhere.
    secret: Option<Source>,
    /// The cached token's expiry (this machine's clock) and granted scopes, or why unreadable.
    token: std::result::Result<Option<(i64, Vec<String>)>, String>,
}

impl Entry {
    /// Logged in: tokens that are valid or can be refreshed.
    fn logged_in(&self, now: i64) -> bool {
        match &self.state {
            State::LoggedIn {
                access_expires,
                refresh,
                ..
            } => *refresh || *access_expires > now,
            State::Machine(m) => m.secret.is_some() || m.fresh(now),
            State::Provider(p) => {
                matches!(&p.tokens, Ok(Some(t)) if t.refresh || t.access_expires > now)
            }
            _ => false,
        }
    }
}

impl MachineState {
    /// A cached token that has not expired.
    fn fresh(&self, now: i64) -> bool {
        matches!(&self.token, Ok(Some((exp, _))) if *exp > now)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn run_status(args: StatusArgs, ui: &Ui) -> Result<()> {
    if ui.output == Output::Env {
        return Err(ui.unsupported("auth status", &[Output::Text, Output::Json]));
    }
    let dir = token_dir()?;
    let store = FileStore::new(&dir);
    let config_path = crate::profile::config_path()?;
    let config = crate::connection::load_config(&config_path)?;
    let explicit = args
        .profile
        .clone()
        .or_else(|| crate::connection::process_env("COGNATE_PROFILE"));
    let names: Vec<String> = match &explicit {
        Some(name) => vec![name.clone()],
        None => profile_names(&config, &dir),
    };
    let now = now();
    let entries: Vec<Entry> = names
        .into_iter()
        .map(|profile| {
            let machine = config
                .profiles
                .get(&profile)
                .is_some_and(|p| p.grant.as_deref() == Some(CLIENT_CREDENTIALS));
            let issuer = config.profiles.get(&profile).and_then(|p| p.issuer.clone());
            let state = if machine {
                read_machine_state(&profile, &config_path)
            } else if let Some(issuer) = issuer {
                read_provider_state(&store, &profile, issuer, &config)
            } else {
                read_state(&store, &profile)
            };
            Entry { profile, state }
        })
        .collect();
    match ui.output {
        Output::Json => print_json(&json!({
            "token_dir": dir.display().to_string(),
            "profiles": entries.iter().map(|e| to_json(e, now)).collect::<Vec<_>>(),
        }))?,
        _ => print_text(&entries, now)?,
    }
    if entries.iter().any(|e| e.logged_in(now)) {
        return Ok(());
    }
    let flag = explicit.as_deref().map(profile_flag).unwrap_or_default();
    if let (Some(name), [entry]) = (&explicit, entries.as_slice())
        && let State::Misconfigured(why) = &entry.state
    {
        return Err(CliError::new(
            Exit::Auth,
            format!("profile {name} cannot ask for a token: {why}"),
        )
        .hint(format!("see `cognate configure list{flag}`")));
    }
    if let (Some(name), [entry]) = (&explicit, entries.as_slice())
        && matches!(entry.state, State::Machine(_))
    {
        return Err(CliError::new(
            Exit::Auth,
            format!("profile {name} has no valid token and no app client secret"),
        )
        .hint(format!(
            "set COGNATE_CLIENT_SECRET, or store it with `printf %s \"$SECRET\" | cognate configure{flag} --client-secret-stdin`"
        )));
    }
    let what = match &explicit {
        Some(name) => format!("profile {name} is not logged in"),
        None if entries.is_empty() => "no profiles and no tokens yet".to_owned(),
        None => "no profile is logged in".to_owned(),
    };
    let browser = match entries.as_slice() {
        [entry] if explicit.is_some() && matches!(entry.state, State::Provider(_)) => " --browser",
        _ => "",
    };
    Err(CliError::new(Exit::Auth, what).hint(format!("run `cognate login{flag}{browser}`")))
}

/// Every profile of the config file and every token file's profile, sorted.
fn profile_names(config: &crate::profile::Config, dir: &std::path::Path) -> Vec<String> {
    let mut names: BTreeSet<String> = config.profiles.keys().cloned().collect();
    if let Ok(read) = std::fs::read_dir(dir) {
        for entry in read.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(stem) = name.strip_suffix(".json")
                && !stem.starts_with('.')
                && entry.file_type().is_ok_and(|t| t.is_file())
            {
                names.insert(stem.to_owned());
            }
        }
    }
    names.into_iter().collect()
}

/// A machine-to-machine profile's settings as `cognate token --profile NAME` would resolve them
/// (flags aside), and its cached token's expiry.
fn read_machine_state(profile: &str, config: &std::path::Path) -> State {
    let args = ConnectionArgs {
        profile: Some(profile.to_owned()),
        ..ConnectionArgs::default()
    };
    let machine = Connection::resolve(&args, &crate::connection::process_env, config)
        .and_then(|c| Machine::from_connection(profile.to_owned(), c));
    let machine = match machine {
        Ok(Some(m)) => m,
        Ok(None) => return State::NotLoggedIn,
        Err(e) => return State::Misconfigured(e.to_string()),
    };
    let (token_url, domain, issuer) = machine.token_endpoint();
    let token = machine
        .store
        .load_client_token(profile)
        .map(|t| t.map(|t| (t.expires_at(), t.scopes().map(str::to_owned).collect())))
        .map_err(|e| client_error(e).to_string());
    State::Machine(MachineState {
        client_id: machine.client_id().to_owned(),
        token_url,
        domain: domain.map(str::to_owned),
        issuer: issuer.map(str::to_owned),
        scopes: machine.scopes().to_vec(),
        resource: machine
            .connection
            .resource
            .as_ref()
            .map(|r| r.value.clone()),
        secret: machine.secret_source().cloned(),
        token,
    })
}

/// A profile at an OpenID provider: its settings and saved sign-in (never a token).
fn read_provider_state(
    store: &FileStore,
    profile: &str,
    issuer: String,
    config: &crate::profile::Config,
) -> State {
    let tokens = store
        .load_oauth_tokens(profile)
        .map(|t| {
            t.map(|t| ProviderTokens {
                subject: t.id_token().and_then(crate::oidc_profile::id_token_subject),
                access_expires: t.expires_at(),
                refresh: t.refresh_token().is_some(),
                scopes: t
                    .scope()
                    .unwrap_or_default()
                    .split_ascii_whitespace()
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .map_err(|e| client_error(e).to_string());
    State::Provider(ProviderState {
        issuer: issuer.trim_end_matches('/').to_owned(),
        client_id: config
            .profiles
            .get(profile)
            .and_then(|p| p.client_id.clone()),
        tokens,
    })
}

fn read_state(store: &FileStore, profile: &str) -> State {
    let tokens = match store.load(profile) {
        Ok(Some(t)) => t,
        Ok(None) => return State::NotLoggedIn,
        Err(e) => return State::Unreadable(client_error(e).to_string()),
    };
    let owner = store.owner(profile).ok().flatten();
    State::LoggedIn {
        username: owner
            .as_ref()
            .map(|o| o.username.clone())
            .or_else(|| tokens.username().map(str::to_owned)),
        user_pool_id: owner.as_ref().map(|o| o.user_pool_id.clone()),
        client_id: owner.as_ref().map(|o| o.client_id.clone()),
        endpoint: owner.and_then(|o| o.endpoint),
        // On this machine's clock (the file keeps the skew seen at login).
        access_expires: tokens.access_token().claims().exp - tokens.clock_skew_secs(),
        id_expires: tokens.id_token().claims().exp - tokens.clock_skew_secs(),
        refresh: tokens.refresh_token().is_some(),
    }
}

fn print_text(entries: &[Entry], now: i64) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", e.profile)?;
        match &e.state {
            State::NotLoggedIn => writeln!(
                out,
                "  not logged in: run `cognate login{}`",
                profile_flag(&e.profile)
            )?,
            State::Unreadable(why) => writeln!(out, "  token file unreadable: {why}")?,
            State::LoggedIn {
                username,
                user_pool_id,
                client_id,
                endpoint,
                access_expires,
                id_expires,
                refresh,
            } => {
                let user = username.as_deref().unwrap_or("(unknown user)");
                writeln!(out, "  logged in as {user}")?;
                if let Some(pool) = user_pool_id {
                    writeln!(out, "  user pool:     {pool}")?;
                }
                if let Some(client) = client_id {
                    writeln!(out, "  app client:    {client}")?;
                }
                writeln!(
                    out,
                    "  endpoint:      {}",
                    endpoint.as_deref().unwrap_or("AWS")
                )?;
                writeln!(out, "  access token:  {}", expiry(*access_expires, now))?;
                writeln!(out, "  ID token:      {}", expiry(*id_expires, now))?;
                writeln!(
                    out,
                    "  refresh token: {}",
                    if *refresh {
                        "stored (opaque: its expiry is known only to Cognito)"
                    } else {
                        "none: log in again when the access token expires"
                    }
                )?;
            }
            State::Machine(m) => print_machine(&mut out, &e.profile, m, now)?,
            State::Provider(p) => print_provider(&mut out, &e.profile, p, now)?,
            State::Misconfigured(why) => writeln!(
                out,
                "  machine to machine (client_credentials), not usable: {why}"
            )?,
        }
    }
    Ok(())
}

fn print_machine(out: &mut impl Write, profile: &str, m: &MachineState, now: i64) -> Result<()> {
    writeln!(out, "  app client {} (client_credentials)", m.client_id)?;
    match (&m.token_url, &m.issuer) {
        (Some(url), _) => writeln!(out, "  token URL:     {url}")?,
        (None, Some(issuer)) => writeln!(
            out,
            "  token URL:     from the discovery document of {issuer}"
        )?,
        (None, None) => {}
    }
    let scopes = if m.scopes.is_empty() {
        "(every scope the app client allows)".to_owned()
    } else {
        m.scopes.join(" ")
    };
    writeln!(out, "  scopes:        {scopes}")?;
    if let Some(resource) = &m.resource {
        writeln!(out, "  resource:      {resource}")?;
    }
    let secret = match &m.secret {
        Some(Source::Profile(_)) => "stored in the profile".to_owned(),
        Some(source) => format!("from {source}"),
        None => format!(
            "none: set COGNATE_CLIENT_SECRET or store one with `cognate configure{} --client-secret-stdin`",
            profile_flag(profile)
        ),
    };
    writeln!(out, "  client secret: {secret}")?;
    match &m.token {
        Ok(Some((exp, _))) => writeln!(out, "  access token:  {}", expiry(*exp, now))?,
        Ok(None) => writeln!(
            out,
            "  access token:  none cached: `cognate token{}` asks for one",
            profile_flag(profile)
        )?,
        Err(why) => writeln!(out, "  access token:  token file unreadable: {why}")?,
    }
    Ok(())
}

fn print_provider(out: &mut impl Write, profile: &str, p: &ProviderState, now: i64) -> Result<()> {
    let client = p.client_id.as_deref().unwrap_or("(no client id)");
    writeln!(out, "  OpenID provider {} (client {client})", p.issuer)?;
    match &p.tokens {
        Ok(Some(t)) => {
            let user = t.subject.as_deref().unwrap_or("(no ID token)");
            writeln!(out, "  logged in as {user}")?;
            writeln!(out, "  access token:  {}", expiry(t.access_expires, now))?;
            writeln!(
                out,
                "  refresh token: {}",
                if t.refresh {
                    "stored (opaque: its expiry is known only to the provider)"
                } else {
                    "none: sign in again when the access token expires"
                }
            )?;
            writeln!(out, "  scopes:        {}", t.scopes.join(" "))?;
        }
        Ok(None) => writeln!(
            out,
            "  not logged in: run `cognate login{} --browser`",
            profile_flag(profile)
        )?,
        Err(why) => writeln!(out, "  token file unreadable: {why}")?,
    }
    Ok(())
}

fn provider_json(e: &Entry, p: &ProviderState, now: i64) -> Value {
    let mut doc = json!({
        "profile": e.profile,
        "logged_in": e.logged_in(now),
        "issuer": p.issuer,
        "client_id": p.client_id,
    });
    match &p.tokens {
        Ok(Some(t)) => {
            doc["subject"] = json!(t.subject);
            doc["scopes"] = json!(t.scopes);
            doc["access_token"] = json!({
                "expires_at": utc_rfc3339(t.access_expires),
                "expires_in": t.access_expires - now,
                "expired": t.access_expires <= now,
            });
            doc["refresh_token"] = json!(t.refresh);
        }
        Ok(None) => {}
        Err(why) => doc["error"] = json!(why),
    }
    doc
}

fn machine_json(e: &Entry, m: &MachineState, now: i64) -> Value {
    let token = match &m.token {
        Ok(Some((exp, scopes))) => json!({
            "expires_at": utc_rfc3339(*exp),
            "expires_in": exp - now,
            "expired": *exp <= now,
            "scopes": scopes,
        }),
        Ok(None) => Value::Null,
        Err(why) => json!({ "error": why }),
    };
    json!({
        "profile": e.profile,
        "logged_in": e.logged_in(now),
        "principal": "client",
        "grant": CLIENT_CREDENTIALS,
        "client_id": m.client_id,
        "token_url": m.token_url,
        "domain": m.domain,
        "issuer": m.issuer,
        "scopes": m.scopes,
        "resource": m.resource,
        "client_secret": m.secret.as_ref().map(|s| match s {
            Source::Profile(_) => "profile".to_owned(),
            other => other.to_string(),
        }),
        "access_token": token,
    })
}

fn to_json(e: &Entry, now: i64) -> Value {
    let token = |exp: i64| json!({ "expires_at": utc_rfc3339(exp), "expires_in": exp - now, "expired": exp <= now });
    match &e.state {
        State::NotLoggedIn => json!({ "profile": e.profile, "logged_in": false }),
        State::Unreadable(why) => {
            json!({ "profile": e.profile, "logged_in": false, "error": why })
        }
        State::Machine(m) => machine_json(e, m, now),
        State::Provider(p) => provider_json(e, p, now),
        State::Misconfigured(why) => json!({
            "profile": e.profile,
            "logged_in": false,
            "principal": "client",
            "grant": CLIENT_CREDENTIALS,
            "error": why,
        }),
        State::LoggedIn {
            username,
            user_pool_id,
            client_id,
            endpoint,
            access_expires,
            id_expires,
            refresh,
        } => json!({
            "profile": e.profile,
            "logged_in": e.logged_in(now),
            "username": username,
            "user_pool_id": user_pool_id,
            "client_id": client_id,
            "endpoint": endpoint,
            "access_token": token(*access_expires),
            "id_token": token(*id_expires),
            "refresh_token": refresh,
        }),
    }
}
