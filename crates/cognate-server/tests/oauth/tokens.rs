//! The token endpoint's `client_credentials` grant and its errors, and RFC 8707 resource
//! indicators.

use super::*;

#[tokio::test]
async fn client_credentials_tokens_and_errors() {
    let env = start().await;
    let s = setup(&env).await;
    let cc = [("grant_type", "client_credentials")];
    // Basic authentication, host form; no scope asked: every custom scope allowed.
    let (status, body) = env
        .token_at(
            &env.host_url("/oauth2/token"),
            Some((&s.machine, &s.machine_secret)),
            &cc,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], s.machine.as_str());
    assert_eq!(c["client_id"], s.machine.as_str());
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["scope"], "https://api.shop/read https://api.shop/write");
    assert!(c.get("username").is_none());
    // Body authentication, path form, one scope.
    let (status, body) = env
        .token(
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.machine),
                ("client_secret", &s.machine_secret),
                ("scope", "https://api.shop/write"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&access)["scope"], "https://api.shop/write");
    // Such a token is no user's: the user-level API refuses it.
    let (kind, msg) = env.error("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(kind, "NotAuthorizedException");
    assert_eq!(msg, "Access Token does not have required scopes");

    let auth = Some((s.machine.as_str(), s.machine_secret.as_str()));
    /// (Basic credentials, form, status, `error`).
    type Case<'a> = (
        Option<(&'a str, &'a str)>,
        Vec<(&'a str, &'a str)>,
        u16,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (auth, vec![], 400, "invalid_request"),
        (
            auth,
            vec![("grant_type", "password")],
            400,
            "unsupported_grant_type",
        ),
        (
            Some((s.machine.as_str(), "wrong")),
            cc.to_vec(),
            401,
            "invalid_client",
        ),
        (
            Some(("nosuchclient", "x")),
            cc.to_vec(),
            401,
            "invalid_client",
        ),
        (None, cc.to_vec(), 401, "invalid_client"),
        (
            auth,
            vec![("grant_type", "client_credentials"), ("scope", "openid")],
            400,
            "invalid_scope",
        ),
        (
            auth,
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "https://api.shop/admin"),
            ],
            400,
            "invalid_scope",
        ),
        (
            Some((s.web.as_str(), "")),
            cc.to_vec(),
            400,
            "unauthorized_client",
        ),
        (
            auth,
            vec![
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            400,
            "invalid_request",
        ),
    ];
    for (basic, form, status, error) in cases {
        let (st, body) = env.token(basic, &form).await;
        assert_eq!(
            (st, body["error"].as_str().unwrap()),
            (status, error),
            "{form:?}"
        );
    }
    // Not a form.
    let resp = env
        .http
        .post(env.url("/oauth2/token"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn resource_indicators_bind_access_tokens_to_a_resource_server() {
    let env = start().await;
    let s = setup(&env).await;
    // client_credentials with `resource`: the access token's aud.
    let (status, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://api.shop"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["aud"],
        "https://api.shop"
    );
    let (status, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://elsewhere"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target"))
    );
    // Without it, no aud (as Cognito's access tokens).
    let (_, body) = env
        .token(
            Some((&s.machine, &s.machine_secret)),
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert!(
        claims(body["access_token"].as_str().unwrap())
            .get("aud")
            .is_none()
    );

    // The code flow: bound at authorize, kept by the code and by refresh.
    let url = authorize_url(
        &env,
        &s.web,
        &[("scope", "openid"), ("resource", "https://api.shop")],
    );
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    let code = query_param(resp.headers()["location"].to_str().unwrap(), "code").unwrap();
    let (status, tokens) = env
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
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        claims(tokens["access_token"].as_str().unwrap())["aud"],
        "https://api.shop"
    );
    let (_, refreshed) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["aud"],
        "https://api.shop"
    );
    // An unknown resource at authorize goes back to the app as invalid_target.
    let resp = env
        .http
        .get(authorize_url(
            &env,
            &s.web,
            &[("resource", "https://elsewhere")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_target")
    );
}
