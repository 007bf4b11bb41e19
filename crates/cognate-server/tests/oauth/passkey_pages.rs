//! Passkeys on the hosted pages, without a browser (the ceremonies in Chromium are in
//! `interop_node_oauth.rs`): where the sign-in page offers them, the answers to a sign-in with
//! a passkey that cannot start, the offer to add one after a password sign-in, and
//! `/passkeys/add` — every refusal a page, never a 500.

use super::*;

/// Allows `WEB_AUTHN` with the relying party id `localhost`.
async fn allow_passkeys(env: &Env) {
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": POOL, "UserPoolTier": "ESSENTIALS",
               "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}}),
    )
    .await;
    env.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OFF",
               "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}}),
    )
    .await;
}

/// A client that reaches the server as `http://localhost:PORT`, as a browser does.
fn localhost_client(env: &Env) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(browser_cookie())
        .resolve("localhost", env.server.local_addr())
        .build()
        .unwrap()
}

/// `url` (an authorization URL of the path form) on `http://localhost:PORT`.
fn on_localhost(env: &Env, url: &str) -> String {
    url.replace(
        &env.server.endpoint_url(),
        &format!("http://localhost:{}", env.server.local_addr().port()),
    )
}

async fn post(http: &reqwest::Client, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    http.post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(fields))
        .send()
        .await
        .unwrap()
}

const BUTTON: &str = "value=\"passkey\"";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_offers_passkeys_where_a_browser_can_use_them() {
    let env = start().await;
    let s = setup(&env).await;
    let localhost = localhost_client(&env);
    let authorize = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let login = on_localhost(&env, &authorize).replace("/oauth2/authorize", "/login");
    // The pool does not allow WEB_AUTHN: no passkey button, and a forged one is refused.
    let page = page_text(&localhost, &login).await;
    assert!(page.contains("<label for=\"password\">") && !page.contains(BUTTON));
    let resp = post(
        &localhost,
        &login,
        &[("username", "alice"), ("method", "passkey")],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Passkeys are not available on this page")
    );

    allow_passkeys(&env).await;
    let page = page_text(&localhost, &login).await;
    assert!(page.contains(BUTTON), "{page}");
    assert!(page.contains("Sign in with a passkey"));
    // The host form (shop.auth.localhost): `localhost` is no id a browser takes there.
    let host_login = env.host_url(&format!("/login?{}", authorize.split_once('?').unwrap().1));
    let page = page_text(&env.http, &host_login).await;
    assert!(page.contains("<label for=\"password\">") && !page.contains(BUTTON));

    // alice has no passkey; nobody is no user (the client does not hide that).
    let resp = post(
        &localhost,
        &login,
        &[("username", "alice"), ("method", "passkey")],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("No passkey is registered for this user. Sign in with your password, then add a passkey."),
        "{page}"
    );
    assert!(page.contains("value=\"alice\""));
    let resp = post(
        &localhost,
        &login,
        &[("username", "nobody"), ("method", "passkey")],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("User does not exist."));
    // A passkey answer the browser could not give: back to the sign-in page, with why.
    let resp = post(
        &localhost,
        &login,
        &[
            ("challenge", "WEB_AUTHN"),
            ("session", "x"),
            ("username", "alice"),
            ("error", "NotAllowedError"),
        ],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let page = resp.text().await.unwrap();
    assert!(page.contains("The passkey request was cancelled or timed out."));
    assert!(page.contains(BUTTON));
    // A forged session.
    let resp = post(
        &localhost,
        &login,
        &[
            ("challenge", "WEB_AUTHN"),
            ("session", "forged"),
            ("username", "alice"),
            ("answer", "{}"),
        ],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Invalid session for the user.")
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_sign_in_offers_to_add_a_passkey() {
    let env = start().await;
    let s = setup(&env).await;
    allow_passkeys(&env).await;
    let localhost = localhost_client(&env);
    let authorize = on_localhost(&env, &authorize_url(&env, &s.web, &[("scope", "openid")]));
    let query = authorize.split_once('?').unwrap().1.to_owned();
    let base = format!("http://localhost:{}/{POOL}", env.server.local_addr().port());
    let add = format!("{base}/passkeys/add?{query}");
    // Not signed in: /passkeys/add is the sign-in page.
    let resp = localhost.get(&add).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/login?")
    );

    let resp = post(
        &localhost,
        &format!("{base}/login?{query}"),
        &[("username", "alice"), ("password", "Correct horse 1!")],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let page = resp.text().await.unwrap();
    assert!(page.contains("<h1>Add a passkey</h1>"), "{page}");
    assert!(page.contains("data-mode=\"create\""));
    assert!(page.contains("&quot;rp&quot;:{") || page.contains("&quot;rp&quot;: {"));
    let with_cookie = |fields: Vec<(&'static str, &'static str)>| {
        localhost
            .post(&add)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", with_xsrf(&cookie))
            .body(form(&fields))
            .send()
    };
    // The browser gave nothing, or something that is no credential: the page again, with why.
    let resp = with_cookie(vec![("step", "register"), ("error", "NotAllowedError")])
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("cancelled or timed out")
    );
    let resp = with_cookie(vec![("step", "register"), ("answer", "{\"id\":\"x\"}")])
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("role=\"alert\"") && page.contains("<h1>Add a passkey</h1>"),
        "{page}"
    );
    // "Not now": on to the app with a code.
    let resp = with_cookie(vec![("step", "skip")]).await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert!(query_param(&location, "code").is_some());
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-1"));
    // The session lives on: GET /passkeys/add is the same offer.
    let resp = localhost
        .get(&add)
        .header("Cookie", cookie.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<h1>Add a passkey</h1>")
    );
    env.server.shutdown().await;
}
