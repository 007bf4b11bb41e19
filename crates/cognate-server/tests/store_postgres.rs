//! The PostgreSQL backend against a real, throwaway PostgreSQL (Debian's package; see
//! `common/postgres.rs`): the conformance suite, with and without the cache layer, and what
//! only a shared database shows — races between two stores (two server processes) decided by
//! the database, the schema's versions, and a clear refusal when the database is unreachable.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::StoreError;
use cognate_server::model::{RefreshRecord, User, UserStatus};
use cognate_server::store::{
    CachedStore, Change, PostgresOptions, PostgresStore, RecordKind, SCHEMA_VERSION, Store,
    cascade, conformance,
};
use common::postgres::shared_database;

fn open(url: &str) -> Arc<PostgresStore> {
    Arc::new(PostgresStore::open(url).unwrap())
}

#[test]
fn postgres_conforms() {
    conformance::run(open(&shared_database()).as_ref()).unwrap();
}

#[test]
fn the_cache_layer_conforms_over_postgres() {
    conformance::run(&CachedStore::new(open(&shared_database()))).unwrap();
}

fn record(hash: &str) -> RefreshRecord {
    RefreshRecord {
        hash: hash.into(),
        pool_id: "p".into(),
        client_id: "c".into(),
        username: "u".into(),
        sub: "s".into(),
        origin_jti: "f".into(),
        event_id: "e".into(),
        auth_time: 1,
        issued: 1,
        expires: 1_000_000,
        revoked: false,
        rotated: None,
        device_key: None,
        oauth: None,
    }
}

/// Two stores on one database (two nodes): 32 threads, half on each, run `op(i)` at once.
fn race<T: Send + 'static>(
    url: &str,
    op: impl Fn(&PostgresStore, usize) -> T + Send + Sync + 'static,
) -> (Arc<PostgresStore>, Vec<T>) {
    let nodes = [open(url), open(url)];
    let op = Arc::new(op);
    let start = Arc::new(std::sync::Barrier::new(32));
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let (store, op, start) = (nodes[i % 2].clone(), op.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                op(&store, i)
            })
        })
        .collect();
    let out = threads.into_iter().map(|t| t.join().unwrap()).collect();
    (nodes[0].clone(), out)
}

/// 32 threads on two nodes rotate one refresh token (no grace period): exactly one wins, and
/// exactly one new token exists.
#[test]
fn concurrent_rotations_across_nodes_have_one_winner() {
    let url = shared_database();
    open(&url)
        .apply(vec![Change::InsertRefresh(record("old"))])
        .unwrap();
    let (store, outcomes) = race(&url, |s, i| {
        s.apply(cascade::rotate_refresh(
            "old",
            record(&format!("new-{i}")),
            100,
            0,
        ))
    });
    let wins = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(wins, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o.is_ok() || matches!(o, Err(StoreError::Conflict(_)))),
        "{outcomes:?}"
    );
    let new = (0..32)
        .filter(|i| store.refresh_get(&format!("new-{i}")).unwrap().is_some())
        .count();
    assert_eq!(new, 1);
}

/// A use-once record (an SRP SECRET_BLOCK, a session) claimed by 32 threads on two nodes at
/// once: one claim succeeds, the others conflict.
#[test]
fn a_claim_is_won_once_across_nodes() {
    let url = shared_database();
    let (store, outcomes) = race(&url, |s, i| {
        s.apply(vec![Change::Claim {
            kind: RecordKind::UsedSession,
            scope: "p".into(),
            key: "block".into(),
            data: serde_json::json!({"by": i, "expires": 10}),
        }])
    });
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.is_ok() || matches!(o, Err(StoreError::Conflict(_))))
    );
    assert!(
        store
            .doc_get(RecordKind::UsedSession, "p", "block")
            .unwrap()
            .is_some()
    );
}

fn user(name: &str, sub: &str) -> User {
    User {
        pool_id: "p".into(),
        username: name.into(),
        sub: sub.into(),
        enabled: true,
        status: UserStatus::Confirmed,
        verifier: None,
        created: 1,
        modified: 1,
        password_set: 1,
        attributes: Default::default(),
    }
}

/// One user name created by 32 threads on two nodes at once: one insert, the rest told the
/// name is taken (UsernameExistsException above).
#[test]
fn a_user_created_at_once_on_two_nodes_is_created_once() {
    let url = shared_database();
    let (store, outcomes) = race(&url, |s, i| {
        s.user_insert(&user("alice", &format!("sub-{i}")))
    });
    let created: Vec<_> = outcomes.iter().filter(|o| matches!(o, Ok(true))).collect();
    assert_eq!(created.len(), 1, "{outcomes:?}");
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(store.user_count("p").unwrap(), 1);
}

/// A counter (failed password attempts) bumped by 32 threads on two nodes, starting from no
/// record at all: no increment is lost.
#[test]
fn counters_updated_on_two_nodes_lose_nothing() {
    let url = shared_database();
    let (store, outcomes) = race(&url, |s, _| {
        s.doc_update(
            RecordKind::PasswordAttempts,
            "p",
            "alice",
            Box::new(|old| {
                let n = old.and_then(|v| v["n"].as_u64()).unwrap_or(0);
                Some(serde_json::json!({ "n": n + 1 }))
            }),
        )
    });
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let v = store
        .doc_get(RecordKind::PasswordAttempts, "p", "alice")
        .unwrap()
        .unwrap();
    assert_eq!(v["n"], 32);
}

/// The schema is versioned: a fresh database is brought to this binary's version once (two
/// stores opening at once included), and a database whose schema is newer is refused with a
/// message saying so.
#[test]
fn the_schema_is_versioned_and_a_newer_one_is_refused() {
    let url = shared_database();
    let (_, opened) = race(&url, |_, _| ());
    assert_eq!(opened.len(), 32);
    assert_eq!(PostgresStore::migrate(&url).unwrap(), SCHEMA_VERSION);
    let pg = common::postgres::shared();
    assert_eq!(
        pg.psql(&url, "SELECT count(*) FROM cognate_schema"),
        SCHEMA_VERSION.to_string()
    );
    pg.psql(
        &url,
        &format!(
            "INSERT INTO cognate_schema (version, name) VALUES ({}, 'from the future')",
            SCHEMA_VERSION + 1
        ),
    );
    let err = PostgresStore::open(&url).unwrap_err().to_string();
    assert!(err.contains("newer than this cognate"), "{err}");
    // Without migrating at open, a database behind this binary is refused too.
    let behind = shared_database();
    let options = PostgresOptions {
        migrate: false,
        ..PostgresOptions::default()
    };
    let err = PostgresStore::open_with(&behind, &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cognate serve migrate"), "{err}");
}

/// An unreachable database: a clear error naming it (never the password), at once.
#[test]
fn an_unreachable_database_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = PostgresStore::open(&format!(
        "postgres://cognate:hunter2@127.0.0.1:{port}/cognate"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!(
            "cannot connect to the database at 127.0.0.1:{port}/cognate"
        )),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

/// A restart of the database: calls while it is down fail (retryable), and the same store
/// works again once it is back — no reopening.
#[test]
fn the_store_reconnects_after_a_database_restart() {
    let mut pg = common::postgres::TestPostgres::start();
    let url = pg.database();
    let store = open(&url);
    store.meta_init("k", b"v").unwrap();
    pg.stop();
    match store.meta_get("k") {
        Err(StoreError::Backend { retryable, .. }) => assert!(retryable),
        other => panic!("a call with the database down: {other:?}"),
    }
    pg.restart();
    assert_eq!(store.meta_get("k").unwrap(), Some(b"v".to_vec()));
}

/// Connections left idle in the pools when the database went down are found closed before they
/// are lent (one idle for 100 ms or more answers an empty query first), so the first call after
/// the database is back succeeds, however many calls failed while it was down; a lock's
/// connection as well as a query's. Without the check, the first call fails.
#[test]
fn the_first_call_after_a_restart_gets_a_live_connection() {
    let mut pg = common::postgres::TestPostgres::start();
    let url = pg.database();
    let store = open(&url);
    let lock_and_read = |store: &dyn Store| {
        store
            .lock_then_get("restart", RecordKind::PasswordAttempts, "s", "k")
            .map(|(lock, value)| {
                drop(lock);
                value
            })
    };
    store.meta_init("k", b"v").unwrap();
    assert_eq!(lock_and_read(store.as_ref()).unwrap(), None);
    pg.stop();
    pg.restart();
    assert_eq!(store.meta_get("k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(lock_and_read(store.as_ref()).unwrap(), None);
    pg.stop();
    assert!(store.meta_get("k").is_err());
    assert!(lock_and_read(store.as_ref()).is_err());
    pg.restart();
    assert_eq!(store.meta_get("k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(lock_and_read(store.as_ref()).unwrap(), None);
}
