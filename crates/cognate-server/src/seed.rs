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
//!
//! database = "postgres://cognate@db.internal:5432/cognate"   # optional: see Seed::database
//!
//! [trigger_handlers]                   # Lambda triggers run from handler files (see below)
//! pre-signup = "triggers/pre_signup.mjs"   # function name (or ARN) = file, relative to this file
//!
//! [[identity_pools]]
//! name = "demo identities"              # IdentityPoolName
//! id = "us-east-1:8f4b8a52-5d3f-4c21-9a4e-2b0c5d6e7f80"   # optional, fixed
//! AllowUnauthenticatedIdentities = false   # the default here; any CreateIdentityPool member
//! CognitoIdentityProviders = [{ ProviderName = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Demo12345", ClientId = "abcdefghijklmnopqrstuvwxyz" }]
//! Roles = { authenticated = "arn:aws:iam::123456789012:role/demo" }   # SetIdentityPoolRoles
//! ```
//!
//! Applying a seed is idempotent: a pool whose `id` (or, without an id, whose name) exists
//! already is reused, and existing clients, users and identity pools are left as they are. So
//! a server restarted on the same data directory with the same seed starts in the same state.
//! Every entry is checked against the AWS model as the request it stands for would be, and
//! created through the same code as that request. [`Seed::applied`] says what was found and
//! created, with the ids (`cognate serve` prints it at start).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cognate_model::idp::{self, Operation};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::{clients, pools, typed, users};
use crate::error::{ApiError, Error};
use crate::services::Ctx;
use crate::services::identity::{POOL as IDENTITY_POOL, SCOPE as IDENTITY_SCOPE};
use crate::store::Change;

/// A parsed seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The pools.
    #[serde(default)]
    pub pools: Vec<SeedPool>,
    /// The identity pools (`cognito-identity`).
    #[serde(default)]
    pub identity_pools: Vec<SeedIdentityPool>,
    /// Lambda trigger handler files: function name (or ARN) → `.mjs`/`.js`/`.py` file, relative
    /// to the seed file's directory (`[trigger_handlers]` table; see
    /// `ServerBuilder::trigger_handler`).
    #[serde(default)]
    pub trigger_handlers: BTreeMap<String, std::path::PathBuf>,
    /// The PostgreSQL database to keep state in (`postgres://USER:PASSWORD@HOST:PORT/DB`), for
    /// `cognate serve` started without `--database`, `COGNATE_DATABASE_URL`, `--data` or
    /// `--in-memory` (those win). A team's one seed file then starts every node on the shared
    /// database. Applying a seed never reads it: choosing the store is the program's.
    #[serde(default)]
    pub database: Option<String>,
    /// The directory of the seed file, for relative handler paths.
    #[serde(skip)]
    base_dir: Option<std::path::PathBuf>,
    /// What the last application of this seed (or of a clone of it) found and created.
    #[serde(skip)]
    applied: Arc<Mutex<Option<SeedReport>>>,
}

/// An identity pool of a seed file.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedIdentityPool {
    /// `IdentityPoolName`.
    pub name: String,
    /// A fixed identity pool id (`us-east-1:` and a UUID); generated if absent.
    pub id: Option<String>,
    /// Any other CreateIdentityPool member, spelled as in the API
    /// (`AllowUnauthenticatedIdentities` is false unless given), plus SetIdentityPoolRoles'
    /// `Roles` and `RoleMappings`.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// What applying a seed found (already there) or created, with the ids to copy. No secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// The user pools, in seed order.
    pub pools: Vec<PoolReport>,
    /// The identity pools, in seed order.
    pub identity_pools: Vec<Applied>,
}

impl std::fmt::Display for SeedReport {
    /// One compact block: a count line, then one line per pool, app client and identity pool
    /// (id, then name) and one per pool for its users; `(existing)` marks what was there
    /// already.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let clients: usize = self.pools.iter().map(|p| p.clients.len()).sum();
        let users: usize = self.pools.iter().map(|p| p.users.len()).sum();
        let created = self
            .pools
            .iter()
            .flat_map(|p| {
                std::iter::once(&p.pool)
                    .chain(p.clients.iter().map(|(c, _)| c))
                    .chain(&p.users)
            })
            .chain(&self.identity_pools)
            .filter(|a| a.created)
            .count();
        let n = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        write!(
            f,
            "seed: {}, {}, {}, {} ({created} created now)",
            n(self.pools.len(), "user pool", "user pools"),
            n(clients, "app client", "app clients"),
            n(users, "user", "users"),
            n(self.identity_pools.len(), "identity pool", "identity pools"),
        )?;
        let mark = |a: &Applied| if a.created { "" } else { " (existing)" };
        for p in &self.pools {
            write!(
                f,
                "\n  user pool      {:<27} {}{}",
                p.pool.id,
                p.pool.name,
                mark(&p.pool)
            )?;
            for (c, secret) in &p.clients {
                let secret = if *secret { ", has a secret" } else { "" };
                write!(
                    f,
                    "\n    app client   {:<27} {}{secret}{}",
                    c.id,
                    c.name,
                    mark(c)
                )?;
            }
            if !p.users.is_empty() {
                let names: Vec<String> = p
                    .users
                    .iter()
                    .map(|u| format!("{}{}", u.id, mark(u)))
                    .collect();
                write!(f, "\n    users        {}", names.join(", "))?;
            }
        }
        for ip in &self.identity_pools {
            write!(f, "\n  identity pool  {} {}{}", ip.id, ip.name, mark(ip))?;
        }
        Ok(())
    }
}

/// One object of a seed: its id and name, and whether this run created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The id (a user name for users).
    pub id: String,
    /// The name.
    pub name: String,
    /// Created now (false: it existed already and was left as it was).
    pub created: bool,
}

/// A user pool of a seed and what is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolReport {
    /// The pool.
    pub pool: Applied,
    /// Its app clients, and whether each has a secret.
    pub clients: Vec<(Applied, bool)>,
    /// Its users.
    pub users: Vec<Applied>,
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
        let mut seed: Seed = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))?
        } else {
            toml::from_str(&text).map_err(|e| err(e.to_string()))?
        };
        seed.base_dir = path.parent().map(Path::to_path_buf);
        Ok(seed)
    }

    /// The trigger handler files, with paths relative to the seed file resolved.
    pub fn trigger_handlers(&self) -> Vec<(String, std::path::PathBuf)> {
        self.trigger_handlers
            .iter()
            .map(|(name, path)| {
                let path = match &self.base_dir {
                    Some(dir) if path.is_relative() => dir.join(path),
                    _ => path.clone(),
                };
                (name.clone(), path)
            })
            .collect()
    }

    /// What the last application of this seed, or of a clone of it, found and created
    /// (`None` before it has been applied).
    pub fn applied(&self) -> Option<SeedReport> {
        self.applied.lock().ok().and_then(|r| r.clone())
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

/// [`conform`] for an identity-pool (`cognito-identity`) request.
fn conform_identity(
    op: cognate_model::identity::Operation,
    body: &Map<String, Value>,
    what: &str,
) -> Result<(), ApiError> {
    let body = Value::Object(body.clone());
    cognate_model::validate::input(&cognate_model::identity::SERVICE, op.def(), &body)
        .map_err(|r| ApiError::invalid(format!("{what}: {}", r.message())))
}

pub(crate) fn apply(ctx: &Ctx, seed: &Seed) -> Result<(), ApiError> {
    let mut report = SeedReport::default();
    apply_pools(ctx, seed, &mut report)?;
    for sip in &seed.identity_pools {
        report.identity_pools.push(apply_identity_pool(ctx, sip)?);
    }
    if let Ok(mut slot) = seed.applied.lock() {
        *slot = Some(report);
    }
    Ok(())
}

/// One identity pool: found by id (or, without one, by name), else created as
/// CreateIdentityPool creates one, then given its roles as SetIdentityPoolRoles does.
fn apply_identity_pool(ctx: &Ctx, sip: &SeedIdentityPool) -> Result<Applied, ApiError> {
    use cognate_model::identity::Operation as IdOp;
    let what = format!("identity pool {}", sip.name);
    let existing = ctx
        .store
        .doc_list(IDENTITY_POOL, IDENTITY_SCOPE)?
        .into_iter()
        .find(|(id, p)| match &sip.id {
            Some(want) => id == want,
            None => p["IdentityPoolName"] == sip.name.as_str(),
        });
    if let Some((id, _)) = existing {
        return Ok(Applied {
            id,
            name: sip.name.clone(),
            created: false,
        });
    }
    let mut req = sip.settings.clone();
    let mut roles = Map::new();
    for key in ["Roles", "RoleMappings"] {
        if let Some(v) = req.remove(key) {
            roles.insert(key.into(), v);
        }
    }
    req.insert("IdentityPoolName".into(), Value::String(sip.name.clone()));
    req.entry("AllowUnauthenticatedIdentities")
        .or_insert(Value::Bool(false));
    conform_identity(IdOp::CreateIdentityPool, &req, &what)?;
    if let Some(id) = &sip.id {
        let mut probe = Map::new();
        probe.insert("IdentityPoolId".into(), Value::String(id.clone()));
        conform_identity(IdOp::DescribeIdentityPool, &probe, &what)?;
    }
    if !roles.is_empty() {
        let mut probe = roles.clone();
        probe.insert(
            "IdentityPoolId".into(),
            Value::String(format!(
                "{}:00000000-0000-0000-0000-000000000000",
                ctx.region
            )),
        );
        conform_identity(IdOp::SetIdentityPoolRoles, &probe, &what)?;
    }
    let created = crate::api::identity::call(ctx, IdOp::CreateIdentityPool, req)?;
    let generated = created["IdentityPoolId"]
        .as_str()
        .ok_or_else(|| ApiError::invalid(format!("{what}: created without an id")))?
        .to_owned();
    let id = match &sip.id {
        None => generated,
        Some(fixed) => {
            // CreateIdentityPool names the pool itself: a fixed id moves the new record, in
            // one unit of work.
            let mut doc = ctx
                .store
                .doc_get(IDENTITY_POOL, IDENTITY_SCOPE, &generated)?
                .ok_or_else(|| ApiError::invalid(format!("{what}: vanished after creation")))?;
            doc["IdentityPoolId"] = Value::String(fixed.clone());
            ctx.store.apply(vec![
                Change::PutDoc {
                    kind: IDENTITY_POOL,
                    scope: IDENTITY_SCOPE.into(),
                    key: fixed.clone(),
                    data: doc,
                },
                Change::DeleteDoc {
                    kind: IDENTITY_POOL,
                    scope: IDENTITY_SCOPE.into(),
                    key: generated,
                },
            ])?;
            fixed.clone()
        }
    };
    if !roles.is_empty() {
        roles.insert("IdentityPoolId".into(), Value::String(id.clone()));
        crate::api::identity::call(ctx, IdOp::SetIdentityPoolRoles, roles)?;
    }
    Ok(Applied {
        id,
        name: sip.name.clone(),
        created: true,
    })
}

fn apply_pools(ctx: &Ctx, seed: &Seed, report: &mut SeedReport) -> Result<(), ApiError> {
    for sp in &seed.pools {
        let existing = match &sp.id {
            Some(id) => ctx.store.pool_get(id)?,
            None => ctx
                .store
                .pool_list()?
                .into_iter()
                .find(|p| p.name == sp.name),
        };
        let pool_created = existing.is_none();
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
        let mut entry = PoolReport {
            pool: Applied {
                id: pool.id.clone(),
                name: pool.name.clone(),
                created: pool_created,
            },
            clients: Vec::new(),
            users: Vec::new(),
        };
        for sc in &sp.clients {
            let found = match &sc.id {
                Some(id) => ctx.store.client_get(id)?,
                None => ctx
                    .store
                    .client_list(&pool.id)?
                    .into_iter()
                    .find(|c| c.name == sc.name),
            };
            if let Some(c) = found {
                let applied = Applied {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    created: false,
                };
                entry.clients.push((applied, c.secret.is_some()));
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
            let created = clients::create(
                ctx,
                typed(&req)?,
                &req,
                Some((sc.id.clone(), sc.secret.clone())),
            )?;
            let client = &created["UserPoolClient"];
            entry.clients.push((
                Applied {
                    id: client["ClientId"].as_str().unwrap_or_default().to_owned(),
                    name: sc.name.clone(),
                    created: true,
                },
                client.get("ClientSecret").is_some_and(Value::is_string),
            ));
        }
        for su in &sp.users {
            let mut applied = Applied {
                id: su.username.clone(),
                name: su.username.clone(),
                created: false,
            };
            if crate::services::users::find(ctx, &pool, &su.username)?.is_some() {
                entry.users.push(applied);
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
            applied.created = true;
            entry.users.push(applied);
        }
        report.pools.push(entry);
    }
    Ok(())
}
