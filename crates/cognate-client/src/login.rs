//! Logging in: `USER_SRP_AUTH` and `USER_PASSWORD_AUTH`, and the challenges Cognito may ask for
//! on the way, as a state machine the caller drives.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use secrecy::{ExposeSecret, SecretString};

use crate::client::{AuthFlow, Client};
use crate::device::RememberedDevice;
use crate::error::{Error, Result, from_sdk};
use crate::tokens::TokenSet;

/// A user name and password. The password is a secret string: wiped on drop, never shown.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: SecretString,
}

impl Credentials {
    /// A user name (or an alias: email, phone) and its password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }
    /// The user name as given.
    pub fn username(&self) -> &str {
        &self.username
    }
    pub(crate) fn password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

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

/// A second factor Cognito can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaType {
    /// `SMS_MFA`.
    Sms,
    /// `SOFTWARE_TOKEN_MFA` (TOTP).
    SoftwareToken,
    /// `EMAIL_OTP`.
    Email,
    /// Something newer.
    Other(String),
}

impl MfaType {
    fn parse(s: &str) -> Self {
        match s {
            "SMS_MFA" => MfaType::Sms,
            "SOFTWARE_TOKEN_MFA" => MfaType::SoftwareToken,
            "EMAIL_OTP" => MfaType::Email,
            other => MfaType::Other(other.to_owned()),
        }
    }
    /// Cognito's name.
    pub fn as_str(&self) -> &str {
        match self {
            MfaType::Sms => "SMS_MFA",
            MfaType::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            MfaType::Email => "EMAIL_OTP",
            MfaType::Other(s) => s,
        }
    }
}

fn json_list(v: Option<&String>) -> Vec<String> {
    v.and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
}

/// The state a login carries from one step to the next.
pub(crate) struct Pending {
    pub(crate) client: Client,
    /// The name to answer `USERNAME` with (the internal name once known).
    pub(crate) username: String,
    pub(crate) session: Option<String>,
    pub(crate) parameters: HashMap<String, String>,
    pub(crate) device: Option<RememberedDevice>,
    /// The name the user logged in with (the device store's key).
    pub(crate) login_name: String,
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("username", &self.username)
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
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
    pending: Box<Pending>,
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
    kind: ChallengeNameType,
    pending: Box<Pending>,
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
    pending: Box<Pending>,
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
    pending: Box<Pending>,
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
    pending: Box<Pending>,
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

/// What InitiateAuth and RespondToAuthChallenge both return.
pub(crate) struct AuthAnswer {
    pub(crate) challenge: Option<ChallengeNameType>,
    pub(crate) session: Option<String>,
    pub(crate) parameters: HashMap<String, String>,
    pub(crate) result: Option<AuthenticationResultType>,
    /// `AvailableChallenges` (of `SELECT_CHALLENGE`).
    pub(crate) available: Vec<String>,
}

macro_rules! answer_from {
    ($out:expr) => {{
        let out = $out;
        AuthAnswer {
            challenge: out.challenge_name().cloned(),
            session: out.session().map(str::to_owned),
            parameters: out.challenge_parameters().cloned().unwrap_or_default(),
            result: out.authentication_result().cloned(),
            available: out
                .available_challenges()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
        }
    }};
}

impl Client {
    /// Logs in with the client's default flow ([`AuthFlow::UserSrp`] unless configured).
    pub async fn login(&self, credentials: &Credentials) -> Result<LoginStep> {
        self.login_with(credentials, self.inner.auth_flow).await
    }

    /// Logs in with a given flow.
    ///
    /// With device tracking on, a remembered device that the pool no longer knows
    /// (`ResourceNotFoundException: Device does not exist.`, after a `ForgetDevice`) is forgotten
    /// and the login made again without it, as the AWS SDKs do.
    pub async fn login_with(&self, credentials: &Credentials, flow: AuthFlow) -> Result<LoginStep> {
        let username = credentials.username();
        let device = match &self.inner.devices {
            Some(store) => store.load(username)?,
            None => None,
        };
        if device.is_none() {
            return self.login_on(credentials, flow, None).await;
        }
        match self.login_on(credentials, flow, device).await {
            Err(e) if device_gone(&e) => {
                tracing::info!(
                    "the pool no longer knows the remembered device; logging in without it"
                );
                if let Some(store) = &self.inner.devices {
                    store.forget(username)?;
                }
                self.login_on(credentials, flow, None).await
            }
            other => other,
        }
    }

    /// One login attempt, naming `device` if there is one.
    async fn login_on(
        &self,
        credentials: &Credentials,
        flow: AuthFlow,
        device: Option<RememberedDevice>,
    ) -> Result<LoginStep> {
        let username = credentials.username();
        let device_key = device.as_ref().map(|d| d.device_key.clone());
        let mut params = HashMap::from([("USERNAME".to_owned(), username.to_owned())]);
        if let Some(h) = self.secret_hash(username) {
            params.insert("SECRET_HASH".to_owned(), h);
        }
        if let Some(k) = &device_key {
            params.insert("DEVICE_KEY".to_owned(), k.clone());
        }
        let pending = Pending {
            client: self.clone(),
            username: username.to_owned(),
            session: None,
            parameters: HashMap::new(),
            device,
            login_name: username.to_owned(),
        };
        match flow {
            AuthFlow::UserPassword => {
                params.insert("PASSWORD".to_owned(), credentials.password().to_owned());
                let answer = self
                    .initiate(AuthFlowType::UserPasswordAuth, &params)
                    .await?;
                self.advance(pending, answer).await
            }
            AuthFlow::UserSrp => {
                let (srp, answer) = self
                    .with_retry("InitiateAuth", || {
                        let mut params = params.clone();
                        async move {
                            // A fresh `a` for every attempt: SRP_A is never reused.
                            let srp = cognate_srp::SrpClient::new(&mut cognate_srp::os_rng())?;
                            params.insert("SRP_A".to_owned(), srp.srp_a());
                            let answer = self
                                .initiate_once(AuthFlowType::UserSrpAuth, params)
                                .await?;
                            Ok((srp, answer))
                        }
                    })
                    .await?;
                self.answer_password_verifier(pending, &srp, credentials.password(), answer)
                    .await
            }
        }
    }

    /// Answers `PASSWORD_VERIFIER` (when `answer` is one) with the SRP proof of `password`
    /// made with `srp` (whose `SRP_A` started the exchange), and moves the login on.
    pub(crate) async fn answer_password_verifier(
        &self,
        mut pending: Pending,
        srp: &cognate_srp::SrpClient,
        password: &str,
        answer: AuthAnswer,
    ) -> Result<LoginStep> {
        let username = pending.login_name.clone();
        let username = username.as_str();
        if answer.challenge != Some(ChallengeNameType::PasswordVerifier) {
            return self.advance(pending, answer).await;
        }
        let p = &answer.parameters;
        let get = |k: &str| {
            p.get(k)
                .map(String::as_str)
                .ok_or_else(|| Error::protocol(format!("PASSWORD_VERIFIER without {k}")))
        };
        let user_id = p
            .get("USER_ID_FOR_SRP")
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        let secret_block = lenient_base64(get("SECRET_BLOCK")?);
        let challenge = cognate_srp::PasswordVerifierChallenge {
            pool_name: cognate_srp::pool_name(self.user_pool_id())?,
            user_id_for_srp: &user_id,
            srp_b: get("SRP_B")?,
            salt: get("SALT")?,
            secret_block: &secret_block,
        };
        let now = cognate_srp::Timestamp::from_unix(self.inner.clock.now_secs());
        let claim = srp.respond(&challenge, password, &now)?;
        let responses = HashMap::from([
            (
                "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                get("SECRET_BLOCK")?.to_owned(),
            ),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        // Answer USERNAME with USER_ID_FOR_SRP, as amazon-cognito-identity-js does (in
        // Cognito it is the same internal name as the challenge's USERNAME).
        let challenge_username = p.get("USERNAME").cloned();
        pending.username = user_id.clone();
        pending.session = answer.session;
        let next = match self
            .respond(
                &pending,
                ChallengeNameType::PasswordVerifier,
                responses.clone(),
            )
            .await
        {
            // A server whose USER_ID_FOR_SRP is not a user name it can look up (moto
            // sends the sub): answer once more with the challenge's USERNAME, as
            // pycognito does.
            Err(e)
                if e.is_user_not_found()
                    && challenge_username.as_ref().is_some_and(|u| *u != user_id) =>
            {
                pending.username = challenge_username.unwrap_or_default();
                self.respond(&pending, ChallengeNameType::PasswordVerifier, responses)
                    .await?
            }
            other => other?,
        };
        self.advance(pending, next).await
    }

    async fn initiate_once(
        &self,
        flow: AuthFlowType,
        params: HashMap<String, String>,
    ) -> Result<AuthAnswer> {
        let out = self
            .sdk()
            .initiate_auth()
            .auth_flow(flow)
            .client_id(self.client_id())
            .set_auth_parameters(Some(params))
            .send()
            .await
            .map_err(from_sdk)?;
        Ok(answer_from!(&out))
    }

    pub(crate) async fn initiate(
        &self,
        flow: AuthFlowType,
        params: &HashMap<String, String>,
    ) -> Result<AuthAnswer> {
        self.with_retry("InitiateAuth", || {
            self.initiate_once(flow.clone(), params.clone())
        })
        .await
    }

    /// RespondToAuthChallenge, adding `USERNAME`, `SECRET_HASH`, `DEVICE_KEY` and the session.
    pub(crate) async fn respond(
        &self,
        pending: &Pending,
        name: ChallengeNameType,
        mut responses: HashMap<String, String>,
    ) -> Result<AuthAnswer> {
        let username = responses
            .entry("USERNAME".to_owned())
            .or_insert_with(|| pending.username.clone())
            .clone();
        if let Some(h) = self.secret_hash(&username) {
            responses.entry("SECRET_HASH".to_owned()).or_insert(h);
        }
        if let Some(d) = &pending.device {
            responses
                .entry("DEVICE_KEY".to_owned())
                .or_insert_with(|| d.device_key.clone());
        }
        self.with_retry("RespondToAuthChallenge", || async {
            let out = self
                .sdk()
                .respond_to_auth_challenge()
                .client_id(self.client_id())
                .challenge_name(name.clone())
                .set_session(pending.session.clone())
                .set_challenge_responses(Some(responses.clone()))
                .send()
                .await
                .map_err(from_sdk)?;
            Ok(answer_from!(&out))
        })
        .await
    }

    /// Moves a login on from an answer: finishes it, answers device challenges by itself, or
    /// hands a challenge to the caller.
    pub(crate) async fn advance(
        &self,
        mut pending: Pending,
        mut answer: AuthAnswer,
    ) -> Result<LoginStep> {
        loop {
            if let Some(result) = answer.result.take() {
                return self
                    .finish(&pending, result)
                    .await
                    .map(|t| LoginStep::Authenticated(Box::new(t)));
            }
            let name = answer
                .challenge
                .take()
                .ok_or_else(|| Error::protocol("neither tokens nor a challenge in the answer"))?;
            if let Some(u) = answer.parameters.get("USERNAME") {
                pending.username = u.clone();
            }
            pending.session = answer.session.take().or(pending.session);
            pending.parameters = std::mem::take(&mut answer.parameters);
            let params = &pending.parameters;
            let destination = params.get("CODE_DELIVERY_DESTINATION").cloned();
            let delivery_medium = params.get("CODE_DELIVERY_DELIVERY_MEDIUM").cloned();
            let code = |kind: ChallengeNameType, pending: Pending| CodeChallenge {
                destination,
                delivery_medium,
                kind,
                pending: Box::new(pending),
            };
            let challenge = match name {
                ChallengeNameType::DeviceSrpAuth if pending.device.is_some() => {
                    answer = self.answer_device_srp(&pending).await?;
                    continue;
                }
                ChallengeNameType::NewPasswordRequired => {
                    let required = json_list(params.get("requiredAttributes"))
                        .into_iter()
                        .map(|a| {
                            a.strip_prefix("userAttributes.")
                                .map(str::to_owned)
                                .unwrap_or(a)
                        })
                        .collect();
                    let user_attributes = params
                        .get("userAttributes")
                        .and_then(|s| {
                            serde_json::from_str::<BTreeMap<String, serde_json::Value>>(s).ok()
                        })
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| {
                            let v = match v {
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            };
                            (k, v)
                        })
                        .collect();
                    Challenge::NewPasswordRequired(NewPasswordRequired {
                        required_attributes: required,
                        user_attributes,
                        pending: Box::new(pending),
                    })
                }
                ChallengeNameType::SoftwareTokenMfa => {
                    Challenge::SoftwareTokenMfa(code(name, pending))
                }
                ChallengeNameType::SmsMfa => Challenge::SmsMfa(code(name, pending)),
                ChallengeNameType::EmailOtp => Challenge::EmailOtp(code(name, pending)),
                ChallengeNameType::SmsOtp => Challenge::SmsOtp(code(name, pending)),
                ChallengeNameType::SelectChallenge => {
                    Challenge::SelectChallenge(crate::user_auth::SelectChallenge::new(
                        std::mem::take(&mut answer.available),
                        pending,
                    ))
                }
                ChallengeNameType::WebAuthn => {
                    Challenge::WebAuthn(crate::user_auth::WebAuthnChallenge::new(
                        params.get("CREDENTIAL_REQUEST_OPTIONS").cloned(),
                        pending,
                    )?)
                }
                ChallengeNameType::SelectMfaType => Challenge::SelectMfaType(SelectMfaType {
                    options: json_list(params.get("MFAS_CAN_CHOOSE"))
                        .iter()
                        .map(|s| MfaType::parse(s))
                        .collect(),
                    pending: Box::new(pending),
                }),
                ChallengeNameType::MfaSetup => Challenge::MfaSetup(MfaSetup {
                    options: json_list(params.get("MFAS_CAN_SETUP"))
                        .iter()
                        .map(|s| MfaType::parse(s))
                        .collect(),
                    pending: Box::new(pending),
                }),
                other => Challenge::Other(OtherChallenge {
                    name: other.as_str().to_owned(),
                    parameters: params.clone(),
                    pending: Box::new(pending),
                }),
            };
            return Ok(LoginStep::Challenge(challenge));
        }
    }

    /// DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER with the remembered device's secret.
    async fn answer_device_srp(&self, pending: &Pending) -> Result<AuthAnswer> {
        let device = pending
            .device
            .as_ref()
            .ok_or_else(|| Error::protocol("DEVICE_SRP_AUTH without a remembered device"))?;
        let srp = cognate_srp::SrpClient::new(&mut cognate_srp::os_rng())?;
        let r = HashMap::from([("SRP_A".to_owned(), srp.srp_a())]);
        let answer = self
            .respond(pending, ChallengeNameType::DeviceSrpAuth, r)
            .await?;
        if answer.challenge != Some(ChallengeNameType::DevicePasswordVerifier) {
            return Ok(answer);
        }
        let p = &answer.parameters;
        let get = |k: &str| {
            p.get(k)
                .map(String::as_str)
                .ok_or_else(|| Error::protocol(format!("DEVICE_PASSWORD_VERIFIER without {k}")))
        };
        let challenge = cognate_srp::PasswordVerifierChallenge {
            pool_name: &device.device_group_key,
            user_id_for_srp: &device.device_key,
            srp_b: get("SRP_B")?,
            salt: get("SALT")?,
            secret_block: get("SECRET_BLOCK")?,
        };
        let now = cognate_srp::Timestamp::from_unix(self.inner.clock.now_secs());
        let claim = srp.respond(&challenge, device.password(), &now)?;
        let responses = HashMap::from([
            (
                "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                get("SECRET_BLOCK")?.to_owned(),
            ),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), claim.timestamp),
        ]);
        let mut next = pending_clone(pending);
        if let Some(u) = p.get("USERNAME") {
            next.username = u.clone();
        }
        next.session = answer.session.clone().or(next.session);
        self.respond(&next, ChallengeNameType::DevicePasswordVerifier, responses)
            .await
    }

    async fn finish(
        &self,
        pending: &Pending,
        result: AuthenticationResultType,
    ) -> Result<TokenSet> {
        let access = result
            .access_token()
            .ok_or_else(|| Error::protocol("no AccessToken in the authentication result"))?;
        let id = result
            .id_token()
            .ok_or_else(|| Error::protocol("no IdToken in the authentication result"))?;
        let tokens = TokenSet::from_jwts(
            access,
            id,
            result.refresh_token(),
            self.inner.clock.now_secs(),
        )?;
        if let (Some(meta), Some(store)) = (result.new_device_metadata(), &self.inner.devices)
            && let (Some(key), Some(group)) = (meta.device_key(), meta.device_group_key())
        {
            {
                match self.confirm_device(&tokens, key, group).await {
                    Ok(device) => store.save(&pending.login_name, &device)?,
                    Err(e) => tracing::warn!(error = %e, "could not confirm the new device"),
                }
            }
        }
        Ok(tokens)
    }
}

/// `SECRET_BLOCK` as the SRP maths wants it: strict base64 as Cognito sends it is kept; anything
/// else is read the way the JavaScript and Python libraries read it (characters outside the
/// alphabet dropped, padding fixed), so servers that send other text (moto sends a UUID) work.
fn lenient_base64(s: &str) -> std::borrow::Cow<'_, str> {
    use base64::Engine;
    if base64::engine::general_purpose::STANDARD.decode(s).is_ok() {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut kept: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    if kept.len() % 4 == 1 {
        kept.pop();
    }
    while !kept.len().is_multiple_of(4) {
        kept.push('=');
    }
    std::borrow::Cow::Owned(kept)
}

/// `ResourceNotFoundException: Device does not exist.`: the device named was forgotten by the pool.
fn device_gone(e: &Error) -> bool {
    matches!(e, Error::Cognito { kind, message, .. }
        if kind == "ResourceNotFoundException" && message.contains("Device"))
}

/// A copy of the login state (the session and the device are shared by every branch).
fn pending_clone(p: &Pending) -> Pending {
    Pending {
        client: p.client.clone(),
        username: p.username.clone(),
        session: p.session.clone(),
        parameters: p.parameters.clone(),
        device: p.device.clone(),
        login_name: p.login_name.clone(),
    }
}

/// Refresh tokens through `REFRESH_TOKEN_AUTH`.
pub(crate) async fn refresh_with_initiate_auth(
    client: &Client,
    refresh: &str,
    username: Option<&str>,
    device_key: Option<&str>,
) -> Result<TokenSet> {
    let mut params = HashMap::from([("REFRESH_TOKEN".to_owned(), refresh.to_owned())]);
    if client.has_secret() {
        let username = username.ok_or_else(|| {
            Error::protocol("cannot compute SECRET_HASH for the refresh: the tokens name no user")
        })?;
        if let Some(h) = client.secret_hash(username) {
            params.insert("SECRET_HASH".to_owned(), h);
        }
    }
    if let Some(k) = device_key {
        params.insert("DEVICE_KEY".to_owned(), k.to_owned());
    }
    let answer = client
        .initiate(AuthFlowType::RefreshTokenAuth, &params)
        .await?;
    let result = answer
        .result
        .ok_or_else(|| Error::protocol("REFRESH_TOKEN_AUTH returned a challenge"))?;
    tokens_of(client, &result)
}

/// Refresh tokens through `GetTokensFromRefreshToken` (rotation-aware).
pub(crate) async fn refresh_with_get_tokens(
    client: &Client,
    refresh: &str,
    device_key: Option<&str>,
) -> Result<TokenSet> {
    let out = client
        .with_retry("GetTokensFromRefreshToken", || async {
            client
                .sdk()
                .get_tokens_from_refresh_token()
                .client_id(client.client_id())
                .refresh_token(refresh)
                .set_client_secret(client.client_secret().map(str::to_owned))
                .set_device_key(device_key.map(str::to_owned))
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
    let result = out
        .authentication_result()
        .ok_or_else(|| Error::protocol("GetTokensFromRefreshToken returned no tokens"))?;
    tokens_of(client, result)
}

fn tokens_of(client: &Client, result: &AuthenticationResultType) -> Result<TokenSet> {
    let access = result
        .access_token()
        .ok_or_else(|| Error::protocol("no AccessToken in the refresh result"))?;
    let id = result
        .id_token()
        .ok_or_else(|| Error::protocol("no IdToken in the refresh result"))?;
    TokenSet::from_jwts(
        access,
        id,
        result.refresh_token(),
        client.clock().now_secs(),
    )
}
