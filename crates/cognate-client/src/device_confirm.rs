//! Remembering the device of a login: `ConfirmDevice` with a fresh device secret, then
//! `UpdateDeviceStatus(remembered)` (the stores that keep the result: `crate::device`).

use aws_sdk_cognitoidentityprovider::types::{
    DeviceRememberedStatusType, DeviceSecretVerifierConfigType,
};
use secrecy::SecretString;

use crate::client::Client;
use crate::device::RememberedDevice;
use crate::error::{Result, from_sdk};
use crate::tokens::TokenSet;

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
