//! Where an OAuth provider's endpoints are: a Cognito pool domain's fixed paths, or a
//! discovery document (OpenID Connect Discovery, RFC 8414).

use reqwest::Url;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The endpoints of an OAuth 2.0 authorization server.
///
/// ```
/// use cognate_client::OAuthEndpoints;
///
/// let e = OAuthEndpoints::from_domain("https://shop.auth.us-east-1.amazoncognito.com")?;
/// assert_eq!(e.token, "https://shop.auth.us-east-1.amazoncognito.com/oauth2/token");
/// assert_eq!(e.authorization.as_deref(),
///            Some("https://shop.auth.us-east-1.amazoncognito.com/oauth2/authorize"));
/// # Ok::<(), cognate_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthEndpoints {
    /// The issuer, when a discovery document named it.
    pub issuer: Option<String>,
    /// `token_endpoint`.
    pub token: String,
    /// `authorization_endpoint`.
    pub authorization: Option<String>,
    /// `revocation_endpoint` (RFC 7009).
    pub revocation: Option<String>,
    /// `userinfo_endpoint`.
    pub userinfo: Option<String>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: Option<String>,
    token_endpoint: Option<String>,
    authorization_endpoint: Option<String>,
    revocation_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
}

impl OAuthEndpoints {
    /// A Cognito user pool's domain (`https://{prefix}.auth.{region}.amazoncognito.com`, a
    /// custom domain, or `cognate serve`'s `http://127.0.0.1:{port}/{poolId}`): its endpoints
    /// are at fixed paths under it.
    pub fn from_domain(domain: &str) -> Result<Self> {
        let base = domain.trim_end_matches('/');
        let url =
            Url::parse(base).map_err(|e| Error::Config(format!("{domain:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(Error::Config(format!("{domain:?} is not an http(s) URL")));
        }
        Ok(OAuthEndpoints {
            issuer: None,
            token: format!("{base}/oauth2/token"),
            authorization: Some(format!("{base}/oauth2/authorize")),
            revocation: Some(format!("{base}/oauth2/revoke")),
            userinfo: Some(format!("{base}/oauth2/userInfo")),
        })
    }

    /// Reads the discovery document of `issuer`: OpenID Connect's
    /// `{issuer}/.well-known/openid-configuration` (a Cognito pool's issuer has one), else RFC
    /// 8414's `.well-known/oauth-authorization-server`. The document must name `issuer`
    /// exactly (a document that names another issuer is refused).
    pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Self> {
        let base = issuer.trim_end_matches('/');
        let parsed =
            Url::parse(base).map_err(|e| Error::Config(format!("{issuer:?} is not a URL: {e}")))?;
        let oidc = format!("{base}/.well-known/openid-configuration");
        let rfc8414 = {
            let mut u = parsed.clone();
            let path = parsed.path().trim_end_matches('/');
            u.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
            u.to_string()
        };
        let mut last = None;
        for url in [oidc, rfc8414] {
            match fetch(http, &url).await {
                Ok(doc) => return Self::from_document(doc, issuer),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::Config("no discovery document".into())))
    }

    fn from_document(doc: Discovery, issuer: &str) -> Result<Self> {
        match &doc.issuer {
            Some(named) if named.trim_end_matches('/') == issuer.trim_end_matches('/') => {}
            Some(named) => {
                return Err(Error::protocol(format!(
                    "the discovery document of {issuer} names another issuer, {named}"
                )));
            }
            None => return Err(Error::protocol("the discovery document names no issuer")),
        }
        let token = doc
            .token_endpoint
            .ok_or_else(|| Error::protocol("the discovery document names no token_endpoint"))?;
        Ok(OAuthEndpoints {
            issuer: doc.issuer,
            token,
            authorization: doc.authorization_endpoint,
            revocation: doc.revocation_endpoint,
            userinfo: doc.userinfo_endpoint,
        })
    }
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<Discovery> {
    let response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| Error::Transport(format!("{url}: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::protocol(format!("{url}: HTTP {status}")));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::Transport(format!("{url}: {e}")))?;
    serde_json::from_slice(&body)
        .map_err(|e| Error::protocol(format!("{url} is not a discovery document: {e}")))
}
