//! What a sign-in derives from a pool's configuration besides the pool record — the pool's
//! groups, its session settings — kept under the pool's stamp ([`UserPool::stamp`]).
//!
//! A store that keeps a stamp (PostgreSQL) changes it in the same transaction as any change
//! of the pool's record, groups or configuration documents, on any node, and never gives one
//! twice. A value kept under stamp S is used only for a pool read with stamp S: the read is
//! made at the start of the request, so the value is what the store held then, and a change
//! committed on another node is seen by this node's next read of the pool. A store without
//! stamps (SQLite, one process) gives `None` and nothing is kept: its reads cost no round trip.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::ApiError;
use crate::model::UserPool;

/// Most pools remembered; past it, the memory starts again empty.
const LIMIT: usize = 10_000;

/// Values of type `T`, one per pool, each under the stamp it was derived at.
pub(crate) struct PoolCache<T> {
    kept: RwLock<HashMap<String, (i64, Arc<T>)>>,
}

impl<T> Default for PoolCache<T> {
    fn default() -> Self {
        PoolCache {
            kept: RwLock::new(HashMap::new()),
        }
    }
}

impl<T> PoolCache<T> {
    /// The value for `pool` as read: the one kept under its stamp, or `load`'s (kept under the
    /// stamp when there is one). `load` reads the store after the pool was read, so what it
    /// sees is never older than the stamp.
    pub(crate) fn get(
        &self,
        pool: &UserPool,
        load: impl FnOnce() -> Result<T, ApiError>,
    ) -> Result<Arc<T>, ApiError> {
        let Some(stamp) = pool.stamp else {
            return load().map(Arc::new);
        };
        if let Some((kept, value)) = self
            .kept
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&pool.id)
            && *kept == stamp
        {
            return Ok(value.clone());
        }
        let value = Arc::new(load()?);
        let mut kept = self.kept.write().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= LIMIT && !kept.contains_key(&pool.id) {
            kept.clear();
        }
        kept.insert(pool.id.clone(), (stamp, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn pool(stamp: Option<i64>) -> UserPool {
        let mut pool = crate::store::conformance::pool("us-east-1_x").unwrap();
        pool.stamp = stamp;
        pool
    }

    #[test]
    fn a_value_is_reused_only_under_the_stamp_it_was_read_at() {
        let cache = PoolCache::<u32>::default();
        let loads = Cell::new(0);
        let load = |v| {
            loads.set(loads.get() + 1);
            Ok(v)
        };
        assert_eq!(*cache.get(&pool(Some(7)), || load(1)).unwrap(), 1);
        assert_eq!(*cache.get(&pool(Some(7)), || load(2)).unwrap(), 1);
        assert_eq!(loads.get(), 1);
        // Any other stamp (a change on any node) loads again.
        assert_eq!(*cache.get(&pool(Some(9)), || load(3)).unwrap(), 3);
        assert_eq!(*cache.get(&pool(Some(7)), || load(4)).unwrap(), 4);
        assert_eq!(loads.get(), 3);
        // A store without stamps: loaded every time, nothing kept.
        assert_eq!(*cache.get(&pool(None), || load(5)).unwrap(), 5);
        assert_eq!(*cache.get(&pool(None), || load(6)).unwrap(), 6);
    }
}
