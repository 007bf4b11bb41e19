//! What happens between a proven password and the tokens: challenge sessions (sealed, expiring,
//! used once), the second factor (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`,
//! `SELECT_MFA_TYPE`, `MFA_SETUP`) and the device step (`DEVICE_SRP_AUTH`,
//! `DEVICE_PASSWORD_VERIFIER`).
//!
//! Order after the password, as Cognito does it: the second factor (skipped when the login names
//! a *remembered* device), then the device's own SRP proof when the login named a confirmed
//! device, then the tokens (with `NewDeviceMetadata` when the pool tracks devices and the login
//! named none).
//!
//! Every `Session` is a [`ChallengeSession`] sealed with AES-256-GCM; it expires after the app
//! client's `AuthSessionValidity` minutes ("Invalid session for the user, session is expired.")
//! and is consumed once, atomically, when it is answered or used for the next step, so a replay
//! is refused ("Invalid session for the user.").

use crate::store::{Change, RecordKind};
use cognate_model::idp::ErrorKind as E;
use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Ctx;
use super::auth::{check_secret_hash, issue_tokens, param};
use super::mfa::{self, Factor, MfaNeed};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool};
use crate::outbox;
use crate::secret_block::{ChallengeSession, Purpose};

/// Record kind of consumed session ids (scope = pool id).
const USED: RecordKind = RecordKind::UsedSession;
/// Record kind of the pending device challenge of a device key, for clients (pycognito) that
/// answer `DEVICE_SRP_AUTH` without the `Session`.
const DEVICE_PENDING: RecordKind = RecordKind::DeviceChallenge;

fn invalid_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user.")
}

fn expired_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user, session is expired.")
}

/// Seals a new session for `state` (a fresh id, issued now).
pub(crate) fn issue(ctx: &Ctx, mut state: ChallengeSession) -> String {
    state.id = crate::ids::uuid();
    state.issued = ctx.now();
    ctx.sealer.seal(Purpose::Challenge, &state)
}

/// A new session state for `user` answering `challenge`.
pub(crate) fn state_for(
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    challenge: &str,
) -> ChallengeSession {
    ChallengeSession {
        pool: pool.id.clone(),
        client: client.id.clone(),
        user: user.username.clone(),
        challenge: challenge.to_owned(),
        ..ChallengeSession::default()
    }
}

/// Opens a session without a client to check against (AssociateSoftwareToken and
/// VerifySoftwareToken carry none): sealed by us, for one of `expect`, not expired, not used.
pub(crate) fn open_any(
    ctx: &Ctx,
    session: &str,
    expect: &[&str],
) -> Result<(ChallengeSession, AppClient), ApiError> {
    let state: ChallengeSession = ctx
        .sealer
        .open_b64(Purpose::Challenge, session)
        .ok_or_else(invalid_session)?;
    let client = ctx
        .store
        .client_get(&state.client)?
        .ok_or_else(invalid_session)?;
    check_state(ctx, &client, &state, expect)?;
    Ok((state, client))
}

/// Opens the `Session` of an answer to one of `expect` for `pool` and `client`.
pub(crate) fn open(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    expect: &[&str],
) -> Result<ChallengeSession, ApiError> {
    let session = session.ok_or_else(|| ApiError::invalid("Missing required parameter Session"))?;
    let state: ChallengeSession = ctx
        .sealer
        .open_b64(Purpose::Challenge, session)
        .ok_or_else(invalid_session)?;
    if state.pool != pool.id || state.client != client.id {
        return Err(invalid_session());
    }
    check_state(ctx, client, &state, expect)?;
    Ok(state)
}

fn check_state(
    ctx: &Ctx,
    client: &AppClient,
    state: &ChallengeSession,
    expect: &[&str],
) -> Result<(), ApiError> {
    if !expect.contains(&state.challenge.as_str()) {
        return Err(invalid_session());
    }
    let now = ctx.now();
    if state.issued - now > 60 {
        return Err(invalid_session());
    }
    if now - state.issued > client.auth_session_validity.saturating_mul(60) {
        return Err(expired_session());
    }
    if ctx.store.doc_get(USED, &state.pool, &state.id)?.is_some() {
        return Err(invalid_session());
    }
    Ok(())
}

/// Consumes a session, atomically: a second use is refused even when two answers race.
pub(crate) fn consume(
    ctx: &Ctx,
    client: &AppClient,
    state: &ChallengeSession,
) -> Result<(), ApiError> {
    let mine = crate::ids::uuid();
    let record = json!({
        "by": mine,
        "expires": state.issued + client.auth_session_validity.saturating_mul(60),
    });
    let stored = ctx.store.doc_update(
        USED,
        &state.pool,
        &state.id,
        Box::new(move |old| old.or(Some(record))),
    )?;
    let won = stored
        .as_ref()
        .and_then(|v| v.get("by"))
        .and_then(Value::as_str)
        == Some(mine.as_str());
    purge_used(ctx);
    if won { Ok(()) } else { Err(invalid_session()) }
}

/// At most once a minute (server clock), deletes the records of used sessions that have
/// expired: an expired session is refused on its age alone, so its record is no longer needed,
/// and without this the table would grow by one record per answered challenge forever.
fn purge_used(ctx: &Ctx) {
    use std::sync::atomic::Ordering;
    let now = ctx.now();
    let last = ctx.last_purge.load(Ordering::Relaxed);
    if now.abs_diff(last) < 60
        || ctx
            .last_purge
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    match ctx.store.doc_purge_expired(USED, now) {
        Ok(0) => {}
        Ok(n) => tracing::debug!(records = n, "purged expired used sessions"),
        Err(e) => tracing::warn!(error = %e, "could not purge expired used sessions"),
    }
}

/// The user a session names, still enabled.
fn session_user(ctx: &Ctx, state: &ChallengeSession) -> Result<User, ApiError> {
    let user = ctx
        .store
        .user_get(&state.pool, &state.user)?
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok(user)
}

fn answer_secret_hash(
    client: &AppClient,
    answers: &HashMap<String, String>,
    state: &ChallengeSession,
) -> Result<(), ApiError> {
    let given = answers
        .get("USERNAME")
        .map(String::as_str)
        .unwrap_or(&state.user);
    check_secret_hash(
        client,
        answers.get("SECRET_HASH").map(String::as_str),
        &[given, &state.user],
    )
}

/// After the password (and any new password): the second factor, the device step, or tokens.
/// `device_key` is the `DEVICE_KEY` the login named; it must be a confirmed device of the user.
pub(crate) fn proceed(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device_key: Option<&str>,
    mfa_done: bool,
    claim: Option<Change>,
) -> Result<Value, ApiError> {
    let device = match device_key {
        Some(k) => Some(super::devices::confirmed_device(ctx, pool, user, k)?),
        None => None,
    };
    let remembered = device.as_ref().is_some_and(|d| d.remembered());
    let mut state = state_for(pool, client, user, "");
    state.device_key = device_key.map(str::to_owned);
    if !mfa_done
        && !remembered
        && let Some(need) = mfa::need(ctx, pool, user)?
    {
        super::auth::spend(ctx, claim)?;
        return mfa_challenge(ctx, pool, user, state, need);
    }
    if let Some(d) = device {
        super::auth::spend(ctx, claim)?;
        state.challenge = "DEVICE_SRP_AUTH".into();
        state.mfa_done = true;
        let session = issue(ctx, state);
        ctx.store.doc_put(
            DEVICE_PENDING,
            &pool.id,
            &d.key,
            &json!({"session": session, "user": user.username}),
        )?;
        return Ok(json!({
            "ChallengeName": "DEVICE_SRP_AUTH",
            "Session": session,
            "ChallengeParameters": {"USERNAME": user.username, "DEVICE_KEY": d.key},
        }));
    }
    issue_tokens(ctx, pool, client, user, None, claim)
}

/// Answers with the challenge for `need`.
fn mfa_challenge(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    mut state: ChallengeSession,
    need: MfaNeed,
) -> Result<Value, ApiError> {
    let mut params = serde_json::Map::new();
    params.insert("USER_ID_FOR_SRP".into(), json!(user.username));
    match need {
        MfaNeed::Setup(options) => {
            let names: Vec<&str> = options.iter().map(|f| f.as_str()).collect();
            state.challenge = "MFA_SETUP".into();
            params.insert("MFAS_CAN_SETUP".into(), json!(json!(names).to_string()));
        }
        MfaNeed::Select(options) => {
            let names: Vec<&str> = options.iter().map(|f| f.as_str()).collect();
            state.challenge = "SELECT_MFA_TYPE".into();
            params.insert("MFAS_CAN_CHOOSE".into(), json!(json!(names).to_string()));
        }
        MfaNeed::One(factor) => {
            state.challenge = factor.as_str().into();
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
            if let Some((purpose, medium, Some(to))) = delivery {
                let code = outbox::new_code();
                let details =
                    outbox::deliver(ctx, &pool.id, &user.username, purpose, medium, to, &code)?;
                state.code = Some(code);
                params.insert(
                    "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
                    json!(details.medium.as_str()),
                );
                params.insert(
                    "CODE_DELIVERY_DESTINATION".into(),
                    json!(details.destination),
                );
            }
        }
    }
    let name = state.challenge.clone();
    let session = issue(ctx, state);
    Ok(json!({
        "ChallengeName": name,
        "Session": session,
        "ChallengeParameters": Value::Object(params),
    }))
}

/// RespondToAuthChallenge for `SOFTWARE_TOKEN_MFA`, `SMS_MFA` and `EMAIL_OTP`.
pub(crate) fn answer_code(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    name: &str,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let state = open(ctx, pool, client, session, &[name])?;
    answer_secret_hash(client, answers, &state)?;
    let user = session_user(ctx, &state)?;
    match name {
        "SOFTWARE_TOKEN_MFA" => {
            let code = param(answers, "SOFTWARE_TOKEN_MFA_CODE")?;
            let step = mfa::check_totp(ctx, pool, &user, code)?;
            consume(ctx, client, &state)?;
            mfa::record_totp_step(ctx, pool, &user, step)?;
        }
        _ => {
            let field = if name == "SMS_MFA" {
                "SMS_MFA_CODE"
            } else {
                "EMAIL_OTP_CODE"
            };
            let code = param(answers, field)?;
            let expected = state.code.as_deref().unwrap_or("");
            if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(code.trim().as_bytes()))
            {
                return Err(ApiError::new(
                    E::CodeMismatchException,
                    "Invalid code or auth state for the user.",
                ));
            }
            consume(ctx, client, &state)?;
        }
    }
    proceed(
        ctx,
        pool,
        client,
        &user,
        state.device_key.as_deref(),
        true,
        None,
    )
}

/// RespondToAuthChallenge for `SELECT_MFA_TYPE`: `ANSWER` names the factor.
pub(crate) fn answer_select(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
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
    let mut next = state.clone();
    next.code = None;
    mfa_challenge(ctx, pool, &user, next, MfaNeed::One(factor))
}

/// RespondToAuthChallenge for `MFA_SETUP`, with the `Session` VerifySoftwareToken returned.
pub(crate) fn answer_setup(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let state = open(ctx, pool, client, session, &["MFA_SETUP"])?;
    answer_secret_hash(client, answers, &state)?;
    let user = session_user(ctx, &state)?;
    if !state.verified {
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
    )
}

/// The device step, first half: `DEVICE_SRP_AUTH` with the device's `SRP_A`.
pub(crate) fn answer_device_srp(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let device_key = answers.get("DEVICE_KEY").map(String::as_str);
    // The session of the step before: amazon-cognito-identity-js answers DEVICE_SRP_AUTH after
    // an MFA code with the MFA challenge's Session (sendMFACode does not keep the new one).
    let earlier: Option<ChallengeSession> = session
        .and_then(|s| ctx.sealer.open_b64(Purpose::Challenge, s))
        .filter(|s: &ChallengeSession| s.challenge != "DEVICE_SRP_AUTH");
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
    let device = super::devices::confirmed_device(ctx, pool, &user, &key)?;
    let verifier = device.verifier()?;
    let server = cognate_srp::SrpServer::new(&mut cognate_srp::os_rng(), &verifier)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    consume(ctx, client, &state)?;
    let _ = ctx.store.doc_delete(DEVICE_PENDING, &pool.id, &key)?;
    let mut next = state.clone();
    next.challenge = "DEVICE_PASSWORD_VERIFIER".into();
    next.srp_b = Some(STANDARD.encode(server.secret().as_slice()));
    next.srp_a = Some(srp_a.to_owned());
    let session = issue(ctx, next);
    Ok(json!({
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {
            "SRP_B": server.srp_b(),
            "SALT": verifier.salt(),
            "SECRET_BLOCK": session,
            "USERNAME": user.username,
            "DEVICE_KEY": key,
        },
    }))
}

/// The device step, second half: `DEVICE_PASSWORD_VERIFIER`, the SRP proof with the device
/// password (pool name = DeviceGroupKey, user id = DeviceKey).
pub(crate) fn answer_device_verifier(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Value, ApiError> {
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
    let device = super::devices::confirmed_device(ctx, pool, &user, &key)?;
    let verifier = device.verifier()?;
    let b = STANDARD
        .decode(state.srp_b.as_deref().unwrap_or(""))
        .map_err(|_| invalid_session())?;
    let server = cognate_srp::SrpServer::from_secret(&b, &verifier)
        .map_err(|_| ApiError::bad_credentials())?;
    let block = STANDARD
        .decode(block_b64)
        .map_err(|_| ApiError::invalid("PASSWORD_CLAIM_SECRET_BLOCK is not valid base64"))?;
    let verdict = server.check(
        &verifier,
        &cognate_srp::PasswordVerifierAnswer {
            srp_a: state.srp_a.as_deref().unwrap_or(""),
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
    super::devices::touch(ctx, pool, &device.key)?;
    issue_tokens(ctx, pool, client, &user, Some(&device.key), None)
}
