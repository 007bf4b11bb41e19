//! Where a login stands ([`LoginStep`]) and the challenges Cognito may ask for on the way, each a
//! type answered with its own method.
//!
//! This file and `crate::user_auth` name each other's types: [`Challenge`] lists the `USER_AUTH`
//! steps defined there, and their answers are [`LoginStep`]s.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
use secrecy::{ExposeSecret, SecretString};

use super::state::{MfaType, Pending};
use crate::error::{Error, Result, from_sdk};
use crate::tokens::TokenSet;

/// Where a login stands: done, or waiting for the caller to answer a challenge.
#[derive(Debug)]
#[must_use]
pub enum LoginStep {
    /// Logged in.
    Authenticated(Box<TokenSet>),
    /// Cognito asks for more: answer it with the challenge's own method.
    Challenge(Challenge),
}

impl LoginStep {
    /// The tokens, or [`Error::ChallengeRequired`] if a challenge is pending (for programs
    /// that cannot prompt and should fail fast).
    pub fn into_tokens(self) -> Result<TokenSet> {
        match self {
            LoginStep::Authenticated(t) => Ok(*t),
            LoginStep::Challenge(c) => Err(Error::ChallengeRequired(c.name().to_owned())),
        }
    }
}

/// A challenge Cognito asked for during a login.
#[derive(Debug)]
#[non_exhaustive]
pub enum Challenge {
    /// `NEW_PASSWORD_REQUIRED`: the user must choose a password (first login of an
    /// admin-created user).
    NewPasswordRequired(NewPasswordRequired),
    /// `SOFTWARE_TOKEN_MFA`: a TOTP code from the user's authenticator app.
    SoftwareTokenMfa(CodeChallenge),
    /// `SMS_MFA`: the code Cognito sent by SMS.
    SmsMfa(CodeChallenge),
    /// `EMAIL_OTP`: the code Cognito sent by email (a second factor, or the first factor of
    /// a choice-based sign-in).
    EmailOtp(CodeChallenge),
    /// `SMS_OTP`: the code Cognito sent by SMS as the first factor of a choice-based sign-in.
    SmsOtp(CodeChallenge),
    /// `SELECT_CHALLENGE`: pick the first factor of a choice-based sign-in (`USER_AUTH`).
    SelectChallenge(crate::user_auth::SelectChallenge),
    /// `WEB_AUTHN`: sign in with a passkey (a first factor of a choice-based sign-in),
    /// answered with an assertion from a [`crate::passkey::Authenticator`].
    WebAuthn(crate::user_auth::WebAuthnChallenge),
    /// `SELECT_MFA_TYPE`: pick one of several second factors.
    SelectMfaType(SelectMfaType),
    /// `MFA_SETUP`: the pool requires MFA and the user has none yet.
    MfaSetup(MfaSetup),
    /// Any other challenge, answered with raw parameters.
    Other(OtherChallenge),
}

impl Challenge {
    /// Cognito's name for the challenge (`SMS_MFA`, ...).
    pub fn name(&self) -> &str {
        match self {
            Challenge::NewPasswordRequired(_) => "NEW_PASSWORD_REQUIRED",
            Challenge::SoftwareTokenMfa(_) => "SOFTWARE_TOKEN_MFA",
            Challenge::SmsMfa(_) => "SMS_MFA",
            Challenge::EmailOtp(_) => "EMAIL_OTP",
            Challenge::SmsOtp(_) => "SMS_OTP",
            Challenge::SelectChallenge(_) => "SELECT_CHALLENGE",
            Challenge::WebAuthn(_) => "WEB_AUTHN",
            Challenge::SelectMfaType(_) => "SELECT_MFA_TYPE",
            Challenge::MfaSetup(_) => "MFA_SETUP",
            Challenge::Other(o) => &o.name,
        }
    }
}

/// `NEW_PASSWORD_REQUIRED`.
#[derive(Debug)]
pub struct NewPasswordRequired {
    /// Attributes that must be given with the new password (without the `userAttributes.`
    /// prefix Cognito puts on them).
    pub required_attributes: Vec<String>,
    /// The user's current attributes, as Cognito sent them.
    pub user_attributes: BTreeMap<String, String>,
    pub(super) pending: Box<Pending>,
}

impl NewPasswordRequired {
    /// Sets the new password, with values for the required attributes.
    pub async fn respond(
        self,
        new_password: &str,
        attributes: &[(&str, &str)],
    ) -> Result<LoginStep> {
        let mut r = HashMap::new();
        r.insert("NEW_PASSWORD".to_owned(), new_password.to_owned());
        for (k, v) in attributes {
            let k = k.strip_prefix("userAttributes.").unwrap_or(k);
            r.insert(format!("userAttributes.{k}"), (*v).to_owned());
        }
        let name = ChallengeNameType::NewPasswordRequired;
        let next = self.pending.client.respond(&self.pending, name, r).await?;
        let client = self.pending.client.clone();
        client.advance(*self.pending, next).await
    }
}

/// An answer a challenge refused, and the challenge itself when it may be answered again.
///
/// Cognito keeps a login's `Session` after a wrong MFA code (`CodeMismatchException`; for
/// [`MfaSetup::verify`] also `EnableSoftwareTokenMFAException`), until the session expires or
/// the attempts run out: [`CodeChallenge::respond`] and [`MfaSetup::verify`] then hand the
/// challenge back ([`AnswerError::into_challenge`]) so the user can type the code again
/// without logging in again. Any other failure ends the login (no challenge comes back).
///
/// It converts into [`Error`], so `?` works in functions returning [`crate::Result`].
///
/// ```no_run
/// # async fn run(client: cognate_client::Client, mut codes: Vec<String>)
/// # -> cognate_client::Result<()> {
/// use cognate_client::{Challenge, Credentials, LoginStep};
///
/// let step = client.login(&Credentials::new("alice", "Correct horse 1!")).await?;
/// let LoginStep::Challenge(Challenge::SoftwareTokenMfa(mut challenge)) = step else {
///     return Ok(());
/// };
/// let tokens = loop {
///     let code = codes.pop().unwrap_or_default(); // ask the user
///     match challenge.respond(&code).await {
///         Ok(step) => break step.into_tokens()?,
///         Err(refused) => match refused.into_parts() {
///             // A wrong code: the same challenge, answered again.
///             (err, Some(again)) => {
///                 eprintln!("{err}; try again");
///                 challenge = again;
///             }
///             (err, None) => return Err(err),
///         },
///     }
/// };
/// # let _ = tokens;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AnswerError<C> {
    error: Error,
    challenge: Option<C>,
}

impl<C> AnswerError<C> {
    /// The error: a wrong code keeps Cognito's `__type` and message ([`Error::Cognito`]).
    pub fn error(&self) -> &Error {
        &self.error
    }
    /// Whether the challenge came back, i.e. the code may be typed again in this login.
    pub fn can_retry(&self) -> bool {
        self.challenge.is_some()
    }
    /// The challenge, to answer again, if the login can go on.
    pub fn into_challenge(self) -> Option<C> {
        self.challenge
    }
    /// The error and, if the login can go on, the challenge.
    pub fn into_parts(self) -> (Error, Option<C>) {
        (self.error, self.challenge)
    }
    /// The error alone (the login ends).
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl<C> fmt::Display for AnswerError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<C: fmt::Debug> std::error::Error for AnswerError<C> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl<C> From<AnswerError<C>> for Error {
    fn from(e: AnswerError<C>) -> Error {
        e.error
    }
}

/// `err` with `challenge` handed back when `retry(&err)` says the same session takes another
/// answer.
fn refused<C>(error: Error, challenge: C, retry: impl Fn(&Error) -> bool) -> AnswerError<C> {
    let challenge = retry(&error).then_some(challenge);
    AnswerError { error, challenge }
}

/// A challenge answered with a code (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`, `SMS_OTP`).
#[derive(Debug)]
pub struct CodeChallenge {
    /// Where the code was sent (a masked phone number or email), if Cognito said.
    pub destination: Option<String>,
    /// How it was sent (`SMS`, `EMAIL`), if Cognito said.
    pub delivery_medium: Option<String>,
    pub(super) kind: ChallengeNameType,
    pub(super) pending: Box<Pending>,
}

impl CodeChallenge {
    /// Answers with the code (spaces around it are dropped).
    ///
    /// A wrong code (`CodeMismatchException`) hands this challenge back in the error, to be
    /// answered again in the same login (see [`AnswerError`]); any other error ends the login.
    pub async fn respond(self, code: &str) -> Result<LoginStep, AnswerError<CodeChallenge>> {
        let key = match self.kind {
            ChallengeNameType::SmsMfa => "SMS_MFA_CODE",
            ChallengeNameType::EmailOtp => "EMAIL_OTP_CODE",
            ChallengeNameType::SmsOtp => "SMS_OTP_CODE",
            _ => "SOFTWARE_TOKEN_MFA_CODE",
        };
        let r = HashMap::from([(key.to_owned(), code.trim().to_owned())]);
        let client = self.pending.client.clone();
        let next = match client.respond(&self.pending, self.kind.clone(), r).await {
            Ok(next) => next,
            Err(e) => return Err(refused(e, self, |e| e.is("CodeMismatchException"))),
        };
        client
            .advance(*self.pending, next)
            .await
            .map_err(|error| AnswerError {
                error,
                challenge: None,
            })
    }
}

/// `SELECT_MFA_TYPE`.
#[derive(Debug)]
pub struct SelectMfaType {
    /// The factors the user may choose from.
    pub options: Vec<MfaType>,
    pub(super) pending: Box<Pending>,
}

impl SelectMfaType {
    /// Picks a factor; Cognito then asks for its code.
    pub async fn select(self, choice: MfaType) -> Result<LoginStep> {
        let r = HashMap::from([("ANSWER".to_owned(), choice.as_str().to_owned())]);
        let name = ChallengeNameType::SelectMfaType;
        let next = self.pending.client.respond(&self.pending, name, r).await?;
        let client = self.pending.client.clone();
        client.advance(*self.pending, next).await
    }
}

/// `MFA_SETUP`: register an authenticator app, then verify one of its codes.
#[derive(Debug)]
pub struct MfaSetup {
    /// The factors the user may set up (`MFAS_CAN_SETUP`).
    pub options: Vec<MfaType>,
    pub(super) pending: Box<Pending>,
}

/// A TOTP secret to load into an authenticator app. Not shown by `Debug`.
pub struct SoftwareTokenSetup {
    secret: SecretString,
    uri: SecretString,
}

impl SoftwareTokenSetup {
    /// The base32 secret.
    pub fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
    /// `otpauth://totp/...`, for a QR code.
    pub fn otpauth_uri(&self) -> &str {
        self.uri.expose_secret()
    }
}

impl fmt::Debug for SoftwareTokenSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SoftwareTokenSetup(<redacted>)")
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `otpauth://totp/{issuer}:{account}?secret=...&issuer=...`, the URI authenticator apps read.
///
/// ```
/// assert_eq!(
///     cognate_client::otpauth_uri("ACME API", "alice@example.com", "JBSWY3DP"),
///     "otpauth://totp/ACME%20API:alice%40example.com?secret=JBSWY3DP&issuer=ACME%20API"
/// );
/// ```
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}",
        percent_encode(account),
        percent_encode(secret)
    )
}

impl MfaSetup {
    /// `AssociateSoftwareToken`: gets a TOTP secret for this login session, with an
    /// `otpauth://` URI naming `issuer` and the user.
    pub async fn associate_software_token(&mut self, issuer: &str) -> Result<SoftwareTokenSetup> {
        let client = self.pending.client.clone();
        let session = self.pending.session.clone();
        let out = client
            .with_retry("AssociateSoftwareToken", || async {
                client
                    .sdk()
                    .associate_software_token()
                    .set_session(session.clone())
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await?;
        let secret = out
            .secret_code()
            .ok_or_else(|| Error::protocol("AssociateSoftwareToken returned no SecretCode"))?
            .to_owned();
        if let Some(s) = out.session() {
            self.pending.session = Some(s.to_owned());
        }
        let uri = otpauth_uri(issuer, &self.pending.login_name, &secret);
        Ok(SoftwareTokenSetup {
            secret: SecretString::from(secret),
            uri: SecretString::from(uri),
        })
    }

    /// `VerifySoftwareToken` with a code from the app, then finishes the challenge.
    ///
    /// A wrong code (`EnableSoftwareTokenMFAException` from Cognito, or
    /// `CodeMismatchException`) hands this challenge back in the error, to verify another code
    /// in the same login without associating again (see [`AnswerError`]); any other error ends
    /// the login.
    pub async fn verify(
        mut self,
        code: &str,
        friendly_name: Option<&str>,
    ) -> Result<LoginStep, AnswerError<MfaSetup>> {
        let client = self.pending.client.clone();
        let session = self.pending.session.clone();
        let verified = client
            .with_retry("VerifySoftwareToken", || async {
                client
                    .sdk()
                    .verify_software_token()
                    .set_session(session.clone())
                    .user_code(code.trim())
                    .set_friendly_device_name(friendly_name.map(str::to_owned))
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await;
        let out = match verified {
            Ok(out) => out,
            Err(e) => {
                return Err(refused(e, self, |e| {
                    e.is("EnableSoftwareTokenMFAException") || e.is("CodeMismatchException")
                }));
            }
        };
        let ended = |error| AnswerError {
            error,
            challenge: None,
        };
        if let Some(s) = out.session() {
            self.pending.session = Some(s.to_owned());
        }
        let name = ChallengeNameType::MfaSetup;
        let next = client
            .respond(&self.pending, name, HashMap::new())
            .await
            .map_err(ended)?;
        client.advance(*self.pending, next).await.map_err(ended)
    }
}

/// A challenge this crate has no type for: its name, its parameters, and a raw answer.
#[derive(Debug)]
pub struct OtherChallenge {
    /// Cognito's name for it.
    pub name: String,
    /// The challenge parameters.
    pub parameters: HashMap<String, String>,
    pub(super) pending: Box<Pending>,
}

impl OtherChallenge {
    /// Answers with raw challenge responses (`USERNAME` and `SECRET_HASH` are added).
    pub async fn respond(self, responses: HashMap<String, String>) -> Result<LoginStep> {
        let name = ChallengeNameType::from(self.name.as_str());
        let next = self
            .pending
            .client
            .respond(&self.pending, name, responses)
            .await?;
        let client = self.pending.client.clone();
        client.advance(*self.pending, next).await
    }
}
