//! The operations' handlers, one module per area: each takes a validated request, calls the
//! services (`crate::services`) and shapes the answer. What they share is here: dispatch
//! ([`call`]), the typed request and response ([`typed`], [`reply`]), pagination tokens and the
//! `User` shape. Handlers never import each other.
//!
//! Every handler takes its operation's generated request type (`cognate_model::idp::types`,
//! `cognate_model::identity::types`), deserialized from the body after `wire` validated it
//! against the same model, so a member they read is there, of its type, in its range and enum.

pub(crate) mod account;
pub(crate) mod attributes;
pub(crate) mod auth;
pub(crate) mod branding;
pub(crate) mod client_secrets;
pub(crate) mod clients;
pub(crate) mod devices;
pub(crate) mod extended;
pub(crate) mod groups;
pub(crate) mod identity;
pub(crate) mod identity_admin;
pub(crate) mod imports;
pub(crate) mod mfa;
pub(crate) mod oauth;
pub(crate) mod passkeys;
pub(crate) mod pool_config;
pub(crate) mod pools;
pub(crate) mod risk;
pub(crate) mod schema_tags;
pub(crate) mod self_service;
pub(crate) mod sessions;
pub(crate) mod signout;
pub(crate) mod users;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::Operation;

use cognate_model::idp::types as t;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, Exception};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::model::{User, UserPool, UserStatus};
use crate::services::Ctx;
use crate::services::mfa::UserFactors;

/// Runs user-pool operation `op` on its validated request, with what the request tells the
/// pool's Lambda triggers (its `ClientId` and `ClientMetadata`).
pub(crate) fn call(ctx: &Ctx, op: Operation, body: Map<String, Value>) -> Result<Value, ApiError> {
    let scope = crate::services::triggers::Scope::of_request(&body);
    crate::services::triggers::scoped(scope, || dispatch(ctx, op, body))
}

fn dispatch(ctx: &Ctx, op: Operation, body: Map<String, Value>) -> Result<Value, ApiError> {
    match op {
        Operation::CreateUserPool => pools::create(ctx, typed(&body)?, &body, None),
        Operation::DescribeUserPool => pools::describe(ctx, typed(&body)?),
        Operation::ListUserPools => pools::list(ctx, typed(&body)?),
        Operation::UpdateUserPool => pools::update(ctx, typed(&body)?, &body),
        Operation::DeleteUserPool => pools::delete(ctx, typed(&body)?),
        Operation::CreateUserPoolClient => clients::create(ctx, typed(&body)?, &body, None),
        Operation::DescribeUserPoolClient => clients::describe(ctx, typed(&body)?),
        Operation::ListUserPoolClients => clients::list(ctx, typed(&body)?),
        Operation::UpdateUserPoolClient => clients::update(ctx, typed(&body)?, &body),
        Operation::DeleteUserPoolClient => clients::delete(ctx, typed(&body)?),
        Operation::AdminCreateUser => users::admin_create(ctx, typed(&body)?),
        Operation::AdminSetUserPassword => users::admin_set_password(ctx, typed(&body)?),
        Operation::AdminGetUser => users::admin_get(ctx, typed(&body)?),
        Operation::ListUsers => users::list(ctx, typed(&body)?),
        Operation::AdminDeleteUser => users::admin_delete(ctx, typed(&body)?),
        Operation::AdminUpdateUserAttributes => users::admin_update_attributes(ctx, typed(&body)?),
        Operation::AdminDeleteUserAttributes => users::admin_delete_attributes(ctx, typed(&body)?),
        Operation::AdminDisableUser => users::admin_disable(ctx, typed(&body)?),
        Operation::AdminEnableUser => users::admin_enable(ctx, typed(&body)?),
        Operation::AdminConfirmSignUp => users::admin_confirm_sign_up(ctx, typed(&body)?),
        Operation::InitiateAuth => auth::initiate_auth(ctx, typed(&body)?),
        Operation::AdminInitiateAuth => auth::admin_initiate_auth(ctx, typed(&body)?),
        Operation::RespondToAuthChallenge => auth::respond_to_auth_challenge(ctx, typed(&body)?),
        Operation::AdminRespondToAuthChallenge => {
            auth::admin_respond_to_auth_challenge(ctx, typed(&body)?)
        }
        Operation::GetTokensFromRefreshToken => {
            auth::get_tokens_from_refresh_token(ctx, typed(&body)?)
        }
        Operation::GetUser => auth::get_user(ctx, typed(&body)?),
        Operation::RevokeToken => auth::revoke_token(ctx, typed(&body)?),
        Operation::AssociateSoftwareToken => mfa::associate_software_token(ctx, typed(&body)?),
        Operation::VerifySoftwareToken => mfa::verify_software_token(ctx, typed(&body)?),
        Operation::SetUserMFAPreference => mfa::set_user_mfa_preference(ctx, typed(&body)?),
        Operation::AdminSetUserMFAPreference => {
            mfa::admin_set_user_mfa_preference(ctx, typed(&body)?)
        }
        Operation::SetUserPoolMfaConfig => mfa::set_user_pool_mfa_config(ctx, typed(&body)?, &body),
        Operation::GetUserPoolMfaConfig => mfa::get_user_pool_mfa_config(ctx, typed(&body)?),
        Operation::StartWebAuthnRegistration => passkeys::start(ctx, typed(&body)?),
        Operation::CompleteWebAuthnRegistration => passkeys::complete(ctx, typed(&body)?),
        Operation::ListWebAuthnCredentials => passkeys::list(ctx, typed(&body)?),
        Operation::DeleteWebAuthnCredential => passkeys::delete(ctx, typed(&body)?),
        Operation::GetUserAuthFactors => passkeys::get_factors(ctx, typed(&body)?),
        Operation::AdminGetUserAuthFactors => passkeys::admin_get_factors(ctx, typed(&body)?),
        Operation::ConfirmDevice => devices::confirm_device(ctx, typed(&body)?),
        Operation::UpdateDeviceStatus => devices::update_device_status(ctx, typed(&body)?),
        Operation::GetDevice => devices::get_device(ctx, typed(&body)?),
        Operation::ListDevices => devices::list_devices(ctx, typed(&body)?),
        Operation::ForgetDevice => devices::forget_device(ctx, typed(&body)?),
        Operation::AdminGetDevice => devices::admin_get_device(ctx, typed(&body)?),
        Operation::AdminListDevices => devices::admin_list_devices(ctx, typed(&body)?),
        Operation::AdminForgetDevice => devices::admin_forget_device(ctx, typed(&body)?),
        Operation::AdminUpdateDeviceStatus => {
            devices::admin_update_device_status(ctx, typed(&body)?)
        }
        Operation::SignUp => account::sign_up(ctx, typed(&body)?),
        Operation::ConfirmSignUp => account::confirm_sign_up(ctx, typed(&body)?),
        Operation::ResendConfirmationCode => account::resend_confirmation_code(ctx, typed(&body)?),
        Operation::ForgotPassword => account::forgot_password(ctx, typed(&body)?),
        Operation::ConfirmForgotPassword => account::confirm_forgot_password(ctx, typed(&body)?),
        Operation::ChangePassword => attributes::change_password(ctx, typed(&body)?),
        Operation::AdminResetUserPassword => account::admin_reset_user_password(ctx, typed(&body)?),
        Operation::UpdateUserAttributes => attributes::update_user_attributes(ctx, typed(&body)?),
        Operation::GetUserAttributeVerificationCode => {
            attributes::get_user_attribute_verification_code(ctx, typed(&body)?)
        }
        Operation::VerifyUserAttribute => attributes::verify_user_attribute(ctx, typed(&body)?),
        Operation::GlobalSignOut => signout::global_sign_out(ctx, typed(&body)?),
        Operation::AdminUserGlobalSignOut => {
            signout::admin_user_global_sign_out(ctx, typed(&body)?)
        }
        Operation::CreateGroup => groups::create(ctx, typed(&body)?),
        Operation::GetGroup => groups::get(ctx, typed(&body)?),
        Operation::ListGroups => groups::list(ctx, typed(&body)?),
        Operation::UpdateGroup => groups::update(ctx, typed(&body)?),
        Operation::DeleteGroup => groups::delete(ctx, typed(&body)?),
        Operation::AdminAddUserToGroup => groups::admin_add_user(ctx, typed(&body)?),
        Operation::AdminRemoveUserFromGroup => groups::admin_remove_user(ctx, typed(&body)?),
        Operation::AdminListGroupsForUser => groups::admin_list_for_user(ctx, typed(&body)?),
        Operation::ListUsersInGroup => groups::list_users(ctx, typed(&body)?),
        Operation::CreateUserPoolDomain => oauth::create_domain(ctx, typed(&body)?),
        Operation::DescribeUserPoolDomain => oauth::describe_domain(ctx, typed(&body)?),
        Operation::UpdateUserPoolDomain => oauth::update_domain(ctx, typed(&body)?),
        Operation::DeleteUserPoolDomain => oauth::delete_domain(ctx, typed(&body)?),
        Operation::CreateResourceServer => oauth::create_resource_server(ctx, typed(&body)?),
        Operation::DescribeResourceServer => oauth::describe_resource_server(ctx, typed(&body)?),
        Operation::ListResourceServers => oauth::list_resource_servers(ctx, typed(&body)?),
        Operation::UpdateResourceServer => oauth::update_resource_server(ctx, typed(&body)?),
        Operation::DeleteResourceServer => oauth::delete_resource_server(ctx, typed(&body)?),
        Operation::CreateIdentityProvider => oauth::create_identity_provider(ctx, typed(&body)?),
        Operation::DescribeIdentityProvider => {
            oauth::describe_identity_provider(ctx, typed(&body)?)
        }
        Operation::GetIdentityProviderByIdentifier => {
            oauth::get_identity_provider_by_identifier(ctx, typed(&body)?)
        }
        Operation::ListIdentityProviders => oauth::list_identity_providers(ctx, typed(&body)?),
        Operation::UpdateIdentityProvider => oauth::update_identity_provider(ctx, typed(&body)?),
        Operation::DeleteIdentityProvider => oauth::delete_identity_provider(ctx, typed(&body)?),
        Operation::AdminLinkProviderForUser => oauth::admin_link_provider(ctx, typed(&body)?),
        Operation::AdminDisableProviderForUser => oauth::admin_disable_provider(ctx, typed(&body)?),
        _ => extended::call(ctx, op, &body).unwrap_or_else(|| {
            Err(not_implemented(
                op.name(),
                op.errors().iter().map(|e| e.name()),
            ))
        }),
    }
}

/// Runs identity-pool operation `op` on its validated request: the identities' administration
/// (`identity_admin`), else the identity pools and credentials (`identity`).
pub(crate) fn identity_call(
    ctx: &Ctx,
    op: cognate_model::identity::Operation,
    body: Map<String, Value>,
) -> Result<Value, ApiError> {
    match identity_admin::call(ctx, op, &body) {
        Some(outcome) => outcome,
        None => identity::call(ctx, op, body),
    }
}

/// The answer of a modeled operation that cognate does not implement yet: a modeled error of
/// that operation (`UnsupportedOperationException` where the model lists it, otherwise
/// `InvalidParameterException`) that says so.
pub(crate) fn not_implemented<'a>(
    op: &str,
    mut modeled: impl Iterator<Item = &'a str> + Clone,
) -> ApiError {
    let message = format!("cognate serve does not implement {op} yet.");
    if modeled
        .clone()
        .any(|e| e == "UnsupportedOperationException")
    {
        ApiError::new(E::UnsupportedOperationException, message)
    } else if modeled.any(|e| e == "InvalidParameterException") {
        ApiError::invalid(message)
    } else {
        ApiError::internal(message)
    }
}

/// The validated body `body` as the operation's request type `T`.
///
/// `wire` checked the body against the model first (types, required members, enums, ranges),
/// so this does not fail unless the generated type and the validator disagree, a defect of
/// cognate: that is answered as the `SerializationException` of a wrong JSON type.
pub(crate) fn typed<T: DeserializeOwned>(body: &Map<String, Value>) -> Result<T, ApiError> {
    T::deserialize(body).map_err(|e| {
        // The type's name only: serde's message may quote a member's value (a password).
        tracing::error!(
            shape = std::any::type_name::<T>(),
            "cognate defect: a validated request does not deserialize into its generated type"
        );
        ApiError::new(Exception::Serialization, e.to_string())
    })
}

/// The body of a typed response (`cognate_model::idp::types::*Response`).
pub(crate) fn reply<T: Serialize>(resp: &T) -> Result<Value, ApiError> {
    serde_json::to_value(resp).map_err(|e| ApiError::internal(e.to_string()))
}

/// As [`reply`], with the timestamps in whole seconds: the model's `Timestamp` is an `f64`
/// (`1700000000.0` once serialized), while cognate stores whole seconds and has always sent
/// these dates as JSON integers (`1700000000`). Every floating-point member of the `cognito-idp`
/// model is a timestamp, so every whole float of the answer becomes an integer. (GroupType's
/// dates have always been sent as floats; its answers use [`reply`].)
pub(crate) fn reply_whole_seconds<T: Serialize>(resp: &T) -> Result<Value, ApiError> {
    fn walk(v: &mut Value) {
        match v {
            Value::Number(n) => {
                if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                    && f.fract() == 0.0
                    && f.abs() < 9.0e15
                {
                    *v = Value::from(f as i64);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(m) => m.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = reply(resp)?;
    walk(&mut v);
    Ok(v)
}

/// Stored seconds as the model's `Timestamp`.
pub(crate) fn timestamp(secs: i64) -> cognate_model::Timestamp {
    secs as f64
}

/// `NextToken`/`PaginationToken`: base64 of an offset.
pub(crate) fn parse_offset(token: Option<&str>) -> Result<u64, ApiError> {
    match token {
        None => Ok(0),
        Some(t) => STANDARD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
            .ok_or_else(|| ApiError::invalid("Invalid pagination token")),
    }
}

pub(crate) fn offset_token(offset: u64) -> String {
    STANDARD.encode(format!("offset:{offset}"))
}

/// Attributes as the model lists them.
pub(crate) fn attribute_types(attrs: &[(String, String)]) -> Vec<t::AttributeType> {
    attrs
        .iter()
        .map(|(name, value)| t::AttributeType {
            name: name.clone(),
            value: Some(value.clone()),
        })
        .collect()
}

/// Attributes of a request as name and value (an absent value is empty).
pub(crate) fn attribute_pairs(attrs: &[t::AttributeType]) -> Vec<(String, String)> {
    attrs
        .iter()
        .map(|a| (a.name.clone(), a.value.clone().unwrap_or_default()))
        .collect()
}

/// A stored user's status as the model names it.
pub(crate) fn user_status(status: UserStatus) -> t::UserStatusType {
    match status {
        UserStatus::Unconfirmed => t::UserStatusType::Unconfirmed,
        UserStatus::Confirmed => t::UserStatusType::Confirmed,
        UserStatus::ForceChangePassword => t::UserStatusType::ForceChangePassword,
        UserStatus::ResetRequired => t::UserStatusType::ResetRequired,
        UserStatus::ExternalProvider => t::UserStatusType::ExternalProvider,
    }
}

/// The `UserType` of AdminCreateUser, ListUsers and ListUsersInGroup (dates in whole seconds:
/// answer it with [`reply_whole_seconds`]).
pub(crate) fn user_type(user: &User) -> t::UserType {
    t::UserType {
        attributes: Some(attribute_types(&user.attribute_list())),
        enabled: Some(user.enabled),
        mfa_options: None,
        user_create_date: Some(timestamp(user.created)),
        user_last_modified_date: Some(timestamp(user.modified)),
        user_status: Some(user_status(user.status)),
        username: Some(user.username.clone()),
    }
}

/// A user's `UserMFASettingList` and `PreferredMfaSetting` (AdminGetUser, GetUser): each absent
/// when the user has none.
pub(crate) fn mfa_settings(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<(Option<Vec<String>>, Option<String>), ApiError> {
    let factors = UserFactors::load(ctx, pool, user)?;
    let enabled = factors.enabled(user);
    let preferred = factors
        .preferred()
        .filter(|p| enabled.contains(p))
        .map(|p| p.as_str().to_owned());
    let list =
        (!enabled.is_empty()).then(|| enabled.iter().map(|f| f.as_str().to_owned()).collect());
    Ok((list, preferred))
}

/// One page of `items` from a `NextToken` (base64 of an offset) and a `MaxResults` (default 60):
/// the page and the next page's token, if there is more.
pub(crate) fn page<T>(
    items: Vec<T>,
    max: Option<i32>,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let offset = parse_offset(token)?;
    let max = usize::try_from(max.unwrap_or(60).max(1)).unwrap_or(60);
    let total = items.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let page: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = start.saturating_add(max);
    Ok((page, (next < total).then(|| offset_token(next as u64))))
}
