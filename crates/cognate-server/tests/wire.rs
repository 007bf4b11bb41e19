//! The wire contract: AWS JSON 1.1 errors for bad input (never a 500), JWKS, OpenID discovery,
//! health, and token claims as DESIGN.md lists them.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_server::{IssuerStyle, RunningServer, Seed, Server};
use serde_json::{Value, json};

const SEED: &str = r#"
[[pools]]
id = "us-east-1_WireTest1"
name = "wire"
Schema = [{ Name = "companyId", AttributeDataType = "String" }]

[[pools.clients]]
name = "web"
id = "wireclientaaaaaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
attributes = { email = "alice@example.com", email_verified = "true", "custom:companyId" = "42" }
"#;

async fn start(style: IssuerStyle) -> RunningServer {
    common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .issuer_style(style)
        .seed_data(Seed::from_toml(SEED).unwrap())
        .start()
        .await
        .unwrap()
}

async fn post(server: &RunningServer, target: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(server.endpoint_url())
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_owned());
    if let Some(t) = target {
        req = req.header("X-Amz-Target", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn op(name: &str) -> String {
    format!("AWSCognitoIdentityProviderService.{name}")
}

#[tokio::test]
async fn bad_input_is_a_400_with_the_cognito_error_shape() {
    let server = start(IssuerStyle::Local).await;
    let cases: Vec<(Option<String>, &str, &str, &str)> = vec![
        (
            Some(op("NoSuchOperation")),
            "{}",
            "UnknownOperationException",
            "NoSuchOperation",
        ),
        (None, "{}", "UnknownOperationException", "X-Amz-Target"),
        // AWS JSON 1.1: an unparsable body or a member of the wrong JSON type is a
        // SerializationException, not a validation error.
        (
            Some(op("CreateUserPool")),
            "{not json",
            "SerializationException",
            "not valid JSON",
        ),
        (
            Some(op("CreateUserPool")),
            "[1,2]",
            "SerializationException",
            "Start of list found where not expected",
        ),
        (
            Some(op("CreateUserPool")),
            "{}",
            "InvalidParameterException",
            "'poolName'",
        ),
        (
            Some(op("AdminGetUser")),
            r#"{"UserPoolId":"us-east-1_WireTest1"}"#,
            "InvalidParameterException",
            "'username'",
        ),
        (
            Some(op("AdminGetUser")),
            r#"{"UserPoolId":7,"Username":"x"}"#,
            "SerializationException",
            "can not be converted to an String",
        ),
        // A malformed id is a validation error (the model's pattern), not a missing pool.
        (
            Some(op("DescribeUserPool")),
            r#"{"UserPoolId":"not a pool id!"}"#,
            "InvalidParameterException",
            "1 validation error detected: Value 'not a pool id!' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+",
        ),
        // Enum members are checked.
        (
            Some(op("SetUserPoolMfaConfig")),
            r#"{"UserPoolId":"us-east-1_WireTest1","MfaConfiguration":"BOGUS"}"#,
            "InvalidParameterException",
            "Value 'BOGUS' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]",
        ),
        // A non-string attribute value is refused, not stored as "".
        (
            Some(op("AdminUpdateUserAttributes")),
            r#"{"UserPoolId":"us-east-1_WireTest1","Username":"alice","UserAttributes":[{"Name":"email","Value":5}]}"#,
            "SerializationException",
            "can not be converted to an String",
        ),
        // Lengths count characters: 129 two-byte characters exceed GroupName's 128.
        (
            Some(op("GetGroup")),
            &*Box::leak(
                format!(
                    r#"{{"UserPoolId":"us-east-1_WireTest1","GroupName":"{}"}}"#,
                    "é".repeat(129)
                )
                .into_boxed_str(),
            ),
            "InvalidParameterException",
            "Member must have length less than or equal to 128",
        ),
        // Several violations in one message, with AWS's count.
        (
            Some(op("AdminGetUser")),
            "{}",
            "InvalidParameterException",
            "2 validation errors detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; Value null at 'username' failed to satisfy constraint: Member must not be null",
        ),
        (
            Some(op("InitiateAuth")),
            r#"{"ClientId":"wireclientaaaaaaaaaaaaaaaa","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"alice"}}"#,
            "InvalidParameterException",
            "PASSWORD",
        ),
        (
            Some(op("InitiateAuth")),
            r#"{"ClientId":"nosuchclient","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{}}"#,
            "ResourceNotFoundException",
            "nosuchclient",
        ),
        (
            Some(op("InitiateAuth")),
            r#"{"ClientId":"wireclientaaaaaaaaaaaaaaaa","AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"alice","SRP_A":"ab"}}"#,
            "InvalidParameterException",
            "USER_SRP_AUTH",
        ),
        (
            Some(op("InitiateAuth")),
            r#"{"ClientId":"wireclientaaaaaaaaaaaaaaaa","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"alice","PASSWORD":"no"}}"#,
            "NotAuthorizedException",
            "Incorrect username or password.",
        ),
        (
            Some(op("InitiateAuth")),
            r#"{"ClientId":"wireclientaaaaaaaaaaaaaaaa","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"ghost","PASSWORD":"no"}}"#,
            "UserNotFoundException",
            "User does not exist.",
        ),
        (
            Some(op("RespondToAuthChallenge")),
            r#"{"ClientId":"wireclientaaaaaaaaaaaaaaaa","ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"USERNAME":"alice","PASSWORD_CLAIM_SECRET_BLOCK":"AAAA","PASSWORD_CLAIM_SIGNATURE":"AAAA","TIMESTAMP":"Mon Feb 3 08:05:09 UTC 2025"}}"#,
            "NotAuthorizedException",
            "Incorrect username or password.",
        ),
        (
            Some(op("GetUser")),
            r#"{"AccessToken":"not.a.token"}"#,
            "NotAuthorizedException",
            "Invalid Access Token",
        ),
        (
            Some(op("ListUsers")),
            r#"{"UserPoolId":"us-east-1_WireTest1","Filter":"bogus"}"#,
            "InvalidParameterException",
            "filter",
        ),
    ];
    // A pagination token at the end of the number range must not overflow.
    let huge = base64::engine::general_purpose::STANDARD.encode(format!("offset:{}", u64::MAX));
    for o in ["ListUserPools", "ListUserPoolClients", "ListUsers"] {
        let body = json!({"UserPoolId": "us-east-1_WireTest1", "MaxResults": 60, "NextToken": huge, "PaginationToken": huge});
        let (status, v) = post(&server, Some(&op(o)), &body.to_string()).await;
        assert_eq!(status, 200, "{o}: {v}");
    }
    for (target, body, kind, fragment) in cases {
        let (status, v) = post(&server, target.as_deref(), body).await;
        assert_eq!(status, 400, "{target:?} {body}: {v}");
        assert_eq!(v["__type"], kind, "{target:?} {body}: {v}");
        // AWS spells the key `Message` on SerializationException.
        let message = v["message"].as_str().or(v["Message"].as_str()).unwrap();
        assert!(message.contains(fragment), "{target:?} {body}: {message}");
    }
    server.shutdown().await;
}

fn claims(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let header = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    let body = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    (
        serde_json::from_slice(&header).unwrap(),
        serde_json::from_slice(&body).unwrap(),
    )
}

#[test]
fn seed_files_in_toml_and_json_say_the_same() {
    let dir = std::env::temp_dir().join(format!("cognate-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json_seed = json!({"pools": [{"id": "us-east-1_WireTest1", "name": "wire",
        "Schema": [{"Name": "companyId", "AttributeDataType": "String"}],
        "clients": [{"name": "web", "id": "wireclientaaaaaaaaaaaaaaaa",
                     "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}],
        "users": [{"username": "alice", "password": "Correct horse 1!",
                   "attributes": {"email": "alice@example.com", "email_verified": "true", "custom:companyId": "42"}}]}]});
    std::fs::write(dir.join("seed.json"), json_seed.to_string()).unwrap();
    std::fs::write(dir.join("seed.toml"), SEED).unwrap();
    let a = Seed::from_file(&dir.join("seed.json")).unwrap();
    let b = Seed::from_file(&dir.join("seed.toml")).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    std::fs::write(dir.join("bad.toml"), "[[pools]]\nnom = 1\n").unwrap();
    let err = Seed::from_file(&dir.join("bad.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn tokens_carry_cognito_claims_and_verify_against_the_jwks() {
    for style in [IssuerStyle::Local, IssuerStyle::Aws] {
        let server = start(style.clone()).await;
        let (status, login) = post(
            &server,
            Some(&op("InitiateAuth")),
            &json!({"ClientId": "wireclientaaaaaaaaaaaaaaaa", "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"}})
            .to_string(),
        )
        .await;
        assert_eq!(status, 200, "{login}");
        let result = &login["AuthenticationResult"];
        let (ah, access) = claims(result["AccessToken"].as_str().unwrap());
        let (ih, id) = claims(result["IdToken"].as_str().unwrap());
        assert_ne!(
            ah["kid"], ih["kid"],
            "access and ID tokens use different keys"
        );
        let iss = match style {
            IssuerStyle::Aws => {
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_WireTest1".to_owned()
            }
            _ => format!("{}/us-east-1_WireTest1", server.endpoint_url()),
        };
        let mut keys: Vec<&str> = access
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "auth_time",
                "client_id",
                "event_id",
                "exp",
                "iat",
                "iss",
                "jti",
                "origin_jti",
                "scope",
                "sub",
                "token_use",
                "username",
                "version"
            ]
        );
        assert_eq!(access["iss"], iss);
        assert_eq!(access["token_use"], "access");
        assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
        assert_eq!(access["username"], "alice");
        assert_eq!(id["iss"], iss);
        assert_eq!(id["aud"], "wireclientaaaaaaaaaaaaaaaa");
        assert_eq!(id["token_use"], "id");
        assert_eq!(id["cognito:username"], "alice");
        assert_eq!(id["email"], "alice@example.com");
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["custom:companyId"], "42");
        assert_eq!(id["sub"], access["sub"]);
        assert_eq!(id["origin_jti"], access["origin_jti"]);
        assert_eq!(id["event_id"], access["event_id"]);
        assert_eq!(
            access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
            3600
        );

        // Verify both with jsonwebtoken against the served JWKS.
        let jwks: Value = reqwest::get(format!(
            "{}/us-east-1_WireTest1/.well-known/jwks.json",
            server.endpoint_url()
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        for (token, header) in [
            (result["AccessToken"].as_str().unwrap(), &ah),
            (result["IdToken"].as_str().unwrap(), &ih),
        ] {
            let jwk = jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kid"] == header["kid"])
                .unwrap();
            let key = jsonwebtoken::DecodingKey::from_rsa_components(
                jwk["n"].as_str().unwrap(),
                jwk["e"].as_str().unwrap(),
            )
            .unwrap();
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            validation.set_issuer(&[iss.as_str()]);
            validation.validate_aud = false;
            jsonwebtoken::decode::<Value>(token, &key, &validation).unwrap();
        }
        let discovery: Value = reqwest::get(format!(
            "{}/us-east-1_WireTest1/.well-known/openid-configuration",
            server.endpoint_url()
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(discovery["issuer"], iss);
        let missing = reqwest::get(format!(
            "{}/us-east-1_Nope12345/.well-known/jwks.json",
            server.endpoint_url()
        ))
        .await
        .unwrap();
        assert_eq!(missing.status().as_u16(), 404);
        let health = reqwest::get(format!("{}/health", server.endpoint_url()))
            .await
            .unwrap();
        assert_eq!(health.status().as_u16(), 200);
        server.shutdown().await;
    }
}

#[tokio::test]
async fn state_survives_a_restart_on_the_same_data_dir() {
    let dir = std::env::temp_dir().join(format!("cognate-wire-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let body = json!({"ClientId": "wireclientaaaaaaaaaaaaaaaa", "AuthFlow": "USER_PASSWORD_AUTH",
                      "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"}})
    .to_string();
    let boot = || {
        common::durable(Server::builder(), &dir)
            .bind("127.0.0.1:0")
            .seed_data(Seed::from_toml(SEED).unwrap())
            .start()
    };
    let first = boot().await.unwrap();
    let (_, login) = post(&first, Some(&op("InitiateAuth")), &body).await;
    let refresh = login["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    first.shutdown().await;
    let second = boot().await.unwrap();
    let (status, again) = post(
        &second,
        Some(&op("InitiateAuth")),
        &json!({"ClientId": "wireclientaaaaaaaaaaaaaaaa", "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": refresh}})
        .to_string(),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// UpdateUserPool and UpdateUserPoolClient replace the settings as Cognito does: what the
/// request leaves out goes back to its default instead of keeping the old value.
#[tokio::test]
async fn updates_reset_what_they_leave_out_to_the_defaults() {
    let server = start(IssuerStyle::Local).await;
    let pool = "us-east-1_WireTest1";
    let (status, _) = post(
        &server,
        Some(&op("UpdateUserPool")),
        &json!({"UserPoolId": pool,
                "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": false}},
                "DeletionProtection": "ACTIVE",
                "AutoVerifiedAttributes": ["email"],
                "UserPoolTags": {"team": "api"},
                "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true}})
        .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let describe = json!({"UserPoolId": pool}).to_string();
    let (_, d) = post(&server, Some(&op("DescribeUserPool")), &describe).await;
    let p = &d["UserPool"];
    assert_eq!(p["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
    assert_eq!(p["DeletionProtection"], "ACTIVE");
    assert_eq!(p["AutoVerifiedAttributes"], json!(["email"]));
    assert_eq!(p["UserPoolTags"], json!({"team": "api"}));
    assert_eq!(
        p["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"],
        true
    );
    assert_eq!(p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"], true);

    // Only the tags now: everything else is back to its default.
    let (status, _) = post(
        &server,
        Some(&op("UpdateUserPool")),
        &json!({"UserPoolId": pool, "UserPoolTags": {"team": "web"}}).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let (_, d) = post(&server, Some(&op("DescribeUserPool")), &describe).await;
    let p = &d["UserPool"];
    assert_eq!(p["Policies"]["PasswordPolicy"]["MinimumLength"], 8);
    assert_eq!(p["Policies"]["PasswordPolicy"]["RequireSymbols"], true);
    assert_eq!(p["DeletionProtection"], "INACTIVE");
    assert_eq!(p["MfaConfiguration"], "OFF");
    assert!(p.get("DeviceConfiguration").is_none(), "{p}");
    assert_eq!(p["UserPoolTags"], json!({"team": "web"}));
    assert_ne!(p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"], true);
    // Fixed at creation: the name and the schema stay.
    assert_eq!(p["Name"], "wire");
    let schema = p["SchemaAttributes"].as_array().unwrap();
    assert!(
        schema.iter().any(|a| a["Name"] == "custom:companyId"),
        "{p}"
    );

    let client = "wireclientaaaaaaaaaaaaaaaa";
    let (status, _) = post(
        &server,
        Some(&op("UpdateUserPoolClient")),
        &json!({"UserPoolId": pool, "ClientId": client, "AccessTokenValidity": 5,
                "TokenValidityUnits": {"AccessToken": "minutes"},
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED"})
        .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &server,
        Some(&op("UpdateUserPoolClient")),
        &json!({"UserPoolId": pool, "ClientId": client}).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    let (_, d) = post(
        &server,
        Some(&op("DescribeUserPoolClient")),
        &json!({"UserPoolId": pool, "ClientId": client}).to_string(),
    )
    .await;
    let c = &d["UserPoolClient"];
    assert_eq!(c["ClientName"], "web");
    assert_eq!(c["AccessTokenValidity"], 60, "{c}");
    assert_eq!(c["PreventUserExistenceErrors"], "LEGACY");
    let flows = c["ExplicitAuthFlows"].as_array().unwrap();
    assert!(
        flows.iter().any(|f| f == "ALLOW_USER_SRP_AUTH"),
        "the default flows are back: {c}"
    );
    server.shutdown().await;
}
