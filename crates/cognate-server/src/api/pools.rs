//! CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool, DeleteUserPool.
//!
//! The requests are typed. The answers stay JSON built here: a pool's description echoes the
//! members of its CreateUserPool/UpdateUserPool that this server keeps without interpreting
//! (`UserPool::extra`, stored as sent, members the model does not know included), which the
//! model's `UserPoolType` cannot carry as they are. For the same reason create and update also
//! take the request body as sent.

use cognate_model::idp::types as t;
use serde_json::{Map, Value, json};

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

fn password_policy(
    policies: Option<&t::UserPoolPolicyType>,
    base: PasswordPolicy,
) -> Result<PasswordPolicy, ApiError> {
    let Some(p) = policies.and_then(|p| p.password_policy.as_ref()) else {
        return Ok(base);
    };
    // MinimumLength (6 to 99) and TemporaryPasswordValidityDays (0 to 365) are in the model's
    // ranges: the wire layer (and the seed's check) refused anything else.
    let d = PasswordPolicy::default();
    let min = p.minimum_length.map_or(d.minimum_length, |n| {
        u32::try_from(n).unwrap_or(d.minimum_length)
    });
    let days = p
        .temporary_password_validity_days
        .map_or(d.temporary_password_validity_days, |n| {
            u32::try_from(n).unwrap_or(d.temporary_password_validity_days)
        });
    Ok(PasswordPolicy {
        minimum_length: min,
        require_uppercase: p.require_uppercase.unwrap_or(false),
        require_lowercase: p.require_lowercase.unwrap_or(false),
        require_numbers: p.require_numbers.unwrap_or(false),
        require_symbols: p.require_symbols.unwrap_or(false),
        temporary_password_validity_days: days,
    })
}

/// `Policies.SignInPolicy.AllowedFirstAuthFactors` as given (`None` when the request has no
/// sign-in policy), in the model's order, checked: `SOFTWARE_TOKEN` is not a first factor, a
/// passkey is never the only one, and passwordless factors need a feature plan above `LITE`.
fn first_factors(
    policies: Option<&t::UserPoolPolicyType>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(given) = policies
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|p| p.allowed_first_auth_factors.as_ref())
    else {
        return Ok(None);
    };
    if given.contains(&t::AuthFactorType::SoftwareToken) {
        return Err(ApiError::invalid(
            "SOFTWARE_TOKEN is not supported as a first auth factor.",
        ));
    }
    let factors: Vec<String> = t::AuthFactorType::ALL
        .iter()
        .filter(|f| given.contains(f))
        .map(|f| f.as_str().to_owned())
        .collect();
    if factors == ["WEB_AUTHN"] {
        return Err(ApiError::invalid(
            "WEB_AUTHN must be accompanied by at least one other first auth factor.",
        ));
    }
    Ok(Some(factors))
}

/// Passwordless first factors are not in the `LITE` plan (AWS: "The following features need
/// to be disabled for the LITE pricing tier configured: Passwordless Sign-In").
fn check_tier(pool: &UserPool) -> Result<(), ApiError> {
    if pool.tier() == "LITE" && pool.first_auth_factors.iter().any(|f| f != "PASSWORD") {
        return Err(ApiError::new(
            cognate_model::idp::ErrorKind::FeatureUnavailableInTierException,
            "The following features need to be disabled for the LITE pricing tier configured: Passwordless Sign-In",
        ));
    }
    Ok(())
}

fn schema(
    items: Option<&[t::SchemaAttributeType]>,
) -> Result<(Vec<SchemaAttribute>, Vec<String>), ApiError> {
    let mut custom = Vec::new();
    let mut required = Vec::new();
    for a in items.unwrap_or_default() {
        let name = a.name.as_deref().ok_or_else(|| ApiError::missing("Name"))?;
        // String, Number, DateTime or Boolean: the model's enum.
        let data_type = a
            .attribute_data_type
            .map_or("String", t::AttributeDataType::as_str);
        let name = name.strip_prefix("custom:").unwrap_or(name);
        if STANDARD_ATTRIBUTES.iter().any(|(n, _)| *n == name) {
            if a.required.unwrap_or(false) {
                required.push(name.to_owned());
            }
            continue;
        }
        if name.is_empty() || name.len() > 20 {
            return Err(ApiError::invalid(format!(
                "Invalid custom attribute name {name}: 1 to 20 characters"
            )));
        }
        if a.required.unwrap_or(false) {
            return Err(ApiError::invalid(
                "Required custom attributes are not supported currently.",
            ));
        }
        let constraints = a.string_attribute_constraints.as_ref();
        custom.push(SchemaAttribute {
            name: format!("custom:{name}"),
            data_type: data_type.to_owned(),
            mutable: a.mutable.unwrap_or(true),
            required: false,
            developer_only: a.developer_only_attribute.unwrap_or(false),
            min_length: constraints.and_then(|c| c.min_length.clone()),
            max_length: constraints.and_then(|c| c.max_length.clone()),
        });
    }
    Ok((custom, required))
}

/// Enum values of the model as stored.
fn names<E: Copy>(values: Option<&[E]>, as_str: fn(E) -> &'static str) -> Vec<String> {
    values
        .unwrap_or_default()
        .iter()
        .map(|v| as_str(*v).to_owned())
        .collect()
}

/// CreateUserPool; `fixed_id` lets a seed file choose the id. `body` is the request as sent.
pub(crate) fn create(
    ctx: &Ctx,
    req: t::CreateUserPoolRequest,
    body: &Map<String, Value>,
    fixed_id: Option<&str>,
) -> Result<Value, ApiError> {
    let pool = build(ctx, &req, body, fixed_id)?;
    ctx.store.pool_put(&pool)?;
    Ok(json!({ "UserPool": render(ctx, &pool)? }))
}

/// Builds (without storing) a new pool from a CreateUserPool request; `body` is the request as
/// sent, whose members not interpreted here are kept (`UserPool::extra`).
pub(crate) fn build(
    ctx: &Ctx,
    req: &t::CreateUserPoolRequest,
    body: &Map<String, Value>,
    fixed_id: Option<&str>,
) -> Result<UserPool, ApiError> {
    let name = req.pool_name.as_str();
    // The attribute names are the model's enums (email, phone_number, preferred_username).
    let username_attributes = names(
        req.username_attributes.as_deref(),
        t::UsernameAttributeType::as_str,
    );
    let alias_attributes = names(
        req.alias_attributes.as_deref(),
        t::AliasAttributeType::as_str,
    );
    if !username_attributes.is_empty() && !alias_attributes.is_empty() {
        return Err(ApiError::invalid(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    let auto_verified = names(
        req.auto_verified_attributes.as_deref(),
        t::VerifiedAttributeType::as_str,
    );
    let mut policy = password_policy(req.policies.as_ref(), PasswordPolicy::default())?;
    let admin_cfg = req.admin_create_user_config.as_ref();
    if let Some(days) = admin_cfg.and_then(|c| c.unused_account_validity_days)
        && req
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.as_ref())
            .and_then(|p| p.temporary_password_validity_days)
            .is_none()
    {
        policy.temporary_password_validity_days = days.clamp(0, 365) as u32;
    }
    let (custom_attributes, required_attributes) = schema(req.schema.as_deref())?;
    let deletion_protection = req
        .deletion_protection
        .map_or("INACTIVE", t::DeletionProtectionType::as_str);
    let mfa = req
        .mfa_configuration
        .map_or("OFF", t::UserPoolMfaType::as_str);
    let case_insensitive = req
        .username_configuration
        .as_ref()
        .is_some_and(|c| !c.case_sensitive);
    let id = match fixed_id {
        Some(id) => {
            cognate_srp::pool_name(id).map_err(|e| ApiError::invalid(e.to_string()))?;
            id.to_owned()
        }
        None => crate::ids::pool_id(&ctx.region),
    };
    let region = id.split('_').next().unwrap_or(&ctx.region).to_owned();
    let extra: Map<String, Value> = body
        .iter()
        .filter(|(k, _)| !INTERPRETED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let first_auth_factors =
        first_factors(req.policies.as_ref())?.unwrap_or_else(|| vec!["PASSWORD".to_owned()]);
    let access_key = SigningKey::generate().map_err(|e| ApiError::internal(e.to_string()))?;
    let id_key = SigningKey::generate().map_err(|e| ApiError::internal(e.to_string()))?;
    let now = ctx.now();
    let pool = UserPool {
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
        first_auth_factors,
        allow_admin_create_user_only: admin_cfg
            .and_then(|c| c.allow_admin_create_user_only)
            .unwrap_or(false),
        extra,
        access_key,
        id_key,
        stamp: None,
    };
    check_tier(&pool)?;
    Ok(pool)
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
            "SignInPolicy": {"AllowedFirstAuthFactors": pool.first_auth_factors},
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

pub(crate) fn describe(ctx: &Ctx, req: t::DescribeUserPoolRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut v = render(ctx, &pool)?;
    if let Some(d) = crate::services::oauth::domains::of_pool(ctx, &pool.id)? {
        let member = if d.custom.is_some() {
            "CustomDomain"
        } else {
            "Domain"
        };
        v[member] = json!(d.name);
    }
    Ok(json!({ "UserPool": v }))
}

/// ListUserPools. The answer stays JSON: `LambdaConfig` is the stored one as sent.
pub(crate) fn list(ctx: &Ctx, req: t::ListUserPoolsRequest) -> Result<Value, ApiError> {
    let max = req.max_results.max(1); // 1..=60, as the model's PoolQueryLimitType checked
    let offset = parse_offset(req.next_token.as_deref())?;
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
///
/// `body` is the request as sent: its members not interpreted here are kept as given.
pub(crate) fn update(
    ctx: &Ctx,
    req: t::UpdateUserPoolRequest,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut pool = ctx.pool(&req.user_pool_id)?;
    if let Some(name) = &req.pool_name {
        pool.name = name.to_owned();
    }
    pool.password_policy = password_policy(req.policies.as_ref(), PasswordPolicy::default())?;
    // Unlike the other settings, a sign-in policy left out of UpdateUserPool stays as it was
    // (AWS keeps choice-based sign-in on until a policy of `["PASSWORD"]` turns it off, as the
    // CDK's choice-based authentication change recorded against the real service).
    if let Some(factors) = first_factors(req.policies.as_ref())? {
        pool.first_auth_factors = factors;
    }
    // The enums below are the model's (requests and seed files are checked against it).
    pool.deletion_protection = req
        .deletion_protection
        .map_or("INACTIVE", t::DeletionProtectionType::as_str)
        .to_owned();
    pool.auto_verified_attributes = names(
        req.auto_verified_attributes.as_deref(),
        t::VerifiedAttributeType::as_str,
    );
    pool.mfa_configuration = req
        .mfa_configuration
        .map_or("OFF", t::UserPoolMfaType::as_str)
        .to_owned();
    pool.allow_admin_create_user_only = req
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.allow_admin_create_user_only)
        .unwrap_or(false);
    pool.extra.retain(|k, _| {
        !UPDATABLE.contains(&k.as_str()) || body.get(k).is_some_and(|v| !v.is_null())
    });
    for (k, v) in body {
        if !INTERPRETED.contains(&k.as_str()) {
            pool.extra.insert(k.clone(), v.clone());
        }
    }
    check_tier(&pool)?;
    pool.modified = ctx.now();
    ctx.store.pool_put(&pool)?;
    Ok(json!({}))
}

pub(crate) fn delete(ctx: &Ctx, req: t::DeleteUserPoolRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    if pool.deletion_protection == "ACTIVE" {
        return Err(ApiError::invalid(
            "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
        ));
    }
    if crate::services::oauth::domains::of_pool(ctx, &pool.id)?.is_some() {
        return Err(ApiError::invalid(
            "User pool cannot be deleted. It has a domain configured that should be deleted first.",
        ));
    }
    ctx.store
        .apply(crate::store::cascade::delete_pool(&pool.id))?;
    ctx.forget_keys(&pool.id);
    Ok(json!({}))
}
