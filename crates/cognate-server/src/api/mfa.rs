//! Multi-factor authentication: SetUserPoolMfaConfig, GetUserPoolMfaConfig,
//! AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
//! AdminSetUserMFAPreference; a user's factors (`UserMFASettingList`, `PreferredMfaSetting`);
//! and which second factor a login needs.
//!
//! State: the pool's factor configuration is the record `mfa_config` (scope = pool id), the
//! user's factors the record `user_mfa` (key = internal user name, checked against the `sub`).
//! TOTP secrets are stored sealed (AES-256-GCM under the server key) and never logged.

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde_json::{Map, Value, json};

use super::reply;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;
use crate::services::login::{self, Step};
use crate::services::mfa::{
    Factor, POOL_KEY, POOL_KIND, PoolFactors, TOTP_WINDOW, UserFactors, seal_secret,
};

fn one_of_token_or_session<'a>(
    token: Option<&'a str>,
    session: Option<&'a str>,
) -> Result<(Option<&'a str>, Option<&'a str>), ApiError> {
    if token.is_none() && session.is_none() {
        return Err(ApiError::invalid(
            "Either AccessToken or Session must be provided.",
        ));
    }
    Ok((token, session))
}

/// AssociateSoftwareToken: a new TOTP secret (`SecretCode`, base32) for the user of an
/// `AccessToken`, or — during `MFA_SETUP` — of a `Session` (then a new `Session` comes back).
pub(crate) fn associate_software_token(
    ctx: &Ctx,
    req: t::AssociateSoftwareTokenRequest,
) -> Result<Value, ApiError> {
    let (token, session) =
        one_of_token_or_session(req.access_token.as_deref(), req.session.as_deref())?;
    let secret = cognate_totp::TotpSecret::generate(&mut cognate_srp::os_rng());
    let code = secret.to_base32();
    if let Some(token) = token {
        let (pool, _, user) = crate::services::tokens::token_user(ctx, token)?;
        let mut uf = UserFactors::load(ctx, &pool, &user)?;
        uf.set("totp_pending", json!(seal_secret(ctx, &secret)));
        uf.save(ctx, &pool, &user)?;
        return reply(&t::AssociateSoftwareTokenResponse {
            secret_code: Some(code),
            session: None,
        });
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
    reply(&t::AssociateSoftwareTokenResponse {
        secret_code: Some(code),
        session: Some(login::issue(ctx, next)),
    })
}

/// VerifySoftwareToken: checks `UserCode` against the secret AssociateSoftwareToken handed out.
pub(crate) fn verify_software_token(
    ctx: &Ctx,
    req: t::VerifySoftwareTokenRequest,
) -> Result<Value, ApiError> {
    let (token, session) =
        one_of_token_or_session(req.access_token.as_deref(), req.session.as_deref())?;
    let code = req.user_code.as_str();
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
        if let Some(name) = &req.friendly_device_name {
            uf.set("totp_name", json!(name));
        }
        uf.save(ctx, &pool, &user)?;
        return reply(&t::VerifySoftwareTokenResponse {
            session: None,
            status: Some(t::VerifySoftwareTokenResponseType::Success),
        });
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
    if let Some(name) = &req.friendly_device_name {
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
    reply(&t::VerifySoftwareTokenResponse {
        session: Some(login::issue(ctx, next)),
        status: Some(t::VerifySoftwareTokenResponseType::Success),
    })
}

/// One factor's settings of a preference request: `Enabled` and `PreferredMfa`.
type Settings = Option<(Option<bool>, Option<bool>)>;

/// Applies `SMSMfaSettings`, `SoftwareTokenMfaSettings`, `EmailMfaSettings`, in that order.
fn set_preference(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    [sms, totp, email]: [Settings; 3],
) -> Result<(), ApiError> {
    let mut uf = UserFactors::load(ctx, pool, user)?;
    let members = [
        (sms, Factor::Sms, "sms_enabled"),
        (totp, Factor::SoftwareToken, "totp_enabled"),
        (email, Factor::Email, "email_enabled"),
    ];
    for (settings, factor, flag) in members {
        let Some((enabled, preferred_mfa)) = settings else {
            continue;
        };
        let preferred = preferred_mfa.unwrap_or(false);
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
        } else if (preferred_mfa.is_some() || !now_enabled) && uf.preferred() == Some(factor) {
            uf.doc.remove("preferred");
        }
    }
    uf.save(ctx, pool, user)
}

/// SetUserMFAPreference (AccessToken).
pub(crate) fn set_user_mfa_preference(
    ctx: &Ctx,
    req: t::SetUserMFAPreferenceRequest,
) -> Result<Value, ApiError> {
    let (pool, _, user) = crate::services::tokens::token_user(ctx, &req.access_token)?;
    let settings = [
        req.sms_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
        req.software_token_mfa_settings
            .map(|s| (s.enabled, s.preferred_mfa)),
        req.email_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
    ];
    set_preference(ctx, &pool, &user, settings)?;
    Ok(json!({}))
}

/// AdminSetUserMFAPreference.
pub(crate) fn admin_set_user_mfa_preference(
    ctx: &Ctx,
    req: t::AdminSetUserMFAPreferenceRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let user = crate::services::users::get(ctx, &pool, &req.username)?;
    let settings = [
        req.sms_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
        req.software_token_mfa_settings
            .map(|s| (s.enabled, s.preferred_mfa)),
        req.email_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
    ];
    set_preference(ctx, &pool, &user, settings)?;
    Ok(json!({}))
}

/// The answer of Set/GetUserPoolMfaConfig. Untyped: it echoes the factor configurations as they
/// were stored (the request's objects as given, members the model does not know included).
fn config_answer(pool: &UserPool, pf: &PoolFactors) -> Value {
    let mut out = Map::new();
    for member in [
        "SmsMfaConfiguration",
        "SoftwareTokenMfaConfiguration",
        "EmailMfaConfiguration",
        "WebAuthnConfiguration",
    ] {
        if let Some(v) = pf.config.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert("MfaConfiguration".into(), json!(pool.mfa_configuration));
    Value::Object(out)
}

/// SetUserPoolMfaConfig. `body` is the request as sent: the factor configurations are stored
/// as given (the typed request would drop the members the model does not know, and nulls).
pub(crate) fn set_user_pool_mfa_config(
    ctx: &Ctx,
    req: t::SetUserPoolMfaConfigRequest,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut pool = ctx.pool(&req.user_pool_id)?;
    let mut pf = PoolFactors::load(ctx, &pool)?;
    for member in [
        "SmsMfaConfiguration",
        "SoftwareTokenMfaConfiguration",
        "EmailMfaConfiguration",
        "WebAuthnConfiguration",
    ] {
        // An object when present: the model's validation checked it.
        if let Some(Value::Object(m)) = body.get(member) {
            pf.config.insert(member.into(), Value::Object(m.clone()));
        }
    }
    if let Some(m) = req.mfa_configuration {
        pool.mfa_configuration = m.as_str().to_owned();
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
    // AWS refuses passkeys as a single factor in a pool that requires MFA (measured against
    // the real service: "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is
    // required and WebAuthn is an allowed first auth factor").
    let passkey_factor = pf
        .config
        .get("WebAuthnConfiguration")
        .and_then(|w| w.get("FactorConfiguration"))
        .and_then(Value::as_str)
        .unwrap_or("SINGLE_FACTOR");
    if pool.mfa_configuration == "ON"
        && pool.allows_first_factor("WEB_AUTHN")
        && passkey_factor != "MULTI_FACTOR_WITH_USER_VERIFICATION"
    {
        return Err(ApiError::invalid(
            "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an allowed first auth factor",
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
pub(crate) fn get_user_pool_mfa_config(
    ctx: &Ctx,
    req: t::GetUserPoolMfaConfigRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let pf = PoolFactors::load(ctx, &pool)?;
    Ok(config_answer(&pool, &pf))
}
