//! `ClientCredentials` against `cognate serve`.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use cognate_client::{
    Authenticator, ClientAuth, ClientCredentials, ClientTokenStore, FileStore, HeaderStyle,
    ManualClock, MemoryStore, TokenProvider,
};
use cognate_verify::axum::CognitoAuthLayer;
use cognate_verify::{AccessClaims, CognitoJwtVerifier, Principal, TokenUse, UserPool};

use super::*;

fn machine(shop: &Shop, clock: &ManualClock) -> ClientCredentials {
    ClientCredentials::builder(&shop.machine, &shop.secret)
        .domain(shop.domain())
        .scopes([SCOPE_READ])
        .clock(clock.clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_token_is_shared_and_renewed_once_for_all_tasks() {
    let shop = shop("http://localhost:3000/callback").await;
    let clock = ManualClock::now();
    let source = machine(&shop, &clock);
    assert!(source.cached().is_none());

    let mut tasks = Vec::new();
    for _ in 0..32 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.access_token().await.unwrap() }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap());
    }
    assert_eq!(source.request_count(), 1);
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    let c = claims(&tokens[0]);
    assert_eq!(c["sub"], shop.machine.as_str());
    assert_eq!(c["client_id"], shop.machine.as_str());
    assert_eq!(c["scope"], SCOPE_READ);
    assert!(c.get("username").is_none());
    let token = source.token().await.unwrap();
    assert_eq!(token.scopes().collect::<Vec<_>>(), [SCOPE_READ]);
    assert_eq!(token.lifetime_secs(), 3600);

    // Within the token's life (outside the 5-minute margin): no request.
    clock.advance_secs(3600 - 301);
    assert_eq!(source.access_token().await.unwrap(), tokens[0]);
    assert_eq!(source.request_count(), 1);
    // Inside the margin: 32 tasks, one request.
    clock.advance_secs(2);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let s = source.clone();
        tasks.push(tokio::spawn(async move { s.access_token().await.unwrap() }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(source.request_count(), 2);
}

#[tokio::test]
async fn basic_and_body_client_authentication_scopes_and_resource() {
    let shop = shop("http://localhost:3000/callback").await;
    for auth in [ClientAuth::Basic, ClientAuth::Body] {
        let source = ClientCredentials::builder(&shop.machine, &shop.secret)
            .token_url(format!("{}/oauth2/token", shop.domain()))
            .client_auth(auth)
            .scopes([SCOPE_READ, SCOPE_WRITE])
            .resource(RESOURCE)
            .build()
            .unwrap();
        let token = source.access_token().await.unwrap();
        let c = claims(&token);
        assert_eq!(
            c["scope"],
            format!("{SCOPE_READ} {SCOPE_WRITE}"),
            "{auth:?}"
        );
        assert_eq!(c["aud"], RESOURCE, "{auth:?}");
    }
    // No scopes asked: every scope the client allows.
    let all = ClientCredentials::builder(&shop.machine, &shop.secret)
        .domain(shop.domain())
        .build()
        .unwrap();
    let c = claims(&all.access_token().await.unwrap());
    assert_eq!(c["scope"], format!("{SCOPE_READ} {SCOPE_WRITE}"));
}

#[tokio::test]
async fn the_token_endpoint_from_the_discovery_document() {
    let shop = shop("http://localhost:3000/callback").await;
    let source = ClientCredentials::builder(&shop.machine, &shop.secret)
        .issuer(shop.issuer())
        .scopes([SCOPE_WRITE])
        .build()
        .unwrap();
    assert_eq!(
        claims(&source.access_token().await.unwrap())["scope"],
        SCOPE_WRITE
    );
    // An issuer without a discovery document.
    let nowhere = ClientCredentials::builder(&shop.machine, &shop.secret)
        .issuer(format!("{}/us-east-1_Nowhere", shop.server.endpoint_url()))
        .build()
        .unwrap();
    assert!(nowhere.access_token().await.is_err());
}

#[tokio::test]
async fn token_endpoint_errors_keep_their_oauth_codes() {
    let shop = shop("http://localhost:3000/callback").await;
    let wrong = ClientCredentials::builder(&shop.machine, "not-the-secret")
        .domain(shop.domain())
        .build()
        .unwrap();
    let err = wrong.access_token().await.unwrap_err();
    assert_eq!(err.oauth_error(), Some("invalid_client"), "{err}");
    // The failure is shared for two seconds rather than asked again by every caller.
    let _ = wrong.access_token().await;
    assert_eq!(wrong.request_count(), 1);
    let bad_scope = ClientCredentials::builder(&shop.machine, &shop.secret)
        .domain(shop.domain())
        .scopes(["openid"])
        .build()
        .unwrap();
    assert_eq!(
        bad_scope.access_token().await.unwrap_err().oauth_error(),
        Some("invalid_scope")
    );
    let bad_resource = ClientCredentials::builder(&shop.machine, &shop.secret)
        .domain(shop.domain())
        .resource("https://elsewhere.example")
        .build()
        .unwrap();
    assert_eq!(
        bad_resource.access_token().await.unwrap_err().oauth_error(),
        Some("invalid_target")
    );
    // Nothing says where the token endpoint is.
    assert!(ClientCredentials::builder("a", "b").build().is_err());
}

#[tokio::test]
async fn a_store_shares_the_token_between_sources() {
    let shop = shop("http://localhost:3000/callback").await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(FileStore::new(dir.path()));
    let clock = ManualClock::now();
    let build = || {
        ClientCredentials::builder(&shop.machine, &shop.secret)
            .domain(shop.domain())
            .clock(clock.clone())
            .store(store.clone(), "m2m")
            .build()
            .unwrap()
    };
    let first = build();
    let token = first.access_token().await.unwrap();
    let path = store.client_token_path("m2m").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second source (another run of a program) starts from the stored token.
    let second = build();
    assert_eq!(second.access_token().await.unwrap(), token);
    assert_eq!(second.request_count(), 0);
    // Secrets are not in the file, only the token.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(&shop.secret));
    second.clear().await.unwrap();
    assert!(store.load_client_token("m2m").unwrap().is_none());
    // MemoryStore too.
    let memory = Arc::new(MemoryStore::new());
    let m = ClientCredentials::builder(&shop.machine, &shop.secret)
        .domain(shop.domain())
        .store(memory.clone(), "p")
        .build()
        .unwrap();
    let t = m.access_token().await.unwrap();
    assert_eq!(
        memory
            .load_client_token("p")
            .unwrap()
            .unwrap()
            .access_token(),
        t
    );
}

async fn orders(claims: AccessClaims) -> String {
    format!("{} {}", claims.principal(), claims.client_id())
}

#[tokio::test]
async fn the_authenticator_sends_client_tokens_to_a_verified_api() {
    let shop = shop("http://localhost:3000/callback").await;
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(UserPool::from_issuer(shop.issuer()).client_id(&shop.machine))
        .token_use(TokenUse::Access)
        .require_principal(Principal::Client)
        .require_audience([RESOURCE])
        .build()
        .unwrap();
    let app = Router::new().route(
        "/orders",
        get(orders).layer(CognitoAuthLayer::new(verifier).require_scopes([SCOPE_WRITE])),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let source = |scopes: &[&str]| {
        ClientCredentials::builder(&shop.machine, &shop.secret)
            .domain(shop.domain())
            .scopes(scopes.iter().copied())
            .resource(RESOURCE)
            .build()
            .unwrap()
    };
    let http = |source: ClientCredentials, style| {
        reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(Authenticator::new(source, style))
            .build()
    };
    for style in [HeaderStyle::RawAccess, HeaderStyle::BearerAccess] {
        let answer = http(source(&[SCOPE_WRITE]), style)
            .get(format!("{api}/orders"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{style:?}");
        assert_eq!(
            answer.text().await.unwrap(),
            format!("client {}", shop.machine)
        );
    }
    // Without the route's scope: 403 insufficient_scope.
    let answer = http(source(&[SCOPE_READ]), HeaderStyle::BearerAccess)
        .get(format!("{api}/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(
        answer.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"insufficient_scope\"")
    );
    // The ID-token styles need a user's tokens.
    let mut headers = http::HeaderMap::new();
    let err = Authenticator::new(source(&[SCOPE_READ]), HeaderStyle::GraphQlId)
        .authorize(&mut headers)
        .await
        .unwrap_err();
    assert!(matches!(err, cognate_client::Error::Config(_)), "{err}");
    // The trait object works for both kinds of source.
    let provider: Arc<dyn TokenProvider> = Arc::new(source(&[SCOPE_READ]));
    assert!(provider.bearer().await.unwrap().id_token().is_none());
}

/// A provider that publishes only RFC 8414 metadata, at
/// `{origin}/.well-known/oauth-authorization-server{path}`, naming `token_endpoint`; `named`
/// is the issuer the document claims.
async fn rfc8414_metadata(token_endpoint: String, named: Option<String>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let issuer = format!("{origin}/tenant-1");
    let doc = serde_json::json!({
        "issuer": named.unwrap_or_else(|| issuer.clone()),
        "token_endpoint": token_endpoint,
    });
    let app = Router::new().route(
        "/.well-known/oauth-authorization-server/tenant-1",
        get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    issuer
}

#[tokio::test]
async fn an_rfc8414_issuer_and_a_document_naming_another_issuer() {
    let shop = shop("http://localhost:3000/callback").await;
    let token_endpoint = format!("{}/oauth2/token", shop.domain());
    let issuer = rfc8414_metadata(token_endpoint.clone(), None).await;
    let source = ClientCredentials::builder(&shop.machine, &shop.secret)
        .issuer(&issuer)
        .scopes([SCOPE_READ])
        .build()
        .unwrap();
    assert_eq!(
        claims(&source.access_token().await.unwrap())["client_id"],
        shop.machine.as_str()
    );
    // A document that names another issuer is refused (RFC 8414 section 3.3): no token request.
    let forged = rfc8414_metadata(token_endpoint, Some("https://evil.example".into())).await;
    let refused = ClientCredentials::builder(&shop.machine, &shop.secret)
        .issuer(&forged)
        .build()
        .unwrap();
    let err = refused.access_token().await.unwrap_err();
    assert!(err.to_string().contains("another issuer"), "{err}");
    assert_eq!(refused.request_count(), 0);
}
