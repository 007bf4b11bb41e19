//! Identity pools: the ID token → an identity id → temporary AWS credentials.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials as AwsCredentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError};
use aws_sdk_cognitoidentity as ci;

use crate::client::region_of;
use crate::error::{Error, Result, from_sdk};
use crate::source::TokenSource;

/// Temporary AWS credentials for a user-pool login, through an identity pool
/// (`GetId` + `GetCredentialsForIdentity`), cached until shortly before they expire.
///
/// It is an `aws-credential-types` [`ProvideCredentials`], so any AWS SDK client can use it.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use aws_credential_types::provider::ProvideCredentials;
/// use cognate_client::{Client, Credentials, IdentityPoolCredentials, TokenSource};
///
/// let client = Client::builder("us-east-1_AbC123xyZ", "1example23456789").build()?;
/// let source = TokenSource::builder(client)
///     .credentials(Credentials::new("alice", "Correct horse 1!"))
///     .build();
/// let aws = IdentityPoolCredentials::builder("us-east-1:0b6c1c7e-1111-2222-3333-444455556666", source)
///     .build()?;
/// let creds = aws.provide_credentials().await?;
/// println!("{} (identity {})", creds.access_key_id(), aws.identity_id().await?);
/// // e.g. aws_sdk_s3::Config::builder().credentials_provider(aws.clone())...
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct IdentityPoolCredentials {
    inner: Arc<IdentityInner>,
}

struct IdentityInner {
    identity_pool_id: String,
    source: TokenSource,
    sdk: ci::Client,
    provider_name: String,
    identity_id: RwLock<Option<String>>,
    cached: RwLock<Option<AwsCredentials>>,
    gate: tokio::sync::Mutex<()>,
    margin: Duration,
}

impl fmt::Debug for IdentityPoolCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityPoolCredentials")
            .field("identity_pool_id", &self.inner.identity_pool_id)
            .field("provider_name", &self.inner.provider_name)
            .finish_non_exhaustive()
    }
}

/// Builds [`IdentityPoolCredentials`].
pub struct IdentityPoolCredentialsBuilder {
    identity_pool_id: String,
    source: TokenSource,
    sdk: Option<ci::Client>,
    margin: Duration,
}

impl fmt::Debug for IdentityPoolCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityPoolCredentialsBuilder")
            .field("identity_pool_id", &self.identity_pool_id)
            .finish_non_exhaustive()
    }
}

impl IdentityPoolCredentialsBuilder {
    /// Uses your own `aws-sdk-cognitoidentity` client.
    pub fn sdk_client(mut self, client: ci::Client) -> Self {
        self.sdk = Some(client);
        self
    }
    /// Fetch new credentials this long before the old expire (default 2 minutes).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }
    /// Builds the provider; the endpoint follows the user pool client's (see
    /// [`crate::ClientBuilder::endpoint`]).
    pub fn build(self) -> Result<IdentityPoolCredentials> {
        let region = region_of(&self.identity_pool_id)?.to_owned();
        let client = self.source.client().clone();
        let sdk = match self.sdk {
            Some(s) => s,
            None => {
                let mut conf = ci::Config::builder()
                    .behavior_version(ci::config::BehaviorVersion::latest())
                    .region(ci::config::Region::new(region))
                    .retry_config(ci::config::retry::RetryConfig::disabled());
                if let Some(url) = &client.inner.identity_endpoint {
                    conf = conf.endpoint_url(url.trim_end_matches('/'));
                }
                ci::Client::from_conf(conf.build())
            }
        };
        let provider_name = format!(
            "cognito-idp.{}.amazonaws.com/{}",
            client.region(),
            client.user_pool_id()
        );
        Ok(IdentityPoolCredentials {
            inner: Arc::new(IdentityInner {
                identity_pool_id: self.identity_pool_id,
                source: self.source,
                sdk,
                provider_name,
                identity_id: RwLock::new(None),
                cached: RwLock::new(None),
                gate: tokio::sync::Mutex::new(()),
                margin: self.margin,
            }),
        })
    }
}

fn read<T: Clone>(l: &RwLock<Option<T>>) -> Option<T> {
    match l.read() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

fn write<T>(l: &RwLock<Option<T>>, v: T) {
    match l.write() {
        Ok(mut g) => *g = Some(v),
        Err(p) => *p.into_inner() = Some(v),
    }
}

impl IdentityPoolCredentials {
    /// AWS credentials through `identity_pool_id` (`us-east-1:...`) for the user of `source`.
    pub fn builder(
        identity_pool_id: impl Into<String>,
        source: TokenSource,
    ) -> IdentityPoolCredentialsBuilder {
        IdentityPoolCredentialsBuilder {
            identity_pool_id: identity_pool_id.into(),
            source,
            sdk: None,
            margin: Duration::from_secs(120),
        }
    }

    fn fresh(&self) -> Option<AwsCredentials> {
        let c = read(&self.inner.cached)?;
        let now = UNIX_EPOCH
            + Duration::from_millis(
                u64::try_from(self.inner.source.client().clock().now_millis()).unwrap_or(0),
            );
        match c.expiry() {
            Some(exp) if exp <= now + self.inner.margin => None,
            _ => Some(c),
        }
    }

    async fn logins(&self) -> Result<HashMap<String, String>> {
        let tokens = self.inner.source.tokens().await?;
        Ok(HashMap::from([(
            self.inner.provider_name.clone(),
            tokens.id_token().as_str().to_owned(),
        )]))
    }

    /// The identity id (`GetId`, once).
    pub async fn identity_id(&self) -> Result<String> {
        if let Some(id) = read(&self.inner.identity_id) {
            return Ok(id);
        }
        let logins = self.logins().await?;
        let client = self.inner.source.client();
        let out = client
            .with_retry("GetId", || async {
                self.inner
                    .sdk
                    .get_id()
                    .identity_pool_id(&self.inner.identity_pool_id)
                    .set_logins(Some(logins.clone()))
                    .send()
                    .await
                    .map_err(from_sdk)
            })
            .await?;
        let id = out
            .identity_id()
            .ok_or_else(|| Error::protocol("GetId returned no IdentityId"))?
            .to_owned();
        write(&self.inner.identity_id, id.clone());
        Ok(id)
    }

    /// Valid AWS credentials, from the cache or fresh.
    pub async fn credentials(&self) -> Result<AwsCredentials> {
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let _gate = self.inner.gate.lock().await;
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let identity_id = self.identity_id().await?;
        let mut logins = self.logins().await?;
        let client = self.inner.source.client();
        let mut retried = false;
        let out = loop {
            let got = client
                .with_retry("GetCredentialsForIdentity", || async {
                    self.inner
                        .sdk
                        .get_credentials_for_identity()
                        .identity_id(&identity_id)
                        .set_logins(Some(logins.clone()))
                        .send()
                        .await
                        .map_err(from_sdk)
                })
                .await;
            match got {
                // The ID token may have been revoked or expired early: refresh once.
                Err(e) if e.is_not_authorized() && !retried => {
                    retried = true;
                    let stale = self.inner.source.cached();
                    self.inner
                        .source
                        .refresh_after_rejection(stale.as_deref())
                        .await?;
                    logins = self.logins().await?;
                }
                other => break other?,
            }
        };
        let c = out
            .credentials()
            .ok_or_else(|| Error::protocol("GetCredentialsForIdentity returned no Credentials"))?;
        let field = |v: Option<&str>, name: &str| {
            v.map(str::to_owned).ok_or_else(|| {
                Error::protocol(format!("GetCredentialsForIdentity returned no {name}"))
            })
        };
        let expiry = c.expiration().map(|d| {
            let secs = u64::try_from(d.secs()).unwrap_or(0);
            UNIX_EPOCH + Duration::from_secs(secs)
        });
        let creds = AwsCredentials::new(
            field(c.access_key_id(), "AccessKeyId")?,
            field(c.secret_key(), "SecretKey")?,
            c.session_token().map(str::to_owned),
            expiry.map(|e: SystemTime| e),
            "cognito-identity",
        );
        write(&self.inner.cached, creds.clone());
        Ok(creds)
    }
}

impl ProvideCredentials for IdentityPoolCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}
