//! What a built [`CognitoJwtVerifier`](crate::CognitoJwtVerifier) holds: the accepted issuers
//! with their key caches, each pool's app clients, and the claim requirements.

use std::sync::Arc;

use crate::claims::{Claims, TokenUse};
use crate::clock::Clock;
use crate::jwks::JwksCache;
use crate::requirements::Requirements;
use crate::token_cache::TokenCache;

use super::issuers::IssuerEntry;
use super::user_pool::Clients;

/// A check of your own, run after all the built-in ones; return `Err(reason)` to reject.
pub type CustomCheck = dyn Fn(&Claims) -> Result<(), String> + Send + Sync;

/// What a built verifier holds, shared by its clones.
pub(super) struct Settings {
    pub(super) issuers: Vec<IssuerEntry>,
    pub(super) pools: Vec<Clients>,
    pub(super) token_use: Option<TokenUse>,
    pub(super) groups: Vec<String>,
    pub(super) all_scopes: Vec<String>,
    pub(super) any_scopes: Vec<String>,
    pub(super) requirements: Requirements,
    pub(super) grace: i64,
    pub(super) custom: Option<Arc<CustomCheck>>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) max_len: usize,
    pub(super) token_cache: Option<TokenCache>,
    pub(super) jwks: JwksCache,
}
