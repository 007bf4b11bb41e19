//! What the server keeps: user pools, app clients, users and refresh tokens. These are the
//! stored records (serialized as JSON by the store); the wire shapes are built from them in
//! `ops`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A user pool's password policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum number of characters (Cognito: 6–99, default 8).
    pub minimum_length: u32,
    /// Needs an upper-case letter.
    pub require_uppercase: bool,
    /// Needs a lower-case letter.
    pub require_lowercase: bool,
    /// Needs a digit.
    pub require_numbers: bool,
    /// Needs a symbol.
    pub require_symbols: bool,
    /// Days a temporary password stays valid (default 7).
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: 7,
        }
    }
}

impl PasswordPolicy {
    /// Cognito's `InvalidPasswordException` message for `password`, or `None` if it conforms.
    pub fn violation(&self, password: &str) -> Option<&'static str> {
        const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";
        if password.chars().count() < self.minimum_length as usize {
            return Some("Password did not conform with policy: Password not long enough");
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
            return Some(
                "Password did not conform with policy: Password must have lowercase characters",
            );
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
            return Some(
                "Password did not conform with policy: Password must have uppercase characters",
            );
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return Some(
                "Password did not conform with policy: Password must have numeric characters",
            );
        }
        if self.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return Some(
                "Password did not conform with policy: Password must have symbol characters",
            );
        }
        None
    }
}

/// One attribute of a pool's schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SchemaAttribute {
    /// Full name: `email`, `custom:companyId`.
    pub name: String,
    /// `String`, `Number`, `DateTime` or `Boolean`.
    pub data_type: String,
    /// Whether users may change it themselves.
    pub mutable: bool,
    /// Whether every user must have it.
    pub required: bool,
    /// Whether it is one of the pool's own (`sub`, `email`, …) rather than `custom:`.
    pub developer_only: bool,
    /// String length limits, as Cognito echoes them.
    pub min_length: Option<String>,
    /// String length limits, as Cognito echoes them.
    pub max_length: Option<String>,
}

/// A signing key of a pool, as stored.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredKey {
    /// Key id (`kid`).
    pub kid: String,
    /// The RSA private key, PKCS#8 DER, base64.
    pub pkcs8: String,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A user pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserPool {
    /// `us-east-1_AbC123xyZ`.
    pub id: String,
    /// The pool's name.
    pub name: String,
    /// Region part of the id.
    pub region: String,
    /// Creation time (Unix seconds).
    pub created: i64,
    /// Last modification time (Unix seconds).
    pub modified: i64,
    /// Password policy.
    pub password_policy: PasswordPolicy,
    /// `UsernameAttributes`: `email` and/or `phone_number` replace the user name.
    pub username_attributes: Vec<String>,
    /// `AliasAttributes`: `email`, `phone_number`, `preferred_username` may also log in.
    pub alias_attributes: Vec<String>,
    /// `AutoVerifiedAttributes`.
    pub auto_verified_attributes: Vec<String>,
    /// Whether user names are case-insensitive (`UsernameConfiguration.CaseSensitive = false`).
    pub case_insensitive: bool,
    /// Custom attributes (`custom:…`).
    pub custom_attributes: Vec<SchemaAttribute>,
    /// Standard attributes marked required.
    pub required_attributes: Vec<String>,
    /// `MfaConfiguration` (`OFF` here).
    pub mfa_configuration: String,
    /// `DeletionProtection`: `ACTIVE` or `INACTIVE`.
    pub deletion_protection: String,
    /// `Policies.SignInPolicy.AllowedFirstAuthFactors`: the first factors of a `USER_AUTH`
    /// sign-in (`PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`); `["PASSWORD"]` when not set.
    #[serde(default = "default_first_factors")]
    pub first_auth_factors: Vec<String>,
    /// `AdminCreateUserConfig.AllowAdminCreateUserOnly`.
    pub allow_admin_create_user_only: bool,
    /// Members of the request this server does not interpret, echoed back by DescribeUserPool.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Key signing access tokens.
    pub access_key: StoredKey,
    /// Key signing ID tokens.
    pub id_key: StoredKey,
    /// The store's stamp of the pool's configuration as read (its record, its groups, its
    /// configuration documents), where the store keeps one (PostgreSQL): it changes with each
    /// change of those, on any node, and is never given twice. What a node derives from them
    /// is kept under it (`services::pool_cache`). `None`: the store keeps none (nothing is kept).
    #[serde(skip)]
    pub stamp: Option<i64>,
}

fn default_first_factors() -> Vec<String> {
    vec!["PASSWORD".to_owned()]
}

impl UserPool {
    /// `UserPoolTier` (the feature plan): as set, or `ESSENTIALS`, the default of new pools.
    pub fn tier(&self) -> &str {
        self.extra
            .get("UserPoolTier")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("ESSENTIALS")
    }

    /// Whether `factor` is one of the pool's allowed first factors.
    pub fn allows_first_factor(&self, factor: &str) -> bool {
        self.first_auth_factors.iter().any(|f| f == factor)
    }
}

/// A unit of a token validity.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// seconds
    Seconds,
    /// minutes
    Minutes,
    /// hours
    Hours,
    /// days
    Days,
}

impl TimeUnit {
    /// Seconds in one unit.
    pub fn secs(self) -> i64 {
        match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3600,
            TimeUnit::Days => 86_400,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "seconds" => TimeUnit::Seconds,
            "minutes" => TimeUnit::Minutes,
            "hours" => TimeUnit::Hours,
            "days" => TimeUnit::Days,
            _ => return None,
        })
    }
}

/// A token lifetime as configured: an amount and its unit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Validity {
    /// How many units.
    pub amount: i64,
    /// Which unit.
    pub unit: TimeUnit,
}

impl Validity {
    /// The lifetime in seconds.
    pub fn secs(self) -> i64 {
        self.amount.saturating_mul(self.unit.secs())
    }
}

/// An app client of a pool.
#[derive(Clone, Serialize, Deserialize)]
pub struct AppClient {
    /// Owning pool.
    pub pool_id: String,
    /// 26 lowercase alphanumerics.
    pub id: String,
    /// `ClientName`.
    pub name: String,
    /// The client secret, when it has one.
    pub secret: Option<String>,
    /// Creation time.
    pub created: i64,
    /// Last modification time.
    pub modified: i64,
    /// `ExplicitAuthFlows` as given (normalized to the `ALLOW_` names).
    pub explicit_auth_flows: Vec<String>,
    /// Access token lifetime.
    pub access_validity: Validity,
    /// ID token lifetime.
    pub id_validity: Validity,
    /// Refresh token lifetime.
    pub refresh_validity: Validity,
    /// Attributes readable through this client (empty: all).
    pub read_attributes: Vec<String>,
    /// Attributes writable through this client (empty: all mutable).
    pub write_attributes: Vec<String>,
    /// `PreventUserExistenceErrors`: `ENABLED` or `LEGACY`.
    pub prevent_user_existence_errors: String,
    /// `EnableTokenRevocation`.
    pub enable_token_revocation: bool,
    /// Refresh token rotation on `GetTokensFromRefreshToken`.
    pub refresh_rotation: bool,
    /// Seconds a rotated refresh token may still be used.
    pub rotation_grace_secs: i64,
    /// `AuthSessionValidity` in minutes.
    pub auth_session_validity: i64,
    /// Members not interpreted here, echoed back.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// When `secret` was made (`None`: with the client).
    #[serde(default)]
    pub secret_created: Option<i64>,
    /// Secrets added by AddUserPoolClientSecret, live beside `secret` (at most one more).
    #[serde(default)]
    pub extra_secrets: Vec<ClientSecret>,
}

/// A client secret added by AddUserPoolClientSecret.
#[derive(Clone, Serialize, Deserialize)]
pub struct ClientSecret {
    /// `<client-id>--<epoch-create-time>`.
    pub id: String,
    /// The secret.
    pub value: String,
    /// Creation time.
    pub created: i64,
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecret")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl AppClient {
    /// Every live secret of the client, the original first: each is valid for `SECRET_HASH`
    /// and client authentication.
    pub fn live_secrets(&self) -> Vec<ClientSecret> {
        let mut out = Vec::new();
        if let Some(value) = &self.secret {
            let created = self.secret_created.unwrap_or(self.created);
            out.push(ClientSecret {
                id: format!("{}--{created}", self.id),
                value: value.clone(),
                created,
            });
        }
        out.extend(self.extra_secrets.iter().cloned());
        out
    }
}

impl std::fmt::Debug for AppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppClient")
            .field("pool_id", &self.pool_id)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// A user's status, as `UserStatus` shows it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// Signed up, not confirmed.
    Unconfirmed,
    /// Can log in.
    Confirmed,
    /// Created by an admin with a temporary password.
    ForceChangePassword,
    /// An admin required a password reset.
    ResetRequired,
    /// Signed in through an external identity provider (no password here).
    ExternalProvider,
}

impl UserStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
            UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
        }
    }
}

/// A stored SRP verifier: never the password.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredVerifier {
    /// Salt, minimal lowercase hex.
    pub salt: String,
    /// `v = g^x`, base64 of big-endian bytes.
    pub v: String,
}

impl std::fmt::Debug for StoredVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredVerifier([redacted])")
    }
}

/// A user of a pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// Owning pool.
    pub pool_id: String,
    /// The internal user name (`USER_ID_FOR_SRP`): the name given, or the `sub` when the pool
    /// logs in by email or phone number.
    pub username: String,
    /// The immutable `sub`.
    pub sub: String,
    /// Attributes other than `sub`.
    pub attributes: BTreeMap<String, String>,
    /// `Enabled`.
    pub enabled: bool,
    /// `UserStatus`.
    pub status: UserStatus,
    /// SRP salt and verifier of the current password.
    pub verifier: Option<StoredVerifier>,
    /// Creation time.
    pub created: i64,
    /// Last modification time.
    pub modified: i64,
    /// When the current password was set (temporary-password expiry counts from here).
    pub password_set: i64,
}

impl User {
    /// The attributes as Cognito lists them: `sub` first, then the rest.
    pub fn attribute_list(&self) -> Vec<(String, String)> {
        let mut out = vec![("sub".to_owned(), self.sub.clone())];
        out.extend(self.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }

    /// The `email` attribute, if any.
    pub fn email(&self) -> Option<&str> {
        self.attributes.get("email").map(String::as_str)
    }

    /// The `phone_number` attribute.
    pub fn phone_number(&self) -> Option<&str> {
        self.attributes.get("phone_number").map(String::as_str)
    }
}

/// A refresh token, stored under the SHA-256 of its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// Hex SHA-256 of the token.
    pub hash: String,
    /// The pool.
    pub pool_id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user's internal name.
    pub username: String,
    /// The user's `sub` (a user deleted and recreated under the same name is another user).
    pub sub: String,
    /// `origin_jti` of the login that started this family.
    pub origin_jti: String,
    /// `event_id` of that login.
    pub event_id: String,
    /// `auth_time` of that login.
    pub auth_time: i64,
    /// Issue time.
    pub issued: i64,
    /// Expiry time.
    pub expires: i64,
    /// Revoked (RevokeToken, or its family revoked).
    pub revoked: bool,
    /// When it was replaced by rotation.
    pub rotated: Option<i64>,
    /// The device the login was made on (`device_key` claim of refreshed access tokens).
    #[serde(default)]
    pub device_key: Option<String>,
    /// What an OAuth 2.0 grant gave the login (refreshes keep it); `None` for a login through
    /// the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<Box<OAuthGrant>>,
}

/// What an OAuth 2.0 grant gave a login, kept with its refresh tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthGrant {
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The resource server the access tokens are bound to (RFC 8707: their `aud`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// Standard attributes: name and data type.
pub(crate) const STANDARD_ATTRIBUTES: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
];
