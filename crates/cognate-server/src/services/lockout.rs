//! Brute-force protection, as Cognito documents it ("Lockout behavior for failed sign-in
//! attempts", Amazon Cognito developer guide): after 5 failed password attempts in a row the
//! user is locked out for 2^(n-5) seconds, n being the number of failures, capped at 15
//! minutes. Attempts during a lockout answer `NotAuthorizedException: Password attempts
//! exceeded` (even with the right password) and do not count as failures. A successful sign-in
//! after the lockout, or 15 minutes without any attempt, starts again from zero.
//!
//! The counter is a `doc` record of kind [`ATTEMPTS`] per user (scope: the pool), changed with
//! the store's atomic read-change-write so concurrent attempts are all counted. The attempts of
//! one user take turns ([`AttemptGate`] in this process, and a [`Store::lock`](crate::store::Store::lock)
//! among the servers sharing a PostgreSQL database): the lockout check, the password check and the count
//! happen as one step, so a concurrent burst of guesses gets exactly the answers it would get
//! one by one — at most five guesses checked before the lockout, never more. Time is the
//! server's injected clock. Unknown names are counted too when the client prevents user
//! existence errors (under a key no real user name can be, see `login::password`), so they get
//! the same answers as real users, lockout included.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex};

use crate::store::RecordKind;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::ApiError;

/// Record kind of a user's failed attempts.
pub(crate) const ATTEMPTS: RecordKind = RecordKind::PasswordAttempts;
/// Failures allowed before the first lockout.
pub(crate) const FREE_FAILURES: u32 = 5;
/// Longest lockout, in seconds.
pub(crate) const MAX_LOCKOUT: i64 = 15 * 60;
/// Seconds without any attempt after which the count starts again.
pub(crate) const QUIET_RESET: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Attempts {
    /// Failed attempts so far (attempts refused during a lockout not counted).
    failures: u32,
    /// Locked until this time (Unix seconds), exclusive.
    locked_until: i64,
    /// Time of the last attempt, failed or refused.
    last: i64,
}

impl Attempts {
    fn current(v: Option<serde_json::Value>, now: i64) -> Attempts {
        let a: Attempts = v
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        if now - a.last >= QUIET_RESET {
            Attempts::default()
        } else {
            a
        }
    }
}

/// The lockout length after `failures` failures (0: none).
pub(crate) fn lockout_secs(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let exp = failures - FREE_FAILURES;
    if exp >= 10 {
        MAX_LOCKOUT
    } else {
        (1i64 << exp).min(MAX_LOCKOUT)
    }
}

pub(crate) fn exceeded() -> ApiError {
    ApiError::not_authorized("Password attempts exceeded")
}

/// The users whose password attempt is being checked in this process: one attempt per user
/// at a time (different users never wait for each other).
#[derive(Default)]
pub(crate) struct AttemptGate {
    busy: Mutex<HashSet<(String, String)>>,
    freed: Condvar,
}

/// A user's turn at the [`AttemptGate`], given back when dropped.
pub(crate) struct Turn<'a> {
    gate: &'a AttemptGate,
    key: (String, String),
}

impl AttemptGate {
    /// Takes this user's turn: at once when no other attempt of the user is being checked (the
    /// usual case: no hand-over to another thread), else after waiting for it, telling tokio
    /// that this worker waits.
    fn turn(&self, pool_id: &str, username: &str) -> Turn<'_> {
        let key = (pool_id.to_owned(), username.to_owned());
        let free = match self.busy.lock() {
            Ok(mut busy) => busy.insert(key.clone()),
            Err(_) => true,
        };
        if !free {
            crate::store::may_block(|| {
                if let Ok(mut busy) = self.busy.lock() {
                    while busy.contains(&key) {
                        busy = match self.freed.wait(busy) {
                            Ok(b) => b,
                            Err(_) => return,
                        };
                    }
                    busy.insert(key.clone());
                }
            });
        }
        Turn { gate: self, key }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.gate.busy.lock() {
            busy.remove(&self.key);
        }
        self.gate.freed.notify_all();
    }
}

/// What [`check`] saw: whether the user had a counter, so that a right password
/// ([`succeeded`]) deletes it without reading it again; and the user's turn, held until the
/// attempt is counted ([`failed`]) or cleared ([`succeeded`]).
#[must_use]
pub(crate) struct Checked<'a> {
    counted: bool,
    _turn: Turn<'a>,
    /// The same turn among every server sharing the store (PostgreSQL; `None` on SQLite).
    _shared: Option<crate::store::StoreLock>,
}

/// Refuses a password attempt of a locked-out user (before the password is looked at). The
/// returned [`Checked`] holds the user's turn: keep it until the attempt is counted.
pub(crate) fn check<'a>(
    ctx: &'a Ctx,
    pool_id: &str,
    username: &str,
) -> Result<Checked<'a>, ApiError> {
    let turn = ctx.attempts.turn(pool_id, username);
    // The turn among servers, and the counter as the previous turn left it (one round trip on
    // PostgreSQL).
    let (shared, stored) = ctx.store.lock_then_get(
        &format!("password-attempts\u{1f}{pool_id}\u{1f}{username}"),
        ATTEMPTS,
        pool_id,
        username,
    )?;
    let now = ctx.now();
    let Some(stored) = stored else {
        return Ok(Checked {
            counted: false,
            _turn: turn,
            _shared: shared,
        });
    };
    if Attempts::current(Some(stored), now).locked_until <= now {
        return Ok(Checked {
            counted: true,
            _turn: turn,
            _shared: shared,
        });
    }
    // Still locked: the attempt counts as activity (it delays the quiet reset), not a failure.
    let after = ctx.store.doc_update(
        ATTEMPTS,
        pool_id,
        username,
        Box::new(move |old| {
            let mut a = Attempts::current(old, now);
            if a.locked_until > now {
                a.last = now;
            }
            serde_json::to_value(a).ok()
        }),
    )?;
    if Attempts::current(after, now).locked_until > now {
        Err(exceeded())
    } else {
        Ok(Checked {
            counted: true,
            _turn: turn,
            _shared: shared,
        })
    }
}

/// A right password after [`check`]: the count starts again. No store access at all when the
/// user had no counter (the usual case), so a successful login writes nothing here.
pub(crate) fn succeeded(
    ctx: &Ctx,
    pool_id: &str,
    username: &str,
    checked: Checked<'_>,
) -> Result<(), ApiError> {
    if checked.counted {
        ctx.store.doc_delete(ATTEMPTS, pool_id, username)?;
    }
    Ok(())
}

/// Counts a wrong password.
pub(crate) fn failed(ctx: &Ctx, pool_id: &str, username: &str) -> Result<(), ApiError> {
    super::auth_events::sign_in_failed(ctx, pool_id, username)?;
    let now = ctx.now();
    ctx.store.doc_update(
        ATTEMPTS,
        pool_id,
        username,
        Box::new(move |old| {
            let mut a = Attempts::current(old, now);
            if a.locked_until <= now {
                a.failures = a.failures.saturating_add(1);
                let lock = lockout_secs(a.failures);
                if lock > 0 {
                    a.locked_until = now + lock;
                }
            }
            a.last = now;
            serde_json::to_value(a).ok()
        }),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_from_one_second_to_fifteen_minutes() {
        assert_eq!(lockout_secs(4), 0);
        assert_eq!(lockout_secs(5), 1);
        assert_eq!(lockout_secs(6), 2);
        assert_eq!(lockout_secs(14), 512);
        assert_eq!(lockout_secs(15), 900);
        assert_eq!(lockout_secs(u32::MAX), 900);
    }
}
