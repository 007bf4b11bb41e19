//! Multi-record changes, defined once above every backend as units of work
//! ([`Store::apply`](super::Store::apply)): what goes with a pool, a user or a group, and the
//! rotation of a refresh token.

use super::{Change, RecordKind};
use crate::model::RefreshRecord;

/// The key of `username`'s membership of `group` ([`RecordKind::GroupMember`], scoped by the
/// pool). Group names are printable (no control characters), so U+001F separates
/// unambiguously.
pub fn member_key(group: &str, username: &str) -> String {
    format!("{group}\u{1f}{username}")
}

/// Deleting a pool: its records of every kind, its refresh tokens and revoked logins, its
/// users, its app clients, and the pool.
pub fn delete_pool(id: &str) -> Vec<Change> {
    vec![
        Change::DeleteDocsIn { scope: id.into() },
        Change::DeleteRefreshOf {
            pool_id: id.into(),
            username: None,
        },
        Change::DeleteUsersOf { pool_id: id.into() },
        Change::DeleteClientsOf { pool_id: id.into() },
        Change::DeletePool { id: id.into() },
    ]
}

/// Deleting a user: the user, their refresh tokens, their memberships of `groups` (the groups
/// they belong to), their failed-attempt counter and their MFA settings.
pub fn delete_user<'a>(
    pool_id: &str,
    username: &str,
    groups: impl IntoIterator<Item = &'a str>,
) -> Vec<Change> {
    let mut changes = vec![
        Change::DeleteUser {
            pool_id: pool_id.into(),
            username: username.into(),
        },
        Change::DeleteRefreshOf {
            pool_id: pool_id.into(),
            username: Some(username.into()),
        },
        Change::DeleteDoc {
            kind: RecordKind::PasswordAttempts,
            scope: pool_id.into(),
            key: username.into(),
        },
        Change::DeleteDoc {
            kind: RecordKind::UserMfa,
            scope: pool_id.into(),
            key: username.into(),
        },
    ];
    changes.extend(groups.into_iter().map(|g| Change::DeleteDoc {
        kind: RecordKind::GroupMember,
        scope: pool_id.into(),
        key: member_key(g, username),
    }));
    changes
}

/// Deleting a group: the group and the memberships of `members` (internal names).
pub fn delete_group<'a>(
    pool_id: &str,
    name: &str,
    members: impl IntoIterator<Item = &'a str>,
) -> Vec<Change> {
    let mut changes = vec![Change::DeleteDoc {
        kind: RecordKind::Group,
        scope: pool_id.into(),
        key: name.into(),
    }];
    changes.extend(members.into_iter().map(|m| Change::DeleteDoc {
        kind: RecordKind::GroupMember,
        scope: pool_id.into(),
        key: member_key(name, m),
    }));
    changes
}

/// Rotating refresh token `old` (hash) into `new` at `at`: the new token is stored only if the
/// old one may still be rotated (not revoked, not rotated more than `grace_secs` ago), checked
/// inside the same transaction.
pub fn rotate_refresh(old: &str, new: RefreshRecord, at: i64, grace_secs: i64) -> Vec<Change> {
    vec![
        Change::RotateRefresh {
            hash: old.into(),
            at,
            grace_secs,
        },
        Change::InsertRefresh(new),
    ]
}
