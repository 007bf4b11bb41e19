//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, UpdateUserPoolClient,
//! DeleteUserPoolClient.

use serde_json::{Map, Value, json};

use super::Req;
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

struct Settings<'a> {
    req: &'a Req,
}

impl Settings<'_> {
    fn validity(
        &self,
        field: &str,
        unit_field: &str,
        current: Validity,
        min_secs: i64,
        max_secs: i64,
    ) -> Result<Validity, ApiError> {
        let units = self.req.opt_obj("TokenValidityUnits")?;
        let unit = match units
            .as_ref()
            .map(|u| u.opt_str(unit_field))
            .transpose()?
            .flatten()
        {
            Some(u) => TimeUnit::parse(u).ok_or_else(|| {
                ApiError::invalid(format!(
                    "TokenValidityUnits.{unit_field} must be seconds, minutes, hours or days"
                ))
            })?,
            None => current.unit,
        };
        let amount = self.req.opt_i64(field)?.unwrap_or(current.amount);
        let v = Validity { amount, unit };
        if self.req.get(field).is_some() || units.is_some() {
            let secs = v.secs();
            if secs < min_secs || secs > max_secs {
                return Err(ApiError::invalid(format!(
                    "Invalid range for token validity: {field} must be between {min_secs} and {max_secs} seconds."
                )));
            }
        }
        Ok(v)
    }
}

fn apply(client: &mut AppClient, req: &Req, pool_attrs: &[String]) -> Result<(), ApiError> {
    let s = Settings { req };
    client.access_validity = s.validity(
        "AccessTokenValidity",
        "AccessToken",
        client.access_validity,
        300,
        86_400,
    )?;
    client.id_validity = s.validity(
        "IdTokenValidity",
        "IdToken",
        client.id_validity,
        300,
        86_400,
    )?;
    client.refresh_validity = s.validity(
        "RefreshTokenValidity",
        "RefreshToken",
        client.refresh_validity,
        3600,
        315_360_000,
    )?;
    if client.refresh_validity.secs()
        <= client.access_validity.secs().max(client.id_validity.secs())
    {
        return Err(ApiError::invalid(
            "Invalid range for token validity: the refresh token must outlive access and ID tokens.",
        ));
    }
    // The values were checked against the model's enum (every flow, the 2024–25 ones too).
    if let Some(flows) = req.opt_str_list("ExplicitAuthFlows")? {
        client.explicit_auth_flows = if flows.is_empty() {
            default_flows()
        } else {
            flows
        };
    }
    for field in ["ReadAttributes", "WriteAttributes"] {
        if let Some(attrs) = req.opt_str_list(field)? {
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
    if let Some(p) = req.opt_str("PreventUserExistenceErrors")? {
        if !["ENABLED", "LEGACY"].contains(&p) {
            return Err(ApiError::invalid(
                "PreventUserExistenceErrors must be ENABLED or LEGACY",
            ));
        }
        client.prevent_user_existence_errors = p.to_owned();
    }
    if let Some(b) = req.opt_bool("EnableTokenRevocation")? {
        client.enable_token_revocation = b;
    }
    // Ranges and enums below were checked against the model (requests and seed files).
    if let Some(m) = req.opt_i64("AuthSessionValidity")? {
        client.auth_session_validity = m;
    }
    if let Some(rot) = req.opt_obj("RefreshTokenRotation")? {
        if let Some(f) = rot.opt_str("Feature")? {
            client.refresh_rotation = f == "ENABLED";
        }
        if let Some(g) = rot.opt_i64("RetryGracePeriodSeconds")? {
            client.rotation_grace_secs = g;
        }
    }
    if let Some(name) = req.opt_str("ClientName")? {
        client.name = name.to_owned();
    }
    for (k, v) in &req.0 {
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

/// CreateUserPoolClient; `fixed` lets a seed file choose the id and secret.
pub(crate) fn create(
    ctx: &Ctx,
    req: &Req,
    fixed: Option<(Option<String>, Option<String>)>,
) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    req.str("ClientName")?;
    let (fixed_id, fixed_secret) = fixed.unwrap_or((None, None));
    let generate = req.opt_bool("GenerateSecret")?.unwrap_or(false);
    let given = req.opt_str("ClientSecret")?;
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
    apply(&mut client, req, &pool_attribute_names(&pool))?;
    if ctx.store.client_get(&client.id)?.is_some() {
        return Err(ApiError::invalid(format!(
            "Client id {} already exists",
            client.id
        )));
    }
    ctx.store.client_put(&client)?;
    Ok(json!({ "UserPoolClient": render(&client) }))
}

/// The `UserPoolClient` shape.
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

pub(crate) fn describe(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let client = ctx.pool_client(&pool.id, req.str("ClientId")?)?;
    Ok(json!({ "UserPoolClient": render(&client) }))
}

pub(crate) fn list(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    // 1..=60, as the model's QueryLimit checked.
    let max = req.opt_i64("MaxResults")?.unwrap_or(60).max(1);
    let offset = super::parse_offset(req.opt_str("NextToken")?)?;
    let clients = ctx.store.client_list(&pool.id)?;
    let page: Vec<Value> = clients
        .iter()
        .skip(offset as usize)
        .take(max as usize)
        .map(|c| json!({"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name}))
        .collect();
    let mut out = json!({ "UserPoolClients": page });
    let next = offset.saturating_add(max as u64);
    if (next as usize) < clients.len() {
        out["NextToken"] = json!(super::offset_token(next));
    }
    Ok(out)
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
    }
}

/// UpdateUserPoolClient replaces the client's settings: what the request leaves out goes back to
/// its default, as Cognito documents and does (token validities, auth flows, attributes, …).
/// The id, secret, creation date and — unless `ClientName` is given — the name stay.
pub(crate) fn update(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let old = ctx.pool_client(&pool.id, req.str("ClientId")?)?;
    let mut client = defaults(&pool.id, old.id, old.secret, old.created);
    client.name = old.name;
    apply(&mut client, req, &pool_attribute_names(&pool))?;
    client.modified = ctx.now();
    ctx.store.client_put(&client)?;
    Ok(json!({ "UserPoolClient": render(&client) }))
}

pub(crate) fn delete(ctx: &Ctx, req: &Req) -> Result<Value, ApiError> {
    let pool = ctx.pool(req.str("UserPoolId")?)?;
    let client = ctx.pool_client(&pool.id, req.str("ClientId")?)?;
    ctx.store.client_delete(&client.id)?;
    Ok(json!({}))
}
