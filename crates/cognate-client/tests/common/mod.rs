//! A moto server for the integration tests: started from the interop venv on a free port,
//! killed when dropped. Pools, clients and users are created through its admin API with the
//! official SDK (signed with dummy credentials, which moto accepts).

#![allow(dead_code, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider as idp;
use idp::config::interceptors::BeforeSerializationInterceptorContextRef;
use idp::config::{ConfigBag, Intercept, RuntimeComponents};
use idp::operation::initiate_auth::InitiateAuthInput;
use idp::types::{AttributeType, AuthFlowType, ExplicitAuthFlowsType, SchemaAttributeType};

pub const INSTALL_HINT: &str = "run `bash scripts/install-interop`";
pub const PASSWORD: &str = "Correct-horse-1!";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    pub async fn start() -> Moto {
        let bin = repo().join(".interop/venv/bin/moto_server");
        assert!(bin.exists(), "{} is missing: {INSTALL_HINT}", bin.display());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e}): {INSTALL_HINT}", bin.display()));
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        loop {
            if reqwest::get(format!("{}/moto-api/", moto.url))
                .await
                .is_ok()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not answer on {} within 30 s",
                moto.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        moto
    }

    /// A signed admin client (moto wants some credentials on admin calls).
    pub fn admin(&self) -> idp::Client {
        let conf = idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(idp::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build();
        idp::Client::from_conf(conf)
    }

    /// A pool with a `custom:companyId` attribute.
    pub async fn pool(&self) -> String {
        let out = self
            .admin()
            .create_user_pool()
            .pool_name("cognate-test")
            .schema(
                SchemaAttributeType::builder()
                    .name("companyId")
                    .attribute_data_type(idp::types::AttributeDataType::String)
                    .mutable(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        out.user_pool().unwrap().id().unwrap().to_owned()
    }

    /// An app client; returns (client id, secret).
    pub async fn app_client(&self, pool: &str, secret: bool) -> (String, Option<String>) {
        let out = self
            .admin()
            .create_user_pool_client()
            .user_pool_id(pool)
            .client_name("cognate-test")
            .generate_secret(secret)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await
            .unwrap();
        let c = out.user_pool_client().unwrap();
        (
            c.client_id().unwrap().to_owned(),
            c.client_secret().map(str::to_owned),
        )
    }

    /// A confirmed user with a permanent password.
    pub async fn user(&self, pool: &str, name: &str) {
        let admin = self.admin();
        admin
            .admin_create_user()
            .user_pool_id(pool)
            .username(name)
            .user_attributes(
                AttributeType::builder()
                    .name("email")
                    .value(format!("{name}@example.com"))
                    .build()
                    .unwrap(),
            )
            .user_attributes(
                AttributeType::builder()
                    .name("custom:companyId")
                    .value("acme")
                    .build()
                    .unwrap(),
            )
            .message_action(idp::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        admin
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(name)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
}

/// Counts `InitiateAuth` calls by flow, as they go on the wire.
#[derive(Debug, Default, Clone)]
pub struct CallCounter {
    pub refreshes: Arc<AtomicUsize>,
    pub logins: Arc<AtomicUsize>,
}

impl CallCounter {
    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
    pub fn logins(&self) -> usize {
        self.logins.load(Ordering::SeqCst)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }
    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), idp::error::BoxError> {
        if let Some(input) = context.input().downcast_ref::<InitiateAuthInput>() {
            match input.auth_flow() {
                Some(AuthFlowType::RefreshTokenAuth) | Some(AuthFlowType::RefreshToken) => {
                    self.refreshes.fetch_add(1, Ordering::SeqCst);
                }
                _ => {
                    self.logins.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        Ok(())
    }
}

// Keep the import used when only some helpers are.
#[allow(unused)]
fn _uses(_: &RuntimeComponents) {}

/// An unsigned SDK client for `url` with a call counter: what a caller hands in with
/// `ClientBuilder::sdk_client`.
pub fn counted_sdk(url: &str, counter: &CallCounter) -> idp::Client {
    let conf = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .region(idp::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .interceptor(counter.clone())
        .build();
    idp::Client::from_conf(conf)
}

/// One request as the mini server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(&Seen, usize) -> (u16, String) + Send + Sync;

/// A tiny HTTP/1.1 server (one request per connection) that records what it is sent and
/// answers with `handler(request, index)`: a fake API, or a fake Cognito for error paths.
pub struct MiniServer {
    pub url: String,
    pub seen: Arc<std::sync::Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MiniServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MiniServer {
    pub async fn start(
        handler: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> MiniServer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<std::sync::Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let seen = Arc::clone(&seen2);
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut lines = head.split("\r\n");
                    let mut first = lines.next().unwrap_or("").split(' ');
                    let method = first.next().unwrap_or("").to_owned();
                    let path = first.next().unwrap_or("").to_owned();
                    let headers: Vec<(String, String)> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                    let req = Seen {
                        method,
                        path,
                        headers,
                        body,
                    };
                    let index = {
                        let mut s = seen.lock().unwrap();
                        s.push(req.clone());
                        s.len() - 1
                    };
                    let (status, body) = handler(&req, index);
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        MiniServer { url, seen, task }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
