//! What the hosted pages look like and link to, stored and answered as modeled
//! (`services::config_docs`): Get/SetUICustomization (classic hosted UI), managed-login
//! branding (Create/Describe/DescribeByClient/Update/Delete), and terms documents
//! (Create/Describe/DescribeByClient/List/Update/Delete).

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde_json::{Value, json};

use super::{page, reply_whole_seconds, timestamp};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::config_docs::{self as docs, Collection};

/// The key of a pool-wide UI customization.
const ALL: &str = "ALL";

fn checked_client(ctx: &Ctx, pool_id: &str, client: Option<&str>) -> Result<String, ApiError> {
    match client {
        Some(c) if c != ALL => Ok(ctx.pool_client(pool_id, c)?.id),
        _ => Ok(ALL.to_owned()),
    }
}

/// GetUICustomization: the client's, else the pool's, else an empty one.
pub(crate) fn get_ui(ctx: &Ctx, req: t::GetUICustomizationRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = checked_client(ctx, &pool.id, req.client_id.as_deref())?;
    let found: Option<t::UICustomizationType> =
        match docs::get(ctx, &pool.id, Collection::UiCustomization, &client)? {
            Some(c) => Some(c),
            None => docs::get(ctx, &pool.id, Collection::UiCustomization, ALL)?,
        };
    let ui = found.unwrap_or_else(|| t::UICustomizationType {
        user_pool_id: Some(pool.id.clone()),
        client_id: Some(client),
        ..Default::default()
    });
    reply_whole_seconds(&t::GetUICustomizationResponse {
        ui_customization: ui,
    })
}

/// SetUICustomization: for a client, or (no client, or `ALL`) for the pool.
pub(crate) fn set_ui(ctx: &Ctx, req: t::SetUICustomizationRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = checked_client(ctx, &pool.id, req.client_id.as_deref())?;
    let old: Option<t::UICustomizationType> =
        docs::get(ctx, &pool.id, Collection::UiCustomization, &client)?;
    let now = timestamp(ctx.now());
    let version = old
        .as_ref()
        .and_then(|o| o.css_version.as_deref())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(1, |v| v + 1);
    let ui = t::UICustomizationType {
        user_pool_id: Some(pool.id.clone()),
        client_id: Some(client.clone()),
        css: req.css,
        css_version: Some(version.to_string()),
        image_url: None,
        creation_date: Some(old.and_then(|o| o.creation_date).unwrap_or(now)),
        last_modified_date: Some(now),
    };
    docs::put(ctx, &pool.id, Collection::UiCustomization, &client, &ui)?;
    reply_whole_seconds(&t::SetUICustomizationResponse {
        ui_customization: ui,
    })
}

fn branding_not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Managed login branding {id} does not exist."),
    )
}

fn load_branding(
    ctx: &Ctx,
    pool_id: &str,
    id: &str,
) -> Result<t::ManagedLoginBrandingType, ApiError> {
    docs::get(ctx, pool_id, Collection::Branding, id)?.ok_or_else(|| branding_not_found(id))
}

fn branding_answer(b: t::ManagedLoginBrandingType) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::DescribeManagedLoginBrandingResponse {
        managed_login_branding: Some(b),
    })
}

/// CreateManagedLoginBranding: one style per app client.
pub(crate) fn create_branding(
    ctx: &Ctx,
    req: t::CreateManagedLoginBrandingRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    if docs::get::<String>(ctx, &pool.id, Collection::BrandingOfClient, &client.id)?.is_some() {
        return Err(ApiError::new(
            E::ManagedLoginBrandingExistsException,
            format!(
                "App client {} already has a managed login branding style.",
                client.id
            ),
        ));
    }
    if req.use_cognito_provided_values == Some(true)
        && (req.settings.is_some() || req.assets.is_some())
    {
        return Err(ApiError::invalid(
            "Settings and Assets cannot be given when UseCognitoProvidedValues is true.",
        ));
    }
    let id = docs::new_id();
    let now = timestamp(ctx.now());
    let b = t::ManagedLoginBrandingType {
        managed_login_branding_id: Some(id.clone()),
        user_pool_id: Some(pool.id.clone()),
        use_cognito_provided_values: Some(req.use_cognito_provided_values.unwrap_or(false)),
        settings: req.settings,
        assets: req.assets,
        creation_date: Some(now),
        last_modified_date: Some(now),
    };
    docs::put(ctx, &pool.id, Collection::Branding, &id, &b)?;
    docs::put(ctx, &pool.id, Collection::BrandingOfClient, &client.id, &id)?;
    branding_answer(b)
}

/// DescribeManagedLoginBranding.
pub(crate) fn describe_branding(
    ctx: &Ctx,
    req: t::DescribeManagedLoginBrandingRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    branding_answer(load_branding(
        ctx,
        &pool.id,
        &req.managed_login_branding_id,
    )?)
}

/// DescribeManagedLoginBrandingByClient.
pub(crate) fn describe_branding_by_client(
    ctx: &Ctx,
    req: t::DescribeManagedLoginBrandingByClientRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    let id: String = docs::get(ctx, &pool.id, Collection::BrandingOfClient, &client.id)?
        .ok_or_else(|| {
            ApiError::new(
                E::ResourceNotFoundException,
                format!(
                    "App client {} has no managed login branding style.",
                    client.id
                ),
            )
        })?;
    branding_answer(load_branding(ctx, &pool.id, &id)?)
}

/// UpdateManagedLoginBranding: what the request gives replaces the stored style's.
pub(crate) fn update_branding(
    ctx: &Ctx,
    req: t::UpdateManagedLoginBrandingRequest,
) -> Result<Value, ApiError> {
    let pool_id = req
        .user_pool_id
        .ok_or_else(|| ApiError::missing("UserPoolId"))?;
    let id = req
        .managed_login_branding_id
        .ok_or_else(|| ApiError::missing("ManagedLoginBrandingId"))?;
    let pool = ctx.pool(&pool_id)?;
    let mut b = load_branding(ctx, &pool.id, &id)?;
    if let Some(v) = req.use_cognito_provided_values {
        b.use_cognito_provided_values = Some(v);
        if v {
            b.settings = None;
            b.assets = None;
        }
    }
    if req.settings.is_some() {
        b.settings = req.settings;
    }
    if req.assets.is_some() {
        b.assets = req.assets;
    }
    b.last_modified_date = Some(timestamp(ctx.now()));
    docs::put(ctx, &pool.id, Collection::Branding, &id, &b)?;
    branding_answer(b)
}

/// DeleteManagedLoginBranding.
pub(crate) fn delete_branding(
    ctx: &Ctx,
    req: t::DeleteManagedLoginBrandingRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let id = &req.managed_login_branding_id;
    load_branding(ctx, &pool.id, id)?;
    for (client, branding) in docs::list::<String>(ctx, &pool.id, Collection::BrandingOfClient)? {
        if &branding == id {
            docs::delete(ctx, &pool.id, Collection::BrandingOfClient, &client)?;
        }
    }
    docs::delete(ctx, &pool.id, Collection::Branding, id)?;
    Ok(json!({}))
}

fn terms_not_found(id: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Terms {id} do not exist."),
    )
}

fn load_terms(ctx: &Ctx, pool_id: &str, id: &str) -> Result<t::TermsType, ApiError> {
    docs::get(ctx, pool_id, Collection::Terms, id)?.ok_or_else(|| terms_not_found(id))
}

fn terms_exist(
    ctx: &Ctx,
    pool_id: &str,
    client: &str,
    name: &str,
    except: &str,
) -> Result<(), ApiError> {
    let clash = docs::list::<t::TermsType>(ctx, pool_id, Collection::Terms)?
        .into_iter()
        .any(|(id, terms)| id != except && terms.client_id == client && terms.terms_name == name);
    if clash {
        return Err(ApiError::new(
            E::TermsExistsException,
            format!("Terms named {name} already exist for app client {client}."),
        ));
    }
    Ok(())
}

fn terms_answer(terms: t::TermsType) -> Result<Value, ApiError> {
    reply_whole_seconds(&t::DescribeTermsResponse { terms: Some(terms) })
}

/// CreateTerms.
pub(crate) fn create_terms(ctx: &Ctx, req: t::CreateTermsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    terms_exist(ctx, &pool.id, &client.id, &req.terms_name, "")?;
    let id = docs::new_id();
    let now = timestamp(ctx.now());
    let terms = t::TermsType {
        terms_id: id.clone(),
        user_pool_id: pool.id.clone(),
        client_id: client.id,
        terms_name: req.terms_name,
        terms_source: req.terms_source,
        enforcement: req.enforcement,
        links: req.links.unwrap_or_default(),
        creation_date: now,
        last_modified_date: now,
    };
    docs::put(ctx, &pool.id, Collection::Terms, &id, &terms)?;
    terms_answer(terms)
}

/// DescribeTerms.
pub(crate) fn describe_terms(ctx: &Ctx, req: t::DescribeTermsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    terms_answer(load_terms(ctx, &pool.id, &req.terms_id)?)
}

/// DescribeTermsByClient.
pub(crate) fn describe_terms_by_client(
    ctx: &Ctx,
    req: t::DescribeTermsByClientRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    docs::list::<t::TermsType>(ctx, &pool.id, Collection::Terms)?
        .into_iter()
        .map(|(_, terms)| terms)
        .find(|terms| terms.client_id == client.id && terms.terms_name == req.terms_name)
        .ok_or_else(|| terms_not_found(&req.terms_name))
        .and_then(terms_answer)
}

/// UpdateTerms.
pub(crate) fn update_terms(ctx: &Ctx, req: t::UpdateTermsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut terms = load_terms(ctx, &pool.id, &req.terms_id)?;
    if let Some(name) = req.terms_name {
        terms_exist(ctx, &pool.id, &terms.client_id, &name, &terms.terms_id)?;
        terms.terms_name = name;
    }
    if let Some(source) = req.terms_source {
        terms.terms_source = source;
    }
    if let Some(enforcement) = req.enforcement {
        terms.enforcement = enforcement;
    }
    if let Some(links) = req.links {
        terms.links = links;
    }
    terms.last_modified_date = timestamp(ctx.now());
    docs::put(
        ctx,
        &pool.id,
        Collection::Terms,
        &terms.terms_id.clone(),
        &terms,
    )?;
    terms_answer(terms)
}

/// DeleteTerms.
pub(crate) fn delete_terms(ctx: &Ctx, req: t::DeleteTermsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    load_terms(ctx, &pool.id, &req.terms_id)?;
    docs::delete(ctx, &pool.id, Collection::Terms, &req.terms_id)?;
    Ok(json!({}))
}

/// ListTerms.
pub(crate) fn list_terms(ctx: &Ctx, req: t::ListTermsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let all: Vec<t::TermsDescriptionType> =
        docs::list::<t::TermsType>(ctx, &pool.id, Collection::Terms)?
            .into_iter()
            .map(|(_, terms)| t::TermsDescriptionType {
                terms_id: terms.terms_id,
                terms_name: terms.terms_name,
                enforcement: terms.enforcement,
                creation_date: terms.creation_date,
                last_modified_date: terms.last_modified_date,
            })
            .collect();
    let (items, next_token) = page(all, req.max_results, req.next_token.as_deref())?;
    reply_whole_seconds(&t::ListTermsResponse {
        terms: items,
        next_token,
    })
}
