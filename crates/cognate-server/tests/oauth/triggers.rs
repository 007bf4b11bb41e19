//! Lambda triggers around the domain's endpoints, through a Lambda service played by the test:
//! a sign-in on the hosted page calls PostAuthentication and records an auth event as an API
//! sign-in does; the tokens of a code exchange are `TokenGeneration_HostedAuth` for pre token
//! generation, those of the token endpoint's refresh `TokenGeneration_RefreshTokens`.

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
