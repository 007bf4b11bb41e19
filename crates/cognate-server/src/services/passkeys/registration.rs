//! The registration ceremony: StartWebAuthnRegistration hands out the creation options,
//! CompleteWebAuthnRegistration checks the authenticator's answer (with `webauthn-rs-core`, and
//! a packed attestation's `x5c` chain here) and stores the credential.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_model::idp::ErrorKind as E;
use serde_json::{Value, json};
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    Credential, ParsedAttestationData, RegisterPublicKeyCredential, RegistrationState,
};

use super::{
    CHALLENGE_LIFETIME, CHALLENGES, CREDENTIALS, challenge_not_found, credentials_of,
    relying_party, take_challenge,
};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::Ctx;

/// StartWebAuthnRegistration: the `CredentialCreationOptions` for `user`, signed in through
/// `client`; the challenge is kept (one per user: a new start replaces it).
pub(crate) fn start_registration(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    client: &str,
) -> Result<Value, ApiError> {
    let rp = relying_party(ctx, pool)?;
    let core = rp.core()?;
    let existing = credentials_of(ctx, pool, user)?;
    let exclude = existing
        .iter()
        .filter_map(|s| URL_SAFE_NO_PAD.decode(&s.id).ok())
        .map(Into::into)
        .collect::<Vec<_>>();
    let display = user
        .attributes
        .get("email")
        .or_else(|| user.attributes.get("phone_number"))
        .unwrap_or(&user.username);
    let builder = core
        .new_challenge_register_builder(user.sub.as_bytes(), &user.username, display)
        .map_err(|e| ApiError::invalid(format!("Cannot register a passkey: {e}")))?
        .user_verification_policy(rp.policy())
        .exclude_credentials(Some(exclude))
        .require_resident_key(true)
        .reject_synchronised_authenticators(false);
    let (options, state) = core
        .generate_challenge_register(builder)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let record = json!({
        "sub": user.sub,
        "client": client,
        "rp": rp.id,
        "state": serde_json::to_value(&state).map_err(|e| ApiError::internal(e.to_string()))?,
        "expires": ctx.now() + CHALLENGE_LIFETIME,
    });
    ctx.store.doc_put(
        CHALLENGES,
        &pool.id,
        &format!("register:{}", user.username),
        &record,
    )?;
    serde_json::to_value(&options.public_key).map_err(|e| ApiError::internal(e.to_string()))
}

/// CompleteWebAuthnRegistration: verifies `credential` (a `RegistrationResponseJSON`) against
/// the pending challenge of `user` and stores the passkey.
pub(crate) fn complete_registration(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
    client: &str,
    credential: &Value,
) -> Result<(), ApiError> {
    let rp = relying_party(ctx, pool)?;
    let reg: RegisterPublicKeyCredential =
        serde_json::from_value(credential.clone()).map_err(|e| {
            ApiError::invalid(format!(
                "The credential is not a RegistrationResponseJSON: {e}"
            ))
        })?;
    let pending = take_challenge(ctx, pool, &format!("register:{}", user.username))?
        .filter(|p| p.get("sub").and_then(Value::as_str) == Some(&user.sub))
        .ok_or_else(challenge_not_found)?;
    if pending.get("client").and_then(Value::as_str) != Some(client) {
        return Err(ApiError::new(
            E::WebAuthnClientMismatchException,
            "The access token is for another app client than the one that started the registration.",
        ));
    }
    if pending.get("rp").and_then(Value::as_str) != Some(rp.id.as_str()) {
        return Err(challenge_not_found());
    }
    let state: RegistrationState =
        serde_json::from_value(pending.get("state").cloned().unwrap_or_default())
            .map_err(|_| challenge_not_found())?;
    let passkey = rp
        .core()?
        .register_credential(&reg, &state, None)
        .map_err(registration_error)?;
    check_chain(ctx, &passkey)?;
    let id = URL_SAFE_NO_PAD.encode(passkey.cred_id.as_slice());
    let transports: Vec<Value> = credential
        .pointer("/response/transports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut record = json!({
        "sub": user.sub,
        "user": user.username,
        "rp": rp.id,
        "created": ctx.now(),
        "name": friendly_name(credential),
        "transports": transports,
        "credential": serde_json::to_value(&passkey).map_err(|e| ApiError::internal(e.to_string()))?,
    });
    if let Some(a) = credential
        .get("authenticatorAttachment")
        .and_then(Value::as_str)
        .filter(|a| *a == "platform" || *a == "cross-platform")
    {
        record["attachment"] = json!(a);
    }
    // Credential ids are unique in a pool: a credential of another (existing) user, or one
    // registered already, is refused; one left by a deleted user is replaced.
    let previous = ctx.store.doc_get(CREDENTIALS, &pool.id, &id)?;
    let previous_sub = previous
        .as_ref()
        .and_then(|o| o.get("sub").and_then(Value::as_str))
        .map(str::to_owned);
    if let Some(old) = &previous {
        let sub = previous_sub.as_deref().unwrap_or("");
        let name = old.get("user").and_then(Value::as_str).unwrap_or("");
        let owner_alive = ctx
            .store
            .user_get(&pool.id, name)?
            .is_some_and(|u| u.sub == sub);
        if sub == user.sub || owner_alive {
            return Err(already_registered());
        }
    }
    let stored = Arc::new(AtomicBool::new(false));
    let flag = stored.clone();
    ctx.store.doc_update(
        CREDENTIALS,
        &pool.id,
        &id,
        Box::new(move |old| {
            let sub = old
                .as_ref()
                .and_then(|o| o.get("sub").and_then(Value::as_str))
                .map(str::to_owned);
            if sub != previous_sub {
                // Registered by someone else meanwhile.
                return old;
            }
            flag.store(true, Ordering::SeqCst);
            Some(record)
        }),
    )?;
    if !stored.load(Ordering::SeqCst) {
        return Err(already_registered());
    }
    Ok(())
}

fn already_registered() -> ApiError {
    ApiError::new(
        E::WebAuthnCredentialNotSupportedException,
        "This passkey is registered already.",
    )
}

/// The name a passkey is listed with: the authenticator's, when the browser reports one.
fn friendly_name(credential: &Value) -> String {
    credential
        .pointer("/clientExtensionResults/credProps/authenticatorDisplayName")
        .and_then(Value::as_str)
        .unwrap_or("Passkey")
        .to_owned()
}

/// The `x5c` chain of a packed (or other basic / CA) attestation: each certificate issued and
/// signed by the next, all valid now.
fn check_chain(ctx: &Ctx, passkey: &Credential) -> Result<(), ApiError> {
    let chain = match &passkey.attestation.data {
        ParsedAttestationData::Basic(c) | ParsedAttestationData::AttCa(c) => c,
        _ => return Ok(()),
    };
    let refused = |why: &str| {
        ApiError::new(
            E::WebAuthnCredentialNotSupportedException,
            format!("The passkey's attestation certificate chain is not valid: {why}."),
        )
    };
    let now = openssl::asn1::Asn1Time::from_unix(ctx.now())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    for cert in chain {
        if cert.not_before() > now || cert.not_after() < now {
            return Err(refused("a certificate is not valid at this time"));
        }
    }
    for pair in chain.windows(2) {
        let (child, issuer) = (&pair[0], &pair[1]);
        if issuer.issued(child) != openssl::x509::X509VerifyResult::OK {
            return Err(refused("a certificate is not issued by the next one"));
        }
        let key = issuer
            .public_key()
            .map_err(|_| refused("an issuer's public key is unreadable"))?;
        if !child.verify(&key).unwrap_or(false) {
            return Err(refused("a certificate's signature does not verify"));
        }
    }
    Ok(())
}

fn registration_error(e: WebauthnError) -> ApiError {
    use WebauthnError as W;
    match e {
        W::MismatchedChallenge | W::ChallengeNotFound => challenge_not_found(),
        W::InvalidRPOrigin | W::CredentialCrossOrigin => ApiError::new(
            E::WebAuthnOriginNotAllowedException,
            "The passkey's origin does not match the user pool's relying party id.",
        ),
        W::InvalidRPIDHash => ApiError::new(
            E::WebAuthnRelyingPartyMismatchException,
            "The passkey is for another relying party than the user pool's.",
        ),
        W::UserNotPresent | W::UserNotVerified => ApiError::new(
            E::WebAuthnCredentialNotSupportedException,
            format!("The passkey registration was refused: {e}."),
        ),
        W::ParseBase64Failure(_)
        | W::ParseCBORFailure(_)
        | W::ParseJSONFailure(_)
        | W::ParseNOMFailure
        | W::ParseInsufficientBytesAvailable
        | W::InvalidClientDataType => {
            ApiError::invalid(format!("The credential could not be read: {e}."))
        }
        other => ApiError::new(
            E::WebAuthnCredentialNotSupportedException,
            format!("The passkey is not supported: {other}."),
        ),
    }
}
