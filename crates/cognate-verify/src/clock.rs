//! The verifier's notion of "now", injectable so that tests move time without sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time.
///
/// The verifier asks it for `exp`/`nbf`/`iat` checks, for the verified-token cache and for the
/// JWKS refetch limit. [`SystemClock`] is the default; [`ManualClock`] is for tests.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Time elapsed since the Unix epoch.
    fn now(&self) -> Duration;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        // A clock before 1970 is treated as 1970: every token then looks issued in the future
        // rather than the verifier panicking.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A clock that only moves when told to. Clones share the same time.
///
/// ```
/// use cognate_verify::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::at_unix_secs(1_700_000_000);
/// let shared = clock.clone();
/// clock.advance(Duration::from_secs(61));
/// assert_eq!(shared.now().as_secs(), 1_700_000_061);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock standing at `since_epoch`.
    pub fn new(since_epoch: Duration) -> Self {
        let millis = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);
        ManualClock {
            millis: Arc::new(AtomicU64::new(millis)),
        }
    }

    /// A clock standing at `secs` seconds after the Unix epoch.
    pub fn at_unix_secs(secs: u64) -> Self {
        Self::new(Duration::from_secs(secs))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(by))
            });
    }

    /// Sets the clock to `since_epoch` (backwards too).
    pub fn set(&self, since_epoch: Duration) {
        let millis = u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX);
        self.millis.store(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

/// Whole Unix seconds, saturating.
pub(crate) fn unix_secs(clock: &dyn Clock) -> i64 {
    i64::try_from(clock.now().as_secs()).unwrap_or(i64::MAX)
}
