//! What a name no user has is answered with, through a client that prevents user-existence
//! errors, where a real user would get a challenge: a stand-in user (for the events and the
//! sealed session), the code challenges of `USER_AUTH` (a masked destination, no code sent: any
//! answer is a wrong code) and its passkey challenge (request options shaped as a real user's,
//! with one credential id the name always gets: any answer is refused); and what the password
//! challenges of such a name are made of (a stand-in SRP verifier and user id, a lockout key),
//! all derived from the server's decoy key so that one name always gets the same.

use std::collections::HashMap;

use cognate_model::idp::types::ChallengeNameType as C;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{Answer, Step, issue, state_for};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::services::outbox::{self, Medium};
use crate::services::{Ctx, passkeys, triggers, users};

/// The pending-challenge key of a stand-in passkey challenge (a real one is `sign-in:{uuid}`).
pub(crate) const PASSKEY: &str = "decoy";

/// The stand-in of a name no user has: the user id a real user of that name would show
/// (`decoy_user_id`), nothing else.
pub(crate) fn stand_in(ctx: &Ctx, pool: &UserPool, name: &str) -> User {
    let id = decoy_user_id(ctx, pool, name);
    User {
        pool_id: pool.id.clone(),
        username: id.clone(),
        sub: id,
        attributes: Default::default(),
        enabled: true,
        status: UserStatus::Confirmed,
        verifier: None,
        created: 0,
        modified: 0,
        password_set: 0,
    }
}

/// `EMAIL_OTP` / `SMS_OTP` for a name no user has: the challenge a real user gets, with the
/// name (or, when it is no address, an address made from it) masked as the destination;
/// nothing is sent, and the session holds no code, so every answer is a wrong code.
pub(crate) fn code_challenge(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    login: &str,
    medium: Medium,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    triggers::pre_authentication_unknown(ctx, pool, login, &client.id)?;
    let destination = match medium {
        Medium::Email if login.contains('@') => outbox::mask(medium, login),
        Medium::Email => outbox::mask(medium, &format!("{login}@example.com")),
        Medium::Sms if login.starts_with('+') => outbox::mask(medium, login),
        Medium::Sms => outbox::mask(medium, "+15555550100"),
    };
    let (step, name) = match medium {
        Medium::Email => (Step::EmailOtp { code: None }, C::EmailOtp),
        Medium::Sms => (Step::SmsOtp { code: None }, C::SmsOtp),
    };
    let user = stand_in(ctx, pool, login);
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let session = issue(ctx, state_for(pool, client, &user, device_key, step));
    Ok(Answer::challenge(
        name,
        Some(session),
        [
            ("CODE_DELIVERY_DELIVERY_MEDIUM", medium.as_str().to_owned()),
            ("CODE_DELIVERY_DESTINATION", destination),
        ],
    ))
}

/// `WEB_AUTHN` for a name no user has: request options shaped as a real user's
/// ([`passkeys::decoy_assertion_options`]) with a credential id the name always gets; the
/// answer is refused as a wrong passkey is.
pub(crate) fn passkey_challenge(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    login: &str,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    triggers::pre_authentication_unknown(ctx, pool, login, &client.id)?;
    let user = stand_in(ctx, pool, login);
    let credential_id = decoy_mac(
        ctx,
        &[b"passkey", pool.id.as_bytes(), user.username.as_bytes()],
    );
    let options = passkeys::decoy_assertion_options(ctx, pool, &credential_id)?;
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    let step = Step::WebAuthn {
        pending: PASSKEY.to_owned(),
    };
    let session = issue(ctx, state_for(pool, client, &user, device_key, step));
    Ok(Answer::challenge(
        C::WebAuthn,
        Some(session),
        [("CREDENTIAL_REQUEST_OPTIONS", options.to_string())],
    ))
}

/// HMAC-SHA256 under the server's decoy key of `parts`, separated by NUL bytes.
pub(crate) fn decoy_mac(ctx: &Ctx, parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&ctx.decoy_key) {
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(b"\0");
            }
            mac.update(part);
        }
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

pub(crate) fn decoy_salt(ctx: &Ctx, pool: &UserPool, username: &str) -> [u8; 16] {
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&decoy_mac(ctx, &[pool.id.as_bytes(), username.as_bytes()])[..16]);
    salt[0] |= 1; // no leading zero byte: SALT goes out as minimal hex either way
    salt
}

/// The stand-in SRP verifier of a user that does not exist (PreventUserExistenceErrors): the
/// salt and `v` derived from the server's decoy key, the pool and the name, so one unknown name
/// always gets the same SALT, as a real user does. `v` is a keyed hash below N rather than
/// g^x of some password: making g^x would cost an exponentiation that a real user's login does
/// not make, and the time would tell the two apart.
pub(crate) fn decoy_verifier(
    ctx: &Ctx,
    pool: &UserPool,
    username: &str,
) -> Result<cognate_srp::Verifier, ApiError> {
    let name = users::normalize_name(pool, username);
    let mut v = Vec::with_capacity(384);
    for block in 0u8..12 {
        v.extend_from_slice(&decoy_mac(
            ctx,
            &[b"v", pool.id.as_bytes(), name.as_bytes(), &[block]],
        ));
    }
    // N (RFC 5054's 3072-bit group) starts with 0xFF…: a clear top bit keeps v below it.
    v[0] &= 0x7f;
    v[0] |= 0x40;
    let salt = decoy_salt(ctx, pool, &name);
    let salt_hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    cognate_srp::Verifier::from_parts(&salt_hex, &v).map_err(|e| ApiError::internal(e.to_string()))
}

/// The `USER_ID_FOR_SRP` of an unknown name: the name itself where a real user's would be the
/// name too; a UUID derived from the name where a real user's would be a UUID (pools that sign
/// in with email or phone number) or another name (an alias), so the form does not tell.
pub(crate) fn decoy_user_id(ctx: &Ctx, pool: &UserPool, username: &str) -> String {
    let name = users::normalize_name(pool, username);
    let by_attribute = !pool.username_attributes.is_empty()
        || (!pool.alias_attributes.is_empty() && (name.contains('@') || name.starts_with('+')));
    if !by_attribute {
        return name;
    }
    let h = decoy_mac(ctx, &[b"id", pool.id.as_bytes(), name.as_bytes()]);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The lockout counter of an unknown name: a key no real user name can be (user names have no
/// white space), so unknown names are locked out exactly as real users are.
pub(crate) fn decoy_lockout_key(pool: &UserPool, username: &str) -> String {
    format!("unknown {}", users::normalize_name(pool, username))
}
