//! Identity pools (`cognito-identity`, `X-Amz-Target: AWSCognitoIdentityService.<Op>`): an ID
//! token of a user pool on this server → an identity id → temporary AWS credentials.
//!
//! CreateIdentityPool, DescribeIdentityPool, ListIdentityPools, UpdateIdentityPool,
//! DeleteIdentityPool, GetId, GetOpenIdToken, GetCredentialsForIdentity, SetIdentityPoolRoles,
//! GetIdentityPoolRoles. How state is kept and which `Logins` match: `services::identity`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::identity::Operation;
use cognate_model::identity::types as t;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::{reply, reply_whole_seconds, typed};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::identity::{
    CREDENTIALS_SECS, IDENTITY, LOGIN, Login, OPENID_ISSUER, OPENID_SECS, POOL, SCOPE,
    SECRET_ALPHABET, UPPER_ALNUM, allows_unauthenticated, check_login, identity_not_found,
    link_all, load_pool, logins_mismatch, new_identity, no_role, no_unauthenticated, openid_key,
    pool_not_found, provider_pool_id, random_from,
};

/// Runs identity-pool operation `op` on its validated request.
pub(crate) fn call(ctx: &Ctx, op: Operation, body: Map<String, Value>) -> Result<Value, ApiError> {
    match op {
        Operation::CreateIdentityPool => create(ctx, typed(&body)?),
        Operation::DescribeIdentityPool => describe(ctx, typed(&body)?),
        Operation::ListIdentityPools => list(ctx, typed(&body)?),
        Operation::UpdateIdentityPool => update(ctx, typed(&body)?),
        Operation::DeleteIdentityPool => delete(ctx, typed(&body)?),
        Operation::GetId => get_id(ctx, typed(&body)?),
        Operation::GetOpenIdToken => get_open_id_token(ctx, typed(&body)?),
        Operation::GetCredentialsForIdentity => get_credentials_for_identity(ctx, typed(&body)?),
        Operation::SetIdentityPoolRoles => set_roles(ctx, typed(&body)?),
        Operation::GetIdentityPoolRoles => get_roles(ctx, typed(&body)?),
        _ => Err(super::not_implemented(
            op.name(),
            op.errors().iter().map(|e| e.name()),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Identity pools

/// `CognitoIdentityProviders`, checked to name user pools, as stored and answered (with
/// `ServerSideTokenCheck`, false unless given); `None` when there are none.
fn providers(
    given: Option<Vec<t::CognitoIdentityProvider>>,
) -> Result<Option<Vec<t::CognitoIdentityProvider>>, ApiError> {
    let given = given.unwrap_or_default();
    let mut out = Vec::with_capacity(given.len());
    for (i, provider) in given.into_iter().enumerate() {
        let name = provider.provider_name.unwrap_or_default();
        if provider_pool_id(&name).is_none() {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{name}' at 'cognitoIdentityProviders.{}.member.providerName' is not a user pool provider (cognito-idp.REGION.amazonaws.com/POOL_ID, HOST:PORT/POOL_ID or the pool's issuer URL)",
                i + 1
            )));
        }
        out.push(t::CognitoIdentityProvider {
            client_id: provider.client_id,
            provider_name: Some(name),
            server_side_token_check: Some(provider.server_side_token_check.unwrap_or(false)),
        });
    }
    Ok((!out.is_empty()).then_some(out))
}

/// The IdentityPool that a Create or Update request describes (the name's pattern and length
/// were checked against the model by `wire`).
fn identity_pool(req: t::CreateIdentityPoolInput, id: &str) -> Result<t::IdentityPool, ApiError> {
    Ok(t::IdentityPool {
        allow_classic_flow: req.allow_classic_flow,
        allow_unauthenticated_identities: req.allow_unauthenticated_identities,
        cognito_identity_providers: providers(req.cognito_identity_providers)?,
        developer_provider_name: req.developer_provider_name,
        identity_pool_id: id.to_owned(),
        identity_pool_name: req.identity_pool_name,
        identity_pool_tags: Some(req.identity_pool_tags.unwrap_or_default()),
        open_id_connect_provider_ar_ns: req.open_id_connect_provider_ar_ns,
        saml_provider_ar_ns: req.saml_provider_ar_ns,
        supported_login_providers: req.supported_login_providers.filter(|m| !m.is_empty()),
    })
}

/// `pool` as stored: its IdentityPool members, and what only the store keeps (roles, role
/// mappings, creation date) taken from `kept`.
fn stored(
    pool: &t::IdentityPool,
    kept: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(mut m) = reply(pool)? else {
        return Err(ApiError::internal("an IdentityPool is a JSON object"));
    };
    for extra in ["Roles", "RoleMappings", "CreationDate"] {
        if let Some(v) = kept.get(extra) {
            m.insert(extra.into(), v.clone());
        }
    }
    Ok(m)
}

/// The IdentityPool shape of a stored pool (without its roles).
fn render(pool: &Map<String, Value>) -> Value {
    let mut out = pool.clone();
    out.retain(|k, _| !matches!(k.as_str(), "Roles" | "RoleMappings" | "CreationDate"));
    Value::Object(out)
}

fn create(ctx: &Ctx, req: t::CreateIdentityPoolInput) -> Result<Value, ApiError> {
    let id = format!("{}:{}", ctx.region, crate::ids::uuid());
    let pool = identity_pool(req, &id)?;
    let mut kept = Map::new();
    kept.insert("CreationDate".into(), json!(ctx.now()));
    let pool = stored(&pool, &kept)?;
    ctx.store
        .doc_put(POOL, SCOPE, &id, &Value::Object(pool.clone()))?;
    Ok(render(&pool))
}

fn describe(ctx: &Ctx, req: t::DescribeIdentityPoolInput) -> Result<Value, ApiError> {
    Ok(render(&load_pool(ctx, &req.identity_pool_id)?))
}

fn list(ctx: &Ctx, req: t::ListIdentityPoolsInput) -> Result<Value, ApiError> {
    let (page, next) = super::page(
        ctx.store.doc_list(POOL, SCOPE)?,
        Some(req.max_results), // 1..=60, as the model's QueryLimit checked
        req.next_token.as_deref(),
    )?;
    reply(&t::ListIdentityPoolsResponse {
        identity_pools: Some(
            page.into_iter()
                .map(|(id, p)| t::IdentityPoolShortDescription {
                    identity_pool_id: Some(id),
                    identity_pool_name: p["IdentityPoolName"].as_str().map(str::to_owned),
                })
                .collect(),
        ),
        next_token: next,
    })
}

fn update(ctx: &Ctx, req: t::IdentityPool) -> Result<Value, ApiError> {
    let id = req.identity_pool_id.clone();
    let old = load_pool(ctx, &id)?;
    let pool = identity_pool(
        t::CreateIdentityPoolInput {
            allow_classic_flow: req.allow_classic_flow,
            allow_unauthenticated_identities: req.allow_unauthenticated_identities,
            cognito_identity_providers: req.cognito_identity_providers,
            developer_provider_name: req.developer_provider_name,
            identity_pool_name: req.identity_pool_name,
            identity_pool_tags: req.identity_pool_tags,
            open_id_connect_provider_ar_ns: req.open_id_connect_provider_ar_ns,
            saml_provider_ar_ns: req.saml_provider_ar_ns,
            supported_login_providers: req.supported_login_providers,
        },
        &id,
    )?;
    let pool = stored(&pool, &old)?;
    ctx.store
        .doc_put(POOL, SCOPE, &id, &Value::Object(pool.clone()))?;
    Ok(render(&pool))
}

fn delete(ctx: &Ctx, req: t::DeleteIdentityPoolInput) -> Result<Value, ApiError> {
    let id = req.identity_pool_id.as_str();
    load_pool(ctx, id)?;
    for (key, identity) in ctx.store.doc_list(LOGIN, id)? {
        if let Some(identity) = identity.as_str() {
            ctx.store.doc_delete(IDENTITY, SCOPE, identity)?;
        }
        ctx.store.doc_delete(LOGIN, id, &key)?;
    }
    if !ctx.store.doc_delete(POOL, SCOPE, id)? {
        return Err(pool_not_found(id));
    }
    Ok(json!({}))
}

fn set_roles(ctx: &Ctx, req: t::SetIdentityPoolRolesInput) -> Result<Value, ApiError> {
    let id = req.identity_pool_id.as_str();
    for (kind, arn) in &req.roles {
        if kind != "authenticated" && kind != "unauthenticated" {
            return Err(ApiError::invalid(format!(
                "Invalid role type {kind}: must be authenticated or unauthenticated"
            )));
        }
        if !arn.starts_with("arn:") {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{arn}' at 'roles' failed to satisfy constraint: Map value must satisfy constraint: [Member must satisfy regular expression pattern: arn:aws:iam::\\d+:role/.+]"
            )));
        }
    }
    let mut pool = load_pool(ctx, id)?;
    pool.insert("Roles".into(), json!(req.roles));
    match req.role_mappings.filter(|m| !m.is_empty()) {
        Some(m) => {
            pool.insert("RoleMappings".into(), reply(&m)?);
        }
        None => {
            pool.remove("RoleMappings");
        }
    }
    ctx.store.doc_put(POOL, SCOPE, id, &Value::Object(pool))?;
    Ok(json!({}))
}

fn get_roles(ctx: &Ctx, req: t::GetIdentityPoolRolesInput) -> Result<Value, ApiError> {
    let pool = load_pool(ctx, &req.identity_pool_id)?;
    let roles: BTreeMap<String, String> = match pool.get("Roles") {
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| ApiError::internal(format!("stored roles: {e}")))?,
        None => BTreeMap::new(),
    };
    let role_mappings: Option<BTreeMap<String, t::RoleMapping>> = pool
        .get("RoleMappings")
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|e| ApiError::internal(format!("stored role mappings: {e}")))?;
    reply(&t::GetIdentityPoolRolesResponse {
        identity_pool_id: Some(req.identity_pool_id),
        role_mappings,
        roles: Some(roles),
    })
}

// ---------------------------------------------------------------------------------------------
// Logins

fn check_logins(
    ctx: &Ctx,
    pool: &Map<String, Value>,
    logins: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Login>, ApiError> {
    // A BTreeMap: in the order of their keys.
    logins
        .into_iter()
        .flatten()
        .map(|(k, t)| check_login(ctx, pool, k, t))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Identities

fn get_id(ctx: &Ctx, req: t::GetIdInput) -> Result<Value, ApiError> {
    let pool_id = req.identity_pool_id.as_str();
    let pool = load_pool(ctx, pool_id)?;
    let logins = check_logins(ctx, &pool, req.logins.as_ref())?;
    if logins.is_empty() {
        if !allows_unauthenticated(&pool) {
            return Err(no_unauthenticated());
        }
        let id = new_identity(ctx, pool_id, &[])?;
        ctx.store
            .doc_put(LOGIN, pool_id, &format!("unauth:{id}"), &json!(id))?;
        return reply(&t::GetIdResponse {
            identity_id: Some(id),
        });
    }
    // The identity of the first linked login, else a new one; then every login links to it.
    let links: Vec<String> = logins.iter().map(Login::link).collect();
    let mut found = None;
    for link in &links {
        if let Some(Value::String(id)) = ctx.store.doc_get(LOGIN, pool_id, link)? {
            found = Some(id);
            break;
        }
    }
    let id = match found {
        Some(id) => id,
        None => {
            let candidate = new_identity(ctx, pool_id, &links)?;
            let c = candidate.clone();
            // Two first logins at once: the first to write the link wins, the other's identity
            // record is dropped.
            let stored = ctx.store.doc_update(
                LOGIN,
                pool_id,
                &links[0],
                Box::new(move |old| Some(old.unwrap_or(Value::String(c)))),
            )?;
            let winner = stored
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or(&candidate)
                .to_owned();
            if winner != candidate {
                ctx.store.doc_delete(IDENTITY, SCOPE, &candidate)?;
            }
            winner
        }
    };
    link_all(ctx, pool_id, &id, &links)?;
    reply(&t::GetIdResponse {
        identity_id: Some(id),
    })
}

/// An identity a request may act for.
struct Authorized {
    id: String,
    pool: Map<String, Value>,
    /// The request's checked logins; none for an unauthenticated request.
    logins: Vec<Login>,
}

/// The identity, its pool and the request's checked logins, the logins checked against the
/// identity's.
fn authorize(
    ctx: &Ctx,
    id: &str,
    logins: Option<&BTreeMap<String, String>>,
) -> Result<Authorized, ApiError> {
    let identity = ctx
        .store
        .doc_get(IDENTITY, SCOPE, id)?
        .ok_or_else(|| identity_not_found(id))?;
    let pool_id = identity
        .get("IdentityPoolId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let pool = match ctx.store.doc_get(POOL, SCOPE, pool_id)? {
        Some(Value::Object(m)) => m,
        _ => return Err(identity_not_found(id)),
    };
    let linked: Vec<&str> = identity
        .get("Logins")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let logins = check_logins(ctx, &pool, logins)?;
    if logins.is_empty() {
        if !linked.is_empty() {
            return Err(logins_mismatch());
        }
        if !allows_unauthenticated(&pool) {
            return Err(no_unauthenticated());
        }
    } else if !logins.iter().any(|l| linked.contains(&l.link().as_str())) {
        return Err(logins_mismatch());
    }
    Ok(Authorized {
        id: id.to_owned(),
        pool,
        logins,
    })
}

fn get_credentials_for_identity(
    ctx: &Ctx,
    req: t::GetCredentialsForIdentityInput,
) -> Result<Value, ApiError> {
    let Authorized { id, pool, logins } = authorize(ctx, &req.identity_id, req.logins.as_ref())?;
    let role_kind = if logins.is_empty() {
        "unauthenticated"
    } else {
        "authenticated"
    };
    pool.get("Roles")
        .and_then(|r| r.get(role_kind))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(no_role)?;
    let expiration = ctx.now() + CREDENTIALS_SECS;
    // Expiration in whole seconds, as cognate has always sent it.
    reply_whole_seconds(&t::GetCredentialsForIdentityResponse {
        credentials: Some(t::Credentials {
            access_key_id: Some(format!("ASIA{}", random_from(UPPER_ALNUM, 16))),
            expiration: Some(super::timestamp(expiration)),
            secret_key: Some(random_from(SECRET_ALPHABET, 40)),
            session_token: Some(STANDARD.encode(crate::ids::random_bytes::<256>())),
        }),
        identity_id: Some(id),
    })
}

fn get_open_id_token(ctx: &Ctx, req: t::GetOpenIdTokenInput) -> Result<Value, ApiError> {
    let Authorized { id, pool, logins } = authorize(ctx, &req.identity_id, req.logins.as_ref())?;
    let mut amr = Vec::new();
    if logins.is_empty() {
        amr.push(json!("unauthenticated"));
    } else {
        amr.push(json!("authenticated"));
        for l in &logins {
            amr.push(json!(l.provider));
            amr.push(json!(format!("{}:{}:{}", l.provider, l.client_id, l.sub)));
        }
    }
    let now = ctx.now();
    let pool_id = pool
        .get("IdentityPoolId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let claims = json!({
        "sub": id,
        "aud": pool_id,
        "amr": amr,
        "iss": OPENID_ISSUER,
        "exp": now + OPENID_SECS,
        "iat": now,
    });
    let token = openid_key(ctx)?.sign(&claims)?;
    reply(&t::GetOpenIdTokenResponse {
        identity_id: Some(id),
        token: Some(token),
    })
}
