//! Lambda triggers around the domain's endpoints, through a Lambda service played by the test:
//! a sign-in on the hosted page calls PostAuthentication and records an auth event as an API
//! sign-in does; the tokens of a code exchange are `TokenGeneration_HostedAuth` for pre token
//! generation, those of the token endpoint's refresh `TokenGeneration_RefreshTokens`; machine
//! tokens go to a V3_0 trigger as `TokenGeneration_ClientCredentials`.

use std::collections::HashMap;

use super::lambda_service::LambdaService;
use super::*;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

/// Pre token generation (V1_0): the event's `triggerSource` as a claim of the ID token.
const PRE_TOKEN: &str = r#"
def handler(event, context):
    event["response"] = {"claimsOverrideDetails": {
        "claimsToAddOrOverride": {"trigger_source": event["triggerSource"]}}}
    return event
"#;

const POST_AUTHENTICATION: &str = r#"
def handler(event, context):
    return event
"#;

#[tokio::test]
async fn hosted_sign_in_and_token_endpoint_call_the_triggers() {
    let dir = std::env::temp_dir().join(format!("cognate-oauth-triggers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut functions = HashMap::new();
    for (name, source) in [("pre-token", PRE_TOKEN), ("post-auth", POST_AUTHENTICATION)] {
        let path = dir.join(format!("{}.py", name.replace('-', "_")));
        std::fs::write(&path, source).unwrap();
        functions.insert(name.to_owned(), path);
    }
    let (lambda, endpoint) = LambdaService::start(functions).await;
    let env = start_with(|b| b.lambda_endpoint(endpoint)).await;
    let s = setup(&env).await;
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": POOL,
               "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"},
               "LambdaConfig": {"PreTokenGeneration": format!("{ARN}pre-token"),
                                "PostAuthentication": format!("{ARN}post-auth")}}),
    )
    .await;

    // A wrong password on the page calls nothing; the right one calls PostAuthentication once.
    let url = authorize_url(&env, &s.web, &[("scope", "openid email")]);
    let resp = sign_in(&env, &url, "alice", "wrong").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(lambda.events("post-auth").is_empty());
    let resp = sign_in(&env, &url, "alice", "Correct horse 1!").await;
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let code = query_param(&location, "code").unwrap();
    let post = lambda.events("post-auth");
    assert_eq!(post.len(), 1, "{post:?}");
    assert_eq!(
        post[0]["triggerSource"],
        "PostAuthentication_Authentication"
    );
    assert_eq!(post[0]["userName"], "alice");
    assert_eq!(post[0]["callerContext"]["clientId"], s.web.as_str());
    // The page's sign-in is in the user's auth events, as an API sign-in is.
    let events = env
        .ok(
            "AdminListUserAuthEvents",
            json!({"UserPoolId": POOL, "Username": "alice"}),
        )
        .await;
    let events = events["AuthEvents"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["EventType"] == "SignIn" && e["EventResponse"] == "Pass"),
        "{events:?}"
    );

    // The code's tokens: TokenGeneration_HostedAuth.
    let (status, tokens) = env
        .token(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &s.web),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(status, 200, "{tokens}");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["trigger_source"], "TokenGeneration_HostedAuth", "{id}");
    // A refresh at the token endpoint: TokenGeneration_RefreshTokens.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, tokens) = env
        .token(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(status, 200, "{tokens}");
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(
        id["trigger_source"], "TokenGeneration_RefreshTokens",
        "{id}"
    );
    let sources: Vec<Value> = lambda
        .events("pre-token")
        .iter()
        .map(|e| e["triggerSource"].clone())
        .collect();
    assert_eq!(
        sources,
        vec![
            json!("TokenGeneration_HostedAuth"),
            json!("TokenGeneration_RefreshTokens")
        ]
    );
    env.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Pre token generation V3_0 for machine tokens: a claim from the client metadata, a scope
/// suppressed, and a protected claim it may not change.
const PRE_TOKEN_V3: &str = r#"
def handler(event, context):
    if event["triggerSource"] == "TokenGeneration_ClientCredentials":
        event["response"]["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {
            "claimsToAddOrOverride": {
                "tenant": (event["request"].get("clientMetadata") or {}).get("tenant", "none"),
                "client_id": "forged"},
            "scopesToSuppress": ["https://api.shop/write"]}}
    return event
"#;

#[tokio::test]
async fn machine_tokens_go_through_a_v3_pre_token_generation_trigger() {
    let dir = std::env::temp_dir().join(format!("cognate-oauth-v3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pre_token_v3.py");
    std::fs::write(&path, PRE_TOKEN_V3).unwrap();
    let (lambda, endpoint) =
        LambdaService::start(HashMap::from([("pre-token".to_owned(), path)])).await;
    let env = start_with(|b| b.lambda_endpoint(endpoint)).await;
    let s = setup(&env).await;
    let grant = |metadata: Option<&'static str>| {
        let env = &env;
        let s = &s;
        async move {
            let mut form = vec![
                ("grant_type", "client_credentials"),
                ("scope", "https://api.shop/read https://api.shop/write"),
            ];
            if let Some(m) = metadata {
                form.push(("aws_client_metadata", m));
            }
            env.token(Some((&s.machine, &s.machine_secret)), &form)
                .await
        }
    };
    // A V2_0 trigger is not called for machine tokens.
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": POOL, "LambdaConfig": {"PreTokenGenerationConfig":
            {"LambdaArn": format!("{ARN}pre-token"), "LambdaVersion": "V2_0"}}}),
    )
    .await;
    let (status, tokens) = grant(None).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(lambda.events("pre-token").is_empty());
    let plain = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(
        plain["scope"],
        "https://api.shop/read https://api.shop/write"
    );

    // V3_0: called, with the metadata; the event has no user.
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": POOL, "LambdaConfig": {"PreTokenGenerationConfig":
            {"LambdaArn": format!("{ARN}pre-token"), "LambdaVersion": "V3_0"}}}),
    )
    .await;
    let (status, tokens) = grant(Some(r#"{"tenant":"acme"}"#)).await;
    assert_eq!(status, 200, "{tokens}");
    let access = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["tenant"], "acme", "{access}");
    assert_eq!(
        access["client_id"],
        s.machine.as_str(),
        "a protected claim stays"
    );
    assert_eq!(access["scope"], "https://api.shop/read");
    let events = lambda.events("pre-token");
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["version"], "3");
    assert_eq!(event["triggerSource"], "TokenGeneration_ClientCredentials");
    assert_eq!(event["callerContext"]["clientId"], s.machine.as_str());
    assert!(event.get("userName").is_none(), "{event}");
    assert_eq!(event["request"]["userAttributes"], json!({}));
    assert_eq!(
        event["request"]["scopes"],
        json!(["https://api.shop/read", "https://api.shop/write"])
    );
    assert_eq!(
        event["request"]["clientMetadata"],
        json!({"tenant": "acme"})
    );
    // Metadata that is not a JSON object of strings: invalid_request.
    let (status, body) = grant(Some("not json")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // GetClientToken's ClientMetadata reaches the same trigger.
    let token = env
        .ok(
            "GetClientToken",
            json!({"ClientId": s.machine, "Secret": s.machine_secret,
                   "ClientMetadata": {"tenant": "globex"}}),
        )
        .await;
    let access = claims(
        token["ClientAuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(access["tenant"], "globex", "{access}");
    env.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
