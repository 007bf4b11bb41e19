//! Multi-factor authentication: SetUserPoolMfaConfig, GetUserPoolMfaConfig,
//! AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
//! AdminSetUserMFAPreference; a user's factors (`UserMFASettingList`, `PreferredMfaSetting`);
//! and which second factor a login needs.
//!
//! State: the pool's factor configuration is the record `mfa_config` (scope = pool id), the
//! user's factors the record `user_mfa` (key = internal user name, checked against the `sub`).
//! TOTP secrets are stored sealed (AES-256-GCM under the server key) and never logged.

use cognate_model::idp::ErrorKind as E;
use serde_json::{Map, Value, json};

use super::Req;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;
use crate::services::login::{self, Step};
use crate::services::mfa::{
    Factor, POOL_KEY, POOL_KIND, PoolFactors, TOTP_WINDOW, UserFactors, seal_secret,
};

fn one_of_token_or_session(req: &Req) -> Result<(Option<&str>, Option<&str>), ApiError> {
    let token = req.opt_str("AccessToken")?;
    let session = req.opt_str("Session")?;
    if token.is_none() && session.is_none() {
        return Err(ApiError::invalid(
            "Either AccessToken or Session must be provided.",
        ));
    }
    Ok((token, session))
}

/// AssociateSoftwareToken: a new TOTP secret (`SecretCode`, base32) for the user of an
/// `AccessToken`, or — during `MFA_SETUP` — of a `Session` (then a new `Session` comes back).
pub(crate) fn associate_software_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (token, session) = one_of_token_or_session(req)?;
    let secret = cognate_totp::TotpSecret::generate(&mut cognate_srp::os_rng());
    let code = secret.to_base32();
    if let Some(token) = token {
        let (pool, _, user) = crate::services::tokens::token_user(ctx, token)?;
        let mut uf = UserFactors::load(ctx, &pool, &user)?;
        uf.set("totp_pending", json!(seal_secret(ctx, &secret)));
        uf.save(ctx, &pool, &user)?;
        return Ok(json!({ "SecretCode": code }));
    }
    let session = session.unwrap_or_default();
    let (state, client) = login::open_any(ctx, session, &["MFA_SETUP"])?;
    login::consume(ctx, &client, &state)?;
    let next = login::next_step(
        &state,
        Step::MfaSetup {
            totp_secret: Some(code.clone()),
            verified: false,
        },
    );
    Ok(json!({ "SecretCode": code, "Session": login::issue(ctx, next) }))
}

/// VerifySoftwareToken: checks `UserCode` against the secret AssociateSoftwareToken handed out.
pub(crate) fn verify_software_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (token, session) = one_of_token_or_session(req)?;
    let code = req.str("UserCode")?;
    let mismatch = || {
        ApiError::new(
            E::EnableSoftwareTokenMFAException,
            "Code mismatch and fail enable Software Token MFA",
        )
    };
    let now = u64::try_from(ctx.now()).unwrap_or(0);
    if let Some(token) = token {
        let (pool, _, user) = crate::services::tokens::token_user(ctx, token)?;
        let mut uf = UserFactors::load(ctx, &pool, &user)?;
        let Some(secret) = uf.secret(ctx, "totp_pending") else {
            return Err(ApiError::new(
                E::SoftwareTokenMFANotFoundException,
                "Software Token MFA does not exist for the user.",
            ));
        };
        let step = secret.check(code, now, TOTP_WINDOW).ok_or_else(mismatch)?;
        let pending = uf.doc.remove("totp_pending").unwrap_or(Value::Null);
        uf.set("totp_secret", pending);
        uf.set("totp_verified", json!(true));
        uf.set("totp_last_step", json!(step));
        if let Some(name) = req.opt_str("FriendlyDeviceName")? {
            uf.set("totp_name", json!(name));
        }
        uf.save(ctx, &pool, &user)?;
        return Ok(json!({ "Status": "SUCCESS" }));
    }
    let session = session.unwrap_or_default();
    let (state, client) = login::open_any(ctx, session, &["MFA_SETUP"])?;
    let handed_out = match &state.step {
        Step::MfaSetup { totp_secret, .. } => totp_secret.as_deref(),
        _ => None,
    };
    let secret = handed_out
        .and_then(|s| cognate_totp::TotpSecret::from_base32(s).ok())
        .ok_or_else(|| {
            ApiError::new(
                E::SoftwareTokenMFANotFoundException,
                "Software Token MFA does not exist for the user.",
            )
        })?;
    let step = secret.check(code, now, TOTP_WINDOW).ok_or_else(mismatch)?;
    let pool = ctx.pool(&state.pool)?;
    let user = ctx
        .store
        .user_get(&pool.id, &state.user)?
        .ok_or_else(ApiError::user_not_found)?;
    login::consume(ctx, &client, &state)?;
    let mut uf = UserFactors::load(ctx, &pool, &user)?;
    uf.doc.remove("totp_pending");
    uf.set("totp_secret", json!(seal_secret(ctx, &secret)));
    uf.set("totp_verified", json!(true));
    uf.set("totp_last_step", json!(step));
    if let Some(name) = req.opt_str("FriendlyDeviceName")? {
        uf.set("totp_name", json!(name));
    }
    uf.save(ctx, &pool, &user)?;
    let next = login::next_step(
        &state,
        Step::MfaSetup {
            totp_secret: None,
            verified: true,
        },
    );
    Ok(json!({ "Status": "SUCCESS", "Session": login::issue(ctx, next) }))
}

/// Applies `SMSMfaSettings`, `SoftwareTokenMfaSettings`, `EmailMfaSettings`.
fn set_preference(ctx: &Ctx, pool: &UserPool, user: &User, req: &Req) -> Result<(), ApiError> {
    let mut uf = UserFactors::load(ctx, pool, user)?;
    let members = [
        ("SMSMfaSettings", Factor::Sms, "sms_enabled"),
        (
            "SoftwareTokenMfaSettings",
            Factor::SoftwareToken,
            "totp_enabled",
        ),
        ("EmailMfaSettings", Factor::Email, "email_enabled"),
    ];
    for (member, factor, flag) in members {
        let Some(settings) = req.opt_obj(member)? else {
            continue;
        };
        let enabled = settings.opt_bool("Enabled")?;
        let preferred = settings.opt_bool("PreferredMfa")?.unwrap_or(false);
        if enabled == Some(true) || preferred {
            let possible = match factor {
                Factor::SoftwareToken => uf.flag("totp_verified"),
                Factor::Sms => user.attributes.contains_key("phone_number"),
                Factor::Email => user.attributes.contains_key("email"),
            };
            if !possible {
                return Err(ApiError::invalid(format!(
                    "User does not have delivery config set to turn on {}",
                    factor.as_str()
                )));
            }
        }
        if let Some(e) = enabled {
            uf.set(flag, json!(e));
        }
        let now_enabled = uf.flag(flag);
        if preferred && now_enabled {
            uf.set("preferred", json!(factor.as_str()));
        } else if (settings.get("PreferredMfa").is_some() || !now_enabled)
            && uf.preferred() == Some(factor)
        {
            uf.doc.remove("preferred");
        }
    }
    uf.save(ctx, pool, user)
}

/// SetUserMFAPreference (AccessToken).
pub(crate) fn set_user_mfa_preference(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, req.str("AccessToken")?)?;
    set_preference(ctx, &pool, &user, req)?;
    Ok(json!({}))
}

/// AdminSetUserMFAPreference.
pub(crate) fn admin_set_user_mfa_preference(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let user = crate::services::users::get(ctx, &pool, req.str("Username")?)?;
    set_preference(ctx, &pool, &user, req)?;
    Ok(json!({}))
}

fn config_answer(pool: &UserPool, pf: &PoolFactors) -> Value {
    let mut out = Map::new();
    for member in [
        "SmsMfaConfiguration",
        "SoftwareTokenMfaConfiguration",
        "EmailMfaConfiguration",
    ] {
        if let Some(v) = pf.config.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert("MfaConfiguration".into(), json!(pool.mfa_configuration));
    Value::Object(out)
}

/// SetUserPoolMfaConfig.
pub(crate) fn set_user_pool_mfa_config(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let mut pool = ctx.pool(req.str("UserPoolId")?)?;
    let mut pf = PoolFactors::load(ctx, &pool)?;
    for member in [
        "SmsMfaConfiguration",
        "SoftwareTokenMfaConfiguration",
        "EmailMfaConfiguration",
    ] {
        match req.get(member) {
            None => {}
            Some(Value::Object(m)) => {
                pf.config.insert(member.into(), Value::Object(m.clone()));
            }
            Some(_) => return Err(ApiError::invalid(format!("{member} must be an object"))),
        }
    }
    if let Some(m) = req.opt_str("MfaConfiguration")? {
        if !["OFF", "ON", "OPTIONAL"].contains(&m) {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{m}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
            )));
        }
        pool.mfa_configuration = m.to_owned();
    }
    if pool.mfa_configuration != "OFF"
        && ![Factor::SoftwareToken, Factor::Sms, Factor::Email]
            .iter()
            .any(|f| pf.enabled(*f))
    {
        return Err(ApiError::invalid(
            "At least one MFA method (SMS, software token or email) must be enabled when MfaConfiguration is ON or OPTIONAL.",
        ));
    }
    ctx.store.doc_put(
        POOL_KIND,
        &pool.id,
        POOL_KEY,
        &Value::Object(pf.config.clone()),
    )?;
    pool.modified = ctx.now();
    ctx.store.pool_put(&pool)?;
    Ok(config_answer(&pool, &pf))
}

/// GetUserPoolMfaConfig.
pub(crate) fn get_user_pool_mfa_config(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let pf = PoolFactors::load(ctx, &pool)?;
    Ok(config_answer(&pool, &pf))
}
