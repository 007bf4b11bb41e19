//! `cognate configure list` (the settings in effect and where each comes from),
//! `list-profiles`, `get KEY` and `set KEY VALUE`: one setting at a time, for scripts.

use std::io::Write;

use clap::Args;
use serde_json::{Map, Value, json};

use super::validate::{check_profile_name, validate};
use crate::connection::{self, Connection, ConnectionArgs};
use crate::error::{CliError, Result};
use crate::output::{Output, Ui, env_line, print_json};
use crate::profile::{Profile, config_path};

#[derive(Args, Debug)]
pub(super) struct GetArgs {
    /// region, user_pool_id, client_id, username, endpoint, header_style, identity_pool_id,
    /// grant, domain, issuer, token_url, scope or resource.
    key: String,
    /// The profile [env: COGNATE_PROFILE] [default: default].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct SetArgs {
    /// region, user_pool_id, client_id, username, endpoint, header_style, identity_pool_id,
    /// grant, domain, issuer, token_url, scope or resource.
    key: String,
    /// The new value ('' removes the setting).
    value: String,
    /// The profile [env: COGNATE_PROFILE] [default: default].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct ListArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
}

pub(super) fn run_list(args: &ListArgs, ui: &Ui) -> Result<()> {
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
const KEYS: [&str; 14] = [
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
    "issuer",
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
        "issuer" => &mut profile.issuer,
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

pub(super) fn run_list_profiles(ui: &Ui) -> Result<()> {
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

pub(super) fn run_get(args: &GetArgs, ui: &Ui) -> Result<()> {
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

pub(super) fn run_set(args: &SetArgs, ui: &Ui) -> Result<()> {
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
