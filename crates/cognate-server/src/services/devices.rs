//! Devices: a new device at the end of a login when the pool tracks devices, the confirmed
//! devices a login may name, and their SRP verifiers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::idp::ErrorKind as E;
use serde_json::{Value, json};

use super::Ctx;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::store::RecordKind;

pub(crate) const KIND: RecordKind = RecordKind::Device;

pub(crate) const GROUP_KIND: RecordKind = RecordKind::DeviceGroup;

pub(crate) fn not_found() -> ApiError {
    ApiError::new(E::ResourceNotFoundException, "Device does not exist.")
}

/// A device of a user, as stored.
pub(crate) struct Device {
    /// DeviceKey.
    pub key: String,
    /// DeviceGroupKey.
    pub group_key: String,
    pub(crate) doc: Value,
}

impl Device {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.doc.get(name).and_then(Value::as_str)
    }

    pub(crate) fn confirmed(&self) -> bool {
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
}

pub(crate) fn load(ctx: &Ctx, pool: &UserPool, user: &User, key: &str) -> Result<Device, ApiError> {
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
pub(crate) fn device_configuration(pool: &UserPool) -> Option<&serde_json::Map<String, Value>> {
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
