//! [`UserPool`]: a pool's issuers (both forms of a Cognito pool, or one given exactly), their
//! JWKS URLs, and the app clients whose tokens it accepts.

use crate::error::VerifyError;

/// A Cognito user pool (or another issuer of Cognito-shaped tokens) and the app clients whose
/// tokens it accepts.
///
/// ```
/// use cognate_verify::UserPool;
///
/// // A Cognito pool: accepts both issuer forms,
/// // https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ and
/// // https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ,
/// // each with its JWKS at {issuer}/.well-known/jwks.json.
/// let pool = UserPool::new("eu-west-1_AbC123xyZ")?.client_id("4k9example");
/// assert_eq!(pool.issuers().count(), 2);
///
/// // A local Cognito (cognate serve, moto): an explicit issuer, and a JWKS URL if it is not
/// // {issuer}/.well-known/jwks.json.
/// let local = UserPool::from_issuer("http://127.0.0.1:9229/us-east-1_Local1")
///     .jwks_url("http://127.0.0.1:9229/us-east-1_Local1/.well-known/jwks.json")
///     .client_ids(["client-a", "client-b"]);
/// # let _ = local;
/// # Ok::<(), cognate_verify::VerifyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct UserPool {
    /// `(issuer, JWKS URL)` pairs.
    pub(super) issuers: Vec<(String, String)>,
    pub(super) clients: Clients,
}

/// The app clients a pool accepts.
#[derive(Debug, Clone)]
pub(super) enum Clients {
    Unset,
    Any,
    Listed(Vec<String>),
}

impl UserPool {
    /// A Cognito user pool by id (`{region}_{suffix}`, for example `us-east-1_AbC123xyZ`).
    ///
    /// Both issuer forms are accepted, `https://cognito-idp.{region}.amazonaws.com/{id}` (the
    /// original) and `https://issuer-cognito-idp.{region}.amazonaws.com/{id}` (the updated form,
    /// for multi-Region pools), each with its own cached JWKS (`.amazonaws.com.cn` in China
    /// regions). Use [`from_issuer`](Self::from_issuer) to accept only one.
    ///
    /// A multi-Region pool's replicas share its id, and its updated issuer names the primary
    /// Region (the `{region}` of the id) whichever replica signed the token, so this one
    /// `UserPool` covers them; an issuer naming another Region is refused. AWS documents no
    /// issuer of a replica's own Region; should one appear, list it as another pool with
    /// [`from_issuer`](Self::from_issuer).
    pub fn new(pool_id: &str) -> Result<Self, VerifyError> {
        let Some((region, suffix)) = pool_id.split_once('_') else {
            return Err(VerifyError::Config(format!(
                "{pool_id:?} is not a user pool id ({{region}}_{{suffix}})"
            )));
        };
        let region_ok = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let suffix_ok = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric());
        if !region_ok || !suffix_ok {
            return Err(VerifyError::Config(format!(
                "{pool_id:?} is not a user pool id ({{region}}_{{suffix}})"
            )));
        }
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let issuers = ["cognito-idp", "issuer-cognito-idp"]
            .into_iter()
            .map(|host| {
                let iss = format!("https://{host}.{region}.{domain}/{pool_id}");
                let jwks = format!("{iss}/.well-known/jwks.json");
                (iss, jwks)
            })
            .collect();
        Ok(UserPool {
            issuers,
            clients: Clients::Unset,
        })
    }

    /// An issuer given exactly (compared byte for byte with `iss`), with its JWKS at
    /// `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) says otherwise.
    pub fn from_issuer(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        let jwks = format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'));
        UserPool {
            issuers: vec![(issuer, jwks)],
            clients: Clients::Unset,
        }
    }

    /// Fetches keys from `url` instead of `{issuer}/.well-known/jwks.json` (for every issuer
    /// form of this pool).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        for (_, jwks) in &mut self.issuers {
            jwks.clone_from(&url);
        }
        self
    }

    /// Accepts tokens of this app client (may be called several times).
    pub fn client_id(self, client_id: impl Into<String>) -> Self {
        self.client_ids([client_id])
    }

    /// Accepts tokens of these app clients.
    pub fn client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut listed = match self.clients {
            Clients::Listed(listed) => listed,
            Clients::Unset | Clients::Any => Vec::new(),
        };
        listed.extend(client_ids.into_iter().map(Into::into));
        self.clients = Clients::Listed(listed);
        self
    }

    /// Accepts tokens of every app client of the pool. A verifier must say either this or which
    /// clients it accepts.
    pub fn any_client(mut self) -> Self {
        self.clients = Clients::Any;
        self
    }

    /// The issuers (`iss` values) this pool accepts.
    pub fn issuers(&self) -> impl Iterator<Item = &str> + '_ {
        self.issuers.iter().map(|(iss, _)| iss.as_str())
    }
}
