//! The tokens of a browser sign-in at any OpenID provider, kept between runs in a
//! [`FileStore`]: `<dir>/oauth-tokens/<profile>.json` (0600, written atomically), beside the
//! user's Cognito token files and the app clients' tokens. Unlike a [`TokenSet`] the access
//! token may be opaque and the ID token may be missing (a provider need not send one on
//! refresh), so they have a file of their own.
//!
//! [`TokenSet`]: crate::TokenSet

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::oauth_tokens::OAuthTokens;
use crate::error::Result;
use crate::store::{FileStore, LockedProfile};
use crate::tokens::RefreshToken;

/// How the tokens are written to the file (JSON).
#[derive(Serialize, Deserialize)]
struct OAuthTokensRecord {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_at: i64,
    received_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

impl OAuthTokens {
    fn to_record(&self) -> OAuthTokensRecord {
        OAuthTokensRecord {
            access_token: self.access.expose_secret().to_owned(),
            id_token: self.id.clone(),
            refresh_token: self.refresh.as_ref().map(|r| r.expose_secret().to_owned()),
            expires_at: self.expires_at,
            received_at: self.received_at,
            scope: self.scope.clone(),
        }
    }

    fn from_record(r: OAuthTokensRecord) -> Self {
        OAuthTokens {
            access: SecretString::from(r.access_token),
            id: r.id_token,
            refresh: r.refresh_token.map(RefreshToken::new),
            expires_at: r.expires_at,
            scope: r.scope,
            received_at: r.received_at,
        }
    }

    /// When they arrived, in local clock seconds.
    pub fn received_at(&self) -> i64 {
        self.received_at
    }

    /// Whether the access token is still good for `margin_secs` from `now_secs`.
    pub fn is_fresh(&self, now_secs: i64, margin_secs: i64) -> bool {
        now_secs.saturating_add(margin_secs) < self.expires_at
    }

    /// These tokens after a refresh answered `newer`: the ID token and the granted scopes are
    /// kept when the refresh did not send them (a provider may leave them out).
    pub fn refreshed(&self, mut newer: OAuthTokens) -> OAuthTokens {
        if newer.id.is_none() {
            newer.id = self.id.clone();
        }
        if newer.scope.is_none() {
            newer.scope = self.scope.clone();
        }
        newer
    }
}

impl FileStore {
    /// The file that holds `profile`'s browser sign-in at an OpenID provider
    /// (`<dir>/oauth-tokens/<profile>.json`, 0600, written atomically).
    pub fn oauth_tokens_path(&self, profile: &str) -> Result<PathBuf> {
        let user_file = self.path(profile)?;
        let dir = user_file.parent().map(|d| d.join("oauth-tokens"));
        Ok(dir
            .unwrap_or_else(|| "oauth-tokens".into())
            .join(format!("{profile}.json")))
    }

    /// The tokens saved for `profile`, if any.
    pub fn load_oauth_tokens(&self, profile: &str) -> Result<Option<OAuthTokens>> {
        self.path(profile)?;
        let _lock = self.lock_shared(profile)?;
        self.read_oauth_unlocked(profile)
    }

    /// Saves `tokens` for `profile`, replacing what was there.
    pub fn save_oauth_tokens(&self, profile: &str, tokens: &OAuthTokens) -> Result<()> {
        let _lock = self.lock_profile(profile)?;
        self.write_oauth_unlocked(profile, tokens)
    }

    /// Forgets `profile`'s tokens.
    pub fn remove_oauth_tokens(&self, profile: &str) -> Result<()> {
        let _lock = self.lock_profile(profile)?;
        self.remove_oauth_unlocked(profile)
    }

    fn read_oauth_unlocked(&self, profile: &str) -> Result<Option<OAuthTokens>> {
        let path = self.oauth_tokens_path(profile)?;
        Ok(self
            .read_record(&path, "a token file")?
            .map(OAuthTokens::from_record))
    }

    fn write_oauth_unlocked(&self, profile: &str, tokens: &OAuthTokens) -> Result<()> {
        let path = self.oauth_tokens_path(profile)?;
        self.write_record(&path, profile, &tokens.to_record())
    }

    fn remove_oauth_unlocked(&self, profile: &str) -> Result<()> {
        self.remove_record(&self.oauth_tokens_path(profile)?)
    }
}

impl LockedProfile {
    /// The tokens saved for the locked profile, read without locking again.
    pub fn load_oauth_tokens(&self) -> Result<Option<OAuthTokens>> {
        self.file_store().read_oauth_unlocked(self.profile())
    }

    /// Saves `tokens` for the locked profile, without locking again.
    pub fn save_oauth_tokens(&self, tokens: &OAuthTokens) -> Result<()> {
        self.file_store()
            .write_oauth_unlocked(self.profile(), tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(id: Option<&str>, scope: Option<&str>) -> OAuthTokens {
        OAuthTokens {
            access: SecretString::from("opaque-access".to_owned()),
            id: id.map(str::to_owned),
            refresh: Some(RefreshToken::new("r1")),
            expires_at: 2_000,
            scope: scope.map(str::to_owned),
            received_at: 1_000,
        }
    }

    #[test]
    fn saved_read_back_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        assert!(store.load_oauth_tokens("p").unwrap().is_none());
        store
            .save_oauth_tokens("p", &tokens(Some("id.x.y"), Some("openid")))
            .unwrap();
        let path = store.oauth_tokens_path("p").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let back = store.load_oauth_tokens("p").unwrap().unwrap();
        assert_eq!(back.access_token(), "opaque-access");
        assert_eq!(back.id_token(), Some("id.x.y"));
        assert_eq!(back.refresh_token().unwrap().expose_secret(), "r1");
        assert_eq!((back.received_at(), back.expires_at()), (1_000, 2_000));
        assert_eq!(back.scope(), Some("openid"));
        assert!(back.is_fresh(1_500, 300) && !back.is_fresh(1_800, 300));
        let locked = store.lock_profile("p").unwrap();
        assert!(locked.load_oauth_tokens().unwrap().is_some());
        drop(locked);
        store.remove_oauth_tokens("p").unwrap();
        assert!(!path.exists());
        store.remove_oauth_tokens("p").unwrap();
    }

    #[test]
    fn a_refresh_keeps_what_it_did_not_send() {
        let old = tokens(Some("old-id"), Some("openid email"));
        let kept = old.refreshed(tokens(None, None));
        assert_eq!(kept.id_token(), Some("old-id"));
        assert_eq!(kept.scope(), Some("openid email"));
        let replaced = old.refreshed(tokens(Some("new-id"), Some("openid")));
        assert_eq!(replaced.id_token(), Some("new-id"));
        assert_eq!(replaced.scope(), Some("openid"));
    }
}
