//! CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool, DeleteUserPool.

use serde_json::{Map, Value, json};

use super::Req;
use super::{offset_token, parse_offset};
use crate::error::ApiError;
use crate::model::STANDARD_ATTRIBUTES;
use crate::model::{PasswordPolicy, SchemaAttribute, UserPool};
use crate::services::Ctx;
use crate::tokens::SigningKey;

/// Members of CreateUserPool this server interprets; the rest are kept and echoed.
const INTERPRETED: &[&str] = &[
    "PoolName",
    "Policies",
    "DeletionProtection",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "MfaConfiguration",
    "AdminCreateUserConfig",
    "Schema",
    "UsernameConfiguration",
    "UserPoolId",
];

fn password_policy(req: &Req, base: PasswordPolicy) -> Result<PasswordPolicy, ApiError> {
    let Some(policies) = req.opt_obj("Policies")? else {
        return Ok(base);
    };
    let Some(p) = policies.opt_obj("PasswordPolicy")? else {
        return Ok(base);
    };
    let d = PasswordPolicy::default();
    let min = p
        .opt_i64("MinimumLength")?
        .unwrap_or(d.minimum_length.into());
    if !(6..=99).contains(&min) {
        return Err(ApiError::invalid(
            "1 validation error detected: Value at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99",
        ));
    }
    let days = p
        .opt_i64("TemporaryPasswordValidityDays")?
        .unwrap_or(d.temporary_password_validity_days.into());
    if !(0..=365).contains(&days) {
        return Err(ApiError::invalid(
            "TemporaryPasswordValidityDays must be between 0 and 365",
        ));
    }
    Ok(PasswordPolicy {
        minimum_length: min as u32,
        require_uppercase: p.opt_bool("RequireUppercase")?.unwrap_or(false),
        require_lowercase: p.opt_bool("RequireLowercase")?.unwrap_or(false),
        require_numbers: p.opt_bool("RequireNumbers")?.unwrap_or(false),
        require_symbols: p.opt_bool("RequireSymbols")?.unwrap_or(false),
        temporary_password_validity_days: days as u32,
    })
}

fn schema(req: &Req) -> Result<(Vec<SchemaAttribute>, Vec<String>), ApiError> {
    let mut custom = Vec::new();
    let mut required = Vec::new();
    let Some(Value::Array(items)) = req.get("Schema") else {
        return Ok((custom, required));
    };
    for item in items {
        let Value::Object(m) = item else {
            return Err(ApiError::invalid("Schema must be a list of attributes"));
        };
        let a = Req(m.clone());
        let name = a.str("Name")?;
        let data_type = a.opt_str("AttributeDataType")?.unwrap_or("String");
        if !["String", "Number", "DateTime", "Boolean"].contains(&data_type) {
            return Err(ApiError::invalid(format!(
                "Invalid AttributeDataType {data_type} for attribute {name}"
            )));
        }
        let name = name.strip_prefix("custom:").unwrap_or(name);
        if STANDARD_ATTRIBUTES.iter().any(|(n, _)| *n == name) {
            if a.opt_bool("Required")?.unwrap_or(false) {
                required.push(name.to_owned());
            }
            continue;
        }
        if name.is_empty() || name.len() > 20 {
            return Err(ApiError::invalid(format!(
                "Invalid custom attribute name {name}: 1 to 20 characters"
            )));
        }
        if a.opt_bool("Required")?.unwrap_or(false) {
            return Err(ApiError::invalid(
                "Required custom attributes are not supported currently.",
            ));
        }
        let constraints = a.opt_obj("StringAttributeConstraints")?;
        let min_length = constraints.as_ref().and_then(|c| {
            c.get("MinLength")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let max_length = constraints.as_ref().and_then(|c| {
            c.get("MaxLength")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        custom.push(SchemaAttribute {
            name: format!("custom:{name}"),
            data_type: data_type.to_owned(),
            mutable: a.opt_bool("Mutable")?.unwrap_or(true),
            required: false,
            developer_only: a.opt_bool("DeveloperOnlyAttribute")?.unwrap_or(false),
            min_length,
            max_length,
        });
    }
    Ok((custom, required))
}

/// CreateUserPool; `fixed_id` lets a seed file choose the id.
pub(crate) fn create(ctx: &Ctx, req: &Req, fixed_id: Option<&str>) -> Result<Value, ApiError> {
    let pool = build(ctx, req, fixed_id)?;
    ctx.store.pool_put(&pool)?;
    Ok(json!({ "UserPool": render(ctx, &pool)? }))
}

/// Builds (without storing) a new pool from a CreateUserPool request.
pub(crate) fn build(ctx: &Ctx, req: &Req, fixed_id: Option<&str>) -> Result<UserPool, ApiError> {
    let name = req.str("PoolName")?;
    let username_attributes = req.opt_str_list("UsernameAttributes")?.unwrap_or_default();
    let alias_attributes = req.opt_str_list("AliasAttributes")?.unwrap_or_default();
    if !username_attributes.is_empty() && !alias_attributes.is_empty() {
        return Err(ApiError::invalid(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    let auto_verified = req
        .opt_str_list("AutoVerifiedAttributes")?
        .unwrap_or_default();
    let mut policy = password_policy(req, PasswordPolicy::default())?;
    let admin_cfg = req.opt_obj("AdminCreateUserConfig")?;
    if let Some(cfg) = &admin_cfg
        && let Some(days) = cfg.opt_i64("UnusedAccountValidityDays")?
        && req
            .opt_obj("Policies")?
            .and_then(|p| p.get("PasswordPolicy").cloned())
            .and_then(|p| p.get("TemporaryPasswordValidityDays").cloned())
            .is_none()
    {
        policy.temporary_password_validity_days = days.clamp(0, 365) as u32;
    }
    let (custom_attributes, required_attributes) = schema(req)?;
    let deletion_protection = req.opt_str("DeletionProtection")?.unwrap_or("INACTIVE");
    if !["ACTIVE", "INACTIVE"].contains(&deletion_protection) {
        return Err(ApiError::invalid(
            "DeletionProtection must be ACTIVE or INACTIVE",
        ));
    }
    let mfa = req.opt_str("MfaConfiguration")?.unwrap_or("OFF");
    let case_insensitive = match req.opt_obj("UsernameConfiguration")? {
        Some(c) => !c.opt_bool("CaseSensitive")?.unwrap_or(true),
        None => false,
    };
    let id = match fixed_id {
        Some(id) => {
            cognate_srp::pool_name(id).map_err(|e| ApiError::invalid(e.to_string()))?;
            id.to_owned()
        }
        None => crate::ids::pool_id(&ctx.region),
    };
    let region = id.split('_').next().unwrap_or(&ctx.region).to_owned();
    let extra: Map<String, Value> = req
        .0
        .iter()
        .filter(|(k, _)| !INTERPRETED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let access_key = SigningKey::generate().map_err(|e| ApiError::internal(e.to_string()))?;
    let id_key = SigningKey::generate().map_err(|e| ApiError::internal(e.to_string()))?;
    let now = ctx.now();
    Ok(UserPool {
        id,
        name: name.to_owned(),
        region,
        created: now,
        modified: now,
        password_policy: policy,
        username_attributes,
        alias_attributes,
        auto_verified_attributes: auto_verified,
        case_insensitive,
        custom_attributes,
        required_attributes,
        mfa_configuration: mfa.to_owned(),
        deletion_protection: deletion_protection.to_owned(),
        allow_admin_create_user_only: admin_cfg
            .as_ref()
            .map(|c| c.opt_bool("AllowAdminCreateUserOnly"))
            .transpose()?
            .flatten()
            .unwrap_or(false),
        extra,
        access_key,
        id_key,
    })
}

fn schema_json(pool: &UserPool) -> Value {
    let mut out = Vec::new();
    for (name, data_type) in STANDARD_ATTRIBUTES {
        let mut a = json!({
            "Name": name,
            "AttributeDataType": data_type,
            "DeveloperOnlyAttribute": false,
            "Mutable": *name != "sub",
            "Required": *name == "sub" || pool.required_attributes.iter().any(|r| r == name),
        });
        if *data_type == "String" {
            a["StringAttributeConstraints"] = if *name == "sub" {
                json!({"MinLength": "1", "MaxLength": "2048"})
            } else {
                json!({"MinLength": "0", "MaxLength": "2048"})
            };
        }
        if *data_type == "Number" {
            a["NumberAttributeConstraints"] = json!({"MinValue": "0"});
        }
        out.push(a);
    }
    for c in &pool.custom_attributes {
        let mut a = json!({
            "Name": c.name,
            "AttributeDataType": c.data_type,
            "DeveloperOnlyAttribute": c.developer_only,
            "Mutable": c.mutable,
            "Required": false,
        });
        if c.data_type == "String" {
            a["StringAttributeConstraints"] = json!({
                "MinLength": c.min_length.clone().unwrap_or_else(|| "0".into()),
                "MaxLength": c.max_length.clone().unwrap_or_else(|| "2048".into()),
            });
        }
        out.push(a);
    }
    Value::Array(out)
}

/// The `UserPool` shape of DescribeUserPool.
pub(crate) fn render(ctx: &Ctx, pool: &UserPool) -> Result<Value, ApiError> {
    let p = &pool.password_policy;
    let users = ctx.store.user_count(&pool.id)?;
    let mut v = json!({
        "Id": pool.id,
        "Name": pool.name,
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": p.minimum_length,
                "RequireUppercase": p.require_uppercase,
                "RequireLowercase": p.require_lowercase,
                "RequireNumbers": p.require_numbers,
                "RequireSymbols": p.require_symbols,
                "TemporaryPasswordValidityDays": p.temporary_password_validity_days,
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
        },
        "DeletionProtection": pool.deletion_protection,
        "LambdaConfig": {},
        "LastModifiedDate": pool.modified,
        "CreationDate": pool.created,
        "SchemaAttributes": schema_json(pool),
        "AutoVerifiedAttributes": pool.auto_verified_attributes,
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "MfaConfiguration": pool.mfa_configuration,
        "EstimatedNumberOfUsers": users,
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": pool.allow_admin_create_user_only,
            "UnusedAccountValidityDays": p.temporary_password_validity_days,
        },
        "UsernameConfiguration": {"CaseSensitive": !pool.case_insensitive},
        "Arn": format!("arn:aws:cognito-idp:{}:000000000000:userpool/{}", pool.region, pool.id),
        "UserPoolTier": "ESSENTIALS",
    });
    if !pool.alias_attributes.is_empty() {
        v["AliasAttributes"] = json!(pool.alias_attributes);
    }
    if !pool.username_attributes.is_empty() {
        v["UsernameAttributes"] = json!(pool.username_attributes);
    }
    if let Value::Object(m) = &mut v {
        for (k, val) in &pool.extra {
            if k != "UserPoolTags" {
                m.insert(k.clone(), val.clone());
            }
        }
        if let Some(tags) = pool.extra.get("UserPoolTags") {
            m.insert("UserPoolTags".into(), tags.clone());
        }
    }
    Ok(v)
}

pub(crate) fn describe(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    Ok(json!({ "UserPool": render(ctx, &pool)? }))
}

pub(crate) fn list(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let max = req
        .opt_i64("MaxResults")?
        .ok_or_else(|| ApiError::missing("MaxResults"))?
        .max(1); // 1..=60, as the model's PoolQueryLimitType checked
    let offset = parse_offset(req.opt_str("NextToken")?)?;
    let pools = ctx.store.pool_list()?;
    let page: Vec<Value> = pools
        .iter()
        .skip(offset as usize)
        .take(max as usize)
        .map(|p| {
            json!({
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": p.extra.get("LambdaConfig").cloned().unwrap_or(json!({})),
                "LastModifiedDate": p.modified,
                "CreationDate": p.created,
            })
        })
        .collect();
    let mut out = json!({ "UserPools": page });
    let next = offset.saturating_add(max as u64);
    if (next as usize) < pools.len() {
        out["NextToken"] = json!(offset_token(next));
    }
    Ok(out)
}

/// Settings of UpdateUserPool that are kept as given and echoed (beside the ones interpreted).
/// Like Cognito, an UpdateUserPool that leaves one of them out puts it back to its default
/// (removes it), rather than keeping the old value.
const UPDATABLE: &[&str] = &[
    "LambdaConfig",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "UserPoolAddOns",
    "AccountRecoverySetting",
    "UserPoolTier",
];

/// UpdateUserPool replaces the pool's updatable settings as a whole: a setting the request
/// leaves out goes back to its default, as Cognito documents ("If you don't provide a value for
/// an attribute, Amazon Cognito sets it to its default value") and does — the password policy,
/// MFA, verification, tags, triggers and device tracking alike. Tools that change one setting
/// must send the others back (DescribeUserPool first), and this server lets their tests see it.
/// What is fixed at creation (username and alias attributes, schema, case sensitivity) stays;
/// so does the name unless `PoolName` is given.
pub(crate) fn update(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let mut pool = ctx.pool(req.str("UserPoolId")?)?;
    if let Some(name) = req.opt_str("PoolName")? {
        pool.name = name.to_owned();
    }
    pool.password_policy = password_policy(req, PasswordPolicy::default())?;
    let protection = req.opt_str("DeletionProtection")?.unwrap_or("INACTIVE");
    pool.deletion_protection = protection.to_owned();
    let verified = req
        .opt_str_list("AutoVerifiedAttributes")?
        .unwrap_or_default();
    pool.auto_verified_attributes = verified;
    // OFF, ON or OPTIONAL: the model's enum (requests and seed files are checked against it).
    let mfa = req.opt_str("MfaConfiguration")?.unwrap_or("OFF");
    pool.mfa_configuration = mfa.to_owned();
    pool.allow_admin_create_user_only = match req.opt_obj("AdminCreateUserConfig")? {
        Some(cfg) => cfg.opt_bool("AllowAdminCreateUserOnly")?.unwrap_or(false),
        None => false,
    };
    pool.extra
        .retain(|k, _| !UPDATABLE.contains(&k.as_str()) || req.get(k).is_some());
    for (k, v) in &req.0 {
        if !INTERPRETED.contains(&k.as_str()) {
            pool.extra.insert(k.clone(), v.clone());
        }
    }
    pool.modified = ctx.now();
    ctx.store.pool_put(&pool)?;
    Ok(json!({}))
}

pub(crate) fn delete(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    if pool.deletion_protection == "ACTIVE" {
        return Err(ApiError::invalid(
            "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
        ));
    }
    ctx.store
        .apply(crate::store::cascade::delete_pool(&pool.id))?;
    ctx.forget_keys(&pool.id);
    Ok(json!({}))
}
