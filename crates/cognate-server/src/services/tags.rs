//! Tags of user pools and identity pools by ARN (TagResource, UntagResource,
//! ListTagsForResource in both APIs). A user pool's tags are its `UserPoolTags` (what
//! DescribeUserPool shows and UpdateUserPool sets); an identity pool's are its
//! `IdentityPoolTags`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Ctx;
use super::identity::{POOL, SCOPE, load_pool};
use crate::error::ApiError;

/// At most this many tags on a resource, as AWS's quota.
pub(crate) const MAX_TAGS: usize = 50;

/// A taggable resource named by an ARN.
pub(crate) enum Resource {
    /// `arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID`.
    UserPool(String),
    /// `arn:aws:cognito-identity:REGION:ACCOUNT:identitypool/POOL_ID`.
    IdentityPool(String),
}

/// The resource an ARN names, if it names one of these two kinds.
pub(crate) fn parse_arn(arn: &str) -> Option<Resource> {
    let mut parts = arn.splitn(6, ':');
    let (arn_, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn_ != "arn" {
        return None;
    }
    match (service, resource.split_once('/')?) {
        ("cognito-idp", ("userpool", id)) if !id.is_empty() => Some(Resource::UserPool(id.into())),
        ("cognito-identity", ("identitypool", id)) if !id.is_empty() => {
            Some(Resource::IdentityPool(id.into()))
        }
        _ => None,
    }
}

/// The tags of `resource`.
pub(crate) fn list(ctx: &Ctx, resource: &Resource) -> Result<BTreeMap<String, String>, ApiError> {
    let tags = match resource {
        Resource::UserPool(id) => ctx.pool(id)?.extra.get("UserPoolTags").cloned(),
        Resource::IdentityPool(id) => load_pool(ctx, id)?.get("IdentityPoolTags").cloned(),
    };
    Ok(tags
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Adds (or overwrites) `add` and removes `remove`, at most [`MAX_TAGS`] in the end.
pub(crate) fn change(
    ctx: &Ctx,
    resource: &Resource,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), ApiError> {
    let mut tags = list(ctx, resource)?;
    tags.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
    for k in remove {
        tags.remove(k);
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid(format!(
            "A resource can have at most {MAX_TAGS} tags."
        )));
    }
    match resource {
        Resource::UserPool(id) => {
            let mut pool = ctx.pool(id)?;
            if tags.is_empty() {
                pool.extra.remove("UserPoolTags");
            } else {
                pool.extra.insert("UserPoolTags".into(), json!(tags));
            }
            ctx.store.pool_put(&pool)?;
        }
        Resource::IdentityPool(id) => {
            let mut pool = load_pool(ctx, id)?;
            pool.insert("IdentityPoolTags".into(), json!(tags));
            ctx.store.doc_put(POOL, SCOPE, id, &Value::Object(pool))?;
        }
    }
    Ok(())
}
