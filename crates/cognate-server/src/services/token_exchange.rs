//! GetDerivedToken, OAuth 2.0 Token Exchange (RFC 8693) over the API: an access or ID token of
//! this pool (the subject) is exchanged for a new access or ID token for the requesting app
//! client, narrowed to the scopes asked for and bound to the audiences or resource servers
//! named. With an actor token (delegation) the issued token carries RFC 8693's `act` claim
//! naming the actor; without one (impersonation) it looks as if the user acted directly. The
//! client needs `ALLOW_TOKEN_EXCHANGE_DELEGATION` or `ALLOW_TOKEN_EXCHANGE_IMPERSONATION`
//! accordingly, and proves itself with a live secret when it has one. The issued token never
//! outlives the subject token, and stays in the subject's login (`origin_jti`), so revoking
//! that login revokes it too. SAML 2.0 and third-party subject tokens need the pool's identity
//! providers, which are the OAuth issue's.

use cognate_model::idp::types as t;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::clients::check_client_secret;
use super::tokens::check_access_token;
use crate::error::ApiError;
use crate::model::{AppClient, UserPool};

/// What a request asks for.
pub(crate) struct Exchange<'a> {
    pub(crate) subject: &'a str,
    pub(crate) subject_type: t::TokenTypeIdentifierType,
    pub(crate) actor: Option<(&'a str, t::TokenTypeIdentifierType)>,
    pub(crate) provider_named: bool,
    pub(crate) scopes: Option<&'a [String]>,
    pub(crate) audiences: Option<&'a [String]>,
    pub(crate) resources: Option<&'a [String]>,
    pub(crate) requested: Option<t::IssuedTokenTypeIdentifierType>,
}

/// The issued token.
pub(crate) struct Issued {
    pub(crate) token: String,
    pub(crate) kind: t::IssuedTokenTypeIdentifierType,
    pub(crate) expires_in: i64,
    pub(crate) scopes: Vec<String>,
}

fn invalid_token(which: &str) -> ApiError {
    ApiError::not_authorized(format!("Invalid {which}."))
}

/// The claims of a valid token of this server of type `kind`, with its pool.
fn check_token(
    ctx: &Ctx,
    token: &str,
    kind: t::TokenTypeIdentifierType,
    which: &str,
) -> Result<(UserPool, Map<String, Value>), ApiError> {
    match kind {
        t::TokenTypeIdentifierType::AccessToken => check_access_token(ctx, token),
        t::TokenTypeIdentifierType::IdToken => {
            let jws = crate::tokens::split(token).ok_or_else(|| invalid_token(which))?;
            let claims = jws.claims.clone();
            let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
            let pool_id = iss.rsplit('/').next().unwrap_or("");
            let pool = ctx
                .store
                .pool_get(pool_id)?
                .ok_or_else(|| invalid_token(which))?;
            let keys = ctx.pool_keys(&pool)?;
            let valid = iss == ctx.issuer_for(&pool.id)
                && jws.header.get("kid").and_then(Value::as_str) == Some(keys.id.kid.as_str())
                && keys.id.verify(jws.signed.as_bytes(), &jws.signature)
                && claims.get("token_use").and_then(Value::as_str) == Some("id");
            if !valid {
                return Err(invalid_token(which));
            }
            let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
            if ctx.now() >= exp {
                return Err(ApiError::not_authorized(format!(
                    "The {which} has expired."
                )));
            }
            if let Some(jti) = claims.get("origin_jti").and_then(Value::as_str)
                && ctx.store.family_revoked(jti)?
            {
                return Err(ApiError::not_authorized(format!(
                    "The {which} has been revoked."
                )));
            }
            Ok((pool, claims))
        }
        t::TokenTypeIdentifierType::Saml2 => Err(ApiError::invalid(format!(
            "SAML2 {which}s need a SAML identity provider of the user pool, which cognate serve does not have yet."
        ))),
    }
}

fn has_flow(client: &AppClient, flow: &str) -> bool {
    client.explicit_auth_flows.iter().any(|f| f == flow)
}

/// Exchanges `req.subject` for a token of `client`, proven by `secret`.
pub(crate) fn exchange(
    ctx: &Ctx,
    client: &AppClient,
    secret: Option<&str>,
    req: &Exchange<'_>,
) -> Result<Issued, ApiError> {
    if !client.live_secrets().is_empty() {
        check_client_secret(client, secret)?;
    }
    let flow = if req.actor.is_some() {
        "ALLOW_TOKEN_EXCHANGE_DELEGATION"
    } else {
        "ALLOW_TOKEN_EXCHANGE_IMPERSONATION"
    };
    if !has_flow(client, flow) {
        return Err(ApiError::not_authorized(format!(
            "Client {} is not allowed {flow}.",
            client.id
        )));
    }
    if req.provider_named {
        return Err(ApiError::invalid(
            "Tokens of third-party identity providers need the user pool's identity providers, which cognate serve does not have yet.",
        ));
    }
    if req.audiences.is_some_and(|a| !a.is_empty()) && req.resources.is_some_and(|r| !r.is_empty())
    {
        return Err(ApiError::invalid(
            "Audiences and Resources cannot both be requested.",
        ));
    }
    let (pool, subject) = check_token(ctx, req.subject, req.subject_type, "subject token")?;
    if pool.id != client.pool_id {
        return Err(invalid_token("subject token"));
    }
    let actor = match req.actor {
        Some((token, kind)) => {
            let (actor_pool, claims) = check_token(ctx, token, kind, "actor token")?;
            if actor_pool.id != pool.id {
                return Err(invalid_token("actor token"));
            }
            Some(claims)
        }
        None => None,
    };
    let subject_scopes: Vec<String> = subject
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| {
            s.split(' ')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let allowed: Vec<String> = client
        .extra
        .get("AllowedOAuthScopes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let scopes: Vec<String> = match req.scopes {
        Some(asked) if !asked.is_empty() => asked
            .iter()
            .filter(|s| subject_scopes.contains(s) && (allowed.is_empty() || allowed.contains(s)))
            .cloned()
            .collect(),
        _ => subject_scopes,
    };
    let kind = req.requested.unwrap_or(match req.subject_type {
        t::TokenTypeIdentifierType::IdToken => t::IssuedTokenTypeIdentifierType::IdToken,
        _ => t::IssuedTokenTypeIdentifierType::AccessToken,
    });
    let now = ctx.now();
    let subject_exp = subject.get("exp").and_then(Value::as_i64).unwrap_or(now);
    let validity = match kind {
        t::IssuedTokenTypeIdentifierType::AccessToken => client.access_validity.secs(),
        t::IssuedTokenTypeIdentifierType::IdToken => client.id_validity.secs(),
    };
    let expires_in = validity.min(subject_exp - now).max(0);
    let mut claims = Map::new();
    for kept in [
        "sub",
        "username",
        "cognito:username",
        "cognito:groups",
        "origin_jti",
        "event_id",
        "auth_time",
        "device_key",
    ] {
        if let Some(v) = subject.get(kept) {
            claims.insert(kept.into(), v.clone());
        }
    }
    claims.insert("iss".into(), json!(ctx.issuer_for(&pool.id)));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + expires_in));
    claims.insert("jti".into(), json!(crate::ids::uuid()));
    let audiences: Vec<String> = req
        .audiences
        .or(req.resources)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    match kind {
        t::IssuedTokenTypeIdentifierType::AccessToken => {
            claims.insert("token_use".into(), json!("access"));
            claims.insert("client_id".into(), json!(client.id));
            claims.insert("version".into(), json!(2));
            claims.insert("scope".into(), json!(scopes.join(" ")));
            if !audiences.is_empty() {
                claims.insert("aud".into(), json!(audiences));
            }
        }
        t::IssuedTokenTypeIdentifierType::IdToken => {
            claims.insert("token_use".into(), json!("id"));
            let mut aud = vec![client.id.clone()];
            aud.extend(audiences);
            claims.insert(
                "aud".into(),
                if aud.len() == 1 {
                    json!(aud[0])
                } else {
                    json!(aud)
                },
            );
        }
    }
    if let Some(actor) = actor {
        let who = actor
            .get("sub")
            .or_else(|| actor.get("client_id"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut act = json!({ "sub": who });
        if let Some(c) = actor.get("client_id") {
            act["client_id"] = c.clone();
        }
        claims.insert("act".into(), act);
    }
    let keys = ctx.pool_keys(&pool)?;
    let token = match kind {
        t::IssuedTokenTypeIdentifierType::AccessToken => {
            keys.access.sign(&Value::Object(claims))?
        }
        t::IssuedTokenTypeIdentifierType::IdToken => keys.id.sign(&Value::Object(claims))?,
    };
    Ok(Issued {
        token,
        kind,
        expires_in,
        scopes,
    })
}
