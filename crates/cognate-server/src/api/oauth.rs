//! CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain, DeleteUserPoolDomain;
//! CreateResourceServer, DescribeResourceServer, ListResourceServers, UpdateResourceServer,
//! DeleteResourceServer; CreateIdentityProvider, DescribeIdentityProvider,
//! GetIdentityProviderByIdentifier, ListIdentityProviders, UpdateIdentityProvider,
//! DeleteIdentityProvider.

use cognate_model::idp::types as t;
use serde_json::Value;

use super::{reply, reply_whole_seconds};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::oauth::{domains, identity_providers, links, resource_servers};

/// CreateUserPoolDomain.
pub(crate) fn create_domain(
    ctx: &Ctx,
    req: t::CreateUserPoolDomainRequest,
) -> Result<Value, ApiError> {
    let domain = domains::create(
        ctx,
        &req.user_pool_id,
        &req.domain,
        req.custom_domain_config,
        req.managed_login_version,
    )?;
    reply(&t::CreateUserPoolDomainResponse {
        cloud_front_domain: domain.custom.as_ref().map(|_| domain.local_host(ctx)),
        managed_login_version: Some(domain.managed_login_version),
        routing: None,
    })
}

/// DescribeUserPoolDomain: an empty `DomainDescription` for a domain no pool has, as Cognito
/// answers.
pub(crate) fn describe_domain(
    ctx: &Ctx,
    req: t::DescribeUserPoolDomainRequest,
) -> Result<Value, ApiError> {
    let description = domains::find(ctx, &req.domain)?
        .map(|d| d.describe(ctx))
        .unwrap_or_default();
    reply(&t::DescribeUserPoolDomainResponse {
        domain_description: Some(description),
    })
}

/// UpdateUserPoolDomain.
pub(crate) fn update_domain(
    ctx: &Ctx,
    req: t::UpdateUserPoolDomainRequest,
) -> Result<Value, ApiError> {
    let domain = domains::update(
        ctx,
        &req.user_pool_id,
        &req.domain,
        req.custom_domain_config,
        req.managed_login_version,
    )?;
    reply(&t::UpdateUserPoolDomainResponse {
        cloud_front_domain: domain.custom.as_ref().map(|_| domain.local_host(ctx)),
        managed_login_version: Some(domain.managed_login_version),
        routing: None,
    })
}

/// DeleteUserPoolDomain.
pub(crate) fn delete_domain(
    ctx: &Ctx,
    req: t::DeleteUserPoolDomainRequest,
) -> Result<Value, ApiError> {
    domains::delete(ctx, &req.user_pool_id, &req.domain)?;
    reply(&t::DeleteUserPoolDomainResponse {})
}

/// CreateResourceServer.
pub(crate) fn create_resource_server(
    ctx: &Ctx,
    req: t::CreateResourceServerRequest,
) -> Result<Value, ApiError> {
    let rs = resource_servers::create(
        ctx,
        &req.user_pool_id,
        &req.identifier,
        &req.name,
        req.scopes,
    )?;
    reply(&t::CreateResourceServerResponse {
        resource_server: rs.to_type(),
    })
}

/// DescribeResourceServer.
pub(crate) fn describe_resource_server(
    ctx: &Ctx,
    req: t::DescribeResourceServerRequest,
) -> Result<Value, ApiError> {
    let rs = resource_servers::describe(ctx, &req.user_pool_id, &req.identifier)?;
    reply(&t::DescribeResourceServerResponse {
        resource_server: rs.to_type(),
    })
}

/// ListResourceServers.
pub(crate) fn list_resource_servers(
    ctx: &Ctx,
    req: t::ListResourceServersRequest,
) -> Result<Value, ApiError> {
    ctx.pool(&req.user_pool_id)?;
    let all = resource_servers::list(ctx, &req.user_pool_id)?;
    // 1..=50, as the model's ListResourceServersLimitType checked.
    let max = req.max_results.unwrap_or(50).max(1) as usize;
    let offset = super::parse_offset(req.next_token.as_deref())? as usize;
    let page = all
        .iter()
        .skip(offset)
        .take(max)
        .map(|r| r.to_type())
        .collect();
    let next = offset.saturating_add(max);
    reply(&t::ListResourceServersResponse {
        next_token: (next < all.len()).then(|| super::offset_token(next as u64)),
        resource_servers: page,
    })
}

/// UpdateResourceServer.
pub(crate) fn update_resource_server(
    ctx: &Ctx,
    req: t::UpdateResourceServerRequest,
) -> Result<Value, ApiError> {
    let rs = resource_servers::update(
        ctx,
        &req.user_pool_id,
        &req.identifier,
        &req.name,
        req.scopes,
    )?;
    reply(&t::UpdateResourceServerResponse {
        resource_server: rs.to_type(),
    })
}

/// DeleteResourceServer.
pub(crate) fn delete_resource_server(
    ctx: &Ctx,
    req: t::DeleteResourceServerRequest,
) -> Result<Value, ApiError> {
    resource_servers::delete(ctx, &req.user_pool_id, &req.identifier)?;
    Ok(serde_json::json!({}))
}

/// CreateIdentityProvider.
pub(crate) fn create_identity_provider(
    ctx: &Ctx,
    req: t::CreateIdentityProviderRequest,
) -> Result<Value, ApiError> {
    let idp = identity_providers::create(ctx, req)?;
    reply_whole_seconds(&t::CreateIdentityProviderResponse {
        identity_provider: idp.to_type(),
    })
}

/// DescribeIdentityProvider.
pub(crate) fn describe_identity_provider(
    ctx: &Ctx,
    req: t::DescribeIdentityProviderRequest,
) -> Result<Value, ApiError> {
    let idp = identity_providers::describe(ctx, &req.user_pool_id, &req.provider_name)?;
    reply_whole_seconds(&t::DescribeIdentityProviderResponse {
        identity_provider: idp.to_type(),
    })
}

/// GetIdentityProviderByIdentifier.
pub(crate) fn get_identity_provider_by_identifier(
    ctx: &Ctx,
    req: t::GetIdentityProviderByIdentifierRequest,
) -> Result<Value, ApiError> {
    let idp = identity_providers::by_identifier(ctx, &req.user_pool_id, &req.idp_identifier)?;
    reply_whole_seconds(&t::GetIdentityProviderByIdentifierResponse {
        identity_provider: idp.to_type(),
    })
}

/// ListIdentityProviders.
pub(crate) fn list_identity_providers(
    ctx: &Ctx,
    req: t::ListIdentityProvidersRequest,
) -> Result<Value, ApiError> {
    ctx.pool(&req.user_pool_id)?;
    let all = identity_providers::list(ctx, &req.user_pool_id)?;
    let max = req.max_results.unwrap_or(60).max(1) as usize;
    let offset = super::parse_offset(req.next_token.as_deref())? as usize;
    let page = all
        .iter()
        .skip(offset)
        .take(max)
        .map(|p| p.description())
        .collect();
    let next = offset.saturating_add(max);
    reply_whole_seconds(&t::ListIdentityProvidersResponse {
        next_token: (next < all.len()).then(|| super::offset_token(next as u64)),
        providers: page,
    })
}

/// UpdateIdentityProvider.
pub(crate) fn update_identity_provider(
    ctx: &Ctx,
    req: t::UpdateIdentityProviderRequest,
) -> Result<Value, ApiError> {
    let idp = identity_providers::update(ctx, req)?;
    reply_whole_seconds(&t::UpdateIdentityProviderResponse {
        identity_provider: idp.to_type(),
    })
}

/// DeleteIdentityProvider.
pub(crate) fn delete_identity_provider(
    ctx: &Ctx,
    req: t::DeleteIdentityProviderRequest,
) -> Result<Value, ApiError> {
    identity_providers::delete(ctx, &req.user_pool_id, &req.provider_name)?;
    Ok(serde_json::json!({}))
}

/// AdminLinkProviderForUser.
pub(crate) fn admin_link_provider(
    ctx: &Ctx,
    req: t::AdminLinkProviderForUserRequest,
) -> Result<Value, ApiError> {
    links::link(ctx, req)?;
    Ok(serde_json::json!({}))
}

/// AdminDisableProviderForUser.
pub(crate) fn admin_disable_provider(
    ctx: &Ctx,
    req: t::AdminDisableProviderForUserRequest,
) -> Result<Value, ApiError> {
    links::disable(ctx, req)?;
    Ok(serde_json::json!({}))
}
