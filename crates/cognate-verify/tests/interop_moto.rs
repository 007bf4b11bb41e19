//! Tokens minted by moto's Cognito (an independent implementation, from the interop venv) verify,
//! with the right token use and client; a token of one pool never verifies for another.
//!
//! Needs `.interop/venv/bin/moto_server` (`bash scripts/install-interop`); a missing tool fails
//! the test with that hint.

#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool, VerifyError};
use serde_json::{Value, json};

struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

async fn start_moto() -> Moto {
    let bin = repo().join(".interop/venv/bin/moto_server");
    assert!(
        bin.exists(),
        "{} is missing: run `bash scripts/install-interop` first",
        bin.display()
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http
            .get(format!("{}/moto-api/", moto.url))
            .send()
            .await
            .is_ok()
        {
            return moto;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not answer on {} within 30 s", moto.url);
}

async fn call(moto: &Moto, op: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(&moto.url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"))
        // moto wants a SigV4-looking header to pick the region; the signature is not checked.
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    assert!(status.is_success(), "{op}: {status} {v}");
    v
}

struct Pool {
    id: String,
    client_id: String,
    access: String,
    id_token: String,
}

async fn pool_with_tokens(moto: &Moto, name: &str) -> Pool {
    let id = call(moto, "CreateUserPool", json!({"PoolName": name})).await["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client_id = call(
        moto,
        "CreateUserPoolClient",
        json!({"UserPoolId": id, "ClientName": "app", "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
    )
    .await["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        moto,
        "AdminCreateUser",
        json!({"UserPoolId": id, "Username": "alice", "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}], "MessageAction": "SUPPRESS"}),
    )
    .await;
    call(
        moto,
        "AdminSetUserPassword",
        json!({"UserPoolId": id, "Username": "alice", "Password": "Correct-horse-1", "Permanent": true}),
    )
    .await;
    let auth = call(
        moto,
        "AdminInitiateAuth",
        json!({"UserPoolId": id, "ClientId": client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct-horse-1"}}),
    )
    .await;
    let result = &auth["AuthenticationResult"];
    Pool {
        access: result["AccessToken"].as_str().unwrap().to_owned(),
        id_token: result["IdToken"].as_str().unwrap().to_owned(),
        id,
        client_id,
    }
}

fn verifier(moto: &Moto, pool: &Pool, token_use: TokenUse) -> CognitoJwtVerifier {
    // moto mints the real AWS issuer form but serves the keys itself.
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{}", pool.id);
    CognitoJwtVerifier::builder()
        .user_pool(
            UserPool::from_issuer(issuer)
                .jwks_url(format!("{}/{}/.well-known/jwks.json", moto.url, pool.id))
                .client_id(pool.client_id.clone()),
        )
        .token_use(token_use)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_tokens_verify_for_their_pool_only() {
    let moto = start_moto().await;
    let a = pool_with_tokens(&moto, "pool-a").await;
    let b = pool_with_tokens(&moto, "pool-b").await;

    let access_a = verifier(&moto, &a, TokenUse::Access);
    let claims = access_a.verify(&a.access).await.unwrap();
    assert!(!claims.subject().is_empty());
    let id_a = verifier(&moto, &a, TokenUse::Id);
    let id_claims = id_a.verify_id(&a.id_token).await.unwrap();
    assert_eq!(id_claims.cognito_username(), Some("alice"));
    assert_eq!(id_claims.audience(), a.client_id);

    // The wrong kind of token for the verifier.
    assert!(
        matches!(
            access_a.verify(&a.id_token).await,
            Err(VerifyError::TokenUse { .. })
        ),
        "ID token as access"
    );
    assert!(
        matches!(
            id_a.verify(&a.access).await,
            Err(VerifyError::TokenUse { .. })
        ),
        "access token as ID"
    );

    // Pool B's tokens, signed by the very same moto key, never pass pool A's verifier.
    for t in [&b.access, &b.id_token] {
        let err = access_a.verify(t).await.unwrap_err();
        assert!(matches!(err, VerifyError::Issuer { .. }), "{err:?}");
    }
    // And B's own verifier takes them.
    verifier(&moto, &b, TokenUse::Access)
        .verify(&b.access)
        .await
        .unwrap();
}
