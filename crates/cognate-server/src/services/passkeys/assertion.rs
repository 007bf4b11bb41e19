//! The assertion of a `WEB_AUTHN` sign-in: the request options handed out with the challenge,
//! and the check of the authenticator's answer (signature, origin, counter).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AuthenticationResult, AuthenticationState, Credential, PublicKeyCredential,
};

use super::{
    CHALLENGE_LIFETIME, CHALLENGES, CREDENTIALS, Stored, credentials_of, relying_party,
    take_challenge,
};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;

/// A `WEB_AUTHN` sign-in's request options for `user`, and the key of its pending challenge.
pub(crate) fn start_assertion(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<(Value, String), ApiError> {
    let rp = relying_party(ctx, pool)?;
    let creds = credentials_of(ctx, pool, user)?
        .iter()
        .map(Stored::credential)
        .collect::<Result<Vec<_>, _>>()?;
    let core = rp.core()?;
    let builder = core
        .new_challenge_authenticate_builder(creds, Some(rp.policy()))
        .map_err(|e| ApiError::invalid(format!("No passkey to sign in with: {e}")))?;
    let (options, state) = core
        .generate_challenge_authenticate(builder)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let key = format!("sign-in:{}", crate::ids::uuid());
    ctx.store.doc_put(
        CHALLENGES,
        &pool.id,
        &key,
        &json!({
            "sub": user.sub,
            "rp": rp.id,
            "state": serde_json::to_value(&state).map_err(|e| ApiError::internal(e.to_string()))?,
            "expires": ctx.now() + CHALLENGE_LIFETIME,
        }),
    )?;
    let options =
        serde_json::to_value(&options.public_key).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((options, key))
}

/// Checks the answer to a `WEB_AUTHN` challenge (an `AuthenticationResponseJSON`): the
/// pending challenge `key` (taken once), the assertion, a passkey of `user` still registered,
/// and its signature counter, which only goes up.
pub(crate) fn finish_assertion(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    key: &str,
    credential: &str,
) -> Result<(), ApiError> {
    let refused = || ApiError::not_authorized("Incorrect username or passkey.");
    let pending = take_challenge(ctx, pool, key)?
        .filter(|p| p.get("sub").and_then(Value::as_str) == Some(&user.sub))
        .ok_or_else(|| ApiError::not_authorized("Invalid session for the user."))?;
    let rp = relying_party(ctx, pool)?;
    if pending.get("rp").and_then(Value::as_str) != Some(rp.id.as_str()) {
        return Err(refused());
    }
    let state: AuthenticationState =
        serde_json::from_value(pending.get("state").cloned().unwrap_or_default())
            .map_err(|_| refused())?;
    let answer: PublicKeyCredential = serde_json::from_str(credential).map_err(|e| {
        ApiError::invalid(format!(
            "CREDENTIAL is not an AuthenticationResponseJSON: {e}"
        ))
    })?;
    let result: AuthenticationResult = rp
        .core()?
        .authenticate_credential(&answer, &state)
        .map_err(|e| match e {
            WebauthnError::ParseBase64Failure(_)
            | WebauthnError::ParseCBORFailure(_)
            | WebauthnError::ParseJSONFailure(_)
            | WebauthnError::ParseNOMFailure
            | WebauthnError::ParseInsufficientBytesAvailable => {
                ApiError::invalid(format!("CREDENTIAL could not be read: {e}."))
            }
            _ => refused(),
        })?;
    // Still registered (not deleted since the challenge), and the counter moves forward.
    let id = URL_SAFE_NO_PAD.encode(result.cred_id().as_slice());
    let sub = user.sub.clone();
    let ok = Arc::new(AtomicBool::new(false));
    let flag = ok.clone();
    ctx.store.doc_update(
        CREDENTIALS,
        &pool.id,
        &id,
        Box::new(move |old| {
            let Some(Value::Object(mut record)) = old else {
                return old;
            };
            if record.get("sub").and_then(Value::as_str) != Some(&sub) {
                return Some(Value::Object(record));
            }
            let Ok(mut cred) = serde_json::from_value::<Credential>(
                record.get("credential").cloned().unwrap_or_default(),
            ) else {
                return Some(Value::Object(record));
            };
            let counter = result.counter();
            if (counter > 0 || cred.counter > 0) && counter <= cred.counter {
                return Some(Value::Object(record));
            }
            cred.counter = counter;
            cred.backup_state = result.backup_state();
            if let Ok(v) = serde_json::to_value(&cred) {
                record.insert("credential".into(), v);
                flag.store(true, Ordering::SeqCst);
            }
            Some(Value::Object(record))
        }),
    )?;
    if ok.load(Ordering::SeqCst) {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The request options of a `WEB_AUTHN` challenge for a name no user has (a client that
/// prevents user-existence errors): the members and values a real user's options have, a fresh
/// challenge, and `credential_id` (the caller derives it from the name, so that a name always
/// shows the same one).
pub(crate) fn decoy_assertion_options(
    ctx: &Ctx,
    pool: &UserPool,
    credential_id: &[u8],
) -> Result<Value, ApiError> {
    let rp = relying_party(ctx, pool)?;
    let id = credential_id;
    let verification =
        serde_json::to_value(rp.policy()).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json!({
        "challenge": URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<32>()),
        "timeout": CHALLENGE_LIFETIME * 1000,
        "rpId": rp.id,
        // A platform passkey's, the most common kind.
        "allowCredentials": [{
            "type": "public-key",
            "id": URL_SAFE_NO_PAD.encode(id),
            "transports": ["internal"],
        }],
        "userVerification": verification,
    }))
}

/// The answer to a stand-in `WEB_AUTHN` challenge ([`decoy_assertion_options`]): read as a
/// real answer is (the same errors for an unreadable one), then refused as a wrong passkey is.
pub(crate) fn refuse_decoy_assertion(credential: &str) -> ApiError {
    match serde_json::from_str::<PublicKeyCredential>(credential) {
        Err(e) => ApiError::invalid(format!(
            "CREDENTIAL is not an AuthenticationResponseJSON: {e}"
        )),
        Ok(_) => ApiError::not_authorized("Incorrect username or passkey."),
    }
}
