//! The one interface the HTTP integration takes tokens from: a user's [`TokenSource`] and an app
//! client's [`ClientCredentials`] both implement [`TokenProvider`].
//!
//! [`TokenSource`]: crate::TokenSource
//! [`ClientCredentials`]: crate::ClientCredentials

use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::oauth::ClientToken;
use crate::tokens::TokenSet;

/// The tokens one request carries: a user's token set, or an app client's access token.
///
/// Cheap to clone (one `Arc`).
#[derive(Clone)]
pub enum Bearer {
    /// A user's tokens: access, ID and maybe refresh.
    User(Arc<TokenSet>),
    /// An app client's own access token (`client_credentials`): no ID token, no user.
    Client(Arc<ClientToken>),
}

impl Bearer {
    /// The access token, to send.
    pub fn access_token(&self) -> &str {
        match self {
            Bearer::User(t) => t.access_token().as_str(),
            Bearer::Client(t) => t.access_token(),
        }
    }

    /// The ID token, when the tokens are a user's.
    pub fn id_token(&self) -> Option<&str> {
        match self {
            Bearer::User(t) => Some(t.id_token().as_str()),
            Bearer::Client(_) => None,
        }
    }

    /// The user's token set, when the tokens are a user's.
    pub fn token_set(&self) -> Option<&Arc<TokenSet>> {
        match self {
            Bearer::User(t) => Some(t),
            Bearer::Client(_) => None,
        }
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bearer::User(t) => f.debug_tuple("User").field(t).finish(),
            Bearer::Client(t) => f.debug_tuple("Client").field(t).finish(),
        }
    }
}

/// A shared source of valid tokens for requests: what [`crate::Authenticator`] takes.
///
/// Implemented by [`crate::TokenSource`] (a user's tokens, refreshed through Cognito) and
/// [`crate::ClientCredentials`] (an app client's tokens from the token endpoint). Implement it
/// to bring tokens from elsewhere.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use cognate_client::{Authenticator, ClientCredentials, HeaderStyle, TokenProvider};
///
/// let machine = ClientCredentials::builder("7example", "the-secret")
///     .domain("https://shop.auth.us-east-1.amazoncognito.com")
///     .scopes(["orders/read"])
///     .build()?;
/// println!("{}", machine.bearer().await?.access_token());
/// let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(Authenticator::new(machine, HeaderStyle::BearerAccess))
///     .build();
/// # let _ = http;
/// # Ok(()) }
/// ```
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync + 'static {
    /// Valid tokens: cached ones while fresh, else after the one renewal in flight.
    async fn bearer(&self) -> Result<Bearer>;

    /// New tokens after an API refused `rejected` with 401, unless someone replaced them in the
    /// meantime.
    async fn bearer_after_rejection(&self, rejected: &Bearer) -> Result<Bearer>;
}

#[async_trait::async_trait]
impl TokenProvider for crate::TokenSource {
    async fn bearer(&self) -> Result<Bearer> {
        Ok(Bearer::User(self.tokens().await?))
    }

    async fn bearer_after_rejection(&self, rejected: &Bearer) -> Result<Bearer> {
        let rejected = rejected.token_set().map(|t| &**t);
        Ok(Bearer::User(self.refresh_after_rejection(rejected).await?))
    }
}

#[async_trait::async_trait]
impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    async fn bearer(&self) -> Result<Bearer> {
        (**self).bearer().await
    }

    async fn bearer_after_rejection(&self, rejected: &Bearer) -> Result<Bearer> {
        (**self).bearer_after_rejection(rejected).await
    }
}
