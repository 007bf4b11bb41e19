//! Choice-based sign-in (`USER_AUTH`): the user names themselves, Cognito offers the first
//! factors the pool allows and the user can use (`SELECT_CHALLENGE`), and the login goes on
//! with the one picked: the password (sent, or proven by SRP), or a code sent by email or SMS
//! ([`Challenge::EmailOtp`](crate::Challenge::EmailOtp),
//! [`Challenge::SmsOtp`](crate::Challenge::SmsOtp)), or a passkey
//! ([`Challenge::WebAuthn`](crate::Challenge::WebAuthn), answered by a
//! [`passkey::Authenticator`](crate::passkey::Authenticator)).
//!
//! ```no_run
//! # async fn run(client: cognate_client::Client) -> cognate_client::Result<()> {
//! use cognate_client::{Challenge, FirstFactor, LoginStep};
//!
//! let step = client.login_user_auth("ann", None).await?;
//! let LoginStep::Challenge(Challenge::SelectChallenge(choice)) = step else { return Ok(()) };
//! if choice.available.contains(&FirstFactor::EmailOtp) {
//!     let step = choice.select(FirstFactor::EmailOtp).await?;
//!     if let LoginStep::Challenge(Challenge::EmailOtp(code)) = step {
//!         let tokens = code.respond("123456").await?.into_tokens()?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! This module and `crate::login::challenges` name each other's types on purpose: the login
//! state machine's `Challenge` lists these steps, and each step's answer is again a `LoginStep`
//! of it (one enum and its variants' answers; split across two files they must name each other).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::login::challenges::LoginStep;
use crate::login::state::Pending;
use crate::passkey::{Authenticator, RequestOptions};

/// A first factor of a choice-based sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirstFactor {
    /// `PASSWORD`: the password, sent over TLS.
    Password,
    /// `PASSWORD_SRP`: the password, proven by SRP.
    PasswordSrp,
    /// `EMAIL_OTP`: a code sent to the verified email address.
    EmailOtp,
    /// `SMS_OTP`: a code sent to the verified phone number.
    SmsOtp,
    /// `WEB_AUTHN`: a passkey.
    WebAuthn,
    /// Something newer.
    Other(String),
}

impl FirstFactor {
    /// Cognito's name.
    pub fn as_str(&self) -> &str {
        match self {
            FirstFactor::Password => "PASSWORD",
            FirstFactor::PasswordSrp => "PASSWORD_SRP",
            FirstFactor::EmailOtp => "EMAIL_OTP",
            FirstFactor::SmsOtp => "SMS_OTP",
            FirstFactor::WebAuthn => "WEB_AUTHN",
            FirstFactor::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "PASSWORD" => FirstFactor::Password,
            "PASSWORD_SRP" => FirstFactor::PasswordSrp,
            "EMAIL_OTP" => FirstFactor::EmailOtp,
            "SMS_OTP" => FirstFactor::SmsOtp,
            "WEB_AUTHN" => FirstFactor::WebAuthn,
            other => FirstFactor::Other(other.to_owned()),
        }
    }
}

/// `SELECT_CHALLENGE`: the first factors offered (`AvailableChallenges`).
#[derive(Debug)]
pub struct SelectChallenge {
    /// What the user may sign in with.
    pub available: Vec<FirstFactor>,
    pending: Box<Pending>,
}

impl SelectChallenge {
    pub(crate) fn new(available: Vec<String>, pending: Pending) -> Self {
        SelectChallenge {
            available: available.iter().map(|s| FirstFactor::parse(s)).collect(),
            pending: Box::new(pending),
        }
    }

    /// Picks a factor answered in a next step: [`FirstFactor::EmailOtp`] and
    /// [`FirstFactor::SmsOtp`] send a code (a [`CodeChallenge`](crate::CodeChallenge) follows),
    /// [`FirstFactor::WebAuthn`] asks for a passkey. The password factors need the password:
    /// use [`password`](Self::password) or [`password_srp`](Self::password_srp).
    pub async fn select(self, factor: FirstFactor) -> Result<LoginStep> {
        let r = HashMap::from([("ANSWER".to_owned(), factor.as_str().to_owned())]);
        self.answer(r).await
    }

    /// Signs in with the password, sent over TLS (`PASSWORD`).
    pub async fn password(self, password: &str) -> Result<LoginStep> {
        let r = HashMap::from([
            ("ANSWER".to_owned(), "PASSWORD".to_owned()),
            ("PASSWORD".to_owned(), password.to_owned()),
        ]);
        self.answer(r).await
    }

    /// Signs in with the password proven by SRP (`PASSWORD_SRP`): the password never leaves
    /// the process.
    pub async fn password_srp(self, password: &str) -> Result<LoginStep> {
        let srp = cognate_srp::SrpClient::new(&mut cognate_srp::os_rng())?;
        let r = HashMap::from([
            ("ANSWER".to_owned(), "PASSWORD_SRP".to_owned()),
            ("SRP_A".to_owned(), srp.srp_a()),
        ]);
        let client = self.pending.client.clone();
        let next = client
            .respond(&self.pending, ChallengeNameType::SelectChallenge, r)
            .await?;
        client
            .answer_password_verifier(*self.pending, &srp, password, next)
            .await
    }

    async fn answer(self, r: HashMap<String, String>) -> Result<LoginStep> {
        let client = self.pending.client.clone();
        let next = client
            .respond(&self.pending, ChallengeNameType::SelectChallenge, r)
            .await?;
        client.advance(*self.pending, next).await
    }
}

/// `WEB_AUTHN`: sign in with a passkey. The relying party's request options
/// (`CREDENTIAL_REQUEST_OPTIONS`) go to an [`Authenticator`], whose assertion is the answer.
///
/// ```no_run
/// # async fn run(client: cognate_client::Client,
/// #     authenticator: &dyn cognate_client::passkey::Authenticator)
/// # -> cognate_client::Result<()> {
/// use cognate_client::{Challenge, FirstFactor, LoginStep};
///
/// let step = client.login_user_auth("ann", Some(FirstFactor::WebAuthn)).await?;
/// if let LoginStep::Challenge(Challenge::WebAuthn(passkey)) = step {
///     println!("relying party: {:?}", passkey.options.rp_id());
///     let tokens = passkey.respond(authenticator).await?.into_tokens()?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct WebAuthnChallenge {
    /// The request options (`PublicKeyCredentialRequestOptionsJSON`).
    pub options: RequestOptions,
    pending: Box<Pending>,
}

impl WebAuthnChallenge {
    pub(crate) fn new(options: Option<String>, pending: Pending) -> Result<Self> {
        let options = options
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .filter(serde_json::Value::is_object)
            .ok_or_else(|| {
                Error::protocol("WEB_AUTHN without readable CREDENTIAL_REQUEST_OPTIONS")
            })?;
        Ok(WebAuthnChallenge {
            options: RequestOptions::new(options),
            pending: Box::new(pending),
        })
    }

    /// Asks `authenticator` for an assertion and answers with it. An authenticator that
    /// cannot answer (no passkey for this relying party, a user who declines) ends the login
    /// with [`Error::Passkey`]; a refused assertion with Cognito's `NotAuthorizedException`.
    pub async fn respond(self, authenticator: &dyn Authenticator) -> Result<LoginStep> {
        let credential = authenticator.get(&self.options).await?;
        self.respond_with_credential(&credential).await
    }

    /// Answers with an `AuthenticationResponseJSON` made elsewhere (a browser, a FIDO
    /// library).
    pub async fn respond_with_credential(
        self,
        credential: &serde_json::Value,
    ) -> Result<LoginStep> {
        let r = HashMap::from([("CREDENTIAL".to_owned(), credential.to_string())]);
        let client = self.pending.client.clone();
        let next = client
            .respond(&self.pending, ChallengeNameType::WebAuthn, r)
            .await?;
        client.advance(*self.pending, next).await
    }
}

impl Client {
    /// Starts a choice-based sign-in (`USER_AUTH`) for `username`.
    ///
    /// With `preferred` = [`FirstFactor::EmailOtp`], [`FirstFactor::SmsOtp`] or
    /// [`FirstFactor::WebAuthn`], Cognito goes straight to that factor when the user can use it
    /// (and offers the choice otherwise); without one, or with a password factor (which needs
    /// the password on the [`SelectChallenge`] step), the answer is
    /// [`Challenge::SelectChallenge`](crate::Challenge::SelectChallenge). The client must allow
    /// `ALLOW_USER_AUTH`.
    pub async fn login_user_auth(
        &self,
        username: &str,
        preferred: Option<FirstFactor>,
    ) -> Result<LoginStep> {
        let device = match &self.inner.devices {
            Some(store) => store.load(username)?,
            None => None,
        };
        let mut params = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        if let Some(h) = self.secret_hash(username) {
            params.insert("SECRET_HASH".to_owned(), h);
        }
        if let Some(d) = &device {
            params.insert("DEVICE_KEY".to_owned(), d.device_key.clone());
        }
        if let Some(f) =
            preferred.filter(|f| !matches!(f, FirstFactor::Password | FirstFactor::PasswordSrp))
        {
            params.insert("PREFERRED_CHALLENGE".to_owned(), f.as_str().to_owned());
        }
        let answer = self.initiate(AuthFlowType::UserAuth, &params).await?;
        let pending = Pending {
            client: self.clone(),
            username: username.to_owned(),
            session: None,
            parameters: HashMap::new(),
            device,
            login_name: username.to_owned(),
        };
        self.advance(pending, answer).await
    }
}
