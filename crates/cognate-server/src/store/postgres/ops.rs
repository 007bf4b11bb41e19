//! [`Store`] for [`PostgresStore`]: every method's SQL. Each method is one statement, or one
//! transaction when it reads before it writes.

use serde_json::Value;

use super::PostgresStore;
use super::pool::Conn;
use super::sql::{DELETE_DOC, GET_DOC, PUT_DOC, REVOKE_LOGIN, decode, encode, expires_of};
use crate::error::StoreError;
use crate::model::{AppClient, RefreshRecord, User, UserPool};
use crate::store::{Alias, Change, Purged, RecordKind, Store, StoreLock, UserField, UserFilter};

impl PostgresStore {
    /// Runs `f` with a connection of the pool (see [`super::blocking`]).
    fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        super::blocking(|| f(&mut *self.pool.get()?))
    }
}

impl Store for PostgresStore {
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.with(move |c| {
            let r = c.rows("SELECT value FROM meta WHERE key = $1", &[&key])?;
            Ok(match r.first() {
                Some(row) => Some(row.try_get::<_, Vec<u8>>(0)?),
                None => None,
            })
        })
    }

    fn meta_init(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.with(move |c| {
            c.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )?;
            let r = c.rows("SELECT value FROM meta WHERE key = $1", &[&key])?;
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
        self.with(move |c| {
            if let [(change, _)] = prepared.as_slice()
                && super::units::is_one_statement(change)
                && let Some((change, encoded)) = prepared.pop()
            {
                return super::units::run_change(c, change, encoded.unwrap_or_default());
            }
            c.transaction(|tx| {
                for (change, encoded) in prepared {
                    super::units::run_change(tx, change, encoded.unwrap_or_default())?;
                }
                Ok(())
            })
        })
    }

    fn pool_put(&self, pool: &UserPool) -> Result<(), StoreError> {
        let (id, data) = (pool.id.clone(), encode(pool)?);
        self.with(move |c| {
            c.exec("INSERT INTO pools (id, data) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, stamp = nextval('cognate_stamps')",
                &[&id, &data],
            )
            ?;
            Ok(())
        })
    }

    fn pool_get(&self, id: &str) -> Result<Option<UserPool>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.rows("SELECT data, stamp FROM pools WHERE id = $1", &[&id])?
                .first()
                .map(stamped_pool)
                .transpose()
        })
    }

    fn pool_list(&self) -> Result<Vec<UserPool>, StoreError> {
        self.with(move |c| {
            c.rows("SELECT data, stamp FROM pools ORDER BY seq", &[])?
                .iter()
                .map(stamped_pool)
                .collect()
        })
    }

    fn client_put(&self, client: &AppClient) -> Result<(), StoreError> {
        let (id, pool, data) = (client.id.clone(), client.pool_id.clone(), encode(client)?);
        self.with(move |c| {
            c.exec("INSERT INTO clients (id, pool_id, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                &[&id, &pool, &data],
            )
            ?;
            Ok(())
        })
    }

    fn client_get(&self, id: &str) -> Result<Option<AppClient>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| c.record("SELECT data FROM clients WHERE id = $1", &[&id]))
    }

    fn client_and_pool(
        &self,
        id: &str,
    ) -> Result<Option<(AppClient, Option<UserPool>)>, StoreError> {
        self.with(|c| {
            let found = c.rows(
                "SELECT c.data, p.data, p.stamp FROM clients c LEFT JOIN pools p ON p.id = c.pool_id WHERE c.id = $1",
                &[&id],
            )?;
            let Some(row) = found.first() else {
                return Ok(None);
            };
            let client = decode(&row.try_get::<_, String>(0)?)?;
            let pool = match row.try_get::<_, Option<String>>(1)? {
                Some(text) => Some(UserPool {
                    stamp: row.try_get(2)?,
                    ..decode(&text)?
                }),
                None => None,
            };
            Ok(Some((client, pool)))
        })
    }

    fn client_list(&self, pool_id: &str) -> Result<Vec<AppClient>, StoreError> {
        let pool = pool_id.to_owned();
        self.with(move |c| {
            c.records(
                "SELECT data FROM clients WHERE pool_id = $1 ORDER BY seq",
                &[&pool],
            )
        })
    }

    fn client_delete(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with(move |c| Ok(c.exec("DELETE FROM clients WHERE id = $1", &[&id])? > 0))
    }

    fn user_insert(&self, user: &User) -> Result<bool, StoreError> {
        let data = encode(user)?;
        let u = user.clone();
        self.with(move |c| {
            let email = u.email().map(str::to_lowercase);
            let phone = u.phone_number().map(str::to_owned);
            // Two nodes creating one name at once: the second waits for the first's commit
            // and inserts nothing.
            let n = c.exec("INSERT INTO users (pool_id, username, sub, email, phone, data) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (pool_id, username) DO NOTHING",
                &[&u.pool_id, &u.username, &u.sub, &email, &phone, &data],
            )
            ?;
            Ok(n > 0)
        })
    }

    fn user_put(&self, user: &User) -> Result<(), StoreError> {
        let data = encode(user)?;
        let u = user.clone();
        self.with(move |c| {
            let email = u.email().map(str::to_lowercase);
            let phone = u.phone_number().map(str::to_owned);
            c.exec("UPDATE users SET sub = $3, email = $4, phone = $5, data = $6 WHERE pool_id = $1 AND username = $2",
                &[&u.pool_id, &u.username, &u.sub, &email, &phone, &data],
            )
            ?;
            Ok(())
        })
    }

    fn user_get(&self, pool_id: &str, username: &str) -> Result<Option<User>, StoreError> {
        let (pool, name) = (pool_id.to_owned(), username.to_owned());
        self.with(move |c| {
            c.record(
                "SELECT data FROM users WHERE pool_id = $1 AND username = $2",
                &[&pool, &name],
            )
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
        self.with(move |c| c.records(sql, &[&pool, &value]))
    }

    fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>, StoreError> {
        let (pool, sub) = (pool_id.to_owned(), sub.to_owned());
        self.with(move |c| {
            c.record(
                "SELECT data FROM users WHERE pool_id = $1 AND sub = $2 ORDER BY seq LIMIT 1",
                &[&pool, &sub],
            )
        })
    }

    fn user_list(&self, pool_id: &str, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        let pool = pool_id.to_owned();
        let (limit, offset) = (clamp(limit), clamp(offset));
        self.with(move |c| {
            c.records(
                "SELECT data FROM users WHERE pool_id = $1 ORDER BY seq LIMIT $2 OFFSET $3",
                &[&pool, &limit, &offset],
            )
        })
    }

    fn user_count(&self, pool_id: &str) -> Result<u64, StoreError> {
        let pool = pool_id.to_owned();
        self.with(move |c| {
            let r = c.rows("SELECT COUNT(*) FROM users WHERE pool_id = $1", &[&pool])?;
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
        self.with(move |c| match &attribute {
            Some(name) => c.records(&sql, &[&pool, &value, &limit, &offset, name]),
            None => c.records(&sql, &[&pool, &value, &limit, &offset]),
        })
    }

    fn refresh_get(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let hash = hash.to_owned();
        self.with(move |c| c.record("SELECT data FROM refresh_tokens WHERE hash = $1", &[&hash]))
    }

    fn refresh_list_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<RefreshRecord>, StoreError> {
        let (pool, name) = (pool_id.to_owned(), username.to_owned());
        self.with(move |c| {
            c.records(
                "SELECT data FROM refresh_tokens WHERE pool_id = $1 AND username = $2 ORDER BY seq",
                &[&pool, &name],
            )
        })
    }

    fn revoke_family(&self, pool_id: &str, origin_jti: &str, at: i64) -> Result<(), StoreError> {
        let (pool, jti) = (pool_id.to_owned(), origin_jti.to_owned());
        self.with(move |c| {
            c.transaction(|tx| {
                tx.exec(REVOKE_LOGIN, &[&jti, &pool, &at])?;
                let found = tx.rows(
                    "SELECT hash, data FROM refresh_tokens WHERE origin_jti = $1 FOR UPDATE",
                    &[&jti],
                )?;
                for row in found {
                    let hash: String = row.try_get(0)?;
                    let mut rec: RefreshRecord = decode(&row.try_get::<_, String>(1)?)?;
                    rec.revoked = true;
                    tx.exec(
                        "UPDATE refresh_tokens SET data = $2 WHERE hash = $1",
                        &[&hash, &encode(&rec)?],
                    )?;
                }
                Ok(())
            })
        })
    }

    fn family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError> {
        let jti = origin_jti.to_owned();
        self.with(move |c| {
            let r = c.rows(
                "SELECT 1 FROM revoked_logins WHERE origin_jti = $1",
                &[&jti],
            )?;
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
        self.with(move |c| {
            c.transaction(|tx| {
            let found = tx.rows("SELECT hash, origin_jti, data FROM refresh_tokens WHERE pool_id = $1 AND username = $2 ORDER BY seq FOR UPDATE",
                &[&pool, &name],
            )
            ?;
            let mut families = std::collections::BTreeSet::new();
            for row in found {
                let hash: String = row.try_get(0)?;
                let jti: String = row.try_get(1)?;
                if families.insert(jti.clone()) {
                    tx.exec(REVOKE_LOGIN, &[&jti, &pool, &at])?;
                }
                let mut rec: RefreshRecord = decode(&row.try_get::<_, String>(2)?)?;
                if !rec.revoked {
                    rec.revoked = true;
                    tx.exec("UPDATE refresh_tokens SET data = $2 WHERE hash = $1",
                        &[&hash, &encode(&rec)?],
                    )
                    ?;
                }
            }
            Ok(families.len())
            })
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
        self.with(move |c| {
            c.exec(PUT_DOC, &[&kind, &scope, &key, &expires, &data])?;
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
        self.with(move |c| c.record(GET_DOC, &[&kind, &scope, &key]))
    }

    fn doc_get_many(
        &self,
        kind: RecordKind,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<(String, Value)>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let kind = kind.as_str();
        let mut found = self.with(|c| {
            c.rows(
                "SELECT key, data FROM docs WHERE kind = $1 AND scope = $2 AND key = ANY($3)",
                &[&kind, &scope, &keys],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<_, String>(0)?,
                    decode::<Value>(&r.try_get::<_, String>(1)?)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()
        })?;
        let order: std::collections::HashMap<&str, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        found.sort_by_key(|(k, _)| order.get(k.as_str()).copied().unwrap_or(usize::MAX));
        Ok(found)
    }

    fn doc_list(&self, kind: RecordKind, scope: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let (kind, scope) = (kind.as_str(), scope.to_owned());
        self.with(move |c| {
            c.rows(
                "SELECT key, data FROM docs WHERE kind = $1 AND scope = $2 ORDER BY seq",
                &[&kind, &scope],
            )?
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
        self.with(move |c| Ok(c.exec(DELETE_DOC, &[&kind, &scope, &key])? > 0))
    }

    fn doc_update(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        change: Box<dyn FnOnce(Option<Value>) -> Option<Value> + Send>,
    ) -> Result<Option<Value>, StoreError> {
        let (kind, scope, key) = (kind.as_str(), scope.to_owned(), key.to_owned());
        self.with(move |c| {
            c.transaction(|tx| {
            // The record may not exist yet, so a row lock is not enough: every update of this
            // key, on any node, takes this lock until its transaction ends.
            tx.exec("SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2 || chr(31) || $3, 0))",
                &[&kind, &scope, &key],
            )
            ?;
            let old: Option<Value> = tx.record("SELECT data FROM docs WHERE kind = $1 AND scope = $2 AND key = $3 FOR UPDATE",
                &[&kind, &scope, &key],
            )
            ?;
            let new = change(old);
            match &new {
                Some(v) => {
                    let (expires, data) = (expires_of(v), encode(v)?);
                    tx.exec(PUT_DOC, &[&kind, &scope, &key, &expires, &data])?;
                }
                None => {
                    tx.exec(DELETE_DOC, &[&kind, &scope, &key])?;
                }
            }
            Ok(new)
            })
        })
    }

    fn doc_purge_expired(&self, kind: RecordKind, now: i64) -> Result<usize, StoreError> {
        let kind = kind.as_str();
        let now = now as f64;
        self.with(move |c| {
            // A record without a numeric `expires` has NULL there and stays.
            let n = c.exec(
                "DELETE FROM docs WHERE kind = $1 AND expires < $2",
                &[&kind, &now],
            )?;
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
        self.with(move |c| {
            c.transaction(|tx| {
            // SKIP LOCKED: nodes purging at once share the work instead of waiting.
            let refresh_tokens = tx.exec("DELETE FROM refresh_tokens WHERE hash IN \
                 (SELECT hash FROM refresh_tokens WHERE expires < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&now, &limit],
            )
            ? as usize;
            let revoked_logins = tx.exec("DELETE FROM revoked_logins WHERE origin_jti IN \
                 (SELECT origin_jti FROM revoked_logins WHERE at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&revoked_before, &limit],
            )
            ? as usize;
            let mut records = 0;
            for kind in kinds {
                records += tx.exec("DELETE FROM docs WHERE (kind, scope, key) IN (SELECT kind, scope, key FROM docs \
                     WHERE kind = $1 AND expires IS NOT NULL AND expires < $2 LIMIT $3 FOR UPDATE SKIP LOCKED)",
                    &[&kind, &now_f, &limit],
                )
                ? as usize;
            }
            Ok(Purged {
                refresh_tokens,
                revoked_logins,
                records,
            })
            })
        })
    }

    fn shared(&self) -> bool {
        true
    }

    fn lock(&self, name: &str) -> Result<Option<StoreLock>, StoreError> {
        self.advisory_lock(name)
    }

    fn lock_then_get(
        &self,
        name: &str,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<(Option<StoreLock>, Option<Value>), StoreError> {
        self.advisory_lock_then_get(name, kind, scope, key)
    }
}

/// A pool from a row of `data, stamp`.
fn stamped_pool(row: &tokio_postgres::Row) -> Result<UserPool, StoreError> {
    Ok(UserPool {
        stamp: Some(row.try_get(1)?),
        ..decode(&row.try_get::<_, String>(0)?)?
    })
}

fn clamp(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}
