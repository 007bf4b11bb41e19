//! Client-secret rotation (AddUserPoolClientSecret, ListUserPoolClientSecrets,
//! DeleteUserPoolClientSecret): a confidential client has one or two live secrets, each valid
//! for `SECRET_HASH` and client authentication (`services::clients`); the last one cannot be
//! deleted. Ids are `<client-id>--<epoch-create-time>`, as Cognito forms them.

use cognate_model::idp::ErrorKind as E;

use super::Ctx;
use crate::error::ApiError;
use crate::model::{AppClient, ClientSecret};

/// At most this many live secrets per client, as Cognito's.
pub(crate) const MAX_SECRETS: usize = 2;

/// Adds a secret to `client` (`value`, or a generated one); returns it and whether it was
/// generated (only a generated value is shown back).
pub(crate) fn add(
    ctx: &Ctx,
    mut client: AppClient,
    value: Option<String>,
) -> Result<(ClientSecret, bool), ApiError> {
    let live = client.live_secrets();
    if live.is_empty() {
        return Err(ApiError::invalid(format!(
            "Client {} does not have a client secret: secrets can be added to confidential clients only.",
            client.id
        )));
    }
    if live.len() >= MAX_SECRETS {
        return Err(ApiError::new(
            E::LimitExceededException,
            format!(
                "Client {} already has {MAX_SECRETS} client secrets: delete one first.",
                client.id
            ),
        ));
    }
    let generated = value.is_none();
    let value = value.unwrap_or_else(crate::ids::client_secret);
    if live.iter().any(|s| s.value == value) {
        return Err(ApiError::invalid(
            "The client already has this client secret.",
        ));
    }
    // Ids carry the creation second; two secrets made within one second get the next free one.
    let mut created = ctx.now();
    while live.iter().any(|s| s.created == created) {
        created += 1;
    }
    let secret = ClientSecret {
        id: format!("{}--{created}", client.id),
        value,
        created,
    };
    client.extra_secrets.push(secret.clone());
    client.modified = ctx.now();
    ctx.store.client_put(&client)?;
    Ok((secret, generated))
}

/// Deletes secret `id` of `client`: never its last one. When the original secret goes, the
/// other becomes the one DescribeUserPoolClient shows.
pub(crate) fn delete(ctx: &Ctx, mut client: AppClient, id: &str) -> Result<(), ApiError> {
    let live = client.live_secrets();
    let Some(position) = live.iter().position(|s| s.id == id) else {
        return Err(ApiError::new(
            E::ResourceNotFoundException,
            format!("Client secret {id} does not exist."),
        ));
    };
    if live.len() == 1 {
        return Err(ApiError::invalid(
            "The last client secret of an app client cannot be deleted.",
        ));
    }
    if position == 0 && client.secret.is_some() {
        let next = client.extra_secrets.remove(0);
        client.secret = Some(next.value);
        client.secret_created = Some(next.created);
    } else {
        client.extra_secrets.retain(|s| s.id != id);
    }
    client.modified = ctx.now();
    ctx.store.client_put(&client)?;
    Ok(())
}
