//! Multi-factor authentication: SetUserPoolMfaConfig, GetUserPoolMfaConfig,
//! AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
//! AdminSetUserMFAPreference; a user's factors (`UserMFASettingList`, `PreferredMfaSetting`);
//! and which second factor a login needs.
//!
//! State: the pool's factor configuration is the record `mfa_config` (scope = pool id), the
//! user's factors the record `user_mfa` (key = internal user name, checked against the `sub`).
//! TOTP secrets are stored sealed (AES-256-GCM under the server key) and never logged.

use crate::store::RecordKind;
use cognate_model::idp::ErrorKind as E;
use serde_json::{Map, Value, json};

use super::{Ctx, Req};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::secret_block::Purpose;

const POOL_KIND: RecordKind = RecordKind::MfaConfig;
const POOL_KEY: &str = "config";
const USER_KIND: RecordKind = RecordKind::UserMfa;
/// TOTP codes are accepted one step (30 s) early or late.
const TOTP_WINDOW: u64 = 1;

/// A second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Factor {
    /// `SOFTWARE_TOKEN_MFA` (TOTP).
    SoftwareToken,
    /// `SMS_MFA`.
    Sms,
    /// `EMAIL_OTP`.
    Email,
}

impl Factor {
    /// The challenge name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Factor::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            Factor::Sms => "SMS_MFA",
            Factor::Email => "EMAIL_OTP",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "SOFTWARE_TOKEN_MFA" => Factor::SoftwareToken,
            "SMS_MFA" => Factor::Sms,
            "EMAIL_OTP" => Factor::Email,
            _ => return None,
        })
    }
}

/// What a login needs after the password.
pub(crate) enum MfaNeed {
    /// `MFA_SETUP`: the pool requires MFA and the user has no factor.
    Setup(Vec<Factor>),
    /// One factor's challenge.
    One(Factor),
    /// `SELECT_MFA_TYPE`: several factors and no preference.
    Select(Vec<Factor>),
}

/// The pool's factors: the SetUserPoolMfaConfig record, or, for a pool never configured that
/// way, what its CreateUserPool members say (TOTP on whenever MFA is not `OFF`).
struct PoolFactors {
    config: Map<String, Value>,
}

impl PoolFactors {
    fn load(ctx: &Ctx, pool: &UserPool) -> Result<Self, ApiError> {
        let config = match ctx.store.doc_get(POOL_KIND, &pool.id, POOL_KEY)? {
            Some(Value::Object(m)) => m,
            _ => {
                let mut m = Map::new();
                let totp = pool
                    .extra
                    .get("SoftwareTokenMfaConfiguration")
                    .and_then(|v| v.get("Enabled"))
                    .and_then(Value::as_bool)
                    .unwrap_or(pool.mfa_configuration != "OFF");
                m.insert(
                    "SoftwareTokenMfaConfiguration".into(),
                    json!({"Enabled": totp}),
                );
                if let Some(sms) = pool.extra.get("SmsConfiguration") {
                    m.insert(
                        "SmsMfaConfiguration".into(),
                        json!({"SmsConfiguration": sms}),
                    );
                }
                if let Some(email) = pool.extra.get("EmailMfaConfiguration") {
                    m.insert("EmailMfaConfiguration".into(), email.clone());
                }
                m
            }
        };
        Ok(PoolFactors { config })
    }

    fn enabled(&self, f: Factor) -> bool {
        match f {
            Factor::SoftwareToken => self
                .config
                .get("SoftwareTokenMfaConfiguration")
                .and_then(|v| v.get("Enabled"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            Factor::Sms => self.config.contains_key("SmsMfaConfiguration"),
            Factor::Email => self.config.contains_key("EmailMfaConfiguration"),
        }
    }
}

/// A user's factors, as stored.
#[derive(Default)]
struct UserFactors {
    doc: Map<String, Value>,
}

impl UserFactors {
    fn load(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Self, ApiError> {
        let doc = match ctx.store.doc_get(USER_KIND, &pool.id, &user.username)? {
            // A record of a deleted user of the same name is not this user's.
            Some(Value::Object(m)) if m.get("sub").and_then(Value::as_str) == Some(&user.sub) => m,
            _ => {
                let mut m = Map::new();
                m.insert("sub".into(), json!(user.sub));
                m
            }
        };
        Ok(UserFactors { doc })
    }

    fn save(&self, ctx: &Ctx, pool: &UserPool, user: &User) -> Result<(), ApiError> {
        ctx.store.doc_put(
            USER_KIND,
            &pool.id,
            &user.username,
            &Value::Object(self.doc.clone()),
        )?;
        Ok(())
    }

    fn flag(&self, name: &str) -> bool {
        self.doc.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    fn set(&mut self, name: &str, v: Value) {
        self.doc.insert(name.into(), v);
    }

    fn secret(&self, ctx: &Ctx, field: &str) -> Option<cognate_totp::TotpSecret> {
        let sealed = self.doc.get(field)?.as_str()?;
        let b32: String = ctx.sealer.open_b64(Purpose::TotpSecret, sealed)?;
        cognate_totp::TotpSecret::from_base32(&b32).ok()
    }

    fn preferred(&self) -> Option<Factor> {
        self.doc
            .get("preferred")
            .and_then(Value::as_str)
            .and_then(Factor::parse)
    }

    /// Enabled factors (the user's settings and attributes only).
    fn enabled(&self, user: &User) -> Vec<Factor> {
        let mut out = Vec::new();
        if self.flag("sms_enabled") && user.attributes.contains_key("phone_number") {
            out.push(Factor::Sms);
        }
        if self.flag("totp_verified") && self.flag("totp_enabled") {
            out.push(Factor::SoftwareToken);
        }
        if self.flag("email_enabled") && user.attributes.contains_key("email") {
            out.push(Factor::Email);
        }
        out
    }
}

/// The second factor a login of `user` needs, if any.
pub(crate) fn need(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Option<MfaNeed>, ApiError> {
    if pool.mfa_configuration != "ON" && pool.mfa_configuration != "OPTIONAL" {
        return Ok(None);
    }
    let pf = PoolFactors::load(ctx, pool)?;
    let uf = UserFactors::load(ctx, pool, user)?;
    let mut factors: Vec<Factor> = uf
        .enabled(user)
        .into_iter()
        .filter(|f| pf.enabled(*f))
        .collect();
    // A pool that requires MFA uses a verified software token even if not switched on.
    if pool.mfa_configuration == "ON"
        && pf.enabled(Factor::SoftwareToken)
        && uf.flag("totp_verified")
        && !factors.contains(&Factor::SoftwareToken)
    {
        factors.push(Factor::SoftwareToken);
    }
    // A pool that requires MFA sends SMS or email codes to a user who has the attribute, even
    // one who never chose that factor (AWS: with MFA required, SMS and email MFA are active
    // for every user with a phone number or email address).
    if pool.mfa_configuration == "ON" && factors.is_empty() {
        for (factor, attribute) in [(Factor::Sms, "phone_number"), (Factor::Email, "email")] {
            if pf.enabled(factor) && user.attributes.contains_key(attribute) {
                factors.push(factor);
            }
        }
    }
    if factors.is_empty() {
        if pool.mfa_configuration == "ON" {
            // Required, and nothing to send a code to: the user must set a factor up first. No
            // tokens without a second factor, ever.
            let setup: Vec<Factor> = [Factor::SoftwareToken, Factor::Sms, Factor::Email]
                .into_iter()
                .filter(|f| pf.enabled(*f))
                .collect();
            return Ok(Some(MfaNeed::Setup(setup)));
        }
        return Ok(None);
    }
    if let Some(p) = uf.preferred()
        && factors.contains(&p)
    {
        return Ok(Some(MfaNeed::One(p)));
    }
    if factors.len() == 1 {
        return Ok(Some(MfaNeed::One(factors[0])));
    }
    Ok(Some(MfaNeed::Select(factors)))
}

/// Checks a `SOFTWARE_TOKEN_MFA` code; returns the time step it matched.
pub(crate) fn check_totp(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    code: &str,
) -> Result<u64, ApiError> {
    let uf = UserFactors::load(ctx, pool, user)?;
    let secret = match (uf.flag("totp_verified"), uf.secret(ctx, "totp_secret")) {
        (true, Some(s)) => s,
        _ => {
            return Err(ApiError::new(
                E::SoftwareTokenMFANotFoundException,
                "Software Token MFA does not exist for the user.",
            ));
        }
    };
    let now = u64::try_from(ctx.now()).unwrap_or(0);
    let step = secret
        .check(code, now, TOTP_WINDOW)
        .ok_or_else(|| ApiError::new(E::CodeMismatchException, "Invalid code received for user"))?;
    let last = uf.doc.get("totp_last_step").and_then(Value::as_u64);
    if last.is_some_and(|l| step <= l) {
        return Err(ApiError::new(
            E::CodeMismatchException,
            "Your software token has already been used once.",
        ));
    }
    Ok(step)
}

/// Remembers the last TOTP step used, so that a code is good once.
pub(crate) fn record_totp_step(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    step: u64,
) -> Result<(), ApiError> {
    let mut uf = UserFactors::load(ctx, pool, user)?;
    uf.set("totp_last_step", json!(step));
    uf.save(ctx, pool, user)
}

/// After `MFA_SETUP`: the verified software token is switched on (and preferred if nothing is).
pub(crate) fn enable_after_setup(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<(), ApiError> {
    let mut uf = UserFactors::load(ctx, pool, user)?;
    uf.set("totp_enabled", json!(true));
    if uf.preferred().is_none() {
        uf.set("preferred", json!(Factor::SoftwareToken.as_str()));
    }
    uf.save(ctx, pool, user)
}

/// Adds `UserMFASettingList` and `PreferredMfaSetting` to a GetUser / AdminGetUser answer.
pub(crate) fn annotate(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    out: &mut Value,
) -> Result<(), ApiError> {
    let uf = UserFactors::load(ctx, pool, user)?;
    let enabled = uf.enabled(user);
    if !enabled.is_empty() {
        out["UserMFASettingList"] = json!(enabled.iter().map(|f| f.as_str()).collect::<Vec<_>>());
    }
    if let Some(p) = uf.preferred()
        && enabled.contains(&p)
    {
        out["PreferredMfaSetting"] = json!(p.as_str());
    }
    Ok(())
}

fn seal_secret(ctx: &Ctx, secret: &cognate_totp::TotpSecret) -> String {
    ctx.sealer.seal(Purpose::TotpSecret, &secret.to_base32())
}

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
        let (pool, _, user) = super::auth::token_user(ctx, token)?;
        let mut uf = UserFactors::load(ctx, &pool, &user)?;
        uf.set("totp_pending", json!(seal_secret(ctx, &secret)));
        uf.save(ctx, &pool, &user)?;
        return Ok(json!({ "SecretCode": code }));
    }
    let session = session.unwrap_or_default();
    let (state, client) = super::challenge::open_any(ctx, session, &["MFA_SETUP"])?;
    super::challenge::consume(ctx, &client, &state)?;
    let mut next = state.clone();
    next.totp_secret = Some(code.clone());
    next.verified = false;
    Ok(json!({ "SecretCode": code, "Session": super::challenge::issue(ctx, next) }))
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
        let (pool, _, user) = super::auth::token_user(ctx, token)?;
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
    let (state, client) = super::challenge::open_any(ctx, session, &["MFA_SETUP"])?;
    let secret = state
        .totp_secret
        .as_deref()
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
    super::challenge::consume(ctx, &client, &state)?;
    let mut uf = UserFactors::load(ctx, &pool, &user)?;
    uf.doc.remove("totp_pending");
    uf.set("totp_secret", json!(seal_secret(ctx, &secret)));
    uf.set("totp_verified", json!(true));
    uf.set("totp_last_step", json!(step));
    if let Some(name) = req.opt_str("FriendlyDeviceName")? {
        uf.set("totp_name", json!(name));
    }
    uf.save(ctx, &pool, &user)?;
    let mut next = state.clone();
    next.totp_secret = None;
    next.verified = true;
    Ok(json!({ "Status": "SUCCESS", "Session": super::challenge::issue(ctx, next) }))
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
    let (pool, _, user) = super::auth::token_user(ctx, req.str("AccessToken")?)?;
    set_preference(ctx, &pool, &user, req)?;
    Ok(json!({}))
}

/// AdminSetUserMFAPreference.
pub(crate) fn admin_set_user_mfa_preference(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let user = super::users::get(ctx, &pool, req.str("Username")?)?;
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
