//! Token issuance and checks: the end of a login (a refresh-token family and the access and ID
//! tokens with Cognito's claims), refreshes with and without rotation, and the one check every
//! operation authorized by an access token makes ([`token_user`]).

use cognate_model::idp::ErrorKind as E;

use serde_json::{Map, Value, json};

use super::Ctx;
use super::{devices, groups};
use crate::error::{ApiError, StoreError};
use crate::model::{AppClient, RefreshRecord, User, UserPool};
use crate::services::clients::check_secret_hash;
use crate::store::{Change, cascade};
use crate::tokens::{refresh_hash, split};

/// The tokens of a login or a refresh: the API's `AuthenticationResult`, the token
/// endpoint's answer. (No `Debug`: they are credentials.)
pub(crate) struct Tokens {
    /// The access token.
    pub(crate) access_token: String,
    /// The ID token (none for an OAuth grant without `openid`).
    pub(crate) id_token: Option<String>,
    /// A new refresh token (a login, a rotation), else none.
    pub(crate) refresh_token: Option<String>,
    /// The access token's lifetime in seconds (`ExpiresIn`).
    pub(crate) expires_in: i64,
    /// The device the login made, when the pool tracks devices (`NewDeviceMetadata`): its key
    /// and its group's key.
    pub(crate) new_device: Option<(String, String)>,
}

/// One login, carried across refreshes: `origin_jti`, `event_id`, `auth_time`, and the device
/// it was made on (`device_key` claim).
pub(crate) struct Login {
    pub(crate) origin_jti: String,
    pub(crate) event_id: String,
    pub(crate) auth_time: i64,
    pub(crate) device_key: Option<String>,
}

/// What an OAuth 2.0 grant changes in the tokens a login gets (the API's logins use
/// [`Grant::api`]): the scopes granted, the ID token's `nonce`, the resource the access token
/// is bound to (RFC 8707: its `aud`), and the OpenID Connect rules — an ID token only with
/// the `openid` scope, and then with `at_hash`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Grant {
    /// The scopes granted; `None`: the API's `aws.cognito.signin.user.admin`.
    pub(crate) scopes: Option<Vec<String>>,
    /// The authorization request's `nonce`, for the ID token.
    pub(crate) nonce: Option<String>,
    /// The resource server the access token is for (its `aud`).
    pub(crate) resource: Option<String>,
}

impl Grant {
    /// The grant of a login through the API (InitiateAuth and friends).
    pub(crate) fn api() -> Grant {
        Grant::default()
    }

    /// Whether this grant came through the domain's OAuth endpoints.
    fn oauth(&self) -> bool {
        self.scopes.is_some()
    }

    /// Whether an ID token goes with the access token.
    fn id_token(&self) -> bool {
        self.scopes
            .as_ref()
            .is_none_or(|s| s.iter().any(|s| s == "openid"))
    }

    /// The access token's `scope` claim.
    fn scope_claim(&self) -> String {
        match &self.scopes {
            Some(s) => s.join(" "),
            None => "aws.cognito.signin.user.admin".into(),
        }
    }
}

/// The `at_hash` of an access token (OpenID Connect Core 3.1.3.6): the left half of its
/// SHA-256, base64url.
pub(crate) fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Writes a use-once claim of a login now (when the login goes on with a challenge rather than
/// tokens); a claim made already means a replayed answer.
pub(crate) fn spend(ctx: &Ctx, claim: Option<Change>) -> Result<(), ApiError> {
    if let Some(claim) = claim {
        match ctx.store.apply(vec![claim]) {
            Err(StoreError::Conflict(_)) => return Err(ApiError::bad_credentials()),
            other => other?,
        }
    }
    Ok(())
}

/// Ends a login: a refresh token, the access and ID tokens (with `device_key` when the login
/// was made on `device`), and `NewDeviceMetadata` when the pool tracks devices and the login
/// named none. `claim` (a use-once claim of the login) is written in the same transaction as
/// the refresh token.
pub(crate) fn issue_tokens(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    device: Option<&str>,
    claim: Option<Change>,
) -> Result<Tokens, ApiError> {
    // PostAuthentication before anything of the login is stored: its failure leaves nothing.
    let new_device_used = device.is_none() && devices::device_configuration(pool).is_some();
    super::triggers::post_authentication(ctx, pool, user, &client.id, new_device_used)?;
    let new_device = match device {
        Some(_) => None,
        None => devices::new_device(ctx, pool, user)?,
    };
    let login = Login {
        origin_jti: crate::ids::uuid(),
        event_id: crate::ids::uuid(),
        auth_time: ctx.now(),
        device_key: device
            .map(str::to_owned)
            .or_else(|| new_device.as_ref().map(|(k, _)| k.clone())),
    };
    let refresh_token = crate::ids::refresh_token();
    let now = ctx.now();
    let mut unit: Vec<Change> = claim.into_iter().collect();
    unit.push(Change::InsertRefresh(RefreshRecord {
        hash: refresh_hash(&refresh_token),
        pool_id: pool.id.clone(),
        client_id: client.id.clone(),
        username: user.username.clone(),
        sub: user.sub.clone(),
        origin_jti: login.origin_jti.clone(),
        event_id: login.event_id.clone(),
        auth_time: login.auth_time,
        issued: now,
        expires: now + client.refresh_validity.secs(),
        revoked: false,
        rotated: None,
        device_key: login.device_key.clone(),
        oauth: None,
    }));
    match ctx.store.apply(unit) {
        Err(StoreError::Conflict(_)) => return Err(ApiError::bad_credentials()),
        other => other?,
    }
    // The sign-in's auth event, and the pool's maximum of sessions per user.
    super::auth_events::signed_in(ctx, pool, user)?;
    super::sessions::enforce_limit(ctx, pool, user)?;
    let mut tokens = mint(
        ctx,
        pool,
        client,
        user,
        &login,
        Some(&refresh_token),
        &Grant::api(),
    )?;
    tokens.new_device = new_device;
    Ok(tokens)
}

pub(crate) enum RefreshCheck<'a> {
    /// InitiateAuth: `SECRET_HASH` over the user's internal name.
    SecretHash(Option<&'a str>),
    /// GetTokensFromRefreshToken: the client secret itself was checked already.
    Checked,
}

/// Uses a refresh token: returns the new tokens (with a new refresh token when `rotate`), and
/// the record.
pub(crate) fn refresh(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    token: &str,
    check: RefreshCheck<'_>,
    rotate: bool,
) -> Result<(Tokens, RefreshRecord), ApiError> {
    let hash = refresh_hash(token);
    let record = ctx
        .store
        .refresh_get(&hash)?
        .filter(|r| r.client_id == client.id && r.pool_id == pool.id)
        .ok_or_else(|| ApiError::not_authorized("Invalid Refresh Token"))?;
    if let RefreshCheck::SecretHash(given) = check {
        check_secret_hash(client, given, &[&record.username])?;
    }
    if record.revoked {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    let now = ctx.now();
    if now >= record.expires {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if let Some(at) = record.rotated
        && now - at >= client.rotation_grace_secs
    {
        return Err(ApiError::new(
            E::RefreshTokenReuseException,
            "Refresh token has already been used",
        ));
    }
    let user = ctx
        .store
        .user_get(&pool.id, &record.username)?
        .filter(|u| u.sub == record.sub)
        .ok_or_else(|| ApiError::not_authorized("User does not exist."))?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let login = Login {
        origin_jti: record.origin_jti.clone(),
        event_id: record.event_id.clone(),
        auth_time: record.auth_time,
        device_key: record.device_key.clone(),
    };
    let new_refresh = if rotate {
        let token = crate::ids::refresh_token();
        // The "rotated already?" check is made again inside the write, so that concurrent
        // rotations of one token cannot both succeed.
        let rotation = cascade::rotate_refresh(
            &record.hash,
            RefreshRecord {
                hash: refresh_hash(&token),
                issued: now,
                expires: now + client.refresh_validity.secs(),
                revoked: false,
                rotated: None,
                ..record.clone()
            },
            now,
            client.rotation_grace_secs,
        );
        match ctx.store.apply(rotation) {
            Err(StoreError::Conflict(_)) => {
                return Err(ApiError::new(
                    E::RefreshTokenReuseException,
                    "Refresh token has already been used",
                ));
            }
            other => other?,
        }
        Some(token)
    } else {
        None
    };
    // A refresh keeps what the login was granted (the scopes of an OAuth grant); a refreshed ID
    // token carries no `nonce`.
    let grant = Grant {
        scopes: record.oauth.as_ref().map(|g| g.scopes.clone()),
        nonce: None,
        resource: record.oauth.as_ref().and_then(|g| g.resource.clone()),
    };
    let tokens = mint(
        ctx,
        pool,
        client,
        &user,
        &login,
        new_refresh.as_deref(),
        &grant,
    )?;
    Ok((tokens, record))
}

/// Mints the access and ID tokens (and passes `refresh_token` through), with what `grant` changes (scopes, `nonce`, `at_hash`; no ID token
/// for an OAuth grant without `openid`).
pub(crate) fn mint(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    user: &User,
    login: &Login,
    refresh_token: Option<&str>,
    grant: &Grant,
) -> Result<Tokens, ApiError> {
    let keys = ctx.pool_keys(pool)?;
    let now = ctx.now();
    let iss = ctx.issuer_for(&pool.id);
    let access_exp = now + client.access_validity.secs();
    let id_exp = now + client.id_validity.secs();
    let mut access = Map::new();
    access.insert("sub".into(), json!(user.sub));
    access.insert("iss".into(), json!(iss));
    access.insert("version".into(), json!(2));
    access.insert("client_id".into(), json!(client.id));
    access.insert("origin_jti".into(), json!(login.origin_jti));
    access.insert("event_id".into(), json!(login.event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!(grant.scope_claim()));
    access.insert("auth_time".into(), json!(login.auth_time));
    access.insert("exp".into(), json!(access_exp));
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(crate::ids::uuid()));
    access.insert("username".into(), json!(user.username));
    if let Some(device_key) = &login.device_key {
        access.insert("device_key".into(), json!(device_key));
    }
    if let Some(resource) = &grant.resource {
        access.insert("aud".into(), json!(resource));
    }
    let groups = groups::claims(ctx, pool, user)?;
    if !groups.groups.is_empty() {
        access.insert("cognito:groups".into(), json!(groups.groups));
    }

    let mut id = Map::new();
    id.insert("sub".into(), json!(user.sub));
    if !groups.groups.is_empty() {
        id.insert("cognito:groups".into(), json!(groups.groups));
    }
    if !groups.roles.is_empty() {
        id.insert("cognito:roles".into(), json!(groups.roles));
    }
    if let Some(role) = &groups.preferred_role {
        id.insert("cognito:preferred_role".into(), json!(role));
    }
    for (k, v) in &user.attributes {
        if !client.read_attributes.is_empty() && !client.read_attributes.contains(k) {
            continue;
        }
        let value = match k.as_str() {
            "email_verified" | "phone_number_verified" => json!(v == "true"),
            "updated_at" => v
                .parse::<i64>()
                .map(|n| json!(n))
                .unwrap_or_else(|_| json!(v)),
            // A federated user's providers: a JSON array in the token, as Cognito writes it.
            "identities" => serde_json::from_str(v).unwrap_or_else(|_| json!(v)),
            _ => json!(v),
        };
        id.insert(k.clone(), value);
    }
    id.insert("iss".into(), json!(iss));
    id.insert("cognito:username".into(), json!(user.username));
    id.insert("origin_jti".into(), json!(login.origin_jti));
    id.insert("aud".into(), json!(client.id));
    id.insert("event_id".into(), json!(login.event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(login.auth_time));
    id.insert("exp".into(), json!(id_exp));
    id.insert("iat".into(), json!(now));
    id.insert("jti".into(), json!(crate::ids::uuid()));

    // Pre token generation changes the claims (and the access token's scopes) before signing;
    // `nonce` and `at_hash` are the protocol's and come after it.
    super::triggers::pre_token::customize(
        ctx,
        pool,
        &client.id,
        user,
        super::triggers::pre_token::TokenClaims {
            id: &mut id,
            access: &mut access,
        },
    )?;
    let access_token = keys.access.sign(&Value::Object(access))?;
    if let Some(nonce) = &grant.nonce {
        id.insert("nonce".into(), json!(nonce));
    }
    if grant.oauth() {
        id.insert("at_hash".into(), json!(at_hash(&access_token)));
    }
    let id_token = if grant.id_token() {
        Some(keys.id.sign(&Value::Object(id))?)
    } else {
        None
    };
    Ok(Tokens {
        access_token,
        id_token,
        refresh_token: refresh_token.map(str::to_owned),
        expires_in: client.access_validity.secs(),
        new_device: None,
    })
}

/// The claims of a valid access token minted here that may call the user-level API (its
/// `scope` has `aws.cognito.signin.user.admin`), with its pool.
pub(crate) fn check_access_token(
    ctx: &Ctx,
    token: &str,
) -> Result<(UserPool, Map<String, Value>), ApiError> {
    let (pool, claims) = verify_access_token(ctx, token)?;
    let admin = claims
        .get("scope")
        .and_then(Value::as_str)
        .is_some_and(|s| s.split(' ').any(|s| s == "aws.cognito.signin.user.admin"));
    if !admin {
        return Err(ApiError::not_authorized(
            "Access Token does not have required scopes",
        ));
    }
    Ok((pool, claims))
}

/// The claims of a valid access token minted here (signature, issuer, expiry, revocation;
/// whatever its scopes), with its pool.
pub(crate) fn verify_access_token(
    ctx: &Ctx,
    token: &str,
) -> Result<(UserPool, Map<String, Value>), ApiError> {
    let invalid = || ApiError::not_authorized("Invalid Access Token");
    let jws = split(token).ok_or_else(invalid)?;
    let (header, claims) = (&jws.header, jws.claims.clone());
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let pool_id = iss.rsplit('/').next().ok_or_else(invalid)?;
    let pool = ctx.store.pool_get(pool_id)?.ok_or_else(invalid)?;
    if iss != ctx.issuer_for(&pool.id) {
        return Err(invalid());
    }
    let keys = ctx.pool_keys(&pool)?;
    if header.get("kid").and_then(Value::as_str) != Some(keys.access.kid.as_str())
        || header.get("alg").and_then(Value::as_str) != Some("RS256")
        || !keys.access.verify(jws.signed.as_bytes(), &jws.signature)
        || claims.get("token_use").and_then(Value::as_str) != Some("access")
    {
        return Err(invalid());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if ctx.now() >= exp {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    if let Some(jti) = claims.get("origin_jti").and_then(Value::as_str)
        && ctx.store.family_revoked(jti)?
    {
        return Err(ApiError::not_authorized("Access Token has been revoked"));
    }
    Ok((pool, claims))
}

/// The pool, app client and user of a valid access token: the one check every operation
/// authorized by an access token makes. A user deleted (or replaced by a new user of the same
/// name) since the token was issued is `UserNotFoundException: User does not exist.`; a
/// disabled one `NotAuthorizedException: User is disabled.`.
pub(crate) fn token_user(ctx: &Ctx, token: &str) -> Result<(UserPool, AppClient, User), ApiError> {
    let (pool, claims) = check_access_token(ctx, token)?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
    let user = ctx
        .store
        .user_get(&pool.id, claim("username"))?
        .filter(|u| u.sub == claim("sub"))
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let client = ctx.pool_client(&pool.id, claim("client_id"))?;
    Ok((pool, client, user))
}
