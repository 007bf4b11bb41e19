//! What `cognate configure` and `configure set` accept: profile names, and a profile's
//! settings together (URLs, the pool id, the region, a machine-to-machine profile's client).

use crate::connection::{check_endpoint, check_user_pool_id};
use crate::error::{CliError, Result};
use crate::profile::{Profile, region_of_pool};

/// Profile names are kept simple so that they are easy to type and to quote.
pub(super) fn check_profile_name(name: &str) -> Result<()> {
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

pub(super) fn validate(p: &Profile) -> Result<()> {
    if let Some(id) = &p.user_pool_id {
        check_user_pool_id(id)?;
    }
    if let Some(url) = &p.endpoint {
        check_endpoint(url)?;
    }
    for (key, url) in [
        ("--domain", &p.domain),
        ("--issuer", &p.issuer),
        ("--token-url", &p.token_url),
    ] {
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

#[cfg(test)]
mod tests {
    use super::*;

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
