//! JSON Web Key Sets: parsing, per-key checks, and RSA keys parsed once for fast verification.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;
use serde_json::Value;

use crate::error::{KeyProblem, Part, VerifyError};
use crate::rsa_ifma::Rs256Key2048;
use crate::strict;

/// The largest JWKS document accepted: 256 KiB (Cognito's is under 2 KiB).
pub const MAX_JWKS_LEN: usize = 256 * 1024;

/// An RSA public key from a JWKS, parsed once and ready to verify RS256 signatures.
pub(crate) struct RsaKey {
    key: ParsedPublicKey,
    /// The same key for the AVX-512 IFMA check, when the key and the CPU allow it.
    fast: Option<Rs256Key2048>,
}

impl RsaKey {
    /// Verifies an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature. The algorithm is fixed here,
    /// never taken from the token or the key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let valid = match &self.fast {
            Some(fast) => {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(digest(&SHA256, message).as_ref());
                fast.verify_digest(&hash, signature)
            }
            None => self.key.verify_sig(message, signature).is_ok(),
        };
        if valid {
            Ok(())
        } else {
            Err(VerifyError::Signature)
        }
    }

    fn der(&self) -> &[u8] {
        self.key.as_ref()
    }
}

/// A parsed JSON Web Key Set: for each `kid`, a key ready to verify RS256 signatures, or the
/// reason it cannot.
///
/// Each key must have `kty: RSA`; `use`, `alg` and `key_ops`, when present, must be `sig`,
/// `RS256` and include `verify`; the modulus must be 2048 to 8192 bits. A key that fails is kept
/// with its problem so that a token naming it fails with an error that says why. Keys without a
/// `kid` are ignored, and a `kid` that appears twice is unusable.
///
/// ```
/// use cognate_verify::Jwks;
///
/// let jwks = Jwks::from_json(br#"{"keys":[{"kid":"k","kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}"#)?;
/// assert_eq!(jwks.kids().collect::<Vec<_>>(), ["k"]);
/// assert!(!jwks.is_usable("k"));
/// # Ok::<(), cognate_verify::VerifyError>(())
/// ```
#[derive(Clone, Default)]
pub struct Jwks {
    keys: HashMap<String, Result<Arc<RsaKey>, KeyProblem>>,
}

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`), strictly: one JSON object, no repeated key.
    pub fn from_json(json: &[u8]) -> Result<Self, VerifyError> {
        let invalid = |reason: &str| VerifyError::JwksInvalid {
            issuer: String::new(),
            reason: reason.to_owned(),
        };
        if json.len() > MAX_JWKS_LEN {
            return Err(invalid("larger than 256 KiB"));
        }
        let doc = strict::json_object(json, Part::Payload).map_err(|e| invalid(&e.to_string()))?;
        let Some(Value::Array(entries)) = doc.get("keys") else {
            return Err(invalid("no \"keys\" array"));
        };
        let mut keys = HashMap::with_capacity(entries.len());
        for entry in entries {
            let Value::Object(jwk) = entry else {
                return Err(invalid("a key is not an object"));
            };
            let Some(kid) = jwk.get("kid").and_then(Value::as_str) else {
                continue;
            };
            let key = rsa_key(jwk).map(Arc::new);
            match keys.entry(kid.to_owned()) {
                Entry::Vacant(slot) => {
                    slot.insert(key);
                }
                Entry::Occupied(mut slot) => {
                    *slot.get_mut() = Err(KeyProblem::DuplicateKid);
                }
            }
        }
        Ok(Jwks { keys })
    }

    /// The `kid`s in the set, usable or not.
    pub fn kids(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys.keys().map(String::as_str)
    }

    /// Whether the set has a usable RS256 key with this `kid`.
    pub fn is_usable(&self, kid: &str) -> bool {
        matches!(self.keys.get(kid), Some(Ok(_)))
    }

    /// Number of keys with a `kid`.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set has no key with a `kid`.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Replaces keys whose material is unchanged with the `old` set's, keeping their identity.
    pub(crate) fn keep_unchanged(&mut self, old: &Jwks) {
        for (kid, key) in &mut self.keys {
            if let (Ok(new), Some(Ok(previous))) = (&*key, old.keys.get(kid))
                && new.der() == previous.der()
            {
                *key = Ok(previous.clone());
            }
        }
    }

    pub(crate) fn get(&self, kid: &str) -> Option<&Result<Arc<RsaKey>, KeyProblem>> {
        self.keys.get(kid)
    }
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (kid, key) in &self.keys {
            match key {
                Ok(_) => map.entry(kid, &"RS256 key"),
                Err(problem) => map.entry(kid, problem),
            };
        }
        map.finish()
    }
}

fn rsa_key(jwk: &serde_json::Map<String, Value>) -> Result<RsaKey, KeyProblem> {
    let text = |name: &str| {
        jwk.get(name)
            .map(|v| v.as_str().unwrap_or("(not a string)"))
    };
    match text("kty") {
        Some("RSA") => {}
        other => return Err(KeyProblem::KeyType(other.unwrap_or("").to_owned())),
    }
    match text("use") {
        None | Some("sig") => {}
        Some(other) => return Err(KeyProblem::Use(other.to_owned())),
    }
    match text("alg") {
        None | Some("RS256") => {}
        Some(other) => return Err(KeyProblem::Algorithm(other.to_owned())),
    }
    if let Some(ops) = jwk.get("key_ops") {
        let allows_verify = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !allows_verify {
            return Err(KeyProblem::KeyOps);
        }
    }
    let n = uint(jwk, "n")?;
    let e = uint(jwk, "e")?;
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(2048..=8192).contains(&bits) {
        return Err(KeyProblem::Size(bits));
    }
    let fast = Rs256Key2048::new(&n, &e);
    let der = rsa_public_key_der(n, e);
    let key =
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).map_err(|_| KeyProblem::Rejected)?;
    Ok(RsaKey { key, fast })
}

/// A base64url unsigned integer, big-endian, without leading zero bytes.
fn uint(jwk: &serde_json::Map<String, Value>, name: &'static str) -> Result<Vec<u8>, KeyProblem> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or(KeyProblem::Encoding(name))?;
    // Keys come from the configured issuer, not the token; accept a padded encoding.
    let mut bytes = URL_SAFE_NO_PAD_INDIFFERENT
        .decode(text)
        .map_err(|_| KeyProblem::Encoding(name))?;
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    if bytes.is_empty() {
        return Err(KeyProblem::Encoding(name));
    }
    Ok(bytes)
}

/// DER of `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017).
pub(crate) fn rsa_public_key_der(n: Vec<u8>, e: Vec<u8>) -> Vec<u8> {
    fn integer(out: &mut Vec<u8>, magnitude: &[u8]) {
        let pad = magnitude.first().is_some_and(|b| b & 0x80 != 0);
        out.push(0x02);
        length(out, magnitude.len() + usize::from(pad));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(magnitude);
    }
    fn length(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    integer(&mut body, &n);
    integer(&mut body, &e);
    let mut der = Vec::with_capacity(body.len() + 8);
    der.push(0x30);
    length(&mut der, body.len());
    der.extend_from_slice(&body);
    der
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> Option<KeyProblem> {
        let jwks = Jwks::from_json(json.as_bytes()).ok()?;
        match jwks.get("k")? {
            Ok(_) => None,
            Err(p) => Some(p.clone()),
        }
    }

    #[test]
    fn key_checks_name_the_problem() {
        assert_eq!(
            problem(r#"{"keys":[{"kid":"k","kty":"EC","crv":"P-256"}]}"#),
            Some(KeyProblem::KeyType("EC".into()))
        );
        assert_eq!(
            problem(r#"{"keys":[{"kid":"k","kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}"#),
            Some(KeyProblem::Use("enc".into()))
        );
        assert_eq!(
            problem(r#"{"keys":[{"kid":"k","kty":"RSA","alg":"RS512","n":"AQAB","e":"AQAB"}]}"#),
            Some(KeyProblem::Algorithm("RS512".into()))
        );
        assert_eq!(
            problem(
                r#"{"keys":[{"kid":"k","kty":"RSA","key_ops":["encrypt"],"n":"AQAB","e":"AQAB"}]}"#
            ),
            Some(KeyProblem::KeyOps)
        );
        assert_eq!(
            problem(r#"{"keys":[{"kid":"k","kty":"RSA","n":"AQAB","e":"AQAB"}]}"#),
            Some(KeyProblem::Size(17))
        );
        assert_eq!(
            problem(r#"{"keys":[{"kid":"k","kty":"RSA","e":"AQAB"}]}"#),
            Some(KeyProblem::Encoding("n"))
        );
        assert_eq!(
            problem(r#"{"keys":[{"kid":"k","kty":"EC"},{"kid":"k","kty":"EC"}]}"#),
            Some(KeyProblem::DuplicateKid)
        );
    }

    #[test]
    fn documents_are_strict() {
        assert!(Jwks::from_json(b"{}").is_err());
        assert!(Jwks::from_json(br#"{"keys":{}}"#).is_err());
        assert!(Jwks::from_json(br#"{"keys":[1]}"#).is_err());
        assert!(Jwks::from_json(br#"{"keys":[],"keys":[]}"#).is_err());
        let no_kid = Jwks::from_json(br#"{"keys":[{"kty":"RSA"}]}"#);
        assert!(no_kid.is_ok_and(|j| j.is_empty()));
    }

    #[test]
    fn der_lengths() {
        let der = rsa_public_key_der(vec![0xff; 256], vec![1, 0, 1]);
        // SEQUENCE, long form length of 2 bytes.
        assert_eq!(&der[..2], &[0x30, 0x82]);
        assert_eq!(der.len(), 4 + (4 + 257) + (2 + 3));
    }
}
