//! InitiateAuth / AdminInitiateAuth, RespondToAuthChallenge / AdminRespondToAuthChallenge,
//! GetTokensFromRefreshToken, GetUser, RevokeToken: each picks the flow or challenge and hands
//! it to the login state machine (`services::login`) or the tokens service.

use cognate_model::idp::ErrorKind as E;

use serde_json::{Value, json};

use super::{Req, attribute_json};
use crate::error::ApiError;
use crate::services::Ctx;
use crate::services::clients::{allows, check_client_secret};
use crate::services::login::challenges;
use crate::services::login::param;
use crate::services::login::password::{
    flow_not_enabled, new_password, password_login, password_verifier, start_srp,
};
use crate::services::tokens::{RefreshCheck, check_access_token, refresh};
use crate::tokens::refresh_hash;

pub(crate) fn initiate(ctx: &Ctx, req: &Req, admin: bool) -> Result<Value, ApiError> {
    let pool_id = if admin {
        Some(req.str("UserPoolId")?)
    } else {
        None
    };
    let client_id = req.str("ClientId")?;
    let flow = req.str("AuthFlow")?;
    let params = req.str_map("AuthParameters")?;
    let client = ctx.client(client_id)?;
    if let Some(p) = pool_id
        && p != client.pool_id
    {
        ctx.pool(p)?;
        return Err(ApiError::client_not_found(client_id));
    }
    let pool = ctx.pool(&client.pool_id)?;
    match flow {
        "USER_SRP_AUTH" => {
            if !allows(&client, "ALLOW_USER_SRP_AUTH") {
                return Err(flow_not_enabled("USER_SRP_AUTH"));
            }
            start_srp(ctx, &pool, &client, &params)
        }
        "USER_PASSWORD_AUTH" if !admin => {
            if !allows(&client, "ALLOW_USER_PASSWORD_AUTH") {
                return Err(flow_not_enabled("USER_PASSWORD_AUTH"));
            }
            password_login(ctx, &pool, &client, &params)
        }
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if admin => {
            if !allows(&client, "ALLOW_ADMIN_USER_PASSWORD_AUTH") {
                return Err(flow_not_enabled("ADMIN_USER_PASSWORD_AUTH"));
            }
            password_login(ctx, &pool, &client, &params)
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            // AWS documents that REFRESH_TOKEN_AUTH is unavailable on a client with refresh-token
            // rotation: such clients refresh only through GetTokensFromRefreshToken.
            if !allows(&client, "ALLOW_REFRESH_TOKEN_AUTH") || client.refresh_rotation {
                return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
            }
            let token = param(&params, "REFRESH_TOKEN")?;
            let (tokens, _) = refresh(
                ctx,
                &pool,
                &client,
                token,
                RefreshCheck::SecretHash(params.get("SECRET_HASH").map(String::as_str)),
                false,
            )?;
            Ok(json!({ "AuthenticationResult": tokens, "ChallengeParameters": {} }))
        }
        "CUSTOM_AUTH" | "USER_AUTH" => Err(ApiError::invalid(format!(
            "{flow} is not supported by this server yet"
        ))),
        // The model's enum was checked already; what is left is a flow of the other API
        // (`USER_PASSWORD_AUTH` on AdminInitiateAuth, `ADMIN_*` on InitiateAuth), which Cognito
        // answers with this (as the AWS SDK examples' issue #5289 and moto record it).
        _ => Err(ApiError::invalid("Initiate Auth method not supported.")),
    }
}

pub(crate) fn respond(ctx: &Ctx, req: &Req, admin: bool) -> Result<Value, ApiError> {
    let pool_id = if admin {
        Some(req.str("UserPoolId")?)
    } else {
        None
    };
    let client = ctx.client(req.str("ClientId")?)?;
    if let Some(p) = pool_id
        && p != client.pool_id
    {
        ctx.pool(p)?;
        return Err(ApiError::client_not_found(&client.id));
    }
    let pool = ctx.pool(&client.pool_id)?;
    let name = req.str("ChallengeName")?;
    let answers = req.str_map("ChallengeResponses")?;
    match name {
        "PASSWORD_VERIFIER" => password_verifier(ctx, &pool, &client, &answers),
        "NEW_PASSWORD_REQUIRED" => {
            new_password(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "SOFTWARE_TOKEN_MFA" | "SMS_MFA" | "EMAIL_OTP" => {
            let session = req.opt_str("Session")?;
            challenges::answer_code(ctx, &pool, &client, name, session, &answers)
        }
        "SELECT_MFA_TYPE" => {
            challenges::answer_select(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "MFA_SETUP" => {
            challenges::answer_setup(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "DEVICE_SRP_AUTH" => {
            challenges::answer_device_srp(ctx, &pool, &client, req.opt_str("Session")?, &answers)
        }
        "DEVICE_PASSWORD_VERIFIER" => challenges::answer_device_verifier(
            ctx,
            &pool,
            &client,
            req.opt_str("Session")?,
            &answers,
        ),
        other => Err(ApiError::invalid(format!(
            "The challenge {other} is not supported by this server yet"
        ))),
    }
}

pub(crate) fn get_tokens_from_refresh_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let token = req.str("RefreshToken")?;
    let client = ctx.client(req.str("ClientId")?)?;
    check_client_secret(&client, req.opt_str("ClientSecret")?)?;
    // A rotation client must drop ALLOW_REFRESH_TOKEN_AUTH (AWS's guide to rotation) and
    // refreshes here; a client without rotation needs the flow, as for REFRESH_TOKEN_AUTH.
    if !client.refresh_rotation && !allows(&client, "ALLOW_REFRESH_TOKEN_AUTH") {
        return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
    }
    let pool = ctx.pool(&client.pool_id)?;
    let rotate = client.refresh_rotation;
    let (tokens, _) = refresh(ctx, &pool, &client, token, RefreshCheck::Checked, rotate)?;
    Ok(json!({ "AuthenticationResult": tokens }))
}

pub(crate) fn get_user(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let (pool, claims) = check_access_token(ctx, req.str("AccessToken")?)?;
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
    let mut out = json!({
        "Username": user.username,
        "UserAttributes": attribute_json(&user.attribute_list()),
    });
    crate::services::mfa::annotate(ctx, &pool, &user, &mut out)?;
    Ok(out)
}

pub(crate) fn revoke_token(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let token = req.str("Token")?;
    let client = ctx.client(req.str("ClientId")?)?;
    check_client_secret(&client, req.opt_str("ClientSecret")?)?;
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
