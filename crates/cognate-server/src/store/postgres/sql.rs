//! The SQL helpers every PostgreSQL statement of the store goes through (prepared once per
//! connection, records as JSON text) and the statements shared by single calls
//! (`super::ops`) and units of work (`super::units`).

use deadpool_postgres::GenericClient;
use serde_json::Value;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

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

/// One statement, prepared once per connection; its rows.
pub(super) async fn rows(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StoreError> {
    let st = c.prepare_cached(sql).await?;
    Ok(c.query(&st, params).await?)
}

/// One statement; the number of rows it changed.
pub(super) async fn exec(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, StoreError> {
    let st = c.prepare_cached(sql).await?;
    Ok(c.execute(&st, params).await?)
}

/// The decoded records (first column) of a query.
pub(super) async fn records<T: serde::de::DeserializeOwned>(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<T>, StoreError> {
    rows(c, sql, params)
        .await?
        .iter()
        .map(|r| decode(&text(r)?))
        .collect()
}

/// The first decoded record of a query.
pub(super) async fn record<T: serde::de::DeserializeOwned>(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<T>, StoreError> {
    match rows(c, sql, params).await?.first() {
        Some(r) => Ok(Some(decode(&text(r)?)?)),
        None => Ok(None),
    }
}

pub(super) const PUT_DOC: &str = "INSERT INTO docs (kind, scope, key, expires, data) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (kind, scope, key) DO UPDATE SET expires = excluded.expires, data = excluded.data";
pub(super) const GET_DOC: &str =
    "SELECT data FROM docs WHERE kind = $1 AND scope = $2 AND key = $3";
pub(super) const DELETE_DOC: &str = "DELETE FROM docs WHERE kind = $1 AND scope = $2 AND key = $3";
pub(super) const REVOKE_LOGIN: &str = "INSERT INTO revoked_logins (origin_jti, pool_id, at) VALUES ($1, $2, $3) \
     ON CONFLICT (origin_jti) DO NOTHING";
