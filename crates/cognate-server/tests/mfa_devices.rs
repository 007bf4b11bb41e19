//! Challenges, MFA and devices over the wire (AWS JSON 1.1, as every SDK sends it), with a
//! manual clock: challenge sessions (expiry, replay), NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA,
//! MFA_SETUP, SELECT_MFA_TYPE, SMS_MFA, EMAIL_OTP, the device flows (NewDeviceMetadata,
//! ConfirmDevice, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, remembered devices skipping MFA)
//! and the device and MFA operations, with every error's exact `__type` and message.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::{ManualClock, RunningServer, Seed, Server};
use cognate_srp::{DeviceSecret, PasswordVerifierChallenge, SrpClient, Timestamp};
use cognate_totp::TotpSecret;
use serde_json::{Value, json};

const T0: i64 = 1_700_000_010;
const PASSWORD: &str = "Correct horse 1!";
const OPTIONAL: &str = "us-east-1_MfaOption1";
const OPT_CLIENT: &str = "mfaoptionclientaaaaaaaaaaa";
const REQUIRED: &str = "us-east-1_MfaRequir1";
const REQ_CLIENT: &str = "mfarequiredclientaaaaaaaaa";
const DEVICES: &str = "us-east-1_DeviceTst1";
const DEV_CLIENT: &str = "devicesclientaaaaaaaaaaaaa";
const AUTO: &str = "us-east-1_DeviceAut1";
const AUTO_CLIENT: &str = "devicesautoclientaaaaaaaaa";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{OPTIONAL}"
name = "mfa-optional"
MfaConfiguration = "OPTIONAL"

[[pools.clients]]
name = "web"
id = "{OPT_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "alice"
password = "{PASSWORD}"

[[pools.users]]
username = "temp"
password = "{PASSWORD}"
temporary = true

[[pools.users]]
username = "bob"
password = "{PASSWORD}"
attributes = {{ email = "bob@example.com", email_verified = "true", phone_number = "+15555551234", phone_number_verified = "true" }}

[[pools]]
id = "{REQUIRED}"
name = "mfa-required"
MfaConfiguration = "ON"

[[pools.clients]]
name = "web"
id = "{REQ_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "carol"
password = "{PASSWORD}"

[[pools]]
id = "{DEVICES}"
name = "devices"
MfaConfiguration = "OPTIONAL"
DeviceConfiguration = {{ ChallengeRequiredOnNewDevice = true, DeviceOnlyRememberedOnUserPrompt = true }}

[[pools.clients]]
name = "web"
id = "{DEV_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "dave"
password = "{PASSWORD}"

[[pools.users]]
username = "erin"
password = "{PASSWORD}"

[[pools]]
id = "{AUTO}"
name = "devices-always-remembered"
DeviceConfiguration = {{ ChallengeRequiredOnNewDevice = false, DeviceOnlyRememberedOnUserPrompt = false }}

[[pools.clients]]
name = "web"
id = "{AUTO_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "frank"
password = "{PASSWORD}"
"#
    ))
    .unwrap()
}

struct Env {
    server: RunningServer,
    clock: Arc<ManualClock>,
    http: reqwest::Client,
}

async fn start() -> Env {
    let clock = Arc::new(ManualClock::new(T0));
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .clock(clock.clone())
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    Env {
        server,
        clock,
        http: reqwest::Client::new(),
    }
}

impl Env {
    async fn call(&self, op: &str, body: Value) -> Result<Value, (String, String)> {
        common::idp_call(&self.server.endpoint_url(), op, body).await
    }

    async fn ok(&self, op: &str, body: Value) -> Value {
        match self.call(op, body).await {
            Ok(v) => v,
            Err(e) => panic!("{op} failed: {e:?}"),
        }
    }

    async fn err(&self, op: &str, body: Value) -> (String, String) {
        match self.call(op, body).await {
            Ok(v) => panic!("{op} succeeded: {v}"),
            Err(e) => e,
        }
    }

    async fn password_login(&self, client: &str, user: &str, device: Option<&str>) -> Value {
        let mut params = json!({"USERNAME": user, "PASSWORD": PASSWORD});
        if let Some(d) = device {
            params["DEVICE_KEY"] = json!(d);
        }
        self.ok(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": params}),
        )
        .await
    }

    async fn respond(
        &self,
        client: &str,
        name: &str,
        session: &str,
        answers: Value,
    ) -> Result<Value, (String, String)> {
        self.call(
            "RespondToAuthChallenge",
            json!({"ClientId": client, "ChallengeName": name, "Session": session, "ChallengeResponses": answers}),
        )
        .await
    }

    async fn outbox_code(&self, pool: &str, purpose: &str) -> String {
        let v: Value = self
            .http
            .get(format!(
                "{}/_cognate/outbox?pool={pool}&purpose={purpose}",
                self.server.endpoint_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let messages = v["messages"].as_array().unwrap();
        messages.last().unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn now(&self) -> u64 {
        u64::try_from(cognate_server::Clock::now(&*self.clock)).unwrap()
    }
}

use common::claims;

fn session(v: &Value) -> String {
    v["Session"].as_str().unwrap().to_owned()
}

fn invalid_session() -> (String, String) {
    (
        "NotAuthorizedException".into(),
        "Invalid session for the user.".into(),
    )
}

fn expired_session() -> (String, String) {
    (
        "NotAuthorizedException".into(),
        "Invalid session for the user, session is expired.".into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenge_sessions_expire_and_are_used_once() {
    let env = start().await;
    // NEW_PASSWORD_REQUIRED: the session expires after AuthSessionValidity (3 minutes).
    let first = env.password_login(OPT_CLIENT, "temp", None).await;
    assert_eq!(first["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    env.clock.advance(181);
    let answers = json!({"USERNAME": "temp", "NEW_PASSWORD": "Brand new horse 2!"});
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "NEW_PASSWORD_REQUIRED",
            &session(&first),
            answers.clone()
        )
        .await
        .unwrap_err(),
        expired_session()
    );
    // A session that is not ours, and a missing one.
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "NEW_PASSWORD_REQUIRED",
            "bm90IGEgc2Vzc2lvbg==",
            answers.clone()
        )
        .await
        .unwrap_err(),
        invalid_session()
    );
    // The AdminInitiateAuth path gives the same challenge; answered with Admin*, it works once.
    let admin = env
        .ok(
            "AdminInitiateAuth",
            json!({"UserPoolId": OPTIONAL, "ClientId": OPT_CLIENT, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "temp", "PASSWORD": PASSWORD}}),
        )
        .await;
    assert_eq!(admin["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let s = session(&admin);
    // A policy violation does not use the session up.
    let weak = env
        .err(
            "AdminRespondToAuthChallenge",
            json!({"UserPoolId": OPTIONAL, "ClientId": OPT_CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                   "Session": s, "ChallengeResponses": {"USERNAME": "temp", "NEW_PASSWORD": "short"}}),
        )
        .await;
    assert_eq!(weak.0, "InvalidPasswordException");
    let done = env
        .ok(
            "AdminRespondToAuthChallenge",
            json!({"UserPoolId": OPTIONAL, "ClientId": OPT_CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                   "Session": s, "ChallengeResponses": answers}),
        )
        .await;
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    // Replayed: refused.
    assert_eq!(
        env.err(
            "AdminRespondToAuthChallenge",
            json!({"UserPoolId": OPTIONAL, "ClientId": OPT_CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                   "Session": s, "ChallengeResponses": {"USERNAME": "temp", "NEW_PASSWORD": "Another new horse 3!"}}),
        )
        .await,
        invalid_session()
    );
    env.server.shutdown().await;
}

/// Associates and verifies a TOTP for `user` (access token form), returning the secret.
async fn enrol_totp(env: &Env, client: &str, user: &str) -> TotpSecret {
    let login = env.password_login(client, user, None).await;
    let access = login["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // Not verified yet: cannot be switched on.
    assert_eq!(
        env.err(
            "SetUserMFAPreference",
            json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
        )
        .await,
        (
            "InvalidParameterException".into(),
            "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA".into()
        )
    );
    let assoc = env
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    let code = assoc["SecretCode"].as_str().unwrap();
    assert_eq!(code.len(), 52);
    assert!(assoc.get("Session").is_none());
    let secret = TotpSecret::from_base32(code).unwrap();
    let wrong = format!(
        "{:06}",
        (secret.code_at(env.now()).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        env.err(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": wrong, "FriendlyDeviceName": "phone"}),
        )
        .await,
        (
            "EnableSoftwareTokenMFAException".into(),
            "Code mismatch and fail enable Software Token MFA".into()
        )
    );
    let ok = env
        .ok(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": secret.code_at(env.now()), "FriendlyDeviceName": "phone"}),
        )
        .await;
    assert_eq!(ok["Status"], "SUCCESS");
    env.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn software_token_mfa_set_up_and_login() {
    let env = start().await;
    let user = env
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": OPTIONAL, "Username": "alice"}),
        )
        .await;
    assert!(user.get("UserMFASettingList").is_none());
    let secret = enrol_totp(&env, OPT_CLIENT, "alice").await;
    let user = env
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": OPTIONAL, "Username": "alice"}),
        )
        .await;
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    assert_eq!(user["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");

    // USER_PASSWORD_AUTH → SOFTWARE_TOKEN_MFA.
    let ch = env.password_login(OPT_CLIENT, "alice", None).await;
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert_eq!(ch["ChallengeParameters"]["USER_ID_FOR_SRP"], "alice");
    assert!(ch.get("AuthenticationResult").is_none());
    let s = session(&ch);
    let answer = |code: String| json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code});
    let wrong = format!(
        "{:06}",
        (secret.code_at(env.now()).parse::<u32>().unwrap() + 7) % 1_000_000
    );
    assert_eq!(
        env.respond(OPT_CLIENT, "SOFTWARE_TOKEN_MFA", &s, answer(wrong))
            .await
            .unwrap_err(),
        (
            "CodeMismatchException".into(),
            "Invalid code received for user".into()
        )
    );
    // The code VerifySoftwareToken used is good once only.
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SOFTWARE_TOKEN_MFA",
            &s,
            answer(secret.code_at(env.now()))
        )
        .await
        .unwrap_err(),
        (
            "CodeMismatchException".into(),
            "Your software token has already been used once.".into()
        )
    );
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SOFTWARE_TOKEN_MFA",
            &s,
            json!({"USERNAME": "alice"})
        )
        .await
        .unwrap_err(),
        (
            "InvalidParameterException".into(),
            "Missing required parameter SOFTWARE_TOKEN_MFA_CODE".into()
        )
    );
    env.clock.advance(60);
    // One step late is still accepted (±1 step window).
    let late = secret.code_at(env.now() - 30);
    let tokens = env
        .respond(OPT_CLIENT, "SOFTWARE_TOKEN_MFA", &s, answer(late.clone()))
        .await
        .unwrap();
    let access = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    assert_eq!(claims(access)["username"], "alice");
    assert_eq!(
        env.respond(OPT_CLIENT, "SOFTWARE_TOKEN_MFA", &s, answer(late))
            .await
            .unwrap_err(),
        invalid_session()
    );
    // GetUser reports the factor too.
    let me = env.ok("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(me["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));

    // Without a session; with a session answered under another challenge name; expired.
    env.clock.advance(30);
    let ch = env.password_login(OPT_CLIENT, "alice", None).await;
    let s = session(&ch);
    assert_eq!(
        env.call(
            "RespondToAuthChallenge",
            json!({"ClientId": OPT_CLIENT, "ChallengeName": "SOFTWARE_TOKEN_MFA",
                   "ChallengeResponses": answer(secret.code_at(env.now()))}),
        )
        .await
        .unwrap_err(),
        (
            "InvalidParameterException".into(),
            "Missing required parameter Session".into()
        )
    );
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SMS_MFA",
            &s,
            json!({"USERNAME": "alice", "SMS_MFA_CODE": "123456"})
        )
        .await
        .unwrap_err(),
        invalid_session()
    );
    env.clock.advance(181);
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SOFTWARE_TOKEN_MFA",
            &s,
            answer(secret.code_at(env.now()))
        )
        .await
        .unwrap_err(),
        expired_session()
    );

    // USER_SRP_AUTH reaches the same challenge after PASSWORD_VERIFIER.
    let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let init = env
        .ok(
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": OPT_CLIENT,
                   "AuthParameters": {"USERNAME": "alice", "SRP_A": srp.srp_a()}}),
        )
        .await;
    let p = &init["ChallengeParameters"];
    let claim = srp
        .respond(
            &PasswordVerifierChallenge {
                pool_name: cognate_srp::pool_name(OPTIONAL).unwrap(),
                user_id_for_srp: p["USER_ID_FOR_SRP"].as_str().unwrap(),
                srp_b: p["SRP_B"].as_str().unwrap(),
                salt: p["SALT"].as_str().unwrap(),
                secret_block: p["SECRET_BLOCK"].as_str().unwrap(),
            },
            PASSWORD,
            &Timestamp::from_unix(T0),
        )
        .unwrap();
    let ch = env
        .ok(
            "RespondToAuthChallenge",
            json!({"ClientId": OPT_CLIENT, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {
                "USERNAME": "alice", "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": claim.signature, "TIMESTAMP": claim.timestamp}}),
        )
        .await;
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let done = env
        .respond(
            OPT_CLIENT,
            "SOFTWARE_TOKEN_MFA",
            &session(&ch),
            answer(secret.code_at(env.now())),
        )
        .await
        .unwrap();
    assert!(done["AuthenticationResult"]["IdToken"].is_string());

    // Switched off again: logins need no second factor.
    env.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": OPTIONAL, "Username": "alice", "SoftwareTokenMfaSettings": {"Enabled": false}}),
    )
    .await;
    let plain = env.password_login(OPT_CLIENT, "alice", None).await;
    assert!(plain["AuthenticationResult"]["AccessToken"].is_string());
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_setup_when_the_pool_requires_mfa() {
    let env = start().await;
    let config = env
        .ok("GetUserPoolMfaConfig", json!({"UserPoolId": REQUIRED}))
        .await;
    assert_eq!(config["MfaConfiguration"], "ON");
    assert_eq!(config["SoftwareTokenMfaConfiguration"]["Enabled"], true);
    let ch = env.password_login(REQ_CLIENT, "carol", None).await;
    assert_eq!(ch["ChallengeName"], "MFA_SETUP");
    assert_eq!(
        ch["ChallengeParameters"]["MFAS_CAN_SETUP"],
        "[\"SOFTWARE_TOKEN_MFA\"]"
    );
    let s0 = session(&ch);
    assert_eq!(
        env.respond(REQ_CLIENT, "MFA_SETUP", &s0, json!({"USERNAME": "carol"}))
            .await
            .unwrap_err()
            .0,
        "InvalidParameterException"
    );
    let assoc = env
        .ok("AssociateSoftwareToken", json!({"Session": s0}))
        .await;
    let secret = TotpSecret::from_base32(assoc["SecretCode"].as_str().unwrap()).unwrap();
    let s1 = session(&assoc);
    // The session was used for the next step.
    assert_eq!(
        env.err("AssociateSoftwareToken", json!({"Session": s0}))
            .await,
        invalid_session()
    );
    assert_eq!(
        env.err("AssociateSoftwareToken", json!({})).await,
        (
            "InvalidParameterException".into(),
            "Either AccessToken or Session must be provided.".into()
        )
    );
    let wrong = format!(
        "{:06}",
        (secret.code_at(env.now()).parse::<u32>().unwrap() + 3) % 1_000_000
    );
    assert_eq!(
        env.err(
            "VerifySoftwareToken",
            json!({"Session": s1, "UserCode": wrong})
        )
        .await,
        (
            "EnableSoftwareTokenMFAException".into(),
            "Code mismatch and fail enable Software Token MFA".into()
        )
    );
    let verified = env
        .ok(
            "VerifySoftwareToken",
            json!({"Session": s1, "UserCode": secret.code_at(env.now()), "FriendlyDeviceName": "phone"}),
        )
        .await;
    assert_eq!(verified["Status"], "SUCCESS");
    let s2 = session(&verified);
    let tokens = env
        .respond(REQ_CLIENT, "MFA_SETUP", &s2, json!({"USERNAME": "carol"}))
        .await
        .unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    assert_eq!(
        env.respond(REQ_CLIENT, "MFA_SETUP", &s2, json!({"USERNAME": "carol"}))
            .await
            .unwrap_err(),
        invalid_session()
    );
    // From now on: SOFTWARE_TOKEN_MFA.
    env.clock.advance(30);
    let ch = env.password_login(REQ_CLIENT, "carol", None).await;
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let done = env
        .respond(
            REQ_CLIENT,
            "SOFTWARE_TOKEN_MFA",
            &session(&ch),
            json!({"USERNAME": "carol", "SOFTWARE_TOKEN_MFA_CODE": secret.code_at(env.now())}),
        )
        .await
        .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());

    // SetUserPoolMfaConfig: validation and round trip.
    assert_eq!(
        env.err(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": REQUIRED, "MfaConfiguration": "SOMETIMES"}),
        )
        .await
        .0,
        "InvalidParameterException"
    );
    assert_eq!(
        env.err(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": REQUIRED, "MfaConfiguration": "ON",
                   "SoftwareTokenMfaConfiguration": {"Enabled": false}}),
        )
        .await
        .0,
        "InvalidParameterException"
    );
    let set = env
        .ok(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": REQUIRED, "MfaConfiguration": "OFF",
                   "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
        )
        .await;
    assert_eq!(set["MfaConfiguration"], "OFF");
    let pool = env
        .ok("DescribeUserPool", json!({"UserPoolId": REQUIRED}))
        .await;
    assert_eq!(pool["UserPool"]["MfaConfiguration"], "OFF");
    let plain = env.password_login(REQ_CLIENT, "carol", None).await;
    assert!(plain["AuthenticationResult"]["AccessToken"].is_string());
    assert_eq!(
        env.err(
            "GetUserPoolMfaConfig",
            json!({"UserPoolId": "us-east-1_Nope12345"})
        )
        .await,
        (
            "ResourceNotFoundException".into(),
            "User pool us-east-1_Nope12345 does not exist.".into()
        )
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_mfa_type_sms_and_email_codes() {
    let env = start().await;
    let set = env
        .ok(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": OPTIONAL, "MfaConfiguration": "OPTIONAL",
                   "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sns"}},
                   "SoftwareTokenMfaConfiguration": {"Enabled": true},
                   "EmailMfaConfiguration": {"Message": "{####}", "Subject": "code"}}),
        )
        .await;
    assert_eq!(set["SoftwareTokenMfaConfiguration"]["Enabled"], true);
    assert!(set["SmsMfaConfiguration"].is_object());
    // alice has no phone number: SMS cannot be switched on.
    assert_eq!(
        env.err(
            "AdminSetUserMFAPreference",
            json!({"UserPoolId": OPTIONAL, "Username": "alice", "SMSMfaSettings": {"Enabled": true}}),
        )
        .await,
        (
            "InvalidParameterException".into(),
            "User does not have delivery config set to turn on SMS_MFA".into()
        )
    );
    env.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": OPTIONAL, "Username": "bob",
               "SMSMfaSettings": {"Enabled": true}, "EmailMfaSettings": {"Enabled": true}}),
    )
    .await;
    let user = env
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": OPTIONAL, "Username": "bob"}),
        )
        .await;
    assert_eq!(user["UserMFASettingList"], json!(["SMS_MFA", "EMAIL_OTP"]));
    assert!(user.get("PreferredMfaSetting").is_none());

    let ch = env.password_login(OPT_CLIENT, "bob", None).await;
    assert_eq!(ch["ChallengeName"], "SELECT_MFA_TYPE");
    assert_eq!(
        ch["ChallengeParameters"]["MFAS_CAN_CHOOSE"],
        "[\"SMS_MFA\",\"EMAIL_OTP\"]"
    );
    let s = session(&ch);
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SELECT_MFA_TYPE",
            &s,
            json!({"USERNAME": "bob", "ANSWER": "SOFTWARE_TOKEN_MFA"})
        )
        .await
        .unwrap_err()
        .0,
        "InvalidParameterException"
    );
    let sms = env
        .respond(
            OPT_CLIENT,
            "SELECT_MFA_TYPE",
            &s,
            json!({"USERNAME": "bob", "ANSWER": "SMS_MFA"}),
        )
        .await
        .unwrap();
    assert_eq!(sms["ChallengeName"], "SMS_MFA");
    assert_eq!(
        sms["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "SMS"
    );
    assert_eq!(
        sms["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "+*******1234"
    );
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SELECT_MFA_TYPE",
            &s,
            json!({"USERNAME": "bob", "ANSWER": "SMS_MFA"})
        )
        .await
        .unwrap_err(),
        invalid_session()
    );
    let code = env.outbox_code(OPTIONAL, "SMS_MFA").await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let ss = session(&sms);
    assert_eq!(
        env.respond(
            OPT_CLIENT,
            "SMS_MFA",
            &ss,
            json!({"USERNAME": "bob", "SMS_MFA_CODE": wrong})
        )
        .await
        .unwrap_err(),
        (
            "CodeMismatchException".into(),
            "Invalid code or auth state for the user.".into()
        )
    );
    let done = env
        .respond(
            OPT_CLIENT,
            "SMS_MFA",
            &ss,
            json!({"USERNAME": "bob", "SMS_MFA_CODE": code}),
        )
        .await
        .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());

    // EMAIL_OTP, chosen as preferred: no SELECT_MFA_TYPE any more.
    env.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": OPTIONAL, "Username": "bob", "EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let ch = env.password_login(OPT_CLIENT, "bob", None).await;
    assert_eq!(ch["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        ch["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    assert_eq!(
        ch["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "b***@e***.com"
    );
    let code = env.outbox_code(OPTIONAL, "EMAIL_OTP").await;
    let done = env
        .respond(
            OPT_CLIENT,
            "EMAIL_OTP",
            &session(&ch),
            json!({"USERNAME": "bob", "EMAIL_OTP_CODE": code}),
        )
        .await
        .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    env.server.shutdown().await;
}

/// Answers DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER; `with_session`: as
/// amazon-cognito-identity-js (true) or pycognito (false, and reusing one SRP_A).
async fn device_login(
    env: &Env,
    client: &str,
    user: &str,
    challenge: &Value,
    (device, key, group): (&DeviceSecret, &str, &str),
    with_session: bool,
) -> Result<Value, (String, String)> {
    assert_eq!(challenge["ChallengeName"], "DEVICE_SRP_AUTH");
    let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
    let mut req = json!({"ClientId": client, "ChallengeName": "DEVICE_SRP_AUTH",
        "ChallengeResponses": {"USERNAME": user, "DEVICE_KEY": key, "SRP_A": srp.srp_a()}});
    if with_session {
        req["Session"] = challenge["Session"].clone();
    }
    let verifier = env.call("RespondToAuthChallenge", req).await?;
    assert_eq!(verifier["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
    let p = &verifier["ChallengeParameters"];
    assert_eq!(p["DEVICE_KEY"], key);
    let claim = srp
        .respond(
            &PasswordVerifierChallenge {
                pool_name: group,
                user_id_for_srp: key,
                srp_b: p["SRP_B"].as_str().unwrap(),
                salt: p["SALT"].as_str().unwrap(),
                secret_block: p["SECRET_BLOCK"].as_str().unwrap(),
            },
            &device.device_password,
            &Timestamp::from_unix(T0),
        )
        .unwrap();
    let mut req = json!({"ClientId": client, "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ChallengeResponses": {
        "USERNAME": user, "DEVICE_KEY": key, "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": claim.signature, "TIMESTAMP": claim.timestamp}});
    if with_session {
        req["Session"] = verifier["Session"].clone();
    }
    env.call("RespondToAuthChallenge", req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_confirm_remember_and_skip_mfa() {
    let env = start().await;
    let pool = env
        .ok("DescribeUserPool", json!({"UserPoolId": DEVICES}))
        .await;
    assert_eq!(
        pool["UserPool"]["DeviceConfiguration"],
        json!({"ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": true})
    );
    let first = env.password_login(DEV_CLIENT, "dave", None).await;
    let result = &first["AuthenticationResult"];
    let key = result["NewDeviceMetadata"]["DeviceKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = result["NewDeviceMetadata"]["DeviceGroupKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key.starts_with("us-east-1_"), "{key}");
    let access = result["AccessToken"].as_str().unwrap().to_owned();
    assert_eq!(claims(&access)["device_key"], key.as_str());
    // Not confirmed yet: not listed, not usable.
    let listed = env.ok("ListDevices", json!({"AccessToken": access})).await;
    assert_eq!(listed["Devices"], json!([]));
    let not_found = (
        "ResourceNotFoundException".to_owned(),
        "Device does not exist.".to_owned(),
    );
    assert_eq!(
        env.err(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": DEV_CLIENT,
                   "AuthParameters": {"USERNAME": "dave", "PASSWORD": PASSWORD, "DEVICE_KEY": key}}),
        )
        .await,
        not_found
    );
    let device = DeviceSecret::generate(&mut cognate_srp::os_rng(), &group, &key).unwrap();
    assert_eq!(
        env.err(
            "ConfirmDevice",
            json!({"AccessToken": access, "DeviceKey": "us-east-1_00000000-0000-4000-8000-000000000000",
                   "DeviceSecretVerifierConfig": {"PasswordVerifier": device.config.password_verifier, "Salt": device.config.salt}}),
        )
        .await,
        not_found
    );
    let confirmed = env
        .ok(
            "ConfirmDevice",
            json!({"AccessToken": access, "DeviceKey": key, "DeviceName": "laptop",
                   "DeviceSecretVerifierConfig": {"PasswordVerifier": device.config.password_verifier, "Salt": device.config.salt}}),
        )
        .await;
    assert_eq!(confirmed["UserConfirmationNecessary"], true);
    let got = env
        .ok(
            "GetDevice",
            json!({"AccessToken": access, "DeviceKey": key}),
        )
        .await;
    let attrs = got["Device"]["DeviceAttributes"].as_array().unwrap();
    assert!(attrs.contains(&json!({"Name": "device_name", "Value": "laptop"})));
    assert!(
        attrs.contains(&json!({"Name": "dev:device_remembered_status", "Value": "not_remembered"}))
    );

    // A login naming the device proves it after the password: DEVICE_SRP_AUTH.
    let ch = env.password_login(DEV_CLIENT, "dave", Some(&key)).await;
    let tokens = device_login(&env, DEV_CLIENT, "dave", &ch, (&device, &key, &group), true)
        .await
        .unwrap();
    let r = &tokens["AuthenticationResult"];
    assert!(r.get("NewDeviceMetadata").is_none());
    assert_eq!(
        claims(r["AccessToken"].as_str().unwrap())["device_key"],
        key.as_str()
    );
    // The device key survives a refresh.
    let refreshed = env
        .ok(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": DEV_CLIENT,
                   "AuthParameters": {"REFRESH_TOKEN": r["RefreshToken"], "DEVICE_KEY": key}}),
        )
        .await;
    assert_eq!(
        claims(
            refreshed["AuthenticationResult"]["AccessToken"]
                .as_str()
                .unwrap()
        )["device_key"],
        key.as_str()
    );
    // pycognito's way: no Session on either device answer.
    let ch = env.password_login(DEV_CLIENT, "dave", Some(&key)).await;
    let tokens = device_login(
        &env,
        DEV_CLIENT,
        "dave",
        &ch,
        (&device, &key, &group),
        false,
    )
    .await
    .unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    // A wrong device password.
    let ch = env.password_login(DEV_CLIENT, "dave", Some(&key)).await;
    let other = DeviceSecret::generate(&mut cognate_srp::os_rng(), &group, &key).unwrap();
    assert_eq!(
        device_login(&env, DEV_CLIENT, "dave", &ch, (&other, &key, &group), true)
            .await
            .unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        )
    );
    // The device session is used once.
    assert_eq!(
        env.respond(DEV_CLIENT, "DEVICE_SRP_AUTH", &session(&ch),
            json!({"USERNAME": "dave", "DEVICE_KEY": key, "SRP_A": SrpClient::new(&mut cognate_srp::os_rng()).unwrap().srp_a()}))
            .await
            .unwrap_err(),
        invalid_session()
    );

    // With TOTP on, a device that is not remembered still gets the second factor, then the
    // device step; once remembered, the second factor is skipped.
    let secret = {
        let login = env.password_login(DEV_CLIENT, "dave", None).await;
        let access = login["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let assoc = env
            .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
            .await;
        let secret = TotpSecret::from_base32(assoc["SecretCode"].as_str().unwrap()).unwrap();
        env.ok(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": secret.code_at(env.now())}),
        )
        .await;
        env.ok(
            "SetUserMFAPreference",
            json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
        )
        .await;
        secret
    };
    env.clock.advance(30);
    let ch = env.password_login(DEV_CLIENT, "dave", Some(&key)).await;
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let next = env
        .respond(DEV_CLIENT, "SOFTWARE_TOKEN_MFA", &session(&ch),
            json!({"USERNAME": "dave", "SOFTWARE_TOKEN_MFA_CODE": secret.code_at(env.now()), "DEVICE_KEY": key}))
        .await
        .unwrap();
    let tokens = device_login(
        &env,
        DEV_CLIENT,
        "dave",
        &next,
        (&device, &key, &group),
        true,
    )
    .await
    .unwrap();
    let access = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.err(
            "UpdateDeviceStatus",
            json!({"AccessToken": access, "DeviceKey": key, "DeviceRememberedStatus": "forever"}),
        )
        .await
        .0,
        "InvalidParameterException"
    );
    env.ok(
        "UpdateDeviceStatus",
        json!({"AccessToken": access, "DeviceKey": key, "DeviceRememberedStatus": "remembered"}),
    )
    .await;
    let ch = env.password_login(DEV_CLIENT, "dave", Some(&key)).await;
    let tokens = device_login(&env, DEV_CLIENT, "dave", &ch, (&device, &key, &group), true)
        .await
        .unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());

    // Admin views and changes.
    let listed = env
        .ok(
            "AdminListDevices",
            json!({"UserPoolId": DEVICES, "Username": "dave"}),
        )
        .await;
    let devices = listed["Devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["DeviceKey"], key.as_str());
    assert!(devices[0]["DeviceLastAuthenticatedDate"].is_number());
    let got = env
        .ok(
            "AdminGetDevice",
            json!({"UserPoolId": DEVICES, "Username": "dave", "DeviceKey": key}),
        )
        .await;
    assert!(
        got["Device"]["DeviceAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "dev:device_remembered_status", "Value": "remembered"}))
    );
    // Another user cannot see it.
    assert_eq!(
        env.err(
            "AdminGetDevice",
            json!({"UserPoolId": DEVICES, "Username": "erin", "DeviceKey": key})
        )
        .await,
        not_found
    );
    env.ok(
        "AdminUpdateDeviceStatus",
        json!({"UserPoolId": DEVICES, "Username": "dave", "DeviceKey": key, "DeviceRememberedStatus": "not_remembered"}),
    )
    .await;
    let ch = env.password_login(DEV_CLIENT, "dave", Some(&key)).await;
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    env.ok(
        "ForgetDevice",
        json!({"AccessToken": access, "DeviceKey": key}),
    )
    .await;
    assert_eq!(
        env.err(
            "GetDevice",
            json!({"AccessToken": access, "DeviceKey": key})
        )
        .await,
        not_found
    );
    assert_eq!(
        env.err(
            "AdminForgetDevice",
            json!({"UserPoolId": DEVICES, "Username": "dave", "DeviceKey": key})
        )
        .await,
        not_found
    );
    assert_eq!(
        env.err(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": DEV_CLIENT,
                   "AuthParameters": {"USERNAME": "dave", "PASSWORD": PASSWORD, "DEVICE_KEY": key}}),
        )
        .await,
        not_found
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_remembered_without_a_prompt() {
    let env = start().await;
    let first = env.password_login(AUTO_CLIENT, "frank", None).await;
    let r = &first["AuthenticationResult"];
    let key = r["NewDeviceMetadata"]["DeviceKey"].as_str().unwrap();
    let group = r["NewDeviceMetadata"]["DeviceGroupKey"].as_str().unwrap();
    let access = r["AccessToken"].as_str().unwrap();
    let device = DeviceSecret::generate(&mut cognate_srp::os_rng(), group, key).unwrap();
    let confirmed = env
        .ok(
            "ConfirmDevice",
            json!({"AccessToken": access, "DeviceKey": key,
                   "DeviceSecretVerifierConfig": {"PasswordVerifier": device.config.password_verifier, "Salt": device.config.salt}}),
        )
        .await;
    assert_eq!(confirmed["UserConfirmationNecessary"], false);
    let got = env
        .ok(
            "GetDevice",
            json!({"AccessToken": access, "DeviceKey": key}),
        )
        .await;
    assert!(
        got["Device"]["DeviceAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "dev:device_remembered_status", "Value": "remembered"}))
    );
    assert_eq!(
        env.err(
            "ConfirmDevice",
            json!({"AccessToken": access, "DeviceKey": key,
                   "DeviceSecretVerifierConfig": {"PasswordVerifier": "", "Salt": ""}}),
        )
        .await
        .0,
        "InvalidParameterException"
    );
    env.server.shutdown().await;
}
