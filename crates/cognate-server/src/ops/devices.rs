//! Devices: `NewDeviceMetadata` at login when the pool has a `DeviceConfiguration`,
//! ConfirmDevice, UpdateDeviceStatus, GetDevice, ListDevices, ForgetDevice and their Admin forms.
//!
//! A device is the record `device` (scope = pool id, key = DeviceKey `region_uuid`); each user
//! has one DeviceGroupKey (record `device_group`). ConfirmDevice stores the SRP verifier of the
//! device password (`DeviceSecretVerifierConfig`), which later logins prove with
//! `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER` (see `challenge`). A *remembered* device skips
//! the second factor. `UserConfirmationNecessary` is the pool's
//! `DeviceOnlyRememberedOnUserPrompt`: when false, a confirmed device is remembered at once.

use crate::store::RecordKind;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::idp::ErrorKind as E;
use serde_json::{Value, json};

use super::{Ctx, Req};
use crate::error::ApiError;
use crate::model::{User, UserPool};

const KIND: RecordKind = RecordKind::Device;
const GROUP_KIND: RecordKind = RecordKind::DeviceGroup;

fn not_found() -> ApiError {
    ApiError::new(E::ResourceNotFoundException, "Device does not exist.")
}

/// A device of a user, as stored.
pub(crate) struct Device {
    /// DeviceKey.
    pub key: String,
    /// DeviceGroupKey.
    pub group_key: String,
    doc: Value,
}

impl Device {
    fn field(&self, name: &str) -> Option<&str> {
        self.doc.get(name).and_then(Value::as_str)
    }

    fn confirmed(&self) -> bool {
        self.doc
            .get("confirmed")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Whether the device is remembered (it then skips the second factor).
    pub(crate) fn remembered(&self) -> bool {
        self.field("status") == Some("remembered")
    }

    /// The SRP verifier of the device password.
    pub(crate) fn verifier(&self) -> Result<cognate_srp::Verifier, ApiError> {
        let salt = self.field("salt").ok_or_else(not_found)?;
        let v = STANDARD
            .decode(self.field("verifier").unwrap_or(""))
            .map_err(|_| ApiError::internal("stored device verifier is not base64"))?;
        cognate_srp::Verifier::from_parts(salt, &v)
            .map_err(|_| ApiError::internal("stored device verifier rejected"))
    }

    fn render(&self) -> Value {
        let mut attrs = vec![
            json!({"Name": "device_status", "Value": "valid"}),
            json!({"Name": "dev:device_remembered_status",
                   "Value": self.field("status").unwrap_or("not_remembered")}),
        ];
        if let Some(name) = self.field("name") {
            attrs.insert(1, json!({"Name": "device_name", "Value": name}));
        }
        let mut out = json!({
            "DeviceKey": self.key,
            "DeviceAttributes": attrs,
            "DeviceCreateDate": self.doc.get("created").cloned().unwrap_or(json!(0)),
            "DeviceLastModifiedDate": self.doc.get("modified").cloned().unwrap_or(json!(0)),
        });
        if let Some(t) = self.doc.get("last_auth") {
            out["DeviceLastAuthenticatedDate"] = t.clone();
        }
        out
    }
}

fn load(ctx: &Ctx, pool: &UserPool, user: &User, key: &str) -> Result<Device, ApiError> {
    let doc = ctx
        .store
        .doc_get(KIND, &pool.id, key)?
        .ok_or_else(not_found)?;
    if doc.get("username").and_then(Value::as_str) != Some(&user.username)
        || doc.get("sub").and_then(Value::as_str) != Some(&user.sub)
    {
        return Err(not_found());
    }
    Ok(Device {
        key: key.to_owned(),
        group_key: doc
            .get("group_key")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        doc,
    })
}

/// A confirmed device of `user` (a login's `DEVICE_KEY`); `ResourceNotFoundException` "Device
/// does not exist." otherwise (amazon-cognito-identity-js then forgets the key and retries).
pub(crate) fn confirmed_device(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    key: &str,
) -> Result<Device, ApiError> {
    let d = load(ctx, pool, user, key)?;
    if !d.confirmed() {
        return Err(not_found());
    }
    Ok(d)
}

/// Notes a device login (`DeviceLastAuthenticatedDate`).
pub(crate) fn touch(ctx: &Ctx, pool: &UserPool, key: &str) -> Result<(), ApiError> {
    let now = ctx.now();
    ctx.store.doc_update(
        KIND,
        &pool.id,
        key,
        Box::new(move |old| {
            old.map(|mut d| {
                d["last_auth"] = json!(now);
                d
            })
        }),
    )?;
    Ok(())
}

/// The pool's `DeviceConfiguration`, when it tracks devices.
fn device_configuration(pool: &UserPool) -> Option<&serde_json::Map<String, Value>> {
    pool.extra
        .get("DeviceConfiguration")
        .and_then(Value::as_object)
}

/// A new (unconfirmed) device for a login's `NewDeviceMetadata`: `(DeviceKey, DeviceGroupKey)`,
/// or `None` when the pool does not track devices.
pub(crate) fn new_device(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<Option<(String, String)>, ApiError> {
    if device_configuration(pool).is_none() {
        return Ok(None);
    }
    let fresh_group = format!("-{}", &crate::ids::uuid().replace('-', "")[..9]);
    let sub = user.sub.clone();
    let group = ctx.store.doc_update(
        GROUP_KIND,
        &pool.id,
        &user.username,
        Box::new(move |old| match old {
            Some(v) if v.get("sub").and_then(Value::as_str) == Some(sub.as_str()) => Some(v),
            _ => Some(json!({"sub": sub, "key": fresh_group})),
        }),
    )?;
    let group_key = group
        .as_ref()
        .and_then(|g| g.get("key"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::internal("device group"))?
        .to_owned();
    let key = format!("{}_{}", pool.region, crate::ids::uuid());
    let now = ctx.now();
    ctx.store.doc_put(
        KIND,
        &pool.id,
        &key,
        &json!({
            "username": user.username,
            "sub": user.sub,
            "group_key": group_key,
            "confirmed": false,
            "status": "not_remembered",
            "created": now,
            "modified": now,
            "last_auth": now,
        }),
    )?;
    Ok(Some((key, group_key)))
}

/// The pool and user of an Admin device operation.
fn admin_user(ctx: &Ctx, req: &Req) -> Result<(UserPool, User), ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let user = super::users::get(ctx, &pool, req.str("Username")?)?;
    Ok((pool, user))
}

/// ConfirmDevice.
pub(crate) fn confirm_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = super::auth::token_user(ctx, req.str("AccessToken")?)?;
    let key = req.str("DeviceKey")?;
    let device = load(ctx, &pool, &user, key)?;
    let config = req.opt_obj("DeviceSecretVerifierConfig")?;
    let verifier_config = cognate_srp::DeviceSecretVerifierConfig {
        password_verifier: config
            .as_ref()
            .and_then(|c| c.get("PasswordVerifier").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned(),
        salt: config
            .as_ref()
            .and_then(|c| c.get("Salt").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned(),
    };
    let verifier = cognate_srp::Verifier::from_device_config(&verifier_config).map_err(|_| {
        ApiError::invalid("DeviceSecretVerifierConfig is not a valid SRP verifier and salt.")
    })?;
    let prompt = device_configuration(&pool)
        .and_then(|c| c.get("DeviceOnlyRememberedOnUserPrompt"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut doc = device.doc;
    doc["confirmed"] = json!(true);
    doc["salt"] = json!(verifier.salt());
    doc["verifier"] = json!(STANDARD.encode(verifier.verifier_bytes()));
    doc["status"] = json!(if prompt {
        "not_remembered"
    } else {
        "remembered"
    });
    if let Some(name) = req.opt_str("DeviceName")? {
        doc["name"] = json!(name);
    }
    doc["modified"] = json!(ctx.now());
    ctx.store.doc_put(KIND, &pool.id, key, &doc)?;
    Ok(json!({ "UserConfirmationNecessary": prompt }))
}

fn set_status(ctx: &Ctx, pool: &UserPool, user: &User, req: &Req) -> Result<Value, ApiError> {
    let key = req.str("DeviceKey")?;
    let status = req
        .opt_str("DeviceRememberedStatus")?
        .unwrap_or("not_remembered");
    if status != "remembered" && status != "not_remembered" {
        return Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{status}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
        )));
    }
    let device = confirmed_device(ctx, pool, user, key)?;
    let mut doc = device.doc;
    doc["status"] = json!(status);
    doc["modified"] = json!(ctx.now());
    ctx.store.doc_put(KIND, &pool.id, key, &doc)?;
    Ok(json!({}))
}

/// UpdateDeviceStatus.
pub(crate) fn update_device_status(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = super::auth::token_user(ctx, req.str("AccessToken")?)?;
    set_status(ctx, &pool, &user, req)
}

/// AdminUpdateDeviceStatus.
pub(crate) fn admin_update_device_status(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, req)?;
    set_status(ctx, &pool, &user, req)
}

/// GetDevice.
pub(crate) fn get_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = super::auth::token_user(ctx, req.str("AccessToken")?)?;
    let d = confirmed_device(ctx, &pool, &user, req.str("DeviceKey")?)?;
    Ok(json!({ "Device": d.render() }))
}

/// AdminGetDevice.
pub(crate) fn admin_get_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, req)?;
    let d = confirmed_device(ctx, &pool, &user, req.str("DeviceKey")?)?;
    Ok(json!({ "Device": d.render() }))
}

fn list(ctx: &Ctx, pool: &UserPool, user: &User, req: &Req) -> Result<Value, ApiError> {
    let limit = req.opt_i64("Limit")?.unwrap_or(60);
    if !(0..=60).contains(&limit) {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
        ));
    }
    let limit = if limit == 0 { 60 } else { limit as usize };
    let offset = super::pools::parse_offset(req.opt_str("PaginationToken")?)? as usize;
    let mine: Vec<Value> = ctx
        .store
        .doc_list(KIND, &pool.id)?
        .into_iter()
        .filter(|(_, d)| {
            d.get("username").and_then(Value::as_str) == Some(&user.username)
                && d.get("sub").and_then(Value::as_str) == Some(&user.sub)
                && d.get("confirmed").and_then(Value::as_bool) == Some(true)
        })
        .map(|(key, doc)| {
            Device {
                key,
                group_key: String::new(),
                doc,
            }
            .render()
        })
        .collect();
    let page: Vec<Value> = mine.iter().skip(offset).take(limit).cloned().collect();
    let mut out = json!({ "Devices": page });
    if offset + limit < mine.len() {
        out["PaginationToken"] = json!(super::pools::offset_token((offset + limit) as u64));
    }
    Ok(out)
}

/// ListDevices.
pub(crate) fn list_devices(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = super::auth::token_user(ctx, req.str("AccessToken")?)?;
    list(ctx, &pool, &user, req)
}

/// AdminListDevices.
pub(crate) fn admin_list_devices(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, req)?;
    list(ctx, &pool, &user, req)
}

fn forget(ctx: &Ctx, pool: &UserPool, user: &User, key: &str) -> Result<Value, ApiError> {
    load(ctx, pool, user, key)?;
    ctx.store.doc_delete(KIND, &pool.id, key)?;
    Ok(json!({}))
}

/// ForgetDevice.
pub(crate) fn forget_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = super::auth::token_user(ctx, req.str("AccessToken")?)?;
    forget(ctx, &pool, &user, req.str("DeviceKey")?)
}

/// AdminForgetDevice.
pub(crate) fn admin_forget_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, req)?;
    forget(ctx, &pool, &user, req.str("DeviceKey")?)
}
