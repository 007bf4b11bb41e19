//! AdminCreateUser, AdminSetUserPassword, AdminGetUser, ListUsers, AdminDeleteUser,
//! AdminUpdateUserAttributes, AdminDeleteUserAttributes, AdminDisableUser, AdminEnableUser,
//! AdminConfirmSignUp; and finding a user by name or alias.

use cognate_model::idp::ErrorKind as E;
use std::collections::BTreeMap;

use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{attribute_pairs, attribute_types, mfa_settings, reply_whole_seconds, user_status};
use super::{timestamp, user_type};
use crate::error::ApiError;
use crate::model::{User, UserPool, UserStatus};
use crate::services::Ctx;
use crate::services::triggers::{
    self,
    events::{PreSignUpRequest, Source},
};
use crate::services::users::{
    check_attributes, get, logs_in_by_email, make_verifier, normalize_name,
};
use crate::store::{Alias, UserField, UserFilter};

/// Creates a user (AdminCreateUser, and seed files). `permanent`: the password is final.
pub(crate) fn create_user(
    ctx: &Ctx,
    pool: &UserPool,
    username: &str,
    attrs: Vec<(String, String)>,
    password: Option<&str>,
    permanent: bool,
) -> Result<User, ApiError> {
    check_attributes(pool, &attrs)?;
    let mut attributes: BTreeMap<String, String> = attrs.into_iter().collect();
    let sub = crate::ids::uuid();
    let internal =
        if logs_in_by_email(pool) || pool.username_attributes.iter().any(|a| a == "phone_number") {
            if username.contains('@') && logs_in_by_email(pool) {
                attributes.insert("email".into(), username.to_owned());
            } else if username.starts_with('+')
                && pool.username_attributes.iter().any(|a| a == "phone_number")
            {
                attributes.insert("phone_number".into(), username.to_owned());
            } else {
                return Err(ApiError::invalid(if logs_in_by_email(pool) {
                    "Username should be an email."
                } else {
                    "Username should be a phone number."
                }));
            }
            sub.clone()
        } else {
            normalize_name(pool, username)
        };
    if let Some(email) = attributes.get("email").cloned()
        && (logs_in_by_email(pool) || pool.alias_attributes.iter().any(|a| a == "email"))
    {
        let taken = ctx.store.user_by_alias(&pool.id, Alias::Email, &email)?;
        let conflicts = taken.iter().any(|u| {
            logs_in_by_email(pool)
                || u.attributes.get("email_verified").map(String::as_str) == Some("true")
        });
        if conflicts {
            return Err(ApiError::new(
                E::UsernameExistsException,
                "An account with the given email already exists.",
            ));
        }
    }
    for required in &pool.required_attributes {
        if !attributes.contains_key(required) {
            return Err(ApiError::invalid(format!(
                "Attributes did not conform to the schema: {required}: The attribute is required\n"
            )));
        }
    }
    let generated;
    let password = match password {
        Some(p) => p,
        None => {
            generated = crate::ids::temporary_password();
            &generated
        }
    };
    let verifier = make_verifier(pool, &internal, password)?;
    let now = ctx.now();
    let user = User {
        pool_id: pool.id.clone(),
        username: internal,
        sub,
        attributes,
        enabled: true,
        status: if permanent {
            UserStatus::Confirmed
        } else {
            UserStatus::ForceChangePassword
        },
        verifier: Some(verifier),
        created: now,
        modified: now,
        password_set: now,
    };
    if !ctx.store.user_insert(&user)? {
        return Err(ApiError::new(
            E::UsernameExistsException,
            "User account already exists",
        ));
    }
    Ok(user)
}

pub(crate) fn admin_create(ctx: &Ctx, req: t::AdminCreateUserRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let username = req.username.as_str();
    let attrs = attribute_pairs(req.user_attributes.as_deref().unwrap_or_default());
    let temporary = req.temporary_password.as_deref();
    let mediums = req.desired_delivery_mediums.as_deref().unwrap_or_default();
    if req.message_action == Some(t::MessageActionType::Resend) {
        let mut user = get(ctx, &pool, username)?;
        if user.status != UserStatus::ForceChangePassword {
            return Err(ApiError::new(
                E::UnsupportedUserStateException,
                "Resend not possible. User is not in FORCE_CHANGE_PASSWORD state",
            ));
        }
        // RESEND resets the temporary password (a new one unless one is given) and sends
        // the invitation again.
        let password = match temporary {
            Some(p) => p.to_owned(),
            None => crate::ids::temporary_password(),
        };
        user.verifier = Some(make_verifier(&pool, &user.username, &password)?);
        let now = ctx.now();
        user.password_set = now;
        user.modified = now;
        ctx.store.user_put(&user)?;
        invite(ctx, &pool, &user, mediums, &password)?;
        return created(&user);
    }
    let suppress = req.message_action == Some(t::MessageActionType::Suppress);
    let generated = match temporary {
        Some(_) => None,
        None => Some(crate::ids::temporary_password()),
    };
    let password = temporary.or(generated.as_deref());
    // PreSignUp_AdminCreateUser: only the attribute verification of its answer applies (an
    // administrator's user starts in FORCE_CHANGE_PASSWORD either way).
    let answer = triggers::pre_sign_up(
        ctx,
        &pool,
        Source::PreSignUpAdminCreateUser,
        username,
        None,
        PreSignUpRequest {
            user_attributes: attrs.iter().cloned().collect(),
            validation_data: req
                .validation_data
                .as_deref()
                .map(|v| attribute_pairs(v).into_iter().collect()),
            client_metadata: req.client_metadata.clone(),
        },
    )?;
    let mut attrs = attrs;
    for (flag, name) in [
        (answer.auto_verify_email, "email"),
        (answer.auto_verify_phone, "phone_number"),
    ] {
        let verified = format!("{name}_verified");
        if flag
            && attrs.iter().any(|(k, _)| k == name)
            && !attrs.iter().any(|(k, _)| *k == verified)
        {
            attrs.push((verified, "true".into()));
        }
    }
    let user = create_user(ctx, &pool, username, attrs, password, false)?;
    if !suppress {
        // The invitation carries the temporary password (generated or given), as Cognito's
        // does; without it a user created with a generated password could never sign in.
        invite(ctx, &pool, &user, mediums, password.unwrap_or_default())?;
    }
    created(&user)
}

/// AdminCreateUser's answer.
fn created(user: &User) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::AdminCreateUserResponse {
        user: Some(user_type(user)),
    })
}

/// Sends AdminCreateUser's invitation through the outbox: by the first of `mediums` (Cognito's
/// default is SMS) whose attribute the user has, else by the other; a user with neither gets
/// it in the outbox with no destination, so that a local tester can still find it.
fn invite(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    mediums: &[t::DeliveryMediumType],
    password: &str,
) -> Result<(), ApiError> {
    use crate::services::outbox::{Medium, Purpose};
    let mut order: Vec<Medium> = mediums
        .iter()
        .map(|m| match m {
            t::DeliveryMediumType::Email => Medium::Email,
            t::DeliveryMediumType::Sms => Medium::Sms,
        })
        .collect();
    if order.is_empty() {
        order.push(Medium::Sms);
    }
    for extra in [Medium::Sms, Medium::Email] {
        if !order.contains(&extra) {
            order.push(extra);
        }
    }
    let (medium, destination) = order
        .iter()
        .find_map(|m| user.attributes.get(m.attribute()).map(|d| (*m, d.as_str())))
        .unwrap_or((order[0], ""));
    crate::services::outbox::deliver(
        ctx,
        &pool.id,
        &user.username,
        Purpose::Invitation,
        medium,
        destination,
        password,
    )?;
    Ok(())
}

pub(crate) fn admin_set_password(
    ctx: &Ctx,
    req: t::AdminSetUserPasswordRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut user = get(ctx, &pool, &req.username)?;
    let permanent = req.permanent.unwrap_or(false);
    user.verifier = Some(make_verifier(&pool, &user.username, &req.password)?);
    user.status = if permanent {
        UserStatus::Confirmed
    } else {
        UserStatus::ForceChangePassword
    };
    let now = ctx.now();
    user.password_set = now;
    user.modified = now;
    ctx.store.user_put(&user)?;
    Ok(json!({}))
}

pub(crate) fn admin_get(ctx: &Ctx, req: t::AdminGetUserRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = get(ctx, &pool, &req.username)?;
    let (user_mfa_setting_list, preferred_mfa_setting) = mfa_settings(ctx, &pool, &user)?;
    reply_whole_seconds(&t::AdminGetUserResponse {
        enabled: Some(user.enabled),
        mfa_options: crate::services::account::mfa_options(ctx, &pool, &user)?,
        preferred_mfa_setting,
        user_attributes: Some(attribute_types(&user.attribute_list())),
        user_create_date: Some(timestamp(user.created)),
        user_last_modified_date: Some(timestamp(user.modified)),
        user_mfa_setting_list,
        user_status: Some(user_status(user.status)),
        username: user.username,
    })
}

fn parse_filter(text: &str) -> Result<UserFilter, ApiError> {
    let bad = || ApiError::invalid(format!("Error while parsing filter: {text}"));
    let (attr, rest, prefix) = if let Some((a, r)) = text.split_once("^=") {
        (a, r, true)
    } else if let Some((a, r)) = text.split_once('=') {
        (a, r, false)
    } else {
        return Err(bad());
    };
    let attribute = attr.trim().trim_matches('"');
    let rest = rest.trim();
    let value = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .ok_or_else(bad)?
        .to_owned();
    let field = match attribute {
        "username" => UserField::Username,
        "sub" => UserField::Sub,
        "cognito:user_status" => UserField::Status,
        "status" => UserField::Enabled,
        "email" | "phone_number" | "name" | "given_name" | "family_name" | "preferred_username" => {
            UserField::Attribute(attribute.to_owned())
        }
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid search attribute: {other}"
            )));
        }
    };
    Ok(UserFilter {
        field,
        prefix,
        value,
    })
}

pub(crate) fn list(ctx: &Ctx, req: t::ListUsersRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    // 0..=60, as the model's QueryLimitType checked; 0 means the default.
    let limit = req.limit.unwrap_or(60);
    let limit = if limit <= 0 { 60 } else { limit as u64 };
    let offset = super::parse_offset(req.pagination_token.as_deref())?;
    let wanted = req.attributes_to_get;
    let (page, more) = match req.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => {
            let filter = parse_filter(f)?;
            let mut page = ctx
                .store
                .user_search(&pool.id, &filter, offset, limit + 1)?;
            let more = page.len() as u64 > limit;
            page.truncate(limit as usize);
            (page, more)
        }
        None => {
            let mut page = ctx.store.user_list(&pool.id, offset, limit + 1)?;
            let more = page.len() as u64 > limit;
            page.truncate(limit as usize);
            (page, more)
        }
    };
    let users = page
        .iter()
        .map(|u| {
            let mut v = user_type(u);
            if let Some(w) = &wanted {
                let attrs: Vec<(String, String)> = u
                    .attribute_list()
                    .into_iter()
                    .filter(|(k, _)| w.contains(k))
                    .collect();
                v.attributes = Some(attribute_types(&attrs));
            }
            v
        })
        .collect();
    reply_whole_seconds(&t::ListUsersResponse {
        pagination_token: more.then(|| super::offset_token(offset.saturating_add(limit))),
        users: Some(users),
    })
}

pub(crate) fn admin_delete(ctx: &Ctx, req: t::AdminDeleteUserRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = get(ctx, &pool, &req.username)?;
    // The user, their tokens, memberships, lockout counter, MFA settings and passkeys: one unit.
    crate::services::account::delete(ctx, &pool, &user)?;
    Ok(json!({}))
}

pub(crate) fn admin_update_attributes(
    ctx: &Ctx,
    req: t::AdminUpdateUserAttributesRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut user = get(ctx, &pool, &req.username)?;
    let attrs = attribute_pairs(&req.user_attributes);
    check_attributes(&pool, &attrs)?;
    let sets_verified = attrs.iter().any(|(k, _)| k == "email_verified");
    for (k, v) in attrs {
        if k == "email" && user.attributes.get("email") != Some(&v) {
            if logs_in_by_email(&pool) || pool.alias_attributes.iter().any(|a| a == "email") {
                let taken = ctx.store.user_by_alias(&pool.id, Alias::Email, &v)?;
                if taken.iter().any(|u| u.username != user.username) {
                    return Err(ApiError::new(
                        E::AliasExistsException,
                        "An account with the given email already exists.",
                    ));
                }
            }
            if !sets_verified {
                user.attributes
                    .insert("email_verified".into(), "false".into());
            }
        }
        user.attributes.insert(k, v);
    }
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    Ok(json!({}))
}

pub(crate) fn admin_delete_attributes(
    ctx: &Ctx,
    req: t::AdminDeleteUserAttributesRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut user = get(ctx, &pool, &req.username)?;
    let names = req.user_attribute_names;
    for n in &names {
        if pool.required_attributes.contains(n)
            || (n == "email" && logs_in_by_email(&pool))
            || n == "sub"
        {
            return Err(ApiError::invalid(format!(
                "Attributes did not conform to the schema: {n}: The attribute is required\n"
            )));
        }
    }
    for n in names {
        user.attributes.remove(&n);
    }
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    Ok(json!({}))
}

/// AdminDisableUser.
pub(crate) fn admin_disable(ctx: &Ctx, req: t::AdminDisableUserRequest) -> Result<Value, ApiError> {
    set_enabled(ctx, &req.user_pool_id, &req.username, false)
}

/// AdminEnableUser.
pub(crate) fn admin_enable(ctx: &Ctx, req: t::AdminEnableUserRequest) -> Result<Value, ApiError> {
    set_enabled(ctx, &req.user_pool_id, &req.username, true)
}

fn set_enabled(ctx: &Ctx, pool_id: &str, username: &str, enabled: bool) -> Result<Value, ApiError> {
    let pool = ctx.pool(pool_id)?;
    let mut user = get(ctx, &pool, username)?;
    user.enabled = enabled;
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    Ok(json!({}))
}

pub(crate) fn admin_confirm_sign_up(
    ctx: &Ctx,
    req: t::AdminConfirmSignUpRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut user = get(ctx, &pool, &req.username)?;
    if user.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            user.status.as_str()
        )));
    }
    user.status = UserStatus::Confirmed;
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    triggers::post_confirmation(
        ctx,
        &pool,
        Source::PostConfirmationConfirmSignUp,
        &user,
        None,
        req.client_metadata.clone(),
    )?;
    Ok(json!({}))
}
