//! Passkeys over the wire with a manual clock: what a pool needs before a passkey can be
//! registered (WEB_AUTHN allowed, a relying party), the factor configuration AWS refuses with
//! MFA required, and challenges that expire. The ceremonies themselves are checked with an
//! independent authenticator in `interop_python_passkeys.rs`.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::{ManualClock, RunningServer, Seed, Server};
use serde_json::{Value, json};

const T0: i64 = 1_700_000_010;
const PASSWORD: &str = "Correct horse 1!";
const POOL: &str = "us-east-1_Passkeys01";
const CLIENT: &str = "passkeyclientaaaaaaaaaaaaa";
const PLAIN: &str = "us-east-1_NoPasskey01";
const PLAIN_CLIENT: &str = "nopasskeyclientaaaaaaaaaaa";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{POOL}"
name = "passkeys"
Policies = {{ SignInPolicy = {{ AllowedFirstAuthFactors = ["PASSWORD", "WEB_AUTHN"] }} }}

[[pools.clients]]
name = "web"
id = "{CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"]

[[pools.users]]
username = "ann"
password = "{PASSWORD}"

[[pools]]
id = "{PLAIN}"
name = "no-passkeys"

[[pools.clients]]
name = "web"
id = "{PLAIN_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]

[[pools.users]]
username = "pat"
password = "{PASSWORD}"
"#
    ))
    .unwrap()
}

async fn start() -> (RunningServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T0));
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock.clone())
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    (server, clock)
}

async fn call(server: &RunningServer, op: &str, body: Value) -> Result<Value, (String, String)> {
    common::idp_call(&server.endpoint_url(), op, body).await
}

async fn access(server: &RunningServer, client: &str, user: &str) -> String {
    let v = call(
        server,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}),
    )
    .await
    .unwrap();
    v["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_pool_needs_for_passkeys() {
    let (server, _) = start().await;
    // WEB_AUTHN is not an allowed first factor.
    let pat = access(&server, PLAIN_CLIENT, "pat").await;
    let err = call(
        &server,
        "StartWebAuthnRegistration",
        json!({"AccessToken": pat}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, "WebAuthnNotEnabledException");
    // Allowed, but no relying party id and no domain.
    let ann = access(&server, CLIENT, "ann").await;
    let err = call(
        &server,
        "StartWebAuthnRegistration",
        json!({"AccessToken": ann}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, "WebAuthnConfigurationMissingException");
    // MFA required with passkeys as a single factor: refused, as AWS does.
    let err = call(
        &server,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        (
            "InvalidParameterException".into(),
            "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an allowed first auth factor".into()
        )
    );
    call(
        &server,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": true},
               "WebAuthnConfiguration": {"RelyingPartyId": "localhost", "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}}),
    )
    .await
    .unwrap();
    let got = call(&server, "GetUserPoolMfaConfig", json!({"UserPoolId": POOL}))
        .await
        .unwrap();
    assert_eq!(got["WebAuthnConfiguration"]["RelyingPartyId"], "localhost");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_challenges_expire_and_are_used_once() {
    let (server, clock) = start().await;
    call(
        &server,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OFF",
               "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}}),
    )
    .await
    .unwrap();
    let ann = access(&server, CLIENT, "ann").await;
    let options = |server: &RunningServer, token: String| {
        let url = server.endpoint_url();
        async move {
            common::idp_call(
                &url,
                "StartWebAuthnRegistration",
                json!({"AccessToken": token}),
            )
            .await
            .unwrap()["CredentialCreationOptions"]
                .clone()
        }
    };
    let o = options(&server, ann.clone()).await;
    assert_eq!(o["rp"]["id"], "localhost");
    assert_eq!(o["timeout"], 300_000);
    // Five minutes and a second later: gone.
    clock.advance(301);
    let err = call(
        &server,
        "CompleteWebAuthnRegistration",
        json!({"AccessToken": ann, "Credential": common::none_attestation(&o, "http://localhost:5173")}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, "WebAuthnChallengeNotFoundException");
    // In time: registered, once.
    let o = options(&server, ann.clone()).await;
    let credential = common::none_attestation(&o, "http://localhost:5173");
    call(
        &server,
        "CompleteWebAuthnRegistration",
        json!({"AccessToken": ann, "Credential": credential}),
    )
    .await
    .unwrap();
    let err = call(
        &server,
        "CompleteWebAuthnRegistration",
        json!({"AccessToken": ann, "Credential": credential}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, "WebAuthnChallengeNotFoundException");
    // A credential that is no RegistrationResponseJSON.
    options(&server, ann.clone()).await;
    let err = call(
        &server,
        "CompleteWebAuthnRegistration",
        json!({"AccessToken": ann, "Credential": {"id": 5}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.0, "InvalidParameterException");
    // Now offered at sign-in, and the challenge it gets expires with the session.
    let pick = call(
        &server,
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": CLIENT, "AuthParameters": {"USERNAME": "ann"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        pick["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"])
    );
    let factors = call(
        &server,
        "AdminGetUserAuthFactors",
        json!({"UserPoolId": POOL, "Username": "ann"}),
    )
    .await
    .unwrap();
    assert_eq!(
        factors["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "WEB_AUTHN"])
    );
    let ch = call(
        &server,
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": CLIENT,
               "AuthParameters": {"USERNAME": "ann", "PREFERRED_CHALLENGE": "WEB_AUTHN"}}),
    )
    .await
    .unwrap();
    assert_eq!(ch["ChallengeName"], "WEB_AUTHN");
    let request: Value = serde_json::from_str(
        ch["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(request["rpId"], "localhost");
    clock.advance(181);
    let err = call(
        &server,
        "RespondToAuthChallenge",
        json!({"ClientId": CLIENT, "ChallengeName": "WEB_AUTHN", "Session": ch["Session"],
               "ChallengeResponses": {"USERNAME": "ann", "CREDENTIAL": "{}"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        (
            "NotAuthorizedException".into(),
            "Invalid session for the user, session is expired.".into()
        )
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_go_with_their_user() {
    let (server, _) = start().await;
    call(
        &server,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OFF",
               "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}}),
    )
    .await
    .unwrap();
    let register = |token: String| {
        let url = server.endpoint_url();
        async move {
            let o = common::idp_call(
                &url,
                "StartWebAuthnRegistration",
                json!({"AccessToken": token}),
            )
            .await
            .unwrap()["CredentialCreationOptions"]
                .clone();
            common::idp_call(
                &url,
                "CompleteWebAuthnRegistration",
                json!({"AccessToken": token, "Credential": common::none_attestation(&o, "http://localhost")}),
            )
            .await
        }
    };
    let ann = access(&server, CLIENT, "ann").await;
    register(ann.clone()).await.unwrap();
    // The same credential id again: refused while its user exists.
    assert_eq!(
        register(ann.clone()).await.unwrap_err().0,
        "WebAuthnCredentialNotSupportedException"
    );
    call(
        &server,
        "AdminDeleteUser",
        json!({"UserPoolId": POOL, "Username": "ann"}),
    )
    .await
    .unwrap();
    call(
        &server,
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": "ann", "MessageAction": "SUPPRESS"}),
    )
    .await
    .unwrap();
    call(
        &server,
        "AdminSetUserPassword",
        json!({"UserPoolId": POOL, "Username": "ann", "Password": PASSWORD, "Permanent": true}),
    )
    .await
    .unwrap();
    // A new user of the same name has no passkey, and may register that authenticator.
    let again = access(&server, CLIENT, "ann").await;
    let listed = call(
        &server,
        "ListWebAuthnCredentials",
        json!({"AccessToken": again}),
    )
    .await
    .unwrap();
    assert_eq!(listed["Credentials"], json!([]));
    register(again).await.unwrap();
    server.shutdown().await;
}
