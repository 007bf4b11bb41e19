//! boto3, authlib and PyJWT against a pool's domain (`interop/python/oauth_clients.py`): the
//! control plane (domains, resource servers, OAuth settings of app clients) through boto3;
//! `client_credentials` with Basic and body authentication through authlib's OAuth2Session;
//! authorization code + PKCE through the hosted sign-in page, the ID token validated by
//! authlib's OpenID Connect rules and by PyJWT (at_hash, nonce); refresh; userInfo.
//!
//! Needs the interop tools (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_authlib_and_pyjwt_use_the_domain() {
    let summary = common::python_summary("oauth_clients.py").await;
    assert_eq!(summary["checks"].as_u64(), Some(14), "{summary}");
}
