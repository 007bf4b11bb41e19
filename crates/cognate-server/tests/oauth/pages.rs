//! Authorization requests and the hosted sign-in pages: code + PKCE, implicit, refresh,
//! userInfo, revoke, logout, the session cookie, challenges, and where errors go.

use super::*;

#[tokio::test]
async fn authorization_code_with_pkce_through_the_sign_in_page() {
    let env = start().await;
    let s = setup(&env).await;
    let scope = "openid email aws.cognito.signin.user.admin https://api.shop/read";
    let url = authorize_url(&env, &s.web, &[("scope", scope)]);
    // A wrong password: the page again, with Cognito's message.
    let resp = sign_in(&env, &url, "alice", "wrong").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Incorrect username or password.")
    );
    // The right one: back to the app with a code and the state, and a session cookie.
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-1"));
    let code = query_param(&location, "code").unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.starts_with("cognito="),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let exchange = |code: String, verifier: &'static str, redirect: &'static str| {
        let web = s.web.clone();
        let env = &env;
        async move {
            env.token(
                None,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &web),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    let (status, tokens) = exchange(code.clone(), VERIFIER, CALLBACK).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], s.web.as_str());
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["auth_time"], 1_750_000_000);
    let digest = Sha256::digest(access.as_bytes());
    assert_eq!(
        id["at_hash"],
        URL_SAFE_NO_PAD.encode(&digest[..16]).as_str()
    );
    let ac = claims(&access);
    assert_eq!(ac["scope"], scope);
    assert_eq!(ac["username"], "alice");
    // With aws.cognito.signin.user.admin the user-level API takes the token.
    let user = env.ok("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(user["Username"], "alice");
    // userInfo: the email scope's attributes.
    let info: Value = env
        .http
        .get(env.host_url("/oauth2/userInfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["username"], "alice");
    // The code is spent.
    let (status, body) = exchange(code, VERIFIER, CALLBACK).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A second authorization request skips the page while the session lasts.
    let again = env
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 302);
    let location = again.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    // A wrong verifier, then a wrong redirect URI: refused (and each code spent).
    let code = query_param(&location, "code").unwrap();
    let (status, body) = exchange(
        code,
        "xBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        CALLBACK,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let location = env
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = query_param(&location, "code").unwrap();
    let (status, body) = exchange(code, VERIFIER, "http://localhost:3000/other").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // A code outlives its five minutes only by a test's mistake.
    let location = env
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = query_param(&location, "code").unwrap();
    env.clock.advance(301);
    let (status, body) = exchange(code, VERIFIER, CALLBACK).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Refresh: the same scopes; a foreign client cannot use the token.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scope"],
        scope
    );
    assert!(body.get("refresh_token").is_none());
    assert!(
        claims(body["id_token"].as_str().unwrap())
            .get("nonce")
            .is_none()
    );
    let (status, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Logout ends the session: the next request meets the page again.
    let out = env
        .http
        .get(format!(
            "{}?client_id={}&logout_uri=http%3A%2F%2Flocalhost%3A3000%2Fbye",
            env.url("/logout"),
            s.web
        ))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 302);
    assert_eq!(out.headers()["location"], "http://localhost:3000/bye");
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // An unregistered logout_uri is an error page, never a redirect.
    let bad = env
        .http
        .get(format!(
            "{}?client_id={}&logout_uri=https%3A%2F%2Fevil.example",
            env.url("/logout"),
            s.web
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.headers().get("location").is_none());

    // Revoke, then the refresh token is dead.
    let resp = env
        .http
        .post(env.url("/oauth2/revoke"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(&[("token", &refresh), ("client_id", &s.web)]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn authorize_errors_are_pages_or_redirects_where_cognito_does_each() {
    let env = start().await;
    let s = setup(&env).await;
    // An unregistered redirect URI: an error page, never a redirect to it.
    let url = format!(
        "{}?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        env.url("/oauth2/authorize"),
        s.web
    );
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("location").is_none());
    // An unknown client: an error page.
    let resp = env
        .http
        .get(format!(
            "{}?response_type=code&client_id=nope&redirect_uri=x",
            env.url("/oauth2/authorize")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("location").is_none());
    // The rest go back to the registered redirect URI with the state.
    for (extra, error) in [
        (
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            vec![("response_type", "code"), ("scope", "phone")],
            "invalid_scope",
        ),
        (
            vec![
                ("response_type", "code"),
                ("code_challenge_method", "S512"),
                ("code_challenge", "x"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("prompt", "none")],
            "login_required",
        ),
    ] {
        let mut pairs = vec![
            ("client_id", s.web.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "zz"),
        ];
        pairs.extend(extra);
        let resp = env
            .http
            .get(format!(
                "{}?{}",
                env.url("/oauth2/authorize"),
                encode(&pairs)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 302, "{error}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(CALLBACK), "{location}");
        assert_eq!(query_param(location, "error").as_deref(), Some(error));
        assert_eq!(query_param(location, "state").as_deref(), Some("zz"));
    }
}

#[tokio::test]
async fn implicit_tokens_and_a_disabled_user() {
    let env = start().await;
    let s = setup(&env).await;
    let url = format!(
        "{}?{}",
        env.url("/oauth2/authorize"),
        encode(&[
            ("response_type", "token"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            ("nonce", "nn")
        ])
    );
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
    let access = query_param(&location, "access_token").unwrap();
    assert_eq!(claims(&access)["scope"], "openid");
    let id = claims(&query_param(&location, "id_token").unwrap());
    assert_eq!(id["nonce"], "nn");
    // Without aws.cognito.signin.user.admin the user-level API refuses the token.
    let (kind, msg) = env.error("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(
        (kind.as_str(), msg.as_str()),
        (
            "NotAuthorizedException",
            "Access Token does not have required scopes"
        )
    );

    // A code issued before the user was disabled is refused after.
    let code_url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let resp = sign_in(&env, &code_url, "alice", "Correct horse 1!").await;
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    env.ok(
        "AdminDisableUser",
        json!({"UserPoolId": POOL, "Username": "alice"}),
    )
    .await;
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &s.web),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // And the sign-in page says so.
    let resp = sign_in(&env, &code_url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("User is disabled."));
}

#[tokio::test]
async fn new_password_and_totp_through_the_sign_in_page() {
    let env = start().await;
    let s = setup(&env).await;
    env.ok(
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "bob", "TemporaryPassword": "Temp pass 1!",
               "MessageAction": "SUPPRESS"}),
    )
    .await;
    let url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let resp = sign_in(&env, &url, "bob", "Temp pass 1!").await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("NEW_PASSWORD_REQUIRED"), "{html}");
    let session = html
        .split("name=\"session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#39;", "'");
    let login_url = format!("{}?{}", env.url("/login"), url.split_once('?').unwrap().1);
    let resp = env
        .http
        .post(&login_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("challenge", "NEW_PASSWORD_REQUIRED"),
            ("session", &session),
            ("username", "bob"),
            ("answer", "New pass word 2!"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    assert!(query_param(resp.headers()["location"].to_str().unwrap(), "code").is_some());

    // TOTP: set up through the API with an access token of the code flow (it has
    // aws.cognito.signin.user.admin), then the page asks for a code.
    env.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OPTIONAL",
               "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    let admin_url = authorize_url(
        &env,
        &s.web,
        &[
            ("scope", "openid aws.cognito.signin.user.admin"),
            ("prompt", "login"),
        ],
    );
    let resp = sign_in(&env, &admin_url, "bob", "New pass word 2!").await;
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    let (_, tokens) = env
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &s.web),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let assoc = env
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    let secret =
        cognate_totp::TotpSecret::from_base32(assoc["SecretCode"].as_str().unwrap()).unwrap();
    let t0 = env_now(&env);
    env.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": secret.code_at(t0)}),
    )
    .await;
    env.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access,
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    env.clock.advance(60);
    let resp = sign_in(&env, &admin_url, "bob", "New pass word 2!").await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("SOFTWARE_TOKEN_MFA"), "{html}");
    let session = html
        .split("name=\"session\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let answer = |code: String| {
        let session = session.clone();
        let login_url = format!(
            "{}?{}",
            env.url("/login"),
            admin_url.split_once('?').unwrap().1
        );
        let env = &env;
        async move {
            env.http
                .post(&login_url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form(&[
                    ("challenge", "SOFTWARE_TOKEN_MFA"),
                    ("session", &session),
                    ("username", "bob"),
                    ("answer", &code),
                ]))
                .send()
                .await
                .unwrap()
        }
    };
    // A wrong code keeps the page, with Cognito's message; the right one signs in.
    let wrong = answer("000000".into()).await;
    assert_eq!(wrong.status().as_u16(), 200);
    assert!(wrong.text().await.unwrap().contains("Invalid code"));
    let right = answer(secret.code_at(env_now(&env))).await;
    assert_eq!(right.status().as_u16(), 302);
    assert!(query_param(right.headers()["location"].to_str().unwrap(), "code").is_some());
}

#[tokio::test]
async fn a_choice_of_factors_then_an_emailed_code_through_the_sign_in_page() {
    let env = start().await;
    let s = setup(&env).await;
    env.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OPTIONAL",
               "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sns"}},
               "EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"}}),
    )
    .await;
    env.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": POOL, "Username": "alice",
               "UserAttributes": [{"Name": "phone_number", "Value": "+15555551234"}]}),
    )
    .await;
    env.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": POOL, "Username": "alice",
               "SMSMfaSettings": {"Enabled": true}, "EmailMfaSettings": {"Enabled": true}}),
    )
    .await;
    let url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("value=\"SELECT_MFA_TYPE\""), "{html}");
    assert!(
        html.contains("<legend") && html.contains("value=\"EMAIL_OTP\""),
        "{html}"
    );
    let login_url = format!("{}?{}", env.url("/login"), url.split_once('?').unwrap().1);
    let post = |fields: Vec<(&'static str, String)>| {
        let env = &env;
        let login_url = login_url.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            env.http
                .post(&login_url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form(&pairs))
                .send()
                .await
                .unwrap()
        }
    };
    let resp = post(vec![
        ("challenge", "SELECT_MFA_TYPE".into()),
        ("session", session_field(&html)),
        ("username", "alice".into()),
        ("answer", "EMAIL_OTP".into()),
    ])
    .await;
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("value=\"EMAIL_OTP\"") && html.contains("a***@e"),
        "{html}"
    );
    let outbox: Value = env
        .http
        .get(format!(
            "{}/_cognate/outbox?pool={POOL}&username=alice&purpose=EMAIL_OTP",
            env.server.endpoint_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"].as_array().unwrap().last().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = post(vec![
        ("challenge", "EMAIL_OTP".into()),
        ("session", session_field(&html)),
        ("username", "alice".into()),
        ("answer", code),
    ])
    .await;
    assert_eq!(resp.status().as_u16(), 302);
    assert!(query_param(resp.headers()["location"].to_str().unwrap(), "code").is_some());
}

#[tokio::test]
async fn forms_carry_an_anti_forgery_token() {
    let env = start().await;
    let s = setup(&env).await;
    // A browser that holds no cookie yet.
    let fresh = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let login_url = format!("{}?{}", env.url("/login"), url.split_once('?').unwrap().1);
    let page = fresh.get(&login_url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let set_cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    let (pair, attributes) = set_cookie.split_once(';').unwrap();
    let token = pair.strip_prefix("XSRF-TOKEN=").unwrap().to_owned();
    assert_eq!(token.len(), 43, "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attributes.contains(attribute), "{set_cookie}");
    }
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "<form method=\"post\" action=\"{}",
            env.url("/login")
                .split_once(&env.server.endpoint_url())
                .unwrap()
                .1
        )) && html.contains(&format!(
            "><input type=\"hidden\" name=\"_csrf\" value=\"{token}\">"
        )),
        "{html}"
    );
    let cookie = format!("XSRF-TOKEN={token}");
    let post = |cookie: Option<String>, fields: Vec<(&'static str, String)>| {
        let fresh = fresh.clone();
        let url = login_url.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut req = fresh
                .post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(encode(&pairs));
            if let Some(c) = cookie {
                req = req.header("Cookie", c);
            }
            req.send().await.unwrap()
        }
    };
    let password = |csrf: Option<&str>| {
        let mut v = vec![
            ("username", "alice".to_owned()),
            ("password", "Correct horse 1!".to_owned()),
        ];
        if let Some(c) = csrf {
            v.push(("_csrf", c.to_owned()));
        }
        v
    };
    let refused = |resp: reqwest::Response| async move {
        assert_eq!(resp.status().as_u16(), 403);
        assert!(resp.headers().get("location").is_none());
        assert!(resp.headers().get("set-cookie").is_none());
        let html = resp.text().await.unwrap();
        assert!(html.contains("anti-forgery"), "{html}");
        assert!(html.contains("Open the page again"), "{html}");
    };
    // The field alone (a form posted from another site), the cookie alone, another token, the
    // token twice: refused before the password is looked at, with no session.
    refused(post(None, password(Some(&token))).await).await;
    refused(post(Some(cookie.clone()), password(None)).await).await;
    let other = "A".repeat(43);
    refused(post(Some(cookie.clone()), password(Some(&other))).await).await;
    refused(post(Some(format!("XSRF-TOKEN={other}")), password(Some(&token))).await).await;
    let mut twice = password(Some(&token));
    twice.push(("_csrf", token.clone()));
    refused(post(Some(cookie.clone()), twice).await).await;
    // The other forms are guarded too (their handlers never run: no account is made).
    for path in ["/signup", "/forgotPassword", "/passkeys/add"] {
        let target = format!("{}?{}", env.url(path), url.split_once('?').unwrap().1);
        let resp = fresh
            .post(&target)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode(&[
                ("username", "mallory"),
                ("password", "Correct horse 1!"),
                ("email", "m@example.com"),
            ]))
            .send()
            .await
            .unwrap();
        refused(resp).await;
    }
    let (_, err) = env
        .error(
            "AdminGetUser",
            json!({"UserPoolId": POOL, "Username": "mallory"}),
        )
        .await;
    assert_eq!(err, "User does not exist.");
    // A wrong password answers the page again with the same token and no new cookie; the
    // matching pair signs in.
    let again = post(
        Some(cookie.clone()),
        vec![
            ("username", "alice".into()),
            ("password", "wrong".into()),
            ("_csrf", token.clone()),
        ],
    )
    .await;
    assert_eq!(again.status().as_u16(), 200);
    assert!(again.headers().get("set-cookie").is_none());
    let html = again.text().await.unwrap();
    assert!(html.contains("Incorrect username or password."), "{html}");
    assert!(html.contains(&format!("name=\"_csrf\" value=\"{token}\"")));
    let ok = post(Some(cookie), password(Some(&token))).await;
    assert_eq!(ok.status().as_u16(), 302);
    let location = ok.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert!(query_param(location, "code").is_some());
    // The OAuth endpoints are not forms: a client posts to the token endpoint without a token.
    let resp = fresh
        .post(env.url("/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode(&[
            ("grant_type", "authorization_code"),
            ("client_id", &s.web),
            ("code", "nope"),
            ("redirect_uri", CALLBACK),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}
