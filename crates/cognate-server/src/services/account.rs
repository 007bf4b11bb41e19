//! What a user (or an admin for them) changes about an account beyond sign-up and passwords:
//! deleting it, deleting attributes, forgetting the TOTP authenticator, and the legacy
//! `MFAOptions` switch of SMS MFA.

use serde_json::{Value, json};

use super::Ctx;
use super::mfa::UserFactors;
use crate::error::ApiError;
use crate::model::{User, UserPool};

/// Deletes `user` with everything that goes with them (their tokens, memberships, lockout
/// counter, MFA settings and passkeys), in one unit.
pub(crate) fn delete(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<(), ApiError> {
    let groups = super::groups::names_of(ctx, pool, user)?;
    let mut changes = crate::store::cascade::delete_user(
        &pool.id,
        &user.username,
        groups.iter().map(String::as_str),
    );
    changes.extend(super::passkeys::deletion(ctx, pool, user)?);
    ctx.store.apply(changes)?;
    Ok(())
}

/// Removes attributes `names` of `user`: never `sub`, a required attribute, or the attribute
/// the pool signs in with.
pub(crate) fn delete_attributes(
    ctx: &Ctx,
    pool: &UserPool,
    mut user: User,
    names: &[String],
) -> Result<(), ApiError> {
    for n in names {
        let sign_in = pool.username_attributes.iter().any(|a| a == n);
        if pool.required_attributes.contains(n) || sign_in || n == "sub" {
            return Err(ApiError::invalid(format!(
                "Attributes did not conform to the schema: {n}: The attribute is required\n"
            )));
        }
    }
    for n in names {
        user.attributes.remove(n);
        // A removed email or phone number is no longer verified.
        if n == "email" || n == "phone_number" {
            user.attributes.remove(&format!("{n}_verified"));
        }
    }
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    Ok(())
}

/// Forgets the user's TOTP authenticator (secret, verification, preference).
pub(crate) fn delete_software_token(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<(), ApiError> {
    let mut uf = UserFactors::load(ctx, pool, user)?;
    for field in [
        "totp_secret",
        "totp_pending",
        "totp_verified",
        "totp_enabled",
        "totp_last_step",
    ] {
        uf.doc.remove(field);
    }
    if uf.doc.get("preferred").and_then(Value::as_str) == Some("SOFTWARE_TOKEN_MFA") {
        uf.doc.remove("preferred");
    }
    uf.save(ctx, pool, user)
}

/// One `MFAOptionType` of Set/AdminSetUserSettings.
pub(crate) struct MfaOption {
    /// `DeliveryMedium` is `SMS` (or absent).
    pub(crate) sms: bool,
    /// `AttributeName`.
    pub(crate) attribute: Option<String>,
}

/// The legacy `MFAOptions`: an SMS option on `phone_number` switches SMS MFA on, an empty list
/// switches it off. Only SMS can be set this way, as Cognito documents.
pub(crate) fn set_mfa_options(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    options: &[MfaOption],
) -> Result<(), ApiError> {
    if options.iter().any(|o| !o.sms) {
        return Err(ApiError::invalid(
            "Only SMS can be set as an MFA option with this operation.",
        ));
    }
    if let Some(other) = options
        .iter()
        .filter_map(|o| o.attribute.as_deref())
        .find(|a| *a != "phone_number")
    {
        return Err(ApiError::invalid(format!(
            "Invalid MFA option attribute {other}: SMS MFA is delivered to phone_number."
        )));
    }
    let enable = !options.is_empty();
    let mut uf = UserFactors::load(ctx, pool, user)?;
    uf.set("sms_enabled", json!(enable));
    if !enable && uf.doc.get("preferred").and_then(Value::as_str) == Some("SMS_MFA") {
        uf.doc.remove("preferred");
    }
    uf.save(ctx, pool, user)
}

/// The legacy `MFAOptions` of GetUser and AdminGetUser: SMS to `phone_number` while SMS MFA is
/// on for the user (however it was switched on), else none.
pub(crate) fn mfa_options(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<Option<Vec<cognate_model::idp::types::MFAOptionType>>, ApiError> {
    use cognate_model::idp::types as t;
    let uf = UserFactors::load(ctx, pool, user)?;
    let on = uf.flag("sms_enabled") && user.attributes.contains_key("phone_number");
    Ok(on.then(|| {
        vec![t::MFAOptionType {
            delivery_medium: Some(t::DeliveryMediumType::Sms),
            attribute_name: Some("phone_number".into()),
        }]
    }))
}
