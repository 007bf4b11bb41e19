//! What ties the demo's three parties together: one clock that the local Cognito, the client and
//! the APIs' verifiers all read (so that moving it expires tokens everywhere at once), and a
//! counter of the `InitiateAuth` calls the client really sends.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognate_client::sdk::user_pools as idp;
use idp::config::interceptors::BeforeSerializationInterceptorContextRef;
use idp::config::{ConfigBag, Intercept};
use idp::error::BoxError;
use idp::operation::initiate_auth::InitiateAuthInput;
use idp::types::AuthFlowType;

/// The demo's shared clock: the system clock plus an offset that only [`DemoClock::advance`]
/// changes. One instance implements the clock traits of cognate-server, cognate-client and
/// cognate-verify, so the three agree to the millisecond on what time it is.
#[derive(Debug, Clone, Default)]
pub struct DemoClock {
    offset_millis: Arc<AtomicI64>,
}

impl DemoClock {
    /// Moves the clock forward by `secs` for everyone.
    pub fn advance(&self, secs: i64) {
        self.offset_millis
            .fetch_add(secs.saturating_mul(1000), Ordering::SeqCst);
    }

    /// Back to the system clock (for `--keep-running`, where outside tools use the real time).
    pub fn reset(&self) {
        self.offset_millis.store(0, Ordering::SeqCst);
    }

    /// Milliseconds since the Unix epoch, as every party sees it.
    pub fn now_millis(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        system.saturating_add(self.offset_millis.load(Ordering::SeqCst))
    }

    /// Seconds since the Unix epoch.
    pub fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

impl cognate_server::Clock for DemoClock {
    fn now(&self) -> i64 {
        self.now_secs()
    }
}

impl cognate_client::Clock for DemoClock {
    fn now_millis(&self) -> i64 {
        DemoClock::now_millis(self)
    }
}

impl cognate_verify::Clock for DemoClock {
    fn now(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.now_millis()).unwrap_or(0))
    }
}

/// How many `InitiateAuth` calls went out, by flow.
#[derive(Debug, Default)]
pub struct AuthCalls {
    srp: AtomicU64,
    refresh: AtomicU64,
}

impl AuthCalls {
    /// `InitiateAuth` with `USER_SRP_AUTH`: logins.
    pub fn srp_logins(&self) -> u64 {
        self.srp.load(Ordering::SeqCst)
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`: refreshes.
    pub fn refreshes(&self) -> u64 {
        self.refresh.load(Ordering::SeqCst)
    }
}

/// An SDK interceptor that counts the `InitiateAuth` calls by flow before they are sent.
#[derive(Debug, Clone)]
struct CountInitiateAuth(Arc<AuthCalls>);

impl Intercept for CountInitiateAuth {
    fn name(&self) -> &'static str {
        "cognate-demo-count-initiate-auth"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(input) = context.input().downcast_ref::<InitiateAuthInput>() {
            match input.auth_flow() {
                Some(AuthFlowType::UserSrpAuth) => {
                    self.0.srp.fetch_add(1, Ordering::SeqCst);
                }
                Some(AuthFlowType::RefreshTokenAuth | AuthFlowType::RefreshToken) => {
                    self.0.refresh.fetch_add(1, Ordering::SeqCst);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A cognate-client for `pool_id`/`client_id` at `endpoint`, on the demo's clock, whose SDK
/// client counts its `InitiateAuth` calls in `calls`.
pub fn client(
    endpoint: &str,
    pool_id: &str,
    client_id: &str,
    clock: &DemoClock,
    calls: &Arc<AuthCalls>,
) -> cognate_client::Result<cognate_client::Client> {
    let region = cognate_client::region_of(pool_id)?.to_owned();
    let conf = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .region(idp::config::Region::new(region))
        .retry_config(idp::config::retry::RetryConfig::disabled())
        .endpoint_url(endpoint)
        .interceptor(CountInitiateAuth(calls.clone()))
        .build();
    cognate_client::Client::builder(pool_id, client_id)
        .endpoint(endpoint)
        .ignore_env()
        .clock(clock.clone())
        .sdk_client(idp::Client::from_conf(conf))
        .build()
}
