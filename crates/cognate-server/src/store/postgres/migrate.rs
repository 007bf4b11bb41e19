//! Versioned schema migrations, kept in the repository (`migrations/postgres/`) and compiled
//! into the binary; the database records which it has (`cognate_schema`).

use deadpool_postgres::Object;

use super::backend;
use crate::error::StoreError;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[(&str, &str)] = &[(
    "initial",
    include_str!("../../../migrations/postgres/0001_initial.sql"),
)];

/// The schema version this binary writes (and the newest it can use).
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Held (session-scoped) while migrating, so that nodes starting together take turns.
const LOCK: i64 = 0x636f_676e_6174_6531; // "cognate1"

/// Brings the database to [`SCHEMA_VERSION`] (or, with `apply` false, checks that it is
/// there); refuses a database whose schema is newer than this binary.
pub(super) async fn run(client: &mut Object, apply: bool) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK])
        .await?;
    let outcome = migrate(client, apply).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK])
        .await;
    outcome?;
    unlocked?;
    Ok(())
}

async fn migrate(client: &mut Object, apply: bool) -> Result<(), StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS cognate_schema (
               version INTEGER PRIMARY KEY,
               name TEXT NOT NULL,
               applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await?;
    let found = current(client).await?;
    if found > SCHEMA_VERSION {
        return Err(backend(
            format!(
                "the database's schema is at version {found}, newer than this cognate knows \
                 (version {SCHEMA_VERSION}): run a newer cognate"
            ),
            false,
        ));
    }
    if found < SCHEMA_VERSION && !apply {
        return Err(backend(
            format!(
                "the database's schema is at version {found}, this cognate needs version \
                 {SCHEMA_VERSION}: run `cognate serve migrate`"
            ),
            false,
        ));
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = i as i32 + 1;
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO cognate_schema (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version, name, "database schema migrated");
    }
    Ok(())
}

/// The version the database's schema is at (0: none yet).
pub(super) async fn current(client: &Object) -> Result<i32, StoreError> {
    let row = client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM cognate_schema", &[])
        .await?;
    Ok(row.try_get(0)?)
}
