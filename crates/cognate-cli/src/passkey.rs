//! `cognate passkey add|list|delete`: the logged-in user's passkeys. `add` registers a passkey
//! made by the software authenticator (StartWebAuthnRegistration, then
//! CompleteWebAuthnRegistration), whose credential file is created 0600 if needed; `cognate
//! login --method passkey` signs in with it later.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use cognate_client::passkey::SoftwareAuthenticator;
use serde_json::json;

use crate::connection::ConnectionArgs;
use crate::error::{CliError, Result};
use crate::output::{Output, Ui, print_json};
use crate::session::{Session, profile_flag, runtime};

/// `cognate passkey`.
#[derive(Args, Debug)]
pub struct PasskeyArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Register a passkey of the software authenticator for the logged-in user.
    Add(AddArgs),
    /// List the logged-in user's passkeys (ListWebAuthnCredentials).
    List(ListArgs),
    /// Delete one of the logged-in user's passkeys by its credential id.
    Delete(DeleteArgs),
}

/// `cognate passkey add`.
#[derive(Args, Debug)]
struct AddArgs {
    /// The software authenticator's credential file (created, mode 0600) [env:
    /// COGNATE_AUTHENTICATOR_FILE] [default: the profile's authenticator_file].
    #[arg(long, value_name = "PATH")]
    authenticator_file: Option<PathBuf>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `cognate passkey list`.
#[derive(Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `cognate passkey delete`.
#[derive(Args, Debug)]
struct DeleteArgs {
    /// The credential id, as `cognate passkey list` shows it (base64url: one that begins with
    /// `-` is still the id, not an option).
    #[arg(value_name = "CREDENTIAL_ID", allow_hyphen_values = true)]
    credential_id: String,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `cognate passkey …`.
pub fn run(args: PasskeyArgs, ui: &Ui) -> Result<()> {
    if ui.output == Output::Env {
        return Err(ui.unsupported("passkey", &[Output::Text, Output::Json]));
    }
    match args.action {
        Action::Add(a) => add(a, ui),
        Action::List(a) => list(a, ui),
        Action::Delete(a) => delete(a, ui),
    }
}

fn add(args: AddArgs, ui: &Ui) -> Result<()> {
    let session = Session::open(&args.connection)?;
    let Some(path) =
        crate::login_method::authenticator_path(args.authenticator_file.as_deref(), &session)?
    else {
        return Err(CliError::usage(
            "cognate passkey add needs the software authenticator's file: pass \
             --authenticator-file PATH (or set COGNATE_AUTHENTICATOR_FILE, or authenticator_file \
             in the profile)",
        ));
    };
    let authenticator = SoftwareAuthenticator::open(&path)
        .map_err(|e| CliError::usage(e.to_string()).hint("--authenticator-file names the file"))?;
    let before = authenticator.credential_ids();
    let (_source, tokens) = session.source()?;
    runtime()?
        .block_on(
            session
                .client
                .register_passkey(tokens.access_token().as_str(), &authenticator),
        )
        .map_err(|e| session.error(e))?;
    let id = authenticator
        .credential_ids()
        .into_iter()
        .find(|id| !before.contains(id))
        .unwrap_or_default();
    let who = tokens.username().unwrap_or("the user").to_owned();
    ui.status(&format!(
        "registered passkey {id} for {who}; its key is in {} (0600): sign in with `cognate login{} \
         --method passkey --authenticator-file {}`",
        path.display(),
        profile_flag(&session.profile),
        path.display()
    ));
    if ui.output == Output::Json {
        print_json(&json!({
            "credential_id": id,
            "username": who,
            "authenticator_file": path.display().to_string(),
        }))?;
    }
    Ok(())
}

fn list(args: ListArgs, ui: &Ui) -> Result<()> {
    let session = Session::open(&args.connection)?;
    let (_source, tokens) = session.source()?;
    let passkeys = runtime()?
        .block_on(session.client.list_passkeys(tokens.access_token().as_str()))
        .map_err(|e| session.error(e))?;
    match ui.output {
        Output::Json => print_json(&json!(
            passkeys
                .iter()
                .map(|p| json!({
                    "credential_id": p.credential_id,
                    "name": p.friendly_name,
                    "relying_party_id": p.relying_party_id,
                    "attachment": p.attachment,
                    "created_at": p.created_at,
                }))
                .collect::<Vec<_>>()
        ))?,
        _ => {
            for p in &passkeys {
                println!(
                    "{}  {}  {}  created {}",
                    p.credential_id, p.friendly_name, p.relying_party_id, p.created_at
                );
            }
            if passkeys.is_empty() {
                ui.status("no passkeys");
            }
        }
    }
    Ok(())
}

fn delete(args: DeleteArgs, ui: &Ui) -> Result<()> {
    let session = Session::open(&args.connection)?;
    let (_source, tokens) = session.source()?;
    runtime()?
        .block_on(
            session
                .client
                .delete_passkey(tokens.access_token().as_str(), &args.credential_id),
        )
        .map_err(|e| session.error(e))?;
    ui.status(&format!("deleted passkey {}", args.credential_id));
    Ok(())
}
