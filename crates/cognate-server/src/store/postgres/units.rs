//! The changes of a unit of work ([`Store::apply`](crate::store::Store::apply)) as SQL, run
//! inside the unit's transaction: the preconditions (a use-once claim, a refresh token not
//! rotated already) are decided here, by the database.

use super::pool::Conn;
use super::sql::{DELETE_DOC, PUT_DOC, encode, expires_of};
use crate::error::StoreError;
use crate::model::RefreshRecord;
use crate::store::Change;

/// Whether `change` is one SQL statement, which PostgreSQL runs atomically on its own: a unit
/// of work of just this change needs no transaction of its own, which saves `BEGIN` and
/// `COMMIT`, two round trips (a sign-in's unit is one refresh token, so every sign-in).
pub(super) fn is_one_statement(change: &Change) -> bool {
    matches!(
        change,
        Change::InsertRefresh(_)
            | Change::PutDoc { .. }
            | Change::Claim { .. }
            | Change::DeleteDoc { .. }
            | Change::DeleteDocsIn { .. }
            | Change::DeleteUser { .. }
            | Change::DeletePool { .. }
            | Change::DeleteClientsOf { .. }
            | Change::DeleteUsersOf { .. }
            | Change::DeleteRefreshOf {
                username: Some(_),
                ..
            }
    )
}

/// Runs one change of a unit of work inside its transaction (or alone, for a unit of one
/// change that [`is_one_statement`]).
pub(super) fn run_change(tx: &mut Conn, change: Change, data: String) -> Result<(), StoreError> {
    match change {
        Change::DeletePool { id } => {
            tx.exec("DELETE FROM pools WHERE id = $1", &[&id])?;
        }
        Change::DeleteClientsOf { pool_id } => {
            tx.exec("DELETE FROM clients WHERE pool_id = $1", &[&pool_id])?;
        }
        Change::DeleteUsersOf { pool_id } => {
            tx.exec("DELETE FROM users WHERE pool_id = $1", &[&pool_id])?;
        }
        Change::DeleteUser { pool_id, username } => {
            tx.exec(
                "DELETE FROM users WHERE pool_id = $1 AND username = $2",
                &[&pool_id, &username],
            )?;
        }
        Change::DeleteRefreshOf {
            pool_id,
            username: Some(username),
        } => {
            tx.exec(
                "DELETE FROM refresh_tokens WHERE pool_id = $1 AND username = $2",
                &[&pool_id, &username],
            )?;
        }
        Change::DeleteRefreshOf {
            pool_id,
            username: None,
        } => {
            tx.exec("DELETE FROM refresh_tokens WHERE pool_id = $1", &[&pool_id])?;
            tx.exec("DELETE FROM revoked_logins WHERE pool_id = $1", &[&pool_id])?;
        }
        Change::InsertRefresh(r) => {
            tx.exec("INSERT INTO refresh_tokens (hash, pool_id, username, origin_jti, expires, data) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&r.hash, &r.pool_id, &r.username, &r.origin_jti, &r.expires, &data],
            )
            ?;
        }
        Change::RotateRefresh {
            hash,
            at,
            grace_secs,
        } => {
            // FOR UPDATE: a concurrent rotation of the same token (any node) waits for this
            // transaction, then reads the token as rotated.
            let old: Option<RefreshRecord> = tx.record(
                "SELECT data FROM refresh_tokens WHERE hash = $1 FOR UPDATE",
                &[&hash],
            )?;
            let Some(mut old) = old else {
                return Err(StoreError::Conflict(
                    "the refresh token does not exist".into(),
                ));
            };
            if old.revoked {
                return Err(StoreError::Conflict("the refresh token was revoked".into()));
            }
            match old.rotated {
                // A concurrent rotation may have stamped a later second than this one's `at`
                // (each took its time before the other committed): that is no earlier than
                // `at`, not a retry inside the grace period.
                Some(when) if (at - when).max(0) >= grace_secs => {
                    return Err(StoreError::Conflict(
                        "the refresh token was rotated already".into(),
                    ));
                }
                Some(_) => {}
                None => {
                    old.rotated = Some(at);
                    tx.exec(
                        "UPDATE refresh_tokens SET data = $2 WHERE hash = $1",
                        &[&hash, &encode(&old)?],
                    )?;
                }
            }
        }
        Change::PutDoc {
            kind,
            scope,
            key,
            data: value,
        } => {
            let expires = expires_of(&value);
            tx.exec(PUT_DOC, &[&kind.as_str(), &scope, &key, &expires, &data])?;
        }
        Change::Claim {
            kind,
            scope,
            key,
            data: value,
        } => {
            let expires = expires_of(&value);
            // A concurrent claim of the same key (any node) waits for this transaction, then
            // inserts nothing.
            let inserted = tx.exec(
                "INSERT INTO docs (kind, scope, key, expires, data) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (kind, scope, key) DO NOTHING",
                &[&kind.as_str(), &scope, &key, &expires, &data],
            )?;
            if inserted == 0 {
                return Err(StoreError::Conflict("claimed already".into()));
            }
        }
        Change::DeleteDoc { kind, scope, key } => {
            tx.exec(DELETE_DOC, &[&kind.as_str(), &scope, &key])?;
        }
        Change::DeleteDocsIn { scope } => {
            tx.exec("DELETE FROM docs WHERE scope = $1", &[&scope])?;
        }
    }
    Ok(())
}
