//! Identity pools over the wire (`X-Amz-Target: AWSCognitoIdentityService.<Op>`): every
//! operation, the ID-token checks of GetId / GetCredentialsForIdentity with Cognito's messages,
//! both issuer styles, and what deleting a pool removes.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_server::{Clock, IssuerStyle, ManualClock, RunningServer, Seed, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_IdentPool";
const OTHER_POOL: &str = "us-east-1_OtherPool";
const CLIENT: &str = "identclientaaaaaaaaaaaaaaa";
const SECOND_CLIENT: &str = "secondclientaaaaaaaaaaaaaa";
const OTHER_CLIENT: &str = "otherclientaaaaaaaaaaaaaaa";
const PASSWORD: &str = "Correct horse 1!";
const AWS_PROVIDER: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_IdentPool";
const ROLE: &str = "arn:aws:iam::123456789012:role/authenticated";
const UNAUTH_ROLE: &str = "arn:aws:iam::123456789012:role/unauthenticated";

const SEED: &str = r#"
[[pools]]
id = "us-east-1_IdentPool"
name = "identity"

[[pools.clients]]
name = "web"
id = "identclientaaaaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "second"
id = "secondclientaaaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "alice"
password = "Correct horse 1!"

[[pools.users]]
username = "bob"
password = "Correct horse 1!"

[[pools]]
id = "us-east-1_OtherPool"
name = "other"

[[pools.clients]]
name = "web"
id = "otherclientaaaaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "carol"
password = "Correct horse 1!"
"#;

struct Local {
    server: RunningServer,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
}

async fn start(style: IssuerStyle) -> Local {
    let clock = Arc::new(ManualClock::starting_now());
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .issuer_style(style)
        .clock(clock.clone())
        .seed_data(Seed::from_toml(SEED).unwrap())
        .start()
        .await
        .unwrap();
    Local {
        server,
        clock,
        http: reqwest::Client::new(),
    }
}

impl Local {
    async fn post(&self, target: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(self.server.endpoint_url())
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", target)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// An identity-pool operation that must succeed.
    async fn ci(&self, op: &str, body: Value) -> Value {
        let (status, v) = self
            .post(&format!("AWSCognitoIdentityService.{op}"), body)
            .await;
        assert_eq!(status, 200, "{op}: {v}");
        v
    }

    /// An identity-pool operation that must fail with `kind`; its message.
    async fn ci_err(&self, op: &str, body: Value, kind: &str) -> String {
        let (status, v) = self
            .post(&format!("AWSCognitoIdentityService.{op}"), body)
            .await;
        assert_eq!(status, 400, "{op}: {v}");
        assert_eq!(v["__type"], kind, "{op}: {v}");
        v["message"].as_str().unwrap().to_owned()
    }

    /// `(id token, access token)` of a password login.
    async fn login(&self, client: &str, user: &str) -> (String, String) {
        let (status, v) = self
            .post(
                "AWSCognitoIdentityProviderService.InitiateAuth",
                json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
                       "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let r = &v["AuthenticationResult"];
        (
            r["IdToken"].as_str().unwrap().to_owned(),
            r["AccessToken"].as_str().unwrap().to_owned(),
        )
    }

    /// `HOST:PORT/{pool}`: the local issuer without its scheme.
    fn local_provider(&self, pool: &str) -> String {
        format!("{}/{pool}", self.server.local_addr())
    }

    /// An identity pool of `POOL` (client `CLIENT`) under `provider`.
    async fn identity_pool(&self, provider: &str, unauth: bool) -> String {
        let v = self
            .ci(
                "CreateIdentityPool",
                json!({"IdentityPoolName": "app pool", "AllowUnauthenticatedIdentities": unauth,
                       "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": CLIENT}]}),
            )
            .await;
        let id = v["IdentityPoolId"].as_str().unwrap().to_owned();
        self.ci(
            "SetIdentityPoolRoles",
            json!({"IdentityPoolId": id, "Roles": {"authenticated": ROLE}}),
        )
        .await;
        id
    }
}

fn is_region_uuid(id: &str) -> bool {
    let Some(("us-east-1", uuid)) = id.split_once(':') else {
        return false;
    };
    uuid.len() == 36
        && uuid.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && uuid
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

use common::claims;

#[tokio::test]
async fn create_describe_list_update_delete() {
    let s = start(IssuerStyle::Local).await;
    let local = s.local_provider(POOL);
    let issuer_url = s.server.issuer(POOL);
    let created = s
        .ci(
            "CreateIdentityPool",
            json!({
                "IdentityPoolName": "first pool",
                "AllowUnauthenticatedIdentities": false,
                "AllowClassicFlow": true,
                "IdentityPoolTags": {"team": "a"},
                "CognitoIdentityProviders": [
                    {"ProviderName": AWS_PROVIDER, "ClientId": CLIENT, "ServerSideTokenCheck": true},
                    {"ProviderName": local, "ClientId": CLIENT},
                    {"ProviderName": issuer_url, "ClientId": SECOND_CLIENT}
                ]
            }),
        )
        .await;
    let id = created["IdentityPoolId"].as_str().unwrap().to_owned();
    assert!(is_region_uuid(&id), "{id}");
    let expected = json!({
        "IdentityPoolId": id,
        "IdentityPoolName": "first pool",
        "AllowUnauthenticatedIdentities": false,
        "AllowClassicFlow": true,
        "IdentityPoolTags": {"team": "a"},
        "CognitoIdentityProviders": [
            {"ProviderName": AWS_PROVIDER, "ClientId": CLIENT, "ServerSideTokenCheck": true},
            {"ProviderName": local, "ClientId": CLIENT, "ServerSideTokenCheck": false},
            {"ProviderName": issuer_url, "ClientId": SECOND_CLIENT, "ServerSideTokenCheck": false}
        ]
    });
    assert_eq!(created, expected);
    assert_eq!(
        s.ci("DescribeIdentityPool", json!({"IdentityPoolId": id}))
            .await,
        expected
    );

    let second = s
        .ci(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "second", "AllowUnauthenticatedIdentities": true}),
        )
        .await["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = s.ci("ListIdentityPools", json!({"MaxResults": 1})).await;
    assert_eq!(
        page["IdentityPools"],
        json!([{"IdentityPoolId": id, "IdentityPoolName": "first pool"}])
    );
    let next = page["NextToken"].as_str().unwrap();
    let page = s
        .ci(
            "ListIdentityPools",
            json!({"MaxResults": 1, "NextToken": next}),
        )
        .await;
    assert_eq!(
        page,
        json!({"IdentityPools": [{"IdentityPoolId": second, "IdentityPoolName": "second"}]})
    );
    let msg = s
        .ci_err("ListIdentityPools", json!({}), "InvalidParameterException")
        .await;
    assert!(msg.contains("maxResults"), "{msg}");
    s.ci_err(
        "ListIdentityPools",
        json!({"MaxResults": 61}),
        "InvalidParameterException",
    )
    .await;

    // Update replaces the pool's settings and keeps its roles.
    s.ci(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": id, "Roles": {"authenticated": ROLE}}),
    )
    .await;
    let updated = s
        .ci(
            "UpdateIdentityPool",
            json!({"IdentityPoolId": id, "IdentityPoolName": "renamed",
                   "AllowUnauthenticatedIdentities": true,
                   "CognitoIdentityProviders": [{"ProviderName": AWS_PROVIDER, "ClientId": CLIENT}]}),
        )
        .await;
    assert_eq!(
        updated,
        json!({"IdentityPoolId": id, "IdentityPoolName": "renamed",
               "AllowUnauthenticatedIdentities": true, "IdentityPoolTags": {},
               "CognitoIdentityProviders": [
                   {"ProviderName": AWS_PROVIDER, "ClientId": CLIENT, "ServerSideTokenCheck": false}]})
    );
    assert_eq!(
        s.ci("GetIdentityPoolRoles", json!({"IdentityPoolId": id}))
            .await["Roles"],
        json!({"authenticated": ROLE})
    );

    assert_eq!(
        s.ci("DeleteIdentityPool", json!({"IdentityPoolId": id}))
            .await,
        json!({})
    );
    for op in [
        "DescribeIdentityPool",
        "DeleteIdentityPool",
        "GetIdentityPoolRoles",
    ] {
        let msg = s
            .ci_err(
                op,
                json!({"IdentityPoolId": id}),
                "ResourceNotFoundException",
            )
            .await;
        assert_eq!(msg, format!("IdentityPool '{id}' not found."));
    }
    let msg = s
        .ci_err(
            "UpdateIdentityPool",
            json!({"IdentityPoolId": id, "IdentityPoolName": "x",
                   "AllowUnauthenticatedIdentities": false}),
            "ResourceNotFoundException",
        )
        .await;
    assert_eq!(msg, format!("IdentityPool '{id}' not found."));
    let page = s.ci("ListIdentityPools", json!({"MaxResults": 60})).await;
    assert_eq!(page["IdentityPools"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn create_validates_its_input() {
    let s = start(IssuerStyle::Local).await;
    let msg = s
        .ci_err(
            "CreateIdentityPool",
            json!({"AllowUnauthenticatedIdentities": false}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("identityPoolName"), "{msg}");
    let msg = s
        .ci_err(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "x"}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("allowUnauthenticatedIdentities"), "{msg}");
    let msg = s
        .ci_err(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "bad/name", "AllowUnauthenticatedIdentities": false}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("identityPoolName"), "{msg}");
    for provider in [
        "accounts.google.com",
        "cognito-idp.us-east-1.amazonaws.com/",
    ] {
        let msg = s
            .ci_err(
                "CreateIdentityPool",
                json!({"IdentityPoolName": "x", "AllowUnauthenticatedIdentities": false,
                       "CognitoIdentityProviders": [{"ProviderName": provider}]}),
                "InvalidParameterException",
            )
            .await;
        assert!(msg.contains("providerName"), "{msg}");
    }
    let (status, v) = s
        .post("AWSCognitoIdentityService.NoSuchOperation", json!({}))
        .await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    // Nothing was created.
    assert_eq!(
        s.ci("ListIdentityPools", json!({"MaxResults": 10})).await,
        json!({"IdentityPools": []})
    );
}

#[tokio::test]
async fn roles_and_role_mappings() {
    let s = start(IssuerStyle::Local).await;
    let id = s.identity_pool(AWS_PROVIDER, true).await;
    let mappings =
        json!({AWS_PROVIDER: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}});
    assert_eq!(
        s.ci(
            "SetIdentityPoolRoles",
            json!({"IdentityPoolId": id,
                   "Roles": {"authenticated": ROLE, "unauthenticated": UNAUTH_ROLE},
                   "RoleMappings": mappings}),
        )
        .await,
        json!({})
    );
    assert_eq!(
        s.ci("GetIdentityPoolRoles", json!({"IdentityPoolId": id}))
            .await,
        json!({"IdentityPoolId": id,
               "Roles": {"authenticated": ROLE, "unauthenticated": UNAUTH_ROLE},
               "RoleMappings": mappings})
    );
    // Roles are not part of DescribeIdentityPool.
    let described = s
        .ci("DescribeIdentityPool", json!({"IdentityPoolId": id}))
        .await;
    assert!(described.get("Roles").is_none(), "{described}");
    s.ci_err(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": id, "Roles": {"admin": ROLE}}),
        "InvalidParameterException",
    )
    .await;
    s.ci_err(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": id, "Roles": {"authenticated": "not-an-arn"}}),
        "InvalidParameterException",
    )
    .await;
    s.ci_err(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": id}),
        "InvalidParameterException",
    )
    .await;
    let missing = "us-east-1:00000000-0000-4000-8000-000000000000";
    let msg = s
        .ci_err(
            "SetIdentityPoolRoles",
            json!({"IdentityPoolId": missing, "Roles": {"authenticated": ROLE}}),
            "ResourceNotFoundException",
        )
        .await;
    assert_eq!(msg, format!("IdentityPool '{missing}' not found."));
    // Setting roles again replaces them (and drops the mappings).
    s.ci(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": id, "Roles": {"authenticated": ROLE}}),
    )
    .await;
    assert_eq!(
        s.ci("GetIdentityPoolRoles", json!({"IdentityPoolId": id}))
            .await,
        json!({"IdentityPoolId": id, "Roles": {"authenticated": ROLE}})
    );
}

#[tokio::test]
async fn id_tokens_become_identities_and_credentials() {
    let s = start(IssuerStyle::Local).await;
    let pool = s.identity_pool(AWS_PROVIDER, false).await;
    let (alice, _) = s.login(CLIENT, "alice").await;
    let got = s
        .ci(
            "GetId",
            json!({"IdentityPoolId": pool, "Logins": {AWS_PROVIDER: alice}}),
        )
        .await;
    let identity = got["IdentityId"].as_str().unwrap().to_owned();
    assert!(is_region_uuid(&identity), "{identity}");
    // The same user, a new login: the same identity.
    let (alice2, _) = s.login(CLIENT, "alice").await;
    assert_ne!(alice, alice2);
    let again = s
        .ci(
            "GetId",
            json!({"IdentityPoolId": pool, "Logins": {AWS_PROVIDER: alice2}}),
        )
        .await;
    assert_eq!(again["IdentityId"], identity.as_str());
    // Another user: another identity.
    let (bob, _) = s.login(CLIENT, "bob").await;
    let bobs = s
        .ci(
            "GetId",
            json!({"IdentityPoolId": pool, "Logins": {AWS_PROVIDER: bob}}),
        )
        .await["IdentityId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(bobs, identity);

    let now = s.clock.now();
    let out = s
        .ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": identity, "Logins": {AWS_PROVIDER: alice}}),
        )
        .await;
    assert_eq!(out["IdentityId"], identity.as_str());
    let c = &out["Credentials"];
    let key = c["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    assert_eq!(c["SecretKey"].as_str().unwrap().len(), 40);
    assert!(c["SessionToken"].as_str().unwrap().len() > 100);
    assert_eq!(c["Expiration"].as_i64(), Some(now + 3600));
    // Every call: new credentials.
    let out2 = s
        .ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": identity, "Logins": {AWS_PROVIDER: alice}}),
        )
        .await;
    assert_ne!(out2["Credentials"]["AccessKeyId"], c["AccessKeyId"]);

    // GetOpenIdToken: a token of cognito-identity for the identity.
    let open = s
        .ci(
            "GetOpenIdToken",
            json!({"IdentityId": identity, "Logins": {AWS_PROVIDER: alice}}),
        )
        .await;
    assert_eq!(open["IdentityId"], identity.as_str());
    let t = claims(open["Token"].as_str().unwrap());
    assert_eq!(t["sub"], identity.as_str());
    assert_eq!(t["aud"], pool.as_str());
    assert_eq!(t["iss"], "https://cognito-identity.amazonaws.com");
    assert_eq!(t["amr"][0], "authenticated");
    assert_eq!(t["amr"][1], AWS_PROVIDER);
    assert_eq!(t["exp"].as_i64(), Some(now + 600));

    // Alice's identity with Bob's token, or with none.
    let msg = s
        .ci_err(
            "GetCredentialsForIdentity",
            json!({"IdentityId": identity, "Logins": {AWS_PROVIDER: bob}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        msg,
        "Logins don't match. Please include at least one valid login for this identity or identity pool."
    );
    let msg = s
        .ci_err(
            "GetCredentialsForIdentity",
            json!({"IdentityId": identity}),
            "NotAuthorizedException",
        )
        .await;
    assert!(msg.starts_with("Logins don't match."), "{msg}");

    // An hour later the ID token has expired.
    s.clock.advance(3600);
    let later = s.clock.now();
    let exp = claims(&alice)["exp"].as_i64().unwrap();
    for op in ["GetId", "GetCredentialsForIdentity", "GetOpenIdToken"] {
        let msg = s
            .ci_err(
                op,
                json!({"IdentityPoolId": pool, "IdentityId": identity,
                       "Logins": {AWS_PROVIDER: alice}}),
                "NotAuthorizedException",
            )
            .await;
        assert_eq!(
            msg,
            format!("Invalid login token. Token expired: {later} >= {exp}")
        );
    }

    let unknown = "us-east-1:00000000-0000-4000-8000-000000000000";
    let msg = s
        .ci_err(
            "GetCredentialsForIdentity",
            json!({"IdentityId": unknown}),
            "ResourceNotFoundException",
        )
        .await;
    assert_eq!(msg, format!("Identity '{unknown}' not found."));
    let msg = s
        .ci_err(
            "GetId",
            json!({"IdentityPoolId": unknown, "Logins": {AWS_PROVIDER: alice}}),
            "ResourceNotFoundException",
        )
        .await;
    assert_eq!(msg, format!("IdentityPool '{unknown}' not found."));
}

#[tokio::test]
async fn bad_login_tokens_are_refused_with_cognitos_messages() {
    let s = start(IssuerStyle::Local).await;
    let pool = s.identity_pool(AWS_PROVIDER, false).await;
    let (id_token, access) = s.login(CLIENT, "alice").await;
    let (second_client, _) = s.login(SECOND_CLIENT, "alice").await;
    let (carol, _) = s.login(OTHER_CLIENT, "carol").await;
    let tampered = {
        let (signed, sig) = id_token.rsplit_once('.').unwrap();
        let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        sig[0] ^= 1;
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
    };
    let other_provider = format!("cognito-idp.us-east-1.amazonaws.com/{OTHER_POOL}");
    let cases = [
        (
            AWS_PROVIDER,
            access.as_str(),
            "Invalid login token. Missing a required claim: aud",
        ),
        (
            AWS_PROVIDER,
            tampered.as_str(),
            "Invalid login token. Couldn't verify signed token.",
        ),
        (
            AWS_PROVIDER,
            "not-a-jwt",
            "Invalid login token. Not a valid OpenId Connect identity token.",
        ),
        (
            AWS_PROVIDER,
            second_client.as_str(),
            "Token is not from a supported provider of this identity pool.",
        ),
        (
            AWS_PROVIDER,
            carol.as_str(),
            "Invalid login token. Issuer doesn't match providerName",
        ),
        (
            other_provider.as_str(),
            carol.as_str(),
            "Token is not from a supported provider of this identity pool.",
        ),
    ];
    for (provider, token, message) in cases {
        let msg = s
            .ci_err(
                "GetId",
                json!({"IdentityPoolId": pool, "Logins": {provider: token}}),
                "NotAuthorizedException",
            )
            .await;
        assert_eq!(msg, message, "{provider}");
    }
    // No login on a pool without unauthenticated identities.
    let msg = s
        .ci_err(
            "GetId",
            json!({"IdentityPoolId": pool}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        msg,
        "Unauthenticated access is not supported for this identity pool."
    );
    s.ci_err("GetId", json!({}), "InvalidParameterException")
        .await;
    s.ci_err(
        "GetCredentialsForIdentity",
        json!({}),
        "InvalidParameterException",
    )
    .await;

    // No authenticated role: Cognito's configuration error.
    let bare = s
        .ci(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "no roles", "AllowUnauthenticatedIdentities": false,
                   "CognitoIdentityProviders": [{"ProviderName": AWS_PROVIDER, "ClientId": CLIENT}]}),
        )
        .await["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    let identity = s
        .ci(
            "GetId",
            json!({"IdentityPoolId": bare, "Logins": {AWS_PROVIDER: id_token}}),
        )
        .await["IdentityId"]
        .as_str()
        .unwrap()
        .to_owned();
    let msg = s
        .ci_err(
            "GetCredentialsForIdentity",
            json!({"IdentityId": identity, "Logins": {AWS_PROVIDER: id_token}}),
            "InvalidIdentityPoolConfigurationException",
        )
        .await;
    assert_eq!(
        msg,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool."
    );
}

#[tokio::test]
async fn unauthenticated_identities() {
    let s = start(IssuerStyle::Local).await;
    let pool = s.identity_pool(AWS_PROVIDER, true).await;
    let first = s.ci("GetId", json!({"IdentityPoolId": pool})).await["IdentityId"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = s.ci("GetId", json!({"IdentityPoolId": pool})).await["IdentityId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(is_region_uuid(&first) && first != second);
    // Only the authenticated role is set.
    s.ci_err(
        "GetCredentialsForIdentity",
        json!({"IdentityId": first}),
        "InvalidIdentityPoolConfigurationException",
    )
    .await;
    s.ci(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": pool,
               "Roles": {"authenticated": ROLE, "unauthenticated": UNAUTH_ROLE}}),
    )
    .await;
    let out = s
        .ci("GetCredentialsForIdentity", json!({"IdentityId": first}))
        .await;
    assert!(
        out["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );
    let open = s.ci("GetOpenIdToken", json!({"IdentityId": first})).await;
    assert_eq!(
        claims(open["Token"].as_str().unwrap())["amr"],
        json!(["unauthenticated"])
    );
    // Turning unauthenticated access off shuts the existing unauthenticated identities out.
    s.ci(
        "UpdateIdentityPool",
        json!({"IdentityPoolId": pool, "IdentityPoolName": "app pool",
               "AllowUnauthenticatedIdentities": false,
               "CognitoIdentityProviders": [{"ProviderName": AWS_PROVIDER, "ClientId": CLIENT}]}),
    )
    .await;
    let msg = s
        .ci_err(
            "GetCredentialsForIdentity",
            json!({"IdentityId": first}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        msg,
        "Unauthenticated access is not supported for this identity pool."
    );

    // Deleting the pool deletes its identities.
    s.ci("DeleteIdentityPool", json!({"IdentityPoolId": pool}))
        .await;
    let msg = s
        .ci_err(
            "GetCredentialsForIdentity",
            json!({"IdentityId": second}),
            "ResourceNotFoundException",
        )
        .await;
    assert_eq!(msg, format!("Identity '{second}' not found."));
}

#[tokio::test]
async fn provider_name_forms_and_issuer_styles() {
    // Local issuer: the AWS form, HOST:PORT/pool and the issuer URL all accept the token.
    let s = start(IssuerStyle::Local).await;
    let (alice, _) = s.login(CLIENT, "alice").await;
    let local = s.local_provider(POOL);
    let url = s.server.issuer(POOL);
    assert_eq!(url, format!("http://{local}"));
    for provider in [AWS_PROVIDER, local.as_str(), url.as_str()] {
        let pool = s.identity_pool(provider, false).await;
        let id = s
            .ci(
                "GetId",
                json!({"IdentityPoolId": pool, "Logins": {provider: alice}}),
            )
            .await["IdentityId"]
            .as_str()
            .unwrap()
            .to_owned();
        s.ci(
            "GetCredentialsForIdentity",
            json!({"IdentityId": id, "Logins": {provider: alice}}),
        )
        .await;
    }
    // One pool with both forms: the same user is the same identity under either name.
    let both = s
        .ci(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "both", "AllowUnauthenticatedIdentities": false,
                   "CognitoIdentityProviders": [
                       {"ProviderName": AWS_PROVIDER, "ClientId": CLIENT},
                       {"ProviderName": local, "ClientId": CLIENT}]}),
        )
        .await["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = Vec::new();
    for provider in [AWS_PROVIDER, local.as_str()] {
        let got = s
            .ci(
                "GetId",
                json!({"IdentityPoolId": both, "Logins": {provider: alice}}),
            )
            .await;
        ids.push(got["IdentityId"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids[0], ids[1]);
    // A HOST:PORT provider of another port is another issuer.
    let wrong = format!("127.0.0.1:1/{POOL}");
    let pool = s.identity_pool(&wrong, false).await;
    let msg = s
        .ci_err(
            "GetId",
            json!({"IdentityPoolId": pool, "Logins": {wrong: alice}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        msg,
        "Invalid login token. Issuer doesn't match providerName"
    );

    // AWS issuer: the AWS form works, the local form no longer matches the issuer.
    let s = start(IssuerStyle::Aws).await;
    let (alice, _) = s.login(CLIENT, "alice").await;
    assert_eq!(
        claims(&alice)["iss"],
        format!("https://{AWS_PROVIDER}").as_str()
    );
    let pool = s.identity_pool(AWS_PROVIDER, false).await;
    let id = s
        .ci(
            "GetId",
            json!({"IdentityPoolId": pool, "Logins": {AWS_PROVIDER: alice}}),
        )
        .await["IdentityId"]
        .as_str()
        .unwrap()
        .to_owned();
    s.ci(
        "GetCredentialsForIdentity",
        json!({"IdentityId": id, "Logins": {AWS_PROVIDER: alice}}),
    )
    .await;
    let local = s.local_provider(POOL);
    let pool = s.identity_pool(&local, false).await;
    let msg = s
        .ci_err(
            "GetId",
            json!({"IdentityPoolId": pool, "Logins": {local: alice}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        msg,
        "Invalid login token. Issuer doesn't match providerName"
    );
}
