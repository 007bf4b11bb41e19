//! Pools and app clients: records, the read of a client with its pool, and pool stamps.

use serde_json::json;

use super::{Failure, Outcome, expect, fail, pool, store_ok};
use crate::model::{AppClient, TimeUnit, Validity};
use crate::store::{RecordKind, Store};

pub(super) fn pools_and_clients(store: &dyn Store) -> Outcome {
    let c = "pools: put, get, list oldest first";
    for id in ["p-b", "p-a"] {
        store_ok(c, store.pool_put(&pool(id)?))?;
    }
    let ids: Vec<String> = store_ok(c, store.pool_list())?
        .into_iter()
        .map(|p| p.id)
        .collect();
    expect(c, ids, vec!["p-b".to_owned(), "p-a".to_owned()])?;
    let mut renamed = pool("p-a")?;
    renamed.name = "renamed".into();
    store_ok(c, store.pool_put(&renamed))?;
    expect(
        c,
        store_ok(c, store.pool_get("p-a"))?.map(|p| p.name),
        Some("renamed".to_owned()),
    )?;
    expect(c, store_ok(c, store.pool_get("nope"))?.is_none(), true)?;

    let c = "clients: put, get, with their pool, list, delete";
    store_ok(c, store.client_put(&client("p-a", "client-1")))?;
    store_ok(c, store.client_put(&client("p-gone", "client-2")))?;
    let got = store_ok(c, store.client_get("client-1"))?.map(|c| (c.pool_id, c.id));
    expect(c, got, Some(("p-a".to_owned(), "client-1".to_owned())))?;
    let both = store_ok(c, store.client_and_pool("client-1"))?
        .map(|(client, pool)| (client.id, pool.map(|p| p.name)));
    expect(
        c,
        both,
        Some(("client-1".to_owned(), Some("renamed".to_owned()))),
    )?;
    let orphan = store_ok(c, store.client_and_pool("client-2"))?
        .map(|(client, pool)| (client.id, pool.is_none()));
    expect(c, orphan, Some(("client-2".to_owned(), true)))?;
    expect(
        c,
        store_ok(c, store.client_and_pool("nope"))?.is_none(),
        true,
    )?;
    let listed: Vec<String> = store_ok(c, store.client_list("p-a"))?
        .into_iter()
        .map(|c| c.id)
        .collect();
    expect(c, listed, vec!["client-1".to_owned()])?;
    expect(c, store_ok(c, store.client_delete("client-2"))?, true)?;
    expect(c, store_ok(c, store.client_delete("client-2"))?, false)?;
    expect(c, store_ok(c, store.client_delete("client-1"))?, true)?;
    pool_stamps(store)
}

/// A store that stamps pools ([`UserPool::stamp`]) gives a new stamp with every change of the
/// pool's record, groups or configuration documents, the same one otherwise, and the one
/// `client_and_pool` reads too.
fn pool_stamps(store: &dyn Store) -> Outcome {
    let c = "pools: the stamp changes with the pool's configuration, and only then";
    let stamp = || -> Result<Option<i64>, Failure> {
        Ok(store_ok(c, store.pool_get("p-b"))?.and_then(|p| p.stamp))
    };
    let Some(first) = stamp()? else {
        return Ok(());
    };
    let mut seen = vec![first];
    let changed = |what: &str, seen: &mut Vec<i64>| -> Outcome {
        match stamp()? {
            Some(now) if !seen.contains(&now) => {
                seen.push(now);
                Ok(())
            }
            other => Err(fail(
                c,
                format!("after {what}: stamp {other:?}, seen {seen:?}"),
            )),
        }
    };
    store_ok(
        c,
        store.doc_put(RecordKind::Code, "p-b", "code", &json!({"n": 1})),
    )?;
    expect(c, stamp()?, Some(first))?;
    store_ok(
        c,
        store.doc_put(RecordKind::Group, "p-b", "g", &json!({"n": 1})),
    )?;
    changed("a new group", &mut seen)?;
    store_ok(
        c,
        store.doc_put(RecordKind::Group, "p-b", "g", &json!({"n": 2})),
    )?;
    changed("a changed group", &mut seen)?;
    store_ok(c, store.doc_delete(RecordKind::Group, "p-b", "g"))?;
    changed("a deleted group", &mut seen)?;
    store_ok(
        c,
        store.doc_put(RecordKind::ConfigDoc, "p-b", "session/config", &json!({})),
    )?;
    changed("a configuration document", &mut seen)?;
    store_ok(c, store.pool_put(&pool("p-b")?))?;
    changed("the pool's record", &mut seen)?;
    store_ok(c, store.client_put(&client("p-b", "client-3")))?;
    let read = store_ok(c, store.client_and_pool("client-3"))?.and_then(|(_, p)| p?.stamp);
    expect(c, read, stamp()?)?;
    store_ok(c, store.client_delete("client-3"))?;
    store_ok(c, store.doc_delete(RecordKind::Code, "p-b", "code"))?;
    store_ok(
        c,
        store.doc_delete(RecordKind::ConfigDoc, "p-b", "session/config"),
    )
    .map(|_| ())
}

fn client(pool_id: &str, id: &str) -> AppClient {
    let hour = Validity {
        amount: 1,
        unit: TimeUnit::Hours,
    };
    AppClient {
        pool_id: pool_id.into(),
        id: id.into(),
        name: id.into(),
        secret: None,
        created: 1,
        modified: 1,
        explicit_auth_flows: Vec::new(),
        access_validity: hour,
        id_validity: hour,
        refresh_validity: hour,
        read_attributes: Vec::new(),
        write_attributes: Vec::new(),
        prevent_user_existence_errors: "ENABLED".into(),
        enable_token_revocation: true,
        refresh_rotation: false,
        rotation_grace_secs: 0,
        auth_session_validity: 3,
        extra: serde_json::Map::new(),
        secret_created: None,
        extra_secrets: Vec::new(),
    }
}
