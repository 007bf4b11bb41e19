//! `cognate token`: a valid token (refreshed first when it is within 5 minutes of expiry, the
//! new tokens saved) or a whole header line, and nothing else, on stdout.

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::connection::ConnectionArgs;
use crate::error::{CliError, Result};
use crate::exit::Exit;
use crate::machine::Machine;
use crate::output::{Output, Ui};
use crate::session::{Session, Style};

/// `cognate token`.
#[derive(Args, Debug)]
pub struct TokenArgs {
    /// Which token: access (default), id, or refresh (printed only when asked for by name).
    #[arg(long, value_enum, value_name = "KIND", conflicts_with_all = ["header", "header_style"])]
    kind: Option<Kind>,
    /// Print the whole header line instead, in the --header-style (`--header STYLE` is the
    /// deprecated spelling of `--header --header-style STYLE`).
    #[arg(long, num_args = 0..=1, default_missing_value = "", value_name = "STYLE", hide_possible_values = true)]
    header: Option<String>,
    /// The header line's style: access → `Authorization: <access>`, bearer →
    /// `Authorization: Bearer <access>`, id → `authorization: <id>`, security-token →
    /// `X-Amz-Cognito-Security-Token: <id>` [default: the profile's header_style, else access].
    /// Implies --header.
    #[arg(long = "header-style", value_name = "STYLE", value_parser = crate::session::parse_style)]
    header_style: Option<Style>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// `--kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// The access token.
    Access,
    /// The ID token.
    Id,
    /// The refresh token (opaque).
    Refresh,
}

/// Runs `cognate token`.
pub fn run(args: TokenArgs, ui: &Ui) -> Result<()> {
    let old_style = match args.header.as_deref() {
        None | Some("") => None,
        Some(s) => {
            let style = crate::session::parse_style(s).map_err(|e| {
                CliError::usage(format!("--header: {e}"))
                    .hint("print a header line with --header --header-style STYLE")
            })?;
            eprintln!(
                "note: `--header {s}` is deprecated; use `--header --header-style {}`",
                style.name()
            );
            Some(style)
        }
    };
    let header = args.header.is_some() || args.header_style.is_some();
    if header && ui.output != Output::Text {
        return Err(CliError::usage("--header prints one line of text").hint("leave out --output"));
    }
    if let Some(machine) = Machine::open(&args.connection)? {
        return machine_token(&machine, &args, args.header_style.or(old_style), header, ui);
    }
    if let Some(oidc) = crate::oidc_profile::OidcProfile::open(&args.connection)? {
        return oidc_token(&oidc, &args, args.header_style.or(old_style), header, ui);
    }
    let session = Session::open(&args.connection)?;
    let header_style = match args.header_style.or(old_style) {
        Some(s) => Some(s),
        None if header => Some(Style::from_profile(&session.connection)?.unwrap_or(Style::Access)),
        None => None,
    };
    let (_source, tokens) = session.source()?;
    let access = tokens.access_token().as_str();
    let id = tokens.id_token().as_str();
    let refresh = || {
        tokens
            .refresh_token()
            .map(|r| r.expose_secret().to_owned())
            .ok_or_else(|| CliError::new(Exit::Auth, "the saved login has no refresh token"))
    };
    if let Some(style) = header_style {
        let value = match style {
            Style::Access => access.to_owned(),
            Style::Bearer => format!("Bearer {access}"),
            Style::Id | Style::SecurityToken => id.to_owned(),
        };
        println!("{}: {value}", style.header_name());
        return Ok(());
    }
    let kinds: Vec<Kind> = match (args.kind, ui.output) {
        (Some(k), _) => vec![k],
        (None, Output::Text) => vec![Kind::Access],
        (None, _) => vec![Kind::Access, Kind::Id],
    };
    let mut values = Vec::new();
    for k in kinds {
        let v = match k {
            Kind::Access => access.to_owned(),
            Kind::Id => id.to_owned(),
            Kind::Refresh => refresh()?,
        };
        values.push((k, v));
    }
    match ui.output {
        Output::Text => {
            for (_, v) in values {
                println!("{v}");
            }
        }
        Output::Env => {
            for (k, v) in values {
                let name = match k {
                    Kind::Access => "COGNATE_ACCESS_TOKEN",
                    Kind::Id => "COGNATE_ID_TOKEN",
                    Kind::Refresh => "COGNATE_REFRESH_TOKEN",
                };
                println!("{}", crate::output::env_line(name, &v));
            }
        }
        Output::Json => {
            let mut doc = serde_json::Map::new();
            for (k, v) in values {
                let name = match k {
                    Kind::Access => "access_token",
                    Kind::Id => "id_token",
                    Kind::Refresh => "refresh_token",
                };
                doc.insert(name.to_owned(), json!(v));
            }
            doc.insert("expires_at".to_owned(), json!(tokens.expires_at()));
            crate::output::print_json(&serde_json::Value::Object(doc))?;
        }
    }
    Ok(())
}

/// `cognate token` for a machine-to-machine profile: the app client's access token (cached in
/// the token file, asked for only when it would expire).
fn machine_token(
    machine: &Machine,
    args: &TokenArgs,
    style: Option<Style>,
    header: bool,
    ui: &Ui,
) -> Result<()> {
    if matches!(args.kind, Some(Kind::Id | Kind::Refresh)) {
        return Err(CliError::usage(
            "a machine-to-machine profile has only an access token (client_credentials)",
        )
        .hint("leave out --kind, or use --kind access"));
    }
    let token = machine.token()?;
    let access = token.access_token();
    if header {
        let style = match style {
            Some(s) => s,
            None => Style::from_profile(&machine.connection)?.unwrap_or(Style::Access),
        };
        let value = match style {
            Style::Access => access.to_owned(),
            Style::Bearer => format!("Bearer {access}"),
            Style::Id | Style::SecurityToken => {
                return Err(CliError::usage(format!(
                    "the {} header style sends an ID token, which an app client's token has none of",
                    style.name()
                ))
                .hint("use --header-style access or bearer"));
            }
        };
        println!("{}: {value}", style.header_name());
        return Ok(());
    }
    match ui.output {
        Output::Text => println!("{access}"),
        Output::Env => println!(
            "{}",
            crate::output::env_line("COGNATE_ACCESS_TOKEN", access)
        ),
        Output::Json => crate::output::print_json(&json!({
            "access_token": access,
            "expires_at": token.expires_at(),
            "scope": token.scope(),
            "client_id": machine.client_id(),
        }))?,
    }
    Ok(())
}

/// `cognate token` for a profile that signs in at an OpenID provider: its tokens, refreshed at
/// the provider's token endpoint first when the access token would expire.
fn oidc_token(
    oidc: &crate::oidc_profile::OidcProfile,
    args: &TokenArgs,
    style: Option<Style>,
    header: bool,
    ui: &Ui,
) -> Result<()> {
    let tokens = oidc.tokens()?;
    let id = || {
        tokens.id_token().map(str::to_owned).ok_or_else(|| {
            CliError::new(Exit::Auth, "the provider sent no ID token")
                .hint("sign in again with the openid scope (--scope 'openid …')")
        })
    };
    if header {
        let style = match style {
            Some(s) => s,
            None => Style::from_profile(&oidc.connection)?.unwrap_or(Style::Access),
        };
        let value = match style {
            Style::Access => tokens.access_token().to_owned(),
            Style::Bearer => format!("Bearer {}", tokens.access_token()),
            Style::Id | Style::SecurityToken => id()?,
        };
        println!("{}: {value}", style.header_name());
        return Ok(());
    }
    let kind = args.kind.unwrap_or(Kind::Access);
    let value = match kind {
        Kind::Access => tokens.access_token().to_owned(),
        Kind::Id => id()?,
        Kind::Refresh => tokens
            .refresh_token()
            .map(|r| r.expose_secret().to_owned())
            .ok_or_else(|| CliError::new(Exit::Auth, "the saved login has no refresh token"))?,
    };
    let (env_name, json_name) = match kind {
        Kind::Access => ("COGNATE_ACCESS_TOKEN", "access_token"),
        Kind::Id => ("COGNATE_ID_TOKEN", "id_token"),
        Kind::Refresh => ("COGNATE_REFRESH_TOKEN", "refresh_token"),
    };
    match ui.output {
        Output::Text => println!("{value}"),
        Output::Env => println!("{}", crate::output::env_line(env_name, &value)),
        Output::Json => crate::output::print_json(&json!({
            json_name: value,
            "expires_at": tokens.expires_at(),
            "scope": tokens.scope(),
        }))?,
    }
    Ok(())
}
