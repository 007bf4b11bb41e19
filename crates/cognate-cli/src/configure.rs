//! `cognate configure`: write a profile (prompting on a terminal, or from flags alone), and
//! `cognate configure list`: show the settings in effect and where each one comes from;
//! `list-profiles`, `get KEY` and `set KEY VALUE` for scripts (as `aws configure` has them).

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use crate::connection::{self, Connection, ConnectionArgs, check_endpoint, check_user_pool_id};
use crate::error::{CliError, Result};
use crate::output::{Output, Ui, env_line, print_json};
use crate::profile::{Profile, config_path, region_of_pool};
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
    /// endpoint: --domain, --token-url, or the pool's discovery document (--user-pool-id).
    #[arg(long, help_heading = "OAuth")]
    client_credentials: bool,
    /// The pool's domain, e.g. https://shop.auth.us-east-1.amazoncognito.com (for
    /// `cognate serve`: http://127.0.0.1:9229/{poolId}); '' removes it.
    #[arg(long, value_name = "URL", help_heading = "OAuth")]
    domain: Option<String>,
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

#[derive(Args, Debug)]
struct GetArgs {
    /// region, user_pool_id, client_id, username, endpoint, header_style, identity_pool_id,
    /// grant, domain, token_url, scope or resource.
    key: String,
    /// The profile [env: COGNATE_PROFILE] [default: default].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Args, Debug)]
struct SetArgs {
    /// region, user_pool_id, client_id, username, endpoint, header_style, identity_pool_id,
    /// grant, domain, token_url, scope or resource.
    key: String,
    /// The new value ('' removes the setting).
    value: String,
    /// The profile [env: COGNATE_PROFILE] [default: default].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
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

/// Profile names are kept simple so that they are easy to type and to quote.
fn check_profile_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(
            CliError::usage(format!("{name:?} is not a valid profile name"))
                .hint("use letters, digits, `-`, `_` and `.`"),
        )
    }
}

fn validate(p: &Profile) -> Result<()> {
    if let Some(id) = &p.user_pool_id {
        check_user_pool_id(id)?;
    }
    if let Some(url) = &p.endpoint {
        check_endpoint(url)?;
    }
    for (key, url) in [("--domain", &p.domain), ("--token-url", &p.token_url)] {
        if let Some(url) = url {
            check_endpoint(url).map_err(|e| e.hint(format!("{key} takes an http(s) URL")))?;
        }
    }
    if p.grant.as_deref() == Some(crate::machine::CLIENT_CREDENTIALS) && p.client_id.is_none() {
        return Err(CliError::usage(
            "a machine-to-machine profile needs --client-id",
        ));
    }
    if let (Some(region), Some(pool)) = (&p.region, &p.user_pool_id)
        && region_of_pool(pool).is_some_and(|r| r != region)
    {
        return Err(CliError::usage(format!(
            "the region {region} is not the region of user pool {pool}"
        ))
        .hint("leave the region unset: it is taken from the user pool id"));
    }
    Ok(())
}

type Check = fn(&str) -> Result<()>;

/// Asks for one value on `out`, reading a line of `input`: Enter keeps `field`, `-` clears it.
fn ask(
    input: &mut impl BufRead,
    out: &mut impl Write,
    label: &str,
    field: &mut Option<String>,
    check: Option<Check>,
) -> Result<()> {
    loop {
        match field {
            Some(current) => write!(out, "{label} [{current}]: ")?,
            None => write!(out, "{label}: ")?,
        }
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok(());
        }
        let answer = line.trim();
        match answer {
            "" => return Ok(()),
            "-" => {
                *field = None;
                return Ok(());
            }
            value => match check.map_or(Ok(()), |c| c(value)) {
                Ok(()) => {
                    *field = Some(value.to_owned());
                    return Ok(());
                }
                Err(e) => writeln!(out, "{e}; try again")?,
            },
        }
    }
}

fn read_secret_line(input: &mut impl BufRead) -> Result<SecretString> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(
            CliError::usage("--store-client-secret: standard input is empty")
                .hint("pipe the secret in, or pass it with COGNATE_CLIENT_SECRET"),
        );
    }
    Ok(SecretString::from(secret.to_owned()))
}

/// Prompts on stderr and reads a line from the terminal with echo off.
#[cfg(unix)]
fn read_secret_from_terminal(prompt: &str) -> Result<SecretString> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{prompt}");
    let saved = tcgetattr(&stdin).map_err(std::io::Error::from)?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet).map_err(std::io::Error::from)?;
    let result = read_secret_line(&mut stdin.lock());
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    result
}

#[cfg(not(unix))]
fn read_secret_from_terminal(prompt: &str) -> Result<SecretString> {
    eprint!("{prompt}");
    read_secret_line(&mut std::io::stdin().lock())
}

fn run_list(args: &ListArgs, ui: &Ui) -> Result<()> {
    let path = config_path()?;
    let conn = Connection::resolve(&args.connection, &connection::process_env, &path)?;
    let rows = conn.rows();
    match ui.output {
        Output::Text => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "profile           {}",
                conn.profile.as_deref().unwrap_or("(none)")
            )?;
            writeln!(out, "config file       {}", path.display())?;
            for (key, value, source) in rows {
                match (value, source) {
                    (Some(v), Some(s)) => writeln!(out, "{key:<17} {v:<40} {s}")?,
                    _ => writeln!(out, "{key:<17} -")?,
                }
            }
        }
        Output::Json => {
            let mut settings = Map::new();
            for (key, value, source) in rows {
                settings.insert(
                    key.to_owned(),
                    match (value, source) {
                        (Some(v), Some(s)) => json!({ "value": v, "source": s.to_string() }),
                        _ => Value::Null,
                    },
                );
            }
            print_json(&json!({
                "profile": conn.profile,
                "config_file": path.display().to_string(),
                "settings": settings,
            }))?;
        }
        Output::Env => {
            let mut out = std::io::stdout().lock();
            for (key, value, _) in rows {
                if key == "client_secret" {
                    continue;
                }
                if let Some(v) = value {
                    writeln!(
                        out,
                        "{}",
                        env_line(&format!("COGNATE_{}", key.to_uppercase()), &v)
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// The settings `get` and `set` know, by their profile key (`-` accepted for `_`).
const KEYS: [&str; 13] = [
    "region",
    "user_pool_id",
    "client_id",
    "client_secret",
    "username",
    "endpoint",
    "header_style",
    "identity_pool_id",
    "grant",
    "domain",
    "token_url",
    "scope",
    "resource",
];

/// The profile key `key` names, and the profile's field for it.
fn field<'p>(
    profile: &'p mut Profile,
    key: &str,
) -> Result<(&'static str, &'p mut Option<String>)> {
    let key = key.replace('-', "_");
    let Some(&name) = KEYS.iter().find(|k| **k == key) else {
        return Err(CliError::usage(format!("`{key}` is not a profile setting"))
            .hint(format!("use one of: {}", KEYS.join(", "))));
    };
    let slot = match name {
        "region" => &mut profile.region,
        "user_pool_id" => &mut profile.user_pool_id,
        "client_id" => &mut profile.client_id,
        "client_secret" => &mut profile.client_secret,
        "username" => &mut profile.username,
        "endpoint" => &mut profile.endpoint,
        "header_style" => &mut profile.header_style,
        "grant" => &mut profile.grant,
        "domain" => &mut profile.domain,
        "token_url" => &mut profile.token_url,
        "scope" => &mut profile.scope,
        "resource" => &mut profile.resource,
        _ => &mut profile.identity_pool_id,
    };
    Ok((name, slot))
}

fn chosen_profile(flag: &Option<String>) -> Result<String> {
    let name = flag
        .clone()
        .or_else(|| connection::process_env("COGNATE_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    check_profile_name(&name)?;
    Ok(name)
}

fn run_list_profiles(ui: &Ui) -> Result<()> {
    let config = connection::load_config(&config_path()?)?;
    let names: Vec<&String> = config.profiles.keys().collect();
    match ui.output {
        Output::Json => print_json(&json!(names)),
        Output::Text => {
            let mut out = std::io::stdout().lock();
            for name in names {
                writeln!(out, "{name}")?;
            }
            Ok(())
        }
        Output::Env => {
            Err(ui.unsupported("configure list-profiles", &[Output::Text, Output::Json]))
        }
    }
}

fn run_get(args: &GetArgs, ui: &Ui) -> Result<()> {
    let name = chosen_profile(&args.profile)?;
    let config = connection::load_config(&config_path()?)?;
    let mut profile = config.profiles.get(&name).cloned().ok_or_else(|| {
        CliError::new(crate::exit::Exit::Failure, format!("no profile `{name}`")).hint(format!(
            "create it with `cognate configure set KEY VALUE{}`",
            crate::session::profile_flag(&name)
        ))
    })?;
    let (key, slot) = field(&mut profile, &args.key)?;
    if key == "client_secret" {
        return Err(CliError::usage("the client secret is never printed")
            .hint("`cognate configure list` shows whether one is stored (masked)"));
    }
    let Some(value) = slot.clone() else {
        return Err(CliError::new(
            crate::exit::Exit::Failure,
            format!("`{key}` is not set in profile `{name}`"),
        )
        .hint(format!(
            "set it with `cognate configure set {key} VALUE{}`",
            crate::session::profile_flag(&name)
        )));
    };
    match ui.output {
        Output::Text => writeln!(std::io::stdout().lock(), "{value}")?,
        Output::Json => print_json(&json!(value))?,
        Output::Env => writeln!(
            std::io::stdout().lock(),
            "{}",
            env_line(&format!("COGNATE_{}", key.to_uppercase()), &value)
        )?,
    }
    Ok(())
}

fn run_set(args: &SetArgs, ui: &Ui) -> Result<()> {
    if ui.output != Output::Text {
        return Err(ui.unsupported("configure set", &[Output::Text]));
    }
    let name = chosen_profile(&args.profile)?;
    let path = config_path()?;
    let mut config = connection::load_config(&path)?;
    let existed = config.profiles.contains_key(&name);
    let mut profile = config.profiles.get(&name).cloned().unwrap_or_default();
    let (key, slot) = field(&mut profile, &args.key)?;
    if key == "client_secret" {
        return Err(
            CliError::usage("the client secret is not taken on the command line").hint(format!(
                "pipe it in: `printf %s \"$SECRET\" | cognate configure --store-client-secret{}`",
                crate::session::profile_flag(&name)
            )),
        );
    }
    let value = match (key, args.value.as_str()) {
        (_, "") => None,
        ("header_style", v) => Some(
            crate::session::parse_style(v)
                .map_err(|e| CliError::usage(format!("header_style: {e}")))?
                .name()
                .to_owned(),
        ),
        ("grant", v) if v != crate::machine::CLIENT_CREDENTIALS => {
            return Err(
                CliError::usage(format!("grant: {v:?} is not a grant cognate uses")).hint(
                    "`client_credentials` (a machine-to-machine profile), or '' to remove it",
                ),
            );
        }
        (_, v) => Some(v.to_owned()),
    };
    *slot = value.clone();
    validate(&profile)?;
    config.profiles.insert(name.clone(), profile);
    config.save(&path)?;
    ui.status(&match value {
        Some(v) => format!(
            "Set {key} = {v} in {} profile `{name}` ({})",
            if existed { "the" } else { "the new" },
            path.display()
        ),
        None => format!("Removed {key} from profile `{name}` ({})", path.display()),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ask_keeps_sets_clears_and_rechecks() {
        let mut out = Vec::new();
        let mut field = Some("old".to_owned());
        ask(&mut "\n".as_bytes(), &mut out, "X", &mut field, None).unwrap();
        assert_eq!(field.as_deref(), Some("old"));
        ask(&mut "new\n".as_bytes(), &mut out, "X", &mut field, None).unwrap();
        assert_eq!(field.as_deref(), Some("new"));
        ask(&mut "-\n".as_bytes(), &mut out, "X", &mut field, None).unwrap();
        assert_eq!(field, None);
        let mut out = Vec::new();
        ask(
            &mut "bad\nus-east-1_Ok1\n".as_bytes(),
            &mut out,
            "User pool id",
            &mut field,
            Some(check_user_pool_id),
        )
        .unwrap();
        assert_eq!(field.as_deref(), Some("us-east-1_Ok1"));
        let shown = String::from_utf8(out).unwrap();
        assert!(
            shown.contains("\"bad\" is not a user pool id; try again"),
            "{shown}"
        );
    }

    #[test]
    fn secret_lines_lose_only_the_newline() {
        let s = read_secret_line(&mut " s3cret \n".as_bytes()).unwrap();
        assert_eq!(s.expose_secret(), " s3cret ");
        assert!(read_secret_line(&mut "".as_bytes()).is_err());
    }

    #[test]
    fn region_must_match_the_pool() {
        let p = Profile {
            region: Some("eu-west-1".into()),
            user_pool_id: Some("us-east-1_Abc".into()),
            ..Profile::default()
        };
        assert!(validate(&p).is_err());
        assert!(check_profile_name("work.eu-1").is_ok());
        assert!(check_profile_name("a b").is_err());
    }
}
