//! The verified-token cache: tokens that passed every check, keyed by their SHA-256, so that a
//! repeated token skips the parsing and the RSA work. Bounded; entries die at `exp`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{SHA256, digest};

use crate::claims::Claims;
use crate::jwk::RsaKey;

const SHARDS: usize = 16;

pub(crate) type TokenHash = [u8; 32];

pub(crate) struct Entry {
    pub(crate) claims: Claims,
    /// Index of the issuer (in the verifier) and the key the signature verified with: a hit
    /// counts only while that key is still in the issuer's set.
    pub(crate) issuer: usize,
    pub(crate) kid: Box<str>,
    pub(crate) key: Arc<RsaKey>,
    /// The first Unix second at which the token is no longer accepted (`exp` + grace).
    pub(crate) dies_at: i64,
}

pub(crate) struct TokenCache {
    shards: Box<[Shard]>,
    per_shard: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Counters of the verified-token cache, from
/// [`CognitoJwtVerifier::token_cache_stats`](crate::CognitoJwtVerifier::token_cache_stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Verifications answered from the cache.
    pub hits: u64,
    /// Verifications that had to do the full work (whether they then passed or not).
    pub misses: u64,
    /// Tokens in the cache now (some may have expired and not been swept yet).
    pub entries: usize,
    /// The most tokens the cache holds.
    pub capacity: usize,
}

impl TokenCache {
    pub(crate) fn new(capacity: usize) -> Self {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        TokenCache {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::default()))
                .collect(),
            per_shard,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> TokenCacheStats {
        TokenCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self
                .shards
                .iter()
                .map(|s| {
                    s.lock()
                        .map(|s| s.len())
                        .unwrap_or_else(|p| p.into_inner().len())
                })
                .sum(),
            capacity: self.per_shard * SHARDS,
        }
    }

    pub(crate) fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn hash(token: &str) -> TokenHash {
        let d = digest(&SHA256, token.as_bytes());
        let mut out = [0; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    fn shard(&self, hash: &TokenHash) -> &Shard {
        &self.shards[usize::from(hash[31]) % SHARDS]
    }

    /// The entry for `hash`, if present and alive at `now`; a dead entry is removed.
    pub(crate) fn get(&self, hash: &TokenHash, now: i64) -> Option<Arc<Entry>> {
        let mut shard = self
            .shard(hash)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = shard.get(hash)?;
        if now < entry.dies_at {
            Some(entry.clone())
        } else {
            shard.remove(hash);
            None
        }
    }

    pub(crate) fn remove(&self, hash: &TokenHash) {
        self.shard(hash)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(hash);
    }

    pub(crate) fn insert(&self, hash: TokenHash, entry: Entry, now: i64) {
        let mut shard = self
            .shard(&hash)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if shard.len() >= self.per_shard && !shard.contains_key(&hash) {
            shard.retain(|_, e| now < e.dies_at);
            if shard.len() >= self.per_shard {
                // Still full of live tokens: drop an arbitrary one (the map's order is the
                // digest's, which no caller controls).
                if let Some(victim) = shard.keys().next().copied() {
                    shard.remove(&victim);
                }
            }
        }
        shard.insert(hash, Arc::new(entry));
    }
}

/// Keys are SHA-256 digests already, so the map's hash is eight bytes of the digest.
#[derive(Default)]
pub(crate) struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `[u8; 32]` hashes as its bytes; take the first eight.
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }

    fn write_usize(&mut self, _: usize) {
        // The length prefix of a slice carries no information here.
    }
}

type Build = BuildHasherDefault<DigestHasher>;
type Shard = Mutex<HashMap<TokenHash, Arc<Entry>, Build>>;
