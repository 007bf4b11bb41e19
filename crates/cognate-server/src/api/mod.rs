//! The operations' handlers, one module per area: each takes a validated request, calls the
//! services (`crate::services`) and shapes the answer. What they share is here: dispatch
//! ([`call`]), request member access ([`Req`]), pagination tokens and the `User` shape.
//! Handlers never import each other.

pub(crate) mod account;
pub(crate) mod auth;
pub(crate) mod clients;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod identity;
pub(crate) mod mfa;
pub(crate) mod pools;
pub(crate) mod signout;
pub(crate) mod users;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::Operation;
use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::model::User;
use crate::services::Ctx;

/// Runs user-pool operation `op` on its validated request.
pub(crate) fn call(ctx: &Ctx, op: Operation, body: Map<String, Value>) -> Result<Value, ApiError> {
    let req = Req(body);
    match op {
        Operation::CreateUserPool => pools::create(ctx, &req, None),
        Operation::DescribeUserPool => pools::describe(ctx, &req),
        Operation::ListUserPools => pools::list(ctx, &req),
        Operation::UpdateUserPool => pools::update(ctx, &req),
        Operation::DeleteUserPool => pools::delete(ctx, &req),
        Operation::CreateUserPoolClient => clients::create(ctx, &req, None),
        Operation::DescribeUserPoolClient => clients::describe(ctx, &req),
        Operation::ListUserPoolClients => clients::list(ctx, &req),
        Operation::UpdateUserPoolClient => clients::update(ctx, &req),
        Operation::DeleteUserPoolClient => clients::delete(ctx, &req),
        Operation::AdminCreateUser => users::admin_create(ctx, &req),
        Operation::AdminSetUserPassword => users::admin_set_password(ctx, &req),
        Operation::AdminGetUser => users::admin_get(ctx, &req),
        Operation::ListUsers => users::list(ctx, &req),
        Operation::AdminDeleteUser => users::admin_delete(ctx, &req),
        Operation::AdminUpdateUserAttributes => users::admin_update_attributes(ctx, &req),
        Operation::AdminDeleteUserAttributes => users::admin_delete_attributes(ctx, &req),
        Operation::AdminDisableUser => users::admin_set_enabled(ctx, &req, false),
        Operation::AdminEnableUser => users::admin_set_enabled(ctx, &req, true),
        Operation::AdminConfirmSignUp => users::admin_confirm_sign_up(ctx, &req),
        Operation::InitiateAuth => auth::initiate(ctx, &req, false),
        Operation::AdminInitiateAuth => auth::initiate(ctx, &req, true),
        Operation::RespondToAuthChallenge => auth::respond(ctx, &req, false),
        Operation::AdminRespondToAuthChallenge => auth::respond(ctx, &req, true),
        Operation::GetTokensFromRefreshToken => auth::get_tokens_from_refresh_token(ctx, &req),
        Operation::GetUser => auth::get_user(ctx, &req),
        Operation::RevokeToken => auth::revoke_token(ctx, &req),
        Operation::AssociateSoftwareToken => mfa::associate_software_token(ctx, &req),
        Operation::VerifySoftwareToken => mfa::verify_software_token(ctx, &req),
        Operation::SetUserMFAPreference => mfa::set_user_mfa_preference(ctx, &req),
        Operation::AdminSetUserMFAPreference => mfa::admin_set_user_mfa_preference(ctx, &req),
        Operation::SetUserPoolMfaConfig => mfa::set_user_pool_mfa_config(ctx, &req),
        Operation::GetUserPoolMfaConfig => mfa::get_user_pool_mfa_config(ctx, &req),
        Operation::ConfirmDevice => devices::confirm_device(ctx, &req),
        Operation::UpdateDeviceStatus => devices::update_device_status(ctx, &req),
        Operation::GetDevice => devices::get_device(ctx, &req),
        Operation::ListDevices => devices::list_devices(ctx, &req),
        Operation::ForgetDevice => devices::forget_device(ctx, &req),
        Operation::AdminGetDevice => devices::admin_get_device(ctx, &req),
        Operation::AdminListDevices => devices::admin_list_devices(ctx, &req),
        Operation::AdminForgetDevice => devices::admin_forget_device(ctx, &req),
        Operation::AdminUpdateDeviceStatus => devices::admin_update_device_status(ctx, &req),
        Operation::SignUp => account::sign_up(ctx, &req),
        Operation::ConfirmSignUp => account::confirm_sign_up(ctx, &req),
        Operation::ResendConfirmationCode => account::resend_confirmation_code(ctx, &req),
        Operation::ForgotPassword => account::forgot_password(ctx, &req),
        Operation::ConfirmForgotPassword => account::confirm_forgot_password(ctx, &req),
        Operation::ChangePassword => account::change_password(ctx, &req),
        Operation::AdminResetUserPassword => account::admin_reset_user_password(ctx, &req),
        Operation::UpdateUserAttributes => account::update_user_attributes(ctx, &req),
        Operation::GetUserAttributeVerificationCode => {
            account::get_user_attribute_verification_code(ctx, &req)
        }
        Operation::VerifyUserAttribute => account::verify_user_attribute(ctx, &req),
        Operation::GlobalSignOut => signout::global_sign_out(ctx, &req),
        Operation::AdminUserGlobalSignOut => signout::admin_user_global_sign_out(ctx, &req),
        Operation::CreateGroup => groups::create(ctx, &req),
        Operation::GetGroup => groups::get(ctx, &req),
        Operation::ListGroups => groups::list(ctx, &req),
        Operation::UpdateGroup => groups::update(ctx, &req),
        Operation::DeleteGroup => groups::delete(ctx, &req),
        Operation::AdminAddUserToGroup => groups::admin_add_user(ctx, &req),
        Operation::AdminRemoveUserFromGroup => groups::admin_remove_user(ctx, &req),
        Operation::AdminListGroupsForUser => groups::admin_list_for_user(ctx, &req),
        Operation::ListUsersInGroup => groups::list_users(ctx, &req),
        _ => Err(not_implemented(
            op.name(),
            op.errors().iter().map(|e| e.name()),
        )),
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

/// A request body with typed, validated access to its members.
pub(crate) struct Req(pub Map<String, Value>);

fn wrong_type(field: &str, what: &str) -> ApiError {
    ApiError::invalid(format!("{field} must be {what}"))
}

impl Req {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    pub fn str(&self, field: &str) -> Result<&str, ApiError> {
        self.opt_str(field)?.ok_or_else(|| ApiError::missing(field))
    }

    pub fn opt_str(&self, field: &str) -> Result<Option<&str>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(field, "a string")),
        }
    }

    pub fn opt_bool(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(field, "a boolean")),
        }
    }

    pub fn opt_i64(&self, field: &str) -> Result<Option<i64>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(field, "an integer")),
        }
    }

    pub fn opt_obj(&self, field: &str) -> Result<Option<Req>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Req(m.clone()))),
            Some(_) => Err(wrong_type(field, "an object")),
        }
    }

    pub fn opt_str_list(&self, field: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| wrong_type(field, "a list of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(wrong_type(field, "a list of strings")),
        }
    }

    /// A map of strings (`AuthParameters`, `ChallengeResponses`).
    pub fn str_map(&self, field: &str) -> Result<HashMap<String, String>, ApiError> {
        match self.get(field) {
            None => Ok(HashMap::new()),
            Some(Value::Object(m)) => m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    v.as_str()
                        .map(|s| (k.clone(), s.to_owned()))
                        .ok_or_else(|| wrong_type(field, "a map of strings"))
                })
                .collect(),
            Some(_) => Err(wrong_type(field, "a map of strings")),
        }
    }

    /// A list of `{Name, Value}` attributes.
    pub fn attributes(&self, field: &str) -> Result<Vec<(String, String)>, ApiError> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    let name = item.get("Name").and_then(Value::as_str);
                    let value = item.get("Value").and_then(Value::as_str).unwrap_or("");
                    match name {
                        Some(n) => Ok((n.to_owned(), value.to_owned())),
                        None => Err(ApiError::missing(&format!("{field}.member.Name"))),
                    }
                })
                .collect(),
            Some(_) => Err(wrong_type(field, "a list of attributes")),
        }
    }
}

/// Attributes as Cognito lists them: `[{"Name": …, "Value": …}]`.
pub(crate) fn attribute_json(attrs: &[(String, String)]) -> Value {
    Value::Array(
        attrs
            .iter()
            .map(|(k, v)| serde_json::json!({"Name": k, "Value": v}))
            .collect(),
    )
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

/// The `User` shape of AdminCreateUser and ListUsers.
pub(crate) fn render_user(user: &User, attributes_field: &str) -> Value {
    json!({
        "Username": user.username,
        attributes_field: attribute_json(&user.attribute_list()),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    })
}
