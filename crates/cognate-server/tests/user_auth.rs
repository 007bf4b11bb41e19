//! Choice-based sign-in (`USER_AUTH`) over the wire, with a manual clock: the pool's
//! `SignInPolicy` and feature plan, the client's `ALLOW_USER_AUTH`, `SELECT_CHALLENGE` with the
//! factors the pool allows *and* the user can use, `PREFERRED_CHALLENGE`, the first factors
//! `PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`, MFA after a password factor, and every
//! error's exact `__type` and message; the Lambda triggers of a sign-in fire for every first
//! factor as for the other flows; Amplify v6 signs in with `USER_AUTH` and `EMAIL_OTP`.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "triggers/lambda_service.rs"]
mod lambda_service;

use std::sync::Arc;

use cognate_server::{ManualClock, RunningServer, Seed, Server};
use cognate_srp::{PasswordVerifierChallenge, SrpClient, Timestamp};
use serde_json::{Value, json};

const T0: i64 = 1_700_000_010;
const PASSWORD: &str = "Correct horse 1!";
const CHOICE: &str = "us-east-1_ChoiceAuth1";
const WEB: &str = "choicewebclientaaaaaaaaaaa";
const NO_USER_AUTH: &str = "choicenouserauthaaaaaaaaaa";
const HIDDEN: &str = "choicehiddenclientaaaaaaaa";
const PLAIN: &str = "us-east-1_PlainAuth01";
const PLAIN_CLIENT: &str = "plainwebclientaaaaaaaaaaaa";
const STRICT: &str = "us-east-1_StrictMfa01";
const STRICT_CLIENT: &str = "strictwebclientaaaaaaaaaaa";

fn seed() -> Seed {
    Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{CHOICE}"
name = "choice"
MfaConfiguration = "OPTIONAL"
Policies = {{ SignInPolicy = {{ AllowedFirstAuthFactors = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"] }} }}

[[pools.clients]]
name = "web"
id = "{WEB}"
ExplicitAuthFlows = ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "no-user-auth"
id = "{NO_USER_AUTH}"
ExplicitAuthFlows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.clients]]
name = "hidden"
id = "{HIDDEN}"
ExplicitAuthFlows = ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
PreventUserExistenceErrors = "ENABLED"

[[pools.users]]
username = "ann"
password = "{PASSWORD}"
attributes = {{ email = "ann@example.com", email_verified = "true", phone_number = "+15555550100", phone_number_verified = "true" }}

[[pools.users]]
username = "ben"
password = "{PASSWORD}"
attributes = {{ email = "ben@example.com", email_verified = "false", phone_number = "+15555550101" }}

[[pools.users]]
username = "dora"
password = "{PASSWORD}"
enabled = false
attributes = {{ email = "dora@example.com", email_verified = "true" }}

[[pools]]
id = "{PLAIN}"
name = "password-only"

[[pools.clients]]
name = "web"
id = "{PLAIN_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_AUTH"]

[[pools.users]]
username = "pat"
password = "{PASSWORD}"
attributes = {{ email = "pat@example.com", email_verified = "true" }}

[[pools]]
id = "{STRICT}"
name = "mfa-required"
MfaConfiguration = "ON"
Policies = {{ SignInPolicy = {{ AllowedFirstAuthFactors = ["PASSWORD", "EMAIL_OTP"] }} }}

[[pools.clients]]
name = "web"
id = "{STRICT_CLIENT}"
ExplicitAuthFlows = ["ALLOW_USER_AUTH"]

[[pools.users]]
username = "sam"
password = "{PASSWORD}"
attributes = {{ email = "sam@example.com", email_verified = "true" }}
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

    async fn user_auth(&self, client: &str, params: Value) -> Result<Value, (String, String)> {
        self.call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": client, "AuthParameters": params}),
        )
        .await
    }

    async fn respond(
        &self,
        client: &str,
        name: &str,
        session: &Value,
        answers: Value,
    ) -> Result<Value, (String, String)> {
        self.call(
            "RespondToAuthChallenge",
            json!({"ClientId": client, "ChallengeName": name, "Session": session, "ChallengeResponses": answers}),
        )
        .await
    }

    /// The messages of the outbox for `pool` and `purpose`.
    async fn outbox(&self, pool: &str, purpose: &str) -> Vec<Value> {
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
        v["messages"].as_array().unwrap().clone()
    }

    async fn last_code(&self, pool: &str, purpose: &str) -> String {
        let messages = self.outbox(pool, purpose).await;
        messages.last().unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn invalid_session() -> (String, String) {
    (
        "NotAuthorizedException".into(),
        "Invalid session for the user.".into(),
    )
}

fn tokens(v: &Value) -> &Value {
    let result = &v["AuthenticationResult"];
    assert!(result["AccessToken"].is_string(), "no tokens: {v}");
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_challenge_offers_what_the_pool_allows_and_the_user_can_use() {
    let env = start().await;
    // Verified email and phone: every factor the pool allows.
    let ann = env
        .user_auth(WEB, json!({"USERNAME": "ann"}))
        .await
        .unwrap();
    assert_eq!(ann["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        ann["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"])
    );
    assert_eq!(ann["ChallengeParameters"], json!({}));
    assert!(ann["Session"].is_string());
    // An unverified email and phone number: no codes.
    let ben = env
        .user_auth(WEB, json!({"USERNAME": "ben"}))
        .await
        .unwrap();
    assert_eq!(
        ben["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    // A pool that allows only passwords (the default policy): passwords only, even for a user
    // with a verified email address.
    let pat = env
        .user_auth(PLAIN_CLIENT, json!({"USERNAME": "pat"}))
        .await
        .unwrap();
    assert_eq!(
        pat["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    // A pool that requires MFA: codes are not first factors there.
    let sam = env
        .user_auth(STRICT_CLIENT, json!({"USERNAME": "sam"}))
        .await
        .unwrap();
    assert_eq!(
        sam["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    // A preference the user cannot meet gets the choice instead.
    let fallback = env
        .user_auth(
            WEB,
            json!({"USERNAME": "ben", "PREFERRED_CHALLENGE": "EMAIL_OTP"}),
        )
        .await
        .unwrap();
    assert_eq!(fallback["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        fallback["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    assert!(env.outbox(CHOICE, "EMAIL_OTP").await.is_empty());
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_auth_errors() {
    let env = start().await;
    // The client must allow the flow.
    assert_eq!(
        env.user_auth(NO_USER_AUTH, json!({"USERNAME": "ann"}))
            .await
            .unwrap_err(),
        (
            "InvalidParameterException".into(),
            "USER_AUTH flow not enabled for this client".into()
        )
    );
    assert_eq!(
        env.user_auth(WEB, json!({})).await.unwrap_err(),
        (
            "InvalidParameterException".into(),
            "Missing required parameter USERNAME".into()
        )
    );
    assert_eq!(
        env.user_auth(WEB, json!({"USERNAME": "nobody"}))
            .await
            .unwrap_err(),
        (
            "UserNotFoundException".into(),
            "User does not exist.".into()
        )
    );
    assert_eq!(
        env.user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "SOFTWARE_TOKEN_MFA"})
        )
        .await
        .unwrap_err()
        .0,
        "InvalidParameterException"
    );
    // A disabled user gets no code.
    assert_eq!(
        env.user_auth(
            WEB,
            json!({"USERNAME": "dora", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
        )
        .await
        .unwrap_err(),
        ("NotAuthorizedException".into(), "User is disabled.".into())
    );
    // A wrong password through PREFERRED_CHALLENGE, and a missing one.
    assert_eq!(
        env.user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "wrong"})
        )
        .await
        .unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        )
    );
    assert_eq!(
        env.user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD"})
        )
        .await
        .unwrap_err(),
        (
            "InvalidParameterException".into(),
            "Missing required parameter PASSWORD".into()
        )
    );
    // SELECT_CHALLENGE: a factor that was not offered, and an unknown one.
    let ben = env
        .user_auth(WEB, json!({"USERNAME": "ben"}))
        .await
        .unwrap();
    let s = &ben["Session"];
    assert_eq!(
        env.respond(
            WEB,
            "SELECT_CHALLENGE",
            s,
            json!({"USERNAME": "ben", "ANSWER": "EMAIL_OTP"})
        )
        .await
        .unwrap_err(),
        (
            "InvalidParameterException".into(),
            "The challenge EMAIL_OTP is not available for the user.".into()
        )
    );
    assert_eq!(
        env.respond(
            WEB,
            "SELECT_CHALLENGE",
            s,
            json!({"USERNAME": "ben", "ANSWER": "MAGIC"})
        )
        .await
        .unwrap_err()
        .0,
        "InvalidParameterException"
    );
    // Another user's name in the answer.
    assert_eq!(
        env.respond(
            WEB,
            "SELECT_CHALLENGE",
            s,
            json!({"USERNAME": "ann", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD})
        )
        .await
        .unwrap_err(),
        invalid_session()
    );
    // Answered once; a replay is refused; another client cannot use it.
    assert_eq!(
        env.respond(
            NO_USER_AUTH,
            "SELECT_CHALLENGE",
            s,
            json!({"USERNAME": "ben", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD})
        )
        .await
        .unwrap_err(),
        invalid_session()
    );
    let done = env
        .respond(
            WEB,
            "SELECT_CHALLENGE",
            s,
            json!({"USERNAME": "ben", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD}),
        )
        .await
        .unwrap();
    tokens(&done);
    assert_eq!(
        env.respond(
            WEB,
            "SELECT_CHALLENGE",
            s,
            json!({"USERNAME": "ben", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD})
        )
        .await
        .unwrap_err(),
        invalid_session()
    );
    // The session expires with the client's AuthSessionValidity (3 minutes).
    let late = env
        .user_auth(WEB, json!({"USERNAME": "ben"}))
        .await
        .unwrap();
    env.clock.advance(181);
    assert_eq!(
        env.respond(
            WEB,
            "SELECT_CHALLENGE",
            &late["Session"],
            json!({"USERNAME": "ben", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD})
        )
        .await
        .unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Invalid session for the user, session is expired.".into()
        )
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_factors_sign_in() {
    let env = start().await;
    // PREFERRED_CHALLENGE = PASSWORD with the password: tokens at once.
    let direct = env
        .user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD}),
        )
        .await
        .unwrap();
    let claims = common::claims(tokens(&direct)["AccessToken"].as_str().unwrap());
    assert_eq!(claims["username"], "ann");
    assert_eq!(claims["client_id"], WEB);
    // Admin form.
    let admin = env
        .ok(
            "AdminInitiateAuth",
            json!({"UserPoolId": CHOICE, "ClientId": WEB, "AuthFlow": "USER_AUTH",
                   "AuthParameters": {"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD}}),
        )
        .await;
    tokens(&admin);
    // SELECT_CHALLENGE answered with the factor's own name.
    let pick = env
        .user_auth(WEB, json!({"USERNAME": "ann"}))
        .await
        .unwrap();
    let done = env
        .respond(
            WEB,
            "PASSWORD",
            &pick["Session"],
            json!({"USERNAME": "ann", "PASSWORD": PASSWORD}),
        )
        .await
        .unwrap();
    tokens(&done);

    // PASSWORD_SRP: the SRP login of USER_SRP_AUTH, reached through USER_AUTH, both ways.
    for preferred in [true, false] {
        let srp = SrpClient::new(&mut cognate_srp::os_rng()).unwrap();
        let first = if preferred {
            env.user_auth(
                WEB,
                json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD_SRP", "SRP_A": srp.srp_a()}),
            )
            .await
            .unwrap()
        } else {
            let pick = env
                .user_auth(WEB, json!({"USERNAME": "ann"}))
                .await
                .unwrap();
            env.respond(
                WEB,
                "SELECT_CHALLENGE",
                &pick["Session"],
                json!({"USERNAME": "ann", "ANSWER": "PASSWORD_SRP", "SRP_A": srp.srp_a()}),
            )
            .await
            .unwrap()
        };
        assert_eq!(first["ChallengeName"], "PASSWORD_VERIFIER");
        let p = &first["ChallengeParameters"];
        let claim = srp
            .respond(
                &PasswordVerifierChallenge {
                    pool_name: cognate_srp::pool_name(CHOICE).unwrap(),
                    user_id_for_srp: p["USER_ID_FOR_SRP"].as_str().unwrap(),
                    srp_b: p["SRP_B"].as_str().unwrap(),
                    salt: p["SALT"].as_str().unwrap(),
                    secret_block: p["SECRET_BLOCK"].as_str().unwrap(),
                },
                PASSWORD,
                &Timestamp::from_unix(T0),
            )
            .unwrap();
        let done = env
            .ok(
                "RespondToAuthChallenge",
                json!({"ClientId": WEB, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {
                    "USERNAME": "ann", "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
                    "PASSWORD_CLAIM_SIGNATURE": claim.signature, "TIMESTAMP": claim.timestamp}}),
            )
            .await;
        tokens(&done);
    }
    // SRP_A is required for PASSWORD_SRP.
    assert_eq!(
        env.user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD_SRP"})
        )
        .await
        .unwrap_err(),
        (
            "InvalidParameterException".into(),
            "Missing required parameter SRP_A".into()
        )
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_follows_a_password_factor_as_the_pool_requires() {
    let env = start().await;
    // MFA required, no factor set up: MFA_SETUP after the password, as for USER_PASSWORD_AUTH.
    let sam = env
        .user_auth(
            STRICT_CLIENT,
            json!({"USERNAME": "sam", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD}),
        )
        .await
        .unwrap();
    assert_eq!(sam["ChallengeName"], "MFA_SETUP");
    assert!(sam.get("AuthenticationResult").is_none());
    // Optional MFA with SMS chosen by the user: SMS_MFA after the password factor…
    env.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": CHOICE, "MfaConfiguration": "OPTIONAL",
               "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sns"}}}),
    )
    .await;
    env.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": CHOICE, "Username": "ann", "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let ann = env
        .user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD}),
        )
        .await
        .unwrap();
    assert_eq!(ann["ChallengeName"], "SMS_MFA");
    let code = env.last_code(CHOICE, "SMS_MFA").await;
    let done = env
        .respond(
            WEB,
            "SMS_MFA",
            &ann["Session"],
            json!({"USERNAME": "ann", "SMS_MFA_CODE": code}),
        )
        .await
        .unwrap();
    tokens(&done);
    // …but not after a code: the code is the sign-in.
    let otp = env
        .user_auth(
            WEB,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "EMAIL_OTP"}),
        )
        .await
        .unwrap();
    assert_eq!(otp["ChallengeName"], "EMAIL_OTP");
    let code = env.last_code(CHOICE, "EMAIL_OTP").await;
    let done = env
        .respond(
            WEB,
            "EMAIL_OTP",
            &otp["Session"],
            json!({"USERNAME": "ann", "EMAIL_OTP_CODE": code}),
        )
        .await
        .unwrap();
    tokens(&done);
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_and_sms_codes_sign_in() {
    let env = start().await;
    for (factor, purpose, field, medium, destination) in [
        (
            "EMAIL_OTP",
            "EMAIL_OTP",
            "EMAIL_OTP_CODE",
            "EMAIL",
            "a***@e***",
        ),
        ("SMS_OTP", "SMS_OTP", "SMS_OTP_CODE", "SMS", "+*******0100"),
    ] {
        // Preferred.
        let ch = env
            .user_auth(
                WEB,
                json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": factor}),
            )
            .await
            .unwrap();
        assert_eq!(ch["ChallengeName"], factor);
        let p = &ch["ChallengeParameters"];
        assert_eq!(p["CODE_DELIVERY_DELIVERY_MEDIUM"], medium);
        assert!(
            p["CODE_DELIVERY_DESTINATION"]
                .as_str()
                .unwrap()
                .starts_with(destination),
            "{p}"
        );
        let code = env.last_code(CHOICE, purpose).await;
        assert_eq!(code.len(), 6);
        // A wrong code leaves the session usable; the right one signs in, once.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            env.respond(
                WEB,
                factor,
                &ch["Session"],
                json!({"USERNAME": "ann", field: wrong})
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
                WEB,
                factor,
                &ch["Session"],
                json!({"USERNAME": "ann", field: code}),
            )
            .await
            .unwrap();
        let claims = common::claims(tokens(&done)["IdToken"].as_str().unwrap());
        assert_eq!(claims["cognito:username"], "ann");
        assert_eq!(
            env.respond(
                WEB,
                factor,
                &ch["Session"],
                json!({"USERNAME": "ann", field: code})
            )
            .await
            .unwrap_err(),
            invalid_session()
        );
        // Chosen from SELECT_CHALLENGE.
        let pick = env
            .user_auth(WEB, json!({"USERNAME": "ann"}))
            .await
            .unwrap();
        let ch = env
            .respond(
                WEB,
                "SELECT_CHALLENGE",
                &pick["Session"],
                json!({"USERNAME": "ann", "ANSWER": factor}),
            )
            .await
            .unwrap();
        assert_eq!(ch["ChallengeName"], factor);
        let code = env.last_code(CHOICE, purpose).await;
        let done = env
            .respond(
                WEB,
                factor,
                &ch["Session"],
                json!({"USERNAME": "ann", field: code}),
            )
            .await
            .unwrap();
        tokens(&done);
    }
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_look_like_users_when_existence_errors_are_prevented() {
    let env = start().await;
    let wrong_code = (
        "CodeMismatchException".to_owned(),
        "Invalid code or auth state for the user.".to_owned(),
    );
    // Without a preference: as AWS documents, a challenge of a type the pool allows, picked at
    // random — here a code by email or SMS, "sent" to a masked destination.
    for _ in 0..6 {
        let ghost = env
            .user_auth(HIDDEN, json!({"USERNAME": "ghost"}))
            .await
            .unwrap();
        let name = ghost["ChallengeName"].as_str().unwrap().to_owned();
        assert!(name == "EMAIL_OTP" || name == "SMS_OTP", "{ghost}");
        let field = format!("{name}_CODE");
        assert!(
            ghost["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"]
                .as_str()
                .unwrap()
                .contains('*'),
            "{ghost}"
        );
        assert_eq!(
            env.respond(
                HIDDEN,
                &name,
                &ghost["Session"],
                json!({"USERNAME": "ghost", field: "123456"})
            )
            .await
            .unwrap_err(),
            wrong_code
        );
    }
    // A preferred code: the challenge a real user gets, and every code is a wrong one, as a
    // real user's wrong code is.
    let ghost = env
        .user_auth(
            HIDDEN,
            json!({"USERNAME": "ghost", "PREFERRED_CHALLENGE": "EMAIL_OTP"}),
        )
        .await
        .unwrap();
    let ann = env
        .user_auth(
            HIDDEN,
            json!({"USERNAME": "ann", "PREFERRED_CHALLENGE": "EMAIL_OTP"}),
        )
        .await
        .unwrap();
    assert_eq!(ghost["ChallengeName"], "EMAIL_OTP");
    let members = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(members(&ghost), members(&ann));
    assert_eq!(
        members(&ghost["ChallengeParameters"]),
        members(&ann["ChallengeParameters"])
    );
    assert_eq!(
        ghost["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "g***@e***.com"
    );
    for (who, challenge) in [("ghost", &ghost), ("ann", &ann)] {
        assert_eq!(
            env.respond(
                HIDDEN,
                "EMAIL_OTP",
                &challenge["Session"],
                json!({"USERNAME": who, "EMAIL_OTP_CODE": "000000"})
            )
            .await
            .unwrap_err(),
            wrong_code,
            "{who}"
        );
    }
    assert_eq!(
        env.user_auth(
            HIDDEN,
            json!({"USERNAME": "ghost", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD})
        )
        .await
        .unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        )
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_policy_and_feature_plan() {
    let env = start().await;
    let pool = |name: &str, extra: Value| {
        let mut body = json!({"PoolName": name});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let policy = |factors: Value| json!({"SignInPolicy": {"AllowedFirstAuthFactors": factors}});
    // Passwordless sign-in is not in the Lite plan.
    assert_eq!(
        env.err(
            "CreateUserPool",
            pool(
                "lite",
                json!({"UserPoolTier": "LITE", "Policies": policy(json!(["PASSWORD", "EMAIL_OTP"]))})
            )
        )
        .await,
        (
            "FeatureUnavailableInTierException".into(),
            "The following features need to be disabled for the LITE pricing tier configured: Passwordless Sign-In".into()
        )
    );
    // SOFTWARE_TOKEN is no first factor; a passkey is never the only one.
    assert_eq!(
        env.err(
            "CreateUserPool",
            pool(
                "totp",
                json!({"Policies": policy(json!(["PASSWORD", "SOFTWARE_TOKEN"]))})
            )
        )
        .await
        .0,
        "InvalidParameterException"
    );
    assert_eq!(
        env.err(
            "CreateUserPool",
            pool(
                "passkey-only",
                json!({"Policies": policy(json!(["WEB_AUTHN"]))})
            )
        )
        .await
        .0,
        "InvalidParameterException"
    );
    // Essentials (the default plan): kept and described, in the model's order.
    let created = env
        .ok(
            "CreateUserPool",
            pool(
                "essentials",
                json!({"Policies": policy(json!(["SMS_OTP", "PASSWORD", "EMAIL_OTP"]))}),
            ),
        )
        .await;
    let id = created["UserPool"]["Id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["UserPool"]["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP", "SMS_OTP"])
    );
    assert_eq!(created["UserPool"]["UserPoolTier"], "ESSENTIALS");
    // An update that leaves the sign-in policy out keeps it…
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": id, "Policies": {"PasswordPolicy": {"MinimumLength": 10}}}),
    )
    .await;
    let described = env.ok("DescribeUserPool", json!({"UserPoolId": id})).await;
    assert_eq!(
        described["UserPool"]["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP", "SMS_OTP"])
    );
    // …and a move to Lite with passwordless factors on is refused.
    assert_eq!(
        env.err(
            "UpdateUserPool",
            json!({"UserPoolId": id, "UserPoolTier": "LITE"})
        )
        .await
        .0,
        "FeatureUnavailableInTierException"
    );
    // Turning them off first makes it possible.
    env.ok(
        "UpdateUserPool",
        json!({"UserPoolId": id, "UserPoolTier": "LITE", "Policies": policy(json!(["PASSWORD"]))}),
    )
    .await;
    let described = env.ok("DescribeUserPool", json!({"UserPoolId": id})).await;
    assert_eq!(described["UserPool"]["UserPoolTier"], "LITE");
    assert_eq!(
        described["UserPool"]["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD"])
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_fire_for_every_first_factor() {
    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
    let dir = common::repo().join("examples/triggers/node");
    let functions = [
        ("pre-authentication", "pre_authentication.mjs"),
        ("post-authentication", "post_authentication.mjs"),
        ("pre-token-generation", "pre_token_generation_v2.mjs"),
    ]
    .into_iter()
    .map(|(name, file)| (name.to_owned(), dir.join(file)))
    .collect();
    let (service, endpoint) = lambda_service::LambdaService::start(functions).await;
    let seed = Seed::from_toml(&format!(
        r#"
[[pools]]
id = "{CHOICE}"
name = "choice-triggers"
Policies = {{ SignInPolicy = {{ AllowedFirstAuthFactors = ["PASSWORD", "EMAIL_OTP"] }} }}
LambdaConfig = {{ PreAuthentication = "{ARN}pre-authentication", PostAuthentication = "{ARN}post-authentication", PreTokenGenerationConfig = {{ LambdaArn = "{ARN}pre-token-generation", LambdaVersion = "V2_0" }} }}

[[pools.clients]]
name = "web"
id = "{WEB}"
ExplicitAuthFlows = ["ALLOW_USER_AUTH"]

[[pools.users]]
username = "ann"
password = "{PASSWORD}"
attributes = {{ email = "ann@example.com", email_verified = "true" }}
"#
    ))
    .unwrap();
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .lambda_endpoint(endpoint)
        .seed_data(seed)
        .start()
        .await
        .unwrap();
    let url = server.endpoint_url();
    let call = |op: &'static str, body: Value| {
        let url = url.clone();
        async move { common::idp_call(&url, op, body).await.unwrap() }
    };
    // A password chosen from SELECT_CHALLENGE.
    let pick = call(
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": WEB, "AuthParameters": {"USERNAME": "ann"},
               "ClientMetadata": {"app": "web"}}),
    )
    .await;
    tokens(
        &call(
            "RespondToAuthChallenge",
            json!({"ClientId": WEB, "ChallengeName": "SELECT_CHALLENGE", "Session": pick["Session"],
                   "ChallengeResponses": {"USERNAME": "ann", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD}}),
        )
        .await,
    );
    // An email code.
    let otp = call(
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": WEB,
               "AuthParameters": {"USERNAME": "ann", "PREFERRED_CHALLENGE": "EMAIL_OTP"}}),
    )
    .await;
    let messages: Value = reqwest::get(format!(
        "{url}/_cognate/outbox?pool={CHOICE}&purpose=EMAIL_OTP"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let code = messages["messages"][0]["code"].as_str().unwrap().to_owned();
    tokens(
        &call(
            "RespondToAuthChallenge",
            json!({"ClientId": WEB, "ChallengeName": "EMAIL_OTP", "Session": otp["Session"],
                   "ChallengeResponses": {"USERNAME": "ann", "EMAIL_OTP_CODE": code}}),
        )
        .await,
    );
    // Once per sign-in each: PreAuthentication before the factor, PostAuthentication and the
    // pre token generation after it.
    let pre = service.events("pre-authentication");
    assert_eq!(pre.len(), 2, "{pre:?}");
    for e in &pre {
        assert_eq!(e["triggerSource"], "PreAuthentication_Authentication");
        assert_eq!(e["userName"], "ann");
    }
    assert_eq!(pre[0]["request"]["validationData"], json!({"app": "web"}));
    let post = service.events("post-authentication");
    assert_eq!(post.len(), 2, "{post:?}");
    assert!(
        post.iter()
            .all(|e| e["triggerSource"] == "PostAuthentication_Authentication")
    );
    let minted = service.events("pre-token-generation");
    assert_eq!(minted.len(), 2, "{minted:?}");
    assert!(
        minted
            .iter()
            .all(|e| e["triggerSource"] == "TokenGeneration_Authentication")
    );
    server.shutdown().await;
}

/// Amplify v6 (`interop/node/amplify_user_auth.mjs`) with `authFlowType: 'USER_AUTH'`: the
/// email code preferred and chosen, the password factors. The server's clock is the real one
/// here: Amplify checks the tokens' times against its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_v6_signs_in_with_user_auth_and_email_otp() {
    let server = common::in_memory(Server::builder())
        .bind("127.0.0.1:0")
        .seed_data(seed())
        .start()
        .await
        .unwrap();
    let mut cmd = common::node("amplify_user_auth.mjs");
    cmd.arg(
        json!({"endpoint": server.endpoint_url(), "pool": CHOICE, "client": WEB,
               "username": "ann", "password": PASSWORD})
        .to_string(),
    );
    let out = common::run_ok(cmd).await;
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["checks"], 4, "{summary}");
    server.shutdown().await;
}
