//! [`Store`] for [`PostgresStore`]: every method's SQL. Each method is one statement, or one
//! transaction when it reads before it writes.

use deadpool_postgres::{GenericClient, Pool};
use serde_json::Value;

use super::PostgresStore;
use super::sql::{
    DELETE_DOC, GET_DOC, PUT_DOC, REVOKE_LOGIN, decode, encode, exec, expires_of, record, records,
    rows,
};
use crate::error::StoreError;
use crate::model::{AppClient, RefreshRecord, User, UserPool};
use crate::store::{Alias, Change, Purged, RecordKind, Store, StoreLock, UserField, UserFilter};

impl PostgresStore {
    /// Runs `f` with a connection of the pool, on the store's runtime.
    fn with<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let db = self.pool.clone();
        self.run(async move { f(db).await })
    }
}

impl Store for PostgresStore {
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            let r = rows(&c, "SELECT value FROM meta WHERE key = $1", &[&key]).await?;
            Ok(match r.first() {
                Some(row) => Some(row.try_get::<_, Vec<u8>>(0)?),
                None => None,
            })
        })
    }

    fn meta_init(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.with(move |db| async move {
            let c = db.get().await?;
            exec(
                &c,
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )
            .await?;
            let r = rows(&c, "SELECT value FROM meta WHERE key = $1", &[&key]).await?;
            match r.first() {
                Some(row) => Ok(row.try_get::<_, Vec<u8>>(0)?),
                None => Err(StoreError::Corrupt(format!("meta {key} vanished"))),
            }
        })
    }

    fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let mut prepared = Vec::with_capacity(changes.len());
        for change in changes {
            let encoded = match &change {
                Change::InsertRefresh(r) => Some(encode(r)?),
                Change::PutDoc { data, .. } | Change::Claim { data, .. } => Some(encode(data)?),
                _ => None,
            };
            prepared.push((change, encoded));
        }
        self.with(move |db| async move {
            let mut c = db.get().await?;
            if let [(change, _)] = prepared.as_slice()
                && super::units::is_one_statement(change)
                && let Some((change, encoded)) = prepared.pop()
            {
                return super::units::run_change(&c, change, encoded.unwrap_or_default()).await;
            }
            let tx = c.transaction().await?;
            for (change, encoded) in prepared {
                super::units::run_change(&tx, change, encoded.unwrap_or_default()).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn pool_put(&self, pool: &UserPool) -> Result<(), StoreError> {
        let (id, data) = (pool.id.clone(), encode(pool)?);
        self.with(move |db| async move {
            let c = db.get().await?;
            exec(
                &c,
                "INSERT INTO pools (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                &[&id, &data],
            )
            .await?;
            Ok(())
        })
    }

    fn pool_get(&self, id: &str) -> Result<Option<UserPool>, StoreError> {
        let id = id.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            record(&c, "SELECT data FROM pools WHERE id = $1", &[&id]).await
        })
    }

    fn pool_list(&self) -> Result<Vec<UserPool>, StoreError> {
        self.with(move |db| async move {
            let c = db.get().await?;
            records(&c, "SELECT data FROM pools ORDER BY seq", &[]).await
        })
    }

    fn client_put(&self, client: &AppClient) -> Result<(), StoreError> {
        let (id, pool, data) = (client.id.clone(), client.pool_id.clone(), encode(client)?);
        self.with(move |db| async move {
            let c = db.get().await?;
            exec(
                &c,
                "INSERT INTO clients (id, pool_id, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                &[&id, &pool, &data],
            )
            .await?;
            Ok(())
        })
    }

    fn client_get(&self, id: &str) -> Result<Option<AppClient>, StoreError> {
        let id = id.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            record(&c, "SELECT data FROM clients WHERE id = $1", &[&id]).await
        })
    }

    fn client_list(&self, pool_id: &str) -> Result<Vec<AppClient>, StoreError> {
        let pool = pool_id.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            records(
                &c,
                "SELECT data FROM clients WHERE pool_id = $1 ORDER BY seq",
                &[&pool],
            )
            .await
        })
    }

    fn client_delete(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            Ok(exec(&c, "DELETE FROM clients WHERE id = $1", &[&id]).await? > 0)
        })
    }

    fn user_insert(&self, user: &User) -> Result<bool, StoreError> {
        let data = encode(user)?;
        let u = user.clone();
        self.with(move |db| async move {
            let c = db.get().await?;
            let email = u.email().map(str::to_lowercase);
            let phone = u.phone_number().map(str::to_owned);
            // Two nodes creating one name at once: the second waits for the first's commit
            // and inserts nothing.
            let n = exec(
                &c,
                "INSERT INTO users (pool_id, username, sub, email, phone, data) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (pool_id, username) DO NOTHING",
                &[&u.pool_id, &u.username, &u.sub, &email, &phone, &data],
            )
            .await?;
            Ok(n > 0)
        })
    }

    fn user_put(&self, user: &User) -> Result<(), StoreError> {
        let data = encode(user)?;
        let u = user.clone();
        self.with(move |db| async move {
            let c = db.get().await?;
            let email = u.email().map(str::to_lowercase);
            let phone = u.phone_number().map(str::to_owned);
            exec(
                &c,
                "UPDATE users SET sub = $3, email = $4, phone = $5, data = $6 WHERE pool_id = $1 AND username = $2",
                &[&u.pool_id, &u.username, &u.sub, &email, &phone, &data],
            )
            .await?;
            Ok(())
        })
    }

    fn user_get(&self, pool_id: &str, username: &str) -> Result<Option<User>, StoreError> {
        let (pool, name) = (pool_id.to_owned(), username.to_owned());
        self.with(move |db| async move {
            let c = db.get().await?;
            record(
                &c,
                "SELECT data FROM users WHERE pool_id = $1 AND username = $2",
                &[&pool, &name],
            )
            .await
        })
    }

    fn user_by_alias(
        &self,
        pool_id: &str,
        alias: Alias,
        value: &str,
    ) -> Result<Vec<User>, StoreError> {
        let (sql, value) = match alias {
            Alias::Email => (
                "SELECT data FROM users WHERE pool_id = $1 AND email = $2 ORDER BY seq",
                value.to_lowercase(),
            ),
            Alias::PhoneNumber => (
                "SELECT data FROM users WHERE pool_id = $1 AND phone = $2 ORDER BY seq",
                value.to_owned(),
            ),
        };
        let pool = pool_id.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            records(&c, sql, &[&pool, &value]).await
        })
    }

    fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>, StoreError> {
        let (pool, sub) = (pool_id.to_owned(), sub.to_owned());
        self.with(move |db| async move {
            let c = db.get().await?;
            record(
                &c,
                "SELECT data FROM users WHERE pool_id = $1 AND sub = $2 ORDER BY seq LIMIT 1",
                &[&pool, &sub],
            )
            .await
        })
    }

    fn user_list(&self, pool_id: &str, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        let pool = pool_id.to_owned();
        let (limit, offset) = (clamp(limit), clamp(offset));
        self.with(move |db| async move {
            let c = db.get().await?;
            records(
                &c,
                "SELECT data FROM users WHERE pool_id = $1 ORDER BY seq LIMIT $2 OFFSET $3",
                &[&pool, &limit, &offset],
            )
            .await
        })
    }

    fn user_count(&self, pool_id: &str) -> Result<u64, StoreError> {
        let pool = pool_id.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            let r = rows(
                &c,
                "SELECT COUNT(*) FROM users WHERE pool_id = $1",
                &[&pool],
            )
            .await?;
            let n: i64 = match r.first() {
                Some(row) => row.try_get(0)?,
                None => 0,
            };
            Ok(n.max(0) as u64)
        })
    }

    fn user_search(
        &self,
        pool_id: &str,
        filter: &UserFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<User>, StoreError> {
        // The compared text, as SQL over the row (attributes and status from the stored JSON).
        let (expr, attribute) = match &filter.field {
            UserField::Username => ("username", None),
            UserField::Sub => ("sub", None),
            UserField::Status => ("(data::jsonb ->> 'status')", None),
            UserField::Enabled => (
                "(CASE WHEN (data::jsonb -> 'enabled') = 'true'::jsonb THEN 'Enabled' ELSE 'Disabled' END)",
                None,
            ),
            UserField::Attribute(name) => {
                ("(data::jsonb -> 'attributes' ->> $5)", Some(name.clone()))
            }
        };
        let test = if filter.prefix {
            format!("left({expr}, length($2)) = $2")
        } else {
            format!("{expr} = $2")
        };
        let sql = format!(
            "SELECT data FROM users WHERE pool_id = $1 AND {test} ORDER BY seq LIMIT $3 OFFSET $4"
        );
        let (pool, value) = (pool_id.to_owned(), filter.value.clone());
        let (limit, offset) = (clamp(limit), clamp(offset));
        self.with(move |db| async move {
            let c = db.get().await?;
            match &attribute {
                Some(name) => records(&c, &sql, &[&pool, &value, &limit, &offset, name]).await,
                None => records(&c, &sql, &[&pool, &value, &limit, &offset]).await,
            }
        })
    }

    fn refresh_get(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let hash = hash.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            record(
                &c,
                "SELECT data FROM refresh_tokens WHERE hash = $1",
                &[&hash],
            )
            .await
        })
    }

    fn refresh_list_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<RefreshRecord>, StoreError> {
        let (pool, name) = (pool_id.to_owned(), username.to_owned());
        self.with(move |db| async move {
            let c = db.get().await?;
            records(
                &c,
                "SELECT data FROM refresh_tokens WHERE pool_id = $1 AND username = $2 ORDER BY seq",
                &[&pool, &name],
            )
            .await
        })
    }

    fn revoke_family(&self, pool_id: &str, origin_jti: &str, at: i64) -> Result<(), StoreError> {
        let (pool, jti) = (pool_id.to_owned(), origin_jti.to_owned());
        self.with(move |db| async move {
            let mut c = db.get().await?;
            let tx = c.transaction().await?;
            exec(&tx, REVOKE_LOGIN, &[&jti, &pool, &at]).await?;
            let found = rows(
                &tx,
                "SELECT hash, data FROM refresh_tokens WHERE origin_jti = $1 FOR UPDATE",
                &[&jti],
            )
            .await?;
            for row in found {
                let hash: String = row.try_get(0)?;
                let mut rec: RefreshRecord = decode(&row.try_get::<_, String>(1)?)?;
                rec.revoked = true;
                exec(
                    &tx,
                    "UPDATE refresh_tokens SET data = $2 WHERE hash = $1",
                    &[&hash, &encode(&rec)?],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError> {
        let jti = origin_jti.to_owned();
        self.with(move |db| async move {
            let c = db.get().await?;
            let r = rows(
                &c,
                "SELECT 1 FROM revoked_logins WHERE origin_jti = $1",
                &[&jti],
            )
            .await?;
            Ok(!r.is_empty())
        })
    }

    fn revoke_user_families(
        &self,
        pool_id: &str,
        username: &str,
        at: i64,
    ) -> Result<usize, StoreError> {
        let (pool, name) = (pool_id.to_owned(), username.to_owned());
        self.with(move |db| async move {
            let mut c = db.get().await?;
            let tx = c.transaction().await?;
            let found = rows(
                &tx,
                "SELECT hash, origin_jti, data FROM refresh_tokens WHERE pool_id = $1 AND username = $2 ORDER BY seq FOR UPDATE",
                &[&pool, &name],
            )
            .await?;
            let mut families = std::collections::BTreeSet::new();
            for row in found {
                let hash: String = row.try_get(0)?;
                let jti: String = row.try_get(1)?;
                if families.insert(jti.clone()) {
                    exec(&tx, REVOKE_LOGIN, &[&jti, &pool, &at]).await?;
                }
                let mut rec: RefreshRecord = decode(&row.try_get::<_, String>(2)?)?;
                if !rec.revoked {
                    rec.revoked = true;
                    exec(
                        &tx,
                        "UPDATE refresh_tokens SET data = $2 WHERE hash = $1",
                        &[&hash, &encode(&rec)?],
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(families.len())
        })
    }

    fn doc_put(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        data: &Value,
    ) -> Result<(), StoreError> {
        let (kind, scope, key) = (kind.as_str(), scope.to_owned(), key.to_owned());
        let (expires, data) = (expires_of(data), encode(data)?);
        self.with(move |db| async move {
            let c = db.get().await?;
            exec(&c, PUT_DOC, &[&kind, &scope, &key, &expires, &data]).await?;
            Ok(())
        })
    }

    fn doc_get(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<Option<Value>, StoreError> {
        let (kind, scope, key) = (kind.as_str(), scope.to_owned(), key.to_owned());
        self.with(move |db| async move {
            let c = db.get().await?;
            record(&c, GET_DOC, &[&kind, &scope, &key]).await
        })
    }

    fn doc_list(&self, kind: RecordKind, scope: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let (kind, scope) = (kind.as_str(), scope.to_owned());
        self.with(move |db| async move {
            let c = db.get().await?;
            rows(
                &c,
                "SELECT key, data FROM docs WHERE kind = $1 AND scope = $2 ORDER BY seq",
                &[&kind, &scope],
            )
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<_, String>(0)?,
                    decode(&r.try_get::<_, String>(1)?)?,
                ))
            })
            .collect()
        })
    }

    fn doc_delete(&self, kind: RecordKind, scope: &str, key: &str) -> Result<bool, StoreError> {
        let (kind, scope, key) = (kind.as_str(), scope.to_owned(), key.to_owned());
        self.with(move |db| async move {
            let c = db.get().await?;
            Ok(exec(&c, DELETE_DOC, &[&kind, &scope, &key]).await? > 0)
        })
    }

    fn doc_update(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        change: Box<dyn FnOnce(Option<Value>) -> Option<Value> + Send>,
    ) -> Result<Option<Value>, StoreError> {
        let (kind, scope, key) = (kind.as_str(), scope.to_owned(), key.to_owned());
        self.with(move |db| async move {
            let mut c = db.get().await?;
            let tx = c.transaction().await?;
            // The record may not exist yet, so a row lock is not enough: every update of this
            // key, on any node, takes this lock until its transaction ends.
            exec(
                &tx,
                "SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2 || chr(31) || $3, 0))",
                &[&kind, &scope, &key],
            )
            .await?;
            let old: Option<Value> = record(
                &tx,
                "SELECT data FROM docs WHERE kind = $1 AND scope = $2 AND key = $3 FOR UPDATE",
                &[&kind, &scope, &key],
            )
            .await?;
            let new = change(old);
            match &new {
                Some(v) => {
                    let (expires, data) = (expires_of(v), encode(v)?);
                    exec(&tx, PUT_DOC, &[&kind, &scope, &key, &expires, &data]).await?;
                }
                None => {
                    exec(&tx, DELETE_DOC, &[&kind, &scope, &key]).await?;
                }
            }
            tx.commit().await?;
            Ok(new)
        })
    }

    fn doc_purge_expired(&self, kind: RecordKind, now: i64) -> Result<usize, StoreError> {
        let kind = kind.as_str();
        let now = now as f64;
        self.with(move |db| async move {
            let c = db.get().await?;
            // A record without a numeric `expires` has NULL there and stays.
            let n = exec(
                &c,
                "DELETE FROM docs WHERE kind = $1 AND expires < $2",
                &[&kind, &now],
            )
            .await?;
            Ok(n as usize)
        })
    }

    fn purge_expired(
        &self,
        now: i64,
        revoked_before: i64,
        kinds: &[RecordKind],
        limit: usize,
    ) -> Result<Purged, StoreError> {
        let kinds: Vec<&'static str> = kinds.iter().map(|k| k.as_str()).collect();
        let limit = limit.min(i64::MAX as usize) as i64;
        let now_f = now as f64;
        self.with(move |db| async move {
            let mut c = db.get().await?;
            let tx = c.transaction().await?;
            // SKIP LOCKED: nodes purging at once share the work instead of waiting.
            let refresh_tokens = exec(
                &tx,
                "DELETE FROM refresh_tokens WHERE hash IN \
                 (SELECT hash FROM refresh_tokens WHERE expires < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&now, &limit],
            )
            .await? as usize;
            let revoked_logins = exec(
                &tx,
                "DELETE FROM revoked_logins WHERE origin_jti IN \
                 (SELECT origin_jti FROM revoked_logins WHERE at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&revoked_before, &limit],
            )
            .await? as usize;
            let mut records = 0;
            for kind in kinds {
                records += exec(
                    &tx,
                    "DELETE FROM docs WHERE (kind, scope, key) IN (SELECT kind, scope, key FROM docs \
                     WHERE kind = $1 AND expires IS NOT NULL AND expires < $2 LIMIT $3 FOR UPDATE SKIP LOCKED)",
                    &[&kind, &now_f, &limit],
                )
                .await? as usize;
            }
            tx.commit().await?;
            Ok(Purged {
                refresh_tokens,
                revoked_logins,
                records,
            })
        })
    }

    fn shared(&self) -> bool {
        true
    }

    fn lock(&self, name: &str) -> Result<Option<StoreLock>, StoreError> {
        self.advisory_lock(name)
    }
}

fn clamp(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}
