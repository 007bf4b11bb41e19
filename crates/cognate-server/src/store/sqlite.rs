//! The SQLite backend: one file (`cognate.sqlite3`, WAL, `synchronous=FULL`) or SQLite's
//! in-memory VFS behind the same code.
//!
//! A write returns only after it is durable: writes are committed in groups on the one writer
//! connection (one `fsync` for every write waiting at that moment), and each caller is answered
//! after the commit. The commit is run by a caller itself (leader and followers): a write
//! queues its job, takes the writer connection, and, unless the previous holder already
//! committed that job, commits every job queued at that moment. An uncontended write thus costs
//! no hand-over to another thread. Reads use a small pool of connections.
//!
//! (Longer than most modules on purpose: it is one backend, and every trait method's SQL sits
//! here beside the schema and the group commit it relies on.)

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde_json::Value;

use super::{Alias, Change, Purged, RecordKind, Store, UserField, UserFilter, may_block};
use crate::error::StoreError;
use crate::model::{AppClient, RefreshRecord, User, UserPool};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let retryable = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        );
        StoreError::Backend {
            backend: "sqlite",
            message: e.to_string(),
            retryable,
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pools (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, pool_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS clients_pool ON clients (pool_id);
CREATE TABLE IF NOT EXISTS users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  pool_id TEXT NOT NULL, username TEXT NOT NULL, sub TEXT NOT NULL, email TEXT,
  data TEXT NOT NULL, phone TEXT,
  UNIQUE (pool_id, username));
CREATE INDEX IF NOT EXISTS users_sub ON users (pool_id, sub);
CREATE INDEX IF NOT EXISTS users_email ON users (pool_id, email);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY, pool_id TEXT NOT NULL, username TEXT NOT NULL, origin_jti TEXT NOT NULL,
  data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS refresh_family ON refresh_tokens (origin_jti);
CREATE INDEX IF NOT EXISTS refresh_user ON refresh_tokens (pool_id, username);
CREATE TABLE IF NOT EXISTS revoked_logins (origin_jti TEXT PRIMARY KEY, pool_id TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
  UNIQUE (kind, scope, key));
CREATE INDEX IF NOT EXISTS docs_scope ON docs (scope);
";

type Done = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A queued write: run on the writer's connection (`None`: the transaction could not start, or
/// the store is closed).
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Done) + Send>;

/// The SQLite store: WAL, `synchronous=FULL`, one writer connection with group commit, and a
/// small pool of reader connections. Safe to share by several server processes (SQLite locks);
/// put a [`CachedStore`](super::CachedStore) in front of it only when one process writes.
pub struct SqliteStore {
    /// The writer connection (`None` once closed); whoever holds it commits the queue.
    writer: Mutex<Option<Connection>>,
    /// Writes waiting for the next commit.
    queue: Mutex<Vec<Job>>,
    readers: Mutex<Vec<Connection>>,
    target: Target,
}

#[derive(Clone)]
enum Target {
    File(PathBuf),
    Memory(String),
}

impl Target {
    fn open(&self) -> Result<Connection, StoreError> {
        let conn = match self {
            Target::File(path) => Connection::open(path)?,
            Target::Memory(uri) => Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Room for every statement the store runs often, so none is parsed twice.
        conn.set_prepared_statement_cache_capacity(64);
        if let Target::File(_) = self {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        Ok(conn)
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database `cognate.sqlite3` in `dir`.
    ///
    /// The database holds the pools' private signing keys and the sealing key: the directory
    /// is made (or repaired to) mode 0700 and the database files (`cognate.sqlite3`, `-wal`,
    /// `-shm`) 0600, with a warning when an existing one was readable by others.
    pub fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| StoreError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let db = dir.join("cognate.sqlite3");
        private(dir, 0o700).map_err(io(dir))?;
        // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the
        // database file's mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&db)
                .map_err(io(&db))?;
        }
        for name in [
            "cognate.sqlite3",
            "cognate.sqlite3-wal",
            "cognate.sqlite3-shm",
        ] {
            let file = dir.join(name);
            if file.exists() {
                private(&file, 0o600).map_err(io(&file))?;
            }
        }
        Self::start(Target::File(db))
    }

    /// A database in memory, gone when the store is dropped.
    pub fn in_memory() -> Result<Self, StoreError> {
        let name: String = crate::ids::random_bytes::<12>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self::start(Target::Memory(format!("file:/cognate-{name}?vfs=memdb")))
    }

    fn start(target: Target) -> Result<Self, StoreError> {
        let conn = target.open()?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        // The writer connection keeps an in-memory database alive; readers open their own.
        let reader = target.open()?;
        Ok(SqliteStore {
            writer: Mutex::new(Some(conn)),
            queue: Mutex::new(Vec::new()),
            readers: Mutex::new(vec![reader]),
            target,
        })
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.readers.lock().map_err(|_| StoreError::Closed)?.pop();
        let conn = match conn {
            Some(c) => c,
            None => self.target.open()?,
        };
        let out = f(&conn);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < 16
        {
            pool.push(conn);
        }
        out
    }

    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply_tx, reply_rx) = mpsc::sync_channel::<Result<T, StoreError>>(1);
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => f(conn),
                None => Err(StoreError::Closed),
            };
            let ok = result.is_ok();
            let done: Done = Box::new(move |committed| {
                let outcome = match (result, committed) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(msg)) => Err(StoreError::Io {
                        path: "commit".into(),
                        source: std::io::Error::other(msg),
                    }),
                    (Ok(v), Ok(())) => Ok(v),
                };
                let _ = reply_tx.send(outcome);
            });
            (ok, done)
        });
        self.queue.lock().map_err(|_| StoreError::Closed)?.push(job);
        let commit = || {
            {
                let writer = self.writer.lock().map_err(|_| StoreError::Closed)?;
                // The previous holder may have committed this job with its group: it answers
                // every job of its group before it lets go of the connection.
                if let Ok(outcome) = reply_rx.try_recv() {
                    return outcome;
                }
                let batch =
                    std::mem::take(&mut *self.queue.lock().map_err(|_| StoreError::Closed)?);
                commit_group(writer.as_ref(), batch);
            }
            reply_rx.recv().map_err(|_| StoreError::Closed)?
        };
        match self.target {
            // Waiting for the disk (an fsync, or another request's group commit): tell tokio,
            // so that the worker's other tasks go on meanwhile.
            Target::File(_) => may_block(commit),
            Target::Memory(_) => commit(),
        }
    }

    /// Closes the writer connection after the writes in progress (also done on drop); later
    /// writes fail with [`StoreError::Closed`].
    pub fn close(&self) {
        if let Ok(mut w) = self.writer.lock() {
            w.take();
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}

/// Gives `path` mode `mode` if it allows more (group or others), saying so.
#[cfg(unix)]
fn private(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        tracing::warn!(
            path = %path.display(),
            was = format!("{current:o}"),
            now = format!("{mode:o}"),
            "it holds private signing keys: its mode was too open and has been repaired"
        );
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn private(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Brings a database made by an older version up to date (idempotent): the `phone` column of
/// `users` (the index of phone-number lookups), filled from the stored attributes.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_phone = conn
        .prepare("SELECT 1 FROM pragma_table_info('users') WHERE name = 'phone'")?
        .exists([])?;
    if !has_phone {
        conn.execute_batch(
            "ALTER TABLE users ADD COLUMN phone TEXT;
             UPDATE users SET phone = json_extract(data, '$.attributes.phone_number');",
        )?;
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS users_phone ON users (pool_id, phone);")?;
    // Expiry, indexed, for the bounded purge (Store::purge_expired).
    let has_expires = conn
        .prepare("SELECT 1 FROM pragma_table_info('refresh_tokens') WHERE name = 'expires'")?
        .exists([])?;
    if !has_expires {
        conn.execute_batch(
            "ALTER TABLE refresh_tokens ADD COLUMN expires INTEGER;
             UPDATE refresh_tokens SET expires = json_extract(data, '$.expires');",
        )?;
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS refresh_expires ON refresh_tokens (expires);
         CREATE INDEX IF NOT EXISTS revoked_at ON revoked_logins (at);
         CREATE INDEX IF NOT EXISTS docs_expires ON docs (kind, json_extract(data, '$.expires'))
           WHERE json_extract(data, '$.expires') IS NOT NULL;",
    )?;
    Ok(())
}

/// Runs one transaction-control statement, prepared once per connection.
fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Runs `batch` in one transaction on `conn` (each job in its own savepoint, so a failing job
/// leaves the others in), commits it, and answers every job. With no connection (closed) every
/// job is answered [`StoreError::Closed`].
fn commit_group(conn: Option<&Connection>, batch: Vec<Job>) {
    if batch.is_empty() {
        return;
    }
    let Some(conn) = conn else {
        for job in batch {
            let (_, d) = job(None);
            d(Err("the store is closed".into()));
        }
        return;
    };
    let mut done = Vec::with_capacity(batch.len());
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        let msg = e.to_string();
        for job in batch {
            // Run nothing: report the failure to every caller.
            let (_, d) = job(None);
            done.push(d);
        }
        let _ = control(conn, "ROLLBACK");
        for d in done {
            d(Err(msg.clone()));
        }
        return;
    }
    for job in batch {
        let _ = control(conn, "SAVEPOINT job");
        let (ok, d) = job(Some(conn));
        if !ok {
            let _ = control(conn, "ROLLBACK TO job");
        }
        let _ = control(conn, "RELEASE job");
        done.push(d);
    }
    let committed = control(conn, "COMMIT").map_err(|e| e.to_string());
    if committed.is_err() {
        let _ = control(conn, "ROLLBACK");
    }
    for d in done {
        d(committed.clone());
    }
}

fn decode<T: serde::de::DeserializeOwned>(text: String) -> Result<T, StoreError> {
    Ok(serde_json::from_str(&text)?)
}

fn encode<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(v)?)
}

impl Store for SqliteStore {
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    fn meta_init(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.write(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = ?1", [&key], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let mut prepared = Vec::with_capacity(changes.len());
        for change in changes {
            // Encode outside the writer, so that the transaction only runs SQL.
            let encoded = match &change {
                Change::InsertRefresh(r) => Some(encode(r)?),
                Change::PutDoc { data, .. } | Change::Claim { data, .. } => Some(encode(data)?),
                _ => None,
            };
            prepared.push((change, encoded));
        }
        self.write(move |c| {
            for (change, encoded) in prepared {
                run_change(c, change, encoded)?;
            }
            Ok(())
        })
    }

    fn pool_put(&self, pool: &UserPool) -> Result<(), StoreError> {
        let (id, data) = (pool.id.clone(), encode(pool)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO pools (id, data) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                params![id, data],
            )?;
            Ok(())
        })
    }

    fn pool_get(&self, id: &str) -> Result<Option<UserPool>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT data FROM pools WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?
                .map(decode)
                .transpose()
        })
    }

    fn pool_list(&self) -> Result<Vec<UserPool>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT data FROM pools ORDER BY seq")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| decode(r?)).collect()
        })
    }

    fn client_put(&self, client: &AppClient) -> Result<(), StoreError> {
        let (id, pool, data) = (client.id.clone(), client.pool_id.clone(), encode(client)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO clients (id, pool_id, data) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                params![id, pool, data],
            )?;
            Ok(())
        })
    }

    fn client_get(&self, id: &str) -> Result<Option<AppClient>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT data FROM clients WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?
                .map(decode)
                .transpose()
        })
    }

    fn client_list(&self, pool_id: &str) -> Result<Vec<AppClient>, StoreError> {
        self.read(|c| {
            let mut st =
                c.prepare_cached("SELECT data FROM clients WHERE pool_id = ?1 ORDER BY seq")?;
            let rows = st.query_map([pool_id], |r| r.get::<_, String>(0))?;
            rows.map(|r| decode(r?)).collect()
        })
    }

    fn client_delete(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |c| Ok(c.execute("DELETE FROM clients WHERE id = ?1", [&id])? > 0))
    }

    fn user_insert(&self, user: &User) -> Result<bool, StoreError> {
        let data = encode(user)?;
        let u = user.clone();
        self.write(move |c| {
            let n = c.execute(
                "INSERT OR IGNORE INTO users (pool_id, username, sub, email, phone, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![u.pool_id, u.username, u.sub, u.email().map(str::to_lowercase), u.phone_number(), data],
            )?;
            Ok(n > 0)
        })
    }

    fn user_put(&self, user: &User) -> Result<(), StoreError> {
        let data = encode(user)?;
        let u = user.clone();
        self.write(move |c| {
            c.execute(
                "UPDATE users SET sub = ?3, email = ?4, phone = ?5, data = ?6 WHERE pool_id = ?1 AND username = ?2",
                params![u.pool_id, u.username, u.sub, u.email().map(str::to_lowercase), u.phone_number(), data],
            )?;
            Ok(())
        })
    }

    fn user_get(&self, pool_id: &str, username: &str) -> Result<Option<User>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT data FROM users WHERE pool_id = ?1 AND username = ?2")?
                .query_row([pool_id, username], |r| r.get(0))
                .optional()?
                .map(decode)
                .transpose()
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
                "SELECT data FROM users WHERE pool_id = ?1 AND email = ?2 ORDER BY seq",
                value.to_lowercase(),
            ),
            Alias::PhoneNumber => (
                "SELECT data FROM users WHERE pool_id = ?1 AND phone = ?2 ORDER BY seq",
                value.to_owned(),
            ),
        };
        self.read(|c| {
            let mut st = c.prepare_cached(sql)?;
            let rows = st.query_map([pool_id, &value], |r| r.get::<_, String>(0))?;
            rows.map(|r| decode(r?)).collect()
        })
    }

    fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT data FROM users WHERE pool_id = ?1 AND sub = ?2")?
                .query_row([pool_id, sub], |r| r.get(0))
                .optional()?
                .map(decode)
                .transpose()
        })
    }

    fn user_list(&self, pool_id: &str, offset: u64, limit: u64) -> Result<Vec<User>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT data FROM users WHERE pool_id = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3",
            )?;
            let rows = st.query_map(
                params![
                    pool_id,
                    limit.min(i64::MAX as u64) as i64,
                    offset.min(i64::MAX as u64) as i64
                ],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|r| decode(r?)).collect()
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
        let (expr, path) = match &filter.field {
            UserField::Username => ("username", None),
            UserField::Sub => ("sub", None),
            UserField::Status => ("json_extract(data, '$.status')", None),
            UserField::Enabled => (
                "CASE WHEN json_extract(data, '$.enabled') THEN 'Enabled' ELSE 'Disabled' END",
                None,
            ),
            UserField::Attribute(name) => (
                "json_extract(data, ?5)",
                Some(format!("$.attributes.\"{}\"", name.replace('"', ""))),
            ),
        };
        let test = if filter.prefix {
            format!("substr({expr}, 1, length(?2)) = ?2")
        } else {
            format!("{expr} = ?2")
        };
        let sql = format!(
            "SELECT data FROM users WHERE pool_id = ?1 AND {test} ORDER BY seq LIMIT ?3 OFFSET ?4"
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql)?;
            let limit = limit.min(i64::MAX as u64) as i64;
            let offset = offset.min(i64::MAX as u64) as i64;
            let text = |r: &rusqlite::Row<'_>| r.get::<_, String>(0);
            let rows: Vec<String> = match &path {
                Some(p) => st
                    .query_map(params![pool_id, filter.value, limit, offset, p], text)?
                    .collect::<Result<_, _>>()?,
                None => st
                    .query_map(params![pool_id, filter.value, limit, offset], text)?
                    .collect::<Result<_, _>>()?,
            };
            rows.into_iter().map(decode).collect()
        })
    }

    fn user_count(&self, pool_id: &str) -> Result<u64, StoreError> {
        self.read(|c| {
            let n: i64 = c.query_row(
                "SELECT COUNT(*) FROM users WHERE pool_id = ?1",
                [pool_id],
                |r| r.get(0),
            )?;
            Ok(n.max(0) as u64)
        })
    }

    fn refresh_get(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.read(|c| {
            c.prepare_cached("SELECT data FROM refresh_tokens WHERE hash = ?1")?
                .query_row([hash], |r| r.get(0))
                .optional()?
                .map(decode)
                .transpose()
        })
    }

    fn refresh_list_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<RefreshRecord>, StoreError> {
        self.read(|c| {
            let rows: Vec<String> = c
                .prepare_cached(
                    "SELECT data FROM refresh_tokens WHERE pool_id = ?1 AND username = ?2 ORDER BY rowid",
                )?
                .query_map([pool_id, username], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            rows.into_iter().map(decode).collect()
        })
    }

    fn revoke_family(&self, pool_id: &str, origin_jti: &str, at: i64) -> Result<(), StoreError> {
        let (pool, jti) = (pool_id.to_owned(), origin_jti.to_owned());
        self.write(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO revoked_logins (origin_jti, pool_id, at) VALUES (?1, ?2, ?3)",
                params![jti, pool, at],
            )?;
            let rows: Vec<(String, String)> = {
                let mut st = c.prepare("SELECT hash, data FROM refresh_tokens WHERE origin_jti = ?1")?;
                st.query_map([&jti], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?
            };
            for (hash, data) in rows {
                let mut rec: RefreshRecord = decode(data)?;
                rec.revoked = true;
                c.execute(
                    "UPDATE refresh_tokens SET data = ?2 WHERE hash = ?1",
                    params![hash, encode(&rec)?],
                )?;
            }
            Ok(())
        })
    }

    fn revoke_user_families(
        &self,
        pool_id: &str,
        username: &str,
        at: i64,
    ) -> Result<usize, StoreError> {
        let (pool, name) = (pool_id.to_owned(), username.to_owned());
        self.write(move |c| {
            let rows: Vec<(String, String, String)> = {
                let mut st = c.prepare(
                    "SELECT hash, origin_jti, data FROM refresh_tokens WHERE pool_id = ?1 AND username = ?2",
                )?;
                st.query_map([&pool, &name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?
            };
            let mut families = std::collections::BTreeSet::new();
            for (hash, jti, data) in rows {
                if families.insert(jti.clone()) {
                    c.execute(
                        "INSERT OR IGNORE INTO revoked_logins (origin_jti, pool_id, at) VALUES (?1, ?2, ?3)",
                        params![jti, pool, at],
                    )?;
                }
                let mut rec: RefreshRecord = decode(data)?;
                if !rec.revoked {
                    rec.revoked = true;
                    c.execute(
                        "UPDATE refresh_tokens SET data = ?2 WHERE hash = ?1",
                        params![hash, encode(&rec)?],
                    )?;
                }
            }
            Ok(families.len())
        })
    }

    fn family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT 1 FROM revoked_logins WHERE origin_jti = ?1")?
                    .query_row([origin_jti], |_| Ok(()))
                    .optional()?
                    .is_some(),
            )
        })
    }

    fn doc_put(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        data: &Value,
    ) -> Result<(), StoreError> {
        let (kind, scope, key, data) = (
            kind.as_str(),
            scope.to_owned(),
            key.to_owned(),
            encode(data)?,
        );
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO docs (kind, scope, key, data) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind, scope, key) DO UPDATE SET data = excluded.data",
            )?
            .execute(params![kind, scope, key, data])?;
            Ok(())
        })
    }

    fn doc_get(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<Option<Value>, StoreError> {
        self.read(|c| doc_read(c, kind.as_str(), scope, key))
    }

    fn doc_list(&self, kind: RecordKind, scope: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let kind = kind.as_str();
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT key, data FROM docs WHERE kind = ?1 AND scope = ?2 ORDER BY seq",
            )?;
            let rows = st.query_map([kind, scope], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            rows.map(|r| {
                let (k, d) = r?;
                Ok((k, decode(d)?))
            })
            .collect()
        })
    }

    fn doc_delete(&self, kind: RecordKind, scope: &str, key: &str) -> Result<bool, StoreError> {
        let (kind, scope, key) = (kind.as_str(), scope.to_owned(), key.to_owned());
        self.write(move |c| {
            Ok(c.execute(
                "DELETE FROM docs WHERE kind = ?1 AND scope = ?2 AND key = ?3",
                params![kind, scope, key],
            )? > 0)
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
        self.write(move |c| {
            let old = doc_read(c, kind, &scope, &key)?;
            let new = change(old);
            match &new {
                Some(v) => {
                    c.prepare_cached(
                        "INSERT INTO docs (kind, scope, key, data) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind, scope, key) DO UPDATE SET data = excluded.data",
                    )?
                    .execute(params![kind, scope, key, encode(v)?])?;
                }
                None => {
                    c.execute(
                        "DELETE FROM docs WHERE kind = ?1 AND scope = ?2 AND key = ?3",
                        params![kind, scope, key],
                    )?;
                }
            }
            Ok(new)
        })
    }

    fn doc_purge_expired(&self, kind: RecordKind, now: i64) -> Result<usize, StoreError> {
        let kind = kind.as_str();
        self.write(move |c| {
            // A record without a numeric `expires` compares as NULL and stays.
            Ok(c.prepare_cached(
                "DELETE FROM docs WHERE kind = ?1 AND json_extract(data, '$.expires') < ?2",
            )?
            .execute(params![kind, now])?)
        })
    }

    fn purge_expired(
        &self,
        now: i64,
        revoked_before: i64,
        kinds: &[RecordKind],
        limit: usize,
    ) -> Result<Purged, StoreError> {
        self.purge_bounded(now, revoked_before, kinds, limit)
    }
}

impl SqliteStore {
    pub(super) fn purge_bounded(
        &self,
        now: i64,
        revoked_before: i64,
        kinds: &[RecordKind],
        limit: usize,
    ) -> Result<Purged, StoreError> {
        let kinds: Vec<&'static str> = kinds.iter().map(|k| k.as_str()).collect();
        let limit = limit.min(i64::MAX as usize) as i64;
        self.write(move |c| {
            let refresh_tokens = c
                .prepare_cached(
                    "DELETE FROM refresh_tokens WHERE hash IN \
                     (SELECT hash FROM refresh_tokens WHERE expires < ?1 LIMIT ?2)",
                )?
                .execute(params![now, limit])?;
            let revoked_logins = c
                .prepare_cached(
                    "DELETE FROM revoked_logins WHERE origin_jti IN \
                     (SELECT origin_jti FROM revoked_logins WHERE at < ?1 LIMIT ?2)",
                )?
                .execute(params![revoked_before, limit])?;
            let mut records = 0;
            for kind in kinds {
                // The same expression as the partial index docs_expires, so that it is used.
                records += c
                    .prepare_cached(
                        "DELETE FROM docs WHERE seq IN (SELECT seq FROM docs WHERE kind = ?1 \
                         AND json_extract(data, '$.expires') IS NOT NULL \
                         AND json_extract(data, '$.expires') < ?2 LIMIT ?3)",
                    )?
                    .execute(params![kind, now, limit])?;
            }
            Ok(Purged {
                refresh_tokens,
                revoked_logins,
                records,
            })
        })
    }
}

fn doc_read(
    c: &Connection,
    kind: &str,
    scope: &str,
    key: &str,
) -> Result<Option<Value>, StoreError> {
    c.prepare_cached("SELECT data FROM docs WHERE kind = ?1 AND scope = ?2 AND key = ?3")?
        .query_row([kind, scope, key], |r| r.get(0))
        .optional()?
        .map(decode)
        .transpose()
}

/// Runs one change of a unit of work inside the writer's transaction.
fn run_change(c: &Connection, change: Change, encoded: Option<String>) -> Result<(), StoreError> {
    let data = || encoded.clone().unwrap_or_default();
    match change {
        Change::DeletePool { id } => {
            c.execute("DELETE FROM pools WHERE id = ?1", [&id])?;
        }
        Change::DeleteClientsOf { pool_id } => {
            c.execute("DELETE FROM clients WHERE pool_id = ?1", [&pool_id])?;
        }
        Change::DeleteUsersOf { pool_id } => {
            c.execute("DELETE FROM users WHERE pool_id = ?1", [&pool_id])?;
        }
        Change::DeleteUser { pool_id, username } => {
            c.execute(
                "DELETE FROM users WHERE pool_id = ?1 AND username = ?2",
                [&pool_id, &username],
            )?;
        }
        Change::DeleteRefreshOf {
            pool_id,
            username: Some(username),
        } => {
            c.execute(
                "DELETE FROM refresh_tokens WHERE pool_id = ?1 AND username = ?2",
                [&pool_id, &username],
            )?;
        }
        Change::DeleteRefreshOf {
            pool_id,
            username: None,
        } => {
            c.execute("DELETE FROM refresh_tokens WHERE pool_id = ?1", [&pool_id])?;
            c.execute("DELETE FROM revoked_logins WHERE pool_id = ?1", [&pool_id])?;
        }
        Change::InsertRefresh(r) => {
            c.prepare_cached(
                "INSERT INTO refresh_tokens (hash, pool_id, username, origin_jti, data, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![r.hash, r.pool_id, r.username, r.origin_jti, data(), r.expires])?;
        }
        Change::RotateRefresh {
            hash,
            at,
            grace_secs,
        } => {
            let old: Option<String> = c
                .prepare_cached("SELECT data FROM refresh_tokens WHERE hash = ?1")?
                .query_row([&hash], |r| r.get(0))
                .optional()?;
            let Some(old) = old else {
                return Err(StoreError::Conflict(
                    "the refresh token does not exist".into(),
                ));
            };
            let mut old: RefreshRecord = decode(old)?;
            if old.revoked {
                return Err(StoreError::Conflict("the refresh token was revoked".into()));
            }
            match old.rotated {
                // A concurrent rotation may have stamped a later second than this one's `at`
                // (each took its time before the other committed): that is no earlier than
                // `at`, not a retry inside the grace period.
                Some(when) if (at - when).max(0) >= grace_secs => {
                    return Err(StoreError::Conflict(
                        "the refresh token was rotated already".into(),
                    ));
                }
                Some(_) => {}
                None => {
                    old.rotated = Some(at);
                    c.prepare_cached("UPDATE refresh_tokens SET data = ?2 WHERE hash = ?1")?
                        .execute(params![hash, encode(&old)?])?;
                }
            }
        }
        Change::PutDoc {
            kind, scope, key, ..
        } => {
            c.prepare_cached(
                "INSERT INTO docs (kind, scope, key, data) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind, scope, key) DO UPDATE SET data = excluded.data",
            )?
            .execute(params![kind.as_str(), scope, key, data()])?;
        }
        Change::Claim {
            kind, scope, key, ..
        } => {
            let inserted = c
                .prepare_cached(
                    "INSERT OR IGNORE INTO docs (kind, scope, key, data) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![kind.as_str(), scope, key, data()])?;
            if inserted == 0 {
                return Err(StoreError::Conflict("claimed already".into()));
            }
        }
        Change::DeleteDoc { kind, scope, key } => {
            c.prepare_cached("DELETE FROM docs WHERE kind = ?1 AND scope = ?2 AND key = ?3")?
                .execute(params![kind.as_str(), scope, key])?;
        }
        Change::DeleteDocsIn { scope } => {
            c.execute("DELETE FROM docs WHERE scope = ?1", [&scope])?;
        }
    }
    Ok(())
}
