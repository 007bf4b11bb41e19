//! External identities linked to existing users: AdminLinkProviderForUser (a user of an
//! external provider who has not signed in yet will sign in as an existing user),
//! AdminDisableProviderForUser (the link removed, or a local user's password sign-in ended),
//! and the lookup the federated sign-in makes (`super::federation`).
//!
//! A link is its own record, keyed by provider, attribute and value, naming the destination
//! user (and its `sub`, so that a user deleted and created again under the same name does not
//! inherit it). The destination user's `identities` attribute lists it too, as Cognito shows
//! it; the record is what sign-in reads.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use cognate_model::idp::types as t;

use super::identity_providers::{self, IdentityProvider};
use crate::error::ApiError;
use crate::model::{User, UserPool};
use crate::services::{Ctx, users};
use crate::store::{Change, RecordKind};

const KIND: RecordKind = RecordKind::ProviderLink;

/// Whether a `ProviderName` names the pool's own users (`Cognito`, as these operations spell
/// it; `COGNITO` as `SupportedIdentityProviders` does).
fn is_local(provider: &str) -> bool {
    provider.eq_ignore_ascii_case("cognito")
}

/// The attribute name that stands for the provider's subject (`sub`, or a social provider's
/// user id).
pub(crate) const SUBJECT: &str = "Cognito_Subject";

/// A stored link.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Link {
    provider: String,
    attribute: String,
    value: String,
    username: String,
    sub: String,
    created: i64,
}

fn key(provider: &str, attribute: &str, value: &str) -> String {
    // Provider names, attribute names and values are printable: U+001F separates them.
    format!("{provider}\u{1f}{attribute}\u{1f}{value}")
}

/// The three members of a `ProviderUserIdentifierType`, each required here.
fn parts<'a>(
    who: &'a t::ProviderUserIdentifierType,
    member: &str,
) -> Result<(&'a str, &'a str, &'a str), ApiError> {
    let get = |v: &'a Option<String>, name: &str| {
        v.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
            ApiError::invalid(format!("{member}.{name} is required for this operation."))
        })
    };
    Ok((
        get(&who.provider_name, "ProviderName")?,
        get(&who.provider_attribute_name, "ProviderAttributeName")?,
        get(&who.provider_attribute_value, "ProviderAttributeValue")?,
    ))
}

/// The username a federated user of `provider` with subject `subject` has.
pub(crate) fn federated_username(provider: &str, subject: &str) -> String {
    format!("{provider}_{subject}")
}

/// AdminLinkProviderForUser.
pub(crate) fn link(ctx: &Ctx, req: t::AdminLinkProviderForUserRequest) -> Result<(), ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let dest_provider = req
        .destination_user
        .provider_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("DestinationUser.ProviderName is required for this operation.")
        })?;
    let dest_value = req
        .destination_user
        .provider_attribute_value
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "DestinationUser.ProviderAttributeValue is required for this operation.",
            )
        })?;
    let (provider, attribute, value) = parts(&req.source_user, "SourceUser")?;
    if is_local(provider) {
        return Err(ApiError::invalid(
            "SourceUser must be a user of an external identity provider, not Cognito.",
        ));
    }
    let idp = identity_providers::describe(ctx, &pool.id, provider)?;
    let mut dest = if is_local(dest_provider) {
        users::get(ctx, &pool, dest_value)?
    } else {
        identity_providers::describe(ctx, &pool.id, dest_provider)?;
        users::get(ctx, &pool, &federated_username(dest_provider, dest_value))?
    };
    if attribute == SUBJECT
        && users::find(ctx, &pool, &federated_username(provider, value))?.is_some()
    {
        return Err(ApiError::invalid(
            "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link",
        ));
    }
    let now = ctx.now();
    let link = Link {
        provider: provider.to_owned(),
        attribute: attribute.to_owned(),
        value: value.to_owned(),
        username: dest.username.clone(),
        sub: dest.sub.clone(),
        created: now,
    };
    let data = serde_json::to_value(&link).map_err(|e| ApiError::internal(e.to_string()))?;
    // A claim: two links of one source at once make one link and one refusal.
    let claimed = ctx.store.apply(vec![Change::Claim {
        kind: KIND,
        scope: pool.id.clone(),
        key: key(provider, attribute, value),
        data,
    }]);
    match claimed {
        Err(crate::error::StoreError::Conflict(_)) => {
            return Err(ApiError::invalid(
                "SourceUser is already linked to DestinationUser",
            ));
        }
        other => other?,
    }
    add_identity(&mut dest, &idp, value, now);
    dest.modified = now;
    ctx.store.user_put(&dest)?;
    Ok(())
}

/// AdminDisableProviderForUser.
pub(crate) fn disable(
    ctx: &Ctx,
    req: t::AdminDisableProviderForUserRequest,
) -> Result<(), ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let (provider, attribute, value) = parts(&req.user, "User")?;
    if is_local(provider) {
        // A local user: no more password sign-in (their links stay).
        if attribute != SUBJECT {
            return Err(ApiError::invalid(format!(
                "ProviderAttributeName must be {SUBJECT} for the Cognito provider."
            )));
        }
        let mut user = users::get(ctx, &pool, value)?;
        user.verifier = None;
        user.modified = ctx.now();
        ctx.store.user_put(&user)?;
        return Ok(());
    }
    identity_providers::describe(ctx, &pool.id, provider)?;
    let Some(stored) = ctx
        .store
        .doc_get(KIND, &pool.id, &key(provider, attribute, value))?
    else {
        // Nothing linked under that name: nothing to remove.
        return Ok(());
    };
    let link: Link =
        serde_json::from_value(stored).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store
        .doc_delete(KIND, &pool.id, &key(provider, attribute, value))?;
    if let Some(mut user) = ctx
        .store
        .user_get(&pool.id, &link.username)?
        .filter(|u| u.sub == link.sub)
    {
        remove_identity(&mut user, provider, value);
        user.modified = ctx.now();
        ctx.store.user_put(&user)?;
    }
    Ok(())
}

/// The existing user a provider's checked claims are linked to, if any.
pub(crate) fn linked_user(
    ctx: &Ctx,
    pool: &UserPool,
    idp: &IdentityProvider,
    claims: &Map<String, Value>,
) -> Result<Option<User>, ApiError> {
    for (_, data) in ctx.store.doc_list(KIND, &pool.id)? {
        let Ok(link) = serde_json::from_value::<Link>(data) else {
            continue;
        };
        if link.provider != idp.name {
            continue;
        }
        let claim = if link.attribute == SUBJECT {
            "sub"
        } else {
            link.attribute.as_str()
        };
        let matches = match claims.get(claim) {
            Some(Value::String(s)) => *s == link.value,
            Some(Value::Number(n)) => n.to_string() == link.value,
            _ => false,
        };
        if !matches {
            continue;
        }
        if let Some(user) = ctx
            .store
            .user_get(&pool.id, &link.username)?
            .filter(|u| u.sub == link.sub)
        {
            return Ok(Some(user));
        }
    }
    Ok(None)
}

/// The `identities` attribute's entry of a user of `idp` with id `user_id`.
pub(crate) fn identity_entry(
    idp: &IdentityProvider,
    user_id: &str,
    primary: bool,
    now: i64,
) -> Value {
    json!({
        "userId": user_id,
        "providerName": idp.name,
        "providerType": idp.kind.as_str(),
        "issuer": Value::Null,
        "primary": primary.to_string(),
        "dateCreated": now.saturating_mul(1000).to_string(),
    })
}

fn identities(user: &User) -> Vec<Value> {
    user.attributes
        .get("identities")
        .and_then(|s| serde_json::from_str::<Vec<Value>>(s).ok())
        .unwrap_or_default()
}

fn add_identity(user: &mut User, idp: &IdentityProvider, user_id: &str, now: i64) {
    let mut list = identities(user);
    list.retain(|e| !(e["providerName"] == idp.name.as_str() && e["userId"] == user_id));
    list.push(identity_entry(idp, user_id, false, now));
    user.attributes
        .insert("identities".into(), Value::Array(list).to_string());
}

fn remove_identity(user: &mut User, provider: &str, user_id: &str) {
    let mut list = identities(user);
    list.retain(|e| !(e["providerName"] == provider && e["userId"] == user_id));
    if list.is_empty() {
        user.attributes.remove("identities");
    } else {
        user.attributes
            .insert("identities".into(), Value::Array(list).to_string());
    }
}
