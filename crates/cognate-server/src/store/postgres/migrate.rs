//! Versioned schema migrations, kept in the repository (`migrations/postgres/`) and compiled
//! into the binary; the database records which it has (`cognate_schema`).

use super::backend;
use super::pool::Conn;
use crate::error::StoreError;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "initial",
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        "lock_then_get",
        include_str!("../../../migrations/postgres/0002_lock_then_get.sql"),
    ),
    (
        "pool_stamp",
        include_str!("../../../migrations/postgres/0003_pool_stamp.sql"),
    ),
];

/// The schema version this binary writes (and the newest it can use).
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Held (session-scoped) while migrating, so that nodes starting together take turns.
const LOCK: i64 = 0x636f_676e_6174_6531; // "cognate1"

/// Brings the database to [`SCHEMA_VERSION`] (or, with `apply` false, checks that it is
/// there); refuses a database whose schema is newer than this binary.
pub(super) fn run(conn: &mut Conn, apply: bool) -> Result<(), StoreError> {
    conn.client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK])?;
    let outcome = migrate(conn, apply);
    let unlocked = conn
        .client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK]);
    outcome?;
    unlocked?;
    Ok(())
}

fn migrate(conn: &mut Conn, apply: bool) -> Result<(), StoreError> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS cognate_schema (
               version INTEGER PRIMARY KEY,
               name TEXT NOT NULL,
               applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let found = current(conn)?;
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
        conn.transaction(|tx| {
            // A migration may take long on a big database: no statement timeout for it.
            tx.batch("SET LOCAL statement_timeout = 0")?;
            tx.batch(sql)?;
            tx.client.execute(
                "INSERT INTO cognate_schema (version, name) VALUES ($1, $2)",
                &[&version, name],
            )?;
            Ok(())
        })?;
        tracing::info!(version, name, "database schema migrated");
    }
    Ok(())
}

/// The version the database's schema is at (0: none yet).
pub(super) fn current(conn: &mut Conn) -> Result<i32, StoreError> {
    let row = conn
        .client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM cognate_schema", &[])?;
    Ok(row.try_get(0)?)
}
