//! Choice-based sign-in (`USER_AUTH`): the first factor is one of the pool's
//! `SignInPolicy.AllowedFirstAuthFactors` that this user can use — a password (`PASSWORD`, or
//! `PASSWORD_SRP` through the SRP login of [`super::password`]), a code sent by email
//! (`EMAIL_OTP`) or SMS (`SMS_OTP`), or a passkey (`WEB_AUTHN`, [`super::passkey`]). The client
//! names one in `PREFERRED_CHALLENGE`, or gets `SELECT_CHALLENGE` with `AvailableChallenges`
//! and answers with its choice.
//!
//! After a password the login goes on as every password login does (status checks, the second
//! factor the pool requires, the device step: [`super::password::after_credentials`]); after a
//! code or a passkey no second factor is asked. Every path ends in the same finishing code as
//! the other flows, so PreAuthentication, PostAuthentication and pre token generation fire alike.

use std::collections::HashMap;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types::ChallengeNameType as C;

use super::password::{password_login, start_srp};
use super::{
    Answer, ChallengeSession, Finish, Step, answer_secret_hash, consume, invalid_session, issue,
    open, param, state_for,
};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::services::clients::check_secret_hash;
use crate::services::codes::is_true;
use crate::services::{Ctx, outbox, triggers, users};

/// A first factor of `USER_AUTH`, by its challenge name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstFactor {
    /// The password, sent as it is.
    Password,
    /// The password, proven by SRP.
    PasswordSrp,
    /// A code sent to the verified email address.
    EmailOtp,
    /// A code sent to the verified phone number.
    SmsOtp,
    /// A passkey.
    WebAuthn,
}

impl FirstFactor {
    const ALL: [FirstFactor; 5] = [
        FirstFactor::Password,
        FirstFactor::PasswordSrp,
        FirstFactor::EmailOtp,
        FirstFactor::SmsOtp,
        FirstFactor::WebAuthn,
    ];

    /// The challenge.
    pub(crate) fn challenge(self) -> C {
        match self {
            FirstFactor::Password => C::Password,
            FirstFactor::PasswordSrp => C::PasswordSrp,
            FirstFactor::EmailOtp => C::EmailOtp,
            FirstFactor::SmsOtp => C::SmsOtp,
            FirstFactor::WebAuthn => C::WebAuthn,
        }
    }

    /// The challenge name.
    pub(crate) fn as_str(self) -> &'static str {
        self.challenge().as_str()
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The `AllowedFirstAuthFactors` entry that allows it.
    fn policy_name(self) -> &'static str {
        match self {
            FirstFactor::Password | FirstFactor::PasswordSrp => "PASSWORD",
            other => other.as_str(),
        }
    }
}

/// The first factors `user` may sign in with: allowed by the pool and usable by the user (a
/// password for the password factors, a verified email address or phone number for the codes,
/// a registered passkey for `WEB_AUTHN`). Codes are not first factors in a pool that requires
/// MFA (a code alone would skip the second factor the pool insists on).
pub(crate) fn available(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<Vec<FirstFactor>, ApiError> {
    let mut out = Vec::new();
    for factor in FirstFactor::ALL {
        if !pool.allows_first_factor(factor.policy_name()) {
            continue;
        }
        let usable = match factor {
            FirstFactor::Password | FirstFactor::PasswordSrp => user.verifier.is_some(),
            FirstFactor::EmailOtp => {
                pool.mfa_configuration != "ON"
                    && user.attributes.contains_key("email")
                    && is_true(user, "email_verified")
            }
            FirstFactor::SmsOtp => {
                pool.mfa_configuration != "ON"
                    && user.attributes.contains_key("phone_number")
                    && is_true(user, "phone_number_verified")
            }
            FirstFactor::WebAuthn => crate::services::passkeys::has_credentials(ctx, pool, user)?,
        };
        if usable {
            out.push(factor);
        }
    }
    Ok(out)
}

/// The factors of a name that is no user (when the client prevents user-existence errors):
/// every factor the pool allows as a first factor (codes not where the pool requires MFA, as
/// for real users). Each answers as a real user's wrong answer does ([`super::decoy`]).
fn decoy_factors(pool: &UserPool) -> Vec<FirstFactor> {
    FirstFactor::ALL
        .into_iter()
        .filter(|f| pool.allows_first_factor(f.policy_name()))
        .filter(|f| {
            !matches!(f, FirstFactor::EmailOtp | FirstFactor::SmsOtp)
                || pool.mfa_configuration != "ON"
        })
        .collect()
}

fn preferred(params: &HashMap<String, String>) -> Result<Option<FirstFactor>, ApiError> {
    match params.get("PREFERRED_CHALLENGE").map(String::as_str) {
        None | Some("") => Ok(None),
        Some(name) => FirstFactor::parse(name).map(Some).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid PREFERRED_CHALLENGE {name}: must be one of PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN"
            ))
        }),
    }
}

/// InitiateAuth / AdminInitiateAuth with `USER_AUTH`.
pub(crate) fn start(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let login = param(params, "USERNAME")?;
    let want = preferred(params)?;
    let secret_hash = params.get("SECRET_HASH").map(String::as_str);
    let Some(user) = users::find(ctx, pool, login)? else {
        check_secret_hash(client, secret_hash, &[login])?;
        if client.prevent_user_existence_errors != "ENABLED" {
            return Err(ApiError::user_not_found());
        }
        // As AWS documents it: a challenge of a type the pool allows, picked at random (the
        // preferred one when the pool allows it). The password factors come with their
        // answer (PREFERRED_CHALLENGE and PASSWORD or SRP_A) or from SELECT_CHALLENGE, so
        // the pick is among the others; a pool with password factors only offers the choice.
        let offered = decoy_factors(pool);
        let passwordless: Vec<FirstFactor> = offered
            .iter()
            .copied()
            .filter(|f| !matches!(f, FirstFactor::Password | FirstFactor::PasswordSrp))
            .collect();
        let pick = match want {
            Some(f) if offered.contains(&f) => Some(f),
            _ if passwordless.is_empty() => None,
            _ => {
                let n = usize::from(crate::ids::random_bytes::<1>()[0]) % passwordless.len();
                Some(passwordless[n])
            }
        };
        return match pick {
            Some(f) => begin(ctx, pool, client, None, login, f, params),
            None => select(ctx, pool, client, login, login, &offered),
        };
    };
    check_secret_hash(client, secret_hash, &[login, &user.username])?;
    let offered = available(ctx, pool, &user)?;
    match want {
        Some(f) if offered.contains(&f) => begin(ctx, pool, client, Some(&user), login, f, params),
        // A preference the user cannot meet: the choice of what they can.
        _ => select(ctx, pool, client, &user.username, login, &offered),
    }
}

/// Answers `SELECT_CHALLENGE` with the factors `offered`.
fn select(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    internal: &str,
    login: &str,
    offered: &[FirstFactor],
) -> Result<Answer, ApiError> {
    if offered.is_empty() {
        return Err(ApiError::not_authorized(
            "The user has no sign-in method that this user pool allows.",
        ));
    }
    let state = ChallengeSession {
        id: String::new(),
        pool: pool.id.clone(),
        client: client.id.clone(),
        user: internal.to_owned(),
        issued: 0,
        device_key: None,
        step: Step::SelectChallenge {
            login: login.to_owned(),
            validation: triggers::scope().validation_data,
        },
        finish: Finish::Tokens,
    };
    let session = issue(ctx, state);
    Ok(Answer::Challenge(super::answer::Challenge {
        name: C::SelectChallenge,
        session: Some(session),
        parameters: Default::default(),
        available: Some(offered.iter().map(|f| f.challenge()).collect()),
    }))
}

/// RespondToAuthChallenge to `SELECT_CHALLENGE` (`ANSWER` names the factor), or to the
/// factor's own name (`PASSWORD`, `PASSWORD_SRP`, …) with the `SELECT_CHALLENGE` session.
pub(crate) fn answer_select(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    name: &str,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let state = open(ctx, pool, client, session, &["SELECT_CHALLENGE"])?;
    let Step::SelectChallenge { login, validation } = &state.step else {
        return Err(invalid_session());
    };
    answer_secret_hash(client, answers, &state)?;
    let answer = if name == "SELECT_CHALLENGE" {
        param(answers, "ANSWER")?
    } else {
        name
    };
    let factor = FirstFactor::parse(answer).ok_or_else(|| {
        ApiError::invalid(format!(
            "The challenge {answer} is not available for the user."
        ))
    })?;
    let user = users::find(ctx, pool, login)?.filter(|u| u.username == state.user);
    // USERNAME, when given, names the session's user (by any of its names), never another.
    if let Some(given) = answers.get("USERNAME")
        && given != login
        && given != &state.user
        && users::find(ctx, pool, given)?.is_none_or(|u| u.username != state.user)
    {
        return Err(invalid_session());
    }
    let offered = match &user {
        Some(u) => available(ctx, pool, u)?,
        None => decoy_factors(pool),
    };
    if !offered.contains(&factor) {
        return Err(ApiError::invalid(format!(
            "The challenge {answer} is not available for the user."
        )));
    }
    consume(ctx, client, &state)?;
    let mut params = answers.clone();
    params.insert("USERNAME".into(), login.clone());
    // PreAuthentication (fired when the factor starts) gets the sign-in's ClientMetadata.
    let scope = triggers::Scope {
        validation_data: validation.clone(),
        ..triggers::scope()
    };
    triggers::scoped(scope, || {
        begin(ctx, pool, client, user.as_ref(), login, factor, &params)
    })
}

/// Starts `factor` for `user` (`None`: a name that is no user, password factors only).
/// `params` carry what the factor needs (`PASSWORD`, `SRP_A`, `SECRET_HASH`, `DEVICE_KEY`).
fn begin(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: Option<&User>,
    login: &str,
    factor: FirstFactor,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let mut params = params.clone();
    params.insert("USERNAME".into(), login.to_owned());
    match factor {
        // The password logins as they are: the lockout, the migration trigger, the decoy of an
        // unknown name, the status checks and the second factor after the password.
        FirstFactor::Password => password_login(ctx, pool, client, &params),
        FirstFactor::PasswordSrp => start_srp(ctx, pool, client, &params),
        FirstFactor::EmailOtp | FirstFactor::SmsOtp => {
            let Some(user) = user else {
                let medium = match factor {
                    FirstFactor::SmsOtp => outbox::Medium::Sms,
                    _ => outbox::Medium::Email,
                };
                return super::decoy::code_challenge(ctx, pool, client, login, medium, &params);
            };
            send_code(ctx, pool, client, user, factor, &params)
        }
        FirstFactor::WebAuthn => {
            let Some(user) = user else {
                return super::decoy::passkey_challenge(ctx, pool, client, login, &params);
            };
            check_status(user)?;
            triggers::pre_authentication(ctx, pool, user, &client.id)?;
            super::passkey::challenge(ctx, pool, client, user, &params, Finish::Tokens)
        }
    }
}

/// What a user must be to sign in without a password: enabled and confirmed (or holding a
/// temporary password that the code or passkey stands in for).
pub(crate) fn check_status(user: &User) -> Result<(), ApiError> {
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    match user.status {
        UserStatus::Confirmed | UserStatus::ForceChangePassword => Ok(()),
        UserStatus::Unconfirmed => Err(ApiError::new(
            E::UserNotConfirmedException,
            "User is not confirmed.",
        )),
        UserStatus::ResetRequired => Err(ApiError::new(
            E::PasswordResetRequiredException,
            "Password reset required for the user",
        )),
        UserStatus::ExternalProvider => Err(ApiError::bad_credentials()),
    }
}

/// `EMAIL_OTP` / `SMS_OTP` as a first factor: the code goes to the outbox, the challenge names
/// where.
fn send_code(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    factor: FirstFactor,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    check_status(user)?;
    triggers::pre_authentication(ctx, pool, user, &client.id)?;
    let (purpose, medium) = match factor {
        FirstFactor::SmsOtp => (outbox::Purpose::SmsOtp, outbox::Medium::Sms),
        _ => (outbox::Purpose::EmailOtp, outbox::Medium::Email),
    };
    let to = user
        .attributes
        .get(medium.attribute())
        .ok_or_else(invalid_session)?;
    let code = outbox::new_code();
    let details = outbox::deliver(ctx, &pool.id, &user.username, purpose, medium, to, &code)?;
    let step = match factor {
        FirstFactor::SmsOtp => Step::SmsOtp { code: Some(code) },
        _ => Step::EmailOtp { code: Some(code) },
    };
    let name = step.challenge();
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let state = state_for(pool, client, user, device_key, step);
    let session = issue(ctx, state);
    Ok(Answer::challenge(
        name,
        Some(session),
        [
            (
                "CODE_DELIVERY_DELIVERY_MEDIUM",
                details.medium.as_str().to_owned(),
            ),
            ("CODE_DELIVERY_DESTINATION", details.destination),
        ],
    ))
}
