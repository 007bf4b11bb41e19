#![allow(clippy::unwrap_used, missing_docs)]
#![cfg(unix)]
//! One token file, many `cognate token` processes at once, while the clock keeps forcing
//! refreshes: the file stays whole (valid JSON, mode 0600, no temporary files left), every
//! process exits 0 with a token that verifies.
//!
//! The clock: as in `session.rs`, a token file whose saved clock skew says the server is two
//! hours ahead holds tokens that expired an hour ago, so the next `cognate token` refreshes and
//! saves the new tokens (skew back to ~0). A "clock" thread ages the file again each time it
//! sees fresh tokens there, writing through `cognate_client::FileStore` (the same lock and
//! atomic rename as the CLI), while several loops run `cognate token` processes side by side.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognate_client::{FileStore, TokenSet, TokenStore};
use serde_json::Value;
use support::{Home, PASSWORD, USER, mode, text};

/// Loops running `cognate token` side by side.
const LOOPS: usize = 3;
/// Each loop runs at least this many processes…
const MIN_RUNS: usize = 20;
/// …and keeps going (up to [`MAX_RUNS`]) until the clock has aged the file this often, each
/// aging after the previous one was undone by a refresh.
const MIN_AGINGS: usize = 12;
const MAX_RUNS: usize = 200;

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// What one `cognate token` process did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    kind: &'static str,
}

#[test]
fn concurrent_token_processes_refresh_without_corrupting_the_file() {
    let home = Home::new();
    let out = home.run(
        &["login", "--username", USER, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = home.token_file("default");
    let first: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let agings = Arc::new(AtomicUsize::new(0));
    let clock = {
        let (done, agings, dir) = (Arc::clone(&done), Arc::clone(&agings), home.tokens());
        std::thread::spawn(move || {
            let store = FileStore::new(dir);
            while !done.load(Ordering::SeqCst) {
                let tokens = store.load("default").unwrap().unwrap();
                if tokens.clock_skew_secs().abs() < 3600 {
                    // Received "two hours ago" by our clock: skew +2 h, expired an hour ago.
                    let aged = TokenSet::from_jwts(
                        tokens.access_token().as_str(),
                        tokens.id_token().as_str(),
                        tokens.refresh_token().map(|r| r.expose_secret()),
                        now() - 7200,
                    )
                    .unwrap();
                    assert!(!aged.is_fresh(now(), 0));
                    store.save("default", &aged).unwrap();
                    agings.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    let runs: Arc<Mutex<Vec<Run>>> = Arc::default();
    let loops: Vec<_> = (0..LOOPS)
        .map(|n| {
            let (runs, agings) = (Arc::clone(&runs), Arc::clone(&agings));
            let cmds: Vec<(std::process::Command, &'static str)> = (0..MAX_RUNS)
                .map(|i| {
                    if (n + i) % 2 == 0 {
                        (home.cognate(&["token"]), "access")
                    } else {
                        (home.cognate(&["token", "--kind", "id"]), "id")
                    }
                })
                .collect();
            std::thread::spawn(move || {
                for (i, (mut cmd, kind)) in cmds.into_iter().enumerate() {
                    if i >= MIN_RUNS && agings.load(Ordering::SeqCst) >= MIN_AGINGS {
                        break;
                    }
                    let out = cmd.output().unwrap();
                    runs.lock().unwrap().push(Run {
                        code: out.status.code(),
                        stdout: text(&out.stdout),
                        stderr: text(&out.stderr),
                        kind,
                    });
                }
            })
        })
        .collect();
    for l in loops {
        l.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    clock.join().unwrap();

    // Only a refresh by a `cognate token` process undoes an aging: at least MIN_AGINGS - 1
    // refreshes happened while the other processes were reading and writing the same file.
    let agings = agings.load(Ordering::SeqCst);
    assert!(
        agings >= MIN_AGINGS,
        "the file was aged only {agings} times"
    );

    let runs = std::mem::take(&mut *runs.lock().unwrap());
    assert!(runs.len() >= LOOPS * MIN_RUNS);
    let mut tokens: BTreeSet<(&str, String)> = BTreeSet::new();
    for r in &runs {
        assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
        let token = r.stdout.strip_suffix('\n').unwrap();
        assert!(!token.contains('\n'), "{}", r.stdout);
        assert_eq!(token.split('.').count(), 3, "{token}");
        tokens.insert((r.kind, token.to_owned()));
    }
    let access: Vec<_> = tokens.iter().filter(|(k, _)| *k == "access").collect();
    assert!(
        access.len() >= 2,
        "expected refreshed access tokens, got {}",
        access.len()
    );
    eprintln!(
        "{} processes, the file aged {agings} times, {} distinct access tokens",
        runs.len(),
        access.len()
    );
    for (kind, token) in &tokens {
        home.assert_verifies(token, kind);
    }

    // The file: whole JSON, 0600 in a 0700 directory, the same refresh token, nothing left over.
    let bytes = std::fs::read(&file).unwrap();
    let last: Value = serde_json::from_slice(&bytes).unwrap();
    for key in ["access_token", "id_token", "refresh_token"] {
        assert!(last[key].as_str().is_some_and(|s| !s.is_empty()), "{last}");
    }
    assert_eq!(last["refresh_token"], first["refresh_token"]);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&home.tokens()), 0o700);
    let names: BTreeSet<String> = std::fs::read_dir(home.tokens())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["default.json".to_owned(), "default.lock".to_owned()]),
        "temporary files left behind"
    );
    // And it still works: the next process reads it (refreshing it if the clock aged it last).
    let out = home.cognate(&["token"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    home.assert_verifies(token.trim_end(), "access");
    let stored: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(stored["access_token"], token.trim_end());
}
