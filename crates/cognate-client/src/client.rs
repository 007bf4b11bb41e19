//! The configured connection to one app client of one user pool: transport, `SECRET_HASH`,
//! retries.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider as idp;
use secrecy::{ExposeSecret, SecretString};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};

/// The environment variable that points every Cognito call at another endpoint (a local
/// server such as `cognate serve`). It wins over the AWS variables.
pub const ENDPOINT_ENV: &str = "COGNATE_ENDPOINT";
/// The AWS SDK convention for a Cognito user pools endpoint override.
pub const AWS_IDP_ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER";
/// The AWS SDK convention for a Cognito identity pools endpoint override.
pub const AWS_IDENTITY_ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL_COGNITO_IDENTITY";
/// The AWS SDK convention for an override of every service's endpoint.
pub const AWS_ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";

/// The region a pool id (`us-east-1_AbC123xyZ`) or identity pool id
/// (`us-east-1:0000-...`) lives in.
///
/// ```
/// assert_eq!(cognate_client::region_of("eu-west-2_AbC123xyZ").unwrap(), "eu-west-2");
/// assert_eq!(cognate_client::region_of("us-east-1:4f0c-11").unwrap(), "us-east-1");
/// assert!(cognate_client::region_of("nope").is_err());
/// ```
pub fn region_of(pool_id: &str) -> Result<&str> {
    let region = pool_id
        .split(['_', ':'])
        .next()
        .filter(|r| r.len() < pool_id.len())
        .unwrap_or("");
    let ok = region.split('-').count() >= 3
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(region)
    } else {
        Err(Error::Config(format!(
            "`{}` is not a pool id (expected REGION_ID, like us-east-1_AbC123xyZ)",
            pool_id.chars().take(64).collect::<String>()
        )))
    }
}

/// How failed calls are retried: throttling (`TooManyRequestsException`, ...) and 5xx answers,
/// with exponential backoff and full jitter, a bounded number of times. Other errors (a wrong
/// password, a bad code) are never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the first retry (before jitter); doubles each retry.
    pub base_delay: Duration,
    /// The most a single backoff may last.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (0-based): uniform in `[0, min(max, base·2^retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(retry);
        let frac = (h.finish() >> 11) as f64 / (1u64 << 53) as f64;
        cap.mul_f64(frac)
    }
}

/// Which login flow to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthFlow {
    /// `USER_SRP_AUTH`: the password never leaves the process (the default, and mandatory for
    /// some pools).
    #[default]
    UserSrp,
    /// `USER_PASSWORD_AUTH`: the password is sent (over TLS) to Cognito.
    UserPassword,
}

/// A Cognito app client, configured: how to reach Cognito and how to sign requests for this
/// client (`SECRET_HASH` when it has a secret). Cheap to clone.
///
/// Building one does no I/O: the SDK client underneath, with its HTTP connector (which loads
/// the platform's TLS root certificates), is set up on the first call that needs it (see
/// [`Client::sdk`]), and shared by every clone. A program that only reads fresh tokens from a
/// [`crate::TokenStore`] never pays for it.
///
/// ```no_run
/// # async fn run() -> cognate_client::Result<()> {
/// use cognate_client::{Client, Credentials};
/// let client = Client::builder("us-east-1_AbC123xyZ", "1example23456789")
///     .client_secret("the-secret")           // only if the app client has one
///     .build()?;
/// let tokens = client
///     .login(&Credentials::new("alice", "Correct horse 1!"))
///     .await?
///     .into_tokens()?;                       // fail fast if a challenge (MFA, ...) is asked
/// println!("{}", tokens.id_token().claims().custom("companyId").unwrap_or("-"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) user_pool_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) region: String,
    pub(crate) identity_endpoint: Option<String>,
    /// The SDK client, built on first use from `sdk_settings` (or handed in, already built).
    idp: OnceLock<idp::Client>,
    sdk_settings: SdkSettings,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) auth_flow: AuthFlow,
    pub(crate) devices: Option<Arc<dyn crate::device::DeviceStore>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("user_pool_id", &i.user_pool_id)
            .field("client_id", &i.client_id)
            .field(
                "client_secret",
                &i.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("region", &i.region)
            .field("auth_flow", &i.auth_flow)
            .finish_non_exhaustive()
    }
}

/// What the SDK client is built from, when it is first needed.
struct SdkSettings {
    region: String,
    endpoint: Option<String>,
    timeout: Option<Duration>,
}

impl SdkSettings {
    /// The user pools SDK client: unsigned calls, no SDK retries (ours wrap it), the timeout.
    /// This is where the HTTP connector, and so the TLS roots, are loaded.
    fn build(&self) -> idp::Client {
        let mut conf = idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new(self.region.clone()))
            .retry_config(idp::config::retry::RetryConfig::disabled());
        if let Some(t) = self.timeout {
            conf = conf.timeout_config(
                idp::config::timeout::TimeoutConfig::builder()
                    .operation_timeout(t)
                    .connect_timeout(Duration::from_secs(10).min(t))
                    .build(),
            );
        }
        if let Some(url) = &self.endpoint {
            conf = conf.endpoint_url(url.trim_end_matches('/'));
        }
        tracing::debug!(region = %self.region, "building the Cognito SDK client");
        idp::Client::from_conf(conf.build())
    }
}

/// Builds a [`Client`]. See [`Client::builder`].
pub struct ClientBuilder {
    user_pool_id: String,
    client_id: String,
    client_secret: Option<SecretString>,
    region: Option<String>,
    endpoint: Option<String>,
    read_env: bool,
    sdk: Option<idp::Client>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    clock: Arc<dyn Clock>,
    auth_flow: AuthFlow,
    devices: Option<Arc<dyn crate::device::DeviceStore>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

fn env_endpoint(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

impl Client {
    /// Starts configuring a client for `user_pool_id` (its region is read from the id) and the
    /// app client `client_id`.
    pub fn builder(user_pool_id: impl Into<String>, client_id: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            client_secret: None,
            region: None,
            endpoint: None,
            read_env: true,
            sdk: None,
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(30)),
            clock: Arc::new(SystemClock),
            auth_flow: AuthFlow::UserSrp,
            devices: None,
        }
    }

    /// The user pool id.
    pub fn user_pool_id(&self) -> &str {
        &self.inner.user_pool_id
    }
    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    /// The region.
    pub fn region(&self) -> &str {
        &self.inner.region
    }
    /// The SDK client used underneath, for calls this crate does not wrap.
    ///
    /// Built on the first call (here or by any method that talks to Cognito), once, and shared
    /// by every clone of this client; the one given to [`ClientBuilder::sdk_client`] otherwise.
    pub fn sdk(&self) -> &idp::Client {
        self.inner
            .idp
            .get_or_init(|| self.inner.sdk_settings.build())
    }
    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }
    /// Whether the app client has a secret (and so every call carries a `SECRET_HASH`).
    pub fn has_secret(&self) -> bool {
        self.inner.client_secret.is_some()
    }

    /// `SECRET_HASH` for `username`, if the client has a secret.
    pub(crate) fn secret_hash(&self, username: &str) -> Option<String> {
        self.inner
            .client_secret
            .as_ref()
            .map(|s| cognate_srp::secret_hash(s.expose_secret(), username, &self.inner.client_id))
    }

    pub(crate) fn client_secret(&self) -> Option<&str> {
        self.inner
            .client_secret
            .as_ref()
            .map(|s| -> &str { s.expose_secret() })
    }

    /// Runs `call` until it succeeds, fails for good, or the retry budget is spent.
    pub(crate) async fn with_retry<T, F, Fut>(&self, op: &'static str, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let policy = self.inner.retry;
        let mut attempt = 0u32;
        loop {
            match call().await {
                Ok(v) => return Ok(v),
                Err(e) if e.is_retryable() && attempt + 1 < policy.max_attempts.max(1) => {
                    let delay = policy.backoff(attempt);
                    tracing::debug!(op, attempt, ?delay, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl ClientBuilder {
    /// The app client's secret: every call then carries a `SECRET_HASH`. Kept in a secret
    /// string, never logged.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// The region, when it is not the pool id's prefix.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sends every call to `url` (e.g. `http://127.0.0.1:9229` for `cognate serve`). Without it,
    /// `COGNATE_ENDPOINT`, then `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` (identity pools:
    /// `AWS_ENDPOINT_URL_COGNITO_IDENTITY`), then `AWS_ENDPOINT_URL` are read, then AWS.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Ignores the endpoint environment variables.
    pub fn ignore_env(mut self) -> Self {
        self.read_env = false;
        self
    }

    /// Uses your own SDK client (its endpoint, retry, timeout and HTTP settings, a proxy) for the
    /// user pool calls. The client's own retries come on top of [`ClientBuilder::retry`]:
    /// set [`RetryPolicy::none`] to keep only the SDK's.
    pub fn sdk_client(mut self, client: idp::Client) -> Self {
        self.sdk = Some(client);
        self
    }

    /// How throttled and failed calls are retried (default: 4 attempts, 100 ms doubling, full
    /// jitter, at most 5 s).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A timeout for each call (default 30 s; `None`: none).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock used for expiry and SRP timestamps (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The default login flow (default: [`AuthFlow::UserSrp`]).
    pub fn auth_flow(mut self, flow: AuthFlow) -> Self {
        self.auth_flow = flow;
        self
    }

    /// Device tracking: after a login that returns new device metadata, confirm the device
    /// (`ConfirmDevice` with an SRP verifier), remember it in `store`, and answer later logins'
    /// `DEVICE_SRP_AUTH` challenges with it (which lets the pool skip MFA).
    pub fn remember_devices(mut self, store: impl crate::device::DeviceStore) -> Self {
        self.devices = Some(Arc::new(store));
        self
    }

    /// Builds the client. Fails on a malformed pool id. Does no I/O: the SDK client and its
    /// HTTP connector are set up on first use (see [`Client::sdk`]).
    pub fn build(self) -> Result<Client> {
        cognate_srp::pool_name(&self.user_pool_id)
            .map_err(|_| Error::Config(format!("`{}` is not a pool id", self.user_pool_id)))?;
        let region = match self.region {
            Some(r) => r,
            None => region_of(&self.user_pool_id)?.to_owned(),
        };
        let endpoint = self.endpoint.clone().or_else(|| {
            self.read_env
                .then(|| env_endpoint(&[ENDPOINT_ENV, AWS_IDP_ENDPOINT_ENV, AWS_ENDPOINT_ENV]))
                .flatten()
        });
        let identity_endpoint = self.endpoint.or_else(|| {
            self.read_env
                .then(|| env_endpoint(&[ENDPOINT_ENV, AWS_IDENTITY_ENDPOINT_ENV, AWS_ENDPOINT_ENV]))
                .flatten()
        });
        let idp = match self.sdk {
            Some(c) => OnceLock::from(c),
            None => OnceLock::new(),
        };
        let sdk_settings = SdkSettings {
            region: region.clone(),
            endpoint,
            timeout: self.timeout,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                user_pool_id: self.user_pool_id,
                client_id: self.client_id,
                client_secret: self.client_secret,
                region,
                identity_endpoint,
                idp,
                sdk_settings,
                retry: self.retry,
                clock: self.clock,
                auth_flow: self.auth_flow,
                devices: self.devices,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_sdk_client_is_built_on_first_use_once() {
        let client = Client::builder("us-east-1_AbC123xyZ", "client")
            .endpoint("http://127.0.0.1:9")
            .build()
            .unwrap();
        // Building (and cloning) loads nothing: no HTTP connector, no TLS roots.
        let clone = client.clone();
        assert!(client.inner.idp.get().is_none());
        let sdk = clone.sdk() as *const idp::Client;
        assert!(client.inner.idp.get().is_some());
        // One SDK client, shared by the clones.
        assert_eq!(client.sdk() as *const idp::Client, sdk);
        assert_eq!(
            client.sdk().config().region().map(|r| r.as_ref()),
            Some("us-east-1")
        );

        // One handed in is used as is.
        let own = idp::Client::from_conf(
            idp::Config::builder()
                .behavior_version(idp::config::BehaviorVersion::latest())
                .region(idp::config::Region::new("eu-west-1"))
                .build(),
        );
        let client = Client::builder("us-east-1_AbC123xyZ", "client")
            .sdk_client(own)
            .build()
            .unwrap();
        assert!(client.inner.idp.get().is_some());
        assert_eq!(
            client.sdk().config().region().map(|r| r.as_ref()),
            Some("eu-west-1")
        );
    }
}
