//! RS256 tokens: per-pool signing keys (one for access tokens, one for ID tokens), minting,
//! checking our own access tokens (GetUser, RevokeToken), JWKS and OpenID discovery documents.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Error};
use crate::model::StoredKey;

/// One parsed signing key.
pub(crate) struct SigningKey {
    pub kid: String,
    pair: RsaKeyPair,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl SigningKey {
    /// A fresh RSA-2048 key with its kid (base64 of the SHA-256 of the public key, as
    /// Cognito's kids look).
    pub fn generate() -> Result<StoredKey, Error> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| Error::Crypto("RSA key generation"))?;
        let der = pair
            .as_der()
            .map_err(|_| Error::Crypto("PKCS#8 encoding"))?;
        let kid = STANDARD.encode(Sha256::digest(pair.public_key().as_ref()));
        Ok(StoredKey {
            kid,
            pkcs8: STANDARD.encode(der.as_ref()),
        })
    }

    /// Parses a stored key.
    pub fn load(stored: &StoredKey) -> Result<Self, ApiError> {
        let der = STANDARD
            .decode(&stored.pkcs8)
            .map_err(|_| ApiError::internal("stored key is not base64"))?;
        let pair =
            RsaKeyPair::from_pkcs8(&der).map_err(|_| ApiError::internal("stored key rejected"))?;
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        Ok(SigningKey {
            kid: stored.kid.clone(),
            pair,
            n,
            e,
        })
    }

    /// A compact JWS of `claims` signed with RS256 under this key.
    pub fn sign(&self, claims: &Value) -> Result<String, ApiError> {
        let header = json!({"kid": self.kid, "alg": "RS256"});
        let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                out.as_bytes(),
                &mut sig,
            )
            .map_err(|_| ApiError::internal("signing failed"))?;
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(sig));
        Ok(out)
    }

    /// Checks an RS256 signature over `signed` made by this key.
    pub fn verify(&self, signed: &[u8], sig: &[u8]) -> bool {
        let key = signature::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        };
        key.verify(&signature::RSA_PKCS1_2048_8192_SHA256, signed, sig)
            .is_ok()
    }

    /// This key as a JWK.
    pub fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "use": "sig",
        })
    }
}

/// A pool's two keys, parsed once and cached.
pub(crate) struct PoolKeys {
    pub access: SigningKey,
    pub id: SigningKey,
}

impl PoolKeys {
    /// The JWKS document of the pool.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.id.jwk(), self.access.jwk()]})
    }
}

/// The OpenID discovery document of a pool whose issuer is `issuer`; `endpoints` is the base
/// URL of its domain's endpoints when it has a domain (they are named only then).
pub(crate) fn openid_configuration(issuer: &str, endpoints: Option<&str>) -> Value {
    let mut doc = json!({
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token", "implicit"],
    });
    if let Some(base) = endpoints {
        doc["authorization_endpoint"] = json!(format!("{base}/oauth2/authorize"));
        doc["token_endpoint"] = json!(format!("{base}/oauth2/token"));
        doc["userinfo_endpoint"] = json!(format!("{base}/oauth2/userInfo"));
        doc["revocation_endpoint"] = json!(format!("{base}/oauth2/revoke"));
        doc["end_session_endpoint"] = json!(format!("{base}/logout"));
    }
    doc
}

/// A compact JWS taken apart (signature not yet checked).
pub(crate) struct Jws<'a> {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `header.payload`, the signed text.
    pub signed: &'a str,
    pub signature: Vec<u8>,
}

/// Splits a compact JWS, or `None` if it is not one.
pub(crate) fn split(token: &str) -> Option<Jws<'_>> {
    let (signed, sig) = token.rsplit_once('.')?;
    let (h, c) = signed.split_once('.')?;
    let header: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    let signature = URL_SAFE_NO_PAD.decode(sig).ok()?;
    Some(Jws {
        header,
        claims,
        signed,
        signature,
    })
}

/// Hex SHA-256 of a refresh token's text: what the store keys it by.
pub(crate) fn refresh_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
