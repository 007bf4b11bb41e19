//! Device tracking against a fake Cognito that checks the device's SRP proof with
//! cognate-srp's server half: confirm after the first login, then a later login answers
//! DEVICE_SRP_AUTH and skips MFA.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use base64::Engine;
use cognate_client::testing::unsigned_jwt;
use cognate_client::{
    AuthFlow, Challenge, Client, Credentials, DeviceStore, LoginStep, MemoryDeviceStore,
};
use cognate_srp::{DeviceSecretVerifierConfig, PasswordVerifierAnswer, SrpServer, Verifier};
use common::MiniServer;
use serde_json::{Value, json};

const KEY: &str = "us-east-1_0a1b2c3d-dev";
const GROUP: &str = "-GroupKey1";

#[derive(Default)]
struct Fake {
    verifier: Option<Verifier>,
    server: Option<(SrpServer, String)>,
    confirmed: usize,
    remembered: usize,
    device_proofs_ok: usize,
}

fn tokens(with_device: bool) -> Value {
    let iat = cognate_client::Clock::now_secs(&cognate_client::SystemClock);
    let mut access =
        json!({"username": "alice", "token_use": "access", "iat": iat, "exp": iat + 3600});
    if !with_device {
        access["device_key"] = json!(KEY);
    }
    let id = json!({"cognito:username": "alice", "token_use": "id", "iat": iat, "exp": iat + 3600});
    let mut r = json!({"AccessToken": unsigned_jwt(&access), "IdToken": unsigned_jwt(&id), "RefreshToken": "r"});
    if with_device {
        r["NewDeviceMetadata"] = json!({"DeviceKey": KEY, "DeviceGroupKey": GROUP});
    }
    json!({"AuthenticationResult": r})
}

#[tokio::test]
async fn remembered_device_skips_mfa() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let f = Arc::clone(&fake);
    let server = MiniServer::start(move |req, _| {
        let b: Value = serde_json::from_str(&req.body).unwrap();
        let target = req.header("x-amz-target").unwrap().rsplit('.').next().unwrap().to_owned();
        let mut f = f.lock().unwrap();
        let answer = match target.as_str() {
            "InitiateAuth" => {
                if b["AuthParameters"]["DEVICE_KEY"] == json!(KEY) && f.verifier.is_some() {
                    json!({"ChallengeName": "DEVICE_SRP_AUTH", "Session": "d1", "ChallengeParameters": {}})
                } else if f.verifier.is_some() {
                    json!({"ChallengeName": "SMS_MFA", "Session": "m1", "ChallengeParameters": {}})
                } else {
                    tokens(true)
                }
            }
            "ConfirmDevice" => {
                assert_eq!(b["DeviceKey"], json!(KEY));
                let c = &b["DeviceSecretVerifierConfig"];
                let config = DeviceSecretVerifierConfig {
                    password_verifier: c["PasswordVerifier"].as_str().unwrap().to_owned(),
                    salt: c["Salt"].as_str().unwrap().to_owned(),
                };
                f.verifier = Some(Verifier::from_device_config(&config).unwrap());
                f.confirmed += 1;
                json!({"UserConfirmationNecessary": false})
            }
            "UpdateDeviceStatus" => {
                assert_eq!(b["DeviceRememberedStatus"], json!("remembered"));
                f.remembered += 1;
                json!({})
            }
            "RespondToAuthChallenge" => {
                let r = &b["ChallengeResponses"];
                assert_eq!(r["DEVICE_KEY"], json!(KEY));
                match b["ChallengeName"].as_str().unwrap() {
                    "DEVICE_SRP_AUTH" => {
                        let v = f.verifier.as_ref().unwrap();
                        let s = SrpServer::new(&mut cognate_srp::os_rng(), v).unwrap();
                        let answer = json!({"ChallengeName": "DEVICE_PASSWORD_VERIFIER", "Session": "d2",
                            "ChallengeParameters": {"SRP_B": s.srp_b(), "SALT": v.salt(), "USERNAME": "alice",
                            "SECRET_BLOCK": base64::engine::general_purpose::STANDARD.encode(b"device block")}});
                        f.server = Some((s, r["SRP_A"].as_str().unwrap().to_owned()));
                        answer
                    }
                    "DEVICE_PASSWORD_VERIFIER" => {
                        let (s, srp_a) = f.server.take().unwrap();
                        let checked = s.check(
                            f.verifier.as_ref().unwrap(),
                            &PasswordVerifierAnswer {
                                srp_a: &srp_a,
                                pool_name: GROUP,
                                user_id: KEY,
                                secret_block: b"device block",
                                timestamp: r["TIMESTAMP"].as_str().unwrap(),
                                signature: r["PASSWORD_CLAIM_SIGNATURE"].as_str().unwrap(),
                            },
                        );
                        if checked.is_err() {
                            return (400, json!({"__type": "NotAuthorizedException", "message": "bad device proof"}).to_string());
                        }
                        f.device_proofs_ok += 1;
                        tokens(false)
                    }
                    other => panic!("unexpected {other}"),
                }
            }
            other => panic!("unexpected {other}"),
        };
        (200, answer.to_string())
    })
    .await;

    let devices = Arc::new(MemoryDeviceStore::new());
    let c = Client::builder("us-east-1_Fake1", "client1")
        .endpoint(&server.url)
        .auth_flow(AuthFlow::UserPassword)
        .remember_devices(Arc::clone(&devices))
        .build()
        .unwrap();
    let creds = Credentials::new("alice", "pw");

    // First login: the device is confirmed and remembered.
    c.login(&creds).await.unwrap().into_tokens().unwrap();
    assert_eq!(fake.lock().unwrap().confirmed, 1);
    assert_eq!(fake.lock().unwrap().remembered, 1);
    let d = devices.load("alice").unwrap().unwrap();
    assert_eq!(d.device_key, KEY);
    assert!(
        !format!("{d:?}").contains(d.device_group_key.as_str())
            || format!("{d:?}").contains("<redacted>")
    );

    // Later login: DEVICE_SRP_AUTH answered with a proof the server accepts; no MFA asked.
    let t = c.login(&creds).await.unwrap().into_tokens().unwrap();
    assert_eq!(t.access_token().claims().device_key.as_deref(), Some(KEY));
    assert_eq!(fake.lock().unwrap().device_proofs_ok, 1);

    // Without the remembered device, the same pool asks for MFA.
    devices.forget("alice").unwrap();
    let step = c.login(&creds).await.unwrap();
    assert!(
        matches!(step, LoginStep::Challenge(Challenge::SmsMfa(_))),
        "{step:?}"
    );
}
