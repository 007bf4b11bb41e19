//! Storage: the [`Store`] trait every backend implements, what it stores, and what sits above
//! the backends — the cascades of multi-record changes ([`cascade`]), a cache of pools and app
//! clients that can be switched off ([`CachedStore`]), and the conformance suite that every
//! backend must pass ([`conformance`]).
//!
//! # The contract
//!
//! - **Blocking.** Every method blocks its caller until it is done; the server calls them from
//!   code that may block (a tokio worker inside `block_in_place`, or the blocking pool). A
//!   backend that waits on the disk or the network should tell tokio itself (as
//!   [`SqliteStore`] does with `block_in_place`), so that the worker's other tasks go on.
//! - **Durable.** A write returns only once it is durable: after a crash (`kill -9`, power
//!   loss) every acknowledged write is there and nothing half-done is.
//! - **Atomic units.** [`Store::apply`] runs a list of [`Change`]s as one transaction: all of it
//!   or none of it, checked preconditions included (a failed one is
//!   [`StoreError::Conflict`]). Multi-record changes (deleting a user, a pool or a group,
//!   rotating a refresh token) are built as such units by [`cascade`], once, above every
//!   backend.
//! - **Shared.** Nothing a backend returns may be stale because of a process-local copy; the
//!   only cache ([`CachedStore`]) sits above the backend, is optional, and assumes it sees
//!   every write (one server process per store).
//! - **Errors.** [`StoreError`] names no backend type: a backend reports its failures as
//!   [`StoreError::Backend`] with a message (and whether a retry may succeed).

pub mod cascade;
pub mod conformance;

mod cache;
mod postgres;
mod sqlite;

pub use cache::CachedStore;
pub use postgres::{PostgresOptions, PostgresStore, SCHEMA_VERSION};
pub use sqlite::SqliteStore;

use serde_json::Value;

use crate::error::StoreError;
use crate::model::{AppClient, RefreshRecord, User, UserPool};

/// Runs `f`, which may wait (on the disk, on the network). On a worker of a multi-thread tokio runtime this is
/// `block_in_place` (the worker's other tasks move to another thread meanwhile); anywhere else
/// (a current-thread runtime, a blocking-pool thread, no runtime) `f` just runs.
pub(crate) fn may_block<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// The kinds of small records kept with [`Store::put_doc`] and friends. The names are what the
/// backends store; they never change (existing data directories keep working).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A one-time code (sign-up, forgot password, attribute verification).
    Code,
    /// An answered challenge session or a used SRP `SECRET_BLOCK` (use-once).
    UsedSession,
    /// A device's pending `DEVICE_SRP_AUTH` challenge.
    DeviceChallenge,
    /// A confirmed device.
    Device,
    /// A user's device group key.
    DeviceGroup,
    /// A user-pool group.
    Group,
    /// A user's membership of a group.
    GroupMember,
    /// An identity pool.
    IdentityPool,
    /// An identity of an identity pool.
    Identity,
    /// A login linked to an identity.
    IdentityLogin,
    /// The key that signs GetOpenIdToken tokens.
    IdentityOpenIdKey,
    /// A user's failed password attempts (lockout).
    PasswordAttempts,
    /// A pool's MFA configuration.
    MfaConfig,
    /// A user's MFA settings (factors, TOTP secret).
    UserMfa,
    /// The messages the server "sent".
    Outbox,
    /// A stored configuration document (terms, branding, replicas, log delivery, …):
    /// `services::config_docs`.
    ConfigDoc,
    /// A sign-in or other event of a user (AdminListUserAuthEvents).
    AuthEvent,
    /// A user import job.
    ImportJob,
    /// A user pool's domain (scope: the pool id; key: `domain`).
    UserPoolDomain,
    /// Which pool a domain belongs to (scope: `domains`; key: the domain).
    DomainIndex,
    /// A resource server of a pool (key: its identifier).
    ResourceServer,
    /// An OAuth authorization code (key: the SHA-256 of the code).
    AuthorizationCode,
    /// An identity provider of a pool (key: its name).
    IdentityProvider,
    /// An external identity linked to an existing user (AdminLinkProviderForUser; key: the
    /// provider, attribute and value).
    ProviderLink,
    /// A user's passkey (key: the credential id, base64url).
    WebAuthnCredential,
    /// A pending passkey registration or sign-in challenge (taken once; `expires`).
    WebAuthnChallenge,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 26] = [
        RecordKind::Code,
        RecordKind::UsedSession,
        RecordKind::DeviceChallenge,
        RecordKind::Device,
        RecordKind::DeviceGroup,
        RecordKind::Group,
        RecordKind::GroupMember,
        RecordKind::IdentityPool,
        RecordKind::Identity,
        RecordKind::IdentityLogin,
        RecordKind::IdentityOpenIdKey,
        RecordKind::PasswordAttempts,
        RecordKind::MfaConfig,
        RecordKind::UserMfa,
        RecordKind::Outbox,
        RecordKind::ConfigDoc,
        RecordKind::AuthEvent,
        RecordKind::ImportJob,
        RecordKind::UserPoolDomain,
        RecordKind::DomainIndex,
        RecordKind::ResourceServer,
        RecordKind::AuthorizationCode,
        RecordKind::IdentityProvider,
        RecordKind::ProviderLink,
        RecordKind::WebAuthnCredential,
        RecordKind::WebAuthnChallenge,
    ];

    /// The name a backend stores.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Code => "code",
            RecordKind::UsedSession => "used_session",
            RecordKind::DeviceChallenge => "device_challenge",
            RecordKind::Device => "device",
            RecordKind::DeviceGroup => "device_group",
            RecordKind::Group => "group",
            RecordKind::GroupMember => "group_member",
            RecordKind::IdentityPool => "identity_pool",
            RecordKind::Identity => "identity",
            RecordKind::IdentityLogin => "identity_login",
            RecordKind::IdentityOpenIdKey => "identity_openid_key",
            RecordKind::PasswordAttempts => "password_attempts",
            RecordKind::MfaConfig => "mfa_config",
            RecordKind::UserMfa => "user_mfa",
            RecordKind::Outbox => "outbox",
            RecordKind::ConfigDoc => "config_doc",
            RecordKind::AuthEvent => "auth_event",
            RecordKind::ImportJob => "import_job",
            RecordKind::UserPoolDomain => "user_pool_domain",
            RecordKind::DomainIndex => "domain_index",
            RecordKind::ResourceServer => "resource_server",
            RecordKind::AuthorizationCode => "authorization_code",
            RecordKind::IdentityProvider => "identity_provider",
            RecordKind::ProviderLink => "provider_link",
            RecordKind::WebAuthnCredential => "webauthn_credential",
            RecordKind::WebAuthnChallenge => "webauthn_challenge",
        }
    }
}

/// An attribute users are looked up by (indexed by every backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alias {
    /// `email`, compared lower-cased.
    Email,
    /// `phone_number`, compared exactly.
    PhoneNumber,
}

/// What ListUsers' `Filter` compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserField {
    /// The internal user name (`username`).
    Username,
    /// `sub`.
    Sub,
    /// The user's status (`cognito:user_status`): `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, …
    Status,
    /// `Enabled` or `Disabled` (`status`).
    Enabled,
    /// A user attribute (`email`, `phone_number`, `name`, …).
    Attribute(String),
}

/// A ListUsers filter: `field = "value"`, or `field ^= "value"` (starts with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    /// What is compared.
    pub field: UserField,
    /// `^=`: the value is a prefix.
    pub prefix: bool,
    /// The value.
    pub value: String,
}

impl UserFilter {
    /// Whether `user` passes: the meaning every backend's [`Store::user_search`] must have.
    pub fn matches(&self, user: &User) -> bool {
        let actual = match &self.field {
            UserField::Username => Some(user.username.as_str()),
            UserField::Sub => Some(user.sub.as_str()),
            UserField::Status => Some(user.status.as_str()),
            UserField::Enabled => Some(if user.enabled { "Enabled" } else { "Disabled" }),
            UserField::Attribute(name) => user.attributes.get(name).map(String::as_str),
        };
        match actual {
            Some(a) if self.prefix => a.starts_with(&self.value),
            Some(a) => a == self.value,
            None => false,
        }
    }
}

/// One change of a unit of work ([`Store::apply`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Change {
    /// Deletes the pool record (only; see [`cascade::delete_pool`] for the rest).
    DeletePool {
        /// The pool.
        id: String,
    },
    /// Deletes every app client of a pool.
    DeleteClientsOf {
        /// The pool.
        pool_id: String,
    },
    /// Deletes every user of a pool.
    DeleteUsersOf {
        /// The pool.
        pool_id: String,
    },
    /// Deletes one user.
    DeleteUser {
        /// The pool.
        pool_id: String,
        /// The internal name.
        username: String,
    },
    /// Deletes the refresh tokens (and revoked-login records) of a pool, or of one user of it.
    DeleteRefreshOf {
        /// The pool.
        pool_id: String,
        /// Only this user's (internal name); `None`: the whole pool's.
        username: Option<String>,
    },
    /// Stores a new refresh token.
    InsertRefresh(RefreshRecord),
    /// Marks refresh token `hash` as rotated at `at` — only if it exists, is not revoked, and
    /// was not rotated more than `grace_secs` before `at` (a retry inside the grace period is
    /// allowed); otherwise the whole unit fails with [`StoreError::Conflict`]. The check is
    /// made inside the unit's transaction, so two concurrent rotations of a token with no
    /// grace period cannot both succeed — even when the rotation that committed first took
    /// its time a second later than this one (`at` before the stamp: no time has passed).
    RotateRefresh {
        /// The hex SHA-256 of the token.
        hash: String,
        /// When.
        at: i64,
        /// The client's grace period.
        grace_secs: i64,
    },
    /// Stores a record.
    PutDoc {
        /// Its kind.
        kind: RecordKind,
        /// Its scope (the pool id where it belongs to one).
        scope: String,
        /// Its key.
        key: String,
        /// Its data.
        data: Value,
    },
    /// Stores a record that must not exist yet — a use-once claim (an SRP `SECRET_BLOCK`, a
    /// code): if one exists under the same kind, scope and key, the whole unit fails with
    /// [`StoreError::Conflict`].
    Claim {
        /// Its kind.
        kind: RecordKind,
        /// Its scope.
        scope: String,
        /// Its key.
        key: String,
        /// Its data (an `expires` member lets [`Store::doc_purge_expired`] remove it).
        data: Value,
    },
    /// Deletes a record (nothing if there is none).
    DeleteDoc {
        /// Its kind.
        kind: RecordKind,
        /// Its scope.
        scope: String,
        /// Its key.
        key: String,
    },
    /// Deletes every record of every kind in `scope`.
    DeleteDocsIn {
        /// The scope.
        scope: String,
    },
}

impl Change {
    /// Whether this change can alter a pool or an app client (what [`CachedStore`] keeps).
    pub fn touches_pools_or_clients(&self) -> bool {
        matches!(
            self,
            Change::DeletePool { .. } | Change::DeleteClientsOf { .. }
        )
    }
}

/// Where a server keeps its state. See the module documentation for the contract (blocking,
/// durable, atomic units, no stale process-local copies, backend-neutral errors);
/// [`conformance::run`] checks an implementation against it.
pub trait Store: Send + Sync + 'static {
    /// A server-wide value (e.g. the secret-block key); `None` if never set.
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets `key` to `value` unless it is set already; returns the value now stored.
    fn meta_init(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError>;

    /// Runs `changes` as one durable transaction: all of them, in order, or — when one fails,
    /// a [`Change::RotateRefresh`] precondition included — none.
    fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError>;

    /// Inserts or replaces a pool.
    fn pool_put(&self, pool: &UserPool) -> Result<(), StoreError>;
    /// A pool by id.
    fn pool_get(&self, id: &str) -> Result<Option<UserPool>, StoreError>;
    /// All pools, oldest first.
    fn pool_list(&self) -> Result<Vec<UserPool>, StoreError>;

    /// Inserts or replaces a client.
    fn client_put(&self, client: &AppClient) -> Result<(), StoreError>;
    /// A client by id (any pool).
    fn client_get(&self, id: &str) -> Result<Option<AppClient>, StoreError>;
    /// A client by id (any pool) and the pool it belongs to (`None` if that is gone). A
    /// sign-in starts here; a backend that can read both in one round trip (PostgreSQL)
    /// overrides this.
    fn client_and_pool(
        &self,
        id: &str,
    ) -> Result<Option<(AppClient, Option<UserPool>)>, StoreError> {
        let Some(client) = self.client_get(id)? else {
            return Ok(None);
        };
        let pool = self.pool_get(&client.pool_id)?;
        Ok(Some((client, pool)))
    }
    /// The clients of a pool, oldest first.
    fn client_list(&self, pool_id: &str) -> Result<Vec<AppClient>, StoreError>;
    /// Deletes a client; false if it did not exist.
    fn client_delete(&self, id: &str) -> Result<bool, StoreError>;

    /// Inserts a new user; false (and nothing written) if the name is taken.
    fn user_insert(&self, user: &User) -> Result<bool, StoreError>;
    /// Replaces an existing user.
    fn user_put(&self, user: &User) -> Result<(), StoreError>;
    /// A user by internal name.
    fn user_get(&self, pool_id: &str, username: &str) -> Result<Option<User>, StoreError>;
    /// Users whose `alias` attribute is `value` (`Alias::Email` compares lower-cased), oldest
    /// first.
    fn user_by_alias(
        &self,
        pool_id: &str,
        alias: Alias,
        value: &str,
    ) -> Result<Vec<User>, StoreError>;
    /// A user by `sub`.
    fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>, StoreError>;
    /// Users of a pool in creation order, from `offset`, at most `limit`.
    fn user_list(&self, pool_id: &str, offset: u64, limit: u64) -> Result<Vec<User>, StoreError>;
    /// Number of users of a pool.
    fn user_count(&self, pool_id: &str) -> Result<u64, StoreError>;
    /// Users of a pool that pass `filter` (as [`UserFilter::matches`] says), in creation order,
    /// from `offset`, at most `limit`; the backend does the filtering.
    fn user_search(
        &self,
        pool_id: &str,
        filter: &UserFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<User>, StoreError>;

    /// A refresh token by the hex SHA-256 of its text.
    fn refresh_get(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError>;
    /// Revokes every refresh token of a login (`origin_jti`) and remembers the revocation so
    /// that access tokens of that login are refused too.
    fn revoke_family(&self, pool_id: &str, origin_jti: &str, at: i64) -> Result<(), StoreError>;
    /// The refresh tokens of a user (every family, rotated and revoked ones included), oldest
    /// first.
    fn refresh_list_user(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<RefreshRecord>, StoreError>;
    /// Whether the login `origin_jti` was revoked.
    fn family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError>;
    /// Revokes, in one transaction, every login (every `origin_jti` family) of a user that has
    /// a refresh token, as [`Store::revoke_family`] does for one (GlobalSignOut); returns how
    /// many logins were revoked.
    fn revoke_user_families(
        &self,
        pool_id: &str,
        username: &str,
        at: i64,
    ) -> Result<usize, StoreError>;

    /// Stores (inserting or replacing) a small record — a group, a device, a one-time code, an
    /// identity pool, … — under `(kind, scope, key)`. `scope` is the user pool id where the
    /// record belongs to one (deleting the pool deletes it), or any other string.
    fn doc_put(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        data: &Value,
    ) -> Result<(), StoreError>;
    /// The record under `(kind, scope, key)`.
    fn doc_get(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<Option<Value>, StoreError>;
    /// The records under `(kind, scope, k)` for each `k` of `keys` that has one, as
    /// `(key, data)` in the order of `keys`. A backend that can read them in one round trip
    /// (PostgreSQL) overrides this; a sign-in asks for the user's membership of each of the
    /// pool's groups.
    fn doc_get_many(
        &self,
        kind: RecordKind,
        scope: &str,
        keys: &[String],
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let mut found = Vec::new();
        for key in keys {
            if let Some(data) = self.doc_get(kind, scope, key)? {
                found.push((key.clone(), data));
            }
        }
        Ok(found)
    }
    /// The records of `kind` in `scope` as `(key, data)`, oldest first.
    fn doc_list(&self, kind: RecordKind, scope: &str) -> Result<Vec<(String, Value)>, StoreError>;
    /// Deletes one record; false if it did not exist.
    fn doc_delete(&self, kind: RecordKind, scope: &str, key: &str) -> Result<bool, StoreError>;
    /// Reads, changes and writes one record in a single durable transaction, so that
    /// concurrent callers (attempt counters, use-once sessions) never lose an update. `change`
    /// gets the current record and returns the new one (`None` deletes it); the new record is
    /// returned.
    fn doc_update(
        &self,
        kind: RecordKind,
        scope: &str,
        key: &str,
        change: Box<dyn FnOnce(Option<Value>) -> Option<Value> + Send>,
    ) -> Result<Option<Value>, StoreError>;
    /// Deletes, in one durable transaction, every record of `kind` (in every scope) whose data
    /// has a numeric `expires` member (epoch seconds) below `now`; returns how many went.
    fn doc_purge_expired(&self, kind: RecordKind, now: i64) -> Result<usize, StoreError>;

    /// One bounded pass of housekeeping, in one durable transaction: deletes at most `limit`
    /// refresh tokens that expired before `now`, at most `limit` revoked-login records older
    /// than `revoked_before`, and at most `limit` records of each of `kinds` whose `expires`
    /// member is below `now`. Live records stay. Cheap whatever the store's size (indexed).
    fn purge_expired(
        &self,
        now: i64,
        revoked_before: i64,
        kinds: &[RecordKind],
        limit: usize,
    ) -> Result<Purged, StoreError>;

    /// Takes the lock named `name`, shared by every server process on this store, waiting
    /// while another holder has it; held until the returned guard is dropped. `None` (the
    /// default) when one process at a time writes the store, as with SQLite's data directory:
    /// the server's own process-local exclusion is then enough. The server holds such a lock
    /// only around one user's password check (the lockout's one-attempt-at-a-time).
    fn lock(&self, name: &str) -> Result<Option<StoreLock>, StoreError> {
        let _ = name;
        Ok(None)
    }

    /// [`Store::lock`], then the record under `(kind, scope, key)` as it is once the lock is
    /// held: what the previous holder wrote before it let go is seen. (The lockout takes a
    /// user's turn and reads the user's failed attempts with it.) A backend that can do both in
    /// one round trip (PostgreSQL) overrides this.
    fn lock_then_get(
        &self,
        name: &str,
        kind: RecordKind,
        scope: &str,
        key: &str,
    ) -> Result<(Option<StoreLock>, Option<Value>), StoreError> {
        let lock = self.lock(name)?;
        Ok((lock, self.doc_get(kind, scope, key)?))
    }

    /// Whether other server processes may write this store while this one runs (PostgreSQL):
    /// then no process may keep a copy of what it read, and the server never puts a
    /// [`CachedStore`] in front of it, however the store was chosen. False (the default) when
    /// one process at a time writes it, as with SQLite's data directory.
    fn shared(&self) -> bool {
        false
    }
}

/// A lock shared by every server process on a store ([`Store::lock`]); released when dropped.
pub struct StoreLock(#[allow(dead_code)] Box<dyn Send>);

impl StoreLock {
    /// A lock held by `guard` (released when `guard` is dropped).
    pub fn new(guard: impl Send + 'static) -> Self {
        StoreLock(Box::new(guard))
    }
}

impl std::fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreLock")
    }
}

/// What one [`Store::purge_expired`] pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired refresh tokens.
    pub refresh_tokens: usize,
    /// Revoked-login records past the longest access-token lifetime.
    pub revoked_logins: usize,
    /// Expired records (codes, used sessions, …).
    pub records: usize,
}

impl Purged {
    /// Whether any of the bounds was reached (more may be left).
    pub fn reached(&self, limit: usize) -> bool {
        self.refresh_tokens >= limit || self.revoked_logins >= limit || self.records >= limit
    }
}
