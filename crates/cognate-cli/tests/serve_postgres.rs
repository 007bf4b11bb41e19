#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate serve --database postgres://…`: several `cognate serve` processes on one
//! PostgreSQL database (a throwaway cluster from Debian's packages, see
//! `cognate-server/tests/common/postgres.rs`) — sharing logins, surviving `kill -9` of a node
//! under load with nothing acknowledged lost, surviving a database restart, refusing to start
//! on an unreachable database, and `cognate serve migrate`.

#[path = "../../cognate-server/tests/common/postgres.rs"]
mod postgres;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};

const POOL: &str = "us-east-1_Procs123456";
const CLIENT: &str = "procsclientaaaaaaaaaaaaaaa";
const PASSWORD: &str = "Correct horse 1!";
const PUBLIC: &str = "https://cognito.example.test";

const SEED: &str = r#"
[[pools]]
id = "us-east-1_Procs123456"
name = "procs"

[[pools.clients]]
name = "web"
id = "procsclientaaaaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
"#;

/// One `cognate serve` process.
struct Node {
    child: Child,
    endpoint: String,
}

impl Node {
    fn start(database: &str) -> Node {
        Node::spawn(SEED, Some(database), &[])
    }

    /// A node started with the seed file `seed`, `COGNATE_DATABASE_URL` = `database` (none:
    /// unset) and the `extra` arguments.
    fn spawn(seed_text: &str, database: Option<&str>, extra: &[&str]) -> Node {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let seed = std::env::temp_dir().join(format!(
            "cognate-procs-seed-{}-{}.toml",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&seed, seed_text).unwrap();
        let mut command = Command::cargo_bin("cognate").unwrap();
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--public-url", PUBLIC])
            .args(extra)
            .arg("--seed")
            .arg(&seed)
            .env_remove("COGNATE_DATABASE_URL")
            .env_remove("COGNATE_DATA")
            .env_remove("COGNATE_IN_MEMORY");
        if let Some(database) = database {
            command.env("COGNATE_DATABASE_URL", database);
        }
        let mut child = command
            .env_remove("COGNATE_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = loop {
            let line = lines.next().expect("cognate serve stopped").unwrap();
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Node { child, endpoint }
    }

    /// `kill -9`.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn call(&self, op: &str, body: &Value) -> Result<(u16, Value), std::io::Error> {
        call(&self.endpoint, op, body)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One operation over HTTP/1.1: the status and the JSON body (an I/O error when the node is
/// gone).
fn call(endpoint: &str, op: &str, body: &Value) -> Result<(u16, Value), std::io::Error> {
    let host = endpoint.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host)?;
    let body = body.to_string();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let Some((head, body)) = response.split_once("\r\n\r\n") else {
        return Err(std::io::Error::other("no complete answer"));
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

fn login(node: &Node) -> Value {
    let (status, v) = node
        .call(
            "InitiateAuth",
            &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
        )
        .unwrap();
    assert_eq!(status, 200, "{v}");
    v["AuthenticationResult"].clone()
}

#[test]
fn two_processes_on_one_database_share_logins() {
    let url = postgres::shared_database();
    let a = Node::start(&url);
    let b = Node::start(&url);
    let tokens = login(&a);
    let (status, me) = b
        .call("GetUser", &json!({"AccessToken": tokens["AccessToken"]}))
        .unwrap();
    assert_eq!(
        (status, me["Username"].as_str()),
        (200, Some("alice")),
        "{me}"
    );
    let (status, refreshed) = b
        .call(
            "InitiateAuth",
            &json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": CLIENT,
                    "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}),
        )
        .unwrap();
    assert_eq!(status, 200, "{refreshed}");
    let (status, jwks_a) = get(
        &a.endpoint,
        &format!("/{POOL}/.well-known/openid-configuration"),
    );
    assert_eq!(status, 200);
    assert_eq!(jwks_a["issuer"], format!("{PUBLIC}/{POOL}"));
    assert_eq!(
        jwks_a,
        get(
            &b.endpoint,
            &format!("/{POOL}/.well-known/openid-configuration")
        )
        .1
    );
}

/// A team's one seed file can name the shared database (`database = …`): a node started with
/// that seed alone keeps its state there; a flag or variable that chooses the store wins.
#[test]
fn the_seed_file_can_name_the_database() {
    let url = postgres::shared_database();
    let seeded = format!("database = {url:?}\n{SEED}");
    let a = Node::spawn(&seeded, None, &[]);
    let tokens = login(&a);
    // A node on that database through the variable sees the seeded node's login.
    let b = Node::start(&url);
    let (status, me) = b
        .call("GetUser", &json!({"AccessToken": tokens["AccessToken"]}))
        .unwrap();
    assert_eq!(
        (status, me["Username"].as_str()),
        (200, Some("alice")),
        "{me}"
    );
    // --in-memory wins over the seed's database: that node's logins are its own.
    let c = Node::spawn(&seeded, None, &["--in-memory"]);
    let own = login(&c);
    let (status, refused) = b
        .call("GetUser", &json!({"AccessToken": own["AccessToken"]}))
        .unwrap();
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["__type"], "NotAuthorizedException", "{refused}");
}

fn get(endpoint: &str, path: &str) -> (u16, Value) {
    let host = endpoint.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Sign-ups spread over two nodes by four clients; node A is killed (`kill -9`) in the middle.
/// Every sign-up either node acknowledged is there afterwards, read on B.
#[test]
fn kill_9_of_a_node_under_load_loses_nothing_acknowledged() {
    let url = postgres::shared_database();
    let mut a = Node::start(&url);
    let b = Node::start(&url);
    let endpoints = [a.endpoint.clone(), b.endpoint.clone()];
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let killed = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|t| {
            let (endpoints, acknowledged, killed) =
                (endpoints.clone(), acknowledged.clone(), killed.clone());
            std::thread::spawn(move || {
                let mut answered_after_kill = 0;
                for i in 0..400 {
                    let name = format!("user-{t}-{i}");
                    let body = json!({"ClientId": CLIENT, "Username": name, "Password": PASSWORD});
                    if let Ok((200, _)) = call(&endpoints[i % 2], "SignUp", &body) {
                        acknowledged.lock().unwrap().push(name);
                        if killed.load(Ordering::SeqCst) {
                            answered_after_kill += 1;
                            if answered_after_kill >= 20 {
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 100 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(
            clients.iter().any(|c| !c.is_finished()),
            "the load ended early"
        );
    }
    a.kill();
    killed.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 100);
    for name in &acknowledged {
        let (status, user) = b
            .call(
                "AdminGetUser",
                &json!({"UserPoolId": POOL, "Username": name}),
            )
            .unwrap();
        assert_eq!(status, 200, "acknowledged sign-up {name} lost: {user}");
    }
}

/// The database restarts under a node: a call meanwhile fails with a retryable
/// InternalErrorException (HTTP 500), the node stays up and serves again once the database is
/// back.
#[test]
fn a_node_survives_a_database_restart() {
    let mut pg = postgres::TestPostgres::start();
    let url = pg.database();
    let mut a = Node::start(&url);
    login(&a);
    pg.stop();
    let (status, v) = a
        .call(
            "InitiateAuth",
            &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}}),
        )
        .unwrap();
    assert_eq!(
        (status, v["__type"].as_str()),
        (500, Some("InternalErrorException")),
        "{v}"
    );
    assert!(a.alive());
    pg.restart();
    login(&a);
    assert!(a.alive());
}

#[test]
fn an_unreachable_database_stops_the_start_with_one_clear_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::cargo_bin("cognate")
        .unwrap()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env(
            "COGNATE_DATABASE_URL",
            format!("postgres://cognate:hunter2@127.0.0.1:{port}/team"),
        )
        .env_remove("COGNATE_LOG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot connect to the database at 127.0.0.1:{port}/team"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn serve_migrate_brings_the_schema_up_to_date() {
    let url = postgres::shared_database();
    let out = Command::cargo_bin("cognate")
        .unwrap()
        .args(["serve", "migrate", "--database", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let at = format!(
        "the database's schema is at version {}",
        cognate_server::store::SCHEMA_VERSION
    );
    assert!(stderr.contains(&at), "{stderr}");
    // A node starts on it at once.
    let a = Node::start(&url);
    login(&a);
}
