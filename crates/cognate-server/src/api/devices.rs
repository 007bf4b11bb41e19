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
use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{reply, reply_whole_seconds};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;
use crate::services::devices::{Device, KIND, confirmed_device, device_configuration, load};

/// The pool and user of an Admin device operation.
fn admin_user(ctx: &Ctx, pool_id: &str, username: &str) -> Result<(UserPool, User), ApiError> {
    let pool = ctx.pool(pool_id)?;
    let user = crate::services::users::get(ctx, &pool, username)?;
    Ok((pool, user))
}

/// The pool and user of an `AccessToken`. GetDevice and ForgetDevice model it as optional
/// (AWS also takes IAM credentials there); this server needs it.
fn token_user(ctx: &Ctx, token: Option<&str>) -> Result<(UserPool, User), ApiError> {
    let token = token.ok_or_else(|| ApiError::missing("AccessToken"))?;
    let (pool, _, user) = crate::services::tokens::token_user(ctx, token)?;
    Ok((pool, user))
}

/// The `DeviceType` of a stored device (dates in whole seconds: answer it with
/// [`reply_whole_seconds`]).
fn device_type(d: &Device) -> t::DeviceType {
    let attribute = |name: &str, value: &str| t::AttributeType {
        name: name.to_owned(),
        value: Some(value.to_owned()),
    };
    let mut attrs = vec![
        attribute("device_status", "valid"),
        attribute(
            "dev:device_remembered_status",
            d.field("status").unwrap_or("not_remembered"),
        ),
    ];
    if let Some(name) = d.field("name") {
        attrs.insert(1, attribute("device_name", name));
    }
    let date = |field: &str| d.doc.get(field).and_then(Value::as_f64);
    t::DeviceType {
        device_attributes: Some(attrs),
        device_create_date: Some(date("created").unwrap_or(0.0)),
        device_key: Some(d.key.clone()),
        device_last_authenticated_date: date("last_auth"),
        device_last_modified_date: Some(date("modified").unwrap_or(0.0)),
    }
}

/// ConfirmDevice.
pub(crate) fn confirm_device(ctx: &Ctx, req: t::ConfirmDeviceRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    let key = req.device_key.as_str();
    let device = load(ctx, &pool, &user, key)?;
    let config = req.device_secret_verifier_config.unwrap_or_default();
    let verifier_config = cognate_srp::DeviceSecretVerifierConfig {
        password_verifier: config.password_verifier.unwrap_or_default(),
        salt: config.salt.unwrap_or_default(),
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
    if let Some(name) = &req.device_name {
        doc["name"] = json!(name);
    }
    doc["modified"] = json!(ctx.now());
    ctx.store.doc_put(KIND, &pool.id, key, &doc)?;
    reply(&t::ConfirmDeviceResponse {
        user_confirmation_necessary: Some(prompt),
    })
}

fn set_status(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    key: &str,
    status: Option<t::DeviceRememberedStatusType>,
) -> Result<Value, ApiError> {
    let status = status
        .unwrap_or(t::DeviceRememberedStatusType::NotRemembered)
        .as_str();
    let device = confirmed_device(ctx, pool, user, key)?;
    let mut doc = device.doc;
    doc["status"] = json!(status);
    doc["modified"] = json!(ctx.now());
    ctx.store.doc_put(KIND, &pool.id, key, &doc)?;
    Ok(json!({}))
}

/// UpdateDeviceStatus.
pub(crate) fn update_device_status(
    ctx: &Ctx,
    req: t::UpdateDeviceStatusRequest,
) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    set_status(
        ctx,
        &pool,
        &user,
        &req.device_key,
        req.device_remembered_status,
    )
}

/// AdminUpdateDeviceStatus.
pub(crate) fn admin_update_device_status(
    ctx: &Ctx,
    req: t::AdminUpdateDeviceStatusRequest,
) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, &req.user_pool_id, &req.username)?;
    set_status(
        ctx,
        &pool,
        &user,
        &req.device_key,
        req.device_remembered_status,
    )
}

/// GetDevice.
pub(crate) fn get_device(ctx: &Ctx, req: t::GetDeviceRequest) -> Result<Value, ApiError> {
    let (pool, user) = token_user(ctx, req.access_token.as_deref())?;
    let d = confirmed_device(ctx, &pool, &user, &req.device_key)?;
    reply_whole_seconds(&t::GetDeviceResponse {
        device: device_type(&d),
    })
}

/// AdminGetDevice.
pub(crate) fn admin_get_device(
    ctx: &Ctx,
    req: t::AdminGetDeviceRequest,
) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, &req.user_pool_id, &req.username)?;
    let d = confirmed_device(ctx, &pool, &user, &req.device_key)?;
    reply_whole_seconds(&t::AdminGetDeviceResponse {
        device: device_type(&d),
    })
}

/// One page of the user's confirmed devices and the `PaginationToken` of the next.
fn list(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    limit: Option<i32>,
    token: Option<&str>,
) -> Result<(Vec<t::DeviceType>, Option<String>), ApiError> {
    // 0 or absent: 60; the model allows 0 to 60 (QueryLimitType), checked on the wire.
    let limit = match limit.map(usize::try_from) {
        None | Some(Ok(0)) | Some(Err(_)) => 60,
        Some(Ok(n)) => n,
    };
    let offset = super::parse_offset(token)? as usize;
    let mine: Vec<t::DeviceType> = ctx
        .store
        .doc_list(KIND, &pool.id)?
        .into_iter()
        .filter(|(_, d)| {
            d.get("username").and_then(Value::as_str) == Some(&user.username)
                && d.get("sub").and_then(Value::as_str) == Some(&user.sub)
                && d.get("confirmed").and_then(Value::as_bool) == Some(true)
        })
        .map(|(key, doc)| {
            device_type(&Device {
                key,
                group_key: String::new(),
                doc,
            })
        })
        .collect();
    let more = offset + limit < mine.len();
    let page = mine.into_iter().skip(offset).take(limit).collect();
    Ok((
        page,
        more.then(|| super::offset_token((offset + limit) as u64)),
    ))
}

/// ListDevices.
pub(crate) fn list_devices(ctx: &Ctx, req: t::ListDevicesRequest) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    let (devices, pagination_token) = list(
        ctx,
        &pool,
        &user,
        req.limit,
        req.pagination_token.as_deref(),
    )?;
    reply_whole_seconds(&t::ListDevicesResponse {
        devices: Some(devices),
        pagination_token,
    })
}

/// AdminListDevices.
pub(crate) fn admin_list_devices(
    ctx: &Ctx,
    req: t::AdminListDevicesRequest,
) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, &req.user_pool_id, &req.username)?;
    let (devices, pagination_token) = list(
        ctx,
        &pool,
        &user,
        req.limit,
        req.pagination_token.as_deref(),
    )?;
    reply_whole_seconds(&t::AdminListDevicesResponse {
        devices: Some(devices),
        pagination_token,
    })
}

fn forget(ctx: &Ctx, pool: &UserPool, user: &User, key: &str) -> Result<Value, ApiError> {
    load(ctx, pool, user, key)?;
    ctx.store.doc_delete(KIND, &pool.id, key)?;
    Ok(json!({}))
}

/// ForgetDevice.
pub(crate) fn forget_device(ctx: &Ctx, req: t::ForgetDeviceRequest) -> Result<Value, ApiError> {
    let (pool, user) = token_user(ctx, req.access_token.as_deref())?;
    forget(ctx, &pool, &user, &req.device_key)
}

/// AdminForgetDevice.
pub(crate) fn admin_forget_device(
    ctx: &Ctx,
    req: t::AdminForgetDeviceRequest,
) -> Result<Value, ApiError> {
    let (pool, user) = admin_user(ctx, &req.user_pool_id, &req.username)?;
    forget(ctx, &pool, &user, &req.device_key)
}
