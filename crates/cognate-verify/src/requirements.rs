//! The OAuth requirements a verifier can add to Cognito's claim rules: who the token speaks for
//! (a user or an app client), the RFC 8707 audience of access tokens, and step-up
//! authentication (`acr`, `amr`, `auth_time` with a maximum age).

use std::fmt;

use crate::error::{VerifyError, clip};
use crate::scan::{Field, Payload};

/// Who a token speaks for.
///
/// Cognito issues two kinds of access tokens: a **user**'s (any sign-in, with `username`) and an
/// **app client**'s from the `client_credentials` grant (machine to machine: no `username`,
/// `sub` equal to `client_id`). ID tokens always speak for a user.
///
/// ```
/// use cognate_verify::{CognitoJwtVerifier, Principal, TokenUse, UserPool};
///
/// # fn demo() -> Result<(), cognate_verify::VerifyError> {
/// // An internal API only other services may call.
/// let verifier = CognitoJwtVerifier::builder()
///     .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.client_id("service-a"))
///     .token_use(TokenUse::Access)
///     .require_principal(Principal::Client)
///     .require_scopes(["billing/charge"])
///     .build()?;
/// # let _ = verifier;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A signed-in user.
    User,
    /// An app client acting for itself (`client_credentials`).
    Client,
}

impl Principal {
    /// `user` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            Principal::User => "user",
            Principal::Client => "client",
        }
    }

    /// The principal of a token: an access token without `username` whose `sub` is its
    /// `client_id` is an app client's; every other token is a user's.
    pub(crate) fn of(payload: &Payload<'_>, is_access: bool) -> Principal {
        let (Some(Field::Str(sub)), Some(Field::Str(client_id))) =
            (&payload.sub, &payload.client_id)
        else {
            return Principal::User;
        };
        if is_access && payload.username.is_none() && sub == client_id {
            Principal::Client
        } else {
            Principal::User
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The optional requirements, as configured on the builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct Requirements {
    pub(crate) principal: Option<Principal>,
    /// RFC 8707: an access token's `aud` must name one of these.
    pub(crate) audiences: Vec<String>,
    /// `acr` must be one of these.
    pub(crate) acr_any: Vec<String>,
    /// `amr` must contain every one of these.
    pub(crate) amr_all: Vec<String>,
    /// `auth_time` must be at most this many seconds ago.
    pub(crate) max_age: Option<i64>,
}

impl Requirements {
    /// Whether any check depends on the time (and so must run again on a cached token).
    pub(crate) fn time_dependent(&self) -> bool {
        self.max_age.is_some()
    }

    /// Every requirement, in order: principal, audience, acr, amr, max age.
    pub(crate) fn check(
        &self,
        payload: &Payload<'_>,
        is_access: bool,
        now: i64,
        grace: i64,
    ) -> Result<(), VerifyError> {
        if let Some(expected) = self.principal {
            let found = Principal::of(payload, is_access);
            if found != expected {
                return Err(VerifyError::Principal { expected, found });
            }
        }
        if is_access && !self.audiences.is_empty() {
            check_audience(&self.audiences, payload.aud.as_ref())?;
        }
        if !self.acr_any.is_empty() {
            match &payload.acr {
                None => return Err(VerifyError::MissingClaim { claim: "acr" }),
                Some(Field::Str(acr)) if self.acr_any.iter().any(|a| a == acr) => {}
                Some(Field::Str(acr)) => return Err(VerifyError::Acr { acr: clip(acr) }),
                Some(_) => {
                    return Err(VerifyError::InvalidClaim {
                        claim: "acr",
                        expected: "a string",
                    });
                }
            }
        }
        if !self.amr_all.is_empty() {
            let amr: &[std::borrow::Cow<'_, str>] = match &payload.amr {
                None => return Err(VerifyError::MissingClaim { claim: "amr" }),
                Some(Field::Strings(amr)) => amr,
                Some(_) => {
                    return Err(VerifyError::InvalidClaim {
                        claim: "amr",
                        expected: "an array of strings",
                    });
                }
            };
            if !self.amr_all.iter().all(|m| amr.iter().any(|a| a == m)) {
                return Err(VerifyError::Amr);
            }
        }
        self.check_age(payload.auth_time.as_ref(), now, grace)
    }

    /// `auth_time` + max age, also run on tokens served from the verified-token cache.
    pub(crate) fn check_age(
        &self,
        auth_time: Option<&Field<'_>>,
        now: i64,
        grace: i64,
    ) -> Result<(), VerifyError> {
        let Some(max_age) = self.max_age else {
            return Ok(());
        };
        let auth_time = match auth_time {
            None => return Err(VerifyError::MissingClaim { claim: "auth_time" }),
            Some(Field::Int(t)) => *t,
            Some(_) => {
                return Err(VerifyError::InvalidClaim {
                    claim: "auth_time",
                    expected: "a number of seconds",
                });
            }
        };
        if now.saturating_sub(auth_time) > max_age.saturating_add(grace) {
            return Err(VerifyError::AuthTooOld {
                auth_time,
                max_age,
                now,
            });
        }
        Ok(())
    }
}

/// RFC 8707: `aud` (a string or an array of strings) names one of the accepted resources.
fn check_audience(accepted: &[String], aud: Option<&Field<'_>>) -> Result<(), VerifyError> {
    let ok = |a: &str| accepted.iter().any(|r| r == a);
    match aud {
        None => Err(VerifyError::MissingClaim { claim: "aud" }),
        Some(Field::Str(a)) if ok(a) => Ok(()),
        Some(Field::Str(a)) => Err(VerifyError::Audience { aud: clip(a) }),
        Some(Field::Strings(list)) if list.iter().any(|a| ok(a)) => Ok(()),
        Some(Field::Strings(list)) => Err(VerifyError::Audience {
            aud: clip(&list.join(" ")),
        }),
        Some(_) => Err(VerifyError::InvalidClaim {
            claim: "aud",
            expected: "a string or an array of strings",
        }),
    }
}

impl crate::CognitoJwtVerifierBuilder {
    /// Requires tokens of one kind of principal: [`Principal::User`] rejects app clients'
    /// machine-to-machine access tokens, [`Principal::Client`] accepts only those.
    pub fn require_principal(mut self, principal: Principal) -> Self {
        self.requirements.principal = Some(principal);
        self
    }

    /// RFC 8707: requires an access token's `aud` (set by Cognito when the token request named a
    /// `resource`) to be one of these resource identifiers. ID tokens are not affected (their
    /// `aud` is the app client). A token without `aud` fails.
    ///
    /// ```
    /// use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool};
    /// # fn demo() -> Result<(), cognate_verify::VerifyError> {
    /// let verifier = CognitoJwtVerifier::builder()
    ///     .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.any_client())
    ///     .token_use(TokenUse::Access)
    ///     .require_audience(["https://billing.example.com"])
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok(()) }
    /// ```
    pub fn require_audience<I, S>(mut self, resources: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requirements
            .audiences
            .extend(resources.into_iter().map(Into::into));
        self
    }

    /// Step-up: requires `acr` to be one of these authentication context classes.
    pub fn require_acr<I, S>(mut self, acr: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requirements
            .acr_any
            .extend(acr.into_iter().map(Into::into));
        self
    }

    /// Step-up: requires `amr` to contain every one of these authentication methods (for
    /// example `mfa`).
    pub fn require_amr<I, S>(mut self, amr: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.requirements
            .amr_all
            .extend(amr.into_iter().map(Into::into));
        self
    }

    /// Step-up: requires `auth_time` no longer ago than `max_age` (plus the clock-skew grace),
    /// checked again on every call, also for tokens from the verified-token cache. Whole
    /// seconds.
    ///
    /// ```
    /// use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool};
    /// use std::time::Duration;
    /// # fn demo() -> Result<(), cognate_verify::VerifyError> {
    /// // Changing the password needs a sign-in of the last five minutes.
    /// let recent = CognitoJwtVerifier::builder()
    ///     .user_pool(UserPool::new("us-east-1_AbC123xyZ")?.client_id("4k9example"))
    ///     .token_use(TokenUse::Access)
    ///     .max_age(Duration::from_secs(300))
    ///     .build()?;
    /// # let _ = recent;
    /// # Ok(()) }
    /// ```
    pub fn max_age(mut self, max_age: std::time::Duration) -> Self {
        self.requirements.max_age = Some(i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX));
        self
    }
}
