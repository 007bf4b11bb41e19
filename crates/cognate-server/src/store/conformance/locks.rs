//! Locks shared by every server process on a store ([`Store::lock`],
//! [`Store::lock_then_get`]).

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use serde_json::json;

use super::{Outcome, expect, fail, store_ok};
use crate::store::{RecordKind, Store};

/// A held lock keeps a second taker waiting, and [`Store::lock_then_get`] reads what the
/// previous holder wrote before it let go — although the second taker began to wait before
/// that write. (A read with a snapshot from before the wait would miss it.) A store of one
/// process, whose `lock` is `None`, has nothing to check here.
pub(super) fn lock_then_get(store: &dyn Store) -> Outcome {
    const CHECK: &str = "lock_then_get";
    let (kind, scope, key, name) = (
        RecordKind::PasswordAttempts,
        "lock-scope",
        "k",
        "lock-check",
    );
    let (held, before) = store_ok(CHECK, store.lock_then_get(name, kind, scope, key))?;
    expect(CHECK, before, None)?;
    let Some(held) = held else {
        return Ok(());
    };
    std::thread::scope(|s| {
        let (tx, rx) = channel();
        s.spawn(move || {
            let got = store.lock_then_get(name, kind, scope, key);
            let _ = tx.send(got.map(|(lock, value)| {
                drop(lock);
                value
            }));
        });
        // Waiting for something that must not happen: the second taker getting the lock.
        match rx.recv_timeout(Duration::from_millis(300)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(_) => return Err(fail(CHECK, "a second taker got the lock while it was held")),
            Err(RecvTimeoutError::Disconnected) => return Err(fail(CHECK, "the taker panicked")),
        }
        store_ok(CHECK, store.doc_put(kind, scope, key, &json!({"n": 1})))?;
        drop(held);
        let seen = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(got) => store_ok(CHECK, got)?,
            Err(_) => return Err(fail(CHECK, "the lock was not passed on once let go")),
        };
        expect(CHECK, seen, Some(json!({"n": 1})))
    })?;
    store_ok(CHECK, store.doc_delete(kind, scope, key)).map(|_| ())
}
