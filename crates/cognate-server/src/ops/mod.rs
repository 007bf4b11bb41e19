//! The operations, one module per area, and what they share: the server context and request
//! field access that answers `InvalidParameterException` naming the field.

pub(crate) mod account;
pub(crate) mod auth;
pub(crate) mod challenge;
pub(crate) mod clients;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod identity;
pub(crate) mod lockout;

pub(crate) use lockout::AttemptGate;
pub(crate) mod mfa;
pub(crate) mod pools;
pub(crate) mod signout;
pub(crate) mod users;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::Operation;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::error::ApiError;
use crate::model::{AppClient, UserPool};
use crate::secret_block::Sealer;
use crate::store::Store;
use crate::tokens::{PoolKeys, SigningKey};

/// How tokens name their issuer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IssuerStyle {
    /// `http://HOST:PORT/{poolId}`, the address the server listens on: what pycognito and
    /// JWKS-fetching verifiers pointed at the local server expect.
    #[default]
    Local,
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`, for apps that hard-code AWS.
    Aws,
    /// `{base}/{poolId}` with the given base URL (no trailing slash).
    Custom(String),
}

/// Everything an operation needs.
pub(crate) struct Ctx {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub sealer: Sealer,
    /// Key for deriving decoy salts of unknown users (PreventUserExistenceErrors).
    pub decoy_key: [u8; 32],
    pub keys: RwLock<HashMap<String, Arc<PoolKeys>>>,
    pub issuer: IssuerStyle,
    /// `http://HOST:PORT` of this server.
    pub local_base: String,
    /// Region for new pool ids.
    pub region: String,
    /// When (server clock) expired used-session records were last purged.
    pub last_purge: std::sync::atomic::AtomicI64,
    /// One password attempt per user at a time (the lockout's atomicity).
    pub attempts: lockout::AttemptGate,
}

impl Ctx {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The `iss` of tokens of `pool_id`.
    pub fn issuer_for(&self, pool_id: &str) -> String {
        match &self.issuer {
            IssuerStyle::Local => format!("{}/{pool_id}", self.local_base),
            IssuerStyle::Aws => {
                let region = pool_id.split('_').next().unwrap_or("us-east-1");
                format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
            IssuerStyle::Custom(base) => format!("{}/{pool_id}", base.trim_end_matches('/')),
        }
    }

    pub fn pool(&self, id: &str) -> Result<UserPool, ApiError> {
        self.store
            .pool_get(id)?
            .ok_or_else(|| ApiError::pool_not_found(id))
    }

    pub fn client(&self, id: &str) -> Result<AppClient, ApiError> {
        self.store
            .client_get(id)?
            .ok_or_else(|| ApiError::client_not_found(id))
    }

    /// A client that must belong to `pool_id`.
    pub fn pool_client(&self, pool_id: &str, id: &str) -> Result<AppClient, ApiError> {
        let client = self.client(id)?;
        if client.pool_id != pool_id {
            return Err(ApiError::client_not_found(id));
        }
        Ok(client)
    }

    /// The parsed signing keys of a pool (cached).
    pub fn pool_keys(&self, pool: &UserPool) -> Result<Arc<PoolKeys>, ApiError> {
        if let Ok(map) = self.keys.read()
            && let Some(k) = map.get(&pool.id)
        {
            return Ok(k.clone());
        }
        let keys = Arc::new(PoolKeys {
            access: SigningKey::load(&pool.access_key)?,
            id: SigningKey::load(&pool.id_key)?,
        });
        if let Ok(mut map) = self.keys.write() {
            map.insert(pool.id.clone(), keys.clone());
        }
        Ok(keys)
    }

    pub fn forget_keys(&self, pool_id: &str) {
        if let Ok(mut map) = self.keys.write() {
            map.remove(pool_id);
        }
    }
}

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
