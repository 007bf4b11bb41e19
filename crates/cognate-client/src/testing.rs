//! Helpers for tests of code that uses this crate.

use base64::Engine;

/// An unsigned JWT (`alg: none`-shaped header, empty signature part) with `claims` as payload:
/// enough for [`crate::TokenSet`], which decodes but never verifies.
pub fn unsigned_jwt(claims: &serde_json::Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims.to_string().as_bytes())
    )
}

/// A token set for user `username` issued at `iat` and expiring `lifetime` seconds later
/// (server clock), with refresh token `refresh`.
#[allow(clippy::expect_used)]
pub fn token_set(
    username: &str,
    iat: i64,
    lifetime: i64,
    refresh: Option<&str>,
    received_at: i64,
) -> crate::TokenSet {
    let access = serde_json::json!({
        "sub": format!("sub-{username}"), "username": username, "token_use": "access",
        "iat": iat, "exp": iat + lifetime, "jti": format!("{iat}-{lifetime}-{username}"),
    });
    let id = serde_json::json!({
        "sub": format!("sub-{username}"), "cognito:username": username, "token_use": "id",
        "iat": iat, "exp": iat + lifetime,
    });
    crate::TokenSet::new(
        crate::AccessToken::parse(&unsigned_jwt(&access)).expect("valid claims"),
        crate::IdToken::parse(&unsigned_jwt(&id)).expect("valid claims"),
        refresh.map(crate::RefreshToken::new),
        received_at,
    )
}
