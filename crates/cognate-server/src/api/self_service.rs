//! A user's own account, and the admin counterparts of it: DeleteUser, DeleteUserAttributes,
//! AdminDeleteSoftwareToken, SetUserSettings and AdminSetUserSettings (the legacy SMS MFA
//! switch that amazon-cognito-identity-js `enableMFA`/`disableMFA` use).

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;
use crate::services::tokens::token_user;
use crate::services::{account, users};

/// DeleteUser: the signed-in user deletes themselves (and with them their tokens, memberships
/// and MFA settings).
pub(crate) fn delete_user(ctx: &Ctx, req: t::DeleteUserRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    account::delete(ctx, &pool, &user)?;
    Ok(json!({}))
}

/// DeleteUserAttributes: the signed-in user removes attributes (within what the app client may
/// write).
pub(crate) fn delete_user_attributes(
    ctx: &Ctx,
    req: t::DeleteUserAttributesRequest,
) -> Result<Value, ApiError> {
    let (pool, client, user) = token_user(ctx, &req.access_token)?;
    let pairs: Vec<(String, String)> = req
        .user_attribute_names
        .iter()
        .map(|n| (n.clone(), String::new()))
        .collect();
    users::check_client_may_write(&client, &pairs)?;
    account::delete_attributes(ctx, &pool, user, &req.user_attribute_names)?;
    Ok(json!({}))
}

/// AdminDeleteSoftwareToken: forgets the user's TOTP authenticator.
pub(crate) fn admin_delete_software_token(
    ctx: &Ctx,
    req: t::AdminDeleteSoftwareTokenRequest,
) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, &req.user_pool_id, &req.username)?;
    account::delete_software_token(ctx, &pool, &user)?;
    Ok(json!({}))
}

/// SetUserSettings (AccessToken).
pub(crate) fn set_user_settings(
    ctx: &Ctx,
    req: t::SetUserSettingsRequest,
) -> Result<Value, ApiError> {
    let (pool, _, user) = token_user(ctx, &req.access_token)?;
    account::set_mfa_options(ctx, &pool, &user, &options(&req.mfa_options))?;
    Ok(json!({}))
}

/// AdminSetUserSettings.
pub(crate) fn admin_set_user_settings(
    ctx: &Ctx,
    req: t::AdminSetUserSettingsRequest,
) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, &req.user_pool_id, &req.username)?;
    account::set_mfa_options(ctx, &pool, &user, &options(&req.mfa_options))?;
    Ok(json!({}))
}

fn options(items: &[t::MFAOptionType]) -> Vec<account::MfaOption> {
    items
        .iter()
        .map(|o| account::MfaOption {
            sms: o.delivery_medium != Some(t::DeliveryMediumType::Email),
            attribute: o.attribute_name.clone(),
        })
        .collect()
}

fn admin_user(ctx: &Ctx, pool_id: &str, username: &str) -> Result<(UserPool, User), ApiError> {
    let pool = ctx.pool(pool_id)?;
    let user = users::get(ctx, &pool, username)?;
    Ok((pool, user))
}
