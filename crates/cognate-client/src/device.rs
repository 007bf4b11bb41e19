//! Device tracking: the device a login confirmed and its secret ([`RememberedDevice`]), and
//! where they are kept ([`DeviceStore`]) to prove the device with `DEVICE_SRP_AUTH` on later
//! logins. (Confirming one: `crate::device_confirm`.)

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
