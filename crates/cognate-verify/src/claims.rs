//! Verified claims: a generic form and typed views for access and ID tokens.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{VerifyError, clip};
use crate::scan::{Field, Payload};

/// Which of Cognito's two verifiable tokens this is (`token_use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// An access token (`token_use: access`): carries `client_id`, `scope`, `username`.
    Access,
    /// An ID token (`token_use: id`): carries `aud`, `cognito:username`, `email`, `custom:*`.
    Id,
}

impl TokenUse {
    /// The claim's value: `access` or `id`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a verified token, access or ID.
///
/// Cheap to clone (one reference count). Every standard check has passed when you hold one:
/// `iss`, `token_use`, the app client, `exp`/`nbf`/`iat`, groups, scopes and the custom check.
/// The typed views [`AccessClaims`] and [`IdClaims`] add the claims only one kind carries.
///
/// Custom attributes come out as strings (Cognito puts them in ID tokens as strings, numbers
/// too) with [`custom_attribute`](Claims::custom_attribute), or into your own struct with
/// [`deserialize`](Claims::deserialize):
///
/// ```
/// # fn demo(claims: cognate_verify::Claims) -> Result<(), serde_json::Error> {
/// #[derive(serde::Deserialize)]
/// struct Tenant<'a> {
///     #[serde(rename = "custom:companyId")]
///     company_id: &'a str,
///     #[serde(rename = "custom:teamId")]
///     team_id: Option<&'a str>,
/// }
/// let tenant: Tenant<'_> = claims.deserialize()?;
/// assert_eq!(Some(tenant.company_id), claims.custom_attribute("companyId"));
/// # let _ = tenant.team_id;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Claims {
    inner: Arc<Inner>,
}

struct Inner {
    /// The payload JSON, as signed.
    raw: String,
    /// The payload as a JSON object, built on first use.
    json: OnceLock<Map<String, Value>>,
    token_use: TokenUse,
    issuer: Arc<str>,
    sub: String,
    client_id: String,
    username: Option<String>,
    groups: Vec<String>,
    scope: Option<String>,
    exp: i64,
    nbf: Option<i64>,
    iat: Option<i64>,
    auth_time: Option<i64>,
    principal: crate::Principal,
}

/// The standard claims, read and type-checked before anything else is kept.
pub(crate) struct Standard {
    pub(crate) token_use: TokenUse,
    pub(crate) exp: i64,
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: Option<i64>,
}

fn owned_str(field: Option<&Field<'_>>) -> Option<String> {
    match field {
        Some(Field::Str(s)) => Some(s.as_ref().to_owned()),
        _ => None,
    }
}

impl Claims {
    /// Reads `token_use`, `exp`, `nbf`, `iat` and `sub` and checks their types.
    pub(crate) fn read_standard(payload: &Payload<'_>) -> Result<Standard, VerifyError> {
        let token_use = match &payload.token_use {
            None => return Err(VerifyError::MissingClaim { claim: "token_use" }),
            Some(Field::Str(s)) => match s.as_ref() {
                "access" => TokenUse::Access,
                "id" => TokenUse::Id,
                "refresh" => return Err(VerifyError::RefreshToken),
                other => {
                    return Err(VerifyError::TokenUse {
                        expected: "access or id",
                        found: clip(other),
                    });
                }
            },
            Some(_) => {
                return Err(VerifyError::InvalidClaim {
                    claim: "token_use",
                    expected: "a string",
                });
            }
        };
        let exp = numeric_date(payload.exp.as_ref(), "exp", Round::Down)?
            .ok_or(VerifyError::MissingClaim { claim: "exp" })?;
        let nbf = numeric_date(payload.nbf.as_ref(), "nbf", Round::Up)?;
        let iat = numeric_date(payload.iat.as_ref(), "iat", Round::Up)?;
        match &payload.sub {
            Some(Field::Str(_)) => {}
            None => return Err(VerifyError::MissingClaim { claim: "sub" }),
            Some(_) => {
                return Err(VerifyError::InvalidClaim {
                    claim: "sub",
                    expected: "a string",
                });
            }
        }
        Ok(Standard {
            token_use,
            exp,
            nbf,
            iat,
        })
    }

    /// Keeps the verified claims: the standard ones read out, the JSON for the rest.
    pub(crate) fn new(
        raw: String,
        payload: &Payload<'_>,
        standard: &Standard,
        issuer: Arc<str>,
        client_id: String,
    ) -> Self {
        let username = match standard.token_use {
            TokenUse::Access => owned_str(payload.username.as_ref()),
            TokenUse::Id => owned_str(payload.cognito_username.as_ref()),
        };
        let groups = match &payload.groups {
            Some(Field::Strings(groups)) => groups.iter().map(|g| g.as_ref().to_owned()).collect(),
            _ => Vec::new(),
        };
        let auth_time = match payload.auth_time {
            Some(Field::Int(t)) => Some(t),
            _ => None,
        };
        Claims {
            inner: Arc::new(Inner {
                raw,
                json: OnceLock::new(),
                token_use: standard.token_use,
                issuer,
                sub: owned_str(payload.sub.as_ref()).unwrap_or_default(),
                client_id,
                username,
                groups,
                scope: owned_str(payload.scope.as_ref()),
                exp: standard.exp,
                nbf: standard.nbf,
                iat: standard.iat,
                auth_time,
                principal: crate::Principal::of(payload, standard.token_use == TokenUse::Access),
            }),
        }
    }

    /// Whether the token speaks for a user or, as a `client_credentials` access token does, for
    /// an app client itself (then [`subject`](Self::subject) and [`client_id`](Self::client_id)
    /// are both the client, and there is no [`username`](Self::username)).
    pub fn principal(&self) -> crate::Principal {
        self.inner.principal
    }

    /// `access` or `id`.
    pub fn token_use(&self) -> TokenUse {
        self.inner.token_use
    }

    /// `iss`, exactly one of the verifier's issuers.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// `sub`: the user's immutable id in the pool (a UUID for users; the client id for
    /// machine-to-machine access tokens).
    pub fn subject(&self) -> &str {
        &self.inner.sub
    }

    /// The app client the token was issued to: `client_id` of an access token, the matching
    /// `aud` of an ID token.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The user's name in the pool: `username` of an access token, `cognito:username` of an ID
    /// token.
    pub fn username(&self) -> Option<&str> {
        self.inner.username.as_deref()
    }

    /// `exp`, in Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.inner.exp
    }

    /// `iat`, in Unix seconds.
    pub fn issued_at(&self) -> Option<i64> {
        self.inner.iat
    }

    /// `nbf`, in Unix seconds (Cognito does not set it).
    pub fn not_before(&self) -> Option<i64> {
        self.inner.nbf
    }

    /// `auth_time`: when the user signed in (kept across refreshes), in Unix seconds.
    pub fn auth_time(&self) -> Option<i64> {
        self.inner.auth_time
    }

    /// `jti`.
    pub fn jti(&self) -> Option<&str> {
        self.str_claim("jti")
    }

    /// `origin_jti`: the same for every token refreshed from one sign-in.
    pub fn origin_jti(&self) -> Option<&str> {
        self.str_claim("origin_jti")
    }

    /// `event_id`.
    pub fn event_id(&self) -> Option<&str> {
        self.str_claim("event_id")
    }

    /// `cognito:groups`, in token order (empty when the user is in no group).
    pub fn groups(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.groups.iter().map(String::as_str)
    }

    /// Whether `cognito:groups` contains `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups().any(|g| g == group)
    }

    /// The space-separated `scope` claim, split (ID tokens have none).
    pub fn scopes(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
    }

    /// Whether `scope` contains `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().any(|s| s == scope)
    }

    /// A custom attribute: `custom_attribute("companyId")` reads the `custom:companyId` claim.
    /// Non-string values (a local issuer may send numbers) are not returned; use
    /// [`get`](Self::get) for those.
    pub fn custom_attribute(&self, name: &str) -> Option<&str> {
        // Avoid an allocation: find the key among those with the prefix.
        self.as_json()
            .iter()
            .find(|(k, _)| k.strip_prefix("custom:") == Some(name))
            .and_then(|(_, v)| v.as_str())
    }

    /// Any claim, as JSON.
    pub fn get(&self, claim: &str) -> Option<&Value> {
        self.as_json().get(claim)
    }

    /// Any string claim.
    pub fn str_claim(&self, claim: &str) -> Option<&str> {
        self.get(claim).and_then(Value::as_str)
    }

    /// All claims, as JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        // The payload was read strictly as one object already, so this parse cannot fail.
        self.inner
            .json
            .get_or_init(|| serde_json::from_str(&self.inner.raw).unwrap_or_default())
    }

    /// The payload JSON exactly as signed.
    pub fn raw_json(&self) -> &str {
        &self.inner.raw
    }

    /// The claims as your own type (see the type-level example), borrowing strings from `self`
    /// where the type allows.
    pub fn deserialize<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.inner.raw)
    }

    /// The access-token view, if this is an access token.
    pub fn into_access(self) -> Option<AccessClaims> {
        (self.token_use() == TokenUse::Access).then_some(AccessClaims(self))
    }

    /// The ID-token view, if this is an ID token.
    pub fn into_id(self) -> Option<IdClaims> {
        (self.token_use() == TokenUse::Id).then_some(IdClaims(self))
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("token_use", &self.inner.token_use)
            .field("sub", &self.subject())
            .field("iss", &self.issuer())
            .field("client_id", &self.inner.client_id)
            .field("exp", &self.inner.exp)
            .finish_non_exhaustive()
    }
}

/// The claims of a verified access token.
///
/// Dereferences to [`Claims`] for what both kinds carry.
///
/// ```
/// # fn demo(claims: cognate_verify::AccessClaims) {
/// if claims.has_scope("orders/read") && claims.in_group("admins") {
///     println!("{} via app client {}", claims.subject(), claims.client_id());
/// }
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AccessClaims(Claims);

impl AccessClaims {
    /// `username`: the user's name in the pool.
    pub fn username(&self) -> Option<&str> {
        self.0.username()
    }

    /// `device_key`, when the user signed in on a remembered device.
    pub fn device_key(&self) -> Option<&str> {
        self.0.str_claim("device_key")
    }

    /// `version` (2 for current Cognito access tokens).
    pub fn version(&self) -> Option<i64> {
        self.0.get("version").and_then(Value::as_i64)
    }

    /// The generic claims.
    pub fn into_claims(self) -> Claims {
        self.0
    }
}

impl Deref for AccessClaims {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

/// The claims of a verified ID token.
///
/// Dereferences to [`Claims`] for what both kinds carry.
///
/// ```
/// # fn demo(claims: cognate_verify::IdClaims) {
/// if claims.email_verified() == Some(true) {
///     let company = claims.custom_attribute("companyId").unwrap_or("none");
///     println!("{:?} of company {company}", claims.email());
/// }
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct IdClaims(Claims);

impl IdClaims {
    /// `cognito:username`.
    pub fn cognito_username(&self) -> Option<&str> {
        self.0.username()
    }

    /// `aud`: the app client the ID token was issued to.
    pub fn audience(&self) -> &str {
        self.0.client_id()
    }

    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.0.str_claim("email")
    }

    /// `email_verified` (a boolean, or the strings `"true"`/`"false"` some issuers send).
    pub fn email_verified(&self) -> Option<bool> {
        bool_claim(self.0.get("email_verified"))
    }

    /// `phone_number`.
    pub fn phone_number(&self) -> Option<&str> {
        self.0.str_claim("phone_number")
    }

    /// `phone_number_verified`.
    pub fn phone_number_verified(&self) -> Option<bool> {
        bool_claim(self.0.get("phone_number_verified"))
    }

    /// All `custom:*` attributes that are strings, names without the prefix.
    pub fn custom_attributes(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0
            .as_json()
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("custom:")?, v.as_str()?)))
    }

    /// The generic claims.
    pub fn into_claims(self) -> Claims {
        self.0
    }
}

impl Deref for IdClaims {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

fn bool_claim(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

/// Reads a NumericDate: a JSON number of seconds. Fractions are rounded the strict way (down for
/// `exp`, up for `nbf`/`iat`); values beyond `i64` saturate.
fn numeric_date(
    field: Option<&Field<'_>>,
    claim: &'static str,
    round: Round,
) -> Result<Option<i64>, VerifyError> {
    match field {
        None => Ok(None),
        Some(Field::Int(i)) => Ok(Some(*i)),
        Some(Field::Float(f)) if f.is_finite() => {
            let f = match round {
                Round::Down => f.floor(),
                Round::Up => f.ceil(),
            };
            // Saturating float-to-int conversion.
            #[allow(clippy::cast_possible_truncation)]
            Ok(Some(f as i64))
        }
        Some(_) => Err(VerifyError::InvalidClaim {
            claim,
            expected: "a number of seconds",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan;

    fn standard(json: &str) -> Result<Standard, VerifyError> {
        Claims::read_standard(&scan::payload(json.as_bytes())?)
    }

    #[test]
    fn numeric_dates_round_strictly() {
        let p = scan::payload(
            br#"{"exp": 10.9, "nbf": 10.1, "iat": 1e300, "x": "1", "big": 18446744073709551615}"#,
        );
        let Ok(p) = p else { panic!("valid JSON") };
        assert_eq!(
            numeric_date(p.exp.as_ref(), "exp", Round::Down).ok(),
            Some(Some(10))
        );
        assert_eq!(
            numeric_date(p.nbf.as_ref(), "nbf", Round::Up).ok(),
            Some(Some(11))
        );
        assert_eq!(
            numeric_date(p.iat.as_ref(), "iat", Round::Up).ok(),
            Some(Some(i64::MAX))
        );
        assert!(numeric_date(Some(&Field::Str("1".into())), "x", Round::Up).is_err());
        assert_eq!(numeric_date(None, "none", Round::Up).ok(), Some(None));
        assert_eq!(
            numeric_date(Some(&Field::Float(u64::MAX as f64)), "exp", Round::Down).ok(),
            Some(Some(i64::MAX))
        );
    }

    #[test]
    fn standard_claims() {
        assert!(standard(r#"{"token_use": "access", "exp": 5, "sub": "u"}"#).is_ok());
        assert!(matches!(
            standard(r#"{"token_use": "refresh", "exp": 5, "sub": "u"}"#),
            Err(VerifyError::RefreshToken)
        ));
        assert!(matches!(
            standard(r#"{"token_use": "id", "sub": "u"}"#),
            Err(VerifyError::MissingClaim { claim: "exp" })
        ));
        assert!(matches!(
            standard(r#"{"token_use": "id", "sub": "u", "exp": "5"}"#),
            Err(VerifyError::InvalidClaim { claim: "exp", .. })
        ));
        assert!(matches!(
            standard(r#"{"token_use": "id", "sub": 5, "exp": 5}"#),
            Err(VerifyError::InvalidClaim { claim: "sub", .. })
        ));
    }

    #[test]
    fn views_and_custom_attributes() {
        let raw = r#"{
            "token_use": "id", "exp": 5, "sub": "u", "aud": "c",
            "cognito:username": "alice", "email_verified": "true",
            "custom:companyId": "42", "custom:teamId": "7", "custom:n": 3,
            "cognito:groups": ["a", "b"]
        }"#;
        let Ok(payload) = scan::payload(raw.as_bytes()) else {
            panic!("valid JSON")
        };
        let Ok(std) = Claims::read_standard(&payload) else {
            panic!("standard claims should read")
        };
        let claims = Claims::new(raw.to_owned(), &payload, &std, "iss".into(), "c".into());
        assert_eq!(claims.custom_attribute("companyId"), Some("42"));
        assert_eq!(claims.custom_attribute("n"), None);
        assert!(claims.in_group("b"));
        assert_eq!(claims.username(), Some("alice"));
        assert_eq!(claims.issuer(), "iss");
        assert!(claims.clone().into_access().is_none());
        let Some(id) = claims.into_id() else {
            panic!("an ID token")
        };
        assert_eq!(id.email_verified(), Some(true));
        assert_eq!(id.audience(), "c");
        assert_eq!(id.custom_attributes().count(), 2);
    }
}
