//! Profiles that sign in at an OpenID Connect provider that is not a Cognito user pool
//! (`issuer` in the profile; `--issuer` on `cognate configure` and `cognate login`):
//! `cognate login --browser` signs in there (authorization code with PKCE, the endpoints from
//! `{issuer}/.well-known/openid-configuration`), the tokens are kept in
//! `<token dir>/oauth-tokens/<profile>.json` (0600, written atomically), `cognate token`
//! refreshes them at the provider's token endpoint when they would expire within 5 minutes
//! (under the profile's lock, so one process of many asks), `whoami` shows the granted scopes
//! and the provider's userInfo claims, and `logout` revokes the refresh token at the provider's
//! revocation endpoint.
//!
//! The access token may be opaque: nothing here reads it. The ID token's claims were checked by
//! the sign-in (`iss`, `aud`, `exp`, `nonce`); its `sub` names the user.

use std::time::Duration;

use cognate_client::{BrowserSignIn, Clock as _, FileStore, OAuthTokens, SystemClock};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

use crate::connection::{Connection, ConnectionArgs, check_endpoint, process_env};
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::output::{Output, Ui, env_line, print_json};
use crate::session::{client_error, profile_flag, profile_name, runtime, token_dir};

/// Refresh this long before expiry (at most half the lifetime), as for Cognito's tokens.
const MARGIN_SECS: i64 = 300;

/// A resolved profile whose sign-in is at an OpenID provider.
pub struct OidcProfile {
    /// The profile (its token file's name).
    pub profile: String,
    /// The resolved settings.
    pub connection: Connection,
    store: FileStore,
    client_id: String,
    issuer: String,
}

impl OidcProfile {
    /// The profile the arguments name when it has an issuer, else `None`.
    pub fn open(args: &ConnectionArgs) -> Result<Option<OidcProfile>> {
        let config = crate::profile::config_path()?;
        let connection = Connection::resolve(args, &process_env, &config)?;
        Self::from_connection(profile_name(args, &process_env), connection, None)
    }

    /// For `cognate login`: the profile may not exist yet, and `issuer` (from `--issuer`) beats
    /// the profile's.
    pub fn open_for_login(
        args: &ConnectionArgs,
        issuer: Option<&str>,
    ) -> Result<Option<OidcProfile>> {
        let config = crate::profile::config_path()?;
        let connection = Connection::resolve_with(args, &process_env, &config, true)?;
        Self::from_connection(profile_name(args, &process_env), connection, issuer)
    }

    fn from_connection(
        profile: String,
        connection: Connection,
        flag: Option<&str>,
    ) -> Result<Option<OidcProfile>> {
        let issuer = match (flag, &connection.issuer) {
            (Some(i), _) => i.trim_end_matches('/').to_owned(),
            (None, Some(s)) => s.value.trim_end_matches('/').to_owned(),
            (None, None) => return Ok(None),
        };
        check_endpoint(&issuer).map_err(|e| {
            CliError::usage(format!("the issuer {issuer:?} is not an http(s) URL"))
                .hint("--issuer takes the provider's URL, whose discovery document is at {URL}/.well-known/openid-configuration")
                .cause(e.to_string())
        })?;
        let store = FileStore::new(token_dir()?);
        store.path(&profile).map_err(client_error)?;
        let client_id = connection
            .client_id
            .as_ref()
            .map(|c| c.value.clone())
            .ok_or_else(|| {
                CliError::usage(format!("no client id for the OpenID provider {issuer}")).hint(
                    format!(
                        "pass --client-id (the client registered at the provider), or save it with `cognate configure{} --issuer {issuer} --client-id ID`",
                        profile_flag(&profile)
                    ),
                )
            })?;
        Ok(Some(OidcProfile {
            profile,
            connection,
            store,
            client_id,
            issuer,
        }))
    }

    /// The provider's issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The token store (the tokens are in [`FileStore::oauth_tokens_path`]).
    pub fn store(&self) -> &FileStore {
        &self.store
    }

    /// The token file of this profile.
    pub fn token_path(&self) -> std::path::PathBuf {
        self.store
            .oauth_tokens_path(&self.profile)
            .unwrap_or_else(|_| format!("{}.json", self.profile).into())
    }

    /// A browser sign-in at the provider (its discovery document read), redirected to
    /// `http://localhost:{port}/callback`.
    pub async fn sign_in(
        &self,
        port: u16,
        scopes: Vec<String>,
        timeout: Duration,
    ) -> Result<BrowserSignIn> {
        let mut b = BrowserSignIn::builder(&self.client_id)
            .issuer(&self.issuer)
            .redirect_host("localhost")
            .redirect_port(port)
            .timeout(timeout);
        if !scopes.is_empty() {
            b = b.scopes(scopes);
        }
        if let Some(secret) = &self.connection.client_secret {
            b = b.client_secret(secret.value.expose_secret());
        }
        if let Some(r) = &self.connection.resource {
            b = b.resource(r.value.clone());
        }
        b.build().await.map_err(|e| self.error(e))
    }

    /// "not logged in", exit 3.
    fn not_logged_in(&self) -> CliError {
        CliError::new(
            Exit::Auth,
            format!(
                "not logged in (no tokens for profile {} from {})",
                self.profile, self.issuer
            ),
        )
        .hint(self.login_hint())
    }

    fn login_hint(&self) -> String {
        format!(
            "run `cognate login{} --browser`",
            profile_flag(&self.profile)
        )
    }

    /// A library error in the terms of this profile: a refused refresh token means a new
    /// sign-in; an unreachable or foreign discovery document names the issuer to check.
    pub fn error(&self, e: cognate_client::Error) -> CliError {
        use cognate_client::Error as E;
        match (&e, e.oauth_error()) {
            (_, Some("invalid_grant")) => CliError::new(
                Exit::Auth,
                format!(
                    "the provider refused the refresh token of profile {}: the sign-in has ended",
                    self.profile
                ),
            )
            .hint(self.login_hint()),
            (E::Transport(_) | E::Protocol(_), None) => CliError::new(
                Exit::Network,
                format!("the OpenID provider {} did not answer as one", self.issuer),
            )
            .hint(format!(
                "check the issuer (`cognate configure list{}`): {}/.well-known/openid-configuration must be its discovery document",
                profile_flag(&self.profile),
                self.issuer
            ))
            .cause(e.to_string()),
            _ => client_error(e),
        }
    }

    /// Tokens whose access token is good for at least the margin: the saved ones, else the
    /// saved ones refreshed at the provider's token endpoint (under the profile's lock, so of
    /// many processes only one asks; the others read its tokens).
    pub fn tokens(&self) -> Result<OAuthTokens> {
        let now = SystemClock.now_secs();
        let fresh = |t: &OAuthTokens| {
            t.is_fresh(now, MARGIN_SECS.min((t.expires_at() - t.received_at()) / 2))
        };
        match self
            .store
            .load_oauth_tokens(&self.profile)
            .map_err(client_error)?
        {
            None => return Err(self.not_logged_in()),
            Some(t) if fresh(&t) => return Ok(t),
            Some(_) => {}
        }
        let locked = self
            .store
            .lock_profile(&self.profile)
            .map_err(client_error)?;
        let Some(current) = locked.load_oauth_tokens().map_err(client_error)? else {
            return Err(self.not_logged_in());
        };
        if fresh(&current) {
            return Ok(current);
        }
        let Some(refresh) = current.refresh_token() else {
            return Err(CliError::new(
                Exit::Auth,
                format!(
                    "the access token of profile {} has expired and the provider gave no refresh token",
                    self.profile
                ),
            )
            .hint(self.login_hint()));
        };
        let newer = runtime()?.block_on(async {
            let sign_in = self.sign_in(0, Vec::new(), Duration::from_secs(1)).await?;
            sign_in
                .refresh(refresh.expose_secret())
                .await
                .map_err(|e| self.error(e))
        })?;
        let tokens = current.refreshed(newer);
        locked.save_oauth_tokens(&tokens).map_err(client_error)?;
        Ok(tokens)
    }

    /// `cognate whoami`: the subject, the provider's userInfo claims and the granted scopes.
    pub fn whoami(&self, ui: &Ui) -> Result<()> {
        let tokens = self.tokens()?;
        let claims: Map<String, Value> = runtime()?.block_on(async {
            let sign_in = self.sign_in(0, Vec::new(), Duration::from_secs(1)).await?;
            sign_in
                .user_info(tokens.access_token())
                .await
                .map_err(|e| self.error(e))
        })?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let scope = tokens.scope().unwrap_or_default();
        match ui.output {
            Output::Text => {
                println!("subject: {subject}");
                println!("issuer: {}", self.issuer);
                println!("client: {}", self.client_id);
                for (k, v) in claims.iter().filter(|(k, _)| *k != "sub") {
                    match v {
                        Value::String(s) => println!("{k}: {s}"),
                        other => println!("{k}: {other}"),
                    }
                }
                println!("scopes: {scope}");
            }
            Output::Json => print_json(&json!({
                "subject": subject,
                "issuer": self.issuer,
                "client_id": self.client_id,
                "claims": claims,
                "scopes": scope.split_ascii_whitespace().collect::<Vec<_>>(),
                "expires_at": tokens.expires_at(),
            }))?,
            Output::Env => {
                println!("{}", env_line("COGNATE_WHOAMI_SUBJECT", &subject));
                println!("{}", env_line("COGNATE_WHOAMI_ISSUER", &self.issuer));
                println!("{}", env_line("COGNATE_WHOAMI_CLIENT_ID", &self.client_id));
                println!("{}", env_line("COGNATE_WHOAMI_SCOPES", scope));
            }
        }
        Ok(())
    }

    /// `cognate logout`: revokes the refresh token at the provider's revocation endpoint (RFC
    /// 7009), then removes the token file whatever the provider said.
    pub fn logout(&self, ui: &Ui) -> Result<()> {
        let saved = self
            .store
            .load_oauth_tokens(&self.profile)
            .map_err(client_error)?;
        let Some(tokens) = saved else {
            ui.status(&format!(
                "not logged in (no tokens for profile {}); nothing to do",
                self.profile
            ));
            if ui.output == Output::Json {
                print_json(&json!({
                    "profile": self.profile,
                    "logged_out": false,
                    "server": "not logged in",
                }))?;
            }
            return Ok(());
        };
        let server = match tokens.refresh_token() {
            Some(refresh) => runtime()?
                .block_on(async {
                    let sign_in = self.sign_in(0, Vec::new(), Duration::from_secs(1)).await?;
                    sign_in
                        .revoke(refresh.expose_secret())
                        .await
                        .map_err(|e| self.error(e))
                })
                .map(|()| "refresh token revoked at the provider"),
            None => Ok("no refresh token to revoke"),
        };
        self.store
            .remove_oauth_tokens(&self.profile)
            .map_err(client_error)?;
        let what = server.map_err(|e| {
            CliError::new(
                e.exit(),
                format!(
                    "removed {}, but the revocation failed: {e}",
                    self.token_path().display()
                ),
            )
            .hint("the refresh token may still work at the provider until it expires")
        })?;
        if ui.output == Output::Json {
            print_json(&json!({
                "profile": self.profile,
                "logged_out": true,
                "server": what,
                "removed": self.token_path().display().to_string(),
            }))?;
        }
        ui.status(&format!(
            "logged out of profile {}: {what}; removed {}",
            self.profile,
            self.token_path().display()
        ));
        Ok(())
    }

    /// Saves the issuer and the client id in the profile (created if needed), so that
    /// `cognate token` and the rest find the provider; returns the keys it wrote.
    pub fn remember(&self) -> Result<Vec<&'static str>> {
        let path = crate::profile::config_path()?;
        let mut config = crate::connection::load_config(&path)?;
        let mut profile = config
            .profiles
            .get(&self.profile)
            .cloned()
            .unwrap_or_default();
        let mut saved = Vec::new();
        if profile.issuer.as_deref() != Some(self.issuer.as_str()) {
            profile.issuer = Some(self.issuer.clone());
            saved.push("issuer");
        }
        if profile.client_id.as_deref() != Some(self.client_id.as_str()) {
            profile.client_id = Some(self.client_id.clone());
            saved.push("client_id");
        }
        if !saved.is_empty() {
            config.profiles.insert(self.profile.clone(), profile);
            config.save(&path)?;
        }
        Ok(saved)
    }
}

/// The `sub` of an ID token that the sign-in has checked (its payload only; no signature).
pub fn id_token_subject(id_token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}
