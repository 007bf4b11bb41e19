//! The server half: store a salt and verifier instead of a password, make `SRP_B`, and check a
//! client's `PASSWORD_CLAIM_SIGNATURE` — in constant time.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::bn::Bn;
use crate::group::group;
use crate::math;
use crate::{Error, hex};

/// What a server keeps for a password (or a device secret): a salt and `v = g^x`. The password
/// itself cannot be recovered from it.
///
/// ```
/// use cognate_srp::Verifier;
/// let mut rng = cognate_srp::os_rng();
/// let v = Verifier::generate(&mut rng, "AbC123xyZ", "alice", "Correct horse 1!").unwrap();
/// assert!(v.matches_password("AbC123xyZ", "alice", "Correct horse 1!").unwrap());
/// assert!(!v.matches_password("AbC123xyZ", "alice", "correct horse 1!").unwrap());
/// // Store these two, restore with from_parts.
/// let again = Verifier::from_parts(&v.salt(), &v.verifier_bytes()).unwrap();
/// assert!(again.matches_password("AbC123xyZ", "alice", "Correct horse 1!").unwrap());
/// ```
pub struct Verifier {
    salt: Bn,
    v: Bn,
}

impl Verifier {
    /// Makes a verifier for `password` with a fresh 128-bit salt.
    ///
    /// `pool_name` is the pool id after its `_`; `user_id` the user's `USER_ID_FOR_SRP` (the
    /// internal user name). Both are part of what the client will hash, so they must be the
    /// values the challenge will name.
    pub fn generate(
        rng: &mut impl rand_core::CryptoRng,
        pool_name: &str,
        user_id: &str,
        password: &str,
    ) -> Result<Self, Error> {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        Self::with_salt(&salt, pool_name, user_id, password)
    }

    /// Makes a verifier for `password` with the given salt (big-endian bytes of the integer).
    pub fn with_salt(
        salt: &[u8],
        pool_name: &str,
        user_id: &str,
        password: &str,
    ) -> Result<Self, Error> {
        if pool_name.is_empty() {
            return Err(Error::Empty("the pool name"));
        }
        if user_id.is_empty() {
            return Err(Error::Empty("the user id"));
        }
        let salt = Bn::from_be_bytes(salt)?;
        let x = math::private_key(&salt, pool_name, user_id, password)?;
        let v = math::verifier(&x)?;
        Ok(Verifier { salt, v })
    }

    /// Restores a stored verifier: the salt as hex ([`Verifier::salt`]) and `v` as big-endian
    /// bytes ([`Verifier::verifier_bytes`]).
    pub fn from_parts(salt_hex: &str, verifier: &[u8]) -> Result<Self, Error> {
        let salt = Bn::from_be_bytes(&hex::parse("SALT", salt_hex)?)?;
        let v = Bn::from_be_bytes(verifier)?;
        if group()?.modulus.reduce(&v)?.is_zero() {
            return Err(Error::IllegalPublicValue {
                field: "PasswordVerifier",
            });
        }
        Ok(Verifier { salt, v })
    }

    /// The salt as sent in a challenge's `SALT`: lowercase hex, no padding.
    pub fn salt(&self) -> String {
        hex::integer(&self.salt.to_be_bytes())
    }

    /// `v` as big-endian bytes, for storage.
    pub fn verifier_bytes(&self) -> Vec<u8> {
        self.v.to_be_bytes()
    }

    pub(crate) fn v(&self) -> &Bn {
        &self.v
    }

    /// Whether `password` is the one this verifier was made from — how a server checks
    /// `USER_PASSWORD_AUTH` without storing passwords. Constant time in the comparison.
    pub fn matches_password(
        &self,
        pool_name: &str,
        user_id: &str,
        password: &str,
    ) -> Result<bool, Error> {
        let x = math::private_key(&self.salt, pool_name, user_id, password)?;
        let candidate = math::verifier(&x)?;
        candidate.ct_eq(&self.v, group()?.modulus.len())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("salt", &self.salt())
            .field("v", &"[redacted]")
            .finish()
    }
}

/// One login attempt from the server's side: the secret `b` and `B = k·v + g^b` sent as
/// `SRP_B`. A server that keeps no session state (pycognito answers without a `Session`) stores
/// [`SrpServer::secret`] (and, to skip an exponentiation, [`SrpServer::public_bytes`]) inside its
/// encrypted `SECRET_BLOCK` and rebuilds the value with [`SrpServer::from_secret`] (or
/// [`SrpServer::restore`]).
pub struct SrpServer {
    b: Bn,
    big_b: Bn,
}

impl SrpServer {
    /// A fresh challenge for `verifier`, with a 256-bit secret `b` from `rng`.
    pub fn new(rng: &mut impl rand_core::CryptoRng, verifier: &Verifier) -> Result<Self, Error> {
        loop {
            let b = math::random_exponent(rng)?;
            let big_b = math::server_public(verifier.v(), &b)?;
            if !big_b.is_zero() {
                return Ok(SrpServer { b, big_b });
            }
        }
    }

    /// Rebuilds a challenge from its secret `b` (big-endian bytes) and the same verifier.
    pub fn from_secret(b: &[u8], verifier: &Verifier) -> Result<Self, Error> {
        let b = Bn::from_be_bytes(b)?;
        if b.is_zero() {
            return Err(Error::Empty("the secret b"));
        }
        let big_b = math::server_public(verifier.v(), &b)?;
        Ok(SrpServer { b, big_b })
    }

    /// Restores a challenge from what [`SrpServer::secret`] and [`SrpServer::public_bytes`]
    /// returned, without the exponentiation [`SrpServer::from_secret`] does to rebuild `B`.
    ///
    /// `B` is taken as given, so both values must come back from where the server kept them
    /// tamper-proof (e.g. an authenticated-encrypted `SECRET_BLOCK`): a `B` that does not
    /// belong to `b` only makes the answer's check fail. A zero `b`, or a `B` that is zero
    /// modulo N or not below N, is refused.
    ///
    /// ```
    /// use cognate_srp::{SrpServer, Verifier};
    /// let mut rng = cognate_srp::os_rng();
    /// let v = Verifier::generate(&mut rng, "AbC123xyZ", "alice", "Correct horse 1!").unwrap();
    /// let server = SrpServer::new(&mut rng, &v).unwrap();
    /// let again = SrpServer::restore(&server.secret(), &server.public_bytes()).unwrap();
    /// assert_eq!(again.srp_b(), server.srp_b());
    /// ```
    pub fn restore(b: &[u8], big_b: &[u8]) -> Result<Self, Error> {
        let b = Bn::from_be_bytes(b)?;
        if b.is_zero() {
            return Err(Error::Empty("the secret b"));
        }
        let big_b = Bn::from_be_bytes(big_b)?;
        if big_b.is_zero() || group()?.modulus.reduce(&big_b)? != big_b {
            return Err(Error::IllegalPublicValue { field: "SRP_B" });
        }
        Ok(SrpServer { b, big_b })
    }

    /// `B` as big-endian bytes (no padding), for a server to keep with [`SrpServer::secret`]
    /// and give back to [`SrpServer::restore`].
    pub fn public_bytes(&self) -> Vec<u8> {
        self.big_b.to_be_bytes()
    }

    /// The secret `b`, big-endian, for a server to keep (encrypted) until the answer arrives.
    pub fn secret(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.b.to_be_bytes())
    }

    /// `SRP_B`: lowercase hex, no padding (so sometimes of odd length, as Cognito's can be).
    pub fn srp_b(&self) -> String {
        hex::integer(&self.big_b.to_be_bytes())
    }

    /// Checks a client's answer; [`Error::SignatureMismatch`] for a wrong password. The
    /// comparison is constant time. (Whether the `TIMESTAMP` is fresh is the caller's policy:
    /// see [`crate::Timestamp::parse`].)
    pub fn check(
        &self,
        verifier: &Verifier,
        answer: &PasswordVerifierAnswer<'_>,
    ) -> Result<(), Error> {
        let big_a = math::public_value("SRP_A", answer.srp_a)?;
        let given = math::decode_base64("PASSWORD_CLAIM_SIGNATURE", answer.signature)?;
        let u = math::scrambler(&big_a, &self.big_b)?;
        let s = math::server_premaster(&big_a, verifier.v(), &u, &self.b)?;
        let key = math::session_key(&u, &s);
        let expected = math::claim_mac(
            &key,
            answer.pool_name,
            answer.user_id,
            answer.secret_block,
            answer.timestamp,
        );
        if bool::from(expected.as_slice().ct_eq(given.as_slice())) {
            Ok(())
        } else {
            Err(Error::SignatureMismatch)
        }
    }
}

/// What a server checks in a `PASSWORD_VERIFIER` (or `DEVICE_PASSWORD_VERIFIER`) answer.
#[derive(Clone, Copy, Debug)]
pub struct PasswordVerifierAnswer<'a> {
    /// The `SRP_A` the client sent with `InitiateAuth` (hex).
    pub srp_a: &'a str,
    /// The user pool id after its `_`; for device SRP, the `DeviceGroupKey`.
    pub pool_name: &'a str,
    /// The `USER_ID_FOR_SRP` the server named in the challenge; for device SRP, the `DeviceKey`.
    pub user_id: &'a str,
    /// The raw bytes of the `SECRET_BLOCK` the server issued (base64-decoded).
    pub secret_block: &'a [u8],
    /// `TIMESTAMP` as received.
    pub timestamp: &'a str,
    /// `PASSWORD_CLAIM_SIGNATURE` as received (base64).
    pub signature: &'a str,
}

impl fmt::Debug for SrpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpServer")
            .field("srp_b", &self.srp_b())
            .field("b", &"[redacted]")
            .finish()
    }
}
