//! Identity pools' core: identities, the logins that map to them, provider matching, and the
//! signing key of `GetOpenIdToken`.
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

use cognate_model::identity::ErrorKind as E;
use serde_json::{Map, Value, json};

use super::Ctx;
use crate::error::ApiError;
use crate::model::StoredKey;
use crate::store::RecordKind;
use crate::tokens::{SigningKey, split};

pub(crate) const SCOPE: &str = "identity";

pub(crate) const POOL: RecordKind = RecordKind::IdentityPool;

pub(crate) const IDENTITY: RecordKind = RecordKind::Identity;

pub(crate) const LOGIN: RecordKind = RecordKind::IdentityLogin;

pub(crate) const OPENID_KEY: RecordKind = RecordKind::IdentityOpenIdKey;

/// Lifetime of the temporary credentials (GetCredentialsForIdentity): one hour, as Cognito's.
pub(crate) const CREDENTIALS_SECS: i64 = 3600;

/// Lifetime of GetOpenIdToken tokens: ten minutes, as Cognito's default.
pub(crate) const OPENID_SECS: i64 = 600;

/// The `iss` of GetOpenIdToken tokens.
pub(crate) const OPENID_ISSUER: &str = "https://cognito-identity.amazonaws.com";

/// The provider name of OpenID tokens of identity pools.
pub(crate) const OPENID_PROVIDER: &str = "cognito-identity.amazonaws.com";

pub(crate) const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) const SECRET_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn pool_not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("IdentityPool '{id}' not found."),
    )
}

pub(crate) fn identity_not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Identity '{id}' not found."),
    )
}

pub(crate) fn invalid_login(why: &str) -> ApiError {
    ApiError::not_authorized(format!("Invalid login token. {why}"))
}

pub(crate) fn unsupported_provider() -> ApiError {
    ApiError::not_authorized("Token is not from a supported provider of this identity pool.")
}

pub(crate) fn logins_mismatch() -> ApiError {
    ApiError::not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

pub(crate) fn no_unauthenticated() -> ApiError {
    ApiError::not_authorized("Unauthenticated access is not supported for this identity pool.")
}

pub(crate) fn no_role() -> ApiError {
    ApiError::new(
        E::InvalidIdentityPoolConfigurationException,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
}

/// `len` characters of `alphabet` (whose length divides 256), uniformly random.
pub(crate) fn random_from(alphabet: &[u8], len: usize) -> String {
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

pub(crate) fn load_pool(ctx: &Ctx, id: &str) -> Result<Map<String, Value>, ApiError> {
    match ctx.store.doc_get(POOL, SCOPE, id)? {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(pool_not_found(id)),
    }
}

/// The user pool id a provider name (`cognito-idp.REGION.amazonaws.com/POOL`,
/// `HOST:PORT/POOL`, or an issuer URL) ends with.
pub(crate) fn provider_pool_id(name: &str) -> Option<&str> {
    let (host, pool) = without_scheme(name).rsplit_once('/')?;
    let valid = !host.is_empty()
        && pool.split_once('_').is_some_and(|(region, suffix)| {
            !region.is_empty()
                && !suffix.is_empty()
                && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    valid.then_some(pool)
}

pub(crate) fn without_scheme(s: &str) -> &str {
    s.strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s)
}

/// A checked login: the user pool and the user's `sub`, and the provider name it came under.
pub(crate) struct Login {
    pub(crate) provider: String,
    pub(crate) user_pool_id: String,
    pub(crate) sub: String,
    pub(crate) client_id: String,
}

impl Login {
    /// What identities are keyed by: the same user under any provider-name form is one identity.
    pub(crate) fn link(&self) -> String {
        format!("{}:{}", self.user_pool_id, self.sub)
    }
}

/// The configured providers whose name is `key` (schemes ignored).
pub(crate) fn configured<'a>(
    pool: &'a Map<String, Value>,
    key: &str,
) -> Vec<&'a Map<String, Value>> {
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
pub(crate) fn issuer_matches(provider: &str, iss: &str, pool_id: &str) -> bool {
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
pub(crate) fn check_login(
    ctx: &Ctx,
    pool: &Map<String, Value>,
    key: &str,
    token: &str,
) -> Result<Login, ApiError> {
    // An OpenID token of this identity pool (developer-authenticated identities' enhanced flow).
    if without_scheme(key) == OPENID_PROVIDER {
        let pool_id = pool
            .get("IdentityPoolId")
            .and_then(Value::as_str)
            .unwrap_or("");
        let identity = check_openid_token(ctx, pool_id, token)?;
        return Ok(Login {
            provider: key.to_owned(),
            user_pool_id: OPENID_PROVIDER.to_owned(),
            sub: identity,
            client_id: pool_id.to_owned(),
        });
    }
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

pub(crate) fn allows_unauthenticated(pool: &Map<String, Value>) -> bool {
    pool.get("AllowUnauthenticatedIdentities")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

pub(crate) fn new_identity(ctx: &Ctx, pool_id: &str, links: &[String]) -> Result<String, ApiError> {
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

/// Links every login to identity `id` (index and identity record).
pub(crate) fn link_all(
    ctx: &Ctx,
    pool_id: &str,
    id: &str,
    links: &[String],
) -> Result<(), ApiError> {
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

/// The key GetOpenIdToken signs with: one per server, made at first use.
pub(crate) fn openid_key(ctx: &Ctx) -> Result<SigningKey, ApiError> {
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

/// Checks an OpenID token of this server (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity)
/// for identity pool `pool_id`: the identity it names.
pub(crate) fn check_openid_token(
    ctx: &Ctx,
    pool_id: &str,
    token: &str,
) -> Result<String, ApiError> {
    let invalid = || ApiError::new(E::NotAuthorizedException, "Invalid login token.");
    let jws = crate::tokens::split(token).ok_or_else(invalid)?;
    let key = openid_key(ctx)?;
    if jws.header.get("kid").and_then(Value::as_str) != Some(key.kid.as_str())
        || !key.verify(jws.signed.as_bytes(), &jws.signature)
    {
        return Err(invalid());
    }
    let claims = &jws.claims;
    if claims.get("iss").and_then(Value::as_str) != Some(OPENID_ISSUER)
        || claims.get("aud").and_then(Value::as_str) != Some(pool_id)
    {
        return Err(invalid());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if ctx.now() >= exp {
        return Err(ApiError::new(
            E::NotAuthorizedException,
            "Invalid login token. Token expired.",
        ));
    }
    claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(invalid)
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
