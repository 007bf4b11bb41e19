//! Device secrets for remembered devices: what `ConfirmDevice` sends
//! (`DeviceSecretVerifierConfig`), and the device password the client keeps to answer
//! `DEVICE_SRP_AUTH` / `DEVICE_PASSWORD_VERIFIER` later with [`crate::SrpClient`].

use std::fmt;

use zeroize::Zeroizing;

use crate::bn::Bn;
use crate::math;
use crate::server::Verifier;
use crate::{Error, hex};

/// `DeviceSecretVerifierConfig` of `ConfirmDevice`: `PasswordVerifier` and `Salt`, both base64
/// of `padHex` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSecretVerifierConfig {
    /// `PasswordVerifier`: base64 of `padHex(g^x)`.
    pub password_verifier: String,
    /// `Salt`: base64 of `padHex(salt)`.
    pub salt: String,
}

/// A new device's secret: the password to keep (secret) and the verifier config to send.
///
/// ```
/// use cognate_srp::{DeviceSecret, Verifier};
/// let mut rng = cognate_srp::os_rng();
/// let secret = DeviceSecret::generate(&mut rng, "-AbCdEfGh", "us-east-1_0a1b2c3d-4e5f").unwrap();
/// // ConfirmDevice(DeviceKey, DeviceSecretVerifierConfig = secret.config, ...);
/// // the server keeps a verifier built from the config:
/// let stored = Verifier::from_device_config(&secret.config).unwrap();
/// assert!(stored.matches_password("-AbCdEfGh", "us-east-1_0a1b2c3d-4e5f", &secret.device_password).unwrap());
/// ```
pub struct DeviceSecret {
    /// The device password (base64 of 40 random bytes): keep it with the device key; it is
    /// the password of later `DEVICE_SRP_AUTH` logins.
    pub device_password: Zeroizing<String>,
    /// What to send to `ConfirmDevice`.
    pub config: DeviceSecretVerifierConfig,
}

impl DeviceSecret {
    /// A fresh device secret for the `DeviceGroupKey` and `DeviceKey` that a login's
    /// `NewDeviceMetadata` named.
    pub fn generate(
        rng: &mut impl rand_core::CryptoRng,
        device_group_key: &str,
        device_key: &str,
    ) -> Result<Self, Error> {
        let mut password = Zeroizing::new([0u8; 40]);
        rng.fill_bytes(password.as_mut_slice());
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let password = Zeroizing::new(math::encode_base64(password.as_slice()));
        Self::from_parts(&salt, &password, device_group_key, device_key)
    }

    /// The device secret for a given salt (the 16 random bytes, big-endian) and device
    /// password: reproducible, for tests.
    pub fn from_parts(
        salt: &[u8],
        device_password: &str,
        device_group_key: &str,
        device_key: &str,
    ) -> Result<Self, Error> {
        let verifier = Verifier::with_salt(salt, device_group_key, device_key, device_password)?;
        let config = DeviceSecretVerifierConfig {
            password_verifier: math::encode_base64(&math::pad(verifier.v())),
            salt: math::encode_base64(&hex::padded(salt)),
        };
        Ok(DeviceSecret {
            device_password: Zeroizing::new(device_password.to_owned()),
            config,
        })
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSecret")
            .field("device_password", &"[redacted]")
            .field("config", &self.config)
            .finish()
    }
}

impl Verifier {
    /// The server's side of `ConfirmDevice`: a verifier from the `DeviceSecretVerifierConfig`
    /// a client sent, to check its later `DEVICE_PASSWORD_VERIFIER` answers.
    pub fn from_device_config(config: &DeviceSecretVerifierConfig) -> Result<Self, Error> {
        let v = math::decode_base64("PasswordVerifier", &config.password_verifier)?;
        let salt = math::decode_base64("Salt", &config.salt)?;
        if salt.is_empty() {
            return Err(Error::Empty("Salt"));
        }
        Verifier::from_parts(&hex::integer(&Bn::from_be_bytes(&salt)?.to_be_bytes()), &v)
    }
}
