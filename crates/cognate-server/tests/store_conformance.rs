//! The store conformance suite (`cognate_server::store::conformance`) on every backend and
//! arrangement the server uses — SQLite in memory and on disk, each with and without the cache
//! layer — plus what only a real database file can show: the schema migration, and the
//! rotation guard under concurrent writers.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cognate_server::StoreError;
use cognate_server::model::RefreshRecord;
use cognate_server::store::{Alias, CachedStore, Change, SqliteStore, Store, cascade, conformance};

#[test]
fn sqlite_in_memory_conforms() {
    conformance::run(&SqliteStore::in_memory().unwrap()).unwrap();
}

#[test]
fn sqlite_on_disk_conforms() {
    let dir = common::temp_dir("disk");
    conformance::run(&SqliteStore::open_dir(&dir).unwrap()).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_cache_layer_conforms_over_each() {
    conformance::run(&CachedStore::new(Arc::new(
        SqliteStore::in_memory().unwrap(),
    )))
    .unwrap();
    let dir = common::temp_dir("cached");
    conformance::run(&CachedStore::new(Arc::new(
        SqliteStore::open_dir(&dir).unwrap(),
    )))
    .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// A database written before phone numbers were indexed is brought up to date at open, and
/// its users are found by phone number.
#[test]
fn an_older_database_is_migrated() {
    let dir = common::temp_dir("migrate");
    {
        let c = rusqlite::Connection::open(dir.join("cognate.sqlite3")).unwrap();
        c.execute_batch(
            "CREATE TABLE users (
               seq INTEGER PRIMARY KEY AUTOINCREMENT,
               pool_id TEXT NOT NULL, username TEXT NOT NULL, sub TEXT NOT NULL, email TEXT,
               data TEXT NOT NULL, UNIQUE (pool_id, username));",
        )
        .unwrap();
        let user = serde_json::json!({
            "pool_id": "p", "username": "old", "sub": "s", "enabled": true,
            "status": "CONFIRMED", "verifier": null, "created": 1, "modified": 1,
            "password_set": 1, "attributes": {"phone_number": "+15555550123"}});
        c.execute(
            "INSERT INTO users (pool_id, username, sub, data) VALUES ('p', 'old', 's', ?1)",
            [user.to_string()],
        )
        .unwrap();
    }
    let store = SqliteStore::open_dir(&dir).unwrap();
    let found = store
        .user_by_alias("p", Alias::PhoneNumber, "+15555550123")
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].username, "old");
    drop(store);
    // Opening again is a no-op.
    SqliteStore::open_dir(&dir).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
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

/// 32 threads rotate one refresh token (no grace period) at once, on disk: exactly one wins,
/// and exactly one new token exists.
#[test]
fn concurrent_rotations_of_one_token_have_one_winner() {
    let dir = common::temp_dir("race");
    let store = Arc::new(SqliteStore::open_dir(&dir).unwrap());
    store
        .apply(vec![Change::InsertRefresh(record("old"))])
        .unwrap();
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                store.apply(cascade::rotate_refresh(
                    "old",
                    record(&format!("new-{i}")),
                    100,
                    0,
                ))
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let wins = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(wins, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o.is_ok() || matches!(o, Err(StoreError::Conflict(_))))
    );
    let new = (0..32)
        .filter(|i| store.refresh_get(&format!("new-{i}")).unwrap().is_some())
        .count();
    assert_eq!(new, 1);
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The database holds private signing keys: its directory is 0700 and its files 0600, made so
/// when new and repaired when found more open.
#[cfg(unix)]
#[test]
fn the_data_directory_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = common::temp_dir("modes").join("fresh");
    let store = SqliteStore::open_dir(&dir).unwrap();
    store.meta_init("k", b"v").unwrap();
    assert_eq!(mode(&dir), 0o700);
    for name in [
        "cognate.sqlite3",
        "cognate.sqlite3-wal",
        "cognate.sqlite3-shm",
    ] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    drop(store);
    // Found world-readable: repaired at the next start.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.join("cognate.sqlite3");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = SqliteStore::open_dir(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(store.meta_get("k").unwrap(), Some(b"v".to_vec()));
    drop(store);
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}
