//! What `login`, `token`, `curl`, `whoami` and `logout` share: a `cognate_client::Client` built
//! from the resolved [`Connection`], the profile's token file (a `cognate_client::FileStore`),
//! a `TokenSource` over it, the header styles, and Cognito's errors in the user's terms.

use std::path::PathBuf;

use clap::ValueEnum;
use cognate_client::{Client, FileStore, TokenSource, TokenStore};
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
        let config = crate::profile::config_path()?;
        let connection = Connection::resolve(args, &process_env, &config)?;
        let profile = profile_name(args, &process_env);
        let store = FileStore::new(token_dir()?);
        store.path(&profile).map_err(client_error)?;
        let pool = connection.require_user_pool_id()?.to_owned();
        let client_id = connection
            .client_id
            .as_ref()
            .map(|c| c.value.clone())
            .ok_or_else(|| {
                CliError::usage("no app client id").hint(
                    "pass --client-id, set COGNATE_CLIENT_ID, or save one with `cognate configure`",
                )
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

    /// A token source over the stored tokens; exit 3 with "run `cognate login`" when there are
    /// none.
    pub fn source(&self) -> Result<TokenSource> {
        if self
            .store
            .load(&self.profile)
            .map_err(client_error)?
            .is_none()
        {
            return Err(self.not_logged_in());
        }
        Ok(TokenSource::builder(self.client.clone())
            .store(self.store.clone(), self.profile.clone())
            .build())
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
        if self.profile == "default" {
            "run `cognate login`".to_owned()
        } else {
            format!("run `cognate login --profile {}`", self.profile)
        }
    }

    /// The username, from the connection settings.
    pub fn username(&self) -> Option<&str> {
        self.connection.username.as_ref().map(|u| u.value.as_str())
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

/// Cognito's errors in the user's terms, with the documented exit codes.
pub fn client_error(e: cognate_client::Error) -> CliError {
    use cognate_client::Error as E;
    match &e {
        E::Cognito { kind, message, .. } => {
            let text = if message.is_empty() {
                kind.clone()
            } else {
                message.clone()
            };
            match kind.as_str() {
                "NotAuthorizedException" if text.to_ascii_lowercase().contains("token") => {
                    CliError::new(Exit::Auth, text).hint("run `cognate login`")
                }
                "NotAuthorizedException" | "UserNotFoundException" => {
                    CliError::new(Exit::Auth, text).hint(
                        "check the username (--username, COGNATE_USERNAME or the profile) and the password",
                    )
                }
                "UserNotConfirmedException" => CliError::new(Exit::Auth, text)
                    .hint("the user must confirm their sign-up first"),
                "PasswordResetRequiredException" => CliError::new(Exit::Auth, text)
                    .hint("the password must be reset (forgot-password flow) before logging in"),
                "CodeMismatchException" | "ExpiredCodeException" => {
                    CliError::new(Exit::Auth, text).hint("run `cognate login` again for a new code")
                }
                "InvalidPasswordException" => CliError::new(Exit::Auth, text)
                    .hint("choose a password that meets the pool's password policy"),
                "InvalidParameterException" if text.contains("flow not enabled") => {
                    CliError::usage(text).hint(
                        "the app client does not allow this login flow; try the other --flow (srp or password)",
                    )
                }
                "ResourceNotFoundException" | "InvalidParameterException" => {
                    CliError::usage(format!("{kind}: {text}"))
                        .hint("check the user pool id, app client id and endpoint (`cognate configure list`)")
                }
                _ => CliError::new(Exit::Failure, format!("{kind}: {text}")),
            }
        }
        E::Transport(_) => CliError::new(Exit::Network, e.to_string()).hint(
            "check the endpoint and the network (`cognate configure list` shows the endpoint)",
        ),
        E::Config(_) => CliError::usage(e.to_string()),
        E::SessionEnded(_) => CliError::new(Exit::Auth, e.to_string()).hint("run `cognate login`"),
        E::ChallengeRequired(_) => CliError::new(Exit::Auth, e.to_string()),
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

impl Style {
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
