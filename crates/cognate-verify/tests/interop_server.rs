//! Tokens minted by `cognate serve` (cognate-server, in process) verify for their own pool and
//! client; a token of one pool never verifies for another, nor as the other kind of token.

#![allow(clippy::unwrap_used)]

use cognate_server::{Seed, Server};
use cognate_verify::{CognitoJwtVerifier, TokenUse, UserPool, VerifyError};
use serde_json::{Value, json};

const POOLS: [(&str, &str); 2] = [
    ("us-east-1_VerifyOne", "verifyclientoneaaaaaaaaaaa"),
    ("us-east-1_VerifyTwo", "verifyclienttwoaaaaaaaaaaa"),
];

async fn login(endpoint: &str, client_id: &str) -> (String, String) {
    let resp: Value = reqwest::Client::new()
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body(
            json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"}})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = &resp["AuthenticationResult"];
    assert!(r.is_object(), "{resp}");
    (
        r["AccessToken"].as_str().unwrap().into(),
        r["IdToken"].as_str().unwrap().into(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn server_tokens_verify_for_their_pool_only() {
    let pools: Vec<Value> = POOLS
        .iter()
        .map(|(id, client)| {
            json!({"id": id, "name": id,
                   "Schema": [{"Name": "companyId", "AttributeDataType": "String"}],
                   "clients": [{"name": "app", "id": client,
                                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
                   "users": [{"username": "alice", "password": "Correct horse 1!",
                              "attributes": {"email": "alice@example.com", "custom:companyId": "42"}}]})
        })
        .collect();
    let seed: Seed = serde_json::from_value(json!({ "pools": pools })).unwrap();
    let server = Server::builder()
        .in_memory()
        .bind("127.0.0.1:0")
        .seed_data(seed)
        .start()
        .await
        .unwrap();
    let endpoint = server.endpoint_url();

    let verifier = |i: usize, token_use: TokenUse| {
        let (pool, client) = POOLS[i];
        let issuer = server.issuer(pool);
        CognitoJwtVerifier::builder()
            .user_pool(
                UserPool::from_issuer(issuer.clone())
                    .jwks_url(format!("{issuer}/.well-known/jwks.json"))
                    .client_id(client),
            )
            .token_use(token_use)
            .build()
            .unwrap()
    };
    let (access_1, id_1) = login(&endpoint, POOLS[0].1).await;
    let (access_2, id_2) = login(&endpoint, POOLS[1].1).await;

    let claims = verifier(0, TokenUse::Access)
        .verify_access(&access_1)
        .await
        .unwrap();
    assert_eq!(claims.username(), Some("alice"));
    let id = verifier(0, TokenUse::Id).verify_id(&id_1).await.unwrap();
    assert_eq!(id.email(), Some("alice@example.com"));
    assert!(
        id.custom_attributes()
            .any(|(k, v)| k == "companyId" && v == "42")
    );
    verifier(1, TokenUse::Access)
        .verify(&access_2)
        .await
        .unwrap();

    // Across pools: refused on the issuer, whichever kind of token.
    for token in [&access_2, &id_2] {
        let err = verifier(0, TokenUse::Access)
            .verify(token)
            .await
            .unwrap_err();
        assert!(matches!(err, VerifyError::Issuer { .. }), "{err:?}");
    }
    // The other kind of token of the right pool.
    let err = verifier(0, TokenUse::Access)
        .verify(&id_1)
        .await
        .unwrap_err();
    assert!(matches!(err, VerifyError::TokenUse { .. }), "{err:?}");
    server.shutdown().await;
}
