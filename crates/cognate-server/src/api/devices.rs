//! Devices: `NewDeviceMetadata` at login when the pool has a `DeviceConfiguration`,
//! ConfirmDevice, UpdateDeviceStatus, GetDevice, ListDevices, ForgetDevice and their Admin forms.
//!
//! A device is the record `device` (scope = pool id, key = DeviceKey `region_uuid`); each user
//! has one DeviceGroupKey (record `device_group`). ConfirmDevice stores the SRP verifier of the
//! device password (`DeviceSecretVerifierConfig`), which later logins prove with
//! `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER` (see `challenge`). A *remembered* device skips
//! the second factor. `UserConfirmationNecessary` is the pool's
//! `DeviceOnlyRememberedOnUserPrompt`: when false, a confirmed device is remembered at once.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::Req;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;
use crate::services::devices::{Device, KIND, confirmed_device, device_configuration, load};

/// The pool and user of an Admin device operation.
fn admin_user(ctx: &Ctx, req: &Req) -> Result<(UserPool, User), ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let user = crate::services::users::get(ctx, &pool, req.str("Username")?)?;
    Ok((pool, user))
}

/// ConfirmDevice.
pub(crate) fn confirm_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, req.str("AccessToken")?)?;
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
    let (pool, _, user) = crate::services::tokens::token_user(ctx, req.str("AccessToken")?)?;
    set_status(ctx, &pool, &user, req)
}

/// AdminUpdateDeviceStatus.
pub(crate) fn admin_update_device_status(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, req)?;
    set_status(ctx, &pool, &user, req)
}

/// GetDevice.
pub(crate) fn get_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, req.str("AccessToken")?)?;
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
    let offset = super::parse_offset(req.opt_str("PaginationToken")?)? as usize;
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
        out["PaginationToken"] = json!(super::offset_token((offset + limit) as u64));
    }
    Ok(out)
}

/// ListDevices.
pub(crate) fn list_devices(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, req.str("AccessToken")?)?;
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
    let (pool, _, user) = crate::services::tokens::token_user(ctx, req.str("AccessToken")?)?;
    forget(ctx, &pool, &user, req.str("DeviceKey")?)
}

/// AdminForgetDevice.
pub(crate) fn admin_forget_device(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, req)?;
    forget(ctx, &pool, &user, req.str("DeviceKey")?)
}
