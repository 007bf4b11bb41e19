//! The SQL helpers every PostgreSQL statement of the store goes through (prepared once per
//! connection, records as JSON text), transactions, and the statements shared by single calls
//! (`super::ops`) and units of work (`super::units`).

use serde_json::Value;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::pool::Conn;
use crate::error::StoreError;

pub(super) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub(super) fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_str(text)?)
}

pub(super) fn encode<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(v)?)
}

/// The first column of a row, as text.
pub(super) fn text(row: &Row) -> Result<String, StoreError> {
    Ok(row.try_get::<_, String>(0)?)
}

/// The `expires` member of a record (epoch seconds), what purges compare.
pub(super) fn expires_of(data: &Value) -> Option<f64> {
    data.get("expires").and_then(Value::as_f64)
}

impl Conn {
    /// `sql`, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<tokio_postgres::Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), st.clone());
        Ok(st)
    }

    /// One statement's rows.
    pub(super) fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let st = self.statement(sql)?;
        Ok(self.client.query(&st, params)?)
    }

    /// One statement; the number of rows it changed.
    pub(super) fn exec(&mut self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        Ok(self.client.execute(&st, params)?)
    }

    /// The decoded records (first column) of a query.
    pub(super) fn records<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.rows(sql, params)?
            .iter()
            .map(|r| decode(&text(r)?))
            .collect()
    }

    /// The first decoded record of a query.
    pub(super) fn record<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<T>, StoreError> {
        match self.rows(sql, params)?.first() {
            Some(r) => Ok(Some(decode(&text(r)?)?)),
            None => Ok(None),
        }
    }

    /// Statements without parameters, sent as one simple query.
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.client.batch_execute(sql)?)
    }

    /// Runs `f` in a transaction (`READ COMMITTED`), committed when `f` succeeds and rolled
    /// back when it fails. A connection whose rollback fails is closed, not reused.
    pub(super) fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.batch("BEGIN")?;
        match f(self) {
            Ok(out) => {
                self.batch("COMMIT")?;
                Ok(out)
            }
            Err(e) => {
                if self.batch("ROLLBACK").is_err() {
                    self.broken = true;
                }
                Err(e)
            }
        }
    }
}

pub(super) const PUT_DOC: &str = "INSERT INTO docs (kind, scope, key, expires, data) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (kind, scope, key) DO UPDATE SET expires = excluded.expires, data = excluded.data";
pub(super) const GET_DOC: &str =
    "SELECT data FROM docs WHERE kind = $1 AND scope = $2 AND key = $3";
pub(super) const DELETE_DOC: &str = "DELETE FROM docs WHERE kind = $1 AND scope = $2 AND key = $3";
pub(super) const REVOKE_LOGIN: &str = "INSERT INTO revoked_logins (origin_jti, pool_id, at) VALUES ($1, $2, $3) \
     ON CONFLICT (origin_jti) DO NOTHING";
