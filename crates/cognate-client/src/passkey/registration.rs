//! The signed-in user's passkeys: register one (StartWebAuthnRegistration, the
//! authenticator, CompleteWebAuthnRegistration), list them, delete one.

use serde_json::Value;

use super::document::{from_json, to_json};
use super::{Authenticator, CreationOptions};
use crate::client::Client;
use crate::error::{Error, Result, from_sdk};

/// A registered passkey as ListWebAuthnCredentials describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeyInfo {
    /// The credential id (base64url), to delete it with.
    pub credential_id: String,
    /// Its name (the authenticator's, when the browser reported one).
    pub friendly_name: String,
    /// The relying party id it is bound to.
    pub relying_party_id: String,
    /// `platform` or `cross-platform`, when known.
    pub attachment: Option<String>,
    /// When it was registered, in seconds since the Unix epoch.
    pub created_at: i64,
}

impl Client {
    /// StartWebAuthnRegistration: the creation options for a new passkey of the user signed in
    /// with `access_token`. The pool must allow `WEB_AUTHN` and have a relying party.
    pub async fn start_passkey_registration(&self, access_token: &str) -> Result<CreationOptions> {
        let out = self
            .with_retry("StartWebAuthnRegistration", || async {
                self.sdk()
                    .start_web_authn_registration()
                    .access_token(access_token)
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await?;
        Ok(CreationOptions::new(to_json(
            out.credential_creation_options(),
        )))
    }

    /// CompleteWebAuthnRegistration with an authenticator's `RegistrationResponseJSON`.
    pub async fn complete_passkey_registration(
        &self,
        access_token: &str,
        credential: &Value,
    ) -> Result<()> {
        let doc = from_json(credential);
        self.with_retry("CompleteWebAuthnRegistration", || async {
            self.sdk()
                .complete_web_authn_registration()
                .access_token(access_token)
                .credential(doc.clone())
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }

    /// Registers a passkey made by `authenticator` for the user signed in with
    /// `access_token`: StartWebAuthnRegistration, [`Authenticator::create`], then
    /// CompleteWebAuthnRegistration.
    ///
    /// ```no_run
    /// # #[cfg(feature = "software-authenticator")]
    /// # async fn run(client: cognate_client::Client, tokens: cognate_client::TokenSet)
    /// # -> cognate_client::Result<()> {
    /// let authenticator = cognate_client::passkey::SoftwareAuthenticator::in_memory();
    /// client
    ///     .register_passkey(tokens.access_token().as_str(), &authenticator)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn register_passkey(
        &self,
        access_token: &str,
        authenticator: &dyn Authenticator,
    ) -> Result<()> {
        let options = self.start_passkey_registration(access_token).await?;
        let credential = authenticator.create(&options).await?;
        self.complete_passkey_registration(access_token, &credential)
            .await
    }

    /// ListWebAuthnCredentials: the passkeys of the user signed in with `access_token`
    /// (every page).
    pub async fn list_passkeys(&self, access_token: &str) -> Result<Vec<PasskeyInfo>> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .with_retry("ListWebAuthnCredentials", || async {
                    self.sdk()
                        .list_web_authn_credentials()
                        .access_token(access_token)
                        .set_next_token(next.clone())
                        .send()
                        .await
                        .map_err(from_sdk)
                })
                .await?;
            out.extend(page.credentials().iter().map(|c| PasskeyInfo {
                credential_id: c.credential_id().to_owned(),
                friendly_name: c.friendly_credential_name().to_owned(),
                relying_party_id: c.relying_party_id().to_owned(),
                attachment: c.authenticator_attachment().map(str::to_owned),
                created_at: c.created_at().secs(),
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() && next.as_deref() != Some(t) => next = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// DeleteWebAuthnCredential: removes a passkey (by its credential id) of the user signed in
    /// with `access_token`.
    pub async fn delete_passkey(&self, access_token: &str, credential_id: &str) -> Result<()> {
        if credential_id.is_empty() {
            return Err(Error::Config("an empty passkey credential id".into()));
        }
        self.with_retry("DeleteWebAuthnCredential", || async {
            self.sdk()
                .delete_web_authn_credential()
                .access_token(access_token)
                .credential_id(credential_id)
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
        Ok(())
    }
}
