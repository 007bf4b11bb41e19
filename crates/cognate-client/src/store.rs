//! Where token sets are kept between runs: in memory, or one JSON file per profile.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tokens::{TokenRecord, TokenSet};

/// Keeps token sets by profile name. Implementations must be safe to call from several threads;
/// calls are short and blocking.
pub trait TokenStore: Send + Sync + 'static {
    /// The tokens saved for `profile`, if any.
    fn load(&self, profile: &str) -> Result<Option<TokenSet>>;
    /// Saves `tokens` for `profile`, replacing what was there.
    fn save(&self, profile: &str, tokens: &TokenSet) -> Result<()>;
    /// Forgets `profile`'s tokens (nothing happens if there are none).
    fn remove(&self, profile: &str) -> Result<()>;
}

impl<T: TokenStore + ?Sized> TokenStore for std::sync::Arc<T> {
    fn load(&self, profile: &str) -> Result<Option<TokenSet>> {
        (**self).load(profile)
    }
    fn save(&self, profile: &str, tokens: &TokenSet) -> Result<()> {
        (**self).save(profile, tokens)
    }
    fn remove(&self, profile: &str) -> Result<()> {
        (**self).remove(profile)
    }
}

/// Token sets in memory only.
#[derive(Debug, Default)]
pub struct MemoryStore {
    sets: Mutex<HashMap<String, TokenSet>>,
    clients: Mutex<HashMap<String, crate::oauth::ClientToken>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn client_tokens(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<String, crate::oauth::ClientToken>>> {
        self.clients.lock().map_err(poisoned)
    }
}

fn poisoned<T>(_: T) -> Error {
    Error::Store("a thread panicked while holding the store".into())
}

impl TokenStore for MemoryStore {
    fn load(&self, profile: &str) -> Result<Option<TokenSet>> {
        Ok(self.sets.lock().map_err(poisoned)?.get(profile).cloned())
    }
    fn save(&self, profile: &str, tokens: &TokenSet) -> Result<()> {
        self.sets
            .lock()
            .map_err(poisoned)?
            .insert(profile.to_owned(), tokens.clone());
        Ok(())
    }
    fn remove(&self, profile: &str) -> Result<()> {
        self.sets.lock().map_err(poisoned)?.remove(profile);
        Ok(())
    }
}

/// Whom a saved token set belongs to: the endpoint, user pool, app client and login name it was
/// obtained with. A [`FileStore`] keeps it beside the tokens (see [`FileStore::save_for`]) so that
/// a command-line tool can refuse to hand out one user's tokens when it is asked for another's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenOwner {
    /// The Cognito endpoint (`None`: AWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The user pool id.
    pub user_pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The name the user logged in with (a username or an alias such as an email address).
    pub username: String,
}

/// A token file: the record, and whom it belongs to when that is known.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    #[serde(flatten)]
    record: TokenRecord,
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    owner: Option<TokenOwner>,
}

/// One JSON file per profile (`<dir>/<profile>.json`), for command-line tools.
///
/// Files are created with mode 0600 (the directory 0700), written to a temporary file and
/// renamed over the old one (a reader sees the old or the new tokens, never half), and every
/// read and write takes an advisory lock on `<dir>/<profile>.lock`, so several processes can
/// share a profile.
///
/// ```
/// # fn main() -> cognate_client::Result<()> {
/// use cognate_client::{FileStore, TokenStore};
/// let dir = tempfile::tempdir().unwrap();
/// let store = FileStore::new(dir.path());
/// assert!(store.load("default")?.is_none());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileStore { dir: dir.into() }
    }

    /// The file that holds `profile`'s tokens.
    pub fn path(&self, profile: &str) -> Result<PathBuf> {
        check_profile(profile)?;
        Ok(self.dir.join(format!("{profile}.json")))
    }

    fn io(&self, what: &str, path: &Path, e: std::io::Error) -> Error {
        Error::Store(format!("{what} {}: {e}", path.display()))
    }

    /// Writes `bytes` to a 0600 temporary file beside `path`, syncs it, and renames it over
    /// `path`: readers see the old or the new content, never a mix.
    fn write_atomic(&self, path: &Path, stem: &str, bytes: &[u8]) -> Result<()> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = path.parent().unwrap_or(&self.dir);
        let tmp = dir.join(format!(".{stem}.{}.{nanos}.tmp", std::process::id()));
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let written = (|| {
            let mut f = o.open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(self.io("cannot write", path, e));
        }
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// [`FileStore::write_atomic`] for other files of the store.
    pub(crate) fn write_file_atomic(&self, path: &Path, stem: &str, bytes: &[u8]) -> Result<()> {
        self.write_atomic(path, stem, bytes)
    }

    /// The JSON record in `path`, `None` when there is no such file; the bytes read are
    /// zeroized (they hold tokens). `what` names the record in errors.
    pub(crate) fn read_record<R: serde::de::DeserializeOwned>(
        &self,
        path: &Path,
        what: &str,
    ) -> Result<Option<R>> {
        let bytes = match fs::read(path) {
            Ok(b) => zeroize::Zeroizing::new(b),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("cannot read", path, e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::Store(format!("{} is not {what}: {e}", path.display())))
    }

    /// Writes `record` as JSON to `path` (0600, atomically, in a 0700 directory), under the
    /// lock of the profile, which the caller holds; `stem` names the temporary file.
    pub(crate) fn write_record<R: Serialize>(
        &self,
        path: &Path,
        stem: &str,
        record: &R,
    ) -> Result<()> {
        if let Some(dir) = path.parent() {
            self.ensure_private_dir(dir)?;
        }
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(record)
                .map_err(|e| Error::Store(format!("cannot encode {}: {e}", path.display())))?,
        );
        self.write_atomic(path, stem, &json)
    }

    /// Removes `path`; no such file is no error.
    pub(crate) fn remove_record(&self, path: &Path) -> Result<()> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("cannot remove", path, e)),
        }
    }

    /// Creates `dir` (and the store's directory) with mode 0700.
    pub(crate) fn ensure_private_dir(&self, dir: &Path) -> Result<()> {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| self.io("cannot create", dir, e))
    }

    /// `profile`'s lock, shared (`None` when nobody ever wrote the profile).
    pub(crate) fn lock_shared(&self, profile: &str) -> Result<Option<File>> {
        self.lock(profile, false)
    }

    /// The file that holds the device remembered for `username`
    /// (`<dir>/devices/<hex of the name>.json`).
    pub fn device_path(&self, username: &str) -> PathBuf {
        let hex: String = username.bytes().map(|b| format!("{b:02x}")).collect();
        self.dir.join("devices").join(format!("{hex}.json"))
    }

    fn ensure_dir(&self) -> Result<()> {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&self.dir)
            .map_err(|e| self.io("cannot create", &self.dir, e))
    }

    fn lock(&self, profile: &str, exclusive: bool) -> Result<Option<File>> {
        let path = self.dir.join(format!("{profile}.lock"));
        let mut o = OpenOptions::new();
        if exclusive {
            o.create(true).truncate(false).write(true);
        }
        o.read(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let file = match o.open(&path) {
            Ok(f) => f,
            // No lock file yet: nobody has written, nothing to wait for.
            Err(e) if !exclusive && e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("cannot open", &path, e)),
        };
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            let op = if exclusive {
                FlockOperation::LockExclusive
            } else {
                FlockOperation::LockShared
            };
            flock(&file, op).map_err(|e| self.io("cannot lock", &path, e.into()))?;
        }
        Ok(Some(file))
    }
}

fn check_profile(profile: &str) -> Result<()> {
    let ok = !profile.is_empty()
        && profile.len() <= 128
        && !profile.starts_with('.')
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::Store(format!(
            "`{profile}` is not a usable profile name (letters, digits, - _ . @)"
        )))
    }
}

impl FileStore {
    /// Reads `profile`'s file without locking (the caller holds a lock).
    fn read_unlocked(&self, profile: &str) -> Result<Option<TokenFile>> {
        self.read_record(&self.path(profile)?, "a token file")
    }

    /// Writes `profile`'s file without locking (the caller holds the exclusive lock).
    fn write_unlocked(&self, profile: &str, file: &TokenFile) -> Result<()> {
        let path = self.path(profile)?;
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(file)
                .map_err(|e| Error::Store(format!("cannot encode tokens: {e}")))?,
        );
        self.write_atomic(&path, profile, &json)
    }

    /// Saves `tokens` (the owner kept as it was) without locking.
    fn save_unlocked(&self, profile: &str, tokens: &TokenSet) -> Result<()> {
        // A refresh keeps the owner: the tokens are still the same user's.
        let owner = match self.read_unlocked(profile) {
            Ok(Some(f)) => f.owner,
            _ => None,
        };
        self.write_unlocked(
            profile,
            &TokenFile {
                record: tokens.to_record(),
                owner,
            },
        )
    }

    /// Saves `tokens` for `profile` and records whom they belong to (a login).
    pub fn save_for(&self, profile: &str, tokens: &TokenSet, owner: &TokenOwner) -> Result<()> {
        self.path(profile)?;
        self.ensure_dir()?;
        let _lock = self.lock(profile, true)?;
        self.write_unlocked(
            profile,
            &TokenFile {
                record: tokens.to_record(),
                owner: Some(owner.clone()),
            },
        )
    }

    /// Whom `profile`'s tokens belong to, when the file says (files written by
    /// [`FileStore::save_for`]).
    pub fn owner(&self, profile: &str) -> Result<Option<TokenOwner>> {
        self.path(profile)?;
        let _lock = self.lock(profile, false)?;
        Ok(self.read_unlocked(profile)?.and_then(|f| f.owner))
    }

    /// Takes `profile`'s lock exclusively until the returned store is dropped: other processes
    /// wait to read or write `profile`'s tokens meanwhile. Read, refresh and save through the
    /// returned store, and a refresh happens once however many processes need one at the same
    /// time: the others wait, then read the refreshed tokens.
    pub fn lock_profile(&self, profile: &str) -> Result<LockedProfile> {
        self.path(profile)?;
        self.ensure_dir()?;
        let lock = self.lock(profile, true)?;
        Ok(LockedProfile {
            store: self.clone(),
            profile: profile.to_owned(),
            _lock: lock,
        })
    }
}

impl TokenStore for FileStore {
    fn load(&self, profile: &str) -> Result<Option<TokenSet>> {
        self.path(profile)?;
        let _lock = self.lock(profile, false)?;
        match self.read_unlocked(profile)? {
            Some(f) => TokenSet::from_record(&f.record).map(Some),
            None => Ok(None),
        }
    }

    fn save(&self, profile: &str, tokens: &TokenSet) -> Result<()> {
        self.path(profile)?;
        self.ensure_dir()?;
        let _lock = self.lock(profile, true)?;
        self.save_unlocked(profile, tokens)
    }

    fn remove(&self, profile: &str) -> Result<()> {
        let path = self.path(profile)?;
        if !self.dir.exists() {
            return Ok(());
        }
        let _lock = self.lock(profile, true)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("cannot remove", &path, e)),
        }
    }
}

/// One profile of a [`FileStore`] with its lock held exclusively (see
/// [`FileStore::lock_profile`]); the lock is released when this is dropped. Reads and writes of
/// that profile go through without locking again; other profiles are locked as usual.
#[derive(Debug)]
pub struct LockedProfile {
    store: FileStore,
    profile: String,
    _lock: Option<File>,
}

impl LockedProfile {
    /// The profile whose lock is held.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    pub(crate) fn file_store(&self) -> &FileStore {
        &self.store
    }
}

impl TokenStore for LockedProfile {
    fn load(&self, profile: &str) -> Result<Option<TokenSet>> {
        if profile != self.profile {
            return self.store.load(profile);
        }
        match self.store.read_unlocked(profile)? {
            Some(f) => TokenSet::from_record(&f.record).map(Some),
            None => Ok(None),
        }
    }

    fn save(&self, profile: &str, tokens: &TokenSet) -> Result<()> {
        if profile != self.profile {
            return self.store.save(profile, tokens);
        }
        self.store.save_unlocked(profile, tokens)
    }

    fn remove(&self, profile: &str) -> Result<()> {
        if profile != self.profile {
            return self.store.remove(profile);
        }
        let path = self.store.path(profile)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.store.io("cannot remove", &path, e)),
        }
    }
}

/// A `FileStore` also remembers devices (one 0600 file per user under `<dir>/devices/`), so a
/// command-line tool keeps skipping MFA on a remembered device across runs.
impl crate::device::DeviceStore for FileStore {
    fn load(&self, username: &str) -> Result<Option<crate::device::RememberedDevice>> {
        self.read_record(&self.device_path(username), "a device file")
    }

    fn save(&self, username: &str, device: &crate::device::RememberedDevice) -> Result<()> {
        self.write_record(&self.device_path(username), "device", device)
    }

    fn forget(&self, username: &str) -> Result<()> {
        self.remove_record(&self.device_path(username))
    }
}
