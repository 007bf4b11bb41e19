//! Device tracking: confirm a device after login, remember its secret, and prove it with
//! `DEVICE_SRP_AUTH` on later logins.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use aws_sdk_cognitoidentityprovider::types::{
    DeviceRememberedStatusType, DeviceSecretVerifierConfigType,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result, from_sdk};
use crate::tokens::TokenSet;

/// A device this program confirmed: its key, its group key and its password (secret).
#[derive(Clone, Serialize, Deserialize)]
pub struct RememberedDevice {
    /// `DeviceKey`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
    #[serde(serialize_with = "expose")]
    device_password: SecretString,
}

fn expose<S: serde::Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

impl RememberedDevice {
    /// A remembered device from its parts.
    pub fn new(
        device_key: String,
        device_group_key: String,
        device_password: SecretString,
    ) -> Self {
        RememberedDevice {
            device_key,
            device_group_key,
            device_password,
        }
    }
    pub(crate) fn password(&self) -> &str {
        self.device_password.expose_secret()
    }
}

impl fmt::Debug for RememberedDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RememberedDevice")
            .field("device_key", &self.device_key)
            .field("device_group_key", &self.device_group_key)
            .field("device_password", &"<redacted>")
            .finish()
    }
}

/// Where remembered devices are kept, by the user name logged in with.
pub trait DeviceStore: Send + Sync + 'static {
    /// The device remembered for `username`.
    fn load(&self, username: &str) -> Result<Option<RememberedDevice>>;
    /// Remembers `device` for `username`.
    fn save(&self, username: &str, device: &RememberedDevice) -> Result<()>;
    /// Forgets the device of `username`.
    fn forget(&self, username: &str) -> Result<()>;
}

/// Devices kept in memory (for tests, and for long-running services).
#[derive(Debug, Default)]
pub struct MemoryDeviceStore {
    devices: Mutex<HashMap<String, RememberedDevice>>,
}

impl MemoryDeviceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl DeviceStore for MemoryDeviceStore {
    fn load(&self, username: &str) -> Result<Option<RememberedDevice>> {
        let map = self
            .devices
            .lock()
            .map_err(|_| Error::Store("poisoned".into()))?;
        Ok(map.get(username).cloned())
    }
    fn save(&self, username: &str, device: &RememberedDevice) -> Result<()> {
        let mut map = self
            .devices
            .lock()
            .map_err(|_| Error::Store("poisoned".into()))?;
        map.insert(username.to_owned(), device.clone());
        Ok(())
    }
    fn forget(&self, username: &str) -> Result<()> {
        let mut map = self
            .devices
            .lock()
            .map_err(|_| Error::Store("poisoned".into()))?;
        map.remove(username);
        Ok(())
    }
}

impl<T: DeviceStore> DeviceStore for std::sync::Arc<T> {
    fn load(&self, username: &str) -> Result<Option<RememberedDevice>> {
        (**self).load(username)
    }
    fn save(&self, username: &str, device: &RememberedDevice) -> Result<()> {
        (**self).save(username, device)
    }
    fn forget(&self, username: &str) -> Result<()> {
        (**self).forget(username)
    }
}

impl Client {
    /// `ConfirmDevice` with a fresh device secret, then `UpdateDeviceStatus(remembered)`.
    pub(crate) async fn confirm_device(
        &self,
        tokens: &TokenSet,
        device_key: &str,
        device_group_key: &str,
    ) -> Result<RememberedDevice> {
        let secret = cognate_srp::DeviceSecret::generate(
            &mut cognate_srp::os_rng(),
            device_group_key,
            device_key,
        )?;
        let config = DeviceSecretVerifierConfigType::builder()
            .password_verifier(secret.config.password_verifier.clone())
            .salt(secret.config.salt.clone())
            .build();
        let access = tokens.access_token().as_str();
        self.with_retry("ConfirmDevice", || async {
            self.sdk()
                .confirm_device()
                .access_token(access)
                .device_key(device_key)
                .device_secret_verifier_config(config.clone())
                .device_name("cognate")
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        self.with_retry("UpdateDeviceStatus", || async {
            self.sdk()
                .update_device_status()
                .access_token(access)
                .device_key(device_key)
                .device_remembered_status(DeviceRememberedStatusType::Remembered)
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(RememberedDevice::new(
            device_key.to_owned(),
            device_group_key.to_owned(),
            SecretString::from(secret.device_password.to_string()),
        ))
    }
}
