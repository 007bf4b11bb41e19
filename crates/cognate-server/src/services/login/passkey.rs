//! The `WEB_AUTHN` first factor of `USER_AUTH`: the challenge (`CREDENTIAL_REQUEST_OPTIONS`)
//! and its answer (`CREDENTIAL`, an `AuthenticationResponseJSON`), checked by
//! [`crate::services::passkeys`]. No second factor follows a passkey.

use std::collections::HashMap;

use cognate_model::idp::types::ChallengeNameType as C;

use super::{
    Answer, Finish, Step, answer_secret_hash, consume, issue, open, param, session_user, state_for,
};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool};
use crate::services::{Ctx, passkeys};

/// Answers with the `WEB_AUTHN` challenge for `user`; the login ends as `finish` says (tokens
/// through the API, the authenticated user on the hosted pages).
pub(crate) fn challenge(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    params: &HashMap<String, String>,
    finish: Finish,
) -> Result<Answer, ApiError> {
    let (options, key) = passkeys::start_assertion(ctx, pool, user)?;
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let mut state = state_for(
        pool,
        client,
        user,
        device_key,
        Step::WebAuthn { pending: key },
    );
    state.finish = finish;
    let session = issue(ctx, state);
    Ok(Answer::challenge(
        C::WebAuthn,
        Some(session),
        [("CREDENTIAL_REQUEST_OPTIONS", options.to_string())],
    ))
}

/// RespondToAuthChallenge for `WEB_AUTHN`.
pub(crate) fn answer(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let state = open(ctx, pool, client, session, &["WEB_AUTHN"])?;
    answer_secret_hash(client, answers, &state)?;
    let Step::WebAuthn { pending } = &state.step else {
        return Err(super::invalid_session());
    };
    let credential = param(answers, "CREDENTIAL")?;
    if pending == super::decoy::PASSKEY {
        // A name no user has: refused as a wrong passkey, after the session is used up.
        consume(ctx, client, &state)?;
        return Err(passkeys::refuse_decoy_assertion(credential));
    }
    let user = session_user(ctx, &state)?;
    // The session is used up by any answer, right or wrong: its challenge is taken once.
    consume(ctx, client, &state)?;
    passkeys::finish_assertion(ctx, pool, &user, pending, credential)?;
    super::challenges::proceed(
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
