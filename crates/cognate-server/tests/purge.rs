//! Scheduled housekeeping with the manual clock: expired refresh tokens, codes and used-session
//! records go, in bounded passes; live ones stay and keep working. And one server per data
//! directory (SQLite), while servers sharing a PostgreSQL database purge it together.
//!
//! The first two tests run on SQLite, and on PostgreSQL in the second pass of `scripts/test`
//! (`COGNATE_TEST_BACKEND=postgres`); the last two are about one backend each.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cognate_server::store::Change;
use cognate_server::store::RecordKind;
use cognate_server::{Clock, Error, Housekeeping, ManualClock, Seed, Server, Store};
use common::idp_call;
use serde_json::json;
use sha2::{Digest, Sha256};

const POOL: &str = "us-east-1_PurgeTest1";
const CLIENT: &str = "purgeclientaaaaaaaaaaaaaaa";
const DAY: i64 = 86_400;

fn seed() -> Seed {
    Seed::from_toml(&format!(
        "[[pools]]\nid = \"{POOL}\"\nname = \"purge\"\n[[pools.clients]]\nname = \"c\"\nid = \"{CLIENT}\"\nExplicitAuthFlows = [\"ALLOW_USER_PASSWORD_AUTH\", \"ALLOW_REFRESH_TOKEN_AUTH\"]\n"
    ))
    .unwrap()
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn user(endpoint: &str, name: &str) {
    idp_call(
        endpoint,
        "AdminCreateUser",
        json!({"UserPoolId": POOL, "Username": name, "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")},
                                  {"Name": "email_verified", "Value": "true"}]}),
    )
    .await
    .unwrap();
    idp_call(
        endpoint,
        "AdminSetUserPassword",
        json!({"UserPoolId": POOL, "Username": name, "Password": "Correct horse 1!", "Permanent": true}),
    )
    .await
    .unwrap();
}

/// A login's refresh token.
async fn login(endpoint: &str, name: &str) -> String {
    let out = idp_call(
        endpoint,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": name, "PASSWORD": "Correct horse 1!"}}),
    )
    .await
    .unwrap();
    out["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_rows_go_in_bounded_passes_and_live_ones_stay() {
    let clock = Arc::new(ManualClock::starting_now());
    let (builder, store) = common::inspected(Server::builder());
    let server = builder
        .clock(clock.clone())
        .seed_data(seed())
        // Never on its own during this test: passes run when the test says.
        .housekeeping(Housekeeping {
            every: Duration::from_secs(3600),
            per_pass: 1000,
        })
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let endpoint = server.endpoint_url();
    user(&endpoint, "alice").await;
    let old: Vec<String> = [
        login(&endpoint, "alice").await,
        login(&endpoint, "alice").await,
    ]
    .into();
    // A forgot-password code (one hour).
    idp_call(
        &endpoint,
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "alice"}),
    )
    .await
    .unwrap();
    let codes = || store.doc_list(RecordKind::Code, POOL).unwrap().len();
    let alive = |t: &str| store.refresh_get(&hash(t)).unwrap().is_some();
    assert_eq!(codes(), 1);

    // A day later the code has expired, the refresh tokens (30 days) have not.
    clock.advance(DAY);
    let fresh = login(&endpoint, "alice").await;
    let purged = server.purge_now(1000).await.unwrap();
    assert_eq!(purged.records, 1, "{purged:?}");
    assert_eq!(purged.refresh_tokens, 0, "{purged:?}");
    assert_eq!(codes(), 0);
    assert!(old.iter().all(|t| alive(t)) && alive(&fresh));

    // 30 days after the first logins: those two tokens have expired, the later one has not.
    // One row per pass: two passes for the two, then nothing.
    clock.advance(29 * DAY + 60);
    assert_eq!(server.purge_now(1).await.unwrap().refresh_tokens, 1);
    assert_eq!(server.purge_now(1).await.unwrap().refresh_tokens, 1);
    assert_eq!(server.purge_now(1).await.unwrap().refresh_tokens, 0);
    assert!(old.iter().all(|t| !alive(t)));
    assert!(alive(&fresh));
    // The live token still works.
    let refreshed = idp_call(
        &endpoint,
        "InitiateAuth",
        json!({"ClientId": CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": fresh}}),
    )
    .await
    .unwrap();
    assert!(refreshed["AuthenticationResult"]["AccessToken"].is_string());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_run_on_their_own_schedule() {
    let clock = Arc::new(ManualClock::starting_now());
    let (builder, store) = common::inspected(Server::builder());
    let server = builder
        .clock(clock.clone())
        .seed_data(seed())
        .housekeeping(Housekeeping {
            every: Duration::from_millis(20),
            per_pass: 1000,
        })
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let endpoint = server.endpoint_url();
    user(&endpoint, "bob").await;
    let token = login(&endpoint, "bob").await;
    let live = store.refresh_get(&hash(&token)).unwrap();
    assert!(live.is_some());
    clock.advance(31 * DAY);
    let started = Instant::now();
    while store.refresh_get(&hash(&token)).unwrap().is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no scheduled pass"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown().await;
}

/// SQLite only (a data directory's lock, whichever the pass): a second server on a data
/// directory would serve stale cached settings. On PostgreSQL sharing is the point; see
/// [`two_nodes_on_one_database_purge_each_expired_row_once`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_cannot_share_a_data_directory() {
    let dir = common::temp_dir("one-server-per-dir");
    let first = Server::builder()
        .data_dir(&dir)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    let second = Server::builder()
        .data_dir(&dir)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap_err();
    match &second {
        Error::DataDirInUse { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
        other => panic!("{other}"),
    }
    assert!(
        second
            .to_string()
            .contains("in use by another cognate server (process ")
    );
    // Free again once the first has stopped.
    first.shutdown().await;
    let again = Server::builder()
        .data_dir(&dir)
        .bind("127.0.0.1:0")
        .start()
        .await
        .unwrap();
    again.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Purges `node` 7 rows a pass until a pass finds nothing more; how many records it purged.
async fn drain(node: &cognate_server::RunningServer) -> usize {
    let mut total = 0;
    loop {
        let purged = node.purge_now(7).await.unwrap().records;
        if purged == 0 {
            return total;
        }
        total += purged;
    }
}

/// PostgreSQL only (whichever the pass): two servers ("nodes") on one database purge it at
/// once, in small passes. Together they delete every expired record exactly once (a row locked
/// by one node's pass is skipped by the other's, not waited for nor deleted twice), neither
/// fails, and live records stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_database_purge_each_expired_row_once() {
    const EXPIRED: usize = 300;
    let url = common::postgres::shared_database();
    let clock = Arc::new(ManualClock::starting_now());
    let node = || {
        Server::builder()
            .database(url.clone())
            .clock(clock.clone())
            .housekeeping(Housekeeping {
                every: Duration::from_secs(3600),
                per_pass: 1000,
            })
            .bind("127.0.0.1:0")
            .start()
    };
    let (a, b) = (node().await.unwrap(), node().await.unwrap());
    let store = cognate_server::store::PostgresStore::open(&url).unwrap();
    let now = clock.now();
    let claim = |key: String, expires: i64| Change::Claim {
        kind: RecordKind::UsedSession,
        scope: POOL.into(),
        key,
        data: json!({ "expires": expires }),
    };
    let mut changes: Vec<Change> = (0..EXPIRED)
        .map(|i| claim(format!("old-{i}"), now - 10))
        .collect();
    changes.extend((0..5).map(|i| claim(format!("live-{i}"), now + 600)));
    store.apply(changes).unwrap();
    // Each node purges 7 rows a pass until a pass finds nothing more.
    let (by_a, by_b) = tokio::join!(drain(&a), drain(&b));
    assert_eq!(by_a + by_b, EXPIRED, "a: {by_a}, b: {by_b}");
    let left: Vec<String> = store
        .doc_list(RecordKind::UsedSession, POOL)
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(left.len(), 5, "{left:?}");
    assert!(left.iter().all(|k| k.starts_with("live-")), "{left:?}");
    a.shutdown().await;
    b.shutdown().await;
}
