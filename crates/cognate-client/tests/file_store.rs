//! The file store: 0600, atomic replacement, several writers at once.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cognate_client::testing::token_set;
use cognate_client::{FileStore, MemoryStore, TokenStore};

#[test]
fn file_is_0600_json_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path().join("cognate"));
    let t = token_set(
        "alice",
        1_700_000_000,
        3600,
        Some("refresh-secret"),
        1_699_999_990,
    );
    store.save("default", &t).unwrap();
    let path = store.path("default").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
        let dir_mode = std::fs::metadata(dir.path().join("cognate"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700, "{dir_mode:o}");
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["refresh_token"], "refresh-secret");
    let back = store.load("default").unwrap().unwrap();
    assert_eq!(back.access_token().as_str(), t.access_token().as_str());
    assert_eq!(
        back.refresh_token().unwrap().expose_secret(),
        "refresh-secret"
    );
    assert_eq!(back.clock_skew_secs(), 10);
    // No temporary files left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("cognate"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    store.remove("default").unwrap();
    assert!(store.load("default").unwrap().is_none());
    store.remove("default").unwrap();
    assert!(store.save("../escape", &t).is_err());
    assert!(store.save(".hidden", &t).is_err());
}

#[test]
fn corrupt_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path());
    std::fs::write(dir.path().join("p.json"), b"{not json").unwrap();
    assert!(store.load("p").is_err());
    std::fs::write(
        dir.path().join("p.json"),
        br#"{"access_token":"x","id_token":"y"}"#,
    )
    .unwrap();
    assert!(store.load("p").is_err());
}

/// Writers in several threads, each with its own `FileStore` (as separate processes would
/// have), and readers alongside: every read sees one complete token set, never a torn file.
#[test]
fn concurrent_writers_and_readers_never_see_a_torn_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    FileStore::new(&path)
        .save(
            "shared",
            &token_set("w0", 1_700_000_000, 3600, Some("r"), 1_700_000_000),
        )
        .unwrap();
    let mut handles = Vec::new();
    for w in 0..4 {
        let path = path.clone();
        handles.push(std::thread::spawn(move || {
            let store = FileStore::new(&path);
            for i in 0..50 {
                let name = format!("w{w}-{i}-{}", "x".repeat(i * 37));
                store
                    .save(
                        "shared",
                        &token_set(
                            &name,
                            1_700_000_000 + i as i64,
                            3600,
                            Some(&name),
                            1_700_000_000,
                        ),
                    )
                    .unwrap();
            }
        }));
    }
    for _ in 0..2 {
        let path = path.clone();
        handles.push(std::thread::spawn(move || {
            let store = FileStore::new(&path);
            for _ in 0..200 {
                let t = store.load("shared").unwrap().unwrap();
                // Consistent: the refresh token was written with the same name as the user.
                if t.username() != Some("w0") {
                    assert_eq!(
                        t.username(),
                        Some(t.refresh_token().unwrap().expose_secret())
                    );
                }
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let leftovers = std::fs::read_dir(&path)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn memory_store() {
    let store = Arc::new(MemoryStore::new());
    let t = token_set("alice", 1_700_000_000, 3600, None, 1_700_000_000);
    store.save("p", &t).unwrap();
    assert_eq!(store.load("p").unwrap().unwrap().username(), Some("alice"));
    store.remove("p").unwrap();
    assert!(store.load("p").unwrap().is_none());
}

#[test]
fn file_store_remembers_devices_0600() {
    use cognate_client::{DeviceStore, RememberedDevice};
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(dir.path());
    let d = RememberedDevice::new("k1".into(), "g1".into(), "device-pw".to_owned().into());
    DeviceStore::save(&store, "alice@example.com", &d).unwrap();
    let path = store.device_path("alice@example.com");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let back = DeviceStore::load(&store, "alice@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(back.device_key, "k1");
    assert!(!format!("{back:?}").contains("device-pw"));
    DeviceStore::forget(&store, "alice@example.com").unwrap();
    assert!(
        DeviceStore::load(&store, "alice@example.com")
            .unwrap()
            .is_none()
    );
}
