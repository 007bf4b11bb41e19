//! What a login carries from one step to the next: the credentials, the pending state (user
//! name, session, challenge parameters, remembered device), Cognito's answers, and the second
//! factors it names.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{AuthenticationResultType, ChallengeNameType};
use secrecy::{ExposeSecret, SecretString};

use crate::client::Client;
use crate::device::RememberedDevice;

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
    pub(super) fn parse(s: &str) -> Self {
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

/// A JSON list of strings inside a challenge parameter (empty when it is not one).
pub(super) fn json_list(v: Option<&String>) -> Vec<String> {
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

/// What InitiateAuth and RespondToAuthChallenge both return.
pub(crate) struct AuthAnswer {
    pub(crate) challenge: Option<ChallengeNameType>,
    pub(crate) session: Option<String>,
    pub(crate) parameters: HashMap<String, String>,
    pub(crate) result: Option<AuthenticationResultType>,
    /// `AvailableChallenges` (of `SELECT_CHALLENGE`).
    pub(crate) available: Vec<String>,
}
