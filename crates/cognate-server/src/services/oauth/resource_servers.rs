//! Resource servers: an identifier (often the API's URL) and the custom scopes it defines,
//! which app clients may allow and tokens may carry as `{identifier}/{scope}`.

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::services::Ctx;
use crate::store::RecordKind;

const KIND: RecordKind = RecordKind::ResourceServer;

/// At most this many resource servers per pool (Cognito's quota).
const MAX_PER_POOL: usize = 25;

/// One custom scope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Scope {
    /// `ScopeName`.
    pub name: String,
    /// `ScopeDescription`.
    pub description: String,
}

/// A resource server, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ResourceServer {
    /// The owning pool.
    pub pool_id: String,
    /// `Identifier`.
    pub identifier: String,
    /// `Name`.
    pub name: String,
    /// `Scopes`.
    pub scopes: Vec<Scope>,
}

impl ResourceServer {
    /// The model's `ResourceServerType`.
    pub(crate) fn to_type(&self) -> t::ResourceServerType {
        t::ResourceServerType {
            identifier: Some(self.identifier.clone()),
            managed_by: None,
            name: Some(self.name.clone()),
            scopes: Some(
                self.scopes
                    .iter()
                    .map(|s| t::ResourceServerScopeType {
                        scope_description: s.description.clone(),
                        scope_name: s.name.clone(),
                    })
                    .collect(),
            ),
            user_pool_id: Some(self.pool_id.clone()),
        }
    }

    /// Whether it defines `scope` (the part after `{identifier}/`).
    pub(crate) fn defines(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s.name == scope)
    }
}

fn scopes_of(given: Option<Vec<t::ResourceServerScopeType>>) -> Result<Vec<Scope>, ApiError> {
    let mut out: Vec<Scope> = Vec::new();
    for s in given.unwrap_or_default() {
        if out.iter().any(|o| o.name == s.scope_name) {
            return Err(ApiError::invalid(format!(
                "Duplicate scope name: {}",
                s.scope_name
            )));
        }
        out.push(Scope {
            name: s.scope_name,
            description: s.scope_description,
        });
    }
    Ok(out)
}

fn not_found(identifier: &str, pool_id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Resource server {identifier} does not exist in user pool {pool_id}."),
    )
}

fn store(ctx: &Ctx, rs: &ResourceServer) -> Result<(), ApiError> {
    let data = serde_json::to_value(rs).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store
        .doc_put(KIND, &rs.pool_id, &rs.identifier, &data)?;
    Ok(())
}

/// A resource server of a pool, if it exists.
pub(crate) fn get(
    ctx: &Ctx,
    pool_id: &str,
    identifier: &str,
) -> Result<Option<ResourceServer>, ApiError> {
    Ok(ctx
        .store
        .doc_get(KIND, pool_id, identifier)?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// Every resource server of a pool, oldest first.
pub(crate) fn list(ctx: &Ctx, pool_id: &str) -> Result<Vec<ResourceServer>, ApiError> {
    Ok(ctx
        .store
        .doc_list(KIND, pool_id)?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_value(v).ok())
        .collect())
}

/// CreateResourceServer.
pub(crate) fn create(
    ctx: &Ctx,
    pool_id: &str,
    identifier: &str,
    name: &str,
    scopes: Option<Vec<t::ResourceServerScopeType>>,
) -> Result<ResourceServer, ApiError> {
    ctx.pool(pool_id)?;
    if get(ctx, pool_id, identifier)?.is_some() {
        return Err(ApiError::invalid(format!(
            "{identifier} already exists in pool {pool_id}."
        )));
    }
    if list(ctx, pool_id)?.len() >= MAX_PER_POOL {
        return Err(ApiError::new(
            E::LimitExceededException,
            format!("Resource server limit of {MAX_PER_POOL} exceeded for user pool {pool_id}."),
        ));
    }
    let rs = ResourceServer {
        pool_id: pool_id.to_owned(),
        identifier: identifier.to_owned(),
        name: name.to_owned(),
        scopes: scopes_of(scopes)?,
    };
    store(ctx, &rs)?;
    Ok(rs)
}

/// DescribeResourceServer.
pub(crate) fn describe(
    ctx: &Ctx,
    pool_id: &str,
    identifier: &str,
) -> Result<ResourceServer, ApiError> {
    ctx.pool(pool_id)?;
    get(ctx, pool_id, identifier)?.ok_or_else(|| not_found(identifier, pool_id))
}

/// UpdateResourceServer: replaces the name and the scopes (scopes left out are removed, as
/// Cognito documents).
pub(crate) fn update(
    ctx: &Ctx,
    pool_id: &str,
    identifier: &str,
    name: &str,
    scopes: Option<Vec<t::ResourceServerScopeType>>,
) -> Result<ResourceServer, ApiError> {
    let mut rs = describe(ctx, pool_id, identifier)?;
    rs.name = name.to_owned();
    rs.scopes = scopes_of(scopes)?;
    store(ctx, &rs)?;
    Ok(rs)
}

/// DeleteResourceServer.
pub(crate) fn delete(ctx: &Ctx, pool_id: &str, identifier: &str) -> Result<(), ApiError> {
    describe(ctx, pool_id, identifier)?;
    ctx.store.doc_delete(KIND, pool_id, identifier)?;
    Ok(())
}
