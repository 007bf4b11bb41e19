//! The client half of `USER_SRP_AUTH` (and of `DEVICE_SRP_AUTH`, which is the same maths with
//! other names): make `SRP_A`, then answer the `PASSWORD_VERIFIER` challenge.

use std::fmt;

use zeroize::Zeroizing;

use crate::bn::Bn;
use crate::group::group;
use crate::math;
use crate::{Error, Timestamp, hex};

/// One SRP login attempt from the client's side: the secret `a` and the public `A` sent as
/// `SRP_A`. Make a new one for every login.
///
/// The secret is wiped when the value is dropped and never shown by `Debug`.
///
/// ```
/// use cognate_srp::{PasswordVerifierAnswer, PasswordVerifierChallenge, SrpClient, SrpServer, Timestamp, Verifier};
///
/// let mut rng = cognate_srp::os_rng();
/// // What the server stored when the password was set (never the password itself).
/// let verifier = Verifier::generate(&mut rng, "AbC123xyZ", "alice", "Correct horse 1!").unwrap();
///
/// // InitiateAuth(USER_SRP_AUTH, SRP_A) ...
/// let client = SrpClient::new(&mut rng).unwrap();
/// // ... the server answers PASSWORD_VERIFIER with SRP_B, SALT and SECRET_BLOCK ...
/// let server = SrpServer::new(&mut rng, &verifier).unwrap();
/// let challenge = PasswordVerifierChallenge {
///     pool_name: "AbC123xyZ",
///     user_id_for_srp: "alice",
///     srp_b: &server.srp_b(),
///     salt: &verifier.salt(),
///     secret_block: "c2VjcmV0IGJsb2Nr",
/// };
/// // ... and the client proves it knows the password.
/// let claim = client.respond(&challenge, "Correct horse 1!", &Timestamp::now()).unwrap();
/// let answer = PasswordVerifierAnswer {
///     srp_a: &client.srp_a(),
///     pool_name: "AbC123xyZ",
///     user_id: "alice",
///     secret_block: b"secret block",
///     timestamp: &claim.timestamp,
///     signature: &claim.signature,
/// };
/// server.check(&verifier, &answer).unwrap();
/// ```
pub struct SrpClient {
    a: Bn,
    big_a: Bn,
}

/// The parameters of a `PASSWORD_VERIFIER` (or `DEVICE_PASSWORD_VERIFIER`) challenge, as
/// Cognito sends them.
#[derive(Clone, Copy, Debug)]
pub struct PasswordVerifierChallenge<'a> {
    /// The user pool id after its `_` ([`crate::pool_name`]); for device SRP, the
    /// `DeviceGroupKey`.
    pub pool_name: &'a str,
    /// `USER_ID_FOR_SRP` from the challenge; for device SRP, the `DeviceKey`.
    pub user_id_for_srp: &'a str,
    /// `SRP_B`, hex (odd length allowed).
    pub srp_b: &'a str,
    /// `SALT`, hex (odd length allowed).
    pub salt: &'a str,
    /// `SECRET_BLOCK`, base64, passed back unchanged.
    pub secret_block: &'a str,
}

/// The answer to a `PASSWORD_VERIFIER` challenge: send `TIMESTAMP` and
/// `PASSWORD_CLAIM_SIGNATURE` (with `PASSWORD_CLAIM_SECRET_BLOCK` = the challenge's
/// `SECRET_BLOCK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordClaim {
    /// `TIMESTAMP`.
    pub timestamp: String,
    /// `PASSWORD_CLAIM_SIGNATURE`, base64.
    pub signature: String,
}

/// Every intermediate value of a client proof, as lowercase hex without padding (the key as
/// 32 hex digits). Holds secrets (`x`, `S`, the key): for test vectors and interop debugging
/// only; wiped on drop and deliberately not `Debug`.
pub struct ClientTrace {
    /// `A`.
    pub srp_a: String,
    /// `u`.
    pub u: String,
    /// `x` (secret).
    pub x: Zeroizing<String>,
    /// `S` (secret).
    pub s: Zeroizing<String>,
    /// The derived 16-byte key (secret).
    pub key: Zeroizing<String>,
    /// The answer itself.
    pub claim: PasswordClaim,
}

impl SrpClient {
    /// Starts a login with a fresh 256-bit secret `a` from `rng`.
    pub fn new(rng: &mut impl rand_core::CryptoRng) -> Result<Self, Error> {
        Self::from_exponent(math::random_exponent(rng)?)
    }

    /// Starts a login with a given secret `a` (big-endian bytes). For reproducible tests only:
    /// a reused `a` breaks SRP.
    pub fn from_secret(a: &[u8]) -> Result<Self, Error> {
        let a = Bn::from_be_bytes(a)?;
        if a.is_zero() {
            return Err(Error::Empty("the secret a"));
        }
        Self::from_exponent(a)
    }

    fn from_exponent(a: Bn) -> Result<Self, Error> {
        let big_a = group()?.g_pow(&a)?;
        Ok(SrpClient { a, big_a })
    }

    /// `SRP_A` as amazon-cognito-identity-js and pycognito send it: lowercase hex, no padding.
    pub fn srp_a(&self) -> String {
        hex::integer(&self.big_a.to_be_bytes())
    }

    /// Answers a `PASSWORD_VERIFIER` challenge for `password` (for device SRP: the device
    /// password), signing `timestamp`.
    pub fn respond(
        &self,
        challenge: &PasswordVerifierChallenge<'_>,
        password: &str,
        timestamp: &Timestamp,
    ) -> Result<PasswordClaim, Error> {
        Ok(self
            .respond_with_trace(challenge, password, timestamp)?
            .claim)
    }

    /// [`SrpClient::respond`], also returning every intermediate value (see [`ClientTrace`]).
    pub fn respond_with_trace(
        &self,
        challenge: &PasswordVerifierChallenge<'_>,
        password: &str,
        timestamp: &Timestamp,
    ) -> Result<ClientTrace, Error> {
        if challenge.pool_name.is_empty() {
            return Err(Error::Empty("the pool name"));
        }
        if challenge.user_id_for_srp.is_empty() {
            return Err(Error::Empty("USER_ID_FOR_SRP"));
        }
        let big_b = math::public_value("SRP_B", challenge.srp_b)?;
        let salt = Bn::from_be_bytes(&hex::parse("SALT", challenge.salt)?)?;
        let secret_block = math::decode_base64("SECRET_BLOCK", challenge.secret_block)?;
        let u = math::scrambler(&self.big_a, &big_b)?;
        let x = math::private_key(
            &salt,
            challenge.pool_name,
            challenge.user_id_for_srp,
            password,
        )?;
        let s = math::client_premaster(&big_b, &self.a, &u, &x)?;
        let key = math::session_key(&u, &s);
        let mac = math::claim_mac(
            &key,
            challenge.pool_name,
            challenge.user_id_for_srp,
            &secret_block,
            timestamp.as_str(),
        );
        Ok(ClientTrace {
            srp_a: self.srp_a(),
            u: hex::integer(&u.to_be_bytes()),
            x: Zeroizing::new(hex::integer(&x.to_be_bytes())),
            s: Zeroizing::new(hex::integer(&s.to_be_bytes())),
            key: Zeroizing::new(hex::encode(key.as_slice())),
            claim: PasswordClaim {
                timestamp: timestamp.as_str().to_owned(),
                signature: math::encode_base64(mac.as_slice()),
            },
        })
    }
}

impl fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpClient")
            .field("srp_a", &self.srp_a())
            .field("a", &"[redacted]")
            .finish()
    }
}
