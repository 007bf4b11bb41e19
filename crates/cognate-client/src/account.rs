//! User-level calls besides login: profile, password, sign-up, sign-out.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::types::{AttributeType, CodeDeliveryDetailsType};

use crate::client::Client;
use crate::error::{Result, from_sdk};

/// A user as `GetUser` describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfo {
    /// The internal user name.
    pub username: String,
    /// Attributes by name (`email`, `custom:companyId`, ...).
    pub attributes: BTreeMap<String, String>,
    /// MFA methods the user has set up.
    pub mfa_methods: Vec<String>,
}

/// Where Cognito sent a code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CodeDelivery {
    /// The masked destination.
    pub destination: Option<String>,
    /// `SMS` or `EMAIL`.
    pub medium: Option<String>,
    /// The attribute the code was sent to.
    pub attribute: Option<String>,
}

impl CodeDelivery {
    fn of(d: Option<&CodeDeliveryDetailsType>) -> Option<Self> {
        d.map(|d| CodeDelivery {
            destination: d.destination().map(str::to_owned),
            medium: d.delivery_medium().map(|m| m.as_str().to_owned()),
            attribute: d.attribute_name().map(str::to_owned),
        })
    }
}

/// What `SignUp` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignUpOutcome {
    /// Whether the user is confirmed already (no code needed).
    pub confirmed: bool,
    /// The new user's `sub`.
    pub user_sub: String,
    /// Where the confirmation code went, if one was sent.
    pub code_delivery: Option<CodeDelivery>,
}

fn attributes(attrs: &[(&str, &str)]) -> Result<Vec<AttributeType>> {
    attrs
        .iter()
        .map(|(k, v)| {
            AttributeType::builder()
                .name(*k)
                .value(*v)
                .build()
                .map_err(|e| crate::Error::Config(e.to_string()))
        })
        .collect()
}

impl Client {
    /// `GetUser`: the user of an access token, with their attributes.
    pub async fn get_user(&self, access_token: &str) -> Result<UserInfo> {
        let out = self
            .with_retry("GetUser", || async {
                self.sdk()
                    .get_user()
                    .access_token(access_token)
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await?;
        Ok(UserInfo {
            username: out.username().to_owned(),
            attributes: out
                .user_attributes()
                .iter()
                .map(|a| {
                    (
                        a.name().to_owned(),
                        a.value().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            mfa_methods: out.user_mfa_setting_list().to_vec(),
        })
    }

    /// `ChangePassword` for the user of an access token.
    pub async fn change_password(&self, access_token: &str, old: &str, new: &str) -> Result<()> {
        self.with_retry("ChangePassword", || async {
            self.sdk()
                .change_password()
                .access_token(access_token)
                .previous_password(old)
                .proposed_password(new)
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }

    /// `GlobalSignOut`: revokes every refresh token of the user (access tokens stop working at
    /// Cognito's own endpoints).
    pub async fn global_sign_out(&self, access_token: &str) -> Result<()> {
        self.with_retry("GlobalSignOut", || async {
            self.sdk()
                .global_sign_out()
                .access_token(access_token)
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }

    /// `RevokeToken`: revokes one refresh token and the tokens issued from it.
    pub async fn revoke_token(&self, refresh_token: &str) -> Result<()> {
        self.with_retry("RevokeToken", || async {
            self.sdk()
                .revoke_token()
                .token(refresh_token)
                .client_id(self.client_id())
                .set_client_secret(self.client_secret().map(str::to_owned))
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }

    /// `SignUp` with attributes such as `("email", "a@example.com")`.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attrs: &[(&str, &str)],
    ) -> Result<SignUpOutcome> {
        let attrs = attributes(attrs)?;
        let out = self
            .with_retry("SignUp", || async {
                self.sdk()
                    .sign_up()
                    .client_id(self.client_id())
                    .set_secret_hash(self.secret_hash(username))
                    .username(username)
                    .password(password)
                    .set_user_attributes(Some(attrs.clone()))
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await?;
        Ok(SignUpOutcome {
            confirmed: out.user_confirmed(),
            user_sub: out.user_sub().to_owned(),
            code_delivery: CodeDelivery::of(out.code_delivery_details()),
        })
    }

    /// `ConfirmSignUp` with the code Cognito sent.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<()> {
        self.with_retry("ConfirmSignUp", || async {
            self.sdk()
                .confirm_sign_up()
                .client_id(self.client_id())
                .set_secret_hash(self.secret_hash(username))
                .username(username)
                .confirmation_code(code.trim())
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }

    /// `ForgotPassword`: sends a reset code.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<CodeDelivery>> {
        let out = self
            .with_retry("ForgotPassword", || async {
                self.sdk()
                    .forgot_password()
                    .client_id(self.client_id())
                    .set_secret_hash(self.secret_hash(username))
                    .username(username)
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await?;
        Ok(CodeDelivery::of(out.code_delivery_details()))
    }

    /// `ConfirmForgotPassword`: sets a new password with the reset code.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<()> {
        self.with_retry("ConfirmForgotPassword", || async {
            self.sdk()
                .confirm_forgot_password()
                .client_id(self.client_id())
                .set_secret_hash(self.secret_hash(username))
                .username(username)
                .confirmation_code(code.trim())
                .password(new_password)
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }
}
