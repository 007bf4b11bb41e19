//! Pre token generation: the one transformation of a token pair's claims, made just before
//! they are signed ([`customize`], called by `services::tokens::mint` and by any other path
//! that mints user tokens).
//!
//! - V1_0 (`PreTokenGeneration`, or `PreTokenGenerationConfig` with `V1_0`):
//!   `claimsOverrideDetails` changes the ID token's claims; `groupOverrideDetails` the groups
//!   of both tokens (and the ID token's roles).
//! - V2_0 and V3_0: `claimsAndScopeOverrideDetails` changes the claims of each token
//!   (`idTokenGeneration`, `accessTokenGeneration`) and the access token's scopes
//!   (`scopesToAdd`, `scopesToSuppress`); the event carries `scopes`.
//!
//! A suppressed claim stays out even when also overridden, as AWS documents. Claims Cognito
//! does not let a trigger change (`sub`, `iss`, `exp`, `token_use`, … — [`PROTECTED`], and in
//! access tokens also [`PROTECTED_ACCESS`]) are left as they are, with a warning in the log;
//! groups change only through `groupOverrideDetails`, scopes only through the scope lists.

use serde_json::{Map, Value, json};

use super::events::{
    ClaimsOverride, GroupConfiguration, Source, TokenRequest, TokenResponseV1, TokenResponseV2,
    Trigger,
};
use super::{Ctx, call, configured, scope, user_attributes};
use crate::error::ApiError;
use crate::model::{User, UserPool};

/// Claims no pre token generation trigger may add, change or suppress (the list of the
/// Cognito developer guide).
pub(crate) const PROTECTED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
];

/// Access-token claims that are Cognito's own beside [`PROTECTED`]: the client, the user
/// name, the login's event, the token format version and its scopes (changed through the
/// scope lists).
pub(crate) const PROTECTED_ACCESS: &[&str] = &[
    "client_id",
    "username",
    "event_id",
    "version",
    "scope",
    "device_key",
];

/// The groups claims, changed only through `groupOverrideDetails`.
const GROUP_CLAIMS: &[&str] = &["cognito:groups", "cognito:roles", "cognito:preferred_role"];

/// The claims of the two tokens about to be signed.
pub(crate) struct TokenClaims<'a> {
    /// The ID token's claims.
    pub id: &'a mut Map<String, Value>,
    /// The access token's claims.
    pub access: &'a mut Map<String, Value>,
}

/// Runs the pool's pre token generation trigger, if any, on `claims` for `user` signing in
/// through `client_id`. The `triggerSource` comes from the operation's scope
/// (`TokenGeneration_Authentication` unless the operation said otherwise).
pub(crate) fn customize(
    ctx: &Ctx,
    pool: &UserPool,
    client_id: &str,
    user: &User,
    claims: TokenClaims<'_>,
) -> Result<(), ApiError> {
    let Some((_, version)) = configured(pool, Trigger::PreTokenGeneration) else {
        return Ok(());
    };
    let scope = scope();
    let source = scope.token_source.unwrap_or(Source::TokenAuthentication);
    let strings = |v: Option<&Value>| -> Option<Vec<String>> {
        v.and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    let groups = GroupConfiguration {
        groups_to_override: Some(strings(claims.id.get("cognito:groups")).unwrap_or_default()),
        iam_roles_to_override: Some(strings(claims.id.get("cognito:roles")).unwrap_or_default()),
        preferred_role: claims
            .id
            .get("cognito:preferred_role")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let scopes: Vec<String> = claims
        .access
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let request = TokenRequest {
        user_attributes: user_attributes(user),
        scopes: (version != "1").then_some(scopes),
        group_configuration: groups,
        client_metadata: scope.client_metadata,
    };
    if version == "1" {
        let response: Option<TokenResponseV1> =
            call(ctx, pool, source, &user.username, Some(client_id), request)?;
        if let Some(details) = response.and_then(|r| r.claims_override_details) {
            let id = ClaimsOverride {
                claims_to_add_or_override: details.claims_to_add_or_override,
                claims_to_suppress: details.claims_to_suppress,
                ..Default::default()
            };
            apply(claims.id, &id, PROTECTED);
            if let Some(g) = details.group_override_details {
                override_groups(claims.id, claims.access, &g);
            }
        }
    } else {
        let response: Option<TokenResponseV2> =
            call(ctx, pool, source, &user.username, Some(client_id), request)?;
        if let Some(details) = response.and_then(|r| r.claims_and_scope_override_details) {
            if let Some(id) = &details.id_token_generation {
                apply(claims.id, id, PROTECTED);
            }
            if let Some(access) = &details.access_token_generation {
                apply(
                    claims.access,
                    access,
                    &[PROTECTED, PROTECTED_ACCESS].concat(),
                );
                change_scopes(claims.access, access);
            }
            if let Some(g) = details.group_override_details {
                override_groups(claims.id, claims.access, &g);
            }
        }
    }
    Ok(())
}

/// Runs the pool's pre token generation trigger on the claims of a machine-to-machine access
/// token of `client_id` (`TokenGeneration_ClientCredentials`): only a V3_0 trigger is called,
/// as in Cognito; its `accessTokenGeneration` changes the claims and scopes, within the same
/// limits as for user tokens. The event has no user: no `userName`, empty `userAttributes`.
pub(crate) fn customize_client_token(
    ctx: &Ctx,
    pool: &UserPool,
    client_id: &str,
    access: &mut Map<String, Value>,
    client_metadata: Option<super::events::Attributes>,
) -> Result<(), ApiError> {
    match configured(pool, Trigger::PreTokenGeneration) {
        Some((_, "3")) => {}
        _ => return Ok(()),
    }
    let scopes: Vec<String> = access
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let request = TokenRequest {
        user_attributes: Default::default(),
        scopes: Some(scopes),
        group_configuration: GroupConfiguration {
            groups_to_override: Some(Vec::new()),
            iam_roles_to_override: Some(Vec::new()),
            preferred_role: None,
        },
        client_metadata,
    };
    let response: Option<TokenResponseV2> = call(
        ctx,
        pool,
        Source::TokenClientCredentials,
        "",
        Some(client_id),
        request,
    )?;
    if let Some(changes) = response
        .and_then(|r| r.claims_and_scope_override_details)
        .and_then(|d| d.access_token_generation)
    {
        apply(access, &changes, &[PROTECTED, PROTECTED_ACCESS].concat());
        change_scopes(access, &changes);
    }
    Ok(())
}

/// Adds, overrides and suppresses the claims of one token, leaving `protected` ones and the
/// group claims as they are.
fn apply(token: &mut Map<String, Value>, changes: &ClaimsOverride, protected: &[&str]) {
    let allowed = |name: &str| {
        let ok = !protected.contains(&name) && !GROUP_CLAIMS.contains(&name);
        if !ok {
            tracing::warn!(
                claim = name,
                "pre token generation may not change this claim: left as it is"
            );
        }
        ok
    };
    let suppressed = changes.claims_to_suppress.clone().unwrap_or_default();
    if let Some(add) = &changes.claims_to_add_or_override {
        for (name, value) in add {
            if !suppressed.contains(name) && allowed(name) {
                token.insert(name.clone(), value.clone());
            }
        }
    }
    for name in &suppressed {
        if allowed(name) {
            token.remove(name);
        }
    }
}

/// `scopesToAdd` and `scopesToSuppress` of the access token's `scope` claim.
fn change_scopes(access: &mut Map<String, Value>, changes: &ClaimsOverride) {
    let mut scopes: Vec<String> = access
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    for s in changes.scopes_to_add.iter().flatten() {
        if !s.is_empty() && !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    if let Some(drop) = &changes.scopes_to_suppress {
        scopes.retain(|s| !drop.contains(s));
    }
    if scopes.is_empty() {
        access.remove("scope");
    } else {
        access.insert("scope".into(), json!(scopes.join(" ")));
    }
}

/// `groupOverrideDetails`: replaces `cognito:groups` of both tokens and the ID token's roles
/// (an empty or missing list removes the claim).
fn override_groups(
    id: &mut Map<String, Value>,
    access: &mut Map<String, Value>,
    groups: &GroupConfiguration,
) {
    let list = |v: &Option<Vec<String>>| v.clone().filter(|l| !l.is_empty()).map(|l| json!(l));
    for token in [&mut *id, &mut *access] {
        match list(&groups.groups_to_override) {
            Some(g) => token.insert("cognito:groups".into(), g),
            None => token.remove("cognito:groups"),
        };
    }
    match list(&groups.iam_roles_to_override) {
        Some(r) => id.insert("cognito:roles".into(), r),
        None => id.remove("cognito:roles"),
    };
    match &groups.preferred_role {
        Some(r) if !r.is_empty() => id.insert("cognito:preferred_role".into(), json!(r)),
        _ => id.remove("cognito:preferred_role"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn claims_are_added_overridden_and_suppressed_but_not_the_protected_ones() {
        let mut token = map(json!({"sub": "s", "email": "a@example.com", "name": "A"}));
        let changes: ClaimsOverride = serde_json::from_value(json!({
            "claimsToAddOrOverride": {"custom:companyId": "42", "name": "B", "sub": "evil", "both": 1},
            "claimsToSuppress": ["email", "both", "iss"],
        }))
        .unwrap();
        apply(&mut token, &changes, PROTECTED);
        assert_eq!(
            Value::Object(token),
            json!({"sub": "s", "name": "B", "custom:companyId": "42"})
        );
    }

    #[test]
    fn scopes_and_groups_change_through_their_lists() {
        let mut access = map(json!({"scope": "aws.cognito.signin.user.admin openid"}));
        let changes: ClaimsOverride = serde_json::from_value(json!({
            "scopesToAdd": ["api/read", "openid"],
            "scopesToSuppress": ["aws.cognito.signin.user.admin"],
        }))
        .unwrap();
        change_scopes(&mut access, &changes);
        assert_eq!(access["scope"], "openid api/read");
        let mut id = map(json!({"cognito:groups": ["a"], "cognito:roles": ["r"]}));
        let mut access = map(json!({"cognito:groups": ["a"]}));
        override_groups(
            &mut id,
            &mut access,
            &GroupConfiguration {
                groups_to_override: Some(vec!["b".into(), "c".into()]),
                iam_roles_to_override: None,
                preferred_role: None,
            },
        );
        assert_eq!(id, map(json!({"cognito:groups": ["b", "c"]})));
        assert_eq!(access, map(json!({"cognito:groups": ["b", "c"]})));
    }
}
