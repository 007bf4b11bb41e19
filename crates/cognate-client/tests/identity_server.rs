//! `IdentityPoolCredentials` against cognate-server (in process), whose identity pools check the
//! ID token for real: the identity id, credentials of Cognito's shapes, the cache until shortly
//! before expiry (client and server clocks moved together), and the identity pool's refusals.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_cognitoidentity as ci;
use cognate_client::{Client, Credentials, IdentityPoolCredentials, ManualClock, TokenSource};
use cognate_server::{RunningServer, Seed, Server};
use serde_json::json;

const POOL: &str = "us-east-1_IdentCli01";
const CLIENT: &str = "identcliclientaaaaaaaaaaaa";
const PASSWORD: &str = "Correct horse 1!";
const ROLE: &str = "arn:aws:iam::123456789012:role/authenticated";

async fn server(clock: Arc<cognate_server::ManualClock>) -> RunningServer {
    let seed: Seed = serde_json::from_value(json!({"pools": [{
        "id": POOL, "name": "identity-client-tests",
        "clients": [{"name": "app", "id": CLIENT,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
        "users": [{"username": "alice", "password": PASSWORD}]
    }]}))
    .unwrap();
    Server::builder()
        .in_memory()
        .seed_data(seed)
        .clock(clock)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

fn admin(s: &RunningServer) -> ci::Client {
    ci::Client::from_conf(
        ci::Config::builder()
            .behavior_version(ci::config::BehaviorVersion::latest())
            .region(ci::config::Region::new("us-east-1"))
            .endpoint_url(s.endpoint_url())
            .credentials_provider(ci::config::Credentials::new(
                "local", "local", None, None, "test",
            ))
            .build(),
    )
}

/// An identity pool accepting `client_id` of `POOL` (AWS-form provider name), with an
/// authenticated role unless `roles` is false.
async fn identity_pool(s: &RunningServer, client_id: &str, roles: bool) -> String {
    let admin = admin(s);
    let id = admin
        .create_identity_pool()
        .identity_pool_name("client tests")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            ci::types::CognitoIdentityProvider::builder()
                .provider_name(format!("cognito-idp.us-east-1.amazonaws.com/{POOL}"))
                .client_id(client_id)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_owned();
    if roles {
        admin
            .set_identity_pool_roles()
            .identity_pool_id(&id)
            .roles("authenticated", ROLE)
            .send()
            .await
            .unwrap();
    }
    id
}

fn source(s: &RunningServer, clock: &ManualClock) -> TokenSource {
    let client = Client::builder(POOL, CLIENT)
        .endpoint(s.endpoint_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    TokenSource::builder(client)
        .credentials(Credentials::new("alice", PASSWORD))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_for_the_login_cached_until_near_expiry() {
    let server_clock = Arc::new(cognate_server::ManualClock::starting_now());
    let s = server(server_clock.clone()).await;
    let t0 = cognate_server::Clock::now(server_clock.as_ref());
    let clock = ManualClock::at_secs(t0);
    let advance = |secs: i64| {
        server_clock.advance(secs);
        clock.advance_secs(secs);
    };
    let pool = identity_pool(&s, CLIENT, true).await;
    let aws = IdentityPoolCredentials::builder(&pool, source(&s, &clock))
        .build()
        .unwrap();

    let identity = aws.identity_id().await.unwrap();
    assert!(
        identity.starts_with("us-east-1:") && identity.len() == 46,
        "{identity}"
    );
    assert_eq!(aws.identity_id().await.unwrap(), identity);

    let first = aws.provide_credentials().await.unwrap();
    let key = first.access_key_id().to_owned();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(first.secret_access_key().len(), 40);
    assert!(!first.session_token().unwrap().is_empty());
    let expiry = |c: &aws_credential_types::Credentials| {
        c.expiry()
            .unwrap()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    assert_eq!(expiry(&first), u64::try_from(t0 + 3600).unwrap());

    // The same user through another provider: the same identity id.
    let other = IdentityPoolCredentials::builder(&pool, source(&s, &clock))
        .build()
        .unwrap();
    assert_eq!(other.identity_id().await.unwrap(), identity);

    // 200 s before expiry (margin 120 s): still the cached credentials.
    advance(3400);
    let cached = aws.credentials().await.unwrap();
    assert_eq!(cached.access_key_id(), key);
    assert_eq!(expiry(&cached), expiry(&first));

    // 100 s before expiry: inside the margin, so new credentials.
    advance(100);
    let renewed = aws.credentials().await.unwrap();
    assert_ne!(renewed.access_key_id(), key);
    assert_eq!(expiry(&renewed), u64::try_from(t0 + 3500 + 3600).unwrap());
    // And those are cached in turn.
    assert_eq!(
        aws.credentials().await.unwrap().access_key_id(),
        renewed.access_key_id()
    );

    // A shorter margin keeps credentials longer.
    let tight = IdentityPoolCredentials::builder(&pool, source(&s, &clock))
        .margin(Duration::from_secs(10))
        .build()
        .unwrap();
    let a = tight.credentials().await.unwrap();
    advance(3500);
    assert_eq!(
        tight.credentials().await.unwrap().access_key_id(),
        a.access_key_id()
    );
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_pools_refusals_are_typed_errors() {
    let server_clock = Arc::new(cognate_server::ManualClock::starting_now());
    let s = server(server_clock.clone()).await;
    let clock = ManualClock::at_secs(cognate_server::Clock::now(server_clock.as_ref()));
    let cases = [
        (
            identity_pool(&s, "someotherclientaaaaaaaaaaa", true).await,
            "NotAuthorizedException",
            "Token is not from a supported provider of this identity pool.",
        ),
        (
            identity_pool(&s, CLIENT, false).await,
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        ),
        (
            "us-east-1:00000000-0000-4000-8000-000000000000".to_owned(),
            "ResourceNotFoundException",
            "IdentityPool 'us-east-1:00000000-0000-4000-8000-000000000000' not found.",
        ),
    ];
    for (pool, want_kind, want_message) in cases {
        let aws = IdentityPoolCredentials::builder(&pool, source(&s, &clock))
            .build()
            .unwrap();
        match aws.credentials().await {
            Err(cognate_client::Error::Cognito { kind, message, .. }) => {
                assert_eq!((kind.as_str(), message.as_str()), (want_kind, want_message));
            }
            other => panic!("{pool}: {other:?}"),
        }
    }
    s.shutdown().await;
}
