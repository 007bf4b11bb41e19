//! A cache of decoded pools and app clients (read by every request) in front of any store.
//!
//! It is only right while it sees every write of the store: use it when one server process
//! writes the store (the SQLite default), and leave it out when several do. The server never
//! puts it in front of a store that says it is [`shared`](Store::shared) (PostgreSQL); for a
//! store of your own that another process writes, switch it off with
//! [`ServerBuilder::cache`](crate::ServerBuilder::cache).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{Alias, Change, RecordKind, Store, StoreLock, UserFilter};
use crate::error::StoreError;
use crate::model::{AppClient, RefreshRecord, User, UserPool};

/// Most records kept of each kind before the cache starts again.
const LIMIT: usize = 1024;

/// Decoded pools and clients by id. Every write of a pool or client empties it and bumps
/// `generation` once the write is over; a read caches what it read only if no such write ended
/// meanwhile, so a stale record is never kept.
#[derive(Default)]
struct Records {
    generation: u64,
    pools: HashMap<String, UserPool>,
    clients: HashMap<String, AppClient>,
}

/// A [`Store`] that keeps pools and app clients decoded in memory in front of another.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    records: Mutex<Records>,
}

impl CachedStore {
    /// Caches in front of `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        CachedStore {
            inner,
            records: Mutex::new(Records::default()),
        }
    }

    fn forget(&self) {
        if let Ok(mut r) = self.records.lock() {
            r.generation = r.generation.wrapping_add(1);
            r.pools.clear();
            r.clients.clear();
        }
    }

    /// A cached record, or the generation to insert a fresh read under.
    fn cached<T: Clone>(
        &self,
        pick: impl FnOnce(&Records) -> Option<&T>,
    ) -> Result<T, Option<u64>> {
        match self.records.lock() {
            Ok(r) => pick(&r).cloned().ok_or(Some(r.generation)),
            Err(_) => Err(None),
        }
    }

    fn remember(&self, generation: Option<u64>, put: impl FnOnce(&mut Records)) {
        if let (Some(generation), Ok(mut r)) = (generation, self.records.lock())
            && r.generation == generation
        {
            put(&mut r);
        }
    }

    /// Runs a write of pools or clients, and forgets what is cached once it is over (whatever
    /// its outcome).
    fn writing<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let out = f();
        self.forget();
        out
    }
}

impl Store for CachedStore {
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.meta_get(key)
    }
    fn meta_init(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.inner.meta_init(key, value)
    }
    fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        if changes.iter().any(Change::touches_pools_or_clients) {
            self.writing(|| self.inner.apply(changes))
        } else {
            self.inner.apply(changes)
        }
    }
    fn pool_put(&self, pool: &UserPool) -> Result<(), StoreError> {
        self.writing(|| self.inner.pool_put(pool))
    }
    fn pool_get(&self, id: &str) -> Result<Option<UserPool>, StoreError> {
        let generation = match self.cached(|r| r.pools.get(id)) {
            Ok(pool) => return Ok(Some(pool)),
            Err(generation) => generation,
        };
        // A kept pool's stamp would not follow changes of the pool's groups and documents, which
        // this layer does not watch: pools come out of it without one (nothing is kept above it).
        let pool = self.inner.pool_get(id)?.map(unstamped);
        if let Some(p) = &pool {
            self.remember(generation, |r| {
                if r.pools.len() >= LIMIT {
                    r.pools.clear();
                }
                r.pools.insert(id.to_owned(), p.clone());
            });
        }
        Ok(pool)
    }
    fn pool_list(&self) -> Result<Vec<UserPool>, StoreError> {
        Ok(self.inner.pool_list()?.into_iter().map(unstamped).collect())
    }
    fn client_put(&self, client: &AppClient) -> Result<(), StoreError> {
        self.writing(|| self.inner.client_put(client))
    }
    fn client_get(&self, id: &str) -> Result<Option<AppClient>, StoreError> {
        let generation = match self.cached(|r| r.clients.get(id)) {
            Ok(client) => return Ok(Some(client)),
            Err(generation) => generation,
        };
        let client = self.inner.client_get(id)?;
        if let Some(c) = &client {
            self.remember(generation, |r| {
                if r.clients.len() >= LIMIT {
                    r.clients.clear();
                }
                r.clients.insert(id.to_owned(), c.clone());
            });
        }
        Ok(client)
    }
    fn client_list(&self, pool_id: &str) -> Result<Vec<AppClient>, StoreError> {
        self.inner.client_list(pool_id)
    }
    fn client_delete(&self, id: &str) -> Result<bool, StoreError> {
        self.writing(|| self.inner.client_delete(id))
    }
    fn user_insert(&self, user: &User) -> Result<bool, StoreError> {
        self.inner.user_insert(user)
    }
    fn user_put(&self, user: &User) -> Result<(), StoreError> {
        self.inner.user_put(user)
    }
    fn user_get(&self, pool_id: &str, username: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_get(pool_id, username)
    }
    fn user_by_alias(
        &self,
        pool_id: &str,
        alias: Alias,
        value: &str,
    ) -> Result<Vec<User>, StoreError> {
        self.inner.user_by_alias(pool_id, alias, value)
    }
    fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>, StoreError> {
        self.inner.user_by_sub(pool_id, sub)
    }
    fn user_list(&self, pool_id: &str, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        self.inner.user_list(pool_id, offset, limit)
    }
    fn user_count(&self, pool_id: &str) -> Result<u64, StoreError> {
        self.inner.user_count(pool_id)
    }
    fn user_search(
        &self,
        pool_id: &str,
        filter: &UserFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<User>, StoreError> {
        self.inner.user_search(pool_id, filter, offset, limit)
    }
    fn refresh_get(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.inner.refresh_get(hash)
    }
    fn refresh_list_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<RefreshRecord>, StoreError> {
        self.inner.refresh_list_user(pool_id, username)
    }
    fn revoke_family(&self, pool_id: &str, origin_jti: &str, at: i64) -> Result<(), StoreError> {
        self.inner.revoke_family(pool_id, origin_jti, at)
    }
    fn family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError> {
        self.inner.family_revoked(origin_jti)
    }
    fn revoke_user_families(
        &self,
        pool_id: &str,
        username: &str,
        at: i64,
    ) -> Result<usize, StoreError> {
        self.inner.revoke_user_families(pool_id, username, at)
    }
    fn doc_put(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        data: &Value,
    ) -> Result<(), StoreError> {
        self.inner.doc_put(kind, scope, key, data)
    }
    fn doc_get(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<Option<Value>, StoreError> {
        self.inner.doc_get(kind, scope, key)
    }
    fn doc_get_many(
        &self,
        kind: RecordKind,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<(String, Value)>, StoreError> {
        self.inner.doc_get_many(kind, scope, keys)
    }
    fn doc_list(&self, kind: RecordKind, scope: &str) -> Result<Vec<(String, Value)>, StoreError> {
        self.inner.doc_list(kind, scope)
    }
    fn doc_delete(&self, kind: RecordKind, scope: &str, key: &str) -> Result<bool, StoreError> {
        self.inner.doc_delete(kind, scope, key)
    }
    fn doc_update(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        change: Box<dyn FnOnce(Option<Value>) -> Option<Value> + Send>,
    ) -> Result<Option<Value>, StoreError> {
        self.inner.doc_update(kind, scope, key, change)
    }
    fn doc_purge_expired(&self, kind: RecordKind, now: i64) -> Result<usize, StoreError> {
        self.inner.doc_purge_expired(kind, now)
    }

    fn lock(&self, name: &str) -> Result<Option<StoreLock>, StoreError> {
        self.inner.lock(name)
    }
    fn lock_then_get(
        &self,
        name: &str,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<(Option<StoreLock>, Option<Value>), StoreError> {
        self.inner.lock_then_get(name, kind, scope, key)
    }
    fn shared(&self) -> bool {
        self.inner.shared()
    }
    fn purge_expired(
        &self,
        now: i64,
        revoked_before: i64,
        kinds: &[RecordKind],
        limit: usize,
    ) -> Result<super::Purged, StoreError> {
        self.inner.purge_expired(now, revoked_before, kinds, limit)
    }
}

/// `pool` without its store's stamp (see [`CachedStore::pool_get`]).
fn unstamped(pool: UserPool) -> UserPool {
    UserPool {
        stamp: None,
        ..pool
    }
}
