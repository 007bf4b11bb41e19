//! What an app client allows and how it proves itself: its auth flows, `SECRET_HASH`, and its
//! client secret.

use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::model::AppClient;

/// Checks `SECRET_HASH` for a client with a secret against any of `names`, under any of its
/// live secrets (two during a rotation).
pub(crate) fn check_secret_hash(
    client: &AppClient,
    given: Option<&str>,
    names: &[&str],
) -> Result<(), ApiError> {
    let secrets = client.live_secrets();
    if secrets.is_empty() {
        return Ok(());
    }
    let Some(given) = given else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured for secret but secret was not received",
            client.id
        )));
    };
    let ok = secrets.iter().any(|secret| {
        names.iter().any(|name| {
            let expected = cognate_srp::secret_hash(&secret.value, name, &client.id);
            bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
        })
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

/// Checks a client secret sent as such (GetTokensFromRefreshToken, client authentication):
/// any live secret of the client matches.
pub(crate) fn check_client_secret(client: &AppClient, given: Option<&str>) -> Result<(), ApiError> {
    let secrets = client.live_secrets();
    if secrets.is_empty() {
        return Ok(());
    }
    let matches = given.is_some_and(|g| {
        secrets
            .iter()
            .any(|s| bool::from(s.value.as_bytes().ct_eq(g.as_bytes())))
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

/// Whether `client` allows `flow` (an `ALLOW_…` name), reading legacy names too.
pub(crate) fn allows(client: &AppClient, flow: &str) -> bool {
    client
        .explicit_auth_flows
        .iter()
        .any(|f| normalize(f) == flow)
}

/// The `ALLOW_` name of a (possibly legacy) flow name.
pub(crate) fn normalize(flow: &str) -> &str {
    match flow {
        "ADMIN_NO_SRP_AUTH" => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "CUSTOM_AUTH_FLOW_ONLY" => "ALLOW_CUSTOM_AUTH",
        "USER_PASSWORD_AUTH" => "ALLOW_USER_PASSWORD_AUTH",
        other => other,
    }
}
