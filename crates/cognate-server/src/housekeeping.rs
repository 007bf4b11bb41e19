//! Housekeeping on a schedule: expired refresh tokens, revoked-login records past the longest
//! access-token lifetime, expired one-time codes and used-session / `SECRET_BLOCK` records are
//! deleted in bounded passes ([`Store::purge_expired`], indexed), so the store does not grow
//! with every login forever and no pass holds the writer for long.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::StoreError;
use crate::store::{Purged, RecordKind, Store};

/// The record kinds that carry an `expires` member and are useless after it.
const KINDS: [RecordKind; 5] = [
    RecordKind::Code,
    RecordKind::UsedSession,
    RecordKind::AuthEvent,
    RecordKind::AuthorizationCode,
    RecordKind::WebAuthnChallenge,
];

/// How long a revoked login is remembered: access and ID tokens live at most a day, and a
/// revoked login's refresh tokens are marked revoked themselves. Two days, to be safe.
const REVOKED_KEEP_SECS: i64 = 2 * 86_400;

/// When and how much to purge.
#[derive(Debug, Clone, Copy)]
pub struct Housekeeping {
    /// Time between passes (real time; what is expired is decided by the server's clock).
    pub every: Duration,
    /// At most this many rows of each sort per pass; a pass that reaches it is followed by
    /// another one a second later.
    pub per_pass: usize,
}

impl Default for Housekeeping {
    fn default() -> Self {
        Housekeeping {
            every: Duration::from_secs(60),
            per_pass: 1000,
        }
    }
}

/// One pass at the clock's `now`.
pub(crate) fn pass(store: &dyn Store, now: i64, per_pass: usize) -> Result<Purged, StoreError> {
    store.purge_expired(now, now.saturating_sub(REVOKED_KEEP_SECS), &KINDS, per_pass)
}

/// Runs passes until `stop` fires.
pub(crate) async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    plan: Housekeeping,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut wait = plan.every;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let (store, now) = (store.clone(), clock.now());
        let outcome =
            tokio::task::spawn_blocking(move || pass(store.as_ref(), now, plan.per_pass)).await;
        wait = plan.every;
        match outcome {
            Ok(Ok(purged)) => {
                if purged != Purged::default() {
                    tracing::debug!(?purged, "housekeeping: purged expired records");
                }
                if purged.reached(plan.per_pass) {
                    wait = plan.every.min(Duration::from_secs(1));
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "housekeeping: purge failed"),
            Err(e) => tracing::error!(error = %e, "housekeeping: purge task failed"),
        }
    }
}
