//! `BrowserSignIn` against `cognate serve`: Debian's Chromium signs in on the hosted page.

use cognate_client::{BrowserSignIn, TokenSource};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_then_refresh_user_info_and_revoke() {
    let port = free_port();
    let callback = format!("http://localhost:{port}/callback");
    let shop = shop(&callback).await;
    let sign_in = BrowserSignIn::builder(&shop.web)
        .domain(shop.domain())
        .redirect_host("localhost")
        .redirect_port(port)
        .scopes([
            "openid",
            "email",
            "aws.cognito.signin.user.admin",
            SCOPE_READ,
        ])
        .build()
        .await
        .unwrap();
    let pending = sign_in.start().await.unwrap();
    assert_eq!(pending.redirect_uri(), callback);
    let url = reqwest::Url::parse(pending.authorize_url()).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["redirect_uri"], callback);
    assert!(q["state"].len() >= 16 && q["nonce"].len() >= 16);
    assert_ne!(q["state"], q["nonce"]);

    let waiting = tokio::spawn(pending.finish());
    browser_sign_in(url.as_str(), "cognate", "alice", PASSWORD, &callback).await;
    let tokens = waiting.await.unwrap().unwrap();
    let id = claims(tokens.id_token().unwrap());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["nonce"], q["nonce"].as_str());
    assert_eq!(id["aud"], shop.web.as_str());
    let access = claims(tokens.access_token());
    assert!(access["scope"].as_str().unwrap().contains(SCOPE_READ));

    // userInfo, refresh at the token endpoint.
    let info = sign_in.user_info(tokens.access_token()).await.unwrap();
    assert_eq!(info["email"], "alice@example.com");
    let refresh = tokens.refresh_token().unwrap().expose_secret().to_owned();
    let again = sign_in.refresh(&refresh).await.unwrap();
    assert_ne!(again.access_token(), tokens.access_token());
    assert_eq!(again.refresh_token().unwrap().expose_secret(), refresh);

    // The tokens feed a TokenSource (the CLI's `cognate token` path), which refreshes them
    // through Cognito's API as after a password login.
    let client = cognate_client::Client::builder(&shop.pool, &shop.web)
        .endpoint(shop.server.endpoint_url())
        .build()
        .unwrap();
    let source = TokenSource::builder(client)
        .tokens(again.clone().into_token_set().unwrap())
        .build();
    let renewed = source.refresh_after_rejection(None).await.unwrap();
    assert_eq!(renewed.username(), Some("alice"));

    // Revocation ends the sign-in: the refresh token no longer works.
    sign_in.revoke(&refresh).await.unwrap();
    let err = sign_in.refresh(&refresh).await.unwrap_err();
    assert_eq!(err.oauth_error(), Some("invalid_grant"), "{err}");
}

#[tokio::test]
async fn a_forged_redirect_is_refused_by_state() {
    let port = free_port();
    let callback = format!("http://localhost:{port}/callback");
    let shop = shop(&callback).await;
    let sign_in = BrowserSignIn::builder(&shop.web)
        .domain(shop.domain())
        .redirect_host("localhost")
        .redirect_port(port)
        .build()
        .await
        .unwrap();
    let pending = sign_in.start().await.unwrap();
    let waiting = tokio::spawn(pending.finish());
    // Another page sends the browser to the callback with its own code and state.
    let http = reqwest::Client::new();
    let r = http
        .get(format!("http://127.0.0.1:{port}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(format!(
            "http://127.0.0.1:{port}/callback?code=abc&state=forged"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let err = waiting.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("state"), "{err}");

    // An error redirect (the user cancelled) with the right state is an OAuth error.
    let pending = sign_in.start().await.unwrap();
    let state = reqwest::Url::parse(pending.authorize_url())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let waiting = tokio::spawn(pending.finish());
    http.get(format!(
        "http://127.0.0.1:{port}/callback?error=access_denied&state={state}"
    ))
    .send()
    .await
    .unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.oauth_error(), Some("access_denied"));
}
