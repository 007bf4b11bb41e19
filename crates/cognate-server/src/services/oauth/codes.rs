//! Authorization codes: issued by the hosted sign-in, exchanged once at the token endpoint
//! within [`LIFETIME`], bound to their client, redirect URI and PKCE challenge.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{ApiError, StoreError};
use crate::services::Ctx;
use crate::store::{Change, RecordKind};
use crate::tokens::refresh_hash;

/// Seconds an authorization code stays valid (Cognito: five minutes).
pub(crate) const LIFETIME: i64 = 300;

/// A PKCE `code_challenge_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PkceMethod {
    /// `S256`: the challenge is base64url(SHA-256(verifier)).
    S256,
    /// `plain`: the challenge is the verifier.
    Plain,
}

impl PkceMethod {
    /// The method a request names (`S256` or `plain`; absent means `plain`, RFC 7636 4.3).
    pub(crate) fn parse(name: Option<&str>) -> Option<PkceMethod> {
        match name {
            None | Some("plain") => Some(PkceMethod::Plain),
            Some("S256") => Some(PkceMethod::S256),
            Some(_) => None,
        }
    }
}

/// A PKCE challenge an authorization request made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pkce {
    /// How the verifier becomes the challenge.
    pub method: PkceMethod,
    /// `code_challenge`.
    pub challenge: String,
}

impl Pkce {
    /// Whether `verifier` answers the challenge. A verifier is 43–128 characters of
    /// `[A-Za-z0-9-._~]` (RFC 7636 4.1).
    pub(crate) fn verifies(&self, verifier: &str) -> bool {
        let well_formed = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !well_formed {
            return false;
        }
        let expected = match self.method {
            PkceMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            PkceMethod::Plain => verifier.to_owned(),
        };
        bool::from(expected.as_bytes().ct_eq(self.challenge.as_bytes()))
    }
}

/// What a code stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthorizationCode {
    /// The client it was issued to.
    pub client_id: String,
    /// The `redirect_uri` of the authorization request.
    pub redirect_uri: String,
    /// The user's internal name.
    pub username: String,
    /// The user's `sub` (a user recreated under the same name is another user).
    pub sub: String,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The request's `nonce`.
    pub nonce: Option<String>,
    /// The request's PKCE challenge.
    pub pkce: Option<Pkce>,
    /// The resource server the request named (RFC 8707).
    #[serde(default)]
    pub resource: Option<String>,
    /// When the user signed in.
    pub auth_time: i64,
    /// Expiry (epoch seconds; housekeeping purges it after).
    pub expires: i64,
}

/// Stores `code` and returns its text.
pub(crate) fn issue(
    ctx: &Ctx,
    pool_id: &str,
    code: &AuthorizationCode,
) -> Result<String, ApiError> {
    let text = crate::ids::uuid();
    let data = serde_json::to_value(code).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.doc_put(
        RecordKind::AuthorizationCode,
        pool_id,
        &refresh_hash(&text),
        &data,
    )?;
    Ok(text)
}

/// Why a code cannot be redeemed.
#[derive(Debug)]
pub(crate) enum Refused {
    /// Unknown, expired, or redeemed already.
    Invalid,
    /// The store failed.
    Store(ApiError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e.into())
    }
}

/// Redeems `text`: the code is deleted and a use-once claim written in one transaction, so a
/// code works once even when two redemptions race.
pub(crate) fn redeem(ctx: &Ctx, pool_id: &str, text: &str) -> Result<AuthorizationCode, Refused> {
    let key = refresh_hash(text);
    let code: AuthorizationCode = ctx
        .store
        .doc_get(RecordKind::AuthorizationCode, pool_id, &key)?
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or(Refused::Invalid)?;
    let outcome = ctx.store.apply(vec![
        Change::Claim {
            kind: RecordKind::UsedSession,
            scope: pool_id.to_owned(),
            key: format!("code:{key}"),
            data: json!({"expires": code.expires + 60}),
        },
        Change::DeleteDoc {
            kind: RecordKind::AuthorizationCode,
            scope: pool_id.to_owned(),
            key,
        },
    ]);
    match outcome {
        Err(StoreError::Conflict(_)) => return Err(Refused::Invalid),
        other => other?,
    }
    if ctx.now() >= code.expires {
        return Err(Refused::Invalid);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_and_plain() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let s256 = Pkce {
            method: PkceMethod::S256,
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        };
        assert!(s256.verifies(verifier));
        assert!(!s256.verifies("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"));
        let plain = Pkce {
            method: PkceMethod::Plain,
            challenge: verifier.into(),
        };
        assert!(plain.verifies(verifier));
        // Too short to be a verifier, even when it equals the challenge.
        let short = Pkce {
            method: PkceMethod::Plain,
            challenge: "abc".into(),
        };
        assert!(!short.verifies("abc"));
        assert_eq!(PkceMethod::parse(Some("S256")), Some(PkceMethod::S256));
        assert_eq!(PkceMethod::parse(None), Some(PkceMethod::Plain));
        assert_eq!(PkceMethod::parse(Some("s256")), None);
    }
}
