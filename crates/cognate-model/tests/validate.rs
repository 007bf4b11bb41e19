//! Validation against the model, message by message, in AWS's wording.

#![allow(clippy::unwrap_used)]

use cognate_model::validate::{self, Rejection};
use cognate_model::{identity, idp};
use serde_json::{Value, json};

fn check(op: idp::Operation, body: Value) -> Result<(), Rejection> {
    validate::input(&idp::SERVICE, op.def(), &body)
}

fn invalid(op: idp::Operation, body: Value) -> String {
    match check(op, body) {
        Err(Rejection::Invalid(m)) => m,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn serialization(op: idp::Operation, body: Value) -> String {
    match check(op, body) {
        Err(Rejection::Serialization(m)) => m,
        other => panic!("expected a serialization error, got {other:?}"),
    }
}

#[test]
fn required_members() {
    assert_eq!(
        invalid(idp::Operation::DescribeUserPool, json!({})),
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: \
         Member must not be null"
    );
    // null is absent
    assert_eq!(
        invalid(
            idp::Operation::DescribeUserPool,
            json!({"UserPoolId": null})
        ),
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: \
         Member must not be null"
    );
    let m = invalid(idp::Operation::AdminGetUser, json!({}));
    assert!(m.starts_with("2 validation errors detected: "), "{m}");
    assert!(m.contains(
        "Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; "
    ));
    assert!(m.contains(
        "Value null at 'username' failed to satisfy constraint: Member must not be null"
    ));
}

#[test]
fn pattern_and_length() {
    assert_eq!(
        invalid(
            idp::Operation::DescribeUserPool,
            json!({"UserPoolId": "not a pool id!"})
        ),
        "1 validation error detected: Value 'not a pool id!' at 'userPoolId' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    );
    let long = format!("us-east-1_{}", "a".repeat(60));
    assert_eq!(
        invalid(
            idp::Operation::DescribeUserPool,
            json!({"UserPoolId": long})
        ),
        format!(
            "1 validation error detected: Value '{long}' at 'userPoolId' failed to satisfy \
             constraint: Member must have length less than or equal to 55"
        )
    );
    // Lengths count characters, not bytes: 55 two-byte characters fit a 55 limit.
    let group = "é".repeat(128);
    assert!(
        check(
            idp::Operation::GetGroup,
            json!({"UserPoolId": "us-east-1_abc", "GroupName": group})
        )
        .is_ok()
    );
    let group = "é".repeat(129);
    assert!(
        invalid(
            idp::Operation::GetGroup,
            json!({"UserPoolId": "us-east-1_abc", "GroupName": group})
        )
        .contains("Member must have length less than or equal to 128")
    );
}

#[test]
fn sensitive_values_are_never_quoted() {
    let m = invalid(
        idp::Operation::InitiateAuth,
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "has space"}),
    );
    assert_eq!(
        m,
        "1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member \
         must satisfy regular expression pattern: [\\w+]+"
    );
    let m = invalid(
        idp::Operation::SignUp,
        json!({"ClientId": "abc", "Username": "u", "Password": " leading space"}),
    );
    assert!(!m.contains("leading space"), "{m}");
    assert!(
        m.contains("Value at 'password' failed to satisfy constraint"),
        "{m}"
    );
}

#[test]
fn enums_and_ranges() {
    assert_eq!(
        invalid(
            idp::Operation::SetUserPoolMfaConfig,
            json!({"UserPoolId": "us-east-1_abc", "MfaConfiguration": "BOGUS"})
        ),
        "1 validation error detected: Value 'BOGUS' at 'mfaConfiguration' failed to satisfy \
         constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
    );
    assert_eq!(
        invalid(
            idp::Operation::ListUsers,
            json!({"UserPoolId": "us-east-1_abc", "Limit": 100})
        ),
        "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint: \
         Member must have value less than or equal to 60"
    );
}

#[test]
fn nested_lists_and_maps() {
    // A list of structures: 1-based `.N.member.` paths; the attribute value is sensitive.
    let m = invalid(
        idp::Operation::AdminUpdateUserAttributes,
        json!({"UserPoolId": "us-east-1_abc", "Username": "u",
               "UserAttributes": [{"Name": "email", "Value": "a@b"}, {"Value": "x"}]}),
    );
    assert_eq!(
        m,
        "1 validation error detected: Value null at 'userAttributes.2.member.name' failed to \
         satisfy constraint: Member must not be null"
    );
    // A list of enum strings: reported at the list.
    let m = invalid(
        idp::Operation::CreateUserPoolClient,
        json!({"UserPoolId": "us-east-1_abc", "ClientName": "c",
               "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "NOPE"]}),
    );
    assert!(
        m.starts_with(
            "1 validation error detected: Value '[ALLOW_USER_SRP_AUTH, NOPE]' at \
             'explicitAuthFlows' failed to satisfy constraint: Member must satisfy constraint: \
             [Member must satisfy enum value set: [ADMIN_NO_SRP_AUTH, "
        ),
        "{m}"
    );
    // Map keys.
    let m = invalid(
        idp::Operation::TagResource,
        json!({"ResourceArn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc",
               "Tags": {"": "v"}}),
    );
    assert!(
        m.contains("at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 1"),
        "{m}"
    );
}

#[test]
fn at_most_ten_listed() {
    let attrs: Vec<Value> = (0..15).map(|_| json!({"Value": "x"})).collect();
    let m = invalid(
        idp::Operation::AdminUpdateUserAttributes,
        json!({"UserPoolId": "us-east-1_abc", "Username": "u", "UserAttributes": attrs}),
    );
    assert!(m.starts_with("10 validation errors detected: "), "{m}");
    assert_eq!(m.matches("failed to satisfy constraint").count(), 10);
}

#[test]
fn wrong_json_types_are_serialization_errors() {
    assert_eq!(
        serialization(
            idp::Operation::DescribeUserPool,
            json!({"UserPoolId": {"a": 1}})
        ),
        "Start of structure or map found where not expected."
    );
    assert_eq!(
        serialization(idp::Operation::DescribeUserPool, json!({"UserPoolId": 5})),
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"
    );
    assert_eq!(
        serialization(
            idp::Operation::DescribeUserPool,
            json!({"UserPoolId": ["x"]})
        ),
        "Start of list found where not expected"
    );
    assert_eq!(
        serialization(
            idp::Operation::ListUsers,
            json!({"UserPoolId": "us-east-1_abc", "Limit": "10"})
        ),
        "class java.lang.String can not be converted to an Integer"
    );
    assert_eq!(
        serialization(
            idp::Operation::InitiateAuth,
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc", "AuthParameters": "x"})
        ),
        "Expected map or null"
    );
    assert_eq!(
        serialization(
            idp::Operation::AdminUpdateUserAttributes,
            json!({"UserPoolId": "us-east-1_abc", "Username": "u",
                   "UserAttributes": [{"Name": "email", "Value": 7}]})
        ),
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"
    );
    assert_eq!(
        serialization(idp::Operation::DescribeUserPool, json!([])),
        "Start of list found where not expected"
    );
    assert_eq!(
        serialization(
            idp::Operation::AdminUpdateUserAttributes,
            json!({"UserPoolId": "us-east-1_abc", "Username": "u", "UserAttributes": {"a": 1}})
        ),
        "Start of structure or map found where not expected."
    );
    assert_eq!(
        serialization(
            idp::Operation::AdminUpdateUserAttributes,
            json!({"UserPoolId": "us-east-1_abc", "Username": "u", "UserAttributes": "x"})
        ),
        "Expected list or null"
    );
}

#[test]
fn valid_requests_pass_and_deserialize() {
    let body = json!({"UserPoolId": "us-east-1_abc", "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}],
        "MessageAction": "SUPPRESS", "Unknown": {"ignored": true}});
    check(idp::Operation::AdminCreateUser, body.clone()).unwrap();
    let req: idp::types::AdminCreateUserRequest = serde_json::from_value(body).unwrap();
    assert_eq!(req.username, "alice");
    assert_eq!(
        req.message_action,
        Some(idp::types::MessageActionType::Suppress)
    );
    let debug = format!("{req:?}");
    assert!(!debug.contains("alice"), "username is sensitive: {debug}");

    let body = json!({"IdentityPoolId": "us-east-1:0f0e0d0c-0b0a-0908-0706-050403020100"});
    validate::input(
        &identity::SERVICE,
        identity::Operation::DescribeIdentityPool.def(),
        &body,
    )
    .unwrap();
}
