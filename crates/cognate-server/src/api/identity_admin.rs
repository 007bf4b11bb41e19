//! Identity-pool operations beyond pools and credentials (`services::identities`,
//! `services::tags`): DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity,
//! developer-authenticated identities (GetOpenIdTokenForDeveloperIdentity,
//! LookupDeveloperIdentity, MergeDeveloperIdentities, UnlinkDeveloperIdentity),
//! Get/SetPrincipalTagAttributeMap, and TagResource / UntagResource / ListTagsForResource.

use std::collections::BTreeMap;

use cognate_model::identity::ErrorKind as E;
use cognate_model::identity::Operation as O;
use cognate_model::identity::types as t;
use serde_json::{Map, Value, json};

use super::{page, reply, typed};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::identities::{
    self, DEVELOPER_TOKEN_SECS, Identity, check_developer_provider, developer_link,
};
use crate::services::identity::{OPENID_PROVIDER, POOL, SCOPE, check_login, load_pool};
use crate::services::tags::{self, Resource};

macro_rules! req {
    ($body:expr) => {
        match typed($body) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        }
    };
}

/// Runs `op` if it is one of these; `None` otherwise.
pub(crate) fn call(ctx: &Ctx, op: O, body: &Map<String, Value>) -> Option<Result<Value, ApiError>> {
    Some(match op {
        O::DescribeIdentity => describe(ctx, req!(body)),
        O::ListIdentities => list(ctx, req!(body)),
        O::DeleteIdentities => delete(ctx, req!(body)),
        O::UnlinkIdentity => unlink(ctx, req!(body)),
        O::GetOpenIdTokenForDeveloperIdentity => developer_token(ctx, req!(body)),
        O::LookupDeveloperIdentity => lookup(ctx, req!(body)),
        O::MergeDeveloperIdentities => merge(ctx, req!(body)),
        O::UnlinkDeveloperIdentity => unlink_developer(ctx, req!(body)),
        O::GetPrincipalTagAttributeMap => get_tag_map(ctx, req!(body)),
        O::SetPrincipalTagAttributeMap => set_tag_map(ctx, req!(body)),
        O::TagResource => {
            let r: t::TagResourceInput = req!(body);
            change_tags(ctx, &r.resource_arn, &r.tags, &[])
        }
        O::UntagResource => {
            let r: t::UntagResourceInput = req!(body);
            change_tags(ctx, &r.resource_arn, &BTreeMap::new(), &r.tag_keys)
        }
        O::ListTagsForResource => list_tags(ctx, req!(body)),
        _ => return None,
    })
}

fn description(i: &Identity) -> t::IdentityDescription {
    t::IdentityDescription {
        identity_id: Some(i.id.clone()),
        logins: Some(i.providers()),
        creation_date: Some(i.created as f64),
        last_modified_date: Some(i.modified as f64),
    }
}

fn describe(ctx: &Ctx, req: t::DescribeIdentityInput) -> Result<Value, ApiError> {
    let identity = identities::get(ctx, &req.identity_id)?;
    super::reply_whole_seconds(&description(&identity))
}

fn list(ctx: &Ctx, req: t::ListIdentitiesInput) -> Result<Value, ApiError> {
    load_pool(ctx, &req.identity_pool_id)?;
    let all: Vec<t::IdentityDescription> = identities::of_pool(ctx, &req.identity_pool_id)?
        .iter()
        .map(description)
        .collect();
    let (items, next_token) = page(all, Some(req.max_results), req.next_token.as_deref())?;
    super::reply_whole_seconds(&t::ListIdentitiesResponse {
        identity_pool_id: Some(req.identity_pool_id),
        identities: Some(items),
        next_token,
    })
}

fn delete(ctx: &Ctx, req: t::DeleteIdentitiesInput) -> Result<Value, ApiError> {
    for id in &req.identity_ids_to_delete {
        identities::delete(ctx, id)?;
    }
    reply(&t::DeleteIdentitiesResponse {
        unprocessed_identity_ids: Some(Vec::new()),
    })
}

/// UnlinkIdentity: `Logins` must authenticate the identity; the logins of the providers in
/// `LoginsToRemove` are unlinked.
fn unlink(ctx: &Ctx, req: t::UnlinkIdentityInput) -> Result<Value, ApiError> {
    let identity = identities::get(ctx, &req.identity_id)?;
    let pool = load_pool(ctx, &identity.pool_id)?;
    let mut proved = false;
    for (key, token) in &req.logins {
        let login = check_login(ctx, &pool, key, token)?;
        proved |= identity.links.contains(&login.link());
    }
    if !proved {
        return Err(ApiError::new(
            E::NotAuthorizedException,
            "Logins don't match. Please include at least one valid login for this identity or identity pool.",
        ));
    }
    let remove: Vec<String> = identity
        .links
        .iter()
        .filter(|l| identities::provider_of(l).is_some_and(|p| req.logins_to_remove.contains(&p)))
        .cloned()
        .collect();
    identities::unlink(ctx, identity, &remove)?;
    Ok(json!({}))
}

/// GetOpenIdTokenForDeveloperIdentity: the developer user (the pool's developer provider in
/// `Logins`) is linked to `IdentityId`, to the identity it is linked to already, or to a new
/// one; other logins in `Logins` are checked and linked too.
fn developer_token(
    ctx: &Ctx,
    req: t::GetOpenIdTokenForDeveloperIdentityInput,
) -> Result<Value, ApiError> {
    let pool = load_pool(ctx, &req.identity_pool_id)?;
    let developer = pool
        .get("DeveloperProviderName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut links = Vec::new();
    let mut amr = vec!["authenticated".to_owned()];
    for (key, value) in &req.logins {
        if !developer.is_empty() && *key == developer {
            links.push(developer_link(key, value));
            amr.push(key.clone());
            amr.push(format!("{key}:{}:{value}", req.identity_pool_id));
        } else {
            let login = check_login(ctx, &pool, key, value)?;
            amr.push(login.provider.clone());
            links.push(login.link());
        }
    }
    if links.is_empty() {
        return Err(ApiError::invalid("Logins must name at least one login."));
    }
    let mut owner = None;
    for link in &links {
        if let Some(id) = identities::by_link(ctx, &req.identity_pool_id, link)? {
            match (&req.identity_id, &owner) {
                (Some(given), _) if *given != id => {
                    return Err(ApiError::new(
                        E::DeveloperUserAlreadyRegisteredException,
                        "The developer user is already registered with another identity.",
                    ));
                }
                (_, Some(o)) if *o != id => {
                    return Err(ApiError::new(
                        E::ResourceConflictException,
                        "The logins belong to different identities.",
                    ));
                }
                _ => owner = Some(id),
            }
        }
    }
    let identity = match req.identity_id.clone().or(owner) {
        Some(id) => {
            let i = identities::get(ctx, &id)?;
            if i.pool_id != req.identity_pool_id {
                return Err(ApiError::new(
                    E::ResourceNotFoundException,
                    format!("Identity '{id}' not found."),
                ));
            }
            i
        }
        None => identities::create(ctx, &req.identity_pool_id)?,
    };
    links.push(format!("{}:{}", OPENID_PROVIDER, identity.id));
    let identity = identities::link(ctx, identity, &links)?;
    let secs = req.token_duration.unwrap_or(DEVELOPER_TOKEN_SECS);
    let token = identities::openid_token(
        ctx,
        &identity.id,
        &req.identity_pool_id,
        amr,
        req.principal_tags.as_ref(),
        secs,
    )?;
    Ok(json!({ "IdentityId": identity.id, "Token": token }))
}

fn lookup(ctx: &Ctx, req: t::LookupDeveloperIdentityInput) -> Result<Value, ApiError> {
    let pool = load_pool(ctx, &req.identity_pool_id)?;
    let developer = pool
        .get("DeveloperProviderName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let not_found = || ApiError::new(E::ResourceNotFoundException, "Identity not found.");
    let id = match (&req.identity_id, &req.developer_user_identifier) {
        (Some(id), _) => id.clone(),
        (None, Some(user)) => identities::by_link(
            ctx,
            &req.identity_pool_id,
            &developer_link(&developer, user),
        )?
        .ok_or_else(not_found)?,
        (None, None) => {
            return Err(ApiError::invalid(
                "Either IdentityId or DeveloperUserIdentifier must be given.",
            ));
        }
    };
    let identity = identities::get(ctx, &id)?;
    if identity.pool_id != req.identity_pool_id {
        return Err(not_found());
    }
    let users = identities::developer_users(&identity, &developer);
    if let Some(user) = &req.developer_user_identifier
        && !users.contains(user)
    {
        return Err(ApiError::new(
            E::ResourceConflictException,
            "The developer user identifier is not linked to this identity.",
        ));
    }
    let max = req.max_results.unwrap_or(60);
    let (items, next_token) = page(users, Some(max), req.next_token.as_deref())?;
    let mut out = json!({ "IdentityId": identity.id, "DeveloperUserIdentifierList": items });
    if let Some(n) = next_token {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

/// MergeDeveloperIdentities: the source user's identity's links move to the destination
/// user's identity, and the source identity goes.
fn merge(ctx: &Ctx, req: t::MergeDeveloperIdentitiesInput) -> Result<Value, ApiError> {
    let pool = load_pool(ctx, &req.identity_pool_id)?;
    check_developer_provider(&pool, &req.developer_provider_name)?;
    let find = |user: &str| -> Result<Identity, ApiError> {
        let link = developer_link(&req.developer_provider_name, user);
        let id = identities::by_link(ctx, &req.identity_pool_id, &link)?.ok_or_else(|| {
            ApiError::new(
                E::ResourceNotFoundException,
                format!("Developer user {user} not found."),
            )
        })?;
        identities::get(ctx, &id)
    };
    let source = find(&req.source_user_identifier)?;
    let destination = find(&req.destination_user_identifier)?;
    if source.id == destination.id {
        return Ok(json!({ "IdentityId": destination.id }));
    }
    let moved: Vec<String> = source
        .links
        .iter()
        .filter(|l| !l.starts_with(OPENID_PROVIDER))
        .cloned()
        .collect();
    identities::delete(ctx, &source.id)?;
    let destination = identities::link(ctx, destination, &moved)?;
    Ok(json!({ "IdentityId": destination.id }))
}

fn unlink_developer(ctx: &Ctx, req: t::UnlinkDeveloperIdentityInput) -> Result<Value, ApiError> {
    let pool = load_pool(ctx, &req.identity_pool_id)?;
    check_developer_provider(&pool, &req.developer_provider_name)?;
    let identity = identities::get(ctx, &req.identity_id)?;
    let link = developer_link(&req.developer_provider_name, &req.developer_user_identifier);
    if identity.pool_id != req.identity_pool_id || !identity.links.contains(&link) {
        return Err(ApiError::new(
            E::ResourceNotFoundException,
            "The developer user is not linked to this identity.",
        ));
    }
    identities::unlink(ctx, identity, &[link])?;
    Ok(json!({}))
}

/// Whether `name` is one of the identity pool's providers.
fn has_provider(pool: &Map<String, Value>, name: &str) -> bool {
    let cognito = pool
        .get("CognitoIdentityProviders")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|p| p["ProviderName"].as_str() == Some(name)));
    let supported = pool
        .get("SupportedLoginProviders")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(name));
    let arns = ["OpenIdConnectProviderARNs", "SamlProviderARNs"]
        .iter()
        .any(|k| {
            pool.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(name)))
        });
    cognito || supported || arns
}

fn tag_map_pool(ctx: &Ctx, pool_id: &str, provider: &str) -> Result<Map<String, Value>, ApiError> {
    let pool = load_pool(ctx, pool_id)?;
    if !has_provider(&pool, provider) {
        return Err(ApiError::new(
            E::ResourceNotFoundException,
            format!("Identity provider {provider} is not configured for identity pool {pool_id}."),
        ));
    }
    Ok(pool)
}

fn get_tag_map(ctx: &Ctx, req: t::GetPrincipalTagAttributeMapInput) -> Result<Value, ApiError> {
    let pool = tag_map_pool(ctx, &req.identity_pool_id, &req.identity_provider_name)?;
    let stored = pool
        .get("PrincipalTagMaps")
        .and_then(|m| m.get(&req.identity_provider_name))
        .cloned()
        .unwrap_or_else(|| json!({"UseDefaults": false, "PrincipalTags": {}}));
    Ok(json!({
        "IdentityPoolId": req.identity_pool_id,
        "IdentityProviderName": req.identity_provider_name,
        "UseDefaults": stored["UseDefaults"],
        "PrincipalTags": stored["PrincipalTags"],
    }))
}

fn set_tag_map(ctx: &Ctx, req: t::SetPrincipalTagAttributeMapInput) -> Result<Value, ApiError> {
    let mut pool = tag_map_pool(ctx, &req.identity_pool_id, &req.identity_provider_name)?;
    let entry = json!({
        "UseDefaults": req.use_defaults.unwrap_or(false),
        "PrincipalTags": req.principal_tags.clone().unwrap_or_default(),
    });
    let maps = pool.entry("PrincipalTagMaps").or_insert_with(|| json!({}));
    maps[&req.identity_provider_name] = entry.clone();
    ctx.store
        .doc_put(POOL, SCOPE, &req.identity_pool_id, &Value::Object(pool))?;
    Ok(json!({
        "IdentityPoolId": req.identity_pool_id,
        "IdentityProviderName": req.identity_provider_name,
        "UseDefaults": entry["UseDefaults"],
        "PrincipalTags": entry["PrincipalTags"],
    }))
}

fn resource(arn: &str) -> Result<Resource, ApiError> {
    match tags::parse_arn(arn) {
        Some(r @ Resource::IdentityPool(_)) => Ok(r),
        _ => Err(ApiError::new(
            E::InvalidParameterException,
            format!("Invalid ARN {arn}: not an identity pool ARN."),
        )),
    }
}

fn change_tags(
    ctx: &Ctx,
    arn: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<Value, ApiError> {
    tags::change(ctx, &resource(arn)?, add, remove)?;
    Ok(json!({}))
}

fn list_tags(ctx: &Ctx, req: t::ListTagsForResourceInput) -> Result<Value, ApiError> {
    let tags = tags::list(ctx, &resource(&req.resource_arn)?)?;
    reply(&t::ListTagsForResourceResponse { tags: Some(tags) })
}
