//! InitiateAuth / AdminInitiateAuth, RespondToAuthChallenge / AdminRespondToAuthChallenge,
//! GetTokensFromRefreshToken, GetUser, RevokeToken: each picks the flow or challenge and hands
//! it to the login state machine (`services::login`) or the tokens service.

use std::collections::{BTreeMap, HashMap};

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types::{self as t, AuthFlowType as Flow, ChallengeNameType as Challenge};

use serde_json::{Value, json};

use super::{attribute_types, mfa_settings, reply};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::clients::{allows, check_client_secret};
use crate::services::login::param;
use crate::services::login::password::{
    flow_not_enabled, new_password, password_login, password_verifier, start_srp,
};
use crate::services::login::{Answer, challenges, choice, custom, passkey};
use crate::services::tokens::{RefreshCheck, Tokens, check_access_token, refresh};
use crate::services::triggers::{self, Scope, events::Source};
use crate::tokens::refresh_hash;

/// `AuthParameters` or `ChallengeResponses` as the login services read them.
fn string_map(map: Option<BTreeMap<String, String>>) -> HashMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

/// InitiateAuth.
pub(crate) fn initiate_auth(ctx: &Ctx, req: t::InitiateAuthRequest) -> Result<Value, ApiError> {
    let params = string_map(req.auth_parameters);
    let answer = triggers::scoped(flow_scope(req.client_metadata, req.auth_flow), || {
        initiate(ctx, None, &req.client_id, req.auth_flow, &params)
    })?;
    login_answer(answer)
}

/// A login's answer as InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge and
/// AdminRespondToAuthChallenge send it (their four responses have the same members).
fn login_answer(answer: Answer) -> Result<Value, ApiError> {
    let response = match answer {
        Answer::Tokens(tokens) => t::InitiateAuthResponse {
            authentication_result: Some(authentication_result(&tokens)),
            available_challenges: None,
            challenge_name: None,
            challenge_parameters: Some(BTreeMap::new()),
            session: None,
        },
        Answer::Challenge(c) => t::InitiateAuthResponse {
            authentication_result: None,
            available_challenges: c.available,
            challenge_name: Some(c.name),
            challenge_parameters: Some(c.parameters),
            session: c.session,
        },
        // Only the hosted pages' logins end so (their sessions are never handed out).
        Answer::Authenticated(_) => {
            return Err(ApiError::internal(
                "a hosted sign-in's session was answered through the API",
            ));
        }
    };
    reply(&response)
}

/// `tokens` as an `AuthenticationResult`.
fn authentication_result(tokens: &Tokens) -> t::AuthenticationResultType {
    t::AuthenticationResultType {
        access_token: Some(tokens.access_token.clone()),
        expires_in: Some(i32::try_from(tokens.expires_in).unwrap_or(i32::MAX)),
        id_token: tokens.id_token.clone(),
        new_device_metadata: tokens.new_device.as_ref().map(|(key, group)| {
            t::NewDeviceMetadataType {
                device_group_key: Some(group.clone()),
                device_key: Some(key.clone()),
            }
        }),
        refresh_token: tokens.refresh_token.clone(),
        token_type: Some("Bearer".into()),
    }
}

/// What a sign-in tells its triggers: its `ClientMetadata`, and that a refresh's tokens are
/// `TokenGeneration_RefreshTokens`.
fn flow_scope(client_metadata: Option<BTreeMap<String, String>>, flow: Flow) -> Scope {
    let refresh = matches!(flow, Flow::RefreshTokenAuth | Flow::RefreshToken);
    Scope {
        validation_data: client_metadata,
        client_metadata: None,
        token_source: refresh.then_some(Source::TokenRefreshTokens),
        ..triggers::scope()
    }
}

/// What an answer to a challenge tells its triggers: its `ClientMetadata`, and the kind of
/// token generation it may end with.
fn answer_scope(client_metadata: Option<BTreeMap<String, String>>, name: Challenge) -> Scope {
    let token_source = match name {
        Challenge::NewPasswordRequired => Some(Source::TokenNewPasswordChallenge),
        Challenge::DevicePasswordVerifier => Some(Source::TokenAuthenticateDevice),
        _ => None,
    };
    Scope {
        validation_data: None,
        client_metadata,
        token_source,
        ..triggers::scope()
    }
}

/// AdminInitiateAuth.
pub(crate) fn admin_initiate_auth(
    ctx: &Ctx,
    req: t::AdminInitiateAuthRequest,
) -> Result<Value, ApiError> {
    let params = string_map(req.auth_parameters);
    let answer = triggers::scoped(flow_scope(req.client_metadata, req.auth_flow), || {
        initiate(
            ctx,
            Some(&req.user_pool_id),
            &req.client_id,
            req.auth_flow,
            &params,
        )
    })?;
    login_answer(answer)
}

/// Either initiation: `pool_id` is the admin form's `UserPoolId`.
fn initiate(
    ctx: &Ctx,
    pool_id: Option<&str>,
    client_id: &str,
    flow: Flow,
    params: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let admin = pool_id.is_some();
    let (client, own_pool) = ctx.client_and_pool(client_id)?;
    if let Some(p) = pool_id
        && p != client.pool_id
    {
        ctx.pool(p)?;
        return Err(ApiError::client_not_found(client_id));
    }
    let pool = own_pool.ok_or_else(|| ApiError::pool_not_found(&client.pool_id))?;
    match flow {
        Flow::UserSrpAuth => {
            if !allows(&client, "ALLOW_USER_SRP_AUTH") {
                return Err(flow_not_enabled("USER_SRP_AUTH"));
            }
            start_srp(ctx, &pool, &client, params)
        }
        Flow::UserPasswordAuth if !admin => {
            if !allows(&client, "ALLOW_USER_PASSWORD_AUTH") {
                return Err(flow_not_enabled("USER_PASSWORD_AUTH"));
            }
            password_login(ctx, &pool, &client, params)
        }
        Flow::AdminUserPasswordAuth | Flow::AdminNoSrpAuth if admin => {
            if !allows(&client, "ALLOW_ADMIN_USER_PASSWORD_AUTH") {
                return Err(flow_not_enabled("ADMIN_USER_PASSWORD_AUTH"));
            }
            password_login(ctx, &pool, &client, params)
        }
        Flow::RefreshTokenAuth | Flow::RefreshToken => {
            // AWS documents that REFRESH_TOKEN_AUTH is unavailable on a client with refresh-token
            // rotation: such clients refresh only through GetTokensFromRefreshToken.
            if !allows(&client, "ALLOW_REFRESH_TOKEN_AUTH") || client.refresh_rotation {
                return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
            }
            let token = param(params, "REFRESH_TOKEN")?;
            let (tokens, _) = refresh(
                ctx,
                &pool,
                &client,
                token,
                RefreshCheck::SecretHash(params.get("SECRET_HASH").map(String::as_str)),
                false,
            )?;
            Ok(Answer::tokens(tokens))
        }
        Flow::CustomAuth => {
            if !allows(&client, "ALLOW_CUSTOM_AUTH") {
                return Err(flow_not_enabled("CUSTOM_AUTH"));
            }
            custom::start(ctx, &pool, &client, params)
        }
        Flow::UserAuth => {
            if !allows(&client, "ALLOW_USER_AUTH") {
                return Err(flow_not_enabled("USER_AUTH"));
            }
            choice::start(ctx, &pool, &client, params)
        }
        // The model's enum was checked already; what is left is a flow of the other API
        // (`USER_PASSWORD_AUTH` on AdminInitiateAuth, `ADMIN_*` on InitiateAuth), which Cognito
        // answers with this (as the AWS SDK examples' issue #5289 and moto record it).
        _ => Err(ApiError::invalid("Initiate Auth method not supported.")),
    }
}

/// RespondToAuthChallenge.
pub(crate) fn respond_to_auth_challenge(
    ctx: &Ctx,
    req: t::RespondToAuthChallengeRequest,
) -> Result<Value, ApiError> {
    let answers = string_map(req.challenge_responses);
    let answer = triggers::scoped(
        answer_scope(req.client_metadata, req.challenge_name),
        || {
            respond(
                ctx,
                None,
                &req.client_id,
                req.challenge_name,
                req.session.as_deref(),
                &answers,
            )
        },
    )?;
    login_answer(answer)
}

/// AdminRespondToAuthChallenge.
pub(crate) fn admin_respond_to_auth_challenge(
    ctx: &Ctx,
    req: t::AdminRespondToAuthChallengeRequest,
) -> Result<Value, ApiError> {
    let answers = string_map(req.challenge_responses);
    let answer = triggers::scoped(
        answer_scope(req.client_metadata, req.challenge_name),
        || {
            respond(
                ctx,
                Some(&req.user_pool_id),
                &req.client_id,
                req.challenge_name,
                req.session.as_deref(),
                &answers,
            )
        },
    )?;
    login_answer(answer)
}

/// Either answer to a challenge: `pool_id` is the admin form's `UserPoolId`.
fn respond(
    ctx: &Ctx,
    pool_id: Option<&str>,
    client_id: &str,
    name: Challenge,
    session: Option<&str>,
    answers: &HashMap<String, String>,
) -> Result<Answer, ApiError> {
    let (client, own_pool) = ctx.client_and_pool(client_id)?;
    if let Some(p) = pool_id
        && p != client.pool_id
    {
        ctx.pool(p)?;
        return Err(ApiError::client_not_found(&client.id));
    }
    let pool = own_pool.ok_or_else(|| ApiError::pool_not_found(&client.pool_id))?;
    match name {
        Challenge::PasswordVerifier => password_verifier(ctx, &pool, &client, session, answers),
        Challenge::CustomChallenge => custom::answer(ctx, &pool, &client, session, answers),
        Challenge::NewPasswordRequired => new_password(ctx, &pool, &client, session, answers),
        Challenge::SoftwareTokenMfa
        | Challenge::SmsMfa
        | Challenge::EmailOtp
        | Challenge::SmsOtp => {
            challenges::answer_code(ctx, &pool, &client, name.as_str(), session, answers)
        }
        Challenge::SelectMfaType => {
            challenges::answer_select(ctx, &pool, &client, session, answers)
        }
        Challenge::SelectChallenge | Challenge::Password | Challenge::PasswordSrp => {
            choice::answer_select(ctx, &pool, &client, name.as_str(), session, answers)
        }
        Challenge::WebAuthn => passkey::answer(ctx, &pool, &client, session, answers),
        Challenge::MfaSetup => challenges::answer_setup(ctx, &pool, &client, session, answers),
        Challenge::DeviceSrpAuth => {
            challenges::answer_device_srp(ctx, &pool, &client, session, answers)
        }
        Challenge::DevicePasswordVerifier => {
            challenges::answer_device_verifier(ctx, &pool, &client, session, answers)
        }
        other => Err(ApiError::invalid(format!(
            "The challenge {other} is not supported by this server yet"
        ))),
    }
}

pub(crate) fn get_tokens_from_refresh_token(
    ctx: &Ctx,
    req: t::GetTokensFromRefreshTokenRequest,
) -> Result<Value, ApiError> {
    let token = req.refresh_token.as_str();
    let client = ctx.client(&req.client_id)?;
    check_client_secret(&client, req.client_secret.as_deref())?;
    // A rotation client must drop ALLOW_REFRESH_TOKEN_AUTH (AWS's guide to rotation) and
    // refreshes here; a client without rotation needs the flow, as for REFRESH_TOKEN_AUTH.
    if !client.refresh_rotation && !allows(&client, "ALLOW_REFRESH_TOKEN_AUTH") {
        return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
    }
    let pool = ctx.pool(&client.pool_id)?;
    let rotate = client.refresh_rotation;
    let scope = Scope {
        validation_data: None,
        client_metadata: req.client_metadata.clone(),
        token_source: Some(Source::TokenRefreshTokens),
        ..triggers::scope()
    };
    let (tokens, _) = triggers::scoped(scope, || {
        refresh(ctx, &pool, &client, token, RefreshCheck::Checked, rotate)
    })?;
    reply(&t::GetTokensFromRefreshTokenResponse {
        authentication_result: Some(authentication_result(&tokens)),
    })
}

pub(crate) fn get_user(ctx: &Ctx, req: t::GetUserRequest) -> Result<Value, ApiError> {
    let (pool, claims) = check_access_token(ctx, &req.access_token)?;
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let user = ctx
        .store
        .user_get(&pool.id, username)?
        .filter(|u| u.sub == sub)
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let (user_mfa_setting_list, preferred_mfa_setting) = mfa_settings(ctx, &pool, &user)?;
    reply(&t::GetUserResponse {
        mfa_options: crate::services::account::mfa_options(ctx, &pool, &user)?,
        preferred_mfa_setting,
        user_attributes: attribute_types(&user.attribute_list()),
        user_mfa_setting_list,
        username: user.username,
    })
}

pub(crate) fn revoke_token(ctx: &Ctx, req: t::RevokeTokenRequest) -> Result<Value, ApiError> {
    let token = req.token.as_str();
    let client = ctx.client(&req.client_id)?;
    check_client_secret(&client, req.client_secret.as_deref())?;
    if !client.enable_token_revocation {
        return Err(ApiError::new(
            E::UnsupportedOperationException,
            "Token revocation is not enabled for this app client.",
        ));
    }
    let Some(record) = ctx.store.refresh_get(&refresh_hash(token))? else {
        // As RFC 7009: an unknown token is not an error.
        return Ok(json!({}));
    };
    if record.client_id != client.id {
        return Err(ApiError::new(
            E::UnauthorizedException,
            "The refresh token was not issued to this client.",
        ));
    }
    ctx.store
        .revoke_family(&record.pool_id, &record.origin_jti, ctx.now())?;
    Ok(json!({}))
}
