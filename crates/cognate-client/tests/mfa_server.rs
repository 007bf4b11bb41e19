//! The client's challenge state machine against cognate-server (in process), which checks
//! every proof for real: MFA_SETUP (AssociateSoftwareToken / VerifySoftwareToken in the login
//! session, a TOTP code from cognate-totp), SOFTWARE_TOKEN_MFA (right and wrong codes),
//! SELECT_MFA_TYPE then EMAIL_OTP with the code read from the server's outbox, SMS_MFA (a wrong
//! code, then the one from the outbox), device tracking (ConfirmDevice with a cognate-srp
//! verifier, then DEVICE_SRP_AUTH skipping MFA), and a TokenSource logging in again after
//! GlobalSignOut.
//!
//! The server runs on a manual clock so that each TOTP code is used in its own 30-second step
//! (the server accepts a code once).

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use cognate_client::sdk::user_pools as idp;
use cognate_client::{
    AuthFlow, Challenge, Client, Credentials, DeviceStore, Error, LoginStep, ManualClock,
    MemoryDeviceStore, MfaType, RefreshMethod, TokenSource, otpauth_uri,
};
use cognate_server::{RunningServer, Seed, Server};
use cognate_totp::TotpSecret;
use idp::config::interceptors::BeforeSerializationInterceptorContextRef;
use idp::config::{ConfigBag, Intercept, RuntimeComponents};
use idp::operation::respond_to_auth_challenge::RespondToAuthChallengeInput;
use idp::types::{EmailMfaSettingsType, SoftwareTokenMfaSettingsType};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct horse 1!";
/// MfaConfiguration ON, sign-in with email (internal names are not what users type), a client
/// with a secret.
const REQUIRED: &str = "us-east-1_MfaClient1";
const REQ_CLIENT: &str = "mfaclientrequiredaaaaaaaaa";
const REQ_SECRET: &str = "required_pool_client_secret_0123";
/// MfaConfiguration OPTIONAL, public client.
const OPTIONAL: &str = "us-east-1_MfaClient2";
const OPT_CLIENT: &str = "mfaclientoptionalaaaaaaaaa";
/// Device tracking (remembered only on the user's word), MFA OPTIONAL, a client with a secret.
const DEVICES: &str = "us-east-1_MfaClient3";
const DEV_CLIENT: &str = "mfaclientdevicesaaaaaaaaaa";
const DEV_SECRET: &str = "devices_pool_client_secret_01234";

fn seed() -> Seed {
    let flows = json!([
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH"
    ]);
    serde_json::from_value(json!({"pools": [
        {"id": REQUIRED, "name": "mfa-required", "MfaConfiguration": "ON",
         "UsernameAttributes": ["email"],
         "clients": [{"name": "web", "id": REQ_CLIENT, "secret": REQ_SECRET, "ExplicitAuthFlows": flows}],
         "users": [{"username": "carol@example.com", "password": PASSWORD,
                    "attributes": {"email_verified": "true"}}]},
        {"id": OPTIONAL, "name": "mfa-optional", "MfaConfiguration": "OPTIONAL",
         "clients": [{"name": "web", "id": OPT_CLIENT, "ExplicitAuthFlows": flows}],
         "users": [
            {"username": "dan", "password": PASSWORD,
             "attributes": {"email": "dan@example.com", "email_verified": "true"}},
            {"username": "gus", "password": PASSWORD}
         ]},
        {"id": DEVICES, "name": "devices", "MfaConfiguration": "OPTIONAL",
         "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": true},
         "clients": [{"name": "web", "id": DEV_CLIENT, "secret": DEV_SECRET, "ExplicitAuthFlows": flows}],
         "users": [{"username": "erin", "password": PASSWORD}]}
    ]}))
    .unwrap()
}

struct Env {
    server: RunningServer,
    /// The server's clock (TOTP steps, session expiry).
    clock: Arc<cognate_server::ManualClock>,
    /// The clients' clock (token freshness, SRP timestamps), moved with the server's.
    client_clock: ManualClock,
    http: reqwest::Client,
}

async fn start() -> Env {
    let clock = Arc::new(cognate_server::ManualClock::starting_now());
    let now = cognate_server::Clock::now(&*clock);
    let server = Server::builder()
        .in_memory()
        .seed_data(seed())
        .clock(clock.clone())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    Env {
        server,
        clock,
        client_clock: ManualClock::at_secs(now),
        http: reqwest::Client::new(),
    }
}

/// Records the challenge names of every RespondToAuthChallenge the client sends.
#[derive(Debug, Clone, Default)]
struct Answered(Arc<Mutex<Vec<String>>>);

impl Answered {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for Answered {
    fn name(&self) -> &'static str {
        "Answered"
    }
    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), idp::error::BoxError> {
        if let Some(input) = context
            .input()
            .downcast_ref::<RespondToAuthChallengeInput>()
        {
            let name = input
                .challenge_name()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default();
            self.0.lock().unwrap().push(name);
        }
        Ok(())
    }
}

// Keep the import used.
#[allow(unused)]
fn _uses(_: &RuntimeComponents) {}

impl Env {
    /// Moves both clocks to the next TOTP step.
    fn next_step(&self) {
        self.clock.advance(30);
        self.client_clock.advance_secs(30);
    }

    fn now(&self) -> u64 {
        u64::try_from(cognate_server::Clock::now(&*self.clock)).unwrap()
    }

    fn client(&self, pool: &str, client_id: &str, secret: Option<&str>) -> Client {
        let mut b = Client::builder(pool, client_id)
            .endpoint(self.server.endpoint_url())
            .ignore_env()
            .clock(self.client_clock.clone());
        if let Some(s) = secret {
            b = b.client_secret(s);
        }
        b.build().unwrap()
    }

    /// A client whose SDK records the challenges it answers, optionally remembering devices.
    fn recording_client(
        &self,
        pool: &str,
        client_id: &str,
        secret: Option<&str>,
        devices: Option<Arc<MemoryDeviceStore>>,
    ) -> (Client, Answered) {
        let answered = Answered::default();
        let sdk = idp::Client::from_conf(
            idp::Config::builder()
                .behavior_version(idp::config::BehaviorVersion::latest())
                .region(idp::config::Region::new("us-east-1"))
                .endpoint_url(self.server.endpoint_url())
                .interceptor(answered.clone())
                .build(),
        );
        let mut b = Client::builder(pool, client_id)
            .sdk_client(sdk)
            .clock(self.client_clock.clone());
        if let Some(s) = secret {
            b = b.client_secret(s);
        }
        if let Some(d) = devices {
            b = b.remember_devices(d);
        }
        (b.build().unwrap(), answered)
    }

    /// An admin call (SigV4 is not checked by the local server; none is sent).
    async fn admin(&self, op: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(self.server.endpoint_url())
            .header("Content-Type", "application/x-amz-json-1.1")
            .header(
                "X-Amz-Target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(status, 200, "{op}: {v}");
        v
    }

    /// The code of the newest outbox message to `username` of `pool`.
    async fn outbox_code(&self, pool: &str, username: &str) -> String {
        let last = self.outbox_last(pool, username).await;
        assert_eq!(last["purpose"], "EMAIL_OTP", "{last}");
        last["code"].as_str().unwrap().to_owned()
    }

    /// The newest outbox message to `username` of `pool`.
    async fn outbox_last(&self, pool: &str, username: &str) -> Value {
        let v: Value = self
            .http
            .get(format!(
                "{}/_cognate/outbox?pool={pool}&username={username}",
                self.server.endpoint_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["messages"].as_array().unwrap().last().unwrap().clone()
    }

    /// Logs in without a second factor, then associates, verifies and switches on a TOTP
    /// (not preferred unless `preferred`); returns the secret.
    async fn enrol_totp(&self, c: &Client, user: &str, preferred: bool) -> TotpSecret {
        let t = c
            .login(&Credentials::new(user, PASSWORD))
            .await
            .unwrap()
            .into_tokens()
            .unwrap();
        let access = t.access_token().as_str();
        let assoc = c
            .sdk()
            .associate_software_token()
            .access_token(access)
            .send()
            .await
            .unwrap();
        let secret = TotpSecret::from_base32(assoc.secret_code().unwrap()).unwrap();
        let verified = c
            .sdk()
            .verify_software_token()
            .access_token(access)
            .user_code(secret.code_at(self.now()))
            .send()
            .await
            .unwrap();
        assert_eq!(verified.status().unwrap().as_str(), "SUCCESS");
        c.sdk()
            .set_user_mfa_preference()
            .access_token(access)
            .software_token_mfa_settings(
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(preferred)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        self.next_step();
        secret
    }
}

/// A six-digit code that is not `code`.
fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

fn cognito_error(e: &Error) -> (&str, &str) {
    match e {
        Error::Cognito { kind, message, .. } => (kind.as_str(), message.as_str()),
        other => panic!("not a Cognito error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_setup_then_software_token_mfa() {
    let env = start().await;
    let c = env.client(REQUIRED, REQ_CLIENT, Some(REQ_SECRET));
    let creds = Credentials::new("carol@example.com", PASSWORD);

    // (a) The pool requires MFA and carol has none: MFA_SETUP. The secret and its otpauth://
    // URI.
    let step = c.login(&creds).await.unwrap();
    let LoginStep::Challenge(Challenge::MfaSetup(mut setup)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(setup.options, vec![MfaType::SoftwareToken]);
    let sw = setup
        .associate_software_token("Cognate Tests")
        .await
        .unwrap();
    assert_eq!(sw.secret().len(), 52);
    assert_eq!(
        sw.otpauth_uri(),
        otpauth_uri("Cognate Tests", "carol@example.com", sw.secret())
    );
    assert_eq!(
        sw.otpauth_uri(),
        format!(
            "otpauth://totp/Cognate%20Tests:carol%40example.com?secret={}&issuer=Cognate%20Tests",
            sw.secret()
        )
    );
    assert_eq!(format!("{sw:?}"), "SoftwareTokenSetup(<redacted>)");
    let secret = TotpSecret::from_base32(sw.secret()).unwrap();
    // A wrong first code is refused by VerifySoftwareToken with its own error, and the
    // challenge comes back: the same login goes on.
    let err = setup
        .verify(&wrong(&secret.code_at(env.now())), Some("phone"))
        .await
        .unwrap_err();
    assert_eq!(
        cognito_error(err.error()),
        (
            "EnableSoftwareTokenMFAException",
            "Code mismatch and fail enable Software Token MFA"
        )
    );
    assert_eq!(err.to_string(), err.error().to_string());
    assert!(err.can_retry());
    let setup = err.into_challenge().unwrap();
    // A second wrong code: handed back again.
    let err = setup
        .verify(&wrong(&wrong(&secret.code_at(env.now()))), Some("phone"))
        .await
        .unwrap_err();
    let setup = err.into_challenge().unwrap();
    // Then the right one, in the same login (no second AssociateSoftwareToken): tokens.
    let tokens = setup
        .verify(&secret.code_at(env.now()), Some("phone"))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    let me = c.get_user(tokens.access_token().as_str()).await.unwrap();
    assert_eq!(Some(me.username.as_str()), tokens.username());
    assert_eq!(
        tokens.id_token().claims().email.as_deref(),
        Some("carol@example.com")
    );

    // (b) From now on every login asks SOFTWARE_TOKEN_MFA, by SRP and by password.
    for flow in [AuthFlow::UserSrp, AuthFlow::UserPassword] {
        env.next_step();
        // A wrong code: the typed error with Cognito's name and message, and the challenge
        // back.
        let step = c.login_with(&creds, flow).await.unwrap();
        let LoginStep::Challenge(Challenge::SoftwareTokenMfa(ch)) = step else {
            panic!("{flow:?}: {step:?}")
        };
        assert_eq!(ch.destination, None);
        let err = ch
            .respond(&wrong(&secret.code_at(env.now())))
            .await
            .unwrap_err();
        assert!(err.error().is_bad_code(), "{err:?}");
        assert_eq!(
            cognito_error(err.error()),
            ("CodeMismatchException", "Invalid code received for user")
        );
        let (_, again) = err.into_parts();
        let ch = again.expect("a wrong code hands the challenge back");
        // The right one, in the same login: tokens for the same user.
        let t = ch
            .respond(&secret.code_at(env.now()))
            .await
            .unwrap()
            .into_tokens()
            .unwrap();
        assert_eq!(t.username(), tokens.username());
        assert!(t.refresh_token().is_some());
        // A program that cannot prompt fails fast, naming the challenge.
        let err = c
            .login_with(&creds, flow)
            .await
            .unwrap()
            .into_tokens()
            .unwrap_err();
        assert!(
            matches!(&err, Error::ChallengeRequired(n) if n == "SOFTWARE_TOKEN_MFA"),
            "{err:?}"
        );
    }

    // (c) Only a wrong code is worth another try: an expired session ends the login, and the
    // challenge does not come back.
    env.next_step();
    let step = c.login(&creds).await.unwrap();
    let LoginStep::Challenge(Challenge::SoftwareTokenMfa(ch)) = step else {
        panic!("{step:?}")
    };
    env.clock.advance(3600);
    env.client_clock.advance_secs(3600);
    let err = ch.respond(&secret.code_at(env.now())).await.unwrap_err();
    assert!(!err.can_retry(), "{err:?}");
    assert_eq!(
        cognito_error(err.error()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    let err: Error = err.into();
    assert!(err.is_not_authorized());
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_mfa_type_then_email_or_totp() {
    let env = start().await;
    env.admin(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": OPTIONAL, "MfaConfiguration": "OPTIONAL",
               "SoftwareTokenMfaConfiguration": {"Enabled": true},
               "EmailMfaConfiguration": {"Message": "Your code is {####}", "Subject": "Your code"}}),
    )
    .await;
    let c = env.client(OPTIONAL, OPT_CLIENT, None);
    let secret = env.enrol_totp(&c, "dan", false).await;
    // Email too, and no preference: the user chooses at each login.
    let t = {
        // Only the second factor is missing from a login now: use the TOTP.
        let step = c.login(&Credentials::new("dan", PASSWORD)).await.unwrap();
        let LoginStep::Challenge(Challenge::SoftwareTokenMfa(ch)) = step else {
            panic!("{step:?}")
        };
        ch.respond(&secret.code_at(env.now()))
            .await
            .unwrap()
            .into_tokens()
            .unwrap()
    };
    c.sdk()
        .set_user_mfa_preference()
        .access_token(t.access_token().as_str())
        .email_mfa_settings(
            EmailMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let user = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": OPTIONAL, "Username": "dan"}),
        )
        .await;
    assert_eq!(
        user["UserMFASettingList"],
        json!(["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])
    );
    assert!(user.get("PreferredMfaSetting").is_none(), "{user}");

    // (c) SELECT_MFA_TYPE → EMAIL_OTP → the code from the outbox → tokens.
    env.next_step();
    let step = c.login(&Credentials::new("dan", PASSWORD)).await.unwrap();
    let LoginStep::Challenge(Challenge::SelectMfaType(select)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(select.options, vec![MfaType::SoftwareToken, MfaType::Email]);
    let step = select.select(MfaType::Email).await.unwrap();
    let LoginStep::Challenge(Challenge::EmailOtp(ch)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(ch.destination.as_deref(), Some("d***@e***.com"));
    assert_eq!(ch.delivery_medium.as_deref(), Some("EMAIL"));
    let code = env.outbox_code(OPTIONAL, "dan").await;
    let t = ch.respond(&code).await.unwrap().into_tokens().unwrap();
    assert_eq!(t.username(), Some("dan"));

    // A wrong email code: CodeMismatchException.
    let step = c.login(&Credentials::new("dan", PASSWORD)).await.unwrap();
    let LoginStep::Challenge(Challenge::SelectMfaType(select)) = step else {
        panic!("{step:?}")
    };
    let LoginStep::Challenge(Challenge::EmailOtp(ch)) =
        select.select(MfaType::Email).await.unwrap()
    else {
        panic!("not EMAIL_OTP")
    };
    let code = env.outbox_code(OPTIONAL, "dan").await;
    let err = ch.respond(&wrong(&code)).await.unwrap_err();
    assert_eq!(
        cognito_error(err.error()),
        (
            "CodeMismatchException",
            "Invalid code or auth state for the user."
        )
    );
    // The same session takes the right code next: tokens, and no second email.
    let ch = err.into_challenge().unwrap();
    let t = ch.respond(&code).await.unwrap().into_tokens().unwrap();
    assert_eq!(t.username(), Some("dan"));

    // SELECT_MFA_TYPE → SOFTWARE_TOKEN_MFA → a TOTP code → tokens.
    let step = c.login(&Credentials::new("dan", PASSWORD)).await.unwrap();
    let LoginStep::Challenge(Challenge::SelectMfaType(select)) = step else {
        panic!("{step:?}")
    };
    let step = select.select(MfaType::SoftwareToken).await.unwrap();
    let LoginStep::Challenge(Challenge::SoftwareTokenMfa(ch)) = step else {
        panic!("{step:?}")
    };
    let t = ch
        .respond(&secret.code_at(env.now()))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(t.username(), Some("dan"));
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_mfa_wrong_then_right_code() {
    let env = start().await;
    env.admin(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": OPTIONAL, "MfaConfiguration": "OPTIONAL",
               "SmsMfaConfiguration": {"SmsConfiguration": {
                   "SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms",
                   "ExternalId": "cognate-tests"}}}),
    )
    .await;
    env.admin(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": OPTIONAL, "Username": "gus", "UserAttributes": [
            {"Name": "phone_number", "Value": "+15555551234"},
            {"Name": "phone_number_verified", "Value": "true"}]}),
    )
    .await;
    env.admin(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": OPTIONAL, "Username": "gus",
               "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let user = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": OPTIONAL, "Username": "gus"}),
        )
        .await;
    assert_eq!(user["UserMFASettingList"], json!(["SMS_MFA"]), "{user}");
    assert_eq!(user["PreferredMfaSetting"], "SMS_MFA", "{user}");

    // SMS_MFA with the masked phone number; the code is in the outbox.
    let c = env.client(OPTIONAL, OPT_CLIENT, None);
    let step = c.login(&Credentials::new("gus", PASSWORD)).await.unwrap();
    let LoginStep::Challenge(Challenge::SmsMfa(ch)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(ch.destination.as_deref(), Some("+*******1234"));
    assert_eq!(ch.delivery_medium.as_deref(), Some("SMS"));
    let sent = env.outbox_last(OPTIONAL, "gus").await;
    assert_eq!(
        (&sent["purpose"], &sent["medium"], &sent["destination"]),
        (&json!("SMS_MFA"), &json!("SMS"), &json!("+15555551234")),
        "{sent}"
    );
    let code = sent["code"].as_str().unwrap().to_owned();

    // A wrong code: CodeMismatchException, and the challenge comes back.
    let err = ch.respond(&wrong(&code)).await.unwrap_err();
    assert!(err.error().is_bad_code(), "{err:?}");
    assert!(err.can_retry());
    assert_eq!(
        cognito_error(err.error()),
        (
            "CodeMismatchException",
            "Invalid code or auth state for the user."
        )
    );
    let ch = err.into_challenge().expect("a wrong code hands it back");
    assert_eq!(ch.destination.as_deref(), Some("+*******1234"));

    // The right code in the same login: tokens that work, and no second SMS.
    let t = ch.respond(&code).await.unwrap().into_tokens().unwrap();
    assert_eq!(t.username(), Some("gus"));
    let me = c.get_user(t.access_token().as_str()).await.unwrap();
    assert_eq!(me.username, "gus");
    assert_eq!(env.outbox_last(OPTIONAL, "gus").await, sent);
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remembered_device_skips_mfa() {
    let env = start().await;
    let plain = env.client(DEVICES, DEV_CLIENT, Some(DEV_SECRET));
    let secret = env.enrol_totp(&plain, "erin", true).await;
    let devices = Arc::new(MemoryDeviceStore::new());
    let (c, answered) =
        env.recording_client(DEVICES, DEV_CLIENT, Some(DEV_SECRET), Some(devices.clone()));
    let creds = Credentials::new("erin", PASSWORD);

    // (d) A new device: the second factor, then tokens with NewDeviceMetadata; the client
    // confirms the device with an SRP verifier, marks it remembered and keeps its secret.
    let step = c.login(&creds).await.unwrap();
    let LoginStep::Challenge(Challenge::SoftwareTokenMfa(ch)) = step else {
        panic!("{step:?}")
    };
    let first = ch
        .respond(&secret.code_at(env.now()))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(answered.take(), ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA"]);
    let device = devices
        .load("erin")
        .unwrap()
        .expect("the device is remembered");
    assert!(device.device_key.starts_with("us-east-1_"), "{device:?}");
    assert_eq!(
        first.access_token().claims().device_key.as_deref(),
        Some(device.device_key.as_str())
    );
    let got = env
        .admin(
            "AdminGetDevice",
            json!({"UserPoolId": DEVICES, "Username": "erin", "DeviceKey": device.device_key}),
        )
        .await;
    let attrs = got["Device"]["DeviceAttributes"].as_array().unwrap();
    assert!(attrs.contains(&json!({"Name": "device_name", "Value": "cognate"})));
    assert!(
        attrs.contains(&json!({"Name": "dev:device_remembered_status", "Value": "remembered"})),
        "{got}"
    );

    // Later logins, by SRP and by password: DEVICE_SRP_AUTH, answered by the client with the
    // device's secret; no MFA challenge surfaces; the tokens carry the device key.
    for flow in [AuthFlow::UserSrp, AuthFlow::UserPassword] {
        env.next_step();
        let step = c.login_with(&creds, flow).await.unwrap();
        let LoginStep::Authenticated(t) = step else {
            panic!("{flow:?}: a challenge surfaced: {step:?}")
        };
        let expected: &[&str] = match flow {
            AuthFlow::UserSrp => &[
                "PASSWORD_VERIFIER",
                "DEVICE_SRP_AUTH",
                "DEVICE_PASSWORD_VERIFIER",
            ],
            _ => &["DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"],
        };
        assert_eq!(answered.take(), expected, "{flow:?}");
        assert_eq!(
            t.access_token().claims().device_key.as_deref(),
            Some(device.device_key.as_str())
        );
        assert_eq!(t.username(), Some("erin"));
    }
    // Still the one device (no new one was made or confirmed).
    let listed = env
        .admin(
            "AdminListDevices",
            json!({"UserPoolId": DEVICES, "Username": "erin"}),
        )
        .await;
    assert_eq!(listed["Devices"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(
        devices.load("erin").unwrap().unwrap().device_key,
        device.device_key
    );

    // A refresh keeps the device key.
    let source = TokenSource::builder(c.clone())
        .tokens(first.clone())
        .build();
    let refreshed = source.refresh_after_rejection(None).await.unwrap();
    assert_eq!(
        refreshed.access_token().claims().device_key.as_deref(),
        Some(device.device_key.as_str())
    );

    // The same user on a client that remembers nothing: MFA again.
    let step = plain.login(&creds).await.unwrap();
    assert!(
        matches!(step, LoginStep::Challenge(Challenge::SoftwareTokenMfa(_))),
        "{step:?}"
    );

    // A TokenSource on the remembering client logs in again after GlobalSignOut with nobody
    // there to answer MFA: the remembered device stands in for the second factor.
    let source = TokenSource::builder(c.clone())
        .credentials(creds.clone())
        .build();
    let before = source.tokens().await.unwrap();
    c.global_sign_out(before.access_token().as_str())
        .await
        .unwrap();
    let after = source.refresh_after_rejection(Some(&before)).await.unwrap();
    assert_eq!((source.refresh_count(), source.login_count()), (1, 2));
    assert_eq!(
        after.access_token().claims().device_key.as_deref(),
        Some(device.device_key.as_str())
    );
    // Without the device it cannot, and says which challenge stopped it.
    let err = TokenSource::builder(plain.clone())
        .credentials(creds.clone())
        .build()
        .tokens()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ChallengeRequired(n) if n == "SOFTWARE_TOKEN_MFA"),
        "{err:?}"
    );
    answered.take();

    // The pool forgets the device (ForgetDevice from another device, an admin): the next login
    // gets `ResourceNotFoundException: Device does not exist.`, and the client, as the AWS
    // SDKs do, forgets its copy and logs in without it (MFA again), then remembers the new one.
    env.admin(
        "AdminForgetDevice",
        json!({"UserPoolId": DEVICES, "Username": "erin", "DeviceKey": device.device_key}),
    )
    .await;
    env.next_step();
    let step = c.login(&creds).await.unwrap();
    let LoginStep::Challenge(Challenge::SoftwareTokenMfa(ch)) = step else {
        panic!("{step:?}")
    };
    let t = ch
        .respond(&secret.code_at(env.now()))
        .await
        .unwrap()
        .into_tokens()
        .unwrap();
    assert_eq!(
        answered.take(),
        [
            "PASSWORD_VERIFIER",
            "PASSWORD_VERIFIER",
            "SOFTWARE_TOKEN_MFA"
        ]
    );
    let renewed = devices.load("erin").unwrap().unwrap();
    assert_ne!(renewed.device_key, device.device_key);
    assert_eq!(
        t.access_token().claims().device_key.as_deref(),
        Some(renewed.device_key.as_str())
    );
    env.next_step();
    let t = c.login(&creds).await.unwrap().into_tokens().unwrap();
    assert_eq!(
        t.access_token().claims().device_key.as_deref(),
        Some(renewed.device_key.as_str())
    );
    env.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_source_after_global_sign_out() {
    let env = start().await;
    let c = env.client(OPTIONAL, OPT_CLIENT, None);
    let creds = Credentials::new("gus", PASSWORD);
    for method in [
        RefreshMethod::RefreshTokenAuth,
        RefreshMethod::GetTokensFromRefreshToken,
    ] {
        // (e) With a credential source: the refresh is refused as revoked, and it logs in again.
        let source = TokenSource::builder(c.clone())
            .credentials(creds.clone())
            .refresh_method(method)
            .build();
        let before = source.tokens().await.unwrap();
        assert_eq!(source.login_count(), 1);
        c.global_sign_out(before.access_token().as_str())
            .await
            .unwrap();
        let err = c
            .get_user(before.access_token().as_str())
            .await
            .unwrap_err();
        assert_eq!(
            cognito_error(&err),
            ("NotAuthorizedException", "Access Token has been revoked")
        );
        let after = source.refresh_after_rejection(Some(&before)).await.unwrap();
        assert_eq!(source.refresh_count(), 1, "{method:?}");
        assert_eq!(source.login_count(), 2, "{method:?}");
        assert_ne!(
            after.access_token().claims().origin_jti,
            before.access_token().claims().origin_jti
        );
        let me = c.get_user(after.access_token().as_str()).await.unwrap();
        assert_eq!(me.username, "gus");

        // Without one: the clear error, naming why.
        let bare = TokenSource::builder(c.clone())
            .tokens((*after).clone())
            .refresh_method(method)
            .build();
        c.global_sign_out(after.access_token().as_str())
            .await
            .unwrap();
        env.client_clock.advance_secs(3600);
        let err = bare.tokens().await.unwrap_err();
        assert!(
            matches!(&err, Error::SessionEnded(why)
                if why == "NotAuthorizedException: Refresh Token has been revoked"),
            "{method:?}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "the session has ended (NotAuthorizedException: Refresh Token has been revoked); log in again"
        );
    }
    env.server.shutdown().await;
}
