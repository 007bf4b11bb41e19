//! What happens between a proven password and the tokens: the second factor
//! (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`, `SELECT_MFA_TYPE`, `MFA_SETUP`) and the device
//! step (`DEVICE_SRP_AUTH`, `DEVICE_PASSWORD_VERIFIER`).
//!
//! Order after the password, as Cognito does it: the second factor (skipped when the login names
//! a *remembered* device), then the device's own SRP proof when the login named a confirmed
//! device, then the tokens (with `NewDeviceMetadata` when the pool tracks devices and the login
//! named none).

use crate::store::Change;
use cognate_model::idp::ErrorKind as E;
use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::idp::types::ChallengeNameType as C;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::{
    Answer, ChallengeSession, DEVICE_PENDING, Finish, Step, answer_secret_hash, consume,
    invalid_session, issue, next_step, open, param, session_user, state_for,
};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool};
use crate::secret_block::Purpose;
use crate::services::Ctx;
use crate::services::mfa::{self, Factor, MfaNeed};
use crate::services::tokens::issue_tokens;
use crate::services::{devices, outbox, tokens};

/// After the password (and any new password): the second factor, the device step, or the end
/// (`finish`: tokens, or the hosted pages' authenticated user). `device_key` is the
/// `DEVICE_KEY` the login named; it must be a confirmed device of the user.
#[allow(clippy::too_many_arguments)]
pub(crate) fn proceed(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device_key: Option<&str>,
    mfa_done: bool,
    claim: Option<Change>,
    finish: Finish,
) -> Result<Answer, ApiError> {
    let device = match device_key {
        Some(k) => Some(devices::confirmed_device(ctx, pool, user, k)?),
        None => None,
    };
    let remembered = device.as_ref().is_some_and(|d| d.remembered());
    if !mfa_done
        && !remembered
        && let Some(need) = mfa::need(ctx, pool, user)?
    {
        tokens::spend(ctx, claim)?;
        return mfa_challenge(ctx, pool, client, user, device_key, need, finish);
    }
    if let Some(d) = device {
        tokens::spend(ctx, claim)?;
        let state = state_for(pool, client, user, device_key, Step::DeviceSrpAuth);
        let session = issue(ctx, state);
        ctx.store.doc_put(
            DEVICE_PENDING,
            &pool.id,
            &d.key,
            &json!({"session": session, "user": user.username}),
        )?;
        return Ok(Answer::challenge(
            C::DeviceSrpAuth,
            Some(session),
            [("USERNAME", user.username.clone()), ("DEVICE_KEY", d.key)],
        ));
    }
    match finish {
        Finish::Tokens => issue_tokens(ctx, pool, client, user, None, claim).map(Answer::tokens),
        Finish::Hosted => {
            // As a sign-in through the API: PostAuthentication before anything is stored,
            // then the use-once claim and the sign-in's auth event. (The session limit and
            // the tokens come with the code's exchange.)
            crate::services::triggers::post_authentication(ctx, pool, user, &client.id, false)?;
            tokens::spend(ctx, claim)?;
            crate::services::auth_events::signed_in(ctx, pool, user)?;
            Ok(Answer::authenticated(user))
        }
    }
}

/// Answers with the challenge for `need`.
pub(crate) fn mfa_challenge(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device_key: Option<&str>,
    need: MfaNeed,
    finish: Finish,
) -> Result<Answer, ApiError> {
    let mut params = BTreeMap::new();
    params.insert("USER_ID_FOR_SRP", user.username.clone());
    let step = match need {
        MfaNeed::Setup(options) => {
            let names: Vec<&str> = options.iter().map(|f| f.as_str()).collect();
            params.insert("MFAS_CAN_SETUP", json!(names).to_string());
            Step::MfaSetup {
                totp_secret: None,
                verified: false,
            }
        }
        MfaNeed::Select(options) => {
            let names: Vec<&str> = options.iter().map(|f| f.as_str()).collect();
            params.insert("MFAS_CAN_CHOOSE", json!(names).to_string());
            Step::SelectMfaType
        }
        MfaNeed::One(factor) => {
            let delivery = match factor {
                Factor::SoftwareToken => None,
                Factor::Sms => Some((
                    outbox::Purpose::SmsMfa,
                    outbox::Medium::Sms,
                    user.attributes.get("phone_number"),
                )),
                Factor::Email => Some((
                    outbox::Purpose::EmailOtp,
                    outbox::Medium::Email,
                    user.attributes.get("email"),
                )),
            };
            let mut sent = None;
            if let Some((purpose, medium, Some(to))) = delivery {
                let code = outbox::new_code();
                let details =
                    outbox::deliver(ctx, &pool.id, &user.username, purpose, medium, to, &code)?;
                sent = Some(code);
                params.insert(
                    "CODE_DELIVERY_DELIVERY_MEDIUM",
                    details.medium.as_str().to_owned(),
                );
                params.insert("CODE_DELIVERY_DESTINATION", details.destination);
            }
            match factor {
                Factor::SoftwareToken => Step::SoftwareTokenMfa,
                Factor::Sms => Step::SmsMfa { code: sent },
                Factor::Email => Step::EmailOtp { code: sent },
            }
        }
    };
    let name = step.challenge();
    let mut state = state_for(pool, client, user, device_key, step);
    state.finish = finish;
    let session = issue(ctx, state);
    Ok(Answer::challenge(name, Some(session), params))
}

/// RespondToAuthChallenge for `SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP` and `SMS_OTP` (the
/// last two also as first factors of `USER_AUTH`, after which no second factor is asked).
pub(crate) fn answer_code(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    name: &str,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let state = open(ctx, pool, client, session, &[name])?;
    answer_secret_hash(client, answers, &state)?;
    let (field, sent) = match &state.step {
        Step::SoftwareTokenMfa => {
            let user = session_user(ctx, &state)?;
            let code = param(answers, "SOFTWARE_TOKEN_MFA_CODE")?;
            let step = mfa::check_totp(ctx, pool, &user, code)?;
            consume(ctx, client, &state)?;
            mfa::record_totp_step(ctx, pool, &user, step)?;
            return proceed(
                ctx,
                pool,
                client,
                &user,
                state.device_key.as_deref(),
                true,
                None,
                state.finish,
            );
        }
        Step::SmsMfa { code } => ("SMS_MFA_CODE", code),
        Step::EmailOtp { code } => ("EMAIL_OTP_CODE", code),
        Step::SmsOtp { code } => ("SMS_OTP_CODE", code),
        _ => return Err(invalid_session()),
    };
    let code = param(answers, field)?;
    let expected = sent.as_deref().unwrap_or("");
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(code.trim().as_bytes())) {
        return Err(ApiError::new(
            E::CodeMismatchException,
            "Invalid code or auth state for the user.",
        ));
    }
    // The user after the code: a stand-in session (a name no user has) holds no code and ends
    // above, as a wrong code does.
    let user = session_user(ctx, &state)?;
    consume(ctx, client, &state)?;
    proceed(
        ctx,
        pool,
        client,
        &user,
        state.device_key.as_deref(),
        true,
        None,
        state.finish,
    )
}

/// RespondToAuthChallenge for `SELECT_MFA_TYPE`: `ANSWER` names the factor.
pub(crate) fn answer_select(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let state = open(ctx, pool, client, session, &["SELECT_MFA_TYPE"])?;
    answer_secret_hash(client, answers, &state)?;
    let user = session_user(ctx, &state)?;
    let answer = param(answers, "ANSWER")?;
    let offered = match mfa::need(ctx, pool, &user)? {
        Some(MfaNeed::Select(options)) => options,
        Some(MfaNeed::One(f)) => vec![f],
        _ => Vec::new(),
    };
    let Some(factor) = offered.into_iter().find(|f| f.as_str() == answer) else {
        return Err(ApiError::invalid(format!(
            "The MFA type {answer} is not enabled for the user."
        )));
    };
    consume(ctx, client, &state)?;
    let device_key = state.device_key.as_deref();
    mfa_challenge(
        ctx,
        pool,
        client,
        &user,
        device_key,
        MfaNeed::One(factor),
        state.finish,
    )
}

/// RespondToAuthChallenge for `MFA_SETUP`, with the `Session` VerifySoftwareToken returned.
pub(crate) fn answer_setup(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let state = open(ctx, pool, client, session, &["MFA_SETUP"])?;
    answer_secret_hash(client, answers, &state)?;
    let user = session_user(ctx, &state)?;
    if !matches!(state.step, Step::MfaSetup { verified: true, .. }) {
        return Err(ApiError::invalid(
            "The software token has not been verified: call AssociateSoftwareToken and VerifySoftwareToken with this Session first.",
        ));
    }
    consume(ctx, client, &state)?;
    mfa::enable_after_setup(ctx, pool, &user)?;
    proceed(
        ctx,
        pool,
        client,
        &user,
        state.device_key.as_deref(),
        true,
        None,
        state.finish,
    )
}

/// The device step, first half: `DEVICE_SRP_AUTH` with the device's `SRP_A`.
pub(crate) fn answer_device_srp(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let device_key = answers.get("DEVICE_KEY").map(String::as_str);
    // The session of the step before: amazon-cognito-identity-js answers DEVICE_SRP_AUTH after
    // an MFA code with the MFA challenge's Session (sendMFACode does not keep the new one).
    let earlier: Option<ChallengeSession> = session
        .and_then(|s| ctx.sealer.open_b64(Purpose::Challenge, s))
        .filter(|s: &ChallengeSession| s.step != Step::DeviceSrpAuth);
    let pending_for = |key: &str| -> Result<Option<String>, ApiError> {
        Ok(ctx
            .store
            .doc_get(DEVICE_PENDING, &pool.id, key)?
            .and_then(|v| v.get("session").and_then(Value::as_str).map(str::to_owned)))
    };
    let pending;
    let session = match (session, &earlier, device_key) {
        // pycognito answers without the Session: the pending challenge of its device stands in.
        (None, _, Some(k)) => {
            pending = pending_for(k)?;
            pending.as_deref()
        }
        (Some(_), Some(e), _) if e.pool == pool.id && e.client == client.id => {
            let key = e.device_key.as_deref().ok_or_else(invalid_session)?;
            if device_key.is_some_and(|k| k != key) {
                return Err(invalid_session());
            }
            pending = pending_for(key)?;
            let same_user = pending
                .as_deref()
                .and_then(|p| {
                    ctx.sealer
                        .open_b64::<ChallengeSession>(Purpose::Challenge, p)
                })
                .is_some_and(|p| p.user == e.user);
            if !same_user {
                return Err(invalid_session());
            }
            pending.as_deref()
        }
        (s, _, _) => s,
    };
    let state = open(ctx, pool, client, session, &["DEVICE_SRP_AUTH"])?;
    answer_secret_hash(client, answers, &state)?;
    let key = state.device_key.clone().ok_or_else(invalid_session)?;
    if device_key.is_some_and(|k| k != key) {
        return Err(invalid_session());
    }
    let srp_a = param(answers, "SRP_A")?;
    if srp_a.is_empty()
        || srp_a.len() > cognate_srp::MAX_HEX_DIGITS
        || !srp_a.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::invalid("SRP_A is not valid hexadecimal"));
    }
    let user = session_user(ctx, &state)?;
    let device = devices::confirmed_device(ctx, pool, &user, &key)?;
    let verifier = device.verifier()?;
    let server = cognate_srp::SrpServer::new(&mut cognate_srp::os_rng(), &verifier)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    consume(ctx, client, &state)?;
    let _ = ctx.store.doc_delete(DEVICE_PENDING, &pool.id, &key)?;
    let next = next_step(
        &state,
        Step::DevicePasswordVerifier {
            srp_b: STANDARD.encode(server.secret().as_slice()),
            srp_a: srp_a.to_owned(),
        },
    );
    let session = issue(ctx, next);
    Ok(Answer::challenge(
        C::DevicePasswordVerifier,
        Some(session.clone()),
        [
            ("SRP_B", server.srp_b()),
            ("SALT", verifier.salt().to_owned()),
            ("SECRET_BLOCK", session),
            ("USERNAME", user.username.clone()),
            ("DEVICE_KEY", key.to_owned()),
        ],
    ))
}

/// The device step, second half: `DEVICE_PASSWORD_VERIFIER`, the SRP proof with the device
/// password (pool name = DeviceGroupKey, user id = DeviceKey).
pub(crate) fn answer_device_verifier(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let block_b64 = param(answers, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature = param(answers, "PASSWORD_CLAIM_SIGNATURE")?;
    let timestamp = param(answers, "TIMESTAMP")?;
    // The SECRET_BLOCK is the session itself: clients that send no Session (pycognito) work.
    let state = open(
        ctx,
        pool,
        client,
        Some(session.unwrap_or(block_b64)),
        &["DEVICE_PASSWORD_VERIFIER"],
    )?;
    if block_b64 != session.unwrap_or(block_b64) {
        return Err(ApiError::bad_credentials());
    }
    answer_secret_hash(client, answers, &state)?;
    let key = state.device_key.clone().ok_or_else(invalid_session)?;
    if answers.get("DEVICE_KEY").is_some_and(|k| *k != key) {
        return Err(invalid_session());
    }
    cognate_srp::Timestamp::parse(timestamp).map_err(|e| ApiError::invalid(e.to_string()))?;
    let user = session_user(ctx, &state)?;
    let device = devices::confirmed_device(ctx, pool, &user, &key)?;
    let verifier = device.verifier()?;
    let Step::DevicePasswordVerifier { srp_b, srp_a } = &state.step else {
        return Err(invalid_session());
    };
    let b = STANDARD.decode(srp_b).map_err(|_| invalid_session())?;
    let server = cognate_srp::SrpServer::from_secret(&b, &verifier)
        .map_err(|_| ApiError::bad_credentials())?;
    let block = STANDARD
        .decode(block_b64)
        .map_err(|_| ApiError::invalid("PASSWORD_CLAIM_SECRET_BLOCK is not valid base64"))?;
    let verdict = server.check(
        &verifier,
        &cognate_srp::PasswordVerifierAnswer {
            srp_a,
            pool_name: &device.group_key,
            user_id: &device.key,
            secret_block: &block,
            timestamp,
            signature,
        },
    );
    match verdict {
        Ok(()) => {}
        Err(cognate_srp::Error::InvalidBase64 { .. }) => {
            return Err(ApiError::invalid(
                "PASSWORD_CLAIM_SIGNATURE is not valid base64",
            ));
        }
        Err(_) => return Err(ApiError::bad_credentials()),
    }
    consume(ctx, client, &state)?;
    devices::touch(ctx, pool, &device.key)?;
    issue_tokens(ctx, pool, client, &user, Some(&device.key), None).map(Answer::tokens)
}
