//! OAuth 2.0 at a user pool's domain (or any OAuth 2.0 / OpenID Connect provider): an app
//! client's own tokens ([`ClientCredentials`], machine to machine) and a user's sign-in through
//! the browser ([`BrowserSignIn`], authorization code with PKCE on a loopback redirect).
//!
//! The protocol messages (token requests, the authorization URL with PKCE and `state`, token
//! responses and error responses) are the [`oauth2`] crate's, over this crate's reqwest client
//! (rustls with aws-lc) rather than the `oauth2` crate's own reqwest feature, which would bring a
//! second reqwest and TLS stack. Discovery, revocation and userInfo are a few lines each and are
//! done here: `oauth2` refuses revocation endpoints that are not HTTPS, which a local Cognito
//! (`cognate serve`) on `http://127.0.0.1` is.

mod browser;
mod client_credentials;
mod client_token;
mod endpoints;
mod loopback;
mod oauth_token_file;
mod oauth_tokens;
mod transport;

pub use browser::{BrowserSignIn, BrowserSignInBuilder, PendingSignIn};
pub use client_credentials::{ClientAuth, ClientCredentials, ClientCredentialsBuilder};
pub use client_token::{ClientToken, ClientTokenStore};
pub use endpoints::OAuthEndpoints;
pub use oauth_tokens::OAuthTokens;
