//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, UpdateUserPoolClient,
//! DeleteUserPoolClient.
//!
//! The requests are typed. The `UserPoolClient` answer stays JSON built here: it echoes the
//! members this server keeps without interpreting (`AppClient::extra`, stored as sent, members
//! the model does not know included), which the model's `UserPoolClientType` cannot carry as
//! they are; for the same reason create and update also take the request body as sent.

use cognate_model::idp::types as t;
use serde_json::{Map, Value, json};

use super::reply;
use crate::error::ApiError;
use crate::model::{AppClient, TimeUnit, Validity};
use crate::services::Ctx;

/// Members interpreted here; others are kept and echoed.
const INTERPRETED: &[&str] = &[
    "UserPoolId",
    "ClientId",
    "ClientName",
    "GenerateSecret",
    "ClientSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AuthSessionValidity",
    "RefreshTokenRotation",
];

/// The settings that CreateUserPoolClient and UpdateUserPoolClient share and this server
/// interprets.
struct Settings {
    access_token_validity: Option<i32>,
    id_token_validity: Option<i32>,
    refresh_token_validity: Option<i32>,
    token_validity_units: Option<t::TokenValidityUnitsType>,
    explicit_auth_flows: Option<Vec<t::ExplicitAuthFlowsType>>,
    read_attributes: Option<Vec<String>>,
    write_attributes: Option<Vec<String>>,
    prevent_user_existence_errors: Option<t::PreventUserExistenceErrorTypes>,
    enable_token_revocation: Option<bool>,
    auth_session_validity: Option<i32>,
    refresh_token_rotation: Option<t::RefreshTokenRotationType>,
    client_name: Option<String>,
}

/// The [`Settings`] of a create or update request (`$name`: its `ClientName`).
macro_rules! settings {
    ($req:expr, $name:expr) => {
        Settings {
            access_token_validity: $req.access_token_validity,
            id_token_validity: $req.id_token_validity,
            refresh_token_validity: $req.refresh_token_validity,
            token_validity_units: $req.token_validity_units,
            explicit_auth_flows: $req.explicit_auth_flows,
            read_attributes: $req.read_attributes,
            write_attributes: $req.write_attributes,
            prevent_user_existence_errors: $req.prevent_user_existence_errors,
            enable_token_revocation: $req.enable_token_revocation,
            auth_session_validity: $req.auth_session_validity,
            refresh_token_rotation: $req.refresh_token_rotation,
            client_name: $name,
        }
    };
}

/// A token validity: `amount` (the request's `…TokenValidity`, named `field`) in `unit` (its
/// member of `TokenValidityUnits`), each falling back to `current`; `units_given`: the request
/// has `TokenValidityUnits`.
fn validity(
    field: &str,
    amount: Option<i32>,
    units_given: bool,
    unit: Option<t::TimeUnitsType>,
    current: Validity,
    (min_secs, max_secs): (i64, i64),
) -> Result<Validity, ApiError> {
    let unit = match unit {
        Some(t::TimeUnitsType::Seconds) => TimeUnit::Seconds,
        Some(t::TimeUnitsType::Minutes) => TimeUnit::Minutes,
        Some(t::TimeUnitsType::Hours) => TimeUnit::Hours,
        Some(t::TimeUnitsType::Days) => TimeUnit::Days,
        None => current.unit,
    };
    let v = Validity {
        amount: amount.map_or(current.amount, i64::from),
        unit,
    };
    if amount.is_some() || units_given {
        let secs = v.secs();
        if secs < min_secs || secs > max_secs {
            return Err(ApiError::invalid(format!(
                "Invalid range for token validity: {field} must be between {min_secs} and {max_secs} seconds."
            )));
        }
    }
    Ok(v)
}

/// Applies `s` to `client`, and keeps the members of `body` (the request as sent) that are not
/// interpreted here.
fn apply(
    client: &mut AppClient,
    s: Settings,
    body: &Map<String, Value>,
    pool_attrs: &[String],
) -> Result<(), ApiError> {
    let units = s.token_validity_units.as_ref();
    let given = units.is_some();
    client.access_validity = validity(
        "AccessTokenValidity",
        s.access_token_validity,
        given,
        units.and_then(|u| u.access_token),
        client.access_validity,
        (300, 86_400),
    )?;
    client.id_validity = validity(
        "IdTokenValidity",
        s.id_token_validity,
        given,
        units.and_then(|u| u.id_token),
        client.id_validity,
        (300, 86_400),
    )?;
    client.refresh_validity = validity(
        "RefreshTokenValidity",
        s.refresh_token_validity,
        given,
        units.and_then(|u| u.refresh_token),
        client.refresh_validity,
        (3600, 315_360_000),
    )?;
    if client.refresh_validity.secs()
        <= client.access_validity.secs().max(client.id_validity.secs())
    {
        return Err(ApiError::invalid(
            "Invalid range for token validity: the refresh token must outlive access and ID tokens.",
        ));
    }
    // The values were checked against the model's enum (every flow, the 2024–25 ones too).
    if let Some(flows) = s.explicit_auth_flows {
        client.explicit_auth_flows = if flows.is_empty() {
            default_flows()
        } else {
            flows.iter().map(|f| f.as_str().to_owned()).collect()
        };
    }
    for (field, given) in [
        ("ReadAttributes", s.read_attributes),
        ("WriteAttributes", s.write_attributes),
    ] {
        if let Some(attrs) = given {
            for a in &attrs {
                if !pool_attrs.contains(a) {
                    return Err(ApiError::invalid(format!(
                        "Invalid {field}: {a} is not an attribute of the user pool."
                    )));
                }
            }
            if field == "ReadAttributes" {
                client.read_attributes = attrs;
            } else {
                client.write_attributes = attrs;
            }
        }
    }
    // Ranges and enums below were checked against the model (requests and seed files).
    if let Some(p) = s.prevent_user_existence_errors {
        client.prevent_user_existence_errors = p.as_str().to_owned();
    }
    if let Some(b) = s.enable_token_revocation {
        client.enable_token_revocation = b;
    }
    if let Some(m) = s.auth_session_validity {
        client.auth_session_validity = i64::from(m);
    }
    if let Some(rot) = s.refresh_token_rotation {
        client.refresh_rotation = rot.feature == t::FeatureType::Enabled;
        if let Some(g) = rot.retry_grace_period_seconds {
            client.rotation_grace_secs = i64::from(g);
        }
    }
    if let Some(name) = s.client_name {
        client.name = name;
    }
    for (k, v) in body {
        if !INTERPRETED.contains(&k.as_str()) {
            client.extra.insert(k.clone(), v.clone());
        }
    }
    Ok(())
}

fn default_flows() -> Vec<String> {
    [
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    .map(String::from)
    .to_vec()
}

fn pool_attribute_names(pool: &crate::model::UserPool) -> Vec<String> {
    crate::model::STANDARD_ATTRIBUTES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .chain(pool.custom_attributes.iter().map(|c| c.name.clone()))
        .collect()
}

/// CreateUserPoolClient; `fixed` lets a seed file choose the id and secret. `body` is the
/// request as sent.
pub(crate) fn create(
    ctx: &Ctx,
    req: t::CreateUserPoolClientRequest,
    body: &Map<String, Value>,
    fixed: Option<(Option<String>, Option<String>)>,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let (fixed_id, fixed_secret) = fixed.unwrap_or((None, None));
    let generate = req.generate_secret.unwrap_or(false);
    let given = req.client_secret.as_deref();
    if generate && given.is_some() {
        return Err(ApiError::invalid(
            "You cannot specify both GenerateSecret as true and provide a ClientSecret value.",
        ));
    }
    let now = ctx.now();
    // A custom ClientSecret (2025) is the client's secret: SECRET_HASH and every other check use
    // it, exactly as a generated one.
    let secret = match (fixed_secret, given) {
        (Some(s), _) => Some(s),
        (None, Some(s)) => Some(s.to_owned()),
        (None, None) if generate => Some(crate::ids::client_secret()),
        (None, None) => None,
    };
    let id = fixed_id.unwrap_or_else(crate::ids::client_id);
    let mut client = defaults(&pool.id, id, secret, now);
    let name = Some(req.client_name.clone());
    apply(
        &mut client,
        settings!(req, name),
        body,
        &pool_attribute_names(&pool),
    )?;
    crate::services::oauth::client_settings::check(ctx, &client)?;
    if ctx.store.client_get(&client.id)?.is_some() {
        return Err(ApiError::invalid(format!(
            "Client id {} already exists",
            client.id
        )));
    }
    ctx.store.client_put(&client)?;
    Ok(json!({ "UserPoolClient": render(&client) }))
}

/// The `UserPoolClient` shape (untyped: it carries `AppClient::extra`).
pub(crate) fn render(c: &AppClient) -> Value {
    let mut v = json!({
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ClientId": c.id,
        "LastModifiedDate": c.modified,
        "CreationDate": c.created,
        "RefreshTokenValidity": c.refresh_validity.amount,
        "AccessTokenValidity": c.access_validity.amount,
        "IdTokenValidity": c.id_validity.amount,
        "TokenValidityUnits": {
            "AccessToken": c.access_validity.unit.as_str(),
            "IdToken": c.id_validity.unit.as_str(),
            "RefreshToken": c.refresh_validity.unit.as_str(),
        },
        "ExplicitAuthFlows": c.explicit_auth_flows,
        "AllowedOAuthFlowsUserPoolClient": false,
        "PreventUserExistenceErrors": c.prevent_user_existence_errors,
        "EnableTokenRevocation": c.enable_token_revocation,
        "EnablePropagateAdditionalUserContextData": false,
        "AuthSessionValidity": c.auth_session_validity,
        "RefreshTokenRotation": {
            "Feature": if c.refresh_rotation { "ENABLED" } else { "DISABLED" },
            "RetryGracePeriodSeconds": c.rotation_grace_secs,
        },
    });
    if let Some(s) = &c.secret {
        v["ClientSecret"] = json!(s);
    }
    if !c.read_attributes.is_empty() {
        v["ReadAttributes"] = json!(c.read_attributes);
    }
    if !c.write_attributes.is_empty() {
        v["WriteAttributes"] = json!(c.write_attributes);
    }
    if let Value::Object(m) = &mut v {
        for (k, val) in &c.extra {
            m.insert(k.clone(), val.clone());
        }
    }
    v
}

pub(crate) fn describe(
    ctx: &Ctx,
    req: t::DescribeUserPoolClientRequest,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    Ok(json!({ "UserPoolClient": render(&client) }))
}

pub(crate) fn list(ctx: &Ctx, req: t::ListUserPoolClientsRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    // 1..=60, as the model's QueryLimit checked.
    let max = req.max_results.unwrap_or(60).max(1);
    let offset = super::parse_offset(req.next_token.as_deref())?;
    let clients = ctx.store.client_list(&pool.id)?;
    let page = clients
        .iter()
        .skip(offset as usize)
        .take(max as usize)
        .map(|c| t::UserPoolClientDescription {
            client_id: Some(c.id.clone()),
            client_name: Some(c.name.clone()),
            user_pool_id: Some(c.pool_id.clone()),
        })
        .collect();
    let next = offset.saturating_add(max as u64);
    reply(&t::ListUserPoolClientsResponse {
        next_token: ((next as usize) < clients.len()).then(|| super::offset_token(next)),
        user_pool_clients: Some(page),
    })
}

/// An app client with Cognito's defaults for every setting.
fn defaults(pool_id: &str, id: String, secret: Option<String>, now: i64) -> AppClient {
    AppClient {
        pool_id: pool_id.to_owned(),
        id,
        name: String::new(),
        secret,
        created: now,
        modified: now,
        explicit_auth_flows: default_flows(),
        access_validity: Validity {
            amount: 60,
            unit: TimeUnit::Minutes,
        },
        id_validity: Validity {
            amount: 60,
            unit: TimeUnit::Minutes,
        },
        refresh_validity: Validity {
            amount: 30,
            unit: TimeUnit::Days,
        },
        read_attributes: Vec::new(),
        write_attributes: Vec::new(),
        prevent_user_existence_errors: "LEGACY".into(),
        enable_token_revocation: true,
        refresh_rotation: false,
        rotation_grace_secs: 0,
        auth_session_validity: 3,
        extra: Map::new(),
        secret_created: None,
        extra_secrets: Vec::new(),
    }
}

/// UpdateUserPoolClient replaces the client's settings: what the request leaves out goes back to
/// its default, as Cognito documents and does (token validities, auth flows, attributes, …).
/// The id, secret, creation date and — unless `ClientName` is given — the name stay.
/// `body` is the request as sent.
pub(crate) fn update(
    ctx: &Ctx,
    req: t::UpdateUserPoolClientRequest,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let old = ctx.pool_client(&pool.id, &req.client_id)?;
    let mut client = defaults(&pool.id, old.id, old.secret, old.created);
    client.name = old.name;
    (client.secret_created, client.extra_secrets) = (old.secret_created, old.extra_secrets);
    let name = req.client_name.clone();
    apply(
        &mut client,
        settings!(req, name),
        body,
        &pool_attribute_names(&pool),
    )?;
    client.modified = ctx.now();
    crate::services::oauth::client_settings::check(ctx, &client)?;
    ctx.store.client_put(&client)?;
    Ok(json!({ "UserPoolClient": render(&client) }))
}

pub(crate) fn delete(ctx: &Ctx, req: t::DeleteUserPoolClientRequest) -> Result<Value, ApiError> {
    let pool = ctx.pool(&req.user_pool_id)?;
    let client = ctx.pool_client(&pool.id, &req.client_id)?;
    ctx.store.client_delete(&client.id)?;
    Ok(json!({}))
}
