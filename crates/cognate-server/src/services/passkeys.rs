//! Passkeys (WebAuthn): the pool's relying party (`WebAuthnConfiguration`), the registration
//! ceremony (StartWebAuthnRegistration / CompleteWebAuthnRegistration), the stored credentials
//! (ListWebAuthnCredentials, DeleteWebAuthnCredential) and the assertion check of a `WEB_AUTHN`
//! sign-in.
//!
//! The ceremonies are `webauthn-rs-core`'s (client data, origin, `rpIdHash`, user presence and
//! verification, attestation statements, COSE keys, signature counters); this module keeps
//! their state and maps their errors to the API's. Origins: `https://` with the relying party
//! id as host or a subdomain of it; `http://localhost[:port]` only when the id is `localhost`.
//! A packed attestation's `x5c` chain is checked here too: each certificate signed by the
//! next, every one of them valid at the server's time.
//!
//! Records: credentials under [`CREDENTIALS`] (scope: pool id; key: the credential id,
//! base64url, so an id is unique in a pool), pending challenges under [`CHALLENGES`] (scope:
//! pool id; key: `register:{user}` or `sign-in:{random}`), taken once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_model::idp::ErrorKind as E;
use serde_json::{Map, Value, json};
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AuthenticationResult, AuthenticationState, Credential, ParsedAttestationData,
    PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState, UserVerificationPolicy,
};

use super::Ctx;
use super::mfa::PoolFactors;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::store::RecordKind;

/// Record kind of registered credentials.
pub(crate) const CREDENTIALS: RecordKind = RecordKind::WebAuthnCredential;

/// Record kind of pending challenges (registration and sign-in).
pub(crate) const CHALLENGES: RecordKind = RecordKind::WebAuthnChallenge;

/// How long a challenge may be answered (the authenticator timeout handed to the browser).
pub(crate) const CHALLENGE_LIFETIME: i64 = 300;

/// A pool's relying party.
pub(crate) struct RelyingParty {
    /// `RelyingPartyId`.
    pub(crate) id: String,
    /// `UserVerification` = `required`.
    pub(crate) verification_required: bool,
}

impl RelyingParty {
    fn policy(&self) -> UserVerificationPolicy {
        if self.verification_required {
            UserVerificationPolicy::Required
        } else {
            UserVerificationPolicy::Preferred
        }
    }

    /// The ceremonies' verifier for this relying party.
    fn core(&self) -> Result<WebauthnCore, ApiError> {
        let localhost = self.id == "localhost";
        let mut origins = vec![
            url::Url::parse(&format!("https://{}", self.id))
                .map_err(|_| ApiError::invalid("The relying party id is not a host name."))?,
        ];
        if localhost {
            origins.push(
                url::Url::parse("http://localhost")
                    .map_err(|_| ApiError::internal("http://localhost"))?,
            );
        }
        Ok(WebauthnCore::new_unsafe_experts_only(
            "Amazon Cognito",
            &self.id,
            origins,
            Duration::from_secs(CHALLENGE_LIFETIME as u64),
            Some(true),
            Some(localhost),
        ))
    }
}

/// The pool's `WebAuthnConfiguration` as stored by SetUserPoolMfaConfig (`None`: never set).
pub(crate) fn configuration(ctx: &Ctx, pool: &UserPool) -> Result<Option<Value>, ApiError> {
    Ok(PoolFactors::load(ctx, pool)?
        .config
        .get("WebAuthnConfiguration")
        .cloned())
}

/// The relying party of `pool`: passkeys must be an allowed first factor, and the pool needs a
/// `RelyingPartyId` or a domain.
pub(crate) fn relying_party(ctx: &Ctx, pool: &UserPool) -> Result<RelyingParty, ApiError> {
    if !pool.allows_first_factor("WEB_AUTHN") {
        return Err(ApiError::new(
            E::WebAuthnNotEnabledException,
            "Passkeys are not enabled for this user pool: add WEB_AUTHN to the SignInPolicy's AllowedFirstAuthFactors.",
        ));
    }
    let config = configuration(ctx, pool)?.unwrap_or_default();
    let configured = config
        .get("RelyingPartyId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let id = match configured {
        Some(id) => id,
        None => match crate::services::oauth::domains::of_pool(ctx, &pool.id)? {
            Some(d) => d.custom.clone().map_or_else(
                || format!("{}.auth.{}.amazoncognito.com", d.name, pool.region),
                |_| d.name.clone(),
            ),
            None => {
                return Err(ApiError::new(
                    E::WebAuthnConfigurationMissingException,
                    "The user pool has no relying party id (WebAuthnConfiguration.RelyingPartyId) and no domain.",
                ));
            }
        },
    };
    Ok(RelyingParty {
        id,
        verification_required: config.get("UserVerification").and_then(Value::as_str)
            == Some("required"),
    })
}

/// A stored credential of a user.
pub(crate) struct Stored {
    /// The credential id, base64url without padding (the record's key).
    pub(crate) id: String,
    /// The record as stored.
    pub(crate) record: Map<String, Value>,
}

impl Stored {
    fn credential(&self) -> Result<Credential, ApiError> {
        serde_json::from_value(self.record.get("credential").cloned().unwrap_or_default())
            .map_err(|_| ApiError::internal("stored passkey unreadable"))
    }
}

/// The passkeys of `user` (records of a deleted user of the same name are not theirs).
pub(crate) fn credentials_of(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<Vec<Stored>, ApiError> {
    let mut out: Vec<Stored> = ctx
        .store
        .doc_list(CREDENTIALS, &pool.id)?
        .into_iter()
        .filter_map(|(id, v)| match v {
            Value::Object(record)
                if record.get("sub").and_then(Value::as_str) == Some(&user.sub) =>
            {
                Some(Stored { id, record })
            }
            _ => None,
        })
        .collect();
    out.sort_by_key(|s| {
        (
            s.record.get("created").and_then(Value::as_i64),
            s.id.clone(),
        )
    });
    Ok(out)
}

/// Whether `user` has a passkey.
pub(crate) fn has_credentials(ctx: &Ctx, pool: &UserPool, user: &User) -> Result<bool, ApiError> {
    Ok(!credentials_of(ctx, pool, user)?.is_empty())
}

/// Takes a pending challenge (once): its record, unless missing or expired.
fn take_challenge(ctx: &Ctx, pool: &UserPool, key: &str) -> Result<Option<Value>, ApiError> {
    let now = ctx.now();
    let taken = Arc::new(Mutex::new(None));
    let slot = taken.clone();
    ctx.store.doc_update(
        CHALLENGES,
        &pool.id,
        key,
        Box::new(move |old| {
            if let Ok(mut s) = slot.lock() {
                *s = old;
            }
            None
        }),
    )?;
    let taken = taken.lock().ok().and_then(|mut s| s.take());
    Ok(taken.filter(|v| v.get("expires").and_then(Value::as_i64).unwrap_or(0) >= now))
}

fn challenge_not_found() -> ApiError {
    ApiError::new(
        E::WebAuthnChallengeNotFoundException,
        "The passkey registration challenge was not found or has expired: call StartWebAuthnRegistration again.",
    )
}

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

/// ListWebAuthnCredentials' `Credentials` entry of a stored passkey.
pub(crate) fn describe(s: &Stored) -> Value {
    let r = &s.record;
    let mut v = json!({
        "CredentialId": s.id,
        "FriendlyCredentialName": r.get("name").cloned().unwrap_or(json!("Passkey")),
        "RelyingPartyId": r.get("rp").cloned().unwrap_or_default(),
        "AuthenticatorTransports": r.get("transports").cloned().unwrap_or(json!([])),
        "CreatedAt": r.get("created").cloned().unwrap_or(json!(0)),
    });
    if let Some(a) = r.get("attachment") {
        v["AuthenticatorAttachment"] = a.clone();
    }
    v
}

/// The changes that delete `user`'s passkeys and pending registration, for the unit that
/// deletes the user.
pub(crate) fn deletion(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<Vec<crate::store::Change>, ApiError> {
    let mut changes: Vec<crate::store::Change> = credentials_of(ctx, pool, user)?
        .into_iter()
        .map(|s| crate::store::Change::DeleteDoc {
            kind: CREDENTIALS,
            scope: pool.id.clone(),
            key: s.id,
        })
        .collect();
    changes.push(crate::store::Change::DeleteDoc {
        kind: CHALLENGES,
        scope: pool.id.clone(),
        key: format!("register:{}", user.username),
    });
    Ok(changes)
}

/// DeleteWebAuthnCredential.
pub(crate) fn delete(ctx: &Ctx, pool: &UserPool, user: &User, id: &str) -> Result<(), ApiError> {
    let mine = credentials_of(ctx, pool, user)?
        .into_iter()
        .any(|s| s.id == id);
    if !mine || !ctx.store.doc_delete(CREDENTIALS, &pool.id, id)? {
        return Err(ApiError::new(
            E::ResourceNotFoundException,
            "The passkey was not found.",
        ));
    }
    Ok(())
}

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
