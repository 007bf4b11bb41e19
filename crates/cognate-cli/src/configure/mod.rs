//! `cognate configure`: write a profile (prompting on a terminal, or from flags alone), and
//! `cognate configure list`: show the settings in effect and where each one comes from;
//! `list-profiles`, `get KEY` and `set KEY VALUE` for scripts (as `aws configure` has them).

mod prompt;
mod settings;
mod validate;

use std::io::IsTerminal;

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use self::prompt::{ask, read_secret_from_terminal, read_secret_line};
use self::settings::{GetArgs, ListArgs, SetArgs, run_get, run_list, run_list_profiles, run_set};
use self::validate::{check_profile_name, validate};
use crate::connection::{self, check_endpoint, check_user_pool_id};
use crate::error::{CliError, Result};
use crate::output::{Output, Ui};
use crate::profile::config_path;
use crate::session::Style;

/// Options of `cognate configure`.
#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
Examples:
  cognate configure                                   # prompts, on a terminal
  cognate configure --profile local --user-pool-id us-east-1_Local1 \\
      --client-id abc123 --endpoint http://127.0.0.1:9229
  printf %s \"$SECRET\" | cognate configure --client-id abc123 --store-client-secret
  cognate configure list --output json
  cognate configure list-profiles
  cognate configure set endpoint http://127.0.0.1:9229 --profile local
  cognate configure get user_pool_id --profile local"
)]
pub struct ConfigureArgs {
    #[command(subcommand)]
    command: Option<ConfigureCommand>,
    /// Profile to write [env: COGNATE_PROFILE] [default: default].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// AWS region (leave unset to use the user pool id's prefix).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// User pool id, e.g. us-east-1_AbC123xyZ.
    #[arg(long, value_name = "ID")]
    user_pool_id: Option<String>,
    /// App client id.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// App client secret to store (needs --store-client-secret).
    #[arg(long, value_name = "SECRET", requires = "store_client_secret")]
    client_secret: Option<String>,
    /// Username (or email/phone alias) to log in as.
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Cognito endpoint URL, e.g. http://127.0.0.1:9229 for `cognate serve`.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// How API calls carry the token: access (`Authorization: <access token>`), bearer
    /// (`Authorization: Bearer <access token>`), id (`authorization: <ID token>`) or
    /// security-token (`X-Amz-Cognito-Security-Token: <ID token>`).
    #[arg(long, value_name = "STYLE", value_parser = crate::session::parse_style)]
    header_style: Option<Style>,
    /// Identity pool id, for temporary AWS credentials.
    #[arg(long, value_name = "ID")]
    identity_pool_id: Option<String>,
    /// Store the app client secret in the profile (the file is readable only by you).
    ///
    /// The secret is taken from --client-secret, else COGNATE_CLIENT_SECRET, else a prompt on a
    /// terminal, else a line of standard input. Without this flag no secret is ever written.
    #[arg(long)]
    store_client_secret: bool,
    /// Remove a stored app client secret from the profile.
    #[arg(long, conflicts_with = "store_client_secret")]
    forget_client_secret: bool,
    /// Never prompt, even on a terminal; take values from flags only.
    #[arg(long)]
    no_input: bool,
    /// A machine-to-machine profile: the app client's own tokens (the client_credentials
    /// grant at the token endpoint), no user. Needs the client id, its secret (stored with
    /// --client-secret-stdin, or COGNATE_CLIENT_SECRET when a command runs) and the token
    /// endpoint: --domain, --token-url, or a discovery document (the pool's with --user-pool-id,
    /// another provider's with --issuer).
    #[arg(long, help_heading = "OAuth")]
    client_credentials: bool,
    /// The pool's domain, e.g. https://shop.auth.us-east-1.amazoncognito.com (for
    /// `cognate serve`: http://127.0.0.1:9229/{poolId}); '' removes it.
    #[arg(long, value_name = "URL", help_heading = "OAuth")]
    domain: Option<String>,
    /// An OpenID Connect provider that is not a Cognito pool, e.g. https://login.example.com
    /// (its discovery document names the endpoints): `cognate login --browser` signs in there
    /// with --client-id; '' removes it.
    #[arg(long, value_name = "URL", help_heading = "OAuth")]
    issuer: Option<String>,
    /// The token endpoint, when it is neither {domain}/oauth2/token nor in the discovery
    /// document; '' removes it.
    #[arg(long, value_name = "URL", help_heading = "OAuth")]
    token_url: Option<String>,
    /// The scopes to ask for, space-separated (none: every scope the app client allows).
    #[arg(long, value_name = "SCOPES", help_heading = "OAuth")]
    scope: Option<String>,
    /// RFC 8707: the resource server the tokens are for (the access token's aud).
    #[arg(long, value_name = "URI", help_heading = "OAuth")]
    resource: Option<String>,
    /// Read the app client secret from one line of standard input and store it in the profile
    /// (the file is readable only by you).
    #[arg(long, conflicts_with_all = ["client_secret", "store_client_secret"], help_heading = "OAuth")]
    client_secret_stdin: bool,
}

#[derive(Subcommand, Debug)]
enum ConfigureCommand {
    /// Show the connection settings in effect and where each comes from (flag, environment,
    /// profile, default).
    List(ListArgs),
    /// The names of the profiles in the config file, one a line.
    ListProfiles,
    /// Print one setting of a profile as the config file has it (exit 1 when it is unset).
    Get(GetArgs),
    /// Change one setting of a profile (created if needed); an empty VALUE removes it.
    Set(SetArgs),
}

/// Runs `cognate configure`.
pub fn run(args: ConfigureArgs, ui: &Ui) -> Result<()> {
    match args.command {
        Some(ConfigureCommand::List(list)) => return run_list(&list, ui),
        Some(ConfigureCommand::ListProfiles) => return run_list_profiles(ui),
        Some(ConfigureCommand::Get(get)) => return run_get(&get, ui),
        Some(ConfigureCommand::Set(set)) => return run_set(&set, ui),
        None => {}
    }
    if ui.output != Output::Text {
        return Err(ui
            .unsupported("configure", &[Output::Text])
            .hint("`cognate configure list --output json` shows the settings as JSON"));
    }
    let path = config_path()?;
    let mut config = connection::load_config(&path)?;
    let name = args
        .profile
        .clone()
        .or_else(|| connection::process_env("COGNATE_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    check_profile_name(&name)?;
    let existed = config.profiles.contains_key(&name);
    let mut profile = config.profiles.get(&name).cloned().unwrap_or_default();
    let stdin = std::io::stdin();
    let interactive = !args.no_input && stdin.is_terminal() && std::io::stderr().is_terminal();

    let flags = [
        (&args.region, &mut profile.region),
        (&args.user_pool_id, &mut profile.user_pool_id),
        (&args.client_id, &mut profile.client_id),
        (&args.username, &mut profile.username),
        (&args.endpoint, &mut profile.endpoint),
        (&args.identity_pool_id, &mut profile.identity_pool_id),
        (&args.domain, &mut profile.domain),
        (&args.issuer, &mut profile.issuer),
        (&args.token_url, &mut profile.token_url),
        (&args.scope, &mut profile.scope),
        (&args.resource, &mut profile.resource),
    ];
    let mut changed = false;
    for (flag, field) in flags {
        if let Some(v) = flag {
            *field = Some(v.clone()).filter(|v| !v.is_empty());
            changed = true;
        }
    }
    if let Some(style) = args.header_style {
        profile.header_style = Some(style.name().to_owned());
        changed = true;
    }
    if args.client_credentials {
        profile.grant = Some(crate::machine::CLIENT_CREDENTIALS.to_owned());
        changed = true;
    }
    if args.client_secret_stdin {
        let secret = read_secret_line(&mut stdin.lock()).map_err(|e| {
            CliError::usage(
                e.to_string()
                    .replace("--store-client-secret", "--client-secret-stdin"),
            )
            .hint("pipe the secret in: printf %s \"$SECRET\" | cognate configure --client-secret-stdin …")
        })?;
        profile.client_secret = Some(secret.expose_secret().to_owned());
        changed = true;
    }

    if interactive {
        eprintln!(
            "Configuring profile `{name}` in {} (Enter keeps the value in brackets, `-` clears it)",
            path.display()
        );
        let mut input = stdin.lock();
        let mut err = std::io::stderr();
        if args.user_pool_id.is_none() {
            ask(
                &mut input,
                &mut err,
                "User pool id",
                &mut profile.user_pool_id,
                Some(check_user_pool_id),
            )?;
        }
        if args.client_id.is_none() {
            ask(
                &mut input,
                &mut err,
                "App client id",
                &mut profile.client_id,
                None,
            )?;
        }
        if args.username.is_none() {
            ask(
                &mut input,
                &mut err,
                "Username",
                &mut profile.username,
                None,
            )?;
        }
        if args.endpoint.is_none() {
            ask(
                &mut input,
                &mut err,
                "Endpoint (empty for AWS)",
                &mut profile.endpoint,
                Some(check_endpoint),
            )?;
        }
        changed = true;
    }

    if args.store_client_secret {
        let secret = match &args.client_secret {
            Some(s) => SecretString::from(s.clone()),
            None => match connection::process_env("COGNATE_CLIENT_SECRET") {
                Some(s) => SecretString::from(s),
                None if interactive => read_secret_from_terminal("App client secret: ")?,
                None if !stdin.is_terminal() => read_secret_line(&mut stdin.lock())?,
                None => {
                    return Err(CliError::usage("--store-client-secret: no secret given").hint(
                        "pass it with --client-secret, COGNATE_CLIENT_SECRET or on standard input",
                    ));
                }
            },
        };
        profile.client_secret = Some(secret.expose_secret().to_owned());
        changed = true;
    } else if args.forget_client_secret {
        profile.client_secret = None;
        changed = true;
    }

    if !changed {
        return Err(CliError::usage("nothing to configure").hint(
            "give settings as flags (e.g. --user-pool-id ID --client-id ID), or run on a terminal to be prompted",
        ));
    }
    validate(&profile)?;
    config.profiles.insert(name.clone(), profile);
    config.save(&path)?;
    ui.status(&format!(
        "{} profile `{name}` in {} (readable only by you)",
        if existed { "Updated" } else { "Saved" },
        path.display()
    ));
    Ok(())
}
