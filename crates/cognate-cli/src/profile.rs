//! Profiles: named sets of connection settings in `<config dir>/cognate/config.toml`
//! (`COGNATE_CONFIG` overrides the path).
//!
//! ```toml
//! [profiles.default]
//! region = "us-east-1"
//! user_pool_id = "us-east-1_AbC123xyZ"
//! client_id = "1example23456789abcdefghij"
//! username = "api-user@example.com"
//! endpoint = "http://127.0.0.1:9229"   # a local `cognate serve`
//! header_style = "access"
//! identity_pool_id = "us-east-1:0000-…"
//! # client_secret = "…"                # only when you ask for it to be stored
//!
//! [profiles.billing-bot]               # machine to machine (client_credentials)
//! grant = "client_credentials"
//! client_id = "7example"
//! domain = "https://shop.auth.us-east-1.amazoncognito.com"
//! scope = "billing/charge billing/read"
//!
//! [profiles.partner]                   # a browser sign-in at another OpenID provider
//! issuer = "https://login.example.com"
//! client_id = "cli"
//! scope = "openid email offline_access"
//! ```
//!
//! The file is always written with mode 0600 (it may hold a client secret), atomically: a
//! temporary file in the same directory, synced, then renamed over the old one.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One profile's settings; every field optional, flags and `COGNATE_*` variables override them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_style: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_pool_id: Option<String>,
    /// `client_credentials`: a machine-to-machine profile (the app client's own tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<String>,
    /// The pool's domain (`https://{prefix}.auth.{region}.amazoncognito.com`, a custom domain, or
    /// `cognate serve`'s `http://127.0.0.1:9229/{poolId}`): its OAuth endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// An OpenID Connect provider that is not a Cognito pool (its discovery document at
    /// `{issuer}/.well-known/openid-configuration`): `cognate login --browser` signs in there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The token endpoint, when it is not `{domain}/oauth2/token` nor in the pool's discovery
    /// document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The scopes to ask for, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RFC 8707: the resource server the tokens are for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The software passkey authenticator's credential file, for `cognate login --method
    /// passkey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_file: Option<String>,
}

/// The whole config file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// A config file that cannot be parsed: what is wrong and on which line.
#[derive(Debug)]
pub struct InvalidConfig(pub String);

impl std::fmt::Display for InvalidConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidConfig {}

/// Where the config file lives.
pub fn config_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("COGNATE_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    let dir = dirs::config_dir().context(
        "cannot find a config directory (no HOME?): set COGNATE_CONFIG to the path of a config file",
    )?;
    Ok(dir.join("cognate").join("config.toml"))
}

impl Config {
    /// Reads the file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            anyhow::Error::new(InvalidConfig(format!(
                "{} is not a valid cognate config: {}{at}",
                path.display(),
                e.message().trim()
            )))
        })
    }

    /// Writes the file atomically with mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let text = toml::to_string_pretty(self).context("serialising the config")?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("config"),
            std::process::id()
        ));
        let result = (|| -> Result<()> {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts
                .open(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

/// The region a user pool id names (`us-east-1_AbC123xyZ` → `us-east-1`).
pub fn region_of_pool(user_pool_id: &str) -> Option<&str> {
    user_pool_id
        .split_once('_')
        .map(|(r, _)| r)
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_atomically_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        assert_eq!(Config::load(&path).unwrap(), Config::default());
        let mut c = Config::default();
        c.profiles.insert(
            "work".into(),
            Profile {
                user_pool_id: Some("eu-west-1_Abc".into()),
                client_secret: Some("s3cret".into()),
                ..Profile::default()
            },
        );
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "[profiles.a]\nregoin = 'x'\n").unwrap();
        let err = format!("{:#}", Config::load(&path).unwrap_err());
        assert!(
            err.contains("is not a valid cognate config") && err.contains("regoin"),
            "{err}"
        );
        assert!(err.ends_with("(line 2)"), "{err}");
    }

    #[test]
    fn region_comes_from_the_pool_id() {
        assert_eq!(region_of_pool("us-east-1_AbC123xyZ"), Some("us-east-1"));
        assert_eq!(region_of_pool("nounderscore"), None);
        assert_eq!(region_of_pool("_x"), None);
    }
}
