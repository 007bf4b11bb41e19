//! Sign-up and account recovery: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword, ConfirmForgotPassword, AdminResetUserPassword. (A signed-in user's password
//! and attributes: `attributes`.) The codes themselves: `services::codes`.

use crate::store::Alias;
use cognate_model::idp::ErrorKind as E;

use cognate_model::idp::types as t;
use serde_json::Value;

use super::{attribute_pairs, reply};
use crate::error::ApiError;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::services::Ctx;
use crate::services::clients::check_secret_hash;
use crate::services::codes::{
    CONFIRMATION_CODE_LIFETIME, RESET_CODE_LIFETIME, code_mismatch, confirmation_medium, is_true,
    issue_code, recovery_medium, use_code,
};
use crate::services::outbox::{self, CodeDeliveryDetails, Medium, Purpose};
use crate::services::triggers::{
    self,
    events::{PreSignUpRequest, Source},
};
use crate::services::users::{
    check_attributes, find, logs_in_by_email, make_verifier, normalize_name,
};

/// The client of a user-level request (its `ClientId`), with its pool.
fn client_and_pool(ctx: &Ctx, client_id: &str) -> Result<(AppClient, UserPool), ApiError> {
    let client = ctx.client(client_id)?;
    let pool = ctx.pool(&client.pool_id)?;
    Ok((client, pool))
}

fn no_recovery_destination() -> ApiError {
    ApiError::invalid(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
}

/// What an unknown user's code request answers when the client hides user existence: a
/// delivery that looks real.
fn decoy_delivery(username: &str) -> t::CodeDeliveryDetailsType {
    let medium = if username.starts_with('+') {
        Medium::Sms
    } else {
        Medium::Email
    };
    let shown = if username.contains('@') || username.starts_with('+') {
        outbox::mask(medium, username)
    } else {
        outbox::mask(medium, &format!("{username}@example.com"))
    };
    CodeDeliveryDetails {
        destination: shown,
        medium,
    }
    .to_type()
}

fn hides_users(client: &AppClient) -> bool {
    client.prevent_user_existence_errors == "ENABLED"
}

pub(crate) fn sign_up(ctx: &Ctx, req: t::SignUpRequest) -> Result<Value, ApiError> {
    let (client, pool) = client_and_pool(ctx, &req.client_id)?;
    let username = req.username.as_str();
    check_secret_hash(&client, req.secret_hash.as_deref(), &[username])?;
    // Optional in the model since passwordless sign-up (2024); cognate's pools sign up with one.
    let password = req
        .password
        .as_deref()
        .ok_or_else(|| ApiError::missing("Password"))?;
    if pool.allow_admin_create_user_only {
        return Err(ApiError::not_authorized(
            "SignUp is not permitted for this user pool",
        ));
    }
    let attrs = attribute_pairs(req.user_attributes.as_deref().unwrap_or_default());
    check_attributes(&pool, &attrs)?;
    if attrs
        .iter()
        .any(|(k, _)| k == "email_verified" || k == "phone_number_verified")
    {
        return Err(ApiError::invalid(
            "Cannot modify the non-mutable attribute email_verified or phone_number_verified during SignUp",
        ));
    }
    let mut attributes: std::collections::BTreeMap<String, String> = attrs.into_iter().collect();
    let sub = crate::ids::uuid();
    let by_email = logs_in_by_email(&pool);
    let by_phone = pool.username_attributes.iter().any(|a| a == "phone_number");
    let internal = if by_email || by_phone {
        if by_email && username.contains('@') {
            attributes.insert("email".into(), username.to_owned());
        } else if by_phone && username.starts_with('+') {
            attributes.insert("phone_number".into(), username.to_owned());
        } else {
            return Err(ApiError::invalid(if by_email {
                "Username should be an email."
            } else {
                "Username should be a phone number."
            }));
        }
        sub.clone()
    } else {
        if username.chars().count() > 128 || username.chars().any(char::is_whitespace) {
            return Err(ApiError::invalid(
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
            ));
        }
        for (alias, what) in [("email", '@'), ("phone_number", '+')] {
            let aliased = pool.alias_attributes.iter().any(|a| a == alias);
            let looks_like = if what == '@' {
                username.contains('@')
            } else {
                username.starts_with('+') && username[1..].bytes().all(|b| b.is_ascii_digit())
            };
            if aliased && looks_like {
                return Err(ApiError::invalid(format!(
                    "Username cannot be of {} format, since user pool is configured for {alias} alias.",
                    if what == '@' { "email" } else { "phone number" }
                )));
            }
        }
        normalize_name(&pool, username)
    };
    if let Some(email) = attributes.get("email")
        && !email.contains('@')
    {
        return Err(ApiError::invalid("Invalid email address format."));
    }
    for required in &pool.required_attributes {
        if !attributes.contains_key(required) {
            return Err(ApiError::invalid(format!(
                "Attributes did not conform to the schema: {required}: The attribute is required\n"
            )));
        }
    }
    // The password policy (InvalidPasswordException) comes before the existence check, as in
    // Cognito.
    let verifier = make_verifier(&pool, &internal, password)?;
    if by_email && let Some(email) = attributes.get("email") {
        let taken = ctx.store.user_by_alias(&pool.id, Alias::Email, email)?;
        if !taken.is_empty() {
            return Err(ApiError::new(
                E::UsernameExistsException,
                "An account with the given email already exists.",
            ));
        }
    }
    if !by_email && !by_phone && ctx.store.user_get(&pool.id, &internal)?.is_some() {
        return Err(ApiError::new(
            E::UsernameExistsException,
            "User already exists",
        ));
    }
    // The PreSignUp trigger decides last; when it fails, no user is made.
    let answer = triggers::pre_sign_up(
        ctx,
        &pool,
        Source::PreSignUpSignUp,
        &internal,
        Some(&client.id),
        PreSignUpRequest {
            user_attributes: attributes.clone(),
            validation_data: req
                .validation_data
                .as_deref()
                .map(|v| attribute_pairs(v).into_iter().collect()),
            client_metadata: req.client_metadata.clone(),
        },
    )?;
    if answer.auto_verify_email && attributes.contains_key("email") {
        attributes.insert("email_verified".into(), "true".into());
    }
    if answer.auto_verify_phone && attributes.contains_key("phone_number") {
        attributes.insert("phone_number_verified".into(), "true".into());
    }
    let now = ctx.now();
    let user = User {
        pool_id: pool.id.clone(),
        username: internal,
        sub: sub.clone(),
        attributes,
        enabled: true,
        status: if answer.auto_confirm_user {
            UserStatus::Confirmed
        } else {
            UserStatus::Unconfirmed
        },
        verifier: Some(verifier),
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
    let mut out = t::SignUpResponse {
        code_delivery_details: None,
        session: None,
        user_confirmed: answer.auto_confirm_user,
        user_sub: sub,
    };
    if !answer.auto_confirm_user
        && let Some(medium) = confirmation_medium(&pool, &user)
    {
        let details = issue_code(
            ctx,
            &user,
            Purpose::SignUp,
            medium,
            CONFIRMATION_CODE_LIFETIME,
        )?;
        out.code_delivery_details = Some(details.to_type());
    }
    reply(&out)
}

/// The user of a client-side request naming a user, with its secret hash checked.
fn named_user(
    ctx: &Ctx,
    username: &str,
    secret_hash: Option<&str>,
    client: &AppClient,
    pool: &UserPool,
) -> Result<Option<User>, ApiError> {
    let user = find(ctx, pool, username)?;
    match &user {
        Some(u) => check_secret_hash(client, secret_hash, &[username, &u.username])?,
        None => check_secret_hash(client, secret_hash, &[username])?,
    }
    Ok(user)
}

pub(crate) fn confirm_sign_up(ctx: &Ctx, req: t::ConfirmSignUpRequest) -> Result<Value, ApiError> {
    let (client, pool) = client_and_pool(ctx, &req.client_id)?;
    let code = req.confirmation_code.as_str();
    let user = named_user(
        ctx,
        &req.username,
        req.secret_hash.as_deref(),
        &client,
        &pool,
    )?;
    let Some(mut user) = user else {
        return Err(if hides_users(&client) {
            code_mismatch()
        } else {
            ApiError::user_not_found()
        });
    };
    if user.status != UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            user.status.as_str()
        )));
    }
    let medium = confirmation_medium(&pool, &user).unwrap_or(Medium::Email);
    use_code(ctx, &user, Purpose::SignUp, medium.attribute(), code)?;
    let verified = format!("{}_verified", medium.attribute());
    if medium == Medium::Email && pool.alias_attributes.iter().any(|a| a == "email") {
        let email = user.email().unwrap_or("").to_lowercase();
        let force = req.force_alias_creation.unwrap_or(false);
        for mut other in ctx.store.user_by_alias(&pool.id, Alias::Email, &email)? {
            if other.username != user.username && is_true(&other, "email_verified") {
                if !force {
                    return Err(ApiError::new(
                        E::AliasExistsException,
                        "An account with the given email already exists.",
                    ));
                }
                other
                    .attributes
                    .insert("email_verified".into(), "false".into());
                other.modified = ctx.now();
                ctx.store.user_put(&other)?;
            }
        }
    }
    user.attributes.insert(verified, "true".into());
    user.status = UserStatus::Confirmed;
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    // As in Cognito, a failing PostConfirmation is answered, and the user stays confirmed.
    triggers::post_confirmation(
        ctx,
        &pool,
        Source::PostConfirmationConfirmSignUp,
        &user,
        Some(&client.id),
        req.client_metadata,
    )?;
    reply(&t::ConfirmSignUpResponse { session: None })
}

/// A code request's answer: where the code went.
fn code_sent(details: t::CodeDeliveryDetailsType) -> Result<Value, ApiError> {
    // ResendConfirmationCode, ForgotPassword and GetUserAttributeVerificationCode answer the
    // same shape.
    reply(&t::ForgotPasswordResponse {
        code_delivery_details: Some(details),
    })
}

pub(crate) fn resend_confirmation_code(
    ctx: &Ctx,
    req: t::ResendConfirmationCodeRequest,
) -> Result<Value, ApiError> {
    let (client, pool) = client_and_pool(ctx, &req.client_id)?;
    let username = req.username.as_str();
    let user = named_user(ctx, username, req.secret_hash.as_deref(), &client, &pool)?;
    let Some(user) = user else {
        if hides_users(&client) {
            return code_sent(decoy_delivery(username));
        }
        return Err(ApiError::new(
            E::UserNotFoundException,
            "Username/client id combination not found.",
        ));
    };
    if user.status != UserStatus::Unconfirmed {
        return Err(ApiError::invalid("User is already confirmed."));
    }
    let medium = confirmation_medium(&pool, &user).ok_or_else(|| {
        ApiError::invalid("Cannot resend codes. Auto verification not turned on.")
    })?;
    let details = triggers::with_message_source(Source::MessageResendCode, || {
        issue_code(
            ctx,
            &user,
            Purpose::SignUp,
            medium,
            CONFIRMATION_CODE_LIFETIME,
        )
    })?;
    code_sent(details.to_type())
}

/// Sends a forgot-password code (ForgotPassword, AdminResetUserPassword).
fn send_reset_code(
    ctx: &Ctx,
    pool: &UserPool,
    user: &User,
) -> Result<CodeDeliveryDetails, ApiError> {
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    if user.status == UserStatus::ForceChangePassword {
        return Err(ApiError::not_authorized(
            "User password cannot be reset in the current state.",
        ));
    }
    let medium = recovery_medium(pool, user).ok_or_else(no_recovery_destination)?;
    issue_code(
        ctx,
        user,
        Purpose::ForgotPassword,
        medium,
        RESET_CODE_LIFETIME,
    )
}

pub(crate) fn forgot_password(ctx: &Ctx, req: t::ForgotPasswordRequest) -> Result<Value, ApiError> {
    let (client, pool) = client_and_pool(ctx, &req.client_id)?;
    let username = req.username.as_str();
    let mut user = named_user(ctx, username, req.secret_hash.as_deref(), &client, &pool)?;
    if user.is_none() {
        // UserMigration_ForgotPassword: the trigger may know the user.
        user = triggers::migration::on_forgot_password(
            ctx,
            &pool,
            &client,
            username,
            req.client_metadata.clone(),
        )?;
    }
    let Some(user) = user else {
        if hides_users(&client) {
            return code_sent(decoy_delivery(username));
        }
        return Err(ApiError::new(
            E::UserNotFoundException,
            "Username/client id combination not found.",
        ));
    };
    let details = send_reset_code(ctx, &pool, &user)?;
    code_sent(details.to_type())
}

pub(crate) fn confirm_forgot_password(
    ctx: &Ctx,
    req: t::ConfirmForgotPasswordRequest,
) -> Result<Value, ApiError> {
    let (client, pool) = client_and_pool(ctx, &req.client_id)?;
    let code = req.confirmation_code.as_str();
    let password = req.password.as_str();
    let user = named_user(
        ctx,
        &req.username,
        req.secret_hash.as_deref(),
        &client,
        &pool,
    )?;
    let Some(mut user) = user else {
        return Err(if hides_users(&client) {
            code_mismatch()
        } else {
            ApiError::new(
                E::UserNotFoundException,
                "Username/client id combination not found.",
            )
        });
    };
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    // Policy first: a password the pool refuses does not use up the code.
    let verifier = make_verifier(&pool, &user.username, password)?;
    let medium = recovery_medium(&pool, &user).unwrap_or(Medium::Email);
    use_code(
        ctx,
        &user,
        Purpose::ForgotPassword,
        medium.attribute(),
        code,
    )?;
    user.verifier = Some(verifier);
    user.status = UserStatus::Confirmed;
    let now = ctx.now();
    user.password_set = now;
    user.modified = now;
    ctx.store.user_put(&user)?;
    triggers::post_confirmation(
        ctx,
        &pool,
        Source::PostConfirmationConfirmForgotPassword,
        &user,
        Some(&client.id),
        req.client_metadata,
    )?;
    reply(&t::ConfirmForgotPasswordResponse {})
}

pub(crate) fn admin_reset_user_password(
    ctx: &Ctx,
    req: t::AdminResetUserPasswordRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let mut user = crate::services::users::get(ctx, &pool, &req.username)?;
    if user.enabled && user.status == UserStatus::Unconfirmed {
        return Err(ApiError::not_authorized(
            "User password cannot be reset in the current state.",
        ));
    }
    send_reset_code(ctx, &pool, &user)?;
    user.status = UserStatus::ResetRequired;
    user.modified = ctx.now();
    ctx.store.user_put(&user)?;
    reply(&t::AdminResetUserPasswordResponse {})
}
