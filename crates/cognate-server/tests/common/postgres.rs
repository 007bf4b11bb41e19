//! A throwaway PostgreSQL for tests: Debian's `postgresql` package (`bash
//! scripts/install-interop` installs it), `initdb` into a temporary directory, a free loopback
//! port, trust authentication, stopped by its pid when dropped — and, should the test process
//! die first, by a watchdog that stops it when the test process is gone.
//!
//! Nothing is skipped: without PostgreSQL the test fails, saying how to install it.
//! (Also used by the cognate-cli tests, through `#[path]`.)

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running PostgreSQL cluster of its own.
pub struct TestPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    watchdog: Option<Child>,
    /// Settings given to the server (`-c name=value`) beyond the usual ones.
    settings: Vec<String>,
}

/// The directory of PostgreSQL's programs: `COGNATE_POSTGRES_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("COGNATE_POSTGRES_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): run \
             `bash scripts/install-interop` (it installs Debian's postgresql), or set \
             COGNATE_POSTGRES_BIN"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `program` from PostgreSQL's bin directory, run as the `postgres` user when we are root
/// (initdb and postgres refuse to run as root).
fn pg_command(bin: &Path, program: &str) -> Command {
    let path = bin.join(program);
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--clear-groups",
            "--",
        ])
        .arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestPostgres {
    /// initdb into a fresh temporary directory and start the server on a free loopback port.
    pub fn start() -> TestPostgres {
        let mut pg = TestPostgres::init();
        pg.run();
        pg
    }

    /// As [`TestPostgres::start`], serving TLS (`ssl=on`) with the certificate (chain) and key
    /// of the PEM files `cert` and `key` (copied into the cluster's directory, given to the
    /// postgres user, the key readable by it alone).
    pub fn start_with_tls(cert: &Path, key: &Path) -> TestPostgres {
        let mut pg = TestPostgres::init();
        for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
            let to = pg.dir.join(name);
            std::fs::copy(from, &to).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
            if is_root() {
                let ok = Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&to)
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "cannot give {} to the postgres user", to.display());
            }
            let setting = if name == "server.crt" {
                "ssl_cert_file"
            } else {
                "ssl_key_file"
            };
            pg.settings.push(format!("{setting}={}", to.display()));
        }
        pg.settings.push("ssl=on".into());
        pg.run();
        pg
    }

    /// initdb into a fresh temporary directory (not started).
    fn init() -> TestPostgres {
        let bin = bin_dir();
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cognate-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap()
                .success();
            assert!(ok, "cannot give {} to the postgres user", dir.display());
        }
        let out = pg_command(&bin, "initdb")
            .args([
                "--no-sync",
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "-D",
            ])
            .arg(dir.join("data"))
            .output()
            .unwrap();
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            panic!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        TestPostgres {
            bin,
            dir,
            port: free_port(),
            watchdog: None,
            settings: Vec::new(),
        }
    }

    /// Starts the server (again) on the same directory and port, and waits until it answers.
    fn run(&mut self) {
        let data = self.dir.join("data");
        let postgres = pg_command(&self.bin, "postgres");
        let mut line: Vec<String> = vec![postgres.get_program().to_string_lossy().into_owned()];
        line.extend(
            postgres
                .get_args()
                .map(|a| a.to_string_lossy().into_owned()),
        );
        for setting in &self.settings {
            line.extend(["-c".to_owned(), setting.clone()]);
        }
        let quoted: Vec<String> = line.iter().map(|a| format!("'{a}'")).collect();
        // The watchdog: starts postgres, and stops it (by its pid) once the test process or
        // postgres is gone.
        let script = format!(
            "{} -D '{}' -p {} -k '{}' -c listen_addresses=127.0.0.1 -c max_connections=200 \
             -c shared_buffers=32MB & pg=$!; echo $pg > '{}/pid'; \
             while kill -0 {test} 2>/dev/null && kill -0 $pg 2>/dev/null; do sleep 0.2; done; \
             if kill -0 {test} 2>/dev/null; then wait $pg; \
             else kill -INT $pg 2>/dev/null; wait $pg; rm -rf '{dir}'; fi",
            quoted.join(" "),
            data.display(),
            self.port,
            self.dir.display(),
            self.dir.display(),
            test = std::process::id(),
            dir = self.dir.display(),
        );
        let _ = std::fs::remove_file(self.dir.join("pid"));
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join("log"))
                    .unwrap(),
            ))
            .spawn()
            .unwrap();
        self.watchdog = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start: {}",
                std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The postmaster's pid.
    pub fn pid(&self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = std::fs::read_to_string(self.dir.join("pid"))
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "no postgres pid");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (fast shutdown, by its pid) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.watchdog.take() {
            let _ = Command::new("kill")
                .args(["-INT", &self.pid().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// Crashes the server: an immediate shutdown (`SIGQUIT` to the postmaster, by its pid),
    /// which stops every backend at once without a checkpoint, so that the next start recovers
    /// from the write-ahead log as after a power cut of the database's machine. Waits until it
    /// is gone; [`TestPostgres::restart`] starts it again.
    pub fn crash(&mut self) {
        if let Some(mut child) = self.watchdog.take() {
            let _ = Command::new("kill")
                .args(["-QUIT", &self.pid().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// Stops and starts the server again (same data, same port).
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }

    /// Its directory (removed with the cluster).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!("cognate_{}", N.fetch_add(1, Ordering::SeqCst));
        let out = Command::new(self.bin.join("psql"))
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "CREATE DATABASE failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs SQL on database `url`'s database; its output (unaligned, tuples only).
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-At", url, "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One cluster for the whole test process (stopped by its watchdog when the process ends);
/// each caller takes a fresh database of it with [`shared_database`].
pub fn shared() -> &'static TestPostgres {
    static CLUSTER: OnceLock<TestPostgres> = OnceLock::new();
    CLUSTER.get_or_init(TestPostgres::start)
}

/// A fresh database in the process's shared cluster.
pub fn shared_database() -> String {
    shared().database()
}

/// Whether this test process runs the server suites on PostgreSQL
/// (`COGNATE_TEST_BACKEND=postgres`, as `scripts/test` does for a second pass).
pub fn on_postgres() -> bool {
    std::env::var("COGNATE_TEST_BACKEND").is_ok_and(|v| v == "postgres")
}
