//! The conformance suite every [`Store`] backend must pass: what the server relies on, checked
//! through the trait alone. A backend's tests call [`run`] with a fresh, empty store:
//!
//! ```
//! use std::sync::Arc;
//! use cognate_server::store::{conformance, SqliteStore};
//! let store = Arc::new(SqliteStore::in_memory().unwrap());
//! conformance::run(store.as_ref()).unwrap();
//! ```
//!
//! Each check names what failed; none panics. The file is a little over 600 lines because the
//! suite is one list of checks read in order; splitting it per record family is noted for later.

mod locks;
mod pools;

use serde_json::{Value, json};

use super::{Alias, Change, RecordKind, Store, UserField, UserFilter, cascade};
use crate::error::StoreError;
use crate::model::{PasswordPolicy, RefreshRecord, StoredKey, User, UserPool, UserStatus};

/// What did not conform: the check and what it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The check.
    pub check: &'static str,
    /// What it saw.
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.check, self.detail)
    }
}

impl std::error::Error for Failure {}

type Outcome = Result<(), Failure>;

fn fail(check: &'static str, detail: impl Into<String>) -> Failure {
    Failure {
        check,
        detail: detail.into(),
    }
}

fn store_ok<T>(check: &'static str, r: Result<T, StoreError>) -> Result<T, Failure> {
    r.map_err(|e| fail(check, format!("store error: {e}")))
}

fn expect<T: PartialEq + std::fmt::Debug>(check: &'static str, got: T, want: T) -> Outcome {
    if got == want {
        Ok(())
    } else {
        Err(fail(check, format!("got {got:?}, want {want:?}")))
    }
}

/// Runs every check on `store`, which must be empty; stops at the first failure.
pub fn run(store: &dyn Store) -> Result<(), Failure> {
    meta(store)?;
    pools::pools_and_clients(store)?;
    users(store)?;
    refresh_tokens(store)?;
    records(store)?;
    purge(store)?;
    purge_bounded(store)?;
    units_are_all_or_nothing(store)?;
    cascades(store)?;
    locks::lock_then_get(store)?;
    Ok(())
}

pub(crate) fn pool(id: &str) -> Result<UserPool, Failure> {
    let key = || StoredKey {
        kid: format!("{id}-kid"),
        pkcs8: String::new(),
    };
    Ok(UserPool {
        id: id.into(),
        name: id.into(),
        region: "us-east-1".into(),
        created: 1,
        modified: 1,
        password_policy: PasswordPolicy::default(),
        username_attributes: Vec::new(),
        alias_attributes: Vec::new(),
        auto_verified_attributes: Vec::new(),
        case_insensitive: false,
        custom_attributes: Vec::new(),
        required_attributes: Vec::new(),
        mfa_configuration: "OFF".into(),
        deletion_protection: "INACTIVE".into(),
        first_auth_factors: vec!["PASSWORD".into()],
        allow_admin_create_user_only: false,
        extra: serde_json::Map::new(),
        access_key: key(),
        id_key: key(),
        stamp: None,
    })
}

fn user(pool_id: &str, name: &str, attrs: Value) -> Result<User, Failure> {
    let mut attributes = std::collections::BTreeMap::new();
    if let Value::Object(m) = attrs {
        for (k, v) in m {
            attributes.insert(k, v.as_str().unwrap_or_default().to_owned());
        }
    }
    Ok(User {
        pool_id: pool_id.into(),
        username: name.into(),
        sub: format!("sub-{name}"),
        attributes,
        enabled: true,
        status: UserStatus::Confirmed,
        verifier: None,
        created: 1,
        modified: 1,
        password_set: 1,
    })
}

fn refresh(hash: &str, pool_id: &str, username: &str, family: &str) -> RefreshRecord {
    RefreshRecord {
        hash: hash.into(),
        pool_id: pool_id.into(),
        client_id: "client".into(),
        username: username.into(),
        sub: format!("sub-{username}"),
        origin_jti: family.into(),
        event_id: "event".into(),
        auth_time: 1,
        issued: 1,
        expires: 1_000_000,
        revoked: false,
        rotated: None,
        device_key: None,
        oauth: None,
    }
}

fn purge_bounded(store: &dyn Store) -> Outcome {
    let c = "purge_expired: at most `limit` of each, expired only";
    let mut changes = Vec::new();
    for (i, expires) in [10, 20, 30, 5_000].into_iter().enumerate() {
        let mut r = refresh(&format!("pb-{i}"), "p-pb", "pb", &format!("pb-family-{i}"));
        r.expires = expires;
        changes.push(Change::InsertRefresh(r));
    }
    store_ok(c, store.apply(changes))?;
    for (jti, at) in [("pb-family-0", 10), ("pb-family-1", 900)] {
        store_ok(c, store.revoke_family("p-pb", jti, at))?;
    }
    for (key, expires) in [("a", 1), ("b", 2), ("c", 3), ("live", 9_999)] {
        store_ok(
            c,
            store.doc_put(RecordKind::Code, "p-pb", key, &json!({"expires": expires})),
        )?;
    }
    // Earlier checks left expired rows of their own: pass until nothing is left, each pass
    // within the bound, and the first one full (there are more than two of each sort).
    let kinds = [RecordKind::Code];
    let first = store_ok(c, store.purge_expired(1_000, 100, &kinds, 2))?;
    expect(
        c,
        (first.refresh_tokens, first.revoked_logins, first.records),
        (2, first.revoked_logins.max(1), 2),
    )?;
    expect(c, first.revoked_logins <= 2, true)?;
    let mut passes = 1;
    loop {
        let pass = store_ok(c, store.purge_expired(1_000, 100, &kinds, 2))?;
        if pass == super::Purged::default() {
            break;
        }
        expect(c, pass.reached(3), false)?;
        passes += 1;
        if passes > 100 {
            return Err(fail(c, "purging never ends"));
        }
    }
    expect(c, store_ok(c, store.refresh_get("pb-3"))?.is_some(), true)?;
    for gone in ["pb-0", "pb-1", "pb-2"] {
        expect(c, store_ok(c, store.refresh_get(gone))?.is_none(), true)?;
    }
    expect(c, store_ok(c, store.family_revoked("pb-family-0"))?, false)?;
    expect(c, store_ok(c, store.family_revoked("pb-family-1"))?, true)?;
    let left: Vec<String> = store_ok(c, store.doc_list(RecordKind::Code, "p-pb"))?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    expect(c, left, vec!["live".to_owned()])
}

fn meta(store: &dyn Store) -> Outcome {
    let c = "meta_init keeps the first value";
    expect(c, store_ok(c, store.meta_get("k"))?, None)?;
    expect(
        c,
        store_ok(c, store.meta_init("k", b"one"))?,
        b"one".to_vec(),
    )?;
    expect(
        c,
        store_ok(c, store.meta_init("k", b"two"))?,
        b"one".to_vec(),
    )?;
    expect(c, store_ok(c, store.meta_get("k"))?, Some(b"one".to_vec()))
}

fn users(store: &dyn Store) -> Outcome {
    let c = "users: insert once, put, get, aliases, sub, list, count";
    let alice = user("p-a", "alice", json!({"email": "Alice@Example.com"}))?;
    expect(c, store_ok(c, store.user_insert(&alice))?, true)?;
    expect(c, store_ok(c, store.user_insert(&alice))?, false)?;
    let bob = user("p-a", "bob", json!({"phone_number": "+15555550100"}))?;
    store_ok(c, store.user_insert(&bob))?;
    let by_email = store_ok(
        c,
        store.user_by_alias("p-a", Alias::Email, "alice@EXAMPLE.com"),
    )?;
    expect(c, by_email.len(), 1)?;
    let by_phone = store_ok(
        c,
        store.user_by_alias("p-a", Alias::PhoneNumber, "+15555550100"),
    )?;
    expect(
        c,
        by_phone.first().map(|u| u.username.clone()),
        Some("bob".into()),
    )?;
    // A changed attribute moves the index with it.
    let mut moved = bob.clone();
    moved
        .attributes
        .insert("phone_number".into(), "+15555550199".into());
    store_ok(c, store.user_put(&moved))?;
    expect(
        c,
        store_ok(
            c,
            store.user_by_alias("p-a", Alias::PhoneNumber, "+15555550100"),
        )?
        .len(),
        0,
    )?;
    expect(
        c,
        store_ok(
            c,
            store.user_by_alias("p-a", Alias::PhoneNumber, "+15555550199"),
        )?
        .len(),
        1,
    )?;
    expect(
        c,
        store_ok(c, store.user_by_sub("p-a", "sub-alice"))?.map(|u| u.username),
        Some("alice".into()),
    )?;
    let page: Vec<String> = store_ok(c, store.user_list("p-a", 1, 10))?
        .into_iter()
        .map(|u| u.username)
        .collect();
    expect(c, page, vec!["bob".to_owned()])?;
    expect(c, store_ok(c, store.user_count("p-a"))?, 2)?;
    let c = "users: search means what UserFilter::matches says";
    let all = store_ok(c, store.user_list("p-a", 0, 100))?;
    let attribute = |n: &str| UserField::Attribute(n.to_owned());
    for (field, prefix, value) in [
        (UserField::Username, true, "al"),
        (UserField::Username, false, "bob"),
        (UserField::Sub, false, "sub-bob"),
        (UserField::Status, false, "CONFIRMED"),
        (UserField::Status, true, "FORCE"),
        (UserField::Enabled, false, "Enabled"),
        (UserField::Enabled, false, "Disabled"),
        (attribute("email"), false, "Alice@Example.com"),
        (attribute("email"), false, "alice@example.com"),
        (attribute("email"), true, "Alice@"),
        (attribute("phone_number"), true, "+1555"),
        (attribute("name"), false, ""),
        (UserField::Username, true, ""),
    ] {
        let filter = UserFilter {
            field,
            prefix,
            value: value.to_owned(),
        };
        let want: Vec<String> = all
            .iter()
            .filter(|u| filter.matches(u))
            .map(|u| u.username.clone())
            .collect();
        let got: Vec<String> = store_ok(c, store.user_search("p-a", &filter, 0, 100))?
            .into_iter()
            .map(|u| u.username)
            .collect();
        if got != want {
            return Err(fail(c, format!("{filter:?}: got {got:?}, want {want:?}")));
        }
    }
    let confirmed = UserFilter {
        field: UserField::Status,
        prefix: false,
        value: "CONFIRMED".into(),
    };
    let page: Vec<String> = store_ok(c, store.user_search("p-a", &confirmed, 1, 1))?
        .into_iter()
        .map(|u| u.username)
        .collect();
    expect(c, page, vec!["bob".to_owned()])
}

fn refresh_tokens(store: &dyn Store) -> Outcome {
    let c = "refresh tokens: rotation is checked inside the unit";
    store_ok(
        c,
        store.apply(vec![Change::InsertRefresh(refresh(
            "r1", "p-a", "alice", "f1",
        ))]),
    )?;
    // No grace: the first rotation wins, the second is a conflict and writes nothing.
    store_ok(
        c,
        store.apply(cascade::rotate_refresh(
            "r1",
            refresh("r2", "p-a", "alice", "f1"),
            10,
            0,
        )),
    )?;
    let again = store.apply(cascade::rotate_refresh(
        "r1",
        refresh("r3", "p-a", "alice", "f1"),
        10,
        0,
    ));
    if !matches!(again, Err(StoreError::Conflict(_))) {
        return Err(fail(c, format!("second rotation: {again:?}")));
    }
    expect(c, store_ok(c, store.refresh_get("r3"))?.is_none(), true)?;
    // A concurrent rotation that took its time a second before the one that won (two nodes,
    // or two requests across a second boundary) is no retry inside the grace period either.
    let earlier = store.apply(cascade::rotate_refresh(
        "r1",
        refresh("r4", "p-a", "alice", "f1"),
        9,
        0,
    ));
    if !matches!(earlier, Err(StoreError::Conflict(_))) {
        return Err(fail(
            c,
            format!("rotation stamped before the winner: {earlier:?}"),
        ));
    }
    expect(c, store_ok(c, store.refresh_get("r4"))?.is_none(), true)?;
    expect(
        c,
        store_ok(c, store.refresh_get("r1"))?.and_then(|r| r.rotated),
        Some(10),
    )?;
    // Within a grace period a retry rotates again.
    store_ok(
        c,
        store.apply(vec![Change::InsertRefresh(refresh(
            "g1", "p-a", "alice", "f2",
        ))]),
    )?;
    store_ok(
        c,
        store.apply(cascade::rotate_refresh(
            "g1",
            refresh("g2", "p-a", "alice", "f2"),
            10,
            30,
        )),
    )?;
    store_ok(
        c,
        store.apply(cascade::rotate_refresh(
            "g1",
            refresh("g3", "p-a", "alice", "f2"),
            20,
            30,
        )),
    )?;
    if !matches!(
        store.apply(cascade::rotate_refresh(
            "g1",
            refresh("g4", "p-a", "alice", "f2"),
            40,
            30
        )),
        Err(StoreError::Conflict(_))
    ) {
        return Err(fail(c, "a rotation after the grace period succeeded"));
    }
    let c = "refresh tokens: a user's, oldest first";
    let listed: Vec<String> = store_ok(c, store.refresh_list_user("p-a", "alice"))?
        .into_iter()
        .map(|r| r.hash)
        .collect();
    if listed.is_empty()
        || listed
            .iter()
            .any(|h| store.refresh_get(h).ok().flatten().is_none())
    {
        return Err(fail(c, "a user's refresh tokens are not listed"));
    }
    let c = "refresh tokens: revocation by login and by user";
    store_ok(c, store.revoke_family("p-a", "f1", 50))?;
    expect(c, store_ok(c, store.family_revoked("f1"))?, true)?;
    expect(
        c,
        store_ok(c, store.refresh_get("r2"))?.map(|r| r.revoked),
        Some(true),
    )?;
    if !matches!(
        store.apply(cascade::rotate_refresh(
            "r2",
            refresh("r9", "p-a", "alice", "f1"),
            60,
            0
        )),
        Err(StoreError::Conflict(_))
    ) {
        return Err(fail(c, "a revoked token was rotated"));
    }
    expect(
        c,
        store_ok(c, store.revoke_user_families("p-a", "alice", 70))?,
        2,
    )?;
    expect(c, store_ok(c, store.family_revoked("f2"))?, true)
}

fn records(store: &dyn Store) -> Outcome {
    let c = "records: put, get, list oldest first, update, delete";
    let k = RecordKind::Group;
    store_ok(c, store.doc_put(k, "p-a", "admins", &json!({"n": 1})))?;
    store_ok(c, store.doc_put(k, "p-a", "users", &json!({"n": 2})))?;
    store_ok(c, store.doc_put(k, "p-b", "admins", &json!({"n": 3})))?;
    let keys: Vec<String> = store_ok(c, store.doc_list(k, "p-a"))?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    expect(c, keys, vec!["admins".to_owned(), "users".to_owned()])?;
    // Another kind under the same key is another record.
    expect(
        c,
        store_ok(c, store.doc_get(RecordKind::Device, "p-a", "admins"))?,
        None,
    )?;
    let updated = store_ok(
        c,
        store.doc_update(
            k,
            "p-a",
            "admins",
            Box::new(|old| {
                let n = old.and_then(|v| v["n"].as_i64()).unwrap_or(0);
                Some(json!({"n": n + 10}))
            }),
        ),
    )?;
    expect(c, updated, Some(json!({"n": 11})))?;
    store_ok(c, store.doc_update(k, "p-a", "users", Box::new(|_| None)))?;
    expect(c, store_ok(c, store.doc_get(k, "p-a", "users"))?, None)?;
    expect(c, store_ok(c, store.doc_delete(k, "p-b", "admins"))?, true)?;
    expect(c, store_ok(c, store.doc_delete(k, "p-b", "admins"))?, false)?;

    let c = "records: several by key at once, in the order asked, missing ones left out";
    store_ok(c, store.doc_put(k, "p-a", "users", &json!({"n": 2})))?;
    let asked = ["users", "nobody", "admins"].map(String::from);
    let got = store_ok(c, store.doc_get_many(k, "p-a", &asked))?;
    expect(
        c,
        got,
        vec![
            ("users".to_owned(), json!({"n": 2})),
            ("admins".to_owned(), json!({"n": 11})),
        ],
    )?;
    expect(
        c,
        store_ok(c, store.doc_get_many(k, "p-b", &asked))?,
        vec![],
    )?;
    expect(c, store_ok(c, store.doc_get_many(k, "p-a", &[]))?, vec![])?;
    store_ok(c, store.doc_delete(k, "p-a", "users")).map(|_| ())
}

fn purge(store: &dyn Store) -> Outcome {
    let c = "purge: expired records of one kind, in every scope, nothing else";
    let k = RecordKind::UsedSession;
    for (scope, key, data) in [
        ("s-a", "old", json!({"expires": 99})),
        ("s-b", "old", json!({"expires": 10})),
        ("s-a", "now", json!({"expires": 100})),
        ("s-a", "none", json!({"by": "x"})),
        ("s-a", "text", json!({"expires": "soon"})),
    ] {
        store_ok(c, store.doc_put(k, scope, key, &data))?;
    }
    store_ok(
        c,
        store.doc_put(RecordKind::Code, "s-a", "old", &json!({"expires": 1})),
    )?;
    expect(c, store_ok(c, store.doc_purge_expired(k, 100))?, 2)?;
    let left: Vec<String> = store_ok(c, store.doc_list(k, "s-a"))?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    expect(
        c,
        left,
        vec!["now".to_owned(), "none".to_owned(), "text".to_owned()],
    )?;
    expect(
        c,
        store_ok(c, store.doc_get(RecordKind::Code, "s-a", "old"))?.is_some(),
        true,
    )
}

fn units_are_all_or_nothing(store: &dyn Store) -> Outcome {
    let c = "units: a failed precondition writes nothing of the unit";
    let unit = vec![
        Change::PutDoc {
            kind: RecordKind::Group,
            scope: "p-u".into(),
            key: "written-first".into(),
            data: json!({}),
        },
        Change::RotateRefresh {
            hash: "no-such-token".into(),
            at: 1,
            grace_secs: 0,
        },
    ];
    if !matches!(store.apply(unit), Err(StoreError::Conflict(_))) {
        return Err(fail(c, "a rotation of a missing token succeeded"));
    }
    expect(
        c,
        store_ok(c, store.doc_get(RecordKind::Group, "p-u", "written-first"))?,
        None,
    )?;
    let c = "units: a claim succeeds once";
    let claim = || {
        vec![Change::Claim {
            kind: RecordKind::UsedSession,
            scope: "p-u".into(),
            key: "once".into(),
            data: json!({"expires": 5}),
        }]
    };
    store_ok(c, store.apply(claim()))?;
    if !matches!(store.apply(claim()), Err(StoreError::Conflict(_))) {
        return Err(fail(c, "a second claim succeeded"));
    }
    expect(
        c,
        store_ok(c, store.doc_purge_expired(RecordKind::UsedSession, 6))? >= 1,
        true,
    )?;
    store_ok(c, store.apply(claim()))
}

fn cascades(store: &dyn Store) -> Outcome {
    let c = "cascades: a user, a group and a pool take what is theirs";
    let p = "p-c";
    store_ok(c, store.pool_put(&pool(p)?))?;
    store_ok(c, store.pool_put(&pool("p-keep")?))?;
    for name in ["carol", "dave"] {
        store_ok(c, store.user_insert(&user(p, name, json!({}))?))?;
        store_ok(
            c,
            store.doc_put(
                RecordKind::GroupMember,
                p,
                &cascade::member_key("admins", name),
                &json!({}),
            ),
        )?;
    }
    store_ok(c, store.doc_put(RecordKind::Group, p, "admins", &json!({})))?;
    store_ok(
        c,
        store.apply(vec![Change::InsertRefresh(refresh("c1", p, "carol", "fc"))]),
    )?;
    store_ok(
        c,
        store.doc_put(RecordKind::PasswordAttempts, p, "carol", &json!({"n": 2})),
    )?;
    store_ok(c, store.apply(cascade::delete_user(p, "carol", ["admins"])))?;
    expect(c, store_ok(c, store.user_get(p, "carol"))?.is_none(), true)?;
    expect(c, store_ok(c, store.refresh_get("c1"))?.is_none(), true)?;
    expect(
        c,
        store_ok(c, store.doc_get(RecordKind::PasswordAttempts, p, "carol"))?,
        None,
    )?;
    let members: Vec<String> = store_ok(c, store.doc_list(RecordKind::GroupMember, p))?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    expect(c, members, vec![cascade::member_key("admins", "dave")])?;
    store_ok(c, store.apply(cascade::delete_group(p, "admins", ["dave"])))?;
    expect(
        c,
        store_ok(c, store.doc_list(RecordKind::GroupMember, p))?.len(),
        0,
    )?;
    expect(
        c,
        store_ok(c, store.doc_get(RecordKind::Group, p, "admins"))?,
        None,
    )?;
    store_ok(
        c,
        store.apply(vec![Change::InsertRefresh(refresh("d1", p, "dave", "fd"))]),
    )?;
    store_ok(c, store.revoke_family(p, "fd", 5))?;
    store_ok(c, store.doc_put(RecordKind::Device, p, "k", &json!({})))?;
    store_ok(c, store.apply(cascade::delete_pool(p)))?;
    expect(c, store_ok(c, store.pool_get(p))?.is_none(), true)?;
    expect(c, store_ok(c, store.user_count(p))?, 0)?;
    expect(c, store_ok(c, store.refresh_get("d1"))?.is_none(), true)?;
    expect(c, store_ok(c, store.family_revoked("fd"))?, false)?;
    expect(
        c,
        store_ok(c, store.doc_get(RecordKind::Device, p, "k"))?,
        None,
    )?;
    expect(c, store_ok(c, store.pool_get("p-keep"))?.is_some(), true)
}
