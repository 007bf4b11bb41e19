//! User migration: a sign-in with a password (`USER_PASSWORD_AUTH`,
//! `ADMIN_USER_PASSWORD_AUTH`) or a ForgotPassword of a user the pool does not know asks the
//! `UserMigration` trigger for that user; its answer creates the user, who then goes on as if
//! they had always been there. SRP sign-ins never call it: the server never sees an SRP
//! password, so AWS cannot migrate with `USER_SRP_AUTH` either.
//!
//! A response without `userAttributes` means the trigger does not know the user either:
//! `UserNotFoundException: Exception migrating user in app client {id}` (with
//! PreventUserExistenceErrors, the same `NotAuthorizedException` as a wrong password).

use cognate_model::idp::ErrorKind as E;
use serde_json::Value;

use super::events::{MigrationRequest, MigrationResponse, Source};
use super::{Ctx, call, scope};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::services::users::{logs_in_by_email, make_verifier, normalize_name};

/// The migrated user signing in as `username` with `password`, or `None` when the pool has
/// no UserMigration trigger.
pub(crate) fn on_sign_in(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    username: &str,
    password: &str,
) -> Result<Option<User>, ApiError> {
    let request = MigrationRequest {
        password: Some(password.to_owned()),
        validation_data: Some(scope().validation_data.unwrap_or_default()),
        client_metadata: None,
    };
    migrate(
        ctx,
        pool,
        client,
        Source::MigrationAuthentication,
        username,
        request,
        Some(password),
    )
}

/// The migrated user of a ForgotPassword for `username` (status `RESET_REQUIRED`, no
/// password yet), or `None` when the pool has no UserMigration trigger.
pub(crate) fn on_forgot_password(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    username: &str,
    client_metadata: Option<super::events::Attributes>,
) -> Result<Option<User>, ApiError> {
    let request = MigrationRequest {
        password: None,
        validation_data: None,
        client_metadata,
    };
    migrate(
        ctx,
        pool,
        client,
        Source::MigrationForgotPassword,
        username,
        request,
        None,
    )
}

fn migrate(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    source: Source,
    username: &str,
    request: MigrationRequest,
    password: Option<&str>,
) -> Result<Option<User>, ApiError> {
    let Some(answer): Option<MigrationResponse> =
        call(ctx, pool, source, username, Some(&client.id), request)?
    else {
        return Ok(None);
    };
    let Some(given) = answer.user_attributes else {
        return Err(if client.prevent_user_existence_errors == "ENABLED" {
            ApiError::bad_credentials()
        } else {
            ApiError::new(
                E::UserNotFoundException,
                format!("Exception migrating user in app client {}", client.id),
            )
        });
    };
    let mut attributes = std::collections::BTreeMap::new();
    for (name, value) in given {
        if name == "sub" || name == "username" || name.starts_with("cognito:") {
            continue;
        }
        let value = match value {
            Value::String(s) => s,
            Value::Null => continue,
            other => other.to_string(),
        };
        attributes.insert(name, value);
    }
    let sub = crate::ids::uuid();
    let by_email = logs_in_by_email(pool);
    let by_phone = pool.username_attributes.iter().any(|a| a == "phone_number");
    let internal = if by_email || by_phone {
        let attribute = if username.contains('@') {
            "email"
        } else {
            "phone_number"
        };
        attributes
            .entry(attribute.to_owned())
            .or_insert_with(|| username.to_owned());
        sub.clone()
    } else {
        normalize_name(pool, username)
    };
    let reset = answer.final_user_status.as_deref() == Some("RESET_REQUIRED") || password.is_none();
    let verifier = match password {
        Some(p) => Some(make_verifier(pool, &internal, p)?),
        None => None,
    };
    let now = ctx.now();
    let user = User {
        pool_id: pool.id.clone(),
        username: internal,
        sub,
        attributes,
        enabled: true,
        status: if reset {
            UserStatus::ResetRequired
        } else {
            UserStatus::Confirmed
        },
        verifier,
        created: now,
        modified: now,
        password_set: now,
    };
    if !ctx.store.user_insert(&user)? {
        return Err(ApiError::new(
            E::UsernameExistsException,
            "User already exists",
        ));
    }
    Ok(Some(user))
}
