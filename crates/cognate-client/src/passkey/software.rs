//! A passkey provider in software: ES256 (P-256) keys, attestation `none`, a signature counter
//! per credential, and a credential file it can keep (0600, written atomically).
//!
//! For tests and for headless machines, where no platform authenticator or security key can
//! be asked. The keys are as safe as the file: whoever can read it can sign in as its users.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{Authenticator, CreationOptions, PasskeyError, RequestOptions};

/// COSE algorithm id of ECDSA with P-256 and SHA-256.
const ES256: i64 = -7;
/// Authenticator data flags: user present, user verified, attested credential data included.
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

/// One credential: its key (the P-256 scalar, base64url) and where it belongs. Wiped on drop.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
struct Stored {
    /// The credential id, base64url.
    id: String,
    rp_id: String,
    /// `user.id` of the creation options, base64url.
    user_handle: String,
    user_name: String,
    private_key: String,
    counter: u32,
}

#[derive(Serialize, Deserialize, Default)]
struct Credentials {
    version: u32,
    credentials: Vec<Stored>,
}

/// A software authenticator (feature `software-authenticator`): makes passkeys with P-256
/// keys and signs with them, playing the browser's part as well (the `clientDataJSON`, with
/// [the origin](Self::with_origin)).
///
/// Registration answers with attestation `none` (no certificate: a relying party that wants
/// to know the make of the authenticator learns nothing) and a credential that is not backed
/// up; every assertion moves the credential's signature counter up, and the counter is saved
/// before the signature is handed out. It claims user verification (the `UV` flag) unless told
/// not to ([`with_user_verification`](Self::with_user_verification)): holding the file is
/// the factor.
///
/// Kept in a file ([`open`](Self::open)), the credentials are written to a 0600 temporary file
/// renamed over the old one after every change. Every use reads the file again and writes it
/// under an advisory lock (`<file>.lock`, on Unix), so processes sharing a file never sign
/// with the same counter twice.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), cognate_client::passkey::PasskeyError> {
/// use cognate_client::passkey::{Authenticator, CreationOptions, SoftwareAuthenticator};
///
/// let authenticator = SoftwareAuthenticator::in_memory();
/// let options = CreationOptions::new(serde_json::json!({
///     "rp": {"id": "localhost", "name": "Example"},
///     "user": {"id": "dXNlci0x", "name": "ann", "displayName": "Ann"},
///     "challenge": "Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0NTY3ODk",
///     "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
/// }));
/// let credential = authenticator.create(&options).await?;
/// assert_eq!(credential["type"], "public-key");
/// assert_eq!(authenticator.credential_ids().len(), 1);
/// # Ok(()) }
/// ```
pub struct SoftwareAuthenticator {
    path: Option<PathBuf>,
    origin: Option<String>,
    user_verification: bool,
    state: Mutex<Credentials>,
}

impl std::fmt::Debug for SoftwareAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareAuthenticator")
            .field("path", &self.path)
            .field("origin", &self.origin)
            .field("credentials", &self.credential_ids().len())
            .finish_non_exhaustive()
    }
}

fn store_error(what: &str, path: &Path, e: impl std::fmt::Display) -> PasskeyError {
    PasskeyError::Store(format!("{what} {}: {e}", path.display()))
}

/// Reads a credential file (`None`: there is none yet). A file other users may read is
/// refused, as ssh refuses such a key.
fn read_file(path: &Path) -> Result<Option<Credentials>, PasskeyError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(store_error("cannot read", path, e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| store_error("cannot read", path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(PasskeyError::Store(format!(
                "{} is open to other users (mode {:o}): make it private with chmod 600",
                path.display(),
                mode & 0o777
            )));
        }
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| store_error("cannot read", path, format!("not a passkey file: {e}")))
}

/// An advisory lock on `<path>.lock` (created 0600), released when the file is dropped.
fn lock(path: &Path) -> Result<std::fs::File, PasskeyError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let mut o = std::fs::OpenOptions::new();
    o.create(true).truncate(false).write(true).read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let file = o
        .open(&lock_path)
        .map_err(|e| store_error("cannot open", &lock_path, e))?;
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| store_error("cannot lock", &lock_path, std::io::Error::from(e)))?;
    Ok(file)
}

/// Base64 as relying parties write it (base64url, with or without padding, or standard).
fn decode_b64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(s)
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| STANDARD.decode(s))
        .ok()
}

fn random<const N: usize>() -> Result<[u8; N], PasskeyError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| PasskeyError::Refused(format!("no randomness: {e}")))?;
    Ok(b)
}

fn unsupported(what: &str) -> PasskeyError {
    PasskeyError::Unsupported(what.to_owned())
}

/// The `clientDataJSON` of a ceremony (`webauthn.create` or `webauthn.get`).
fn client_data(kind: &str, challenge: &str, origin: &str) -> Result<Vec<u8>, PasskeyError> {
    let challenge = decode_b64(challenge).ok_or_else(|| unsupported("challenge is not base64"))?;
    let data = json!({
        "type": kind,
        "challenge": URL_SAFE_NO_PAD.encode(challenge),
        "origin": origin,
        "crossOrigin": false,
    });
    Ok(data.to_string().into_bytes())
}

fn cbor(value: &ciborium::Value) -> Result<Vec<u8>, PasskeyError> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out)
        .map_err(|e| PasskeyError::Refused(format!("CBOR: {e}")))?;
    Ok(out)
}

/// The COSE_Key (EC2, P-256, ES256) of `key`'s public half.
fn cose_key(key: &SigningKey) -> Result<Vec<u8>, PasskeyError> {
    use ciborium::Value as C;
    let point = key.verifying_key().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(unsupported("a public key at infinity"));
    };
    cbor(&C::Map(vec![
        (C::Integer(1.into()), C::Integer(2.into())),
        (C::Integer(3.into()), C::Integer(ES256.into())),
        (C::Integer((-1).into()), C::Integer(1.into())),
        (C::Integer((-2).into()), C::Bytes(x.to_vec())),
        (C::Integer((-3).into()), C::Bytes(y.to_vec())),
    ]))
}

impl SoftwareAuthenticator {
    /// An authenticator whose credentials live only as long as it does.
    pub fn in_memory() -> Self {
        SoftwareAuthenticator {
            path: None,
            origin: None,
            user_verification: true,
            state: Mutex::new(Credentials {
                version: 1,
                credentials: Vec::new(),
            }),
        }
    }

    /// An authenticator keeping its credentials in `path` (created, mode 0600, with the first
    /// credential). A file that other users may read is refused.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, PasskeyError> {
        let path = path.into();
        let state = read_file(&path)?.unwrap_or(Credentials {
            version: 1,
            credentials: Vec::new(),
        });
        Ok(SoftwareAuthenticator {
            path: Some(path),
            state: Mutex::new(state),
            ..Self::in_memory()
        })
    }

    /// The origin written in the client data, e.g. `https://app.example.com` (default:
    /// `https://{relying party id}`, or `http://localhost` for the relying party `localhost`).
    /// The relying party accepts its own host and its subdomains.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Whether to claim user verification (`UV`; default: yes). Without it, a relying party
    /// that requires verification is refused by the authenticator itself.
    pub fn with_user_verification(mut self, verified: bool) -> Self {
        self.user_verification = verified;
        self
    }

    /// The file the credentials are kept in, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The ids (base64url) of the credentials it holds.
    pub fn credential_ids(&self) -> Vec<String> {
        self.state
            .lock()
            .map(|s| s.credentials.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    }

    fn origin_for(&self, rp_id: &str) -> String {
        match &self.origin {
            Some(o) => o.clone(),
            None if rp_id == "localhost" => "http://localhost".to_owned(),
            None => format!("https://{rp_id}"),
        }
    }

    fn flags(&self) -> u8 {
        if self.user_verification { UP | UV } else { UP }
    }

    fn check_verification(&self, requested: Option<&Value>) -> Result<(), PasskeyError> {
        if !self.user_verification && requested.and_then(Value::as_str) == Some("required") {
            return Err(unsupported(
                "the relying party requires user verification, and this authenticator is set not to claim it",
            ));
        }
        Ok(())
    }

    /// Runs `change` on the credentials as they are now (read again from the file), then saves
    /// them; nothing is saved when `change` fails.
    fn update<T>(
        &self,
        change: impl FnOnce(&mut Credentials) -> Result<T, PasskeyError>,
    ) -> Result<T, PasskeyError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| PasskeyError::Store("the credential list was poisoned".into()))?;
        let Some(path) = &self.path else {
            return change(&mut state);
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let store = crate::store::FileStore::new(dir);
        if !dir.exists() {
            store
                .ensure_private_dir(dir)
                .map_err(|e| PasskeyError::Store(e.to_string()))?;
        }
        // Held until the new file is in place: no two processes read the same counter.
        let _lock = lock(path)?;
        if let Some(fresh) = read_file(path)? {
            *state = fresh;
        }
        let out = change(&mut state)?;
        let bytes = Zeroizing::new(
            serde_json::to_vec_pretty(&*state).map_err(|e| store_error("cannot write", path, e))?,
        );
        store
            .write_file_atomic(path, "passkeys", &bytes)
            .map_err(|e| PasskeyError::Store(e.to_string()))?;
        Ok(out)
    }
}

#[async_trait::async_trait]
impl Authenticator for SoftwareAuthenticator {
    async fn create(&self, options: &CreationOptions) -> Result<Value, PasskeyError> {
        let o = options.json();
        let rp_id = options
            .rp_id()
            .ok_or_else(|| unsupported("no rp.id"))?
            .to_owned();
        let challenge = o
            .get("challenge")
            .and_then(Value::as_str)
            .ok_or_else(|| unsupported("no challenge"))?;
        let user_handle = o
            .pointer("/user/id")
            .and_then(Value::as_str)
            .and_then(decode_b64)
            .ok_or_else(|| unsupported("no user.id"))?;
        let es256 = o
            .get("pubKeyCredParams")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                a.iter()
                    .any(|p| p.get("alg").and_then(Value::as_i64) == Some(ES256))
            });
        if !es256 {
            return Err(unsupported("ES256 (-7) is not among pubKeyCredParams"));
        }
        self.check_verification(o.pointer("/authenticatorSelection/userVerification"))?;
        let excluded: Vec<String> = o
            .get("excludeCredentials")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("id").and_then(Value::as_str))
                    .filter_map(decode_b64)
                    .map(|id| URL_SAFE_NO_PAD.encode(id))
                    .collect()
            })
            .unwrap_or_default();
        let origin = self.origin_for(&rp_id);
        let client_data = client_data("webauthn.create", challenge, &origin)?;

        let key = loop {
            let scalar = Zeroizing::new(random::<32>()?);
            if let Ok(k) = SigningKey::from_slice(scalar.as_slice()) {
                break k;
            }
        };
        let id = random::<32>()?;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags() | AT);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key(&key)?);
        let attestation = {
            use ciborium::Value as C;
            cbor(&C::Map(vec![
                (C::Text("fmt".into()), C::Text("none".into())),
                (C::Text("attStmt".into()), C::Map(Vec::new())),
                (C::Text("authData".into()), C::Bytes(auth_data)),
            ]))?
        };
        let id = URL_SAFE_NO_PAD.encode(id);
        let stored = Stored {
            id: id.clone(),
            rp_id: rp_id.clone(),
            user_handle: URL_SAFE_NO_PAD.encode(&user_handle),
            user_name: options.user_name().unwrap_or_default().to_owned(),
            private_key: URL_SAFE_NO_PAD.encode(key.to_bytes()),
            counter: 0,
        };
        self.update(|state| {
            if state
                .credentials
                .iter()
                .any(|c| c.rp_id == rp_id && excluded.contains(&c.id))
            {
                return Err(PasskeyError::AlreadyRegistered { rp_id });
            }
            state.credentials.push(stored);
            Ok(())
        })?;
        Ok(json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(&client_data),
                "attestationObject": URL_SAFE_NO_PAD.encode(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }))
    }

    async fn get(&self, options: &RequestOptions) -> Result<Value, PasskeyError> {
        let rp_id = options
            .rp_id()
            .ok_or_else(|| unsupported("no rpId"))?
            .to_owned();
        let challenge = options
            .json()
            .get("challenge")
            .and_then(Value::as_str)
            .ok_or_else(|| unsupported("no challenge"))?;
        self.check_verification(options.json().get("userVerification"))?;
        let allowed: Vec<String> = options
            .allowed_credentials()
            .into_iter()
            .filter_map(decode_b64)
            .map(|id| URL_SAFE_NO_PAD.encode(id))
            .collect();
        // The counter is saved before anything is signed with it.
        let (id, user_handle, private_key, counter) = self.update(|state| {
            let c = state
                .credentials
                .iter_mut()
                .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
                .ok_or_else(|| PasskeyError::NoCredential {
                    rp_id: rp_id.clone(),
                })?;
            c.counter = c.counter.saturating_add(1);
            Ok((
                c.id.clone(),
                c.user_handle.clone(),
                Zeroizing::new(c.private_key.clone()),
                c.counter,
            ))
        })?;
        let scalar = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(private_key.as_bytes())
                .map_err(|_| PasskeyError::Store("a private key is not base64url".into()))?,
        );
        let key = SigningKey::from_slice(&scalar)
            .map_err(|_| PasskeyError::Store("a private key is not a P-256 scalar".into()))?;
        let client_data = client_data("webauthn.get", challenge, &self.origin_for(&rp_id))?;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags());
        auth_data.extend_from_slice(&counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: DerSignature = key.sign(&signed);
        Ok(json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(&client_data),
                "authenticatorData": URL_SAFE_NO_PAD.encode(&auth_data),
                "signature": URL_SAFE_NO_PAD.encode(signature.as_bytes()),
                "userHandle": user_handle,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }))
    }
}
