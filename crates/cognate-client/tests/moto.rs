//! Against moto's server, an independent Cognito implementation (it does not check SRP proofs:
//! SRP correctness against a verifying server is covered by cognate-server's tests).
//!
//! Needs `.interop/venv` (`bash scripts/install-interop`); a missing tool fails the test.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use cognate_client::{
    AuthFlow, Client, Credentials, FileStore, ManualClock, RefreshMethod, TokenSource, TokenStore,
};
use common::{CallCounter, Moto, PASSWORD};

async fn setup(secret: bool) -> (Moto, String, String, Option<String>) {
    let moto = Moto::start().await;
    let pool = moto.pool().await;
    let (client_id, client_secret) = moto.app_client(&pool, secret).await;
    moto.user(&pool, "alice").await;
    (moto, pool, client_id, client_secret)
}

fn client(moto: &Moto, pool: &str, id: &str, secret: Option<&str>) -> Client {
    let mut b = Client::builder(pool, id)
        .endpoint(&moto.url)
        .clock(ManualClock::now());
    if let Some(s) = secret {
        b = b.client_secret(s);
    }
    b.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_end_to_end() {
    let (moto, pool, client_id, _) = setup(false).await;

    // SRP login (the default flow).
    let c = client(&moto, &pool, &client_id, None);
    let tokens = c
        .login(&Credentials::new("alice", PASSWORD))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(tokens.username(), Some("alice"));
    assert!(tokens.refresh_token().is_some());
    assert_eq!(
        tokens.access_token().claims().token_use.as_deref(),
        Some("access")
    );
    assert!(tokens.expires_at() > tokens.access_token().claims().iat.unwrap());

    // Password login.
    let t2 = c
        .login_with(&Credentials::new("alice", PASSWORD), AuthFlow::UserPassword)
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(t2.username(), Some("alice"));

    // A wrong password is a typed Cognito error.
    let err = c
        .login_with(
            &Credentials::new("alice", "wrong-Passw0rd!"),
            AuthFlow::UserPassword,
        )
        .await
        .unwrap_err();
    assert!(err.is_not_authorized(), "{err:?}");
    let err = c
        .login_with(
            &Credentials::new("nobody", PASSWORD),
            AuthFlow::UserPassword,
        )
        .await
        .unwrap_err();
    assert!(err.kind().is_some(), "{err:?}");

    // GetUser.
    let user = c.get_user(tokens.access_token().as_str()).await.unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(
        user.attributes.get("email").map(String::as_str),
        Some("alice@example.com")
    );
    assert_eq!(
        user.attributes.get("custom:companyId").map(String::as_str),
        Some("acme")
    );

    // Custom attributes in the ID token, typed.
    assert_eq!(tokens.id_token().claims().custom("companyId"), Some("acme"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_refresh_by_moving_the_clock_and_100_tasks_one_refresh() {
    let (moto, pool, client_id, _) = setup(false).await;
    let clock = ManualClock::now();
    let counter = CallCounter::default();
    let c = Client::builder(&pool, &client_id)
        .sdk_client(common::counted_sdk(&moto.url, &counter))
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c)
        .credentials(Credentials::new("alice", PASSWORD))
        .build();

    // First use logs in, once, however many ask.
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.tokens().await.unwrap() }));
    }
    let mut first = Vec::new();
    for t in tasks {
        first.push(t.await.unwrap());
    }
    assert_eq!(counter.logins(), 1, "exactly one login");
    assert_eq!(counter.refreshes(), 0);
    let t0 = Arc::clone(&first[0]);
    assert!(first.iter().all(|t| Arc::ptr_eq(t, &t0)));

    // Just before the margin (5 min before expiry): still the cached tokens, no call.
    let left = t0.expires_at_local() - clock.now_secs_pub();
    clock.advance_secs(left - 301);
    assert!(Arc::ptr_eq(&source.tokens().await.unwrap(), &t0));
    assert_eq!(counter.refreshes(), 0);

    // Inside the margin: 100 tasks, exactly one refresh on the wire.
    clock.advance_secs(2);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.tokens().await.unwrap() }));
    }
    let mut second = Vec::new();
    for t in tasks {
        second.push(t.await.unwrap());
    }
    assert_eq!(counter.refreshes(), 1, "exactly one refresh for 100 tasks");
    assert_eq!(source.refresh_count(), 1);
    assert_eq!(counter.logins(), 1);
    let t1 = Arc::clone(&second[0]);
    assert!(second.iter().all(|t| Arc::ptr_eq(t, &t1)));
    assert!(!Arc::ptr_eq(&t0, &t1));
    // REFRESH_TOKEN_AUTH returns no refresh token: the old one is kept.
    assert_eq!(
        t1.refresh_token().unwrap().expose_secret(),
        t0.refresh_token().unwrap().expose_secret()
    );

    // Far past expiry (a laptop waking up): refreshes again, once.
    clock.advance_secs(6 * 3600);
    let t2 = source.tokens().await.unwrap();
    assert_eq!(counter.refreshes(), 2);
    assert!(!Arc::ptr_eq(&t1, &t2));
}

trait NowSecs {
    fn now_secs_pub(&self) -> i64;
}
impl NowSecs for ManualClock {
    fn now_secs_pub(&self) -> i64 {
        cognate_client::Clock::now_secs(self)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_client_with_secret() {
    let (moto, pool, client_id, secret) = setup(true).await;
    let secret = secret.expect("moto generated a secret");
    let c = client(&moto, &pool, &client_id, Some(&secret));
    assert!(c.has_secret());
    let srp = c
        .login(&Credentials::new("alice", PASSWORD))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    let pw = c
        .login_with(&Credentials::new("alice", PASSWORD), AuthFlow::UserPassword)
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(pw.username(), Some("alice"));

    // Refresh with SECRET_HASH over the internal user name.
    let clock = ManualClock::now();
    let c = Client::builder(&pool, &client_id)
        .endpoint(&moto.url)
        .client_secret(&secret)
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c).tokens(srp).build();
    clock.advance_secs(3600);
    let fresh = source.tokens().await.unwrap();
    assert_eq!(source.refresh_count(), 1);
    assert_eq!(fresh.username(), Some("alice"));

    // moto checks SECRET_HASH on USER_SRP_AUTH (and on refresh, over the internal name, which
    // passed above): without the secret, or with a wrong one, it refuses.
    let no_secret = client(&moto, &pool, &client_id, None);
    let err = no_secret
        .login(&Credentials::new("alice", PASSWORD))
        .await
        .unwrap_err();
    assert!(err.is_not_authorized(), "{err:?}");
    let wrong = client(&moto, &pool, &client_id, Some("not-the-secret"));
    let err = wrong
        .login(&Credentials::new("alice", PASSWORD))
        .await
        .unwrap_err();
    assert!(err.is_not_authorized(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_revoked_refresh_token_logs_in_again_or_ends_the_session() {
    let (moto, pool, client_id, _) = setup(false).await;
    let clock = ManualClock::now();
    let c = Client::builder(&pool, &client_id)
        .endpoint(&moto.url)
        .clock(clock.clone())
        .build()
        .unwrap();
    let tokens = c
        .login(&Credentials::new("alice", PASSWORD))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    c.global_sign_out(tokens.access_token().as_str())
        .await
        .unwrap();

    // No credentials: a clear "log in again".
    let bare = TokenSource::builder(c.clone())
        .tokens(tokens.clone())
        .build();
    clock.advance_secs(3600);
    let err = bare.tokens().await.unwrap_err();
    assert!(
        matches!(err, cognate_client::Error::SessionEnded(_)),
        "{err:?}"
    );

    // With credentials: logs in again by itself.
    let source = TokenSource::builder(c)
        .tokens(tokens)
        .credentials(Credentials::new("alice", PASSWORD))
        .build();
    let fresh = source.tokens().await.unwrap();
    assert_eq!(source.login_count(), 1);
    assert_eq!(fresh.username(), Some("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_file_store_keeps_tokens_between_runs() {
    let (moto, pool, client_id, _) = setup(false).await;
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("tokens"));
    let c = client(&moto, &pool, &client_id, None);
    let source = TokenSource::builder(c.clone())
        .credentials(Credentials::new("alice", PASSWORD))
        .store(store.clone(), "default")
        .build();
    let t = source.tokens().await.unwrap();
    assert_eq!(source.login_count(), 1);

    // A second "run" reads the file and needs no login.
    let again = TokenSource::builder(c)
        .credentials(Credentials::new("alice", PASSWORD))
        .store(store.clone(), "default")
        .build();
    let t2 = again.tokens().await.unwrap();
    assert_eq!(again.login_count(), 0);
    assert_eq!(t.access_token().as_str(), t2.access_token().as_str());
    assert!(
        store
            .load("default")
            .unwrap()
            .unwrap()
            .refresh_token()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_get_tokens_from_refresh_token_if_supported() {
    let (moto, pool, client_id, _) = setup(false).await;
    let clock = ManualClock::now();
    let c = Client::builder(&pool, &client_id)
        .endpoint(&moto.url)
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(c)
        .credentials(Credentials::new("alice", PASSWORD))
        .refresh_method(RefreshMethod::GetTokensFromRefreshToken)
        .margin(Duration::from_secs(60))
        .build();
    let t0 = source.tokens().await.unwrap();
    clock.advance_secs(3600);
    match source.tokens().await {
        Ok(t1) => assert_ne!(t0.access_token().as_str(), t1.access_token().as_str()),
        // moto 5.2.5 may not implement GetTokensFromRefreshToken: it must be a typed error.
        Err(e) => assert!(
            matches!(
                e,
                cognate_client::Error::Cognito { .. } | cognate_client::Error::Protocol(_)
            ),
            "{e:?}"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_identity_pool_credentials() {
    use aws_credential_types::provider::ProvideCredentials;
    use aws_sdk_cognitoidentity as ci;

    let (moto, pool, client_id, _) = setup(false).await;
    let admin = ci::Client::from_conf(
        ci::Config::builder()
            .behavior_version(ci::config::BehaviorVersion::latest())
            .region(ci::config::Region::new("us-east-1"))
            .endpoint_url(&moto.url)
            .credentials_provider(ci::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    );
    let identity_pool = admin
        .create_identity_pool()
        .identity_pool_name("cognate_test")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            ci::types::CognitoIdentityProvider::builder()
                .provider_name(format!("cognito-idp.us-east-1.amazonaws.com/{pool}"))
                .client_id(&client_id)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_owned();

    let c = client(&moto, &pool, &client_id, None);
    let source = TokenSource::builder(c)
        .credentials(Credentials::new("alice", PASSWORD))
        .build();
    let aws = cognate_client::IdentityPoolCredentials::builder(&identity_pool, source)
        .build()
        .unwrap();
    let id = aws.identity_id().await.unwrap();
    assert!(id.starts_with("us-east-1:"), "{id}");
    let creds = aws.provide_credentials().await.unwrap();
    assert!(!creds.access_key_id().is_empty());
    assert!(creds.session_token().is_some());
    assert!(creds.expiry().is_some());
    // Cached until expiry: the same credentials again.
    let again = aws.provide_credentials().await.unwrap();
    assert_eq!(again.access_key_id(), creds.access_key_id());
}
