//! The login state machine's states: what a challenge's sealed `Session` carries from one
//! answer to the next. Each session has its own `id`, consumed once (record kind
//! `used_session`) when it is answered, so it cannot be replayed.

use std::collections::BTreeMap;

use cognate_model::idp::types::ChallengeNameType;
use serde::{Deserialize, Serialize};

pub(crate) use crate::services::triggers::events::ChallengeResult;

/// Where a login stands: the challenge its `Session` answers, and what only that step needs.
/// Serialized with the challenge's wire name as the tag, inside the sealed session.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "challenge")]
pub(crate) enum Step {
    /// A temporary password was proven; a new one must be set.
    #[serde(rename = "NEW_PASSWORD_REQUIRED")]
    NewPasswordRequired,
    /// The user picks one of several second factors.
    #[serde(rename = "SELECT_MFA_TYPE")]
    SelectMfaType,
    /// A TOTP code from the user's authenticator app.
    #[serde(rename = "SOFTWARE_TOKEN_MFA")]
    SoftwareTokenMfa,
    /// The code sent by SMS (`None` when the user has no phone number to send it to).
    #[serde(rename = "SMS_MFA")]
    SmsMfa { code: Option<String> },
    /// The code sent by email (`None` when the user has no email address): a second factor,
    /// or the first factor of a `USER_AUTH` sign-in.
    #[serde(rename = "EMAIL_OTP")]
    EmailOtp { code: Option<String> },
    /// The code sent by SMS as the first factor of a `USER_AUTH` sign-in.
    #[serde(rename = "SMS_OTP")]
    SmsOtp { code: Option<String> },
    /// `USER_AUTH` without a preferred challenge: the user picks a first factor. `login` is
    /// the name the sign-in started with; `validation` the InitiateAuth's `ClientMetadata`,
    /// for the PreAuthentication trigger that fires once the factor is chosen.
    #[serde(rename = "SELECT_CHALLENGE")]
    SelectChallenge {
        login: String,
        #[serde(default)]
        validation: Option<BTreeMap<String, String>>,
    },
    /// The pool requires MFA and the user has none: AssociateSoftwareToken hands out
    /// `totp_secret`, VerifySoftwareToken sets `verified`.
    #[serde(rename = "MFA_SETUP")]
    MfaSetup {
        totp_secret: Option<String>,
        verified: bool,
    },
    /// The login named a confirmed device: its SRP proof is next (`SRP_A` expected).
    #[serde(rename = "DEVICE_SRP_AUTH")]
    DeviceSrpAuth,
    /// The device's `PASSWORD_VERIFIER` answer: the secret `b` (base64) and `SRP_A` of that
    /// exchange.
    #[serde(rename = "DEVICE_PASSWORD_VERIFIER")]
    DevicePasswordVerifier { srp_b: String, srp_a: String },
    /// A passkey's assertion (`USER_AUTH`'s `WEB_AUTHN`): `pending` is the key of the
    /// pending challenge (`services::passkeys`).
    #[serde(rename = "WEB_AUTHN")]
    WebAuthn { pending: String },
    /// A challenge of CreateAuthChallenge (`CUSTOM_AUTH`): the steps so far, the private
    /// parameters VerifyAuthChallengeResponse gets, the challenge's metadata.
    /// `unknown`: the sign-in is for a name no user has, through a client that prevents
    /// user-existence errors; it goes through the triggers and is refused at the end.
    #[serde(rename = "CUSTOM_CHALLENGE")]
    CustomChallenge {
        history: Vec<ChallengeResult>,
        private: BTreeMap<String, String>,
        metadata: Option<String>,
        #[serde(default)]
        unknown: bool,
    },
    /// The password's SRP proof inside `CUSTOM_AUTH` (Amplify's `CUSTOM_WITH_SRP`): the
    /// `PASSWORD_VERIFIER` answer continues the custom authentication.
    #[serde(rename = "PASSWORD_VERIFIER")]
    CustomPasswordVerifier { history: Vec<ChallengeResult> },
}

impl Step {
    /// The challenge this step answers.
    pub(crate) fn challenge(&self) -> ChallengeNameType {
        match self {
            Step::NewPasswordRequired => ChallengeNameType::NewPasswordRequired,
            Step::SelectMfaType => ChallengeNameType::SelectMfaType,
            Step::SoftwareTokenMfa => ChallengeNameType::SoftwareTokenMfa,
            Step::SmsMfa { .. } => ChallengeNameType::SmsMfa,
            Step::EmailOtp { .. } => ChallengeNameType::EmailOtp,
            Step::SmsOtp { .. } => ChallengeNameType::SmsOtp,
            Step::SelectChallenge { .. } => ChallengeNameType::SelectChallenge,
            Step::WebAuthn { .. } => ChallengeNameType::WebAuthn,
            Step::MfaSetup { .. } => ChallengeNameType::MfaSetup,
            Step::DeviceSrpAuth => ChallengeNameType::DeviceSrpAuth,
            Step::DevicePasswordVerifier { .. } => ChallengeNameType::DevicePasswordVerifier,
            Step::CustomChallenge { .. } => ChallengeNameType::CustomChallenge,
            Step::CustomPasswordVerifier { .. } => ChallengeNameType::PasswordVerifier,
        }
    }

    /// The `ChallengeName` on the wire.
    pub(crate) fn name(&self) -> &'static str {
        self.challenge().as_str()
    }
}

/// How a login that passed every check ends.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Finish {
    /// Tokens, in an `AuthenticationResult` (the API).
    #[default]
    Tokens,
    /// The hosted sign-in pages: the user, authenticated; they go on with an authorization
    /// code.
    Hosted,
}

/// A login between two answers, sealed into its `Session`.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct ChallengeSession {
    /// Random id, consumed once.
    pub id: String,
    /// Pool id.
    pub pool: String,
    /// Client id.
    pub client: String,
    /// Internal user name.
    pub user: String,
    /// Issue time.
    pub issued: i64,
    /// The device the login named (`DEVICE_KEY`), when it is a confirmed device of the user.
    #[serde(default)]
    pub device_key: Option<String>,
    /// The challenge this session answers.
    #[serde(flatten)]
    pub step: Step,
    /// How the login ends.
    #[serde(default)]
    pub finish: Finish,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_round_trip_with_the_challenge_name_as_tag() {
        let state = ChallengeSession {
            id: "i".into(),
            pool: "us-east-1_X".into(),
            client: "c".into(),
            user: "alice".into(),
            issued: 5,
            device_key: None,
            step: Step::SmsMfa {
                code: Some("123456".into()),
            },
            finish: Finish::Tokens,
        };
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["challenge"], "SMS_MFA");
        assert_eq!(json["code"], "123456");
        let back: ChallengeSession = serde_json::from_value(json).unwrap();
        assert_eq!(back.step, state.step);
        assert_eq!(back.step.name(), "SMS_MFA");
        // A session naming a challenge this server does not know does not open.
        let mut other = serde_json::to_value(&state).unwrap();
        other["challenge"] = "NOT_A_CHALLENGE".into();
        assert!(serde_json::from_value::<ChallengeSession>(other).is_err());
    }
}
