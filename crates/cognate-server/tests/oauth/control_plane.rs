//! User-pool domains, resource servers, identity-provider records, app clients' OAuth
//! settings, and the discovery document that names the domain's endpoints.

use super::*;

#[tokio::test]
async fn domains_and_resource_servers_are_managed_as_cognito_manages_them() {
    let env = start().await;
    let (kind, msg) = env
        .error(
            "CreateUserPoolDomain",
            json!({"UserPoolId": POOL, "Domain": "my-cognito-app"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert!(msg.contains("reserved word"), "{msg}");
    env.ok(
        "CreateUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop"}),
    )
    .await;
    let (kind, msg) = env
        .error(
            "CreateUserPoolDomain",
            json!({"UserPoolId": POOL, "Domain": "shop2"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert!(msg.contains("already has a domain"), "{msg}");
    let pool = env
        .ok("DescribeUserPool", json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(pool["UserPool"]["Domain"], "shop");
    let (kind, msg) = env
        .error("DeleteUserPool", json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        msg,
        "User pool cannot be deleted. It has a domain configured that should be deleted first."
    );
    let d = env
        .ok("DescribeUserPoolDomain", json!({"Domain": "shop"}))
        .await;
    let d = &d["DomainDescription"];
    assert_eq!(d["UserPoolId"], POOL);
    assert_eq!(d["Domain"], "shop");
    assert_eq!(d["Status"], "ACTIVE");
    let host = format!("shop.auth.localhost:{}", env.server.local_addr().port());
    assert_eq!(d["CloudFrontDistribution"], host.as_str());
    // An unknown domain is an empty description, as Cognito answers.
    let none = env
        .ok("DescribeUserPoolDomain", json!({"Domain": "nowhere"}))
        .await;
    assert_eq!(none["DomainDescription"], json!({}));
    env.ok(
        "UpdateUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop", "ManagedLoginVersion": 2}),
    )
    .await;
    let d = env
        .ok("DescribeUserPoolDomain", json!({"Domain": "shop"}))
        .await;
    assert_eq!(d["DomainDescription"]["ManagedLoginVersion"], 2);
    env.ok(
        "DeleteUserPoolDomain",
        json!({"UserPoolId": POOL, "Domain": "shop"}),
    )
    .await;
    let (kind, _) = env
        .error(
            "DeleteUserPoolDomain",
            json!({"UserPoolId": POOL, "Domain": "shop"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");

    // Resource servers.
    let rs = env
        .ok(
            "CreateResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "api",
                   "Scopes": [{"ScopeName": "read", "ScopeDescription": "r"}]}),
        )
        .await;
    assert_eq!(rs["ResourceServer"]["Scopes"][0]["ScopeName"], "read");
    let (kind, _) = env
        .error(
            "CreateResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "again"}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    env.ok(
        "UpdateResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "https://api.shop", "Name": "api2",
               "Scopes": [{"ScopeName": "write", "ScopeDescription": "w"}]}),
    )
    .await;
    let d = env
        .ok(
            "DescribeResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop"}),
        )
        .await;
    assert_eq!(d["ResourceServer"]["Name"], "api2");
    assert_eq!(d["ResourceServer"]["Scopes"][0]["ScopeName"], "write");
    let list = env
        .ok(
            "ListResourceServers",
            json!({"UserPoolId": POOL, "MaxResults": 10}),
        )
        .await;
    assert_eq!(list["ResourceServers"].as_array().unwrap().len(), 1);
    env.ok(
        "DeleteResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "https://api.shop"}),
    )
    .await;
    let (kind, _) = env
        .error(
            "DescribeResourceServer",
            json!({"UserPoolId": POOL, "Identifier": "https://api.shop"}),
        )
        .await;
    assert_eq!(kind, "ResourceNotFoundException");
}

#[tokio::test]
async fn app_client_oauth_settings_are_checked_as_cognito_checks_them() {
    let env = start().await;
    env.ok(
        "CreateResourceServer",
        json!({"UserPoolId": POOL, "Identifier": "api", "Name": "api",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "r"}]}),
    )
    .await;
    let base =
        json!({"UserPoolId": POOL, "ClientName": "c", "AllowedOAuthFlowsUserPoolClient": true});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                        "CallbackURLs": ["http://app.example.com/cb"]}),
            ),
            "InvalidParameterException",
            "HTTPS",
        ),
        (
            with(json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"]})),
            "InvalidOAuthFlowException",
            "CallbackUrls can not be empty",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"]}),
            ),
            "InvalidOAuthFlowException",
            "does not have a client secret",
        ),
        (
            with(
                json!({"GenerateSecret": true, "AllowedOAuthFlows": ["client_credentials", "code"],
                        "AllowedOAuthScopes": ["api/read"], "CallbackURLs": ["https://a/cb"]}),
            ),
            "InvalidOAuthFlowException",
            "along with code flow",
        ),
        (
            with(
                json!({"GenerateSecret": true, "AllowedOAuthFlows": ["client_credentials"],
                        "AllowedOAuthScopes": ["openid"]}),
            ),
            "InvalidOAuthFlowException",
            "openid is not supported with client_credentials flow",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["api/delete"],
                        "CallbackURLs": ["https://a/cb"]}),
            ),
            "ScopeDoesNotExistException",
            "Invalid scope requested: api/delete",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                        "CallbackURLs": ["https://a/cb"], "DefaultRedirectURI": "https://b/cb"}),
            ),
            "InvalidParameterException",
            "DefaultRedirectURI",
        ),
        (
            with(json!({"AllowedOAuthScopes": ["openid"]})),
            "InvalidParameterException",
            "AllowedOAuthFlows and AllowedOAuthScopes are required",
        ),
        (
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
                        "CallbackURLs": ["https://a/cb"], "SupportedIdentityProviders": ["Google"]}),
            ),
            "InvalidParameterException",
            "The provider Google does not exist",
        ),
    ];
    for (body, kind, message) in cases {
        let (k, m) = env.error("CreateUserPoolClient", body.clone()).await;
        assert_eq!(k, kind, "{body}: {m}");
        assert!(m.contains(message), "{body}: {m}");
    }
    // http://localhost is allowed; the settings are echoed.
    let ok = env
        .ok(
            "CreateUserPoolClient",
            with(
                json!({"AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "api/read"],
                        "CallbackURLs": ["http://localhost:8080/cb", "myapp://cb"],
                        "DefaultRedirectURI": "myapp://cb"}),
            ),
        )
        .await;
    assert_eq!(
        ok["UserPoolClient"]["AllowedOAuthFlowsUserPoolClient"],
        true
    );
    assert_eq!(
        ok["UserPoolClient"]["AllowedOAuthScopes"],
        json!(["openid", "api/read"])
    );
    // UpdateUserPoolClient checks the same.
    let id = ok["UserPoolClient"]["ClientId"].as_str().unwrap();
    let (k, _) = env
        .error(
            "UpdateUserPoolClient",
            json!({"UserPoolId": POOL, "ClientId": id, "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid"],
                   "CallbackURLs": ["http://evil.example/cb"]}),
        )
        .await;
    assert_eq!(k, "InvalidParameterException");
}

#[tokio::test]
async fn discovery_names_endpoints_that_answer() {
    let env = start().await;
    let doc_url = format!(
        "{}/{POOL}/.well-known/openid-configuration",
        env.server.endpoint_url()
    );
    // No domain: no OAuth endpoints named, and the domain's paths say why they are not there.
    let doc: Value = env
        .http
        .get(&doc_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc.get("token_endpoint").is_none());
    let resp = env
        .http
        .post(env.url("/oauth2/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    setup(&env).await;
    let doc: Value = env
        .http
        .get(&doc_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ] {
        let url = doc[key].as_str().unwrap();
        assert!(url.starts_with(&env.url("/")), "{key}: {url}");
        let get = env.http.get(url).send().await.unwrap().status().as_u16();
        let post = env.http.post(url).send().await.unwrap().status().as_u16();
        assert!(
            get != 404 || post != 404,
            "{key} {url} answers 404 to GET and POST"
        );
    }
}

#[tokio::test]
async fn identity_provider_records() {
    let env = start().await;
    let s = setup(&env).await;
    let details = json!({"client_id": "ext", "client_secret": "s", "authorize_scopes": "openid email",
                         "attributes_request_method": "GET", "oidc_issuer": "http://127.0.0.1:1"});
    let (kind, msg) = env
        .error(
            "CreateIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC",
                   "ProviderDetails": {"client_id": "ext"}}),
        )
        .await;
    assert_eq!(kind, "InvalidParameterException");
    assert!(msg.contains("authorize_scopes"), "{msg}");
    let created = env
        .ok(
            "CreateIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC",
                   "ProviderDetails": details, "AttributeMapping": {"email": "email"},
                   "IdpIdentifiers": ["corp.example"]}),
        )
        .await;
    assert_eq!(created["IdentityProvider"]["ProviderType"], "OIDC");
    let (kind, _) = env
        .error(
            "CreateIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC",
                   "ProviderDetails": details}),
        )
        .await;
    assert_eq!(kind, "DuplicateProviderException");
    let by_id = env
        .ok(
            "GetIdentityProviderByIdentifier",
            json!({"UserPoolId": POOL, "IdpIdentifier": "corp.example"}),
        )
        .await;
    assert_eq!(by_id["IdentityProvider"]["ProviderName"], "Corp");
    let list = env
        .ok("ListIdentityProviders", json!({"UserPoolId": POOL}))
        .await;
    assert_eq!(list["Providers"][0]["ProviderName"], "Corp");
    env.ok(
        "UpdateIdentityProvider",
        json!({"UserPoolId": POOL, "ProviderName": "Corp", "AttributeMapping": {"name": "name"}}),
    )
    .await;
    let d = env
        .ok(
            "DescribeIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp"}),
        )
        .await;
    assert_eq!(
        d["IdentityProvider"]["AttributeMapping"],
        json!({"name": "name"})
    );
    // An app client may now name it.
    env.ok(
        "UpdateUserPoolClient",
        json!({"UserPoolId": POOL, "ClientId": s.web, "AllowedOAuthFlowsUserPoolClient": true,
               "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"],
               "CallbackURLs": [CALLBACK], "SupportedIdentityProviders": ["COGNITO", "Corp"]}),
    )
    .await;
    // The sign-in page offers it; a provider that cannot be reached is an error page that
    // says so (502), never a redirect to the app.
    let login = format!(
        "{}?{}",
        env.url("/login"),
        encode(&[
            ("response_type", "code"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK)
        ])
    );
    let page = page_text(&env.http, &login).await;
    assert!(page.contains("Sign in with Corp"), "{page}");
    let url = format!(
        "{}?{}",
        env.url("/oauth2/authorize"),
        encode(&[
            ("response_type", "code"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK),
            ("identity_provider", "Corp")
        ])
    );
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert!(resp.headers().get("location").is_none());
    assert!(resp.text().await.unwrap().contains("discovery document"));
    // An unknown idp_identifier goes back to the app.
    let url = format!(
        "{}?{}",
        env.url("/oauth2/authorize"),
        encode(&[
            ("response_type", "code"),
            ("client_id", &s.web),
            ("redirect_uri", CALLBACK),
            ("idp_identifier", "nobody.example"),
            ("state", "q")
        ])
    );
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_request")
    );
    // /oauth2/idpresponse with a state this server did not send: an error page.
    let resp = env
        .http
        .get(format!(
            "{}?code=x&state=forged",
            env.url("/oauth2/idpresponse")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.headers().get("location").is_none());
    env.ok(
        "DeleteIdentityProvider",
        json!({"UserPoolId": POOL, "ProviderName": "Corp"}),
    )
    .await;
    let (kind, _) = env
        .error(
            "DescribeIdentityProvider",
            json!({"UserPoolId": POOL, "ProviderName": "Corp"}),
        )
        .await;
    assert_eq!(kind, "ResourceNotFoundException");
}
