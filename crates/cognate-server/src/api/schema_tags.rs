//! AddCustomAttributes, GetSigningCertificate, and TagResource / UntagResource / ListTagsForResource on user-pool and
//! identity-pool ARNs (`services::tags`; the identity API's tag operations come here too).

use std::collections::BTreeMap;

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types as t;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::schema::{self, NewAttribute};
use crate::services::tags::{self, Resource};

/// GetSigningCertificate: the pool's SAML signing certificate (`services::saml_certificate`).
pub(crate) fn get_signing_certificate(
    ctx: &Ctx,
    req: t::GetSigningCertificateRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let certificate = crate::services::saml_certificate::certificate(ctx, &pool)?;
    Ok(json!({ "Certificate": certificate }))
}

/// AddCustomAttributes.
pub(crate) fn add_custom_attributes(
    ctx: &Ctx,
    req: t::AddCustomAttributesRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut attrs = Vec::new();
    for a in &req.custom_attributes {
        let name = a.name.clone().ok_or_else(|| ApiError::missing("Name"))?;
        let strings = a.string_attribute_constraints.as_ref();
        attrs.push(NewAttribute {
            name,
            data_type: a
                .attribute_data_type
                .map_or("String", t::AttributeDataType::as_str)
                .to_owned(),
            mutable: a.mutable.unwrap_or(true),
            required: a.required.unwrap_or(false),
            developer_only: a.developer_only_attribute.unwrap_or(false),
            min_length: strings.and_then(|c| c.min_length.clone()),
            max_length: strings.and_then(|c| c.max_length.clone()),
        });
    }
    schema::add_custom(ctx, pool, attrs)?;
    Ok(json!({}))
}

fn resource(arn: &str) -> Result<Resource, ApiError> {
    tags::parse_arn(arn).ok_or_else(|| {
        ApiError::invalid(format!(
            "Invalid ARN {arn}: not a user pool or identity pool ARN."
        ))
    })
}

/// A resource that does not exist: the error of the API the ARN belongs to.
fn not_found(e: ApiError, arn: &str) -> ApiError {
    if e.kind.name() == "ResourceNotFoundException" {
        ApiError::new(
            E::ResourceNotFoundException,
            format!("Resource {arn} does not exist."),
        )
    } else {
        e
    }
}

/// TagResource (both APIs).
pub(crate) fn tag(ctx: &Ctx, arn: &str, add: &BTreeMap<String, String>) -> Result<Value, ApiError> {
    tags::change(ctx, &resource(arn)?, add, &[]).map_err(|e| not_found(e, arn))?;
    Ok(json!({}))
}

/// UntagResource (both APIs).
pub(crate) fn untag(ctx: &Ctx, arn: &str, keys: &[String]) -> Result<Value, ApiError> {
    tags::change(ctx, &resource(arn)?, &BTreeMap::new(), keys).map_err(|e| not_found(e, arn))?;
    Ok(json!({}))
}

/// ListTagsForResource (both APIs).
pub(crate) fn list_tags(ctx: &Ctx, arn: &str) -> Result<Value, ApiError> {
    let tags = tags::list(ctx, &resource(arn)?).map_err(|e| not_found(e, arn))?;
    Ok(json!({ "Tags": tags }))
}
