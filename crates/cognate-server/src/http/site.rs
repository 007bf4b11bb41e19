//! Which pool's domain a request is for: the `{pool}` of a path-form URL, or the `Host`
//! header of a host-form one.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::model::UserPool;
use crate::services::Ctx;
use crate::services::oauth::domains;

/// The pool a domain request is for, and how its URLs are written.
pub(crate) struct Site {
    /// The pool.
    pub pool: UserPool,
    /// What comes before `/login` etc. in this request's form: `""` (host form) or
    /// `/{poolId}` (path form).
    pub base: String,
    /// The host the browser asked for (`Host`, without the port, lower case): where the
    /// page's origin is, which a passkey's relying party id must match.
    pub host: String,
}

impl Site {
    /// The path of the domain's page `page` (`/login`) in this request's form.
    pub(crate) fn path(&self, page: &str) -> String {
        format!("{}{page}", self.base)
    }

    /// The session cookie's `Path`.
    pub(crate) fn cookie_path(&self) -> &str {
        if self.base.is_empty() {
            "/"
        } else {
            &self.base
        }
    }
}

/// The host name of a `Host` header: without the port (an IPv6 literal keeps its brackets),
/// lower case.
fn host_name(host: &str) -> String {
    let name = if host.starts_with('[') {
        host.split_once(']').map_or(host, |(h, _)| h)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let name = name.strip_prefix('[').unwrap_or(name);
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn not_found(message: String) -> Response {
    let mut resp = (
        StatusCode::NOT_FOUND,
        json!({ "message": message }).to_string(),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}

impl<S> FromRequestParts<S> for Site
where
    S: Send + Sync,
    Arc<Ctx>: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Arc::<Ctx>::from_ref(state);
        let pool_id = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|p| p.0.get("pool").cloned());
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let browser_host = host_name(&host);
        let found = super::blocking(move || -> Result<Option<(UserPool, String)>, String> {
            let domain = match &pool_id {
                Some(id) => domains::of_pool(&ctx, id).map_err(|e| e.message)?,
                None => domains::from_host(&ctx, &host).map_err(|e| e.message)?,
            };
            let Some(domain) = domain else {
                return Ok(None);
            };
            let pool = ctx.pool(&domain.pool_id).map_err(|e| e.message)?;
            let base = match pool_id {
                Some(id) => format!("/{id}"),
                None => String::new(),
            };
            Ok(Some((pool, base)))
        })
        .await;
        match found {
            Some(Ok(Some((pool, base)))) => Ok(Site {
                pool,
                base,
                host: browser_host,
            }),
            Some(Ok(None)) => Err(not_found(
                "No user pool domain here: create one with CreateUserPoolDomain; its endpoints are at http://{prefix}.auth.localhost:{port}/… and http://{host}:{port}/{userPoolId}/…".into(),
            )),
            Some(Err(m)) => Err(not_found(m)),
            None => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn the_host_name_of_a_host_header() {
        assert_eq!(host_name("LocalHost:9229"), "localhost");
        assert_eq!(host_name("shop.auth.localhost"), "shop.auth.localhost");
        assert_eq!(host_name("example.com.:443"), "example.com");
        assert_eq!(host_name("[::1]:9229"), "::1");
        assert_eq!(host_name(""), "");
    }
}
