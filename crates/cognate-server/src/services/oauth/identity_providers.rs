//! A pool's identity providers (CreateIdentityProvider and friends): the records of external
//! providers (OIDC, SAML, social) that app clients may name in `SupportedIdentityProviders`.
//! Signing in through an `OIDC` one is `super::federation`; the other types are records only.

use std::collections::BTreeMap;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types::{self as t, IdentityProviderTypeType as Kind};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::services::Ctx;
use crate::store::RecordKind;

const KIND: RecordKind = RecordKind::IdentityProvider;

/// The identity provider of the pool's own users.
pub(crate) const COGNITO: &str = "COGNITO";

/// An identity provider, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdentityProvider {
    /// The owning pool.
    pub pool_id: String,
    /// `ProviderName`.
    pub name: String,
    /// `ProviderType`.
    pub kind: Kind,
    /// `ProviderDetails`.
    pub details: BTreeMap<String, String>,
    /// `AttributeMapping`.
    pub attribute_mapping: BTreeMap<String, String>,
    /// `IdpIdentifiers`.
    pub identifiers: Vec<String>,
    /// `AcrMapping`.
    #[serde(default)]
    pub acr_mapping: Option<BTreeMap<String, String>>,
    /// Creation time.
    pub created: i64,
    /// Last modification time.
    pub modified: i64,
}

impl IdentityProvider {
    /// The model's `IdentityProviderType`.
    pub(crate) fn to_type(&self) -> t::IdentityProviderType {
        t::IdentityProviderType {
            acr_mapping: self.acr_mapping.clone(),
            attribute_mapping: Some(self.attribute_mapping.clone()),
            creation_date: Some(self.created as f64),
            idp_identifiers: Some(self.identifiers.clone()),
            last_modified_date: Some(self.modified as f64),
            provider_details: Some(self.details.clone()),
            provider_name: Some(self.name.clone()),
            provider_type: Some(self.kind),
            user_pool_id: Some(self.pool_id.clone()),
        }
    }

    /// The model's `ProviderDescription`.
    pub(crate) fn description(&self) -> t::ProviderDescription {
        t::ProviderDescription {
            creation_date: Some(self.created as f64),
            last_modified_date: Some(self.modified as f64),
            provider_name: Some(self.name.clone()),
            provider_type: Some(self.kind),
        }
    }
}

/// The `ProviderDetails` keys a provider of `kind` must have.
fn required_details(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Oidc => &[
            "client_id",
            "authorize_scopes",
            "attributes_request_method",
            "oidc_issuer",
        ],
        Kind::Google | Kind::Facebook | Kind::LoginWithAmazon => {
            &["client_id", "client_secret", "authorize_scopes"]
        }
        Kind::SignInWithApple => &[
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        Kind::Saml => &[],
    }
}

fn check_details(kind: Kind, details: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for key in required_details(kind) {
        if details.get(*key).is_none_or(|v| v.is_empty()) {
            return Err(ApiError::invalid(format!(
                "{key} is required for the {} identity provider type.",
                kind.as_str()
            )));
        }
    }
    if kind == Kind::Saml
        && !details.contains_key("MetadataURL")
        && !details.contains_key("MetadataFile")
    {
        return Err(ApiError::invalid(
            "MetadataURL or MetadataFile is required for the SAML identity provider type.",
        ));
    }
    if kind == Kind::Oidc
        && let Some(m) = details.get("attributes_request_method")
        && m != "GET"
        && m != "POST"
    {
        return Err(ApiError::invalid(
            "attributes_request_method must be GET or POST.",
        ));
    }
    Ok(())
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        E::ResourceNotFoundException,
        format!("Identity provider {name} does not exist."),
    )
}

fn store(ctx: &Ctx, idp: &IdentityProvider) -> Result<(), ApiError> {
    let data = serde_json::to_value(idp).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.doc_put(KIND, &idp.pool_id, &idp.name, &data)?;
    Ok(())
}

/// Every identity provider of a pool, oldest first.
pub(crate) fn list(ctx: &Ctx, pool_id: &str) -> Result<Vec<IdentityProvider>, ApiError> {
    Ok(ctx
        .store
        .doc_list(KIND, pool_id)?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_value(v).ok())
        .collect())
}

/// The provider `name` of a pool, if it exists.
pub(crate) fn get(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
) -> Result<Option<IdentityProvider>, ApiError> {
    Ok(ctx
        .store
        .doc_get(KIND, pool_id, name)?
        .and_then(|v| serde_json::from_value(v).ok()))
}

fn check_identifiers(
    ctx: &Ctx,
    pool_id: &str,
    name: &str,
    identifiers: &[String],
) -> Result<(), ApiError> {
    for other in list(ctx, pool_id)?.into_iter().filter(|p| p.name != name) {
        if let Some(dup) = identifiers.iter().find(|i| other.identifiers.contains(i)) {
            return Err(ApiError::new(
                E::DuplicateProviderException,
                format!(
                    "The identifier {dup} is already used by provider {}.",
                    other.name
                ),
            ));
        }
    }
    Ok(())
}

/// CreateIdentityProvider.
pub(crate) fn create(
    ctx: &Ctx,
    req: t::CreateIdentityProviderRequest,
) -> Result<IdentityProvider, ApiError> {
    ctx.pool(&req.user_pool_id)?;
    if req.provider_name == COGNITO {
        return Err(ApiError::invalid("COGNITO is a reserved provider name."));
    }
    if get(ctx, &req.user_pool_id, &req.provider_name)?.is_some() {
        return Err(ApiError::new(
            E::DuplicateProviderException,
            format!(
                "A provider with the name {} already exists in this user pool.",
                req.provider_name
            ),
        ));
    }
    check_details(req.provider_type, &req.provider_details)?;
    let identifiers = req.idp_identifiers.unwrap_or_default();
    check_identifiers(ctx, &req.user_pool_id, &req.provider_name, &identifiers)?;
    let now = ctx.now();
    let idp = IdentityProvider {
        pool_id: req.user_pool_id,
        name: req.provider_name,
        kind: req.provider_type,
        details: req.provider_details,
        attribute_mapping: req.attribute_mapping.unwrap_or_default(),
        identifiers,
        acr_mapping: req.acr_mapping,
        created: now,
        modified: now,
    };
    store(ctx, &idp)?;
    Ok(idp)
}

/// DescribeIdentityProvider.
pub(crate) fn describe(ctx: &Ctx, pool_id: &str, name: &str) -> Result<IdentityProvider, ApiError> {
    ctx.pool(pool_id)?;
    get(ctx, pool_id, name)?.ok_or_else(|| not_found(name))
}

/// GetIdentityProviderByIdentifier.
pub(crate) fn by_identifier(
    ctx: &Ctx,
    pool_id: &str,
    identifier: &str,
) -> Result<IdentityProvider, ApiError> {
    ctx.pool(pool_id)?;
    list(ctx, pool_id)?
        .into_iter()
        .find(|p| p.identifiers.iter().any(|i| i == identifier))
        .ok_or_else(|| not_found(identifier))
}

/// UpdateIdentityProvider: what the request gives replaces what is stored.
pub(crate) fn update(
    ctx: &Ctx,
    req: t::UpdateIdentityProviderRequest,
) -> Result<IdentityProvider, ApiError> {
    let mut idp = describe(ctx, &req.user_pool_id, &req.provider_name)?;
    if let Some(details) = req.provider_details {
        check_details(idp.kind, &details)?;
        idp.details = details;
    }
    if let Some(m) = req.attribute_mapping {
        idp.attribute_mapping = m;
    }
    if let Some(ids) = req.idp_identifiers {
        check_identifiers(ctx, &idp.pool_id, &idp.name, &ids)?;
        idp.identifiers = ids;
    }
    if req.acr_mapping.is_some() {
        idp.acr_mapping = req.acr_mapping;
    }
    idp.modified = ctx.now();
    store(ctx, &idp)?;
    Ok(idp)
}

/// DeleteIdentityProvider.
pub(crate) fn delete(ctx: &Ctx, pool_id: &str, name: &str) -> Result<(), ApiError> {
    describe(ctx, pool_id, name)?;
    ctx.store.doc_delete(KIND, pool_id, name)?;
    Ok(())
}
