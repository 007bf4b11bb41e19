//! OAuth scopes: the five Cognito defines and the custom `{identifier}/{scope}` of resource
//! servers.

use crate::error::ApiError;
use crate::services::Ctx;

use super::resource_servers;

/// The scope that lets an access token call the user-level API (GetUser, …).
pub(crate) const ADMIN: &str = "aws.cognito.signin.user.admin";

/// The OpenID Connect scope: an ID token is issued only when it is granted.
pub(crate) const OPENID: &str = "openid";

/// The scopes Cognito itself defines.
pub(crate) const STANDARD: [&str; 5] = ["openid", "email", "phone", "profile", ADMIN];

/// Whether `scope` is one of Cognito's own.
pub(crate) fn is_standard(scope: &str) -> bool {
    STANDARD.contains(&scope)
}

/// Whether `scope` is a custom scope that a resource server of `pool_id` defines.
pub(crate) fn custom_exists(ctx: &Ctx, pool_id: &str, scope: &str) -> Result<bool, ApiError> {
    // Scope names have no `/` (the model's pattern), identifiers may: split at the last one.
    let Some((identifier, name)) = scope.rsplit_once('/') else {
        return Ok(false);
    };
    Ok(resource_servers::get(ctx, pool_id, identifier)?.is_some_and(|rs| rs.defines(name)))
}

/// A `scope` request parameter: space-separated, duplicates dropped, order kept.
pub(crate) fn parse(param: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in param.split(' ').filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_parameters_split_on_spaces_without_duplicates() {
        assert_eq!(parse("openid  email openid"), vec!["openid", "email"]);
        assert!(parse("").is_empty());
        assert_eq!(parse("a/b c").join(" "), "a/b c");
    }
}
