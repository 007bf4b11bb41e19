//! Refreshing tokens with a refresh token: `REFRESH_TOKEN_AUTH` or `GetTokensFromRefreshToken`.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, AuthenticationResultType};

use crate::client::Client;
use crate::error::{Error, Result, from_sdk};
use crate::tokens::TokenSet;

/// Refresh tokens through `REFRESH_TOKEN_AUTH`.
pub(crate) async fn refresh_with_initiate_auth(
    client: &Client,
    refresh: &str,
    username: Option<&str>,
    device_key: Option<&str>,
) -> Result<TokenSet> {
    let mut params = HashMap::from([("REFRESH_TOKEN".to_owned(), refresh.to_owned())]);
    if client.has_secret() {
        let username = username.ok_or_else(|| {
            Error::protocol("cannot compute SECRET_HASH for the refresh: the tokens name no user")
        })?;
        if let Some(h) = client.secret_hash(username) {
            params.insert("SECRET_HASH".to_owned(), h);
        }
    }
    if let Some(k) = device_key {
        params.insert("DEVICE_KEY".to_owned(), k.to_owned());
    }
    let answer = client
        .initiate(AuthFlowType::RefreshTokenAuth, &params)
        .await?;
    let result = answer
        .result
        .ok_or_else(|| Error::protocol("REFRESH_TOKEN_AUTH returned a challenge"))?;
    tokens_of(client, &result)
}

/// Refresh tokens through `GetTokensFromRefreshToken` (rotation-aware).
pub(crate) async fn refresh_with_get_tokens(
    client: &Client,
    refresh: &str,
    device_key: Option<&str>,
) -> Result<TokenSet> {
    let out = client
        .with_retry("GetTokensFromRefreshToken", || async {
            client
                .sdk()
                .get_tokens_from_refresh_token()
                .client_id(client.client_id())
                .refresh_token(refresh)
                .set_client_secret(client.client_secret().map(str::to_owned))
                .set_device_key(device_key.map(str::to_owned))
                .send()
                .await
                .map_err(from_sdk)
        })
        .await?;
    let result = out
        .authentication_result()
        .ok_or_else(|| Error::protocol("GetTokensFromRefreshToken returned no tokens"))?;
    tokens_of(client, result)
}

fn tokens_of(client: &Client, result: &AuthenticationResultType) -> Result<TokenSet> {
    let access = result
        .access_token()
        .ok_or_else(|| Error::protocol("no AccessToken in the refresh result"))?;
    let id = result
        .id_token()
        .ok_or_else(|| Error::protocol("no IdToken in the refresh result"))?;
    TokenSet::from_jwts(
        access,
        id,
        result.refresh_token(),
        client.clock().now_secs(),
    )
}
