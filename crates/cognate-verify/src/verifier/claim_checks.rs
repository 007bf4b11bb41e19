//! The claim checks after the signature: `exp`/`nbf`/`iat` with the grace, the app client
//! (`client_id` or `aud`), groups and scopes, and the custom check.

use crate::claims::{Claims, Standard, TokenUse};
use crate::error::{VerifyError, clip};
use crate::scan::{Field, Payload};

use super::settings::Settings;
use super::user_pool::Clients;

impl Settings {
    pub(super) fn check_times(&self, standard: &Standard, now: i64) -> Result<(), VerifyError> {
        let grace = self.grace;
        if now >= standard.exp.saturating_add(grace) {
            return Err(VerifyError::Expired {
                exp: standard.exp,
                now,
            });
        }
        if let Some(nbf) = standard.nbf
            && nbf > now.saturating_add(grace)
        {
            return Err(VerifyError::NotYetValid { nbf, now });
        }
        if let Some(iat) = standard.iat
            && iat > now.saturating_add(grace)
        {
            return Err(VerifyError::IssuedInFuture { iat, now });
        }
        Ok(())
    }

    /// The app client: `client_id` of an access token, `aud` (a string or an array) of an ID
    /// token. Returns the accepted client id.
    pub(super) fn check_client(
        &self,
        payload: &Payload<'_>,
        standard: &Standard,
        issuer: usize,
    ) -> Result<String, VerifyError> {
        let clients = &self.pools[self.issuers[issuer].pool];
        let allowed = |id: &str| match clients {
            Clients::Any => true,
            Clients::Listed(ids) => ids.iter().any(|allowed| allowed == id),
            Clients::Unset => false,
        };
        let (claim, field, expected) = match standard.token_use {
            TokenUse::Access => ("client_id", &payload.client_id, "a string"),
            TokenUse::Id => ("aud", &payload.aud, "a string or an array of strings"),
        };
        match field {
            None => Err(VerifyError::MissingClaim { claim }),
            Some(Field::Str(id)) if allowed(id) => Ok(id.as_ref().to_owned()),
            Some(Field::Str(id)) => Err(VerifyError::ClientId {
                client_id: clip(id),
            }),
            Some(Field::Strings(ids)) if standard.token_use == TokenUse::Id && !ids.is_empty() => {
                match ids.iter().find(|id| allowed(id)) {
                    Some(id) => Ok(id.as_ref().to_owned()),
                    None => Err(VerifyError::ClientId {
                        client_id: clip(&ids.join(" ")),
                    }),
                }
            }
            Some(_) => Err(VerifyError::InvalidClaim { claim, expected }),
        }
    }

    pub(super) fn check_groups_and_scopes(&self, payload: &Payload<'_>) -> Result<(), VerifyError> {
        let inner = self;
        if !inner.groups.is_empty() {
            let groups: &[std::borrow::Cow<'_, str>] = match &payload.groups {
                None => &[],
                Some(Field::Strings(groups)) => groups,
                Some(_) => {
                    return Err(VerifyError::InvalidClaim {
                        claim: "cognito:groups",
                        expected: "an array of strings",
                    });
                }
            };
            let member = groups
                .iter()
                .any(|g| inner.groups.iter().any(|required| required == g));
            if !member {
                return Err(VerifyError::Group);
            }
        }
        if !inner.all_scopes.is_empty() || !inner.any_scopes.is_empty() {
            let scope = match &payload.scope {
                None => "",
                Some(Field::Str(scope)) => scope.as_ref(),
                Some(_) => {
                    return Err(VerifyError::InvalidClaim {
                        claim: "scope",
                        expected: "a string",
                    });
                }
            };
            let has = |wanted: &String| scope.split_ascii_whitespace().any(|s| s == wanted);
            if !inner.all_scopes.iter().all(has) {
                return Err(VerifyError::Scope);
            }
            if !inner.any_scopes.is_empty() && !inner.any_scopes.iter().any(has) {
                return Err(VerifyError::Scope);
            }
        }
        Ok(())
    }

    pub(super) fn custom_check(&self, claims: &Claims) -> Result<(), VerifyError> {
        match &self.custom {
            None => Ok(()),
            Some(check) => check(claims).map_err(VerifyError::Custom),
        }
    }
}
