//! Stored configuration documents: what a pool (or the account) is configured with where
//! cognate keeps and returns the configuration rather than acting on it — hosted-UI and
//! managed-login branding, terms, log delivery, provisioned limits, point-in-time recoveries,
//! replicas, CIMD policies, threat-protection and session settings.
//!
//! A document is the model's own output type (`cognate_model::idp::types::TermsType`, …),
//! serialized as it is answered: what is stored is, by construction, what the model says the
//! answer is. Documents live in the record table under kind [`RecordKind::ConfigDoc`], scoped by
//! the user pool (deleting the pool deletes them), keyed `{collection}/{id}`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Ctx;
use crate::error::ApiError;
use crate::store::RecordKind;

const KIND: RecordKind = RecordKind::ConfigDoc;

/// The scope of account-level documents (provisioned limits).
pub(crate) const ACCOUNT: &str = "account";

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// `UICustomizationType`, keyed by client id (`ALL` for the pool's).
    UiCustomization,
    /// `ManagedLoginBrandingType`, keyed by its id.
    Branding,
    /// The branding id of a client, keyed by client id.
    BrandingOfClient,
    /// `TermsType`, keyed by its id.
    Terms,
    /// `LogDeliveryConfigurationType`, one per pool.
    LogDelivery,
    /// `LimitType`, keyed by the limit's category (account scope).
    Limit,
    /// `RestorationType`, keyed by its id.
    Restoration,
    /// `UserPoolReplicaType`, keyed by region.
    Replica,
    /// `CIMDPolicyType`, keyed by its id.
    CimdPolicy,
    /// `RiskConfigurationType`, keyed by client id (`ALL` for the pool's).
    Risk,
    /// `GetUserPoolSessionConfigurationResponse`, one per pool.
    SessionConfig,
    /// `GetUserPoolClientSessionConfigurationResponse`, keyed by client id.
    ClientSessionConfig,
    /// The pool's SAML signing key and certificate (`services::saml_certificate`).
    SamlSigning,
}

impl Collection {
    fn prefix(self) -> &'static str {
        match self {
            Collection::UiCustomization => "ui",
            Collection::Branding => "branding",
            Collection::BrandingOfClient => "branding-client",
            Collection::Terms => "terms",
            Collection::LogDelivery => "log-delivery",
            Collection::Limit => "limit",
            Collection::Restoration => "restoration",
            Collection::Replica => "replica",
            Collection::CimdPolicy => "cimd",
            Collection::Risk => "risk",
            Collection::SessionConfig => "session",
            Collection::ClientSessionConfig => "client-session",
            Collection::SamlSigning => "saml-signing",
        }
    }

    fn key(self, id: &str) -> String {
        format!("{}/{id}", self.prefix())
    }
}

fn decode<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        tracing::error!(error = %e, "a stored configuration document does not decode");
        ApiError::internal("stored configuration corrupt")
    })
}

/// The document `id` of collection `c` in `scope`.
pub(crate) fn get<T: DeserializeOwned>(
    ctx: &Ctx,
    scope: &str,
    c: Collection,
    id: &str,
) -> Result<Option<T>, ApiError> {
    ctx.store
        .doc_get(KIND, scope, &c.key(id))?
        .map(decode)
        .transpose()
}

/// Stores (inserts or replaces) document `id`.
pub(crate) fn put<T: Serialize>(
    ctx: &Ctx,
    scope: &str,
    c: Collection,
    id: &str,
    doc: &T,
) -> Result<(), ApiError> {
    let v = serde_json::to_value(doc).map_err(|e| ApiError::internal(e.to_string()))?;
    ctx.store.doc_put(KIND, scope, &c.key(id), &v)?;
    Ok(())
}

/// Document `id`, or — when there is none — `make()` stored as it; concurrent callers all get
/// the one stored first.
pub(crate) fn get_or_insert<T: Serialize + DeserializeOwned>(
    ctx: &Ctx,
    scope: &str,
    c: Collection,
    id: &str,
    make: impl FnOnce() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let Some(found) = get(ctx, scope, c, id)? {
        return Ok(found);
    }
    let fresh = serde_json::to_value(make()?).map_err(|e| ApiError::internal(e.to_string()))?;
    let stored = ctx
        .store
        .doc_update(
            KIND,
            scope,
            &c.key(id),
            Box::new(move |old| Some(old.unwrap_or(fresh))),
        )?
        .ok_or_else(|| ApiError::internal("configuration document not stored"))?;
    decode(stored)
}

/// Deletes document `id`; false if there was none.
pub(crate) fn delete(ctx: &Ctx, scope: &str, c: Collection, id: &str) -> Result<bool, ApiError> {
    Ok(ctx.store.doc_delete(KIND, scope, &c.key(id))?)
}

/// Every document of collection `c` in `scope`, oldest first, with its id.
pub(crate) fn list<T: DeserializeOwned>(
    ctx: &Ctx,
    scope: &str,
    c: Collection,
) -> Result<Vec<(String, T)>, ApiError> {
    let prefix = format!("{}/", c.prefix());
    ctx.store
        .doc_list(KIND, scope)?
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|id| (id.to_owned(), v)))
        .map(|(id, v)| Ok((id, decode(v)?)))
        .collect()
}

/// A new document id (a UUID).
pub(crate) fn new_id() -> String {
    crate::ids::uuid()
}
