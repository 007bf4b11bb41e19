//! Administrator credentials: SigV4 on the operations the AWS model authorizes with IAM and on
//! the outbox, verified for real (boto3, the `aws-sigv4` crate, raw requests), with AWS's error
//! names; a bind beyond loopback refused without credentials; loopback without credentials as
//! open as before.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use cognate_server::{Error, ManualClock, RunningServer, Server};

const KEY: &str = "AKIACOGNATETEST";
const SECRET: &str = "s3cr3t/with+base64=chars";
const IDP: &str = "AWSCognitoIdentityProviderService";

async fn start(clock: Arc<ManualClock>) -> RunningServer {
    common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock)
        .admin_credentials(KEY, SECRET)
        .start()
        .await
        .unwrap()
}

fn epoch(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A request signed by the `aws-sigv4` crate (the AWS SDKs' signer) at `at`; `tamper` changes
/// the body after signing.
fn signed(
    method: &str,
    url: &str,
    target: Option<&str>,
    body: &str,
    secret: &str,
    service: &str,
    at: SystemTime,
) -> reqwest::RequestBuilder {
    let identity = Credentials::new(KEY, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let mut headers = vec![("content-type", "application/x-amz-json-1.1".to_owned())];
    if let Some(t) = target {
        headers.push(("x-amz-target", format!("{IDP}.{t}")));
    }
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().map(|(k, v)| (*k, v.as_str())),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let client = reqwest::Client::new();
    let mut req = if method == "GET" {
        client.get(url)
    } else {
        client.post(url).body(body.to_owned())
    };
    for (k, v) in headers.iter().map(|(k, v)| (*k, v.as_str())) {
        req = req.header(k, v);
    }
    for (k, v) in instructions.headers() {
        req = req.header(k, v);
    }
    req
}

async fn answer(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_admin_calls_are_checked_for_real() {
    let now = SystemTime::now();
    let clock = Arc::new(ManualClock::new(epoch(now)));
    let server = start(clock.clone()).await;
    let url = format!("{}/", server.endpoint_url());
    let body = r#"{"MaxResults": 10}"#;
    let list = |secret: &str, at: SystemTime| {
        signed(
            "POST",
            &url,
            Some("ListUserPools"),
            body,
            secret,
            "cognito-idp",
            at,
        )
    };

    let (status, v) = answer(list(SECRET, now)).await;
    assert_eq!(status, 200, "{v}");

    let (status, v) = answer(list("wrong", now)).await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("InvalidSignatureException"))
    );

    // A body changed after signing.
    let tampered = list(SECRET, now).body(r#"{"MaxResults": 60}"#);
    let (_, v) = answer(tampered).await;
    assert_eq!(v["__type"], "InvalidSignatureException");

    // Signed for another service.
    let (_, v) = answer(signed(
        "POST",
        &url,
        Some("ListUserPools"),
        body,
        SECRET,
        "cognito-identity",
        now,
    ))
    .await;
    assert_eq!(v["__type"], "InvalidSignatureException");
    assert!(
        v["message"].as_str().unwrap().contains("'cognito-idp'"),
        "{v}"
    );

    // Date skew: 16 minutes either way is refused, 14 is not.
    let (_, v) = answer(list(SECRET, now - Duration::from_secs(16 * 60))).await;
    assert_eq!(v["__type"], "InvalidSignatureException");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired: "),
        "{v}"
    );
    let (_, v) = answer(list(SECRET, now + Duration::from_secs(16 * 60))).await;
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature not yet current: "),
        "{v}"
    );
    let (status, _) = answer(list(SECRET, now - Duration::from_secs(14 * 60))).await;
    assert_eq!(status, 200);
    // The server's clock decides (a manual one here).
    clock.advance(3600);
    let (_, v) = answer(list(SECRET, now)).await;
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired: "),
        "{v}"
    );
    clock.advance(-3600);

    // Raw requests: no signature, a malformed one.
    let raw = |auth: Option<&str>| {
        let mut r = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{IDP}.AdminCreateUser"))
            .body(r#"{"UserPoolId":"us-east-1_abc","Username":"x"}"#);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r
    };
    let (status, v) = answer(raw(None)).await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "MissingAuthenticationTokenException");
    assert_eq!(v["message"], "Request is missing Authentication Token");
    let (_, v) = answer(raw(Some("Bearer whatever"))).await;
    assert_eq!(v["__type"], "IncompleteSignatureException");
    let (_, v) = answer(raw(Some(
        "AWS4-HMAC-SHA256 Credential=AKIAOTHER/20250101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
    )))
    .await;
    assert_eq!(v["__type"], "UnrecognizedClientException");
    assert_eq!(
        v["message"],
        "The security token included in the request is invalid."
    );

    // A user-level operation needs no signature (its own errors come through).
    let (status, v) = common::idp_raw(
        &server.endpoint_url(),
        "InitiateAuth",
        serde_json::json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "nosuchclient",
            "AuthParameters": {"USERNAME": "u", "PASSWORD": "p"}}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "ResourceNotFoundException");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_needs_a_signature_too() {
    let now = SystemTime::now();
    let server = start(Arc::new(ManualClock::new(epoch(now)))).await;
    let url = format!("{}/_cognate/outbox?purpose=signup", server.endpoint_url());
    let (status, v) = answer(reqwest::Client::new().get(&url)).await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "MissingAuthenticationTokenException");
    let (_, v) = answer(signed("GET", &url, None, "", "wrong", "cognito-idp", now)).await;
    assert_eq!(v["__type"], "InvalidSignatureException");
    let (status, v) = answer(signed("GET", &url, None, "", SECRET, "cognito-idp", now)).await;
    assert_eq!(status, 200, "{v}");
    // JWKS and discovery stay public, as on AWS.
    let health = reqwest::get(format!("{}/health", server.endpoint_url()))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_loopback_credentials_are_required() {
    let err = common::in_memory(Server::builder())
        .bind("0.0.0.0:0")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AnonymousBind { .. }), "{err}");
    assert!(
        err.to_string().contains("--insecure-allow-anonymous"),
        "{err}"
    );

    // With credentials it starts, and checks them (reached here through loopback).
    let server = common::in_memory(Server::builder())
        .bind("0.0.0.0:0")
        .admin_credentials(KEY, SECRET)
        .start()
        .await
        .unwrap();
    let endpoint = format!("http://127.0.0.1:{}", server.local_addr().port());
    let resp = reqwest::Client::new()
        .post(&endpoint)
        .header("x-amz-target", format!("{IDP}.ListUserPools"))
        .body(r#"{"MaxResults": 10}"#)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["__type"], "MissingAuthenticationTokenException");
    server.shutdown().await;

    // Anonymous only when asked for in so many words.
    let server = common::in_memory(Server::builder())
        .bind("0.0.0.0:0")
        .insecure_allow_anonymous(true)
        .start()
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_without_credentials_stays_open() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let (status, v) = common::idp_raw(
        &server.endpoint_url(),
        "ListUserPools",
        serde_json::json!({"MaxResults": 10}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_signs_with_the_right_credentials_and_fails_with_wrong_ones() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .admin_credentials(KEY, SECRET)
        .start()
        .await
        .unwrap();
    let mut cmd = common::python("admin_auth.py");
    cmd.args([&server.endpoint_url(), KEY, SECRET]);
    let out = common::run_ok(cmd).await;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["checks"].as_u64().unwrap() >= 7, "{summary}");
    server.shutdown().await;
}
