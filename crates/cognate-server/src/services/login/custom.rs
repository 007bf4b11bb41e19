//! `CUSTOM_AUTH`: a sign-in whose steps the pool's DefineAuthChallenge trigger decides, with
//! challenges made by CreateAuthChallenge and answers checked by VerifyAuthChallengeResponse.
//!
//! InitiateAuth (`USERNAME`, and for SRP inside custom auth `CHALLENGE_NAME=SRP_A` with
//! `SRP_A`) → Define with the steps so far (`session`: `SRP_A` first when it was sent) →
//! `PASSWORD_VERIFIER` (the SRP proof, then Define again), `CUSTOM_CHALLENGE` (Create's
//! public parameters, plus `USERNAME`; the private ones and the steps so far are sealed in the
//! `Session`), tokens (`issueTokens`), or `NotAuthorizedException` (`failAuthentication`).
//! Each answer consumes its session; Verify's verdict joins the steps and Define decides again.
//! A second factor is not asked after custom authentication; a confirmed device still proves
//! itself.
//!
//! Through a client that prevents user-existence errors, a name no user has goes through the
//! same steps, as AWS documents: the triggers get `userNotFound: true` (and no attributes; a
//! real user's events say `false`), a `PASSWORD_VERIFIER` challenge looks like a real one and
//! is always refused, and tokens are never issued — "Incorrect username or password." where a
//! real user would have had them.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::idp::types::ChallengeNameType as C;

use super::{
    Answer, ChallengeResult, Step, answer_secret_hash, consume, invalid_session, issue, open,
    param, session_user, state_for,
};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::secret_block::{Purpose, SrpState};
use crate::services::Ctx;
use crate::services::clients::check_secret_hash;
use crate::services::triggers::events::{
    CreateResponse, CustomAuthRequest, DefineResponse, Source, Trigger, VerifyResponse,
};
use crate::services::triggers::{self, call, configured, user_attributes};
use crate::services::{tokens, users};
use crate::store::Change;

/// AWS's answer to `CUSTOM_AUTH` on a pool without the custom challenge triggers.
fn not_configured() -> ApiError {
    ApiError::invalid("Custom auth lambda trigger is not configured for the user pool.")
}

fn unusable() -> ApiError {
    ApiError::new(
        cognate_model::idp::ErrorKind::InvalidLambdaResponseException,
        "Unrecognizable lambda output",
    )
}

/// InitiateAuth / AdminInitiateAuth with `CUSTOM_AUTH`.
pub(crate) fn start(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    if configured(pool, Trigger::DefineAuthChallenge).is_none() {
        return Err(not_configured());
    }
    let username = param(params, "USERNAME")?;
    let secret_hash = params.get("SECRET_HASH").map(String::as_str);
    let hides = hides_users(client);
    let Some(user) = users::find(ctx, pool, username)? else {
        check_secret_hash(client, secret_hash, &[username])?;
        if !hides {
            return Err(ApiError::user_not_found());
        }
        triggers::pre_authentication_unknown(ctx, pool, username, &client.id)?;
        let stand_in = super::decoy::stand_in(ctx, pool, username);
        let (history, srp_a) = first_steps(params);
        let who = Who {
            user: &stand_in,
            unknown: true,
            hides,
        };
        return next(ctx, pool, client, who, None, history, srp_a, None);
    };
    check_secret_hash(client, secret_hash, &[username, &user.username])?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    if user.status == UserStatus::Unconfirmed {
        return Err(ApiError::new(
            cognate_model::idp::ErrorKind::UserNotConfirmedException,
            "User is not confirmed.",
        ));
    }
    triggers::pre_authentication(ctx, pool, &user, &client.id)?;
    let (history, srp_a) = first_steps(params);
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let who = Who {
        user: &user,
        unknown: false,
        hides,
    };
    next(ctx, pool, client, who, device_key, history, srp_a, None)
}

/// The steps before Define is first asked (`SRP_A` when the initiation starts SRP inside
/// custom authentication), and that `SRP_A`.
fn first_steps(params: &HashMap<String, String>) -> (Vec<ChallengeResult>, Option<&str>) {
    let srp_a = params.get("SRP_A").map(String::as_str);
    let mut history = Vec::new();
    if srp_a.is_some() || params.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A") {
        history.push(ChallengeResult {
            challenge_name: "SRP_A".into(),
            challenge_result: true,
            challenge_metadata: None,
        });
    }
    (history, srp_a)
}

fn hides_users(client: &AppClient) -> bool {
    client.prevent_user_existence_errors == "ENABLED"
}

/// Whom a custom sign-in is for.
#[derive(Clone, Copy)]
struct Who<'a> {
    /// The user, or the stand-in of an unknown name ([`super::decoy::stand_in`]).
    user: &'a User,
    /// The name matched no user.
    unknown: bool,
    /// The client prevents user-existence errors: the events carry `userNotFound`.
    hides: bool,
}

impl Who<'_> {
    /// The events' `userAttributes` (none for an unknown name).
    fn attributes(&self) -> triggers::events::Attributes {
        if self.unknown {
            triggers::events::Attributes::new()
        } else {
            user_attributes(self.user)
        }
    }

    /// The events' `userNotFound`.
    fn user_not_found(&self) -> Option<bool> {
        self.hides.then_some(self.unknown)
    }
}

/// Asks Define what follows `history`, and does it. `srp_a` is the `SRP_A` of the
/// initiation while the password may still be asked for; `claim` a use-once claim of the
/// answer that led here.
#[allow(clippy::too_many_arguments)]
fn next(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    who: Who<'_>,
    device_key: Option<&str>,
    history: Vec<ChallengeResult>,
    srp_a: Option<&str>,
    claim: Option<Change>,
) -> Result<Answer, ApiError> {
    let user = who.user;
    let metadata = triggers::scope().client_metadata;
    let request = CustomAuthRequest {
        user_attributes: who.attributes(),
        session: Some(history.clone()),
        challenge_name: None,
        private_challenge_parameters: None,
        challenge_answer: None,
        client_metadata: metadata.clone(),
        user_not_found: who.user_not_found(),
    };
    let define: DefineResponse = call(
        ctx,
        pool,
        Source::DefineAuthChallenge,
        &user.username,
        Some(&client.id),
        request,
    )?
    .ok_or_else(not_configured)?;
    if define.fail_authentication == Some(true) {
        tokens::spend(ctx, claim)?;
        return Err(ApiError::bad_credentials());
    }
    if define.issue_tokens == Some(true) {
        if who.unknown {
            tokens::spend(ctx, claim)?;
            return Err(ApiError::bad_credentials());
        }
        return super::challenges::proceed(
            ctx,
            pool,
            client,
            user,
            device_key,
            true,
            claim,
            super::Finish::Tokens,
        );
    }
    match define.challenge_name.as_deref() {
        Some("PASSWORD_VERIFIER") => {
            let srp_a = srp_a.ok_or_else(unusable)?;
            tokens::spend(ctx, claim)?;
            srp_challenge(ctx, pool, client, who, device_key, history, srp_a)
        }
        Some("CUSTOM_CHALLENGE") => {
            let request = CustomAuthRequest {
                user_attributes: who.attributes(),
                session: Some(history.clone()),
                challenge_name: Some("CUSTOM_CHALLENGE".into()),
                private_challenge_parameters: None,
                challenge_answer: None,
                client_metadata: metadata,
                user_not_found: who.user_not_found(),
            };
            let create: CreateResponse = call(
                ctx,
                pool,
                Source::CreateAuthChallenge,
                &user.username,
                Some(&client.id),
                request,
            )?
            .ok_or_else(not_configured)?;
            tokens::spend(ctx, claim)?;
            let mut shown = create.public_challenge_parameters.unwrap_or_default();
            shown.insert("USERNAME".into(), user.username.clone());
            let step = Step::CustomChallenge {
                history,
                private: create.private_challenge_parameters.unwrap_or_default(),
                metadata: create.challenge_metadata,
                unknown: who.unknown,
            };
            let session = issue(ctx, state_for(pool, client, user, device_key, step));
            Ok(Answer::challenge(C::CustomChallenge, Some(session), shown))
        }
        _ => Err(unusable()),
    }
}

/// The `PASSWORD_VERIFIER` challenge of SRP inside custom authentication: the same
/// parameters as after `USER_SRP_AUTH`, and a `Session` that carries the steps so far.
fn srp_challenge(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    who: Who<'_>,
    device_key: Option<&str>,
    history: Vec<ChallengeResult>,
    srp_a: &str,
) -> Result<Answer, ApiError> {
    if srp_a.is_empty()
        || srp_a.len() > cognate_srp::MAX_HEX_DIGITS
        || !srp_a.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::invalid("SRP_A is not valid hexadecimal"));
    }
    let user = who.user;
    // An unknown name's challenge looks like a real one and its answer is always refused
    // (`decoy`), as after USER_SRP_AUTH.
    let verifier = if who.unknown {
        super::decoy::decoy_verifier(ctx, pool, &user.username)?
    } else {
        crate::services::users::load_verifier(user)?
    };
    let mut rng = cognate_srp::os_rng();
    let server = cognate_srp::SrpServer::new(&mut rng, &verifier)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let state = SrpState {
        pool: pool.id.clone(),
        client: client.id.clone(),
        user: user.username.clone(),
        login: user.username.clone(),
        b: STANDARD.encode(server.secret().as_slice()),
        big_b: Some(STANDARD.encode(server.public_bytes())),
        srp_a: srp_a.to_owned(),
        issued: ctx.now(),
        decoy: who.unknown,
    };
    let block = ctx.sealer.seal(Purpose::PasswordVerifier, &state);
    let step = Step::CustomPasswordVerifier { history };
    let session = issue(ctx, state_for(pool, client, user, device_key, step));
    Ok(Answer::challenge(
        C::PasswordVerifier,
        Some(session),
        [
            ("SALT", verifier.salt().to_owned()),
            ("SECRET_BLOCK", block),
            ("SRP_B", server.srp_b()),
            ("USERNAME", user.username.clone()),
            ("USER_ID_FOR_SRP", user.username.clone()),
        ],
    ))
}

/// The custom authentication a `PASSWORD_VERIFIER` answer's `Session` continues, if it is one
/// (checked: sealed here, for this client, not expired, not used).
pub(crate) fn password_step(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
) -> Option<super::ChallengeSession> {
    let state = open(ctx, pool, client, session, &["PASSWORD_VERIFIER"]).ok()?;
    matches!(state.step, Step::CustomPasswordVerifier { .. }).then_some(state)
}

/// After a proven password inside custom authentication: the step joins the history and
/// Define decides again.
pub(crate) fn after_password(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    state: &super::ChallengeSession,
    claim: Option<Change>,
) -> Result<Answer, ApiError> {
    let Step::CustomPasswordVerifier { history } = &state.step else {
        return Err(invalid_session());
    };
    if state.user != user.username {
        return Err(invalid_session());
    }
    consume(ctx, client, state)?;
    let mut history = history.clone();
    history.push(ChallengeResult {
        challenge_name: "PASSWORD_VERIFIER".into(),
        challenge_result: true,
        challenge_metadata: None,
    });
    let who = Who {
        user,
        unknown: false,
        hides: hides_users(client),
    };
    next(
        ctx,
        pool,
        client,
        who,
        state.device_key.as_deref(),
        history,
        None,
        claim,
    )
}

/// RespondToAuthChallenge / AdminRespondToAuthChallenge with `CUSTOM_CHALLENGE`
/// (`USERNAME`, `ANSWER`).
pub(crate) fn answer(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let state = open(ctx, pool, client, session, &["CUSTOM_CHALLENGE"])?;
    answer_secret_hash(client, answers, &state)?;
    let Step::CustomChallenge {
        history,
        private,
        metadata,
        unknown,
    } = &state.step
    else {
        return Err(invalid_session());
    };
    let answer = param(answers, "ANSWER")?;
    let user = if *unknown {
        User {
            username: state.user.clone(),
            sub: state.user.clone(),
            ..super::decoy::stand_in(ctx, pool, &state.user)
        }
    } else {
        session_user(ctx, &state)?
    };
    consume(ctx, client, &state)?;
    let who = Who {
        user: &user,
        unknown: *unknown,
        hides: hides_users(client),
    };
    let request = CustomAuthRequest {
        user_attributes: who.attributes(),
        session: None,
        challenge_name: None,
        private_challenge_parameters: Some(private.clone()),
        challenge_answer: Some(answer.to_owned()),
        client_metadata: triggers::scope().client_metadata,
        user_not_found: who.user_not_found(),
    };
    let verdict: VerifyResponse = call(
        ctx,
        pool,
        Source::VerifyAuthChallengeResponse,
        &user.username,
        Some(&client.id),
        request,
    )?
    .ok_or_else(not_configured)?;
    let mut history = history.clone();
    history.push(ChallengeResult {
        challenge_name: "CUSTOM_CHALLENGE".into(),
        challenge_result: verdict.answer_correct == Some(true),
        challenge_metadata: metadata.clone(),
    });
    next(
        ctx,
        pool,
        client,
        who,
        state.device_key.as_deref(),
        history,
        None,
        None,
    )
}
