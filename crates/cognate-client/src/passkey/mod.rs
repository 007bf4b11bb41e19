//! Passkeys (WebAuthn): the [`Authenticator`] trait a platform, a security key or the
//! `SoftwareAuthenticator` (feature `software-authenticator`) implements, and the calls that
//! register a passkey for a signed-in user ([`Client::register_passkey`](crate::Client::register_passkey)).
//! Signing in with one is the `WEB_AUTHN` step of a choice-based sign-in
//! ([`Challenge::WebAuthn`](crate::Challenge::WebAuthn)).
//!
//! Cognito speaks the JSON forms of WebAuthn Level 3: it hands out
//! `PublicKeyCredentialCreationOptionsJSON` ([`CreationOptions`]) and
//! `PublicKeyCredentialRequestOptionsJSON` ([`RequestOptions`]), and takes back a
//! `RegistrationResponseJSON` and an `AuthenticationResponseJSON`, binary fields in base64url.
//! An [`Authenticator`] plays the browser's part too: it makes the `clientDataJSON` (with the
//! origin) that its signature covers.
//!
//! ```no_run
//! # #[cfg(feature = "software-authenticator")]
//! # async fn run(client: cognate_client::Client, access_token: &str) -> cognate_client::Result<()> {
//! use cognate_client::passkey::SoftwareAuthenticator;
//! use cognate_client::{Challenge, FirstFactor, LoginStep};
//!
//! // A software authenticator keeping its keys in a 0600 file.
//! let authenticator = SoftwareAuthenticator::open("passkeys.json")?;
//! // Register a passkey for the user signed in with `access_token`...
//! client.register_passkey(access_token, &authenticator).await?;
//! // ...and sign in with it.
//! let step = client.login_user_auth("ann", Some(FirstFactor::WebAuthn)).await?;
//! if let LoginStep::Challenge(Challenge::WebAuthn(challenge)) = step {
//!     let tokens = challenge.respond(&authenticator).await?.into_tokens()?;
//! }
//! # Ok(()) }
//! ```

mod document;
mod error;
mod registration;
#[cfg(feature = "software-authenticator")]
mod software;

use serde_json::Value;

pub use error::PasskeyError;
pub use registration::PasskeyInfo;
#[cfg(feature = "software-authenticator")]
pub use software::SoftwareAuthenticator;

/// Something that makes passkeys and signs with them: a platform authenticator, a security key
/// (through a FIDO library), or `SoftwareAuthenticator`.
///
/// Both methods take the relying party's options as Cognito sent them and answer with the JSON
/// a browser's `PublicKeyCredential.toJSON()` gives: a `RegistrationResponseJSON` for
/// [`create`](Self::create), an `AuthenticationResponseJSON` for [`get`](Self::get).
///
/// ```
/// use cognate_client::passkey::{Authenticator, CreationOptions, PasskeyError, RequestOptions};
/// use serde_json::Value;
///
/// /// An authenticator that always declines (a user who cancels).
/// struct Declines;
///
/// #[async_trait::async_trait]
/// impl Authenticator for Declines {
///     async fn create(&self, _: &CreationOptions) -> Result<Value, PasskeyError> {
///         Err(PasskeyError::Refused("cancelled".into()))
///     }
///     async fn get(&self, _: &RequestOptions) -> Result<Value, PasskeyError> {
///         Err(PasskeyError::Refused("cancelled".into()))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync {
    /// `navigator.credentials.create()`: a new credential for `options`, as a
    /// `RegistrationResponseJSON`.
    async fn create(&self, options: &CreationOptions) -> Result<Value, PasskeyError>;
    /// `navigator.credentials.get()`: an assertion for `options`, as an
    /// `AuthenticationResponseJSON`.
    async fn get(&self, options: &RequestOptions) -> Result<Value, PasskeyError>;
}

/// A relying party's `PublicKeyCredentialCreationOptionsJSON` (what StartWebAuthnRegistration
/// answers).
#[derive(Debug, Clone, PartialEq)]
pub struct CreationOptions(Value);

impl CreationOptions {
    /// Options from their JSON.
    pub fn new(json: Value) -> Self {
        CreationOptions(json)
    }
    /// The JSON.
    pub fn json(&self) -> &Value {
        &self.0
    }
    /// `rp.id`, the relying party id (a host name).
    pub fn rp_id(&self) -> Option<&str> {
        self.0.pointer("/rp/id").and_then(Value::as_str)
    }
    /// `user.name`, the user the credential is for.
    pub fn user_name(&self) -> Option<&str> {
        self.0.pointer("/user/name").and_then(Value::as_str)
    }
}

/// A relying party's `PublicKeyCredentialRequestOptionsJSON` (the `WEB_AUTHN` challenge's
/// `CREDENTIAL_REQUEST_OPTIONS`).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestOptions(Value);

impl RequestOptions {
    /// Options from their JSON.
    pub fn new(json: Value) -> Self {
        RequestOptions(json)
    }
    /// The JSON.
    pub fn json(&self) -> &Value {
        &self.0
    }
    /// `rpId`, the relying party id (a host name).
    pub fn rp_id(&self) -> Option<&str> {
        self.0.get("rpId").and_then(Value::as_str)
    }
    /// The ids (base64url) of `allowCredentials`: the credentials the relying party accepts
    /// (empty: any discoverable credential of the relying party).
    pub fn allowed_credentials(&self) -> Vec<&str> {
        self.0
            .get("allowCredentials")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("id").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }
}
