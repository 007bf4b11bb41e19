//! Sealed login state: the `SECRET_BLOCK` of a `PASSWORD_VERIFIER` challenge and the `Session`
//! of other challenges.
//!
//! pycognito answers `PASSWORD_VERIFIER` without a `Session`, so everything the server needs to
//! check the answer (pool, user, client, the secret `b`, `SRP_A`, the time) travels inside the
//! `SECRET_BLOCK` the client echoes back, encrypted and authenticated with AES-256-GCM under a
//! per-server key kept in the database. A block that was altered, made by another server, or is
//! older than its lifetime is refused.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::Error;

/// What a sealed block is for; part of the authenticated data, so one kind cannot stand in
/// for another.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    /// The `SECRET_BLOCK` of `PASSWORD_VERIFIER`.
    PasswordVerifier,
    /// The `Session` of every other challenge, and the `SECRET_BLOCK` of
    /// `DEVICE_PASSWORD_VERIFIER`.
    Challenge,
    /// A user's TOTP secret at rest.
    TotpSecret,
    /// The hosted sign-in pages' session cookie.
    HostedSession,
    /// The `state` sent to an external identity provider.
    FederationState,
}

impl Purpose {
    fn aad(self) -> &'static [u8] {
        match self {
            Purpose::PasswordVerifier => b"cognate/secret-block/password-verifier/v1",
            Purpose::Challenge => b"cognate/session/challenge/v1",
            Purpose::TotpSecret => b"cognate/totp-secret/v1",
            Purpose::HostedSession => b"cognate/hosted-session/v1",
            Purpose::FederationState => b"cognate/federation-state/v1",
        }
    }
}

/// The state of one `USER_SRP_AUTH` login between `InitiateAuth` and `RespondToAuthChallenge`.
#[derive(Serialize, Deserialize)]
pub(crate) struct SrpState {
    /// Pool id.
    pub pool: String,
    /// Client id.
    pub client: String,
    /// Internal user name (`USER_ID_FOR_SRP`); for an unknown user, the name given.
    pub user: String,
    /// The name the client logged in with.
    pub login: String,
    /// The secret `b`, base64.
    pub b: String,
    /// `B` (`SRP_B`) as big-endian bytes, base64: kept so that the answer is checked without
    /// recomputing `k·v + g^b`. Absent in blocks sealed by older versions (then rebuilt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub big_b: Option<String>,
    /// `SRP_A` as sent.
    pub srp_a: String,
    /// Issue time (Unix seconds).
    pub issued: i64,
    /// True when the user does not exist (PreventUserExistenceErrors): always refused.
    pub decoy: bool,
}

/// The per-server sealing key.
pub(crate) struct Sealer {
    key: LessSafeKey,
}

impl Sealer {
    /// A sealer from 32 key bytes.
    pub fn new(key: &[u8]) -> Result<Self, Error> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, key).map_err(|_| Error::Crypto("AES-256-GCM key"))?;
        Ok(Sealer {
            key: LessSafeKey::new(unbound),
        })
    }

    /// Seals `value`: base64 of nonce ‖ ciphertext ‖ tag.
    pub fn seal<T: Serialize>(&self, purpose: Purpose, value: &T) -> String {
        let nonce_bytes = crate::ids::random_bytes::<NONCE_LEN>();
        // Serializing these plain structs cannot fail.
        let mut buf = serde_json::to_vec(value).unwrap_or_default();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        if self
            .key
            .seal_in_place_append_tag(nonce, Aad::from(purpose.aad()), &mut buf)
            .is_err()
        {
            buf.clear();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buf);
        STANDARD.encode(out)
    }

    /// Opens a sealed block; `None` when it is not one of ours, was altered, or is malformed.
    pub fn open<T: DeserializeOwned>(&self, purpose: Purpose, sealed: &[u8]) -> Option<T> {
        if sealed.len() < NONCE_LEN + 16 {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose.aad()), &mut buf)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }

    /// Base64-decodes then opens.
    pub fn open_b64<T: DeserializeOwned>(&self, purpose: Purpose, sealed: &str) -> Option<T> {
        let raw = STANDARD.decode(sealed).ok()?;
        self.open(purpose, &raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let sealer = Sealer::new(&[7u8; 32]).unwrap();
        #[derive(Serialize, Deserialize)]
        struct State {
            user: String,
            issued: i64,
        }
        let state = State {
            user: "alice".into(),
            issued: 5,
        };
        let sealed = sealer.seal(Purpose::Challenge, &state);
        let back: State = sealer.open_b64(Purpose::Challenge, &sealed).unwrap();
        assert_eq!(back.user, "alice");
        // Another purpose, a flipped bit, another key: all refused.
        assert!(
            sealer
                .open_b64::<State>(Purpose::PasswordVerifier, &sealed)
                .is_none()
        );
        let mut raw = STANDARD.decode(&sealed).unwrap();
        raw[NONCE_LEN + 2] ^= 1;
        assert!(sealer.open::<State>(Purpose::Challenge, &raw).is_none());
        let other = Sealer::new(&[8u8; 32]).unwrap();
        assert!(
            other
                .open_b64::<State>(Purpose::Challenge, &sealed)
                .is_none()
        );
    }
}
