//! What a name no user has is answered with, through a client that prevents user-existence
//! errors, where a real user would get a challenge: a stand-in user (for the events and the
//! sealed session), the code challenges of `USER_AUTH` (a masked destination, no code sent: any
//! answer is a wrong code) and its passkey challenge (request options shaped as a real user's,
//! with one credential id the name always gets: any answer is refused). The password
//! challenges' stand-ins are in [`super::password`].

use std::collections::HashMap;

use cognate_model::idp::types::ChallengeNameType as C;

use super::password::{decoy_mac, decoy_user_id};
use super::{Answer, Step, issue, state_for};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::services::outbox::{self, Medium};
use crate::services::{Ctx, passkeys, triggers};

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
