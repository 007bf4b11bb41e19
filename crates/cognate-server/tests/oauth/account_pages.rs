//! The hosted account pages: sign-up with its confirmation code (and a new code), and the
//! forgotten password, each ending on the sign-in page and then back at the app; the links
//! of the sign-in page; a pool where only administrators create users.

use super::*;

/// The sign-in page's URL for an authorization request (where `/authorize` sends the user).
async fn login_url(env: &Env, authorize: &str) -> String {
    let resp = env.http.get(authorize).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let login = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(login.contains("/login?"), "{login}");
    if login.starts_with("http") {
        login
    } else {
        format!("{}{login}", env.server.endpoint_url())
    }
}

async fn page(env: &Env, url: &str) -> String {
    let resp = env.http.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{url}");
    resp.text().await.unwrap()
}

async fn post(env: &Env, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    env.http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(fields))
        .send()
        .await
        .unwrap()
}

/// The code of the last message the server "sent" to `username`.
async fn last_code(env: &Env, username: &str) -> String {
    let v: Value = env
        .http
        .get(format!(
            "{}/_cognate/outbox?pool={POOL}&username={username}",
            env.server.endpoint_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["messages"].as_array().unwrap().last().unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An href of `page` (HTML-escaped in the page), made absolute.
fn link(env: &Env, page: &str, text: &str) -> String {
    let before = page.split(&format!("\">{text}</a>")).next().unwrap();
    let href = before
        .rsplit("href=\"")
        .next()
        .unwrap()
        .replace("&amp;", "&");
    format!("{}{href}", env.server.endpoint_url())
}

#[tokio::test]
async fn sign_up_and_a_forgotten_password_through_the_hosted_pages() {
    let env = start().await;
    let s = setup(&env).await;
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": POOL, "AutoVerifiedAttributes": ["email"]}),
    )
    .await;
    let authorize = authorize_url(&env, &s.web, &[("scope", "openid email")]);
    let login = login_url(&env, &authorize).await;
    let sign_in_page = page(&env, &login).await;
    let sign_up = link(&env, &sign_in_page, "Sign up");
    let forgot = link(&env, &sign_in_page, "Forgot your password?");
    assert!(
        sign_up.contains("/signup?") && sign_up.contains("code_challenge="),
        "{sign_up}"
    );

    // Sign-up: the form, a refused password (the form again, values kept but the password).
    let form = page(&env, &sign_up).await;
    for field in ["username", "email", "password"] {
        assert!(form.contains(&format!("<label for=\"{field}\">")), "{form}");
    }
    let refused = post(
        &env,
        &sign_up,
        &[
            ("step", "sign-up"),
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", "short"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        refused.contains("role=\"alert\"") && refused.contains("Password"),
        "{refused}"
    );
    assert!(refused.contains("value=\"bob@example.com\""));
    let confirm = post(
        &env,
        &sign_up,
        &[
            ("step", "sign-up"),
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", "Correct horse 2!"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        confirm.contains("Confirm your account") && confirm.contains("b***@e***"),
        "{confirm}"
    );
    let user = env
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": POOL, "Username": "bob"}),
        )
        .await;
    assert_eq!(user["UserStatus"], "UNCONFIRMED");
    // A wrong code keeps the page; a new code; the new code confirms.
    let wrong = post(
        &env,
        &sign_up,
        &[("step", "confirm"), ("username", "bob"), ("code", "000000")],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(wrong.contains("Invalid verification code"), "{wrong}");
    let first = last_code(&env, "bob").await;
    let resent = post(&env, &sign_up, &[("step", "resend"), ("username", "bob")])
        .await
        .text()
        .await
        .unwrap();
    assert!(resent.contains("We sent a new code."), "{resent}");
    let code = last_code(&env, "bob").await;
    assert_ne!(code, first);
    let confirmed = post(
        &env,
        &sign_up,
        &[("step", "confirm"), ("username", "bob"), ("code", &code)],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        confirmed.contains("Your account is confirmed."),
        "{confirmed}"
    );
    assert!(confirmed.contains("value=\"bob\""));
    let user = env
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": POOL, "Username": "bob"}),
        )
        .await;
    assert_eq!(user["UserStatus"], "CONFIRMED");
    // …and bob signs in to the app with the password he chose.
    let resp = post(
        &env,
        &login,
        &[("username", "bob"), ("password", "Correct horse 2!")],
    )
    .await;
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(CALLBACK) && location.contains("code="),
        "{location}"
    );

    // The forgotten password: a code to the verified email, then the new password.
    let form = page(&env, &forgot).await;
    assert!(form.contains("<label for=\"username\">"), "{form}");
    let sent = post(&env, &forgot, &[("step", "request"), ("username", "alice")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        sent.contains("Choose a new password") && sent.contains("a***@e***"),
        "{sent}"
    );
    let code = last_code(&env, "alice").await;
    let weak = post(
        &env,
        &forgot,
        &[
            ("step", "confirm"),
            ("username", "alice"),
            ("code", &code),
            ("password", "weak"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(weak.contains("role=\"alert\""), "{weak}");
    let changed = post(
        &env,
        &forgot,
        &[
            ("step", "confirm"),
            ("username", "alice"),
            ("code", &code),
            ("password", "Another horse 3!"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(changed.contains("Your password is changed."), "{changed}");
    let old = post(
        &env,
        &login,
        &[("username", "alice"), ("password", "Correct horse 1!")],
    )
    .await;
    assert_eq!(
        old.status().as_u16(),
        200,
        "the old password no longer signs in"
    );
    let new = post(
        &env,
        &login,
        &[("username", "alice"), ("password", "Another horse 3!")],
    )
    .await;
    assert_eq!(new.status().as_u16(), 302);
    env.server.shutdown().await;
}

#[tokio::test]
async fn no_sign_up_where_only_administrators_create_users() {
    let env = start().await;
    let s = setup(&env).await;
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": POOL, "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true}}),
    )
    .await;
    let authorize = authorize_url(&env, &s.web, &[("scope", "openid")]);
    let login = login_url(&env, &authorize).await;
    let sign_in_page = page(&env, &login).await;
    assert!(!sign_in_page.contains("Sign up"), "{sign_in_page}");
    assert!(sign_in_page.contains("Forgot your password?"));
    let sign_up = login.replace("/login?", "/signup?");
    let resp = env.http.get(&sign_up).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // Posting the form anyway: the API's refusal, on the page.
    let refused = post(
        &env,
        &sign_up,
        &[
            ("step", "sign-up"),
            ("username", "eve"),
            ("email", "eve@example.com"),
            ("password", "Correct horse 2!"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(refused.contains("role=\"alert\""), "{refused}");
    let missing = env
        .error(
            "AdminGetUser",
            json!({"UserPoolId": POOL, "Username": "eve"}),
        )
        .await;
    assert_eq!(missing.0, "UserNotFoundException");
    env.server.shutdown().await;
}
