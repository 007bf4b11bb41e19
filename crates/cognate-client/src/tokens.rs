//! The three tokens of a login, with their claims decoded (not verified: that is the API
//! server's job, see `cognate-verify`).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// Decodes a JWT's payload without checking its signature.
fn decode_payload<T: for<'de> Deserialize<'de>>(jwt: &str, what: &str) -> Result<T> {
    let mut parts = jwt.split('.');
    let payload = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(p), Some(_), None) => p,
        _ => return Err(Error::protocol(format!("the {what} is not a JWT"))),
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| Error::protocol(format!("the {what}'s payload is not base64url")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::protocol(format!("the {what}'s claims are unreadable: {e}")))
}

fn bool_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => Some(s == "true"),
        _ => None,
    })
}

fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Array(a)) => a.into_iter().find_map(|v| match v {
            Value::String(s) => Some(s),
            _ => None,
        }),
        _ => None,
    })
}

/// The claims of a Cognito access token.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct AccessClaims {
    /// The user's immutable id.
    pub sub: Option<String>,
    /// The user's internal user name (the `sub` in pools that sign in with an email alias).
    pub username: Option<String>,
    /// The app client the token was issued to.
    pub client_id: Option<String>,
    /// `access`.
    pub token_use: Option<String>,
    /// Space-separated scopes, e.g. `aws.cognito.signin.user.admin`.
    pub scope: Option<String>,
    /// The issuer, `https://cognito-idp.{region}.amazonaws.com/{poolId}`.
    pub iss: Option<String>,
    /// Expiry, seconds since the epoch (server clock).
    pub exp: i64,
    /// Issue time, seconds since the epoch (server clock).
    pub iat: Option<i64>,
    /// When the user logged in (kept across refreshes).
    pub auth_time: Option<i64>,
    /// The token's id.
    pub jti: Option<String>,
    /// The id of the login this token descends from.
    pub origin_jti: Option<String>,
    /// The login event's id.
    pub event_id: Option<String>,
    /// `cognito:groups`.
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    /// The remembered device this login used, if any.
    pub device_key: Option<String>,
    /// Every other claim.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The claims of a Cognito ID token, including the user's attributes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct IdClaims {
    /// The user's immutable id.
    pub sub: Option<String>,
    /// The app client id.
    #[serde(default, deserialize_with = "string_or_list")]
    pub aud: Option<String>,
    /// `cognito:username`: the internal user name.
    #[serde(rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// `id`.
    pub token_use: Option<String>,
    /// The issuer.
    pub iss: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified` (Cognito sends a boolean; some servers a string).
    #[serde(default, deserialize_with = "bool_or_string")]
    pub email_verified: Option<bool>,
    /// `phone_number`.
    pub phone_number: Option<String>,
    /// `cognito:groups`.
    #[serde(rename = "cognito:groups", default)]
    pub groups: Vec<String>,
    /// Expiry, seconds since the epoch (server clock).
    pub exp: i64,
    /// Issue time, seconds since the epoch (server clock).
    pub iat: Option<i64>,
    /// When the user logged in.
    pub auth_time: Option<i64>,
    /// Every other claim, including the `custom:*` attributes.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl IdClaims {
    /// A custom attribute, named with or without its `custom:` prefix, when it is a string (as
    /// Cognito sends them all).
    ///
    /// ```
    /// # use cognate_client::IdToken;
    /// # let jwt = cognate_client::testing::unsigned_jwt(&serde_json::json!({
    /// #     "exp": 2_000_000_000, "custom:companyId": "acme"}));
    /// let id = IdToken::parse(&jwt).unwrap();
    /// assert_eq!(id.claims().custom("companyId"), Some("acme"));
    /// assert_eq!(id.claims().custom("custom:companyId"), Some("acme"));
    /// ```
    pub fn custom(&self, name: &str) -> Option<&str> {
        let key = if name.starts_with("custom:") {
            name.to_owned()
        } else {
            format!("custom:{name}")
        };
        self.other.get(&key).and_then(Value::as_str)
    }

    /// Every `custom:*` attribute, with its name (without the prefix).
    pub fn custom_attributes(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.other
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("custom:").map(|n| (n, v)))
    }

    /// Any claim by its full name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.other.get(name)
    }
}

/// An access token: the JWT and its claims. `Debug` shows the claims, never the token.
#[derive(Clone)]
pub struct AccessToken {
    raw: String,
    claims: AccessClaims,
}

impl AccessToken {
    /// Reads an access token (claims decoded, signature not checked).
    pub fn parse(jwt: &str) -> Result<Self> {
        Ok(AccessToken {
            claims: decode_payload(jwt, "access token")?,
            raw: jwt.to_owned(),
        })
    }
    /// The JWT, to send.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    /// The decoded claims.
    pub fn claims(&self) -> &AccessClaims {
        &self.claims
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// An ID token: the JWT and its claims (the user's attributes). `Debug` never shows the token.
#[derive(Clone)]
pub struct IdToken {
    raw: String,
    claims: IdClaims,
}

impl IdToken {
    /// Reads an ID token (claims decoded, signature not checked).
    pub fn parse(jwt: &str) -> Result<Self> {
        Ok(IdToken {
            claims: decode_payload(jwt, "ID token")?,
            raw: jwt.to_owned(),
        })
    }
    /// The JWT, to send.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    /// The decoded claims.
    pub fn claims(&self) -> &IdClaims {
        &self.claims
    }
}

impl fmt::Debug for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdToken")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// A refresh token: opaque and secret. Wiped on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct RefreshToken(SecretString);

impl RefreshToken {
    /// Wraps a refresh token.
    pub fn new(token: impl Into<String>) -> Self {
        RefreshToken(SecretString::from(token.into()))
    }
    /// The token itself, to send to Cognito.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

/// The tokens of one login: access, ID and (usually) refresh, with the skew between the server's
/// clock and ours, measured from the access token's `iat` when it arrived.
#[derive(Clone, Debug)]
pub struct TokenSet {
    access: AccessToken,
    id: IdToken,
    refresh: Option<RefreshToken>,
    /// server clock − local clock, seconds.
    skew_secs: i64,
}

impl TokenSet {
    /// Builds a token set from the tokens as received, `received_at_secs` being the local time
    /// they arrived (used to measure clock skew from the access token's `iat`).
    pub fn new(
        access: AccessToken,
        id: IdToken,
        refresh: Option<RefreshToken>,
        received_at_secs: i64,
    ) -> Self {
        let skew_secs = access
            .claims
            .iat
            .map(|iat| iat.saturating_sub(received_at_secs))
            .unwrap_or(0);
        TokenSet {
            access,
            id,
            refresh,
            skew_secs,
        }
    }

    /// Parses the three tokens as strings.
    pub fn from_jwts(
        access: &str,
        id: &str,
        refresh: Option<&str>,
        received_at_secs: i64,
    ) -> Result<Self> {
        Ok(Self::new(
            AccessToken::parse(access)?,
            IdToken::parse(id)?,
            refresh.map(RefreshToken::new),
            received_at_secs,
        ))
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access
    }
    /// The ID token.
    pub fn id_token(&self) -> &IdToken {
        &self.id
    }
    /// The refresh token, if the login returned one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh.as_ref()
    }
    /// The user's internal user name (`username` of the access token, else
    /// `cognito:username` of the ID token): what `SECRET_HASH` on refresh is computed over.
    pub fn username(&self) -> Option<&str> {
        self.access
            .claims
            .username
            .as_deref()
            .or(self.id.claims.cognito_username.as_deref())
    }
    /// The `sub`.
    pub fn sub(&self) -> Option<&str> {
        self.access
            .claims
            .sub
            .as_deref()
            .or(self.id.claims.sub.as_deref())
    }
    /// Expiry of the access token in the server's clock (its `exp`), seconds since the epoch.
    /// The ID token expires at the same time or later in Cognito; the earlier of the two counts.
    pub fn expires_at(&self) -> i64 {
        self.access.claims.exp.min(self.id.claims.exp)
    }
    /// Expiry in the local clock: [`TokenSet::expires_at`] corrected for the measured skew.
    pub fn expires_at_local(&self) -> i64 {
        self.expires_at().saturating_sub(self.skew_secs)
    }
    /// The measured clock skew (server − local), seconds.
    pub fn clock_skew_secs(&self) -> i64 {
        self.skew_secs
    }
    /// Lifetime of the tokens as issued (`exp − iat`), seconds; `None` without `iat`.
    pub fn lifetime_secs(&self) -> Option<i64> {
        self.access.claims.iat.map(|iat| self.expires_at() - iat)
    }
    /// Whether the tokens are still valid at local time `now_secs` with `margin_secs` to spare.
    pub fn is_fresh(&self, now_secs: i64, margin_secs: i64) -> bool {
        now_secs.saturating_add(margin_secs) < self.expires_at_local()
    }

    /// The same tokens with a new access and ID token (after a refresh): keeps the old refresh
    /// token unless a new one (rotation) came.
    pub(crate) fn refreshed(self, fresh: TokenSet) -> TokenSet {
        TokenSet {
            refresh: fresh.refresh.or(self.refresh),
            ..fresh
        }
    }

    pub(crate) fn to_record(&self) -> TokenRecord {
        TokenRecord {
            access_token: self.access.raw.clone(),
            id_token: self.id.raw.clone(),
            refresh_token: self
                .refresh
                .as_ref()
                .map(|r| SecretString::from(r.expose_secret().to_owned())),
            clock_skew_secs: self.skew_secs,
        }
    }

    pub(crate) fn from_record(r: &TokenRecord) -> Result<Self> {
        Ok(TokenSet {
            access: AccessToken::parse(&r.access_token)?,
            id: IdToken::parse(&r.id_token)?,
            refresh: r
                .refresh_token
                .as_ref()
                .map(|s| RefreshToken::new(s.expose_secret())),
            skew_secs: r.clock_skew_secs,
        })
    }
}

/// How a token set is written to a store (JSON).
#[derive(Serialize, Deserialize)]
pub(crate) struct TokenRecord {
    pub(crate) access_token: String,
    pub(crate) id_token: String,
    #[serde(
        default,
        serialize_with = "serialize_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) refresh_token: Option<SecretString>,
    #[serde(default)]
    pub(crate) clock_skew_secs: i64,
}

fn serialize_secret<S: serde::Serializer>(
    v: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(v.expose_secret()),
        None => s.serialize_none(),
    }
}
