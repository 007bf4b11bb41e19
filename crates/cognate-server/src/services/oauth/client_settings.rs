//! An app client's OAuth settings (`AllowedOAuthFlowsUserPoolClient`, `AllowedOAuthFlows`,
//! `AllowedOAuthScopes`, `CallbackURLs`, `DefaultRedirectURI`, `LogoutURLs`,
//! `SupportedIdentityProviders`): checked as Cognito checks them when a client is created or
//! updated, and read by the domain's endpoints.
//!
//! They are stored with the client's other members as sent (`AppClient::extra`), so
//! DescribeUserPoolClient echoes them as given.

use cognate_model::idp::ErrorKind as E;
use cognate_model::idp::types::OAuthFlowType as Flow;
use serde::Deserialize;
use serde_json::Value;

use super::identity_providers::{self, COGNITO};
use super::scopes;
use crate::error::ApiError;
use crate::model::AppClient;
use crate::services::Ctx;

/// A client's OAuth settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OAuthSettings {
    /// `AllowedOAuthFlowsUserPoolClient`: the domain's endpoints serve this client at all.
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient", default)]
    pub enabled: Option<bool>,
    /// `AllowedOAuthFlows`.
    #[serde(rename = "AllowedOAuthFlows", default)]
    pub flows: Option<Vec<Flow>>,
    /// `AllowedOAuthScopes`.
    #[serde(rename = "AllowedOAuthScopes", default)]
    pub scopes: Option<Vec<String>>,
    /// `CallbackURLs`.
    #[serde(rename = "CallbackURLs", default)]
    pub callback_urls: Option<Vec<String>>,
    /// `DefaultRedirectURI`.
    #[serde(rename = "DefaultRedirectURI", default)]
    pub default_redirect_uri: Option<String>,
    /// `LogoutURLs`.
    #[serde(rename = "LogoutURLs", default)]
    pub logout_urls: Option<Vec<String>>,
    /// `SupportedIdentityProviders`.
    #[serde(rename = "SupportedIdentityProviders", default)]
    pub identity_providers: Option<Vec<String>>,
}

impl OAuthSettings {
    /// The settings of `client`.
    pub(crate) fn of(client: &AppClient) -> OAuthSettings {
        let mut map = serde_json::Map::new();
        for key in [
            "AllowedOAuthFlowsUserPoolClient",
            "AllowedOAuthFlows",
            "AllowedOAuthScopes",
            "CallbackURLs",
            "DefaultRedirectURI",
            "LogoutURLs",
            "SupportedIdentityProviders",
        ] {
            if let Some(v) = client.extra.get(key) {
                map.insert(key.into(), v.clone());
            }
        }
        // The members were validated against the model when they were stored.
        serde_json::from_value(Value::Object(map)).unwrap_or_default()
    }

    /// Whether the domain's endpoints serve the client and it allows `flow`.
    pub(crate) fn allows(&self, flow: Flow) -> bool {
        self.enabled == Some(true) && self.flows().contains(&flow)
    }

    /// `AllowedOAuthFlows`.
    pub(crate) fn flows(&self) -> &[Flow] {
        self.flows.as_deref().unwrap_or(&[])
    }

    /// `AllowedOAuthScopes`.
    pub(crate) fn scopes(&self) -> &[String] {
        self.scopes.as_deref().unwrap_or(&[])
    }

    /// `CallbackURLs`.
    pub(crate) fn callback_urls(&self) -> &[String] {
        self.callback_urls.as_deref().unwrap_or(&[])
    }

    /// `LogoutURLs`.
    pub(crate) fn logout_urls(&self) -> &[String] {
        self.logout_urls.as_deref().unwrap_or(&[])
    }

    /// `SupportedIdentityProviders`.
    pub(crate) fn identity_providers(&self) -> &[String] {
        self.identity_providers.as_deref().unwrap_or(&[])
    }

    /// Whether `scope` is one of `AllowedOAuthScopes`.
    pub(crate) fn allows_scope(&self, scope: &str) -> bool {
        self.scopes().iter().any(|s| s == scope)
    }
}

/// Whether `url` may be a callback or sign-out URL: HTTPS, `http://localhost` (any port and
/// path) for testing, or an app's own scheme (`myapp://callback`); never a fragment.
pub(crate) fn acceptable_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if url.contains('#') || scheme.is_empty() || rest.is_empty() {
        return false;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            host.eq_ignore_ascii_case("localhost")
        }
        s => s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)),
    }
}

/// Checks `client`'s OAuth settings as CreateUserPoolClient and UpdateUserPoolClient do.
pub(crate) fn check(ctx: &Ctx, client: &AppClient) -> Result<(), ApiError> {
    let s = OAuthSettings::of(client);
    for (field, urls) in [
        ("CallbackURLs", s.callback_urls()),
        ("LogoutURLs", s.logout_urls()),
    ] {
        for url in urls {
            if !acceptable_url(url) {
                return Err(ApiError::invalid(format!(
                    "{url} is not a valid {field} URL: Amazon Cognito requires HTTPS, except for http://localhost."
                )));
            }
        }
    }
    if let Some(d) = &s.default_redirect_uri {
        if !acceptable_url(d) {
            return Err(ApiError::invalid(format!(
                "{d} is not a valid DefaultRedirectURI: Amazon Cognito requires HTTPS, except for http://localhost."
            )));
        }
        if !s.callback_urls().contains(d) {
            return Err(ApiError::invalid(
                "DefaultRedirectURI must be one of the CallbackURLs.",
            ));
        }
    }
    for provider in s.identity_providers() {
        if provider != COGNITO && identity_providers::get(ctx, &client.pool_id, provider)?.is_none()
        {
            return Err(ApiError::invalid(format!(
                "The provider {provider} does not exist for User Pool {}",
                client.pool_id
            )));
        }
    }
    for scope in s.scopes() {
        if !scopes::is_standard(scope) && !scopes::custom_exists(ctx, &client.pool_id, scope)? {
            return Err(ApiError::new(
                E::ScopeDoesNotExistException,
                format!("Invalid scope requested: {scope}"),
            ));
        }
    }
    let flows = s.flows();
    let credentials = flows.contains(&Flow::ClientCredentials);
    let browser = flows.contains(&Flow::Code) || flows.contains(&Flow::Implicit);
    if s.enabled == Some(true) && (flows.is_empty() || s.scopes().is_empty()) {
        return Err(ApiError::invalid(
            "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
        ));
    }
    if credentials && browser {
        return Err(ApiError::new(
            E::InvalidOAuthFlowException,
            "client_credentials flow can not be selected along with code flow or implicit flow.",
        ));
    }
    if credentials && client.secret.is_none() {
        return Err(ApiError::new(
            E::InvalidOAuthFlowException,
            "client_credentials flow can not be selected if client does not have a client secret.",
        ));
    }
    if credentials && let Some(standard) = s.scopes().iter().find(|s| scopes::is_standard(s)) {
        return Err(ApiError::new(
            E::InvalidOAuthFlowException,
            format!("{standard} is not supported with client_credentials flow"),
        ));
    }
    if browser && s.callback_urls().is_empty() {
        return Err(ApiError::new(
            E::InvalidOAuthFlowException,
            "CallbackUrls can not be empty when code flow or implicit flow is selected",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::acceptable_url;

    #[test]
    fn callback_urls_need_https_except_localhost() {
        assert!(acceptable_url("https://app.example.com/cb"));
        assert!(acceptable_url("http://localhost:3000/cb"));
        assert!(acceptable_url("http://localhost"));
        assert!(acceptable_url("myapp://callback"));
        assert!(!acceptable_url("http://app.example.com/cb"));
        assert!(!acceptable_url("http://localhost.evil.com/cb"));
        assert!(!acceptable_url("https://app.example.com/cb#frag"));
        assert!(!acceptable_url("not a url"));
    }
}
