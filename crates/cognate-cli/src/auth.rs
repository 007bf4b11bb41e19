//! `cognate auth status`: what each profile is logged in as, read from the token files alone
//! (no network): the user, when each token expires, and whether a refresh token is stored.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand};
use cognate_client::{FileStore, TokenStore};
use serde_json::{Value, json};

use crate::decode::words;
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::{Output, Ui, print_json};
use crate::session::{client_error, profile_flag, token_dir};

/// `cognate auth`.
#[derive(Args, Debug)]
pub struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Subcommand, Debug)]
enum AuthCommand {
    /// Show, for each profile (or one), the user logged in, when each token expires and whether
    /// a refresh token is stored. Offline: reads the token files only.
    #[command(after_help = "\
Exit status: 0 when the profile (without --profile: at least one profile) is logged in, 3 when
not. An expired access token is still \"logged in\" when a refresh token is stored: the next
`cognate token` refreshes it.

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
            _ => false,
        }
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
    let explicit = args
        .profile
        .clone()
        .or_else(|| crate::connection::process_env("COGNATE_PROFILE"));
    let names: Vec<String> = match &explicit {
        Some(name) => vec![name.clone()],
        None => profile_names(&dir)?,
    };
    let now = now();
    let entries: Vec<Entry> = names
        .into_iter()
        .map(|profile| {
            let state = read_state(&store, &profile);
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
    let what = match &explicit {
        Some(name) => format!("profile {name} is not logged in"),
        None if entries.is_empty() => "no profiles and no tokens yet".to_owned(),
        None => "no profile is logged in".to_owned(),
    };
    Err(CliError::new(Exit::Auth, what).hint(format!("run `cognate login{flag}`")))
}

/// Every profile of the config file and every token file's profile, sorted.
fn profile_names(dir: &std::path::Path) -> Result<Vec<String>> {
    let path = crate::profile::config_path()?;
    let config = crate::connection::load_config(&path)?;
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
    Ok(names.into_iter().collect())
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

/// "valid, expires 2026-12-05 01:00 UTC (in 59 min)" or "EXPIRED 2026-… (3 h ago)".
fn expiry(exp: i64, now: i64) -> String {
    if exp > now {
        format!("valid until {} (in {})", utc(exp), words(exp - now))
    } else {
        format!("EXPIRED at {} ({} ago)", utc(exp), words(now - exp))
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
        }
    }
    Ok(())
}

fn to_json(e: &Entry, now: i64) -> Value {
    let token = |exp: i64| json!({ "expires_at": utc_rfc3339(exp), "expires_in": exp - now, "expired": exp <= now });
    match &e.state {
        State::NotLoggedIn => json!({ "profile": e.profile, "logged_in": false }),
        State::Unreadable(why) => {
            json!({ "profile": e.profile, "logged_in": false, "error": why })
        }
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

/// (year, month, day, hour, minute, second) of a Unix time, UTC (Howard Hinnant's civil date).
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `2026-12-05 01:00 UTC`.
fn utc(t: i64) -> String {
    let (y, mo, d, h, mi, _) = civil(t);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `2026-12-05T01:00:00Z`.
fn utc_rfc3339(t: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_in_utc() {
        assert_eq!(utc_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_796_432_461), "2026-12-05 01:01 UTC");
    }
}
