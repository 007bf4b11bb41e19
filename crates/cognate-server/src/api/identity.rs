//! Identity pools (`cognito-identity`, `X-Amz-Target: AWSCognitoIdentityService.<Op>`): an ID
//! token of a user pool on this server → an identity id → temporary AWS credentials.
//!
//! CreateIdentityPool, DescribeIdentityPool, ListIdentityPools, UpdateIdentityPool,
//! DeleteIdentityPool, GetId, GetOpenIdToken, GetCredentialsForIdentity, SetIdentityPoolRoles,
//! GetIdentityPoolRoles. How state is kept and which `Logins` match: `services::identity`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::identity::Operation;
use serde_json::{Map, Value, json};

use super::Req;
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
    let req = Req(body);
    match op {
        Operation::CreateIdentityPool => create(ctx, &req),
        Operation::DescribeIdentityPool => describe(ctx, &req),
        Operation::ListIdentityPools => list(ctx, &req),
        Operation::UpdateIdentityPool => update(ctx, &req),
        Operation::DeleteIdentityPool => delete(ctx, &req),
        Operation::GetId => get_id(ctx, &req),
        Operation::GetOpenIdToken => get_open_id_token(ctx, &req),
        Operation::GetCredentialsForIdentity => get_credentials_for_identity(ctx, &req),
        Operation::SetIdentityPoolRoles => set_roles(ctx, &req),
        Operation::GetIdentityPoolRoles => get_roles(ctx, &req),
        _ => Err(super::not_implemented(
            op.name(),
            op.errors().iter().map(|e| e.name()),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Identity pools

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 128
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_+=,.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"
        )))
    }
}

/// `CognitoIdentityProviders`, validated, as stored and answered.
fn providers(req: &Req) -> Result<Vec<Value>, ApiError> {
    let field = "CognitoIdentityProviders";
    let items = match req.get(field) {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "{field} must be a list of providers"
            )));
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(ApiError::invalid(format!(
                "{field} must be a list of providers"
            )));
        };
        let p = Req(m.clone());
        let name = p.opt_str("ProviderName")?.unwrap_or("");
        if provider_pool_id(name).is_none() {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{name}' at 'cognitoIdentityProviders.{}.member.providerName' is not a user pool provider (cognito-idp.REGION.amazonaws.com/POOL_ID, HOST:PORT/POOL_ID or the pool's issuer URL)",
                i + 1
            )));
        }
        let mut entry = json!({
            "ProviderName": name,
            "ServerSideTokenCheck": p.opt_bool("ServerSideTokenCheck")?.unwrap_or(false),
        });
        if let Some(client) = p.opt_str("ClientId")? {
            entry["ClientId"] = json!(client);
        }
        out.push(entry);
    }
    Ok(out)
}

/// The members of the IdentityPool shape taken from a Create/Update request.
fn pool_fields(req: &Req, id: &str) -> Result<Map<String, Value>, ApiError> {
    let name = req.str("IdentityPoolName")?;
    check_name(name)?;
    let allow = req
        .opt_bool("AllowUnauthenticatedIdentities")?
        .ok_or_else(|| ApiError::missing("AllowUnauthenticatedIdentities"))?;
    let mut m = Map::new();
    m.insert("IdentityPoolId".into(), json!(id));
    m.insert("IdentityPoolName".into(), json!(name));
    m.insert("AllowUnauthenticatedIdentities".into(), json!(allow));
    if let Some(classic) = req.opt_bool("AllowClassicFlow")? {
        m.insert("AllowClassicFlow".into(), json!(classic));
    }
    let supported = req.str_map("SupportedLoginProviders")?;
    if !supported.is_empty() {
        m.insert("SupportedLoginProviders".into(), json!(supported));
    }
    if let Some(dev) = req.opt_str("DeveloperProviderName")? {
        m.insert("DeveloperProviderName".into(), json!(dev));
    }
    for list in ["OpenIdConnectProviderARNs", "SamlProviderARNs"] {
        if let Some(v) = req.opt_str_list(list)? {
            m.insert(list.into(), json!(v));
        }
    }
    let providers = providers(req)?;
    if !providers.is_empty() {
        m.insert("CognitoIdentityProviders".into(), Value::Array(providers));
    }
    m.insert(
        "IdentityPoolTags".into(),
        json!(req.str_map("IdentityPoolTags")?),
    );
    Ok(m)
}

/// The IdentityPool shape of a stored pool (without its roles).
fn render(pool: &Map<String, Value>) -> Value {
    let mut out = pool.clone();
    out.retain(|k, _| !matches!(k.as_str(), "Roles" | "RoleMappings" | "CreationDate"));
    Value::Object(out)
}

fn create(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let id = format!("{}:{}", ctx.region, crate::ids::uuid());
    let mut pool = pool_fields(req, &id)?;
    pool.insert("CreationDate".into(), json!(ctx.now()));
    ctx.store
        .doc_put(POOL, SCOPE, &id, &Value::Object(pool.clone()))?;
    Ok(render(&pool))
}

fn describe(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    Ok(render(&load_pool(ctx, req.str("IdentityPoolId")?)?))
}

fn list(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let max = req
        .opt_i64("MaxResults")?
        .ok_or_else(|| ApiError::missing("MaxResults"))?
        .max(1); // 1..=60, as the model's QueryLimit checked
    let offset = super::parse_offset(req.opt_str("NextToken")?)?;
    let pools = ctx.store.doc_list(POOL, SCOPE)?;
    let page: Vec<Value> = pools
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(max as usize)
        .map(|(id, p)| json!({"IdentityPoolId": id, "IdentityPoolName": p["IdentityPoolName"]}))
        .collect();
    let mut out = json!({ "IdentityPools": page });
    let next = offset.saturating_add(max as u64);
    if (next as usize) < pools.len() {
        out["NextToken"] = json!(super::offset_token(next));
    }
    Ok(out)
}

fn update(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let id = req.str("IdentityPoolId")?;
    let old = load_pool(ctx, id)?;
    let mut pool = pool_fields(req, id)?;
    for kept in ["Roles", "RoleMappings", "CreationDate"] {
        if let Some(v) = old.get(kept) {
            pool.insert(kept.into(), v.clone());
        }
    }
    ctx.store
        .doc_put(POOL, SCOPE, id, &Value::Object(pool.clone()))?;
    Ok(render(&pool))
}

fn delete(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let id = req.str("IdentityPoolId")?;
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

fn set_roles(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let id = req.str("IdentityPoolId")?;
    let roles = match req.get("Roles") {
        None => return Err(ApiError::missing("Roles")),
        Some(_) => req.str_map("Roles")?,
    };
    for (kind, arn) in &roles {
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
    let mappings = match req.get("RoleMappings") {
        None => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => return Err(ApiError::invalid("RoleMappings must be an object")),
    };
    let mut pool = load_pool(ctx, id)?;
    pool.insert("Roles".into(), json!(roles));
    match mappings {
        Some(m) if !m.is_empty() => {
            pool.insert("RoleMappings".into(), Value::Object(m));
        }
        _ => {
            pool.remove("RoleMappings");
        }
    }
    ctx.store.doc_put(POOL, SCOPE, id, &Value::Object(pool))?;
    Ok(json!({}))
}

fn get_roles(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let id = req.str("IdentityPoolId")?;
    let pool = load_pool(ctx, id)?;
    let mut out = json!({
        "IdentityPoolId": id,
        "Roles": pool.get("Roles").cloned().unwrap_or_else(|| json!({})),
    });
    if let Some(m) = pool.get("RoleMappings") {
        out["RoleMappings"] = m.clone();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Logins

fn check_logins(ctx: &Ctx, pool: &Map<String, Value>, req: &Req) -> Result<Vec<Login>, ApiError> {
    let mut logins: Vec<(String, String)> = req.str_map("Logins")?.into_iter().collect();
    logins.sort();
    logins
        .iter()
        .map(|(k, t)| check_login(ctx, pool, k, t))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Identities

fn get_id(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool_id = req.str("IdentityPoolId")?;
    let pool = load_pool(ctx, pool_id)?;
    let logins = check_logins(ctx, &pool, req)?;
    if logins.is_empty() {
        if !allows_unauthenticated(&pool) {
            return Err(no_unauthenticated());
        }
        let id = new_identity(ctx, pool_id, &[])?;
        ctx.store
            .doc_put(LOGIN, pool_id, &format!("unauth:{id}"), &json!(id))?;
        return Ok(json!({ "IdentityId": id }));
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
    Ok(json!({ "IdentityId": id }))
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
fn authorize(ctx: &Ctx, req: &Req) -> Result<Authorized, ApiError> {
    let id = req.str("IdentityId")?;
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
    let logins = check_logins(ctx, &pool, req)?;
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

fn get_credentials_for_identity(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let Authorized { id, pool, logins } = authorize(ctx, req)?;
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
    Ok(json!({
        "IdentityId": id,
        "Credentials": {
            "AccessKeyId": format!("ASIA{}", random_from(UPPER_ALNUM, 16)),
            "SecretKey": random_from(SECRET_ALPHABET, 40),
            "SessionToken": STANDARD.encode(crate::ids::random_bytes::<256>()),
            "Expiration": expiration,
        },
    }))
}

fn get_open_id_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let Authorized { id, pool, logins } = authorize(ctx, req)?;
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
    Ok(json!({ "IdentityId": id, "Token": token }))
}
