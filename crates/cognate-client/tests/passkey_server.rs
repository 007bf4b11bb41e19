//! Passkeys with the client against cognate-server (in process): a software authenticator
//! registers a passkey (StartWebAuthnRegistration / CompleteWebAuthnRegistration, verified by
//! the server with webauthn-rs, the same checks python-fido2's authenticator goes through in
//! `interop/python/passkeys.py`), then signs in with `USER_AUTH` / `WEB_AUTHN`, preferred and
//! chosen from `SELECT_CHALLENGE`. Refused: another user's passkey, an unknown one, a signature
//! that does not verify, a wrong origin, a deleted passkey; and the authenticator's own refusals
//! (a passkey registered twice, user verification required but not claimed, a file open to
//! other users).

#![allow(clippy::unwrap_used)]

use cognate_client::passkey::{
    Authenticator, CreationOptions, PasskeyError, RequestOptions, SoftwareAuthenticator,
};
use cognate_client::{
    AuthFlow, Challenge, Client, Credentials, Error, FirstFactor, LoginStep, WebAuthnChallenge,
};
use cognate_server::{RunningServer, Seed, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct horse 1!";
const POOL: &str = "us-east-1_ClientPasskey1";
const CLIENT: &str = "clientpasskeywebaaaaaaaaaa";

fn seed() -> Seed {
    serde_json::from_value(json!({"pools": [
        {"id": POOL, "name": "passkeys",
         "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
         "clients": [{"name": "web", "id": CLIENT,
                      "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                            "ALLOW_REFRESH_TOKEN_AUTH"]}],
         "users": [{"username": "ann", "password": PASSWORD},
                   {"username": "bob", "password": PASSWORD}]}
    ]}))
    .unwrap()
}

/// An admin call (the local server takes them unsigned).
async fn admin(server: &RunningServer, op: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(server.endpoint_url())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{op}: {}", resp.status());
    resp.json().await.unwrap()
}

/// The server, its pool's relying party `localhost` with user verification required.
async fn start() -> RunningServer {
    let server = Server::builder()
        .in_memory()
        .seed_data(seed())
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    admin(
        &server,
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": POOL, "MfaConfiguration": "OFF",
               "WebAuthnConfiguration": {"RelyingPartyId": "localhost", "UserVerification": "required"}}),
    )
    .await;
    server
}

fn client(server: &RunningServer) -> Client {
    Client::builder(POOL, CLIENT)
        .endpoint(server.endpoint_url())
        .ignore_env()
        .build()
        .unwrap()
}

async fn access_token(c: &Client, user: &str) -> String {
    c.login_with(&Credentials::new(user, PASSWORD), AuthFlow::UserPassword)
        .await
        .unwrap()
        .into_tokens()
        .unwrap()
        .access_token()
        .as_str()
        .to_owned()
}

async fn passkey_step(c: &Client, user: &str) -> WebAuthnChallenge {
    match c
        .login_user_auth(user, Some(FirstFactor::WebAuthn))
        .await
        .unwrap()
    {
        LoginStep::Challenge(Challenge::WebAuthn(w)) => w,
        other => panic!("expected WEB_AUTHN, got {other:?}"),
    }
}

fn signed_in_as(step: LoginStep, user: &str) {
    let tokens = step.into_tokens().unwrap();
    assert_eq!(
        tokens.access_token().claims().username.as_deref(),
        Some(user)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_passkey_signs_in() {
    let server = start().await;
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys").join("passkeys.json");

    // No passkey yet: WEB_AUTHN is not offered.
    let LoginStep::Challenge(Challenge::SelectChallenge(choice)) =
        c.login_user_auth("ann", None).await.unwrap()
    else {
        panic!("expected SELECT_CHALLENGE");
    };
    assert_eq!(
        choice.available,
        vec![FirstFactor::Password, FirstFactor::PasswordSrp]
    );

    // Register, with the credentials kept in a private file.
    let ann = access_token(&c, "ann").await;
    let authenticator = SoftwareAuthenticator::open(&file).unwrap();
    c.register_passkey(&ann, &authenticator).await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let ids = authenticator.credential_ids();
    assert_eq!(ids.len(), 1);
    let listed = c.list_passkeys(&ann).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credential_id, ids[0]);
    assert_eq!(listed[0].relying_party_id, "localhost");
    assert_eq!(listed[0].attachment.as_deref(), Some("platform"));

    // The same authenticator again: the relying party excludes the passkey it has.
    let err = c.register_passkey(&ann, &authenticator).await.unwrap_err();
    assert!(
        matches!(err, Error::Passkey(PasskeyError::AlreadyRegistered { .. })),
        "{err}"
    );

    // SELECT_CHALLENGE offers WEB_AUTHN now; chosen, the authenticator answers.
    let LoginStep::Challenge(Challenge::SelectChallenge(choice)) =
        c.login_user_auth("ann", None).await.unwrap()
    else {
        panic!("expected SELECT_CHALLENGE");
    };
    assert!(choice.available.contains(&FirstFactor::WebAuthn));
    let LoginStep::Challenge(Challenge::WebAuthn(step)) =
        choice.select(FirstFactor::WebAuthn).await.unwrap()
    else {
        panic!("expected WEB_AUTHN");
    };
    assert_eq!(step.options.rp_id(), Some("localhost"));
    assert_eq!(step.options.allowed_credentials(), vec![ids[0].as_str()]);
    signed_in_as(step.respond(&authenticator).await.unwrap(), "ann");

    // Preferred: straight to WEB_AUTHN. A second process reading the same file signs in too,
    // its counter going on from the saved one.
    let step = passkey_step(&c, "ann").await;
    signed_in_as(step.respond(&authenticator).await.unwrap(), "ann");
    let again = SoftwareAuthenticator::open(&file).unwrap();
    let step = passkey_step(&c, "ann").await;
    signed_in_as(step.respond(&again).await.unwrap(), "ann");
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["credentials"][0]["counter"], 3);

    // An authenticator that does not claim user verification is refused by itself when the
    // relying party requires it.
    let unverified = SoftwareAuthenticator::open(&file)
        .unwrap()
        .with_user_verification(false);
    let err = passkey_step(&c, "ann")
        .await
        .respond(&unverified)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Passkey(PasskeyError::Unsupported(_))),
        "{err}"
    );
    server.shutdown().await;
}

/// An authenticator that answers with whatever credential it has for the relying party,
/// whatever `allowCredentials` says, and optionally spoils the signature: a client that
/// tries what the server must refuse.
struct Misbehaving {
    inner: SoftwareAuthenticator,
    spoil_signature: bool,
}

#[async_trait::async_trait]
impl Authenticator for Misbehaving {
    async fn create(&self, options: &CreationOptions) -> Result<Value, PasskeyError> {
        self.inner.create(options).await
    }
    async fn get(&self, options: &RequestOptions) -> Result<Value, PasskeyError> {
        let mut o = options.json().clone();
        o.as_object_mut().unwrap().remove("allowCredentials");
        let mut answer = self.inner.get(&RequestOptions::new(o)).await?;
        if self.spoil_signature {
            let sig = answer["response"]["signature"].as_str().unwrap().to_owned();
            let mut bytes: Vec<char> = sig.chars().collect();
            let i = bytes.len() / 2;
            bytes[i] = if bytes[i] == 'A' { 'B' } else { 'A' };
            answer["response"]["signature"] = json!(bytes.into_iter().collect::<String>());
        }
        Ok(answer)
    }
}

fn refused(err: &Error) {
    assert!(
        err.is_not_authorized(),
        "expected NotAuthorizedException: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passkeys_are_refused() {
    let server = start().await;
    let c = client(&server);
    let ann_key = SoftwareAuthenticator::in_memory();
    let bob_key = SoftwareAuthenticator::in_memory();
    let ann = access_token(&c, "ann").await;
    let bob = access_token(&c, "bob").await;
    c.register_passkey(&ann, &ann_key).await.unwrap();
    c.register_passkey(&bob, &bob_key).await.unwrap();

    // Bob's authenticator has no passkey Ann's sign-in accepts: it says so itself.
    let err = passkey_step(&c, "ann")
        .await
        .respond(&bob_key)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Passkey(PasskeyError::NoCredential { .. })),
        "{err}"
    );
    // Answering with Bob's passkey anyway: refused by the server.
    let bobs = Misbehaving {
        inner: bob_key,
        spoil_signature: false,
    };
    refused(
        &passkey_step(&c, "ann")
            .await
            .respond(&bobs)
            .await
            .unwrap_err(),
    );
    // A passkey never registered (made for the same relying party): refused.
    let stranger = Misbehaving {
        inner: SoftwareAuthenticator::in_memory(),
        spoil_signature: false,
    };
    stranger
        .create(&CreationOptions::new(json!({
            "rp": {"id": "localhost", "name": "x"},
            "user": {"id": "c3RyYW5nZXI", "name": "ann", "displayName": "ann"},
            "challenge": "c3RyYW5nZXItY2hhbGxlbmdlLTAxMjM0NTY3ODk",
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        })))
        .await
        .unwrap();
    refused(
        &passkey_step(&c, "ann")
            .await
            .respond(&stranger)
            .await
            .unwrap_err(),
    );
    // Ann's own passkey with a signature that does not verify: refused.
    let spoiled = Misbehaving {
        inner: ann_key,
        spoil_signature: true,
    };
    refused(
        &passkey_step(&c, "ann")
            .await
            .respond(&spoiled)
            .await
            .unwrap_err(),
    );
    let ann_key = spoiled.inner;
    // Ann's passkey used from another origin than the relying party's: refused.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ann.json");
    let kept = SoftwareAuthenticator::open(&file).unwrap();
    let ann2 = access_token(&c, "ann").await;
    c.register_passkey(&ann2, &kept).await.unwrap();
    let phishing = SoftwareAuthenticator::open(&file)
        .unwrap()
        .with_origin("https://localhost.example.net");
    refused(
        &passkey_step(&c, "ann")
            .await
            .respond(&phishing)
            .await
            .unwrap_err(),
    );
    // Still good with the right one.
    signed_in_as(
        passkey_step(&c, "ann")
            .await
            .respond(&ann_key)
            .await
            .unwrap(),
        "ann",
    );

    // Deleted passkeys are no longer offered: with none left, WEB_AUTHN preferred gets the
    // password factors only.
    for p in c.list_passkeys(&ann).await.unwrap() {
        c.delete_passkey(&ann, &p.credential_id).await.unwrap();
    }
    assert!(c.list_passkeys(&ann).await.unwrap().is_empty());
    let LoginStep::Challenge(Challenge::SelectChallenge(choice)) = c
        .login_user_auth("ann", Some(FirstFactor::WebAuthn))
        .await
        .unwrap()
    else {
        panic!("expected SELECT_CHALLENGE once the passkeys are gone");
    };
    assert!(!choice.available.contains(&FirstFactor::WebAuthn));
    server.shutdown().await;
}

#[cfg(unix)]
#[test]
fn a_passkey_file_open_to_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passkeys.json");
    std::fs::write(&file, r#"{"version": 1, "credentials": []}"#).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = SoftwareAuthenticator::open(&file).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(
        SoftwareAuthenticator::open(&file)
            .unwrap()
            .credential_ids()
            .is_empty()
    );
}
