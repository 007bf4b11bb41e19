//! Passkeys and sign-in factors: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials, DeleteWebAuthnCredential (a signed-in user's access token), and
//! GetUserAuthFactors / AdminGetUserAuthFactors.

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{mfa_settings, offset_token, parse_offset, reply};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::login::choice::{FirstFactor, available};
use crate::services::tokens::token_user;
use crate::services::{Ctx, passkeys, users};

/// StartWebAuthnRegistration.
pub(crate) fn start(
    ctx: &Ctx,
    req: t::StartWebAuthnRegistrationRequest,
) -> Result<Value, ApiError> {
    let (pool, client, user) = token_user(ctx, &req.access_token)?;
    let options = passkeys::start_registration(ctx, &pool, &user, &client.id)?;
    Ok(json!({ "CredentialCreationOptions": options }))
}

/// CompleteWebAuthnRegistration.
pub(crate) fn complete(
    ctx: &Ctx,
    req: t::CompleteWebAuthnRegistrationRequest,
) -> Result<Value, ApiError> {
    let (pool, client, user) = token_user(ctx, &req.access_token)?;
    passkeys::complete_registration(ctx, &pool, &user, &client.id, &req.credential)?;
    Ok(json!({}))
}

/// ListWebAuthnCredentials (`MaxResults` 1 to 20, as the model says; 20 when not given).
pub(crate) fn list(ctx: &Ctx, req: t::ListWebAuthnCredentialsRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    let all = passkeys::credentials_of(ctx, &pool, &user)?;
    let offset = parse_offset(req.next_token.as_deref())?;
    let max = req.max_results.unwrap_or(20).clamp(1, 20) as usize;
    let page: Vec<Value> = all
        .iter()
        .skip(offset as usize)
        .take(max)
        .map(passkeys::describe)
        .collect();
    let mut out = json!({ "Credentials": page });
    let next = offset as usize + max;
    if next < all.len() {
        out["NextToken"] = json!(offset_token(next as u64));
    }
    Ok(out)
}

/// DeleteWebAuthnCredential.
pub(crate) fn delete(
    ctx: &Ctx,
    req: t::DeleteWebAuthnCredentialRequest,
) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    passkeys::delete(ctx, &pool, &user, &req.credential_id)?;
    Ok(json!({}))
}

/// GetUserAuthFactors.
pub(crate) fn get_factors(ctx: &Ctx, req: t::GetUserAuthFactorsRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    factors(ctx, &pool, user)
}

/// AdminGetUserAuthFactors.
pub(crate) fn admin_get_factors(
    ctx: &Ctx,
    req: t::AdminGetUserAuthFactorsRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = users::get(ctx, &pool, &req.username)?;
    factors(ctx, &pool, user)
}

/// The user's MFA settings and `ConfiguredUserAuthFactors`: the first factors of `USER_AUTH`
/// they can sign in with (as `SELECT_CHALLENGE` offers them, the two password ones as
/// `PASSWORD`).
fn factors(ctx: &Ctx, pool: &UserPool, user: User) -> Result<Value, ApiError> {
    let (user_mfa_setting_list, preferred_mfa_setting) = mfa_settings(ctx, pool, &user)?;
    let mut configured = Vec::new();
    for f in available(ctx, pool, &user)? {
        let factor = match f {
            FirstFactor::Password | FirstFactor::PasswordSrp => t::AuthFactorType::Password,
            FirstFactor::EmailOtp => t::AuthFactorType::EmailOtp,
            FirstFactor::SmsOtp => t::AuthFactorType::SmsOtp,
            FirstFactor::WebAuthn => t::AuthFactorType::WebAuthn,
        };
        if !configured.contains(&factor) {
            configured.push(factor);
        }
    }
    reply(&t::GetUserAuthFactorsResponse {
        configured_user_auth_factors: Some(configured),
        preferred_mfa_setting,
        user_mfa_setting_list,
        username: user.username,
    })
}
