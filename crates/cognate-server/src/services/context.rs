//! [`Ctx`]: what every operation is given — the store, the clock, the sealing key, the signing
//! keys (cached per pool), and how tokens name their issuer.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::lockout;
use super::pool_cache::PoolCache;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::model::{AppClient, UserPool};
use crate::secret_block::Sealer;
use crate::store::Store;
use crate::tokens::{PoolKeys, SigningKey};

/// How tokens name their issuer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IssuerStyle {
    /// `http://HOST:PORT/{poolId}`, the address the server listens on: what pycognito and
    /// JWKS-fetching verifiers pointed at the local server expect.
    #[default]
    Local,
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`, for apps that hard-code AWS.
    Aws,
    /// `{base}/{poolId}` with the given base URL (no trailing slash).
    Custom(String),
}

/// Everything an operation needs.
pub(crate) struct Ctx {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub sealer: Sealer,
    /// Key for deriving decoy salts of unknown users (PreventUserExistenceErrors).
    pub decoy_key: [u8; 32],
    pub keys: RwLock<HashMap<String, Arc<PoolKeys>>>,
    pub issuer: IssuerStyle,
    /// `http://HOST:PORT` of this server.
    pub local_base: String,
    /// Region for new pool ids.
    pub region: String,
    /// One password attempt per user at a time (the lockout's atomicity).
    pub attempts: lockout::AttemptGate,
    /// Where Lambda triggers are called (handler files, the Lambda service).
    pub triggers: super::triggers::invoke::Invokers,
    /// Each pool's groups, kept under the pool's stamp (`pool_cache`).
    pub pool_groups: PoolCache<Vec<super::groups::Group>>,
    /// Each pool's session settings, kept under the pool's stamp (`pool_cache`).
    pub pool_sessions:
        PoolCache<Option<cognate_model::idp::types::GetUserPoolSessionConfigurationResponse>>,
}

impl Ctx {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The `iss` of tokens of `pool_id`.
    pub fn issuer_for(&self, pool_id: &str) -> String {
        match &self.issuer {
            IssuerStyle::Local => format!("{}/{pool_id}", self.local_base),
            IssuerStyle::Aws => {
                let region = pool_id.split('_').next().unwrap_or("us-east-1");
                format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
            IssuerStyle::Custom(base) => format!("{}/{pool_id}", base.trim_end_matches('/')),
        }
    }

    pub fn pool(&self, id: &str) -> Result<UserPool, ApiError> {
        self.store
            .pool_get(id)?
            .ok_or_else(|| ApiError::pool_not_found(id))
    }

    pub fn client(&self, id: &str) -> Result<AppClient, ApiError> {
        self.store
            .client_get(id)?
            .ok_or_else(|| ApiError::client_not_found(id))
    }

    /// A client and the pool it belongs to (`None` if that is gone), read together.
    pub fn client_and_pool(&self, id: &str) -> Result<(AppClient, Option<UserPool>), ApiError> {
        self.store
            .client_and_pool(id)?
            .ok_or_else(|| ApiError::client_not_found(id))
    }

    /// A client that must belong to `pool_id`.
    pub fn pool_client(&self, pool_id: &str, id: &str) -> Result<AppClient, ApiError> {
        let client = self.client(id)?;
        if client.pool_id != pool_id {
            return Err(ApiError::client_not_found(id));
        }
        Ok(client)
    }

    /// The parsed signing keys of a pool (cached by their kids: a key is immutable, and a pool
    /// whose keys were rotated — by this server or another sharing the database — names new
    /// kids, so a cached key is never used in place of the stored one).
    pub fn pool_keys(&self, pool: &UserPool) -> Result<Arc<PoolKeys>, ApiError> {
        if let Ok(map) = self.keys.read()
            && let Some(k) = map.get(&pool.id)
            && k.access.kid == pool.access_key.kid
            && k.id.kid == pool.id_key.kid
        {
            return Ok(k.clone());
        }
        let keys = Arc::new(PoolKeys {
            access: SigningKey::load(&pool.access_key)?,
            id: SigningKey::load(&pool.id_key)?,
        });
        if let Ok(mut map) = self.keys.write() {
            map.insert(pool.id.clone(), keys.clone());
        }
        Ok(keys)
    }

    pub fn forget_keys(&self, pool_id: &str) {
        if let Ok(mut map) = self.keys.write() {
            map.remove(pool_id);
        }
    }
}
