//! Seed files: pools, clients and users a server starts with (TOML or JSON).
//!
//! ```toml
//! [[pools]]
//! id = "us-east-1_Demo12345"          # optional; fixed so tests can hard-code it
//! name = "demo"
//! UsernameAttributes = ["email"]       # any CreateUserPool member, as in the API
//! Schema = [{ Name = "companyId", AttributeDataType = "String" }]
//!
//! [[pools.clients]]
//! name = "web"
//! id = "abcdefghijklmnopqrstuvwxyz"    # optional: 26 lowercase alphanumerics
//! secret = "…"                         # optional fixed secret; or generate_secret = true
//! ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
//!
//! [[pools.users]]
//! username = "alice@example.com"
//! password = "Correct horse 1!"
//! temporary = false                    # true: FORCE_CHANGE_PASSWORD
//! enabled = true
//! attributes = { email_verified = "true", "custom:companyId" = "42" }
//! ```
//!
//! Applying a seed is idempotent: a pool whose `id` (or, without an id, whose name) exists
//! already is reused, and existing clients and users are left as they are. So a server
//! restarted on the same data directory with the same seed starts in the same state.

use std::collections::BTreeMap;
use std::path::Path;

use cognate_model::idp::{self, Operation};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::{clients, pools, typed, users};
use crate::error::{ApiError, Error};
use crate::services::Ctx;

/// A parsed seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The pools.
    #[serde(default)]
    pub pools: Vec<SeedPool>,
}

/// A pool of a seed file.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedPool {
    /// A fixed pool id (`us-east-1_AbC123xyZ`); generated if absent.
    pub id: Option<String>,
    /// `PoolName`.
    pub name: String,
    /// Its app clients.
    #[serde(default)]
    pub clients: Vec<SeedClient>,
    /// Its users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Any other CreateUserPool member, spelled as in the API.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// An app client of a seed file.
#[derive(Clone, Deserialize)]
pub struct SeedClient {
    /// `ClientName`.
    pub name: String,
    /// A fixed client id; generated if absent.
    pub id: Option<String>,
    /// A fixed client secret.
    pub secret: Option<String>,
    /// Generate a secret (ignored when `secret` is set).
    #[serde(default)]
    pub generate_secret: bool,
    /// Any other CreateUserPoolClient member, spelled as in the API.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl std::fmt::Debug for SeedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedClient")
            .field("name", &self.name)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A user of a seed file.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// The user name (an email or phone number in pools that log in with those).
    pub username: String,
    /// The password (only its SRP verifier is stored).
    pub password: String,
    /// Whether the password is temporary (`FORCE_CHANGE_PASSWORD`).
    #[serde(default)]
    pub temporary: bool,
    /// Whether the user is enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Attributes (`email`, `email_verified`, `custom:companyId`, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

impl std::fmt::Debug for SeedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedUser")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Seed {
    /// Reads a seed file: JSON when it ends in `.json`, TOML otherwise.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let err = |message: String| Error::Seed {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))
        } else {
            toml::from_str(&text).map_err(|e| err(e.to_string()))
        }
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        toml::from_str(text).map_err(|e| Error::Seed {
            path: "<toml>".into(),
            message: e.to_string(),
        })
    }
}

/// Checks a seed entry as the AWS model checks request `op`, naming the entry in the error.
fn conform(op: Operation, body: &Map<String, Value>, what: &str) -> Result<(), ApiError> {
    let body = Value::Object(body.clone());
    cognate_model::validate::input(&idp::SERVICE, op.def(), &body)
        .map_err(|r| ApiError::invalid(format!("{what}: {}", r.message())))
}

pub(crate) fn apply(ctx: &Ctx, seed: &Seed) -> Result<(), ApiError> {
    for sp in &seed.pools {
        let existing = match &sp.id {
            Some(id) => ctx.store.pool_get(id)?,
            None => ctx
                .store
                .pool_list()?
                .into_iter()
                .find(|p| p.name == sp.name),
        };
        let pool = match existing {
            Some(p) => p,
            None => {
                let mut req = sp.settings.clone();
                req.insert("PoolName".into(), Value::String(sp.name.clone()));
                conform(
                    Operation::CreateUserPool,
                    &req,
                    &format!("pool {}", sp.name),
                )?;
                if let Some(id) = &sp.id {
                    let mut probe = Map::new();
                    probe.insert("UserPoolId".into(), Value::String(id.clone()));
                    conform(
                        Operation::DescribeUserPool,
                        &probe,
                        &format!("pool {}", sp.name),
                    )?;
                }
                let pool = pools::build(ctx, &typed(&req)?, &req, sp.id.as_deref())?;
                ctx.store.pool_put(&pool)?;
                pool
            }
        };
        for sc in &sp.clients {
            if let Some(id) = &sc.id
                && ctx.store.client_get(id)?.is_some()
            {
                continue;
            }
            if sc.id.is_none()
                && ctx
                    .store
                    .client_list(&pool.id)?
                    .iter()
                    .any(|c| c.name == sc.name)
            {
                continue;
            }
            let mut req = sc.settings.clone();
            req.insert("UserPoolId".into(), Value::String(pool.id.clone()));
            req.insert("ClientName".into(), Value::String(sc.name.clone()));
            // The seed is checked as the requests it stands for would be: the settings, and a
            // fixed id and secret against the model's ClientIdType and ClientSecretType.
            let mut probe = req.clone();
            if let Some(secret) = &sc.secret {
                probe.insert("ClientSecret".into(), Value::String(secret.clone()));
            }
            let what = format!("client {}", sc.name);
            conform(Operation::CreateUserPoolClient, &probe, &what)?;
            if let Some(id) = &sc.id {
                let mut probe = Map::new();
                probe.insert("UserPoolId".into(), Value::String(pool.id.clone()));
                probe.insert("ClientId".into(), Value::String(id.clone()));
                conform(Operation::DescribeUserPoolClient, &probe, &what)?;
            }
            req.insert("GenerateSecret".into(), Value::Bool(sc.generate_secret));
            clients::create(
                ctx,
                typed(&req)?,
                &req,
                Some((sc.id.clone(), sc.secret.clone())),
            )?;
        }
        for su in &sp.users {
            if crate::services::users::find(ctx, &pool, &su.username)?.is_some() {
                continue;
            }
            let mut probe = Map::new();
            probe.insert("UserPoolId".into(), Value::String(pool.id.clone()));
            probe.insert("Username".into(), Value::String(su.username.clone()));
            probe.insert(
                "TemporaryPassword".into(),
                Value::String(su.password.clone()),
            );
            probe.insert(
                "UserAttributes".into(),
                Value::Array(
                    su.attributes
                        .iter()
                        .map(|(k, v)| serde_json::json!({"Name": k, "Value": v}))
                        .collect(),
                ),
            );
            conform(
                Operation::AdminCreateUser,
                &probe,
                &format!("user {}", su.username),
            )?;
            let attrs = su
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut user = users::create_user(
                ctx,
                &pool,
                &su.username,
                attrs,
                Some(&su.password),
                !su.temporary,
            )?;
            if !su.enabled {
                user.enabled = false;
                ctx.store.user_put(&user)?;
            }
        }
    }
    Ok(())
}
