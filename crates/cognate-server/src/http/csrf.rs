//! Login CSRF protection for the hosted forms, in the shape Cognito's hosted UI uses: a random
//! token in an `XSRF-TOKEN` cookie (`HttpOnly`, `SameSite=Lax`) and the same token in a hidden
//! `_csrf` field of every form that posts. A `POST` whose field does not equal its cookie is
//! refused here, before a handler reads it.
//!
//! This is the double-submit pattern: another site can make a browser post to the domain, but
//! it can neither read the cookie nor set one on the domain, so it cannot send a matching pair.
//! `SameSite=Lax` already keeps the cookie off cross-site posts in current browsers; the token
//! does not rely on that. Scripts that drive Cognito's pages (read the form, post it back with
//! its cookie) work unchanged.
//!
//! The layer wraps the page routes only (`/login`, `/signup`, `/forgotPassword`,
//! `/passkeys/add`), never the OAuth endpoints, whose callers authenticate as clients.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use super::pages;

/// The cookie's name, as Cognito's hosted UI names it.
const COOKIE: &str = "XSRF-TOKEN";

/// The form field's name, as Cognito's hosted UI names it.
const FIELD: &str = "_csrf";

/// Characters of a token: 32 random bytes in unpadded base64url.
const TOKEN_LEN: usize = 43;

/// The largest form body read (axum's own default for a `Bytes` body).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Checks the token of a `POST`, and puts a token into every form of an HTML answer (setting
/// the cookie when the request had none).
pub(crate) async fn layer(req: Request, next: Next) -> Response {
    let cookie = cookie_token(req.headers());
    let req = if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        };
        if !matches(cookie.as_deref(), &bytes) {
            let again = parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            return pages::html(StatusCode::FORBIDDEN, pages::form_expired(&again));
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let resp = next.run(req).await;
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return resp;
    }
    let (token, set_cookie) = match cookie {
        Some(t) => (t, false),
        None => (
            URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<32>()),
            true,
        ),
    };
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = String::from_utf8_lossy(&bytes);
    let Some(page) = with_token(&page, &token) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if set_cookie {
        let value = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&value) {
            parts.headers.append(header::SET_COOKIE, v);
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

/// The request's token cookie, when it has a well-formed one.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
        .filter(|v| {
            v.len() == TOKEN_LEN
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
}

/// Whether the form `body` carries the cookie's token (compared in constant time).
fn matches(cookie: Option<&str>, body: &Bytes) -> bool {
    let Some(cookie) = cookie else {
        return false;
    };
    let mut sent = form_urlencoded::parse(body).filter(|(k, _)| k == FIELD);
    match (sent.next(), sent.next()) {
        (Some((_, v)), None) => bool::from(v.as_bytes().ct_eq(cookie.as_bytes())),
        _ => false,
    }
}

/// `page` with a hidden token field first in each `<form method="post" …>`; `None` when the
/// page has no such form.
fn with_token(page: &str, token: &str) -> Option<String> {
    let field = format!("<input type=\"hidden\" name=\"{FIELD}\" value=\"{token}\">");
    let mut out = String::with_capacity(page.len() + field.len());
    let mut rest = page;
    let mut found = false;
    while let Some(start) = rest.find("<form ") {
        // Attribute values are escaped (`pages::escape`), so the first `>` ends the tag.
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let end = start + len + 1;
        let tag = &rest[start..end];
        out.push_str(&rest[..end]);
        if tag.contains("method=\"post\"") {
            out.push_str(&field);
            found = true;
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn the_token_goes_into_posting_forms_only() {
        let page = "<form method=\"post\" action=\"/login?a=1&amp;b=%3E\"><input name=\"x\"></form>\
<form method=\"get\" action=\"/x\"></form><form id=\"p\" method=\"post\" data-o=\"{&quot;a&quot;:&gt;}\"></form>";
        let out = with_token(page, T).unwrap();
        assert_eq!(out.matches("name=\"_csrf\"").count(), 2, "{out}");
        assert!(out.starts_with(&format!(
            "<form method=\"post\" action=\"/login?a=1&amp;b=%3E\"><input type=\"hidden\" name=\"_csrf\" value=\"{T}\"><input name=\"x\">"
        )));
        assert!(out.contains("<form method=\"get\" action=\"/x\"></form><form id"));
        assert_eq!(with_token("<p>no form</p>", T), None);
    }

    #[test]
    fn a_post_needs_its_cookie_token_once_in_the_form() {
        let body = |s: &str| Bytes::from(s.to_owned());
        assert!(matches(Some(T), &body(&format!("username=a&_csrf={T}"))));
        assert!(!matches(None, &body(&format!("_csrf={T}"))));
        assert!(!matches(Some(T), &body("username=a")));
        assert!(!matches(Some(T), &body("_csrf=")));
        assert!(!matches(Some(T), &body(&format!("_csrf={T}x"))));
        assert!(!matches(Some(T), &body(&format!("_csrf={T}&_csrf={T}"))));
    }

    #[test]
    fn only_a_well_formed_cookie_counts() {
        let with = |c: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::COOKIE, HeaderValue::from_str(c).unwrap());
            cookie_token(&h)
        };
        assert_eq!(with(&format!("a=b; XSRF-TOKEN={T}")).as_deref(), Some(T));
        assert_eq!(with("XSRF-TOKEN=short"), None);
        assert_eq!(with(&format!("XSRF-TOKEN={}", "+".repeat(43))), None);
        assert_eq!(with("cognito=x"), None);
    }
}
