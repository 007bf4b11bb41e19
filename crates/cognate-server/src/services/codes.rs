//! One-time codes of sign-up, account recovery and attribute verification: 6 digits, sent
//! through the [outbox](super::outbox), and kept as records of kind `code` (scope = pool id)
//! under `{purpose}:{attribute}:{username}`: the code, its expiry (24 h for sign-up and
//! attribute codes, 1 h for forgot-password codes, on the injected clock) and the wrong attempts
//! so far. Checking a code is one atomic read-change-write: a right code is used up, a wrong one
//! counts, and after [`MAX_ATTEMPTS`] wrong answers the code is refused with
//! `LimitExceededException` until a new one is requested.

use std::sync::{Arc, Mutex};

use cognate_model::idp::ErrorKind as E;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Ctx;
use super::outbox::{self, CodeDeliveryDetails, Medium, Purpose};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::store::RecordKind;

/// Lifetime of sign-up confirmation and attribute verification codes.
pub(crate) const CONFIRMATION_CODE_LIFETIME: i64 = 24 * 3600;

/// Lifetime of forgot-password codes.
pub(crate) const RESET_CODE_LIFETIME: i64 = 3600;

/// Wrong answers allowed on one code.
pub(crate) const MAX_ATTEMPTS: i64 = 5;

pub(crate) const CODE_KIND: RecordKind = RecordKind::Code;

pub(crate) fn code_mismatch() -> ApiError {
    ApiError::new(
        E::CodeMismatchException,
        "Invalid verification code provided, please try again.",
    )
}

pub(crate) fn expired_code() -> ApiError {
    ApiError::new(
        E::ExpiredCodeException,
        "Invalid code provided, please request a code again.",
    )
}

pub(crate) fn attempts_exceeded() -> ApiError {
    ApiError::new(
        E::LimitExceededException,
        "Attempt limit exceeded, please try after some time.",
    )
}

pub(crate) fn code_key(purpose: Purpose, attribute: &str, username: &str) -> String {
    format!("{}:{attribute}:{username}", purpose.as_str())
}

/// Creates (replacing any earlier one) a code for `user`, sends it to `medium`'s attribute,
/// and returns the delivery details.
pub(crate) fn issue_code(
    ctx: &Ctx,
    user: &User,
    purpose: Purpose,
    medium: Medium,
    lifetime: i64,
) -> Result<CodeDeliveryDetails, ApiError> {
    let destination = user
        .attributes
        .get(medium.attribute())
        .cloned()
        .ok_or_else(|| ApiError::internal("no destination for the code"))?;
    let code = outbox::new_code();
    ctx.store.doc_put(
        CODE_KIND,
        &user.pool_id,
        &code_key(purpose, medium.attribute(), &user.username),
        &json!({
            "code": code,
            "sub": user.sub,
            "destination": destination,
            "expires": ctx.now() + lifetime,
            "attempts": 0,
        }),
    )?;
    outbox::deliver(
        ctx,
        &user.pool_id,
        &user.username,
        purpose,
        medium,
        &destination,
        &code,
    )
}

#[derive(Clone, Copy)]
pub(crate) enum Verdict {
    Missing,
    Expired,
    Limit,
    Mismatch,
    Ok,
}

/// Checks `given` against the code of `user` for `purpose`: used up when right, counted when
/// wrong; all in one atomic update.
pub(crate) fn use_code(
    ctx: &Ctx,
    user: &User,
    purpose: Purpose,
    attribute: &str,
    given: &str,
) -> Result<(), ApiError> {
    let verdict = Arc::new(Mutex::new(Verdict::Missing));
    let out = verdict.clone();
    let (now, sub, given) = (ctx.now(), user.sub.clone(), given.to_owned());
    // A code belongs to the destination it went to: after the address changed it is void.
    let destination = user.attributes.get(attribute).cloned().unwrap_or_default();
    ctx.store.doc_update(
        CODE_KIND,
        &user.pool_id,
        &code_key(purpose, attribute, &user.username),
        Box::new(move |old| {
            let (v, new) = match old {
                None => (Verdict::Missing, None),
                Some(rec) => {
                    let code = rec.get("code").and_then(Value::as_str).unwrap_or("");
                    let expires = rec.get("expires").and_then(Value::as_i64).unwrap_or(0);
                    let attempts = rec.get("attempts").and_then(Value::as_i64).unwrap_or(0);
                    let same_user = rec.get("sub").and_then(Value::as_str) == Some(sub.as_str())
                        && rec.get("destination").and_then(Value::as_str)
                            == Some(destination.as_str());
                    if !same_user {
                        (Verdict::Missing, None)
                    } else if attempts >= MAX_ATTEMPTS {
                        (Verdict::Limit, Some(rec))
                    } else if now >= expires {
                        (Verdict::Expired, Some(rec))
                    } else if !code.is_empty()
                        && bool::from(code.as_bytes().ct_eq(given.as_bytes()))
                    {
                        (Verdict::Ok, None)
                    } else {
                        let mut rec = rec;
                        rec["attempts"] = json!(attempts + 1);
                        (Verdict::Mismatch, Some(rec))
                    }
                }
            };
            if let Ok(mut slot) = out.lock() {
                *slot = v;
            }
            new
        }),
    )?;
    let v = verdict
        .lock()
        .map(|v| *v)
        .map_err(|_| ApiError::internal("code check failed"))?;
    match v {
        Verdict::Ok => Ok(()),
        Verdict::Mismatch => Err(code_mismatch()),
        Verdict::Limit => Err(attempts_exceeded()),
        Verdict::Expired | Verdict::Missing => Err(expired_code()),
    }
}

pub(crate) fn is_true(user: &User, attribute: &str) -> bool {
    user.attributes.get(attribute).map(String::as_str) == Some("true")
}

/// Where sign-up confirmation codes go: the phone when phone numbers are auto-verified (Cognito
/// prefers SMS when both are), else the email.
pub(crate) fn confirmation_medium(pool: &UserPool, user: &User) -> Option<Medium> {
    let auto = |a: &str| pool.auto_verified_attributes.iter().any(|x| x == a);
    if auto("phone_number") && user.attributes.contains_key("phone_number") {
        Some(Medium::Sms)
    } else if auto("email") && user.attributes.contains_key("email") {
        Some(Medium::Email)
    } else {
        None
    }
}

/// Where forgot-password codes go: a verified phone or email, in the order of the pool's
/// `AccountRecoverySetting` (without one: phone first, as Cognito's legacy behaviour).
pub(crate) fn recovery_medium(pool: &UserPool, user: &User) -> Option<Medium> {
    let mut order: Vec<(i64, Medium)> = Vec::new();
    if let Some(list) = pool
        .extra
        .get("AccountRecoverySetting")
        .and_then(|s| s.get("RecoveryMechanisms"))
        .and_then(Value::as_array)
    {
        for m in list {
            let prio = m.get("Priority").and_then(Value::as_i64).unwrap_or(99);
            match m.get("Name").and_then(Value::as_str) {
                Some("verified_email") => order.push((prio, Medium::Email)),
                Some("verified_phone_number") => order.push((prio, Medium::Sms)),
                _ => {}
            }
        }
        order.sort_by_key(|(p, _)| *p);
    } else {
        order = vec![(1, Medium::Sms), (2, Medium::Email)];
    }
    order.into_iter().map(|(_, m)| m).find(|m| {
        user.attributes.contains_key(m.attribute())
            && is_true(user, &format!("{}_verified", m.attribute()))
    })
}
