#![allow(clippy::unwrap_used, missing_docs)]
//! `cognate serve --database 'postgres://…?sslmode=…'`: TLS to a throwaway PostgreSQL cluster
//! serving a certificate of a CA the test makes (with the `openssl` command). `require`
//! encrypts whatever the certificate (as libpq); `verify-ca` and `verify-full` check it against
//! the CA file `sslrootcert` names, `verify-full` its name too; a refusal is one clear line.

#[path = "../../cognate-server/tests/common/postgres.rs"]
mod postgres;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};

const CLIENT: &str = "tlsclientaaaaaaaaaaaaaaaaa";
const SEED: &str = r#"
[[pools]]
id = "us-east-1_TlsTest1234"
name = "tls"

[[pools.clients]]
name = "web"
id = "tlsclientaaaaaaaaaaaaaaaaa"
ExplicitAuthFlows = ["ALLOW_USER_PASSWORD_AUTH"]

[[pools.users]]
username = "alice"
password = "Correct horse 1!"
"#;

/// The test's certificates: a CA, a server certificate it signed for the name `localhost`
/// only (no IP address), and another CA that signed nothing of this. The CA files live in the
/// cluster's directory, removed with it.
struct Certs {
    ca: PathBuf,
    other_ca: PathBuf,
}

impl Certs {
    fn ca(&self) -> PathBuf {
        self.ca.clone()
    }

    fn other_ca(&self) -> PathBuf {
        self.other_ca.clone()
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): apt-get install openssl"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes the certificates in `dir`.
fn make_certs(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for name in ["ca", "other-ca"] {
        let (key, crt, subject) = (
            format!("{name}.key"),
            format!("{name}.crt"),
            format!("/CN=cognate test {name}"),
        );
        let mut args = vec!["req", "-x509", "-days", "2", "-subj", &subject];
        args.extend(ec);
        args.extend([
            "-keyout",
            &key,
            "-out",
            &crt,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(dir, &args);
    }
    let mut args = vec!["req", "-new", "-subj", "/CN=localhost"];
    args.extend(ec);
    args.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(dir, &args);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
}

/// The cluster serving TLS (one for this test process), and the certificates.
fn tls() -> &'static (postgres::TestPostgres, Certs) {
    static CLUSTER: OnceLock<(postgres::TestPostgres, Certs)> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cognate-pg-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        make_certs(&dir);
        let pg = postgres::TestPostgres::start_with_tls(
            &dir.join("server.crt"),
            &dir.join("server.key"),
        );
        let keep = |name: &str| {
            let to = pg.dir().join(name);
            std::fs::copy(dir.join(name), &to).unwrap();
            to
        };
        let certs = Certs {
            ca: keep("ca.crt"),
            other_ca: keep("other-ca.crt"),
        };
        std::fs::remove_dir_all(&dir).unwrap();
        (pg, certs)
    })
}

fn tls_cluster() -> &'static postgres::TestPostgres {
    &tls().0
}

fn certs() -> &'static Certs {
    &tls().1
}

/// `url` (a fresh database of the TLS cluster, on 127.0.0.1) on `host` with `params`.
fn tls_url(host: &str, params: &str) -> String {
    let url = tls_cluster().database().replacen("127.0.0.1", host, 1);
    format!("{url}?{params}")
}

/// A `cognate serve` process on `database`: its endpoint, once it listens.
struct Node {
    child: Child,
    endpoint: String,
}

impl Node {
    fn start(database: &str) -> Node {
        let (mut command, seed) = serve(database);
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("cognate serve stopped on {database}"))
                .unwrap();
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        let _ = std::fs::remove_file(seed); // read at start
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Node { child, endpoint }
    }

    /// A password login answers with tokens.
    fn logs_in(&self) {
        let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                          "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct horse 1!"}})
        .to_string();
        let host = self.endpoint.strip_prefix("http://").unwrap();
        let mut stream = TcpStream::connect(host).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, answer) = response.split_once("\r\n\r\n").unwrap();
        let answer: Value = serde_json::from_str(answer).unwrap();
        assert!(
            answer["AuthenticationResult"]["AccessToken"].is_string(),
            "{answer}"
        );
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cognate serve` on `database` with the seed, and the seed file (the caller removes it).
fn serve(database: &str) -> (Command, PathBuf) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let seed = std::env::temp_dir().join(format!(
        "cognate-tls-seed-{}-{}.toml",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::write(&seed, SEED).unwrap();
    let mut command = Command::cargo_bin("cognate").unwrap();
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .args(["--database", database])
        .env_remove("COGNATE_DATABASE_URL")
        .env_remove("COGNATE_DATA")
        .env_remove("COGNATE_IN_MEMORY")
        .env_remove("COGNATE_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    (command, seed)
}

/// `cognate serve` on `database` refuses to start: its one line of error.
fn refused(database: &str) -> String {
    let (mut command, seed) = serve(database);
    let out: Output = command.output().unwrap();
    let _ = std::fs::remove_file(seed);
    assert!(!out.status.success(), "it started on {database}");
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    eprintln!("{database}: {stderr}");
    stderr
}

/// Whether every connection of cognate's to the TLS cluster is encrypted (and there are some).
fn cognate_connections_use_tls() -> bool {
    let pg = tls_cluster();
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port());
    let rows = pg.psql(
        &admin,
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'cognate'",
    );
    !rows.is_empty() && rows.lines().all(|r| r == "t")
}

#[test]
fn require_encrypts_with_a_certificate_of_any_ca() {
    let node = Node::start(&tls_url("127.0.0.1", "sslmode=require"));
    node.logs_in();
    assert!(cognate_connections_use_tls());
    // The default (prefer) takes TLS when the server offers it, as libpq does.
    let node = Node::start(&tls_url("127.0.0.1", "application_name=cognate"));
    node.logs_in();
    assert!(cognate_connections_use_tls());
}

#[test]
fn verify_full_with_the_right_ca_checks_the_name_too() {
    let ca = certs().ca();
    let ca = ca.display();
    let node = Node::start(&tls_url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    node.logs_in();
    assert!(cognate_connections_use_tls());
    // The certificate names `localhost`, not 127.0.0.1: verify-full refuses the address,
    // verify-ca (the chain only) takes it.
    let url = tls_url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let line = refused(&url);
    let port = tls_cluster().port();
    assert!(
        line.contains(&format!(
            "cannot connect to the database at 127.0.0.1:{port}/"
        )),
        "{line}"
    );
    assert!(line.contains("certificate not valid for name"), "{line}");
    let node = Node::start(&tls_url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ));
    node.logs_in();
}

#[test]
fn verify_full_with_another_ca_refuses_to_start_in_one_line() {
    let other = certs().other_ca();
    for mode in ["verify-full", "verify-ca", "require"] {
        let url = tls_url(
            "localhost",
            &format!("sslmode={mode}&sslrootcert={}", other.display()),
        );
        let line = refused(&url);
        assert!(
            line.contains("cannot connect to the database at localhost:"),
            "{mode}: {line}"
        );
        assert!(line.contains("UnknownIssuer"), "{mode}: {line}");
    }
    let line = refused(&tls_url(
        "localhost",
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    ));
    assert!(line.contains("sslrootcert=/nonexistent/ca.pem"), "{line}");
}

#[test]
fn require_against_a_server_without_tls_refuses_to_start_in_one_line() {
    let url = format!("{}?sslmode=require", postgres::shared_database());
    let line = refused(&url);
    assert!(
        line.contains("cannot connect to the database at 127.0.0.1:"),
        "{line}"
    );
    assert!(line.contains("server does not support TLS"), "{line}");
    // Without TLS asked for, the same database serves.
    let node = Node::start(&url.replace("sslmode=require", "sslmode=prefer"));
    node.logs_in();
}
