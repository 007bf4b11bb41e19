//! Amazon Cognito user pools from the client's side: log in with every flow and challenge,
//! keep tokens fresh by themselves, and call APIs with the header they expect.
//!
//! - [`Client`]: one app client of one user pool, over the official AWS SDK (unsigned calls, no
//!   AWS credentials needed), with `SECRET_HASH` on every call when the app client has a secret,
//!   and bounded, jittered retries of throttled calls.
//! - [`Client::login`]: `USER_SRP_AUTH` (default) or `USER_PASSWORD_AUTH`; challenges come back
//!   as a [`LoginStep::Challenge`] the caller answers ([`Challenge`]); a mistyped MFA code
//!   hands the challenge back ([`AnswerError`]) to be answered again in the same login.
//! - [`TokenSet`]: access, ID and refresh tokens with decoded claims (`custom:*` included).
//! - [`TokenSource`]: shared, self-refreshing, one refresh in flight, re-login when allowed.
//! - [`TokenStore`]: [`MemoryStore`], [`FileStore`] (0600, atomic, locked).
//! - [`Authenticator`] / [`HeaderStyle`]: the header on HTTP requests, as a `reqwest-middleware`
//!   middleware or by hand.
//! - [`IdentityPoolCredentials`]: AWS credentials through an identity pool.
//! - [`ClientCredentials`]: an app client's own tokens (machine to machine) from the token
//!   endpoint, cached and renewed like [`TokenSource`]'s; both are [`TokenProvider`]s.
//! - [`passkey`]: passkeys (WebAuthn) through an [`passkey::Authenticator`] (a software one
//!   behind the feature `software-authenticator`): [`Client::register_passkey`], and the
//!   `WEB_AUTHN` step of [`Client::login_user_auth`] ([`WebAuthnChallenge`]).
//! - [`BrowserSignIn`]: sign-in through the browser (authorization code + PKCE, loopback
//!   redirect), refresh, revocation and userInfo.
//!
//! # Log in, answering challenges
//!
//! ```no_run
//! # async fn run() -> cognate_client::Result<()> {
//! use cognate_client::{Challenge, Client, Credentials, LoginStep};
//!
//! let client = Client::builder("us-east-1_AbC123xyZ", "1example23456789").build()?;
//! let mut step = client.login(&Credentials::new("alice", "Correct horse 1!")).await?;
//! let tokens = loop {
//!     step = match step {
//!         LoginStep::Authenticated(tokens) => break tokens,
//!         LoginStep::Challenge(Challenge::SoftwareTokenMfa(c)) => c.respond("123456").await?,
//!         LoginStep::Challenge(Challenge::NewPasswordRequired(c)) => {
//!             c.respond("A new passw0rd!", &[]).await?
//!         }
//!         LoginStep::Challenge(other) => panic!("cannot answer {}", other.name()),
//!     };
//! };
//! println!("company: {:?}", tokens.id_token().claims().custom("companyId"));
//! # Ok(()) }
//! ```

mod account;
mod client;
mod clock;
mod device;
mod device_confirm;
mod error;
mod http;
mod identity;
mod login;
mod oauth;
pub mod passkey;
mod provider;
mod source;
mod store;
pub mod testing;
mod tokens;
mod user_auth;

pub use account::{CodeDelivery, SignUpOutcome, UserInfo};
pub use client::{
    AWS_ENDPOINT_ENV, AWS_IDENTITY_ENDPOINT_ENV, AWS_IDP_ENDPOINT_ENV, AuthFlow, Client,
    ClientBuilder, ENDPOINT_ENV, RetryPolicy, region_of,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use device::{DeviceStore, MemoryDeviceStore, RememberedDevice};
pub use error::{Error, Result};
pub use http::{Authenticator, COGNITO_SECURITY_TOKEN, HeaderStyle, X_API_KEY};
pub use identity::{IdentityPoolCredentials, IdentityPoolCredentialsBuilder};
pub use login::{
    AnswerError, Challenge, CodeChallenge, Credentials, LoginStep, MfaSetup, MfaType,
    NewPasswordRequired, OtherChallenge, SelectMfaType, SoftwareTokenSetup, otpauth_uri,
};
pub use oauth::{
    BrowserSignIn, BrowserSignInBuilder, ClientAuth, ClientCredentials, ClientCredentialsBuilder,
    ClientToken, ClientTokenStore, OAuthEndpoints, OAuthTokens, PendingSignIn,
};
pub use passkey::PasskeyError;
pub use provider::{Bearer, TokenProvider};
pub use source::{CredentialSource, RefreshMethod, TokenSource, TokenSourceBuilder};
pub use store::{FileStore, LockedProfile, MemoryStore, TokenOwner, TokenStore};
pub use tokens::{AccessClaims, AccessToken, IdClaims, IdToken, RefreshToken, TokenSet};
pub use user_auth::{FirstFactor, SelectChallenge, WebAuthnChallenge};

/// The README's example, compiled as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The SDK crates underneath, for callers that hand in their own clients.
pub mod sdk {
    pub use aws_sdk_cognitoidentity as identity;
    pub use aws_sdk_cognitoidentityprovider as user_pools;
}
