//! Signing in through an external OpenID Connect provider (an identity provider of type
//! `OIDC`): the state carried through the provider, the checks of its ID token, and the
//! federated user (`{ProviderName}_{sub}`, status `EXTERNAL_PROVIDER`, the `identities`
//! attribute, the provider's claims through `AttributeMapping`).
//!
//! The network side (discovery, the code exchange, the JWKS) is `crate::http`; what it fetched
//! comes here to be checked.

use std::collections::BTreeMap;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_model::idp::types::IdentityProviderTypeType as Kind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::identity_providers::{self, IdentityProvider};
use super::links;
use crate::error::ApiError;
use crate::model::{User, UserPool, UserStatus};
use crate::secret_block::Purpose;
use crate::services::Ctx;
use crate::services::triggers::{
    self,
    events::{FederatedAttributes, InboundFederationRequest, PreSignUpRequest, Source},
};

/// Seconds a user may spend at the external provider.
const STATE_LIFETIME: i64 = 600;

/// The endpoints of an OpenID provider: from the identity provider's `ProviderDetails`, or
/// from its discovery document.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OidcEndpoints {
    /// `issuer`.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `jwks_uri`.
    pub jwks_uri: String,
    /// `userinfo_endpoint`: where the user's attributes are read, as Cognito does for an OIDC
    /// provider (`attributes_url` in `ProviderDetails`).
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

impl OidcEndpoints {
    /// The endpoints `ProviderDetails` names (`authorize_url`, `token_url`, `jwks_uri`, and
    /// `attributes_url` if given), if it names the first three.
    pub(crate) fn from_details(idp: &IdentityProvider) -> Option<OidcEndpoints> {
        let d = |k: &str| idp.details.get(k).cloned();
        Some(OidcEndpoints {
            issuer: d("oidc_issuer")?,
            authorization_endpoint: d("authorize_url")?,
            token_endpoint: d("token_url")?,
            jwks_uri: d("jwks_uri")?,
            userinfo_endpoint: d("attributes_url"),
        })
    }

    /// Whether the userInfo request is a POST (`attributes_request_method`; GET otherwise).
    pub(crate) fn userinfo_by_post(idp: &IdentityProvider) -> bool {
        idp.details
            .get("attributes_request_method")
            .is_some_and(|m| m.eq_ignore_ascii_case("POST"))
    }

    /// The discovery document's URL.
    pub(crate) fn discovery_url(idp: &IdentityProvider) -> Option<String> {
        idp.details.get("oidc_issuer").map(|i| {
            format!(
                "{}/.well-known/openid-configuration",
                i.trim_end_matches('/')
            )
        })
    }
}

/// What goes to the provider in `state` and comes back: sealed, so it can be neither read
/// nor forged.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FederationState {
    /// The pool.
    pub pool: String,
    /// The identity provider's name.
    pub provider: String,
    /// The app's authorization request (its query string), to finish once the user is back.
    pub query: String,
    /// The `nonce` sent to the provider.
    pub nonce: String,
    /// When the user was sent.
    pub issued: i64,
}

/// The identity provider an authorization request names (`identity_provider`, or
/// `idp_identifier`), if it is one of the pool's OIDC providers.
pub(crate) fn provider_for(
    ctx: &Ctx,
    pool: &UserPool,
    name: Option<&str>,
    identifier: Option<&str>,
) -> Result<Option<IdentityProvider>, ApiError> {
    let idp = match (name, identifier) {
        (Some(n), _) => identity_providers::get(ctx, &pool.id, n)?,
        (None, Some(i)) => identity_providers::by_identifier(ctx, &pool.id, i).ok(),
        (None, None) => None,
    };
    Ok(idp)
}

/// The provider's authorization URL for the app's request `query`, returning to
/// `idpresponse`.
pub(crate) fn start(
    ctx: &Ctx,
    pool: &UserPool,
    idp: &IdentityProvider,
    query: &str,
    idpresponse: &str,
) -> Result<Vec<(&'static str, String)>, ApiError> {
    if idp.kind != Kind::Oidc {
        return Err(ApiError::invalid(format!(
            "cognate serve signs in only through OIDC identity providers, not {}.",
            idp.kind.as_str()
        )));
    }
    let nonce = URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<16>());
    let state = ctx.sealer.seal(
        Purpose::FederationState,
        &FederationState {
            pool: pool.id.clone(),
            provider: idp.name.clone(),
            query: query.to_owned(),
            nonce: nonce.clone(),
            issued: ctx.now(),
        },
    );
    Ok(vec![
        ("response_type", "code".into()),
        (
            "client_id",
            idp.details.get("client_id").cloned().unwrap_or_default(),
        ),
        ("redirect_uri", idpresponse.to_owned()),
        (
            "scope",
            idp.details
                .get("authorize_scopes")
                .cloned()
                .unwrap_or_else(|| "openid".into()),
        ),
        ("state", state),
        ("nonce", nonce),
    ])
}

/// Opens the `state` a provider sent back.
pub(crate) fn open_state(ctx: &Ctx, state: &str) -> Result<FederationState, ApiError> {
    let s: FederationState = ctx
        .sealer
        .open_b64(Purpose::FederationState, state)
        .ok_or_else(|| ApiError::invalid("The state is not one this server sent."))?;
    if ctx.now() - s.issued > STATE_LIFETIME {
        return Err(ApiError::invalid(
            "The sign-in at the identity provider took too long; start again.",
        ));
    }
    Ok(s)
}

fn b64(v: &Value) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(v.as_str()?).ok()
}

/// The claims of the provider's ID token, checked: RS256 under a key of `jwks`, `iss` the
/// provider's issuer, `aud` its client id, not expired, the `nonce` sent.
pub(crate) fn check_id_token(
    ctx: &Ctx,
    idp: &IdentityProvider,
    endpoints: &OidcEndpoints,
    jwks: &Value,
    id_token: &str,
    nonce: &str,
) -> Result<Map<String, Value>, ApiError> {
    let refused =
        |why: &str| ApiError::not_authorized(format!("Invalid ID token from {}: {why}", idp.name));
    let jws = crate::tokens::split(id_token).ok_or_else(|| refused("not a JWS"))?;
    if jws.header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(refused("not RS256"));
    }
    let kid = jws.header.get("kid").and_then(Value::as_str);
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let verified = keys
        .iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
        .filter(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .any(
            |k| match (k.get("n").and_then(b64), k.get("e").and_then(b64)) {
                (Some(n), Some(e)) => RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(
                        &RSA_PKCS1_2048_8192_SHA256,
                        jws.signed.as_bytes(),
                        &jws.signature,
                    )
                    .is_ok(),
                _ => false,
            },
        );
    if !verified {
        return Err(refused("the signature does not verify"));
    }
    let claims = jws.claims;
    let client_id = idp
        .details
        .get("client_id")
        .map(String::as_str)
        .unwrap_or("");
    if claims.get("iss").and_then(Value::as_str) != Some(endpoints.issuer.as_str()) {
        return Err(refused("iss"));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(client_id)),
        _ => false,
    };
    if !aud_ok {
        return Err(refused("aud"));
    }
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_none_or(|e| e <= ctx.now())
    {
        return Err(refused("expired"));
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(refused("nonce"));
    }
    if claims
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(refused("no sub"));
    }
    Ok(claims)
}

fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The user a provider's checked claims sign in as: the federated user made at the first
/// sign-in (`{ProviderName}_{sub}`, `EXTERNAL_PROVIDER`, its mapped attributes refreshed at
/// each), or the existing user the identity was linked to (AdminLinkProviderForUser, before
/// or by the `PreSignUp_ExternalProvider` trigger of the first sign-in).
///
/// `AttributeMapping` maps the ID token's claims and, as Cognito reads them too, the provider's
/// userInfo answer (`user_info`, whose `sub` must be the ID token's; a claim in both: the
/// userInfo one).
pub(crate) fn link_user(
    ctx: &Ctx,
    pool: &UserPool,
    idp: &IdentityProvider,
    claims: &Map<String, Value>,
    token_response: &Map<String, Value>,
    user_info: Option<&Map<String, Value>>,
    client_id: &str,
) -> Result<User, ApiError> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(info) = user_info
        && info.get("sub").and_then(Value::as_str) != Some(sub)
    {
        // OpenID Connect Core 5.3.2: a userInfo answer about another subject is not used.
        return Err(ApiError::invalid(
            "The identity provider's userInfo answer is about another user than its ID token.",
        ));
    }
    let username = links::federated_username(&idp.name, sub);
    let now = ctx.now();
    let mut mapped = BTreeMap::new();
    for (pool_attr, idp_claim) in &idp.attribute_mapping {
        if pool_attr == "username" {
            continue;
        }
        let value = user_info
            .and_then(|info| info.get(idp_claim))
            .or_else(|| claims.get(idp_claim))
            .and_then(claim_text);
        if let Some(v) = value {
            mapped.insert(pool_attr.clone(), v);
        }
    }
    // InboundFederation may replace the mapped attributes with its own.
    let strings = |m: &Map<String, Value>| -> BTreeMap<String, String> {
        m.iter()
            .map(|(k, v)| (k.clone(), claim_text(v).unwrap_or_else(|| v.to_string())))
            .collect()
    };
    let request = InboundFederationRequest {
        provider_name: idp.name.clone(),
        provider_type: idp.kind.as_str().to_owned(),
        attributes: FederatedAttributes {
            token_response: Some(strings(token_response)),
            id_token: Some(strings(claims)),
            user_info: user_info.map(strings),
        },
    };
    if let Some(replaced) = triggers::inbound_federation(ctx, pool, &username, client_id, request)?
    {
        mapped = replaced
            .into_iter()
            .filter(|(name, _)| name != "username" && name != "sub" && name != "identities")
            .collect();
    }
    let enabled = |user: User| {
        if user.enabled {
            Ok(user)
        } else {
            Err(ApiError::not_authorized("User is disabled."))
        }
    };
    if let Some(mut user) = ctx.store.user_get(&pool.id, &username)? {
        user = enabled(user)?;
        user.attributes.extend(mapped);
        user.modified = now;
        ctx.store.user_put(&user)?;
        return Ok(user);
    }
    if let Some(user) = links::linked_user(ctx, pool, idp, claims)? {
        return enabled(user);
    }
    // The first sign-in: PreSignUp may refuse it, verify the email or phone, or link the
    // identity to an existing user.
    let answer = triggers::pre_sign_up(
        ctx,
        pool,
        Source::PreSignUpExternalProvider,
        &username,
        Some(client_id),
        PreSignUpRequest {
            user_attributes: mapped.clone(),
            validation_data: None,
            client_metadata: None,
        },
    )?;
    if let Some(user) = links::linked_user(ctx, pool, idp, claims)? {
        return enabled(user);
    }
    let mut attributes = mapped;
    if answer.auto_verify_email && attributes.contains_key("email") {
        attributes.insert("email_verified".into(), "true".into());
    }
    if answer.auto_verify_phone && attributes.contains_key("phone_number") {
        attributes.insert("phone_number_verified".into(), "true".into());
    }
    let identities = json!([links::identity_entry(idp, sub, true, now)]);
    attributes.insert("identities".into(), identities.to_string());
    let user = User {
        pool_id: pool.id.clone(),
        username,
        sub: crate::ids::uuid(),
        attributes,
        enabled: true,
        status: UserStatus::ExternalProvider,
        verifier: None,
        created: now,
        modified: now,
        password_set: now,
    };
    if !ctx.store.user_insert(&user)? {
        // Another sign-in of the same user raced this one: use the user it made.
        return ctx
            .store
            .user_get(&pool.id, &user.username)?
            .ok_or_else(ApiError::user_not_found);
    }
    Ok(user)
}
