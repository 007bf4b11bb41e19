//! `cognate whoami` (GetUser) and `cognate logout` (RevokeToken or GlobalSignOut, then the token
//! file removed whatever the server said).

use clap::Args;
use cognate_client::{BrowserSignIn, ClientTokenStore, TokenStore};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::connection::ConnectionArgs;
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::machine::Machine;
use crate::oidc_profile::OidcProfile;
use crate::output::{Output, Ui, env_line};
use crate::session::{Session, runtime};

/// `cognate whoami`.
#[derive(Args, Debug)]
pub struct WhoamiArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `cognate logout`.
#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Sign out everywhere (GlobalSignOut: every refresh token of the user), not only this login.
    #[arg(long)]
    global: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `cognate whoami`.
pub fn whoami(args: WhoamiArgs, ui: &Ui) -> Result<()> {
    if let Some(machine) = Machine::open(&args.connection)? {
        return machine_whoami(&machine, ui);
    }
    if let Some(oidc) = OidcProfile::open(&args.connection)? {
        return oidc.whoami(ui);
    }
    let session = Session::open(&args.connection)?;
    let (_source, tokens) = session.source()?;
    let user = runtime()?
        .block_on(session.client.get_user(tokens.access_token().as_str()))
        .map_err(|e| session.error(e))?;
    let scope = tokens
        .access_token()
        .claims()
        .scope
        .clone()
        .unwrap_or_default();
    match ui.output {
        Output::Text => {
            println!("username: {}", user.username);
            for (k, v) in &user.attributes {
                println!("{k}: {v}");
            }
            println!("scopes: {scope}");
        }
        Output::Json => crate::output::print_json(&json!({
            "username": user.username,
            "attributes": user.attributes,
            "mfa_methods": user.mfa_methods,
            "scopes": scope.split_ascii_whitespace().collect::<Vec<_>>(),
            "client_id": session.client.client_id(),
        }))?,
        Output::Env => {
            println!("{}", env_line("COGNATE_WHOAMI_USERNAME", &user.username));
            println!("{}", env_line("COGNATE_WHOAMI_SCOPES", &scope));
            // Every attribute: `custom:companyId` → COGNATE_WHOAMI_CUSTOM_COMPANYID.
            for (k, v) in &user.attributes {
                let name: String = k
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_uppercase()
                        } else {
                            '_'
                        }
                    })
                    .collect();
                println!("{}", env_line(&format!("COGNATE_WHOAMI_{name}"), v));
            }
        }
    }
    Ok(())
}

/// `cognate whoami` for a machine-to-machine profile: the app client and its token's scopes.
fn machine_whoami(machine: &Machine, ui: &Ui) -> Result<()> {
    let token = machine.token()?;
    let scopes: Vec<&str> = token.scopes().collect();
    match ui.output {
        Output::Text => {
            println!("client: {}", machine.client_id());
            println!("principal: app client (client_credentials)");
            println!("scopes: {}", scopes.join(" "));
            println!("expires_at: {}", token.expires_at());
        }
        Output::Json => crate::output::print_json(&json!({
            "client_id": machine.client_id(),
            "principal": "client",
            "scopes": scopes,
            "expires_at": token.expires_at(),
        }))?,
        Output::Env => {
            println!(
                "{}",
                env_line("COGNATE_WHOAMI_CLIENT_ID", machine.client_id())
            );
            println!("{}", env_line("COGNATE_WHOAMI_SCOPES", &scopes.join(" ")));
        }
    }
    Ok(())
}

/// Runs `cognate logout`.
pub fn logout(args: LogoutArgs, ui: &Ui) -> Result<()> {
    if ui.output == Output::Env {
        return Err(ui.unsupported("logout", &[Output::Text, Output::Json]));
    }
    if let Some(machine) = Machine::open(&args.connection)? {
        machine
            .store
            .remove_client_token(&machine.profile)
            .map_err(crate::session::client_error)?;
        ui.status(&format!(
            "forgot the app client's token of profile {} (client_credentials tokens cannot be revoked; it expires by itself)",
            machine.profile
        ));
        if ui.output == Output::Json {
            crate::output::print_json(&json!({
                "profile": machine.profile,
                "logged_out": true,
                "server": "nothing to revoke",
            }))?;
        }
        return Ok(());
    }
    if let Some(oidc) = OidcProfile::open(&args.connection)? {
        return oidc.logout(ui);
    }
    let session = Session::open(&args.connection)?;
    let stored = session
        .store
        .load(&session.profile)
        .map_err(|e| session.error(e))?;
    let Some(tokens) = stored else {
        ui.status(&format!(
            "not logged in (no tokens for profile {}); nothing to do",
            session.profile
        ));
        if ui.output == Output::Json {
            crate::output::print_json(&json!({
                "profile": session.profile,
                "logged_out": false,
                "server": "not logged in",
            }))?;
        }
        return Ok(());
    };
    let rt = runtime()?;
    let server = if args.global {
        let (_source, fresh) = session.source()?;
        rt.block_on(
            session
                .client
                .global_sign_out(fresh.access_token().as_str()),
        )
        .map(|()| "signed out everywhere (GlobalSignOut)")
    } else if let (Some(refresh), Some(domain)) =
        (tokens.refresh_token(), &session.connection.domain)
    {
        // A browser sign-in (the profile knows the pool's domain): revoke at /oauth2/revoke.
        rt.block_on(revoke_at_domain(
            &session,
            &domain.value,
            refresh.expose_secret(),
        ))
        .map(|()| "refresh token revoked (/oauth2/revoke)")
    } else if let Some(refresh) = tokens.refresh_token() {
        rt.block_on(session.client.revoke_token(refresh.expose_secret()))
            .map(|()| "refresh token revoked")
    } else {
        Ok("no refresh token to revoke")
    };
    let removed = session
        .store
        .remove(&session.profile)
        .map_err(|e| session.error(e));
    match (server, removed) {
        (Ok(what), Ok(())) => {
            if ui.output == Output::Json {
                crate::output::print_json(&json!({
                    "profile": session.profile,
                    "logged_out": true,
                    "server": what,
                    "removed": session.token_path().display().to_string(),
                }))?;
            }
            ui.status(&format!(
                "logged out of profile {}: {what}; removed {}",
                session.profile,
                session.token_path().display()
            ));
            Ok(())
        }
        (Err(e), Ok(())) => {
            let e = session.error(e);
            Err(CliError::new(
                if e.exit() == Exit::Network {
                    Exit::Network
                } else {
                    Exit::Failure
                },
                format!(
                    "removed {}, but the server call failed: {e}",
                    session.token_path().display()
                ),
            )
            .hint("the refresh token may still work on the server until it expires"))
        }
        (_, Err(e)) => Err(e),
    }
}

/// Revokes `refresh` at the pool domain's revocation endpoint (RFC 7009).
async fn revoke_at_domain(
    session: &Session,
    domain: &str,
    refresh: &str,
) -> std::result::Result<(), cognate_client::Error> {
    let mut b = BrowserSignIn::builder(session.client.client_id()).domain(domain);
    if let Some(secret) = &session.connection.client_secret {
        b = b.client_secret(secret.value.expose_secret());
    }
    b.build().await?.revoke(refresh).await
}
