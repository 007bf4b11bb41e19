//! Against a scripted fake Cognito and a fake API (no tools needed): challenges, retries,
//! hostile answers, SECRET_HASH on refresh, header styles and the 401 retry.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use cognate_client::testing::unsigned_jwt;
use cognate_client::{
    AuthFlow, Authenticator, Challenge, Client, Clock, Credentials, Error, HeaderStyle, LoginStep,
    ManualClock, MfaType, RetryPolicy, TokenSource,
};
use common::{MiniServer, Seen};
use serde_json::{Value, json};

fn target(s: &Seen) -> String {
    s.header("x-amz-target")
        .unwrap_or("")
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_owned()
}

fn body(s: &Seen) -> Value {
    serde_json::from_str(&s.body).unwrap_or(Value::Null)
}

fn now() -> i64 {
    cognate_client::SystemClock.now_secs()
}

/// Tokens as Cognito returns them, for user `internal` issued now (+`n` in the jti).
fn auth_result(internal: &str, n: usize, with_refresh: bool) -> Value {
    let iat = now();
    let access = unsigned_jwt(
        &json!({"sub": "sub-1", "username": internal, "token_use": "access",
        "iat": iat, "exp": iat + 3600, "jti": format!("a{n}")}),
    );
    let id = unsigned_jwt(
        &json!({"sub": "sub-1", "cognito:username": internal, "token_use": "id",
        "iat": iat, "exp": iat + 3600, "email": "alice@example.com", "email_verified": "true",
        "custom:companyId": "acme", "custom:teamId": "7"}),
    );
    let mut r =
        json!({"AccessToken": access, "IdToken": id, "ExpiresIn": 3600, "TokenType": "Bearer"});
    if with_refresh {
        r["RefreshToken"] = json!(format!("refresh-{n}"));
    }
    json!({"AuthenticationResult": r, "ChallengeParameters": {}})
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

fn client_for(url: &str, secret: Option<&str>) -> Client {
    let mut b = Client::builder("us-east-1_Fake1", "client1")
        .endpoint(url)
        .retry(fast_retry())
        .auth_flow(AuthFlow::UserPassword);
    if let Some(s) = secret {
        b = b.client_secret(s);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn throttling_and_5xx_are_retried_with_a_bound() {
    let fake = MiniServer::start(|_, i| match i {
        0 => (
            400,
            json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).to_string(),
        ),
        1 => (503, "{}".to_owned()),
        _ => (200, auth_result("alice", i, true).to_string()),
    })
    .await;
    let c = client_for(&fake.url, None);
    let t = c
        .login(&Credentials::new("alice", "pw"))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(t.username(), Some("alice"));
    assert_eq!(fake.seen().len(), 3);

    let always = MiniServer::start(|_, _| {
        (
            400,
            json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).to_string(),
        )
    })
    .await;
    let err = client_for(&always.url, None)
        .login(&Credentials::new("alice", "pw"))
        .await
        .unwrap_err();
    assert!(err.is("TooManyRequestsException"), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(always.seen().len(), 4, "bounded: max_attempts");

    // Not retried: a wrong password.
    let wrong = MiniServer::start(|_, _| {
        (400, json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}).to_string())
    })
    .await;
    let err = client_for(&wrong.url, None)
        .login(&Credentials::new("alice", "pw"))
        .await
        .unwrap_err();
    assert!(err.is_not_authorized());
    assert!(
        matches!(&err, Error::Cognito { message, .. } if message == "Incorrect username or password.")
    );
    assert_eq!(wrong.seen().len(), 1);
}

#[test]
fn backoff_is_jittered_and_bounded() {
    let p = RetryPolicy::default();
    for retry in 0..40 {
        let d = p.backoff(retry);
        assert!(d <= p.max_delay, "{d:?}");
    }
    let distinct: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(3)).collect();
    assert!(distinct.len() > 1, "jitter");
}

#[tokio::test]
async fn hostile_answers_are_errors_never_panics() {
    let answers: Vec<(u16, String)> = vec![
        (200, "not json".into()),
        (200, "{}".into()),
        (
            200,
            json!({"AuthenticationResult": {"AccessToken": "garbage", "IdToken": "x.y.z"}})
                .to_string(),
        ),
        (
            200,
            json!({"AuthenticationResult": {"AccessToken": "a.!!!.c", "IdToken": "a.b.c"}})
                .to_string(),
        ),
        (
            200,
            json!({"AuthenticationResult": {"IdToken": "a.b.c"}}).to_string(),
        ),
        (
            200,
            json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {"SRP_B": "zz"}})
                .to_string(),
        ),
        (
            200,
            json!({"ChallengeName": "PASSWORD_VERIFIER", "Session": "s", "ChallengeParameters": {
            "SRP_B": "0", "SALT": "1", "SECRET_BLOCK": "AAAA", "USER_ID_FOR_SRP": "alice"}})
            .to_string(),
        ),
        (400, "<html>".into()),
        (418, "".into()),
    ];
    for (status, answer) in answers {
        let a = answer.clone();
        let fake = MiniServer::start(move |_, _| (status, a.clone())).await;
        let c = Client::builder("us-east-1_Fake1", "client1")
            .endpoint(&fake.url)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        for flow in [AuthFlow::UserSrp, AuthFlow::UserPassword] {
            let r = c.login_with(&Credentials::new("alice", "pw"), flow).await;
            // A PASSWORD_VERIFIER out of turn is handed over as an unknown challenge.
            let handed_over = matches!(&r, Ok(LoginStep::Challenge(Challenge::Other(_))))
                && flow == AuthFlow::UserPassword;
            assert!(r.is_err() || handed_over, "{status} {answer}: {r:?}");
        }
    }
}

#[tokio::test]
async fn challenges_are_a_state_machine_with_secret_hash_everywhere() {
    let secret = "s3cret";
    let fake = MiniServer::start(|req, i| {
        let b = body(req);
        let answer = match (target(req).as_str(), b["ChallengeName"].as_str()) {
            ("InitiateAuth", _) => json!({"ChallengeName": "SELECT_MFA_TYPE", "Session": "s1",
                "ChallengeParameters": {"USERNAME": "internal-1",
                    "MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"}}),
            ("RespondToAuthChallenge", Some("SELECT_MFA_TYPE")) => json!({"ChallengeName": "SMS_MFA",
                "Session": "s2", "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "+*******1234",
                "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS"}}),
            ("RespondToAuthChallenge", Some("SMS_MFA")) => json!({"ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": "s3", "ChallengeParameters": {"requiredAttributes": "[\"userAttributes.name\"]",
                "userAttributes": "{\"email\":\"alice@example.com\",\"email_verified\":true}"}}),
            ("RespondToAuthChallenge", Some("NEW_PASSWORD_REQUIRED")) => json!({"ChallengeName": "MFA_SETUP",
                "Session": "s4", "ChallengeParameters": {"MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"}}),
            ("AssociateSoftwareToken", _) => json!({"SecretCode": "JBSWY3DPEHPK3PXP", "Session": "s5"}),
            ("VerifySoftwareToken", _) => json!({"Status": "SUCCESS", "Session": "s6"}),
            ("RespondToAuthChallenge", Some("MFA_SETUP")) => auth_result("internal-1", i, true),
            _ => return (400, json!({"__type": "InvalidParameterException", "message": "?"}).to_string()),
        };
        (200, answer.to_string())
    })
    .await;
    let c = client_for(&fake.url, Some(secret));
    let step = c
        .login(&Credentials::new("alice@example.com", "pw"))
        .await
        .unwrap();
    let LoginStep::Challenge(Challenge::SelectMfaType(select)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        select.options,
        vec![MfaType::Sms, MfaType::SoftwareToken, MfaType::Email]
    );
    let LoginStep::Challenge(Challenge::SmsMfa(sms)) = select.select(MfaType::Sms).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(sms.destination.as_deref(), Some("+*******1234"));
    let LoginStep::Challenge(Challenge::NewPasswordRequired(np)) =
        sms.respond(" 123456 ").await.unwrap()
    else {
        panic!()
    };
    assert_eq!(np.required_attributes, vec!["name".to_owned()]);
    assert_eq!(
        np.user_attributes.get("email").map(String::as_str),
        Some("alice@example.com")
    );
    let step = np
        .respond("N3w-password!", &[("name", "Alice")])
        .await
        .unwrap();
    let LoginStep::Challenge(Challenge::MfaSetup(mut setup)) = step else {
        panic!()
    };
    assert_eq!(setup.options, vec![MfaType::SoftwareToken]);
    let totp = setup.associate_software_token("ACME").await.unwrap();
    assert_eq!(totp.secret(), "JBSWY3DPEHPK3PXP");
    assert_eq!(
        totp.otpauth_uri(),
        "otpauth://totp/ACME:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME"
    );
    assert!(!format!("{totp:?}").contains("JBSWY3DP"));
    let tokens = setup
        .verify("654321", Some("phone"))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(tokens.id_token().claims().custom("companyId"), Some("acme"));
    assert_eq!(tokens.id_token().claims().email_verified, Some(true));

    // What went on the wire: session chained, USERNAME = the internal name from the challenge,
    // SECRET_HASH over that name on every step.
    let seen = fake.seen();
    let expect_hash = |u: &str| cognate_srp::secret_hash(secret, u, "client1");
    // Unsigned: no AWS credentials, no SigV4 on any of these calls.
    assert!(
        seen.iter().all(|s| s.header("authorization").is_none()),
        "unsigned"
    );
    let init = body(&seen[0]);
    assert_eq!(
        init["AuthParameters"]["SECRET_HASH"],
        json!(expect_hash("alice@example.com"))
    );
    let sessions: Vec<_> = seen[1..]
        .iter()
        .map(|s| body(s)["Session"].clone())
        .collect();
    assert_eq!(
        sessions,
        vec![
            json!("s1"),
            json!("s2"),
            json!("s3"),
            json!("s4"),
            json!("s5"),
            json!("s6")
        ]
    );
    for s in seen
        .iter()
        .filter(|s| target(s) == "RespondToAuthChallenge")
    {
        let r = &body(s)["ChallengeResponses"];
        assert_eq!(r["USERNAME"], json!("internal-1"), "{r}");
        assert_eq!(r["SECRET_HASH"], json!(expect_hash("internal-1")));
    }
    assert_eq!(
        body(&seen[1])["ChallengeResponses"]["ANSWER"],
        json!("SMS_MFA")
    );
    assert_eq!(
        body(&seen[2])["ChallengeResponses"]["SMS_MFA_CODE"],
        json!("123456")
    );
    assert_eq!(
        body(&seen[3])["ChallengeResponses"]["userAttributes.name"],
        json!("Alice")
    );
    assert_eq!(
        body(&seen[3])["ChallengeResponses"]["NEW_PASSWORD"],
        json!("N3w-password!")
    );
    assert_eq!(body(&seen[5])["UserCode"], json!("654321"));

    // A service that cannot prompt fails fast with the challenge's name.
    let step = c
        .login(&Credentials::new("alice@example.com", "pw"))
        .await
        .unwrap();
    let err = step.into_tokens().unwrap_err();
    assert!(
        matches!(&err, Error::ChallengeRequired(n) if n == "SELECT_MFA_TYPE"),
        "{err:?}"
    );
}

#[tokio::test]
async fn refresh_secret_hash_uses_the_internal_name_and_keeps_a_rotated_token() {
    let secret = "s3cret";
    let fake = MiniServer::start(|req, i| {
        let b = body(req);
        match b["AuthFlow"].as_str() {
            Some("USER_PASSWORD_AUTH") => (200, auth_result("internal-1", i, true).to_string()),
            Some("REFRESH_TOKEN_AUTH") => {
                let ok = b["AuthParameters"]["SECRET_HASH"]
                    == json!(cognate_srp::secret_hash("s3cret", "internal-1", "client1"));
                if ok {
                    (200, auth_result("internal-1", i, false).to_string())
                } else {
                    (
                        400,
                        json!({"__type": "NotAuthorizedException",
                        "message": "Unable to verify secret hash for client client1"})
                        .to_string(),
                    )
                }
            }
            _ => (200, auth_result("internal-1", i, true).to_string()), // GetTokensFromRefreshToken
        }
    })
    .await;
    let clock = ManualClock::now();
    let c = Client::builder("us-east-1_Fake1", "client1")
        .endpoint(&fake.url)
        .client_secret(secret)
        .auth_flow(AuthFlow::UserPassword)
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c.clone())
        .credentials(Credentials::new("alice@example.com", "pw"))
        .build();
    let t0 = source.tokens().await.unwrap();
    clock.advance_secs(3600);
    let t1 = source.tokens().await.unwrap();
    assert_eq!(source.refresh_count(), 1);
    assert_eq!(
        source.login_count(),
        1,
        "the refresh was accepted: no second login"
    );
    assert_eq!(
        t1.refresh_token().unwrap().expose_secret(),
        "refresh-0",
        "kept"
    );
    assert_ne!(
        t0.access_token().claims().jti,
        t1.access_token().claims().jti
    );

    // GetTokensFromRefreshToken with rotation: the new refresh token is kept.
    let source = TokenSource::builder(c)
        .tokens((*t1).clone())
        .refresh_method(cognate_client::RefreshMethod::GetTokensFromRefreshToken)
        .build();
    clock.advance_secs(3600);
    let t2 = source.tokens().await.unwrap();
    assert_ne!(
        t2.refresh_token().unwrap().expose_secret(),
        "refresh-0",
        "rotated"
    );
    let last = body(fake.seen().last().unwrap());
    assert_eq!(last["ClientSecret"], json!(secret));
    assert_eq!(last["RefreshToken"], json!("refresh-0"));
}

#[tokio::test]
async fn header_styles_api_key_and_one_refresh_on_401() {
    let cognito = MiniServer::start(|req, i| {
        let _ = req;
        (200, auth_result("alice", i, true).to_string())
    })
    .await;
    let c = client_for(&cognito.url, None);
    let source = TokenSource::builder(c)
        .credentials(Credentials::new("alice", "pw"))
        .build();
    let tokens = source.tokens().await.unwrap();
    let access = tokens.access_token().as_str().to_owned();
    let id = tokens.id_token().as_str().to_owned();

    let api = MiniServer::start(|_, _| (200, "{}".to_owned())).await;
    let cases = [
        (HeaderStyle::RawAccess, "authorization", access.clone()),
        (
            HeaderStyle::BearerAccess,
            "authorization",
            format!("Bearer {access}"),
        ),
        (HeaderStyle::GraphQlId, "authorization", id.clone()),
        (
            HeaderStyle::CognitoSecurityToken,
            "x-amz-cognito-security-token",
            id.clone(),
        ),
    ];
    for (style, header, value) in &cases {
        let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(Authenticator::new(source.clone(), *style).api_key("k-123"))
            .build();
        let r = http
            .post(format!("{}/v1/x", api.url))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let seen = api.seen();
        let last = seen.last().unwrap();
        assert_eq!(last.header(header), Some(value.as_str()), "{style:?}");
        assert_eq!(last.header("x-api-key"), Some("k-123"));
        if *style == HeaderStyle::CognitoSecurityToken {
            assert_eq!(last.header("authorization"), None);
        }
    }

    // A 401 makes exactly one refresh and one retry, with the same body.
    let api401 = MiniServer::start(|_, i| {
        if i == 0 {
            (401, "{}".into())
        } else {
            (200, "ok".into())
        }
    })
    .await;
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(Authenticator::new(
            source.clone(),
            HeaderStyle::BearerAccess,
        ))
        .build();
    let before = source.refresh_count();
    let r = http
        .post(format!("{}/v1/x", api401.url))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(source.refresh_count(), before + 1);
    let seen = api401.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].body, "payload");
    assert_ne!(
        seen[0].header("authorization"),
        seen[1].header("authorization")
    );

    // A 401 that persists is returned after one retry, not looped.
    let always401 = MiniServer::start(|_, _| (401, "{}".into())).await;
    let r = http
        .get(format!("{}/v1/x", always401.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(always401.seen().len(), 2);

    // The plain function for other clients.
    let mut headers = http::HeaderMap::new();
    Authenticator::new(source.clone(), HeaderStyle::GraphQlId)
        .authorize(&mut headers)
        .await
        .unwrap();
    assert!(headers["authorization"].is_sensitive());
}

#[test]
fn tokens_and_secrets_never_show_in_debug() {
    let t = cognate_client::testing::token_set(
        "alice",
        1_700_000_000,
        3600,
        Some("R-SECRET"),
        1_700_000_000,
    );
    let shown = format!("{t:?}");
    assert!(!shown.contains("R-SECRET"));
    assert!(!shown.contains(t.access_token().as_str()));
    assert!(!format!("{:?}", Credentials::new("u", "P-SECRET")).contains("P-SECRET"));
    let c = Client::builder("us-east-1_Fake1", "client1")
        .client_secret("C-SECRET")
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains("C-SECRET"));
}

#[test]
fn clock_skew_is_measured_from_iat_and_margin_is_clamped() {
    // Server clock 120 s ahead of ours.
    let t = cognate_client::testing::token_set("alice", 1_700_000_120, 3600, None, 1_700_000_000);
    assert_eq!(t.clock_skew_secs(), 120);
    assert_eq!(t.expires_at_local(), 1_700_003_600);
    assert!(t.is_fresh(1_700_003_000, 300));
    assert!(!t.is_fresh(1_700_003_301, 300));

    // Five-minute tokens with the default five-minute margin still get used (margin ≤ half).
    let clock = ManualClock::at_secs(1_700_000_000);
    let short =
        cognate_client::testing::token_set("alice", 1_700_000_000, 300, None, 1_700_000_000);
    let c = Client::builder("us-east-1_Fake1", "client1")
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c).tokens(short).build();
    assert!(source.fresh_cached().is_some());
    clock.advance_secs(151);
    assert!(source.fresh_cached().is_none());
}

#[tokio::test]
async fn no_tokens_and_no_credentials_is_a_clear_error() {
    let c = Client::builder("us-east-1_Fake1", "client1")
        .endpoint("http://127.0.0.1:9")
        .build()
        .unwrap();
    let err = TokenSource::builder(c).build().tokens().await.unwrap_err();
    assert!(matches!(err, Error::SessionEnded(_)), "{err:?}");
    assert!(err.to_string().contains("log in again"));
}

#[test]
fn config_region_and_endpoint() {
    assert_eq!(
        cognate_client::region_of("ap-southeast-2_x").unwrap(),
        "ap-southeast-2"
    );
    assert!(Client::builder("garbage", "c").build().is_err());
    let c = Client::builder("eu-central-1_AbC", "c")
        .ignore_env()
        .build()
        .unwrap();
    assert_eq!(c.region(), "eu-central-1");
    let _ = Arc::new(c);
}

/// `COGNATE_ENDPOINT` (and the AWS variable) point the client at another endpoint. Environment
/// changes need a process of their own: this test runs itself again with the variable set.
#[tokio::test]
async fn endpoint_from_the_environment() {
    if std::env::var_os("COGNATE_CLIENT_ENV_CHILD").is_some() {
        return;
    }
    let fake = MiniServer::start(|_, i| (200, auth_result("alice", i, true).to_string())).await;
    for var in [
        "COGNATE_ENDPOINT",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    ] {
        let url = fake.url.clone();
        let before = fake.seen().len();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "env_child_logs_in", "--nocapture"])
                .env("COGNATE_CLIENT_ENV_CHILD", "1")
                .env_remove("COGNATE_ENDPOINT")
                .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
                .env_remove("AWS_ENDPOINT_URL")
                .env(var, url)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(status.success(), "{var}");
        assert_eq!(
            fake.seen().len(),
            before + 1,
            "{var}: the child's call reached the fake"
        );
    }
}

#[tokio::test]
async fn env_child_logs_in() {
    if std::env::var_os("COGNATE_CLIENT_ENV_CHILD").is_none() {
        return;
    }
    let c = Client::builder("us-east-1_Fake1", "client1")
        .auth_flow(AuthFlow::UserPassword)
        .build()
        .unwrap();
    c.login(&Credentials::new("alice", "pw"))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
}

/// When Cognito is down, the tasks waiting behind a failed refresh share its error instead of
/// each trying again in turn; and tokens still valid (inside the margin) keep being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_is_shared_not_repeated() {
    let fake = MiniServer::start(|req, i| {
        if body(req)["AuthFlow"] == json!("REFRESH_TOKEN_AUTH") {
            (
                500,
                json!({"__type": "InternalErrorException", "message": "down"}).to_string(),
            )
        } else {
            (200, auth_result("alice", i, true).to_string())
        }
    })
    .await;
    let clock = ManualClock::now();
    let c = Client::builder("us-east-1_Fake1", "client1")
        .endpoint(&fake.url)
        .retry(RetryPolicy::none())
        .auth_flow(AuthFlow::UserPassword)
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c)
        .credentials(Credentials::new("alice", "pw"))
        .build();
    let t0 = source.tokens().await.unwrap();

    // Inside the margin, still valid: one failed attempt, every task gets the old tokens.
    clock.advance_secs(3600 - 120);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.tokens().await }));
    }
    for t in tasks {
        assert!(Arc::ptr_eq(&t.await.unwrap().unwrap(), &t0));
    }
    let refreshes = |f: &MiniServer| {
        f.seen()
            .iter()
            .filter(|s| body(s)["AuthFlow"] == json!("REFRESH_TOKEN_AUTH"))
            .count()
    };
    // One attempt, however many tasks asked, and no new one during the retry floor.
    assert_eq!(refreshes(&fake), 1);
    for _ in 0..20 {
        assert!(Arc::ptr_eq(&source.tokens().await.unwrap(), &t0));
    }
    assert_eq!(
        refreshes(&fake),
        1,
        "an unreachable Cognito is not asked once per call"
    );
    // After the floor (10 s), the next call tries again.
    clock.advance_secs(11);
    assert!(Arc::ptr_eq(&source.tokens().await.unwrap(), &t0));
    assert_eq!(refreshes(&fake), 2);

    // Expired: the error is shared, not one attempt per task.
    clock.advance_secs(3600);
    let before = refreshes(&fake);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.tokens().await }));
    }
    for t in tasks {
        let e = t.await.unwrap().unwrap_err();
        assert!(e.is("InternalErrorException"), "{e:?}");
    }
    assert_eq!(
        refreshes(&fake) - before,
        1,
        "one attempt; its error is handed to every caller for a moment"
    );
    // Two seconds on, a caller tries again.
    clock.advance_secs(3);
    assert!(
        source
            .tokens()
            .await
            .unwrap_err()
            .is("InternalErrorException")
    );
    assert_eq!(refreshes(&fake) - before, 2);
}
