//! Behaviour that differed from AWS's, each case as found when the server was tried as a
//! careful user would, on the wire: explicit client secrets, MFA required with SMS or email as
//! the only factor, NEW_PASSWORD_REQUIRED's attributes, refresh-token rotation and its flows,
//! AdminCreateUser's invitation, the 2024–25 auth flows, and exceptions outside an
//! operation's modeled list.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use cognate_server::{RunningServer, Server};
use common::idp_call;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct horse 1!";

async fn start() -> RunningServer {
    common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

async fn call(s: &RunningServer, op: &str, body: Value) -> Result<Value, (String, String)> {
    idp_call(&s.endpoint_url(), op, body).await
}

async fn ok(s: &RunningServer, op: &str, body: Value) -> Value {
    match call(s, op, body).await {
        Ok(v) => v,
        Err(e) => panic!("{op}: {e:?}"),
    }
}

fn err(kind: &str, message: &str) -> Result<Value, (String, String)> {
    Err((kind.to_owned(), message.to_owned()))
}

async fn pool(s: &RunningServer, extra: Value) -> String {
    let mut body = json!({"PoolName": "fidelity"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    ok(s, "CreateUserPool", body).await["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn client(s: &RunningServer, pool: &str, extra: Value) -> Value {
    let mut body = json!({"UserPoolId": pool, "ClientName": "app",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    ok(s, "CreateUserPoolClient", body).await["UserPoolClient"].clone()
}

async fn user(s: &RunningServer, pool: &str, name: &str, attrs: Value) {
    ok(
        s,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": name, "UserAttributes": attrs,
               "MessageAction": "SUPPRESS"}),
    )
    .await;
    ok(
        s,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": name, "Password": PASSWORD, "Permanent": true}),
    )
    .await;
}

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn login(
    s: &RunningServer,
    client_id: &str,
    username: &str,
    extra: &[(&str, &str)],
) -> Result<Value, (String, String)> {
    let mut params = json!({"USERNAME": username, "PASSWORD": PASSWORD});
    for (k, v) in extra {
        params[*k] = json!(v);
    }
    call(
        s,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id, "AuthParameters": params}),
    )
    .await
}

#[tokio::test]
async fn an_explicit_client_secret_is_the_clients_secret() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let secret = "MyOwnClientSecret0123456789abcdef";
    let c = client(&s, &pool, json!({"ClientSecret": secret})).await;
    let id = c["ClientId"].as_str().unwrap();
    assert_eq!(c["ClientSecret"], secret);
    user(&s, &pool, "alice", json!([])).await;
    // Without SECRET_HASH the secret is enforced …
    assert_eq!(
        login(&s, id, "alice", &[]).await,
        err(
            "NotAuthorizedException",
            &format!("Client {id} is configured for secret but secret was not received")
        )
    );
    // … and a SECRET_HASH made from it is accepted.
    let hash = secret_hash(secret, "alice", id);
    let v = login(&s, id, "alice", &[("SECRET_HASH", &hash)])
        .await
        .unwrap();
    assert!(v["AuthenticationResult"]["AccessToken"].is_string());
    // Both a generated and a given secret at once is refused.
    assert_eq!(
        call(
            &s,
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "x", "GenerateSecret": true,
                   "ClientSecret": secret})
        )
        .await,
        err(
            "InvalidParameterException",
            "You cannot specify both GenerateSecret as true and provide a ClientSecret value."
        )
    );
    s.shutdown().await;
}

#[tokio::test]
async fn required_mfa_with_sms_or_email_as_the_only_factor_never_skips_the_second_factor() {
    let s = start().await;
    for (config, attribute, value, challenge) in [
        (
            json!({"SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"}}}),
            "phone_number",
            "+15555550100",
            "SMS_MFA",
        ),
        (
            json!({"EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"}}),
            "email",
            "dora@example.com",
            "EMAIL_OTP",
        ),
    ] {
        let pool = pool(&s, json!({})).await;
        let mut body = config.clone();
        body["UserPoolId"] = json!(pool);
        body["MfaConfiguration"] = json!("ON");
        ok(&s, "SetUserPoolMfaConfig", body).await;
        let c = client(&s, &pool, json!({})).await;
        let id = c["ClientId"].as_str().unwrap();
        user(
            &s,
            &pool,
            "dora",
            json!([{"Name": attribute, "Value": value}]),
        )
        .await;
        user(&s, &pool, "noattr", json!([])).await;
        // A user with the attribute gets the code challenge, not tokens …
        let v = login(&s, id, "dora", &[]).await.unwrap();
        assert_eq!(v["ChallengeName"], challenge, "{v}");
        assert!(v.get("AuthenticationResult").is_none(), "{v}");
        // … and a user with nowhere to send a code must set a factor up first.
        let v = login(&s, id, "noattr", &[]).await.unwrap();
        assert_eq!(v["ChallengeName"], "MFA_SETUP", "{v}");
        assert!(v.get("AuthenticationResult").is_none(), "{v}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn new_password_required_takes_only_schema_attributes_the_client_may_write() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let c = client(&s, &pool, json!({})).await;
    let id = c["ClientId"].as_str().unwrap();
    ok(
        &s,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "erin", "TemporaryPassword": PASSWORD,
               "MessageAction": "SUPPRESS"}),
    )
    .await;
    let challenge = login(&s, id, "erin", &[]).await.unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let session = challenge["Session"].as_str().unwrap();
    let answer = |responses: Value| {
        json!({"ClientId": id, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
               "ChallengeResponses": responses})
    };
    let new = "Another horse 2!";
    // USERNAME is required.
    assert_eq!(
        call(
            &s,
            "RespondToAuthChallenge",
            answer(json!({"NEW_PASSWORD": new, "userAttributes.name": "E"}))
        )
        .await,
        err(
            "InvalidParameterException",
            "Missing required parameter USERNAME"
        )
    );
    // Not in the schema.
    assert_eq!(
        call(
            &s,
            "RespondToAuthChallenge",
            answer(json!({"USERNAME": "erin", "NEW_PASSWORD": new,
                          "userAttributes.nickname_of_cat": "x"}))
        )
        .await,
        err(
            "InvalidParameterException",
            "Attributes did not conform to the schema: nickname_of_cat: Attribute does not exist in the schema.\n"
        )
    );
    // Verification flags are the administrator's.
    assert_eq!(
        call(
            &s,
            "RespondToAuthChallenge",
            answer(json!({"USERNAME": "erin", "NEW_PASSWORD": new,
                          "userAttributes.email_verified": "true"}))
        )
        .await,
        err(
            "NotAuthorizedException",
            "A client attempted to write unauthorized attribute"
        )
    );
    // Another user's name with this session.
    user(&s, &pool, "other", json!([])).await;
    assert_eq!(
        call(
            &s,
            "RespondToAuthChallenge",
            answer(json!({"USERNAME": "other", "NEW_PASSWORD": new}))
        )
        .await,
        err("NotAuthorizedException", "Invalid session for the user.")
    );
    // Nothing of the refused answers was stored; the right answer signs in.
    let v = ok(
        &s,
        "RespondToAuthChallenge",
        answer(json!({"USERNAME": "erin", "NEW_PASSWORD": new, "userAttributes.name": "Erin E"})),
    )
    .await;
    assert!(v["AuthenticationResult"]["AccessToken"].is_string(), "{v}");
    let u = ok(
        &s,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "erin"}),
    )
    .await;
    let attrs = u["UserAttributes"].as_array().unwrap();
    assert!(
        attrs.contains(&json!({"Name": "name", "Value": "Erin E"})),
        "{u}"
    );
    assert!(!attrs.iter().any(|a| a["Name"] == "email_verified"), "{u}");
    s.shutdown().await;
}

#[tokio::test]
async fn refresh_token_rotation_refreshes_only_through_get_tokens_from_refresh_token() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    user(&s, &pool, "finn", json!([])).await;
    // AWS's guide: a rotation client drops ALLOW_REFRESH_TOKEN_AUTH and refreshes with
    // GetTokensFromRefreshToken.
    let rotating = client(
        &s,
        &pool,
        json!({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
               "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}}),
    )
    .await;
    let id = rotating["ClientId"].as_str().unwrap();
    let tokens = login(&s, id, "finn", &[]).await.unwrap()["AuthenticationResult"].clone();
    let refresh = tokens["RefreshToken"].as_str().unwrap();
    let v = ok(
        &s,
        "GetTokensFromRefreshToken",
        json!({"ClientId": id, "RefreshToken": refresh}),
    )
    .await;
    assert!(v["AuthenticationResult"]["RefreshToken"].is_string(), "{v}");
    // Even with the flag, REFRESH_TOKEN_AUTH does not work on a rotation client.
    let both = client(
        &s,
        &pool,
        json!({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
               "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}}),
    )
    .await;
    let id = both["ClientId"].as_str().unwrap();
    let tokens = login(&s, id, "finn", &[]).await.unwrap()["AuthenticationResult"].clone();
    assert_eq!(
        call(
            &s,
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": id,
                   "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
        )
        .await,
        err(
            "InvalidParameterException",
            "REFRESH_TOKEN_AUTH flow not enabled for this client"
        )
    );
    s.shutdown().await;
}

async fn outbox(s: &RunningServer, pool: &str) -> Vec<Value> {
    let url = format!("{}/_cognate/outbox?pool={pool}", s.endpoint_url());
    let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    v["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn admin_create_user_sends_the_generated_temporary_password() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let c = client(&s, &pool, json!({})).await;
    let id = c["ClientId"].as_str().unwrap();
    ok(
        &s,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "gail", "DesiredDeliveryMediums": ["EMAIL"],
               "UserAttributes": [{"Name": "email", "Value": "gail@example.com"}]}),
    )
    .await;
    let msgs = outbox(&s, &pool).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["purpose"], "INVITATION");
    assert_eq!(msgs[0]["medium"], "EMAIL");
    assert_eq!(msgs[0]["destination"], "gail@example.com");
    let temporary = msgs[0]["code"].as_str().unwrap();
    let v = call(
        &s,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": id,
               "AuthParameters": {"USERNAME": "gail", "PASSWORD": temporary}}),
    )
    .await
    .unwrap();
    assert_eq!(v["ChallengeName"], "NEW_PASSWORD_REQUIRED", "{v}");
    // SUPPRESS sends nothing.
    ok(
        &s,
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "hank", "MessageAction": "SUPPRESS"}),
    )
    .await;
    assert_eq!(outbox(&s, &pool).await.len(), 1);
    s.shutdown().await;
}

#[tokio::test]
async fn every_modeled_auth_flow_is_accepted_by_create_user_pool_client() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let flows = json!([
        "ALLOW_USER_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_TOKEN_EXCHANGE_DELEGATION",
        "ALLOW_TOKEN_EXCHANGE_IMPERSONATION"
    ]);
    let c = client(&s, &pool, json!({"ExplicitAuthFlows": flows})).await;
    assert_eq!(c["ExplicitAuthFlows"], flows);
    s.shutdown().await;
}

#[tokio::test]
async fn a_missing_user_is_answered_with_the_operations_modeled_exception() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let c = client(&s, &pool, json!({})).await;
    let id = c["ClientId"].as_str().unwrap();
    user(&s, &pool, "ivan", json!([])).await;
    let tokens = login(&s, id, "ivan", &[]).await.unwrap()["AuthenticationResult"].clone();
    let access = tokens["AccessToken"].as_str().unwrap();
    ok(
        &s,
        "AdminDeleteUser",
        json!({"UserPoolId": pool, "Username": "ivan"}),
    )
    .await;
    // GlobalSignOut and AssociateSoftwareToken model no UserNotFoundException.
    for op in ["GlobalSignOut", "AssociateSoftwareToken"] {
        assert_eq!(
            call(&s, op, json!({"AccessToken": access})).await,
            err("NotAuthorizedException", "User does not exist."),
            "{op}"
        );
    }
    // GetUser does model it.
    assert_eq!(
        call(&s, "GetUser", json!({"AccessToken": access})).await,
        err("UserNotFoundException", "User does not exist.")
    );
    // AdminGetDevice: an administrator's call about a missing user.
    assert_eq!(
        call(
            &s,
            "AdminGetDevice",
            json!({"UserPoolId": pool, "Username": "ivan", "DeviceKey": "us-east-1_0a0b0c0d-0000-4000-8000-000000000000"})
        )
        .await,
        err("ResourceNotFoundException", "User does not exist.")
    );
    s.shutdown().await;
}

#[tokio::test]
async fn a_flow_of_the_other_api_is_not_supported_by_this_one() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let app = client(
        &s,
        &pool,
        json!({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                     "ALLOW_REFRESH_TOKEN_AUTH"]}),
    )
    .await;
    let id = app["ClientId"].as_str().unwrap();
    user(&s, &pool, "alice", json!([])).await;
    let params = json!({"USERNAME": "alice", "PASSWORD": PASSWORD});
    for flow in ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"] {
        assert_eq!(
            call(
                &s,
                "InitiateAuth",
                json!({"ClientId": id, "AuthFlow": flow, "AuthParameters": params}),
            )
            .await,
            err(
                "InvalidParameterException",
                "Initiate Auth method not supported."
            ),
            "{flow}"
        );
    }
    assert_eq!(
        call(
            &s,
            "AdminInitiateAuth",
            json!({"UserPoolId": pool, "ClientId": id, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": params}),
        )
        .await,
        err(
            "InvalidParameterException",
            "Initiate Auth method not supported."
        )
    );
    // Each flow on its own API still signs in.
    for (op, flow) in [
        ("InitiateAuth", "USER_PASSWORD_AUTH"),
        ("AdminInitiateAuth", "ADMIN_USER_PASSWORD_AUTH"),
    ] {
        let answer = ok(
            &s,
            op,
            json!({"UserPoolId": pool, "ClientId": id, "AuthFlow": flow, "AuthParameters": params}),
        )
        .await;
        assert!(
            answer["AuthenticationResult"]["AccessToken"].is_string(),
            "{op}"
        );
    }
}

/// Auth events are recorded only while the pool has threat protection, as in Cognito: sign-ins
/// made before `AUDIT` was switched on are not listed, those after it are.
#[tokio::test]
async fn auth_events_are_recorded_only_with_threat_protection() {
    let s = start().await;
    let pool = pool(&s, json!({})).await;
    let client = client(&s, &pool, json!({})).await["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    user(&s, &pool, "alice", json!([])).await;
    ok(
        &s,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": "Correct horse 1!",
               "Permanent": true}),
    )
    .await;
    let login = |password: &str| {
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": password}})
    };
    ok(&s, "InitiateAuth", login("Correct horse 1!")).await;
    assert!(
        call(&s, "InitiateAuth", login("Wrong horse 1!"))
            .await
            .is_err()
    );
    let list = json!({"UserPoolId": pool, "Username": "alice"});
    assert_eq!(
        call(&s, "AdminListUserAuthEvents", list.clone())
            .await
            .unwrap_err()
            .0,
        "UserPoolAddOnNotEnabledException"
    );
    ok(
        &s,
        "UpdateUserPool",
        json!({"UserPoolId": pool, "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}}),
    )
    .await;
    let events = ok(&s, "AdminListUserAuthEvents", list.clone()).await;
    assert_eq!(events["AuthEvents"], json!([]), "{events}");
    ok(&s, "InitiateAuth", login("Correct horse 1!")).await;
    assert!(
        call(&s, "InitiateAuth", login("Wrong horse 1!"))
            .await
            .is_err()
    );
    let events = ok(&s, "AdminListUserAuthEvents", list).await;
    let outcomes: Vec<&str> = events["AuthEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["EventResponse"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["Fail", "Pass"], "newest first: {events}");
    s.shutdown().await;
}
