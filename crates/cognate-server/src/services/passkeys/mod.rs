//! Passkeys (WebAuthn): the pool's relying party (`WebAuthnConfiguration`), the registration
//! ceremony (StartWebAuthnRegistration / CompleteWebAuthnRegistration), the stored credentials
//! (ListWebAuthnCredentials, DeleteWebAuthnCredential) and the assertion check of a `WEB_AUTHN`
//! sign-in.
//!
//! The ceremonies are `webauthn-rs-core`'s (client data, origin, `rpIdHash`, user presence and
//! verification, attestation statements, COSE keys, signature counters); this module keeps
//! their state and maps their errors to the API's. Origins: `https://` with the relying party
//! id as host or a subdomain of it; `http://` (any port) only when the id is `localhost` or a
//! name under `.localhost` (which browsers treat as secure contexts).
//! A packed attestation's `x5c` chain is checked here too: each certificate signed by the
//! next, every one of them valid at the server's time.
//!
//! Records: credentials under [`CREDENTIALS`] (scope: pool id; key: the credential id,
//! base64url, so an id is unique in a pool), pending challenges under [`CHALLENGES`] (scope:
//! pool id; key: `register:{user}` or `sign-in:{random}`), taken once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognate_model::idp::ErrorKind as E;
use serde_json::{Map, Value, json};
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::proto::{Credential, UserVerificationPolicy};

use super::Ctx;
use super::mfa::PoolFactors;
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::store::RecordKind;

mod assertion;
mod registration;

pub(crate) use assertion::{
    decoy_assertion_options, finish_assertion, refuse_decoy_assertion, start_assertion,
};
pub(crate) use registration::{complete_registration, start_registration};

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
        // Browsers treat `localhost` and its subdomains as secure contexts over plain http.
        let localhost = self.id == "localhost" || self.id.ends_with(".localhost");
        let mut origins = vec![
            url::Url::parse(&format!("https://{}", self.id))
                .map_err(|_| ApiError::invalid("The relying party id is not a host name."))?,
        ];
        if localhost {
            origins.push(
                url::Url::parse(&format!("http://{}", self.id))
                    .map_err(|_| ApiError::invalid("The relying party id is not a host name."))?,
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
