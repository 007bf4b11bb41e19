//! An app client's access token (`client_credentials`) and where it is kept between runs.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{FileStore, LockedProfile, MemoryStore};

/// An app client's own access token, from the `client_credentials` grant.
///
/// The token may be a JWT (Cognito's are) or opaque (other providers'): only the token
/// endpoint's `expires_in` is trusted for its lifetime. Never shown by `Debug`.
#[derive(Clone)]
pub struct ClientToken {
    access: SecretString,
    /// Local clock seconds when it arrived.
    obtained_at: i64,
    /// Local clock seconds when it expires.
    expires_at: i64,
    scope: Option<String>,
}

impl ClientToken {
    /// A token that arrived at `obtained_at` (local clock seconds) and lives `expires_in`
    /// seconds.
    pub fn new(
        access_token: impl Into<String>,
        obtained_at: i64,
        expires_in: i64,
        scope: Option<String>,
    ) -> Self {
        ClientToken {
            access: SecretString::from(access_token.into()),
            obtained_at,
            expires_at: obtained_at.saturating_add(expires_in.max(0)),
            scope,
        }
    }

    /// The access token, to send.
    pub fn access_token(&self) -> &str {
        self.access.expose_secret()
    }

    /// When it expires, in local clock seconds.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// When it arrived, in local clock seconds.
    pub fn obtained_at(&self) -> i64 {
        self.obtained_at
    }

    /// Its lifetime in seconds.
    pub fn lifetime_secs(&self) -> i64 {
        self.expires_at - self.obtained_at
    }

    /// The scopes granted, as the token endpoint named them (`scope`), else as asked.
    pub fn scopes(&self) -> impl Iterator<Item = &str> + '_ {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
    }

    /// The space-separated `scope`, if known.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Whether it is still good for `margin_secs` from `now_secs`.
    pub fn is_fresh(&self, now_secs: i64, margin_secs: i64) -> bool {
        now_secs.saturating_add(margin_secs) < self.expires_at
    }

    fn to_record(&self) -> ClientTokenRecord {
        ClientTokenRecord {
            access_token: self.access.expose_secret().to_owned(),
            obtained_at: self.obtained_at,
            expires_at: self.expires_at,
            scope: self.scope.clone(),
        }
    }

    fn from_record(r: ClientTokenRecord) -> Self {
        ClientToken {
            access: SecretString::from(r.access_token),
            obtained_at: r.obtained_at,
            expires_at: r.expires_at,
            scope: r.scope,
        }
    }
}

impl fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientToken")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

/// How a client token is written to a file (JSON).
#[derive(Serialize, Deserialize)]
struct ClientTokenRecord {
    access_token: String,
    obtained_at: i64,
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// Keeps app clients' tokens by profile name between runs. Calls are short and blocking.
pub trait ClientTokenStore: Send + Sync + 'static {
    /// The token saved for `profile`, if any.
    fn load_client_token(&self, profile: &str) -> Result<Option<ClientToken>>;
    /// Saves `token` for `profile`, replacing what was there.
    fn save_client_token(&self, profile: &str, token: &ClientToken) -> Result<()>;
    /// Forgets `profile`'s token.
    fn remove_client_token(&self, profile: &str) -> Result<()>;
}

impl<T: ClientTokenStore + ?Sized> ClientTokenStore for std::sync::Arc<T> {
    fn load_client_token(&self, profile: &str) -> Result<Option<ClientToken>> {
        (**self).load_client_token(profile)
    }
    fn save_client_token(&self, profile: &str, token: &ClientToken) -> Result<()> {
        (**self).save_client_token(profile, token)
    }
    fn remove_client_token(&self, profile: &str) -> Result<()> {
        (**self).remove_client_token(profile)
    }
}

impl ClientTokenStore for MemoryStore {
    fn load_client_token(&self, profile: &str) -> Result<Option<ClientToken>> {
        Ok(self.client_tokens()?.get(profile).cloned())
    }
    fn save_client_token(&self, profile: &str, token: &ClientToken) -> Result<()> {
        self.client_tokens()?
            .insert(profile.to_owned(), token.clone());
        Ok(())
    }
    fn remove_client_token(&self, profile: &str) -> Result<()> {
        self.client_tokens()?.remove(profile);
        Ok(())
    }
}

impl FileStore {
    /// The file that holds `profile`'s app-client token
    /// (`<dir>/client-tokens/<profile>.json`, 0600, written atomically).
    pub fn client_token_path(&self, profile: &str) -> Result<std::path::PathBuf> {
        let user_file = self.path(profile)?;
        let dir = user_file.parent().map(|d| d.join("client-tokens"));
        Ok(dir
            .unwrap_or_else(|| "client-tokens".into())
            .join(format!("{profile}.json")))
    }

    fn read_client_unlocked(&self, profile: &str) -> Result<Option<ClientToken>> {
        let path = self.client_token_path(profile)?;
        Ok(self
            .read_record(&path, "a token file")?
            .map(ClientToken::from_record))
    }

    fn write_client_unlocked(&self, profile: &str, token: &ClientToken) -> Result<()> {
        let path = self.client_token_path(profile)?;
        self.write_record(&path, profile, &token.to_record())
    }

    fn remove_client_unlocked(&self, profile: &str) -> Result<()> {
        self.remove_record(&self.client_token_path(profile)?)
    }
}

impl ClientTokenStore for FileStore {
    fn load_client_token(&self, profile: &str) -> Result<Option<ClientToken>> {
        self.path(profile)?;
        let _lock = self.lock_shared(profile)?;
        self.read_client_unlocked(profile)
    }
    fn save_client_token(&self, profile: &str, token: &ClientToken) -> Result<()> {
        let _lock = self.lock_profile(profile)?;
        self.write_client_unlocked(profile, token)
    }
    fn remove_client_token(&self, profile: &str) -> Result<()> {
        let _lock = self.lock_profile(profile)?;
        self.remove_client_unlocked(profile)
    }
}

impl ClientTokenStore for LockedProfile {
    fn load_client_token(&self, profile: &str) -> Result<Option<ClientToken>> {
        if profile != self.profile() {
            return self.file_store().load_client_token(profile);
        }
        self.file_store().read_client_unlocked(profile)
    }
    fn save_client_token(&self, profile: &str, token: &ClientToken) -> Result<()> {
        if profile != self.profile() {
            return self.file_store().save_client_token(profile, token);
        }
        self.file_store().write_client_unlocked(profile, token)
    }
    fn remove_client_token(&self, profile: &str) -> Result<()> {
        if profile != self.profile() {
            return self.file_store().remove_client_token(profile);
        }
        self.file_store().remove_client_unlocked(profile)
    }
}
