//! Input that must never be stored: user names with control, blank-only or invisible
//! characters, and passwords beyond Cognito's 256 characters — refused by the model's
//! constraints with AWS's wording, through every door a user name or password comes in.

#![allow(clippy::unwrap_used)]

mod common;

use cognate_server::{RunningServer, Seed, Server};
use common::idp_call;
use serde_json::json;

const POOL: &str = "us-east-1_Hostile123";
const CLIENT: &str = "hostileclientaaaaaaaaaaaaa";

async fn start() -> RunningServer {
    common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(
            Seed::from_toml(&format!(
                r#"
[[pools]]
id = "{POOL}"
name = "hostile"

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]
"#
            ))
            .unwrap(),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_user_names_and_huge_passwords_are_refused_and_nothing_is_stored() {
    let s = start().await;
    let url = s.endpoint_url();
    let pattern =
        "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+";
    for name in [
        "a\u{0}b",
        "line\nbreak",
        "   ",
        "zero\u{200b}width",
        "tab\tname",
    ] {
        for (op, body) in [
            (
                "AdminCreateUser",
                json!({"UserPoolId": POOL, "Username": name, "MessageAction": "SUPPRESS"}),
            ),
            (
                "SignUp",
                json!({"ClientId": CLIENT, "Username": name, "Password": "Correct horse 1!"}),
            ),
        ] {
            let (kind, message) = idp_call(&url, op, body).await.unwrap_err();
            assert_eq!(kind, "InvalidParameterException", "{op} {name:?}");
            assert_eq!(
                message,
                format!(
                    "1 validation error detected: Value at 'username' failed to satisfy constraint: {pattern}"
                ),
                "{op} {name:?}"
            );
        }
    }
    let huge = "Aa1!".repeat(500_000); // 2,000,000 characters
    for (op, body) in [
        (
            "SignUp",
            json!({"ClientId": CLIENT, "Username": "bob", "Password": huge}),
        ),
        (
            "AdminSetUserPassword",
            json!({"UserPoolId": POOL, "Username": "bob", "Password": huge}),
        ),
    ] {
        let (kind, message) = idp_call(&url, op, body).await.unwrap_err();
        assert_eq!(kind, "InvalidParameterException", "{op}");
        assert_eq!(
            message,
            "1 validation error detected: Value at 'password' failed to satisfy constraint: \
             Member must have length less than or equal to 256",
            "{op}"
        );
    }
    let users = idp_call(&url, "ListUsers", json!({"UserPoolId": POOL}))
        .await
        .unwrap();
    assert_eq!(users["Users"], json!([]));
    s.shutdown().await;
}
