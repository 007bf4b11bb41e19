//! Multi-factor authentication: the factors a pool enables and a user set up, what a login
//! needs after the password ([`need`]), TOTP checks with replay protection, and the MFA
//! settings of a user as GetUser and AdminGetUser show them.

use cognate_model::idp::ErrorKind as E;
use serde_json::{Map, Value, json};

use super::Ctx;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::secret_block::Purpose;
use crate::store::RecordKind;

pub(crate) const POOL_KIND: RecordKind = RecordKind::MfaConfig;

pub(crate) const POOL_KEY: &str = "config";

pub(crate) const USER_KIND: RecordKind = RecordKind::UserMfa;

/// TOTP codes are accepted one step (30 s) early or late.
pub(crate) const TOTP_WINDOW: u64 = 1;

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

    pub(crate) fn parse(s: &str) -> Option<Self> {
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
pub(crate) struct PoolFactors {
    pub(crate) config: Map<String, Value>,
}

impl PoolFactors {
    pub(crate) fn load(ctx: &Ctx, pool: &UserPool) -> Result<Self, ApiError> {
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

    pub(crate) fn enabled(&self, f: Factor) -> bool {
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
pub(crate) struct UserFactors {
    pub(crate) doc: Map<String, Value>,
}

impl UserFactors {
    pub(crate) fn load(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<Self, ApiError> {
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

    pub(crate) fn save(&self, ctx: &Ctx, pool: &UserPool, user: &User) -> Result<(), ApiError> {
        ctx.store.doc_put(
            USER_KIND,
            &pool.id,
            &user.username,
            &Value::Object(self.doc.clone()),
        )?;
        Ok(())
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.doc.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub(crate) fn set(&mut self, name: &str, v: Value) {
        self.doc.insert(name.into(), v);
    }

    pub(crate) fn secret(&self, ctx: &Ctx, field: &str) -> Option<cognate_totp::TotpSecret> {
        let sealed = self.doc.get(field)?.as_str()?;
        let b32: String = ctx.sealer.open_b64(Purpose::TotpSecret, sealed)?;
        cognate_totp::TotpSecret::from_base32(&b32).ok()
    }

    pub(crate) fn preferred(&self) -> Option<Factor> {
        self.doc
            .get("preferred")
            .and_then(Value::as_str)
            .and_then(Factor::parse)
    }

    /// Enabled factors (the user's settings and attributes only).
    pub(crate) fn enabled(&self, user: &User) -> Vec<Factor> {
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

pub(crate) fn seal_secret(ctx: &Ctx, secret: &cognate_totp::TotpSecret) -> String {
    ctx.sealer.seal(Purpose::TotpSecret, &secret.to_base32())
}
