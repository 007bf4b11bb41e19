//! A user pool's domain: a prefix domain (`{prefix}.auth.{region}.amazoncognito.com` at AWS,
//! `{prefix}.auth.localhost:{port}` here) or a custom domain (recorded with its certificate,
//! served here under its own name in the `Host` header). One domain per pool; a domain belongs
//! to one pool.

use cognate_model::idp::types as t;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;
use crate::services::Ctx;
use crate::store::{Change, RecordKind};

/// The key of a pool's domain record (scope: the pool id).
const KEY: &str = "domain";
/// The scope of the domain → pool index.
const INDEX: &str = "domains";

/// A pool's domain, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Domain {
    /// The prefix, or the full custom domain name.
    pub name: String,
    /// The owning pool.
    pub pool_id: String,
    /// `CustomDomainConfig` of a custom domain.
    pub custom: Option<t::CustomDomainConfigType>,
    /// `ManagedLoginVersion` (1: classic hosted UI, 2: managed login).
    pub managed_login_version: i32,
    /// Creation time.
    pub created: i64,
}

impl Domain {
    /// The `Host` (with port) this server answers the domain on: `{prefix}.auth.localhost:{port}`
    /// for a prefix domain, the custom name (with the port) for a custom one.
    pub(crate) fn local_host(&self, ctx: &Ctx) -> String {
        let port = local_port(ctx);
        if self.custom.is_some() {
            format!("{}:{port}", self.name)
        } else {
            format!("{}.auth.localhost:{port}", self.name)
        }
    }

    /// `DomainDescription` of DescribeUserPoolDomain.
    pub(crate) fn describe(&self, ctx: &Ctx) -> t::DomainDescriptionType {
        t::DomainDescriptionType {
            aws_account_id: Some("000000000000".into()),
            cloud_front_distribution: Some(self.local_host(ctx)),
            custom_domain_config: self.custom.clone(),
            domain: Some(self.name.clone()),
            managed_login_version: Some(self.managed_login_version),
            routing: None,
            s3_bucket: Some("aws-cognito-prod-local-assets".into()),
            status: Some(t::DomainStatusType::Active),
            user_pool_id: Some(self.pool_id.clone()),
            version: Some(self.created.to_string()),
        }
    }
}

/// The port this server listens on (from its base URL).
pub(crate) fn local_port(ctx: &Ctx) -> u16 {
    ctx.local_base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(80)
}

/// The domain of `pool_id`, if it has one.
pub(crate) fn of_pool(ctx: &Ctx, pool_id: &str) -> Result<Option<Domain>, ApiError> {
    Ok(ctx
        .store
        .doc_get(RecordKind::UserPoolDomain, pool_id, KEY)?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// The domain named `name` (a prefix or a custom name), if a pool has it now.
pub(crate) fn find(ctx: &Ctx, name: &str) -> Result<Option<Domain>, ApiError> {
    let Some(pool_id) = ctx
        .store
        .doc_get(RecordKind::DomainIndex, INDEX, name)?
        .and_then(|v| v.get("pool_id").and_then(|p| p.as_str()).map(str::to_owned))
    else {
        return Ok(None);
    };
    // The index outlives a deleted pool: only the pool's own record counts.
    Ok(of_pool(ctx, &pool_id)?.filter(|d| d.name == name))
}

/// The domain a request's `Host` header names: `{prefix}.auth.localhost[:port]`, or a custom
/// domain's name.
pub(crate) fn from_host(ctx: &Ctx, host: &str) -> Result<Option<Domain>, ApiError> {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let name = name.to_ascii_lowercase();
    if let Some(prefix) = name.strip_suffix(".auth.localhost") {
        return Ok(find(ctx, prefix)?.filter(|d| d.custom.is_none()));
    }
    Ok(find(ctx, &name)?.filter(|d| d.custom.is_some()))
}

/// CreateUserPoolDomain.
pub(crate) fn create(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    custom: Option<t::CustomDomainConfigType>,
    managed_login_version: Option<i32>,
) -> Result<Domain, ApiError> {
    ctx.pool(pool_id)?;
    if custom.is_none() {
        for word in ["aws", "amazon", "cognito"] {
            if name.contains(word) {
                return Err(ApiError::invalid(format!(
                    "Domain cannot contain reserved word: {word}"
                )));
            }
        }
    }
    if of_pool(ctx, pool_id)?.is_some() {
        return Err(ApiError::invalid(format!(
            "User pool {pool_id} already has a domain configured."
        )));
    }
    if find(ctx, name)?.is_some() {
        return Err(ApiError::invalid(
            "Domain already associated with another user pool.",
        ));
    }
    let domain = Domain {
        name: name.to_owned(),
        pool_id: pool_id.to_owned(),
        custom,
        managed_login_version: managed_login_version.unwrap_or(1),
        created: ctx.now(),
    };
    save(ctx, &domain)?;
    Ok(domain)
}

fn save(ctx: &Ctx, domain: &Domain) -> Result<(), ApiError> {
    let data = serde_json::to_value(domain).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.apply(vec![
        Change::PutDoc {
            kind: RecordKind::UserPoolDomain,
            scope: domain.pool_id.clone(),
            key: KEY.into(),
            data,
        },
        Change::PutDoc {
            kind: RecordKind::DomainIndex,
            scope: INDEX.into(),
            key: domain.name.clone(),
            data: json!({"pool_id": domain.pool_id}),
        },
    ])?;
    Ok(())
}

/// The domain `name` of `pool_id`, or AWS's error for a domain the pool does not have.
fn owned(ctx: &Ctx, pool_id: &str, name: &str) -> Result<Domain, ApiError> {
    ctx.pool(pool_id)?;
    of_pool(ctx, pool_id)?
        .filter(|d| d.name == name)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "No such domain or user pool exists: {name} / {pool_id}"
            ))
        })
}

/// UpdateUserPoolDomain: the custom domain's certificate, the managed-login version.
pub(crate) fn update(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    custom: Option<t::CustomDomainConfigType>,
    managed_login_version: Option<i32>,
) -> Result<Domain, ApiError> {
    let mut domain = owned(ctx, pool_id, name)?;
    if let Some(c) = custom {
        if domain.custom.is_none() {
            return Err(ApiError::invalid(
                "CustomDomainConfig can only be set on a custom domain.",
            ));
        }
        domain.custom = Some(c);
    }
    if let Some(v) = managed_login_version {
        domain.managed_login_version = v;
    }
    save(ctx, &domain)?;
    Ok(domain)
}

/// DeleteUserPoolDomain.
pub(crate) fn delete(ctx: &Ctx, pool_id: &str, name: &str) -> Result<(), ApiError> {
    let domain = owned(ctx, pool_id, name)?;
    ctx.store.apply(vec![
        Change::DeleteDoc {
            kind: RecordKind::UserPoolDomain,
            scope: domain.pool_id.clone(),
            key: KEY.into(),
        },
        Change::DeleteDoc {
            kind: RecordKind::DomainIndex,
            scope: INDEX.into(),
            key: domain.name,
        },
    ])?;
    Ok(())
}
