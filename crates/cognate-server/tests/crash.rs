//! Durability: `kill -9` the server while concurrent writers create users and log in, restart
//! it on the same data directory, and find every acknowledged user and refresh token there;
//! the database passes SQLite's integrity check after every crash.
//!
//! On PostgreSQL (the second pass of `scripts/test`, `COGNATE_TEST_BACKEND=postgres`) the
//! server keeps its state in a cluster of the test's own: the same `kill -9`s of the server,
//! then a crash of the database itself under the same load (an immediate shutdown: no
//! checkpoint, recovery from the write-ahead log at the next start), which the server
//! survives by reconnecting, without a restart of its own. SQLite's `integrity_check` has no
//! PostgreSQL counterpart for the whole database; what stands for it is `amcheck`'s check of
//! every B-tree index of cognate's tables against its table (`bt_index_check` with
//! `heapallindexed`), after every crash.
//!
//! The server runs in a child process: this test binary re-executes itself with
//! `COGNATE_CRASH_CHILD=<data dir>` (and, on PostgreSQL, `COGNATE_CRASH_DATABASE=<url>`) and
//! only the `crash_child` test selected.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::postgres::TestPostgres;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_CrashTest";
const CLIENT: &str = "crashclientaaaaaaaaaaaaaaa";
const PASSWORD: &str = "Correct horse 1!";

/// In the child: serve until killed. In a normal run: nothing.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("COGNATE_CRASH_CHILD") else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let seed = cognate_server::Seed::from_toml(&format!(
            "[[pools]]\nid = \"{POOL}\"\nname = \"crash\"\n[[pools.clients]]\nname = \"c\"\nid = \"{CLIENT}\"\nExplicitAuthFlows = [\"ALLOW_USER_PASSWORD_AUTH\", \"ALLOW_REFRESH_TOKEN_AUTH\"]\n"
        ))
        .unwrap();
        let builder = match std::env::var("COGNATE_CRASH_DATABASE") {
            Ok(url) => cognate_server::Server::builder().database(url),
            Err(_) => cognate_server::Server::builder().data_dir(dir),
        };
        let server = builder
            .seed_data(seed)
            .bind("127.0.0.1:0")
            .start()
            .await
            .unwrap();
        println!("LISTENING {}", server.endpoint_url());
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

/// Where the server keeps its state: a data directory, or a database of a cluster of the
/// test's own (the test crashes the cluster too).
enum Backend {
    Sqlite(PathBuf),
    Postgres(TestPostgres, String),
}

impl Backend {
    fn new() -> Backend {
        if common::postgres::on_postgres() {
            let pg = TestPostgres::start();
            let url = pg.database();
            Backend::Postgres(pg, url)
        } else {
            let dir = std::env::temp_dir().join(format!("cognate-crash-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            Backend::Sqlite(dir)
        }
    }

    /// The database is sound after a crash: SQLite's integrity check, or amcheck's check of
    /// every B-tree index of cognate's tables (with every table row found in its indexes).
    fn check(&self, round: usize) {
        match self {
            Backend::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.join("cognate.sqlite3")).unwrap();
                let check: String = conn
                    .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(check, "ok", "round {round}: database corrupt after kill -9");
            }
            Backend::Postgres(pg, url) => {
                pg.psql(url, "CREATE EXTENSION IF NOT EXISTS amcheck");
                // One line per index checked; a damaged index fails the query.
                let checked = pg.psql(
                    url,
                    "SELECT c.relname, bt_index_check(c.oid, true) FROM pg_index i \
                     JOIN pg_class c ON c.oid = i.indexrelid \
                     JOIN pg_am am ON am.oid = c.relam \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE am.amname = 'btree' AND n.nspname = 'public'",
                );
                let indexes: Vec<&str> = checked.lines().collect();
                assert!(
                    indexes.iter().any(|l| l.starts_with("users")),
                    "round {round}: the users' indexes were not checked: {indexes:?}"
                );
            }
        }
    }
}

fn spawn_child(backend: &Backend) -> (Child, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([
        "--exact",
        "crash_child",
        "--nocapture",
        "--test-threads",
        "1",
    ]);
    match backend {
        Backend::Sqlite(dir) => command.env("COGNATE_CRASH_CHILD", dir),
        Backend::Postgres(_, url) => command
            .env("COGNATE_CRASH_CHILD", "-")
            .env("COGNATE_CRASH_DATABASE", url),
    };
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let endpoint = loop {
        let line = lines
            .next()
            .expect("child exited before listening")
            .unwrap();
        // libtest prints "test crash_child ... " before it on the same line
        if let Some((_, url)) = line.split_once("LISTENING ") {
            break url.trim().to_owned();
        }
    };
    (child, endpoint)
}

async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    op: &str,
    body: Value,
) -> Result<Value, String> {
    let resp = http
        .post(endpoint)
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let ok = resp.status().is_success();
    let v: Value = resp.json().await.map_err(|e| e.to_string())?;
    if ok { Ok(v) } else { Err(v.to_string()) }
}

#[derive(Default)]
struct Acked {
    users: Vec<String>,
    refresh_tokens: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_write() {
    let mut backend = Backend::new();
    let http = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Acked::default()));
    // Three kill -9s of the server; on PostgreSQL then a crash of the database under load.
    let rounds = match backend {
        Backend::Sqlite(_) => 3,
        Backend::Postgres(..) => 4,
    };
    // A server that outlived the last round (the database crashed, not the server).
    let mut running: Option<(Child, String)> = None;
    for round in 0..rounds {
        let (mut child, endpoint) = running.take().unwrap_or_else(|| spawn_child(&backend));
        // Everything acknowledged before this crash (and earlier ones) is there.
        let before = {
            let a = acked.lock().unwrap();
            (a.users.clone(), a.refresh_tokens.clone())
        };
        for name in &before.0 {
            call(
                &http,
                &endpoint,
                "AdminGetUser",
                json!({"UserPoolId": POOL, "Username": name}),
            )
            .await
            .unwrap_or_else(|e| panic!("round {round}: acknowledged user {name} lost: {e}"));
        }
        for token in &before.1 {
            call(
                &http,
                &endpoint,
                "InitiateAuth",
                json!({"ClientId": CLIENT, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": token}}),
            )
            .await
            .unwrap_or_else(|e| panic!("round {round}: acknowledged refresh token lost: {e}"));
        }
        // Four writers, bounded: at most 400 users each; the crash comes at a random moment.
        let mut writers = Vec::new();
        for w in 0..4 {
            let (http, endpoint, acked) = (http.clone(), endpoint.clone(), acked.clone());
            writers.push(tokio::spawn(async move {
                for i in 0..400 {
                    let name = format!("r{round}-w{w}-u{i}");
                    let created = call(
                        &http,
                        &endpoint,
                        "AdminCreateUser",
                        json!({"UserPoolId": POOL, "Username": name, "TemporaryPassword": PASSWORD, "MessageAction": "SUPPRESS"}),
                    )
                    .await;
                    if created.is_err() {
                        return;
                    }
                    acked.lock().unwrap().users.push(name.clone());
                    if call(&http, &endpoint, "AdminSetUserPassword", json!({"UserPoolId": POOL, "Username": name, "Password": PASSWORD, "Permanent": true})).await.is_err() {
                        return;
                    }
                    let Ok(login) = call(
                        &http,
                        &endpoint,
                        "InitiateAuth",
                        json!({"ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}}),
                    )
                    .await
                    else {
                        return;
                    };
                    let token = login["AuthenticationResult"]["RefreshToken"].as_str().unwrap().to_owned();
                    acked.lock().unwrap().refresh_tokens.push(token);
                }
            }));
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        tokio::time::sleep(Duration::from_millis(300 + u64::from(nanos % 700))).await;
        match &mut backend {
            Backend::Postgres(pg, _) if round == 3 => {
                // The database crashes under the server; requests in flight fail. It comes
                // back on the same port, and the same server serves again (next round).
                pg.crash();
                for w in writers {
                    w.await.unwrap();
                }
                pg.restart();
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "the server exited when the database crashed"
                );
                running = Some((child, endpoint));
            }
            _ => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                for w in writers {
                    w.await.unwrap();
                }
            }
        }
        backend.check(round);
    }
    let (mut child, endpoint) = running.take().unwrap_or_else(|| spawn_child(&backend));
    let a = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        a.users.len() > 20,
        "too few writes to mean anything: {}",
        a.users.len()
    );
    for name in &a.users {
        call(
            &http,
            &endpoint,
            "AdminGetUser",
            json!({"UserPoolId": POOL, "Username": name}),
        )
        .await
        .unwrap_or_else(|e| panic!("acknowledged user {name} lost: {e}"));
    }
    eprintln!(
        "{} acknowledged users and {} refresh tokens survived {rounds} crashes",
        a.users.len(),
        a.refresh_tokens.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
    if let Backend::Sqlite(dir) = &backend {
        let _ = std::fs::remove_dir_all(dir);
    }
}
