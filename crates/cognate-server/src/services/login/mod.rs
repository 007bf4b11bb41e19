//! The login state machine: from the first credentials (`password`) through the challenges
//! that may follow (`challenges`) to tokens (`super::tokens`).
//!
//! Every `Session` is a [`ChallengeSession`] (its [`Step`] says which challenge it answers) sealed with AES-256-GCM; it expires after the app
//! client's `AuthSessionValidity` minutes ("Invalid session for the user, session is expired.")
//! and is consumed once, atomically, when it is answered or used for the next step, so a replay
//! is refused ("Invalid session for the user.").

pub(crate) mod answer;
pub(crate) mod challenges;
pub(crate) mod choice;
pub(crate) mod custom;
pub(crate) mod decoy;
pub(crate) mod passkey;
pub(crate) mod password;
pub(crate) mod state;

pub(crate) use answer::Answer;
pub(crate) use state::{ChallengeResult, ChallengeSession, Finish, Step};

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Ctx;
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool};
use crate::secret_block::Purpose;
use crate::services::clients::check_secret_hash;
use crate::store::RecordKind;

pub(crate) fn param<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::invalid(format!("Missing required parameter {name}")))
}

/// Record kind of consumed session ids (scope = pool id).
pub(crate) const USED: RecordKind = RecordKind::UsedSession;

/// Record kind of the pending device challenge of a device key, for clients (pycognito) that
/// answer `DEVICE_SRP_AUTH` without the `Session`.
pub(crate) const DEVICE_PENDING: RecordKind = RecordKind::DeviceChallenge;

pub(crate) fn invalid_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user.")
}

pub(crate) fn expired_session() -> ApiError {
    ApiError::not_authorized("Invalid session for the user, session is expired.")
}

/// Seals a new session for `state` (a fresh id, issued now).
pub(crate) fn issue(ctx: &Ctx, mut state: ChallengeSession) -> String {
    state.id = crate::ids::uuid();
    state.issued = ctx.now();
    ctx.sealer.seal(Purpose::Challenge, &state)
}

/// A new session state for `user` at `step` (its id and time are set when it is issued).
pub(crate) fn state_for(
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device_key: Option<&str>,
    step: Step,
) -> ChallengeSession {
    ChallengeSession {
        id: String::new(),
        pool: pool.id.clone(),
        client: client.id.clone(),
        user: user.username.clone(),
        issued: 0,
        device_key: device_key.map(str::to_owned),
        step,
        finish: Finish::Tokens,
    }
}

/// The same login at its next step, in a new session.
pub(crate) fn next_step(state: &ChallengeSession, step: Step) -> ChallengeSession {
    ChallengeSession {
        step,
        ..state.clone()
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

pub(crate) fn check_state(
    ctx: &Ctx,
    client: &AppClient,
    state: &ChallengeSession,
    expect: &[&str],
) -> Result<(), ApiError> {
    if !expect.contains(&state.step.name()) {
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
    if won { Ok(()) } else { Err(invalid_session()) }
}

/// The user a session names, still enabled.
pub(crate) fn session_user(ctx: &Ctx, state: &ChallengeSession) -> Result<User, ApiError> {
    let user = ctx
        .store
        .user_get(&state.pool, &state.user)?
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    Ok(user)
}

pub(crate) fn answer_secret_hash(
    client: &AppClient,
    answers: &HashMap<String, String>,
    state: &ChallengeSession,
) -> Result<(), ApiError> {
    // The hosted pages' sessions never leave the server unsealed, and have no SECRET_HASH.
    if state.finish == Finish::Hosted {
        return Ok(());
    }
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
