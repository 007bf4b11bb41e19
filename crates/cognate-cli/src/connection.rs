//! The connection settings shared by every subcommand that talks to Cognito, and how they are
//! resolved: a flag beats an environment variable, which beats the profile, which beats the
//! default.
//!
//! | setting | flag | environment | profile key | default |
//! | --- | --- | --- | --- | --- |
//! | region | `--region` | `COGNATE_REGION` | `region` | the user pool id's prefix, then `AWS_REGION` |
//! | user pool | `--user-pool-id` | `COGNATE_USER_POOL_ID` | `user_pool_id` | |
//! | app client | `--client-id` | `COGNATE_CLIENT_ID` | `client_id` | |
//! | client secret | `--client-secret` | `COGNATE_CLIENT_SECRET` | `client_secret` | |
//! | username | `--username` | `COGNATE_USERNAME` | `username` | |
//! | endpoint | `--endpoint` | `COGNATE_ENDPOINT`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` | `endpoint` | AWS |
//! | profile | `--profile` | `COGNATE_PROFILE` | | `default` |
//! | identity pool (`aws-credentials`) | `--identity-pool-id` | `COGNATE_IDENTITY_POOL_ID` | `identity_pool_id` | |
//!
//! `AWS_REGION` comes after the pool id because a user pool lives in exactly one region: a
//! shell-wide `AWS_REGION` set for other AWS work must not send requests for an `eu-west-1`
//! pool to `us-east-1`.

use std::fmt;
use std::path::Path;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{CliError, Result};
use crate::profile::{self, Config, Profile};

/// The connection options, as given on the command line.
#[derive(Args, Clone, Debug, Default)]
#[command(next_help_heading = "Connection options")]
pub struct ConnectionArgs {
    /// Profile in the config file [env: COGNATE_PROFILE] [default: default].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region [env: COGNATE_REGION] [default: the user pool id's prefix, then AWS_REGION].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// User pool id, e.g. us-east-1_AbC123xyZ [env: COGNATE_USER_POOL_ID].
    #[arg(long, value_name = "ID")]
    pub user_pool_id: Option<String>,
    /// App client id [env: COGNATE_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// App client secret, for app clients that have one [env: COGNATE_CLIENT_SECRET].
    ///
    /// Prefer the variable: a flag is visible to other users of this machine.
    #[arg(long, value_name = "SECRET")]
    pub client_secret: Option<String>,
    /// Username (or email/phone alias) to log in as [env: COGNATE_USERNAME].
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// Cognito endpoint URL, e.g. http://127.0.0.1:9229 for `cognate serve` [env:
    /// COGNATE_ENDPOINT, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER].
    ///
    /// An empty value (--endpoint '') means AWS, whatever the environment or profile say.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env(&'static str),
    /// The config file's profile of that name.
    Profile(String),
    /// Derived from the user pool id.
    UserPoolId,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Profile(name) => write!(f, "profile {name}"),
            Source::UserPoolId => f.write_str("user pool id"),
        }
    }
}

/// A resolved value and where it came from.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Its origin.
    pub source: Source,
}

/// The connection settings after flags, environment, profile and defaults are combined: what
/// `login`, `token` and `curl` use.
#[derive(Debug, Default)]
pub struct Connection {
    /// The profile that was read, if one exists.
    pub profile: Option<String>,
    /// AWS region.
    pub region: Option<Setting<String>>,
    /// User pool id.
    pub user_pool_id: Option<Setting<String>>,
    /// App client id.
    pub client_id: Option<Setting<String>>,
    /// App client secret.
    pub client_secret: Option<Setting<SecretString>>,
    /// Username.
    pub username: Option<Setting<String>>,
    /// Endpoint URL (none: AWS).
    pub endpoint: Option<Setting<String>>,
    /// Header style for API calls (profile only for now).
    pub header_style: Option<Setting<String>>,
    /// Identity pool id (environment or profile; `aws-credentials` has the flag).
    pub identity_pool_id: Option<Setting<String>>,
    /// `client_credentials` for a machine-to-machine profile.
    pub grant: Option<Setting<String>>,
    /// The pool's domain (OAuth endpoints).
    pub domain: Option<Setting<String>>,
    /// An OpenID provider's issuer (a browser sign-in there, not at a Cognito pool).
    pub issuer: Option<Setting<String>>,
    /// The token endpoint, given.
    pub token_url: Option<Setting<String>>,
    /// The scopes to ask for.
    pub scope: Option<Setting<String>>,
    /// RFC 8707 resource.
    pub resource: Option<Setting<String>>,
}

/// Reads one environment variable; tests pass their own.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, with empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Connection {
    /// Resolves `args` against the environment and the config file at `config`.
    pub fn resolve(args: &ConnectionArgs, env: Env<'_>, config: &Path) -> Result<Connection> {
        Self::resolve_with(args, env, config, false)
    }

    /// [`Connection::resolve`]; with `new_profile`, a named profile that does not exist yet is
    /// not an error (`cognate login --profile NEW` creates it).
    pub fn resolve_with(
        args: &ConnectionArgs,
        env: Env<'_>,
        config: &Path,
        new_profile: bool,
    ) -> Result<Connection> {
        let (profile_name, explicit) = match (&args.profile, env("COGNATE_PROFILE")) {
            (Some(p), _) => (p.clone(), true),
            (None, Some(p)) => (p, true),
            (None, None) => ("default".to_owned(), false),
        };
        let file = load_config(config)?;
        let profile = match file.profiles.get(&profile_name) {
            Some(p) => Some(p.clone()),
            None if explicit && !new_profile => {
                let known = if file.profiles.is_empty() {
                    "there are no profiles yet".to_owned()
                } else {
                    let names: Vec<_> = file.profiles.keys().map(String::as_str).collect();
                    format!("profiles: {}", names.join(", "))
                };
                return Err(CliError::usage(format!(
                    "no profile `{profile_name}` in {} ({known})",
                    config.display()
                ))
                .hint(format!(
                    "create it with `cognate configure --profile {profile_name}`"
                )));
            }
            None => None,
        };
        let empty = Profile::default();
        let p = profile.as_ref().unwrap_or(&empty);
        let from_profile = || Source::Profile(profile_name.clone());
        let pick = |flag: &Option<String>,
                    vars: &[&'static str],
                    stored: &Option<String>|
         -> Option<Setting<String>> {
            // An empty flag (`--endpoint ''`) unsets what the environment or profile says.
            if let Some(v) = flag {
                return Some(v).filter(|v| !v.is_empty()).map(|v| Setting {
                    value: v.clone(),
                    source: Source::Flag,
                });
            }
            for var in vars {
                if let Some(v) = env(var) {
                    return Some(Setting {
                        value: v,
                        source: Source::Env(var),
                    });
                }
            }
            stored.as_ref().filter(|v| !v.is_empty()).map(|v| Setting {
                value: v.clone(),
                source: from_profile(),
            })
        };

        let user_pool_id = pick(
            &args.user_pool_id,
            &["COGNATE_USER_POOL_ID"],
            &p.user_pool_id,
        );
        let region = pick(&args.region, &["COGNATE_REGION"], &p.region)
            .or_else(|| {
                let pool = user_pool_id.as_ref()?;
                profile::region_of_pool(&pool.value).map(|r| Setting {
                    value: r.to_owned(),
                    source: Source::UserPoolId,
                })
            })
            .or_else(|| pick(&None, &["AWS_REGION"], &None));
        if let (Some(region), Some(pool)) = (&region, &user_pool_id)
            && let Some(pool_region) = profile::region_of_pool(&pool.value)
            && pool_region != region.value
        {
            tracing::warn!(
                "region {} ({}) differs from the region of user pool {} ({})",
                region.value,
                region.source,
                pool.value,
                pool.source
            );
        }
        let client_secret = pick(
            &args.client_secret,
            &["COGNATE_CLIENT_SECRET"],
            &p.client_secret,
        )
        .map(|s| Setting {
            value: SecretString::from(s.value),
            source: s.source,
        });
        let endpoint = pick(
            &args.endpoint,
            &[
                "COGNATE_ENDPOINT",
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            ],
            &p.endpoint,
        );
        if let Some(e) = &endpoint {
            check_endpoint(&e.value)
                .map_err(|err| err.hint(format!("the endpoint comes from {}", e.source)))?;
        }
        let connection = Connection {
            profile: profile.as_ref().map(|_| profile_name.clone()),
            region,
            user_pool_id,
            client_id: pick(&args.client_id, &["COGNATE_CLIENT_ID"], &p.client_id),
            client_secret,
            username: pick(&args.username, &["COGNATE_USERNAME"], &p.username),
            endpoint,
            header_style: pick(&None, &[], &p.header_style),
            identity_pool_id: pick(&None, &["COGNATE_IDENTITY_POOL_ID"], &p.identity_pool_id),
            grant: pick(&None, &[], &p.grant),
            domain: pick(&None, &["COGNATE_DOMAIN"], &p.domain),
            issuer: pick(&None, &["COGNATE_ISSUER"], &p.issuer),
            token_url: pick(&None, &["COGNATE_TOKEN_URL"], &p.token_url),
            scope: pick(&None, &["COGNATE_SCOPE"], &p.scope),
            resource: pick(&None, &["COGNATE_RESOURCE"], &p.resource),
        };
        tracing::debug!(
            profile = connection.profile.as_deref().unwrap_or("(none)"),
            config = %config.display(),
            "connection resolved"
        );
        Ok(connection)
    }

    /// The user pool id, checked, or an error saying how to give one.
    pub fn require_user_pool_id(&self) -> Result<&str> {
        let Some(pool) = &self.user_pool_id else {
            return Err(CliError::usage("no user pool id").hint(
                "pass --user-pool-id, set COGNATE_USER_POOL_ID, or save one with `cognate configure`",
            ));
        };
        check_user_pool_id(&pool.value).map_err(|e| {
            let origin = match &pool.source {
                Source::Env(var) => format!("the {var} variable"),
                Source::Profile(name) => format!("`user_pool_id` in profile {name}"),
                _ => "--user-pool-id".to_owned(),
            };
            e.hint(format!(
                "check {origin}; a user pool id looks like us-east-1_AbC123xyZ"
            ))
        })?;
        Ok(&pool.value)
    }

    /// Every setting as `(profile key, value, source)`, the secret masked; for `configure list`.
    pub fn rows(&self) -> Vec<(&'static str, Option<String>, Option<&Source>)> {
        fn row<'a>(
            key: &'static str,
            s: &'a Option<Setting<String>>,
        ) -> (&'static str, Option<String>, Option<&'a Source>) {
            (
                key,
                s.as_ref().map(|s| s.value.clone()),
                s.as_ref().map(|s| &s.source),
            )
        }
        let mut rows = vec![
            row("region", &self.region),
            row("user_pool_id", &self.user_pool_id),
            row("client_id", &self.client_id),
            (
                "client_secret",
                self.client_secret
                    .as_ref()
                    .map(|s| mask(s.value.expose_secret())),
                self.client_secret.as_ref().map(|s| &s.source),
            ),
            row("username", &self.username),
            row("endpoint", &self.endpoint),
            row("header_style", &self.header_style),
            row("identity_pool_id", &self.identity_pool_id),
        ];
        // The OAuth settings, only when set (the rows above are always listed).
        for (key, setting) in [
            ("grant", &self.grant),
            ("domain", &self.domain),
            ("issuer", &self.issuer),
            ("token_url", &self.token_url),
            ("scope", &self.scope),
            ("resource", &self.resource),
        ] {
            if setting.is_some() {
                rows.push(row(key, setting));
            }
        }
        rows
    }
}

/// Reads the config file; a file that cannot be parsed is a configuration error (exit 2).
pub fn load_config(path: &Path) -> Result<Config> {
    Config::load(path).map_err(|e| {
        let invalid = e.downcast_ref::<profile::InvalidConfig>().is_some();
        let err = CliError::from(e);
        if invalid {
            err.exit_with(crate::exit::Exit::Usage)
                .hint("fix the file, or move it away and run `cognate configure` again")
        } else {
            err
        }
    })
}

/// `****` and the last four characters of a long secret, only `****` of a short one.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n >= 16 {
        let tail: String = secret.chars().skip(n - 4).collect();
        format!("****{tail}")
    } else {
        "****".to_owned()
    }
}

/// An endpoint must be an http(s) URL.
pub fn check_endpoint(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => Err(CliError::usage(format!(
            "the endpoint {url:?} is not an http:// or https:// URL"
        ))),
    }
}

/// A user pool id must look like `{region}_{suffix}`.
pub fn check_user_pool_id(id: &str) -> Result<()> {
    let ok = id.split_once('_').is_some_and(|(region, suffix)| {
        !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !suffix.is_empty()
            && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!("{id:?} is not a user pool id"))
            .hint("a user pool id is the region, `_` and letters and digits, e.g. us-east-1_AbC123xyZ"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use super::*;

    fn config(dir: &Path) -> PathBuf {
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            r#"
[profiles.default]
user_pool_id = "eu-west-1_Default1"
client_id = "profileclient"
username = "ann"

[profiles.local]
user_pool_id = "us-east-1_Local1"
endpoint = "http://127.0.0.1:9229"
region = "us-west-2"
"#,
        )
        .unwrap();
        path
    }

    fn resolve(args: &ConnectionArgs, vars: &[(&str, &str)], path: &Path) -> Result<Connection> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Connection::resolve(args, &|k| vars.get(k).cloned(), path)
    }

    #[test]
    fn flag_beats_env_beats_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(dir.path());
        let env = [
            ("COGNATE_CLIENT_ID", "envclient"),
            ("COGNATE_USERNAME", "bob"),
        ];
        let args = ConnectionArgs {
            username: Some("carol".into()),
            ..Default::default()
        };
        let c = resolve(&args, &env, &path).unwrap();
        assert_eq!(c.profile.as_deref(), Some("default"));
        let username = c.username.unwrap();
        assert_eq!(
            (username.value.as_str(), username.source),
            ("carol", Source::Flag)
        );
        let client = c.client_id.unwrap();
        assert_eq!(
            (client.value.as_str(), client.source),
            ("envclient", Source::Env("COGNATE_CLIENT_ID"))
        );
        let pool = c.user_pool_id.unwrap();
        assert_eq!(pool.source, Source::Profile("default".into()));
        // The region comes from the pool id, not from AWS_REGION.
        let c = resolve(
            &ConnectionArgs::default(),
            &[("AWS_REGION", "us-east-1")],
            &path,
        )
        .unwrap();
        let region = c.region.unwrap();
        assert_eq!(
            (region.value.as_str(), region.source),
            ("eu-west-1", Source::UserPoolId)
        );
    }

    #[test]
    fn profile_from_env_and_endpoint_fallbacks() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(dir.path());
        let c = resolve(
            &ConnectionArgs::default(),
            &[("COGNATE_PROFILE", "local")],
            &path,
        )
        .unwrap();
        assert_eq!(c.profile.as_deref(), Some("local"));
        assert_eq!(c.region.unwrap().value, "us-west-2");
        assert_eq!(c.endpoint.unwrap().source, Source::Profile("local".into()));
        let c = resolve(
            &ConnectionArgs::default(),
            &[(
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                "http://localhost:1",
            )],
            &path,
        )
        .unwrap();
        let endpoint = c.endpoint.unwrap();
        assert_eq!(
            endpoint.source,
            Source::Env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        );
    }

    #[test]
    fn no_pool_id_means_aws_region() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.toml");
        let c = resolve(
            &ConnectionArgs::default(),
            &[("AWS_REGION", "ap-south-1")],
            &path,
        )
        .unwrap();
        assert_eq!(c.profile, None);
        assert_eq!(c.region.as_ref().unwrap().source, Source::Env("AWS_REGION"));
        assert!(c.require_user_pool_id().is_err());
    }

    #[test]
    fn a_named_profile_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(dir.path());
        let args = ConnectionArgs {
            profile: Some("nope".into()),
            ..Default::default()
        };
        let err = resolve(&args, &[], &path).unwrap_err();
        assert!(err.to_string().contains("no profile `nope`"), "{err}");
    }

    #[test]
    fn secrets_are_masked_and_values_checked() {
        assert_eq!(mask("short"), "****");
        assert_eq!(mask("0123456789abcdefWXYZ"), "****WXYZ");
        assert!(check_endpoint("http://127.0.0.1:9229").is_ok());
        assert!(check_endpoint("127.0.0.1:9229").is_err());
        assert!(check_user_pool_id("us-east-1_AbC123xyZ").is_ok());
        assert!(check_user_pool_id("us-east-1").is_err());
    }
}
