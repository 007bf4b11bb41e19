//! Sign-up, account recovery, attribute verification, password policy and the code outbox:
//! SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword,
//! ChangePassword, AdminResetUserPassword, UpdateUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute, and `GET /_cognate/outbox`; every error
//! with its exact `__type` and message; code expiry on a manual clock; attempt limits.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::config::Region;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, DeliveryMediumType};
use cognate_server::{ManualClock, RunningServer, Seed, Server};
use serde_json::{Value, json};

const POOL: &str = "us-east-1_SignUpA01";
const CLIENT: &str = "signupclientaaaaaaaaaaaaaa";
const SECRET_CLIENT: &str = "signupsecretclientbbbbbbbb";
const SECRET: &str = "signupsecretforthetestsonly00000000000000000000000000";
const HIDING_CLIENT: &str = "signuphidingclientcccccccc";
const EMAIL_POOL: &str = "us-east-1_SignUpE01";
const EMAIL_CLIENT: &str = "signupemailclientddddddddd";
const ADMIN_ONLY_POOL: &str = "us-east-1_SignUpX01";
const ADMIN_ONLY_CLIENT: &str = "signupadminonlyeeeeeeeeeee";
const REQUIRED_POOL: &str = "us-east-1_SignUpR01";
const REQUIRED_CLIENT: &str = "signuprequiredffffffffffff";
const PASSWORD: &str = "Correct horse 1!";
const NEW_PASSWORD: &str = "Battery staple 2?";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "signup"
AliasAttributes = ["email"]
AutoVerifiedAttributes = ["email"]
Schema = [{{ Name = "team", AttributeDataType = "String" }}]

[[pools.clients]]
name = "public"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "confidential"
id = "{SECRET_CLIENT}"
secret = "{SECRET}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "hiding"
id = "{HIDING_CLIENT}"
PreventUserExistenceErrors = "ENABLED"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "carol"
password = "{PASSWORD}"
attributes = {{ email = "carol@example.com", email_verified = "true" }}

[[pools.users]]
username = "erin"
password = "{PASSWORD}"
attributes = {{ email = "erin@example.com", email_verified = "true" }}

[[pools.users]]
username = "nomail"
password = "{PASSWORD}"

[[pools.users]]
username = "temp"
password = "{PASSWORD}"
temporary = true
attributes = {{ email = "temp@example.com", email_verified = "true" }}

[[pools]]
id = "{EMAIL_POOL}"
name = "signup-email"
UsernameAttributes = ["email"]
AutoVerifiedAttributes = ["email"]
Policies = {{ PasswordPolicy = {{ MinimumLength = 10, RequireUppercase = false, RequireLowercase = true, RequireNumbers = false, RequireSymbols = false }} }}

[[pools.clients]]
name = "web"
id = "{EMAIL_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools]]
id = "{ADMIN_ONLY_POOL}"
name = "admin-only"
AdminCreateUserConfig = {{ AllowAdminCreateUserOnly = true }}

[[pools.clients]]
name = "web"
id = "{ADMIN_ONLY_CLIENT}"

[[pools]]
id = "{REQUIRED_POOL}"
name = "required"
Schema = [{{ Name = "name", AttributeDataType = "String", Required = true }}]

[[pools.clients]]
name = "web"
id = "{REQUIRED_CLIENT}"
"#
    ))
    .unwrap()
}

async fn start() -> (RunningServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::starting_now());
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock.clone())
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    (server, clock)
}

/// One call on the wire: the answer, or `(__type, message)`.
async fn call(server: &RunningServer, op: &str, body: Value) -> Result<Value, (String, String)> {
    common::idp_call(&server.endpoint_url(), op, body).await
}

fn err(kind: &str, message: &str) -> Result<Value, (String, String)> {
    Err((kind.to_owned(), message.to_owned()))
}

async fn outbox(server: &RunningServer, query: &str) -> Vec<Value> {
    let url = format!("{}/_cognate/outbox{query}", server.endpoint_url());
    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let v: Value = resp.json().await.unwrap();
    v["messages"].as_array().unwrap().clone()
}

/// The newest code sent to `username` of `pool` for `purpose`.
async fn code(server: &RunningServer, pool: &str, username: &str, purpose: &str) -> String {
    let msgs = outbox(
        server,
        &format!("?pool={pool}&username={}&purpose={purpose}", enc(username)),
    )
    .await;
    let last = msgs
        .last()
        .unwrap_or_else(|| panic!("no {purpose} code for {username}"));
    last["code"].as_str().unwrap().to_owned()
}

fn enc(s: &str) -> String {
    s.replace('@', "%40").replace('+', "%2B")
}

/// A code that is certainly not `right`.
fn wrong(right: &str) -> String {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
    .to_owned()
}

async fn login(
    server: &RunningServer,
    client: &str,
    username: &str,
    password: &str,
) -> Result<Value, (String, String)> {
    call(
        server,
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": username, "PASSWORD": password}}),
    )
    .await
}

async fn access_token(server: &RunningServer, username: &str, password: &str) -> String {
    let out = login(server, CLIENT, username, password).await.unwrap();
    out["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn status(server: &RunningServer, pool: &str, username: &str) -> Value {
    call(
        server,
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": username}),
    )
    .await
    .unwrap()
}

fn attr(user: &Value, field: &str, name: &str) -> Option<String> {
    user[field]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == name)
        .map(|a| a["Value"].as_str().unwrap().to_owned())
}

fn secret_hash(username: &str) -> String {
    cognate_srp::secret_hash(SECRET, username, SECRET_CLIENT)
}

#[tokio::test]
async fn sign_up_confirm_and_log_in() {
    let (server, _) = start().await;
    let out = call(
        &server,
        "SignUp",
        json!({"ClientId": CLIENT, "Username": "bob", "Password": PASSWORD,
               "UserAttributes": [{"Name": "email", "Value": "bob@example.com"},
                                  {"Name": "custom:team", "Value": "blue"}],
               "ValidationData": [{"Name": "ignored", "Value": "x"}]}),
    )
    .await
    .unwrap();
    assert_eq!(out["UserConfirmed"], false);
    let sub = out["UserSub"].as_str().unwrap();
    assert_eq!(sub.len(), 36);
    assert_eq!(
        out["CodeDeliveryDetails"],
        json!({"Destination": "b***@e***.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"})
    );

    let user = status(&server, POOL, "bob").await;
    assert_eq!(user["UserStatus"], "UNCONFIRMED");
    assert_eq!(attr(&user, "UserAttributes", "sub").unwrap(), sub);
    assert_eq!(
        attr(&user, "UserAttributes", "custom:team").unwrap(),
        "blue"
    );
    assert_eq!(attr(&user, "UserAttributes", "email_verified"), None);

    // Not confirmed: the right password is refused.
    assert_eq!(
        login(&server, CLIENT, "bob", PASSWORD).await,
        err("UserNotConfirmedException", "User is not confirmed.")
    );
    // Taken.
    assert_eq!(
        call(
            &server,
            "SignUp",
            json!({"ClientId": CLIENT, "Username": "bob", "Password": PASSWORD}),
        )
        .await,
        err("UsernameExistsException", "User already exists")
    );

    let msgs = outbox(&server, &format!("?pool={POOL}&username=bob")).await;
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m["poolId"], POOL);
    assert_eq!(m["username"], "bob");
    assert_eq!(m["purpose"], "SIGN_UP");
    assert_eq!(m["medium"], "EMAIL");
    assert_eq!(m["destination"], "bob@example.com");
    assert!(m["sentAt"].as_i64().unwrap() > 1_600_000_000);
    let first = m["code"].as_str().unwrap().to_owned();
    assert!(first.len() == 6 && first.bytes().all(|b| b.is_ascii_digit()));

    // A new code replaces the old one.
    let resent = call(
        &server,
        "ResendConfirmationCode",
        json!({"ClientId": CLIENT, "Username": "bob"}),
    )
    .await
    .unwrap();
    assert_eq!(
        resent["CodeDeliveryDetails"]["Destination"],
        "b***@e***.com"
    );
    let second = code(&server, POOL, "bob", "SIGN_UP").await;
    assert_eq!(outbox(&server, "?username=bob").await.len(), 2);
    if first != second {
        assert_eq!(
            call(
                &server,
                "ConfirmSignUp",
                json!({"ClientId": CLIENT, "Username": "bob", "ConfirmationCode": first}),
            )
            .await,
            err(
                "CodeMismatchException",
                "Invalid verification code provided, please try again."
            )
        );
    }
    assert_eq!(
        call(
            &server,
            "ConfirmSignUp",
            json!({"ClientId": CLIENT, "Username": "bob", "ConfirmationCode": wrong(&second)}),
        )
        .await,
        err(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    assert_eq!(
        call(
            &server,
            "ConfirmSignUp",
            json!({"ClientId": CLIENT, "Username": "bob", "ConfirmationCode": second}),
        )
        .await
        .unwrap(),
        json!({})
    );
    let user = status(&server, POOL, "bob").await;
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert_eq!(
        attr(&user, "UserAttributes", "email_verified").unwrap(),
        "true"
    );
    // Once only.
    assert_eq!(
        call(
            &server,
            "ConfirmSignUp",
            json!({"ClientId": CLIENT, "Username": "bob", "ConfirmationCode": second}),
        )
        .await,
        err(
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
    assert_eq!(
        call(
            &server,
            "ResendConfirmationCode",
            json!({"ClientId": CLIENT, "Username": "bob"}),
        )
        .await,
        err("InvalidParameterException", "User is already confirmed.")
    );
    let tokens = login(&server, CLIENT, "bob", PASSWORD).await.unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    // The verified email is now an alias.
    login(&server, CLIENT, "bob@example.com", PASSWORD)
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn sign_up_refusals_name_the_reason() {
    let (server, _) = start().await;
    let sign_up =
        |client: &'static str, username: &'static str, password: &'static str, attrs: Value| {
            let server = &server;
            async move {
                call(
                    server,
                    "SignUp",
                    json!({"ClientId": client, "Username": username, "Password": password,
                       "UserAttributes": attrs}),
                )
                .await
            }
        };
    let policy = "Password did not conform with policy: ";
    for (password, message) in [
        ("Sh0rt!", "Password not long enough"),
        ("NOLOWER1!", "Password must have lowercase characters"),
        ("noupper1!", "Password must have uppercase characters"),
        ("NoNumbers!", "Password must have numeric characters"),
        ("NoSymbols1", "Password must have symbol characters"),
    ] {
        assert_eq!(
            sign_up(CLIENT, "weak", password, json!([])).await,
            err("InvalidPasswordException", &format!("{policy}{message}")),
            "{password}"
        );
    }
    assert_eq!(
        sign_up(CLIENT, "weak", " Leading space1!", json!([])).await,
        err(
            "InvalidParameterException",
            "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
        )
    );
    // The refused sign-ups left nothing behind.
    assert_eq!(
        call(
            &server,
            "AdminGetUser",
            json!({"UserPoolId": POOL, "Username": "weak"})
        )
        .await,
        err("UserNotFoundException", "User does not exist.")
    );
    assert_eq!(
        sign_up(ADMIN_ONLY_CLIENT, "dave", PASSWORD, json!([])).await,
        err(
            "NotAuthorizedException",
            "SignUp is not permitted for this user pool"
        )
    );
    assert_eq!(
        sign_up(REQUIRED_CLIENT, "dave", PASSWORD, json!([])).await,
        err(
            "InvalidParameterException",
            "Attributes did not conform to the schema: name: The attribute is required\n"
        )
    );
    sign_up(
        REQUIRED_CLIENT,
        "dave",
        PASSWORD,
        json!([{"Name": "name", "Value": "Dave"}]),
    )
    .await
    .unwrap();
    assert_eq!(
        sign_up(
            CLIENT,
            "x",
            PASSWORD,
            json!([{"Name": "nope", "Value": "1"}])
        )
        .await,
        err(
            "InvalidParameterException",
            "Attributes did not conform to the schema: nope: Attribute does not exist in the schema.\n"
        )
    );
    assert_eq!(
        sign_up(
            CLIENT,
            "x",
            PASSWORD,
            json!([{"Name": "email_verified", "Value": "true"}])
        )
        .await,
        err(
            "InvalidParameterException",
            "Cannot modify the non-mutable attribute email_verified or phone_number_verified during SignUp"
        )
    );
    assert_eq!(
        sign_up(CLIENT, "x@example.com", PASSWORD, json!([])).await,
        err(
            "InvalidParameterException",
            "Username cannot be of email format, since user pool is configured for email alias."
        )
    );
    assert_eq!(
        sign_up(EMAIL_CLIENT, "not-an-email", "longenoughpw", json!([])).await,
        err("InvalidParameterException", "Username should be an email.")
    );
    assert_eq!(
        sign_up("nosuchclientzzzzzzzzzzzzzz", "x", PASSWORD, json!([])).await,
        err(
            "ResourceNotFoundException",
            "User pool client nosuchclientzzzzzzzzzzzzzz does not exist."
        )
    );
    assert_eq!(
        call(
            &server,
            "SignUp",
            json!({"ClientId": CLIENT, "Username": "x"})
        )
        .await,
        err(
            "InvalidParameterException",
            "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null"
        )
    );
    // A client with a secret needs SecretHash over the user name.
    assert_eq!(
        sign_up(SECRET_CLIENT, "frank", PASSWORD, json!([])).await,
        err(
            "NotAuthorizedException",
            &format!("Client {SECRET_CLIENT} is configured for secret but secret was not received")
        )
    );
    let bad = call(
        &server,
        "SignUp",
        json!({"ClientId": SECRET_CLIENT, "Username": "frank", "Password": PASSWORD,
               "SecretHash": secret_hash("someone-else")}),
    )
    .await;
    assert_eq!(
        bad,
        err(
            "NotAuthorizedException",
            &format!("Unable to verify secret hash for client {SECRET_CLIENT}")
        )
    );
    let ok = call(
        &server,
        "SignUp",
        json!({"ClientId": SECRET_CLIENT, "Username": "frank", "Password": PASSWORD,
               "SecretHash": secret_hash("frank")}),
    )
    .await
    .unwrap();
    // No email: nothing to send the code to, so no CodeDeliveryDetails.
    assert!(ok.get("CodeDeliveryDetails").is_none(), "{ok}");
    assert_eq!(
        call(
            &server,
            "ResendConfirmationCode",
            json!({"ClientId": SECRET_CLIENT, "Username": "frank", "SecretHash": secret_hash("frank")}),
        )
        .await,
        err(
            "InvalidParameterException",
            "Cannot resend codes. Auto verification not turned on."
        )
    );
    assert_eq!(
        call(
            &server,
            "ResendConfirmationCode",
            json!({"ClientId": CLIENT, "Username": "ghost"}),
        )
        .await,
        err(
            "UserNotFoundException",
            "Username/client id combination not found."
        )
    );
    assert_eq!(
        call(
            &server,
            "ConfirmSignUp",
            json!({"ClientId": CLIENT, "Username": "ghost", "ConfirmationCode": "123456"}),
        )
        .await,
        err("UserNotFoundException", "User does not exist.")
    );
    // A client that hides user existence answers as if the code were just wrong.
    assert_eq!(
        call(
            &server,
            "ConfirmSignUp",
            json!({"ClientId": HIDING_CLIENT, "Username": "ghost", "ConfirmationCode": "123456"}),
        )
        .await,
        err(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    server.shutdown().await;
}

#[tokio::test]
async fn email_username_pools_sign_up_under_a_uuid() {
    let (server, _) = start().await;
    let out = call(
        &server,
        "SignUp",
        json!({"ClientId": EMAIL_CLIENT, "Username": "dana@example.com", "Password": "plain password"}),
    )
    .await
    .unwrap();
    let sub = out["UserSub"].as_str().unwrap().to_owned();
    assert_eq!(out["CodeDeliveryDetails"]["Destination"], "d***@e***.com");
    let user = status(&server, EMAIL_POOL, "dana@example.com").await;
    assert_eq!(user["Username"], sub);
    assert_eq!(
        attr(&user, "UserAttributes", "email").unwrap(),
        "dana@example.com"
    );
    assert_eq!(
        call(
            &server,
            "SignUp",
            json!({"ClientId": EMAIL_CLIENT, "Username": "dana@example.com", "Password": "plain password"}),
        )
        .await,
        err(
            "UsernameExistsException",
            "An account with the given email already exists."
        )
    );
    // This pool's own policy: 10 characters, lower case only.
    assert_eq!(
        call(
            &server,
            "SignUp",
            json!({"ClientId": EMAIL_CLIENT, "Username": "eve@example.com", "Password": "short"}),
        )
        .await,
        err(
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough"
        )
    );
    // The outbox finds the message by the internal name and by the address.
    let by_sub = outbox(&server, &format!("?username={sub}")).await;
    let by_email = outbox(&server, "?username=dana%40example.com").await;
    assert_eq!(by_sub, by_email);
    assert_eq!(by_sub.len(), 1);
    let code = by_sub[0]["code"].as_str().unwrap();
    call(
        &server,
        "ConfirmSignUp",
        json!({"ClientId": EMAIL_CLIENT, "Username": "dana@example.com", "ConfirmationCode": code}),
    )
    .await
    .unwrap();
    let tokens = login(&server, EMAIL_CLIENT, "dana@example.com", "plain password")
        .await
        .unwrap();
    assert!(tokens["AuthenticationResult"]["IdToken"].is_string());
    server.shutdown().await;
}

#[tokio::test]
async fn codes_expire_on_the_clock_and_lock_after_five_wrong_answers() {
    let (server, clock) = start().await;
    for name in ["late", "guesser"] {
        call(
            &server,
            "SignUp",
            json!({"ClientId": CLIENT, "Username": name, "Password": PASSWORD,
                   "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]}),
        )
        .await
        .unwrap();
    }
    let confirm = |name: &'static str, code: String| {
        let server = &server;
        async move {
            call(
                server,
                "ConfirmSignUp",
                json!({"ClientId": CLIENT, "Username": name, "ConfirmationCode": code}),
            )
            .await
        }
    };
    let expired = err(
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    );
    let mismatch = err(
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    );
    let limit = err(
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    );

    // Sign-up codes live 24 hours.
    let late = code(&server, POOL, "late", "SIGN_UP").await;
    clock.advance(24 * 3600);
    assert_eq!(confirm("late", late.clone()).await, expired);
    call(
        &server,
        "ResendConfirmationCode",
        json!({"ClientId": CLIENT, "Username": "late"}),
    )
    .await
    .unwrap();
    let fresh = code(&server, POOL, "late", "SIGN_UP").await;
    clock.advance(24 * 3600 - 1);
    confirm("late", fresh).await.unwrap();

    // Five wrong answers, then even the right code is refused until a new one is sent.
    call(
        &server,
        "ResendConfirmationCode",
        json!({"ClientId": CLIENT, "Username": "guesser"}),
    )
    .await
    .unwrap();
    let right = code(&server, POOL, "guesser", "SIGN_UP").await;
    for _ in 0..5 {
        assert_eq!(confirm("guesser", wrong(&right)).await, mismatch);
    }
    assert_eq!(confirm("guesser", right.clone()).await, limit);
    assert_eq!(confirm("guesser", wrong(&right)).await, limit);
    call(
        &server,
        "ResendConfirmationCode",
        json!({"ClientId": CLIENT, "Username": "guesser"}),
    )
    .await
    .unwrap();
    let again = code(&server, POOL, "guesser", "SIGN_UP").await;
    confirm("guesser", again).await.unwrap();

    // Forgot-password codes live one hour.
    let forgot = || {
        let server = &server;
        async move {
            call(
                server,
                "ForgotPassword",
                json!({"ClientId": CLIENT, "Username": "carol"}),
            )
            .await
            .unwrap();
            code(server, POOL, "carol", "FORGOT_PASSWORD").await
        }
    };
    let reset = |code: String| {
        let server = &server;
        async move {
            call(
                server,
                "ConfirmForgotPassword",
                json!({"ClientId": CLIENT, "Username": "carol", "ConfirmationCode": code,
                       "Password": NEW_PASSWORD}),
            )
            .await
        }
    };
    let c = forgot().await;
    clock.advance(3600);
    assert_eq!(reset(c).await, expired);
    let c = forgot().await;
    clock.advance(3599);
    reset(c).await.unwrap();
    login(&server, CLIENT, "carol", NEW_PASSWORD).await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn forgot_password_sets_a_new_password_with_a_code() {
    let (server, _) = start().await;
    let out = call(
        &server,
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "carol"}),
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        json!({"CodeDeliveryDetails": {"Destination": "c***@e***.com", "DeliveryMedium": "EMAIL", "AttributeName": "email"}})
    );
    let c = code(&server, POOL, "carol", "FORGOT_PASSWORD").await;
    let confirm = |code: &str, password: &str| {
        let server = &server;
        let body = json!({"ClientId": CLIENT, "Username": "carol", "ConfirmationCode": code,
                          "Password": password});
        async move { call(server, "ConfirmForgotPassword", body).await }
    };
    // A password the policy refuses does not use up the code.
    assert_eq!(
        confirm(&c, "weakpassword").await,
        err(
            "InvalidPasswordException",
            "Password did not conform with policy: Password must have uppercase characters"
        )
    );
    assert_eq!(
        confirm(&wrong(&c), NEW_PASSWORD).await,
        err(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    assert_eq!(confirm(&c, NEW_PASSWORD).await.unwrap(), json!({}));
    // Single use.
    assert_eq!(
        confirm(&c, NEW_PASSWORD).await,
        err(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        )
    );
    assert_eq!(
        login(&server, CLIENT, "carol", PASSWORD).await,
        err("NotAuthorizedException", "Incorrect username or password.")
    );
    login(&server, CLIENT, "carol", NEW_PASSWORD).await.unwrap();

    // By the verified email alias too.
    call(
        &server,
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "carol@example.com"}),
    )
    .await
    .unwrap();
    assert_eq!(
        outbox(&server, "?username=carol&purpose=forgot_password")
            .await
            .len(),
        2
    );

    assert_eq!(
        call(
            &server,
            "ForgotPassword",
            json!({"ClientId": CLIENT, "Username": "ghost"})
        )
        .await,
        err(
            "UserNotFoundException",
            "Username/client id combination not found."
        )
    );
    assert_eq!(
        call(
            &server,
            "ForgotPassword",
            json!({"ClientId": CLIENT, "Username": "nomail"})
        )
        .await,
        err(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    );
    assert_eq!(
        call(
            &server,
            "ForgotPassword",
            json!({"ClientId": CLIENT, "Username": "temp"})
        )
        .await,
        err(
            "NotAuthorizedException",
            "User password cannot be reset in the current state."
        )
    );
    // Hidden user existence: an unknown user gets an answer that looks real, and no message.
    let before = outbox(&server, "").await.len();
    let decoy = call(
        &server,
        "ForgotPassword",
        json!({"ClientId": HIDING_CLIENT, "Username": "ghost@example.com"}),
    )
    .await
    .unwrap();
    assert_eq!(decoy["CodeDeliveryDetails"]["Destination"], "g***@e***.com");
    assert_eq!(outbox(&server, "").await.len(), before);
    assert_eq!(
        call(
            &server,
            "ConfirmForgotPassword",
            json!({"ClientId": HIDING_CLIENT, "Username": "ghost", "ConfirmationCode": "123456",
                   "Password": NEW_PASSWORD}),
        )
        .await,
        err(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    server.shutdown().await;
}

#[tokio::test]
async fn admin_reset_requires_a_new_password_through_a_code() {
    let (server, _) = start().await;
    assert_eq!(
        call(
            &server,
            "AdminResetUserPassword",
            json!({"UserPoolId": POOL, "Username": "erin"}),
        )
        .await
        .unwrap(),
        json!({})
    );
    assert_eq!(
        status(&server, POOL, "erin").await["UserStatus"],
        "RESET_REQUIRED"
    );
    assert_eq!(
        login(&server, CLIENT, "erin", PASSWORD).await,
        err(
            "PasswordResetRequiredException",
            "Password reset required for the user"
        )
    );
    let c = code(&server, POOL, "erin", "FORGOT_PASSWORD").await;
    call(
        &server,
        "ConfirmForgotPassword",
        json!({"ClientId": CLIENT, "Username": "erin", "ConfirmationCode": c, "Password": NEW_PASSWORD}),
    )
    .await
    .unwrap();
    assert_eq!(
        status(&server, POOL, "erin").await["UserStatus"],
        "CONFIRMED"
    );
    login(&server, CLIENT, "erin", NEW_PASSWORD).await.unwrap();
    assert_eq!(
        call(
            &server,
            "AdminResetUserPassword",
            json!({"UserPoolId": POOL, "Username": "nomail"}),
        )
        .await,
        err(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    );
    assert_eq!(
        call(
            &server,
            "AdminResetUserPassword",
            json!({"UserPoolId": POOL, "Username": "ghost"}),
        )
        .await,
        err("UserNotFoundException", "User does not exist.")
    );
    for name in ["temp", "unconfirmed"] {
        if name == "unconfirmed" {
            call(
                &server,
                "SignUp",
                json!({"ClientId": CLIENT, "Username": name, "Password": PASSWORD}),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            call(
                &server,
                "AdminResetUserPassword",
                json!({"UserPoolId": POOL, "Username": name}),
            )
            .await,
            err(
                "NotAuthorizedException",
                "User password cannot be reset in the current state."
            ),
            "{name}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn change_password_checks_the_old_one_and_keeps_sessions() {
    let (server, _) = start().await;
    let token = access_token(&server, "carol", PASSWORD).await;
    let change = |previous: &str, proposed: &str| {
        let server = &server;
        let body = json!({"AccessToken": token, "PreviousPassword": previous,
                          "ProposedPassword": proposed});
        async move { call(server, "ChangePassword", body).await }
    };
    assert_eq!(
        change("Wrong password 1!", NEW_PASSWORD).await,
        err("NotAuthorizedException", "Incorrect username or password.")
    );
    // PreviousPassword is optional in the model (for users who have no password); carol has
    // one, so it is required.
    assert_eq!(
        call(
            &server,
            "ChangePassword",
            json!({"AccessToken": token, "ProposedPassword": NEW_PASSWORD}),
        )
        .await,
        err(
            "InvalidParameterException",
            "1 validation error detected: Value null at 'previousPassword' failed to satisfy constraint: Member must not be null"
        )
    );
    assert_eq!(
        change(PASSWORD, "NoSymbols1").await,
        err(
            "InvalidPasswordException",
            "Password did not conform with policy: Password must have symbol characters"
        )
    );
    assert_eq!(change(PASSWORD, NEW_PASSWORD).await.unwrap(), json!({}));
    // The session goes on.
    let me = call(&server, "GetUser", json!({"AccessToken": token}))
        .await
        .unwrap();
    assert_eq!(me["Username"], "carol");
    assert_eq!(
        login(&server, CLIENT, "carol", PASSWORD).await,
        err("NotAuthorizedException", "Incorrect username or password.")
    );
    login(&server, CLIENT, "carol", NEW_PASSWORD).await.unwrap();
    assert_eq!(
        call(
            &server,
            "ChangePassword",
            json!({"AccessToken": "not.a.token", "PreviousPassword": NEW_PASSWORD,
                   "ProposedPassword": PASSWORD}),
        )
        .await,
        err("NotAuthorizedException", "Invalid Access Token")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn attribute_changes_are_verified_with_a_code() {
    let (server, _) = start().await;
    let token = access_token(&server, "carol", PASSWORD).await;
    let out = call(
        &server,
        "UpdateUserAttributes",
        json!({"AccessToken": token,
               "UserAttributes": [{"Name": "email", "Value": "carol@new.example.org"}]}),
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        json!({"CodeDeliveryDetailsList": [
            {"Destination": "c***@n***.org", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]})
    );
    let me = call(&server, "GetUser", json!({"AccessToken": token}))
        .await
        .unwrap();
    assert_eq!(
        attr(&me, "UserAttributes", "email").unwrap(),
        "carol@new.example.org"
    );
    assert_eq!(
        attr(&me, "UserAttributes", "email_verified").unwrap(),
        "false"
    );
    let msgs = outbox(&server, "?username=carol&purpose=VERIFY_ATTRIBUTE").await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["destination"], "carol@new.example.org");
    let c = msgs[0]["code"].as_str().unwrap().to_owned();
    let verify = |code: &str| {
        let server = &server;
        let body = json!({"AccessToken": token, "AttributeName": "email", "Code": code});
        async move { call(server, "VerifyUserAttribute", body).await }
    };
    assert_eq!(
        verify(&wrong(&c)).await,
        err(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    assert_eq!(verify(&c).await.unwrap(), json!({}));
    let me = call(&server, "GetUser", json!({"AccessToken": token}))
        .await
        .unwrap();
    assert_eq!(
        attr(&me, "UserAttributes", "email_verified").unwrap(),
        "true"
    );
    assert_eq!(
        verify(&c).await,
        err(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        )
    );

    // Asking for a code again.
    let out = call(
        &server,
        "GetUserAttributeVerificationCode",
        json!({"AccessToken": token, "AttributeName": "email"}),
    )
    .await
    .unwrap();
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let c2 = code(&server, POOL, "carol", "VERIFY_ATTRIBUTE").await;
    verify(&c2).await.unwrap();

    // Other attributes send nothing; *_verified is not the user's to set.
    let out = call(
        &server,
        "UpdateUserAttributes",
        json!({"AccessToken": token, "UserAttributes": [{"Name": "custom:team", "Value": "red"}]}),
    )
    .await
    .unwrap();
    assert_eq!(out, json!({"CodeDeliveryDetailsList": []}));
    assert_eq!(
        call(
            &server,
            "UpdateUserAttributes",
            json!({"AccessToken": token, "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
        )
        .await,
        err(
            "NotAuthorizedException",
            "A client attempted to write unauthorized attribute"
        )
    );
    assert_eq!(
        call(
            &server,
            "UpdateUserAttributes",
            json!({"AccessToken": token, "UserAttributes": [{"Name": "email", "Value": "erin@example.com"}]}),
        )
        .await,
        err(
            "AliasExistsException",
            "An account with the given email already exists."
        )
    );
    assert_eq!(
        call(
            &server,
            "GetUserAttributeVerificationCode",
            json!({"AccessToken": token, "AttributeName": "custom:team"}),
        )
        .await,
        err(
            "InvalidParameterException",
            "Invalid attribute name: custom:team cannot be verified"
        )
    );
    assert_eq!(
        call(
            &server,
            "GetUserAttributeVerificationCode",
            json!({"AccessToken": token, "AttributeName": "phone_number"}),
        )
        .await,
        err(
            "InvalidParameterException",
            "The user has no phone_number to verify"
        )
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_pool_policy_applies_to_every_new_password() {
    let (server, _) = start().await;
    let msg = "Password did not conform with policy: Password must have numeric characters";
    assert_eq!(
        call(
            &server,
            "AdminSetUserPassword",
            json!({"UserPoolId": POOL, "Username": "carol", "Password": "NoNumbers!", "Permanent": true}),
        )
        .await,
        err("InvalidPasswordException", msg)
    );
    assert_eq!(
        call(
            &server,
            "AdminCreateUser",
            json!({"UserPoolId": POOL, "Username": "newbie", "TemporaryPassword": "NoNumbers!"}),
        )
        .await,
        err("InvalidPasswordException", msg)
    );
    // NEW_PASSWORD_REQUIRED.
    let challenge = login(&server, CLIENT, "temp", PASSWORD).await.unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(
        call(
            &server,
            "RespondToAuthChallenge",
            json!({"ClientId": CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                   "Session": challenge["Session"],
                   "ChallengeResponses": {"USERNAME": "temp", "NEW_PASSWORD": "NoNumbers!"}}),
        )
        .await,
        err("InvalidPasswordException", msg)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_outbox_filters_orders_and_goes_with_its_pool() {
    let (server, clock) = start().await;
    assert!(outbox(&server, "").await.is_empty());
    for (client, name) in [(CLIENT, "o1"), (CLIENT, "o2")] {
        call(
            &server,
            "SignUp",
            json!({"ClientId": client, "Username": name, "Password": PASSWORD,
                   "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]}),
        )
        .await
        .unwrap();
        clock.advance(1);
    }
    call(
        &server,
        "SignUp",
        json!({"ClientId": EMAIL_CLIENT, "Username": "o3@example.com", "Password": "plain password"}),
    )
    .await
    .unwrap();
    clock.advance(1);
    call(
        &server,
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "carol"}),
    )
    .await
    .unwrap();

    let all = outbox(&server, "").await;
    let who: Vec<&str> = all
        .iter()
        .map(|m| m["destination"].as_str().unwrap())
        .collect();
    assert_eq!(
        who,
        [
            "o1@example.com",
            "o2@example.com",
            "o3@example.com",
            "carol@example.com"
        ]
    );
    let times: Vec<i64> = all.iter().map(|m| m["sentAt"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    assert_eq!(outbox(&server, &format!("?pool={POOL}")).await.len(), 3);
    assert_eq!(
        outbox(&server, &format!("?pool={EMAIL_POOL}")).await.len(),
        1
    );
    assert_eq!(outbox(&server, "?purpose=SIGN_UP").await.len(), 3);
    assert_eq!(outbox(&server, "?purpose=FORGOT_PASSWORD").await.len(), 1);
    assert_eq!(outbox(&server, "?username=o2").await.len(), 1);
    assert!(outbox(&server, "?username=nobody").await.is_empty());
    assert!(outbox(&server, "?pool=us-east-1_NoSuchPl").await.is_empty());
    for m in &all {
        let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "code",
                "destination",
                "medium",
                "message",
                "poolId",
                "purpose",
                "sentAt",
                "subject",
                "username"
            ]
        );
    }
    // Deleting the pool deletes its messages.
    call(&server, "DeleteUserPool", json!({"UserPoolId": EMAIL_POOL}))
        .await
        .unwrap();
    assert_eq!(outbox(&server, "").await.len(), 3);
    server.shutdown().await;
}

#[tokio::test]
async fn the_official_rust_sdk_reads_the_answers_and_errors() {
    let (server, _) = start().await;
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version_latest()
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint_url())
        .build();
    let sdk = aws_sdk_cognitoidentityprovider::Client::from_conf(conf);
    let out = sdk
        .sign_up()
        .client_id(CLIENT)
        .username("sdkuser")
        .password(PASSWORD)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("sdkuser@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(!out.user_confirmed());
    assert_eq!(out.user_sub().len(), 36);
    let details = out.code_delivery_details().unwrap();
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(details.destination(), Some("s***@e***.com"));
    assert_eq!(details.attribute_name(), Some("email"));

    let e = sdk
        .confirm_sign_up()
        .client_id(CLIENT)
        .username("sdkuser")
        .confirmation_code("000000x")
        .send()
        .await
        .unwrap_err();
    assert!(e.as_service_error().unwrap().is_code_mismatch_exception());
    let c = code(&server, POOL, "sdkuser", "SIGN_UP").await;
    sdk.confirm_sign_up()
        .client_id(CLIENT)
        .username("sdkuser")
        .confirmation_code(c)
        .send()
        .await
        .unwrap();

    let out = sdk
        .forgot_password()
        .client_id(CLIENT)
        .username("sdkuser")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.code_delivery_details().unwrap().destination(),
        Some("s***@e***.com")
    );
    let c = code(&server, POOL, "sdkuser", "FORGOT_PASSWORD").await;
    let e = sdk
        .confirm_forgot_password()
        .client_id(CLIENT)
        .username("sdkuser")
        .confirmation_code(&c)
        .password("weak")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .unwrap()
            .is_invalid_password_exception()
    );
    sdk.confirm_forgot_password()
        .client_id(CLIENT)
        .username("sdkuser")
        .confirmation_code(&c)
        .password(NEW_PASSWORD)
        .send()
        .await
        .unwrap();
    let e = sdk
        .confirm_forgot_password()
        .client_id(CLIENT)
        .username("sdkuser")
        .confirmation_code(&c)
        .password(NEW_PASSWORD)
        .send()
        .await
        .unwrap_err();
    assert!(e.as_service_error().unwrap().is_expired_code_exception());

    let token = access_token(&server, "sdkuser", NEW_PASSWORD).await;
    sdk.change_password()
        .access_token(&token)
        .previous_password(NEW_PASSWORD)
        .proposed_password(PASSWORD)
        .send()
        .await
        .unwrap();
    let out = sdk
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("sdk2@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.code_delivery_details_list().len(), 1);
    let c = code(&server, POOL, "sdkuser", "VERIFY_ATTRIBUTE").await;
    sdk.verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(c)
        .send()
        .await
        .unwrap();
    let out = sdk
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.code_delivery_details().unwrap().destination(),
        Some("s***@e***.com")
    );
    let e = sdk
        .sign_up()
        .client_id(ADMIN_ONLY_CLIENT)
        .username("x")
        .password(PASSWORD)
        .send()
        .await
        .unwrap_err();
    assert!(e.as_service_error().unwrap().is_not_authorized_exception());
    server.shutdown().await;
}
