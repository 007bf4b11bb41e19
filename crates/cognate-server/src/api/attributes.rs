//! A signed-in user's password and attributes: ChangePassword, UpdateUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute. Each is authorized by the user's
//! access token; the codes themselves: `services::codes`.

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde_json::Value;

use super::{attribute_pairs, reply};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;
use crate::services::codes::{CONFIRMATION_CODE_LIFETIME, issue_code, use_code};
use crate::services::outbox::{Medium, Purpose};
use crate::services::triggers::{self, events::Source};
use crate::services::users::{check_attributes, logs_in_by_email, make_verifier};
use crate::store::Alias;

pub(crate) fn change_password(ctx: &Ctx, req: t::ChangePasswordRequest) -> Result<Value, ApiError> {
    let proposed = req.proposed_password.as_str();
    let (pool, _, mut user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    // PreviousPassword is optional in the model since passwordless sign-in (2024): a user
    // without a password sets one without it; a user with one must give it.
    let Some(previous) = req.previous_password.as_deref() else {
        if user.verifier.is_some() {
            return Err(ApiError::missing("PreviousPassword"));
        }
        return set_password(ctx, &pool, &mut user, proposed);
    };
    let pool_name =
        cognate_srp::pool_name(&pool.id).map_err(|e| ApiError::internal(e.to_string()))?;
    let right = match &user.verifier {
        Some(stored) => {
            use base64::Engine;
            let v = base64::engine::general_purpose::STANDARD
                .decode(&stored.v)
                .map_err(|_| ApiError::internal("stored verifier is not base64"))?;
            cognate_srp::Verifier::from_parts(&stored.salt, &v)
                .map_err(|_| ApiError::internal("stored verifier rejected"))?
                .matches_password(pool_name, &user.username, previous)
                .unwrap_or(false)
        }
        None => false,
    };
    if !right {
        return Err(ApiError::bad_credentials());
    }
    set_password(ctx, &pool, &mut user, proposed)
}

/// ChangePassword's last step: `proposed` (checked against the pool's policy) becomes `user`'s
/// password.
fn set_password(
    ctx: &Ctx,
    pool: &UserPool,
    user: &mut User,
    proposed: &str,
) -> Result<Value, ApiError> {
    user.verifier = Some(make_verifier(pool, &user.username, proposed)?);
    let now = ctx.now();
    user.password_set = now;
    user.modified = now;
    ctx.store.user_put(user)?;
    reply(&t::ChangePasswordResponse {})
}

fn verifiable(attribute: &str) -> Option<Medium> {
    match attribute {
        "email" => Some(Medium::Email),
        "phone_number" => Some(Medium::Sms),
        _ => None,
    }
}

pub(crate) fn update_user_attributes(
    ctx: &Ctx,
    req: t::UpdateUserAttributesRequest,
) -> Result<Value, ApiError> {
    let attrs = attribute_pairs(&req.user_attributes);
    let (pool, client, mut user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    check_attributes(&pool, &attrs)?;
    crate::services::users::check_client_may_write(&client, &attrs)?;
    let mut to_verify = Vec::new();
    for (k, v) in attrs {
        if let Some(medium) = verifiable(&k)
            && user.attributes.get(&k) != Some(&v)
        {
            if medium == Medium::Email
                && (logs_in_by_email(&pool) || pool.alias_attributes.iter().any(|a| a == "email"))
            {
                let taken = ctx.store.user_by_alias(&pool.id, Alias::Email, &v)?;
                if taken.iter().any(|u| u.username != user.username) {
                    return Err(ApiError::new(
                        E::AliasExistsException,
                        "An account with the given email already exists.",
                    ));
                }
            }
            user.attributes
                .insert(format!("{k}_verified"), "false".into());
            if pool.auto_verified_attributes.contains(&k) {
                to_verify.push(medium);
            }
        }
        user.attributes.insert(k, v);
    }
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    let mut list = Vec::new();
    for medium in to_verify {
        let details = issue_code(
            ctx,
            &user,
            Purpose::VerifyAttribute,
            medium,
            CONFIRMATION_CODE_LIFETIME,
        )?;
        list.push(details.to_type());
    }
    reply(&t::UpdateUserAttributesResponse {
        code_delivery_details_list: Some(list),
    })
}

/// The attribute a verification names (`email` or `phone_number`, which `user` has), and the
/// medium of its code.
fn attribute_name<'a>(name: &'a str, user: &User) -> Result<(&'a str, Medium), ApiError> {
    let medium = verifiable(name).ok_or_else(|| {
        ApiError::invalid(format!("Invalid attribute name: {name} cannot be verified"))
    })?;
    if !user.attributes.contains_key(name) {
        return Err(ApiError::invalid(format!(
            "The user has no {name} to verify"
        )));
    }
    Ok((name, medium))
}

pub(crate) fn get_user_attribute_verification_code(
    ctx: &Ctx,
    req: t::GetUserAttributeVerificationCodeRequest,
) -> Result<Value, ApiError> {
    let (_, _, user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    let (_, medium) = attribute_name(&req.attribute_name, &user)?;
    let details = triggers::with_message_source(Source::MessageVerifyUserAttribute, || {
        issue_code(
            ctx,
            &user,
            Purpose::VerifyAttribute,
            medium,
            CONFIRMATION_CODE_LIFETIME,
        )
    })?;
    reply(&t::GetUserAttributeVerificationCodeResponse {
        code_delivery_details: Some(details.to_type()),
    })
}

pub(crate) fn verify_user_attribute(
    ctx: &Ctx,
    req: t::VerifyUserAttributeRequest,
) -> Result<Value, ApiError> {
    let (_, _, mut user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    let (name, _) = attribute_name(&req.attribute_name, &user)?;
    use_code(ctx, &user, Purpose::VerifyAttribute, name, &req.code)?;
    user.attributes
        .insert(format!("{name}_verified"), "true".into());
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    reply(&t::VerifyUserAttributeResponse {})
}
