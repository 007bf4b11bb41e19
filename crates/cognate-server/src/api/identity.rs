//! Identity pools (`cognito-identity`, `X-Amz-Target: AWSCognitoIdentityService.<Op>`): an ID
//! token of a user pool on this server → an identity id → temporary AWS credentials.
//!
//! CreateIdentityPool, DescribeIdentityPool, ListIdentityPools, UpdateIdentityPool,
//! DeleteIdentityPool, GetId, GetOpenIdToken, GetCredentialsForIdentity, SetIdentityPoolRoles,
//! GetIdentityPoolRoles.
//!
//! State lives in the generic record table, scope `"identity"` (identity pools are not part of a
//! user pool): kind `identity_pool` keyed by identity pool id, kind `identity` keyed by identity
//! id, and kind `identity_login` in the scope of the identity pool id, mapping
//! `{userPoolId}:{sub}` (and `unauth:{identityId}`) to the identity id, so that the same user
//! always gets the same identity.
//!
//! Which `Logins` keys match an ID token: a provider name configured on the identity pool is
//! `cognito-idp.{region}.amazonaws.com/{poolId}` (the AWS form), `HOST:PORT/{poolId}` (this
//! server's issuer without the scheme) or the issuer URL itself. A `Logins` key selects the
//! configured providers equal to it (schemes ignored), and the token's `iss` must then be the
//! provider name (schemes ignored) or the provider name must be the AWS form of the token's pool.
//! So tokens minted with the local issuer (`http://HOST:PORT/{poolId}`, the default) and with the
//! AWS issuer (`--issuer aws`) both work with the AWS-form provider name every SDK and Amplify use.

use crate::store::RecordKind;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_model::identity::ErrorKind as E;
use cognate_model::identity::Operation;
use serde_json::{Map, Value, json};

use super::Req;
use crate::error::ApiError;
use crate::model::StoredKey;
use crate::services::Ctx;
use crate::tokens::{SigningKey, split};

const SCOPE: &str = "identity";
const POOL: RecordKind = RecordKind::IdentityPool;
const IDENTITY: RecordKind = RecordKind::Identity;
const LOGIN: RecordKind = RecordKind::IdentityLogin;
const OPENID_KEY: RecordKind = RecordKind::IdentityOpenIdKey;
/// Lifetime of the temporary credentials (GetCredentialsForIdentity): one hour, as Cognito's.
const CREDENTIALS_SECS: i64 = 3600;
/// Lifetime of GetOpenIdToken tokens: ten minutes, as Cognito's default.
const OPENID_SECS: i64 = 600;
/// The `iss` of GetOpenIdToken tokens.
const OPENID_ISSUER: &str = "https://cognito-identity.amazonaws.com";

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

fn pool_not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("IdentityPool '{id}' not found."),
    )
}

fn identity_not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Identity '{id}' not found."),
    )
}

fn invalid_login(why: &str) -> ApiError {
    ApiError::not_authorized(format!("Invalid login token. {why}"))
}

fn unsupported_provider() -> ApiError {
    ApiError::not_authorized("Token is not from a supported provider of this identity pool.")
}

fn logins_mismatch() -> ApiError {
    ApiError::not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

fn no_unauthenticated() -> ApiError {
    ApiError::not_authorized("Unauthenticated access is not supported for this identity pool.")
}

fn no_role() -> ApiError {
    ApiError::new(
        E::InvalidIdentityPoolConfigurationException,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
}

/// `len` characters of `alphabet` (whose length divides 256), uniformly random.
fn random_from(alphabet: &[u8], len: usize) -> String {
    debug_assert!(256 % alphabet.len() == 0);
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in crate::ids::random_bytes::<32>() {
            if out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Identity pools

fn load_pool(ctx: &Ctx, id: &str) -> Result<Map<String, Value>, ApiError> {
    match ctx.store.doc_get(POOL, SCOPE, id)? {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(pool_not_found(id)),
    }
}

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

/// The user pool id a provider name (`cognito-idp.REGION.amazonaws.com/POOL`,
/// `HOST:PORT/POOL`, or an issuer URL) ends with.
fn provider_pool_id(name: &str) -> Option<&str> {
    let (host, pool) = without_scheme(name).rsplit_once('/')?;
    let valid = !host.is_empty()
        && pool.split_once('_').is_some_and(|(region, suffix)| {
            !region.is_empty()
                && !suffix.is_empty()
                && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    valid.then_some(pool)
}

fn without_scheme(s: &str) -> &str {
    s.strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s)
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

/// A checked login: the user pool and the user's `sub`, and the provider name it came under.
struct Login {
    provider: String,
    user_pool_id: String,
    sub: String,
    client_id: String,
}

impl Login {
    /// What identities are keyed by: the same user under any provider-name form is one identity.
    fn link(&self) -> String {
        format!("{}:{}", self.user_pool_id, self.sub)
    }
}

/// The configured providers whose name is `key` (schemes ignored).
fn configured<'a>(pool: &'a Map<String, Value>, key: &str) -> Vec<&'a Map<String, Value>> {
    pool.get("CognitoIdentityProviders")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_object)
                .filter(|p| {
                    p.get("ProviderName")
                        .and_then(Value::as_str)
                        .is_some_and(|n| without_scheme(n) == without_scheme(key))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether provider name `provider` names the issuer `iss` of a token of `pool_id`.
fn issuer_matches(provider: &str, iss: &str, pool_id: &str) -> bool {
    let provider = without_scheme(provider);
    if provider == without_scheme(iss) {
        return true;
    }
    let region = pool_id.split('_').next().unwrap_or("");
    provider == format!("cognito-idp.{region}.amazonaws.com/{pool_id}")
}

/// Checks one `Logins` entry: the provider is configured on the pool, the token is an ID token
/// this server minted for that user pool (RS256 under the pool's ID-token key), its `iss` matches
/// the provider, its `aud` is a configured ClientId, and it has not expired.
fn check_login(
    ctx: &Ctx,
    pool: &Map<String, Value>,
    key: &str,
    token: &str,
) -> Result<Login, ApiError> {
    let providers = configured(pool, key);
    if providers.is_empty() {
        return Err(unsupported_provider());
    }
    let not_oidc = || invalid_login("Not a valid OpenId Connect identity token.");
    let jws = split(token).ok_or_else(not_oidc)?;
    let claims = &jws.claims;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_login("Missing a required claim: iss"))?;
    let aud = claims
        .get("aud")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_login("Missing a required claim: aud"))?;
    let user_pool_id = iss.rsplit('/').next().unwrap_or("");
    if !providers.iter().any(|p| {
        p.get("ProviderName")
            .and_then(Value::as_str)
            .is_some_and(|n| issuer_matches(n, iss, user_pool_id))
    }) {
        return Err(invalid_login("Issuer doesn't match providerName"));
    }
    let unverifiable = || invalid_login("Couldn't verify signed token.");
    let user_pool = ctx.store.pool_get(user_pool_id)?.ok_or_else(unverifiable)?;
    if iss != ctx.issuer_for(&user_pool.id) {
        return Err(unverifiable());
    }
    let keys = ctx.pool_keys(&user_pool)?;
    if jws.header.get("kid").and_then(Value::as_str) != Some(keys.id.kid.as_str())
        || jws.header.get("alg").and_then(Value::as_str) != Some("RS256")
        || !keys.id.verify(jws.signed.as_bytes(), &jws.signature)
    {
        return Err(unverifiable());
    }
    if claims.get("token_use").and_then(Value::as_str) != Some("id") {
        return Err(not_oidc());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid_login("Missing a required claim: exp"))?;
    let now = ctx.now();
    if now >= exp {
        return Err(invalid_login(&format!("Token expired: {now} >= {exp}")));
    }
    let audience_ok = providers
        .iter()
        .any(|p| match p.get("ClientId").and_then(Value::as_str) {
            Some(c) => c == aud,
            None => true,
        });
    if !audience_ok {
        return Err(unsupported_provider());
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_login("Missing a required claim: sub"))?;
    Ok(Login {
        provider: key.to_owned(),
        user_pool_id: user_pool.id,
        sub: sub.to_owned(),
        client_id: aud.to_owned(),
    })
}

fn check_logins(ctx: &Ctx, pool: &Map<String, Value>, req: &Req) -> Result<Vec<Login>, ApiError> {
    let mut logins: Vec<(String, String)> = req.str_map("Logins")?.into_iter().collect();
    logins.sort();
    logins
        .iter()
        .map(|(k, t)| check_login(ctx, pool, k, t))
        .collect()
}

fn allows_unauthenticated(pool: &Map<String, Value>) -> bool {
    pool.get("AllowUnauthenticatedIdentities")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------------------------
// Identities

fn new_identity(ctx: &Ctx, pool_id: &str, links: &[String]) -> Result<String, ApiError> {
    let id = format!("{}:{}", ctx.region, crate::ids::uuid());
    let now = ctx.now();
    ctx.store.doc_put(
        IDENTITY,
        SCOPE,
        &id,
        &json!({
            "IdentityPoolId": pool_id,
            "Logins": links,
            "CreationDate": now,
            "LastModifiedDate": now,
        }),
    )?;
    Ok(id)
}

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

/// Links every login to identity `id` (index and identity record).
fn link_all(ctx: &Ctx, pool_id: &str, id: &str, links: &[String]) -> Result<(), ApiError> {
    for link in links {
        ctx.store.doc_put(LOGIN, pool_id, link, &json!(id))?;
    }
    let add: Vec<String> = links.to_vec();
    let now = ctx.now();
    ctx.store.doc_update(
        IDENTITY,
        SCOPE,
        id,
        Box::new(move |old| {
            let mut rec = old?;
            let mut known: Vec<Value> = rec
                .get("Logins")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let before = known.len();
            for l in add {
                if !known.iter().any(|k| k.as_str() == Some(l.as_str())) {
                    known.push(json!(l));
                }
            }
            if known.len() != before {
                rec["Logins"] = Value::Array(known);
                rec["LastModifiedDate"] = json!(now);
            }
            Some(rec)
        }),
    )?;
    Ok(())
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

/// The key GetOpenIdToken signs with: one per server, made at first use.
fn openid_key(ctx: &Ctx) -> Result<SigningKey, ApiError> {
    let stored = match ctx.store.doc_get(OPENID_KEY, SCOPE, "key")? {
        Some(v) => v,
        None => {
            let fresh =
                SigningKey::generate().map_err(|_| ApiError::internal("key generation failed"))?;
            let fresh = serde_json::to_value(&fresh)
                .map_err(|_| ApiError::internal("key encoding failed"))?;
            ctx.store
                .doc_update(
                    OPENID_KEY,
                    SCOPE,
                    "key",
                    Box::new(move |old| Some(old.unwrap_or(fresh))),
                )?
                .ok_or_else(|| ApiError::internal("key not stored"))?
        }
    };
    let stored: StoredKey =
        serde_json::from_value(stored).map_err(|_| ApiError::internal("stored key corrupt"))?;
    SigningKey::load(&stored)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_and_issuers() {
        let pool = "us-east-1_AbC123xyZ";
        for name in [
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyZ",
            "127.0.0.1:9229/us-east-1_AbC123xyZ",
            "http://127.0.0.1:9229/us-east-1_AbC123xyZ",
        ] {
            assert_eq!(provider_pool_id(name), Some(pool), "{name}");
        }
        assert_eq!(provider_pool_id("accounts.google.com"), None);
        assert_eq!(provider_pool_id("/us-east-1_x"), None);
        assert_eq!(provider_pool_id("host/us-east-1_"), None);
        let local = "http://127.0.0.1:9229/us-east-1_AbC123xyZ";
        let aws = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyZ";
        assert!(issuer_matches(
            "127.0.0.1:9229/us-east-1_AbC123xyZ",
            local,
            pool
        ));
        assert!(issuer_matches(local, local, pool));
        assert!(issuer_matches(
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyZ",
            local,
            pool
        ));
        assert!(issuer_matches(
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyZ",
            aws,
            pool
        ));
        assert!(!issuer_matches(
            "127.0.0.1:9229/us-east-1_Other",
            local,
            pool
        ));
        assert!(!issuer_matches(
            "127.0.0.1:1/us-east-1_AbC123xyZ",
            local,
            pool
        ));
    }

    #[test]
    fn credential_shapes() {
        let k = random_from(UPPER_ALNUM, 16);
        assert_eq!(k.len(), 16);
        let s = random_from(SECRET_ALPHABET, 40);
        assert_eq!(s.len(), 40);
    }
}
