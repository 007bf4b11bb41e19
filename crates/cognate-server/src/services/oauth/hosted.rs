//! The hosted sign-in: the pages' steps on top of the login state machine
//! (`services::login`) — the password (with the lockout), `NEW_PASSWORD_REQUIRED`, the second
//! factor, or a passkey (`WEB_AUTHN`, the ceremony of `USER_AUTH`) — ending with the
//! authenticated user instead of tokens ([`Finish::Hosted`]).

use std::collections::HashMap;

use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool};
use crate::services::Ctx;
use crate::services::login::choice::{self, FirstFactor};
use crate::services::login::password::{ClientProof, after_credentials, check_password};
use crate::services::login::{Answer, Finish, challenges, passkey, password};
use crate::services::{triggers, users};

/// A page a sign-in goes on to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// A new password (the user has a temporary one).
    NewPassword,
    /// A code from the user's authenticator app.
    Totp,
    /// A code sent by SMS.
    Sms,
    /// A code sent by email.
    Email,
    /// A choice between the user's second factors.
    SelectMfa,
    /// A passkey's assertion (the browser's `navigator.credentials.get`).
    WebAuthn,
}

impl Challenge {
    fn from_name(name: &str) -> Option<Challenge> {
        Some(match name {
            "NEW_PASSWORD_REQUIRED" => Challenge::NewPassword,
            "SOFTWARE_TOKEN_MFA" => Challenge::Totp,
            "SMS_MFA" => Challenge::Sms,
            "EMAIL_OTP" => Challenge::Email,
            "SELECT_MFA_TYPE" => Challenge::SelectMfa,
            "WEB_AUTHN" => Challenge::WebAuthn,
            _ => return None,
        })
    }

    /// The challenge's wire name (what a form sends back).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Challenge::NewPassword => "NEW_PASSWORD_REQUIRED",
            Challenge::Totp => "SOFTWARE_TOKEN_MFA",
            Challenge::Sms => "SMS_MFA",
            Challenge::Email => "EMAIL_OTP",
            Challenge::SelectMfa => "SELECT_MFA_TYPE",
            Challenge::WebAuthn => "WEB_AUTHN",
        }
    }

    /// Parses what a form sends back.
    pub(crate) fn parse(name: &str) -> Option<Challenge> {
        Challenge::from_name(name)
    }
}

/// Where a sign-in stands after a form.
pub(crate) enum Outcome {
    /// Every check passed.
    SignedIn(Box<User>),
    /// Another page, with the login's sealed session (opaque to the browser).
    Next {
        /// Which page.
        challenge: Challenge,
        /// The login's session.
        session: String,
        /// Where a code was sent (`CODE_DELIVERY_DESTINATION`).
        destination: Option<String>,
        /// The factors to choose from (`SELECT_MFA_TYPE`).
        options: Vec<Challenge>,
        /// The passkey's request options (`WEB_AUTHN`'s `CREDENTIAL_REQUEST_OPTIONS`, JSON).
        request_options: Option<String>,
    },
}

fn outcome(answer: Answer) -> Result<Outcome, ApiError> {
    let c = match answer {
        Answer::Authenticated(user) => return Ok(Outcome::SignedIn(user)),
        Answer::Tokens(_) => {
            return Err(ApiError::internal("a hosted sign-in ended with tokens"));
        }
        Answer::Challenge(c) => c,
    };
    let name = c.name.as_str();
    let challenge = Challenge::from_name(name).ok_or_else(|| {
        ApiError::invalid(format!(
            "The hosted sign-in pages of cognate serve do not offer {name} yet; sign in through the API (InitiateAuth) instead."
        ))
    })?;
    let session = c
        .session
        .ok_or_else(|| ApiError::internal("a challenge without a session"))?;
    let destination = c.parameters.get("CODE_DELIVERY_DESTINATION").cloned();
    let options = c
        .parameters
        .get("MFAS_CAN_CHOOSE")
        .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
        .iter()
        .filter_map(|name| Challenge::from_name(name))
        .collect();
    let request_options = c.parameters.get("CREDENTIAL_REQUEST_OPTIONS").cloned();
    Ok(Outcome::Next {
        challenge,
        session,
        destination,
        options,
        request_options,
    })
}

/// The sign-in form: a user name (or alias) and password.
pub(crate) fn sign_in(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    username: &str,
    password: &str,
) -> Result<Outcome, ApiError> {
    let user = check_password(
        ctx,
        pool,
        client,
        username,
        password,
        ClientProof::HostedPage,
    )?;
    let answer = after_credentials(ctx, pool, client, &user, None, None, Finish::Hosted)?;
    outcome(answer)
}

/// The message of a passkey sign-in for a name that has no passkey to sign in with (the
/// same for a name that is no user, when the client prevents user-existence errors).
pub(crate) const NO_PASSKEY: &str =
    "No passkey is registered for this user. Sign in with your password, then add a passkey.";

/// "Sign in with a passkey" for `username` (or an alias): the `WEB_AUTHN` first factor of
/// `USER_AUTH` — the user's status, PreAuthentication, then the assertion's request options
/// ([`Outcome::Next`] with [`Challenge::WebAuthn`]). The answer goes through [`answer`].
pub(crate) fn passkey_sign_in(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    username: &str,
) -> Result<Outcome, ApiError> {
    if !pool.allows_first_factor("WEB_AUTHN") {
        return Err(ApiError::invalid(
            "Passkeys are not enabled for this user pool.",
        ));
    }
    let Some(user) = users::find(ctx, pool, username)? else {
        if client.prevent_user_existence_errors == "ENABLED" {
            return Err(ApiError::not_authorized(NO_PASSKEY));
        }
        return Err(ApiError::user_not_found());
    };
    if !choice::available(ctx, pool, &user)?.contains(&FirstFactor::WebAuthn) {
        return Err(ApiError::not_authorized(NO_PASSKEY));
    }
    choice::check_status(&user)?;
    triggers::pre_authentication(ctx, pool, &user, &client.id)?;
    let answer = passkey::challenge(ctx, pool, client, &user, &HashMap::new(), Finish::Hosted)?;
    outcome(answer)
}

/// A challenge's form: `username` as the sign-in form had it, `value` the new password or
/// the code.
pub(crate) fn answer(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    challenge: Challenge,
    session: &str,
    username: &str,
    value: &str,
) -> Result<Outcome, ApiError> {
    let mut answers = HashMap::new();
    answers.insert("USERNAME".to_owned(), username.to_owned());
    let field = match challenge {
        Challenge::NewPassword => "NEW_PASSWORD",
        Challenge::Totp => "SOFTWARE_TOKEN_MFA_CODE",
        Challenge::Sms => "SMS_MFA_CODE",
        Challenge::Email => "EMAIL_OTP_CODE",
        Challenge::SelectMfa => "ANSWER",
        Challenge::WebAuthn => "CREDENTIAL",
    };
    answers.insert(field.to_owned(), value.to_owned());
    let answer = match challenge {
        Challenge::NewPassword => {
            password::new_password(ctx, pool, client, Some(session), &answers)?
        }
        Challenge::SelectMfa => {
            challenges::answer_select(ctx, pool, client, Some(session), &answers)?
        }
        Challenge::WebAuthn => passkey::answer(ctx, pool, client, Some(session), &answers)?,
        _ => challenges::answer_code(ctx, pool, client, challenge.name(), Some(session), &answers)?,
    };
    outcome(answer)
}
