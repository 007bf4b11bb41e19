//! GetClientToken: a machine-to-machine access token for an app client that proves itself with
//! one of its live secrets. The client must be allowed client tokens: the
//! `ALLOW_CLIENT_TOKEN_AUTH` flow, or — what can be configured through the current model — the
//! `client_credentials` OAuth flow (`AllowedOAuthFlows`, with `AllowedOAuthFlowsUserPoolClient`).
//! The scopes asked for must be among the client's `AllowedOAuthScopes`; none asked for: all of
//! them. The token has the claims of Cognito's M2M access tokens (`sub` and `client_id` the
//! client, `token_use` `access`, `scope`, `version` 2) and the client's access-token lifetime;
//! a V3_0 pre token generation trigger may change its claims and scopes
//! (`TokenGeneration_ClientCredentials`).

use serde_json::{Value, json};

use super::Ctx;
use super::clients::check_client_secret;
use super::triggers::events::Attributes;
use crate::error::ApiError;
use crate::model::{AppClient, UserPool};

/// A minted M2M token: the token and its lifetime in seconds.
pub(crate) struct ClientToken {
    pub(crate) access_token: String,
    pub(crate) expires_in: i64,
}

fn strings(client: &AppClient, member: &str) -> Vec<String> {
    client
        .extra
        .get(member)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `client` may have client tokens.
fn allowed(client: &AppClient) -> bool {
    let flow = client
        .explicit_auth_flows
        .iter()
        .any(|f| f == "ALLOW_CLIENT_TOKEN_AUTH");
    let oauth = client
        .extra
        .get("AllowedOAuthFlowsUserPoolClient")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && strings(client, "AllowedOAuthFlows")
            .iter()
            .any(|f| f == "client_credentials");
    flow || oauth
}

/// Issues a client token for `client` of `pool`, proven by `secret`, for `scopes`.
pub(crate) fn issue(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    secret: &str,
    scopes: Option<&[String]>,
    client_metadata: Option<Attributes>,
) -> Result<ClientToken, ApiError> {
    if client.live_secrets().is_empty() {
        return Err(ApiError::not_authorized(format!(
            "Client {} has no client secret: client tokens are for confidential clients.",
            client.id
        )));
    }
    check_client_secret(client, Some(secret))?;
    if !allowed(client) {
        return Err(ApiError::not_authorized(format!(
            "Client {} is not allowed client tokens (ALLOW_CLIENT_TOKEN_AUTH, or the client_credentials OAuth flow).",
            client.id
        )));
    }
    let configured = strings(client, "AllowedOAuthScopes");
    let granted: Vec<String> = match scopes {
        Some(asked) if !asked.is_empty() => {
            if let Some(bad) = asked.iter().find(|s| !configured.contains(s)) {
                return Err(ApiError::invalid(format!(
                    "Invalid scope requested: {bad} is not allowed for client {}.",
                    client.id
                )));
            }
            asked.to_vec()
        }
        _ => configured,
    };
    if granted.is_empty() {
        return Err(ApiError::invalid(format!(
            "Client {} has no scopes to grant (AllowedOAuthScopes).",
            client.id
        )));
    }
    mint(ctx, pool, client, &granted, None, client_metadata)
}

/// Signs the M2M access token of `client` for the `granted` scopes, bound to `resource` (its
/// `aud`, RFC 8707) when one is named: GetClientToken's and the token endpoint's
/// `client_credentials` grant's.
pub(crate) fn mint(
    ctx: &Ctx,
    pool: &UserPool,
    client: &AppClient,
    granted: &[String],
    resource: Option<&str>,
    client_metadata: Option<Attributes>,
) -> Result<ClientToken, ApiError> {
    let keys = ctx.pool_keys(pool)?;
    let now = ctx.now();
    let expires_in = client.access_validity.secs();
    let mut claims = json!({
        "sub": client.id,
        "token_use": "access",
        "scope": granted.join(" "),
        "auth_time": now,
        "iss": ctx.issuer_for(&pool.id),
        "exp": now + expires_in,
        "iat": now,
        "version": 2,
        "jti": crate::ids::uuid(),
        "client_id": client.id,
    });
    if let Some(r) = resource {
        claims["aud"] = json!(r);
    }
    let Value::Object(mut claims) = claims else {
        return Err(ApiError::internal("token claims that are not an object"));
    };
    // Pre token generation (V3_0) before signing, as for user tokens.
    super::triggers::pre_token::customize_client_token(
        ctx,
        pool,
        &client.id,
        &mut claims,
        client_metadata,
    )?;
    Ok(ClientToken {
        access_token: keys.access.sign(&Value::Object(claims))?,
        expires_in,
    })
}
