//! Auth events (pools with threat protection, `AUDIT` or `ENFORCED`, only — as in Cognito):
//! every sign-in of a user recorded with its outcome (a login that ends with
//! tokens passes; a wrong password fails), as AdminListUserAuthEvents lists them, with the
//! feedback an admin (AdminUpdateAuthEventFeedback) or the user (UpdateAuthEventFeedback, with
//! the event's feedback token) gives. Events are kept 90 days.
//!
//! Threat protection is configuration here: no risk is scored (`NoRisk`, `Low`), nothing is
//! blocked.

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::store::RecordKind;

const KIND: RecordKind = RecordKind::AuthEvent;

/// How long events are kept.
pub(crate) const KEEP_SECS: i64 = 90 * 86_400;

/// An event as stored.
#[derive(Serialize, Deserialize)]
pub(crate) struct Stored {
    pub(crate) username: String,
    pub(crate) sub: String,
    /// The token UpdateAuthEventFeedback must present.
    pub(crate) feedback_token: String,
    /// When it may be purged.
    pub(crate) expires: i64,
    pub(crate) event: t::AuthEventType,
}

/// Records an event of `user`.
pub(crate) fn record(
    ctx: &Ctx,
    pool_id: &str,
    user: &User,
    kind: t::EventType,
    response: t::EventResponseType,
    password: Option<bool>,
) -> Result<(), ApiError> {
    let id = crate::ids::uuid();
    let now = ctx.now();
    let challenge = password.map(|ok| {
        vec![t::ChallengeResponseType {
            challenge_name: Some(t::ChallengeName::Password),
            challenge_response: Some(if ok {
                t::ChallengeResponse::Success
            } else {
                t::ChallengeResponse::Failure
            }),
        }]
    });
    let stored = Stored {
        username: user.username.clone(),
        sub: user.sub.clone(),
        feedback_token: crate::ids::uuid(),
        expires: now + KEEP_SECS,
        event: t::AuthEventType {
            event_id: Some(id.clone()),
            event_type: Some(kind),
            creation_date: Some(now as f64),
            event_response: Some(response),
            event_risk: Some(t::EventRiskType {
                risk_decision: Some(t::RiskDecisionType::NoRisk),
                risk_level: Some(t::RiskLevelType::Low),
                compromised_credentials_detected: Some(false),
            }),
            challenge_responses: challenge,
            event_context_data: None,
            event_feedback: None,
        },
    };
    let v = serde_json::to_value(&stored).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.doc_put(KIND, pool_id, &id, &v)?;
    Ok(())
}

/// Whether `pool` records auth events: only with threat protection (`AUDIT` or `ENFORCED`),
/// as in Cognito — and no write per sign-in otherwise.
fn records(pool: &UserPool) -> bool {
    check_add_on(pool).is_ok()
}

/// A successful sign-in (tokens issued).
pub(crate) fn signed_in(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<(), ApiError> {
    if !records(pool) {
        return Ok(());
    }
    record(
        ctx,
        &pool.id,
        user,
        t::EventType::SignIn,
        t::EventResponseType::Pass,
        Some(true),
    )
}

/// A failed sign-in (wrong password) of the user named `username`, if they exist.
pub(crate) fn sign_in_failed(ctx: &Ctx, pool_id: &str, username: &str) -> Result<(), ApiError> {
    if !records(&ctx.pool(pool_id)?) {
        return Ok(());
    }
    if let Some(user) = ctx.store.user_get(pool_id, username)? {
        record(
            ctx,
            pool_id,
            &user,
            t::EventType::SignIn,
            t::EventResponseType::Fail,
            Some(false),
        )?;
    }
    Ok(())
}

/// The events of `user`, newest first.
pub(crate) fn of_user(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Vec<Stored>, ApiError> {
    let mut out: Vec<Stored> = ctx
        .store
        .doc_list(KIND, &pool.id)?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_value::<Stored>(v).ok())
        .filter(|s| s.username == user.username && s.sub == user.sub)
        .collect();
    out.reverse();
    Ok(out)
}

/// Records feedback on event `id` of `user`; `token` is the user's feedback token (none for an
/// admin).
pub(crate) fn feedback(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    id: &str,
    value: t::FeedbackValueType,
    token: Option<&str>,
) -> Result<(), ApiError> {
    let not_found = || {
        ApiError::new(
            E::ResourceNotFoundException,
            format!("Auth event {id} does not exist."),
        )
    };
    let v = ctx
        .store
        .doc_get(KIND, &pool.id, id)?
        .ok_or_else(not_found)?;
    let mut stored: Stored = serde_json::from_value(v).map_err(|_| not_found())?;
    if stored.username != user.username || stored.sub != user.sub {
        return Err(not_found());
    }
    if let Some(token) = token {
        use subtle::ConstantTimeEq;
        if !bool::from(stored.feedback_token.as_bytes().ct_eq(token.as_bytes())) {
            return Err(ApiError::not_authorized("Invalid feedback token."));
        }
    }
    stored.event.event_feedback = Some(t::EventFeedbackType {
        feedback_value: value,
        provider: if token.is_some() { "User" } else { "Admin" }.to_owned(),
        feedback_date: Some(ctx.now() as f64),
    });
    let v = serde_json::to_value(&stored).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.doc_put(KIND, &pool.id, id, &v)?;
    Ok(())
}

/// Whether the pool has threat protection (`UserPoolAddOns.AdvancedSecurityMode` `AUDIT` or
/// `ENFORCED`), which auth events and risk configuration need, as in Cognito.
pub(crate) fn check_add_on(pool: &UserPool) -> Result<(), ApiError> {
    let mode = pool
        .extra
        .get("UserPoolAddOns")
        .and_then(|a| a.get("AdvancedSecurityMode"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("OFF");
    if mode == "AUDIT" || mode == "ENFORCED" {
        Ok(())
    } else {
        Err(ApiError::new(
            E::UserPoolAddOnNotEnabledException,
            "Threat protection (UserPoolAddOns AdvancedSecurityMode AUDIT or ENFORCED) is not enabled for this user pool.",
        ))
    }
}
