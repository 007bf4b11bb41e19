//! Threat protection (`services::auth_events`): Describe/SetRiskConfiguration (stored and
//! answered as modeled; nothing is enforced), AdminListUserAuthEvents (every sign-in with its
//! outcome), AdminUpdateAuthEventFeedback and UpdateAuthEventFeedback.

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{page, reply_whole_seconds, timestamp};
use crate::error::ApiError;
use crate::services::auth_events::{self, check_add_on};
use crate::services::config_docs::{self as docs, Collection};
use crate::services::{Ctx, users};

const ALL: &str = "ALL";

/// DescribeRiskConfiguration: the client's, else the pool's, else an empty one.
pub(crate) fn describe(
    ctx: &Ctx,
    req: t::DescribeRiskConfigurationRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    check_add_on(&pool)?;
    let client = match &req.client_id {
        Some(c) => Some(ctx.pool_client(&pool.id, c)?.id),
        None => None,
    };
    let mut found: Option<t::RiskConfigurationType> = None;
    if let Some(c) = &client {
        found = docs::get(ctx, &pool.id, Collection::Risk, c)?;
    }
    if found.is_none() {
        found = docs::get(ctx, &pool.id, Collection::Risk, ALL)?;
    }
    let risk = found.unwrap_or_else(|| t::RiskConfigurationType {
        user_pool_id: Some(pool.id.clone()),
        client_id: client,
        ..Default::default()
    });
    reply_whole_seconds(&t::DescribeRiskConfigurationResponse {
        risk_configuration: risk,
    })
}

/// SetRiskConfiguration: for a client, or the pool. Account-takeover notifications need their
/// sender (`NotifyConfiguration`), and an action that notifies needs the notification set.
pub(crate) fn set(ctx: &Ctx, req: t::SetRiskConfigurationRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    check_add_on(&pool)?;
    let client = match &req.client_id {
        Some(c) => Some(ctx.pool_client(&pool.id, c)?.id),
        None => None,
    };
    if let Some(ato) = &req.account_takeover_risk_configuration {
        let notifies = [
            &ato.actions.low_action,
            &ato.actions.medium_action,
            &ato.actions.high_action,
        ]
        .into_iter()
        .flatten()
        .any(|a| a.notify);
        if notifies && ato.notify_configuration.is_none() {
            return Err(ApiError::invalid(
                "NotifyConfiguration is required when an account takeover action notifies the user.",
            ));
        }
    }
    let risk = t::RiskConfigurationType {
        user_pool_id: Some(pool.id.clone()),
        client_id: client.clone(),
        compromised_credentials_risk_configuration: req.compromised_credentials_risk_configuration,
        account_takeover_risk_configuration: req.account_takeover_risk_configuration,
        risk_exception_configuration: req.risk_exception_configuration,
        last_modified_date: Some(timestamp(ctx.now())),
    };
    let key = client.as_deref().unwrap_or(ALL);
    docs::put(ctx, &pool.id, Collection::Risk, key, &risk)?;
    reply_whole_seconds(&t::SetRiskConfigurationResponse {
        risk_configuration: risk,
    })
}

/// AdminListUserAuthEvents: newest first.
pub(crate) fn list_events(
    ctx: &Ctx,
    req: t::AdminListUserAuthEventsRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    check_add_on(&pool)?;
    let user = users::get(ctx, &pool, &req.username)?;
    let all: Vec<t::AuthEventType> = auth_events::of_user(ctx, &pool, &user)?
        .into_iter()
        .map(|s| s.event)
        .collect();
    let (items, next_token) = page(all, req.max_results, req.next_token.as_deref())?;
    reply_whole_seconds(&t::AdminListUserAuthEventsResponse {
        auth_events: Some(items),
        next_token,
    })
}

/// AdminUpdateAuthEventFeedback.
pub(crate) fn admin_feedback(
    ctx: &Ctx,
    req: t::AdminUpdateAuthEventFeedbackRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    check_add_on(&pool)?;
    let user = users::get(ctx, &pool, &req.username)?;
    auth_events::feedback(ctx, &pool, &user, &req.event_id, req.feedback_value, None)?;
    Ok(json!({}))
}

/// UpdateAuthEventFeedback: with the event's feedback token.
pub(crate) fn feedback(
    ctx: &Ctx,
    req: t::UpdateAuthEventFeedbackRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    check_add_on(&pool)?;
    let user = users::get(ctx, &pool, &req.username)?;
    auth_events::feedback(
        ctx,
        &pool,
        &user,
        &req.event_id,
        req.feedback_value,
        Some(&req.feedback_token),
    )?;
    Ok(json!({}))
}
