//! The accepted issuers, each with its pool and its own JWKS cache entry: which one a token
//! names, and fetching every pool's keys without one unreachable pool failing the rest.

use std::sync::Arc;

use crate::error::{VerifyError, clip};
use crate::jwks::{IssuerKeys, JwksCache};
use crate::scan::{Field, Payload};

/// One accepted issuer: its pool (an index into the pools' app clients) and its own JWKS
/// cache entry.
pub(super) struct IssuerEntry {
    pub(super) issuer: Arc<str>,
    pub(super) pool: usize,
    pub(super) keys: Arc<IssuerKeys>,
}

/// What [`CognitoJwtVerifier::hydrate`](crate::CognitoJwtVerifier::hydrate) achieved: the pools
/// whose keys could not be fetched.
#[derive(Debug, Clone, Default)]
pub struct Hydrated {
    failures: Vec<(String, VerifyError)>,
}

impl Hydrated {
    /// The issuers of pools that have no keys yet, each with its error. Empty when every pool
    /// has keys.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &VerifyError)> + '_ {
        self.failures.iter().map(|(i, e)| (i.as_str(), e))
    }

    /// Whether every pool has keys.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The entry of `iss`, if it is an accepted issuer.
pub(super) fn find<'a>(issuers: &'a [IssuerEntry], iss: &str) -> Option<&'a IssuerEntry> {
    issuers.iter().find(|e| &*e.issuer == iss)
}

/// `iss`: exactly one of the configured issuers; returns its index.
pub(super) fn issuer_of(
    issuers: &[IssuerEntry],
    payload: &Payload<'_>,
) -> Result<usize, VerifyError> {
    let iss = match &payload.iss {
        Some(Field::Str(iss)) => iss,
        Some(_) => {
            return Err(VerifyError::InvalidClaim {
                claim: "iss",
                expected: "a string",
            });
        }
        None => return Err(VerifyError::MissingClaim { claim: "iss" }),
    };
    issuers
        .iter()
        .position(|e| *e.issuer == **iss)
        .ok_or_else(|| VerifyError::Issuer { iss: clip(iss) })
}

/// Fetches the keys of every issuer that has none cached, one after the other; see
/// [`CognitoJwtVerifier::hydrate`](crate::CognitoJwtVerifier::hydrate).
pub(super) async fn hydrate(
    issuers: &[IssuerEntry],
    pools: usize,
    jwks: &JwksCache,
) -> Result<Hydrated, VerifyError> {
    let mut pool_ok = vec![false; pools];
    let mut failures = Vec::new();
    for entry in issuers {
        match jwks.hydrate(&entry.keys).await {
            Ok(()) => pool_ok[entry.pool] = true,
            Err(e) => failures.push((entry.issuer.to_string(), e)),
        }
    }
    if pool_ok.contains(&true) {
        // An issuer form that failed while another form of its pool has keys is no loss.
        failures.retain(|(issuer, _)| find(issuers, issuer).is_some_and(|e| !pool_ok[e.pool]));
        return Ok(Hydrated { failures });
    }
    Err(failures.into_iter().next().map_or_else(
        || VerifyError::Config("no issuer to hydrate".into()),
        |(_, e)| e,
    ))
}
