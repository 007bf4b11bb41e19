//! Users: finding one by name or alias, the attribute rules of the pool's schema and the app
//! client, and the SRP verifier that stands in for a password.

use cognate_model::idp::ErrorKind as E;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::Ctx;
use crate::error::ApiError;
use crate::model::{AppClient, StoredVerifier, User, UserPool};
use crate::store::Alias;

/// The key a user name is stored under in `pool`.
pub(crate) fn normalize_name(pool: &UserPool, name: &str) -> String {
    if pool.case_insensitive {
        name.to_lowercase()
    } else {
        name.to_owned()
    }
}

pub(crate) fn logs_in_by_email(pool: &UserPool) -> bool {
    pool.username_attributes.iter().any(|a| a == "email")
}

/// Finds a user by the name a client or admin gave: the internal name, the email when the pool
/// logs in by email (or has a verified email alias), or the `sub`.
pub(crate) fn find(ctx: &Ctx, pool: &UserPool, name: &str) -> Result<Option<User>, ApiError> {
    if let Some(u) = ctx.store.user_get(&pool.id, &normalize_name(pool, name))? {
        return Ok(Some(u));
    }
    let email_login = logs_in_by_email(pool);
    let email_alias = pool.alias_attributes.iter().any(|a| a == "email");
    if (email_login || email_alias) && name.contains('@') {
        for u in ctx.store.user_by_alias(&pool.id, Alias::Email, name)? {
            let verified = u.attributes.get("email_verified").map(String::as_str) == Some("true");
            if email_login || verified {
                return Ok(Some(u));
            }
        }
    }
    if !pool.username_attributes.is_empty()
        && let Some(u) = ctx.store.user_by_sub(&pool.id, name)?
    {
        return Ok(Some(u));
    }
    if pool.username_attributes.iter().any(|a| a == "phone_number") && name.starts_with('+') {
        let found = ctx
            .store
            .user_by_alias(&pool.id, Alias::PhoneNumber, name)?;
        return Ok(found.into_iter().next());
    }
    Ok(None)
}

/// A user that must exist (admin operations).
pub(crate) fn get(ctx: &Ctx, pool: &UserPool, name: &str) -> Result<User, ApiError> {
    find(ctx, pool, name)?.ok_or_else(ApiError::user_not_found)
}

/// Checks attribute names and values against the pool's schema.
/// Refuses attributes the app client may not write (its `WriteAttributes`, or — when it lists
/// none — everything but the `*_verified` flags, which only an administrator sets).
pub(crate) fn check_client_may_write(
    client: &AppClient,
    attrs: &[(String, String)],
) -> Result<(), ApiError> {
    for (k, _) in attrs {
        let writable = if client.write_attributes.is_empty() {
            !k.ends_with("_verified")
        } else {
            client.write_attributes.contains(k)
        };
        if !writable {
            return Err(ApiError::not_authorized(
                "A client attempted to write unauthorized attribute",
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_attributes(
    pool: &UserPool,
    attrs: &[(String, String)],
) -> Result<(), ApiError> {
    for (name, value) in attrs {
        let standard = crate::model::STANDARD_ATTRIBUTES
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t);
        let custom = pool
            .custom_attributes
            .iter()
            .find(|c| &c.name == name)
            .map(|c| c.data_type.as_str());
        let Some(data_type) = standard.or(custom) else {
            return Err(ApiError::invalid(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.\n"
            )));
        };
        if name == "sub" {
            return Err(ApiError::invalid(
                "Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)\n",
            ));
        }
        let ok = match data_type {
            "Boolean" => value == "true" || value == "false",
            "Number" => value.parse::<f64>().is_ok(),
            _ => value.chars().count() <= 2048,
        };
        if !ok {
            return Err(ApiError::invalid(format!(
                "Attributes did not conform to the schema: {name}: Attribute value is not of type {data_type}.\n"
            )));
        }
        if name == "email" && !value.contains('@') {
            return Err(ApiError::invalid("Invalid email address format."));
        }
    }
    Ok(())
}

/// A verifier for `password`, checked against the pool's policy.
pub(crate) fn make_verifier(
    pool: &UserPool,
    username: &str,
    password: &str,
) -> Result<StoredVerifier, ApiError> {
    if let Some(msg) = pool.password_policy.violation(password) {
        return Err(ApiError::new(E::InvalidPasswordException, msg));
    }
    let pool_name =
        cognate_srp::pool_name(&pool.id).map_err(|e| ApiError::internal(e.to_string()))?;
    let v =
        cognate_srp::Verifier::generate(&mut cognate_srp::os_rng(), pool_name, username, password)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(StoredVerifier {
        salt: v.salt(),
        v: STANDARD.encode(v.verifier_bytes()),
    })
}

/// The SRP verifier that stands in for `user`'s password (an imported user without one must
/// reset it first, as in Cognito).
pub(crate) fn load_verifier(user: &User) -> Result<cognate_srp::Verifier, ApiError> {
    let stored = user.verifier.as_ref().ok_or_else(|| {
        if user.status == crate::model::UserStatus::ResetRequired {
            ApiError::new(
                E::PasswordResetRequiredException,
                "Password reset required for the user",
            )
        } else {
            ApiError::bad_credentials()
        }
    })?;
    let v = STANDARD
        .decode(&stored.v)
        .map_err(|_| ApiError::internal("stored verifier is not base64"))?;
    cognate_srp::Verifier::from_parts(&stored.salt, &v)
        .map_err(|_| ApiError::internal("stored verifier rejected"))
}
