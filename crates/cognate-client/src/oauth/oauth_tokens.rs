//! The tokens of a browser sign-in (or of a refresh at the token endpoint).

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::tokens::{AccessToken, IdToken, RefreshToken, TokenSet};

/// The tokens of a browser sign-in or of a refresh at the token endpoint.
#[derive(Clone)]
pub struct OAuthTokens {
    pub(super) access: SecretString,
    pub(super) id: Option<String>,
    pub(super) refresh: Option<RefreshToken>,
    pub(super) expires_at: i64,
    pub(super) scope: Option<String>,
    pub(super) received_at: i64,
}

impl fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthTokens")
            .field("access_token", &"<redacted>")
            .field("id_token", &self.id.as_ref().map(|_| "<redacted>"))
            .field("refresh_token", &self.refresh)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

impl OAuthTokens {
    /// The access token.
    pub fn access_token(&self) -> &str {
        self.access.expose_secret()
    }
    /// The ID token (with the `openid` scope).
    pub fn id_token(&self) -> Option<&str> {
        self.id.as_deref()
    }
    /// The refresh token, if one was issued.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh.as_ref()
    }
    /// When the access token expires, in local clock seconds.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }
    /// The scopes granted (`scope`), when the provider said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// As a [`TokenSet`] (Cognito's tokens are JWTs; an ID token is needed), to hand to a
    /// [`TokenSource`](crate::TokenSource) or a token store.
    pub fn into_token_set(self) -> Result<TokenSet> {
        let id = self
            .id
            .ok_or_else(|| Error::protocol("no ID token (ask for the openid scope)"))?;
        Ok(TokenSet::new(
            AccessToken::parse(self.access.expose_secret())?,
            IdToken::parse(&id)?,
            self.refresh,
            self.received_at,
        ))
    }
}
