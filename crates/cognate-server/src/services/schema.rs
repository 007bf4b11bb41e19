//! A pool's schema after creation: AddCustomAttributes.

use super::Ctx;
use crate::error::ApiError;
use crate::model::{STANDARD_ATTRIBUTES, SchemaAttribute, UserPool};

/// At most this many custom attributes in a pool, as Cognito's quota.
pub(crate) const MAX_CUSTOM: usize = 50;

/// A custom attribute to add, as requested.
pub(crate) struct NewAttribute {
    /// The name, with or without `custom:`.
    pub(crate) name: String,
    /// `String`, `Number`, `DateTime` or `Boolean` (the model's enum).
    pub(crate) data_type: String,
    pub(crate) mutable: bool,
    pub(crate) required: bool,
    pub(crate) developer_only: bool,
    pub(crate) min_length: Option<String>,
    pub(crate) max_length: Option<String>,
}

/// Adds custom attributes to a pool: from then on they can be written, read, and appear in ID
/// tokens. Names are unique, 1–20 characters after `custom:`; none may be required; existing
/// attributes never change.
pub(crate) fn add_custom(
    ctx: &Ctx,
    mut pool: UserPool,
    attrs: Vec<NewAttribute>,
) -> Result<(), ApiError> {
    for a in attrs {
        let short = a.name.strip_prefix("custom:").unwrap_or(&a.name);
        if short.is_empty() || short.chars().count() > 20 {
            return Err(ApiError::invalid(format!(
                "Invalid custom attribute name {short}: 1 to 20 characters"
            )));
        }
        let full = format!("custom:{short}");
        let exists = pool.custom_attributes.iter().any(|c| c.name == full)
            || STANDARD_ATTRIBUTES.iter().any(|(n, _)| *n == full);
        if exists {
            return Err(ApiError::invalid(format!(
                "Existing attribute already has name {full}."
            )));
        }
        if a.required {
            return Err(ApiError::invalid(
                "Required custom attributes are not supported currently.",
            ));
        }
        if pool.custom_attributes.len() >= MAX_CUSTOM {
            return Err(ApiError::invalid(format!(
                "A user pool can have at most {MAX_CUSTOM} custom attributes."
            )));
        }
        let string = a.data_type == "String";
        pool.custom_attributes.push(SchemaAttribute {
            name: full,
            data_type: a.data_type,
            mutable: a.mutable,
            required: false,
            developer_only: a.developer_only,
            min_length: if string { a.min_length } else { None },
            max_length: if string { a.max_length } else { None },
        });
    }
    pool.modified = ctx.now();
    ctx.store.pool_put(&pool)?;
    Ok(())
}
