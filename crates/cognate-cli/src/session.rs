//! What `login`, `token`, `curl`, `whoami` and `logout` share: a `cognate_client::Client` built
//! from the resolved [`Connection`], the profile's token file (a `cognate_client::FileStore`),
//! a `TokenSource` over it, the header styles, and Cognito's errors in the user's terms.

use std::path::PathBuf;
use std::sync::Arc;

use clap::ValueEnum;
use cognate_client::{
    Client, Credentials, FileStore, TokenOwner, TokenSet, TokenSource, TokenStore,
};
use secrecy::ExposeSecret;

use crate::connection::{Connection, ConnectionArgs, Env, process_env};
use crate::error::{CliError, Result};
use crate::exit::Exit;

/// The directory of token files: `COGNATE_TOKEN_DIR`, else `<data dir>/cognate/tokens`.
pub fn token_dir() -> Result<PathBuf> {
    if let Some(dir) = process_env("COGNATE_TOKEN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let data = dirs::data_dir().ok_or_else(|| {
        CliError::usage("cannot find a data directory (no HOME?)")
            .hint("set COGNATE_TOKEN_DIR to a directory for token files")
    })?;
    Ok(data.join("cognate").join("tokens"))
}

/// The name of the profile whose tokens are used: `--profile`, `COGNATE_PROFILE`, `default`.
pub fn profile_name(args: &ConnectionArgs, env: Env<'_>) -> String {
    args.profile
        .clone()
        .or_else(|| env("COGNATE_PROFILE"))
        .unwrap_or_else(|| "default".to_owned())
}

/// Everything a command that talks to Cognito needs.
pub struct Session {
    /// The resolved settings.
    pub connection: Connection,
    /// The profile name (the token file's name).
    pub profile: String,
    /// The token files.
    pub store: FileStore,
    /// The app client.
    pub client: Client,
}

impl Session {
    /// Resolves the connection and builds the client.
    pub fn open(args: &ConnectionArgs) -> Result<Session> {
        Self::open_with(args, false)
    }

    /// [`Session::open`] for `cognate login`, which may name a profile that does not exist yet
    /// (it creates it).
    pub fn open_for_login(args: &ConnectionArgs) -> Result<Session> {
        Self::open_with(args, true)
    }

    fn open_with(args: &ConnectionArgs, new_profile: bool) -> Result<Session> {
        let config = crate::profile::config_path()?;
        let connection = Connection::resolve_with(args, &process_env, &config, new_profile)?;
        let profile = profile_name(args, &process_env);
        let store = FileStore::new(token_dir()?);
        store.path(&profile).map_err(client_error)?;
        let pool = connection.require_user_pool_id()?.to_owned();
        let client_id = connection
            .client_id
            .as_ref()
            .map(|c| c.value.clone())
            .ok_or_else(|| {
                CliError::usage("no app client id").hint(format!(
                    "pass --client-id, set COGNATE_CLIENT_ID, or save one with `cognate configure{}`",
                    profile_flag(&profile)
                ))
            })?;
        let mut builder = Client::builder(pool, client_id).ignore_env();
        if let Some(secret) = &connection.client_secret {
            builder = builder.client_secret(secret.value.expose_secret());
        }
        if let Some(region) = &connection.region {
            builder = builder.region(region.value.clone());
        }
        if let Some(endpoint) = &connection.endpoint {
            builder = builder.endpoint(endpoint.value.clone());
        }
        let client = builder.build().map_err(client_error)?;
        Ok(Session {
            connection,
            profile,
            store,
            client,
        })
    }

    /// The token file of this profile.
    pub fn token_path(&self) -> PathBuf {
        self.store
            .path(&self.profile)
            .unwrap_or_else(|_| PathBuf::from(format!("{}.json", self.profile)))
    }

    /// Whom tokens obtained with these settings belong to, logged in as `username`.
    pub fn owner(&self, username: &str) -> TokenOwner {
        TokenOwner {
            endpoint: self.connection.endpoint.as_ref().map(|e| e.value.clone()),
            user_pool_id: self.client.user_pool_id().to_owned(),
            client_id: self.client.client_id().to_owned(),
            username: username.to_owned(),
        }
    }

    /// A token source over the stored tokens, which are valid when this returns: when they are
    /// near expiry they are refreshed first, under the profile's lock, so that of many processes
    /// that need a refresh at once only one asks Cognito and the others read its tokens. With
    /// `COGNATE_PASSWORD` (and a username) a rejected refresh token means a new login instead of
    /// an error. Exit 3 with "run `cognate login`" when there are no tokens, or when they belong
    /// to another user, pool, app client or endpoint than the settings name.
    pub fn source(&self) -> Result<(TokenSource, Arc<TokenSet>)> {
        let Some(stored) = self.store.load(&self.profile).map_err(|e| self.error(e))? else {
            return Err(self.not_logged_in());
        };
        self.check_owner(&stored)?;
        let plain = |tokens: Option<TokenSet>| {
            let mut b = TokenSource::builder(self.client.clone())
                .store(self.store.clone(), self.profile.clone());
            if let Some(t) = tokens {
                b = b.tokens(t);
            }
            b.build()
        };
        let source = plain(Some(stored));
        if let Some(tokens) = source.fresh_cached() {
            return Ok((source, tokens));
        }
        drop(source);
        let locked = Arc::new(
            self.store
                .lock_profile(&self.profile)
                .map_err(|e| self.error(e))?,
        );
        let mut builder = TokenSource::builder(self.client.clone())
            .store(Arc::clone(&locked), self.profile.clone());
        if let Some(credentials) = self.unattended_credentials() {
            builder = builder.credentials(credentials);
        }
        let under_lock = builder.build();
        let tokens = runtime()?
            .block_on(under_lock.tokens())
            .map_err(|e| self.error(e))?;
        drop(under_lock);
        drop(locked);
        Ok((plain(Some((*tokens).clone())), tokens))
    }

    /// The user name and `COGNATE_PASSWORD`, when both are known: a login without a person.
    fn unattended_credentials(&self) -> Option<Credentials> {
        let password = process_env("COGNATE_PASSWORD")?;
        let username = match self.username() {
            Some(u) => u.to_owned(),
            None => self.store.owner(&self.profile).ok()??.username,
        };
        Some(Credentials::new(username, password))
    }

    /// Refuses tokens of another user, pool, app client or endpoint than the settings name.
    fn check_owner(&self, tokens: &TokenSet) -> Result<()> {
        let saved = self.store.owner(&self.profile).map_err(|e| self.error(e))?;
        let norm = |e: Option<&str>| e.map(|e| e.trim_end_matches('/').to_owned());
        let mut differ = Vec::new();
        let wanted_pool = self.client.user_pool_id();
        let wanted_client = self.client.client_id();
        let (pool, client) = match &saved {
            Some(o) => (Some(o.user_pool_id.clone()), Some(o.client_id.clone())),
            // A file written before owners were recorded: what the tokens say.
            None => {
                let claims = tokens.access_token().claims();
                (
                    claims
                        .iss
                        .as_deref()
                        .and_then(|i| i.rsplit('/').next())
                        .map(str::to_owned),
                    claims.client_id.clone(),
                )
            }
        };
        if let Some(user) = self.username()
            && let Some(o) = &saved
            && o.username != user
            && tokens.username() != Some(user)
        {
            differ.push(format!("user {} (not {user})", o.username));
        }
        if let Some(pool) = pool
            && pool != wanted_pool
        {
            differ.push(format!("user pool {pool} (not {wanted_pool})"));
        }
        if let Some(client) = client
            && client != wanted_client
        {
            differ.push(format!("app client {client} (not {wanted_client})"));
        }
        // Another endpoint for the same pool and app client (a proxy, `localhost` for
        // `127.0.0.1`) may be right: a warning, not a refusal.
        if let Some(o) = &saved {
            let wanted = norm(self.connection.endpoint.as_ref().map(|e| e.value.as_str()));
            if norm(o.endpoint.as_deref()) != wanted {
                let name = |e: Option<String>| e.unwrap_or_else(|| "AWS".to_owned());
                tracing::warn!(
                    "the tokens saved for profile {} were issued by {}, not by the endpoint in use ({}); run `cognate login{}` if they are not its",
                    self.profile,
                    name(norm(o.endpoint.as_deref())),
                    name(wanted),
                    profile_flag(&self.profile)
                );
            }
        }
        if differ.is_empty() {
            return Ok(());
        }
        let user = self
            .username()
            .map(|u| format!(" --username {u}"))
            .unwrap_or_default();
        Err(CliError::new(
            Exit::Auth,
            format!(
                "the tokens saved for profile {} belong to {}",
                self.profile,
                differ.join(", ")
            ),
        )
        .hint(format!(
            "log in with these settings (`cognate login{}{user}`), or give each user a profile of its own (--profile NAME)",
            profile_flag(&self.profile)
        )))
    }

    /// "not logged in", exit 3.
    pub fn not_logged_in(&self) -> CliError {
        CliError::new(
            Exit::Auth,
            format!("not logged in (no tokens for profile {})", self.profile),
        )
        .hint(self.login_hint())
    }

    /// `run `cognate login``, with the profile when it is not the default.
    pub fn login_hint(&self) -> String {
        format!("run `cognate login{}`", profile_flag(&self.profile))
    }

    /// The username, from the connection settings.
    pub fn username(&self) -> Option<&str> {
        self.connection.username.as_ref().map(|u| u.value.as_str())
    }

    /// A library error in the user's terms, its hints naming this profile and the settings'
    /// sources.
    pub fn error(&self, e: cognate_client::Error) -> CliError {
        map_error(e, Some(self))
    }
}

/// ` --profile NAME`, or nothing for the default profile.
pub fn profile_flag(profile: &str) -> String {
    if profile == "default" {
        String::new()
    } else {
        format!(" --profile {profile}")
    }
}

/// A runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::new(
                Exit::Failure,
                format!("cannot start the async runtime: {e}"),
            )
        })
}

/// Cognito's errors in the user's terms, with the documented exit codes (without a session:
/// hints name the default profile).
pub fn client_error(e: cognate_client::Error) -> CliError {
    map_error(e, None)
}

/// Where a setting came from, as the thing to check: `--client-id`, `the COGNATE_CLIENT_ID
/// variable`, `` `client_id` in profile work ``.
pub fn origin(key: &str, flag: &str, source: &crate::connection::Source) -> String {
    use crate::connection::Source;
    match source {
        Source::Flag => flag.to_owned(),
        Source::Env(var) => format!("the {var} variable"),
        Source::Profile(name) => format!("`{key}` in profile {name}"),
        Source::UserPoolId => "the user pool id".to_owned(),
    }
}

/// The short reason inside a transport error's long text.
fn transport_reason(text: &str) -> &'static str {
    let t = text.to_ascii_lowercase();
    if t.contains("connection refused") {
        "connection refused"
    } else if t.contains("dns") || t.contains("lookup") || t.contains("resolve") {
        "the host name does not resolve"
    } else if t.contains("timed out") || t.contains("timeout") {
        "timed out"
    } else if t.contains("certificate") || t.contains("tls") || t.contains("ssl") {
        "TLS failed"
    } else if t.contains("reset") || t.contains("closed") || t.contains("broken pipe") {
        "the connection was closed"
    } else {
        "no answer"
    }
}

fn map_error(e: cognate_client::Error, session: Option<&Session>) -> CliError {
    use cognate_client::Error as E;
    let profile = session.map_or("default", |s| s.profile.as_str());
    let p = profile_flag(profile);
    let login = format!("run `cognate login{p}`");
    let endpoint_source = session
        .and_then(|s| s.connection.endpoint.as_ref())
        .map(|e| origin("endpoint", "--endpoint", &e.source));
    let endpoint = session.map(|s| match &s.connection.endpoint {
        Some(e) => e.value.clone(),
        None => format!("https://cognito-idp.{}.amazonaws.com", s.client.region()),
    });
    let check_endpoint = || match &endpoint_source {
        Some(src) => {
            format!("check the endpoint ({src}); `cognate configure list{p}` shows every setting")
        }
        None => format!(
            "check the network, and the region of the user pool id; `cognate configure list{p}` shows every setting"
        ),
    };
    let at = endpoint
        .as_deref()
        .map(|e| format!(" at {e}"))
        .unwrap_or_default();
    match &e {
        E::Cognito { kind, message, .. } => {
            let text = if message.is_empty() {
                kind.clone()
            } else {
                message.clone()
            };
            let lower = text.to_ascii_lowercase();
            match kind.as_str() {
                "NotAuthorizedException" if lower.contains("secret") => {
                    let has_secret = session.and_then(|s| s.connection.client_secret.as_ref());
                    let hint = match has_secret {
                        Some(s) => format!(
                            "the app client secret ({}) is not this app client's: check it",
                            origin("client_secret", "--client-secret", &s.source)
                        ),
                        None => format!(
                            "the app client has a secret: set COGNATE_CLIENT_SECRET, or store it with `cognate configure{p} --store-client-secret`"
                        ),
                    };
                    CliError::new(Exit::Auth, text).hint(hint)
                }
                "NotAuthorizedException" if lower.contains("token") => {
                    CliError::new(Exit::Auth, text).hint(login)
                }
                "NotAuthorizedException" | "UserNotFoundException" => {
                    let user = session
                        .and_then(|s| s.connection.username.as_ref())
                        .map(|u| format!(" ({})", origin("username", "--username", &u.source)))
                        .unwrap_or_default();
                    CliError::new(Exit::Auth, text).hint(format!(
                        "check the username{user} and the password; the user pool and app client are in `cognate configure list{p}`"
                    ))
                }
                "UserNotConfirmedException" => CliError::new(Exit::Auth, text)
                    .hint("the user must confirm their sign-up first"),
                "PasswordResetRequiredException" => CliError::new(Exit::Auth, text)
                    .hint("the password must be reset (forgot-password flow) before logging in"),
                "CodeMismatchException" | "ExpiredCodeException" => CliError::new(Exit::Auth, text)
                    .hint(format!("run `cognate login{p}` again for a new code")),
                "InvalidPasswordException" => CliError::new(Exit::Auth, text)
                    .hint("choose a password that meets the pool's password policy"),
                "InvalidParameterException" if text.contains("flow not enabled") => {
                    CliError::usage(text).hint(
                        "the app client does not allow this login flow; try the other --flow (srp or password)",
                    )
                }
                "ResourceNotFoundException" | "InvalidParameterException" => {
                    let what = if lower.contains("pool") {
                        session.and_then(|s| s.connection.user_pool_id.as_ref()).map(|s| {
                            format!("check the user pool id ({})", origin("user_pool_id", "--user-pool-id", &s.source))
                        })
                    } else if lower.contains("client") {
                        session.and_then(|s| s.connection.client_id.as_ref()).map(|s| {
                            format!("check the app client id ({})", origin("client_id", "--client-id", &s.source))
                        })
                    } else {
                        None
                    };
                    let what = what.unwrap_or_else(|| "check the user pool id, app client id and endpoint".to_owned());
                    CliError::usage(format!("{kind}: {text}"))
                        .hint(format!("{what}; `cognate configure list{p}` shows every setting"))
                }
                "UnknownError" | "UnknownOperationException" | "UnknownOperation" => {
                    CliError::new(Exit::Network, format!("the endpoint{at} did not answer like Cognito"))
                        .hint(check_endpoint())
                        .cause(e.to_string())
                }
                _ => CliError::new(Exit::Failure, format!("{kind}: {text}")),
            }
        }
        E::Transport(detail) => CliError::new(
            Exit::Network,
            format!("cannot reach Cognito{at}: {}", transport_reason(detail)),
        )
        .hint(check_endpoint())
        .cause(e.to_string()),
        E::Protocol(_) => CliError::new(
            Exit::Network,
            format!("the endpoint{at} did not answer like Cognito"),
        )
        .hint(check_endpoint())
        .cause(e.to_string()),
        E::Config(_) => CliError::usage(e.to_string()),
        E::SessionEnded(why) => CliError::new(
            Exit::Auth,
            format!("the session of profile {profile} has ended: {why}"),
        )
        .hint(login),
        E::ChallengeRequired(_) => CliError::new(Exit::Auth, e.to_string())
            .hint(format!("run `cognate login{p}` in a terminal to answer it")),
        E::OAuth { .. } => CliError::new(Exit::Auth, e.to_string()),
        E::Passkey(_) => CliError::new(Exit::Auth, e.to_string()).hint(
            "the authenticator file must hold a passkey registered for this user in this pool",
        ),
        _ => CliError::new(Exit::Failure, e.to_string()),
    }
}

/// How an API call carries the token (the names of `cognate token --header` and
/// `cognate curl --style`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Style {
    /// `Authorization: <access token>` (raw, no `Bearer`).
    Access,
    /// `Authorization: Bearer <access token>`.
    Bearer,
    /// `authorization: <ID token>` (AppSync, GraphQL).
    Id,
    /// `X-Amz-Cognito-Security-Token: <ID token>` (API Gateway REST).
    SecurityToken,
}

/// `--header-style`'s value: access, bearer, id or security-token; the names `configure` used to
/// take (raw-access, bearer-access, graphql-id, cognito-security-token) still work, with a note.
pub fn parse_style(s: &str) -> std::result::Result<Style, String> {
    let (style, old) = match s {
        "access" => (Style::Access, false),
        "bearer" => (Style::Bearer, false),
        "id" => (Style::Id, false),
        "security-token" => (Style::SecurityToken, false),
        "raw-access" => (Style::Access, true),
        "bearer-access" => (Style::Bearer, true),
        "graphql-id" => (Style::Id, true),
        "cognito-security-token" => (Style::SecurityToken, true),
        _ => {
            return Err(format!(
                "`{s}` is not a header style: use access, bearer, id or security-token"
            ));
        }
    };
    if old {
        eprintln!(
            "note: the header style `{s}` is now called `{}`; the old name is deprecated",
            style.name()
        );
    }
    Ok(style)
}

impl Style {
    /// Its name on the command line and in profiles.
    pub fn name(self) -> &'static str {
        match self {
            Style::Access => "access",
            Style::Bearer => "bearer",
            Style::Id => "id",
            Style::SecurityToken => "security-token",
        }
    }

    /// The library's header style.
    pub fn header_style(self) -> cognate_client::HeaderStyle {
        match self {
            Style::Access => cognate_client::HeaderStyle::RawAccess,
            Style::Bearer => cognate_client::HeaderStyle::BearerAccess,
            Style::Id => cognate_client::HeaderStyle::GraphQlId,
            Style::SecurityToken => cognate_client::HeaderStyle::CognitoSecurityToken,
        }
    }

    /// The header line's name as printed.
    pub fn header_name(self) -> &'static str {
        match self {
            Style::Access | Style::Bearer => "Authorization",
            Style::Id => "authorization",
            Style::SecurityToken => "X-Amz-Cognito-Security-Token",
        }
    }

    /// The style saved in a profile (`header_style`), in either naming.
    pub fn from_profile(connection: &Connection) -> Result<Option<Style>> {
        let Some(s) = &connection.header_style else {
            return Ok(None);
        };
        let style = match s.value.as_str() {
            "access" | "raw-access" => Style::Access,
            "bearer" | "bearer-access" => Style::Bearer,
            "id" | "graphql-id" => Style::Id,
            "security-token" | "cognito-security-token" => Style::SecurityToken,
            other => {
                return Err(CliError::usage(format!(
                    "unknown header style {other:?} ({})",
                    s.source
                ))
                .hint("use access, bearer, id or security-token"));
            }
        };
        Ok(Some(style))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_passwords_exit_3_and_network_4() {
        let e = client_error(cognate_client::Error::Cognito {
            kind: "NotAuthorizedException".into(),
            message: "Incorrect username or password.".into(),
            status: Some(400),
        });
        assert_eq!(e.exit(), Exit::Auth);
        assert_eq!(e.to_string(), "Incorrect username or password.");
        let e = client_error(cognate_client::Error::Transport("refused".into()));
        assert_eq!(e.exit(), Exit::Network);
    }
}
