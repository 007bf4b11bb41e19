//! Machine-to-machine profiles (`grant = "client_credentials"`): the app client's own access
//! token for `cognate token`, `cognate curl`, `whoami` and `logout`, cached in the profile's
//! 0600 token file (`<token dir>/client-tokens/<profile>.json`, written atomically) and asked
//! for only when it would expire within 5 minutes (at most half its lifetime) — by one process
//! of however many need it at once: the others wait on the profile's lock and read its token.

use std::sync::Arc;

use cognate_client::{ClientCredentials, ClientToken, ClientTokenStore, Clock, FileStore};
use secrecy::ExposeSecret;

use crate::connection::{Connection, ConnectionArgs, process_env};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::session::{client_error, profile_flag, profile_name, runtime, token_dir};

/// The grant a machine-to-machine profile names.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

/// A resolved machine-to-machine profile.
pub struct Machine {
    /// The profile (its token file's name).
    pub profile: String,
    /// The resolved settings.
    pub connection: Connection,
    /// The token files.
    pub store: FileStore,
    client_id: String,
    /// Needed only to ask for a token (not to print a cached one, nor to log out).
    secret: Option<secrecy::SecretString>,
    endpoint: Endpoint,
    scopes: Vec<String>,
}

enum Endpoint {
    TokenUrl(String),
    Domain(String),
    Issuer(String),
}

impl Endpoint {
    fn describe(&self) -> String {
        match self {
            Endpoint::TokenUrl(u) => u.clone(),
            Endpoint::Domain(d) => format!("{}/oauth2/token", d.trim_end_matches('/')),
            Endpoint::Issuer(i) => format!("the token endpoint of {i}"),
        }
    }
}

/// Refresh this long before expiry (at most half the lifetime), as for a user's tokens.
const MARGIN_SECS: i64 = 300;

impl Machine {
    /// The machine-to-machine profile the arguments name, or `None` for a user's profile.
    pub fn open(args: &ConnectionArgs) -> Result<Option<Machine>> {
        let config = crate::profile::config_path()?;
        let connection = Connection::resolve(args, &process_env, &config)?;
        Self::from_connection(profile_name(args, &process_env), connection)
    }

    /// The machine-to-machine profile `profile` with its resolved settings, or `None` when
    /// they are a user's.
    pub fn from_connection(profile: String, connection: Connection) -> Result<Option<Machine>> {
        if connection
            .grant
            .as_ref()
            .is_none_or(|g| g.value != CLIENT_CREDENTIALS)
        {
            return Ok(None);
        }
        let store = FileStore::new(token_dir()?);
        store.path(&profile).map_err(client_error)?;
        let client_id = connection
            .client_id
            .as_ref()
            .map(|c| c.value.clone())
            .ok_or_else(|| {
                CliError::usage("no app client id").hint(format!(
                    "save one with `cognate configure{} --client-credentials --client-id ID`",
                    profile_flag(&profile)
                ))
            })?;
        let secret = connection.client_secret.as_ref().map(|s| s.value.clone());
        let endpoint = if let Some(url) = &connection.token_url {
            Endpoint::TokenUrl(url.value.clone())
        } else if let Some(domain) = &connection.domain {
            Endpoint::Domain(domain.value.clone())
        } else if let Some(issuer) = &connection.issuer {
            // Another OAuth provider: its discovery document names the token endpoint.
            Endpoint::Issuer(issuer.value.trim_end_matches('/').to_owned())
        } else if let Some(pool) = &connection.user_pool_id {
            // The pool's issuer: its discovery document names the token endpoint.
            let issuer = match &connection.endpoint {
                Some(e) => format!("{}/{}", e.value.trim_end_matches('/'), pool.value),
                None => {
                    let region = crate::profile::region_of_pool(&pool.value).unwrap_or("us-east-1");
                    let suffix = if region.starts_with("cn-") { ".cn" } else { "" };
                    format!(
                        "https://cognito-idp.{region}.amazonaws.com{suffix}/{}",
                        pool.value
                    )
                }
            };
            Endpoint::Issuer(issuer)
        } else {
            return Err(CliError::usage("no token endpoint for this machine-to-machine profile")
                .hint(format!(
                    "save the pool's domain with `cognate configure{} --domain URL` (or --token-url, or --user-pool-id or --issuer for discovery)",
                    profile_flag(&profile)
                )));
        };
        let scopes = connection
            .scope
            .as_ref()
            .map(|s| {
                s.value
                    .split_ascii_whitespace()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(Machine {
            profile,
            connection,
            store,
            client_id,
            secret,
            endpoint,
            scopes,
        }))
    }

    /// The app client.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scopes asked for (none: every scope the app client allows).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Where the secret comes from, if there is one (never the secret itself).
    pub fn secret_source(&self) -> Option<&crate::connection::Source> {
        self.connection.client_secret.as_ref().map(|s| &s.source)
    }

    /// The token endpoint as far as it is known without a request: `(token URL, domain,
    /// issuer whose discovery document names it)`, one of them set.
    pub fn token_endpoint(&self) -> (Option<String>, Option<&str>, Option<&str>) {
        match &self.endpoint {
            Endpoint::TokenUrl(u) => (Some(u.clone()), None, None),
            Endpoint::Domain(d) => (Some(self.endpoint.describe()), Some(d), None),
            Endpoint::Issuer(i) => (None, None, Some(i)),
        }
    }

    /// The token source, with the token file (or `store`) for a cache.
    pub fn source(&self, store: impl ClientTokenStore) -> Result<ClientCredentials> {
        let secret = self.secret.as_ref().ok_or_else(|| {
            CliError::usage("no app client secret for this machine-to-machine profile").hint(
                format!(
                    "set COGNATE_CLIENT_SECRET, or store it with `printf %s \"$SECRET\" | cognate configure{} --client-secret-stdin`",
                    profile_flag(&self.profile)
                ),
            )
        })?;
        let mut b = ClientCredentials::builder(&self.client_id, secret.expose_secret())
            .scopes(self.scopes.iter().cloned())
            .store(store, self.profile.clone());
        b = match &self.endpoint {
            Endpoint::TokenUrl(u) => b.token_url(u),
            Endpoint::Domain(d) => b.domain(d),
            Endpoint::Issuer(i) => b.issuer(i),
        };
        if let Some(r) = &self.connection.resource {
            b = b.resource(r.value.clone());
        }
        b.build().map_err(client_error)
    }

    /// The cached token, fresh or not, without any request.
    pub fn cached(&self) -> Result<Option<ClientToken>> {
        self.store
            .load_client_token(&self.profile)
            .map_err(client_error)
    }

    /// A token good for at least the margin: the cached one, else one request (under the
    /// profile's lock, so that of many processes only one asks).
    pub fn token(&self) -> Result<Arc<ClientToken>> {
        let now = cognate_client::SystemClock.now_secs();
        let fresh = |t: &ClientToken| t.is_fresh(now, MARGIN_SECS.min(t.lifetime_secs() / 2));
        if let Some(t) = self.cached()?.filter(fresh) {
            return Ok(Arc::new(t));
        }
        let locked = self
            .store
            .lock_profile(&self.profile)
            .map_err(client_error)?;
        let source = self.source(locked)?;
        runtime()?
            .block_on(source.token())
            .map_err(|e| self.error(e))
    }

    /// A client error in the terms of this profile.
    pub fn error(&self, e: cognate_client::Error) -> CliError {
        let refused = matches!(
            e.oauth_error(),
            Some("invalid_client" | "unauthorized_client")
        );
        let scope = matches!(e.oauth_error(), Some("invalid_scope" | "invalid_target"));
        let err = client_error(e);
        if refused {
            CliError::new(Exit::Auth, err.to_string()).hint(format!(
                "check the app client id and secret of profile {} ({})",
                self.profile,
                self.endpoint.describe()
            ))
        } else if scope {
            CliError::new(Exit::Auth, err.to_string()).hint(
                "check the scopes (and resource) against the app client's allowed OAuth scopes",
            )
        } else {
            err
        }
    }
}
