//! What `cognate login` does around the login itself: it saves the settings it was given as
//! flags in the profile (so that later commands use them), and it tells a user pool that does
//! not exist from a wrong password (with SRP the two look the same to Cognito).

use crate::connection::ConnectionArgs;
use crate::error::{CliError, Result};
use crate::session::Session;

/// An error naming the user pool when its JWKS (public, at `{issuer}/.well-known/jwks.json`)
/// says it does not exist; `None` when it exists or nothing can be told.
pub async fn missing_pool(session: &Session) -> Option<CliError> {
    let pool = session.client.user_pool_id();
    let base = match &session.connection.endpoint {
        Some(e) => e.value.trim_end_matches('/').to_owned(),
        None => format!(
            "https://cognito-idp.{}.amazonaws.com",
            session.client.region()
        ),
    };
    let url = format!("{base}/{pool}/.well-known/jwks.json");
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .ok()?;
    let status = http.get(&url).send().await.ok()?.status();
    if !matches!(status.as_u16(), 400 | 404) {
        return None;
    }
    let origin = session
        .connection
        .user_pool_id
        .as_ref()
        .map(|s| crate::session::origin("user_pool_id", "--user-pool-id", &s.source))
        .unwrap_or_else(|| "--user-pool-id".to_owned());
    Some(
        CliError::usage(format!(
            "user pool {pool} does not exist ({url} answered {status})"
        ))
        .hint(format!(
            "check the user pool id ({origin}); with SRP a wrong pool id looks like a wrong password"
        )),
    )
}

/// Saves what `cognate login` was told by flags (and a username typed at its prompt) in the
/// profile, creating it if needed, so that `cognate token` and the rest use the same settings.
/// Settings from the environment are not saved: they are there for the next command too.
/// Returns the profile keys it wrote.
pub fn remember(
    session: &Session,
    args: &ConnectionArgs,
    typed_username: Option<&str>,
) -> Result<Vec<&'static str>> {
    let path = crate::profile::config_path()?;
    let mut config = crate::connection::load_config(&path)?;
    let mut profile = config
        .profiles
        .get(&session.profile)
        .cloned()
        .unwrap_or_default();
    let before = profile.clone();
    let username = args.username.as_deref().or(typed_username);
    let given = [
        (
            "user_pool_id",
            args.user_pool_id.as_deref(),
            &mut profile.user_pool_id,
        ),
        (
            "client_id",
            args.client_id.as_deref(),
            &mut profile.client_id,
        ),
        ("username", username, &mut profile.username),
        ("endpoint", args.endpoint.as_deref(), &mut profile.endpoint),
        ("region", args.region.as_deref(), &mut profile.region),
    ];
    let mut saved = Vec::new();
    for (key, value, field) in given {
        if let Some(v) = value {
            let v = Some(v.to_owned()).filter(|v| !v.is_empty());
            if *field != v {
                *field = v;
                saved.push(key);
            }
        }
    }
    if profile != before {
        config.profiles.insert(session.profile.clone(), profile);
        config.save(&path)?;
    }
    Ok(saved)
}
