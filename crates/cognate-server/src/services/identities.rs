//! Administration of the identities of identity pools (DescribeIdentity, ListIdentities,
//! DeleteIdentities, UnlinkIdentity) and developer-authenticated identities
//! (GetOpenIdTokenForDeveloperIdentity, LookupDeveloperIdentity, MergeDeveloperIdentities,
//! UnlinkDeveloperIdentity), over the records of `services::identity`.
//!
//! An identity's `Logins` are links: `{userPoolId}:{sub}` for a user-pool login,
//! `dev:{provider}:{userIdentifier}` for a developer user, and
//! `cognito-identity.amazonaws.com:{identityId}` once a developer identity has been given an
//! OpenID token (so that GetId and GetCredentialsForIdentity accept that token under the
//! `cognito-identity.amazonaws.com` login, as Cognito's enhanced flow does). Each link is
//! indexed (kind `identity_login`, scoped by the identity pool) to its identity.

use cognate_model::identity::ErrorKind as E;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::identity::{
    IDENTITY, LOGIN, OPENID_ISSUER, OPENID_PROVIDER, SCOPE, identity_not_found, openid_key,
};
use crate::error::ApiError;

/// Default lifetime of developer OpenID tokens: 15 minutes, as Cognito's.
pub(crate) const DEVELOPER_TOKEN_SECS: i64 = 900;

/// An identity as stored.
pub(crate) struct Identity {
    pub(crate) id: String,
    pub(crate) pool_id: String,
    pub(crate) links: Vec<String>,
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

impl Identity {
    fn from_doc(id: &str, v: &Value) -> Identity {
        Identity {
            id: id.to_owned(),
            pool_id: v["IdentityPoolId"].as_str().unwrap_or("").to_owned(),
            links: v["Logins"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            created: v["CreationDate"].as_i64().unwrap_or(0),
            modified: v["LastModifiedDate"].as_i64().unwrap_or(0),
        }
    }

    /// The provider names of its logins (what DescribeIdentity lists), each once.
    pub(crate) fn providers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for link in &self.links {
            let name = provider_of(link);
            if let Some(name) = name
                && !out.contains(&name)
            {
                out.push(name);
            }
        }
        out
    }
}

/// The provider name of a link (`None` for the internal OpenID link).
pub(crate) fn provider_of(link: &str) -> Option<String> {
    if let Some(dev) = link.strip_prefix("dev:") {
        return dev.split_once(':').map(|(p, _)| p.to_owned());
    }
    if link.starts_with(OPENID_PROVIDER) {
        return None;
    }
    let (pool, _) = link.rsplit_once(':')?;
    let region = pool.split('_').next().unwrap_or("us-east-1");
    Some(format!("cognito-idp.{region}.amazonaws.com/{pool}"))
}

/// The link of developer user `user` of provider `provider`.
pub(crate) fn developer_link(provider: &str, user: &str) -> String {
    format!("dev:{provider}:{user}")
}

/// Identity `id`.
pub(crate) fn get(ctx: &Ctx, id: &str) -> Result<Identity, ApiError> {
    let v = ctx
        .store
        .doc_get(IDENTITY, SCOPE, id)?
        .ok_or_else(|| identity_not_found(id))?;
    Ok(Identity::from_doc(id, &v))
}

/// The identities of identity pool `pool_id`, oldest first.
pub(crate) fn of_pool(ctx: &Ctx, pool_id: &str) -> Result<Vec<Identity>, ApiError> {
    Ok(ctx
        .store
        .doc_list(IDENTITY, SCOPE)?
        .into_iter()
        .map(|(id, v)| Identity::from_doc(&id, &v))
        .filter(|i| i.pool_id == pool_id)
        .collect())
}

fn save(ctx: &Ctx, identity: &Identity) -> Result<(), ApiError> {
    ctx.store.doc_put(
        IDENTITY,
        SCOPE,
        &identity.id,
        &json!({
            "IdentityPoolId": identity.pool_id,
            "Logins": identity.links,
            "CreationDate": identity.created,
            "LastModifiedDate": identity.modified,
        }),
    )?;
    Ok(())
}

/// Deletes an identity and its links; false if it did not exist.
pub(crate) fn delete(ctx: &Ctx, id: &str) -> Result<bool, ApiError> {
    let Ok(identity) = get(ctx, id) else {
        return Ok(false);
    };
    for link in &identity.links {
        ctx.store.doc_delete(LOGIN, &identity.pool_id, link)?;
    }
    ctx.store
        .doc_delete(LOGIN, &identity.pool_id, &format!("unauth:{id}"))?;
    ctx.store.doc_delete(IDENTITY, SCOPE, id)?;
    Ok(true)
}

/// Removes `links` from identity `identity` (and their index entries).
pub(crate) fn unlink(ctx: &Ctx, mut identity: Identity, links: &[String]) -> Result<(), ApiError> {
    for link in links {
        ctx.store.doc_delete(LOGIN, &identity.pool_id, link)?;
    }
    identity.links.retain(|l| !links.contains(l));
    identity.modified = ctx.now();
    save(ctx, &identity)
}

/// Adds `links` to identity `identity` (and indexes them).
pub(crate) fn link(
    ctx: &Ctx,
    mut identity: Identity,
    links: &[String],
) -> Result<Identity, ApiError> {
    for link in links {
        ctx.store
            .doc_put(LOGIN, &identity.pool_id, link, &json!(identity.id))?;
        if !identity.links.contains(link) {
            identity.links.push(link.clone());
        }
    }
    identity.modified = ctx.now();
    save(ctx, &identity)?;
    Ok(identity)
}

/// The identity a link belongs to, if any.
pub(crate) fn by_link(ctx: &Ctx, pool_id: &str, link: &str) -> Result<Option<String>, ApiError> {
    Ok(ctx
        .store
        .doc_get(LOGIN, pool_id, link)?
        .and_then(|v| v.as_str().map(str::to_owned)))
}

/// A new identity of `pool_id` with no links.
pub(crate) fn create(ctx: &Ctx, pool_id: &str) -> Result<Identity, ApiError> {
    let id = super::identity::new_identity(ctx, pool_id, &[])?;
    get(ctx, &id)
}

/// The developer provider name of an identity pool, checked against `given`.
pub(crate) fn check_developer_provider(
    pool: &Map<String, Value>,
    given: &str,
) -> Result<(), ApiError> {
    match pool.get("DeveloperProviderName").and_then(Value::as_str) {
        Some(p) if p == given => Ok(()),
        _ => Err(ApiError::new(
            E::NotAuthorizedException,
            format!("Developer provider {given} is not configured for this identity pool."),
        )),
    }
}

/// The developer user identifiers of `identity` under `provider`.
pub(crate) fn developer_users(identity: &Identity, provider: &str) -> Vec<String> {
    let prefix = format!("dev:{provider}:");
    identity
        .links
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
        .collect()
}

/// An OpenID token for identity `identity` of pool `pool_id`, valid `secs`, with `amr` and
/// principal tags.
pub(crate) fn openid_token(
    ctx: &Ctx,
    identity: &str,
    pool_id: &str,
    amr: Vec<String>,
    tags: Option<&std::collections::BTreeMap<String, String>>,
    secs: i64,
) -> Result<String, ApiError> {
    let now = ctx.now();
    let mut claims = json!({
        "sub": identity,
        "aud": pool_id,
        "amr": amr,
        "iss": OPENID_ISSUER,
        "exp": now + secs,
        "iat": now,
    });
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        let principal: Map<String, Value> =
            tags.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
        claims["https://aws.amazon.com/tags"] = json!({ "principal_tags": principal });
    }
    openid_key(ctx)?.sign(&claims)
}
