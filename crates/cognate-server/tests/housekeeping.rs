//! Housekeeping of the server's own records: a challenge session is used once, and the record
//! that says so is deleted by the scheduled purge once the session has expired, so the store
//! does not grow with every answered challenge. On SQLite, and on PostgreSQL in the second
//! pass of `scripts/test` (`COGNATE_TEST_BACKEND=postgres`), where the purge deletes the rows
//! from the shared database.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::store::RecordKind;
use cognate_server::{ManualClock, Seed, Server};
use serde_json::json;

const POOL: &str = "us-east-1_Housekeep";
const CLIENT: &str = "housekeepclientaaaaaaaaaaa";
/// Record kind of consumed challenge sessions (crates/cognate-server/src/services/login/mod.rs).
const USED: RecordKind = RecordKind::UsedSession;

/// Logs in a new admin-created user and answers its NEW_PASSWORD_REQUIRED challenge; returns
/// the challenge's session.
async fn answer_new_password(endpoint: &str, name: &str) -> String {
    common::idp_call(
        endpoint,
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": name, "TemporaryPassword": "Temporary 1!", "MessageAction": "SUPPRESS"}),
    )
    .await
    .unwrap();
    let challenge = common::idp_call(
        endpoint,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": name, "PASSWORD": "Temporary 1!"}}),
    )
    .await
    .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let session = challenge["Session"].as_str().unwrap().to_owned();
    let answer = json!({"ClientId": CLIENT, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session, "ChallengeResponses": {"USERNAME": name, "NEW_PASSWORD": "Permanent 1!"}});
    let tokens = common::idp_call(endpoint, "RespondToAuthChallenge", answer.clone())
        .await
        .unwrap();
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    // Used once: the same answer again is refused.
    assert_eq!(
        common::idp_call(endpoint, "RespondToAuthChallenge", answer)
            .await
            .unwrap_err(),
        (
            "NotAuthorizedException".to_owned(),
            "Invalid session for the user.".to_owned()
        )
    );
    session
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn used_session_records_go_once_their_session_has_expired() {
    let clock = Arc::new(ManualClock::starting_now());
    let seed = Seed::from_toml(&format!(
        "[[pools]]\nid = \"{POOL}\"\nname = \"housekeeping\"\n[[pools.clients]]\nname = \"c\"\nid = \"{CLIENT}\"\nExplicitAuthFlows = [\"ALLOW_USER_PASSWORD_AUTH\", \"ALLOW_REFRESH_TOKEN_AUTH\"]\n"
    ))
    .unwrap();
    let (builder, store) = common::inspected(Server::builder());
    let server = builder
        .clock(clock.clone())
        .seed_data(seed)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let endpoint = server.endpoint_url();
    let used = || store.doc_list(USED, POOL).unwrap().len();

    answer_new_password(&endpoint, "first").await;
    assert_eq!(used(), 1, "the answered session is recorded as used");

    // Within the session's 3 minutes a purge keeps the record: a replay must still be refused.
    clock.advance(30);
    answer_new_password(&endpoint, "second").await;
    server.purge_now(1000).await.unwrap();
    assert_eq!(used(), 2, "records of live sessions are kept");

    // 4 minutes on, both sessions have expired; a purge deletes their records and keeps the
    // record of a session answered since.
    clock.advance(240);
    answer_new_password(&endpoint, "third").await;
    assert_eq!(used(), 3, "answering a challenge purges nothing by itself");
    let purged = server.purge_now(1000).await.unwrap();
    assert_eq!(purged.records, 2);
    assert_eq!(used(), 1, "expired sessions' records are purged");
    server.shutdown().await;
}
