//! The errors of issue 14's operations on the wire: each with valid input naming a pool,
//! client, job, identity or session that does not exist answers the modeled
//! `ResourceNotFoundException` (or, for the operations authorized by a token, a bad token the
//! modeled `NotAuthorizedException`), with the operation's own error set; and each with a
//! constraint broken answers `InvalidParameterException` before anything runs. The behaviour
//! behind each operation, and its specific modeled errors, are in the boto3, Node and Rust SDK
//! tests (`interop_python_account_ops`, `interop_python_config_identity`,
//! `interop_python_import_jobs`, `interop_node_legacy_mfa`, `rust_sdk_ops`).

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::Server;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_NoSuchPool";
const CLIENT: &str = "nosuchclient0000000000000a";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
const IDENTITY: &str = "us-east-1:00000000-0000-4000-8000-000000000000";
const UUID: &str = "00000000-0000-4000-8000-000000000000";

async fn call(url: &str, prefix: &str, op: &str, body: &Value) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("X-Amz-Target", format!("{prefix}.{op}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    (status, v["__type"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_resources_and_bad_tokens_answer_the_modeled_errors() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let pool_arn = format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{POOL}");
    let limit = json!({"LimitClass": "API_CATEGORY", "Attributes": {"Category": "NoSuchCategory"}});
    let idp: Vec<(&str, Value, &str)> = vec![
        (
            "DeleteUser",
            json!({"AccessToken": TOKEN}),
            "NotAuthorizedException",
        ),
        (
            "DeleteUserAttributes",
            json!({"AccessToken": TOKEN, "UserAttributeNames": ["name"]}),
            "NotAuthorizedException",
        ),
        (
            "SetUserSettings",
            json!({"AccessToken": TOKEN, "MFAOptions": []}),
            "NotAuthorizedException",
        ),
        (
            "ListUserSessions",
            json!({"AccessToken": TOKEN}),
            "NotAuthorizedException",
        ),
        (
            "RevokeUserSession",
            json!({"AccessToken": TOKEN, "SessionId": "tkn0000000000000000000000000"}),
            "NotAuthorizedException",
        ),
        (
            "AdminDeleteSoftwareToken",
            json!({"UserPoolId": POOL, "Username": "x"}),
            "ResourceNotFoundException",
        ),
        (
            "AdminSetUserSettings",
            json!({"UserPoolId": POOL, "Username": "x", "MFAOptions": []}),
            "ResourceNotFoundException",
        ),
        (
            "AddCustomAttributes",
            json!({"UserPoolId": POOL, "CustomAttributes": [{"Name": "x"}]}),
            "ResourceNotFoundException",
        ),
        (
            "GetSigningCertificate",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "TagResource",
            json!({"ResourceArn": pool_arn, "Tags": {"a": "b"}}),
            "ResourceNotFoundException",
        ),
        (
            "UntagResource",
            json!({"ResourceArn": pool_arn, "TagKeys": ["a"]}),
            "ResourceNotFoundException",
        ),
        (
            "ListTagsForResource",
            json!({"ResourceArn": pool_arn}),
            "ResourceNotFoundException",
        ),
        (
            "AddUserPoolClientSecret",
            json!({"UserPoolId": POOL, "ClientId": CLIENT}),
            "ResourceNotFoundException",
        ),
        (
            "ListUserPoolClientSecrets",
            json!({"UserPoolId": POOL, "ClientId": CLIENT}),
            "ResourceNotFoundException",
        ),
        (
            "DeleteUserPoolClientSecret",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "ClientSecretId": "x--1"}),
            "ResourceNotFoundException",
        ),
        (
            "GetClientToken",
            json!({"ClientId": CLIENT, "Secret": "secret0secret0secret0secret0"}),
            "ResourceNotFoundException",
        ),
        (
            "GetDerivedToken",
            json!({"ClientId": CLIENT, "SubjectToken": TOKEN, "SubjectTokenType": "ACCESS_TOKEN"}),
            "ResourceNotFoundException",
        ),
        (
            "AdminListUserSessions",
            json!({"UserPoolId": POOL, "Username": "x"}),
            "ResourceNotFoundException",
        ),
        (
            "AdminRevokeUserSession",
            json!({"UserPoolId": POOL, "Username": "x", "SessionId": "tkn0000000000000000000000000"}),
            "ResourceNotFoundException",
        ),
        (
            "GetUserPoolSessionConfiguration",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "SetUserPoolSessionConfiguration",
            json!({"UserPoolId": POOL, "UserSessionTracking": "ENABLED", "TokenSession": {"MaxPerUser": 1}}),
            "ResourceNotFoundException",
        ),
        (
            "GetUserPoolClientSessionConfiguration",
            json!({"UserPoolId": POOL, "ClientId": CLIENT}),
            "ResourceNotFoundException",
        ),
        (
            "SetUserPoolClientSessionConfiguration",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "SSOSession": {"MaxValidityMinutes": 60}}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeRiskConfiguration",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "SetRiskConfiguration",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "AdminListUserAuthEvents",
            json!({"UserPoolId": POOL, "Username": "x"}),
            "ResourceNotFoundException",
        ),
        (
            "AdminUpdateAuthEventFeedback",
            json!({"UserPoolId": POOL, "Username": "x", "EventId": "e", "FeedbackValue": "Valid"}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateAuthEventFeedback",
            json!({"UserPoolId": POOL, "Username": "x", "EventId": "e", "FeedbackToken": "t", "FeedbackValue": "Valid"}),
            "ResourceNotFoundException",
        ),
        (
            "GetCSVHeader",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "CreateUserImportJob",
            json!({"UserPoolId": POOL, "JobName": "j", "CloudWatchLogsRoleArn": "arn:aws:iam::123456789012:role/r"}),
            "ResourceNotFoundException",
        ),
        (
            "StartUserImportJob",
            json!({"UserPoolId": POOL, "JobId": "import-x"}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeUserImportJob",
            json!({"UserPoolId": POOL, "JobId": "import-x"}),
            "ResourceNotFoundException",
        ),
        (
            "ListUserImportJobs",
            json!({"UserPoolId": POOL, "MaxResults": 1}),
            "ResourceNotFoundException",
        ),
        (
            "StopUserImportJob",
            json!({"UserPoolId": POOL, "JobId": "import-x"}),
            "ResourceNotFoundException",
        ),
        (
            "GetUICustomization",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "SetUICustomization",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "CreateManagedLoginBranding",
            json!({"UserPoolId": POOL, "ClientId": CLIENT}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeManagedLoginBranding",
            json!({"UserPoolId": POOL, "ManagedLoginBrandingId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeManagedLoginBrandingByClient",
            json!({"UserPoolId": POOL, "ClientId": CLIENT}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateManagedLoginBranding",
            json!({"UserPoolId": POOL, "ManagedLoginBrandingId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "DeleteManagedLoginBranding",
            json!({"UserPoolId": POOL, "ManagedLoginBrandingId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "CreateTerms",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "TermsName": "terms-of-use", "TermsSource": "LINK", "Enforcement": "NONE"}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeTerms",
            json!({"UserPoolId": POOL, "TermsId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeTermsByClient",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "TermsName": "terms-of-use"}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateTerms",
            json!({"UserPoolId": POOL, "TermsId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "DeleteTerms",
            json!({"UserPoolId": POOL, "TermsId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "ListTerms",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "GetLogDeliveryConfiguration",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "SetLogDeliveryConfiguration",
            json!({"UserPoolId": POOL, "LogConfigurations": []}),
            "ResourceNotFoundException",
        ),
        (
            "GetProvisionedLimit",
            json!({"LimitDefinition": limit}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateProvisionedLimit",
            json!({"LimitDefinition": limit, "RequestedLimitValue": 1}),
            "ResourceNotFoundException",
        ),
        (
            "InitiatePointInTimeRecovery",
            json!({"UserPoolId": POOL, "RestoreTimestamp": 1}),
            "ResourceNotFoundException",
        ),
        (
            "DescribePointInTimeRecovery",
            json!({"UserPoolId": POOL, "RestoreId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "StartPointInTimeRecovery",
            json!({"UserPoolId": POOL, "RestoreId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "CancelPointInTimeRecovery",
            json!({"UserPoolId": POOL, "RestoreId": UUID}),
            "ResourceNotFoundException",
        ),
        (
            "ListPointInTimeRecoveries",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "CreateUserPoolReplica",
            json!({"UserPoolId": POOL, "RegionName": "eu-west-1"}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateUserPoolReplica",
            json!({"UserPoolId": POOL, "RegionName": "eu-west-1", "Status": "ACTIVE"}),
            "ResourceNotFoundException",
        ),
        (
            "DeleteUserPoolReplica",
            json!({"UserPoolId": POOL, "RegionName": "eu-west-1"}),
            "ResourceNotFoundException",
        ),
        (
            "ListUserPoolReplicas",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "CreateCIMDPolicy",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "PolicyName": "mcp", "URLPatterns": ["https://a.example.com/*"]}),
            "ResourceNotFoundException",
        ),
        (
            "DescribeCIMDPolicy",
            json!({"UserPoolId": POOL, "CIMDPolicyId": "abc"}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateCIMDPolicy",
            json!({"UserPoolId": POOL, "CIMDPolicyId": "abc", "ClientId": CLIENT, "URLPatterns": ["https://a.example.com/*"]}),
            "ResourceNotFoundException",
        ),
        (
            "DeleteCIMDPolicy",
            json!({"UserPoolId": POOL, "CIMDPolicyId": "abc"}),
            "ResourceNotFoundException",
        ),
        (
            "ListCIMDPolicies",
            json!({"UserPoolId": POOL}),
            "ResourceNotFoundException",
        ),
        (
            "ListClientMetadataURLs",
            json!({"UserPoolId": POOL, "CIMDPolicyId": "abc"}),
            "ResourceNotFoundException",
        ),
        (
            "UpdateClientMetadataURLState",
            json!({"UserPoolId": POOL, "CIMDPolicyId": "abc", "URL": "https://a.example.com/c.json", "Action": "REFRESH"}),
            "ResourceNotFoundException",
        ),
    ];
    let identity_arn =
        format!("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{IDENTITY}");
    let identity: Vec<(&str, Value, &str)> = vec![
        (
            "DescribeIdentity",
            json!({"IdentityId": IDENTITY}),
            "ResourceNotFoundException",
        ),
        (
            "ListIdentities",
            json!({"IdentityPoolId": IDENTITY, "MaxResults": 1}),
            "ResourceNotFoundException",
        ),
        (
            "UnlinkIdentity",
            json!({"IdentityId": IDENTITY, "Logins": {}, "LoginsToRemove": []}),
            "ResourceNotFoundException",
        ),
        (
            "GetOpenIdTokenForDeveloperIdentity",
            json!({"IdentityPoolId": IDENTITY, "Logins": {"login.x": "u"}}),
            "ResourceNotFoundException",
        ),
        (
            "LookupDeveloperIdentity",
            json!({"IdentityPoolId": IDENTITY, "DeveloperUserIdentifier": "u"}),
            "ResourceNotFoundException",
        ),
        (
            "MergeDeveloperIdentities",
            json!({"IdentityPoolId": IDENTITY, "SourceUserIdentifier": "a", "DestinationUserIdentifier": "b", "DeveloperProviderName": "login.x"}),
            "ResourceNotFoundException",
        ),
        (
            "UnlinkDeveloperIdentity",
            json!({"IdentityPoolId": IDENTITY, "IdentityId": IDENTITY, "DeveloperProviderName": "login.x", "DeveloperUserIdentifier": "u"}),
            "ResourceNotFoundException",
        ),
        (
            "GetPrincipalTagAttributeMap",
            json!({"IdentityPoolId": IDENTITY, "IdentityProviderName": "p"}),
            "ResourceNotFoundException",
        ),
        (
            "SetPrincipalTagAttributeMap",
            json!({"IdentityPoolId": IDENTITY, "IdentityProviderName": "p"}),
            "ResourceNotFoundException",
        ),
        (
            "TagResource",
            json!({"ResourceArn": identity_arn, "Tags": {"a": "b"}}),
            "ResourceNotFoundException",
        ),
        (
            "UntagResource",
            json!({"ResourceArn": identity_arn, "TagKeys": ["a"]}),
            "ResourceNotFoundException",
        ),
        (
            "ListTagsForResource",
            json!({"ResourceArn": identity_arn}),
            "ResourceNotFoundException",
        ),
    ];
    let cases = idp
        .iter()
        .map(|c| ("AWSCognitoIdentityProviderService", c))
        .chain(identity.iter().map(|c| ("AWSCognitoIdentityService", c)));
    for (prefix, (op, body, expected)) in cases {
        let (status, kind) = call(&url, prefix, op, body).await;
        assert_eq!((status, kind.as_str()), (400, *expected), "{prefix}.{op}");
        let modeled = if prefix == "AWSCognitoIdentityService" {
            cognate_model::identity::Operation::from_name(op)
                .unwrap()
                .errors()
                .iter()
                .any(|e| e.name() == kind)
        } else {
            cognate_model::idp::Operation::from_name(op)
                .unwrap()
                .errors()
                .iter()
                .any(|e| e.name() == kind)
        };
        assert!(modeled, "{op}: {kind} is not one of its modeled errors");
    }
    // DeleteIdentities has no ResourceNotFoundException: unknown ids are simply not there.
    let (status, _) = call(
        &url,
        "AWSCognitoIdentityService",
        "DeleteIdentities",
        &json!({"IdentityIdsToDelete": [IDENTITY]}),
    )
    .await;
    assert_eq!(status, 200);
    // A broken constraint is InvalidParameterException before anything runs.
    for (op, body) in [
        (
            "AddUserPoolClientSecret",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "ClientSecret": "short"}),
        ),
        (
            "RevokeUserSession",
            json!({"AccessToken": TOKEN, "SessionId": "not-a-session-id"}),
        ),
        (
            "CreateCIMDPolicy",
            json!({"UserPoolId": POOL, "ClientId": CLIENT, "PolicyName": "mcp", "URLPatterns": [], "CacheDuration": 1}),
        ),
        (
            "DescribeTerms",
            json!({"UserPoolId": POOL, "TermsId": "not-a-uuid"}),
        ),
    ] {
        let (status, kind) = call(&url, "AWSCognitoIdentityProviderService", op, &body).await;
        assert_eq!(
            (status, kind.as_str()),
            (400, "InvalidParameterException"),
            "{op}"
        );
    }
    server.shutdown().await;
}
